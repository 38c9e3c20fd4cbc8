//! Sumcheck for zkinfer.
//!
//! Proves `Σ_{x ∈ {0,1}^n} [eq(r, x)] · Σ_j c_j · Π_i P_{j,i}(x) = S` for multilinear `P`s given
//! by their evaluations (big-endian variable order, see `zkinfer-poly`). Round `k` binds variable
//! `x_k` (the most significant remaining one); the prover sends the round polynomial's values at
//! `0, 2, 3, …, d` ([`round_message`]), the verifier takes `g_k(1)` as the running claim less
//! `g_k(0)` ([`round_values`]), absorbs the message and samples `ρ_k`. The verifier ends with a
//! [`SubClaim`] — "the summand at `ρ` equals `value`" — that the caller must discharge, usually
//! with [`SubClaim::check_products`] on evaluations the prover supplies and that become claims on
//! the `P`s.
//!
//! The prover ([`prove`]) keeps base-field columns in `F` for the first round and folds them
//! into `EF` with the first challenge; it evaluates round polynomials by incremental
//! differences, derives `g(1)` from the running claim, factors the eq polynomial per round
//! (Gruen: `eq(r_k, X)` contributes degree 1 without a table pass), has SIMD/monomorphized
//! kernels for `A·B` and `eq·A·B`, and runs rayon above `zkinfer_poly::PARALLEL_THRESHOLD`
//! (feature `parallel`). [`reference::prove`] is the naive prover it is tested against.
//!
//! On top: [`prove_batched`]/[`verify_batched`] (instances combined by powers of a random `β`,
//! different variable counts by scaling with `2^(n − n_j)`), and
//! [`reduce_claims`]/[`verify_reduce_claims`] (many claims on one polynomial → one, by a
//! degree-2 sumcheck of `P · Σ_i α^i eq(p_i, ·)`).
//!
//! Cost (`cargo run --release -p zkinfer-sumcheck --example bench_sumcheck`, `CPU=1` for thread CPU
//! time on a shared machine): `Σ A·B` over `2^24` base elements takes ≈ 0.56 s of one core,
//! ≈ 15–22× a loop that only computes the sum. The limit is extension arithmetic (an `EF`
//! multiplication costs ≈ 3.7 `F` ones; every round after the first folds each entry with one)
//! and the first fold's fresh `16 B`/element of memory; AVX2 packing of Goldilocks gives little
//! (no 64-bit vector multiply).
//!
//! Zero knowledge: [`zk`] ([`prove_zk`]/[`verify_zk`], Libra's masking polynomial; the
//! proof-level mask pool [`MaskPool`]/[`MaskPoolVerifier`] that commits every mask at once and
//! discharges every mask claim into three multilinear claims, in zero knowledge; Libra's `Z·R`
//! masking of the evaluations a sumcheck reveals and of the claims it consumes,
//! [`prove_zk_masked`]/[`verify_zk_masked`], [`reduce_masked_claims`]).
//!
//! Modules: [`prover`], [`verifier`], [`proof`] (the proof data and the error type),
//! [`reference`] (the naive prover), [`zk`] (the zero-knowledge sumcheck).

pub mod proof;
pub mod prover;
pub mod reference;
pub mod verifier;
pub mod zk;

pub use proof::{
    Column, ReductionProof, SubClaim, SumcheckError, SumcheckProof, Term, round_message,
    round_values, summand_at,
};
pub use prover::{
    BatchInstance, BatchedOutput, RoundProver, SumcheckOutput, prove, prove_batched, reduce_claims,
    reduce_claims_weighted,
};
pub use verifier::{
    BatchClaim, BatchOpening, BatchSubClaim, powers, verify, verify_batched, verify_ground,
    verify_reduce_claims, verify_reduce_claims_weighted,
};

/// A claim's evaluation functional as a linear combination of point evaluations,
/// `Σ_t c_t·P(p_t)`: `[(c_t, p_t)]` (a plain claim at `p` is `[(1, p)]`).
pub type WeightedPoint = Vec<(zkinfer_field::EF, Vec<zkinfer_field::EF>)>;
pub use zk::{
    ClaimMask, LinearClaim, MaskClaim, MaskPolynomial, MaskPool, MaskPoolProof, MaskPoolVerifier,
    MaskedClaim, MaskedReductionProof, MaskedSubClaim, MaskedSumcheckOutput, MaskedSumcheckProof,
    PoolClaim, Reduced, ZkSubClaim, ZkSumcheckOutput, ZkSumcheckProof, prove_zk, prove_zk_masked,
    reduce_masked_claims, reduce_masked_claims_weighted, verify_reduce_masked_claims,
    verify_reduce_masked_claims_weighted, verify_zk, verify_zk_masked, zk_degree,
};

/// Transcript labels of the sumcheck.
pub mod labels {
    /// The claimed sum, absorbed first.
    pub const CLAIM: &[u8] = b"sumcheck/claim";
    /// A round polynomial.
    pub const ROUND: &[u8] = b"sumcheck/round";
    /// A round challenge.
    pub const CHALLENGE: &[u8] = b"sumcheck/challenge";
    /// The instances' sums of a batch, absorbed before the batching coefficient.
    pub const BATCH_CLAIMS: &[u8] = b"sumcheck/batch-claims";
    /// The batching coefficient `β`.
    pub const BATCH_COEFF: &[u8] = b"sumcheck/batch-coeff";
    /// The number of claims of a claim reduction.
    pub const REDUCE_COUNT: &[u8] = b"sumcheck/reduce-count";
    /// A claim's point in a claim reduction.
    pub const REDUCE_POINT: &[u8] = b"sumcheck/reduce-point";
    /// A claim's value in a claim reduction.
    pub const REDUCE_VALUE: &[u8] = b"sumcheck/reduce-value";
    /// The claim-reduction coefficient `α`.
    pub const REDUCE_ALPHA: &[u8] = b"sumcheck/reduce-alpha";
    /// The reduced claim's value `P(ρ)`.
    pub const REDUCE_EVAL: &[u8] = b"sumcheck/reduce-eval";
}
