//! The steps of the pipeline, as functions the CLI (and later the Python bindings) call.

use std::path::Path;

use serde::{Deserialize, Serialize};
use zkinfer_model::{Calibration, ErrorReport, ImportOptions, QuantConfig, QuantGraph};
use zkinfer_pcs::PcsConfig;
use zkinfer_proof::hashed::{HashedOpening, HashedTensor};
use zkinfer_proof::ir::ProofGraph;
use zkinfer_proof::proof::KEY_FORMAT_VERSION;
use zkinfer_proof::{
    CompileOptions, InputVisibility, Plan, Profile, Proof, ProvingKey, VerifyingKey, ZkFile,
};

use crate::error::Error;
use zkinfer_proof::lower::lower;

/// A compiled model (`model.zkc`): the quantized graph, its proof graph and plan, the settings.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CompiledModel {
    /// The integer model (the interpreter runs it).
    pub quant: QuantGraph,
    /// The graph the engine proves.
    pub graph: ProofGraph,
    /// Layouts, columns, lookups, costs.
    pub plan: Plan,
    /// Scales and ranges.
    pub calibration: Calibration,
}

impl ZkFile for CompiledModel {
    const MAGIC: [u8; 8] = *b"ZKINFZKC";
    const KIND: &'static str = "compiled model (.zkc)";
    const VERSION: u32 = KEY_FORMAT_VERSION;
    const REGENERATE: &'static str = "re-run `zkinfer compile` with this version";
}

/// The proving key file (`model.pk`): the engine's key and the integer model.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProverKey {
    /// The engine's proving key (contains the verifying key).
    pub pk: ProvingKey,
    /// The integer model, for the interpreter's trace.
    pub quant: QuantGraph,
}

impl ZkFile for ProverKey {
    const MAGIC: [u8; 8] = *b"ZKINFPKM";
    const KIND: &'static str = "proving key (.pk)";
    const VERSION: u32 = zkinfer_proof::proof::PK_FORMAT_VERSION;
    const REGENERATE: &'static str = "re-run `zkinfer setup` with this version to remake the keys";
    const READ_WHOLE_UP_TO: u64 = <ProvingKey as ZkFile>::READ_WHOLE_UP_TO;

    /// The engine key's own checks (digest, plan shape, graph, plan against graph): once at
    /// load, so proving does not repeat them.
    fn check(&self) -> Result<(), String> {
        self.pk.check()
    }

    /// The engine key's stored weights trees (read where a proof opens them).
    fn trailer_len(&self) -> u64 {
        self.pk.trailer_len()
    }

    fn write_trailer(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        self.pk.write_trailer(out)
    }

    fn attach_trailer(&mut self, source: zkinfer_pcs::TreeSource) -> Result<(), String> {
        self.pk.attach_trailer(source)
    }
}

/// An output, de-quantized and as integers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Output {
    /// Floats (`q · 2^-scale`).
    pub output_data: Vec<Vec<f32>>,
    /// The proven integers.
    pub output_ints: Vec<i64>,
    /// Logical shape.
    pub shape: Vec<usize>,
    /// Fractional bits.
    pub scale: i32,
    /// With a public input: Keccak-256 of the quantized input the proof is about (its integers as
    /// little-endian i64), in hex, so that whoever verifies without the input file sees which input
    /// was proved. `None` when the input is committed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_digest: Option<String>,
    /// Whether the output is public. A verifier of a private or hashed output learns no output:
    /// `output_data` and `output_ints` are empty on its side.
    #[serde(default = "yes")]
    pub output_public: bool,
    /// The digests of the proof's `hashed` tensors (`zkinfer check-commitment` recomputes them
    /// from an opening and the data).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub commitments: Vec<TensorDigest>,
}

fn yes() -> bool {
    true
}

/// The digest of a hashed tensor's commitment in a proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TensorDigest {
    /// `"input"` or `"output"`.
    pub tensor: String,
    /// Keccak-256 of the commitment, hex.
    pub digest: String,
}

fn digests(proof: &Proof) -> Vec<TensorDigest> {
    proof
        .hashed
        .iter()
        .map(|h| TensorDigest {
            tensor: h.tensor.to_string(),
            digest: h.digest_hex(),
        })
        .collect()
}

/// Reads a binary file of kind `T`.
///
/// # Errors
/// [`Error::Io`] or [`Error::File`].
pub fn read_file<T: ZkFile>(path: &Path) -> Result<T, Error> {
    let io = |source| Error::Io {
        path: path.display().to_string(),
        source,
    };
    // Decoded from the file as it is read, and a proving key's stored weights tree (up to
    // gigabytes) left in the file, read where a proof opens it.
    let file = std::fs::File::open(path).map_err(io)?;
    T::read_from_file(file).map_err(|source| Error::File {
        path: path.display().to_string(),
        source,
    })
}

/// Writes a binary file; returns its size.
///
/// # Errors
/// [`Error::Io`].
pub fn write_file<T: ZkFile>(path: &Path, value: &T) -> Result<usize, Error> {
    use std::io::Write as _;
    let io = |source| Error::Io {
        path: path.display().to_string(),
        source,
    };
    // Written beside the target and renamed over it: a proving key read from `path` keeps
    // reading its stored weights tree from the old file (its open handle), so saving a key over
    // its own file, or setup overwriting a key a prover is using, never truncates what is read.
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp-{}", std::process::id()));
    let tmp = std::path::PathBuf::from(tmp);
    let written = (|| {
        let file = std::fs::File::create(&tmp)?;
        let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
        let written = value.write_to(&mut out)?;
        out.flush()?;
        std::fs::rename(&tmp, path)?;
        Ok(written)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written.map_err(io)
}

/// Reads inputs in EZKL's JSON format `{"input_data": [[…]]}`.
///
/// # Errors
/// [`Error::Io`] or [`Error::Input`].
pub fn read_inputs(path: &Path) -> Result<Vec<Vec<f32>>, Error> {
    if !path.exists() {
        return Err(Error::Io {
            path: path.display().to_string(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        });
    }
    zkinfer_model::load_input_json(path).map_err(|e| Error::Input(e.to_string()))
}

/// The one input of EZKL-format `rows` (from [`read_inputs`]) for a model whose packed input
/// has `len` values: the single list; for several lists, the first if it has `len` values (a
/// one-input model's first sample), else the lists concatenated (one flat list per graph input,
/// in the graph's input order: the packed input). The length is checked by the caller.
///
/// # Errors
/// [`Error::Input`] if `rows` is empty.
pub fn input_from_rows(rows: &[Vec<f32>], len: usize) -> Result<Vec<f32>, Error> {
    match rows {
        [] => Err(Error::Input("input_data is empty".into())),
        [one] => Ok(one.clone()),
        [first, ..] if first.len() == len => Ok(first.clone()),
        _ => Ok(rows.concat()),
    }
}

/// The one input of EZKL-format `rows` for the model of `key`, checked per graph input: one
/// flat list per graph input, in the graph's input order, each of its input's size (a model
/// with one input: its first list).
///
/// # Errors
/// [`Error::Input`] naming the input and the fix (wrong number of lists, a list of the wrong
/// length).
pub fn prover_input(key: &ProverKey, rows: &[Vec<f32>]) -> Result<Vec<f32>, Error> {
    zkinfer_model::pack_sample(&key.quant.input_parts(), rows)
        .map_err(|e| Error::Input(e.to_string()))
}

/// Imports `onnx` and calibrates it on `samples`; returns the settings and the error report.
///
/// # Errors
/// [`Error::Model`] (unsupported op, bad shapes) or [`Error::Input`] (bad samples).
pub fn calibrate(
    onnx: &Path,
    samples: &[Vec<f32>],
    config: &QuantConfig,
) -> Result<(Calibration, ErrorReport), Error> {
    let graph = import(onnx)?;
    let cal = zkinfer_model::calibrate(&graph, samples, config)
        .map_err(|e| Error::Input(e.to_string()))?;
    let q = zkinfer_model::quantize(&graph, &cal)?;
    let report = zkinfer_model::error_report(&graph, &q, samples)
        .map_err(|e| Error::Input(e.to_string()))?;
    Ok((cal, report))
}

fn import(onnx: &Path) -> Result<zkinfer_model::Graph, Error> {
    if !onnx.exists() {
        return Err(Error::Io {
            path: onnx.display().to_string(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        });
    }
    Ok(zkinfer_model::import_onnx(onnx, &ImportOptions::default())?)
}

/// One node of an imported model, as `inspect` shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InspectedNode {
    /// The node's name in the ONNX graph.
    pub name: String,
    /// The zkinfer op it was imported as.
    pub op: String,
}

/// What [`inspect`] finds: the imported graph and, with sample data, the proof's predicted cost.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Inspection {
    /// The graph's nodes, in order (every one of them is supported: an unsupported op is an error).
    pub nodes: Vec<InspectedNode>,
    /// The input's shape (for a model with several inputs, the packed input's).
    pub input_shape: Vec<usize>,
    /// The graph's inputs in order: name, shape, offset in the packed input, kind (float, token
    /// ids with their vocabulary, attention mask).
    pub inputs: Vec<zkinfer_model::InputPart>,
    /// The output's shape.
    pub output_shape: Vec<usize>,
    /// With sample data: the compiled plan's cost (per layer and in total, with predicted time and memory).
    pub cost: Option<zkinfer_proof::plan::Cost>,
}

/// Imports `onnx` and reports its graph; with `samples`, calibrates on them, compiles (public input) and
/// reports the predicted cost of proving.
///
/// # Errors
/// [`Error::Io`] if the file is missing, [`Error::Model`] for an unsupported op or a model that does not
/// compile, [`Error::Input`] for bad samples.
pub fn inspect(onnx: &Path, samples: Option<&[Vec<f32>]>) -> Result<Inspection, Error> {
    let graph = import(onnx)?;
    let nodes = graph
        .nodes
        .iter()
        .map(|n| InspectedNode {
            name: n.name.clone(),
            op: n.op.name().to_string(),
        })
        .collect();
    let input_shape = graph
        .tensors
        .get(graph.input)
        .map(|t| t.shape.clone())
        .unwrap_or_default();
    let output_shape = graph.output_shape().to_vec();
    let cost = match samples {
        Some(samples) => {
            let cal = zkinfer_model::calibrate(&graph, samples, &QuantConfig::default())
                .map_err(|e| Error::Input(e.to_string()))?;
            Some(
                compile_graph(&graph, &cal, InputVisibility::Public)?
                    .plan
                    .cost,
            )
        }
        None => None,
    };
    Ok(Inspection {
        nodes,
        input_shape,
        inputs: graph.input_parts(),
        output_shape,
        cost,
    })
}

/// Compiles `onnx` with `calibration` into a proof plan.
///
/// # Errors
/// [`Error::Model`] for an op without a prover, an overflow, or a model too large.
pub fn compile(
    onnx: &Path,
    calibration: &Calibration,
    options: impl Into<CompileOptions>,
) -> Result<CompiledModel, Error> {
    let graph = import(onnx)?;
    compile_graph(&graph, calibration, options)
}

/// Compiles an imported graph.
///
/// # Errors
/// As [`compile`].
pub fn compile_graph(
    graph: &zkinfer_model::Graph,
    calibration: &Calibration,
    options: impl Into<CompileOptions>,
) -> Result<CompiledModel, Error> {
    let quant = zkinfer_model::quantize(graph, calibration)?;
    quant.validate()?;
    let pg = lower(&quant)?;
    let plan = zkinfer_proof::compile(&pg, options.into())?;
    Ok(CompiledModel {
        quant,
        graph: pg,
        plan,
        calibration: calibration.clone(),
    })
}

/// How much memory [`setup_with`] may assume for the model's setup and proofs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MemoryLimit {
    /// This machine's physical memory (`MemTotal` in `/proc/meminfo`; unchecked where that
    /// cannot be read).
    #[default]
    Machine,
    /// A limit in bytes.
    Bytes(u64),
    /// No check.
    Unchecked,
}

/// This machine's physical memory in bytes (`MemTotal` in `/proc/meminfo`), if it can be read.
#[must_use]
pub fn machine_memory() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

/// Refuses a model whose predicted peak memory (the cost model's, as `zkinfer inspect` prints
/// it: the larger of setup's and a proof's) exceeds `limit`.
///
/// # Errors
/// [`Error::Model`] naming the prediction, the limit and what to change.
pub fn check_memory(cost: &zkinfer_proof::plan::Cost, limit: MemoryLimit) -> Result<(), Error> {
    let (limit, whose) = match limit {
        MemoryLimit::Machine => match machine_memory() {
            Some(b) => (b, "this machine has"),
            None => return Ok(()),
        },
        MemoryLimit::Bytes(b) => (b, "the limit is"),
        MemoryLimit::Unchecked => return Ok(()),
    };
    let need = cost.predicted_memory_bytes;
    if need <= limit {
        return Ok(());
    }
    Err(Error::Model(format!(
        "the model is predicted to need {} MiB of memory to set up and prove ({} committed \
         elements per proof, {} weight elements), but {whose} {} MiB; setup refused before it \
         started. To fit, quantize to fewer activation bits (`zkinfer calibrate --act-bits 12`: \
         smaller lookup tables), prove a smaller model, or use a machine with more memory; if \
         the estimate is wrong for this machine, set the limit yourself (`zkinfer setup \
         --memory-limit-mib N`, or `--memory-limit-mib 0` to skip the check)",
        need >> 20,
        cost.committed,
        cost.weights,
        limit >> 20,
    )))
}

/// Makes the keys, after checking the model's predicted memory against this machine's
/// ([`check_memory`] with [`MemoryLimit::Machine`]).
///
/// # Errors
/// [`Error::Model`] if the model is predicted not to fit in memory, [`Error::Prove`] if the
/// weights cannot be committed.
pub fn setup(model: &CompiledModel) -> Result<(ProverKey, VerifyingKey), Error> {
    setup_with(model, SetupOptions::default())
}

/// What [`setup_with`] may change: the memory limit it checks the model against, and how many
/// proofs the private weights' hiding commitment covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SetupOptions {
    /// The limit for the model's predicted peak memory ([`check_memory`]).
    pub memory_limit: MemoryLimit,
    /// Proofs the private weights' commitment covers ([`zkinfer_proof::setup_with_max_proofs`];
    /// `zkinfer setup --max-proofs`).
    pub max_proofs: usize,
    /// Whether the proving key stores the private weights' commitment data or only its seed
    /// ([`zkinfer_proof::WeightsData`]; `zkinfer setup --weights-data`).
    pub weights_data: zkinfer_proof::WeightsData,
}

impl Default for SetupOptions {
    fn default() -> Self {
        Self {
            memory_limit: MemoryLimit::Machine,
            max_proofs: zkinfer_proof::weights::DEFAULT_MAX_PROOFS,
            weights_data: zkinfer_proof::WeightsData::Auto,
        }
    }
}

/// [`setup`] with other [`SetupOptions`].
///
/// # Errors
/// As [`setup`].
pub fn setup_with(
    model: &CompiledModel,
    options: SetupOptions,
) -> Result<(ProverKey, VerifyingKey), Error> {
    check_memory(&model.plan.cost, options.memory_limit)?;
    let pk = zkinfer_proof::setup_with_weights_data(
        &model.graph,
        &model.plan,
        PcsConfig::default(),
        options.max_proofs,
        options.weights_data,
    )?;
    let vk = pk.vk.clone();
    Ok((
        ProverKey {
            pk,
            quant: model.quant.clone(),
        },
        vk,
    ))
}

/// Proves one inference on a float input.
///
/// # Errors
/// [`Error::Input`] (length, NaN, range) or [`Error::Prove`].
pub fn prove(key: &ProverKey, input: &[f32]) -> Result<(Proof, Output), Error> {
    prove_profiled(key, input, &mut Profile::default())
}

/// [`prove`], recording the time and peak memory of each phase (the interpreter's run, then the
/// engine's phases) in `profile` (made by [`Profile::new`]).
///
/// # Errors
/// As [`prove`].
pub fn prove_profiled(
    key: &ProverKey,
    input: &[f32],
    profile: &mut Profile,
) -> Result<(Proof, Output), Error> {
    prove_with_openings(key, input, profile).map(|(proof, out, _)| (proof, out))
}

/// [`prove_profiled`], also returning the openings of the proof's `hashed` tensors, for their
/// holders (`zkinfer prove --opening-out`; see [`check_commitment`]). Secret: hand each only
/// to the holder of its tensor.
///
/// # Errors
/// As [`prove`].
pub fn prove_with_openings(
    key: &ProverKey,
    input: &[f32],
    profile: &mut Profile,
) -> Result<(Proof, Output, Vec<HashedOpening>), Error> {
    let run = Interpreted::run(&key.quant, &key.pk, input)?;
    profile.mark("interpreter");
    run.prove(&key.pk, profile)
}

/// [`prove_with_openings`] for a key used once (`zkinfer prove`), split into its engine key and
/// its integer model, the model taken by value: it is dropped once the interpreter has run,
/// before the engine proves. Its weights are only the interpreter's (the engine works from the
/// proof graph's copy), so they no longer sit in memory through the proof: 2.3 GB of GPT-2
/// 124M's 14.1 GB peak heap (`heaptrack`, 2026-12-06).
///
/// # Errors
/// As [`prove`].
pub fn prove_once(
    pk: &ProvingKey,
    quant: QuantGraph,
    input: &[f32],
    profile: &mut Profile,
) -> Result<(Proof, Output, Vec<HashedOpening>), Error> {
    let run = Interpreted::run(&quant, pk, input)?;
    drop(quant);
    profile.mark("interpreter");
    run.prove(pk, profile)
}

/// The integer interpreter's run on an input: what the engine proves.
struct Interpreted {
    /// The quantized input.
    q: Vec<i64>,
    /// Every tensor of the proof graph, row-major.
    values: Vec<Vec<i64>>,
    /// The model's output tensor.
    output: usize,
}

impl Interpreted {
    fn run(quant: &QuantGraph, pk: &ProvingKey, input: &[f32]) -> Result<Self, Error> {
        let q = quant
            .quantize_input(input)
            .map_err(|e| Error::Input(e.to_string()))?;
        let trace = quant.execute(&q).map_err(|e| Error::Input(e.to_string()))?;
        // Lowering appends tensors after the quantized graph's (a grouped convolution's parts):
        // the proof graph's trace then extends the interpreter's, and must agree with it on
        // every tensor they share.
        let values = if pk.graph.tensors.len() == trace.values.len() {
            trace.values
        } else {
            let full = zkinfer_proof::trace::run(&pk.graph, &q)?;
            if full.get(..trace.values.len()) != Some(&trace.values[..]) {
                return Err(Error::Prove(zkinfer_proof::ProveError::Backend(
                    "the lowered graph's trace disagrees with the model's interpreter; \
                     recompile the model with this version of zkinfer"
                        .into(),
                )));
            }
            full
        };
        Ok(Self {
            q,
            values,
            output: quant.output,
        })
    }

    fn prove(
        self,
        pk: &ProvingKey,
        profile: &mut Profile,
    ) -> Result<(Proof, Output, Vec<HashedOpening>), Error> {
        let (proof, openings) =
            zkinfer_proof::prove_with_openings(pk, &self.q, Some(&self.values), profile)?;
        let digest =
            (pk.vk.plan.options.input == InputVisibility::Public).then(|| input_digest(&self.q));
        let output = self.values.get(self.output).ok_or_else(|| {
            Error::Prove(zkinfer_proof::ProveError::Backend(
                "the model's output tensor is not in the trace; remake the keys with this version"
                    .into(),
            ))
        })?;
        let mut out = output_of(&pk.vk, output, digest);
        out.commitments = digests(&proof);
        Ok((proof, out, openings))
    }
}

/// Verifies a proof; with `input`, also that the proof is about that (public) input.
///
/// # Errors
/// [`Error::Input`] for a bad input, [`Error::Rejected`] when the proof does not verify.
pub fn verify(vk: &VerifyingKey, proof: &Proof, input: Option<&[f32]>) -> Result<Output, Error> {
    let public = vk.plan.options.input == InputVisibility::Public;
    let q = match input {
        Some(_) if !public => {
            return Err(Error::Input(
                "this model's input is private (or hashed), not public: the verifier never sees it, \
                 so an input file cannot be checked against the proof; verify without an input \
                 (the holder of a hashed input checks it with `zkinfer check-commitment`)"
                    .into(),
            ));
        }
        Some(x) => Some(quantize_public(vk, x)?),
        None => None,
    };
    let ints = zkinfer_proof::verify(vk, proof, q.as_deref(), None)?;
    let digest = proof
        .public_input
        .as_deref()
        .filter(|_| public)
        .map(input_digest);
    let mut out = output_of(vk, &ints, digest);
    out.commitments = digests(proof);
    Ok(out)
}

/// What the holder of a hashed tensor checks: that the opening of that tensor among `openings`
/// (from the prover's `--opening-out`) recomputes the proof's commitment to it, for their data —
/// the input as floats (quantized with the key's input scale) or the output integers
/// (`output_ints` of the prover's output JSON); exactly one of the two. Also verifies the proof.
/// Returns the commitment's digest.
///
/// # Errors
/// [`Error::Input`] for data of the wrong kind or size, or no opening for that tensor;
/// [`Error::Rejected`] when the proof does not verify or the commitment does not hold this data.
pub fn check_commitment(
    vk: &VerifyingKey,
    proof: &Proof,
    openings: &[HashedOpening],
    input: Option<&[f32]>,
    output_ints: Option<&[i64]>,
) -> Result<String, Error> {
    let (tensor, logical) = match (input, output_ints) {
        (Some(x), None) => (HashedTensor::Input, quantize_public(vk, x)?),
        (None, Some(y)) => (HashedTensor::Output, y.to_vec()),
        _ => {
            return Err(Error::Input(
                "check the input (--input input.json) or the output (--output output.json, from \
                 `zkinfer prove --output-json`): exactly one of the two"
                    .into(),
            ));
        }
    };
    let opening = openings
        .iter()
        .find(|o| o.tensor == tensor)
        .ok_or_else(|| Error::Input(format!("the openings hold none for the {tensor}")))?;
    zkinfer_proof::verify(vk, proof, None, None)?;
    zkinfer_proof::hashed::check_opening(&vk.plan, vk.pcs, &proof.hashed, opening, &logical)?;
    Ok(opening.digest.clone())
}

/// Keccak-256 of quantized input integers (little-endian i64), in hex: what [`Output::input_digest`]
/// shows.
#[must_use]
pub fn input_digest(ints: &[i64]) -> String {
    use tiny_keccak::{Hasher, Keccak};
    let mut k = Keccak::v256();
    for v in ints {
        k.update(&v.to_le_bytes());
    }
    let mut out = [0u8; 32];
    k.finalize(&mut out);
    out.iter().map(|b| format!("{b:02x}")).collect()
}

fn quantize_public(vk: &VerifyingKey, x: &[f32]) -> Result<Vec<i64>, Error> {
    let g = &vk.plan.graph;
    let t = &g.tensors[g.input];
    if x.len() != t.len() {
        return Err(Error::Input(format!(
            "input has {} values, the model expects {} (shape {:?}{})",
            x.len(),
            t.len(),
            t.shape,
            if t.name.starts_with("packed(") {
                format!(
                    ": the inputs {} as one flat list each, in this order",
                    &t.name["packed".len()..]
                )
            } else {
                String::new()
            }
        )));
    }
    let windows = g.input_id_windows();
    if g.input_vocab().is_none() && !windows.is_empty() {
        // A packed input of token ids (and masks): each window against its own vocabulary.
        for (off, len, vocab) in windows {
            let ids = x.get(off..off.saturating_add(len)).ok_or_else(|| {
                Error::Input(format!(
                    "input has {} values, fewer than its token ids",
                    x.len()
                ))
            })?;
            zkinfer_model::token_ids(&t.name, ids, vocab).map_err(|e| {
                Error::Input(format!("{e} (the ids at offset {off} of the packed input)"))
            })?;
        }
        for (off, len) in g.input_mask_windows() {
            let m = x.get(off..off.saturating_add(len)).unwrap_or_default();
            if let Some(i) = m.iter().position(|&v| v != 0.0 && v != 1.0) {
                return Err(Error::Input(format!(
                    "input `{}`: the attention mask at offset {off} holds {} at position {i}; \
                     give 0 (masked) or 1 (attended)",
                    t.name, m[i]
                )));
            }
        }
        if let Some(i) = x.iter().position(|v| v.fract() != 0.0 || !v.is_finite()) {
            return Err(Error::Input(format!(
                "input `{}` holds integers (token ids, attention masks), but value {i} is {}; \
                 give whole numbers",
                t.name, x[i]
            )));
        }
        return Ok(x.iter().map(|&v| v as i64).collect());
    }
    if let Some(vocab) = g.input_vocab() {
        return zkinfer_model::token_ids(&t.name, x, vocab)
            .map_err(|e| Error::Input(e.to_string()));
    }
    let f = f64::from(t.scale).exp2();
    x.iter()
        .enumerate()
        .map(|(i, &v)| {
            if v.is_finite() {
                Ok(zkinfer_model::quant::round_away(f64::from(v) * f))
            } else {
                Err(Error::Input(format!(
                    "input value {i} is {v}; inputs must be finite numbers"
                )))
            }
        })
        .collect()
}

fn output_of(vk: &VerifyingKey, ints: &[i64], input_digest: Option<String>) -> Output {
    let g = &vk.plan.graph;
    let t = &g.tensors[g.output];
    let f = (-f64::from(t.scale)).exp2();
    Output {
        output_data: vec![ints.iter().map(|&v| (v as f64 * f) as f32).collect()],
        output_ints: ints.to_vec(),
        shape: t.shape.clone(),
        scale: t.scale,
        input_digest,
        output_public: vk.plan.options.output.is_public(),
        commitments: Vec::new(),
    }
}

/// The bundled example model: a CNN trained on scikit-learn's 8×8 digits (see `assets/`).
pub const DIGITS_ONNX: &[u8] = include_bytes!("../assets/digits_cnn.onnx");
/// Held-out digits: `{"inputs": [[64 floats]], "labels": [...], "accuracy": f}`.
pub const DIGITS_TEST: &str = include_str!("../assets/digits_test.json");

/// The held-out digits set.
#[derive(Clone, Debug, Deserialize)]
pub struct DigitsTest {
    /// Inputs, 64 floats each.
    pub inputs: Vec<Vec<f32>>,
    /// Labels.
    pub labels: Vec<usize>,
}

/// Parses [`DIGITS_TEST`].
///
/// # Errors
/// [`Error::Input`] if the bundled file is malformed.
pub fn digits_test() -> Result<DigitsTest, Error> {
    serde_json::from_str(DIGITS_TEST).map_err(|e| Error::Input(format!("bundled digits set: {e}")))
}

/// Imports the bundled digits model.
///
/// # Errors
/// [`Error::Model`].
pub fn digits_graph() -> Result<zkinfer_model::Graph, Error> {
    Ok(zkinfer_model::import_onnx(
        DIGITS_ONNX,
        &ImportOptions::default(),
    )?)
}
