//! Arg-max along the last axis, lowest index on ties, `x [.., n] → idx [.., 1]`.
//!
//! # Soundness
//! Committed: the index `idx`, the row maximum `y`, a one-hot `s` (layout of x) and
//! `D = (y − x − before)·valid` with `before(i, j) = Σ_{j' > j} s(i, j')` (1 exactly before the
//! chosen index), range-checked to `[0, 2^A)`.
//!
//! At a fresh row point `ρ` the prover sends `ỹ(ρ)` and `s̃(ρ, j)` for every `j` but the last
//! inside the row and the last of the padding (masked when private), whose values are derived
//! so that `Σ_{j<n} s̃(ρ, j) = valid_rows(ρ)` and `Σ_{j≥n} s̃(ρ, j) = 0`; the verifier derives
//! `ĩdx(ρ) = Σ_j j·s̃(ρ, j)` and one claim `s̃(ρ, r_j)` at a fresh `r_j` (the random combination
//! that binds every row value to `s`). One sumcheck over x's
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
    cat, get, ind, input, input_v, key_mismatch, layout, layout_v, mle, private_columns, take,
    to_field, vk_mismatch,
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

/// The `j` of the row values `s̃(ρ, j)` the prover sends: all but the last inside the row
/// (`n − 1`) and the last of the padding (`npad − 1`, when there is padding), whose values
/// follow from `Σ_{j<n} s̃(ρ, j) = valid_rows(ρ)` and `Σ_{j≥n} s̃(ρ, j) = 0`.
fn sent_indices(n: usize, npad: usize) -> impl Iterator<Item = usize> {
    (0..npad).filter(move |&j| j + 1 != n && j + 1 != npad)
}

/// The claims on all `npad` row values from the sent ones ([`sent_indices`] order): the last
/// inside value is `valid_rows − Σ` of the others inside, the last padded one `−Σ` of the other
/// padded ones (masks likewise), so both sums hold by construction. `None` if the counts do not
/// fit.
fn row_claims(sent: Vec<Claim>, n: usize, npad: usize, valid_rows: EF) -> Option<Vec<Claim>> {
    if n == 0 || npad < n {
        return None;
    }
    let mut sent = sent.into_iter();
    let mut out: Vec<Claim> = Vec::with_capacity(npad);
    for j in 0..npad {
        let c = if j + 1 == n || (j + 1 == npad && npad > n) {
            let (lo, total) = if j < n {
                (0, valid_rows)
            } else {
                (n, EF::ZERO)
            };
            let others = out.get(lo..j)?;
            let terms: Vec<(EF, &Claim)> = others.iter().map(|c| (-EF::ONE, c)).collect();
            let mut c = Claim::combine(&terms);
            c.value += total;
            c
        } else {
            sent.next()?
        };
        out.push(c);
    }
    sent.next().is_none().then_some(out)
}

/// From the claims on `ỹ(ρ)` and the row values `s̃(ρ, j)`: the claims on `idx` at `ρ`
/// (`Σ_j j·s̃(ρ, j)`), on `y` at `ρ`, on `s` at `ρ ‖ r_j` (`Σ_j eq(r_j, j)·s̃(ρ, j)`), and the
/// combination `ỹ(ρ)·ind_n(r_j) − before(ρ ‖ r_j)` the sumcheck's tie part claims, where
/// `before(ρ ‖ r_j) = Σ_{j'} s̃(ρ, j')·ind(min(j', n), r_j)` (the masked `Σ_{j' > j} s`).
fn row_consequences(y: &Claim, s: &[Claim], n: usize, rho: &[EF], rj: &[EF]) -> [Claim; 4] {
    let at_rho = |c: Claim| c.with_point(rho.to_vec());
    let idx_terms: Vec<(EF, &Claim)> = s
        .iter()
        .enumerate()
        .map(|(j, c)| (EF::from_usize(j), c))
        .collect();
    let e = eq_table(rj);
    let hot_terms: Vec<(EF, &Claim)> = e.iter().copied().zip(s).collect();
    let tie_terms: Vec<(EF, &Claim)> = std::iter::once((ind(n, rj), y))
        .chain(s.iter().enumerate().map(|(j, c)| (-ind(j.min(n), rj), c)))
        .collect();
    [
        at_rho(Claim::combine(&idx_terms)),
        at_rho(y.clone()),
        Claim::combine(&hot_terms).with_point(cat(rho, rj)),
        Claim::combine(&tie_terms),
    ]
}

/// The batched sumcheck's claimed sum `γ·ỹ(ρ) + γ²·tie` (masks likewise).
fn batched_claim(gamma: EF, y: &Claim, tie: &Claim) -> Claim {
    Claim::combine(&[(gamma, y), (gamma * gamma, tie)])
}

/// The batched sumcheck's private columns among `[eq_τ, s, E, x, eq_r, valid, D]`: `s` and `D`
/// when the arg-max is private (its input or output), `x` when the input is.
fn sum_private(private: bool, x_private: bool) -> Vec<usize> {
    private_columns(&[false, private, false, x_private, false, false, private])
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
        let (n, npad, nr, nj) = last_axis(xl).ok_or_else(|| key_mismatch(at, "layout"))?;
        let nv = xl.num_vars();
        let rows = xl.sub(0..xl.logical.len().saturating_sub(1));
        let private = cx.is_private(x) || cx.is_private(node.output);
        let s = cx.wit.column(onehot, at)?;
        let rho = cx.ch.t.challenges(AMAX_ROW, nr);
        let yc = {
            let ye = mle(cx.wit.column(max, at)?, &rho);
            cx.send_value(&rho, ye, private)
        };
        let svals = fold_rows(s, &rho, npad);
        let valid_rows = valid_eval(&rows, &rho).ok_or_else(|| key_mismatch(at, "layout"))?;
        let mut sent = Vec::new();
        for j in sent_indices(n, npad) {
            let v = *get(&svals, j, at, "row values")?;
            sent.push(cx.send_value(&rho, v, private));
        }
        let sc = row_claims(sent, n, npad, valid_rows).ok_or_else(|| key_mismatch(at, "row"))?;
        let rj = cx.ch.t.challenges(AMAX_J, nj);
        let [oc, mc, hc, claimed] = row_consequences(&yc, &sc, n, &rho, &rj);
        let gamma = cx.ch.t.challenge(AMAX_GAMMA);
        let claimed = batched_claim(gamma, &mc, &claimed);
        cx.claims.witness_claim(out, oc);
        cx.claims.witness_claim(max, mc);
        cx.claims.witness_claim(onehot, hc);
        let tau = cx.ch.t.challenges(AMAX_BOOL, nv);
        let r = cat(&rho, &rj);
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
        let sc = cx.ch.prove_sumcheck_zr(
            cols,
            &argmax_terms(gamma),
            None,
            &sum_private(private, cx.is_private(x)),
            &claimed.masks,
        );
        let ev = |i| get(&sc.evals, i, at, "evaluations").copied();
        cx.ch.send(vec![ev(1)?, ev(3)?, ev(6)?]);
        let cl = |i| get(&sc.claims, i, at, "evaluations").cloned();
        let (hc, xc, dc) = (cl(1)?, cl(3)?, cl(6)?);
        cx.claims.witness_claim(onehot, hc);
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
        let [out, max, onehot, diff] = planned(plan_v(cx.plan, idx, at)?).ok_or_else(bad)?;
        let x = input_v(node, 0)?;
        let xl = layout_v(cx.plan, x, at)?;
        let (n, npad, nr, nj) = last_axis(xl).ok_or_else(bad)?;
        let nv = xl.num_vars();
        let rows = xl.sub(0..xl.logical.len().saturating_sub(1));
        let private = cx.is_private(x) || cx.is_private(node.output);
        let rho = cx.rd.t.challenges(AMAX_ROW, nr);
        let yc = cx.recv_value(&rho, private, at)?;
        let valid_rows = valid_eval(&rows, &rho).ok_or_else(bad)?;
        let mut sent = Vec::new();
        for _ in sent_indices(n, npad) {
            sent.push(cx.recv_value(&rho, private, at)?);
        }
        let sc = row_claims(sent, n, npad, valid_rows).ok_or_else(bad)?;
        let rj = cx.rd.t.challenges(AMAX_J, nj);
        let [oc, mc, hc, claimed] = row_consequences(&yc, &sc, n, &rho, &rj);
        let gamma = cx.rd.t.challenge(AMAX_GAMMA);
        let claimed = batched_claim(gamma, &mc, &claimed);
        cx.claims.witness_claim(out, oc);
        cx.claims.witness_claim(max, mc);
        cx.claims.witness_claim(onehot, hc);
        let tau = cx.rd.t.challenges(AMAX_BOOL, nv);
        let r = cat(&rho, &rj);
        let terms = argmax_terms(gamma);
        let sub = cx.rd.verify_sumcheck_zr(
            nv,
            &terms,
            None,
            &sum_private(private, cx.is_private(x)),
            &claimed.masks,
            claimed.value,
            at,
        )?;
        let msg = cx.rd.recv(3, at)?;
        let [se, xe, de] = take::<3>(&msg, at)?;
        let u = sub.point().to_vec();
        let evals = [
            eq_eval(&tau, &u),
            se,
            eq_eval(&rho, u.get(..nr).ok_or_else(bad)?),
            xe,
            eq_eval(&r, &u),
            valid_eval(xl, &u).ok_or_else(bad)?,
            de,
        ];
        let claims = sub
            .check(&terms, None, &evals, at)
            .map_err(|e| VerifyError::at(at, format!("arg-max relations fail: {e}")))?;
        let cl = |i: usize| claims.get(i).cloned().ok_or_else(bad);
        let (hc, xc, dc) = (cl(1)?, cl(3)?, cl(6)?);
        cx.claims.witness_claim(onehot, hc);
        cx.claims.witness_claim(diff, dc);
        cx.pass(x, xc, at)
    }
}
