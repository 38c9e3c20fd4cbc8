//! Linear layers by sumcheck.
//!
//! - matmul `y = x·W + b`: `ỹ(r_M, r_N) − b̃(r_N) = Σ_s x̃(r_M, s) · W̃(s, r_N)`;
//! - convolution: the same over `κ = (ci, kh, kw)` with the patch matrix `P̃(r_o, κ)`, whose
//!   claim a second sumcheck moves to `x` through the window selector ([`crate::select`]);
//! - sum-pool: one sumcheck of `x` against the selector;
//! - add/sub: the prover splits the value; constant multiply: the verifier divides.

use zkinfer_field::{EF, Field, PrimeCharacteristicRing, from_signed};
use zkinfer_poly::{eq_eval, eq_table};
use zkinfer_sumcheck::{Column, Term, prove};

use super::{ProverCtx, VerifierCtx, cat, mle, product, to_field};
use crate::claims::Claim;
use crate::error::VerifyError;
use crate::ir::{Node, Op, Window};
use crate::layout::Layout;
use crate::plan::{NodePlan, Plan, chw_of};
use crate::select::{axis_selector, kernel_weights, window_table, window_table_eval};
use crate::witness::concat_maps;

const REDUCE: &[u8] = b"zkinfer/reduce";

fn prod2() -> [Term; 1] {
    [Term::new(EF::ONE, vec![0, 1])]
}

/// Reduces the claims on a derived tensor to one (prover).
pub fn reduce_prove(cx: &mut ProverCtx<'_>, values: &[i64], claims: Vec<Claim>) -> Option<Claim> {
    if claims.len() <= 1 {
        return claims.into_iter().next();
    }
    let alpha = cx.ch.t.challenge(REDUCE);
    let mut e = vec![EF::ZERO; values.len()];
    let mut c = EF::ONE;
    for cl in &claims {
        for (ei, t) in e.iter_mut().zip(eq_table(&cl.point)) {
            *ei += c * t;
        }
        c *= alpha;
    }
    let out = prove(
        vec![Column::Base(to_field(values)), Column::Ext(e)],
        &prod2(),
        None,
        cx.ch.t,
    );
    cx.ch.sumcheck(&out);
    let v = out.evals[0];
    cx.ch.send(vec![v]);
    Some(Claim {
        point: out.point,
        value: v,
    })
}

/// Reduces the claims on a derived tensor to one (verifier).
///
/// # Errors
/// If the reduction sumcheck or its final check fails.
pub fn reduce_verify(
    cx: &mut VerifierCtx<'_>,
    num_vars: usize,
    claims: Vec<Claim>,
    at: &str,
) -> Result<Option<Claim>, VerifyError> {
    if claims.len() <= 1 {
        return Ok(claims.into_iter().next());
    }
    let alpha = cx.rd.t.challenge(REDUCE);
    let mut sum = EF::ZERO;
    let mut c = EF::ONE;
    for cl in &claims {
        if cl.point.len() != num_vars {
            return Err(VerifyError::at(at, "claim point of the wrong length"));
        }
        sum += c * cl.value;
        c *= alpha;
    }
    let sub = cx.rd.sumcheck(num_vars, 2, sum, at)?;
    let v = cx.rd.recv1(at)?;
    let mut e = EF::ZERO;
    let mut c = EF::ONE;
    for cl in &claims {
        e += c * eq_eval(&cl.point, &sub.point);
        c *= alpha;
    }
    sub.check_products(&prod2(), None, &[v, e])
        .map_err(|err| VerifyError::at(at, err))?;
    Ok(Some(Claim {
        point: sub.point,
        value: v,
    }))
}

/// Dimensions of a matmul node: (x, M-part vars, K-part layout, padded N).
fn matmul_dims(plan: &Plan, node: &Node, split: usize) -> Option<(usize, usize, Layout, usize)> {
    let x = *node.inputs.first()?;
    let xl = plan.layouts.get(x)?;
    let ml = xl.sub(0..split);
    let kl = xl.sub(split..xl.logical.len());
    let n = match &node.op {
        Op::MatMulConst { weight, .. } => *weight.shape.get(1)?,
        _ => return None,
    };
    Some((x, ml.num_vars(), kl, n.next_power_of_two()))
}

/// Proves a linear node given the (single) claim on its output.
pub fn prove_node(cx: &mut ProverCtx<'_>, idx: usize, claim: &Claim) {
    let node = &cx.graph.nodes[idx];
    match (&node.op, &cx.plan.nodes[idx]) {
        (
            Op::MatMulConst { .. },
            NodePlan::Weighted {
                weight,
                bias,
                split,
            },
        ) => {
            let (x, nm, kl, np) = matmul_dims(cx.plan, node, *split).expect("planned matmul");
            let (r_m, r_n) = claim.point.split_at(nm);
            if let Some(bc) = bias {
                let b = mle(&cx.weights[*bc], r_n);
                cx.ch.send(vec![b]);
                cx.claims.weight(*bc, r_n.to_vec(), b);
            }
            let eqm = eq_table(r_m);
            let eqn = eq_table(r_n);
            let ks = kl.size();
            let xs = &cx.wit.tensors[x];
            let mut xr = vec![EF::ZERO; ks];
            for (m, &em) in eqm.iter().enumerate() {
                for (acc, &v) in xr.iter_mut().zip(&xs[m * ks..(m + 1) * ks]) {
                    *acc += em * from_signed(v);
                }
            }
            let w = &cx.weights[*weight];
            let wr: Vec<EF> = (0..ks)
                .map(|s| {
                    w[s * np..(s + 1) * np]
                        .iter()
                        .zip(&eqn)
                        .map(|(&v, &e)| e * from_signed(v))
                        .sum()
                })
                .collect();
            let out = prove(
                vec![Column::Ext(xr), Column::Ext(wr)],
                &prod2(),
                None,
                cx.ch.t,
            );
            cx.ch.sumcheck(&out);
            cx.ch.send(out.evals.clone());
            cx.claims.tensor(
                cx.plan,
                x,
                Claim {
                    point: cat(r_m, &out.point),
                    value: out.evals[0],
                },
            );
            cx.claims
                .weight(*weight, cat(&out.point, r_n), out.evals[1]);
        }
        (
            Op::Conv2d {
                weight: wc, window, ..
            },
            NodePlan::Weighted { weight, bias, .. },
        ) => {
            let x = node.inputs[0];
            let g = ConvGeom::new(cx.plan, node, &wc.shape, window).expect("planned conv");
            let (r_co, r_o) = claim.point.split_at(g.nco);
            let (r_oh, r_ow) = r_o.split_at(g.noh);
            if let Some(bc) = bias {
                let b = mle(&cx.weights[*bc], r_co);
                cx.ch.send(vec![b]);
                cx.claims.weight(*bc, r_co.to_vec(), b);
            }
            let eqco = eq_table(r_co);
            let ks = g.cip * g.khp * g.kwp;
            let w = &cx.weights[*weight];
            let mut wr = vec![EF::ZERO; ks];
            for (co, &e) in eqco.iter().enumerate() {
                for (acc, &v) in wr.iter_mut().zip(&w[co * ks..(co + 1) * ks]) {
                    *acc += e * from_signed(v);
                }
            }
            let (eqh, eqw) = (eq_table(r_oh), eq_table(r_ow));
            let xs = &cx.wit.tensors[x];
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
            let out = prove(
                vec![Column::Ext(wr), Column::Ext(pr)],
                &prod2(),
                None,
                cx.ch.t,
            );
            cx.ch.sumcheck(&out);
            cx.ch.send(out.evals.clone());
            cx.claims
                .weight(*weight, cat(r_co, &out.point), out.evals[0]);
            let table = g.patch_selector(&out.point, r_oh, r_ow, window, false);
            let p_claim = out.evals[1];
            prove_selector(cx, x, table, p_claim);
        }
        (Op::SumPool { window }, _) => {
            let x = node.inputs[0];
            let g = ConvGeom::pool(cx.plan, node, window).expect("planned pool");
            let (r_c, r_o) = claim.point.split_at(g.nco);
            let (r_oh, r_ow) = r_o.split_at(g.noh);
            let ones = vec![EF::ONE; window.kernel[0].max(window.kernel[1])];
            let ah = axis_selector(
                &eq_table(r_oh),
                g.oh,
                &ones[..g.kh],
                window.stride[0],
                window.dilation[0],
                window.pad[0],
                g.h,
                g.hp,
            );
            let aw = axis_selector(
                &eq_table(r_ow),
                g.ow,
                &ones[..g.kw],
                window.stride[1],
                window.dilation[1],
                window.pad[1],
                g.w,
                g.wp,
            );
            prove_selector(cx, x, window_table(r_c, &ah, &aw), claim.value);
        }
        (Op::MatMul, _) => product::prove_matmul(cx, node, claim),
        (Op::Mul, _) => product::prove_mul(cx, node, claim),
        (Op::Add | Op::Sub, _) if product::is_broadcast(cx.plan, node) => {
            product::prove_add_broadcast(cx, node, claim);
        }
        (Op::Add | Op::Sub, _) => {
            let a = mle(&cx.wit.tensors[node.inputs[0]], &claim.point);
            cx.ch.send(vec![a]);
            let b = if matches!(node.op, Op::Add) {
                claim.value - a
            } else {
                a - claim.value
            };
            cx.claims.tensor(
                cx.plan,
                node.inputs[0],
                Claim {
                    point: claim.point.clone(),
                    value: a,
                },
            );
            cx.claims.tensor(
                cx.plan,
                node.inputs[1],
                Claim {
                    point: claim.point.clone(),
                    value: b,
                },
            );
        }
        (Op::AddConst { .. }, NodePlan::Weighted { weight, .. }) => {
            let c = mle(&cx.weights[*weight], &claim.point);
            cx.ch.send(vec![c]);
            cx.claims.weight(*weight, claim.point.clone(), c);
            cx.claims.tensor(
                cx.plan,
                node.inputs[0],
                Claim {
                    point: claim.point.clone(),
                    value: claim.value - c,
                },
            );
        }
        (Op::MulConstTensor { .. }, NodePlan::Weighted { weight, .. }) => {
            let x = node.inputs[0];
            let cols = vec![
                Column::Base(to_field(&cx.wit.tensors[x])),
                Column::Base(to_field(&cx.weights[*weight])),
            ];
            let out = prove(cols, &prod2(), Some(&claim.point), cx.ch.t);
            cx.ch.sumcheck(&out);
            cx.ch.send(out.evals.clone());
            cx.claims.tensor(
                cx.plan,
                x,
                Claim {
                    point: out.point.clone(),
                    value: out.evals[0],
                },
            );
            cx.claims.weight(*weight, out.point, out.evals[1]);
        }
        (Op::Transpose { perm }, _) => {
            let x = node.inputs[0];
            let point = transpose_point(cx.plan, x, perm, &claim.point).expect("planned transpose");
            cx.claims.tensor(
                cx.plan,
                x,
                Claim {
                    point,
                    value: claim.value,
                },
            );
        }
        (Op::AxisMap { maps }, _) => {
            let x = node.inputs[0];
            let vecs = axis_vectors(cx.plan, x, node.output, maps, &claim.point)
                .expect("planned axis map");
            let table = tensor_product(&vecs);
            prove_selector(cx, x, table, claim.value);
        }
        (Op::Concat { axis }, _) => {
            // One part per input: its selector table and its share of the claimed value, sent
            // before the per-part sumchecks.
            let parts: Vec<(usize, Vec<EF>)> = node
                .inputs
                .iter()
                .zip(concat_maps(cx.plan, node, *axis))
                .map(|(&x, maps)| {
                    let vecs = axis_vectors(cx.plan, x, node.output, &maps, &claim.point)
                        .expect("planned concatenation");
                    (x, tensor_product(&vecs))
                })
                .collect();
            let shares: Vec<EF> = parts
                .iter()
                .map(|(x, t)| {
                    to_field(&cx.wit.tensors[*x])
                        .iter()
                        .zip(t)
                        .map(|(&v, &w)| w * v)
                        .sum()
                })
                .collect();
            cx.ch.send(shares.clone());
            for ((x, table), share) in parts.into_iter().zip(shares) {
                prove_selector(cx, x, table, share);
            }
        }
        (Op::MulConst { c }, _) => {
            let inv = from_signed(*c).inverse();
            cx.claims.tensor(
                cx.plan,
                node.inputs[0],
                Claim {
                    point: claim.point.clone(),
                    value: claim.value * inv,
                },
            );
        }
        _ => {}
    }
}

/// `Σ_pos x(pos) · T(pos) = value`, leaving a claim on `x`.
pub(crate) fn prove_selector(cx: &mut ProverCtx<'_>, x: usize, table: Vec<EF>, _value: EF) {
    let xs = to_field(&cx.wit.tensors[x]);
    let out = prove(
        vec![Column::Base(xs), Column::Ext(table)],
        &prod2(),
        None,
        cx.ch.t,
    );
    cx.ch.sumcheck(&out);
    cx.ch.send(vec![out.evals[0]]);
    cx.claims.tensor(
        cx.plan,
        x,
        Claim {
            point: out.point,
            value: out.evals[0],
        },
    );
}

/// Verifies a linear node given the (single) claim on its output.
///
/// # Errors
/// If a sumcheck or a final check fails, or the proof's messages have the wrong shape.
pub fn verify_node(
    cx: &mut VerifierCtx<'_>,
    idx: usize,
    node: &Node,
    claim: &Claim,
) -> Result<(), VerifyError> {
    let at = node.name.as_str();
    let bad = || VerifyError::at(at, "the plan does not match the graph");
    let plan_node = cx.plan.nodes.get(idx).ok_or_else(bad)?.clone();
    match (&node.op, &plan_node) {
        (
            Op::MatMulConst { .. },
            NodePlan::Weighted {
                weight,
                bias,
                split,
            },
        ) => {
            let (x, nm, kl, np) = matmul_dims(cx.plan, node, *split).ok_or_else(bad)?;
            if claim.point.len() != nm + np.trailing_zeros() as usize {
                return Err(VerifyError::at(at, "claim point of the wrong length"));
            }
            let (r_m, r_n) = claim.point.split_at(nm);
            let mut target = claim.value;
            if let Some(bc) = bias {
                let b = cx.rd.recv1(at)?;
                cx.claims.weight(*bc, r_n.to_vec(), b);
                target -= b;
            }
            let sub = cx.rd.sumcheck(kl.num_vars(), 2, target, at)?;
            let ev = cx.rd.recv(2, at)?;
            sub.check_products(&prod2(), None, &ev)
                .map_err(|e| VerifyError::at(at, e))?;
            cx.claims.tensor(
                cx.plan,
                x,
                Claim {
                    point: cat(r_m, &sub.point),
                    value: ev[0],
                },
            );
            cx.claims.weight(*weight, cat(&sub.point, r_n), ev[1]);
        }
        (
            Op::Conv2d {
                weight: wc, window, ..
            },
            NodePlan::Weighted { weight, bias, .. },
        ) => {
            let x = *node.inputs.first().ok_or_else(bad)?;
            let g = ConvGeom::new(cx.plan, node, &wc.shape, window).ok_or_else(bad)?;
            if claim.point.len() != g.nco + g.noh + g.now {
                return Err(VerifyError::at(at, "claim point of the wrong length"));
            }
            let (r_co, r_o) = claim.point.split_at(g.nco);
            let (r_oh, r_ow) = r_o.split_at(g.noh);
            let mut target = claim.value;
            if let Some(bc) = bias {
                let b = cx.rd.recv1(at)?;
                cx.claims.weight(*bc, r_co.to_vec(), b);
                target -= b;
            }
            let nk = (g.cip * g.khp * g.kwp).trailing_zeros() as usize;
            let sub = cx.rd.sumcheck(nk, 2, target, at)?;
            let ev = cx.rd.recv(2, at)?;
            sub.check_products(&prod2(), None, &ev)
                .map_err(|e| VerifyError::at(at, e))?;
            cx.claims.weight(*weight, cat(r_co, &sub.point), ev[0]);
            let (rc, ah, aw) = g.selector_parts(&sub.point, r_oh, r_ow, window, false);
            verify_selector(cx, x, &rc, &ah, &aw, ev[1], at)?;
        }
        (Op::SumPool { window }, _) => {
            let x = *node.inputs.first().ok_or_else(bad)?;
            let g = ConvGeom::pool(cx.plan, node, window).ok_or_else(bad)?;
            if claim.point.len() != g.nco + g.noh + g.now {
                return Err(VerifyError::at(at, "claim point of the wrong length"));
            }
            let (r_c, r_o) = claim.point.split_at(g.nco);
            let (r_oh, r_ow) = r_o.split_at(g.noh);
            let ones_h = vec![EF::ONE; g.kh];
            let ones_w = vec![EF::ONE; g.kw];
            let ah = axis_selector(
                &eq_table(r_oh),
                g.oh,
                &ones_h,
                window.stride[0],
                window.dilation[0],
                window.pad[0],
                g.h,
                g.hp,
            );
            let aw = axis_selector(
                &eq_table(r_ow),
                g.ow,
                &ones_w,
                window.stride[1],
                window.dilation[1],
                window.pad[1],
                g.w,
                g.wp,
            );
            verify_selector(cx, x, r_c, &ah, &aw, claim.value, at)?;
        }
        (Op::MatMul, _) => product::verify_matmul(cx, node, claim)?,
        (Op::Mul, _) => product::verify_mul(cx, node, claim)?,
        (Op::Add | Op::Sub, _) if product::is_broadcast(cx.plan, node) => {
            product::verify_add_broadcast(cx, node, claim)?;
        }
        (Op::Add | Op::Sub, _) => {
            let (&a_t, &b_t) = (
                node.inputs.first().ok_or_else(bad)?,
                node.inputs.get(1).ok_or_else(bad)?,
            );
            let a = cx.rd.recv1(at)?;
            let b = if matches!(node.op, Op::Add) {
                claim.value - a
            } else {
                a - claim.value
            };
            cx.claims.tensor(
                cx.plan,
                a_t,
                Claim {
                    point: claim.point.clone(),
                    value: a,
                },
            );
            cx.claims.tensor(
                cx.plan,
                b_t,
                Claim {
                    point: claim.point.clone(),
                    value: b,
                },
            );
        }
        (Op::AddConst { .. }, NodePlan::Weighted { weight, .. }) => {
            let x = *node.inputs.first().ok_or_else(bad)?;
            let c = cx.rd.recv1(at)?;
            cx.claims.weight(*weight, claim.point.clone(), c);
            cx.claims.tensor(
                cx.plan,
                x,
                Claim {
                    point: claim.point.clone(),
                    value: claim.value - c,
                },
            );
        }
        (Op::MulConstTensor { .. }, NodePlan::Weighted { weight, .. }) => {
            let x = *node.inputs.first().ok_or_else(bad)?;
            let nv = claim.point.len();
            let sub = cx.rd.sumcheck(nv, 3, claim.value, at)?;
            let ev = cx.rd.recv(2, at)?;
            sub.check_products(&prod2(), Some(&claim.point), &ev)
                .map_err(|e| VerifyError::at(at, e))?;
            cx.claims.tensor(
                cx.plan,
                x,
                Claim {
                    point: sub.point.clone(),
                    value: ev[0],
                },
            );
            cx.claims.weight(*weight, sub.point, ev[1]);
        }
        (Op::Transpose { perm }, _) => {
            let x = *node.inputs.first().ok_or_else(bad)?;
            let point = transpose_point(cx.plan, x, perm, &claim.point).ok_or_else(bad)?;
            cx.claims.tensor(
                cx.plan,
                x,
                Claim {
                    point,
                    value: claim.value,
                },
            );
        }
        (Op::AxisMap { maps }, _) => {
            let x = *node.inputs.first().ok_or_else(bad)?;
            verify_axis_map(cx, x, node.output, maps, claim, at)?;
        }
        (Op::Concat { axis }, _) => {
            let shares = cx.rd.recv(node.inputs.len(), at)?;
            if shares.iter().copied().sum::<EF>() != claim.value {
                return Err(VerifyError::at(
                    at,
                    "the parts of the concatenation do not add up to its claimed value",
                ));
            }
            for ((&x, maps), share) in node
                .inputs
                .iter()
                .zip(concat_maps(cx.plan, node, *axis))
                .zip(shares)
            {
                let part = Claim {
                    point: claim.point.clone(),
                    value: share,
                };
                verify_axis_map(cx, x, node.output, &maps, &part, at)?;
            }
        }
        (Op::MulConst { c }, _) => {
            let x = *node.inputs.first().ok_or_else(bad)?;
            let cf = from_signed(*c);
            if cf == zkinfer_field::F::ZERO {
                return Err(bad());
            }
            cx.claims.tensor(
                cx.plan,
                x,
                Claim {
                    point: claim.point.clone(),
                    value: claim.value * cf.inverse(),
                },
            );
        }
        _ => return Err(bad()),
    }
    Ok(())
}

pub(crate) fn verify_selector(
    cx: &mut VerifierCtx<'_>,
    x: usize,
    r_c: &[EF],
    ah: &[EF],
    aw: &[EF],
    value: EF,
    at: &str,
) -> Result<(), VerifyError> {
    verify_selector_sumcheck(cx, x, value, at, |p| window_table_eval(r_c, ah, aw, p))
}

/// `value = Σ_pos x̃(pos) · S(pos)` by sumcheck, `S` evaluated by the verifier at the final point
/// (`None`: wrong shape), leaving a claim on `x`.
fn verify_selector_sumcheck(
    cx: &mut VerifierCtx<'_>,
    x: usize,
    value: EF,
    at: &str,
    selector_at: impl FnOnce(&[EF]) -> Option<EF>,
) -> Result<(), VerifyError> {
    let nv = cx
        .plan
        .layouts
        .get(x)
        .map(Layout::num_vars)
        .ok_or_else(|| VerifyError::at(at, "bad input"))?;
    let sub = cx.rd.sumcheck(nv, 2, value, at)?;
    let xe = cx.rd.recv1(at)?;
    let te = selector_at(&sub.point).ok_or_else(|| VerifyError::at(at, "selector shape"))?;
    sub.check_products(&prod2(), None, &[xe, te])
        .map_err(|e| VerifyError::at(at, e))?;
    cx.claims.tensor(
        cx.plan,
        x,
        Claim {
            point: sub.point,
            value: xe,
        },
    );
    Ok(())
}

/// Geometry of a windowed op.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ConvGeom {
    pub cip: usize,
    pub h: usize,
    pub w: usize,
    pub hp: usize,
    pub wp: usize,
    pub kh: usize,
    pub kw: usize,
    pub khp: usize,
    pub kwp: usize,
    pub oh: usize,
    pub ow: usize,
    pub nco: usize,
    pub noh: usize,
    pub now: usize,
}

impl ConvGeom {
    fn base(plan: &Plan, node: &Node, kernel: [usize; 2]) -> Option<Self> {
        let xl = plan.layouts.get(*node.inputs.first()?)?;
        let ol = plan.layouts.get(node.output)?;
        let (_, h, w) = chw_of(xl)?;
        let (_, oh, ow) = chw_of(ol)?;
        let n = xl.padded.len();
        let m = ol.padded.len();
        Some(Self {
            cip: xl.padded[n - 3],
            h,
            w,
            hp: xl.padded[n - 2],
            wp: xl.padded[n - 1],
            kh: kernel[0],
            kw: kernel[1],
            khp: kernel[0].next_power_of_two(),
            kwp: kernel[1].next_power_of_two(),
            oh,
            ow,
            nco: ol.padded[m - 3].trailing_zeros() as usize,
            noh: ol.padded[m - 2].trailing_zeros() as usize,
            now: ol.padded[m - 1].trailing_zeros() as usize,
        })
    }

    pub fn new(plan: &Plan, node: &Node, wshape: &[usize], window: &Window) -> Option<Self> {
        let g = Self::base(plan, node, window.kernel)?;
        (wshape.len() == 4 && wshape[2] == g.kh && wshape[3] == g.kw).then_some(g)
    }

    pub fn pool(plan: &Plan, node: &Node, window: &Window) -> Option<Self> {
        Self::base(plan, node, window.kernel)
    }

    /// `(ρ_c, A_h, A_w)` of the selector for a kernel point `ρ = (ρ_c ‖ ρ_kh ‖ ρ_kw)`.
    pub fn selector_parts(
        &self,
        rho: &[EF],
        r_oh: &[EF],
        r_ow: &[EF],
        window: &Window,
        dup: bool,
    ) -> (Vec<EF>, Vec<EF>, Vec<EF>) {
        let nc = self.cip.trailing_zeros() as usize;
        let nkh = self.khp.trailing_zeros() as usize;
        let rc = rho.get(..nc).unwrap_or_default().to_vec();
        let rkh = rho.get(nc..nc + nkh).unwrap_or_default();
        let rkw = rho.get(nc + nkh..).unwrap_or_default();
        let ah = axis_selector(
            &eq_table(r_oh),
            self.oh,
            &kernel_weights(rkh, self.kh, dup),
            window.stride[0],
            window.dilation[0],
            window.pad[0],
            self.h,
            self.hp,
        );
        let aw = axis_selector(
            &eq_table(r_ow),
            self.ow,
            &kernel_weights(rkw, self.kw, dup),
            window.stride[1],
            window.dilation[1],
            window.pad[1],
            self.w,
            self.wp,
        );
        (rc, ah, aw)
    }

    pub fn patch_selector(
        &self,
        rho: &[EF],
        r_oh: &[EF],
        r_ow: &[EF],
        window: &Window,
        dup: bool,
    ) -> Vec<EF> {
        let (rc, ah, aw) = self.selector_parts(rho, r_oh, r_ow, window, dup);
        window_table(&rc, &ah, &aw)
    }
}

/// The point of a transpose's input: the output point's axis chunks, put back in input order.
fn transpose_point(plan: &Plan, x: usize, perm: &[usize], r: &[EF]) -> Option<Vec<EF>> {
    let xl = plan.layouts.get(x)?;
    let nvars = xl.axis_vars();
    let out_vars: Vec<usize> = perm
        .iter()
        .map(|&a| nvars.get(a).copied())
        .collect::<Option<_>>()?;
    if r.len() != out_vars.iter().sum::<usize>() {
        return None;
    }
    let mut chunks: Vec<&[EF]> = vec![&[]; perm.len()];
    let mut off = 0;
    for (i, &a) in perm.iter().enumerate() {
        *chunks.get_mut(a)? = r.get(off..off + out_vars[i])?;
        off += out_vars[i];
    }
    Some(chunks.concat())
}

/// `ỹ(r) = Σ_pos x̃(pos) · Π_a v_a(pos_a)` for the per-axis maps from `x` to `y`, leaving a
/// claim on `x`.
fn verify_axis_map(
    cx: &mut VerifierCtx<'_>,
    x: usize,
    y: usize,
    maps: &[crate::ir::AxisMap],
    claim: &Claim,
    at: &str,
) -> Result<(), VerifyError> {
    let vecs = axis_vectors(cx.plan, x, y, maps, &claim.point)
        .ok_or_else(|| VerifyError::at(at, "malformed axis map"))?;
    verify_selector_sumcheck(cx, x, claim.value, at, |p| tensor_product_eval(&vecs, p))
}

/// Per input axis, the vector `v_a[i] = Σ_j eq(r_a, j) · M_a[j, i]`.
fn axis_vectors(
    plan: &Plan,
    x: usize,
    y: usize,
    maps: &[crate::ir::AxisMap],
    r: &[EF],
) -> Option<Vec<Vec<EF>>> {
    let xl = plan.layouts.get(x)?;
    let yl = plan.layouts.get(y)?;
    if r.len() != yl.num_vars()
        || maps.len() != xl.logical.len()
        || yl.logical.len() != xl.logical.len()
    {
        return None;
    }
    let mut off = 0;
    let mut out = Vec::with_capacity(maps.len());
    for (a, m) in maps.iter().enumerate() {
        let nv = yl.padded[a].trailing_zeros() as usize;
        let e = eq_table(r.get(off..off + nv)?);
        off += nv;
        let (inp, outn, ip) = (xl.logical[a], yl.logical[a], xl.padded[a]);
        let v: Vec<EF> = (0..ip)
            .map(|i| {
                e.iter()
                    .enumerate()
                    .filter(|&(j, _)| m.weight(j, i, outn, inp))
                    .map(|(_, &ej)| ej)
                    .sum()
            })
            .collect();
        out.push(v);
    }
    Some(out)
}

fn tensor_product(vecs: &[Vec<EF>]) -> Vec<EF> {
    let mut t = vec![EF::ONE];
    for v in vecs {
        t = t
            .iter()
            .flat_map(|&a| v.iter().map(move |&b| a * b))
            .collect();
    }
    t
}

fn tensor_product_eval(vecs: &[Vec<EF>], pi: &[EF]) -> Option<EF> {
    let mut off = 0;
    let mut acc = EF::ONE;
    for v in vecs {
        let nv = v.len().trailing_zeros() as usize;
        acc *= zkinfer_poly::evaluate(v, pi.get(off..off + nv)?);
        off += nv;
    }
    (off == pi.len()).then_some(acc)
}
