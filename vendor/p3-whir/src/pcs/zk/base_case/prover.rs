//! HVZK base-case prover (Construction 7.2).

use alloc::vec::Vec;

use p3_challenger::fs::TranscriptField;
use p3_challenger::{CanObserve, CanSampleUniformBits, FieldChallenger, GrindingChallenger};
use p3_commit::{ExtensionMmcs, Mmcs};
use p3_dft::TwoAdicSubgroupDft;
use p3_field::{ExtensionField, TwoAdicField, dot_product};
use p3_matrix::dense::RowMajorMatrix;
use p3_zk_codes::{ZkEncoding, ZkEncodingWithRandomness};
use rand::distr::{Distribution, StandardUniform};
use rand::{CryptoRng, RngExt};

use super::config::{BaseCaseZkConfig, MaskGroupWitness, MaskProverData};
use crate::pcs::proof::{QueryOpenings, SharedProofOpening};
use crate::pcs::zk::proof::{BaseCaseZkProof, BlindedMask};
use crate::transcript::zk::{ZkBaseCaseProverTranscript, ZkBaseCaseShape};

/// HVZK base-case prover (Construction 7.2).
pub struct BaseCaseZkProver<'a, F, EF, MT>
where
    F: TwoAdicField,
    EF: ExtensionField<F>,
    MT: Mmcs<F>,
{
    /// Protocol shape shared with the verifier.
    pub config: &'a BaseCaseZkConfig<F>,
    /// Commitment scheme for the fresh masks and mask openings.
    pub extension_mmcs: &'a ExtensionMmcs<F, EF, MT>,
}

impl<F, EF, MT> BaseCaseZkProver<'_, F, EF, MT>
where
    F: TwoAdicField,
    EF: ExtensionField<F> + TwoAdicField,
    MT: Mmcs<F>,
    StandardUniform: Distribution<EF>,
{
    /// Runs Construction 7.2 and returns the proof payload.
    ///
    /// # Moves
    ///
    /// ```text
    ///     1. commit fresh masks       g, s'_i
    ///     2. send fresh-side claim    mu_g
    ///     3. receive challenge        gamma
    ///     4. reveal one-time pads     f*, r*, xi*_i, r*_i
    ///     5. open spot-check positions
    /// ```
    ///
    /// # Transcript
    ///
    /// The base case is a protocol of its own.
    ///
    /// It therefore seeds a driver of its own.
    ///
    /// ```text
    ///     borrowed sponge  ->  seed  ->  every move below  ->  sponge handed back
    /// ```
    ///
    /// # Arguments
    ///
    /// - `open_source`: opens the (virtual) source at the folded-domain positions.
    ///
    /// # Randomness
    ///
    /// The fresh mask and every per-group blind drawn here are one-time pads.
    ///
    /// Each pad is added to a witness-derived value before that value is sent in the clear.
    ///
    /// An adversary able to predict the pad subtracts it back out and reads the witness.
    ///
    /// The generator must therefore be cryptographically secure.
    #[allow(clippy::too_many_arguments)]
    pub fn prove<Dft, Challenger, R>(
        &self,
        dft: &Dft,
        source_message: &[EF],
        source_randomness: &[EF],
        source_covector: &[EF],
        masks: &[MaskGroupWitness<'_, EF>],
        carried: &[&MaskProverData<F, EF, MT>],
        open_source: impl FnOnce(&[usize]) -> QueryOpenings<F, EF, MT::MultiProof>,
        challenger: &mut Challenger,
        rng: &mut R,
    ) -> BaseCaseZkProof<F, EF, MT>
    where
        F: TranscriptField,
        Dft: TwoAdicSubgroupDft<F>,
        Challenger: FieldChallenger<F>
            + GrindingChallenger<Witness = F>
            + CanSampleUniformBits<F>
            + CanObserve<MT::Commitment>,
        R: CryptoRng,
    {
        let code = &self.config.code;
        // The witness must fit the agreed folded source code exactly.
        assert_eq!(source_message.len(), code.message_len);
        assert_eq!(source_randomness.len(), code.randomness_len);
        assert_eq!(source_covector.len(), code.message_len);
        assert_eq!(masks.len(), self.config.mask_groups.len());
        assert_eq!(carried.len(), self.config.carried_trees.len());

        // One driver spans the whole base case.
        //
        // The description is therefore walked exactly once.
        let shape = ZkBaseCaseShape::new(self.config);
        let mut transcript =
            ZkBaseCaseProverTranscript::<Challenger, F, EF>::new(challenger, shape);

        // Move 1a: fresh main mask g = Enc(g~, r_g).
        //
        //     g~   ->  uniform vector, future pad of the source reveal f*
        //     r_g  ->  uniform vector, future pad of the randomness reveal r*
        //
        // Why the source's own code: the spot check later compares
        //
        //     Enc(f*, r*)(z)  vs  g(z) + gamma * f(z)
        //
        // and that equation needs all three words in one code.
        let fresh_message: Vec<EF> = (0..code.message_len).map(|_| rng.random()).collect();
        let fresh_randomness: Vec<EF> = (0..code.randomness_len).map(|_| rng.random()).collect();
        let codeword = code.encode_column(dft, &fresh_message, &fresh_randomness);
        let (fresh_main_commitment, fresh_main_data) = self.extension_mmcs.commit_matrix(codeword);
        // Bind the commitment before any challenge depends on it.
        transcript.fresh_commitment(fresh_main_commitment.clone());

        // Move 1b: one fresh blind s'_i = Enc(s~'_i, r'_i) per carried mask.
        //
        // Blinds are committed site-wise (zkinfer patch, item 16): the groups of one
        // codeword length put their blind matrices side by side in one tree.
        //
        //     group of width w  ->  w codewords stacked into one matrix
        //     site of groups    ->  their matrices side by side
        //                       ->  one root, one Merkle path per position
        let sites = super::super::mask::blind_sites(&self.config.mask_groups);
        let mut fresh_groups = Vec::with_capacity(masks.len());
        let mut blind_matrices = Vec::with_capacity(masks.len());
        for (group, witness) in self.config.mask_groups.iter().zip(masks) {
            // Every member of a group shares the group's code.
            let encoding = group.shape.encoding::<EF>();
            let mut blind_messages = Vec::with_capacity(group.width);
            let mut blind_randomness = Vec::with_capacity(group.width);
            for _ in 0..group.width {
                // Uniform blind message s~'_i and fresh encoding
                // randomness r'_i, retained for the reveals below.
                let message = encoding.sample_message(rng);
                let randomness = encoding.sample_randomness(rng);
                blind_messages.push(message);
                blind_randomness.push(randomness);
            }
            // Row z of the group's matrix holds position z of every blind.
            blind_matrices.push(
                encoding.encode_batch_with_randomness(&blind_messages, &blind_randomness),
            );
            fresh_groups.push((blind_messages, blind_randomness, witness));
        }
        let mut fresh_mask_commitments = Vec::with_capacity(sites.len());
        let mut fresh_site_data = Vec::with_capacity(sites.len());
        for site in &sites {
            let height = self.config.mask_groups[site[0]].shape.domain_size;
            let width: usize = site.iter().map(|&g| self.config.mask_groups[g].width).sum();
            // Row z of the site's matrix: row z of each of its groups' matrices, in group order.
            let mut values = Vec::with_capacity(height * width);
            for row in 0..height {
                for &g in site {
                    let matrix = &blind_matrices[g];
                    values.extend_from_slice(&matrix.values[row * matrix.width..][..matrix.width]);
                }
            }
            let (commitment, data) = self
                .extension_mmcs
                .commit_matrix(RowMajorMatrix::new(values, width));
            transcript.blind_commitment(commitment.clone());
            fresh_mask_commitments.push(commitment);
            fresh_site_data.push(data);
        }
        drop(blind_matrices);

        // Move 2: the fresh-side claim.
        //
        //     mu_g = <g~, W> + sum_i <s~'_i, u_i>
        //
        // The relation evaluated on the fresh masks instead of the secrets.
        // Soundness hinges on mu_g being fixed before gamma is known.
        let mut masked_claim = dot_product::<EF, _, _>(
            fresh_message.iter().copied(),
            source_covector.iter().copied(),
        );
        for (blind_messages, _, witness) in &fresh_groups {
            for (message, covector) in blind_messages.iter().zip(witness.covectors) {
                masked_claim +=
                    dot_product::<EF, _, _>(message.iter().copied(), covector.iter().copied());
            }
        }
        transcript.claim(masked_claim);

        // Move 3: the blinding challenge, bound to every commitment above.
        let gamma: EF = transcript.gamma();

        // Move 4: the one-time-pad reveals.
        //
        //     reveal = fresh + gamma * secret
        //
        // Uniform fresh, used once: the reveal is uniform and leaks nothing (Lemma 7.3).
        let blind = |fresh: &[EF], hidden: &[EF]| -> Vec<EF> {
            fresh
                .iter()
                .zip(hidden)
                .map(|(&fresh, &hidden)| fresh + gamma * hidden)
                .collect()
        };
        // Source reveals: f* = g~ + gamma * f and r* = r_g + gamma * r.
        let blinded_message = blind(&fresh_message, source_message);
        let blinded_randomness = blind(&fresh_randomness, source_randomness);
        transcript.reveal(&blinded_message, &blinded_randomness);
        // Mask reveals:
        // - xi*_i = s~'_i + gamma * xi_i,
        // - the analogous r*_i for each mask's encoding randomness.
        let mut blinded_masks = Vec::new();
        for (blind_messages, blind_randomness, witness) in &fresh_groups {
            for ((message, randomness), (hidden_message, hidden_randomness)) in blind_messages
                .iter()
                .zip(blind_randomness)
                .zip(witness.messages.iter().zip(witness.randomness))
            {
                let blinded = BlindedMask {
                    message: blind(message, hidden_message),
                    randomness: blind(randomness, hidden_randomness),
                };
                // Absorb each reveal before the spot positions are drawn.
                transcript.reveal(&blinded.message, &blinded.randomness);
                blinded_masks.push(blinded);
            }
        }

        // PoW before the spot checks.
        //
        //     pow_bits = 0  ->  no grind, zero witness on the wire
        let pow_witness = transcript.spot_check_pow();

        // Move 5a: source spot checks, t positions on the source domain.
        //
        // The verifier will recheck, per position z:
        //
        //     Enc(f*, r*)(z) = g(z) + gamma * f(z)
        //
        // so both committed sides are opened here.
        let positions = transcript.source_queries();
        // f(z): leaves of the last committed oracle, virtually folded.
        let source_openings = open_source(&positions);
        // g(z): the fresh main mask, committed above.
        let fresh_main_openings =
            SharedProofOpening::open(self.extension_mmcs, &positions, &fresh_main_data);

        // Move 5b: mask spot checks, t_zk positions per blind site.
        //
        // The verifier will recheck, per position y and group member i:
        //
        //     Enc(xi*_i, r*_i)(y) = s'_i(y) + gamma * xi_i(y)
        //
        // Positions are shared across a site (zkinfer patch, item 16): each carried group's
        // oracle and the site's fresh-blind tree are opened there, one row of each serving
        // every member.
        let mut site_positions = Vec::with_capacity(sites.len());
        let mut fresh_openings = Vec::with_capacity(sites.len());
        for (site_index, fresh_data) in fresh_site_data.iter().enumerate() {
            let positions = transcript.mask_queries(site_index);
            // s'_i(y) for every member of every group of the site.
            fresh_openings.push(SharedProofOpening::open(
                self.extension_mmcs,
                &positions,
                fresh_data,
            ));
            site_positions.push(positions);
        }
        // xi_i(y): each carried tree (zkinfer patch, item 17: the groups of a tree side by
        // side) at its groups' site's positions.
        let carried_openings = self
            .config
            .carried_trees
            .iter()
            .zip(carried)
            .map(|(tree, data)| {
                let site = sites
                    .iter()
                    .position(|site| site.contains(&tree[0]))
                    .expect("every group belongs to one blind site");
                SharedProofOpening::open(self.extension_mmcs, &site_positions[site], data)
            })
            .collect();

        // Require that every described step was played.
        transcript.finish();

        BaseCaseZkProof {
            fresh_main_commitment,
            fresh_mask_commitments,
            masked_claim,
            blinded_message,
            blinded_randomness,
            blinded_masks,
            pow_witness,
            source_openings,
            fresh_main_openings,
            carried_openings,
            fresh_openings,
        }
    }
}
