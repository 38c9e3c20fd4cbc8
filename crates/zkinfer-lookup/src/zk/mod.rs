//! **UNFINISHED** — a prototype of zero-knowledge LogUp-GKR (issue 13, docs/ZK-sumcheck.md §2).
//!
//! What it does:
//! - every tree gets two disabled leaf slots (its last two leaves) holding blinding fractions
//!   `π/δ` with `π, δ` committed by the caller before `α, β` ([`Blinding`]); a witness slot's
//!   denominator is `δ − fold(x)` and a table slot's is `δ` (the table tree has one extra leading
//!   variable whose half `x_0 = 1` is `(0, 1)` but for the slots), so no blinding denominator
//!   contains `α` and blinding cannot cancel the pole of a bad lookup (docs/ZK-sumcheck.md §2.3);
//! - the inner layers (heights `2..H`) are masked with Libra's `Z·R` ([`InnerMasks`], module
//!   `layer`);
//! - every layer sumcheck is a ZK sumcheck over `(w, x)` with one caller-committed mask per
//!   layer (degree [`MASKED_LAYER_DEGREE`]).
//!
//! What it hides: the roots, every layer's children, the round messages. Tests:
//! `tests/zk_unfinished.rs`.
//!
//! **Why it is unfinished:** the leaf claims on the witness, multiplicity and blinding columns
//! wait for the engine's column masking; the layer prover is naive (`O(2^k)` allocations per
//! round on extension-field tables, no kernels — far slower than [`crate::prove`]); one instance
//! (one table) per proof, where the engine batches several; the masks' openings need the PCS
//! support of docs/ZK-sumcheck.md §1.5; it is not wired into the engine.
//!
//! Leaf polynomials, with `s(x) = Π_{j ≤ n−2} x_j` the disabled-slot selector and `N, D` the
//! tree's two-entry blinding columns (evaluated at the last coordinate):
//! - witness: `P = 1 − s + s·N`, `Q = α(1 − s) − fold_β(X) + s·D`;
//! - table (`n = bits + 1`, `x = (x_0, x')`): `P = (1 − x_0)·m(x') + s·N`,
//!   `Q = (1 − x_0)(α − fold_β(T(x'))) + x_0 − s + s·D`.

mod columns;
mod layer;
mod prover;
mod verifier;

pub use columns::{HidingClaim, HidingColumn, HidingColumnId, ext_from_coords, hiding_columns};
pub use layer::{Bilinear, InnerMasks, MASKED_LAYER_DEGREE, MaskedLayerProof};
pub use prover::{disabled_multiplicities, prove_blinded, prove_blinded_many};
pub use verifier::{verify_blinded, verify_blinded_many};

use rand::CryptoRng;
use serde::{Deserialize, Serialize};
use zkinfer_field::{EF, Field, PrimeCharacteristicRing};
use zkinfer_sumcheck::zk::{MaskClaim, random_ext};
use zkinfer_sumcheck::{MaskPolynomial, SumcheckError};

use crate::{LookupClaims, LookupError, Table};

/// Transcript labels of the blinded protocol.
pub mod labels {
    /// Marks the blinded protocol before the statement.
    pub const BLINDED: &[u8] = b"lookup-zk/blinded";
    /// The blinding columns' values at the leaf points.
    pub const BLINDING_EVALS: &[u8] = b"lookup-zk/blinding-evals";
    /// The multiplicity column's value at the table's leaf point.
    pub const MULTIPLICITY_EVAL: &[u8] = b"lookup-zk/multiplicity-eval";
    /// The `Z·R` masks' values at a layer's `(z_0, c)`.
    pub const INNER_MASK_EVALS: &[u8] = b"lookup-zk/inner-mask-evals";
}

/// The blinding fractions of one instance: per tree (the witnesses in order, then the table),
/// the numerators `N = [π_0, π_1]` and denominators `D = [δ_0, δ_1]` of its two disabled slots.
/// The caller commits them (hiding) before the lookup draws `α, β`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Blinding {
    /// `N` per tree.
    pub numerators: Vec<[EF; 2]>,
    /// `D` per tree.
    pub denominators: Vec<[EF; 2]>,
}

impl Blinding {
    /// Uniform blinding for `num_witnesses` witness trees and the table tree, all values
    /// uniform (denominators non-zero) except the table's second numerator, solved so that the
    /// witness trees' fractions sum to the table tree's.
    pub fn random<R: CryptoRng + ?Sized>(num_witnesses: usize, rng: &mut R) -> Self {
        let nonzero = |rng: &mut R| loop {
            let v = random_ext(rng);
            if v != EF::ZERO {
                return v;
            }
        };
        let trees = num_witnesses + 1;
        let mut numerators: Vec<[EF; 2]> = (0..trees)
            .map(|_| [random_ext(rng), random_ext(rng)])
            .collect();
        let denominators: Vec<[EF; 2]> = (0..trees).map(|_| [nonzero(rng), nonzero(rng)]).collect();
        let frac = |n: &[EF; 2], d: &[EF; 2]| n[0] * d[0].inverse() + n[1] * d[1].inverse();
        let witness_sum: EF = numerators
            .iter()
            .zip(&denominators)
            .take(num_witnesses)
            .map(|(n, d)| frac(n, d))
            .sum();
        if let (Some(n), Some(d)) = (numerators.last_mut(), denominators.last()) {
            n[1] = d[1] * (witness_sum - n[0] * d[0].inverse());
        }
        Self {
            numerators,
            denominators,
        }
    }

    /// No blinding: every slot holds `0/1` (the protocol then reveals what plain LogUp-GKR
    /// reveals; for tests that must show what blinding changes).
    #[must_use]
    pub fn none(num_witnesses: usize) -> Self {
        Self {
            numerators: vec![[EF::ZERO; 2]; num_witnesses + 1],
            denominators: vec![[EF::ONE; 2]; num_witnesses + 1],
        }
    }
}

/// One ZK-sumcheck mask per layer for a blinded proof whose tallest tree has `max_height`
/// layers: layer `k` has `k + 1` variables (`w` and `x`) and degree [`MASKED_LAYER_DEGREE`].
///
/// # Panics
/// Never (the degree is a valid constant).
pub fn random_layer_masks<R: CryptoRng + ?Sized>(
    max_height: usize,
    rng: &mut R,
) -> Vec<MaskPolynomial> {
    (0..max_height)
        .map(|k| {
            MaskPolynomial::random(k + 1, MASKED_LAYER_DEGREE, rng)
                .unwrap_or_else(|_| unreachable!("degree 5 is valid"))
        })
        .collect()
}

/// A blinded lookup proof.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlindedProof {
    /// Each tree's (blinded) root `[p, q]`.
    pub roots: Vec<[EF; 2]>,
    /// Per layer: its masked sumcheck, children and inner-mask values.
    pub layers: Vec<MaskedLayerProof>,
    /// Per witness, its columns' values at its leaf point.
    pub witness_evals: Vec<Vec<EF>>,
    /// Per tree, `[N(z), D(z)]` at the last coordinate `z` of its leaf point.
    pub blinding_evals: Vec<[EF; 2]>,
    /// Per instance, the multiplicity column at its table's leaf point without the first
    /// coordinate.
    pub multiplicity_evals: Vec<EF>,
}

/// What a blinded proof leaves to the caller: all claims on committed data.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use = "a lookup proves nothing until its claims are discharged"]
pub struct BlindedClaims {
    /// Per instance, the claims on its columns.
    pub instances: Vec<InstanceClaims>,
    /// Per layer: the ZK sumcheck mask's claim (discharged against the layer masks' commitment).
    pub masks: Vec<MaskClaim>,
}

/// The claims of one instance on committed columns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstanceClaims {
    /// The witness columns and the multiplicity column, as for the plain protocol.
    pub lookup: LookupClaims,
    /// Per tree (witnesses, then the table): `(z, [N(z), D(z)])` on its two-entry blinding
    /// columns.
    pub blinding: Vec<(EF, [EF; 2])>,
    /// The `Z·R` masks' claims.
    pub inner: Vec<InnerMaskClaim>,
}

/// A claim on a `Z·R` mask: `[R_p, R_q]` of `tree` at `height`, at `point = (y_0, w)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InnerMaskClaim {
    /// The tree (witnesses in order, then the table).
    pub tree: usize,
    /// The layer's height.
    pub height: usize,
    /// `(y_0, w)`.
    pub point: [EF; 2],
    /// `[R_p(y_0, w), R_q(y_0, w)]`.
    pub values: [EF; 2],
}

/// Why a blinded proof was rejected (or could not be made).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ZkLookupError {
    /// A check shared with the plain protocol.
    #[error(transparent)]
    Lookup(#[from] LookupError),
    /// A blinded witness needs its two disabled slots.
    #[error(
        "witness {witness} has {vars} variables; a blinded witness needs at least 1 (its last two rows are the blinding slots: pad the column)"
    )]
    WitnessTooSmall {
        /// The witness.
        witness: usize,
        /// Its variables.
        vars: usize,
    },
    /// The wrong number of some proof part or input.
    #[error("{what}: {got} given, expected {expected}")]
    Count {
        /// What was counted.
        what: &'static str,
        /// Expected count.
        expected: usize,
        /// Given count.
        got: usize,
    },
    /// A layer's ZK sumcheck failed.
    #[error("layer {layer}: {source}")]
    LayerSumcheck {
        /// The layer.
        layer: usize,
        /// The sumcheck error.
        source: SumcheckError,
    },
    /// The caller's layer-mask source failed.
    #[error("layer {layer}: no ZK sumcheck mask: {message}")]
    Mask {
        /// The layer.
        layer: usize,
        /// The source's error.
        message: String,
    },
    /// A leaf value disagrees with the GKR's claim.
    #[error("tree {tree}: leaf {what} is {got}, the GKR claims {expected}")]
    Leaf {
        /// The tree.
        tree: usize,
        /// `"numerator"` or `"denominator"`.
        what: &'static str,
        /// The claim.
        expected: EF,
        /// The value from the leaf polynomials.
        got: EF,
    },
}

/// The trees' heights of an instance: its witnesses' variables, then `bits + 1` for the table.
pub(crate) fn heights(table: &Table, shapes: &[usize]) -> Vec<usize> {
    shapes
        .iter()
        .copied()
        .chain([table.num_vars() + 1])
        .collect()
}

/// The tallest tree's height over the instances (the number of layers).
pub(crate) fn max_height(statement: &[(&Table, Vec<usize>)]) -> usize {
    statement
        .iter()
        .flat_map(|(t, s)| heights(t, s))
        .max()
        .unwrap_or(0)
}

/// The `(num_vars, degree)` of the layer masks a proof of `statement` (per instance: the table
/// and its witnesses' variables) asks for, in order: the mask pool's shopping list.
#[must_use]
pub fn layer_mask_shapes(statement: &[(&Table, Vec<usize>)]) -> Vec<(usize, usize)> {
    (0..max_height(statement))
        .map(|k| (k + 1, MASKED_LAYER_DEGREE))
        .collect()
}

/// `s(pt) = Π_{j ≤ n−2} pt_j` and `z = pt_{n−1}` for a leaf point of `n ≥ 1` coordinates.
pub(crate) fn selector(point: &[EF]) -> Option<(EF, EF)> {
    let (&z, head) = point.split_last()?;
    Some((head.iter().copied().product(), z))
}

/// A two-entry column's MLE at `z`.
pub(crate) fn line(v: [EF; 2], z: EF) -> EF {
    v[0] + z * (v[1] - v[0])
}
