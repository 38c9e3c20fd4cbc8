//! `MaskedVerifier.sol` against `zkinfer_pcs::masked`'s Rust verifier on real openings (the masked-first-round
//! prototype of docs/PROOF_SIZE.md §2.i): the contract accepts what `MaskedPcs::verify` accepts and rejects,
//! with a named error, another claimed value, another point, another root, another column's proof, and byte
//! flips at random positions of the calldata — each also rejected by the Rust verifier (a flipped calldata is
//! decoded back as the contract reads it, `zkinfer_evm::masked::decode_proof`, and handed to
//! `MaskedPcs::verify`; a decoding error is the Rust side's rejection). Its execution gas and the
//! transaction's EIP-7623 total are printed.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use revm::primitives::U256;
use zkinfer_evm::abi::{Token, decode_uint};
use zkinfer_evm::masked::{claims_blob, decode_proof, encode_proof, verifying_data};
use zkinfer_evm::{Contract, Harness, call_tx_gas};
use zkinfer_field::{BasedVectorSpace, EF, F, PrimeCharacteristicRing, Transcript};
use zkinfer_pcs::masked::{MaskedCommitment, MaskedConfig, MaskedPcs, MaskedProof};

/// Claims on the column: `(point, value)`.
type Claims = Vec<(Vec<EF>, EF)>;

const SIG: &str = "verifyMasked(bytes,bytes,bytes32,bytes,bytes)";
const CTX: &[u8] = b"masked on chain";

fn ext(rng: &mut StdRng) -> EF {
    EF::from_basis_coefficients_fn(|_| F::from_u64(rng.random::<u64>() >> 1))
}

struct Case {
    pcs: MaskedPcs,
    commitment: MaskedCommitment,
    claims: Vec<(Vec<EF>, EF)>,
    proof: MaskedProof,
}

fn case(d: usize, seed: u64) -> Case {
    let mut rng = StdRng::seed_from_u64(seed);
    let column: Vec<F> = (0..1usize << d)
        .map(|_| F::from_u64(rng.random::<u64>() >> 1))
        .collect();
    let claims: Vec<(Vec<EF>, EF)> = (0..2)
        .map(|_| {
            let p: Vec<EF> = (0..d).map(|_| ext(&mut rng)).collect();
            let v = zkinfer_poly::evaluate::<F, EF>(&column, &p);
            (p, v)
        })
        .collect();
    let pcs = MaskedPcs::new(MaskedConfig::default());
    let mut zk_rng = <rand_zk::rngs::StdRng as rand_zk::SeedableRng>::seed_from_u64(seed);
    let mut t = Transcript::new(CTX);
    let (commitment, data) = pcs.commit(&column, &mut zk_rng, &mut t).expect("commits");
    let proof = pcs.open(&data, &claims, &mut t).expect("opens");
    Case {
        pcs,
        commitment,
        claims,
        proof,
    }
}

fn rust_accepts(c: &Case, root: [u8; 32], claims: &[(Vec<EF>, EF)], proof: &MaskedProof) -> bool {
    let com = MaskedCommitment {
        root,
        ..c.commitment.clone()
    };
    let mut t = Transcript::new(CTX);
    c.pcs.absorb_commitment(&com, &mut t).is_ok()
        && c.pcs.verify(&com, claims, proof, &mut t).is_ok()
}

#[test]
fn masked_openings_verified_on_chain() {
    let mut h = Harness::deploy(Contract::MaskedHarness).expect("deploys");
    let mut rng = StdRng::seed_from_u64(45);
    let mut mutations = 0;
    for (d, seed) in [(13usize, 1u64), (16, 2)] {
        let c = case(d, seed);
        let (mdata, vd) = verifying_data(&c.pcs, d);
        let bytes = encode_proof(&c.proof, &vd).expect("encodes");
        let call = |root: [u8; 32], claims: &[(Vec<EF>, EF)], bytes: &[u8]| {
            vec![
                Token::Bytes(CTX.to_vec()),
                Token::Bytes(mdata.clone()),
                Token::Uint(U256::from_be_bytes(root)),
                Token::Bytes(claims_blob(claims)),
                Token::Bytes(bytes.to_vec()),
            ]
        };
        let root = c.commitment.root;
        assert!(rust_accepts(&c, root, &c.claims, &c.proof));
        let args = call(root, &c.claims, &bytes);
        let out = h.call(SIG, &args).expect("runs");
        assert!(out.success, "2^{d}: {:?}", h.revert_error(&out));
        let gas = decode_uint(&out.output, 0).expect("gas");
        let tx = call_tx_gas(
            &zkinfer_evm::abi::encode_call(SIG, &args),
            gas.saturating_to::<u64>(),
        );
        eprintln!(
            "masked opening of 2^{d} verified on chain: execution {gas} gas (verifier only), proof {} bytes, \
             transaction {tx:?}",
            bytes.len()
        );

        // Statement changes: both verifiers reject.
        let mut tries: Vec<(&str, [u8; 32], Claims)> = Vec::new();
        let mut other = c.claims.clone();
        other[0].1 += EF::ONE;
        tries.push(("another value", root, other));
        let mut other = c.claims.clone();
        other[1].0[0] += EF::ONE;
        tries.push(("another point", root, other));
        let mut other_root = root;
        other_root[0] ^= 1;
        tries.push(("another root", other_root, c.claims.clone()));
        for (what, r, cl) in &tries {
            assert!(!rust_accepts(&c, *r, cl, &c.proof), "{what}: Rust rejects");
            let out = h.call(SIG, &call(*r, cl, &bytes)).expect("runs");
            assert!(
                !out.success && h.revert_error(&out).is_some(),
                "2^{d} {what}: the contract must reject with a named error"
            );
            mutations += 1;
        }
        // Another column's proof (same size): both reject.
        let other = case(d, seed + 100);
        let other_bytes = encode_proof(&other.proof, &vd).expect("encodes");
        assert!(!rust_accepts(&c, root, &c.claims, &other.proof));
        let out = h
            .call(SIG, &call(root, &c.claims, &other_bytes))
            .expect("runs");
        assert!(!out.success && h.revert_error(&out).is_some());
        mutations += 1;
        // The calldata decodes back to the proof.
        let back = decode_proof(&bytes, &c.pcs, d, &vd).expect("decodes");
        assert_eq!(encode_proof(&back, &vd).expect("encodes"), bytes);
        assert!(rust_accepts(&c, root, &c.claims, &back));
        // Byte flips anywhere in the calldata: both verifiers reject.
        for _ in 0..250 {
            let mut b = bytes.clone();
            let pos = rng.random_range(0..b.len());
            b[pos] ^= rng.random_range(1..=255u8);
            let rust = decode_proof(&b, &c.pcs, d, &vd)
                .is_ok_and(|p| rust_accepts(&c, root, &c.claims, &p));
            assert!(
                !rust,
                "2^{d}: the Rust verifier accepted a flip at byte {pos}"
            );
            let out = h.call(SIG, &call(root, &c.claims, &b)).expect("runs");
            assert!(
                !out.success && h.revert_error(&out).is_some(),
                "2^{d}: the contract accepted a flip at byte {pos} of {}",
                b.len()
            );
            mutations += 1;
        }
    }
    eprintln!(
        "{mutations} mutated statements or proofs rejected by the contract and the Rust verifier"
    );
    assert!(mutations >= 500);
}
