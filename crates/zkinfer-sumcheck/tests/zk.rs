//! The zero-knowledge sumcheck: completeness, soundness, and that masking hides the witness.
//!
//! The mask's commitment is an in-test "honest oracle": the prover's mask is kept and its value
//! at the final point is compared with the proof's `g(r)`, as an opening would.

mod common;

use common::{Fixture, distinct, distinguishes, fixture, forge, rand_cols};
use rand::{SeedableRng, rngs::StdRng};
use zkinfer_field::{
    BasedVectorSpace, EF, F, Field, PrimeCharacteristicRing, PrimeField64, Transcript,
};
use zkinfer_poly::evaluate;
use zkinfer_sumcheck::zk::mask_weights;
use zkinfer_sumcheck::{
    MaskPolynomial, Term, ZkSumcheckOutput, ZkSumcheckProof, prove, prove_zk, verify_zk,
};

/// The mask commitment stand-in: absorbed before the sumcheck, as a real commitment would be.
fn commit(mask: &MaskPolynomial, t: &mut Transcript) {
    t.absorb_exts(b"test/mask-commitment", &mask.flat_coefficients());
}

fn prove_fx(fx: &Fixture, mask: &MaskPolynomial) -> ZkSumcheckOutput {
    let mut t = Transcript::new(b"zk");
    commit(mask, &mut t);
    prove_zk(fx.columns(), &fx.terms, fx.r.as_deref(), mask, &mut t)
}

/// Everything the verifier and its oracles check.
fn check(
    fx: &Fixture,
    mask: &MaskPolynomial,
    claimed: EF,
    proof: &ZkSumcheckProof,
    evals: &[EF],
) -> Result<(), String> {
    let mut t = Transcript::new(b"zk");
    commit(mask, &mut t);
    let sub = verify_zk(fx.num_vars(), fx.degree(), claimed, proof, &mut t)
        .map_err(|e| format!("verify: {e}"))?;
    // The mask oracle: g(r) against the committed coefficients (by the inner product the engine
    // would open).
    let w = mask_weights(mask.degree(), &sub.mask.point);
    let opened: EF = mask
        .flat_coefficients()
        .iter()
        .zip(&w)
        .map(|(&c, &x)| c * x)
        .sum();
    if opened != sub.mask.value {
        return Err("mask opening".into());
    }
    // The column oracle: the supplied values are the columns' MLEs at r.
    for (c, &v) in fx.cols.iter().zip(evals) {
        if evaluate(c, &sub.sub.point) != v {
            return Err("column opening".into());
        }
    }
    sub.sub
        .check_products(&fx.terms, fx.r.as_deref(), evals)
        .map_err(|e| format!("final: {e}"))
}

#[test]
fn completeness_for_several_degrees_and_sizes() {
    let mut rng = StdRng::seed_from_u64(1);
    for n in [0usize, 1, 2, 5, 9] {
        for factors in 1..=3 {
            for eq in [false, true] {
                let fx = fixture(n as u64 * 10 + factors as u64, n, factors, eq);
                let mask = MaskPolynomial::random(n, fx.degree(), &mut rng).unwrap();
                let out = prove_fx(&fx, &mask);
                // The same sum and the same final point data as the plain prover's statement.
                let plain = prove(
                    fx.columns(),
                    &fx.terms,
                    fx.r.as_deref(),
                    &mut Transcript::new(b"p"),
                );
                assert_eq!(out.claimed_sum, plain.claimed_sum);
                assert_eq!(out.mask_eval, mask.evaluate(&out.point).unwrap());
                check(&fx, &mask, out.claimed_sum, &out.proof, &out.evals)
                    .unwrap_or_else(|e| panic!("n={n} factors={factors} eq={eq}: {e}"));
            }
        }
    }
    // The OS-randomness constructor gives a working mask too.
    let fx = fixture(99, 6, 2, true);
    let mask = MaskPolynomial::random_os(6, fx.degree()).unwrap();
    let out = prove_fx(&fx, &mask);
    check(&fx, &mask, out.claimed_sum, &out.proof, &out.evals).unwrap();
}

#[test]
fn soundness_wrong_claim_tampered_rounds_wrong_mask_value() {
    let fx = fixture(5, 6, 3, true);
    let mut rng = StdRng::seed_from_u64(5);
    let mask = MaskPolynomial::random(6, fx.degree(), &mut rng).unwrap();
    let out = prove_fx(&fx, &mask);
    let ok = |claimed: EF, p: &ZkSumcheckProof, evals: &[EF]| check(&fx, &mask, claimed, p, evals);
    ok(out.claimed_sum, &out.proof, &out.evals).unwrap();

    // A wrong claim.
    let err = ok(out.claimed_sum + EF::ONE, &out.proof, &out.evals).unwrap_err();
    // `g(1)` is derived from the claim: the rounds go through, and the first check after them
    // (the mask's opening at the point) fails.
    assert_eq!(err, "mask opening");
    // A wrong mask sum.
    let mut p = out.proof.clone();
    p.mask_sum += EF::ONE;
    assert!(ok(out.claimed_sum, &p, &out.evals).is_err());
    // Every value of every round.
    for round in 0..6 {
        for t in 0..fx.degree() {
            let mut p = out.proof.clone();
            p.sumcheck.round_polys[round][t] += EF::ONE;
            assert!(ok(out.claimed_sum, &p, &out.evals).is_err(), "{round} {t}");
        }
    }
    // A missing round, a short round.
    let mut p = out.proof.clone();
    p.sumcheck.round_polys.pop();
    assert!(
        ok(out.claimed_sum, &p, &out.evals)
            .unwrap_err()
            .contains("rounds")
    );
    let mut p = out.proof.clone();
    p.sumcheck.round_polys[2].pop();
    assert!(
        ok(out.claimed_sum, &p, &out.evals)
            .unwrap_err()
            .contains("values")
    );
    // A wrong g(r): the f-claim shifts by ρ·Δ and fails; the opening fails too.
    let mut p = out.proof.clone();
    p.mask_eval += EF::ONE;
    assert_eq!(
        ok(out.claimed_sum, &p, &out.evals).unwrap_err(),
        "mask opening"
    );

    // A cheating prover with a false claim shifts every round by a constant so each round check
    // passes, then picks g(r)' = (final − f(r))/ρ so the final check passes too. Everything the
    // verifier checks itself accepts; only the mask's opening catches it.
    let false_claim = out.claimed_sum + EF::ONE;
    let mut t = Transcript::new(b"zk");
    commit(&mask, &mut t);
    let forged = forge(&fx, &mask, false_claim, t);
    let mut t = Transcript::new(b"zk");
    commit(&mask, &mut t);
    let sub = verify_zk(6, fx.degree(), false_claim, &forged, &mut t).unwrap();
    let evals: Vec<EF> = fx
        .cols
        .iter()
        .map(|c| evaluate(c, &sub.sub.point))
        .collect();
    sub.sub
        .check_products(&fx.terms, fx.r.as_deref(), &evals)
        .unwrap();
    assert_eq!(
        ok(false_claim, &forged, &evals).unwrap_err(),
        "mask opening"
    );
}

/// Round 0's message (all its values, as canonical `u64`s) over `runs` proofs of `A·B` with
/// fresh masks, or with the zero mask when `masked` is false.
fn round0_messages(a: &[F], b: &[F], masked: bool, runs: usize, seed: u64) -> Vec<Vec<u64>> {
    let mut rng = StdRng::seed_from_u64(seed);
    let fx = Fixture {
        cols: vec![a.to_vec(), b.to_vec()],
        terms: vec![Term::new(EF::ONE, vec![0, 1])],
        r: None,
    };
    let n = fx.num_vars();
    (0..runs)
        .map(|_| {
            let mask = if masked {
                MaskPolynomial::random(n, fx.degree(), &mut rng).unwrap()
            } else {
                MaskPolynomial::zero(n, fx.degree()).unwrap()
            };
            let out = prove_fx(&fx, &mask);
            check(&fx, &mask, out.claimed_sum, &out.proof, &out.evals).unwrap();
            out.proof.sumcheck.round_polys[0]
                .iter()
                .flat_map(|v| BasedVectorSpace::<F>::as_basis_coefficients_slice(v).to_vec())
                .map(|c: F| c.as_canonical_u64())
                .collect()
        })
        .collect()
}

#[test]
fn masked_round_messages_do_not_reveal_the_witness() {
    // Two witnesses with the same sum Σ A·B (the claim the verifier knows anyway).
    let n = 4;
    let mut rng = StdRng::seed_from_u64(11);
    let ab1 = rand_cols(&mut rng, 2, n);
    let mut ab2 = rand_cols(&mut rng, 2, n);
    let sum = |a: &[F], b: &[F]| -> F { a.iter().zip(b).map(|(&x, &y)| x * y).sum() };
    let last = (1 << n) - 1;
    let rest = sum(&ab2[0][..last], &ab2[1][..last]);
    ab2[1][last] = (sum(&ab1[0], &ab1[1]) - rest) * ab2[0][last].inverse();
    assert_eq!(sum(&ab1[0], &ab1[1]), sum(&ab2[0], &ab2[1]));
    assert_ne!(ab1, ab2);

    let runs = 400;
    // Masked: the messages vary from run to run and their distribution does not depend on the
    // witness.
    let m1 = round0_messages(&ab1[0], &ab1[1], true, runs, 1);
    let m2 = round0_messages(&ab2[0], &ab2[1], true, runs, 2);
    assert_eq!(distinct(&m1), runs, "masked messages repeat");
    assert!(
        !distinguishes(&m1, &m2),
        "masked messages tell the witnesses apart"
    );
    // Unmasked (the zero mask): each witness's message is fixed, and the same test sees it.
    let u1 = round0_messages(&ab1[0], &ab1[1], false, runs, 1);
    let u2 = round0_messages(&ab2[0], &ab2[1], false, runs, 2);
    assert_eq!(distinct(&u1), 1);
    assert!(
        distinguishes(&u1, &u2),
        "the test cannot fail: it misses unmasked messages"
    );
}
