//! The data that crosses the prover/verifier boundary, and the p3 types behind it.

use p3_commit::MultilinearPcs;
use p3_dft::Radix2DFTSmallBatch;
use p3_keccak::Keccak256Hash;
use p3_merkle_tree::MerkleTreeMmcs;
use p3_sumcheck::layout::PrefixProver;
use p3_symmetric::{CompressionFunctionFromHasher, SerializingHasher};
use p3_whir::{PcsProof, WhirProver};
use serde::{Deserialize, Serialize};
use zkinfer_field::{EF, F, Transcript};

use crate::layout::Plan;

/// Leaf hash: standard padded Keccak-256 over the little-endian bytes of a row.
pub type LeafHash = SerializingHasher<Keccak256Hash>;
/// Node compression: Keccak-256 of the two 32-byte children.
pub type NodeCompress = CompressionFunctionFromHasher<Keccak256Hash, 2, 32>;
/// The Merkle commitment scheme (binary tree, 32-byte digests), reproducible by the EVM.
pub type KeccakMmcs = MerkleTreeMmcs<F, u8, LeafHash, NodeCompress, 2, 32>;
/// The FFT behind the Reed–Solomon encoding.
pub(crate) type Dft = Radix2DFTSmallBatch<F>;
/// p3's stacked layout (selector bits first, matching our big-endian convention).
pub(crate) type StackLayout = PrefixProver<F, EF>;
/// The p3-whir prover/verifier this crate drives.
pub(crate) type Whir = WhirProver<EF, F, Dft, KeccakMmcs, Transcript, StackLayout>;
pub(crate) type WhirData = <Whir as MultilinearPcs<EF, Transcript>>::ProverData;
pub(crate) type MerkleCap = <Whir as MultilinearPcs<EF, Transcript>>::Commitment;

/// A commitment to many columns: the Keccak Merkle root of the stacked codeword and the number
/// of variables of each column (which fixes where each column sits in the stack).
///
/// # Soundness
/// The root binds the stacked polynomial; the shapes say how to read it. A caller that pins a
/// commitment (e.g. the weights' root in a verifying key) must pin both: compare
/// [`Commitment::root`] *and* [`Commitment::num_vars`] with the expected ones, or compare
/// [`Commitment::digest`], which covers both.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Commitment {
    pub(crate) root: [u8; 32],
    pub(crate) num_vars: Vec<u32>,
}

impl Commitment {
    /// A commitment from its root and column shapes (a decoder's; [`crate::Pcs::absorb_commitment`]
    /// checks the shapes).
    #[must_use]
    pub fn from_parts(root: [u8; 32], num_vars: Vec<u32>) -> Self {
        Self { root, num_vars }
    }

    /// The Keccak-256 Merkle root of the stacked codeword.
    #[must_use]
    pub fn root(&self) -> [u8; 32] {
        self.root
    }

    /// The number of variables of each committed column, in commit order.
    #[must_use]
    pub fn num_vars(&self) -> &[u32] {
        &self.num_vars
    }

    /// Keccak-256 of `root ‖ #columns ‖ num_vars…` (little-endian `u32`s): one value that pins the
    /// whole commitment.
    #[must_use]
    pub fn digest(&self) -> [u8; 32] {
        use p3_symmetric::CryptographicHasher;
        let mut bytes = Vec::with_capacity(36 + 4 * self.num_vars.len());
        bytes.extend_from_slice(&self.root);
        bytes.extend_from_slice(
            &u32::try_from(self.num_vars.len())
                .unwrap_or(u32::MAX)
                .to_le_bytes(),
        );
        for n in &self.num_vars {
            bytes.extend_from_slice(&n.to_le_bytes());
        }
        Keccak256Hash.hash_iter(bytes)
    }

    pub(crate) fn cap(&self) -> MerkleCap {
        MerkleCap::new(vec![self.root])
    }
}

/// The prover's side of a commitment: the codeword's Merkle tree and the stacked layout. Keep it
/// to open the commitment (any number of times, see [`crate::Pcs::open`]).
pub struct CommittedData {
    pub(crate) commitment: Commitment,
    pub(crate) plan: Plan,
    pub(crate) whir: WhirData,
}

impl CommittedData {
    /// The public commitment.
    #[must_use]
    pub fn commitment(&self) -> &Commitment {
        &self.commitment
    }
}

impl std::fmt::Debug for CommittedData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommittedData")
            .field("commitment", &self.commitment)
            .field("stacked_vars", &self.plan.stacked_vars)
            .finish_non_exhaustive()
    }
}

/// "The MLE of column `column` at `point` equals `value`" (big-endian point, length = the
/// column's number of variables).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnClaim {
    /// The committed column.
    pub column: usize,
    /// The point, `point[0]` on the most significant bit of the row index.
    pub point: Vec<EF>,
    /// The claimed value.
    pub value: EF,
}

/// One proof for all claims of one [`crate::Pcs::open`] call: p3-whir's prescribed-point proof
/// (the opened values in schedule order, then the WHIR rounds).
#[derive(Clone, Serialize, Deserialize)]
pub struct OpeningProof {
    pub(crate) inner: PcsProof<F, EF, KeccakMmcs>,
}

impl OpeningProof {
    /// p3-whir's proof inside (read-only), for encoders such as zkinfer-evm's calldata of the on-chain
    /// WHIR verifier. Not a stable API.
    #[doc(hidden)]
    #[must_use]
    pub fn p3_proof(&self) -> &PcsProof<F, EF, KeccakMmcs> {
        &self.inner
    }

    /// The opening proof around p3-whir's (for decoders such as zkinfer-evm's, which read calldata back
    /// into a proof so that a mutated calldata can be handed to [`crate::Pcs::verify`]). Not a stable API.
    #[doc(hidden)]
    #[must_use]
    pub fn from_p3(inner: PcsProof<F, EF, KeccakMmcs>) -> Self {
        Self { inner }
    }
}

impl std::fmt::Debug for OpeningProof {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpeningProof")
            .field("values", &self.inner.evals.len())
            .field("rounds", &self.inner.whir.rounds.len())
            .finish_non_exhaustive()
    }
}
