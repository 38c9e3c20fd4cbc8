//! Small helpers every op uses: field conversion, points, product terms, range checks, and the
//! checked access to the plan's and the witness's tables that turns a key that does not fit
//! its graph into an error instead of a panic.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

use zkinfer_field::{EF, F, PrimeCharacteristicRing, from_signed};
use zkinfer_sumcheck::Term;

use crate::error::{ProveError, VerifyError};
use crate::ir::Node;
use crate::layout::Layout;
use crate::plan::Plan;

/// Largest magnitude of a linear op's output: every relation stays inside the field's signed
/// range (DESIGN §4).
pub const OUT_BOUND: i128 = zkinfer_field::FIELD_SAFE_BOUND;

/// The MLE of stored integers at `point`.
pub fn mle(values: &[i64], point: &[EF]) -> EF {
    zkinfer_poly::evaluate_mapped(values, from_signed, point)
}

/// Stored integers as base-field elements.
#[must_use]
pub fn to_field(values: &[i64]) -> Vec<F> {
    values.iter().map(|&v| from_signed(v)).collect()
}

/// The Boolean point of index `i` over `n` variables (big-endian).
#[must_use]
pub fn bits(i: usize, n: usize) -> Vec<EF> {
    (0..n)
        .map(|k| {
            if (i >> (n - 1 - k)) & 1 == 1 {
                EF::ONE
            } else {
                EF::ZERO
            }
        })
        .collect()
}

/// The masks with their coefficients negated (a masked claim subtracted from a statement).
#[must_use]
pub fn negated(masks: &[zkinfer_sumcheck::ClaimMask]) -> Vec<zkinfer_sumcheck::ClaimMask> {
    masks
        .iter()
        .map(|m| zkinfer_sumcheck::ClaimMask {
            slot: m.slot,
            coeff: -m.coeff,
        })
        .collect()
}

/// The indices `i` with `flags[i]`: a masked sumcheck's private columns.
#[must_use]
pub fn private_columns(flags: &[bool]) -> Vec<usize> {
    flags
        .iter()
        .enumerate()
        .filter_map(|(i, &f)| f.then_some(i))
        .collect()
}

/// `a ‖ b`.
#[must_use]
pub fn cat(a: &[EF], b: &[EF]) -> Vec<EF> {
    let mut v = a.to_vec();
    v.extend_from_slice(b);
    v
}

/// The one term `Π_{i<k} column_i` of a product sumcheck.
#[must_use]
pub fn product_term(k: usize) -> [Term; 1] {
    [Term::new(EF::ONE, (0..k).collect())]
}

/// Each row of `values` (rows of `row_len`) dotted with `eq`: `r ↦ Σ_j eq_j·values[r][j]`, the
/// column's multilinear extension bound at `eq`'s point on its low variables.
#[must_use]
pub fn rows_dot(values: &[i64], row_len: usize, eq: &[EF]) -> Vec<EF> {
    values
        .chunks_exact(row_len.max(1))
        .map(|row| row.iter().zip(eq).map(|(&v, &e)| e * from_signed(v)).sum())
        .collect()
}

/// `column_0 · column_1`.
#[must_use]
pub fn prod2() -> [Term; 1] {
    product_term(2)
}

/// `v` as an `i64` if it lies in `[lo, hi]`, else [`ProveError::OutOfRange`] naming the layer.
///
/// # Errors
/// If `v` is outside `[lo, hi]` or does not fit an `i64`.
pub fn checked(layer: &str, v: i128, lo: i128, hi: i128) -> Result<i64, ProveError> {
    let out = || ProveError::OutOfRange {
        layer: layer.to_string(),
        value: v,
        lo,
        hi,
    };
    if v < lo || v > hi {
        return Err(out());
    }
    i64::try_from(v).map_err(|_| out())
}

/// `v` checked to `±`[`OUT_BOUND`] (a linear op's output).
///
/// # Errors
/// [`ProveError::OutOfRange`].
pub fn fit(layer: &str, v: i128) -> Result<i64, ProveError> {
    checked(layer, v, -OUT_BOUND, OUT_BOUND)
}

/// `x · w (+ bias)` for `x` `[m, k]` and `w` `[k, n]` (row-major), by `zkinfer-model`'s matmul
/// kernel over `i128`, each value checked to the field-safe bound: the one matmul, for the padded
/// positions a witness needs beyond the interpreter's trace.
///
/// # Errors
/// Operands of the wrong sizes, or a value past the field-safe bound.
pub fn matmul_rows(
    at: &str,
    x: &[i64],
    k: usize,
    w: &[i64],
    n: usize,
    bias: Option<&[i64]>,
) -> Result<Vec<i64>, ProveError> {
    if k == 0 || !x.len().is_multiple_of(k) || w.len() != k * n {
        return Err(key_mismatch(at, "matmul operand sizes"));
    }
    let m = x.len() / k;
    if m == 0 {
        return Ok(Vec::new());
    }
    let wide = |v: &[i64]| v.iter().map(|&v| i128::from(v)).collect::<Vec<_>>();
    let y = zkinfer_model::kernels::matmul(&wide(x), m, k, &wide(w), n);
    y.iter()
        .enumerate()
        .map(|(i, &v)| {
            let b = bias.and_then(|b| b.get(i % n.max(1))).copied().unwrap_or(0);
            fit(at, v + i128::from(b))
        })
        .collect()
}

/// The error of a prover whose key's plan does not fit its graph (a corrupted or foreign key).
#[must_use]
pub fn key_mismatch(node: &str, what: &str) -> ProveError {
    ProveError::key_mismatch(node, what)
}

/// The verifier's error for a verifying key whose plan does not fit its graph.
#[must_use]
pub fn vk_mismatch(node: &str) -> VerifyError {
    VerifyError::plan_mismatch(node, "the node's plan does not fit its op or tensors")
}

/// `s[i]`, or the prover's key-mismatch error naming `what`.
///
/// # Errors
/// If `i` is out of range.
pub fn get<'s, T>(s: &'s [T], i: usize, node: &str, what: &str) -> Result<&'s T, ProveError> {
    s.get(i).ok_or_else(|| key_mismatch(node, what))
}

/// Input `i` of a node (prover side).
///
/// # Errors
/// If the node has fewer inputs.
pub fn input(node: &Node, i: usize) -> Result<usize, ProveError> {
    get(&node.inputs, i, &node.name, "input").copied()
}

/// Input `i` of a node (verifier side).
///
/// # Errors
/// If the node has fewer inputs.
pub fn input_v(node: &Node, i: usize) -> Result<usize, VerifyError> {
    node.inputs
        .get(i)
        .copied()
        .ok_or_else(|| vk_mismatch(&node.name))
}

/// The layout of tensor `t` (prover side).
///
/// # Errors
/// If the plan has no such tensor.
pub fn layout<'p>(plan: &'p Plan, t: usize, node: &str) -> Result<&'p Layout, ProveError> {
    get(&plan.layouts, t, node, "tensor layout")
}

/// The layout of tensor `t` (verifier side).
///
/// # Errors
/// If the plan has no such tensor.
pub fn layout_v<'p>(plan: &'p Plan, t: usize, node: &str) -> Result<&'p Layout, VerifyError> {
    plan.layouts.get(t).ok_or_else(|| vk_mismatch(node))
}

/// The first `n` values of a message, exactly `n` of them (verifier side).
///
/// # Errors
/// If the message is shorter.
pub fn take<const N: usize>(m: &[EF], node: &str) -> Result<[EF; N], VerifyError> {
    m.get(..N)
        .and_then(|s| <[EF; N]>::try_from(s).ok())
        .ok_or_else(|| vk_mismatch(node))
}

/// The signed activation range `[-2^(A-1), 2^(A-1) − 1]` as integers.
#[must_use]
pub fn act_range(a: u32) -> (i128, i128) {
    let (lo, hi) = zkinfer_model::act_range(a);
    (i128::from(lo), i128::from(hi))
}

/// `ind_n(r) = Σ_{j<n} eq(r, j)`: the multilinear extension of `[j < n]` over `r.len()`
/// big-endian variables (1 when `n ≥ 2^len`).
pub fn ind(n: usize, r: &[EF]) -> EF {
    // Walk from the most significant variable: below the bit pattern of n, the rest is free.
    let k = r.len();
    if k < usize::BITS as usize && n >= (1usize << k) {
        return EF::ONE;
    }
    let mut acc = EF::ZERO;
    let mut prefix = EF::ONE;
    for (i, &ri) in r.iter().enumerate() {
        let shift = u32::try_from(k - 1 - i).unwrap_or(u32::MAX);
        let bit = n.checked_shr(shift).unwrap_or(0) & 1;
        if bit == 1 {
            // Positions with a 0 here (and the same higher bits) are all below n.
            acc += prefix * (EF::ONE - ri);
            prefix *= ri;
        } else {
            prefix *= EF::ONE - ri;
        }
    }
    acc
}
