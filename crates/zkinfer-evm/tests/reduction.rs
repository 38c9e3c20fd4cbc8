//! Differential test of `MaskedReduction.sol` (with `MaskedSumcheck.sol`, `MaskPool.sol`) against
//! `zkinfer_sumcheck::zk::verify_reduce_masked_claims` and its weighted twin, then the pool's
//! discharge: how a zero-knowledge zkinfer proof merges every tensor's claims into one.
//!
//! The proofs are real: claims on a random multilinear `P` at random points (or, weighted, on
//! linear combinations of its evaluations), some masked with claim masks taken from the pool
//! (`value = P(point) + Σ κ·Σ_w R̂(w)`), reduced by `reduce_masked_claims` (private or not), then
//! `MaskPool::finish` on the same transcript. Both verifiers must agree on every input: the same
//! error, or the same reduced claim and pool claims; accepted means the honest ones.

mod mutations;

use mutations::{bump, ext};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use revm::primitives::U256;
use zkinfer_evm::abi::{Token, decode_uint};
use zkinfer_evm::pool::{
    PoolOp, REDUCTION_RUN, ReductionInput, decode_reduction, encode_pool_proof, encode_reduction,
    rust_run_reduction, script_call_args,
};
use zkinfer_evm::{Contract, Harness};
use zkinfer_field::{EF, PrimeCharacteristicRing, Transcript};
use zkinfer_poly::evaluate;
use zkinfer_sumcheck::zk::{
    ClaimMask, MaskPool, MaskPoolProof, MaskedClaim, reduce_masked_claims,
    reduce_masked_claims_weighted,
};
use zkinfer_sumcheck::{Column, WeightedPoint};

const SIZE: usize = 1 << 13;

#[derive(Clone, Debug)]
struct Case {
    context: Vec<u8>,
    ops: Vec<PoolOp>,
    input: ReductionInput,
    pool_proof: MaskPoolProof,
    honest: Vec<U256>,
}

impl Case {
    fn reduction(&self) -> Vec<u8> {
        encode_reduction(&self.input).expect("encodes")
    }
    fn pool(&self) -> Vec<u8> {
        encode_pool_proof(&self.pool_proof).expect("encodes")
    }
}

fn point(rng: &mut StdRng, n: usize) -> Vec<EF> {
    // Some points have Boolean leading coordinates, as a stacked column's claims do.
    let boolean = rng.random_range(0..=n);
    (0..n)
        .map(|i| {
            if i < boolean && rng.random_bool(0.3) {
                EF::from_u64(rng.random_range(0..2))
            } else {
                ext(rng)
            }
        })
        .collect()
}

fn make_case(rng: &mut StdRng, n: usize, weighted: bool) -> Case {
    let context: Vec<u8> = (0..rng.random_range(0..40)).map(|_| rng.random()).collect();
    let mut pool = MaskPool::random(SIZE, rng).expect("a usable size");
    let p: Vec<EF> = (0..1usize << n).map(|_| ext(rng)).collect();
    let mut ops = Vec::new();
    let m = rng.random_range(1..=4);
    let mut ws: Vec<WeightedPoint> = Vec::new();
    let claims: Vec<MaskedClaim> = (0..m)
        .map(|_| {
            let (own, mut value) = if weighted {
                let w: WeightedPoint = (0..rng.random_range(1..=3))
                    .map(|_| (ext(rng), point(rng, n)))
                    .collect();
                let v = w.iter().map(|(c, q)| *c * evaluate(&p, q)).sum();
                // A weighted claim's own point is not read: left empty, so that no byte of the
                // calldata is inert.
                ws.push(w);
                (Vec::new(), v)
            } else {
                let q = point(rng, n);
                let v = evaluate(&p, &q);
                (q, v)
            };
            let masks: Vec<ClaimMask> = (0..rng.random_range(0..=2))
                .map(|_| {
                    let at = pool.next_claim_mask().expect("room");
                    ops.push(PoolOp::TakeClaimMask);
                    let [a, b] = pool.claim_mask(at.index).expect("a claim mask");
                    let coeff = ext(rng);
                    value += coeff * (a.double() + b);
                    ClaimMask {
                        slot: at.index,
                        coeff,
                    }
                })
                .collect();
            MaskedClaim {
                point: own,
                value,
                masks,
            }
        })
        .collect();
    let private = n > 0 && rng.random_bool(0.5);
    let mut t = Transcript::new(&context);
    let column = Column::Ext(p);
    let (proof, _) = if weighted {
        reduce_masked_claims_weighted(column, &claims, &ws, private, &mut pool, &mut t)
    } else {
        reduce_masked_claims(column, &claims, private, &mut pool, &mut t)
    }
    .expect("an honest reduction");
    let (pool_proof, _) = pool.finish(&mut t).expect("an honest discharge");
    let input = ReductionInput {
        num_vars: n,
        claims,
        weighted: weighted.then_some(ws),
        private,
        proof,
    };
    let bytes = encode_reduction(&input).expect("encodes");
    assert_eq!(decode_reduction(&bytes).as_ref(), Ok(&input));
    let proof = encode_pool_proof(&pool_proof).expect("encodes");
    let honest = rust_run_reduction(&context, SIZE, &ops, &bytes, &proof).expect("verifies");
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
    (context, ops, reduction, proof): (&[u8], &[PoolOp], &[u8], &[u8]),
) -> bool {
    let rust = rust_run_reduction(context, SIZE, ops, reduction, proof);
    let out = h
        .call(REDUCTION_RUN, &call_args(context, ops, reduction, proof))
        .expect("transaction runs");
    mutations::pool_verdicts_agree(h, &out, &rust, &case.honest)
}

type Input = (Vec<u8>, Vec<PoolOp>, Vec<u8>, Vec<u8>);

fn mutate(rng: &mut StdRng, case: &Case, other: &Case) -> (&'static str, Input) {
    let mut m = case.input.clone();
    let mut pp = case.pool_proof.clone();
    let mut ctx = case.context.clone();
    let ops = case.ops.clone();
    let n = m.claims.len();
    let i = rng.random_range(0..n);
    let rounds = m.proof.sumcheck.zk.sumcheck.round_polys.len();
    let what = match rng.random_range(0..22) {
        0 | 1 => {
            let (what, b) = mutations::mutate_bytes(rng, &case.reduction());
            return (what, (ctx, ops, b, case.pool()));
        }
        2 => {
            m.claims[i].value = bump(m.claims[i].value);
            "a claim's value changed"
        }
        3 if m.weighted.is_none() && m.num_vars > 0 => {
            let j = rng.random_range(0..m.num_vars);
            m.claims[i].point[j] = bump(m.claims[i].point[j]);
            "a claim's point changed"
        }
        4 if !m.claims[i].masks.is_empty() => {
            m.claims[i].masks[0].coeff = bump(m.claims[i].masks[0].coeff);
            "a claim mask's coefficient changed"
        }
        5 if !m.claims[i].masks.is_empty() => {
            m.claims[i].masks[0].slot += 1;
            "a claim mask's slot changed"
        }
        6 => {
            m.claims.remove(i);
            if let Some(ws) = &mut m.weighted {
                ws.remove(i);
            }
            "a claim dropped"
        }
        7 if n >= 2 => {
            let j = (i + 1) % n;
            m.claims.swap(i, j);
            "two claims swapped"
        }
        8 if m.weighted.is_some() => {
            if let Some(ws) = &mut m.weighted {
                ws[i][0].0 = bump(ws[i][0].0);
            }
            "a weighted coefficient changed"
        }
        9 if m.weighted.is_some() => {
            m.weighted = None;
            "weighted claims read as plain ones"
        }
        10 => {
            m.private = !m.private;
            "private flipped"
        }
        11 if rounds > 0 => {
            let r = rng.random_range(0..rounds);
            m.proof.sumcheck.zk.sumcheck.round_polys[r][0] =
                bump(m.proof.sumcheck.zk.sumcheck.round_polys[r][0]);
            "round value changed"
        }
        12 => {
            m.proof.sumcheck.incoming_eval = match m.proof.sumcheck.incoming_eval {
                Some(v) => Some(bump(v)),
                None => Some(EF::ONE),
            };
            "incoming value changed or added"
        }
        13 => {
            m.proof.eval = bump(m.proof.eval);
            "reduced value changed"
        }
        14 => {
            m.proof.sumcheck.zk.mask_eval = bump(m.proof.sumcheck.zk.mask_eval);
            "mask value changed"
        }
        15 => {
            m.num_vars += 1;
            "another number of variables"
        }
        16 => {
            ctx.push(rng.random());
            "another context"
        }
        17 => {
            pp.inner_eval = bump(pp.inner_eval);
            "pool discharge changed"
        }
        18 => {
            m.claims.clear();
            m.weighted = m.weighted.map(|_| Vec::new());
            "no claims"
        }
        _ => {
            return (
                "another case's reduction",
                (ctx, ops, other.reduction(), case.pool()),
            );
        }
    };
    (
        what,
        (
            ctx,
            ops,
            encode_reduction(&m).expect("encodes"),
            encode_pool_proof(&pp).expect("encodes"),
        ),
    )
}

#[test]
fn masked_reductions_agree_with_rust() {
    let mut h = Harness::deploy(Contract::ReductionHarness).expect("deploys");
    let mut rng = StdRng::seed_from_u64(7);
    let cases: Vec<Case> = (0..14)
        .map(|i| make_case(&mut rng, i % 8, i % 3 == 2))
        .collect();
    for case in &cases {
        assert!(
            differential(
                &mut h,
                case,
                (&case.context, &case.ops, &case.reduction(), &case.pool())
            ),
            "honest reduction rejected"
        );
    }
    let (rejected, kinds) = mutations::reject_all(
        &cases,
        40,
        |case, other| mutate(&mut rng, case, other),
        |case, (ctx, ops, r, p)| differential(&mut h, case, (ctx, ops, r, p)),
    );
    println!(
        "{} honest masked reductions (0 to 7 variables, 1 to 4 claims, plain and weighted, private or not) and their pool discharges accepted by both with the same claims; {rejected} mutated inputs rejected by both, the same error or the same wrong claims: {kinds:?}",
        cases.len()
    );
    assert!(rejected >= 500);
}

/// Gas of a masked reduction (without the pool's discharge).
#[test]
fn gas_of_masked_reductions() {
    let mut h = Harness::deploy(Contract::ReductionHarness).expect("deploys");
    let mut rng = StdRng::seed_from_u64(8);
    for n in [4usize, 10, 16] {
        let case = make_case(&mut rng, n, false);
        let (r, p) = (case.reduction(), case.pool());
        let out = h
            .call(REDUCTION_RUN, &call_args(&case.context, &case.ops, &r, &p))
            .expect("runs");
        assert!(out.success, "{:?}", h.revert_error(&out));
        let verify = decode_uint(&out.output, 2).expect("gas").to::<u64>();
        println!(
            "masked reduction of {} claims over {n} variables (private: {}): {} bytes; verify {verify} gas",
            case.input.claims.len(),
            case.input.private,
            r.len()
        );
    }
}
