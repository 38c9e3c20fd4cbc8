//! Lowering the quantized graph of `zkinfer-model` into the engine's [`ProofGraph`].
//!
//! The two IRs are nearly the same; lowering adds the explicit input node, turns tables into
//! their value lists (computed by [`TableFn::eval`], the one definition), drops zero shifts,
//! rewrites grouped and depthwise convolutions into existing proof ops ([`grouped`]: the only
//! place where lowering adds tensors, appended after the quantized graph's so its trace stays a
//! prefix of the proof graph's), and names the ops the engine cannot prove yet.

use crate::ir::{AxisMap, Const, Node, Op, ProofGraph, TableGen, Tensor, Window};
use zkinfer_model::{ConstTensor, QOp, QuantGraph, TableFn};

pub mod grouped;
use grouped::Emit;

/// An op of the quantized graph that has no prover yet.
#[derive(Debug, thiserror::Error)]
#[error("layer `{node}`: {op} has no prover yet ({hint})")]
pub struct LowerError {
    /// Node name.
    pub node: String,
    /// Op.
    pub op: String,
    /// What to do.
    pub hint: String,
}

fn konst(c: &ConstTensor) -> Const {
    Const {
        shape: c.shape.clone(),
        values: c.data.clone(),
    }
}

/// Lowers `q`.
///
/// # Errors
/// [`LowerError`] for an op without a prover (max-pool with padding, ops the engine lacks) or a
/// grouped convolution whose shapes do not fit its groups.
pub fn lower(q: &QuantGraph) -> Result<ProofGraph, LowerError> {
    let mut tensors: Vec<Tensor> = q
        .tensors
        .iter()
        .map(|t| Tensor {
            name: t.name.clone(),
            shape: t.shape.clone(),
            scale: t.scale,
        })
        .collect();
    let mut nodes = vec![Node {
        name: "input".into(),
        op: Op::Input,
        inputs: vec![],
        output: q.input,
    }];
    let half = 1i64 << (q.act_bits - 1);
    for n in &q.nodes {
        let err = |hint: &str| LowerError {
            node: n.name.clone(),
            op: op_name(&n.op),
            hint: hint.into(),
        };
        let op = match &n.op {
            QOp::MatMulConst { weight, bias } => Op::MatMulConst {
                weight: konst(weight),
                bias: bias.as_ref().map(konst),
            },
            QOp::Conv2d {
                weight,
                bias,
                stride,
                pad,
                dilation,
                groups,
            } => {
                let [_, _, kh, kw] = weight.shape[..] else {
                    return Err(err("the weight is not [CO, CI/groups, KH, KW]"));
                };
                let window = Window {
                    kernel: [kh, kw],
                    stride: *stride,
                    pad: *pad,
                    dilation: *dilation,
                };
                if *groups != 1 {
                    let mut b = Emit {
                        tensors: &mut tensors,
                        nodes: &mut nodes,
                    };
                    grouped::lower_grouped(&mut b, n, weight, bias.as_ref(), window, *groups)
                        .map_err(|h| err(&h))?;
                    continue;
                }
                Op::Conv2d {
                    weight: konst(weight),
                    bias: bias.as_ref().map(konst),
                    window,
                }
            }
            QOp::Embedding { table } => Op::Embedding {
                table: konst(table),
            },
            QOp::Add => Op::Add,
            QOp::Sub => Op::Sub,
            QOp::MulConst { c } => Op::MulConst { c: *c },
            QOp::AddConst { c } => Op::AddConst { c: konst(c) },
            QOp::MulConstTensor { c } => Op::MulConstTensor { c: konst(c) },
            QOp::SumPool {
                kernel,
                stride,
                pad,
            } => Op::SumPool {
                window: Window {
                    kernel: *kernel,
                    stride: *stride,
                    pad: *pad,
                    dilation: [1, 1],
                },
            },
            QOp::Reshape { .. } | QOp::Rescale { shift: 0 } => Op::Reshape,
            QOp::Transpose { perm } => Op::Transpose { perm: perm.clone() },
            QOp::Slice {
                axis,
                start,
                end: _,
                step,
            } => {
                let rank = q.tensors[n.inputs[0]].shape.len();
                let slice = AxisMap::Slice {
                    start: *start,
                    step: *step,
                };
                let maps = AxisMap::on_axis(rank, *axis, slice)
                    .ok_or_else(|| err("slice axis out of range"))?;
                Op::AxisMap { maps }
            }
            QOp::Sum { axes } => {
                let rank = q.tensors[n.inputs[0]].shape.len();
                let mut maps = vec![AxisMap::Identity; rank];
                for &a in axes {
                    if a >= rank {
                        return Err(err("sum axis out of range"));
                    }
                    maps[a] = AxisMap::Sum;
                }
                Op::AxisMap { maps }
            }
            QOp::Rescale { shift } => Op::Rescale { shift: *shift },
            QOp::Relu => Op::Relu,
            QOp::Table {
                func,
                in_scale,
                out_scale,
            } => Op::Table {
                name: format!("{}({in_scale}->{out_scale})", table_name(func)),
                outputs: func.table(-half, half - 1, *in_scale, *out_scale),
                generator: TableGen::Model {
                    func: *func,
                    in_scale: *in_scale,
                    out_scale: *out_scale,
                },
            },
            QOp::MaxPool {
                kernel,
                stride,
                pad,
            } => {
                if *pad != [0; 4] {
                    return Err(err("max-pool with padding is not proved yet"));
                }
                Op::MaxPool {
                    window: Window {
                        kernel: *kernel,
                        stride: *stride,
                        pad: *pad,
                        dilation: [1, 1],
                    },
                }
            }
            QOp::MatMul => Op::MatMul,
            QOp::Mul => Op::Mul,
            QOp::ReduceMax => Op::ReduceMax,
            QOp::ArgMax => Op::ArgMax,
            QOp::Div {
                shift,
                divisor_bits,
            } => Op::Div {
                shift: *shift,
                divisor_bits: *divisor_bits,
                dividend_bits: (64 - q.tensors[n.inputs[0]].bound.leading_zeros()).max(1),
            },
            QOp::Isqrt { in_bits } => Op::Isqrt { in_bits: *in_bits },
            QOp::Concat { axis } => Op::Concat { axis: *axis },
            QOp::Gather { axis, indices } => {
                let rank = q.tensors[n.inputs[0]].shape.len();
                let gather = AxisMap::Gather {
                    indices: indices.clone(),
                };
                let maps = AxisMap::on_axis(rank, *axis, gather)
                    .ok_or_else(|| err("gather axis out of range"))?;
                Op::AxisMap { maps }
            }
            _ => return Err(err("this op has no prover yet")),
        };
        nodes.push(Node {
            name: n.name.clone(),
            op,
            inputs: n.inputs.clone(),
            output: n.output,
        });
    }
    Ok(ProofGraph {
        tensors,
        nodes,
        input: q.input,
        output: q.output,
        act_bits: q.act_bits,
    })
}

fn table_name(f: &TableFn) -> String {
    format!("{f:?}")
        .split([' ', '{', '('])
        .next()
        .unwrap_or("table")
        .to_lowercase()
}

fn op_name(op: &QOp) -> String {
    format!("{op:?}")
        .split([' ', '{', '('])
        .next()
        .unwrap_or("?")
        .to_string()
}
