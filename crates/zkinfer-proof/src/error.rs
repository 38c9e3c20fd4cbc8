//! Errors of the engine: one enum per stage ([`CompileError`], [`ProveError`], [`VerifyError`]),
//! `#[non_exhaustive]`, each variant carrying what was expected and what was found.
//!
//! The verifier's typed variants name the place (`at`: a node name or a stage such as
//! `"lookups"`) and the fact that failed; [`VerifyError::Rejected`] remains for protocol checks
//! whose only content is the relation that failed.

use zkinfer_lookup::LookupError;
use zkinfer_pcs::PcsError;
use zkinfer_sumcheck::SumcheckError;

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

/// Why the prover failed: the statement is false, the input is bad, or the proving key is not
/// the one its plan describes.
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
    /// The proving key's graph and plan disagree (a corrupted key file, or one edited by hand
    /// or written by another zkinfer version).
    #[error(
        "node `{node}`: the proving key does not match its plan ({what}); the key is corrupted or from another zkinfer version, regenerate it with `zkinfer setup`"
    )]
    KeyMismatch {
        /// The node (or stage) where the disagreement was found.
        node: String,
        /// What disagrees.
        what: String,
    },
    /// A value of a layer is not in the lookup table it must belong to.
    #[error("layer `{layer}`: {source}; recalibrate or widen the activation bits")]
    NotInTable {
        /// Layer name (`?` when the lookup names none).
        layer: String,
        /// The lookup argument's report.
        source: LookupError,
    },
    /// The model has nothing to commit at setup.
    #[error(
        "the model has no weights or constants; a proof needs at least one committed weight tensor (models without any linear layer are not supported yet)"
    )]
    NoWeights,
    /// The lookup argument failed.
    #[error("lookup argument: {0}")]
    Lookup(#[from] LookupError),
    /// The weights cannot be committed with the key's commitment settings (found at setup from
    /// the shapes alone, before any weight is laid out): hidden weights are committed in groups
    /// (`weights::groups`), plain ones as one stack.
    #[error(
        "setup: the weights cannot be committed with these settings: {columns} weight columns, {elements} elements once each is padded to a power of two (2^{stacked_vars} stacked); {reason}; the plain commitment of these settings holds stacks up to 2^{largest}, hidden weights are committed in groups of up to 2^27 elements; compile with `--weights-visibility public` (the verifying key carries the weights and the verifier evaluates them), lower `--max-proofs`, or prove a smaller model"
    )]
    WeightsTooLarge {
        /// Number of weight columns.
        columns: usize,
        /// Their padded sizes summed.
        elements: u128,
        /// Variables of the stack they need.
        stacked_vars: usize,
        /// Variables of the largest stack the settings configure.
        largest: usize,
        /// The commitment's reason.
        reason: PcsError,
    },
    /// A commitment or opening failed.
    #[error("commitment: {0}")]
    Pcs(#[from] PcsError),
    /// A lookup or commitment failure reported as text.
    #[error("{0}")]
    Backend(String),
}

impl ProveError {
    /// A [`ProveError::KeyMismatch`] at `node`.
    pub fn key_mismatch(node: impl Into<String>, what: impl std::fmt::Display) -> Self {
        Self::KeyMismatch {
            node: node.into(),
            what: what.to_string(),
        }
    }
}

/// Why a proof was rejected. The verifier never panics and never accepts by default.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The proof's bytes do not decode, or its parts have the wrong sizes.
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
    /// The verifying key's digest is not the digest of its contents (an edited or corrupted key).
    #[error("{0}")]
    KeyDigest(String),
    /// The verifying key's commitment settings are below what the verifier accepts.
    #[error(
        "the verifying key's commitment settings are too weak: {0}; regenerate the keys with `zkinfer setup` and the default settings"
    )]
    WeakKey(String),
    /// A public input value lies outside the activation range the model was compiled for.
    #[error(
        "public input element {index} is {value}, outside the model's activation range [{min}, {max}]; quantize the input with the model's settings (`zkinfer` does this for float inputs)"
    )]
    InputOutOfRange {
        /// Element (logical order).
        index: usize,
        /// Its value.
        value: i64,
        /// Smallest allowed.
        min: i64,
        /// Largest allowed.
        max: i64,
    },
    /// A public token id (an input that indexes an embedding) lies outside the vocabulary.
    #[error(
        "public input: token id {id} at position {position} is outside the vocabulary [0, {vocab}); give ids the model's embedding has rows for"
    )]
    TokenIdOutOfRange {
        /// Position (logical order).
        position: usize,
        /// The id.
        id: i64,
        /// Rows of the embedding table.
        vocab: usize,
    },
    /// The claimed output differs from the expected one.
    #[error("the proof's output differs from the expected output at element {index}")]
    OutputMismatch {
        /// First differing element.
        index: usize,
    },
    /// The verifying key's plan does not fit its graph (a corrupted or hand-made key: decoded
    /// keys are digest-checked, so an honest key never gets here).
    #[error(
        "node `{node}`: the verifying key's plan does not match its graph ({what}); use the key `zkinfer setup` wrote"
    )]
    PlanMismatch {
        /// The node (or stage) where the disagreement was found.
        node: String,
        /// What disagrees.
        what: String,
    },
    /// A point (of a claim or a sumcheck) has the wrong number of variables.
    #[error("at `{at}`: {what} has {got} variables, expected {expected}")]
    PointLength {
        /// Node or stage.
        at: String,
        /// Which point.
        what: &'static str,
        /// Variables expected.
        expected: usize,
        /// Variables found.
        got: usize,
    },
    /// A claim names a tensor the plan does not have.
    #[error("at `{at}`: a claim on tensor {tensor}, but the plan has {tensors} tensors")]
    UnknownTensor {
        /// Node or stage.
        at: String,
        /// The tensor id.
        tensor: usize,
        /// How many tensors the plan has.
        tensors: usize,
    },
    /// The proof's next message is not the one the verifier expects here.
    #[error("at `{at}`: expected {expected}, the proof has {got}")]
    UnexpectedMessage {
        /// Node or stage.
        at: String,
        /// What the verifier reads here (`"3 evaluations"`, `"a sumcheck"`).
        expected: String,
        /// What the proof has (`"2 evaluations"`, `"a sumcheck"`, `"no more messages"`).
        got: String,
    },
    /// Messages are left after the last layer.
    #[error("the proof has {extra} message(s) after the last one the verifier reads")]
    ExtraMessages {
        /// How many are left.
        extra: usize,
    },
    /// A sumcheck was rejected.
    #[error("at `{at}`: sumcheck rejected: {source}")]
    Sumcheck {
        /// Node or stage.
        at: String,
        /// The sumcheck verifier's report.
        source: SumcheckError,
    },
    /// The lookup argument was rejected.
    #[error("lookups: {0}")]
    Lookup(#[from] LookupError),
    /// A commitment or opening was rejected.
    #[error("at `{at}`: {source}")]
    Pcs {
        /// `weights commitment`, `witness opening`, …
        at: String,
        /// The commitment scheme's report.
        source: PcsError,
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
    /// A [`VerifyError::Rejected`] at `at`.
    pub fn at(at: impl Into<String>, reason: impl std::fmt::Display) -> Self {
        Self::Rejected {
            at: at.into(),
            reason: reason.to_string(),
        }
    }

    /// A [`VerifyError::PlanMismatch`] at `node`.
    pub fn plan_mismatch(node: impl Into<String>, what: impl std::fmt::Display) -> Self {
        Self::PlanMismatch {
            node: node.into(),
            what: what.to_string(),
        }
    }

    /// A [`VerifyError::Sumcheck`] at `at`.
    pub fn sumcheck(at: impl Into<String>, source: SumcheckError) -> Self {
        Self::Sumcheck {
            at: at.into(),
            source,
        }
    }

    /// A [`VerifyError::Pcs`] at `at`.
    pub fn pcs(at: impl Into<String>, source: PcsError) -> Self {
        Self::Pcs {
            at: at.into(),
            source,
        }
    }

    /// `Ok` when `point` has `expected` variables, else [`VerifyError::PointLength`].
    ///
    /// # Errors
    /// [`VerifyError::PointLength`] naming `what`, both lengths and `at`.
    pub fn check_point<T>(
        at: &str,
        what: &'static str,
        point: &[T],
        expected: usize,
    ) -> Result<(), Self> {
        if point.len() == expected {
            Ok(())
        } else {
            Err(Self::PointLength {
                at: at.to_string(),
                what,
                expected,
                got: point.len(),
            })
        }
    }
}
