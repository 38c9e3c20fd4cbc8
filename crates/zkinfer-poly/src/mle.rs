//! Dense multilinear polynomials given by their hypercube evaluations.

use serde::{Deserialize, Serialize};
use zkinfer_field::{EF, ExtensionField, F, Field};

use crate::{PARALLEL_THRESHOLD, eq::eq_table, log2_ceil};

/// A multilinear polynomial in `num_vars` variables, stored as `2^num_vars` evaluations in the
/// big-endian order of the crate doc.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mle<A> {
    evals: Vec<A>,
}

impl<A: Field> Mle<A> {
    /// Wraps `evals`, whose length must be a power of two.
    ///
    /// # Panics
    /// If the length is not a power of two (a caller bug).
    #[must_use]
    pub fn new(evals: Vec<A>) -> Self {
        assert!(
            evals.len().is_power_of_two(),
            "Mle::new: length {} is not a power of two",
            evals.len()
        );
        Self { evals }
    }

    /// Wraps `evals` after padding with zeros to the next power of two.
    #[must_use]
    pub fn padded(mut evals: Vec<A>) -> Self {
        let n = 1usize << log2_ceil(evals.len().max(1));
        evals.resize(n, A::ZERO);
        Self { evals }
    }

    /// The number of variables.
    #[must_use]
    pub fn num_vars(&self) -> usize {
        self.evals.len().trailing_zeros() as usize
    }

    /// The evaluations.
    #[must_use]
    pub fn evals(&self) -> &[A] {
        &self.evals
    }

    /// The evaluations, consumed.
    #[must_use]
    pub fn into_evals(self) -> Vec<A> {
        self.evals
    }

    /// Fixes the first (most significant) variable to `r` in place, halving the table.
    pub fn fix_first_var(&mut self, r: A) {
        let half = self.evals.len() / 2;
        let (lo, hi) = self.evals.split_at_mut(half);
        fold_in_place(lo, hi, r);
        self.evals.truncate(half);
    }

    /// The value at `point` (`point.len() == num_vars`).
    ///
    /// # Panics
    /// If the point has the wrong length.
    #[must_use]
    pub fn evaluate<E: ExtensionField<A>>(&self, point: &[E]) -> E {
        assert_eq!(
            point.len(),
            self.num_vars(),
            "Mle::evaluate: wrong point length"
        );
        evaluate(&self.evals, point)
    }
}

fn fold_in_place<A: Field>(lo: &mut [A], hi: &[A], r: A) {
    #[cfg(feature = "parallel")]
    if lo.len() >= PARALLEL_THRESHOLD {
        use rayon::prelude::*;
        lo.par_iter_mut()
            .zip(hi.par_iter())
            .for_each(|(l, &h)| *l += r * (h - *l));
        return;
    }
    for (l, &h) in lo.iter_mut().zip(hi) {
        *l += r * (h - *l);
    }
}

/// Fixes the first (most significant) variable of a table to `r` in place:
/// `evals[i] ← evals[i] + r·(evals[i + half] − evals[i])`, then halves the table. Parallel above
/// [`PARALLEL_THRESHOLD`] with the `parallel` feature.
///
/// # Panics
/// If the length is odd (a caller bug: tables have power-of-two lengths).
pub fn fix_first_var_in_place<A: Field>(evals: &mut Vec<A>, r: A) {
    assert!(
        evals.len().is_multiple_of(2),
        "fix_first_var_in_place: odd length"
    );
    let half = evals.len() / 2;
    let (lo, hi) = evals.split_at_mut(half);
    fold_in_place(lo, hi, r);
    evals.truncate(half);
}

/// Fixes the first variable of a base-field table to an extension element: the first fold of a
/// sumcheck, which moves the data from `F` to `EF`.
#[must_use]
pub fn fold_first_var(evals: &[F], r: EF) -> Vec<EF> {
    let half = evals.len() / 2;
    let (lo, hi) = evals.split_at(half);
    let f = |(&l, &h): (&F, &F)| r * (h - l) + l;
    #[cfg(feature = "parallel")]
    if half >= PARALLEL_THRESHOLD {
        use rayon::prelude::*;
        return lo.par_iter().zip(hi.par_iter()).map(f).collect();
    }
    lo.iter().zip(hi).map(f).collect()
}

/// Evaluates the multilinear extension of `evals` (length `2^point.len()`) at `point`:
/// `Σ_i evals[i] · eq(point, bits(i))`.
///
/// # Panics
/// If `evals.len() != 2^point.len()`.
#[must_use]
pub fn evaluate<A: Field, E: ExtensionField<A>>(evals: &[A], point: &[E]) -> E {
    assert_eq!(
        evals.len(),
        1usize << point.len(),
        "evaluate: table and point disagree"
    );
    if point.is_empty() {
        return E::from(evals[0]);
    }
    // Fold the first variable from A into E, then keep folding in E.
    let half = evals.len() / 2;
    let r = point[0];
    let mut cur: Vec<E> = evals[..half]
        .iter()
        .zip(&evals[half..])
        .map(|(&l, &h)| r * (h - l) + l)
        .collect();
    for &r in &point[1..] {
        let half = cur.len() / 2;
        let (lo, hi) = cur.split_at_mut(half);
        fold_in_place(lo, hi, r);
        cur.truncate(half);
    }
    cur[0]
}

/// Variables of the blocks of [`evaluate_mapped`]: 2^10 values per eq-weighted dot product.
const BLOCK_VARS: usize = 10;

/// `Σ_i to(values[i]) · eq(point, i)`, equal to `evaluate(&values.map(to), point)`, without a
/// table of the values or of the first fold: the values are read in blocks of 2^10, each dotted
/// with the eq table of the point's last 10 variables and weighted by the eq value of its block
/// index over the first ones (one base-by-extension product per value against the folds'
/// ≈ 1.5 extension products). Parallel over blocks above [`PARALLEL_THRESHOLD`] with the
/// `parallel` feature. The verifier evaluates a public output this way (GPT-2 124M's logits are
/// 2^20 values).
///
/// # Panics
/// If `values.len() != 2^point.len()`.
pub fn evaluate_mapped<T, M>(values: &[T], to: M, point: &[EF]) -> EF
where
    T: Copy + Sync,
    M: Fn(T) -> F + Sync,
{
    assert_eq!(
        values.len(),
        1usize << point.len(),
        "evaluate_mapped: table and point disagree"
    );
    if point.len() <= BLOCK_VARS {
        let evals: Vec<F> = values.iter().map(|&v| to(v)).collect();
        return evaluate(&evals, point);
    }
    let (hi, lo) = point.split_at(point.len() - BLOCK_VARS);
    let eq_lo = eq_table(lo);
    let eq_hi = eq_table(hi);
    let block = |(&weight, chunk): (&EF, &[T])| -> EF {
        let dot: EF = chunk.iter().zip(&eq_lo).map(|(&v, &e)| e * to(v)).sum();
        weight * dot
    };
    #[cfg(feature = "parallel")]
    if values.len() >= PARALLEL_THRESHOLD {
        use rayon::prelude::*;
        return eq_hi
            .par_iter()
            .zip(values.par_chunks(1 << BLOCK_VARS))
            .map(block)
            .sum();
    }
    eq_hi
        .iter()
        .zip(values.chunks(1 << BLOCK_VARS))
        .map(block)
        .sum()
}

/// Evaluates via an eq table: `Σ_i evals[i] · eq(point, i)`. Used by tests as the naive form.
pub fn evaluate_naive(evals: &[F], point: &[EF]) -> EF {
    eq_table(point)
        .iter()
        .zip(evals)
        .map(|(&e, &v)| e * v)
        .sum()
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng, rngs::StdRng};
    use zkinfer_field::{BasedVectorSpace, PrimeCharacteristicRing};

    use super::*;

    fn rand_ef(rng: &mut StdRng) -> EF {
        EF::from_basis_coefficients_fn(|_| F::from_u64(rng.random::<u64>() >> 1))
    }

    #[test]
    fn evaluate_matches_naive_and_folding() {
        let mut rng = StdRng::seed_from_u64(7);
        for n in 0..12 {
            let evals: Vec<F> = (0..1 << n).map(|_| F::from_u64(rng.random())).collect();
            let point: Vec<EF> = (0..n).map(|_| rand_ef(&mut rng)).collect();
            let want = evaluate_naive(&evals, &point);
            assert_eq!(evaluate(&evals, &point), want);
            if n > 0 {
                let mut m = Mle::new(fold_first_var(&evals, point[0]));
                for &r in &point[1..] {
                    m.fix_first_var(r);
                }
                assert_eq!(m.evals()[0], want);
            }
        }
    }

    #[test]
    fn evaluate_mapped_equals_evaluate() {
        let mut rng = StdRng::seed_from_u64(8);
        // Below, at and above the block size, and above the parallel threshold.
        for n in [0, 1, 9, 10, 11, 14, 17] {
            let values: Vec<i64> = (0..1 << n)
                .map(|_| rng.random::<i64>() >> rng.random_range(0..64))
                .collect();
            let point: Vec<EF> = (0..n).map(|_| rand_ef(&mut rng)).collect();
            let to = |v: i64| {
                if v < 0 {
                    -F::from_u64(v.unsigned_abs())
                } else {
                    F::from_u64(v.unsigned_abs())
                }
            };
            let evals: Vec<F> = values.iter().map(|&v| to(v)).collect();
            assert_eq!(
                evaluate_mapped(&values, to, &point),
                evaluate(&evals, &point),
                "{n} variables"
            );
        }
    }

    #[test]
    fn row_major_tensor_point_is_axis_concatenation() {
        // A 4x8 tensor: value at (i, j) is i*8+j; MLE at a hypercube point (bits(i) ‖ bits(j)).
        let evals: Vec<F> = (0..32u64).map(F::from_u64).collect();
        let bits = |v: usize, n: usize| -> Vec<EF> {
            (0..n)
                .map(|k| {
                    if (v >> (n - 1 - k)) & 1 == 1 {
                        EF::ONE
                    } else {
                        EF::ZERO
                    }
                })
                .collect()
        };
        let mut p = bits(2, 2);
        p.extend(bits(5, 3));
        assert_eq!(evaluate(&evals, &p), EF::from(F::from_u64(21)));
    }

    #[test]
    fn padded_rounds_up() {
        let m = Mle::padded(vec![F::ONE; 5]);
        assert_eq!(m.num_vars(), 3);
        assert_eq!(m.evals()[5], F::ZERO);
    }
}
