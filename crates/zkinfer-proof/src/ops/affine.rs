//! Affine element-wise ops on one layout:
//!
//! - `a ± b` with equal layouts: the prover sends `ã(r)`; `b̃(r) = ±(ỹ(r) − ã(r))` follows
//!   (broadcasting add/sub lives in [`super::broadcast`]);
//! - `x + c` for a constant `c` (committed with the weights, broadcast and laid out like `x`): the
//!   prover sends `c̃(r)`, the claim on `x` is `ỹ(r) − c̃(r)`;
//! - `x ⊙ c`: `ỹ(r) = Σ_z eq(r, z)·x̃(z)·c̃(z)`, one sumcheck;
//! - a constant that broadcasts over some axes of `x` (a depthwise convolution's tap, `[1, C, 1,
//!   1]`, over a `[1, C, H, W]` activation) is committed as its own table, not broadcast
//!   ([`Compact`]): the broadcast table `c` is `w` on the logical box and zero elsewhere, so
//!   `c̃(r) = w̃(r_kept) · Π_{broadcast axes a} Σ_{i < n_a} eq(r_a, i)` — the claim on `c` is a
//!   claim on `w` at the kept axes' coordinates, divided by that public product;
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
    fit, get, ind, input, input_v, key_mismatch, layout, mle, private_columns, prod2, to_field,
    vk_mismatch,
};
use crate::claims::Claim;
use crate::context::WitnessCtx;
use crate::error::{CompileError, ProveError, VerifyError};
use crate::ir::{Node, Op, ProofGraph};
use crate::layout::Layout;
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

/// A constant committed as its own table rather than broadcast to its output's layout: the
/// output's layout `out` (logical axes = the constant's rank), which of its axes the constant
/// broadcasts over (its size 1, the output's larger), and the constant's table (`layout`: the
/// output's padded sizes on the other axes, 1 on these).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Compact {
    out: Layout,
    broadcast: Vec<bool>,
    layout: Layout,
}

impl Compact {
    /// The compact form of constant `shape` on output layout `out`, or `None` when the constant
    /// broadcasts over no axis (or `out` is not laid out axis by axis as the constant's rank).
    pub(crate) fn of(shape: &[usize], out: &Layout) -> Option<Self> {
        if shape.len() != out.logical.len()
            || out.padded.len() != out.logical.len()
            || shape
                .iter()
                .zip(&out.logical)
                .any(|(&c, &o)| c != 1 && c != o)
        {
            return None;
        }
        let broadcast: Vec<bool> = shape
            .iter()
            .zip(&out.logical)
            .map(|(&c, &o)| c == 1 && o > 1)
            .collect();
        if !broadcast.contains(&true) {
            return None;
        }
        let layout = Layout {
            logical: shape.to_vec(),
            padded: out
                .padded
                .iter()
                .zip(&broadcast)
                .map(|(&p, &b)| if b { 1 } else { p })
                .collect(),
        };
        Some(Self {
            out: out.clone(),
            broadcast,
            layout,
        })
    }

    /// For a point on the output's table, `(Π_{broadcast a} Σ_{i < n_a} eq(r_a, i), r_kept)`:
    /// the broadcast table's evaluation is the factor times the compact table's at `r_kept`.
    /// `None` if the point has another number of variables.
    pub(crate) fn split_point(&self, point: &[EF]) -> Option<(EF, Vec<EF>)> {
        let mut factor = EF::ONE;
        let mut kept = Vec::with_capacity(self.layout.num_vars());
        let mut at = 0;
        for ((&p, &n), &b) in self
            .out
            .padded
            .iter()
            .zip(&self.out.logical)
            .zip(&self.broadcast)
        {
            let k = p.trailing_zeros() as usize;
            let r = point.get(at..at + k)?;
            if b {
                factor *= ind(n, r);
            } else {
                kept.extend_from_slice(r);
            }
            at += k;
        }
        (at == point.len()).then_some((factor, kept))
    }

    /// The claim on the compact table from a claim on the broadcast one. `None` if the point
    /// does not fit or the factor is zero (probability ≤ the broadcast axes' variables / |EF|
    /// at a random point: the caller rejects).
    pub(crate) fn claim(&self, broadcast: &Claim) -> Option<Claim> {
        let (factor, kept) = self.split_point(&broadcast.point)?;
        let inv = factor.try_inverse()?;
        Some(Claim::combine(&[(inv, broadcast)]).with_point(kept))
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
        // A constant that broadcasts is committed as its own table (`Compact`).
        let vars = Compact::of(&c.shape, &x).map_or(x.num_vars(), |k| k.layout.num_vars());
        let wcol = p.weight(format!("{}.const", node.name), vars);
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
        let out = layout(plan, node.output, at)?;
        *cols
            .get_mut(wc)
            .ok_or_else(|| key_mismatch(at, "weight column"))? = match Compact::of(&c.shape, out) {
            Some(k) => k.layout.scatter(&c.values),
            None => out.scatter(&values),
        };
        Ok(())
    }

    fn witness(&self, cx: &mut WitnessCtx<'_>, idx: usize) -> Result<Vec<i64>, ProveError> {
        let node = node_p(cx.graph, idx)?;
        let at = node.name.as_str();
        let wc = weight_col(plan_p(cx.plan, idx, at)?).ok_or_else(|| key_mismatch(at, "plan"))?;
        let c = expanded(cx.plan, node, get(cx.weights, wc, at, "weight column")?)?;
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
        let compact = compact_of(cx.plan, node).map_err(|()| key_mismatch(at, "layout"))?;
        // The claim on the committed table from one on the broadcast constant.
        let committed = |c: Claim| match &compact {
            Some(k) => k
                .claim(&c)
                .ok_or_else(|| key_mismatch(at, "a broadcast constant's point")),
            None => Ok(c),
        };
        if matches!(node.op, Op::AddConst { .. }) {
            let c = match &compact {
                Some(k) => {
                    let (factor, kept) = k
                        .split_point(&claim.point)
                        .ok_or_else(|| key_mismatch(at, "point"))?;
                    factor * mle(cx.weight(wc, at)?, &kept)
                }
                None => mle(cx.weight(wc, at)?, &claim.point),
            };
            let c = cx.send_value(&claim.point, c, wpriv);
            let xc = Claim::combine(&[(EF::ONE, claim), (-EF::ONE, &c)]);
            cx.claims.weight_claim(wc, committed(c)?);
            return cx.pass(x, xc, at);
        }
        let cols = vec![
            Column::Base(to_field(cx.wit.tensor(x, at)?)),
            Column::Base(to_field(&expanded(cx.plan, node, cx.weight(wc, at)?)?)),
        ];
        let private = private_columns(&[cx.is_private(x), wpriv]);
        let out =
            cx.ch
                .prove_sumcheck_zr(cols, &prod2(), Some(&claim.point), &private, &claim.masks);
        cx.ch.send(out.evals.clone());
        let [xc, cc] =
            <[Claim; 2]>::try_from(out.claims).map_err(|_| key_mismatch(at, "evaluations"))?;
        cx.pass(x, xc, at)?;
        cx.claims.weight_claim(wc, committed(cc)?);
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
        let compact = compact_of(cx.plan, node).map_err(|()| vk_mismatch(at))?;
        // The claim on the committed table; a zero factor (negligible at a random point) is
        // rejected rather than divided by.
        let committed = |c: Claim| match &compact {
            Some(k) => k.claim(&c).ok_or_else(|| {
                VerifyError::at(
                    at,
                    "a broadcast constant's claim at a point where its factor is 0",
                )
            }),
            None => Ok(c),
        };
        if matches!(node.op, Op::AddConst { .. }) {
            let c = cx.recv_value(&claim.point, wpriv, at)?;
            let xc = Claim::combine(&[(EF::ONE, claim), (-EF::ONE, &c)]);
            cx.claims.weight_claim(wc, committed(c)?);
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
        cx.claims.weight_claim(wc, committed(cc)?);
        Ok(())
    }
}

/// The compact form of `node`'s constant on its output's layout (`Ok(None)`: committed
/// broadcast); `Err` if the plan has no layout for the output or the node has no constant.
fn compact_of(plan: &Plan, node: &Node) -> Result<Option<Compact>, ()> {
    let (Op::AddConst { c } | Op::MulConstTensor { c }) = &node.op else {
        return Err(());
    };
    let out = plan.layouts.get(node.output).ok_or(())?;
    Ok(Compact::of(&c.shape, out))
}

/// `node`'s constant broadcast to its output's layout, for the witness and the product's
/// sumcheck: the committed column itself, or — for a compact constant, after checking that the
/// column has the compact table's size — the constant broadcast and scattered as the full
/// column was before compact constants (`Const::broadcast_to`, `Layout::scatter`).
fn expanded<'c>(
    plan: &Plan,
    node: &Node,
    column: &'c [i64],
) -> Result<std::borrow::Cow<'c, [i64]>, ProveError> {
    let at = node.name.as_str();
    let (Op::AddConst { c } | Op::MulConstTensor { c }) = &node.op else {
        return Err(key_mismatch(at, "op"));
    };
    match compact_of(plan, node).map_err(|()| key_mismatch(at, "layout"))? {
        Some(k) if column.len() == k.layout.size() => c
            .broadcast_to(&k.out.logical)
            .map(|values| std::borrow::Cow::Owned(k.out.scatter(&values)))
            .ok_or_else(|| key_mismatch(at, "constant shape")),
        Some(_) => Err(key_mismatch(at, "constant size")),
        None => Ok(std::borrow::Cow::Borrowed(column)),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Const;
    use rand::{Rng, SeedableRng};

    fn random_point(rng: &mut rand::rngs::StdRng, n: usize) -> Vec<EF> {
        (0..n)
            .map(|_| EF::from(F::from_u64(rng.random::<u64>() >> 1)))
            .collect()
    }

    #[test]
    fn a_broadcast_constant_is_its_compact_table_times_a_public_factor() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        for (shape, out) in [
            // A depthwise tap over a 7 × 7 image of 24 channels.
            (vec![1, 24, 1, 1], vec![1, 24, 7, 7]),
            // A bias over tokens, and a constant over the middle axis only.
            (vec![1, 1, 96], vec![1, 5, 96]),
            (vec![3, 1, 6], vec![3, 10, 6]),
        ] {
            let size: usize = shape.iter().product();
            let c = Const {
                shape: shape.clone(),
                values: (0..size).map(|_| rng.random_range(-99i64..100)).collect(),
            };
            let layout = Layout::natural(&out);
            let k = Compact::of(&c.shape, &layout).expect("broadcasts");
            let compact = k.layout.scatter(&c.values);
            assert!(compact.len() < layout.size());
            // The table the broadcast constant had (what the prover expands it to).
            let full = layout.scatter(&c.broadcast_to(&out).expect("broadcasts"));
            // The claim on the broadcast table becomes one on the compact table.
            let r = random_point(&mut rng, layout.num_vars());
            let (factor, kept) = k.split_point(&r).expect("fits");
            assert_eq!(factor * mle(&compact, &kept), mle(&full, &r));
            let claim = k
                .claim(&Claim::new(r.clone(), mle(&full, &r)))
                .expect("nonzero factor");
            assert_eq!(claim.value, mle(&compact, &claim.point));
            // A wrong value stays wrong.
            let wrong = k
                .claim(&Claim::new(r.clone(), mle(&full, &r) + EF::ONE))
                .expect("nonzero factor");
            assert_ne!(wrong.value, mle(&compact, &wrong.point));
            assert!(k.split_point(&r[1..]).is_none(), "a short point");
        }
        // No broadcast axis, another rank or a mismatched size: committed as before.
        let layout = Layout::natural(&[1, 8, 4, 4]);
        assert!(Compact::of(&[1, 8, 4, 4], &layout).is_none());
        assert!(Compact::of(&[8, 1, 1], &layout).is_none());
        assert!(Compact::of(&[1, 4, 1, 1], &layout).is_none());
    }
}
