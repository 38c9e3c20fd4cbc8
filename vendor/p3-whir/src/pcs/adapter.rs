//! Adapter implementing the multilinear PCS trait for the WHIR protocol.

use alloc::vec::Vec;
use core::marker::PhantomData;

use p3_challenger::fs::TranscriptField;
use p3_challenger::{CanObserve, CanSampleUniformBits, FieldChallenger, GrindingChallenger};
use p3_commit::{Mmcs, MultilinearPcs};
use p3_field::{ExtensionField, Field};
use p3_matrix::dense::DenseMatrix;
use p3_multilinear_util::point::Point;
use p3_sumcheck::layout::{Layout, Table, Verifier, Witness, observe_commitment};
use p3_sumcheck::{OpeningEvals, OpeningProtocol, PrescribedPointPcs};

use super::prover::WhirProver;
use super::verifier::WhirVerifier;
use super::verifier::errors::VerifierError;
use crate::WhirConfigError;
use crate::domain::WhirDomain;
use crate::pcs::proof::PcsProof;

/// Prover-side handoff between the commit and open phases of the PCS.
///
/// # Lifecycle
///
/// - Built by the commit phase alongside the public commitment.
/// - Stored by the caller while the public transcript advances.
/// - Consumed by one opening call.
///
/// A commitment reused across proofs stores this data once.
/// Each opening then receives a clone instead of a freshly committed copy.
/// Cloning copies only the committed data.
/// It skips the codeword re-encode and the Merkle rebuild.
#[derive(Clone)]
pub struct WhirProverData<F, EF, MT, L>
where
    F: Field,
    EF: ExtensionField<F>,
    MT: Mmcs<F>,
    L: Layout<F, EF>,
{
    /// Layout-mode prover holding the per-table opening claims accumulator.
    pub layout: L,
    /// Merkle prover data behind the initial commitment; reused to open STIR queries.
    pub merkle_data: MT::ProverData<DenseMatrix<F>>,
    /// Marker tying the data to its extension field; carries no runtime state.
    _marker: PhantomData<EF>,
}

impl<F, EF, MT, L> WhirProverData<F, EF, MT, L>
where
    F: Field,
    EF: ExtensionField<F>,
    MT: Mmcs<F>,
    L: Layout<F, EF>,
{
    /// Returns source table `id` retained by the committed layout.
    pub fn table(&self, id: usize) -> &Table<F> {
        self.layout.table(id)
    }
}

impl<EF, F, Dft, MT, Challenger, L> MultilinearPcs<EF, Challenger>
    for WhirProver<EF, F, Dft, MT, Challenger, L>
where
    F: Field + TranscriptField + Ord,
    EF: ExtensionField<F>,
    Dft: WhirDomain<F, EF>,
    MT: Mmcs<F>,
    Challenger: FieldChallenger<F>
        + GrindingChallenger<Witness = F>
        + CanSampleUniformBits<F>
        + CanObserve<MT::Commitment>,
    L: Layout<F, EF>,
{
    type Commitment = MT::Commitment;
    type Val = F;
    type ProverData = WhirProverData<F, EF, MT, L>;
    type Proof = PcsProof<F, EF, MT>;
    type Error = VerifierError;
    type ProverError = WhirConfigError;
    type Witness = Witness<F>;
    type OpeningProtocol = OpeningProtocol;

    fn num_vars(&self) -> usize {
        self.config.num_variables
    }

    fn commit(
        &self,
        witness: Self::Witness,
        challenger: &mut Challenger,
    ) -> Result<(Self::Commitment, Self::ProverData), Self::ProverError> {
        assert_eq!(witness.num_variables(), self.config.num_variables);
        let (layout, commitment, merkle_data) = L::commit(
            &self.dft,
            &self.mmcs,
            witness,
            self.config.round_folding_factor(0),
            self.config.starting_log_inv_rate,
        );

        // The verifier binds the same root, through the same call.
        //
        // It does so before replaying anything else.
        self.observe_commitment(&commitment, challenger);
        Ok((
            commitment,
            WhirProverData {
                layout,
                merkle_data,
                _marker: PhantomData,
            },
        ))
    }

    fn observe_commitment(&self, commitment: &Self::Commitment, challenger: &mut Challenger) {
        observe_commitment::<F, _, _>(challenger, commitment.clone());
    }

    fn open(
        &self,
        mut prover_data: Self::ProverData,
        protocol: Self::OpeningProtocol,
        challenger: &mut Challenger,
    ) -> Result<Self::Proof, Self::ProverError> {
        self.config.validate_initial_claims(
            protocol
                .checked_num_claims()
                .and_then(|n| n.checked_add(self.commitment_ood_samples))
                .ok_or(WhirConfigError::InitialClaimCountOverflow)?,
        )?;
        let initial_ood_answers = tracing::info_span!("ood claims").in_scope(|| {
            (0..self.commitment_ood_samples)
                .map(|_| prover_data.layout.add_virtual_eval(challenger))
                .collect::<Vec<_>>()
        });

        let evals = protocol
            .iter_openings()
            .map(|(table_idx, batch)| prover_data.layout.eval(table_idx, batch, challenger))
            .collect::<Vec<_>>();

        // The claims are bound and the WHIR run starts here.
        // Its driver therefore seeds here, ahead of the run's first challenge.
        let whir = self.prove(
            initial_ood_answers,
            challenger,
            prover_data.layout,
            prover_data.merkle_data,
            protocol.num_openings(),
        )?;

        Ok(PcsProof { whir, evals })
    }

    fn verify(
        &self,
        commitment: &Self::Commitment,
        proof: &Self::Proof,
        challenger: &mut Challenger,
        protocol: Self::OpeningProtocol,
    ) -> Result<(), Self::Error> {
        self.observe_commitment(commitment, challenger);

        let mut layout_verifier = Verifier::<F, EF>::new(&protocol.table_shapes(), L::strategy());

        // The commitment fixes how many initial OOD answers exist.
        // Each one drives a transcript draw, so a wrong count desyncs Fiat-Shamir.
        // Reject it up front, matching the per-round OOD guard.
        if proof.whir.initial_ood_answers.len() != self.commitment_ood_samples {
            return Err(VerifierError::InitialOodAnswerCountMismatch {
                expected: self.commitment_ood_samples,
                actual: proof.whir.initial_ood_answers.len(),
            });
        }
        for &eval in &proof.whir.initial_ood_answers {
            layout_verifier.add_virtual_eval(eval, challenger);
        }
        if protocol.num_openings() != proof.evals.len() {
            return Err(VerifierError::OpeningBatchCountMismatch {
                expected: protocol.num_openings(),
                actual: proof.evals.len(),
            });
        }
        for ((table_idx, batch), evals) in protocol.iter_openings().zip(&proof.evals) {
            // The supplied evaluations must match the schedule entry on both counts:
            // the current-point list and the repeat-last successor list.
            if !batch.has_same_shape(evals) {
                return Err(VerifierError::OpeningBatchSizeMismatch {
                    table_idx,
                    expected: batch.len(),
                    actual: evals.len(),
                });
            }
            // The shape was pre-checked above, so this never errors in practice.
            // The inner check is defense in depth.
            // Its error maps into a verifier error if ever reached.
            layout_verifier.add_claim(table_idx, batch, evals, challenger)?;
        }

        // The claims are bound and the WHIR run starts here.
        // Its driver therefore seeds here, ahead of the run's first challenge.
        //
        // The batching challenge is drawn inside the run's first bracket.
        // The layout therefore hands over a builder, not a finished constraint.
        //
        // The claim budget is a configuration check, so it runs before the run starts.
        self.config.validate_initial_claims(
            protocol
                .iter_openings()
                .map(|(_, batch)| batch.len())
                .sum::<usize>()
                .saturating_add(self.commitment_ood_samples),
        )?;
        let verifier = WhirVerifier::new(&self.config, &self.dft, &self.mmcs, L::variable_order());
        // The run closes its own terminal check, so its folding point is informational.
        let _ = verifier.verify(
            &proof.whir,
            challenger,
            commitment,
            protocol.num_openings(),
            &layout_verifier,
        )?;

        Ok(())
    }
}

impl<EF, F, Dft, MT, Challenger, L> PrescribedPointPcs<EF, Challenger>
    for WhirProver<EF, F, Dft, MT, Challenger, L>
where
    F: Field + TranscriptField + Ord,
    EF: ExtensionField<F>,
    Dft: WhirDomain<F, EF>,
    MT: Mmcs<F>,
    Challenger: FieldChallenger<F>
        + GrindingChallenger<Witness = F>
        + CanSampleUniformBits<F>
        + CanObserve<MT::Commitment>,
    L: Layout<F, EF>,
{
    fn prescribed_security(
        &self,
        protocol: &OpeningProtocol,
    ) -> Option<p3_sumcheck::PrescribedOpeningSecurity> {
        super::security::prescribed_security(&self.config, protocol)
    }

    /// Open each batch at its supplied point.
    ///
    /// The out-of-domain commitment samples are still drawn from the transcript.
    /// Those samples belong to the WHIR proximity argument.
    /// They do not belong to the prescribed openings.
    fn open_at(
        &self,
        prover_data: Self::ProverData,
        protocol: &OpeningProtocol,
        points: &[Point<EF>],
        challenger: &mut Challenger,
    ) -> Result<Self::Proof, Self::ProverError> {
        self.config.validate_initial_claims(
            protocol
                .checked_num_claims()
                .and_then(|n| n.checked_add(self.commitment_ood_samples))
                .ok_or(WhirConfigError::InitialClaimCountOverflow)?,
        )?;
        // One prescribed point per opening batch.
        assert_eq!(protocol.num_openings(), points.len());

        let mut prover_data = prover_data;
        let initial_ood_answers = (0..self.commitment_ood_samples)
            .map(|_| prover_data.layout.add_virtual_eval(challenger))
            .collect::<Vec<_>>();

        // Record each batch at its prescribed point rather than a sampled one.
        let evals = protocol
            .iter_openings()
            .zip(points)
            .map(|((table_idx, batch), point)| {
                prover_data
                    .layout
                    .eval_at(table_idx, batch, point, challenger)
            })
            .collect::<Vec<_>>();

        // The claims are bound and the WHIR run starts here.
        // Its driver therefore seeds here, ahead of the run's first challenge.
        let whir = self.prove(
            initial_ood_answers,
            challenger,
            prover_data.layout,
            prover_data.merkle_data,
            protocol.num_openings(),
        )?;

        Ok(PcsProof { whir, evals })
    }

    /// Verify each batch at its supplied point.
    ///
    /// The commitment is not bound here.
    ///
    /// The caller binds it once, through the layout's commitment phase.
    ///
    /// That happens before the caller draws any challenge of its own.
    fn verify_at(
        &self,
        commitment: &Self::Commitment,
        proof: &Self::Proof,
        protocol: &OpeningProtocol,
        points: &[Point<EF>],
        challenger: &mut Challenger,
    ) -> Result<Vec<OpeningEvals<EF>>, Self::Error> {
        // One prescribed point per opening batch.
        assert_eq!(protocol.num_openings(), points.len());

        let mut layout_verifier = Verifier::<F, EF>::new(&protocol.table_shapes(), L::strategy());

        // The commitment fixes how many initial OOD answers exist.
        // A wrong count desyncs Fiat-Shamir.
        if proof.whir.initial_ood_answers.len() != self.commitment_ood_samples {
            return Err(VerifierError::InitialOodAnswerCountMismatch {
                expected: self.commitment_ood_samples,
                actual: proof.whir.initial_ood_answers.len(),
            });
        }
        for &eval in &proof.whir.initial_ood_answers {
            layout_verifier.add_virtual_eval(eval, challenger);
        }
        if protocol.num_openings() != proof.evals.len() {
            return Err(VerifierError::OpeningBatchCountMismatch {
                expected: protocol.num_openings(),
                actual: proof.evals.len(),
            });
        }
        for (((table_idx, batch), evals), point) in
            protocol.iter_openings().zip(&proof.evals).zip(points)
        {
            // The supplied evaluations must match the schedule entry on both list lengths.
            if !batch.has_same_shape(evals) {
                return Err(VerifierError::OpeningBatchSizeMismatch {
                    table_idx,
                    expected: batch.len(),
                    actual: evals.len(),
                });
            }
            layout_verifier.add_claim_at(table_idx, batch, point, evals, challenger)?;
        }

        // The claims are bound and the WHIR run starts here.
        // Its driver therefore seeds here, ahead of the run's first challenge.
        //
        // The claim budget is a configuration check, so it runs before the run starts.
        self.config.validate_initial_claims(
            protocol
                .iter_openings()
                .map(|(_, batch)| batch.len())
                .sum::<usize>()
                .saturating_add(self.commitment_ood_samples),
        )?;
        let verifier = WhirVerifier::new(&self.config, &self.dft, &self.mmcs, L::variable_order());
        // The run closes its own terminal check, so its folding point is informational.
        let _ = verifier.verify(
            &proof.whir,
            challenger,
            commitment,
            protocol.num_openings(),
            &layout_verifier,
        )?;

        // The opening verified.
        // Hand back the values bound to the commitment.
        Ok(proof.evals.clone())
    }
}
