//! Private weights committed in several groups (`zkinfer_proof::weights::groups`): what GPT-2
//! 124M needs (its weights pass one commitment), shown on a small model whose groups are made
//! small with the test-only `with_group_stack_vars_for_tests`.
//!
//! Model: `x [1, 32]` → linear 32 → ReLU → linear 32: two 32 × 32 weight matrices (2^10 each)
//! and two biases. With groups of at most 2^11 elements the first matrix, the biases and the
//! opening mask share a group and the second matrix has its own.

use zkinfer_pcs::PcsConfig;
use zkinfer_proof::testing::mlp;
use zkinfer_proof::weights::{
    WeightsCommitment, WeightsOpening, groups, with_group_stack_vars_for_tests,
    without_masked_weights_for_tests,
};
use zkinfer_proof::{CompileOptions, Proof, compile, prove, setup_with_max_proofs, verify};

const GROUP_VARS: usize = 11;
const USES: usize = 4;

fn weights_of(p: &Proof) -> (usize, usize) {
    match (&p.weights, &p.weights_opening) {
        (Some(WeightsCommitment::Hiding(c)), Some(WeightsOpening::Hiding(o))) => (c.len(), o.len()),
        other => panic!("not a hiding weights commitment: {other:?}"),
    }
}

#[test]
fn weights_in_two_groups_prove_verify_and_each_group_is_bound() {
    let (g, x) = mlp(&[32, 32, 32], 7);
    let (pk, other_pk, proof, other_proof) = with_group_stack_vars_for_tests(GROUP_VARS, || {
        // Compiled here too: the plan's cost prediction follows the group size.
        let plan = compile(&g, CompileOptions::default()).expect("compiles");
        let vars: Vec<usize> = plan.weight_columns.iter().map(|c| c.num_vars).collect();
        let made = groups(PcsConfig::default(), &vars[..].into(), USES);
        assert_eq!(made.len(), 2, "{made:?} of {vars:?}");
        let pk = setup_with_max_proofs(&g, &plan, PcsConfig::default(), USES).expect("setup");
        assert_eq!(
            pk.vk.weights_root.len(),
            2 * zkinfer_pcs::DIGEST_BYTES,
            "one root per group"
        );
        let other_pk = setup_with_max_proofs(&g, &plan, PcsConfig::default(), USES).expect("setup");
        let proof = prove(&pk, &x, None).expect("proves");
        let other_proof = prove(&other_pk, &x, None).expect("proves");
        verify(&pk.vk, &proof, Some(&x), None).expect("verifies");
        verify(&other_pk.vk, &other_proof, Some(&x), None).expect("verifies");
        (pk, other_pk, proof, other_proof)
    });
    assert_eq!(weights_of(&proof), (2, 2));
    let rejected = |label: &str, p: &Proof, vk: &zkinfer_proof::VerifyingKey| {
        with_group_stack_vars_for_tests(GROUP_VARS, || {
            assert!(verify(vk, p, Some(&x), None).is_err(), "{label}: accepted");
        });
    };
    // The two groups' openings (commitments) in each other's place.
    let mut p = proof.clone();
    if let Some(WeightsOpening::Hiding(o)) = &mut p.weights_opening {
        o.swap(0, 1);
    }
    rejected("openings swapped", &p, &pk.vk);
    let mut p = proof.clone();
    if let Some(WeightsCommitment::Hiding(c)) = &mut p.weights {
        c.swap(0, 1);
    }
    rejected("commitments swapped", &p, &pk.vk);
    // A group's opening missing, or one group's opening from the other key's proof.
    let mut p = proof.clone();
    if let Some(WeightsOpening::Hiding(o)) = &mut p.weights_opening {
        o.pop();
    }
    rejected("an opening dropped", &p, &pk.vk);
    let mut p = proof.clone();
    if let (Some(WeightsOpening::Hiding(o)), Some(WeightsOpening::Hiding(theirs))) =
        (&mut p.weights_opening, &other_proof.weights_opening)
    {
        o[1] = theirs[1].clone();
    }
    rejected("the other key's second opening", &p, &pk.vk);
    // Another key of the same model (other weights' commitments): its proof, and this proof under
    // its key.
    rejected("another key's proof", &other_proof, &pk.vk);
    rejected("this proof under another key", &proof, &other_pk.vk);
    // The key's roots in the other order (the digest made to match).
    let mut vk = pk.vk.clone();
    let (a, b) = vk.weights_root.split_at_mut(zkinfer_pcs::DIGEST_BYTES);
    a.swap_with_slice(b);
    vk.digest = zkinfer_proof::keys::vk_digest(&vk);
    rejected("roots swapped in the key", &proof, &vk);
    // Outside the test's group size the key's two roots are not the settings' one group: an
    // error, not a panic and not an acceptance.
    let e = verify(&pk.vk, &proof, Some(&x), None).expect_err("the default groups differ");
    assert!(e.to_string().contains("groups"), "{e}");
}

#[test]
fn a_single_group_key_is_the_commitment_of_before() {
    // The HidingPcs weights path (this small model's default key is masked, docs/ZK.md §18).
    without_masked_weights_for_tests(|| {
        // At the default group size every small model's weights are one group: one root, one
        // opening (the format-9 shape of the weights' commitment, as a one-element list).
        let (g, x) = mlp(&[32, 32, 32], 7);
        let plan = compile(&g, CompileOptions::default()).expect("compiles");
        let pk = setup_with_max_proofs(&g, &plan, PcsConfig::default(), USES).expect("setup");
        assert_eq!(pk.vk.weights_root.len(), zkinfer_pcs::DIGEST_BYTES);
        let proof = prove(&pk, &x, None).expect("proves");
        assert_eq!(weights_of(&proof), (1, 1));
        verify(&pk.vk, &proof, Some(&x), None).expect("verifies");
    });
}

/// Weights that make several groups leave each group the room its openings' randomness needs
/// in the stack's free tail (proof format 20). Four 128 × 128 matrices (2^14 each) and four
/// biases, groups of at most 2^16, 12 proofs (12 × 99 queries in each of 16 limbs): packed
/// first fit without that room, the first group would hold three matrices and leave 988 elements
/// per limb free; with it, each group holds two and keeps the randomness in its free tail. The key proves and verifies; another key's
/// proof is rejected.
#[test]
fn several_groups_leave_room_for_the_free_tail() {
    use zkinfer_pcs::ReusePlacement;
    use zkinfer_proof::weights::randomness_placements;
    let uses = 12;
    let (g, x) = mlp(&[128, 128, 128, 128, 128], 3);
    with_group_stack_vars_for_tests(16, || {
        let plan = compile(&g, CompileOptions::default()).expect("compiles");
        let vars: Vec<usize> = plan.weight_columns.iter().map(|c| c.num_vars).collect();
        let shapes = vars[..].into();
        let made = groups(PcsConfig::default(), &shapes, uses);
        let matrices = |group: &Vec<usize>| group.iter().filter(|&&c| vars[c] == 14).count();
        assert_eq!(
            made.iter().map(matrices).collect::<Vec<_>>(),
            vec![2, 2],
            "{made:?} of {vars:?}"
        );
        assert_eq!(
            randomness_placements(PcsConfig::default(), &shapes, uses),
            vec![Some(ReusePlacement::FreeTail); 2]
        );
        let pk = setup_with_max_proofs(&g, &plan, PcsConfig::default(), uses).expect("setup");
        let other = setup_with_max_proofs(&g, &plan, PcsConfig::default(), uses).expect("setup");
        let proof = prove(&pk, &x, None).expect("proves");
        assert_eq!(weights_of(&proof), (2, 2));
        verify(&pk.vk, &proof, Some(&x), None).expect("verifies");
        assert!(verify(&other.vk, &proof, Some(&x), None).is_err());
    });
}
