//! Private weights on one masked commitment, opened with the witness (proof format 26, key
//! format 12, docs/ZK.md §18): a small model's default key records a joint stack, its proofs
//! carry the masked weights commitment and one masked opening for both, and verify. The verifier
//! rejects another key's proof, another proof's opening or witness commitment, a changed weights
//! commitment, a witness at another stack size, a changed byte of the opening, swapped
//! first-round messages, a changed output, and a proof of the other weights path (HidingPcs
//! groups) under a masked key and the reverse. A key without stored data re-derives the same
//! commitment from its seed; a key whose stored data or weights are not its verifying key's is
//! refused with an error.

mod common;

use zkinfer_pcs::PcsConfig;
use zkinfer_pcs::masked::{MaskedBatchCommitment, MaskedProof};
use zkinfer_proof::commit::{WitnessCommitment, WitnessOpening};
use zkinfer_proof::testing::mlp;
use zkinfer_proof::weights::{WeightsCommitment, WeightsData, without_masked_weights_for_tests};
use zkinfer_proof::{
    CompileOptions, Proof, ProvingKey, ZkFile, compile, prove, setup, setup_with_weights_data,
    verify,
};

fn key(seed: u64, keep: WeightsData) -> (ProvingKey, Vec<i64>) {
    let (g, x) = mlp(&[32, 32, 16], seed);
    let plan = compile(&g, CompileOptions::default()).expect("compiles");
    let pk = setup_with_weights_data(&g, &plan, PcsConfig::default(), 256, keep).expect("setup");
    (pk, x)
}

fn opening(p: &Proof) -> &MaskedProof {
    match &p.witness_opening {
        WitnessOpening::Masked(o) => o,
        _ => panic!("a masked-weights proof's opening is masked"),
    }
}

fn masked_weights(p: &Proof) -> &MaskedBatchCommitment {
    match &p.weights {
        Some(WeightsCommitment::Masked(c)) => c,
        _ => panic!("a masked-weights proof carries the masked weights commitment"),
    }
}

#[test]
fn masked_weights_are_opened_with_the_witness_and_bound() {
    let (pk, x) = key(5, WeightsData::Auto);
    assert!(
        pk.vk.weights_joint_vars > 0,
        "a small model's key is masked"
    );
    assert!(pk.weights_masked.is_some() && pk.weights_stored.is_empty());
    let proof = prove(&pk, &x, None).expect("proves");
    let other = prove(&pk, &x, None).expect("proves");
    assert!(matches!(proof.witness, WitnessCommitment::Masked(_)));
    let w = masked_weights(&proof);
    assert_eq!(w.stack.stack_vars, pk.vk.weights_joint_vars as usize);
    let WitnessCommitment::Masked(x_commitment) = &proof.witness else {
        unreachable!("checked above")
    };
    assert_eq!(x_commitment.stack.stack_vars, w.stack.stack_vars);
    verify(&pk.vk, &proof, Some(&x), None).expect("verifies");
    verify(&pk.vk, &other, Some(&x), None).expect("verifies");
    let rejected = |label: &str, p: &Proof| {
        assert!(
            verify(&pk.vk, p, Some(&x), None).is_err(),
            "{label}: accepted"
        );
    };

    // Another key of the same model (same weights, another commitment): neither accepts the
    // other's proof, nor a proof carrying the other's weights commitment.
    let (other_pk, _) = key(5, WeightsData::Auto);
    assert_ne!(other_pk.vk.weights_root, pk.vk.weights_root);
    assert!(
        verify(&other_pk.vk, &proof, Some(&x), None).is_err(),
        "another key accepted the proof"
    );
    let from_other_key = prove(&other_pk, &x, None).expect("proves");
    let mut p = proof.clone();
    p.weights = from_other_key.weights.clone();
    rejected("another key's weights commitment", &p);

    // Another proof's opening or witness commitment.
    let mut p = proof.clone();
    p.witness_opening = other.witness_opening.clone();
    rejected("another proof's opening", &p);
    let mut p = proof.clone();
    p.witness = other.witness.clone();
    rejected("another proof's witness commitment", &p);

    // The weights commitment's and the witness commitment's sizes.
    let mut c = w.clone();
    c.stack.stack_vars += 1;
    let mut p = proof.clone();
    p.weights = Some(WeightsCommitment::Masked(c));
    rejected("a weights commitment at another stack size", &p);
    let mut c = x_commitment.clone();
    c.stack.stack_vars -= 1;
    let mut p = proof.clone();
    p.witness = WitnessCommitment::Masked(c);
    rejected("a witness at another stack size", &p);

    // Two first-round messages swapped, and changed bytes of the opening.
    let o = opening(&proof);
    let mut swapped = o.clone();
    swapped.first.round_polys.swap(0, 1);
    let mut p = proof.clone();
    p.witness_opening = WitnessOpening::Masked(Box::new(swapped));
    rejected("first-round messages swapped", &p);
    let decoded = common::changed_masked_openings(o, 509, |at, changed| {
        let mut p = proof.clone();
        p.witness_opening = WitnessOpening::Masked(Box::new(changed));
        rejected(&format!("byte {at} of the opening changed"), &p);
    });
    assert!(decoded > 20, "only {decoded} mutations decoded");

    // A changed output.
    let mut p = proof.clone();
    p.output[0] += 1;
    rejected("a changed output", &p);

    // The other weights path: a HidingPcs key's proof under this key, and this proof under it.
    let (g, _) = mlp(&[32, 32, 16], 5);
    let plan = compile(&g, CompileOptions::default()).expect("compiles");
    let hiding =
        without_masked_weights_for_tests(|| setup(&g, &plan, PcsConfig::default())).expect("setup");
    assert_eq!(hiding.vk.weights_joint_vars, 0);
    let hiding_proof = prove(&hiding, &x, None).expect("proves");
    assert!(matches!(
        hiding_proof.weights,
        Some(WeightsCommitment::Hiding(_))
    ));
    verify(&hiding.vk, &hiding_proof, Some(&x), None).expect("verifies");
    rejected(
        "a HidingPcs-weights proof under a masked key",
        &hiding_proof,
    );
    assert!(
        verify(&hiding.vk, &proof, Some(&x), None).is_err(),
        "a masked-weights proof accepted under a HidingPcs key"
    );
    // A masked key's verifying key claiming no joint stack (its digest recomputed).
    let mut vk = pk.vk.clone();
    vk.weights_joint_vars = 0;
    vk.digest = zkinfer_proof::keys::vk_digest(&vk);
    assert!(verify(&vk, &proof, Some(&x), None).is_err());
    // ... or another first fold (key format 14 records it): the other allowed one, and one
    // outside the allowed set, refused before anything is read.
    let folds = zkinfer_proof::commit::MASKED_JOINT_FOLDS;
    assert!(folds.contains(&(pk.vk.weights_joint_fold as usize)));
    for fold in folds
        .iter()
        .map(|&f| f as u32)
        .filter(|&f| f != pk.vk.weights_joint_fold)
        .chain([3, 0])
    {
        let mut vk = pk.vk.clone();
        vk.weights_joint_fold = fold;
        vk.digest = zkinfer_proof::keys::vk_digest(&vk);
        let err = verify(&vk, &proof, Some(&x), None).expect_err("another fold accepted");
        if !folds.contains(&(fold as usize)) {
            assert!(err.to_string().contains("first fold"), "{err}");
            assert!(vk.check_shape().is_err());
        }
    }
}

#[test]
fn a_key_without_stored_data_rederives_the_commitment_and_keys_are_checked() {
    // The stored key, and the same key without its data: the proof re-derives the commitment
    // from the seed (it must be the verifying key's) and verifies.
    let (pk, x) = key(7, WeightsData::Stored);
    let mut seed_only = pk.clone();
    seed_only.weights_masked = None;
    let p = prove(&seed_only, &x, None).expect("re-derives and proves");
    verify(&pk.vk, &p, Some(&x), None).expect("verifies");
    // A key made to keep the seed only.
    let (seed_pk, seed_x) = key(7, WeightsData::Seed);
    assert!(seed_pk.weights_masked.is_none() && seed_pk.weights_seed.is_some());
    let p = prove(&seed_pk, &seed_x, None).expect("proves");
    verify(&seed_pk.vk, &p, Some(&seed_x), None).expect("verifies");

    // Through the key file: the stored data is written and read back.
    let read = ProvingKey::from_bytes(&pk.to_bytes()).expect("reads");
    assert!(read.weights_masked.is_some());
    let p = prove(&read, &x, None).expect("proves from the read key");
    verify(&pk.vk, &p, Some(&x), None).expect("verifies");

    // Another key's stored data, or no seed and no data: errors, not proofs.
    let mut mixed = pk.clone();
    mixed.weights_masked = key(7, WeightsData::Stored).0.weights_masked;
    assert!(prove(&mixed, &x, None).is_err(), "another key's data used");
    let mut bare = pk.clone();
    bare.weights_masked = None;
    bare.weights_seed = None;
    assert!(
        prove(&bare, &x, None).is_err(),
        "a key with neither seed nor data"
    );
    // Another seed without data: the re-derived commitment is not the verifying key's.
    let mut other_seed = pk.clone();
    other_seed.weights_masked = None;
    other_seed.weights_seed = Some([9; 32]);
    let e = prove(&other_seed, &x, None).expect_err("another seed");
    assert!(e.to_string().contains("do not match"), "{e}");
}

#[test]
fn a_benchmark_proof_without_masked_sumchecks_verifies_under_a_masked_key() {
    let (pk, x) = key(5, WeightsData::Auto);
    let p = zkinfer_proof::prove_non_zk_for_bench(&pk, &x, &mut zkinfer_proof::Profile::default())
        .expect("proves");
    assert!(matches!(p.witness, WitnessCommitment::Masked(_)));
    verify(&pk.vk, &p, Some(&x), None).expect("verifies");
    // A private input, the last layer's weights zero.
    let (mut g, x) = mlp(&[16, 8, 4], 11);
    if let Some(zkinfer_proof::ir::Op::MatMulConst { weight, bias }) = g
        .nodes
        .iter_mut()
        .rev()
        .map(|n| &mut n.op)
        .find(|op| matches!(op, zkinfer_proof::ir::Op::MatMulConst { .. }))
    {
        weight.values.iter_mut().for_each(|v| *v = 0);
        if let Some(b) = bias {
            b.values.iter_mut().for_each(|v| *v = 0);
        }
    }
    let plan = compile(
        &g,
        CompileOptions::with_input(zkinfer_proof::InputVisibility::Private),
    )
    .expect("compiles");
    let pk = setup(&g, &plan, PcsConfig::default()).expect("setup");
    assert!(pk.vk.weights_joint_vars > 0);
    let p = zkinfer_proof::prove_non_zk_for_bench(&pk, &x, &mut zkinfer_proof::Profile::default())
        .expect("proves");
    verify(&pk.vk, &p, None, None).expect("verifies");
}
