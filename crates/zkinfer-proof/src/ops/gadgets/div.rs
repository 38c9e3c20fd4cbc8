//! Division, `q = ⌊a·2^shift / b⌋` element-wise (rounding toward −∞), `b` broadcast to `a`.
//!
//! # Soundness
//! `q` (signed `A` bits), the remainder `r` and the slack `c = b − 1 − r` (limbs of
//! `divisor_bits`) are committed and range-checked; one zero-check
//! `Σ_z eq(τ, z)·valid·[(2^shift·a − q·B − r) + λ·(B − 1 − r − c)] = 0` (with `c` outside the
//! mask, so `c = 0` on padding) gives `a·2^shift = q·b + r`, `0 ≤ r < b` over the integers: the
//! compile-time bound (`dividend_bits + shift ≤ 61`, `A + divisor_bits ≤ 61`, checked in
//! [`OpProof::plan`]) keeps every term below `2^62`, so the field identity is the integer one.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

use zkinfer_field::{EF, F, PrimeCharacteristicRing, from_signed};
use zkinfer_sumcheck::{Column, Term};

use super::super::api::{OpProof, ProverCtx, VerifierCtx, node_p, node_v, plan_p, plan_v};
use super::super::util::{
    act_range, cat, checked, input, input_v, key_mismatch, layout, layout_v, private_columns,
    to_field, vk_mismatch,
};
use super::{limb_cols, limb_weight, mask_field, p2, split_limbs, valid_eval, valid_mask};
use crate::claims::Claim;
use crate::context::WitnessCtx;
use crate::error::{CompileError, ProveError, VerifyError};
use crate::ir::{Node, Op};
use crate::layout::Layout;
use crate::plan::{Limbs, NodePlan, Plan, Source, TableSpec};
use crate::planner::Planner;

const DIV_LAMBDA: &[u8] = b"zkinfer/div-lambda";
const DIV_ZERO: &[u8] = b"zkinfer/div-zero";

/// [`crate::ir::Op::Div`].
#[derive(Debug)]
pub struct Div;

/// `(shift, divisor_bits, dividend_bits)`.
fn params(node: &Node) -> Option<(u32, u32, u32)> {
    match node.op {
        Op::Div {
            shift,
            divisor_bits,
            dividend_bits,
        } => Some((shift, divisor_bits, dividend_bits)),
        _ => None,
    }
}

fn planned(plan: &NodePlan) -> Option<(usize, &Limbs, &Limbs)> {
    match plan {
        NodePlan::Div { out, rem, slack } => Some((*out, rem, slack)),
        _ => None,
    }
}

/// For each stored position of `al`, the stored position of `bl` broadcast to it (axes where
/// `bl` has padded size 1 read index 0).
fn broadcast_index(al: &Layout, bl: &Layout) -> Vec<usize> {
    (0..al.size())
        .map(|z| {
            let (mut rem, mut idx, mut stride) = (z, 0usize, 1usize);
            for (&ap, &bp) in al.padded.iter().zip(&bl.padded).rev() {
                let k = rem % ap.max(1);
                rem /= ap.max(1);
                if bp != 1 {
                    idx += k * stride;
                }
                stride *= bp;
            }
            idx
        })
        .collect()
}

/// The part of a point over `al` that `bl` (broadcast to `al`) depends on.
fn kept_point(al: &Layout, bl: &Layout, s: &[EF]) -> Option<Vec<EF>> {
    let mut off = 0;
    let mut out = Vec::new();
    for (nv, &bp) in al.axis_vars().into_iter().zip(&bl.padded) {
        if bp != 1 {
            out.extend_from_slice(s.get(off..off + nv)?);
        }
        off += nv;
    }
    (off == s.len()).then_some(out)
}

/// Division over columns `[valid, a, q, B, r_0.., c_0..]`:
/// `valid·(2^shift·a − q·B − r) + λ·(valid·(B − 1 − r) − c)`.
fn div_terms(shift: u32, nr: usize, nc: usize, lam: EF) -> Vec<Term> {
    let mut t = vec![
        Term::new(p2(shift), vec![0, 1]),
        Term::new(-EF::ONE, vec![0, 2, 3]),
        Term::new(lam, vec![0, 3]),
        Term::new(-lam, vec![0]),
    ];
    for l in 0..nr {
        t.push(Term::new(-(EF::ONE + lam) * limb_weight(l), vec![0, 4 + l]));
    }
    for l in 0..nc {
        t.push(Term::new(-lam * limb_weight(l), vec![4 + nr + l]));
    }
    t
}

/// The zero-check's private columns among `[valid, a, q, B, r_0.., c_0..]`: `a`, `q`, `B` when
/// their tensors are private, the remainder's and slack's limbs when any of them is (they are
/// functions of `a` and `b`); `None` if `node` has fewer than two inputs.
fn div_private(plan: &Plan, node: &Node, rem: &Limbs, slack: &Limbs) -> Option<Vec<usize>> {
    let (a, b) = (*node.inputs.first()?, *node.inputs.get(1)?);
    let private = |t| crate::plan::is_private(plan, t);
    let (pa, pq, pb) = (private(a), private(node.output), private(b));
    let limbs = pa || pq || pb;
    let mut flags = vec![false, pa, pq, pb];
    flags.extend(std::iter::repeat_n(
        limbs,
        rem.columns.len() + slack.columns.len(),
    ));
    Some(private_columns(&flags))
}

impl OpProof for Div {
    fn plan(&self, p: &mut Planner<'_>, idx: usize, node: &Node) -> Result<NodePlan, CompileError> {
        let (shift, divisor_bits, dividend_bits) =
            params(node).ok_or_else(|| Planner::err(node, "not a division"))?;
        let a = p.act_bits();
        let out_shape = p.out_shape(node)?;
        let x = p.layout(node, 0)?;
        let b = p.layout(node, 1)?;
        if x.logical != p.shape(node, 0)? || b.logical != p.shape(node, 1)? {
            return Err(Planner::err(
                node,
                "an operand is stored in the layout of a reshape; division of reshaped tensors is not supported yet (divide before reshaping)",
            ));
        }
        if b.logical.len() != x.logical.len()
            || b.logical
                .iter()
                .zip(&x.logical)
                .any(|(&d, &n)| d != 1 && d != n)
        {
            return Err(Planner::err(
                node,
                format!(
                    "divisor of shape {:?} does not broadcast to {:?} (same rank, each dim 1 or equal)",
                    b.logical, x.logical
                ),
            ));
        }
        if out_shape != x.logical {
            return Err(Planner::err(
                node,
                "output shape differs from the dividend's",
            ));
        }
        if divisor_bits == 0 || divisor_bits > 48 || shift > 48 {
            return Err(Planner::err(
                node,
                format!("divisor_bits {divisor_bits} outside 1..=48 or shift {shift} above 48"),
            ));
        }
        // |a·2^shift| < 2^(dividend_bits+shift) and |q·b + r| ≤ 2^(A−1+divisor_bits) +
        // 2^divisor_bits must stay below 2^62 so that the field identity is the integer one.
        if dividend_bits + shift > 61 || a + divisor_bits > 61 {
            return Err(Planner::err(
                node,
                format!(
                    "a·2^{shift} or q·b (dividend bits {dividend_bits}, activation bits {a}, divisor bits {divisor_bits}) could exceed 2^62 and wrap the field; lower the shift or the divisor bits"
                ),
            ));
        }
        let nv = x.num_vars();
        let out = p.checked_column(
            idx,
            format!("{}.out", node.name),
            TableSpec::SignedRange { bits: a },
            nv,
        );
        let rem = p.limbs(idx, &format!("{}.rem", node.name), divisor_bits, nv);
        let slack = p.limbs(idx, &format!("{}.slack", node.name), divisor_bits, nv);
        let k = 1 + rem.columns.len() + slack.columns.len();
        p.cost.committed = x.size() * k;
        p.cost.lookups = x.size() * k;
        p.cost.sumcheck = x.size() * (4 + k);
        p.cost.macs = x.logical_len();
        p.set_out(node, x, Source::Committed { column: out })?;
        Ok(NodePlan::Div { out, rem, slack })
    }

    fn witness(&self, cx: &mut WitnessCtx<'_>, idx: usize) -> Result<Vec<i64>, ProveError> {
        let node = node_p(cx.graph, idx)?;
        let at = node.name.as_str();
        let (shift, divisor_bits, dividend_bits) =
            params(node).ok_or_else(|| key_mismatch(at, "op"))?;
        let (out, rem, slack) =
            planned(plan_p(cx.plan, idx, at)?).ok_or_else(|| key_mismatch(at, "plan"))?;
        let (out, rem, slack) = (out, rem.clone(), slack.clone());
        let (lo, hi) = act_range(cx.graph.act_bits);
        let (xv, xl) = cx.tensor(input(node, 0)?, at)?;
        let (bv, bl) = cx.tensor(input(node, 1)?, at)?;
        let valid = valid_mask(xl);
        let n = xv.len();
        // The quotients are the trace (0 at padded positions); remainders and slacks are
        // computed here.
        let q = cx.stored(node.output, at, |_| Ok(0))?;
        if q.len() != n {
            return Err(key_mismatch(at, "output size"));
        }
        let mut r = vec![vec![0i64; n]; rem.columns.len()];
        let mut c = vec![vec![0i64; n]; slack.columns.len()];
        let bmax = (1i128 << divisor_bits) - 1;
        let amax = (1i128 << dividend_bits) - 1;
        let bidx = broadcast_index(xl, bl);
        for (z, ((&xz, &ok), &bz)) in xv.iter().zip(&valid).zip(&bidx).enumerate() {
            if !ok {
                continue;
            }
            let av = i128::from(checked(at, i128::from(xz), -amax, amax)?);
            let bz = bv
                .get(bz)
                .copied()
                .ok_or_else(|| key_mismatch(at, "divisor size"))?;
            let bz = i128::from(checked(at, i128::from(bz), 1, bmax)?);
            let num = av << shift;
            let qz = i128::from(*q.get(z).ok_or_else(|| key_mismatch(at, "output size"))?);
            checked(at, qz, lo, hi)?;
            let rz = num - qz * bz;
            if !(0..bz).contains(&rz) {
                return Err(cx.mismatch(node.output, z));
            }
            for (col, v) in r.iter_mut().zip(split_limbs(rz, &rem.bits)) {
                if let Some(e) = col.get_mut(z) {
                    *e = v;
                }
            }
            for (col, v) in c.iter_mut().zip(split_limbs(bz - 1 - rz, &slack.bits)) {
                if let Some(e) = col.get_mut(z) {
                    *e = v;
                }
            }
        }
        for (&col, v) in rem.columns.iter().zip(r) {
            cx.set_column(col, v, at)?;
        }
        for (&col, v) in slack.columns.iter().zip(c) {
            cx.set_column(col, v, at)?;
        }
        cx.set_column(out, q.clone(), at)?;
        Ok(q)
    }

    fn prove(
        &self,
        cx: &mut ProverCtx<'_>,
        idx: usize,
        _claim: Option<&Claim>,
    ) -> Result<(), ProveError> {
        let node = node_p(cx.graph, idx)?;
        let at = node.name.as_str();
        let (shift, _, _) = params(node).ok_or_else(|| key_mismatch(at, "op"))?;
        let (out, rem, slack) =
            planned(plan_p(cx.plan, idx, at)?).ok_or_else(|| key_mismatch(at, "plan"))?;
        let (a, b) = (input(node, 0)?, input(node, 1)?);
        let (al, bl) = (layout(cx.plan, a, at)?, layout(cx.plan, b, at)?);
        let lam = cx.ch.t.challenge(DIV_LAMBDA);
        let tau = cx.ch.t.challenges(DIV_ZERO, al.num_vars());
        let bv = cx.wit.tensor(b, at)?;
        let bb: Vec<F> = broadcast_index(al, bl)
            .into_iter()
            .map(|i| bv.get(i).map(|&v| from_signed(v)))
            .collect::<Option<_>>()
            .ok_or_else(|| key_mismatch(at, "divisor size"))?;
        let mut cols = vec![
            Column::Base(mask_field(&valid_mask(al))),
            Column::Base(to_field(cx.wit.tensor(a, at)?)),
            Column::Base(to_field(cx.wit.column(out, at)?)),
            Column::Base(bb),
        ];
        cols.extend(limb_cols(cx, rem, at)?);
        cols.extend(limb_cols(cx, slack, at)?);
        let terms = div_terms(shift, rem.columns.len(), slack.columns.len(), lam);
        let private =
            div_private(cx.plan, node, rem, slack).ok_or_else(|| key_mismatch(at, "op"))?;
        let zc = cx
            .ch
            .prove_sumcheck_zr(cols, &terms, Some(&tau), &private, &[]);
        cx.ch.send(zc.evals.get(1..).unwrap_or_default().to_vec());
        let sb = kept_point(al, bl, &zc.point).ok_or_else(|| key_mismatch(at, "point"))?;
        let mut claims = zc.claims.into_iter().skip(1);
        let mut next = || claims.next().ok_or_else(|| key_mismatch(at, "evaluations"));
        let (ac, qc, bc) = (next()?, next()?, next()?);
        cx.pass(a, ac, at)?;
        cx.claims.witness_claim(out, qc);
        cx.pass(b, bc.with_point(sb), at)?;
        for &c in rem.columns.iter().chain(&slack.columns) {
            let lc = next()?;
            cx.claims.witness_claim(c, lc);
        }
        Ok(())
    }

    fn verify(
        &self,
        cx: &mut VerifierCtx<'_>,
        idx: usize,
        _claim: Option<&Claim>,
    ) -> Result<(), VerifyError> {
        let node = node_v(cx.plan, idx)?;
        let at = node.name.as_str();
        let bad = || vk_mismatch(at);
        let (shift, _, _) = params(node).ok_or_else(bad)?;
        let (out, rem, slack) = planned(plan_v(cx.plan, idx, at)?).ok_or_else(bad)?;
        let (a, b) = (input_v(node, 0)?, input_v(node, 1)?);
        let (al, bl) = (layout_v(cx.plan, a, at)?, layout_v(cx.plan, b, at)?);
        let lam = cx.rd.t.challenge(DIV_LAMBDA);
        let nv = al.num_vars();
        let tau = cx.rd.t.challenges(DIV_ZERO, nv);
        let (nr, nc) = (rem.columns.len(), slack.columns.len());
        let terms = div_terms(shift, nr, nc, lam);
        let private = div_private(cx.plan, node, rem, slack).ok_or_else(bad)?;
        let sub = cx
            .rd
            .verify_sumcheck_zr(nv, &terms, Some(&tau), &private, &[], EF::ZERO, at)?;
        let msg = cx.rd.recv(3 + nr + nc, at)?;
        let ve = valid_eval(al, sub.point()).ok_or_else(bad)?;
        let evals = cat(&[ve], &msg);
        let claims = sub
            .check(&terms, Some(&tau), &evals, at)
            .map_err(|e| VerifyError::at(at, format!("a·2^shift ≠ q·b + r with 0 ≤ r < b: {e}")))?;
        let sb = kept_point(al, bl, sub.point()).ok_or_else(bad)?;
        let mut claims = claims.into_iter().skip(1);
        let mut next = || claims.next().ok_or_else(bad);
        let (ac, qc, bc) = (next()?, next()?, next()?);
        cx.pass(a, ac, at)?;
        cx.claims.witness_claim(out, qc);
        cx.pass(b, bc.with_point(sb), at)?;
        for &c in rem.columns.iter().chain(&slack.columns) {
            let lc = next()?;
            cx.claims.witness_claim(c, lc);
        }
        Ok(())
    }
}
