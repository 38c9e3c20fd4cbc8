//! Reshape: same storage, new logical shape. Free: the output aliases its input's storage, so
//! claims on it are claims on the input (routed by [`crate::claims::Claims::route`]).
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

use super::api::{OpProof, ProverCtx, VerifierCtx, no_claim_p, no_claim_v, node_p};
use super::util::input;
use crate::claims::Claim;
use crate::context::WitnessCtx;
use crate::error::{CompileError, ProveError, VerifyError};
use crate::ir::Node;
use crate::layout::{Layout, same_storage};
use crate::plan::{NodePlan, Source};
use crate::planner::Planner;

/// [`crate::ir::Op::Reshape`].
#[derive(Debug)]
pub struct Reshape;

impl OpProof for Reshape {
    fn plan(
        &self,
        p: &mut Planner<'_>,
        _idx: usize,
        node: &Node,
    ) -> Result<NodePlan, CompileError> {
        let out_shape = p.out_shape(node)?;
        let x = p.layout(node, 0)?;
        if x.logical_len() != out_shape.iter().product::<usize>() {
            return Err(Planner::err(node, "reshape changes the number of elements"));
        }
        let of = node.inputs.first().copied().unwrap_or_default();
        let root = match p.source(of) {
            Some(Source::Alias { of }) => of,
            _ => of,
        };
        // Same storage either way; when every logical element keeps its stored position under
        // the natural layout of the new shape, take that layout (so ops that need their input's
        // natural layout, like a transpose to attention heads, apply).
        let natural = Layout::natural(&out_shape);
        let layout = if same_storage(&x, &natural) {
            natural
        } else {
            x
        };
        p.set_out(node, layout, Source::Alias { of: root })?;
        Ok(NodePlan::Plain)
    }

    fn witness(&self, cx: &mut WitnessCtx<'_>, idx: usize) -> Result<Vec<i64>, ProveError> {
        let node = node_p(cx.graph, idx)?;
        Ok(cx.tensor(input(node, 0)?, &node.name)?.0.to_vec())
    }

    fn prove(
        &self,
        _: &mut ProverCtx<'_>,
        _: usize,
        claim: Option<&Claim>,
    ) -> Result<(), ProveError> {
        no_claim_p(claim, "reshape", "a claim routed to an alias")
    }

    fn verify(
        &self,
        _: &mut VerifierCtx<'_>,
        _: usize,
        claim: Option<&Claim>,
    ) -> Result<(), VerifyError> {
        no_claim_v(claim, "reshape", "a claim routed to an alias")
    }
}
