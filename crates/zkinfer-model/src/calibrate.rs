//! Calibration (choosing power-of-two scales from sample inputs) and the quantized-vs-float
//! error report.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{ModelError, Result};
use crate::graph::Graph;
use crate::quant::QuantGraph;

/// Bit widths and scale rules.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuantConfig {
    /// Activation bits A (activations in `[-2^(A-1), 2^(A-1))`). Default 16.
    pub act_bits: u32,
    /// Weight bits W. Default 16.
    pub weight_bits: u32,
    /// Head-room factor: an activation scale keeps `max|x| · margin · 2^s < 2^(A-1)`. Default 2.
    pub margin: f32,
    /// Largest activation scale (fractional bits). Default `A - 4` (12 for A = 16): finer scales
    /// add no accuracy the inputs have and only grow accumulators.
    pub max_act_scale: i32,
    /// Largest weight scale. Default `W` (16): small weights keep ≥ 1 significant bits per
    /// fractional bit without letting a near-zero tensor get an absurd scale.
    pub max_weight_scale: i32,
}

impl Default for QuantConfig {
    fn default() -> Self {
        QuantConfig::with_bits(16, 16)
    }
}

impl QuantConfig {
    /// The defaults for `A` activation and `W` weight bits.
    pub fn with_bits(act_bits: u32, weight_bits: u32) -> Self {
        QuantConfig {
            act_bits,
            weight_bits,
            margin: 2.0,
            max_act_scale: act_bits as i32 - 4,
            max_weight_scale: weight_bits as i32,
        }
    }

    pub(crate) fn check(&self) -> Result<()> {
        if !crate::quant::BITS.contains(&self.act_bits)
            || !crate::quant::BITS.contains(&self.weight_bits)
        {
            return Err(ModelError::Config(format!(
                "act_bits {} / weight_bits {} must lie in 2..=32",
                self.act_bits, self.weight_bits
            )));
        }
        if !(self.margin.is_finite() && self.margin >= 1.0) {
            return Err(ModelError::Config(format!(
                "margin {} must be a finite number ≥ 1",
                self.margin
            )));
        }
        Ok(())
    }
}

/// The calibration result ("settings"): one scale per float tensor. Serde/JSON-able.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// The rules used.
    pub config: QuantConfig,
    /// Tensor names (float graph order), for reading the file.
    pub names: Vec<String>,
    /// Largest |x| seen per tensor over the samples.
    pub max_abs: Vec<f32>,
    /// Chosen scale (fractional bits) per tensor.
    pub scales: Vec<i32>,
}

/// The largest `s ≤ cap` with `round(max_abs · margin · 2^s) < 2^(bits-1)`; `cap` for zero.
pub fn pow2_scale(max_abs: f32, bits: u32, margin: f32, cap: i32) -> i32 {
    let m = f64::from(max_abs) * f64::from(margin);
    if !(m > 0.0 && m.is_finite()) {
        return cap;
    }
    let lim = (1u64 << (bits - 1)) as f64;
    let mut s = ((lim / m).log2().floor() as i32).min(cap);
    while (m * f64::from(s).exp2()).round() >= lim {
        s -= 1;
    }
    s
}

/// Runs the float IR on every sample, records max |x| per tensor and picks scales.
///
/// # Errors
/// No samples, a sample of the wrong length or with NaN/inf, or a bad config. A row of `k`
/// times the input's size is `k` samples ([`Graph::split_samples`]).
pub fn calibrate(graph: &Graph, samples: &[Vec<f32>], config: &QuantConfig) -> Result<Calibration> {
    config.check()?;
    if samples.is_empty() {
        return Err(ModelError::Config(
            "calibration needs at least one sample input".into(),
        ));
    }
    let samples = graph.split_samples(samples)?;
    let mut max_abs = vec![0f32; graph.tensors.len()];
    for s in &samples {
        let vals = graph.eval(s)?;
        for (m, v) in max_abs.iter_mut().zip(&vals) {
            *m = v
                .iter()
                .fold(*m, |a, x| if x.is_finite() { a.max(x.abs()) } else { a });
        }
    }
    let scales = max_abs
        .iter()
        .map(|&m| pow2_scale(m, config.act_bits, config.margin, config.max_act_scale))
        .collect();
    Ok(Calibration {
        config: config.clone(),
        names: graph.tensors.iter().map(|t| t.name.clone()).collect(),
        max_abs,
        scales,
    })
}

/// Error of one tensor, quantized vs float.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TensorError {
    /// The tensor (float graph name).
    pub name: String,
    /// Its scale.
    pub scale: i32,
    /// max |q·2^-s − x|.
    pub max_abs: f32,
    /// mean |q·2^-s − x|.
    pub mean_abs: f32,
    /// max |x| (for scale).
    pub range: f32,
}

/// Quantized-vs-float error over a set of inputs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorReport {
    /// The output's error (worst over the inputs for max, mean over inputs for mean).
    pub output: TensorError,
    /// Fraction of inputs whose output argmax agrees.
    pub argmax_agreement: f32,
    /// Per-layer errors, for every float tensor that has a narrow quantized counterpart.
    pub layers: Vec<TensorError>,
    /// Number of inputs.
    pub samples: usize,
}

impl fmt::Display for ErrorReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let o = &self.output;
        writeln!(
            f,
            "output `{}` (scale 2^-{}): max abs err {:.3e}, mean abs err {:.3e}, range {:.3e}; argmax agreement {:.1}% over {} input(s)",
            o.name,
            o.scale,
            o.max_abs,
            o.mean_abs,
            o.range,
            100.0 * self.argmax_agreement,
            self.samples
        )?;
        writeln!(
            f,
            "{:<60} {:>5} {:>11} {:>11} {:>11}",
            "layer", "scale", "max abs", "mean abs", "range"
        )?;
        for l in &self.layers {
            writeln!(
                f,
                "{:<60} {:>5} {:>11.3e} {:>11.3e} {:>11.3e}",
                l.name, l.scale, l.max_abs, l.mean_abs, l.range
            )?;
        }
        Ok(())
    }
}

/// Index of the largest value (first on ties).
pub fn argmax(v: &[f32]) -> usize {
    v.iter()
        .enumerate()
        .fold(0, |b, (i, &x)| if x > v[b] { i } else { b })
}

fn tensor_error(name: &str, scale: i32, q: &[f32], x: &[f32]) -> TensorError {
    let d: Vec<f32> = q.iter().zip(x).map(|(a, b)| (a - b).abs()).collect();
    TensorError {
        name: name.to_string(),
        scale,
        max_abs: d.iter().fold(0f32, |a, &b| a.max(b)),
        mean_abs: d.iter().sum::<f32>() / d.len().max(1) as f32,
        range: x.iter().fold(0f32, |a, &b| a.max(b.abs())),
    }
}

/// Runs the float IR and the integer interpreter on each input and compares them, per output and
/// per layer (layers are matched by name: the last narrow quantized tensor of each float node).
///
/// # Errors
/// Any error of [`Graph::eval`], [`QuantGraph::quantize_input`] or [`QuantGraph::execute`].
pub fn error_report(graph: &Graph, qg: &QuantGraph, inputs: &[Vec<f32>]) -> Result<ErrorReport> {
    if inputs.is_empty() {
        return Err(ModelError::Config(
            "the error report needs at least one input".into(),
        ));
    }
    let inputs = &graph.split_samples(inputs)?;
    // float tensor -> quantized tensor: a quantized tensor named `<float name>#id` that is narrow.
    let act = 1u64 << (qg.act_bits - 1);
    let pairs: Vec<(usize, usize)> = graph
        .tensors
        .iter()
        .enumerate()
        .filter_map(|(fi, t)| {
            let prefix = format!("{}#", t.name);
            let qi = qg.tensors.iter().rposition(|q| {
                q.name.starts_with(&prefix) && q.bound <= act && q.shape == t.shape
            })?;
            Some((fi, qi))
        })
        .collect();
    let mut layers: Vec<TensorError> = Vec::new();
    let mut out: Option<TensorError> = None;
    let mut agree = 0usize;
    for x in inputs {
        let fv = graph.eval(x)?;
        let tr = qg.execute(&qg.quantize_input(x)?)?;
        let qo = qg.dequantize_output(&tr);
        let fo = &fv[graph.output];
        agree += usize::from(argmax(&qo) == argmax(fo));
        let e = tensor_error(
            &graph.tensors[graph.output].name,
            qg.tensors[qg.output].scale,
            &qo,
            fo,
        );
        out = Some(merge(out, e, inputs.len()));
        for (k, &(fi, qi)) in pairs.iter().enumerate() {
            let e = tensor_error(
                &graph.tensors[fi].name,
                qg.tensors[qi].scale,
                &qg.dequantize(qi, &tr.values[qi]),
                &fv[fi],
            );
            if layers.len() <= k {
                layers.push(TensorError {
                    mean_abs: e.mean_abs / inputs.len() as f32,
                    ..e
                });
            } else {
                layers[k] = merge(Some(layers[k].clone()), e, inputs.len());
            }
        }
    }
    let output = out.ok_or_else(|| ModelError::Config("no inputs".into()))?;
    Ok(ErrorReport {
        output,
        argmax_agreement: agree as f32 / inputs.len() as f32,
        layers,
        samples: inputs.len(),
    })
}

fn merge(acc: Option<TensorError>, e: TensorError, n: usize) -> TensorError {
    let mean = e.mean_abs / n as f32;
    match acc {
        None => TensorError {
            mean_abs: mean,
            ..e
        },
        Some(a) => TensorError {
            max_abs: a.max_abs.max(e.max_abs),
            mean_abs: a.mean_abs + mean,
            range: a.range.max(e.range),
            ..a
        },
    }
}
