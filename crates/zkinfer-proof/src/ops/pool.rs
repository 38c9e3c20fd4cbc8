//! Pooling, NCHW with N = 1.
//!
//! - Sum-pool (average pooling before its multiplier and rescale): linear; one sumcheck of `x`
//!   against the window selector with unit kernel weights.
//! - Max-pool (no padding): the committed windows `Wκ` (layout `[KHp, KWp, C.., OHp, OWp]`, a
//!   padded kernel row/column repeating row/column 0) are tied to `x` by a selector sumcheck;
//!   every `y − Wκ` is range-checked to `[0, 2^A)` by a lookup (so `y ≥` every window element),
//!   and a zero-check `Σ_o eq(τ, o) Π_κ (y − Wκ)(o) = 0` forces one of them to be 0 (so `y` is
//!   the maximum). With a mask pool the private values are not revealed: the zero-check reports
//!   the differences masked, `ỹ` and `W̃(ρ)` are sent masked, and the windows' claims are derived
//!   from them (`W̃κ = ỹ − (y − Wκ)~`, and from the lookup's claim `W̃ = ỹ − v`).
//!
//! Witness rule: logical outputs are the trace; padded output positions are 0; padded channels
//! are pooled like real ones (by the model's pool kernel); a window reads only real input
//! positions.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

use zkinfer_field::{EF, F, PrimeCharacteristicRing};
use zkinfer_sumcheck::Column;

use super::api::{
    OpProof, ProverCtx, VerifierCtx, claim_p, claim_v, lookup_claim_p, lookup_claim_v, node_p,
    node_v, plan_p, plan_v,
};
use super::selector::{ConvGeom, prove_selector, verify_window};
use super::util::{
    bits, cat, get, input, input_v, key_mismatch, layout, mle, product_term, to_field, vk_mismatch,
};
use crate::claims::Claim;
use crate::context::{Witness, WitnessCtx};
use crate::error::{CompileError, ProveError, VerifyError};
use crate::ir::{Node, Op, ProofGraph, Window};
use crate::layout::{Layout, chw_of, out_hw};
use crate::plan::{LookupWitness, NodePlan, Plan, Source, TableSpec};
use crate::planner::Planner;
use crate::select::window_table;

const MAX_ZERO: &[u8] = b"zkinfer/maxpool-zero";
const MAX_SEL: &[u8] = b"zkinfer/maxpool-select";

/// [`crate::ir::Op::SumPool`].
#[derive(Debug)]
pub struct SumPool;

/// [`crate::ir::Op::MaxPool`].
#[derive(Debug)]
pub struct MaxPool;

fn window(node: &Node) -> Option<&Window> {
    match &node.op {
        Op::SumPool { window } | Op::MaxPool { window } => Some(window),
        _ => None,
    }
}

/// The windows column of a max-pool, on stored layouts: for each padded kernel tap (a padded
/// tap repeats tap 0 of its axis) and each stored output position of a real window, the input
/// it reads (0 in padding).
#[allow(clippy::indexing_slicing)] // bounded by the layouts, checked on entry
fn window_column(xv: &[i64], xl: &Layout, out_l: &Layout, window: &Window) -> Option<Vec<i64>> {
    let (_, h, w) = chw_of(xl)?;
    let (_, oh_n, ow_n) = chw_of(out_l)?;
    let n = xl.padded.len();
    let (cp, hp, wp) = (xl.padded[n - 3], xl.padded[n - 2], xl.padded[n - 1]);
    let m = out_l.padded.len();
    let (ohp, owp) = (out_l.padded[m - 2], out_l.padded[m - 1]);
    let [kh_n, kw_n] = window.kernel;
    let (khp, kwp) = (kh_n.next_power_of_two(), kw_n.next_power_of_two());
    let osize = out_l.size();
    if xv.len() != cp * hp * wp || osize < cp * ohp * owp {
        return None;
    }
    let mut wins = vec![0i64; khp * kwp * osize];
    for c in 0..cp {
        for oh in 0..oh_n {
            for ow in 0..ow_n {
                let o = (c * ohp + oh) * owp + ow;
                for kh in 0..khp {
                    for kw in 0..kwp {
                        let (rkh, rkw) = (
                            if kh < kh_n { kh } else { 0 },
                            if kw < kw_n { kw } else { 0 },
                        );
                        wins[(kh * kwp + kw) * osize + o] =
                            match (window.source(0, oh, rkh, h), window.source(1, ow, rkw, w)) {
                                (Some(ih), Some(iw)) => xv[(c * hp + ih) * wp + iw],
                                _ => 0,
                            };
                    }
                }
            }
        }
    }
    Some(wins)
}

/// The stored output of a sum-pool (`max = false`) or max-pool: the trace at logical positions;
/// the real windows of the input's padded channels pooled by the model's pool kernel (so padded
/// channels are pooled like real ones); 0 elsewhere.
fn pooled(cx: &WitnessCtx<'_>, node: &Node, max: bool) -> Result<Vec<i64>, ProveError> {
    let at = node.name.as_str();
    let window = window(node).ok_or_else(|| key_mismatch(at, "op"))?;
    let (xv, xl) = cx.tensor(input(node, 0)?, at)?;
    let out_l = layout(cx.plan, node.output, at)?;
    let bad = || key_mismatch(at, "layouts");
    let (c, h, w) = chw_of(xl).ok_or_else(bad)?;
    let (_, oh_n, ow_n) = chw_of(out_l).ok_or_else(bad)?;
    let [.., cp, hp, wp] = xl.padded[..] else {
        return Err(bad());
    };
    let [.., ohp, owp] = out_l.padded[..] else {
        return Err(bad());
    };
    if xv.len() != cp * hp * wp || out_l.size() < cp * ohp * owp {
        return Err(bad());
    }
    let mut planes = Vec::with_capacity(cp.saturating_sub(c) * h * w);
    for ch in c..cp {
        for ih in 0..h {
            let row = (ch * hp + ih) * wp;
            planes.extend_from_slice(xv.get(row..row + w).ok_or_else(bad)?);
        }
    }
    let pad_channels = cp.saturating_sub(c);
    let yp = zkinfer_model::kernels::pool(&planes, [pad_channels, h, w], window, [oh_n, ow_n], max);
    cx.stored(node.output, at, |z| {
        let (ch, oh, ow) = (z / (ohp * owp), z / owp % ohp, z % owp);
        if ch < c || ch >= cp || oh >= oh_n || ow >= ow_n {
            return Ok(0);
        }
        yp.get(((ch - c) * oh_n + oh) * ow_n + ow)
            .copied()
            .ok_or_else(bad)
    })
}

/// Checks the input and gives the output layout.
fn plan_window(p: &Planner<'_>, node: &Node) -> Result<(Layout, Layout, usize), CompileError> {
    let window = window(node).ok_or_else(|| Planner::err(node, "not a pool"))?;
    let x = p.layout(node, 0)?;
    let (c, h, w) = chw_of(&x).ok_or_else(|| Planner::err(node, "input is not [1, C, H, W]"))?;
    let (oh, ow) = out_hw(window, h, w).ok_or_else(|| Planner::err(node, "window does not fit"))?;
    Ok((x, Layout::natural(&[1, c, oh, ow]), c * oh * ow))
}

impl OpProof for SumPool {
    fn plan(
        &self,
        p: &mut Planner<'_>,
        _idx: usize,
        node: &Node,
    ) -> Result<NodePlan, CompileError> {
        let (x, out, outputs) = plan_window(p, node)?;
        let k = window(node).map_or(0, |w| w.kernel[0] * w.kernel[1]);
        p.cost.sumcheck = x.size();
        p.cost.macs = outputs * k;
        p.set_out(node, out, Source::Derived)?;
        Ok(NodePlan::Plain)
    }

    fn witness(&self, cx: &mut WitnessCtx<'_>, idx: usize) -> Result<Vec<i64>, ProveError> {
        pooled(cx, node_p(cx.graph, idx)?, false)
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
        let w = window(node).ok_or_else(|| key_mismatch(at, "op"))?;
        let g =
            ConvGeom::new(cx.plan, node, w.kernel).ok_or_else(|| key_mismatch(at, "geometry"))?;
        let (r_c, r_oh, r_ow) = g
            .split_out(&claim.point)
            .ok_or_else(|| key_mismatch(at, "claim point"))?;
        let (ah, aw) = g.ones_parts(r_oh, r_ow, w);
        prove_selector(
            cx,
            input(node, 0)?,
            window_table(r_c, &ah, &aw),
            &claim.masks,
            at,
        )
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
        let w = window(node).ok_or_else(|| vk_mismatch(at))?;
        let x = input_v(node, 0)?;
        let g = ConvGeom::new(cx.plan, node, w.kernel).ok_or_else(|| vk_mismatch(at))?;
        let (r_c, r_oh, r_ow) = g
            .split_out(&claim.point)
            .ok_or_else(|| VerifyError::at(at, "claim point of the wrong length"))?;
        let (ah, aw) = g.ones_parts(r_oh, r_ow, w);
        verify_window(cx, x, (r_c, &ah, &aw), (claim.value, &claim.masks), at)
    }
}

fn planned_max(plan: &NodePlan) -> Option<(usize, usize, [usize; 2])> {
    match plan {
        NodePlan::MaxPool { out, windows, kpad } => Some((*out, *windows, *kpad)),
        _ => None,
    }
}

/// The channel, row and column parts of an output point.
type OutputParts<'p> = (&'p [EF], &'p [EF], &'p [EF]);

/// Splits a windows point `(ρ_kh ‖ ρ_kw ‖ ρ_c ‖ ρ_oh ‖ ρ_ow)` into the kernel-side point
/// `(ρ_c ‖ ρ_kh ‖ ρ_kw)` the selector takes and the output parts.
fn split_windows_point<'p>(
    rho: &'p [EF],
    kpad: &[usize; 2],
    g: &ConvGeom,
) -> (Vec<EF>, OutputParts<'p>) {
    let nkh = kpad[0].trailing_zeros() as usize;
    let nkw = kpad[1].trailing_zeros() as usize;
    let (rk, ro) = rho.split_at((nkh + nkw).min(rho.len()));
    let (rc, rest) = ro.split_at(g.nco.min(ro.len()));
    let (roh, row) = rest.split_at(g.noh.min(rest.len()));
    (cat(rc, rk), (rc, roh, row))
}

impl OpProof for MaxPool {
    fn plan(&self, p: &mut Planner<'_>, idx: usize, node: &Node) -> Result<NodePlan, CompileError> {
        let window = *window(node).ok_or_else(|| Planner::err(node, "not a pool"))?;
        if window.pad != [0; 4] {
            return Err(Planner::err(
                node,
                "max-pool with padding is not supported yet",
            ));
        }
        let (x, out, _) = plan_window(p, node)?;
        let kpad = [
            window.kernel[0].next_power_of_two(),
            window.kernel[1].next_power_of_two(),
        ];
        let wnv = out.num_vars() + (kpad[0] * kpad[1]).trailing_zeros() as usize;
        let ocol = p.witness(format!("{}.out", node.name), out.num_vars());
        let wcol = p.witness(format!("{}.windows", node.name), wnv);
        let bits = p.act_bits();
        p.lookup(
            TableSpec::Range { bits },
            LookupWitness::MaxDiff { node: idx },
            wnv,
        );
        p.cost.committed = out.size() + (1 << wnv);
        p.cost.lookups = 1 << wnv;
        p.cost.sumcheck = x.size() + (1 << wnv);
        p.set_out(node, out, Source::Committed { column: ocol })?;
        Ok(NodePlan::MaxPool {
            out: ocol,
            windows: wcol,
            kpad,
        })
    }

    fn witness(&self, cx: &mut WitnessCtx<'_>, idx: usize) -> Result<Vec<i64>, ProveError> {
        let node = node_p(cx.graph, idx)?;
        let at = node.name.as_str();
        let w = window(node).ok_or_else(|| key_mismatch(at, "op"))?;
        let (out, windows, _) =
            planned_max(plan_p(cx.plan, idx, at)?).ok_or_else(|| key_mismatch(at, "plan"))?;
        let (xv, xl) = cx.tensor(input(node, 0)?, at)?;
        let out_l = layout(cx.plan, node.output, at)?;
        let wins = window_column(xv, xl, out_l, w).ok_or_else(|| key_mismatch(at, "layouts"))?;
        let y = pooled(cx, node, true)?;
        cx.set_column(out, y.clone(), at)?;
        cx.set_column(windows, wins, at)?;
        Ok(y)
    }

    fn prove(
        &self,
        cx: &mut ProverCtx<'_>,
        idx: usize,
        _claim: Option<&Claim>,
    ) -> Result<(), ProveError> {
        let node = node_p(cx.graph, idx)?;
        let at = node.name.as_str();
        let window = window(node).ok_or_else(|| key_mismatch(at, "op"))?;
        let (out, windows, kpad) =
            planned_max(plan_p(cx.plan, idx, at)?).ok_or_else(|| key_mismatch(at, "plan"))?;
        let g = ConvGeom::new(cx.plan, node, window.kernel)
            .ok_or_else(|| key_mismatch(at, "geometry"))?;
        let y = cx.wit.column(out, at)?;
        let w = cx.wit.column(windows, at)?;
        let osize = y.len();
        let kp = kpad[0] * kpad[1];
        if w.len() != kp * osize {
            return Err(key_mismatch(at, "windows column size"));
        }
        let no = osize.trailing_zeros() as usize;
        let x = input(node, 0)?;
        let (ypriv, wpriv) = (cx.is_private(node.output), cx.is_private(x));
        // Zero-check; the differences are reported masked, `ỹ` is sent masked, and each
        // `W̃κ`'s claim is `ỹ`'s minus its difference's (docs/ZK.md §12).
        let tau = cx.ch.t.challenges(MAX_ZERO, no);
        let d: Vec<Column> = w
            .chunks_exact(osize)
            .map(|wk| {
                Column::Base(to_field(
                    &y.iter().zip(wk).map(|(a, b)| a - b).collect::<Vec<_>>(),
                ))
            })
            .collect();
        let private = diff_private(kp, ypriv || wpriv);
        let zc = cx
            .ch
            .prove_sumcheck_zr(d, &product_term(kp), Some(&tau), &private, &[]);
        cx.ch.send(zc.evals.clone());
        let ye = mle(y, &zc.point);
        let yc = cx.send_value(&zc.point, ye, ypriv);
        let nk = kp.trailing_zeros() as usize;
        for (k, dk) in zc.claims.iter().enumerate() {
            cx.claims
                .witness_claim(windows, window_claim(&yc, dk, cat(&bits(k, nk), &zc.point)));
        }
        cx.claims.witness_claim(out, yc);
        // Windows against x: `W̃(ρ)` sent masked, the selector sumcheck consumes its masks.
        let rho = cx.ch.t.challenges(MAX_SEL, nk + no);
        let we = mle(w, &rho);
        let wc = cx.send_value(&rho, we, wpriv);
        let (sel, r_o) = split_windows_point(&rho, &kpad, &g);
        let table = g
            .patch_selector(&sel, r_o.1, r_o.2, window, true)
            .map_err(|e| e.at_p(at))?;
        let incoming = wc.masks.clone();
        cx.claims.witness_claim(windows, wc);
        prove_selector(cx, x, table, &incoming, at)
    }

    #[cfg_attr(not(test), deny(clippy::indexing_slicing))]
    fn verify(
        &self,
        cx: &mut VerifierCtx<'_>,
        idx: usize,
        _claim: Option<&Claim>,
    ) -> Result<(), VerifyError> {
        let node = node_v(cx.plan, idx)?;
        let at = node.name.as_str();
        let bad = || vk_mismatch(at);
        let window = window(node).ok_or_else(bad)?;
        let (out, windows, kpad) = planned_max(plan_v(cx.plan, idx, at)?).ok_or_else(bad)?;
        let g = ConvGeom::new(cx.plan, node, window.kernel).ok_or_else(bad)?;
        let no = cx.plan.witness_columns.get(out).ok_or_else(bad)?.num_vars;
        let kp = kpad[0] * kpad[1];
        let nk = kp.trailing_zeros() as usize;
        let x = input_v(node, 0)?;
        let (ypriv, wpriv) = (cx.is_private(node.output), cx.is_private(x));
        let tau = cx.rd.t.challenges(MAX_ZERO, no);
        let terms = product_term(kp);
        let private = diff_private(kp, ypriv || wpriv);
        let sub = cx
            .rd
            .verify_sumcheck_zr(no, &terms, Some(&tau), &private, &[], EF::ZERO, at)?;
        let d = cx.rd.recv(kp, at)?;
        let dc = sub.check(&terms, Some(&tau), &d, at)?;
        let point = sub.point().to_vec();
        let yc = cx.recv_value(&point, ypriv, at)?;
        for (k, dk) in dc.iter().enumerate() {
            cx.claims
                .witness_claim(windows, window_claim(&yc, dk, cat(&bits(k, nk), &point)));
        }
        cx.claims.witness_claim(out, yc);
        let rho = cx.rd.t.challenges(MAX_SEL, nk + no);
        let wc = cx.recv_value(&rho, wpriv, at)?;
        let (sel, r_o) = split_windows_point(&rho, &kpad, &g);
        let (rc, ah, aw) = g
            .selector_parts(&sel, r_o.1, r_o.2, window, true)
            .map_err(|e| e.at_v(at))?;
        let incoming = wc.masks.clone();
        let value = wc.value;
        cx.claims.witness_claim(windows, wc);
        verify_window(cx, x, (&rc, &ah, &aw), (value, &incoming), at)
    }

    /// The differences `y − Wκ` (the output repeated across the kernel positions).
    fn lookup_columns(
        &self,
        graph: &ProofGraph,
        plan: &Plan,
        wit: &Witness,
        idx: usize,
        lu: LookupWitness,
    ) -> Result<Vec<Vec<F>>, ProveError> {
        let at = node_p(graph, idx)?.name.as_str();
        let (out, windows) =
            diff_columns(plan_p(plan, idx, at)?, lu).ok_or_else(|| key_mismatch(at, "lookup"))?;
        let (y, w) = (wit.column(out, at)?, wit.column(windows, at)?);
        if y.is_empty() {
            return Err(key_mismatch(at, "max-pool output"));
        }
        let d: Vec<i64> = w
            .iter()
            .zip(y.iter().cycle())
            .map(|(&wv, &yv)| yv - wv)
            .collect();
        Ok(vec![to_field(&d)])
    }

    /// The claim on `y − Wκ` at `p = (κ ‖ o)` splits into `ỹ(o)`, which the prover sends
    /// (masked when `y` is private), and `W̃(p) = ỹ(o) − v`.
    fn lookup_claims_p(
        &self,
        cx: &mut ProverCtx<'_>,
        idx: usize,
        lu: LookupWitness,
        claims: &[Claim],
    ) -> Result<(), ProveError> {
        let node = node_p(cx.graph, idx)?;
        let at = node.name.as_str();
        let (out, windows) = diff_columns(plan_p(cx.plan, idx, at)?, lu)
            .ok_or_else(|| key_mismatch(at, "lookup"))?;
        let d = lookup_claim_p(claims, 0, at)?;
        let p = d.point.clone();
        let no = get(&cx.plan.witness_columns, out, at, "column")?.num_vars;
        let r_o = p
            .get(p.len().saturating_sub(no)..)
            .ok_or_else(|| key_mismatch(at, "max-pool point"))?
            .to_vec();
        let ye = mle(cx.wit.column(out, at)?, &r_o);
        let private = cx.is_private(node.output);
        let yc = cx.send_value(&r_o, ye, private);
        cx.claims.witness_claim(windows, window_claim(&yc, &d, p));
        cx.claims.witness_claim(out, yc);
        Ok(())
    }

    /// Reads `ỹ(o)` and leaves claims on both columns (`W̃(p)`'s derived from the lookup's
    /// claim, so `ỹ(o) − W̃(p) = v` holds by construction).
    fn lookup_claims_v(
        &self,
        cx: &mut VerifierCtx<'_>,
        idx: usize,
        lu: LookupWitness,
        claims: &[Claim],
        at: &str,
    ) -> Result<(), VerifyError> {
        let bad = || vk_mismatch(at);
        let (out, windows) = diff_columns(plan_v(cx.plan, idx, at)?, lu).ok_or_else(bad)?;
        let d = lookup_claim_v(claims, 0, at)?;
        let p = d.point.clone();
        let no = cx.plan.witness_columns.get(out).ok_or_else(bad)?.num_vars;
        let r_o = p
            .get(p.len().saturating_sub(no)..)
            .ok_or_else(bad)?
            .to_vec();
        let private = cx.is_private(node_v(cx.plan, idx)?.output);
        let yc = cx.recv_value(&r_o, private, at)?;
        cx.claims.witness_claim(windows, window_claim(&yc, &d, p));
        cx.claims.witness_claim(out, yc);
        Ok(())
    }
}

/// The zero-check's private columns: every difference `y − Wκ` when the output or the windows
/// (the input's values) are private, none when both are public.
fn diff_private(kp: usize, private: bool) -> Vec<usize> {
    if private {
        (0..kp).collect()
    } else {
        Vec::new()
    }
}

/// `W̃κ(o)`'s claim at `point = (κ ‖ o)` from `ỹ(o)`'s and `(y − Wκ)~(o)`'s: their difference
/// (masks likewise).
fn window_claim(y: &Claim, d: &Claim, point: Vec<EF>) -> Claim {
    Claim::combine(&[(EF::ONE, y), (-EF::ONE, d)]).with_point(point)
}

/// The output and windows columns of a max-pool whose lookup is `lu`.
fn diff_columns(plan: &NodePlan, lu: LookupWitness) -> Option<(usize, usize)> {
    match lu {
        LookupWitness::MaxDiff { .. } => planned_max(plan).map(|(out, windows, _)| (out, windows)),
        _ => None,
    }
}
