//! Zero knowledge at the proof level (issue 13), as far as it is built: the per-proof witness
//! commitment and its opening are hiding.
//!
//! The model: an MLP with a committed (private) input whose last weight matrix is zero, so the
//! output does not depend on the input. Two different inputs are proved several times each. A
//! byte position of the witness commitment or its opening that is the same in every proof of one
//! input and differs between the inputs would be a fixed function of the private input; with
//! the hiding commitment there is none. The control — the same proofs with the plain commitment
//! (`prove_non_zk_for_bench`) — has many such positions, so the test can fail.
//!
//! The walk's sumchecks are masked (Libra) with masks from the proof's mask pool; their hiding is
//! tested statistically in `zkinfer-sumcheck` (`tests/zk.rs`, `tests/zk_pool.rs`); here, that
//! every one is masked and the discharge is checked.
//!
//! Claim reductions are masked sumchecks too.
//!
//! **Not covered yet (issue 13 is open):** the LogUp-GKR proofs and the
//! claimed evaluations of private tensors are not masked yet. They vary from proof to proof only
//! because the Fiat–Shamir challenges follow the random commitment root, so a byte-position test
//! cannot see their leak: given the challenges, a revealed evaluation of a private tensor is
//! still a fixed linear function of it (docs/ZK.md §6.3).

use zkinfer_pcs::PcsConfig;
use zkinfer_proof::ir::Op;
use zkinfer_proof::testing::mlp;
use zkinfer_proof::{
    CompileOptions, InputVisibility, Profile, Proof, ProvingKey, compile, prove,
    prove_non_zk_for_bench, setup, verify,
};

const RUNS: usize = 6;

/// An MLP whose last layer's weights and bias are zero, with a committed input; two inputs.
fn fixture() -> (ProvingKey, Vec<i64>, Vec<i64>) {
    let (mut g, x) = mlp(&[16, 8, 4], 11);
    let last = g
        .nodes
        .iter_mut()
        .rev()
        .find_map(|n| match &mut n.op {
            Op::MatMulConst { weight, bias } => Some((weight, bias)),
            _ => None,
        })
        .expect("the MLP has a linear layer");
    last.0.values.iter_mut().for_each(|v| *v = 0);
    if let Some(b) = last.1 {
        b.values.iter_mut().for_each(|v| *v = 0);
    }
    let plan = compile(&g, CompileOptions::with_input(InputVisibility::Private)).expect("compiles");
    let pk = setup(&g, &plan, PcsConfig::default()).expect("setup");
    let y: Vec<i64> = x.iter().map(|v| (v * 7 + 3) % 50).collect();
    assert_ne!(x, y);
    (pk, x, y)
}

/// The bytes of the witness commitment and its opening.
fn witness_bytes(p: &Proof) -> Vec<u8> {
    let mut b = bincode::serialize(&p.witness).expect("encodes");
    b.extend(bincode::serialize(&p.witness_opening).expect("encodes"));
    b
}

/// Byte positions (below the shortest encoding) constant within each group and different
/// between the groups: positions that are a fixed function of the group's data.
fn data_determined_positions(a: &[Vec<u8>], b: &[Vec<u8>]) -> usize {
    let len = a.iter().chain(b).map(Vec::len).min().unwrap_or(0);
    (0..len)
        .filter(|&i| {
            let ca = a.iter().all(|v| v[i] == a[0][i]);
            let cb = b.iter().all(|v| v[i] == b[0][i]);
            ca && cb && a[0][i] != b[0][i]
        })
        .count()
}

fn proofs(pk: &ProvingKey, x: &[i64], hiding: bool) -> Vec<Proof> {
    (0..RUNS)
        .map(|_| {
            let p = if hiding {
                prove(pk, x, None)
            } else {
                prove_non_zk_for_bench(pk, x, &mut Profile::default())
            }
            .expect("proves");
            verify(&pk.vk, &p, None, None).expect("verifies");
            p
        })
        .collect()
}

#[test]
fn the_witness_commitment_and_opening_are_not_a_function_of_a_private_input() {
    let (pk, x, y) = fixture();
    let (px, py) = (proofs(&pk, &x, true), proofs(&pk, &y, true));
    assert_eq!(
        px[0].output, py[0].output,
        "the output must not depend on the input"
    );
    assert!(px.iter().chain(&py).all(|p| p.witness.is_hiding()));
    let (bx, by): (Vec<_>, Vec<_>) = (
        px.iter().map(witness_bytes).collect(),
        py.iter().map(witness_bytes).collect(),
    );
    assert_eq!(data_determined_positions(&bx, &by), 0);
    // Two hiding commitments of the same data differ.
    assert_ne!(bx[0][..64], bx[1][..64]);

    // Control: the plain commitment is a fixed function of the witness. The control key's
    // weights are on the plain commitment too, so that nothing random enters the transcript
    // before the witness opening (the weights' hiding opening would randomize its positions).
    let mut plain_pk = zkinfer_proof::keys::setup_plain_weights_for_tests(
        &pk.graph,
        &compile(&pk.graph, pk.vk.plan.options).expect("compiles"),
        PcsConfig::default(),
    )
    .expect("setup");
    plain_pk.mask_entries = pk.mask_entries;
    let (qx, qy) = (proofs(&plain_pk, &x, false), proofs(&plain_pk, &y, false));
    assert!(qx.iter().all(|p| !p.witness.is_hiding()));
    let (cx, cy): (Vec<_>, Vec<_>) = (
        qx.iter().map(witness_bytes).collect(),
        qy.iter().map(witness_bytes).collect(),
    );
    let leaked = data_determined_positions(&cx, &cy);
    assert!(
        leaked > 32,
        "the plain commitment should reveal the input (root at least): {leaked}"
    );
}

#[test]
fn a_hiding_proof_and_a_plain_proof_of_one_statement_both_verify_and_differ_in_kind() {
    let (pk, x, _) = fixture();
    // The fixture's key is on the masked weights path (docs/ZK.md §18), whose weights are opened
    // only with a masked witness: the benchmark proof's witness is masked too, its sumchecks
    // plain. Mixing the two proofs' parts is refused.
    let h = prove(&pk, &x, None).unwrap();
    let p = prove_non_zk_for_bench(&pk, &x, &mut Profile::default()).unwrap();
    assert_eq!(h.output, p.output);
    verify(&pk.vk, &p, None, None).unwrap();
    let mut mixed = h.clone();
    mixed.witness_opening = p.witness_opening.clone();
    assert!(verify(&pk.vk, &mixed, None, None).is_err());
    let mut mixed = p;
    mixed.witness = h.witness;
    assert!(verify(&pk.vk, &mixed, None, None).is_err());

    // On the HidingPcs weights path the benchmark proof's witness is plain: a hiding commitment
    // with a plain opening (and the reverse) is refused, not a panic.
    let pk = zkinfer_proof::weights::without_masked_weights_for_tests(|| {
        setup(
            &pk.graph,
            &compile(&pk.graph, pk.vk.plan.options).unwrap(),
            PcsConfig::default(),
        )
    })
    .unwrap();
    let h = prove(&pk, &x, None).unwrap();
    let p = prove_non_zk_for_bench(&pk, &x, &mut Profile::default()).unwrap();
    assert!(h.witness.is_hiding() && !p.witness.is_hiding());
    let mut mixed = h.clone();
    mixed.witness_opening = p.witness_opening.clone();
    let e = verify(&pk.vk, &mixed, None, None).unwrap_err();
    assert!(
        e.to_string().contains("not of the commitment's kind"),
        "{e}"
    );
    let mut mixed = p;
    mixed.witness = h.witness;
    assert!(verify(&pk.vk, &mixed, None, None).is_err());
}

/// With the hiding commitment every sumcheck of the walk is masked (Libra), its mask taken from
/// the proof's mask pool (the last column of the witness batch), and the pool's discharge is
/// checked: a changed discharge value, a dropped pool proof or a changed mask value is rejected.
/// The benchmark-only plain prover's sumchecks are plain.
#[test]
fn the_walk_sumchecks_are_masked_and_their_masks_discharged() {
    use zkinfer_field::{EF, PrimeCharacteristicRing};
    use zkinfer_proof::channel::Msg;
    let (pk, x, _) = fixture();
    let p = prove(&pk, &x, None).unwrap();
    let count = |p: &Proof, zk: bool| {
        p.msgs
            .iter()
            .filter(|m| match m {
                Msg::ZkSumcheck(_) | Msg::MaskedSumcheck(_) | Msg::MaskedReduction(_) => zk,
                Msg::Sumcheck(_) | Msg::Reduction(_) => !zk,
                _ => false,
            })
            .count()
    };
    assert!(count(&p, true) > 0, "masked sumchecks");
    assert_eq!(count(&p, false), 0, "no plain sumcheck in a ZK proof");
    assert!(
        !p.msgs.iter().any(|m| matches!(m, Msg::Reduction(_))),
        "claim reductions are masked sumchecks too"
    );
    assert!(p.mask_pool.is_some());
    assert_eq!(
        p.witness.num_vars().len(),
        pk.vk.plan.witness_columns.len() + 4,
        "the lookups' blinding column (two coordinate columns), the opening mask and the pool \
         are four more columns of the witness batch"
    );
    let q = prove_non_zk_for_bench(&pk, &x, &mut Profile::default()).unwrap();
    assert_eq!(count(&q, true), 0);
    assert!(count(&q, false) > 0 && q.mask_pool.is_none());

    let mut bad = p.clone();
    bad.mask_pool.as_mut().unwrap().pool_eval += EF::ONE;
    assert!(verify(&pk.vk, &bad, None, None).is_err(), "pool discharge");
    let mut bad = p.clone();
    bad.mask_pool.as_mut().unwrap().inner_eval += EF::ONE;
    assert!(verify(&pk.vk, &bad, None, None).is_err(), "inner discharge");
    let mut bad = p.clone();
    bad.mask_pool = None;
    assert!(verify(&pk.vk, &bad, None, None).is_err(), "dropped pool");
    fn zk_part(m: &mut Msg) -> Option<&mut zkinfer_sumcheck::ZkSumcheckProof> {
        match m {
            Msg::ZkSumcheck(z) => Some(z),
            Msg::MaskedSumcheck(m) => Some(&mut m.zk),
            Msg::MaskedReduction(r) => Some(&mut r.sumcheck.zk),
            _ => None,
        }
    }
    for i in 0..p.msgs.len() {
        let mut bad = p.clone();
        match zk_part(&mut bad.msgs[i]) {
            Some(z) => z.mask_eval += EF::ONE,
            None => continue,
        }
        assert!(verify(&pk.vk, &bad, None, None).is_err(), "mask value {i}");
        let mut bad = p.clone();
        if let Some(z) = zk_part(&mut bad.msgs[i]) {
            z.mask_sum += EF::ONE;
        }
        assert!(verify(&pk.vk, &bad, None, None).is_err(), "mask sum {i}");
    }
}

/// With the hiding commitment the lookups are blinded (`zkinfer_lookup::zk`: blinded roots,
/// `Z·R`-masked layers, masked layer sumchecks whose masks come from the proof's pool, the
/// blinding secrets committed in the witness batch). Every part of the blinded proof is checked:
/// a changed root, layer child, inner-mask value, or masked leaf value (looked-up columns,
/// multiplicities) is rejected, as is a changed layer-sumcheck mask value, the plain lookup proof of the same input
/// put in its place, and a changed message of the blinding column's reduction.
#[test]
fn the_lookups_are_blinded_and_every_part_is_checked() {
    use zkinfer_field::{EF, PrimeCharacteristicRing};
    use zkinfer_lookup::zk::BlindedProof;
    use zkinfer_proof::Lookups;
    use zkinfer_proof::channel::Msg;

    // Two hidden layers of one width: their rescales' lookups share trees.
    let (g, x) = mlp(&[16, 8, 8, 4], 11);
    let plan = compile(&g, CompileOptions::with_input(InputVisibility::Private)).expect("compiles");
    let pk = setup(&g, &plan, PcsConfig::default()).expect("setup");
    let p = prove(&pk, &x, None).unwrap();
    verify(&pk.vk, &p, None, None).expect("honest proof");
    let Lookups::Blinded(blinded) = &p.lookups else {
        panic!("a ZK proof's lookups are blinded");
    };
    assert!(!blinded.layers.is_empty() && !blinded.roots.is_empty());
    // The lookups of one table share a tree (proof format 18): one root per group (one per
    // table with lookups) and per table, and this model has a group of several lookups.
    let by_table = pk.vk.plan.lookups_by_table();
    let lookups: usize = by_table.iter().map(Vec::len).sum();
    let trees: usize = by_table
        .iter()
        .map(|us| zkinfer_proof::lookups::zk::groups(us).len() + 1)
        .sum();
    assert_eq!(blinded.roots.len(), trees);
    assert!(
        trees < lookups + by_table.len(),
        "no tree merges two lookups"
    );
    let plain = prove_non_zk_for_bench(&pk, &x, &mut Profile::default()).unwrap();
    assert!(matches!(plain.lookups, Lookups::Plain(_)));
    verify(&pk.vk, &plain, None, None).expect("plain proof");

    let rejected = |edit: &dyn Fn(&mut BlindedProof), what: &str| {
        let mut bad = p.clone();
        let Lookups::Blinded(b) = &mut bad.lookups else {
            unreachable!()
        };
        edit(b);
        assert!(verify(&pk.vk, &bad, None, None).is_err(), "{what}");
    };
    for t in 0..blinded.roots.len() {
        for i in 0..2 {
            rejected(&|b| b.roots[t][i] += EF::ONE, &format!("root {t}.{i}"));
        }
    }
    for (k, layer) in blinded.layers.iter().enumerate() {
        for c in 0..layer.children.len() {
            rejected(
                &|b| b.layers[k].children[c] += EF::ONE,
                &format!("layer {k} child {c}"),
            );
        }
        for m in 0..layer.mask_evals.len() {
            rejected(
                &|b| b.layers[k].mask_evals[m][1] += EF::ONE,
                &format!("layer {k} inner mask {m}"),
            );
        }
        rejected(
            &|b| b.layers[k].sumcheck.mask_eval += EF::ONE,
            &format!("layer {k} sumcheck mask value"),
        );
    }
    // The leaves are deferred to masked values: no leaf value is in the lookup proof.
    assert!(
        blinded.witness_evals.is_empty()
            && blinded.blinding_evals.is_empty()
            && blinded.multiplicity_evals.is_empty()
    );
    let mut bad = p.clone();
    bad.lookups = plain.lookups.clone();
    assert!(
        verify(&pk.vk, &bad, None, None).is_err(),
        "plain lookups in a ZK proof"
    );
    // The leaf values (the looked-up columns' and the multiplicities', masked) come first, one
    // message per tree; then the blinding column's reduction (the first masked reduction),
    // followed by the two coordinates' values. Each value changed alone is rejected.
    let first_reduction = p
        .msgs
        .iter()
        .position(|m| matches!(m, Msg::MaskedReduction(_)))
        .expect("the blinding column's reduction");
    assert!(first_reduction >= 2, "leaf values before the reduction");
    for (i, m) in p.msgs[..first_reduction].iter().enumerate() {
        let Msg::Evals(values) = m else {
            panic!("message {i} before the blinding reduction is not a leaf value");
        };
        for j in 0..values.len() {
            let mut bad = p.clone();
            if let Msg::Evals(v) = &mut bad.msgs[i] {
                v[j] += EF::ONE;
            }
            assert!(
                verify(&pk.vk, &bad, None, None).is_err(),
                "leaf value {i}.{j}"
            );
        }
        // A merged tree's members' values in another order: each is routed to another column.
        if values.len() >= 2 && values[0] != values[values.len() - 1] {
            let mut bad = p.clone();
            if let Msg::Evals(v) = &mut bad.msgs[i] {
                v.reverse();
            }
            assert!(
                verify(&pk.vk, &bad, None, None).is_err(),
                "leaf values {i} reversed"
            );
        }
    }
    let mut bad = p.clone();
    if let Msg::MaskedReduction(r) = &mut bad.msgs[first_reduction] {
        r.eval += EF::ONE;
    }
    assert!(
        verify(&pk.vk, &bad, None, None).is_err(),
        "blinding reduction"
    );
    let mut bad = p.clone();
    let Msg::Evals(v) = &mut bad.msgs[first_reduction + 1] else {
        panic!("the blinding coordinates follow the reduction");
    };
    v[1] += EF::ONE;
    assert!(
        verify(&pk.vk, &bad, None, None).is_err(),
        "blinding coordinates"
    );
}

/// Setup records the mask-pool budget a proof takes (counted on a zero input), so proving skips
/// its counting pass: proofs of keys with the recorded budget and without it (each proof counts)
/// have pools of the same size and verify, for models with linear layers, convolutions, pooling
/// and function tables; the recorded budget is what sizes the pool.
#[test]
fn setup_records_the_mask_budget_a_proof_takes() {
    use zkinfer_proof::testing::{lenet5, mlp_with_table};
    let pool_vars = |p: &Proof| *p.witness.num_vars().last().unwrap();
    for (name, (g, x)) in [("table", mlp_with_table(5)), ("lenet5", lenet5(3))] {
        let plan = compile(&g, CompileOptions::with_input(InputVisibility::Private)).unwrap();
        let pk = setup(&g, &plan, PcsConfig::default()).unwrap();
        assert!(pk.mask_entries.is_some(), "{name}: budget recorded");
        let p = prove(&pk, &x, None).unwrap();
        verify(&pk.vk, &p, None, None).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut counting = pk.clone();
        counting.mask_entries = None;
        let q = prove(&counting, &x, None).unwrap();
        verify(&pk.vk, &q, None, None).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(pool_vars(&p), pool_vars(&q), "{name}: the same pool");

        if name == "table" {
            // A masked weights key's joint stack holds the recorded budget's pool, not a much
            // larger one: a clear error.
            assert!(pk.vk.weights_joint_vars > 0);
            let mut larger = pk.clone();
            larger.mask_entries = Some(1 << 20);
            let e = prove(&larger, &x, None).unwrap_err();
            assert!(e.to_string().contains("run `zkinfer setup` again"), "{e}");
            // On the HidingPcs weights path the larger budget sizes a larger pool.
            let pk = zkinfer_proof::weights::without_masked_weights_for_tests(|| {
                setup(&g, &plan, PcsConfig::default())
            })
            .unwrap();
            let p = prove(&pk, &x, None).unwrap();
            let mut larger = pk.clone();
            larger.mask_entries = Some(1 << 20);
            let big = prove(&larger, &x, None).unwrap();
            assert!(pool_vars(&big) > pool_vars(&p), "the budget sizes the pool");
            verify(&pk.vk, &big, None, None).unwrap();
        }
    }
}

/// The walk's and the blinding column's claims on the hiding witness commitment end in one
/// masked reduction over the commitment's whole stack (the proof's last sumcheck message), whose
/// revealed value the opening proves as a claim on the stack (docs/ZK.md §13). A changed
/// revealed value, another proof's reduction in its place, a dropped reduction or a changed
/// round message are rejected; the revealed value differs between proofs of the same input.
#[test]
fn the_witness_claims_end_in_one_checked_claim_on_the_whole_stack() {
    use zkinfer_field::{EF, PrimeCharacteristicRing};
    use zkinfer_proof::channel::Msg;
    let (pk, x, _) = fixture();
    let p = prove(&pk, &x, None).unwrap();
    verify(&pk.vk, &p, None, None).unwrap();
    let last = p.msgs.len() - 1;
    let Msg::MaskedReduction(r) = &p.msgs[last] else {
        panic!("the last message is not the stack reduction");
    };
    let n = pk.vk.plan.witness_columns.len();
    assert!(
        r.sumcheck.zk.sumcheck.round_polys.len() > 1 + (n as f64).log2() as usize,
        "the reduction runs over the stack, not over one column"
    );
    let reject = |q: &Proof, what: &str| {
        assert!(verify(&pk.vk, q, None, None).is_err(), "{what} accepted");
    };
    let mut q = p.clone();
    if let Msg::MaskedReduction(r) = &mut q.msgs[last] {
        r.eval += EF::ONE;
    }
    reject(&q, "a changed stack value");
    let p2 = prove(&pk, &x, None).unwrap();
    let Msg::MaskedReduction(r2) = &p2.msgs[last] else {
        panic!("the last message is not the stack reduction");
    };
    assert_ne!(r.eval, r2.eval, "two proofs revealed the same stack value");
    let mut q = p.clone();
    q.msgs[last] = p2.msgs[last].clone();
    reject(&q, "another proof's stack reduction");
    let mut q = p.clone();
    q.msgs.pop();
    reject(&q, "a proof without its stack reduction");
    let mut q = p.clone();
    if let Msg::MaskedReduction(r) = &mut q.msgs[last] {
        r.sumcheck.zk.sumcheck.round_polys[0][0] += EF::ONE;
    }
    reject(&q, "a changed round of the stack reduction");
}

/// The evaluations sent in the clear (`Msg::Evals`) of a proof, flattened.
fn sent_values(p: &Proof) -> Vec<zkinfer_field::EF> {
    use zkinfer_proof::channel::Msg;
    p.msgs
        .iter()
        .filter_map(|m| match m {
            Msg::Evals(v) => Some(v.iter().copied()),
            _ => None,
        })
        .flatten()
        .collect()
}

/// Checks an op that used to send values of private tensors in the clear (docs/ZK.md §12) on
/// the graph `g`, whose private input feeds it:
/// (a) proofs verify, with a random private input and with a random public one (values of
/// public tensors are sent in the clear);
/// (b) every value the proof sends, changed alone, is rejected (the op's masked values among
/// them);
/// (c) with a private input of zeros every private tensor the op reads is zero, so a value of
/// it sent in the clear would be 0 whatever the point; no sent value is 0. The control: the
/// benchmark-only plain prover on the same input sends `at_least` zeros.
fn check_masked_values(name: &str, g: &zkinfer_proof::ir::ProofGraph, at_least: usize) {
    use zkinfer_field::{EF, PrimeCharacteristicRing};
    use zkinfer_proof::channel::Msg;
    use zkinfer_proof::testing::Rng;

    let n = g.tensors[g.input].len();
    let random = Rng::new(17).vec(n, 256);
    let public = compile(g, CompileOptions::default()).expect("compiles");
    let pk = setup(g, &public, PcsConfig::default()).expect("setup");
    let p = prove(&pk, &random, None).expect("proves");
    verify(&pk.vk, &p, Some(random.as_slice()), None)
        .unwrap_or_else(|e| panic!("{name} public: {e}"));

    let plan = compile(g, CompileOptions::with_input(InputVisibility::Private)).expect("compiles");
    let pk = setup(g, &plan, PcsConfig::default()).expect("setup");
    let p = prove(&pk, &random, None).expect("proves");
    verify(&pk.vk, &p, None, None).unwrap_or_else(|e| panic!("{name} private: {e}"));

    let zeros = vec![0i64; n];
    let p = prove(&pk, &zeros, None).expect("proves");
    verify(&pk.vk, &p, None, None).unwrap_or_else(|e| panic!("{name} zeros: {e}"));
    let sent = sent_values(&p);
    assert!(!sent.is_empty());
    assert!(
        sent.iter().all(|&v| v != EF::ZERO),
        "{name}: a value of a zero private tensor was sent in the clear"
    );
    let plain = prove_non_zk_for_bench(&pk, &zeros, &mut Profile::default()).expect("proves");
    let clear = sent_values(&plain)
        .iter()
        .filter(|&&v| v == EF::ZERO)
        .count();
    assert!(
        clear >= at_least,
        "{name}: control, {clear} zeros in the clear"
    );

    for i in 0..p.msgs.len() {
        let Msg::Evals(v) = &p.msgs[i] else {
            continue;
        };
        for j in 0..v.len() {
            let mut bad = p.clone();
            if let Msg::Evals(w) = &mut bad.msgs[i] {
                w[j] += EF::ONE;
            }
            assert!(
                verify(&pk.vk, &bad, None, None).is_err(),
                "{name}: changed value {j} of message {i} accepted"
            );
        }
    }
}

/// Concatenation (three parts of one private tensor): its shares are sent masked, the last
/// derived; the selector sumchecks consume the shares' masks.
#[test]
fn concatenation_shares_are_masked() {
    use zkinfer_proof::testing::GraphBuilder;
    let mut b = GraphBuilder::new(&[1, 8], 16, 3);
    let c = b.concat(&[0, 0, 0], 1);
    b.linear(c, 4);
    // Unmasked: two shares, three selector evaluations of the input.
    check_masked_values("concat", &b.finish(), 5);
}

/// Broadcast add and sub (`b` of shapes `[1, 4, 1]` and `[1, 1, 8]` against `[1, 4, 8]`): the
/// broadcast operand is sent masked, the other's claim derived.
#[test]
fn broadcast_add_operands_are_masked() {
    use zkinfer_proof::testing::GraphBuilder;
    let mut b = GraphBuilder::new(&[1, 4, 8], 16, 4);
    let rows = b.sum_axis(0, 2);
    let cols = b.sum_axis(0, 1);
    let y = b.add(0, rows);
    let z = b.sub(y, cols);
    let f = b.flatten(z);
    b.linear(f, 4);
    // Unmasked: each broadcast op sends both operands' values.
    check_masked_values("broadcast", &b.finish(), 4);
}

/// Max-pool 2×2: the zero-check's differences are reported masked, `ỹ` and `W̃(ρ)` sent masked,
/// and the lookup's split sends `ỹ` masked.
#[test]
fn max_pool_values_are_masked() {
    use zkinfer_proof::testing::GraphBuilder;
    let mut b = GraphBuilder::new(&[1, 2, 4, 4], 16, 5);
    let m = b.maxpool(0, 2);
    let f = b.flatten(m);
    b.linear(f, 4);
    // Unmasked: `ỹ` and four differences, `W̃(ρ)`, the input's selector evaluation, and the
    // lookup's `ỹ`, `W̃`.
    check_masked_values("max-pool", &b.finish(), 8);
}

/// The transformer gadgets (reduce-max, division, integer square root, arg-max): their
/// sumchecks report private columns masked, and the values they send without a sumcheck
/// (arg-max's `ỹ(ρ)` and row values, a wide square root's limbs) are masked; the derived ones
/// (the last row value inside and in the padding, the last limb) are not sent.
#[test]
fn transformer_gadget_values_are_masked() {
    // Unmasked, on the zero input: reduce-max's six differences and `D̃`; division's dividend,
    // quotient, remainder and slack; the square root's `x − y²`; arg-max's row values after the
    // first and `D̃`; the add's `q̃`.
    check_masked_values("gadgets", &gadgets(&[3, 6], 18), 15);
}

/// Reduce-max, division, square root, add and arg-max of an input of `shape`.
fn gadgets(shape: &[usize], seed: u64) -> zkinfer_proof::ir::ProofGraph {
    use zkinfer_proof::testing::GraphBuilder;
    const A: u32 = 12;
    let mut b = GraphBuilder::new(shape, A, seed);
    let x0 = b.offset(0, 0);
    let p = b.table(x0, "abs1", |v| v.abs() + 1);
    let m = b.reduce_max(p);
    let q = b.div(x0, m, 4, A);
    let r = b.isqrt(p, A);
    let s = b.add(q, r);
    b.argmax(s);
    b.finish()
}

/// The gadgets over a single row: their zero-checks have no row variables, so a plain
/// sumcheck without variables would report the differences, remainders and slacks themselves
/// (reduce-max's row differences are 0 on the zero input). The channel runs such a masked
/// sumcheck over one padding variable (docs/ZK.md §14), so no sent value is 0.
#[test]
fn single_row_gadget_values_are_masked() {
    check_masked_values("single-row gadgets", &gadgets(&[1, 6], 21), 10);
}

/// A wide integer square root (`in_bits = 36`: an 18-bit root committed as two 16-bit limbs):
/// the first limb is sent masked, the last derived from `ỹ`'s masked evaluation. The wide
/// values are built from three non-negative digits of the input (`w = h·2^24 + m·2^12 + l`), so
/// a zero input gives a zero `w` and root.
#[test]
fn wide_square_root_limbs_are_masked() {
    use zkinfer_proof::testing::GraphBuilder;
    const A: u32 = 12;
    let mut b = GraphBuilder::new(&[3, 4], A, 19);
    let d = b.table(0, "abs", i64::abs);
    let parts: Vec<_> = (0..3).map(|row| b.gather(d, 0, &[row])).collect();
    let h = b.mul_const(parts[0], 1 << 24);
    let m = b.mul_const(parts[1], 1 << 12);
    let hm = b.add(h, m);
    let w = b.add(hm, parts[2]);
    let y = b.isqrt(w, 36);
    b.offset(y, 0);
    // Unmasked, on the zero input: the root's first limb, `w̃`, `ỹ` and both slacks' limbs; the
    // adds' operands.
    check_masked_values("wide isqrt", &b.finish(), 5);
}
