//! The embedding lookup with public token ids (`ops/embed.rs`): proofs verify; a tampered
//! message, a false claim, other ids than the proof's and ids outside the vocabulary are
//! rejected; a private id input is refused at compile.

use zkinfer_field::{EF, PrimeCharacteristicRing, Transcript};
use zkinfer_pcs::PcsConfig;
use zkinfer_proof::channel::{Msg, Reader};
use zkinfer_proof::claims::{Claim, Claims};
use zkinfer_proof::ir::ProofGraph;
use zkinfer_proof::ops::{VerifierCtx, mle, verify_node};
use zkinfer_proof::plan::WeightsVisibility;
use zkinfer_proof::testing::{
    GraphBuilder, Rng, check_linear_node, prove_linear_alone, rand_point,
};
use zkinfer_proof::witness::{generate, weight_columns};
use zkinfer_proof::{
    CompileOptions, InputVisibility, OutputVisibility, ProvingKey, VerifyError, compile, prove,
    setup, verify,
};

const VOCAB: usize = 20;

/// ids `[1, 8]` → reshape `[8]` → embedding `[20, 6]` → rescale → matmul to 4 → output; and
/// the ids.
fn model() -> (ProofGraph, Vec<i64>) {
    let mut b = GraphBuilder::new(&[1, 8], 16, 5);
    let flat = b.reshape(0, &[8]);
    let y = b.embedding(flat, VOCAB, 6);
    let y = b.rescale(y, 2);
    b.linear(y, 4);
    (b.finish(), vec![3, 0, 19, 3, 7, 12, 1, 19])
}

/// ids `[1, 5]` → embedding `[20, 6]` → rescale by 2 (a proof has lookups): nearly every
/// message of its proof is the embedding's.
fn bare() -> (ProofGraph, Vec<i64>) {
    let mut b = GraphBuilder::new(&[1, 5], 16, 6);
    let y = b.embedding(0, VOCAB, 6);
    b.rescale(y, 1);
    (b.finish(), vec![4, 4, 0, 17, 2])
}

fn keys(g: &ProofGraph, options: CompileOptions) -> ProvingKey {
    let plan = compile(g, options).expect("compiles");
    setup(g, &plan, PcsConfig::default()).expect("setup")
}

/// The output the interpreter computes (logical layout).
fn expected(pk: &ProvingKey, ids: &[i64]) -> Vec<i64> {
    let g = &pk.graph;
    let plan = &pk.vk.plan;
    plan.layouts[g.output].gather(&generate(g, plan, ids).unwrap().tensors[g.output])
}

#[test]
fn embedding_proofs_verify() {
    for (g, ids) in [model(), bare()] {
        for weights in [WeightsVisibility::Private, WeightsVisibility::Public] {
            let opts = CompileOptions {
                weights,
                ..CompileOptions::default()
            };
            let pk = keys(&g, opts);
            let proof = prove(&pk, &ids, None).expect("proves");
            let want = expected(&pk, &ids);
            let out = verify(&pk.vk, &proof, Some(&ids), Some(&want)).expect("verifies");
            assert_eq!(out, want);
        }
    }
    // A private output: the embedding's claim comes masked from the committed output.
    let (g, ids) = model();
    let pk = keys(
        &g,
        CompileOptions {
            output: OutputVisibility::Private,
            ..CompileOptions::default()
        },
    );
    let proof = prove(&pk, &ids, None).expect("proves");
    verify(&pk.vk, &proof, Some(&ids), None).expect("verifies");
}

/// The bare embedding's output is the table's rows (rescaled), by the model's interpreter.
#[test]
fn the_output_is_the_rows_of_the_ids() {
    let (g, ids) = bare();
    let zkinfer_proof::ir::Op::Embedding { table } = &g.nodes[1].op else {
        panic!("node 1 is the embedding")
    };
    let pk = keys(&g, CompileOptions::default());
    let proof = prove(&pk, &ids, None).unwrap();
    let out = verify(&pk.vk, &proof, Some(&ids), None).unwrap();
    let rows: Vec<i64> = ids
        .iter()
        .flat_map(|&i| table.values[i as usize * 6..(i as usize + 1) * 6].to_vec())
        .map(|v| zkinfer_model::rescale(v, 1))
        .collect();
    assert_eq!(out, rows);
}

/// The node alone: a true claim on its output verifies (and leaves true claims), a false one
/// does not.
#[test]
fn the_node_proves_true_claims_only() {
    let (g, ids) = model();
    assert!(matches!(
        g.nodes[2].op,
        zkinfer_proof::ir::Op::Embedding { .. }
    ));
    assert!(check_linear_node(&g, &ids, 2, false));
    assert!(!check_linear_node(&g, &ids, 2, true));
}

/// A node proof made for one list of ids, checked against other ids (same claim, same
/// transcript): the verifier's own selector differs and the sumcheck's final check fails.
#[test]
fn other_ids_than_the_provers_are_rejected() {
    let (g, ids) = model();
    let plan = compile(&g, CompileOptions::default()).unwrap();
    let wit = generate(&g, &plan, &ids).unwrap();
    let weights = weight_columns(&g, &plan).unwrap();
    let idx = 2;
    let out_t = g.nodes[idx].output;
    let point = rand_point(&mut Rng::new(3), plan.layouts[out_t].num_vars());
    let claim = Claim::new(point.clone(), mle(&wit.tensors[out_t], &point));
    let (msgs, _) = prove_linear_alone(&g, &plan, &wit, &weights, idx, &claim);
    let check = |stored: &[i64]| {
        let mut t = Transcript::new(b"t");
        let mut vx = VerifierCtx {
            plan: &plan,
            public_input: Some(stored),
            rd: Reader::new(&mut t, &msgs),
            claims: Claims::new(g.tensors.len()),
        };
        verify_node(&mut vx, idx, Some(&claim))
            .map(|()| {
                // Accepted: then the claim it leaves on the table must be true.
                vx.claims
                    .weights
                    .iter()
                    .all(|c| mle(&weights[c.column], &c.claim.point) == c.claim.value)
            })
            .unwrap_or(false)
    };
    let input_layout = &plan.layouts[g.input];
    assert!(check(&input_layout.scatter(&ids)), "the prover's own ids");
    for (pos, id) in [(0, 4), (2, 18), (7, 0)] {
        let mut other = ids.clone();
        other[pos] = id;
        assert!(
            !check(&input_layout.scatter(&other)),
            "ids changed at {pos} accepted"
        );
    }
    // Two ids swapped: the same multiset of rows at other positions.
    let mut swapped = ids.clone();
    swapped.swap(0, 2);
    assert!(!check(&input_layout.scatter(&swapped)));
    // No ids at all (a committed input): an error, not a panic.
    let mut t = Transcript::new(b"t");
    let mut vx = VerifierCtx {
        plan: &plan,
        public_input: None,
        rd: Reader::new(&mut t, &msgs),
        claims: Claims::new(g.tensors.len()),
    };
    assert!(verify_node(&mut vx, idx, Some(&claim)).is_err());
}

/// A whole proof presented for other ids (its public input replaced, or the verifier's
/// expected input other) is rejected.
#[test]
fn a_proof_for_other_ids_is_rejected() {
    let (g, ids) = model();
    let pk = keys(&g, CompileOptions::default());
    let proof = prove(&pk, &ids, None).unwrap();
    let mut other = ids.clone();
    other[1] = 5;
    assert!(verify(&pk.vk, &proof, Some(&other), None).is_err());
    let mut p = proof.clone();
    p.public_input = Some(other.clone());
    assert!(verify(&pk.vk, &p, Some(&other), None).is_err());
    assert!(verify(&pk.vk, &p, None, None).is_err());
}

/// Ids outside the vocabulary: the prover refuses them, and a proof whose public input holds
/// one is rejected with a message, never a panic.
#[test]
fn ids_outside_the_vocabulary_are_refused() {
    let (g, ids) = model();
    let pk = keys(&g, CompileOptions::default());
    for bad in [VOCAB as i64, 25, -1] {
        let mut x = ids.clone();
        x[4] = bad;
        let e = prove(&pk, &x, None).expect_err("an id outside the vocabulary proves");
        assert!(e.to_string().contains(&bad.to_string()), "{e}");
        let proof = prove(&pk, &ids, None).unwrap();
        let mut p = proof.clone();
        p.public_input = Some(x.clone());
        let e = verify(&pk.vk, &p, None, None).expect_err("accepted");
        assert!(
            e.to_string().contains("outside the vocabulary")
                || e.to_string().contains("different input")
                || e.to_string().contains("rejected"),
            "{e}"
        );
    }
}

/// A vocabulary past the 16-bit activation range (GPT-2's is 50257): ids ≥ 2^15 are checked
/// against the vocabulary, not the activation range, so they prove and verify; an id ≥ vocab (or
/// negative) in the proof's public input is rejected by `verify` naming the id, its position and
/// the vocabulary, and refused by the prover.
#[test]
fn a_vocabulary_past_the_activation_range_proves_and_checks_ids_against_it() {
    const BIG: usize = 40_000;
    let mut b = GraphBuilder::new(&[1, 4], 16, 7);
    let y = b.embedding(0, BIG, 8);
    b.rescale(y, 1);
    let g = b.finish();
    assert_eq!(g.input_vocab(), Some(BIG));
    assert!(g.input_only_indexes());
    let ids = vec![32_768, 39_999, 0, 35_001];
    let pk = keys(&g, CompileOptions::default());
    let proof = prove(&pk, &ids, None).expect("ids >= 2^15 inside the vocabulary prove");
    let want = expected(&pk, &ids);
    let out = verify(&pk.vk, &proof, Some(&ids), Some(&want)).expect("verifies");
    assert_eq!(out, want);
    verify(&pk.vk, &proof, None, None).expect("verifies against its own public input");

    for (position, bad) in [(1, BIG as i64), (3, 65_536), (0, -1), (2, i64::MAX)] {
        let mut x = ids.clone();
        x[position] = bad;
        let e = prove(&pk, &x, None).expect_err("an id outside the vocabulary proves");
        assert!(e.to_string().contains("outside the vocabulary"), "{e}");
        let mut p = proof.clone();
        p.public_input = Some(x.clone());
        let e = verify(&pk.vk, &p, None, None).expect_err("an id outside the vocabulary accepted");
        assert!(
            matches!(
                e,
                VerifyError::TokenIdOutOfRange { position: at, id, vocab: BIG }
                    if at == position && id == bad
            ),
            "{e:?}"
        );
        let m = e.to_string();
        assert!(
            m.contains(&format!("token id {bad} at position {position}"))
                && m.contains("outside the vocabulary [0, 40000)"),
            "{m}"
        );
        // The same, with the verifier's own expected input equal to the proof's.
        let e = verify(&pk.vk, &p, Some(&x), None).expect_err("accepted");
        assert!(matches!(e, VerifyError::TokenIdOutOfRange { .. }), "{e:?}");
    }
    // An id inside the vocabulary but other than the proof's: a different statement.
    let mut other = ids.clone();
    other[0] = 39_998;
    let mut p = proof.clone();
    p.public_input = Some(other.clone());
    assert!(verify(&pk.vk, &p, Some(&other), None).is_err());
    assert!(verify(&pk.vk, &proof, Some(&other), None).is_err());
}

/// Every message of a bare embedding's proof, changed, makes the proof fail.
#[test]
fn tampered_embedding_messages_are_rejected() {
    let (g, ids) = bare();
    let pk = keys(&g, CompileOptions::default());
    let proof = prove(&pk, &ids, None).unwrap();
    verify(&pk.vk, &proof, Some(&ids), None).expect("the honest proof verifies");
    let n = proof.msgs.len();
    assert!(n >= 2, "the embedding sends a sumcheck and its evaluation");
    let mut changed = 0;
    for i in 0..n {
        let mut p = proof.clone();
        let hit = match &mut p.msgs[i] {
            Msg::Evals(v) => v.first_mut().map(|e| *e += EF::ONE).is_some(),
            Msg::Sumcheck(s) => s.round_polys.first_mut().map(|r| r[0] += EF::ONE).is_some(),
            Msg::MaskedSumcheck(m) => {
                match m.zk.sumcheck.round_polys.first_mut() {
                    Some(r) => r[0] += EF::ONE,
                    None => m.zk.mask_eval += EF::ONE,
                }
                true
            }
            Msg::MaskedReduction(r) => {
                r.eval += EF::ONE;
                true
            }
            Msg::Reduction(r) => {
                r.eval += EF::ONE;
                true
            }
            Msg::ZkSumcheck(z) => {
                z.mask_eval += EF::ONE;
                true
            }
        };
        if hit {
            changed += 1;
            assert!(
                verify(&pk.vk, &p, Some(&ids), None).is_err(),
                "changed message {i} accepted"
            );
        }
    }
    assert!(changed >= 2);
    // The embedding's evaluation of the table (the last `Evals` before the weights'
    // unmasking) swapped for another value.
    let k = (0..n)
        .rev()
        .find(|&k| matches!(&proof.msgs[k], Msg::Evals(v) if v.len() == 1))
        .expect("the table's evaluation");
    let mut p = proof.clone();
    if let Msg::Evals(v) = &mut p.msgs[k] {
        v[0] = -v[0];
    }
    assert!(verify(&pk.vk, &p, Some(&ids), None).is_err());
}

/// A token-id input must be public: private and hashed ones are refused at compile, naming why.
#[test]
fn private_ids_are_refused_at_compile() {
    let (g, _) = model();
    for vis in [InputVisibility::Private, InputVisibility::Hashed] {
        let e = compile(&g, CompileOptions::with_input(vis)).expect_err("compiles");
        let m = e.to_string();
        assert!(
            m.contains("must be public") && m.contains("not supported yet"),
            "{m}"
        );
    }
    assert_eq!(g.input_vocab(), Some(VOCAB));
    let (mlp, _) = zkinfer_proof::testing::mlp(&[8, 4], 1);
    assert_eq!(mlp.input_vocab(), None);
    assert!(g.input_only_indexes());
    assert!(!mlp.input_only_indexes());
    let _ = EF::ZERO;
}
