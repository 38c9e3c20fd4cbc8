//! Concatenation end to end: an Inception-style CNN built in code as ONNX (two convolution
//! branches concatenated along the channels, then a strided convolution and a linear head)
//! imports, quantizes, proves and verifies; its proven output is close to the float run; a wrong
//! input and a changed output are rejected.

use zkinfer_cli::{compile_graph, prove, setup, verify};
use zkinfer_model::builder::{OnnxBuilder, attr_int};
use zkinfer_model::{ImportOptions, QuantConfig, import_onnx};
use zkinfer_proof::InputVisibility;

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

fn sample(seed: u64) -> Vec<f32> {
    let mut s = seed;
    (0..3 * 8 * 8)
        .map(|_| {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

#[test]
fn concatenated_branches_prove_and_verify() {
    let graph = import_onnx(&inception_onnx(), &ImportOptions::default()).expect("imports");
    let samples: Vec<Vec<f32>> = (1..=4).map(sample).collect();
    let cal = zkinfer_model::calibrate(&graph, &samples, &QuantConfig::default()).expect("cal");
    let model = compile_graph(&graph, &cal, InputVisibility::Public).expect("compiles");
    assert!(
        model.graph.nodes.iter().any(|n| n.op.kind() == "Concat"),
        "the proof graph keeps the concatenation"
    );
    let (pk, vk) = setup(&model).expect("setup");
    let x = sample(9);
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
        "inception concat: proven output within {:.3}% of the float run",
        100.0 * err / range
    );
    assert!(err / range < 0.02, "relative error {}", err / range);

    // Another input, and a changed output, are rejected.
    assert!(verify(&vk, &proof, Some(&sample(10))).is_err());
    let mut forged = proof.clone();
    forged.output[0] += 1;
    assert!(verify(&vk, &forged, Some(&x)).is_err());
}
