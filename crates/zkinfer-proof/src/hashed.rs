//! `hashed` tensors (issue 13, item 5): a private input or output whose holder can check that a
//! proof is about *their* data.
//!
//! The tensor is a column of the proof's hiding witness commitment like any private tensor. The
//! proof also carries a second hiding commitment ([`HashedCommitment`]) to that column alone,
//! made with [`HidingPcs::from_seed`] from a seed the prover draws from the OS and hands, with the
//! tensor's stored values, to the data holder only ([`HashedOpening`], `zkinfer prove
//! --opening-out`). The holder recomputes the commitment from the seed and their data and
//! compares ([`check_opening`], `zkinfer check-commitment`); a model registry compares the
//! digests of two proofs' commitments to see that they hold the same hidden tensor only when it
//! also holds the openings (the commitments are randomized: equal tensors give different roots).
//!
//! **Binding the two commitments.** After both are absorbed and the backward walk is done, the
//! verifier draws a point `z`; the prover sends `v`, and `v` is claimed for the column in the
//! witness commitment and for the hashed commitment, each settled by its own opening. Two
//! different multilinear polynomials agree at a random `z` with probability at most
//! `n/|EF| < 2^-121` (Schwartz–Zippel). What `v` reveals (one evaluation of the tensor) is the
//! same kind of leak as every claimed evaluation until their masking is built (docs/ZK.md).
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

use serde::{Deserialize, Serialize};
use zkinfer_field::{EF, F, Transcript};
use zkinfer_pcs::{
    ColumnClaim, HidingCommitment, HidingCommittedData, HidingOpeningProof, HidingPcs, PcsConfig,
};

use crate::commit::hiding_config;
use crate::error::{ProveError, VerifyError};
use crate::keys::hex;
use crate::plan::Plan;

/// Transcript labels.
mod labels {
    pub const POINT: &[u8] = b"zkinfer/hashed/point";
    pub const VALUE: &[u8] = b"zkinfer/hashed/value";
}

/// Which tensor a hashed commitment holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum HashedTensor {
    /// The graph input.
    Input,
    /// The graph output.
    Output,
}

impl std::fmt::Display for HashedTensor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Input => "input",
            Self::Output => "output",
        })
    }
}

/// A hashed tensor's commitment in a proof, with the value both commitments are opened at.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct HashedCommitment {
    /// Which tensor.
    pub tensor: HashedTensor,
    /// The seeded hiding commitment to its column.
    pub commitment: HidingCommitment,
    /// The column's value at the verifier's point.
    pub value: EF,
    /// The opening of the seeded commitment at that point.
    pub opening: HidingOpeningProof,
}

impl HashedCommitment {
    /// The digest a holder of the opening recomputes (Keccak-256 of the commitment, hex).
    #[must_use]
    pub fn digest_hex(&self) -> String {
        hex(&self.commitment.digest())
    }
}

/// What the prover hands the holder of a hashed tensor: the seed of its commitment and the
/// tensor's stored (padded) values. Secret: whoever has it can recompute the commitment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HashedOpening {
    /// Which tensor.
    pub tensor: HashedTensor,
    /// The commitment's seed, hex.
    pub seed: String,
    /// The tensor in its stored (padded) layout: the committed column.
    pub stored: Vec<i64>,
    /// The commitment's digest, hex (as [`HashedCommitment::digest_hex`]).
    pub digest: String,
}

/// The hashed tensors of a plan, in proof order: `(tensor, witness column)`.
pub(crate) fn specs(plan: &Plan) -> Result<Vec<(HashedTensor, usize)>, String> {
    use crate::plan::{InputVisibility, OutputVisibility};
    let g = &plan.graph;
    let mut out = Vec::new();
    if plan.options.input == InputVisibility::Hashed {
        let c = plan
            .committed_column(g.input)
            .ok_or("a hashed input is not a committed column")?;
        out.push((HashedTensor::Input, c));
    }
    if plan.options.output == OutputVisibility::Hashed {
        let c = plan
            .committed_column(g.output)
            .ok_or("a hashed output is not a committed column")?;
        out.push((HashedTensor::Output, c));
    }
    Ok(out)
}

/// The prover's state of one hashed tensor between commit and open.
pub(crate) struct Pending {
    tensor: HashedTensor,
    column: usize,
    values: Vec<F>,
    stored: Vec<i64>,
    seed: [u8; 32],
    commitment: HidingCommitment,
    data: HidingCommittedData,
}

fn backend(e: impl std::fmt::Display) -> ProveError {
    ProveError::Backend(e.to_string())
}

/// Commits each hashed tensor's column (`columns[c]`, stored values) with a fresh OS seed and
/// absorbs the commitments, in [`specs`] order.
pub(crate) fn commit(
    pcs: PcsConfig,
    specs: &[(HashedTensor, usize)],
    columns: &[Vec<i64>],
    t: &mut Transcript,
) -> Result<Vec<Pending>, ProveError> {
    specs
        .iter()
        .map(|&(tensor, column)| {
            let stored = columns
                .get(column)
                .ok_or_else(|| backend("hashed tensor's column is missing"))?
                .clone();
            let values: Vec<F> = crate::ops::to_field(&stored);
            let seed = HidingPcs::random_seed().map_err(backend)?;
            let engine = HidingPcs::from_seed(hiding_config(pcs), seed).map_err(backend)?;
            let (commitment, data) = engine
                .commit(std::slice::from_ref(&values), t)
                .map_err(backend)?;
            Ok(Pending {
                tensor,
                column,
                values,
                stored,
                seed,
                commitment,
                data,
            })
        })
        .collect()
}

/// What [`open`] returns: the proof's hashed commitments, the holders' openings, and the claims
/// on the witness columns that bind them.
pub(crate) type Opened = (Vec<HashedCommitment>, Vec<HashedOpening>, Vec<ColumnClaim>);

/// After the walk: draws each tensor's point, sends its value, adds the claim on the witness
/// column (returned as `(column, point, value)`), and opens the hashed commitment there.
pub(crate) fn open(
    pcs: PcsConfig,
    pending: Vec<Pending>,
    t: &mut Transcript,
) -> Result<Opened, ProveError> {
    let (mut proofs, mut openings, mut witness_claims) = (Vec::new(), Vec::new(), Vec::new());
    let engine = HidingPcs::new(hiding_config(pcs)).map_err(backend)?;
    for p in pending {
        let nv = p.values.len().trailing_zeros() as usize;
        let point = t.challenges(labels::POINT, nv);
        let value = zkinfer_poly::evaluate(&p.values, &point);
        t.absorb_ext(labels::VALUE, value);
        let claim = ColumnClaim {
            column: 0,
            point: point.clone(),
            value,
        };
        let opening = engine
            .open(p.data, std::slice::from_ref(&claim), t)
            .map_err(backend)?;
        witness_claims.push(ColumnClaim {
            column: p.column,
            point,
            value,
        });
        let proof = HashedCommitment {
            tensor: p.tensor,
            commitment: p.commitment,
            value,
            opening,
        };
        openings.push(HashedOpening {
            tensor: p.tensor,
            seed: hex(&p.seed),
            stored: p.stored,
            digest: proof.digest_hex(),
        });
        proofs.push(proof);
    }
    Ok((proofs, openings, witness_claims))
}

/// The verifier's side of [`commit`]: the proof must carry exactly the plan's hashed tensors,
/// each a one-column commitment of its witness column's size. Returns the plan's [`specs`] for
/// [`verify`].
pub(crate) fn absorb(
    pcs: PcsConfig,
    plan: &Plan,
    hashed: &[HashedCommitment],
    t: &mut Transcript,
) -> Result<Vec<(HashedTensor, usize)>, VerifyError> {
    let specs = specs(plan).map_err(|e| VerifyError::at("hashed", e))?;
    if specs.len() != hashed.len() {
        return Err(VerifyError::at(
            "hashed",
            format!(
                "the key has {} hashed tensors, the proof {}",
                specs.len(),
                hashed.len()
            ),
        ));
    }
    let engine = HidingPcs::new(hiding_config(pcs)).map_err(|e| VerifyError::at("hashed", e))?;
    for (&(tensor, column), h) in specs.iter().zip(hashed) {
        let want = plan
            .witness_columns
            .get(column)
            .map(|c| u32::try_from(c.num_vars).unwrap_or(u32::MAX));
        let fits = matches!((h.commitment.num_vars(), want), ([got], Some(w)) if *got == w);
        if h.tensor != tensor || !fits {
            return Err(VerifyError::at(
                "hashed",
                format!("the {tensor} commitment does not fit the key"),
            ));
        }
        engine
            .absorb_commitment(&h.commitment, t)
            .map_err(|e| VerifyError::at("hashed", e))?;
    }
    Ok(specs)
}

/// The verifier's side of [`open`]: checks each hashed opening (`specs` as [`absorb`] returned
/// them) and returns the claims on the witness columns that the witness opening must settle.
pub(crate) fn verify(
    pcs: PcsConfig,
    plan: &Plan,
    specs: &[(HashedTensor, usize)],
    hashed: &[HashedCommitment],
    t: &mut Transcript,
) -> Result<Vec<ColumnClaim>, VerifyError> {
    let engine = HidingPcs::new(hiding_config(pcs)).map_err(|e| VerifyError::at("hashed", e))?;
    let mut claims = Vec::new();
    for (&(tensor, column), h) in specs.iter().zip(hashed) {
        let nv = plan.witness_columns.get(column).map_or(0, |c| c.num_vars);
        let point = t.challenges(labels::POINT, nv);
        t.absorb_ext(labels::VALUE, h.value);
        let claim = ColumnClaim {
            column: 0,
            point: point.clone(),
            value: h.value,
        };
        engine
            .verify(&h.commitment, std::slice::from_ref(&claim), &h.opening, t)
            .map_err(|e| VerifyError::at(format!("hashed {tensor} opening"), e))?;
        claims.push(ColumnClaim {
            column,
            point,
            value: h.value,
        });
    }
    Ok(claims)
}

/// Checks that `opening` recomputes the proof's commitment to its tensor and that its stored
/// values are `logical` (the holder's data, quantized, logical layout) in `plan`'s layout.
/// Verify the proof itself too: this checks only the commitment.
///
/// # Errors
/// [`VerifyError`] naming what differs.
pub fn check_opening(
    plan: &Plan,
    pcs: PcsConfig,
    hashed: &[HashedCommitment],
    opening: &HashedOpening,
    logical: &[i64],
) -> Result<(), VerifyError> {
    let at = |r: String| VerifyError::at("check-commitment", r);
    let h = hashed
        .iter()
        .find(|h| h.tensor == opening.tensor)
        .ok_or_else(|| at(format!("the proof has no hashed {}", opening.tensor)))?;
    let g = &plan.graph;
    let tensor = match opening.tensor {
        HashedTensor::Input => g.input,
        HashedTensor::Output => g.output,
    };
    let layout = plan
        .layouts
        .get(tensor)
        .ok_or_else(|| at("the key has no layout for the tensor".into()))?;
    if opening.stored.len() != layout.size() || logical.len() != layout.logical_len() {
        return Err(at(format!(
            "the {} has {} values, the key's has {}",
            opening.tensor,
            logical.len(),
            layout.logical_len()
        )));
    }
    if let Some(i) = layout
        .gather(&opening.stored)
        .iter()
        .zip(logical)
        .position(|(a, b)| a != b)
    {
        return Err(at(format!(
            "the {} differs from the opening's at element {i}",
            opening.tensor
        )));
    }
    let seed: [u8; 32] = unhex(&opening.seed)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| at("the opening's seed is not 64 hex digits".into()))?;
    let engine = HidingPcs::from_seed(hiding_config(pcs), seed).map_err(|e| at(e.to_string()))?;
    // The root does not depend on the transcript; any context will do.
    let (c, _) = engine
        .commit(
            &[crate::ops::to_field(&opening.stored)],
            &mut Transcript::new(b"zkinfer/check-commitment"),
        )
        .map_err(|e| at(e.to_string()))?;
    if c.digest() != h.commitment.digest() {
        return Err(at(format!(
            "the {} and seed do not give the proof's commitment {}: the proof is about other data",
            opening.tensor,
            h.digest_hex()
        )));
    }
    Ok(())
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok()))
        .collect()
}
