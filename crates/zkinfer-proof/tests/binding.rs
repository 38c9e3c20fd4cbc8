//! What the verifier is told must be bound (issue 13, item 6): a public input outside the
//! activation range (6a), a key with weak or edited settings (6d), a rescale that could wrap the
//! field (6e). Each test names the exact error, so it fails if the check is missing (the
//! proof would then be rejected later, for another reason, or accepted).

use zkinfer_pcs::{PcsConfig, Soundness};
use zkinfer_proof::ir::ProofGraph;
use zkinfer_proof::keys::vk_digest;
use zkinfer_proof::testing::{GraphBuilder, mlp};
use zkinfer_proof::{
    CompileError, CompileOptions, InputVisibility, Proof, ProvingKey, VerifyError, VerifyingKey,
    compile, prove, setup, verify,
};

fn fixture() -> (Vec<i64>, ProvingKey, Proof) {
    let (g, x) = mlp(&[16, 8, 4], 5);
    let plan = compile(&g, CompileOptions::with_input(InputVisibility::Public)).unwrap();
    let pk = setup(&g, &plan, PcsConfig::default()).unwrap();
    let proof = prove(&pk, &x, None).unwrap();
    verify(&pk.vk, &proof, Some(&x), None).expect("honest proof verifies");
    (x, pk, proof)
}

/// `vk` with a field changed and its digest recomputed: a key that passes the digest check.
fn resigned(mut vk: VerifyingKey, edit: impl FnOnce(&mut VerifyingKey)) -> VerifyingKey {
    edit(&mut vk);
    vk.digest = vk_digest(&vk);
    vk
}

#[test]
fn public_input_outside_the_activation_range_is_rejected() {
    let (_, pk, proof) = fixture();
    let (lo, hi) = zkinfer_model::act_range(pk.vk.plan.graph.act_bits);
    // Near p/2 (wraps the field), just above the range, and just below it.
    for (i, bad) in [(0usize, (1i64 << 62) + 12_345), (3, hi + 1), (7, lo - 1)] {
        let mut p = proof.clone();
        p.public_input.as_mut().unwrap()[i] = bad;
        match verify(&pk.vk, &p, None, None) {
            Err(VerifyError::InputOutOfRange {
                index,
                value,
                min,
                max,
            }) => {
                assert_eq!((index, value, min, max), (i, bad, lo, hi));
            }
            other => panic!("value {bad} at {i}: expected InputOutOfRange, got {other:?}"),
        }
    }
    // The range ends themselves are accepted by the range check (the proof then fails later,
    // since the input changed, but not with InputOutOfRange).
    let mut p = proof.clone();
    p.public_input.as_mut().unwrap()[0] = hi;
    let e = verify(&pk.vk, &p, None, None).unwrap_err();
    assert!(!matches!(e, VerifyError::InputOutOfRange { .. }), "{e}");
}

#[test]
fn weak_commitment_settings_are_rejected_even_with_a_valid_digest() {
    let (x, pk, proof) = fixture();
    let weak = resigned(pk.vk.clone(), |vk| vk.pcs.security_bits = 10);
    assert!(matches!(
        verify(&weak, &proof, Some(&x), None),
        Err(VerifyError::WeakKey(_))
    ));
    let conj = resigned(pk.vk.clone(), |vk| {
        vk.pcs.soundness = Soundness::CapacityBound;
    });
    assert!(matches!(
        verify(&conj, &proof, Some(&x), None),
        Err(VerifyError::WeakKey(_))
    ));
    // A hand-made key with an activation width the engine never compiles: an error, no panic.
    for bits in [0, 1, 33, 64, u32::MAX] {
        let odd = resigned(pk.vk.clone(), |vk| vk.plan.graph.act_bits = bits);
        assert!(
            matches!(
                verify(&odd, &proof, Some(&x), None),
                Err(VerifyError::WeakKey(_))
            ),
            "act_bits {bits}"
        );
    }
    // The honest key still verifies.
    verify(&pk.vk, &proof, Some(&x), None).unwrap();
}

#[test]
fn the_key_digest_is_recomputed_in_verify() {
    let (x, pk, proof) = fixture();
    // An edited key that keeps its old digest (the proof's transcript is bound to that digest,
    // so without the recomputation the verifier would run on the edited settings).
    let mut edited = pk.vk.clone();
    edited.pcs.pow_bits += 1;
    assert!(matches!(
        verify(&edited, &proof, Some(&x), None),
        Err(VerifyError::KeyDigest(_))
    ));
    let mut edited = pk.vk.clone();
    edited.plan.graph.act_bits = 12;
    assert!(matches!(
        verify(&edited, &proof, Some(&x), None),
        Err(VerifyError::KeyDigest(_))
    ));
}

fn rescale_graph(act_bits: u32, shift: u32) -> ProofGraph {
    let mut b = GraphBuilder::new(&[1, 8], act_bits, 3);
    b.rescale(0, shift);
    b.finish()
}

#[test]
fn a_rescale_that_could_wrap_the_field_does_not_compile() {
    let opts = CompileOptions::with_input(InputVisibility::Private);
    // act_bits − 1 + shift = 62 > 61: refused, with the rule in the message.
    match compile(&rescale_graph(32, 31), opts) {
        Err(e @ CompileError::Unsupported { .. }) => {
            let msg = e.to_string();
            assert!(msg.contains("act_bits − 1 + shift ≤ 61"), "{msg}");
        }
        other => panic!("expected a compile error, got {other:?}"),
    }
    assert!(compile(&rescale_graph(16, 47), opts).is_err());
    // At the bound: 32 − 1 + 30 = 61 compiles.
    compile(&rescale_graph(32, 30), opts).expect("at the bound");
    compile(&rescale_graph(16, 46), opts).expect("at the bound");
}
