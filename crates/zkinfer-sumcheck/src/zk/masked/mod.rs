//! Libra's `Z·R` masking of the evaluations a sumcheck reveals (docs/ZK-sumcheck.md §5).
//!
//! A ZK sumcheck ([`crate::prove_zk`]) hides its rounds but ends with the columns' values at the
//! random point `r`, which become claims on private tensors. Here a chosen subset of the columns
//! is **private**: the sumcheck runs over `T'_j = T_j + Z·S_j` instead of `T_j`, with
//! - `Z(x) = x_{n−1}(1 − x_{n−1})` on the variable bound **last** (zero on the cube, so every
//!   cube sum and every round but the last is unchanged: the plain kernels run as they are),
//! - `S_j = Σ_{w ∈ {0,1}} R̂_j(w) = 2a_j + b_j`, `R̂_j(w) = a_j + b_j·w` a **claim mask** of two
//!   uniform entries from the proof's mask pool ([`crate::MaskPool::next_claim_mask`]),
//!
//! and reports `T'_j(r) = T_j(r) + Z(r)·S_j`, uniform given `R̂_j`. Only the last round changes:
//! its degree grows by one per private factor ([`masked_degrees`]); the Libra mask has
//! per-variable degrees, so the other rounds keep their size.
//!
//! A masked value is passed on as a [`MaskedClaim`]: `T(u) + Σ_i coeff_i·Σ_w R̂_{slot_i}(w) =
//! value`. Its consumer must not learn `Σ_w R̂` (that would unmask it). It runs its sumcheck over
//! one extra leading variable `w` (Libra §4): the statement `H = Σ_x f(x) + Σ_i κ_i Σ_w R̂_i(w)`
//! becomes `Σ_{w, x} [f(x)/2 + 2^(−n)·M(w)]` with `M(w) = Σ_i κ_i R̂_i(w)`, a degree-1 round for
//! `w` first, and at the end the prover sends `M(c_w)` at the fresh challenge `c_w`: one combined
//! value, recorded as a linear claim on the pool ([`crate::MaskPool::record_linear`]) and checked
//! by the pool's discharge. Per claim mask the verifier learns `2a + b` (inside the masked value)
//! and `a + b·c_w` (inside `M(c_w)`): independent for `c_w ≠ 1/2`, so the masked value stays
//! uniform.
//!
//! [`prove_zk_masked`] / [`verify_zk_masked`] do both (private columns out, masked claims in);
//! [`reduce_masked_claims`] / [`verify_reduce_masked_claims`] reduce many masked claims on one
//! tensor to one masked claim.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

mod prover;
mod reduce;
mod verifier;

pub use prover::{MaskedSumcheckOutput, prove_zk_masked};
pub use reduce::{
    MaskedReductionProof, Reduced, reduce_masked_claims, reduce_masked_claims_weighted,
    verify_reduce_masked_claims, verify_reduce_masked_claims_weighted,
};
pub use verifier::{MaskedSubClaim, verify_zk_masked};

use serde::{Deserialize, Serialize};
use zkinfer_field::{EF, PrimeCharacteristicRing};

use super::{ZkSumcheckProof, zk_degree};
use crate::{SumcheckError, Term};

/// Transcript labels of the masked sumcheck and the masked claim reduction.
pub mod labels {
    /// `M(c_w)`, the incoming claim masks' combined value at the `w` challenge.
    pub const INCOMING_EVAL: &[u8] = b"sumcheck-zk/incoming-eval";
    /// The number of claims of a masked reduction.
    pub const REDUCE_COUNT: &[u8] = b"sumcheck-zk/reduce-count";
    /// The claimed values of a masked reduction, in claim order.
    pub const REDUCE_CLAIM: &[u8] = b"sumcheck-zk/reduce-claim";
    /// The masks of a masked reduction's claims: per claim its mask count, then each mask's
    /// slot and coefficient.
    pub const REDUCE_MASKS: &[u8] = b"sumcheck-zk/reduce-masks";
    /// The reduction coefficient `α`.
    pub const REDUCE_ALPHA: &[u8] = b"sumcheck-zk/reduce-alpha";
    /// The reduced (masked) value.
    pub const REDUCE_EVAL: &[u8] = b"sumcheck-zk/reduce-eval";
}

/// `coeff · Σ_{w ∈ {0,1}} R̂_slot(w)`: one term of a claim's mask (`slot` a claim mask of the
/// pool).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimMask {
    /// The claim mask's slot in the pool.
    pub slot: usize,
    /// Its coefficient (`Z(r)` where it was made, times the coefficients of the linear maps the
    /// claim went through).
    pub coeff: EF,
}

/// "`T(point) + Σ_i masks[i].coeff · Σ_w R̂_{masks[i].slot}(w) = value`": a claim on a tensor
/// whose revealed value is masked (a plain claim has no masks).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MaskedClaim {
    /// The point (big-endian).
    pub point: Vec<EF>,
    /// The masked value.
    pub value: EF,
    /// The masks added to `T(point)`.
    pub masks: Vec<ClaimMask>,
}

impl MaskedClaim {
    /// The unmasked claim `T(point) = value`.
    #[must_use]
    pub fn plain(point: Vec<EF>, value: EF) -> Self {
        Self {
            point,
            value,
            masks: Vec::new(),
        }
    }

    /// `Σ_k c_k·claim_k + constant` for claims at one point: the claim on `Σ_k c_k·T_k + constant`
    /// (a linear map evaluated at one point, e.g. rescale's `x = 2^k·q + r − 2^(k−1)`). The masks
    /// are scaled and concatenated; no randomness is used up.
    ///
    /// # Errors
    /// [`SumcheckError::MaskedClaims`] if there are no claims or their points differ.
    pub fn linear_combination(
        terms: &[(EF, &MaskedClaim)],
        constant: EF,
    ) -> Result<Self, SumcheckError> {
        let Some((_, first)) = terms.first() else {
            return Err(SumcheckError::MaskedClaims {
                reason: "a linear combination of no claims",
            });
        };
        if terms.iter().any(|(_, c)| c.point != first.point) {
            return Err(SumcheckError::MaskedClaims {
                reason: "claims at different points combined",
            });
        }
        Ok(Self {
            point: first.point.clone(),
            value: terms.iter().map(|(k, c)| *k * c.value).sum::<EF>() + constant,
            masks: terms.iter().flat_map(|(k, c)| c.scaled_masks(*k)).collect(),
        })
    }

    /// The same claim on a tensor whose variables are permuted or renamed (reshape, transpose,
    /// a slice of the point): the mask does not depend on the point, only the point changes.
    #[must_use]
    pub fn with_point(self, point: Vec<EF>) -> Self {
        Self { point, ..self }
    }

    /// The masks times `k` (a claim's share of a combination `Σ_i k_i·claim_i`).
    #[must_use]
    pub fn scaled_masks(&self, k: EF) -> Vec<ClaimMask> {
        self.masks
            .iter()
            .map(|m| ClaimMask {
                slot: m.slot,
                coeff: k * m.coeff,
            })
            .collect()
    }
}

/// A masked sumcheck's proof: the ZK sumcheck (over `(w, x)` when claims come in masked) and
/// `M(c_w)`, present exactly when they do.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaskedSumcheckProof {
    /// The Libra-masked sumcheck with per-round degrees ([`masked_degrees`]).
    pub zk: ZkSumcheckProof,
    /// `M(c_w) = Σ_i κ_i·R̂_i(c_w)`, when the statement has incoming masks.
    pub incoming_eval: Option<EF>,
}

/// The round degrees of a masked sumcheck over `num_vars` variables (plus `w` first if
/// `incoming`): `1` for `w`; `d = zk_degree(terms, has_eq)` for every `x` round but the last; for
/// the last `max(d, [eq] + max_j Σ_i (1 + [factor i private]))` (`Z` gives a private column
/// degree 2 in the variable bound last). These are also the Libra mask's per-variable degrees.
#[must_use]
pub fn masked_degrees(
    num_vars: usize,
    terms: &[Term],
    has_eq: bool,
    private: &[usize],
    incoming: bool,
) -> Vec<usize> {
    let d = zk_degree(terms, has_eq);
    let last = terms
        .iter()
        .map(|t| {
            t.factors
                .iter()
                .map(|f| 1 + usize::from(private.contains(f)))
                .sum::<usize>()
        })
        .max()
        .unwrap_or(0)
        + usize::from(has_eq);
    let mut out = Vec::with_capacity(num_vars + 1);
    if incoming {
        out.push(1);
    }
    if let Some(rest) = num_vars.checked_sub(1) {
        out.extend(std::iter::repeat_n(d, rest));
        out.push(d.max(last));
    }
    out
}

/// `Z(r) = r_{n−1}(1 − r_{n−1})` at the final point (0 without variables).
pub(crate) fn vanishing(point: &[EF]) -> EF {
    point.last().map_or(EF::ZERO, |&r| r * (EF::ONE - r))
}

/// Checks the private column list: no duplicates, and a variable for `Z` if any.
pub(crate) fn check_private(num_vars: usize, private: &[usize]) -> Result<(), SumcheckError> {
    if num_vars == 0 && !private.is_empty() {
        return Err(SumcheckError::MaskedClaims {
            reason: "a private column in a sumcheck without variables",
        });
    }
    if private
        .iter()
        .enumerate()
        .any(|(i, p)| private.iter().skip(i + 1).any(|q| q == p))
    {
        return Err(SumcheckError::MaskedClaims {
            reason: "a private column listed twice",
        });
    }
    Ok(())
}

/// The weights of the incoming masks' combined value at `c_w`: `κ_i·(1, c_w)` on slot `i`.
pub(crate) fn incoming_linear_claim(
    incoming: &[ClaimMask],
    c_w: EF,
    value: EF,
) -> crate::zk::LinearClaim {
    crate::zk::LinearClaim {
        terms: incoming
            .iter()
            .map(|m| (m.slot, vec![m.coeff, m.coeff * c_w]))
            .collect(),
        value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn degrees_per_round() {
        let prod = [Term::new(EF::ONE, vec![0, 1])];
        assert_eq!(masked_degrees(3, &prod, false, &[], false), vec![2, 2, 2]);
        assert_eq!(masked_degrees(3, &prod, false, &[0], false), vec![2, 2, 3]);
        assert_eq!(
            masked_degrees(3, &prod, true, &[0, 1], true),
            vec![1, 3, 3, 5]
        );
        assert_eq!(masked_degrees(0, &prod, false, &[], true), vec![1]);
        assert!(masked_degrees(0, &prod, false, &[], false).is_empty());
        assert!(check_private(0, &[0]).is_err());
        assert!(check_private(2, &[1, 1]).is_err());
    }
}
