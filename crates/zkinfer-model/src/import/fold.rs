//! Folding of per-channel affine constants into the linear op before them: a BatchNormalization
//! that tract decomposed into `Mul(c) → Add(d)` after a Conv or a Gemm becomes part of the
//! weights and bias (`w' = w · c`, `b' = b · c + d`), and a Gemm's bias `Add` (possibly after a
//! reshape that keeps the last axis) becomes its bias.

use crate::graph::{FConst, Graph, Op, TensorId};

/// Per output channel values of `c` if it broadcasts only along `axis` of an output of `shape`.
fn per_channel(c: &FConst, shape: &[usize], axis: usize) -> Option<Vec<f32>> {
    let n = shape[axis];
    if c.shape.len() != shape.len()
        || c.shape
            .iter()
            .enumerate()
            .any(|(i, &d)| d != 1 && i != axis)
    {
        return None;
    }
    match c.data.len() {
        1 => Some(vec![c.data[0]; n]),
        len if len == n => Some(c.data.clone()),
        _ => None,
    }
}

fn consumers(g: &Graph, t: TensorId) -> Vec<usize> {
    g.nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| n.inputs.contains(&t))
        .map(|(i, _)| i)
        .collect()
}

/// Folds until nothing changes, then removes the identity nodes left behind.
pub(super) fn fold_affine(g: &mut Graph) {
    while fold_once(g) {}
    remove_identities(g);
}

fn fold_once(g: &mut Graph) -> bool {
    for i in 0..g.nodes.len() {
        let (channels, axis) = match &g.nodes[i].op {
            Op::Conv2d { weight, .. } => (weight.shape[0], 1),
            Op::MatMulConst { weight, .. } => (weight.shape[1], usize::MAX),
            _ => continue,
        };
        // Follow single-consumer reshapes that keep the channel as the last axis (Gemm only).
        let mut t = g.nodes[i].output;
        loop {
            let c = consumers(g, t);
            if c.len() != 1 || t == g.output {
                break;
            }
            let j = c[0];
            let shape = &g.tensors[g.nodes[j].output].shape;
            match &g.nodes[j].op {
                Op::Reshape { .. } if axis == usize::MAX && shape.last() == Some(&channels) => {
                    t = g.nodes[j].output;
                }
                Op::MulConst { c } | Op::AddConst { c } => {
                    let ax = if axis == usize::MAX {
                        shape.len() - 1
                    } else {
                        axis
                    };
                    let Some(v) = per_channel(c, shape, ax) else {
                        break;
                    };
                    let is_mul = matches!(g.nodes[j].op, Op::MulConst { .. });
                    apply(&mut g.nodes[i].op, &v, is_mul);
                    let out_shape = shape.clone();
                    g.nodes[j].op = Op::Reshape { shape: out_shape };
                    return true;
                }
                _ => break,
            }
        }
    }
    false
}

fn apply(op: &mut Op, v: &[f32], is_mul: bool) {
    let (weight, bias, per) = match op {
        Op::Conv2d { weight, bias, .. } => {
            let per = weight.data.len() / v.len();
            (weight, bias, Some(per))
        }
        Op::MatMulConst { weight, bias } => (weight, bias, None),
        _ => return,
    };
    let b = bias.get_or_insert_with(|| vec![0.0; v.len()]);
    if is_mul {
        match per {
            Some(per) => weight
                .data
                .iter_mut()
                .enumerate()
                .for_each(|(k, w)| *w *= v[k / per]),
            None => weight
                .data
                .iter_mut()
                .enumerate()
                .for_each(|(k, w)| *w *= v[k % v.len()]),
        }
        b.iter_mut().zip(v).for_each(|(b, c)| *b *= c);
    } else {
        b.iter_mut().zip(v).for_each(|(b, c)| *b += c);
    }
}

/// Removes `Reshape`s to the shape they already have, rewiring their consumers.
fn remove_identities(g: &mut Graph) {
    let mut alias: Vec<TensorId> = (0..g.tensors.len()).collect();
    let mut keep = Vec::with_capacity(g.nodes.len());
    for mut n in std::mem::take(&mut g.nodes) {
        n.inputs.iter_mut().for_each(|x| *x = alias[*x]);
        let x = n.inputs[0];
        if matches!(n.op, Op::Reshape { .. }) && g.tensors[x].shape == g.tensors[n.output].shape {
            alias[n.output] = x;
        } else {
            keep.push(n);
        }
    }
    g.nodes = keep;
    g.output = alias[g.output];
}
