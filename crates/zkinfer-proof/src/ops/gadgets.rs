//! The composite non-linear gadgets of transformers: reduce-max, arg-max, division, integer
//! square root. Each commits its output and a few helper columns (range-checked by the batched
//! lookups of [`crate::lookups`] through [`LookupWitness::Column`](crate::plan::LookupWitness))
//! and proves, at node time, the polynomial identities that tie them to the inputs.
//!
//! Padded positions of an input hold arbitrary values (a table's output at 0, a bias row), so
//! every identity is multiplied by the validity indicator `valid(z)` of the padded layout, whose
//! multilinear extension the verifier evaluates itself ([`valid_eval`]).
//!
//! - reduce-max (`x [.., n] → y [.., 1]`): `D = (y − x)·valid` is committed and range-checked to
//!   `[0, 2^A)`; a sumcheck `Σ_z eq(ρ, z)·(valid·(Y − x) − D)(z) = 0` (with `Y` = `y` broadcast
//!   along the last axis) ties `D`, and a zero-check `Σ_i eq(τ, i)·Π_{j<n} D(i, j) = 0` over the
//!   rows forces one difference per row to vanish. So `y ≥ x_j` for every valid `j` and
//!   `y = x_j*` for one: `y` is the maximum. The zero-check has degree `n + 1`: the prover's work
//!   grows as `rows · n²` (fine up to a few hundred columns).
//! - division (`q = ⌊a·2^shift / b⌋`, `b` broadcast): `q` (signed `A` bits), the remainder `r`
//!   and the slack `c = b − 1 − r` (limbs of `divisor_bits`) are committed and range-checked; one
//!   zero-check `Σ_z eq(τ, z)·valid·[(2^shift·a − q·B − r) + λ·(B − 1 − r − c)] = 0` (with `c`
//!   outside the mask, so `c = 0` on padding) gives `a·2^shift = q·b + r`, `0 ≤ r < b` over the
//!   integers (compile-time bounds keep every term below `2^62`).
//! - integer square root (`y = ⌊√x⌋`, `0 ≤ x < 2^in_bits`): `y` (`⌈in_bits/2⌉` bits), the slacks
//!   `t1 = x − y²` and `t2 = y² + 2y − x` (one bit more) are range-checked; one zero-check
//!   `Σ_z eq(τ, z)·valid·[(x − y² − t1) + λ·(y² + 2y − x − t2)] = 0` gives `y² ≤ x < (y+1)²`.
//! - arg-max: see [`prove_argmax`].

use zkinfer_field::{EF, F, PrimeCharacteristicRing, from_signed, pow2};
use zkinfer_poly::eq_table;
use zkinfer_sumcheck::{Column, Term, prove};

use super::{ProverCtx, VerifierCtx, cat, mle, to_field};
use crate::claims::Claim;
use crate::error::{ProveError, VerifyError};
use crate::ir::{Node, Op, ProofGraph};
use crate::layout::Layout;
use crate::plan::{Limbs, NodePlan, Plan};
use crate::witness::{act_range, checked};

const RMAX_ZERO: &[u8] = b"zkinfer/reducemax-zero";
const RMAX_J: &[u8] = b"zkinfer/reducemax-j";
const RMAX_TIE: &[u8] = b"zkinfer/reducemax-tie";
const DIV_LAMBDA: &[u8] = b"zkinfer/div-lambda";
const DIV_ZERO: &[u8] = b"zkinfer/div-zero";
const ISQRT_LAMBDA: &[u8] = b"zkinfer/isqrt-lambda";
const ISQRT_ZERO: &[u8] = b"zkinfer/isqrt-zero";
const AMAX_ROW: &[u8] = b"zkinfer/argmax-row";
const AMAX_J: &[u8] = b"zkinfer/argmax-j";
const AMAX_BOOL: &[u8] = b"zkinfer/argmax-bool";
const AMAX_GAMMA: &[u8] = b"zkinfer/argmax-gamma";

// ---------------------------------------------------------------------------------------------
// Generic pieces.

/// `ind_n(r) = Σ_{j<n} eq(r, j)`: the multilinear extension of `[j < n]` over `r.len()`
/// big-endian variables (1 when `n ≥ 2^len`).
pub fn ind(n: usize, r: &[EF]) -> EF {
    // Walk from the most significant variable: below the bit pattern of n, the rest is free.
    let k = r.len();
    if k < usize::BITS as usize && n >= (1usize << k) {
        return EF::ONE;
    }
    let mut acc = EF::ZERO;
    let mut prefix = EF::ONE;
    for (i, &ri) in r.iter().enumerate() {
        let shift = u32::try_from(k - 1 - i).unwrap_or(u32::MAX);
        let bit = n.checked_shr(shift).unwrap_or(0) & 1;
        if bit == 1 {
            // Positions with a 0 here (and the same higher bits) are all below n.
            acc += prefix * (EF::ONE - ri);
            prefix *= ri;
        } else {
            prefix *= EF::ONE - ri;
        }
    }
    acc
}

/// The multilinear extension of a padded layout's validity (every axis index below its logical
/// size) at `point`, or `None` if the point has the wrong length.
#[must_use]
pub fn valid_eval(l: &Layout, point: &[EF]) -> Option<EF> {
    let mut off = 0;
    let mut acc = EF::ONE;
    for (&n, nv) in l.logical.iter().zip(l.axis_vars()) {
        acc *= ind(n, point.get(off..off + nv)?);
        off += nv;
    }
    (off == point.len()).then_some(acc)
}

/// Validity of every stored position of a layout.
#[must_use]
pub fn valid_mask(l: &Layout) -> Vec<bool> {
    let mut m = vec![false; l.size()];
    for s in l.logical_to_stored() {
        m[s] = true;
    }
    m
}

fn mask_field(m: &[bool]) -> Vec<F> {
    m.iter()
        .map(|&b| if b { F::ONE } else { F::ZERO })
        .collect()
}

/// `Σ_l 2^(16l)·v_l`: a limbed value from its limbs' evaluations.
pub fn limb_value(vals: &[EF]) -> EF {
    vals.iter()
        .enumerate()
        .map(|(l, &v)| v * pow2(16 * u32::try_from(l).unwrap_or(0)))
        .sum()
}

/// Splits `v ∈ [0, 2^Σbits)` into limbs of the given widths, least significant first.
#[must_use]
pub fn split_limbs(v: i128, bits: &[u32]) -> Vec<i64> {
    let mut r = v;
    bits.iter()
        .map(|&b| {
            let l = i64::try_from(r & ((1i128 << b) - 1)).unwrap_or_default();
            r >>= b;
            l
        })
        .collect()
}

/// For each stored position of `al`, the stored position of `bl` broadcast to it (axes where
/// `bl` has padded size 1 read index 0).
fn broadcast_index(al: &Layout, bl: &Layout) -> Vec<usize> {
    (0..al.size())
        .map(|z| {
            let (mut rem, mut idx, mut stride) = (z, 0usize, 1usize);
            for (&ap, &bp) in al.padded.iter().zip(&bl.padded).rev() {
                let k = rem % ap;
                rem /= ap;
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

/// `D̃(s, j)` for every `j` of the last axis: the rows folded at `s`.
fn fold_rows(d: &[i64], s: &[EF], npad: usize) -> Vec<EF> {
    let e = eq_table(s);
    let mut out = vec![EF::ZERO; npad];
    for (i, &ei) in e.iter().enumerate() {
        for (j, o) in out.iter_mut().enumerate() {
            *o += ei * from_signed(d[i * npad + j]);
        }
    }
    out
}

fn p2(k: u32) -> EF {
    EF::from(pow2(k))
}

fn limb_cols(cx: &ProverCtx<'_>, l: &Limbs) -> Vec<Column> {
    l.columns
        .iter()
        .map(|&c| Column::Base(to_field(&cx.wit.columns[c])))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Witness.

fn bad_plan(name: &str) -> ProveError {
    ProveError::Backend(format!("node `{name}`: plan does not match op"))
}

/// Computes a gadget node's stored output and fills its committed columns.
///
/// # Errors
/// [`ProveError::OutOfRange`] when an input is outside the range the gadget was compiled for
/// (a divisor below 1, a square root of a negative value, …).
pub fn witness(
    graph: &ProofGraph,
    plan: &Plan,
    idx: usize,
    tensors: &[Vec<i64>],
    columns: &mut [Vec<i64>],
) -> Result<Vec<i64>, ProveError> {
    let node = &graph.nodes[idx];
    let name = node.name.as_str();
    let a = graph.act_bits;
    let (lo, hi) = act_range(a);
    let x = *node.inputs.first().ok_or_else(|| bad_plan(name))?;
    let (xv, xl) = (&tensors[x], &plan.layouts[x]);
    let valid = valid_mask(xl);
    match (&node.op, &plan.nodes[idx]) {
        (Op::ReduceMax, NodePlan::ReduceMax { out, diff }) => {
            let (y, d, _) = row_max(name, xv, xl, &valid, lo, hi)?;
            columns[*out] = y.clone();
            columns[*diff] = d;
            Ok(y)
        }
        (
            Op::ArgMax,
            NodePlan::ArgMax {
                out,
                max,
                onehot,
                diff,
            },
        ) => {
            let (y, mut d, arg) = row_max(name, xv, xl, &valid, lo, hi)?;
            let npad = xl.padded.last().copied().unwrap_or(1);
            let mut s = vec![0i64; xl.size()];
            let mut idxs = vec![0i64; y.len()];
            for (i, ar) in arg.iter().enumerate() {
                if let Some(j) = *ar {
                    s[i * npad + j] = 1;
                    idxs[i] = i64::try_from(j).unwrap_or_default();
                    // Positions strictly before the arg-max are at least 1 below it.
                    for dj in &mut d[i * npad..i * npad + j] {
                        *dj -= 1;
                    }
                }
            }
            columns[*out] = idxs.clone();
            columns[*max] = y;
            columns[*onehot] = s;
            columns[*diff] = d;
            Ok(idxs)
        }
        (
            Op::Div {
                shift,
                divisor_bits,
                dividend_bits,
            },
            NodePlan::Div { out, rem, slack },
        ) => {
            let b = *node.inputs.get(1).ok_or_else(|| bad_plan(name))?;
            let (bv, bl) = (&tensors[b], &plan.layouts[b]);
            let bidx = broadcast_index(xl, bl);
            let n = xv.len();
            let mut q = vec![0i64; n];
            let mut r = vec![vec![0i64; n]; rem.columns.len()];
            let mut c = vec![vec![0i64; n]; slack.columns.len()];
            let bmax = (1i128 << divisor_bits) - 1;
            for z in (0..n).filter(|&z| valid[z]) {
                let amax = (1i128 << dividend_bits) - 1;
                let av = i128::from(checked(name, i128::from(xv[z]), -amax, amax)?);
                let bz = i128::from(checked(name, i128::from(bv[bidx[z]]), 1, bmax)?);
                let num = av << shift;
                q[z] = checked(name, num.div_euclid(bz), lo, hi)?;
                let rz = num.rem_euclid(bz);
                for (l, v) in split_limbs(rz, &rem.bits).into_iter().enumerate() {
                    r[l][z] = v;
                }
                for (l, v) in split_limbs(bz - 1 - rz, &slack.bits)
                    .into_iter()
                    .enumerate()
                {
                    c[l][z] = v;
                }
            }
            for (&col, v) in rem.columns.iter().zip(r) {
                columns[col] = v;
            }
            for (&col, v) in slack.columns.iter().zip(c) {
                columns[col] = v;
            }
            columns[*out] = q.clone();
            Ok(q)
        }
        (
            Op::Isqrt { in_bits },
            NodePlan::Isqrt {
                out,
                out_limbs,
                lo: l1,
                hi: l2,
            },
        ) => {
            let n = xv.len();
            let mut y = vec![0i64; n];
            let mut t1 = vec![vec![0i64; n]; l1.columns.len()];
            let mut t2 = vec![vec![0i64; n]; l2.columns.len()];
            let mut yl = vec![vec![0i64; n]; out_limbs.as_ref().map_or(0, |l| l.columns.len())];
            for z in (0..n).filter(|&z| valid[z]) {
                let v = checked(name, i128::from(xv[z]), 0, (1i128 << in_bits) - 1)?;
                let r = u64::try_from(v).unwrap_or_default().isqrt();
                let r = i128::from(r);
                y[z] = i64::try_from(r).unwrap_or_default();
                let v = i128::from(v);
                for (l, w) in split_limbs(v - r * r, &l1.bits).into_iter().enumerate() {
                    t1[l][z] = w;
                }
                for (l, w) in split_limbs(r * r + 2 * r - v, &l2.bits)
                    .into_iter()
                    .enumerate()
                {
                    t2[l][z] = w;
                }
                if let Some(ol) = out_limbs {
                    for (l, w) in split_limbs(r, &ol.bits).into_iter().enumerate() {
                        yl[l][z] = w;
                    }
                }
            }
            for (&col, v) in l1.columns.iter().zip(t1) {
                columns[col] = v;
            }
            for (&col, v) in l2.columns.iter().zip(t2) {
                columns[col] = v;
            }
            if let Some(ol) = out_limbs {
                for (&col, v) in ol.columns.iter().zip(yl) {
                    columns[col] = v;
                }
            }
            columns[*out] = y.clone();
            Ok(y)
        }
        _ => Err(bad_plan(name)),
    }
}

/// Per stored row: the maximum (0 on padded rows), `D = (y − x)·valid`, and the lowest index of
/// the maximum (`None` on padded rows).
type RowMax = (Vec<i64>, Vec<i64>, Vec<Option<usize>>);

fn row_max(
    name: &str,
    xv: &[i64],
    xl: &Layout,
    valid: &[bool],
    lo: i128,
    hi: i128,
) -> Result<RowMax, ProveError> {
    let npad = xl.padded.last().copied().unwrap_or(1);
    let rows = xv.len() / npad;
    let mut y = vec![0i64; rows];
    let mut d = vec![0i64; xv.len()];
    let mut arg = vec![None; rows];
    for i in 0..rows {
        let row = i * npad..(i + 1) * npad;
        let mut best: Option<(usize, i64)> = None;
        for z in row.clone().filter(|&z| valid[z]) {
            let v = checked(name, i128::from(xv[z]), lo, hi)?;
            if best.is_none_or(|(_, b)| v > b) {
                best = Some((z - i * npad, v));
            }
        }
        if let Some((j, m)) = best {
            y[i] = m;
            arg[i] = Some(j);
            for z in row.filter(|&z| valid[z]) {
                d[z] = m - xv[z];
            }
        }
    }
    Ok((y, d, arg))
}

// ---------------------------------------------------------------------------------------------
// Prover and verifier.

fn product_term(k: usize) -> [Term; 1] {
    [Term::new(EF::ONE, (0..k).collect())]
}

/// `valid·Y − valid·x − D` over columns `[valid, Y, x, D]`.
fn tie_terms() -> Vec<Term> {
    vec![
        Term::new(EF::ONE, vec![0, 1]),
        Term::new(-EF::ONE, vec![0, 2]),
        Term::new(-EF::ONE, vec![3]),
    ]
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
        let w = p2(16 * u32::try_from(l).unwrap_or(0));
        t.push(Term::new(-(EF::ONE + lam) * w, vec![0, 4 + l]));
    }
    for l in 0..nc {
        let w = p2(16 * u32::try_from(l).unwrap_or(0));
        t.push(Term::new(-lam * w, vec![4 + nr + l]));
    }
    t
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
        let w = p2(16 * u32::try_from(l).unwrap_or(0));
        t.push(Term::new(-w, vec![0, 3 + l]));
    }
    for l in 0..n2 {
        let w = p2(16 * u32::try_from(l).unwrap_or(0));
        t.push(Term::new(-lam * w, vec![0, 3 + n1 + l]));
    }
    t
}

/// Prover side of a gadget node.
pub fn prove_node(cx: &mut ProverCtx<'_>, idx: usize) {
    let node = &cx.graph.nodes[idx];
    match (&node.op, &cx.plan.nodes[idx]) {
        (Op::ReduceMax, NodePlan::ReduceMax { out, diff }) => {
            prove_reduce_max(cx, node.inputs[0], *out, *diff);
        }
        (
            Op::ArgMax,
            NodePlan::ArgMax {
                out,
                max,
                onehot,
                diff,
            },
        ) => prove_argmax(cx, node.inputs[0], [*out, *max, *onehot, *diff]),
        (Op::Div { shift, .. }, NodePlan::Div { out, rem, slack }) => {
            prove_div(cx, node, *shift, *out, rem, slack);
        }
        (
            Op::Isqrt { .. },
            NodePlan::Isqrt {
                out,
                out_limbs,
                lo,
                hi,
            },
        ) => prove_isqrt(cx, node.inputs[0], *out, out_limbs.as_ref(), lo, hi),
        _ => {}
    }
}

/// Verifier side of a gadget node.
///
/// # Errors
/// If a check fails or the messages have the wrong shape.
pub fn verify_node(cx: &mut VerifierCtx<'_>, idx: usize, node: &Node) -> Result<(), VerifyError> {
    let at = node.name.as_str();
    let bad = || VerifyError::at(at, "the plan does not match the graph");
    let x = *node.inputs.first().ok_or_else(bad)?;
    match (&node.op, cx.plan.nodes.get(idx).ok_or_else(bad)?.clone()) {
        (Op::ReduceMax, NodePlan::ReduceMax { out, diff }) => {
            verify_reduce_max(cx, x, out, diff, at)
        }
        (
            Op::ArgMax,
            NodePlan::ArgMax {
                out,
                max,
                onehot,
                diff,
            },
        ) => verify_argmax(cx, x, [out, max, onehot, diff], at),
        (Op::Div { shift, .. }, NodePlan::Div { out, rem, slack }) => {
            let b = *node.inputs.get(1).ok_or_else(bad)?;
            verify_div(cx, [x, b], *shift, out, &rem, &slack, at)
        }
        (
            Op::Isqrt { .. },
            NodePlan::Isqrt {
                out,
                out_limbs,
                lo,
                hi,
            },
        ) => verify_isqrt(cx, x, out, out_limbs.as_ref(), &lo, &hi, at),
        _ => Err(bad()),
    }
}

/// `(n, npad, row variables, last-axis variables)` of a last-axis reduction's input.
fn last_axis(l: &Layout) -> Option<(usize, usize, usize, usize)> {
    let n = *l.logical.last()?;
    let npad = *l.padded.last()?;
    let nj = npad.trailing_zeros() as usize;
    Some((n, npad, l.num_vars().checked_sub(nj)?, nj))
}

fn prove_reduce_max(cx: &mut ProverCtx<'_>, x: usize, out: usize, diff: usize) {
    let xl = &cx.plan.layouts[x];
    let (n, npad, nr, nj) = last_axis(xl).expect("planned reduce-max");
    let rows = 1usize << nr;
    let d = &cx.wit.columns[diff];
    let y = &cx.wit.columns[out];
    // One difference per row vanishes.
    let tau = cx.ch.t.challenges(RMAX_ZERO, nr);
    let cols: Vec<Column> = (0..n)
        .map(|j| Column::Base((0..rows).map(|i| from_signed(d[i * npad + j])).collect()))
        .collect();
    let zc = prove(cols, &product_term(n), Some(&tau), cx.ch.t);
    cx.ch.sumcheck(&zc);
    let vals = fold_rows(d, &zc.point, npad);
    cx.ch.send(vals.clone());
    let rj = cx.ch.t.challenges(RMAX_J, nj);
    let v = zkinfer_poly::evaluate(&vals, &rj);
    cx.claims.witness(diff, cat(&zc.point, &rj), v);
    // D = valid·(y − x).
    let rho = cx.ch.t.challenges(RMAX_TIE, xl.num_vars());
    let yb: Vec<F> = (0..xl.size()).map(|z| from_signed(y[z / npad])).collect();
    let tie = prove(
        vec![
            Column::Base(mask_field(&valid_mask(xl))),
            Column::Base(yb),
            Column::Base(to_field(&cx.wit.tensors[x])),
            Column::Base(to_field(d)),
        ],
        &tie_terms(),
        Some(&rho),
        cx.ch.t,
    );
    cx.ch.sumcheck(&tie);
    let (ye, xe, de) = (tie.evals[1], tie.evals[2], tie.evals[3]);
    cx.ch.send(vec![ye, xe, de]);
    let s = tie.point;
    cx.claims.witness(out, s[..nr].to_vec(), ye);
    cx.claims.witness(diff, s.clone(), de);
    cx.claims.tensor(
        cx.plan,
        x,
        Claim {
            point: s,
            value: xe,
        },
    );
}

fn verify_reduce_max(
    cx: &mut VerifierCtx<'_>,
    x: usize,
    out: usize,
    diff: usize,
    at: &str,
) -> Result<(), VerifyError> {
    let bad = || VerifyError::at(at, "the plan does not match the graph");
    let xl = cx.plan.layouts.get(x).ok_or_else(bad)?.clone();
    let (n, npad, nr, nj) = last_axis(&xl).ok_or_else(bad)?;
    let tau = cx.rd.t.challenges(RMAX_ZERO, nr);
    let sub = cx.rd.sumcheck(nr, n + 1, EF::ZERO, at)?;
    let vals = cx.rd.recv(npad, at)?;
    sub.check_products(&product_term(n), Some(&tau), vals.get(..n).ok_or_else(bad)?)
        .map_err(|e| VerifyError::at(at, format!("no difference vanishes: {e}")))?;
    let rj = cx.rd.t.challenges(RMAX_J, nj);
    let v = zkinfer_poly::evaluate(&vals, &rj);
    cx.claims.witness(diff, cat(&sub.point, &rj), v);
    let rho = cx.rd.t.challenges(RMAX_TIE, xl.num_vars());
    let sub = cx.rd.sumcheck(xl.num_vars(), 3, EF::ZERO, at)?;
    let m = cx.rd.recv(3, at)?;
    let ve = valid_eval(&xl, &sub.point).ok_or_else(bad)?;
    let (ye, xe, de) = (m[0], m[1], m[2]);
    sub.check_products(&tie_terms(), Some(&rho), &[ve, ye, xe, de])
        .map_err(|e| VerifyError::at(at, format!("differences do not match y − x: {e}")))?;
    let s = sub.point;
    cx.claims
        .witness(out, s.get(..nr).ok_or_else(bad)?.to_vec(), ye);
    cx.claims.witness(diff, s.clone(), de);
    cx.claims.tensor(
        cx.plan,
        x,
        Claim {
            point: s,
            value: xe,
        },
    );
    Ok(())
}

fn prove_div(
    cx: &mut ProverCtx<'_>,
    node: &Node,
    shift: u32,
    out: usize,
    rem: &Limbs,
    slack: &Limbs,
) {
    let (a, b) = (node.inputs[0], node.inputs[1]);
    let (al, bl) = (&cx.plan.layouts[a], &cx.plan.layouts[b]);
    let lam = cx.ch.t.challenge(DIV_LAMBDA);
    let tau = cx.ch.t.challenges(DIV_ZERO, al.num_vars());
    let bv = &cx.wit.tensors[b];
    let bb: Vec<F> = broadcast_index(al, bl)
        .into_iter()
        .map(|i| from_signed(bv[i]))
        .collect();
    let mut cols = vec![
        Column::Base(mask_field(&valid_mask(al))),
        Column::Base(to_field(&cx.wit.tensors[a])),
        Column::Base(to_field(&cx.wit.columns[out])),
        Column::Base(bb),
    ];
    cols.extend(limb_cols(cx, rem));
    cols.extend(limb_cols(cx, slack));
    let terms = div_terms(shift, rem.columns.len(), slack.columns.len(), lam);
    let zc = prove(cols, &terms, Some(&tau), cx.ch.t);
    cx.ch.sumcheck(&zc);
    let msg = zc.evals[1..].to_vec();
    cx.ch.send(msg.clone());
    let s = zc.point;
    let sb = kept_point(al, bl, &s).expect("planned division");
    cx.claims.tensor(
        cx.plan,
        a,
        Claim {
            point: s.clone(),
            value: msg[0],
        },
    );
    cx.claims.witness(out, s.clone(), msg[1]);
    cx.claims.tensor(
        cx.plan,
        b,
        Claim {
            point: sb,
            value: msg[2],
        },
    );
    for (&c, &v) in rem.columns.iter().chain(&slack.columns).zip(&msg[3..]) {
        cx.claims.witness(c, s.clone(), v);
    }
}

fn verify_div(
    cx: &mut VerifierCtx<'_>,
    [a, b]: [usize; 2],
    shift: u32,
    out: usize,
    rem: &Limbs,
    slack: &Limbs,
    at: &str,
) -> Result<(), VerifyError> {
    let bad = || VerifyError::at(at, "the plan does not match the graph");
    let al = cx.plan.layouts.get(a).ok_or_else(bad)?.clone();
    let bl = cx.plan.layouts.get(b).ok_or_else(bad)?.clone();
    let lam = cx.rd.t.challenge(DIV_LAMBDA);
    let nv = al.num_vars();
    let tau = cx.rd.t.challenges(DIV_ZERO, nv);
    let (nr, nc) = (rem.columns.len(), slack.columns.len());
    let sub = cx.rd.sumcheck(nv, 4, EF::ZERO, at)?;
    let msg = cx.rd.recv(3 + nr + nc, at)?;
    let s = sub.point.clone();
    let ve = valid_eval(&al, &s).ok_or_else(bad)?;
    let evals = cat(&[ve], &msg);
    sub.check_products(&div_terms(shift, nr, nc, lam), Some(&tau), &evals)
        .map_err(|e| VerifyError::at(at, format!("a·2^shift ≠ q·b + r with 0 ≤ r < b: {e}")))?;
    let sb = kept_point(&al, &bl, &s).ok_or_else(bad)?;
    cx.claims.tensor(
        cx.plan,
        a,
        Claim {
            point: s.clone(),
            value: msg[0],
        },
    );
    cx.claims.witness(out, s.clone(), msg[1]);
    cx.claims.tensor(
        cx.plan,
        b,
        Claim {
            point: sb,
            value: msg[2],
        },
    );
    for (&c, &v) in rem
        .columns
        .iter()
        .chain(&slack.columns)
        .zip(msg.get(3..).ok_or_else(bad)?)
    {
        cx.claims.witness(c, s.clone(), v);
    }
    Ok(())
}

fn prove_isqrt(
    cx: &mut ProverCtx<'_>,
    x: usize,
    out: usize,
    out_limbs: Option<&Limbs>,
    lo: &Limbs,
    hi: &Limbs,
) {
    let xl = &cx.plan.layouts[x];
    let lam = cx.ch.t.challenge(ISQRT_LAMBDA);
    let tau = cx.ch.t.challenges(ISQRT_ZERO, xl.num_vars());
    let mut cols = vec![
        Column::Base(mask_field(&valid_mask(xl))),
        Column::Base(to_field(&cx.wit.tensors[x])),
        Column::Base(to_field(&cx.wit.columns[out])),
    ];
    cols.extend(limb_cols(cx, lo));
    cols.extend(limb_cols(cx, hi));
    let (n1, n2) = (lo.columns.len(), hi.columns.len());
    let zc = prove(cols, &isqrt_terms(n1, n2, lam), Some(&tau), cx.ch.t);
    cx.ch.sumcheck(&zc);
    let s = zc.point;
    // [x, y parts.., t1.., t2..]; a limbed y is sent as its limbs.
    let mut msg = vec![zc.evals[1]];
    match out_limbs {
        Some(l) => msg.extend(l.columns.iter().map(|&c| mle(&cx.wit.columns[c], &s))),
        None => msg.push(zc.evals[2]),
    }
    msg.extend_from_slice(&zc.evals[3..]);
    cx.ch.send(msg.clone());
    let ny = out_limbs.map_or(1, |l| l.columns.len());
    cx.claims.tensor(
        cx.plan,
        x,
        Claim {
            point: s.clone(),
            value: msg[0],
        },
    );
    cx.claims.witness(out, s.clone(), zc.evals[2]);
    let limb_cols = out_limbs
        .map(|l| l.columns.clone())
        .unwrap_or_default()
        .into_iter()
        .zip(&msg[1..=ny]);
    let rest = lo.columns.iter().chain(&hi.columns).zip(&msg[1 + ny..]);
    for (c, &v) in limb_cols {
        cx.claims.witness(c, s.clone(), v);
    }
    for (&c, &v) in rest {
        cx.claims.witness(c, s.clone(), v);
    }
}

fn verify_isqrt(
    cx: &mut VerifierCtx<'_>,
    x: usize,
    out: usize,
    out_limbs: Option<&Limbs>,
    lo: &Limbs,
    hi: &Limbs,
    at: &str,
) -> Result<(), VerifyError> {
    let bad = || VerifyError::at(at, "the plan does not match the graph");
    let xl = cx.plan.layouts.get(x).ok_or_else(bad)?.clone();
    let lam = cx.rd.t.challenge(ISQRT_LAMBDA);
    let nv = xl.num_vars();
    let tau = cx.rd.t.challenges(ISQRT_ZERO, nv);
    let (n1, n2) = (lo.columns.len(), hi.columns.len());
    let ny = out_limbs.map_or(1, |l| l.columns.len());
    let sub = cx.rd.sumcheck(nv, 4, EF::ZERO, at)?;
    let msg = cx.rd.recv(1 + ny + n1 + n2, at)?;
    let s = sub.point.clone();
    let ve = valid_eval(&xl, &s).ok_or_else(bad)?;
    let yparts = msg.get(1..=ny).ok_or_else(bad)?;
    let ye = limb_value(yparts);
    let mut evals = vec![ve, msg[0], ye];
    evals.extend_from_slice(msg.get(1 + ny..).ok_or_else(bad)?);
    sub.check_products(&isqrt_terms(n1, n2, lam), Some(&tau), &evals)
        .map_err(|e| VerifyError::at(at, format!("y² ≤ x < (y+1)² fails: {e}")))?;
    cx.claims.tensor(
        cx.plan,
        x,
        Claim {
            point: s.clone(),
            value: msg[0],
        },
    );
    cx.claims.witness(out, s.clone(), ye);
    if let Some(l) = out_limbs {
        for (&c, &v) in l.columns.iter().zip(yparts) {
            cx.claims.witness(c, s.clone(), v);
        }
    }
    for (&c, &v) in lo
        .columns
        .iter()
        .chain(&hi.columns)
        .zip(msg.get(1 + ny..).ok_or_else(bad)?)
    {
        cx.claims.witness(c, s.clone(), v);
    }
    Ok(())
}

/// Combined sumcheck of the arg-max over columns
/// `[eq_τ, s, E, x, eq_r, valid, D]` (`E(z) = eq(ρ, z_rows)`, `r = ρ ‖ r_j`):
/// `eq_τ·(s² − s) + γ·E·s·x + γ²·eq_r·(valid·x + D)`.
fn argmax_terms(gamma: EF) -> Vec<Term> {
    let g2 = gamma * gamma;
    vec![
        Term::new(EF::ONE, vec![0, 1, 1]),
        Term::new(-EF::ONE, vec![0, 1]),
        Term::new(gamma, vec![2, 1, 3]),
        Term::new(g2, vec![4, 5, 3]),
        Term::new(g2, vec![4, 6]),
    ]
}

/// `Σ_{j'} s̃(ρ, j')·ind(min(j', n), r_j)`: the masked `before` at `(ρ ‖ r_j)`, where
/// `before(i, j) = Σ_{j' > j} s(i, j')`.
fn before_eval(svals: &[EF], n: usize, rj: &[EF]) -> EF {
    svals
        .iter()
        .enumerate()
        .map(|(j, &v)| v * ind(j.min(n), rj))
        .sum()
}

/// Arg-max along the last axis, lowest index on ties. Committed: the index `idx`, the row
/// maximum `y`, a one-hot `s` (layout of x) and `D = (y − x − before)·valid` with
/// `before(i, j) = Σ_{j' > j} s(i, j')` (1 exactly before the chosen index), range-checked to
/// `[0, 2^A)`.
///
/// At a fresh row point `ρ` the prover sends `ỹ(ρ)` and `s̃(ρ, j)` for every `j`; the verifier
/// checks `Σ_{j<n} s̃(ρ, j) = valid_rows(ρ)` and `Σ_{j≥n} s̃(ρ, j) = 0`, derives
/// `ĩdx(ρ) = Σ_j j·s̃(ρ, j)` and one claim `s̃(ρ, r_j)` at a fresh `r_j`. One sumcheck over x's
/// variables then proves, batched by `γ`: `s` is Boolean (zero-check at `τ`),
/// `ỹ(ρ) = Σ_z eq(ρ, z_rows)·s·x`, and `Σ_z eq(ρ ‖ r_j, z)·(valid·x + D) = ỹ(ρ)·ind_n(r_j) −
/// Σ_{j'} s̃(ρ, j')·ind(min(j', n), r_j)` (the masked `y − before`). So each valid row has exactly
/// one chosen `j* < n` (none on padded rows), `y = x_{j*}`, `x_j ≤ y − 1` before it and `x_j ≤ y`
/// after it: `j*` is the lowest index of the maximum.
pub fn prove_argmax(cx: &mut ProverCtx<'_>, x: usize, [out, max, onehot, diff]: [usize; 4]) {
    let xl = &cx.plan.layouts[x];
    let (_, npad, nr, nj) = last_axis(xl).expect("planned arg-max");
    let nv = xl.num_vars();
    let s = &cx.wit.columns[onehot];
    let rho = cx.ch.t.challenges(AMAX_ROW, nr);
    let ye = mle(&cx.wit.columns[max], &rho);
    let svals = fold_rows(s, &rho, npad);
    cx.ch.send(cat(&[ye], &svals));
    let rj = cx.ch.t.challenges(AMAX_J, nj);
    let idx_v: EF = svals
        .iter()
        .enumerate()
        .map(|(j, &v)| v * EF::from_usize(j))
        .sum();
    cx.claims.witness(out, rho.clone(), idx_v);
    cx.claims.witness(max, rho.clone(), ye);
    let r = cat(&rho, &rj);
    cx.claims
        .witness(onehot, r.clone(), zkinfer_poly::evaluate(&svals, &rj));
    let gamma = cx.ch.t.challenge(AMAX_GAMMA);
    let tau = cx.ch.t.challenges(AMAX_BOOL, nv);
    let e_rows = eq_table(&rho);
    let e: Vec<EF> = (0..xl.size()).map(|z| e_rows[z / npad]).collect();
    let cols = vec![
        Column::Ext(eq_table(&tau)),
        Column::Base(to_field(s)),
        Column::Ext(e),
        Column::Base(to_field(&cx.wit.tensors[x])),
        Column::Ext(eq_table(&r)),
        Column::Base(mask_field(&valid_mask(xl))),
        Column::Base(to_field(&cx.wit.columns[diff])),
    ];
    let sc = prove(cols, &argmax_terms(gamma), None, cx.ch.t);
    cx.ch.sumcheck(&sc);
    let (se, xe, de) = (sc.evals[1], sc.evals[3], sc.evals[6]);
    cx.ch.send(vec![se, xe, de]);
    let u = sc.point;
    cx.claims.witness(onehot, u.clone(), se);
    cx.claims.witness(diff, u.clone(), de);
    cx.claims.tensor(
        cx.plan,
        x,
        Claim {
            point: u,
            value: xe,
        },
    );
}

fn verify_argmax(
    cx: &mut VerifierCtx<'_>,
    x: usize,
    [out, max, onehot, diff]: [usize; 4],
    at: &str,
) -> Result<(), VerifyError> {
    let bad = || VerifyError::at(at, "the plan does not match the graph");
    let xl = cx.plan.layouts.get(x).ok_or_else(bad)?.clone();
    let (n, npad, nr, nj) = last_axis(&xl).ok_or_else(bad)?;
    let nv = xl.num_vars();
    let rows = xl.sub(0..xl.logical.len().saturating_sub(1));
    let rho = cx.rd.t.challenges(AMAX_ROW, nr);
    let m = cx.rd.recv(1 + npad, at)?;
    let (ye, svals) = m.split_first().ok_or_else(bad)?;
    let (inside, outside) = svals.split_at(n.min(svals.len()));
    let count: EF = inside.iter().copied().sum();
    if count != valid_eval(&rows, &rho).ok_or_else(bad)? {
        return Err(VerifyError::at(
            at,
            "a row does not choose exactly one index",
        ));
    }
    if outside.iter().copied().sum::<EF>() != EF::ZERO {
        return Err(VerifyError::at(at, "an index in the padding is chosen"));
    }
    let rj = cx.rd.t.challenges(AMAX_J, nj);
    let idx_v: EF = svals
        .iter()
        .enumerate()
        .map(|(j, &v)| v * EF::from_usize(j))
        .sum();
    cx.claims.witness(out, rho.clone(), idx_v);
    cx.claims.witness(max, rho.clone(), *ye);
    let r = cat(&rho, &rj);
    cx.claims
        .witness(onehot, r.clone(), zkinfer_poly::evaluate(svals, &rj));
    let gamma = cx.rd.t.challenge(AMAX_GAMMA);
    let tau = cx.rd.t.challenges(AMAX_BOOL, nv);
    let tie = *ye * ind(n, &rj) - before_eval(svals, n, &rj);
    let claimed = gamma * *ye + gamma * gamma * tie;
    let sub = cx.rd.sumcheck(nv, 3, claimed, at)?;
    let msg = cx.rd.recv(3, at)?;
    let (se, xe, de) = (msg[0], msg[1], msg[2]);
    let u = sub.point.clone();
    let evals = [
        zkinfer_poly::eq_eval(&tau, &u),
        se,
        zkinfer_poly::eq_eval(&rho, u.get(..nr).ok_or_else(bad)?),
        xe,
        zkinfer_poly::eq_eval(&r, &u),
        valid_eval(&xl, &u).ok_or_else(bad)?,
        de,
    ];
    sub.check_products(&argmax_terms(gamma), None, &evals)
        .map_err(|e| VerifyError::at(at, format!("arg-max relations fail: {e}")))?;
    cx.claims.witness(onehot, u.clone(), se);
    cx.claims.witness(diff, u.clone(), de);
    cx.claims.tensor(
        cx.plan,
        x,
        Claim {
            point: u,
            value: xe,
        },
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::bits;
    use zkinfer_poly::eq_eval;

    fn point(seed: u64, n: usize) -> Vec<EF> {
        let mut rng = crate::testing::Rng::new(seed);
        (0..n)
            .map(|_| EF::from_u64(rng.next_u64() >> 1) * EF::from_u64(rng.next_u64() >> 3))
            .collect()
    }

    #[test]
    fn ind_is_the_mle_of_the_prefix_indicator() {
        for k in 0..5 {
            let r = point(k as u64, k);
            for n in 0..=(1usize << k) + 1 {
                let want: EF = (0..n.min(1 << k)).map(|j| eq_eval(&r, &bits(j, k))).sum();
                assert_eq!(ind(n, &r), want, "k = {k}, n = {n}");
            }
        }
    }

    #[test]
    fn valid_eval_matches_the_mask() {
        let l = Layout::natural(&[3, 5, 2]);
        let r = point(9, l.num_vars());
        let mask = mask_field(&valid_mask(&l));
        assert_eq!(valid_eval(&l, &r), Some(zkinfer_poly::evaluate(&mask, &r)));
        assert_eq!(valid_eval(&l, &r[1..]), None);
    }

    #[test]
    fn limbs_split_and_recombine() {
        let v = (1i128 << 40) + 12345;
        let l = split_limbs(v, &[16, 16, 9]);
        let e: Vec<EF> = l.iter().map(|&x| EF::from_u64(x as u64)).collect();
        assert_eq!(limb_value(&e), EF::from_u64(v as u64));
        assert!(l.iter().all(|&x| (0..1 << 16).contains(&x)));
    }
}
