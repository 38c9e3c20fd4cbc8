//! Differential test of `MaskedSumcheck.sol` (with `MaskPool.sol`, `ZkSumcheck.sol`, `Sumcheck.sol`)
//! against `zkinfer_sumcheck::zk::verify_zk_masked` + `MaskedSubClaim::check_products` + the pool's
//! discharge: the sumcheck every op of a zero-knowledge zkinfer proof runs, its private columns reported
//! masked, its incoming masked claims consumed over a leading variable `w`.
//!
//! The proofs are real: `prove_zk_masked` on random columns and summands (products of up to three
//! columns, an optional eq factor, private columns, incoming claim masks taken from the pool first),
//! then `MaskPool::finish` on the same transcript. Both verifiers must agree on every input: the same
//! error (and reason), or the same column claims (point, masked value, each mask's slot and
//! coefficient) and the same three claims on the pool's column. An input counts as accepted when those
//! are the honest ones.

mod mutations;

use mutations::{bump, ext};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use revm::primitives::U256;
use zkinfer_evm::abi::decode_uint;
use zkinfer_evm::pool::{
    MaskedInput, POOL_RUN_MASKED, PoolOp, decode_masked, encode_masked, encode_pool_proof,
    flatten_column_claims, rust_run_masked, script_call_args,
};
use zkinfer_evm::{Contract, Harness, abi::Token};
use zkinfer_field::{EF, PrimeCharacteristicRing, Transcript};
use zkinfer_sumcheck::zk::{ClaimMask, MaskPool, MaskPoolProof, prove_zk_masked};
use zkinfer_sumcheck::{Column, Term};

const SIZE: usize = 1 << 13;

#[derive(Clone, Debug)]
struct Case {
    context: Vec<u8>,
    ops: Vec<PoolOp>,
    input: MaskedInput,
    pool_proof: MaskPoolProof,
    honest: Vec<U256>,
}

impl Case {
    fn masked(&self) -> Vec<u8> {
        encode_masked(&self.input).expect("encodes")
    }
    fn pool(&self) -> Vec<u8> {
        encode_pool_proof(&self.pool_proof).expect("encodes")
    }
}

fn make_case(rng: &mut StdRng, num_vars: usize) -> Case {
    let context: Vec<u8> = (0..rng.random_range(0..40)).map(|_| rng.random()).collect();
    let mut pool = MaskPool::random(SIZE, rng).expect("a usable size");
    let k = rng.random_range(1..=4);
    let columns: Vec<Vec<EF>> = (0..k)
        .map(|_| (0..1usize << num_vars).map(|_| ext(rng)).collect())
        .collect();
    let terms: Vec<Term> = (0..rng.random_range(1..=3))
        .map(|_| {
            let factors = (0..rng.random_range(1..=3))
                .map(|_| rng.random_range(0..k))
                .collect();
            Term::new(ext(rng), factors)
        })
        .collect();
    let eq_point: Option<Vec<EF>> = rng
        .random_bool(0.5)
        .then(|| (0..num_vars).map(|_| ext(rng)).collect());
    let private: Vec<usize> = if num_vars == 0 {
        Vec::new()
    } else {
        (0..k).filter(|_| rng.random_bool(0.5)).collect()
    };
    let mut ops = Vec::new();
    let incoming: Vec<ClaimMask> = (0..rng.random_range(0..=3))
        .map(|_| {
            let at = pool.next_claim_mask().expect("room");
            ops.push(PoolOp::TakeClaimMask);
            ClaimMask {
                slot: at.index,
                coeff: ext(rng),
            }
        })
        .collect();
    let mut t = Transcript::new(&context);
    let out = prove_zk_masked(
        columns.into_iter().map(Column::Ext).collect(),
        &terms,
        eq_point.as_deref(),
        &private,
        &incoming,
        &mut pool,
        &mut t,
    )
    .expect("an honest masked sumcheck");
    let (pool_proof, _) = pool.finish(&mut t).expect("an honest discharge");
    let input = MaskedInput {
        num_vars,
        terms,
        eq_point,
        private,
        incoming,
        claimed_sum: out.claimed_sum,
        proof: out.proof,
        evals: out.evals,
    };
    let masked = encode_masked(&input).expect("encodes");
    assert_eq!(decode_masked(&masked).as_ref(), Ok(&input));
    let proof = encode_pool_proof(&pool_proof).expect("encodes");
    let honest = rust_run_masked(&context, SIZE, &ops, &masked, &proof).expect("verifies");
    let cols = flatten_column_claims(&out.claims);
    assert_eq!(
        &honest[..cols.len()],
        &cols[..],
        "prover's and verifier's claims"
    );
    Case {
        context,
        ops,
        input,
        pool_proof,
        honest,
    }
}

fn call_args(context: &[u8], ops: &[PoolOp], input: &[u8], proof: &[u8]) -> Vec<Token> {
    script_call_args(context, (SIZE, ops), input, proof).expect("encodes")
}

fn differential(
    h: &mut Harness,
    case: &Case,
    (context, ops, masked, proof): (&[u8], &[PoolOp], &[u8], &[u8]),
) -> bool {
    let rust = rust_run_masked(context, SIZE, ops, masked, proof);
    let out = h
        .call(POOL_RUN_MASKED, &call_args(context, ops, masked, proof))
        .expect("transaction runs");
    mutations::pool_verdicts_agree(h, &out, &rust, &case.honest)
}

type Input = (Vec<u8>, Vec<PoolOp>, Vec<u8>, Vec<u8>);

fn mutate(rng: &mut StdRng, case: &Case, other: &Case) -> (&'static str, Input) {
    let mut m = case.input.clone();
    let mut pp = case.pool_proof.clone();
    let mut ctx = case.context.clone();
    let mut ops = case.ops.clone();
    let rounds = m.proof.zk.sumcheck.round_polys.len();
    let what = match rng.random_range(0..24) {
        0 | 1 => {
            let (what, b) = mutations::mutate_bytes(rng, &case.masked());
            return (what, (ctx, ops, b, case.pool()));
        }
        2 => {
            let (what, b) = mutations::mutate_bytes(rng, &case.pool());
            return (what, (ctx, ops, case.masked(), b));
        }
        3 if rounds > 0 => {
            let r = rng.random_range(0..rounds);
            let g = &mut m.proof.zk.sumcheck.round_polys[r];
            let i = rng.random_range(0..g.len());
            g[i] = bump(g[i]);
            "round value changed"
        }
        4 if rounds >= 2 => {
            let a = rng.random_range(0..rounds);
            let b = (a + rng.random_range(1..rounds)) % rounds;
            m.proof.zk.sumcheck.round_polys.swap(a, b);
            "rounds swapped"
        }
        5 => {
            m.proof.zk.mask_sum = bump(m.proof.zk.mask_sum);
            "mask sum changed"
        }
        6 => {
            m.proof.zk.mask_eval = bump(m.proof.zk.mask_eval);
            "mask value changed"
        }
        7 => {
            m.proof.incoming_eval = match m.proof.incoming_eval {
                Some(v) if rng.random() => Some(bump(v)),
                Some(_) => None,
                None => Some(ext(rng)),
            };
            "incoming value changed, dropped or added"
        }
        8 => {
            let i = rng.random_range(0..m.evals.len());
            m.evals[i] = bump(m.evals[i]);
            "a reported evaluation changed"
        }
        9 => {
            m.evals.pop();
            "an evaluation dropped"
        }
        10 => {
            m.claimed_sum = bump(m.claimed_sum);
            "claimed sum changed"
        }
        11 => {
            let j = rng.random_range(0..m.terms.len());
            m.terms[j].coeff = bump(m.terms[j].coeff);
            "a term's coefficient changed"
        }
        12 => {
            let j = rng.random_range(0..m.terms.len());
            m.terms[j].factors.push(0);
            "a factor added"
        }
        13 => {
            // Over no variables `eq` is 1 with or without its empty point: there the point gets a
            // coordinate it cannot have.
            match &mut m.eq_point {
                Some(e) if !e.is_empty() => {
                    let i = rng.random_range(0..e.len());
                    e[i] = bump(e[i]);
                }
                Some(e) => e.push(EF::ONE),
                None => m.eq_point = Some(vec![EF::ONE; m.num_vars.max(1)]),
            }
            "the eq point changed"
        }
        14 => {
            let cols = m.evals.len();
            if m.private.is_empty() || rng.random() {
                m.private.push(rng.random_range(0..cols));
                "a private column added"
            } else {
                m.private.pop();
                "a private column made public"
            }
        }
        15 if !m.incoming.is_empty() => {
            let i = rng.random_range(0..m.incoming.len());
            m.incoming[i].coeff = bump(m.incoming[i].coeff);
            "an incoming coefficient changed"
        }
        16 if !m.incoming.is_empty() => {
            m.incoming.pop();
            "an incoming mask dropped"
        }
        17 => {
            m.incoming.push(ClaimMask {
                slot: rng.random_range(0..5),
                coeff: ext(rng),
            });
            "an incoming mask added"
        }
        18 => {
            m.num_vars = if m.num_vars > 0 && rng.random() {
                m.num_vars - 1
            } else {
                m.num_vars + 1
            };
            "another number of variables"
        }
        19 => {
            ctx.push(rng.random());
            "another context"
        }
        20 => {
            let r = &mut pp.reduce.sumcheck.round_polys;
            let k = rng.random_range(0..r.len());
            r[k][0] = bump(r[k][0]);
            "pool discharge changed"
        }
        21 => {
            ops.insert(0, PoolOp::TakeClaimMask);
            "the pool taken from another offset"
        }
        _ => {
            return (
                "another case's masked sumcheck",
                (ctx, ops, other.masked(), case.pool()),
            );
        }
    };
    (
        what,
        (
            ctx,
            ops,
            encode_masked(&m).expect("encodes"),
            encode_pool_proof(&pp).expect("encodes"),
        ),
    )
}

#[test]
fn masked_sumchecks_agree_with_rust() {
    let mut h = Harness::deploy(Contract::PoolHarness).expect("deploys");
    let mut rng = StdRng::seed_from_u64(5);
    let cases: Vec<Case> = (0..14).map(|i| make_case(&mut rng, i % 7)).collect();
    for case in &cases {
        assert!(
            differential(
                &mut h,
                case,
                (&case.context, &case.ops, &case.masked(), &case.pool())
            ),
            "honest masked sumcheck rejected"
        );
    }
    let (rejected, kinds) = mutations::reject_all(
        &cases,
        40,
        |case, other| mutate(&mut rng, case, other),
        |case, (ctx, ops, m, p)| differential(&mut h, case, (ctx, ops, m, p)),
    );
    println!(
        "{} honest masked sumchecks (0 to 6 variables, private columns, incoming masks) and their pool discharges accepted by both with the same claims; {rejected} mutated inputs rejected by both, the same error or the same wrong claims: {kinds:?}",
        cases.len()
    );
    assert!(rejected >= 500);
}

/// Gas of a masked sumcheck (without the pool's discharge, measured in `pool.rs`).
#[test]
fn gas_of_masked_sumchecks() {
    let mut h = Harness::deploy(Contract::PoolHarness).expect("deploys");
    let mut rng = StdRng::seed_from_u64(6);
    for n in [4usize, 10, 16] {
        let case = make_case(&mut rng, n);
        let (masked, proof) = (case.masked(), case.pool());
        let out = h
            .call(
                POOL_RUN_MASKED,
                &call_args(&case.context, &case.ops, &masked, &proof),
            )
            .expect("runs");
        assert!(out.success, "{:?}", h.revert_error(&out));
        let verify = decode_uint(&out.output, 2).expect("gas").to::<u64>();
        println!(
            "masked sumcheck over {n} variables, {} terms, {} private columns, {} incoming masks: {} bytes; verify and check {verify} gas",
            case.input.terms.len(),
            case.input.private.len(),
            case.input.incoming.len(),
            masked.len()
        );
    }
}
