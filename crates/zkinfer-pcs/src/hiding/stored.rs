//! A reusable hiding commitment's prover data kept past the commit — the private weights'
//! commitment made at setup and stored in the proving key — so that an opening does not encode
//! and hash the committed columns again.
//!
//! [`StoredHidingData`] is everything an opening of a [`ReusableCommitment`] reads from the
//! commit: the stacked polynomial, the first oracle's encoding randomness (the `uses · t`
//! coefficients per limb that make `uses` openings hiding), and the salted Merkle tree of the
//! encoded codeword (codeword, salts, digest layers). Its serde form holds the stack, the
//! randomness and the tree's shape (each vector as 1 MiB byte chunks: bulk reads and writes);
//! the tree itself is written apart ([`StoredHidingData::write_tree`], after a proving key's
//! body) and attached from there when the key is read ([`StoredHidingData::attach_tree`]): a
//! key read from a file reads the tree's rows and digests where an opening needs them
//! (`super::lazy`), so the codeword — the bulk of the data — is never resident. It is opened
//! in place by [`HidingPcs::open_stored`], which borrows it: no copy per proof.
//!
//! # Trust and secrecy
//! The data is the prover's own and as secret as the columns (it holds them, and the randomness
//! that hides them). Nothing here is a soundness check: a tree that does not fit its commitment
//! makes openings the verifier rejects (the root is pinned by the verifying key). The shapes
//! and the root are checked before opening and every opened path is checked against the root,
//! so that a corrupted or changed file is a clear [`PcsError::StoredData`]; a stacked
//! polynomial changed on disk makes the opening's value differ from the claim
//! ([`PcsError::ValueMismatch`]); a p3 panic on a tree corrupted below the root becomes
//! [`PcsError::StoredData`].
//!
//! # Counting
//! [`HidingPcs::open_stored`] does not count openings (the data is borrowed, possibly from a key
//! loaded in several processes): the caller keeps the count, as `zkinfer prove` does beside the
//! key. Opening it more than [`ReusableCommitment::uses`] times reveals more codeword positions
//! than its randomness covers.

use std::sync::Arc;

use p3_multilinear_util::poly::Poly;
use p3_whir::HidingWhirProverData;
use serde::{Deserialize, Serialize};
use zkinfer_field::{EF, F, PrimeCharacteristicRing, Transcript};

use super::lazy::{LazyTree, TreeShape, TreeSource, decode_le, encode_le};
use super::merkle::SaltedData;
use super::stack::Stack;
use super::{
    HidingOpeningProof, HidingPcs, ReusableCommitment, ReusableCommittedData, SaltedKeccakMmcs,
    StackClaim,
};
use crate::types::Digest;
use crate::{ColumnClaim, PcsError};

/// A [`ReusableCommittedData`] kept for later openings ([`ReusableCommittedData::into_stored`],
/// [`HidingPcs::open_stored`]): the stacked polynomial, the first oracle's encoding randomness
/// and its salted Merkle tree (in memory after the commit; in its source, read where opened,
/// after [`StoredHidingData::attach_tree`]).
pub struct StoredHidingData {
    commitment: ReusableCommitment,
    stacked_vars: usize,
    shape: TreeShape,
    data: Data,
}

enum Data {
    /// Ready to open.
    Ready(HidingWhirProverData<F, EF, SaltedKeccakMmcs>),
    /// Decoded without its tree ([`StoredHidingData::attach_tree`] gives it one).
    Detached { message: Vec<F>, randomness: Vec<F> },
}

impl StoredHidingData {
    /// The commitment this data opens.
    #[must_use]
    pub fn commitment(&self) -> &ReusableCommitment {
        &self.commitment
    }

    /// The committed stack's evaluations over the hypercube, with the openings' randomness when
    /// the commitment keeps it in its message ([`HidingPcs::stored_stacked_values`] gives the
    /// columns' stack).
    pub fn stacked_values(&self) -> &[F] {
        match &self.data {
            Data::Ready(w) => w.message.as_slice(),
            Data::Detached { message, .. } => message,
        }
    }

    /// The data, when it can be opened (its tree attached).
    pub(super) fn ready(&self) -> Option<&HidingWhirProverData<F, EF, SaltedKeccakMmcs>> {
        match &self.data {
            Data::Ready(w) => Some(w),
            Data::Detached { .. } => None,
        }
    }

    fn randomness(&self) -> &[F] {
        match &self.data {
            Data::Ready(w) => &w.randomness,
            Data::Detached { randomness, .. } => randomness,
        }
    }

    /// The shape of the first oracle's codeword (its tree's leaves).
    #[must_use]
    pub fn shape(&self) -> TreeShape {
        self.shape
    }

    /// The bytes of the tree (codeword, salts, digests) as [`StoredHidingData::write_tree`]
    /// writes it.
    #[must_use]
    pub fn tree_len(&self) -> u64 {
        self.shape.bytes()
    }

    /// The bytes held in memory: the stack and randomness, and the tree while it is the one the
    /// commit built (a tree attached from a source is read where opened).
    #[must_use]
    pub fn resident_bytes(&self) -> u64 {
        let vectors = 8 * (self.stacked_values().len() + self.randomness().len()) as u64;
        match &self.data {
            Data::Ready(w) if matches!(w.merkle, SaltedData::Built(_)) => vectors + self.tree_len(),
            _ => vectors,
        }
    }

    /// Writes the tree ([`StoredHidingData::tree_len`] bytes; layout in `super::lazy`), from
    /// memory or copied from its source.
    ///
    /// # Errors
    /// The writer's; a detached tree.
    pub fn write_tree(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        match &self.data {
            Data::Ready(w) => match &w.merkle {
                SaltedData::Built(tree) => self.shape.write(tree, out),
                SaltedData::Stored(lazy) => lazy.source().copy_to(self.tree_len(), out),
                SaltedData::Pair(..) => Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    "a joint opening's pair of trees is not stored",
                )),
            },
            Data::Detached { .. } => Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "stored hiding data without its tree",
            )),
        }
    }

    /// Gives decoded data its tree, found at `source` ([`StoredHidingData::tree_len`] bytes
    /// there): its root is checked against the commitment now, every opened path when opened.
    ///
    /// # Errors
    /// [`PcsError::StoredData`]: the source cannot be read or its root is not the commitment's.
    pub fn attach_tree(&mut self, source: TreeSource) -> Result<(), PcsError> {
        let bad = |reason: String| PcsError::StoredData { reason };
        let lazy = LazyTree::new(self.shape, self.commitment.root(), source).map_err(bad)?;
        let data = std::mem::replace(
            &mut self.data,
            Data::Detached {
                message: Vec::new(),
                randomness: Vec::new(),
            },
        );
        let (message, randomness) = match data {
            Data::Detached {
                message,
                randomness,
            } => (message, randomness),
            Data::Ready(w) => (w.message.into_evals(), w.randomness),
        };
        self.data = Data::Ready(HidingWhirProverData::from_parts(
            Poly::new(message),
            randomness,
            SaltedData::Stored(Arc::new(lazy)),
        ));
        Ok(())
    }
}

impl Clone for StoredHidingData {
    fn clone(&self) -> Self {
        let data = match &self.data {
            Data::Ready(w) => Data::Ready(HidingWhirProverData::from_parts(
                w.message.clone(),
                w.randomness.clone(),
                w.merkle.clone(),
            )),
            Data::Detached {
                message,
                randomness,
            } => Data::Detached {
                message: message.clone(),
                randomness: randomness.clone(),
            },
        };
        Self {
            commitment: self.commitment.clone(),
            stacked_vars: self.stacked_vars,
            shape: self.shape,
            data,
        }
    }
}

impl std::fmt::Debug for StoredHidingData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredHidingData")
            .field("commitment", &self.commitment)
            .field("stacked_vars", &self.stacked_vars)
            .field("shape", &self.shape)
            .finish_non_exhaustive()
    }
}

/// Values per byte chunk of the encoding (1 MiB of field elements).
const CHUNK: usize = 1 << 17;

/// A vector of field elements encoded as byte chunks (8 little-endian bytes each), so that a
/// binary format moves it in bulk rather than one call per element.
pub(crate) struct Elements<'a>(pub(crate) &'a [F]);

impl Serialize for Elements<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.chunks(CHUNK).map(|chunk| {
            let mut bytes = Vec::with_capacity(8 * chunk.len());
            encode_le(chunk, &mut bytes);
            ByteString(bytes)
        }))
    }
}

/// Bytes serialized as one byte string.
pub(crate) struct ByteString(pub(crate) Vec<u8>);

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
pub(crate) struct ElementsBuf(pub(crate) Vec<F>);

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
                // The declared count is the file's word: reserve at most 32 chunks (32 MiB) ahead
                // of the bytes actually read, so a corrupted count cannot ask for gigabytes.
                let chunks = seq.size_hint().unwrap_or(0).min(32);
                let mut out = Vec::with_capacity(chunks * CHUNK);
                while let Some(ByteString(bytes)) = seq.next_element()? {
                    if !bytes.len().is_multiple_of(8) {
                        return Err(A::Error::custom("a field element chunk of odd length"));
                    }
                    let start = out.len();
                    out.resize(start + bytes.len() / 8, F::ZERO);
                    decode_le(&bytes, out.get_mut(start..).unwrap_or_default())
                        .map_err(A::Error::custom)?;
                }
                Ok(ElementsBuf(out))
            }
        }
        deserializer.deserialize_seq(Visitor)
    }
}

/// The serialized form, written from borrowed parts (the tree is written apart).
#[derive(Serialize)]
struct WireRef<'a> {
    commitment: &'a ReusableCommitment,
    stacked_vars: u32,
    message: Elements<'a>,
    randomness: Elements<'a>,
    codeword_width: u64,
    codeword_height: u64,
}

/// The serialized form, read into owned parts.
#[derive(Deserialize)]
struct Wire {
    commitment: ReusableCommitment,
    stacked_vars: u32,
    message: ElementsBuf,
    randomness: ElementsBuf,
    codeword_width: u64,
    codeword_height: u64,
}

impl Serialize for StoredHidingData {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        WireRef {
            commitment: &self.commitment,
            stacked_vars: u32::try_from(self.stacked_vars).unwrap_or(u32::MAX),
            message: Elements(self.stacked_values()),
            randomness: Elements(self.randomness()),
            codeword_width: self.shape.width as u64,
            codeword_height: self.shape.height as u64,
        }
        .serialize(serializer)
    }
}

/// Decodes to data without its tree: [`StoredHidingData::attach_tree`] before opening.
impl<'de> Deserialize<'de> for StoredHidingData {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let w = Wire::deserialize(deserializer)?;
        let bad = |reason: String| {
            serde::de::Error::custom(format!("stored hiding commitment data: {reason}"))
        };
        let vars = w.stacked_vars as usize;
        if vars >= 40 || w.message.0.len() != 1usize << vars {
            return Err(bad(format!(
                "a stack of {} values for 2^{vars}",
                w.message.0.len()
            )));
        }
        let shape = TreeShape {
            width: usize::try_from(w.codeword_width).map_err(|e| bad(e.to_string()))?,
            height: usize::try_from(w.codeword_height).map_err(|e| bad(e.to_string()))?,
        };
        if shape.width == 0
            || shape.width > 1 << 12
            || !shape.height.is_power_of_two()
            || shape.height > 1 << 40
        {
            return Err(bad(format!(
                "a {} × {} codeword",
                shape.height, shape.width
            )));
        }
        Ok(Self {
            commitment: w.commitment,
            stacked_vars: vars,
            shape,
            data: Data::Detached {
                message: w.message.0,
                randomness: w.randomness.0,
            },
        })
    }
}

impl ReusableCommittedData {
    /// The data kept for later openings ([`HidingPcs::open_stored`]), consuming this: the count
    /// of openings made is dropped (the caller counts from here on, see the module docs).
    #[must_use]
    pub fn into_stored(self) -> StoredHidingData {
        let shape = match &self.data.whir.merkle {
            SaltedData::Built(tree) => match tree.parts().0 {
                [leaf] => TreeShape {
                    width: leaf.left.width,
                    height: leaf.left.values.len() / leaf.left.width.max(1),
                },
                _ => TreeShape {
                    width: 0,
                    height: 0,
                },
            },
            SaltedData::Stored(lazy) => lazy.shape(),
            SaltedData::Pair(..) => TreeShape {
                width: 0,
                height: 0,
            },
        };
        StoredHidingData {
            commitment: self.commitment,
            stacked_vars: self.data.stacked_vars,
            shape,
            data: Data::Ready(self.data.whir),
        }
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
        let bad = |reason: String| PcsError::StoredData { reason };
        let (layout, config) = self.check_stored(stored, expected)?;
        let Data::Ready(whir) = &stored.data else {
            return Err(bad(
                "the stored tree was not attached (a key decoded without its tree)".into(),
            ));
        };
        let proof = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.open_parts(
                &stored.commitment.inner,
                &layout,
                stored.stacked_vars,
                &config,
                whir,
                claims,
                stack,
                transcript,
            )
        }))
        .map_err(|_| bad("opening the stored commitment panicked".into()))??;
        // A tree read from its source was checked against the root where it was opened.
        if let SaltedData::Stored(lazy) = &whir.merkle
            && let Some(reason) = lazy.take_failure()
        {
            return Err(bad(reason));
        }
        Ok(proof)
    }

    /// The columns' stack of `stored` (what a prover reduces its claims on before one
    /// [`StackClaim`]): the stored stack itself, or a copy without the openings' randomness
    /// when the commitment keeps it in its message.
    ///
    /// # Errors
    /// The commitment's shapes do not fit these parameters.
    pub fn stored_stacked_values<'a>(
        &self,
        stored: &'a StoredHidingData,
    ) -> Result<std::borrow::Cow<'a, [F]>, PcsError> {
        let uses = Some(stored.commitment.uses());
        let (_, _, layout) = self.place(self.stack_of(stored.commitment.hiding())?, uses)?;
        Ok(layout.columns_values(stored.stacked_values()))
    }

    /// Whether `stored`'s stack holds `columns` as the first of its committed columns (a
    /// prover's check that the data it is about to open is that of the weights it proved with;
    /// the columns committed after them, e.g. an opening mask, are not compared). The columns
    /// are compared one at a time as the iterator makes them, so a caller need not hold them
    /// all (GPT-2 124M's groups are 1 GiB each).
    ///
    /// # Errors
    /// The commitment's shapes do not fit these parameters.
    pub fn stored_holds<C: AsRef<[F]>>(
        &self,
        stored: &StoredHidingData,
        columns: impl IntoIterator<Item = C>,
    ) -> Result<bool, PcsError> {
        let uses = Some(stored.commitment.uses());
        let (_, _, layout) = self.place(self.stack_of(stored.commitment.hiding())?, uses)?;
        Ok(layout.holds(stored.stacked_values(), columns))
    }

    /// The stack layout and p3 configuration of `stored`, after checking that it is `expected`'s
    /// data with the shape these parameters give.
    pub(super) fn check_stored(
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
        let (vars, config, layout) =
            self.place(self.stack_of(expected.hiding())?, Some(expected.uses()))?;
        if vars != stored.stacked_vars || stored.stacked_values().len() != 1 << vars {
            return Err(bad(format!(
                "a stack of 2^{} variables where these parameters give 2^{vars}",
                stored.stacked_vars
            )));
        }
        let folding = config.round_folding_factor(0);
        let randomness = config.oracle_randomness().first().copied().unwrap_or(0) << folding;
        if stored.randomness().len() != randomness {
            return Err(bad(format!(
                "{} encoding coefficients where these parameters give {randomness}",
                stored.randomness().len()
            )));
        }
        let height = (1usize << (vars - folding)) << config.starting_log_inv_rate;
        if stored.shape
            != (TreeShape {
                width: 1 << folding,
                height,
            })
        {
            return Err(bad(format!(
                "a {} × {} codeword where these parameters give {height} × {}",
                stored.shape.height,
                stored.shape.width,
                1usize << folding
            )));
        }
        if let Data::Ready(w) = &stored.data
            && let SaltedData::Built(tree) = &w.merkle
            && <Digest>::from(tree.root()) != expected.root()
        {
            return Err(bad("the stored tree's root is not the commitment's".into()));
        }
        Ok((layout, config))
    }
}
