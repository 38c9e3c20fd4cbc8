//! What an op module implements and works with: the [`OpProof`] trait, the contexts, and the
//! checked accessors every op's prover and verifier start with. Op modules import this module
//! (and [`super::util`]); [`super`] (`ops/mod.rs`) only declares the modules and dispatches, so
//! no op file imports `mod.rs`.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

pub use crate::context::{ProverCtx, VerifierCtx};

use zkinfer_field::F;

use super::util;
use crate::claims::Claim;
use crate::context::{Witness, WitnessCtx};
use crate::error::{CompileError, ProveError, VerifyError};
use crate::ir::{Node, ProofGraph};
use crate::plan::{LookupWitness, NodePlan, Plan};
use crate::planner::Planner;

/// The error of a lookup routed to a node whose op has no such lookup.
const NO_LOOKUP: &str = "the lookup's node has another kind of plan";

/// One proven op: how it is planned, how its stored output and committed columns are laid out,
/// how its claims are proved and checked.
pub trait OpProof: Sync {
    /// Plans `node` (index `idx`): checks shapes, sets the output's layout and source, allocates
    /// columns and lookups, fills `p.cost`.
    ///
    /// # Errors
    /// A [`CompileError`] naming the node when it has no prover.
    fn plan(&self, p: &mut Planner<'_>, idx: usize, node: &Node) -> Result<NodePlan, CompileError>;

    /// Lays the node's constants out into their weight columns (most ops have none).
    ///
    /// # Errors
    /// If the plan does not fit the graph.
    fn weights(
        &self,
        _plan: &Plan,
        _graph: &ProofGraph,
        _idx: usize,
        _cols: &mut [Vec<i64>],
    ) -> Result<(), ProveError> {
        Ok(())
    }

    /// Lays the node's output out from the interpreter's trace ([`WitnessCtx::stored`]: the
    /// logical positions), computing only what the trace does not have: the padded positions, by
    /// the op's own padding rule, and its committed columns. Layout ops move their input's
    /// stored data instead.
    ///
    /// # Errors
    /// A value outside the compiled range, or a plan that does not fit the graph.
    fn witness(&self, cx: &mut WitnessCtx<'_>, idx: usize) -> Result<Vec<i64>, ProveError>;

    /// Proves the node: from the claim on its output (linear ops) or from its committed columns.
    ///
    /// # Errors
    /// If the proving key's plan does not fit its graph.
    fn prove(
        &self,
        cx: &mut ProverCtx<'_>,
        idx: usize,
        claim: Option<&Claim>,
    ) -> Result<(), ProveError>;

    /// Whether the op's prover and verifier take a masked claim on their output (its masks
    /// become their masked sumcheck's incoming masks) and report the evaluations of private
    /// operands masked (issue 13, Libra's `Z·R`, docs/ZK-sumcheck.md §5). An op that does not
    /// is given its claim unmasked (a masked reduction with the value in the clear), so the
    /// evaluations it reveals are not hidden yet.
    fn masked_claims(&self, _plan: &Plan, _node: &Node) -> bool {
        false
    }

    /// Checks the node's part of the proof, leaving claims on its inputs, weights and columns.
    ///
    /// # Errors
    /// The first failed check, or a message of the wrong shape.
    fn verify(
        &self,
        cx: &mut VerifierCtx<'_>,
        idx: usize,
        claim: Option<&Claim>,
    ) -> Result<(), VerifyError>;

    /// The columns that lookup `lu` of node `idx` reads, one per table column: for the ops
    /// whose lookups read their own values (rescale, element-wise tables, max-pool); the
    /// op-independent lookups (a committed input, a column read as it is) are
    /// [`crate::lookups`]'s.
    ///
    /// # Errors
    /// If the node has no such lookup or its plan does not fit the witness.
    fn lookup_columns(
        &self,
        graph: &ProofGraph,
        _plan: &Plan,
        _wit: &Witness,
        idx: usize,
        _lu: LookupWitness,
    ) -> Result<Vec<Vec<F>>, ProveError> {
        Err(util::key_mismatch(&node_p(graph, idx)?.name, NO_LOOKUP))
    }

    /// Hands on the claims the lookup argument left on [`OpProof::lookup_columns`] (one
    /// (possibly masked) claim per column), sending what the verifier needs to split them (prover).
    ///
    /// # Errors
    /// If the node has no such lookup or its plan does not fit the witness.
    fn lookup_claims_p(
        &self,
        cx: &mut ProverCtx<'_>,
        idx: usize,
        _lu: LookupWitness,
        _claims: &[Claim],
    ) -> Result<(), ProveError> {
        Err(util::key_mismatch(&node_p(cx.graph, idx)?.name, NO_LOOKUP))
    }

    /// The verifier's twin of [`OpProof::lookup_claims_p`]: checks what the prover sent and
    /// hands the claims on.
    ///
    /// # Errors
    /// If the node has no such lookup, or a check fails.
    fn lookup_claims_v(
        &self,
        _cx: &mut VerifierCtx<'_>,
        _idx: usize,
        _lu: LookupWitness,
        _claims: &[Claim],
        at: &str,
    ) -> Result<(), VerifyError> {
        Err(VerifyError::plan_mismatch(at, NO_LOOKUP))
    }
}

/// The node at `idx` of the prover's graph.
///
/// # Errors
/// If there is none.
pub(crate) fn node_p(graph: &ProofGraph, idx: usize) -> Result<&Node, ProveError> {
    graph
        .nodes
        .get(idx)
        .ok_or_else(|| util::key_mismatch("?", "node index"))
}

/// The node at `idx` of the verifier's plan.
///
/// # Errors
/// If there is none.
pub(crate) fn node_v(plan: &Plan, idx: usize) -> Result<&Node, VerifyError> {
    plan.graph
        .nodes
        .get(idx)
        .ok_or_else(|| util::vk_mismatch("?"))
}

/// The plan of node `idx` (prover side).
///
/// # Errors
/// If there is none.
pub(crate) fn plan_p<'p>(plan: &'p Plan, idx: usize, at: &str) -> Result<&'p NodePlan, ProveError> {
    util::get(&plan.nodes, idx, at, "node plan")
}

/// The plan of node `idx` (verifier side).
///
/// # Errors
/// If there is none.
pub(crate) fn plan_v<'p>(
    plan: &'p Plan,
    idx: usize,
    at: &str,
) -> Result<&'p NodePlan, VerifyError> {
    plan.nodes.get(idx).ok_or_else(|| util::vk_mismatch(at))
}

/// The claim a linear op needs (prover side).
///
/// # Errors
/// If there is none (a driver bug).
pub(crate) fn claim_p<'c>(claim: Option<&'c Claim>, at: &str) -> Result<&'c Claim, ProveError> {
    claim.ok_or_else(|| util::key_mismatch(at, "a linear op proved without a claim"))
}

/// The claim a linear op needs (verifier side).
///
/// # Errors
/// If there is none.
pub(crate) fn claim_v<'c>(claim: Option<&'c Claim>, at: &str) -> Result<&'c Claim, VerifyError> {
    claim.ok_or_else(|| VerifyError::at(at, "a linear op checked without a claim"))
}

/// `Ok` when a node that takes no claim (the input, an alias) was given none (prover side).
///
/// # Errors
/// [`ProveError::KeyMismatch`] at `at` naming `what` if there is one (a driver bug).
pub(crate) fn no_claim_p(claim: Option<&Claim>, at: &str, what: &str) -> Result<(), ProveError> {
    claim.map_or(Ok(()), |_| Err(util::key_mismatch(at, what)))
}

/// `Ok` when a node that takes no claim (the input, an alias) was given none (verifier side).
///
/// # Errors
/// [`VerifyError::Rejected`] at `at` naming `what` if there is one.
pub(crate) fn no_claim_v(claim: Option<&Claim>, at: &str, what: &str) -> Result<(), VerifyError> {
    claim.map_or(Ok(()), |_| Err(VerifyError::at(at, what)))
}

/// Claim `k` of a lookup's claims (prover side).
///
/// # Errors
/// If there is none (a plan whose lookup has fewer columns).
pub(crate) fn lookup_claim_p(claims: &[Claim], k: usize, at: &str) -> Result<Claim, ProveError> {
    claims
        .get(k)
        .cloned()
        .ok_or_else(|| util::key_mismatch(at, "a lookup with fewer claims than columns"))
}

/// Claim `k` of a lookup's claims (verifier side).
///
/// # Errors
/// If there is none.
pub(crate) fn lookup_claim_v(claims: &[Claim], k: usize, at: &str) -> Result<Claim, VerifyError> {
    claims
        .get(k)
        .cloned()
        .ok_or_else(|| VerifyError::plan_mismatch(at, "a lookup with fewer claims than columns"))
}
