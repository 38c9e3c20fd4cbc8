//! The private weights' commitment: one reusable hiding commitment made at setup and opened by
//! every proof of the key, at most `max_proofs` times (docs/ZK.md §6.1).
//!
//! Setup draws a 32-byte seed from the OS and commits, with
//! [`HidingPcs::commit_reusable`] seeded by it ([`HidingPcs::from_seed`]), the weight columns
//! and one more column, the weights' *opening mask* (`2^mask_vars` random elements derived
//! from the seed, no claim ever made on it). The verifying key keeps the root and the budget
//! ([`crate::VerifyingKey::weights_uses`]), the proving key the seed (32 bytes instead of the
//! codeword), so each proof re-derives the same commitment and opens it with fresh OS
//! randomness ([`HidingPcs::new`]).
//!
//! After the walk, every claim on the weights (masked or not) is lifted to the commitment's
//! stacked polynomial and all are reduced to one claim `P(ρ) = v` by one masked claim
//! reduction (as the witness's, docs/ZK.md §13). `v` mixes in the opening mask's multilinear
//! extension at the proof's own `ρ`; over at most `uses` proofs those are `uses` evaluations of
//! a column of `≥ 4·uses` uniform base-field elements at independent points, jointly uniform
//! except with negligible probability, so no proof reveals an evaluation of the weights.
//!
//! A plain weights commitment (the format before this one: every proof opens it, revealing
//! codeword rows and per-column evaluations) is still verified, for keys made by the
//! test-and-benchmark-only [`crate::keys::setup_plain_weights_for_tests`].
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
use zkinfer_field::{F, Transcript};
use zkinfer_pcs::{
    Commitment, HidingOpeningProof, HidingPcs, OpeningProof, PcsConfig, ReusableCommitment,
    ReusableCommittedData,
};

use crate::commit::{OPENING_MASK_VARS, hiding_config};
use crate::error::{ProveError, VerifyError};

/// How many proofs a key's private weights commitment covers unless `setup` is told otherwise
/// (`zkinfer setup --max-proofs`). Hiding the weights costs every proof a second HVZK-WHIR
/// opening (≈ 330 KiB), and each covered proof about 1.4–2 KiB more (the code-switch mask of the
/// first round carries `uses · t` extension-field elements, revealed one-time padded) plus
/// `uses · t` coefficients per limb of the first oracle (commit time and memory); docs/ZK.md
/// §6.1 and docs/BENCHMARKS.md have the measurements behind the default.
pub const DEFAULT_MAX_PROOFS: usize = 256;

/// The weights commitment in a proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum WeightsCommitment {
    /// The reusable hiding commitment of the key (the default).
    Hiding(ReusableCommitment),
    /// A plain commitment (keys made by [`crate::keys::setup_plain_weights_for_tests`]).
    Plain(Commitment),
}

/// The opening of the weights claims in a proof.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum WeightsOpening {
    /// Of a [`WeightsCommitment::Hiding`]: one claim on the stack.
    Hiding(HidingOpeningProof),
    /// Of a [`WeightsCommitment::Plain`]: one claim per column.
    Plain(OpeningProof),
}

impl WeightsCommitment {
    /// The Merkle root.
    #[must_use]
    pub fn root(&self) -> [u8; 32] {
        match self {
            Self::Hiding(c) => c.root(),
            Self::Plain(c) => c.root(),
        }
    }

    /// The number of variables of each committed column (for a hiding one, the weight columns
    /// and then the opening mask).
    #[must_use]
    pub fn num_vars(&self) -> &[u32] {
        match self {
            Self::Hiding(c) => c.num_vars(),
            Self::Plain(c) => c.num_vars(),
        }
    }
}

/// Variables of the weights' opening mask for `uses` proofs: at least 4 base-field elements per
/// proof (each proof reveals one extension-field evaluation, two base-field coordinates).
#[must_use]
pub fn mask_vars(uses: usize) -> usize {
    let per_use = uses.saturating_mul(4).max(1);
    let bits = usize::BITS - (per_use - 1).leading_zeros();
    (bits as usize).max(OPENING_MASK_VARS)
}

/// The weights' opening mask, derived from the setup seed (domain-separated from the
/// commitment's own randomness, which the same seed drives).
fn opening_mask(seed: &[u8; 32], uses: usize) -> Vec<F> {
    use rand::{Rng, SeedableRng};
    use tiny_keccak::{Hasher, Keccak};
    use zkinfer_field::{PrimeCharacteristicRing, PrimeField64};
    let mut h = Keccak::v256();
    h.update(b"zkinfer/weights/opening-mask");
    h.update(seed);
    let mut derived = [0u8; 32];
    h.finalize(&mut derived);
    let mut rng = rand::rngs::StdRng::from_seed(derived);
    (0..1usize << mask_vars(uses))
        .map(|_| {
            loop {
                let v: u64 = rng.random();
                if v < F::ORDER_U64 {
                    break F::from_u64(v);
                }
            }
        })
        .collect()
}

/// The hiding commitment's settings for a key with settings `pcs` (the witness's).
fn engine(pcs: PcsConfig) -> Result<HidingPcs, zkinfer_pcs::PcsError> {
    HidingPcs::new(hiding_config(pcs))
}

/// The column shapes the reusable commitment holds: the weight columns, then the mask.
#[must_use]
pub fn committed_vars(weight_vars: &[usize], uses: usize) -> Vec<usize> {
    let mut vars = weight_vars.to_vec();
    vars.push(mask_vars(uses));
    vars
}

/// Elements of the reusable commitment's codeword for these weight columns at `uses`
/// (`2^(stack variables + log₂(1/rate))`, the stack enlarged as the budget needs), which each
/// proof re-derives; `None` if they cannot be committed.
#[must_use]
pub fn codeword_len(pcs: PcsConfig, weight_vars: &[usize], uses: usize) -> Option<usize> {
    let (vars, rate) = engine(pcs)
        .ok()?
        .reusable_shape(&committed_vars(weight_vars, uses), uses)
        .ok()?;
    1usize.checked_shl(u32::try_from(vars + rate).ok()?)
}

/// Checks, from the shapes alone, that a reusable commitment of these weight columns covers
/// `uses` proofs (before any weight is laid out).
///
/// # Errors
/// The commitment's reason ([`zkinfer_pcs::PcsError::ReuseBudget`] names the fix).
pub fn check_shapes(
    pcs: PcsConfig,
    weight_vars: &[usize],
    uses: usize,
) -> Result<(), zkinfer_pcs::PcsError> {
    engine(pcs)?.reusable_shape(&committed_vars(weight_vars, uses), uses)?;
    Ok(())
}

/// Commits the weight columns and the opening mask derived from `seed`, for `uses` proofs, and
/// absorbs the commitment into `t`. Deterministic in (`columns`, `seed`, `uses`).
pub(crate) fn commit(
    pcs: PcsConfig,
    mut columns: Vec<Vec<F>>,
    seed: &[u8; 32],
    uses: usize,
    t: &mut Transcript,
) -> Result<(ReusableCommitment, ReusableCommittedData), ProveError> {
    columns.push(opening_mask(seed, uses));
    let seeded = HidingPcs::from_seed(hiding_config(pcs), *seed)?;
    Ok(seeded.commit_reusable(&columns, uses, t)?)
}

/// Opens the stack claim on the weights with fresh OS randomness.
pub(crate) fn open(
    pcs: PcsConfig,
    data: &mut ReusableCommittedData,
    stack: &zkinfer_pcs::StackClaim,
    t: &mut Transcript,
) -> Result<HidingOpeningProof, ProveError> {
    Ok(engine(pcs)?.open_reusable(data, &[], std::slice::from_ref(stack), t)?)
}

/// The commitment a verifying key pins: its root, its weight columns' shapes and the opening
/// mask's, its budget.
///
/// # Errors
/// A root of the wrong length.
pub fn expected(
    root: &[u8],
    weight_vars: &[usize],
    uses: u32,
) -> Result<ReusableCommitment, VerifyError> {
    let root: [u8; 32] = root.try_into().map_err(|_| {
        VerifyError::at(
            "weights commitment",
            "the key's weights root is not 32 bytes",
        )
    })?;
    let vars = committed_vars(weight_vars, uses as usize)
        .into_iter()
        .map(|n| u32::try_from(n).unwrap_or(u32::MAX))
        .collect();
    Ok(ReusableCommitment::from_parts(root, vars, uses))
}

/// The verifier's engine for a key with settings `pcs`.
pub(crate) fn verifier_engine(pcs: PcsConfig) -> Result<HidingPcs, VerifyError> {
    engine(pcs).map_err(|e| VerifyError::at("weights commitment", e))
}
