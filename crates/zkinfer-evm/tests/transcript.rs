//! Differential test of `Transcript.sol` against `zkinfer-field`'s `Transcript`: random scripts of labelled
//! absorbs and challenges, replayed in revm and in Rust, must draw the same challenges; and the gas of a
//! challenge.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use revm::primitives::U256;
use zkinfer_evm::abi::{Token, decode_uint, decode_uint_array};
use zkinfer_evm::encoding::ext_to_word;
use zkinfer_evm::harness::{TranscriptOp, encode_script, replay_script};
use zkinfer_evm::{Contract, Harness};
use zkinfer_field::{BasedVectorSpace, EF, F, PrimeCharacteristicRing};

const CASES: usize = 1000;

fn bytes(rng: &mut StdRng, max: usize) -> Vec<u8> {
    let n = rng.random_range(0..=max);
    (0..n).map(|_| rng.random()).collect()
}

fn base(rng: &mut StdRng) -> F {
    F::from_u64(rng.random::<u64>())
}

fn ext(rng: &mut StdRng) -> EF {
    let (a, b) = (base(rng), base(rng));
    EF::from_basis_coefficients_fn(|k| if k == 0 { a } else { b })
}

fn random_op(rng: &mut StdRng) -> TranscriptOp {
    let label = bytes(rng, 24);
    match rng.random_range(0..8) {
        // Lengths around multiples of 7 exercise the chunking.
        0 => TranscriptOp::Bytes(label, bytes(rng, 40)),
        1 => TranscriptOp::U64(label, rng.random()),
        2 => TranscriptOp::Field(label, base(rng)),
        3 => {
            let n = rng.random_range(0..6);
            TranscriptOp::Fields(label, (0..n).map(|_| base(rng)).collect())
        }
        4 => TranscriptOp::Ext(label, ext(rng)),
        5 => {
            let n = rng.random_range(0..6);
            TranscriptOp::Exts(label, (0..n).map(|_| ext(rng)).collect())
        }
        6 => TranscriptOp::Challenge(label),
        _ => TranscriptOp::Challenges(label, rng.random_range(0..6)),
    }
}

#[test]
fn random_scripts_draw_the_same_challenges() {
    let mut h = Harness::deploy(Contract::TranscriptHarness).expect("deploys");
    let mut rng = StdRng::seed_from_u64(3);
    let mut drawn = 0usize;
    for case in 0..CASES {
        let context = bytes(&mut rng, 40);
        let n_ops = rng.random_range(1..10);
        let mut ops: Vec<TranscriptOp> = (0..n_ops).map(|_| random_op(&mut rng)).collect();
        // End with a challenge so every absorb is tested.
        ops.push(TranscriptOp::Challenge(b"end".to_vec()));
        let script = encode_script(&ops).expect("encodes");
        let out = h
            .call(
                "run(bytes,bytes)",
                &[Token::Bytes(context.clone()), Token::Bytes(script)],
            )
            .expect("runs");
        assert!(out.success, "case {case}: the contract reverted on {ops:?}");
        let got = decode_uint_array(&out.output, 0).expect("uint256[]");
        let want: Vec<U256> = replay_script(&context, &ops)
            .into_iter()
            .map(ext_to_word)
            .collect();
        assert_eq!(
            got, want,
            "case {case}: challenges differ for context {context:?}, ops {ops:?}"
        );
        drawn += want.len();
    }
    println!("{CASES} scripts, {drawn} challenges, all equal");
    assert!(drawn > CASES);
}

/// Scripts whose pending input crosses the 8 KiB chunk size of the transcript's hash
/// (`zkinfer_field::chunked`): long byte strings, field and extension vectors, and pending lengths
/// at the boundary itself (8,192 bytes: plain Keccak-256; 8,200: chunked) and at whole chunks.
#[test]
fn long_absorbs_use_the_same_chunked_hash() {
    let mut h = Harness::deploy(Contract::TranscriptHarness).expect("deploys");
    let mut rng = StdRng::seed_from_u64(9);
    // After a challenge the pending input is the 32-byte chaining digest; label "x" (16 bytes), a
    // vector of n base elements (8 + 8n bytes), then label "end" and the count 3 (40 bytes) make
    // 96 + 8n bytes pending when the first of the three challenges is drawn.
    let at = |pending: usize| (pending - 96) / 8;
    let mut scripts: Vec<Vec<TranscriptOp>> = [8184, 8192, 8200, 16384, 16392, 3 * 8192 + 8]
        .into_iter()
        .map(|pending| {
            let n = at(pending);
            vec![
                TranscriptOp::Challenge(b"c".to_vec()),
                TranscriptOp::Fields(b"x".to_vec(), (0..n).map(|_| base(&mut rng)).collect()),
                TranscriptOp::Challenges(b"end".to_vec(), 3),
            ]
        })
        .collect();
    for _ in 0..12 {
        let mut ops = Vec::new();
        for _ in 0..rng.random_range(1..5) {
            let label = bytes(&mut rng, 24);
            ops.push(match rng.random_range(0..4) {
                0 => TranscriptOp::Bytes(label, bytes(&mut rng, 60_000)),
                1 => {
                    let n = rng.random_range(0..6_000);
                    TranscriptOp::Fields(label, (0..n).map(|_| base(&mut rng)).collect())
                }
                2 => {
                    let n = rng.random_range(0..3_000);
                    TranscriptOp::Exts(label, (0..n).map(|_| ext(&mut rng)).collect())
                }
                _ => TranscriptOp::Challenge(label),
            });
        }
        ops.push(TranscriptOp::Challenge(b"end".to_vec()));
        scripts.push(ops);
    }
    for (case, ops) in scripts.iter().enumerate() {
        let script = encode_script(ops).expect("encodes");
        let out = h
            .call(
                "run(bytes,bytes)",
                &[Token::Bytes(vec![]), Token::Bytes(script)],
            )
            .expect("runs");
        assert!(out.success, "case {case}: the contract reverted");
        let got = decode_uint_array(&out.output, 0).expect("uint256[]");
        let want: Vec<U256> = replay_script(&[], ops)
            .into_iter()
            .map(ext_to_word)
            .collect();
        assert_eq!(got, want, "case {case}: challenges differ");
    }
}

#[test]
fn a_changed_message_changes_the_challenge() {
    // The contract must not be a constant: the same script with one absorbed bit changed differs.
    let mut h = Harness::deploy(Contract::TranscriptHarness).expect("deploys");
    let run = |h: &mut Harness, x: u64| {
        let ops = [
            TranscriptOp::Field(b"x".to_vec(), F::from_u64(x)),
            TranscriptOp::Challenge(b"c".to_vec()),
        ];
        let script = encode_script(&ops).expect("encodes");
        let out = h
            .call(
                "run(bytes,bytes)",
                &[Token::Bytes(vec![]), Token::Bytes(script)],
            )
            .expect("runs");
        decode_uint_array(&out.output, 0).expect("uint256[]")
    };
    assert_ne!(run(&mut h, 1), run(&mut h, 3));
}

#[test]
fn gas_per_challenge() {
    let mut h = Harness::deploy(Contract::TranscriptHarness).expect("deploys");
    let n = 100u64;
    let x = ext_to_word(EF::from_basis_coefficients_fn(|k| {
        F::from_u64(5 + k as u64)
    }));
    let out = h
        .call(
            "benchChallenge(uint256,uint256)",
            &[Token::Uint(x), Token::Uint(U256::from(n))],
        )
        .expect("runs");
    assert!(out.success);
    let per = decode_uint(&out.output, 1).expect("gas").to::<u64>() as f64 / n as f64;
    let init = h
        .call("benchInit(bytes32)", &[Token::Uint(U256::from(7))])
        .expect("runs");
    let init_gas = decode_uint(&init.output, 0).expect("gas").to::<u64>();
    println!(
        "gas: transcript init (32-byte context) {init_gas}; absorb one EF + draw one EF challenge {per:.0}"
    );
    assert!(per < 8_000.0 && init_gas < 10_000, "transcript gas grew");
}

/// The Merkle-path walk WHIR's verifier will need (node = keccak256(left ‖ right)) against Rust's
/// Keccak-256, and its gas per level: the unit of the WHIR budget in README.md.
#[test]
fn merkle_path_matches_rust_keccak_and_costs_per_level() {
    use revm::primitives::{B256, keccak256};
    let mut h = Harness::deploy(Contract::TranscriptHarness).expect("deploys");
    let mut rng = StdRng::seed_from_u64(6);
    let depth = 20;
    let mut per_level = 0.0;
    for _ in 0..20 {
        let leaf = B256::from(rng.random::<[u8; 32]>());
        let index: u64 = rng.random_range(0..1 << depth);
        let siblings: Vec<[u8; 32]> = (0..depth).map(|_| rng.random()).collect();
        let mut node = leaf;
        for (i, s) in siblings.iter().enumerate() {
            let mut buf = [0u8; 64];
            if (index >> i) & 1 == 0 {
                buf[..32].copy_from_slice(node.as_slice());
                buf[32..].copy_from_slice(s);
            } else {
                buf[..32].copy_from_slice(s);
                buf[32..].copy_from_slice(node.as_slice());
            }
            node = keccak256(buf);
        }
        let out = h
            .call(
                "merkleRoot(bytes32,uint256,bytes)",
                &[
                    Token::Uint(U256::from_be_bytes(leaf.0)),
                    Token::Uint(U256::from(index)),
                    Token::Bytes(siblings.concat()),
                ],
            )
            .expect("runs");
        assert!(out.success);
        assert_eq!(
            decode_uint(&out.output, 0).expect("root"),
            U256::from_be_bytes(node.0)
        );
        per_level = decode_uint(&out.output, 1).expect("gas").to::<u64>() as f64 / f64::from(depth);
    }
    println!("gas: Merkle path, per level (keccak of 64 bytes + calldata read) {per_level:.0}");
    assert!(per_level < 400.0, "Merkle path gas grew");
}
