//! The Fiat–Shamir transcript.
//!
//! A Keccak-256 hash chain (p3's `HashChallenger<u8, H, 32>` behind a `SerializingChallenger64`,
//! `H` Keccak-256 with a chunked mode above 8 KiB: [`crate::chunked`]), so the EVM's `KECCAK256`
//! reproduces it. On top of the raw
//! challenger it adds:
//! - a domain separator absorbed at creation: [`PROTOCOL_TAG`] and a caller context (e.g. the vk
//!   digest);
//! - labelled absorbs: every message is preceded by its label (a `const` [`TranscriptLabel`],
//!   absorbed as one element: [`label_element`]) and,
//!   for vectors, its length, so two different message sequences never hash alike;
//! - challenges in [`EF`] (two base-field samples, each uniform over `F` by rejection-free
//!   sampling of p3's serializing challenger).
//!
//! [`Transcript`] also implements the p3-challenger traits by delegation, so `p3-whir` runs its
//! own rounds on the same hash chain.

use crate::chunked::ChunkedKeccak256;
use crate::{EF, F};
use p3_challenger::{
    CanObserve, CanSample, CanSampleBits, CanSampleUniformBits, FieldChallenger,
    GrindingChallenger, HashChallenger, ResamplingError, SerializingChallenger64,
};
use p3_field::{BasedVectorSpace, PrimeField64};

/// The raw challenger wrapped by [`Transcript`]: Keccak-256 over serialized Goldilocks elements,
/// chunked above 8 KiB of pending input ([`crate::chunked`]).
pub type Challenger = SerializingChallenger64<F, HashChallenger<u8, ChunkedKeccak256, 32>>;

/// The protocol tag absorbed first by every transcript; bump it when the proof format changes.
pub const PROTOCOL_TAG: &[u8] = b"zkinfer/v1";

/// A label that precedes a message in the transcript. Use `const`s so labels are greppable.
pub type TranscriptLabel = &'static [u8];

/// The Fiat–Shamir transcript shared by prover and verifier.
#[derive(Clone, Debug)]
pub struct Transcript {
    inner: Challenger,
}

impl Transcript {
    /// A fresh transcript bound to [`PROTOCOL_TAG`] and `context` (e.g. a verifying-key digest).
    #[must_use]
    pub fn new(context: &[u8]) -> Self {
        let mut t = Self {
            inner: Challenger::from_hasher(Vec::new(), ChunkedKeccak256),
        };
        t.absorb_bytes(b"protocol", PROTOCOL_TAG);
        t.absorb_bytes(b"context", context);
        t
    }

    fn absorb_label(&mut self, label: TranscriptLabel) {
        self.inner.observe(label_element(label));
    }

    fn absorb_raw_len(&mut self, len: usize) {
        self.inner.observe(F::from_u64_lossless(len as u64));
    }

    /// Absorbs a labelled byte string (length-prefixed).
    pub fn absorb_bytes(&mut self, label: TranscriptLabel, bytes: &[u8]) {
        self.absorb_label(label);
        self.absorb_raw_len(bytes.len());
        // 7 bytes per element: always canonical, no reduction ambiguity.
        for chunk in bytes.chunks(7) {
            let mut buf = [0u8; 8];
            buf[..chunk.len()].copy_from_slice(chunk);
            self.inner
                .observe(F::from_u64_lossless(u64::from_le_bytes(buf)));
        }
    }

    /// Absorbs one labelled `u64`.
    pub fn absorb_u64(&mut self, label: TranscriptLabel, v: u64) {
        self.absorb_bytes(label, &v.to_le_bytes());
    }

    /// Absorbs a labelled vector of signed integers as the byte string ([`Self::absorb_bytes`])
    /// of their zigzag LEB128 encodings, 1–10 bytes each (self-delimiting, so the string is
    /// injective in the vector). A tensor of small integers — a model's public output or input —
    /// then costs about its byte size in the sponge, not 8 bytes (one element) per value: GPT-2's
    /// 16 × 65,536 public logits are ≈ 1.8 MB instead of 8.4 MB of hashing.
    pub fn absorb_ints(&mut self, label: TranscriptLabel, xs: &[i64]) {
        self.absorb_bytes(label, &zigzag_varints(xs));
    }

    /// Absorbs one labelled base-field element.
    pub fn absorb_field(&mut self, label: TranscriptLabel, x: F) {
        self.absorb_label(label);
        self.inner.observe(x);
    }

    /// Absorbs a labelled, length-prefixed vector of base-field elements.
    pub fn absorb_fields(&mut self, label: TranscriptLabel, xs: &[F]) {
        self.absorb_label(label);
        self.absorb_raw_len(xs.len());
        self.inner.observe_slice(xs);
    }

    /// Absorbs one labelled extension-field element.
    pub fn absorb_ext(&mut self, label: TranscriptLabel, x: EF) {
        self.absorb_label(label);
        self.inner.observe_algebra_element(x);
    }

    /// Absorbs a labelled, length-prefixed vector of extension-field elements.
    pub fn absorb_exts(&mut self, label: TranscriptLabel, xs: &[EF]) {
        self.absorb_label(label);
        self.absorb_raw_len(xs.len());
        for &x in xs {
            self.inner.observe_algebra_element(x);
        }
    }

    /// A labelled challenge in [`EF`].
    pub fn challenge(&mut self, label: TranscriptLabel) -> EF {
        self.absorb_label(label);
        let c0: F = self.inner.sample();
        let c1: F = self.inner.sample();
        EF::from_basis_coefficients_fn(|i| if i == 0 { c0 } else { c1 })
    }

    /// `n` labelled challenges in [`EF`].
    pub fn challenges(&mut self, label: TranscriptLabel, n: usize) -> Vec<EF> {
        self.absorb_label(label);
        self.absorb_raw_len(n);
        (0..n)
            .map(|_| {
                let c0: F = self.inner.sample();
                let c1: F = self.inner.sample();
                EF::from_basis_coefficients_fn(|i| if i == 0 { c0 } else { c1 })
            })
            .collect()
    }

    /// The underlying p3 challenger, for sub-protocols that speak p3's traits.
    pub fn challenger_mut(&mut self) -> &mut Challenger {
        &mut self.inner
    }
}

/// The one base-field element a label is absorbed as: its bytes as a base-256 number, least
/// significant first, reduced mod p (`Σ_i label[i]·256^i mod p`, Horner from the last byte).
///
/// Labels are domain separators of a fixed message schedule (the verifier absorbs what the
/// protocol dictates, lengths prefix every vector), so they need not be injective for soundness;
/// this one is injective on text labels (no zero byte) of at most 7 bytes, and the labels in use
/// are distinct (`labels_in_use_have_distinct_elements`). One element instead of one per byte
/// keeps a sumcheck round's absorbs and challenge inside one Keccak-f block.
pub fn label_element(label: &[u8]) -> F {
    let radix = F::from_u64_lossless(256);
    label
        .iter()
        .rev()
        .fold(<F as p3_field::PrimeCharacteristicRing>::ZERO, |acc, &b| {
            acc * radix + F::from_u64_lossless(b.into())
        })
}

/// The zigzag LEB128 varints of `values` (0, −1, 1, −2, … → 0, 1, 2, 3, …; 7 bits a byte, the
/// high bit set on every byte but a value's last): the bytes [`Transcript::absorb_ints`] absorbs
/// and the proof's serialization of its integer vectors (`zkinfer_proof::proof::compact_ints`).
#[must_use]
pub fn zigzag_varints(values: &[i64]) -> Vec<u8> {
    let mut out = Vec::with_capacity(values.len() * 3);
    for &v in values {
        let mut z = ((v << 1) ^ (v >> 63)) as u64;
        while z >= 0x80 {
            out.push((z as u8) | 0x80);
            z >>= 7;
        }
        out.push(z as u8);
    }
    out
}

trait FromU64Lossless {
    fn from_u64_lossless(v: u64) -> Self;
}

impl FromU64Lossless for F {
    /// Callers pass values below 2^56, so this is injective.
    fn from_u64_lossless(v: u64) -> Self {
        <F as p3_field::PrimeCharacteristicRing>::from_u64(v)
    }
}

// Delegation of p3's challenger traits, so p3-whir can drive its rounds on this transcript.
impl<T> CanObserve<T> for Transcript
where
    Challenger: CanObserve<T>,
{
    fn observe(&mut self, value: T) {
        self.inner.observe(value);
    }
}

impl<T> CanSample<T> for Transcript
where
    Challenger: CanSample<T>,
{
    fn sample(&mut self) -> T {
        self.inner.sample()
    }
}

impl CanSampleBits<usize> for Transcript {
    fn sample_bits(&mut self, bits: usize) -> usize {
        self.inner.sample_bits(bits)
    }
}

impl CanSampleUniformBits<F> for Transcript {
    fn sample_uniform_bits<const RESAMPLE: bool>(
        &mut self,
        bits: usize,
    ) -> Result<usize, ResamplingError> {
        self.inner.sample_uniform_bits::<RESAMPLE>(bits)
    }
}

impl GrindingChallenger for Transcript {
    type Witness = F;

    fn grind(&mut self, bits: usize) -> Self::Witness {
        self.inner.grind(bits)
    }

    fn check_witness(&mut self, bits: usize, witness: Self::Witness) -> bool {
        self.inner.check_witness(bits, witness)
    }
}

impl FieldChallenger<F> for Transcript {}

/// Checks that `x` is canonical when read back from bytes (used by decoders).
#[must_use]
pub fn is_canonical(v: u64) -> bool {
    v < F::ORDER_U64
}

#[cfg(test)]
mod tests {
    use p3_field::PrimeCharacteristicRing;

    use super::*;

    #[test]
    fn a_label_is_its_bytes_in_base_256() {
        // The constant `Sumcheck.sol` keeps for "sumcheck/round" (8 bytes, little-endian).
        assert_eq!(
            label_element(b"sumcheck/round").as_canonical_u64(),
            u64::from_le_bytes([0xd6, 0x9e, 0xfd, 0xed, 0x96, 0xd7, 0xd2, 0xe0])
        );
        // Up to 7 bytes, the element is the bytes themselves: injective.
        assert_eq!(label_element(b"").as_canonical_u64(), 0);
        assert_eq!(label_element(b"ab").as_canonical_u64(), 0x6261);
        assert_ne!(label_element(b"ab"), label_element(b"ba"));
        // A trailing zero byte is invisible (labels are text).
        assert_eq!(label_element(b"a"), label_element(b"a\0"));
        // Different labels give different challenges.
        let c = |l: TranscriptLabel| Transcript::new(b"ctx").challenge(l);
        assert_ne!(c(b"sumcheck/round"), c(b"sumcheck/claim"));
    }

    #[test]
    fn same_messages_same_challenges() {
        let mut a = Transcript::new(b"ctx");
        let mut b = Transcript::new(b"ctx");
        a.absorb_fields(b"x", &[F::ONE, F::TWO]);
        b.absorb_fields(b"x", &[F::ONE, F::TWO]);
        assert_eq!(a.challenge(b"c"), b.challenge(b"c"));
    }

    #[test]
    fn context_label_and_length_separate() {
        let base = |ctx: &[u8], label: TranscriptLabel, xs: &[F]| {
            let mut t = Transcript::new(ctx);
            t.absorb_fields(label, xs);
            t.challenge(b"c")
        };
        let c = base(b"ctx", b"x", &[F::ONE, F::TWO]);
        assert_ne!(c, base(b"other", b"x", &[F::ONE, F::TWO]));
        assert_ne!(c, base(b"ctx", b"y", &[F::ONE, F::TWO]));
        assert_ne!(c, base(b"ctx", b"x", &[F::ONE]));
        // Length prefix: [1],[2] vs [1,2] differ.
        let mut t = Transcript::new(b"ctx");
        t.absorb_fields(b"x", &[F::ONE]);
        t.absorb_fields(b"x", &[F::TWO]);
        assert_ne!(c, t.challenge(b"c"));
    }

    #[test]
    fn ints_are_absorbed_as_their_zigzag_varints() {
        let ints = |xs: &[i64]| {
            let mut t = Transcript::new(b"ctx");
            t.absorb_ints(b"x", xs);
            t.challenge(b"c")
        };
        let bytes = |bs: &[u8]| {
            let mut t = Transcript::new(b"ctx");
            t.absorb_bytes(b"x", bs);
            t.challenge(b"c")
        };
        // 0 → 00, -1 → 01, 1 → 02, 64 → 80 01, -65 → 81 01, i64::MIN → ff…ff 01.
        assert_eq!(ints(&[0, -1, 1]), bytes(&[0, 1, 2]));
        assert_eq!(ints(&[64, -65]), bytes(&[0x80, 1, 0x81, 1]));
        let mut min = vec![0xff; 9];
        min.push(1);
        assert_eq!(ints(&[i64::MIN]), bytes(&min));
        // Values that differ anywhere (sign, magnitude, count) give other challenges.
        let c = ints(&[3, -7, 300]);
        assert_ne!(c, ints(&[3, 7, 300]));
        assert_ne!(c, ints(&[3, -7, 301]));
        assert_ne!(c, ints(&[3, -7, 300, 0]));
        assert_ne!(c, ints(&[3, -7]));
    }

    #[test]
    fn challenges_are_extension_elements() {
        let mut t = Transcript::new(b"");
        let cs = t.challenges(b"r", 4);
        assert_eq!(cs.len(), 4);
        // Both coordinates used: overwhelmingly not in the base field.
        assert!(
            cs.iter()
                .any(|c| BasedVectorSpace::<F>::as_basis_coefficients_slice(c)[1] != F::ZERO)
        );
        assert!(is_canonical(F::ORDER_U64 - 1));
        assert!(!is_canonical(F::ORDER_U64));
    }
}
