//! Prover/verifier agreement and fast-vs-reference equality on seeded random instances.

use rand::{Rng, SeedableRng, rngs::StdRng};
use zkinfer_field::{BasedVectorSpace, EF, F, PrimeCharacteristicRing, Transcript};
use zkinfer_poly::evaluate;
use zkinfer_sumcheck::{
    BatchClaim, BatchInstance, BatchOpening, Column, Term, prove, prove_batched, reduce_claims,
    reference, verify, verify_batched, verify_reduce_claims,
};

fn rand_ef(rng: &mut StdRng) -> EF {
    EF::from_basis_coefficients_fn(|_| F::from_u64(rng.random::<u64>()))
}

fn rand_col(rng: &mut StdRng, n: usize, ext: bool) -> Column {
    if ext {
        Column::Ext((0..1 << n).map(|_| rand_ef(rng)).collect())
    } else {
        Column::Base((0..1 << n).map(|_| F::from_u64(rng.random())).collect())
    }
}

fn col_eval(c: &Column, p: &[EF]) -> EF {
    match c {
        Column::Base(v) => evaluate(v, p),
        Column::Ext(v) => evaluate(v, p),
    }
}

/// Random terms of maximum degree `d` over `ncols` columns (one term has exactly `d` factors).
fn rand_terms(rng: &mut StdRng, d: usize, ncols: usize) -> Vec<Term> {
    let nterms = rng.random_range(1..=3);
    (0..nterms)
        .map(|j| {
            let deg = if j == 0 { d } else { rng.random_range(0..=d) };
            Term::new(
                rand_ef(rng),
                (0..deg).map(|_| rng.random_range(0..ncols)).collect(),
            )
        })
        .collect()
}

/// Runs fast and reference provers and the verifier on one instance; checks everything agrees.
fn check_instance(cols: &[Column], terms: &[Term], eq: Option<&[EF]>, n: usize) {
    let d = terms.iter().map(|t| t.factors.len()).max().unwrap_or(0);
    let out = prove(cols.to_vec(), terms, eq, &mut Transcript::new(b"t"));
    let want = reference::prove(cols.to_vec(), terms, eq, &mut Transcript::new(b"t"));
    assert_eq!(
        out.claimed_sum,
        want.claimed_sum,
        "n={n} d={d} eq={}",
        eq.is_some()
    );
    assert_eq!(out.proof, want.proof);
    assert_eq!(out.point, want.point);
    assert_eq!(out.evals, want.evals);
    for (c, e) in cols.iter().zip(&out.evals) {
        assert_eq!(col_eval(c, &out.point), *e);
    }
    let degree = d + usize::from(eq.is_some());
    let sub = verify(
        n,
        degree,
        out.claimed_sum,
        &out.proof,
        &mut Transcript::new(b"t"),
    )
    .unwrap();
    assert_eq!(sub.point, out.point);
    sub.check_products(terms, eq, &out.evals).unwrap();
}

#[test]
fn fast_prover_matches_reference_and_verifies() {
    let mut rng = StdRng::seed_from_u64(3);
    for n in 1..=16 {
        let cases = if n <= 10 { 3 } else { 1 };
        for d in 1..=4 {
            for with_eq in [false, true] {
                for case in 0..cases {
                    if n > 12 && (d > 2 || case > 0) {
                        continue;
                    }
                    let ncols = rng.random_range(1..=d + 1);
                    // Mix of all-base, all-ext and mixed columns.
                    let cols: Vec<Column> = (0..ncols)
                        .map(|i| rand_col(&mut rng, n, (case + i) % 3 == 2))
                        .collect();
                    let terms = rand_terms(&mut rng, d, ncols);
                    let r: Vec<EF> = (0..n).map(|_| rand_ef(&mut rng)).collect();
                    check_instance(&cols, &terms, with_eq.then_some(r.as_slice()), n);
                }
            }
        }
    }
}

#[test]
fn product_of_two_paths_match_reference() {
    let mut rng = StdRng::seed_from_u64(5);
    // Sizes on both sides of the packing width and the parallel threshold; base × base, and
    // the mixed instance (one column in `EF`, kept apart from the base one until the first
    // fold) in both orders.
    for n in [1, 2, 3, 5, 15, 16] {
        for (ext0, ext1) in [(false, false), (true, false), (false, true)] {
            for with_eq in [false, true] {
                let cols = vec![rand_col(&mut rng, n, ext0), rand_col(&mut rng, n, ext1)];
                let terms = [Term::new(rand_ef(&mut rng), vec![0, 1])];
                let r: Vec<EF> = (0..n).map(|_| rand_ef(&mut rng)).collect();
                check_instance(&cols, &terms, with_eq.then_some(r.as_slice()), n);
            }
        }
    }
}

#[test]
fn eq_point_with_zeros_and_ones() {
    // r_k ∈ {0, 1} exercises the path where g(1) cannot be derived by division.
    let mut rng = StdRng::seed_from_u64(9);
    let n = 6;
    let r: Vec<EF> = (0..n)
        .map(|k| if k % 2 == 0 { EF::ZERO } else { EF::ONE })
        .collect();
    let cols = vec![rand_col(&mut rng, n, false), rand_col(&mut rng, n, false)];
    check_instance(&cols, &[Term::new(EF::ONE, vec![0, 1])], Some(&r), n);
    check_instance(&cols, &[Term::new(EF::ONE, vec![0, 1, 1])], Some(&r), n);
}

#[test]
fn zero_variables_and_constant_terms() {
    let cols = vec![
        Column::Base(vec![F::from_u64(3)]),
        Column::Ext(vec![EF::from_u64(5)]),
    ];
    let terms = [Term::new(EF::TWO, vec![0, 1]), Term::new(EF::ONE, vec![])];
    check_instance(&cols, &terms, None, 0);
    check_instance(&[], &[Term::new(EF::TWO, vec![])], Some(&[]), 0);
}

#[test]
fn batched_roundtrip_with_different_sizes() {
    let mut rng = StdRng::seed_from_u64(11);
    let shapes: [(usize, usize, bool); 4] =
        [(6, 2, false), (6, 3, true), (4, 1, false), (0, 2, false)];
    let mut instances = Vec::new();
    for &(n, d, with_eq) in &shapes {
        let cols: Vec<Column> = (0..d).map(|_| rand_col(&mut rng, n, false)).collect();
        let terms = rand_terms(&mut rng, d, d);
        let eq_point = with_eq.then(|| (0..n).map(|_| rand_ef(&mut rng)).collect());
        instances.push(BatchInstance {
            columns: cols,
            terms,
            eq_point,
        });
    }
    let out = prove_batched(instances.clone(), &mut Transcript::new(b"b"));
    let claims: Vec<BatchClaim> = instances
        .iter()
        .zip(&out.claimed_sums)
        .map(|(i, &s)| BatchClaim {
            num_vars: i.columns[0].len().trailing_zeros() as usize,
            degree: i.terms.iter().map(|t| t.factors.len()).max().unwrap()
                + usize::from(i.eq_point.is_some()),
            claimed_sum: s,
        })
        .collect();
    // Each claimed sum is the true sum (the fast prover on its own agrees).
    for (i, &s) in instances.iter().zip(&out.claimed_sums) {
        let single = prove(
            i.columns.clone(),
            &i.terms,
            i.eq_point.as_deref(),
            &mut Transcript::new(b"x"),
        );
        assert_eq!(single.claimed_sum, s);
    }
    let sub = verify_batched(&claims, &out.proof, &mut Transcript::new(b"b")).unwrap();
    assert_eq!(sub.point, out.point);
    for (j, i) in instances.iter().enumerate() {
        let p = sub.instance_point(j).unwrap();
        for (c, e) in i.columns.iter().zip(&out.evals[j]) {
            assert_eq!(col_eval(c, p), *e);
        }
    }
    let openings: Vec<BatchOpening<'_>> = instances
        .iter()
        .zip(&out.evals)
        .map(|(i, e)| BatchOpening {
            terms: &i.terms,
            eq_point: i.eq_point.as_deref(),
            evals: e,
        })
        .collect();
    sub.check_products(&openings).unwrap();
}

#[test]
fn claim_reduction_roundtrip() {
    let mut rng = StdRng::seed_from_u64(13);
    for n in [0, 1, 5, 12] {
        for k in [1, 3] {
            for ext in [false, true] {
                let poly = rand_col(&mut rng, n, ext);
                let claims: Vec<(Vec<EF>, EF)> = (0..k)
                    .map(|_| {
                        let p: Vec<EF> = (0..n).map(|_| rand_ef(&mut rng)).collect();
                        let v = col_eval(&poly, &p);
                        (p, v)
                    })
                    .collect();
                let (proof, point, value) =
                    reduce_claims(poly.clone(), &claims, &mut Transcript::new(b"r"));
                assert_eq!(col_eval(&poly, &point), value);
                let got =
                    verify_reduce_claims(n, &claims, &proof, &mut Transcript::new(b"r")).unwrap();
                assert_eq!(got, (point, value));
            }
        }
    }
}
