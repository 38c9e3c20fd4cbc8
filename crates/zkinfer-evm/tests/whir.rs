//! Differential tests of the WHIR pieces built so far: p3's raw challenger operations on the zkinfer
//! transcript (`Transcript.sol`: observe F / EF / digest / seed, sample F / EF / bits, the proof-of-work
//! check) and `Whir.sol` (query indices, the fold of an opened row), against `zkinfer_field::Transcript`'s p3
//! trait implementations and p3's `Poly::eval_ext`; and their gas.

use p3_challenger::fs::TranscriptField;
use p3_challenger::{CanObserve, CanSample, CanSampleBits, FieldChallenger, GrindingChallenger};
use p3_merkle_tree::MerkleCap;
use p3_multilinear_util::point::Point;
use p3_multilinear_util::poly::Poly;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use revm::primitives::U256;
use zkinfer_evm::abi::{Token, decode_uint, decode_uint_array};
use zkinfer_evm::encoding::{ext_to_word, put_ext};
use zkinfer_evm::whir::encode_seed;
use zkinfer_evm::{Contract, Harness};
use zkinfer_field::{BasedVectorSpace, EF, F, PrimeCharacteristicRing, PrimeField64, Transcript};
use zkinfer_pcs::{DIGEST_BYTES, Digest};

/// One raw p3 challenger operation.
#[derive(Clone, Debug)]
enum Op {
    ObserveBase(F),
    ObserveExt(EF),
    ObserveDigest(Digest),
    Seed(Vec<u8>),
    SampleBase,
    SampleExt,
    SampleBits(u8),
    CheckWitness(u8, F),
    QueryIndices(u8, u16, bool),
}

fn ext(rng: &mut StdRng) -> EF {
    let (a, b) = (F::from_u64(rng.random()), F::from_u64(rng.random()));
    EF::from_basis_coefficients_fn(|k| if k == 0 { a } else { b })
}

/// p3-whir's `assemble_query_indices` (private in p3-whir; mirrored here from
/// vendor/p3-whir/src/transcript/mod.rs) over `sample_bits`.
fn query_indices(t: &mut Transcript, width: usize, draws: usize, stratified: bool) -> Vec<u64> {
    if draws == 0 {
        return (0..1u64 << width).collect();
    }
    if !stratified {
        return (0..draws).map(|_| t.sample_bits(width) as u64).collect();
    }
    let mut out = Vec::new();
    let mut remaining = draws;
    while remaining != 0 {
        let depth = usize::BITS as usize - 1 - remaining.leading_zeros() as usize;
        for s in 0..1usize << depth {
            let low = t.sample_bits(width - depth);
            out.push(((s << (width - depth)) | low) as u64);
        }
        remaining -= 1 << depth;
    }
    out
}

/// Applies `op` to the Rust transcript; returns its outputs (as contract words).
fn apply(t: &mut Transcript, op: &Op) -> Vec<U256> {
    match op {
        Op::ObserveBase(x) => {
            CanObserve::<F>::observe(t, *x);
            vec![]
        }
        Op::ObserveExt(x) => {
            FieldChallenger::<F>::observe_algebra_element(t, *x);
            vec![]
        }
        Op::ObserveDigest(d) => {
            let cap: MerkleCap<F, Digest> = MerkleCap::new(vec![*d]);
            t.observe(&cap);
            vec![]
        }
        Op::Seed(b) => {
            <F as TranscriptField>::observe_seed(t, b);
            vec![]
        }
        Op::SampleBase => vec![U256::from(CanSample::<F>::sample(t).as_canonical_u64())],
        Op::SampleExt => vec![ext_to_word(CanSample::<EF>::sample(t))],
        Op::SampleBits(b) => vec![U256::from(t.sample_bits(usize::from(*b)))],
        Op::CheckWitness(b, w) => vec![U256::from(u8::from(t.check_witness(usize::from(*b), *w)))],
        Op::QueryIndices(w, d, s) => query_indices(t, usize::from(*w), usize::from(*d), *s)
            .into_iter()
            .map(U256::from)
            .collect(),
    }
}

fn encode(ops: &[Op], n_out: usize) -> Vec<u8> {
    let mut out = (n_out as u16).to_be_bytes().to_vec();
    for op in ops {
        match op {
            Op::ObserveBase(x) => {
                out.push(0);
                out.extend_from_slice(&x.as_canonical_u64().to_be_bytes());
            }
            Op::ObserveExt(x) => {
                out.push(1);
                put_ext(&mut out, *x);
            }
            Op::ObserveDigest(d) => {
                out.push(2);
                out.extend_from_slice(d);
            }
            Op::Seed(b) => {
                let raw = encode_seed(b);
                out.push(3);
                out.extend_from_slice(&(raw.len() as u16).to_be_bytes());
                out.extend_from_slice(&raw);
            }
            Op::SampleBase => out.push(4),
            Op::SampleExt => out.push(5),
            Op::SampleBits(b) => out.extend_from_slice(&[6, *b]),
            Op::CheckWitness(b, w) => {
                out.extend_from_slice(&[7, *b]);
                out.extend_from_slice(&w.as_canonical_u64().to_be_bytes());
            }
            Op::QueryIndices(w, d, s) => {
                out.extend_from_slice(&[8, *w]);
                out.extend_from_slice(&d.to_be_bytes());
                out.push(u8::from(*s));
            }
        }
    }
    out
}

/// A random script, generated alongside a Rust transcript so that half the witnesses are honest grinds.
fn script(rng: &mut StdRng, context: &[u8]) -> (Vec<Op>, Vec<U256>) {
    let mut t = Transcript::new(context);
    let mut ops = Vec::new();
    let mut outs = Vec::new();
    for _ in 0..rng.random_range(1..40) {
        let op = match rng.random_range(0..10) {
            0 => Op::ObserveBase(F::from_u64(rng.random())),
            1 => Op::ObserveExt(ext(rng)),
            2 => {
                let mut d = [0u8; DIGEST_BYTES];
                rng.fill(&mut d[..]);
                Op::ObserveDigest(d)
            }
            3 => Op::Seed((0..rng.random_range(0..80)).map(|_| rng.random()).collect()),
            4 => Op::SampleBase,
            5 => Op::SampleExt,
            6 => Op::SampleBits(rng.random_range(0..64)),
            7 => {
                let bits = rng.random_range(0..12u8);
                let w = if rng.random_bool(0.5) {
                    t.clone().grind(usize::from(bits))
                } else {
                    F::from_u64(rng.random())
                };
                Op::CheckWitness(bits, w)
            }
            _ => {
                let width = rng.random_range(1..20u8);
                let draws = if width < 7 && rng.random_bool(0.2) {
                    0
                } else {
                    rng.random_range(1..60u16)
                };
                let draws = if width < 7 && draws >= 1 << width {
                    0
                } else {
                    draws
                };
                Op::QueryIndices(width, draws, rng.random_bool(0.5))
            }
        };
        outs.extend(apply(&mut t, &op));
        ops.push(op);
    }
    (ops, outs)
}

#[test]
fn raw_challenger_operations_agree_with_the_rust_transcript() {
    let mut rng = StdRng::seed_from_u64(0x5eed);
    let mut h = Harness::deploy(Contract::WhirHarness).expect("deploys");
    let (mut n_ops, mut n_outs, mut passed_pow, mut failed_pow) = (0, 0, 0, 0);
    for _ in 0..300 {
        let context: Vec<u8> = (0..rng.random_range(0..40)).map(|_| rng.random()).collect();
        let (ops, want) = script(&mut rng, &context);
        let data = encode(&ops, want.len());
        let out = h
            .call(
                "run(bytes,bytes)",
                &[Token::Bytes(context.clone()), Token::Bytes(data)],
            )
            .expect("runs");
        assert!(
            out.success,
            "contract reverted: {:?} on {ops:?}",
            h.revert_error(&out)
        );
        let got = decode_uint_array(&out.output, 0).expect("outputs");
        assert_eq!(got, want, "outputs differ on {ops:?}");
        n_ops += ops.len();
        n_outs += want.len();
        let mut t = Transcript::new(&context);
        for op in &ops {
            let o = apply(&mut t, op);
            if let Op::CheckWitness(..) = op {
                if o[0] == U256::from(1) {
                    passed_pow += 1;
                } else {
                    failed_pow += 1;
                }
            }
        }
    }
    eprintln!(
        "raw challenger: {n_ops} operations, {n_outs} outputs equal; proof-of-work checks: {passed_pow} pass, {failed_pow} fail in both"
    );
    assert!(passed_pow > 50 && failed_pow > 50);
}

#[test]
fn fold_of_an_opened_row_agrees_with_p3() {
    let mut rng = StdRng::seed_from_u64(0xf01d);
    let mut h = Harness::deploy(Contract::WhirHarness).expect("deploys");
    for case in 0..200 {
        let k = case % 7;
        let base = rng.random_bool(0.5);
        let row: Vec<EF> = (0..1usize << k)
            .map(|_| {
                if base {
                    EF::from(F::from_u64(rng.random()))
                } else {
                    ext(&mut rng)
                }
            })
            .collect();
        let point: Vec<EF> = (0..k).map(|_| ext(&mut rng)).collect();
        let want = Poly::new(row.clone()).eval_ext::<F>(&Point::new(point.clone()));
        let out = h
            .call(
                "fold(uint256[],uint256[])",
                &[
                    Token::UintArray(row.iter().map(|&x| ext_to_word(x)).collect()),
                    Token::UintArray(point.iter().map(|&x| ext_to_word(x)).collect()),
                ],
            )
            .expect("runs");
        assert!(out.success, "{:?}", h.revert_error(&out));
        assert_eq!(
            decode_uint(&out.output, 0).expect("value"),
            ext_to_word(want)
        );
        if k == 4 && case < 10 {
            eprintln!(
                "whir gas: fold of a 16-value row ({}) at 4 challenges: {}",
                if base { "F" } else { "EF" },
                decode_uint(&out.output, 1).expect("gas")
            );
        }
    }
    // A row whose length is not 2^k is refused.
    let out = h
        .call(
            "fold(uint256[],uint256[])",
            &[
                Token::UintArray(vec![U256::from(1); 3]),
                Token::UintArray(vec![U256::from(2); 2]),
            ],
        )
        .expect("runs");
    assert!(!out.success);
    assert_eq!(
        h.revert_error(&out).map(|e| e.name),
        Some("WrongRowLength".to_owned())
    );
}

#[test]
fn proof_of_work_check_agrees_and_costs() {
    let mut rng = StdRng::seed_from_u64(0x90);
    let mut h = Harness::deploy(Contract::WhirHarness).expect("deploys");
    for bits in [1usize, 8, 16] {
        let context = b"pow".to_vec();
        let x = F::from_u64(rng.random());
        let mut t = Transcript::new(&context);
        CanObserve::<F>::observe(&mut t, x);
        let honest = t.clone().grind(bits);
        for (w, label) in [(honest, "honest"), (honest + F::ONE, "bumped")] {
            let rust = t.clone().check_witness(bits, w);
            let out = h
                .call(
                    "pow(bytes,uint256,uint256,uint256)",
                    &[
                        Token::Bytes(context.clone()),
                        Token::Uint(U256::from(x.as_canonical_u64())),
                        Token::Uint(U256::from(bits)),
                        Token::Uint(U256::from(w.as_canonical_u64())),
                    ],
                )
                .expect("runs");
            assert_eq!(out.success, rust, "{bits} bits, {label} witness");
            if out.success {
                eprintln!(
                    "whir gas: proof-of-work check ({bits} bits): {}",
                    decode_uint(&out.output, 0).expect("gas")
                );
            } else {
                assert_eq!(
                    h.revert_error(&out).map(|e| e.name),
                    Some("PowWitnessRejected".to_owned())
                );
            }
        }
    }
}
