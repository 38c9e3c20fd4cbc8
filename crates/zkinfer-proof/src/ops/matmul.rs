//! Matmul with constant weights, `y = x·W + b`: x `[.., K]` (any layout whose trailing axes
//! multiply to K), W `[K, N]`, b `[N]`.
//!
//! Proof: `ỹ(r_M, r_N) − b̃(r_N) = Σ_s x̃(r_M, s) · W̃(s, r_N)`, one product-of-two sumcheck over
//! the stored K positions; the claims `x̃(r_M, ρ)` and `W̃(ρ, r_N)` (and `b̃(r_N)`) flow back.
//! The weight column is laid out in the stored order of x's trailing axes (a flatten's padding
//! included), with zero rows at padded positions, so padded `x` entries never contribute.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

use zkinfer_field::{EF, PrimeCharacteristicRing, from_signed};
use zkinfer_poly::eq_table;
use zkinfer_sumcheck::Column;

use super::api::{
    OpProof, ProverCtx, VerifierCtx, claim_p, claim_v, node_p, node_v, plan_p, plan_v,
};
use super::util::{
    cat, get, input, input_v, key_mismatch, layout, layout_v, matmul_rows, mle, negated,
    private_columns, prod2, rows_dot,
};
use crate::claims::Claim;
use crate::context::WitnessCtx;
use crate::error::{CompileError, ProveError, VerifyError};
use crate::ir::{Const, Node, Op, ProofGraph};
use crate::layout::Layout;
use crate::plan::{NodePlan, Plan, Source, weights_private};
use crate::planner::Planner;

/// [`crate::ir::Op::MatMulConst`].
#[derive(Debug)]
pub struct MatMulConst;

/// Lays `W [K, N]` out as `[stored K positions of the input's trailing axes, Np]`; `None` if
/// the weight does not have `K·N` values.
#[must_use]
pub fn weight_column(w: &Const, kl: &Layout) -> Option<Vec<i64>> {
    let [k, n] = w.shape[..] else { return None };
    if w.values.len() != k * n {
        return None;
    }
    let np = n.next_power_of_two();
    let mut out = vec![0i64; kl.size() * np];
    for (row, s) in w
        .values
        .chunks_exact(n.max(1))
        .zip(kl.logical_to_stored())
        .take(k)
    {
        out.get_mut(s * np..s * np + n)?.copy_from_slice(row);
    }
    Some(out)
}

/// The op's constants, weight and bias.
fn parts(node: &Node) -> Option<(&Const, Option<&Const>)> {
    match &node.op {
        Op::MatMulConst { weight, bias } => Some((weight, bias.as_ref())),
        _ => None,
    }
}

/// `(x, weight column, bias column, split)` of a planned node.
fn planned(plan: &NodePlan) -> Option<(usize, Option<usize>, usize)> {
    match plan {
        NodePlan::Weighted {
            weight,
            bias,
            split,
        } => Some((*weight, *bias, *split)),
        _ => None,
    }
}

impl OpProof for MatMulConst {
    fn plan(
        &self,
        p: &mut Planner<'_>,
        _idx: usize,
        node: &Node,
    ) -> Result<NodePlan, CompileError> {
        let (weight, bias) = parts(node).ok_or_else(|| Planner::err(node, "not a matmul"))?;
        Planner::check_const(node, "weight", weight)?;
        if let Some(b) = bias {
            Planner::check_const(node, "bias", b)?;
        }
        let out_shape = p.out_shape(node)?;
        let x = p.layout(node, 0)?;
        let [k, n] = weight.shape[..] else {
            return Err(Planner::err(node, "weight is not 2-D"));
        };
        if bias.is_some_and(|b| b.shape != [n]) {
            return Err(Planner::err(node, format!("bias is not [{n}]")));
        }
        let split = x.split_suffix(k).ok_or_else(|| {
            Planner::err(
                node,
                format!(
                    "input shape {:?} has no trailing axes of size {k}",
                    x.logical
                ),
            )
        })?;
        let kl = x.sub(split..x.logical.len());
        let mut out = x.sub(0..split);
        out.logical.push(n);
        out.padded.push(n.next_power_of_two());
        if out.logical_len() != out_shape.iter().product::<usize>() {
            return Err(Planner::err(node, "output shape does not match x·W"));
        }
        let np = n.next_power_of_two();
        // The column: the input's contraction axes (as stored), then `N` padded.
        let mut wl = kl.clone();
        wl.logical.push(n);
        wl.padded.push(np);
        let wcol = p.weight_laid(format!("{}.weight", node.name), &wl);
        let bcol =
            bias.map(|_| p.weight(format!("{}.bias", node.name), np.trailing_zeros() as usize));
        p.cost.sumcheck = kl.size() + out.size();
        p.cost.macs = out.logical_len() * k;
        p.set_out(node, out, Source::Derived)?;
        Ok(NodePlan::Weighted {
            weight: wcol,
            bias: bcol,
            split,
        })
    }

    fn weights(
        &self,
        plan: &Plan,
        graph: &ProofGraph,
        idx: usize,
        cols: &mut [Vec<i64>],
    ) -> Result<(), ProveError> {
        let node = node_p(graph, idx)?;
        let at = node.name.as_str();
        let (w, b) = parts(node).ok_or_else(|| key_mismatch(at, "op"))?;
        let (wc, bc, split) =
            planned(plan_p(plan, idx, at)?).ok_or_else(|| key_mismatch(at, "plan"))?;
        let x = layout(plan, input(node, 0)?, at)?;
        let kl = x.sub(split.min(x.logical.len())..x.logical.len());
        *cols
            .get_mut(wc)
            .ok_or_else(|| key_mismatch(at, "weight column"))? =
            weight_column(w, &kl).ok_or_else(|| key_mismatch(at, "weight shape"))?;
        if let (Some(bc), Some(b)) = (bc, b) {
            *cols
                .get_mut(bc)
                .ok_or_else(|| key_mismatch(at, "bias column"))? =
                Layout::natural(&b.shape).scatter(&b.values);
        }
        Ok(())
    }

    /// Every stored output row (padded rows of x included) is `x_row · W + b`: logical rows are
    /// the trace (their padded columns hold 0: W's and b's padded columns are 0), padded rows are
    /// computed by the model's matmul kernel ([`matmul_rows`]).
    fn witness(&self, cx: &mut WitnessCtx<'_>, idx: usize) -> Result<Vec<i64>, ProveError> {
        let node = node_p(cx.graph, idx)?;
        let at = node.name.as_str();
        let (wc, bc, _) =
            planned(plan_p(cx.plan, idx, at)?).ok_or_else(|| key_mismatch(at, "plan"))?;
        let w = get(cx.weights, wc, at, "weight column")?;
        let b = bc
            .map(|c| get(cx.weights, c, at, "bias column").map(Vec::as_slice))
            .transpose()?;
        let out_l = layout(cx.plan, node.output, at)?;
        let np = out_l.padded.last().copied().unwrap_or(1).max(1);
        let (xv, _) = cx.tensor(input(node, 0)?, at)?;
        let ks = w.len() / np;
        let rows = xv.len() / ks.max(1);
        if ks == 0 || w.len() != ks * np || xv.len() != rows * ks || out_l.size() != rows * np {
            return Err(key_mismatch(at, "weight column size"));
        }
        // The stored rows that hold a logical row of the output; the others are padding.
        let mut slot: Vec<Option<usize>> = vec![Some(0); rows];
        for r in out_l
            .sub(0..out_l.padded.len().saturating_sub(1))
            .logical_to_stored()
        {
            if let Some(s) = slot.get_mut(r) {
                *s = None;
            }
        }
        let mut xp = Vec::new();
        for (r, s) in slot.iter_mut().enumerate() {
            if s.is_some() {
                *s = Some(xp.len() / ks);
                xp.extend_from_slice(xv.get(r * ks..(r + 1) * ks).unwrap_or_default());
            }
        }
        let yp = matmul_rows(at, &xp, ks, w, np, b)?;
        cx.stored(node.output, at, |z| match slot.get(z / np) {
            Some(Some(p)) => yp
                .get(p * np + z % np)
                .copied()
                .ok_or_else(|| key_mismatch(at, "padded rows")),
            _ => Ok(0),
        })
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
        let (wc, bc, split) =
            planned(plan_p(cx.plan, idx, at)?).ok_or_else(|| key_mismatch(at, "plan"))?;
        let x = input(node, 0)?;
        let xl = layout(cx.plan, x, at)?;
        let nm = xl.sub(0..split.min(xl.logical.len())).num_vars();
        let ks = xl.sub(split.min(xl.logical.len())..xl.logical.len()).size();
        let (r_m, r_n) = claim.point.split_at(nm.min(claim.point.len()));
        let wpriv = weights_private(cx.plan);
        // The claim's masks (and a masked bias's, subtracted) come in to the sumcheck.
        let mut incoming = claim.masks.clone();
        if let Some(bc) = bc {
            let b = mle(cx.weight(bc, at)?, r_n);
            let bclaim = cx.send_value(r_n, b, wpriv);
            incoming.extend(negated(&bclaim.masks));
            cx.claims.weight_claim(bc, bclaim);
        }
        let eqm = eq_table(r_m);
        let eqn = eq_table(r_n);
        let np = eqn.len();
        let xs = cx.wit.tensor(x, at)?;
        let w = cx.weight(wc, at)?;
        if xs.len() != eqm.len() * ks || w.len() != ks * np {
            return Err(key_mismatch(at, "operand sizes"));
        }
        let mut xr = vec![EF::ZERO; ks];
        for (&em, xrow) in eqm.iter().zip(xs.chunks_exact(ks)) {
            for (acc, &v) in xr.iter_mut().zip(xrow) {
                *acc += em * from_signed(v);
            }
        }
        let wr = rows_dot(w, np, &eqn);
        let private = private_columns(&[cx.is_private(x), wpriv]);
        let out = cx.ch.prove_sumcheck_zr(
            vec![Column::Ext(xr), Column::Ext(wr)],
            &prod2(),
            None,
            &private,
            &incoming,
        );
        cx.ch.send(out.evals.clone());
        let [xc, wcl] = <[Claim; 2]>::try_from(out.claims)
            .map_err(|_| key_mismatch(at, "sumcheck evaluations"))?;
        cx.pass(x, xc.with_point(cat(r_m, &out.point)), at)?;
        cx.claims
            .weight_claim(wc, wcl.with_point(cat(&out.point, r_n)));
        Ok(())
    }

    fn masked_claims(&self, _: &Plan, _: &Node) -> bool {
        true
    }

    #[cfg_attr(not(test), deny(clippy::indexing_slicing))]
    fn verify(
        &self,
        cx: &mut VerifierCtx<'_>,
        idx: usize,
        claim: Option<&Claim>,
    ) -> Result<(), VerifyError> {
        let node = node_v(cx.plan, idx)?;
        let at = node.name.as_str();
        let claim = claim_v(claim, at)?;
        let bad = || super::util::vk_mismatch(at);
        let (wc, bc, split) = planned(plan_v(cx.plan, idx, at)?).ok_or_else(bad)?;
        let (w, _) = parts(node).ok_or_else(bad)?;
        let n = *w.shape.get(1).ok_or_else(bad)?;
        let x = input_v(node, 0)?;
        let xl = layout_v(cx.plan, x, at)?;
        if split > xl.logical.len() {
            return Err(bad());
        }
        let nm = xl.sub(0..split).num_vars();
        let nk = xl.sub(split..xl.logical.len()).num_vars();
        let nn = n.next_power_of_two().trailing_zeros() as usize;
        if claim.point.len() != nm + nn {
            return Err(VerifyError::at(at, "claim point of the wrong length"));
        }
        let (r_m, r_n) = claim.point.split_at(nm);
        let wpriv = weights_private(cx.plan);
        let mut target = claim.value;
        let mut incoming = claim.masks.clone();
        if let Some(bc) = bc {
            let bclaim = cx.recv_value(r_n, wpriv, at)?;
            target -= bclaim.value;
            incoming.extend(negated(&bclaim.masks));
            cx.claims.weight_claim(bc, bclaim);
        }
        let private = private_columns(&[cx.is_private(x), wpriv]);
        let sub = cx
            .rd
            .verify_sumcheck_zr(nk, &prod2(), None, &private, &incoming, target, at)?;
        let ev = cx.rd.recv(2, at)?;
        let [xc, wcl] = <[Claim; 2]>::try_from(sub.check(&prod2(), None, &ev, at)?)
            .map_err(|_| VerifyError::at(at, "sumcheck evaluations"))?;
        let point = sub.point().to_vec();
        cx.pass(x, xc.with_point(cat(r_m, &point)), at)?;
        cx.claims.weight_claim(wc, wcl.with_point(cat(&point, r_n)));
        Ok(())
    }
}
