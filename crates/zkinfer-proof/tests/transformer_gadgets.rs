//! The transformer gadgets (reduce-max, arg-max, division, integer square root): honest proofs
//! verify and match an independent computation of the integer semantics; forged outputs (with
//! the helper columns changed as consistently as possible) and tampered proofs are rejected.

use zkinfer_field::{EF, PrimeCharacteristicRing};
use zkinfer_pcs::PcsConfig;
use zkinfer_proof::channel::Msg;
use zkinfer_proof::ir::{ProofGraph, TensorId};
use zkinfer_proof::plan::{NodePlan, Plan};
use zkinfer_proof::prover::prove_with_witness;
use zkinfer_proof::testing::{GraphBuilder, Rng};
use zkinfer_proof::witness::{Witness, generate};
use zkinfer_proof::{
    CompileError, CompileOptions, InputVisibility, Proof, ProveError, ProvingKey, ZkFile, compile,
    prove, setup, verify,
};

const A: u32 = 12;

/// `input + 0`, the graphs' first node: the commitment scheme needs at least one weight column
/// (with a claim on it), and these graphs have none otherwise.
fn weights(b: &mut GraphBuilder) -> TensorId {
    b.offset(0, 0)
}

fn keys(g: &ProofGraph, vis: InputVisibility) -> ProvingKey {
    let plan = compile(g, CompileOptions::with_input(vis)).expect("compiles");
    setup(g, &plan, PcsConfig::default()).expect("setup")
}

/// Proves and verifies honestly; returns the verified output (logical layout).
fn prove_verify(g: &ProofGraph, x: &[i64], vis: InputVisibility) -> (ProvingKey, Proof, Vec<i64>) {
    let pk = keys(g, vis);
    let proof = prove(&pk, x, None).expect("proves");
    let proof = Proof::from_bytes(&proof.to_bytes()).expect("decodes");
    let public = (vis == InputVisibility::Public).then_some(x);
    let out = verify(&pk.vk, &proof, public, None).expect("honest proof verifies");
    (pk, proof, out)
}

/// Row-major rows of a logical tensor with last axis `n`.
fn rows(v: &[i64], n: usize) -> Vec<&[i64]> {
    v.chunks(n).collect()
}

fn ref_max(v: &[i64], n: usize) -> Vec<i64> {
    rows(v, n)
        .iter()
        .map(|r| *r.iter().max().unwrap())
        .collect()
}

fn ref_argmax(v: &[i64], n: usize) -> Vec<i64> {
    rows(v, n)
        .iter()
        .map(|r| {
            let m = *r.iter().max().unwrap();
            r.iter().position(|&e| e == m).unwrap() as i64
        })
        .collect()
}

/// Whether a forged witness is refused by the prover or rejected by the verifier (`Some(true)`
/// if a proof reached the verifier and was rejected, `Some(false)` if the prover could not
/// finish); `None` if it was accepted.
fn forged(
    pk: &ProvingKey,
    g: &ProofGraph,
    x: &[i64],
    f: impl FnOnce(&Plan, &mut Witness),
) -> Option<bool> {
    // A public input outside the activation range is refused by the verifier for that reason
    // alone (issue 13, 6a): a forgery test on such an input would pass without testing anything.
    let (lo, hi) = zkinfer_model::act_range(g.act_bits);
    assert!(
        x.iter().all(|v| (lo..=hi).contains(v)),
        "test input outside the activation range"
    );
    let plan = &pk.vk.plan;
    let mut wit = generate(g, plan, x).unwrap();
    f(plan, &mut wit);
    match prove_with_witness(pk, x, wit) {
        Ok(p) => verify(&pk.vk, &p, Some(x), None).is_err().then_some(true),
        Err(_) => Some(false),
    }
}

fn assert_rejected(r: Option<bool>, what: &str) -> bool {
    assert!(r.is_some(), "{what}: forged proof accepted");
    r == Some(true)
}

/// The stored index of logical `(row, j)` of tensor `t`.
fn stored(plan: &Plan, t: TensorId, row: usize, j: usize) -> usize {
    let l = &plan.layouts[t];
    let n = *l.logical.last().unwrap();
    l.logical_to_stored()[row * n + j]
}

fn set_output(wit: &mut Witness, t: TensorId, column: usize) {
    wit.tensors[t].clone_from(&wit.columns[column]);
}

// ------------------------------------------------------------------------------------------
// Reduce-max.

#[test]
fn reduce_max_honest_shapes() {
    // Non-power-of-two last axis, several rows, public input read directly.
    let mut b = GraphBuilder::new(&[3, 5], A, 1);
    let x0 = weights(&mut b);
    b.reduce_max(x0);
    let mut x = b.random_input();
    x[7] = x[8].max(x[9]).max(x[5]).max(x[6]); // a tie in row 1
    let g = b.finish();
    let (_, _, out) = prove_verify(&g, &x, InputVisibility::Public);
    assert_eq!(out, ref_max(&x, 5));

    // Rank 3, committed input, through a table whose padded outputs are non-zero (f(0) = 7) and
    // a linear op (claims on x flow back through it).
    let mut b = GraphBuilder::new(&[2, 3, 6], A, 2);
    let x0 = weights(&mut b);
    let t = b.table(x0, "plus7", |v| v / 2 + 7);
    let m = b.mul_const(t, 3);
    b.reduce_max(m);
    let x = b.random_input();
    let g = b.finish();
    let (_, _, out) = prove_verify(&g, &x, InputVisibility::Private);
    let want: Vec<i64> = x.iter().map(|v| 3 * (v / 2 + 7)).collect();
    assert_eq!(out, ref_max(&want, 6));

    // Power-of-two last axis and a last axis of 1.
    for shape in [[4usize, 4], [3, 1]] {
        let mut b = GraphBuilder::new(&shape, A, 3);
        let x0 = weights(&mut b);
        b.reduce_max(x0);
        let x = b.random_input();
        let g = b.finish();
        let (_, _, out) = prove_verify(&g, &x, InputVisibility::Public);
        assert_eq!(out, ref_max(&x, shape[1]));
    }
}

#[test]
fn reduce_max_forged_outputs_are_rejected() {
    let mut b = GraphBuilder::new(&[3, 5], A, 4);
    let x0 = weights(&mut b);
    let y = b.reduce_max(x0);
    let x = b.random_input();
    let g = b.finish();
    let pk = keys(&g, InputVisibility::Public);
    let NodePlan::ReduceMax { out, diff } = pk.vk.plan.nodes[y].clone() else {
        panic!("reduce-max plan")
    };
    let mut reached = false;
    // An upper bound instead of the maximum: every difference of row 1 grows by one (all
    // non-negative, so every lookup passes); only the zero-check can catch it.
    for delta in [1i64, 5] {
        reached |= assert_rejected(
            forged(&pk, &g, &x, |plan, wit| {
                wit.columns[out][1] += delta;
                for j in 0..5 {
                    wit.columns[diff][stored(plan, 0, 1, j)] += delta;
                }
                set_output(wit, y, out);
            }),
            "y = max + delta",
        );
    }
    // Below the maximum: the difference at the maximum becomes negative.
    reached |= assert_rejected(
        forged(&pk, &g, &x, |plan, wit| {
            wit.columns[out][2] -= 1;
            for j in 0..5 {
                wit.columns[diff][stored(plan, 0, 2, j)] -= 1;
            }
            set_output(wit, y, out);
        }),
        "y = max − 1",
    );
    // Output changed alone.
    reached |= assert_rejected(
        forged(&pk, &g, &x, |_, wit| {
            wit.columns[out][0] += 1;
            set_output(wit, y, out);
        }),
        "y + 1 alone",
    );
    assert!(reached, "no forged proof reached the verifier");
    // The honest prover on the same key still works.
    let p = prove(&pk, &x, None).unwrap();
    assert_eq!(verify(&pk.vk, &p, Some(&x), None).unwrap(), ref_max(&x, 5));
}

#[test]
fn reduce_max_after_a_reshape_that_moves_the_last_axis_is_refused() {
    let mut b = GraphBuilder::new(&[2, 6], A, 5);
    let x0 = weights(&mut b);
    let f = b.flatten(x0);
    b.reduce_max(f);
    let g = b.finish();
    let err = compile(&g, CompileOptions::default()).unwrap_err();
    assert!(
        matches!(
            &err,
            CompileError::Unsupported {
                op: "ReduceMax",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("last axis"), "{err}");
}

// ------------------------------------------------------------------------------------------
// Division.

fn ref_div(a: &[i64], b: &[i64], bn: usize, n: usize, shift: u32) -> Vec<i64> {
    a.iter()
        .enumerate()
        .map(|(i, &v)| {
            let d = if bn == n { b[i] } else { b[i / n] };
            (v << shift).div_euclid(d)
        })
        .collect()
}

/// `x [3, 5]`, `p = |x| + 1`, `m = max_j p [3, 1]`, `q = ⌊x·2^4 / m⌋` (broadcast) or
/// `⌊x·2^4 / p⌋` (element-wise).
fn div_graph(broadcast: bool, seed: u64) -> (ProofGraph, Vec<i64>, TensorId) {
    let mut b = GraphBuilder::new(&[3, 5], A, seed);
    let x0 = weights(&mut b);
    let p = b.table(x0, "abs1", |v| v.abs() + 1);
    let d = if broadcast { b.reduce_max(p) } else { p };
    let q = b.div(x0, d, 4, A);
    let x = b.random_input();
    (b.finish(), x, q)
}

#[test]
fn div_honest_broadcast_and_elementwise() {
    for broadcast in [true, false] {
        let (g, x, _) = div_graph(broadcast, 6);
        let (_, _, out) = prove_verify(&g, &x, InputVisibility::Public);
        let p: Vec<i64> = x.iter().map(|v| v.abs() + 1).collect();
        let want = if broadcast {
            ref_div(&x, &ref_max(&p, 5), 1, 5, 4)
        } else {
            ref_div(&x, &p, 5, 5, 4)
        };
        assert_eq!(out, want);
        // Floor toward −∞ on negative dividends.
        assert!(x.iter().zip(&want).any(|(&a, &q)| a < 0 && q < 0));
    }
    // Committed input too.
    let (g, x, _) = div_graph(true, 7);
    prove_verify(&g, &x, InputVisibility::Private);
}

#[test]
fn div_forged_quotients_are_rejected() {
    let (g, x, q) = div_graph(true, 8);
    let pk = keys(&g, InputVisibility::Public);
    let NodePlan::Div { out, rem, slack } = pk.vk.plan.nodes[q].clone() else {
        panic!("div plan")
    };
    let d = q - 1; // the broadcast divisor's tensor
    let wit = generate(&g, &pk.vk.plan, &x).unwrap();
    let z = stored(&pk.vk.plan, q, 1, 2);
    let bval = wit.tensors[d][stored(&pk.vk.plan, d, 1, 0)];
    assert!(bval > 1);
    let mut reached = false;
    // q + 1 with r − b and c + b: a·2^shift = q·b + r and c = b − 1 − r still hold, only the
    // ranges fail.
    reached |= assert_rejected(
        forged(&pk, &g, &x, |_, wit| {
            wit.columns[out][z] += 1;
            wit.columns[rem.columns[0]][z] -= bval;
            wit.columns[slack.columns[0]][z] += bval;
            set_output(wit, q, out);
        }),
        "q + 1, r − b",
    );
    // q − 1 with r + b, c − b.
    reached |= assert_rejected(
        forged(&pk, &g, &x, |_, wit| {
            wit.columns[out][z] -= 1;
            wit.columns[rem.columns[0]][z] += bval;
            wit.columns[slack.columns[0]][z] -= bval;
            set_output(wit, q, out);
        }),
        "q − 1, r + b",
    );
    // q off by one alone.
    reached |= assert_rejected(
        forged(&pk, &g, &x, |_, wit| {
            wit.columns[out][z] += 1;
            set_output(wit, q, out);
        }),
        "q + 1",
    );
    // A wrong remainder (slack kept consistent with it).
    reached |= assert_rejected(
        forged(&pk, &g, &x, |_, wit| {
            wit.columns[rem.columns[0]][z] += 1;
            wit.columns[slack.columns[0]][z] -= 1;
        }),
        "r + 1",
    );
    assert!(reached, "no forged proof reached the verifier");
}

#[test]
fn div_bad_divisor_and_wrapping_bounds_are_errors() {
    // A divisor of 0 (|0| = 0): the prover refuses with an out-of-range error.
    let mut b = GraphBuilder::new(&[2, 3], A, 9);
    let x0 = weights(&mut b);
    let p = b.table(x0, "abs", i64::abs);
    b.div(x0, p, 2, A);
    let g = b.finish();
    let pk = keys(&g, InputVisibility::Public);
    let x = vec![5, 0, -3, 2, 2, 1];
    assert!(matches!(
        prove(&pk, &x, None),
        Err(ProveError::OutOfRange { lo: 1, .. })
    ));
    // Bounds that could wrap the field are refused at compile time.
    let mut b = GraphBuilder::new(&[2, 3], 16, 9);
    let x0 = weights(&mut b);
    b.div(x0, 0, 2, 48);
    let err = compile(&b.finish(), CompileOptions::default()).unwrap_err();
    assert!(err.to_string().contains("wrap the field"), "{err}");
    // A divisor that does not broadcast.
    let mut b = GraphBuilder::new(&[2, 3], A, 9);
    let x0 = weights(&mut b);
    let f = b.flatten(x0);
    b.div(x0, f, 2, A);
    assert!(compile(&b.finish(), CompileOptions::default()).is_err());
}

// ------------------------------------------------------------------------------------------
// Integer square root.

fn isqrt_ref(v: i64) -> i64 {
    (v as u64).isqrt() as i64
}

#[test]
fn isqrt_honest_narrow_and_wide() {
    // 12-bit input through a table (padded positions hold f(0) = 3).
    let mut b = GraphBuilder::new(&[3, 5], A, 10);
    let x0 = weights(&mut b);
    let t = b.table(x0, "abs3", |v| v.abs() + 3);
    b.isqrt(t, A);
    let x = b.random_input();
    let g = b.finish();
    let (_, _, out) = prove_verify(&g, &x, InputVisibility::Public);
    let want: Vec<i64> = x.iter().map(|v| isqrt_ref(v.abs() + 3)).collect();
    assert_eq!(out, want);

    // 36-bit values: an 18-bit root, committed as limbs.
    let mut rng = Rng::new(12);
    let mut v: Vec<i64> = (0..6)
        .map(|_| (rng.next_u64() % (1u64 << 36)) as i64)
        .collect();
    v[0] = (1 << 36) - 1;
    v[1] = 0;
    v[2] = 262_143 * 262_143; // a perfect square
    let (g, x, _) = isqrt_of_wide(&v, 36, 11);
    let (_, _, out) = prove_verify(&g, &x, InputVisibility::Public);
    assert_eq!(out, v.iter().map(|&v| isqrt_ref(v)).collect::<Vec<_>>());
    assert_eq!(out[0], (1 << 18) - 1);
}

/// A graph computing `isqrt` (input width `in_bits`) of `vals` (each in `[0, 2^36)`), and its
/// public input. A public input must lie in the `A`-bit activation range (issue 13, 6a), so the
/// wide values are built in the graph from three 12-bit digits, `w = h·2^24 + m·2^12 + l`: the
/// input's rows are the digits offset by `−2^11`. Returns the isqrt node.
fn isqrt_of_wide(vals: &[i64], in_bits: u32, seed: u64) -> (ProofGraph, Vec<i64>, TensorId) {
    let n = vals.len();
    let mut b = GraphBuilder::new(&[3, n], A, seed);
    let d = b.offset(0, 1 << (A - 1)); // digits in [0, 2^12); also the graph's weight column
    let parts: Vec<TensorId> = (0..3).map(|row| b.gather(d, 0, &[row])).collect();
    let h = b.mul_const(parts[0], 1 << 24);
    let m = b.mul_const(parts[1], 1 << 12);
    let hm = b.add(h, m);
    let w = b.add(hm, parts[2]);
    let y = b.isqrt(w, in_bits);
    let half = 1i64 << (A - 1);
    let mut x = Vec::with_capacity(3 * n);
    for shift in [24, 12, 0] {
        x.extend(vals.iter().map(|&v| ((v >> shift) & 0xfff) - half));
    }
    (b.finish(), x, y)
}

#[test]
fn isqrt_forged_roots_are_rejected() {
    for (in_bits, v) in [
        (A, vec![0i64, 1, 15, 16, 17, 100, 2000, 4095]),
        (
            36,
            vec![0, 1, 1 << 35, (1 << 36) - 1, 99, 12_345_678_901, 7, 8],
        ),
    ] {
        let (g, input, y) = isqrt_of_wide(&v, in_bits, 13);
        let x = &v; // the isqrt's input values, for the forged slacks below
        let pk = keys(&g, InputVisibility::Public);
        let NodePlan::Isqrt {
            out,
            out_limbs,
            lo,
            hi,
        } = pk.vk.plan.nodes[y].clone()
        else {
            panic!("isqrt plan")
        };
        let mut reached = false;
        for (z, delta) in [(5usize, 1i64), (6, -1), (3, 1)] {
            // y + δ with t1 = x − y², t2 = y² + 2y − x recomputed (one of them negative).
            let r = isqrt_ref(x[z]) + delta;
            reached |= assert_rejected(
                forged(&pk, &g, &input, |_, wit| {
                    wit.columns[out][z] = r;
                    if let Some(ol) = &out_limbs {
                        wit.columns[ol.columns[0]][z] = r & 0xffff;
                        wit.columns[ol.columns[1]][z] = r >> 16;
                    }
                    let (t1, t2) = (x[z] - r * r, r * r + 2 * r - x[z]);
                    wit.columns[lo.columns[0]][z] = t1;
                    wit.columns[hi.columns[0]][z] = t2;
                    for l in [&lo, &hi] {
                        if l.columns.len() > 1 {
                            let c0 = wit.columns[l.columns[0]][z];
                            wit.columns[l.columns[0]][z] = c0.rem_euclid(1 << 16);
                            wit.columns[l.columns[1]][z] = c0.div_euclid(1 << 16);
                        }
                    }
                    set_output(wit, y, out);
                }),
                "isqrt ± 1",
            );
        }
        // y + 1 with the slacks left as they were (all in range): the identity fails.
        reached |= assert_rejected(
            forged(&pk, &g, &input, |_, wit| {
                wit.columns[out][4] += 1;
                if let Some(ol) = &out_limbs {
                    wit.columns[ol.columns[0]][4] += 1;
                }
                set_output(wit, y, out);
            }),
            "isqrt + 1, slacks unchanged",
        );
        assert!(reached, "no forged proof reached the verifier");
    }
    // A negative input: the prover refuses.
    let mut b = GraphBuilder::new(&[1, 3], A, 14);
    let x0 = weights(&mut b);
    b.isqrt(x0, A);
    let g = b.finish();
    let pk = keys(&g, InputVisibility::Public);
    assert!(matches!(
        prove(&pk, &[4, -1, 9], None),
        Err(ProveError::OutOfRange { .. })
    ));
}

// ------------------------------------------------------------------------------------------
// Arg-max.

#[test]
fn argmax_honest_with_ties() {
    let mut b = GraphBuilder::new(&[4, 5], A, 15);
    let x0 = weights(&mut b);
    b.argmax(x0);
    let g = b.finish();
    let x = vec![
        3, 7, 7, 1, 7, //
        -5, -5, -9, -5, -6, //
        0, 1, 2, 3, 4, //
        9, -1, 9, 9, 8,
    ];
    let (_, _, out) = prove_verify(&g, &x, InputVisibility::Public);
    assert_eq!(out, vec![1, 0, 4, 0]);
    assert_eq!(out, ref_argmax(&x, 5));

    // Through a table (non-zero padding), rank 3, committed input, last axis a power of two.
    let mut b = GraphBuilder::new(&[2, 3, 4], A, 16);
    let x0 = weights(&mut b);
    let t = b.table(x0, "half5", |v| v / 64 + 5);
    b.argmax(t);
    let x = b.random_input();
    let g = b.finish();
    let (_, _, out) = prove_verify(&g, &x, InputVisibility::Private);
    let tv: Vec<i64> = x.iter().map(|v| v / 64 + 5).collect();
    assert_eq!(out, ref_argmax(&tv, 4));
}

#[test]
fn argmax_forged_indices_are_rejected() {
    let mut b = GraphBuilder::new(&[2, 5], A, 17);
    let x0 = weights(&mut b);
    let y = b.argmax(x0);
    let g = b.finish();
    let x = vec![3, 7, 7, 1, 7, 2, 9, 4, 9, -3];
    let pk = keys(&g, InputVisibility::Public);
    let NodePlan::ArgMax {
        out,
        max,
        onehot,
        diff,
    } = pk.vk.plan.nodes[y].clone()
    else {
        panic!("arg-max plan")
    };
    let plan = pk.vk.plan.clone();
    let s_at = |row: usize, j: usize| stored(&plan, 0, row, j);
    let mut reached = false;
    // Another index of the tie (2 or 4 instead of 1), with the one-hot and the differences
    // recomputed for it: the difference at index 1 becomes −1.
    for j in [2usize, 4] {
        reached |= assert_rejected(
            forged(&pk, &g, &x, |_, wit| {
                wit.columns[out][0] = j as i64;
                for (k, &xk) in x[..5].iter().enumerate() {
                    wit.columns[onehot][s_at(0, k)] = i64::from(k == j);
                    let before = i64::from(k < j);
                    wit.columns[diff][s_at(0, k)] = 7 - xk - before;
                }
                set_output(wit, y, out);
            }),
            "arg-max on a later tie",
        );
    }
    // A non-maximal index with a consistent max column.
    reached |= assert_rejected(
        forged(&pk, &g, &x, |_, wit| {
            wit.columns[out][1] = 2;
            wit.columns[max][1] = 4;
            for k in 0..5 {
                wit.columns[onehot][s_at(1, k)] = i64::from(k == 2);
                wit.columns[diff][s_at(1, k)] = 4 - x[5 + k] - i64::from(k < 2);
            }
            set_output(wit, y, out);
        }),
        "arg-max at a non-maximum",
    );
    // The maximum raised by one with every difference of the row raised too (all lookups pass):
    // only `y = Σ_j s·x` catches it.
    reached |= assert_rejected(
        forged(&pk, &g, &x, |_, wit| {
            wit.columns[max][0] += 1;
            for k in 0..5 {
                wit.columns[diff][s_at(0, k)] += 1;
            }
        }),
        "max + 1 with consistent differences",
    );
    // Index changed alone; and a two-hot row claiming the index sum.
    reached |= assert_rejected(
        forged(&pk, &g, &x, |_, wit| {
            wit.columns[out][0] = 2;
            set_output(wit, y, out);
        }),
        "index + 1 alone",
    );
    reached |= assert_rejected(
        forged(&pk, &g, &x, |_, wit| {
            wit.columns[onehot][s_at(0, 0)] = 1;
            set_output(wit, y, out);
        }),
        "two-hot row",
    );
    assert!(reached, "no forged proof reached the verifier");
}

// ------------------------------------------------------------------------------------------
// All gadgets in one graph: tampering.

fn all_gadgets() -> (ProofGraph, Vec<i64>) {
    let mut b = GraphBuilder::new(&[3, 6], A, 18);
    let x0 = weights(&mut b);
    let p = b.table(x0, "abs1", |v| v.abs() + 1);
    let m = b.reduce_max(p);
    let q = b.div(x0, m, 4, A);
    let r = b.isqrt(p, A);
    let s = b.add(q, r);
    b.argmax(s);
    let x = b.random_input();
    (b.finish(), x)
}

#[test]
fn all_gadgets_prove_and_costs_are_filled() {
    let (g, x) = all_gadgets();
    let (pk, _, out) = prove_verify(&g, &x, InputVisibility::Public);
    let p: Vec<i64> = x.iter().map(|v| v.abs() + 1).collect();
    let m = ref_max(&p, 6);
    let s: Vec<i64> = ref_div(&x, &m, 1, 6, 4)
        .iter()
        .zip(&p)
        .map(|(q, &v)| q + isqrt_ref(v))
        .collect();
    assert_eq!(out, ref_argmax(&s, 6));
    for nc in &pk.vk.plan.cost.nodes {
        if ["ReduceMax", "ArgMax", "Div", "Isqrt"].contains(&nc.op.as_str()) {
            assert!(
                nc.committed > 0 && nc.lookups > 0 && nc.sumcheck > 0 && nc.macs > 0,
                "{nc:?}"
            );
        }
    }
}

#[test]
fn tampered_gadget_proofs_are_rejected() {
    let (g, x) = all_gadgets();
    let (pk, proof, _) = prove_verify(&g, &x, InputVisibility::Public);
    let n = proof.msgs.len();
    // Every message of the walk (the gadgets' sumchecks and evaluations among them).
    for i in 0..n {
        let mut p = proof.clone();
        match &mut p.msgs[i] {
            Msg::Evals(v) => v[0] += EF::ONE,
            Msg::Sumcheck(s) => match s.round_polys.first_mut() {
                Some(r) => r[0] += EF::ONE,
                None => continue,
            },
            Msg::ZkSumcheck(z) => match z.sumcheck.round_polys.first_mut() {
                Some(r) => r[0] += EF::ONE,
                None => z.mask_eval += EF::ONE,
            },
            Msg::Reduction(red) => match red.sumcheck.round_polys.first_mut() {
                Some(r) => r[0] += EF::ONE,
                None => red.eval += EF::ONE,
            },
            Msg::MaskedSumcheck(m) => match m.zk.sumcheck.round_polys.first_mut() {
                Some(r) => r[0] += EF::ONE,
                None => m.zk.mask_eval += EF::ONE,
            },
            Msg::MaskedReduction(red) => match red.sumcheck.zk.sumcheck.round_polys.first_mut() {
                Some(r) => r[0] += EF::ONE,
                None => red.eval += EF::ONE,
            },
        }
        assert!(
            verify(&pk.vk, &p, Some(&x), None).is_err(),
            "changed message {i} accepted"
        );
    }
    let bytes = proof.to_bytes();
    let mut rng = Rng::new(19);
    for _ in 0..60 {
        let pos = (rng.next_u64() as usize) % bytes.len();
        let mut b = bytes.clone();
        b[pos] ^= 1 << (rng.next_u64() % 8);
        if let Ok(p) = Proof::from_bytes(&b) {
            assert!(
                verify(&pk.vk, &p, Some(&x), None).is_err(),
                "flip at byte {pos} accepted"
            );
        }
    }
}
