//! Broadcasting between activations: `b` has the same rank as `a`; along a kept axis its layout
//! equals `a`'s, along a broadcast axis it has logical and padded size 1 (no variables).
//!
//! - broadcast add/sub `y(x) = a(x) ± b(x|kept) · Π_{broadcast axes} [x_axis < n_axis]`:
//!   `ỹ(r) = ã(r) ± b̃(r|kept) · Π ind_n(r_axis)`; the prover sends `b̃(r|kept)` (masked when `b`
//!   is private) and `a`'s claim is the output's claim minus `± ind · b`'s (its masks likewise),
//!   so neither operand's value is revealed (the op itself is [`super::affine::AddSub`]);
//! - the element-wise mul's broadcast column and point restriction ([`super::product::Mul`]).
//!
//! Witness rule: every stored position of `a` is computed; `b` is read at its broadcast
//! position, and an add/sub adds `b` only at logical positions of the broadcast axes.
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

use super::api::{ProverCtx, VerifierCtx};
use super::util::{fit, input, input_v, key_mismatch, layout, layout_v, mle, vk_mismatch};
use crate::claims::Claim;
use crate::context::WitnessCtx;
use crate::error::{ProveError, VerifyError};
use crate::ir::{Node, Op};
use crate::layout::Layout;

/// Per axis of `a`, whether `b` varies along it (`true`) or is broadcast (`false`); `None` if `b`
/// does not broadcast to `a` (different rank, or an axis neither equal nor of size 1).
#[must_use]
pub fn broadcast_axes(a: &Layout, b: &Layout) -> Option<Vec<bool>> {
    if a.logical.len() != b.logical.len()
        || a.padded.len() != a.logical.len()
        || b.padded.len() != b.logical.len()
    {
        return None;
    }
    (0..a.logical.len())
        .map(|i| {
            let (al, ap) = (a.logical.get(i)?, a.padded.get(i)?);
            let (bl, bp) = (b.logical.get(i)?, b.padded.get(i)?);
            if al == bl && ap == bp {
                Some(true)
            } else if *bl == 1 && *bp == 1 {
                Some(false)
            } else {
                None
            }
        })
        .collect()
}

/// Splits a point of `a`'s layout into `b`'s point (the kept axes' chunks) and the product of
/// the validity MLEs of the broadcast axes. `None` if the lengths do not fit.
pub(crate) fn restrict(a: &Layout, kept: &[bool], r: &[EF]) -> Option<(Vec<EF>, EF)> {
    if r.len() != a.num_vars() || kept.len() != a.padded.len() {
        return None;
    }
    let mut off = 0;
    let mut point = Vec::new();
    let mut ind = EF::ONE;
    for ((&n, &p), &k) in a.logical.iter().zip(&a.padded).zip(kept) {
        let nv = p.trailing_zeros() as usize;
        let chunk = r.get(off..off + nv)?;
        if k {
            point.extend_from_slice(chunk);
        } else {
            ind *= super::util::ind(n, chunk);
        }
        off += nv;
    }
    Some((point, ind))
}

/// For every stored position of `a`: the stored position of `b` it reads, and whether it is a
/// logical position along every broadcast axis.
pub(crate) fn broadcast_map(a: &Layout, b: &Layout, kept: &[bool]) -> Vec<(usize, bool)> {
    let mut out = vec![(0usize, true)];
    for (((&k, &n), &p), &bp) in kept.iter().zip(&a.logical).zip(&a.padded).zip(&b.padded) {
        let mut next = Vec::with_capacity(out.len() * p);
        for &(base, valid) in &out {
            for j in 0..p {
                if k {
                    next.push((base * bp + j, valid));
                } else {
                    next.push((base, valid && j < n));
                }
            }
        }
        out = next;
    }
    out
}

/// Checks an activation operand's layout is the natural layout of its shape (what the
/// two-operand ops index by).
pub(crate) fn check_natural(what: &str, shape: &[usize], l: &Layout) -> Result<(), String> {
    if *l != Layout::natural(shape) {
        return Err(format!(
            "{what} of shape {shape:?} is stored in the layout of a reshape ({:?}); only reshapes \
             that keep the storage bit-exact (no padding before, power-of-two dims after) can feed \
             this op — reshape a tensor without padding, or insert an identity AxisMap",
            l.logical
        ));
    }
    Ok(())
}

/// Compile-time checks of an element-wise op between activations (`b` broadcast to `a`).
///
/// # Errors
/// A message for the plan's error if `b` does not broadcast to `a`.
pub fn plan_broadcast(
    a_shape: &[usize],
    la: &Layout,
    b_shape: &[usize],
    lb: &Layout,
    out_shape: &[usize],
) -> Result<(), String> {
    if a_shape != out_shape {
        return Err(format!(
            "output shape {out_shape:?} differs from the first operand's {a_shape:?}"
        ));
    }
    if la == lb {
        if a_shape != b_shape {
            return Err(format!(
                "operands share one storage layout but have shapes {a_shape:?} and {b_shape:?}"
            ));
        }
        return Ok(());
    }
    check_natural("operand a", a_shape, la)?;
    check_natural("operand b", b_shape, lb)?;
    broadcast_axes(la, lb).map(|_| ()).ok_or_else(|| {
        format!(
            "operand b of shape {b_shape:?} does not broadcast to {a_shape:?} (same rank, each \
             dim 1 or equal)"
        )
    })
}

/// Witness of an element-wise op between activations over `a`'s whole stored table: `a · B` for
/// `Mul`, `a ± b · [valid along the broadcast axes]` for `Add`/`Sub` (the trace at logical
/// positions, computed here at padded ones).
///
/// # Errors
/// [`ProveError::OutOfRange`] if an output leaves `±2^62`.
pub fn elementwise_witness(
    cx: &WitnessCtx<'_>,
    node: &Node,
    av: &[i64],
    la: &Layout,
    bv: &[i64],
    lb: &Layout,
) -> Result<Vec<i64>, ProveError> {
    let name = node.name.as_str();
    let bad = || ProveError::Backend(format!("node `{name}`: operands do not broadcast"));
    let kept = broadcast_axes(la, lb).ok_or_else(bad)?;
    let map = broadcast_map(la, lb, &kept);
    cx.stored(node.output, name, |z| {
        let (&x, &(j, valid)) = av.get(z).zip(map.get(z)).ok_or_else(bad)?;
        let w = i128::from(*bv.get(j).ok_or_else(bad)?);
        let x = i128::from(x);
        let v = match node.op {
            Op::Mul => x * w,
            Op::Add if valid => x + w,
            Op::Sub if valid => x - w,
            Op::Add | Op::Sub => x,
            _ => return Err(bad()),
        };
        fit(name, v)
    })
}

/// Two operands, each a tensor with its layout.
pub(crate) type Operands<'p> = ((usize, &'p Layout), (usize, &'p Layout));

/// The two operands of a node with their layouts (prover side).
pub(crate) fn operands<'p>(
    plan: &'p crate::plan::Plan,
    node: &Node,
) -> Result<Operands<'p>, ProveError> {
    let (a, b) = (input(node, 0)?, input(node, 1)?);
    Ok((
        (a, layout(plan, a, &node.name)?),
        (b, layout(plan, b, &node.name)?),
    ))
}

/// The two operands of a node with their layouts (verifier side).
pub(crate) fn operands_v<'p>(
    plan: &'p crate::plan::Plan,
    node: &Node,
) -> Result<Operands<'p>, VerifyError> {
    let (a, b) = (input_v(node, 0)?, input_v(node, 1)?);
    Ok((
        (a, layout_v(plan, a, &node.name)?),
        (b, layout_v(plan, b, &node.name)?),
    ))
}

/// Proves a broadcasting add/sub node given the (single) claim on its output.
///
/// # Errors
/// If the proving key's plan does not fit its graph.
pub(crate) fn prove_add_broadcast(
    cx: &mut ProverCtx<'_>,
    node: &Node,
    claim: &Claim,
) -> Result<(), ProveError> {
    let at = node.name.as_str();
    let ((a, la), (b, lb)) = operands(cx.plan, node)?;
    let kept = broadcast_axes(la, lb).ok_or_else(|| key_mismatch(at, "broadcast"))?;
    let (rb, ind) = restrict(la, &kept, &claim.point).ok_or_else(|| key_mismatch(at, "point"))?;
    let vb = mle(cx.wit.tensor(b, at)?, &rb);
    let private = cx.is_private(b);
    let bc = cx.send_value(&rb, vb, private);
    let ac = first_operand(&node.op, claim, &bc, ind).ok_or_else(|| key_mismatch(at, "op"))?;
    cx.pass(a, ac, at)?;
    cx.pass(b, bc, at)
}

/// `a`'s claim at `r` from the output's claim at `r` and `b`'s at `r|kept`: `ỹ − ind·b̃` for add,
/// `ỹ + ind·b̃` for sub (`ind` the validity MLE of the broadcast axes at `r`); `None` for another
/// op.
fn first_operand(op: &Op, y: &Claim, b: &Claim, ind: EF) -> Option<Claim> {
    let sign = match op {
        Op::Add => -EF::ONE,
        Op::Sub => EF::ONE,
        _ => return None,
    };
    Some(Claim::combine(&[(EF::ONE, y), (sign * ind, b)]))
}

/// Verifies a broadcasting add/sub node: `ỹ(r) = ã(r) ± b̃(r|kept) · Π ind(r_axis)`, with
/// `b̃(r|kept)` read from the proof and `ã(r)`'s claim derived from it (the relation holds by
/// construction; the claims on `a` and `b` are checked where they go).
///
/// # Errors
/// If the point or the messages have the wrong shape.
#[cfg_attr(not(test), deny(clippy::indexing_slicing))]
pub(crate) fn verify_add_broadcast(
    cx: &mut VerifierCtx<'_>,
    node: &Node,
    claim: &Claim,
) -> Result<(), VerifyError> {
    let at = node.name.as_str();
    let bad = || vk_mismatch(at);
    let ((a, la), (b, lb)) = operands_v(cx.plan, node)?;
    let kept = broadcast_axes(la, lb).ok_or_else(bad)?;
    let (rb, ind) = restrict(la, &kept, &claim.point)
        .ok_or_else(|| VerifyError::at(at, "claim point of the wrong length"))?;
    let private = cx.is_private(b);
    let bc = cx.recv_value(&rb, private, at)?;
    let ac = first_operand(&node.op, claim, &bc, ind).ok_or_else(bad)?;
    cx.pass(a, ac, at)?;
    cx.pass(b, bc, at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkinfer_field::F;

    #[test]
    fn broadcast_restricts_points() {
        let a = Layout::natural(&[1, 3, 5, 6]);
        let b = Layout::natural(&[1, 3, 1, 6]);
        let kept = broadcast_axes(&a, &b).unwrap();
        assert_eq!(kept, vec![true, true, false, true]);
        assert!(broadcast_axes(&a, &Layout::natural(&[1, 3, 2, 6])).is_none());
        let map = broadcast_map(&a, &b, &kept);
        assert_eq!(map.len(), a.size());
        // (0, 2, 6, 5) reads b at (0, 2, 0, 5), padded along axis 2.
        assert_eq!(map[(2 * 8 + 6) * 8 + 5], (2 * 8 + 5, false));
        let r: Vec<EF> = (0..a.num_vars())
            .map(|i| EF::from(F::from_u64(3 + i as u64)))
            .collect();
        let (rb, ind) = restrict(&a, &kept, &r).unwrap();
        assert_eq!(rb.len(), b.num_vars());
        assert_eq!(ind, crate::ops::valid_axis_mle(5, 8, &r[2..5]));
    }
}
