//! Differential test of `ZkSumcheck.sol` (with `Sumcheck.verifyPerRound`, `ProofReader.sol` and
//! `Transcript.sol`) against `zkinfer_sumcheck::zk::verify_zk_per_round`, the verifier of the
//! blinded LogUp layers' sumchecks (proof format 28: rounds of degrees 1, 3, …, 3, 5).
//!
//! The instances: `f` and the mask `g` are sums of univariates with those per-variable degrees
//! (`MaskPolynomial`), so the test's prover computes each round exactly with
//! `MaskPolynomial::round_poly` on the real transcript. The verifiers return the sub-claims
//! (`f(r) = value`, `g(r) = mask value`); the test discharges both against `f` and `g` (in a
//! proof, the layer's children and the mask pool's opening do). A proof is accepted when the
//! verifier returns and both sub-claims hold; the contract and the Rust verifier must agree on
//! every proof: the same error, or the same point and values.

mod mutations;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use zkinfer_evm::abi::{decode_uint, decode_uint_array};
use zkinfer_evm::encoding::ext_to_word;
use zkinfer_evm::harness::{
    ZK_SUMCHECK_VERIFY, encode_zk_sumcheck_message, rust_verify_zk_sumcheck, zk_sumcheck_call_args,
};
use zkinfer_evm::{Contract, Harness};
use zkinfer_field::{BasedVectorSpace, EF, F, PrimeCharacteristicRing, Transcript};
use zkinfer_sumcheck::zk::{MaskPolynomial, ZkSumcheckProof, labels as zk_labels};
use zkinfer_sumcheck::{SumcheckProof, labels, round_message};

/// The round degrees of a blinded LogUp layer of height `k` (`zkinfer_lookup::zk::masked_layer_degrees`).
fn layer_degrees(k: usize) -> Vec<usize> {
    let mut d = vec![1];
    if k >= 1 {
        d.extend(std::iter::repeat_n(3, k - 1));
        d.push(5);
    }
    d
}

fn ext(rng: &mut StdRng) -> EF {
    let (a, b) = (F::from_u64(rng.random()), F::from_u64(rng.random()));
    EF::from_basis_coefficients_fn(|k| if k == 0 { a } else { b })
}

fn random_poly(rng: &mut StdRng, degrees: &[usize]) -> MaskPolynomial {
    let coeffs = degrees
        .iter()
        .map(|&d| (0..=d).map(|_| ext(rng)).collect())
        .collect();
    MaskPolynomial::from_coefficients_per_var(coeffs).expect("degrees ≥ 1")
}

/// An honest proof of `Σ f = claimed_sum` masked by `g`, and the polynomials to discharge it.
#[derive(Clone, Debug)]
struct Case {
    context: Vec<u8>,
    degrees: Vec<usize>,
    claimed_sum: EF,
    f: MaskPolynomial,
    g: MaskPolynomial,
    proof: ZkSumcheckProof,
}

impl Case {
    fn message(&self) -> Vec<u8> {
        encode_zk_sumcheck_message(&self.proof).expect("encodes")
    }
}

/// The ZK sumcheck of `f` with mask `g`, both with per-variable degrees `degrees`, proved round by
/// round on the transcript as `zkinfer_lookup`'s layer prover does (module doc of
/// `zkinfer_sumcheck::zk`).
fn prove(context: &[u8], f: &MaskPolynomial, g: &MaskPolynomial) -> ZkSumcheckProof {
    let mut t = Transcript::new(context);
    let (h, mask_sum) = (f.sum(), g.sum());
    t.absorb_ext(zk_labels::ZK_CLAIM, h);
    t.absorb_ext(zk_labels::MASK_SUM, mask_sum);
    let rho = t.challenge(zk_labels::MASK_COEFF);
    t.absorb_ext(labels::CLAIM, h + rho * mask_sum);
    let mut point = Vec::new();
    let mut round_polys = Vec::new();
    for _ in 0..f.num_vars() {
        let fv = f.round_poly(&point).expect("a variable left");
        let gv = g.round_poly(&point).expect("a variable left");
        let values: Vec<EF> = fv.iter().zip(&gv).map(|(&a, &b)| a + rho * b).collect();
        let message = round_message(&values);
        t.absorb_exts(labels::ROUND, &message);
        point.push(t.challenge(labels::CHALLENGE));
        round_polys.push(message);
    }
    let mask_eval = g.evaluate(&point).expect("point of the mask's length");
    t.absorb_ext(zk_labels::MASK_EVAL, mask_eval);
    ZkSumcheckProof {
        mask_sum,
        sumcheck: SumcheckProof { round_polys },
        mask_eval,
    }
}

fn make_case(rng: &mut StdRng, degrees: Vec<usize>) -> Case {
    let context: Vec<u8> = (0..rng.random_range(0..40)).map(|_| rng.random()).collect();
    let f = random_poly(rng, &degrees);
    let g = random_poly(rng, &degrees);
    let proof = prove(&context, &f, &g);
    Case {
        context,
        claimed_sum: f.sum(),
        degrees,
        f,
        g,
        proof,
    }
}

/// Both verifiers on (`degrees`, `context`, `claimed_sum`, `message`); asserts they agree (same
/// error, or same point and values) and returns whether the proof is accepted: the verifier
/// returned and both sub-claims hold on `case`'s `f` and `g`.
fn differential(
    h: &mut Harness,
    case: &Case,
    degrees: &[usize],
    context: &[u8],
    claimed_sum: EF,
    message: &[u8],
) -> bool {
    let rust = rust_verify_zk_sumcheck(context, degrees, claimed_sum, message);
    let args = zk_sumcheck_call_args(context, degrees, claimed_sum, message).expect("encodes");
    let out = h.call(ZK_SUMCHECK_VERIFY, &args).expect("transaction runs");
    match &rust {
        Ok((point, value, mask_value)) => {
            assert!(
                out.success,
                "Rust returns, the contract reverts: {:?}",
                h.revert_error(&out)
            );
            let got_point = decode_uint_array(&out.output, 0).expect("point");
            let want: Vec<_> = point.iter().map(|&x| ext_to_word(x)).collect();
            assert_eq!(got_point, want, "final points differ");
            assert_eq!(
                decode_uint(&out.output, 1).expect("value"),
                ext_to_word(*value)
            );
            assert_eq!(
                decode_uint(&out.output, 2).expect("mask value"),
                ext_to_word(*mask_value)
            );
            let f_ok = case.f.evaluate(point).is_ok_and(|v| v == *value);
            let g_ok = case.g.evaluate(point).is_ok_and(|v| v == *mask_value);
            f_ok && g_ok
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

/// One mutation of `case`: (what, degrees, context, claimed sum, message).
fn mutate(
    rng: &mut StdRng,
    case: &Case,
    other: &Case,
) -> (&'static str, Vec<usize>, Vec<u8>, EF, Vec<u8>) {
    let msg = case.message();
    let mut proof = case.proof.clone();
    let rounds = proof.sumcheck.round_polys.len();
    let enc = |p: &ZkSumcheckProof| encode_zk_sumcheck_message(p).expect("encodes");
    let same = |m: Vec<u8>| {
        (
            case.degrees.clone(),
            case.context.clone(),
            case.claimed_sum,
            m,
        )
    };
    let (what, (degrees, ctx, sum, m)) = match rng.random_range(0..16) {
        0 | 6 | 7 | 12 => {
            let (what, m) = mutations::mutate_bytes(rng, &msg);
            (what, same(m))
        }
        1 => {
            let k = rng.random_range(0..rounds);
            let i = rng.random_range(0..proof.sumcheck.round_polys[k].len());
            proof.sumcheck.round_polys[k][i] = bump(proof.sumcheck.round_polys[k][i]);
            ("round value changed", same(enc(&proof)))
        }
        2 if rounds >= 2 => {
            let a = rng.random_range(0..rounds);
            let b = (a + rng.random_range(1..rounds)) % rounds;
            proof.sumcheck.round_polys.swap(a, b);
            ("rounds swapped", same(enc(&proof)))
        }
        3 => {
            proof.sumcheck.round_polys.pop();
            ("last round dropped", same(enc(&proof)))
        }
        4 => {
            let k = rng.random_range(0..rounds);
            proof.sumcheck.round_polys[k].push(ext(rng));
            ("round value added", same(enc(&proof)))
        }
        5 => {
            let k = rng.random_range(0..rounds);
            proof.sumcheck.round_polys[k].pop();
            ("round value removed", same(enc(&proof)))
        }
        8 => {
            proof.mask_sum = bump(proof.mask_sum);
            ("mask sum changed", same(enc(&proof)))
        }
        9 => {
            proof.mask_eval = bump(proof.mask_eval);
            ("mask value changed", same(enc(&proof)))
        }
        10 => (
            "claimed sum changed",
            (
                case.degrees.clone(),
                case.context.clone(),
                bump(case.claimed_sum),
                msg,
            ),
        ),
        11 => {
            let mut ctx = case.context.clone();
            ctx.push(1);
            (
                "another context",
                (case.degrees.clone(), ctx, case.claimed_sum, msg),
            )
        }
        13 => {
            // Every round at degree 5, as format 27 sent them: a proof of the same polynomials,
            // rejected where the verifier expects a lower degree.
            let pad = |p: &MaskPolynomial| {
                let coeffs = p
                    .coefficients()
                    .iter()
                    .map(|c| {
                        let mut c = c.clone();
                        c.resize(6, EF::ZERO);
                        c
                    })
                    .collect();
                MaskPolynomial::from_coefficients_per_var(coeffs).expect("degree 5")
            };
            let p = prove(&case.context, &pad(&case.f), &pad(&case.g));
            ("every round at degree 5", same(enc(&p)))
        }
        14 => {
            let mut degrees = case.degrees.clone();
            let k = rng.random_range(0..degrees.len());
            degrees[k] += 1;
            (
                "verifier's degree raised",
                (degrees, case.context.clone(), case.claimed_sum, msg),
            )
        }
        _ => ("another proof", same(other.message())),
    };
    (what, degrees, ctx, sum, m)
}

#[test]
fn zk_sumchecks_at_layer_degrees_agree_with_rust() {
    let mut h = Harness::deploy(Contract::SumcheckHarness).expect("deploys");
    let mut rng = StdRng::seed_from_u64(28);
    let cases: Vec<Case> = (0..14)
        .map(|k| make_case(&mut rng, layer_degrees(k)))
        .collect();
    for case in &cases {
        let msg = case.message();
        assert!(
            differential(
                &mut h,
                case,
                &case.degrees,
                &case.context,
                case.claimed_sum,
                &msg
            ),
            "honest proof rejected: degrees {:?}",
            case.degrees
        );
        // The same proof at the uniform degree 5 of format 27 is refused.
        if case.degrees.len() > 1 {
            let top = vec![5; case.degrees.len()];
            assert!(!differential(
                &mut h,
                case,
                &top,
                &case.context,
                case.claimed_sum,
                &msg
            ));
        }
    }
    let (rejected, kinds) = mutations::reject_all(
        &cases,
        40,
        |case, other| {
            let (what, degrees, ctx, sum, m) = mutate(&mut rng, case, other);
            (what, (degrees, ctx, sum, m))
        },
        |case, (degrees, ctx, sum, m)| differential(&mut h, case, degrees, ctx, *sum, m),
    );
    println!(
        "{} honest ZK sumchecks (1 to 14 rounds at degrees 1, 3, …, 3, 5) accepted by both; {rejected} mutated proofs rejected by both, the same error or the same failing sub-claims: {kinds:?}",
        cases.len()
    );
    assert!(rejected >= 500);
}

/// Gas of the blinded LogUp layers' sumchecks: one layer of height `k` (k + 1 rounds) for
/// k = 1, 4, 8, 12, 16, printed with the per-round cost.
#[test]
fn gas_of_zk_layer_sumchecks() {
    let mut h = Harness::deploy(Contract::SumcheckHarness).expect("deploys");
    let mut rng = StdRng::seed_from_u64(29);
    for k in [1usize, 4, 8, 12, 16] {
        let case = make_case(&mut rng, layer_degrees(k));
        let msg = case.message();
        let args = zk_sumcheck_call_args(&case.context, &case.degrees, case.claimed_sum, &msg)
            .expect("encodes");
        let out = h.call(ZK_SUMCHECK_VERIFY, &args).expect("runs");
        assert!(out.success, "{:?}", h.revert_error(&out));
        let whole = decode_uint(&out.output, 3).expect("gas").to::<u64>();
        let verify = decode_uint(&out.output, 4).expect("gas").to::<u64>();
        println!(
            "layer of height {k} ({} rounds, degrees 1, 3×{}, 5): proof {} bytes; verify {verify} gas ({} per round), with decoding and transcript init {whole}; transaction (revm's charge) {}",
            k + 1,
            k - 1,
            msg.len(),
            verify / (k as u64 + 1),
            out.tx_gas_used
        );
        assert!(
            verify < 30_000 * (k as u64 + 1),
            "ZK sumcheck verification gas grew"
        );
    }
}
