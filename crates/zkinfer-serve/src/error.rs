//! Errors of the service, the log and its clients: one enum, each variant a one-line reason.

/// Everything that can go wrong in the service, the store, or a client check.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The SQLite store failed (I/O, locked, corrupt file).
    #[error("store: {0}")]
    Store(#[from] rusqlite::Error),
    /// The store's contents contradict each other (found by `fsck` or at startup).
    #[error("store is inconsistent: {0}")]
    Inconsistent(String),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// A signing or verifying key file is malformed.
    #[error("{path}: {reason}")]
    Key {
        /// The key file.
        path: String,
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// A signed note or checkpoint is malformed or its signature does not verify.
    #[error("checkpoint rejected: {0}")]
    Checkpoint(String),
    /// A receipt is malformed.
    #[error("malformed receipt: {0}")]
    Receipt(String),
    /// An inclusion proof does not lead to the checkpoint's root.
    #[error("inclusion proof of entry {index} in the tree of size {size} does not verify")]
    Inclusion {
        /// The entry's index.
        index: u64,
        /// The tree size.
        size: u64,
    },
    /// A consistency proof does not link two tree heads.
    #[error("consistency proof from size {old} to size {new} does not verify: {reason}")]
    Consistency {
        /// The older size.
        old: u64,
        /// The newer size.
        new: u64,
        /// Why.
        reason: String,
    },
    /// Two signed checkpoints of one size with different roots: the log has forked.
    #[error(
        "FORK: two signed checkpoints of size {size} have different roots ({first} and {second})"
    )]
    Fork {
        /// The tree size.
        size: u64,
        /// One root (base64).
        first: String,
        /// The other root (base64).
        second: String,
    },
    /// A newer checkpoint is smaller than one already seen.
    #[error("rollback: the log now shows size {new}, smaller than size {old} seen before")]
    Rollback {
        /// The size seen before.
        old: u64,
        /// The size now.
        new: u64,
    },
    /// The entries the log serves do not hash to its signed root.
    #[error("log entries do not match the signed checkpoint: {0}")]
    Entries(String),
    /// A tile or proof request outside the tree, or malformed.
    #[error("{0}")]
    BadRequest(String),
    /// An HTTP exchange with a log failed.
    #[error("http: {0}")]
    Http(String),
    /// The Merkle library refused a request (index out of range, missing hashes).
    #[error("merkle: {0}")]
    Merkle(String),
}

impl From<tlog_tiles::Error> for Error {
    fn from(e: tlog_tiles::Error) -> Self {
        Self::Merkle(e.to_string())
    }
}

impl Error {
    /// The process exit code of this error: 8 for a detected fork or rollback (the alarm a monitor
    /// raises), 9 for a proof, receipt or content check that failed, 10 for anything else.
    #[must_use]
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Fork { .. } | Self::Rollback { .. } => 8,
            Self::Inconsistent(_)
            | Self::Checkpoint(_)
            | Self::Receipt(_)
            | Self::Inclusion { .. }
            | Self::Consistency { .. }
            | Self::Entries(_) => 9,
            _ => 10,
        }
    }
}
