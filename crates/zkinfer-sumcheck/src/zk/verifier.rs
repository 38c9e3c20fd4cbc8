//! The ZK sumcheck verifier. Never panics on any proof.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

use zkinfer_field::{EF, Transcript};

use super::{MaskClaim, ZkSubClaim, ZkSumcheckProof, labels as zk_labels};
use crate::verifier::verify_per_round;
use crate::{SubClaim, SumcheckError};

/// Verifies a [`ZkSumcheckProof`] that `Σ_x f(x) = claimed_sum` over `num_vars` variables, `f`
/// of degree `degree` in each variable (the round polynomials have degree `max(degree, 1)`,
/// [`super::zk_degree`]).
///
/// # Errors
/// A [`SumcheckError`] naming the first check that failed.
///
/// # Soundness
/// The caller must have absorbed the mask's commitment before this call (as the prover did),
/// and must discharge both claims of the returned [`ZkSubClaim`]: `sub` on `f`'s columns and
/// `mask` against the mask's commitment.
pub fn verify_zk(
    num_vars: usize,
    degree: usize,
    claimed_sum: EF,
    proof: &ZkSumcheckProof,
    transcript: &mut Transcript,
) -> Result<ZkSubClaim, SumcheckError> {
    if degree.checked_add(1).is_none() {
        return Err(SumcheckError::BadDegree { degree });
    }
    // Checked before allocating the degrees (`num_vars` is bounded by the proof's length then).
    if proof.sumcheck.round_polys.len() != num_vars {
        return Err(SumcheckError::WrongRoundCount {
            expected: num_vars,
            got: proof.sumcheck.round_polys.len(),
        });
    }
    let degrees = vec![degree.max(1); num_vars];
    verify_zk_per_round(&degrees, claimed_sum, proof, transcript)
}

/// [`verify_zk`] with a degree per round (`degrees[k] ≥ 1`, the mask's per-variable degrees:
/// [`super::MaskPolynomial::from_coefficients_per_var`]).
///
/// # Errors
/// As [`verify_zk`].
///
/// # Soundness
/// As [`verify_zk`].
pub fn verify_zk_per_round(
    degrees: &[usize],
    claimed_sum: EF,
    proof: &ZkSumcheckProof,
    transcript: &mut Transcript,
) -> Result<ZkSubClaim, SumcheckError> {
    transcript.absorb_ext(zk_labels::ZK_CLAIM, claimed_sum);
    transcript.absorb_ext(zk_labels::MASK_SUM, proof.mask_sum);
    let rho = transcript.challenge(zk_labels::MASK_COEFF);
    let combined = claimed_sum + rho * proof.mask_sum;
    let sub = verify_per_round(degrees, combined, &proof.sumcheck, transcript)?;
    transcript.absorb_ext(zk_labels::MASK_EVAL, proof.mask_eval);
    Ok(ZkSubClaim {
        sub: SubClaim {
            point: sub.point.clone(),
            value: sub.value - rho * proof.mask_eval,
        },
        mask: MaskClaim {
            point: sub.point,
            value: proof.mask_eval,
        },
    })
}
