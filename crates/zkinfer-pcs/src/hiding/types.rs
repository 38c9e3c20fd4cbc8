//! The hiding commitment's data across the prover/verifier boundary, and the p3 types behind it.

use p3_merkle_tree::MerkleCap;
use p3_whir::{HidingWhirPcs, HidingWhirProverData, ZkWhirConfig, ZkWhirProof};
use rand_zk::rngs::StdRng;
use serde::{Deserialize, Serialize};
use zkinfer_field::{EF, F, Transcript};

use super::stack::Stack;
use crate::types::Dft;
use crate::types::Digest;
use crate::{ColumnClaim, PcsError};

/// Field elements of salt per Merkle leaf: 2 × 64 bits ≥ the 100-bit target, so a leaf hash
/// in an authentication path reveals nothing about an unopened row (p3's rule: salt bits ≥ the
/// security parameter).
pub const SALT_ELEMS: usize = 2;

pub use super::merkle::{P3SaltedKeccakMmcs, SaltedKeccakMmcs};
/// p3-whir's honest-verifier zero-knowledge WHIR over the salted tree and our transcript.
pub(crate) type HidingWhir = HidingWhirPcs<EF, F, Dft, SaltedKeccakMmcs, Transcript, StdRng>;
pub(crate) type HidingConfig = ZkWhirConfig<EF, F, Transcript>;
type Cap = MerkleCap<F, Digest>;

/// A hiding commitment to many columns: the salted Keccak Merkle root of the randomized stacked
/// codeword and the number of variables of each column.
///
/// # Soundness
/// As [`crate::Commitment`]: a caller that pins a commitment must pin the shapes too (compare
/// [`HidingCommitment::digest`]). The root is random: committing the same columns twice gives
/// different roots, so a pinned hiding commitment is the one a particular proof made.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct HidingCommitment {
    pub(crate) root: Digest,
    pub(crate) num_vars: Vec<u32>,
}

impl HidingCommitment {
    /// The Merkle root ([`crate::TruncatedKeccak`]) of the salted, randomized codeword.
    #[must_use]
    pub fn root(&self) -> Digest {
        self.root
    }

    /// The number of variables of each committed column, in commit order.
    #[must_use]
    pub fn num_vars(&self) -> &[u32] {
        &self.num_vars
    }

    /// Keccak-256 of `"zkinfer/pcs/hiding" ‖ root ‖ #columns ‖ num_vars…` (little-endian
    /// `u32`s); the tag keeps it apart from a plain [`crate::Commitment::digest`].
    #[must_use]
    pub fn digest(&self) -> [u8; 32] {
        use p3_keccak::Keccak256Hash;
        use p3_symmetric::CryptographicHasher;
        let mut bytes = Vec::with_capacity(54 + 4 * self.num_vars.len());
        bytes.extend_from_slice(b"zkinfer/pcs/hiding");
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

    pub(crate) fn cap(&self) -> Cap {
        MerkleCap::new(vec![self.root])
    }
}

/// The prover's side of a hiding commitment: the codeword, its encoding randomness and salts.
///
/// It opens **once**: [`super::HidingPcs::open`] consumes it, because every opening reveals
/// codeword positions, and the encoding randomness only covers one opening's worth.
pub struct HidingCommittedData {
    pub(crate) commitment: HidingCommitment,
    pub(crate) stack: Stack,
    pub(crate) stacked_vars: usize,
    /// The variables of the stack its claims are on: `stacked_vars`, or for a witness committed
    /// for a joint opening the smallest stack that holds its columns (the committed stack's
    /// first `2^claim_vars` entries; the rest is zero), so that a claim reduction runs on the
    /// columns, not on the weights' stack size.
    pub(crate) claim_vars: usize,
    pub(crate) config: HidingConfig,
    pub(crate) whir: HidingWhirProverData<F, EF, SaltedKeccakMmcs>,
}

impl HidingCommittedData {
    /// The public commitment.
    #[must_use]
    pub fn commitment(&self) -> &HidingCommitment {
        &self.commitment
    }

    /// The stacked polynomial's evaluations over the hypercube (`2^claim_vars` of them): what
    /// a caller needs to prove something of the stack itself, e.g. to reduce many column claims
    /// to one [`StackClaim`] (docs/ZK.md §13).
    pub fn stacked_values(&self) -> &[F] {
        let all = self.whir.message.as_slice();
        all.get(..1usize << self.claim_vars).unwrap_or(all)
    }

    /// The number of variables of the committed stacked polynomial.
    #[must_use]
    pub fn stacked_vars(&self) -> usize {
        self.stacked_vars
    }

    /// The number of variables of the stack the claims are on ([`HidingCommittedData::lift`],
    /// a [`StackClaim`]'s point's length): [`HidingCommittedData::stacked_vars`], or fewer for a
    /// witness committed for a joint opening.
    #[must_use]
    pub fn claim_vars(&self) -> usize {
        self.claim_vars
    }

    /// Each claim's point lifted to the stack: `c̃(p) = P(lift(p))` (selector and padding
    /// coordinates Boolean).
    ///
    /// # Errors
    /// A claim on a missing column or with a point of the wrong length.
    pub fn lift(&self, claims: &[ColumnClaim]) -> Result<Vec<Vec<EF>>, PcsError> {
        self.stack.lift_points(claims, self.claim_vars)
    }
}

/// "The stacked polynomial `P` of a hiding commitment equals `value` at `point`" (`point` of
/// the stack's number of variables, any coordinates). The opening reveals `value`, a mixture of
/// every column weighted by the selector coordinates: a caller that reduces its column claims to
/// one such claim at a random point reveals one value of the whole stack instead of one per
/// column, which a random column nobody claims makes uniform (docs/ZK.md §13).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StackClaim {
    /// The point, `point[0]` on the most significant bit of the stack's index.
    pub point: Vec<EF>,
    /// The claimed value.
    pub value: EF,
}

impl std::fmt::Debug for HidingCommittedData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HidingCommittedData")
            .field("commitment", &self.commitment)
            .field("stacked_vars", &self.stacked_vars)
            .finish_non_exhaustive()
    }
}

/// One zero-knowledge proof for all claims of one [`super::HidingPcs::open`] call: p3-whir's
/// HVZK-WHIR proof (the opened values, masked sumchecks, code-switching rounds, masked base
/// case).
///
/// # Encoding
/// Serialized as one byte string: p3's proof in bincode with variable-length integers
/// ([`HidingOpeningProof::to_wire`]). Field elements stay 8 bytes each (Goldilocks writes fixed
/// little-endian bytes), digests 32; only the length prefixes shrink, from 8 bytes to 1 for
/// every vector under 251 entries. p3's proof nests vectors per opened position (a row, and
/// each position's salt as a vector of vectors), so a fixed-width encoding spends 24 bytes of
/// lengths per opened position, about 10% of the proof.
#[derive(Clone)]
pub struct HidingOpeningProof {
    pub(crate) inner: ZkWhirProof<F, EF, SaltedKeccakMmcs>,
}

fn wire_options() -> impl bincode::Options {
    use bincode::Options;
    bincode::DefaultOptions::new()
        .with_varint_encoding()
        .with_little_endian()
        .reject_trailing_bytes()
}

impl HidingOpeningProof {
    /// The proof's byte string (what [`Serialize`] writes, behind a length prefix).
    #[must_use]
    pub fn to_wire(&self) -> Vec<u8> {
        use bincode::Options;
        wire_options().serialize(&self.inner).unwrap_or_default()
    }

    /// Decodes [`HidingOpeningProof::to_wire`]'s bytes; never allocates more than their
    /// length, rejects trailing bytes.
    ///
    /// # Errors
    /// The decoder's message, for a malformed encoding.
    pub fn from_wire(bytes: &[u8]) -> Result<Self, String> {
        use bincode::Options;
        wire_options()
            .with_limit(bytes.len() as u64)
            .deserialize(bytes)
            .map(|inner| Self { inner })
            .map_err(|e| e.to_string())
    }
}

impl Serialize for HidingOpeningProof {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(&self.to_wire())
    }
}

impl<'de> Deserialize<'de> for HidingOpeningProof {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Wire;
        impl<'de> serde::de::Visitor<'de> for Wire {
            type Value = HidingOpeningProof;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a hiding opening proof's bytes")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
                HidingOpeningProof::from_wire(v).map_err(E::custom)
            }
            fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Self::Value, E> {
                self.visit_bytes(&v)
            }
            // Formats without a byte-string type (JSON) write a sequence of numbers.
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Self::Value, A::Error> {
                let mut bytes = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 20));
                while let Some(b) = seq.next_element::<u8>()? {
                    bytes.push(b);
                }
                self.visit_bytes(&bytes)
            }
        }
        deserializer.deserialize_bytes(Wire)
    }
}

impl HidingOpeningProof {
    /// The opened values, one per claim, in claim order (each equal to its claim's value in an
    /// accepted proof).
    pub fn values(&self) -> &[EF] {
        &self.inner.evals
    }

    /// p3-whir's proof inside (for size breakdowns in benchmarks).
    #[doc(hidden)]
    #[must_use]
    pub fn p3_proof(&self) -> &ZkWhirProof<F, EF, SaltedKeccakMmcs> {
        &self.inner
    }

    /// The wire bytes of each part of the opening, in wire order (a diagnostic for proof-size
    /// work: `examples/proof_census`). The parts sum to [`HidingOpeningProof::to_wire`]'s
    /// length less a few bytes of vector lengths.
    #[doc(hidden)]
    #[must_use]
    pub fn size_by_part(&self) -> Vec<(String, usize)> {
        use bincode::Options;
        fn size<T: Serialize + ?Sized>(value: &T) -> usize {
            wire_options()
                .serialized_size(value)
                .map_or(0, |n| usize::try_from(n).unwrap_or(usize::MAX))
        }
        let p = &self.inner;
        let mut parts = vec![
            ("evals".to_owned(), size(&p.evals)),
            ("sumcheck batches".to_owned(), size(&p.sumchecks)),
            (
                "sumcheck-mask root".to_owned(),
                size(&p.sumcheck_mask_commitment),
            ),
        ];
        for (i, r) in p.rounds.iter().enumerate() {
            parts.push((
                format!("round {i}: roots, OOD, PoW"),
                size(r).saturating_sub(size(&r.openings)),
            ));
            let (rows, width) = match &r.openings {
                p3_whir::pcs::proof::QueryOpenings::Base(o) => {
                    (o.rows.len(), o.rows.first().map_or(0, Vec::len))
                }
                p3_whir::pcs::proof::QueryOpenings::Extension(o) => {
                    (o.rows.len(), o.rows.first().map_or(0, Vec::len))
                }
            };
            parts.push((
                format!("round {i}: STIR openings ({rows} rows of {width})"),
                size(&r.openings),
            ));
        }
        let b = &p.base_case;
        parts.extend([
            (
                "base case: roots, claim, PoW".to_owned(),
                size(&b.fresh_main_commitment)
                    + size(&b.fresh_mask_commitments)
                    + size(&b.masked_claim)
                    + size(&b.pow_witness),
            ),
            (
                "base case: blinded message and randomness".to_owned(),
                size(&b.blinded_message) + size(&b.blinded_randomness),
            ),
            (
                "base case: blinded masks".to_owned(),
                size(&b.blinded_masks),
            ),
            (
                "base case: source openings".to_owned(),
                size(&b.source_openings),
            ),
            (
                "base case: fresh main openings".to_owned(),
                size(&b.fresh_main_openings),
            ),
        ]);
        for (i, o) in b.carried_openings.iter().enumerate() {
            parts.push((format!("base case: carried tree {i} openings"), size(o)));
        }
        for (i, o) in b.fresh_openings.iter().enumerate() {
            parts.push((format!("base case: fresh site {i} openings"), size(o)));
        }
        parts
    }

    /// A proof around p3-whir's (the EVM crate decodes calldata back into one, so that the
    /// verifier judges the bytes a contract reads). Not part of the stable API.
    #[doc(hidden)]
    #[must_use]
    pub fn from_p3_proof(inner: ZkWhirProof<F, EF, SaltedKeccakMmcs>) -> Self {
        Self { inner }
    }
}

impl std::fmt::Debug for HidingOpeningProof {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HidingOpeningProof")
            .field("values", &self.inner.evals.len())
            .field("rounds", &self.inner.rounds.len())
            .finish_non_exhaustive()
    }
}
