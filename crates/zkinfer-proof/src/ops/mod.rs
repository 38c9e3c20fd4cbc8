//! One module per proven op, each holding its plan, witness layout, prover and verifier side by
//! side, behind the [`OpProof`] trait; [`rule`] is the one dispatch that names every op.
//!
//! - [`input`]: the graph input (public, or committed and range-checked);
//! - [`embed`]: rows of a constant table picked by the public token ids (embedding lookup);
//! - [`matmul`]: `x·W + b` with constant weights; [`conv`]: 2-D convolution;
//! - [`pool`]: sum-pool (average pooling before its multiplier) and max-pool;
//! - [`affine`]: add/sub of equal layouts, a constant added, a constant multiplied;
//! - [`product`]: ops linear in each of two activations (matmul, element-wise mul);
//!   [`broadcast`]: broadcasting between activations (add/sub, mul's broadcast column);
//! - [`reshape`], [`transpose`], [`axis_map`] (slice, sum, gather, concatenation): layout maps;
//! - [`rescale`], [`table`] (ReLU and function tables): lookups;
//! - [`gadgets`]: reduce-max, arg-max, division, integer square root.
//!
//! Shared: [`api`] (the [`OpProof`] trait, the contexts, checked node/plan/claim access: what op
//! modules import), [`util`] (field helpers, checked access), [`selector`] (window and axis-map
//! selector sumchecks). This file only declares the modules and dispatches ([`rule`]); no op
//! module imports it. Linear ops get the one claim their output's claims were reduced to; ops whose
//! output is committed get none.
//!
//! Adding an op: its [`crate::ir::Op`] variant, its module implementing [`api::OpProof`], one line in
//! [`rule`], and its lowering in [`crate::lower`].

pub mod affine;
pub mod api;
pub mod axis_map;
pub mod broadcast;
pub mod conv;
pub mod embed;
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

pub use api::{OpProof, ProverCtx, VerifierCtx};
pub use product::valid_axis_mle;
pub use util::{bits, cat, mle, to_field};

use crate::claims::Claim;
use crate::error::{ProveError, VerifyError};
use crate::ir::Op;
use api::{node_p, node_v};

/// The one dispatch over ops.
#[must_use]
pub fn rule(op: &Op) -> &'static dyn OpProof {
    match op {
        Op::Input => &input::Input,
        Op::Embedding { .. } => &embed::Embedding,
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
