//! A *dense* mask of individual degree ≤ 3 whose value at a point is a scaled multilinear
//! evaluation of its coefficient table: the last level of the mask pool's reduction
//! ([`super::pool`]), where the recursion must stop with multilinear claims only.
//!
//! `D(y) = Σ_T a_T Π_i y_i^(t_i)` over `T = (t_0, …, t_(m−1)) ∈ {0,1,2,3}^m`, stored as a table of
//! `4^m` entries at index `Σ_i t_i·4^(m−1−i)`, i.e. with two index bits `(t_i >> 1, t_i & 1)` per
//! variable. Since `y^t = (y²)^(t >> 1) · y^(t & 1)`, `D(y)` is the monomial-form multilinear
//! polynomial of the table at the lifted point `x = (y_0², y_0, y_1², y_1, …)`, and for a
//! monomial-form multilinear `Σ_b a_b Π_j x_j^(b_j) = Π_j (1 + x_j) · ã(x_j / (1 + x_j))_j`
//! (`ã` the table's MLE): **`D(y) = scale · ã(q)`** ([`lift_point`]). The pool's honest dense
//! mask has degree 2 (entries with some `t_i = 3` are zero); the verifier cannot check those zeros
//! and need not: a table with non-zero degree-3 entries is still a fixed polynomial of degree ≤ 3
//! per variable, committed before any challenge, so the sumcheck bound uses 3.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

use zkinfer_field::{EF, Field, PrimeCharacteristicRing};

use super::prover::ZkMaskRounds;
use crate::SumcheckError;

/// `Σ_{y ∈ {0,1}} y^t`: 2 for `t = 0`, else 1.
fn cube_sum_weight(t: usize) -> EF {
    if t == 0 { EF::TWO } else { EF::ONE }
}

/// The dense mask's round state: the coefficient table with the bound variables folded in.
pub(crate) struct DenseRounds {
    /// `4^(remaining variables)` coefficients.
    table: Vec<EF>,
    num_vars: usize,
    degree: usize,
}

impl DenseRounds {
    /// The mask with coefficient table `table` (`4^num_vars` entries, see the module doc), used
    /// in a sumcheck of round degree `degree`.
    pub(crate) fn new(table: Vec<EF>, num_vars: usize, degree: usize) -> Self {
        debug_assert_eq!(table.len(), 1 << (2 * num_vars));
        Self {
            table,
            num_vars,
            degree,
        }
    }

    /// `Σ_{y ∈ {0,1}^m} D(y)`.
    pub(crate) fn sum(&self) -> EF {
        self.table
            .iter()
            .enumerate()
            .map(|(idx, &a)| a * cube_weight(idx, self.remaining()))
            .sum()
    }

    fn remaining(&self) -> usize {
        self.table.len().trailing_zeros() as usize / 2
    }

    /// The coefficients of the current variable: `[Σ_{y'} Σ_{T'} a_{t,T'} y'^T' ]_{t = 0..4}`.
    fn current_coefficients(&self) -> [EF; 4] {
        let rest = self.remaining().saturating_sub(1);
        let quarter = self.table.len() / 4;
        let mut out = [EF::ZERO; 4];
        for (t, o) in out.iter_mut().enumerate() {
            *o = self
                .table
                .iter()
                .skip(t * quarter)
                .take(quarter)
                .enumerate()
                .map(|(idx, &a)| a * cube_weight(idx, rest))
                .sum();
        }
        out
    }
}

/// `Π_i Σ_{y_i ∈ {0,1}} y_i^(t_i)` for the `digits` base-4 digits of `idx`.
fn cube_weight(idx: usize, digits: usize) -> EF {
    (0..digits).fold(EF::ONE, |acc, i| {
        acc * cube_sum_weight((idx >> (2 * i)) & 3)
    })
}

impl ZkMaskRounds for DenseRounds {
    fn num_vars(&self) -> usize {
        self.num_vars
    }

    fn degree(&self) -> usize {
        self.degree
    }

    fn round_poly(&self) -> Vec<EF> {
        let c = self.current_coefficients();
        (0..=self.degree)
            .map(|x| {
                let x = EF::from_usize(x);
                c.iter().rev().fold(EF::ZERO, |acc, &ct| acc * x + ct)
            })
            .collect()
    }

    fn bind(&mut self, r: EF) {
        let quarter = self.table.len() / 4;
        let powers: Vec<EF> = r.powers().take(4).collect();
        self.table = (0..quarter)
            .map(|j| {
                powers
                    .iter()
                    .enumerate()
                    .filter_map(|(t, &p)| self.table.get(t * quarter + j).map(|&a| a * p))
                    .sum()
            })
            .collect();
    }

    fn value(&self) -> EF {
        self.table.first().copied().unwrap_or_default()
    }
}

/// `D(point)` directly from the table (for tests and the prover's own checks).
pub fn dense_evaluate(table: &[EF], point: &[EF]) -> EF {
    table
        .iter()
        .enumerate()
        .map(|(idx, &a)| {
            point.iter().enumerate().fold(a, |acc, (i, &y)| {
                let t = (idx >> (2 * (point.len() - 1 - i))) & 3;
                acc * y.exp_u64(t as u64)
            })
        })
        .sum()
}

/// `(q, scale)` with `D(point) = scale · ã(q)` for every dense table `a` of
/// `point.len()` variables: `x = (y_0², y_0, y_1², y_1, …)`, `q_j = x_j/(1 + x_j)`,
/// `scale = Π_j (1 + x_j)`.
///
/// # Errors
/// [`SumcheckError::DegenerateChallenge`] if some `x_j = −1` (a challenge hit one of
/// `2·point.len()` bad values; probability `≤ 4m/|EF|`).
pub fn lift_point(point: &[EF]) -> Result<(Vec<EF>, EF), SumcheckError> {
    let mut q = Vec::with_capacity(2 * point.len());
    let mut scale = EF::ONE;
    for &y in point {
        for x in [y.square(), y] {
            let one_plus = EF::ONE + x;
            let inv = one_plus
                .try_inverse()
                .ok_or(SumcheckError::DegenerateChallenge)?;
            q.push(x * inv);
            scale *= one_plus;
        }
    }
    Ok((q, scale))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zk::random_ext;
    use rand::{SeedableRng, rngs::StdRng};
    use zkinfer_poly::evaluate;

    #[test]
    fn dense_value_is_a_scaled_multilinear_evaluation_and_rounds_match() {
        let mut rng = StdRng::seed_from_u64(3);
        for m in 0..4usize {
            let table: Vec<EF> = (0..1usize << (2 * m))
                .map(|_| random_ext(&mut rng))
                .collect();
            let point: Vec<EF> = (0..m).map(|_| random_ext(&mut rng)).collect();
            let (q, scale) = lift_point(&point).unwrap();
            let direct = dense_evaluate(&table, &point);
            assert_eq!(scale * evaluate(&table, &q), direct, "m={m}");
            // The rounds (degree 3 here: full tables) against brute-force sums over the cube.
            let mut rounds = DenseRounds::new(table.clone(), m, 3);
            let cube = |prefix: &[EF], x: EF| -> EF {
                let rest = m - prefix.len() - 1;
                (0..1usize << rest)
                    .map(|b| {
                        let mut p = prefix.to_vec();
                        p.push(x);
                        p.extend((0..rest).map(|i| EF::from_usize((b >> i) & 1)));
                        dense_evaluate(&table, &p)
                    })
                    .sum()
            };
            if m > 0 {
                assert_eq!(rounds.sum(), cube(&[], EF::ZERO) + cube(&[], EF::ONE));
            }
            for k in 0..m {
                let poly = rounds.round_poly();
                for (x, &v) in poly.iter().enumerate() {
                    assert_eq!(v, cube(&point[..k], EF::from_usize(x)), "m={m} k={k} x={x}");
                }
                rounds.bind(point[k]);
            }
            assert_eq!(rounds.value(), direct);
        }
        assert_eq!(
            lift_point(&[-EF::ONE]).unwrap_err(),
            SumcheckError::DegenerateChallenge
        );
    }
}
