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

pub(crate) use batch::powers;
pub use batch::{BatchClaim, BatchOpening, BatchSubClaim, verify_batched};
pub(crate) use reduce::{absorb_claims, absorb_weighted_claims};
pub use reduce::{verify_reduce_claims, verify_reduce_claims_weighted};

use zkinfer_field::{EF, PrimeCharacteristicRing, Transcript};

use crate::{SubClaim, SumcheckError, SumcheckProof, labels};

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
    if degree.checked_add(1).is_none() {
        return Err(SumcheckError::BadDegree { degree });
    }
    if proof.round_polys.len() != num_vars {
        return Err(SumcheckError::WrongRoundCount {
            expected: num_vars,
            got: proof.round_polys.len(),
        });
    }
    verify_rounds(|_| degree, num_vars, claimed_sum, proof, transcript)
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
    verify_rounds(degree, degrees.len(), claimed_sum, proof, transcript)
}

/// The rounds of [`verify`] / [`verify_per_round`]; the round count and degrees are checked.
fn verify_rounds(
    degree: impl Fn(usize) -> usize,
    num_vars: usize,
    claimed_sum: EF,
    proof: &SumcheckProof,
    transcript: &mut Transcript,
) -> Result<SubClaim, SumcheckError> {
    transcript.absorb_ext(labels::CLAIM, claimed_sum);
    let mut claim = claimed_sum;
    let mut point = Vec::with_capacity(num_vars);
    for (round, g) in proof.round_polys.iter().enumerate() {
        let expected_len = degree(round).saturating_add(1);
        let (g0, g1) = match g.as_slice() {
            [g0, g1, ..] if g.len() == expected_len => (*g0, *g1),
            _ => {
                return Err(SumcheckError::WrongRoundDegree {
                    round,
                    expected: expected_len,
                    got: g.len(),
                });
            }
        };
        if g0 + g1 != claim {
            return Err(SumcheckError::RoundCheckFailed {
                round,
                expected: claim,
                got: g0 + g1,
            });
        }
        transcript.absorb_exts(labels::ROUND, g);
        let r = transcript.challenge(labels::CHALLENGE);
        claim = interpolate_uni(g, r);
        point.push(r);
    }
    Ok(SubClaim {
        point,
        value: claim,
    })
}

/// The value at `x` of the polynomial of degree `< values.len()` with `p(t) = values[t]`.
pub fn interpolate_uni(values: &[EF], x: EF) -> EF {
    let n = values.len();
    // Lagrange over the nodes 0..n: p(x) = Σ_i v_i Π_{j≠i} (x − j)/(i − j).
    let nodes: Vec<EF> = (0..n).map(EF::from_usize).collect();
    let mut acc = EF::ZERO;
    for (i, &v) in values.iter().enumerate() {
        let mut num = EF::ONE;
        let mut den = EF::ONE;
        for (j, &xj) in nodes.iter().enumerate() {
            if i != j {
                num *= x - xj;
                den *= EF::from_usize(i) - xj;
            }
        }
        // den is a product of non-zero small integers: invertible.
        acc += v * num * den.inverse();
    }
    acc
}

use zkinfer_field::Field as _;
