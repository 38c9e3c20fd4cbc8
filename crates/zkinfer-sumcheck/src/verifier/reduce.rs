//! Verifying a claim reduction: many `(point_i, value_i)` on one multilinear `P` → one claim.

use zkinfer_field::{EF, Transcript};
use zkinfer_poly::eq_eval;

use super::batch::powers;
use super::verify;
use crate::{ReductionProof, SumcheckError, WeightedPoint, labels};

/// Absorbs the claims and draws `α`; shared by prover and verifier.
pub(crate) fn absorb_claims(claims: &[(Vec<EF>, EF)], transcript: &mut Transcript) -> Vec<EF> {
    transcript.absorb_u64(labels::REDUCE_COUNT, claims.len() as u64);
    for (p, v) in claims {
        transcript.absorb_exts(labels::REDUCE_POINT, p);
        transcript.absorb_ext(labels::REDUCE_VALUE, *v);
    }
    powers(transcript.challenge(labels::REDUCE_ALPHA), claims.len())
}

/// [`absorb_claims`] for weighted claims: per claim its terms (coefficient, then point, in
/// one vector) and its value.
pub(crate) fn absorb_weighted_claims(
    claims: &[(WeightedPoint, EF)],
    transcript: &mut Transcript,
) -> Vec<EF> {
    transcript.absorb_u64(labels::REDUCE_COUNT, claims.len() as u64);
    for (ts, v) in claims {
        let flat: Vec<EF> = ts
            .iter()
            .flat_map(|(c, p)| std::iter::once(*c).chain(p.iter().copied()))
            .collect();
        transcript.absorb_u64(labels::REDUCE_COUNT, ts.len() as u64);
        transcript.absorb_exts(labels::REDUCE_POINT, &flat);
        transcript.absorb_ext(labels::REDUCE_VALUE, *v);
    }
    powers(transcript.challenge(labels::REDUCE_ALPHA), claims.len())
}

/// Verifies that `P(point_i) = value_i` for all claims reduces to `P(ρ) = v`, and returns
/// `(ρ, v)`. The protocol: `Σ_x P(x) · W(x) = Σ_i α^i value_i` with
/// `W = Σ_i α^i eq(point_i, ·)`, a degree-2 sumcheck ending at `ρ`, where the verifier
/// evaluates `W(ρ)` itself and checks the last round against `proof.eval · W(ρ)`. Never panics.
///
/// # Errors
/// [`SumcheckError::Empty`] without claims, [`SumcheckError::WrongPointLength`] if a point does
/// not have `num_vars` coordinates, the errors of [`verify`], and
/// [`SumcheckError::FinalEvalMismatch`] if `proof.eval · W(ρ)` differs from the last claim.
///
/// # Soundness
/// The returned claim `P(ρ) = v` must be discharged (another layer or the PCS opening).
pub fn verify_reduce_claims(
    num_vars: usize,
    claims: &[(Vec<EF>, EF)],
    proof: &ReductionProof,
    transcript: &mut Transcript,
) -> Result<(Vec<EF>, EF), SumcheckError> {
    if claims.is_empty() {
        return Err(SumcheckError::Empty);
    }
    if let Some((index, (p, _))) = claims
        .iter()
        .enumerate()
        .find(|(_, (p, _))| p.len() != num_vars)
    {
        return Err(SumcheckError::WrongPointLength {
            index,
            expected: num_vars,
            got: p.len(),
        });
    }
    let alphas = absorb_claims(claims, transcript);
    let sum = claims.iter().zip(&alphas).map(|((_, v), &a)| a * *v).sum();
    finish(num_vars, sum, proof, transcript, |rho| {
        claims
            .iter()
            .zip(&alphas)
            .map(|((p, _), &a)| a * eq_eval(p, rho))
            .sum()
    })
}

/// The product sumcheck of `P·W` against `sum`, then `P(ρ)·W(ρ)` (`w_at(ρ)` the verifier's
/// own `W(ρ)`) against its last claim; absorbs the sent `P(ρ)`.
fn finish(
    num_vars: usize,
    sum: EF,
    proof: &ReductionProof,
    transcript: &mut Transcript,
    w_at: impl FnOnce(&[EF]) -> EF,
) -> Result<(Vec<EF>, EF), SumcheckError> {
    let sub = verify(num_vars, 2, sum, &proof.sumcheck, transcript)?;
    let got = proof.eval * w_at(&sub.point);
    if got != sub.value {
        return Err(SumcheckError::FinalEvalMismatch {
            expected: sub.value,
            got,
        });
    }
    transcript.absorb_ext(labels::REDUCE_EVAL, proof.eval);
    Ok((sub.point, proof.eval))
}

/// Verifies a [`crate::reduce_claims_weighted`] proof: claims `Σ_t c_t·P(p_t) = v_i`, `W(ρ)`
/// evaluated as `Σ_i α^i Σ_t c_t·eq(p_t, ρ)`. Never panics.
///
/// # Errors
/// As [`verify_reduce_claims`]; [`SumcheckError::Empty`] also for a claim without terms.
///
/// # Soundness
/// As [`verify_reduce_claims`].
pub fn verify_reduce_claims_weighted(
    num_vars: usize,
    claims: &[(WeightedPoint, EF)],
    proof: &ReductionProof,
    transcript: &mut Transcript,
) -> Result<(Vec<EF>, EF), SumcheckError> {
    if claims.is_empty() || claims.iter().any(|(ts, _)| ts.is_empty()) {
        return Err(SumcheckError::Empty);
    }
    if let Some((index, got)) = claims.iter().enumerate().find_map(|(i, (ts, _))| {
        ts.iter()
            .find(|(_, p)| p.len() != num_vars)
            .map(|(_, p)| (i, p.len()))
    }) {
        return Err(SumcheckError::WrongPointLength {
            index,
            expected: num_vars,
            got,
        });
    }
    let alphas = absorb_weighted_claims(claims, transcript);
    let sum = claims.iter().zip(&alphas).map(|((_, v), &a)| a * *v).sum();
    finish(num_vars, sum, proof, transcript, |rho| {
        claims
            .iter()
            .zip(&alphas)
            .map(|((ts, _), &a)| a * ts.iter().map(|(c, p)| *c * eq_eval(p, rho)).sum::<EF>())
            .sum()
    })
}
