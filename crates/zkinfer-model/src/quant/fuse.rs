//! Patterns of the float graph that quantize as a whole: the decomposed LayerNorm, a softmax
//! behind a constant attention mask, and fused elementwise functions (GELU's tanh/erf forms).
//!
//! [`find`] only looks at the float graph; the quantizer decides per pattern whether to use it.

use std::collections::HashMap;

use crate::graph::{FConst, Graph, Op, TensorId};

/// A mask is an additive constant whose entries are 0 (keep) or at most this (drop).
pub(crate) const MASK_FILL: f32 = -1e4;

/// A normalization over the last axis: `x → (x − mean) / sqrt(var + eps)` (`mean`) or
/// `x / sqrt(mean(x²) + eps)`.
#[derive(Clone, Debug)]
pub(crate) struct Norm {
    /// The normalized float tensor.
    pub x: TensorId,
    /// Whether the mean is subtracted (LayerNorm) or not (RmsNorm).
    pub mean: bool,
    /// Epsilon.
    pub eps: f32,
}

/// A softmax over the last axis whose input is `x` plus a 0 / −huge constant (after an optional
/// `MulConst` by the matching 0/1 keep mask).
#[derive(Clone, Debug)]
pub(crate) struct Mask {
    /// The unmasked scores.
    pub x: TensorId,
    /// 1 = keep, 0 = masked; broadcasts to `x`.
    pub keep: FConst,
}

/// A softmax over the last axis whose input is `x + f(keep)`, `keep` a 0/1 tensor computed from
/// an attention-mask input and `f` an affine map of scalars with `f(1) = 0` and
/// `f(0) ≤ MASK_FILL` (Hugging Face's `Where(mask, 0, finfo.min)` or `(1 − mask)·finfo.min`).
#[derive(Clone, Debug)]
pub(crate) struct TensorMask {
    /// The unmasked scores.
    pub x: TensorId,
    /// 1 = keep, 0 = masked; broadcasts to `x`.
    pub keep: TensorId,
}

/// An elementwise function of one tensor computed by several float nodes.
#[derive(Clone, Debug)]
pub(crate) struct Elementwise {
    /// Its argument.
    pub root: TensorId,
    /// The nodes (indices into `Graph::nodes`, in order), the last one producing the result.
    pub nodes: Vec<usize>,
}

/// What [`find`] found. Keys are node indices.
#[derive(Debug, Default)]
pub(crate) struct Patterns {
    /// At the `RmsNorm` node.
    pub norms: HashMap<usize, Norm>,
    /// At the `Softmax` node.
    pub masks: HashMap<usize, Mask>,
    /// At the `Softmax` node: behind a data-dependent attention mask.
    pub tensor_masks: HashMap<usize, TensorMask>,
    /// At the group's last node.
    pub elementwise: HashMap<usize, Elementwise>,
    /// Nodes whose work a pattern does (skipped; an elementwise group's inner nodes are lowered
    /// one by one if the group matches no table).
    pub absorbed: Vec<bool>,
}

struct Uses {
    users: Vec<Vec<usize>>,
    producer: Vec<Option<usize>>,
    output: TensorId,
}

impl Uses {
    fn new(g: &Graph) -> Self {
        let mut users = vec![Vec::new(); g.tensors.len()];
        let mut producer = vec![None; g.tensors.len()];
        for (i, n) in g.nodes.iter().enumerate() {
            for &t in &n.inputs {
                users[t].push(i);
            }
            producer[n.output] = Some(i);
        }
        Uses {
            users,
            producer,
            output: g.output,
        }
    }

    /// Node producing `t` if `t`'s only use is node `by`.
    fn sole(&self, t: TensorId, by: usize) -> Option<usize> {
        (self.users[t] == [by] && t != self.output)
            .then_some(())
            .and(self.producer[t])
    }
}

fn scalar_elementwise(op: &Op) -> bool {
    match op {
        Op::MulConst { c } | Op::AddConst { c } => c.data.len() == 1,
        Op::PowConst { .. }
        | Op::Tanh
        | Op::Erf
        | Op::Sigmoid
        | Op::Exp
        | Op::Recip
        | Op::GeluErf
        | Op::Relu
        | Op::LeakyRelu { .. }
        | Op::Clip { .. } => true,
        _ => false,
    }
}

/// Finds the patterns of `g`.
pub(crate) fn find(g: &Graph) -> Patterns {
    let u = Uses::new(g);
    let mut p = Patterns {
        absorbed: vec![false; g.nodes.len()],
        ..Patterns::default()
    };
    // The bias nodes of data-dependent masks: absorbed when every user is (shared by layers).
    let mut mask_chains: Vec<usize> = Vec::new();
    for (i, n) in g.nodes.iter().enumerate() {
        let last = |t: TensorId| g.tensors[t].shape.len().saturating_sub(1);
        match &n.op {
            Op::RmsNorm { axis, eps } if *axis == last(n.inputs[0]) => {
                let d = n.inputs[0];
                let norm = layer_norm(g, &u, i, d).map_or(
                    Norm {
                        x: d,
                        mean: false,
                        eps: *eps,
                    },
                    |(x, inner)| {
                        inner.iter().for_each(|&j| p.absorbed[j] = true);
                        Norm {
                            x,
                            mean: true,
                            eps: *eps,
                        }
                    },
                );
                p.norms.insert(i, norm);
            }
            Op::Softmax { axis } if *axis == last(n.inputs[0]) => {
                if let Some((m, inner)) = mask(g, &u, i, n.inputs[0]) {
                    inner.iter().for_each(|&j| p.absorbed[j] = true);
                    p.masks.insert(i, m);
                } else if let Some((m, inner)) = tensor_mask(g, &u, i, n.inputs[0]) {
                    p.absorbed[inner[0]] = true;
                    mask_chains.extend(&inner[1..]);
                    p.tensor_masks.insert(i, m);
                }
            }
            _ => {}
        }
    }
    mask_chains.sort_unstable();
    mask_chains.dedup();
    for &j in mask_chains.iter().rev() {
        let out = g.nodes[j].output;
        if out != g.output && u.users[out].iter().all(|&k| p.absorbed[k]) {
            p.absorbed[j] = true;
        }
    }
    // Elementwise groups: root(t) is the single tensor t is an elementwise function of.
    let mut root: Vec<TensorId> = (0..g.tensors.len()).collect();
    for n in &g.nodes {
        let same = |t: TensorId| g.tensors[t].shape == g.tensors[n.output].shape;
        root[n.output] = match (&n.op, n.inputs.as_slice()) {
            (op, [x]) if scalar_elementwise(op) => root[*x],
            (Op::Add | Op::Sub | Op::Mul | Op::Div, [a, b])
                if same(*a) && same(*b) && root[*a] == root[*b] =>
            {
                root[*a]
            }
            _ => n.output,
        };
    }
    let mut groups: HashMap<TensorId, Vec<usize>> = HashMap::new();
    for (i, n) in g.nodes.iter().enumerate() {
        if root[n.output] != n.output && !p.absorbed[i] {
            groups.entry(root[n.output]).or_default().push(i);
        }
    }
    for (r, nodes) in groups {
        let inside = |j: usize| nodes.contains(&j);
        let outs: Vec<usize> = nodes
            .iter()
            .copied()
            .filter(|&j| {
                let t = g.nodes[j].output;
                t == g.output || u.users[t].iter().any(|&k| !inside(k))
            })
            .collect();
        if nodes.len() >= 2 && outs.len() == 1 && outs[0] == *nodes.last().unwrap_or(&0) {
            nodes[..nodes.len() - 1]
                .iter()
                .for_each(|&j| p.absorbed[j] = true);
            p.elementwise
                .insert(outs[0], Elementwise { root: r, nodes });
        }
    }
    p
}

/// `d = Sub(x, MulConst(ReduceSum(x, last), 1/n))` used only by the norm at node `at`: returns
/// `x` and the three inner nodes.
fn layer_norm(g: &Graph, u: &Uses, at: usize, d: TensorId) -> Option<(TensorId, [usize; 3])> {
    let sub = u.sole(d, at)?;
    let Op::Sub = g.nodes[sub].op else {
        return None;
    };
    let [x, mean] = g.nodes[sub].inputs[..] else {
        return None;
    };
    let mul = u.sole(mean, sub)?;
    let Op::MulConst { c } = &g.nodes[mul].op else {
        return None;
    };
    let sum = u.sole(g.nodes[mul].inputs[0], mul)?;
    let Op::ReduceSum { axes } = &g.nodes[sum].op else {
        return None;
    };
    let xs = &g.tensors[x].shape;
    let n = *xs.last()?;
    let ok = g.nodes[sum].inputs[0] == x
        && axes.as_slice() == [xs.len() - 1]
        && c.scalar()
            .is_some_and(|v| (f64::from(v) * n as f64 - 1.0).abs() < 1e-6);
    ok.then_some((x, [sum, mul, sub]))
}

fn mask(g: &Graph, u: &Uses, at: usize, s: TensorId) -> Option<(Mask, Vec<usize>)> {
    let add = u.sole(s, at)?;
    let Op::AddConst { c } = &g.nodes[add].op else {
        return None;
    };
    let is_mask =
        c.data.iter().all(|&v| v == 0.0 || v <= MASK_FILL) && c.data.iter().any(|&v| v != 0.0);
    if !is_mask {
        return None;
    }
    let keep = FConst {
        shape: c.shape.clone(),
        data: c
            .data
            .iter()
            .map(|&v| f32::from(u8::from(v == 0.0)))
            .collect(),
    };
    let x = g.nodes[add].inputs[0];
    // `Where` lowers to MulConst(keep) then AddConst(fill): the MulConst is part of the mask.
    if let Some(mul) = u.sole(x, add)
        && let Op::MulConst { c: k } = &g.nodes[mul].op
        && k.shape == keep.shape
        && k.data == keep.data
    {
        let x = g.nodes[mul].inputs[0];
        return Some((Mask { x, keep }, vec![mul, add]));
    }
    Some((Mask { x, keep }, vec![add]))
}

/// `Softmax(Add(x, bias))` with `bias = f(keep)` for a chain of scalar `MulConst`/`AddConst`
/// nodes `f`, `f(1) ≈ 0` and `f(0) ≤ MASK_FILL`. The absorbed nodes: the `Add`, and each node of
/// the chain whose every user is absorbed (one mask's bias is shared by every layer's scores).
fn tensor_mask(g: &Graph, u: &Uses, at: usize, s: TensorId) -> Option<(TensorMask, Vec<usize>)> {
    let add = u.sole(s, at)?;
    let (Op::Add, [x, bias]) = (&g.nodes[add].op, g.nodes[add].inputs.as_slice()) else {
        return None;
    };
    let (x, bias) = (*x, *bias);
    if g.tensors[x].shape != g.tensors[s].shape {
        return None;
    }
    // Walk back from `bias` to the first tensor that is not a scalar affine step.
    let mut chain = Vec::new();
    let mut t = bias;
    let (mut alpha, mut beta) = (1f64, 0f64); // bias = alpha·t + beta
    while let Some(j) = u.producer[t] {
        match &g.nodes[j].op {
            Op::MulConst { c } if c.data.len() == 1 => {
                let v = f64::from(c.data[0]);
                // bias = alpha·(v·t') + beta
                alpha *= v;
            }
            Op::AddConst { c } if c.data.len() == 1 => beta += alpha * f64::from(c.data[0]),
            _ => break,
        }
        chain.push(j);
        t = g.nodes[j].inputs[0];
    }
    let fill = f64::from(MASK_FILL);
    if chain.is_empty() || (alpha + beta).abs() > 1e-3 * alpha.abs().max(1.0) || beta > fill {
        return None;
    }
    let mut inner = vec![add];
    inner.extend(chain);
    Some((TensorMask { x, keep: t }, inner))
}

/// The f64 value of an elementwise group at `x` (`None` if an op is not elementwise).
pub(crate) fn eval_group(g: &Graph, e: &Elementwise, x: f64) -> Option<f64> {
    let mut v: HashMap<TensorId, f64> = HashMap::new();
    v.insert(e.root, x);
    for &j in &e.nodes {
        let n = &g.nodes[j];
        let a = *v.get(&n.inputs[0])?;
        let b = || n.inputs.get(1).and_then(|t| v.get(t).copied());
        let c = |c: &FConst| f64::from(c.data[0]);
        let y = match &n.op {
            Op::MulConst { c: k } => a * c(k),
            Op::AddConst { c: k } => a + c(k),
            Op::PowConst { p } => a.powf(f64::from(*p)),
            Op::Tanh => a.tanh(),
            Op::Erf => super::erf(a),
            Op::Sigmoid => 1.0 / (1.0 + (-a).exp()),
            Op::Exp => a.exp(),
            Op::Recip => a.recip(),
            Op::GeluErf => super::TableFn::GeluErf.real(a),
            Op::Relu => a.max(0.0),
            Op::LeakyRelu { alpha } => super::TableFn::LeakyRelu { alpha: *alpha }.real(a),
            Op::Clip { lo, hi } => a.max(f64::from(*lo)).min(f64::from(*hi)),
            Op::Add => a + b()?,
            Op::Sub => a - b()?,
            Op::Mul => a * b()?,
            Op::Div => a / b()?,
            _ => return None,
        };
        v.insert(n.output, y);
    }
    v.get(&g.nodes[*e.nodes.last()?].output).copied()
}
