//! Reduce-max along the last axis, `x [.., n] → y [.., 1]`.
//!
//! # Soundness
//! `D = (y − x)·valid` is committed and range-checked to `[0, 2^A)`; a sumcheck
//! `Σ_z eq(ρ, z)·(valid·(Y − x) − D)(z) = 0` (with `Y` = `y` broadcast along the last axis) ties
//! `D` to `y` and `x`, and a zero-check `Σ_i eq(τ, i)·Π_{j<n} D(i, j) = 0` over the rows forces one
//! difference per row to vanish. So `y ≥ x_j` for every valid `j` and `y = x_j*` for one: `y` is
//! the maximum. The zero-check has degree `n + 1`: the prover's work grows as `rows · n²` (fine
//! up to a few hundred columns).
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

use zkinfer_field::{EF, F, PrimeCharacteristicRing, from_signed};
use zkinfer_poly::eq_table;
use zkinfer_sumcheck::{Column, Term};

use super::super::api::{OpProof, ProverCtx, VerifierCtx, node_p, node_v, plan_p, plan_v};
use super::super::util::{
    cat, input, input_v, key_mismatch, layout, layout_v, private_columns, product_term, take,
    to_field, vk_mismatch,
};
use super::{last_axis, mask_field, max_gaps, plan_last_axis, valid_eval, valid_mask};
use crate::claims::Claim;
use crate::context::WitnessCtx;
use crate::error::{CompileError, ProveError, VerifyError};
use crate::ir::Node;
use crate::plan::{NodePlan, Source, TableSpec};
use crate::planner::Planner;

const RMAX_ZERO: &[u8] = b"zkinfer/reducemax-zero";
const RMAX_J: &[u8] = b"zkinfer/reducemax-j";
const RMAX_TIE: &[u8] = b"zkinfer/reducemax-tie";

/// [`crate::ir::Op::ReduceMax`].
#[derive(Debug)]
pub struct ReduceMax;

/// `valid·Y − valid·x − D` over columns `[valid, Y, x, D]`.
fn tie_terms() -> Vec<Term> {
    vec![
        Term::new(EF::ONE, vec![0, 1]),
        Term::new(-EF::ONE, vec![0, 2]),
        Term::new(-EF::ONE, vec![3]),
    ]
}

/// The claim on `D` at `(s ‖ r_j)` from the claims on its rows `D(s, j)`, `j < n`, at `s`:
/// `Σ_j eq(r_j, j)·D(s, j)`; the padded `j ≥ n` hold 0 (`D = valid·(Y − x)`, enforced by the
/// tie sumcheck and, through this claim, by the opening), so they are not sent. `None` without
/// rows or with more rows than `r_j` indexes.
fn row_claim(rows: &[Claim], s: &[EF], rj: &[EF]) -> Option<Claim> {
    let e = eq_table(rj);
    if rows.is_empty() || rows.len() > e.len() {
        return None;
    }
    let terms: Vec<(EF, &Claim)> = e.iter().copied().zip(rows).collect();
    Some(Claim::combine(&terms).with_point(cat(s, rj)))
}

fn planned(plan: &NodePlan) -> Option<(usize, usize)> {
    match plan {
        NodePlan::ReduceMax { out, diff } => Some((*out, *diff)),
        _ => None,
    }
}

impl OpProof for ReduceMax {
    fn plan(&self, p: &mut Planner<'_>, idx: usize, node: &Node) -> Result<NodePlan, CompileError> {
        let (x, out) = plan_last_axis(p, node)?;
        let n = x.logical.last().copied().unwrap_or(1);
        let (nv, no) = (x.num_vars(), out.num_vars());
        let ocol = p.witness(format!("{}.out", node.name), no);
        let bits = p.act_bits();
        let diff = p.checked_column(
            idx,
            format!("{}.diff", node.name),
            TableSpec::Range { bits },
            nv,
        );
        p.cost.macs = x.logical_len();
        p.cost.lookups = x.size();
        p.cost.committed = out.size() + x.size();
        // The zero-check has degree n + 1 over the rows.
        p.cost.sumcheck = x.size() + out.size() * n * n;
        p.set_out(node, out, Source::Committed { column: ocol })?;
        Ok(NodePlan::ReduceMax { out: ocol, diff })
    }

    fn witness(&self, cx: &mut WitnessCtx<'_>, idx: usize) -> Result<Vec<i64>, ProveError> {
        let node = node_p(cx.graph, idx)?;
        let at = node.name.as_str();
        let (out, diff) =
            planned(plan_p(cx.plan, idx, at)?).ok_or_else(|| key_mismatch(at, "plan"))?;
        let (xv, xl) = cx.tensor(input(node, 0)?, at)?;
        // The maxima are the trace (0 on padded rows); the gaps `y − x` are computed here.
        let y = cx.stored(node.output, at, |_| Ok(0))?;
        let d = max_gaps(cx, node, xv, xl, &y)?;
        cx.set_column(out, y.clone(), at)?;
        cx.set_column(diff, d, at)?;
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
        let (out, diff) =
            planned(plan_p(cx.plan, idx, at)?).ok_or_else(|| key_mismatch(at, "plan"))?;
        let x = input(node, 0)?;
        let xl = layout(cx.plan, x, at)?;
        let (n, npad, nr, nj) = last_axis(xl).ok_or_else(|| key_mismatch(at, "layout"))?;
        let rows = 1usize << nr;
        let d = cx.wit.column(diff, at)?;
        let y = cx.wit.column(out, at)?;
        if d.len() != rows * npad || y.len() != rows {
            return Err(key_mismatch(at, "column sizes"));
        }
        // One difference per row vanishes.
        let tau = cx.ch.t.challenges(RMAX_ZERO, nr);
        let cols: Vec<Column> = (0..n)
            .map(|j| {
                Column::Base(
                    d.iter()
                        .skip(j)
                        .step_by(npad)
                        .map(|&v| from_signed(v))
                        .collect(),
                )
            })
            .collect();
        let (ypriv, xpriv) = (cx.is_private(node.output), cx.is_private(x));
        let dpriv = ypriv || xpriv;
        let zc = cx.ch.prove_sumcheck_zr(
            cols,
            &product_term(n),
            Some(&tau),
            &private_columns(&vec![dpriv; n]),
            &[],
        );
        cx.ch.send(zc.evals.clone());
        let rj = cx.ch.t.challenges(RMAX_J, nj);
        let dc = row_claim(&zc.claims, &zc.point, &rj).ok_or_else(|| key_mismatch(at, "row"))?;
        cx.claims.witness_claim(diff, dc);
        // D = valid·(y − x).
        let rho = cx.ch.t.challenges(RMAX_TIE, xl.num_vars());
        let yb: Vec<F> = y
            .iter()
            .flat_map(|&v| std::iter::repeat_n(from_signed(v), npad))
            .collect();
        let tie = cx.ch.prove_sumcheck_zr(
            vec![
                Column::Base(mask_field(&valid_mask(xl))),
                Column::Base(yb),
                Column::Base(to_field(cx.wit.tensor(x, at)?)),
                Column::Base(to_field(d)),
            ],
            &tie_terms(),
            Some(&rho),
            &private_columns(&[false, ypriv, xpriv, dpriv]),
            &[],
        );
        cx.ch.send(tie.evals.get(1..).unwrap_or_default().to_vec());
        let [_, yc, xc, dc] =
            <[Claim; 4]>::try_from(tie.claims).map_err(|_| key_mismatch(at, "evaluations"))?;
        let s = tie.point;
        let r_rows = s.get(..nr).unwrap_or_default().to_vec();
        cx.claims.witness_claim(out, yc.with_point(r_rows));
        cx.claims.witness_claim(diff, dc);
        cx.pass(x, xc, at)
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
        let (out, diff) = planned(plan_v(cx.plan, idx, at)?).ok_or_else(bad)?;
        let x = input_v(node, 0)?;
        let xl = layout_v(cx.plan, x, at)?;
        let (n, _, nr, nj) = last_axis(xl).ok_or_else(bad)?;
        let (ypriv, xpriv) = (cx.is_private(node.output), cx.is_private(x));
        let dpriv = ypriv || xpriv;
        let tau = cx.rd.t.challenges(RMAX_ZERO, nr);
        let terms = product_term(n);
        let sub = cx.rd.verify_sumcheck_zr(
            nr,
            &terms,
            Some(&tau),
            &private_columns(&vec![dpriv; n]),
            &[],
            EF::ZERO,
            at,
        )?;
        let vals = cx.rd.recv(n, at)?;
        let claims = sub
            .check(&terms, Some(&tau), &vals, at)
            .map_err(|e| VerifyError::at(at, format!("no difference vanishes: {e}")))?;
        let rj = cx.rd.t.challenges(RMAX_J, nj);
        let dc = row_claim(&claims, sub.point(), &rj).ok_or_else(bad)?;
        cx.claims.witness_claim(diff, dc);
        let rho = cx.rd.t.challenges(RMAX_TIE, xl.num_vars());
        let terms = tie_terms();
        let sub = cx.rd.verify_sumcheck_zr(
            xl.num_vars(),
            &terms,
            Some(&rho),
            &private_columns(&[false, ypriv, xpriv, dpriv]),
            &[],
            EF::ZERO,
            at,
        )?;
        let m = cx.rd.recv(3, at)?;
        let ve = valid_eval(xl, sub.point()).ok_or_else(bad)?;
        let [ye, xe, de] = take::<3>(&m, at)?;
        let claims = sub
            .check(&terms, Some(&rho), &[ve, ye, xe, de], at)
            .map_err(|e| VerifyError::at(at, format!("differences do not match y − x: {e}")))?;
        let [_, yc, xc, dc] = <[Claim; 4]>::try_from(claims).map_err(|_| bad())?;
        let r_rows = sub.point().get(..nr).ok_or_else(bad)?.to_vec();
        cx.claims.witness_claim(out, yc.with_point(r_rows));
        cx.claims.witness_claim(diff, dc);
        cx.pass(x, xc, at)
    }
}
