//! Evaluation claims and where they go.
//!
//! [`Claims::route`] files a claim on a tensor by the tensor's [`Source`]: the public input, a
//! committed column, or a derived tensor whose layer moves it on. A claim on a tensor the plan
//! does not have is an error ([`UnknownTensor`]), never dropped.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

use zkinfer_field::EF;
use zkinfer_sumcheck::{ClaimMask, MaskedClaim};

use crate::error::{ProveError, VerifyError};
use crate::ir::TensorId;
use crate::plan::{Plan, Source};

/// "The MLE of something at `point`, plus its masks, equals `value`" (issue 13): a claim whose
/// revealed value hides the tensor's evaluation carries the pool's claim masks that were added
/// to it (docs/ZK-sumcheck.md §5); a plain claim has none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    /// The point (big-endian).
    pub point: Vec<EF>,
    /// The value.
    pub value: EF,
    /// `Σ_i coeff_i·Σ_w R̂_{slot_i}(w)` added to the evaluation (empty: a plain claim).
    pub masks: Vec<ClaimMask>,
}

impl Claim {
    /// The plain claim "the MLE at `point` is `value`".
    #[must_use]
    pub fn new(point: Vec<EF>, value: EF) -> Self {
        Self {
            point,
            value,
            masks: Vec::new(),
        }
    }

    /// Whether the value is masked.
    #[must_use]
    pub fn is_masked(&self) -> bool {
        !self.masks.is_empty()
    }

    /// `Σ_k c_k·claim_k` for claims at one point (the first's): the claim on `Σ_k c_k·T_k`, its
    /// masks the scaled masks of the parts (no randomness used up). The caller ensures the
    /// points agree (they are the same point of one op).
    #[must_use]
    pub fn combine(terms: &[(EF, &Claim)]) -> Self {
        let point = terms
            .first()
            .map(|(_, c)| c.point.clone())
            .unwrap_or_default();
        Self {
            point,
            value: terms.iter().map(|(k, c)| *k * c.value).sum(),
            masks: terms
                .iter()
                .flat_map(|(k, c)| {
                    c.masks.iter().map(|m| ClaimMask {
                        slot: m.slot,
                        coeff: *k * m.coeff,
                    })
                })
                .collect(),
        }
    }

    /// The same claim at another point (a reshape or a permutation of the variables: the masks
    /// do not depend on the point).
    #[must_use]
    pub fn with_point(self, point: Vec<EF>) -> Self {
        Self { point, ..self }
    }
}

/// `masks` times `k`: the masks of a claim multiplied by `k` (a linear map of the tensor, or
/// a claim solved for the tensor's value).
#[must_use]
pub fn scaled_masks(masks: &[ClaimMask], k: EF) -> Vec<ClaimMask> {
    masks
        .iter()
        .map(|m| ClaimMask {
            slot: m.slot,
            coeff: k * m.coeff,
        })
        .collect()
}

impl From<MaskedClaim> for Claim {
    fn from(c: MaskedClaim) -> Self {
        Self {
            point: c.point,
            value: c.value,
            masks: c.masks,
        }
    }
}

impl From<Claim> for MaskedClaim {
    fn from(c: Claim) -> Self {
        Self {
            point: c.point,
            value: c.value,
            masks: c.masks,
        }
    }
}

/// A claim on a committed column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColClaim {
    /// The column.
    pub column: usize,
    /// The claim.
    pub claim: Claim,
}

/// A claim on a tensor the plan does not have (or an alias of one).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a claim on tensor {tensor}, but the plan has {tensors} tensors")]
pub struct UnknownTensor {
    /// The tensor id.
    pub tensor: TensorId,
    /// How many tensors the plan has.
    pub tensors: usize,
}

impl UnknownTensor {
    /// The verifier's error, at node or stage `at`.
    #[must_use]
    pub fn at(self, at: &str) -> VerifyError {
        VerifyError::UnknownTensor {
            at: at.to_string(),
            tensor: self.tensor,
            tensors: self.tensors,
        }
    }
}

impl From<UnknownTensor> for ProveError {
    fn from(e: UnknownTensor) -> Self {
        ProveError::key_mismatch("claims", e)
    }
}

/// All claims of a proof in progress, routed by where their tensor's values live.
#[derive(Clone, Debug, Default)]
pub struct Claims {
    /// Claims on derived (linear-op output) tensors, to be moved to their inputs.
    pub derived: Vec<Vec<Claim>>,
    /// Claims on witness columns (opened at the end).
    pub witness: Vec<ColClaim>,
    /// Claims on weight columns (opened at the end).
    pub weights: Vec<ColClaim>,
    /// Claims on the public input (the verifier evaluates them).
    pub public_input: Vec<Claim>,
    /// Number of tensors (`derived` entries that [`Claims::take`] serves).
    tensors: usize,
}

impl Claims {
    /// An empty set for `n` tensors.
    #[must_use]
    pub fn new(n: usize) -> Self {
        Self {
            derived: vec![Vec::new(); n],
            tensors: n,
            ..Self::default()
        }
    }

    /// Adds a claim on tensor `t`, following its [`Source`] (an alias to the tensor it shares
    /// storage with).
    ///
    /// # Errors
    /// [`UnknownTensor`] if the plan has no source for `t` (or for the tensor it aliases), or
    /// `t` is a derived tensor past the graph's tensors. The claim is not kept.
    pub fn route(&mut self, plan: &Plan, t: TensorId, claim: Claim) -> Result<(), UnknownTensor> {
        let unknown = UnknownTensor {
            tensor: t,
            tensors: plan.sources.len(),
        };
        let mut t = t;
        if let Some(Source::Alias { of }) = plan.sources.get(t) {
            t = *of;
        }
        match plan.sources.get(t) {
            Some(Source::PublicInput) => self.public_input.push(claim),
            Some(Source::Committed { column }) => {
                self.witness.push(ColClaim {
                    column: *column,
                    claim,
                });
            }
            Some(Source::Derived | Source::Alias { .. }) if t < self.tensors => {
                self.derived.get_mut(t).ok_or(unknown)?.push(claim);
            }
            Some(Source::Derived | Source::Alias { .. }) | None => return Err(unknown),
        }
        Ok(())
    }

    /// Adds a claim on witness column `column`.
    pub fn witness(&mut self, column: usize, point: Vec<EF>, value: EF) {
        self.witness_claim(column, Claim::new(point, value));
    }

    /// Adds a (possibly masked) claim on witness column `column`.
    pub fn witness_claim(&mut self, column: usize, claim: Claim) {
        self.witness.push(ColClaim { column, claim });
    }

    /// Adds a claim on weight column `column`.
    pub fn weight(&mut self, column: usize, point: Vec<EF>, value: EF) {
        self.weight_claim(column, Claim::new(point, value));
    }

    /// Adds a (possibly masked) claim on weight column `column`.
    pub fn weight_claim(&mut self, column: usize, claim: Claim) {
        self.weights.push(ColClaim { column, claim });
    }

    /// Takes the claims on derived tensor `t` (none for a `t` past the graph's tensors).
    pub fn take(&mut self, t: TensorId) -> Vec<Claim> {
        if t >= self.tensors {
            return Vec::new();
        }
        self.derived
            .get_mut(t)
            .map(std::mem::take)
            .unwrap_or_default()
    }
}

/// Splits column claims into the plain ones and, per column with any masked claim (in column
/// order), all that column's claims: the masked ones must be reduced to a plain claim before a
/// PCS opening (prover and verifier alike).
#[must_use]
pub fn split_masked(claims: Vec<ColClaim>) -> (Vec<ColClaim>, Vec<(usize, Vec<Claim>)>) {
    let masked_cols: std::collections::BTreeSet<usize> = claims
        .iter()
        .filter(|c| c.claim.is_masked())
        .map(|c| c.column)
        .collect();
    let mut plain = Vec::new();
    let mut masked: std::collections::BTreeMap<usize, Vec<Claim>> =
        masked_cols.iter().map(|&c| (c, Vec::new())).collect();
    for c in claims {
        match masked.get_mut(&c.column) {
            Some(v) => v.push(c.claim),
            None => plain.push(c),
        }
    }
    (plain, masked.into_iter().collect())
}

/// The claims that end at the hiding witness opening — the walk's claims on witness columns
/// (masked or not) and `extra` plain column claims (the lookups' blinding column) — as claims on
/// the commitment's stacked polynomial: each point lifted by `lift` (`c̃(p) = P(lift(p))`), its
/// value and masks kept. Prover and verifier alike (docs/ZK.md §13).
///
/// # Errors
/// What `lift` returns (a claim that does not fit its column); a lift of the wrong length.
pub fn on_stack<E>(
    witness: Vec<ColClaim>,
    extra: Vec<zkinfer_pcs::ColumnClaim>,
    lift: impl FnOnce(&[zkinfer_pcs::ColumnClaim]) -> Result<Vec<Vec<EF>>, E>,
    wrong_length: E,
) -> Result<Vec<Claim>, E> {
    let mut masks = Vec::with_capacity(witness.len() + extra.len());
    let mut cols = Vec::with_capacity(witness.len() + extra.len());
    for c in witness {
        masks.push(c.claim.masks);
        cols.push(zkinfer_pcs::ColumnClaim {
            column: c.column,
            point: c.claim.point,
            value: c.claim.value,
        });
    }
    masks.resize(masks.len() + extra.len(), Vec::new());
    cols.extend(extra);
    let points = lift(&cols)?;
    if points.len() != cols.len() {
        return Err(wrong_length);
    }
    Ok(points
        .into_iter()
        .zip(cols)
        .zip(masks)
        .map(|((point, c), masks)| Claim {
            point,
            value: c.value,
            masks,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use zkinfer_field::PrimeCharacteristicRing;

    use super::*;
    use crate::compile;
    use crate::plan::{CompileOptions, InputVisibility};
    use crate::testing::mlp;

    fn claim() -> Claim {
        Claim::new(vec![EF::ONE, EF::ZERO], EF::ONE)
    }

    fn kept(c: &Claims) -> usize {
        c.derived.iter().map(Vec::len).sum::<usize>()
            + c.witness.len()
            + c.weights.len()
            + c.public_input.len()
    }

    #[test]
    fn a_claim_on_an_unknown_tensor_is_an_error() {
        let (g, _) = mlp(&[16, 8, 4], 1);
        let mut plan = compile(&g, CompileOptions::with_input(InputVisibility::Public)).unwrap();
        let n = g.tensors.len();
        let mut c = Claims::new(n);
        c.route(&plan, g.output, claim()).unwrap();
        c.route(&plan, g.input, claim()).unwrap();
        assert_eq!(kept(&c), 2);
        assert_eq!(c.public_input.len(), 1);

        // Past the plan's tensors: an error, and nothing kept.
        let unknown = UnknownTensor {
            tensor: n + 3,
            tensors: n,
        };
        assert_eq!(c.route(&plan, n + 3, claim()), Err(unknown));
        assert_eq!(kept(&c), 2);
        let e = unknown.at("dense1");
        assert!(matches!(e, VerifyError::UnknownTensor { tensor, .. } if tensor == n + 3));
        assert!(e.to_string().contains(&format!("tensor {}", n + 3)), "{e}");

        // An alias of a tensor the plan does not have.
        plan.sources[g.output] = Source::Alias { of: n + 7 };
        assert!(matches!(
            c.route(&plan, g.output, claim()),
            Err(UnknownTensor { tensor, .. }) if tensor == g.output
        ));

        // Nothing of a refused claim is kept or handed out.
        assert_eq!(kept(&c), 2);
        assert!((n..n + 8).all(|t| c.take(t).is_empty()));
    }
}
