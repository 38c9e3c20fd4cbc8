//! A reusable hiding commitment's prover data kept past the commit — the private weights'
//! commitment made at setup and stored in the proving key — so that an opening does not encode
//! and hash the committed columns again.
//!
//! [`StoredHidingData`] is everything an opening of a [`ReusableCommitment`] reads from the
//! commit: the stacked polynomial, the first oracle's encoding randomness (the `uses · t`
//! coefficients per limb that make `uses` openings hiding), and the salted Merkle tree of the
//! encoded codeword (codeword, salts, digest layers). It serializes in bulk (every vector as
//! 1 MiB byte chunks; the tree taken apart and rebuilt through the patched p3-merkle-tree,
//! `vendor/p3-merkle-tree/ZKINFER-PATCH.md`) and is opened in place by
//! [`HidingPcs::open_stored`], which borrows it: no copy per proof.
//!
//! # Trust and secrecy
//! The data is the prover's own and as secret as the columns (it holds them, and the randomness
//! that hides them). Nothing here is a soundness check: a tree that does not fit its commitment
//! makes openings the verifier rejects (the root is pinned by the verifying key). The shape and
//! the root are checked before opening so that a corrupted file is a clear
//! [`PcsError::StoredData`]; a stacked polynomial changed on disk makes the opening's value
//! differ from the claim ([`PcsError::ValueMismatch`]); a p3 panic on a tree corrupted below the
//! root becomes [`PcsError::StoredData`].
//!
//! # Counting
//! [`HidingPcs::open_stored`] does not count openings (the data is borrowed, possibly from a key
//! loaded in several processes): the caller keeps the count, as `zkinfer prove` does beside the
//! key. Opening it more than [`ReusableCommitment::uses`] times reveals more codeword positions
//! than its randomness covers.

use p3_commit::Mmcs;
use p3_matrix::Matrix;
use p3_matrix::dense::DenseMatrix;
use p3_multilinear_util::poly::Poly;
use p3_whir::HidingWhirProverData;
use serde::{Deserialize, Serialize};
use zkinfer_field::{EF, F, PrimeCharacteristicRing, PrimeField64, Transcript};

use super::stack::Stack;
use super::{
    HidingOpeningProof, HidingPcs, ReusableCommitment, ReusableCommittedData, SALT_ELEMS,
    SaltedKeccakMmcs, StackClaim,
};
use crate::{ColumnClaim, PcsError};

/// The salted Merkle tree of the first oracle (p3's prover data of the hiding commitment).
type SaltedTree = <SaltedKeccakMmcs as Mmcs<F>>::ProverData<DenseMatrix<F>>;

/// A [`ReusableCommittedData`] kept for later openings ([`ReusableCommittedData::into_stored`],
/// [`HidingPcs::open_stored`]): the stacked polynomial, the first oracle's encoding randomness
/// and its salted Merkle tree. About `(2^log_inv_rate + 1)` times the stack's 8 bytes per
/// element, plus the tree's digests and salts.
pub struct StoredHidingData {
    commitment: ReusableCommitment,
    stacked_vars: usize,
    whir: HidingWhirProverData<F, EF, SaltedKeccakMmcs>,
}

impl StoredHidingData {
    /// The commitment this data opens.
    #[must_use]
    pub fn commitment(&self) -> &ReusableCommitment {
        &self.commitment
    }

    /// The stacked polynomial's evaluations over the hypercube.
    pub fn stacked_values(&self) -> &[F] {
        self.whir.message.as_slice()
    }

    /// The size in bytes of the data held (the codeword, salts, digests, stack and randomness).
    #[must_use]
    pub fn size_bytes(&self) -> usize {
        let elems: usize = SaltedKeccakMmcs::get_matrices_of(&self.whir.merkle)
            .iter()
            .map(|m| m.height() * (m.width() + SALT_ELEMS))
            .sum();
        let rows: usize = SaltedKeccakMmcs::get_matrices_of(&self.whir.merkle)
            .iter()
            .map(|m| m.height())
            .sum();
        // A binary tree over `rows` leaves has `rows − 1` inner digests (and the leaves' own).
        8 * (elems + self.whir.message.as_slice().len() + self.whir.randomness.len())
            + 32 * 2 * rows
    }
}

impl Clone for StoredHidingData {
    fn clone(&self) -> Self {
        Self {
            commitment: self.commitment.clone(),
            stacked_vars: self.stacked_vars,
            whir: HidingWhirProverData::from_parts(
                self.whir.message.clone(),
                self.whir.randomness.clone(),
                self.whir.merkle.clone(),
            ),
        }
    }
}

impl std::fmt::Debug for StoredHidingData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredHidingData")
            .field("commitment", &self.commitment)
            .field("stacked_vars", &self.stacked_vars)
            .finish_non_exhaustive()
    }
}

/// Values per byte chunk of the encoding (1 MiB of field elements).
const CHUNK: usize = 1 << 17;

/// A vector of field elements encoded as byte chunks (8 little-endian bytes each), so that a
/// binary format moves it in bulk rather than one call per element.
struct Elements<'a>(&'a [F]);

impl Serialize for Elements<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.chunks(CHUNK).map(|chunk| {
            let bytes: Vec<u8> = chunk
                .iter()
                .flat_map(|v| v.as_canonical_u64().to_le_bytes())
                .collect();
            serde_bytes_owned(bytes)
        }))
    }
}

/// A vector of digests encoded as byte chunks.
struct Digests<'a>(&'a [[u8; 32]]);

impl Serialize for Digests<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(
            self.0
                .chunks(CHUNK / 4)
                .map(|chunk| serde_bytes_owned(chunk.concat())),
        )
    }
}

/// Bytes serialized as one byte string.
struct ByteString(Vec<u8>);

fn serde_bytes_owned(bytes: Vec<u8>) -> ByteString {
    ByteString(bytes)
}

impl Serialize for ByteString {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(&self.0)
    }
}

impl<'de> Deserialize<'de> for ByteString {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = ByteString;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a byte string")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
                Ok(ByteString(v.to_vec()))
            }
            fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Self::Value, E> {
                Ok(ByteString(v))
            }
            // Formats without a byte-string type (JSON) write a sequence of numbers.
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Self::Value, A::Error> {
                let mut bytes = Vec::new();
                while let Some(b) = seq.next_element::<u8>()? {
                    bytes.push(b);
                }
                Ok(ByteString(bytes))
            }
        }
        deserializer.deserialize_byte_buf(Visitor)
    }
}

/// The decoded form of [`Elements`]: canonical field elements only.
struct ElementsBuf(Vec<F>);

impl<'de> Deserialize<'de> for ElementsBuf {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = ElementsBuf;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("field elements in byte chunks")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Self::Value, A::Error> {
                use serde::de::Error as _;
                let chunks = seq.size_hint().unwrap_or(0).min(1 << 14);
                let mut out = Vec::with_capacity(chunks * CHUNK);
                while let Some(ByteString(bytes)) = seq.next_element()? {
                    if !bytes.len().is_multiple_of(8) {
                        return Err(A::Error::custom("a field element chunk of odd length"));
                    }
                    for word in bytes.chunks_exact(8) {
                        let v = u64::from_le_bytes(word.try_into().unwrap_or_default());
                        if v >= F::ORDER_U64 {
                            return Err(A::Error::custom("a field element out of range"));
                        }
                        out.push(F::from_u64(v));
                    }
                }
                Ok(ElementsBuf(out))
            }
        }
        deserializer.deserialize_seq(Visitor)
    }
}

/// The decoded form of [`Digests`].
struct DigestsBuf(Vec<[u8; 32]>);

impl<'de> Deserialize<'de> for DigestsBuf {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = DigestsBuf;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("digests in byte chunks")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Self::Value, A::Error> {
                use serde::de::Error as _;
                let chunks = seq.size_hint().unwrap_or(0).min(1 << 14);
                let mut out = Vec::with_capacity(chunks * (CHUNK / 4));
                while let Some(ByteString(bytes)) = seq.next_element()? {
                    if !bytes.len().is_multiple_of(32) {
                        return Err(A::Error::custom("a digest chunk of partial digests"));
                    }
                    out.extend(
                        bytes
                            .chunks_exact(32)
                            .map(|d| <[u8; 32]>::try_from(d).unwrap_or_default()),
                    );
                }
                Ok(DigestsBuf(out))
            }
        }
        deserializer.deserialize_seq(Visitor)
    }
}

/// The serialized form, written from borrowed parts.
#[derive(Serialize)]
struct WireRef<'a> {
    commitment: &'a ReusableCommitment,
    stacked_vars: u32,
    message: Elements<'a>,
    randomness: Elements<'a>,
    codeword_width: u64,
    codeword: Elements<'a>,
    salts: Elements<'a>,
    digest_layers: Vec<Digests<'a>>,
    arity_schedule: Vec<u64>,
}

/// The serialized form, read into owned parts.
#[derive(Deserialize)]
struct Wire {
    commitment: ReusableCommitment,
    stacked_vars: u32,
    message: ElementsBuf,
    randomness: ElementsBuf,
    codeword_width: u64,
    codeword: ElementsBuf,
    salts: ElementsBuf,
    digest_layers: Vec<DigestsBuf>,
    arity_schedule: Vec<u64>,
}

impl Serialize for StoredHidingData {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::Error as _;
        let (leaves, layers, arity) = self.whir.merkle.parts();
        let [leaf] = leaves else {
            return Err(S::Error::custom("a stored tree has one matrix"));
        };
        WireRef {
            commitment: &self.commitment,
            stacked_vars: u32::try_from(self.stacked_vars).unwrap_or(u32::MAX),
            message: Elements(self.whir.message.as_slice()),
            randomness: Elements(&self.whir.randomness),
            codeword_width: leaf.left.width as u64,
            codeword: Elements(&leaf.left.values),
            salts: Elements(&leaf.right.values),
            digest_layers: layers.iter().map(|l| Digests(l)).collect(),
            arity_schedule: arity.iter().map(|&a| a as u64).collect(),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for StoredHidingData {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let w = Wire::deserialize(deserializer)?;
        from_wire(w).map_err(|reason| {
            serde::de::Error::custom(format!("stored hiding commitment data: {reason}"))
        })
    }
}

/// The data from its decoded parts, after checking that they make a tree of the shape every
/// stored commitment has (one matrix of power-of-two height, a binary tree over it, one root).
fn from_wire(w: Wire) -> Result<StoredHidingData, String> {
    let vars = w.stacked_vars as usize;
    if vars >= usize::BITS as usize || w.message.0.len() != 1usize << vars {
        return Err(format!(
            "a stack of {} values for 2^{vars}",
            w.message.0.len()
        ));
    }
    let width = usize::try_from(w.codeword_width).map_err(|e| e.to_string())?;
    let codeword = w.codeword.0;
    if width == 0 || !codeword.len().is_multiple_of(width) {
        return Err(format!(
            "{} codeword values in rows of {width}",
            codeword.len()
        ));
    }
    let height = codeword.len() / width;
    if !height.is_power_of_two() || w.salts.0.len() != height * SALT_ELEMS {
        return Err(format!(
            "a codeword of {height} rows with {} salt values",
            w.salts.0.len()
        ));
    }
    let layers: Vec<Vec<[u8; 32]>> = w.digest_layers.into_iter().map(|l| l.0).collect();
    let arity: Vec<usize> = w.arity_schedule.iter().map(|&a| a as usize).collect();
    let shaped = layers.first().is_some_and(|l| l.len() == height)
        && layers.last().is_some_and(|l| l.len() == 1)
        && arity.len() + 1 == layers.len()
        && arity.iter().all(|&a| a == 2)
        && layers.windows(2).all(|p| match p {
            [a, b] => b.len() * 2 == a.len(),
            _ => false,
        });
    if !shaped {
        return Err("digest layers that are not a binary tree over the codeword's rows".into());
    }
    let left = DenseMatrix::new(codeword, width);
    let right = DenseMatrix::new(w.salts.0, SALT_ELEMS);
    let leaf = p3_matrix::stack::HorizontalPair::new::<F>(left, right);
    let merkle = SaltedTree::from_parts(vec![leaf], layers, arity);
    Ok(StoredHidingData {
        commitment: w.commitment,
        stacked_vars: vars,
        whir: HidingWhirProverData::from_parts(Poly::new(w.message.0), w.randomness.0, merkle),
    })
}

impl ReusableCommittedData {
    /// The data kept for later openings ([`HidingPcs::open_stored`]), consuming this: the count
    /// of openings made is dropped (the caller counts from here on, see the module docs).
    #[must_use]
    pub fn into_stored(self) -> StoredHidingData {
        StoredHidingData {
            commitment: self.commitment,
            stacked_vars: self.data.stacked_vars,
            whir: self.data.whir,
        }
    }
}

impl SaltedKeccakMmcs {
    /// The committed matrices of a salted tree (without their salts).
    fn get_matrices_of(tree: &SaltedTree) -> Vec<&DenseMatrix<F>> {
        use p3_keccak::Keccak256Hash;
        use rand_zk::SeedableRng;
        // `get_matrices` only reads the tree: an instance whose salt generator is never used.
        let mmcs = Self::new(
            crate::types::LeafHash::new(Keccak256Hash),
            crate::types::NodeCompress::new(Keccak256Hash),
            0,
            rand_zk::rngs::StdRng::seed_from_u64(0),
        );
        mmcs.get_matrices(tree)
    }
}

impl HidingPcs {
    /// Opens `stored` (a [`ReusableCommitment`] of columns of `num_vars` variables each, committed
    /// with this engine's parameters) as [`HidingPcs::open_reusable`] does, with fresh
    /// randomness for everything but the first oracle. Does not count the opening (module docs).
    ///
    /// # Errors
    /// [`PcsError::StoredData`] if the data does not fit `expected` (another commitment), these
    /// shapes or parameters (a corrupted or foreign file), or opening it panicked; otherwise as
    /// [`HidingPcs::open_with_stack`].
    pub fn open_stored(
        &self,
        stored: &StoredHidingData,
        expected: &ReusableCommitment,
        claims: &[ColumnClaim],
        stack: &[StackClaim],
        transcript: &mut Transcript,
    ) -> Result<HidingOpeningProof, PcsError> {
        let (layout, config) = self.check_stored(stored, expected)?;
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.open_parts(
                &stored.commitment.inner,
                &layout,
                stored.stacked_vars,
                &config,
                &stored.whir,
                claims,
                stack,
                transcript,
            )
        }))
        .map_err(|_| PcsError::StoredData {
            reason: "opening the stored commitment panicked".into(),
        })?
    }

    /// The stack layout and p3 configuration of `stored`, after checking that it is `expected`'s
    /// data with the shape these parameters give.
    fn check_stored(
        &self,
        stored: &StoredHidingData,
        expected: &ReusableCommitment,
    ) -> Result<(Stack, super::types::HidingConfig), PcsError> {
        let bad = |reason: String| PcsError::StoredData { reason };
        if &stored.commitment != expected {
            return Err(bad(
                "it holds another commitment than the verifying key's (another key's data?)".into(),
            ));
        }
        let num_vars: Vec<usize> = expected.num_vars().iter().map(|&n| n as usize).collect();
        let layout = Stack::new(&num_vars, &self.config)?;
        let (vars, config) = self.config_for(layout.min_stacked_vars, Some(expected.uses()))?;
        if vars != stored.stacked_vars || stored.whir.message.as_slice().len() != 1 << vars {
            return Err(bad(format!(
                "a stack of 2^{} variables where these parameters give 2^{vars}",
                stored.stacked_vars
            )));
        }
        let folding = config.round_folding_factor(0);
        let randomness = config.oracle_randomness().first().copied().unwrap_or(0) << folding;
        if stored.whir.randomness.len() != randomness {
            return Err(bad(format!(
                "{} encoding coefficients where these parameters give {randomness}",
                stored.whir.randomness.len()
            )));
        }
        let height = (1usize << (vars - folding)) << config.starting_log_inv_rate;
        let fits = matches!(
            SaltedKeccakMmcs::get_matrices_of(&stored.whir.merkle).as_slice(),
            [m] if m.height() == height && m.width() == 1 << folding
        );
        if !fits {
            return Err(bad(format!(
                "the codeword is not one {height} × {} matrix",
                1usize << folding
            )));
        }
        let root: [u8; 32] = stored.whir.merkle.root().into();
        if root != expected.root() {
            return Err(bad("the stored tree's root is not the commitment's".into()));
        }
        Ok((layout, config))
    }
}
