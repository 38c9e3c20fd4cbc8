//! Concatenation and gather end to end, on models built in code as ONNX: an Inception-style CNN
//! (two convolution branches and the input concatenated along the channels, a strided convolution,
//! a linear head) and a token MLP whose head reads gathered rows (ONNX `Gather` with constant
//! indices on an activation). Each imports, quantizes, proves and verifies; its proven output is
//! close to the float run; a wrong input and a changed output are rejected.

use zkinfer::{compile_graph, prove, setup, verify};
use zkinfer_model::builder::{OnnxBuilder, attr_int};
use zkinfer_model::{ImportOptions, QuantConfig, import_onnx};
use zkinfer_proof::InputVisibility;
use zkinfer_proof::ir::{AxisMap, Op};

fn inception_onnx() -> Vec<u8> {
    let mut b = OnnxBuilder::new(&[1, 3, 8, 8]);
    let a = b.conv("input", 3, 4, 3, 1, 1);
    let a = b.node("Relu", &[&a], vec![]);
    let c = b.conv("input", 3, 3, 1, 1, 0);
    let c = b.node("Relu", &[&c], vec![]);
    let y = b.node("Concat", &[&a, &c, "input"], vec![attr_int("axis", 1)]);
    let y = b.conv(&y, 10, 4, 3, 2, 1);
    let y = b.node("Relu", &[&y], vec![]);
    let y = b.node("Flatten", &[&y], vec![attr_int("axis", 1)]);
    let y = b.gemm(&y, 64, 10);
    b.build(&y)
}

/// Input `[8, 16]` (eight tokens), a shared Gemm and ReLU per token, then rows 7 and 2 gathered
/// (indices `[7, 2]`) into a Gemm head.
fn gather_onnx() -> Vec<u8> {
    let mut b = OnnxBuilder::new(&[8, 16]);
    let h = b.gemm("input", 16, 12);
    let h = b.node("Relu", &[&h], vec![]);
    let idx = b.int_constant("idx", &[2], vec![7, 2]);
    let y = b.node("Gather", &[&h, &idx], vec![attr_int("axis", 0)]);
    let y = b.gemm(&y, 12, 4);
    b.build(&y)
}

/// `n` values in [-1, 1) from a seeded LCG.
fn sample(seed: u64, n: usize) -> Vec<f32> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

/// Imports, calibrates, compiles (the proof graph must have an op for which `has` holds), proves
/// and verifies `onnx` on inputs of `n` values; checks the output against the float run and the
/// rejections.
fn prove_end_to_end(onnx: &[u8], n: usize, has: impl Fn(&Op) -> bool, what: &str) {
    let graph = import_onnx(onnx, &ImportOptions::default()).expect("imports");
    let samples: Vec<Vec<f32>> = (1..=4).map(|s| sample(s, n)).collect();
    let cal = zkinfer_model::calibrate(&graph, &samples, &QuantConfig::default()).expect("cal");
    let model = compile_graph(&graph, &cal, InputVisibility::Public).expect("compiles");
    assert!(
        model.graph.nodes.iter().any(|nd| has(&nd.op)),
        "{what}: the proof graph lacks the op under test"
    );
    let (pk, vk) = setup(&model).expect("setup");
    let x = sample(9, n);
    let (proof, out) = prove(&pk, &x).expect("proves");
    let verified = verify(&vk, &proof, Some(&x)).expect("verifies");
    assert_eq!(verified.output_ints, out.output_ints);

    // Close to the float model: within 2% of the output's range.
    let want = graph.run_float(&x).expect("float run");
    let got = &out.output_data[0];
    let range = want.iter().fold(0f32, |m, v| m.max(v.abs()));
    let err = got
        .iter()
        .zip(&want)
        .fold(0f32, |m, (a, b)| m.max((a - b).abs()));
    eprintln!(
        "{what}: proven output within {:.3}% of the float run",
        100.0 * err / range
    );
    assert!(err / range < 0.02, "relative error {}", err / range);

    // Another input, and a changed output, are rejected.
    assert!(verify(&vk, &proof, Some(&sample(10, n))).is_err());
    let mut forged = proof.clone();
    forged.output[0] += 1;
    assert!(verify(&vk, &forged, Some(&x)).is_err());
}

#[test]
fn concatenated_branches_prove_and_verify() {
    let concat = |op: &Op| matches!(op, Op::Concat { axis: 1 });
    prove_end_to_end(&inception_onnx(), 3 * 8 * 8, concat, "inception concat");
}

#[test]
fn gathered_rows_prove_and_verify() {
    let gather = |op: &Op| {
        matches!(op, Op::AxisMap { maps }
            if maps.first() == Some(&AxisMap::Gather { indices: vec![7, 2] }))
    };
    prove_end_to_end(&gather_onnx(), 8 * 16, gather, "token gather");
}

/// `prove_once` (the CLI's path: the integer model handed over and dropped after its run) proves
/// what `prove` proves: the same output, a proof the verifier accepts, and one it rejects for
/// another input.
#[test]
fn proving_once_with_the_model_dropped_matches_prove() {
    let graph = import_onnx(&gather_onnx(), &ImportOptions::default()).expect("imports");
    let samples: Vec<Vec<f32>> = (1..=4).map(|s| sample(s, 128)).collect();
    let cal = zkinfer_model::calibrate(&graph, &samples, &QuantConfig::default()).expect("cal");
    let model = compile_graph(&graph, &cal, InputVisibility::Public).expect("compiles");
    let (pk, vk) = setup(&model).expect("setup");
    let x = sample(9, 128);
    let (_, out) = prove(&pk, &x).expect("proves");
    let mut profile = zkinfer::Profile::default();
    let (proof, once, openings) =
        zkinfer::prove_once(&pk.pk, pk.quant.clone(), &x, &mut profile).expect("proves once");
    assert!(openings.is_empty());
    assert_eq!(once.output_ints, out.output_ints);
    assert_eq!(once.output_data, out.output_data);
    let verified = verify(&vk, &proof, Some(&x)).expect("verifies");
    assert_eq!(verified.output_ints, once.output_ints);
    assert!(
        verify(&vk, &proof, Some(&sample(10, 128))).is_err(),
        "a proof checked against another input must be rejected"
    );
}
