//! The mutation loop of the sumcheck differential tests (`sumcheck.rs`, `zk_sumcheck.rs`).

use std::collections::BTreeMap;

use rand::Rng;
use zkinfer_field::{BasedVectorSpace, EF, F, PrimeCharacteristicRing};

/// A uniform extension-field element.
#[allow(dead_code)]
pub fn ext(rng: &mut impl Rng) -> EF {
    let (a, b) = (F::from_u64(rng.random()), F::from_u64(rng.random()));
    EF::from_basis_coefficients_fn(|k| if k == 0 { a } else { b })
}

/// `x + 1`: a value changed.
#[allow(dead_code)]
pub fn bump(x: EF) -> EF {
    x + EF::ONE
}

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

/// The verdicts of a pool-backed input (`pool.rs`, `masked_sumcheck.rs`, `reduction.rs`): asserts
/// that the contract's call `out` and the Rust verdict `rust` agree — the same claims, or the same
/// error (and for `BadMaskSlot` and `MaskedClaims` the same reason code) — and returns whether the
/// input is accepted, i.e. both return the `honest` claims.
#[allow(dead_code)]
pub fn pool_verdicts_agree(
    h: &zkinfer_evm::Harness,
    out: &zkinfer_evm::evm::CallOutcome,
    rust: &Result<Vec<revm::primitives::U256>, zkinfer_evm::harness::Rejection>,
    honest: &[revm::primitives::U256],
) -> bool {
    use revm::primitives::U256;
    use zkinfer_evm::harness::Rejection;
    use zkinfer_evm::pool::{bad_mask_slot_reason, masked_claims_reason};
    use zkinfer_sumcheck::SumcheckError;
    match rust {
        Ok(claims) => {
            assert!(
                out.success,
                "Rust returns, the contract reverts: {:?} {:?}",
                h.revert_error(out),
                out.halt
            );
            let got = zkinfer_evm::abi::decode_uint_array(&out.output, 0).expect("claims");
            assert_eq!(&got, claims, "the verifiers' claims differ");
            claims == honest
        }
        Err(e) => {
            let err = assert_reverts_with(h, out, e.solidity_name(), e);
            match e {
                Rejection::Sumcheck(SumcheckError::BadMaskSlot { reason, .. }) => {
                    let code = bad_mask_slot_reason(reason).expect("a known reason");
                    assert_eq!(err.args.get(1), Some(&U256::from(code)), "{e}");
                }
                Rejection::Sumcheck(SumcheckError::MaskedClaims { reason }) => {
                    let code = masked_claims_reason(reason).expect("a known reason");
                    assert_eq!(err.args.first(), Some(&U256::from(code)), "{e}");
                }
                _ => {}
            }
            false
        }
    }
}
