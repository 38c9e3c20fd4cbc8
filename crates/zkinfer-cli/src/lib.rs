//! The zkinfer pipeline as a library, and the `zkinfer` command line that wraps it.
//!
//! ```text
//! model.onnx ─calibrate─► settings.json ─compile─► model.zkc ─setup─► model.pk, model.vk
//! input.json ─prove─► proof.zkp (+ output) ─verify─► ok / a precise reason
//! ```
//!
//! Modules: [`lower`] (quantized graph → proof graph), [`pipeline`] (the steps), [`error`]
//! (errors with distinct exit codes).

pub mod error;
pub mod lower;
pub mod pipeline;

pub use error::Error;
pub use pipeline::*;
