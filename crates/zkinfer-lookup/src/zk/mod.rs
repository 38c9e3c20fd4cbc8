//! Zero-knowledge LogUp-GKR (issue 13, docs/ZK-sumcheck.md §2): the lookups of
//! [`crate::prove_many`] with blinded roots, `Z·R`-masked layers and ZK layer sumchecks.
//!
//! What it does:
//! - every tree gets two disabled leaf slots (its last two leaves) holding blinding fractions
//!   `π/δ` with `π, δ` committed by the caller before `α, β` ([`Blinding`]); a witness slot's
//!   denominator is `δ − fold(x)` and a table slot's is `δ` (the table tree has one extra leading
//!   variable whose half `x_0 = 1` is `(0, 1)` but for the slots), so no blinding denominator
//!   contains `α` and blinding cannot cancel the pole of a bad lookup (docs/ZK-sumcheck.md §2.3);
//! - the inner layers (heights `2..H`) are masked with Libra's `Z·R` ([`InnerMasks`], module
//!   `layer`);
//! - every layer sumcheck is a ZK sumcheck over `(w, x)` with one caller-supplied mask per
//!   layer (`k + 1` variables, degree [`MASKED_LAYER_DEGREE`]);
//! - several instances (one per table) share one `α, β` and one batched sumcheck per layer, each
//!   with its own blinding and inner masks and its own root check ([`prove_blinded_many`],
//!   [`verify_blinded_many`]; [`prove_blinded`]/[`verify_blinded`] are the one-instance case).
//!
//! What it hides: the roots, every layer's children, the round messages (and, deferred, the
//! leaves). What it leaves to the caller: the claims on the witness, multiplicity and blinding
//! columns and on the masks ([`BlindedClaims`]).
//!
//! **Prover cost.** The trees are the plain prover's ([`crate::gkr`]) with the slots patched in:
//! a witness keeps its all-ones leaf layer, a table its plain tree plus one `Padded` bottom layer
//! of two columns; the two slots are *sparse corrections* (`O(trees·k)` per round). Each layer
//! runs the plain kernels ([`zkinfer_sumcheck::RoundProver`]) in every `x` round but the last
//! (where `Z = 0` anyway), the `w` round from the claim in closed form and the degree-5 last
//! round in closed form from the two-entry tables left. Measured against [`crate::prove`] in
//! `examples/bench_zk_lookup.rs` (docs/ZK-sumcheck.md §3).
//!
//! # Engine interface and transcript order
//! 1. Draw the secrets from a CSPRNG: per instance [`Blinding::random`] and
//!    [`InnerMasks::random`] (heights: each witness's variables, then `bits + 1` for the table).
//!    Commit [`hiding_columns`] (base-field coordinate columns of `N`, `D`, `R`) in the hiding
//!    batch together with the witness and multiplicity columns (computed with
//!    [`disabled_multiplicities`]), and the layer masks ([`layer_mask_shapes`] lists them) in
//!    the mask pool; absorb the commitments. All of this **before** the lookup.
//! 2. [`prove_blinded_many`] (the verifier: [`verify_blinded_many`]) absorbs, in order: the
//!    marker `lookup-zk/blinded`; per instance the table id and the witness shapes; draws `α, β`;
//!    absorbs all roots; then per layer `k`: draws `λ`, takes the layer mask from the caller's
//!    closure, runs the ZK sumcheck (`H`, `G`, `ρ`, `H + ρG`, `k + 1` rounds, `g(r)`), absorbs the
//!    children and the inner-mask values and draws `μ`; finally absorbs every witness's column
//!    values, all blinding values and the multiplicity values.
//! 3. Discharge every claim in the batched opening: [`InstanceClaims::lookup`] (witness and
//!    multiplicity columns), [`BlindedClaims::hiding_claims`] (each on the two coordinate
//!    columns, recombined with [`ext_from_coords`]) and [`BlindedClaims::masks`] (the mask pool).
//!
//! **Leaves.** [`prove_blinded_many`] sends the witness, multiplicity and blinding values at the
//! leaf points in the clear for its leaf check (they are functions of the witness).
//! [`prove_blinded_many_deferred`] (what the engine calls, docs/ZK.md §14) masks the leaf layer
//! with the caller's leaf masks ([`InnerMasks::set_leaf`]) and leaves each tree's leaf claim to
//! the caller ([`Leaves`], [`LeafClaim::form`]), who sends those values masked.
//!
//! **Unfinished** (issue 13): proof size is
//! ~1.6–1.8× the plain one (every round of a layer has the mask's degree 5, where the plain
//! rounds have degree 3: per-round mask degrees in `zkinfer-sumcheck` would shrink it); the
//! table tree's bottom layer is not skipped when a table has no blinding.
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
pub use layer::{
    Bilinear, InnerMasks, MASKED_LAYER_DEGREE, MaskedLayerProof, leaf_mask_coefficients,
    masked_layer_degrees,
};
pub use prover::{
    disabled_multiplicities, prove_blinded, prove_blinded_many, prove_blinded_many_deferred,
};
pub use verifier::{verify_blinded, verify_blinded_many, verify_blinded_many_deferred};

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
/// layers: layer `k` has `k + 1` variables (`w` and `x`) of degrees [`masked_layer_degrees`].
///
/// # Panics
/// Never (the degrees are valid constants).
pub fn random_layer_masks<R: CryptoRng + ?Sized>(
    max_height: usize,
    rng: &mut R,
) -> Vec<MaskPolynomial> {
    (0..max_height)
        .map(|k| {
            MaskPolynomial::random_per_var(&masked_layer_degrees(k), rng)
                .unwrap_or_else(|_| unreachable!("degrees 1, 3 and 5 are valid"))
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
    /// The deferred protocol's leaf claims ([`prove_blinded_many_deferred`]); `None` when the
    /// leaves were checked here.
    pub leaves: Option<Leaves>,
}

impl BlindedClaims {
    /// A deferred proof's claims: per instance only its inner masks' claims (the leaves are
    /// the caller's), the layer masks' claims and the leaf claims.
    pub(crate) fn deferred(
        inner: Vec<Vec<InnerMaskClaim>>,
        masks: Vec<MaskClaim>,
        leaves: Leaves,
    ) -> Self {
        Self {
            instances: inner
                .into_iter()
                .map(|inner| InstanceClaims {
                    lookup: LookupClaims {
                        witness_claims: Vec::new(),
                        multiplicity_claim: (Vec::new(), EF::ZERO),
                    },
                    blinding: Vec::new(),
                    inner,
                })
                .collect(),
            masks,
            leaves: Some(leaves),
        }
    }
}

/// The leaf claims a deferred proof leaves to the caller: per tree (in proof order) the GKR's
/// last claim on the (leaf-masked) leaf layer. The caller proves each with masked values
/// ([`LeafClaim::form`] gives the leaf polynomials' linear form).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leaves {
    /// `α` (the LogUp challenge).
    pub alpha: EF,
    /// `β` (the tuple-folding challenge).
    pub beta: EF,
    /// Per tree, witnesses then the table of each instance.
    pub trees: Vec<LeafClaim>,
}

/// `P̃(point) = p`, `Q̃(point) = q` on one tree's leaf layer, masked with the caller's leaf masks:
/// `Ṽ(μ, ρ) = V(μ, ρ) + Z(ρ)·((1 − μ)·S_V[0] + μ·S_V[1])` ([`InnerMasks::set_leaf`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeafClaim {
    /// The instance.
    pub instance: usize,
    /// The tree in its instance (its witnesses, then the table).
    pub tree: usize,
    /// The leaf point `(μ ‖ ρ)`.
    pub point: Vec<EF>,
    /// `P̃(point)`.
    pub p: EF,
    /// `Q̃(point)`.
    pub q: EF,
}

/// The leaf polynomials at a leaf point as a linear form in the committed values there:
/// `P = p_const + multiplicity·m(point′) + s·N(z)` and
/// `Q = q_const + Σ_j witness[j]·X_j(point) + s·D(z)` (a witness tree has no `m` term, a table
/// tree no `X` terms; `point′` is the point without its first coordinate).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeafForm {
    /// `s(point)`, the disabled slots' selector (a zero `s` is a degenerate challenge).
    pub s: EF,
    /// `z`, the point's last coordinate, where `N` and `D` are evaluated.
    pub z: EF,
    /// The public part of `P`.
    pub p_const: EF,
    /// `m`'s coefficient in `P` (zero for a witness tree).
    pub multiplicity: EF,
    /// The public part of `Q`.
    pub q_const: EF,
    /// The witness columns' coefficients in `Q` (`−β^j`; empty for a table tree).
    pub witness: Vec<EF>,
    /// `[Z(ρ)·(1 − μ), Z(ρ)·μ]`: the leaf masks' coefficients.
    pub masks: [EF; 2],
}

impl LeafClaim {
    /// The linear form of this tree's leaf polynomials; `table` is its instance's table and
    /// `is_table` whether the tree is the table's (else a witness of the table's arity).
    #[must_use]
    pub fn form(&self, table: &Table, is_table: bool, alpha: EF, beta: EF) -> Option<LeafForm> {
        let (s, z) = selector(&self.point)?;
        let masks = leaf_mask_coefficients(&self.point);
        if is_table {
            let (&x0, rest) = self.point.split_first()?;
            let tv = crate::proof::fold_tuple(&table.evaluate_columns(rest), beta);
            Some(LeafForm {
                s,
                z,
                p_const: EF::ZERO,
                multiplicity: EF::ONE - x0,
                q_const: (EF::ONE - x0) * (alpha - tv) + x0 - s,
                witness: Vec::new(),
                masks,
            })
        } else {
            Some(LeafForm {
                s,
                z,
                p_const: EF::ONE - s,
                multiplicity: EF::ZERO,
                q_const: alpha * (EF::ONE - s),
                witness: beta
                    .powers()
                    .take(table.num_columns())
                    .map(|b| -b)
                    .collect(),
                masks,
            })
        }
    }
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

/// The trees' heights of an instance: its witnesses' variables, then `bits + 1` for the table
/// (what [`InnerMasks::random`] takes).
#[must_use]
pub fn heights(table: &Table, shapes: &[usize]) -> Vec<usize> {
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

/// The per-variable degrees of the layer masks a proof of `statement` (per instance: the table
/// and its witnesses' variables) asks for, in order ([`masked_layer_degrees`] of each layer): the
/// mask pool's shopping list.
#[must_use]
pub fn layer_mask_shapes(statement: &[(&Table, Vec<usize>)]) -> Vec<Vec<usize>> {
    (0..max_height(statement))
        .map(masked_layer_degrees)
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
