//! Separable axis maps (slice, sum over an axis, gather with constant indices) and
//! concatenation.
//!
//! - An [`AxisMap`] op applies one 0/1 matrix `M_a` per axis: `y = (⊗_a M_a)·x`. A claim at `r`
//!   on `y` is `Σ_pos x̃(pos)·Π_a v_a(pos_a)` with `v_a[i] = Σ_j eq(r_a, j)·M_a[j, i]`: one
//!   selector sumcheck whose selector the verifier evaluates itself.
//! - A concatenation is a sum of [`AxisMap::Place`] maps, one per input: the prover sends every
//!   input's share of the claimed value but the last (masked when the input is private), the
//!   last share's claim is the claimed value minus the others, and one selector sumcheck per
//!   input starts from its share.
//!
//! Witness rule: the maps apply to the stored table (padding included), using logical sizes.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

use zkinfer_field::{EF, PrimeCharacteristicRing};

use super::api::{OpProof, ProverCtx, VerifierCtx, claim_p, claim_v, node_p, node_v};
use super::selector::{axis_vectors, prove_selector, tensor_product, verify_axis_map};
use super::util::{input, input_v, key_mismatch, layout, to_field, vk_mismatch};
use crate::claims::Claim;
use crate::context::WitnessCtx;
use crate::error::{CompileError, ProveError, VerifyError};
use crate::ir::{AxisMap, Node, Op};
use crate::layout::Layout;
use crate::plan::{NodePlan, Plan, Source};
use crate::planner::Planner;

/// [`crate::ir::Op::AxisMap`].
#[derive(Debug)]
pub struct AxisMapOp;

/// [`crate::ir::Op::Concat`].
#[derive(Debug)]
pub struct Concat;

/// The claim on a concatenation's last part: the claim on the whole minus the claims on the
/// other parts (all at the claim's point; the masks subtract likewise).
fn last_share(claim: &Claim, others: &[Claim]) -> Claim {
    let terms: Vec<(EF, &Claim)> = std::iter::once((EF::ONE, claim))
        .chain(others.iter().map(|c| (-EF::ONE, c)))
        .collect();
    Claim::combine(&terms)
}

/// The per-axis maps that place each input of a concatenation along `axis`: identity on the
/// other axes, [`AxisMap::Place`] at the running offset on `axis`.
#[must_use]
pub fn concat_maps(plan: &Plan, node: &Node, axis: usize) -> Vec<Vec<AxisMap>> {
    let mut offset = 0;
    node.inputs
        .iter()
        .map(|&t| {
            let logical = plan
                .layouts
                .get(t)
                .map_or(&[][..], |l| l.logical.as_slice());
            let place = AxisMap::Place { offset };
            offset += logical.get(axis).copied().unwrap_or(0);
            AxisMap::on_axis(logical.len(), axis, place).unwrap_or_default()
        })
        .collect()
}

/// Applies per-axis maps (stored layouts in and out); `None` if the layouts do not fit.
fn apply(x: &[i64], xl: &Layout, ol: &Layout, maps: &[AxisMap]) -> Option<Vec<i64>> {
    let mut cur = x.to_vec();
    let mut dims = xl.padded.clone();
    for (a, m) in maps.iter().enumerate() {
        let (inp, out, op) = (*xl.logical.get(a)?, *ol.logical.get(a)?, *ol.padded.get(a)?);
        let outer: usize = dims.get(..a)?.iter().product();
        let inner: usize = dims.get(a + 1..)?.iter().product();
        let ip = *dims.get(a)?;
        if cur.len() != outer * ip * inner {
            return None;
        }
        let mut next = vec![0i64; outer * op * inner];
        let pairs = m.pairs(op, ip, out, inp);
        for (src, dst) in cur
            .chunks_exact(ip * inner)
            .zip(next.chunks_exact_mut(op * inner))
        {
            for &(j, i) in &pairs {
                let drow = dst.get_mut(j * inner..(j + 1) * inner)?;
                let srow = src.get(i * inner..(i + 1) * inner)?;
                for (d, &s) in drow.iter_mut().zip(srow) {
                    *d += s;
                }
            }
        }
        cur = next;
        *dims.get_mut(a)? = op;
    }
    Some(cur)
}

impl OpProof for AxisMapOp {
    fn plan(
        &self,
        p: &mut Planner<'_>,
        _idx: usize,
        node: &Node,
    ) -> Result<NodePlan, CompileError> {
        let Op::AxisMap { maps } = &node.op else {
            return Err(Planner::err(node, "not an axis map"));
        };
        let out_shape = p.out_shape(node)?;
        let x = p.layout(node, 0)?;
        let xt = p.shape(node, 0)?;
        if x.logical != xt || maps.len() != xt.len() || out_shape.len() != xt.len() {
            return Err(Planner::err(
                node,
                "axis map needs an input in its natural layout and one map per axis",
            ));
        }
        for (a, ((m, &n), &o)) in maps.iter().zip(&xt).zip(&out_shape).enumerate() {
            let ok = match m {
                AxisMap::Identity => o == n,
                AxisMap::Sum => o == 1,
                AxisMap::Slice { start, step } => {
                    *step >= 1 && o >= 1 && start + (o - 1) * step < n
                }
                AxisMap::Place { offset } => offset + n <= o,
                AxisMap::Gather { indices } => indices.len() == o && indices.iter().all(|&i| i < n),
            };
            if !ok {
                return Err(Planner::err(
                    node,
                    format!("axis {a}: map {m:?} does not fit {n} -> {o}"),
                ));
            }
        }
        p.cost.sumcheck = x.size();
        p.set_out(node, Layout::natural(&out_shape), Source::Derived)?;
        Ok(NodePlan::Plain)
    }

    fn witness(&self, cx: &mut WitnessCtx<'_>, idx: usize) -> Result<Vec<i64>, ProveError> {
        let node = node_p(cx.graph, idx)?;
        let at = node.name.as_str();
        let Op::AxisMap { maps } = &node.op else {
            return Err(key_mismatch(at, "op"));
        };
        let (xv, xl) = cx.tensor(input(node, 0)?, at)?;
        let out_l = layout(cx.plan, node.output, at)?;
        apply(xv, xl, out_l, maps).ok_or_else(|| key_mismatch(at, "layouts"))
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
        let Op::AxisMap { maps } = &node.op else {
            return Err(key_mismatch(at, "op"));
        };
        let x = input(node, 0)?;
        let vecs = axis_vectors(cx.plan, x, node.output, maps, &claim.point)
            .ok_or_else(|| key_mismatch(at, "axis map"))?;
        prove_selector(cx, x, tensor_product(&vecs), &claim.masks, at)
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
        let Op::AxisMap { maps } = &node.op else {
            return Err(vk_mismatch(at));
        };
        let x = input_v(node, 0)?;
        verify_axis_map(cx, (x, node.output), maps, claim, at)
    }
}

fn concat_axis(node: &Node) -> Option<usize> {
    match node.op {
        Op::Concat { axis } => Some(axis),
        _ => None,
    }
}

impl OpProof for Concat {
    fn plan(
        &self,
        p: &mut Planner<'_>,
        _idx: usize,
        node: &Node,
    ) -> Result<NodePlan, CompileError> {
        let axis = concat_axis(node).ok_or_else(|| Planner::err(node, "not a concatenation"))?;
        let out_shape = p.out_shape(node)?;
        let Some(&out_along) = out_shape.get(axis).filter(|_| node.inputs.len() >= 2) else {
            return Err(Planner::err(
                node,
                format!(
                    "concatenation needs two or more inputs and an axis below the rank {}",
                    out_shape.len()
                ),
            ));
        };
        let mut along = 0;
        for i in 0..node.inputs.len() {
            let x = p.layout(node, i)?;
            let xs = p.shape(node, i)?;
            let fits = xs.len() == out_shape.len()
                && xs
                    .iter()
                    .zip(&out_shape)
                    .enumerate()
                    .all(|(a, (d, o))| a == axis || d == o);
            if x.logical != xs || !fits {
                return Err(Planner::err(
                    node,
                    format!(
                        "input {i} (shape {xs:?}) does not concatenate into {out_shape:?} \
                         along axis {axis}, or is not in its natural layout (insert an \
                         identity AxisMap after a reshape)"
                    ),
                ));
            }
            along += xs.get(axis).copied().unwrap_or(0);
            p.cost.sumcheck += x.size();
        }
        if along != out_along {
            return Err(Planner::err(
                node,
                format!(
                    "the inputs add up to {along} along axis {axis}, the output has {out_along}"
                ),
            ));
        }
        p.set_out(node, Layout::natural(&out_shape), Source::Derived)?;
        Ok(NodePlan::Plain)
    }

    fn witness(&self, cx: &mut WitnessCtx<'_>, idx: usize) -> Result<Vec<i64>, ProveError> {
        let node = node_p(cx.graph, idx)?;
        let at = node.name.as_str();
        let axis = concat_axis(node).ok_or_else(|| key_mismatch(at, "op"))?;
        let out_l = layout(cx.plan, node.output, at)?;
        let mut y = vec![0i64; out_l.size()];
        for (&t, maps) in node.inputs.iter().zip(concat_maps(cx.plan, node, axis)) {
            let (xv, xl) = cx.tensor(t, at)?;
            let part = apply(xv, xl, out_l, &maps).ok_or_else(|| key_mismatch(at, "layouts"))?;
            for (yv, pv) in y.iter_mut().zip(part) {
                *yv += pv;
            }
        }
        Ok(y)
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
        let axis = concat_axis(node).ok_or_else(|| key_mismatch(at, "op"))?;
        // One part per input: its selector table, and its share of the claimed value.
        let parts: Vec<(usize, Vec<EF>)> = node
            .inputs
            .iter()
            .zip(concat_maps(cx.plan, node, axis))
            .map(|(&x, maps)| {
                axis_vectors(cx.plan, x, node.output, &maps, &claim.point)
                    .map(|v| (x, tensor_product(&v)))
                    .ok_or_else(|| key_mismatch(at, "concatenation"))
            })
            .collect::<Result<_, _>>()?;
        let shares: Vec<EF> = parts
            .iter()
            .map(|(x, t)| {
                Ok(to_field(cx.wit.tensor(*x, at)?)
                    .iter()
                    .zip(t)
                    .map(|(&v, &w)| w * v)
                    .sum())
            })
            .collect::<Result<_, ProveError>>()?;
        // Every share but the last is sent, masked when its input is private; the last one's
        // claim is the claimed value minus the others (its masks: the claim's minus theirs), so
        // the shares add up by construction and a split into `k` parts reveals `k − 1` fresh
        // masked values (docs/ZK-sumcheck.md §5.6).
        let mut claims = Vec::with_capacity(parts.len());
        for ((x, _), &share) in parts
            .iter()
            .zip(&shares)
            .take(parts.len().saturating_sub(1))
        {
            let private = cx.is_private(*x);
            claims.push(cx.send_value(&claim.point, share, private));
        }
        claims.push(last_share(claim, &claims));
        for ((x, table), part) in parts.into_iter().zip(claims) {
            prove_selector(cx, x, table, &part.masks, at)?;
        }
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
        let axis = concat_axis(node).ok_or_else(|| vk_mismatch(at))?;
        let n = node.inputs.len();
        let mut claims = Vec::with_capacity(n);
        for &x in node.inputs.iter().take(n.saturating_sub(1)) {
            let private = cx.is_private(x);
            claims.push(cx.recv_value(&claim.point, private, at)?);
        }
        claims.push(last_share(claim, &claims));
        for ((&x, maps), part) in node
            .inputs
            .iter()
            .zip(concat_maps(cx.plan, node, axis))
            .zip(claims)
        {
            verify_axis_map(cx, (x, node.output), &maps, &part, at)?;
        }
        Ok(())
    }
}
