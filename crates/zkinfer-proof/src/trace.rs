//! The interpreter's trace of a [`ProofGraph`]: the logical values of every tensor, computed by
//! `zkinfer-model`'s integer interpreter ([`QuantGraph::execute_node`]), the one integer semantics.
//!
//! The pipeline proves with the trace it already has (`QuantGraph::execute` of the model it
//! lowered); this module serves the callers that hold only a proof graph (a proving key alone,
//! graphs built in code by tests and benchmarks). It undoes [`crate::lower`]: each op becomes its
//! `QOp` (an axis map becomes one slice, sum or gather per mapped axis, through temporary tensors
//! that the trace drops). The one op without a `QOp` is a function table given only by its list
//! of outputs ([`TableGen::Explicit`]): its value is a lookup in that list, its definition.

use zkinfer_model::{ConstTensor, ModelError, QNode, QOp, QTensor, QuantGraph};

use crate::error::ProveError;
use crate::ir::{AxisMap, Const, Node, Op, ProofGraph, TableGen};
use crate::ops::util::{act_range, checked, key_mismatch};

/// One step of the raised graph.
enum Step {
    /// A node of the interpreter.
    Model(QNode),
    /// `y = outputs[x − lo]` for a table given by its outputs.
    Lookup {
        name: String,
        input: usize,
        output: usize,
        outputs: Vec<i64>,
    },
    /// `y[.., offset + i, ..] = x[.., i, ..]` along `axis`, zero elsewhere: an
    /// [`AxisMap::Place`] outside a concatenation (the zero padding of a lowered depthwise
    /// convolution), which has no `QOp`.
    Place {
        name: String,
        axis: usize,
        offset: usize,
        input: usize,
        output: usize,
    },
}

fn konst(c: &Const) -> ConstTensor {
    ConstTensor {
        shape: c.shape.clone(),
        data: c.values.clone(),
        scale: 0,
    }
}

/// The logical values of every tensor of `graph` on `input`, indexed like `graph.tensors`.
///
/// # Errors
/// [`ProveError::InputLength`], [`ProveError::OutOfRange`] (a value outside the compiled range,
/// a divisor or square-root input outside its bound), or [`ProveError::KeyMismatch`] for an op
/// the interpreter does not have.
///
/// # Panics
/// Through the interpreter, if the graph's shapes do not fit its ops: the graph must compile
/// (the prover checks its key's graph first).
pub fn run(graph: &ProofGraph, input: &[i64]) -> Result<Vec<Vec<i64>>, ProveError> {
    let n = graph
        .tensors
        .get(graph.input)
        .map_or(0, crate::ir::Tensor::len);
    if input.len() != n {
        return Err(ProveError::InputLength {
            expected: n,
            got: input.len(),
        });
    }
    let (q, steps) = raise(graph)?;
    let mut values = vec![Vec::new(); q.tensors.len()];
    *values
        .get_mut(graph.input)
        .ok_or_else(|| key_mismatch("input", "input tensor"))? = input.to_vec();
    let (lo, hi) = act_range(graph.act_bits);
    for step in &steps {
        let (out, y) = match step {
            Step::Model(node) => (node.output, q.execute_node(node, &values).map_err(model)?),
            Step::Lookup {
                name,
                input,
                output,
                outputs,
            } => {
                let x = values
                    .get(*input)
                    .ok_or_else(|| key_mismatch(name, "input"))?;
                let y = x
                    .iter()
                    .map(|&v| {
                        let v = checked(name, i128::from(v), lo, hi)?;
                        usize::try_from(i128::from(v) - lo)
                            .ok()
                            .and_then(|i| outputs.get(i).copied())
                            .ok_or_else(|| key_mismatch(name, "table size"))
                    })
                    .collect::<Result<_, ProveError>>()?;
                (*output, y)
            }
            Step::Place {
                name,
                axis,
                offset,
                input,
                output,
            } => (
                *output,
                place(&q, &values, name, *axis, *offset, *input, *output)?,
            ),
        };
        *values
            .get_mut(out)
            .ok_or_else(|| key_mismatch("trace", "output tensor"))? = y;
    }
    values.truncate(graph.tensors.len());
    Ok(values)
}

/// [`Step::Place`]: `x` (shape of tensor `input`) placed at `offset` along `axis` of the zero
/// tensor of `output`'s shape.
fn place(
    q: &QuantGraph,
    values: &[Vec<i64>],
    name: &str,
    axis: usize,
    offset: usize,
    input: usize,
    output: usize,
) -> Result<Vec<i64>, ProveError> {
    let bad = || key_mismatch(name, "place");
    let (xs, ys) = (
        &q.tensors.get(input).ok_or_else(bad)?.shape,
        &q.tensors.get(output).ok_or_else(bad)?.shape,
    );
    let x = values.get(input).ok_or_else(bad)?;
    let (n, o) = (
        *xs.get(axis).ok_or_else(bad)?,
        *ys.get(axis).ok_or_else(bad)?,
    );
    let inner: usize = xs.get(axis + 1..).ok_or_else(bad)?.iter().product();
    let outer: usize = xs.get(..axis).ok_or_else(bad)?.iter().product();
    let same = xs.len() == ys.len()
        && xs
            .iter()
            .zip(ys)
            .enumerate()
            .all(|(a, (d, e))| a == axis || d == e);
    if !same || offset + n > o || x.len() != outer * n * inner {
        return Err(bad());
    }
    let mut y = vec![0i64; outer * o * inner];
    for (src, dst) in x.chunks_exact(n * inner).zip(y.chunks_exact_mut(o * inner)) {
        dst.get_mut(offset * inner..(offset + n) * inner)
            .ok_or_else(bad)?
            .copy_from_slice(src);
    }
    Ok(y)
}

fn model(e: ModelError) -> ProveError {
    match e {
        ModelError::OutOfRange {
            layer,
            value,
            min,
            max,
            ..
        } => ProveError::OutOfRange {
            layer,
            value,
            lo: i128::from(min),
            hi: i128::from(max),
        },
        e => ProveError::Backend(format!("interpreter: {e}")),
    }
}

/// `graph` as a quantized graph (bounds unknown: `u64::MAX`) and the steps that run it.
fn raise(graph: &ProofGraph) -> Result<(QuantGraph, Vec<Step>), ProveError> {
    let mut tensors: Vec<QTensor> = graph
        .tensors
        .iter()
        .map(|t| QTensor {
            name: t.name.clone(),
            shape: t.shape.clone(),
            scale: t.scale,
            bound: u64::MAX,
        })
        .collect();
    let mut steps = Vec::with_capacity(graph.nodes.len());
    for node in &graph.nodes {
        let at = node.name.as_str();
        let qnode = |op: QOp| {
            Step::Model(QNode {
                name: node.name.clone(),
                op,
                inputs: node.inputs.clone(),
                output: node.output,
            })
        };
        let shape = |t: usize| {
            graph
                .tensors
                .get(t)
                .map(|t| t.shape.clone())
                .ok_or_else(|| key_mismatch(at, "tensor"))
        };
        let step = match &node.op {
            Op::Input => continue,
            Op::Embedding { table } => qnode(QOp::Embedding {
                table: konst(table),
            }),
            Op::MatMulConst { weight, bias } => qnode(QOp::MatMulConst {
                weight: konst(weight),
                bias: bias.as_ref().map(konst),
            }),
            Op::Conv2d {
                weight,
                bias,
                window,
            } => qnode(QOp::Conv2d {
                weight: konst(weight),
                bias: bias.as_ref().map(konst),
                stride: window.stride,
                pad: window.pad,
                dilation: window.dilation,
                groups: 1,
            }),
            Op::SumPool { window } | Op::MaxPool { window } => {
                if window.dilation != [1, 1] {
                    return Err(key_mismatch(at, "dilated pooling"));
                }
                let (kernel, stride, pad) = (window.kernel, window.stride, window.pad);
                qnode(if matches!(node.op, Op::MaxPool { .. }) {
                    QOp::MaxPool {
                        kernel,
                        stride,
                        pad,
                    }
                } else {
                    QOp::SumPool {
                        kernel,
                        stride,
                        pad,
                    }
                })
            }
            Op::Add => qnode(QOp::Add),
            Op::Sub => qnode(QOp::Sub),
            Op::MulConst { c } => qnode(QOp::MulConst { c: *c }),
            Op::AddConst { c } => qnode(QOp::AddConst { c: konst(c) }),
            Op::MulConstTensor { c } => qnode(QOp::MulConstTensor { c: konst(c) }),
            Op::Reshape => qnode(QOp::Reshape {
                shape: shape(node.output)?,
            }),
            Op::Transpose { perm } => qnode(QOp::Transpose { perm: perm.clone() }),
            Op::Concat { axis } => qnode(QOp::Concat { axis: *axis }),
            Op::AxisMap { maps } => {
                axis_steps(node, maps, &shape(node.output)?, &mut tensors, &mut steps)?;
                continue;
            }
            Op::Rescale { shift } => qnode(QOp::Rescale { shift: *shift }),
            Op::Relu
            | Op::Table {
                generator: TableGen::Relu,
                ..
            } => qnode(QOp::Relu),
            Op::Table {
                generator:
                    TableGen::Model {
                        func,
                        in_scale,
                        out_scale,
                    },
                ..
            } => qnode(QOp::Table {
                func: *func,
                in_scale: *in_scale,
                out_scale: *out_scale,
            }),
            Op::Table {
                outputs,
                generator: TableGen::Explicit,
                ..
            } => Step::Lookup {
                name: node.name.clone(),
                input: *node
                    .inputs
                    .first()
                    .ok_or_else(|| key_mismatch(at, "input"))?,
                output: node.output,
                outputs: outputs.clone(),
            },
            Op::MatMul => qnode(QOp::MatMul),
            Op::Mul => qnode(QOp::Mul),
            Op::ReduceMax => qnode(QOp::ReduceMax),
            Op::ArgMax => qnode(QOp::ArgMax),
            Op::Div {
                shift,
                divisor_bits,
                ..
            } => qnode(QOp::Div {
                shift: *shift,
                divisor_bits: *divisor_bits,
            }),
            Op::Isqrt { in_bits } => qnode(QOp::Isqrt { in_bits: *in_bits }),
        };
        steps.push(step);
    }
    let q = QuantGraph {
        tensors,
        nodes: Vec::new(),
        input: graph.input,
        output: graph.output,
        act_bits: graph.act_bits,
        weight_bits: graph.act_bits,
        input_kind: zkinfer_model::InputKind::Float,
        input_parts: Vec::new(),
    };
    Ok((q, steps))
}

/// An axis map as one interpreter op per mapped axis (slice, sum or gather), chained through
/// temporary tensors appended to `tensors`.
fn axis_steps(
    node: &Node,
    maps: &[AxisMap],
    out_shape: &[usize],
    tensors: &mut Vec<QTensor>,
    steps: &mut Vec<Step>,
) -> Result<(), ProveError> {
    let at = node.name.as_str();
    let bad = || key_mismatch(at, "axis map");
    let mut from = *node.inputs.first().ok_or_else(bad)?;
    let mut shape = tensors.get(from).ok_or_else(bad)?.shape.clone();
    let mapped: Vec<usize> = (0..maps.len())
        .filter(|&a| maps.get(a) != Some(&AxisMap::Identity))
        .collect();
    if shape.len() != maps.len() || out_shape.len() != maps.len() {
        return Err(bad());
    }
    if mapped.is_empty() {
        steps.push(Step::Model(QNode {
            name: node.name.clone(),
            op: QOp::Reshape {
                shape: out_shape.to_vec(),
            },
            inputs: vec![from],
            output: node.output,
        }));
        return Ok(());
    }
    for (i, &a) in mapped.iter().enumerate() {
        let out_len = *out_shape.get(a).ok_or_else(bad)?;
        let op = match maps.get(a).ok_or_else(bad)? {
            AxisMap::Slice { start, step } => QOp::Slice {
                axis: a,
                start: *start,
                end: start + step * out_len.saturating_sub(1) + 1,
                step: *step,
            },
            AxisMap::Sum => QOp::Sum { axes: vec![a] },
            AxisMap::Gather { indices } => QOp::Gather {
                axis: a,
                indices: indices.clone(),
            },
            AxisMap::Place { offset } => {
                let output = next(node, i + 1 == mapped.len(), a, out_len, &mut shape, tensors)?;
                steps.push(Step::Place {
                    name: node.name.clone(),
                    axis: a,
                    offset: *offset,
                    input: from,
                    output,
                });
                from = output;
                continue;
            }
            AxisMap::Identity => return Err(bad()),
        };
        let output = next(node, i + 1 == mapped.len(), a, out_len, &mut shape, tensors)?;
        steps.push(Step::Model(QNode {
            name: node.name.clone(),
            op,
            inputs: vec![from],
            output,
        }));
        from = output;
    }
    Ok(())
}

/// [`axis_steps`]'s output tensor of mapped axis `a` (new length `out_len`): the node's output
/// for the last mapped axis, else a temporary appended to `tensors`.
fn next(
    node: &Node,
    last: bool,
    a: usize,
    out_len: usize,
    shape: &mut [usize],
    tensors: &mut Vec<QTensor>,
) -> Result<usize, ProveError> {
    *shape
        .get_mut(a)
        .ok_or_else(|| key_mismatch(&node.name, "axis map"))? = out_len;
    if last {
        return Ok(node.output);
    }
    tensors.push(QTensor {
        name: format!("{}/axis{a}", node.name),
        shape: shape.to_vec(),
        scale: 0,
        bound: u64::MAX,
    });
    Ok(tensors.len() - 1)
}
