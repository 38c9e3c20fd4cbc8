//! Claim reductions of claims on linear combinations of evaluations, `Σ_t c_t·P(p_t) = v`
//! (a column committed as pieces): plain and masked, prover and verifier.

use rand::{SeedableRng, rngs::StdRng};
use zkinfer_field::{EF, F, PrimeCharacteristicRing, Transcript};
use zkinfer_poly::evaluate;
use zkinfer_sumcheck::zk::random_ext;
use zkinfer_sumcheck::{
    Column, MaskPool, MaskPoolVerifier, MaskedClaim, SumcheckError, WeightedPoint,
    reduce_claims_weighted, reduce_masked_claims_weighted, verify_reduce_claims_weighted,
    verify_reduce_masked_claims_weighted,
};

const N: usize = 6;
const POOL: usize = 1 << 13;

fn poly(rng: &mut StdRng) -> Vec<F> {
    (0..1 << N)
        .map(|_| F::from_u64(rand::Rng::random::<u64>(rng) >> 2))
        .collect()
}

fn point(rng: &mut StdRng) -> Vec<EF> {
    (0..N).map(|_| random_ext(rng)).collect()
}

fn lifted(p: &[F]) -> Vec<EF> {
    p.iter().map(|&x| EF::from(x)).collect()
}

/// Three claims with 1, 2 and 3 terms, their values the true combinations.
fn claims(rng: &mut StdRng, p: &[F]) -> Vec<(WeightedPoint, EF)> {
    let ext = lifted(p);
    (1..=3)
        .map(|k| {
            let terms: WeightedPoint = (0..k).map(|_| (random_ext(rng), point(rng))).collect();
            let v = terms.iter().map(|(c, q)| *c * evaluate(&ext, q)).sum();
            (terms, v)
        })
        .collect()
}

#[test]
fn plain_weighted_reduction_accepts_true_claims_and_rejects_changed_ones() {
    let mut rng = StdRng::seed_from_u64(11);
    let p = poly(&mut rng);
    let cs = claims(&mut rng, &p);
    let (proof, rho, v) =
        reduce_claims_weighted(Column::Base(p.clone()), &cs, &mut Transcript::new(b"w"));
    assert_eq!(v, evaluate(&lifted(&p), &rho), "the reduced claim is P(ρ)");
    let verify = |cs: &[(WeightedPoint, EF)]| {
        verify_reduce_claims_weighted(N, cs, &proof, &mut Transcript::new(b"w"))
    };
    assert_eq!(verify(&cs), Ok((rho.clone(), v)));
    // A changed value, coefficient, term point, a dropped term: rejected.
    let mut bad = cs.clone();
    bad[1].1 += EF::ONE;
    assert!(verify(&bad).is_err());
    let mut bad = cs.clone();
    bad[2].0[1].0 += EF::ONE;
    assert!(verify(&bad).is_err());
    let mut bad = cs.clone();
    bad[2].0[0].1[3] += EF::ONE;
    assert!(verify(&bad).is_err());
    let mut bad = cs.clone();
    bad[2].0.pop();
    assert!(verify(&bad).is_err());
    // A proof of false claims is rejected: a prover claiming a wrong combination.
    let mut wrong = cs.clone();
    wrong[0].1 += EF::ONE;
    let (p2, _, _) = reduce_claims_weighted(Column::Base(p), &wrong, &mut Transcript::new(b"w"));
    assert!(verify_reduce_claims_weighted(N, &wrong, &p2, &mut Transcript::new(b"w")).is_err());
    // Malformed input is an error, never a panic.
    let mut empty = cs.clone();
    empty[0].0.clear();
    assert_eq!(
        verify_reduce_claims_weighted(N, &empty, &p2, &mut Transcript::new(b"w")),
        Err(SumcheckError::Empty)
    );
    let mut short = cs;
    short[1].0[0].1.pop();
    assert!(matches!(
        verify_reduce_claims_weighted(N, &short, &p2, &mut Transcript::new(b"w")),
        Err(SumcheckError::WrongPointLength { index: 1, .. })
    ));
}

#[test]
fn masked_weighted_reduction_accepts_true_claims_and_rejects_changed_ones() {
    let mut rng = StdRng::seed_from_u64(12);
    let p = poly(&mut rng);
    let cs = claims(&mut rng, &p);
    let masked: Vec<MaskedClaim> = cs
        .iter()
        .map(|(_, v)| MaskedClaim::plain(Vec::new(), *v))
        .collect();
    let weighted: Vec<WeightedPoint> = cs.iter().map(|(w, _)| w.clone()).collect();
    let mut pool = MaskPool::random(POOL, &mut rng).unwrap();
    let (proof, out) = reduce_masked_claims_weighted(
        Column::Base(p.clone()),
        &masked,
        &weighted,
        false,
        &mut pool,
        &mut Transcript::new(b"m"),
    )
    .unwrap();
    assert_eq!(
        out.value,
        evaluate(&lifted(&p), &out.point),
        "unmasked: P(ρ)"
    );
    let verify = |masked: &[MaskedClaim], weighted: &[WeightedPoint]| {
        let mut pv = MaskPoolVerifier::new(POOL).unwrap();
        verify_reduce_masked_claims_weighted(
            N,
            masked,
            weighted,
            false,
            &proof,
            &mut pv,
            &mut Transcript::new(b"m"),
        )
    };
    let got = verify(&masked, &weighted).expect("accepted");
    assert_eq!((got.point, got.value), (out.point, out.value));
    let mut bad = masked.clone();
    bad[2].value += EF::ONE;
    assert!(verify(&bad, &weighted).is_err(), "a changed value");
    let mut bad = weighted.clone();
    bad[1][0].0 += EF::ONE;
    assert!(verify(&masked, &bad).is_err(), "a changed coefficient");
    let mut bad = weighted.clone();
    bad[0][0].1[0] += EF::ONE;
    assert!(verify(&masked, &bad).is_err(), "a changed term point");
    assert_eq!(
        verify(&masked, &weighted[..2]).unwrap_err(),
        SumcheckError::Empty,
        "one weighted point per claim"
    );
}

/// A reduction of a column of 2^20 (the size from which the prover never builds the weight table
/// at full length) on claims as a stack has them — Boolean selector coordinates first, on both
/// halves — and one at a random point: accepted, the reduced claim `P(ρ)`; a changed value or
/// term point rejected.
#[test]
fn masked_weighted_reduction_of_a_large_stack_accepts_and_rejects() {
    const BIG: usize = 20;
    let mut rng = StdRng::seed_from_u64(13);
    let p: Vec<F> = (0..1u64 << BIG)
        .map(|i| F::from_u64(i.wrapping_mul(0x9E37_79B9) >> 3))
        .collect();
    let ext = lifted(&p);
    let stacked = |rng: &mut StdRng, bits: &[u8]| -> Vec<EF> {
        let mut q: Vec<EF> = bits.iter().map(|&b| EF::from_u8(b)).collect();
        q.extend((bits.len()..BIG).map(|_| random_ext(rng)));
        q
    };
    let weighted: Vec<WeightedPoint> = vec![
        vec![(EF::ONE, stacked(&mut rng, &[0, 1]))],
        vec![
            (random_ext(&mut rng), stacked(&mut rng, &[1, 0, 1])),
            (random_ext(&mut rng), stacked(&mut rng, &[1, 1])),
        ],
        vec![(random_ext(&mut rng), stacked(&mut rng, &[]))],
    ];
    let masked: Vec<MaskedClaim> = weighted
        .iter()
        .map(|w| {
            let v = w.iter().map(|(c, q)| *c * evaluate(&ext, q)).sum();
            MaskedClaim::plain(Vec::new(), v)
        })
        .collect();
    let mut pool = MaskPool::random(POOL, &mut rng).unwrap();
    let (proof, out) = reduce_masked_claims_weighted(
        Column::Base(p),
        &masked,
        &weighted,
        false,
        &mut pool,
        &mut Transcript::new(b"big"),
    )
    .unwrap();
    assert_eq!(out.value, evaluate(&ext, &out.point), "unmasked: P(ρ)");
    let verify = |masked: &[MaskedClaim], weighted: &[WeightedPoint]| {
        let mut pv = MaskPoolVerifier::new(POOL).unwrap();
        verify_reduce_masked_claims_weighted(
            BIG,
            masked,
            weighted,
            false,
            &proof,
            &mut pv,
            &mut Transcript::new(b"big"),
        )
    };
    let got = verify(&masked, &weighted).expect("accepted");
    assert_eq!((got.point, got.value), (out.point, out.value));
    let mut bad = masked.clone();
    bad[1].value += EF::ONE;
    assert!(verify(&bad, &weighted).is_err(), "a changed value");
    let mut bad = weighted.clone();
    bad[1][1].1[5] += EF::ONE;
    assert!(verify(&masked, &bad).is_err(), "a changed term point");
}
