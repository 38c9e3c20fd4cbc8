//! 2-D convolution, NCHW with N = 1, groups = 1: W `[CO, CI, KH, KW]`, b `[CO]`.
//!
//! Proof: with the claim at `(r_co ‖ r_oh ‖ r_ow)`,
//! `ỹ − b̃(r_co) = Σ_κ W̃(r_co, κ) · P̃(r_o, κ)` over `κ = (ci, kh, kw)`, where `P` is the patch
//! matrix; a second sumcheck moves `P̃(r_o, ρ)` to `x` through the window selector
//! ([`crate::select`]), which the verifier evaluates itself.
//! Witness rule: every stored output position of a real channel holds the bias plus the window
//! sum over real input positions only (padding taps read nothing): the trace at logical
//! positions; padded rows/columns of the output hold the bias alone, padded channels 0.
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
use super::selector::{ConvGeom, prove_selector, verify_window};
use super::util::{
    cat, input, input_v, key_mismatch, layout, mle, negated, private_columns, prod2, vk_mismatch,
};
use crate::claims::Claim;
use crate::context::WitnessCtx;
use crate::error::{CompileError, ProveError, VerifyError};
use crate::ir::{Const, Node, Op, ProofGraph, Window};
use crate::layout::{Layout, chw_of, out_hw};
use crate::plan::{NodePlan, Plan, Source, weights_private};
use crate::planner::Planner;

/// [`crate::ir::Op::Conv2d`].
#[derive(Debug)]
pub struct Conv2d;

fn parts(node: &Node) -> Option<(&Const, Option<&Const>, &Window)> {
    match &node.op {
        Op::Conv2d {
            weight,
            bias,
            window,
        } => Some((weight, bias.as_ref(), window)),
        _ => None,
    }
}

fn planned(plan: &NodePlan) -> Option<(usize, Option<usize>)> {
    match plan {
        NodePlan::Weighted { weight, bias, .. } => Some((*weight, *bias)),
        _ => None,
    }
}

/// The geometry, checked against the weight's kernel.
fn geom<'n>(plan: &Plan, node: &'n Node) -> Option<(ConvGeom, &'n Window)> {
    let (w, _, window) = parts(node)?;
    let g = ConvGeom::new(plan, node, window.kernel)?;
    (w.shape.len() == 4 && w.shape.get(2..) == Some(&[g.kh, g.kw][..])).then_some((g, window))
}

impl OpProof for Conv2d {
    fn plan(
        &self,
        p: &mut Planner<'_>,
        _idx: usize,
        node: &Node,
    ) -> Result<NodePlan, CompileError> {
        let (weight, bias, window) = parts(node).ok_or_else(|| Planner::err(node, "not a conv"))?;
        Planner::check_const(node, "weight", weight)?;
        let out_shape = p.out_shape(node)?;
        let x = p.layout(node, 0)?;
        let [co, ci, kh, kw] = weight.shape[..] else {
            return Err(Planner::err(node, "weight is not [CO, CI, KH, KW]"));
        };
        if let Some(b) = bias {
            Planner::check_const(node, "bias", b)?;
            if b.shape != [co] {
                return Err(Planner::err(node, format!("bias is not [{co}]")));
            }
        }
        let (c, h, w) =
            chw_of(&x).ok_or_else(|| Planner::err(node, "input is not [1, C, H, W]"))?;
        if c != ci || window.kernel != [kh, kw] {
            return Err(Planner::err(
                node,
                "weight shape does not match input channels/kernel (grouped convolutions are not supported yet)",
            ));
        }
        let (oh, ow) =
            out_hw(window, h, w).ok_or_else(|| Planner::err(node, "window does not fit"))?;
        let out = Layout::natural(&[1, co, oh, ow]);
        if out.logical_len() != out_shape.iter().product::<usize>() {
            return Err(Planner::err(node, "output shape mismatch"));
        }
        let wl = Layout::natural(&[co, ci, kh, kw]);
        let wcol = p.weight_laid(format!("{}.weight", node.name), &wl);
        let bcol = bias.map(|_| {
            p.weight(
                format!("{}.bias", node.name),
                Layout::natural(&[co]).num_vars(),
            )
        });
        p.cost.sumcheck = Layout::natural(&[ci, kh, kw]).size() + x.size() + out.size();
        p.cost.macs = out.logical_len() * ci * kh * kw;
        p.set_out(node, out, Source::Derived)?;
        Ok(NodePlan::Weighted {
            weight: wcol,
            bias: bcol,
            split: 0,
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
        let (w, b, _) = parts(node).ok_or_else(|| key_mismatch(at, "op"))?;
        let (wc, bc) = planned(plan_p(plan, idx, at)?).ok_or_else(|| key_mismatch(at, "plan"))?;
        *cols
            .get_mut(wc)
            .ok_or_else(|| key_mismatch(at, "weight column"))? =
            Layout::natural(&w.shape).scatter(&w.values);
        if let (Some(bc), Some(b)) = (bc, b) {
            *cols
                .get_mut(bc)
                .ok_or_else(|| key_mismatch(at, "bias column"))? =
                Layout::natural(&b.shape).scatter(&b.values);
        }
        Ok(())
    }

    #[allow(clippy::indexing_slicing)] // every index below is bounded by the checked geometry
    /// The logical outputs are the trace; each padded position of a real channel holds its bias
    /// (no tap of a padded row or column is summed), padded channels 0.
    fn witness(&self, cx: &mut WitnessCtx<'_>, idx: usize) -> Result<Vec<i64>, ProveError> {
        let node = node_p(cx.graph, idx)?;
        let at = node.name.as_str();
        let (weight, bias, _) = parts(node).ok_or_else(|| key_mismatch(at, "op"))?;
        let (g, _) = geom(cx.plan, node).ok_or_else(|| key_mismatch(at, "geometry"))?;
        let out_l = layout(cx.plan, node.output, at)?;
        let co_n = weight.shape.first().copied().unwrap_or(0);
        let plane = (1usize << g.noh) << g.now;
        if bias.is_some_and(|b| b.values.len() != co_n) || out_l.size() < co_n * plane {
            return Err(key_mismatch(at, "operand sizes"));
        }
        cx.stored(node.output, at, |z| {
            Ok(bias
                .and_then(|b| b.values.get(z / plane))
                .copied()
                .unwrap_or(0))
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
        let (wc, bc) =
            planned(plan_p(cx.plan, idx, at)?).ok_or_else(|| key_mismatch(at, "plan"))?;
        let (g, window) = geom(cx.plan, node).ok_or_else(|| key_mismatch(at, "geometry"))?;
        let x = input(node, 0)?;
        let (r_co, r_oh, r_ow) = g
            .split_out(&claim.point)
            .ok_or_else(|| key_mismatch(at, "claim point"))?;
        let wpriv = weights_private(cx.plan);
        let mut incoming = claim.masks.clone();
        if let Some(bc) = bc {
            let b = mle(cx.weight(bc, at)?, r_co);
            let bclaim = cx.send_value(r_co, b, wpriv);
            incoming.extend(negated(&bclaim.masks));
            cx.claims.weight_claim(bc, bclaim);
        }
        let eqco = eq_table(r_co);
        let ks = g.cip * g.khp * g.kwp;
        let w = cx.weight(wc, at)?;
        let xs = cx.wit.tensor(x, at)?;
        if w.len() != eqco.len() * ks || xs.len() != g.cip * g.hp * g.wp {
            return Err(key_mismatch(at, "operand sizes"));
        }
        let mut wr = vec![EF::ZERO; ks];
        for (&e, row) in eqco.iter().zip(w.chunks_exact(ks)) {
            for (acc, &v) in wr.iter_mut().zip(row) {
                *acc += e * from_signed(v);
            }
        }
        let (eqh, eqw) = (eq_table(r_oh), eq_table(r_ow));
        let mut pr = vec![EF::ZERO; ks];
        for ci in 0..g.cip {
            for kh in 0..g.kh {
                for kw in 0..g.kw {
                    let mut acc = EF::ZERO;
                    for (oh, &eh) in eqh.iter().enumerate().take(g.oh) {
                        let Some(ih) = window.source(0, oh, kh, g.h) else {
                            continue;
                        };
                        for (ow, &ew) in eqw.iter().enumerate().take(g.ow) {
                            let Some(iw) = window.source(1, ow, kw, g.w) else {
                                continue;
                            };
                            acc += eh * ew * from_signed(xs[(ci * g.hp + ih) * g.wp + iw]);
                        }
                    }
                    pr[(ci * g.khp + kh) * g.kwp + kw] = acc;
                }
            }
        }
        // The patches are private when the input is: their masked value comes in to the
        // window selector's sumcheck.
        let private = private_columns(&[wpriv, cx.is_private(x)]);
        let out = cx.ch.prove_sumcheck_zr(
            vec![Column::Ext(wr), Column::Ext(pr)],
            &prod2(),
            None,
            &private,
            &incoming,
        );
        cx.ch.send(out.evals.clone());
        let [wcl, pcl] =
            <[Claim; 2]>::try_from(out.claims).map_err(|_| key_mismatch(at, "evaluations"))?;
        cx.claims
            .weight_claim(wc, wcl.with_point(cat(r_co, &out.point)));
        let table = g
            .patch_selector(&out.point, r_oh, r_ow, window, false)
            .map_err(|e| e.at_p(at))?;
        prove_selector(cx, x, table, &pcl.masks, at)
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
        let bad = || vk_mismatch(at);
        let (wc, bc) = planned(plan_v(cx.plan, idx, at)?).ok_or_else(bad)?;
        let x = input_v(node, 0)?;
        let (g, window) = geom(cx.plan, node).ok_or_else(bad)?;
        let (r_co, r_oh, r_ow) = g
            .split_out(&claim.point)
            .ok_or_else(|| VerifyError::at(at, "claim point of the wrong length"))?;
        let wpriv = weights_private(cx.plan);
        let mut target = claim.value;
        let mut incoming = claim.masks.clone();
        if let Some(bc) = bc {
            let bclaim = cx.recv_value(r_co, wpriv, at)?;
            target -= bclaim.value;
            incoming.extend(negated(&bclaim.masks));
            cx.claims.weight_claim(bc, bclaim);
        }
        let nk = (g.cip * g.khp * g.kwp).trailing_zeros() as usize;
        let private = private_columns(&[wpriv, cx.is_private(x)]);
        let sub = cx
            .rd
            .verify_sumcheck_zr(nk, &prod2(), None, &private, &incoming, target, at)?;
        let ev = cx.rd.recv(2, at)?;
        let [wcl, pcl] = <[Claim; 2]>::try_from(sub.check(&prod2(), None, &ev, at)?)
            .map_err(|_| VerifyError::at(at, "evaluations"))?;
        let point = sub.point().to_vec();
        cx.claims
            .weight_claim(wc, wcl.with_point(cat(r_co, &point)));
        let (rc, ah, aw) = g
            .selector_parts(&point, r_oh, r_ow, window, false)
            .map_err(|e| e.at_v(at))?;
        verify_window(cx, x, (&rc, &ah, &aw), (pcl.value, &pcl.masks), at)
    }
}
