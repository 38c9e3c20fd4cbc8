//! The masked sumcheck's verifier. Never panics on any proof.

use zkinfer_field::{EF, Field, PrimeCharacteristicRing, Transcript};

use super::{
    ClaimMask, MaskedClaim, MaskedSumcheckProof, check_private, incoming_linear_claim, labels,
    masked_degrees, vanishing,
};
use crate::zk::{MaskPoolVerifier, verify_zk_per_round};
use crate::{SubClaim, SumcheckError, Term};

/// What [`verify_zk_masked`] leaves: the summand's value at `r` over the **reported** (masked)
/// evaluations, and which of them are masked by which claim mask.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use = "a sumcheck proves nothing until its sub-claim is discharged"]
pub struct MaskedSubClaim {
    /// `f'(r) = value`, `f'` the summand over the masked columns `T'_j = T_j + Z·S_j`.
    pub sub: SubClaim,
    /// `(column, claim-mask slot)` per private column.
    pub private: Vec<(usize, usize)>,
}

impl MaskedSubClaim {
    /// Checks the sub-claim against the reported evaluations (`evals[j]` for column `j`, masked
    /// for the private ones) and returns one claim per column to pass on: plain for the public
    /// columns, `T_j(r) + Z(r)·Σ_w R̂_j(w) = evals[j]` for the private ones.
    ///
    /// # Errors
    /// [`SumcheckError::WrongEvalCount`] if a private column has no evaluation, the errors of
    /// [`SubClaim::check_products`].
    pub fn check_products(
        &self,
        terms: &[Term],
        eq_point: Option<&[EF]>,
        evals: &[EF],
    ) -> Result<Vec<MaskedClaim>, SumcheckError> {
        if let Some(&(p, _)) = self.private.iter().find(|(p, _)| *p >= evals.len()) {
            return Err(SumcheckError::WrongEvalCount {
                expected: p + 1,
                got: evals.len(),
            });
        }
        self.sub.check_products(terms, eq_point, evals)?;
        let z = vanishing(&self.sub.point);
        Ok(evals
            .iter()
            .enumerate()
            .map(|(j, &v)| MaskedClaim {
                point: self.sub.point.clone(),
                value: v,
                masks: self
                    .private
                    .iter()
                    .filter(|(p, _)| *p == j)
                    .map(|&(_, slot)| ClaimMask { slot, coeff: z })
                    .collect(),
            })
            .collect())
    }
}

/// Verifies a [`MaskedSumcheckProof`] of `claimed_sum = Σ_x f(x) + Σ_i κ_i Σ_w R̂_i(w)` over
/// `num_vars` variables (`f` given by `terms` and `eq_point` as for [`crate::prove`], the `κ_i`,
/// `R̂_i` by `incoming`), the columns in `private` reported masked: the twin of
/// [`super::prove_zk_masked`]. Takes the same pool slots in the same order, records the Libra
/// mask's claim and the linear claim `M(c_w)` in `pool`.
///
/// # Errors
/// [`SumcheckError::MaskedClaims`] for a private column listed twice or without variables, or
/// an incoming evaluation missing or unexpected; [`SumcheckError::BadMaskSlot`] for an incoming
/// slot that is not a claim mask; [`SumcheckError::WrongEvalCount`] for an `eq_point` of the
/// wrong length; the pool's and [`crate::verify_zk`]'s errors.
///
/// # Soundness
/// The caller absorbs the pool's commitment before any sumcheck, discharges the returned
/// sub-claim ([`MaskedSubClaim::check_products`], then the claims it returns) and the pool
/// ([`MaskPoolVerifier::finish`]).
#[allow(clippy::too_many_arguments)]
pub fn verify_zk_masked(
    num_vars: usize,
    terms: &[Term],
    eq_point: Option<&[EF]>,
    private: &[usize],
    incoming: &[ClaimMask],
    claimed_sum: EF,
    proof: &MaskedSumcheckProof,
    pool: &mut MaskPoolVerifier,
    transcript: &mut Transcript,
) -> Result<MaskedSubClaim, SumcheckError> {
    check_private(num_vars, private)?;
    if let Some(e) = eq_point
        && e.len() != num_vars
    {
        return Err(SumcheckError::WrongEvalCount {
            expected: num_vars,
            got: e.len(),
        });
    }
    let has_w = !incoming.is_empty();
    if has_w != proof.incoming_eval.is_some() {
        return Err(SumcheckError::MaskedClaims {
            reason: "the incoming masks' evaluation is missing or unexpected",
        });
    }
    for c in incoming {
        pool.check_claim_mask(c.slot)?;
    }
    let rounds = num_vars.checked_add(usize::from(has_w));
    if rounds != Some(proof.zk.sumcheck.round_polys.len()) {
        return Err(SumcheckError::WrongRoundCount {
            expected: rounds.unwrap_or(usize::MAX),
            got: proof.zk.sumcheck.round_polys.len(),
        });
    }
    let degrees = masked_degrees(num_vars, terms, eq_point.is_some(), private, has_w);
    let slot = pool.next_mask_shape_per_var(&degrees)?;
    let mut slots = Vec::with_capacity(private.len());
    for &p in private {
        slots.push((p, pool.next_claim_mask()?.index));
    }
    let zk = verify_zk_per_round(&degrees, claimed_sum, &proof.zk, transcript)?;
    let full = zk.sub.point;
    pool.record(slot.index, zk.mask)?;
    let (point, value) = match (full.split_first(), proof.incoming_eval) {
        (Some((&c_w, x)), Some(m)) if has_w => {
            transcript.absorb_ext(labels::INCOMING_EVAL, m);
            pool.record_linear(incoming_linear_claim(incoming, c_w, m))?;
            // final = f'(r)/2 + 2^(−n)·M(c_w).
            let scale = EF::TWO.exp_u64(num_vars as u64).inverse();
            (x.to_vec(), (zk.sub.value - scale * m).double())
        }
        _ => (full, zk.sub.value),
    };
    Ok(MaskedSubClaim {
        sub: SubClaim { point, value },
        private: slots,
    })
}
