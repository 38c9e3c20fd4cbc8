//! A claim reduction's first round without its weight table at full length.
//!
//! A reduction proves `Σ_x P(x)·W(x)` for `W = Σ_t c_t·eq(p_t, ·)`. Built at full length, `W` is
//! an extension-field table twice the bytes of a base-field `P` (a 2^27 GPT-2 weights stack:
//! `P` 1 GiB, `W` 2 GiB), alive with `P` and `P`'s first fold. Written in halves instead:
//! `W(X, x') = Σ_t c_t·eq(p_{t,0}, X)·eq(p_{t,>0}, x')`, so `W(0, ·)` and `W(1, ·)` are eq sums
//! over one variable fewer, and once the first challenge `r` is drawn, `W(r, ·)` is the eq sum
//! with each term scaled by `eq(p_{t,0}, r)`. One half-length buffer holds `W(0, ·)`, then
//! `W(1, ·)`, then `W(r, ·)`, which the later rounds fold in place. The round's values are those
//! of the full table's kernel (`g(t) = Σ_{x'} P(t, x')·W(t, x')` at `t = 0, 1, 2`).

use zkinfer_field::{EF, F, Field, PrimeCharacteristicRing};
use zkinfer_poly::eq_table_scaled;

use super::state::eq1;

/// The terms `(c_t, p_t)` of `W = Σ_t c_t·eq(p_t, ·)`; every point has the instance's number of
/// variables.
pub(crate) type EqTerms = Vec<(EF, Vec<EF>)>;

/// The most leading non-Boolean coordinates [`add_eq_scaled`] splits off when Boolean ones
/// follow: one narrow block per value of them (2^8 blocks at most).
const MAX_LEADING_SPLIT_VARS: usize = 8;

/// `w += scale·eq(point, ·)`. Leading Boolean coordinates (a claim on one column of a stack:
/// selector and padding bits) select one block of `w`, so only that block's table is built —
/// `2^(n−k)` work for `k` such coordinates instead of `2^n`. A few non-Boolean coordinates
/// before Boolean ones (a claim on a column of a stack whose index is rotated, zkinfer-pcs'
/// free-tail placement: the column's low coordinates first) are split off: each value of them
/// scales the same narrow block, so the work is again the claim's support, not `2^n`.
pub(crate) fn add_eq_scaled(w: &mut [EF], point: &[EF], scale: EF) {
    let is_bool = |c: &EF| *c == EF::ZERO || *c == EF::ONE;
    let k = point.iter().take_while(|c| is_bool(c)).count();
    if k > 0 {
        let (prefix, rest) = point.split_at(k);
        let block = prefix
            .iter()
            .fold(0usize, |acc, &c| 2 * acc + usize::from(c == EF::ONE));
        let len = 1usize << rest.len();
        if let Some(dst) = w.get_mut(block * len..(block + 1) * len) {
            add_eq_scaled(dst, rest, scale);
        }
        return;
    }
    let lead = point.iter().take_while(|c| !is_bool(c)).count();
    if lead < point.len() && lead <= MAX_LEADING_SPLIT_VARS {
        let (prefix, rest) = point.split_at(lead);
        let len = 1usize << rest.len();
        for (block, e) in w.chunks_mut(len).zip(eq_table_scaled(prefix, scale)) {
            add_eq_scaled(block, rest, e);
        }
        return;
    }
    for (x, e) in w.iter_mut().zip(eq_table_scaled(point, scale)) {
        *x += e;
    }
}

/// Overwrites `w` (half the instance's length) with `Σ_t c_t·eq(p_{t,0}, x0)·eq(p_{t,>0}, ·)`.
pub(crate) fn fill_half(w: &mut [EF], terms: &EqTerms, x0: EF) {
    zero(w);
    for (c, p) in terms {
        if let Some((&first, rest)) = p.split_first() {
            let scale = *c * eq1(first, x0);
            if !scale.is_zero() {
                add_eq_scaled(w, rest, scale);
            }
        }
    }
}

fn zero(w: &mut [EF]) {
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        w.par_chunks_mut(1 << 16).for_each(|c| c.fill(EF::ZERO));
    }
    #[cfg(not(feature = "parallel"))]
    w.fill(EF::ZERO);
}

/// `(Σ lo[i]·w[i], Σ hi[i]·w[i])`.
fn dots(lo: &[F], hi: &[F], w: &[EF]) -> (EF, EF) {
    let chunk = |(lo, hi, w): (&[F], &[F], &[EF])| {
        lo.iter()
            .zip(hi)
            .zip(w)
            .fold((EF::ZERO, EF::ZERO), |(a, b), ((&l, &h), &x)| {
                (a + x * l, b + x * h)
            })
    };
    const CHUNK: usize = 1 << 14;
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        lo.par_chunks(CHUNK)
            .zip(hi.par_chunks(CHUNK))
            .zip(w.par_chunks(CHUNK))
            .map(|((l, h), x)| chunk((l, h, x)))
            .reduce(|| (EF::ZERO, EF::ZERO), |a, b| (a.0 + b.0, a.1 + b.1))
    }
    #[cfg(not(feature = "parallel"))]
    lo.chunks(CHUNK)
        .zip(hi.chunks(CHUNK))
        .zip(w.chunks(CHUNK))
        .map(|((l, h), x)| chunk((l, h, x)))
        .fold((EF::ZERO, EF::ZERO), |a, b| (a.0 + b.0, a.1 + b.1))
}

/// The first round's `[g(0), g(1), g(2)]` of `coeff·Σ_x P(x)·W(x)`, using `scratch` (half of
/// `P`'s length; left holding `W(1, ·)`).
pub(crate) fn first_round(base: &[F], terms: &EqTerms, coeff: EF, scratch: &mut [EF]) -> Vec<EF> {
    let (lo, hi) = base.split_at(base.len() / 2);
    // s[c] = (Σ P(0, ·)·W(c, ·), Σ P(1, ·)·W(c, ·)).
    fill_half(scratch, terms, EF::ZERO);
    let (lo_w0, hi_w0) = dots(lo, hi, scratch);
    fill_half(scratch, terms, EF::ONE);
    let (lo_w1, hi_w1) = dots(lo, hi, scratch);
    // P(2, ·) = 2P(1, ·) − P(0, ·), W(2, ·) = 2W(1, ·) − W(0, ·).
    let g2 = hi_w1.double().double() - hi_w0.double() - lo_w1.double() + lo_w0;
    vec![coeff * lo_w0, coeff * hi_w1, coeff * g2]
}

#[cfg(test)]
mod tests {
    use rand::{SeedableRng, rngs::StdRng};

    use super::*;
    use crate::prover::state::Instance;
    use crate::zk::random_ext;
    use crate::{Column, Term};

    /// Terms as a stacked reduction has them (Boolean selector coordinates first, on either half
    /// of the first variable), with a non-Boolean first coordinate, and repeated points.
    fn terms(rng: &mut StdRng, n: usize) -> EqTerms {
        let mut ts = Vec::new();
        for prefix in [[0u8, 0], [0, 1], [1, 0], [1, 1], [1, 1]] {
            let mut p: Vec<EF> = prefix.iter().map(|&b| EF::from_u8(b)).collect();
            p.extend((2..n).map(|_| random_ext(rng)));
            ts.push((random_ext(rng), p));
        }
        ts.push((random_ext(rng), (0..n).map(|_| random_ext(rng)).collect()));
        // A point with a Boolean first coordinate and a random rest.
        let mut p: Vec<EF> = (0..n).map(|_| random_ext(rng)).collect();
        p[0] = EF::ONE;
        ts.push((random_ext(rng), p));
        // Points of a rotated stack: random coordinates, then Boolean ones, then random.
        if n >= 3 {
            for bits in [[0u8], [1]] {
                let mut p: Vec<EF> = (0..n).map(|_| random_ext(rng)).collect();
                p[n / 2] = EF::from_u8(bits[0]);
                ts.push((random_ext(rng), p));
            }
            let mut p: Vec<EF> = (0..n).map(|_| random_ext(rng)).collect();
            p[n - 1] = EF::ONE;
            p[1] = EF::ZERO;
            ts.push((random_ext(rng), p));
        }
        ts
    }

    /// `add_eq_scaled` equals the full eq table scaled, whatever the Boolean coordinates' places
    /// (leading, after a few random ones, between random ones, last, none, all).
    #[test]
    fn the_blocked_eq_table_is_the_full_table() {
        let mut rng = StdRng::seed_from_u64(9);
        for n in [1, 2, 3, 5, 7] {
            let mut points: Vec<Vec<EF>> = terms(&mut rng, n.max(2))
                .into_iter()
                .map(|(_, p)| p[..n].to_vec())
                .collect();
            points.push((0..n).map(|i| EF::from_u8((i % 2) as u8)).collect());
            for p in points {
                let scale = random_ext(&mut rng);
                let mut w: Vec<EF> = (0..1usize << n).map(|_| random_ext(&mut rng)).collect();
                let expected: Vec<EF> = w
                    .iter()
                    .zip(eq_table_scaled(&p, scale))
                    .map(|(x, e)| *x + e)
                    .collect();
                add_eq_scaled(&mut w, &p, scale);
                assert_eq!(w, expected, "n = {n}, point {p:?}");
            }
        }
    }

    /// The eq-sum instance sends the round polynomials and ends at the values of the instance
    /// with `W` built at full length, under the same challenges.
    #[test]
    fn eq_sum_rounds_equal_the_full_table_rounds() {
        let mut rng = StdRng::seed_from_u64(7);
        for n in [2, 3, 6] {
            let base: Vec<F> = (0..1u64 << n).map(|i| F::from_u64(i * 7919 + 13)).collect();
            let ts = terms(&mut rng, n);
            let coeff = random_ext(&mut rng);
            let mut w = vec![EF::ZERO; 1 << n];
            for (c, p) in &ts {
                add_eq_scaled(&mut w, p, *c);
            }
            let mut full = Instance::new(
                vec![Column::Base(base.clone()), Column::Ext(w)],
                &[Term::new(coeff, vec![0, 1])],
                None,
            );
            let mut lazy = Instance::product_with_eq_sum(base.into(), ts, coeff);
            for _ in 0..n {
                let (g_full, g_lazy) = (full.round_poly(), lazy.round_poly());
                assert_eq!(g_lazy, g_full, "n = {n}");
                let r = random_ext(&mut rng);
                full.bind(&g_full, r);
                lazy.bind(&g_lazy, r);
            }
            assert_eq!(lazy.evals(), full.evals(), "n = {n}");
        }
    }

    /// A wrong term changes the first round: the lazy table is not a constant.
    #[test]
    fn another_weight_changes_the_first_round() {
        let mut rng = StdRng::seed_from_u64(8);
        let n = 4;
        let base: Vec<F> = (0..1u64 << n).map(|i| F::from_u64(i + 1)).collect();
        let ts = terms(&mut rng, n);
        let mut other = ts.clone();
        other[2].0 += EF::ONE;
        let g = Instance::product_with_eq_sum(base.clone().into(), ts, EF::ONE).round_poly();
        let h = Instance::product_with_eq_sum(base.into(), other, EF::ONE).round_poly();
        assert_ne!(g, h);
    }
}
