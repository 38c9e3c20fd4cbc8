//! Verifying a batch of sumchecks combined with powers of a random `β`.

use zkinfer_field::{EF, PrimeCharacteristicRing, Transcript};

use super::verify;
use crate::proof::summand_at;
use crate::{SumcheckError, SumcheckProof, Term, labels};

/// The public statement of one instance of a batch: `Σ_{x ∈ {0,1}^num_vars} summand = claimed_sum`
/// with round polynomials of degree at most `degree`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchClaim {
    /// Variables of this instance.
    pub num_vars: usize,
    /// Its degree (factors of the largest term, plus one with an eq factor).
    pub degree: usize,
    /// Its claimed sum.
    pub claimed_sum: EF,
}

/// What the batch verifier is left with: `Σ_j β^j · summand_j(ρ_j) = value`, where `ρ_j` is the
/// last `num_vars[j]` coordinates of `point` (an instance with fewer variables ignores the first
/// ones; see [`crate::prove_batched`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use = "a sumcheck proves nothing until its sub-claim is discharged"]
pub struct BatchSubClaim {
    /// The common random point, of `max_j num_vars[j]` coordinates.
    pub point: Vec<EF>,
    /// The value the combined summand must take.
    pub value: EF,
    /// The combination coefficients `β^j`.
    pub coeffs: Vec<EF>,
    /// Each instance's number of variables.
    pub num_vars: Vec<usize>,
}

/// One instance's data for [`BatchSubClaim::check_products`].
#[derive(Clone, Copy, Debug)]
pub struct BatchOpening<'a> {
    /// The instance's terms.
    pub terms: &'a [Term],
    /// Its eq point, if any (`num_vars` coordinates).
    pub eq_point: Option<&'a [EF]>,
    /// Its columns' values at its point [`BatchSubClaim::instance_point`].
    pub evals: &'a [EF],
}

impl BatchSubClaim {
    /// The point at which instance `j`'s columns are evaluated: the last `num_vars[j]`
    /// coordinates of [`Self::point`]. `None` if `j` is out of range.
    #[must_use]
    pub fn instance_point(&self, j: usize) -> Option<&[EF]> {
        let n = *self.num_vars.get(j)?;
        self.point.get(self.point.len().checked_sub(n)?..)
    }

    /// Discharges the sub-claim from each instance's column values at its point.
    ///
    /// # Errors
    /// [`SumcheckError::WrongEvalCount`] if the number of instances or of values is wrong,
    /// [`SumcheckError::FinalEvalMismatch`] if the combination disagrees with the claim.
    pub fn check_products(&self, openings: &[BatchOpening<'_>]) -> Result<(), SumcheckError> {
        if openings.len() != self.coeffs.len() {
            return Err(SumcheckError::WrongEvalCount {
                expected: self.coeffs.len(),
                got: openings.len(),
            });
        }
        let mut sum = EF::ZERO;
        for (j, (o, &c)) in openings.iter().zip(&self.coeffs).enumerate() {
            let point = self
                .instance_point(j)
                .ok_or(SumcheckError::WrongEvalCount {
                    expected: self.point.len(),
                    got: self.num_vars.get(j).copied().unwrap_or(0),
                })?;
            sum += c * summand_at(o.terms, o.eq_point, point, o.evals)?;
        }
        if sum == self.value {
            Ok(())
        } else {
            Err(SumcheckError::FinalEvalMismatch {
                expected: self.value,
                got: sum,
            })
        }
    }
}

/// The coefficients `1, β, β², …` of a batch of `n` instances (also the masked opening's, in
/// zkinfer-pcs).
pub fn powers(beta: EF, n: usize) -> Vec<EF> {
    core::iter::successors(Some(EF::ONE), |&p| Some(p * beta))
        .take(n)
        .collect()
}

/// Verifies a batched sumcheck (see [`crate::prove_batched`] for the protocol). Never panics.
///
/// # Errors
/// [`SumcheckError::Empty`] for an empty batch, otherwise as [`verify`] on the combined claim.
///
/// # Soundness
/// The returned [`BatchSubClaim`] must be discharged, e.g. with
/// [`BatchSubClaim::check_products`] on values that become claims on the columns.
pub fn verify_batched(
    claims: &[BatchClaim],
    proof: &SumcheckProof,
    transcript: &mut Transcript,
) -> Result<BatchSubClaim, SumcheckError> {
    let num_vars = claims
        .iter()
        .map(|c| c.num_vars)
        .max()
        .ok_or(SumcheckError::Empty)?;
    let degree = claims.iter().map(|c| c.degree).max().unwrap_or(0);
    let sums: Vec<EF> = claims.iter().map(|c| c.claimed_sum).collect();
    transcript.absorb_exts(labels::BATCH_CLAIMS, &sums);
    let coeffs = powers(transcript.challenge(labels::BATCH_COEFF), claims.len());
    let mut combined = EF::ZERO;
    for (c, &beta_j) in claims.iter().zip(&coeffs) {
        // Σ over the ignored leading variables multiplies the sum by 2^(n − n_j).
        let shift = (num_vars - c.num_vars) as u64;
        let scale = EF::TWO.exp_u64(shift);
        combined += beta_j * scale * c.claimed_sum;
    }
    let sub = verify(num_vars, degree, combined, proof, transcript)?;
    Ok(BatchSubClaim {
        point: sub.point,
        value: sub.value,
        coeffs,
        num_vars: claims.iter().map(|c| c.num_vars).collect(),
    })
}
