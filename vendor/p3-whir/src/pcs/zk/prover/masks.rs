//! Mask bookkeeping for the masked sumcheck batches.
//!
//! Every batch of `k` sumcheck rounds leaves two trails:
//!
//! ```text
//!  proof side  ->  the wire transcript and one interleaved mask commitment go into the proof
//!  claim side  ->  the k masks join the carried relation as <xi_i, u_i> terms, settled at the base case
//! ```

use alloc::vec::Vec;
use core::mem::take;

use p3_commit::Mmcs;
use p3_field::{ExtensionField, Field, TwoAdicField, dot_product};
use p3_matrix::Matrix;
use p3_matrix::dense::RowMajorMatrix;
use p3_zk_codes::{ZkEncoding, ZkEncodingWithRandomness};
use rand::{CryptoRng, Rng};
use p3_multilinear_util::point::Point;
use p3_multilinear_util::poly::Poly;
use p3_sumcheck::strategy::SumcheckProver;
use p3_sumcheck::zk::{ZkSumcheckData, ZkSumcheckHandoff, mask_residual_covectors_from_shape};

use crate::pcs::zk::base_case::MaskProverData;
use crate::pcs::zk::constraint::MaskClaims;

/// All mask-oracle state the prover carries to the base case.
///
/// Flat lists in chronological mask order, tiled by the groups:
///
/// ```text
///     messages   : [ m1 m2 m3 | m4 | m5 m6 m7 | ... ]
///     randomness : [ r1 r2 r3 | r4 | r5 r6 r7 | ... ]
///     covectors  : [ u1 u2 u3 | u4 | u5 u6 u7 | ... ]
///     groups     : [ (3, tree)  (1, tree)  (3, tree)  ... ]
/// ```
///
/// One Merkle handle per carried tree answers the base-case spot checks (zkinfer patch, item
/// 17: every batch's sumcheck masks share one tree, the first; each switch mask has its own).
pub(super) struct ProverMasks<F, EF, MT>
where
    F: TwoAdicField,
    EF: ExtensionField<F>,
    MT: Mmcs<F>,
{
    /// Mask messages, chronological.
    pub(super) messages: Vec<Vec<EF>>,
    /// Mask encoding randomness, matching order.
    pub(super) randomness: Vec<Vec<EF>>,
    /// Group widths, in commit order.
    pub(super) groups: Vec<usize>,
    /// Merkle prover data of the carried trees, in the configuration's `carried_trees` order.
    pub(super) trees: Vec<MaskProverData<F, EF, MT>>,
    /// Dense covectors with their accumulated scales.
    pub(super) claims: MaskClaims<EF>,
    /// Running mask-claim total `sum_i <xi_i, u_i>` at the current scales.
    ///
    /// Maintained by the mutating methods so callers read it in O(1)
    /// instead of re-evaluating every covector each round.
    pub(super) aux: EF,
}

impl<F, EF, MT> ProverMasks<F, EF, MT>
where
    F: TwoAdicField,
    EF: ExtensionField<F>,
    MT: Mmcs<F>,
{
    /// Starts with the tree of every batch's sumcheck masks (zkinfer patch, item 17).
    pub(super) fn new(sumcheck_tree: MaskProverData<F, EF, MT>) -> Self {
        Self {
            messages: Vec::new(),
            randomness: Vec::new(),
            groups: Vec::new(),
            trees: alloc::vec![sumcheck_tree],
            claims: MaskClaims::new(),
            aux: EF::ZERO,
        }
    }

    /// Stores one masked sumcheck batch.
    ///
    /// ```text
    ///     proof side  ->  wire transcript, interleaved mask commitment
    ///     claim side  ->  rescale the carried covectors,
    ///                     append the batch's k fresh masks
    /// ```
    pub(super) fn record_batch<M: Mmcs<EF>>(
        &mut self,
        sumchecks: &mut Vec<ZkSumcheckData<F, EF>>,
        mut handoff: ZkSumcheckHandoff<F, EF, M>,
        zk_data: &mut ZkSumcheckData<F, EF>,
        ell_zk: usize,
    ) -> BatchState<F, EF>
    where
        F: Send + Sync,
    {
        let folding = handoff.randomness.num_variables();
        // Proof side: the batch's wire transcript (zkinfer patch, item 17: its masks' root is
        // the shared sumcheck mask tree's, sent once).
        sumchecks.push(take(zk_data));

        // Claim side, carried masks: every covector absorbs eps * 2^{-k},
        // so the running total absorbs the same scale.
        self.aux *= self.claims.absorb_sumcheck(handoff.eps, folding);
        // Claim side, fresh masks: mask j enters at scale one with the
        // power covector pow(gamma_j), its residual at the round challenge.
        let gammas: Vec<EF> = handoff.randomness.iter().copied().collect();
        for (covector, message) in mask_residual_covectors_from_shape(folding, ell_zk, &gammas)
            .into_iter()
            .zip(&handoff.mask_messages)
        {
            self.aux += dot_product::<EF, _, _>(covector.iter().copied(), message.iter().copied());
            self.claims.push(covector);
        }
        // Retain the secrets behind the new oracle for the base-case
        // reveals; their Merkle handle is the shared tree's.
        self.messages.append(&mut handoff.mask_messages);
        self.randomness.append(&mut handoff.mask_randomness);
        self.groups.push(folding);

        BatchState {
            residual_prover: handoff.residual_prover,
            randomness: handoff.randomness,
        }
    }

    /// Records the fresh code-switch mask of one round as its own group.
    pub(super) fn push_switch_mask(
        &mut self,
        covector: Vec<EF>,
        message: Vec<EF>,
        randomness: Vec<EF>,
        data: MaskProverData<F, EF, MT>,
    ) {
        self.aux += dot_product::<EF, _, _>(covector.iter().copied(), message.iter().copied());
        self.claims.push(covector);
        self.messages.push(message);
        self.randomness.push(randomness);
        self.groups.push(1);
        self.trees.push(data);
    }
}

/// Carried state after one masked sumcheck batch.
pub(super) struct BatchState<F: Field, EF: ExtensionField<F>> {
    /// Residual prover over the folded message with eps-scaled weights.
    pub(super) residual_prover: SumcheckProver<F, EF>,
    /// The batch's folding randomness.
    pub(super) randomness: Point<EF>,
}

/// Folds a limb-major chunked vector by the eq table at `gamma`.
///
/// Chunk `b` holds the slice belonging to limb `b` of the committed oracle:
///
/// ```text
///     values = [ chunk_0 | chunk_1 | ... | chunk_{2^k - 1} ]
///     out    = sum_b eq(b, gamma) * chunk_b
/// ```
///
/// The orientation matches the verifier's leaf fold.
pub(super) fn fold_limb_chunks<F, EF>(values: &[F], chunk: usize, gamma: &Point<EF>) -> Vec<EF>
where
    F: Field,
    EF: ExtensionField<F>,
{
    // One chunk per vertex of the folded hypercube.
    assert_eq!(values.len(), chunk << gamma.num_variables());
    // Fold weights: eq(b, gamma) for every prefix b.
    let eq_table = Poly::new_from_point(gamma.as_slice(), EF::ONE);
    let mut out = EF::zero_vec(chunk);
    for (b, &weight) in eq_table.as_slice().iter().enumerate() {
        // Accumulate chunk b, scaled by its weight.
        //
        // Mixed-field step: extension weight times base-field entry.
        for (dst, &src) in out.iter_mut().zip(&values[b * chunk..(b + 1) * chunk]) {
            *dst += weight * src;
        }
    }
    out
}

/// zkinfer patch (item 17): the sumcheck mask encoding as one masked batch sees it once every
/// batch's masks were drawn up front.
///
/// p3-sumcheck's masked batch prover draws its masks through the encoding
/// (`sample_message` `k` times, then `sample_randomness` `k` times) and commits their batch
/// encoding through the MMCS it is given. Handed this encoding and [`SharedMaskMmcs`], it takes
/// the masks drawn before the first batch and the one root committing all of them; everything
/// else is the inner encoding's.
pub(super) struct PresampledMasks<'a, Enc, EF> {
    /// The sumcheck mask code.
    pub(super) inner: &'a Enc,
    /// This batch's mask messages, in draw order.
    pub(super) messages: Vec<Vec<EF>>,
    /// This batch's mask encoding randomness, in draw order.
    pub(super) randomness: Vec<Vec<EF>>,
    /// Messages handed out so far.
    pub(super) next_message: core::cell::Cell<usize>,
    /// Randomness vectors handed out so far.
    pub(super) next_randomness: core::cell::Cell<usize>,
}

impl<Enc, EF> PresampledMasks<'_, Enc, EF> {
    /// The batch took every mask drawn for it: the shared tree commits no mask the run does not
    /// use (each group's width in the configuration is the batch's folding factor).
    pub(super) fn assert_drawn(&self) {
        assert_eq!(
            (self.next_message.get(), self.next_randomness.get()),
            (self.messages.len(), self.randomness.len()),
            "a masked batch drew another number of masks than were drawn for it"
        );
    }
}

impl<Enc, EF> ZkEncoding<EF> for PresampledMasks<'_, Enc, EF>
where
    EF: Field,
    Enc: ZkEncoding<EF>,
{
    type Codeword = Enc::Codeword;

    fn message_len(&self) -> usize {
        self.inner.message_len()
    }

    fn randomness_len(&self) -> usize {
        self.inner.randomness_len()
    }

    fn query_bound(&self) -> usize {
        self.inner.query_bound()
    }

    fn codeword_len(&self) -> usize {
        self.inner.codeword_len()
    }

    fn error(&self) -> f64 {
        self.inner.error()
    }

    fn sample_message<R: CryptoRng>(&self, _rng: &mut R) -> Vec<EF> {
        let next = self.next_message.get();
        self.next_message.set(next + 1);
        self.messages
            .get(next)
            .expect("a batch draws as many masks as were drawn for it")
            .clone()
    }

    fn sample_randomness<R: CryptoRng>(&self, _rng: &mut R) -> Vec<EF> {
        let next = self.next_randomness.get();
        self.next_randomness.set(next + 1);
        self.randomness
            .get(next)
            .expect("a batch draws as many masks as were drawn for it")
            .clone()
    }

    fn encode<R: Rng>(&self, msg: &[EF], rng: &mut R) -> Self::Codeword {
        self.inner.encode(msg, rng)
    }

    fn simulate<R: Rng>(&self, query_set: &[usize], rng: &mut R) -> Vec<EF> {
        self.inner.simulate(query_set, rng)
    }
}

impl<Enc, EF> ZkEncodingWithRandomness<EF> for PresampledMasks<'_, Enc, EF>
where
    EF: Field,
    Enc: ZkEncodingWithRandomness<EF>,
{
    fn encode_with_randomness(&self, msg: &[EF], randomness: &[EF]) -> Self::Codeword {
        self.inner.encode_with_randomness(msg, randomness)
    }

    /// The batch's masks were encoded and committed with every other batch's before the first
    /// batch; [`SharedMaskMmcs`] ignores this matrix, so none is built.
    fn encode_batch_with_randomness<Msg, Rand>(
        &self,
        _messages: &[Msg],
        _randomness: &[Rand],
    ) -> RowMajorMatrix<EF>
    where
        Msg: AsRef<[EF]>,
        Rand: AsRef<[EF]>,
        Self::Codeword: Matrix<EF>,
    {
        RowMajorMatrix::new(Vec::new(), 1)
    }
}

/// zkinfer patch (item 17): the MMCS a masked sumcheck batch commits its masks through once
/// every batch's masks are committed in one tree: its "commitment" is that tree's root, its
/// prover data nothing (the base case opens the shared tree). Prover-only: the batch prover
/// calls nothing but `commit`; every opening or verifying method is unreachable.
#[derive(Clone)]
pub(super) struct SharedMaskMmcs<C> {
    /// The root of the tree of every batch's sumcheck masks.
    pub(super) commitment: C,
}

impl<T, C> Mmcs<T> for SharedMaskMmcs<C>
where
    T: Send + Sync + Clone,
    C: Clone + serde::Serialize + serde::de::DeserializeOwned,
{
    type ProverData<M> = ();
    type Commitment = C;
    type Proof = ();
    type MultiProof = ();
    type Error = ();

    fn commit<M: Matrix<T>>(&self, _inputs: Vec<M>) -> (Self::Commitment, Self::ProverData<M>) {
        (self.commitment.clone(), ())
    }

    fn open_batch<M: Matrix<T>>(
        &self,
        _index: usize,
        _prover_data: &Self::ProverData<M>,
    ) -> p3_commit::BatchOpening<T, Self> {
        unreachable!("the shared sumcheck mask tree is opened by the base case, not a batch")
    }

    fn get_matrices<'a, M: Matrix<T>>(&self, _prover_data: &'a Self::ProverData<M>) -> Vec<&'a M> {
        unreachable!("the shared sumcheck mask tree is opened by the base case, not a batch")
    }

    fn verify_batch(
        &self,
        _commit: &Self::Commitment,
        _dimensions: &[p3_matrix::Dimensions],
        _index: usize,
        _batch_opening: p3_commit::BatchOpeningRef<'_, T, Self>,
    ) -> Result<(), Self::Error> {
        Err(())
    }

    fn open_multi_batch<M: Matrix<T>>(
        &self,
        _indices: &[usize],
        _prover_data: &Self::ProverData<M>,
    ) -> (Vec<Vec<Vec<T>>>, Self::MultiProof) {
        unreachable!("the shared sumcheck mask tree is opened by the base case, not a batch")
    }

    fn verify_multi_batch<R: AsRef<[T]> + PartialEq>(
        &self,
        _commit: &Self::Commitment,
        _dimensions: &[p3_matrix::Dimensions],
        _indices: &[usize],
        _opened_values: &[Vec<R>],
        _proof: &Self::MultiProof,
    ) -> Result<(), Self::Error> {
        Err(())
    }
}
