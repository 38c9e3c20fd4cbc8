//! The masked witness opening (proof format 25, docs/PROOF_SIZE.md §2.i): a witness opened on
//! its own — here a model whose weights are public, so nothing is opened jointly — is committed
//! and opened with `zkinfer_pcs::masked`. The proof verifies; the verifier rejects another
//! proof's masked opening or witness commitment, a commitment whose shapes or stack size are
//! changed, a changed byte anywhere in the opening (decoded back where it still decodes), two
//! of its first-round messages swapped, a changed output, and the proof under another model's
//! key.

mod common;

use zkinfer_pcs::PcsConfig;
use zkinfer_pcs::masked::MaskedProof;
use zkinfer_proof::commit::{WitnessCommitment, WitnessOpening};
use zkinfer_proof::testing::mlp;
use zkinfer_proof::{
    CompileOptions, Proof, ProvingKey, WeightsVisibility, compile, prove, setup, verify,
};

fn public_weights(sizes: &[usize], seed: u64) -> (ProvingKey, Vec<i64>) {
    let (g, x) = mlp(sizes, seed);
    let plan = compile(
        &g,
        CompileOptions {
            weights: WeightsVisibility::Public,
            ..CompileOptions::default()
        },
    )
    .expect("compiles");
    (setup(&g, &plan, PcsConfig::default()).expect("setup"), x)
}

fn opening(p: &Proof) -> &MaskedProof {
    match &p.witness_opening {
        WitnessOpening::Masked(o) => o,
        _ => panic!("a public-weights proof's witness opening is masked"),
    }
}

#[test]
fn a_masked_witness_opening_verifies_and_is_bound() {
    let (pk, x) = public_weights(&[32, 32, 16], 5);
    let proof = prove(&pk, &x, None).expect("proves");
    let other = prove(&pk, &x, None).expect("proves");
    assert!(matches!(proof.witness, WitnessCommitment::Masked(_)));
    let o = opening(&proof);
    verify(&pk.vk, &proof, Some(&x), None).expect("verifies");
    verify(&pk.vk, &other, Some(&x), None).expect("verifies");
    let rejected = |label: &str, p: &Proof| {
        assert!(
            verify(&pk.vk, p, Some(&x), None).is_err(),
            "{label}: accepted"
        );
    };

    // Another proof's opening, another proof's commitment (the same statement: fresh
    // randomness makes every commitment and opening differ).
    let mut p = proof.clone();
    p.witness_opening = other.witness_opening.clone();
    rejected("another proof's masked opening", &p);
    let mut p = proof.clone();
    p.witness = other.witness.clone();
    rejected("another proof's witness commitment", &p);

    // The commitment's shapes and sizes.
    let WitnessCommitment::Masked(c) = &proof.witness else {
        unreachable!("checked above")
    };
    for (label, change) in [
        (
            "two column shapes swapped",
            Box::new(|c: &mut zkinfer_pcs::masked::MaskedBatchCommitment| {
                let n = c.num_vars.len();
                c.num_vars.swap(0, n - 1);
            }) as Box<dyn Fn(&mut zkinfer_pcs::masked::MaskedBatchCommitment)>,
        ),
        ("a larger stack", Box::new(|c| c.stack.stack_vars += 1)),
        ("a larger column", Box::new(|c| c.stack.data_vars += 1)),
        ("another root", Box::new(|c| c.stack.root[7] ^= 4)),
    ] {
        let mut changed = c.clone();
        change(&mut changed);
        let mut p = proof.clone();
        p.witness = WitnessCommitment::Masked(changed);
        rejected(label, &p);
    }

    // Two messages of the masked first round swapped.
    let mut swapped = o.clone();
    swapped.first.round_polys.swap(0, 1);
    let mut p = proof.clone();
    p.witness_opening = WitnessOpening::Masked(Box::new(swapped));
    rejected("first-round messages swapped", &p);

    // A changed byte of the opening's encoding, decoded back where it still decodes.
    let decoded = common::changed_masked_openings(o, 251, |at, changed| {
        let mut p = proof.clone();
        p.witness_opening = WitnessOpening::Masked(Box::new(changed));
        rejected(&format!("byte {at} of the masked opening changed"), &p);
    });
    assert!(decoded > 20, "only {decoded} mutations decoded");

    // A changed output.
    let mut p = proof.clone();
    p.output[0] += 1;
    rejected("a changed output", &p);

    // Another model's key (same architecture, other weights).
    let (other_pk, _) = public_weights(&[32, 32, 16], 6);
    assert!(
        verify(&other_pk.vk, &proof, Some(&x), None).is_err(),
        "another model's key accepted the proof"
    );
}
