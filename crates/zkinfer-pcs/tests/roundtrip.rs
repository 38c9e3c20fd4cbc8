//! Commit/open/verify round trips over mixed column sizes.

use rand::{Rng, SeedableRng, rngs::StdRng};
use zkinfer_field::{BasedVectorSpace, EF, F, PrimeCharacteristicRing, Transcript};
use zkinfer_pcs::{ColumnClaim, Pcs, PcsConfig};

fn rand_ef(rng: &mut StdRng) -> EF {
    EF::from_basis_coefficients_fn(|_| F::from_u64(rng.random::<u64>() >> 1))
}

fn columns(rng: &mut StdRng, sizes: &[usize]) -> Vec<Vec<F>> {
    sizes
        .iter()
        .map(|&n| {
            (0..1usize << n)
                .map(|_| F::from_u64(rng.random::<u64>() >> 1))
                .collect()
        })
        .collect()
}

fn claims(rng: &mut StdRng, cols: &[Vec<F>], per_col: usize) -> Vec<ColumnClaim> {
    let mut out = Vec::new();
    for (c, col) in cols.iter().enumerate() {
        let n = col.len().trailing_zeros() as usize;
        for _ in 0..per_col {
            let point: Vec<EF> = (0..n).map(|_| rand_ef(rng)).collect();
            let value = zkinfer_poly::evaluate(col, &point);
            out.push(ColumnClaim {
                column: c,
                point,
                value,
            });
        }
    }
    out
}

fn round_trip(sizes: &[usize], per_col: usize, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let pcs = Pcs::new(PcsConfig::default());
    let cols = columns(&mut rng, sizes);
    let mut tp = Transcript::new(b"test");
    let (commitment, data) = pcs.commit(&cols, &mut tp).unwrap();
    let cl = claims(&mut rng, &cols, per_col);
    let proof = pcs.open(&data, &cl, &mut tp).unwrap();
    let mut tv = Transcript::new(b"test");
    pcs.absorb_commitment(&commitment, &mut tv).unwrap();
    pcs.verify(&commitment, &cl, &proof, &mut tv).unwrap();
    assert_eq!(tp.challenge(b"after"), tv.challenge(b"after"));
}

#[test]
fn one_column() {
    round_trip(&[10], 1, 1);
}

#[test]
fn tiny_columns() {
    round_trip(&[0], 1, 2);
    round_trip(&[0, 1, 2, 3], 2, 3);
}

#[test]
fn mixed_sizes() {
    round_trip(&[12, 3, 9, 9, 0, 5, 12, 7], 2, 4);
}
