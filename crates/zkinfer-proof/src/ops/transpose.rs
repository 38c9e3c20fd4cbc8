//! Transpose: axes permuted, `y.shape[i] = x.shape[perm[i]]`. Free: every axis is padded on its
//! own, so the padded layout's variables are only renamed — the claim at `r` on `y` is the claim
//! on `x` at `r`'s axis chunks put back in input order.
//! Witness rule: the stored table permuted (padding moves with its axis).
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

use zkinfer_field::EF;

use super::api::{OpProof, ProverCtx, VerifierCtx, claim_p, claim_v, node_p, node_v};
use super::util::{input, input_v, key_mismatch, vk_mismatch};
use crate::claims::Claim;
use crate::context::WitnessCtx;
use crate::error::{CompileError, ProveError, VerifyError};
use crate::ir::{Node, Op};
use crate::layout::Layout;
use crate::plan::{NodePlan, Plan, Source};
use crate::planner::Planner;

/// [`crate::ir::Op::Transpose`].
#[derive(Debug)]
pub struct Transpose;

fn perm(node: &Node) -> Option<&[usize]> {
    match &node.op {
        Op::Transpose { perm } => Some(perm),
        _ => None,
    }
}

/// Transposes a stored table with padded dims `dims`; `None` if `perm` or the size do not fit.
fn transpose(x: &[i64], dims: &[usize], perm: &[usize]) -> Option<Vec<i64>> {
    let od: Vec<usize> = perm
        .iter()
        .map(|&a| dims.get(a).copied())
        .collect::<Option<_>>()?;
    let mut istr = vec![1usize; dims.len()];
    for a in (0..dims.len().saturating_sub(1)).rev() {
        *istr.get_mut(a)? = istr.get(a + 1)? * dims.get(a + 1)?;
    }
    let n: usize = dims.iter().product();
    if x.len() != n {
        return None;
    }
    let pstr: Vec<usize> = perm
        .iter()
        .map(|&a| istr.get(a).copied())
        .collect::<Option<_>>()?;
    (0..n)
        .map(|o| {
            let (mut rem, mut src) = (o, 0usize);
            for (&d, &s) in od.iter().zip(&pstr).rev() {
                src += (rem % d) * s;
                rem /= d;
            }
            x.get(src).copied()
        })
        .collect()
}

/// The point of a transpose's input: the output point's axis chunks, put back in input order.
fn transpose_point(plan: &Plan, x: usize, perm: &[usize], r: &[EF]) -> Option<Vec<EF>> {
    let xl = plan.layouts.get(x)?;
    let nvars = xl.axis_vars();
    let out_vars: Vec<usize> = perm
        .iter()
        .map(|&a| nvars.get(a).copied())
        .collect::<Option<_>>()?;
    if r.len() != out_vars.iter().sum::<usize>() {
        return None;
    }
    let mut chunks: Vec<&[EF]> = vec![&[]; perm.len()];
    let mut off = 0;
    for (&a, &nv) in perm.iter().zip(&out_vars) {
        *chunks.get_mut(a)? = r.get(off..off + nv)?;
        off += nv;
    }
    Some(chunks.concat())
}

impl OpProof for Transpose {
    fn plan(
        &self,
        p: &mut Planner<'_>,
        _idx: usize,
        node: &Node,
    ) -> Result<NodePlan, CompileError> {
        let perm = perm(node).ok_or_else(|| Planner::err(node, "not a transpose"))?;
        let out_shape = p.out_shape(node)?;
        let x = p.layout(node, 0)?;
        if x.logical != p.shape(node, 0)? {
            return Err(Planner::err(
                node,
                "transpose of a reshaped tensor is not supported yet",
            ));
        }
        let mut sorted = perm.to_vec();
        sorted.sort_unstable();
        if sorted != (0..x.logical.len()).collect::<Vec<_>>() {
            return Err(Planner::err(
                node,
                format!("{perm:?} is not a permutation of the axes"),
            ));
        }
        let pick = |v: &[usize]| -> Vec<usize> {
            perm.iter().filter_map(|&a| v.get(a).copied()).collect()
        };
        let out = Layout {
            logical: pick(&x.logical),
            padded: pick(&x.padded),
        };
        if out.logical != out_shape {
            return Err(Planner::err(
                node,
                "output shape does not match the permutation",
            ));
        }
        p.set_out(node, out, Source::Derived)?;
        Ok(NodePlan::Plain)
    }

    fn witness(&self, cx: &mut WitnessCtx<'_>, idx: usize) -> Result<Vec<i64>, ProveError> {
        let node = node_p(cx.graph, idx)?;
        let at = node.name.as_str();
        let perm = perm(node).ok_or_else(|| key_mismatch(at, "op"))?;
        let (xv, xl) = cx.tensor(input(node, 0)?, at)?;
        transpose(xv, &xl.padded, perm).ok_or_else(|| key_mismatch(at, "permutation"))
    }

    fn prove(
        &self,
        cx: &mut ProverCtx<'_>,
        idx: usize,
        claim: Option<&Claim>,
    ) -> Result<(), ProveError> {
        let node = node_p(cx.graph, idx)?;
        let at = node.name.as_str();
        let claim = claim_p(claim, at)?;
        let perm = perm(node).ok_or_else(|| key_mismatch(at, "op"))?;
        let x = input(node, 0)?;
        let point = transpose_point(cx.plan, x, perm, &claim.point)
            .ok_or_else(|| key_mismatch(at, "claim point"))?;
        cx.pass(x, claim.clone().with_point(point), at)
    }

    /// A permutation of the point: the masks pass unchanged.
    fn masked_claims(&self, _: &Plan, _: &Node) -> bool {
        true
    }

    fn verify(
        &self,
        cx: &mut VerifierCtx<'_>,
        idx: usize,
        claim: Option<&Claim>,
    ) -> Result<(), VerifyError> {
        let node = node_v(cx.plan, idx)?;
        let at = node.name.as_str();
        let claim = claim_v(claim, at)?;
        let perm = perm(node).ok_or_else(|| vk_mismatch(at))?;
        let x = input_v(node, 0)?;
        let point =
            transpose_point(cx.plan, x, perm, &claim.point).ok_or_else(|| vk_mismatch(at))?;
        cx.pass(x, claim.clone().with_point(point), at)
    }
}
