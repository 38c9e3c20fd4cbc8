//! Transformer blocks quantized into the integer primitives: a single-head attention block built
//! in code, the PyTorch/ONNX fixtures (GPT-2, BERT, hand-built blocks) against onnxruntime, and
//! ArgMax/Gather/Where imports.

mod common;

use common::*;
use zkinfer_model::builder::{OnnxBuilder, attr_int, attr_ints};
use zkinfer_model::*;

/// LN → single-head attention (Q·Kᵀ/4, softmax, ·V) → residual → LN → MLP with GELU (erf form
/// decomposed) → residual, on `[1, 8, 16]`.
fn attention_block() -> Vec<u8> {
    let (t, d) = (8, 16);
    let mut b = OnnxBuilder::new(&[1, t, d]);
    let ln = |b: &mut OnnxBuilder, x: &str| {
        let g: Vec<f32> = b.uniform(d, 0.3).iter().map(|v| 1.0 + v).collect();
        let g = b.constant("gamma", &[d], g);
        let be = b.uniform(d, 0.1);
        let be = b.constant("beta", &[d], be);
        b.node(
            "LayerNormalization",
            &[x, &g, &be],
            vec![attr_int("axis", -1)],
        )
    };
    let lin = |b: &mut OnnxBuilder, x: &str, k: usize, n: usize| {
        let w = b.uniform(k * n, (3.0 / k as f32).sqrt());
        let w = b.constant("w", &[k, n], w);
        let y = b.node("MatMul", &[x, &w], vec![]);
        let bias = b.uniform(n, 0.1);
        let bias = b.constant("b", &[n], bias);
        b.node("Add", &[&y, &bias], vec![])
    };
    let h = ln(&mut b, "input");
    let q = lin(&mut b, &h, d, d);
    let k = lin(&mut b, &h, d, d);
    let v = lin(&mut b, &h, d, d);
    let kt = b.node("Transpose", &[&k], vec![attr_ints("perm", &[0, 2, 1])]);
    let s = b.node("MatMul", &[&q, &kt], vec![]);
    let c = b.constant("scale", &[], vec![0.25]);
    let s = b.node("Mul", &[&s, &c], vec![]);
    let p = b.node("Softmax", &[&s], vec![attr_int("axis", -1)]);
    let a = b.node("MatMul", &[&p, &v], vec![]);
    let a = lin(&mut b, &a, d, d);
    let x = b.node("Add", &["input", &a], vec![]);
    let h = ln(&mut b, &x);
    let h = lin(&mut b, &h, d, 2 * d);
    let r2 = b.constant("sqrt2", &[], vec![std::f32::consts::SQRT_2]);
    let e = b.node("Div", &[&h, &r2], vec![]);
    let e = b.node("Erf", &[&e], vec![]);
    let one = b.constant("one", &[], vec![1.0]);
    let e = b.node("Add", &[&e, &one], vec![]);
    let e = b.node("Mul", &[&h, &e], vec![]);
    let half = b.constant("half", &[], vec![0.5]);
    let e = b.node("Mul", &[&e, &half], vec![]);
    let m = lin(&mut b, &e, 2 * d, d);
    let y = b.node("Add", &[&x, &m], vec![]);
    b.build(&y)
}

#[test]
fn attention_block_built_in_code() {
    let g = import_onnx(&attention_block(), &ImportOptions::default()).unwrap();
    let mut b = OnnxBuilder::new(&[1]);
    let samples: Vec<Vec<f32>> = (0..10).map(|_| b.uniform(8 * 16, 2.0)).collect();
    for s in &samples {
        assert!(max_abs_diff(&g.run_float(s).unwrap(), &g.eval(s).unwrap()[g.output]) < 1e-4);
    }
    let cal = calibrate(&g, &samples[..6], &QuantConfig::default()).unwrap();
    let qg = quantize(&g, &cal).unwrap();
    let ops: Vec<&QOp> = qg.nodes.iter().map(|n| &n.op).collect();
    // The recipes' primitives are all there, GELU as one table.
    for want in ["MatMul", "ReduceMax", "Div", "Isqrt", "Mul"] {
        assert!(
            ops.iter().any(|o| format!("{o:?}").starts_with(want)),
            "no {want}"
        );
    }
    let tables: Vec<_> = ops
        .iter()
        .filter_map(|o| match o {
            QOp::Table { func, .. } => Some(*func),
            _ => None,
        })
        .collect();
    assert_eq!(tables, [TableFn::Exp, TableFn::GeluErf]);
    let r = error_report(&g, &qg, &samples[6..]).unwrap();
    println!("attention block:\n{r}");
    // Within 1% of the output range on fresh inputs.
    assert!(r.output.max_abs <= 0.01 * r.output.range, "{r}");
    // Per-token argmax over the features agrees.
    for s in &samples[6..] {
        let f = g.eval(s).unwrap()[g.output].clone();
        let q = qg.dequantize_output(&qg.execute(&qg.quantize_input(s).unwrap()).unwrap());
        for (a, b) in f.chunks(16).zip(q.chunks(16)) {
            assert_eq!(argmax(a), argmax(b));
        }
    }
}

/// A fixture against onnxruntime's output, calibrated on `cal` extra inputs (or perturbations).
fn fixture_error(name: &str) -> (f32, f32, ErrorReport) {
    let g = import_onnx(&fixture(&format!("{name}.onnx")), &ImportOptions::default()).unwrap();
    let inputs = load_input_json(fixture(&format!("{name}.input.json"))).unwrap();
    let exp = expected(name);
    let mut cal_set = inputs.clone();
    match load_input_json(fixture(&format!("{name}.calib.json"))) {
        Ok(c) => cal_set.extend(c),
        Err(_) => cal_set.extend((1..8).map(|s| perturb(&inputs[0], s, 0.1))),
    }
    let cal = calibrate(&g, &cal_set, &QuantConfig::default()).unwrap();
    let qg = quantize(&g, &cal).unwrap();
    let tr = qg.execute(&qg.quantize_input(&inputs[0]).unwrap()).unwrap();
    let out = qg.dequantize_output(&tr);
    let e = &exp.output_data[0];
    let range = e.iter().fold(0f32, |a, v| a.max(v.abs()));
    let r = error_report(&g, &qg, &cal_set).unwrap();
    println!(
        "{name}: vs onnxruntime max abs {:.3e}, range {range:.3}\n{r}",
        max_abs_diff(&out, e)
    );
    (max_abs_diff(&out, e), range, r)
}

#[test]
fn gpt2_mini_quantized_matches_onnxruntime() {
    let (err, range, r) = fixture_error("gpt2_mini_emb");
    // Measured 9.4e-4 on a range of 0.74: within 0.5% of the range.
    assert!(err <= 0.005 * range, "{err}");
    assert_eq!(r.argmax_agreement, 1.0);
}

#[test]
fn bert_mini_quantized_matches_onnxruntime() {
    // The input embeddings span ±0.1 and are quantized at the default cap of 12 fractional bits
    // (≈ 400 levels); the first LayerNorm amplifies that to ≈ 0.3% of the output range.
    let (err, range, r) = fixture_error("bert_mini_emb");
    assert!(err <= 0.01 * range, "{err}");
    assert_eq!(r.argmax_agreement, 1.0);
}

#[test]
fn transformer_fixtures_quantized_match_onnxruntime() {
    for name in [
        "transformer/attn_1head",
        "transformer/gpt2_block_d64_h2",
        "transformer/gpt2_block_d128_h4",
    ] {
        let (err, range, r) = fixture_error(name);
        // Measured ≤ 3.7e-3 on ranges ≈ 4-5.3 (< 0.1%).
        assert!(err <= 0.005 * range, "{name}: {err}");
        assert!(r.output.max_abs <= 0.005 * r.output.range, "{name}: {r}");
    }
}

/// The causal mask appears as a MulConst/AddConst pair (Where) or an AddConst of 0 / -huge:
/// masked probabilities are exactly 0 in the integer trace.
#[test]
fn masked_softmax_gives_exact_zeros() {
    let g = import_onnx(
        &fixture("transformer/gpt2_block_d64_h2.onnx"),
        &ImportOptions::default(),
    )
    .unwrap();
    let inputs = load_input_json(fixture("transformer/gpt2_block_d64_h2.input.json")).unwrap();
    let cal = calibrate(&g, &inputs, &QuantConfig::default()).unwrap();
    let qg = quantize(&g, &cal).unwrap();
    let tr = qg.execute(&qg.quantize_input(&inputs[0]).unwrap()).unwrap();
    let p = qg
        .nodes
        .iter()
        .find(|n| matches!(n.op, QOp::Div { .. }) && n.name.contains("Softmax"))
        .unwrap();
    let shape = &qg.tensors[p.output].shape;
    let t = shape[shape.len() - 1];
    let vals = &tr.values[p.output];
    let one = 1i64 << qg.tensors[p.output].scale;
    for (r, row) in vals.chunks(t).enumerate() {
        let i = r % t;
        assert!(row[i + 1..].iter().all(|&v| v == 0), "row {r}: {row:?}");
        let s: i64 = row.iter().sum();
        assert!((one - s).abs() <= t as i64, "row {r} sums to {s}");
    }
}

#[test]
fn argmax_and_gather_import_and_quantize() {
    // input [1, 4, 6] -> Gather(axis 2, [5, 0, 3]) -> ArgMax(axis 2, keepdims 1).
    let mut b = OnnxBuilder::new(&[1, 4, 6]);
    let idx = b.constant("idx", &[3], vec![5.0, 0.0, -3.0]);
    // Gather needs int64 indices: Cast the float constant.
    let idx = b.node("Cast", &[&idx], vec![attr_int("to", 7)]);
    let x = b.node("Gather", &["input", &idx], vec![attr_int("axis", 2)]);
    let y = b.node(
        "ArgMax",
        &[&x],
        vec![attr_int("axis", 2), attr_int("keepdims", 1)],
    );
    let g = import_onnx(&b.build(&y), &ImportOptions::default()).unwrap();
    let names: Vec<&str> = g.nodes.iter().map(|n| n.op.name()).collect();
    assert_eq!(names, ["Gather", "ArgMax"]);
    // Ties go to the lowest index: row 0 is [7, 7, 1] after the gather.
    let mut x = vec![0f32; 24];
    x[..6].copy_from_slice(&[7.0, 0.0, 0.0, 1.0, 0.0, 7.0]);
    x[6..12].copy_from_slice(&[0.0, 0.0, 0.0, 9.0, 0.0, -1.0]);
    let f = g.eval(&x).unwrap()[g.output].clone();
    assert_eq!(f, [0.0, 2.0, 0.0, 0.0]);
    assert_eq!(g.run_float(&x).unwrap(), f);
    let cal = calibrate(&g, std::slice::from_ref(&x), &QuantConfig::default()).unwrap();
    let qg = quantize(&g, &cal).unwrap();
    let tr = qg.execute(&qg.quantize_input(&x).unwrap()).unwrap();
    assert_eq!(tr.values[qg.output], [0, 2, 0, 0]);
    assert_eq!(qg.tensors[qg.output].scale, 0);
}

#[test]
fn division_of_two_activations_is_float_only() {
    let mut b = OnnxBuilder::new(&[1, 4]);
    let e = b.node("Exp", &["input"], vec![]);
    let y = b.node("Div", &["input", &e], vec![]);
    let g = import_onnx(&b.build(&y), &ImportOptions::default()).unwrap();
    let x = [0.5f32, -1.0, 2.0, 0.0];
    let f = g.eval(&x).unwrap()[g.output].clone();
    assert!((f[1] + std::f32::consts::E).abs() < 1e-5);
    let cal = calibrate(&g, &[x.to_vec()], &QuantConfig::default()).unwrap();
    let err = quantize(&g, &cal).unwrap_err();
    assert!(
        matches!(&err, ModelError::UnsupportedOp { op, .. } if op == "Div" || op == "Recip"),
        "{err}"
    );
}

#[test]
fn a_lone_pow_is_unsupported_with_a_clear_message() {
    let mut b = OnnxBuilder::new(&[1, 4]);
    let p = b.constant("p", &[], vec![3.0]);
    let y = b.node("Pow", &["input", &p], vec![]);
    let z = b.node("Relu", &["input"], vec![]);
    let y = b.node("Add", &[&y, &z], vec![]);
    let y = b.node("Exp", &[&y], vec![]);
    let w = b.node("Sigmoid", &["input"], vec![]);
    let y = b.node("Add", &[&y, &w], vec![]);
    let g = import_onnx(&b.build(&y), &ImportOptions::default()).unwrap();
    let cal = calibrate(&g, &[vec![0.5, -1.0, 0.2, 0.1]], &QuantConfig::default()).unwrap();
    let err = quantize(&g, &cal).unwrap_err();
    assert!(
        matches!(&err, ModelError::UnsupportedOp { op, detail, .. } if op == "Pow" && detail.contains("elementwise")),
        "{err}"
    );
}

/// `1 / (1 + e^-x)` spelled out with Recip fuses into one Sigmoid table.
#[test]
fn decomposed_sigmoid_fuses_into_one_table() {
    let mut b = OnnxBuilder::new(&[1, 4]);
    let m1 = b.constant("m1", &[], vec![-1.0]);
    let y = b.node("Mul", &["input", &m1], vec![]);
    let y = b.node("Exp", &[&y], vec![]);
    let one = b.constant("one", &[], vec![1.0]);
    let y = b.node("Add", &[&y, &one], vec![]);
    let y = b.node("Div", &[&one, &y], vec![]);
    let g = import_onnx(&b.build(&y), &ImportOptions::default()).unwrap();
    let x = vec![0.5f32, -1.0, 2.0, 0.0];
    let cal = calibrate(&g, std::slice::from_ref(&x), &QuantConfig::default()).unwrap();
    let qg = quantize(&g, &cal).unwrap();
    assert!(
        qg.nodes.iter().any(|n| matches!(
            n.op,
            QOp::Table {
                func: TableFn::Sigmoid,
                ..
            }
        )),
        "{:?}",
        qg.nodes
    );
    let r = error_report(&g, &qg, &[x]).unwrap();
    assert!(r.output.max_abs < 1e-3, "{r}");
}
