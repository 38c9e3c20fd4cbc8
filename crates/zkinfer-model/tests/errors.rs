//! Bad input gets a typed error naming the thing, never a panic.

mod common;

use common::*;
use zkinfer_model::builder::{Dim, OnnxBuilder, attr_int};
use zkinfer_model::*;

fn mlp() -> (Graph, Vec<Vec<f32>>) {
    let g = import_onnx(&fixture("mlp_acts.onnx"), &ImportOptions::default()).unwrap();
    let x = load_input_json(fixture("mlp_acts.input.json")).unwrap();
    (g, x)
}

#[test]
fn unsupported_op_names_node_and_op() {
    let mut b = OnnxBuilder::new(&[1, 8]);
    let y = b.gemm("input", 8, 4);
    let y = b.node("Cos", &[&y], vec![]);
    let err = import_onnx(&b.build(&y), &ImportOptions::default()).unwrap_err();
    let ModelError::UnsupportedOp {
        node,
        op,
        supported,
        ..
    } = &err
    else {
        panic!("{err}")
    };
    assert!(node.starts_with("Cos_"), "{err}");
    assert!(op.contains("Cos"), "{err}");
    assert!(supported.contains("Conv"));

    let mut b = OnnxBuilder::new(&[1, 8]);
    let y = b.node("Hardmax", &["input"], vec![attr_int("axis", 1)]);
    let err = import_onnx(&b.build(&y), &ImportOptions::default()).unwrap_err();
    assert!(
        matches!(
            err,
            ModelError::UnsupportedOp { .. } | ModelError::Tract { .. }
        ),
        "{err}"
    );
}

#[test]
fn symbolic_dims() {
    let build = || {
        let mut b =
            OnnxBuilder::with_input(vec![Dim::Sym("batch".into()), Dim::Sym("features".into())]);
        let y = b.node("Relu", &["input"], vec![]);
        b.build(&y)
    };
    let err = import_onnx(&build(), &ImportOptions::default()).unwrap_err();
    let ModelError::SymbolicDim { axis, symbol, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!((*axis, symbol.as_str()), (1, "features"));
    assert!(err.to_string().contains("with_dim(\"features\""));
    let g = import_onnx(&build(), &ImportOptions::default().with_dim("features", 5)).unwrap();
    assert_eq!(g.tensors[g.input].shape, vec![1, 5]);
    assert_eq!(
        g.run_float(&[-1.0, 2.0, -3.0, 4.0, 0.5]).unwrap(),
        vec![0.0, 2.0, 0.0, 4.0, 0.5]
    );
}

#[test]
fn wrong_length_and_non_finite_inputs() {
    let (g, x) = mlp();
    let cal = calibrate(&g, &x, &QuantConfig::default()).unwrap();
    let qg = quantize(&g, &cal).unwrap();
    let short = &x[0][..31];
    for err in [
        g.run_float(short).unwrap_err(),
        g.eval(short).unwrap_err(),
        qg.quantize_input(short).unwrap_err(),
    ] {
        assert!(
            matches!(
                err,
                ModelError::InputLength {
                    expected: 32,
                    got: 31,
                    ..
                }
            ),
            "{err}"
        );
    }
    assert!(matches!(
        qg.execute(&[0; 3]).unwrap_err(),
        ModelError::InputLength {
            expected: 32,
            got: 3,
            ..
        }
    ));
    let mut bad = x[0].clone();
    bad[7] = f32::NAN;
    assert!(matches!(
        qg.quantize_input(&bad).unwrap_err(),
        ModelError::NonFinite { index: 7, .. }
    ));
    bad[7] = f32::INFINITY;
    assert!(matches!(
        g.run_float(&bad).unwrap_err(),
        ModelError::NonFinite { index: 7, .. }
    ));
    assert!(matches!(
        calibrate(&g, &[bad], &QuantConfig::default()).unwrap_err(),
        ModelError::NonFinite { .. }
    ));
}

#[test]
fn out_of_range_activation_names_layer() {
    // y = 100·x0 + 0·x1: calibrated where x0 is small, run where it is not.
    let mut b = OnnxBuilder::new(&[1, 2]);
    let w = b.constant("w", &[2, 1], vec![100.0, 0.0]);
    let y = b.node("MatMul", &["input", &w], vec![]);
    let y = b.node("Relu", &[&y], vec![]);
    let g = import_onnx(&b.build(&y), &ImportOptions::default()).unwrap();
    let cal = calibrate(&g, &[vec![0.01, 1.0]], &QuantConfig::default()).unwrap();
    let qg = quantize(&g, &cal).unwrap();
    assert!(
        qg.execute(&qg.quantize_input(&[0.01, 1.0]).unwrap())
            .is_ok()
    );
    let q = qg.quantize_input(&[1.0, 1.0]).unwrap();
    let Err(err) = qg.execute(&q) else {
        panic!("expected an out-of-range error")
    };
    let ModelError::OutOfRange {
        layer,
        value,
        min,
        max,
        ..
    } = &err
    else {
        panic!("{err}")
    };
    assert!(layer.starts_with("MatMul"), "{err}");
    assert!(*value > i128::from(*max) && *min == -32768, "{err}");
    assert!(err.to_string().contains("widen A"));
    // Inputs beyond the input scale's range fail at quantization.
    let Err(err) = qg.quantize_input(&[100.0, 100.0]) else {
        panic!("expected an error")
    };
    assert!(matches!(err, ModelError::OutOfRange { .. }), "{err}");
}

#[test]
fn overflow_is_refused_with_layer_name() {
    let (g, x) = mlp();
    let cal = calibrate(&g, &x, &QuantConfig::with_bits(32, 32)).unwrap();
    let Err(err) = quantize(&g, &cal) else {
        panic!("expected overflow")
    };
    let ModelError::Overflow { layer, .. } = &err else {
        panic!("{err}")
    };
    assert!(layer.contains("Gemm"), "{err}");

    // An enormous K: 24-bit activations and weights on K = 2^18 (2^23 · 2^22 · 2^18 = 2^63).
    let k = 1 << 18;
    let mut b = OnnxBuilder::new(&[1, k]);
    let w = b.constant("w", &[k, 1], vec![1.0; k]);
    let y = b.node("MatMul", &["input", &w], vec![]);
    let g = import_onnx(&b.build(&y), &ImportOptions::default()).unwrap();
    let cfg = QuantConfig {
        max_act_scale: 30,
        ..QuantConfig::with_bits(24, 24)
    };
    let cal = calibrate(&g, &[vec![1.0; k]], &cfg).unwrap();
    let Err(err) = quantize(&g, &cal) else {
        panic!("expected overflow")
    };
    assert!(matches!(err, ModelError::Overflow { .. }), "{err}");
}

#[test]
fn bad_files() {
    let err = import_onnx("/nonexistent/model.onnx", &ImportOptions::default()).unwrap_err();
    assert!(matches!(err, ModelError::Io { .. }), "{err}");
    let err = import_onnx(&b"not an onnx file"[..], &ImportOptions::default()).unwrap_err();
    assert!(matches!(err, ModelError::Tract { .. }), "{err}");
    assert!(matches!(
        parse_input_json("{\"input\": 1}", "x.json").unwrap_err(),
        ModelError::Json { .. }
    ));
    assert!(matches!(
        load_input_json("/nonexistent.json").unwrap_err(),
        ModelError::Io { .. }
    ));
}

/// A quantized graph read from an untrusted file is checked before it runs: no panic.
#[test]
fn malformed_quant_graph_is_rejected() {
    let (g, x) = mlp();
    let cal = calibrate(&g, &x, &QuantConfig::default()).unwrap();
    let qg = quantize(&g, &cal).unwrap();
    let q = qg.quantize_input(&x[0]).unwrap();
    let mut bad = qg.clone();
    for n in &mut bad.nodes {
        if let QOp::MatMulConst { weight, .. } = &mut n.op {
            weight.shape = vec![5];
        }
    }
    let r = bad.execute(&q);
    assert!(
        matches!(r, Err(ModelError::Invalid { .. })),
        "{:?}",
        r.err()
    );
    let mut bad = qg.clone();
    bad.nodes[1].inputs = vec![999];
    assert!(matches!(bad.execute(&q), Err(ModelError::Invalid { .. })));
    let mut bad = qg.clone();
    bad.tensors[1].bound = 1; // a stored bound below the analysis
    assert!(matches!(bad.execute(&q), Err(ModelError::Invalid { .. })));
    let mut bad = qg;
    bad.nodes.swap(0, 1); // not topological
    assert!(matches!(bad.execute(&q), Err(ModelError::Invalid { .. })));
}

/// EZKL's calibration files put `k` samples in one `input_data` row of `k` times the input's
/// size (issue 15, item 2): calibrating on such a row is calibrating on the `k` samples; a row
/// whose length is not a multiple of the input's size is a typed error naming the input.
#[test]
fn a_row_of_k_inputs_is_k_samples() {
    let (g, x) = mlp();
    let n = x[0].len();
    let mut rows: Vec<Vec<f32>> = (0..3)
        .map(|k| x[0].iter().map(|v| v * (1.0 + k as f32)).collect())
        .collect();
    let cfg = QuantConfig::default();
    let separate = calibrate(&g, &rows, &cfg).unwrap();
    let one_row = vec![rows.concat()];
    let joined = calibrate(&g, &one_row, &cfg).unwrap();
    assert_eq!(separate.max_abs, joined.max_abs);
    assert_eq!(separate.scales, joined.scales);
    // The largest sample alone gives the same calibration only by accident: the row really is
    // read as three samples, not as its first one.
    let first = calibrate(&g, &rows[..1], &cfg).unwrap();
    assert_ne!(first.max_abs, joined.max_abs);
    assert_eq!(g.split_samples(&one_row).unwrap(), rows);

    rows[1].pop();
    for bad in [vec![rows[1].clone()], vec![Vec::new()]] {
        match calibrate(&g, &bad, &cfg) {
            Err(ModelError::InputLength { expected, got, .. }) => {
                assert_eq!((expected, got), (n, bad[0].len()));
            }
            other => panic!("expected InputLength, got {other:?}"),
        }
    }
}
