//! The sumcheck prover.
//!
//! [`prove`] drives one instance; [`prove_batched`] several with one random combination;
//! [`reduce_claims`] turns many claims on one polynomial into one. The per-round work is in
//! `state` (base-field first round, Gruen's eq factoring) and `kernels` (the hypercube sums:
//! SIMD product-of-two, incremental differences, rayon above
//! [`zkinfer_poly::PARALLEL_THRESHOLD`] with the `parallel` feature).

mod batch;
pub(crate) mod eq_sum;
mod kernels;
mod reduce;
mod rounds;
pub(crate) mod state;

pub use batch::{BatchInstance, BatchedOutput, prove_batched};
pub use reduce::{reduce_claims, reduce_claims_weighted};
pub use rounds::RoundProver;

use zkinfer_field::{EF, Transcript};

use crate::{Column, SumcheckProof, Term, labels, round_message};
use state::Instance;

/// What the prover ends with.
#[derive(Clone, Debug)]
pub struct SumcheckOutput {
    /// The proof to send.
    pub proof: SumcheckProof,
    /// The random point `ρ`.
    pub point: Vec<EF>,
    /// Each column's value at `ρ` (in the columns' order). The caller sends or derives these.
    pub evals: Vec<EF>,
    /// The proven sum.
    pub claimed_sum: EF,
}

/// Proves `Σ_x [eq(eq_point, x)] · Σ_j c_j Π_i columns[f_{j,i}](x)`.
///
/// The round polynomials have degree `max_j |factors_j| + [eq_point.is_some()]`, the `degree`
/// the verifier must be given. Base-field columns stay in `F` for the first round.
///
/// # Panics
/// If the columns have different lengths, a length is not a power of two, `eq_point` has the
/// wrong length, or a factor index is out of range: caller bugs, not proof data.
#[must_use]
pub fn prove(
    columns: Vec<Column>,
    terms: &[Term],
    eq_point: Option<&[EF]>,
    transcript: &mut Transcript,
) -> SumcheckOutput {
    let mut inst = Instance::new(columns, terms, eq_point);
    let n = inst.num_vars();
    if n == 0 {
        let claimed_sum = inst.summand_at_point();
        transcript.absorb_ext(labels::CLAIM, claimed_sum);
        return SumcheckOutput {
            proof: SumcheckProof::default(),
            point: Vec::new(),
            evals: inst.evals(),
            claimed_sum,
        };
    }
    let mut g = inst.round_poly();
    let claimed_sum = g[0] + g[1];
    transcript.absorb_ext(labels::CLAIM, claimed_sum);
    let mut round_polys = Vec::with_capacity(n);
    let mut point = Vec::with_capacity(n);
    for k in 0..n {
        g.truncate(inst.degree() + 1);
        let message = round_message(&g);
        transcript.absorb_exts(labels::ROUND, &message);
        let r = transcript.challenge(labels::CHALLENGE);
        inst.bind(&g, r);
        point.push(r);
        round_polys.push(message);
        if k + 1 < n {
            g = inst.round_poly();
        }
    }
    SumcheckOutput {
        proof: SumcheckProof { round_polys },
        point,
        evals: inst.evals(),
        claimed_sum,
    }
}
