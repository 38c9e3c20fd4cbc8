//! Zero-knowledge sumcheck (Libra, Xie et al. 2019, §4.1; the masking idea is Chiesa–Forbes–
//! Spooner 2017).
//!
//! To prove `H = Σ_x f(x)` (`f` any summand [`crate::prove`] accepts, with or without an eq
//! factor) without the round messages revealing `f`:
//! 1. the prover samples a masking polynomial `g(x) = Σ_i g_i(x_i)` with uniformly random
//!    univariates `g_i` of the round degree `d` ([`MaskPolynomial`]) and **commits** its
//!    `n·(d+1)` coefficients; the caller absorbs the commitment *before* calling [`prove_zk`];
//! 2. the prover sends `H` and `G = Σ_x g(x)`; the verifier draws `ρ`;
//! 3. both run the ordinary sumcheck on `H + ρ·G = Σ_x (f + ρ·g)(x)`;
//! 4. the prover sends `g(r)` at the final point `r`; the verifier is left with two claims:
//!    `f(r) = final − ρ·g(r)` ([`ZkSubClaim::sub`], discharged as for a plain sumcheck) and
//!    `g(r) = mask_eval` ([`ZkSubClaim::mask`], discharged by opening the commitment to `g`'s
//!    coefficients against [`mask_weights`]).
//!
//! **What is hidden.** Given `H`, the round messages are uniformly distributed subject to the
//! verifier's checks: round `k`'s message is `f_k + ρ·g_k` where `g_k` contains `2^(n−k−1)·g_k(X)`
//! with fresh uniform coefficients, so every coefficient the checks leave free is uniform; the
//! whole view (`G`, the rounds, `g(r)`) is simulated from `H` and `f(r)` alone (Libra, §4.1;
//! the argument is in docs/ZK-sumcheck.md).
//!
//! **What is not hidden by [`prove_zk`].** The sub-claim `f(r)` — the product of the columns'
//! values at `r` — is still a function of the witness: the columns' evaluations the caller sends
//! are claims on private tensors. [`masked`] hides them with Libra's `Z·R`
//! ([`prove_zk_masked`]: private columns reported masked, masked claims consumed over an extra
//! variable, docs/ZK-sumcheck.md §5).
//!
//! **Soundness.** `g` is fixed by its commitment before `ρ` and the round challenges, so
//! `f + ρ·g` is a fixed polynomial once `ρ` is drawn, and the ordinary sumcheck bound applies
//! (`n·d/|EF|`); a false `H` survives `ρ` only if `H + ρG` matches the true combined sum, which
//! happens for at most one `ρ` (`1/|EF|`). The mask's opening must be checked: a free `g(r)`
//! would let the prover pass any final check.
//!
//! Costs on top of the plain prover: `O(n·d)` field operations for the mask's rounds, nothing per
//! hypercube point; proof: `G`, `g(r)` (two `EF`), plus the caller's commitment and opening.
//!
//! Modules: `mask` ([`MaskPolynomial`], [`mask_weights`]), `prover` ([`prove_zk`]), `verifier`
//! ([`verify_zk`]), [`pool`] (the proof-level mask pool and the discharge of every mask claim:
//! [`MaskPool`], [`MaskPoolVerifier`]; claim masks and linear claims for [`masked`]), [`masked`]
//! (Libra's `Z·R` masking of revealed evaluations), `dense` (the pool's last-level dense mask).

mod dense;
mod mask;
pub mod masked;
pub mod pool;
mod prover;
mod verifier;

pub use dense::{dense_evaluate, lift_point};
pub use mask::{MaskPolynomial, mask_weights, mask_weights_per_var, random_base, random_ext};
pub use masked::{
    ClaimMask, MaskedClaim, MaskedReductionProof, MaskedSubClaim, MaskedSumcheckOutput,
    MaskedSumcheckProof, Reduced, masked_degrees, prove_zk_masked, reduce_masked_claims,
    reduce_masked_claims_weighted, verify_reduce_masked_claims,
    verify_reduce_masked_claims_weighted, verify_zk_masked,
};
pub use pool::{
    CLAIM_MASK_LEN, LinearClaim, MaskPool, MaskPoolProof, MaskPoolVerifier, MaskSlot, PoolClaim,
    mask_entries, mask_entries_per_var,
};
pub use prover::{ZkSumcheckOutput, prove_zk};
pub use verifier::{verify_zk, verify_zk_per_round};

use serde::{Deserialize, Serialize};
use zkinfer_field::EF;

use crate::{SubClaim, SumcheckProof, Term};

/// Transcript labels of the ZK sumcheck (on top of [`crate::labels`], which its rounds use).
pub mod labels {
    /// The claimed sum `H` of `f`, absorbed first.
    pub const ZK_CLAIM: &[u8] = b"sumcheck-zk/claim";
    /// The mask's sum `G`.
    pub const MASK_SUM: &[u8] = b"sumcheck-zk/mask-sum";
    /// The mask coefficient `ρ`.
    pub const MASK_COEFF: &[u8] = b"sumcheck-zk/mask-coeff";
    /// The mask's value `g(r)` at the final point.
    pub const MASK_EVAL: &[u8] = b"sumcheck-zk/mask-eval";
}

/// A ZK sumcheck proof: the mask's sum, the rounds of `f + ρ·g`, and `g(r)`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZkSumcheckProof {
    /// `G = Σ_x g(x)`.
    pub mask_sum: EF,
    /// The round polynomials of `f + ρ·g`.
    pub sumcheck: SumcheckProof,
    /// `g(r)` at the final point (to be checked against the mask's commitment).
    pub mask_eval: EF,
}

/// The mask's claim the caller must check against its commitment: `g(point) = value`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use = "the mask's opening must be checked, or any final value passes"]
pub struct MaskClaim {
    /// The final point `r`.
    pub point: Vec<EF>,
    /// The claimed `g(r)`.
    pub value: EF,
}

/// What [`verify_zk`] leaves: a claim on `f` and a claim on the mask, both to be discharged.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use = "a sumcheck proves nothing until its sub-claims are discharged"]
pub struct ZkSubClaim {
    /// `f(r) = value`: discharge as for [`crate::verify`] (e.g. [`SubClaim::check_products`]).
    pub sub: SubClaim,
    /// `g(r) = value`: discharge against the mask's commitment.
    pub mask: MaskClaim,
}

/// The round degree a ZK sumcheck of `terms` uses (and its mask must have):
/// `max(max_j |factors_j| + [has_eq], 1)`.
#[must_use]
pub fn zk_degree(terms: &[Term], has_eq: bool) -> usize {
    let d = terms.iter().map(|t| t.factors.len()).max().unwrap_or(0) + usize::from(has_eq);
    d.max(1)
}
