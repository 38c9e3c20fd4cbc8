//! The zkinfer pipeline as a library: what the `zkinfer` command line, the Python bindings and
//! the verification service call. Every step works on in-memory values; [`read_file`] and
//! [`write_file`] move them to and from disk.
//!
//! ```text
//! model.onnx ─calibrate─► settings.json ─compile─► model.zkc ─setup─► model.pk, model.vk
//! input.json ─prove─► proof.zkp (+ output) ─verify─► ok / a precise reason
//! ```
//!
//! Modules: [`pipeline`] (the steps), [`error`]
//! (errors with distinct exit codes), [`json`] (settings and other JSON files), [`uses`] (the
//! proof count of a key whose private weights commitment covers a fixed number of proofs).

pub mod error;
pub mod json;
pub mod memory;
pub mod pipeline;
pub mod uses;

pub use error::Error;
pub use json::{from_json, read_json, to_json, write_json};
pub use pipeline::*;
// The engine's and the model's types that the pipeline's signatures use, so that callers (the
// Python bindings) need no other crate.
pub use zkinfer_model::{Calibration, ErrorReport, QuantConfig};
pub use zkinfer_proof::hashed::{HashedOpening, HashedTensor};
pub use zkinfer_proof::plan::Cost;
pub use zkinfer_proof::profile::{Phase, Profile};
pub use zkinfer_proof::{
    CompileOptions, InputVisibility, OutputVisibility, Proof, VerifyingKey, WeightsData,
    WeightsVisibility, ZkFile,
};
