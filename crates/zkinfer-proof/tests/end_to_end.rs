//! Whole-model proofs on graphs built in code: MLP, LeNet-5, a residual CNN, a table MLP; public
//! and committed inputs. The proven output must equal the witness output (the integer
//! interpreter's on logical positions; the model crate's tests compare the two interpreters).

use zkinfer_pcs::PcsConfig;
use zkinfer_proof::ir::ProofGraph;
use zkinfer_proof::layout::Layout;
use zkinfer_proof::testing::{lenet5, mlp, mlp_with_table, residual_cnn};
use zkinfer_proof::witness::generate;
use zkinfer_proof::{
    CompileOptions, InputVisibility, Proof, ZkFile, compile, prove, setup, verify,
};

fn round_trip(graph: &ProofGraph, input: &[i64], vis: InputVisibility) {
    let plan = compile(graph, CompileOptions::with_input(vis)).expect("compiles");
    let pk = setup(graph, &plan, PcsConfig::default()).expect("setup");
    let proof = prove(&pk, input, None).expect("proves");
    let bytes = proof.to_bytes();
    let proof = Proof::from_bytes(&bytes).expect("decodes");
    let expected = plan.layouts[graph.output]
        .gather(&generate(graph, &plan, input).unwrap().tensors[graph.output]);
    let public = (vis == InputVisibility::Public).then_some(input);
    let out = verify(&pk.vk, &proof, public, Some(&expected)).expect("verifies");
    assert_eq!(out, expected);
    assert_eq!(
        out.len(),
        Layout::natural(&graph.tensors[graph.output].shape).logical_len()
    );
}

#[test]
fn mlp_public_and_committed_input() {
    let (g, x) = mlp(&[32, 24, 10], 1);
    round_trip(&g, &x, InputVisibility::Public);
    round_trip(&g, &x, InputVisibility::Private);
}

#[test]
fn lenet5_proves() {
    let (g, x) = lenet5(2);
    round_trip(&g, &x, InputVisibility::Public);
}

#[test]
fn residual_cnn_public_and_committed_input() {
    let (g, x) = residual_cnn(3);
    round_trip(&g, &x, InputVisibility::Public);
    round_trip(&g, &x, InputVisibility::Private);
}

#[test]
fn table_mlp_proves() {
    let (g, x) = mlp_with_table(4);
    round_trip(&g, &x, InputVisibility::Public);
}

/// A graph with nothing to commit at setup is refused with a message, not a panic.
/// Weights whose stack the commitment settings cannot configure are refused at setup from their
/// shapes, with the sizes and what to do, before any weight is laid out; with public weights
/// (nothing committed) the same settings set up.
#[test]
fn weights_past_the_commitment_are_refused_at_setup() {
    let (g, _) = mlp(&[16, 8, 4], 3);
    let plan = compile(&g, CompileOptions::default()).expect("compiles");
    let weak = PcsConfig {
        security_bits: 200,
        ..PcsConfig::default()
    };
    let e = setup(&g, &plan, weak).expect_err("200-bit settings configure");
    assert!(
        matches!(
            e,
            zkinfer_proof::ProveError::WeightsTooLarge {
                columns,
                largest: 0,
                ..
            } if columns == plan.weight_columns.len()
        ),
        "{e:?}"
    );
    let m = e.to_string();
    assert!(
        m.contains("cannot be committed") && m.contains("--weights-visibility public"),
        "{m}"
    );
    let public = compile(
        &g,
        CompileOptions {
            weights: zkinfer_proof::WeightsVisibility::Public,
            ..CompileOptions::default()
        },
    )
    .expect("compiles");
    setup(&g, &public, weak).expect("public weights commit nothing");
}

#[test]
fn weightless_graph_is_a_clear_error() {
    let mut b = zkinfer_proof::testing::GraphBuilder::new(&[1, 8], 16, 1);
    let _ = b.relu(0);
    let g = b.finish();
    let plan = compile(&g, CompileOptions::default()).expect("compiles");
    let err = match setup(&g, &plan, PcsConfig::default()) {
        Ok(_) => panic!("a weightless graph must be refused at setup"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("no weights"), "{err}");
}

/// A plain weights commitment's proving key (test keys since format 8) carries the weights' commitment data (since format 2): a key read back from its
/// bytes proves exactly what recommitting the weights proves; a version-1 key file is refused
/// with a clear error; another model's commitment data is an error, not a bad proof.
#[test]
fn stored_weights_data_proves_like_recommitting() {
    use zkinfer_proof::{FileError, ProvingKey};
    let (g, x) = mlp(&[32, 24, 10], 1);
    let plan = compile(&g, CompileOptions::default()).expect("compiles");
    let pk = zkinfer_proof::keys::setup_plain_weights_for_tests(&g, &plan, PcsConfig::default())
        .expect("setup");
    assert!(pk.weights_data.is_some());
    let pk = ProvingKey::from_bytes(&pk.to_bytes()).expect("decodes");
    let stored = prove(&pk, &x, None).expect("proves");
    let mut bare = pk.clone();
    bare.weights_data = None;
    let recommitted = prove(&bare, &x, None).expect("proves");
    // Proof bytes differ between runs (the parallel proof-of-work search may find another
    // nonce), so compare what is fixed: the weights' commitment, the output, and both verify.
    assert_eq!(stored.weights, recommitted.weights);
    assert_eq!(stored.output, recommitted.output);
    verify(&pk.vk, &stored, Some(&x), None).expect("verifies");
    verify(&pk.vk, &recommitted, Some(&x), None).expect("verifies");

    let mut old = pk.to_bytes();
    old[8..12].copy_from_slice(&1u32.to_le_bytes());
    let err = ProvingKey::from_bytes(&old).unwrap_err();
    assert!(
        matches!(
            err,
            FileError::WrongVersion {
                got: 1,
                expected: zkinfer_proof::proof::PK_FORMAT_VERSION,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("zkinfer setup"), "{err}");

    let (g2, _) = mlp(&[32, 24, 10], 2);
    let pk2 = zkinfer_proof::keys::setup_plain_weights_for_tests(
        &g2,
        &compile(&g2, CompileOptions::default()).unwrap(),
        PcsConfig::default(),
    )
    .expect("setup");
    let mut mixed = pk.clone();
    mixed.weights_data = pk2.weights_data;
    let err = prove(&mixed, &x, None).unwrap_err();
    assert!(err.to_string().contains("weights"), "{err}");
}
