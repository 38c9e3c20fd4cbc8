//! Corrupted, truncated and replayed proofs: every one rejected with a typed error, no panic.

use rand::{Rng, SeedableRng, rngs::StdRng};
use zkinfer_field::{BasedVectorSpace, EF, F, PrimeCharacteristicRing, Transcript};
use zkinfer_poly::evaluate;
use zkinfer_sumcheck::{
    BatchClaim, BatchInstance, BatchOpening, Column, ReductionProof, SubClaim, SumcheckError,
    SumcheckOutput, SumcheckProof, Term, prove, prove_batched, reduce_claims, verify,
    verify_batched, verify_reduce_claims,
};

const N: usize = 5;

fn rand_ef(rng: &mut StdRng) -> EF {
    EF::from_basis_coefficients_fn(|_| F::from_u64(rng.random::<u64>()))
}

fn rand_base(rng: &mut StdRng, n: usize) -> Vec<F> {
    (0..1 << n).map(|_| F::from_u64(rng.random())).collect()
}

/// `eq(r, x)·A·B·C + c·A`: degree 4 with the eq factor.
struct Fixture {
    cols: Vec<Vec<F>>,
    terms: Vec<Term>,
    r: Vec<EF>,
}

const DEGREE: usize = 4;

fn fixture(seed: u64) -> Fixture {
    let mut rng = StdRng::seed_from_u64(seed);
    Fixture {
        cols: (0..3).map(|_| rand_base(&mut rng, N)).collect(),
        terms: vec![
            Term::new(EF::ONE, vec![0, 1, 2]),
            Term::new(rand_ef(&mut rng), vec![0]),
        ],
        r: (0..N).map(|_| rand_ef(&mut rng)).collect(),
    }
}

fn prove_fx(fx: &Fixture) -> SumcheckOutput {
    let cols = fx.cols.iter().cloned().map(Column::Base).collect();
    prove(cols, &fx.terms, Some(&fx.r), &mut Transcript::new(b"s"))
}

fn run(claimed: EF, proof: &SumcheckProof) -> Result<SubClaim, SumcheckError> {
    verify(N, DEGREE, claimed, proof, &mut Transcript::new(b"s"))
}

fn check_fx(
    fx: &Fixture,
    out: &SumcheckOutput,
    proof: &SumcheckProof,
) -> Result<(), SumcheckError> {
    check_fx_sum(fx, out, out.claimed_sum, proof)
}

/// [`check_fx`] with the claimed sum given.
fn check_fx_sum(
    fx: &Fixture,
    out: &SumcheckOutput,
    claimed: EF,
    proof: &SumcheckProof,
) -> Result<(), SumcheckError> {
    run(claimed, proof)?.check_products(&fx.terms, Some(&fx.r), &out.evals)
}

#[test]
fn honest_proof_verifies() {
    let fx = fixture(1);
    let out = prove_fx(&fx);
    check_fx(&fx, &out, &out.proof).unwrap();
}

#[test]
fn tampered_round_polynomial() {
    let fx = fixture(2);
    let out = prove_fx(&fx);
    // A round sends `g(0), g(2), …, g(d)`; `g(1)` is the claim less `g(0)`. Any changed value
    // changes the polynomial the verifier interpolates, so the claim it carries to the end
    // misses the summand there.
    for round in 0..N {
        assert_eq!(out.proof.round_polys[round].len(), DEGREE);
        for t in 0..DEGREE {
            let mut p = out.proof.clone();
            p.round_polys[round][t] += EF::ONE;
            let err = check_fx(&fx, &out, &p).unwrap_err();
            assert!(
                matches!(err, SumcheckError::FinalEvalMismatch { .. }),
                "round {round} value {t}: {err:?}"
            );
        }
    }
}

#[test]
fn wrong_claimed_sum() {
    let fx = fixture(3);
    let out = prove_fx(&fx);
    let err = check_fx_sum(&fx, &out, out.claimed_sum + EF::ONE, &out.proof).unwrap_err();
    assert!(
        matches!(err, SumcheckError::FinalEvalMismatch { .. }),
        "{err:?}"
    );
}

#[test]
fn replayed_round_from_another_proof() {
    let fx = fixture(4);
    let out = prove_fx(&fx);
    let other = prove_fx(&fixture(5));
    for round in 0..N {
        let mut p = out.proof.clone();
        p.round_polys[round].clone_from(&other.proof.round_polys[round]);
        let err = check_fx(&fx, &out, &p).unwrap_err();
        assert!(
            matches!(err, SumcheckError::FinalEvalMismatch { .. }),
            "round {round}: {err:?}"
        );
    }
    // A whole proof of another statement with this statement's sum.
    let err = check_fx(&fx, &out, &other.proof).unwrap_err();
    assert!(
        matches!(err, SumcheckError::FinalEvalMismatch { .. }),
        "{err:?}"
    );
}

#[test]
fn truncated_proofs() {
    let fx = fixture(6);
    let out = prove_fx(&fx);
    let mut p = out.proof.clone();
    p.round_polys.pop();
    let err = run(out.claimed_sum, &p).unwrap_err();
    assert_eq!(
        err,
        SumcheckError::WrongRoundCount {
            expected: N,
            got: N - 1
        }
    );
    let err = run(out.claimed_sum, &SumcheckProof::default()).unwrap_err();
    assert_eq!(
        err,
        SumcheckError::WrongRoundCount {
            expected: N,
            got: 0
        }
    );
    for round in 0..N {
        for keep in 0..DEGREE {
            let mut p = out.proof.clone();
            p.round_polys[round].truncate(keep);
            let err = run(out.claimed_sum, &p).unwrap_err();
            assert!(
                matches!(err, SumcheckError::WrongRoundDegree { round: r, got, .. } if r == round && got == keep),
                "{err:?}"
            );
        }
    }
    // A longer round polynomial is rejected too.
    let mut p = out.proof.clone();
    p.round_polys[0].push(EF::ZERO);
    assert!(matches!(
        run(out.claimed_sum, &p),
        Err(SumcheckError::WrongRoundDegree { .. })
    ));
    let err = verify(
        N,
        usize::MAX,
        out.claimed_sum,
        &out.proof,
        &mut Transcript::new(b"s"),
    );
    assert_eq!(
        err.unwrap_err(),
        SumcheckError::BadDegree { degree: usize::MAX }
    );
}

#[test]
fn wrong_final_evaluation() {
    let fx = fixture(7);
    let out = prove_fx(&fx);
    let sub = run(out.claimed_sum, &out.proof).unwrap();
    for i in 0..out.evals.len() {
        let mut evals = out.evals.clone();
        evals[i] += EF::ONE;
        let err = sub
            .check_products(&fx.terms, Some(&fx.r), &evals)
            .unwrap_err();
        assert!(
            matches!(err, SumcheckError::FinalEvalMismatch { .. }),
            "{err:?}"
        );
    }
    let err = sub
        .check_products(&fx.terms, Some(&fx.r), &out.evals[..2])
        .unwrap_err();
    assert!(
        matches!(err, SumcheckError::WrongEvalCount { .. }),
        "{err:?}"
    );
    let err = sub
        .check_products(&fx.terms, Some(&fx.r[1..]), &out.evals)
        .unwrap_err();
    assert!(
        matches!(err, SumcheckError::WrongEvalCount { .. }),
        "{err:?}"
    );
}

#[test]
fn random_garbage_never_panics() {
    let mut rng = StdRng::seed_from_u64(8);
    for _ in 0..500 {
        let rounds = rng.random_range(0..8);
        let proof = SumcheckProof {
            round_polys: (0..rounds)
                .map(|_| {
                    (0..rng.random_range(0..7))
                        .map(|_| rand_ef(&mut rng))
                        .collect()
                })
                .collect(),
        };
        let degree = rng.random_range(0..6);
        let n = rng.random_range(0..8);
        // With no variables and no rounds the verifier only hands back the sub-claim.
        let trivial = n == 0 && rounds == 0;
        let res = verify(
            n,
            degree,
            rand_ef(&mut rng),
            &proof,
            &mut Transcript::new(b"g"),
        );
        assert!(trivial || res.is_err());
        let claims = vec![(vec![rand_ef(&mut rng); n], rand_ef(&mut rng))];
        let rp = ReductionProof {
            sumcheck: proof.clone(),
            eval: rand_ef(&mut rng),
        };
        assert!(verify_reduce_claims(n, &claims, &rp, &mut Transcript::new(b"g")).is_err());
        let bc = [BatchClaim {
            num_vars: n,
            degree,
            claimed_sum: rand_ef(&mut rng),
        }];
        assert!(trivial || verify_batched(&bc, &proof, &mut Transcript::new(b"g")).is_err());
    }
}

// ---- claim reduction ----

fn reduction_fixture() -> (Vec<F>, Vec<(Vec<EF>, EF)>) {
    let mut rng = StdRng::seed_from_u64(20);
    let poly = rand_base(&mut rng, N);
    let claims = (0..3)
        .map(|_| {
            let p: Vec<EF> = (0..N).map(|_| rand_ef(&mut rng)).collect();
            let v = evaluate(&poly, &p);
            (p, v)
        })
        .collect();
    (poly, claims)
}

fn verify_red(
    claims: &[(Vec<EF>, EF)],
    p: &ReductionProof,
) -> Result<(Vec<EF>, EF), SumcheckError> {
    verify_reduce_claims(N, claims, p, &mut Transcript::new(b"r"))
}

#[test]
fn claim_reduction_rejections() {
    let (poly, claims) = reduction_fixture();
    let (proof, _, _) = reduce_claims(
        Column::Base(poly.clone()),
        &claims,
        &mut Transcript::new(b"r"),
    );
    let (_, v) = verify_red(&claims, &proof).unwrap();
    assert_eq!(v, proof.eval);
    // A false claim value: the honest proof of the true values no longer matches.
    let mut bad = claims.clone();
    bad[1].1 += EF::ONE;
    assert!(matches!(
        verify_red(&bad, &proof),
        Err(SumcheckError::FinalEvalMismatch { .. })
    ));
    // A prover run on a false claim is caught as well.
    let (p2, _, _) = reduce_claims(Column::Base(poly), &bad, &mut Transcript::new(b"r"));
    assert!(matches!(
        verify_red(&bad, &p2),
        Err(SumcheckError::FinalEvalMismatch { .. })
    ));
    // Wrong final value.
    let mut p = proof.clone();
    p.eval += EF::ONE;
    assert!(matches!(
        verify_red(&claims, &p),
        Err(SumcheckError::FinalEvalMismatch { .. })
    ));
    // Tampered, truncated and replayed rounds.
    let mut p = proof.clone();
    p.sumcheck.round_polys[2][0] += EF::ONE;
    assert!(matches!(
        verify_red(&claims, &p),
        Err(SumcheckError::FinalEvalMismatch { .. })
    ));
    let mut p = proof.clone();
    p.sumcheck.round_polys.truncate(N - 1);
    assert!(matches!(
        verify_red(&claims, &p),
        Err(SumcheckError::WrongRoundCount { .. })
    ));
    let mut p = proof.clone();
    p.sumcheck.round_polys[1].truncate(1);
    assert!(matches!(
        verify_red(&claims, &p),
        Err(SumcheckError::WrongRoundDegree { round: 1, .. })
    ));
    let mut p = proof.clone();
    p.sumcheck.round_polys[3].clone_from(&p2.sumcheck.round_polys[3]);
    assert!(matches!(
        verify_red(&claims, &p),
        Err(SumcheckError::FinalEvalMismatch { .. })
    ));
    // Malformed statements.
    assert_eq!(verify_red(&[], &proof).unwrap_err(), SumcheckError::Empty);
    let mut short = claims.clone();
    short[2].0.pop();
    assert_eq!(
        verify_red(&short, &proof).unwrap_err(),
        SumcheckError::WrongPointLength {
            index: 2,
            expected: N,
            got: N - 1
        }
    );
}

// ---- batching ----

type Owned = (Vec<Term>, Option<Vec<EF>>, Vec<EF>);

fn view(o: &[Owned]) -> Vec<BatchOpening<'_>> {
    o.iter()
        .map(|(t, e, v)| BatchOpening {
            terms: t,
            eq_point: e.as_deref(),
            evals: v,
        })
        .collect()
}

#[test]
fn batch_rejections() {
    let mut rng = StdRng::seed_from_u64(30);
    let r: Vec<EF> = (0..N).map(|_| rand_ef(&mut rng)).collect();
    let instances = vec![
        BatchInstance {
            columns: (0..2)
                .map(|_| Column::Base(rand_base(&mut rng, N)))
                .collect(),
            terms: vec![Term::new(EF::ONE, vec![0, 1])],
            eq_point: Some(r.clone()),
        },
        BatchInstance {
            columns: vec![Column::Base(rand_base(&mut rng, N - 2))],
            terms: vec![Term::new(EF::TWO, vec![0])],
            eq_point: None,
        },
    ];
    let out = prove_batched(instances.clone(), &mut Transcript::new(b"b"));
    let claims = |sums: &[EF]| {
        vec![
            BatchClaim {
                num_vars: N,
                degree: 3,
                claimed_sum: sums[0],
            },
            BatchClaim {
                num_vars: N - 2,
                degree: 1,
                claimed_sum: sums[1],
            },
        ]
    };
    let good = claims(&out.claimed_sums);
    let vb = |c: &[BatchClaim], p: &SumcheckProof| verify_batched(c, p, &mut Transcript::new(b"b"));
    let sub = vb(&good, &out.proof).unwrap();
    let openings = |evals: &[Vec<EF>]| -> Vec<_> {
        instances
            .iter()
            .zip(evals)
            .map(|(i, e)| (i.terms.clone(), i.eq_point.clone(), e.clone()))
            .collect()
    };
    let owned = openings(&out.evals);
    sub.check_products(&view(&owned)).unwrap();
    // Verified and discharged with the honest evaluations.
    let full = |c: &[BatchClaim], p: &SumcheckProof| {
        vb(c, p).and_then(|s| s.check_products(&view(&owned)))
    };
    // A wrong instance sum.
    let mut sums = out.claimed_sums.clone();
    sums[1] += EF::ONE;
    assert!(matches!(
        full(&claims(&sums), &out.proof),
        Err(SumcheckError::FinalEvalMismatch { .. })
    ));
    // A wrong evaluation of either instance.
    for j in 0..2 {
        let mut evals = out.evals.clone();
        evals[j][0] += EF::ONE;
        let o = openings(&evals);
        assert!(matches!(
            sub.check_products(&view(&o)),
            Err(SumcheckError::FinalEvalMismatch { .. })
        ));
    }
    assert!(matches!(
        sub.check_products(&view(&owned[..1])),
        Err(SumcheckError::WrongEvalCount { .. })
    ));
    // Tampered, truncated, replayed.
    let mut p = out.proof.clone();
    p.round_polys[1][1] -= EF::ONE;
    assert!(matches!(
        full(&good, &p),
        Err(SumcheckError::FinalEvalMismatch { .. })
    ));
    let mut p = out.proof.clone();
    p.round_polys.remove(0);
    assert!(matches!(
        vb(&good, &p),
        Err(SumcheckError::WrongRoundCount { .. })
    ));
    let mut p = out.proof.clone();
    p.round_polys[4].pop();
    assert!(matches!(
        vb(&good, &p),
        Err(SumcheckError::WrongRoundDegree { round: 4, .. })
    ));
    let other = prove_fx(&fixture(31));
    let mut p = out.proof.clone();
    p.round_polys[2] = other.proof.round_polys[2][..3].to_vec();
    assert!(matches!(
        full(&good, &p),
        Err(SumcheckError::FinalEvalMismatch { .. })
    ));
    assert_eq!(vb(&[], &out.proof).unwrap_err(), SumcheckError::Empty);
    assert!(sub.instance_point(2).is_none());
}
