//! Static checks: shapes, and the overflow analysis that bounds every tensor from bit widths and
//! the actual weights.

use super::{ConstTensor, QNode, QOp, QuantGraph};
use crate::error::{ModelError, Result};
use crate::kernels::Window;

/// Intermediates must stay below 2^FIELD_SAFE_BITS in absolute value (i64 arithmetic, and both
/// sides of every proof relation below p/2 for Goldilocks); function tables cover the whole
/// act_bits input domain, so they need `act_bits <= MAX_TABLE_BITS` (the lookup argument's
/// widest table). Both are defined once, in `zkinfer-field`.
pub use zkinfer_field::{FIELD_SAFE_BITS, MAX_TABLE_BITS};

/// Whether a division `q = ⌊a·2^shift / b⌋` keeps both sides of its proof relation
/// `a·2^shift = q·b + r` (`0 ≤ r < b`) below `2^FIELD_SAFE_BITS`, so that the field identity is
/// the integer one: `|a| < 2^dividend_bits`, the quotient `q` is range-checked to `act_bits`
/// signed bits (`|q| ≤ 2^(act_bits−1)`) and `1 ≤ b < 2^divisor_bits`.
///
/// - `|a·2^shift| < 2^(dividend_bits + shift)`: needs `dividend_bits + shift ≤ FIELD_SAFE_BITS`.
/// - `|q·b + r| ≤ 2^(act_bits−1)·(2^divisor_bits − 1) + 2^divisor_bits − 2 < 2^FIELD_SAFE_BITS`
///   when `act_bits + divisor_bits ≤ FIELD_SAFE_BITS` (and `act_bits ≥ 1`).
///
/// `dividend_bits` is the bit length of the dividend's bound (`bound < 2^dividend_bits`), so
/// the first condition is exactly `bound · 2^shift < 2^FIELD_SAFE_BITS`. The quantizer's
/// overflow analysis and the engine's compile step both call this one check.
#[must_use]
pub const fn div_fits_field(
    dividend_bits: u32,
    shift: u32,
    act_bits: u32,
    divisor_bits: u32,
) -> bool {
    divisor_bits >= 1
        && act_bits >= 1
        && dividend_bits.saturating_add(shift) <= FIELD_SAFE_BITS
        && act_bits.saturating_add(divisor_bits) <= FIELD_SAFE_BITS
}

/// Bit length of a bound (`bound < 2^bits`; 0 for 0).
pub const fn bit_len(bound: u128) -> u32 {
    u128::BITS - bound.leading_zeros()
}

/// The bound of a node's output given its inputs' bounds (saturating), per the op's semantics.
/// A `Slice` of a packed input that is one of its integer parts: the part's own bound (an
/// attention mask's 1, token ids' `vocab − 1`), which the interpreter checks on every input.
fn part_bound(g: &QuantGraph, node: &QNode) -> Option<u128> {
    let QOp::Slice {
        axis: 0,
        start,
        end,
        step: 1,
    } = node.op
    else {
        return None;
    };
    if node.inputs != [g.input] {
        return None;
    }
    let p = g
        .input_parts
        .iter()
        .find(|p| p.offset == start && p.offset + p.len() == end)?;
    match p.kind {
        crate::graph::InputKind::Mask => Some(1),
        crate::graph::InputKind::TokenIds { vocab } => Some(vocab.saturating_sub(1) as u128),
        crate::graph::InputKind::Float => None,
    }
}

pub(crate) fn op_bound(g: &QuantGraph, node: &QNode, inb: &[u128]) -> u128 {
    if let Some(b) = part_bound(g, node) {
        return b.min(inb.first().copied().unwrap_or(0));
    }
    let b0 = inb.first().copied().unwrap_or(0);
    let act = 1u128 << (g.act_bits - 1);
    let sabs = |c: &ConstTensor| u128::from(c.max_abs());
    match &node.op {
        QOp::MatMulConst { weight, bias } => {
            let (k, n) = (weight.shape[0], weight.shape[1]);
            (0..n)
                .map(|j| {
                    let s: u128 = (0..k)
                        .map(|i| u128::from(weight.data[i * n + j].unsigned_abs()))
                        .sum();
                    s.saturating_mul(b0).saturating_add(
                        bias.as_ref()
                            .map_or(0, |b| u128::from(b.data[j].unsigned_abs())),
                    )
                })
                .max()
                .unwrap_or(0)
        }
        QOp::Conv2d { weight, bias, .. } => {
            let per = weight.data.len() / weight.shape[0].max(1);
            (0..weight.shape[0])
                .map(|o| {
                    let s: u128 = weight.data[o * per..(o + 1) * per]
                        .iter()
                        .map(|v| u128::from(v.unsigned_abs()))
                        .sum();
                    s.saturating_mul(b0).saturating_add(
                        bias.as_ref()
                            .map_or(0, |b| u128::from(b.data[o].unsigned_abs())),
                    )
                })
                .max()
                .unwrap_or(0)
        }
        QOp::Add | QOp::Sub => b0.saturating_add(inb.get(1).copied().unwrap_or(0)),
        QOp::Mul => b0.saturating_mul(inb.get(1).copied().unwrap_or(0)),
        QOp::MatMul => {
            let k = g.tensors[node.inputs[0]].shape.last().copied().unwrap_or(0);
            b0.saturating_mul(inb.get(1).copied().unwrap_or(0))
                .saturating_mul(k as u128)
        }
        QOp::ArgMax => {
            let d = g.tensors[node.inputs[0]].shape.last().copied().unwrap_or(1);
            d.saturating_sub(1) as u128
        }
        // The quotient is checked against the act_bits range at run time.
        QOp::Div { .. } => act,
        QOp::Isqrt { in_bits } => {
            let top = (1u128 << (*in_bits).min(FIELD_SAFE_BITS)) - 1;
            u128::from(u64::try_from(b0.min(top)).unwrap_or(u64::MAX).isqrt())
        }
        QOp::AddConst { c } => b0.saturating_add(sabs(c)),
        QOp::MulConst { c } => b0.saturating_mul(u128::from(c.unsigned_abs())),
        QOp::MulConstTensor { c } => b0.saturating_mul(sabs(c)),
        QOp::SumPool { kernel, .. } => b0.saturating_mul((kernel[0] * kernel[1]) as u128),
        QOp::Sum { axes } => {
            let xs = &g.tensors[node.inputs[0]].shape;
            b0.saturating_mul(axes.iter().map(|&a| xs[a] as u128).product())
        }
        QOp::Embedding { table } => sabs(table),
        QOp::Reshape { .. }
        | QOp::Gather { .. }
        | QOp::ReduceMax
        | QOp::Transpose { .. }
        | QOp::Slice { .. }
        | QOp::Relu
        | QOp::MaxPool { .. } => b0,
        QOp::Concat { .. } => inb.iter().copied().max().unwrap_or(0),
        // |floor((x + 2^(s-1)) / 2^s)| <= floor((b + 2^(s-1)) / 2^s) for |x| <= b, and the
        // result is range-checked to act_bits.
        QOp::Rescale { shift } => {
            let s = (*shift).min(127);
            let half = if s == 0 { 0 } else { 1u128 << (s - 1) };
            act.min(b0.saturating_add(half) >> s)
        }
        QOp::Table {
            func,
            in_scale,
            out_scale,
        } => {
            let (lo, mut hi) = g.act_range();
            if nonpositive(g, node.inputs[0]) {
                hi = 0;
            }
            // Monotone or unimodal functions: the extremes are at the ends or at 0, but check all.
            (lo..=hi)
                .map(|q| u128::from(func.eval(q, *in_scale, *out_scale).unsigned_abs()))
                .max()
                .unwrap_or(0)
        }
    }
}

/// Whether tensor `t` is `Sub(h, ReduceMax(h))` (softmax's shifted scores): every entry ≤ 0,
/// so a table on it is only ever read at inputs ≤ 0.
fn nonpositive(g: &QuantGraph, t: usize) -> bool {
    let producer = |t: usize| g.nodes.iter().find(|n| n.output == t);
    producer(t).is_some_and(|sub| {
        matches!(sub.op, QOp::Sub)
            && sub.inputs.len() == 2
            && producer(sub.inputs[1]).is_some_and(|m| {
                matches!(m.op, QOp::ReduceMax) && m.inputs.first() == Some(&sub.inputs[0])
            })
    })
}

fn expect_shape(node: &QNode, got: &[usize], want: &[usize]) -> Result<()> {
    if got == want {
        Ok(())
    } else {
        Err(ModelError::invalid(
            &node.name,
            format!("output shape {got:?}, the op gives {want:?}"),
        ))
    }
}

fn check_const(node: &QNode, c: &ConstTensor, x: &[usize]) -> Result<()> {
    let ok = c.data.len() == c.shape.iter().product::<usize>()
        && c.shape.len() == x.len()
        && c.shape.iter().zip(x).all(|(&a, &b)| a == 1 || a == b);
    if ok {
        Ok(())
    } else {
        Err(ModelError::invalid(
            &node.name,
            format!("constant {:?} does not broadcast to {x:?}", c.shape),
        ))
    }
}

/// The output shape of `node` given its input shapes.
fn op_shape(node: &QNode, ins: &[&[usize]]) -> Result<Vec<usize>> {
    let x = ins[0];
    let bad = |m: &str| ModelError::invalid(&node.name, m.to_string());
    let numel = |s: &[usize]| s.iter().product::<usize>();
    let window = |kernel: [usize; 2], stride: [usize; 2], pad: [usize; 4], dilation: [usize; 2]| {
        if x.len() != 4 || x[0] != 1 {
            return Err(bad("window ops need a [1, c, h, w] input"));
        }
        Window {
            kernel,
            stride,
            pad,
            dilation,
        }
        .out_hw(x[2], x[3])
        .ok_or_else(|| bad("window does not fit"))
    };
    Ok(match &node.op {
        QOp::Embedding { table } => {
            if table.shape.is_empty() || table.data.len() != numel(&table.shape) {
                return Err(bad("embedding table is not [vocab, ..]"));
            }
            let mut s = x.to_vec();
            s.extend_from_slice(&table.shape[1..]);
            s
        }
        QOp::Gather { axis, indices } => {
            if *axis >= x.len() || indices.iter().any(|&j| j >= x[*axis]) {
                return Err(bad("gather axis or index out of range"));
            }
            let mut s = x.to_vec();
            s[*axis] = indices.len();
            s
        }
        QOp::MatMul => {
            let r = x.len();
            let ok = ins.len() == 2
                && r >= 2
                && ins[1].len() == r
                && ins[1][..r - 2] == x[..r - 2]
                && ins[1][r - 2] == x[r - 1];
            if !ok {
                return Err(bad(
                    "matmul needs a [.., m, k] and b [.., k, n] with equal batch axes",
                ));
            }
            let mut s = x.to_vec();
            s[r - 1] = ins[1][r - 1];
            s
        }
        QOp::ReduceMax | QOp::ArgMax => {
            let Some(last) = x.len().checked_sub(1).filter(|&l| x[l] > 0) else {
                return Err(bad("reduces a non-empty last axis"));
            };
            let mut s = x.to_vec();
            s[last] = 1;
            s
        }
        QOp::MatMulConst { weight, bias } => {
            let [k, n] = weight.shape[..] else {
                return Err(bad("matmul weight must be [k, n]"));
            };
            let ok = weight.data.len() == k * n
                && x.len() == 2
                && x[1] == k
                && bias.as_ref().is_none_or(|b| b.data.len() == n);
            if !ok {
                return Err(bad("matmul shapes"));
            }
            vec![x[0], n]
        }
        QOp::Conv2d {
            weight,
            bias,
            stride,
            pad,
            dilation,
            groups,
        } => {
            let w = &weight.shape;
            let ok = w.len() == 4
                && weight.data.len() == numel(w)
                && *groups > 0
                && x.len() == 4
                && x[1] == w[1] * groups
                && w[0] % groups == 0
                && bias.as_ref().is_none_or(|b| b.data.len() == w[0]);
            if !ok {
                return Err(bad("conv shapes"));
            }
            let [oh, ow] = window([w[2], w[3]], *stride, *pad, *dilation)?;
            vec![1, w[0], oh, ow]
        }
        QOp::Add | QOp::Sub | QOp::Mul | QOp::Div { .. } => {
            let ok = ins.len() == 2
                && ins[1].len() == x.len()
                && ins[1].iter().zip(x).all(|(&b, &a)| b == 1 || b == a);
            if !ok {
                return Err(bad("the second operand does not broadcast to the first"));
            }
            x.to_vec()
        }
        QOp::AddConst { c } | QOp::MulConstTensor { c } => {
            check_const(node, c, x)?;
            x.to_vec()
        }
        QOp::MulConst { .. }
        | QOp::Rescale { .. }
        | QOp::Relu
        | QOp::Table { .. }
        | QOp::Isqrt { .. } => x.to_vec(),
        QOp::SumPool {
            kernel,
            stride,
            pad,
        }
        | QOp::MaxPool {
            kernel,
            stride,
            pad,
        } => {
            let [oh, ow] = window(*kernel, *stride, *pad, [1, 1])?;
            vec![1, x[1], oh, ow]
        }
        QOp::Sum { axes } => {
            if axes.iter().any(|&a| a >= x.len()) {
                return Err(bad("axis out of range"));
            }
            x.iter()
                .enumerate()
                .map(|(i, &d)| if axes.contains(&i) { 1 } else { d })
                .collect()
        }
        QOp::Reshape { shape } => {
            if numel(shape) != numel(x) {
                return Err(bad("reshape changes the element count"));
            }
            shape.clone()
        }
        QOp::Transpose { perm } => {
            let mut seen = perm.clone();
            seen.sort_unstable();
            if seen != (0..x.len()).collect::<Vec<_>>() {
                return Err(bad("not a permutation"));
            }
            perm.iter().map(|&p| x[p]).collect()
        }
        QOp::Slice {
            axis,
            start,
            end,
            step,
        } => {
            if *axis >= x.len() || *step == 0 || start > end || *end > x[*axis] {
                return Err(bad("slice out of range"));
            }
            let mut s = x.to_vec();
            s[*axis] = (end - start).div_ceil(*step);
            s
        }
        QOp::Concat { axis } => {
            let mut s = x.to_vec();
            if *axis >= s.len() {
                return Err(bad("axis out of range"));
            }
            s[*axis] = 0;
            for i in ins {
                let same = i.len() == x.len()
                    && i.iter()
                        .zip(x)
                        .enumerate()
                        .all(|(a, (p, q))| a == *axis || p == q);
                if !same {
                    return Err(bad("concat shapes"));
                }
                s[*axis] += i[*axis];
            }
            s
        }
    })
}

impl QuantGraph {
    /// Static checks: ids in range, topological order, shapes, that every stored bound covers the
    /// overflow analysis, that no bound reaches 2^62, and that every input of a non-linear op fits
    /// `act_bits`.
    ///
    /// # Errors
    /// [`ModelError::Invalid`] for a malformed graph, [`ModelError::Overflow`] naming the layer.
    pub fn validate(&self) -> Result<()> {
        self.check(true)
    }

    /// [`QuantGraph::validate`]; with `tables = false` a table's stored output bound is trusted
    /// (the interpreter checks every value against it at run time) instead of re-evaluating the
    /// whole table.
    pub(crate) fn check(&self, tables: bool) -> Result<()> {
        if !crate::quant::BITS.contains(&self.act_bits)
            || !crate::quant::BITS.contains(&self.weight_bits)
        {
            return Err(ModelError::Config(
                "act_bits and weight_bits must lie in 2..=32".into(),
            ));
        }
        let nt = self.tensors.len();
        let mut ready = vec![false; nt];
        if self.input >= nt || self.output >= nt {
            return Err(ModelError::invalid("graph", "input/output id out of range"));
        }
        ready[self.input] = true;
        let act = 1u128 << (self.act_bits - 1);
        for node in &self.nodes {
            if node.inputs.is_empty()
                || node.output >= nt
                || ready[node.output]
                || node.inputs.iter().any(|&i| i >= nt || !ready[i])
            {
                return Err(ModelError::invalid(
                    &node.name,
                    "inputs not yet computed, bad ids, or output written twice",
                ));
            }
            let ins: Vec<&[usize]> = node
                .inputs
                .iter()
                .map(|&i| self.tensors[i].shape.as_slice())
                .collect();
            let out = &self.tensors[node.output];
            expect_shape(node, &out.shape, &op_shape(node, &ins)?)?;
            let inb: Vec<u128> = node
                .inputs
                .iter()
                .map(|&i| u128::from(self.tensors[i].bound))
                .collect();
            // Non-linear ops take act_bits inputs, except Rescale (which narrows), Div (its
            // dividend is bounded below through `shift`) and Isqrt (bounded by `in_bits`).
            let wide_input = matches!(
                node.op,
                QOp::Rescale { .. } | QOp::Div { .. } | QOp::Isqrt { .. }
            );
            if !node.op.is_linear() && inb[0] > act && !wide_input {
                return Err(ModelError::invalid(
                    &node.name,
                    format!("input bound {} exceeds act_bits {}", inb[0], self.act_bits),
                ));
            }
            if let QOp::Rescale { shift } = node.op
                && shift >= FIELD_SAFE_BITS
            {
                return Err(ModelError::invalid(&node.name, "rescale shift too large"));
            }
            match node.op {
                QOp::Div {
                    shift,
                    divisor_bits,
                } => {
                    let scaled = inb[0]
                        .checked_shl(shift)
                        .filter(|_| shift < FIELD_SAFE_BITS);
                    if !div_fits_field(bit_len(inb[0]), shift, self.act_bits, divisor_bits) {
                        return Err(ModelError::Overflow {
                            layer: node.name.clone(),
                            tensor: self.tensors[node.inputs[0]].name.clone(),
                            bound: scaled.unwrap_or(u128::MAX),
                            limit_bits: FIELD_SAFE_BITS,
                        });
                    }
                }
                QOp::Isqrt { in_bits } if in_bits == 0 || in_bits > FIELD_SAFE_BITS => {
                    return Err(ModelError::invalid(
                        &node.name,
                        format!("isqrt in_bits {in_bits} must lie in 1..={FIELD_SAFE_BITS}"),
                    ));
                }
                _ => {}
            }
            if matches!(node.op, QOp::Table { .. }) && self.act_bits > MAX_TABLE_BITS {
                return Err(ModelError::Config(format!(
                    "layer `{}`: tables need act_bits <= {MAX_TABLE_BITS}, got {}",
                    node.name, self.act_bits
                )));
            }
            let b = if !tables && matches!(node.op, QOp::Table { .. }) {
                u128::from(out.bound)
            } else {
                op_bound(self, node, &inb)
            };
            if b >= 1u128 << FIELD_SAFE_BITS {
                return Err(ModelError::Overflow {
                    layer: node.name.clone(),
                    tensor: out.name.clone(),
                    bound: b,
                    limit_bits: FIELD_SAFE_BITS,
                });
            }
            if u128::from(out.bound) < b {
                return Err(ModelError::invalid(
                    &node.name,
                    format!("stored bound {} below the analysed bound {b}", out.bound),
                ));
            }
            ready[node.output] = true;
        }
        if !ready[self.output] {
            return Err(ModelError::invalid("graph", "the output is never computed"));
        }
        Ok(())
    }
}
