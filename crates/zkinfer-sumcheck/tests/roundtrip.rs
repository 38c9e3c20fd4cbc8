use rand::{Rng, SeedableRng, rngs::StdRng};
use zkinfer_field::{BasedVectorSpace, EF, F, PrimeCharacteristicRing, Transcript};
use zkinfer_poly::evaluate;
use zkinfer_sumcheck::{Column, Term, prove, verify};

fn rand_ef(rng: &mut StdRng) -> EF {
    EF::from_basis_coefficients_fn(|_| F::from_u64(rng.random::<u64>() >> 1))
}

#[test]
fn prover_and_verifier_agree() {
    let mut rng = StdRng::seed_from_u64(3);
    for n in 1..=8 {
        for d in 1..=3 {
            for with_eq in [false, true] {
                let cols: Vec<Vec<F>> = (0..d + 1)
                    .map(|_| (0..1 << n).map(|_| F::from_u64(rng.random())).collect())
                    .collect();
                let terms = vec![
                    Term::new(rand_ef(&mut rng), (0..d).collect()),
                    Term::new(rand_ef(&mut rng), vec![d]),
                ];
                let r: Vec<EF> = (0..n).map(|_| rand_ef(&mut rng)).collect();
                let eq = with_eq.then_some(r.as_slice());
                let mut tp = Transcript::new(b"t");
                let out = prove(
                    cols.iter().cloned().map(Column::Base).collect(),
                    &terms,
                    eq,
                    &mut tp,
                );
                for (c, e) in cols.iter().zip(&out.evals) {
                    assert_eq!(evaluate(c, &out.point), *e);
                }
                let mut tv = Transcript::new(b"t");
                let degree = d + usize::from(with_eq);
                let sub = verify(n, degree, out.claimed_sum, &out.proof, &mut tv).unwrap();
                assert_eq!(sub.point, out.point);
                sub.check_products(&terms, eq, &out.evals).unwrap();
            }
        }
    }
}
