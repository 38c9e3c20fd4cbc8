//! Round kernels: the sums over the hypercube that give one round polynomial.
//!
//! Each kernel returns `h(t)` for `t = 0..=dh`, where `h(X) = Σ_{x'} w(x') · f(X, x')` over the
//! pairs `(lo, hi) = (v[i], v[i + half])` of every column, `w` the optional weight table (the
//! eq factor with its current variable factored out, see `state`) and `f` the sum of products.
//! Values at `t ≥ 2` come by incremental differences, `v(t + 1) = v(t) + (hi − lo)`. When
//! `ONE == false` the value at `t = 1` is left zero: the caller derives it from the running claim.

use core::ops::Range;

use zkinfer_field::{EF, ExtensionField, F, Field, PackedValue, PrimeCharacteristicRing};
use zkinfer_poly::PARALLEL_THRESHOLD;

use crate::Term;

/// Pairs per parallel work item: big enough to amortise the hand-off, small enough to balance.
const CHUNK: usize = 1 << 12;

/// `Σ_chunks kernel(range, acc)` over the pair range `0..half`, with `width` accumulators.
fn sum_pairs<K>(half: usize, width: usize, kernel: K) -> Vec<EF>
where
    K: Fn(Range<usize>, &mut [EF]) + Sync,
{
    #[cfg(feature = "parallel")]
    if 2 * half >= PARALLEL_THRESHOLD {
        use rayon::prelude::*;
        let zero = || vec![EF::ZERO; width];
        return (0..half.div_ceil(CHUNK))
            .into_par_iter()
            .fold(zero, |mut acc, c| {
                kernel(c * CHUNK..((c + 1) * CHUNK).min(half), &mut acc);
                acc
            })
            .reduce(zero, |mut a, b| {
                a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
                a
            });
    }
    let mut acc = vec![EF::ZERO; width];
    kernel(0..half, &mut acc);
    acc
}

/// `h(0), h(1), h(2)` of `coeff · A·B` over base-field columns, SIMD through `F::Packing`.
pub(crate) fn prod2_base<const ONE: bool>(a: &[F], b: &[F], coeff: EF) -> Vec<EF> {
    type P = <F as Field>::Packing;
    let half = a.len() / 2;
    let s = sum_pairs(half, 3, |range, acc| {
        let (a0, b0) = (&a[range.clone()], &b[range.clone()]);
        let hr = range.start + half..range.end + half;
        let (a1, b1) = (&a[hr.clone()], &b[hr]);
        let (pa0, sa0) = P::pack_slice_with_suffix(a0);
        let (pa1, sa1) = P::pack_slice_with_suffix(a1);
        let (pb0, sb0) = P::pack_slice_with_suffix(b0);
        let (pb1, sb1) = P::pack_slice_with_suffix(b1);
        let (mut s0, mut s1, mut s2) = (P::ZERO, P::ZERO, P::ZERO);
        for (((&x0, &x1), &y0), &y1) in pa0.iter().zip(pa1).zip(pb0).zip(pb1) {
            s0 += x0 * y0;
            if ONE {
                s1 += x1 * y1;
            }
            s2 += (x1.double() - x0) * (y1.double() - y0);
        }
        let lanes = |p: P| p.as_slice().iter().copied().sum::<F>();
        let (mut t0, mut t1, mut t2) = (lanes(s0), lanes(s1), lanes(s2));
        for (((&x0, &x1), &y0), &y1) in sa0.iter().zip(sa1).zip(sb0).zip(sb1) {
            t0 += x0 * y0;
            if ONE {
                t1 += x1 * y1;
            }
            t2 += (x1.double() - x0) * (y1.double() - y0);
        }
        acc[0] += t0;
        acc[1] += t1;
        acc[2] += t2;
    });
    s.into_iter().map(|v| v * coeff).collect()
}

/// `h(0), h(1), h(2)` of `coeff · w·A·B` (or `coeff · A·B` without weights), scalar: both
/// columns in `F`, both in `EF`, or `A` in `F` and `B` in `EF` (a claim reduction's committed
/// values times its eq weights: each product two base multiplications, no lifted copy of `A`).
pub(crate) fn prod2<A, B, const ONE: bool>(a: &[A], b: &[B], w: Option<&[EF]>, coeff: EF) -> Vec<EF>
where
    A: Field,
    B: Field + core::ops::Mul<A, Output = B>,
    EF: ExtensionField<B>,
{
    let half = a.len() / 2;
    let s = sum_pairs(half, 3, |range, acc| {
        let (mut t0, mut t1, mut t2) = (EF::ZERO, EF::ZERO, EF::ZERO);
        for i in range {
            let (x0, x1, y0, y1) = (a[i], a[i + half], b[i], b[i + half]);
            let p0 = y0 * x0;
            let p2 = (y1.double() - y0) * (x1.double() - x0);
            match w {
                Some(w) => {
                    let wi = w[i];
                    t0 += wi * p0;
                    if ONE {
                        t1 += wi * (y1 * x1);
                    }
                    t2 += wi * p2;
                }
                None => {
                    t0 += p0;
                    if ONE {
                        t1 += y1 * x1;
                    }
                    t2 += p2;
                }
            }
        }
        acc[0] += t0;
        acc[1] += t1;
        acc[2] += t2;
    });
    s.into_iter().map(|v| v * coeff).collect()
}

/// `h(0..=dh)` of `w · Σ_j c_j Π_i P_{j,i}` for any terms.
pub(crate) fn generic<A, const ONE: bool>(
    cols: &[Vec<A>],
    terms: &[Term],
    w: Option<&[EF]>,
    half: usize,
    dh: usize,
) -> Vec<EF>
where
    A: Field,
    EF: ExtensionField<A>,
{
    let npts = dh + 1;
    let nterms = terms.len();
    let mut used = vec![false; cols.len()];
    for f in terms.iter().flat_map(|t| &t.factors) {
        used[*f] = true;
    }
    let used: Vec<usize> = (0..cols.len()).filter(|&c| used[c]).collect();
    let acc = sum_pairs(half, nterms * npts, |range, acc| {
        let mut vals = vec![A::ZERO; cols.len() * npts];
        for i in range {
            for &c in &used {
                let (lo, hi) = (cols[c][i], cols[c][i + half]);
                let d = hi - lo;
                let v = &mut vals[c * npts..(c + 1) * npts];
                v[0] = lo;
                v[1] = hi;
                for t in 2..npts {
                    v[t] = v[t - 1] + d;
                }
            }
            let wi = w.map(|w| w[i]);
            for (j, term) in terms.iter().enumerate() {
                let out = &mut acc[j * npts..(j + 1) * npts];
                for (t, o) in out.iter_mut().enumerate() {
                    if !ONE && t == 1 {
                        continue;
                    }
                    let mut p = A::ONE;
                    for &f in &term.factors {
                        p *= vals[f * npts + t];
                    }
                    *o += wi.map_or(EF::from(p), |wi| wi * p);
                }
            }
        }
    });
    (0..npts)
        .map(|t| {
            terms
                .iter()
                .enumerate()
                .map(|(j, term)| term.coeff * acc[j * npts + t])
                .sum()
        })
        .collect()
}

/// `v[i] ← v[i] + v[i + half]`, then halves `v`: binds the first variable of an eq table to
/// "either value", i.e. `eq(r_{k+1..}, ·)` from `eq(r_{k..}, ·)`, since `(1 − r) + r = 1`.
pub(crate) fn sum_halves(v: &mut Vec<EF>) {
    let half = v.len() / 2;
    let (lo, hi) = v.split_at_mut(half);
    #[cfg(feature = "parallel")]
    if 2 * half >= PARALLEL_THRESHOLD {
        use rayon::prelude::*;
        lo.par_iter_mut()
            .zip(hi.par_iter())
            .for_each(|(l, &h)| *l += h);
        v.truncate(half);
        return;
    }
    lo.iter_mut().zip(hi.iter()).for_each(|(l, &h)| *l += h);
    v.truncate(half);
}

/// `h(0), h(1), h(2)` of `coeff · [w]·A·B` on one block of the folded tables, folding as it goes.
#[allow(clippy::too_many_arguments)]
fn fold_prod2_block<const ONE: bool>(
    (a0, a1, a2, a3): (&mut [EF], &mut [EF], &[EF], &[EF]),
    (b0, b1, b2, b3): (&mut [EF], &mut [EF], &[EF], &[EF]),
    w: Option<&[EF]>,
    r: EF,
) -> [EF; 3] {
    let mut s = [EF::ZERO; 3];
    for i in 0..a0.len() {
        let x0 = a0[i] + r * (a2[i] - a0[i]);
        let x1 = a1[i] + r * (a3[i] - a1[i]);
        let y0 = b0[i] + r * (b2[i] - b0[i]);
        let y1 = b1[i] + r * (b3[i] - b1[i]);
        (a0[i], a1[i], b0[i], b1[i]) = (x0, x1, y0, y1);
        let p0 = x0 * y0;
        let p1 = if ONE { x1 * y1 } else { EF::ZERO };
        let p2 = (x1.double() - x0) * (y1.double() - y0);
        match w {
            Some(w) => {
                let wi = w[i];
                s[0] += wi * p0;
                if ONE {
                    s[1] += wi * p1;
                }
                s[2] += wi * p2;
            }
            None => {
                s[0] += p0;
                s[1] += p1;
                s[2] += p2;
            }
        }
    }
    s
}

/// Binds the first variable of `a` and `b` to `r` and returns `h(0), h(1), h(2)` of
/// `coeff · [w]·A·B` on the bound tables, in one pass (each entry is read once per round, as in
/// p3-sumcheck's `bind_and_measure`). `a` and `b` must be distinct tables of length `≥ 4`.
pub(crate) fn fold_prod2<const ONE: bool>(
    a: &mut Vec<EF>,
    b: &mut Vec<EF>,
    r: EF,
    w: Option<&[EF]>,
    coeff: EF,
) -> Vec<EF> {
    let q = a.len() / 4;
    let (a_lo, a_hi) = a.split_at_mut(2 * q);
    let (a0, a1) = a_lo.split_at_mut(q);
    let (a2, a3) = a_hi.split_at(q);
    let (b_lo, b_hi) = b.split_at_mut(2 * q);
    let (b0, b1) = b_lo.split_at_mut(q);
    let (b2, b3) = b_hi.split_at(q);
    let s: [EF; 3] = 'sum: {
        #[cfg(feature = "parallel")]
        if 4 * q >= PARALLEL_THRESHOLD {
            use rayon::prelude::*;
            break 'sum a0
                .par_chunks_mut(CHUNK)
                .zip(a1.par_chunks_mut(CHUNK))
                .zip(a2.par_chunks(CHUNK).zip(a3.par_chunks(CHUNK)))
                .zip(b0.par_chunks_mut(CHUNK).zip(b1.par_chunks_mut(CHUNK)))
                .zip(b2.par_chunks(CHUNK).zip(b3.par_chunks(CHUNK)))
                .enumerate()
                .map(|(c, ((((x0, x1), (x2, x3)), (y0, y1)), (y2, y3)))| {
                    let wc = w.map(|w| &w[c * CHUNK..c * CHUNK + x0.len()]);
                    fold_prod2_block::<ONE>((x0, x1, x2, x3), (y0, y1, y2, y3), wc, r)
                })
                .reduce(
                    || [EF::ZERO; 3],
                    |x, y| [x[0] + y[0], x[1] + y[1], x[2] + y[2]],
                );
        }
        fold_prod2_block::<ONE>((a0, a1, a2, a3), (b0, b1, b2, b3), w, r)
    };
    a.truncate(2 * q);
    b.truncate(2 * q);
    s.into_iter().map(|v| v * coeff).collect()
}

/// The base-field first fold fused with the second round: `out_a`, `out_b` receive the folded
/// (extension) tables, and `h(0), h(1), h(2)` of `coeff · [w]·A'·B'` on them is returned.
pub(crate) fn fold_prod2_base<const ONE: bool>(
    a: &[F],
    b: &[F],
    r: EF,
    w: Option<&[EF]>,
    coeff: EF,
) -> (Vec<EF>, Vec<EF>, Vec<EF>) {
    let q = a.len() / 4;
    let (mut out_a, mut out_b) = (vec![EF::ZERO; 2 * q], vec![EF::ZERO; 2 * q]);
    let (oa0, oa1) = out_a.split_at_mut(q);
    let (ob0, ob1) = out_b.split_at_mut(q);
    let ([a0, a1, a2, a3], [b0, b1, b2, b3]) = (quarters(a, q), quarters(b, q));
    let block = |start: usize, oa0: &mut [EF], oa1: &mut [EF], ob0: &mut [EF], ob1: &mut [EF]| {
        let mut s = [EF::ZERO; 3];
        for k in 0..oa0.len() {
            let i = start + k;
            let x0 = r * (a2[i] - a0[i]) + a0[i];
            let x1 = r * (a3[i] - a1[i]) + a1[i];
            let y0 = r * (b2[i] - b0[i]) + b0[i];
            let y1 = r * (b3[i] - b1[i]) + b1[i];
            (oa0[k], oa1[k], ob0[k], ob1[k]) = (x0, x1, y0, y1);
            let p0 = x0 * y0;
            let p1 = if ONE { x1 * y1 } else { EF::ZERO };
            let p2 = (x1.double() - x0) * (y1.double() - y0);
            match w {
                Some(w) => {
                    let wi = w[i];
                    s[0] += wi * p0;
                    if ONE {
                        s[1] += wi * p1;
                    }
                    s[2] += wi * p2;
                }
                None => {
                    s[0] += p0;
                    s[1] += p1;
                    s[2] += p2;
                }
            }
        }
        s
    };
    let s: [EF; 3] = 'sum: {
        #[cfg(feature = "parallel")]
        if 4 * q >= PARALLEL_THRESHOLD {
            use rayon::prelude::*;
            break 'sum oa0
                .par_chunks_mut(CHUNK)
                .zip(oa1.par_chunks_mut(CHUNK))
                .zip(ob0.par_chunks_mut(CHUNK).zip(ob1.par_chunks_mut(CHUNK)))
                .enumerate()
                .map(|(c, ((x0, x1), (y0, y1)))| block(c * CHUNK, x0, x1, y0, y1))
                .reduce(
                    || [EF::ZERO; 3],
                    |x, y| [x[0] + y[0], x[1] + y[1], x[2] + y[2]],
                );
        }
        block(0, oa0, oa1, ob0, ob1)
    };
    (out_a, out_b, s.into_iter().map(|v| v * coeff).collect())
}

fn quarters(v: &[F], q: usize) -> [&[F]; 4] {
    let (lo, hi) = v.split_at(2 * q);
    let ((v0, v1), (v2, v3)) = (lo.split_at(q), hi.split_at(q));
    [v0, v1, v2, v3]
}
