//! HVZK base-case verifier (Construction 7.2).

use alloc::vec;
use alloc::vec::Vec;
use core::iter::repeat_n;

use p3_challenger::fs::TranscriptField;
use p3_challenger::{CanObserve, CanSampleUniformBits, FieldChallenger, GrindingChallenger};
use p3_commit::{ExtensionMmcs, Mmcs};
use p3_field::{ExtensionField, Field, PackedValue, TwoAdicField, dot_product};
use p3_matrix::Dimensions;
use p3_maybe_rayon::prelude::*;
use p3_util::log2_strict_usize;

use super::config::BaseCaseZkConfig;
use super::error::BaseCaseZkError;
use crate::pcs::proof::{QueryOpenings, SharedProofOpening};
use crate::pcs::zk::proof::{BaseCaseZkProof, BlindedMask};
use crate::transcript::zk::{ZkBaseCaseShape, ZkBaseCaseVerifierTranscript};
use crate::utils::{padded_ood_t1, padded_ood_t1_packed};

/// HVZK base-case verifier (Construction 7.2).
pub struct BaseCaseZkVerifier<'a, F, EF, MT>
where
    F: TwoAdicField,
    EF: ExtensionField<F>,
    MT: Mmcs<F>,
{
    /// Protocol shape shared with the prover.
    pub config: &'a BaseCaseZkConfig<F>,
    /// Commitment scheme verifying the fresh masks and mask openings.
    pub extension_mmcs: &'a ExtensionMmcs<F, EF, MT>,
}

impl<F, EF, MT> BaseCaseZkVerifier<'_, F, EF, MT>
where
    F: TwoAdicField,
    EF: ExtensionField<F> + TwoAdicField,
    MT: Mmcs<F>,
{
    /// Replays Construction 7.2 against the carried claim.
    ///
    /// # Checks
    ///
    /// ```text
    ///     0. pin every length, and the witness a zero difficulty leaves unread
    ///     1. replay the transcript    commitments, mu_g, gamma, reveals
    ///     2. target check             claim transfers onto the reveals
    ///     3. proof of work
    ///     4. source spot checks       reveals match the committed source
    ///     5. mask spot checks         reveals match the committed masks
    /// ```
    ///
    /// # Transcript
    ///
    /// The base case is a protocol of its own.
    ///
    /// It therefore seeds a driver of its own.
    ///
    /// A rejection releases that driver before the error travels to the caller.
    ///
    /// # Arguments
    ///
    /// - `mask_covectors`: flat in chronological mask order, tiled by the groups.
    /// - `verify_source`: authenticates the source openings, returns their folded values.
    ///
    /// # Errors
    ///
    /// When any check below rejects the proof.
    #[allow(clippy::too_many_arguments)]
    pub fn verify<Challenger>(
        &self,
        proof: &BaseCaseZkProof<F, EF, MT>,
        source_covector: &[EF],
        mask_covectors: &[Vec<EF>],
        mask_commitments: &[MT::Commitment],
        target: EF,
        verify_source: impl FnOnce(
            &[usize],
            &QueryOpenings<F, EF, MT::MultiProof>,
        ) -> Result<Vec<EF>, BaseCaseZkError>,
        challenger: &mut Challenger,
    ) -> Result<(), BaseCaseZkError>
    where
        F: TranscriptField,
        Challenger: FieldChallenger<F>
            + GrindingChallenger<Witness = F>
            + CanSampleUniformBits<F>
            + CanObserve<MT::Commitment>,
        // zkinfer patch: check 5 runs its mask groups in parallel.
        MT: Sync,
        MT::Commitment: Sync,
        MT::MultiProof: Sync,
    {
        // One driver spans the whole base case.
        //
        // The description is therefore walked exactly once.
        let shape = ZkBaseCaseShape::new(self.config);
        let mut transcript =
            ZkBaseCaseVerifierTranscript::<Challenger, F, EF>::new(challenger, shape);

        // A rejection leaves the driver mid-description.
        //
        // Release it before the error travels out.
        let outcome = self.replay(
            &mut transcript,
            proof,
            source_covector,
            mask_covectors,
            mask_commitments,
            target,
            verify_source,
        );
        match outcome {
            Ok(()) => {
                transcript.finish();
                Ok(())
            }
            Err(error) => {
                transcript.abort();
                Err(error)
            }
        }
    }

    /// Walk every described step of the base case against the proof.
    #[allow(clippy::too_many_arguments, clippy::too_many_lines)]
    fn replay<Challenger>(
        &self,
        transcript: &mut ZkBaseCaseVerifierTranscript<'_, Challenger, F, EF>,
        proof: &BaseCaseZkProof<F, EF, MT>,
        source_covector: &[EF],
        mask_covectors: &[Vec<EF>],
        mask_commitments: &[MT::Commitment],
        target: EF,
        verify_source: impl FnOnce(
            &[usize],
            &QueryOpenings<F, EF, MT::MultiProof>,
        ) -> Result<Vec<EF>, BaseCaseZkError>,
    ) -> Result<(), BaseCaseZkError>
    where
        F: TranscriptField,
        Challenger: FieldChallenger<F>
            + GrindingChallenger<Witness = F>
            + CanSampleUniformBits<F>
            + CanObserve<MT::Commitment>,
        // zkinfer patch: check 5 runs its mask groups in parallel.
        MT: Sync,
        MT::Commitment: Sync,
        MT::MultiProof: Sync,
    {
        let code = &self.config.code;
        let num_groups = self.config.mask_groups.len();
        // zkinfer patch (item 16): the groups of one codeword length share a fresh-blind tree.
        let sites = super::super::mask::blind_sites(&self.config.mask_groups);
        // Total carried masks: the groups tile the flat mask list.
        let num_masks: usize = self
            .config
            .mask_groups
            .iter()
            .map(|group| group.width)
            .sum();

        // Check 0: pin every count and covector width before any transcript work.
        //
        //     count off      ->  MaskCountMismatch
        //     covector off   ->  MaskCountMismatch
        //
        // Dot products zip silently.
        //
        // Every length they read is therefore pinned up front.
        //
        // The reveal lengths are pinned where each reveal is absorbed instead.
        let count = |actual: usize, expected: usize| {
            if actual == expected {
                Ok(())
            } else {
                Err(BaseCaseZkError::MaskCountMismatch { expected, actual })
            }
        };
        // Top-level statement and proof vector counts.
        count(mask_covectors.len(), num_masks)?;
        // zkinfer patch (item 17): one commitment per carried tree.
        count(mask_commitments.len(), self.config.carried_trees.len())?;
        count(source_covector.len(), code.message_len)?;
        count(proof.blinded_masks.len(), num_masks)?;
        count(proof.fresh_mask_commitments.len(), sites.len())?;
        // One code shape per carried mask, in group order.
        //
        // The counts pinned above make the zip cover every covector.
        let shapes = self
            .config
            .mask_groups
            .iter()
            .flat_map(|group| repeat_n(&group.shape, group.width));
        for (covector, shape) in mask_covectors.iter().zip(shapes) {
            // Covector width must match the member's message length.
            count(covector.len(), shape.message_len)?;
        }

        // Check 1: replay the prover's moves into the Fiat-Shamir sponge.
        //
        //     move 1  ->  fresh commitments g, s'_i
        //     move 2  ->  fresh-side claim mu_g
        //     move 3  ->  sample gamma (now bound to everything above)
        //     move 4  ->  reveals f*, r*, xi*_i, r*_i
        let fresh_main_commitment = &proof.fresh_main_commitment;
        transcript.fresh_commitment(fresh_main_commitment.clone());
        for commitment in &proof.fresh_mask_commitments {
            transcript.blind_commitment(commitment.clone());
        }
        transcript.claim(proof.masked_claim);
        let gamma: EF = transcript.gamma();
        transcript.reveal(&proof.blinded_message, &proof.blinded_randomness)?;
        for blinded in &proof.blinded_masks {
            transcript.reveal(&blinded.message, &blinded.randomness)?;
        }

        // Check 2: the joint target identity.
        //
        //     <f*, W> + sum_i <xi*_i, u_i>  =  mu_g + gamma * target
        //
        // By linearity, the identity holds when both claims hold.
        // A cheating mu_g was fixed before gamma.
        // A false claim therefore survives at most one gamma.
        let mut combined = dot_product::<EF, _, _>(
            proof.blinded_message.iter().copied(),
            source_covector.iter().copied(),
        );
        for (blinded, covector) in proof.blinded_masks.iter().zip(mask_covectors) {
            combined +=
                dot_product::<EF, _, _>(blinded.message.iter().copied(), covector.iter().copied());
        }
        if combined != proof.masked_claim + gamma * target {
            return Err(BaseCaseZkError::TargetCheckFailed);
        }

        // Check 3: proof of work before the spot positions are drawn.
        transcript.spot_check_pow(proof.pow_witness)?;

        // Check 4: source spot checks at t sampled positions.
        //
        // The target check used the reveals as bare vectors.
        // These checks tie them to the committed oracles, per position z:
        //
        //     Enc(f*, r*)(z) = g(z) + gamma * f(z)
        let positions = transcript.source_queries();
        // zkinfer patch: every mask group's positions are drawn here, right after the source's
        // and in the same order as before (nothing in checks 4 and 5 touches the sponge), so the
        // groups' openings and spot checks of check 5 can run in parallel.
        // zkinfer patch (item 16): drawn per blind site.
        let mask_positions: Vec<Vec<usize>> = (0..sites.len())
            .map(|site| transcript.mask_queries(site))
            .collect();
        // One opened row per sampled position, for the source and the fresh mask.
        let openings = |kind, actual: usize, expected: usize| {
            if actual == expected {
                Ok(())
            } else {
                Err(BaseCaseZkError::OpeningCountMismatch {
                    kind,
                    expected,
                    actual,
                })
            }
        };
        // f(z): authenticate the last oracle's leaves and fold them.
        let source_values = verify_source(&positions, &proof.source_openings)?;
        openings("source", source_values.len(), positions.len())?;
        // g(z): authenticate the fresh main mask openings.
        let fresh_main_dims = vec![Dimensions {
            height: code.domain_size,
            width: 1,
        }];
        let fresh_rows = self.verify_rows(
            fresh_main_commitment,
            &fresh_main_dims,
            &positions,
            &proof.fresh_main_openings,
            1,
            "fresh main",
        )?;
        for ((&position, source_value), fresh_row) in
            positions.iter().zip(&source_values).zip(fresh_rows)
        {
            // Enc(f*, r*)(z): re-encode the reveal at this position.
            let blinded_value =
                code.evaluate_at(position, &proof.blinded_message, &proof.blinded_randomness);
            if blinded_value != fresh_row[0] + gamma * *source_value {
                return Err(BaseCaseZkError::SourceSpotCheckFailed { position });
            }
        }

        // Check 5: mask spot checks at t_zk positions per blind site.
        //
        // Same equation as check 4, per group member i and position y:
        //
        //     Enc(xi*_i, r*_i)(y) = s'_i(y) + gamma * xi_i(y)
        //
        // Positions are shared across a site (zkinfer patch, item 16): one opened row of
        // each carried oracle serves every member of its group, one row of the site's
        // fresh-blind tree every member of every group of the site.
        //
        // zkinfer patch: the groups are independent (their positions were drawn above), so they
        // are checked in parallel; the first failing group in order is reported, as before.
        openings(
            "mask",
            proof.carried_openings.len(),
            self.config.carried_trees.len(),
        )?;
        openings("fresh mask", proof.fresh_openings.len(), sites.len())?;
        // The fresh-blind trees (one per site) and the carried trees (zkinfer patch, items 16–17):
        // each authenticated once at its site's positions, all of them in parallel; each group's
        // check then reads its columns. The first failing tree in this order is reported.
        let mut site_of = vec![(0, 0); num_groups];
        // (commitment, codeword length, row width, site, opening, kind) per tree.
        let mut trees = Vec::with_capacity(sites.len() + self.config.carried_trees.len());
        for (site_index, site) in sites.iter().enumerate() {
            let mut column = 0;
            for &group in site {
                site_of[group] = (site_index, column);
                column += self.config.mask_groups[group].width;
            }
            trees.push((
                &proof.fresh_mask_commitments[site_index],
                self.config.mask_groups[site[0]].shape.domain_size,
                column,
                site_index,
                &proof.fresh_openings[site_index],
                "fresh mask",
            ));
        }
        let mut tree_of = vec![(0, 0); num_groups];
        for (tree_index, tree) in self.config.carried_trees.iter().enumerate() {
            let site = site_of[tree[0]].0;
            let mut column = 0;
            for &group in tree {
                if site_of[group].0 != site {
                    return Err(BaseCaseZkError::MaskCountMismatch {
                        expected: site,
                        actual: site_of[group].0,
                    });
                }
                tree_of[group] = (tree_index, column);
                column += self.config.mask_groups[group].width;
            }
            trees.push((
                &mask_commitments[tree_index],
                self.config.mask_groups[tree[0]].shape.domain_size,
                column,
                site,
                &proof.carried_openings[tree_index],
                "carried mask",
            ));
        }
        let tree_rows: Vec<Result<&[Vec<EF>], BaseCaseZkError>> = trees
            .par_iter()
            .map(|&(commitment, height, width, site, opening, kind)| {
                self.verify_rows(
                    commitment,
                    &[Dimensions { height, width }],
                    &mask_positions[site],
                    opening,
                    width,
                    kind,
                )
            })
            .collect();
        let mut tree_rows: Vec<&[Vec<EF>]> = tree_rows.into_iter().collect::<Result<_, _>>()?;
        let carried_tree_rows = tree_rows.split_off(sites.len());
        let fresh_site_rows = tree_rows;
        let offsets: Vec<usize> = self
            .config
            .mask_groups
            .iter()
            .scan(0, |offset, group| {
                let start = *offset;
                *offset += group.width;
                Some(start)
            })
            .collect();
        let outcomes: Vec<Result<(), BaseCaseZkError>> = (0..num_groups)
            .into_par_iter()
            .map(|group_index| {
                let (site, column) = site_of[group_index];
                let (tree, carried_column) = tree_of[group_index];
                self.check_mask_group(
                    group_index,
                    &mask_positions[site],
                    (carried_tree_rows[tree], carried_column),
                    (fresh_site_rows[site], column),
                    &proof.blinded_masks[offsets[group_index]..],
                    gamma,
                )
            })
            .collect();
        outcomes.into_iter().collect()
    }

    /// Check 5 for one mask group: re-encodes every member's reveal at each of the group's blind
    /// site's positions, against the group's columns of its carried tree's and its site's fresh
    /// tree's authenticated rows (zkinfer patch, items 16–17).
    #[allow(clippy::too_many_arguments)]
    fn check_mask_group(
        &self,
        group_index: usize,
        positions: &[usize],
        (carried_tree_rows, carried_column): (&[Vec<EF>], usize),
        (fresh_site_rows, column): (&[Vec<EF>], usize),
        blinded: &[BlindedMask<EF>],
        gamma: EF,
    ) -> Result<(), BaseCaseZkError> {
        let group = &self.config.mask_groups[group_index];
        // xi_i(y) for every member i: the group's columns of its carried tree's rows (their
        // count and width were pinned when the tree was verified).
        let carried_rows = carried_tree_rows
            .iter()
            .map(|row| &row[carried_column..carried_column + group.width]);
        // s'_i(y) for every member i: the group's columns of the site's fresh rows (their
        // count and width were pinned when the site's tree was verified).
        let fresh_rows = fresh_site_rows
            .iter()
            .map(|row| &row[column..column + group.width]);
        // Evaluation domain of the mask code over the extension field.
        let mask_gen = EF::two_adic_generator(log2_strict_usize(group.shape.domain_size));
        let blinded = &blinded[..group.width];
        // zkinfer patch: every position re-encodes every member's reveal (`T·t` long for a
        // reusable commitment's round-0 mask); the first failing position in order is reported.
        let checks: Vec<(usize, &[EF], &[EF])> = positions
            .iter()
            .zip(carried_rows)
            .zip(fresh_rows)
            .map(|((&position, carried_row), fresh_row)| (position, carried_row, fresh_row))
            .collect();
        // Positions go in parallel runs of the packing width, each run re-encoding every
        // member's reveal at all its points in one SIMD Horner pass (`padded_ood_t1_packed`);
        // a run with a point outside the base field is checked point by point.
        let lanes = <F as Field>::Packing::WIDTH;
        let scalar = |&(position, carried_row, fresh_row): &(usize, &[EF], &[EF])| {
            // The field point behind position y.
            let point = mask_gen.exp_u64(position as u64);
            let base = point.as_base();
            blinded.iter().zip(carried_row).zip(fresh_row).all(
                |((blinded, &carried), &fresh)| {
                    // Enc(xi*_i, r*_i)(y): re-encode member i's reveal.
                    let blinded_value = match base {
                        Some(point) => padded_ood_t1(point, &blinded.message, &blinded.randomness),
                        None => padded_ood_t1(point, &blinded.message, &blinded.randomness),
                    };
                    blinded_value == fresh + gamma * carried
                },
            )
        };
        let runs: Vec<Vec<bool>> = checks
            .par_chunks(lanes)
            .map(|run| {
                let points: Option<Vec<F>> = run
                    .iter()
                    .map(|&(position, _, _)| mask_gen.exp_u64(position as u64).as_base())
                    .collect();
                let Some(points) = points else {
                    return run.iter().map(scalar).collect();
                };
                let mut ok = vec![true; run.len()];
                for (member, blinded) in blinded.iter().enumerate() {
                    let Some(values) =
                        padded_ood_t1_packed(&points, &blinded.message, &blinded.randomness)
                    else {
                        return run.iter().map(scalar).collect();
                    };
                    for ((ok, value), &(_, carried_row, fresh_row)) in
                        ok.iter_mut().zip(values).zip(run)
                    {
                        *ok &= value == fresh_row[member] + gamma * carried_row[member];
                    }
                }
                ok
            })
            .collect();
        let passed: Vec<bool> = runs.into_iter().flatten().collect();
        if let Some(at) = passed.iter().position(|&ok| !ok) {
            return Err(BaseCaseZkError::MaskSpotCheckFailed {
                group: group_index,
                position: checks[at].0,
            });
        }
        Ok(())
    }

    /// Verifies one extension multi-opening of the expected row width.
    ///
    /// Returns the opened rows, one per position.
    fn verify_rows<'p>(
        &self,
        commitment: &MT::Commitment,
        dims: &[Dimensions],
        positions: &[usize],
        opening: &'p SharedProofOpening<EF, MT::MultiProof>,
        width: usize,
        kind: &'static str,
    ) -> Result<&'p [Vec<EF>], BaseCaseZkError> {
        // One opened row per position; the multiproof binds rows to positions.
        if opening.rows.len() != positions.len() {
            return Err(BaseCaseZkError::OpeningCountMismatch {
                kind,
                expected: positions.len(),
                actual: opening.rows.len(),
            });
        }
        // Pin every row width locally before any caller indexes into it.
        if opening.rows.iter().any(|row| row.len() != width) {
            return Err(BaseCaseZkError::MerkleVerificationFailed { kind });
        }
        opening
            .verify(self.extension_mmcs, commitment, dims, positions)
            .map_err(|_| BaseCaseZkError::MerkleVerificationFailed { kind })?;
        Ok(&opening.rows)
    }
}
