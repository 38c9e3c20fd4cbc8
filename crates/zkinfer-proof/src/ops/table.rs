//! Element-wise tables: ReLU and function tables `y = outputs[x + 2^(A−1)]` over the signed
//! activation range. The output is committed; one lookup of the pair `(x, y)` into the function
//! table proves every element (its claims are routed by [`crate::lookups`]), so nothing is left
//! to prove at node time.
//! Witness rule: every stored element (padding included) is looked up: the logical outputs are
//! the trace, each padded element is looked up here.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

use zkinfer_field::F;

use super::api::{
    OpProof, ProverCtx, VerifierCtx, lookup_claim_p, lookup_claim_v, node_p, node_v, plan_p, plan_v,
};
use super::util::{act_range, checked, input, input_v, key_mismatch, to_field, vk_mismatch};
use crate::claims::Claim;
use crate::context::{Witness, WitnessCtx};
use crate::error::{CompileError, ProveError, VerifyError};
use crate::ir::{Node, Op, ProofGraph, TableGen};
use crate::plan::{LookupWitness, NodePlan, Plan, Source, TableSpec, table_digest};
use crate::planner::Planner;

/// [`crate::ir::Op::Relu`] and [`crate::ir::Op::Table`].
#[derive(Debug)]
pub struct Elementwise;

impl OpProof for Elementwise {
    fn plan(&self, p: &mut Planner<'_>, idx: usize, node: &Node) -> Result<NodePlan, CompileError> {
        let a = p.act_bits();
        let x = p.layout(node, 0)?;
        let nv = x.num_vars();
        let (name, outputs, generator) = match &node.op {
            Op::Table {
                name,
                outputs,
                generator,
            } => (name.clone(), outputs.clone(), generator.clone()),
            _ => (
                "relu".to_string(),
                TableGen::Relu.generate(a).unwrap_or_default(),
                TableGen::Relu,
            ),
        };
        if outputs.len() != 1usize << a {
            return Err(Planner::err(
                node,
                format!("table has {} entries, expected 2^{a}", outputs.len()),
            ));
        }
        let spec = TableSpec::Function {
            name,
            bits: a,
            digest: table_digest(&outputs),
            outputs,
            generator,
        };
        let out = p.witness(format!("{}.out", node.name), nv);
        let table = p.lookup(spec, LookupWitness::Elementwise { node: idx }, nv);
        p.cost.committed = x.size();
        p.cost.lookups = x.size();
        p.set_out(node, x, Source::Committed { column: out })?;
        Ok(NodePlan::Elementwise { out, table })
    }

    fn witness(&self, cx: &mut WitnessCtx<'_>, idx: usize) -> Result<Vec<i64>, ProveError> {
        let node = node_p(cx.graph, idx)?;
        let at = node.name.as_str();
        let NodePlan::Elementwise { out, .. } = *plan_p(cx.plan, idx, at)? else {
            return Err(key_mismatch(at, "plan"));
        };
        let (lo, hi) = act_range(cx.graph.act_bits);
        let (xv, _) = cx.tensor(input(node, 0)?, at)?;
        // Logical outputs from the trace; padded elements looked up in the table.
        let y = cx.stored(node.output, at, |z| {
            let v = xv.get(z).ok_or_else(|| key_mismatch(at, "input size"))?;
            let v = checked(at, i128::from(*v), lo, hi)?;
            match &node.op {
                Op::Table { outputs, .. } => usize::try_from(i128::from(v) - lo)
                    .ok()
                    .and_then(|i| outputs.get(i).copied())
                    .ok_or_else(|| key_mismatch(at, "table size")),
                _ => Ok(v.max(0)),
            }
        })?;
        cx.set_column(out, y.clone(), at)?;
        Ok(y)
    }

    fn prove(&self, _: &mut ProverCtx<'_>, _: usize, _: Option<&Claim>) -> Result<(), ProveError> {
        Ok(())
    }

    fn verify(
        &self,
        _: &mut VerifierCtx<'_>,
        _: usize,
        _: Option<&Claim>,
    ) -> Result<(), VerifyError> {
        Ok(())
    }

    /// The pair `(x, y)`: the input tensor and the committed output column.
    fn lookup_columns(
        &self,
        graph: &ProofGraph,
        plan: &Plan,
        wit: &Witness,
        idx: usize,
        lu: LookupWitness,
    ) -> Result<Vec<Vec<F>>, ProveError> {
        let node = node_p(graph, idx)?;
        let at = node.name.as_str();
        let out =
            lookup_column(plan_p(plan, idx, at)?, lu).ok_or_else(|| key_mismatch(at, "lookup"))?;
        Ok(vec![
            to_field(wit.tensor(input(node, 0)?, at)?),
            to_field(wit.column(out, at)?),
        ])
    }

    /// The claim on `x` goes to the input tensor, the one on `y` to the output column.
    fn lookup_claims_p(
        &self,
        cx: &mut ProverCtx<'_>,
        idx: usize,
        lu: LookupWitness,
        claims: &[Claim],
    ) -> Result<(), ProveError> {
        let node = node_p(cx.graph, idx)?;
        let at = node.name.as_str();
        let out = lookup_column(plan_p(cx.plan, idx, at)?, lu)
            .ok_or_else(|| key_mismatch(at, "lookup"))?;
        let (x, y) = (
            lookup_claim_p(claims, 0, at)?,
            lookup_claim_p(claims, 1, at)?,
        );
        cx.pass(input(node, 0)?, x, at)?;
        cx.claims.witness_claim(out, y);
        Ok(())
    }

    fn lookup_claims_v(
        &self,
        cx: &mut VerifierCtx<'_>,
        idx: usize,
        lu: LookupWitness,
        claims: &[Claim],
        at: &str,
    ) -> Result<(), VerifyError> {
        let node = node_v(cx.plan, idx)?;
        let out = lookup_column(plan_v(cx.plan, idx, at)?, lu).ok_or_else(|| vk_mismatch(at))?;
        let (x, y) = (
            lookup_claim_v(claims, 0, at)?,
            lookup_claim_v(claims, 1, at)?,
        );
        cx.pass(input_v(node, 0)?, x, at)?;
        cx.claims.witness_claim(out, y);
        Ok(())
    }
}

/// The output column of an element-wise node whose lookup is `lu`.
fn lookup_column(plan: &NodePlan, lu: LookupWitness) -> Option<usize> {
    match (plan, lu) {
        (NodePlan::Elementwise { out, .. }, LookupWitness::Elementwise { .. }) => Some(*out),
        _ => None,
    }
}
