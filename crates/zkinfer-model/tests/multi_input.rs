//! Models with several graph inputs (`scripts/make_multi_input.py`): the inputs are packed into
//! one input tensor (a slice each), EZKL's input layout (one flat list per graph input) is read
//! and checked per input, and the quantized models agree with onnxruntime.

mod common;

use common::{expected, fixture, max_abs_diff};
use zkinfer_model::{
    ImportOptions, InputKind, ModelError, OnnxSource, QuantConfig, argmax, calibrate, import_onnx,
    load_input_json, pack_sample, quantize,
};

fn graph(name: &str) -> zkinfer_model::Graph {
    import_onnx(
        OnnxSource::Path(&fixture(&format!("{name}.onnx"))),
        &ImportOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{name} imports: {e}"))
}

fn rows(file: &str) -> Vec<Vec<f32>> {
    load_input_json(fixture(file)).unwrap()
}

/// Imports, runs in float as onnxruntime does, calibrates on the multi-input calibration file,
/// quantizes and runs the integer model; returns (max |quantized − onnxruntime|, argmax
/// agreement per row of the last axis).
fn check_model(name: &str, float_tol: f32) -> (f32, f32) {
    let g = graph(name);
    let x = pack_sample(&g.input_parts(), &rows(&format!("{name}.input.json"))).unwrap();
    let want = expected(name);
    let want = &want.output_data[0];
    let tract = g.run_float(&x).expect("tract runs");
    let ours = g.eval(&x).expect("float IR")[g.output].clone();
    for got in [&tract, &ours] {
        let d = max_abs_diff(got, want);
        assert!(
            d < float_tol,
            "{name}: float differs from onnxruntime by {d}"
        );
    }
    let cal = calibrate(
        &g,
        &rows(&format!("{name}.calib.json")),
        &QuantConfig::default(),
    )
    .expect("calibrates on EZKL's multi-input layout");
    let q = quantize(&g, &cal).expect("quantizes");
    assert_eq!(q.input_parts, g.inputs);
    let qi = q.quantize_input(&x).unwrap();
    let tr = q.execute(&qi).expect("runs");
    let got = q.dequantize_output(&tr);
    let n = *g.output_shape().last().unwrap();
    let rows = want.len() / n;
    let agree = (0..rows)
        .filter(|r| argmax(&got[r * n..(r + 1) * n]) == argmax(&want[r * n..(r + 1) * n]))
        .count();
    (max_abs_diff(&got, want), agree as f32 / rows as f32)
}

#[test]
fn two_float_inputs_pack_into_one_and_match_onnxruntime() {
    let g = graph("two_floats");
    assert_eq!(g.tensors[g.input].name, "packed(x, y)");
    assert_eq!(g.tensors[g.input].shape, [12]);
    let parts = g.input_parts();
    assert_eq!(
        parts
            .iter()
            .map(|p| (p.name.as_str(), p.offset))
            .collect::<Vec<_>>(),
        [("x", 0), ("y", 8)]
    );
    assert!(parts.iter().all(|p| p.kind == InputKind::Float));
    let (err, agree) = check_model("two_floats", 1e-5);
    assert!(err < 0.02, "quantized vs onnxruntime {err}");
    assert_eq!(agree, 1.0);
}

#[test]
fn two_token_id_inputs_index_their_tables_at_their_offsets() {
    let g = graph("bert_types");
    let kinds: Vec<_> = g.input_parts().iter().map(|p| (p.offset, p.kind)).collect();
    assert_eq!(
        kinds,
        [
            (0, InputKind::TokenIds { vocab: 128 }),
            (8, InputKind::TokenIds { vocab: 4 })
        ]
    );
    assert_eq!(g.input_kind, InputKind::TokenIds { vocab: 4 });
    let (err, agree) = check_model("bert_types", 1e-4);
    assert!(err < 0.1, "quantized vs onnxruntime {err}");
    assert!(agree >= 0.85, "argmax agreement {agree}");
}

#[test]
fn input_json_errors_name_the_input_and_the_fix() {
    let g = graph("two_floats");
    let parts = g.input_parts();
    let one = rows("two_floats.input.json");
    // One list for two inputs.
    let e = pack_sample(&parts, &one[..1]).unwrap_err();
    assert!(
        matches!(
            e,
            ModelError::InputCount {
                expected: 2,
                got: 1,
                ..
            }
        ),
        "{e}"
    );
    let m = e.to_string();
    assert!(
        m.contains("`x` [1, 8]") && m.contains("one flat list per graph input"),
        "{m}"
    );
    // A list of the wrong length.
    let mut bad = one.clone();
    bad[1].pop();
    let m = pack_sample(&parts, &bad).unwrap_err().to_string();
    assert!(
        m.contains("input 1 `y`") && m.contains("takes 4 values") && m.contains("holds 3"),
        "{m}"
    );
    // Different sample counts.
    let mut bad = one.clone();
    bad[1].extend(one[1].clone());
    let m = g.split_samples(&bad).unwrap_err().to_string();
    assert!(m.contains("2 samples, the inputs before it 1"), "{m}");
    // Calibration with k samples per list.
    let calib = rows("two_floats.calib.json");
    assert_eq!(g.split_samples(&calib).unwrap().len(), 8);
    // NaN names the input.
    let mut x = pack_sample(&parts, &one).unwrap();
    x[9] = f32::NAN;
    let m = g.eval(&x).unwrap_err().to_string();
    assert!(m.contains("`y`") && m.contains("index 1"), "{m}");

    let g = graph("bert_types");
    let parts = g.input_parts();
    let one = rows("bert_types.input.json");
    let mut bad = one.clone();
    bad[1][2] = 1.5;
    let x = bad.concat();
    let m = g.eval(&x).unwrap_err().to_string();
    assert!(
        m.contains("`token_type_ids`") && m.contains("position 2 holds 1.5"),
        "{m}"
    );
    bad[1][2] = 4.0;
    let m = g.eval(&bad.concat()).unwrap_err().to_string();
    assert!(
        m.contains("token id 4 at position 2 of input `token_type_ids`") && m.contains("[0, 4)"),
        "{m}"
    );
    let cal = calibrate(&g, &rows("bert_types.calib.json"), &QuantConfig::default()).unwrap();
    let q = quantize(&g, &cal).unwrap();
    let m = q.quantize_input(&bad.concat()).unwrap_err().to_string();
    assert!(
        m.contains("token id 4 at position 2 of input `token_type_ids`"),
        "{m}"
    );
    let mut xi = q
        .quantize_input(&pack_sample(&parts, &one).unwrap())
        .unwrap();
    xi[10] = 4;
    assert!(
        q.execute(&xi).is_err(),
        "an id beyond the second table's 4 rows"
    );
}

#[test]
fn bert_fed_ids_and_an_attention_mask_matches_onnxruntime() {
    let g = graph("bert_mask");
    let kinds: Vec<_> = g.input_parts().iter().map(|p| p.kind).collect();
    assert_eq!(kinds, [InputKind::TokenIds { vocab: 128 }, InputKind::Mask]);
    let (err, agree) = check_model("bert_mask", 1e-4);
    assert!(err < 0.1, "quantized vs onnxruntime {err}");
    assert!(agree >= 0.85, "argmax agreement {agree}");
}

#[test]
fn gpt2_fed_ids_and_an_attention_mask_matches_onnxruntime() {
    let (err, agree) = check_model("gpt2_mask", 1e-4);
    assert!(err < 0.1, "quantized vs onnxruntime {err}");
    assert!(agree >= 0.85, "argmax agreement {agree}");
}

/// The classic extended mask of older exporters, `(1.0 − mask)·finfo.min` added to the scores:
/// the same masked softmax (no `finfo.min`-sized constant is quantized).
#[test]
fn the_classic_one_minus_mask_times_min_pattern_matches_onnxruntime() {
    let (err, agree) = check_model("mask_classic", 1e-4);
    assert!(err < 0.05, "quantized vs onnxruntime {err}");
    assert!(agree >= 0.85, "argmax agreement {agree}");
    let g = graph("mask_classic");
    let cal = calibrate(
        &g,
        &rows("mask_classic.calib.json"),
        &QuantConfig::default(),
    )
    .unwrap();
    let q = quantize(&g, &cal).unwrap();
    assert!(
        q.tensors.iter().any(|t| t.name.contains("/exp_masked")),
        "the softmax is masked by the mask input"
    );
    assert!(
        q.tensors.iter().all(|t| t.scale > -20),
        "no finfo.min-sized scale"
    );
}

/// Masked keys (the last 3 positions of bert_mask's input) get exactly zero attention weight in
/// the integer model, as in onnxruntime; a mask value other than 0/1 is refused naming the input.
#[test]
fn masked_positions_get_zero_attention_weight() {
    let g = graph("bert_mask");
    let cal = calibrate(&g, &rows("bert_mask.calib.json"), &QuantConfig::default()).unwrap();
    let q = quantize(&g, &cal).unwrap();
    let x = pack_sample(&g.input_parts(), &rows("bert_mask.input.json")).unwrap();
    assert_eq!(&x[8..], [1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0]);
    let tr = q.execute(&q.quantize_input(&x).unwrap()).unwrap();
    let p = q
        .nodes
        .iter()
        .find(|n| n.name.ends_with("Softmax") && matches!(n.op, zkinfer_model::QOp::Div { .. }))
        .expect("the softmax's division");
    let probs = &tr.values[p.output];
    assert_eq!(probs.len(), 2 * 8 * 8);
    for row in probs.chunks(8) {
        assert_eq!(&row[5..], [0, 0, 0], "masked keys: {row:?}");
        assert!(row[..5].iter().all(|&v| v > 0), "kept keys: {row:?}");
    }
    let mut bad = x.clone();
    bad[9] = 2.0;
    let m = q.quantize_input(&bad).unwrap_err().to_string();
    assert!(
        m.contains("`attention_mask` is an attention mask") && m.contains("position 1 holds 2"),
        "{m}"
    );
    let m = g.eval(&bad).unwrap_err().to_string();
    assert!(m.contains("give 0 (masked) or 1 (attended)"), "{m}");
    // Every key masked: the softmax has nothing to normalize; an error, not a panic.
    let mut none = x.clone();
    none[8..].iter_mut().for_each(|v| *v = 0.0);
    let e = q.execute(&q.quantize_input(&none).unwrap()).unwrap_err();
    let e = e.to_string();
    assert!(
        e.contains("every key of a softmax row is masked") && e.contains("`attention_mask`"),
        "{e}"
    );
    let mut qi = q.quantize_input(&x).unwrap();
    qi[10] = 3;
    let m = q.execute(&qi).unwrap_err().to_string();
    assert!(
        m.contains("attention_mask") && m.contains("position 2 holds 3"),
        "{m}"
    );
}
