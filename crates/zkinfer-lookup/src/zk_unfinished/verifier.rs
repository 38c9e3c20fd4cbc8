//! The blinded LogUp-GKR verifier (prototype, see the module doc). Never panics on any proof.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

use zkinfer_field::{EF, Field, PrimeCharacteristicRing, Transcript};

use super::layer::verify_layer;
use super::prover::count;
use super::{
    BlindedClaims, BlindedProof, InnerMaskClaim, ZkLookupError, labels as zk_labels, selector,
};
use crate::proof::{Slot, absorb_roots, begin, fold_tuple};
use crate::{LookupClaims, LookupError, MAX_WITNESS_VARS, Table, labels};

/// Verifies a blinded proof that witnesses of `witness_shapes[w]` variables (their last two
/// rows disabled) lie in `table`.
///
/// # Errors
/// A [`ZkLookupError`] naming the first check that failed.
///
/// # Soundness
/// The caller must have absorbed its commitments (witness columns, multiplicities, blinding,
/// masks) before this call, and must discharge every returned claim against them.
pub fn verify_blinded(
    table: &Table,
    witness_shapes: &[usize],
    proof: &BlindedProof,
    transcript: &mut Transcript,
) -> Result<BlindedClaims, ZkLookupError> {
    table.validate()?;
    for (witness, &vars) in witness_shapes.iter().enumerate() {
        if vars == 0 {
            return Err(ZkLookupError::WitnessTooSmall { witness, vars });
        }
        if vars > MAX_WITNESS_VARS {
            return Err(LookupError::TooManyVars {
                witness,
                got: vars,
                max: MAX_WITNESS_VARS,
            }
            .into());
        }
    }
    transcript.absorb_bytes(zk_labels::BLINDED, &[]);
    let (alpha, beta) = begin(&[(table, witness_shapes.to_vec())], transcript);
    let heights: Vec<usize> = witness_shapes
        .iter()
        .copied()
        .chain([table.num_vars() + 1])
        .collect();
    count("roots", heights.len(), proof.roots.len())?;
    absorb_roots(&proof.roots, transcript);
    check_roots(&proof.roots)?;

    let mut claims: Vec<(EF, EF)> = proof.roots.iter().map(|&[p, q]| (p, q)).collect();
    let mut leaf_points: Vec<Vec<EF>> = vec![Vec::new(); heights.len()];
    let max_height = heights.iter().copied().max().unwrap_or(0);
    count("layers", max_height, proof.layers.len())?;
    let mut mask_claims = Vec::with_capacity(max_height);
    let mut inner_claims = Vec::new();
    let mut point: Vec<EF> = Vec::new();
    for (k, layer) in proof.layers.iter().enumerate() {
        let active: Vec<usize> = (0..heights.len())
            .filter(|&j| heights.get(j).is_some_and(|&h| h > k))
            .collect();
        let lambda = transcript.challenge(labels::LAMBDA);
        let active_claims: Vec<(EF, EF)> = active
            .iter()
            .filter_map(|&j| claims.get(j).copied())
            .collect();
        // A claim is on a `Z·R`-masked layer when its height `k` is in `2..height`.
        let masked: Vec<bool> = active
            .iter()
            .map(|&j| heights.get(j).is_some_and(|&h| (2..h).contains(&k)))
            .collect();
        let out = verify_layer(&point, lambda, &active_claims, &masked, layer, transcript)?;
        let children = &layer.children;
        transcript.absorb_exts(labels::CHILDREN, children);
        let flat: Vec<EF> = layer.mask_evals.iter().flatten().copied().collect();
        transcript.absorb_exts(zk_labels::INNER_MASK_EVALS, &flat);
        for &(pos, values) in &out.inner {
            inner_claims.push(InnerMaskClaim {
                tree: active.get(pos).copied().unwrap_or(usize::MAX),
                height: k,
                point: out.inner_point,
                values,
            });
        }
        let mu = transcript.challenge(labels::MU);
        point = std::iter::once(mu).chain(out.rho).collect();
        for (&j, values) in active.iter().zip(children.chunks_exact(4)) {
            let next = Slot::Full.next_claim(values, mu);
            if let (Some(c), Some(next)) = (claims.get_mut(j), next) {
                *c = next;
            }
            if heights.get(j) == Some(&(k + 1))
                && let Some(lp) = leaf_points.get_mut(j)
            {
                lp.clone_from(&point);
            }
        }
        mask_claims.push(out.mask);
    }

    // Leaves.
    let num_w = witness_shapes.len();
    count("witness evaluations", num_w, proof.witness_evals.len())?;
    count(
        "blinding evaluations",
        num_w + 1,
        proof.blinding_evals.len(),
    )?;
    for values in &proof.witness_evals {
        count("witness column values", table.num_columns(), values.len())?;
        transcript.absorb_exts(labels::WITNESS_EVALS, values);
    }
    let flat: Vec<EF> = proof.blinding_evals.iter().flatten().copied().collect();
    transcript.absorb_exts(zk_labels::BLINDING_EVALS, &flat);
    transcript.absorb_ext(zk_labels::MULTIPLICITY_EVAL, proof.multiplicity_eval);

    let mut witness_claims = Vec::with_capacity(num_w);
    let mut blinding_claims = Vec::with_capacity(num_w + 1);
    for (tree, ((pt, &(p, q)), &[n, d])) in leaf_points
        .iter()
        .zip(&claims)
        .zip(&proof.blinding_evals)
        .enumerate()
    {
        let (s, z) = selector(pt).ok_or(ZkLookupError::Count {
            what: "leaf point coordinates",
            expected: 1,
            got: 0,
        })?;
        let (got_p, got_q) = if let Some(values) = proof.witness_evals.get(tree) {
            witness_claims.push(values.iter().map(|&v| (pt.clone(), v)).collect());
            (
                EF::ONE - s + s * n,
                alpha * (EF::ONE - s) - fold_tuple(values, beta) + s * d,
            )
        } else {
            let (&x0, rest) = pt.split_first().ok_or(ZkLookupError::Count {
                what: "table leaf point coordinates",
                expected: 1,
                got: 0,
            })?;
            let t = fold_tuple(&table.evaluate_columns(rest), beta);
            (
                (EF::ONE - x0) * proof.multiplicity_eval + s * n,
                (EF::ONE - x0) * (alpha - t) + x0 - s + s * d,
            )
        };
        leaf(tree, "numerator", p, got_p)?;
        leaf(tree, "denominator", q, got_q)?;
        blinding_claims.push((z, [n, d]));
    }
    let table_point = leaf_points
        .last()
        .and_then(|p| p.get(1..))
        .unwrap_or_default()
        .to_vec();
    Ok(BlindedClaims {
        lookup: LookupClaims {
            witness_claims,
            multiplicity_claim: (table_point, proof.multiplicity_eval),
        },
        blinding: blinding_claims,
        masks: mask_claims,
        inner: inner_claims,
    })
}

fn leaf(tree: usize, what: &'static str, expected: EF, got: EF) -> Result<(), ZkLookupError> {
    if expected == got {
        Ok(())
    } else {
        Err(ZkLookupError::Leaf {
            tree,
            what,
            expected,
            got,
        })
    }
}

/// Root denominators are non-zero and the witness roots sum to the table root.
fn check_roots(roots: &[[EF; 2]]) -> Result<(), ZkLookupError> {
    if let Some(tree) = roots.iter().position(|&[_, q]| q == EF::ZERO) {
        return Err(LookupError::ZeroDenominator { tree }.into());
    }
    let Some((&[pt, qt], witnesses)) = roots.split_last() else {
        return Err(ZkLookupError::Count {
            what: "roots",
            expected: 1,
            got: 0,
        });
    };
    let (pw, qw) = witnesses
        .iter()
        .fold((EF::ZERO, EF::ONE), |(p, q), &[a, b]| {
            (p * b + a * q, q * b)
        });
    if pw * qt == pt * qw {
        Ok(())
    } else {
        Err(LookupError::Unbalanced {
            instance: 0,
            witnesses: pw * qw.try_inverse().unwrap_or_default(),
            table: pt * qt.try_inverse().unwrap_or_default(),
        }
        .into())
    }
}
