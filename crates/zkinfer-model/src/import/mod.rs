//! ONNX import: tract loads, types and declutters the model; [`lower`] turns each typed op into
//! our [`Op`](crate::Op)s, dispatching on the op's Rust type (never on its name).

mod einsum;
mod elementwise;
mod fold;
mod lower;
mod mask;

use std::collections::HashMap;
use std::path::Path;

use tract_onnx::prelude::*;
use tract_onnx::tract_hir::infer::Factoid;

use crate::error::{ModelError, Result};
use crate::graph::Graph;

/// Where the ONNX model comes from.
#[derive(Clone, Copy, Debug)]
pub enum OnnxSource<'a> {
    /// A file.
    Path(&'a Path),
    /// The serialized `ModelProto`.
    Bytes(&'a [u8]),
}

impl<'a> From<&'a Path> for OnnxSource<'a> {
    fn from(p: &'a Path) -> Self {
        OnnxSource::Path(p)
    }
}
impl<'a> From<&'a str> for OnnxSource<'a> {
    fn from(p: &'a str) -> Self {
        OnnxSource::Path(Path::new(p))
    }
}
impl<'a> From<&'a std::path::PathBuf> for OnnxSource<'a> {
    fn from(p: &'a std::path::PathBuf) -> Self {
        OnnxSource::Path(p)
    }
}
impl<'a> From<&'a [u8]> for OnnxSource<'a> {
    fn from(b: &'a [u8]) -> Self {
        OnnxSource::Bytes(b)
    }
}
impl<'a> From<&'a Vec<u8>> for OnnxSource<'a> {
    fn from(b: &'a Vec<u8>) -> Self {
        OnnxSource::Bytes(b)
    }
}

/// How to make the input shape concrete.
#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    /// Values for named symbolic dimensions (`dim_param` in ONNX).
    pub dims: HashMap<String, usize>,
    /// Batch size used for a symbolic or unknown axis 0 that `dims` does not set (default 1).
    pub batch: Option<usize>,
}

impl ImportOptions {
    /// Sets the symbolic dimension `name` to `value`.
    pub fn with_dim(mut self, name: &str, value: usize) -> Self {
        self.dims.insert(name.to_string(), value);
        self
    }
}

/// The ops the importer lowers (for error messages).
pub const SUPPORTED_OPS: &str = "Gemm/MatMul/EinSum with a constant operand or between two \
activations, Conv (2-D, NCHW), Add/Sub/Mul (tensors, broadcasting, or constants), Div by \
constants, Max/Min with a scalar (ReLU, Clip), LeakyRelu, Sigmoid, Tanh, Erf, Gelu (exact, or \
its decomposed tanh/erf forms), Exp, MaxPool, AveragePool, GlobalAveragePool, ReduceSum, \
ReduceMean, Reshape, Flatten, Transpose, Squeeze, Unsqueeze, Slice, Concat, Gather with \
constant indices, Gather of an embedding table's rows by an int64 token-id input, an int64 \
attention_mask input (Cast to bool/float, And with a constant, Where(mask, a, b) added to the \
scores of a Softmax), ArgMax (select_last_index = 0), Softmax (optionally after a 0/-inf mask), \
LayerNormalization (or its decomposed form), RmsNorm, BatchNormalization (folded), the NaN \
guard Iff(IsNan); float only: Div of two activations (tract's Recip), Pow outside a recognised GELU";

/// Loads an ONNX model, fixes its input shape, declutters it with tract and lowers it to our IR.
///
/// Symbolic input dimensions take their value from `opts.dims`; a symbolic or unknown axis 0
/// defaults to the batch size (1).
///
/// # Errors
/// [`ModelError::Io`]/[`ModelError::Tract`] if the file cannot be read or typed,
/// [`ModelError::SymbolicDim`] for a symbolic dimension without a value,
/// [`ModelError::UnsupportedOp`] for an op we cannot lower.
pub fn import_onnx<'a>(source: impl Into<OnnxSource<'a>>, opts: &ImportOptions) -> Result<Graph> {
    let onnx = tract_onnx::onnx();
    let (what, model) = match source.into() {
        OnnxSource::Path(p) => {
            let what = format!("loading {}", p.display());
            if !p.exists() {
                return Err(ModelError::Io {
                    path: p.display().to_string(),
                    message: "no such file".into(),
                });
            }
            let m = onnx
                .model_for_path(p)
                .map_err(|e| ModelError::tract(&what, &e))?;
            (what, m)
        }
        OnnxSource::Bytes(b) => {
            let what = "loading ONNX bytes".to_string();
            let m = onnx
                .model_for_read(&mut &*b)
                .map_err(|e| ModelError::tract(&what, &e))?;
            (what, m)
        }
    };
    let (model, int_inputs) = concretize_inputs(model, opts)?;
    let typed = model
        .into_typed()
        .map_err(|e| ModelError::tract(format!("typing ({what})"), &e))?;
    let typed = typed
        .into_decluttered()
        .map_err(|e| ModelError::tract("decluttering", &e))?;
    let mut graph = lower::lower(&typed, &int_inputs)?;
    fold::fold_affine(&mut graph);
    let plan = typed
        .into_optimized()
        .and_then(IntoRunnable::into_runnable)
        .map_err(|e| ModelError::tract("optimizing the reference plan", &e))?;
    graph.tract = Some(plan);
    Ok(graph)
}

/// Fixes every input's shape; returns, per graph input, whether it is an integer input (token
/// ids or an attention mask).
fn concretize_inputs(
    mut model: InferenceModel,
    opts: &ImportOptions,
) -> Result<(InferenceModel, Vec<bool>)> {
    let n = model.inputs.len();
    if n == 0 {
        return Err(ModelError::Config("the model has no input".into()));
    }
    let mut ints = Vec::with_capacity(n);
    for i in 0..n {
        let (m, int) = concretize_input(model, opts, i)?;
        model = m;
        ints.push(int);
    }
    Ok((model, ints))
}

/// Fixes input `i`'s shape; returns whether it is an integer input.
fn concretize_input(
    mut model: InferenceModel,
    opts: &ImportOptions,
    i: usize,
) -> Result<(InferenceModel, bool)> {
    let fact = model
        .input_fact(i)
        .map_err(|e| ModelError::tract("reading the input fact", &e))?
        .clone();
    let name = model.node(model.inputs[i].node).name.clone();
    if fact.shape.is_open() {
        return Err(ModelError::SymbolicDim {
            input: name,
            axis: 0,
            symbol: "rank".into(),
        });
    }
    let mut shape = Vec::new();
    for (axis, d) in fact.shape.dims().enumerate() {
        let dim = d.concretize();
        let v = match dim.as_ref().and_then(|t| t.to_i64().ok()) {
            Some(v) => {
                usize::try_from(v).map_err(|_| ModelError::Config(format!("negative dim {v}")))?
            }
            None => {
                let symbol = dim.map_or_else(|| "?".to_string(), |t| t.to_string());
                match opts.dims.get(&symbol) {
                    Some(&v) => v,
                    None if axis == 0 => opts.batch.unwrap_or(1),
                    None => {
                        return Err(ModelError::SymbolicDim {
                            input: name,
                            axis,
                            symbol,
                        });
                    }
                }
            }
        };
        shape.push(v);
    }
    let dt = fact.datum_type.concretize().unwrap_or(DatumType::F32);
    let int = matches!(dt, DatumType::I64 | DatumType::I32);
    if dt != DatumType::F32 && !int {
        return Err(ModelError::Config(format!(
            "input `{name}` is {dt:?}; an input must be f32, or int64/int32 token ids that feed \
             an embedding lookup (or an int64 attention mask beside them)"
        )));
    }
    model
        .set_input_fact(i, InferenceFact::dt_shape(dt, shape))
        .map_err(|e| ModelError::tract("setting the input shape", &e))?;
    Ok((model, int))
}
