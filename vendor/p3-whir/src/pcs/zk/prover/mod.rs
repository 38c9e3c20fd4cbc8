//! HVZK-WHIR prover (Construction 8.2 / Theorem 10.2 of eprint 2026/391).
//!
//! ```text
//!     masked sumcheck batches -> code-switching rounds -> masked base case
//! ```

mod data;
mod masks;

use alloc::vec::Vec;
use core::marker::PhantomData;
use core::mem;

pub use data::HidingWhirProverData;
use data::ZkRoundData;
use masks::{PresampledMasks, ProverMasks, SharedMaskMmcs, fold_limb_chunks};
use p3_challenger::{CanObserve, CanSampleUniformBits, FieldChallenger, GrindingChallenger};
use p3_commit::{ExtensionMmcs, Mmcs};
use p3_dft::TwoAdicSubgroupDft;
use p3_field::{
    ExtensionField, PackedValue, PrimeCharacteristicRing, PrimeField64, TwoAdicField, dot_product,
};
use p3_matrix::Matrix;
use p3_maybe_rayon::prelude::*;
use p3_multilinear_util::point::Point;
use p3_multilinear_util::poly::Poly;
use p3_multilinear_util::split_eq::SplitEq;
use p3_sumcheck::constraints::statement::SelectStatement;
use p3_sumcheck::product_polynomial::ProductPolynomial;
use p3_sumcheck::strategy::{SumcheckProver, VariableOrder};
use p3_sumcheck::zk::ZkSumcheckData;
use p3_util::log2_strict_usize;
use p3_matrix::dense::RowMajorMatrix;
use p3_zk_codes::{ZkEncoding, ZkEncodingWithRandomness};
use rand::distr::{Distribution, StandardUniform};
use rand::{CryptoRng, RngExt};
use tracing::instrument;

use crate::WhirConfigError;
use crate::pcs::proof::{QueryOpenings, SharedProofOpening};
use crate::pcs::zk::base_case::{BaseCaseZkProver, MaskGroupWitness, MaskProverData};
use crate::pcs::zk::code_switch::{ZkMaskClaim, switch_mask_covector};
use crate::pcs::zk::committer::zk_padded_matrix;
use crate::pcs::zk::config::ZkWhirConfig;
use crate::pcs::zk::proof::{ZkRoundProof, ZkWhirProof};
use crate::transcript::zk::{ZkWhirProverTranscript, ZkWhirShape};
use crate::utils::{eval_ze_star_n, par_add_scaled_powers, par_eval_ze_star_n};

/// Chunk length for the parallel power runs over message-length vectors.
///
/// Each chunk is evaluated independently and re-based by one `rho^{c · POW_CHUNK}`
/// shift, trading a serial dependency chain for a parallel one per chunk.
const POW_CHUNK: usize = 1 << 12;

/// zkinfer patch (item 15): packed elements per chunk of the first sumcheck's evaluation table
/// (64 KiB of it with Goldilocks' quadratic extension and 8 lanes) that is written only if its
/// message chunk is not all zero.
const LIFT_CHUNK: usize = 1 << 9;

/// zkinfer patch (ZKINFER-PATCH.md item 13): the index of the block of the hypercube that
/// `point`'s leading Boolean coordinates (at most `max`) select, most significant first, and the
/// point's other coordinates.
pub(crate) fn boolean_prefix<EF: PrimeCharacteristicRing + PartialEq>(point: &[EF], max: usize) -> (usize, &[EF]) {
    let mut block = 0usize;
    let mut taken = 0;
    for c in point.iter().take(max) {
        if *c == EF::ZERO {
            block <<= 1;
        } else if *c == EF::ONE {
            block = (block << 1) | 1;
        } else {
            break;
        }
        taken += 1;
    }
    (block, &point[taken..])
}

/// HVZK-WHIR prover.
#[derive(Debug)]
pub struct HidingWhirProver<'a, EF, F, Dft, MT, Challenger>
where
    F: TwoAdicField,
    EF: ExtensionField<F>,
    MT: Mmcs<F>,
{
    /// Derived HVZK configuration.
    pub config: &'a ZkWhirConfig<EF, F, Challenger>,
    /// FFT engine for every codeword encoding.
    pub dft: &'a Dft,
    /// Base-field Merkle commitment scheme.
    pub mmcs: &'a MT,
    /// Extension-field commitment scheme for folded oracles and masks.
    pub extension_mmcs: ExtensionMmcs<F, EF, MT>,
}

impl<'a, EF, F, Dft, MT, Challenger> HidingWhirProver<'a, EF, F, Dft, MT, Challenger>
where
    F: TwoAdicField,
    EF: ExtensionField<F> + TwoAdicField,
    Dft: TwoAdicSubgroupDft<F>,
    MT: Mmcs<F>,
    Challenger: FieldChallenger<F>
        + GrindingChallenger<Witness = F>
        + CanSampleUniformBits<F>
        + CanObserve<MT::Commitment>,
    StandardUniform: Distribution<EF> + Distribution<F>,
{
    /// Bundles the prover dependencies.
    pub fn new(config: &'a ZkWhirConfig<EF, F, Challenger>, dft: &'a Dft, mmcs: &'a MT) -> Self {
        Self {
            config,
            dft,
            mmcs,
            extension_mmcs: ExtensionMmcs::new(mmcs.clone()),
        }
    }

    /// Commits the witness as an interleaved ZK Reed-Solomon codeword.
    ///
    /// Nothing is bound here.
    ///
    /// The root is returned instead, and the caller binds it.
    pub fn commit<R: CryptoRng>(
        &self,
        message: Poly<F>,
        rng: &mut R,
    ) -> (MT::Commitment, HidingWhirProverData<F, EF, MT>) {
        assert_eq!(message.num_variables(), self.config.num_variables);
        let folding = self.config.round_folding_factor(0);
        let randomness: Vec<F> = (0..(self.config.oracle_randomness[0] << folding))
            .map(|_| rng.random())
            .collect();
        // Interleaved ZK encoding: pad with limb-major randomness, then DFT.
        let height =
            (1 << (message.num_variables() - folding)) << self.config.starting_log_inv_rate;
        let padded = zk_padded_matrix(message.as_slice(), &randomness, folding, height);
        let encoded = self.dft.dft_batch(padded).to_row_major_matrix();
        let (commitment, merkle) = self.mmcs.commit_matrix(encoded);
        (
            commitment,
            HidingWhirProverData {
                message,
                randomness,
                merkle,
                _marker: PhantomData,
            },
        )
    }

    /// Runs the full HVZK opening protocol for evaluation claims
    /// `f(point_i) = eval_i`.
    ///
    /// The claims must already be bound to the transcript by the caller.
    ///
    /// # Transcript
    ///
    /// One driver spans the whole run and seeds itself from the borrowed sponge.
    ///
    /// ```text
    ///     masked sumcheck batch  ->  bracketed, then it seeds a driver of its own
    ///     masked base case       ->  bracketed, then it seeds a driver of its own
    /// ```
    ///
    /// The base-field bound is what lets every one of those seeds be encoded.
    #[instrument(skip_all)]
    #[allow(clippy::too_many_lines)]
    pub fn prove<R: CryptoRng>(
        &self,
        prover_data: &HidingWhirProverData<F, EF, MT>,
        claims: &[(Point<EF>, EF)],
        challenger: &mut Challenger,
        rng: &mut R,
    ) -> Result<ZkWhirProof<F, EF, MT>, WhirConfigError>
    where
        F: PrimeField64,
    {
        let config = self.config;
        // The claim budget is a configuration check, so it runs before the driver seeds.
        //
        // A rejection therefore leaves the sponge and the masking RNG where it found them.
        config.validate_initial_claims(claims.len())?;
        let num_variables = config.num_variables;
        let sumcheck_mask_encoding = config.sumcheck_mask.encoding::<EF>();

        // One driver spans the whole run.
        //
        // The description is therefore walked exactly once.
        let shape = ZkWhirShape::new(config);
        let mut transcript = ZkWhirProverTranscript::<Challenger, F, EF>::new(challenger, shape);

        // Claimed evaluations
        let claimed_evals: Vec<EF> = claims.iter().map(|(_, eval)| *eval).collect();

        // Initial relation: claims batched by powers of alpha.
        //
        //     W = sum_i alpha^i eq(z_i, .)        claim = sum_i alpha^i v_i
        let alpha: EF = transcript.initial_batching();
        let coeffs: Vec<EF> = alpha.powers().collect_n(claims.len());
        let mut claim = EF::ZERO;
        for ((point, eval), coeff) in claims.iter().zip(&coeffs) {
            assert_eq!(point.num_variables(), num_variables);
            claim += *coeff * *eval;
        }

        // Build the weight and evaluation polynomials in SIMD-packed form
        // whenever the hypercube is large enough, mirroring the non-ZK
        // sumcheck's packed construction; the eq table is accumulated
        // per-claim through the split-eq factorization instead of a full
        // 2^n scalar materialization.
        let k_pack = log2_strict_usize(F::Packing::WIDTH);
        let product = if num_variables >= k_pack {
            let mut weights = Poly::<EF::ExtensionPacking>::zero(num_variables - k_pack);
            for ((point, _), &coeff) in claims.iter().zip(&coeffs) {
                // zkinfer patch (ZKINFER-PATCH.md item 13): eq(z, ·) is zero outside the block
                // its leading Boolean coordinates select, so only that block is accumulated.
                let (block, rest) = boolean_prefix(point.as_slice(), num_variables - k_pack);
                let len = 1usize << (rest.len() - k_pack);
                let out = &mut weights.as_mut_slice()[block * len..(block + 1) * len];
                SplitEq::new_packed(&Point::new(rest.to_vec()), coeff)
                    .accumulate_into_packed(out, None);
            }
            // zkinfer patch (ZKINFER-PATCH.md item 15): the table starts as zeros from a zeroed
            // allocation (untouched memory) and only chunks of the message that are not all zero
            // are written. zkinfer's stacks end in zero padding — a joint opening's witness half
            // is zero past the limbs it fills — and on this table's size first touches of memory
            // cost more than the arithmetic.
            let packed = F::Packing::pack_slice(prover_data.message.as_slice());
            let mut evals = EF::ExtensionPacking::zero_vec(packed.len());
            evals
                .par_chunks_mut(LIFT_CHUNK)
                .zip(packed.par_chunks(LIFT_CHUNK))
                .for_each(|(dst, src)| {
                    if src.iter().flat_map(|p| p.as_slice()).all(|v| v.is_zero()) {
                        return;
                    }
                    for (d, &s) in dst.iter_mut().zip(src) {
                        *d = EF::ExtensionPacking::from(s);
                    }
                });
            let evals = Poly::new(evals);
            ProductPolynomial::new_packed(VariableOrder::Prefix, evals, weights)
        } else {
            let mut weights = Poly::<EF>::zero(num_variables);
            for ((point, _), &coeff) in claims.iter().zip(&coeffs) {
                SplitEq::new_unpacked(point, coeff).accumulate_into(weights.as_mut_slice(), None);
            }
            let evals = Poly::new(
                prover_data
                    .message
                    .as_slice()
                    .par_iter()
                    .map(|&v| v.into())
                    .collect(),
            );
            ProductPolynomial::new_unpacked(VariableOrder::Prefix, evals, weights)
        };
        let sumcheck_prover = SumcheckProver::new(product, claim);

        // zkinfer patch (item 17): every batch's sumcheck masks, drawn and committed now in one
        // tree (the batches' `k`-wide mask matrices side by side, in batch order). Each batch
        // then takes its own masks and observes that one root; the base case opens the tree
        // once.
        let mut batch_masks: Vec<(Vec<Vec<EF>>, Vec<Vec<EF>>)> = (0..=config.n_rounds())
            .map(|batch| {
                let k = config.round_folding_factor(batch);
                let messages: Vec<Vec<EF>> = (0..k)
                    .map(|_| sumcheck_mask_encoding.sample_message(rng))
                    .collect();
                let randomness: Vec<Vec<EF>> = (0..k)
                    .map(|_| sumcheck_mask_encoding.sample_randomness(rng))
                    .collect();
                (messages, randomness)
            })
            .collect();
        let (sumcheck_mask_commitment, sumcheck_mask_data) = {
            let matrices: Vec<RowMajorMatrix<EF>> = batch_masks
                .iter()
                .map(|(messages, randomness)| {
                    sumcheck_mask_encoding.encode_batch_with_randomness(messages, randomness)
                })
                .collect();
            let height = sumcheck_mask_encoding.codeword_len();
            let width: usize = matrices.iter().map(|m| m.width).sum();
            let mut values = Vec::with_capacity(height * width);
            for row in 0..height {
                for matrix in &matrices {
                    values.extend_from_slice(&matrix.values[row * matrix.width..][..matrix.width]);
                }
            }
            self.extension_mmcs
                .commit_matrix(RowMajorMatrix::new(values, width))
        };
        let shared_masks = SharedMaskMmcs {
            commitment: sumcheck_mask_commitment.clone(),
        };
        let mut take_batch = |batch: usize| {
            let (messages, randomness) = core::mem::take(&mut batch_masks[batch]);
            PresampledMasks {
                inner: &sumcheck_mask_encoding,
                messages,
                randomness,
                next_message: core::cell::Cell::new(0),
                next_randomness: core::cell::Cell::new(0),
            }
        };

        // Initial masked sumcheck batch.
        let mut masks = ProverMasks::<F, EF, MT>::new(sumcheck_mask_data);
        let mut zk_data = ZkSumcheckData::default();
        let batch_encoding = take_batch(0);
        // The batch is a protocol of its own.
        //
        // The run therefore records it as one bracket.
        let handoff = transcript.delegate_initial_fold(|challenger| {
            sumcheck_prover.into_zk_sumcheck(
                &mut zk_data,
                &batch_encoding,
                &shared_masks,
                config.round_folding_factor(0),
                config.starting_folding_pow_bits,
                EF::ZERO,
                challenger,
                rng,
            )
        });
        // Proof accumulators
        let mut sumchecks = Vec::new();
        let mut rounds = Vec::with_capacity(config.n_rounds());

        batch_encoding.assert_drawn();
        let mut batch = masks.record_batch(
            &mut sumchecks,
            handoff,
            &mut zk_data,
            config.zk.ell_zk,
        );

        // Current oracle state: message randomness folds along with the
        // message (Lemma 3.26), the Merkle data answers the spot checks.
        // Mixed-field fold: base-field chunks against the extension eq table.
        let mut oracle_randomness: Vec<EF> = fold_limb_chunks(
            &prover_data.randomness,
            config.oracle_randomness[0],
            &batch.randomness,
        );
        let mut round_data = ZkRoundData::<F, EF, MT>::Base(&prover_data.merkle);

        // Code-switching rounds.
        for round in 0..config.n_rounds() {
            let round_params = &config.round_parameters[round];
            let folding_next = config.round_folding_factor(round + 1);
            let next_randomness_len = config.oracle_randomness[round + 1];

            let message = batch.residual_prover.evals();
            let message_len = message.num_evals();

            // Commit the folded message into the next interleaved ZK oracle.
            let fresh_randomness: Vec<EF> = (0..next_randomness_len << folding_next)
                .map(|_| rng.random())
                .collect();
            // Interleaved ZK encoding over the extension, base-field DFT.
            let height = config.inv_rate(round) * (1 << (message.num_variables() - folding_next));
            let padded =
                zk_padded_matrix(message.as_slice(), &fresh_randomness, folding_next, height);
            let encoded = self.dft.dft_algebra_batch(padded);
            let (commitment, merkle) = self.extension_mmcs.commit_matrix(encoded);
            transcript.oracle_commitment(commitment.clone());

            // Commit the code-switch mask (folded randomness || pad).
            let mask_shape = &config.switch_masks[round];
            let mask_encoding = mask_shape.encoding::<EF>();
            let pad: Vec<EF> = (0..round_params.ood_samples)
                .map(|_| rng.random())
                .collect();
            let mut mask_message = oracle_randomness.clone();
            mask_message.extend_from_slice(&pad);
            let mask_encoding_randomness: Vec<EF> = (0..mask_shape.randomness_len)
                .map(|_| rng.random())
                .collect();
            let mask_codeword =
                mask_encoding.encode_with_randomness(&mask_message, &mask_encoding_randomness);
            let (mask_commitment, mask_data) = self.extension_mmcs.commit_matrix(mask_codeword);
            transcript.switch_mask_commitment(mask_commitment.clone());

            // Private out-of-domain answers over (message || randomness || pad).
            //
            // OOD privacy needs the pad-coefficient matrix {rho_i^{l+r+s}}
            // invertible, i.e. the rho_i pairwise distinct and nonzero.
            // Over the quartic extension both hold but for a 1/|F| event,
            // folded into the HVZK error; the debug_assert flags a future
            // small-field instantiation loudly rather than leaking silently.
            let mut rho_points = Vec::with_capacity(round_params.ood_samples);
            let mut ood_answers = Vec::with_capacity(round_params.ood_samples);
            for _ in 0..round_params.ood_samples {
                let rho: EF = transcript.ood_point();
                debug_assert!(!rho.is_zero(), "OOD point must be nonzero");
                debug_assert!(
                    !rho_points.contains(&rho),
                    "OOD points must be pairwise distinct",
                );
                // ze*(rho) over (message || mask_message): the long message side
                // runs as chunked parallel Horner, the short mask tail serially.
                let answer = par_eval_ze_star_n(rho, message.as_slice(), POW_CHUNK)
                    + eval_ze_star_n(rho, &mask_message) * rho.exp_u64(message_len as u64);
                transcript.ood_answer(answer);
                rho_points.push(rho);
                ood_answers.push(answer);
            }

            // PoW, then STIR queries on the previous oracle.
            //
            //     pow_bits = 0  ->  no grind, zero witness on the wire
            let pow_witness = transcript.query_pow(round);
            let stir_indexes = transcript.query_indices(round);

            // Open the previous oracle in one multiproof and fold each leaf
            // at the batch randomness; the verifier recomputes the same folds.
            let (openings, folded_values) =
                self.open_and_fold(&round_data, &stir_indexes, &batch.randomness);
            let query_vars: Vec<F> = stir_indexes
                .iter()
                .map(|&index| {
                    F::two_adic_generator(round_params.log_folded_domain_size).exp_u64(index as u64)
                })
                .collect();
            let query_points: Vec<EF> = query_vars.iter().map(|&x| EF::from(x)).collect();

            // Batch the carried claim with the fresh constraints.
            //
            //     carried claim     ->  coefficient 1
            //     OOD answer i      ->  coefficient gamma^{1+i}
            //     query opening q   ->  coefficient gamma^{1+t_ood+q}
            //
            // Starting at the first power keeps every fresh constraint
            // independent of the carried claim.
            let combination: EF = transcript.round_batching();
            let coeffs: Vec<EF> = combination
                .shifted_powers(combination)
                .collect_n(rho_points.len() + query_points.len());
            let (ood_coeffs, query_coeffs) = coeffs.split_at(rho_points.len());

            let mask_claim = ZkMaskClaim {
                base_claim_coeff: EF::ONE,
                ood_coeffs: ood_coeffs.to_vec(),
                in_domain_coeffs: query_coeffs.to_vec(),
            };
            // Carried scalar entering this round's batching:
            //
            //     carried = source residual + sum_i <xi_i, u_i>
            //
            // The mask total is read from the running value.
            let carried = batch.residual_prover.claimed_sum() + masks.aux;
            let joint = mask_claim
                .batched_claim(carried, &ood_answers, &folded_values)
                .expect("prover-built dimensions always match");

            // Source side: fold the fresh power constraints into the
            // running sumcheck prover.
            let mut sumcheck_prover = batch.residual_prover;
            // Source side: the fresh constraints land as power covectors.
            //
            //     delta[b]    = sum_j c_j rho_j^b  +  sum_q c'_q x_q^b
            //     claim_delta = <message, delta>
            // The base-field query covectors fill through the packed
            // SelectStatement kernel; the few extension-field OOD points
            // follow with chunked parallel power runs.
            let k = log2_strict_usize(message_len);
            let k_pack = log2_strict_usize(F::Packing::WIDTH);
            let mut weight_delta = if k >= k_pack {
                let mut packed_delta =
                    Poly::new(EF::ExtensionPacking::zero_vec(message_len >> k_pack));
                let mut select = SelectStatement::<F, EF>::initialize(k);
                for &var in &query_vars {
                    // Evaluations are unused: only the covector side is read.
                    select.add_constraint(var, EF::ZERO);
                }
                // Query coefficients are gamma^{1 + t_ood + q}.
                let mut unused_sum = EF::ZERO;
                select.combine_packed(
                    &mut packed_delta,
                    &mut unused_sum,
                    combination,
                    1 + rho_points.len(),
                );
                packed_delta.unpack::<F, EF>().into_evals()
            } else {
                // Too few variables for the packed kernel: power runs only.
                let mut weight_delta = EF::zero_vec(message_len);
                for (&var, &coeff) in query_points.iter().zip(query_coeffs) {
                    let mut term = coeff;
                    for dst in &mut weight_delta {
                        *dst += term;
                        term *= var;
                    }
                }
                weight_delta
            };
            // OOD layers: delta[b] += c_j * rho_j^b.
            for (&rho, &coeff) in rho_points.iter().zip(ood_coeffs) {
                par_add_scaled_powers(&mut weight_delta, rho, coeff, POW_CHUNK);
            }

            // Mask side: the fresh mask enters the relation.
            let mask_covector = switch_mask_covector::<F, EF>(
                message_len,
                oracle_randomness.len(),
                pad.len(),
                &rho_points,
                ood_coeffs,
                &query_points,
                query_coeffs,
            );
            // The batched-claim identity pins the source-side increment:
            //
            //     carried + claim_delta + <mask covector, mask message> = mu'
            //
            // `accumulate_claim` re-derives it from <evals, weights> in debug builds.
            let claim_delta = joint
                - carried
                - dot_product::<EF, _, _>(
                    mask_covector.iter().copied(),
                    mask_message.iter().copied(),
                );
            sumcheck_prover.accumulate_claim(&weight_delta, claim_delta);

            // The running total must match a full re-evaluation.
            debug_assert_eq!(masks.aux, masks.claims.evaluate(&masks.messages));
            masks.push_switch_mask(
                mask_covector,
                mask_message,
                mask_encoding_randomness,
                mask_data,
            );

            rounds.push(ZkRoundProof {
                commitment,
                mask_commitment,
                ood_answers,
                pow_witness,
                openings,
            });

            // Next masked sumcheck batch over the new oracle.
            //
            // The mask-claim total rides the batch as its auxiliary constant.
            let aux = masks.aux;
            let mut zk_data = ZkSumcheckData::default();
            let batch_encoding = take_batch(round + 1);
            // The batch is a protocol of its own.
            //
            // The run therefore records it as one bracket.
            let handoff = transcript.delegate_round_fold(|challenger| {
                sumcheck_prover.into_zk_sumcheck(
                    &mut zk_data,
                    &batch_encoding,
                    &shared_masks,
                    folding_next,
                    round_params.folding_pow_bits,
                    aux,
                    challenger,
                    rng,
                )
            });
            batch_encoding.assert_drawn();
            batch = masks.record_batch(
                &mut sumchecks,
                handoff,
                &mut zk_data,
                config.zk.ell_zk,
            );

            oracle_randomness =
                fold_limb_chunks(&fresh_randomness, next_randomness_len, &batch.randomness);
            round_data = ZkRoundData::Ext(merkle);
        }

        // Masked base case on the virtual folded oracle.
        //
        // The closing phase reads its numbers from the configuration.
        //
        // The description read them from that same place.
        let base_config = config.base_case_config();
        let base_prover = BaseCaseZkProver {
            config: &base_config,
            extension_mmcs: &self.extension_mmcs,
        };

        let source_message = batch.residual_prover.evals();
        let source_covector = batch.residual_prover.weights();
        // Slice the flat mask state into the committed groups.
        let mut group_offset = 0;
        let mask_witnesses: Vec<MaskGroupWitness<'_, EF>> = masks
            .groups
            .iter()
            .map(|width| {
                let range = group_offset..group_offset + width;
                group_offset += width;
                MaskGroupWitness {
                    messages: &masks.messages[range.clone()],
                    randomness: &masks.randomness[range.clone()],
                    covectors: &masks.claims.covectors[range],
                }
            })
            .collect();
        let carried_trees: Vec<&MaskProverData<F, EF, MT>> = masks.trees.iter().collect();

        // The base case is a protocol of its own.
        //
        // The run therefore records it as one bracket.
        let base_case = transcript.delegate_base_case(|challenger| {
            base_prover.prove(
                self.dft,
                source_message.as_slice(),
                &oracle_randomness,
                source_covector.as_slice(),
                &mask_witnesses,
                &carried_trees,
                |positions| {
                    self.open_and_fold(&round_data, positions, &batch.randomness)
                        .0
                },
                challenger,
                rng,
            )
        });

        // Require that every described step was played.
        transcript.finish();

        Ok(ZkWhirProof {
            evals: claimed_evals,
            sumchecks,
            sumcheck_mask_commitment,
            rounds,
            base_case,
        })
    }

    /// Opens the active oracle at every index in one multiproof and folds
    /// each opened leaf at the randomness.
    fn open_and_fold(
        &self,
        round_data: &ZkRoundData<'_, F, EF, MT>,
        indices: &[usize],
        randomness: &Point<EF>,
    ) -> (QueryOpenings<F, EF, MT::MultiProof>, Vec<EF>) {
        match round_data {
            ZkRoundData::Base(data) => {
                let mut opening = SharedProofOpening::open(self.mmcs, indices, data);
                let folded = opening
                    .rows
                    .iter_mut()
                    .map(|row| {
                        // Fold from the owned row, then move it back. The row itself is what
                        // travels into the proof, so cloning it just to satisfy `Poly::new`
                        // is pure allocation. Mirrors the non-ZK prover's fold.
                        let poly = Poly::new(mem::take(row));
                        let eval = poly.eval_base(randomness);
                        *row = poly.into_evals();
                        eval
                    })
                    .collect();
                (QueryOpenings::Base(opening), folded)
            }
            ZkRoundData::Ext(data) => {
                let mut opening = SharedProofOpening::open(&self.extension_mmcs, indices, data);
                let folded = opening
                    .rows
                    .iter_mut()
                    .map(|row| {
                        let poly = Poly::new(mem::take(row));
                        let eval = poly.eval_ext::<F>(randomness);
                        *row = poly.into_evals();
                        eval
                    })
                    .collect();
                (QueryOpenings::Extension(opening), folded)
            }
        }
    }
}
