//! Libra's masking polynomial `g(x) = Σ_i g_i(x_i)`: one random univariate per variable.
//!
//! `g` has `n·(d + 1)` coefficients (Libra's constant `a_0` is folded into `g_0`'s constant term,
//! which changes nothing: `a_0 + g_0` is again a uniform polynomial of degree `d`). Its sum over
//! the hypercube, its evaluation at a point and the round polynomials it adds to a sumcheck are
//! all `O(n·d)`. The caller commits the coefficients ([`MaskPolynomial::flat_coefficients`]) and
//! later opens `g(ρ) = ⟨coefficients, mask_weights(ρ)⟩` ([`mask_weights`]).

use rand::{CryptoRng, RngCore};
use zkinfer_field::{BasedVectorSpace, EF, F, Field, PrimeCharacteristicRing};

use crate::SumcheckError;

/// The Goldilocks modulus, for rejection sampling.
const P: u64 = 0xffff_ffff_0000_0001;

/// A uniform element of `F`, by rejection sampling (no modular bias).
pub fn random_base(rng: &mut (impl RngCore + ?Sized)) -> F {
    loop {
        let v = rng.next_u64();
        if v < P {
            return F::from_u64(v);
        }
    }
}

/// A uniform element of `EF`.
pub fn random_ext(rng: &mut (impl RngCore + ?Sized)) -> EF {
    let (c0, c1) = (random_base(rng), random_base(rng));
    EF::from_basis_coefficients_fn(|i| if i == 0 { c0 } else { c1 })
}

/// `g(x) = Σ_i g_i(x_i)` with `g_i(X) = Σ_t coeffs[i][t] X^t`, each of degree `degree`, or of
/// its own degree `degrees()[i]` for a mask made with [`MaskPolynomial::from_coefficients_per_var`]
/// (a sumcheck whose rounds have different degrees, e.g. [`crate::zk::prove_zk_masked`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MaskPolynomial {
    /// The largest of the per-variable degrees (all equal for a uniform mask).
    degree: usize,
    coeffs: Vec<Vec<EF>>,
}

impl MaskPolynomial {
    /// A uniformly random mask of `num_vars` variables and degree `degree` per variable, from a
    /// cryptographic RNG (the OS's in production: [`MaskPolynomial::random_os`]).
    ///
    /// # Errors
    /// [`SumcheckError::BadDegree`] for `degree == 0` (round polynomials always have degree
    /// `≥ 1`: see [`crate::zk::zk_degree`]) or a degree whose `degree + 1` overflows.
    pub fn random<R: CryptoRng + ?Sized>(
        num_vars: usize,
        degree: usize,
        rng: &mut R,
    ) -> Result<Self, SumcheckError> {
        check_degree(degree)?;
        let coeffs = (0..num_vars)
            .map(|_| (0..=degree).map(|_| random_ext(rng)).collect())
            .collect();
        Ok(Self { degree, coeffs })
    }

    /// [`MaskPolynomial::random`] with randomness from the operating system: a ChaCha12
    /// generator (`StdRng`) seeded with 32 bytes from `getrandom` for this mask alone (one
    /// system call instead of one per coefficient).
    ///
    /// # Errors
    /// As [`MaskPolynomial::random`].
    ///
    /// # Panics
    /// If the operating system cannot supply randomness (no proof can be hidden then).
    pub fn random_os(num_vars: usize, degree: usize) -> Result<Self, SumcheckError> {
        use rand::SeedableRng;
        Self::random(num_vars, degree, &mut rand::rngs::StdRng::from_os_rng())
    }

    /// The mask with the given coefficients (`coeffs[i][t]`: variable `i`, power `t`), e.g. as
    /// opened from a commitment, or all zero to switch masking off in a test.
    ///
    /// # Errors
    /// [`SumcheckError::BadDegree`] if `degree == 0`, [`SumcheckError::WrongEvalCount`] if a
    /// variable does not have `degree + 1` coefficients.
    pub fn from_coefficients(degree: usize, coeffs: Vec<Vec<EF>>) -> Result<Self, SumcheckError> {
        let len = check_degree(degree)?;
        if let Some(bad) = coeffs.iter().find(|c| c.len() != len) {
            return Err(SumcheckError::WrongEvalCount {
                expected: len,
                got: bad.len(),
            });
        }
        Ok(Self { degree, coeffs })
    }

    /// The mask with per-variable degrees: `coeffs[i]` holds `g_i`'s `degrees[i] + 1`
    /// coefficients (each degree `≥ 1`). Round `i` of a sumcheck masked by it has degree
    /// `coeffs[i].len() − 1`.
    ///
    /// # Errors
    /// [`SumcheckError::BadDegree`] if some variable has fewer than two coefficients.
    pub fn from_coefficients_per_var(coeffs: Vec<Vec<EF>>) -> Result<Self, SumcheckError> {
        if let Some(bad) = coeffs.iter().find(|c| c.len() < 2) {
            return Err(SumcheckError::BadDegree {
                degree: bad.len().saturating_sub(1),
            });
        }
        let degree = coeffs.iter().map(|c| c.len() - 1).max().unwrap_or(1);
        Ok(Self { degree, coeffs })
    }

    /// A uniformly random mask with per-variable degrees `degrees` (tests; the engine takes its
    /// masks from the pool, [`crate::MaskPool::next_mask_per_var`]).
    ///
    /// # Errors
    /// As [`MaskPolynomial::from_coefficients_per_var`].
    pub fn random_per_var<R: CryptoRng + ?Sized>(
        degrees: &[usize],
        rng: &mut R,
    ) -> Result<Self, SumcheckError> {
        for &d in degrees {
            check_degree(d)?;
        }
        Self::from_coefficients_per_var(
            degrees
                .iter()
                .map(|&d| (0..=d).map(|_| random_ext(rng)).collect())
                .collect(),
        )
    }

    /// The mask `g ≡ 0`: a ZK sumcheck with it is a plain sumcheck (for tests that must show
    /// what masking changes).
    ///
    /// # Errors
    /// As [`MaskPolynomial::random`].
    pub fn zero(num_vars: usize, degree: usize) -> Result<Self, SumcheckError> {
        let len = check_degree(degree)?;
        Ok(Self {
            degree,
            coeffs: vec![vec![EF::ZERO; len]; num_vars],
        })
    }

    /// The number of variables.
    #[must_use]
    pub fn num_vars(&self) -> usize {
        self.coeffs.len()
    }

    /// The degree of each `g_i` (the largest one for a mask with per-variable degrees).
    #[must_use]
    pub fn degree(&self) -> usize {
        self.degree
    }

    /// The degree of each `g_i`, variable by variable.
    #[must_use]
    pub fn degrees(&self) -> Vec<usize> {
        self.coeffs
            .iter()
            .map(|c| c.len().saturating_sub(1))
            .collect()
    }

    /// `coefficients()[i][t]` is the coefficient of `x_i^t`.
    #[must_use]
    pub fn coefficients(&self) -> &[Vec<EF>] {
        &self.coeffs
    }

    /// The `n·(d + 1)` coefficients, variable-major: what the caller commits.
    #[must_use]
    pub fn flat_coefficients(&self) -> Vec<EF> {
        self.coeffs.iter().flatten().copied().collect()
    }

    /// `Σ_{x ∈ {0,1}^n} g(x) = 2^(n−1) Σ_i (g_i(0) + g_i(1))` (zero when `n = 0`).
    pub fn sum(&self) -> EF {
        let Some(shift) = self.num_vars().checked_sub(1) else {
            return EF::ZERO;
        };
        let s: EF = self.coeffs.iter().map(|c| ends_sum(c)).sum();
        s * EF::TWO.exp_u64(shift as u64)
    }

    /// `g(point)`; `point` has [`MaskPolynomial::num_vars`] coordinates.
    ///
    /// # Errors
    /// [`SumcheckError::WrongPointLength`] otherwise.
    pub fn evaluate(&self, point: &[EF]) -> Result<EF, SumcheckError> {
        if point.len() != self.num_vars() {
            return Err(SumcheckError::WrongPointLength {
                index: 0,
                expected: self.num_vars(),
                got: point.len(),
            });
        }
        Ok(self
            .coeffs
            .iter()
            .zip(point)
            .map(|(c, &x)| horner(c, x))
            .sum())
    }

    /// Round `prefix.len()`'s share of the mask, `Σ_{x'} g(prefix, X, x')` at `X = 0, …, d_k`
    /// (`d_k` the degree of that variable: [`MaskPolynomial::degrees`]),
    /// for provers that run their own rounds (`O(n·d)`; [`crate::prove_zk`] does it
    /// incrementally).
    ///
    /// # Errors
    /// [`SumcheckError::WrongPointLength`] if `prefix` leaves no variable.
    pub fn round_poly(&self, prefix: &[EF]) -> Result<Vec<EF>, SumcheckError> {
        if prefix.len() >= self.num_vars() {
            return Err(SumcheckError::WrongPointLength {
                index: 0,
                expected: self.num_vars().saturating_sub(1),
                got: prefix.len(),
            });
        }
        let mut rounds = self.rounds();
        for &r in prefix {
            rounds.bind(r);
        }
        Ok(rounds.round_poly())
    }

    /// Per round, what the mask adds to the round polynomial, as a state that is advanced with
    /// each challenge.
    pub(crate) fn rounds(&self) -> MaskRounds<'_> {
        let n = self.num_vars();
        // suffix[k] = Σ_{j ≥ k} (g_j(0) + g_j(1)).
        let mut suffix = vec![EF::ZERO; n + 1];
        for k in (0..n).rev() {
            suffix[k] = suffix[k + 1] + ends_sum(&self.coeffs[k]);
        }
        MaskRounds {
            mask: self,
            suffix,
            bound: EF::ZERO,
            round: 0,
        }
    }
}

/// The mask's share of the round polynomials, round by round.
pub(crate) struct MaskRounds<'a> {
    mask: &'a MaskPolynomial,
    suffix: Vec<EF>,
    /// `Σ_{j<k} g_j(ρ_j)`.
    bound: EF,
    round: usize,
}

impl super::prover::ZkMaskRounds for MaskRounds<'_> {
    fn num_vars(&self) -> usize {
        self.mask.num_vars()
    }

    fn degree(&self) -> usize {
        self.mask.degree
    }

    fn round_poly(&self) -> Vec<EF> {
        MaskRounds::round_poly(self)
    }

    fn bind(&mut self, r: EF) {
        MaskRounds::bind(self, r);
    }

    fn value(&self) -> EF {
        self.bound
    }
}

impl MaskRounds<'_> {
    /// Round `k`'s polynomial `Σ_{x'} g(ρ_{<k}, X, x')` at `X = 0, 1, …, deg g_k`:
    /// `2^m (bound + g_k(X)) + 2^(m−1) Σ_{j>k} (g_j(0) + g_j(1))` with `m = n − k − 1`.
    pub(crate) fn round_poly(&self) -> Vec<EF> {
        let k = self.round;
        let m = self.mask.num_vars() - k - 1;
        let scale = EF::TWO.exp_u64(m as u64);
        let rest = self.suffix[k + 1] * EF::TWO.inverse();
        let c = &self.mask.coeffs[k];
        (0..c.len())
            .map(|t| scale * (self.bound + horner(c, EF::from_usize(t)) + rest))
            .collect()
    }

    /// Binds the current variable to `r`.
    pub(crate) fn bind(&mut self, r: EF) {
        self.bound += horner(&self.mask.coeffs[self.round], r);
        self.round += 1;
    }
}

/// `v` with `g(point) = Σ_j flat_coefficients()[j] · v[j]`: `v[i·(d+1) + t] = point_i^t`. The
/// caller opens the committed coefficients against it (an inner product with public weights).
///
/// # Zero knowledge
/// Reveal only this inner product, never the per-variable values `g_i(point_i)`: with round
/// `k`'s message they give the partial sums `Σ_{x'} f(r_1, …, r_k, x')` of the witness
/// (docs/ZK-sumcheck.md §1.5).
#[must_use]
pub fn mask_weights(degree: usize, point: &[EF]) -> Vec<EF> {
    point
        .iter()
        .flat_map(|&x| x.powers().take(degree + 1))
        .collect()
}

/// [`mask_weights`] for a mask with per-variable degrees: `point_i^t` for `t ≤ degrees[i]`,
/// variable-major (the layout of [`MaskPolynomial::flat_coefficients`]). Same zero-knowledge
/// caveat: reveal only the inner product.
#[must_use]
pub fn mask_weights_per_var(degrees: &[usize], point: &[EF]) -> Vec<EF> {
    point
        .iter()
        .zip(degrees)
        .flat_map(|(&x, &d)| x.powers().take(d + 1))
        .collect()
}

/// `degree + 1`, or an error for a degree the ZK sumcheck cannot use.
fn check_degree(degree: usize) -> Result<usize, SumcheckError> {
    match degree.checked_add(1) {
        Some(len) if degree >= 1 => Ok(len),
        _ => Err(SumcheckError::BadDegree { degree }),
    }
}

/// `c(0) + c(1)` of the polynomial with coefficients `c`.
fn ends_sum(c: &[EF]) -> EF {
    c.first().copied().unwrap_or(EF::ZERO) + c.iter().copied().sum::<EF>()
}

/// `Σ_t c[t] x^t`.
fn horner(c: &[EF], x: EF) -> EF {
    c.iter().rev().fold(EF::ZERO, |acc, &v| acc * x + v)
}

#[cfg(test)]
mod tests {
    use rand::{SeedableRng, rngs::StdRng};

    use super::*;

    fn all_points(n: usize) -> Vec<Vec<EF>> {
        (0..1usize << n)
            .map(|i| {
                (0..n)
                    .map(|k| EF::from_usize((i >> (n - 1 - k)) & 1))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn sum_rounds_and_weights_match_brute_force() {
        let mut rng = StdRng::seed_from_u64(7);
        for (n, d) in [(1, 1), (3, 2), (4, 4)] {
            let g = MaskPolynomial::random(n, d, &mut rng).unwrap();
            let brute: EF = all_points(n).iter().map(|x| g.evaluate(x).unwrap()).sum();
            assert_eq!(g.sum(), brute);
            let point: Vec<EF> = (0..n).map(|_| random_ext(&mut rng)).collect();
            let w = mask_weights(d, &point);
            let inner: EF = g
                .flat_coefficients()
                .iter()
                .zip(&w)
                .map(|(&a, &b)| a * b)
                .sum();
            assert_eq!(inner, g.evaluate(&point).unwrap());
            // Round k's polynomial at t equals the brute-force partial sum.
            let mut rounds = g.rounds();
            for k in 0..n {
                let poly = rounds.round_poly();
                for (t, &v) in poly.iter().enumerate() {
                    let tail = all_points(n - k - 1);
                    let brute: EF = tail
                        .iter()
                        .map(|x| {
                            let mut p = point[..k].to_vec();
                            p.push(EF::from_usize(t));
                            p.extend_from_slice(x);
                            g.evaluate(&p).unwrap()
                        })
                        .sum();
                    assert_eq!(v, brute, "n={n} d={d} round {k} t={t}");
                }
                assert_eq!(g.round_poly(&point[..k]).unwrap(), poly);
                rounds.bind(point[k]);
            }
            assert!(g.round_poly(&point).is_err());
        }
    }

    #[test]
    fn bad_shapes_are_errors() {
        assert!(MaskPolynomial::zero(3, 0).is_err());
        assert!(MaskPolynomial::from_coefficients(2, vec![vec![EF::ONE; 2]]).is_err());
        let g = MaskPolynomial::zero(2, 1).unwrap();
        assert!(g.evaluate(&[EF::ONE]).is_err());
        assert_eq!(g.sum(), EF::ZERO);
        // Uniform sampling never returns the same value twice in a handful of draws.
        let os = MaskPolynomial::random_os(2, 3).unwrap();
        assert_ne!(os.coefficients()[0][0], os.coefficients()[1][0]);
    }
}
