//! The LogUp-GKR prover.

use zkinfer_field::{EF, F, PrimeCharacteristicRing, PrimeField64, Transcript};
use zkinfer_poly::evaluate;

use crate::{
    LayerProof, LookupClaims, LookupError, LookupInstance, LookupProof,
    gkr::{FractionTree, Numerators},
    instance::witness_shapes,
    labels, par_map,
    proof::{Slot, absorb_roots, batch_claims, begin, layer_terms},
};

/// Proves that every witness row of `instance` is a table row, with `multiplicities` the counts.
/// Draws `α, β` first: the caller must have absorbed its commitment to the witness columns and
/// the multiplicities already.
///
/// # Errors
/// [`LookupError::NotInTable`] for a witness row outside the table,
/// [`LookupError::MultiplicityMismatch`] if `multiplicities` are not the counts, or a shape error.
///
/// # Soundness
/// The returned [`LookupClaims`] must be discharged by the caller (see [`crate::verify`]).
pub fn prove(
    instance: &LookupInstance<'_>,
    multiplicities: &[F],
    transcript: &mut Transcript,
) -> Result<(LookupProof, LookupClaims), LookupError> {
    check_counts(instance, multiplicities)?;
    prove_unchecked(instance, multiplicities, transcript)
}

/// [`prove`] for several instances (e.g. one per table) with one `α, β` and one batched sumcheck
/// per layer over all their trees. `multiplicities[i]` belongs to `instances[i]`.
///
/// # Errors
/// As [`prove`], for the first instance that fails; [`LookupError::InstanceCount`] if the slices
/// differ in length.
pub fn prove_many(
    instances: &[LookupInstance<'_>],
    multiplicities: &[&[F]],
    transcript: &mut Transcript,
) -> Result<(LookupProof, Vec<LookupClaims>), LookupError> {
    for (inst, m) in instances.iter().zip(multiplicities) {
        check_counts(inst, m)?;
    }
    prove_many_unchecked(instances, multiplicities, transcript)
}

/// [`prove`] without the membership and multiplicity checks: runs the protocol on whatever it is
/// given. For tests and adversarial experiments — a false statement yields a proof the verifier
/// rejects (or claims the caller's commitments refute).
///
/// # Errors
/// Shape errors only (an invalid table, malformed witnesses, a multiplicity column of the wrong
/// length).
pub fn prove_unchecked(
    instance: &LookupInstance<'_>,
    multiplicities: &[F],
    transcript: &mut Transcript,
) -> Result<(LookupProof, LookupClaims), LookupError> {
    let (proof, mut claims) = prove_many_unchecked(
        std::slice::from_ref(instance),
        &[multiplicities],
        transcript,
    )?;
    let claims = claims.pop().ok_or(LookupError::InstanceCount {
        expected: 1,
        got: 0,
    })?;
    Ok((proof, claims))
}

/// [`prove_many`] without the membership and multiplicity checks (see [`prove_unchecked`]).
///
/// # Errors
/// Shape errors only.
pub fn prove_many_unchecked(
    instances: &[LookupInstance<'_>],
    multiplicities: &[&[F]],
    transcript: &mut Transcript,
) -> Result<(LookupProof, Vec<LookupClaims>), LookupError> {
    if instances.len() != multiplicities.len() {
        return Err(LookupError::InstanceCount {
            expected: instances.len(),
            got: multiplicities.len(),
        });
    }
    let mut statement = Vec::with_capacity(instances.len());
    for (inst, m) in instances.iter().zip(multiplicities) {
        inst.table.validate()?;
        let shapes = witness_shapes(inst.table, &inst.witnesses)?;
        let rows = 1usize << inst.table.num_vars();
        if m.len() != rows {
            return Err(LookupError::MultiplicityLength {
                expected: rows,
                got: m.len(),
            });
        }
        statement.push((inst.table, shapes));
    }
    let (alpha, beta) = begin(&statement, transcript);

    // Trees: per instance, its witnesses then its table.
    let mut trees: Vec<FractionTree> = Vec::new();
    let mut is_table: Vec<bool> = Vec::new();
    for (inst, m) in instances.iter().zip(multiplicities) {
        for cols in &inst.witnesses {
            trees.push(FractionTree::new(
                Numerators::Ones,
                denominators(cols, alpha, beta),
            ));
            is_table.push(false);
        }
        let table_cols = inst.table.columns();
        let table_refs: Vec<&[F]> = table_cols.iter().map(Vec::as_slice).collect();
        let q = denominators(&table_refs, alpha, beta);
        trees.push(FractionTree::new(Numerators::Base(m.to_vec()), q));
        is_table.push(true);
    }

    let roots: Vec<[EF; 2]> = trees.iter().map(FractionTree::root).collect();
    absorb_roots(&roots, transcript);
    let mut claims: Vec<(EF, EF)> = roots.iter().map(|&[p, q]| (p, q)).collect();
    let mut leaf_points: Vec<Vec<EF>> = vec![Vec::new(); trees.len()];

    let max_height = trees.iter().map(FractionTree::height).max().unwrap_or(0);
    let mut layers = Vec::with_capacity(max_height);
    let mut point: Vec<EF> = Vec::new();
    for k in 0..max_height {
        let active: Vec<usize> = (0..trees.len())
            .filter(|&j| trees[j].height() > k)
            .collect();
        let lambda = transcript.challenge(labels::LAMBDA);
        let mut slots = Vec::with_capacity(active.len());
        let mut columns = Vec::new();
        for &j in &active {
            let (slot, cols) = trees[j].take_layer_columns(k);
            debug_assert_eq!(slot, Slot::at(is_table[j], trees[j].height(), k));
            slots.push(slot);
            columns.extend(cols);
        }
        let terms = layer_terms(&slots, lambda);
        let out = zkinfer_sumcheck::prove(columns, &terms, Some(&point), transcript);
        debug_assert_eq!(
            out.claimed_sum,
            batch_claims(active.iter().map(|&j| claims[j]), lambda)
        );
        transcript.absorb_exts(labels::CHILDREN, &out.evals);
        let mu = transcript.challenge(labels::MU);
        point = std::iter::once(mu).chain(out.point).collect();
        let mut offset = 0;
        for (&j, &slot) in active.iter().zip(&slots) {
            let values = &out.evals[offset..offset + slot.width()];
            offset += slot.width();
            claims[j] = slot.next_claim(values, mu).unwrap_or_default();
            if trees[j].height() == k + 1 {
                leaf_points[j].clone_from(&point);
            }
        }
        layers.push(LayerProof {
            sumcheck: out.proof,
            children: out.evals,
        });
    }

    let mut witness_evals = Vec::new();
    let mut all_claims = Vec::with_capacity(instances.len());
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
        let multiplicity_claim = (leaf_points[tree].clone(), claims[tree].0);
        tree += 1;
        all_claims.push(LookupClaims {
            witness_claims,
            multiplicity_claim,
        });
    }
    Ok((
        LookupProof {
            roots,
            layers,
            witness_evals,
        },
        all_claims,
    ))
}

/// Every witness row is in the table and `multiplicities` are the counts.
fn check_counts(instance: &LookupInstance<'_>, multiplicities: &[F]) -> Result<(), LookupError> {
    let counts = crate::multiplicities(instance.table, &instance.witnesses)?;
    if counts.len() != multiplicities.len() {
        return Err(LookupError::MultiplicityLength {
            expected: counts.len(),
            got: multiplicities.len(),
        });
    }
    match counts
        .iter()
        .zip(multiplicities)
        .enumerate()
        .find(|(_, (e, g))| e != g)
    {
        Some((row, (e, g))) => Err(LookupError::MultiplicityMismatch {
            row,
            expected: e.as_canonical_u64(),
            got: g.as_canonical_u64(),
        }),
        None => Ok(()),
    }
}

/// The leaf denominators `α − Σ_c β^c x_{c,i}`.
fn denominators(cols: &[&[F]], alpha: EF, beta: EF) -> Vec<EF> {
    let len = cols.first().map_or(1, |c| c.len());
    let powers: Vec<EF> = beta.powers().take(cols.len()).collect();
    par_map(len, |i| {
        cols.iter()
            .zip(&powers)
            .fold(alpha, |acc, (c, &b)| acc - b * c[i])
    })
}
