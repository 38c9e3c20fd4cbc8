//! The proof data, the input description, the verifier's output and the error type.

use serde::{Deserialize, Serialize};
use zkinfer_field::{EF, F, PrimeCharacteristicRing};
use zkinfer_poly::eq_eval;

/// One product `coeff · Π_i P_{factors[i]}` of the summand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Term {
    /// The constant in front of the product.
    pub coeff: EF,
    /// Indices into the instance's columns.
    pub factors: Vec<usize>,
}

impl Term {
    /// `coeff · Π factors`.
    #[must_use]
    pub fn new(coeff: EF, factors: Vec<usize>) -> Self {
        Self { coeff, factors }
    }
}

/// A column of evaluations, in the base field (before the first fold) or the extension.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Column {
    /// Base-field evaluations.
    Base(Vec<F>),
    /// Extension-field evaluations.
    Ext(Vec<EF>),
}

impl Column {
    /// The number of evaluations.
    #[must_use]
    pub fn len(&self) -> usize {
        match self {
            Self::Base(v) => v.len(),
            Self::Ext(v) => v.len(),
        }
    }

    /// Whether it has no evaluations.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The round polynomials, each given by its values at `0, 2, 3, …, degree`: `g_k(1)` is not
/// sent, the verifier takes it as the running claim less `g_k(0)` (proof format 24; before,
/// every value was sent and the verifier checked `g_k(0) + g_k(1)` against the claim, which
/// this makes hold by construction). A round of degree `d` costs `d` values.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SumcheckProof {
    /// `round_polys[k] = [g_k(0), g_k(2), …, g_k(d)]` ([`round_message`] of the round's
    /// values at `0..=d`).
    pub round_polys: Vec<Vec<EF>>,
}

/// What a prover sends of a round polynomial given by its values at `0, 1, …, d` (`d ≥ 1`):
/// every value but `g(1)`, which the verifier derives from the running claim
/// ([`round_values`]). The transcript absorbs these values.
#[must_use]
pub fn round_message(values: &[EF]) -> Vec<EF> {
    values
        .iter()
        .enumerate()
        .filter_map(|(t, &v)| (t != 1).then_some(v))
        .collect()
}

/// The round polynomial's values at `0, 1, …, d` from its message `[g(0), g(2), …, g(d)]`
/// and the running claim `g(0) + g(1)`; `None` for an empty message.
#[must_use]
pub fn round_values(message: &[EF], claim: EF) -> Option<Vec<EF>> {
    let (&g0, rest) = message.split_first()?;
    let mut values = Vec::with_capacity(message.len() + 1);
    values.extend([g0, claim - g0]);
    values.extend_from_slice(rest);
    Some(values)
}

/// What the verifier is left with: the summand at `point` must equal `value`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use = "a sumcheck proves nothing until its sub-claim is discharged"]
pub struct SubClaim {
    /// The random point `ρ` (big-endian, `ρ_0` bound first).
    pub point: Vec<EF>,
    /// The value the summand must take at `ρ`.
    pub value: EF,
}

impl SubClaim {
    /// Discharges the sub-claim given the columns' values at `point` (`evals[i]` for column `i`):
    /// checks `value == [eq(r, ρ)] · Σ_j c_j Π_i evals[factor]`.
    ///
    /// # Errors
    /// [`SumcheckError::WrongEvalCount`] if a factor index is out of range or `eq_point` has the
    /// wrong length, [`SumcheckError::FinalEvalMismatch`] if the values disagree.
    pub fn check_products(
        &self,
        terms: &[Term],
        eq_point: Option<&[EF]>,
        evals: &[EF],
    ) -> Result<(), SumcheckError> {
        let sum = summand_at(terms, eq_point, &self.point, evals)?;
        if sum == self.value {
            Ok(())
        } else {
            Err(SumcheckError::FinalEvalMismatch {
                expected: self.value,
                got: sum,
            })
        }
    }
}

/// `[eq(r, ρ)] · Σ_j c_j Π_i evals[f_{j,i}]`: the summand at `ρ` from the columns' values there.
///
/// # Errors
/// [`SumcheckError::WrongEvalCount`] if a factor index is out of range of `evals` or `eq_point`
/// and `point` differ in length.
pub fn summand_at(
    terms: &[Term],
    eq_point: Option<&[EF]>,
    point: &[EF],
    evals: &[EF],
) -> Result<EF, SumcheckError> {
    let mut sum = EF::ZERO;
    for term in terms {
        let mut prod = term.coeff;
        for &f in &term.factors {
            let v = evals.get(f).ok_or(SumcheckError::WrongEvalCount {
                expected: f + 1,
                got: evals.len(),
            })?;
            prod *= *v;
        }
        sum += prod;
    }
    if let Some(r) = eq_point {
        if r.len() != point.len() {
            return Err(SumcheckError::WrongEvalCount {
                expected: point.len(),
                got: r.len(),
            });
        }
        sum *= eq_eval(r, point);
    }
    Ok(sum)
}

/// A proof that many claims on one multilinear reduce to one (see [`crate::reduce_claims`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReductionProof {
    /// The degree-2 sumcheck of `Σ_x P(x) · Σ_i α^i eq(p_i, x)`.
    pub sumcheck: SumcheckProof,
    /// `P(ρ)`, the reduced claim's value.
    pub eval: EF,
}

/// Why a sumcheck proof was rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SumcheckError {
    /// The proof has the wrong number of rounds.
    #[error("sumcheck proof has {got} rounds, expected {expected}")]
    WrongRoundCount {
        /// Rounds the statement has.
        expected: usize,
        /// Rounds the proof has.
        got: usize,
    },
    /// A round polynomial has the wrong number of values.
    #[error("sumcheck round {round} sends {got} values, expected {expected}")]
    WrongRoundDegree {
        /// The round.
        round: usize,
        /// The values a round of its degree sends (`degree`: `g(1)` is not sent).
        expected: usize,
        /// What the proof has.
        got: usize,
    },
    /// The summand at the final point differs from the last round's claim.
    #[error("sumcheck final evaluation {got} differs from the claim {expected}")]
    FinalEvalMismatch {
        /// The claim.
        expected: EF,
        /// The summand recomputed from the supplied evaluations.
        got: EF,
    },
    /// A round's proof of work ([`crate::verify_ground`]) is rejected.
    #[error("sumcheck round {round}: the proof of work before its challenge is rejected")]
    ProofOfWork {
        /// The round.
        round: usize,
    },
    /// A ground sumcheck ([`crate::verify_ground`]) has another number of proof-of-work
    /// witnesses than rounds.
    #[error("sumcheck proof has {got} proof-of-work witnesses, expected {expected}")]
    ProofOfWorkCount {
        /// Rounds the statement has.
        expected: usize,
        /// Witnesses the proof has.
        got: usize,
    },
    /// A batch or a claim reduction was given no instances or no claims.
    #[error("nothing to verify: empty batch or claim list")]
    Empty,
    /// A claim's point has the wrong number of coordinates.
    #[error("claim {index} has a point of {got} coordinates, expected {expected}")]
    WrongPointLength {
        /// The claim.
        index: usize,
        /// The number of variables.
        expected: usize,
        /// The point's length.
        got: usize,
    },
    /// The caller passed a degree the protocol cannot use (e.g. `usize::MAX`).
    #[error("unsupported sumcheck degree {degree}")]
    BadDegree {
        /// The degree given.
        degree: usize,
    },
    /// The wrong number of evaluations or coordinates was supplied.
    #[error("expected {expected} evaluations, got {got}")]
    WrongEvalCount {
        /// Expected count.
        expected: usize,
        /// Supplied count.
        got: usize,
    },
    /// A challenge hit one of the few values a protocol step cannot use (e.g. `−1` where the
    /// mask pool divides by `1 + x`); probability `O(1/|EF|)` for honest transcripts.
    #[error("a challenge took a degenerate value; prove again (probability ~2^-120)")]
    DegenerateChallenge,
    /// A mask pool's size is not a power of two or too small for its reserved blocks.
    #[error(
        "mask pool of {size} entries: the size must be a power of two of at least {minimum} \
         (use MaskPool::size_for to size it from the masks it must hold)"
    )]
    BadPoolSize {
        /// The size given.
        size: usize,
        /// The smallest usable size.
        minimum: usize,
    },
    /// The mask pool has too few free entries left for the requested mask.
    #[error(
        "mask pool exhausted: a mask needs {requested} entries, {remaining} are left \
         (size the pool with MaskPool::size_for over every mask the proof takes)"
    )]
    PoolExhausted {
        /// Entries the mask needs (`num_vars·(degree + 1)`).
        requested: usize,
        /// Entries still free.
        remaining: usize,
    },
    /// A masked sumcheck or masked claim was used inconsistently (a private column that does
    /// not exist or is listed twice, a private column in a sumcheck without variables, claims
    /// at different points combined, an incoming evaluation missing or unexpected).
    #[error("masked claims: {reason}")]
    MaskedClaims {
        /// What is wrong.
        reason: &'static str,
    },
    /// A mask slot of the pool was misused: unknown, recorded twice, or never recorded.
    #[error("mask pool slot {slot}: {reason}")]
    BadMaskSlot {
        /// The slot (the order in which masks were taken).
        slot: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
}
