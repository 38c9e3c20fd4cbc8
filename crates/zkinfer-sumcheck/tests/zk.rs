//! The zero-knowledge sumcheck: completeness, soundness, and that masking hides the witness.
//!
//! The mask's commitment is an in-test "honest oracle": the prover's mask is kept and its value
//! at the final point is compared with the proof's `g(r)`, as an opening would.

use rand::{Rng, SeedableRng, rngs::StdRng};
use zkinfer_field::{
    BasedVectorSpace, EF, F, Field, PrimeCharacteristicRing, PrimeField64, Transcript,
};
use zkinfer_poly::evaluate;
use zkinfer_sumcheck::zk::{mask_weights, random_ext};
use zkinfer_sumcheck::{
    Column, MaskPolynomial, Term, ZkSumcheckOutput, ZkSumcheckProof, prove, prove_zk, verify_zk,
    zk_degree,
};

/// A sumcheck statement: base columns, terms, optional eq point.
struct Fixture {
    cols: Vec<Vec<F>>,
    terms: Vec<Term>,
    r: Option<Vec<EF>>,
}

impl Fixture {
    fn num_vars(&self) -> usize {
        self.cols[0].len().trailing_zeros() as usize
    }

    fn degree(&self) -> usize {
        zk_degree(&self.terms, self.r.is_some())
    }

    fn columns(&self) -> Vec<Column> {
        self.cols.iter().cloned().map(Column::Base).collect()
    }
}

fn rand_cols(rng: &mut StdRng, count: usize, n: usize) -> Vec<Vec<F>> {
    (0..count)
        .map(|_| (0..1 << n).map(|_| F::from_u64(rng.random())).collect())
        .collect()
}

/// Products of up to `factors` columns, with or without an eq factor.
fn fixture(seed: u64, n: usize, factors: usize, eq: bool) -> Fixture {
    let mut rng = StdRng::seed_from_u64(seed);
    let cols = rand_cols(&mut rng, factors, n);
    let mut terms = vec![Term::new(EF::ONE, (0..factors).collect())];
    if factors > 1 {
        terms.push(Term::new(random_ext(&mut rng), vec![0]));
    }
    let r = eq.then(|| (0..n).map(|_| random_ext(&mut rng)).collect());
    Fixture { cols, terms, r }
}

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
    assert!(err.contains("round 0"), "{err}");
    // A wrong mask sum.
    let mut p = out.proof.clone();
    p.mask_sum += EF::ONE;
    assert!(ok(out.claimed_sum, &p, &out.evals).is_err());
    // Every value of every round.
    for round in 0..6 {
        for t in 0..=fx.degree() {
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
    let forged = forge(&fx, &mask, false_claim);
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

/// `eq(r, x)·Σ_j c_j Π_i P_{j,i}(x)` at any point, from the columns' MLEs.
fn f_at(fx: &Fixture, x: &[EF]) -> EF {
    let evals: Vec<EF> = fx.cols.iter().map(|c| evaluate(c, x)).collect();
    zkinfer_sumcheck::summand_at(&fx.terms, fx.r.as_deref(), x, &evals).unwrap()
}

/// A proof of `false_claim` that passes every round and the final check, with a lying `g(r)`.
fn forge(fx: &Fixture, mask: &MaskPolynomial, false_claim: EF) -> ZkSumcheckProof {
    use zkinfer_sumcheck::{labels, verifier::interpolate_uni, zk::labels as zk_labels};
    let (n, d) = (fx.num_vars(), fx.degree());
    let mut t = Transcript::new(b"zk");
    commit(mask, &mut t);
    t.absorb_ext(zk_labels::ZK_CLAIM, false_claim);
    t.absorb_ext(zk_labels::MASK_SUM, mask.sum());
    let rho = t.challenge(zk_labels::MASK_COEFF);
    let mut claim = false_claim + rho * mask.sum();
    t.absorb_ext(labels::CLAIM, claim);
    let half = EF::TWO.inverse();
    let (mut prefix, mut round_polys) = (Vec::new(), Vec::new());
    for k in 0..n {
        // The honest round polynomial of f + ρ·g, by brute force over the remaining cube.
        let g: Vec<EF> = (0..=d)
            .map(|v| {
                (0..1usize << (n - k - 1))
                    .map(|tail| {
                        let mut x = prefix.clone();
                        x.push(EF::from_usize(v));
                        x.extend((0..n - k - 1).map(|b| EF::from_usize((tail >> b) & 1)));
                        f_at(fx, &x) + rho * mask.evaluate(&x).unwrap()
                    })
                    .sum()
            })
            .collect();
        let shift = (claim - g[0] - g[1]) * half;
        let g: Vec<EF> = g.iter().map(|&v| v + shift).collect();
        t.absorb_exts(labels::ROUND, &g);
        let r = t.challenge(labels::CHALLENGE);
        claim = interpolate_uni(&g, r);
        prefix.push(r);
        round_polys.push(g);
    }
    let mask_eval = (claim - f_at(fx, &prefix)) * rho.inverse();
    ZkSumcheckProof {
        mask_sum: mask.sum(),
        sumcheck: zkinfer_sumcheck::SumcheckProof { round_polys },
        mask_eval,
    }
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

/// Whether an observer of round 0's messages tells two witnesses apart: some message occurs
/// repeatedly for one witness and never for the other (a fixed function of the witness), or
/// the low bits of the coefficients are distributed differently (χ² two-sample test, 8 buckets
/// per coordinate, far above the 7-degree-of-freedom 10⁻⁶ quantile).
fn distinguishes(s1: &[Vec<u64>], s2: &[Vec<u64>]) -> bool {
    let count = |s: &[Vec<u64>], m: &Vec<u64>| s.iter().filter(|x| *x == m).count();
    let fixed = s1.iter().any(|m| count(s1, m) > 5 && count(s2, m) == 0)
        || s2.iter().any(|m| count(s2, m) > 5 && count(s1, m) == 0);
    let coords = s1[0].len();
    let chi2_max = (0..coords)
        .map(|c| {
            let (mut h1, mut h2) = ([0f64; 8], [0f64; 8]);
            s1.iter().for_each(|m| h1[(m[c] & 7) as usize] += 1.0);
            s2.iter().for_each(|m| h2[(m[c] & 7) as usize] += 1.0);
            h1.iter()
                .zip(&h2)
                .filter(|(a, b)| *a + *b > 0.0)
                .map(|(a, b)| (a - b).powi(2) / (a + b))
                .sum::<f64>()
        })
        .fold(0.0, f64::max);
    fixed || chi2_max > 40.0
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
    let distinct = |s: &[Vec<u64>]| {
        let mut v = s.to_vec();
        v.sort();
        v.dedup();
        v.len()
    };
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
