//! The whole-proof statistical test of issue 13, on a model whose private tensors are all
//! linear in the private input, without and with lookups (rescale and ReLU).
//!
//! The distinguisher: with a private input of zeros, every private tensor of this model is
//! zero, so any value the proof reveals that is a fixed linear function of a private tensor
//! (an evaluation at any point, a round message of an unmasked sumcheck, an unmasked opening) is
//! an extension-field zero — 16 zero bytes in the proof's encoding. Structural zeros (lengths,
//! empty lists, public zeros) are the same whatever the input, so the test compares the number
//! of 16-byte zero windows of proofs of the zero input with proofs of random inputs: a
//! difference is a revealed value that is a fixed function of the input. The ZK prover shows
//! none; the control — the benchmark-only prover without masking or hiding — shows many, so
//! the test can fail. Every proof also verifies, and the output is the same for every input
//! (the last weight matrix is zero), so the statement does not depend on the input either.
//!
//! Chance windows: a random value's zero bytes next to a structural run of zeros (a small
//! proof-of-work witness after a length, for one) complete a window in about a third of the
//! proofs at one place of the weights opening, whatever the input. So a window is located by its
//! part of the proof and its offset there, and a leak is a place that has a window in every
//! proof of the zero input and in no proof of a random input: a fixed function of the input shows
//! there in every proof, while a chance window at a place has probability `p^R·(1 − p)^R` of
//! looking like one (`R` = [`RUNS`] proofs of each; below 10^-6 for any `p` at `R = 8`). The counts
//! are compared too (a leak whose place shifts with a variable-length part): the fewest windows
//! of a zero-input proof must not exceed the most of a random-input one.

use std::collections::BTreeSet;

mod common;
use common::zero_window_starts;

use zkinfer_pcs::PcsConfig;
use zkinfer_proof::commit::WitnessOpening;
use zkinfer_proof::ir::{Op, ProofGraph};
use zkinfer_proof::testing::{GraphBuilder, Rng};
use zkinfer_proof::{
    CompileOptions, InputVisibility, Profile, Proof, ProvingKey, WeightsVisibility, ZkFile,
    compile, prove, prove_non_zk_for_bench, setup, verify,
};

const RUNS: usize = 8;

/// `x [1, 32]` private → `x·W1` (16) → `·W2` (4) with `W2 = 0` and no biases: the output is 0
/// for every input, and for `x = 0` every tensor is 0. With `lookups`, the hidden layer is
/// rescaled and passed through a ReLU (a range lookup for the rescale, a function-table lookup
/// for the ReLU); for `x = 0` the rescale's remainder is then the constant `2^(k−1)`, every other
/// tensor 0.
fn model(lookups: bool) -> (ProofGraph, usize) {
    let mut b = GraphBuilder::new(&[1, 32], 16, 5);
    let mut h = b.linear_acc(0, 16);
    if lookups {
        h = b.rescale(h, 8);
        h = b.relu(h);
    }
    let _ = b.linear_acc(h, 4);
    let mut g = b.finish();
    let mut last = true;
    for n in g.nodes.iter_mut().rev() {
        if let Op::MatMulConst { weight, bias } = &mut n.op {
            if last {
                weight.values.iter_mut().for_each(|v| *v = 0);
                last = false;
            }
            *bias = None;
        }
    }
    let n = g.tensors[g.input].len();
    (g, n)
}

/// A proof's zero windows, each as (part of the proof, offset in that part).
fn placed_windows(p: &Proof) -> BTreeSet<(usize, usize)> {
    let bytes = p.to_bytes();
    let parts: Vec<u64> = p.size_by_part().into_iter().map(|(_, b)| b).collect();
    // The file's header comes before the parts, which follow in `size_by_part`'s order.
    let header = bytes.len() - parts.iter().sum::<u64>() as usize;
    let place = |at: usize| -> (usize, usize) {
        let mut start = header;
        for (i, &len) in parts.iter().enumerate() {
            if at < start + len as usize {
                return (i, at.saturating_sub(start));
            }
            start += len as usize;
        }
        (parts.len(), at - start)
    };
    zero_window_starts(&bytes).into_iter().map(place).collect()
}

fn windows(pk: &ProvingKey, x: &[i64], hiding: bool) -> Vec<BTreeSet<(usize, usize)>> {
    (0..RUNS)
        .map(|_| {
            let p: Proof = if hiding {
                prove(pk, x, None)
            } else {
                prove_non_zk_for_bench(pk, x, &mut Profile::default())
            }
            .expect("proves");
            verify(&pk.vk, &p, None, None).expect("verifies");
            assert!(p.output.iter().all(|&v| v == 0), "the output is 0");
            // The ZK proofs open the witness and the private weights together: in one masked
            // opening when the key's weights are on the masked commitment (docs/ZK.md §18, these
            // small models), else with HVZK-WHIR (§15); with public weights the witness alone,
            // masked (proof format 25). The control's witness is plain, or masked where the
            // masked weights need it (its sumchecks are plain either way).
            let masked_weights = pk.vk.weights_joint_vars > 0;
            let expected = match (hiding, pk.vk.plan.options.weights) {
                (false, _) if masked_weights => {
                    matches!(p.witness_opening, WitnessOpening::Masked(_))
                }
                (false, _) => matches!(p.witness_opening, WitnessOpening::Plain(_)),
                (true, WeightsVisibility::Public) => {
                    matches!(p.witness_opening, WitnessOpening::Masked(_))
                }
                (true, _) if masked_weights => {
                    matches!(p.witness_opening, WitnessOpening::Masked(_))
                }
                (true, _) => matches!(p.witness_opening, WitnessOpening::Joint(_)),
            };
            assert!(expected, "the witness opening's kind");
            placed_windows(&p)
        })
        .collect()
}

/// The places with a window in every proof of `zero` and in no proof of `random`.
fn leaked_places(
    zero: &[BTreeSet<(usize, usize)>],
    random: &[BTreeSet<(usize, usize)>],
) -> Vec<(usize, usize)> {
    let Some((first, rest)) = zero.split_first() else {
        return Vec::new();
    };
    first
        .iter()
        .filter(|w| rest.iter().all(|z| z.contains(w)) && random.iter().all(|r| !r.contains(w)))
        .copied()
        .collect()
}

fn counts(ws: &[BTreeSet<(usize, usize)>]) -> Vec<usize> {
    ws.iter().map(BTreeSet::len).collect()
}

#[test]
fn no_revealed_value_is_a_fixed_function_of_the_private_input() {
    check(false);
}

/// The same with lookups: the blinded lookups' leaf values, the multiplicities and rescale's
/// parts are sent masked (docs/ZK.md §14). Before they were, the zero input showed more zero
/// windows than random inputs in every proof (41 vs 39).
#[test]
fn with_lookups_no_revealed_value_is_a_fixed_function_of_the_private_input() {
    check(true);
}

/// The same with public weights: the witness is opened on its own with the masked opening
/// (proof format 25, docs/PROOF_SIZE.md §2.i), whose zero-knowledge argument is a sketch; this is
/// its empirical check on whole proofs.
#[test]
fn with_a_masked_witness_opening_no_revealed_value_is_a_fixed_function_of_the_private_input() {
    check_with(true, WeightsVisibility::Public);
}

fn check(lookups: bool) {
    check_with(lookups, WeightsVisibility::default());
}

fn check_with(lookups: bool, weights: WeightsVisibility) {
    let (g, n) = model(lookups);
    let plan = compile(
        &g,
        CompileOptions {
            weights,
            ..CompileOptions::with_input(InputVisibility::Private)
        },
    )
    .expect("compiles");
    let pk = setup(&g, &plan, PcsConfig::default()).expect("setup");
    let zeros = vec![0i64; n];
    let mut rng = Rng::new(23);
    let random: Vec<i64> = rng.vec(n, 1000);

    let zk_zero = windows(&pk, &zeros, true);
    let zk_random = windows(&pk, &random, true);
    let leaks = leaked_places(&zk_zero, &zk_random);
    assert!(
        leaks.is_empty(),
        "ZK proofs of the zero input reveal extension-field zeros at (part, offset) {leaks:?}"
    );
    let (zk_zero_n, zk_random_n) = (counts(&zk_zero), counts(&zk_random));
    let zk_zero_min = zk_zero_n.iter().min().copied().unwrap_or(0);
    let hi = zk_random_n.iter().max().copied().unwrap_or(0);
    assert!(
        zk_zero_min <= hi,
        "ZK proofs of the zero input reveal extension-field zeros: {zk_zero_n:?} vs {zk_random_n:?}"
    );
    // Control: without masking and hiding, evaluations of the zero tensors are revealed, at
    // places of their own.
    let plain_zero = windows(&pk, &zeros, false);
    let plain_random = windows(&pk, &random, false);
    let plain_leaks = leaked_places(&plain_zero, &plain_random);
    let (plain_zero_n, plain_random_n) = (counts(&plain_zero), counts(&plain_random));
    let plain_hi = plain_random_n.iter().max().copied().unwrap_or(0);
    assert!(
        plain_leaks.len() >= 8 && plain_zero_n.iter().all(|&z| z >= plain_hi + 8),
        "control: plain proofs of the zero input should reveal zeros: {plain_zero_n:?} vs \
         {plain_random_n:?}, {} places",
        plain_leaks.len()
    );
    eprintln!(
        "zero windows: ZK zero {zk_zero_n:?} random {zk_random_n:?}; plain zero {plain_zero_n:?} \
         random {plain_random_n:?}; places leaked: ZK {}, plain {}",
        leaks.len(),
        plain_leaks.len()
    );
}
