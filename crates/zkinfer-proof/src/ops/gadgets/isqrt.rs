//! Integer square root, `y = ⌊√x⌋` element-wise, `0 ≤ x < 2^in_bits`.
//!
//! # Soundness
//! `y` (`⌈in_bits/2⌉` bits, as limbs when wider than 16) and the slacks `t1 = x − y²` and
//! `t2 = y² + 2y − x` (one bit more) are range-checked; one zero-check
//! `Σ_z eq(τ, z)·valid·[(x − y² − t1) + λ·(y² + 2y − x − t2)] = 0` gives `y² ≤ x < (y+1)²` over
//! the integers (every term is below `2^62` since `in_bits ≤ 60`), so `y = ⌊√x⌋`.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

use zkinfer_field::limits::MAX_ISQRT_BITS;
use zkinfer_field::{EF, Field, PrimeCharacteristicRing};
use zkinfer_sumcheck::{Column, Term};

use super::super::api::{OpProof, ProverCtx, VerifierCtx, node_p, node_v, plan_p, plan_v};
use super::super::util::{
    checked, input, input_v, key_mismatch, layout, layout_v, mle, private_columns, to_field,
    vk_mismatch,
};
use super::{limb_cols, limb_weight, mask_field, split_limbs, valid_eval, valid_mask};
use crate::claims::Claim;
use crate::context::WitnessCtx;
use crate::error::{CompileError, ProveError, VerifyError};
use crate::ir::{Node, Op};
use crate::plan::{Limbs, NodePlan, Source, TableSpec};
use crate::planner::Planner;

const ISQRT_LAMBDA: &[u8] = b"zkinfer/isqrt-lambda";
const ISQRT_ZERO: &[u8] = b"zkinfer/isqrt-zero";

/// [`crate::ir::Op::Isqrt`].
#[derive(Debug)]
pub struct Isqrt;

fn in_bits(node: &Node) -> Option<u32> {
    match node.op {
        Op::Isqrt { in_bits } if (1..=MAX_ISQRT_BITS).contains(&in_bits) => Some(in_bits),
        _ => None,
    }
}

fn planned(plan: &NodePlan) -> Option<(usize, Option<&Limbs>, &Limbs, &Limbs)> {
    match plan {
        NodePlan::Isqrt {
            out,
            out_limbs,
            lo,
            hi,
        } => Some((*out, out_limbs.as_ref(), lo, hi)),
        _ => None,
    }
}

/// Square root over columns `[valid, x, y, t1_0.., t2_0..]`:
/// `valid·[(x − y² − t1) + λ·(y² + 2y − x − t2)]`.
fn isqrt_terms(n1: usize, n2: usize, lam: EF) -> Vec<Term> {
    let mut t = vec![
        Term::new(EF::ONE - lam, vec![0, 1]),
        Term::new(lam - EF::ONE, vec![0, 2, 2]),
        Term::new(lam + lam, vec![0, 2]),
    ];
    for l in 0..n1 {
        t.push(Term::new(-limb_weight(l), vec![0, 3 + l]));
    }
    for l in 0..n2 {
        t.push(Term::new(-lam * limb_weight(l), vec![0, 3 + n1 + l]));
    }
    t
}

/// The zero-check's private columns among `[valid, x, y, t1_0.., t2_0..]`: `x` and `y` when
/// their tensors are private, the `slacks` limb columns when either is.
fn isqrt_private(px: bool, py: bool, slacks: usize) -> Vec<usize> {
    let mut flags = vec![false, px, py];
    flags.extend(std::iter::repeat_n(px || py, slacks));
    private_columns(&flags)
}

/// The claim on a limbed `y`'s last limb at `y`'s point: `(ỹ − Σ_{l<L−1} 2^(16l)·limb_l)/2^(16(L−1))`
/// from the claims on `y` and on the other limbs (masks likewise), so the limbs add up to `y`
/// by construction and `L − 1` values are sent for `L` parts.
fn last_limb(y: &Claim, others: &[Claim]) -> Claim {
    let inv = limb_weight(others.len()).inverse();
    let terms: Vec<(EF, &Claim)> = std::iter::once((inv, y))
        .chain(
            others
                .iter()
                .enumerate()
                .map(|(l, c)| (-limb_weight(l) * inv, c)),
        )
        .collect();
    Claim::combine(&terms)
}

/// Writes limb values of element `z`.
fn put(cols: &mut [Vec<i64>], z: usize, v: i128, bits: &[u32]) {
    for (col, w) in cols.iter_mut().zip(split_limbs(v, bits)) {
        if let Some(e) = col.get_mut(z) {
            *e = w;
        }
    }
}

impl OpProof for Isqrt {
    fn plan(&self, p: &mut Planner<'_>, idx: usize, node: &Node) -> Result<NodePlan, CompileError> {
        let Some(in_bits) = in_bits(node) else {
            return Err(Planner::err(
                node,
                format!("in_bits outside 1..={MAX_ISQRT_BITS}"),
            ));
        };
        let x = p.layout(node, 0)?;
        let nv = x.num_vars();
        let h = in_bits.div_ceil(2);
        let (out, out_limbs) = if h <= 16 {
            let c = p.checked_column(
                idx,
                format!("{}.out", node.name),
                TableSpec::Range { bits: h },
                nv,
            );
            (c, None)
        } else {
            let c = p.witness(format!("{}.out", node.name), nv);
            (c, Some(p.limbs(idx, &format!("{}.out", node.name), h, nv)))
        };
        let lo = p.limbs(idx, &format!("{}.lo", node.name), h + 1, nv);
        let hi = p.limbs(idx, &format!("{}.hi", node.name), h + 1, nv);
        let nl =
            out_limbs.as_ref().map_or(1, |l| l.columns.len()) + lo.columns.len() + hi.columns.len();
        p.cost.committed = x.size() * (nl + usize::from(out_limbs.is_some()));
        p.cost.lookups = x.size() * nl;
        p.cost.sumcheck = x.size() * (4 + nl);
        p.cost.macs = x.logical_len();
        p.set_out(node, x, Source::Committed { column: out })?;
        Ok(NodePlan::Isqrt {
            out,
            out_limbs,
            lo,
            hi,
        })
    }

    fn witness(&self, cx: &mut WitnessCtx<'_>, idx: usize) -> Result<Vec<i64>, ProveError> {
        let node = node_p(cx.graph, idx)?;
        let at = node.name.as_str();
        let bits = in_bits(node).ok_or_else(|| key_mismatch(at, "op"))?;
        let (out, out_limbs, l1, l2) =
            planned(plan_p(cx.plan, idx, at)?).ok_or_else(|| key_mismatch(at, "plan"))?;
        let (out_limbs, l1, l2) = (out_limbs.cloned(), l1.clone(), l2.clone());
        let (xv, xl) = cx.tensor(input(node, 0)?, at)?;
        let valid = valid_mask(xl);
        let n = xv.len();
        // The roots are the trace (0 at padded positions); the slacks are computed here.
        let y = cx.stored(node.output, at, |_| Ok(0))?;
        if y.len() != n {
            return Err(key_mismatch(at, "output size"));
        }
        let mut t1 = vec![vec![0i64; n]; l1.columns.len()];
        let mut t2 = vec![vec![0i64; n]; l2.columns.len()];
        let mut yl = vec![vec![0i64; n]; out_limbs.as_ref().map_or(0, |l| l.columns.len())];
        for (z, ((&xz, &ok), &yz)) in xv.iter().zip(&valid).zip(&y).enumerate() {
            if !ok {
                continue;
            }
            let v = i128::from(checked(at, i128::from(xz), 0, (1i128 << bits) - 1)?);
            let r = i128::from(yz);
            if r < 0 || r * r > v || v >= (r + 1) * (r + 1) {
                return Err(cx.mismatch(node.output, z));
            }
            put(&mut t1, z, v - r * r, &l1.bits);
            put(&mut t2, z, r * r + 2 * r - v, &l2.bits);
            if let Some(ol) = &out_limbs {
                put(&mut yl, z, r, &ol.bits);
            }
        }
        for (&col, v) in l1.columns.iter().zip(t1) {
            cx.set_column(col, v, at)?;
        }
        for (&col, v) in l2.columns.iter().zip(t2) {
            cx.set_column(col, v, at)?;
        }
        if let Some(ol) = &out_limbs {
            for (&col, v) in ol.columns.iter().zip(yl) {
                cx.set_column(col, v, at)?;
            }
        }
        cx.set_column(out, y.clone(), at)?;
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
        let (out, out_limbs, lo, hi) =
            planned(plan_p(cx.plan, idx, at)?).ok_or_else(|| key_mismatch(at, "plan"))?;
        let x = input(node, 0)?;
        let xl = layout(cx.plan, x, at)?;
        let lam = cx.ch.t.challenge(ISQRT_LAMBDA);
        let tau = cx.ch.t.challenges(ISQRT_ZERO, xl.num_vars());
        let mut cols = vec![
            Column::Base(mask_field(&valid_mask(xl))),
            Column::Base(to_field(cx.wit.tensor(x, at)?)),
            Column::Base(to_field(cx.wit.column(out, at)?)),
        ];
        cols.extend(limb_cols(cx, lo, at)?);
        cols.extend(limb_cols(cx, hi, at)?);
        let (n1, n2) = (lo.columns.len(), hi.columns.len());
        let (px, py) = (cx.is_private(x), cx.is_private(node.output));
        let private = isqrt_private(px, py, n1 + n2);
        let zc =
            cx.ch
                .prove_sumcheck_zr(cols, &isqrt_terms(n1, n2, lam), Some(&tau), &private, &[]);
        // [x, y, t1.., t2..] (masked when private); a limbed y's limbs follow.
        cx.ch.send(zc.evals.get(1..).unwrap_or_default().to_vec());
        let s = zc.point;
        let mut claims = zc.claims.into_iter().skip(1);
        let mut next = || claims.next().ok_or_else(|| key_mismatch(at, "evaluations"));
        let (xc, yc) = (next()?, next()?);
        let mut slacks = Vec::with_capacity(n1 + n2);
        for _ in 0..n1 + n2 {
            slacks.push(next()?);
        }
        if let Some(l) = out_limbs {
            let mut parts = Vec::with_capacity(l.columns.len());
            for &c in l.columns.iter().take(l.columns.len().saturating_sub(1)) {
                let v = mle(cx.wit.column(c, at)?, &s);
                parts.push(cx.send_value(&s, v, py));
            }
            parts.push(last_limb(&yc, &parts));
            for (&c, part) in l.columns.iter().zip(parts) {
                cx.claims.witness_claim(c, part);
            }
        }
        cx.pass(x, xc, at)?;
        cx.claims.witness_claim(out, yc);
        for (&c, sc) in lo.columns.iter().chain(&hi.columns).zip(slacks) {
            cx.claims.witness_claim(c, sc);
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
        let (out, out_limbs, lo, hi) = planned(plan_v(cx.plan, idx, at)?).ok_or_else(bad)?;
        let x = input_v(node, 0)?;
        let xl = layout_v(cx.plan, x, at)?;
        let lam = cx.rd.t.challenge(ISQRT_LAMBDA);
        let nv = xl.num_vars();
        let tau = cx.rd.t.challenges(ISQRT_ZERO, nv);
        let (n1, n2) = (lo.columns.len(), hi.columns.len());
        let (px, py) = (cx.is_private(x), cx.is_private(node.output));
        let private = isqrt_private(px, py, n1 + n2);
        let terms = isqrt_terms(n1, n2, lam);
        let sub = cx
            .rd
            .verify_sumcheck_zr(nv, &terms, Some(&tau), &private, &[], EF::ZERO, at)?;
        let msg = cx.rd.recv(2 + n1 + n2, at)?;
        let s = sub.point().to_vec();
        let ve = valid_eval(xl, &s).ok_or_else(bad)?;
        let mut evals = vec![ve];
        evals.extend_from_slice(&msg);
        let claims = sub
            .check(&terms, Some(&tau), &evals, at)
            .map_err(|e| VerifyError::at(at, format!("y² ≤ x < (y+1)² fails: {e}")))?;
        let mut claims = claims.into_iter().skip(1);
        let mut next = || claims.next().ok_or_else(bad);
        let (xc, yc) = (next()?, next()?);
        let mut slacks = Vec::with_capacity(n1 + n2);
        for _ in 0..n1 + n2 {
            slacks.push(next()?);
        }
        if let Some(l) = out_limbs {
            let mut parts = Vec::with_capacity(l.columns.len());
            for _ in 0..l.columns.len().saturating_sub(1) {
                parts.push(cx.recv_value(&s, py, at)?);
            }
            parts.push(last_limb(&yc, &parts));
            for (&c, part) in l.columns.iter().zip(parts) {
                cx.claims.witness_claim(c, part);
            }
        }
        cx.pass(x, xc, at)?;
        cx.claims.witness_claim(out, yc);
        for (&c, sc) in lo.columns.iter().chain(&hi.columns).zip(slacks) {
            cx.claims.witness_claim(c, sc);
        }
        Ok(())
    }
}
