//! Rescale (requantization), `q = ⌊(x + 2^(k−1)) / 2^k⌋`.
//!
//! The output `q` and the remainder `r ∈ [0, 2^k)` (limbs of at most 16 bits) are committed; the
//! batched lookups ([`crate::lookups`]) range-check `q` to the signed activation range and each
//! limb to its width. At node time, at a fresh point `ρ`,
//! `x̃(ρ) = 2^k·q̃(ρ) + Σ_l 2^(o_l)·r̃_l(ρ) − 2^(k−1)` (`o_l` the bits of the limbs before `l`) moves the claim to `x`; with both
//! ranges checked, `q` is the unique round-half-up quotient.
//! Witness rule: every stored element (padding included) is rescaled: the logical quotients
//! are the trace, the remainders `x + 2^(k−1) − 2^k·q` (checked to `[0, 2^k)`).
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

use zkinfer_field::limits::FIELD_SAFE_BITS;
use zkinfer_field::{EF, F, pow2};

use super::api::{
    OpProof, ProverCtx, VerifierCtx, lookup_claim_p, lookup_claim_v, node_p, node_v, plan_p, plan_v,
};
use super::util::{cat, checked, input, input_v, key_mismatch, mle, to_field, vk_mismatch};
use crate::claims::Claim;
use crate::context::{Witness, WitnessCtx};
use crate::error::{CompileError, ProveError, VerifyError};
use crate::ir::{Node, Op, ProofGraph};
use crate::plan::{LookupWitness, NodePlan, Plan, Source, TableSpec};
use crate::planner::Planner;

const RESCALE: &[u8] = b"zkinfer/rescale";

/// [`crate::ir::Op::Rescale`].
#[derive(Debug)]
pub struct Rescale;

fn shift(node: &Node) -> Option<u32> {
    match node.op {
        Op::Rescale { shift } if (1..=48).contains(&shift) => Some(shift),
        _ => None,
    }
}

fn planned(plan: &NodePlan) -> Option<(usize, &[usize], &[u32])> {
    match plan {
        NodePlan::Rescale {
            out,
            limbs,
            limb_bits,
        } => Some((*out, limbs, limb_bits)),
        _ => None,
    }
}

/// The claim on the input `x = 2^k·y + Σ_l 2^(o_l)·r_l − 2^(k−1)` (`o_l` the bits of the limbs
/// before `l`) from the (possibly masked) claims on `y` and the remainder limbs `r_l` at one point: their combination (masks scaled,
/// no new randomness). `None` without a claim on `y`.
fn input_claim(k: u32, limb_bits: &[u32], sent: &[Claim]) -> Option<Claim> {
    let (y, limbs) = sent.split_first()?;
    if limbs.len() != limb_bits.len() || limb_bits.iter().sum::<u32>() != k {
        return None;
    }
    let offsets = limb_bits.iter().scan(0u32, |at, &b| {
        let here = *at;
        *at += b;
        Some(here)
    });
    let terms: Vec<(EF, &Claim)> = std::iter::once((EF::from(pow2(k)), y))
        .chain(offsets.zip(limbs).map(|(o, r)| (EF::from(pow2(o)), r)))
        .collect();
    let mut x = Claim::combine(&terms);
    x.value -= EF::from(pow2(k - 1));
    Some(x)
}

impl OpProof for Rescale {
    fn plan(&self, p: &mut Planner<'_>, idx: usize, node: &Node) -> Result<NodePlan, CompileError> {
        let Some(k) = shift(node) else {
            return Err(Planner::err(node, "rescale shift outside 1..=48"));
        };
        // No wrap (issue 13, 6e): with `q` in the signed activation range and `r ∈ [0, 2^k)`,
        // `|2^k·q + r| ≤ 2^(a−1+k)`; below the field-safety bound the identity mod p is the
        // identity over the integers, so `q` is the real quotient.
        let a = p.act_bits();
        if a - 1 + k > FIELD_SAFE_BITS - 1 {
            return Err(Planner::err(
                node,
                format!(
                    "rescale by 2^{k} of {a}-bit activations: 2^k·q reaches 2^{} and could wrap the \
                     field (at most 2^{} is safe); lower act_bits or the scales so that \
                     act_bits − 1 + shift ≤ {}",
                    a - 1 + k,
                    FIELD_SAFE_BITS - 1,
                    FIELD_SAFE_BITS - 1
                ),
            ));
        }
        let x = p.layout(node, 0)?;
        let nv = x.num_vars();
        let out = p.witness(format!("{}.out", node.name), nv);
        let mut limbs = Vec::new();
        let mut limb_bits = Vec::new();
        let mut left = k;
        while left > 0 {
            let bits = left.min(16);
            left -= bits;
            let l = limbs.len();
            limbs.push(p.witness(format!("{}.rem{l}", node.name), nv));
            limb_bits.push(bits);
            p.lookup(
                TableSpec::Range { bits },
                LookupWitness::RescaleLimb { node: idx, limb: l },
                nv,
            );
        }
        p.lookup(
            TableSpec::SignedRange { bits: a },
            LookupWitness::RescaleOut { node: idx },
            nv,
        );
        p.cost.committed = x.size() * (1 + limbs.len());
        p.cost.lookups = x.size() * (1 + limbs.len());
        p.set_out(node, x, Source::Committed { column: out })?;
        Ok(NodePlan::Rescale {
            out,
            limbs,
            limb_bits,
        })
    }

    fn witness(&self, cx: &mut WitnessCtx<'_>, idx: usize) -> Result<Vec<i64>, ProveError> {
        let node = node_p(cx.graph, idx)?;
        let at = node.name.as_str();
        let k = shift(node).ok_or_else(|| key_mismatch(at, "shift"))?;
        let (out, limbs, limb_bits) =
            planned(plan_p(cx.plan, idx, at)?).ok_or_else(|| key_mismatch(at, "plan"))?;
        let (limbs, limb_bits) = (limbs.to_vec(), limb_bits.to_vec());
        let (lo, hi) = super::util::act_range(cx.graph.act_bits);
        let (xv, _) = cx.tensor(input(node, 0)?, at)?;
        // Logical quotients from the trace, padded elements rescaled by the model's rule.
        let y = cx.stored(node.output, at, |z| {
            let v = xv.get(z).ok_or_else(|| key_mismatch(at, "input size"))?;
            Ok(zkinfer_model::rescale(*v, k))
        })?;
        if y.len() != xv.len() {
            return Err(key_mismatch(at, "output size"));
        }
        let half = 1i128 << (k - 1);
        let mut rems: Vec<Vec<i64>> = vec![Vec::with_capacity(xv.len()); limbs.len()];
        for (z, (&v, &q)) in xv.iter().zip(&y).enumerate() {
            checked(at, i128::from(q), lo, hi)?;
            let mut r = i128::from(v) + half - (i128::from(q) << k);
            if !(0..1i128 << k).contains(&r) {
                return Err(cx.mismatch(node.output, z));
            }
            for (col, &bits) in rems.iter_mut().zip(&limb_bits) {
                col.push(i64::try_from(r & ((1i128 << bits) - 1)).unwrap_or_default());
                r >>= bits;
            }
        }
        for (&c, r) in limbs.iter().zip(rems) {
            cx.set_column(c, r, at)?;
        }
        cx.set_column(out, y.clone(), at)?;
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
        let k = shift(node).ok_or_else(|| key_mismatch(at, "shift"))?;
        let (out, limbs, limb_bits) =
            planned(plan_p(cx.plan, idx, at)?).ok_or_else(|| key_mismatch(at, "plan"))?;
        let nv = super::util::get(&cx.plan.witness_columns, out, at, "column")?.num_vars;
        let rho = cx.ch.t.challenges(RESCALE, nv);
        let y = mle(cx.wit.column(out, at)?, &rho);
        let rs: Vec<EF> = limbs
            .iter()
            .map(|&c| Ok(mle(cx.wit.column(c, at)?, &rho)))
            .collect::<Result<_, ProveError>>()?;
        // Sent masked (when the channel masks): the claim on `x` is their combination, so its
        // masks are theirs (docs/ZK-sumcheck.md §5.6).
        let sent = cx.ch.send_masked(&rho, &cat(&[y], &rs));
        let x =
            input_claim(k, limb_bits, &sent).ok_or_else(|| key_mismatch(at, "rescale values"))?;
        for (&c, claim) in std::iter::once(&out).chain(limbs).zip(sent) {
            cx.claims.witness_claim(c, claim);
        }
        cx.pass(input(node, 0)?, x, at)?;
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
        let k = shift(node).ok_or_else(bad)?;
        let (out, limbs, limb_bits) = planned(plan_v(cx.plan, idx, at)?).ok_or_else(bad)?;
        let nv = cx.plan.witness_columns.get(out).ok_or_else(bad)?.num_vars;
        let rho = cx.rd.t.challenges(RESCALE, nv);
        let sent = cx.rd.recv_masked(1 + limbs.len(), &rho, at)?;
        let x = input_claim(k, limb_bits, &sent).ok_or_else(bad)?;
        for (&c, claim) in std::iter::once(&out).chain(limbs).zip(sent) {
            cx.claims.witness_claim(c, claim);
        }
        cx.pass(input_v(node, 0)?, x, at)?;
        Ok(())
    }

    fn lookup_columns(
        &self,
        graph: &ProofGraph,
        plan: &Plan,
        wit: &Witness,
        idx: usize,
        lu: LookupWitness,
    ) -> Result<Vec<Vec<F>>, ProveError> {
        let at = node_p(graph, idx)?.name.as_str();
        let c =
            lookup_column(plan_p(plan, idx, at)?, lu).ok_or_else(|| key_mismatch(at, "lookup"))?;
        Ok(vec![to_field(wit.column(c, at)?)])
    }

    fn lookup_claims_p(
        &self,
        cx: &mut ProverCtx<'_>,
        idx: usize,
        lu: LookupWitness,
        claims: &[Claim],
    ) -> Result<(), ProveError> {
        let at = node_p(cx.graph, idx)?.name.as_str();
        let c = lookup_column(plan_p(cx.plan, idx, at)?, lu)
            .ok_or_else(|| key_mismatch(at, "lookup"))?;
        cx.claims.witness_claim(c, lookup_claim_p(claims, 0, at)?);
        Ok(())
    }

    fn lookup_claims_v(
        &self,
        cx: &mut VerifierCtx<'_>,
        idx: usize,
        lu: LookupWitness,
        claims: &[Claim],
        at: &str,
    ) -> Result<(), VerifyError> {
        let c = lookup_column(plan_v(cx.plan, idx, at)?, lu).ok_or_else(|| vk_mismatch(at))?;
        cx.claims.witness_claim(c, lookup_claim_v(claims, 0, at)?);
        Ok(())
    }
}

/// The column a rescale's lookup `lu` reads: its output or one remainder limb.
fn lookup_column(plan: &NodePlan, lu: LookupWitness) -> Option<usize> {
    let (out, limbs, _) = planned(plan)?;
    match lu {
        LookupWitness::RescaleOut { .. } => Some(out),
        LookupWitness::RescaleLimb { limb, .. } => limbs.get(limb).copied(),
        _ => None,
    }
}
