//! Soundness of the whole proof: every tampering is rejected with an error, never a panic.

use zkinfer_field::{EF, PrimeCharacteristicRing};
use zkinfer_pcs::PcsConfig;
use zkinfer_proof::channel::Msg;
use zkinfer_proof::ir::ProofGraph;
use zkinfer_proof::plan::{Source, TableSpec};
use zkinfer_proof::prover::prove_with_witness;
use zkinfer_proof::testing::{GraphBuilder, Rng, mlp, mlp_with_table, residual_cnn};
use zkinfer_proof::witness::generate;
use zkinfer_proof::{
    CompileOptions, InputVisibility, Proof, ProvingKey, VerifyError, VerifyingKey, ZkFile, compile,
    prove, setup, verify,
};

fn keys(g: &ProofGraph, vis: InputVisibility) -> ProvingKey {
    let plan = compile(g, CompileOptions::with_input(vis)).unwrap();
    setup(g, &plan, PcsConfig::default()).unwrap()
}

fn fixture() -> (ProofGraph, Vec<i64>, ProvingKey, Proof) {
    let (g, x) = residual_cnn(11);
    let pk = keys(&g, InputVisibility::Public);
    let proof = prove(&pk, &x, None).unwrap();
    verify(&pk.vk, &proof, Some(&x), None).expect("honest proof verifies");
    (g, x, pk, proof)
}

#[test]
fn byte_flips_across_the_proof_are_rejected() {
    let (_, x, pk, proof) = fixture();
    let bytes = proof.to_bytes();
    let mut rng = Rng::new(1);
    // Sample positions across every region of the encoding, plus the first and last bytes.
    let mut positions: Vec<usize> = (0..200)
        .map(|_| (rng.next_u64() as usize) % bytes.len())
        .collect();
    positions.extend([0, 8, 12, bytes.len() - 1]);
    for pos in positions {
        let mut b = bytes.clone();
        b[pos] ^= 1 << (rng.next_u64() % 8);
        let Ok(p) = Proof::from_bytes(&b) else {
            continue;
        };
        assert!(
            verify(&pk.vk, &p, Some(&x), None).is_err(),
            "flip at byte {pos} of {} accepted",
            bytes.len()
        );
    }
}

#[test]
fn changed_output_is_rejected() {
    let (g, x, pk, proof) = fixture();
    let layout = &pk.vk.plan.layouts[g.output];
    assert_eq!(proof.output.len(), layout.logical_len());
    let mut p = proof.clone();
    p.output[0] += 1;
    assert!(verify(&pk.vk, &p, Some(&x), None).is_err());
    // The expected output differing from the proven one.
    let mut want = proof.output.clone();
    want[1] -= 1;
    assert!(matches!(
        verify(&pk.vk, &proof, Some(&x), Some(&want)),
        Err(VerifyError::OutputMismatch { index: 1 })
    ));
}

/// A public output is sent as its logical values plus its non-zero padded entries. Zero padding
/// (a linear layer's 5 outputs stored in 8) sends none, and a claimed non-zero padded entry is
/// rejected; a table lookup's padding (`f(0) ≠ 0` on every stored element) is sent, verifies, and
/// changing, dropping or reordering an entry is rejected.
#[test]
fn a_public_output_is_bound_at_its_padded_positions() {
    let model = |table: bool| {
        let mut b = GraphBuilder::new(&[1, 6], 16, 5);
        let y = b.linear(0, 5);
        if table {
            b.table(y, "shift_plus_7", |v| (v >> 6) + 7);
        }
        let x = b.random_input();
        let g = b.finish();
        let pk = keys(&g, InputVisibility::Public);
        let proof = prove(&pk, &x, None).unwrap();
        let out = verify(&pk.vk, &proof, Some(&x), None).expect("honest proof verifies");
        assert_eq!(out, proof.output);
        assert_eq!(proof.output.len(), 5);
        assert_eq!(pk.vk.plan.layouts[g.output].size(), 8);
        (x, pk, proof)
    };
    let (x, pk, proof) = model(false);
    assert!(proof.output_pad.is_empty());
    // The whole padded table, as proof format 12 sent it, is malformed.
    let mut p = proof.clone();
    p.output = pk.vk.plan.layouts[pk.vk.plan.graph.output].scatter(&proof.output);
    assert!(matches!(
        verify(&pk.vk, &p, Some(&x), None),
        Err(VerifyError::Malformed(_))
    ));
    for pos in 5..8 {
        let mut p = proof.clone();
        p.output_pad = vec![pos, 1];
        assert!(verify(&pk.vk, &p, Some(&x), None).is_err(), "{pos}");
    }
    let (x, pk, proof) = model(true);
    assert_eq!(proof.output_pad, vec![5, 7, 6, 7, 7, 7]);
    let mut p = proof.clone();
    p.output_pad[1] += 1;
    assert!(verify(&pk.vk, &p, Some(&x), None).is_err());
    let mut p = proof.clone();
    p.output_pad.truncate(4);
    assert!(verify(&pk.vk, &p, Some(&x), None).is_err());
    let mut p = proof.clone();
    p.output_pad.swap(0, 2);
    assert!(verify(&pk.vk, &p, Some(&x), None).is_err());
    let mut p = proof;
    p.output_pad[3] = 0;
    assert!(matches!(
        verify(&pk.vk, &p, Some(&x), None),
        Err(VerifyError::Malformed(_))
    ));
}

#[test]
fn different_public_input_is_rejected() {
    let (_, x, pk, proof) = fixture();
    let mut y = x.clone();
    y[3] += 1;
    assert!(verify(&pk.vk, &proof, Some(&y), None).is_err());
    let mut p = proof.clone();
    if let Some(pi) = p.public_input.as_mut() {
        pi[3] += 1;
    }
    assert!(verify(&pk.vk, &p, None, None).is_err());
}

#[test]
fn other_weights_and_other_models_are_rejected() {
    let (g, x, pk, proof) = fixture();
    // Same architecture, other weights: a proof under them does not verify against this vk.
    let (g2, _) = residual_cnn(12);
    let pk2 = keys(&g2, InputVisibility::Public);
    let p2 = prove(&pk2, &x, None).unwrap();
    assert!(verify(&pk.vk, &p2, Some(&x), None).is_err());
    // A pk whose weights were swapped under the original vk: the prover refuses, and a proof
    // forced through is rejected.
    let mut bad = pk.clone();
    bad.graph = g2.clone();
    assert!(prove(&bad, &x, None).is_err());
    let mut forged = p2.clone();
    forged.vk_digest = pk.vk.digest;
    assert!(verify(&pk.vk, &forged, Some(&x), None).is_err());
    // Model A's proof against model B's vk.
    let (gm, xm) = mlp(&[16, 8, 4], 3);
    let pkm = keys(&gm, InputVisibility::Public);
    assert!(matches!(
        verify(&pkm.vk, &proof, Some(&xm), None),
        Err(VerifyError::WrongModel { .. })
    ));
    let _ = g;
}

#[test]
fn swapped_and_changed_messages_are_rejected() {
    let (_, x, pk, proof) = fixture();
    let n = proof.msgs.len();
    assert!(n > 4);
    for i in [0, n / 3, n / 2, n - 1] {
        let mut p = proof.clone();
        p.msgs.swap(i, (i + 1) % n);
        assert!(
            verify(&pk.vk, &p, Some(&x), None).is_err(),
            "swap {i} accepted"
        );
        let mut p = proof.clone();
        match &mut p.msgs[i] {
            Msg::Evals(v) => v[0] += EF::ONE,
            Msg::Sumcheck(s) => s.round_polys[0][0] += EF::ONE,
            Msg::ZkSumcheck(z) => match z.sumcheck.round_polys.first_mut() {
                Some(r) => r[0] += EF::ONE,
                None => z.mask_eval += EF::ONE,
            },
            Msg::Reduction(r) => {
                // The reduced value too (a message of its own before format version 2).
                let mut q = proof.clone();
                if let Msg::Reduction(r) = &mut q.msgs[i] {
                    r.eval += EF::ONE;
                }
                assert!(
                    verify(&pk.vk, &q, Some(&x), None).is_err(),
                    "changed reduced value {i} accepted"
                );
                r.sumcheck.round_polys[0][0] += EF::ONE;
            }
            Msg::MaskedSumcheck(m) => match m.zk.sumcheck.round_polys.first_mut() {
                Some(r) => r[0] += EF::ONE,
                None => m.zk.mask_eval += EF::ONE,
            },
            Msg::MaskedReduction(r) => {
                let mut q = proof.clone();
                if let Msg::MaskedReduction(r) = &mut q.msgs[i] {
                    r.eval += EF::ONE;
                }
                assert!(
                    verify(&pk.vk, &q, Some(&x), None).is_err(),
                    "changed reduced value {i} accepted"
                );
                match r.sumcheck.zk.sumcheck.round_polys.first_mut() {
                    Some(p0) => p0[0] += EF::ONE,
                    None => r.sumcheck.zk.mask_eval += EF::ONE,
                }
            }
        }
        assert!(
            verify(&pk.vk, &p, Some(&x), None).is_err(),
            "changed message {i} accepted"
        );
    }
    let mut p = proof.clone();
    p.msgs.pop();
    assert!(verify(&pk.vk, &p, Some(&x), None).is_err());
    // Another proof's lookup part.
    let (g2, _) = residual_cnn(13);
    let pk2 = keys(&g2, InputVisibility::Public);
    let mut p = proof;
    p.lookups = prove(&pk2, &x, None).unwrap().lookups;
    assert!(verify(&pk.vk, &p, Some(&x), None).is_err());
}

#[test]
fn truncated_and_foreign_files_are_rejected() {
    let (_, _, pk, proof) = fixture();
    let bytes = proof.to_bytes();
    for cut in [0, 5, 12, bytes.len() / 2, bytes.len() - 1] {
        assert!(Proof::from_bytes(&bytes[..cut]).is_err());
    }
    assert!(Proof::from_bytes(&pk.vk.to_bytes()).is_err());
    let mut wrong_version = bytes.clone();
    wrong_version[8] = 99;
    assert!(Proof::from_bytes(&wrong_version).is_err());
}

/// Read from files (`read_from_file`: a proof or a verifying key is read whole, then decoded
/// from memory), the values are the written ones; a cut file, a byte more, another kind's file
/// are errors.
#[test]
fn files_read_whole_decode_like_bytes_and_refuse_cut_or_longer_files() {
    use zkinfer_proof::{VerifyingKey, ZkFile};
    let (_, x, pk, proof) = fixture();
    let dir = std::env::temp_dir();
    let path = |name: &str| dir.join(format!("zkinfer-sound-{}-{name}", std::process::id()));
    let read_proof = |bytes: &[u8]| {
        std::fs::write(path("p"), bytes).unwrap();
        Proof::read_from_file(std::fs::File::open(path("p")).unwrap())
    };
    let bytes = proof.to_bytes();
    let back = read_proof(&bytes).expect("reads the proof file");
    assert_eq!(back.to_bytes(), bytes);
    verify(&pk.vk, &back, Some(&x), None).expect("verifies");
    assert!(read_proof(&bytes[..bytes.len() - 1]).is_err());
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(read_proof(&longer).is_err());
    assert!(read_proof(&pk.vk.to_bytes()).is_err());
    std::fs::write(path("vk"), pk.vk.to_bytes()).unwrap();
    let vk = VerifyingKey::read_from_file(std::fs::File::open(path("vk")).unwrap())
        .expect("reads the key file");
    assert_eq!(vk.to_bytes(), pk.vk.to_bytes());
    for name in ["p", "vk"] {
        let _ = std::fs::remove_file(path(name));
    }
}

#[test]
fn random_and_mutated_bytes_never_panic() {
    let (_, x, pk, proof) = fixture();
    let bytes = proof.to_bytes();
    let mut rng = Rng::new(7);
    for round in 0..300 {
        let mut b = if round % 3 == 0 {
            (0..(rng.next_u64() % 4096) as usize)
                .map(|_| rng.next_u64() as u8)
                .collect::<Vec<u8>>()
        } else {
            bytes.clone()
        };
        if round % 3 != 0 {
            for _ in 0..1 + rng.next_u64() % 8 {
                let i = (rng.next_u64() as usize) % b.len();
                b[i] = rng.next_u64() as u8;
            }
        }
        if round % 3 == 1 {
            b[..8].copy_from_slice(b"ZKINFPRF");
        }
        if let Ok(p) = Proof::from_bytes(&b) {
            let _ = verify(&pk.vk, &p, Some(&x), None);
        }
    }
}

/// A small CNN with every kind of committed column: conv, rescale (two remainder limbs), ReLU,
/// max-pool, a table, a linear layer.
fn small_cnn() -> (ProofGraph, Vec<i64>) {
    let mut b = GraphBuilder::new(&[1, 2, 6, 6], 16, 21);
    let x = b.conv(0, 3, 3, 1, 1);
    let x = b.relu(x);
    let x = b.maxpool(x, 2);
    let x = b.table(x, "half", |v| v / 2);
    let f = b.flatten(x);
    let y = b.linear(f, 4);
    let r = b.rescale(y, 20);
    let _ = r;
    let input = b.random_input();
    (b.finish(), input)
}

#[test]
fn changed_witness_value_is_rejected() {
    let (g, x) = small_cnn();
    for vis in [InputVisibility::Public, InputVisibility::Private] {
        let pk = keys(&g, vis);
        let plan = &pk.vk.plan;
        let public = (vis == InputVisibility::Public).then_some(x.as_slice());
        let honest = prove(&pk, &x, None).unwrap();
        verify(&pk.vk, &honest, public, None).expect("honest proof verifies");
        // Change one value of every committed column in turn (input, rescale outputs, remainder
        // limbs, ReLU, max-pool output and windows, table output) and force a proof through
        // (lookups unchecked): the verifier must reject each.
        // Change one value of every committed column in turn (input, rescale outputs, remainder
        // limbs, ReLU, max-pool output and windows, table output) and force a proof through with
        // lookups unchecked. Either the prover cannot finish (the commitment scheme refuses to
        // open a claim the changed value made false) or the verifier rejects; never accepted.
        let n = plan.witness_columns.len() - plan.multiplicity_columns.len();
        let (mut refused, mut rejected) = (0, 0);
        for col in 0..n {
            let name = &plan.witness_columns[col].name;
            for delta in [-1i64, 1] {
                let mut wit = generate(&g, plan, &x).unwrap();
                let c = &mut wit.columns[col];
                let i = c.len() / 3;
                c[i] += delta;
                // Keep the tensor copies (the column's tensor and its reshapes) consistent.
                let owner = plan
                    .sources
                    .iter()
                    .position(|s| *s == (Source::Committed { column: col }));
                for (t, src) in plan.sources.iter().enumerate() {
                    let alias_of_owner = matches!(src, Source::Alias { of } if Some(*of) == owner);
                    if Some(t) == owner || alias_of_owner {
                        wit.tensors[t].clone_from(&wit.columns[col]);
                    }
                }
                match prove_with_witness(&pk, &x, wit) {
                    Ok(p) => {
                        assert!(
                            verify(&pk.vk, &p, public, None).is_err(),
                            "changed value in column {name} accepted"
                        );
                        rejected += 1;
                    }
                    Err(_) => refused += 1,
                }
            }
        }
        assert_eq!(refused + rejected, 2 * n);
        assert!(rejected > 0, "no forged proof reached the verifier");
    }
}

/// A key whose contents were changed under its digest: in memory it would let a proof made with
/// other weights pass under the original model's digest; decoding the key file refuses it.
#[test]
fn key_files_whose_contents_do_not_match_their_digest_are_refused() {
    let (_, x, pk, _) = fixture();
    let vk_bytes = pk.vk.to_bytes();
    assert!(VerifyingKey::from_bytes(&vk_bytes).is_ok());
    assert!(ProvingKey::from_bytes(&pk.to_bytes()).is_ok());

    // Other weights (model B), relabelled with model A's digest.
    let (g2, _) = residual_cnn(12);
    let mut pk2 = keys(&g2, InputVisibility::Public);
    pk2.vk.digest = pk.vk.digest;
    let p2 = prove(&pk2, &x, None).unwrap();
    // The verifier recomputes the key's digest (issue 13, 6d): the relabelled key is refused
    // even in memory ...
    assert!(matches!(
        verify(&pk2.vk, &p2, Some(&x), None),
        Err(VerifyError::KeyDigest(_))
    ));
    // ... but not under model A's real key,
    assert!(verify(&pk.vk, &p2, Some(&x), None).is_err());
    // and the relabelled key cannot be loaded from a file.
    assert!(pk2.vk.check_digest().is_err());
    let err = VerifyingKey::from_bytes(&pk2.vk.to_bytes())
        .unwrap_err()
        .to_string();
    assert!(err.contains("does not match its contents"), "{err}");
    assert!(ProvingKey::from_bytes(&pk2.to_bytes()).is_err());

    // Any single change to the decoded contents of A's key is caught the same way.
    let mut vk = pk.vk.clone();
    vk.weights_root[0] ^= 1;
    assert!(VerifyingKey::from_bytes(&vk.to_bytes()).is_err());
    let mut vk = pk.vk.clone();
    vk.plan.graph.nodes.pop();
    assert!(VerifyingKey::from_bytes(&vk.to_bytes()).is_err());
}

/// A key whose digest matches its contents but whose plan does not fit its graph (a key made or
/// edited by another program) is refused at decoding, naming the list that is wrong, so no later
/// stage indexes past a list; a proving key whose graph is not its verifying key's is refused too.
#[test]
fn key_files_whose_plan_does_not_fit_its_graph_are_refused() {
    let (_, _, pk, _) = fixture();
    let redigest = |vk: &mut VerifyingKey| vk.digest = zkinfer_proof::keys::vk_digest(vk);
    let refused = |vk: &VerifyingKey| {
        VerifyingKey::from_bytes(&vk.to_bytes())
            .unwrap_err()
            .to_string()
    };

    let mut vk = pk.vk.clone();
    vk.plan.sources.pop();
    redigest(&mut vk);
    let err = refused(&vk);
    assert!(err.contains("tensor sources"), "{err}");

    let mut vk = pk.vk.clone();
    vk.plan.graph.output = vk.plan.graph.tensors.len() + 2;
    redigest(&mut vk);
    let err = refused(&vk);
    assert!(err.contains("output"), "{err}");

    let mut vk = pk.vk.clone();
    let n = vk.plan.graph.tensors.len();
    vk.plan.sources[0] = Source::Alias { of: n };
    redigest(&mut vk);
    let err = refused(&vk);
    assert!(err.contains("alias"), "{err}");

    let mut vk = pk.vk.clone();
    let cols = vk.plan.witness_columns.len();
    if let Some(c) = vk.plan.multiplicity_columns.first_mut() {
        *c = cols;
        redigest(&mut vk);
        let err = refused(&vk);
        assert!(err.contains("multiplicity"), "{err}");
    }

    // A proving key carrying another model's graph under this model's (valid) verifying key.
    let (g2, _) = mlp(&[16, 8, 4], 3);
    let mut bad = pk.clone();
    bad.graph = g2;
    let err = ProvingKey::from_bytes(&bad.to_bytes())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("not the one its verifying key was made from"),
        "{err}"
    );
}

/// A proving key whose plan fits its graph's lists and matches its digest, but is not the plan
/// the graph compiles to (two node plans swapped), is refused once per key — at decoding and by
/// `check_plan` — with an error saying to rerun setup; `setup` refuses such a plan too.
#[test]
fn proving_keys_whose_plan_is_not_their_graphs_are_refused() {
    let (g, x, pk, _) = fixture();
    assert!(pk.check_plan().is_ok());
    let mut bad = pk.clone();
    let n = bad.vk.plan.nodes.len();
    let i = (0..n)
        .find(|&i| bad.vk.plan.nodes[i] != bad.vk.plan.nodes[(i + 1) % n])
        .expect("two different node plans");
    bad.vk.plan.nodes.swap(i, (i + 1) % n);
    bad.vk.digest = zkinfer_proof::keys::vk_digest(&bad.vk);
    assert!(
        bad.vk.check_shape().is_ok(),
        "only the plan's contents differ"
    );
    let err = ProvingKey::from_bytes(&bad.to_bytes())
        .unwrap_err()
        .to_string();
    assert!(err.contains("not the one the graph compiles to"), "{err}");
    assert!(err.contains("zkinfer setup"), "{err}");
    let err = bad.check_plan().unwrap_err();
    assert!(
        matches!(err, zkinfer_proof::ProveError::KeyMismatch { .. }),
        "{err}"
    );
    // A key edited in memory is not re-checked by `prove`, but still never panics it.
    let _ = prove(&bad, &x, None);

    let mut plan = compile(&g, CompileOptions::with_input(InputVisibility::Public)).unwrap();
    assert_eq!(plan.nodes, pk.vk.plan.nodes);
    plan.nodes.swap(i, (i + 1) % n);
    assert!(setup(&g, &plan, PcsConfig::default()).is_err());
}

/// The verifier checks every lookup table against the digest its key records: an embedded table
/// edited in the key, or a recorded digest changed, is an error naming the table.
#[test]
fn tables_that_differ_from_their_recorded_digest_are_rejected() {
    let (g, x) = mlp_with_table(5);
    let pk = keys(&g, InputVisibility::Public);
    let proof = prove(&pk, &x, None).unwrap();
    verify(&pk.vk, &proof, Some(&x), None).expect("honest proof verifies");
    let redigest = |vk: &mut VerifyingKey| vk.digest = zkinfer_proof::keys::vk_digest(vk);
    // Edited under the key's old digest: refused by the digest recomputation.
    let mut vk = pk.vk.clone();
    edit_function_table(&mut vk, |outputs, _| outputs[1] += 1);
    assert!(matches!(
        verify(&vk, &proof, Some(&x), None),
        Err(VerifyError::KeyDigest(_))
    ));
    // Edited and re-signed (a hand-made key with a valid digest, the proof relabelled to it):
    // the table check names the table.
    let relabelled = |vk: &VerifyingKey| {
        let mut p = proof.clone();
        p.vk_digest = vk.digest;
        p
    };
    redigest(&mut vk);
    let err = verify(&vk, &relabelled(&vk), Some(&x), None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("differs from the one in the key"), "{err}");
    let mut vk = pk.vk.clone();
    edit_function_table(&mut vk, |_, digest| digest[0] ^= 1);
    redigest(&mut vk);
    let err = verify(&vk, &relabelled(&vk), Some(&x), None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("differs from the one in the key"), "{err}");
}

fn edit_function_table(vk: &mut VerifyingKey, edit: impl Fn(&mut Vec<i64>, &mut [u8; 32])) {
    let (outputs, digest) = vk
        .plan
        .tables
        .iter_mut()
        .find_map(|t| match t {
            TableSpec::Function {
                outputs, digest, ..
            } => Some((outputs, digest)),
            _ => None,
        })
        .expect("a function table");
    assert!(!outputs.is_empty(), "the test table is embedded in the key");
    edit(outputs, digest);
}

/// A rescale's output outside the signed activation range with its equation kept in the field
/// (`q' = q − 2^−k`, the remainder's first limb one more): only the output's range check can
/// catch it. Since key format 14 that check is a lookup into the unsigned range table of the
/// same width, shifted by `2^(A−1)` (`LookupUse::offset`). The prover's membership check names
/// the signed range and the committed value; a proof forced through is rejected.
#[test]
fn a_rescale_output_outside_the_signed_range_is_caught_by_the_shifted_range_check() {
    use zkinfer_field::{F, Field, PrimeField64};
    use zkinfer_proof::plan::{LookupWitness, NodePlan};

    let (g, x) = small_cnn();
    let pk = keys(&g, InputVisibility::Public);
    let plan = &pk.vk.plan;
    assert!(
        !plan
            .tables
            .iter()
            .any(|t| matches!(t, TableSpec::SignedRange { .. })),
        "a signed range table in a format-14 plan"
    );
    let (node, out, limb, limb_bits, k) = plan
        .nodes
        .iter()
        .enumerate()
        .rev()
        .find_map(|(i, n)| match n {
            NodePlan::Rescale {
                out,
                limbs,
                limb_bits,
            } => Some((
                i,
                *out,
                limbs[0],
                limb_bits[0],
                limb_bits.iter().sum::<u32>(),
            )),
            _ => None,
        })
        .expect("a rescale");
    let lu = plan
        .lookups
        .iter()
        .find(|l| l.witness == LookupWitness::RescaleOut { node })
        .expect("the rescale's output is range-checked");
    let TableSpec::Range { bits } = plan.tables[lu.table] else {
        panic!("the output's check is not in a range table");
    };
    assert_eq!(lu.offset, 1 << (bits - 1));

    let honest = generate(&g, plan, &x).unwrap();
    let mut wit = honest.clone();
    let row = (0..wit.columns[limb].len())
        .find(|&r| wit.columns[limb][r] + 1 < 1 << limb_bits)
        .expect("a limb with room");
    let centered = |v: F| {
        let u = v.as_canonical_u64();
        if u > F::ORDER_U64 / 2 {
            (i128::from(u) - i128::from(F::ORDER_U64)) as i64
        } else {
            u as i64
        }
    };
    let q = wit.columns[out][row];
    let forged = centered(F::from_i64(q) - F::from_u64(1u64 << k).inverse());
    assert!(
        forged.unsigned_abs() > 1 << bits,
        "the forged output is in range"
    );
    wit.columns[out][row] = forged;
    wit.columns[limb][row] += 1;
    let owner = plan
        .sources
        .iter()
        .position(|s| *s == (Source::Committed { column: out }))
        .expect("the output's tensor");
    wit.tensors[owner].clone_from(&wit.columns[out]);

    // The honest witness passes the membership check; the forged one fails it at the rescale,
    // reported as the plan states the check.
    assert!(zkinfer_proof::lookups::multiplicities(&g, plan, &honest).is_ok());
    match zkinfer_proof::lookups::multiplicities(&g, plan, &wit) {
        Err(zkinfer_proof::ProveError::NotInTable {
            source: zkinfer_lookup::LookupError::NotInTable { value, table, .. },
            ..
        }) => {
            assert_eq!(value, vec![i128::from(forged)]);
            assert_eq!(table, format!("signed-range({bits})"));
        }
        other => panic!("the forged output passed the membership check: {other:?}"),
    }
    match prove_with_witness(&pk, &x, wit) {
        Ok(p) => assert!(
            verify(&pk.vk, &p, Some(&x), None).is_err(),
            "an out-of-range rescale output accepted"
        ),
        Err(e) => eprintln!("the prover could not finish the forged proof: {e}"),
    }
}
