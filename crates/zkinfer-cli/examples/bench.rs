//! End-to-end benchmark: for each model, setup / prove / verify time, proof size, peak memory,
//! committed elements, and prove time over the integer interpreter's time on the same input.
//!
//! `cargo run --release -p zkinfer-cli --example bench [-- MODEL…]`. Each model runs in its own child
//! process so that its peak memory (VmHWM) is its own.

use std::time::Instant;

use zkinfer_model::QuantConfig;
use zkinfer_pcs::PcsConfig;
use zkinfer_proof::ir::ProofGraph;
use zkinfer_proof::testing::{cifar_cnn, lenet5, mlp, residual_cnn};
use zkinfer_proof::witness::generate;
use zkinfer_proof::{CompileOptions, InputVisibility, ZkFile, compile, prove, setup, verify};

const BUILT: [&str; 4] = ["mlp-784-128-128-10", "lenet5", "residual-cnn", "cifar-cnn"];
const ONNX: [&str; 9] = [
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
        _ => return None,
    })
}

fn fixture(name: &str) -> Option<(ProofGraph, Vec<i64>, f64)> {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../zkinfer-model/tests/fixtures/"
    );
    let onnx = format!("{dir}{name}.onnx");
    let input = zkinfer_model::load_input_json(format!("{dir}{name}.input.json")).ok()?;
    let g = zkinfer_model::import_onnx(
        std::path::Path::new(&onnx),
        &zkinfer_model::ImportOptions::default(),
    )
    .ok()?;
    let cal = zkinfer_model::calibrate(&g, &input, &QuantConfig::default()).ok()?;
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
        None => match fixture(name) {
            Some(v) => v,
            None => {
                println!("| {name} | (not provable yet) | | | | | | |");
                return;
            }
        },
    };
    let plan = compile(&g, CompileOptions::default()).expect("compiles");
    let t = Instant::now();
    let pk = setup(&g, &plan, PcsConfig::default()).expect("setup");
    let t_setup = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let proof = prove(&pk, &x, None).expect("proves");
    let t_prove = t.elapsed().as_secs_f64();
    let bytes = proof.to_bytes().len();
    let t = Instant::now();
    let reps = 10;
    for _ in 0..reps {
        verify(&pk.vk, &proof, Some(&x), None).expect("verifies");
    }
    let t_verify = t.elapsed().as_secs_f64() / f64::from(reps);
    println!(
        "| {name} | {:.3} | {:.3} | {:.1} | {:.1} | {:.0} | {} | {} | {:.0} |",
        t_setup,
        t_prove,
        t_verify * 1e3,
        bytes as f64 / 1024.0,
        peak_rss_mib(),
        plan.cost.committed,
        plan.cost.macs,
        t_prove / interp.max(1e-9),
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, name] = args.as_slice()
        && flag == "--one"
    {
        run_one(name);
        return;
    }
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
        "| model | setup s | prove s | verify ms | proof KiB | peak MiB | committed | MACs | prove/interp |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    let exe = std::env::current_exe().expect("own path");
    for n in names {
        let status = std::process::Command::new(&exe)
            .args(["--one", &n])
            .status();
        if !status.is_ok_and(|s| s.success()) {
            println!("| {n} | failed | | | | | | | |");
        }
    }
}
