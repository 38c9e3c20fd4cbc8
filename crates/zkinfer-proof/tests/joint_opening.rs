//! One opening for the witness and the private weights (proof format 21, docs/ZK.md §15): a
//! model whose weights make one group proves with a joint opening and an empty weights opening;
//! the verifier rejects that opening with another model's key, another proof's opening, the
//! openings taken apart again, or a changed opened value.

use zkinfer_pcs::PcsConfig;
use zkinfer_proof::commit::WitnessOpening;
use zkinfer_proof::testing::mlp;
use zkinfer_proof::weights::{WeightsCommitment, WeightsOpening, without_masked_weights_for_tests};
use zkinfer_proof::{
    CompileOptions, Proof, ProvingKey, compile, prove, setup_with_max_proofs, verify,
};

/// The default budget: its stack (2^21, the openings' randomness spread over extra variables)
/// holds this model's witness (2^17: lookup multiplicities of 2^16).
const USES: usize = 256;

/// A key on the HidingPcs weights path (this small model's default key is masked, docs/ZK.md
/// §18; larger models' keys are on this path).
fn hiding_key(g: &zkinfer_proof::ir::ProofGraph, uses: usize) -> ProvingKey {
    let plan = compile(g, CompileOptions::default()).expect("compiles");
    without_masked_weights_for_tests(|| {
        setup_with_max_proofs(g, &plan, PcsConfig::default(), uses).expect("setup")
    })
}

fn keys_and_proofs() -> (ProvingKey, ProvingKey, Vec<i64>, Proof, Proof) {
    let (g, x) = mlp(&[32, 32, 16], 5);
    let pk = hiding_key(&g, USES);
    // Another key for the same architecture: other weights commitment randomness, same weights.
    let other_pk = hiding_key(&g, USES);
    let proof = prove(&pk, &x, None).expect("proves");
    let other = prove(&other_pk, &x, None).expect("proves");
    (pk, other_pk, x, proof, other)
}

#[test]
fn the_witness_and_the_weights_are_opened_together_and_bound() {
    let (pk, other_pk, x, proof, other) = keys_and_proofs();
    assert!(
        matches!(proof.witness_opening, WitnessOpening::Joint(_)),
        "a one-group model's proof opens jointly"
    );
    assert!(
        matches!(&proof.weights_opening, Some(WeightsOpening::Hiding(o)) if o.is_empty()),
        "the weights have no opening of their own"
    );
    assert!(matches!(&proof.weights, Some(WeightsCommitment::Hiding(c)) if c.len() == 1));
    verify(&pk.vk, &proof, Some(&x), None).expect("verifies");
    verify(&other_pk.vk, &other, Some(&x), None).expect("verifies");
    let rejected = |label: &str, p: &Proof| {
        assert!(
            verify(&pk.vk, p, Some(&x), None).is_err(),
            "{label}: accepted"
        );
    };

    // Another key's weights commitment (same weights, other randomness and root).
    assert!(
        verify(&other_pk.vk, &proof, Some(&x), None).is_err(),
        "another key accepted the proof"
    );
    // Another proof's joint opening, and another proof's witness commitment.
    let mut p = proof.clone();
    p.witness_opening = other.witness_opening.clone();
    rejected("another proof's joint opening", &p);
    let mut p = proof.clone();
    p.witness = other.witness.clone();
    rejected("another proof's witness commitment", &p);
    // The joint opening presented as a witness opening alone, or with the weights opened apart.
    let mut p = proof.clone();
    if let WitnessOpening::Joint(o) = &proof.witness_opening {
        p.witness_opening = WitnessOpening::Hiding(o.clone());
    }
    rejected("a joint opening as the witness's own", &p);
    let mut p = proof.clone();
    if let WitnessOpening::Joint(o) = &proof.witness_opening {
        p.weights_opening = Some(WeightsOpening::Hiding(vec![o.clone()]));
    }
    rejected("a weights opening beside the joint one", &p);
    // A changed byte of the joint opening's encoding (every tenth byte of the first 4 KiB and a
    // few beyond), decoded back when it still decodes.
    let WitnessOpening::Joint(o) = &proof.witness_opening else {
        unreachable!("checked above")
    };
    let wire = o.to_wire();
    let mut positions: Vec<usize> = (0..wire.len().min(4096)).step_by(97).collect();
    positions.extend((0..8).map(|i| wire.len() * (2 * i + 1) / 16));
    for at in positions {
        let mut bytes = wire.clone();
        bytes[at] ^= 0x10;
        if let Ok(changed) = zkinfer_pcs::HidingOpeningProof::from_wire(&bytes) {
            let mut p = proof.clone();
            p.witness_opening = WitnessOpening::Joint(changed);
            rejected(&format!("byte {at} of the joint opening changed"), &p);
        }
    }
    // With a budget of 4 proofs the weights' stack is smaller than the witness's: two
    // openings, as before format 21 (the witness's masked since format 25), and they verify.
    let (g, _) = mlp(&[32, 32, 16], 5);
    let small = hiding_key(&g, 4);
    let apart = prove(&small, &x, None).expect("proves");
    assert!(matches!(apart.witness_opening, WitnessOpening::Masked(_)));
    assert!(matches!(&apart.weights_opening, Some(WeightsOpening::Hiding(o)) if o.len() == 1));
    verify(&small.vk, &apart, Some(&x), None).expect("verifies");
    // A masked witness commitment and opening where this key's witness is opened jointly.
    let mut p = proof.clone();
    p.witness = apart.witness.clone();
    p.witness_opening = apart.witness_opening.clone();
    rejected("a masked witness where a joint opening is due", &p);
    // A wrong claimed output.
    let mut p = proof.clone();
    if let Some(v) = p.output.first_mut() {
        *v += 1;
    }
    rejected("a changed output", &p);
}
