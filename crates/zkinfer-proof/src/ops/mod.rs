//! One module per proven op, each holding its plan, witness layout, prover and verifier side by
//! side, behind the [`OpProof`] trait; [`rule`] is the one dispatch that names every op.
//!
//! - [`input`]: the graph input (public, or committed and range-checked);
//! - [`matmul`]: `x·W + b` with constant weights; [`conv`]: 2-D convolution;
//! - [`pool`]: sum-pool (average pooling before its multiplier) and max-pool;
//! - [`affine`]: add/sub of equal layouts, a constant added, a constant multiplied;
//! - [`product`]: ops linear in each of two activations (matmul, element-wise mul);
//!   [`broadcast`]: broadcasting between activations (add/sub, mul's broadcast column);
//! - [`reshape`], [`transpose`], [`axis_map`] (slice, sum, gather, concatenation): layout maps;
//! - [`rescale`], [`table`] (ReLU and function tables): lookups;
//! - [`gadgets`]: reduce-max, arg-max, division, integer square root.
//!
//! Shared: [`util`] (field helpers, checked access), [`selector`] (window and axis-map selector
//! sumchecks). Linear ops get the one claim their output's claims were reduced to; ops whose
//! output is committed get none.
//!
//! Adding an op: its [`crate::ir::Op`] variant, its module implementing [`OpProof`], one line in
//! [`rule`], and its lowering in [`crate::lower`].

pub mod affine;
pub mod axis_map;
pub mod broadcast;
pub mod conv;
pub mod gadgets;
pub mod input;
pub mod matmul;
pub mod pool;
pub mod product;
pub mod rescale;
pub mod reshape;
pub mod selector;
pub mod table;
pub mod transpose;
pub mod util;

pub use crate::context::{ProverCtx, VerifierCtx};
pub use product::valid_axis_mle;
pub use util::{bits, cat, mle, to_field};

use crate::claims::Claim;
use crate::context::WitnessCtx;
use crate::error::{CompileError, ProveError, VerifyError};
use crate::ir::{Node, Op, ProofGraph};
use crate::plan::{NodePlan, Plan};
use crate::planner::Planner;

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
}

/// The one dispatch over ops.
#[must_use]
pub fn rule(op: &Op) -> &'static dyn OpProof {
    match op {
        Op::Input => &input::Input,
        Op::MatMulConst { .. } => &matmul::MatMulConst,
        Op::Conv2d { .. } => &conv::Conv2d,
        Op::Add | Op::Sub => &affine::AddSub,
        Op::AddConst { .. } | Op::MulConstTensor { .. } => &affine::ConstTensor,
        Op::MulConst { .. } => &affine::MulConst,
        Op::SumPool { .. } => &pool::SumPool,
        Op::MaxPool { .. } => &pool::MaxPool,
        Op::Reshape => &reshape::Reshape,
        Op::Transpose { .. } => &transpose::Transpose,
        Op::AxisMap { .. } => &axis_map::AxisMapOp,
        Op::Concat { .. } => &axis_map::Concat,
        Op::Rescale { .. } => &rescale::Rescale,
        Op::Relu | Op::Table { .. } => &table::Elementwise,
        Op::MatMul => &product::MatMul,
        Op::Mul => &product::Mul,
        Op::ReduceMax => &gadgets::reduce_max::ReduceMax,
        Op::ArgMax => &gadgets::argmax::ArgMax,
        Op::Div { .. } => &gadgets::div::Div,
        Op::Isqrt { .. } => &gadgets::isqrt::Isqrt,
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

/// Proves node `idx` (its rule from [`rule`]).
///
/// # Errors
/// As [`OpProof::prove`].
pub fn prove_node(
    cx: &mut ProverCtx<'_>,
    idx: usize,
    claim: Option<&Claim>,
) -> Result<(), ProveError> {
    let node = node_p(cx.graph, idx)?;
    rule(&node.op).prove(cx, idx, claim)
}

/// Verifies node `idx` (its rule from [`rule`]).
///
/// # Errors
/// As [`OpProof::verify`].
pub fn verify_node(
    cx: &mut VerifierCtx<'_>,
    idx: usize,
    claim: Option<&Claim>,
) -> Result<(), VerifyError> {
    let node = node_v(cx.plan, idx)?;
    rule(&node.op).verify(cx, idx, claim)
}
