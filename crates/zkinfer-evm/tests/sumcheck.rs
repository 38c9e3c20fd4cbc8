//! Differential test of `Sumcheck.sol` (with `ProofReader.sol` and `Transcript.sol`) against
//! `zkinfer-sumcheck`: real proofs from the Rust prover are accepted by both with the same final point and
//! value; mutated proofs are rejected by both, with the same error; and the gas of a 20-round degree-3
//! sumcheck.

mod mutations;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use zkinfer_evm::abi::{decode_uint, decode_uint_array};
use zkinfer_evm::encoding::ext_to_word;
use zkinfer_evm::harness::{
    SUMCHECK_VERIFY, SumcheckStatement, encode_sumcheck_message, rust_verify_sumcheck,
    sumcheck_call_args,
};
use zkinfer_evm::{Contract, Harness, call_tx_gas};
use zkinfer_field::{BasedVectorSpace, EF, F, PrimeCharacteristicRing, Transcript};
use zkinfer_sumcheck::{Column, SumcheckProof, Term, prove};

/// An honest proof and everything needed to check it.
#[derive(Clone, Debug)]
struct Case {
    context: Vec<u8>,
    num_vars: usize,
    degree: usize,
    claimed_sum: EF,
    statement: SumcheckStatement,
    proof: SumcheckProof,
    evals: Vec<EF>,
}

impl Case {
    fn message(&self) -> Vec<u8> {
        encode_sumcheck_message(&self.proof, &self.evals).expect("encodes")
    }
}

fn ext(rng: &mut StdRng) -> EF {
    let (a, b) = (F::from_u64(rng.random()), F::from_u64(rng.random()));
    EF::from_basis_coefficients_fn(|k| if k == 0 { a } else { b })
}

/// Proves `[eq(r, x)] · Σ_j c_j Π_i P_{f_{j,i}}(x)` over random base-field columns.
fn make_case(rng: &mut StdRng, num_vars: usize, shape: usize) -> Case {
    let (n_cols, terms, with_eq): (usize, Vec<Term>, bool) = match shape {
        // Σ A·B·C: degree 3.
        0 => (3, vec![Term::new(EF::ONE, vec![0, 1, 2])], false),
        // Σ eq·A·B: degree 3.
        1 => (2, vec![Term::new(EF::ONE, vec![0, 1])], true),
        // Σ c₁·A·B + c₂·C: degree 2.
        2 => (
            3,
            vec![
                Term::new(ext(rng), vec![0, 1]),
                Term::new(ext(rng), vec![2]),
            ],
            false,
        ),
        // Σ A: degree 1.
        _ => (1, vec![Term::new(EF::ONE, vec![0])], false),
    };
    let columns: Vec<Column> = (0..n_cols)
        .map(|_| {
            Column::Base(
                (0..1usize << num_vars)
                    .map(|_| F::from_u64(rng.random()))
                    .collect(),
            )
        })
        .collect();
    let eq_point: Option<Vec<EF>> = with_eq.then(|| (0..num_vars).map(|_| ext(rng)).collect());
    let degree = terms.iter().map(|t| t.factors.len()).max().unwrap_or(0) + usize::from(with_eq);
    let context: Vec<u8> = (0..rng.random_range(0..40)).map(|_| rng.random()).collect();
    let mut t = Transcript::new(&context);
    let out = prove(columns, &terms, eq_point.as_deref(), &mut t);
    Case {
        context,
        num_vars,
        degree,
        claimed_sum: out.claimed_sum,
        statement: SumcheckStatement { terms, eq_point },
        proof: out.proof,
        evals: out.evals,
    }
}

/// Runs both verifiers on (`case`'s statement with `claimed_sum`/`context`, `message`) and checks that the
/// verdicts, and the errors or the results, agree. Returns whether they accepted.
fn differential(
    h: &mut Harness,
    case: &Case,
    context: &[u8],
    claimed_sum: EF,
    message: &[u8],
) -> bool {
    let statement = case.statement.encode().expect("encodes");
    let rust = rust_verify_sumcheck(
        context,
        case.num_vars,
        case.degree,
        claimed_sum,
        &case.statement,
        message,
    );
    let args = sumcheck_call_args(
        context,
        case.num_vars,
        case.degree,
        claimed_sum,
        &statement,
        message,
    );
    let out = h.call(SUMCHECK_VERIFY, &args).expect("transaction runs");
    match &rust {
        Ok((point, value)) => {
            assert!(
                out.success,
                "Rust accepts, the contract rejects: {:?}",
                h.revert_error(&out)
            );
            let got_point = decode_uint_array(&out.output, 0).expect("point");
            let want: Vec<_> = point.iter().map(|&x| ext_to_word(x)).collect();
            assert_eq!(got_point, want, "final points differ");
            assert_eq!(
                decode_uint(&out.output, 1).expect("value"),
                ext_to_word(*value)
            );
            true
        }
        Err(e) => {
            mutations::assert_same_rejection(h, &out, e);
            false
        }
    }
}

fn bump(x: EF) -> EF {
    x + EF::ONE
}

/// One mutation of `case`: (what, context, claimed sum, message).
fn mutate(rng: &mut StdRng, case: &Case, other: &Case) -> (&'static str, Vec<u8>, EF, Vec<u8>) {
    let msg = case.message();
    let mut proof = case.proof.clone();
    let mut evals = case.evals.clone();
    let rounds = proof.round_polys.len();
    let reencode = |p: &SumcheckProof, e: &[EF]| encode_sumcheck_message(p, e).expect("encodes");
    let same = |m: Vec<u8>| (case.context.clone(), case.claimed_sum, m);
    let (what, (ctx, sum, m)) = match rng.random_range(0..13) {
        0 | 6 | 7 | 11 => {
            let (what, m) = mutations::mutate_bytes(rng, &msg);
            (what, same(m))
        }
        1 => {
            let k = rng.random_range(0..rounds);
            let i = rng.random_range(0..proof.round_polys[k].len());
            proof.round_polys[k][i] = bump(proof.round_polys[k][i]);
            ("round value changed", same(reencode(&proof, &evals)))
        }
        2 if rounds >= 2 => {
            let (a, b) = (rng.random_range(0..rounds), rng.random_range(0..rounds));
            let b = if a == b { (a + 1) % rounds } else { b };
            proof.round_polys.swap(a, b);
            ("rounds swapped", same(reencode(&proof, &evals)))
        }
        3 => {
            proof.round_polys.pop();
            ("last round dropped", same(reencode(&proof, &evals)))
        }
        4 => {
            let k = rng.random_range(0..rounds);
            proof.round_polys[k].push(ext(rng));
            ("round value added", same(reencode(&proof, &evals)))
        }
        5 => {
            let k = rng.random_range(0..rounds);
            proof.round_polys[k].pop();
            ("round value removed", same(reencode(&proof, &evals)))
        }
        8 => {
            let i = rng.random_range(0..evals.len());
            evals[i] = bump(evals[i]);
            ("evaluation changed", same(reencode(&proof, &evals)))
        }
        9 => (
            "claimed sum changed",
            (case.context.clone(), bump(case.claimed_sum), msg),
        ),
        10 => {
            let mut ctx = case.context.clone();
            ctx.push(1);
            ("another context", (ctx, case.claimed_sum, msg))
        }
        _ => ("another proof", same(other.message())),
    };
    (what, ctx, sum, m)
}

#[test]
fn honest_proofs_verify_and_mutations_are_rejected_by_both() {
    let mut h = Harness::deploy(Contract::SumcheckHarness).expect("deploys");
    let mut rng = StdRng::seed_from_u64(4);
    let cases: Vec<Case> = (0..16)
        .map(|i| make_case(&mut rng, 1 + i % 8, i % 4))
        .collect();
    for case in &cases {
        let msg = case.message();
        assert!(
            differential(&mut h, case, &case.context, case.claimed_sum, &msg),
            "honest proof rejected: {case:?}"
        );
    }
    let (rejected, kinds) = mutations::reject_all(
        &cases,
        40,
        |case, other| {
            let (what, ctx, sum, m) = mutate(&mut rng, case, other);
            (what, (ctx, sum, m))
        },
        |case, (ctx, sum, m)| differential(&mut h, case, ctx, *sum, m),
    );
    println!(
        "{} honest proofs accepted by both; {rejected} mutated proofs rejected by both with the same error: {kinds:?}",
        cases.len()
    );
    assert!(rejected >= 500);
}

#[test]
fn gas_of_a_20_round_degree_3_sumcheck() {
    let mut h = Harness::deploy(Contract::SumcheckHarness).expect("deploys");
    let mut rng = StdRng::seed_from_u64(5);
    let case = make_case(&mut rng, 20, 0);
    assert_eq!(case.degree, 3);
    let msg = case.message();
    let statement = case.statement.encode().expect("encodes");
    let args = sumcheck_call_args(&case.context, 20, 3, case.claimed_sum, &statement, &msg);
    let data = zkinfer_evm::abi::encode_call(SUMCHECK_VERIFY, &args);
    let out = h.call(SUMCHECK_VERIFY, &args).expect("runs");
    assert!(out.success, "{:?}", h.revert_error(&out));
    let inner = decode_uint(&out.output, 2).expect("gas").to::<u64>();
    let rounds = decode_uint(&out.output, 3).expect("gas").to::<u64>();
    let exec = out
        .execution_gas
        .expect("execution above the calldata floor");
    let gas = call_tx_gas(&data, exec);
    assert_eq!(
        gas.total, out.tx_gas_used,
        "EIP-7623 formula disagrees with revm"
    );
    println!(
        "20-round degree-3 sumcheck: proof {} bytes, calldata {} bytes; verify (decode + transcript init + rounds + final check, gasleft) {inner} gas, of which the 20 rounds {rounds} ({} per round); tx execution {exec}, calldata {} (floor {}), total {}",
        msg.len(),
        data.len(),
        rounds / 20,
        gas.calldata_standard,
        gas.calldata_floor,
        gas.total
    );
    assert!(inner < 1_000_000, "sumcheck verification gas grew");
}
