//! Visibility per tensor (issue 13, item 5): private and hashed inputs and outputs.
//!
//! - private output: the proof carries no output, and verifies;
//! - hashed input/output: the holder of the opening recomputes the proof's commitment from their
//!   data (`check_opening` accepts the right tensor, rejects a changed one, a changed seed, and an
//!   opening checked against another proof); the proof is rejected when its hashed commitment is
//!   swapped, its value changed, or the commitment dropped;
//! - public weights: the verifying key carries them and the verifier checks every claim on them
//!   itself (a key with one weight changed rejects the proof);
//! - a private output needs a committed output tensor: compiling one that is not is an error
//!   naming the fix.

use zkinfer_field::PrimeCharacteristicRing;
use zkinfer_pcs::PcsConfig;
use zkinfer_proof::hashed::{HashedTensor, check_opening};
use zkinfer_proof::testing::{GraphBuilder, mlp};
use zkinfer_proof::{
    CompileError, CompileOptions, InputVisibility, OutputVisibility, Profile, ProvingKey,
    WeightsVisibility, ZkFile, compile, prove, prove_with_openings, setup, verify,
};

fn key(input: InputVisibility, output: OutputVisibility) -> (ProvingKey, Vec<i64>) {
    let (g, x) = mlp(&[16, 8, 4], 3);
    let plan = compile(
        &g,
        CompileOptions {
            input,
            output,
            ..CompileOptions::default()
        },
    )
    .expect("compiles");
    (setup(&g, &plan, PcsConfig::default()).expect("setup"), x)
}

#[test]
fn a_private_output_is_not_in_the_proof_and_verifies() {
    let (pk, x) = key(InputVisibility::Public, OutputVisibility::Private);
    let (proof, openings) = prove_with_openings(&pk, &x, None, &mut Profile::default()).unwrap();
    assert!(openings.is_empty());
    assert!(proof.output.is_empty() && proof.output_claim.is_some());
    let out = verify(&pk.vk, &proof, Some(&x), None).expect("verifies");
    assert!(out.is_empty());
    // Asking to compare a private output is an error, not a silent pass.
    assert!(verify(&pk.vk, &proof, Some(&x), Some(&[0, 0, 0, 0])).is_err());
    // A changed claimed output value is rejected.
    let mut bad = proof.clone();
    bad.output_claim = bad.output_claim.map(|v| v + zkinfer_field::EF::ONE);
    assert!(verify(&pk.vk, &bad, Some(&x), None).is_err());
    // A proof that sends the output in the clear for a private-output key is malformed.
    let mut bad = proof;
    bad.output = vec![0; 4];
    assert!(verify(&pk.vk, &bad, Some(&x), None).is_err());
}

#[test]
fn a_hashed_input_and_output_are_checked_by_their_holders() {
    let (pk, x) = key(InputVisibility::Hashed, OutputVisibility::Hashed);
    let (proof, openings) = prove_with_openings(&pk, &x, None, &mut Profile::default()).unwrap();
    verify(&pk.vk, &proof, None, None).expect("verifies");
    assert_eq!(proof.hashed.len(), 2);
    assert!(proof.public_input.is_none() && proof.output.is_empty());
    let [oi, oo] = [&openings[0], &openings[1]];
    assert_eq!(
        (oi.tensor, oo.tensor),
        (HashedTensor::Input, HashedTensor::Output)
    );
    let plan = &pk.vk.plan;
    let out = zkinfer_proof::trace::run(&pk.graph, &x).unwrap()[pk.graph.output].clone();

    // The holders' data recompute the commitments.
    check_opening(plan, pk.vk.pcs, &proof.hashed, oi, &x).expect("the right input is accepted");
    check_opening(plan, pk.vk.pcs, &proof.hashed, oo, &out).expect("the right output");
    // A changed input, a changed seed, a changed stored value: rejected.
    let mut y = x.clone();
    y[0] += 1;
    assert!(check_opening(plan, pk.vk.pcs, &proof.hashed, oi, &y).is_err());
    let mut o = oi.clone();
    o.seed
        .replace_range(0..1, if o.seed.starts_with('0') { "1" } else { "0" });
    assert!(check_opening(plan, pk.vk.pcs, &proof.hashed, &o, &x).is_err());
    let mut o = oi.clone();
    o.stored[0] += 1;
    let mut x2 = x.clone();
    x2[0] += 1;
    assert!(check_opening(plan, pk.vk.pcs, &proof.hashed, &o, &x2).is_err());
    // Another proof of the same input has another commitment: this opening does not fit it.
    let (other, _) = prove_with_openings(&pk, &x, None, &mut Profile::default()).unwrap();
    assert!(check_opening(plan, pk.vk.pcs, &other.hashed, oi, &x).is_err());

    // The proof binds its hashed commitments.
    let mut bad = proof.clone();
    bad.hashed[0].commitment = other.hashed[0].commitment.clone();
    assert!(
        verify(&pk.vk, &bad, None, None).is_err(),
        "swapped commitment"
    );
    let mut bad = proof.clone();
    bad.hashed[1].value += zkinfer_field::EF::ONE;
    assert!(verify(&pk.vk, &bad, None, None).is_err(), "changed value");
    let mut bad = proof.clone();
    bad.hashed.pop();
    assert!(
        verify(&pk.vk, &bad, None, None).is_err(),
        "dropped commitment"
    );
    let mut bad = proof;
    bad.hashed.swap(0, 1);
    assert!(verify(&pk.vk, &bad, None, None).is_err(), "swapped tensors");
}

#[test]
fn a_private_output_must_be_committed() {
    let mut b = GraphBuilder::new(&[1, 16], 16, 9);
    let x = b.linear(0, 8);
    b.linear_acc(x, 4);
    let g = b.finish();
    let e = compile(
        &g,
        CompileOptions {
            output: OutputVisibility::Hashed,
            ..CompileOptions::default()
        },
    )
    .unwrap_err();
    assert!(matches!(e, CompileError::Graph(_)), "{e}");
    assert!(e.to_string().contains("make the output public"), "{e}");
}

#[test]
fn public_weights_are_in_the_key_and_checked_by_the_verifier() {
    let (g, x) = mlp(&[16, 8, 4], 3);
    let opts = CompileOptions {
        weights: WeightsVisibility::Public,
        ..CompileOptions::default()
    };
    let plan = compile(&g, opts).unwrap();
    let pk = setup(&g, &plan, PcsConfig::default()).unwrap();
    assert!(pk.vk.weights_root.is_empty() && pk.weights_data.is_none());
    // The key's graph holds the weights; a private-weights key's does not.
    assert_eq!(pk.vk.plan.graph, g);
    let private = setup(
        &g,
        &compile(&g, CompileOptions::default()).unwrap(),
        PcsConfig::default(),
    )
    .unwrap();
    assert_ne!(private.vk.plan.graph, g);
    let proof = prove(&pk, &x, None).unwrap();
    assert!(proof.weights.is_none() && proof.weights_opening.is_none());
    verify(&pk.vk, &proof, Some(&x), None).expect("verifies");
    // Through the file format too.
    let vk = zkinfer_proof::VerifyingKey::from_bytes(&pk.vk.to_bytes()).unwrap();
    verify(&vk, &proof, Some(&x), None).expect("verifies from the file");

    // A prover whose verifying key states other weights (one changed, digest recomputed) but
    // who proves with the true ones: everything up to the weights agrees with that key, and the
    // verifier's own evaluation of the key's weights rejects the proof.
    let mut lying = pk.clone();
    for n in &mut lying.vk.plan.graph.nodes {
        if let zkinfer_proof::ir::Op::MatMulConst { weight, .. } = &mut n.op {
            weight.values[0] += 1;
            break;
        }
    }
    lying.vk.digest = zkinfer_proof::keys::vk_digest(&lying.vk);
    let p2 = prove(&lying, &x, None).unwrap();
    let e = verify(&lying.vk, &p2, Some(&x), None).unwrap_err();
    assert!(e.to_string().contains("public weights"), "{e}");
    // A proof of a private-weights key carries the weights' commitment: refused by this key.
    let pp = prove(&private, &x, None).unwrap();
    let mut p3 = pp;
    p3.vk_digest = pk.vk.digest;
    let e = verify(&pk.vk, &p3, Some(&x), None).unwrap_err();
    assert!(e.to_string().contains("weights visibility"), "{e}");
}
