//! Unit tests that need the seeded constructor.

use zkinfer_field::{BasedVectorSpace, EF, F, PrimeCharacteristicRing, Transcript};

use super::{HidingPcs, MIN_SECURITY_BITS};
use crate::{ColumnClaim, PcsConfig, PcsError};

fn columns() -> Vec<Vec<F>> {
    vec![
        (0..1u64 << 10).map(|i| F::from_u64(i * 7 + 1)).collect(),
        (0..1u64 << 3).map(F::from_u64).collect(),
    ]
}

fn claim(cols: &[Vec<F>]) -> Vec<ColumnClaim> {
    let point: Vec<EF> = (0..10u64)
        .map(|i| EF::from_basis_coefficients_fn(|j| F::from_u64(3 * i + j as u64 + 5)))
        .collect();
    vec![ColumnClaim {
        column: 0,
        value: zkinfer_poly::evaluate(&cols[0], &point),
        point,
    }]
}

/// All hiding randomness flows from the entropy source: one seed gives one root, another seed
/// another root. (Proofs are compared only for inequality: p3's parallel grinding may return
/// any valid proof-of-work witness, so two runs from one seed can differ after the first grind.
/// With the OS source, see tests/hiding.rs.)
#[test]
fn randomness_comes_only_from_the_entropy_source() {
    let cols = columns();
    let run = |seed| {
        let pcs = HidingPcs::seeded_for_tests(PcsConfig::default(), seed).unwrap();
        let mut t = Transcript::new(b"unit");
        let (c, data) = pcs.commit(&cols, &mut t).unwrap();
        let proof = pcs.open(data, &claim(&cols), &mut t).unwrap();
        let mut tv = Transcript::new(b"unit");
        pcs.absorb_commitment(&c, &mut tv).unwrap();
        pcs.verify(&c, &claim(&cols), &proof, &mut tv).unwrap();
        (c.root(), bincode::serialize(&proof).unwrap())
    };
    let a = run(1);
    assert!(a.0 == run(1).0, "one seed, two roots");
    let b = run(2);
    assert!(a.0 != b.0, "two seeds, one root");
    assert!(a.1 != b.1, "two seeds, one proof");
}

#[test]
fn weak_parameters_are_refused() {
    let weak = PcsConfig {
        security_bits: MIN_SECURITY_BITS - 1,
        ..PcsConfig::default()
    };
    assert_eq!(
        HidingPcs::new(weak).unwrap_err(),
        PcsError::SecurityTooLow {
            min: MIN_SECURITY_BITS,
            got: MIN_SECURITY_BITS - 1
        }
    );
}
