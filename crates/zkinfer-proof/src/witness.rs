//! The witness: every tensor in its padded layout, and the committed columns.
//!
//! Values at logical positions are the integer interpreter's trace (`zkinfer-model`, the one
//! integer semantics; [`crate::trace`] runs it on a proof graph). Each op's module lays its
//! output's trace out and computes only what the trace does not have
//! ([`crate::ops::OpProof::witness`]): its padded positions, by the formulas that op's proof
//! uses (biases broadcast over padded rows, windows read only real positions, element-wise ops
//! apply to every stored element), so the relations hold on the whole table, and its committed
//! helper columns (quotients, remainders, gadget helpers). Layout ops (reshape, transpose, axis
//! maps, concatenation) move stored data, so their padded positions carry their input's; the
//! prover checks their logical positions against the trace ([`Witness::check_trace`]). This
//! driver knows no op.

pub use crate::context::Witness;
use crate::context::WitnessCtx;
use crate::error::ProveError;
use crate::ir::ProofGraph;
use crate::ops::rule;
use crate::plan::Plan;

/// The stored weight and bias columns of a graph, in the plan's order.
///
/// # Errors
/// If the plan does not fit the graph (a corrupted key).
pub fn weight_columns(graph: &ProofGraph, plan: &Plan) -> Result<Vec<Vec<i64>>, ProveError> {
    let mut cols = vec![Vec::new(); plan.weight_columns.len()];
    for (idx, node) in graph.nodes.iter().enumerate() {
        rule(&node.op).weights(plan, graph, idx, &mut cols)?;
    }
    Ok(cols)
}

/// Computes the witness from the (quantized) input: the trace of `graph` by `zkinfer-model`'s
/// interpreter ([`crate::trace::run`]), laid out by [`generate_with`].
///
/// # Errors
/// [`ProveError::InputLength`] or [`ProveError::OutOfRange`] (a value outside what the model was
/// compiled for).
pub fn generate(graph: &ProofGraph, plan: &Plan, input: &[i64]) -> Result<Witness, ProveError> {
    let trace = crate::trace::run(graph, input)?;
    let weights = weight_columns(graph, plan)?;
    generate_with(graph, plan, input, &trace, &weights)
}

/// The witness of the interpreter's `trace` on `input` (every tensor's logical values, indexed
/// like the graph's tensors), with the weight columns already laid out: each op scatters its
/// output's trace into its layout and adds its padded positions and committed columns.
///
/// # Errors
/// As [`generate`]; a trace of the wrong shape, or one whose input is not `input`.
pub fn generate_with(
    graph: &ProofGraph,
    plan: &Plan,
    input: &[i64],
    trace: &[Vec<i64>],
    weights: &[Vec<i64>],
) -> Result<Witness, ProveError> {
    if trace.len() != graph.tensors.len() {
        return Err(ProveError::Backend(format!(
            "the trace has {} tensors, the graph {}: pass the trace of the model this key was made from",
            trace.len(),
            graph.tensors.len()
        )));
    }
    let mut cx = WitnessCtx {
        graph,
        plan,
        weights,
        input,
        trace,
        tensors: vec![Vec::new(); graph.tensors.len()],
        columns: vec![Vec::new(); plan.witness_columns.len()],
    };
    for (idx, node) in graph.nodes.iter().enumerate() {
        let y = rule(&node.op).witness(&mut cx, idx)?;
        *cx.tensors
            .get_mut(node.output)
            .ok_or_else(|| crate::ops::util::key_mismatch(&node.name, "output tensor"))? = y;
    }
    Ok(Witness {
        tensors: cx.tensors,
        columns: cx.columns,
    })
}
