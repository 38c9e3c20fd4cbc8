//! Many masked claims on one tensor → one masked claim: the masked sumcheck of `P·W`,
//! `W = Σ_i α^i eq(p_i, ·)`, over `(w, x)`.

use serde::{Deserialize, Serialize};
use zkinfer_field::{EF, PrimeCharacteristicRing, Transcript};
use zkinfer_poly::{eq_eval, eq_table_scaled};

use super::{
    ClaimMask, MaskedClaim, MaskedSumcheckProof, labels, prove_zk_masked, verify_zk_masked,
};
use crate::zk::{MaskPool, MaskPoolVerifier};
use crate::{Column, SumcheckError, Term};

/// A masked claim reduction: the masked sumcheck and the reduced (masked) value `P'(ρ)`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaskedReductionProof {
    /// The masked sumcheck of `Σ_x P(x)·W(x) + Σ_i α^i Σ_k coeff_{ik} Σ_w R̂_{ik}(w)`.
    pub sumcheck: MaskedSumcheckProof,
    /// `P'(ρ)`: masked if the reduction is private, else `P(ρ)`.
    pub eval: EF,
}

/// Absorbs the claims (points, values, masks), draws `α`; returns `α^i`, the combined statement
/// `Σ_i α^i v_i` and the incoming masks `α^i·masks_i`.
fn absorb(
    claims: &[MaskedClaim],
    num_vars: usize,
    transcript: &mut Transcript,
) -> Result<(Vec<EF>, EF, Vec<ClaimMask>), SumcheckError> {
    if claims.is_empty() {
        return Err(SumcheckError::Empty);
    }
    if let Some((index, c)) = claims
        .iter()
        .enumerate()
        .find(|(_, c)| c.point.len() != num_vars)
    {
        return Err(SumcheckError::WrongPointLength {
            index,
            expected: num_vars,
            got: c.point.len(),
        });
    }
    transcript.absorb_u64(labels::REDUCE_COUNT, claims.len() as u64);
    for c in claims {
        transcript.absorb_exts(labels::REDUCE_CLAIM, &c.point);
        transcript.absorb_ext(labels::REDUCE_CLAIM, c.value);
        transcript.absorb_u64(labels::REDUCE_CLAIM, c.masks.len() as u64);
        for m in &c.masks {
            transcript.absorb_u64(labels::REDUCE_CLAIM, m.slot as u64);
            transcript.absorb_ext(labels::REDUCE_CLAIM, m.coeff);
        }
    }
    let alpha = transcript.challenge(labels::REDUCE_ALPHA);
    let alphas: Vec<EF> = alpha.powers().take(claims.len()).collect();
    let sum = claims.iter().zip(&alphas).map(|(c, &a)| a * c.value).sum();
    let incoming = claims
        .iter()
        .zip(&alphas)
        .flat_map(|(c, &a)| c.scaled_masks(a))
        .collect();
    Ok((alphas, sum, incoming))
}

fn product() -> [Term; 1] {
    [Term::new(EF::ONE, vec![0, 1])]
}

/// Reduces masked claims on the multilinear `poly` to one claim at a fresh point `ρ`, masked
/// again if `private` (with a fresh claim mask; else `P(ρ)` is revealed, e.g. for a column
/// whose claim goes to a PCS opening that reveals it anyway). Sends `P'(ρ)` (absorbed).
///
/// # Errors
/// [`SumcheckError::Empty`] without claims, [`SumcheckError::WrongPointLength`], the errors of
/// [`prove_zk_masked`].
///
/// # Panics
/// If `poly`'s length is not a power of two (a caller bug).
pub fn reduce_masked_claims(
    poly: Column,
    claims: &[MaskedClaim],
    private: bool,
    pool: &mut MaskPool,
    transcript: &mut Transcript,
) -> Result<(MaskedReductionProof, MaskedClaim), SumcheckError> {
    assert!(
        poly.len().is_power_of_two(),
        "reduce_masked_claims: length is not a power of two"
    );
    let n = poly.len().trailing_zeros() as usize;
    let (alphas, _, incoming) = absorb(claims, n, transcript)?;
    let mut w = vec![EF::ZERO; poly.len()];
    for (c, &a) in claims.iter().zip(&alphas) {
        for (x, e) in w.iter_mut().zip(eq_table_scaled(&c.point, a)) {
            *x += e;
        }
    }
    let priv_cols: &[usize] = if private { &[0] } else { &[] };
    let out = prove_zk_masked(
        vec![poly, Column::Ext(w)],
        &product(),
        None,
        priv_cols,
        &incoming,
        pool,
        transcript,
    )?;
    let claim = out
        .claims
        .into_iter()
        .next()
        .ok_or(SumcheckError::WrongEvalCount {
            expected: 2,
            got: 0,
        })?;
    transcript.absorb_ext(labels::REDUCE_EVAL, claim.value);
    Ok((
        MaskedReductionProof {
            sumcheck: out.proof,
            eval: claim.value,
        },
        claim,
    ))
}

/// Verifies a [`MaskedReductionProof`] of `claims` on a multilinear of `num_vars` variables:
/// the twin of [`reduce_masked_claims`]. Returns the reduced claim (masked if `private`).
///
/// # Errors
/// [`SumcheckError::Empty`] without claims, [`SumcheckError::WrongPointLength`], the errors of
/// [`verify_zk_masked`], [`SumcheckError::FinalEvalMismatch`] if `eval·W(ρ)` differs from the
/// final claim.
///
/// # Soundness
/// The returned claim must be discharged (the next op's masked sumcheck, or the PCS opening for
/// an unmasked one), and the pool finished.
pub fn verify_reduce_masked_claims(
    num_vars: usize,
    claims: &[MaskedClaim],
    private: bool,
    proof: &MaskedReductionProof,
    pool: &mut MaskPoolVerifier,
    transcript: &mut Transcript,
) -> Result<MaskedClaim, SumcheckError> {
    let (alphas, sum, incoming) = absorb(claims, num_vars, transcript)?;
    let priv_cols: &[usize] = if private { &[0] } else { &[] };
    let sub = verify_zk_masked(
        num_vars,
        &product(),
        None,
        priv_cols,
        &incoming,
        sum,
        &proof.sumcheck,
        pool,
        transcript,
    )?;
    transcript.absorb_ext(labels::REDUCE_EVAL, proof.eval);
    let w: EF = claims
        .iter()
        .zip(&alphas)
        .map(|(c, &a)| a * eq_eval(&c.point, &sub.sub.point))
        .sum();
    sub.check_products(&product(), None, &[proof.eval, w])?
        .into_iter()
        .next()
        .ok_or(SumcheckError::WrongEvalCount {
            expected: 2,
            got: 0,
        })
}
