//! The crate's one error type.

use thiserror::Error;

/// Every failure of import, calibration, quantization or integer execution.
///
/// Each variant names the thing that failed (node, tensor, file) and what was expected.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ModelError {
    /// tract could not read, type or run the model.
    #[error("tract failed while {stage}: {message}")]
    Tract {
        /// What we were doing (e.g. "loading model.onnx").
        stage: String,
        /// tract's error chain.
        message: String,
    },
    /// An operator we cannot lower (or cannot quantize).
    #[error(
        "unsupported op `{op}` at node `{node}`{detail}; supported ops: {supported}",
        detail = if detail.is_empty() { String::new() } else { format!(" ({detail})") }
    )]
    UnsupportedOp {
        /// The node's name in the ONNX graph (after tract's decluttering).
        node: String,
        /// The operator, as tract names it.
        op: String,
        /// Why this instance is not supported (empty when the op itself is unknown).
        detail: String,
        /// The ops this crate supports.
        supported: String,
    },
    /// An input dimension is symbolic and no value was given.
    #[error(
        "input `{input}` axis {axis} is symbolic (`{symbol}`); give it a value with ImportOptions::with_dim(\"{symbol}\", n)"
    )]
    SymbolicDim {
        /// The input's name.
        input: String,
        /// The axis.
        axis: usize,
        /// The symbol (or `?` for an unnamed dimension).
        symbol: String,
    },
    /// A tensor has the wrong number of elements.
    #[error("wrong input length for `{name}`: expected {expected} values, got {got}")]
    InputLength {
        /// The tensor.
        name: String,
        /// Expected number of elements.
        expected: usize,
        /// Given number of elements.
        got: usize,
    },
    /// NaN or infinity in an input.
    #[error(
        "input `{name}` has a non-finite value {value} at index {index}; inputs must be finite"
    )]
    NonFinite {
        /// The tensor.
        name: String,
        /// Flat index.
        index: usize,
        /// The offending value.
        value: f32,
    },
    /// A token id outside the vocabulary of the embedding it indexes.
    #[error(
        "token id {id} at position {position} of input `{name}` is outside the vocabulary: ids must lie in [0, {vocab}) (the embedding table has {vocab} rows)"
    )]
    TokenId {
        /// The input.
        name: String,
        /// Flat position in the input.
        position: usize,
        /// The id.
        id: f64,
        /// Rows of the embedding table.
        vocab: usize,
    },
    /// Input JSON with a number of lists other than the model's number of graph inputs.
    #[error(
        "the model has {expected} inputs ({names}), but input_data holds {got} lists; give one flat list per graph input, in this order"
    )]
    InputCount {
        /// The model's inputs.
        expected: usize,
        /// Lists given.
        got: usize,
        /// The inputs' names, in order.
        names: String,
    },
    /// A list of input JSON whose length is not (a multiple of) its input's size.
    #[error(
        "input {index} `{name}` (shape {shape:?}) takes {expected} values, but its list holds {got}{hint}"
    )]
    PartLength {
        /// Position among the graph inputs.
        index: usize,
        /// The input.
        name: String,
        /// Its shape.
        shape: Vec<usize>,
        /// Its size (per sample).
        expected: usize,
        /// Values given.
        got: usize,
        /// How to fix it.
        hint: String,
    },
    /// A value of an attention-mask input other than 0 or 1.
    #[error(
        "input `{name}` is an attention mask, but position {position} holds {value}; give 0 (masked) or 1 (attended)"
    )]
    MaskValue {
        /// The input.
        name: String,
        /// Flat position in the input.
        position: usize,
        /// The value.
        value: f32,
    },
    /// A value of a token-id input that is not a whole number.
    #[error(
        "input `{name}` takes integer token ids, but position {position} holds {value}; give whole numbers in [0, {vocab})"
    )]
    NotInteger {
        /// The input.
        name: String,
        /// Flat position in the input.
        position: usize,
        /// The value.
        value: f32,
        /// Rows of the embedding table.
        vocab: usize,
    },
    /// A value left the signed range of its tensor during integer execution.
    #[error(
        "value {value} at layer `{layer}` (tensor `{tensor}`, index {index}) is outside [{min}, {max}]; recalibrate with inputs that cover this range or widen A (act_bits)"
    )]
    OutOfRange {
        /// The node that produced the value.
        layer: String,
        /// The tensor.
        tensor: String,
        /// Flat index.
        index: usize,
        /// The value.
        value: i128,
        /// Smallest allowed value.
        min: i64,
        /// Largest allowed value.
        max: i64,
    },
    /// Static overflow analysis found an intermediate that could reach 2^62.
    #[error(
        "layer `{layer}` could overflow: |{tensor}| may reach {bound} >= 2^{limit_bits}; use fewer weight/activation bits or smaller scales"
    )]
    Overflow {
        /// The node.
        layer: String,
        /// The tensor.
        tensor: String,
        /// The proven bound (saturated).
        bound: u128,
        /// log2 of the limit.
        limit_bits: u32,
    },
    /// The graph is malformed (shapes or ids inconsistent).
    #[error("invalid graph at `{node}`: {message}")]
    Invalid {
        /// The node.
        node: String,
        /// What is wrong.
        message: String,
    },
    /// Bad configuration or calibration data.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// Reading a file failed.
    #[error("cannot read `{path}`: {message}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        message: String,
    },
    /// A JSON file has the wrong structure.
    #[error("cannot parse `{path}`: {message}")]
    Json {
        /// The file.
        path: String,
        /// serde_json's message.
        message: String,
    },
}

/// Shorthand.
pub type Result<T> = std::result::Result<T, ModelError>;

impl ModelError {
    pub(crate) fn tract(stage: impl Into<String>, e: &tract_onnx::prelude::TractError) -> Self {
        ModelError::Tract {
            stage: stage.into(),
            message: format!("{e:#}"),
        }
    }

    pub(crate) fn invalid(node: impl Into<String>, message: impl Into<String>) -> Self {
        ModelError::Invalid {
            node: node.into(),
            message: message.into(),
        }
    }
}
