//! Lowering the float graph to the quantized graph, given a calibration.
//!
//! Each float tensor maps to an integer tensor and a scale. Linear ops run on wide values
//! (accumulators keep the scale `s_in + s_w`); a `Rescale` to the tensor's calibrated scale is
//! inserted only where a value must be narrow: before a linear op with weights, a non-linear op,
//! an Add of two tensors, and at the output. Bias and constant additions therefore happen at the
//! accumulator's scale, before any rounding.

use super::bounds::{FIELD_SAFE_BITS, op_bound};
use super::{ConstTensor, QNode, QOp, QTensor, QuantGraph, TableFn, round_away};
use crate::calibrate::{Calibration, pow2_scale};
use crate::error::{ModelError, Result};
use crate::graph::{FConst, Graph, Node, Op, TensorId};

pub(super) struct Builder<'a> {
    pub(super) g: &'a Graph,
    pub(super) cal: &'a Calibration,
    pub(super) q: QuantGraph,
    map: Vec<Option<TensorId>>,
    narrowed: Vec<Option<TensorId>>,
    /// Name of the float tensor being lowered (quantized tensors are named `<it>#<id>`; helper
    /// tensors of a multi-op recipe `<it>/<tag>#<id>`).
    pub(super) tensor_name: String,
    pub(super) pat: super::fuse::Patterns,
}

/// Quantizes `graph` with the scales of `cal`.
///
/// # Errors
/// [`ModelError::UnsupportedOp`] for float-only ops (Div of two activations, a PowConst outside
/// a recognised elementwise function), [`ModelError::Overflow`] if an accumulator could reach 2^62, [`ModelError::Config`]
/// if the calibration does not belong to this graph.
pub fn quantize(graph: &Graph, cal: &Calibration) -> Result<QuantGraph> {
    if cal.scales.len() != graph.tensors.len() {
        return Err(ModelError::Config(format!(
            "the calibration has {} tensors, the graph {}; calibrate this graph",
            cal.scales.len(),
            graph.tensors.len()
        )));
    }
    cal.config.check()?;
    let n = graph.tensors.len();
    let mut b = Builder {
        g: graph,
        cal,
        q: QuantGraph {
            tensors: Vec::new(),
            nodes: Vec::new(),
            input: 0,
            output: 0,
            act_bits: cal.config.act_bits,
            weight_bits: cal.config.weight_bits,
            input_kind: graph.input_kind,
            input_parts: graph.inputs.clone(),
        },
        map: vec![None; n],
        narrowed: vec![None; n],
        tensor_name: String::new(),
        pat: super::fuse::find(graph),
    };
    let it = &graph.tensors[graph.input];
    // Token ids are taken as they are: scale 0, bounded by the vocabulary.
    let (scale, bound) = match graph.input_kind {
        crate::graph::InputKind::Float => {
            (cal.scales[graph.input], 1u64 << (cal.config.act_bits - 1))
        }
        // A packed input: the largest bound of its parts (each slice then has its own).
        crate::graph::InputKind::TokenIds { vocab } => {
            let parts = graph.input_parts();
            let bound = parts.iter().map(|p| match p.kind {
                crate::graph::InputKind::TokenIds { vocab } => vocab.saturating_sub(1) as u64,
                crate::graph::InputKind::Mask => 1,
                crate::graph::InputKind::Float => 0,
            });
            (
                0,
                bound.max().unwrap_or(0).max(vocab.saturating_sub(1) as u64),
            )
        }
        crate::graph::InputKind::Mask => (0, 1),
    };
    b.q.tensors.push(QTensor {
        name: it.name.clone(),
        shape: it.shape.clone(),
        scale,
        bound,
    });
    b.map[graph.input] = Some(0);
    b.narrowed[graph.input] = Some(0);
    for (i, node) in graph.nodes.iter().enumerate() {
        if b.pat.absorbed[i] {
            continue;
        }
        b.tensor_name = graph.tensors[node.output].name.clone();
        let t = if let Some(e) = b.pat.elementwise.remove(&i) {
            b.elementwise(node, &e)?
        } else if let Some(m) = b.pat.norms.remove(&i) {
            b.norm(node, &m)?
        } else if let Some(m) = b.pat.masks.remove(&i) {
            b.softmax(node, m.x, Some(&m.keep))?
        } else if let Some(m) = b.pat.tensor_masks.remove(&i) {
            b.softmax_masked_by(node, m.x, m.keep)?
        } else {
            b.lower(node)?
        };
        b.map[node.output] = Some(t);
    }
    b.tensor_name = graph.tensors[graph.output].name.clone();
    b.q.output = b.narrow(graph.output)?;
    b.q.validate()?;
    Ok(b.q)
}

impl Builder<'_> {
    pub(super) fn set(&mut self, f: TensorId, t: TensorId) {
        self.map[f] = Some(t);
    }

    pub(super) fn wide(&self, f: TensorId) -> Result<TensorId> {
        self.map[f].ok_or_else(|| {
            ModelError::invalid(&self.g.tensors[f].name, "used before it is computed")
        })
    }

    pub(super) fn scale(&self, t: TensorId) -> i32 {
        self.q.tensors[t].scale
    }

    pub(super) fn emit(
        &mut self,
        name: &str,
        op: QOp,
        inputs: Vec<TensorId>,
        shape: Vec<usize>,
        scale: i32,
    ) -> Result<TensorId> {
        let output = self.q.tensors.len();
        let node = QNode {
            name: name.to_string(),
            op,
            inputs,
            output,
        };
        let inb: Vec<u128> = node
            .inputs
            .iter()
            .map(|&i| u128::from(self.q.tensors[i].bound))
            .collect();
        let tname = format!("{}#{output}", self.tensor_name);
        let bound = op_bound(&self.q, &node, &inb);
        if bound >= 1u128 << FIELD_SAFE_BITS {
            return Err(ModelError::Overflow {
                layer: name.to_string(),
                tensor: tname,
                bound,
                limit_bits: FIELD_SAFE_BITS,
            });
        }
        self.q.tensors.push(QTensor {
            name: tname,
            shape,
            scale,
            bound: bound as u64,
        });
        self.q.nodes.push(node);
        Ok(output)
    }

    /// The float tensor `f` as an act_bits value at (at most) its calibrated scale.
    pub(super) fn narrow(&mut self, f: TensorId) -> Result<TensorId> {
        if let Some(t) = self.narrowed[f] {
            return Ok(t);
        }
        let t = self.wide(f)?;
        let (s, bound) = (self.scale(t), self.q.tensors[t].bound);
        let target = self.cal.scales[f].min(s);
        let shift = (s - target) as u32;
        let act = 1u64 << (self.q.act_bits - 1);
        let n = if shift == 0 && bound <= act {
            t
        } else {
            let shape = self.q.tensors[t].shape.clone();
            let saved = std::mem::replace(&mut self.tensor_name, self.g.tensors[f].name.clone());
            let layer = self.producer_name(f);
            let r = self.emit(&layer, QOp::Rescale { shift }, vec![t], shape, target);
            self.tensor_name = saved;
            r?
        };
        self.narrowed[f] = Some(n);
        Ok(n)
    }

    fn producer_name(&self, f: TensorId) -> String {
        self.g
            .nodes
            .iter()
            .find(|n| n.output == f)
            .map_or_else(|| self.g.tensors[f].name.clone(), |n| n.name.clone())
    }

    fn weights(&self, c: &FConst) -> ConstTensor {
        let cfg = &self.cal.config;
        let s = pow2_scale(c.max_abs(), cfg.weight_bits, 1.0, cfg.max_weight_scale);
        quant_const(c, s)
    }

    fn bias(b: &Option<Vec<f32>>, scale: i32) -> Option<ConstTensor> {
        b.as_ref().map(|b| {
            quant_const(
                &FConst {
                    shape: vec![b.len()],
                    data: b.clone(),
                },
                scale,
            )
        })
    }

    pub(super) fn lower(&mut self, node: &Node) -> Result<TensorId> {
        let name = node.name.as_str();
        self.tensor_name = self.g.tensors[node.output].name.clone();
        let shape = self.g.tensors[node.output].shape.clone();
        let out_scale = self.cal.scales[node.output];
        let x0 = node.inputs[0];
        match &node.op {
            Op::MatMulConst { weight, bias } => {
                let x = self.narrow(x0)?;
                let w = self.weights(weight);
                let s = self.scale(x) + w.scale;
                let op = QOp::MatMulConst { bias: Self::bias(bias, s), weight: w };
                self.emit(name, op, vec![x], shape, s)
            }
            Op::Conv2d { weight, bias, stride, pad, dilation, groups } => {
                let x = self.narrow(x0)?;
                let w = self.weights(weight);
                let s = self.scale(x) + w.scale;
                let op = QOp::Conv2d { bias: Self::bias(bias, s), weight: w, stride: *stride, pad: *pad, dilation: *dilation, groups: *groups };
                self.emit(name, op, vec![x], shape, s)
            }
            Op::Add | Op::Sub => self.add_sub(node, shape),
            Op::Mul => self.mul(node, shape),
            Op::EinSum { expr } => self.einsum(node, expr, &shape),
            Op::Softmax { .. } => self.softmax(node, x0, None),
            Op::ArgMax { axis } => self.argmax(node, *axis),
            Op::Embedding { table } => {
                let ids = self.wide(x0)?;
                let w = self.weights(table);
                let s = w.scale;
                self.emit(name, QOp::Embedding { table: w }, vec![ids], shape, s)
            }
            Op::Gather { axis, indices } => {
                self.same_scale(name, x0, QOp::Gather { axis: *axis, indices: indices.clone() }, shape)
            }
            Op::RmsNorm { eps, .. } => {
                // Over an axis other than the last (the last is found by `fuse::find`).
                let (x, eps) = (x0, *eps);
                self.norm(node, &super::fuse::Norm { x, mean: false, eps })
            }
            Op::AddConst { c } => {
                let x = self.wide(x0)?;
                let s = self.scale(x);
                self.emit(name, QOp::AddConst { c: quant_const(c, s) }, vec![x], shape, s)
            }
            Op::MulConst { c } => self.mul_const(name, x0, c, shape),
            Op::Relu => {
                let x = self.narrow(x0)?;
                let s = self.scale(x);
                self.emit(name, QOp::Relu, vec![x], shape, s)
            }
            Op::LeakyRelu { alpha } => self.table(name, x0, TableFn::LeakyRelu { alpha: *alpha }, shape, None),
            Op::Clip { lo, hi } => {
                let f = |v: f32| v.is_finite().then_some(v);
                self.table(name, x0, TableFn::Clip { lo: f(*lo), hi: f(*hi) }, shape, None)
            }
            Op::Sigmoid => self.table(name, x0, TableFn::Sigmoid, shape, Some(out_scale)),
            Op::Tanh => self.table(name, x0, TableFn::Tanh, shape, Some(out_scale)),
            Op::Erf => self.table(name, x0, TableFn::Erf, shape, Some(out_scale)),
            Op::GeluErf => self.table(name, x0, TableFn::GeluErf, shape, Some(out_scale)),
            Op::Exp => self.table(name, x0, TableFn::Exp, shape, Some(out_scale)),
            Op::MaxPool { kernel, stride, pad } | Op::SumPool { kernel, stride, pad } => {
                let x = self.narrow(x0)?;
                let s = self.scale(x);
                let (kernel, stride, pad) = (*kernel, *stride, *pad);
                let op = if matches!(node.op, Op::MaxPool { .. }) { QOp::MaxPool { kernel, stride, pad } } else { QOp::SumPool { kernel, stride, pad } };
                self.emit(name, op, vec![x], shape, s)
            }
            Op::ReduceSum { axes } => self.same_scale(name, x0, QOp::Sum { axes: axes.clone() }, shape),
            Op::Reshape { shape: s } => self.same_scale(name, x0, QOp::Reshape { shape: s.clone() }, shape),
            Op::Transpose { perm } => self.same_scale(name, x0, QOp::Transpose { perm: perm.clone() }, shape),
            Op::Slice { axis, start, end, step } => {
                self.same_scale(name, x0, QOp::Slice { axis: *axis, start: *start, end: *end, step: *step }, shape)
            }
            Op::Concat { axis } => {
                let xs = node.inputs.iter().map(|&i| self.narrow(i)).collect::<Result<Vec<_>>>()?;
                let xs = self.align(name, &xs)?;
                let s = self.scale(xs[0]);
                self.emit(name, QOp::Concat { axis: *axis }, xs, shape, s)
            }
            Op::Div | Op::Recip => Err(ModelError::UnsupportedOp {
                node: name.to_string(),
                op: node.op.name().into(),
                detail: "division by an activation runs in float only (the divisor's sign and size are unknown); divide by a constant instead".into(),
                supported: crate::import::SUPPORTED_OPS.into(),
            }),
            Op::PowConst { p } => Err(ModelError::UnsupportedOp {
                node: name.to_string(),
                op: "Pow".into(),
                detail: format!("x^{p} is quantized only inside a recognised elementwise function (GELU's tanh form); this one is not part of one"),
                supported: crate::import::SUPPORTED_OPS.into(),
            }),
        }
    }

    pub(super) fn same_scale(
        &mut self,
        name: &str,
        x0: TensorId,
        op: QOp,
        shape: Vec<usize>,
    ) -> Result<TensorId> {
        let x = self.wide(x0)?;
        let s = self.scale(x);
        self.emit(name, op, vec![x], shape, s)
    }

    /// Multiplies lower-scale inputs by powers of two so all share the largest scale.
    pub(super) fn align(&mut self, name: &str, xs: &[TensorId]) -> Result<Vec<TensorId>> {
        let s = xs.iter().map(|&x| self.scale(x)).max().unwrap_or(0);
        xs.iter()
            .map(|&x| {
                let d = s - self.scale(x);
                if d == 0 {
                    return Ok(x);
                }
                let c = 1i64
                    .checked_shl(d as u32)
                    .filter(|_| d < FIELD_SAFE_BITS as i32)
                    .ok_or_else(|| ModelError::Overflow {
                        layer: name.to_string(),
                        tensor: self.q.tensors[x].name.clone(),
                        bound: u128::MAX,
                        limit_bits: FIELD_SAFE_BITS,
                    })?;
                let shape = self.q.tensors[x].shape.clone();
                self.emit(name, QOp::MulConst { c }, vec![x], shape, s)
            })
            .collect()
    }

    pub(super) fn mul_const(
        &mut self,
        name: &str,
        x0: TensorId,
        c: &FConst,
        shape: Vec<usize>,
    ) -> Result<TensorId> {
        // A 0/1 mask times a 0/1 constant (an attention mask AND-ed with the causal pattern):
        // exact at scale 0.
        let xw = self.wide(x0)?;
        if self.scale(xw) == 0
            && self.q.tensors[xw].bound <= 1
            && c.data.iter().all(|&v| v == 0.0 || v == 1.0)
        {
            let c = quant_const(c, 0);
            return self.emit(name, QOp::MulConstTensor { c }, vec![xw], shape, 0);
        }
        if let Some(v) = c.scalar() {
            let e = f64::from(v.abs()).log2();
            if v != 0.0 && e.fract() == 0.0 && e.abs() < 64.0 {
                // ±2^e: relabel the scale (real = q · 2^-(s - e)).
                let x = self.wide(x0)?;
                let s = self.scale(x) - e as i32;
                return self.emit(
                    name,
                    QOp::MulConst {
                        c: if v < 0.0 { -1 } else { 1 },
                    },
                    vec![x],
                    shape,
                    s,
                );
            }
            let x = self.narrow(x0)?;
            let cfg = &self.cal.config;
            let sc = pow2_scale(v.abs(), cfg.weight_bits, 1.0, cfg.max_weight_scale);
            let q = round_away(f64::from(v) * f64::from(sc).exp2());
            let s = self.scale(x) + sc;
            return self.emit(name, QOp::MulConst { c: q }, vec![x], shape, s);
        }
        let x = self.narrow(x0)?;
        let w = self.weights(c);
        let s = self.scale(x) + w.scale;
        self.emit(name, QOp::MulConstTensor { c: w }, vec![x], shape, s)
    }

    pub(super) fn table(
        &mut self,
        name: &str,
        x0: TensorId,
        func: TableFn,
        shape: Vec<usize>,
        out: Option<i32>,
    ) -> Result<TensorId> {
        if self.q.act_bits > super::bounds::MAX_TABLE_BITS {
            return Err(ModelError::Config(format!(
                "layer `{name}`: {func:?} is a table over all 2^{} inputs; use act_bits <= {}",
                self.q.act_bits,
                super::bounds::MAX_TABLE_BITS
            )));
        }
        let x = self.narrow(x0)?;
        let in_scale = self.scale(x);
        let out_scale = out.unwrap_or(in_scale);
        self.emit(
            name,
            QOp::Table {
                func,
                in_scale,
                out_scale,
            },
            vec![x],
            shape,
            out_scale,
        )
    }
}

/// `round(c · 2^scale)`, ties away from zero.
pub(crate) fn quant_const(c: &FConst, scale: i32) -> ConstTensor {
    let f = f64::from(scale).exp2();
    ConstTensor {
        shape: c.shape.clone(),
        data: c
            .data
            .iter()
            .map(|&v| round_away(f64::from(v) * f))
            .collect(),
        scale,
    }
}
