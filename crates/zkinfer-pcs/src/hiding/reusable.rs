//! A hiding commitment opened up to `uses` times: private weights committed once at setup and
//! opened by every proof of the key (docs/ZK.md §6.1).
//!
//! HVZK-WHIR's only oracle shared between openings of one commitment is the first one, `u_0`;
//! every later oracle, mask code, out-of-domain pad and base-case blind is drawn fresh by each
//! opening. An opening spot-checks `u_0` at `t` positions (the first round's query count), so
//! `uses` openings reveal at most `uses · t` positions of each limb, which `uses · t` random
//! encoding coefficients per limb make uniform (p3-whir patched: `ZkWhirConfig::new_reusable`,
//! vendor/p3-whir/ZKINFER-PATCH.md). The folded randomness of `u_0` enters each opening only
//! through the code-switch mask of round 0, which that opening commits with fresh encoding
//! randomness and reveals one-time padded in the base case.
//!
//! The prover data counts its openings and refuses the one after the last
//! ([`PcsError::UsesExhausted`]); the budget is part of the commitment
//! ([`ReusableCommitment::uses`]), absorbed into the transcript, and the verifier derives the same
//! configuration from it.

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
use zkinfer_field::{EF, F, Transcript};

use super::{HidingCommitment, HidingCommittedData, HidingOpeningProof, HidingPcs, StackClaim};
use crate::types::Digest;
use crate::{ColumnClaim, PcsError};

/// A hiding commitment whose randomness covers `uses` openings
/// ([`HidingPcs::commit_reusable`]). A distinct type (and a distinct digest tag) so a one-use
/// commitment cannot stand in for it, nor the other way round.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ReusableCommitment {
    pub(crate) inner: HidingCommitment,
    pub(crate) uses: u32,
}

impl ReusableCommitment {
    /// The Merkle root ([`crate::TruncatedKeccak`]) of the salted, randomized codeword.
    #[must_use]
    pub fn root(&self) -> Digest {
        self.inner.root
    }

    /// The number of variables of each committed column, in commit order.
    #[must_use]
    pub fn num_vars(&self) -> &[u32] {
        &self.inner.num_vars
    }

    /// How many openings the commitment's randomness covers.
    #[must_use]
    pub fn uses(&self) -> usize {
        self.uses as usize
    }

    /// The underlying hiding commitment (root and shapes, without the budget).
    #[must_use]
    pub fn hiding(&self) -> &HidingCommitment {
        &self.inner
    }

    /// A commitment from its parts (e.g. a root and budget read from a verifying key).
    #[must_use]
    pub fn from_parts(root: Digest, num_vars: Vec<u32>, uses: u32) -> Self {
        Self {
            inner: HidingCommitment { root, num_vars },
            uses,
        }
    }

    /// Keccak-256 of `"zkinfer/pcs/hiding-reusable" ‖ uses ‖ root ‖ #columns ‖ num_vars…`
    /// (little-endian `u32`s).
    #[must_use]
    pub fn digest(&self) -> [u8; 32] {
        use p3_keccak::Keccak256Hash;
        use p3_symmetric::CryptographicHasher;
        let mut bytes = Vec::with_capacity(68 + 4 * self.inner.num_vars.len());
        bytes.extend_from_slice(b"zkinfer/pcs/hiding-reusable");
        bytes.extend_from_slice(&self.uses.to_le_bytes());
        bytes.extend_from_slice(&self.inner.root);
        bytes.extend_from_slice(
            &u32::try_from(self.inner.num_vars.len())
                .unwrap_or(u32::MAX)
                .to_le_bytes(),
        );
        for n in &self.inner.num_vars {
            bytes.extend_from_slice(&n.to_le_bytes());
        }
        Keccak256Hash.hash_iter(bytes)
    }
}

/// The prover's side of a [`ReusableCommitment`]: the codeword, its encoding randomness and
/// salts, and how many openings are spent.
#[derive(Debug)]
pub struct ReusableCommittedData {
    pub(super) data: HidingCommittedData,
    pub(super) commitment: ReusableCommitment,
    opened: usize,
}

impl ReusableCommittedData {
    /// The public commitment.
    #[must_use]
    pub fn commitment(&self) -> &ReusableCommitment {
        &self.commitment
    }

    /// The openings the randomness covers.
    #[must_use]
    pub fn uses(&self) -> usize {
        self.commitment.uses()
    }

    /// The openings made (or declared made, [`ReusableCommittedData::set_opened`]).
    #[must_use]
    pub fn opened(&self) -> usize {
        self.opened
    }

    /// Declares `opened` openings already spent. For a caller that keeps the count outside this
    /// data, e.g. one that re-derives the commitment from a seed for each use: its next
    /// [`HidingPcs::open_reusable`] is use number `opened + 1`.
    ///
    /// # Errors
    /// [`PcsError::UsesExhausted`] if `opened` is past the budget.
    pub fn set_opened(&mut self, opened: usize) -> Result<(), PcsError> {
        if opened > self.uses() {
            return Err(PcsError::UsesExhausted { uses: self.uses() });
        }
        self.opened = opened;
        Ok(())
    }

    /// The columns' stacked polynomial's evaluations over the hypercube: what a caller reduces
    /// its claims on before one [`StackClaim`] (whose point has [`Self::stacked_vars`]
    /// coordinates). When the openings' randomness is in the committed message, a copy without
    /// it.
    pub fn stacked_values(&self) -> std::borrow::Cow<'_, [F]> {
        self.data.stack.columns_values(self.data.stacked_values())
    }

    /// The number of variables of the columns' stacked polynomial ([`Self::stacked_values`]).
    #[must_use]
    pub fn stacked_vars(&self) -> usize {
        self.data.stack.columns_vars(self.data.stacked_vars())
    }

    /// Each claim's point lifted to the columns' stack ([`Self::stacked_values`]).
    ///
    /// # Errors
    /// A claim on a missing column or with a point of the wrong length.
    pub fn lift(&self, claims: &[ColumnClaim]) -> Result<Vec<Vec<EF>>, PcsError> {
        self.data.lift(claims)
    }
}

impl HidingPcs {
    /// Commits to `columns` (as [`HidingPcs::commit`]) with encoding randomness for `uses`
    /// openings, and absorbs the commitment and `uses` into `transcript` exactly as
    /// [`HidingPcs::absorb_reusable_commitment`] does.
    ///
    /// The stack is enlarged, or the first oracle's rate lowered, until `uses` openings' worth
    /// of randomness fits at the security level; the cost is `uses · t` more coefficients per
    /// limb of the first oracle (`t` ≈ 100–130 queries) and, per opening, a code-switch mask of
    /// `uses · t` extension elements committed and revealed one-time padded (docs/ZK.md §6.1).
    ///
    /// # Errors
    /// As [`HidingPcs::commit`]; [`PcsError::ReuseBudget`] if no stack size and rate fit
    /// `uses` (naming the fix).
    pub fn commit_reusable(
        &self,
        columns: &[Vec<F>],
        uses: usize,
        transcript: &mut Transcript,
    ) -> Result<(ReusableCommitment, ReusableCommittedData), PcsError> {
        let num_vars = crate::prover::column_vars(columns)?;
        let uses_u32 = u32::try_from(uses).map_err(|_| PcsError::ReuseBudget {
            uses,
            reason: "too many openings".to_owned(),
        })?;
        let (inner, data) = self.commit_for(columns, &num_vars, Some(uses), transcript)?;
        let commitment = ReusableCommitment {
            inner,
            uses: uses_u32,
        };
        Ok((
            commitment.clone(),
            ReusableCommittedData {
                data,
                commitment,
                opened: 0,
            },
        ))
    }

    /// Opens a reusable commitment once more: as [`HidingPcs::open_with_stack`], with fresh
    /// randomness for everything but the first oracle, and counts the use.
    ///
    /// # Errors
    /// [`PcsError::UsesExhausted`] when every covered opening is spent (nothing is revealed);
    /// otherwise as [`HidingPcs::open_with_stack`] (a failed opening still counts: it may have
    /// revealed positions).
    pub fn open_reusable(
        &self,
        data: &mut ReusableCommittedData,
        claims: &[ColumnClaim],
        stack: &[StackClaim],
        transcript: &mut Transcript,
    ) -> Result<HidingOpeningProof, PcsError> {
        if data.opened >= data.uses() {
            return Err(PcsError::UsesExhausted { uses: data.uses() });
        }
        data.opened += 1;
        self.open_borrowed(&data.data, claims, stack, transcript)
    }

    /// The verifier's side of [`HidingPcs::commit_reusable`].
    ///
    /// # Errors
    /// As [`HidingPcs::absorb_commitment`]; [`PcsError::ReuseBudget`] for a budget no
    /// configuration fits.
    pub fn absorb_reusable_commitment(
        &self,
        commitment: &ReusableCommitment,
        transcript: &mut Transcript,
    ) -> Result<(), PcsError> {
        self.absorb_commitment_for(&commitment.inner, Some(commitment.uses()), transcript)
    }

    /// The verifier's side of [`HidingPcs::open_reusable`]: checks one opening (any of the
    /// covered ones; the verifier cannot count the prover's openings).
    ///
    /// # Errors
    /// As [`HidingPcs::verify_with_stack`].
    pub fn verify_reusable(
        &self,
        commitment: &ReusableCommitment,
        claims: &[ColumnClaim],
        stack_claims: &[StackClaim],
        proof: &HidingOpeningProof,
        transcript: &mut Transcript,
    ) -> Result<(), PcsError> {
        self.verify_for(
            &commitment.inner,
            Some(commitment.uses()),
            claims,
            stack_claims,
            proof,
            transcript,
        )
    }

    /// The verifier's side of [`ReusableCommittedData::lift`] (as [`HidingPcs::lift`]).
    ///
    /// # Errors
    /// A malformed commitment; a claim on a missing column or with a point of the wrong length.
    pub fn lift_reusable(
        &self,
        commitment: &ReusableCommitment,
        claims: &[ColumnClaim],
    ) -> Result<(usize, Vec<Vec<EF>>), PcsError> {
        self.lift_for(&commitment.inner, Some(commitment.uses()), claims)
    }

    /// The stacked polynomial a reusable commitment of `columns` for `uses` openings commits
    /// (what [`ReusableCommittedData::stacked_values`] holds), without encoding or hashing it:
    /// for a prover that reduces its claims before it re-derives the commitment. Without the
    /// openings' randomness when the commitment keeps it in extra variables; with it when the
    /// commitment keeps it in the stack's free tail (proof format 20: claims on the whole stack
    /// are then on the committed stack) — call this on an engine seeded as the commitment's
    /// ([`HidingPcs::from_seed`], unused so far), whose first draw is that randomness.
    ///
    /// # Errors
    /// As [`HidingPcs::commit_reusable`] on these columns.
    pub fn reusable_stacked_values(
        &self,
        columns: &[Vec<F>],
        uses: usize,
    ) -> Result<Vec<F>, PcsError> {
        let num_vars = crate::prover::column_vars(columns)?;
        let stack = super::stack::Stack::new(&num_vars, &self.config)?;
        let (vars, _, placed) = self.place(stack, Some(uses))?;
        if placed.spread.is_some_and(|s| s.interleaved) {
            let mut values = placed.fill(columns, vars);
            placed.fill_randomness(&mut values, &mut self.fresh_rng()?);
            return Ok(values);
        }
        // The columns' stack only, laid out without the spread: no randomness is drawn.
        Ok(placed
            .clone()
            .with_spread(None)
            .fill(columns, placed.columns_vars(vars)))
    }

    /// Where a reusable commitment of columns with these numbers of variables for `uses`
    /// openings keeps the openings' randomness (docs/ZK.md §6.1).
    ///
    /// # Errors
    /// As [`HidingPcs::commit_reusable`] on these shapes.
    pub fn reusable_placement(
        &self,
        num_vars: &[usize],
        uses: usize,
    ) -> Result<ReusePlacement, PcsError> {
        let (_, _, placed) = self.place_shapes(num_vars, uses)?;
        Ok(match placed.spread {
            None => ReusePlacement::Encoding,
            Some(s) if s.interleaved => ReusePlacement::FreeTail,
            Some(_) => ReusePlacement::ExtraVariables,
        })
    }

    /// How many elements a stack of `stack_vars` variables must leave unused for a commitment
    /// opened up to `uses` times to keep the openings' randomness in its free tail (proof
    /// format 20): `uses ·` the first round's queries in each first-fold limb, at this engine's
    /// rate; `None` if such a stack has no code-switching round (it never takes the tail). For
    /// a caller that packs columns into stacks (zkinfer-proof's weights groups).
    #[must_use]
    pub fn tail_room(&self, stack_vars: usize, uses: usize) -> Option<usize> {
        let (_, spread, queries) = self.tail_shape(stack_vars)?;
        let limbs = 1usize.checked_shl(u32::try_from(spread.limb_vars).ok()?)?;
        // One more element per limb: each limb's share of the columns is rounded up.
        uses.checked_mul(queries)?
            .checked_add(1)?
            .checked_mul(limbs)
    }

    /// The number of variables of the stack a reusable commitment of columns with these
    /// numbers of variables for `uses` openings commits, when it keeps the openings' randomness
    /// in extra variables (proof format 19: each opening works over that larger stack); `None`
    /// when it does not.
    ///
    /// # Errors
    /// As [`HidingPcs::commit_reusable`] on these shapes.
    pub fn reusable_extra_stack(
        &self,
        num_vars: &[usize],
        uses: usize,
    ) -> Result<Option<usize>, PcsError> {
        let (vars, _, placed) = self.place_shapes(num_vars, uses)?;
        Ok(placed.spread.filter(|s| s.extra_vars > 0).map(|_| vars))
    }

    /// Whether a reusable commitment of columns with these numbers of variables for `uses`
    /// openings keeps the openings' randomness in its message (docs/ZK.md §6.1) rather than in
    /// the first oracle's encoding randomness.
    ///
    /// # Errors
    /// As [`HidingPcs::commit_reusable`] on these shapes.
    pub fn reusable_in_message(&self, num_vars: &[usize], uses: usize) -> Result<bool, PcsError> {
        Ok(self.reusable_placement(num_vars, uses)? != ReusePlacement::Encoding)
    }

    /// The number of stack variables and the first oracle's `log₂(1/rate)` a reusable
    /// commitment of columns with these numbers of variables gets (for cost reports).
    ///
    /// # Errors
    /// As [`HidingPcs::commit_reusable`] on these shapes.
    pub fn reusable_shape(
        &self,
        num_vars: &[usize],
        uses: usize,
    ) -> Result<(usize, usize), PcsError> {
        let (vars, config, _) = self.place_shapes(num_vars, uses)?;
        Ok((vars, config.starting_log_inv_rate))
    }

    /// [`HidingPcs::place`] for a reusable commitment of columns with these numbers of
    /// variables, for the shape reports above.
    fn place_shapes(
        &self,
        num_vars: &[usize],
        uses: usize,
    ) -> Result<(usize, super::types::HidingConfig, super::stack::Stack), PcsError> {
        self.place(
            super::stack::Stack::new(num_vars, &self.config)?,
            Some(uses),
        )
    }
}

/// Where a reusable commitment keeps the randomness that hides its openings' rows
/// (docs/ZK.md §6.1), as [`HidingPcs::reusable_placement`] reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReusePlacement {
    /// In the first oracle's encoding randomness, `uses ·` the first round's queries per limb;
    /// each opening reveals its fold in a code-switch mask that long (proof format 18).
    Encoding,
    /// In extra variables of the committed stack (proof format 19).
    ExtraVariables,
    /// In the unused tail of the committed stack, its index rotated (proof format 20).
    FreeTail,
}

impl std::fmt::Display for ReusePlacement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Encoding => "the first oracle's encoding",
            Self::ExtraVariables => "extra variables of the stack",
            Self::FreeTail => "the stack's free tail",
        })
    }
}
