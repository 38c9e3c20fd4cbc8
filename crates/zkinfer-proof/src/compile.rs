//! Compile: a [`ProofGraph`] becomes a [`Plan`]. The driver walks the nodes in order and lets
//! each op's module plan its node ([`crate::ops::OpProof::plan`]); it knows no op.

use crate::error::CompileError;
use crate::ir::ProofGraph;
use crate::layout::Layout;
use crate::ops::rule;
use crate::plan::{CompileOptions, NodeCost, Plan, TableSpec, WeightsVisibility};
use crate::planner::Planner;

/// Compiles `graph`.
///
/// # Errors
/// A [`CompileError`] naming the node whose shape or op has no prover, or the limit exceeded.
pub fn compile(graph: &ProofGraph, options: CompileOptions) -> Result<Plan, CompileError> {
    compile_inner(graph, options, true)
}

/// [`compile`] whose plan holds an empty graph (no copy of the weights), for a caller that
/// replaces it (a proving key's check, [`crate::keys`]).
pub(crate) fn compile_without_graph(
    graph: &ProofGraph,
    options: CompileOptions,
) -> Result<Plan, CompileError> {
    compile_inner(graph, options, false)
}

fn compile_inner(
    graph: &ProofGraph,
    options: CompileOptions,
    keep_graph: bool,
) -> Result<Plan, CompileError> {
    let mut p = Planner::new(graph, options);
    for (idx, node) in graph.nodes.iter().enumerate() {
        p.cost = NodeCost {
            name: node.name.clone(),
            op: node.op.kind().to_string(),
            ..NodeCost::default()
        };
        let plan = rule(&node.op).plan(&mut p, idx, node)?;
        p.nodes.push(plan);
        let cost = std::mem::take(&mut p.cost);
        p.costs.push(cost);
    }
    finish(p, keep_graph)
}

fn finish(mut p: Planner<'_>, keep_graph: bool) -> Result<Plan, CompileError> {
    let g = p.g;
    let layouts: Vec<Layout> = p
        .layouts
        .iter()
        .enumerate()
        .map(|(i, l)| {
            l.clone().ok_or_else(|| {
                CompileError::Graph(format!(
                    "tensor {} is never produced",
                    g.tensors.get(i).map_or("?", |t| t.name.as_str())
                ))
            })
        })
        .collect::<Result<_, _>>()?;
    let mut multiplicity_columns = Vec::new();
    for (i, t) in p.tables.clone().iter().enumerate() {
        let nv = match t {
            TableSpec::Range { bits }
            | TableSpec::SignedRange { bits }
            | TableSpec::Function { bits, .. } => *bits as usize,
        };
        multiplicity_columns.push(p.witness(format!("multiplicities.{i}"), nv));
    }
    let public = p.options.weights == WeightsVisibility::Public;
    let mut plan = Plan {
        graph: if keep_graph {
            g.clone()
        } else {
            ProofGraph {
                tensors: Vec::new(),
                nodes: Vec::new(),
                input: g.input,
                output: g.output,
                act_bits: g.act_bits,
            }
        },
        options: p.options,
        layouts,
        sources: p.sources,
        nodes: p.nodes,
        witness_columns: p.witness_columns,
        weight_columns: p.weight_columns,
        weight_aliases: Vec::new(),
        tables: p.tables,
        multiplicity_columns,
        lookups: p.lookups,
        cost: crate::plan::Cost::default(),
    };
    // Tied weights are committed once, so only private weights look for them.
    if !public {
        plan.weight_aliases = crate::weights::tied(&plan, g);
    }
    plan.cost = crate::cost::total(
        p.costs,
        &plan.witness_columns,
        &crate::weights::WeightShapes::of(&plan),
        public,
    );
    if !plan.options.output.is_public() && plan.committed_column(g.output).is_none() {
        return Err(CompileError::Graph(format!(
            "a private or hashed output must be a committed tensor, and this model's output \
             (of node '{}') is computed by a linear layer that commits nothing; end the model \
             with a requantization or activation, or make the output public",
            g.nodes.last().map_or("?", |n| n.name.as_str())
        )));
    }
    Ok(plan)
}
