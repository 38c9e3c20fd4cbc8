//! The sumcheck verifiers: [`verify`], [`verify_batched`], [`verify_reduce_claims`].
//!
//! None of them panics on any proof: lengths are checked before use, and the module denies
//! `unwrap`, `expect`, indexing and `panic!` outside tests.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

mod batch;
mod reduce;

pub use batch::{BatchClaim, BatchOpening, BatchSubClaim, powers, verify_batched};
pub(crate) use reduce::{absorb_claims, absorb_weighted_claims};
pub use reduce::{verify_reduce_claims, verify_reduce_claims_weighted};

use std::sync::OnceLock;

use p3_challenger::GrindingChallenger;
use zkinfer_field::{EF, F, PrimeCharacteristicRing, Transcript};

use crate::{SubClaim, SumcheckError, SumcheckProof, labels, round_values};

/// Verifies `proof` that a sum over `num_vars` variables of a summand of degree `degree` in each
/// variable equals `claimed_sum`. Never panics on any proof.
///
/// # Errors
/// A [`SumcheckError`] naming the first check that failed.
///
/// # Soundness
/// The returned [`SubClaim`] must be discharged by the caller.
pub fn verify(
    num_vars: usize,
    degree: usize,
    claimed_sum: EF,
    proof: &SumcheckProof,
    transcript: &mut Transcript,
) -> Result<SubClaim, SumcheckError> {
    check_rounds(num_vars, degree, proof)?;
    verify_rounds(|_| degree, num_vars, claimed_sum, proof, None, transcript)
}

/// [`verify`] with a proof of work before each round's challenge: after absorbing round `k`'s
/// message, `pows[k]` must be a witness of `bits` bits on the transcript
/// ([`Transcript::check_witness`]). The grinding raises the cost of a prover that tries many
/// messages for a favourable challenge (the masked opening grinds each fold of its committed word,
/// `zkinfer_pcs::masked`). Never panics on any proof.
///
/// # Errors
/// As [`verify`]; [`SumcheckError::ProofOfWorkCount`] if `pows` does not have one witness per
/// round, [`SumcheckError::ProofOfWork`] naming the first round whose witness is rejected.
///
/// # Soundness
/// The returned [`SubClaim`] must be discharged by the caller.
pub fn verify_ground(
    num_vars: usize,
    degree: usize,
    claimed_sum: EF,
    proof: &SumcheckProof,
    bits: usize,
    pows: &[F],
    transcript: &mut Transcript,
) -> Result<SubClaim, SumcheckError> {
    check_rounds(num_vars, degree, proof)?;
    if pows.len() != num_vars {
        return Err(SumcheckError::ProofOfWorkCount {
            expected: num_vars,
            got: pows.len(),
        });
    }
    verify_rounds(
        |_| degree,
        num_vars,
        claimed_sum,
        proof,
        Some((bits, pows)),
        transcript,
    )
}

/// [`verify`] with a degree per round: round `k` has degree `degrees[k]` (a sumcheck whose
/// summand has a different degree in each variable, e.g. [`crate::zk::verify_zk_masked`]'s).
/// Never panics on any proof.
///
/// # Errors
/// As [`verify`].
///
/// # Soundness
/// The returned [`SubClaim`] must be discharged by the caller.
pub fn verify_per_round(
    degrees: &[usize],
    claimed_sum: EF,
    proof: &SumcheckProof,
    transcript: &mut Transcript,
) -> Result<SubClaim, SumcheckError> {
    if let Some(&degree) = degrees.iter().find(|d| d.checked_add(1).is_none()) {
        return Err(SumcheckError::BadDegree { degree });
    }
    if proof.round_polys.len() != degrees.len() {
        return Err(SumcheckError::WrongRoundCount {
            expected: degrees.len(),
            got: proof.round_polys.len(),
        });
    }
    let degree = |k: usize| degrees.get(k).copied().unwrap_or(0);
    verify_rounds(degree, degrees.len(), claimed_sum, proof, None, transcript)
}

/// A usable degree and one round per variable: [`verify`]'s and [`verify_ground`]'s first checks.
fn check_rounds(
    num_vars: usize,
    degree: usize,
    proof: &SumcheckProof,
) -> Result<(), SumcheckError> {
    if degree.checked_add(1).is_none() {
        return Err(SumcheckError::BadDegree { degree });
    }
    if proof.round_polys.len() != num_vars {
        return Err(SumcheckError::WrongRoundCount {
            expected: num_vars,
            got: proof.round_polys.len(),
        });
    }
    Ok(())
}

/// The rounds of [`verify`] / [`verify_per_round`] / [`verify_ground`]; the round count and
/// degrees are checked here, the number of proof-of-work witnesses (`grind`: bits, one witness
/// per round) by the caller.
fn verify_rounds(
    degree: impl Fn(usize) -> usize,
    num_vars: usize,
    claimed_sum: EF,
    proof: &SumcheckProof,
    grind: Option<(usize, &[F])>,
    transcript: &mut Transcript,
) -> Result<SubClaim, SumcheckError> {
    transcript.absorb_ext(labels::CLAIM, claimed_sum);
    let mut claim = claimed_sum;
    let mut point = Vec::with_capacity(num_vars);
    for (round, message) in proof.round_polys.iter().enumerate() {
        // `d` values for a round of degree `d ≥ 1`: `g(0), g(2), …, g(d)`.
        let expected_len = degree(round);
        let values = match round_values(message, claim) {
            Some(values) if expected_len >= 1 && message.len() == expected_len => values,
            _ => {
                return Err(SumcheckError::WrongRoundDegree {
                    round,
                    expected: expected_len,
                    got: message.len(),
                });
            }
        };
        transcript.absorb_exts(labels::ROUND, message);
        if let Some((bits, pows)) = grind
            && !pows
                .get(round)
                .is_some_and(|&pow| transcript.check_witness(bits, pow))
        {
            return Err(SumcheckError::ProofOfWork { round });
        }
        let r = transcript.challenge(labels::CHALLENGE);
        claim = interpolate_uni(&values, r);
        point.push(r);
    }
    Ok(SubClaim {
        point,
        value: claim,
    })
}

/// The value at `x` of the polynomial of degree `< values.len()` with `p(t) = values[t]`.
///
/// Lagrange over the nodes `0..n` in barycentric form, without an inversion:
/// `p(x) = Σ_i v_i · w_i · Π_{j≠i} (x − j)` with the base-field weights
/// `w_i = 1/Π_{j≠i} (i − j) = (−1)^{n−1−i}·C(n−1, i)/(n−1)!` and the products `Π_{j≠i}` from
/// prefix and suffix products. A verifier calls it once per sumcheck round; the earlier form
/// inverted `n` extension elements there.
pub fn interpolate_uni(values: &[EF], x: EF) -> EF {
    let n = values.len();
    let Some(last) = n.checked_sub(1) else {
        return EF::ZERO;
    };
    let Some(inv_fact) = inverse_factorial(last) else {
        return interpolate_uni_direct(values, x);
    };
    // suffix[i] = Π_{j ≥ i} (x − j), ending with the empty product.
    let mut suffix: Vec<EF> = Vec::with_capacity(n + 1);
    let mut product = EF::ONE;
    suffix.push(product);
    for j in (0..n).rev() {
        product *= x - EF::from_usize(j);
        suffix.push(product);
    }
    suffix.reverse();
    let mut acc = EF::ZERO;
    let mut prefix = EF::ONE;
    // C(last, i), exact in u64 for last ≤ MAX_BARYCENTRIC_DEGREE.
    let mut binomial: u64 = 1;
    for ((i, &v), &after) in values.iter().enumerate().zip(suffix.iter().skip(1)) {
        let weight = F::from_u64(binomial) * inv_fact;
        let weight = if (last - i) % 2 == 1 { -weight } else { weight };
        acc += v * (prefix * after) * weight;
        prefix *= x - EF::from_usize(i);
        binomial = (u128::from(binomial) * (last - i) as u128 / (i as u128 + 1)) as u64;
    }
    acc
}

/// The largest `n − 1` [`interpolate_uni`] takes in barycentric form (`C(60, 30) < 2^64`).
const MAX_BARYCENTRIC_DEGREE: usize = 60;

/// `1/k!` in the base field for `k ≤` [`MAX_BARYCENTRIC_DEGREE`], computed once.
fn inverse_factorial(k: usize) -> Option<F> {
    static TABLE: OnceLock<Vec<F>> = OnceLock::new();
    TABLE
        .get_or_init(|| {
            let mut fact = F::ONE;
            (0..=MAX_BARYCENTRIC_DEGREE)
                .map(|k| {
                    if k > 0 {
                        fact *= F::from_usize(k);
                    }
                    // k! for k ≤ 60 is a product of non-zero residues below p: invertible.
                    fact.try_inverse().unwrap_or(F::ZERO)
                })
                .collect()
        })
        .get(k)
        .copied()
}

/// [`interpolate_uni`] by the defining formula: the reference, and the path for degrees above
/// [`MAX_BARYCENTRIC_DEGREE`].
fn interpolate_uni_direct(values: &[EF], x: EF) -> EF {
    let mut acc = EF::ZERO;
    for (i, &v) in values.iter().enumerate() {
        let mut num = EF::ONE;
        let mut den = F::ONE;
        for j in (0..values.len()).filter(|&j| j != i) {
            num *= x - EF::from_usize(j);
            den *= F::from_usize(i) - F::from_usize(j);
        }
        // den is a product of non-zero small integers: invertible.
        acc += v * num * den.try_inverse().unwrap_or(F::ZERO);
    }
    acc
}

use zkinfer_field::Field as _;

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::SmallRng;

    use super::*;
    use crate::zk::random_ext as random_ef;

    #[test]
    fn barycentric_interpolation_equals_the_defining_formula() {
        let mut rng = SmallRng::seed_from_u64(7);
        assert_eq!(interpolate_uni(&[], EF::ONE), EF::ZERO);
        for n in 1..=12 {
            let values: Vec<EF> = (0..n).map(|_| random_ef(&mut rng)).collect();
            // At the nodes themselves, and at random points.
            for t in 0..n {
                assert_eq!(interpolate_uni(&values, EF::from_usize(t)), values[t]);
            }
            for _ in 0..4 {
                let x = random_ef(&mut rng);
                assert_eq!(
                    interpolate_uni(&values, x),
                    interpolate_uni_direct(&values, x),
                    "n = {n}"
                );
            }
        }
        // Above the barycentric table's reach, the direct formula answers.
        let values: Vec<EF> = (0..MAX_BARYCENTRIC_DEGREE + 3)
            .map(|_| random_ef(&mut rng))
            .collect();
        assert_eq!(interpolate_uni(&values, EF::from_usize(5)), values[5]);
    }

    /// A ground sumcheck of `Σ_x A(x)` (degree 1, a proof of work before each challenge): the
    /// honest proof verifies to `A` at the drawn point; a bumped witness is rejected naming its
    /// round, a missing one by count; without the witnesses ([`verify`]) the challenges differ.
    #[test]
    fn a_ground_sumcheck_checks_each_rounds_witness() {
        let mut rng = SmallRng::seed_from_u64(9);
        let (n, bits) = (4, 12);
        let mut table: Vec<EF> = (0..1 << n).map(|_| random_ef(&mut rng)).collect();
        let sum: EF = table.iter().copied().sum();
        let mut t = Transcript::new(b"ground");
        t.absorb_ext(labels::CLAIM, sum);
        let (mut round_polys, mut pows) = (Vec::new(), Vec::new());
        for _ in 0..n {
            let half = table.len() / 2;
            let message = vec![table[..half].iter().copied().sum::<EF>()];
            t.absorb_exts(labels::ROUND, &message);
            pows.push(t.grind(bits));
            let r = t.challenge(labels::CHALLENGE);
            table = (0..half)
                .map(|i| table[i] + r * (table[half + i] - table[i]))
                .collect();
            round_polys.push(message);
        }
        let proof = SumcheckProof { round_polys };
        let run = |pows: &[F]| {
            verify_ground(
                n,
                1,
                sum,
                &proof,
                bits,
                pows,
                &mut Transcript::new(b"ground"),
            )
        };
        let sub = run(&pows).expect("the honest proof verifies");
        assert_eq!(sub.value, table[0]);
        for round in 0..n {
            let mut bumped = pows.clone();
            bumped[round] += F::ONE;
            assert_eq!(run(&bumped), Err(SumcheckError::ProofOfWork { round }));
        }
        assert_eq!(
            run(&pows[..n - 1]),
            Err(SumcheckError::ProofOfWorkCount {
                expected: n,
                got: n - 1
            })
        );
        let plain = verify(n, 1, sum, &proof, &mut Transcript::new(b"ground")).expect("runs");
        assert_ne!(plain.point, sub.point);
    }

    #[test]
    fn the_largest_barycentric_degree_is_exact() {
        let mut rng = SmallRng::seed_from_u64(8);
        let values: Vec<EF> = (0..=MAX_BARYCENTRIC_DEGREE)
            .map(|_| random_ef(&mut rng))
            .collect();
        let x = random_ef(&mut rng);
        assert_eq!(
            interpolate_uni(&values, x),
            interpolate_uni_direct(&values, x)
        );
    }
}
