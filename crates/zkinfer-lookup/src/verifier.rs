//! The LogUp-GKR verifier. Never panics on any proof.
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

use crate::{
    LookupClaims, LookupError, LookupProof, MAX_WITNESS_VARS, Table, labels,
    proof::{LAYER_DEGREE, Slot, absorb_roots, batch_claims, begin, fold_tuple, layer_terms},
};

/// One tree's state during verification.
struct TreeState {
    height: usize,
    is_table: bool,
    /// The current claim `(p, q)` on the layer being verified.
    claim: (EF, EF),
    /// The leaf point, once reached.
    leaf_point: Option<Vec<EF>>,
}

/// Verifies `proof` that witnesses of `witness_shapes[w]` variables each lie in `table`.
/// Draws `α, β` first, as [`crate::prove`] does.
///
/// # Errors
/// A [`LookupError`] naming the first check that failed.
///
/// # Soundness
/// The returned [`LookupClaims`] must be checked against the caller's commitments to the witness
/// columns and the multiplicity column, made before this call drew its challenges.
pub fn verify(
    table: &Table,
    witness_shapes: &[usize],
    proof: &LookupProof,
    transcript: &mut Transcript,
) -> Result<LookupClaims, LookupError> {
    let mut claims = verify_many(&[(table, witness_shapes)], proof, transcript)?;
    claims.pop().ok_or(LookupError::InstanceCount {
        expected: 1,
        got: 0,
    })
}

/// Verifies a proof of [`crate::prove_many`]: `statements[i]` is instance `i`'s table and
/// witness shapes. Returns the claims per instance.
///
/// # Errors
/// A [`LookupError`] naming the first check that failed.
///
/// # Soundness
/// As [`verify`], for every instance's claims.
pub fn verify_many(
    statements: &[(&Table, &[usize])],
    proof: &LookupProof,
    transcript: &mut Transcript,
) -> Result<Vec<LookupClaims>, LookupError> {
    let mut witness = 0;
    for (table, shapes) in statements {
        table.validate()?;
        for &vars in *shapes {
            if vars > MAX_WITNESS_VARS {
                return Err(LookupError::TooManyVars {
                    witness,
                    got: vars,
                    max: MAX_WITNESS_VARS,
                });
            }
            witness += 1;
        }
    }
    let owned: Vec<(&Table, Vec<usize>)> =
        statements.iter().map(|&(t, s)| (t, s.to_vec())).collect();
    let (alpha, beta) = begin(&owned, transcript);

    let num_trees: usize = statements.iter().map(|(_, s)| s.len() + 1).sum();
    if proof.roots.len() != num_trees {
        return Err(LookupError::RootCount {
            expected: num_trees,
            got: proof.roots.len(),
        });
    }
    absorb_roots(&proof.roots, transcript);
    let mut roots = proof.roots.as_slice();
    for (instance, (_, shapes)) in statements.iter().enumerate() {
        let (mine, rest) =
            roots
                .split_at_checked(shapes.len() + 1)
                .ok_or(LookupError::RootCount {
                    expected: num_trees,
                    got: proof.roots.len(),
                })?;
        check_roots(instance, mine)?;
        roots = rest;
    }

    let mut trees: Vec<TreeState> = statements
        .iter()
        .flat_map(|(table, shapes)| {
            let witnesses = shapes.iter().map(|&h| (h, false));
            witnesses.chain(std::iter::once((table.num_vars(), true)))
        })
        .zip(&proof.roots)
        .map(|((height, is_table), &[p, q])| TreeState {
            height,
            is_table,
            claim: (p, q),
            leaf_point: (height == 0).then(Vec::new),
        })
        .collect();

    let max_height = trees.iter().map(|t| t.height).max().unwrap_or(0);
    if proof.layers.len() != max_height {
        return Err(LookupError::LayerCount {
            expected: max_height,
            got: proof.layers.len(),
        });
    }
    let mut point: Vec<EF> = Vec::new();
    for (k, layer) in proof.layers.iter().enumerate() {
        let lambda = transcript.challenge(labels::LAMBDA);
        let active = |t: &&TreeState| t.height > k;
        let slots: Vec<Slot> = trees
            .iter()
            .filter(active)
            .map(|t| Slot::at(t.is_table, t.height, k))
            .collect();
        let claimed = batch_claims(trees.iter().filter(active).map(|t| t.claim), lambda);
        let sub = zkinfer_sumcheck::verify(k, LAYER_DEGREE, claimed, &layer.sumcheck, transcript)
            .map_err(|source| LookupError::LayerSumcheck { layer: k, source })?;
        let expected: usize = slots.iter().map(|s| s.width()).sum();
        if layer.children.len() != expected {
            return Err(LookupError::ChildCount {
                layer: k,
                expected,
                got: layer.children.len(),
            });
        }
        sub.check_products(&layer_terms(&slots, lambda), Some(&point), &layer.children)
            .map_err(|source| LookupError::LayerSumcheck { layer: k, source })?;
        transcript.absorb_exts(labels::CHILDREN, &layer.children);
        let mu = transcript.challenge(labels::MU);
        point = std::iter::once(mu).chain(sub.point).collect();

        let mut rest = layer.children.as_slice();
        for (tree, slot) in trees.iter_mut().filter(|t| t.height > k).zip(slots) {
            let (values, tail) =
                rest.split_at_checked(slot.width())
                    .ok_or(LookupError::ChildCount {
                        layer: k,
                        expected,
                        got: layer.children.len(),
                    })?;
            rest = tail;
            tree.claim = slot.next_claim(values, mu).ok_or(LookupError::ChildCount {
                layer: k,
                expected,
                got: layer.children.len(),
            })?;
            if tree.height == k + 1 {
                tree.leaf_point = Some(point.clone());
            }
        }
    }
    leaf_checks(statements, &trees, proof, alpha, beta, transcript)
}

/// Root denominators are non-zero and `Σ_w p_w/q_w = p_T/q_T` (cross-multiplied).
fn check_roots(instance: usize, roots: &[[EF; 2]]) -> Result<(), LookupError> {
    if let Some(tree) = roots.iter().position(|&[_, q]| q == EF::ZERO) {
        return Err(LookupError::ZeroDenominator { tree });
    }
    let Some((&[pt, qt], witnesses)) = roots.split_last() else {
        return Err(LookupError::RootCount {
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
        // Denominators are non-zero, so the inverses exist.
        Err(LookupError::Unbalanced {
            instance,
            witnesses: pw * qw.try_inverse().unwrap_or_default(),
            table: pt * qt.try_inverse().unwrap_or_default(),
        })
    }
}

/// At each leaf point: witness column values fold into the leaf denominator; the table's own
/// MLE gives its leaf denominator. Returns the claims for the caller, per instance.
fn leaf_checks(
    statements: &[(&Table, &[usize])],
    trees: &[TreeState],
    proof: &LookupProof,
    alpha: EF,
    beta: EF,
    transcript: &mut Transcript,
) -> Result<Vec<LookupClaims>, LookupError> {
    let num_witnesses: usize = statements.iter().map(|(_, s)| s.len()).sum();
    if proof.witness_evals.len() != num_witnesses {
        return Err(LookupError::WitnessEvalCount {
            witness: usize::MAX,
            expected: num_witnesses,
            got: proof.witness_evals.len(),
        });
    }
    let mut trees = trees.iter();
    let mut evals = proof.witness_evals.iter().enumerate();
    let mut out = Vec::with_capacity(statements.len());
    for (instance, (table, shapes)) in statements.iter().enumerate() {
        let mut witness_claims = Vec::with_capacity(shapes.len());
        for ((witness, values), tree) in evals.by_ref().take(shapes.len()).zip(trees.by_ref()) {
            let point = tree.leaf_point.clone().unwrap_or_default();
            let (p, q) = tree.claim;
            if p != EF::ONE {
                return Err(LookupError::WitnessNumerator { witness, got: p });
            }
            if values.len() != table.num_columns() {
                return Err(LookupError::WitnessEvalCount {
                    witness,
                    expected: table.num_columns(),
                    got: values.len(),
                });
            }
            transcript.absorb_exts(labels::WITNESS_EVALS, values);
            let got = alpha - fold_tuple(values, beta);
            if got != q {
                return Err(LookupError::WitnessFold {
                    witness,
                    expected: q,
                    got,
                });
            }
            witness_claims.push(values.iter().map(|&v| (point.clone(), v)).collect());
        }
        let table_tree = trees.next().ok_or(LookupError::RootCount {
            expected: 1,
            got: 0,
        })?;
        let point = table_tree.leaf_point.clone().unwrap_or_default();
        let (m, q) = table_tree.claim;
        let got = alpha - fold_tuple(&table.evaluate_columns(&point), beta);
        if got != q {
            return Err(LookupError::TableLeaf {
                instance,
                expected: q,
                got,
            });
        }
        out.push(LookupClaims {
            witness_claims,
            multiplicity_claim: (point, m),
        });
    }
    Ok(out)
}
