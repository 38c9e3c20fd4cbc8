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

#[test]
fn sixty_four_random_columns() {
    let mut rng = StdRng::seed_from_u64(5);
    let sizes: Vec<usize> = (0..64).map(|_| rng.random_range(0..=14)).collect();
    round_trip(&sizes, 1, 6);
}

#[test]
fn many_column_counts() {
    let mut rng = StdRng::seed_from_u64(7);
    for count in [1, 2, 3, 5, 17, 33] {
        let sizes: Vec<usize> = (0..count).map(|_| rng.random_range(0..=11)).collect();
        round_trip(&sizes, 2, count as u64);
    }
}

#[test]
fn big_column_with_small_ones() {
    // 2^22 elements plus a tail of small columns: the stack is 2^23.
    let mut sizes = vec![22, 20, 16];
    sizes.extend([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    round_trip(&sizes, 1, 8);
}

#[test]
fn other_parameters() {
    let mut rng = StdRng::seed_from_u64(9);
    for config in [
        PcsConfig {
            folding_factor: 5,
            ..PcsConfig::default()
        },
        PcsConfig {
            log_inv_rate: 2,
            ..PcsConfig::default()
        },
        PcsConfig {
            folding_factor: 3,
            log_inv_rate: 3,
            ..PcsConfig::default()
        },
    ] {
        let pcs = Pcs::new(config);
        let cols = columns(&mut rng, &[13, 6, 2, 0]);
        let mut tp = Transcript::new(b"p");
        let (commitment, data) = pcs.commit(&cols, &mut tp).unwrap();
        let cl = claims(&mut rng, &cols, 2);
        let proof = pcs.open_owned(data, &cl, &mut tp).unwrap();
        let mut tv = Transcript::new(b"p");
        pcs.absorb_commitment(&commitment, &mut tv).unwrap();
        pcs.verify(&commitment, &cl, &proof, &mut tv).unwrap();
    }
}

#[test]
fn commit_is_deterministic_and_opens_repeatedly() {
    let mut rng = StdRng::seed_from_u64(10);
    let pcs = Pcs::new(PcsConfig::default());
    let cols = columns(&mut rng, &[9, 4, 4]);
    let (c1, data) = pcs.commit(&cols, &mut Transcript::new(b"a")).unwrap();
    let (c2, _) = pcs
        .commit(&cols, &mut Transcript::new(b"other context"))
        .unwrap();
    assert_eq!(c1.root(), c2.root());
    assert_eq!(c1.digest(), c2.digest());
    // The same prover data answers two independent proofs.
    for seed in 0..2 {
        let cl = claims(&mut StdRng::seed_from_u64(seed), &cols, 1);
        let mut tp = Transcript::new(b"a");
        pcs.absorb_commitment(&c1, &mut tp).unwrap();
        let proof = pcs.open(&data, &cl, &mut tp).unwrap();
        let mut tv = Transcript::new(b"a");
        pcs.absorb_commitment(&c1, &mut tv).unwrap();
        pcs.verify(&c1, &cl, &proof, &mut tv).unwrap();
    }
}

#[test]
fn prover_rejects_bad_input() {
    use zkinfer_pcs::PcsError;
    let pcs = Pcs::new(PcsConfig::default());
    let mut t = Transcript::new(b"");
    assert_eq!(pcs.commit(&[], &mut t).unwrap_err(), PcsError::NoColumns);
    assert_eq!(
        pcs.commit(&[vec![F::ONE; 3]], &mut t).unwrap_err(),
        PcsError::ColumnNotPowerOfTwo { column: 0, len: 3 }
    );
    let cols = vec![vec![F::ONE; 16]];
    let (_, data) = pcs.commit(&cols, &mut t).unwrap();
    let wrong = ColumnClaim {
        column: 0,
        point: vec![EF::ZERO; 4],
        value: EF::TWO,
    };
    assert!(matches!(
        pcs.open(&data, &[wrong], &mut t),
        Err(PcsError::ValueMismatch { claim: 0, .. })
    ));
    assert_eq!(
        pcs.open(&data, &[], &mut t).unwrap_err(),
        PcsError::NoClaims
    );
}

#[test]
fn claims_on_some_columns_repeated_and_out_of_order() {
    let mut rng = StdRng::seed_from_u64(11);
    let pcs = Pcs::new(PcsConfig::default());
    let cols = columns(&mut rng, &[10, 2, 7, 7, 0, 12]);
    let mut all = claims(&mut rng, &cols, 2);
    // Keep claims on columns 5, 3 and 4 only, in that order, with one claim repeated.
    all.retain(|c| [3, 4, 5].contains(&c.column));
    all.reverse();
    all.push(all[0].clone());
    let mut tp = Transcript::new(b"s");
    let (commitment, data) = pcs.commit(&cols, &mut tp).unwrap();
    let proof = pcs.open(&data, &all, &mut tp).unwrap();
    let mut tv = Transcript::new(b"s");
    pcs.absorb_commitment(&commitment, &mut tv).unwrap();
    pcs.verify(&commitment, &all, &proof, &mut tv).unwrap();
}
