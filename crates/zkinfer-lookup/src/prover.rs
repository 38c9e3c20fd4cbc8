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
    let counts = crate::multiplicities(instance.table, &instance.witnesses)?;
    if counts.len() != multiplicities.len() {
        return Err(LookupError::MultiplicityLength {
            expected: counts.len(),
            got: multiplicities.len(),
        });
    }
    if let Some((row, (e, g))) = counts
        .iter()
        .zip(multiplicities)
        .enumerate()
        .find(|(_, (e, g))| e != g)
    {
        return Err(LookupError::MultiplicityMismatch {
            row,
            expected: e.as_canonical_u64(),
            got: g.as_canonical_u64(),
        });
    }
    prove_unchecked(instance, multiplicities, transcript)
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
    let table = instance.table;
    table.validate()?;
    let shapes = witness_shapes(table, &instance.witnesses)?;
    let rows = 1usize << table.num_vars();
    if multiplicities.len() != rows {
        return Err(LookupError::MultiplicityLength {
            expected: rows,
            got: multiplicities.len(),
        });
    }
    let (alpha, beta) = begin(table, &shapes, transcript);

    let mut trees: Vec<FractionTree> = instance
        .witnesses
        .iter()
        .map(|cols| FractionTree::new(Numerators::Ones, denominators(cols, alpha, beta)))
        .collect();
    let table_cols = table.columns();
    let table_refs: Vec<&[F]> = table_cols.iter().map(Vec::as_slice).collect();
    trees.push(FractionTree::new(
        Numerators::Base(multiplicities.to_vec()),
        denominators(&table_refs, alpha, beta),
    ));
    let table_index = trees.len() - 1;

    let roots: Vec<[EF; 2]> = trees.iter().map(FractionTree::root).collect();
    absorb_roots(&roots, transcript);
    let mut claims: Vec<(EF, EF)> = roots.iter().map(|&[p, q]| (p, q)).collect();
    let mut leaf_points: Vec<Option<Vec<EF>>> = trees
        .iter()
        .map(|t| (t.height() == 0).then(Vec::new))
        .collect();

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
            debug_assert_eq!(slot, Slot::at(j == table_index, trees[j].height(), k));
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
                leaf_points[j] = Some(point.clone());
            }
        }
        layers.push(LayerProof {
            sumcheck: out.proof,
            children: out.evals,
        });
    }

    let mut witness_evals = Vec::with_capacity(instance.witnesses.len());
    let mut witness_claims = Vec::with_capacity(instance.witnesses.len());
    for (cols, pt) in instance.witnesses.iter().zip(&leaf_points) {
        let pt = pt.clone().unwrap_or_default();
        let values: Vec<EF> = cols.iter().map(|c| evaluate(c, &pt)).collect();
        transcript.absorb_exts(labels::WITNESS_EVALS, &values);
        witness_claims.push(values.iter().map(|&v| (pt.clone(), v)).collect());
        witness_evals.push(values);
    }
    let table_point = leaf_points[table_index].clone().unwrap_or_default();
    let claims = LookupClaims {
        witness_claims,
        multiplicity_claim: (table_point, claims[table_index].0),
    };
    Ok((
        LookupProof {
            roots,
            layers,
            witness_evals,
        },
        claims,
    ))
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
