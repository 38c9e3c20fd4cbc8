//! Sumcheck for zkinfer.
//!
//! Proves `Σ_{x ∈ {0,1}^n} [eq(r, x)] · Σ_j c_j · Π_i P_{j,i}(x) = S` for multilinear `P`s given
//! by their evaluations (big-endian variable order, see `zkinfer-poly`). Round `k` binds variable
//! `x_k` (the most significant remaining one); the prover sends the round polynomial's values at
//! `0, 1, …, d`, the verifier checks `g_k(0) + g_k(1)` against the running claim and samples
//! `ρ_k`. The verifier ends with a [`SubClaim`] — "the summand at `ρ` equals `value`" — that the
//! caller must discharge, usually with [`SubClaim::check_products`] on evaluations the prover
//! supplies and that become claims on the `P`s.
//!
//! Modules: [`prover`], [`verifier`], [`proof`] (the proof data and the error type).

pub mod proof;
pub mod prover;
pub mod verifier;

pub use proof::{Column, SubClaim, SumcheckError, SumcheckProof, Term};
pub use prover::{SumcheckOutput, prove};
pub use verifier::verify;

/// Transcript labels of the sumcheck.
pub mod labels {
    /// The claimed sum, absorbed first.
    pub const CLAIM: &[u8] = b"sumcheck/claim";
    /// A round polynomial.
    pub const ROUND: &[u8] = b"sumcheck/round";
    /// A round challenge.
    pub const CHALLENGE: &[u8] = b"sumcheck/challenge";
}
