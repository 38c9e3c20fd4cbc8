//! Differential test of `Goldilocks.sol` against `zkinfer-field` (p3's Goldilocks and its degree-2
//! extension) over random and edge-case inputs, run in revm; and the gas of each operation.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use revm::primitives::U256;
use zkinfer_evm::abi::{Token, decode_uint};
use zkinfer_evm::encoding::{base_to_word, ext_to_word};
use zkinfer_evm::{Contract, Harness};
use zkinfer_field::{BasedVectorSpace, EF, F, Field, MODULUS, PrimeCharacteristicRing};

const CASES: usize = 1000;

fn edge_bases() -> Vec<F> {
    [
        0,
        1,
        2,
        7,
        MODULUS - 1,
        MODULUS - 2,
        1 << 32,
        (1 << 32) - 1,
        u64::MAX - MODULUS,
    ]
    .into_iter()
    .map(F::from_u64)
    .collect()
}

fn random_base(rng: &mut StdRng, i: usize) -> F {
    let edges = edge_bases();
    if i < edges.len() * 2 && rng.random_bool(0.5) {
        edges[rng.random_range(0..edges.len())]
    } else {
        F::from_u64(rng.random::<u64>())
    }
}

fn random_ext(rng: &mut StdRng, i: usize) -> EF {
    let (c0, c1) = (random_base(rng, i), random_base(rng, i));
    EF::from_basis_coefficients_fn(|k| if k == 0 { c0 } else { c1 })
}

fn call1(h: &mut Harness, sig: &str, args: &[U256]) -> U256 {
    let toks: Vec<Token> = args.iter().map(|&a| Token::Uint(a)).collect();
    let out = h.call(sig, &toks).expect("transaction runs");
    assert!(out.success, "{sig} reverted on {args:?}");
    decode_uint(&out.output, 0).expect("one word returned")
}

#[test]
fn base_field_matches_rust() {
    let mut h = Harness::deploy(Contract::GoldilocksHarness).expect("deploys");
    let mut rng = StdRng::seed_from_u64(1);
    for i in 0..CASES {
        let (a, b) = (random_base(&mut rng, i), random_base(&mut rng, i));
        let (wa, wb) = (base_to_word(a), base_to_word(b));
        assert_eq!(
            call1(&mut h, "add(uint256,uint256)", &[wa, wb]),
            base_to_word(a + b)
        );
        assert_eq!(
            call1(&mut h, "sub(uint256,uint256)", &[wa, wb]),
            base_to_word(a - b)
        );
        assert_eq!(
            call1(&mut h, "mul(uint256,uint256)", &[wa, wb]),
            base_to_word(a * b)
        );
        if a != F::ZERO {
            assert_eq!(
                call1(&mut h, "inv(uint256)", &[wa]),
                base_to_word(a.inverse())
            );
        }
    }
}

#[test]
fn extension_field_matches_rust() {
    let mut h = Harness::deploy(Contract::GoldilocksHarness).expect("deploys");
    let mut rng = StdRng::seed_from_u64(2);
    for i in 0..CASES {
        let (a, b) = (random_ext(&mut rng, i), random_ext(&mut rng, i));
        let (wa, wb) = (ext_to_word(a), ext_to_word(b));
        assert_eq!(
            call1(&mut h, "extAdd(uint256,uint256)", &[wa, wb]),
            ext_to_word(a + b)
        );
        assert_eq!(
            call1(&mut h, "extSub(uint256,uint256)", &[wa, wb]),
            ext_to_word(a - b)
        );
        assert_eq!(
            call1(&mut h, "extMul(uint256,uint256)", &[wa, wb]),
            ext_to_word(a * b)
        );
        if a != EF::ZERO {
            assert_eq!(
                call1(&mut h, "extInv(uint256)", &[wa]),
                ext_to_word(a.inverse())
            );
        }
    }
}

#[test]
fn inverse_of_zero_reverts_with_a_named_error() {
    let mut h = Harness::deploy(Contract::GoldilocksHarness).expect("deploys");
    for sig in ["inv(uint256)", "extInv(uint256)"] {
        let out = h.call(sig, &[Token::Uint(U256::ZERO)]).expect("runs");
        assert!(!out.success, "{sig}(0) must revert");
        let err = h.revert_error(&out).expect("a custom error");
        assert_eq!(err.name, "InverseOfZero");
    }
}

/// Gas per operation: `(gas(n) − gas_of_empty_loop(n)) / n`, measured inside the contract with gasleft().
#[test]
fn gas_per_operation() {
    let mut h = Harness::deploy(Contract::GoldilocksHarness).expect("deploys");
    let n = 1000u64;
    let a = ext_to_word(EF::from_basis_coefficients_fn(|k| {
        F::from_u64(3 + k as u64)
    }));
    let b = ext_to_word(EF::from_basis_coefficients_fn(|k| {
        F::from_u64(11 + k as u64)
    }));
    let mut gas = |sig: &str, args: Vec<U256>| -> u64 {
        let toks: Vec<Token> = args.into_iter().map(Token::Uint).collect();
        let out = h.call(sig, &toks).expect("runs");
        assert!(out.success, "{sig} reverted");
        decode_uint(&out.output, 1).expect("gas word").to::<u64>()
    };
    let nn = U256::from(n);
    let empty = gas("benchEmpty(uint256,uint256)", vec![a, nn]);
    let empty_per = empty as f64 / n as f64;
    let per = |total: u64, k: u64| total as f64 / k as f64 - empty_per;
    let mul = per(
        gas(
            "benchMul(uint256,uint256,uint256)",
            vec![U256::from(3), U256::from(5), nn],
        ),
        n,
    );
    let ext_add = per(
        gas("benchExtAdd(uint256,uint256,uint256)", vec![a, b, nn]),
        n,
    );
    let ext_mul = per(
        gas("benchExtMul(uint256,uint256,uint256)", vec![a, b, nn]),
        n,
    );
    let ext_inv = per(
        gas("benchExtInv(uint256,uint256)", vec![a, U256::from(100)]),
        100,
    );
    println!(
        "gas per op (loop overhead removed, {n} iterations): F mul {mul:.1}, EF add {ext_add:.1}, EF mul {ext_mul:.1}; EF inverse ≈ {ext_inv:.0} (100 iterations)"
    );
    assert!(
        mul < 60.0 && ext_add < 150.0 && ext_mul < 250.0,
        "field ops grew"
    );
    assert!(ext_inv < 20_000.0, "extension inverse grew");
}
