//! Evaluation claims and where they go.

use zkinfer_field::EF;

use crate::ir::TensorId;
use crate::plan::{Plan, Source};

/// "The MLE of something at `point` equals `value`".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    /// The point (big-endian).
    pub point: Vec<EF>,
    /// The value.
    pub value: EF,
}

/// A claim on a committed column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColClaim {
    /// The column.
    pub column: usize,
    /// The claim.
    pub claim: Claim,
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
}

impl Claims {
    /// An empty set for `n` tensors.
    #[must_use]
    pub fn new(n: usize) -> Self {
        Self {
            derived: vec![Vec::new(); n],
            ..Self::default()
        }
    }

    /// Adds a claim on tensor `t`, following its [`Source`].
    pub fn tensor(&mut self, plan: &Plan, t: TensorId, claim: Claim) {
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
            Some(Source::Derived | Source::Alias { .. }) | None => {
                if let Some(d) = self.derived.get_mut(t) {
                    d.push(claim);
                }
            }
        }
    }

    /// Adds a claim on witness column `column`.
    pub fn witness(&mut self, column: usize, point: Vec<EF>, value: EF) {
        self.witness.push(ColClaim {
            column,
            claim: Claim { point, value },
        });
    }

    /// Adds a claim on weight column `column`.
    pub fn weight(&mut self, column: usize, point: Vec<EF>, value: EF) {
        self.weights.push(ColClaim {
            column,
            claim: Claim { point, value },
        });
    }

    /// Takes the claims on derived tensor `t`.
    pub fn take(&mut self, t: TensorId) -> Vec<Claim> {
        self.derived
            .get_mut(t)
            .map(std::mem::take)
            .unwrap_or_default()
    }
}
