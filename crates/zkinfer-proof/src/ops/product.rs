//! Ops linear in each of two activation operands, and broadcasting between activations.
//!
//! - matmul `y[β, m, n] = Σ_{k<K} a[β, m, k] · b[β, k, n]` (every stored `β, m, n`): after the
//!   claims on `y` are reduced to one at `r = (r_β ‖ r_m ‖ r_n)`, one sumcheck over `(β, k)` of
//!   `E(β, k) · A'(β, k) · B'(β, k)` with `A' = ã(·, r_m, ·)`, `B' = b̃(·, ·, r_n)` and
//!   `E(β, k) = eq(r_β, β) · [k < K]`; the validity factor makes the logical values exact
//!   whatever the operands hold in their padding. The verifier evaluates `Ẽ` itself, and the
//!   claims `ã(ρ_β, r_m, ρ_k)`, `b̃(ρ_β, ρ_k, r_n)` flow back to both operands;
//! - mul `y(x) = a(x) · b(x|kept)`: `ỹ(r) = Σ_x eq(r, x) · ã(x) · B(x)`, `B` being `b`
//!   repeated along its broadcast axes, so `B̃(s) = b̃(s|kept)`;
//! - broadcast add/sub `y(x) = a(x) ± b(x|kept) · Π_{broadcast axes} [x_axis < n_axis]`:
//!   `ỹ(r) = ã(r) ± b̃(r|kept) · Π ind_n(r_axis)`, with `ind_n` from [`valid_axis_mle`]; the
//!   prover sends both operand values and the verifier checks the relation.
//!
//! Broadcasting: `b` has the same rank as `a`; along a kept axis its layout equals `a`'s, along a
//! broadcast axis it has logical and padded size 1 (no variables).

use rayon::prelude::*;
use zkinfer_field::{EF, F, PrimeCharacteristicRing, from_signed};
use zkinfer_poly::{eq_eval, eq_table};
use zkinfer_sumcheck::{Column, Term, prove};

use super::{ProverCtx, VerifierCtx, cat, mle, to_field};
use crate::claims::Claim;
use crate::error::{ProveError, VerifyError};
use crate::ir::{Node, Op};
use crate::layout::Layout;

/// Largest magnitude of a linear op's output (well inside the field's signed range).
const OUT_BOUND: i128 = 1 << 62;

fn prod2() -> [Term; 1] {
    [Term::new(EF::ONE, vec![0, 1])]
}

fn prod3() -> [Term; 1] {
    [Term::new(EF::ONE, vec![0, 1, 2])]
}

/// `ind_n(r) = Σ_{j<n} eq(r, j)`: the MLE of the validity indicator `[j < n]` of an axis of
/// logical size `n` padded to `npad = 2^point.len()` positions (one definition:
/// [`super::gadgets::ind`]; `npad` is implied by the point).
pub fn valid_axis_mle(n: usize, _npad: usize, point: &[EF]) -> EF {
    super::gadgets::ind(n, point)
}

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
            if a.logical[i] == b.logical[i] && a.padded[i] == b.padded[i] {
                Some(true)
            } else if b.logical[i] == 1 && b.padded[i] == 1 {
                Some(false)
            } else {
                None
            }
        })
        .collect()
}

/// Splits a point of `a`'s layout into `b`'s point (the kept axes' chunks) and the product of
/// the validity MLEs of the broadcast axes. `None` if the lengths do not fit.
fn restrict(a: &Layout, kept: &[bool], r: &[EF]) -> Option<(Vec<EF>, EF)> {
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
            ind *= valid_axis_mle(n, p, chunk);
        }
        off += nv;
    }
    Some((point, ind))
}

/// For every stored position of `a`: the stored position of `b` it reads, and whether it is a
/// logical position along every broadcast axis.
fn broadcast_map(a: &Layout, b: &Layout, kept: &[bool]) -> Vec<(usize, bool)> {
    let mut out = vec![(0usize, true)];
    for (i, &k) in kept.iter().enumerate() {
        let (n, p) = (a.logical[i], a.padded[i]);
        let bp = b.padded[i];
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

fn fit(layer: &str, v: i128) -> Result<i64, ProveError> {
    if !(-OUT_BOUND..=OUT_BOUND).contains(&v) {
        return Err(ProveError::OutOfRange {
            layer: layer.to_string(),
            value: v,
            lo: -OUT_BOUND,
            hi: OUT_BOUND,
        });
    }
    i64::try_from(v).map_err(|_| ProveError::OutOfRange {
        layer: layer.to_string(),
        value: v,
        lo: -OUT_BOUND,
        hi: OUT_BOUND,
    })
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
        if n < 2
            || b.logical.len() != n
            || a.padded.len() != n
            || b.padded.len() != n
            || a.logical[..n - 2] != b.logical[..n - 2]
            || a.padded[..n - 2] != b.padded[..n - 2]
            || a.logical[n - 1] != b.logical[n - 2]
            || a.padded[n - 1] != b.padded[n - 2]
        {
            return None;
        }
        let bp: usize = a.padded[..n - 2].iter().product();
        let (mp, kp, np) = (a.padded[n - 2], a.padded[n - 1], b.padded[n - 1]);
        let tz = |x: usize| x.trailing_zeros() as usize;
        Some(Self {
            bp,
            mp,
            kp,
            np,
            k: a.logical[n - 1],
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
        out.logical.push(b.logical[n - 1]);
        out.padded.push(b.padded[n - 1]);
        Some(out)
    }
}

/// Checks an activation operand's layout is the natural layout of its shape (what the
/// two-operand ops index by).
fn natural(what: &str, shape: &[usize], l: &Layout) -> Result<(), String> {
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
    natural("operand a", a_shape, la)?;
    natural("operand b", b_shape, lb)?;
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
    natural("operand a", a_shape, la)?;
    natural("operand b", b_shape, lb)?;
    broadcast_axes(la, lb).map(|_| ()).ok_or_else(|| {
        format!(
            "operand b of shape {b_shape:?} does not broadcast to {a_shape:?} (same rank, each \
             dim 1 or equal)"
        )
    })
}

/// Witness of a matmul: every stored output position, `Σ_{k<K}` over the logical K only.
///
/// # Errors
/// [`ProveError::OutOfRange`] if an output leaves `±2^62`.
pub fn matmul_witness(
    name: &str,
    av: &[i64],
    la: &Layout,
    bv: &[i64],
    lb: &Layout,
) -> Result<Vec<i64>, ProveError> {
    let d = MatDims::new(la, lb)
        .ok_or_else(|| ProveError::Backend(format!("node `{name}`: operands do not multiply")))?;
    let mut y = vec![0i64; d.bp * d.mp * d.np];
    let mut acc = vec![0i128; d.np];
    for beta in 0..d.bp {
        for m in 0..d.mp {
            acc.iter_mut().for_each(|v| *v = 0);
            let arow = &av[(beta * d.mp + m) * d.kp..][..d.k];
            for (k, &x) in arow.iter().enumerate() {
                if x == 0 {
                    continue;
                }
                let brow = &bv[(beta * d.kp + k) * d.np..][..d.np];
                for (s, &w) in acc.iter_mut().zip(brow) {
                    *s += i128::from(x) * i128::from(w);
                }
            }
            let out = &mut y[(beta * d.mp + m) * d.np..][..d.np];
            for (o, &s) in out.iter_mut().zip(&acc) {
                *o = fit(name, s)?;
            }
        }
    }
    Ok(y)
}

/// Witness of an element-wise op between activations over `a`'s whole stored table: `a · B` for
/// `Mul`, `a ± b · [valid along the broadcast axes]` for `Add`/`Sub`.
///
/// # Errors
/// [`ProveError::OutOfRange`] if an output leaves `±2^62`.
pub fn elementwise_witness(
    name: &str,
    op: &Op,
    av: &[i64],
    la: &Layout,
    bv: &[i64],
    lb: &Layout,
) -> Result<Vec<i64>, ProveError> {
    let bad = || ProveError::Backend(format!("node `{name}`: operands do not broadcast"));
    let kept = broadcast_axes(la, lb).ok_or_else(bad)?;
    let map = broadcast_map(la, lb, &kept);
    av.iter()
        .zip(&map)
        .map(|(&x, &(j, valid))| {
            let w = i128::from(*bv.get(j).ok_or_else(bad)?);
            let x = i128::from(x);
            let v = match op {
                Op::Mul => x * w,
                Op::Add if valid => x + w,
                Op::Sub if valid => x - w,
                Op::Add | Op::Sub => x,
                _ => return Err(bad()),
            };
            fit(name, v)
        })
        .collect()
}

/// Whether an add/sub node broadcasts (its operands' layouts differ).
#[must_use]
pub fn is_broadcast(plan: &crate::plan::Plan, node: &Node) -> bool {
    match (node.inputs.first(), node.inputs.get(1)) {
        (Some(&a), Some(&b)) => plan.layouts.get(a) != plan.layouts.get(b),
        _ => false,
    }
}

/// Proves a matmul node given the (single) claim on its output.
///
/// # Panics
/// If the plan does not match the graph (a caller bug: the prover's own plan).
pub fn prove_matmul(cx: &mut ProverCtx<'_>, node: &Node, claim: &Claim) {
    let (a, b) = (node.inputs[0], node.inputs[1]);
    let d = MatDims::new(&cx.plan.layouts[a], &cx.plan.layouts[b]).expect("planned matmul");
    let (r_b, rest) = claim.point.split_at(d.vb);
    let (r_m, r_n) = rest.split_at(d.vm);
    let (eqb, eqm, eqn) = (eq_table(r_b), eq_table(r_m), eq_table(r_n));
    let (av, bv) = (&cx.wit.tensors[a], &cx.wit.tensors[b]);
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
    let out = prove(
        vec![Column::Ext(e), Column::Ext(ap), Column::Ext(bpr)],
        &prod3(),
        None,
        cx.ch.t,
    );
    cx.ch.sumcheck(&out);
    let (va, vb) = (out.evals[1], out.evals[2]);
    cx.ch.send(vec![va, vb]);
    let (rho_b, rho_k) = out.point.split_at(d.vb);
    cx.claims.tensor(
        cx.plan,
        a,
        Claim {
            point: cat(&cat(rho_b, r_m), rho_k),
            value: va,
        },
    );
    cx.claims.tensor(
        cx.plan,
        b,
        Claim {
            point: cat(&cat(rho_b, rho_k), r_n),
            value: vb,
        },
    );
}

/// Verifies a matmul node given the (single) claim on its output.
///
/// # Errors
/// If the sumcheck or its final check fails, or the messages have the wrong shape.
pub fn verify_matmul(
    cx: &mut VerifierCtx<'_>,
    node: &Node,
    claim: &Claim,
) -> Result<(), VerifyError> {
    let at = node.name.as_str();
    let bad = || VerifyError::at(at, "the plan does not match the graph");
    let (&a, &b) = (
        node.inputs.first().ok_or_else(bad)?,
        node.inputs.get(1).ok_or_else(bad)?,
    );
    let (la, lb) = (
        cx.plan.layouts.get(a).ok_or_else(bad)?,
        cx.plan.layouts.get(b).ok_or_else(bad)?,
    );
    let d = MatDims::new(la, lb).ok_or_else(bad)?;
    if claim.point.len() != d.vb + d.vm + d.vn {
        return Err(VerifyError::at(at, "claim point of the wrong length"));
    }
    let (r_b, rest) = claim.point.split_at(d.vb);
    let (r_m, r_n) = rest.split_at(d.vm);
    let sub = cx.rd.sumcheck(d.vb + d.vk, 3, claim.value, at)?;
    let ev = cx.rd.recv(2, at)?;
    let &[va, vb] = ev.as_slice() else {
        return Err(VerifyError::at(at, "expected two evaluations"));
    };
    if sub.point.len() != d.vb + d.vk {
        return Err(VerifyError::at(at, "sumcheck point of the wrong length"));
    }
    let (rho_b, rho_k) = sub.point.split_at(d.vb);
    let e = eq_eval(r_b, rho_b) * valid_axis_mle(d.k, d.kp, rho_k);
    sub.check_products(&prod3(), None, &[e, va, vb])
        .map_err(|err| VerifyError::at(at, err))?;
    cx.claims.tensor(
        cx.plan,
        a,
        Claim {
            point: cat(&cat(rho_b, r_m), rho_k),
            value: va,
        },
    );
    cx.claims.tensor(
        cx.plan,
        b,
        Claim {
            point: cat(&cat(rho_b, rho_k), r_n),
            value: vb,
        },
    );
    Ok(())
}

/// Proves an element-wise mul node given the (single) claim on its output.
///
/// # Panics
/// If the plan does not match the graph (a caller bug).
pub fn prove_mul(cx: &mut ProverCtx<'_>, node: &Node, claim: &Claim) {
    let (a, b) = (node.inputs[0], node.inputs[1]);
    let (la, lb) = (&cx.plan.layouts[a], &cx.plan.layouts[b]);
    let kept = broadcast_axes(la, lb).expect("planned mul");
    let bv = &cx.wit.tensors[b];
    let bcol: Vec<F> = broadcast_map(la, lb, &kept)
        .iter()
        .map(|&(j, _)| from_signed(bv[j]))
        .collect();
    let out = prove(
        vec![
            Column::Base(to_field(&cx.wit.tensors[a])),
            Column::Base(bcol),
        ],
        &prod2(),
        Some(&claim.point),
        cx.ch.t,
    );
    cx.ch.sumcheck(&out);
    cx.ch.send(out.evals.clone());
    let (rb, _) = restrict(la, &kept, &out.point).expect("planned mul");
    cx.claims.tensor(
        cx.plan,
        a,
        Claim {
            point: out.point.clone(),
            value: out.evals[0],
        },
    );
    cx.claims.tensor(
        cx.plan,
        b,
        Claim {
            point: rb,
            value: out.evals[1],
        },
    );
}

/// Verifies an element-wise mul node given the (single) claim on its output.
///
/// # Errors
/// If the sumcheck or its final check fails, or the messages have the wrong shape.
pub fn verify_mul(cx: &mut VerifierCtx<'_>, node: &Node, claim: &Claim) -> Result<(), VerifyError> {
    let at = node.name.as_str();
    let bad = || VerifyError::at(at, "the plan does not match the graph");
    let (&a, &b) = (
        node.inputs.first().ok_or_else(bad)?,
        node.inputs.get(1).ok_or_else(bad)?,
    );
    let (la, lb) = (
        cx.plan.layouts.get(a).ok_or_else(bad)?,
        cx.plan.layouts.get(b).ok_or_else(bad)?,
    );
    let kept = broadcast_axes(la, lb).ok_or_else(bad)?;
    if claim.point.len() != la.num_vars() {
        return Err(VerifyError::at(at, "claim point of the wrong length"));
    }
    let sub = cx.rd.sumcheck(la.num_vars(), 3, claim.value, at)?;
    let ev = cx.rd.recv(2, at)?;
    let &[va, vb] = ev.as_slice() else {
        return Err(VerifyError::at(at, "expected two evaluations"));
    };
    sub.check_products(&prod2(), Some(&claim.point), &[va, vb])
        .map_err(|err| VerifyError::at(at, err))?;
    let (rb, _) = restrict(la, &kept, &sub.point).ok_or_else(bad)?;
    cx.claims.tensor(
        cx.plan,
        a,
        Claim {
            point: sub.point.clone(),
            value: va,
        },
    );
    cx.claims.tensor(
        cx.plan,
        b,
        Claim {
            point: rb,
            value: vb,
        },
    );
    Ok(())
}

/// Proves a broadcasting add/sub node given the (single) claim on its output.
///
/// # Panics
/// If the plan does not match the graph (a caller bug).
pub fn prove_add_broadcast(cx: &mut ProverCtx<'_>, node: &Node, claim: &Claim) {
    let (a, b) = (node.inputs[0], node.inputs[1]);
    let (la, lb) = (&cx.plan.layouts[a], &cx.plan.layouts[b]);
    let kept = broadcast_axes(la, lb).expect("planned add");
    let (rb, _) = restrict(la, &kept, &claim.point).expect("planned add");
    let va = mle(&cx.wit.tensors[a], &claim.point);
    let vb = mle(&cx.wit.tensors[b], &rb);
    cx.ch.send(vec![va, vb]);
    cx.claims.tensor(
        cx.plan,
        a,
        Claim {
            point: claim.point.clone(),
            value: va,
        },
    );
    cx.claims.tensor(
        cx.plan,
        b,
        Claim {
            point: rb,
            value: vb,
        },
    );
}

/// Verifies a broadcasting add/sub node: `ỹ(r) = ã(r) ± b̃(r|kept) · Π ind(r_axis)`.
///
/// # Errors
/// If the relation fails or the messages have the wrong shape.
pub fn verify_add_broadcast(
    cx: &mut VerifierCtx<'_>,
    node: &Node,
    claim: &Claim,
) -> Result<(), VerifyError> {
    let at = node.name.as_str();
    let bad = || VerifyError::at(at, "the plan does not match the graph");
    let (&a, &b) = (
        node.inputs.first().ok_or_else(bad)?,
        node.inputs.get(1).ok_or_else(bad)?,
    );
    let (la, lb) = (
        cx.plan.layouts.get(a).ok_or_else(bad)?,
        cx.plan.layouts.get(b).ok_or_else(bad)?,
    );
    let kept = broadcast_axes(la, lb).ok_or_else(bad)?;
    let (rb, ind) = restrict(la, &kept, &claim.point)
        .ok_or_else(|| VerifyError::at(at, "claim point of the wrong length"))?;
    let ev = cx.rd.recv(2, at)?;
    let &[va, vb] = ev.as_slice() else {
        return Err(VerifyError::at(at, "expected two evaluations"));
    };
    let want = match node.op {
        Op::Add => va + vb * ind,
        Op::Sub => va - vb * ind,
        _ => return Err(bad()),
    };
    if want != claim.value {
        return Err(VerifyError::at(
            at,
            "the output claim does not match the operands' values",
        ));
    }
    cx.claims.tensor(
        cx.plan,
        a,
        Claim {
            point: claim.point.clone(),
            value: va,
        },
    );
    cx.claims.tensor(
        cx.plan,
        b,
        Claim {
            point: rb,
            value: vb,
        },
    );
    Ok(())
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
        assert_eq!(ind, valid_axis_mle(5, 8, &r[2..5]));
    }
}
