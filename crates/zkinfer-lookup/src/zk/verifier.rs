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
    BlindedClaims, BlindedProof, InnerMaskClaim, InstanceClaims, ZkLookupError,
    labels as zk_labels, selector,
};
use crate::proof::{Slot, absorb_roots, begin, fold_tuple};
use crate::{LookupClaims, LookupError, MAX_WITNESS_VARS, Table, labels};

/// [`verify_blinded_many`] for one instance.
///
/// # Errors
/// As [`verify_blinded_many`].
pub fn verify_blinded(
    table: &Table,
    witness_shapes: &[usize],
    proof: &BlindedProof,
    transcript: &mut Transcript,
) -> Result<BlindedClaims, ZkLookupError> {
    verify_blinded_many(&[(table, witness_shapes.to_vec())], proof, transcript)
}

/// Verifies a blinded proof of several instances: per instance a table and its witnesses'
/// numbers of variables (each witness's last two rows disabled), in the prover's order.
///
/// # Errors
/// A [`ZkLookupError`] naming the first check that failed.
///
/// # Soundness
/// The caller must have absorbed its commitments (witness columns, multiplicities, blinding and
/// inner masks, layer masks) before this call, in the prover's order, and must discharge every
/// returned claim against them (see the module doc).
pub fn verify_blinded_many(
    statement: &[(&Table, Vec<usize>)],
    proof: &BlindedProof,
    transcript: &mut Transcript,
) -> Result<BlindedClaims, ZkLookupError> {
    verify_inner(statement, proof, transcript, false)
}

/// The verifier of [`super::prove_blinded_many_deferred`]: checks everything up to the leaves
/// and returns each tree's leaf claim in [`BlindedClaims::leaves`] unchecked — the caller must
/// prove every one of them against the committed columns (with the leaf masks it set), or the
/// lookup proves nothing. A proof that carries leaf values is rejected.
///
/// # Errors
/// As [`verify_blinded_many`].
pub fn verify_blinded_many_deferred(
    statement: &[(&Table, Vec<usize>)],
    proof: &BlindedProof,
    transcript: &mut Transcript,
) -> Result<BlindedClaims, ZkLookupError> {
    verify_inner(statement, proof, transcript, true)
}

fn verify_inner(
    statement: &[(&Table, Vec<usize>)],
    proof: &BlindedProof,
    transcript: &mut Transcript,
    defer: bool,
) -> Result<BlindedClaims, ZkLookupError> {
    // Per tree: (instance, tree in instance, height).
    let mut trees: Vec<(usize, usize, usize)> = Vec::new();
    for (i, (table, shapes)) in statement.iter().enumerate() {
        table.validate()?;
        for (witness, &vars) in shapes.iter().enumerate() {
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
        let heights = super::heights(table, shapes);
        trees.extend(heights.iter().enumerate().map(|(t, &h)| (i, t, h)));
    }
    transcript.absorb_bytes(zk_labels::BLINDED, &[]);
    let (alpha, beta) = begin(statement, transcript);
    count("roots", trees.len(), proof.roots.len())?;
    absorb_roots(&proof.roots, transcript);
    check_roots(statement, &proof.roots)?;

    let mut claims: Vec<(EF, EF)> = proof.roots.iter().map(|&[p, q]| (p, q)).collect();
    let mut leaf_points: Vec<Vec<EF>> = vec![Vec::new(); trees.len()];
    let max_height = trees.iter().map(|t| t.2).max().unwrap_or(0);
    count("layers", max_height, proof.layers.len())?;
    let mut mask_claims = Vec::with_capacity(max_height);
    let mut inner_claims: Vec<Vec<InnerMaskClaim>> = vec![Vec::new(); statement.len()];
    let mut point: Vec<EF> = Vec::new();
    for (k, layer) in proof.layers.iter().enumerate() {
        let height = |j: usize| trees.get(j).map_or(0, |t| t.2);
        let active: Vec<usize> = (0..trees.len()).filter(|&j| height(j) > k).collect();
        let lambda = transcript.challenge(labels::LAMBDA);
        let active_claims: Vec<(EF, EF)> = active
            .iter()
            .filter_map(|&j| claims.get(j).copied())
            .collect();
        // A claim is on a `Z·R`-masked layer when its height `k` is in `2..height`.
        let masked: Vec<bool> = active
            .iter()
            .map(|&j| (2..height(j)).contains(&k))
            .collect();
        let out = verify_layer(&point, lambda, &active_claims, &masked, layer, transcript)?;
        let children = &layer.children;
        transcript.absorb_exts(labels::CHILDREN, children);
        let flat: Vec<EF> = layer.mask_evals.iter().flatten().copied().collect();
        transcript.absorb_exts(zk_labels::INNER_MASK_EVALS, &flat);
        for &(pos, values) in &out.inner {
            if let Some(&(i, tree, _)) = active.get(pos).and_then(|&j| trees.get(j))
                && let Some(list) = inner_claims.get_mut(i)
            {
                list.push(InnerMaskClaim {
                    tree,
                    height: k,
                    point: out.inner_point,
                    values,
                });
            }
        }
        let mu = transcript.challenge(labels::MU);
        point = std::iter::once(mu).chain(out.rho).collect();
        for (&j, values) in active.iter().zip(children.chunks_exact(4)) {
            let next = Slot::Full.next_claim(values, mu);
            if let (Some(c), Some(next)) = (claims.get_mut(j), next) {
                *c = next;
            }
            if height(j) == k + 1
                && let Some(lp) = leaf_points.get_mut(j)
            {
                lp.clone_from(&point);
            }
        }
        mask_claims.push(out.mask);
    }

    if defer {
        count("witness evaluations", 0, proof.witness_evals.len())?;
        count("blinding evaluations", 0, proof.blinding_evals.len())?;
        count(
            "multiplicity evaluations",
            0,
            proof.multiplicity_evals.len(),
        )?;
        if leaf_points.iter().any(Vec::is_empty) || claims.len() != trees.len() {
            return Err(ZkLookupError::Count {
                what: "leaf claims",
                expected: trees.len(),
                got: leaf_points.iter().filter(|p| !p.is_empty()).count(),
            });
        }
        let leaves = super::Leaves {
            alpha,
            beta,
            trees: trees
                .iter()
                .zip(leaf_points)
                .zip(&claims)
                .map(
                    |((&(instance, tree, _), point), &(p, q))| super::LeafClaim {
                        instance,
                        tree,
                        point,
                        p,
                        q,
                    },
                )
                .collect(),
        };
        return Ok(BlindedClaims::deferred(inner_claims, mask_claims, leaves));
    }

    // Leaves.
    let num_w: usize = statement.iter().map(|(_, s)| s.len()).sum();
    count("witness evaluations", num_w, proof.witness_evals.len())?;
    count(
        "blinding evaluations",
        trees.len(),
        proof.blinding_evals.len(),
    )?;
    count(
        "multiplicity evaluations",
        statement.len(),
        proof.multiplicity_evals.len(),
    )?;
    for ((table, _), values) in statement
        .iter()
        .flat_map(|s| std::iter::repeat_n(s, s.1.len()))
        .zip(&proof.witness_evals)
    {
        count("witness column values", table.num_columns(), values.len())?;
        transcript.absorb_exts(labels::WITNESS_EVALS, values);
    }
    let flat: Vec<EF> = proof.blinding_evals.iter().flatten().copied().collect();
    transcript.absorb_exts(zk_labels::BLINDING_EVALS, &flat);
    transcript.absorb_exts(zk_labels::MULTIPLICITY_EVAL, &proof.multiplicity_evals);

    let mut out: Vec<InstanceClaims> = statement
        .iter()
        .map(|_| InstanceClaims {
            lookup: LookupClaims {
                witness_claims: Vec::new(),
                multiplicity_claim: (Vec::new(), EF::ZERO),
            },
            blinding: Vec::new(),
            inner: Vec::new(),
        })
        .collect();
    let mut witness_values = proof.witness_evals.iter();
    for (j, ((pt, &(p, q)), &[n, d])) in leaf_points
        .iter()
        .zip(&claims)
        .zip(&proof.blinding_evals)
        .enumerate()
    {
        let &(i, t, _) = trees.get(j).ok_or(ZkLookupError::Count {
            what: "trees",
            expected: trees.len(),
            got: j,
        })?;
        let (Some((table, shapes)), Some(inst)) = (statement.get(i), out.get_mut(i)) else {
            continue;
        };
        let (s, z) = selector(pt).ok_or(ZkLookupError::Count {
            what: "leaf point coordinates",
            expected: 1,
            got: 0,
        })?;
        let (got_p, got_q) = if t < shapes.len() {
            let values = witness_values.next().ok_or(ZkLookupError::Count {
                what: "witness evaluations",
                expected: num_w,
                got: proof.witness_evals.len(),
            })?;
            inst.lookup
                .witness_claims
                .push(values.iter().map(|&v| (pt.clone(), v)).collect());
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
            let m = proof.multiplicity_evals.get(i).copied().unwrap_or_default();
            inst.lookup.multiplicity_claim = (rest.to_vec(), m);
            let tv = fold_tuple(&table.evaluate_columns(rest), beta);
            (
                (EF::ONE - x0) * m + s * n,
                (EF::ONE - x0) * (alpha - tv) + x0 - s + s * d,
            )
        };
        leaf(j, "numerator", p, got_p)?;
        leaf(j, "denominator", q, got_q)?;
        inst.blinding.push((z, [n, d]));
    }
    for (inst, list) in out.iter_mut().zip(inner_claims) {
        inst.inner = list;
    }
    Ok(BlindedClaims {
        instances: out,
        masks: mask_claims,
        leaves: None,
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

/// Root denominators are non-zero and, per instance, the witness roots sum to the table root.
fn check_roots(statement: &[(&Table, Vec<usize>)], roots: &[[EF; 2]]) -> Result<(), ZkLookupError> {
    if let Some(tree) = roots.iter().position(|&[_, q]| q == EF::ZERO) {
        return Err(LookupError::ZeroDenominator { tree }.into());
    }
    let mut rest = roots;
    for (instance, (_, shapes)) in statement.iter().enumerate() {
        let Some((mine, tail)) = rest.split_at_checked(shapes.len() + 1) else {
            return Err(ZkLookupError::Count {
                what: "roots",
                expected: shapes.len() + 1,
                got: rest.len(),
            });
        };
        rest = tail;
        let Some((&[pt, qt], witnesses)) = mine.split_last() else {
            continue;
        };
        let (pw, qw) = witnesses
            .iter()
            .fold((EF::ZERO, EF::ONE), |(p, q), &[a, b]| {
                (p * b + a * q, q * b)
            });
        if pw * qt != pt * qw {
            return Err(LookupError::Unbalanced {
                instance,
                witnesses: pw * qw.try_inverse().unwrap_or_default(),
                table: pt * qt.try_inverse().unwrap_or_default(),
            }
            .into());
        }
    }
    Ok(())
}
