//! The graph input: public (the verifier evaluates it) or committed (range-checked to the
//! signed activation range by a lookup). Nothing to prove at node time: claims on it go to the
//! verifier's own evaluation or to the opening.
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
use super::util::get;
use crate::claims::Claim;
use crate::context::WitnessCtx;
use crate::error::{CompileError, ProveError, VerifyError};
use crate::ir::Node;
use crate::layout::Layout;
use crate::plan::{InputVisibility, LookupWitness, NodePlan, Source, TableSpec};
use crate::planner::Planner;

/// [`crate::ir::Op::Input`].
#[derive(Debug)]
pub struct Input;

impl OpProof for Input {
    fn plan(
        &self,
        p: &mut Planner<'_>,
        _idx: usize,
        node: &Node,
    ) -> Result<NodePlan, CompileError> {
        let layout = Layout::natural(&p.out_shape(node)?);
        let source = match p.options.input {
            InputVisibility::Public => Source::PublicInput,
            InputVisibility::Private | InputVisibility::Hashed => {
                p.cost.committed = layout.size();
                p.cost.lookups = layout.size();
                let column = p.witness("input".into(), layout.num_vars());
                let bits = p.act_bits();
                p.lookup(
                    TableSpec::SignedRange { bits },
                    LookupWitness::Input,
                    layout.num_vars(),
                );
                Source::Committed { column }
            }
        };
        p.set_out(node, layout, source)?;
        Ok(NodePlan::Plain)
    }

    fn witness(&self, cx: &mut WitnessCtx<'_>, idx: usize) -> Result<Vec<i64>, ProveError> {
        let node = node_p(cx.graph, idx)?;
        let want = get(&cx.graph.tensors, node.output, &node.name, "tensor")?.len();
        if cx.input.len() != want {
            return Err(ProveError::InputLength {
                expected: want,
                got: cx.input.len(),
            });
        }
        // The trace's input must be the input proved (public inputs are bound to the transcript).
        let logical = cx.logical(node.output, &node.name)?;
        if let Some(index) = logical.iter().zip(cx.input).position(|(a, b)| a != b) {
            return Err(cx.mismatch(node.output, index));
        }
        let s = cx.stored(node.output, &node.name, |_| Ok(0))?;
        if let Some(Source::Committed { column }) = cx.plan.sources.get(node.output) {
            cx.set_column(*column, s.clone(), &node.name)?;
        }
        Ok(s)
    }

    fn prove(
        &self,
        _: &mut ProverCtx<'_>,
        _: usize,
        claim: Option<&Claim>,
    ) -> Result<(), ProveError> {
        no_claim_p(claim, "input", "a claim routed to the input node")
    }

    fn verify(
        &self,
        _: &mut VerifierCtx<'_>,
        _: usize,
        claim: Option<&Claim>,
    ) -> Result<(), VerifyError> {
        no_claim_v(claim, "input", "a claim routed to the input node")
    }
}
