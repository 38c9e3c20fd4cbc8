//! The proof and the binary files (keys and proofs): magic, format version, bincode payload.
//!
//! Decoding never panics and never allocates more than the input's size: the magic and version
//! are read by length-checked splits, and the payload by bincode with a byte limit equal to the
//! input's length (so a forged length prefix cannot make it allocate far beyond the input),
//! rejecting trailing bytes; then [`ZkFile::check`] validates the decoded value.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

use serde::{Deserialize, Serialize};
use zkinfer_lookup::LookupProof;
use zkinfer_lookup::zk::BlindedProof;

use zkinfer_field::EF;

use crate::commit::{WitnessCommitment, WitnessOpening};
use crate::hashed::HashedCommitment;

use crate::channel::Msg;
use crate::keys::{ProvingKey, VerifyingKey};

/// Version of the proof file format; bump on any change of the proof or its transcript.
///
/// - 1: the first format.
/// - 2: claim reductions are `zkinfer-sumcheck`'s (`Msg::Reduction`, which absorbs the claims
///   before drawing its coefficient) instead of a sumcheck message followed by one evaluation.
/// - 3: the witness commitment and its opening are hiding (HVZK-WHIR, salted leaves;
///   [`crate::commit`]) or, in benchmark-only proofs, plain, tagged by kind; private and
///   hashed outputs (`output_claim`), hashed tensors' commitments (`hashed`); masked sumchecks
///   (`Msg::ZkSumcheck`) with their mask pool's discharge (`mask_pool`).
/// - 4: blinded lookups (`Lookups::Blinded`, the blinding column in the witness batch),
///   masked evaluations and claims (`Msg::MaskedSumcheck`, `Msg::MaskedReduction`, masked
///   values sent, a masked `output_claim`).
/// - 5: the hiding witness opening's new shape (`zkinfer_pcs::HidingShape::default`: at most 6
///   variables folded per WHIR round, later oracles at rate 2^-5; absorbed into the
///   transcript) and its compact encoding (one byte string, varint lengths). A format-3/4
///   proof is refused with [`FileError::WrongVersion`]: re-run `zkinfer prove`.
/// - 6: the witness claims reduced to one claim on the hiding commitment's whole stack (a
///   masked reduction, then a stack claim in the opening), the opening mask column in the
///   witness batch (docs/ZK.md §13); masked values of concatenation (all shares but the last),
///   broadcast add/sub (the broadcast operand only), max-pool and the transformer gadgets
///   (masked sumchecks, fewer values sent: the derived ones are not); docs/ZK.md §12.
/// - 7: the blinded lookups' leaves masked (docs/ZK.md §14): the leaf layer `Z·R`-masked with
///   pool claim masks, the looked-up columns' and multiplicities' values at the leaf points sent
///   masked, the blinding columns' `N(z)`, `D(z)` not sent (their claims derived and reduced
///   with `B`'s).
/// - 8: the public input and output as zigzag varints ([`compact_ints`]) instead of 8 bytes
///   per value.
/// - 9: private weights on a reusable hiding commitment (docs/ZK.md §6.1): the proof's weights
///   commitment and opening are tagged (`WeightsCommitment`, `WeightsOpening`), the weights'
///   claims are reduced to one claim on the commitment's stack (one more masked reduction
///   message) and opened with HVZK-WHIR.
/// - 10: private weights in groups (`weights::groups`): one reusable commitment, one masked
///   claim reduction and one opening per group (a model whose weights fit one group has one);
///   the witness opened before the weights.
/// - 11: a masked claim reduction absorbs its claims' values and masks as two vectors and no
///   longer their points (the verifier's own: challenges and public data); the public input and
///   output are absorbed as zigzag varints (`Transcript::absorb_ints`), not one field element
///   per value. The hiding openings send the polynomial in the clear at 8 variables instead of 6
///   (one code-switching round fewer on most stacks; vendored p3-whir, `ZKINFER-PATCH.md`).
/// - 12: the hiding openings credit the base case's grind to the mask spot checks (fewer
///   mask spot checks and mask randomness; vendored p3-whir, `ZKINFER-PATCH.md` item 7).
///   Keys are unchanged.
/// - 13: a public output is sent as its logical values plus its non-zero padded entries
///   (`Proof::output_pad`), not as the whole padded table; the transcript still absorbs the
///   padded table. Keys are unchanged.
/// - 14: the transcript hashes more than 8 KiB of pending input in 8 KiB chunks
///   (`zkinfer_field::chunked`), so the long absorbs (public tensors, revealed masks) are
///   hashed in parallel; shorter inputs hash as before. Keys are unchanged.
/// - 15: the mask pool's discharge absorbs the pool's shape (slots, linear terms) as one byte
///   string of varints instead of a labelled absorb per number. Keys are unchanged.
/// - 16: the transcript absorbs a label as one element (`zkinfer_field::label_element`), not
///   its length and one element per byte, so a sumcheck round's absorbs and challenge hash in
///   one Keccak-f block instead of three. Keys are unchanged.
/// - 17: the blinded lookups merge the lookups of one table with the same number of variables
///   into one witness tree: fewer trees, so fewer children and inner-mask values per GKR layer;
///   each member's columns are sent masked at the leaf point without the block coordinates.
///   Keys are unchanged.
/// - 18: one witness tree per table (`lookups::zk::groups`): the lookups of different sizes
///   share it too, blocks largest first, each member's columns sent masked at the leaf point
///   without its own block coordinates. Keys are unchanged.
/// - 19: a private weights commitment that keeps its openings' randomness in its message
///   (`zkinfer_pcs` `Spread`, docs/ZK.md §6.1) is opened as a one-opening HVZK-WHIR run of that
///   larger stack: no code-switch mask `uses ·` the first round's queries long; the commitment's
///   absorb names where the randomness is. Keys: format 8.
/// - 20: a private weights commitment whose stack leaves every limb at least `uses ·` the first
///   round's queries unused keeps its openings' randomness there (`Spread::tail`: the stack's
///   index rotated so that each column is spread over the first fold's limbs, the unused tail
///   of every limb random) and is opened as a one-opening run of a stack no larger than the
///   columns need; its claim reduction runs on the committed stack. The commitment's absorb
///   says which form the randomness takes. Keys: format 9.
/// - 21: where the private weights are one group whose stack can hold the witness's and whose
///   first codeword is at most 2^24 elements (`weights::JOINT_MAX_CODEWORD_VARS`), the witness
///   is committed at the weights' stack size with their configuration and both are opened in one
///   HVZK-WHIR run of `Q = W ‖ X` (`WitnessOpening::Joint`, an empty weights opening; docs/ZK.md
///   §15). Keys unchanged.
/// - 22: a joint opening's first-oracle rows are sent without the witness's zero limbs (`W`'s
///   `2^k` values, then the witness's first `x_width`); the verifier puts the zeros back. The
///   payload's lengths and enum tags are bincode varints (`ZkFile::VARINT`), and a proof file
///   not in its one canonical encoding is refused. The
///   joint opening is taken up to a joint polynomial of 2^25 entries
///   (`weights::JOINT_MAX_VARS`) instead of a first codeword of 2^24 (ResNet-18 opens jointly).
///   Keys unchanged.
/// - 23: every hiding opening's base case commits the fresh blinds of the mask groups of one
///   codeword length in one tree and draws their spot positions once (vendored p3-whir,
///   `ZKINFER-PATCH.md` item 16): one fresh-blind multi-opening per codeword length instead of
///   one per group; and every masked sumcheck batch's masks are drawn and committed in one tree
///   before the first batch (item 17): one root and one carried multi-opening for all of them
///   instead of one per batch. Keys unchanged.
/// - 24: a sumcheck round sends `d` of its `d + 1` values (`g(0), g(2), …, g(d)`; the verifier
///   takes `g(1)` as the running claim less `g(0)`, `zkinfer_sumcheck::round_values`) and the
///   transcript absorbs those; the joint opening is taken up to a joint polynomial of 2^28
///   entries (`weights::JOINT_MAX_VARS`: MiniLM's and GPT-2 124M's witness and weights are
///   opened together). Keys unchanged.
/// - 25: a witness opened on its own (public weights, weights in several groups or apart from
///   the witness) whose columns stack in at most 2^22 (`commit::MASKED_MAX_VARS`) is committed
///   and opened with the masked first round of docs/PROOF_SIZE.md §2.i
///   (`zkinfer_pcs::masked`: one masked fold of the stack, then a plain opening of the folded
///   polynomial; `WitnessCommitment::Masked`, `WitnessOpening::Masked`) instead of HVZK-WHIR.
///   Joint openings and the weights' openings are unchanged. Keys unchanged.
/// - 26: private weights that make one group, under a key whose joint stack holds them, their
///   openings' randomness and the witness in at most 2^22 (`VerifyingKey::weights_joint_vars`,
///   key format 12) are on one masked reusable commitment (`WeightsCommitment::Masked`,
///   `WeightsOpening::WithWitness`); the witness is committed in a masked stack of that size and
///   both are opened in one masked opening (`WitnessOpening::Masked`; docs/ZK.md §18). Other
///   keys' proofs are unchanged.
/// - 27: the masked opening's rows are counted at the Johnson bound (57 rows at rate 1/8 instead
///   of 98 in unique decoding), and each fold of the committed word (the first sumcheck's rounds
///   and `ρ`) is preceded by a proof of work (`MaskedProof::fold_pow`,
///   `MaskedConfig::fold_pow_bits`; docs/ZK.md §19). Key format 13.
/// - 28: a blinded lookup layer's ZK sumcheck sends each round at its own degree (the `w` round
///   1, the middle `x` rounds 3, the last 5: `zkinfer_lookup::zk::masked_layer_degrees`) with a
///   mask of those per-variable degrees, instead of every round at degree 5. Keys unchanged
///   (a key's recorded mask budget was counted at degree 5 and covers the smaller masks).
/// - 29: the masked opening's plain opening of its folded polynomial folds 5 variables a round
///   (`commit::MASKED_PLAIN_FOLD`) instead of the key's 4. Keys unchanged.
/// - 30: every Merkle digest (roots, siblings, leaf and node hashes) is Keccak-256 truncated to
///   25 bytes (`zkinfer_pcs::DIGEST_BYTES`; 100-bit collision resistance, the security level), 7
///   bytes a digest fewer than 32. Key format 15.
pub const FORMAT_VERSION: u32 = 30;

/// Version of the verifying-key and compiled-model file formats (proving keys have
/// [`PK_FORMAT_VERSION`]); bump on any change. Keys are versioned apart from proofs so that a change of the proof alone does not make users
/// regenerate their keys. 2: the plan's options carry the output's visibility. 3: a compiled
/// model's quantized graph carries the parts of a packed input (several graph inputs). 4: the
/// verifying key carries the private weights commitment's budget (`weights_uses`, in its
/// digest); compiled models did not change but share the number (recompile a version-3 `.zkc`).
/// 5: the plan's tied weights (`Plan::weight_aliases`; a tied LM head committed once). 6: the
/// private weights' commitment folds down to 8 variables, not 6 (another first-round row width,
/// so another root; compiled models did not change but share the number). 7: a weight column
/// records its tensor layout (`ColumnSpec::axes`), and a private weights commitment commits a
/// large padded tensor as power-of-two pieces (`crate::pieces`: another stack, another root).
/// 8: a private weights commitment up to 2^24 codeword elements (or no larger than the other
/// way) keeps its openings' randomness in its message (proof format 19: another stack, another
/// root). 9: one whose stack has room for that randomness in its unused tail keeps it there
/// (proof format 20: the stack's index rotated, another root). 10: a weight column's axis is
/// cut into up to three blocks where two would waste more than an eighth of it (`crate::pieces`:
/// GPT-2's 50,257-row embedding in 39.3M entries instead of 50.3M, so its weights make one group;
/// other pieces, another stack, another root); a constant that broadcasts over some axes of its
/// output (a depthwise convolution's tap, a bias over positions) is committed as its own table,
/// not broadcast to the output's size (`ops::affine`; MobileNet-v2's private weights 1.83M →
/// 0.92M committed elements). 11: a weights group's codeword may reach 2^29 elements
/// (`weights::MAX_CODEWORD_VARS`), so a 2^27 stack (GPT-2 124M) is committed at rate 1/4
/// instead of 1/2 and a 2^26 one at 1/8 instead of 1/4 (another codeword, another root; the
/// first round's queries of GPT-2's opening 198 → 121). Smaller stacks are unchanged, but the
/// number is shared. 12: the verifying key's `weights_joint_vars` (in its digest): private
/// weights committed with the masked opening at that joint stack (proof format 26). 13: that joint
/// stack holds `T·57` rows of randomness per limb, not `T·98` (proof format 27: the masked
/// opening's rows at the Johnson bound), so it can be smaller than a version-12 key's. 14: a
/// lookup carries an offset (`LookupUse::offset`): a signed range is checked in the range table
/// of its width, shifted, so a model with both has one table and one multiplicity column fewer
/// (LeNet-5's committed witness 245,280 → 179,744 elements). 15: Merkle roots are 25 bytes
/// (`zkinfer_pcs::DIGEST_BYTES`, truncated Keccak-256; proof format 30).
pub const KEY_FORMAT_VERSION: u32 = 15;

/// Version of the proving-key formats. 2: the key carries the weights' commitment data
/// (codeword and Merkle tree) so that proofs skip re-committing the weights; version-1 keys
/// are refused with [`FileError::WrongVersion`] (run `zkinfer setup` again). 3: the plan's
/// options carry the output's visibility. 4: the recorded mask budget (`mask_entries`). 5: the
/// budget counts the final stack reduction (proof format 6) and the masked values of
/// concatenation, broadcast add, max-pool and the gadgets (a version-4 key's budget can be too
/// small for them). 6: the budget counts the blinded lookups' leaf masks and masked leaf
/// values (proof format 7). 7: the quantized graph carries the parts of a packed input
/// (several graph inputs). 8: the verifying key's `weights_uses`; the weights' reusable hiding
/// commitment's seed (`weights_seed`) instead of a plain commitment's codeword; the mask budget
/// counts the weights' stack reduction. 9: the plan's tied weights; the weights' commitment in
/// groups (one root per group in the verifying key, the budget counting one stack reduction per
/// group). 10: the weights' commitment folds down to 8 variables (key format 6). 11: the
/// weights' hiding commitment data stored in the key (`weights_stored`, `WeightsData`), so that
/// proofs open it without encoding and hashing the weights again. 12: key format 7 (weight
/// columns committed as pieces). 13: key format 8 (the weights' openings' randomness in the
/// committed stack). 14: key format 9 (that randomness in the stack's free tail where it fits).
/// 15: key format 10 (weight columns cut into up to three blocks per axis, broadcast constants
/// committed compactly). 16: key format 11 (codewords up to 2^29 elements). 17: key format 12;
/// the masked weights commitment's data (`weights_masked`). 18: key format 13. 19: key format 14.
/// 20: key format 15 (25-byte digests in the stored trees).
pub const PK_FORMAT_VERSION: u32 = 20;

/// The encoding of the proof's integer vectors (public input and output): one byte string of
/// zigzag LEB128 varints, about 3 bytes for a 16-bit activation instead of bincode's 8. Decoding
/// refuses a truncated or overlong varint and a non-canonical one (a final zero byte after the
/// first), so every vector has exactly one encoding.
pub mod compact_ints {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Zigzag varints of `values` (the encoding the transcript absorbs them in, too).
    pub use zkinfer_field::zigzag_varints as encode;

    /// The values of [`encode`]'s bytes.
    ///
    /// # Errors
    /// A message naming the fault: a varint cut short, longer than 10 bytes or past 64 bits,
    /// or not in its shortest form.
    pub fn decode(bytes: &[u8]) -> Result<Vec<i64>, &'static str> {
        let mut out = Vec::new();
        let mut z: u64 = 0;
        let mut shift = 0u32;
        let mut len = 0usize;
        for &b in bytes {
            if shift >= 64 || (shift == 63 && b > 1) {
                return Err("an integer varint past 64 bits");
            }
            z |= u64::from(b & 0x7f) << shift;
            len += 1;
            if b & 0x80 == 0 {
                if b == 0 && len > 1 {
                    return Err("an integer varint not in its shortest form");
                }
                out.push(((z >> 1) as i64) ^ -((z & 1) as i64));
                z = 0;
                shift = 0;
                len = 0;
            } else {
                shift += 7;
            }
        }
        if len != 0 {
            return Err("an integer varint cut short");
        }
        Ok(out)
    }

    /// Serde: the varints as one byte string.
    ///
    /// # Errors
    /// The serializer's.
    pub fn serialize<S: Serializer>(values: &[i64], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&encode(values))
    }

    /// Serde: the values of one byte string of varints.
    ///
    /// # Errors
    /// The deserializer's, or [`decode`]'s.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<i64>, D::Error> {
        let bytes = Vec::<u8>::deserialize(d)?;
        decode(&bytes).map_err(D::Error::custom)
    }

    /// The same for an optional vector.
    pub mod option {
        use serde::{Deserialize, Deserializer, Serializer};

        /// Serde: `None`, or the varints as one byte string.
        ///
        /// # Errors
        /// The serializer's.
        pub fn serialize<S: Serializer>(
            values: &Option<Vec<i64>>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match values {
                None => s.serialize_none(),
                Some(v) => s.serialize_some(&serde_bytes_of(v)),
            }
        }

        /// Serde: an optional byte string of varints.
        ///
        /// # Errors
        /// The deserializer's, or [`super::decode`]'s.
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<i64>>, D::Error> {
            use serde::de::Error as _;
            Option::<Vec<u8>>::deserialize(d)?
                .map(|b| super::decode(&b).map_err(D::Error::custom))
                .transpose()
        }

        /// The encoded bytes as a serde byte string.
        struct Bytes(Vec<u8>);

        impl serde::Serialize for Bytes {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_bytes(&self.0)
            }
        }

        fn serde_bytes_of(v: &[i64]) -> Bytes {
            Bytes(super::encode(v))
        }
    }
}

/// A proof of one inference.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Proof {
    /// Digest of the verifying key it was made for.
    pub vk_digest: [u8; 32],
    /// The quantized input, when it is public (encoded as zigzag varints, [`compact_ints`]).
    #[serde(with = "compact_ints::option")]
    pub public_input: Option<Vec<i64>>,
    /// The output's logical values, row-major in the model's shape; empty when the output is
    /// not public (encoded as zigzag varints, [`compact_ints`]).
    #[serde(with = "compact_ints")]
    pub output: Vec<i64>,
    /// The output's non-zero padded entries (`Layout::split_padding`: flat `(stored position,
    /// value)` pairs, increasing), empty for most models; the verifier rebuilds the stored
    /// table from both (`Layout::join_padding`).
    #[serde(with = "compact_ints")]
    pub output_pad: Vec<i64>,
    /// The output's value at the verifier's first point, sent when the output is not public
    /// (the verifier computes it from a public output).
    pub output_claim: Option<EF>,
    /// The seeded commitments of the `hashed` tensors ([`crate::hashed`]).
    pub hashed: Vec<HashedCommitment>,
    /// The weights' commitment (absent when the weights are public: the verifying key carries
    /// them).
    pub weights: Option<crate::weights::WeightsCommitment>,
    /// The witness columns (hiding, except in benchmark-only proofs).
    pub witness: WitnessCommitment,
    /// The LogUp-GKR proof of every table's lookups: blinded (zero knowledge) with a hiding
    /// witness commitment, plain in benchmark-only proofs.
    pub lookups: Lookups,
    /// The layer messages, in the order the verifier reads them.
    pub msgs: Vec<Msg>,
    /// The discharge of the masked sumchecks' mask claims (with a hiding witness commitment,
    /// whose last column is the mask pool); `None`: the sumchecks are plain.
    pub mask_pool: Option<zkinfer_sumcheck::MaskPoolProof>,
    /// Opening of the weight claims (absent when the weights are public).
    pub weights_opening: Option<crate::weights::WeightsOpening>,
    /// Opening of the witness claims.
    pub witness_opening: WitnessOpening,
}

/// The lookups of a proof.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Lookups {
    /// Zero-knowledge LogUp-GKR (`zkinfer_lookup::zk`: blinded roots, `Z·R`-masked layers,
    /// masked layer sumchecks), with a hiding witness commitment ([`crate::lookups`]).
    Blinded(BlindedProof),
    /// Plain LogUp-GKR (benchmark-only proofs, plain witness commitment).
    Plain(LookupProof),
}

/// A file that could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FileError {
    /// Not a zkinfer file of this kind.
    #[error("not a zkinfer {expected} file (magic bytes differ); did you pass the right file?")]
    WrongKind {
        /// What was expected.
        expected: &'static str,
    },
    /// A zkinfer file of another format version.
    #[error("{kind} file has format version {got}, this zkinfer reads version {expected}; {fix}")]
    WrongVersion {
        /// What kind.
        kind: &'static str,
        /// Found.
        got: u32,
        /// Supported.
        expected: u32,
        /// How to get a file of this version ([`ZkFile::REGENERATE`]).
        fix: &'static str,
    },
    /// Truncated or corrupted payload.
    #[error("{kind} file is corrupted or truncated: {reason}")]
    Corrupt {
        /// What kind.
        kind: &'static str,
        /// Decoder message.
        reason: String,
    },
}

/// A reader or writer that counts the bytes through it.
struct Counting<T>(T, u64);

impl<W: std::io::Write> std::io::Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.0.write(buf)?;
        self.1 += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

impl<R: std::io::Read> std::io::Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.0.read(buf)?;
        self.1 += n as u64;
        Ok(n)
    }
}

/// A kind of binary file.
pub trait ZkFile: Serialize + for<'de> Deserialize<'de> {
    /// 8 magic bytes.
    const MAGIC: [u8; 8];
    /// Human name.
    const KIND: &'static str;
    /// The format version this build writes and reads.
    const VERSION: u32;
    /// How a user gets a file of [`ZkFile::VERSION`] (the fix named by
    /// [`FileError::WrongVersion`]).
    const REGENERATE: &'static str;

    /// Consistency checks on a decoded value (a key's digest against its contents); the reason
    /// when it fails.
    ///
    /// # Errors
    /// What is inconsistent.
    fn check(&self) -> Result<(), String> {
        Ok(())
    }

    /// Whether the payload's integers (lengths, enum tags) are bincode varints (1 byte below
    /// 251) instead of fixed 8 / 4 bytes, and the file must be in its one canonical encoding
    /// (decoded and encoded again, the same bytes): proofs, where every byte is a verifier's
    /// cost. Keys keep fixed-width integers.
    const VARINT: bool = false;

    /// Files of this kind up to this size are read whole and decoded from memory by
    /// [`ZkFile::read_from_file`] (bincode over a slice is several times faster than over a
    /// buffered reader: ≈ 10 ms of a 6.7 MB proof's decoding); larger ones are decoded as read.
    /// 0 for a kind whose trailer stays in the file (a proving key).
    const READ_WHOLE_UP_TO: u64 = 64 << 20;

    /// The number of bytes written after the encoded value (a proving key's stored weights
    /// tree, which is read where it is opened rather than decoded); 0 for most kinds.
    fn trailer_len(&self) -> u64 {
        0
    }

    /// Writes the [`ZkFile::trailer_len`] bytes after the encoded value.
    ///
    /// # Errors
    /// The writer's.
    fn write_trailer(&self, _out: &mut dyn std::io::Write) -> std::io::Result<()> {
        Ok(())
    }

    /// Gives a decoded value its trailer, at `source` (called when [`ZkFile::trailer_len`] is
    /// not 0).
    ///
    /// # Errors
    /// Why the trailer does not fit the value.
    fn attach_trailer(&mut self, _source: zkinfer_pcs::TreeSource) -> Result<(), String> {
        Ok(())
    }

    /// Encodes with magic and version (and the trailer).
    #[must_use]
    fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        if self.write_to(&mut out).is_err() {
            out.truncate(12);
        }
        out
    }

    /// Writes [`ZkFile::to_bytes`]' bytes to `out` without holding them all (a proving key that
    /// stores its weights' commitment data is gigabytes); returns the number of bytes written.
    ///
    /// # Errors
    /// The writer's error; encoding errors as [`std::io::ErrorKind::InvalidData`].
    fn write_to<W: std::io::Write>(&self, out: W) -> std::io::Result<usize> {
        use std::io::Write as _;
        let mut out = Counting(out, 0u64);
        out.write_all(&Self::MAGIC)?;
        out.write_all(&Self::VERSION.to_le_bytes())?;
        let encoded = if Self::VARINT {
            use bincode::Options;
            bincode::DefaultOptions::new()
                .with_varint_encoding()
                .serialize_into(&mut out, self)
        } else {
            bincode::serialize_into(&mut out, self)
        };
        encoded.map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()))?;
        self.write_trailer(&mut out)?;
        Ok(usize::try_from(out.1).unwrap_or(usize::MAX))
    }

    /// [`ZkFile::from_bytes`] on a file: read whole up to [`ZkFile::READ_WHOLE_UP_TO`], else
    /// decoded as it is read, without holding the file in memory; its trailer (a proving
    /// key's stored weights tree) is not read now but where it is used, from the file: the file
    /// must not change while the value is in use (a changed tree is detected where it is read,
    /// as an error).
    ///
    /// # Errors
    /// As [`ZkFile::from_bytes`]; the file's I/O errors as [`FileError::Corrupt`].
    fn read_from_file(file: std::fs::File) -> Result<Self, FileError> {
        let corrupt = |reason: String| FileError::Corrupt {
            kind: Self::KIND,
            reason,
        };
        let len = file.metadata().map_err(|e| corrupt(e.to_string()))?.len();
        if len <= Self::READ_WHOLE_UP_TO {
            let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
            let mut file = file;
            std::io::Read::read_to_end(&mut file, &mut bytes)
                .map_err(|e| corrupt(e.to_string()))?;
            return Self::from_bytes(&bytes);
        }
        let mut input = Counting(std::io::BufReader::with_capacity(1 << 20, file), 0);
        let value = Self::read_body(&mut input, len)?;
        let at = input.1;
        finish_read(value, len - at.min(len), || {
            let file = input.0.into_inner();
            zkinfer_pcs::TreeSource::File(std::sync::Arc::new(std::sync::Mutex::new(file)), at)
        })
    }

    /// The header and the encoded value (without the trailer and the checks).
    ///
    /// # Errors
    /// As [`ZkFile::from_bytes`].
    fn read_body<R: std::io::Read>(input: &mut R, len: u64) -> Result<Self, FileError> {
        let mut header = [0u8; 12];
        if input.read_exact(&mut header).is_err() {
            return Err(FileError::WrongKind {
                expected: Self::KIND,
            });
        }
        let (magic, version) = header.split_at(8);
        if magic != Self::MAGIC {
            return Err(FileError::WrongKind {
                expected: Self::KIND,
            });
        }
        let got = u32::from_le_bytes(version.try_into().unwrap_or_default());
        if got != Self::VERSION {
            return Err(FileError::WrongVersion {
                kind: Self::KIND,
                got,
                expected: Self::VERSION,
                fix: Self::REGENERATE,
            });
        }
        use bincode::Options;
        let options = bincode::DefaultOptions::new().with_limit(len);
        let decoded = if Self::VARINT {
            options
                .with_varint_encoding()
                .deserialize_from::<_, Self>(input)
        } else {
            options
                .with_fixint_encoding()
                .deserialize_from::<_, Self>(input)
        };
        decoded.map_err(|e| FileError::Corrupt {
            kind: Self::KIND,
            reason: e.to_string(),
        })
    }

    /// Decodes, checking magic, version, that every byte is used and [`ZkFile::check`].
    ///
    /// # Errors
    /// A [`FileError`] naming what is wrong.
    fn from_bytes(bytes: &[u8]) -> Result<Self, FileError> {
        let mut rest = bytes;
        let value = Self::read_body(&mut rest, bytes.len() as u64)?;
        let value = finish_read(value, rest.len() as u64, || {
            zkinfer_pcs::TreeSource::Bytes(std::sync::Arc::new(rest.to_vec()), 0)
        })?;
        // A varint has several encodings of one value (bincode reads a non-minimal one), so a
        // file of such a kind is refused unless it is the one its value encodes to.
        if Self::VARINT && value.to_bytes() != bytes {
            return Err(FileError::Corrupt {
                kind: Self::KIND,
                reason: "not in its canonical encoding (an integer or a field written in a \
                         longer form than needed); re-encode it with this version"
                    .into(),
            });
        }
        Ok(value)
    }
}

/// A decoded value's last steps: the `found` bytes after its body must be exactly its trailer
/// ([`ZkFile::trailer_len`]), which `source` then gives it; then [`ZkFile::check`].
fn finish_read<T: ZkFile>(
    mut value: T,
    found: u64,
    source: impl FnOnce() -> zkinfer_pcs::TreeSource,
) -> Result<T, FileError> {
    let corrupt = |reason: String| FileError::Corrupt {
        kind: T::KIND,
        reason,
    };
    let trailer = value.trailer_len();
    match found.cmp(&trailer) {
        std::cmp::Ordering::Less => return Err(corrupt("the file is cut short".into())),
        std::cmp::Ordering::Greater => {
            return Err(corrupt("trailing bytes after the encoded value".into()));
        }
        std::cmp::Ordering::Equal => {}
    }
    if trailer > 0 {
        value.attach_trailer(source()).map_err(corrupt)?;
    }
    value.check().map_err(corrupt)?;
    Ok(value)
}

impl Proof {
    /// The encoded size in bytes of each part of the proof (bincode, as in the file, whose
    /// header adds a few bytes): the statement (key digest, public input and output, a private
    /// output's claim, `hashed` commitments), the commitments, the layer messages (sumchecks and
    /// the values they send), the lookups, the mask pool's discharge, and the openings.
    #[must_use]
    pub fn size_by_part(&self) -> Vec<(&'static str, u64)> {
        fn size<T: Serialize + ?Sized>(v: &T) -> u64 {
            use bincode::Options;
            bincode::DefaultOptions::new()
                .with_varint_encoding()
                .serialized_size(v)
                .unwrap_or(0)
        }
        // A vector of `compact_ints`: its length, then the varints.
        fn ints(v: &[i64]) -> u64 {
            let bytes = compact_ints::encode(v).len() as u64;
            size(&bytes) + bytes
        }
        vec![
            (
                "statement",
                size(&self.vk_digest)
                    + self.public_input.as_ref().map_or(1, |v| 1 + ints(v))
                    + ints(&self.output)
                    + ints(&self.output_pad)
                    + size(&self.output_claim)
                    + size(&self.hashed),
            ),
            ("commitments", size(&self.weights) + size(&self.witness)),
            ("sumchecks", size(&self.msgs)),
            ("lookups", size(&self.lookups)),
            ("mask pool", size(&self.mask_pool)),
            ("weights opening", size(&self.weights_opening)),
            (
                match self.witness_opening {
                    WitnessOpening::Joint(_) => "joint opening (witness and weights)",
                    WitnessOpening::Masked(_) => "witness opening (masked)",
                    _ => "witness opening",
                },
                size(&self.witness_opening),
            ),
        ]
    }
}

impl ZkFile for Proof {
    const MAGIC: [u8; 8] = *b"ZKINFPRF";
    const KIND: &'static str = "proof";
    const VERSION: u32 = FORMAT_VERSION;
    const REGENERATE: &'static str =
        "re-run `zkinfer prove` with this version to make a proof it can check";
    const VARINT: bool = true;
}

/// A key's digest is what proofs are bound to and what users compare against a published model
/// identifier, so a key whose contents (plan, PCS parameters, weights root) were changed under
/// an unchanged digest is refused at load.
impl ZkFile for VerifyingKey {
    const MAGIC: [u8; 8] = *b"ZKINFVK\0";
    const KIND: &'static str = "verifying key";
    const VERSION: u32 = KEY_FORMAT_VERSION;
    const REGENERATE: &'static str = "re-run `zkinfer setup` with this version to remake the keys";

    fn check(&self) -> Result<(), String> {
        self.check_digest()?;
        self.check_shape()
    }
}

impl ZkFile for ProvingKey {
    // A large key's stored weights tree stays in the file, read where a proof opens it; a key
    // of at most 256 MiB (a masked weights commitment's data, docs/ZK.md §18, is in the key's
    // body: LeNet-5's is 92 MiB) is read whole and decoded from memory, ≈ 10× faster than from
    // a buffered reader.
    const READ_WHOLE_UP_TO: u64 = 256 << 20;
    const MAGIC: [u8; 8] = *b"ZKINFPK\0";
    const KIND: &'static str = "proving key";
    const VERSION: u32 = PK_FORMAT_VERSION;
    const REGENERATE: &'static str = "re-run `zkinfer setup` with this version to remake the keys";

    /// The stored weights trees, one after the other.
    fn trailer_len(&self) -> u64 {
        self.weights_stored
            .iter()
            .map(zkinfer_pcs::StoredHidingData::tree_len)
            .sum()
    }

    fn write_trailer(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        for stored in &self.weights_stored {
            stored.write_tree(out)?;
        }
        Ok(())
    }

    fn attach_trailer(&mut self, source: zkinfer_pcs::TreeSource) -> Result<(), String> {
        let mut at = 0;
        for stored in &mut self.weights_stored {
            stored
                .attach_tree(source.advanced(at))
                .map_err(|e| e.to_string())?;
            at += stored.tree_len();
        }
        Ok(())
    }

    fn check(&self) -> Result<(), String> {
        self.vk.check_digest()?;
        self.vk.check_shape()?;
        self.check_graph().map_err(|e| e.to_string())?;
        self.check_plan().map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header<T: ZkFile>(version: u32) -> Vec<u8> {
        let mut b = T::MAGIC.to_vec();
        b.extend_from_slice(&version.to_le_bytes());
        b.extend_from_slice(&[0; 16]);
        b
    }

    /// Varints round-trip (edge values, random values), and every malformed form is refused:
    /// cut short, overlong, past 64 bits, not the shortest.
    #[test]
    fn compact_ints_round_trip_and_refuse_malformed_bytes() {
        let mut values = vec![
            0,
            1,
            -1,
            63,
            -64,
            64,
            -65,
            i64::MAX,
            i64::MIN,
            32767,
            -32768,
        ];
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..1000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            values.push((x as i64) >> (x % 64));
        }
        let bytes = compact_ints::encode(&values);
        assert_eq!(compact_ints::decode(&bytes).unwrap(), values);
        assert_eq!(compact_ints::encode(&[0, -1, 1]), vec![0, 1, 2]);
        assert_eq!(compact_ints::encode(&[-32768]).len(), 3);
        for bad in [
            &[0x80][..],
            &[0x80, 0x00][..],
            &[0xff; 11][..],
            &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02][..],
        ] {
            assert!(compact_ints::decode(bad).is_err(), "{bad:?}");
        }
        // A proof's vectors go through serde.
        let (g, x) = crate::testing::mlp_with_table(5);
        let plan = crate::compile(&g, crate::CompileOptions::default()).unwrap();
        let pk = crate::setup(&g, &plan, zkinfer_pcs::PcsConfig::default()).unwrap();
        let p = crate::prove(&pk, &x, None).unwrap();
        let bytes = p.to_bytes();
        let q = Proof::from_bytes(&bytes).unwrap();
        assert_eq!((&q.public_input, &q.output), (&p.public_input, &p.output));
        assert!(p.public_input.is_some() && !p.output.is_empty());
        // The public input's byte-string length, a bincode varint after the header (12 bytes),
        // the key digest (32) and the option's tag, written in the 3-byte form bincode also
        // reads (251, then the length as a u16): the same proof, refused as not canonical.
        let len = bytes[45];
        assert_eq!(bytes[44], 1, "the public input is present");
        let input = p.public_input.as_deref().unwrap_or_default();
        assert_eq!(usize::from(len), compact_ints::encode(input).len());
        assert!(len < 251);
        let mut longer = bytes[..45].to_vec();
        longer.extend([251, len, 0]);
        longer.extend(&bytes[46..]);
        let e = Proof::from_bytes(&longer).unwrap_err();
        assert!(e.to_string().contains("canonical"), "{e}");
    }

    /// The parts add up to the proof's encoding (the file adds its header: magic and version).
    #[test]
    fn the_parts_add_up_to_the_proof() {
        use crate::testing::mlp_with_table;
        use crate::{CompileOptions, compile, prove, setup};
        let (g, x) = mlp_with_table(5);
        let plan = compile(&g, CompileOptions::default()).unwrap();
        let pk = setup(&g, &plan, zkinfer_pcs::PcsConfig::default()).unwrap();
        let p = prove(&pk, &x, None).unwrap();
        let parts = p.size_by_part();
        let total: u64 = parts.iter().map(|(_, b)| b).sum();
        let file = p.to_bytes().len() as u64;
        assert!(total < file && file - total <= 16, "{total} vs {file}");
        assert!(parts.iter().all(|(_, b)| *b > 0), "{parts:?}");
    }

    #[test]
    fn an_old_proof_file_names_its_version_and_the_fix() {
        assert_eq!(<Proof as ZkFile>::VERSION, 30);
        // Proofs of the previous formats (29: 32-byte Merkle digests; 28: the folded
        // polynomial's plain opening at fold 4;
        // 27: every blinded lookup layer round at degree 5; 26:
        // the masked opening's rows in unique decoding; 25: small private weights on HidingPcs; 24: a witness
        // opened on its own by HVZK-WHIR; 23: every value of a sumcheck round sent; 22: a
        // fresh-blind and a carried tree per mask group;
        // 21: a joint
        // opening's rows with the witness's zero
        // limbs; 20: the witness and the weights always opened apart;
        // 19: that randomness never in the stack's free tail;
        // 18: the weights' openings' randomness always in the encoding; 17: a lookup tree per
        // table and size; 16: one per lookup) are refused.
        for old in [16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29] {
            let e = Proof::from_bytes(&header::<Proof>(old)).unwrap_err();
            assert!(
                matches!(e, FileError::WrongVersion { got, .. } if got == old),
                "{e}"
            );
        }
        // A proof of the first hiding format (3) is refused with the fix.
        let e = Proof::from_bytes(&header::<Proof>(3)).unwrap_err();
        assert!(
            matches!(
                e,
                FileError::WrongVersion {
                    got: 3,
                    expected: FORMAT_VERSION,
                    ..
                }
            ),
            "{e}"
        );
        let msg = e.to_string();
        assert!(msg.contains("format version 3"), "{msg}");
        assert!(msg.contains("zkinfer prove"), "{msg}");
        // Keys keep their own version: a proof format change does not refuse them.
        assert_eq!(<VerifyingKey as ZkFile>::VERSION, KEY_FORMAT_VERSION);
        let e =
            VerifyingKey::from_bytes(&header::<VerifyingKey>(KEY_FORMAT_VERSION + 1)).unwrap_err();
        assert!(e.to_string().contains("zkinfer setup"), "{e}");
        let e = VerifyingKey::from_bytes(&header::<VerifyingKey>(KEY_FORMAT_VERSION)).unwrap_err();
        assert!(matches!(e, FileError::Corrupt { .. }), "{e}");
    }
}
