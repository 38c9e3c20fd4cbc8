//! The verifier's side of the mask pool: mirror the offsets, collect the mask claims, check
//! the discharge. Never panics on any proof.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

use zkinfer_field::{EF, Transcript};
use zkinfer_poly::evaluate;

use super::{Book, Layout, LinearClaim, MaskPoolProof, MaskSlot, PoolClaim, labels, pool_claims};
use crate::SumcheckError;
use crate::zk::{MaskClaim, verify_zk};

/// The verifier's mask pool. It absorbs nothing itself: the caller absorbs the pool's
/// commitment (with its hiding batch) where the prover committed, checks that the pool column
/// has [`MaskPoolVerifier::column_len`] entries, takes mask shapes in the prover's order, records
/// every [`crate::ZkSubClaim::mask`], and opens the claims [`MaskPoolVerifier::finish`] returns.
#[derive(Clone, Debug)]
pub struct MaskPoolVerifier {
    book: Book,
}

impl MaskPoolVerifier {
    /// The verifier of a pool of `size` entries.
    ///
    /// # Errors
    /// [`SumcheckError::BadPoolSize`] if `size` is not a usable size.
    pub fn new(size: usize) -> Result<Self, SumcheckError> {
        Ok(Self {
            book: Book::new(size)?,
        })
    }

    /// The length of the pool's one committed base-field column (`2K`).
    #[must_use]
    pub fn column_len(&self) -> usize {
        2 * self.book.layout.size
    }

    /// The slot of the next mask, of `num_vars` variables and degree `degree` (the prover's
    /// [`super::MaskPool::next_mask`] in the same order).
    ///
    /// # Errors
    /// As [`super::MaskPool::next_mask`].
    pub fn next_mask_shape(
        &mut self,
        num_vars: usize,
        degree: usize,
    ) -> Result<MaskSlot, SumcheckError> {
        self.book.take(num_vars, degree)
    }

    /// Slot `index`'s place.
    #[must_use]
    pub fn slot(&self, index: usize) -> Option<MaskSlot> {
        self.book.slot(index).ok().map(|(at, _)| at)
    }

    /// The slot of the next Libra mask with per-variable degrees (the prover's
    /// [`super::MaskPool::next_mask_per_var`] in the same order).
    ///
    /// # Errors
    /// As [`super::MaskPool::next_mask_per_var`].
    pub fn next_mask_shape_per_var(
        &mut self,
        degrees: &[usize],
    ) -> Result<MaskSlot, SumcheckError> {
        self.book.take_per_var(degrees)
    }

    /// The slot of the next claim mask (the prover's [`super::MaskPool::next_claim_mask`]).
    ///
    /// # Errors
    /// [`SumcheckError::PoolExhausted`].
    pub fn next_claim_mask(&mut self) -> Result<MaskSlot, SumcheckError> {
        self.book.take_claim_mask()
    }

    /// The claim of a value the prover sent masked without a sumcheck (the twin of
    /// [`super::MaskPool::mask_value`]): takes the next claim mask and returns
    /// `T(point) + Σ_w R̂(w) = sent`.
    ///
    /// # Errors
    /// [`SumcheckError::PoolExhausted`].
    pub fn masked_value(
        &mut self,
        point: Vec<EF>,
        sent: EF,
    ) -> Result<crate::zk::MaskedClaim, SumcheckError> {
        let slot = self.next_claim_mask()?.index;
        Ok(crate::zk::MaskedClaim {
            point,
            value: sent,
            masks: vec![crate::zk::ClaimMask {
                slot,
                coeff: zkinfer_field::PrimeCharacteristicRing::ONE,
            }],
        })
    }

    /// Checks that `slot` is a claim mask.
    ///
    /// # Errors
    /// [`SumcheckError::BadMaskSlot`] otherwise.
    pub fn check_claim_mask(&self, slot: usize) -> Result<(), SumcheckError> {
        self.book.claim_mask(slot).map(|_| ())
    }

    /// Records a linear claim on the pool (checked by [`MaskPoolVerifier::finish`]).
    ///
    /// # Errors
    /// [`SumcheckError::BadMaskSlot`] for an unknown slot, [`SumcheckError::WrongEvalCount`] for
    /// weights that do not fit their slot.
    pub fn record_linear(&mut self, claim: LinearClaim) -> Result<(), SumcheckError> {
        self.book.record_linear(claim)
    }

    /// Records slot `slot`'s mask claim (the `mask` of [`crate::verify_zk`]'s output).
    ///
    /// # Errors
    /// [`SumcheckError::BadMaskSlot`] for an unknown or already recorded slot,
    /// [`SumcheckError::WrongPointLength`] for a point of the wrong length.
    pub fn record(&mut self, slot: usize, claim: MaskClaim) -> Result<(), SumcheckError> {
        self.book.record(slot, claim).map(|_| ())
    }

    /// Checks the discharge proof; returns the claims on the pool's column that the caller must
    /// add to its hiding opening.
    ///
    /// # Errors
    /// [`SumcheckError::BadMaskSlot`] if a slot's claim was never recorded, a sumcheck error of
    /// either level, [`SumcheckError::FinalEvalMismatch`] if a level's final check fails,
    /// [`SumcheckError::DegenerateChallenge`] (probability `O(1/|EF|)`).
    pub fn finish(
        self,
        transcript: &mut Transcript,
        proof: &MaskPoolProof,
    ) -> Result<Vec<PoolClaim>, SumcheckError> {
        let layout: Layout = self.book.layout;
        let (weights, sum) = self.book.combine(transcript)?;
        let level1 = verify_zk(layout.vars, 2, sum, &proof.reduce, transcript)?;
        transcript.absorb_ext(labels::POOL_EVAL, proof.pool_eval);
        let z = level1.sub.point;
        check(proof.pool_eval * evaluate(&weights, &z), level1.sub.value)?;
        let inner_weights = layout.inner_weights(&z);
        let level2 = verify_zk(
            layout.inner_vars,
            2,
            level1.mask.value,
            &proof.inner,
            transcript,
        )?;
        transcript.absorb_ext(labels::INNER_EVAL, proof.inner_eval);
        let s = level2.sub.point;
        check(
            proof.inner_eval * evaluate(&inner_weights, &s),
            level2.sub.value,
        )?;
        pool_claims(
            &layout,
            &z,
            proof.pool_eval,
            &s,
            proof.inner_eval,
            level2.mask.value,
        )
    }
}

fn check(got: EF, expected: EF) -> Result<(), SumcheckError> {
    if got == expected {
        Ok(())
    } else {
        Err(SumcheckError::FinalEvalMismatch { expected, got })
    }
}
