//! Node-time parts of the non-linear layers (their lookups are in [`crate::lookups`]).
//!
//! - rescale: at a fresh point `ρ`, `x̃(ρ) = 2^k·ỹ(ρ) + Σ_l 2^(16l)·r̃_l(ρ) − 2^(k−1)`, with `y`
//!   and the remainder limbs committed and range-checked by lookups, so `y` is the unique
//!   round-half-up quotient;
//! - max-pool: the committed windows `Wκ` are tied to `x` by a selector sumcheck, every
//!   `y − Wκ` is range-checked to `[0, 2^A)` (so `y ≥` every window element), and a zero-check
//!   `Σ_o eq(τ, o) Π_κ (y − Wκ)(o) = 0` forces one of them to be 0 (so `y` is the maximum).

use zkinfer_field::{EF, PrimeCharacteristicRing, pow2};
use zkinfer_sumcheck::{Column, Term, prove};

use super::linear::ConvGeom;
use super::{ProverCtx, VerifierCtx, bits, cat, mle, to_field};
use crate::claims::Claim;
use crate::error::VerifyError;
use crate::ir::{Node, Op};
use crate::plan::NodePlan;

const RESCALE: &[u8] = b"zkinfer/rescale";
const MAX_ZERO: &[u8] = b"zkinfer/maxpool-zero";
const MAX_SEL: &[u8] = b"zkinfer/maxpool-select";

fn rescale_value(k: u32, y: EF, limbs: &[EF]) -> EF {
    let mut x = y * pow2(k);
    for (l, &r) in limbs.iter().enumerate() {
        x += r * pow2(16 * u32::try_from(l).unwrap_or(0));
    }
    x - EF::from(pow2(k - 1))
}

fn product_term(k: usize) -> [Term; 1] {
    [Term::new(EF::ONE, (0..k).collect())]
}

/// Prover side of a non-linear node.
pub fn prove_node(cx: &mut ProverCtx<'_>, idx: usize) {
    let node = &cx.graph.nodes[idx];
    match (&node.op, &cx.plan.nodes[idx]) {
        (Op::Rescale { shift }, NodePlan::Rescale { out, limbs, .. }) => {
            let nv = cx.plan.witness_columns[*out].num_vars;
            let rho = cx.ch.t.challenges(RESCALE, nv);
            let y = mle(&cx.wit.columns[*out], &rho);
            let rs: Vec<EF> = limbs
                .iter()
                .map(|&c| mle(&cx.wit.columns[c], &rho))
                .collect();
            cx.ch.send(cat(&[y], &rs));
            cx.claims.witness(*out, rho.clone(), y);
            for (&c, &r) in limbs.iter().zip(&rs) {
                cx.claims.witness(c, rho.clone(), r);
            }
            let value = rescale_value(*shift, y, &rs);
            cx.claims
                .tensor(cx.plan, node.inputs[0], Claim { point: rho, value });
        }
        (Op::MaxPool { window }, NodePlan::MaxPool { out, windows, kpad }) => {
            let g = ConvGeom::pool(cx.plan, node, window).expect("planned pool");
            let y = &cx.wit.columns[*out];
            let w = &cx.wit.columns[*windows];
            let osize = y.len();
            let kp = kpad[0] * kpad[1];
            let no = osize.trailing_zeros() as usize;
            // Zero-check.
            let tau = cx.ch.t.challenges(MAX_ZERO, no);
            let d: Vec<Column> = (0..kp)
                .map(|k| {
                    Column::Base(to_field(
                        &y.iter()
                            .zip(&w[k * osize..(k + 1) * osize])
                            .map(|(a, b)| a - b)
                            .collect::<Vec<_>>(),
                    ))
                })
                .collect();
            let zc = prove(d, &product_term(kp), Some(&tau), cx.ch.t);
            cx.ch.sumcheck(&zc);
            let ye = mle(y, &zc.point);
            let mut msg = vec![ye];
            msg.extend(zc.evals.iter().map(|&dk| ye - dk));
            cx.ch.send(msg.clone());
            cx.claims.witness(*out, zc.point.clone(), ye);
            let nk = kp.trailing_zeros() as usize;
            for (k, &wk) in msg[1..].iter().enumerate() {
                cx.claims
                    .witness(*windows, cat(&bits(k, nk), &zc.point), wk);
            }
            // Windows against x.
            let rho = cx.ch.t.challenges(MAX_SEL, nk + no);
            let we = mle(w, &rho);
            cx.ch.send(vec![we]);
            cx.claims.witness(*windows, rho.clone(), we);
            let (sel, r_o) = split_windows_point(&rho, kpad, &g);
            let (rc, ah, aw) = g.selector_parts(&sel, r_o.1, r_o.2, window, true);
            let table = crate::select::window_table(&rc, &ah, &aw);
            super::linear::prove_selector(cx, node.inputs[0], table, we);
        }
        (Op::ReduceMax | Op::ArgMax | Op::Div { .. } | Op::Isqrt { .. }, _) => {
            super::gadgets::prove_node(cx, idx);
        }
        _ => {}
    }
}

/// The channel, row and column parts of an output point.
type OutputParts<'p> = (&'p [EF], &'p [EF], &'p [EF]);

/// Splits a windows point `(ρ_kh ‖ ρ_kw ‖ ρ_c ‖ ρ_oh ‖ ρ_ow)` into the kernel-side point
/// `(ρ_c ‖ ρ_kh ‖ ρ_kw)` the selector takes and the output parts.
fn split_windows_point<'p>(
    rho: &'p [EF],
    kpad: &[usize; 2],
    g: &ConvGeom,
) -> (Vec<EF>, OutputParts<'p>) {
    let nkh = kpad[0].trailing_zeros() as usize;
    let nkw = kpad[1].trailing_zeros() as usize;
    let (rk, ro) = rho.split_at((nkh + nkw).min(rho.len()));
    let (rc, rest) = ro.split_at(g.nco.min(ro.len()));
    let (roh, row) = rest.split_at(g.noh.min(rest.len()));
    let sel = cat(rc, rk);
    (sel, (rc, roh, row))
}

/// Verifier side of a non-linear node.
///
/// # Errors
/// If a check fails or the messages have the wrong shape.
pub fn verify_node(cx: &mut VerifierCtx<'_>, idx: usize, node: &Node) -> Result<(), VerifyError> {
    let at = node.name.as_str();
    let bad = || VerifyError::at(at, "the plan does not match the graph");
    let plan_node = cx.plan.nodes.get(idx).ok_or_else(bad)?.clone();
    match (&node.op, &plan_node) {
        (Op::Rescale { shift }, NodePlan::Rescale { out, limbs, .. }) => {
            let nv = cx.plan.witness_columns.get(*out).ok_or_else(bad)?.num_vars;
            let rho = cx.rd.t.challenges(RESCALE, nv);
            let m = cx.rd.recv(1 + limbs.len(), at)?;
            let (y, rs) = m.split_first().ok_or_else(bad)?;
            cx.claims.witness(*out, rho.clone(), *y);
            for (&c, &r) in limbs.iter().zip(rs) {
                cx.claims.witness(c, rho.clone(), r);
            }
            let value = rescale_value(*shift, *y, rs);
            let x = *node.inputs.first().ok_or_else(bad)?;
            cx.claims.tensor(cx.plan, x, Claim { point: rho, value });
        }
        (Op::MaxPool { window }, NodePlan::MaxPool { out, windows, kpad }) => {
            let g = ConvGeom::pool(cx.plan, node, window).ok_or_else(bad)?;
            let no = cx.plan.witness_columns.get(*out).ok_or_else(bad)?.num_vars;
            let kp = kpad[0] * kpad[1];
            let nk = kp.trailing_zeros() as usize;
            let tau = cx.rd.t.challenges(MAX_ZERO, no);
            let sub = cx.rd.sumcheck(no, kp + 1, EF::ZERO, at)?;
            let m = cx.rd.recv(1 + kp, at)?;
            let (ye, ws) = m.split_first().ok_or_else(bad)?;
            let d: Vec<EF> = ws.iter().map(|&w| *ye - w).collect();
            sub.check_products(&product_term(kp), Some(&tau), &d)
                .map_err(|e| VerifyError::at(at, e))?;
            cx.claims.witness(*out, sub.point.clone(), *ye);
            for (k, &wk) in ws.iter().enumerate() {
                cx.claims
                    .witness(*windows, cat(&bits(k, nk), &sub.point), wk);
            }
            let rho = cx.rd.t.challenges(MAX_SEL, nk + no);
            let we = cx.rd.recv1(at)?;
            cx.claims.witness(*windows, rho.clone(), we);
            let (sel, r_o) = split_windows_point(&rho, kpad, &g);
            let (rc, ah, aw) = g.selector_parts(&sel, r_o.1, r_o.2, window, true);
            let x = *node.inputs.first().ok_or_else(bad)?;
            super::linear::verify_selector(cx, x, &rc, &ah, &aw, we, at)?;
        }
        (Op::Relu | Op::Table { .. }, _) => {}
        (Op::ReduceMax | Op::ArgMax | Op::Div { .. } | Op::Isqrt { .. }, _) => {
            super::gadgets::verify_node(cx, idx, node)?;
        }
        _ => return Err(bad()),
    }
    Ok(())
}
