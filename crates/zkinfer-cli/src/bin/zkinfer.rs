//! `zkinfer`: zero-knowledge proofs of neural-network inference, from the command line.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use zkinfer::{CompiledModel, Error, ProverKey, read_file, read_inputs, write_file};
use zkinfer_model::{Calibration, QuantConfig};
use zkinfer_proof::{InputVisibility, OutputVisibility, Proof, VerifyingKey};

/// mimalloc keeps freed memory for reuse: with the system allocator every large buffer of a
/// prove (codewords, tables, columns) was a fresh `mmap`, and system time (page faults and page
/// clearing) exceeded user time on large models (issue 16; figures in docs/BENCHMARKS.md).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser, Debug)]
#[command(name = "zkinfer", version, about = "Zero-knowledge proofs of neural-network inference", long_about = None)]
struct Cli {
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    /// No progress bars.
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Visibility {
    /// The verifier sees the tensor.
    Public,
    /// Only the proof's hiding commitment holds the tensor (docs/ZK.md says what a proof
    /// reveals: shapes, public tensors, digests).
    #[value(alias = "committed")]
    Private,
    /// Private, plus a commitment its holder can recompute (`prove --opening-out`,
    /// `check-commitment`).
    Hashed,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum WeightsVisibility {
    /// The verifying key holds a commitment to the weights, not the weights.
    Private,
    /// The verifying key carries the quantized weights (for audits); the verifier evaluates
    /// them itself.
    Public,
}

/// What a proving key keeps of the private weights' hiding commitment (`setup --weights-data`).
#[derive(Clone, Copy, Debug, ValueEnum)]
enum WeightsDataArg {
    /// Stored when the data is at most 8 GiB, else the seed.
    Auto,
    /// The commitment's data: proofs skip encoding and hashing the weights.
    Stored,
    /// The 32-byte seed: each proof re-derives the commitment.
    Seed,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Show a model's graph, which ops zkinfer can prove, and the cost of proving it.
    ///
    /// Example: zkinfer inspect model.onnx --data input.json
    Inspect {
        /// The ONNX model.
        model: PathBuf,
        /// Sample inputs (EZKL JSON) to calibrate on for the cost estimate; without it, only the graph.
        #[arg(long)]
        data: Option<PathBuf>,
    },
    /// Choose fixed-point scales from sample inputs and report the quantization error.
    ///
    /// Example: zkinfer calibrate model.onnx --data samples.json -o settings.json
    Calibrate {
        /// The ONNX model.
        model: PathBuf,
        /// Sample inputs: {"input_data": [[flat floats], ...]} (EZKL's format).
        #[arg(long)]
        data: PathBuf,
        /// Where to write the settings (JSON).
        #[arg(short, long, default_value = "settings.json")]
        output: PathBuf,
        /// Activation bits.
        #[arg(long, default_value_t = 16)]
        act_bits: u32,
        /// Weight bits.
        #[arg(long, default_value_t = 16)]
        weight_bits: u32,
    },
    /// Quantize and compile a model into a proof plan.
    ///
    /// Example: zkinfer compile model.onnx --settings settings.json -o model.zkc
    Compile {
        /// The ONNX model.
        model: PathBuf,
        /// Settings from `zkinfer calibrate`.
        #[arg(long, conflicts_with = "data")]
        settings: Option<PathBuf>,
        /// Or: sample inputs to calibrate on now.
        #[arg(long)]
        data: Option<PathBuf>,
        /// Who sees the input.
        #[arg(long, value_enum, default_value = "public")]
        input_visibility: Visibility,
        /// Who sees the output.
        #[arg(long, value_enum, default_value = "public")]
        output_visibility: Visibility,
        /// Who sees the weights.
        #[arg(long, value_enum, default_value = "private")]
        weights_visibility: WeightsVisibility,
        /// Where to write the compiled model.
        #[arg(short, long, default_value = "model.zkc")]
        output: PathBuf,
    },
    /// Make the proving key and the verifying key (the vk commits to the weights).
    ///
    /// Example: zkinfer setup model.zkc --pk model.pk --vk model.vk
    Setup {
        /// The compiled model.
        compiled: PathBuf,
        /// Where to write the proving key.
        #[arg(long, default_value = "model.pk")]
        pk: PathBuf,
        /// Where to write the verifying key.
        #[arg(long, default_value = "model.vk")]
        vk: PathBuf,
        /// Refuse the model if its predicted peak memory (as `inspect` prints it) exceeds this
        /// many MiB; 0 skips the check. Default: this machine's memory.
        #[arg(long)]
        memory_limit_mib: Option<u64>,
        /// How many proofs the private weights' hiding commitment covers (docs/ZK.md §6.1):
        /// `zkinfer prove` counts them beside the proving key and refuses the one after the
        /// last. Hiding the weights costs every proof about 330 KiB, and each covered proof
        /// about 1.4–2 KiB more (docs/BENCHMARKS.md, "Private weights hidden").
        #[arg(long, default_value_t = zkinfer_proof::weights::DEFAULT_MAX_PROOFS)]
        max_proofs: usize,
        /// What the proving key keeps of the private weights' hiding commitment: `stored`, its
        /// data (codeword, Merkle tree, randomness: proofs skip encoding and hashing the
        /// weights, the key is several times the weights' size); `seed`, 32 bytes from which
        /// each proof re-derives it; `auto`, stored when that data is at most 8 GiB.
        #[arg(long, value_enum, default_value_t = WeightsDataArg::Auto)]
        weights_data: WeightsDataArg,
    },
    /// Prove that the model produced its output on an input.
    ///
    /// Example: zkinfer prove --pk model.pk --input input.json -o proof.zkp --output-json out.json
    ///
    /// Several inputs (`--input a.json -o a.zkp --input b.json -o b.zkp`) are proved one after
    /// the other in this process: the key is read once, and the memory one proof frees is kept
    /// for the next where the machine has room for it (ResNet-18: 5.3 s for the first proof,
    /// 2.6–3.2 s from the third; docs/BENCHMARKS.md, "Warm proves").
    Prove {
        /// The proving key.
        #[arg(long)]
        pk: PathBuf,
        /// The input (EZKL JSON; the first row is used). Repeat for several proofs.
        #[arg(long, required = true)]
        input: Vec<PathBuf>,
        /// Where to write the proof (default proof.zkp); once per input with several inputs.
        #[arg(short, long)]
        output: Vec<PathBuf>,
        /// Also write the output (floats and integers) as JSON; once per input if given with
        /// several inputs.
        #[arg(long)]
        output_json: Vec<PathBuf>,
        /// Print the time and peak memory of each phase (interpreter, key check, witness,
        /// commitments, lookups, sumchecks, opening).
        #[arg(long)]
        profile: bool,
        /// For a model with a hashed input or output: where to write the openings (JSON; secret:
        /// give each to the holder of its tensor, who checks it with `check-commitment`).
        #[arg(long)]
        opening_out: Vec<PathBuf>,
    },
    /// Check that a proof's hashed commitment holds your data (the holder's side of `hashed`).
    ///
    /// Example: zkinfer check-commitment --vk model.vk --proof proof.zkp --opening opening.json --input input.json
    CheckCommitment {
        /// The verifying key.
        #[arg(long, default_value = "model.vk")]
        vk: PathBuf,
        /// The proof.
        #[arg(long)]
        proof: PathBuf,
        /// The openings the prover wrote with `--opening-out`.
        #[arg(long)]
        opening: PathBuf,
        /// Your input (EZKL JSON; the first row), for a hashed input.
        #[arg(long, conflicts_with = "output")]
        input: Option<PathBuf>,
        /// Your output (the prover's `--output-json`), for a hashed output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Verify a proof.
    ///
    /// Example: zkinfer verify --vk model.vk --proof proof.zkp --input input.json
    Verify {
        /// The verifying key.
        #[arg(long)]
        vk: PathBuf,
        /// The proof.
        #[arg(long)]
        proof: PathBuf,
        /// The public input the proof must be about (EZKL JSON).
        #[arg(long)]
        input: Option<PathBuf>,
    },
    /// The whole pipeline on the bundled digits CNN: accuracy, setup, prove, verify.
    ///
    /// Example: zkinfer demo
    Demo,
    /// Run the verification service: verify proofs over HTTP and log each valid one in a
    /// transparency log (C2SP tlog-tiles, signed checkpoints, receipts).
    ///
    /// Example: zkinfer serve --db zkinfer.db --listen 127.0.0.1:8080 --key log.key
    Serve(zkinfer_serve::cli::ServeArgs),
    /// Transparency-log clients: check a receipt offline, monitor a log, check a log database.
    Log {
        #[command(subcommand)]
        cmd: zkinfer_serve::cli::LogCmd,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match &cli.cmd {
        Cmd::Serve(a) => return zkinfer_serve::cli::exit(zkinfer_serve::cli::serve(a), cli.json),
        Cmd::Log { cmd } => {
            return zkinfer_serve::cli::exit(zkinfer_serve::cli::log(cmd, cli.json), cli.json);
        }
        _ => {}
    }
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if cli.json {
                println!(
                    "{}",
                    json!({ "ok": false, "error": e.to_string(), "exit_code": e.exit_code() })
                );
            } else {
                eprintln!("error: {e}");
            }
            ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(1))
        }
    }
}

/// One proof of `zkinfer prove`: its input and where its results go.
#[derive(Debug)]
struct ProveJob<'a> {
    input: &'a Path,
    output: PathBuf,
    output_json: Option<&'a Path>,
    opening_out: Option<&'a Path>,
}

/// Pairs `--input`s with their `-o`, `--output-json` and `--opening-out` (each given once per
/// input, or — `-o` defaulting to `proof.zkp` — not at all for one input).
fn prove_jobs<'a>(
    inputs: &'a [PathBuf],
    outputs: &'a [PathBuf],
    output_jsons: &'a [PathBuf],
    openings: &'a [PathBuf],
) -> Result<Vec<ProveJob<'a>>, Error> {
    let n = inputs.len();
    let per_input = |what: &str, given: usize, optional: bool| {
        if given == n || (optional && given == 0) {
            Ok(())
        } else {
            Err(Error::Input(format!(
                "{n} --input but {given} {what}: give {what} once per input, in the same order"
            )))
        }
    };
    if !(n == 1 && outputs.is_empty()) {
        per_input("-o/--output", outputs.len(), false)?;
    }
    per_input("--output-json", output_jsons.len(), true)?;
    per_input("--opening-out", openings.len(), true)?;
    let mut seen = std::collections::HashSet::new();
    if let Some(p) = outputs.iter().find(|p| !seen.insert(*p)) {
        return Err(Error::Input(format!(
            "{} is given twice as -o/--output: each proof needs its own file",
            p.display()
        )));
    }
    Ok(inputs
        .iter()
        .enumerate()
        .map(|(i, input)| ProveJob {
            input,
            output: outputs
                .get(i)
                .cloned()
                .unwrap_or_else(|| PathBuf::from("proof.zkp")),
            output_json: output_jsons.get(i).map(PathBuf::as_path),
            opening_out: openings.get(i).map(PathBuf::as_path),
        })
        .collect())
}

/// Counts one proof against the key's weights budget before it is made: a failed proof still
/// spends one (it may have opened the weights commitment), a refused one spends none.
fn spend(cli: &Cli, pk: &Path, key: &ProverKey) -> Result<(), Error> {
    let (spent, budget) = zkinfer::uses::spend_proof(pk, key)?;
    if budget > 0 && spent + budget / 10 >= budget && !cli.quiet && !cli.json {
        eprintln!(
            "note: proof {spent} of the {budget} this key's weights commitment covers; \
             run `zkinfer setup` again before they run out"
        );
    }
    Ok(())
}

fn new_profile(on: bool) -> zkinfer::Profile {
    if on {
        zkinfer::Profile::new()
    } else {
        zkinfer::Profile::default()
    }
}

/// Writes one proof and its outputs, and prints its line (its JSON object with `--json`; with
/// `profile`, the key's load time and the phases).
fn report_proof(
    cli: &Cli,
    job: &ProveJob<'_>,
    (proof, out, openings): (Proof, zkinfer::Output, Vec<zkinfer::HashedOpening>),
    t: Duration,
    profile: Option<(Duration, &zkinfer::Profile)>,
) -> Result<(), Error> {
    let size = write_file(&job.output, &proof)?;
    match (job.opening_out, openings.is_empty()) {
        (Some(p), false) => write_json(p, &openings)?,
        (Some(_), true) => {
            return Err(Error::Input(
                "--opening-out: this model has no hashed input or output, so there is no \
                 opening (compile with --input-visibility hashed or --output-visibility \
                 hashed)"
                    .into(),
            ));
        }
        (None, false) if !cli.quiet && !cli.json => eprintln!(
            "note: this model has hashed tensors; without --opening-out their holders \
             cannot check the proof's commitments"
        ),
        (None, _) => {}
    }
    if let Some(p) = job.output_json {
        write_json(p, &out)?;
    }
    if cli.json {
        let mut v = json!({"ok": true, "input": job.input, "proof": job.output, "bytes": size, "ms": ms(t), "output": out});
        if let Some((load, prof)) = profile {
            let phases: Vec<_> = prof
                .phases
                .iter()
                .map(|p| json!({"phase": p.name, "ms": p.seconds * 1e3, "peak_mib": p.peak_mib}))
                .collect();
            v["load_ms"] = json!(ms(load));
            v["phases"] = json!(phases);
            v["bytes_by_part"] = json!(
                proof
                    .size_by_part()
                    .into_iter()
                    .map(|(part, bytes)| json!({"part": part, "bytes": bytes}))
                    .collect::<Vec<_>>()
            );
        }
        println!("{v}");
    } else {
        if let Some((load, prof)) = profile {
            print_profile(load, prof);
            println!("proof part         bytes");
            for (part, bytes) in proof.size_by_part() {
                println!("{part:<15} {bytes:>9}");
            }
        }
        println!(
            "proved in {:.0} ms → {} ({size} B); {}",
            ms(t),
            job.output.display(),
            summarize(&out, job.output_json.is_some())
        );
    }
    Ok(())
}

/// Runs `f` behind a spinner named `what`; returns its result and time.
fn stage<T>(
    cli: &Cli,
    what: &str,
    f: impl FnOnce() -> Result<T, Error>,
) -> Result<(T, Duration), Error> {
    let bar = (!cli.quiet && !cli.json).then(|| {
        let b = ProgressBar::new_spinner();
        b.set_style(
            ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        b.set_message(what.to_string());
        b.enable_steady_tick(Duration::from_millis(100));
        b
    });
    let t = Instant::now();
    let r = f();
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    r.map(|v| (v, t.elapsed()))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.display().to_string(),
        source,
    })?;
    serde_json::from_str(&text)
        .map_err(|e| Error::Input(format!("{}: malformed JSON: {e}", path.display())))
}

fn write_json(path: &Path, v: &impl serde::Serialize) -> Result<(), Error> {
    let text = serde_json::to_string_pretty(v).map_err(|e| Error::Input(e.to_string()))?;
    std::fs::write(path, text).map_err(|source| Error::Io {
        path: path.display().to_string(),
        source,
    })
}

/// The input of an EZKL JSON file for the model of `vk` (one flat list per graph input).
fn first_input(path: &Path, vk: &VerifyingKey) -> Result<Vec<f32>, Error> {
    let g = &vk.plan.graph;
    let len = g
        .tensors
        .get(g.input)
        .map_or(0, zkinfer_proof::ir::Tensor::len);
    zkinfer::input_from_rows(&read_inputs(path)?, len)
        .map_err(|e| Error::Input(format!("{}: {e}", path.display())))
}

/// How many output values the terminal shows; the whole tensor goes to `--output-json`.
const SHOWN_VALUES: usize = 8;

/// The output's shape and its first values (an LM's logits or a feature map has thousands).
/// The `--profile` table of `zkinfer prove`.
fn print_profile(load: Duration, prof: &zkinfer::Profile) {
    println!("phase          time ms   peak MiB");
    println!("{:<12} {:>9.0}", "load key", ms(load));
    for p in &prof.phases {
        let peak = p.peak_mib.map_or("-".into(), |m| format!("{m:.0}"));
        println!("{:<12} {:>9.0} {peak:>10}", p.name, p.seconds * 1e3);
    }
    if !prof.peak_reset {
        println!("(peaks are the process's so far: the kernel's peak could not be reset)");
    }
}

fn summarize(out: &zkinfer::Output, written: bool) -> String {
    let values = out.output_data.first().map_or(&[][..], Vec::as_slice);
    let shown: Vec<String> = values
        .iter()
        .take(SHOWN_VALUES)
        .map(|v| format!("{v:.4}"))
        .collect();
    let mut s = match &out.input_digest {
        Some(d) => format!("public input keccak256 {d}; "),
        None => String::new(),
    };
    for c in &out.commitments {
        s.push_str(&format!("hashed {} commitment {}; ", c.tensor, c.digest));
    }
    if !out.output_public && values.is_empty() {
        s.push_str(&format!("output shape {:?} private", out.shape));
        return s;
    }
    s.push_str(&format!(
        "output shape {:?} [{}",
        out.shape,
        shown.join(", ")
    ));
    if values.len() > SHOWN_VALUES {
        s.push_str(&format!(", … {} more]", values.len() - SHOWN_VALUES));
        if !written {
            s.push_str(" (all values: --output-json out.json)");
        }
    } else {
        s.push(']');
    }
    s
}

fn compile_options(
    input: Visibility,
    output: Visibility,
    weights: WeightsVisibility,
) -> zkinfer::CompileOptions {
    zkinfer::CompileOptions {
        weights: match weights {
            WeightsVisibility::Private => zkinfer::WeightsVisibility::Private,
            WeightsVisibility::Public => zkinfer::WeightsVisibility::Public,
        },
        input: match input {
            Visibility::Public => InputVisibility::Public,
            Visibility::Private => InputVisibility::Private,
            Visibility::Hashed => InputVisibility::Hashed,
        },
        output: match output {
            Visibility::Public => OutputVisibility::Public,
            Visibility::Private => OutputVisibility::Private,
            Visibility::Hashed => OutputVisibility::Hashed,
        },
    }
}

fn run(cli: &Cli) -> Result<(), Error> {
    match &cli.cmd {
        Cmd::Inspect { model, data } => inspect(cli, model, data.as_deref()),
        Cmd::Calibrate {
            model,
            data,
            output,
            act_bits,
            weight_bits,
        } => {
            let samples = read_inputs(data)?;
            let config = QuantConfig::with_bits(*act_bits, *weight_bits);
            let ((cal, report), t) = stage(cli, "calibrating", || {
                zkinfer::calibrate(model, &samples, &config)
            })?;
            write_json(output, &cal)?;
            if cli.json {
                println!(
                    "{}",
                    json!({"ok": true, "settings": output, "argmax_agreement": report.argmax_agreement, "max_abs_error": report.output.max_abs, "mean_abs_error": report.output.mean_abs, "ms": ms(t)})
                );
            } else {
                print!("{report}");
                println!(
                    "calibrated on {} sample(s) in {:.0} ms → {}",
                    report.samples,
                    ms(t),
                    output.display()
                );
            }
            Ok(())
        }
        Cmd::Compile {
            model,
            settings,
            data,
            input_visibility,
            output_visibility,
            weights_visibility,
            output,
        } => {
            let options =
                compile_options(*input_visibility, *output_visibility, *weights_visibility);
            let cal: Calibration = match (settings, data) {
                (Some(s), _) => read_json(s)?,
                (None, Some(d)) => {
                    zkinfer::calibrate(model, &read_inputs(d)?, &QuantConfig::default())?.0
                }
                (None, None) => {
                    return Err(Error::Input("compile needs --settings settings.json (from `zkinfer calibrate`) or --data samples.json".into()));
                }
            };
            let (c, t) = stage(cli, "compiling", || zkinfer::compile(model, &cal, options))?;
            let size = write_file(output, &c)?;
            let cost = &c.plan.cost;
            if cli.json {
                println!(
                    "{}",
                    json!({"ok": true, "compiled": output, "bytes": size, "committed": cost.committed, "weights": cost.weights, "lookups": cost.lookups, "predicted_prove_s": cost.predicted_prove_s, "ms": ms(t)})
                );
            } else {
                println!(
                    "compiled {} nodes in {:.0} ms → {} ({size} B); commits {} elements/proof, predicted prove {:.2} s",
                    c.graph.nodes.len(),
                    ms(t),
                    output.display(),
                    cost.committed,
                    cost.predicted_prove_s
                );
            }
            Ok(())
        }
        Cmd::Setup {
            compiled,
            pk,
            vk,
            memory_limit_mib,
            max_proofs,
            weights_data,
        } => {
            let c: CompiledModel = read_file(compiled)?;
            let limit = match *memory_limit_mib {
                None => zkinfer::MemoryLimit::Machine,
                Some(0) => zkinfer::MemoryLimit::Unchecked,
                Some(mib) => zkinfer::MemoryLimit::Bytes(mib.saturating_mul(1 << 20)),
            };
            let ((pkey, vkey), t) = stage(cli, "setup (committing to the weights)", || {
                zkinfer::setup_with(
                    &c,
                    zkinfer::SetupOptions {
                        memory_limit: limit,
                        max_proofs: *max_proofs,
                        weights_data: match weights_data {
                            WeightsDataArg::Auto => zkinfer_proof::WeightsData::Auto,
                            WeightsDataArg::Stored => zkinfer_proof::WeightsData::Stored,
                            WeightsDataArg::Seed => zkinfer_proof::WeightsData::Seed,
                        },
                    },
                )
            })?;
            zkinfer::uses::reset_proofs(pk)?;
            let pk_size = write_file(pk, &pkey)?;
            let vk_size = write_file(vk, &vkey)?;
            if cli.json {
                println!(
                    "{}",
                    json!({"ok": true, "pk": pk, "vk": vk, "pk_bytes": pk_size, "vk_bytes": vk_size, "ms": ms(t)})
                );
            } else {
                println!(
                    "setup in {:.0} ms → {} ({pk_size} B), {} ({vk_size} B)",
                    ms(t),
                    pk.display(),
                    vk.display()
                );
            }
            Ok(())
        }
        Cmd::Prove {
            pk,
            input,
            output,
            output_json,
            profile,
            opening_out,
        } => {
            let jobs = prove_jobs(input, output, output_json, opening_out)?;
            let t = Instant::now();
            let key: ProverKey = read_file(pk)?;
            let t_load = t.elapsed();
            let inputs = jobs
                .iter()
                .map(|job| zkinfer::prover_input(&key, &read_inputs(job.input)?))
                .collect::<Result<Vec<_>, Error>>()?;
            if let [x] = &inputs[..] {
                // The key is used once here: the integer model goes to the prover, which drops
                // it (and the interpreter's copy of the weights) before the engine's phases.
                spend(cli, pk, &key)?;
                let mut prof = new_profile(*profile);
                let ProverKey {
                    pk: engine_key,
                    quant,
                } = key;
                let (proved, t) = stage(cli, "proving", || {
                    zkinfer::prove_once(&engine_key, quant, x, &mut prof)
                })?;
                return report_proof(
                    cli,
                    &jobs[0],
                    proved,
                    t,
                    (*profile).then_some((t_load, &prof)),
                );
            }
            // Back-to-back proofs reuse the memory the previous one freed where the machine has
            // room for it (docs/BENCHMARKS.md, "Warm proves").
            zkinfer::memory::prepare_repeated_proofs(&key.pk.vk.plan.cost);
            for (i, (job, x)) in jobs.iter().zip(&inputs).enumerate() {
                spend(cli, pk, &key)?;
                let mut prof = new_profile(*profile);
                let what = format!("proving {}/{}", i + 1, jobs.len());
                let (proved, t) = stage(cli, &what, || {
                    zkinfer::prove_with_openings(&key, x, &mut prof)
                })?;
                let load = if i == 0 { t_load } else { Duration::ZERO };
                report_proof(cli, job, proved, t, (*profile).then_some((load, &prof)))?;
            }
            Ok(())
        }
        Cmd::Verify { vk, proof, input } => {
            let vkey: VerifyingKey = read_file(vk)?;
            let p: Proof = read_file(proof)?;
            let x = input
                .as_deref()
                .map(|i| first_input(i, &vkey))
                .transpose()?;
            let (out, t) = stage(cli, "verifying", || {
                zkinfer::verify(&vkey, &p, x.as_deref())
            })?;
            if cli.json {
                println!("{}", json!({"ok": true, "ms": ms(t), "output": out}));
            } else {
                println!("verified in {:.1} ms; {}", ms(t), summarize(&out, true));
            }
            Ok(())
        }
        Cmd::CheckCommitment {
            vk,
            proof,
            opening,
            input,
            output,
        } => {
            let vkey: VerifyingKey = read_file(vk)?;
            let p: Proof = read_file(proof)?;
            let openings: Vec<zkinfer::HashedOpening> = read_json(opening)?;
            let x = input
                .as_deref()
                .map(|i| first_input(i, &vkey))
                .transpose()?;
            let y = match output {
                Some(o) => Some(read_json::<zkinfer::Output>(o)?.output_ints),
                None => None,
            };
            let want = if y.is_some() { "output" } else { "input" };
            let (digest, t) = stage(cli, "checking", || {
                zkinfer::check_commitment(&vkey, &p, &openings, x.as_deref(), y.as_deref())
            })?;
            if cli.json {
                println!(
                    "{}",
                    json!({"ok": true, "tensor": want, "digest": digest, "ms": ms(t)})
                );
            } else {
                println!("the proof verifies and its {want} commitment {digest} holds this {want}");
            }
            Ok(())
        }
        Cmd::Demo => demo(cli),
        // Dispatched in `main`: they have their own errors and exit codes.
        Cmd::Serve(_) | Cmd::Log { .. } => Ok(()),
    }
}

fn inspect(cli: &Cli, model: &Path, data: Option<&Path>) -> Result<(), Error> {
    let samples = data.map(read_inputs).transpose()?;
    let info = zkinfer::inspect(model, samples.as_deref())?;
    if cli.json {
        println!(
            "{}",
            json!({"ok": true, "nodes": info.nodes.len(), "input_shape": info.input_shape, "inputs": info.inputs, "output_shape": info.output_shape, "layers": info.nodes, "cost": info.cost})
        );
        return Ok(());
    }
    println!(
        "{}: {} nodes, input {:?}, output {:?}",
        model.display(),
        info.nodes.len(),
        info.input_shape,
        info.output_shape
    );
    if info.inputs.len() > 1
        || info
            .inputs
            .iter()
            .any(|p| p.kind != zkinfer_model::InputKind::Float)
    {
        for p in &info.inputs {
            let kind = match p.kind {
                zkinfer_model::InputKind::Float => "floats".to_string(),
                zkinfer_model::InputKind::TokenIds { vocab } => {
                    format!("token ids in [0, {vocab})")
                }
                zkinfer_model::InputKind::Mask => "attention mask (0 or 1)".to_string(),
            };
            println!(
                "  input `{}` {:?}: {kind}, values {}..{} of the packed input",
                p.name,
                p.shape,
                p.offset,
                p.offset + p.len()
            );
        }
    }
    for n in &info.nodes {
        println!("  {:<40} {}", n.name, n.op);
    }
    let Some(cost) = &info.cost else {
        println!("(pass --data samples.json for quantization and the proof cost)");
        return Ok(());
    };
    println!("\nproof plan ({} nodes):", cost.nodes.len());
    println!(
        "  {:<36} {:<12} {:>10} {:>10} {:>10} {:>10}",
        "layer", "op", "committed", "sumcheck", "lookups", "MACs"
    );
    for n in &cost.nodes {
        println!(
            "  {:<36} {:<12} {:>10} {:>10} {:>10} {:>10}",
            n.name, n.op, n.committed, n.sumcheck, n.lookups, n.macs
        );
    }
    println!(
        "  total: committed {} + weights {}, sumcheck {}, lookups {}, MACs {}",
        cost.committed, cost.weights, cost.sumcheck, cost.lookups, cost.macs
    );
    println!(
        "  predicted: prove {:.2} s, memory {} MiB",
        cost.predicted_prove_s,
        cost.predicted_memory_bytes >> 20
    );
    if let Err(e) = zkinfer::check_memory(cost, zkinfer::MemoryLimit::Machine) {
        println!("  warning: {e}");
    }
    Ok(())
}

fn demo(cli: &Cli) -> Result<(), Error> {
    let say = |s: String| {
        if !cli.json {
            println!("{s}");
        }
    };
    say(
        "zkinfer demo: a CNN trained on scikit-learn's 8x8 digits (bundled), proved end to end"
            .into(),
    );
    let test = zkinfer::digits_test()?;
    let graph = zkinfer::digits_graph()?;
    // Calibrate on the first 32 held-out images (scales only), measure accuracy on all of them.
    let calib: Vec<Vec<f32>> = test.inputs.iter().take(32).cloned().collect();
    let (cal, t_cal) = stage(cli, "calibrating", || {
        zkinfer_model::calibrate(&graph, &calib, &QuantConfig::default())
            .map_err(|e| Error::Input(e.to_string()))
    })?;
    let (c, t_compile) = stage(cli, "compiling", || {
        zkinfer::compile_graph(&graph, &cal, InputVisibility::Public)
    })?;
    let mut correct_q = 0usize;
    let mut correct_f = 0usize;
    // The digit to prove: the first one both the quantized and the float model classify correctly.
    let mut shown = None;
    for (i, (x, &label)) in test.inputs.iter().zip(&test.labels).enumerate() {
        let q = c.quant.quantize_input(x)?;
        let tr = c.quant.execute(&q)?;
        let right_q = zkinfer_model::argmax(&c.quant.dequantize_output(&tr)) == label;
        let right_f = zkinfer_model::argmax(&graph.run_float(x)?) == label;
        correct_q += usize::from(right_q);
        correct_f += usize::from(right_f);
        if right_q && right_f && shown.is_none() {
            shown = Some(i);
        }
    }
    let shown = shown.ok_or_else(|| {
        Error::Model("the bundled digits model classifies no held-out digit correctly".into())
    })?;
    let n = test.labels.len();
    let acc_q = correct_q as f64 / n as f64;
    let acc_f = correct_f as f64 / n as f64;
    say(format!(
        "model: {} nodes; calibrated in {:.0} ms, compiled in {:.0} ms",
        c.graph.nodes.len(),
        ms(t_cal),
        ms(t_compile)
    ));
    say(format!(
        "held-out accuracy on {n} digits: quantized {:.2}%, float {:.2}%",
        100.0 * acc_q,
        100.0 * acc_f
    ));
    let ((pk, vk), t_setup) = stage(cli, "setup", || zkinfer::setup(&c))?;
    let (x, label) = (&test.inputs[shown], test.labels[shown]);
    let ((proof, out), t_prove) = stage(cli, "proving", || zkinfer::prove(&pk, x))?;
    let proof_bytes = zkinfer_proof::ZkFile::to_bytes(&proof).len();
    let vk_bytes = zkinfer_proof::ZkFile::to_bytes(&vk).len();
    let (vout, t_verify) = stage(cli, "verifying", || zkinfer::verify(&vk, &proof, Some(x)))?;
    let predicted = zkinfer_model::argmax(&vout.output_data[0]);
    let float_predicted = zkinfer_model::argmax(&graph.run_float(x)?);
    say(format!(
        "setup {:.0} ms (vk {vk_bytes} B); prove {:.0} ms; proof {proof_bytes} B; verify {:.1} ms",
        ms(t_setup),
        ms(t_prove),
        ms(t_verify)
    ));
    say(format!(
        "proved: held-out digit #{shown} (label {label}) → class {predicted} (the float model says {float_predicted}); {}",
        summarize(&out, true)
    ));
    if cli.json {
        println!(
            "{}",
            json!({"ok": true, "accuracy_quantized": acc_q, "accuracy_float": acc_f, "setup_ms": ms(t_setup), "prove_ms": ms(t_prove), "verify_ms": ms(t_verify), "proof_bytes": proof_bytes, "vk_bytes": vk_bytes, "predicted": predicted, "float_predicted": float_predicted, "label": label, "digit_index": shown})
        );
    }
    Ok(())
}
