//! A model fed int64 token ids: the 2-layer GPT-2 of `scripts/make_gpt2_ids.py` imports with
//! its ids input and `wte` lookup, runs in float as onnxruntime does, quantizes with the ids
//! taken as they are, and refuses ids outside the vocabulary and ids that are not integers.

use std::path::PathBuf;

use zkinfer_model::{
    ImportOptions, InputKind, ModelError, OnnxSource, Op, QOp, QuantConfig, argmax, calibrate,
    error_report, import_onnx, load_input_json, quantize,
};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn expected() -> (Vec<f32>, usize) {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("gpt2_ids.expected.json")).unwrap())
            .unwrap();
    let out = v["output_data"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect();
    (out, v["next_token"].as_u64().unwrap() as usize)
}

fn graph() -> zkinfer_model::Graph {
    import_onnx(
        OnnxSource::Path(&fixture("gpt2_ids.onnx")),
        &ImportOptions::default(),
    )
    .expect("imports")
}

#[test]
fn gpt2_fed_ids_imports_runs_and_quantizes() {
    let g = graph();
    assert_eq!(g.input_kind, InputKind::TokenIds { vocab: 512 });
    let emb: Vec<_> = g
        .nodes
        .iter()
        .filter(|n| matches!(n.op, Op::Embedding { .. }))
        .collect();
    assert_eq!(
        emb.len(),
        1,
        "one lookup: wte (wpe's constant Gather folds)"
    );
    let ids = load_input_json(fixture("gpt2_ids.input.json")).unwrap()[0].clone();
    let (want, next) = expected();
    let tract = g.run_float(&ids).expect("tract runs");
    let ours = g.eval(&ids).expect("float IR")[g.output].clone();
    for got in [&tract, &ours] {
        let d = got
            .iter()
            .zip(&want)
            .fold(0f32, |m, (a, b)| m.max((a - b).abs()));
        assert!(d < 1e-3, "max abs diff {d} from onnxruntime");
    }
    let last = &ours[15 * 512..];
    assert_eq!(argmax(last), next);

    let calib = load_input_json(fixture("gpt2_ids.calib.json")).unwrap();
    let cal = calibrate(&g, &calib, &QuantConfig::default()).expect("calibrates");
    let q = quantize(&g, &cal).expect("quantizes");
    assert_eq!(q.input_kind, InputKind::TokenIds { vocab: 512 });
    assert_eq!(q.tensors[q.input].scale, 0, "ids are not quantized");
    assert!(
        q.nodes
            .iter()
            .any(|n| matches!(n.op, QOp::Embedding { .. }))
    );
    let qi = q.quantize_input(&ids).unwrap();
    assert_eq!(qi, ids.iter().map(|&v| v as i64).collect::<Vec<_>>());
    let tr = q.execute(&qi).expect("runs");
    let qo = q.dequantize_output(&tr);
    assert_eq!(argmax(&qo[15 * 512..]), next, "quantized next token");
    let report = error_report(&g, &q, std::slice::from_ref(&ids)).unwrap();
    assert!(report.output.max_abs < 0.05, "{report}");
}

#[test]
fn bad_token_ids_are_refused_with_their_position() {
    let g = graph();
    let ids = load_input_json(fixture("gpt2_ids.input.json")).unwrap()[0].clone();
    let cal = calibrate(&g, std::slice::from_ref(&ids), &QuantConfig::default()).unwrap();
    let q = quantize(&g, &cal).unwrap();
    let mut out = ids.clone();
    out[5] = 512.0;
    for e in [
        g.eval(&out).unwrap_err(),
        q.quantize_input(&out).unwrap_err(),
        calibrate(&g, &[out.clone()], &QuantConfig::default()).unwrap_err(),
    ] {
        assert!(
            matches!(
                e,
                ModelError::TokenId {
                    position: 5,
                    vocab: 512,
                    ..
                }
            ),
            "{e}"
        );
        let m = e.to_string();
        assert!(
            m.contains("token id 512 at position 5") && m.contains("[0, 512)"),
            "{m}"
        );
    }
    let mut neg = ids.clone();
    neg[0] = -3.0;
    assert!(matches!(
        q.quantize_input(&neg),
        Err(ModelError::TokenId { position: 0, .. })
    ));
    // The interpreter checks ids it is handed directly, too.
    let mut qi = q.quantize_input(&ids).unwrap();
    qi[2] = 600;
    assert!(matches!(
        q.execute(&qi),
        Err(ModelError::TokenId { position: 2, .. })
    ));
    let mut frac = ids.clone();
    frac[7] = 12.5;
    for e in [
        g.eval(&frac).unwrap_err(),
        q.quantize_input(&frac).unwrap_err(),
    ] {
        assert!(
            matches!(e, ModelError::NotInteger { position: 7, .. }),
            "{e}"
        );
        assert!(e.to_string().contains("integer token ids"), "{e}");
    }
}
