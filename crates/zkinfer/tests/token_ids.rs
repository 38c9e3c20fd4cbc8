//! A 2-layer GPT-2 fed int64 token ids (`scripts/make_gpt2_ids.py` writes the fixture
//! `gpt2_ids`), end to end through the library: import → calibrate → compile → setup → prove →
//! verify, the proven next token equal to onnxruntime's; ids outside the vocabulary and ids that
//! are not integers refused before proving; private ids refused at compile; a tampered
//! embedding message and a proof presented for other ids rejected.

use std::path::PathBuf;

use zkinfer::{Error, compile_graph, prove, setup, verify};
use zkinfer_field::{EF, PrimeCharacteristicRing};
use zkinfer_model::{ImportOptions, OnnxSource, QuantConfig, argmax, calibrate, import_onnx};
use zkinfer_proof::InputVisibility;
use zkinfer_proof::channel::Msg;

const VOCAB: usize = 512;
const SEQ: usize = 16;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../zkinfer-model/tests/fixtures")
        .join(name)
}

struct Fixture {
    graph: zkinfer_model::Graph,
    ids: Vec<f32>,
    calib: Vec<Vec<f32>>,
    next_token: usize,
}

fn load() -> Fixture {
    let graph = import_onnx(
        OnnxSource::Path(&fixture("gpt2_ids.onnx")),
        &ImportOptions::default(),
    )
    .expect("imports");
    let ids = zkinfer::read_inputs(&fixture("gpt2_ids.input.json")).expect("ids")[0].clone();
    let calib = zkinfer::read_inputs(&fixture("gpt2_ids.calib.json")).expect("calibration ids");
    let exp: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("gpt2_ids.expected.json")).expect("expected"),
    )
    .expect("json");
    Fixture {
        graph,
        ids,
        calib,
        next_token: exp["next_token"].as_u64().expect("next_token") as usize,
    }
}

fn compiled(f: &Fixture, vis: InputVisibility) -> Result<zkinfer::CompiledModel, Error> {
    let cal = calibrate(&f.graph, &f.calib, &QuantConfig::default()).expect("calibrates");
    compile_graph(&f.graph, &cal, vis)
}

fn next_token(logits: &[f32]) -> usize {
    argmax(&logits[(SEQ - 1) * VOCAB..SEQ * VOCAB])
}

#[test]
fn gpt2_fed_token_ids_proves_and_verifies() {
    let f = load();
    let c = compiled(&f, InputVisibility::Public).expect("compiles");
    let (pk, vk) = setup(&c).expect("setup");
    let (proof, out) = prove(&pk, &f.ids).expect("proves");
    assert_eq!(out.shape, [1, SEQ, VOCAB]);
    assert_eq!(
        next_token(&out.output_data[0]),
        f.next_token,
        "onnxruntime's next token"
    );
    let v = verify(&vk, &proof, Some(&f.ids)).expect("verifies");
    assert_eq!(v.output_ints, out.output_ints);

    // The embedding is the last node the verifier checks: its sumcheck over the vocabulary's
    // 9 variables and the table's evaluation are the proof's last `Evals` of one value after the
    // last masked sumcheck. Changed, the proof is rejected.
    let last_sumcheck = proof
        .msgs
        .iter()
        .rposition(|m| matches!(m, Msg::MaskedSumcheck(_)))
        .expect("masked sumchecks");
    let eval = last_sumcheck + 1;
    assert!(matches!(&proof.msgs[eval], Msg::Evals(v) if v.len() == 1));
    let mut p = proof.clone();
    if let Msg::Evals(v) = &mut p.msgs[eval] {
        v[0] += EF::ONE;
    }
    assert!(matches!(
        verify(&vk, &p, Some(&f.ids)),
        Err(Error::Rejected(_))
    ));
    let mut p = proof.clone();
    if let Msg::MaskedSumcheck(m) = &mut p.msgs[last_sumcheck] {
        match m.zk.sumcheck.round_polys.first_mut() {
            Some(r) => r[0] += EF::ONE,
            None => m.zk.mask_eval += EF::ONE,
        }
    }
    assert!(matches!(
        verify(&vk, &p, Some(&f.ids)),
        Err(Error::Rejected(_))
    ));

    // The proof presented for other ids: as the verifier's expected input, and as the proof's
    // own public input.
    let mut other = f.ids.clone();
    other[3] = (other[3] + 1.0) % VOCAB as f32;
    assert!(matches!(
        verify(&vk, &proof, Some(&other)),
        Err(Error::Rejected(_))
    ));
    let mut p = proof.clone();
    p.public_input = Some(other.iter().map(|&v| v as i64).collect());
    assert!(matches!(
        verify(&vk, &p, Some(&other)),
        Err(Error::Rejected(_))
    ));
    assert!(matches!(verify(&vk, &p, None), Err(Error::Rejected(_))));

    // Bad ids: refused before proving (and by the verifier's input check), exit code 4.
    let mut out_of_range = f.ids.clone();
    out_of_range[9] = VOCAB as f32;
    let mut fraction = f.ids.clone();
    fraction[2] = 7.5;
    for (bad, needle) in [
        (&out_of_range, "token id 512 at position 9"),
        (&fraction, "position 2 holds 7.5"),
    ] {
        for e in [
            prove(&pk, bad).expect_err("bad ids prove"),
            verify(&vk, &proof, Some(bad)).expect_err("bad ids verify"),
        ] {
            assert!(matches!(e, Error::Input(_)), "{e}");
            assert_eq!(e.exit_code(), 4);
            assert!(e.to_string().contains(needle), "{e}");
        }
    }
}

#[test]
fn private_token_ids_are_refused_at_compile() {
    let f = load();
    for vis in [InputVisibility::Private, InputVisibility::Hashed] {
        let Err(e) = compiled(&f, vis) else {
            panic!("private ids compile")
        };
        assert!(matches!(e, Error::Model(_)), "{e}");
        let m = e.to_string();
        assert!(
            m.contains("must be public") && m.contains("not supported yet"),
            "{m}"
        );
    }
}

/// GPT-2's LM head is the embedding table transposed (the exporter unties it into a constant of
/// its own): compile finds the tie from the values and the private weights commit the table
/// once — the head's column is in no commitment group, its claims go to the table at the
/// swapped point (the end-to-end test above proves and verifies through that path). A head
/// that differs from the table in one value is not tied.
#[test]
fn the_tied_head_is_committed_once() {
    let f = load();
    let c = compiled(&f, InputVisibility::Public).expect("compiles");
    let plan = &c.plan;
    assert_eq!(plan.weight_aliases.len(), 1, "{:?}", plan.weight_aliases);
    let a = plan.weight_aliases[0];
    assert!(
        plan.weight_columns[a.column].name.contains("lm_head"),
        "{}",
        plan.weight_columns[a.column].name
    );
    assert!(
        plan.weight_columns[a.target].name.contains("wte"),
        "{}",
        plan.weight_columns[a.target].name
    );
    let shapes = zkinfer_proof::weights::WeightShapes::of(plan);
    let groups = zkinfer_proof::weights::groups(zkinfer_pcs::PcsConfig::default(), &shapes, 256);
    assert!(
        groups.iter().flatten().all(|&i| i != a.column),
        "{groups:?}"
    );
    assert!(
        groups.iter().flatten().any(|&i| i == a.target),
        "{groups:?}"
    );

    let mut graph = c.graph.clone();
    let head = graph
        .nodes
        .iter_mut()
        .find(|n| {
            n.name.contains("lm_head") && matches!(n.op, zkinfer_proof::ir::Op::MatMulConst { .. })
        })
        .expect("the head");
    if let zkinfer_proof::ir::Op::MatMulConst { weight, .. } = &mut head.op {
        weight.values[0] += 1;
    }
    let untied = zkinfer_proof::compile(&graph, plan.options).expect("compiles");
    assert!(
        untied.weight_aliases.is_empty(),
        "{:?}",
        untied.weight_aliases
    );
    // Untied, the head is committed (a group holds its column) and the model still proves.
    let shapes = zkinfer_proof::weights::WeightShapes::of(&untied);
    let groups = zkinfer_proof::weights::groups(zkinfer_pcs::PcsConfig::default(), &shapes, 256);
    assert!(
        groups.iter().flatten().any(|&i| i == a.column),
        "{groups:?}"
    );
    let pk =
        zkinfer_proof::setup(&graph, &untied, zkinfer_pcs::PcsConfig::default()).expect("setup");
    let x: Vec<i64> = f.ids.iter().map(|&v| v as i64).collect();
    let p = zkinfer_proof::prove(&pk, &x, None).expect("proves");
    zkinfer_proof::verify(&pk.vk, &p, Some(&x), None).expect("verifies");
}
