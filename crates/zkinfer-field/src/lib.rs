//! Arithmetic and Fiat–Shamir for zkinfer.
//!
//! - [`F`] is the Goldilocks field (p = 2^64 − 2^32 + 1); [`EF`] its degree-2 binomial extension
//!   (≈128-bit), in which every challenge and every sumcheck message lives. Layer code is generic
//!   over p3's field traits; only this crate names Goldilocks, so another backend (e.g. BN254 for
//!   cheap EVM verification) is a change of these aliases.
//! - [`embed`]: signed integers ↔ field elements, `v ↦ v mod p`, checked against a declared bound.
//! - [`limits`]: the field-safety bound and the widest lookup table, defined once.
//! - [`transcript`]: the Keccak-256 transcript, with labelled, length-prefixed absorbs, domain
//!   separation by protocol version, and the p3-challenger traits so that `p3-whir` can use it.
//!
//! SIMD: Goldilocks' packed type (`<F as Field>::Packing`) is AVX2 / AVX-512 when the crate is
//! compiled with those target features; the workspace compiles with `-C target-cpu=native`
//! (`.cargo/config.toml`). `cargo run --release -p zkinfer-sumcheck --example bench_sumcheck` prints
//! what that changes.

pub mod chunked;
pub mod embed;
pub mod limits;
pub mod transcript;

pub use chunked::{CHUNK_BYTES, ChunkedKeccak256, chunked_keccak256};
pub use embed::{
    EmbedError, from_signed, from_signed_checked, from_signed_slice, pow2, to_signed,
    to_signed_checked,
};
pub use limits::{FIELD_SAFE_BITS, FIELD_SAFE_BOUND, MAX_TABLE_BITS};
pub use p3_field::{
    BasedVectorSpace, ExtensionField, Field, PackedValue, PrimeCharacteristicRing, PrimeField64,
};
pub use transcript::{Challenger, Transcript, TranscriptLabel, label_element, zigzag_varints};

/// The base field: Goldilocks.
pub type F = p3_goldilocks::Goldilocks;

/// The challenge field: the degree-2 binomial extension of [`F`].
pub type EF = p3_field::extension::BinomialExtensionField<F, 2>;

/// The field modulus `p = 2^64 − 2^32 + 1`.
pub const MODULUS: u64 = 0xFFFF_FFFF_0000_0001;
