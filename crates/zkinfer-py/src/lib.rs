//! Python bindings of the `zkinfer` library: the native half (`zkinfer._native`) of the `zkinfer`
//! Python package. It takes and returns plain values — paths, little-endian `float32` bytes, JSON
//! text, opaque key and proof handles — and releases the GIL while the pipeline works; the Python
//! half (`python/zkinfer`) turns numpy arrays, dicts and paths into those values and back, and
//! holds the exception classes (`zkinfer.errors`) that the library's errors become.
//!
//! Modules: [`errors`] (library errors → Python exceptions), [`objects`] (compiled model, keys,
//! proof).

pub mod errors;
pub mod objects;

use std::path::PathBuf;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use zkinfer::{Calibration, InputVisibility, Output, QuantConfig};

use crate::errors::{IntoPy, input_error};
use crate::objects::{NativeCompiled, NativeProof, NativeProvingKey, NativeVerifyingKey};

/// The extension's allocator: mimalloc, as the `zkinfer` binary's (with the system allocator every
/// large buffer of a proof is a fresh `mmap`), told before each proof to keep freed memory for
/// the next where the machine has room ([`zkinfer::memory::prepare_repeated_proofs`];
/// `ZKINFER_PURGE_DELAY_MS` overrides the delay): a program proving in a loop reuses it instead
/// of touching fresh pages each time (docs/BENCHMARKS.md, "Warm proves").
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Runs `f` behind a spinner named `what` (as the command line does) when `progress` is set.
fn stage<T>(progress: bool, what: &str, f: impl FnOnce() -> T) -> T {
    let bar = progress.then(|| {
        let b = ProgressBar::new_spinner();
        b.set_style(
            ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        b.set_message(what.to_string());
        b.enable_steady_tick(Duration::from_millis(100));
        b
    });
    let r = f();
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    r
}

/// Little-endian `float32` bytes → floats.
fn floats(py: Python<'_>, bytes: &[u8]) -> PyResult<Vec<f32>> {
    if !bytes.len().is_multiple_of(4) {
        return Err(input_error(
            py,
            format!(
                "{} bytes is not a whole number of float32 values",
                bytes.len()
            ),
        ));
    }
    Ok(bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect())
}

/// `n` samples stacked in one `float32` buffer → one vector per sample.
fn samples(py: Python<'_>, bytes: &[u8], n: usize) -> PyResult<Vec<Vec<f32>>> {
    let all = floats(py, bytes)?;
    if n == 0 || all.len() % n != 0 {
        return Err(input_error(
            py,
            format!("{} values do not split into {n} samples", all.len()),
        ));
    }
    Ok(all
        .chunks_exact(all.len() / n)
        .map(<[f32]>::to_vec)
        .collect())
}

fn f32_bytes<'py>(py: Python<'py>, values: &[f32]) -> Bound<'py, PyBytes> {
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    PyBytes::new(py, &bytes)
}

/// An output as (float32 bytes, integers, shape, scale).
type PyOutput<'py> = (Bound<'py, PyBytes>, Vec<i64>, Vec<usize>, i32);

fn py_output<'py>(py: Python<'py>, out: &Output) -> PyOutput<'py> {
    let flat: Vec<f32> = out.output_data.iter().flatten().copied().collect();
    // A verifier of a private or hashed output learns no output: an empty array.
    let shape = if flat.is_empty() && !out.output_public {
        vec![0]
    } else {
        out.shape.clone()
    };
    (
        f32_bytes(py, &flat),
        out.output_ints.clone(),
        shape,
        out.scale,
    )
}

/// Reads EZKL input JSON: one float32 buffer per row of `input_data`.
#[pyfunction]
#[allow(
    clippy::needless_pass_by_value,
    reason = "pyo3 passes extracted arguments by value"
)]
fn read_inputs<'py>(py: Python<'py>, path: PathBuf) -> PyResult<Vec<Bound<'py, PyBytes>>> {
    let rows = zkinfer::read_inputs(&path).py_err(py)?;
    Ok(rows.iter().map(|r| f32_bytes(py, r)).collect())
}

/// Imports a model and reports it, as JSON; with samples, also the predicted cost.
#[pyfunction]
#[pyo3(signature = (onnx, data=None, n=0))]
#[allow(
    clippy::needless_pass_by_value,
    reason = "pyo3 passes extracted arguments by value"
)]
fn inspect(py: Python<'_>, onnx: PathBuf, data: Option<&[u8]>, n: usize) -> PyResult<String> {
    let samples = data.map(|d| samples(py, d, n)).transpose()?;
    let info = py
        .detach(|| zkinfer::inspect(&onnx, samples.as_deref()))
        .py_err(py)?;
    zkinfer::to_json(&info).py_err(py)
}

/// Calibrates; returns (settings JSON, error report JSON).
#[pyfunction]
#[allow(
    clippy::needless_pass_by_value,
    reason = "pyo3 passes extracted arguments by value"
)]
fn calibrate(
    py: Python<'_>,
    onnx: PathBuf,
    data: &[u8],
    n: usize,
    act_bits: u32,
    weight_bits: u32,
    progress: bool,
) -> PyResult<(String, String)> {
    let samples = samples(py, data, n)?;
    let config = QuantConfig::with_bits(act_bits, weight_bits);
    let (cal, report) = py
        .detach(|| {
            stage(progress, "calibrating", || {
                zkinfer::calibrate(&onnx, &samples, &config)
            })
        })
        .py_err(py)?;
    Ok((
        zkinfer::to_json(&cal).py_err(py)?,
        zkinfer::to_json(&report).py_err(py)?,
    ))
}

/// Writes settings JSON (checked to be settings) to a file.
#[pyfunction]
#[allow(
    clippy::needless_pass_by_value,
    reason = "pyo3 passes extracted arguments by value"
)]
fn write_settings(py: Python<'_>, settings: &str, path: PathBuf) -> PyResult<()> {
    let cal: Calibration = zkinfer::from_json(settings, "settings").py_err(py)?;
    zkinfer::write_json(&path, &cal).py_err(py)
}

/// Compiles with settings from a file (`settings_path`) or JSON text (`settings_json`).
#[pyfunction]
#[pyo3(signature = (onnx, settings_path, settings_json, input_visibility, progress, output_visibility = "public", weights_visibility = "private"))]
#[allow(
    clippy::needless_pass_by_value,
    reason = "pyo3 passes extracted arguments by value"
)]
#[allow(
    clippy::too_many_arguments,
    reason = "the Python keyword arguments, one per option"
)]
fn compile(
    py: Python<'_>,
    onnx: PathBuf,
    settings_path: Option<PathBuf>,
    settings_json: Option<&str>,
    input_visibility: &str,
    progress: bool,
    output_visibility: &str,
    weights_visibility: &str,
) -> PyResult<NativeCompiled> {
    let bad = |what: &str, got: &str, options: &str| {
        input_error(
            py,
            format!("{what}={got:?} is not an option; use {options}"),
        )
    };
    let three = "\"public\", \"private\" or \"hashed\"";
    let input = match input_visibility {
        "public" => InputVisibility::Public,
        // "committed" is the name before inputs were hidden (kept so old scripts run).
        "private" | "committed" => InputVisibility::Private,
        "hashed" => InputVisibility::Hashed,
        other => return Err(bad("input_visibility", other, three)),
    };
    let output = match output_visibility {
        "public" => zkinfer::OutputVisibility::Public,
        "private" => zkinfer::OutputVisibility::Private,
        "hashed" => zkinfer::OutputVisibility::Hashed,
        other => return Err(bad("output_visibility", other, three)),
    };
    let weights = match weights_visibility {
        "private" => zkinfer::WeightsVisibility::Private,
        "public" => zkinfer::WeightsVisibility::Public,
        other => {
            return Err(bad(
                "weights_visibility",
                other,
                "\"private\" or \"public\"",
            ));
        }
    };
    let visibility = zkinfer::CompileOptions {
        input,
        output,
        weights,
    };
    let cal: Calibration = match (settings_path, settings_json) {
        (Some(p), _) => zkinfer::read_json(&p).py_err(py)?,
        (None, Some(text)) => zkinfer::from_json(text, "settings").py_err(py)?,
        (None, None) => {
            return Err(input_error(
                py,
                "compile needs settings: a settings.json path or the dict calibrate returned"
                    .into(),
            ));
        }
    };
    py.detach(|| {
        stage(progress, "compiling", || {
            zkinfer::compile(&onnx, &cal, visibility)
        })
    })
    .py_err(py)
    .map(|inner| NativeCompiled { inner })
}

/// Makes the keys. `weights_data`: what the proving key keeps of the private weights' hiding
/// commitment (`zkinfer setup --weights-data`).
#[pyfunction]
#[pyo3(signature = (compiled, progress, weights_data = "auto"))]
fn setup(
    py: Python<'_>,
    compiled: &NativeCompiled,
    progress: bool,
    weights_data: &str,
) -> PyResult<(NativeProvingKey, NativeVerifyingKey)> {
    let weights_data = match weights_data {
        "auto" => zkinfer::WeightsData::Auto,
        "stored" => zkinfer::WeightsData::Stored,
        "seed" => zkinfer::WeightsData::Seed,
        other => {
            return Err(input_error(
                py,
                format!(
                    "weights_data={other:?} is not an option; use \"auto\", \"stored\" or \"seed\""
                ),
            ));
        }
    };
    let options = zkinfer::SetupOptions {
        weights_data,
        ..zkinfer::SetupOptions::default()
    };
    let (pk, vk) = py
        .detach(|| {
            stage(progress, "setup (committing to the weights)", || {
                zkinfer::setup_with(&compiled.inner, options)
            })
        })
        .py_err(py)?;
    Ok((
        NativeProvingKey { inner: pk },
        NativeVerifyingKey { inner: vk },
    ))
}

/// Proves one inference on a float32 input; returns the proof and the output.
#[pyfunction]
fn prove<'py>(
    py: Python<'py>,
    pk: &NativeProvingKey,
    x: &[u8],
    progress: bool,
) -> PyResult<(NativeProof, PyOutput<'py>)> {
    let x = floats(py, x)?;
    zkinfer::memory::prepare_repeated_proofs(&pk.inner.pk.vk.plan.cost);
    let (proof, out) = py
        .detach(|| stage(progress, "proving", || zkinfer::prove(&pk.inner, &x)))
        .py_err(py)?;
    Ok((NativeProof { inner: proof }, py_output(py, &out)))
}

/// Proves one inference; returns the proof, the output and the openings of the proof's hashed
/// tensors as JSON text (`[]` when the model has none).
#[pyfunction]
fn prove_with_openings<'py>(
    py: Python<'py>,
    pk: &NativeProvingKey,
    x: &[u8],
    progress: bool,
) -> PyResult<(NativeProof, PyOutput<'py>, String)> {
    let x = floats(py, x)?;
    zkinfer::memory::prepare_repeated_proofs(&pk.inner.pk.vk.plan.cost);
    let (proof, out, openings) = py
        .detach(|| {
            stage(progress, "proving", || {
                zkinfer::prove_with_openings(&pk.inner, &x, &mut zkinfer::Profile::default())
            })
        })
        .py_err(py)?;
    let json = zkinfer::to_json(&openings).py_err(py)?;
    Ok((NativeProof { inner: proof }, py_output(py, &out), json))
}

/// Checks a hashed tensor's commitment against the holder's data (the input as float32 bytes,
/// or the output integers); verifies the proof too. Returns the commitment's digest.
#[pyfunction]
#[pyo3(signature = (vk, proof, openings_json, x, output_ints))]
#[allow(
    clippy::needless_pass_by_value,
    reason = "pyo3 passes extracted arguments by value"
)]
fn check_commitment(
    py: Python<'_>,
    vk: &NativeVerifyingKey,
    proof: &NativeProof,
    openings_json: &str,
    x: Option<&[u8]>,
    output_ints: Option<Vec<i64>>,
) -> PyResult<String> {
    let openings: Vec<zkinfer::HashedOpening> =
        zkinfer::from_json(openings_json, "openings").py_err(py)?;
    let x = x.map(|b| floats(py, b)).transpose()?;
    py.detach(|| {
        zkinfer::check_commitment(
            &vk.inner,
            &proof.inner,
            &openings,
            x.as_deref(),
            output_ints.as_deref(),
        )
    })
    .py_err(py)
}

/// Verifies a proof (and, with `x`, that it is about that public input); returns the output.
#[pyfunction]
#[pyo3(signature = (vk, proof, x, progress))]
fn verify<'py>(
    py: Python<'py>,
    vk: &NativeVerifyingKey,
    proof: &NativeProof,
    x: Option<&[u8]>,
    progress: bool,
) -> PyResult<PyOutput<'py>> {
    let x = x.map(|b| floats(py, b)).transpose()?;
    let out = py
        .detach(|| {
            stage(progress, "verifying", || {
                zkinfer::verify(&vk.inner, &proof.inner, x.as_deref())
            })
        })
        .py_err(py)?;
    Ok(py_output(py, &out))
}

/// The bundled digits CNN: (ONNX bytes, held-out inputs as float32 bytes, their count, labels).
type Digits<'py> = (Bound<'py, PyBytes>, Bound<'py, PyBytes>, usize, Vec<usize>);

/// The bundled digits CNN and its held-out set.
#[pyfunction]
fn digits<'py>(py: Python<'py>) -> PyResult<Digits<'py>> {
    let test = zkinfer::digits_test().py_err(py)?;
    let flat: Vec<f32> = test.inputs.iter().flatten().copied().collect();
    Ok((
        PyBytes::new(py, zkinfer::DIGITS_ONNX),
        f32_bytes(py, &flat),
        test.inputs.len(),
        test.labels,
    ))
}

/// The native half of the `zkinfer` package; import `zkinfer`, not this.
#[pymodule]
#[pyo3(name = "_native")]
fn native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<NativeCompiled>()?;
    m.add_class::<NativeProvingKey>()?;
    m.add_class::<NativeVerifyingKey>()?;
    m.add_class::<NativeProof>()?;
    m.add_function(wrap_pyfunction!(read_inputs, m)?)?;
    m.add_function(wrap_pyfunction!(inspect, m)?)?;
    m.add_function(wrap_pyfunction!(calibrate, m)?)?;
    m.add_function(wrap_pyfunction!(write_settings, m)?)?;
    m.add_function(wrap_pyfunction!(compile, m)?)?;
    m.add_function(wrap_pyfunction!(setup, m)?)?;
    m.add_function(wrap_pyfunction!(prove, m)?)?;
    m.add_function(wrap_pyfunction!(verify, m)?)?;
    m.add_function(wrap_pyfunction!(prove_with_openings, m)?)?;
    m.add_function(wrap_pyfunction!(check_commitment, m)?)?;
    m.add_function(wrap_pyfunction!(digits, m)?)?;
    Ok(())
}
