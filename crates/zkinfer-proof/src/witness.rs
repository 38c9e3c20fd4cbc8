//! The witness: every tensor in its padded layout, and the committed columns.
//!
//! Values at logical positions are those of the integer interpreter (`zkinfer-model`); the prover
//! checks that with [`Witness::check_trace`]. Each op's module computes its stored output and
//! its committed columns ([`crate::ops::OpProof::witness`]): the padded positions follow the
//! formulas that op's proof uses (biases broadcast over padded rows, windows read only real
//! positions, element-wise ops apply to every stored element), so the relations hold on the
//! whole table. This driver knows no op.

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

/// Computes the witness from the (quantized) input.
///
/// # Errors
/// [`ProveError::InputLength`] or [`ProveError::OutOfRange`] (a value outside what the model was
/// compiled for).
pub fn generate(graph: &ProofGraph, plan: &Plan, input: &[i64]) -> Result<Witness, ProveError> {
    let weights = weight_columns(graph, plan)?;
    generate_with(graph, plan, input, &weights)
}

/// [`generate`] with the weight columns already laid out.
///
/// # Errors
/// As [`generate`].
pub fn generate_with(
    graph: &ProofGraph,
    plan: &Plan,
    input: &[i64],
    weights: &[Vec<i64>],
) -> Result<Witness, ProveError> {
    let mut cx = WitnessCtx {
        graph,
        plan,
        weights,
        input,
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
