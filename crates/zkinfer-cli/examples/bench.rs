//! End-to-end benchmark: for each model, setup / prove / verify time, proof size, peak memory,
//! committed elements, and prove time over the integer interpreter's time on the same input.
//!
//! `cargo run --release -p zkinfer-cli --example bench [-- [--profile] [--weights stored|seed|hiding|plain|recommit|both|compare] [--max-proofs N] MODEL…]`
//! (`--help` lists the models). Each model runs in its own child process. The child sets up and
//! writes the proving key to a file; a fresh process then (as `zkinfer prove` does) loads the key,
//! proves and verifies: "peak MiB" (VmHWM) and the user / system time and minor page faults (from
//! `/proc/self/stat`) are those of the load and the prove alone. (Until 2026-12-05 the load and
//! prove ran in the setup's process, whose allocator kept setup's freed memory resident: the
//! peaks of earlier tables include up to about 1 GiB of it for ResNet-18.)
//!
//! `--weights`: `stored` (the default) commits private weights with the reusable hiding
//! commitment for `--max-proofs` proofs, the key keeping what `zkinfer setup` keeps by default
//! (`WeightsData::Auto`: the commitment's data when it is at most 8 GiB); `seed` the same with
//! only the seed in the key (each proof re-derives the commitment); `hiding` runs seed and
//! stored back to back; `plain` with the plain commitment of proving-key format 7 (its data in
//! the key), `recommit` the same without the data (each proof commits the weights again); `both`
//! runs plain and recommit, `compare` plain and hiding, back to back.
//!
//! The key goes through a file as `zkinfer` writes and reads it (streamed; a stored weights tree
//! left in the file and read where a proof opens it), so the load's peak is the CLI's.

use std::time::Instant;

use zkinfer_model::{OnnxSource, QuantConfig};
use zkinfer_pcs::PcsConfig;
use zkinfer_proof::ir::ProofGraph;
use zkinfer_proof::testing::{cifar_cnn, lenet5, mlp, residual_cnn};
use zkinfer_proof::witness::generate;
use zkinfer_proof::{
    CompileOptions, InputVisibility, Profile, ProvingKey, ZkFile, compile, prove_profiled,
    setup_with_weights_data, verify,
};

/// A global allocator that keeps freed memory for reuse (see `zkinfer`'s binary).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

const BUILT: [&str; 4] = ["mlp-784-128-128-10", "lenet5", "residual-cnn", "cifar-cnn"];
const ONNX: [&str; 10] = [
    "grouped_conv",
    "digits_cnn",
    "lenet_bn",
    "mlp_acts",
    "resnet_mini",
    "transformer/attn_1head",
    "transformer/gpt2_block_d64_h2",
    "transformer/gpt2_block_d128_h4",
    "gpt2_mini_emb",
    "bert_mini_emb",
];
/// Models run only when named (tens of seconds and gigabytes each).
const LARGE: [&str; 2] = ["resnet18-cifar", "mobilenet_v2"];
/// How the weights' commitment data is handled (`--weights`), passed to the child in this variable.
const WEIGHTS_ENV: &str = "ZKINFER_BENCH_WEIGHTS";
/// Set (by `--profile`) for the child to print each model's phases.
const PROFILE_ENV: &str = "ZKINFER_BENCH_PROFILE";
/// Set (by `--cost`) for the child to print the cost model's prediction against the measurement.
const COST_ENV: &str = "ZKINFER_BENCH_COST";
/// Set (by `--compare-zk`) in a child that proves with the benchmark-only plain witness commitment.
const PLAIN_ENV: &str = "ZKINFER_BENCH_PLAIN";
/// The private weights commitment's budget (`--max-proofs`), passed to the child.
const MAX_PROOFS_ENV: &str = "ZKINFER_BENCH_MAX_PROOFS";
/// Set by `--warm N`: the prover process proves `N` more times after the first (a long-running
/// prover, e.g. the Python bindings' `pk.prove` in a loop) and reports each proof's times.
const WARM_ENV: &str = "ZKINFER_BENCH_WARM";

/// User and system CPU seconds and minor page faults of this process so far.
fn cpu_faults() -> (f64, f64, u64) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name: state is field 3; minflt 10, utime 14, stime 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let num = |i: usize| {
        f.get(i - 3)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let tick = 100.0; // USER_HZ on Linux
    (num(14) as f64 / tick, num(15) as f64 / tick, num(10))
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(str::to_owned)
        })
        .and_then(|l| {
            l.split_whitespace()
                .nth(1)
                .and_then(|v| v.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn built(name: &str) -> Option<(ProofGraph, Vec<i64>)> {
    Some(match name {
        "mlp-784-128-128-10" => mlp(&[784, 128, 128, 10], 1),
        "lenet5" => lenet5(2),
        "residual-cnn" => residual_cnn(3),
        "cifar-cnn" => cifar_cnn(4),
        _ => return mlp_named(name),
    })
}

/// `mlp-A-B-…-Z`: a ReLU MLP with those layer widths (issue 16's floor is `mlp-64-32-10`, 2,410
/// parameters), seed 1 like the default MLP.
fn mlp_named(name: &str) -> Option<(ProofGraph, Vec<i64>)> {
    let sizes: Vec<usize> = name
        .strip_prefix("mlp-")?
        .split('-')
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    (sizes.len() >= 2 && sizes.iter().all(|&n| (1..=1 << 16).contains(&n))).then(|| mlp(&sizes, 1))
}

/// The CIFAR ResNet-18 (`zkinfer_model::builder::resnet18_cifar_onnx`: 3x3 stem, no max-pool,
/// 11.2M random weights, 10-way head) on a 3 × 32 × 32 input in [-1, 1) from a fixed linear
/// congruential sequence.
fn resnet18_cifar() -> Option<(ProofGraph, Vec<i64>, f64)> {
    let onnx = zkinfer_model::builder::resnet18_cifar_onnx();
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let input: Vec<f32> = (0..3 * 32 * 32)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((state >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect();
    onnx_model("resnet18-cifar", OnnxSource::Bytes(&onnx), &[input])
}

/// MobileNet-v2 (width 0.5, 3 × 32 × 32, 10 classes; ~0.7 M parameters, 2.8 MB of ONNX, not
/// checked in): `python scripts/make_mobilenet.py` writes it into `target/models/`. Calibrated on
/// its input and the 8 samples of its `.calib.json`; proved on its input.
fn mobilenet_v2() -> Option<(ProofGraph, Vec<i64>, f64)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/models/");
    let onnx = format!("{dir}mobilenet_v2.onnx");
    if !std::path::Path::new(&onnx).exists() {
        eprintln!("mobilenet_v2: {onnx} is missing; run `python scripts/make_mobilenet.py` first");
        return None;
    }
    let mut input = zkinfer_model::load_input_json(format!("{dir}mobilenet_v2.input.json")).ok()?;
    input.extend(zkinfer_model::load_input_json(format!("{dir}mobilenet_v2.calib.json")).ok()?);
    onnx_model(
        "mobilenet_v2",
        OnnxSource::Path(std::path::Path::new(&onnx)),
        &input,
    )
}

fn fixture(name: &str) -> Option<(ProofGraph, Vec<i64>, f64)> {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../zkinfer-model/tests/fixtures/"
    );
    let onnx = format!("{dir}{name}.onnx");
    let input = zkinfer_model::load_input_json(format!("{dir}{name}.input.json")).ok()?;
    onnx_model(name, OnnxSource::Path(std::path::Path::new(&onnx)), &input)
}

fn onnx_model(
    name: &str,
    onnx: OnnxSource<'_>,
    input: &[Vec<f32>],
) -> Option<(ProofGraph, Vec<i64>, f64)> {
    let g = zkinfer_model::import_onnx(onnx, &zkinfer_model::ImportOptions::default())
        .map_err(|e| eprintln!("{name}: {e}"))
        .ok()?;
    let cal = zkinfer_model::calibrate(&g, input, &QuantConfig::default()).ok()?;
    let c = zkinfer::compile_graph(&g, &cal, InputVisibility::Public)
        .map_err(|e| eprintln!("{name}: {e}"))
        .ok()?;
    let q = c.quant.quantize_input(&input[0]).ok()?;
    let t = Instant::now();
    let reps = 20;
    for _ in 0..reps {
        let _ = c.quant.execute(&q).ok()?;
    }
    let interp = t.elapsed().as_secs_f64() / f64::from(reps);
    Some((c.graph, q, interp))
}

fn run_one(name: &str) {
    let (g, x, interp) = match built(name) {
        Some((g, x)) => {
            let plan = compile(&g, CompileOptions::default()).expect("compiles");
            let t = Instant::now();
            let reps = 5;
            for _ in 0..reps {
                let _ = generate(&g, &plan, &x).expect("runs");
            }
            let interp = t.elapsed().as_secs_f64() / f64::from(reps);
            (g, x, interp)
        }
        None => match match name {
            "resnet18-cifar" => resnet18_cifar(),
            "mobilenet_v2" => mobilenet_v2(),
            _ => fixture(name),
        } {
            Some(v) => v,
            None => {
                println!("| {name} | (not provable yet) |{}", " |".repeat(13));
                return;
            }
        },
    };
    let plan = compile(&g, CompileOptions::default()).expect("compiles");
    let t = Instant::now();
    let variant = std::env::var(WEIGHTS_ENV).unwrap_or_default();
    let recommit = variant == "recommit";
    let plain_weights = recommit || variant == "plain";
    let max_proofs = std::env::var(MAX_PROOFS_ENV)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(zkinfer_proof::weights::DEFAULT_MAX_PROOFS);
    let keep = if variant == "seed" {
        zkinfer_proof::WeightsData::Seed
    } else {
        zkinfer_proof::WeightsData::Auto
    };
    let mut pk = if plain_weights {
        zkinfer_proof::keys::setup_plain_weights_for_tests(&g, &plan, PcsConfig::default())
    } else {
        setup_with_weights_data(&g, &plan, PcsConfig::default(), max_proofs, keep)
    }
    .expect("setup");
    let t_setup = t.elapsed().as_secs_f64();
    if recommit {
        pk.weights_data = None;
    }
    let pk_path = std::env::temp_dir().join(format!("zkinfer-bench-{}.pk", std::process::id()));
    let pk_len = zkinfer::write_file(&pk_path, &pk).expect("writes the key");
    // On disk before the prover starts: the write-back of a just-written key (gigabytes for
    // the large models) would otherwise land in the load's and the first phases' time.
    std::fs::File::open(&pk_path)
        .and_then(|f| f.sync_all())
        .expect("flushes the key");
    let stored_groups = pk.weights_stored.len();
    let (committed, macs) = (plan.cost.committed, plan.cost.macs);
    let cost = plan.cost.clone();
    // The private weights' committed elements (their pieces: what the cost model charges).
    let weights_committed = zkinfer_proof::weights::WeightShapes::of(&plan).committed_len();
    drop((pk, plan, g));
    // Setup's peak (compile and setup of this model, in this fresh child).
    let setup_peak = peak_rss_mib();
    // Load, prove and verify in a fresh process, as `zkinfer prove` runs: this process keeps
    // the memory setup used (the allocator holds freed pages), which would count in the peak.
    let x_path = pk_path.with_extension("input.json");
    std::fs::write(&x_path, serde_json::to_vec(&x).expect("encodes")).expect("writes the input");
    let exe = std::env::current_exe().expect("own path");
    let out = std::process::Command::new(exe)
        .arg("--prove-key")
        .arg(&pk_path)
        .arg(&x_path)
        .stderr(std::process::Stdio::inherit())
        .output()
        .expect("runs the prover");
    if std::env::var_os("ZKINFER_BENCH_KEEP_KEY").is_none() {
        let _ = std::fs::remove_file(&pk_path);
        let _ = std::fs::remove_file(&x_path);
    } else {
        eprintln!("kept {} and {}", pk_path.display(), x_path.display());
    }
    let r: ProveRun = match serde_json::from_slice(&out.stdout) {
        Ok(r) if out.status.success() => r,
        _ => {
            println!("| {name} | (prover failed) |{}", " |".repeat(13));
            return;
        }
    };
    let plain = std::env::var(PLAIN_ENV).is_ok();
    let pk_mib = pk_len as f64 / (1024.0 * 1024.0);
    let ProveRun {
        t_load,
        t_prove,
        user,
        sys,
        minflt,
        t_cold,
        t_verify,
        bytes,
        peak,
        load_peak,
        phases,
        parts,
        warm,
    } = r;
    let label = match (recommit, plain_weights, plain) {
        (true, _, _) => format!("{name} (plain weights, recommit)"),
        (false, true, true) => format!("{name} (plain weights, non-ZK)"),
        (false, true, false) => format!("{name} (plain weights)"),
        (false, false, true) => format!("{name} (T = {max_proofs}, non-ZK)"),
        (false, false, false) if stored_groups > 0 => format!("{name} (T = {max_proofs}, stored)"),
        (false, false, false) => format!("{name} (T = {max_proofs}, seed)"),
    };
    println!(
        "| {label} | {t_setup:.3} | {pk_mib:.1} | {t_load:.3} | {t_prove:.3} | {user:.2} | {sys:.2} | {:.0} | {:.1} | {:.1} | {:.1} | {peak:.0} | {committed} | {macs} | {:.0} |",
        minflt as f64 / 1000.0,
        t_cold * 1e3,
        t_verify * 1e3,
        bytes as f64 / 1024.0,
        t_prove / interp.max(1e-9),
    );
    if std::env::var(COST_ENV).is_ok() {
        // The cost model's inputs and its prediction against this run (issue 15, item 7).
        let predicted_mib = cost.predicted_memory_bytes as f64 / (1024.0 * 1024.0);
        println!(
            "|   cost: committed {} weights {} (committed {}) codeword {} sumcheck {} lookups {} pk_mib {pk_mib:.1}; predicted prove {:.3} s (measured/predicted {:.2}), peak {predicted_mib:.0} MiB (measured/predicted {:.2}); setup peak {setup_peak:.0} MiB |",
            cost.committed,
            cost.weights,
            weights_committed,
            cost.weights_codeword,
            cost.sumcheck,
            cost.lookups,
            cost.predicted_prove_s,
            t_prove / cost.predicted_prove_s.max(1e-9),
            peak / predicted_mib.max(1e-9),
        );
    }
    if !warm.is_empty() {
        let runs: Vec<String> = warm
            .iter()
            .map(|(w, u, s)| format!("{w:.3} s ({u:.2} user, {s:.2} sys)"))
            .collect();
        println!(
            "|   warm proves (same process, after the first): {} |",
            runs.join("; ")
        );
    }
    if std::env::var(PROFILE_ENV).is_ok() {
        println!("|   phases: load {t_load:.3} s / {load_peak:.0} MiB; {phases} |");
        println!("|   proof KiB by part: {parts} |");
    }
}

/// What the prover process reports to the model's process (`--prove-key`).
#[derive(serde::Serialize, serde::Deserialize)]
struct ProveRun {
    t_load: f64,
    t_prove: f64,
    user: f64,
    sys: f64,
    minflt: u64,
    t_cold: f64,
    t_verify: f64,
    bytes: usize,
    peak: f64,
    load_peak: f64,
    phases: String,
    parts: String,
    /// The `--warm` proofs' (wall, user, system) seconds, in order.
    warm: Vec<(f64, f64, f64)>,
}

/// Loads the key at `pk_path`, proves the input at `x_path` and verifies, in this fresh process;
/// prints a [`ProveRun`] as JSON.
fn prove_key(pk_path: &str, x_path: &str) {
    let x: Vec<i64> =
        serde_json::from_slice(&std::fs::read(x_path).expect("reads the input")).expect("decodes");
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let (u0, s0, f0) = cpu_faults();
    let t = Instant::now();
    // As `zkinfer prove` reads it: the stored weights tree stays in the file, read where opened.
    let pk = ProvingKey::read_from_file(std::fs::File::open(pk_path).expect("reads the key"))
        .expect("reads the key");
    let t_load = t.elapsed().as_secs_f64();
    let warm_proofs = std::env::var(WARM_ENV)
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0);
    if warm_proofs > 0 {
        // As `zkinfer prove` with several inputs and the Python bindings do.
        zkinfer::memory::prepare_repeated_proofs(&pk.vk.plan.cost);
    }
    let load_peak = peak_rss_mib();
    let mut profile = Profile::new();
    let t = Instant::now();
    let proof = if std::env::var(PLAIN_ENV).is_ok() {
        zkinfer_proof::prove_non_zk_for_bench(&pk, &x, &mut profile)
    } else {
        prove_profiled(&pk, &x, None, &mut profile)
    }
    .expect("proves");
    let t_prove = t.elapsed().as_secs_f64();
    let (u1, s1, f1) = cpu_faults();
    let peak = profile
        .phases
        .iter()
        .filter_map(|p| p.peak_mib)
        .fold(load_peak, f64::max);
    let bytes = proof.to_bytes().len();
    zkinfer_proof::lookups::forget_generated_tables();
    let t = Instant::now();
    verify(&pk.vk, &proof, Some(&x), None).expect("verifies");
    let t_cold = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let reps = 10;
    for _ in 0..reps {
        verify(&pk.vk, &proof, Some(&x), None).expect("verifies");
    }
    let t_verify = t.elapsed().as_secs_f64() / f64::from(reps);
    let warm: Vec<(f64, f64, f64)> = (0..warm_proofs)
        .map(|_| {
            let (u0, s0, _) = cpu_faults();
            let t = Instant::now();
            prove_profiled(&pk, &x, None, &mut Profile::new()).expect("proves");
            let wall = t.elapsed().as_secs_f64();
            let (u1, s1, _) = cpu_faults();
            (wall, u1 - u0, s1 - s0)
        })
        .collect();
    let phases: Vec<String> = profile
        .phases
        .iter()
        .map(|p| {
            format!(
                "{} {:.3} s / {:.0} MiB",
                p.name,
                p.seconds,
                p.peak_mib.unwrap_or(0.0)
            )
        })
        .collect();
    let parts: Vec<String> = proof
        .size_by_part()
        .iter()
        .map(|(name, b)| format!("{name} {:.1}", *b as f64 / 1024.0))
        .collect();
    let run = ProveRun {
        t_load,
        t_prove,
        user: u1 - u0,
        sys: s1 - s0,
        minflt: f1 - f0,
        t_cold,
        t_verify,
        bytes,
        peak,
        load_peak,
        phases: phases.join("; "),
        parts: parts.join("; "),
        warm,
    };
    println!("{}", serde_json::to_string(&run).expect("encodes"));
}

/// Removes `flag` and its value from `args` and returns the value, which must be a number (exit
/// 2 otherwise); `None` without the flag.
fn take_count(args: &mut Vec<String>, flag: &str) -> Option<String> {
    let i = args.iter().position(|a| a == flag)?;
    let v = args.get(i + 1).cloned().unwrap_or_default();
    if v.parse::<usize>().is_err() {
        eprintln!("{flag} takes a number, not `{v}`");
        std::process::exit(2);
    }
    args.drain(i..(i + 2).min(args.len()));
    Some(v)
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, pk, x] = args.as_slice()
        && flag == "--prove-key"
    {
        prove_key(pk, x);
        return;
    }
    if let [flag, name] = args.as_slice()
        && flag == "--one"
    {
        run_one(name);
        return;
    }
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!(
            "usage: bench [--profile] [--cost] [--compare-zk] [--weights stored|seed|hiding|plain|recommit|both|compare] [--max-proofs N] [--warm N] [MODEL…]\n\nWithout models: {} {}.\nOnly when named: {}, and mlp-A-B-…-Z (a ReLU MLP of those widths, e.g. mlp-64-32-10).\n--weights: private weights on the reusable hiding commitment (stored, the default: the key keeps the commitment's data when it is at most 8 GiB, as `zkinfer setup` does; seed: the key keeps its seed and each proof re-derives the commitment; hiding: seed and stored back to back), on the plain commitment of proving-key format 7 with its data in the key (plain) or recommitted per proof (recommit), plain and recommit back to back (both), or plain and hiding back to back (compare).\n--max-proofs: the hiding weights commitment's budget (default {}).\n--warm N: after the first proof, N more in the same prover process, each with its wall, user and system time (a long-running prover).\n--profile: after each model's row, the time and peak memory of each phase, and the proof's size by part.\n--cost: after each model's row, the cost model's inputs and its predicted prove time and peak memory against the measured ones.\n--compare-zk: after each model's row, the same model proved with a plain (non-hiding) witness commitment, the benchmark-only comparison point.",
            BUILT.join(" "),
            ONNX.join(" "),
            LARGE.join(" "),
            zkinfer_proof::weights::DEFAULT_MAX_PROOFS
        );
        return;
    }
    let profile = args.iter().any(|a| a == "--profile");
    let compare_zk = args.iter().any(|a| a == "--compare-zk");
    let cost = args.iter().any(|a| a == "--cost");
    args.retain(|a| a != "--profile" && a != "--compare-zk" && a != "--cost");
    let mut variants = vec!["stored"];
    if let Some(i) = args.iter().position(|a| a == "--weights") {
        let v = args.get(i + 1).cloned().unwrap_or_default();
        variants = match v.as_str() {
            "stored" => vec!["stored"],
            "seed" => vec!["seed"],
            "hiding" => vec!["seed", "stored"],
            "plain" => vec!["plain"],
            "recommit" => vec!["recommit"],
            "both" => vec!["plain", "recommit"],
            "compare" => vec!["plain", "stored"],
            _ => {
                eprintln!(
                    "--weights takes stored, seed, hiding, plain, recommit, both or compare, not `{v}`"
                );
                std::process::exit(2);
            }
        };
        args.drain(i..(i + 2).min(args.len()));
    }
    let warm = take_count(&mut args, "--warm");
    let max_proofs = take_count(&mut args, "--max-proofs");
    let names: Vec<String> = if args.is_empty() {
        BUILT
            .iter()
            .chain(ONNX.iter())
            .map(|s| (*s).to_string())
            .collect()
    } else {
        args
    };
    println!(
        "threads: {}",
        std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
    );
    println!(
        "| model | setup s | pk MiB | load s | prove s | user s | sys s | minflt k | verify ms (first) | verify ms (next 10) | proof KiB | peak MiB | committed | MACs | prove/interp |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    let exe = std::env::current_exe().expect("own path");
    // One model in a child process (its own peak memory); a failure is a row saying so.
    let child = |n: &str, v: &str, plain: bool| {
        let mut child = std::process::Command::new(&exe);
        child.args(["--one", n]).env(WEIGHTS_ENV, v);
        if let Some(m) = &max_proofs {
            child.env(MAX_PROOFS_ENV, m);
        }
        if let Some(w) = &warm {
            child.env(WARM_ENV, w);
        }
        if profile {
            child.env(PROFILE_ENV, "1");
        }
        if cost {
            child.env(COST_ENV, "1");
        }
        if plain {
            child.env(PLAIN_ENV, "1");
        }
        if !child.status().is_ok_and(|s| s.success()) {
            let label = if plain { "non-ZK" } else { v };
            println!("| {n} ({label}) | failed | | | | | | | | | | | | | |");
        }
    };
    for n in names {
        for v in &variants {
            child(&n, v, false);
            if compare_zk && *v == "stored" {
                child(&n, v, true);
            }
        }
    }
}
