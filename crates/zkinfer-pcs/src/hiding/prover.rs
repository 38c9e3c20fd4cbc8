//! Commit and open, hiding.

use p3_commit::MultilinearPcs;
use p3_multilinear_util::poly::Poly;
use zkinfer_field::{F, Transcript};

use super::stack::Stack;
use super::{HidingCommitment, HidingCommittedData, HidingOpeningProof, HidingPcs, StackClaim};
use crate::{ColumnClaim, PcsError};

impl HidingPcs {
    /// Commits to `columns` (each of power-of-two length, 1 to
    /// 2^[`HidingPcs::max_column_vars`] elements) in one hiding commitment, and absorbs it into
    /// `transcript` exactly as [`HidingPcs::absorb_commitment`] does. Randomized: the same
    /// columns give a different root every time.
    ///
    /// # Errors
    /// [`PcsError::NoColumns`], [`PcsError::TooManyColumns`], [`PcsError::ColumnNotPowerOfTwo`],
    /// [`PcsError::ColumnTooLarge`], [`PcsError::Config`] if the parameters do not fit,
    /// [`PcsError::Entropy`] if the OS gives no randomness.
    pub fn commit(
        &self,
        columns: &[Vec<F>],
        transcript: &mut Transcript,
    ) -> Result<(HidingCommitment, HidingCommittedData), PcsError> {
        let num_vars = crate::prover::column_vars(columns)?;
        self.commit_for(columns, &num_vars, None, transcript)
    }

    /// [`HidingPcs::commit`] after the shapes are checked, for one opening (`uses = None`) or
    /// up to `uses` openings ([`HidingPcs::commit_reusable`]).
    pub(super) fn commit_for(
        &self,
        columns: &[Vec<F>],
        num_vars: &[usize],
        uses: Option<usize>,
        transcript: &mut Transcript,
    ) -> Result<(HidingCommitment, HidingCommittedData), PcsError> {
        let (stacked_vars, config, stack) =
            self.place(Stack::new(num_vars, &self.config)?, uses)?;
        let mut values = stack.fill(columns, stacked_vars);
        // A spread's randomness is drawn first, then the instance's salts and masks; without
        // one nothing more is drawn than before (a seeded one-use commitment is unchanged).
        if stack.spread.is_some() {
            stack.fill_randomness(&mut values, &mut self.fresh_rng()?);
        }
        let poly = Poly::new(values);
        let whir = self.instance(config.clone())?;
        let num_vars_u32: Vec<u32> = num_vars.iter().map(|&n| n as u32).collect();
        self.absorb_shapes(&num_vars_u32, stacked_vars, transcript);
        self.absorb_uses(uses, &config, stack.spread, transcript);
        let (cap, data) = whir
            .commit(poly, transcript)
            .map_err(|e| PcsError::Config {
                num_vars: stacked_vars,
                reason: e.to_string(),
            })?;
        let got = cap.roots().len();
        let root = *cap
            .roots()
            .first()
            .filter(|_| got == 1)
            .ok_or(PcsError::CommitmentShape {
                what: "Merkle cap",
                expected: 1,
                got,
            })?;
        let commitment = HidingCommitment {
            root,
            num_vars: num_vars_u32,
        };
        Ok((
            commitment.clone(),
            HidingCommittedData {
                commitment,
                stack,
                stacked_vars,
                claim_vars: stacked_vars,
                config,
                whir: data,
            },
        ))
    }

    /// Opens all `claims` with one zero-knowledge proof, consuming the prover data: a hiding
    /// commitment is opened once (a second opening would reveal more codeword positions than
    /// its randomness covers). Put every claim on the commitment into this one call.
    ///
    /// # Errors
    /// A claim on a missing column, with a point of the wrong length, or whose value is not the
    /// committed polynomial's ([`PcsError::ValueMismatch`]); [`PcsError::Config`] on
    /// parameters (e.g. too many claims for the security level); [`PcsError::Entropy`].
    pub fn open(
        &self,
        data: HidingCommittedData,
        claims: &[ColumnClaim],
        transcript: &mut Transcript,
    ) -> Result<HidingOpeningProof, PcsError> {
        self.open_with_stack(data, claims, &[], transcript)
    }

    /// [`HidingPcs::open`] with claims on the stacked polynomial itself besides the column
    /// claims ([`StackClaim`]; their values follow the column claims' in the proof).
    ///
    /// # Errors
    /// As [`HidingPcs::open`]; a stack claim whose point is not of the stack's length.
    #[allow(
        clippy::needless_pass_by_value,
        reason = "consuming the data is the contract: a one-use hiding commitment opens once"
    )]
    pub fn open_with_stack(
        &self,
        data: HidingCommittedData,
        claims: &[ColumnClaim],
        stack: &[StackClaim],
        transcript: &mut Transcript,
    ) -> Result<HidingOpeningProof, PcsError> {
        self.open_borrowed(&data, claims, stack, transcript)
    }

    /// [`HidingPcs::open_with_stack`] without consuming the data: the caller must not open a
    /// commitment more often than its randomness covers (once for [`HidingPcs::commit`], the
    /// counted `uses` for [`HidingPcs::commit_reusable`]).
    pub(super) fn open_borrowed(
        &self,
        data: &HidingCommittedData,
        claims: &[ColumnClaim],
        stack: &[StackClaim],
        transcript: &mut Transcript,
    ) -> Result<HidingOpeningProof, PcsError> {
        self.open_parts(
            &data.commitment,
            &data.stack,
            data.stacked_vars,
            &data.config,
            &data.whir,
            claims,
            stack,
            transcript,
        )
    }

    /// [`HidingPcs::open_borrowed`] on the data's parts (committed just now, or stored:
    /// [`HidingPcs::open_stored`]).
    #[allow(
        clippy::too_many_arguments,
        reason = "the parts of a HidingCommittedData, which a stored commitment holds apart"
    )]
    pub(super) fn open_parts(
        &self,
        commitment: &HidingCommitment,
        layout: &Stack,
        stacked_vars: usize,
        config: &super::types::HidingConfig,
        data: &p3_whir::HidingWhirProverData<F, zkinfer_field::EF, super::SaltedKeccakMmcs>,
        claims: &[ColumnClaim],
        stack: &[StackClaim],
        transcript: &mut Transcript,
    ) -> Result<HidingOpeningProof, PcsError> {
        let points = layout.lift(claims, stack, stacked_vars)?;
        let whir = self.instance(config.clone())?;
        self.absorb_claims(claims, stack, transcript);
        // p3's verifier re-absorbs the commitment before the claims; so does the prover.
        whir.observe_commitment(&commitment.cap(), transcript);
        let inner = whir
            .open_borrowed(data, points, transcript)
            .map_err(|e| PcsError::Config {
                num_vars: stacked_vars,
                reason: e.to_string(),
            })?;
        super::check_values(
            &inner.evals,
            claims
                .iter()
                .map(|c| c.value)
                .chain(stack.iter().map(|c| c.value)),
        )?;
        Ok(HidingOpeningProof { inner })
    }
}
