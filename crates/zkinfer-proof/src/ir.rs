//! The graph the engine proves: a topologically ordered list of integer primitives.
//!
//! It is the quantized graph of `zkinfer-model` (see [`crate::lower`]) restricted to what has a
//! prover. Every linear op's output is exactly the linear map of its inputs over the integers;
//! every non-linear op is a lookup-provable primitive. Tensors carry their logical shape; layouts
//! (padding to powers of two) are chosen by [`crate::plan`].

use serde::{Deserialize, Serialize};

/// Index of a tensor in [`ProofGraph::tensors`].
pub type TensorId = usize;

/// A tensor: name (for messages), logical shape, scale (fractional bits).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tensor {
    /// Name, for error messages.
    pub name: String,
    /// Logical shape (row-major).
    pub shape: Vec<usize>,
    /// Fractional bits: real ≈ q · 2^-scale.
    pub scale: i32,
}

impl Tensor {
    /// Number of elements.
    #[must_use]
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// Whether it has no elements.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A constant integer tensor (weights, biases).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Const {
    /// Logical shape.
    pub shape: Vec<usize>,
    /// Row-major values.
    pub values: Vec<i64>,
}

/// A 2-D window (kernel, stride, padding, dilation): `zkinfer-model`'s, the one window type.
pub use zkinfer_model::kernels::Window;

/// One primitive.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Op {
    /// The graph input.
    Input,
    /// `y[t, ..] = table[ids[t], ..]`: rows of a constant table (the weights) picked by token
    /// ids, the input `ids` (the public graph input, or a reshape of it). Output shape: the ids'
    /// shape followed by `table.shape[1..]`. Proved from the public ids with a selector sumcheck
    /// over the table's rows (`ops/embed.rs`).
    Embedding {
        /// `[vocab, ..]`.
        table: Const,
    },
    /// `y = x · W + b`: x `[.., K]` (any layout whose trailing axes multiply to K), W `[K, N]`,
    /// b `[N]` at the accumulator scale.
    MatMulConst {
        /// `[K, N]`.
        weight: Const,
        /// `[N]`.
        bias: Option<Const>,
    },
    /// 2-D convolution, NCHW with N = 1, groups = 1: W `[CO, CI, KH, KW]`, b `[CO]`.
    Conv2d {
        /// `[CO, CI, KH, KW]`.
        weight: Const,
        /// `[CO]`.
        bias: Option<Const>,
        /// The window.
        window: Window,
    },
    /// `a + b`; `b` broadcast to `a`'s shape (same rank, each dim 1 or equal).
    Add,
    /// `a − b`; `b` broadcast as for [`Op::Add`].
    Sub,
    /// `x · c` for an integer constant.
    MulConst {
        /// The multiplier.
        c: i64,
    },
    /// `x + c` for a constant broadcast to x's shape (same rank, dims 1 or equal).
    AddConst {
        /// The constant.
        c: Const,
    },
    /// `x ⊙ c` element-wise, for a constant broadcast to x's shape.
    MulConstTensor {
        /// The constant.
        c: Const,
    },
    /// Sum over each window (average pooling before its multiplier and rescale). NCHW, N = 1.
    SumPool {
        /// The window.
        window: Window,
    },
    /// Same data, new logical shape (row-major order kept).
    Reshape,
    /// Axes permuted: `y.shape[i] = x.shape[perm[i]]`. Free: the padded layout's variables are
    /// renamed.
    Transpose {
        /// The permutation.
        perm: Vec<usize>,
    },
    /// A separable linear map applied along each axis (slicing, summing an axis).
    AxisMap {
        /// One map per axis of the input.
        maps: Vec<AxisMap>,
    },
    /// `y` = the inputs (two or more, same rank, equal dims but `axis`) side by side along
    /// `axis`, each in its natural layout. Linear: a claim on `y` splits into one
    /// [`AxisMap::Place`] selector sumcheck per input.
    Concat {
        /// The axis.
        axis: usize,
    },
    /// `q = ⌊(x + 2^(shift−1)) / 2^shift⌋`, range-checked to the activation bits.
    Rescale {
        /// `k ≥ 1`.
        shift: u32,
    },
    /// `max(x, 0)`.
    Relu,
    /// Element-wise table: `y = outputs[x + 2^(A−1)]` for `x` in the signed A-bit range.
    Table {
        /// A name (for messages and the table id).
        name: String,
        /// `2^A` outputs.
        outputs: Vec<i64>,
        /// How the outputs are generated (so a verifying key need not carry them).
        generator: TableGen,
    },
    /// Max over each window (no padding). NCHW, N = 1.
    MaxPool {
        /// The window (padding must be zero).
        window: Window,
    },
    /// Linear in each operand. `y[.., m, n] = Σ_k a[.., m, k] · b[.., k, n]`: a `[.., M, K]`,
    /// b `[.., K, N]`, y `[.., M, N]`, equal leading (batch) axes. Both operands are activations
    /// (attention's `Q·Kᵀ` and `P·V`); claims flow back to both.
    MatMul,
    /// `y = a ⊙ b` element-wise, both activations; `b` broadcast to `a`'s shape (same rank, each
    /// dim 1 or equal).
    Mul,
    /// Non-linear. `y[.., 0] = max_j x[.., j]` along the last axis (kept as size 1); `x` within
    /// the signed activation range. Proven maximum: `y − x ≥ 0` range-checked and
    /// `Π_j (y − x[.., j]) = 0`.
    ReduceMax,
    /// Non-linear. `y[.., 0]` = the lowest `j` with `x[.., j] = max_j x[.., j]` along the last
    /// axis (kept as size 1); `x` within the signed activation range.
    ArgMax,
    /// Non-linear. `q = ⌊a · 2^shift / b⌋` element-wise (rounding toward −∞), `b` broadcast to
    /// `a`'s shape (same rank, each dim 1 or equal), `|a| < 2^dividend_bits`,
    /// `1 ≤ b < 2^divisor_bits`; `q` within the signed activation range. Proven by
    /// `a·2^shift = q·b + r` with `0 ≤ r` and `0 ≤ b − 1 − r` range-checked to `divisor_bits`.
    /// `dividend_bits` is a static bound (the quantizer's overflow analysis), not a range check:
    /// compile refuses a node where `a·2^shift` or `q·b` could wrap the field.
    Div {
        /// Left shift of the dividend.
        shift: u32,
        /// Bits of the divisor's range.
        divisor_bits: u32,
        /// Bits bounding |dividend|.
        dividend_bits: u32,
    },
    /// Non-linear. `y = ⌊√x⌋` element-wise, `0 ≤ x < 2^in_bits`. Proven by `y² ≤ x < (y+1)²`
    /// (both slacks range-checked).
    Isqrt {
        /// Bits of the input's range.
        in_bits: u32,
    },
}

impl Op {
    /// A short name for messages.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Input => "Input",
            Self::Embedding { .. } => "Embedding",
            Self::MatMulConst { .. } => "MatMulConst",
            Self::Conv2d { .. } => "Conv2d",
            Self::Add => "Add",
            Self::Sub => "Sub",
            Self::MulConst { .. } => "MulConst",
            Self::AddConst { .. } => "AddConst",
            Self::MulConstTensor { .. } => "MulConstTensor",
            Self::SumPool { .. } => "SumPool",
            Self::Reshape => "Reshape",
            Self::Transpose { .. } => "Transpose",
            Self::AxisMap { .. } => "AxisMap",
            Self::Concat { .. } => "Concat",
            Self::Rescale { .. } => "Rescale",
            Self::Relu => "Relu",
            Self::Table { .. } => "Table",
            Self::MaxPool { .. } => "MaxPool",
            Self::MatMul => "MatMul",
            Self::Mul => "Mul",
            Self::ReduceMax => "ReduceMax",
            Self::ArgMax => "ArgMax",
            Self::Div { .. } => "Div",
            Self::Isqrt { .. } => "Isqrt",
        }
    }

    /// Whether the op is proved by lookups (its output is committed).
    #[must_use]
    pub fn is_nonlinear(&self) -> bool {
        matches!(
            self,
            Self::Rescale { .. }
                | Self::Relu
                | Self::Table { .. }
                | Self::MaxPool { .. }
                | Self::ReduceMax
                | Self::ArgMax
                | Self::Div { .. }
                | Self::Isqrt { .. }
        )
    }

    /// A copy of the op without its constant values (weights, biases, constant tensors, the
    /// outputs of a generated table), keeping their shapes: what a verifying key publishes of
    /// the op. The values are never copied (a proving key's checks compare GPT-2's graph
    /// without copying its weights).
    #[must_use]
    pub fn without_constants(&self) -> Self {
        let bare = |c: &Const| Const {
            shape: c.shape.clone(),
            values: Vec::new(),
        };
        match self {
            Self::MatMulConst { weight, bias } => Self::MatMulConst {
                weight: bare(weight),
                bias: bias.as_ref().map(bare),
            },
            Self::Conv2d {
                weight,
                bias,
                window,
            } => Self::Conv2d {
                weight: bare(weight),
                bias: bias.as_ref().map(bare),
                window: *window,
            },
            Self::AddConst { c } => Self::AddConst { c: bare(c) },
            Self::MulConstTensor { c } => Self::MulConstTensor { c: bare(c) },
            Self::Embedding { table } => Self::Embedding { table: bare(table) },
            Self::Table {
                name, generator, ..
            } if *generator != TableGen::Explicit => Self::Table {
                name: name.clone(),
                outputs: Vec::new(),
                generator: generator.clone(),
            },
            other => other.clone(),
        }
    }

    /// Removes the op's constant values (weights, biases, constant tensors, the outputs of a
    /// generated table), keeping their shapes: what a verifying key publishes of the op: the
    /// in-place reference that [`Op::without_constants`] is tested against (`keys::strip_tests`).
    #[cfg(test)]
    pub(crate) fn clear_constants(&mut self) {
        match self {
            Self::MatMulConst { weight, bias } | Self::Conv2d { weight, bias, .. } => {
                weight.values.clear();
                if let Some(b) = bias {
                    b.values.clear();
                }
            }
            Self::AddConst { c } | Self::MulConstTensor { c } => c.values.clear(),
            Self::Embedding { table } => table.values.clear(),
            Self::Table {
                outputs, generator, ..
            } if *generator != TableGen::Explicit => outputs.clear(),
            _ => {}
        }
    }
}

/// What an [`Op::AxisMap`] does along one axis.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AxisMap {
    /// `y[j] = x[j]` (padded positions included).
    Identity,
    /// `y[j] = x[start + j·step]` for the output's logical `j`.
    Slice {
        /// First index.
        start: usize,
        /// Step ≥ 1.
        step: usize,
    },
    /// `y[0] = Σ_i x[i]` over the logical `i`.
    Sum,
    /// `y[offset + i] = x[i]` for the input's logical `i` (one part of a concatenation).
    Place {
        /// Where the input starts in the output.
        offset: usize,
    },
    /// `y[j] = x[indices[j]]` (ONNX `Gather` with constant indices).
    Gather {
        /// Each `< x`'s logical size along the axis.
        indices: Vec<usize>,
    },
}

impl AxisMap {
    /// The maps of a rank-`rank` tensor that apply `map` on `axis` and the identity on every
    /// other axis; `None` if `axis ≥ rank`.
    #[must_use]
    pub fn on_axis(rank: usize, axis: usize, map: Self) -> Option<Vec<Self>> {
        let mut maps = vec![Self::Identity; rank];
        *maps.get_mut(axis)? = map;
        Some(maps)
    }

    /// The `(j, i)` pairs of output index `j < outs` and input index `i < ins` whose
    /// [`AxisMap::weight`] is one (`out`/`inp`: logical sizes), in `O(outs + ins)`: each map's
    /// nonzero weights walked directly, where testing every pair costs `outs × ins` (MobileNet-v2's
    /// channel slices made that 40% of its verification).
    #[must_use]
    pub fn pairs(&self, outs: usize, ins: usize, out: usize, inp: usize) -> Vec<(usize, usize)> {
        // Input indices that exist and are logical.
        let live = inp.min(ins);
        match self {
            Self::Identity => (0..outs.min(ins)).map(|i| (i, i)).collect(),
            Self::Slice { start, step } => (0..outs.min(out))
                .filter_map(|j| {
                    let i = j.checked_mul(*step)?.checked_add(*start)?;
                    (i < live).then_some((j, i))
                })
                .collect(),
            Self::Sum if outs > 0 => (0..live).map(|i| (0, i)).collect(),
            Self::Sum => Vec::new(),
            Self::Place { offset } => (0..live)
                .filter_map(|i| {
                    let j = offset.checked_add(i)?;
                    (j < out.min(outs)).then_some((j, i))
                })
                .collect(),
            Self::Gather { indices } => indices
                .iter()
                .take(outs)
                .enumerate()
                .filter(|&(_, &i)| i < live)
                .map(|(j, &i)| (j, i))
                .collect(),
        }
    }

    /// The weight of input index `i` for output index `j` (`out`/`inp`: logical sizes).
    #[must_use]
    pub fn weight(&self, j: usize, i: usize, out: usize, inp: usize) -> bool {
        match *self {
            Self::Identity => i == j,
            Self::Slice { start, step } => j < out && i < inp && i == start + j * step,
            Self::Sum => j == 0 && i < inp,
            Self::Place { offset } => i < inp && j == offset + i && j < out,
            Self::Gather { ref indices } => i < inp && indices.get(j) == Some(&i),
        }
    }
}

/// How a function table's outputs are made.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum TableGen {
    /// Only the listed outputs define it (kept in the verifying key).
    Explicit,
    /// `max(x, 0)`.
    Relu,
    /// `func.eval(x, in_scale, out_scale)` of `zkinfer-model`, the one definition of the
    /// quantized function.
    Model {
        /// The function.
        func: zkinfer_model::TableFn,
        /// Input fractional bits.
        in_scale: i32,
        /// Output fractional bits.
        out_scale: i32,
    },
}

impl TableGen {
    /// The outputs over the signed `bits` range, or `None` for [`TableGen::Explicit`].
    #[must_use]
    pub fn generate(&self, bits: u32) -> Option<Vec<i64>> {
        let half = 1i64 << (bits.clamp(1, 24) - 1);
        match self {
            Self::Explicit => None,
            Self::Relu => Some((-half..half).map(|v| v.max(0)).collect()),
            Self::Model {
                func,
                in_scale,
                out_scale,
            } => Some(func.table(-half, half - 1, *in_scale, *out_scale)),
        }
    }
}

/// A node: op, inputs, output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// Name (the ONNX node it came from), for messages.
    pub name: String,
    /// The primitive.
    pub op: Op,
    /// Input tensors.
    pub inputs: Vec<TensorId>,
    /// Output tensor.
    pub output: TensorId,
}

/// The whole graph.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProofGraph {
    /// All tensors.
    pub tensors: Vec<Tensor>,
    /// Nodes in topological order; the first is the `Input` node.
    pub nodes: Vec<Node>,
    /// The input tensor.
    pub input: TensorId,
    /// The output tensor.
    pub output: TensorId,
    /// Activation bits A (signed range of every activation that feeds a non-linear op).
    pub act_bits: u32,
}

impl ProofGraph {
    /// For a graph whose input holds token ids: the number of rows of the smallest embedding
    /// table the ids index (each id must lie below it). `None` for a graph whose input feeds no
    /// [`Op::Embedding`] (directly or through reshapes).
    #[must_use]
    pub fn input_vocab(&self) -> Option<usize> {
        let mut ids = vec![false; self.tensors.len()];
        *ids.get_mut(self.input)? = true;
        let mut vocab: Option<usize> = None;
        for n in &self.nodes {
            let Some(&x) = n.inputs.first() else { continue };
            if !ids.get(x).copied().unwrap_or(false) {
                continue;
            }
            match &n.op {
                Op::Reshape => {
                    if let Some(f) = ids.get_mut(n.output) {
                        *f = true;
                    }
                }
                Op::Embedding { table } => {
                    let v = table.shape.first().copied().unwrap_or(0);
                    vocab = Some(vocab.map_or(v, |w| w.min(v)));
                }
                _ => {}
            }
        }
        vocab
    }

    /// The window `(offset, len)` of the graph input's logical values that tensor `t` is: the
    /// input itself (offset 0), a reshape of it, or a step-1 slice of a 1-D (packed) input and
    /// reshapes of that — how a graph input of a model with several inputs reaches its ops.
    #[must_use]
    pub fn input_window(&self, t: TensorId) -> Option<(usize, usize)> {
        if t == self.input {
            return Some((0, self.tensors.get(t)?.len()));
        }
        let node = self.nodes.iter().find(|n| n.output == t)?;
        let &x = node.inputs.first()?;
        let (off, len) = self.input_window(x)?;
        match &node.op {
            Op::Reshape => Some((off, len)),
            Op::AxisMap { maps } => match maps.as_slice() {
                [AxisMap::Slice { start, step: 1 }] => {
                    let out = self.tensors.get(t)?.len();
                    let end = start.checked_add(out)?;
                    (end <= len).then_some((off.checked_add(*start)?, out))
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// The windows of the graph input that hold token ids, `(offset, len, vocab)`: each indexes
    /// embedding tables (the smallest sets `vocab`), directly or as a slice of a packed input
    /// ([`ProofGraph::input_window`]). The verifier checks each id against its own vocabulary.
    #[must_use]
    pub fn input_id_windows(&self) -> Vec<(usize, usize, usize)> {
        let mut out: Vec<(usize, usize, usize)> = Vec::new();
        for n in &self.nodes {
            let (Op::Embedding { table }, [x]) = (&n.op, n.inputs.as_slice()) else {
                continue;
            };
            let Some((off, len)) = self.input_window(*x) else {
                continue;
            };
            let v = table.shape.first().copied().unwrap_or(0);
            match out.iter_mut().find(|w| w.0 == off && w.1 == len) {
                Some(w) => w.2 = w.2.min(v),
                None => out.push((off, len, v)),
            }
        }
        out
    }

    /// The windows `(offset, len)` of a packed integer input that are attention masks: the
    /// slices of the input (one per graph input) that hold no token ids, when some hold ids
    /// (a packed input of integers; a packed float input has no masks).
    #[must_use]
    pub fn input_mask_windows(&self) -> Vec<(usize, usize)> {
        let ids = self.input_id_windows();
        if ids.is_empty() {
            return Vec::new();
        }
        self.nodes
            .iter()
            .filter(|n| n.inputs.as_slice() == [self.input])
            .filter_map(|n| match n.op {
                Op::AxisMap { .. } => self.input_window(n.output),
                _ => None,
            })
            .filter(|&(off, len)| !ids.iter().any(|w| w.0 == off && w.1 == len))
            .collect()
    }

    /// Whether the graph input is used only as token ids: every node it feeds (directly or
    /// through reshapes and the slices of a packed input) is a [`Op::Reshape`], such a slice or
    /// an [`Op::Embedding`]. Such an input's values
    /// are checked against the vocabulary ([`ProofGraph::input_vocab`]) alone; an input that
    /// also feeds arithmetic must lie in the activation range as well.
    #[must_use]
    pub fn input_only_indexes(&self) -> bool {
        let mut ids = vec![false; self.tensors.len()];
        let Some(f) = ids.get_mut(self.input) else {
            return false;
        };
        *f = true;
        let mut indexes = false;
        for n in &self.nodes {
            if !n
                .inputs
                .iter()
                .any(|&x| ids.get(x).copied().unwrap_or(false))
            {
                continue;
            }
            match &n.op {
                Op::Reshape if n.inputs.first().is_some_and(|&x| ids.get(x) == Some(&true)) => {
                    if let Some(f) = ids.get_mut(n.output) {
                        *f = true;
                    }
                }
                // A slice of a packed input (several graph inputs).
                Op::AxisMap { .. } if self.input_window(n.output).is_some() => {
                    if let Some(f) = ids.get_mut(n.output) {
                        *f = true;
                    }
                }
                Op::Embedding { .. } if n.inputs.len() == 1 => indexes = true,
                _ => return false,
            }
        }
        indexes
    }
}

impl Const {
    /// The values broadcast to `shape` (same rank, each dim 1 or equal), row-major; `None` if the
    /// shapes do not broadcast.
    #[must_use]
    pub fn broadcast_to(&self, shape: &[usize]) -> Option<Vec<i64>> {
        if self.shape.len() != shape.len()
            || self
                .shape
                .iter()
                .zip(shape)
                .any(|(&c, &s)| c != 1 && c != s)
            || self.values.len() != self.shape.iter().product::<usize>()
        {
            return None;
        }
        let n: usize = shape.iter().product();
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            let (mut rem, mut idx, mut stride) = (i, 0usize, 1usize);
            for (&c, &s) in self.shape.iter().zip(shape).rev() {
                let k = rem % s;
                rem /= s;
                if c != 1 {
                    idx += k * stride;
                }
                stride *= c;
            }
            out.push(self.values[idx]);
        }
        Some(out)
    }
}
