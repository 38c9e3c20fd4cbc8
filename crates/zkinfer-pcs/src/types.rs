//! The data that crosses the prover/verifier boundary, and the p3 types behind it.

use p3_commit::MultilinearPcs;
use p3_dft::Radix2DFTSmallBatch;
use p3_keccak::Keccak256Hash;
use p3_merkle_tree::MerkleTreeMmcs;
use p3_sumcheck::layout::PrefixProver;
use p3_symmetric::{CompressionFunctionFromHasher, CryptographicHasher, SerializingHasher};
use p3_whir::{PcsProof, WhirProver};
use serde::{Deserialize, Serialize};
use zkinfer_field::{EF, F, Transcript};

use crate::layout::Plan;

/// Bytes of a Merkle digest: Keccak-256 truncated to its first 25 bytes (200 bits).
///
/// A Merkle tree binds its leaves as long as nobody finds a collision, which takes about
/// 2^(8·25/2) = 2^100 hash calls: the project's 100-bit level ([`DIGEST_SECURITY_BITS`]; a
/// [`crate::PcsConfig`] asking more is refused). A second preimage, what a prover who did not
/// make the tree would need, takes 2^200. Full 32-byte digests cost ≈ 7 bytes a sibling more,
/// ≈ 11 KB of a small model's 128 KB proof (docs/BENCHMARKS.md, "25-byte Merkle digests").
pub const DIGEST_BYTES: usize = 25;

/// The collision resistance of a [`Digest`] in bits: the most a commitment can promise.
pub const DIGEST_SECURITY_BITS: usize = 4 * DIGEST_BYTES;

/// A Merkle digest (root, inner node, leaf hash): see [`DIGEST_BYTES`].
pub type Digest = [u8; DIGEST_BYTES];

/// The first [`DIGEST_BYTES`] bytes of a Keccak-256 output.
#[must_use]
pub fn truncate_digest(full: &[u8; 32]) -> Digest {
    let mut d = [0u8; DIGEST_BYTES];
    d.copy_from_slice(&full[..DIGEST_BYTES]);
    d
}

/// Keccak-256 truncated to its first [`DIGEST_BYTES`] bytes: the Merkle trees' hash (leaves and
/// nodes). The EVM verifier computes it as `keccak256(…)` with the low `32 − DIGEST_BYTES` bytes
/// masked off.
#[derive(Copy, Clone, Debug, Default)]
pub struct TruncatedKeccak;

impl CryptographicHasher<u8, Digest> for TruncatedKeccak {
    const LANES: usize = <Keccak256Hash as CryptographicHasher<u8, [u8; 32]>>::LANES;
    const PREFER_CONTIGUOUS_INPUT: bool =
        <Keccak256Hash as CryptographicHasher<u8, [u8; 32]>>::PREFER_CONTIGUOUS_INPUT;

    fn hash_iter<I>(&self, input: I) -> Digest
    where
        I: IntoIterator<Item = u8>,
    {
        truncate_digest(&Keccak256Hash.hash_iter(input))
    }

    fn hash_iter_slices<'a, I>(&self, input: I) -> Digest
    where
        I: IntoIterator<Item = &'a [u8]>,
    {
        truncate_digest(&Keccak256Hash.hash_iter_slices(input))
    }

    fn hash_many(&self, input: &[u8], out: &mut [Digest]) {
        if out.is_empty() {
            return;
        }
        // `Keccak256Hash::hash_many` (eight AVX-512 lanes) into a stack buffer, a batch at a time.
        const BATCH: usize = 64;
        let len = input.len() / out.len();
        if len == 0 {
            out.fill(self.hash_slice(&[]));
            return;
        }
        let mut full = [[0u8; 32]; BATCH];
        for (messages, out) in input.chunks(len * BATCH).zip(out.chunks_mut(BATCH)) {
            let full = &mut full[..out.len()];
            Keccak256Hash.hash_many(messages, full);
            for (o, f) in out.iter_mut().zip(full.iter()) {
                *o = truncate_digest(f);
            }
        }
    }
}

/// Leaf hash: [`TruncatedKeccak`] over the little-endian bytes of a row.
pub type LeafHash = SerializingHasher<TruncatedKeccak>;
/// Node compression: [`TruncatedKeccak`] of the two children's digests.
pub type NodeCompress = CompressionFunctionFromHasher<TruncatedKeccak, 2, DIGEST_BYTES>;
/// The Merkle commitment scheme (binary tree, [`DIGEST_BYTES`]-byte digests), reproducible by
/// the EVM.
pub type KeccakMmcs = MerkleTreeMmcs<F, u8, LeafHash, NodeCompress, 2, DIGEST_BYTES>;
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
    pub(crate) root: Digest,
    pub(crate) num_vars: Vec<u32>,
}

impl Commitment {
    /// A commitment from its root and column shapes (a decoder's; [`crate::Pcs::absorb_commitment`]
    /// checks the shapes).
    #[must_use]
    pub fn from_parts(root: Digest, num_vars: Vec<u32>) -> Self {
        Self { root, num_vars }
    }

    /// The Merkle root of the stacked codeword.
    #[must_use]
    pub fn root(&self) -> Digest {
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

#[cfg(test)]
mod tests {
    use p3_symmetric::{CryptographicHasher, PseudoCompressionFunction};

    use super::*;

    /// The truncated hash is Keccak-256's first [`DIGEST_BYTES`] bytes, one message at a time and
    /// in batches of every size around the stack buffer's (64) and the AVX-512 lanes' (8).
    #[test]
    fn truncated_keccak_is_keccak_256s_prefix_in_every_batch() {
        let prefix = |m: &[u8]| truncate_digest(&Keccak256Hash.hash_slice(m));
        for len in [0usize, 1, 50, 135, 136, 137, 300] {
            let one: Vec<u8> = (0..len).map(|i| (i * 7 + len) as u8).collect();
            assert_eq!(TruncatedKeccak.hash_slice(&one), prefix(&one));
            assert_eq!(TruncatedKeccak.hash_iter(one.iter().copied()), prefix(&one));
            for count in [1usize, 7, 8, 9, 63, 64, 65, 130] {
                let messages: Vec<u8> = (0..len * count).map(|i| (i * 31 + 5) as u8).collect();
                let mut out = vec![[0u8; DIGEST_BYTES]; count];
                TruncatedKeccak.hash_many(&messages, &mut out);
                for (q, d) in out.iter().enumerate() {
                    assert_eq!(
                        *d,
                        prefix(&messages[q * len..(q + 1) * len]),
                        "{len} × {count}"
                    );
                }
            }
        }
        // A node is the truncated hash of the two children's 25 bytes each (50 bytes), as
        // `Merkle.sol` computes it.
        let (l, r) = ([1u8; DIGEST_BYTES], [2u8; DIGEST_BYTES]);
        let node = NodeCompress::new(TruncatedKeccak).compress([l, r]);
        assert_eq!(node, prefix(&[l, r].concat()));
    }

    /// A level above what a digest carries is refused where parameters are made.
    #[test]
    fn a_level_above_the_digests_is_refused() {
        let high = crate::PcsConfig {
            security_bits: DIGEST_SECURITY_BITS + 1,
            ..crate::PcsConfig::default()
        };
        assert!(matches!(
            high.protocol_parameters(10),
            Err(crate::PcsError::SecurityAboveDigest { max: 100, got: 101 })
        ));
        assert!(matches!(
            high.check_min_security(),
            Err(crate::PcsError::SecurityAboveDigest { .. })
        ));
        assert!(crate::PcsConfig::default().protocol_parameters(10).is_ok());
    }
}
