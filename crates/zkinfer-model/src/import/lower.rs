//! One small lowering function per tract op type (elementwise ops in [`super::elementwise`]).

use std::collections::HashMap;

use tract_onnx::prelude::*;
use tract_onnx::tract_core::ops;
use tract_onnx::tract_core::ops::cnn::{Conv, KernelFormat, MaxPool, PoolSpec, SumPool};
use tract_onnx::tract_core::ops::nn::DataFormat;

use super::SUPPORTED_OPS;
use crate::error::{ModelError, Result};
use crate::graph::{FConst, Graph, InputKind, InputPart, Node, Op, TensorId, TensorInfo};

/// A lowered tract outlet: a tensor of our graph or a constant.
#[derive(Clone, Debug)]
pub(super) enum Val {
    T(TensorId),
    C(FConst),
    /// `IsNan(t)`: only usable as the condition of an exporter's NaN guard `Iff(IsNan(t), c, t)`.
    IsNan(TensorId),
}

pub(super) struct Lowerer<'a> {
    _model: std::marker::PhantomData<&'a TypedModel>,
    pub(super) tensors: Vec<TensorInfo>,
    pub(super) nodes: Vec<Node>,
    vals: HashMap<OutletId, Val>,
}

/// Lowers `model`; `ints[i]`: graph input `i` holds integers (token ids, or an attention mask
/// beside them). Several graph inputs are packed into one 1-D input tensor (the graph's inputs
/// concatenated in order), each a `Slice` of it reshaped to its shape.
pub(super) fn lower(model: &TypedModel, ints: &[bool]) -> Result<Graph> {
    let mut lw = Lowerer {
        _model: std::marker::PhantomData,
        tensors: Vec::new(),
        nodes: Vec::new(),
        vals: HashMap::new(),
    };
    let order = model
        .eval_order()
        .map_err(|e| ModelError::tract("ordering nodes", &e))?;
    let sources = model
        .input_outlets()
        .map_err(|e| ModelError::tract("reading inputs", &e))?
        .to_vec();
    let packed = sources.len() > 1;
    let mut input = None;
    // The parts of a packed input: (name, shape, offset, first tensor of the part).
    let mut parts: Vec<(String, Vec<usize>, usize, TensorId)> = Vec::new();
    if packed {
        let mut shapes = Vec::new();
        for o in &sources {
            let node = model.node(o.node);
            shapes.push((node.name.clone(), lw.out_shape(node)?));
        }
        let total = shapes
            .iter()
            .map(|(_, s)| s.iter().product::<usize>())
            .sum();
        let names: Vec<&str> = shapes.iter().map(|(n, _)| n.as_str()).collect();
        lw.tensors.push(TensorInfo {
            name: format!("packed({})", names.join(", ")),
            shape: vec![total],
        });
        let p = lw.tensors.len() - 1;
        input = Some(p);
        let mut offset = 0;
        for (o, (name, shape)) in sources.iter().zip(shapes) {
            let len: usize = shape.iter().product();
            let slice = Op::Slice {
                axis: 0,
                start: offset,
                end: offset + len,
                step: 1,
            };
            let t = lw.push(&name, slice, vec![p], vec![len]);
            let r = lw.reshape(&name, t, &shape);
            lw.vals.insert(*o, Val::T(r));
            parts.push((name, shape, offset, t));
            offset += len;
        }
    }
    for id in order {
        let node = model.node(id);
        if node.op_as::<ops::source::TypedSource>().is_some() {
            if packed {
                continue;
            }
            let shape = lw.out_shape(node)?;
            lw.tensors.push(TensorInfo {
                name: node.name.clone(),
                shape,
            });
            input = Some(lw.tensors.len() - 1);
            lw.vals
                .insert(OutletId::new(id, 0), Val::T(lw.tensors.len() - 1));
            continue;
        }
        let v = lw.lower_node(node)?;
        lw.vals.insert(OutletId::new(id, 0), v);
    }
    let out = model
        .output_outlets()
        .map_err(|e| ModelError::tract("reading outputs", &e))?;
    if out.len() != 1 {
        return Err(ModelError::Config(format!(
            "the model has {} outputs; exactly one is supported",
            out.len()
        )));
    }
    let output = match lw.vals.get(&out[0]) {
        Some(Val::T(t)) => *t,
        _ => return Err(ModelError::invalid("output", "the output is a constant")),
    };
    let input = input.ok_or_else(|| ModelError::invalid("input", "no input"))?;
    let mut graph = Graph::new(lw.tensors, lw.nodes, input, output);
    if !packed {
        if ints.first() == Some(&true) {
            graph.input_kind = match token_ids(&graph, input)? {
                Some(vocab) => InputKind::TokenIds { vocab },
                None => return Err(no_table(&graph.tensors[input].name)),
            };
        }
        return Ok(graph);
    }
    let mut kinds = Vec::new();
    for ((name, _, _, t), &int) in parts.iter().zip(ints) {
        if !int {
            kinds.push(InputKind::Float);
            continue;
        }
        kinds.push(match token_ids(&graph, *t) {
            Ok(Some(vocab)) => InputKind::TokenIds { vocab },
            // An integer input used in arithmetic beside token ids: an attention mask.
            Ok(None) | Err(ModelError::UnsupportedOp { .. }) => {
                if uses_as_index(&graph, *t) {
                    return Err(ModelError::Config(format!(
                        "integer input `{name}` both indexes an embedding and computes; an \
                         integer input is token ids (that only index embeddings) or an \
                         attention mask (0/1)"
                    )));
                }
                InputKind::Mask
            }
            Err(e) => return Err(e),
        });
    }
    let floats = kinds.iter().filter(|k| **k == InputKind::Float).count();
    graph.input_kind = if floats == kinds.len() {
        InputKind::Float
    } else if floats > 0 {
        return Err(ModelError::Config(format!(
            "the inputs {} mix float and integer inputs; several inputs are supported when all \
             are float, or all are integers (token ids and attention masks)",
            graph.tensors[input].name
        )));
    } else {
        let vocab = kinds
            .iter()
            .filter_map(|k| match k {
                InputKind::TokenIds { vocab } => Some(*vocab),
                _ => None,
            })
            .min()
            .ok_or_else(|| {
                ModelError::Config(format!(
                    "the integer inputs {} index no embedding table; integer inputs are \
                     supported as token ids (and attention masks beside them)",
                    graph.tensors[input].name
                ))
            })?;
        InputKind::TokenIds { vocab }
    };
    graph.inputs = parts
        .into_iter()
        .zip(kinds)
        .map(|((name, shape, offset, _), kind)| InputPart {
            name,
            shape,
            offset,
            kind,
        })
        .collect();
    Ok(graph)
}

fn no_table(name: &str) -> ModelError {
    ModelError::Config(format!(
        "input `{name}` is integer but indexes no embedding table (Gather on a constant \
         table); integer inputs are supported only as token ids"
    ))
}

/// Whether tensor `start` (or a reshape of it) indexes an embedding table.
fn uses_as_index(g: &Graph, start: TensorId) -> bool {
    let mut ids = vec![false; g.tensors.len()];
    ids[start] = true;
    for n in &g.nodes {
        match (&n.op, n.inputs.first()) {
            (Op::Reshape { .. }, Some(&x)) if ids[x] => ids[n.output] = true,
            (Op::Embedding { .. }, Some(&x)) if ids[x] => return true,
            _ => {}
        }
    }
    false
}

/// The vocabulary of integer tensor `start` holding token ids: they may only be reshaped and
/// index embedding tables ([`Op::Embedding`]), the smallest of which sets the vocabulary
/// (`None` if they index none).
fn token_ids(g: &Graph, start: TensorId) -> Result<Option<usize>> {
    let name = &g.tensors[start].name;
    let mut ids = vec![false; g.tensors.len()];
    ids[start] = true;
    let mut vocab: Option<usize> = None;
    for n in &g.nodes {
        let Some(i) = n.inputs.iter().position(|&t| ids[t]) else {
            continue;
        };
        match &n.op {
            Op::Reshape { .. } => ids[n.output] = true,
            Op::Embedding { table } if i == 0 => {
                let v = table.shape.first().copied().unwrap_or(0);
                vocab = Some(vocab.map_or(v, |w| w.min(v)));
            }
            op => {
                return Err(ModelError::UnsupportedOp {
                    node: n.name.clone(),
                    op: op.name().into(),
                    detail: format!(
                        "the integer input `{name}` holds token ids, which may only be reshaped \
                         and index embedding tables (Gather on a constant table); this node \
                         computes with them"
                    ),
                    supported: SUPPORTED_OPS.into(),
                });
            }
        }
    }
    if ids[g.output] {
        return Err(ModelError::Config(format!(
            "the output is the integer input `{name}` itself; nothing to prove"
        )));
    }
    Ok(vocab.filter(|&v| v > 0))
}

fn concrete(shape: &ShapeFact) -> Option<Vec<usize>> {
    shape.as_concrete().map(<[usize]>::to_vec)
}

impl Lowerer<'_> {
    pub(super) fn unsupported(&self, node: &str, op: &str, detail: String) -> ModelError {
        ModelError::UnsupportedOp {
            node: node.into(),
            op: op.into(),
            detail,
            supported: SUPPORTED_OPS.into(),
        }
    }

    pub(super) fn shape(&self, t: TensorId) -> &[usize] {
        &self.tensors[t].shape
    }

    pub(super) fn push(
        &mut self,
        name: &str,
        op: Op,
        inputs: Vec<TensorId>,
        shape: Vec<usize>,
    ) -> TensorId {
        // Tensor names are unique: a node lowered to several ops numbers its helper tensors.
        let mut tname = name.to_string();
        let mut k = 1;
        while self.tensors.iter().any(|t| t.name == tname) {
            tname = format!("{name}.{k}");
            k += 1;
        }
        self.tensors.push(TensorInfo { name: tname, shape });
        let output = self.tensors.len() - 1;
        self.nodes.push(Node {
            name: name.to_string(),
            op,
            inputs,
            output,
        });
        output
    }

    pub(super) fn reshape(&mut self, name: &str, x: TensorId, shape: &[usize]) -> TensorId {
        if self.shape(x) == shape {
            return x;
        }
        self.push(
            name,
            Op::Reshape {
                shape: shape.to_vec(),
            },
            vec![x],
            shape.to_vec(),
        )
    }

    pub(super) fn transpose(&mut self, name: &str, x: TensorId, perm: &[usize]) -> TensorId {
        if perm.iter().enumerate().all(|(i, &p)| i == p) {
            return x;
        }
        let shape: Vec<usize> = perm.iter().map(|&p| self.shape(x)[p]).collect();
        self.push(
            name,
            Op::Transpose {
                perm: perm.to_vec(),
            },
            vec![x],
            shape,
        )
    }

    fn out_shape(&self, node: &TypedNode) -> Result<Vec<usize>> {
        let fact = node.outputs.first().map(|o| &o.fact);
        fact.and_then(|f| concrete(&f.shape))
            .ok_or_else(|| ModelError::SymbolicDim {
                input: node.name.clone(),
                axis: 0,
                symbol: fact.map_or_else(String::new, |f| format!("{:?}", f.shape)),
            })
    }

    pub(super) fn input(&self, node: &TypedNode, i: usize) -> Result<Val> {
        let o = node
            .inputs
            .get(i)
            .ok_or_else(|| ModelError::invalid(&node.name, format!("missing input {i}")))?;
        self.vals
            .get(o)
            .cloned()
            .ok_or_else(|| ModelError::invalid(&node.name, "input not lowered"))
    }

    pub(super) fn tensor_input(&self, node: &TypedNode, i: usize) -> Result<TensorId> {
        match self.input(node, i)? {
            Val::T(t) => Ok(t),
            _ => Err(self.unsupported(
                &node.name,
                &node.op.name(),
                format!("input {i} is a constant or a mask"),
            )),
        }
    }

    fn const_input(&self, node: &TypedNode, i: usize) -> Result<FConst> {
        match self.input(node, i)? {
            Val::C(c) => Ok(c),
            _ => Err(self.unsupported(
                &node.name,
                &node.op.name(),
                format!("input {i} must be a constant"),
            )),
        }
    }

    fn lower_node(&mut self, node: &TypedNode) -> Result<Val> {
        let op = node.op.as_op();
        if let Some(c) = op.downcast_ref::<ops::konst::Const>() {
            return lower_const(node, c.val());
        }
        if let Some(e) = op.downcast_ref::<ops::element_wise::ElementWiseOp>()
            && e.0.downcast_ref::<ops::math::IsNan>().is_some()
        {
            return Ok(Val::IsNan(self.tensor_input(node, 0)?));
        }
        if op.downcast_ref::<ops::logic::Iff>().is_some() {
            // Exporters guard softmax with `Iff(IsNan(p), 0, p)`: the identity for finite p.
            // A constant condition (an attention mask `Where(mask, fill, x)`) becomes
            // `x · keep + fill · (1 - keep)`: MulConst then AddConst, exact in float.
            return match (
                self.input(node, 0)?,
                self.input(node, 1)?,
                self.input(node, 2)?,
            ) {
                (Val::IsNan(x), _, Val::T(y)) if x == y => Ok(Val::T(x)),
                (Val::C(cond), Val::C(fill), Val::T(x)) => {
                    self.lower_where(node, &cond, &fill, x, false)
                }
                (Val::C(cond), Val::T(x), Val::C(fill)) => {
                    self.lower_where(node, &cond, &fill, x, true)
                }
                (Val::T(m), Val::C(a), Val::C(b)) => self.lower_where_tensor(node, m, &a, &b),
                _ => Err(self.unsupported(
                    &node.name,
                    "Iff",
                    "only the NaN guard Iff(IsNan(x), c, x), Where with a constant condition and \
                     fill, and Where(mask, a, b) of an attention mask"
                        .into(),
                )),
            };
        }
        if op.downcast_ref::<ops::cast::Cast>().is_some() {
            return self.lower_cast(node);
        }
        let shape = self.out_shape(node)?;
        if let Some(b) = op.downcast_ref::<ops::binary::TypedBinOp>()
            && b.0.downcast_ref::<ops::logic::And>().is_some()
        {
            return self.lower_and(node, &shape);
        }
        let t = if let Some(e) = op.downcast_ref::<ops::einsum::EinSum>() {
            self.lower_einsum(node, e, &shape)?
        } else if let Some(c) = op.downcast_ref::<Conv>() {
            self.lower_conv(node, c, &shape)?
        } else if let Some(p) = op.downcast_ref::<MaxPool>() {
            self.lower_pool(node, &p.pool_spec, None, &shape)?
        } else if let Some(p) = op.downcast_ref::<SumPool>() {
            self.lower_pool(
                node,
                &p.pool_spec,
                Some((p.normalize, p.count_include_pad)),
                &shape,
            )?
        } else if let Some(b) = op.downcast_ref::<ops::binary::TypedBinOp>() {
            self.lower_binary(node, b, &shape)?
        } else if let Some(e) = op.downcast_ref::<ops::element_wise::ElementWiseOp>() {
            self.lower_unary(node, e, shape)?
        } else if let Some(r) = op.downcast_ref::<ops::nn::Reduce>() {
            self.lower_reduce(node, r, shape)?
        } else if let Some(a) = op.downcast_ref::<ops::change_axes::AxisOp>() {
            self.lower_axis_op(node, a, &shape)?
        } else if let Some(d) = op.downcast_ref::<ops::Downsample>() {
            let x = self.tensor_input(node, 0)?;
            let step = usize::try_from(d.stride).map_err(|_| {
                self.unsupported(&node.name, "Downsample", "negative stride".into())
            })?;
            let end = self.shape(x)[d.axis];
            self.push(
                &node.name,
                Op::Slice {
                    axis: d.axis,
                    start: d.modulo,
                    end,
                    step,
                },
                vec![x],
                shape,
            )
        } else if let Some(s) = op.downcast_ref::<ops::array::Slice>() {
            let x = self.tensor_input(node, 0)?;
            let (start, end) = match (s.start.to_i64(), s.end.to_i64()) {
                (Ok(a), Ok(b)) => (a.max(0) as usize, b.max(0) as usize),
                _ => return Err(self.unsupported(&node.name, "Slice", "symbolic bounds".into())),
            };
            self.push(
                &node.name,
                Op::Slice {
                    axis: s.axis,
                    start,
                    end,
                    step: 1,
                },
                vec![x],
                shape,
            )
        } else if let Some(g) = op.downcast_ref::<ops::array::Gather>() {
            self.lower_gather(node, g.axis, &shape)?
        } else if let Some(c) = op.downcast_ref::<ops::array::TypedConcat>() {
            let xs = (0..node.inputs.len())
                .map(|i| self.tensor_input(node, i))
                .collect::<Result<Vec<_>>>()?;
            self.push(&node.name, Op::Concat { axis: c.axis }, xs, shape)
        } else if let Some(s) = op.downcast_ref::<ops::nn::Softmax>() {
            let x = self.tensor_input(node, 0)?;
            match s.axes.as_slice() {
                [axis] => self.push(&node.name, Op::Softmax { axis: *axis }, vec![x], shape),
                _ => {
                    return Err(self.unsupported(
                        &node.name,
                        "Softmax",
                        "more than one axis".into(),
                    ));
                }
            }
        } else if let Some(r) = op.downcast_ref::<ops::nn::RmsNorm>() {
            let x = self.tensor_input(node, 0)?;
            let eps = r
                .eps
                .cast_to_scalar::<f32>()
                .map_err(|e| ModelError::tract("reading eps", &e))?;
            self.push(
                &node.name,
                Op::RmsNorm { axis: r.axis, eps },
                vec![x],
                shape,
            )
        } else {
            return Err(self.unsupported(&node.name, &node.op.name(), String::new()));
        };
        Ok(Val::T(t))
    }

    fn lower_einsum(
        &mut self,
        node: &TypedNode,
        e: &ops::einsum::EinSum,
        shape: &[usize],
    ) -> Result<TensorId> {
        if e.q_params.is_some() || node.inputs.len() != 2 {
            return Err(self.unsupported(&node.name, "EinSum", "quantized or not binary".into()));
        }
        let (ins, outs) = e.axes.to_strs();
        let (a, b) = (self.input(node, 0)?, self.input(node, 1)?);
        match (a, b) {
            (Val::T(x), Val::C(w)) => super::einsum::lower_einsum_const(
                self,
                &node.name,
                (x, &ins[0]),
                (&w, &ins[1]),
                (&outs[0], shape),
            ),
            (Val::C(w), Val::T(x)) => super::einsum::lower_einsum_const(
                self,
                &node.name,
                (x, &ins[1]),
                (&w, &ins[0]),
                (&outs[0], shape),
            ),
            (Val::T(x), Val::T(y)) => {
                let expr = format!("{},{}->{}", ins[0], ins[1], outs[0]);
                Ok(self.push(&node.name, Op::EinSum { expr }, vec![x, y], shape.to_vec()))
            }
            _ => Err(self.unsupported(&node.name, "EinSum", "both operands constant".into())),
        }
    }

    fn lower_conv(&mut self, node: &TypedNode, c: &Conv, shape: &[usize]) -> Result<TensorId> {
        let mut x = self.tensor_input(node, 0)?;
        let w = self.const_input(node, 1)?;
        let mut xs = self.shape(x).to_vec();
        // tract drops the batch axis of some batch-1 convolutions (CHW, e.g. strided depthwise
        // ones): the same convolution on a `[1, C, H, W]` view.
        let mut spec = c.pool_spec.clone();
        let chw = xs.len() == 3 && shape.len() == 3 && spec.data_format == DataFormat::CHW;
        let out4: Vec<usize> = if chw {
            spec.data_format = DataFormat::NCHW;
            xs.insert(0, 1);
            x = self.reshape(&node.name, x, &xs);
            std::iter::once(1).chain(shape.iter().copied()).collect()
        } else {
            shape.to_vec()
        };
        if c.q_params.is_some()
            || c.kernel_fmt != KernelFormat::OIHW
            || w.shape.len() != 4
            || xs.len() != 4
            || xs[0] != 1
        {
            return Err(self.unsupported(
                &node.name,
                "Conv",
                format!(
                    "only 2-D float NCHW convolutions with batch 1 (got input {xs:?}, weight {:?} \
                     in {:?}{})",
                    w.shape,
                    c.kernel_fmt,
                    if c.q_params.is_some() {
                        ", quantized"
                    } else {
                        ""
                    }
                ),
            ));
        }
        let (stride, pad, dilation) = self.window(node, &spec, &xs, &out4)?;
        let co = w.shape[0];
        // tract folds an `Add` after a convolution into its bias when the addend has the bias's
        // shape, also when the addend is an activation: a residual added at 1 × 1 spatial size
        // (ResNet-18's last block on a 32 × 32 input). Such a bias is added back as a tensor.
        let (bias, bias_tensor) = match (node.inputs.len() > 2)
            .then(|| self.input(node, 2))
            .transpose()?
        {
            Some(Val::T(t)) => (None, Some(t)),
            Some(_) => {
                let b = self.const_input(node, 2)?;
                let b = if b.data.len() == 1 {
                    vec![b.data[0]; co]
                } else {
                    b.data
                };
                (Some(b), None)
            }
            None => (None, None),
        };
        if bias.as_ref().is_some_and(|b| b.len() != co)
            || c.group == 0
            || xs[1] != w.shape[1] * c.group
        {
            return Err(ModelError::invalid(
                &node.name,
                "conv bias or group shape mismatch",
            ));
        }
        let y = self.push(
            &node.name,
            Op::Conv2d {
                weight: w,
                bias,
                stride,
                pad,
                dilation,
                groups: c.group,
            },
            vec![x],
            out4.clone(),
        );
        let y = match bias_tensor {
            Some(t) => {
                let len: usize = out4.iter().product();
                if self.shape(t).iter().product::<usize>() != len {
                    return Err(self.unsupported(
                        &node.name,
                        "Conv",
                        format!(
                            "a bias computed from activations (tract folded an Add into the \
                             convolution) must have the output's size {len} (got shape {:?}); \
                             export the Add separately",
                            self.shape(t)
                        ),
                    ));
                }
                let t = self.reshape(&node.name, t, &out4);
                self.push(&node.name, Op::Add, vec![y, t], out4)
            }
            None => y,
        };
        Ok(self.reshape(&node.name, y, shape))
    }

    /// Strides, padding and dilations of a 2-D NCHW window op, checked against tract's output shape.
    fn window(
        &self,
        node: &TypedNode,
        ps: &PoolSpec,
        xs: &[usize],
        out: &[usize],
    ) -> Result<([usize; 2], [usize; 4], [usize; 2])> {
        if ps.data_format != DataFormat::NCHW
            || ps.kernel_shape.len() != 2
            || xs.len() != 4
            || xs[0] != 1
        {
            return Err(self.unsupported(
                &node.name,
                &node.op.name(),
                "only 2-D NCHW windows with batch 1".into(),
            ));
        }
        let p = ps.computed_padding(&xs[2..]);
        let (s, d) = (ps.strides(), ps.dilations());
        let stride = [s[0], s[1]];
        let dilation = [d[0], d[1]];
        let pad = [
            p[0].pad_before,
            p[1].pad_before,
            p[0].pad_after,
            p[1].pad_after,
        ];
        let win = crate::kernels::Window {
            kernel: [ps.kernel_shape[0], ps.kernel_shape[1]],
            stride,
            pad,
            dilation,
        };
        if win.out_hw(xs[2], xs[3]) != Some([out[2], out[3]]) {
            return Err(self.unsupported(
                &node.name,
                &node.op.name(),
                "output size does not match the window (ceil mode?)".into(),
            ));
        }
        Ok((stride, pad, dilation))
    }

    fn lower_pool(
        &mut self,
        node: &TypedNode,
        ps: &PoolSpec,
        sum: Option<(bool, bool)>,
        shape: &[usize],
    ) -> Result<TensorId> {
        let x = self.tensor_input(node, 0)?;
        let xs = self.shape(x).to_vec();
        let (stride, pad, dilation) = self.window(node, ps, &xs, shape)?;
        if dilation != [1, 1] {
            return Err(self.unsupported(&node.name, &node.op.name(), "dilated pooling".into()));
        }
        let kernel = [ps.kernel_shape[0], ps.kernel_shape[1]];
        let Some((normalize, include_pad)) = sum else {
            return Ok(self.push(
                &node.name,
                Op::MaxPool {
                    kernel,
                    stride,
                    pad,
                },
                vec![x],
                shape.to_vec(),
            ));
        };
        if normalize && !include_pad && pad != [0; 4] {
            return Err(self.unsupported(
                &node.name,
                "SumPool",
                "average pooling that excludes padding".into(),
            ));
        }
        let t = self.push(
            &node.name,
            Op::SumPool {
                kernel,
                stride,
                pad,
            },
            vec![x],
            shape.to_vec(),
        );
        if !normalize {
            return Ok(t);
        }
        let c = FConst {
            shape: vec![1; shape.len()],
            data: vec![1.0 / (kernel[0] * kernel[1]) as f32],
        };
        Ok(self.push(&node.name, Op::MulConst { c }, vec![t], shape.to_vec()))
    }

    fn lower_reduce(
        &mut self,
        node: &TypedNode,
        r: &ops::nn::Reduce,
        shape: Vec<usize>,
    ) -> Result<TensorId> {
        let x = self.tensor_input(node, 0)?;
        if let ops::nn::Reducer::ArgMax(last) = r.reducer {
            return match r.axes[..] {
                [axis] if !last => Ok(self.push(&node.name, Op::ArgMax { axis }, vec![x], shape)),
                _ => Err(self.unsupported(
                    &node.name,
                    "ArgMax",
                    "one axis, select_last_index = 0".into(),
                )),
            };
        }
        if !matches!(r.reducer, ops::nn::Reducer::Sum) {
            return Err(self.unsupported(&node.name, "Reduce", format!("reducer {:?}", r.reducer)));
        }
        Ok(self.push(
            &node.name,
            Op::ReduceSum {
                axes: r.axes.to_vec(),
            },
            vec![x],
            shape,
        ))
    }

    /// `Where(cond, fill, x)` (or `Where(cond, x, fill)` when `x_when_true`) with constant
    /// `cond` and `fill` broadcasting to `x`: `x · keep + fill · (1 - keep)`.
    fn lower_where(
        &mut self,
        node: &TypedNode,
        cond: &FConst,
        fill: &FConst,
        x: TensorId,
        x_when_true: bool,
    ) -> Result<Val> {
        let shape = self.out_shape(node)?;
        let pad = |c: &FConst| {
            let mut c = c.clone();
            while c.shape.len() < shape.len() {
                c.shape.insert(0, 1);
            }
            c
        };
        let (cond, fill) = (pad(cond), pad(fill));
        let fits = |c: &FConst| {
            c.shape.len() == shape.len()
                && c.shape.iter().zip(&shape).all(|(&a, &b)| a == 1 || a == b)
        };
        if self.shape(x) != shape.as_slice() || !fits(&cond) || !fits(&fill) {
            return Err(self.unsupported(
                &node.name,
                "Iff",
                "the condition or fill broadcasts the activation".into(),
            ));
        }
        // keep and the added constant over the condition's shape joined with the fill's.
        let cshape: Vec<usize> = cond
            .shape
            .iter()
            .zip(&fill.shape)
            .map(|(&a, &b)| a.max(b))
            .collect();
        let ic = crate::kernels::broadcast_indices(&cshape, &cond.shape);
        let ifl = crate::kernels::broadcast_indices(&cshape, &fill.shape);
        let keep: Vec<f32> = ic
            .iter()
            .map(|&i| f32::from(u8::from((cond.data[i] != 0.0) == x_when_true)))
            .collect();
        let add: Vec<f32> = keep
            .iter()
            .zip(&ifl)
            .map(|(&k, &j)| if k == 0.0 { fill.data[j] } else { 0.0 })
            .collect();
        let t = self.push(
            &node.name,
            Op::MulConst {
                c: FConst {
                    shape: cshape.clone(),
                    data: keep,
                },
            },
            vec![x],
            shape.clone(),
        );
        let c = FConst {
            shape: cshape,
            data: add,
        };
        Ok(Val::T(self.push(
            &node.name,
            Op::AddConst { c },
            vec![t],
            shape,
        )))
    }

    /// Gather with constant indices (any shape, negative ones counted from the end): a 1-D
    /// `Gather` along the axis, then a reshape to tract's output shape. Rows of a constant table
    /// picked by an activation (token ids): an [`Op::Embedding`].
    fn lower_gather(&mut self, node: &TypedNode, axis: usize, shape: &[usize]) -> Result<TensorId> {
        if let (Val::C(table), Val::T(ids)) = (self.input(node, 0)?, self.input(node, 1)?) {
            let mut want = self.shape(ids).to_vec();
            want.extend(table.shape.iter().skip(1));
            if axis != 0 || table.shape.is_empty() || want != shape {
                return Err(self.unsupported(
                    &node.name,
                    "Gather",
                    format!(
                        "an embedding lookup gathers rows (axis 0) of its table: got axis {axis}, \
                         table {:?}, ids {:?}",
                        table.shape,
                        self.shape(ids)
                    ),
                ));
            }
            return Ok(self.push(&node.name, Op::Embedding { table }, vec![ids], want));
        }
        let x = self.tensor_input(node, 0)?;
        let idx = self.const_input(node, 1)?;
        let d = self.shape(x).get(axis).copied().unwrap_or(0);
        let indices = idx
            .data
            .iter()
            .map(|&v| {
                let i = if v < 0.0 { v + d as f32 } else { v };
                (i >= 0.0 && (i as usize) < d && i.fract() == 0.0)
                    .then_some(i as usize)
                    .ok_or_else(|| {
                        ModelError::invalid(
                            &node.name,
                            format!("gather index {v} out of range 0..{d}"),
                        )
                    })
            })
            .collect::<Result<Vec<_>>>()?;
        let mut s = self.shape(x).to_vec();
        s[axis] = indices.len();
        let t = self.push(&node.name, Op::Gather { axis, indices }, vec![x], s);
        Ok(self.reshape(&node.name, t, shape))
    }

    fn lower_axis_op(
        &mut self,
        node: &TypedNode,
        a: &ops::change_axes::AxisOp,
        shape: &[usize],
    ) -> Result<TensorId> {
        let x = self.tensor_input(node, 0)?;
        Ok(match a {
            ops::change_axes::AxisOp::Move(from, to) => {
                let mut perm: Vec<usize> = (0..shape.len()).collect();
                let p = perm.remove(*from);
                perm.insert(*to, p);
                self.transpose(&node.name, x, &perm)
            }
            _ => self.reshape(&node.name, x, shape),
        })
    }
}

fn lower_const(node: &TypedNode, t: &Tensor) -> Result<Val> {
    let f = t
        .cast_to::<f32>()
        .map_err(|e| ModelError::tract(format!("reading constant {}", node.name), &e))?;
    let data = f
        .to_plain_array_view::<f32>()
        .map_err(|e| ModelError::tract("reading constant", &e))?
        .iter()
        .copied()
        .collect();
    Ok(Val::C(FConst {
        shape: t.shape().to_vec(),
        data,
    }))
}
