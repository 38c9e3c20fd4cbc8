//! # zkinfer-model: the model front end
//!
//! Turns an ONNX file into the exact integer model that zkinfer proves, and computes its witness.
//!
//! ```text
//! onnx ─import_onnx─► Graph (float IR) ─calibrate─► Calibration ─quantize─► QuantGraph ─execute─► Trace
//! ```
//!
//! - Import: tract loads, types and declutters the model; each typed tract op is lowered by its
//!   Rust type into our float [`Op`]s (the only crate that depends on tract).
//! - Quantization: per-tensor power-of-two scales (`x ≈ q · 2^-s`), activations in `A` signed bits,
//!   weights in `W` bits, rounding ties away from zero for weights, inputs and tables; `Rescale`
//!   is `floor((x + 2^(k-1)) / 2^k)` (round half up). Non-linear functions are tables over the
//!   whole `A`-bit input domain ([`TableFn::eval`] is their one definition). A static overflow
//!   analysis bounds every tensor below 2^62.
//! - The integer interpreter ([`QuantGraph::execute`]) is the one integer semantics: its trace is
//!   the prover's witness.
//!
//! Modules: [`graph`] (float IR), `import` (ONNX lowering), `eval` (float evaluation and tract's
//! reference run), [`calibrate`] (scales and error report), [`quant`] (quantized IR, quantizer,
//! overflow analysis, interpreter, tables), [`kernels`] (tensor kernels shared by float and
//! integer evaluation), `input` (EZKL input JSON), `builder` (ONNX models built in code; feature `testing`), [`error`].

#[cfg(feature = "testing")]
pub mod builder;
pub mod calibrate;
pub mod error;
mod eval;
pub mod graph;
mod import;
mod input;
pub mod kernels;
pub mod quant;

pub use calibrate::{
    Calibration, ErrorReport, QuantConfig, TensorError, argmax, calibrate, error_report,
};
pub use error::{ModelError, Result};
pub use graph::{FConst, Graph, InputKind, InputPart, Node, Op, TensorId, TensorInfo};
pub use import::{ImportOptions, OnnxSource, SUPPORTED_OPS, import_onnx};
pub use input::{
    check_parts, load_input_json, pack_sample, parse_input_json, split_samples, token_ids,
};
pub use quant::{
    BITS, ConstTensor, QNode, QOp, QTensor, QuantGraph, TableFn, Trace, act_range, div_fits_field,
    quantize, rescale,
};
