//! The composite non-linear gadgets of transformers, one module each with its soundness
//! argument at the top: [`reduce_max`], [`argmax`], [`div`], [`isqrt`]. Each commits its output
//! and a few helper columns (range-checked by the batched lookups of [`crate::lookups`] through
//! [`LookupWitness::Column`](crate::plan::LookupWitness)) and proves, at node time, the
//! polynomial identities that tie them to the inputs.
//!
//! Padded positions of an input hold arbitrary values (a table's output at 0, a bias row), so
//! every identity is multiplied by the validity indicator `valid(z)` of the padded layout, whose
//! multilinear extension the verifier evaluates itself ([`valid_eval`]).
//!
//! Zero knowledge (issue 13, docs/ZK.md §12): every gadget sumcheck is a masked one
//! ([`crate::channel::Channel::prove_sumcheck_zr`]) whose private columns (the input, the output
//! and the helper columns when the input or the output is private) are reported masked, and the
//! values sent without a sumcheck go through [`crate::context::ProverCtx::send_value`]; where
//! the verifier used to check a linear relation on sent values (arg-max's row sums, a wide
//! root's limbs, reduce-max's padded row values), one value is derived instead of sent.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

pub mod argmax;
pub mod div;
pub mod isqrt;
pub mod reduce_max;

use zkinfer_field::{EF, F, PrimeCharacteristicRing, from_signed, pow2};
use zkinfer_poly::eq_table;
use zkinfer_sumcheck::Column;

use super::api::ProverCtx;
use super::util::{act_range, checked, ind, key_mismatch, to_field};
use crate::context::WitnessCtx;
use crate::error::{CompileError, ProveError};
use crate::ir::Node;
use crate::layout::Layout;
use crate::plan::Limbs;
use crate::planner::Planner;

/// The multilinear extension of a padded layout's validity (every axis index below its logical
/// size) at `point`, or `None` if the point has the wrong length.
#[must_use]
pub fn valid_eval(l: &Layout, point: &[EF]) -> Option<EF> {
    let mut off = 0;
    let mut acc = EF::ONE;
    for (&n, nv) in l.logical.iter().zip(l.axis_vars()) {
        acc *= ind(n, point.get(off..off + nv)?);
        off += nv;
    }
    (off == point.len()).then_some(acc)
}

/// Validity of every stored position of a layout.
#[must_use]
pub fn valid_mask(l: &Layout) -> Vec<bool> {
    let mut m = vec![false; l.size()];
    for s in l.logical_to_stored() {
        if let Some(v) = m.get_mut(s) {
            *v = true;
        }
    }
    m
}

pub(crate) fn mask_field(m: &[bool]) -> Vec<F> {
    m.iter()
        .map(|&b| if b { F::ONE } else { F::ZERO })
        .collect()
}

/// `Σ_l 2^(16l)·v_l`: a limbed value from its limbs' evaluations.
pub fn limb_value(vals: &[EF]) -> EF {
    vals.iter()
        .enumerate()
        .map(|(l, &v)| v * pow2(16 * u32::try_from(l).unwrap_or(0)))
        .sum()
}

/// Splits `v ∈ [0, 2^Σbits)` into limbs of the given widths, least significant first.
#[must_use]
pub fn split_limbs(v: i128, bits: &[u32]) -> Vec<i64> {
    let mut r = v;
    bits.iter()
        .map(|&b| {
            let l = i64::try_from(r & ((1i128 << b) - 1)).unwrap_or_default();
            r >>= b;
            l
        })
        .collect()
}

/// `2^k` in the extension field.
pub(crate) fn p2(k: u32) -> EF {
    EF::from(pow2(k))
}

/// `2^(16l)`: the weight of limb `l`.
pub(crate) fn limb_weight(l: usize) -> EF {
    p2(16 * u32::try_from(l).unwrap_or(0))
}

/// The limb columns of a witness as sumcheck columns.
pub(crate) fn limb_cols(
    cx: &ProverCtx<'_>,
    l: &Limbs,
    at: &str,
) -> Result<Vec<Column>, ProveError> {
    l.columns
        .iter()
        .map(|&c| Ok(Column::Base(to_field(cx.wit.column(c, at)?))))
        .collect()
}

/// `D̃(s, j)` for every `j` of the last axis: the rows folded at `s`.
pub(crate) fn fold_rows(d: &[i64], s: &[EF], npad: usize) -> Vec<EF> {
    let e = eq_table(s);
    let mut out = vec![EF::ZERO; npad];
    for (&ei, row) in e.iter().zip(d.chunks_exact(npad.max(1))) {
        for (o, &v) in out.iter_mut().zip(row) {
            *o += ei * from_signed(v);
        }
    }
    out
}

/// `(n, npad, row variables, last-axis variables)` of a last-axis reduction's input.
#[must_use]
pub fn last_axis(l: &Layout) -> Option<(usize, usize, usize, usize)> {
    let n = *l.logical.last()?;
    let npad = *l.padded.last()?;
    let nj = npad.trailing_zeros() as usize;
    Some((n, npad, l.num_vars().checked_sub(nj)?, nj))
}

/// The input layout of a last-axis reduction, checked to keep the tensor's last axis, and the
/// output layout (the last axis of size 1).
pub(crate) fn plan_last_axis(
    p: &Planner<'_>,
    node: &Node,
) -> Result<(Layout, Layout), CompileError> {
    let out_shape = p.out_shape(node)?;
    let x = p.layout(node, 0)?;
    let shape = p.shape(node, 0)?;
    let (Some(&n), Some(&ln)) = (shape.last(), x.logical.last()) else {
        return Err(Planner::err(node, "input has no axes"));
    };
    if n != ln || n == 0 {
        return Err(Planner::err(
            node,
            format!(
                "the input's stored layout {:?} does not keep its last axis {n} (reduce before the reshape, or reshape so the last axis stays)",
                x.logical
            ),
        ));
    }
    let mut want = shape;
    if let Some(l) = want.last_mut() {
        *l = 1;
    }
    if want != out_shape {
        return Err(Planner::err(
            node,
            format!("output shape {out_shape:?} is not {want:?} (the last axis kept as 1)"),
        ));
    }
    let mut out = x.clone();
    if let (Some(l), Some(p)) = (out.logical.last_mut(), out.padded.last_mut()) {
        *l = 1;
        *p = 1;
    }
    Ok((x, out))
}

/// `D = (m − x)·valid` for the maximum `m` of each stored row (last axis) of a table with layout
/// `xl`, `maxima` one per stored row (0 on padded rows). Every valid value is checked to the
/// activation range, and each row's `m` to be the maximum of its valid values (else the trace
/// does not fit: an error at tensor `out`, that row).
///
/// # Errors
/// [`ProveError::OutOfRange`], [`ProveError::TraceMismatch`], or sizes that do not fit.
pub(crate) fn max_gaps(
    cx: &WitnessCtx<'_>,
    node: &Node,
    xv: &[i64],
    xl: &Layout,
    maxima: &[i64],
) -> Result<Vec<i64>, ProveError> {
    let at = node.name.as_str();
    let (lo, hi) = act_range(cx.graph.act_bits);
    let npad = xl.padded.last().copied().unwrap_or(1).max(1);
    if maxima.len() * npad != xv.len() {
        return Err(key_mismatch(at, "row count"));
    }
    let valid = valid_mask(xl);
    let mut d = vec![0i64; xv.len()];
    for (r, (((xrow, vrow), drow), &m)) in xv
        .chunks_exact(npad)
        .zip(valid.chunks_exact(npad))
        .zip(d.chunks_exact_mut(npad))
        .zip(maxima)
        .enumerate()
    {
        // A padded row has no element to reach.
        let mut reached = !vrow.contains(&true);
        for ((dz, &xz), _) in drow.iter_mut().zip(xrow).zip(vrow).filter(|(_, ok)| **ok) {
            let xz = checked(at, i128::from(xz), lo, hi)?;
            let gap = i128::from(m) - i128::from(xz);
            reached |= gap == 0;
            *dz = i64::try_from(gap)
                .ok()
                .filter(|g| *g >= 0)
                .ok_or_else(|| cx.mismatch(node.output, r))?;
        }
        if !reached {
            return Err(cx.mismatch(node.output, r));
        }
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::bits;
    use zkinfer_poly::eq_eval;

    fn point(seed: u64, n: usize) -> Vec<EF> {
        let mut rng = crate::testing::Rng::new(seed);
        (0..n)
            .map(|_| EF::from_u64(rng.next_u64() >> 1) * EF::from_u64(rng.next_u64() >> 3))
            .collect()
    }

    #[test]
    fn ind_is_the_mle_of_the_prefix_indicator() {
        for k in 0..5 {
            let r = point(k as u64, k);
            for n in 0..=(1usize << k) + 1 {
                let want: EF = (0..n.min(1 << k)).map(|j| eq_eval(&r, &bits(j, k))).sum();
                assert_eq!(ind(n, &r), want, "k = {k}, n = {n}");
            }
        }
    }

    #[test]
    fn valid_eval_matches_the_mask() {
        let l = Layout::natural(&[3, 5, 2]);
        let r = point(9, l.num_vars());
        let mask = mask_field(&valid_mask(&l));
        assert_eq!(valid_eval(&l, &r), Some(zkinfer_poly::evaluate(&mask, &r)));
        assert_eq!(valid_eval(&l, &r[1..]), None);
    }

    #[test]
    fn limbs_split_and_recombine() {
        let v = (1i128 << 40) + 12345;
        let l = split_limbs(v, &[16, 16, 9]);
        let e: Vec<EF> = l.iter().map(|&x| EF::from_u64(x as u64)).collect();
        assert_eq!(limb_value(&e), EF::from_u64(v as u64));
        assert!(l.iter().all(|&x| (0..1 << 16).contains(&x)));
    }
}
