//! Rescale (requantization), `q = ⌊(x + 2^(k−1)) / 2^k⌋`.
//!
//! The output `q` and the remainder `r ∈ [0, 2^k)` (limbs of at most 16 bits) are committed; the
//! batched lookups ([`crate::lookups`]) range-check `q` to the signed activation range and each
//! limb to its width. At node time, at a fresh point `ρ`,
//! `x̃(ρ) = 2^k·q̃(ρ) + Σ_l 2^(16l)·r̃_l(ρ) − 2^(k−1)` moves the claim to `x`; with both
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

use zkinfer_field::{EF, pow2};

use super::util::{cat, checked, input, input_v, key_mismatch, mle, vk_mismatch};
use super::{OpProof, ProverCtx, VerifierCtx, node_p, node_v, plan_p, plan_v};
use crate::claims::Claim;
use crate::context::WitnessCtx;
use crate::error::{CompileError, ProveError, VerifyError};
use crate::ir::{Node, Op};
use crate::plan::{LookupWitness, NodePlan, Source, TableSpec};
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

fn rescale_value(k: u32, y: EF, limbs: &[EF]) -> EF {
    let mut x = y * pow2(k);
    for (l, &r) in limbs.iter().enumerate() {
        x += r * pow2(16 * u32::try_from(l).unwrap_or(0));
    }
    x - EF::from(pow2(k - 1))
}

impl OpProof for Rescale {
    fn plan(&self, p: &mut Planner<'_>, idx: usize, node: &Node) -> Result<NodePlan, CompileError> {
        let Some(k) = shift(node) else {
            return Err(Planner::err(node, "rescale shift outside 1..=48"));
        };
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
        let a = p.act_bits();
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
        let (out, limbs, _) =
            planned(plan_p(cx.plan, idx, at)?).ok_or_else(|| key_mismatch(at, "plan"))?;
        let nv = super::util::get(&cx.plan.witness_columns, out, at, "column")?.num_vars;
        let rho = cx.ch.t.challenges(RESCALE, nv);
        let y = mle(cx.wit.column(out, at)?, &rho);
        let rs: Vec<EF> = limbs
            .iter()
            .map(|&c| Ok(mle(cx.wit.column(c, at)?, &rho)))
            .collect::<Result<_, ProveError>>()?;
        cx.ch.send(cat(&[y], &rs));
        cx.claims.witness(out, rho.clone(), y);
        for (&c, &r) in limbs.iter().zip(&rs) {
            cx.claims.witness(c, rho.clone(), r);
        }
        let value = rescale_value(k, y, &rs);
        cx.claims
            .tensor(cx.plan, input(node, 0)?, Claim { point: rho, value });
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
        let (out, limbs, _) = planned(plan_v(cx.plan, idx, at)?).ok_or_else(bad)?;
        let nv = cx.plan.witness_columns.get(out).ok_or_else(bad)?.num_vars;
        let rho = cx.rd.t.challenges(RESCALE, nv);
        let m = cx.rd.recv(1 + limbs.len(), at)?;
        let (y, rs) = m.split_first().ok_or_else(bad)?;
        cx.claims.witness(out, rho.clone(), *y);
        for (&c, &r) in limbs.iter().zip(rs) {
            cx.claims.witness(c, rho.clone(), r);
        }
        let value = rescale_value(k, *y, rs);
        let x = input_v(node, 0)?;
        cx.claims.tensor(cx.plan, x, Claim { point: rho, value });
        Ok(())
    }
}
