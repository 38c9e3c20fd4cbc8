//! Errors of the pipeline, each with a one-line message and a distinct exit code.

use zkinfer_proof::{CompileError, FileError, ProveError, VerifyError};

/// Everything that can go wrong, by kind.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// A file of the wrong kind, version, or corrupted.
    #[error("{path}: {source}")]
    File {
        /// The file.
        path: String,
        /// What is wrong.
        source: FileError,
    },
    /// Malformed JSON or bad input data (length, NaN, range).
    #[error("{0}")]
    Input(String),
    /// The model cannot be imported, quantized or compiled (unsupported op, overflow, …).
    #[error("{0}")]
    Model(String),
    /// Proving failed.
    #[error("proving failed: {0}")]
    Prove(#[from] ProveError),
    /// The proof was rejected.
    #[error("proof rejected: {0}")]
    Rejected(#[from] VerifyError),
}

impl Error {
    /// The process exit code of this error (0 is success, 1 is reserved for usage errors).
    #[must_use]
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::Io { .. } => 2,
            Self::File { .. } => 3,
            Self::Input(_) => 4,
            Self::Model(_) => 5,
            Self::Prove(_) => 6,
            Self::Rejected(_) => 7,
        }
    }
}

impl From<CompileError> for Error {
    fn from(e: CompileError) -> Self {
        Self::Model(e.to_string())
    }
}

impl From<zkinfer_model::ModelError> for Error {
    fn from(e: zkinfer_model::ModelError) -> Self {
        Self::Model(e.to_string())
    }
}

impl From<zkinfer_proof::lower::LowerError> for Error {
    fn from(e: zkinfer_proof::lower::LowerError) -> Self {
        Self::Model(e.to_string())
    }
}
