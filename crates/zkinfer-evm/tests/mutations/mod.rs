//! The mutation loop of the sumcheck differential tests (`sumcheck.rs`, `zk_sumcheck.rs`).

use std::collections::BTreeMap;

/// Runs `per_case` mutations of every case (`mutate(case, the next case)` → the mutation's kind
/// and the mutated input), asserts that none is accepted (`accepted(case, input)`: both verifiers
/// ran and agreed), and returns how many were rejected, by kind.
pub fn reject_all<C, M>(
    cases: &[C],
    per_case: usize,
    mut mutate: impl FnMut(&C, &C) -> (&'static str, M),
    mut accepted: impl FnMut(&C, &M) -> bool,
) -> (usize, BTreeMap<&'static str, usize>) {
    let mut kinds = BTreeMap::new();
    let mut rejected = 0;
    for (i, case) in cases.iter().enumerate() {
        let other = &cases[(i + 1) % cases.len()];
        for _ in 0..per_case {
            let (what, input) = mutate(case, other);
            assert!(
                !accepted(case, &input),
                "a mutated proof ({what}) was accepted by both"
            );
            rejected += 1;
            *kinds.entry(what).or_insert(0) += 1;
        }
    }
    (rejected, kinds)
}

/// A byte-level mutation of an encoded message, one of four at random: a byte flipped, the message
/// cut short, a byte appended, or as many random bytes. Returns its kind and the mutated message
/// (`msg` must not be empty).
pub fn mutate_bytes(rng: &mut impl rand::Rng, msg: &[u8]) -> (&'static str, Vec<u8>) {
    let mut m = msg.to_vec();
    match rng.random_range(0..4) {
        0 => {
            let pos = rng.random_range(0..m.len());
            m[pos] ^= rng.random_range(1..=255u8);
            ("byte flip", m)
        }
        1 => {
            m.truncate(rng.random_range(0..m.len()));
            ("truncated", m)
        }
        2 => {
            m.push(rng.random());
            ("byte appended", m)
        }
        _ => ("random bytes", (0..m.len()).map(|_| rng.random()).collect()),
    }
}

/// Asserts that the contract's call `out` reverted with the Solidity error that corresponds to the
/// Rust verifier's rejection `rust`.
#[allow(dead_code)]
pub fn assert_same_rejection(
    h: &zkinfer_evm::Harness,
    out: &zkinfer_evm::evm::CallOutcome,
    rust: &zkinfer_evm::harness::Rejection,
) {
    assert_reverts_with(h, out, rust.solidity_name(), rust);
}

/// Asserts that the contract's call `out` reverted with the Solidity error `name`, the twin of the
/// Rust verifier's rejection `rust`; returns the contract's error.
pub fn assert_reverts_with(
    h: &zkinfer_evm::Harness,
    out: &zkinfer_evm::evm::CallOutcome,
    name: &str,
    rust: &dyn std::fmt::Display,
) -> zkinfer_evm::abi::RevertError {
    assert!(!out.success, "Rust rejects ({rust}), the contract accepts");
    let err = h.revert_error(out);
    assert_eq!(
        err.as_ref().map(|e| e.name.as_str()),
        Some(name),
        "Rust rejects with {rust}, the contract with {err:?} (halt: {:?})",
        out.halt
    );
    err.unwrap_or_else(|| unreachable!("checked above"))
}
