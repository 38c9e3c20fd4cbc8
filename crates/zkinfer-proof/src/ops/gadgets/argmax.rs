//! Arg-max along the last axis, lowest index on ties, `x [.., n] → idx [.., 1]`.
//!
//! # Soundness
//! Committed: the index `idx`, the row maximum `y`, a one-hot `s` (layout of x) and
//! `D = (y − x − before)·valid` with `before(i, j) = Σ_{j' > j} s(i, j')` (1 exactly before the
//! chosen index), range-checked to `[0, 2^A)`.
//!
//! At a fresh row point `ρ` the prover sends `ỹ(ρ)` and `s̃(ρ, j)` for every `j`; the verifier
//! checks `Σ_{j<n} s̃(ρ, j) = valid_rows(ρ)` and `Σ_{j≥n} s̃(ρ, j) = 0`, derives
//! `ĩdx(ρ) = Σ_j j·s̃(ρ, j)` and one claim `s̃(ρ, r_j)` at a fresh `r_j`. One sumcheck over x's
//! variables then proves, batched by `γ`: `s` is Boolean (zero-check at `τ`),
//! `ỹ(ρ) = Σ_z eq(ρ, z_rows)·s·x`, and `Σ_z eq(ρ ‖ r_j, z)·(valid·x + D) = ỹ(ρ)·ind_n(r_j) −
//! Σ_{j'} s̃(ρ, j')·ind(min(j', n), r_j)` (the masked `y − before`). So each valid row has exactly
//! one chosen `j* < n` (none on padded rows), `y = x_{j*}`, `x_j ≤ y − 1` before it and `x_j ≤ y`
//! after it: `j*` is the lowest index of the maximum.
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
use zkinfer_poly::{eq_eval, eq_table};
use zkinfer_sumcheck::{Column, Term};

use super::super::api::{OpProof, ProverCtx, VerifierCtx, node_p, node_v, plan_p, plan_v};
use super::super::util::{
    cat, get, ind, input, input_v, key_mismatch, layout, layout_v, mle, take, to_field, vk_mismatch,
};
use super::{fold_rows, last_axis, mask_field, max_gaps, plan_last_axis, valid_eval, valid_mask};
use crate::claims::Claim;
use crate::context::WitnessCtx;
use crate::error::{CompileError, ProveError, VerifyError};
use crate::ir::Node;
use crate::plan::{NodePlan, Source, TableSpec};
use crate::planner::Planner;

const AMAX_ROW: &[u8] = b"zkinfer/argmax-row";
const AMAX_J: &[u8] = b"zkinfer/argmax-j";
const AMAX_BOOL: &[u8] = b"zkinfer/argmax-bool";
const AMAX_GAMMA: &[u8] = b"zkinfer/argmax-gamma";

/// [`crate::ir::Op::ArgMax`].
#[derive(Debug)]
pub struct ArgMax;

/// Combined sumcheck over columns `[eq_τ, s, E, x, eq_r, valid, D]`
/// (`E(z) = eq(ρ, z_rows)`, `r = ρ ‖ r_j`):
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

/// `[out, max, onehot, diff]` columns.
fn planned(plan: &NodePlan) -> Option<[usize; 4]> {
    match plan {
        NodePlan::ArgMax {
            out,
            max,
            onehot,
            diff,
        } => Some([*out, *max, *onehot, *diff]),
        _ => None,
    }
}

impl OpProof for ArgMax {
    fn plan(&self, p: &mut Planner<'_>, idx: usize, node: &Node) -> Result<NodePlan, CompileError> {
        let (x, out) = plan_last_axis(p, node)?;
        let (nv, no) = (x.num_vars(), out.num_vars());
        let ocol = p.witness(format!("{}.out", node.name), no);
        let bits = p.act_bits();
        let diff = p.checked_column(
            idx,
            format!("{}.diff", node.name),
            TableSpec::Range { bits },
            nv,
        );
        let max = p.witness(format!("{}.max", node.name), no);
        let onehot = p.witness(format!("{}.onehot", node.name), nv);
        p.cost.macs = x.logical_len();
        p.cost.lookups = x.size();
        p.cost.committed = 2 * out.size() + 2 * x.size();
        p.cost.sumcheck = 4 * x.size();
        p.set_out(node, out, Source::Committed { column: ocol })?;
        Ok(NodePlan::ArgMax {
            out: ocol,
            max,
            onehot,
            diff,
        })
    }

    fn witness(&self, cx: &mut WitnessCtx<'_>, idx: usize) -> Result<Vec<i64>, ProveError> {
        let node = node_p(cx.graph, idx)?;
        let at = node.name.as_str();
        let [out, max, onehot, diff] =
            planned(plan_p(cx.plan, idx, at)?).ok_or_else(|| key_mismatch(at, "plan"))?;
        let (xv, xl) = cx.tensor(input(node, 0)?, at)?;
        let npad = xl.padded.last().copied().unwrap_or(1).max(1);
        // The indices are the trace (0 on padded rows); the maximum `x[j]`, the one-hot and the
        // gaps are computed here.
        let idxs = cx.stored(node.output, at, |_| Ok(0))?;
        let valid = valid_mask(xl);
        let mut y = vec![0i64; idxs.len()];
        let mut s = vec![0i64; xv.len()];
        let mut arg = vec![None; idxs.len()];
        for (r, ((((&ix, yr), ar), srow), vrow)) in idxs
            .iter()
            .zip(y.iter_mut())
            .zip(arg.iter_mut())
            .zip(s.chunks_exact_mut(npad))
            .zip(valid.chunks_exact(npad))
            .enumerate()
        {
            if !vrow.contains(&true) {
                continue;
            }
            let j = usize::try_from(ix)
                .ok()
                .filter(|&j| vrow.get(j) == Some(&true))
                .ok_or_else(|| cx.mismatch(node.output, r))?;
            *yr = xv
                .get(r * npad + j)
                .copied()
                .ok_or_else(|| key_mismatch(at, "input size"))?;
            if let Some(sj) = srow.get_mut(j) {
                *sj = 1;
            }
            *ar = Some(j);
        }
        let mut d = max_gaps(cx, node, xv, xl, &y)?;
        for (r, (ar, drow)) in arg.iter().zip(d.chunks_exact_mut(npad)).enumerate() {
            // Positions strictly before the arg-max are at least 1 below it (the lowest index).
            for dj in drow.iter_mut().take(ar.unwrap_or(0)) {
                *dj -= 1;
                if *dj < 0 {
                    return Err(cx.mismatch(node.output, r));
                }
            }
        }
        cx.set_column(out, idxs.clone(), at)?;
        cx.set_column(max, y, at)?;
        cx.set_column(onehot, s, at)?;
        cx.set_column(diff, d, at)?;
        Ok(idxs)
    }

    fn prove(
        &self,
        cx: &mut ProverCtx<'_>,
        idx: usize,
        _claim: Option<&Claim>,
    ) -> Result<(), ProveError> {
        let node = node_p(cx.graph, idx)?;
        let at = node.name.as_str();
        let [out, max, onehot, diff] =
            planned(plan_p(cx.plan, idx, at)?).ok_or_else(|| key_mismatch(at, "plan"))?;
        let x = input(node, 0)?;
        let xl = layout(cx.plan, x, at)?;
        let (_, npad, nr, nj) = last_axis(xl).ok_or_else(|| key_mismatch(at, "layout"))?;
        let nv = xl.num_vars();
        let s = cx.wit.column(onehot, at)?;
        let rho = cx.ch.t.challenges(AMAX_ROW, nr);
        let ye = mle(cx.wit.column(max, at)?, &rho);
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
        let e: Vec<EF> = eq_table(&rho)
            .into_iter()
            .flat_map(|v| std::iter::repeat_n(v, npad))
            .collect();
        let cols = vec![
            Column::Ext(eq_table(&tau)),
            Column::Base(to_field(s)),
            Column::Ext(e),
            Column::Base(to_field(cx.wit.tensor(x, at)?)),
            Column::Ext(eq_table(&r)),
            Column::Base(mask_field(&valid_mask(xl))),
            Column::Base(to_field(cx.wit.column(diff, at)?)),
        ];
        let sc = cx.ch.prove_sumcheck(cols, &argmax_terms(gamma), None);
        let ev = |i| get(&sc.evals, i, at, "evaluations").copied();
        let (se, xe, de) = (ev(1)?, ev(3)?, ev(6)?);
        cx.ch.send(vec![se, xe, de]);
        let u = sc.point;
        cx.claims.witness(onehot, u.clone(), se);
        cx.claims.witness(diff, u.clone(), de);
        cx.pass_claim(x, u, xe, at)?;
        Ok(())
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
        let [out, max, onehot, diff] = planned(plan_v(cx.plan, idx, at)?).ok_or_else(bad)?;
        let x = input_v(node, 0)?;
        let xl = layout_v(cx.plan, x, at)?;
        let (n, npad, nr, nj) = last_axis(xl).ok_or_else(bad)?;
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
        let sub = cx.rd.verify_sumcheck(nv, 3, claimed, at)?;
        let msg = cx.rd.recv(3, at)?;
        let [se, xe, de] = take::<3>(&msg, at)?;
        let u = sub.point.clone();
        let evals = [
            eq_eval(&tau, &u),
            se,
            eq_eval(&rho, u.get(..nr).ok_or_else(bad)?),
            xe,
            eq_eval(&r, &u),
            valid_eval(xl, &u).ok_or_else(bad)?,
            de,
        ];
        sub.check_products(&argmax_terms(gamma), None, &evals)
            .map_err(|e| VerifyError::at(at, format!("arg-max relations fail: {e}")))?;
        cx.claims.witness(onehot, u.clone(), se);
        cx.claims.witness(diff, u.clone(), de);
        cx.pass_claim(x, u, xe, at)?;
        Ok(())
    }
}
