//! The transformer's linear-in-each-operand ops: matmul of two activations, element-wise mul,
//! broadcasting add/sub, concatenation, gather with constant indices, and the multi-head
//! reshape/transpose layout. Honest proofs verify and
//! compute the integer semantics; changed witness values, tampered bytes and messages are rejected.

use std::time::Instant;

use zkinfer_field::{EF, PrimeCharacteristicRing, Transcript};
use zkinfer_pcs::PcsConfig;
use zkinfer_proof::channel::{Msg, Reader};
use zkinfer_proof::claims::{Claim, Claims};
use zkinfer_proof::ir::{AxisMap, Op, ProofGraph, TensorId};
use zkinfer_proof::ops::{VerifierCtx, mle, verify_node};
use zkinfer_proof::plan::{NodePlan, Plan, Source};
use zkinfer_proof::prover::prove_with_witness;
use zkinfer_proof::testing::{
    GraphBuilder, Rng, check_linear_node, prove_linear_alone, rand_point,
};
use zkinfer_proof::witness::{Witness, generate, weight_columns};
use zkinfer_proof::{
    CompileOptions, InputVisibility, Proof, ProvingKey, ZkFile, compile, prove, setup, verify,
};

fn keys(g: &ProofGraph, vis: InputVisibility) -> ProvingKey {
    let plan = compile(g, CompileOptions::with_input(vis)).unwrap();
    setup(g, &plan, PcsConfig::default()).unwrap()
}

fn public(vis: InputVisibility, x: &[i64]) -> Option<&[i64]> {
    (vis == InputVisibility::Public).then_some(x)
}

/// Proves and verifies; returns the key and the proof.
fn honest(g: &ProofGraph, x: &[i64], vis: InputVisibility) -> (ProvingKey, Proof) {
    let pk = keys(g, vis);
    let proof = prove(&pk, x, None).unwrap();
    verify(&pk.vk, &proof, public(vis, x), None).expect("honest proof verifies");
    (pk, proof)
}

fn logical(plan: &Plan, wit: &Witness, t: TensorId) -> Vec<i64> {
    plan.layouts[t].gather(&wit.tensors[t])
}

/// Row-major index of `idx` in `shape`, reading dims of size 1 at 0 (broadcast).
fn flat(shape: &[usize], idx: &[usize]) -> usize {
    shape
        .iter()
        .zip(idx)
        .fold(0, |acc, (&d, &i)| acc * d + if d == 1 { 0 } else { i })
}

fn unflat(shape: &[usize], mut i: usize) -> Vec<usize> {
    let mut idx = vec![0; shape.len()];
    for a in (0..shape.len()).rev() {
        idx[a] = i % shape[a];
        i /= shape[a];
    }
    idx
}

/// Every MatMul, Mul, Add and Sub node's logical output equals the naive integer computation on
/// its operands' logical values. Returns how many nodes were checked.
fn check_semantics(g: &ProofGraph, plan: &Plan, wit: &Witness) -> usize {
    let mut checked = 0;
    for node in &g.nodes {
        if !matches!(node.op, Op::MatMul | Op::Mul | Op::Add | Op::Sub) {
            continue;
        }
        let (a, b) = (node.inputs[0], node.inputs[1]);
        let (sa, sb, sy) = (
            &g.tensors[a].shape,
            &g.tensors[b].shape,
            &g.tensors[node.output].shape,
        );
        let (av, bv) = (logical(plan, wit, a), logical(plan, wit, b));
        let got = logical(plan, wit, node.output);
        let want: Vec<i64> = (0..got.len())
            .map(|i| {
                let idx = unflat(sy, i);
                match node.op {
                    Op::MatMul => {
                        let r = sa.len();
                        (0..sa[r - 1])
                            .map(|k| {
                                let mut ia = idx.clone();
                                ia[r - 1] = k;
                                let mut ib = idx.clone();
                                ib[r - 2] = k;
                                av[flat(sa, &ia)] * bv[flat(sb, &ib)]
                            })
                            .sum()
                    }
                    Op::Mul => av[i] * bv[flat(sb, &idx)],
                    Op::Add => av[i] + bv[flat(sb, &idx)],
                    _ => av[i] - bv[flat(sb, &idx)],
                }
            })
            .collect();
        assert_eq!(got, want, "node {}", node.name);
        checked += 1;
    }
    checked
}

/// Changes the output of node `op_idx` (a linear op read only by the rescale at `op_idx + 1`) at
/// one logical position, keeping the rescale's committed columns consistent with it (same
/// quotient, new remainder), and forces a proof through: the verifier must reject it.
fn forged_output_is_rejected(g: &ProofGraph, x: &[i64], vis: InputVisibility, op_idx: usize) {
    let pk = keys(g, vis);
    let plan = &pk.vk.plan;
    let y = g.nodes[op_idx].output;
    let rs = &g.nodes[op_idx + 1];
    assert_eq!(rs.inputs, vec![y], "node after the op is its rescale");
    let (
        Op::Rescale { shift },
        NodePlan::Rescale {
            limbs, limb_bits, ..
        },
    ) = (&rs.op, &plan.nodes[op_idx + 1])
    else {
        panic!("not a rescale");
    };
    for pos in [1usize, 7] {
        let mut wit = generate(g, plan, x).unwrap();
        let s = plan.layouts[y].logical_to_stored()[pos];
        let half = 1i64 << (shift - 1);
        let r = (wit.tensors[y][s] + half).rem_euclid(1i64 << shift);
        let delta = if r + 1 < (1i64 << shift) { 1 } else { -1 };
        wit.tensors[y][s] += delta;
        let mut r = r + delta;
        for (&c, &bits) in limbs.iter().zip(limb_bits) {
            wit.columns[c][s] = r & ((1i64 << bits) - 1);
            r >>= bits;
        }
        let p = prove_with_witness(&pk, x, wit).expect("the prover does not check linear ops");
        assert!(
            verify(&pk.vk, &p, public(vis, x), None).is_err(),
            "changed output of {} at {pos} accepted",
            g.nodes[op_idx].name
        );
    }
}

/// Flipped bytes, changed and swapped messages, a dropped message: all rejected.
fn tampering_is_rejected(pk: &ProvingKey, proof: &Proof, x: Option<&[i64]>) {
    let bytes = proof.to_bytes();
    let mut rng = Rng::new(5);
    for _ in 0..40 {
        let pos = (rng.next_u64() as usize) % bytes.len();
        let mut b = bytes.clone();
        b[pos] ^= 1 << (rng.next_u64() % 8);
        if let Ok(p) = Proof::from_bytes(&b) {
            assert!(
                verify(&pk.vk, &p, x, None).is_err(),
                "flip at {pos} accepted"
            );
        }
    }
    let n = proof.msgs.len();
    assert!(n > 2);
    for i in 0..n {
        let mut p = proof.clone();
        match &mut p.msgs[i] {
            Msg::Evals(v) => {
                if let Some(e) = v.last_mut() {
                    *e += EF::ONE;
                }
            }
            Msg::Sumcheck(s) => match s.round_polys.last_mut() {
                Some(g) => g[0] += EF::ONE,
                None => continue,
            },
            Msg::ZkSumcheck(z) => match z.sumcheck.round_polys.last_mut() {
                Some(g) => g[0] += EF::ONE,
                None => z.mask_eval += EF::ONE,
            },
            Msg::Reduction(r) => r.eval += EF::ONE,
            Msg::MaskedSumcheck(m) => match m.zk.sumcheck.round_polys.last_mut() {
                Some(g) => g[0] += EF::ONE,
                None => m.zk.mask_eval += EF::ONE,
            },
            Msg::MaskedReduction(r) => r.eval += EF::ONE,
        }
        assert!(
            verify(&pk.vk, &p, x, None).is_err(),
            "changed message {i} accepted"
        );
        if i + 1 < n && proof.msgs[i] != proof.msgs[i + 1] {
            let mut p = proof.clone();
            p.msgs.swap(i, i + 1);
            assert!(verify(&pk.vk, &p, x, None).is_err(), "swap {i} accepted");
        }
    }
    let mut p = proof.clone();
    p.msgs.pop();
    assert!(verify(&pk.vk, &p, x, None).is_err());
}

fn node_of(g: &ProofGraph, op: &str, nth: usize) -> usize {
    g.nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| n.op.kind() == op)
        .nth(nth)
        .map(|(i, _)| i)
        .unwrap()
}

/// `x [2, 3, 6]`: `S = x·xᵀ` (one tensor as both operands, through a transpose), `Y = Pᵀ·V`
/// with both operands' padding non-zero along the contraction axis (biases in padded rows), then
/// `S·Y`. Every matmul is followed by a rescale.
fn matmul_graph() -> (ProofGraph, Vec<i64>) {
    let mut b = GraphBuilder::new(&[2, 3, 6], 16, 31);
    let xt = b.transpose(0, &[0, 2, 1]);
    let s = b.matmul(0, xt);
    let s = b.rescale(s, 8);
    let v = b.linear(0, 5);
    let p = b.linear(0, 3);
    let pt = b.transpose(p, &[0, 2, 1]);
    let y = b.matmul(pt, v);
    let y = b.rescale(y, 8);
    let z = b.matmul(s, y);
    b.rescale(z, 10);
    let x = b.random_input();
    (b.finish(), x)
}

/// `x [1, 3, 5, 6]` with sums broadcast back: `x ⊙ Σ_h x` (broadcast along a 5-axis),
/// `x + Σ_{c,w} x` (along a 3-axis and a 6-axis), `… − Σ_h x`, `x ⊙ x`, and an add of equal
/// layouts, then a small linear layer. Every product/broadcast op is followed by a rescale.
fn elementwise_graph() -> (ProofGraph, Vec<i64>) {
    let mut b = GraphBuilder::new(&[1, 3, 5, 6], 16, 32);
    let s = b.sum_axis(0, 2);
    let t = b.sum_axis(0, 1);
    let t = b.sum_axis(t, 3);
    let m = b.mul(0, s);
    let m = b.rescale(m, 8);
    let e = b.add(0, t);
    let e = b.rescale(e, 2);
    let f = b.sub(e, s);
    let f = b.rescale(f, 1);
    let mf = b.mul(m, f);
    let mf = b.rescale(mf, 8);
    let sq = b.mul(0, 0);
    let sq = b.rescale(sq, 8);
    let out = b.add(mf, sq);
    // A graph needs at least one weight column to commit (a limitation of setup).
    b.linear(out, 4);
    let x = b.random_input();
    (b.finish(), x)
}

#[test]
fn matmul_of_activations() {
    let (g, x) = matmul_graph();
    for vis in [InputVisibility::Public, InputVisibility::Private] {
        let (pk, proof) = honest(&g, &x, vis);
        let wit = generate(&g, &pk.vk.plan, &x).unwrap();
        assert_eq!(check_semantics(&g, &pk.vk.plan, &wit), 3);
        for nth in 0..3 {
            forged_output_is_rejected(&g, &x, vis, node_of(&g, "MatMul", nth));
        }
        if vis == InputVisibility::Private {
            tampering_is_rejected(&pk, &proof, None);
        }
    }
    for nth in 0..3 {
        let idx = node_of(&g, "MatMul", nth);
        assert!(check_linear_node(&g, &x, idx, false));
        assert!(!check_linear_node(&g, &x, idx, true));
    }
}

#[test]
fn elementwise_mul_and_broadcast_add_sub() {
    let (g, x) = elementwise_graph();
    for vis in [InputVisibility::Public, InputVisibility::Private] {
        let (pk, proof) = honest(&g, &x, vis);
        let wit = generate(&g, &pk.vk.plan, &x).unwrap();
        assert_eq!(check_semantics(&g, &pk.vk.plan, &wit), 6);
        for (op, nth) in [("Mul", 0), ("Add", 0), ("Sub", 0), ("Mul", 1), ("Mul", 2)] {
            forged_output_is_rejected(&g, &x, vis, node_of(&g, op, nth));
        }
        if vis == InputVisibility::Public {
            tampering_is_rejected(&pk, &proof, Some(&x));
        }
    }
    for (op, nth) in [
        ("Mul", 0),
        ("Mul", 1),
        ("Mul", 2),
        ("Add", 0),
        ("Add", 1),
        ("Sub", 0),
    ] {
        let idx = node_of(&g, op, nth);
        assert!(check_linear_node(&g, &x, idx, false), "{op} {nth}");
        assert!(!check_linear_node(&g, &x, idx, true), "{op} {nth} tampered");
    }
}

#[test]
fn broadcast_padding_stays_zero_and_bad_shapes_are_refused() {
    let (g, x) = elementwise_graph();
    let plan = compile(&g, CompileOptions::default()).unwrap();
    let wit = generate(&g, &plan, &x).unwrap();
    // x + Σ_{c,w} x: the input's padding is zero, so the sum's is too.
    let add = g.nodes[node_of(&g, "Add", 0)].output;
    let l = &plan.layouts[add];
    let stored = l.logical_to_stored();
    let zeros = (0..l.size()).filter(|i| !stored.contains(i)).count();
    assert!(zeros > 0);
    for (i, &v) in wit.tensors[add].iter().enumerate() {
        if !stored.contains(&i) {
            assert_eq!(v, 0, "padding at {i}");
        }
    }
    // Operands that do not broadcast, or do not multiply, are refused with the node named.
    let mut b = GraphBuilder::new(&[1, 3, 5, 6], 16, 1);
    let s = b.sum_axis(0, 2);
    let st = b.transpose(s, &[0, 1, 3, 2]);
    b.mul(0, st);
    let err = compile(&b.finish(), CompileOptions::default()).unwrap_err();
    assert!(err.to_string().contains("does not broadcast"), "{err}");
    let mut b = GraphBuilder::new(&[1, 3, 5, 6], 16, 1);
    b.matmul(0, 0);
    let err = compile(&b.finish(), CompileOptions::default()).unwrap_err();
    assert!(err.to_string().contains("do not multiply"), "{err}");
}

/// One attention block: Q, K, V projections, heads by reshape/transpose, `Q·Kᵀ`, rescale,
/// `·V`, rescale, heads merged back, output projection, residual.
fn attention(tokens: usize, seed: u64) -> (ProofGraph, Vec<i64>) {
    let (d, h) = (64, 2);
    let mut b = GraphBuilder::new(&[1, tokens, d], 16, seed);
    let q = b.linear(0, d);
    let k = b.linear(0, d);
    let v = b.linear(0, d);
    let heads = |b: &mut GraphBuilder, t: usize, perm: &[usize]| {
        let r = b.reshape(t, &[1, tokens, h, d / h]);
        b.transpose(r, perm)
    };
    let q = heads(&mut b, q, &[0, 2, 1, 3]);
    let kt = heads(&mut b, k, &[0, 2, 3, 1]);
    let v = heads(&mut b, v, &[0, 2, 1, 3]);
    let s = b.matmul(q, kt);
    let s = b.rescale(s, 12);
    let o = b.matmul(s, v);
    let o = b.rescale(o, 10);
    let o = b.transpose(o, &[0, 2, 1, 3]);
    let o = b.reshape(o, &[1, tokens, d]);
    let o = b.linear(o, d);
    b.add(o, 0);
    let x = b.random_input();
    (b.finish(), x)
}

#[test]
fn attention_block_verifies() {
    for (tokens, vis) in [
        (16, InputVisibility::Private),
        (10, InputVisibility::Private),
    ] {
        let (g, x) = attention(tokens, 41);
        let pk = keys(&g, vis);
        let plan = &pk.vk.plan;
        // The head reshapes keep the storage and take their natural layout.
        for node in g.nodes.iter().filter(|n| n.op == Op::Reshape) {
            assert_eq!(
                plan.layouts[node.output].logical,
                g.tensors[node.output].shape
            );
            assert!(matches!(plan.sources[node.output], Source::Alias { .. }));
        }
        let t0 = Instant::now();
        let proof = prove(&pk, &x, None).unwrap();
        let tp = t0.elapsed();
        let t1 = Instant::now();
        let out = verify(&pk.vk, &proof, None, None).expect("attention verifies");
        let tv = t1.elapsed();
        println!(
            "attention [1, {tokens}, 64], 2 heads: prove {:.3} s, verify {:.3} s, proof {} bytes, predicted {:.3} s",
            tp.as_secs_f64(),
            tv.as_secs_f64(),
            proof.to_bytes().len(),
            plan.cost.predicted_prove_s
        );
        assert_eq!(out.len(), tokens * 64);
        let wit = generate(&g, plan, &x).unwrap();
        assert_eq!(check_semantics(&g, plan, &wit), 3);
        assert_eq!(out, logical(plan, &wit, g.output));
        forged_output_is_rejected(&g, &x, vis, node_of(&g, "MatMul", 0));
        forged_output_is_rejected(&g, &x, vis, node_of(&g, "MatMul", 1));
        let mm = &plan.cost.nodes[node_of(&g, "MatMul", 0)];
        assert_eq!(mm.macs, 2 * tokens * tokens * 32);
        assert!(mm.sumcheck > 0);
    }
}

#[test]
fn flatten_before_a_matmul_still_works() {
    // A bit-exact reshape ([1, 4, 2, 8] → [1, 64]) takes the natural layout; a padded one
    // ([1, 3, 5] → [1, 15]) keeps its input's; both feed a matmul with weights.
    for shape in [vec![1, 4, 2, 8], vec![1, 3, 5]] {
        let mut b = GraphBuilder::new(&shape, 16, 3);
        let f = b.flatten(0);
        b.linear(f, 4);
        let x = b.random_input();
        let g = b.finish();
        let (pk, _) = honest(&g, &x, InputVisibility::Public);
        let fl = &pk.vk.plan.layouts[1];
        let n: usize = shape.iter().product();
        if n.is_power_of_two() {
            assert_eq!(fl.logical, vec![1, n]);
        } else {
            assert_eq!(fl.logical, shape);
        }
    }
}

#[test]
fn malformed_claims_and_messages_are_errors_not_panics() {
    let (g, x) = elementwise_graph();
    let (gm, xm) = matmul_graph();
    let cases = [
        (&g, &x, node_of(&g, "Mul", 0)),
        (&g, &x, node_of(&g, "Add", 0)),
        (&g, &x, node_of(&g, "Sub", 0)),
        (&gm, &xm, node_of(&gm, "MatMul", 0)),
        (&gm, &xm, node_of(&gm, "MatMul", 1)),
    ];
    for (g, x, idx) in cases {
        let plan = compile(g, CompileOptions::default()).unwrap();
        let nv = plan.layouts[g.nodes[idx].output].num_vars();
        let wit = generate(g, &plan, x).unwrap();
        let weights = weight_columns(g, &plan).unwrap();
        let point = rand_point(&mut Rng::new(2), nv);
        let value = mle(&wit.tensors[g.nodes[idx].output], &point);
        let claim = Claim::new(point, value);
        let (msgs, _) = prove_linear_alone(g, &plan, &wit, &weights, idx, &claim);
        let run = |point: Vec<EF>, msgs: &[Msg]| {
            let mut tv = Transcript::new(b"t");
            let mut vx = VerifierCtx {
                plan: &plan,
                public_input: None,
                rd: Reader::new(&mut tv, msgs),
                claims: Claims::new(g.tensors.len()),
            };
            verify_node(&mut vx, idx, Some(&Claim::new(point, claim.value)))
        };
        assert!(run(claim.point.clone(), &msgs).is_ok());
        for len in [0, nv - 1, nv + 1] {
            let p = rand_point(&mut Rng::new(3), len);
            assert!(
                run(p, &msgs).is_err(),
                "{} point of {len}",
                g.nodes[idx].name
            );
        }
        assert!(run(claim.point.clone(), &[]).is_err());
        let mut rev = msgs.clone();
        rev.reverse();
        if rev != msgs {
            assert!(run(claim.point.clone(), &rev).is_err());
        }
        let mut short = msgs.clone();
        for m in &mut short {
            match m {
                Msg::Evals(v) => {
                    v.pop();
                }
                Msg::Sumcheck(s) => {
                    s.round_polys.pop();
                }
                Msg::ZkSumcheck(z) => {
                    z.sumcheck.round_polys.pop();
                }
                Msg::Reduction(r) => {
                    r.sumcheck.round_polys.pop();
                }
                Msg::MaskedSumcheck(m) => {
                    m.zk.sumcheck.round_polys.pop();
                }
                Msg::MaskedReduction(r) => {
                    r.sumcheck.zk.sumcheck.round_polys.pop();
                }
            }
        }
        assert!(run(claim.point.clone(), &short).is_err());
    }
}

#[test]
fn mutated_attention_proofs_never_panic() {
    let (g, x) = attention(16, 43);
    let (pk, proof) = honest(&g, &x, InputVisibility::Private);
    let bytes = proof.to_bytes();
    let mut rng = Rng::new(8);
    let mut decoded = 0;
    for _ in 0..60 {
        let mut b = bytes.clone();
        // Distinct positions, each XORed with a non-zero byte: the proof really changes (setting a
        // byte to a random value leaves it unchanged one time in 256).
        let mut at = Vec::new();
        while at.len() < 1 + (rng.next_u64() % 4) as usize {
            let i = (rng.next_u64() as usize) % b.len();
            if !at.contains(&i) {
                at.push(i);
            }
        }
        for &i in &at {
            b[i] ^= 1 + (rng.next_u64() % 255) as u8;
        }
        assert_ne!(b, bytes);
        if let Ok(p) = Proof::from_bytes(&b) {
            decoded += 1;
            assert!(verify(&pk.vk, &p, None, None).is_err());
        }
    }
    assert!(decoded > 0);
}

/// `x [2, 3, 6]`: `c = [a | b | x]` along the last axis (`a`, `b` linear images of `x`; 15 of 16
/// padded columns), `d = [c' ; c']` along axis 1 (one tensor twice), then a linear layer. Each
/// concatenation is followed by a rescale.
fn concat_graph() -> (ProofGraph, Vec<i64>) {
    let mut b = GraphBuilder::new(&[2, 3, 6], 12, 21);
    let a = b.linear(0, 4);
    let bb = b.linear(0, 5);
    let c = b.concat(&[a, bb, 0], 2);
    let c = b.rescale(c, 1);
    let d = b.concat(&[c, c], 1);
    let d = b.rescale(d, 1);
    let _ = b.linear(d, 3);
    let x = b.random_input();
    (b.finish(), x)
}

#[test]
fn concatenation_of_activations() {
    let (g, x) = concat_graph();
    for vis in [InputVisibility::Public, InputVisibility::Private] {
        let (pk, proof) = honest(&g, &x, vis);
        let plan = &pk.vk.plan;
        let wit = generate(&g, plan, &x).unwrap();
        // The integer semantics: each output row is the inputs' rows side by side.
        for nth in 0..2 {
            let node = &g.nodes[node_of(&g, "Concat", nth)];
            let Op::Concat { axis } = node.op else {
                unreachable!()
            };
            let ys = &g.tensors[node.output].shape;
            let got = logical(plan, &wit, node.output);
            let mut at = 0;
            for &t in &node.inputs {
                let xs = &g.tensors[t].shape;
                let xv = logical(plan, &wit, t);
                for (i, &v) in xv.iter().enumerate() {
                    let mut idx = unflat(xs, i);
                    idx[axis] += at;
                    assert_eq!(got[flat(ys, &idx)], v, "{} at {idx:?}", node.name);
                }
                at += xs[axis];
            }
            assert_eq!(at, ys[axis]);
        }
        for nth in 0..2 {
            forged_output_is_rejected(&g, &x, vis, node_of(&g, "Concat", nth));
        }
        tampering_is_rejected(&pk, &proof, public(vis, &x));
    }
    for nth in 0..2 {
        let idx = node_of(&g, "Concat", nth);
        assert!(check_linear_node(&g, &x, idx, false), "concat {nth}");
        assert!(
            !check_linear_node(&g, &x, idx, true),
            "concat {nth} tampered"
        );
    }
}

#[test]
fn concatenations_that_do_not_fit_are_refused() {
    let mut b = GraphBuilder::new(&[2, 3, 6], 12, 1);
    let a = b.linear(0, 4);
    let _ = b.concat(&[a, 0], 1);
    let err = compile(&b.finish(), CompileOptions::default()).unwrap_err();
    assert!(err.to_string().contains("does not concatenate"), "{err}");
    let mut b = GraphBuilder::new(&[2, 3, 6], 12, 1);
    let _ = b.concat(&[0], 2);
    let err = compile(&b.finish(), CompileOptions::default()).unwrap_err();
    assert!(err.to_string().contains("two or more inputs"), "{err}");
}

/// `x [2, 5, 6]` → linear → rescale, then rows `[4, 0, 4]` of axis 1 gathered (a repeated index,
/// 3 of 4 padded rows) and the last token (`[4]`) on its own, each followed by a rescale.
fn gather_graph() -> (ProofGraph, Vec<i64>) {
    let mut b = GraphBuilder::new(&[2, 5, 6], 12, 31);
    let h = b.linear(0, 4);
    let g1 = b.gather(h, 1, &[4, 0, 4]);
    let g1 = b.rescale(g1, 1);
    let last = b.gather(g1, 1, &[2]);
    let last = b.rescale(last, 1);
    let _ = b.linear(last, 3);
    let x = b.random_input();
    (b.finish(), x)
}

#[test]
fn gather_with_constant_indices() {
    let (g, x) = gather_graph();
    let gathers: Vec<usize> = (0..g.nodes.len())
        .filter(|&i| {
            matches!(&g.nodes[i].op, Op::AxisMap { maps }
                if maps.iter().any(|m| matches!(m, AxisMap::Gather { .. })))
        })
        .collect();
    assert_eq!(gathers.len(), 2);
    for vis in [InputVisibility::Public, InputVisibility::Private] {
        let (pk, proof) = honest(&g, &x, vis);
        let plan = &pk.vk.plan;
        let wit = generate(&g, plan, &x).unwrap();
        for &idx in &gathers {
            let node = &g.nodes[idx];
            let Op::AxisMap { maps } = &node.op else {
                unreachable!()
            };
            let Some(AxisMap::Gather { indices }) = maps.get(1) else {
                panic!("gather on axis 1")
            };
            let (xs, ys) = (
                &g.tensors[node.inputs[0]].shape,
                &g.tensors[node.output].shape,
            );
            let (xv, got) = (
                logical(plan, &wit, node.inputs[0]),
                logical(plan, &wit, node.output),
            );
            for (i, &v) in got.iter().enumerate() {
                let mut idx = unflat(ys, i);
                idx[1] = indices[idx[1]];
                assert_eq!(v, xv[flat(xs, &idx)], "{} at {i}", node.name);
            }
            forged_output_is_rejected(&g, &x, vis, idx);
        }
        tampering_is_rejected(&pk, &proof, public(vis, &x));
    }
    for &idx in &gathers {
        assert!(check_linear_node(&g, &x, idx, false));
        assert!(!check_linear_node(&g, &x, idx, true));
    }
    // An index past the axis is refused at compile.
    let mut b = GraphBuilder::new(&[2, 5, 6], 12, 1);
    let _ = b.gather(0, 1, &[5]);
    let err = compile(&b.finish(), CompileOptions::default()).unwrap_err();
    assert!(err.to_string().contains("does not fit"), "{err}");
}
