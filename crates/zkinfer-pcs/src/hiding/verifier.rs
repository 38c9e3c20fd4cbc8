//! The verifier's side of the hiding commitment. Never panics on any input.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

use p3_commit::MultilinearPcs;
use zkinfer_field::{EF, Transcript};

use super::stack::Stack;
use super::{
    HidingCommitment, HidingOpeningProof, HidingPcs, StackClaim, check_level, check_opened,
    check_security,
};
use crate::verifier::run_p3_verifier;
use crate::{ColumnClaim, MAX_COLUMNS, PcsError};

impl HidingPcs {
    /// The verifier's side of [`HidingPcs::commit`]: checks the commitment's shape and absorbs
    /// it into `transcript` exactly as `commit` did.
    ///
    /// # Errors
    /// A commitment with no columns, too many, or columns too large for the parameters;
    /// parameters below [`super::MIN_SECURITY_BITS`].
    pub fn absorb_commitment(
        &self,
        commitment: &HidingCommitment,
        transcript: &mut Transcript,
    ) -> Result<(), PcsError> {
        self.absorb_commitment_for(commitment, None, transcript)
    }

    /// [`HidingPcs::absorb_commitment`] for one opening (`uses = None`) or `uses` openings.
    pub(super) fn absorb_commitment_for(
        &self,
        commitment: &HidingCommitment,
        uses: Option<usize>,
        transcript: &mut Transcript,
    ) -> Result<(), PcsError> {
        let (stacked_vars, config, stack) = self.place(self.stack_of(commitment)?, uses)?;
        self.absorb_shapes(&commitment.num_vars, stacked_vars, transcript);
        self.absorb_uses(uses, &config, stack.spread, transcript);
        self.instance(config)?
            .observe_commitment(&commitment.cap(), transcript);
        Ok(())
    }

    /// Checks that `proof` shows every claim true of the columns behind `commitment`.
    /// `transcript` must be in the state the prover's was in when it called
    /// [`HidingPcs::open`] (the commitment absorbed by [`HidingPcs::absorb_commitment`]).
    ///
    /// # Errors
    /// [`PcsError::SecurityTooLow`] for parameters below [`super::MIN_SECURITY_BITS`]; a typed
    /// [`PcsError`] for any malformed claim, commitment or proof; [`PcsError::Whir`] when the
    /// HVZK-WHIR opening does not verify.
    ///
    /// # Panics
    /// Never: p3-whir's verifier runs under `catch_unwind` as a last resort, and a panic in it
    /// becomes [`PcsError::VerifierPanicked`].
    pub fn verify(
        &self,
        commitment: &HidingCommitment,
        claims: &[ColumnClaim],
        proof: &HidingOpeningProof,
        transcript: &mut Transcript,
    ) -> Result<(), PcsError> {
        self.verify_with_stack(commitment, claims, &[], proof, transcript)
    }

    /// The verifier's side of [`HidingPcs::open_with_stack`].
    ///
    /// # Errors
    /// As [`HidingPcs::verify`]; a stack claim whose point is not of the stack's length.
    pub fn verify_with_stack(
        &self,
        commitment: &HidingCommitment,
        claims: &[ColumnClaim],
        stack_claims: &[StackClaim],
        proof: &HidingOpeningProof,
        transcript: &mut Transcript,
    ) -> Result<(), PcsError> {
        self.verify_for(commitment, None, claims, stack_claims, proof, transcript)
    }

    /// [`HidingPcs::verify_with_stack`] for one opening (`uses = None`) or `uses` openings.
    pub(super) fn verify_for(
        &self,
        commitment: &HidingCommitment,
        uses: Option<usize>,
        claims: &[ColumnClaim],
        stack_claims: &[StackClaim],
        proof: &HidingOpeningProof,
        transcript: &mut Transcript,
    ) -> Result<(), PcsError> {
        check_security(&self.config)?;
        let (stacked_vars, config, stack) = self.place(self.stack_of(commitment)?, uses)?;
        check_level(&config)?;
        let points = stack.lift(claims, stack_claims, stacked_vars)?;
        check_opened(
            points.len(),
            &proof.inner.evals,
            claims
                .iter()
                .map(|c| c.value)
                .chain(stack_claims.iter().map(|c| c.value)),
        )?;
        let whir = self.instance(config)?;
        self.absorb_claims(claims, stack_claims, transcript);
        let cap = commitment.cap();
        run_p3_verifier(|| whir.verify(&cap, &proof.inner, transcript, points))
    }

    /// The number of variables of the stacked polynomial behind `commitment`, and each column
    /// claim's point lifted to it (`c̃(p) = P(lift(p))`): the verifier's side of
    /// [`super::HidingCommittedData::lift`].
    ///
    /// # Errors
    /// A malformed commitment; a claim on a missing column or with a point of the wrong length.
    pub fn lift(
        &self,
        commitment: &HidingCommitment,
        claims: &[ColumnClaim],
    ) -> Result<(usize, Vec<Vec<EF>>), PcsError> {
        self.lift_for(commitment, None, claims)
    }

    /// [`HidingPcs::lift`] for one opening (`uses = None`) or `uses` openings.
    pub(super) fn lift_for(
        &self,
        commitment: &HidingCommitment,
        uses: Option<usize>,
        claims: &[ColumnClaim],
    ) -> Result<(usize, Vec<Vec<EF>>), PcsError> {
        let (stacked_vars, _, stack) = self.place(self.stack_of(commitment)?, uses)?;
        Ok((
            stack.columns_vars(stacked_vars),
            stack.lift_points(claims, stacked_vars)?,
        ))
    }

    pub(super) fn stack_of(&self, commitment: &HidingCommitment) -> Result<Stack, PcsError> {
        if commitment.num_vars.len() > MAX_COLUMNS {
            return Err(PcsError::TooManyColumns {
                max: MAX_COLUMNS,
                got: commitment.num_vars.len(),
            });
        }
        let num_vars: Vec<usize> = commitment.num_vars.iter().map(|&n| n as usize).collect();
        Stack::new(&num_vars, &self.config)
    }
}
