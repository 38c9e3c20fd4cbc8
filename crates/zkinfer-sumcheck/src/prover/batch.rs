//! Proving several sumchecks at once, combined with powers of a random `β`.

use zkinfer_field::{EF, Field, PrimeCharacteristicRing, Transcript};

use super::state::Instance;
use crate::verifier::interpolate_uni;
use crate::{Column, SumcheckProof, Term, labels, round_message};

/// One instance of a batch: the arguments of [`crate::prove`], owned.
#[derive(Clone, Debug)]
pub struct BatchInstance {
    /// The columns.
    pub columns: Vec<Column>,
    /// The terms of the summand.
    pub terms: Vec<Term>,
    /// The eq point, if any.
    pub eq_point: Option<Vec<EF>>,
}

/// What the batch prover ends with.
#[derive(Clone, Debug)]
pub struct BatchedOutput {
    /// One sumcheck proof for the combination.
    pub proof: SumcheckProof,
    /// The common point `ρ`; instance `j` is evaluated at its last `num_vars_j` coordinates.
    pub point: Vec<EF>,
    /// Each instance's column values at its point.
    pub evals: Vec<Vec<EF>>,
    /// Each instance's sum (sent: the verifier needs them).
    pub claimed_sums: Vec<EF>,
    /// The coefficients `β^j`.
    pub coeffs: Vec<EF>,
}

/// Proves several sumchecks with one: `Σ_j β^j · 2^(n − n_j) · S_j` where `n = max_j n_j`.
///
/// Transcript: the instances' sums with `labels::BATCH_CLAIMS`, then `β` (`labels::BATCH_COEFF`),
/// then an ordinary sumcheck (as [`crate::prove`]) of degree `max_j d_j` over `n` variables.
/// An instance with `n_j < n` variables is read as a polynomial in `n` variables that does not
/// depend on the first `n − n_j`: its sum over the larger cube is `2^(n − n_j) · S_j`, its round
/// polynomials in the first `n − n_j` rounds are constants, and its columns are evaluated at the
/// last `n_j` coordinates of `ρ`.
///
/// # Panics
/// If `instances` is empty or an instance is malformed (see [`crate::prove`]).
#[must_use]
pub fn prove_batched(instances: Vec<BatchInstance>, transcript: &mut Transcript) -> BatchedOutput {
    assert!(!instances.is_empty(), "prove_batched: no instances");
    let mut insts: Vec<Instance> = instances
        .into_iter()
        .map(|i| Instance::new(i.columns, &i.terms, i.eq_point.as_deref()))
        .collect();
    let n = insts.iter().map(Instance::num_vars).max().unwrap_or(0);
    let degree = insts.iter().map(Instance::degree).max().unwrap_or(0);
    // Each instance's first round polynomial (or its single value when it has no variables).
    let mut pending: Vec<Vec<EF>> = insts
        .iter_mut()
        .map(|i| {
            if i.num_vars() == 0 {
                vec![i.summand_at_point()]
            } else {
                i.round_poly()
            }
        })
        .collect();
    let claimed_sums: Vec<EF> = insts
        .iter()
        .zip(&pending)
        .map(|(i, g)| if i.num_vars() == 0 { g[0] } else { g[0] + g[1] })
        .collect();
    transcript.absorb_exts(labels::BATCH_CLAIMS, &claimed_sums);
    let coeffs = crate::verifier::powers(transcript.challenge(labels::BATCH_COEFF), insts.len());
    // Running claims of the instances still in their constant (leading) rounds.
    let mut lifted: Vec<EF> = insts
        .iter()
        .zip(&claimed_sums)
        .map(|(i, &s)| EF::TWO.exp_u64((n - i.num_vars()) as u64) * s)
        .collect();
    let combined = coeffs.iter().zip(&lifted).map(|(&c, &s)| c * s).sum();
    transcript.absorb_ext(labels::CLAIM, combined);

    let half = EF::TWO.inverse();
    let mut round_polys = Vec::with_capacity(n);
    let mut point = Vec::with_capacity(n);
    for k in 0..n {
        let mut g = vec![EF::ZERO; degree + 1];
        let mut own = Vec::with_capacity(insts.len());
        for (j, inst) in insts.iter_mut().enumerate() {
            let active = k >= n - inst.num_vars();
            let gj = if active {
                let mut gj = core::mem::take(&mut pending[j]);
                if gj.is_empty() {
                    gj = inst.round_poly();
                }
                gj.truncate(inst.degree() + 1);
                gj
            } else {
                vec![lifted[j] * half]
            };
            for (t, gt) in g.iter_mut().enumerate() {
                let v = gj
                    .get(t)
                    .copied()
                    .unwrap_or_else(|| interpolate_uni(&gj, EF::from_usize(t)));
                *gt += coeffs[j] * v;
            }
            own.push(gj);
        }
        let message = round_message(&g);
        transcript.absorb_exts(labels::ROUND, &message);
        let r = transcript.challenge(labels::CHALLENGE);
        for ((inst, gj), l) in insts.iter_mut().zip(&own).zip(&mut lifted) {
            if k >= n - inst.num_vars() {
                inst.bind(gj, r);
            } else {
                *l *= half;
            }
        }
        point.push(r);
        round_polys.push(message);
    }
    BatchedOutput {
        proof: SumcheckProof { round_polys },
        point,
        evals: insts.iter().map(Instance::evals).collect(),
        claimed_sums,
        coeffs,
    }
}
