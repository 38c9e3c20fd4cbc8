//! Ops linear in each of two activation operands.
//!
//! - matmul `y[β, m, n] = Σ_{k<K} a[β, m, k] · b[β, k, n]` (every stored `β, m, n`): after the
//!   claims on `y` are reduced to one at `r = (r_β ‖ r_m ‖ r_n)`, one sumcheck over `(β, k)` of
//!   `E(β, k) · A'(β, k) · B'(β, k)` with `A' = ã(·, r_m, ·)`, `B' = b̃(·, ·, r_n)` and
//!   `E(β, k) = eq(r_β, β) · [k < K]`; the validity factor makes the logical values exact
//!   whatever the operands hold in their padding. The verifier evaluates `Ẽ` itself, and the
//!   claims `ã(ρ_β, r_m, ρ_k)`, `b̃(ρ_β, ρ_k, r_n)` flow back to both operands;
//! - mul `y(x) = a(x) · b(x|kept)`: `ỹ(r) = Σ_x eq(r, x) · ã(x) · B(x)`, `B` being `b`
//!   repeated along its broadcast axes, so `B̃(s) = b̃(s|kept)`;
//!
//! Broadcasting rules: [`super::broadcast`].
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

use rayon::prelude::*;
use zkinfer_field::{EF, F, PrimeCharacteristicRing, from_signed};
use zkinfer_poly::{eq_eval, eq_table};
use zkinfer_sumcheck::{Column, Term};

use super::api::{OpProof, ProverCtx, VerifierCtx, claim_p, claim_v, node_p, node_v};
use super::broadcast::{
    broadcast_axes, broadcast_map, check_natural, elementwise_witness, operands, operands_v,
    plan_broadcast, restrict,
};
use super::util::{
    cat, get, ind, input, key_mismatch, layout, matmul_rows, private_columns, prod2, take,
    to_field, vk_mismatch,
};
use crate::claims::Claim;
use crate::context::WitnessCtx;
use crate::error::{CompileError, ProveError, VerifyError};
use crate::ir::Node;
use crate::layout::Layout;
use crate::plan::{NodePlan, Source};
use crate::planner::Planner;

fn prod3() -> [Term; 1] {
    [Term::new(EF::ONE, vec![0, 1, 2])]
}

/// `ind_n(r) = Σ_{j<n} eq(r, j)`: the MLE of the validity indicator `[j < n]` of an axis of
/// logical size `n` padded to `npad = 2^point.len()` positions (one definition:
/// [`super::util::ind`]; `npad` is implied by the point).
pub fn valid_axis_mle(n: usize, _npad: usize, point: &[EF]) -> EF {
    ind(n, point)
}

/// Dimensions of a matmul from its operands' layouts: padded batch size, `Mp`, `Kp`, `Np`, the
/// logical `K`, and the variables of each part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MatDims {
    /// Stored batch positions (product of the padded batch axes).
    pub bp: usize,
    /// Padded M.
    pub mp: usize,
    /// Padded K.
    pub kp: usize,
    /// Padded N.
    pub np: usize,
    /// Logical K.
    pub k: usize,
    /// Variables of the batch axes.
    pub vb: usize,
    /// Variables of M.
    pub vm: usize,
    /// Variables of K.
    pub vk: usize,
    /// Variables of N.
    pub vn: usize,
}

impl MatDims {
    /// From `a [.., M, K]` and `b [.., K, N]`, or `None` if they do not multiply.
    #[must_use]
    pub fn new(a: &Layout, b: &Layout) -> Option<Self> {
        let n = a.logical.len();
        if n < 2 || b.logical.len() != n || a.padded.len() != n || b.padded.len() != n {
            return None;
        }
        let (a_batch, a_mk) = (a.logical.split_at(n - 2), a.padded.split_at(n - 2));
        let (b_batch, b_kn) = (b.logical.split_at(n - 2), b.padded.split_at(n - 2));
        let (&[_, k], &[mp, kp]) = (a_batch.1, a_mk.1) else {
            return None;
        };
        let (&[bk, _], &[bkp, np]) = (b_batch.1, b_kn.1) else {
            return None;
        };
        if a_batch.0 != b_batch.0 || a_mk.0 != b_kn.0 || k != bk || kp != bkp {
            return None;
        }
        let bp: usize = a_mk.0.iter().product();
        let tz = |x: usize| x.trailing_zeros() as usize;
        Some(Self {
            bp,
            mp,
            kp,
            np,
            k,
            vb: tz(bp),
            vm: tz(mp),
            vk: tz(kp),
            vn: tz(np),
        })
    }

    /// The output layout `[batch.., M, N]`.
    #[must_use]
    pub fn out_layout(a: &Layout, b: &Layout) -> Option<Layout> {
        Self::new(a, b)?;
        let n = a.logical.len();
        let mut out = a.sub(0..n - 1);
        out.logical.push(*b.logical.last()?);
        out.padded.push(*b.padded.last()?);
        Some(out)
    }
}

/// Compile-time checks of a matmul; returns the output layout.
///
/// # Errors
/// A message for the plan's error if the operands do not multiply or are not naturally laid out.
pub fn plan_matmul(
    a_shape: &[usize],
    la: &Layout,
    b_shape: &[usize],
    lb: &Layout,
    out_shape: &[usize],
) -> Result<Layout, String> {
    check_natural("operand a", a_shape, la)?;
    check_natural("operand b", b_shape, lb)?;
    let out = MatDims::out_layout(la, lb).ok_or_else(|| {
        format!(
            "shapes {a_shape:?} and {b_shape:?} do not multiply (need [.., M, K] · [.., K, N] \
             with equal batch axes)"
        )
    })?;
    if out.logical != out_shape {
        return Err(format!(
            "output shape {out_shape:?} is not {:?}",
            out.logical
        ));
    }
    Ok(out)
}

/// Witness of a matmul: every stored output position is `Σ_{k<K}` over the logical K only. The
/// logical positions are the trace; the padded ones (padded rows, and the padded columns of
/// logical rows, where `b`'s padded columns may be non-zero) are computed by the model's matmul
/// kernel ([`matmul_rows`]).
///
/// # Errors
/// [`ProveError::OutOfRange`] if an output leaves `±2^62`.
#[allow(clippy::indexing_slicing)] // sizes checked on entry
pub fn matmul_witness(
    cx: &WitnessCtx<'_>,
    node: &Node,
    av: &[i64],
    la: &Layout,
    bv: &[i64],
    lb: &Layout,
) -> Result<Vec<i64>, ProveError> {
    let name = node.name.as_str();
    let bad = || ProveError::Backend(format!("node `{name}`: operands do not multiply"));
    let d = MatDims::new(la, lb).ok_or_else(bad)?;
    let out_l = layout(cx.plan, node.output, name)?;
    let rows = d.bp * d.mp;
    let n = out_l.logical.last().copied().unwrap_or(1).min(d.np);
    if d.k == 0
        || out_l.size() != rows * d.np
        || av.len() != rows * d.kp
        || bv.len() != d.bp * d.kp * d.np
    {
        return Err(bad());
    }
    let mut real = vec![false; rows];
    for r in out_l
        .sub(0..out_l.padded.len().saturating_sub(1))
        .logical_to_stored()
    {
        if let Some(x) = real.get_mut(r) {
            *x = true;
        }
    }
    let mut pad = vec![0i64; out_l.size()];
    let arows = |rs: &[usize]| -> Vec<i64> {
        rs.iter()
            .flat_map(|&r| &av[r * d.kp..r * d.kp + d.k])
            .copied()
            .collect()
    };
    for beta in 0..d.bp {
        let block = &bv[beta * d.kp * d.np..(beta * d.kp + d.k) * d.np];
        let (logical, padded): (Vec<usize>, Vec<usize>) =
            (beta * d.mp..(beta + 1) * d.mp).partition(|&r| real[r]);
        if !padded.is_empty() {
            let y = matmul_rows(name, &arows(&padded), d.k, block, d.np, None)?;
            for (&r, yr) in padded.iter().zip(y.chunks_exact(d.np)) {
                pad[r * d.np..(r + 1) * d.np].copy_from_slice(yr);
            }
        }
        let cols = d.np - n;
        if !logical.is_empty() && cols > 0 {
            let sub: Vec<i64> = block
                .chunks_exact(d.np)
                .flat_map(|row| &row[n..])
                .copied()
                .collect();
            let y = matmul_rows(name, &arows(&logical), d.k, &sub, cols, None)?;
            for (&r, yr) in logical.iter().zip(y.chunks_exact(cols)) {
                pad[r * d.np + n..(r + 1) * d.np].copy_from_slice(yr);
            }
        }
    }
    cx.stored(node.output, name, |z| pad.get(z).copied().ok_or_else(bad))
}

/// [`crate::ir::Op::MatMul`]: both operands activations.
#[derive(Debug)]
pub struct MatMul;

/// [`crate::ir::Op::Mul`]: element-wise, `b` broadcast to `a`.
#[derive(Debug)]
pub struct Mul;

impl OpProof for MatMul {
    fn plan(
        &self,
        p: &mut Planner<'_>,
        _idx: usize,
        node: &Node,
    ) -> Result<NodePlan, CompileError> {
        let out_shape = p.out_shape(node)?;
        let x = p.layout(node, 0)?;
        let y = p.layout(node, 1)?;
        let (xs, ys) = (p.shape(node, 0)?, p.shape(node, 1)?);
        let out = plan_matmul(&xs, &x, &ys, &y, &out_shape).map_err(|m| Planner::err(node, m))?;
        let d =
            MatDims::new(&x, &y).ok_or_else(|| Planner::err(node, "operands do not multiply"))?;
        // The sumcheck over (batch, K) plus the two folds of the operands.
        p.cost.sumcheck = d.bp * d.kp + x.size() + y.size();
        p.cost.macs = out.logical_len() * d.k;
        p.set_out(node, out, Source::Derived)?;
        Ok(NodePlan::Plain)
    }

    fn witness(&self, cx: &mut WitnessCtx<'_>, idx: usize) -> Result<Vec<i64>, ProveError> {
        let node = node_p(cx.graph, idx)?;
        let at = node.name.as_str();
        let (av, la) = cx.tensor(input(node, 0)?, at)?;
        let (bv, lb) = cx.tensor(input(node, 1)?, at)?;
        matmul_witness(cx, node, av, la, bv, lb)
    }

    fn prove(
        &self,
        cx: &mut ProverCtx<'_>,
        idx: usize,
        claim: Option<&Claim>,
    ) -> Result<(), ProveError> {
        let node = node_p(cx.graph, idx)?;
        prove_matmul(cx, node, claim_p(claim, &node.name)?)
    }

    fn masked_claims(&self, _: &crate::plan::Plan, _: &Node) -> bool {
        true
    }

    fn verify(
        &self,
        cx: &mut VerifierCtx<'_>,
        idx: usize,
        claim: Option<&Claim>,
    ) -> Result<(), VerifyError> {
        let node = node_v(cx.plan, idx)?;
        verify_matmul(cx, node, claim_v(claim, &node.name)?)
    }
}

impl OpProof for Mul {
    fn plan(
        &self,
        p: &mut Planner<'_>,
        _idx: usize,
        node: &Node,
    ) -> Result<NodePlan, CompileError> {
        let out_shape = p.out_shape(node)?;
        let x = p.layout(node, 0)?;
        let y = p.layout(node, 1)?;
        let (xs, ys) = (p.shape(node, 0)?, p.shape(node, 1)?);
        plan_broadcast(&xs, &x, &ys, &y, &out_shape).map_err(|m| Planner::err(node, m))?;
        p.cost.sumcheck = x.size();
        p.cost.macs = x.logical_len();
        p.set_out(node, x, Source::Derived)?;
        Ok(NodePlan::Plain)
    }

    fn witness(&self, cx: &mut WitnessCtx<'_>, idx: usize) -> Result<Vec<i64>, ProveError> {
        let node = node_p(cx.graph, idx)?;
        let at = node.name.as_str();
        let (av, la) = cx.tensor(input(node, 0)?, at)?;
        let (bv, lb) = cx.tensor(input(node, 1)?, at)?;
        elementwise_witness(cx, node, av, la, bv, lb)
    }

    fn prove(
        &self,
        cx: &mut ProverCtx<'_>,
        idx: usize,
        claim: Option<&Claim>,
    ) -> Result<(), ProveError> {
        let node = node_p(cx.graph, idx)?;
        prove_mul(cx, node, claim_p(claim, &node.name)?)
    }

    fn masked_claims(&self, _: &crate::plan::Plan, _: &Node) -> bool {
        true
    }

    fn verify(
        &self,
        cx: &mut VerifierCtx<'_>,
        idx: usize,
        claim: Option<&Claim>,
    ) -> Result<(), VerifyError> {
        let node = node_v(cx.plan, idx)?;
        verify_mul(cx, node, claim_v(claim, &node.name)?)
    }
}

/// Proves a matmul node given the (single) claim on its output.
///
/// # Errors
/// If the proving key's plan does not fit its graph.
#[allow(clippy::indexing_slicing)] // the fold loops, bounded by the checked dimensions
fn prove_matmul(cx: &mut ProverCtx<'_>, node: &Node, claim: &Claim) -> Result<(), ProveError> {
    let at = node.name.as_str();
    let ((a, la), (b, lb)) = operands(cx.plan, node)?;
    let d = MatDims::new(la, lb).ok_or_else(|| key_mismatch(at, "operands do not multiply"))?;
    if claim.point.len() != d.vb + d.vm + d.vn {
        return Err(key_mismatch(at, "claim point"));
    }
    let (r_b, rest) = claim.point.split_at(d.vb);
    let (r_m, r_n) = rest.split_at(d.vm);
    let (eqb, eqm, eqn) = (eq_table(r_b), eq_table(r_m), eq_table(r_n));
    let (av, bv) = (cx.wit.tensor(a, at)?, cx.wit.tensor(b, at)?);
    if av.len() != d.bp * d.mp * d.kp || bv.len() != d.bp * d.kp * d.np {
        return Err(key_mismatch(at, "operand sizes"));
    }
    let mut ap = vec![EF::ZERO; d.bp * d.kp];
    ap.par_chunks_mut(d.kp).enumerate().for_each(|(beta, row)| {
        for (m, &e) in eqm.iter().enumerate() {
            let arow = &av[(beta * d.mp + m) * d.kp..][..d.kp];
            for (acc, &v) in row.iter_mut().zip(arow) {
                if v != 0 {
                    *acc += e * from_signed(v);
                }
            }
        }
    });
    let mut bpr = vec![EF::ZERO; d.bp * d.kp];
    bpr.par_chunks_mut(d.kp)
        .enumerate()
        .for_each(|(beta, row)| {
            for (k, acc) in row.iter_mut().enumerate() {
                let brow = &bv[(beta * d.kp + k) * d.np..][..d.np];
                *acc = brow
                    .iter()
                    .zip(&eqn)
                    .filter(|(v, _)| **v != 0)
                    .map(|(&v, &e)| e * from_signed(v))
                    .sum();
            }
        });
    let mut e = vec![EF::ZERO; d.bp * d.kp];
    for (beta, &eb) in eqb.iter().enumerate() {
        e[beta * d.kp..beta * d.kp + d.k].fill(eb);
    }
    let private = private_columns(&[false, cx.is_private(a), cx.is_private(b)]);
    let out = cx.ch.prove_sumcheck_zr(
        vec![Column::Ext(e), Column::Ext(ap), Column::Ext(bpr)],
        &prod3(),
        None,
        &private,
        &claim.masks,
    );
    let (va, vb) = (
        *get(&out.evals, 1, at, "evaluations")?,
        *get(&out.evals, 2, at, "evaluations")?,
    );
    cx.ch.send(vec![va, vb]);
    let [_, ca, cb] =
        <[Claim; 3]>::try_from(out.claims).map_err(|_| key_mismatch(at, "evaluations"))?;
    let (rho_b, rho_k) = out.point.split_at(d.vb.min(out.point.len()));
    cx.pass(a, ca.with_point(cat(&cat(rho_b, r_m), rho_k)), at)?;
    cx.pass(b, cb.with_point(cat(&cat(rho_b, rho_k), r_n)), at)
}

/// Verifies a matmul node given the (single) claim on its output.
///
/// # Errors
/// If the sumcheck or its final check fails, or the messages have the wrong shape.
#[cfg_attr(not(test), deny(clippy::indexing_slicing))]
fn verify_matmul(cx: &mut VerifierCtx<'_>, node: &Node, claim: &Claim) -> Result<(), VerifyError> {
    let at = node.name.as_str();
    let bad = || vk_mismatch(at);
    let ((a, la), (b, lb)) = operands_v(cx.plan, node)?;
    let d = MatDims::new(la, lb).ok_or_else(bad)?;
    if claim.point.len() != d.vb + d.vm + d.vn {
        return Err(VerifyError::at(at, "claim point of the wrong length"));
    }
    let (r_b, rest) = claim.point.split_at(d.vb);
    let (r_m, r_n) = rest.split_at(d.vm);
    let private = private_columns(&[false, cx.is_private(a), cx.is_private(b)]);
    let sub = cx.rd.verify_sumcheck_zr(
        d.vb + d.vk,
        &prod3(),
        None,
        &private,
        &claim.masks,
        claim.value,
        at,
    )?;
    let ev = cx.rd.recv(2, at)?;
    let [va, vb] = take::<2>(&ev, at)?;
    let point = sub.point().to_vec();
    if point.len() != d.vb + d.vk {
        return Err(VerifyError::at(at, "sumcheck point of the wrong length"));
    }
    let (rho_b, rho_k) = point.split_at(d.vb);
    let e = eq_eval(r_b, rho_b) * valid_axis_mle(d.k, d.kp, rho_k);
    let [_, ca, cb] = <[Claim; 3]>::try_from(sub.check(&prod3(), None, &[e, va, vb], at)?)
        .map_err(|_| VerifyError::at(at, "evaluations"))?;
    cx.pass(a, ca.with_point(cat(&cat(rho_b, r_m), rho_k)), at)?;
    cx.pass(b, cb.with_point(cat(&cat(rho_b, rho_k), r_n)), at)
}

/// Proves an element-wise mul node given the (single) claim on its output.
///
/// # Errors
/// If the proving key's plan does not fit its graph.
fn prove_mul(cx: &mut ProverCtx<'_>, node: &Node, claim: &Claim) -> Result<(), ProveError> {
    let at = node.name.as_str();
    let ((a, la), (b, lb)) = operands(cx.plan, node)?;
    let kept = broadcast_axes(la, lb).ok_or_else(|| key_mismatch(at, "broadcast"))?;
    let bv = cx.wit.tensor(b, at)?;
    let bcol: Vec<F> = broadcast_map(la, lb, &kept)
        .iter()
        .map(|&(j, _)| bv.get(j).map(|&v| from_signed(v)))
        .collect::<Option<_>>()
        .ok_or_else(|| key_mismatch(at, "operand size"))?;
    let private = private_columns(&[cx.is_private(a), cx.is_private(b)]);
    let out = cx.ch.prove_sumcheck_zr(
        vec![
            Column::Base(to_field(cx.wit.tensor(a, at)?)),
            Column::Base(bcol),
        ],
        &prod2(),
        Some(&claim.point),
        &private,
        &claim.masks,
    );
    cx.ch.send(out.evals.clone());
    let [ca, cb] =
        <[Claim; 2]>::try_from(out.claims).map_err(|_| key_mismatch(at, "evaluations"))?;
    let (rb, _) = restrict(la, &kept, &out.point).ok_or_else(|| key_mismatch(at, "point"))?;
    cx.pass(a, ca, at)?;
    cx.pass(b, cb.with_point(rb), at)
}

/// Verifies an element-wise mul node given the (single) claim on its output.
///
/// # Errors
/// If the sumcheck or its final check fails, or the messages have the wrong shape.
#[cfg_attr(not(test), deny(clippy::indexing_slicing))]
fn verify_mul(cx: &mut VerifierCtx<'_>, node: &Node, claim: &Claim) -> Result<(), VerifyError> {
    let at = node.name.as_str();
    let bad = || vk_mismatch(at);
    let ((a, la), (b, lb)) = operands_v(cx.plan, node)?;
    let kept = broadcast_axes(la, lb).ok_or_else(bad)?;
    if claim.point.len() != la.num_vars() {
        return Err(VerifyError::at(at, "claim point of the wrong length"));
    }
    let private = private_columns(&[cx.is_private(a), cx.is_private(b)]);
    let sub = cx.rd.verify_sumcheck_zr(
        la.num_vars(),
        &prod2(),
        Some(&claim.point),
        &private,
        &claim.masks,
        claim.value,
        at,
    )?;
    let ev = cx.rd.recv(2, at)?;
    let [ca, cb] = <[Claim; 2]>::try_from(sub.check(&prod2(), Some(&claim.point), &ev, at)?)
        .map_err(|_| VerifyError::at(at, "evaluations"))?;
    let (rb, _) = restrict(la, &kept, sub.point()).ok_or_else(bad)?;
    cx.pass(a, ca, at)?;
    cx.pass(b, cb.with_point(rb), at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::bits;

    #[test]
    fn valid_axis_mle_matches_the_indicator() {
        for v in 0..5usize {
            let npad = 1usize << v;
            for n in 0..=npad {
                for j in 0..npad {
                    let want = if j < n { EF::ONE } else { EF::ZERO };
                    assert_eq!(valid_axis_mle(n, npad, &bits(j, v)), want, "n={n} j={j}");
                }
                // Multilinear: at a random point, equal to Σ_{j<n} eq(r, j).
                let r: Vec<EF> = (0..v)
                    .map(|i| EF::from(F::from_u64(7 + 13 * i as u64)))
                    .collect();
                let sum: EF = (0..n).map(|j| eq_eval(&r, &bits(j, v))).sum();
                assert_eq!(valid_axis_mle(n, npad, &r), sum);
            }
        }
        // Any number of variables, no overflow: the first 2^63 positions of a 70-variable axis.
        let r = vec![EF::ZERO; 70];
        assert_eq!(valid_axis_mle(usize::MAX, usize::MAX, &r), EF::ONE);
        assert_eq!(valid_axis_mle(0, 4, &r), EF::ZERO);
    }
}
