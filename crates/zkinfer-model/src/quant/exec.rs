//! The integer interpreter: executes a [`QuantGraph`] exactly and returns the whole trace
//! (the prover's witness).

use serde::{Deserialize, Serialize};

use super::{ConstTensor, QNode, QOp, QuantGraph, round_away};
use crate::error::{ModelError, Result};
use crate::kernels::{self, Window};

/// Every tensor's values, indexed by [`crate::TensorId`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trace {
    /// `values[t]` is tensor `t`, row-major.
    pub values: Vec<Vec<i64>>,
}

impl QuantGraph {
    /// Quantizes a float input at the input scale: `q = round(x · 2^s)` (ties away from zero).
    /// Token ids ([`crate::InputKind::TokenIds`]) are not quantized: each must be a whole number
    /// inside the vocabulary ([`crate::token_ids`]).
    ///
    /// # Errors
    /// Wrong length, NaN/inf, or a value outside the act_bits range (for token ids: a fraction
    /// or an id outside the vocabulary).
    pub fn quantize_input(&self, x: &[f32]) -> Result<Vec<i64>> {
        let t = &self.tensors[self.input];
        let n: usize = t.shape.iter().product();
        if x.len() != n {
            return Err(ModelError::InputLength {
                name: t.name.clone(),
                expected: n,
                got: x.len(),
            });
        }
        if !self.input_parts.is_empty() {
            crate::input::check_parts(&self.input_parts, x)?;
            if self.input_kind != crate::graph::InputKind::Float {
                return Ok(x.iter().map(|&v| v as i64).collect());
            }
        } else if let crate::graph::InputKind::TokenIds { vocab } = self.input_kind {
            return crate::input::token_ids(&t.name, x, vocab);
        }
        let f = f64::from(t.scale).exp2();
        let (lo, hi) = self.act_range();
        x.iter()
            .enumerate()
            .map(|(index, &v)| {
                if !v.is_finite() {
                    return Err(ModelError::NonFinite {
                        name: t.name.clone(),
                        index,
                        value: v,
                    });
                }
                let q = round_away(f64::from(v) * f);
                if q < lo || q > hi {
                    return Err(ModelError::OutOfRange {
                        layer: "input".into(),
                        tensor: t.name.clone(),
                        index,
                        value: i128::from(q),
                        min: lo,
                        max: hi,
                    });
                }
                Ok(q)
            })
            .collect()
    }

    /// `q · 2^-scale` for tensor `t`.
    pub fn dequantize(&self, t: crate::TensorId, q: &[i64]) -> Vec<f32> {
        let f = (-f64::from(self.tensors[t].scale)).exp2();
        q.iter().map(|&v| (v as f64 * f) as f32).collect()
    }

    /// The output of a trace as floats.
    pub fn dequantize_output(&self, trace: &Trace) -> Vec<f32> {
        self.dequantize(self.output, &trace.values[self.output])
    }

    /// Executes the graph on a quantized input.
    ///
    /// # Errors
    /// [`ModelError::InputLength`], [`ModelError::OutOfRange`] when a value leaves its range
    /// (naming the layer) or its proven bound, or the static checks of [`QuantGraph::validate`]
    /// (shapes, topology, overflow analysis; table bounds are checked per value instead).
    pub fn execute(&self, input: &[i64]) -> Result<Trace> {
        self.check(false)?;
        let t = &self.tensors[self.input];
        let n: usize = t.shape.iter().product();
        if input.len() != n {
            return Err(ModelError::InputLength {
                name: t.name.clone(),
                expected: n,
                got: input.len(),
            });
        }
        if self.input_parts.is_empty() {
            self.check_whole_input(input)?;
        } else {
            for p in &self.input_parts {
                self.check_part(p, &input[p.offset..p.offset + p.len()])?;
            }
        }
        let mut values = vec![Vec::new(); self.tensors.len()];
        values[self.input] = input.to_vec();
        for node in &self.nodes {
            let y = self.exec_node(node, &values)?;
            let out = &self.tensors[node.output];
            if let Some((index, &v)) = y
                .iter()
                .enumerate()
                .find(|(_, v)| v.unsigned_abs() > out.bound)
            {
                return Err(ModelError::OutOfRange {
                    layer: node.name.clone(),
                    tensor: out.name.clone(),
                    index,
                    value: i128::from(v),
                    min: -(out.bound as i64),
                    max: out.bound as i64,
                });
            }
            values[node.output] = y;
        }
        Ok(Trace { values })
    }

    /// The input of a one-input model: in the activation range, or token ids in the vocabulary.
    fn check_whole_input(&self, input: &[i64]) -> Result<()> {
        let t = &self.tensors[self.input];
        match self.input_kind {
            crate::graph::InputKind::Float => self.check_range("input", self.input, input)?,
            crate::graph::InputKind::Mask => {}
            crate::graph::InputKind::TokenIds { vocab } => {
                if let Some((position, &id)) = input
                    .iter()
                    .enumerate()
                    .find(|(_, v)| !(0..vocab as i64).contains(v))
                {
                    return Err(ModelError::TokenId {
                        name: t.name.clone(),
                        position,
                        id: id as f64,
                        vocab,
                    });
                }
            }
        }
        Ok(())
    }

    /// One part of a packed input: floats in the activation range, token ids in their
    /// vocabulary, mask values 0 or 1 (errors name the part).
    fn check_part(&self, p: &crate::graph::InputPart, v: &[i64]) -> Result<()> {
        match p.kind {
            crate::graph::InputKind::Float => {
                let (lo, hi) = self.act_range();
                if let Some((index, &x)) = v.iter().enumerate().find(|(_, x)| **x < lo || **x > hi)
                {
                    return Err(ModelError::OutOfRange {
                        layer: "input".into(),
                        tensor: p.name.clone(),
                        index,
                        value: i128::from(x),
                        min: lo,
                        max: hi,
                    });
                }
            }
            crate::graph::InputKind::TokenIds { vocab } => {
                if let Some((position, &id)) = v
                    .iter()
                    .enumerate()
                    .find(|(_, x)| !(0..vocab as i64).contains(x))
                {
                    return Err(ModelError::TokenId {
                        name: p.name.clone(),
                        position,
                        id: id as f64,
                        vocab,
                    });
                }
            }
            crate::graph::InputKind::Mask => {
                if let Some(position) = v.iter().position(|&x| x != 0 && x != 1) {
                    return Err(ModelError::MaskValue {
                        name: p.name.clone(),
                        position,
                        value: v[position] as f32,
                    });
                }
            }
        }
        Ok(())
    }

    fn check_range(&self, layer: &str, t: crate::TensorId, v: &[i64]) -> Result<()> {
        let (lo, hi) = self.act_range();
        match v.iter().enumerate().find(|(_, x)| **x < lo || **x > hi) {
            Some((index, &x)) => Err(ModelError::OutOfRange {
                layer: layer.to_string(),
                tensor: self.tensors[t].name.clone(),
                index,
                value: i128::from(x),
                min: lo,
                max: hi,
            }),
            None => Ok(()),
        }
    }

    /// Runs one node of the interpreter on `values` (every tensor computed so far, indexed like
    /// [`QuantGraph::tensors`]): the node's output, with the run-time range checks of
    /// [`QuantGraph::execute`] (activation ranges, divisors, isqrt inputs) but neither its static
    /// checks nor the output's stored bound. The engine runs its own graphs through this (their
    /// shapes are checked by the engine's compile), so the integer semantics of every op is
    /// written once, here.
    ///
    /// # Errors
    /// [`ModelError::OutOfRange`] when a value leaves its range.
    ///
    /// # Panics
    /// If the node's tensors are missing from `values` or their shapes do not fit the op (the
    /// caller checks shapes first).
    pub fn execute_node(&self, node: &QNode, values: &[Vec<i64>]) -> Result<Vec<i64>> {
        self.exec_node(node, values)
    }

    fn exec_node(&self, node: &QNode, values: &[Vec<i64>]) -> Result<Vec<i64>> {
        let x = &values[node.inputs[0]];
        let xs = &self.tensors[node.inputs[0]].shape;
        let ys = &self.tensors[node.output].shape;
        let second = || &values[node.inputs[1]];
        let bs = || self.tensors[node.inputs[1]].shape.as_slice();
        Ok(match &node.op {
            QOp::Gather { axis, indices } => kernels::gather(x, xs, *axis, indices),
            QOp::Embedding { table } => {
                let vocab = table.shape.first().copied().unwrap_or(0);
                if let Some((position, &id)) = x
                    .iter()
                    .enumerate()
                    .find(|(_, v)| !(0..vocab as i64).contains(v))
                {
                    return Err(ModelError::TokenId {
                        name: self.tensors[node.inputs[0]].name.clone(),
                        position,
                        id: id as f64,
                        vocab,
                    });
                }
                kernels::embedding(x, &table.data, vocab)
            }
            QOp::MatMul => {
                let r = xs.len();
                let (m, k, n) = (xs[r - 2], xs[r - 1], ys[r - 1]);
                let batch: usize = xs[..r - 2].iter().product();
                kernels::batched_matmul(x, second(), batch, [m, k, n])
            }
            QOp::Mul => bcast2(x, xs, second(), bs(), |a, b| a * b),
            QOp::ReduceMax | QOp::ArgMax => {
                self.check_range(&node.name, node.inputs[0], x)?;
                let d = xs.last().copied().unwrap_or(1);
                if matches!(node.op, QOp::ReduceMax) {
                    kernels::last_axis(x, d, |l| l.iter().copied().max().unwrap_or(0))
                } else {
                    kernels::last_axis(x, d, |l| {
                        // The lowest index of the maximum.
                        l.iter()
                            .enumerate()
                            .fold(0usize, |b, (j, &v)| if v > l[b] { j } else { b })
                            as i64
                    })
                }
            }
            QOp::Div {
                shift,
                divisor_bits,
            } => {
                let (b, bs) = (second(), &self.tensors[node.inputs[1]].shape);
                let max = (1i64 << divisor_bits) - 1;
                if let Some((index, &v)) = b.iter().enumerate().find(|(_, v)| **v < 1 || **v > max)
                {
                    let masked = self
                        .input_parts
                        .iter()
                        .find(|p| p.kind == crate::graph::InputKind::Mask);
                    let softmax = self.tensors[node.inputs[1]].name.contains("/sum");
                    if let (0, true, Some(mask)) = (v, softmax, masked) {
                        // A masked softmax's denominator is zero only when a whole row is masked.
                        return Err(ModelError::Config(format!(
                            "layer `{}`: the divisor `{}` is 0 at index {index}: every key of a \
                             softmax row is masked; give at least one 1 in each row of `{}`",
                            node.name, self.tensors[node.inputs[1]].name, mask.name
                        )));
                    }
                    return Err(ModelError::OutOfRange {
                        layer: node.name.clone(),
                        tensor: format!("{} (divisor)", self.tensors[node.inputs[1]].name),
                        index,
                        value: i128::from(v),
                        min: 1,
                        max,
                    });
                }
                let idx = kernels::broadcast_indices(xs, bs);
                let y: Vec<i64> = x
                    .iter()
                    .zip(&idx)
                    .map(|(&a, &j)| {
                        let q = (i128::from(a) << shift).div_euclid(i128::from(b[j]));
                        i64::try_from(q).unwrap_or(if q < 0 { i64::MIN } else { i64::MAX })
                    })
                    .collect();
                self.check_range(&node.name, node.output, &y)?;
                y
            }
            QOp::Isqrt { in_bits } => {
                let max = (1i64 << in_bits) - 1;
                if let Some((index, &v)) = x.iter().enumerate().find(|(_, v)| **v < 0 || **v > max)
                {
                    return Err(ModelError::OutOfRange {
                        layer: node.name.clone(),
                        tensor: format!("{} (isqrt input)", self.tensors[node.inputs[0]].name),
                        index,
                        value: i128::from(v),
                        min: 0,
                        max,
                    });
                }
                x.iter().map(|&v| (v as u64).isqrt() as i64).collect()
            }
            QOp::MatMulConst { weight, bias } => {
                let (k, n) = (weight.shape[0], weight.shape[1]);
                let mut y = kernels::matmul(x, x.len() / k.max(1), k, &weight.data, n);
                if let Some(b) = bias {
                    y.iter_mut()
                        .enumerate()
                        .for_each(|(i, v)| *v += b.data[i % n]);
                }
                y
            }
            QOp::Conv2d {
                weight,
                bias,
                stride,
                pad,
                dilation,
                groups,
            } => {
                let win = Window {
                    kernel: [weight.shape[2], weight.shape[3]],
                    stride: *stride,
                    pad: *pad,
                    dilation: *dilation,
                };
                let mut y = kernels::conv2d(
                    x,
                    [xs[1], xs[2], xs[3]],
                    &weight.data,
                    weight.shape[0],
                    *groups,
                    &win,
                    [ys[2], ys[3]],
                );
                if let Some(b) = bias {
                    let plane = ys[2] * ys[3];
                    y.iter_mut()
                        .enumerate()
                        .for_each(|(i, v)| *v += b.data[i / plane]);
                }
                y
            }
            QOp::Add => bcast2(x, xs, second(), bs(), |a, b| a + b),
            QOp::Sub => bcast2(x, xs, second(), bs(), |a, b| a - b),
            QOp::AddConst { c } => bcast(x, xs, c, |a, b| a + b),
            QOp::MulConst { c } => x.iter().map(|v| v * c).collect(),
            QOp::MulConstTensor { c } => bcast(x, xs, c, |a, b| a * b),
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
                let max = matches!(node.op, QOp::MaxPool { .. });
                if max {
                    self.check_range(&node.name, node.inputs[0], x)?;
                }
                let win = Window {
                    kernel: *kernel,
                    stride: *stride,
                    pad: *pad,
                    dilation: [1, 1],
                };
                kernels::pool(x, [xs[1], xs[2], xs[3]], &win, [ys[2], ys[3]], max)
            }
            QOp::Sum { axes } => kernels::reduce_sum(x, xs, axes),
            QOp::Reshape { .. } => x.clone(),
            QOp::Transpose { perm } => kernels::transpose(x, xs, perm),
            QOp::Slice {
                axis,
                start,
                end,
                step,
            } => kernels::slice(x, xs, *axis, *start, *end, *step),
            QOp::Concat { axis } => {
                let parts: Vec<(&[i64], &[usize])> = node
                    .inputs
                    .iter()
                    .map(|&i| (values[i].as_slice(), self.tensors[i].shape.as_slice()))
                    .collect();
                kernels::concat(&parts, *axis)
            }
            QOp::Rescale { shift } => {
                let y: Vec<i64> = x.iter().map(|&v| rescale(v, *shift)).collect();
                self.check_range(&node.name, node.output, &y)?;
                y
            }
            QOp::Relu => {
                self.check_range(&node.name, node.inputs[0], x)?;
                x.iter().map(|&v| v.max(0)).collect()
            }
            QOp::Table {
                func,
                in_scale,
                out_scale,
            } => {
                self.check_range(&node.name, node.inputs[0], x)?;
                x.iter()
                    .map(|&v| func.eval(v, *in_scale, *out_scale))
                    .collect()
            }
        })
    }
}

/// `floor((x + 2^(shift-1)) / 2^shift)`, `x` when `shift = 0` (round half up).
pub fn rescale(x: i64, shift: u32) -> i64 {
    if shift == 0 {
        x
    } else {
        (x + (1i64 << (shift - 1))) >> shift
    }
}

/// `f(a, b)` with `b` (shape `bs`) broadcast to `a`'s shape `ashape`.
fn bcast2(
    a: &[i64],
    ashape: &[usize],
    b: &[i64],
    bs: &[usize],
    f: impl Fn(i64, i64) -> i64,
) -> Vec<i64> {
    if ashape == bs {
        return a.iter().zip(b).map(|(&x, &y)| f(x, y)).collect();
    }
    let idx = kernels::broadcast_indices(ashape, bs);
    a.iter().zip(&idx).map(|(&x, &j)| f(x, b[j])).collect()
}

fn bcast(x: &[i64], xs: &[usize], c: &ConstTensor, f: impl Fn(i64, i64) -> i64) -> Vec<i64> {
    let idx = kernels::broadcast_indices(xs, &c.shape);
    x.iter().zip(&idx).map(|(&v, &i)| f(v, c.data[i])).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn rescale_rounds_half_up() {
        use super::rescale;
        assert_eq!(rescale(5, 1), 3); // 2.5 -> 3
        assert_eq!(rescale(-5, 1), -2); // -2.5 -> -2
        assert_eq!(rescale(-6, 2), -1); // -1.5 -> -1
        assert_eq!(rescale(-7, 2), -2); // -1.75 -> -2
        assert_eq!(rescale(7, 0), 7);
    }
}
