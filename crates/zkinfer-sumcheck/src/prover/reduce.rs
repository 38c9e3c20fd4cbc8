//! Claim reduction: many claims `P(p_i) = v_i` on one multilinear `P` → one claim `P(ρ) = v`.

use zkinfer_field::{EF, PrimeCharacteristicRing, Transcript};
use zkinfer_poly::eq_table_scaled;

use crate::verifier::{absorb_claims, absorb_weighted_claims};
use crate::{Column, ReductionProof, Term, WeightedPoint, labels, prove};

/// Reduces claims `P(point_i) = value_i` to one claim `P(ρ) = v`, returning
/// `(proof, ρ, v)`.
///
/// Protocol: absorb the claims, draw `α`, and prove `Σ_x P(x) · W(x) = Σ_i α^i value_i` with
/// `W = Σ_i α^i eq(point_i, ·)` by a degree-2 sumcheck (the product-of-two fast path); send
/// `v = P(ρ)` and absorb it. The verifier computes `W(ρ)` itself ([`crate::verify_reduce_claims`]).
/// Costs `2^n` per claim to build `W`, plus one product-of-two sumcheck.
///
/// # Panics
/// If `claims` is empty, `poly`'s length is not a power of two, or a point has the wrong length.
/// Wrong claimed values do not panic: they give a proof the verifier rejects.
#[must_use = "the reduced claim must be discharged"]
pub fn reduce_claims(
    poly: Column,
    claims: &[(Vec<EF>, EF)],
    transcript: &mut Transcript,
) -> (ReductionProof, Vec<EF>, EF) {
    let n = check_shape(&poly, claims.len(), claims.iter().map(|(p, _)| p.len()));
    let alphas = absorb_claims(claims, transcript);
    let mut w = vec![EF::ZERO; 1 << n];
    for ((p, _), &a) in claims.iter().zip(&alphas) {
        for (x, e) in w.iter_mut().zip(eq_table_scaled(p, a)) {
            *x += e;
        }
    }
    finish(poly, w, transcript)
}

/// [`reduce_claims`] for claims on linear combinations of evaluations, `Σ_t c_t·P(p_t) = v`
/// (a claim on a column committed as several pieces, each a sub-block of it): `W` is
/// `Σ_i α^i Σ_t c_t·eq(p_t, ·)`. The verifier's twin is [`crate::verify_reduce_claims_weighted`].
///
/// # Panics
/// As [`reduce_claims`]; also if a claim has no term.
#[must_use = "the reduced claim must be discharged"]
pub fn reduce_claims_weighted(
    poly: Column,
    claims: &[(WeightedPoint, EF)],
    transcript: &mut Transcript,
) -> (ReductionProof, Vec<EF>, EF) {
    assert!(
        claims.iter().all(|(ts, _)| !ts.is_empty()),
        "reduce_claims: a claim without terms"
    );
    let n = check_shape(
        &poly,
        claims.len(),
        claims
            .iter()
            .flat_map(|(ts, _)| ts.iter().map(|(_, p)| p.len())),
    );
    let alphas = absorb_weighted_claims(claims, transcript);
    let mut w = vec![EF::ZERO; 1 << n];
    for ((ts, _), &a) in claims.iter().zip(&alphas) {
        for (c, p) in ts {
            for (x, e) in w.iter_mut().zip(eq_table_scaled(p, a * *c)) {
                *x += e;
            }
        }
    }
    finish(poly, w, transcript)
}

/// Checks the claims' shape (a caller bug otherwise): `count` claims, some; `poly` a power of
/// two long; every point's length (`lens`) its number of variables, which it returns.
fn check_shape(poly: &Column, count: usize, mut lens: impl Iterator<Item = usize>) -> usize {
    assert!(count > 0, "reduce_claims: no claims");
    assert!(
        poly.len().is_power_of_two(),
        "reduce_claims: length is not a power of two"
    );
    let n = poly.len().trailing_zeros() as usize;
    assert!(
        lens.all(|l| l == n),
        "reduce_claims: point of the wrong length"
    );
    n
}

/// The product sumcheck of `P·W` and the sent `P(ρ)`.
fn finish(poly: Column, w: Vec<EF>, transcript: &mut Transcript) -> (ReductionProof, Vec<EF>, EF) {
    let out = prove(
        vec![poly, Column::Ext(w)],
        &[Term::new(EF::ONE, vec![0, 1])],
        None,
        transcript,
    );
    let eval = out.evals[0];
    transcript.absorb_ext(labels::REDUCE_EVAL, eval);
    (
        ReductionProof {
            sumcheck: out.proof,
            eval,
        },
        out.point,
        eval,
    )
}
