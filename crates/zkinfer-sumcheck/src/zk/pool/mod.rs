//! A proof-level pool of mask coefficients, committed once, and the zero-knowledge discharge of
//! every mask claim a proof's ZK sumchecks leave (docs/ZK-sumcheck.md §4).
//!
//! **Problem.** Every [`crate::prove_zk`] leaves a mask claim `g(r) = ⟨c, mask_weights(d, r)⟩`, an
//! inner product with non-tensor weights that a multilinear hiding PCS cannot open, and opening
//! the `g_i(r_i)` one by one would undo the masking; and masks must be committed before the
//! sumchecks run, while the engine learns their shapes only while proving.
//!
//! **Pool.** The prover draws `K` uniform `EF` entries `c` (`K` a power of two, an upper bound
//! from the caller's plan, [`MaskPool::size_for`]) and commits them as **one base-field column**
//! of `2K` entries, the two limbs of each entry interleaved (`column[2i + l]` = limb `l` of
//! `c_i`), in its hiding batch before any sumcheck. With `u` the extension's generator and
//! `ℓ* = u/(1 + u)`, the column's MLE at `(p, ℓ*)` is `c̃(p)/(1 + u)`: one claim on the column
//! reveals exactly the `EF`-linear functional `c̃(p)`, not the two limbs' evaluations.
//! [`MaskPool::next_mask`] hands out consecutive slices as Libra masks
//! ([`crate::MaskPolynomial`]); the verifier mirrors the offsets with
//! [`MaskPoolVerifier::next_mask_shape`] (same order of sumchecks).
//!
//! **Layout** (from `K` alone): `[0, capacity)` Libra masks, then at least one entry never handed
//! out (it keeps the level-1 claim uniform), then the `2^m`-entry block of the reduction's own
//! mask `h` (its `3k` coefficients, `k = log₂ K`, then at least one free entry), then the
//! `4^m`-entry block of the dense mask `D` (`m = ⌈log₂(3k + 1)⌉`).
//!
//! **Discharge** ([`MaskPool::finish`] / [`MaskPoolVerifier::finish`]). With the claims
//! `g_j(r_j) = v_j` of all slots absorbed, a challenge `λ` gives `Σ_j λ^j v_j = ⟨c, W⟩`, `W` the
//! concatenated weights `λ^j·mask_weights(d_j, r_j)` (zero outside the slots).
//! 1. *Level 1*: a ZK sumcheck of `c̃·W̃` over `k` variables, masked by `h` (a Libra mask in the
//!    pool), leaves `c̃(z)` (sent; a claim on the column) and `h(z)` (not multilinear).
//! 2. *Level 2*: a ZK sumcheck of `c̃_h·w̃_h` over `m` variables (`c_h` the `h` block, `w_h` =
//!    `mask_weights(2, z)` padded with zeros) proves `h(z)`, masked by the dense `D`
//!    (`dense`) whose value is a scaled multilinear evaluation of its block.
//!    It leaves `c̃_h(s)` and `D(s)`: both multilinear claims on the column.
//!
//! **Claim masks and linear claims** (docs/ZK-sumcheck.md §5.3): besides Libra masks (uniform or
//! per-variable degrees, [`MaskPool::next_mask_per_var`]) the pool hands out claim masks
//! `R̂(w) = a + b·w` ([`MaskPool::next_claim_mask`], two entries, no claim of their own) for
//! [`crate::zk::masked`]; any slot's entries can be the subject of a [`LinearClaim`]
//! (`⟨entries, weights⟩ = value`, [`MaskPool::record_linear`]), combined with the mask claims by
//! `λ` and discharged the same way. A pool that uses neither has the transcript it had before.
//!
//! Output: three [`PoolClaim`]s for the caller's one hiding opening, and a [`MaskPoolProof`].
//! Hiding and soundness are argued in docs/ZK-sumcheck.md §4.
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
mod verifier;

pub use prover::MaskPool;
pub use verifier::MaskPoolVerifier;

use serde::{Deserialize, Serialize};
use zkinfer_field::{BasedVectorSpace, EF, F, Field, PrimeCharacteristicRing, Transcript};

use super::{MaskClaim, ZkSumcheckProof, dense::lift_point, mask_weights, mask_weights_per_var};
use crate::SumcheckError;

/// Transcript labels of the pool's discharge (its two sumchecks use [`super::labels`]).
pub mod labels {
    /// The pool's shape: its size, its slots' kinds and dimensions, the linear claims' terms
    /// (one byte string of varints, `Book::combine`).
    pub const POOL_SHAPE: &[u8] = b"mask-pool/shape";
    /// The slots' claimed values `v_j`.
    pub const POOL_VALUES: &[u8] = b"mask-pool/values";
    /// The linear claims' weights (all terms, in order), then their values.
    pub const POOL_LINEAR: &[u8] = b"mask-pool/linear";
    /// The combination challenge `λ`.
    pub const POOL_LAMBDA: &[u8] = b"mask-pool/lambda";
    /// `c̃(z)`, level 1's claim on the pool.
    pub const POOL_EVAL: &[u8] = b"mask-pool/pool-eval";
    /// `c̃_h(s)`, level 2's claim on the `h` block.
    pub const INNER_EVAL: &[u8] = b"mask-pool/inner-eval";
}

/// The discharge proof: two ZK sumchecks and the two values the verifier cannot compute.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaskPoolProof {
    /// Level 1: `Σ_y c̃(y)·W̃(y) = Σ_j λ^j v_j`, masked by `h`.
    pub reduce: ZkSumcheckProof,
    /// `c̃(z)` at level 1's final point.
    pub pool_eval: EF,
    /// Level 2: `Σ_y c̃_h(y)·w̃_h(y) = h(z)`, masked by the dense `D` (its `mask_eval` is `D(s)`).
    pub inner: ZkSumcheckProof,
    /// `c̃_h(s)` at level 2's final point.
    pub inner_eval: EF,
}

/// "The MLE of the pool's column `column` (an index into [`MaskPool::columns`]) at `point` is
/// `value`": a claim for the caller's hiding opening.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[must_use = "the pool's claims must be opened, or any mask claim passes"]
pub struct PoolClaim {
    /// The column within the pool's columns (always 0: the pool is one column).
    pub column: usize,
    /// A point of `log₂ K + 1` coordinates (the last one selects the limbs).
    pub point: Vec<EF>,
    /// The claimed value.
    pub value: EF,
}

/// Where a mask was taken from the pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MaskSlot {
    /// The slot's number (the order in which masks were taken): pass it to `record`.
    pub index: usize,
    /// The first entry of the slice.
    pub offset: usize,
    /// The mask's number of variables (0 for a claim mask).
    pub num_vars: usize,
    /// The mask's degree (the largest per-variable degree; 0 for a claim mask).
    pub degree: usize,
    /// The entries the slot takes.
    pub len: usize,
}

/// `⟨entries of the slots, weights⟩ = value`: a general linear claim on the pool, discharged
/// with the Libra mask claims by `finish` (e.g. the combined `Σ_i κ_i·R̂_i(c_w)` of a masked
/// sumcheck's incoming claims, [`crate::zk::prove_zk_masked`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use = "a linear claim must be recorded in the pool, or it is never checked"]
pub struct LinearClaim {
    /// `(slot, weights)`: the slot's entries weighted by `weights` (one weight per entry).
    pub terms: Vec<(usize, Vec<EF>)>,
    /// The claimed value.
    pub value: EF,
}

/// The entries of a claim mask `R̂(w) = a + b·w`: `[a, b]` (docs/ZK-sumcheck.md §5).
pub const CLAIM_MASK_LEN: usize = 2;

/// Entries a mask of `num_vars` variables and degree `degree` takes: `num_vars·(degree + 1)`.
///
/// # Errors
/// [`SumcheckError::BadDegree`] for degree 0 or an overflow.
pub fn mask_entries(num_vars: usize, degree: usize) -> Result<usize, SumcheckError> {
    if degree == 0 {
        return Err(SumcheckError::BadDegree { degree });
    }
    degree
        .checked_add(1)
        .and_then(|l| l.checked_mul(num_vars))
        .ok_or(SumcheckError::BadDegree { degree })
}

/// Entries of a Libra mask with per-variable degrees: `Σ_i (degrees[i] + 1)`.
///
/// # Errors
/// [`SumcheckError::BadDegree`] for a degree 0 or an overflow.
pub fn mask_entries_per_var(degrees: &[usize]) -> Result<usize, SumcheckError> {
    degrees.iter().try_fold(0usize, |acc, &d| {
        if d == 0 {
            return Err(SumcheckError::BadDegree { degree: d });
        }
        d.checked_add(1)
            .and_then(|l| acc.checked_add(l))
            .ok_or(SumcheckError::BadDegree { degree: d })
    })
}

/// Entries of the main region never handed out (they keep the level-1 claim `c̃(z)` uniform).
const FRESH: usize = 1;

/// The pool's layout, a function of its size alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Layout {
    /// `K`.
    pub(crate) size: usize,
    /// `k = log₂ K`: level 1's variables, and `h`'s.
    pub(crate) vars: usize,
    /// `m`: level 2's variables, and `D`'s.
    pub(crate) inner_vars: usize,
    /// Start of the `2^m` block holding `h`'s `3k` coefficients.
    pub(crate) h_offset: usize,
    /// Start of the `4^m` block holding `D`'s coefficient table.
    pub(crate) dense_offset: usize,
    /// Entries available to Libra masks.
    pub(crate) capacity: usize,
}

impl Layout {
    /// The layout of a pool of `size` entries, or `None` if it does not fit.
    fn try_new(size: usize) -> Option<Self> {
        if !size.is_power_of_two() {
            return None;
        }
        let vars = size.trailing_zeros() as usize;
        // 3k coefficients of h plus one free entry.
        let inner_vars = (3 * vars + 1).next_power_of_two().trailing_zeros() as usize;
        let dense = 1usize.checked_shl(2 * inner_vars as u32)?;
        let h_offset = size.checked_sub(dense)?.checked_sub(1 << inner_vars)?;
        let capacity = h_offset.checked_sub(FRESH)?;
        (capacity > 0).then_some(Self {
            size,
            vars,
            inner_vars,
            h_offset,
            dense_offset: size - dense,
            capacity,
        })
    }

    /// The smallest usable pool size.
    fn minimum() -> usize {
        (0..usize::BITS)
            .map(|b| 1usize << b)
            .find(|&s| Self::try_new(s).is_some())
            .unwrap_or(usize::MAX)
    }

    pub(crate) fn new(size: usize) -> Result<Self, SumcheckError> {
        Self::try_new(size).ok_or(SumcheckError::BadPoolSize {
            size,
            minimum: Self::minimum(),
        })
    }

    /// The smallest layout whose capacity holds `entries` mask entries.
    pub(crate) fn size_for(entries: usize) -> Result<usize, SumcheckError> {
        (0..usize::BITS)
            .map(|b| 1usize << b)
            .find(|&s| Self::try_new(s).is_some_and(|l| l.capacity >= entries))
            .ok_or(SumcheckError::PoolExhausted {
                requested: entries,
                remaining: 0,
            })
    }

    /// Whether entry `idx` of the pool is a degree-3 coefficient of `D` (zero in an honest pool).
    pub(crate) fn is_dense_cubic(&self, idx: usize) -> bool {
        let Some(local) = idx.checked_sub(self.dense_offset) else {
            return false;
        };
        (0..self.inner_vars).any(|i| (local >> (2 * i)) & 3 == 3)
    }

    /// `mask_weights(2, z)` padded with zeros to the `h` block's `2^m` entries.
    pub(crate) fn inner_weights(&self, z: &[EF]) -> Vec<EF> {
        let mut w = mask_weights(2, z);
        w.resize(1 << self.inner_vars, EF::ZERO);
        w
    }
}

/// What a slot holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum SlotKind {
    /// A Libra mask with these per-variable degrees; its claim `g(r) = v` must be recorded.
    Libra(Vec<usize>),
    /// Raw entries (a claim mask `R̂`), revealed only through linear claims.
    Raw,
}

/// One slot's record: where it is, what it holds and, once recorded, its claim.
#[derive(Clone, Debug)]
struct Slot {
    at: MaskSlot,
    kind: SlotKind,
    claim: Option<MaskClaim>,
}

/// The slot book-keeping both sides share: offsets in the order masks are taken, claims.
#[derive(Clone, Debug)]
pub(crate) struct Book {
    pub(crate) layout: Layout,
    next: usize,
    slots: Vec<Slot>,
    linear: Vec<LinearClaim>,
}

impl Book {
    pub(crate) fn new(size: usize) -> Result<Self, SumcheckError> {
        Ok(Self {
            layout: Layout::new(size)?,
            next: 0,
            slots: Vec::new(),
            linear: Vec::new(),
        })
    }

    /// Reserves the next slice for a mask of `num_vars` variables and degree `degree`.
    pub(crate) fn take(
        &mut self,
        num_vars: usize,
        degree: usize,
    ) -> Result<MaskSlot, SumcheckError> {
        let len = mask_entries(num_vars, degree)?;
        self.push(
            num_vars,
            degree,
            len,
            SlotKind::Libra(vec![degree; num_vars]),
        )
    }

    /// Reserves the next slice for a Libra mask with per-variable degrees `degrees`.
    pub(crate) fn take_per_var(&mut self, degrees: &[usize]) -> Result<MaskSlot, SumcheckError> {
        let len = mask_entries_per_var(degrees)?;
        let degree = degrees.iter().copied().max().unwrap_or(1);
        self.push(
            degrees.len(),
            degree,
            len,
            SlotKind::Libra(degrees.to_vec()),
        )
    }

    /// Reserves the next `CLAIM_MASK_LEN` entries as a claim mask.
    pub(crate) fn take_claim_mask(&mut self) -> Result<MaskSlot, SumcheckError> {
        self.push(0, 0, CLAIM_MASK_LEN, SlotKind::Raw)
    }

    fn push(
        &mut self,
        num_vars: usize,
        degree: usize,
        len: usize,
        kind: SlotKind,
    ) -> Result<MaskSlot, SumcheckError> {
        let remaining = self.layout.capacity - self.next;
        if len > remaining {
            return Err(SumcheckError::PoolExhausted {
                requested: len,
                remaining,
            });
        }
        let at = MaskSlot {
            index: self.slots.len(),
            offset: self.next,
            num_vars,
            degree,
            len,
        };
        self.next += len;
        self.slots.push(Slot {
            at,
            kind,
            claim: None,
        });
        Ok(at)
    }

    /// Slot `slot`'s place and kind.
    pub(crate) fn slot(&self, slot: usize) -> Result<(MaskSlot, &SlotKind), SumcheckError> {
        self.slots
            .get(slot)
            .map(|s| (s.at, &s.kind))
            .ok_or(SumcheckError::BadMaskSlot {
                slot,
                reason: "no mask was taken for this slot",
            })
    }

    /// Slot `slot`'s place, if it is a claim mask.
    pub(crate) fn claim_mask(&self, slot: usize) -> Result<MaskSlot, SumcheckError> {
        match self.slot(slot)? {
            (at, SlotKind::Raw) => Ok(at),
            _ => Err(SumcheckError::BadMaskSlot {
                slot,
                reason: "not a claim mask",
            }),
        }
    }

    /// Records a linear claim (its slots must exist and its weights fit them).
    pub(crate) fn record_linear(&mut self, claim: LinearClaim) -> Result<(), SumcheckError> {
        self.check_linear(&claim)?;
        self.linear.push(claim);
        Ok(())
    }

    /// Checks that a linear claim's slots exist and its weights fit them.
    pub(crate) fn check_linear(&self, claim: &LinearClaim) -> Result<(), SumcheckError> {
        for (slot, w) in &claim.terms {
            let (at, _) = self.slot(*slot)?;
            if w.len() != at.len {
                return Err(SumcheckError::WrongEvalCount {
                    expected: at.len,
                    got: w.len(),
                });
            }
        }
        Ok(())
    }

    /// Records slot `slot`'s claim `g(point) = value`; returns the slot.
    pub(crate) fn record(
        &mut self,
        slot: usize,
        claim: MaskClaim,
    ) -> Result<MaskSlot, SumcheckError> {
        let s = self.slots.get_mut(slot).ok_or(SumcheckError::BadMaskSlot {
            slot,
            reason: "no mask was taken for this slot",
        })?;
        if s.claim.is_some() {
            return Err(SumcheckError::BadMaskSlot {
                slot,
                reason: "its claim was already recorded",
            });
        }
        if s.kind == SlotKind::Raw {
            return Err(SumcheckError::BadMaskSlot {
                slot,
                reason: "a claim mask has no Libra claim (use a linear claim)",
            });
        }
        if claim.point.len() != s.at.num_vars {
            return Err(SumcheckError::WrongPointLength {
                index: slot,
                expected: s.at.num_vars,
                got: claim.point.len(),
            });
        }
        s.claim = Some(claim);
        Ok(s.at)
    }

    /// Absorbs the shapes and claims, draws `λ`, and returns `(W, Σ_j λ^j v_j)`.
    pub(crate) fn combine(
        &self,
        transcript: &mut Transcript,
    ) -> Result<(Vec<EF>, EF), SumcheckError> {
        let mut claims = Vec::with_capacity(self.slots.len());
        for (slot, s) in self.slots.iter().enumerate() {
            let SlotKind::Libra(degrees) = &s.kind else {
                continue;
            };
            let claim = s.claim.as_ref().ok_or(SumcheckError::BadMaskSlot {
                slot,
                reason: "its mask claim was never recorded",
            })?;
            claims.push((s.at, degrees, claim));
        }
        // The pool's shape (fixed by the key and the proof's structure) as one byte string of
        // zigzag varints: the size, the claim and slot counts, per slot its kind and dimensions
        // (a Libra mask: 0, variables, degree, then its per-variable degrees when they differ,
        // count first; a claim mask: 1, length), then the linear claims' terms (slot, length).
        // Every list is count-prefixed, so the encoding is injective. (Until proof format 15
        // each number was a labelled absorb of its own: ≈ 290 hashed bytes per slot, 6% of
        // GPT-2 124M's verification.)
        let mut shape: Vec<i64> = vec![
            self.layout.size as i64,
            claims.len() as i64,
            self.slots.len() as i64,
        ];
        for s in &self.slots {
            match &s.kind {
                SlotKind::Libra(degrees) => {
                    shape.extend([0, s.at.num_vars as i64, s.at.degree as i64]);
                    if degrees.iter().any(|&d| d != s.at.degree) {
                        shape.push(degrees.len() as i64);
                        shape.extend(degrees.iter().map(|&d| d as i64));
                    } else {
                        shape.push(0);
                    }
                }
                SlotKind::Raw => shape.extend([1, s.at.len as i64]),
            }
        }
        shape.push(self.linear.len() as i64);
        for l in &self.linear {
            shape.push(l.terms.len() as i64);
            for (slot, w) in &l.terms {
                shape.extend([*slot as i64, w.len() as i64]);
            }
        }
        transcript.absorb_ints(labels::POOL_SHAPE, &shape);
        let values: Vec<EF> = claims.iter().map(|(_, _, c)| c.value).collect();
        transcript.absorb_exts(labels::POOL_VALUES, &values);
        if !self.linear.is_empty() {
            let weights: Vec<EF> = self
                .linear
                .iter()
                .flat_map(|l| l.terms.iter().flat_map(|(_, w)| w.iter().copied()))
                .collect();
            transcript.absorb_exts(labels::POOL_LINEAR, &weights);
            let values: Vec<EF> = self.linear.iter().map(|l| l.value).collect();
            transcript.absorb_exts(labels::POOL_LINEAR, &values);
        }
        let lambda = transcript.challenge(labels::POOL_LAMBDA);
        let mut weights = vec![EF::ZERO; self.layout.size];
        let mut sum = EF::ZERO;
        let mut scales = lambda.powers();
        for (at, degrees, claim) in &claims {
            let scale = scales.next().unwrap_or_default();
            sum += scale * claim.value;
            let w = if degrees.iter().all(|&d| d == at.degree) {
                mask_weights(at.degree, &claim.point)
            } else {
                mask_weights_per_var(degrees, &claim.point)
            };
            for (dst, x) in weights.iter_mut().skip(at.offset).zip(w) {
                *dst = scale * x;
            }
        }
        for l in &self.linear {
            let scale = scales.next().unwrap_or_default();
            sum += scale * l.value;
            for (slot, w) in &l.terms {
                let (at, _) = self.slot(*slot)?;
                for (dst, &x) in weights.iter_mut().skip(at.offset).zip(w) {
                    *dst += scale * x;
                }
            }
        }
        Ok((weights, sum))
    }
}

/// The limb coordinate `ℓ* = u/(1 + u)` and `1/(1 + u)`: the column's MLE at `(p, ℓ*)` is
/// `c̃(p)/(1 + u)`.
fn limb_point() -> (EF, EF) {
    let u = EF::from_basis_coefficients_fn(|i| if i == 1 { F::ONE } else { F::ZERO });
    let inv = (EF::ONE + u).inverse();
    (u * inv, inv)
}

/// The `bits` leading bits of `offset` (of a `vars`-bit index) as 0/1 coordinates.
fn prefix_bits(offset: usize, vars: usize, bits: usize) -> Vec<EF> {
    (0..bits)
        .map(|j| EF::from_usize((offset >> (vars - 1 - j)) & 1))
        .collect()
}

/// The three claims on the pool's column: `c̃(z) = pool_eval`, `c̃_h(s) = inner_eval` and
/// `D(s) = dense_value`, as multilinear claims at `(·, ℓ*)`.
pub(crate) fn pool_claims(
    layout: &Layout,
    z: &[EF],
    pool_eval: EF,
    s: &[EF],
    inner_eval: EF,
    dense_value: EF,
) -> Result<Vec<PoolClaim>, SumcheckError> {
    let (limb, inv) = limb_point();
    let (q, scale) = lift_point(s)?;
    let (k, m) = (layout.vars, layout.inner_vars);
    let claim = |mut point: Vec<EF>, value: EF| {
        point.push(limb);
        PoolClaim {
            column: 0,
            point,
            value: value * inv,
        }
    };
    let mut h_point = prefix_bits(layout.h_offset, k, k - m);
    h_point.extend_from_slice(s);
    let mut d_point = prefix_bits(layout.dense_offset, k, k - 2 * m);
    d_point.extend(q);
    Ok(vec![
        claim(z.to_vec(), pool_eval),
        claim(h_point, inner_eval),
        claim(d_point, dense_value * scale.inverse()),
    ])
}

/// The pool's entries as one base-field column: limbs interleaved.
pub(crate) fn to_column(entries: &[EF]) -> Vec<F> {
    entries
        .iter()
        .flat_map(|e| e.as_basis_coefficients_slice().to_vec())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_sizes() {
        assert_eq!(Layout::minimum(), 1 << 13);
        let l = Layout::new(1 << 13).unwrap();
        assert_eq!((l.vars, l.inner_vars), (13, 6));
        assert_eq!(l.dense_offset, (1 << 13) - 4096);
        assert_eq!(l.h_offset, l.dense_offset - 64);
        assert_eq!(l.capacity, l.h_offset - 1);
        assert!(Layout::new(1 << 12).is_err());
        assert!(Layout::new(3 << 12).is_err());
        assert_eq!(Layout::size_for(0).unwrap(), 1 << 13);
        assert_eq!(Layout::size_for(l.capacity).unwrap(), 1 << 13);
        assert_eq!(Layout::size_for(l.capacity + 1).unwrap(), 1 << 14);
        // h's 3k coefficients and a free entry fit the h block for every k.
        for k in 13..40 {
            let l = Layout::new(1 << k).unwrap();
            assert!(3 * k < 1 << l.inner_vars);
        }
    }
}
