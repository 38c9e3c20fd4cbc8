use alloc::vec::Vec;
use alloc::{format, vec};
use core::fmt::Debug;
use core::ops::Deref;

use errors::VerifierError;
use p3_challenger::fs::TranscriptField;
use p3_challenger::{CanObserve, CanSampleUniformBits, FieldChallenger, GrindingChallenger};
use p3_commit::{ExtensionMmcs, Mmcs};
use p3_field::{ExtensionField, Field};
use p3_matrix::Dimensions;
use p3_multilinear_util::point::Point;
use p3_multilinear_util::poly::Poly;
use p3_sumcheck::constraints::statement::SelectStatement;
use p3_sumcheck::constraints::{Constraint, Statements};
use p3_sumcheck::layout::Verifier as LayoutVerifier;
use p3_sumcheck::strategy::{Basis, VariableOrder};
use p3_sumcheck::verify_final_sumcheck_rounds;
use tracing::instrument;

use super::committer::reader::ParsedCommitment;
use crate::alloc::string::ToString;
use crate::domain::{WhirDomain, WhirQueryPoint};
use crate::parameters::{RoundConfig, WhirConfig};
use crate::pcs::proof::{QueryOpenings, WhirProof};
use crate::transcript::{WhirShape, WhirVerifierTranscript};

pub mod errors;

/// Replays a WHIR opening proof against a public commitment and the
/// constraint built by the layout adapter.
///
/// # Borrowing
///
/// - Config and Merkle scheme are borrowed for the lifetime of the check.
/// - Nothing is cloned across `verify`.
/// - Construction only checks the config against the domain, so a fresh verifier per proof is cheap.
///
/// # Variable order
///
/// Tag declared by the prover at commit time. Selects which way folding
/// randomness is consumed in the final identity and STIR unfold:
///
/// ```text
///     Prefix:  fold(rs)         -> final eval, query unfold
///     Suffix:  fold(rs.rev())   -> same checks, reversed binding
/// ```
#[derive(Debug)]
pub struct WhirVerifier<'a, EF, F, Dft, MT, Challenger>
where
    F: Field,
    EF: ExtensionField<F>,
    MT: Mmcs<F>,
{
    /// Derived per-protocol parameters and per-round configuration.
    pub(crate) config: &'a WhirConfig<EF, F, Challenger>,
    /// Base-field Merkle commitment scheme used to authenticate STIR queries.
    pub(crate) mmcs: &'a MT,
    /// Domain implementation used to reconstruct queried evaluation points.
    pub(crate) domain: &'a Dft,
    /// Binding direction used to interpret folding randomness.
    pub(crate) variable_order: VariableOrder,
}

impl<'a, EF, F, Dft, MT, Challenger> WhirVerifier<'a, EF, F, Dft, MT, Challenger>
where
    F: Field + TranscriptField,
    EF: ExtensionField<F>,
    Dft: WhirDomain<F, EF>,
    MT: Mmcs<F>,
    Challenger: FieldChallenger<F> + GrindingChallenger<Witness = F> + CanSampleUniformBits<F>,
{
    /// Wraps the verifier-side dependencies into a single replay context.
    ///
    /// # Arguments
    ///
    /// - `config`         — derived per-protocol parameters and per-round configuration.
    /// - `domain`         — code and evaluation-point map used by every query.
    /// - `mmcs`           — base-field Merkle commitment scheme used to authenticate STIR queries.
    /// - `variable_order` — binding direction the prover declared at commit time.
    ///
    /// # Panics
    ///
    /// Panics when the configuration was derived for another domain.
    pub fn new(
        config: &'a WhirConfig<EF, F, Challenger>,
        domain: &'a Dft,
        mmcs: &'a MT,
        variable_order: VariableOrder,
    ) -> Self {
        // The verifier must reconstruct the same code and query schedule as the prover.
        assert_eq!(
            config.max_log_domain_size,
            domain.max_log_domain_size(),
            "WHIR configuration and domain have different capacities"
        );
        assert_eq!(
            config.domain_id,
            domain.protocol_id(),
            "WHIR configuration and domain have different protocol identities"
        );
        assert_eq!(
            config.stratified_queries,
            domain.stratified_queries(),
            "WHIR configuration and domain disagree on query stratification"
        );
        assert!(
            domain.supports_security_assumption(config.soundness_type),
            "WHIR configuration uses a soundness regime the domain rejects"
        );

        Self {
            config,
            domain,
            mmcs,
            variable_order,
        }
    }

    /// Verify a WHIR proof against a commitment and statement.
    ///
    /// # Arguments
    ///
    /// - `proof`: the opening proof to replay.
    /// - `challenger`: the sponge the whole proof shares, borrowed for this run.
    /// - `parsed_commitment`: the initial commitment the run opens.
    /// - `num_opening_claims`: opening claims the caller bound before this run.
    /// - `layout`: the layout the caller recorded those claims against.
    ///
    /// The batching challenge belongs to the claims the caller recorded.
    ///
    /// It does not belong to this run.
    ///
    /// It is drawn inside the initial delegation bracket, from the layout.
    ///
    /// The layout is taken rather than a closure over the sponge.
    ///
    /// A bracket checks nothing about the draws inside it.
    ///
    /// A closure could therefore draw nothing, or twice, and only fail as a
    /// well-formed proof that does not verify.
    ///
    /// Taking the layout makes one draw the only expressible shape.
    ///
    /// # Returns
    ///
    /// The folding randomness point on success.
    ///
    /// # Errors
    ///
    /// Any rejection the replay raises, transcript failures included.
    #[instrument(skip_all)]
    pub fn verify(
        &self,
        proof: &WhirProof<F, EF, MT>,
        challenger: &mut Challenger,
        parsed_commitment: &MT::Commitment,
        num_opening_claims: usize,
        layout: &LayoutVerifier<F, EF>,
    ) -> Result<Point<EF>, VerifierError>
    where
        Challenger: CanObserve<MT::Commitment>,
    {
        // Reject a proof that carries the wrong number of rounds before any
        // transcript work. The per-round commitment slot is checked further
        // down, where each round is parsed.
        let expected_rounds = self.n_rounds();
        if proof.rounds.len() != expected_rounds {
            return Err(VerifierError::RoundCountMismatch {
                expected: expected_rounds,
                actual: proof.rounds.len(),
            });
        }

        // A zero-difficulty site leaves its witness unread, so the value is pinned here
        // rather than by the grind.
        //
        // Why: `check_witness` returns `true` at zero bits without absorbing anything.
        //
        //     pow_bits = 0 -> prover emits zero, verifier reads nothing -> pin it here
        //     pow_bits > 0 -> prover grinds,     verifier resamples     -> the grind pins it
        //
        // Each round carries its own difficulty, so each is compared against its own.
        for (round, round_proof) in proof.rounds.iter().enumerate() {
            if self.round_parameters[round].pow_bits == 0 && round_proof.pow_witness != F::ZERO {
                return Err(VerifierError::NonCanonicalPowWitness { round });
            }
        }
        if self.final_round_config().pow_bits == 0 && proof.final_pow_witness != F::ZERO {
            return Err(VerifierError::NonCanonicalPowWitness {
                round: expected_rounds,
            });
        }

        // One driver spans the whole run, so the description is walked exactly once.
        let shape = WhirShape::new(self.config, num_opening_claims);
        let mut transcript = WhirVerifierTranscript::<Challenger, F, EF>::new(challenger, shape);

        // A rejection releases the driver's completeness check on its way out.
        // Dropping an unfinished driver otherwise panics on top of the error.
        match self.replay(proof, &mut transcript, parsed_commitment, layout) {
            Ok(randomness) => {
                transcript.finish();
                Ok(randomness)
            }
            Err(err) => {
                transcript.abort();
                Err(err)
            }
        }
    }

    /// Replay every described step against the proof.
    ///
    /// # Errors
    ///
    /// Any rejection a step raises, or any consistency check that fails.
    #[allow(clippy::too_many_lines)]
    fn replay(
        &self,
        proof: &WhirProof<F, EF, MT>,
        transcript: &mut WhirVerifierTranscript<'_, Challenger, F, EF>,
        parsed_commitment: &MT::Commitment,
        layout: &LayoutVerifier<F, EF>,
    ) -> Result<Point<EF>, VerifierError>
    where
        Challenger: CanObserve<MT::Commitment>,
    {
        let mut constraints = Vec::new();
        let mut round_folding_randomness = Vec::new();
        let mut prev_commitment = parsed_commitment.clone();

        // The delegate draws the claim-batching challenge, then replays its own rounds.
        //
        // The layout owns that draw, and the claims it batches are the caller's own.
        //
        // Both it and the rounds after it seed sub-transcripts inside this bracket.
        //
        // Initial sumcheck rounds == first-round folding factor.
        // `verify_rounds` rejects a proof that carries the wrong number of rounds.
        let (constraint, mut claimed_eval, folding_randomness) =
            transcript.delegate_initial_fold(|challenger| {
                let alpha = layout.batching_challenge(challenger);
                let constraint = layout.constraint(alpha);
                let mut claimed_eval = EF::ZERO;
                constraint.combine_evals(&mut claimed_eval);
                let randomness = proof.initial_sumcheck.verify_rounds(
                    challenger,
                    &mut claimed_eval,
                    self.round_folding_factor(0),
                    self.starting_folding_pow_bits,
                    Basis::Evaluation,
                );
                (constraint, claimed_eval, randomness)
            });
        constraints.push(constraint);
        round_folding_randomness.push(folding_randomness?);

        // Verify each intermediate round.
        for round_index in 0..self.n_rounds() {
            let round_params = &self.round_parameters[round_index];

            // Index is in bounds thanks to the length check at function entry,
            // so only a missing commitment slot can fail here.
            let new_commitment = ParsedCommitment::<_, MT::Commitment>::parse_with_round(
                proof,
                transcript,
                round_params.num_variables,
                round_params.ood_samples,
                round_index,
            )?;

            // Verify STIR in-domain challenges against the previous commitment.
            let current_folding_randomness = round_folding_randomness
                .last()
                .ok_or(VerifierError::MissingFoldingRandomness { round: round_index })?;
            let stir_statement = self.verify_stir_challenges(
                proof,
                transcript,
                round_params,
                &prev_commitment,
                current_folding_randomness,
                round_index,
            )?;

            // Rebuild the same batched constraint the prover formed for this round.
            //
            //     out-of-domain claims  ->  the equality group
            //     query openings        ->  the selection group
            //
            // The challenge drawn here weights the two groups by its successive powers.
            //
            // Both sides therefore combine the claims identically.
            //
            // The carried claim keeps the constant coefficient, so a fresh group
            // never shares a power with it.
            let constraint = Constraint::new_with_existing_claim(
                transcript.round_batching(),
                new_commitment.ood_statement.num_variables(),
                vec![
                    Statements::Eq(new_commitment.ood_statement.clone()),
                    Statements::Select(stir_statement),
                ],
            );
            constraint.combine_evals(&mut claimed_eval);
            constraints.push(constraint);

            // Intermediate-round sumcheck rounds == next-round folding factor.
            // `verify_rounds` rejects a wrong count instead of desyncing Fiat-Shamir.
            let folding_randomness = transcript.delegate_round_fold(|challenger| {
                proof.rounds[round_index].sumcheck.verify_rounds(
                    challenger,
                    &mut claimed_eval,
                    self.round_folding_factor(round_index + 1),
                    round_params.folding_pow_bits,
                    Basis::Evaluation,
                )
            })?;
            round_folding_randomness.push(folding_randomness);

            prev_commitment = new_commitment.root;
        }

        // Final round: receive the polynomial in the clear.
        //
        // The step records how many evaluations it accepts.
        // A proof carrying another count is rejected instead of desyncing.
        let final_evaluations = proof
            .final_poly
            .as_ref()
            .ok_or(VerifierError::MissingFinalPoly)?;
        let final_round_config = self.final_round_config();
        transcript.final_poly(final_evaluations.as_slice())?;

        // Verify final STIR challenges.
        let final_round_folding_randomness = round_folding_randomness.last().ok_or_else(|| {
            VerifierError::MissingFoldingRandomness {
                round: self.n_rounds(),
            }
        })?;
        let stir_statement = self.verify_stir_challenges(
            proof,
            transcript,
            &final_round_config,
            &prev_commitment,
            final_round_folding_randomness,
            self.n_rounds(),
        )?;

        stir_statement
            .verify(final_evaluations)
            .then_some(())
            .ok_or_else(|| VerifierError::StirChallengeFailed {
                challenge_id: 0,
                details: "STIR constraint verification failed on final polynomial".to_string(),
            })?;

        // A run with no closing rounds delegates nothing, so no bracket is played.
        let final_sumcheck_randomness = transcript
            .delegate_final_fold(|challenger| {
                verify_final_sumcheck_rounds(
                    proof.final_sumcheck.as_ref(),
                    challenger,
                    &mut claimed_eval,
                    self.final_sumcheck_rounds,
                    self.final_folding_pow_bits,
                    Basis::Evaluation,
                )
            })
            .transpose()?
            .unwrap_or_else(|| Point::new(Vec::new()));
        round_folding_randomness.push(final_sumcheck_randomness.clone());

        // Compute the full folding randomness across all rounds.
        let folding_randomness = Point::new(
            round_folding_randomness
                .into_iter()
                .flat_map(IntoIterator::into_iter)
                .collect(),
        );

        // Evaluate the constraint polynomial at the folding point.
        let evaluation_of_weights = self
            .variable_order
            .eval_constraints_poly(&constraints, &folding_randomness);

        // Final consistency check: claimed_eval == weight * f(r).
        let final_value = match self.variable_order {
            VariableOrder::Prefix => final_evaluations.eval_ext::<F>(&final_sumcheck_randomness),
            VariableOrder::Suffix => {
                final_evaluations.eval_ext::<F>(&final_sumcheck_randomness.reversed())
            }
        };
        if claimed_eval != evaluation_of_weights * final_value {
            return Err(VerifierError::SumcheckFailed {
                round: self.final_sumcheck_rounds,
                expected: (evaluation_of_weights * final_value).to_string(),
                actual: claimed_eval.to_string(),
            });
        }

        Ok(folding_randomness)
    }

    /// Verify STIR in-domain queries and produce associated constraints.
    ///
    /// Checks PoW witness, generates query indices, verifies Merkle proofs,
    /// and evaluates folded polynomials at the queried positions.
    fn verify_stir_challenges(
        &self,
        proof: &WhirProof<F, EF, MT>,
        transcript: &mut WhirVerifierTranscript<'_, Challenger, F, EF>,
        params: &RoundConfig,
        commitment: &MT::Commitment,
        folding_randomness: &Point<EF>,
        round_index: usize,
    ) -> Result<SelectStatement<F, EF>, VerifierError> {
        // Verify PoW witness before generating challenges.
        let pow_witness = if round_index < self.n_rounds() {
            proof
                .get_pow_after_commitment(round_index)
                .ok_or(VerifierError::InvalidRoundIndex { index: round_index })?
        } else {
            proof.final_pow_witness
        };
        transcript.query_pow(round_index, pow_witness)?;

        // Sample STIR query positions.
        let stir_challenges_indexes = transcript.query_indices(round_index);

        let dimensions = vec![Dimensions {
            height: params.domain_size >> params.folding_factor,
            width: 1 << params.folding_factor,
        }];
        let answers = self.verify_merkle_proof(
            proof,
            commitment,
            &stir_challenges_indexes,
            &dimensions,
            round_index,
        )?;
        let query_randomness = match self.variable_order {
            VariableOrder::Prefix => folding_randomness.clone(),
            VariableOrder::Suffix => folding_randomness.reversed(),
        };

        // Evaluate folded polynomial at each queried position.
        let folds: Vec<_> = answers
            .into_iter()
            .map(|answer| Poly::new(answer).eval_ext::<F>(&query_randomness))
            .collect();

        let mut statement = SelectStatement::initialize(params.num_variables);
        for (&index, evaluation) in stir_challenges_indexes.iter().zip(folds) {
            match self.domain.query_point(
                params.log_folded_domain_size,
                params.num_variables,
                index,
            ) {
                WhirQueryPoint::Univariate(var) => {
                    statement.add_constraint(var, evaluation);
                }
                WhirQueryPoint::Multilinear(point) => {
                    statement.add_point_constraint(point, evaluation);
                }
            }
        }
        Ok(statement)
    }

    /// Verify the Merkle multi-opening of one round at the given indices.
    ///
    /// Returns the opened rows lifted to the extension field.
    fn verify_merkle_proof(
        &self,
        proof: &WhirProof<F, EF, MT>,
        root: &MT::Commitment,
        indices: &[usize],
        dimensions: &[Dimensions],
        round_index: usize,
    ) -> Result<Vec<Vec<EF>>, VerifierError> {
        let openings = if round_index == self.n_rounds() {
            &proof.final_openings
        } else {
            // `verify` pins `proof.rounds.len() == n_rounds` at entry and only
            // ever calls this with `round_index < n_rounds`, so this is always in bounds.
            &proof
                .rounds
                .get(round_index)
                .expect("round_index is in bounds: verify() pins proof.rounds.len() == n_rounds")
                .openings
        };

        // Round 0 queries the base-field initial commitment.
        // Every later round queries a folded extension-field commitment.
        // A variant that disagrees with the round is malformed.
        match (openings, round_index == 0) {
            (QueryOpenings::Base(opening), true) => {
                if opening.rows.len() != indices.len() {
                    return Err(VerifierError::StirQueryCountMismatch {
                        round_index,
                        expected: indices.len(),
                        actual: opening.rows.len(),
                    });
                }
                opening
                    .verify(self.mmcs, root, dimensions, indices)
                    .map_err(|_| VerifierError::MerkleProofInvalid {
                        position: 0,
                        reason: "Base field Merkle multiproof verification failed".to_string(),
                    })?;
                Ok(opening
                    .rows
                    .iter()
                    .map(|row| row.iter().map(|&f| f.into()).collect())
                    .collect())
            }
            (QueryOpenings::Extension(opening), false) => {
                if opening.rows.len() != indices.len() {
                    return Err(VerifierError::StirQueryCountMismatch {
                        round_index,
                        expected: indices.len(),
                        actual: opening.rows.len(),
                    });
                }
                let extension_mmcs = ExtensionMmcs::new(self.mmcs);
                opening
                    .verify(&extension_mmcs, root, dimensions, indices)
                    .map_err(|_| VerifierError::MerkleProofInvalid {
                        position: 0,
                        reason: "Extension field Merkle multiproof verification failed".to_string(),
                    })?;
                Ok(opening.rows.clone())
            }
            _ => Err(VerifierError::MerkleProofInvalid {
                position: 0,
                reason: format!("Query openings field does not match round {round_index}"),
            }),
        }
    }
}

impl<EF, F, Dft, MT, Challenger> Deref for WhirVerifier<'_, EF, F, Dft, MT, Challenger>
where
    F: Field,
    EF: ExtensionField<F>,
    MT: Mmcs<F>,
{
    type Target = WhirConfig<EF, F, Challenger>;

    fn deref(&self) -> &Self::Target {
        self.config
    }
}
