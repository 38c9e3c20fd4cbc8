//! The whole-proof statistical test for private weights (docs/ZK.md §6.1): many proofs of keys
//! of one architecture whose weights differ, on an input where the output and every activation
//! do not depend on the weights.
//!
//! Model: `x [1, 32]` (private, all zeros) → `x·W1` (16) → `·W2` (4), no biases: every activation
//! and the output are 0 whatever the weights, so the statement and the witness are the same for
//! both weight sets. Set A has random weights, set B zero weights. Two distinguishers:
//! - **Byte positions**: several keys per set (each setup draws its own commitment randomness),
//!   several proofs per key; a byte position (below the shortest proof) constant within each set
//!   but different between them is a fixed function of the weights.
//! - **Zero windows** (as `zk_whole.rs`): any revealed value that is a fixed linear function of
//!   the weights (an evaluation at any point, an opened codeword row) is zero for set B — 16
//!   zero bytes — so set B's proofs would show more 16-byte zero windows than set A's.
//!
//! The hiding weights commitment shows neither; the control — the same keys' architecture with
//! the plain weights commitment of proving-key format 7 (`setup_plain_weights_for_tests`),
//! proved by the same zero-knowledge prover — shows both, so the test can fail.

mod common;
use common::zero_window_starts;

use zkinfer_pcs::PcsConfig;
use zkinfer_proof::ir::{Op, ProofGraph};
use zkinfer_proof::keys::setup_plain_weights_for_tests;
use zkinfer_proof::testing::GraphBuilder;
use zkinfer_proof::weights::without_masked_weights_for_tests;
use zkinfer_proof::{
    CompileOptions, InputVisibility, ProvingKey, WeightsData, ZkFile, compile, prove,
    setup_with_max_proofs, setup_with_weights_data, verify,
};

const KEYS: usize = 3;
const PROOFS: usize = 3;

/// The model with random weights (`zero = false`) or zero weights.
fn model(zero: bool) -> (ProofGraph, usize) {
    let mut b = GraphBuilder::new(&[1, 32], 16, 5);
    let h = b.linear_acc(0, 16);
    let _ = b.linear_acc(h, 4);
    let mut g = b.finish();
    for n in &mut g.nodes {
        if let Op::MatMulConst { weight, bias } = &mut n.op {
            if zero {
                weight.values.iter_mut().for_each(|v| *v = 0);
            }
            *bias = None;
        }
    }
    let n = g.tensors[g.input].len();
    (g, n)
}

fn keys(zero: bool, hiding: bool) -> Vec<ProvingKey> {
    let (g, _) = model(zero);
    let plan = compile(&g, CompileOptions::with_input(InputVisibility::Private)).expect("compiles");
    (0..KEYS)
        .map(|_| {
            if hiding {
                setup_with_max_proofs(&g, &plan, PcsConfig::default(), PROOFS)
            } else {
                setup_plain_weights_for_tests(&g, &plan, PcsConfig::default())
            }
            .expect("setup")
        })
        .collect()
}

/// The encoded proofs of every key, each verified.
fn proofs(keys: &[ProvingKey], x: &[i64]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for pk in keys {
        for _ in 0..PROOFS {
            let p = prove(pk, x, None).expect("proves");
            verify(&pk.vk, &p, None, None).expect("verifies");
            assert!(p.output.iter().all(|&v| v == 0), "the output is 0");
            out.push(p.to_bytes());
        }
    }
    out
}

/// Byte positions (below the shortest proof) constant within each set, different between them.
fn weight_determined_positions(a: &[Vec<u8>], b: &[Vec<u8>]) -> Vec<usize> {
    let len = a.iter().chain(b).map(Vec::len).min().unwrap_or(0);
    (0..len)
        .filter(|&j| {
            let fixed_a = a.iter().all(|r| r[j] == a[0][j]);
            let fixed_b = b.iter().all(|r| r[j] == b[0][j]);
            fixed_a && fixed_b && a[0][j] != b[0][j]
        })
        .collect()
}

/// (positions fixed by the weights, zero windows of set A's proofs, of set B's).
fn measure(hiding: bool) -> (Vec<usize>, Vec<usize>, Vec<usize>) {
    let (_, n) = model(false);
    let x = vec![0i64; n];
    let (ka, kb) = (keys(false, hiding), keys(true, hiding));
    // One statement: the published plans (weights stripped) are the same.
    assert_eq!(
        bincode::serialize(&ka[0].vk.plan).unwrap(),
        bincode::serialize(&kb[0].vk.plan).unwrap()
    );
    let (pa, pb) = (proofs(&ka, &x), proofs(&kb, &x));
    let positions = weight_determined_positions(&pa, &pb);
    let za: Vec<usize> = pa.iter().map(|p| zero_window_starts(p).len()).collect();
    let zb: Vec<usize> = pb.iter().map(|p| zero_window_starts(p).len()).collect();
    (positions, za, zb)
}

#[test]
fn no_byte_and_no_revealed_value_is_a_fixed_function_of_the_weights() {
    let (positions, za, zb) = measure(true);
    eprintln!(
        "hiding weights: {} positions; zero windows A {za:?} B {zb:?}",
        positions.len()
    );
    assert!(
        positions.is_empty(),
        "positions fixed by the weights: {positions:?}"
    );
    // A leak shows in every proof of the zero weights; a random zero byte next to a structural
    // run adds a window by chance now and then, so the test fails only when the fewest windows
    // of set B exceed the most of set A (as `zk_whole.rs`).
    let (b_min, a_max) = (
        zb.iter().min().copied().unwrap_or(0),
        za.iter().max().copied().unwrap_or(0),
    );
    assert!(
        b_min <= a_max,
        "zero weights reveal zeros: {zb:?} vs {za:?}"
    );
}

/// The control: the plain weights commitment (opened by every proof) fails both checks.
#[test]
fn the_plain_weights_commitment_fails_the_test() {
    let (positions, za, zb) = measure(false);
    eprintln!(
        "plain weights: {} positions; zero windows A {za:?} B {zb:?}",
        positions.len()
    );
    assert!(positions.len() > 32, "{}", positions.len());
    let a_max = za.iter().max().copied().unwrap_or(0);
    assert!(
        zb.iter().all(|&z| z >= a_max + 8),
        "plain: zero weights should reveal zeros: {zb:?} vs {za:?}"
    );
}

/// The proof after the last covered one is refused by the PCS when one prover process keeps
/// the commitment data; `zkinfer prove` counts across processes (the `zkinfer` crate's
/// `uses` module). Here: the key records the budget, which the verifier reads from the key; a
/// key opens its weights commitment from its stored data or re-derives it from its seed, and
/// a key whose data or seed is another key's cannot prove.
#[test]
fn the_key_records_the_budget_and_a_seedless_key_is_an_error() {
    // The HidingPcs weights path (this small model's default key is masked, docs/ZK.md §18).
    without_masked_weights_for_tests(|| {
        let (g, n) = model(false);
        let plan =
            compile(&g, CompileOptions::with_input(InputVisibility::Private)).expect("compiles");
        let pk = setup_with_max_proofs(&g, &plan, PcsConfig::default(), 7).expect("setup");
        assert_eq!(pk.vk.weights_uses, 7);
        // A small model's commitment data is kept by default (WeightsData::Auto).
        assert!(pk.weights_seed.is_some() && pk.weights_data.is_none());
        assert_eq!(pk.weights_stored.len(), 1);
        let pk = ProvingKey::from_bytes(&pk.to_bytes()).expect("decodes");
        let x = vec![0i64; n];
        let p = prove(&pk, &x, None).expect("proves");
        verify(&pk.vk, &p, None, None).expect("verifies");
        // The budget is in the key's digest: a key claiming another budget is another key.
        let mut vk = pk.vk.clone();
        vk.weights_uses = 8;
        assert!(vk.check_digest().is_err());
        vk.digest = zkinfer_proof::keys::vk_digest(&vk);
        assert!(verify(&vk, &p, None, None).is_err());
        // The stored data needs no seed.
        let mut seedless = pk.clone();
        seedless.weights_seed = None;
        let p = prove(&seedless, &x, None).expect("proves from the stored data");
        verify(&pk.vk, &p, None, None).expect("verifies");

        // A seed-only key re-derives the commitment: the same verifying key's kind of proof.
        let seed_only =
            setup_with_weights_data(&g, &plan, PcsConfig::default(), 7, WeightsData::Seed)
                .expect("setup");
        assert!(seed_only.weights_stored.is_empty() && seed_only.weights_seed.is_some());
        let p = prove(&seed_only, &x, None).expect("proves");
        verify(&seed_only.vk, &p, None, None).expect("verifies");
        assert!(
            verify(&pk.vk, &p, None, None).is_err(),
            "another key's proof"
        );
        // Without its seed (and without data) the key cannot re-derive the commitment.
        let mut seedless = seed_only.clone();
        seedless.weights_seed = None;
        let err = prove(&seedless, &x, None).unwrap_err();
        assert!(err.to_string().contains("weights"), "{err}");
        // Another key's seed commits to another root.
        let mut mixed = seed_only.clone();
        mixed.weights_seed = pk.weights_seed;
        let err = prove(&mixed, &x, None).unwrap_err();
        assert!(err.to_string().contains("weights"), "{err}");
        // Another key's stored data is not this key's commitment.
        let mut mixed = pk.clone();
        mixed.weights_stored = seed_only_with_data(&g, &plan).weights_stored;
        let err = prove(&mixed, &x, None).unwrap_err();
        assert!(err.to_string().contains("stored weights data"), "{err}");
        // Data for a key with another number of groups is refused before anything is opened.
        let mut doubled = pk.clone();
        doubled.weights_stored.push(pk.weights_stored[0].clone());
        let err = prove(&doubled, &x, None).unwrap_err();
        assert!(err.to_string().contains("weights"), "{err}");
        // A key whose weights differ from its stored data in one value (the prover compares them
        // column by column before opening) is refused, not proved with.
        let mut changed = pk.clone();
        let weight = changed
            .graph
            .nodes
            .iter_mut()
            .find_map(|n| match &mut n.op {
                Op::MatMulConst { weight, .. } => Some(weight),
                _ => None,
            })
            .expect("a weight");
        weight.values[3] += 1;
        let err = prove(&changed, &x, None).unwrap_err();
        assert!(
            err.to_string()
                .contains("do not match its stored weights commitment"),
            "{err}"
        );
    });
}

/// A key file carries the stored weights tree after its body; read from bytes or from a file,
/// the key proves, reading the tree where it opens it; a key file whose tree was changed, cut
/// or given another root is refused with an error naming it, never a proof.
#[test]
fn a_key_file_with_a_stored_tree_proves_and_a_changed_tree_is_refused() {
    // The HidingPcs weights path (this small model's default key is masked, docs/ZK.md §18).
    without_masked_weights_for_tests(|| {
        let (g, n) = model(false);
        let plan =
            compile(&g, CompileOptions::with_input(InputVisibility::Private)).expect("compiles");
        let pk = seed_only_with_data(&g, &plan);
        let x = vec![0i64; n];
        let bytes = pk.to_bytes();
        let trailer = usize::try_from(pk.trailer_len()).unwrap();
        assert!(trailer > 0 && trailer < bytes.len());
        let start = bytes.len() - trailer;

        // From a file, as `zkinfer prove` reads it: the tree stays in the file.
        let path = std::env::temp_dir().join(format!("zkinfer-zkw-{}.pk", std::process::id()));
        std::fs::write(&path, &bytes).unwrap();
        let from_file = ProvingKey::read_from_file(std::fs::File::open(&path).unwrap())
            .expect("reads the file");
        assert!(
            from_file.weights_stored[0].resident_bytes()
                < pk.weights_stored[0].resident_bytes() / 4
        );
        let p = prove(&from_file, &x, None).expect("proves");
        verify(&pk.vk, &p, None, None).expect("verifies");
        // Re-encoded, the key is the same bytes (the tree copied from the file).
        assert_eq!(from_file.to_bytes(), bytes);
        let _ = std::fs::remove_file(&path);

        // Every codeword value changed: decodes (the tree is read where opened), then refused.
        let shape = pk.weights_stored[0].shape();
        let mut bad = bytes.clone();
        for at in (start..start + shape.height * shape.width * 8).step_by(8) {
            bad[at + 1] ^= 1;
        }
        let bad = ProvingKey::from_bytes(&bad).expect("decodes");
        let err = prove(&bad, &x, None).unwrap_err();
        assert!(err.to_string().contains("stored weights data"), "{err}");
        // Another root (the tree's last 25 bytes): refused when the key is read.
        let mut bad = bytes.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert!(ProvingKey::from_bytes(&bad).is_err());
        // Cut short, or with a byte more.
        assert!(ProvingKey::from_bytes(&bytes[..bytes.len() - 1]).is_err());
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(ProvingKey::from_bytes(&longer).is_err());
    });
}

/// Another key of the same model, with its commitment data.
fn seed_only_with_data(g: &ProofGraph, plan: &zkinfer_proof::plan::Plan) -> ProvingKey {
    setup_with_weights_data(g, plan, PcsConfig::default(), 7, WeightsData::Stored).expect("setup")
}

/// Proof format 20: weights that leave about half of their stack unused (16,384 + 1,024
/// weights in a 2^15 stack) keep the openings' randomness in the stack's free tail at a budget of 2
/// proofs. Keys that store the commitment's data and keys that re-derive it from the seed both
/// prove (the claim reduction runs on the committed stack, randomness included), their proofs
/// verify with the same output, and a wrong claimed output, another key's proof,
/// and flipped proof bytes are rejected.
#[test]
fn weights_in_a_stack_with_a_free_tail_prove_and_verify() {
    // The HidingPcs weights path (this small model's default key is masked, docs/ZK.md §18).
    without_masked_weights_for_tests(|| {
        use zkinfer_pcs::ReusePlacement;
        use zkinfer_proof::weights::{WeightShapes, randomness_placements};
        let mut b = GraphBuilder::new(&[1, 64], 16, 11);
        let h = b.linear_acc(0, 256);
        let _ = b.linear_acc(h, 4);
        let g = b.finish();
        let n = g.tensors[g.input].len();
        let plan =
            compile(&g, CompileOptions::with_input(InputVisibility::Private)).expect("compiles");
        let uses = 2;
        let shapes = WeightShapes::of(&plan);
        assert_eq!(
            randomness_placements(PcsConfig::default(), &shapes, uses),
            vec![Some(ReusePlacement::FreeTail)]
        );
        // The default budget does not fit that tail: extra variables instead.
        assert_ne!(
            randomness_placements(PcsConfig::default(), &shapes, 256),
            vec![Some(ReusePlacement::FreeTail)]
        );
        let x: Vec<i64> = (0..n as i64).map(|i| (i * 37 % 23) - 11).collect();
        let stored =
            setup_with_weights_data(&g, &plan, PcsConfig::default(), uses, WeightsData::Stored)
                .expect("setup");
        assert_eq!(stored.weights_stored.len(), 1);
        let seed =
            setup_with_weights_data(&g, &plan, PcsConfig::default(), uses, WeightsData::Seed)
                .expect("setup");
        assert!(seed.weights_stored.is_empty());
        let mut proofs = Vec::new();
        let mut out = Vec::new();
        for pk in [&stored, &seed] {
            let p = prove(pk, &x, None).expect("proves");
            if out.is_empty() {
                out = p.output.clone();
                assert!(out.iter().any(|&v| v != 0), "{out:?}");
            }
            assert_eq!(verify(&pk.vk, &p, None, Some(&out)).expect("verifies"), out);
            let mut wrong = out.clone();
            wrong[0] += 1;
            assert!(verify(&pk.vk, &p, None, Some(&wrong)).is_err());
            proofs.push(p);
        }
        assert!(verify(&seed.vk, &proofs[0], None, None).is_err());
        assert!(verify(&stored.vk, &proofs[1], None, None).is_err());
        // Flipped bytes anywhere in the proof (the weights opening is most of it).
        let bytes = proofs[0].to_bytes();
        let mut rejected = 0;
        for k in 0..24usize {
            let mut bad = bytes.clone();
            let at = 64 + (k * 7919 * 131) % (bad.len() - 64);
            bad[at] ^= 1 << (k % 8);
            if let Ok(p) = zkinfer_proof::Proof::from_bytes(&bad) {
                assert!(verify(&stored.vk, &p, None, None).is_err(), "byte {at}");
            }
            rejected += 1;
        }
        assert_eq!(rejected, 24);
    });
}
