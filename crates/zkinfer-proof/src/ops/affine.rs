//! Affine element-wise ops on one layout:
//!
//! - `a ± b` with equal layouts: the prover sends `ã(r)`; `b̃(r) = ±(ỹ(r) − ã(r))` follows
//!   (broadcasting add/sub lives in [`super::broadcast`]);
//! - `x + c` for a constant `c` (committed with the weights, broadcast and laid out like `x`): the
//!   prover sends `c̃(r)`, the claim on `x` is `ỹ(r) − c̃(r)`;
//! - `x ⊙ c`: `ỹ(r) = Σ_z eq(r, z)·x̃(z)·c̃(z)`, one sumcheck;
//! - `x · c` for an integer `c ≠ 0`: the verifier divides the claim by `c`.
//!
//! Witness rule: every stored element (padding included) follows the formula: the logical
//! ones are the trace, the padded ones are computed here.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

use zkinfer_field::{EF, F, Field, PrimeCharacteristicRing, from_signed};
use zkinfer_sumcheck::Column;

use super::api::{
    OpProof, ProverCtx, VerifierCtx, claim_p, claim_v, node_p, node_v, plan_p, plan_v,
};
use super::util::{
    fit, get, input, input_v, key_mismatch, layout, mle, private_columns, prod2, to_field,
    vk_mismatch,
};
use crate::claims::Claim;
use crate::context::WitnessCtx;
use crate::error::{CompileError, ProveError, VerifyError};
use crate::ir::{Node, Op, ProofGraph};
use crate::plan::{NodePlan, Plan, Source, weights_private};
use crate::planner::Planner;

/// [`crate::ir::Op::Add`] and [`crate::ir::Op::Sub`] (equal layouts here; broadcasting ones go
/// to [`super::broadcast`]).
#[derive(Debug)]
pub struct AddSub;

/// [`crate::ir::Op::AddConst`] and [`crate::ir::Op::MulConstTensor`].
#[derive(Debug)]
pub struct ConstTensor;

/// [`crate::ir::Op::MulConst`].
#[derive(Debug)]
pub struct MulConst;

impl OpProof for AddSub {
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
        if x == y {
            p.cost.sumcheck = x.size();
        } else {
            super::broadcast::plan_broadcast(&xs, &x, &ys, &y, &out_shape)
                .map_err(|m| Planner::err(node, m))?;
            p.cost.sumcheck = x.size() + y.size();
        }
        p.cost.macs = x.logical_len();
        p.set_out(node, x, Source::Derived)?;
        Ok(NodePlan::Plain)
    }

    fn witness(&self, cx: &mut WitnessCtx<'_>, idx: usize) -> Result<Vec<i64>, ProveError> {
        let node = node_p(cx.graph, idx)?;
        let at = node.name.as_str();
        let (av, la) = cx.tensor(input(node, 0)?, at)?;
        let (bv, lb) = cx.tensor(input(node, 1)?, at)?;
        if la != lb {
            return super::broadcast::elementwise_witness(cx, node, av, la, bv, lb);
        }
        let sub = matches!(node.op, Op::Sub);
        cx.stored(node.output, at, |z| {
            let (p, q) = (av.get(z), bv.get(z));
            let (p, q) = p.zip(q).ok_or_else(|| key_mismatch(at, "operand sizes"))?;
            let (p, q) = (i128::from(*p), i128::from(*q));
            fit(at, if sub { p - q } else { p + q })
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
        let (a_t, b_t) = (input(node, 0)?, input(node, 1)?);
        if layout(cx.plan, a_t, at)? != layout(cx.plan, b_t, at)? {
            return super::broadcast::prove_add_broadcast(cx, node, claim);
        }
        let a = mle(cx.wit.tensor(a_t, at)?, &claim.point);
        // `a` is sent masked when private; `b`'s claim is the difference (the claim's masks
        // and `a`'s), so no value of either is revealed.
        let private = cx.is_private(a_t);
        let a = cx.send_value(&claim.point, a, private);
        let b = second_operand(&node.op, claim, &a).ok_or_else(|| key_mismatch(at, "op"))?;
        cx.pass(a_t, a, at)?;
        cx.pass(b_t, b, at)
    }

    /// Both kinds: equal layouts (one operand sent masked) and broadcasts
    /// ([`super::broadcast::prove_add_broadcast`]: the broadcast operand sent masked).
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
        let (a_t, b_t) = (input_v(node, 0)?, input_v(node, 1)?);
        if cx.plan.layouts.get(a_t) != cx.plan.layouts.get(b_t) {
            return super::broadcast::verify_add_broadcast(cx, node, claim);
        }
        let private = cx.is_private(a_t);
        let a = cx.recv_value(&claim.point, private, at)?;
        let b = second_operand(&node.op, claim, &a).ok_or_else(|| vk_mismatch(at))?;
        cx.pass(a_t, a, at)?;
        cx.pass(b_t, b, at)
    }
}

/// `b̃(r)` of an equal-layout `y = a ± b` from `ỹ(r)` and `ã(r)`: `ỹ − ã` for add, `ã − ỹ` for
/// sub; `None` for another op.
/// `b`'s claim from `y`'s and `a`'s: `y − a` for `y = a + b`, `a − y` for `y = a − b`.
fn second_operand(op: &Op, y: &Claim, a: &Claim) -> Option<Claim> {
    match op {
        Op::Add => Some(Claim::combine(&[(EF::ONE, y), (-EF::ONE, a)])),
        Op::Sub => Some(Claim::combine(&[(EF::ONE, a), (-EF::ONE, y)])),
        _ => None,
    }
}

fn weight_col(plan: &NodePlan) -> Option<usize> {
    match plan {
        NodePlan::Weighted { weight, .. } => Some(*weight),
        _ => None,
    }
}

impl OpProof for ConstTensor {
    fn plan(
        &self,
        p: &mut Planner<'_>,
        _idx: usize,
        node: &Node,
    ) -> Result<NodePlan, CompileError> {
        let (Op::AddConst { c } | Op::MulConstTensor { c }) = &node.op else {
            return Err(Planner::err(node, "not a constant op"));
        };
        Planner::check_const(node, "constant", c)?;
        let out_shape = p.out_shape(node)?;
        let x = p.layout(node, 0)?;
        if c.broadcast_to(&out_shape).is_none()
            || x.logical_len() != out_shape.iter().product::<usize>()
        {
            return Err(Planner::err(
                node,
                format!(
                    "constant of shape {:?} does not broadcast to {:?}",
                    c.shape, out_shape
                ),
            ));
        }
        let wcol = p.weight(format!("{}.const", node.name), x.num_vars());
        p.cost.sumcheck = if matches!(node.op, Op::MulConstTensor { .. }) {
            x.size()
        } else {
            0
        };
        p.cost.macs = x.logical_len();
        p.set_out(node, x, Source::Derived)?;
        Ok(NodePlan::Weighted {
            weight: wcol,
            bias: None,
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
        let (Op::AddConst { c } | Op::MulConstTensor { c }) = &node.op else {
            return Err(key_mismatch(at, "op"));
        };
        let wc = weight_col(plan_p(plan, idx, at)?).ok_or_else(|| key_mismatch(at, "plan"))?;
        let shape = &get(&graph.tensors, node.output, at, "tensor")?.shape;
        let values = c
            .broadcast_to(shape)
            .ok_or_else(|| key_mismatch(at, "constant shape"))?;
        *cols
            .get_mut(wc)
            .ok_or_else(|| key_mismatch(at, "weight column"))? =
            layout(plan, node.output, at)?.scatter(&values);
        Ok(())
    }

    fn witness(&self, cx: &mut WitnessCtx<'_>, idx: usize) -> Result<Vec<i64>, ProveError> {
        let node = node_p(cx.graph, idx)?;
        let at = node.name.as_str();
        let wc = weight_col(plan_p(cx.plan, idx, at)?).ok_or_else(|| key_mismatch(at, "plan"))?;
        let c = get(cx.weights, wc, at, "weight column")?;
        let (xv, _) = cx.tensor(input(node, 0)?, at)?;
        if c.len() != xv.len() {
            return Err(key_mismatch(at, "constant size"));
        }
        let add = matches!(node.op, Op::AddConst { .. });
        cx.stored(node.output, at, |z| {
            let (v, c) = xv
                .get(z)
                .zip(c.get(z))
                .ok_or_else(|| key_mismatch(at, "sizes"))?;
            let (v, c) = (i128::from(*v), i128::from(*c));
            fit(at, if add { v + c } else { v * c })
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
        let wc = weight_col(plan_p(cx.plan, idx, at)?).ok_or_else(|| key_mismatch(at, "plan"))?;
        let x = input(node, 0)?;
        let wpriv = weights_private(cx.plan);
        if matches!(node.op, Op::AddConst { .. }) {
            let c = mle(cx.weight(wc, at)?, &claim.point);
            let c = cx.send_value(&claim.point, c, wpriv);
            let xc = Claim::combine(&[(EF::ONE, claim), (-EF::ONE, &c)]);
            cx.claims.weight_claim(wc, c);
            return cx.pass(x, xc, at);
        }
        let cols = vec![
            Column::Base(to_field(cx.wit.tensor(x, at)?)),
            Column::Base(to_field(cx.weight(wc, at)?)),
        ];
        let private = private_columns(&[cx.is_private(x), wpriv]);
        let out =
            cx.ch
                .prove_sumcheck_zr(cols, &prod2(), Some(&claim.point), &private, &claim.masks);
        cx.ch.send(out.evals.clone());
        let [xc, cc] =
            <[Claim; 2]>::try_from(out.claims).map_err(|_| key_mismatch(at, "evaluations"))?;
        cx.pass(x, xc, at)?;
        cx.claims.weight_claim(wc, cc);
        Ok(())
    }

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
        let wc = weight_col(plan_v(cx.plan, idx, at)?).ok_or_else(|| vk_mismatch(at))?;
        let x = input_v(node, 0)?;
        let wpriv = weights_private(cx.plan);
        if matches!(node.op, Op::AddConst { .. }) {
            let c = cx.recv_value(&claim.point, wpriv, at)?;
            let xc = Claim::combine(&[(EF::ONE, claim), (-EF::ONE, &c)]);
            cx.claims.weight_claim(wc, c);
            return cx.pass(x, xc, at);
        }
        let nv = claim.point.len();
        let private = private_columns(&[cx.is_private(x), wpriv]);
        let sub = cx.rd.verify_sumcheck_zr(
            nv,
            &prod2(),
            Some(&claim.point),
            &private,
            &claim.masks,
            claim.value,
            at,
        )?;
        let ev = cx.rd.recv(2, at)?;
        let [xc, cc] = <[Claim; 2]>::try_from(sub.check(&prod2(), Some(&claim.point), &ev, at)?)
            .map_err(|_| VerifyError::at(at, "evaluations"))?;
        cx.pass(x, xc, at)?;
        cx.claims.weight_claim(wc, cc);
        Ok(())
    }
}

fn constant(node: &Node) -> Option<i64> {
    match node.op {
        Op::MulConst { c } if c != 0 => Some(c),
        _ => None,
    }
}

impl OpProof for MulConst {
    fn plan(
        &self,
        p: &mut Planner<'_>,
        _idx: usize,
        node: &Node,
    ) -> Result<NodePlan, CompileError> {
        if constant(node).is_none() {
            return Err(Planner::err(node, "multiplication by the constant 0"));
        }
        let x = p.layout(node, 0)?;
        p.set_out(node, x, Source::Derived)?;
        Ok(NodePlan::Plain)
    }

    fn witness(&self, cx: &mut WitnessCtx<'_>, idx: usize) -> Result<Vec<i64>, ProveError> {
        let node = node_p(cx.graph, idx)?;
        let at = node.name.as_str();
        let c = i128::from(constant(node).ok_or_else(|| key_mismatch(at, "op"))?);
        let (xv, _) = cx.tensor(input(node, 0)?, at)?;
        cx.stored(node.output, at, |z| {
            let v = xv.get(z).ok_or_else(|| key_mismatch(at, "input size"))?;
            fit(at, i128::from(*v) * c)
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
        let c = constant(node).ok_or_else(|| key_mismatch(at, "op"))?;
        let inv = EF::from(from_signed(c).inverse());
        cx.pass(input(node, 0)?, Claim::combine(&[(inv, claim)]), at)
    }

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
        let x = input_v(node, 0)?;
        let cf = from_signed(constant(node).ok_or_else(|| vk_mismatch(at))?);
        if cf == F::ZERO {
            return Err(vk_mismatch(at));
        }
        cx.pass(x, Claim::combine(&[(EF::from(cf.inverse()), claim)]), at)
    }
}
