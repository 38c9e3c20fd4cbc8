//! Grouped and depthwise convolutions and ReLU6/Clip, end to end, on a PyTorch export
//! (`scripts/make_mobilenet.py` writes the fixture `grouped_conv`): a `groups = 2` convolution,
//! ReLU6 (ONNX `Clip(0, 6)`), a strided depthwise convolution (lowered block-diagonally), a
//! depthwise convolution with channel multiplier 2, stride 2 and dilation 2 (lowered per kernel
//! tap), `Clip(-1, 1)`, a 1×1 convolution and a Gemm.
//!
//! - semantics: tract's float run and our float IR against onnxruntime; the quantized model
//!   close to the float one; the lowered proof graph (grouped convolutions rewritten into slices,
//!   convolutions, concatenation, per-tap products and sums) computes exactly the interpreter's
//!   grouped convolution on every tensor they share;
//! - proof: proves and verifies, with the interpreter's output; a tampered proof, another input
//!   and a changed output are rejected;
//! - Clip: the bounds are proven (saturated outputs sit exactly on them) and bound into the
//!   verifying key (a key with another upper bound rejects the proof).

use std::path::PathBuf;

use zkinfer::{compile_graph, prove, setup, verify};
use zkinfer_model::{
    ImportOptions, OnnxSource, QuantConfig, TableFn, calibrate, import_onnx, load_input_json,
};
use zkinfer_proof::InputVisibility;
use zkinfer_proof::ir::{AxisMap, Op, TableGen};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../zkinfer-model/tests/fixtures")
        .join(name)
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).fold(0f32, |m, (x, y)| m.max((x - y).abs()))
}

struct Fixture {
    graph: zkinfer_model::Graph,
    input: Vec<f32>,
    calib: Vec<Vec<f32>>,
    expected: Vec<f32>,
}

fn load() -> Fixture {
    let onnx = fixture("grouped_conv.onnx");
    let graph = import_onnx(OnnxSource::Path(&onnx), &ImportOptions::default()).expect("imports");
    let input = load_input_json(fixture("grouped_conv.input.json")).expect("input")[0].clone();
    let calib = load_input_json(fixture("grouped_conv.calib.json")).expect("calibration set");
    let exp: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("grouped_conv.expected.json")).expect("expected"),
    )
    .expect("json");
    let expected = exp["output_data"][0]
        .as_array()
        .expect("output_data")
        .iter()
        .map(|v| v.as_f64().expect("number") as f32)
        .collect();
    Fixture {
        graph,
        input,
        calib,
        expected,
    }
}

fn compiled(f: &Fixture) -> zkinfer::CompiledModel {
    compiled_on(f, &f.calib)
}

fn compiled_on(f: &Fixture, calib: &[Vec<f32>]) -> zkinfer::CompiledModel {
    let cal = calibrate(&f.graph, calib, &QuantConfig::default()).expect("calibrates");
    compile_graph(&f.graph, &cal, InputVisibility::Public).expect("compiles")
}

#[test]
fn grouped_and_depthwise_semantics_match_tract_and_onnxruntime() {
    let f = load();
    let tract = f.graph.run_float(&f.input).expect("tract runs");
    let ours = f.graph.eval(&f.input).expect("float IR")[f.graph.output].clone();
    assert!(
        max_abs_diff(&tract, &f.expected) <= 1e-4,
        "tract vs onnxruntime"
    );
    assert!(
        max_abs_diff(&ours, &f.expected) <= 1e-4,
        "float IR vs onnxruntime"
    );

    let model = compiled(&f);
    let groups: Vec<usize> = model
        .quant
        .nodes
        .iter()
        .filter_map(|n| match n.op {
            zkinfer_model::QOp::Conv2d { groups, .. } => Some(groups),
            _ => None,
        })
        .collect();
    assert_eq!(groups[..3], [2, 8, 8], "the fixture's grouped convolutions");
    // The proof graph: per-group convolutions concatenated, the first depthwise convolution
    // block-diagonal, the second's taps as products.
    let ops = &model.graph.nodes;
    assert!(ops.iter().any(|n| matches!(n.op, Op::Concat { axis: 1 })));
    assert!(ops.iter().any(|n| matches!(&n.op, Op::Conv2d { weight, .. }
        if weight.shape == [8, 8, 3, 3])));
    let taps = ops
        .iter()
        .filter(|n| matches!(n.op, Op::MulConstTensor { .. }))
        .count();
    assert_eq!(
        taps, 9,
        "one product per tap of the second depthwise convolution"
    );
    assert!(ops.iter().any(|n| matches!(&n.op, Op::AxisMap { maps }
        if maps.get(1).is_some_and(|m| matches!(m, AxisMap::Gather { .. })))));

    // The lowered graph computes the interpreter's grouped convolution exactly.
    let q = model.quant.quantize_input(&f.input).expect("quantizes");
    let trace = model.quant.execute(&q).expect("interpreter");
    let lowered = zkinfer_proof::trace::run(&model.graph, &q).expect("lowered trace");
    assert!(lowered.len() > trace.values.len(), "lowering adds tensors");
    assert_eq!(&lowered[..trace.values.len()], &trace.values[..]);

    // Quantized vs float: within 2% of the output's range, same argmax.
    let (proof, out) = {
        let (pk, _vk) = setup(&model).expect("setup");
        prove(&pk, &f.input).expect("proves")
    };
    drop(proof);
    let got = &out.output_data[0];
    let range = f.expected.iter().fold(0f32, |m, v| m.max(v.abs()));
    let err = max_abs_diff(got, &f.expected);
    assert!(err / range < 0.02, "quantized error {err} of range {range}");
    let argmax = |v: &[f32]| {
        v.iter()
            .enumerate()
            .fold((0, f32::MIN), |b, (i, &x)| if x > b.1 { (i, x) } else { b })
            .0
    };
    assert_eq!(argmax(got), argmax(&f.expected));
}

/// Adds 1 to the first weight of the graph's first per-tap constant.
fn bump_first_tap(graph: &mut zkinfer_proof::ir::ProofGraph) {
    let tap = graph
        .nodes
        .iter_mut()
        .find_map(|n| match &mut n.op {
            Op::MulConstTensor { c } => Some(c),
            _ => None,
        })
        .expect("a tap");
    tap.values[0] += 1;
}

#[test]
fn grouped_conv_proves_verifies_and_rejects_tampering() {
    let f = load();
    let model = compiled(&f);
    let (pk, vk) = setup(&model).expect("setup");
    let (proof, out) = prove(&pk, &f.input).expect("proves");
    let verified = verify(&vk, &proof, Some(&f.input)).expect("verifies");
    assert_eq!(verified.output_ints, out.output_ints);
    let q = model.quant.quantize_input(&f.input).expect("quantizes");
    let trace = model.quant.execute(&q).expect("interpreter");
    assert_eq!(out.output_ints, trace.values[model.quant.output]);

    // The per-tap constants (`[1, CO, 1, 1]`) are committed as their `CO` values, not
    // broadcast to the output's `[1, CO, OH, OW]` (key format 10).
    let mut taps = 0;
    for (node, plan) in model.graph.nodes.iter().zip(&model.plan.nodes) {
        let Op::MulConstTensor { c } = &node.op else {
            continue;
        };
        let zkinfer_proof::plan::NodePlan::Weighted { weight, .. } = plan else {
            panic!("{}: a constant op without its weight column", node.name);
        };
        let channels = c.shape.iter().product::<usize>().next_power_of_two();
        assert_eq!(
            1usize << model.plan.weight_columns[*weight].num_vars,
            channels,
            "{}: {:?}",
            node.name,
            c.shape
        );
        taps += 1;
    }
    assert!(taps >= 9, "the per-tap depthwise convolution: {taps} taps");
    // One tap's weight changed: another key, which rejects the proof.
    let mut changed = model.clone();
    bump_first_tap(&mut changed.graph);
    let (pk_changed, vk_changed) = setup(&changed).expect("setup");
    assert!(verify(&vk_changed, &proof, Some(&f.input)).is_err());
    // A prover whose key holds another tap value than the committed one: refused, or its proof
    // rejected (the tap's claim goes to the committed table).
    let mut tampered = pk.clone();
    bump_first_tap(&mut tampered.pk.graph);
    // Today the prover refuses (the key's weights no longer match its stored commitment).
    match prove(&tampered, &f.input) {
        Ok((p, _)) => assert!(verify(&vk, &p, Some(&f.input)).is_err()),
        Err(e) => assert!(e.to_string().contains("stored weights commitment"), "{e}"),
    }
    // The changed model proves under its own key, and that proof is not the original key's.
    let (proof_changed, _) = prove(&pk_changed, &f.input).expect("proves");
    verify(&vk_changed, &proof_changed, Some(&f.input)).expect("verifies under its key");
    assert!(verify(&vk, &proof_changed, Some(&f.input)).is_err());

    // A changed output, another input.
    let mut forged = proof.clone();
    forged.output[0] += 1;
    assert!(verify(&vk, &forged, Some(&f.input)).is_err());
    let mut other = f.input.clone();
    other[5] += 0.25;
    assert!(verify(&vk, &proof, Some(&other)).is_err());
    // Flipped bytes across the proof: each is rejected (or the file no longer reads).
    use zkinfer_proof::ZkFile;
    let bytes = proof.to_bytes();
    let n = bytes.len();
    for pos in [n / 7, n / 3, n / 2, 2 * n / 3, n - 40] {
        let mut b = bytes.clone();
        b[pos] ^= 0x10;
        if let Ok(p) = zkinfer_proof::Proof::from_bytes(&b) {
            assert!(
                verify(&vk, &p, Some(&f.input)).is_err(),
                "a proof with byte {pos} of {n} flipped verified"
            );
        }
    }
}

#[test]
fn clip_bounds_are_proven_and_bound_into_the_key() {
    let f = load();
    // Inputs 8× larger (calibrated for) saturate ReLU6.
    let big = |x: &Vec<f32>| x.iter().map(|v| v * 8.0).collect::<Vec<f32>>();
    let model = compiled_on(&f, &f.calib.iter().map(big).collect::<Vec<_>>());
    // The Clip layers are function tables from the model's definition, with their bounds.
    let clips: Vec<(Option<f32>, Option<f32>)> = model
        .graph
        .nodes
        .iter()
        .filter_map(|n| match &n.op {
            Op::Table {
                generator:
                    TableGen::Model {
                        func: TableFn::Clip { lo, hi },
                        ..
                    },
                ..
            } => Some((*lo, *hi)),
            _ => None,
        })
        .collect();
    // tract splits a Clip into Max and Min: ReLU6 is a ReLU then `min(·, 6)`, Clip(-1, 1) is
    // `max(·, -1)` then `min(·, 1)`, each one lookup.
    assert_eq!(
        clips,
        [
            (None, Some(6.0)),
            (None, Some(6.0)),
            (Some(-1.0), None),
            (None, Some(1.0))
        ],
        "ReLU6 and Clip(-1, 1) lowered as clip tables"
    );
    // The proven trace holds values exactly at 6 and at 0.
    let big = big(&f.input);
    let relu6 = model
        .graph
        .nodes
        .iter()
        .find(|n| {
            matches!(&n.op, Op::Table { generator: TableGen::Model {
                func: TableFn::Clip { lo: None, hi: Some(hi) }, .. }, .. } if *hi == 6.0)
        })
        .expect("a ReLU6");
    let q = model.quant.quantize_input(&big).expect("quantizes");
    let trace = model.quant.execute(&q).expect("interpreter");
    let scale = model.quant.tensors[relu6.output].scale;
    let six = 6i64 << scale;
    let ys = &trace.values[relu6.output];
    assert!(
        ys.iter().all(|&v| (0..=six).contains(&v)),
        "ReLU6 (after its ReLU) within [0, 6]"
    );
    assert!(
        ys.contains(&six) && ys.contains(&0),
        "saturated on both bounds"
    );

    let (pk, vk) = setup(&model).expect("setup");
    let (proof, _) = prove(&pk, &big).expect("proves");
    verify(&vk, &proof, Some(&big)).expect("verifies");
    // A key claiming ReLU7 instead of ReLU6 rejects the proof.
    let mut vk7 = vk.clone();
    let node = vk7
        .plan
        .graph
        .nodes
        .iter_mut()
        .find(|n| n.name == relu6.name)
        .expect("the ReLU6 in the key");
    if let Op::Table {
        generator: TableGen::Model { func, .. },
        ..
    } = &mut node.op
    {
        *func = TableFn::Clip {
            lo: None,
            hi: Some(7.0),
        };
    }
    assert!(verify(&vk7, &proof, Some(&big)).is_err());
}

/// MobileNet-v2 (width 0.5, 32 × 32) from `python scripts/make_mobilenet.py` (not checked in:
/// 2.8 MB): imports, compiles, proves and verifies. Ignored (minutes in a debug build); run with
/// `cargo test --release --workspace --test grouped_conv -- --ignored`.
#[test]
#[ignore = "needs target/models/mobilenet_v2.onnx from scripts/make_mobilenet.py; slow in debug"]
fn mobilenet_v2_proves() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/models");
    let onnx = dir.join("mobilenet_v2.onnx");
    let graph = import_onnx(OnnxSource::Path(&onnx), &ImportOptions::default()).expect("imports");
    let input = load_input_json(dir.join("mobilenet_v2.input.json")).expect("input")[0].clone();
    let calib = load_input_json(dir.join("mobilenet_v2.calib.json")).expect("calibration set");
    let cal = calibrate(&graph, &calib, &QuantConfig::default()).expect("calibrates");
    let model = compile_graph(&graph, &cal, InputVisibility::Public).expect("compiles");
    eprintln!(
        "mobilenet_v2: {} proof nodes, committed {}",
        model.graph.nodes.len(),
        model.plan.cost.committed
    );
    if std::env::var("MOBILENET_COMPILE_ONLY").is_ok() {
        return;
    }
    let (pk, vk) = setup(&model).expect("setup");
    let (proof, out) = prove(&pk, &input).expect("proves");
    verify(&vk, &proof, Some(&input)).expect("verifies");
    eprintln!("mobilenet_v2 output {:?}", out.output_data[0]);
}
