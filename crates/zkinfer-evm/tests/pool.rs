//! Differential test of `MaskPool.sol` (with `ZkSumcheck.sol`, `ProofReader.sol`, `Transcript.sol`)
//! against `zkinfer_sumcheck::zk::MaskPoolVerifier`, the mask pool every zero-knowledge zkinfer proof
//! discharges its mask claims through.
//!
//! The instances are real: a `MaskPool::random` of 2^13 or 2^14 entries hands out Libra masks (uniform
//! and per-variable degrees, as the engine's sumchecks and LogUp layers take them) and claim masks; each
//! Libra mask's claim is its true value at a random point, linear claims on claim masks are true, and
//! `MaskPool::finish` proves the discharge on a transcript started from a random context. The verifier
//! side replays the same operations as a script. Both verifiers must agree on every input: the same
//! error (and, for `BadMaskSlot`, the same reason), or the same three claims on the pool's column. An
//! input counts as accepted when its claims are the honest ones, which the honest pool's column
//! satisfies (checked on the column's MLE).

mod mutations;

use mutations::{bump, ext};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use revm::primitives::U256;
use zkinfer_evm::abi::decode_uint;
use zkinfer_evm::pool::{
    POOL_RUN, PoolOp, decode_pool_proof, encode_pool_proof, encode_script, flatten_pool_claims,
    pool_call_args, rust_run_pool,
};
use zkinfer_evm::{Contract, Harness};
use zkinfer_field::{BasedVectorSpace, EF, F, PrimeCharacteristicRing, Transcript};
use zkinfer_sumcheck::zk::{LinearClaim, MaskClaim, MaskPool, MaskPoolProof};

#[derive(Clone, Debug)]
struct Case {
    context: Vec<u8>,
    size: usize,
    ops: Vec<PoolOp>,
    proof: MaskPoolProof,
    claims: Vec<U256>,
}

impl Case {
    fn proof_bytes(&self) -> Vec<u8> {
        encode_pool_proof(&self.proof).expect("encodes")
    }
}

/// A pool used as a proof uses it: `takes` masks and claim masks, each Libra claim recorded (some at
/// once, the rest at the end), linear claims on the claim masks, then the discharge.
fn make_case(rng: &mut StdRng, size: usize, takes: usize, max_vars: usize) -> Case {
    let context: Vec<u8> = (0..rng.random_range(0..40)).map(|_| rng.random()).collect();
    let mut pool = MaskPool::random(size, rng).expect("a usable size");
    let mut ops = Vec::new();
    let mut pending = Vec::new();
    let mut claim_masks = Vec::new();
    let record = |pool: &mut MaskPool,
                  ops: &mut Vec<PoolOp>,
                  rng: &mut StdRng,
                  (slot, mask): (usize, zkinfer_sumcheck::MaskPolynomial)| {
        let point: Vec<EF> = (0..mask.num_vars()).map(|_| ext(rng)).collect();
        let value = mask.evaluate(&point).expect("the mask's length");
        pool.record(
            slot,
            MaskClaim {
                point: point.clone(),
                value,
            },
        )
        .expect("a true claim");
        ops.push(PoolOp::Record { slot, point, value });
    };
    for _ in 0..takes {
        match rng.random_range(0..3) {
            0 => {
                let (num_vars, degree) = (rng.random_range(0..=max_vars), rng.random_range(1..=4));
                let (at, mask) = pool.next_mask(num_vars, degree).expect("room");
                ops.push(PoolOp::TakeMask { num_vars, degree });
                pending.push((at.index, mask));
            }
            1 => {
                let degrees: Vec<usize> = (0..rng.random_range(1..=max_vars + 1))
                    .map(|_| rng.random_range(1..=5))
                    .collect();
                let (at, mask) = pool.next_mask_per_var(&degrees).expect("room");
                ops.push(PoolOp::TakeMaskPerVar(degrees));
                pending.push((at.index, mask));
            }
            _ => {
                let at = pool.next_claim_mask().expect("room");
                ops.push(PoolOp::TakeClaimMask);
                ops.push(PoolOp::CheckClaimMask(at.index));
                claim_masks.push(at.index);
            }
        }
        if rng.random_bool(0.5)
            && let Some(p) = pending.pop()
        {
            record(&mut pool, &mut ops, rng, p);
        }
    }
    while let Some(p) = pending.pop() {
        record(&mut pool, &mut ops, rng, p);
    }
    // Linear claims: a masked sumcheck's `M(c_w) = Σ_i κ_i (a_i + b_i·c_w)` over some claim masks.
    for chunk in claim_masks.chunks(2) {
        let mut value = EF::ZERO;
        let terms: Vec<(usize, Vec<EF>)> = chunk
            .iter()
            .map(|&slot| {
                let w = vec![ext(rng), ext(rng)];
                let [a, b] = pool.claim_mask(slot).expect("a claim mask");
                value += a * w[0] + b * w[1];
                (slot, w)
            })
            .collect();
        let claim = LinearClaim { terms, value };
        pool.record_linear(claim.clone()).expect("a true claim");
        ops.push(PoolOp::RecordLinear(claim));
    }
    let entries = pool.entries().to_vec();
    let mut t = Transcript::new(&context);
    let (proof, claims) = pool.finish(&mut t).expect("an honest discharge");
    // The claims hold on the committed column (limbs interleaved).
    let column: Vec<F> = entries
        .iter()
        .flat_map(|e| e.as_basis_coefficients_slice().to_vec())
        .collect();
    for c in &claims {
        assert_eq!(zkinfer_poly::evaluate(&column, &c.point), c.value);
    }
    let bytes = encode_pool_proof(&proof).expect("encodes");
    assert_eq!(decode_pool_proof(&bytes).as_ref(), Ok(&proof));
    let flat = rust_run_pool(&context, size, &ops, &bytes).expect("the honest discharge verifies");
    assert_eq!(
        flat,
        flatten_pool_claims(&claims),
        "prover and verifier claims"
    );
    Case {
        context,
        size,
        ops,
        proof,
        claims: flat,
    }
}

/// Both verifiers on one input; asserts they agree and returns whether it is accepted.
fn differential(
    h: &mut Harness,
    case: &Case,
    (context, size, ops, proof): (&[u8], usize, &[PoolOp], &[u8]),
) -> bool {
    let rust = rust_run_pool(context, size, ops, proof);
    let script = encode_script(size, ops).expect("encodes");
    let out = h
        .call(POOL_RUN, &pool_call_args(context, &script, proof))
        .expect("transaction runs");
    mutations::pool_verdicts_agree(h, &out, &rust, &case.claims)
}

type Input = (Vec<u8>, usize, Vec<PoolOp>, Vec<u8>);

fn records(ops: &[PoolOp]) -> Vec<usize> {
    (0..ops.len())
        .filter(|&i| matches!(ops[i], PoolOp::Record { .. }))
        .collect()
}

fn linears(ops: &[PoolOp]) -> Vec<usize> {
    (0..ops.len())
        .filter(|&i| matches!(ops[i], PoolOp::RecordLinear(_)))
        .collect()
}

/// One mutation of `case`: its kind and the mutated (context, size, operations, proof).
fn mutate(rng: &mut StdRng, case: &Case, other: &Case) -> (&'static str, Input) {
    let mut p = case.proof.clone();
    let mut ops = case.ops.clone();
    let mut ctx = case.context.clone();
    let mut size = case.size;
    let recs = records(&ops);
    let lins = linears(&ops);
    let pick = |rng: &mut StdRng, v: &[usize]| v[rng.random_range(0..v.len())];
    let what = match rng.random_range(0..24) {
        0..=3 => {
            let (what, m) = mutations::mutate_bytes(rng, &case.proof_bytes());
            return (what, (ctx, size, ops, m));
        }
        4 => {
            let r = &mut p.reduce.sumcheck.round_polys;
            let k = rng.random_range(0..r.len());
            let i = rng.random_range(0..r[k].len());
            r[k][i] = bump(r[k][i]);
            "level-1 round value changed"
        }
        5 => {
            let r = &mut p.inner.sumcheck.round_polys;
            let a = rng.random_range(0..r.len());
            let b = (a + rng.random_range(1..r.len())) % r.len();
            r.swap(a, b);
            "level-2 rounds swapped"
        }
        6 => {
            p.pool_eval = bump(p.pool_eval);
            "pool value changed"
        }
        7 => {
            p.inner_eval = bump(p.inner_eval);
            "inner value changed"
        }
        8 => {
            if rng.random() {
                p.reduce.mask_eval = bump(p.reduce.mask_eval);
                "level-1 mask value changed"
            } else {
                p.inner.mask_sum = bump(p.inner.mask_sum);
                "level-2 mask sum changed"
            }
        }
        9 if !recs.is_empty() => {
            if let PoolOp::Record { value, .. } = &mut ops[pick(rng, &recs)] {
                *value = bump(*value);
            }
            "a mask claim's value changed"
        }
        10 if !recs.is_empty() => match &mut ops[pick(rng, &recs)] {
            PoolOp::Record { point, .. } if !point.is_empty() => {
                let j = rng.random_range(0..point.len());
                point[j] = bump(point[j]);
                "a mask claim's point changed"
            }
            PoolOp::Record { point, .. } => {
                point.push(EF::ONE);
                "a mask claim's point lengthened"
            }
            _ => unreachable!("a record"),
        },
        11 if !recs.is_empty() => {
            ops.remove(pick(rng, &recs));
            "a mask claim never recorded"
        }
        12 if !recs.is_empty() => {
            let i = pick(rng, &recs);
            ops.push(ops[i].clone());
            "a mask claim recorded twice"
        }
        13 => {
            let slots = ops
                .iter()
                .filter(|o| {
                    !matches!(
                        o,
                        PoolOp::Record { .. } | PoolOp::RecordLinear(_) | PoolOp::CheckClaimMask(_)
                    )
                })
                .count();
            ops.push(PoolOp::Record {
                slot: slots + rng.random_range(0..3),
                point: Vec::new(),
                value: EF::ZERO,
            });
            "a claim on a slot never taken"
        }
        14 if !lins.is_empty() => {
            if let PoolOp::RecordLinear(c) = &mut ops[pick(rng, &lins)] {
                if rng.random() {
                    c.value = bump(c.value);
                } else {
                    c.terms[0].1[0] = bump(c.terms[0].1[0]);
                }
            }
            "a linear claim changed"
        }
        15 if !lins.is_empty() => {
            if let PoolOp::RecordLinear(c) = &mut ops[pick(rng, &lins)] {
                c.terms[0].1.push(EF::ONE);
            }
            "a linear claim's weights do not fit"
        }
        16 => {
            ops.insert(0, PoolOp::TakeClaimMask);
            "a claim mask taken first"
        }
        17 => {
            ops.push(if rng.random() {
                PoolOp::TakeClaimMask
            } else {
                PoolOp::TakeMask {
                    num_vars: rng.random_range(0..4),
                    degree: rng.random_range(1..4),
                }
            });
            "a mask taken last"
        }
        18 => {
            ops.push(PoolOp::TakeMask {
                num_vars: 255,
                degree: [0, 255][rng.random_range(0..2)],
            });
            "a mask the pool cannot give"
        }
        19 => {
            size = [case.size * 2, case.size / 2, case.size + 1][rng.random_range(0..3)];
            "another pool size"
        }
        20 => {
            ctx.push(rng.random());
            "another context"
        }
        21 => {
            let i = rng.random_range(0..ops.len());
            ops.push(PoolOp::CheckClaimMask(match &ops[i] {
                PoolOp::Record { slot, .. } => *slot,
                _ => 60_000,
            }));
            "a Libra mask checked as a claim mask"
        }
        22 if !recs.is_empty() => {
            let i = pick(rng, &recs);
            if let PoolOp::Record { slot, .. } = ops[i].clone() {
                ops.push(PoolOp::RecordLinear(LinearClaim {
                    terms: vec![(slot, vec![EF::ONE])],
                    value: EF::ZERO,
                }));
            }
            "a linear claim on a Libra mask"
        }
        _ => {
            return (
                "another case's proof",
                (ctx, size, ops, other.proof_bytes()),
            );
        }
    };
    (
        what,
        (ctx, size, ops, encode_pool_proof(&p).expect("encodes")),
    )
}

#[test]
fn mask_pools_agree_with_rust() {
    let mut h = Harness::deploy(Contract::PoolHarness).expect("deploys");
    let mut rng = StdRng::seed_from_u64(4);
    let cases: Vec<Case> = (0..12)
        .map(|i| make_case(&mut rng, 1 << (13 + i % 2), 4 + i, 8))
        .collect();
    for case in &cases {
        assert!(
            differential(
                &mut h,
                case,
                (&case.context, case.size, &case.ops, &case.proof_bytes())
            ),
            "honest discharge rejected"
        );
    }
    let (rejected, kinds) = mutations::reject_all(
        &cases,
        45,
        |case, other| mutate(&mut rng, case, other),
        |case, (ctx, size, ops, m)| differential(&mut h, case, (ctx, *size, ops, m)),
    );
    println!(
        "{} honest pool discharges (2^13 and 2^14 entries, 4 to 15 masks) accepted by both with the same claims; {rejected} mutated inputs rejected by both, the same error or the same wrong claims: {kinds:?}",
        cases.len()
    );
    assert!(rejected >= 500);
}

/// Gas of the pool's discharge for pools as small models and as larger ones use them.
#[test]
fn gas_of_pool_discharge() {
    let mut h = Harness::deploy(Contract::PoolHarness).expect("deploys");
    let mut rng = StdRng::seed_from_u64(5);
    for (size, takes, max_vars) in [
        (1usize << 13, 20, 12),
        (1 << 13, 80, 14),
        (1 << 16, 200, 16),
    ] {
        let case = make_case(&mut rng, size, takes, max_vars);
        let script = encode_script(case.size, &case.ops).expect("encodes");
        let proof = case.proof_bytes();
        let out = h
            .call(POOL_RUN, &pool_call_args(&case.context, &script, &proof))
            .expect("runs");
        assert!(out.success, "{:?} {:?}", h.revert_error(&out), out.halt);
        let whole = decode_uint(&out.output, 1).expect("gas").to::<u64>();
        let finish = decode_uint(&out.output, 2).expect("gas").to::<u64>();
        let slots = case
            .ops
            .iter()
            .filter(|o| {
                matches!(
                    o,
                    PoolOp::TakeMask { .. } | PoolOp::TakeMaskPerVar(_) | PoolOp::TakeClaimMask
                )
            })
            .count();
        let entries: usize = case
            .ops
            .iter()
            .map(|o| match o {
                PoolOp::TakeMask { num_vars, degree } => num_vars * (degree + 1),
                PoolOp::TakeMaskPerVar(ds) => ds.iter().map(|d| d + 1).sum(),
                PoolOp::TakeClaimMask => 2,
                _ => 0,
            })
            .sum();
        println!(
            "pool of 2^{} entries, {slots} slots ({entries} entries used): discharge proof {} bytes; finish {finish} gas, with the script and decoding {whole}; transaction {}",
            size.trailing_zeros(),
            proof.len(),
            out.tx_gas_used
        );
    }
}
