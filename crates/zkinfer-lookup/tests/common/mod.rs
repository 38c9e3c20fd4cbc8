//! Shared helpers of the integration tests.
#![allow(dead_code)]

use rand::{Rng, SeedableRng, rngs::StdRng};
use zkinfer_field::{F, Transcript, from_signed};
use zkinfer_lookup::{
    LookupClaims, LookupError, LookupInstance, LookupProof, Table, multiplicities,
};
use zkinfer_poly::evaluate;

/// A caller context, as the engine would bind its commitment before the lookup.
pub const CTX: &[u8] = b"lookup-tests";

/// Owned witnesses: `[witness][column][row]`.
pub type Witnesses = Vec<Vec<Vec<F>>>;

pub fn refs(ws: &Witnesses) -> Vec<Vec<&[F]>> {
    ws.iter()
        .map(|w| w.iter().map(Vec::as_slice).collect())
        .collect()
}

/// A random witness of `2^vars` rows drawn from the table's rows.
pub fn random_witness(table: &Table, vars: usize, rng: &mut StdRng) -> Vec<Vec<F>> {
    let cols = table.columns();
    let rows = cols[0].len();
    let picks: Vec<usize> = (0..1usize << vars)
        .map(|_| rng.random_range(0..rows))
        .collect();
    cols.iter()
        .map(|c| picks.iter().map(|&j| c[j]).collect())
        .collect()
}

/// Honest multiplicities, proof and claims.
pub fn prove_honest(table: &Table, ws: &Witnesses) -> (Vec<F>, LookupProof, LookupClaims) {
    let r = refs(ws);
    let m = multiplicities(table, &r).expect("honest witnesses are in the table");
    let inst = LookupInstance {
        table,
        witnesses: r,
    };
    let mut t = Transcript::new(CTX);
    let (proof, claims) = zkinfer_lookup::prove(&inst, &m, &mut t).expect("honest proof");
    (m, proof, claims)
}

pub fn shapes(ws: &Witnesses) -> Vec<usize> {
    ws.iter()
        .map(|w| w[0].len().trailing_zeros() as usize)
        .collect()
}

pub fn verify(
    table: &Table,
    shapes: &[usize],
    proof: &LookupProof,
) -> Result<LookupClaims, LookupError> {
    zkinfer_lookup::verify(table, shapes, proof, &mut Transcript::new(CTX))
}

/// The caller's discharge: every claim equals the committed column's MLE at its point.
pub fn claims_hold(claims: &LookupClaims, ws: &Witnesses, m: &[F]) -> bool {
    let witness_ok = claims.witness_claims.len() == ws.len()
        && claims.witness_claims.iter().zip(ws).all(|(cl, w)| {
            cl.len() == w.len()
                && cl
                    .iter()
                    .zip(w)
                    .all(|((pt, v), col)| evaluate(col, pt) == *v)
        });
    let (pt, v) = &claims.multiplicity_claim;
    witness_ok && evaluate(m, pt) == *v
}

pub fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

pub fn signed(vs: &[i64]) -> Vec<F> {
    vs.iter().map(|&v| from_signed(v)).collect()
}

/// Test-only activation closures (the engine supplies the model crate's definitions).
pub fn relu(i: i64) -> i64 {
    i.max(0)
}

/// Sigmoid of `i / 2^4`, output scaled by `2^8`, rounded half up.
pub fn sigmoid(i: i64) -> i64 {
    let x = i as f64 / 16.0;
    (256.0 / (1.0 + (-x).exp()) + 0.5).floor() as i64
}
