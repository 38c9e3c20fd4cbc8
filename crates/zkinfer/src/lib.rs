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
//! (errors with distinct exit codes).

pub mod error;
pub mod pipeline;

pub use error::Error;
pub use pipeline::*;
