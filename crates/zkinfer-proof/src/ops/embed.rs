//! Embedding lookup with public token ids: `y[t, d] = W[ids[t], d]`, W `[V, D]` a weight
//! column (natural layout `[Vp, Dp]`, zero padding), ids the public graph input (or a reshape
//! of it), y in the natural layout of `ids.shape ‖ [D]`.
//!
//! Proof. The verifier knows the ids: they are the proof's public input, absorbed into the
//! transcript before any challenge. A claim `ỹ(r_t, r_d) = c` is, over the integers and so in
//! the field,
//!
//! ```text
//! ỹ(r_t, r_d) = Σ_t eq(r_t, t)·W̃(ids[t], r_d) = Σ_{v < Vp} W̃(v, r_d) · s(v),
//! s(v) = Σ_t eq(r_t, t)·[ids[t] = v]
//! ```
//!
//! (`t` over the logical id positions, at their stored position; y's padded positions are 0 and
//! so are W's padded rows and columns). One product sumcheck over the `log Vp` row variables
//! (masked like every sumcheck: `Channel::prove_sumcheck_zr`, the weight's evaluation reported
//! masked when the weights are private) ends at a point ρ with the claim `W̃(ρ, r_d)` on the
//! weight column, settled by the weights opening, and `s̃(ρ) = Σ_t eq(r_t, t)·eq(ρ, ids[t])`,
//! which the verifier computes itself from the ids (`O(T log V)`). A prover that answers for
//! other ids than the public ones has to make the sumcheck's final check hold with another
//! `s̃(ρ)`: a false claim passes with probability at most `2·log Vp / |EF|` (Schwartz–Zippel over
//! the degree-2 rounds). Every id must lie in `[0, V)`: the verifier rejects one outside (it
//! would index a padded row or wrap), the prover refuses to prove one.
//!
//! Private ids (a LogUp of `(id, row)` pairs into the committed table) are not supported yet:
//! compile refuses an embedding whose ids are not the public input.
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
use zkinfer_poly::eq_table;
use zkinfer_sumcheck::Column;

use super::api::{
    OpProof, ProverCtx, VerifierCtx, claim_p, claim_v, node_p, node_v, plan_p, plan_v,
};
use super::util::{
    cat, get, input, input_v, key_mismatch, private_columns, prod2, rows_dot, vk_mismatch,
};
use crate::claims::Claim;
use crate::context::WitnessCtx;
use crate::error::{CompileError, ProveError, VerifyError};
use crate::ir::{Const, Node, Op, ProofGraph};
use crate::layout::Layout;
use crate::plan::{InputVisibility, NodePlan, Plan, Source, weights_private};
use crate::planner::Planner;

/// [`crate::ir::Op::Embedding`].
#[derive(Debug)]
pub struct Embedding;

/// The table of an embedding node.
fn table(node: &Node) -> Option<&Const> {
    match &node.op {
        Op::Embedding { table } => Some(table),
        _ => None,
    }
}

/// The weight column of a planned embedding.
fn planned(plan: &NodePlan) -> Option<usize> {
    match plan {
        NodePlan::Weighted {
            weight, bias: None, ..
        } => Some(*weight),
        _ => None,
    }
}

/// The shapes an embedding works with.
struct Geom {
    /// The ids' natural layout (where each id position is stored in y's rows).
    ids: Layout,
    /// Rows of the table.
    vocab: usize,
    /// Padded rows.
    vp: usize,
    /// Padded row length.
    dp: usize,
}

impl Geom {
    /// From the node's table and the plan's layout of its ids; `None` if they do not fit.
    fn new(plan: &Plan, node: &Node) -> Option<Self> {
        let t = table(node)?;
        let [vocab, d] = t.shape[..] else { return None };
        let ids = plan.layouts.get(*node.inputs.first()?)?;
        Some(Self {
            ids: Layout::natural(&ids.logical),
            vocab,
            vp: vocab.next_power_of_two(),
            dp: d.next_power_of_two(),
        })
    }

    /// Variables of the row part of y's points.
    fn d_vars(&self) -> usize {
        self.dp.trailing_zeros() as usize
    }

    /// Variables of the sumcheck (the table's rows).
    fn v_vars(&self) -> usize {
        self.vp.trailing_zeros() as usize
    }

    /// The first id outside `[0, vocab)` with its position.
    fn bad_id(&self, ids: &[i64]) -> Option<(usize, i64)> {
        ids.iter()
            .copied()
            .enumerate()
            .find(|&(_, id)| usize::try_from(id).map_or(true, |v| v >= self.vocab))
    }

    /// `s(v) = Σ_t eq(r_t, pos(t))·[ids[t] = v]` for `v < Vp` (ids checked first).
    fn selector(&self, ids: &[i64], r_t: &[EF]) -> Option<Vec<EF>> {
        let e = eq_table(r_t);
        let mut s = vec![EF::ZERO; self.vp];
        for (&id, pos) in ids.iter().zip(self.ids.logical_to_stored()) {
            *s.get_mut(usize::try_from(id).ok()?)? += *e.get(pos)?;
        }
        Some(s)
    }

    /// `s̃(ρ) = Σ_t eq(r_t, pos(t))·eq(ρ, ids[t])` (ids checked first).
    fn selector_at(&self, ids: &[i64], r_t: &[EF], rho: &[EF]) -> Option<EF> {
        let e = eq_table(r_t);
        let n = rho.len();
        let mut acc = EF::ZERO;
        for (&id, pos) in ids.iter().zip(self.ids.logical_to_stored()) {
            let v = usize::try_from(id).ok()?;
            // eq(ρ, bits(v)), big-endian: ρ_0 is the most significant variable.
            let eq_v = rho.iter().enumerate().fold(EF::ONE, |a, (k, &r)| {
                if (v >> (n - 1 - k)) & 1 == 1 {
                    a * r
                } else {
                    a * (EF::ONE - r)
                }
            });
            acc += *e.get(pos)? * eq_v;
        }
        Some(acc)
    }
}

/// The token ids (logical order) of `node` from the graph input's stored values: the input's
/// window that the ids are ([`ProofGraph::input_window`]: the whole input, or a slice of a
/// packed input).
fn ids_of(plan: &Plan, node: &Node, stored: &[i64]) -> Option<Vec<i64>> {
    let l = plan.layouts.get(plan.graph.input)?;
    let (off, len) = plan.graph.input_window(*node.inputs.first()?)?;
    if stored.len() != l.size() {
        return None;
    }
    l.gather(stored).get(off..off + len).map(<[i64]>::to_vec)
}

/// Whether `t` is the public graph input, an alias of it, or a slice of a packed public input.
fn is_public_input(p: &Planner<'_>, t: usize) -> bool {
    p.source(p.g.input) == Some(Source::PublicInput) && p.g.input_window(t).is_some()
}

impl OpProof for Embedding {
    fn plan(
        &self,
        p: &mut Planner<'_>,
        _idx: usize,
        node: &Node,
    ) -> Result<NodePlan, CompileError> {
        let t = table(node).ok_or_else(|| Planner::err(node, "not an embedding"))?;
        Planner::check_const(node, "table", t)?;
        let [vocab, d] = t.shape[..] else {
            return Err(Planner::err(
                node,
                format!("the embedding table is {:?}, not [vocab, dim]", t.shape),
            ));
        };
        let x = *node
            .inputs
            .first()
            .ok_or_else(|| Planner::err(node, "no ids"))?;
        if p.options.input != InputVisibility::Public {
            return Err(Planner::err(
                node,
                format!(
                    "the token ids that index this embedding must be public: \
                     --input-visibility {} is not supported yet for a token-id input (it \
                     needs a lookup of (id, row) pairs into the table); compile with \
                     --input-visibility public",
                    match p.options.input {
                        InputVisibility::Private => "private",
                        _ => "hashed",
                    }
                ),
            ));
        }
        if !is_public_input(p, x) {
            return Err(Planner::err(
                node,
                "an embedding's ids must be the graph input (a reshape of it, or the slice of \
                 a packed input that one graph input is)",
            ));
        }
        let ids = p.layout(node, 0)?;
        let mut out_shape = ids.logical.clone();
        out_shape.push(d);
        if p.out_shape(node)? != out_shape || vocab == 0 || d == 0 {
            return Err(Planner::err(
                node,
                format!("the output is not ids {:?} by rows of {d}", ids.logical),
            ));
        }
        let wl = Layout::natural(&t.shape);
        let wc = p.weight_laid(format!("{}.table", node.name), &wl);
        p.cost.sumcheck = vocab.next_power_of_two();
        p.set_out(node, Layout::natural(&out_shape), Source::Derived)?;
        Ok(NodePlan::Weighted {
            weight: wc,
            bias: None,
            split: ids.logical.len(),
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
        let t = table(node).ok_or_else(|| key_mismatch(at, "op"))?;
        let wc = planned(plan_p(plan, idx, at)?).ok_or_else(|| key_mismatch(at, "plan"))?;
        if t.values.len() != t.shape.iter().product::<usize>() {
            return Err(key_mismatch(at, "table size"));
        }
        *cols
            .get_mut(wc)
            .ok_or_else(|| key_mismatch(at, "table column"))? =
            Layout::natural(&t.shape).scatter(&t.values);
        Ok(())
    }

    /// The rows of the table column picked by the ids, at the ids' stored positions (the
    /// interpreter's values at the logical positions; 0 at the padded ones, as the relation has
    /// it).
    fn witness(&self, cx: &mut WitnessCtx<'_>, idx: usize) -> Result<Vec<i64>, ProveError> {
        let node = node_p(cx.graph, idx)?;
        let at = node.name.as_str();
        let g = Geom::new(cx.plan, node).ok_or_else(|| key_mismatch(at, "embedding shape"))?;
        let wc = planned(plan_p(cx.plan, idx, at)?).ok_or_else(|| key_mismatch(at, "plan"))?;
        let w = get(cx.weights, wc, at, "table column")?;
        let (xv, xl) = cx.tensor(input(node, 0)?, at)?;
        let ids = xl.gather(xv);
        if let Some((position, id)) = g.bad_id(&ids) {
            return Err(bad_id_p(at, position, id, g.vocab));
        }
        let mut y = vec![0i64; g.ids.size() * g.dp];
        for (&id, pos) in ids.iter().zip(g.ids.logical_to_stored()) {
            let row = usize::try_from(id).unwrap_or(usize::MAX);
            let src = w
                .get(row * g.dp..(row + 1) * g.dp)
                .ok_or_else(|| key_mismatch(at, "table column size"))?;
            y.get_mut(pos * g.dp..(pos + 1) * g.dp)
                .ok_or_else(|| key_mismatch(at, "output size"))?
                .copy_from_slice(src);
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
        let g = Geom::new(cx.plan, node).ok_or_else(|| key_mismatch(at, "embedding shape"))?;
        let wc = planned(plan_p(cx.plan, idx, at)?).ok_or_else(|| key_mismatch(at, "plan"))?;
        let ids = ids_of(cx.plan, node, cx.wit.tensor(cx.graph.input, at)?)
            .ok_or_else(|| key_mismatch(at, "input size"))?;
        if let Some((position, id)) = g.bad_id(&ids) {
            return Err(bad_id_p(at, position, id, g.vocab));
        }
        let split = claim
            .point
            .len()
            .checked_sub(g.d_vars())
            .filter(|&n| n == g.ids.num_vars())
            .ok_or_else(|| key_mismatch(at, "claim point"))?;
        let (r_t, r_d) = claim.point.split_at(split);
        let s = g
            .selector(&ids, r_t)
            .ok_or_else(|| key_mismatch(at, "selector"))?;
        let w = cx.weight(wc, at)?;
        if w.len() != g.vp * g.dp {
            return Err(key_mismatch(at, "table column size"));
        }
        let eqd = eq_table(r_d);
        let wr = rows_dot(w, g.dp, &eqd);
        let private = private_columns(&[weights_private(cx.plan), false]);
        let out = cx.ch.prove_sumcheck_zr(
            vec![Column::Ext(wr), Column::Ext(s)],
            &prod2(),
            None,
            &private,
            &claim.masks,
        );
        let we = *get(&out.evals, 0, at, "sumcheck evaluations")?;
        cx.ch.send(vec![we]);
        let wcl = out
            .claims
            .into_iter()
            .next()
            .ok_or_else(|| key_mismatch(at, "sumcheck evaluations"))?;
        cx.claims
            .weight_claim(wc, wcl.with_point(cat(&out.point, r_d)));
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
        let g = Geom::new(cx.plan, node).ok_or_else(|| vk_mismatch(at))?;
        let wc = planned(plan_v(cx.plan, idx, at)?).ok_or_else(|| vk_mismatch(at))?;
        input_v(node, 0)?;
        let stored = cx.public_input.ok_or_else(|| {
            VerifyError::at(
                at,
                "an embedding needs the public token ids; the proof has none",
            )
        })?;
        let ids = ids_of(cx.plan, node, stored).ok_or_else(|| vk_mismatch(at))?;
        if let Some((position, id)) = g.bad_id(&ids) {
            return Err(VerifyError::at(
                at,
                format!(
                    "token id {id} at position {position} is outside the vocabulary [0, {})",
                    g.vocab
                ),
            ));
        }
        if claim.point.len() != g.ids.num_vars() + g.d_vars() {
            return Err(VerifyError::at(at, "claim point of the wrong length"));
        }
        let (r_t, r_d) = claim.point.split_at(g.ids.num_vars());
        let private = private_columns(&[weights_private(cx.plan), false]);
        let sub = cx.rd.verify_sumcheck_zr(
            g.v_vars(),
            &prod2(),
            None,
            &private,
            &claim.masks,
            claim.value,
            at,
        )?;
        let we = cx.rd.recv1(at)?;
        let se = g
            .selector_at(&ids, r_t, sub.point())
            .ok_or_else(|| VerifyError::at(at, "selector shape"))?;
        let wcl = sub
            .check(&prod2(), None, &[we, se], at)?
            .into_iter()
            .next()
            .ok_or_else(|| VerifyError::at(at, "sumcheck evaluations"))?;
        let point = cat(sub.point(), r_d);
        cx.claims.weight_claim(wc, wcl.with_point(point));
        Ok(())
    }
}

/// The prover's error for an id outside the vocabulary.
fn bad_id_p(at: &str, position: usize, id: i64, vocab: usize) -> ProveError {
    ProveError::Backend(format!(
        "node `{at}`: token id {id} at position {position} is outside the vocabulary [0, {vocab})"
    ))
}

#[cfg(test)]
mod tests {
    use zkinfer_field::F;

    use super::*;

    fn point(n: usize, seed: u64) -> Vec<EF> {
        (0..n)
            .map(|i| EF::from(F::from_u64(seed + 7 * i as u64)))
            .collect()
    }

    #[test]
    fn the_selector_table_and_its_evaluation_agree() {
        let g = Geom {
            ids: Layout::natural(&[1, 5]),
            vocab: 6,
            vp: 8,
            dp: 4,
        };
        let ids = [3, 0, 5, 3, 1];
        let r_t = point(g.ids.num_vars(), 11);
        let s = g.selector(&ids, &r_t).unwrap();
        let rho = point(3, 29);
        assert_eq!(
            zkinfer_poly::evaluate(&s, &rho),
            g.selector_at(&ids, &r_t, &rho).unwrap()
        );
        assert_eq!(g.bad_id(&ids), None);
        assert_eq!(g.bad_id(&[0, 6]), Some((1, 6)));
        assert_eq!(g.bad_id(&[-1]), Some((0, -1)));
    }
}
