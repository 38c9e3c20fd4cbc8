//! The blinded LogUp-GKR prover (prototype, see the module doc).

use zkinfer_field::{EF, F, PrimeCharacteristicRing, Transcript};
use zkinfer_poly::evaluate;
use zkinfer_sumcheck::{Column, MaskPolynomial};

use super::layer::{InnerMasks, MASKED_LAYER_DEGREE, ProverTree, prove_layer};
use super::{
    BlindedClaims, BlindedProof, Blinding, InnerMaskClaim, ZkLookupError, labels as zk_labels, line,
};
use crate::gkr::{FractionTree, Numerators};
use crate::instance::witness_shapes;
use crate::proof::{absorb_roots, begin};
use crate::{LookupClaims, LookupError, LookupInstance, Table, labels, par_map};

/// The multiplicities of a blinded instance: the counts of every witness row except each
/// witness's last two (its disabled slots, which are not looked up).
///
/// # Errors
/// [`LookupError::NotInTable`] for a looked-up row outside the table, or a shape error.
pub fn disabled_multiplicities(
    table: &Table,
    witnesses: &[Vec<&[F]>],
) -> Result<Vec<F>, ZkLookupError> {
    table.validate()?;
    let shapes = witness_shapes(table, witnesses)?;
    let mut counts = vec![0u64; 1 << table.num_vars()];
    for (w, (cols, &vars)) in witnesses.iter().zip(&shapes).enumerate() {
        if vars == 0 {
            return Err(ZkLookupError::WitnessTooSmall { witness: w, vars });
        }
        for i in 0..(1usize << vars) - 2 {
            let tuple: Vec<F> = cols.iter().map(|c| c[i]).collect();
            let row = table
                .row_of(&tuple)
                .ok_or_else(|| LookupError::NotInTable {
                    witness: w,
                    row: i,
                    value: tuple.iter().map(|&x| zkinfer_field::to_signed(x)).collect(),
                    table: table.describe(),
                })?;
            counts[row] += 1;
        }
    }
    Ok(counts.into_iter().map(F::from_u64).collect())
}

/// Proves a blinded lookup (no membership check: a false statement yields a rejected proof).
///
/// # Soundness
/// Before this call the caller must have committed (hiding) and absorbed: the witness columns,
/// `multiplicities`, `blinding`, `masks` (the layer sumchecks' ZK masks: layer `k` has `k + 1`
/// variables and degree [`MASKED_LAYER_DEGREE`]) and `inner` (the `Z·R` masks of the layer
/// values); it must discharge every [`BlindedClaims`] claim.
///
/// # Errors
/// Shape errors: a witness without its two slots, a multiplicity column, blinding or mask list
/// of the wrong size.
pub fn prove_blinded(
    instance: &LookupInstance<'_>,
    multiplicities: &[F],
    blinding: &Blinding,
    masks: &[MaskPolynomial],
    inner: &InnerMasks,
    transcript: &mut Transcript,
) -> Result<(BlindedProof, BlindedClaims), ZkLookupError> {
    let table = instance.table;
    table.validate()?;
    let shapes = witness_shapes(table, &instance.witnesses)?;
    if let Some((witness, &vars)) = shapes.iter().enumerate().find(|(_, v)| **v == 0) {
        return Err(ZkLookupError::WitnessTooSmall { witness, vars });
    }
    let rows = 1usize << table.num_vars();
    count("multiplicities", rows, multiplicities.len())?;
    count(
        "blinding trees",
        shapes.len() + 1,
        blinding.numerators.len(),
    )?;
    count(
        "blinding trees",
        shapes.len() + 1,
        blinding.denominators.len(),
    )?;
    let heights: Vec<usize> = shapes
        .iter()
        .copied()
        .chain([table.num_vars() + 1])
        .collect();
    let max_height = heights.iter().copied().max().unwrap_or(0);
    count("layer masks", max_height, masks.len())?;
    for (k, m) in masks.iter().enumerate() {
        count("mask variables", k + 1, m.num_vars())?;
        count("mask degree", MASKED_LAYER_DEGREE, m.degree())?;
    }
    count("inner mask trees", heights.len(), inner.trees.len())?;
    for (t, &h) in inner.trees.iter().zip(&heights) {
        count("inner mask heights", h + 1, t.len())?;
    }

    transcript.absorb_bytes(zk_labels::BLINDED, &[]);
    let (alpha, beta) = begin(&[(table, shapes.clone())], transcript);
    let powers: Vec<EF> = beta.powers().take(table.num_columns()).collect();
    let fold = |cols: &[&[F]], i: usize| -> EF {
        cols.iter().zip(&powers).map(|(c, &b)| b * c[i]).sum::<EF>()
    };

    let mut trees = Vec::with_capacity(shapes.len() + 1);
    for (w, (cols, &vars)) in instance.witnesses.iter().zip(&shapes).enumerate() {
        let len = 1usize << vars;
        let (n, d) = (blinding.numerators[w], blinding.denominators[w]);
        let p = par_map(len, |i| match i.checked_sub(len - 2) {
            Some(b) => n[b],
            None => EF::ONE,
        });
        let q = par_map(len, |i| match i.checked_sub(len - 2) {
            Some(b) => d[b] - fold(cols, i),
            None => alpha - fold(cols, i),
        });
        trees.push(FractionTree::new(Numerators::Ext(p), q));
    }
    let table_cols = table.columns();
    let table_refs: Vec<&[F]> = table_cols.iter().map(Vec::as_slice).collect();
    let (n, d) = (
        blinding.numerators[shapes.len()],
        blinding.denominators[shapes.len()],
    );
    let len = 2 * rows;
    let p = par_map(len, |i| match (i < rows, i.checked_sub(len - 2)) {
        (true, _) => EF::from(multiplicities[i]),
        (false, Some(b)) => n[b],
        (false, None) => EF::ZERO,
    });
    let q = par_map(len, |i| match (i < rows, i.checked_sub(len - 2)) {
        (true, _) => alpha - fold(&table_refs, i),
        (false, Some(b)) => d[b],
        (false, None) => EF::ONE,
    });
    trees.push(FractionTree::new(Numerators::Ext(p), q));

    let roots: Vec<[EF; 2]> = trees.iter().map(FractionTree::root).collect();
    absorb_roots(&roots, transcript);
    let mut leaf_points: Vec<Vec<EF>> = vec![Vec::new(); trees.len()];
    let mut layers = Vec::with_capacity(max_height);
    let mut mask_claims = Vec::with_capacity(max_height);
    let mut inner_claims = Vec::new();
    let mut point: Vec<EF> = Vec::new();
    for (k, mask) in masks.iter().enumerate() {
        let active: Vec<usize> = (0..trees.len()).filter(|&j| heights[j] > k).collect();
        let lambda = transcript.challenge(labels::LAMBDA);
        let layer_trees: Vec<ProverTree> = active
            .iter()
            .map(|&j| {
                let (_, cols) = trees[j].take_layer_columns(k);
                let mut cols = cols.into_iter().map(|c| match c {
                    Column::Ext(v) => v,
                    Column::Base(v) => v.into_iter().map(EF::from).collect(),
                });
                ProverTree {
                    tables: [0; 4].map(|_| cols.next().unwrap_or_default()),
                    child_mask: inner.at(j, k + 1, heights[j]),
                    claim_mask: inner.at(j, k, heights[j]),
                }
            })
            .collect();
        let masked: Vec<usize> = active
            .iter()
            .copied()
            .filter(|&j| inner.at(j, k, heights[j]).is_some())
            .collect();
        let (layer, rho, mask_claim) = prove_layer(&point, lambda, layer_trees, mask, transcript);
        transcript.absorb_exts(labels::CHILDREN, &layer.children);
        let flat: Vec<EF> = layer.mask_evals.iter().flatten().copied().collect();
        transcript.absorb_exts(zk_labels::INNER_MASK_EVALS, &flat);
        let at = [
            point.first().copied().unwrap_or_default(),
            mask_claim.point[0],
        ];
        for (&tree, &values) in masked.iter().zip(&layer.mask_evals) {
            inner_claims.push(InnerMaskClaim {
                tree,
                height: k,
                point: at,
                values,
            });
        }
        let mu = transcript.challenge(labels::MU);
        point = std::iter::once(mu).chain(rho).collect();
        for &j in &active {
            if heights[j] == k + 1 {
                leaf_points[j].clone_from(&point);
            }
        }
        mask_claims.push(mask_claim);
        layers.push(layer);
    }

    let mut witness_evals = Vec::with_capacity(shapes.len());
    let mut witness_claims = Vec::with_capacity(shapes.len());
    for (cols, pt) in instance.witnesses.iter().zip(&leaf_points) {
        let values: Vec<EF> = cols.iter().map(|c| evaluate(c, pt)).collect();
        transcript.absorb_exts(labels::WITNESS_EVALS, &values);
        witness_claims.push(values.iter().map(|&v| (pt.clone(), v)).collect());
        witness_evals.push(values);
    }
    let mut blinding_evals = Vec::with_capacity(trees.len());
    let mut blinding_claims = Vec::with_capacity(trees.len());
    for ((n, d), pt) in blinding
        .numerators
        .iter()
        .zip(&blinding.denominators)
        .zip(&leaf_points)
    {
        let z = pt.last().copied().unwrap_or_default();
        let v = [line(*n, z), line(*d, z)];
        blinding_evals.push(v);
        blinding_claims.push((z, v));
    }
    let flat: Vec<EF> = blinding_evals.iter().flatten().copied().collect();
    transcript.absorb_exts(zk_labels::BLINDING_EVALS, &flat);
    let table_point = leaf_points
        .last()
        .map(|p| p[1..].to_vec())
        .unwrap_or_default();
    let multiplicity_eval = evaluate(multiplicities, &table_point);
    transcript.absorb_ext(zk_labels::MULTIPLICITY_EVAL, multiplicity_eval);
    Ok((
        BlindedProof {
            roots,
            layers,
            witness_evals,
            blinding_evals,
            multiplicity_eval,
        },
        BlindedClaims {
            lookup: LookupClaims {
                witness_claims,
                multiplicity_claim: (table_point, multiplicity_eval),
            },
            blinding: blinding_claims,
            masks: mask_claims,
            inner: inner_claims,
        },
    ))
}

pub(crate) fn count(what: &'static str, expected: usize, got: usize) -> Result<(), ZkLookupError> {
    if expected == got {
        Ok(())
    } else {
        Err(ZkLookupError::Count {
            what,
            expected,
            got,
        })
    }
}
