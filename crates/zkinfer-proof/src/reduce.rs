//! Claim reduction: the claims the walk collected on one derived tensor become one, by a random
//! linear combination and a sumcheck over the `eq` polynomials (DESIGN §6).
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

use zkinfer_field::{EF, PrimeCharacteristicRing};
use zkinfer_poly::{eq_eval, eq_table};
use zkinfer_sumcheck::Column;

use crate::claims::Claim;
use crate::context::{ProverCtx, VerifierCtx};
use crate::error::{ProveError, VerifyError};
use crate::ops::util::{get, key_mismatch, prod2, to_field};

const REDUCE: &[u8] = b"zkinfer/reduce";

/// Reduces the claims on a derived tensor with stored `values` to one (prover); `None` without
/// claims.
///
/// # Errors
/// If a claim's point does not fit the tensor (a driver bug).
pub fn prove(
    cx: &mut ProverCtx<'_>,
    values: &[i64],
    claims: Vec<Claim>,
    at: &str,
) -> Result<Option<Claim>, ProveError> {
    if claims.len() <= 1 {
        return Ok(claims.into_iter().next());
    }
    let alpha = cx.ch.t.challenge(REDUCE);
    let mut e = vec![EF::ZERO; values.len()];
    let mut c = EF::ONE;
    for cl in &claims {
        if 1usize << cl.point.len() != values.len() {
            return Err(key_mismatch(at, "claim point"));
        }
        for (ei, t) in e.iter_mut().zip(eq_table(&cl.point)) {
            *ei += c * t;
        }
        c *= alpha;
    }
    let out = cx.ch.prove_sumcheck(
        vec![Column::Base(to_field(values)), Column::Ext(e)],
        &prod2(),
        None,
    );
    let v = *get(&out.evals, 0, at, "evaluations")?;
    cx.ch.send(vec![v]);
    Ok(Some(Claim {
        point: out.point,
        value: v,
    }))
}

/// Reduces the claims on a derived tensor of `num_vars` variables to one (verifier); `None`
/// without claims.
///
/// # Errors
/// If the reduction sumcheck or its final check fails.
pub fn verify(
    cx: &mut VerifierCtx<'_>,
    num_vars: usize,
    claims: Vec<Claim>,
    at: &str,
) -> Result<Option<Claim>, VerifyError> {
    if claims.len() <= 1 {
        return Ok(claims.into_iter().next());
    }
    let alpha = cx.rd.t.challenge(REDUCE);
    let mut sum = EF::ZERO;
    let mut c = EF::ONE;
    for cl in &claims {
        if cl.point.len() != num_vars {
            return Err(VerifyError::at(at, "claim point of the wrong length"));
        }
        sum += c * cl.value;
        c *= alpha;
    }
    let sub = cx.rd.verify_sumcheck(num_vars, 2, sum, at)?;
    let v = cx.rd.recv1(at)?;
    let mut e = EF::ZERO;
    let mut c = EF::ONE;
    for cl in &claims {
        e += c * eq_eval(&cl.point, &sub.point);
        c *= alpha;
    }
    sub.check_products(&prod2(), None, &[v, e])
        .map_err(|err| VerifyError::at(at, err))?;
    Ok(Some(Claim {
        point: sub.point,
        value: v,
    }))
}
