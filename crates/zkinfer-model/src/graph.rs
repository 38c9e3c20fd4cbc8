//! The float graph IR: a topologically ordered list of typed ops over tensors with static shapes.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tract_onnx::prelude::TypedRunnableModel;

/// Index of a tensor in [`Graph::tensors`] (or [`crate::QuantGraph::tensors`]).
pub type TensorId = usize;

/// A constant float tensor (weights, biases, broadcast operands).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FConst {
    /// Shape (row-major).
    pub shape: Vec<usize>,
    /// Values.
    pub data: Vec<f32>,
}

impl FConst {
    /// Largest absolute value (0 for an empty tensor).
    pub fn max_abs(&self) -> f32 {
        self.data.iter().fold(0f32, |m, v| m.max(v.abs()))
    }

    /// The single value of a one-element tensor.
    pub fn scalar(&self) -> Option<f32> {
        (self.data.len() == 1).then(|| self.data[0])
    }
}

/// A tensor of the float graph.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TensorInfo {
    /// Name (the tract/ONNX node that produced it).
    pub name: String,
    /// Static shape.
    pub shape: Vec<usize>,
}

/// The float ops. Each has exact shape semantics; constants are embedded.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Op {
    /// `y[m, n] = Σ_k x[m, k] · w[k, n] + b[n]`; the input is `[m, k]`.
    MatMulConst {
        /// `[k, n]`.
        weight: FConst,
        /// `[n]`.
        bias: Option<Vec<f32>>,
    },
    /// 2-D convolution, NCHW with N = 1, weight `[co, ci/groups, kh, kw]`.
    Conv2d {
        /// Weight.
        weight: FConst,
        /// `[co]`.
        bias: Option<Vec<f32>>,
        /// Strides.
        stride: [usize; 2],
        /// top, left, bottom, right.
        pad: [usize; 4],
        /// Dilations.
        dilation: [usize; 2],
        /// Groups.
        groups: usize,
    },
    /// Elementwise sum of two tensors (numpy broadcasting at equal rank; quantized only for
    /// equal shapes).
    Add,
    /// Elementwise difference, as [`Op::Add`].
    Sub,
    /// Elementwise product of two tensors, broadcasting.
    Mul,
    /// Elementwise quotient of two tensors, broadcasting (float only: the divisor's sign and size
    /// are unknown to the quantizer).
    Div,
    /// `1 / x` (float only; tract's form of a division by an activation).
    Recip,
    /// Index of the largest value along `axis` (the lowest index on ties), kept as size 1; the
    /// index is a float.
    ArgMax {
        /// Axis.
        axis: usize,
    },
    /// `y[t, ..] = table[ids[t], ..]`: rows of a constant table picked by the token ids of the
    /// integer input (ONNX `Gather` on an embedding table, axis 0). The output's shape is the
    /// ids' shape followed by `table.shape[1..]`.
    Embedding {
        /// `[vocab, ..]`.
        table: FConst,
    },
    /// `y[.., j, ..] = x[.., indices[j], ..]` along `axis` (constant indices).
    Gather {
        /// Axis.
        axis: usize,
        /// Indices (each `< x.shape[axis]`).
        indices: Vec<usize>,
    },
    /// `x + c`, `c` broadcast (same rank, dims 1 or equal).
    AddConst {
        /// The constant.
        c: FConst,
    },
    /// `x · c`, `c` broadcast (same rank, dims 1 or equal); a scalar when `c` has one element.
    MulConst {
        /// The constant.
        c: FConst,
    },
    /// `max(x, 0)`.
    Relu,
    /// `x` if `x ≥ 0` else `alpha · x`.
    LeakyRelu {
        /// Negative slope.
        alpha: f32,
    },
    /// `min(max(x, lo), hi)` (either bound may be infinite).
    Clip {
        /// Lower bound.
        lo: f32,
        /// Upper bound.
        hi: f32,
    },
    /// Logistic sigmoid.
    Sigmoid,
    /// Hyperbolic tangent.
    Tanh,
    /// Error function.
    Erf,
    /// `x · Φ(x)` (exact, erf-based GELU).
    GeluErf,
    /// `e^x`.
    Exp,
    /// `x^p` for a constant `p` (quantized only inside a fused elementwise function such as GELU).
    PowConst {
        /// Exponent.
        p: f32,
    },
    /// 2-D max pooling (padded taps ignored).
    MaxPool {
        /// Kernel.
        kernel: [usize; 2],
        /// Strides.
        stride: [usize; 2],
        /// top, left, bottom, right.
        pad: [usize; 4],
    },
    /// 2-D sum pooling (average pooling is `SumPool` then `MulConst`).
    SumPool {
        /// Kernel.
        kernel: [usize; 2],
        /// Strides.
        stride: [usize; 2],
        /// top, left, bottom, right.
        pad: [usize; 4],
    },
    /// Sum over axes, kept as size 1.
    ReduceSum {
        /// Axes.
        axes: Vec<usize>,
    },
    /// Same data, new shape.
    Reshape {
        /// Output shape.
        shape: Vec<usize>,
    },
    /// `y.shape[i] = x.shape[perm[i]]`.
    Transpose {
        /// Permutation.
        perm: Vec<usize>,
    },
    /// Elements `start, start+step, … < end` along `axis`.
    Slice {
        /// Axis.
        axis: usize,
        /// First index.
        start: usize,
        /// One past the last index.
        end: usize,
        /// Step (≥ 1).
        step: usize,
    },
    /// Concatenation of the inputs along `axis`.
    Concat {
        /// Axis.
        axis: usize,
    },
    /// Einsum of two activations, e.g. `"mbk,nbk->bmn"` (attention's `Q·Kᵀ`, `P·V`).
    EinSum {
        /// `"<a>,<b>-><out>"`, one letter per axis.
        expr: String,
    },
    /// Softmax over `axis`.
    Softmax {
        /// Axis.
        axis: usize,
    },
    /// `x / sqrt(mean(x², axis) + eps)`.
    RmsNorm {
        /// Axis.
        axis: usize,
        /// Epsilon.
        eps: f32,
    },
}

impl Op {
    /// A short name for reports and errors.
    pub fn name(&self) -> &'static str {
        match self {
            Op::MatMulConst { .. } => "MatMulConst",
            Op::Conv2d { .. } => "Conv2d",
            Op::Add => "Add",
            Op::Sub => "Sub",
            Op::Mul => "Mul",
            Op::Div => "Div",
            Op::Recip => "Recip",
            Op::ArgMax { .. } => "ArgMax",
            Op::Gather { .. } => "Gather",
            Op::Embedding { .. } => "Embedding",
            Op::AddConst { .. } => "AddConst",
            Op::MulConst { .. } => "MulConst",
            Op::Relu => "Relu",
            Op::LeakyRelu { .. } => "LeakyRelu",
            Op::Clip { .. } => "Clip",
            Op::Sigmoid => "Sigmoid",
            Op::Tanh => "Tanh",
            Op::Erf => "Erf",
            Op::GeluErf => "GeluErf",
            Op::Exp => "Exp",
            Op::PowConst { .. } => "PowConst",
            Op::MaxPool { .. } => "MaxPool",
            Op::SumPool { .. } => "SumPool",
            Op::ReduceSum { .. } => "ReduceSum",
            Op::Reshape { .. } => "Reshape",
            Op::Transpose { .. } => "Transpose",
            Op::Slice { .. } => "Slice",
            Op::Concat { .. } => "Concat",
            Op::EinSum { .. } => "EinSum",
            Op::Softmax { .. } => "Softmax",
            Op::RmsNorm { .. } => "RmsNorm",
        }
    }
}

/// What the model's input holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum InputKind {
    /// Real numbers, quantized at the input's scale.
    #[default]
    Float,
    /// Integer token ids, each in `0..vocab`, that only index embedding tables
    /// ([`Op::Embedding`]): taken as they are, never quantized.
    TokenIds {
        /// The number of rows of the (smallest) table they index.
        vocab: usize,
    },
    /// Integers 0 or 1 (an attention mask: 1 = attend, 0 = masked), taken as they are, never
    /// quantized; one part of a packed input whose other parts are token ids.
    Mask,
}

/// One graph input of a model with several. The graph's inputs are packed into one 1-D input
/// tensor, concatenated in the graph's input order; each graph input is a `Slice` of it (then
/// a `Reshape` to its shape) in the lowered graph.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputPart {
    /// The ONNX input's name.
    pub name: String,
    /// Its shape.
    pub shape: Vec<usize>,
    /// Where its values start in the packed input.
    pub offset: usize,
    /// What it holds.
    pub kind: InputKind,
}

impl InputPart {
    /// Number of elements.
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// Whether it has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One op application.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Node {
    /// The ONNX/tract node it came from.
    pub name: String,
    /// The op.
    pub op: Op,
    /// Input tensors.
    pub inputs: Vec<TensorId>,
    /// Output tensor.
    pub output: TensorId,
}

/// The imported float model: our IR plus tract's runnable plan for the reference run.
#[derive(Clone, Debug)]
pub struct Graph {
    /// All tensors; `nodes[i].output` indexes here.
    pub tensors: Vec<TensorInfo>,
    /// Topologically ordered nodes.
    pub nodes: Vec<Node>,
    /// The model input.
    pub input: TensorId,
    /// The model output.
    pub output: TensorId,
    /// What the input holds.
    pub input_kind: InputKind,
    /// A model with several graph inputs: the parts of the packed input (empty for a model with
    /// one input). [`Graph::input_parts`] gives them for every model.
    pub inputs: Vec<InputPart>,
    pub(crate) tract: Option<Arc<TypedRunnableModel>>,
}

impl Graph {
    /// A graph without a tract reference (built in code).
    pub fn new(
        tensors: Vec<TensorInfo>,
        nodes: Vec<Node>,
        input: TensorId,
        output: TensorId,
    ) -> Self {
        Graph {
            tensors,
            nodes,
            input,
            output,
            input_kind: InputKind::Float,
            inputs: Vec::new(),
            tract: None,
        }
    }

    /// Number of elements of the input.
    pub fn input_len(&self) -> usize {
        self.tensors
            .get(self.input)
            .map_or(0, |t| t.shape.iter().product())
    }

    /// The graph inputs as parts of the (packed) input: the recorded parts, or the whole input
    /// as one part.
    pub fn input_parts(&self) -> Vec<InputPart> {
        let t = self.tensors.get(self.input);
        input_parts(
            &self.inputs,
            t.map(|t| (t.name.as_str(), t.shape.as_slice())),
            self.input_kind,
        )
    }

    /// Shape of the output.
    pub fn output_shape(&self) -> &[usize] {
        self.tensors.get(self.output).map_or(&[], |t| &t.shape)
    }
}

/// `parts`, or one part covering `input` when there are none.
pub(crate) fn input_parts(
    parts: &[InputPart],
    input: Option<(&str, &[usize])>,
    kind: InputKind,
) -> Vec<InputPart> {
    if !parts.is_empty() {
        return parts.to_vec();
    }
    input.map_or_else(Vec::new, |(name, shape)| {
        vec![InputPart {
            name: name.to_string(),
            shape: shape.to_vec(),
            offset: 0,
            kind,
        }]
    })
}
