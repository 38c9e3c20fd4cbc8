//! `MaskedVerifier.sol` against `zkinfer_pcs::masked`'s Rust verifier on real openings (the masked-first-round
//! prototype of docs/PROOF_SIZE.md §2.i): the contract accepts what `MaskedPcs::verify` accepts and rejects,
//! with a named error, another claimed value, another point, another root, another column's proof, and byte
//! flips at random positions of the calldata — each also rejected by the Rust verifier (a flipped calldata is
//! decoded back as the contract reads it, `zkinfer_evm::masked::decode_proof`, and handed to
//! `MaskedPcs::verify`; a decoding error is the Rust side's rejection). Its execution gas and the
//! transaction's EIP-7623 total are printed.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use zkinfer_evm::abi::{Token, decode_uint};
use zkinfer_evm::masked::{
    JointSide, batch_claims_blob, batch_data, claims_blob, decode_joint_proof, decode_proof,
    decode_proof_at, encode_proof, joint_statement, joint_verifying_data, verifying_data,
    verifying_data_at,
};
use zkinfer_evm::{Contract, Harness, call_tx_gas};
use zkinfer_field::{BasedVectorSpace, EF, F, PrimeCharacteristicRing, Transcript};
use zkinfer_pcs::Digest;
use zkinfer_pcs::masked::{
    MaskedBatchCommitment, MaskedCommitment, MaskedConfig, MaskedPcs, MaskedProof,
};
use zkinfer_pcs::{ColumnClaim, StackClaim};

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

fn rust_accepts(c: &Case, root: Digest, claims: &[(Vec<EF>, EF)], proof: &MaskedProof) -> bool {
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
        let call = |root: Digest, claims: &[(Vec<EF>, EF)], bytes: &[u8]| {
            vec![
                Token::Bytes(CTX.to_vec()),
                Token::Bytes(mdata.clone()),
                Token::Uint(zkinfer_evm::merkle::digest_word(&root)),
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
        let mut tries: Vec<(&str, Digest, Claims)> = Vec::new();
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

const BATCH_SIG: &str = "verifyMaskedBatch(bytes,bytes,bytes,bytes32,bytes,bytes)";

struct BatchCase {
    pcs: MaskedPcs,
    commitment: MaskedBatchCommitment,
    claims: Vec<ColumnClaim>,
    stack: Vec<StackClaim>,
    proof: MaskedProof,
}

/// A batch as a proof's witness is: columns of `vars`, a claim on each, one claim on the whole stack.
fn batch_case(vars: &[usize], seed: u64) -> BatchCase {
    let mut rng = StdRng::seed_from_u64(seed);
    let (columns, claims) = columns_and_claims(vars, &mut rng);
    let pcs = MaskedPcs::new(MaskedConfig::default());
    let mut zk_rng = <rand_zk::rngs::StdRng as rand_zk::SeedableRng>::seed_from_u64(seed);
    let mut t = Transcript::new(CTX);
    let (commitment, data) = pcs
        .commit_batch(&columns, &mut zk_rng, &mut t)
        .expect("commits");
    let stack = vec![stack_claim(&data.stacked_values(), &mut rng)];
    let proof = pcs
        .open_batch(data, &claims, &stack, &mut t)
        .expect("opens");
    BatchCase {
        pcs,
        commitment,
        claims,
        stack,
        proof,
    }
}

fn batch_rust_accepts(
    c: &BatchCase,
    root: Digest,
    claims: &[ColumnClaim],
    stack: &[StackClaim],
    proof: &MaskedProof,
) -> bool {
    let mut com = c.commitment.clone();
    com.stack.root = root;
    let mut t = Transcript::new(CTX);
    c.pcs.absorb_batch_commitment(&com, &mut t).is_ok()
        && c.pcs
            .verify_batch(&com, claims, stack, proof, &mut t)
            .is_ok()
}

/// The batch form (a zkinfer proof's witness opening since proof format 25), in the half layout (a stack of
/// `2^(d+1)`) and the tail layout (`n = d`): the contract accepts what `MaskedPcs::verify_batch` accepts and
/// rejects, with a named error, another column value, a claim moved to another column, another stack value,
/// another root and byte flips — each also rejected by the Rust verifier.
#[test]
fn masked_batch_openings_verified_on_chain() {
    let mut h = Harness::deploy(Contract::MaskedHarness).expect("deploys");
    let mut rng = StdRng::seed_from_u64(46);
    let mut mutations = 0;
    for (vars, seed, tail) in [
        (&[10usize, 12, 3, 12, 7][..], 3u64, false),
        (&[16, 12, 9, 12][..], 4, true),
    ] {
        let c = batch_case(vars, seed);
        let (bdata, d, n) = batch_data(&c.pcs, vars).expect("slots");
        assert_eq!(n == d, tail, "{vars:?}");
        assert_eq!(
            (c.commitment.stack.data_vars, c.commitment.stack.stack_vars),
            (d, n)
        );
        let (mdata, vd) = verifying_data_at(&c.pcs, d, n);
        let bytes = encode_proof(&c.proof, &vd).expect("encodes");
        let call = |root: Digest, claims: &[ColumnClaim], stack: &[StackClaim], bytes: &[u8]| {
            vec![
                Token::Bytes(CTX.to_vec()),
                Token::Bytes(mdata.clone()),
                Token::Bytes(bdata.clone()),
                Token::Uint(zkinfer_evm::merkle::digest_word(&root)),
                Token::Bytes(batch_claims_blob(claims, stack)),
                Token::Bytes(bytes.to_vec()),
            ]
        };
        let root = c.commitment.stack.root;
        assert!(batch_rust_accepts(&c, root, &c.claims, &c.stack, &c.proof));
        let args = call(root, &c.claims, &c.stack, &bytes);
        let out = h.call(BATCH_SIG, &args).expect("runs");
        assert!(out.success, "{vars:?}: {:?}", h.revert_error(&out));
        let gas = decode_uint(&out.output, 0).expect("gas");
        let tx = call_tx_gas(
            &zkinfer_evm::abi::encode_call(BATCH_SIG, &args),
            gas.saturating_to::<u64>(),
        );
        eprintln!(
            "masked batch opening of {vars:?} (2^{d} in 2^{n}) verified on chain: execution {gas} gas \
             (verifier only), proof {} bytes, transaction {tx:?}",
            bytes.len()
        );
        let mut rejected =
            |what: &str, r: Digest, cl: &[ColumnClaim], st: &[StackClaim], b: &[u8]| {
                let rust = decode_proof_at(b, &c.pcs, n, &vd)
                    .is_ok_and(|p| batch_rust_accepts(&c, r, cl, st, &p));
                assert!(!rust, "{vars:?} {what}: the Rust verifier accepted");
                let out = h.call(BATCH_SIG, &call(r, cl, st, b)).expect("runs");
                assert!(
                    !out.success && h.revert_error(&out).is_some(),
                    "{vars:?} {what}: the contract must reject with a named error"
                );
            };
        let mut claims = c.claims.clone();
        claims[1].value += EF::ONE;
        rejected("another column value", root, &claims, &c.stack, &bytes);
        let mut claims = c.claims.clone();
        claims[1].column = 3;
        rejected(
            "a claim moved to another column",
            root,
            &claims,
            &c.stack,
            &bytes,
        );
        let mut stack = c.stack.clone();
        stack[0].value += EF::ONE;
        rejected("another stack value", root, &c.claims, &stack, &bytes);
        let mut other_root = root;
        other_root[5] ^= 1;
        rejected("another root", other_root, &c.claims, &c.stack, &bytes);
        mutations += 4;
        let back = decode_proof_at(&bytes, &c.pcs, n, &vd).expect("decodes");
        assert_eq!(encode_proof(&back, &vd).expect("encodes"), bytes);
        for _ in 0..60 {
            let mut b = bytes.clone();
            let pos = rng.random_range(0..b.len());
            b[pos] ^= rng.random_range(1..=255u8);
            rejected(
                &format!("a flip at byte {pos}"),
                root,
                &c.claims,
                &c.stack,
                &b,
            );
            mutations += 1;
        }
    }
    eprintln!(
        "{mutations} mutated batch statements or proofs rejected by the contract and the Rust verifier"
    );
}

const JOINT_SIG: &str = "verifyMaskedJoint(bytes,bytes,bytes,bytes)";

/// Random columns of `vars` and a true claim on each (at a random point).
fn columns_and_claims(vars: &[usize], rng: &mut StdRng) -> (Vec<Vec<F>>, Vec<ColumnClaim>) {
    let columns: Vec<Vec<F>> = vars
        .iter()
        .map(|&n| {
            (0..1usize << n)
                .map(|_| F::from_u64(rng.random::<u64>() >> 1))
                .collect()
        })
        .collect();
    let claims = columns
        .iter()
        .enumerate()
        .map(|(column, c)| {
            let point: Vec<EF> = (0..c.len().trailing_zeros()).map(|_| ext(rng)).collect();
            ColumnClaim {
                column,
                value: zkinfer_poly::evaluate::<F, EF>(c, &point),
                point,
            }
        })
        .collect();
    (columns, claims)
}

/// A true claim on a batch's stack `D` (its values given).
fn stack_claim(values: &[F], rng: &mut StdRng) -> StackClaim {
    let point: Vec<EF> = (0..values.len().trailing_zeros())
        .map(|_| ext(rng))
        .collect();
    StackClaim {
        value: zkinfer_poly::evaluate::<F, EF>(values, &point),
        point,
    }
}

/// A joint statement and its proof (what a proof of format 26 opens for small private weights).
#[derive(Clone)]
struct Joint {
    weights: MaskedBatchCommitment,
    uses: usize,
    w_claims: Vec<ColumnClaim>,
    w_stack: Vec<StackClaim>,
    witness: MaskedBatchCommitment,
    claims: Vec<ColumnClaim>,
    stack: Vec<StackClaim>,
}

/// Weights of `w_vars` committed once for `uses` openings, a witness of `x_vars` at their joint stack, one
/// claim on a weights column and one on their stack, a claim on every witness column and one on its stack.
fn joint_case(
    pcs: &MaskedPcs,
    w_vars: &[usize],
    x_vars: &[usize],
    uses: usize,
    seed: u64,
) -> (Joint, MaskedProof) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut zk_rng = <rand_zk::rngs::StdRng as rand_zk::SeedableRng>::seed_from_u64(seed);
    let mut t = Transcript::new(CTX);
    let (w_columns, mut w_claims) = columns_and_claims(w_vars, &mut rng);
    w_claims.truncate(1);
    let (x_columns, claims) = columns_and_claims(x_vars, &mut rng);
    let d_x = pcs.batch_stacked_vars(x_vars).expect("fits");
    let min = zkinfer_pcs::masked::stack_vars(d_x, pcs.config().fold);
    let (weights, w_data) = pcs
        .commit_reusable_batch(&w_columns, uses, min, &mut zk_rng, &mut t)
        .expect("commits the weights");
    let n = weights.stack.stack_vars;
    let (witness, x_data) = pcs
        .commit_batch_at(&x_columns, n, &mut zk_rng, &mut t)
        .expect("commits the witness");
    let w_stack = vec![stack_claim(&w_data.stacked_values(), &mut rng)];
    let stack = vec![stack_claim(&x_data.stacked_values(), &mut rng)];
    let proof = pcs
        .open_joint_batch(
            &w_data, &w_claims, &w_stack, x_data, &claims, &stack, &mut t,
        )
        .expect("opens");
    let j = Joint {
        weights,
        uses,
        w_claims,
        w_stack,
        witness,
        claims,
        stack,
    };
    (j, proof)
}

/// `MaskedPcs::verify_joint_batch` on `proof` after both commitments are absorbed, as a proof's verifier
/// plays it.
fn joint_rust_verdict(
    pcs: &MaskedPcs,
    j: &Joint,
    proof: &MaskedProof,
) -> Result<(), zkinfer_pcs::masked::MaskedError> {
    let mut t = Transcript::new(CTX);
    pcs.absorb_reusable_batch_commitment(&j.weights, j.uses, &mut t)?;
    pcs.absorb_batch_commitment_at(&j.witness, j.weights.stack.stack_vars, &mut t)?;
    pcs.verify_joint_batch(
        &j.weights,
        &j.w_claims,
        &j.w_stack,
        &j.witness,
        &j.claims,
        &j.stack,
        proof,
        &mut t,
    )
}

fn joint_rust_accepts(pcs: &MaskedPcs, j: &Joint, proof: &MaskedProof) -> bool {
    joint_rust_verdict(pcs, j, proof).is_ok()
}

/// The joint form (proof format 26's opening of small private weights with a proof's witness, docs/ZK.md
/// §18): `MaskedVerifier.verifyJointBatch` accepts what `MaskedPcs::verify_joint_batch` accepts, and rejects
/// with a named error another weights column value, another weights stack value, another witness column or
/// stack value, either root changed, the two trees' openings swapped, another witness's proof, another
/// budget, and byte flips — each also rejected by the Rust verifier. The second case has LeNet-5's shapes
/// (weights and their opening mask stacked in 2^17 for 256 proofs, a witness stacked in 2^19, the joint stack
/// 2^20): its gas is the on-chain cost of the default proof's opening for that model at key format 13. The
/// third has a first fold of 4 (key format 14 chooses it where it halves the stack: LeNet-5's witness then
/// stacks in 2^18, the joint stack is 2^19); the contract reads the fold from the verifying data.
#[test]
fn masked_joint_openings_verified_on_chain() {
    let mut h = Harness::deploy(Contract::MaskedJointHarness).expect("deploys");
    let mut rng = StdRng::seed_from_u64(47);
    let mut mutations = 0;
    for (fold, engine, w_vars, x_vars, uses, flips, seed) in [
        (
            5,
            false,
            &[10usize, 8, 3][..],
            &[12usize, 10, 9, 3][..],
            4usize,
            240,
            5u64,
        ),
        (
            5,
            false,
            &[16, 10][..],
            &[18, 17, 16, 12, 10][..],
            256,
            40,
            6,
        ),
        // A key whose first fold is 4 (key format 14: LeNet-5's since then, its witness
        // stacked in 2^18 and the joint stack 2^19).
        (4, false, &[16, 10][..], &[17, 16, 12, 10][..], 256, 40, 7),
        // The same with the engine's plain opening of `P₁` (proof format 29,
        // `zkinfer_proof::commit::masked_config_with_fold`: rate 1/32, a fold of 5): what a
        // LeNet-5 proof's opening costs on chain.
        (4, true, &[16, 10][..], &[17, 16, 12, 10][..], 256, 40, 8),
    ] {
        let mut config = MaskedConfig::new(100, fold, 3, 19);
        if engine {
            config.plain = zkinfer_pcs::PcsConfig {
                log_inv_rate: 5,
                folding_factor: 5,
                ..zkinfer_pcs::PcsConfig::default()
            };
        }
        let pcs = MaskedPcs::new(config);
        let (j, proof) = joint_case(&pcs, w_vars, x_vars, uses, seed);
        let n = j.weights.stack.stack_vars;
        let (w_slots, d_w, _) = batch_data(&pcs, w_vars).expect("slots");
        let (x_slots, d_x, _) = batch_data(&pcs, x_vars).expect("slots");
        assert_eq!(
            (j.weights.stack.data_vars, j.witness.stack.data_vars),
            (d_w, d_x)
        );
        let (jdata, vd) = joint_verifying_data(&pcs, d_w, uses, d_x, n);
        let bytes = encode_proof(&proof, &vd).expect("encodes");
        let statement = |j: &Joint| {
            joint_statement(
                &JointSide {
                    slots: &w_slots,
                    root: j.weights.stack.root,
                    claims: &j.w_claims,
                    stack: &j.w_stack,
                },
                &JointSide {
                    slots: &x_slots,
                    root: j.witness.stack.root,
                    claims: &j.claims,
                    stack: &j.stack,
                },
            )
        };
        let args = |j: &Joint, jdata: &[u8], b: &[u8]| {
            vec![
                Token::Bytes(CTX.to_vec()),
                Token::Bytes(jdata.to_vec()),
                Token::Bytes(statement(j)),
                Token::Bytes(b.to_vec()),
            ]
        };
        assert!(joint_rust_accepts(&pcs, &j, &proof));
        let a = args(&j, &jdata, &bytes);
        let out = h.call(JOINT_SIG, &a).expect("runs");
        assert!(
            out.success,
            "{w_vars:?} ‖ {x_vars:?}: {:?}",
            h.revert_error(&out)
        );
        let gas = decode_uint(&out.output, 0).expect("gas");
        let tx = call_tx_gas(
            &zkinfer_evm::abi::encode_call(JOINT_SIG, &a),
            gas.saturating_to::<u64>(),
        );
        eprintln!(
            "joint masked opening, first fold {fold}, engine's P₁ settings {engine}, weights {w_vars:?} (2^{d_w}, {uses} uses) and witness \
             {x_vars:?} (2^{d_x}) in 2^{n}, verified on chain: execution {gas} gas (verifier only), proof {} \
             bytes, transaction {tx:?}",
            bytes.len()
        );
        let back = decode_joint_proof(&bytes, &pcs, n, &vd).expect("decodes");
        assert_eq!(encode_proof(&back, &vd).expect("encodes"), bytes);
        assert!(joint_rust_accepts(&pcs, &j, &back));

        // A fold's proof of work (the first sumcheck's second round, and `ρ`'s): refused by the contract
        // where the Rust verifier refuses it, before the fold's challenge.
        for round in [1, pcs.config().fold + 1] {
            let mut p = proof.clone();
            p.fold_pow[round] += F::ONE;
            let b = encode_proof(&p, &vd).expect("encodes");
            let rust = joint_rust_verdict(&pcs, &j, &p);
            assert!(
                matches!(rust, Err(zkinfer_pcs::masked::MaskedError::FoldProofOfWork { round: r }) if r == round),
                "{rust:?}"
            );
            let out = h.call(JOINT_SIG, &args(&j, &jdata, &b)).expect("runs");
            let err = h.revert_error(&out).expect("a named error");
            assert_eq!(err.name, "RoundProofOfWork", "fold {round}");
            mutations += 1;
        }
        let mut rejected = |what: &str, j: &Joint, jdata: &[u8], b: &[u8]| {
            let rust =
                decode_joint_proof(b, &pcs, n, &vd).is_ok_and(|p| joint_rust_accepts(&pcs, j, &p));
            assert!(!rust, "{w_vars:?} {what}: the Rust verifier accepted");
            let out = h.call(JOINT_SIG, &args(j, jdata, b)).expect("runs");
            assert!(
                !out.success && h.revert_error(&out).is_some(),
                "{w_vars:?} {what}: the contract must reject with a named error"
            );
            mutations += 1;
        };
        let mut m = j.clone();
        m.w_claims[0].value += EF::ONE;
        rejected("another weights column value", &m, &jdata, &bytes);
        let mut m = j.clone();
        m.w_stack[0].value += EF::ONE;
        rejected("another weights stack value", &m, &jdata, &bytes);
        let mut m = j.clone();
        m.claims[2].value += EF::ONE;
        rejected("another witness column value", &m, &jdata, &bytes);
        let mut m = j.clone();
        m.stack[0].point[1] += EF::ONE;
        rejected("another witness stack point", &m, &jdata, &bytes);
        let mut m = j.clone();
        m.weights.stack.root[3] ^= 1;
        rejected("another weights root", &m, &jdata, &bytes);
        let mut m = j.clone();
        m.witness.stack.root[7] ^= 1;
        rejected("another witness root", &m, &jdata, &bytes);
        let mut m = j.clone();
        m.uses = uses - 1;
        let (other_jdata, _) = joint_verifying_data(&pcs, d_w, uses - 1, d_x, n);
        rejected("another budget", &m, &other_jdata, &bytes);
        let mut swapped = proof.clone();
        std::mem::swap(&mut swapped.rows, &mut swapped.weights_rows);
        let paths = swapped.weights_paths.replace(swapped.paths.clone());
        swapped.paths = paths.expect("a joint opening has weights paths");
        let swapped = encode_proof(&swapped, &vd).expect("encodes");
        rejected("the two trees' openings swapped", &j, &jdata, &swapped);
        let (_, other) = joint_case(&pcs, w_vars, x_vars, uses, seed + 100);
        let other = encode_proof(&other, &vd).expect("encodes");
        rejected("another witness's proof", &j, &jdata, &other);
        for _ in 0..flips {
            let mut b = bytes.clone();
            let pos = rng.random_range(0..b.len());
            b[pos] ^= rng.random_range(1..=255u8);
            rejected(&format!("a flip at byte {pos}"), &j, &jdata, &b);
        }
    }
    eprintln!(
        "{mutations} mutated joint statements or proofs rejected by the contract and the Rust verifier"
    );
    assert!(mutations >= 340);
}
