//! Float evaluation: tract's own optimized plan ([`Graph::run_float`]) and our IR ([`Graph::eval`]).

use tract_onnx::prelude::{IntoTValue, Tensor};

use crate::error::{ModelError, Result};
use crate::graph::{Graph, InputKind, Node, Op};
use crate::kernels::{self, Window};

impl Graph {
    /// Runs tract's optimized float plan on `input` (flat, row-major) and returns the flat output.
    ///
    /// # Errors
    /// Wrong input length, non-finite input, a graph built in code (no tract plan), or a tract failure.
    pub fn run_float(&self, input: &[f32]) -> Result<Vec<f32>> {
        self.check_input(input)?;
        let plan = self.tract.as_ref().ok_or_else(|| {
            ModelError::Config(
                "this graph was built in code and has no tract reference plan".into(),
            )
        })?;
        let tensors = self
            .input_parts()
            .iter()
            .map(|p| {
                let x = &input[p.offset..p.offset + p.len()];
                match p.kind {
                    InputKind::Float => Tensor::from_shape(&p.shape, x),
                    InputKind::TokenIds { .. } | InputKind::Mask => {
                        let ids: Vec<i64> = x.iter().map(|&v| v as i64).collect();
                        Tensor::from_shape(&p.shape, &ids)
                    }
                }
                .map(IntoTValue::into_tvalue)
                .map_err(|e| ModelError::tract("building input", &e))
            })
            .collect::<Result<_>>()?;
        let out = plan
            .run(tensors)
            .map_err(|e| ModelError::tract("running the float model", &e))?;
        let o = out
            .first()
            .ok_or_else(|| ModelError::invalid("output", "tract returned no output"))?;
        let o = o
            .cast_to::<f32>()
            .map_err(|e| ModelError::tract("reading the output", &e))?;
        let v = o
            .to_plain_array_view::<f32>()
            .map_err(|e| ModelError::tract("reading the output", &e))?;
        Ok(v.iter().copied().collect())
    }

    /// Evaluates our float IR and returns every tensor (indexed by [`crate::TensorId`]).
    ///
    /// # Errors
    /// Wrong input length or non-finite input.
    pub fn eval(&self, input: &[f32]) -> Result<Vec<Vec<f32>>> {
        self.check_input(input)?;
        let mut values: Vec<Vec<f32>> = vec![Vec::new(); self.tensors.len()];
        values[self.input] = input.to_vec();
        for node in &self.nodes {
            let y = self.eval_node(node, &values)?;
            values[node.output] = y;
        }
        Ok(values)
    }

    /// Samples from EZKL-style `input_data` rows: a row of the input's size is one sample, a row
    /// of `k` times that size holds `k` samples (EZKL's calibration files look like this).
    ///
    /// # Errors
    /// [`ModelError::InputLength`] for an empty row or one whose length is not a multiple of the
    /// input's size; for several inputs, the errors of [`crate::split_samples`].
    /// A model with several inputs takes EZKL's layout: one flat list per graph input, in the
    /// graph's input order, each `k` times its input's size ([`crate::split_samples`]).
    pub fn split_samples(&self, rows: &[Vec<f32>]) -> Result<Vec<Vec<f32>>> {
        crate::input::split_samples(&self.input_parts(), rows)
    }

    pub(crate) fn check_input(&self, input: &[f32]) -> Result<()> {
        if !self.inputs.is_empty() {
            return crate::input::check_parts(&self.inputs, input);
        }
        let name = &self.tensors[self.input].name;
        if input.len() != self.input_len() {
            return Err(ModelError::InputLength {
                name: name.clone(),
                expected: self.input_len(),
                got: input.len(),
            });
        }
        if let Some((index, &value)) = input.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(ModelError::NonFinite {
                name: name.clone(),
                index,
                value,
            });
        }
        if let InputKind::TokenIds { vocab } = self.input_kind {
            crate::input::token_ids(name, input, vocab)?;
        }
        Ok(())
    }

    fn eval_node(&self, node: &Node, values: &[Vec<f32>]) -> Result<Vec<f32>> {
        let x = &values[node.inputs[0]];
        let xs = &self.tensors[node.inputs[0]].shape;
        let ys = &self.tensors[node.output].shape;
        let map = |f: &dyn Fn(f32) -> f32| x.iter().map(|&v| f(v)).collect::<Vec<f32>>();
        Ok(match &node.op {
            Op::MatMulConst { weight, bias } => {
                let (k, n) = (weight.shape[0], weight.shape[1]);
                let m = x.len() / k.max(1);
                let mut y = kernels::matmul(x, m, k, &weight.data, n);
                if let Some(b) = bias {
                    y.iter_mut().enumerate().for_each(|(i, v)| *v += b[i % n]);
                }
                y
            }
            Op::Conv2d {
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
                let co = weight.shape[0];
                let mut y = kernels::conv2d(
                    x,
                    [xs[1], xs[2], xs[3]],
                    &weight.data,
                    co,
                    *groups,
                    &win,
                    [ys[2], ys[3]],
                );
                if let Some(b) = bias {
                    let plane = ys[2] * ys[3];
                    y.iter_mut()
                        .enumerate()
                        .for_each(|(i, v)| *v += b[i / plane]);
                }
                y
            }
            Op::Add | Op::Sub | Op::Mul | Op::Div => {
                let (b, bs) = (&values[node.inputs[1]], &self.tensors[node.inputs[1]].shape);
                let (ia, ib) = (
                    kernels::broadcast_indices(ys, xs),
                    kernels::broadcast_indices(ys, bs),
                );
                let f = match node.op {
                    Op::Add => |a: f32, b: f32| a + b,
                    Op::Sub => |a: f32, b: f32| a - b,
                    Op::Div => |a: f32, b: f32| a / b,
                    _ => |a: f32, b: f32| a * b,
                };
                ia.iter().zip(&ib).map(|(&i, &j)| f(x[i], b[j])).collect()
            }
            Op::EinSum { expr } => {
                let b = (
                    values[node.inputs[1]].as_slice(),
                    self.tensors[node.inputs[1]].shape.as_slice(),
                );
                einsum(expr, (x, xs), b, ys)
            }
            Op::AddConst { c } => bcast(x, xs, c, |a, b| a + b),
            Op::MulConst { c } => bcast(x, xs, c, |a, b| a * b),
            Op::Relu => map(&|v| v.max(0.0)),
            Op::LeakyRelu { alpha } => map(&|v| if v >= 0.0 { v } else { alpha * v }),
            Op::Clip { lo, hi } => map(&|v| v.max(*lo).min(*hi)),
            Op::Sigmoid => map(&|v| 1.0 / (1.0 + (-v).exp())),
            Op::Tanh => map(&f32::tanh),
            Op::Erf => map(&|v| crate::quant::erf(f64::from(v)) as f32),
            Op::GeluErf => map(&|v| {
                (0.5 * f64::from(v) * (1.0 + crate::quant::erf(f64::from(v) / 2f64.sqrt()))) as f32
            }),
            Op::Exp => map(&f32::exp),
            Op::Recip => map(&f32::recip),
            Op::PowConst { p } => map(&|v| v.powf(*p)),
            Op::MaxPool {
                kernel,
                stride,
                pad,
            }
            | Op::SumPool {
                kernel,
                stride,
                pad,
            } => {
                let win = Window {
                    kernel: *kernel,
                    stride: *stride,
                    pad: *pad,
                    dilation: [1, 1],
                };
                kernels::pool(
                    x,
                    [xs[1], xs[2], xs[3]],
                    &win,
                    [ys[2], ys[3]],
                    matches!(node.op, Op::MaxPool { .. }),
                )
            }
            Op::ReduceSum { axes } => kernels::reduce_sum(x, xs, axes),
            Op::Reshape { .. } => x.clone(),
            Op::Transpose { perm } => kernels::transpose(x, xs, perm),
            Op::Slice {
                axis,
                start,
                end,
                step,
            } => kernels::slice(x, xs, *axis, *start, *end, *step),
            Op::Concat { axis } => {
                let parts: Vec<(&[f32], &[usize])> = node
                    .inputs
                    .iter()
                    .map(|&i| (values[i].as_slice(), self.tensors[i].shape.as_slice()))
                    .collect();
                kernels::concat(&parts, *axis)
            }
            Op::Softmax { axis } => softmax(x, xs, *axis),
            Op::ArgMax { axis } => {
                let inner: usize = xs[axis + 1..].iter().product();
                let d = xs[*axis];
                let mut y = Vec::with_capacity(x.len() / d.max(1));
                for o in 0..x.len() / (d * inner).max(1) {
                    for i in 0..inner {
                        let at = |j: usize| x[(o * d + j) * inner + i];
                        let best = (0..d).fold(0, |b, j| if at(j) > at(b) { j } else { b });
                        y.push(best as f32);
                    }
                }
                y
            }
            Op::Gather { axis, indices } => kernels::gather(x, xs, *axis, indices),
            Op::Embedding { table } => {
                // The ids were checked against the vocabulary with the input (check_input).
                let vocab = table.shape.first().copied().unwrap_or(0);
                let ids = crate::input::token_ids(&self.tensors[node.inputs[0]].name, x, vocab)?;
                kernels::embedding(&ids, &table.data, vocab)
            }
            Op::RmsNorm { axis, eps } => rms_norm(x, xs, *axis, *eps),
        })
    }
}

/// A two-operand einsum, `expr = "<a>,<b>-><out>"`: sums `a·b` over every label assignment.
fn einsum(
    expr: &str,
    (a, ash): (&[f32], &[usize]),
    (b, bsh): (&[f32], &[usize]),
    osh: &[usize],
) -> Vec<f32> {
    let (ins, os) = expr.split_once("->").unwrap_or((expr, ""));
    let (as_, bs) = ins.split_once(',').unwrap_or((ins, ""));
    let mut labels: Vec<(char, usize)> = Vec::new();
    for (spec, shape) in [(as_, ash), (bs, bsh), (os, osh)] {
        for (c, &d) in spec.chars().zip(shape) {
            if !labels.iter().any(|(l, _)| *l == c) {
                labels.push((c, d));
            }
        }
    }
    let stride_of = |spec: &str, shape: &[usize]| -> Vec<usize> {
        let st = kernels::strides(shape);
        labels
            .iter()
            .map(|(c, _)| {
                spec.find(*c)
                    .map_or(0, |i| if shape[i] == 1 { 0 } else { st[i] })
            })
            .collect()
    };
    let (sa, sb, so) = (stride_of(as_, ash), stride_of(bs, bsh), stride_of(os, osh));
    let mut y = vec![0f32; osh.iter().product()];
    let mut idx = vec![0usize; labels.len()];
    let total: usize = labels.iter().map(|(_, d)| d).product();
    for _ in 0..total {
        let dot = |s: &[usize]| idx.iter().zip(s).map(|(i, s)| i * s).sum::<usize>();
        y[dot(&so)] += a[dot(&sa)] * b[dot(&sb)];
        for k in (0..idx.len()).rev() {
            idx[k] += 1;
            if idx[k] < labels[k].1 {
                break;
            }
            idx[k] = 0;
        }
    }
    y
}

fn bcast(
    x: &[f32],
    xs: &[usize],
    c: &crate::graph::FConst,
    f: impl Fn(f32, f32) -> f32,
) -> Vec<f32> {
    let idx = kernels::broadcast_indices(xs, &c.shape);
    x.iter().zip(&idx).map(|(&v, &i)| f(v, c.data[i])).collect()
}

/// Applies `f` to each 1-D lane along `axis`.
fn lanes(x: &[f32], shape: &[usize], axis: usize, f: impl Fn(&mut [f32])) -> Vec<f32> {
    let inner: usize = shape[axis + 1..].iter().product();
    let d = shape[axis];
    let mut y = x.to_vec();
    let mut lane = vec![0f32; d];
    for o in 0..x.len() / (d * inner).max(1) {
        for i in 0..inner {
            let at = |j: usize| (o * d + j) * inner + i;
            (0..d).for_each(|j| lane[j] = x[at(j)]);
            f(&mut lane);
            (0..d).for_each(|j| y[at(j)] = lane[j]);
        }
    }
    y
}

fn softmax(x: &[f32], shape: &[usize], axis: usize) -> Vec<f32> {
    lanes(x, shape, axis, |l| {
        let m = l.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b));
        l.iter_mut().for_each(|v| *v = (*v - m).exp());
        let s: f32 = l.iter().sum();
        l.iter_mut().for_each(|v| *v /= s);
    })
}

fn rms_norm(x: &[f32], shape: &[usize], axis: usize, eps: f32) -> Vec<f32> {
    lanes(x, shape, axis, |l| {
        let ms = l.iter().map(|v| v * v).sum::<f32>() / l.len() as f32;
        let r = 1.0 / (ms + eps).sqrt();
        l.iter_mut().for_each(|v| *v *= r);
    })
}
