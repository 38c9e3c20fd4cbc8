//! End-to-end front-end benchmark: import, calibrate, quantize and integer-interpret each fixture
//! model and a ResNet-18 built in code as ONNX, and compare the interpreter with tract's optimized
//! float plan on the same input.
//!
//! ```text
//! cargo run --release -p zkinfer-model --example bench_model [-- RESNET_HW]   # default 224
//! ```

use std::path::PathBuf;
use std::time::{Duration, Instant};

use zkinfer_model::builder::{OnnxBuilder, resnet18_onnx};
use zkinfer_model::{
    Graph, ImportOptions, OnnxSource, QuantConfig, calibrate, error_report, import_onnx,
    load_input_json, quantize,
};

fn time<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let t = Instant::now();
    let r = f();
    (r, t.elapsed())
}

/// Mean time of `f` over enough runs to take ~`budget` (at least one).
fn mean_time(budget: Duration, mut f: impl FnMut()) -> Duration {
    let t = Instant::now();
    let mut n = 0u32;
    while n == 0 || t.elapsed() < budget {
        f();
        n += 1;
    }
    t.elapsed() / n
}

fn peak_rss_mib() -> f64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn bench(name: &str, src: OnnxSource<'_>, inputs: Option<Vec<Vec<f32>>>) {
    let (g, t_import) = time(|| import_onnx(src, &ImportOptions::default()));
    let g: Graph = match g {
        Ok(g) => g,
        Err(e) => {
            println!("{name:<20} import: {e}");
            return;
        }
    };
    let inputs = inputs.unwrap_or_else(|| {
        let mut b = OnnxBuilder::new(&[1]);
        vec![b.uniform(g.input_len(), 1.0)]
    });
    let (cal, t_cal) = time(|| calibrate(&g, &inputs, &QuantConfig::default()));
    let cal = match cal {
        Ok(c) => c,
        Err(e) => {
            println!("{name:<20} calibrate: {e}");
            return;
        }
    };
    let (qg, t_quant) = time(|| quantize(&g, &cal));
    let qg = match qg {
        Ok(q) => q,
        Err(e) => {
            println!("{name:<20} quantize: {e}");
            return;
        }
    };
    let q = qg
        .quantize_input(&inputs[0])
        .expect("calibrated input quantizes");
    let budget = Duration::from_millis(1500);
    let t_exec = mean_time(budget, || {
        qg.execute(&q).expect("calibrated input runs");
    });
    let t_tract = mean_time(budget, || {
        g.run_float(&inputs[0]).expect("tract runs");
    });
    let err = error_report(&g, &qg, &inputs[..1])
        .map(|r| r.output.max_abs)
        .unwrap_or(f32::NAN);
    println!(
        "{name:<20} {:>6} {:>10.1} {:>10.1} {:>10.1} {:>10.2} {:>10.3} {:>8.1} {:>10.2e} {:>9.0}",
        qg.nodes.len(),
        ms(t_import),
        ms(t_cal),
        ms(t_quant),
        ms(t_exec),
        ms(t_tract),
        t_exec.as_secs_f64() / t_tract.as_secs_f64(),
        err,
        peak_rss_mib(),
    );
}

fn main() {
    let hw: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(224);
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    println!(
        "{:<20} {:>6} {:>10} {:>10} {:>10} {:>10} {:>10} {:>8} {:>10} {:>9}",
        "model",
        "qnodes",
        "import ms",
        "calib ms",
        "quant ms",
        "int ms",
        "tract ms",
        "int/tr",
        "max err",
        "peak MiB"
    );
    for name in [
        "mlp_acts",
        "lenet_bn",
        "resnet_mini",
        "digits_cnn",
        "gpt2_mini_emb",
        "bert_mini_emb",
        "transformer/attn_1head",
        "transformer/gpt2_block_d64_h2",
        "transformer/gpt2_block_d128_h4",
    ] {
        let path = dir.join(format!("{name}.onnx"));
        let inputs = load_input_json(dir.join(format!("{name}.input.json"))).ok();
        let short = name.rsplit('/').next().unwrap_or(name);
        bench(short, OnnxSource::Path(&path), inputs);
    }
    let onnx = resnet18_onnx(hw);
    bench(&format!("resnet18@{hw}"), OnnxSource::Bytes(&onnx), None);
}
