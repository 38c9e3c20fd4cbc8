//! Errors of the engine.

/// Why a graph could not be compiled.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CompileError {
    /// A node whose op or shape has no prover yet.
    #[error("node `{node}` ({op}): {reason}")]
    Unsupported {
        /// Node name.
        node: String,
        /// Op kind.
        op: &'static str,
        /// What is wrong and what to do.
        reason: String,
    },
    /// A tensor too large to commit.
    #[error(
        "node `{node}` needs a column of {elements} elements, above the limit of {max}; use a smaller input or split the model"
    )]
    TooLarge {
        /// Node name.
        node: String,
        /// Elements.
        elements: usize,
        /// The limit.
        max: usize,
    },
    /// The predicted memory exceeds what this machine has.
    #[error("proving needs about {need_mib} MiB, this machine has {have_mib} MiB")]
    OutOfMemory {
        /// Predicted need.
        need_mib: u64,
        /// Available.
        have_mib: u64,
    },
    /// A malformed graph.
    #[error("malformed graph: {0}")]
    Graph(String),
}

/// Why the prover failed (the statement is false or the input is bad).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProveError {
    /// A value outside the range the model was compiled for.
    #[error(
        "layer `{layer}`: value {value} is outside [{lo}, {hi}]; recalibrate on inputs like this one or widen the activation bits"
    )]
    OutOfRange {
        /// Layer name.
        layer: String,
        /// The value.
        value: i128,
        /// Lower bound.
        lo: i128,
        /// Upper bound.
        hi: i128,
    },
    /// Wrong input length.
    #[error("input has {got} values, the model expects {expected}")]
    InputLength {
        /// Expected.
        expected: usize,
        /// Given.
        got: usize,
    },
    /// The witness disagrees with the integer interpreter's trace (an engine bug).
    #[error("internal: witness of `{tensor}` differs from the interpreter at element {index}")]
    TraceMismatch {
        /// Tensor.
        tensor: String,
        /// Element.
        index: usize,
    },
    /// A lookup or commitment failure.
    #[error("{0}")]
    Backend(String),
}

/// Why a proof was rejected. The verifier never panics and never accepts by default.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The proof's bytes do not decode.
    #[error("malformed proof: {0}")]
    Malformed(String),
    /// The proof is for another model.
    #[error("the proof was made for another model (vk digest {got}, expected {expected})")]
    WrongModel {
        /// The vk's digest.
        expected: String,
        /// The proof's.
        got: String,
    },
    /// The claimed output differs from the expected one.
    #[error("the proof's output differs from the expected output at element {index}")]
    OutputMismatch {
        /// First differing element.
        index: usize,
    },
    /// A check of the protocol failed.
    #[error("rejected at `{at}`: {reason}")]
    Rejected {
        /// Where (layer or stage).
        at: String,
        /// What failed.
        reason: String,
    },
}

impl VerifyError {
    pub(crate) fn at(at: impl Into<String>, reason: impl std::fmt::Display) -> Self {
        Self::Rejected {
            at: at.into(),
            reason: reason.to_string(),
        }
    }
}
