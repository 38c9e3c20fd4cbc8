//! Several columns in one masked commitment: a proof's witness batch (proof format 25).
//!
//! The columns are placed in one stack `D` exactly as [`crate::HidingPcs`] places them
//! ([`Stack`]: each column padded to at least the plain opening's folding factor, largest first,
//! in a power-of-two-aligned slot, zeros after the last slot), and `D` is the one column of a
//! [`MaskedPcs`] commitment. A claim on column `c` is the claim on `D` at the lifted point
//! (`c̃(p) = D(bits(offset) ‖ 0… ‖ p)`, the selector and padding coordinates Boolean); a
//! [`StackClaim`] is a claim on `D` itself. So the opening reveals the claimed values and, like
//! the one-column opening, nothing else (docs/PROOF_SIZE.md §2.i.1).
//!
//! `D` has at least `k + 1` variables (the masked opening's smallest column); the commitment
//! binds the columns' shapes, and the verifier recomputes `D`'s size from them.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

use std::borrow::Cow;

use rand_zk::rngs::StdRng;
use serde::{Deserialize, Serialize};
use zkinfer_field::{BasedVectorSpace, EF, F, Transcript};

use super::{
    MAX_DATA_VARS, MaskedCommitment, MaskedData, MaskedError, MaskedPcs, MaskedProof, stack_vars,
    tail_fits,
};
use crate::hiding::stack::Stack;
use crate::hiding::stored::{ByteString, Elements, ElementsBuf};
use crate::types::{DIGEST_BYTES, Digest};
use crate::{ColumnClaim, MAX_CLAIMS, PcsError, StackClaim};

const LABEL_SHAPES: &[u8] = b"mk/shapes";
const LABEL_USES: &[u8] = b"mk/uses";

/// A [`MaskedBatchData`] as a proving key stores it: the columns' shapes and the committed stack
/// and tree (restored with [`MaskedPcs::restore_batch`]).
///
/// Encoded compactly (each vector of field elements and each digest layer as byte strings; p3's
/// own serde writes a digest as 32 separate bytes), so a key holding one decodes in bulk.
#[derive(Clone)]
pub struct StoredMaskedBatch {
    num_vars: Vec<u32>,
    data: MaskedData,
}

/// [`StoredMaskedBatch`]'s encoding, written from borrowed parts.
#[derive(Serialize)]
struct WireRef<'a> {
    num_vars: &'a [u32],
    data_vars: u32,
    stack_vars: u32,
    stack: Elements<'a>,
    mask: Elements<'a>,
    leaves: Vec<(u64, Elements<'a>)>,
    layers: Vec<ByteString>,
    arity: Vec<u64>,
}

/// [`StoredMaskedBatch`]'s encoding, read into owned parts.
#[derive(Deserialize)]
struct Wire {
    num_vars: Vec<u32>,
    data_vars: u32,
    stack_vars: u32,
    stack: ElementsBuf,
    mask: ElementsBuf,
    leaves: Vec<(u64, ElementsBuf)>,
    layers: Vec<ByteString>,
    arity: Vec<u64>,
}

impl Serialize for StoredMaskedBatch {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let d = &self.data;
        let mask: Vec<F> = d
            .mask
            .iter()
            .flat_map(|v| v.as_basis_coefficients_slice().to_vec())
            .collect();
        let (leaves, layers, arity) = d.tree.parts();
        WireRef {
            num_vars: &self.num_vars,
            data_vars: u32::try_from(d.data_vars).unwrap_or(u32::MAX),
            stack_vars: u32::try_from(d.stack_vars).unwrap_or(u32::MAX),
            stack: Elements(&d.stack),
            mask: Elements(&mask),
            leaves: leaves
                .iter()
                .map(|m| (m.width as u64, Elements(&m.values)))
                .collect(),
            layers: layers
                .iter()
                .map(|l| ByteString(l.iter().flatten().copied().collect()))
                .collect(),
            arity: arity.iter().map(|&a| a as u64).collect(),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for StoredMaskedBatch {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let w = Wire::deserialize(deserializer)?;
        let bad = |reason: &str| D::Error::custom(format!("stored masked commitment: {reason}"));
        let (data_vars, stack_vars) = (w.data_vars as usize, w.stack_vars as usize);
        if stack_vars > MAX_DATA_VARS + 4
            || data_vars > stack_vars
            || w.stack.0.len() != 1usize << stack_vars
            || !w.mask.0.len().is_multiple_of(2)
        {
            return Err(bad("a stack or mask of the wrong size"));
        }
        let mut leaves = Vec::with_capacity(w.leaves.len());
        for (width, values) in w.leaves {
            let width = usize::try_from(width).map_err(|_| bad("a leaf width"))?;
            if width == 0 || !values.0.len().is_multiple_of(width) {
                return Err(bad("a leaf matrix of the wrong size"));
            }
            leaves.push(p3_matrix::dense::RowMajorMatrix::new(values.0, width));
        }
        let mut layers = Vec::with_capacity(w.layers.len());
        for ByteString(bytes) in w.layers {
            if !bytes.len().is_multiple_of(DIGEST_BYTES) {
                return Err(bad("a digest layer of the wrong length"));
            }
            layers.push(
                bytes
                    .chunks_exact(DIGEST_BYTES)
                    .map(|c| <Digest>::try_from(c).unwrap_or([0; DIGEST_BYTES]))
                    .collect::<Vec<Digest>>(),
            );
        }
        if leaves.is_empty() || layers.last().is_none_or(|l| l.len() != 1) {
            return Err(bad("a tree without leaves or a root"));
        }
        let arity = w
            .arity
            .into_iter()
            .map(|a| usize::try_from(a).map_err(|_| bad("an arity")))
            .collect::<Result<Vec<usize>, _>>()?;
        let mask = w
            .mask
            .0
            .chunks_exact(2)
            .map(|c| EF::from_basis_coefficients_fn(|i| c.get(i).copied().unwrap_or_default()))
            .collect();
        Ok(Self {
            num_vars: w.num_vars,
            data: MaskedData {
                stack: w.stack.0,
                mask,
                tree: Tree::from_parts(leaves, layers, arity),
                data_vars,
                stack_vars,
            },
        })
    }
}

/// The masked commitment's tree.
type Tree = <crate::types::KeccakMmcs as p3_commit::Mmcs<F>>::ProverData<
    p3_matrix::dense::RowMajorMatrix<F>,
>;

impl StoredMaskedBatch {
    /// Each stored column's number of variables.
    #[must_use]
    pub fn num_vars(&self) -> &[u32] {
        &self.num_vars
    }

    /// The stored tree's Merkle root.
    #[must_use]
    pub fn root(&self) -> Digest {
        self.data.tree.root().into()
    }

    /// The stored commitment's stack size, in variables.
    #[must_use]
    pub fn stack_vars(&self) -> usize {
        self.data.stack_vars
    }
}

impl std::fmt::Debug for StoredMaskedBatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredMaskedBatch")
            .field("num_vars", &self.num_vars)
            .finish_non_exhaustive()
    }
}

/// Where a batch's columns sit ([`MaskedPcs::batch_slots`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchSlots {
    /// The columns' stack `D`'s variables.
    pub data_vars: usize,
    /// The masked stack's variables (`data_vars` in the tail layout).
    pub stack_vars: usize,
    /// Each column's padded variables and its slot's offset in `D`.
    pub slots: Vec<(usize, usize)>,
}

/// A masked commitment of several columns: the stack's commitment and each column's number of
/// variables.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaskedBatchCommitment {
    /// The commitment of the columns' stack `D`.
    pub stack: MaskedCommitment,
    /// Each column's number of variables.
    pub num_vars: Vec<u32>,
}

/// The prover's data of a [`MaskedBatchCommitment`].
#[derive(Debug)]
pub struct MaskedBatchData {
    data: MaskedData,
    layout: Stack,
    fold: usize,
}

impl MaskedBatchData {
    /// What a proving key stores of a reusable weights commitment.
    #[must_use]
    pub fn into_stored(self) -> StoredMaskedBatch {
        StoredMaskedBatch {
            num_vars: self
                .layout
                .num_vars
                .iter()
                .map(|&n| u32::try_from(n).unwrap_or(u32::MAX))
                .collect(),
            data: self.data,
        }
    }

    /// The number of variables of the columns' stack `D` (a [`StackClaim`]'s point's length).
    #[must_use]
    pub fn stacked_vars(&self) -> usize {
        self.data.data_vars
    }

    /// `D`'s `2^stacked_vars` values: what a caller needs to reduce column claims to one
    /// [`StackClaim`] (docs/ZK.md §13). Gathered from the committed stack (each limb's first
    /// part), so not kept twice.
    #[must_use]
    pub fn stacked_values(&self) -> Cow<'_, [F]> {
        Cow::Owned(self.data.column(self.fold))
    }

    /// Each claim's point on `D` (after checking it against the shapes).
    ///
    /// # Errors
    /// A claim on a missing column or with a point of the wrong length.
    pub fn lift(&self, claims: &[ColumnClaim]) -> Result<Vec<Vec<EF>>, PcsError> {
        self.layout.lift_points(claims, self.data.data_vars)
    }
}

impl MaskedPcs {
    /// The masked stack's number of variables for the columns' stack `D` of `2^d` (`layout`'s
    /// columns): `d` itself — the tail layout — when every limb keeps room for the masks after
    /// the columns, else the half layout's [`stack_vars`].
    fn batch_stack_vars(&self, layout: &Stack, d: usize) -> usize {
        if tail_fits(d, layout.used, self.config.fold) {
            d
        } else {
            stack_vars(d, self.config.fold)
        }
    }

    /// The placement of columns of `num_vars` and `D`'s number of variables.
    fn batch_layout(&self, num_vars: &[usize]) -> Result<(Stack, usize), MaskedError> {
        let layout = Stack::new(num_vars, &self.config.plain).map_err(MaskedError::Layout)?;
        let d = layout.min_stacked_vars.max(self.config.fold + 1);
        if d > MAX_DATA_VARS {
            return Err(MaskedError::Shape(format!(
                "columns stacked in 2^{d}: a masked commitment takes at most 2^{MAX_DATA_VARS}"
            )));
        }
        Ok((layout, d))
    }

    /// Where columns of `num_vars` sit in their masked commitment: `D`'s variables, the masked
    /// stack's (`D`'s own in the tail layout) and each column's padded variables and slot offset —
    /// what an on-chain verifier needs to lift claims (zkinfer-evm's `MaskedVerifier.verifyBatch`).
    ///
    /// # Errors
    /// Shapes a masked commitment does not take.
    pub fn batch_slots(&self, num_vars: &[usize]) -> Result<BatchSlots, MaskedError> {
        let (layout, d) = self.batch_layout(num_vars)?;
        Ok(BatchSlots {
            data_vars: d,
            stack_vars: self.batch_stack_vars(&layout, d),
            slots: layout.slots(),
        })
    }

    /// Whether columns of `num_vars` fit one masked commitment.
    #[must_use]
    pub fn batch_fits(&self, num_vars: &[usize]) -> bool {
        self.batch_layout(num_vars).is_ok()
    }

    /// The number of variables of the stack `D` of columns of `num_vars` (`None` if they do not
    /// fit one masked commitment).
    #[must_use]
    pub fn batch_stacked_vars(&self, num_vars: &[usize]) -> Option<usize> {
        self.batch_layout(num_vars).ok().map(|(_, d)| d)
    }

    /// Commits `columns` (each a power of two long) in one masked commitment, drawing its
    /// randomness from `rng`, and absorbs it as [`MaskedPcs::absorb_batch_commitment`] does.
    ///
    /// # Errors
    /// [`MaskedError::Layout`] for columns that are not powers of two long, none or too many;
    /// [`MaskedError::Shape`] for a stack over 2^[`MAX_DATA_VARS`].
    pub fn commit_batch(
        &self,
        columns: &[Vec<F>],
        rng: &mut StdRng,
        transcript: &mut Transcript,
    ) -> Result<(MaskedBatchCommitment, MaskedBatchData), MaskedError> {
        let (commitment, data) = self.commit_stacked(columns, |stacked, layout, d| {
            let n = self.batch_stack_vars(layout, d);
            self.commit_tree(stacked, n, true, layout.used, rng)
        })?;
        self.absorb_batch_commitment(&commitment, transcript)?;
        Ok((commitment, data))
    }

    /// The steps every batch commit shares: the columns' shapes and placement, their stack `D`
    /// filled and handed to `commit` (with the placement and `D`'s variables), the commitment and
    /// the prover's data.
    fn commit_stacked(
        &self,
        columns: &[Vec<F>],
        commit: impl FnOnce(&[F], &Stack, usize) -> Result<(MaskedCommitment, MaskedData), MaskedError>,
    ) -> Result<(MaskedBatchCommitment, MaskedBatchData), MaskedError> {
        let num_vars = crate::prover::column_vars(columns).map_err(MaskedError::Layout)?;
        let (layout, d) = self.batch_layout(&num_vars)?;
        let stacked = layout.fill(columns, d);
        let (stack, data) = commit(&stacked, &layout, d)?;
        drop(stacked);
        Ok((
            MaskedBatchCommitment {
                stack,
                num_vars: num_vars.iter().map(|&n| n as u32).collect(),
            },
            MaskedBatchData {
                data,
                layout,
                fold: self.config.fold,
            },
        ))
    }

    /// The verifier's side of [`MaskedPcs::commit_batch`]: checks that the stack's size is the
    /// one the columns' shapes give, and absorbs the shapes and the stack's commitment.
    ///
    /// # Errors
    /// [`MaskedError::Layout`] or [`MaskedError::Shape`] for shapes a masked commitment does not
    /// take or a stack of another size.
    pub fn absorb_batch_commitment(
        &self,
        commitment: &MaskedBatchCommitment,
        transcript: &mut Transcript,
    ) -> Result<(), MaskedError> {
        let (layout, d) = self.batch_of(commitment)?;
        let n = self.batch_stack_vars(&layout, d);
        if commitment.stack.data_vars != d || commitment.stack.stack_vars != n {
            return Err(MaskedError::Shape(format!(
                "the columns stack in 2^{d} (a masked stack of 2^{n}); the commitment says \
                 2^{} in 2^{}",
                commitment.stack.data_vars, commitment.stack.stack_vars
            )));
        }
        absorb_shapes(&commitment.num_vars, transcript);
        self.absorb_commitment(&commitment.stack, transcript)
    }

    fn batch_of(&self, commitment: &MaskedBatchCommitment) -> Result<(Stack, usize), MaskedError> {
        let num_vars: Vec<usize> = commitment.num_vars.iter().map(|&n| n as usize).collect();
        self.batch_layout(&num_vars)
    }

    /// The verifier's side of [`MaskedBatchData::stacked_vars`] and [`MaskedBatchData::lift`].
    ///
    /// # Errors
    /// As [`MaskedBatchData::lift`]; shapes a masked commitment does not take.
    pub fn lift_batch(
        &self,
        commitment: &MaskedBatchCommitment,
        claims: &[ColumnClaim],
    ) -> Result<(usize, Vec<Vec<EF>>), MaskedError> {
        let (layout, d) = self.batch_of(commitment)?;
        let points = layout.lift_points(claims, d).map_err(MaskedError::Layout)?;
        Ok((d, points))
    }

    /// Opens `claims` on the columns and `stack` claims on `D` with one masked opening,
    /// consuming the data (a masked commitment is opened once).
    ///
    /// # Errors
    /// A claim on a missing column or with a point of the wrong length, no claims or too many;
    /// the opening's errors ([`MaskedPcs::open`]).
    #[allow(
        clippy::needless_pass_by_value,
        reason = "consuming the data is the contract: a masked commitment opens once"
    )]
    pub fn open_batch(
        &self,
        data: MaskedBatchData,
        claims: &[ColumnClaim],
        stack: &[StackClaim],
        transcript: &mut Transcript,
    ) -> Result<MaskedProof, MaskedError> {
        let points = data
            .layout
            .lift_points(claims, data.data.data_vars)
            .map_err(MaskedError::Layout)?;
        let claims = on_stack(points, claims, stack)?;
        self.open(&data.data, &claims, transcript)
    }

    /// Checks a [`MaskedPcs::open_batch`] proof (the commitment absorbed before with
    /// [`MaskedPcs::absorb_batch_commitment`]). Never panics.
    ///
    /// # Errors
    /// The first check that fails.
    pub fn verify_batch(
        &self,
        commitment: &MaskedBatchCommitment,
        claims: &[ColumnClaim],
        stack: &[StackClaim],
        proof: &MaskedProof,
        transcript: &mut Transcript,
    ) -> Result<(), MaskedError> {
        let (_, points) = self.lift_batch(commitment, claims)?;
        let claims = on_stack(points, claims, stack)?;
        self.verify(&commitment.stack, &claims, proof, transcript)
    }
}

impl MaskedPcs {
    /// Restores a stored batch (the layout recomputed from the shapes).
    ///
    /// # Errors
    /// Shapes that do not give the stored stack's size.
    pub fn restore_batch(&self, stored: StoredMaskedBatch) -> Result<MaskedBatchData, MaskedError> {
        let layout = self.stored_layout(&stored)?;
        Ok(MaskedBatchData {
            data: stored.data,
            layout,
            fold: self.config.fold,
        })
    }

    /// The commitment a stored batch is the data of (its shapes, sizes and root), after checking
    /// that the shapes give its stack.
    ///
    /// # Errors
    /// Shapes that do not give the stored stack's size.
    pub fn stored_commitment(
        &self,
        stored: &StoredMaskedBatch,
    ) -> Result<MaskedBatchCommitment, MaskedError> {
        self.stored_layout(stored)?;
        Ok(MaskedBatchCommitment {
            stack: MaskedCommitment {
                root: stored.root(),
                data_vars: stored.data.data_vars,
                stack_vars: stored.data.stack_vars,
            },
            num_vars: stored.num_vars.clone(),
        })
    }

    /// The stored batch's columns' stack `D` ([`MaskedBatchData::stacked_values`]).
    #[must_use]
    pub fn stored_stacked_values(&self, stored: &StoredMaskedBatch) -> Vec<F> {
        stored.data.column(self.config.fold)
    }

    /// The layout of a stored batch, checked against its stack.
    fn stored_layout(&self, stored: &StoredMaskedBatch) -> Result<Stack, MaskedError> {
        let num_vars: Vec<usize> = stored.num_vars.iter().map(|&n| n as usize).collect();
        let (layout, d) = self.batch_layout(&num_vars)?;
        if stored.data.data_vars != d || stored.data.stack.len() != 1usize << stored.data.stack_vars
        {
            return Err(MaskedError::Shape(
                "a stored masked commitment whose stack is not its columns'".into(),
            ));
        }
        Ok(layout)
    }

    /// [`MaskedPcs::open_joint_batch`] with the weights' data as a proving key stores it (read in
    /// place, not restored).
    ///
    /// # Errors
    /// As [`MaskedPcs::open_joint_batch`]; stored data whose shapes do not give its stack.
    #[allow(
        clippy::too_many_arguments,
        reason = "two commitments' data, each with its column and stack claims"
    )]
    #[allow(
        clippy::needless_pass_by_value,
        reason = "consuming the witness's data is the contract: it opens once"
    )]
    pub fn open_joint_stored(
        &self,
        weights: &StoredMaskedBatch,
        weights_claims: &[ColumnClaim],
        weights_stack: &[StackClaim],
        witness: MaskedBatchData,
        claims: &[ColumnClaim],
        stack: &[StackClaim],
        transcript: &mut Transcript,
    ) -> Result<MaskedProof, MaskedError> {
        let layout = self.stored_layout(weights)?;
        self.open_joint_parts(
            (&layout, &weights.data),
            weights_claims,
            weights_stack,
            &witness,
            claims,
            stack,
            transcript,
        )
    }

    /// Commits the weights' `columns` once for `uses` joint openings ([`MaskedPcs::commit_reusable`]
    /// on their stack `D`, at least `2^min_stack_vars`), and absorbs the commitment as
    /// [`MaskedPcs::absorb_reusable_batch_commitment`] does.
    ///
    /// # Errors
    /// As [`MaskedPcs::commit_batch`]; a budget that does not fit.
    pub fn commit_reusable_batch(
        &self,
        columns: &[Vec<F>],
        uses: usize,
        min_stack_vars: usize,
        rng: &mut StdRng,
        transcript: &mut Transcript,
    ) -> Result<(MaskedBatchCommitment, MaskedBatchData), MaskedError> {
        // The stack's own absorb is replaced by the batch's (shapes, budget, then the stack).
        let (commitment, data) = self.commit_stacked(columns, |stacked, _, _| {
            self.commit_reusable_at(
                stacked,
                uses,
                min_stack_vars,
                rng,
                &mut Transcript::new(b""),
            )
        })?;
        self.absorb_reusable_batch_commitment(&commitment, uses, transcript)?;
        Ok((commitment, data))
    }

    /// The verifier's side of [`MaskedPcs::commit_reusable_batch`]: the stack holds `uses`
    /// openings' randomness; absorbs the shapes, `uses` and the stack's commitment.
    ///
    /// # Errors
    /// Shapes a masked commitment does not take; a stack too small for `uses`.
    pub fn absorb_reusable_batch_commitment(
        &self,
        commitment: &MaskedBatchCommitment,
        uses: usize,
        transcript: &mut Transcript,
    ) -> Result<(), MaskedError> {
        let (_, d) = self.batch_of(commitment)?;
        let n = commitment.stack.stack_vars;
        if commitment.stack.data_vars != d || !self.reusable_fits(d, n, uses) {
            return Err(MaskedError::Shape(format!(
                "a reusable commitment of 2^{} in 2^{n} for columns stacked in 2^{d} and {uses} \
                 uses",
                commitment.stack.data_vars
            )));
        }
        absorb_shapes(&commitment.num_vars, transcript);
        transcript.absorb_u64(LABEL_USES, uses as u64);
        self.absorb_commitment(&commitment.stack, transcript)
    }

    /// Commits a proof's witness `columns` in a stack of `2^stack_vars` (a reusable weights
    /// commitment's, for [`MaskedPcs::open_joint_batch`]; the half layout) and absorbs it as
    /// [`MaskedPcs::absorb_batch_commitment_at`] does.
    ///
    /// # Errors
    /// As [`MaskedPcs::commit_batch`]; a stack that does not hold the columns' in the half
    /// layout.
    pub fn commit_batch_at(
        &self,
        columns: &[Vec<F>],
        stack_vars: usize,
        rng: &mut StdRng,
        transcript: &mut Transcript,
    ) -> Result<(MaskedBatchCommitment, MaskedBatchData), MaskedError> {
        let (commitment, data) = self.commit_stacked(columns, |stacked, layout, d| {
            if stack_vars <= d {
                return Err(MaskedError::Shape(format!(
                    "a witness stacked in 2^{d} does not fit a joint stack of 2^{stack_vars}"
                )));
            }
            self.commit_tree(stacked, stack_vars, true, layout.used, rng)
        })?;
        self.absorb_batch_commitment_at(&commitment, stack_vars, transcript)?;
        Ok((commitment, data))
    }

    /// The verifier's side of [`MaskedPcs::commit_batch_at`].
    ///
    /// # Errors
    /// Shapes a masked commitment does not take, or another stack size.
    pub fn absorb_batch_commitment_at(
        &self,
        commitment: &MaskedBatchCommitment,
        stack_vars: usize,
        transcript: &mut Transcript,
    ) -> Result<(), MaskedError> {
        let (_, d) = self.batch_of(commitment)?;
        if commitment.stack.data_vars != d
            || commitment.stack.stack_vars != stack_vars
            || stack_vars <= d
        {
            return Err(MaskedError::Shape(format!(
                "a witness commitment of 2^{} in 2^{} where its columns stack in 2^{d} and the \
                 joint stack is 2^{stack_vars}",
                commitment.stack.data_vars, commitment.stack.stack_vars
            )));
        }
        absorb_shapes(&commitment.num_vars, transcript);
        self.absorb_commitment(&commitment.stack, transcript)
    }

    /// Opens the weights' reusable commitment (`weights`, borrowed: it serves `uses` proofs) at
    /// `weights_claims` and `weights_stack`, and a proof's witness (committed with
    /// [`MaskedPcs::commit_batch_at`] at the weights' stack size) at `claims` and `stack`, in one
    /// masked opening ([`MaskedPcs::open_joint`]).
    ///
    /// # Errors
    /// As [`MaskedPcs::open_batch`] and [`MaskedPcs::open_joint`].
    #[allow(
        clippy::needless_pass_by_value,
        reason = "consuming the witness's data is the contract: it opens once"
    )]
    #[allow(
        clippy::too_many_arguments,
        reason = "two commitments' data, each with its column and stack claims"
    )]
    pub fn open_joint_batch(
        &self,
        weights: &MaskedBatchData,
        weights_claims: &[ColumnClaim],
        weights_stack: &[StackClaim],
        witness: MaskedBatchData,
        claims: &[ColumnClaim],
        stack: &[StackClaim],
        transcript: &mut Transcript,
    ) -> Result<MaskedProof, MaskedError> {
        self.open_joint_parts(
            (&weights.layout, &weights.data),
            weights_claims,
            weights_stack,
            &witness,
            claims,
            stack,
            transcript,
        )
    }

    /// [`MaskedPcs::open_joint_batch`] on the weights' placement and data.
    #[allow(
        clippy::too_many_arguments,
        reason = "two commitments' data, each with its column and stack claims"
    )]
    fn open_joint_parts(
        &self,
        (w_layout, w_data): (&Stack, &MaskedData),
        weights_claims: &[ColumnClaim],
        weights_stack: &[StackClaim],
        witness: &MaskedBatchData,
        claims: &[ColumnClaim],
        stack: &[StackClaim],
        transcript: &mut Transcript,
    ) -> Result<MaskedProof, MaskedError> {
        let w_points = w_layout
            .lift_points(weights_claims, w_data.data_vars)
            .map_err(MaskedError::Layout)?;
        let w_claims = on_stack(w_points, weights_claims, weights_stack)?;
        let x_points = witness
            .layout
            .lift_points(claims, witness.data.data_vars)
            .map_err(MaskedError::Layout)?;
        let x_claims = on_stack(x_points, claims, stack)?;
        self.open_joint(w_data, &w_claims, &witness.data, &x_claims, transcript)
    }

    /// The verifier's side of [`MaskedPcs::open_joint_batch`] (both commitments absorbed before,
    /// the weights' first). Never panics.
    ///
    /// # Errors
    /// The first check that fails.
    #[allow(
        clippy::too_many_arguments,
        reason = "two commitments, each with its column and stack claims"
    )]
    pub fn verify_joint_batch(
        &self,
        weights: &MaskedBatchCommitment,
        weights_claims: &[ColumnClaim],
        weights_stack: &[StackClaim],
        witness: &MaskedBatchCommitment,
        claims: &[ColumnClaim],
        stack: &[StackClaim],
        proof: &MaskedProof,
        transcript: &mut Transcript,
    ) -> Result<(), MaskedError> {
        let (_, w_points) = self.lift_batch(weights, weights_claims)?;
        let w_claims = on_stack(w_points, weights_claims, weights_stack)?;
        let (_, x_points) = self.lift_batch(witness, claims)?;
        let x_claims = on_stack(x_points, claims, stack)?;
        self.verify_joint(
            &weights.stack,
            &w_claims,
            &witness.stack,
            &x_claims,
            proof,
            transcript,
        )
    }
}

fn absorb_shapes(num_vars: &[u32], transcript: &mut Transcript) {
    transcript.absorb_u64(LABEL_SHAPES, num_vars.len() as u64);
    for &v in num_vars {
        transcript.absorb_u64(LABEL_SHAPES, u64::from(v));
    }
}

/// The claims on `D`: the column claims at their lifted points, then the stack claims.
fn on_stack(
    points: Vec<Vec<EF>>,
    claims: &[ColumnClaim],
    stack: &[StackClaim],
) -> Result<Vec<(Vec<EF>, EF)>, MaskedError> {
    let total = claims.len() + stack.len();
    if total > MAX_CLAIMS {
        return Err(MaskedError::Layout(PcsError::TooManyClaims {
            max: MAX_CLAIMS,
            got: total,
        }));
    }
    Ok(points
        .into_iter()
        .zip(claims)
        .map(|(p, c)| (p, c.value))
        .chain(stack.iter().map(|s| (s.point.clone(), s.value)))
        .collect())
}

#[cfg(test)]
mod tests {
    use rand_zk::{RngExt, SeedableRng};
    use zkinfer_field::{BasedVectorSpace, PrimeCharacteristicRing};
    use zkinfer_poly::evaluate;

    use super::*;
    use crate::masked::MaskedConfig;

    const LABEL: &[u8] = b"masked-batch-test";

    fn ext(rng: &mut StdRng) -> EF {
        EF::from_basis_coefficients_fn(|_| rng.random::<F>())
    }

    struct Case {
        pcs: MaskedPcs,
        commitment: MaskedBatchCommitment,
        claims: Vec<ColumnClaim>,
        stack: Vec<StackClaim>,
        proof: MaskedProof,
        columns: Vec<Vec<F>>,
    }

    /// Columns of `vars`, one true claim per column and one on the whole stack.
    fn honest(vars: &[usize], seed: u64) -> Case {
        let mut rng = StdRng::seed_from_u64(seed);
        let pcs = MaskedPcs::new(MaskedConfig::default());
        let columns: Vec<Vec<F>> = vars
            .iter()
            .map(|&n| (0..1usize << n).map(|_| rng.random()).collect())
            .collect();
        let claims: Vec<ColumnClaim> = columns
            .iter()
            .enumerate()
            .map(|(column, c)| {
                let point: Vec<EF> = (0..c.len().trailing_zeros())
                    .map(|_| ext(&mut rng))
                    .collect();
                ColumnClaim {
                    column,
                    value: evaluate::<F, EF>(c, &point),
                    point,
                }
            })
            .collect();
        let mut t = Transcript::new(LABEL);
        let (commitment, data) = pcs.commit_batch(&columns, &mut rng, &mut t).unwrap();
        // The stack claim is made on `D` as the engine makes it: from the data's values.
        let point: Vec<EF> = (0..data.stacked_vars()).map(|_| ext(&mut rng)).collect();
        let stack = vec![StackClaim {
            value: evaluate::<F, EF>(&data.stacked_values(), &point),
            point,
        }];
        // The data's lift is the verifier's.
        assert_eq!(
            data.lift(&claims).unwrap(),
            pcs.lift_batch(&commitment, &claims).unwrap().1
        );
        let proof = pcs.open_batch(data, &claims, &stack, &mut t).unwrap();
        Case {
            pcs,
            commitment,
            claims,
            stack,
            proof,
            columns,
        }
    }

    fn check(
        pcs: &MaskedPcs,
        c: &MaskedBatchCommitment,
        claims: &[ColumnClaim],
        stack: &[StackClaim],
        proof: &MaskedProof,
    ) -> Result<(), MaskedError> {
        let mut t = Transcript::new(LABEL);
        pcs.absorb_batch_commitment(c, &mut t)?;
        pcs.verify_batch(c, claims, stack, proof, &mut t)
    }

    fn accepts(case: &Case) -> Result<(), MaskedError> {
        check(
            &case.pcs,
            &case.commitment,
            &case.claims,
            &case.stack,
            &case.proof,
        )
    }

    #[test]
    fn several_columns_open_in_one_masked_proof() {
        // Sizes as a witness batch has them: unequal, unsorted, one below the padding.
        // The half layout (a stack of `2^(d+1)`) for the first two, the tail layout (`n = d`)
        // for the third.
        for (vars, seed, tail) in [
            (&[10usize, 12, 3, 12, 7][..], 1, false),
            (&[2, 2][..], 2, false),
            (&[16, 12, 9][..], 7, true),
        ] {
            let case = honest(vars, seed);
            accepts(&case).unwrap();
            // The lifted claims are true of `D` at the lifted points.
            let (layout, d) = case.pcs.batch_layout(vars).unwrap();
            let stacked = layout.fill(&case.columns, d);
            let (_, points) = case.pcs.lift_batch(&case.commitment, &case.claims).unwrap();
            for (p, c) in points.iter().zip(&case.claims) {
                assert_eq!(evaluate::<F, EF>(&stacked, p), c.value);
            }
            assert_eq!(case.commitment.stack.data_vars, d);
            assert_eq!(case.commitment.stack.stack_vars == d, tail, "{vars:?}");
        }
    }

    #[test]
    fn the_stacked_values_are_the_columns_stack() {
        let mut rng = StdRng::seed_from_u64(9);
        let pcs = MaskedPcs::new(MaskedConfig::default());
        for vars in [[9usize, 11, 4], [16, 12, 9]] {
            let columns: Vec<Vec<F>> = vars
                .iter()
                .map(|&n| (0..1usize << n).map(|_| rng.random()).collect())
                .collect();
            let mut t = Transcript::new(LABEL);
            let (c, data) = pcs.commit_batch(&columns, &mut rng, &mut t).unwrap();
            let (layout, d) = pcs.batch_layout(&vars).unwrap();
            assert_eq!(data.stacked_vars(), d);
            assert_eq!(c.stack.data_vars, d);
            // The columns in their slots; in the tail layout, uniform entries after them (the
            // masks' rows of every limb), which the stack claims are made on too.
            let values = data.stacked_values();
            let filled = layout.fill(&columns, d);
            assert_eq!(values[..layout.used], filled[..layout.used]);
            let tail = c.stack.stack_vars == d;
            assert_eq!(tail, vars[0] == 16);
            assert_eq!(values[layout.used..].iter().any(|&v| v != F::ZERO), tail);
        }
    }

    #[test]
    fn false_or_misplaced_claims_and_other_shapes_are_rejected() {
        rejects(&[10, 12, 3, 12, 7]);
    }

    #[test]
    fn in_the_tail_layout_false_or_misplaced_claims_and_other_shapes_are_rejected() {
        rejects(&[16, 12, 12, 9]);
    }

    fn rejects(vars: &[usize]) {
        let case = honest(vars, 3);
        let (pcs, c) = (&case.pcs, &case.commitment);
        let with_claims = |claims: &[ColumnClaim]| check(pcs, c, claims, &case.stack, &case.proof);
        let with_stack = |stack: &[StackClaim]| check(pcs, c, &case.claims, stack, &case.proof);
        let with_commitment =
            |c: &MaskedBatchCommitment| check(pcs, c, &case.claims, &case.stack, &case.proof);
        // A wrong column value; the same value claimed of another column of the same size; a
        // claim on a column that does not exist.
        let mut claims = case.claims.clone();
        claims[1].value += EF::ONE;
        assert!(with_claims(&claims).is_err());
        let mut claims = case.claims.clone();
        claims[1].column = 2;
        assert!(with_claims(&claims).is_err());
        let mut claims = case.claims.clone();
        claims[0].column = 5;
        assert!(matches!(with_claims(&claims), Err(MaskedError::Layout(_))));
        // A wrong stack value, a stack claim left out, a stack claim of the wrong length.
        let mut stack = case.stack.clone();
        stack[0].value += EF::ONE;
        assert!(with_stack(&stack).is_err());
        assert!(with_stack(&[]).is_err());
        let mut stack = case.stack.clone();
        stack[0].point.push(EF::ONE);
        assert!(with_stack(&stack).is_err());
        // Other shapes: two columns swapped (same stack size, other layout), a column more in
        // the same stack, one that changes the stack's size, a stack size that is not the
        // shapes', another root.
        let mut other = c.clone();
        other.num_vars.swap(0, 1);
        assert!(with_commitment(&other).is_err());
        let mut other = c.clone();
        other.num_vars.push(4);
        assert!(with_commitment(&other).is_err());
        let mut other = c.clone();
        other
            .num_vars
            .push(*other.num_vars.iter().max().unwrap() + 1);
        assert!(matches!(
            with_commitment(&other),
            Err(MaskedError::Shape(_))
        ));
        let mut other = c.clone();
        other.stack.stack_vars += 1;
        assert!(matches!(
            with_commitment(&other),
            Err(MaskedError::Shape(_))
        ));
        let mut other = c.clone();
        other.stack.root[0] ^= 1;
        assert!(with_commitment(&other).is_err());
        // Another batch's proof.
        let other = honest(vars, 4);
        assert!(check(pcs, c, &case.claims, &case.stack, &other.proof).is_err());
    }

    #[test]
    fn in_the_tail_layout_the_masks_are_uniform_whatever_the_columns() {
        // Zero columns: a revealed mask value or a first-round message that is a fixed function
        // of the columns would be zero.
        let mut rng = StdRng::seed_from_u64(13);
        let pcs = MaskedPcs::new(MaskedConfig::default());
        let columns = vec![vec![F::ZERO; 1 << 16], vec![F::ZERO; 1 << 12]];
        let mut t = Transcript::new(LABEL);
        let (c, data) = pcs.commit_batch(&columns, &mut rng, &mut t).unwrap();
        assert_eq!(c.stack.stack_vars, c.stack.data_vars, "the tail layout");
        let claims = vec![ColumnClaim {
            column: 0,
            point: (0..16).map(|_| ext(&mut rng)).collect(),
            value: EF::ZERO,
        }];
        let proof = pcs.open_batch(data, &claims, &[], &mut t).unwrap();
        assert!(proof.mask_values.iter().all(|&v| v != EF::ZERO));
        assert!(
            proof
                .first
                .round_polys
                .iter()
                .all(|m| m.iter().all(|&v| v != EF::ZERO))
        );
        assert!(check(&pcs, &c, &claims, &[], &proof).is_ok());
    }

    #[test]
    fn batches_the_masked_opening_does_not_take_are_refused() {
        let pcs = MaskedPcs::new(MaskedConfig::default());
        let mut rng = StdRng::seed_from_u64(5);
        let mut t = Transcript::new(LABEL);
        assert!(matches!(
            pcs.commit_batch(&[], &mut rng, &mut t),
            Err(MaskedError::Layout(_))
        ));
        assert!(matches!(
            pcs.commit_batch(&[vec![F::ZERO; 3]], &mut rng, &mut t),
            Err(MaskedError::Layout(_))
        ));
        assert!(!pcs.batch_fits(&[MAX_DATA_VARS, 1]));
        assert!(pcs.batch_fits(&[MAX_DATA_VARS - 1, MAX_DATA_VARS - 1]));
    }
}

#[cfg(test)]
mod joint_tests {
    use rand_zk::{RngExt, SeedableRng};
    use zkinfer_field::{BasedVectorSpace, PrimeCharacteristicRing};
    use zkinfer_poly::evaluate;

    use super::*;
    use crate::masked::MaskedConfig;

    const LABEL: &[u8] = b"masked-joint-batch-test";
    const USES: usize = 8;

    fn ext(rng: &mut StdRng) -> EF {
        EF::from_basis_coefficients_fn(|_| rng.random::<F>())
    }

    fn columns(vars: &[usize], rng: &mut StdRng) -> Vec<Vec<F>> {
        vars.iter()
            .map(|&n| (0..1usize << n).map(|_| rng.random()).collect())
            .collect()
    }

    fn claims(columns: &[Vec<F>], rng: &mut StdRng) -> Vec<ColumnClaim> {
        columns
            .iter()
            .enumerate()
            .map(|(column, c)| {
                let point: Vec<EF> = (0..c.len().trailing_zeros()).map(|_| ext(rng)).collect();
                ColumnClaim {
                    column,
                    value: evaluate::<F, EF>(c, &point),
                    point,
                }
            })
            .collect()
    }

    fn stack_claim(values: &[F], vars: usize, rng: &mut StdRng) -> Vec<StackClaim> {
        let point: Vec<EF> = (0..vars).map(|_| ext(rng)).collect();
        vec![StackClaim {
            value: evaluate::<F, EF>(values, &point),
            point,
        }]
    }

    #[derive(Clone)]
    struct Statement {
        w: MaskedBatchCommitment,
        wc: Vec<ColumnClaim>,
        ws: Vec<StackClaim>,
        x: MaskedBatchCommitment,
        xc: Vec<ColumnClaim>,
        xs: Vec<StackClaim>,
    }

    fn check(pcs: &MaskedPcs, s: &Statement, proof: &MaskedProof) -> Result<(), MaskedError> {
        let mut t = Transcript::new(LABEL);
        pcs.absorb_reusable_batch_commitment(&s.w, USES, &mut t)?;
        pcs.absorb_batch_commitment_at(&s.x, s.w.stack.stack_vars, &mut t)?;
        pcs.verify_joint_batch(&s.w, &s.wc, &s.ws, &s.x, &s.xc, &s.xs, proof, &mut t)
    }

    /// One proof against the weights' data: the witness committed at the weights' stack size.
    fn prove_one(
        pcs: &MaskedPcs,
        w: &MaskedBatchCommitment,
        wdata: &MaskedBatchData,
        weights: &[Vec<F>],
        x_shapes: &[usize],
        rng: &mut StdRng,
    ) -> (Statement, MaskedProof) {
        let mut t = Transcript::new(LABEL);
        pcs.absorb_reusable_batch_commitment(w, USES, &mut t)
            .unwrap();
        let xcols = columns(x_shapes, rng);
        let (x, xdata) = pcs
            .commit_batch_at(&xcols, w.stack.stack_vars, rng, &mut t)
            .unwrap();
        let wc = claims(weights, rng);
        let ws = stack_claim(&wdata.stacked_values(), wdata.stacked_vars(), rng);
        let xc = claims(&xcols, rng);
        let xs = stack_claim(&xdata.stacked_values(), xdata.stacked_vars(), rng);
        let proof = pcs
            .open_joint_batch(wdata, &wc, &ws, xdata, &xc, &xs, &mut t)
            .unwrap();
        (
            Statement {
                w: w.clone(),
                wc,
                ws,
                x,
                xc,
                xs,
            },
            proof,
        )
    }

    #[test]
    fn weights_committed_once_open_jointly_with_each_proofs_witness_and_are_bound() {
        let mut rng = StdRng::seed_from_u64(31);
        let pcs = MaskedPcs::new(MaskedConfig::default());
        let weights = columns(&[11, 7, 11, 4], &mut rng);
        // A stack that holds the witness (2^14 stacked: at least 2^15).
        let (w, wdata) = pcs
            .commit_reusable_batch(&weights, USES, 15, &mut rng, &mut Transcript::new(LABEL))
            .unwrap();
        assert!(w.stack.stack_vars >= 15);
        // A witness whose columns' stack is much smaller than the joint stack (a proof without
        // masked sumchecks: no mask pool).
        let (s, p) = prove_one(&pcs, &w, &wdata, &weights, &[9, 7], &mut rng);
        check(&pcs, &s, &p).unwrap();
        let (s1, p1) = prove_one(&pcs, &w, &wdata, &weights, &[12, 9, 12], &mut rng);
        check(&pcs, &s1, &p1).unwrap();
        // The key's stored data, through its encoding, serves the next proof.
        let bytes = bincode::serialize(&wdata.into_stored()).unwrap();
        let stored: StoredMaskedBatch = bincode::deserialize(&bytes).unwrap();
        let wdata = pcs.restore_batch(stored).unwrap();
        let (s2, p2) = prove_one(&pcs, &w, &wdata, &weights, &[12, 9, 12], &mut rng);
        check(&pcs, &s2, &p2).unwrap();

        let rejected = |label: &str, s: &Statement, p: &MaskedProof| {
            assert!(check(&pcs, s, p).is_err(), "{label}: accepted");
        };
        rejected("another proof's opening", &s1, &p2);
        let mut s = s1.clone();
        s.wc[2].value += EF::ONE;
        rejected("a wrong weights value", &s, &p1);
        let mut s = s1.clone();
        s.wc[2].column = 0;
        rejected("a weights claim on another column of that size", &s, &p1);
        let mut s = s1.clone();
        s.ws[0].value += EF::ONE;
        rejected("a wrong weights stack value", &s, &p1);
        let mut s = s1.clone();
        s.xc[0].value += EF::ONE;
        rejected("a wrong witness value", &s, &p1);
        let mut s = s1.clone();
        s.x = s2.x.clone();
        rejected("another proof's witness commitment", &s, &p1);
        let mut s = s1.clone();
        s.w.stack.root[3] ^= 1;
        rejected("another weights root", &s, &p1);
        // Another weights commitment of the same weights (other randomness).
        let (w_other, _) = pcs
            .commit_reusable_batch(&weights, USES, 15, &mut rng, &mut Transcript::new(LABEL))
            .unwrap();
        let mut s = s1.clone();
        s.w = w_other;
        rejected("another weights commitment", &s, &p1);
        // The verifier's budget differs from the commitment's: another transcript, or a stack
        // too small for it.
        let mut t = Transcript::new(LABEL);
        assert!(
            pcs.absorb_reusable_batch_commitment(&s1.w, 1 << 20, &mut t)
                .is_err()
        );
        // The joint proof is not a one-witness proof.
        let mut t = Transcript::new(LABEL);
        let _ = pcs.absorb_batch_commitment_at(&s1.x, s1.w.stack.stack_vars, &mut t);
        assert!(
            pcs.verify_batch(&s1.x, &s1.xc, &s1.xs, &p1, &mut t)
                .is_err()
        );
        // A witness committed at another stack size.
        let mut t = Transcript::new(LABEL);
        assert!(
            pcs.absorb_batch_commitment_at(&s1.x, s1.w.stack.stack_vars + 1, &mut t)
                .is_err()
        );
        // A stored batch whose shapes are not its stack's.
        let (_, wdata) = pcs
            .commit_reusable_batch(&weights, USES, 15, &mut rng, &mut Transcript::new(LABEL))
            .unwrap();
        let mut stored = wdata.into_stored();
        stored.num_vars.push(13);
        assert!(pcs.restore_batch(stored).is_err());
    }
}
