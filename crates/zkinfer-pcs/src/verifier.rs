//! The verifier's side: absorb a commitment, check an opening. Never panics on any input.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

use p3_sumcheck::PrescribedPointPcs;
use zkinfer_field::Transcript;

use crate::layout::Plan;
use crate::{ColumnClaim, Commitment, OpeningProof, Pcs, PcsError};

impl Pcs {
    /// The verifier's side of [`Pcs::commit`]: checks the commitment's shape and absorbs it into
    /// `transcript` exactly as `commit` did.
    ///
    /// # Errors
    /// A commitment with no columns, too many, or columns too large for the parameters.
    pub fn absorb_commitment(
        &self,
        commitment: &Commitment,
        transcript: &mut Transcript,
    ) -> Result<(), PcsError> {
        let plan = self.plan_of(commitment)?;
        self.whir(plan.stacked_vars)?;
        self.absorb_shapes(&commitment.num_vars, transcript);
        p3_sumcheck::layout::observe_commitment::<zkinfer_field::F, _, _>(
            transcript,
            commitment.cap(),
        );
        Ok(())
    }

    /// Checks that `proof` shows every claim true of the polynomials behind `commitment`.
    /// `transcript` must be in the state the prover's was in when it called [`Pcs::open`] (in
    /// particular the commitment absorbed by [`Pcs::absorb_commitment`]).
    ///
    /// # Errors
    /// A typed [`PcsError`] for any malformed claim, commitment or proof, and
    /// [`PcsError::Whir`] when the WHIR opening does not verify.
    ///
    /// # Panics
    /// Never. p3-whir's verifier is called under `catch_unwind` as a last resort (it validates
    /// the proof's shape itself, and the shapes we can check are checked first); a panic in it
    /// becomes [`PcsError::VerifierPanicked`].
    pub fn verify(
        &self,
        commitment: &Commitment,
        claims: &[ColumnClaim],
        proof: &OpeningProof,
        transcript: &mut Transcript,
    ) -> Result<(), PcsError> {
        let plan = self.plan_of(commitment)?;
        let schedule = plan.schedule(claims)?;
        let evals = &proof.inner.evals;
        if evals.len() != claims.len() {
            return Err(PcsError::ProofShape {
                what: "opened values",
                expected: claims.len(),
                got: evals.len(),
            });
        }
        for (batch, &i) in evals.iter().zip(&schedule.order) {
            if batch.current().len() != 1 || !batch.next().is_empty() {
                return Err(PcsError::ProofShape {
                    what: "values per opening batch",
                    expected: 1,
                    got: batch.len(),
                });
            }
            let claim = claims.get(i).ok_or(PcsError::NoClaims)?;
            let expected = batch.current().first().copied().ok_or(PcsError::NoClaims)?;
            if expected != claim.value {
                return Err(PcsError::ValueMismatch {
                    claim: i,
                    expected,
                    got: claim.value,
                });
            }
        }
        let whir = self.whir(plan.stacked_vars)?;
        self.absorb_claims(claims, transcript);
        let cap = commitment.cap();
        run_p3_verifier(|| {
            whir.verify_at(
                &cap,
                &proof.inner,
                &schedule.protocol,
                &schedule.points,
                transcript,
            )
            .map(|_| ())
        })
    }

    fn plan_of(&self, commitment: &Commitment) -> Result<Plan, PcsError> {
        if commitment.num_vars.len() > crate::MAX_COLUMNS {
            return Err(PcsError::TooManyColumns {
                max: crate::MAX_COLUMNS,
                got: commitment.num_vars.len(),
            });
        }
        let num_vars: Vec<usize> = commitment.num_vars.iter().map(|&n| n as usize).collect();
        Plan::new(&num_vars, &self.config)
    }
}

/// Runs p3-whir's verifier as a last resort under `catch_unwind`: its error becomes
/// [`PcsError::Whir`], a panic [`PcsError::VerifierPanicked`] with its message.
pub(crate) fn run_p3_verifier<E: std::fmt::Display>(
    verify: impl FnOnce() -> Result<(), E>,
) -> Result<(), PcsError> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(verify)) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(PcsError::Whir {
            reason: e.to_string(),
        }),
        Err(payload) => {
            let reason = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(PcsError::VerifierPanicked { reason })
        }
    }
}
