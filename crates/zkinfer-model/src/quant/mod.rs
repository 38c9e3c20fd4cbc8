//! The quantized graph: the exact integer model the prover proves.
//!
//! A [`QuantGraph`] is a topologically ordered list of [`QNode`]s over integer tensors. Every node is
//! one primitive: a *linear* op (its output is exactly the integer linear map of its inputs, proved
//! by sumcheck) or a *non-linear* op ([`QOp::Rescale`], [`QOp::Relu`], [`QOp::Table`],
//! [`QOp::MaxPool`]) proved by lookups. Every input of a non-linear op is bounded by `act_bits`
//! ([`QuantGraph::validate`] checks this statically from the [`QTensor::bound`]s).

mod bounds;
mod build;
mod exec;
mod fuse;
mod table;
mod transformer;

use serde::{Deserialize, Serialize};

pub use bounds::{FIELD_SAFE_BITS, MAX_TABLE_BITS, bit_len, div_fits_field};
pub use build::quantize;
pub use exec::{Trace, rescale};
pub use table::{TableFn, erf};

use crate::graph::TensorId;

/// An integer constant (weights, biases, broadcast operands), row-major.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConstTensor {
    /// Shape. A broadcast operand has the rank of the tensor it meets, with dims 1 or equal.
    pub shape: Vec<usize>,
    /// Values.
    pub data: Vec<i64>,
    /// Fractional bits of the values (real ≈ q · 2^-scale).
    pub scale: i32,
}

impl ConstTensor {
    /// Largest |value|.
    pub fn max_abs(&self) -> u64 {
        self.data
            .iter()
            .map(|v| v.unsigned_abs())
            .max()
            .unwrap_or(0)
    }
}

/// A tensor of the quantized graph.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QTensor {
    /// Name (the ONNX node it came from, plus a suffix for helper tensors).
    pub name: String,
    /// Static shape.
    pub shape: Vec<usize>,
    /// Fractional bits: real ≈ q · 2^-scale.
    pub scale: i32,
    /// Proven bound on |value| (overflow analysis).
    pub bound: u64,
}

/// One node.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QNode {
    /// The ONNX node it came from.
    pub name: String,
    /// The primitive.
    pub op: QOp,
    /// Input tensors.
    pub inputs: Vec<TensorId>,
    /// Output tensor.
    pub output: TensorId,
}

/// The integer primitives. Shapes: see [`QTensor::shape`]; all arithmetic is exact over ℤ
/// (the overflow analysis guarantees no i64 overflow).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum QOp {
    /// Linear. `y[i, j] = Σ_k x[i, k] · w[k, j] + b[j]`, input `[m, k]`, weight `[k, n]`, bias `[n]`
    /// at the output scale.
    MatMulConst {
        /// `[k, n]`.
        weight: ConstTensor,
        /// `[n]`.
        bias: Option<ConstTensor>,
    },
    /// Linear. 2-D convolution, NCHW with N = 1, weight `[co, ci/groups, kh, kw]`, bias `[co]`;
    /// padded taps contribute 0.
    Conv2d {
        /// Weight.
        weight: ConstTensor,
        /// Bias at the output scale.
        bias: Option<ConstTensor>,
        /// Strides.
        stride: [usize; 2],
        /// top, left, bottom, right.
        pad: [usize; 4],
        /// Dilations.
        dilation: [usize; 2],
        /// Groups.
        groups: usize,
    },
    /// Linear. `y = a + b` (same scale); `b` broadcast to `a`'s shape (same rank, each dim 1 or
    /// equal).
    Add,
    /// Linear. `y = a - b`, `b` broadcast as for [`QOp::Add`].
    Sub,
    /// Linear. `y = x + c` (c broadcast, same scale as x).
    AddConst {
        /// The constant.
        c: ConstTensor,
    },
    /// Linear. `y = c · x` (scalar).
    MulConst {
        /// The multiplier.
        c: i64,
    },
    /// Linear. `y = x · c` elementwise (c broadcast).
    MulConstTensor {
        /// The constant.
        c: ConstTensor,
    },
    /// Linear. Window sums over `[1, c, h, w]`; padded taps contribute 0.
    SumPool {
        /// Kernel.
        kernel: [usize; 2],
        /// Strides.
        stride: [usize; 2],
        /// top, left, bottom, right.
        pad: [usize; 4],
    },
    /// Linear. Sum over `axes`, kept as size-1 dims.
    Sum {
        /// Axes.
        axes: Vec<usize>,
    },
    /// Layout. Same data, new shape.
    Reshape {
        /// Output shape.
        shape: Vec<usize>,
    },
    /// Layout. `y.shape[i] = x.shape[perm[i]]`.
    Transpose {
        /// Permutation.
        perm: Vec<usize>,
    },
    /// Layout. Elements `start, start+step, … < end` along `axis`.
    Slice {
        /// Axis.
        axis: usize,
        /// First index.
        start: usize,
        /// End (exclusive).
        end: usize,
        /// Step ≥ 1.
        step: usize,
    },
    /// Layout. Concatenation along `axis` (inputs share a scale).
    Concat {
        /// Axis.
        axis: usize,
    },
    /// Non-linear. `y = floor((x + 2^(shift-1)) / 2^shift)` (round half up; `y = x` when
    /// `shift = 0`); `y` must lie in `[-2^(A-1), 2^(A-1))`.
    Rescale {
        /// Right shift.
        shift: u32,
    },
    /// Non-linear. `y = max(x, 0)`; input within act_bits.
    Relu,
    /// Non-linear. `y = func.eval(x, in_scale, out_scale)`, a lookup into the table over the whole
    /// signed `A`-bit input domain.
    Table {
        /// The function.
        func: TableFn,
        /// Input fractional bits.
        in_scale: i32,
        /// Output fractional bits.
        out_scale: i32,
    },
    /// Non-linear. Window maxima over `[1, c, h, w]`; padded taps are ignored.
    MaxPool {
        /// Kernel.
        kernel: [usize; 2],
        /// Strides.
        stride: [usize; 2],
        /// top, left, bottom, right.
        pad: [usize; 4],
    },
    /// Linear in the table. `y[t, ..] = table[ids[t], ..]`: rows of a constant table picked by
    /// token ids (the input `x`, scale 0, each in `0..table.shape[0]`, else an error of the run).
    /// Output shape: the ids' shape followed by `table.shape[1..]`; scale: the table's.
    Embedding {
        /// `[vocab, ..]`.
        table: ConstTensor,
    },
    /// Layout. `y[.., j, ..] = x[.., indices[j], ..]` along `axis` (constant indices).
    Gather {
        /// Axis.
        axis: usize,
        /// Indices into `axis` (each `< x.shape[axis]`).
        indices: Vec<usize>,
    },
    /// Linear in each operand. `y[.., m, n] = Σ_k a[.., m, k] · b[.., k, n]`: a `[.., M, K]`,
    /// b `[.., K, N]`, y `[.., M, N]` with equal leading (batch) axes; both are activations.
    /// Output scale = sum of the input scales.
    MatMul,
    /// Product of two activations: `y = a ⊙ b`, `b` broadcast to `a`'s shape (same rank, each
    /// dim 1 or equal). Output scale = sum of the input scales.
    Mul,
    /// Non-linear. `y[.., 0] = max_j x[.., j]` along the last axis (kept as size 1); input within
    /// act_bits.
    ReduceMax,
    /// Non-linear. `y[.., 0]` = the lowest `j` with `x[.., j] = max x[.., :]` along the last
    /// axis (kept as size 1), scale 0; input within act_bits.
    ArgMax,
    /// Non-linear. `q = floor(a · 2^shift / b)` (toward −∞), `b` broadcast to `a`'s shape (same
    /// rank, each dim 1 or equal), `1 ≤ b < 2^divisor_bits` (else an error of the run); `q` must
    /// lie in the signed act_bits range.
    Div {
        /// Left shift of the dividend.
        shift: u32,
        /// Bits bounding the divisor (from the overflow analysis).
        divisor_bits: u32,
    },
    /// Non-linear. `y = floor(sqrt(x))`, `0 ≤ x < 2^in_bits` (else an error of the run).
    Isqrt {
        /// Bits bounding the input (from the overflow analysis).
        in_bits: u32,
    },
}

impl QOp {
    /// Whether the op is proved by sumcheck (linear or layout) rather than by lookups.
    pub fn is_linear(&self) -> bool {
        !matches!(
            self,
            QOp::Rescale { .. }
                | QOp::Relu
                | QOp::Table { .. }
                | QOp::MaxPool { .. }
                | QOp::ReduceMax
                | QOp::ArgMax
                | QOp::Div { .. }
                | QOp::Isqrt { .. }
        )
    }
}

/// The quantized model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuantGraph {
    /// All tensors; `nodes[i].output` indexes here.
    pub tensors: Vec<QTensor>,
    /// Topologically ordered nodes.
    pub nodes: Vec<QNode>,
    /// The model input (at `tensors[input].scale`).
    pub input: TensorId,
    /// The model output.
    pub output: TensorId,
    /// Activation bits A: activations lie in `[-2^(A-1), 2^(A-1))`.
    pub act_bits: u32,
    /// Weight bits W.
    pub weight_bits: u32,
    /// What the input holds: for token ids, the input tensor has scale 0 and the ids as they
    /// are ([`QuantGraph::quantize_input`]).
    #[serde(default)]
    pub input_kind: crate::graph::InputKind,
    /// A model with several graph inputs: the parts of the packed input (empty for one input;
    /// [`QuantGraph::input_parts`] gives them for every model).
    #[serde(default)]
    pub input_parts: Vec<crate::graph::InputPart>,
}

impl QuantGraph {
    /// The graph inputs as parts of the (packed) input: the recorded parts, or the whole input
    /// as one part.
    pub fn input_parts(&self) -> Vec<crate::graph::InputPart> {
        let t = self.tensors.get(self.input);
        crate::graph::input_parts(
            &self.input_parts,
            t.map(|t| (t.name.as_str(), t.shape.as_slice())),
            self.input_kind,
        )
    }

    /// `[-2^(A-1), 2^(A-1) - 1]`.
    pub fn act_range(&self) -> (i64, i64) {
        act_range(self.act_bits)
    }
}

/// The activation and weight widths the quantizer and the engine accept (bits).
pub const BITS: std::ops::RangeInclusive<u32> = 2..=32;

/// The activation range of `bits`-bit signed activations, `[-2^(bits-1), 2^(bits-1) - 1]`
/// (inclusive): the one definition the interpreter, the quantizer and the engine share.
///
/// # Panics
/// If `bits` is outside `1..=63` (settings validation keeps `act_bits` in `2..=32`).
#[must_use]
pub const fn act_range(bits: u32) -> (i64, i64) {
    assert!(matches!(bits, 1..=63), "activation bits outside 1..=63");
    let h = 1i64 << (bits - 1);
    (-h, h - 1)
}

/// `round(x)` with ties away from zero, saturating to the i64 range (the rounding rule for weights,
/// biases, inputs and tables).
pub fn round_away(x: f64) -> i64 {
    x.round() as i64
}
