//! The blinded LogUp-GKR prover (see the module doc).

use zkinfer_field::{EF, F, PrimeCharacteristicRing, Transcript};
use zkinfer_poly::evaluate;
use zkinfer_sumcheck::{Column, MaskPolynomial, RoundProver};

use super::layer::{InnerMasks, ProverTree, masked_layer_degrees, prove_layer};
use super::{
    BlindedClaims, BlindedProof, Blinding, InnerMaskClaim, InstanceClaims, ZkLookupError,
    labels as zk_labels, line,
};
use crate::gkr::{FractionTree, Numerators};
use crate::instance::witness_shapes;
use crate::proof::{Slot, absorb_roots, batch_claims, begin, layer_terms};
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

/// [`prove_blinded_many`] for one instance, with the layer masks given as a list (layer `k`'s
/// mask has `k + 1` variables and degree [`MASKED_LAYER_DEGREE`]).
///
/// # Errors
/// As [`prove_blinded_many`]; a mask list of the wrong length or shape.
pub fn prove_blinded(
    instance: &LookupInstance<'_>,
    multiplicities: &[F],
    blinding: &Blinding,
    masks: &[MaskPolynomial],
    inner: &InnerMasks,
    transcript: &mut Transcript,
) -> Result<(BlindedProof, BlindedClaims), ZkLookupError> {
    let shapes = [(
        instance.table,
        witness_shapes(instance.table, &instance.witnesses)?,
    )];
    count("layer masks", super::max_height(&shapes), masks.len())?;
    let mut next = masks.iter();
    prove_blinded_many(
        std::slice::from_ref(instance),
        &[multiplicities],
        std::slice::from_ref(blinding),
        std::slice::from_ref(inner),
        |_| next.next().cloned().ok_or("no mask left"),
        transcript,
    )
}

/// Proves several blinded lookup instances (e.g. one per table) in one proof: one `α, β`, all
/// their trees in the same layer sumchecks (as [`crate::prove_many`]), a root check per
/// instance, each instance with its own `blinding[i]` and `inner[i]`. No membership check: a
/// false statement yields a rejected proof.
///
/// `layer_mask(degrees)` hands out the ZK sumcheck mask of each layer, in layer order, with the
/// per-variable degrees [`super::masked_layer_degrees`]`(k)` for layer `k`; it is called once per
/// layer, [`super::layer_mask_shapes`] lists the calls in advance.
///
/// # Soundness
/// Before this call the caller must have committed (hiding) and absorbed: the witness columns,
/// the multiplicities, every instance's blinding and inner masks ([`super::hiding_columns`]),
/// and the layer masks; it must discharge every returned claim. Transcript order: see the
/// module doc.
///
/// # Errors
/// Shape errors (a witness without its two slots, a multiplicity column, blinding, inner masks
/// or a layer mask of the wrong size), [`ZkLookupError::Mask`] if `layer_mask` fails.
pub fn prove_blinded_many<E: std::fmt::Display>(
    instances: &[LookupInstance<'_>],
    multiplicities: &[&[F]],
    blinding: &[Blinding],
    inner: &[InnerMasks],
    layer_mask: impl FnMut(&[usize]) -> Result<MaskPolynomial, E>,
    transcript: &mut Transcript,
) -> Result<(BlindedProof, BlindedClaims), ZkLookupError> {
    prove_inner(
        instances,
        multiplicities,
        blinding,
        inner,
        layer_mask,
        transcript,
        false,
    )
}

/// [`prove_blinded_many`] with the leaves left to the caller: nothing is sent after the last
/// layer (the proof's `witness_evals`, `blinding_evals` and `multiplicity_evals` are empty) and
/// the claims' [`BlindedClaims::leaves`] hold each tree's last claim, on its leaf layer masked
/// with the leaf masks the caller set ([`InnerMasks::set_leaf`], every tree). The caller proves
/// each leaf claim (e.g. by sending the committed values at the leaf point masked, and deriving
/// the blinding columns' claims, [`super::LeafClaim::form`]); the instances' `lookup` and
/// `blinding` claims are empty, the inner-mask and layer-mask claims are as for
/// [`prove_blinded_many`]. The verifier's twin is [`super::verify_blinded_many_deferred`].
///
/// # Errors
/// As [`prove_blinded_many`].
pub fn prove_blinded_many_deferred<E: std::fmt::Display>(
    instances: &[LookupInstance<'_>],
    multiplicities: &[&[F]],
    blinding: &[Blinding],
    inner: &[InnerMasks],
    layer_mask: impl FnMut(&[usize]) -> Result<MaskPolynomial, E>,
    transcript: &mut Transcript,
) -> Result<(BlindedProof, BlindedClaims), ZkLookupError> {
    prove_inner(
        instances,
        multiplicities,
        blinding,
        inner,
        layer_mask,
        transcript,
        true,
    )
}

fn prove_inner<E: std::fmt::Display>(
    instances: &[LookupInstance<'_>],
    multiplicities: &[&[F]],
    blinding: &[Blinding],
    inner: &[InnerMasks],
    mut layer_mask: impl FnMut(&[usize]) -> Result<MaskPolynomial, E>,
    transcript: &mut Transcript,
    defer: bool,
) -> Result<(BlindedProof, BlindedClaims), ZkLookupError> {
    count(
        "multiplicity columns",
        instances.len(),
        multiplicities.len(),
    )?;
    count("instance blindings", instances.len(), blinding.len())?;
    count("instance inner masks", instances.len(), inner.len())?;
    let mut statement = Vec::with_capacity(instances.len());
    for (i, inst) in instances.iter().enumerate() {
        inst.table.validate()?;
        let shapes = witness_shapes(inst.table, &inst.witnesses)?;
        if let Some((witness, &vars)) = shapes.iter().enumerate().find(|(_, v)| **v == 0) {
            return Err(ZkLookupError::WitnessTooSmall { witness, vars });
        }
        let rows = 1usize << inst.table.num_vars();
        count("multiplicities", rows, multiplicities[i].len())?;
        let trees = shapes.len() + 1;
        count("blinding trees", trees, blinding[i].numerators.len())?;
        count("blinding trees", trees, blinding[i].denominators.len())?;
        count("inner mask trees", trees, inner[i].trees.len())?;
        let heights = super::heights(inst.table, &shapes);
        for (t, &h) in inner[i].trees.iter().zip(&heights) {
            count("inner mask heights", h + 1, t.len())?;
        }
        statement.push((inst.table, shapes));
    }

    transcript.absorb_bytes(zk_labels::BLINDED, &[]);
    let (alpha, beta) = begin(&statement, transcript);

    // Trees: per instance, its witnesses then its table.
    let mut trees: Vec<ZkTree> = Vec::new();
    let mut inner_of = Vec::new();
    for (i, inst) in instances.iter().enumerate() {
        let powers: Vec<EF> = beta.powers().take(inst.table.num_columns()).collect();
        let fold = |cols: &[&[F]], r: usize| -> EF {
            cols.iter().zip(&powers).map(|(c, &b)| b * c[r]).sum::<EF>()
        };
        let (nums, dens) = (&blinding[i].numerators, &blinding[i].denominators);
        for (w, cols) in inst.witnesses.iter().enumerate() {
            let len = cols.first().map_or(1, |c| c.len());
            let q = par_map(len, |r| match r.checked_sub(len - 2) {
                Some(b) => dens[w][b] - fold(cols, r),
                None => alpha - fold(cols, r),
            });
            trees.push(ZkTree::witness(q, nums[w]));
            inner_of.push((i, w));
        }
        let table_cols = inst.table.columns();
        let table_refs: Vec<&[F]> = table_cols.iter().map(Vec::as_slice).collect();
        let nw = inst.witnesses.len();
        let q = par_map(multiplicities[i].len(), |r| alpha - fold(&table_refs, r));
        trees.push(ZkTree::table(multiplicities[i], q, nums[nw], dens[nw]));
        inner_of.push((i, nw));
    }
    let heights: Vec<usize> = trees.iter().map(ZkTree::height).collect();
    let witness_slots: Vec<bool> = trees.iter().map(ZkTree::is_witness).collect();
    let masks_of = |j: usize, h: usize| {
        let (i, t) = inner_of[j];
        inner[i].at(t, h, heights[j])
    };

    let roots: Vec<[EF; 2]> = trees.iter().map(ZkTree::root).collect();
    absorb_roots(&roots, transcript);
    let mut claims: Vec<(EF, EF)> = roots.iter().map(|&[p, q]| (p, q)).collect();
    let mut leaf_points: Vec<Vec<EF>> = vec![Vec::new(); trees.len()];
    let max_height = heights.iter().copied().max().unwrap_or(0);
    let mut layers = Vec::with_capacity(max_height);
    let mut mask_claims = Vec::with_capacity(max_height);
    let mut inner_claims: Vec<Vec<InnerMaskClaim>> = vec![Vec::new(); instances.len()];
    let mut point: Vec<EF> = Vec::new();
    for k in 0..max_height {
        let degrees = masked_layer_degrees(k);
        let mask = layer_mask(&degrees).map_err(|e| ZkLookupError::Mask {
            layer: k,
            message: e.to_string(),
        })?;
        count("mask variables", k + 1, mask.num_vars())?;
        if mask.degrees() != degrees {
            return Err(ZkLookupError::Mask {
                layer: k,
                message: format!(
                    "a mask of per-variable degrees {:?}, expected {degrees:?}",
                    mask.degrees()
                ),
            });
        }
        let active: Vec<usize> = (0..trees.len()).filter(|&j| heights[j] > k).collect();
        let lambda = transcript.challenge(labels::LAMBDA);
        let mut columns = Vec::new();
        let mut slots = Vec::with_capacity(active.len());
        let layer_trees: Vec<ProverTree> = active
            .iter()
            .map(|&j| {
                let (slot, cols, (sparse_p, sparse_q)) = trees[j].take_layer(k);
                columns.extend(cols);
                slots.push(slot);
                ProverTree {
                    slot,
                    sparse_p,
                    sparse_q,
                    child_mask: masks_of(j, k + 1),
                    claim_mask: masks_of(j, k),
                }
            })
            .collect();
        let claimed = batch_claims(active.iter().map(|&j| claims[j]), lambda);
        let terms = layer_terms(&slots, lambda);
        let inst = RoundProver::new(columns, &terms, Some(&point));
        let (layer, rho, mask_claim) = prove_layer(
            &point,
            lambda,
            claimed,
            layer_trees,
            inst,
            &mask,
            transcript,
        );
        transcript.absorb_exts(labels::CHILDREN, &layer.children);
        let flat: Vec<EF> = layer.mask_evals.iter().flatten().copied().collect();
        transcript.absorb_exts(zk_labels::INNER_MASK_EVALS, &flat);
        let at = [
            point.first().copied().unwrap_or_default(),
            mask_claim.point[0],
        ];
        let masked = active.iter().filter(|&&j| masks_of(j, k).is_some());
        for (&j, &values) in masked.zip(&layer.mask_evals) {
            let (i, tree) = inner_of[j];
            inner_claims[i].push(InnerMaskClaim {
                tree,
                height: k,
                point: at,
                values,
            });
        }
        let mu = transcript.challenge(labels::MU);
        point = std::iter::once(mu).chain(rho).collect();
        for (&j, values) in active.iter().zip(layer.children.chunks_exact(4)) {
            claims[j] = Slot::Full.next_claim(values, mu).unwrap_or_default();
            if heights[j] == k + 1 {
                leaf_points[j].clone_from(&point);
            }
        }
        mask_claims.push(mask_claim);
        layers.push(layer);
    }

    if defer {
        let leaves = super::Leaves {
            alpha,
            beta,
            trees: inner_of
                .iter()
                .zip(leaf_points)
                .zip(&claims)
                .map(|((&(instance, tree), point), &(p, q))| super::LeafClaim {
                    instance,
                    tree,
                    point,
                    p,
                    q,
                })
                .collect(),
        };
        return Ok((
            BlindedProof {
                roots,
                layers,
                ..BlindedProof::default()
            },
            BlindedClaims::deferred(inner_claims, mask_claims, leaves),
        ));
    }

    // Leaves: every witness's column values, every tree's blinding values, every instance's
    // multiplicity value.
    let mut witness_evals = Vec::new();
    let mut lookup_claims = Vec::with_capacity(instances.len());
    let mut tree = 0;
    for inst in instances {
        let mut witness_claims = Vec::with_capacity(inst.witnesses.len());
        for cols in &inst.witnesses {
            let pt = &leaf_points[tree];
            let values: Vec<EF> = cols.iter().map(|c| evaluate(c, pt)).collect();
            transcript.absorb_exts(labels::WITNESS_EVALS, &values);
            witness_claims.push(values.iter().map(|&v| (pt.clone(), v)).collect());
            witness_evals.push(values);
            tree += 1;
        }
        lookup_claims.push(witness_claims);
        tree += 1;
    }
    let mut blinding_evals = Vec::with_capacity(trees.len());
    let mut blinding_claims: Vec<Vec<(EF, [EF; 2])>> = vec![Vec::new(); instances.len()];
    for (j, pt) in leaf_points.iter().enumerate() {
        let (i, t) = inner_of[j];
        let b = &blinding[i];
        let z = pt.last().copied().unwrap_or_default();
        let v = [line(b.numerators[t], z), line(b.denominators[t], z)];
        blinding_evals.push(v);
        blinding_claims[i].push((z, v));
    }
    let flat: Vec<EF> = blinding_evals.iter().flatten().copied().collect();
    transcript.absorb_exts(zk_labels::BLINDING_EVALS, &flat);
    let table_points: Vec<Vec<EF>> = (0..trees.len())
        .filter(|&j| !witness_slots[j])
        .map(|j| leaf_points[j].get(1..).unwrap_or_default().to_vec())
        .collect();
    let multiplicity_evals: Vec<EF> = table_points
        .iter()
        .zip(multiplicities)
        .map(|(pt, m)| evaluate(m, pt))
        .collect();
    transcript.absorb_exts(zk_labels::MULTIPLICITY_EVAL, &multiplicity_evals);
    let instances_claims = lookup_claims
        .into_iter()
        .zip(blinding_claims)
        .zip(inner_claims)
        .zip(table_points.into_iter().zip(&multiplicity_evals))
        .map(
            |(((witness_claims, blinding), inner), (pt, &m))| InstanceClaims {
                lookup: LookupClaims {
                    witness_claims,
                    multiplicity_claim: (pt, m),
                },
                blinding,
                inner,
            },
        )
        .collect();
    Ok((
        BlindedProof {
            roots,
            layers,
            witness_evals,
            blinding_evals,
            multiplicity_evals,
        },
        BlindedClaims {
            instances: instances_claims,
            masks: mask_claims,
            leaves: None,
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

/// The sparse corrections of a layer's right children: `(e_p, e_q)`.
type Sparse = (Vec<(usize, EF)>, Vec<(usize, EF)>);

/// A blinded tree on the prover's side (docs/ZK-sumcheck.md §2.2), built so that every layer
/// but the corrections at the two blinding slots is what the plain prover has.
enum ZkTree {
    /// A witness: leaves `(1, α − fold)` but the slots `(π_b, δ_b − fold)`. With ≥ 4 leaves its
    /// leaf layer is the plain `Ones` one plus `e_p = π − 1` at the slots.
    Witness {
        tree: FractionTree,
        slots: Option<[EF; 2]>,
    },
    /// A table: the bottom layer folds `x_0` (the table half `(m, α − t)` against the padding
    /// half `(0, 1)`), so the layer above it is the plain table leaves except at the two slots,
    /// `(m·δ_b + π_b·q, q·δ_b)`; `upper` is the plain tree over those, `bottom` the `Padded`
    /// layer's columns `(m, α − t)` (taken once).
    Table {
        upper: FractionTree,
        upper_sparse: Vec<(usize, EF)>,
        bottom: Option<(Vec<F>, Vec<EF>)>,
        slots: ([EF; 2], [EF; 2]),
    },
}

impl ZkTree {
    fn witness(q: Vec<EF>, n: [EF; 2]) -> Self {
        if q.len() >= 4 {
            Self::Witness {
                tree: FractionTree::with_last_numerators(Numerators::Ones, q, n),
                slots: Some(n),
            }
        } else {
            Self::Witness {
                tree: FractionTree::new(Numerators::Ext(n.to_vec()), q),
                slots: None,
            }
        }
    }

    fn table(m: &[F], q: Vec<EF>, n: [EF; 2], d: [EF; 2]) -> Self {
        let rows = q.len();
        let mut q_up = q.clone();
        let mut p_up = [EF::ZERO; 2];
        for b in 0..2 {
            let r = rows - 2 + b;
            p_up[b] = d[b] * m[r] + n[b] * q[r];
            q_up[r] = q[r] * d[b];
        }
        let (upper, upper_sparse) = if rows >= 4 {
            let half = rows / 2;
            let sparse = (0..2)
                .map(|b| (half - 2 + b, p_up[b] - EF::from(m[rows - 2 + b])))
                .collect();
            let tree = FractionTree::with_last_numerators(Numerators::Base(m.to_vec()), q_up, p_up);
            (tree, sparse)
        } else {
            (
                FractionTree::new(Numerators::Ext(p_up.to_vec()), q_up),
                Vec::new(),
            )
        };
        Self::Table {
            upper,
            upper_sparse,
            bottom: Some((m.to_vec(), q)),
            slots: (n, d),
        }
    }

    fn height(&self) -> usize {
        match self {
            Self::Witness { tree, .. } => tree.height(),
            Self::Table { upper, .. } => upper.height() + 1,
        }
    }

    fn is_witness(&self) -> bool {
        matches!(self, Self::Witness { .. })
    }

    fn root(&self) -> [EF; 2] {
        match self {
            Self::Witness { tree, .. } | Self::Table { upper: tree, .. } => tree.root(),
        }
    }

    /// Moves out layer `k`'s columns with their slot and sparse corrections.
    fn take_layer(&mut self, k: usize) -> (Slot, Vec<Column>, Sparse) {
        match self {
            Self::Witness { tree, slots } => {
                let (slot, cols) = tree.take_layer_columns(k);
                let half = 1usize << k;
                let sparse = match (slot, *slots) {
                    (Slot::Ones, Some(n)) => {
                        (0..2).map(|b| (half - 2 + b, n[b] - EF::ONE)).collect()
                    }
                    _ => Vec::new(),
                };
                (slot, cols, (sparse, Vec::new()))
            }
            Self::Table {
                upper,
                bottom,
                slots: (n, d),
                ..
            } if k == upper.height() => {
                let (m, q) = bottom.take().unwrap_or_default();
                let rows = q.len();
                let at = |v: [EF; 2], shift: EF| -> Vec<(usize, EF)> {
                    (0..2).map(|b| (rows - 2 + b, v[b] - shift)).collect()
                };
                let sparse = (at(*n, EF::ZERO), at(*d, EF::ONE));
                (Slot::Padded, vec![Column::Base(m), Column::Ext(q)], sparse)
            }
            Self::Table {
                upper,
                upper_sparse,
                ..
            } => {
                let (slot, cols) = upper.take_layer_columns(k);
                let sparse = if k + 1 == upper.height() {
                    std::mem::take(upper_sparse)
                } else {
                    Vec::new()
                };
                (slot, cols, (sparse, Vec::new()))
            }
        }
    }
}
