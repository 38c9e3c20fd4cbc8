//! Models with several graph inputs (`scripts/make_multi_input.py`), end to end through the
//! library: the inputs packed into one public input (EZKL's one list per graph input), proved
//! and verified; token ids at an offset of the packed input checked against their own table by
//! the verifier; wrong input files refused with the input's name.

use std::path::PathBuf;

use zkinfer::{Error, compile_graph, prove, prover_input, setup, verify};
use zkinfer_model::{ImportOptions, OnnxSource, QuantConfig, argmax, calibrate, import_onnx};
use zkinfer_proof::InputVisibility;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../zkinfer-model/tests/fixtures")
        .join(name)
}

fn keys(name: &str) -> (zkinfer::ProverKey, zkinfer::VerifyingKey, Vec<Vec<f32>>) {
    keys_with(name, InputVisibility::Public)
}

fn keys_with(
    name: &str,
    vis: InputVisibility,
) -> (zkinfer::ProverKey, zkinfer::VerifyingKey, Vec<Vec<f32>>) {
    let graph = import_onnx(
        OnnxSource::Path(&fixture(&format!("{name}.onnx"))),
        &ImportOptions::default(),
    )
    .expect("imports");
    let calib = zkinfer::read_inputs(&fixture(&format!("{name}.calib.json"))).expect("calib");
    let cal = calibrate(&graph, &calib, &QuantConfig::default()).expect("calibrates");
    let c = compile_graph(&graph, &cal, vis).expect("compiles");
    let (pk, vk) = setup(&c).expect("setup");
    let rows = zkinfer::read_inputs(&fixture(&format!("{name}.input.json"))).expect("input");
    (pk, vk, rows)
}

fn expected(name: &str) -> Vec<f32> {
    let v: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixture(&format!("{name}.expected.json"))).expect("expected"),
    )
    .expect("json");
    v["output_data"][0]
        .as_array()
        .expect("output")
        .iter()
        .map(|x| x.as_f64().expect("number") as f32)
        .collect()
}

#[test]
fn two_float_inputs_prove_and_verify() {
    let (pk, vk, rows) = keys("two_floats");
    let x = prover_input(&pk, &rows).expect("packs");
    assert_eq!(x.len(), 12);
    let (proof, out) = prove(&pk, &x).expect("proves");
    let want = expected("two_floats");
    assert_eq!(argmax(&out.output_data[0]), argmax(&want));
    let d = out.output_data[0]
        .iter()
        .zip(&want)
        .fold(0f32, |m, (a, b)| m.max((a - b).abs()));
    assert!(d < 0.02, "proven output vs onnxruntime {d}");
    let v = verify(&vk, &proof, Some(&x)).expect("verifies");
    assert_eq!(v.output_ints, out.output_ints);
    // The proof presented for another second input is rejected.
    let mut other = x.clone();
    other[10] += 0.5;
    assert!(matches!(
        verify(&vk, &proof, Some(&other)),
        Err(Error::Rejected(_))
    ));
    // One list for two inputs, a list of the wrong length: errors naming the input.
    let e = prover_input(&pk, &rows[..1]).unwrap_err();
    assert_eq!(e.exit_code(), 4);
    assert!(e.to_string().contains("2 inputs"), "{e}");
    let mut bad = rows.clone();
    bad[0].push(0.0);
    let e = prover_input(&pk, &bad).unwrap_err().to_string();
    assert!(
        e.contains("input 0 `x`") && e.contains("takes 8 values"),
        "{e}"
    );
    let e = verify(&vk, &proof, Some(&x[..11])).unwrap_err().to_string();
    assert!(e.contains("the inputs (x, y) as one flat list each"), "{e}");
}

#[test]
fn token_ids_at_an_offset_prove_and_are_checked_against_their_own_table() {
    let (pk, vk, rows) = keys("bert_types");
    let x = prover_input(&pk, &rows).expect("packs");
    let (proof, out) = prove(&pk, &x).expect("proves");
    let v = verify(&vk, &proof, Some(&x)).expect("verifies");
    assert_eq!(v.output_ints, out.output_ints);
    // token_type_ids start at offset 8 and index a 4-row table: an id of 4 there is out of
    // range (though input_ids take 128), before proving and in the verifier's input check.
    let mut bad = x.clone();
    bad[8 + 5] = 4.0;
    let e = prove(&pk, &bad).unwrap_err().to_string();
    assert!(
        e.contains("token id 4 at position 5 of input `token_type_ids`"),
        "{e}"
    );
    let e = verify(&vk, &proof, Some(&bad)).unwrap_err().to_string();
    assert!(
        e.contains("token id 4 at position 5") && e.contains("offset 8"),
        "{e}"
    );
    let mut p = proof.clone();
    let mut ints = p.public_input.clone().expect("public input");
    ints[8 + 5] = 4;
    p.public_input = Some(ints);
    match verify(&vk, &p, None) {
        Err(Error::Rejected(zkinfer_proof::VerifyError::TokenIdOutOfRange {
            position,
            id,
            vocab,
        })) => assert_eq!((position, id, vocab), (13, 4, 4)),
        other => panic!("an out-of-vocabulary id at an offset: {other:?}"),
    }
    // A changed (in-range) id at the offset: the proof is about other ids.
    let mut other = x.clone();
    other[8 + 5] = (other[8 + 5] + 1.0) % 4.0;
    assert!(matches!(
        verify(&vk, &proof, Some(&other)),
        Err(Error::Rejected(_))
    ));
}

#[test]
fn bert_fed_ids_and_an_attention_mask_proves_and_verifies() {
    let (pk, vk, rows) = keys("bert_mask");
    let x = prover_input(&pk, &rows).expect("packs");
    assert_eq!(&x[8..], [1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0]);
    let (proof, out) = prove(&pk, &x).expect("proves");
    let want = expected("bert_mask");
    let d = out.output_data[0]
        .iter()
        .zip(&want)
        .fold(0f32, |m, (a, b)| m.max((a - b).abs()));
    assert!(d < 0.05, "proven output vs onnxruntime {d}");
    let v = verify(&vk, &proof, Some(&x)).expect("verifies");
    assert_eq!(v.output_ints, out.output_ints);
    // A changed mask value: as the verifier's expected input, and in the proof's public input.
    let mut other = x.clone();
    other[8 + 6] = 1.0;
    assert!(matches!(
        verify(&vk, &proof, Some(&other)),
        Err(Error::Rejected(_))
    ));
    let mut p = proof.clone();
    let mut ints = p.public_input.clone().expect("public input");
    ints[8 + 6] = 1;
    p.public_input = Some(ints.clone());
    assert!(matches!(verify(&vk, &p, None), Err(Error::Rejected(_))));
    // A mask value other than 0/1 in the public input: refused by the verifier's input check.
    ints[8 + 6] = 2;
    p.public_input = Some(ints);
    match verify(&vk, &p, None) {
        Err(Error::Rejected(zkinfer_proof::VerifyError::InputOutOfRange {
            index,
            value,
            min,
            max,
        })) => assert_eq!((index, value, min, max), (14, 2, 0, 1)),
        other => panic!("a mask value of 2: {other:?}"),
    }
    // An out-of-vocabulary id (input_ids: 128 rows, at offset 0) and a mask of 2, before proving.
    let mut bad = x.clone();
    bad[3] = 128.0;
    let e = prove(&pk, &bad).unwrap_err().to_string();
    assert!(
        e.contains("token id 128 at position 3 of input `input_ids`"),
        "{e}"
    );
    let mut bad = x.clone();
    bad[9] = 2.0;
    let e = prove(&pk, &bad).unwrap_err();
    assert_eq!(e.exit_code(), 4);
    assert!(
        e.to_string()
            .contains("`attention_mask` is an attention mask"),
        "{e}"
    );
    let e = verify(&vk, &proof, Some(&bad)).unwrap_err().to_string();
    assert!(
        e.contains("attention mask at offset 8 holds 2 at position 1"),
        "{e}"
    );
    let mut bad = x.clone();
    bad[2] = 0.5;
    let e = verify(&vk, &proof, Some(&bad)).unwrap_err().to_string();
    assert!(e.contains("position 2 holds 0.5"), "{e}");
}

#[test]
fn two_private_float_inputs_prove_and_verify() {
    let (pk, vk, rows) = keys_with("two_floats", InputVisibility::Private);
    let x = prover_input(&pk, &rows).expect("packs");
    let (proof, out) = prove(&pk, &x).expect("proves");
    assert!(proof.public_input.is_none());
    let v = verify(&vk, &proof, None).expect("verifies");
    assert_eq!(v.output_ints, out.output_ints);
}

#[test]
fn gpt2_fed_ids_and_an_attention_mask_proves_and_verifies() {
    let (pk, vk, rows) = keys("gpt2_mask");
    let x = prover_input(&pk, &rows).expect("packs");
    assert_eq!(&x[14..], [0.0, 0.0], "the last two positions are padding");
    let (proof, out) = prove(&pk, &x).expect("proves");
    let want = expected("gpt2_mask");
    // The next token after the last attended position (6), as onnxruntime has it.
    let at = |v: &[f32]| argmax(&v[6 * 128..7 * 128]);
    assert_eq!(at(&out.output_data[0]), at(&want));
    let v = verify(&vk, &proof, Some(&x)).expect("verifies");
    assert_eq!(v.output_ints, out.output_ints);
}
