//! The proof data and the layer algebra shared by prover and verifier.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

use serde::{Deserialize, Serialize};
use zkinfer_field::{EF, PrimeCharacteristicRing, Transcript};
use zkinfer_sumcheck::{SumcheckProof, Term};

use crate::{Table, labels};

/// A LogUp-GKR proof. Trees are ordered: the witnesses in order, then the table.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LookupProof {
    /// Each tree's root fraction `[p, q]`.
    pub roots: Vec<[EF; 2]>,
    /// One per layer, from the root down; as many as the tallest tree is high.
    pub layers: Vec<LayerProof>,
    /// Per witness, each column's value at the witness's leaf point.
    pub witness_evals: Vec<Vec<EF>>,
}

/// The proof of one layer: a batched sumcheck and the children's values at its point.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerProof {
    /// The batched sumcheck over the layer's variables (degree 3).
    pub sumcheck: SumcheckProof,
    /// Per tree still active, `[p_L, p_R, q_L, q_R]` (or `[q_L, q_R]` at a witness's leaves).
    pub children: Vec<EF>,
}

/// The degree of every layer sumcheck: `eq · q_L · q_R`.
pub const LAYER_DEGREE: usize = 3;

/// What one tree contributes to a layer's sumcheck.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Slot {
    /// Columns `p_L, p_R, q_L, q_R`.
    Full,
    /// A witness's leaves: numerators are 1, columns `q_L, q_R`.
    Ones,
    /// A blinded table's bottom layer (`crate::zk`): `p_R = 0`, `q_R = 1` (the padding half, but
    /// for two slots the prover adds as sparse corrections), columns `p_L, q_L`.
    Padded,
}

impl Slot {
    /// The tree's slot at layer `k` (whose children are at height `k + 1`).
    pub(crate) fn at(is_table: bool, height: usize, k: usize) -> Self {
        if !is_table && height == k + 1 {
            Self::Ones
        } else {
            Self::Full
        }
    }

    /// The number of columns (and of child values sent).
    pub(crate) fn width(self) -> usize {
        match self {
            Self::Full => 4,
            Self::Ones | Self::Padded => 2,
        }
    }

    /// The next claim `(p, q)` on the children's layer at `(μ, ρ)`, from the values at `ρ`.
    pub(crate) fn next_claim(self, values: &[EF], mu: EF) -> Option<(EF, EF)> {
        let line = |l: EF, r: EF| l + mu * (r - l);
        match (self, values) {
            (Self::Full, &[pl, pr, ql, qr]) => Some((line(pl, pr), line(ql, qr))),
            (Self::Ones, &[ql, qr]) => Some((EF::ONE, line(ql, qr))),
            _ => None,
        }
    }
}

/// The sumcheck terms of a layer: tree `j` (in slot order) adds
/// `λ^{2j} (p_L q_R + p_R q_L) + λ^{2j+1} q_L q_R` over its columns.
pub(crate) fn layer_terms(slots: &[Slot], lambda: EF) -> Vec<Term> {
    let mut terms = Vec::with_capacity(3 * slots.len());
    let (mut col, mut coeff) = (0, EF::ONE);
    for &slot in slots {
        let (cp, cq) = (coeff, coeff * lambda);
        coeff = cq * lambda;
        match slot {
            Slot::Full => {
                let (pl, pr, ql, qr) = (col, col + 1, col + 2, col + 3);
                terms.push(Term::new(cp, vec![pl, qr]));
                terms.push(Term::new(cp, vec![pr, ql]));
                terms.push(Term::new(cq, vec![ql, qr]));
            }
            Slot::Ones => {
                let (ql, qr) = (col, col + 1);
                terms.push(Term::new(cp, vec![qr]));
                terms.push(Term::new(cp, vec![ql]));
                terms.push(Term::new(cq, vec![ql, qr]));
            }
            Slot::Padded => {
                // p_L·1 + 0·q_L and q_L·1.
                let (pl, ql) = (col, col + 1);
                terms.push(Term::new(cp, vec![pl]));
                terms.push(Term::new(cq, vec![ql]));
            }
        }
        col += slot.width();
    }
    terms
}

/// The batched claim `Σ_j λ^{2j} p_j + λ^{2j+1} q_j` matching [`layer_terms`].
pub(crate) fn batch_claims(claims: impl IntoIterator<Item = (EF, EF)>, lambda: EF) -> EF {
    let (mut sum, mut coeff) = (EF::ZERO, EF::ONE);
    for (p, q) in claims {
        sum += coeff * (p + lambda * q);
        coeff *= lambda.square();
    }
    sum
}

/// `Σ_c β^c x_c`.
pub(crate) fn fold_tuple(values: &[EF], beta: EF) -> EF {
    values.iter().rev().fold(EF::ZERO, |acc, &v| acc * beta + v)
}

/// Absorbs the statement (per instance: table id, witness shapes) and draws `(α, β)`.
pub(crate) fn begin(statement: &[(&Table, Vec<usize>)], transcript: &mut Transcript) -> (EF, EF) {
    for (table, shapes) in statement {
        transcript.absorb_bytes(labels::TABLE, &table.id());
        let bytes: Vec<u8> = shapes
            .iter()
            .flat_map(|&n| (n as u64).to_le_bytes())
            .collect();
        transcript.absorb_bytes(labels::SHAPES, &bytes);
    }
    (
        transcript.challenge(labels::ALPHA),
        transcript.challenge(labels::BETA),
    )
}

/// Absorbs the roots in the order of the proof.
pub(crate) fn absorb_roots(roots: &[[EF; 2]], transcript: &mut Transcript) {
    let flat: Vec<EF> = roots.iter().flatten().copied().collect();
    transcript.absorb_exts(labels::ROOTS, &flat);
}

#[cfg(test)]
mod tests {
    use zkinfer_field::F;

    use super::*;

    #[test]
    fn terms_match_the_batched_claim() {
        // One Full and one Ones slot, at a single point: the terms reproduce the parents.
        let lambda = EF::from(F::from_u64(7));
        let vals: Vec<EF> = [2u64, 3, 5, 11, 13, 17]
            .map(|v| EF::from(F::from_u64(v)))
            .to_vec();
        let terms = layer_terms(&[Slot::Full, Slot::Ones], lambda);
        let sum: EF = terms
            .iter()
            .map(|t| t.factors.iter().fold(t.coeff, |acc, &f| acc * vals[f]))
            .sum();
        let parent = |pl: EF, pr: EF, ql: EF, qr: EF| (pl * qr + pr * ql, ql * qr);
        let a = parent(vals[0], vals[1], vals[2], vals[3]);
        let b = parent(EF::ONE, EF::ONE, vals[4], vals[5]);
        assert_eq!(sum, batch_claims([a, b], lambda));
        assert_eq!(fold_tuple(&vals[..2], lambda), vals[0] + lambda * vals[1]);
    }
}
