//! Commitment data stored (serialized) and restored: the same transcript and proof as a fresh
//! commitment, and a clear error for data that does not fit.

use rand::{Rng, SeedableRng, rngs::StdRng};
use zkinfer_field::{BasedVectorSpace, EF, F, PrimeCharacteristicRing, Transcript};
use zkinfer_pcs::{ColumnClaim, Pcs, PcsConfig, PcsError, StoredData};

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

fn claims(rng: &mut StdRng, cols: &[Vec<F>]) -> Vec<ColumnClaim> {
    cols.iter()
        .enumerate()
        .map(|(c, col)| {
            let n = col.len().trailing_zeros() as usize;
            let point: Vec<EF> = (0..n)
                .map(|_| EF::from_basis_coefficients_fn(|_| F::from_u64(rng.random::<u64>() >> 1)))
                .collect();
            let value = zkinfer_poly::evaluate(col, &point);
            ColumnClaim {
                column: c,
                point,
                value,
            }
        })
        .collect()
}

fn stored(pcs: &Pcs, cols: &[Vec<F>]) -> StoredData {
    let (_, data) = pcs.commit(cols, &mut Transcript::new(b"setup")).unwrap();
    let bytes = bincode::serialize(&data.into_stored()).unwrap();
    bincode::deserialize(&bytes).unwrap()
}

#[test]
fn restored_data_opens_like_a_fresh_commitment() {
    let mut rng = StdRng::seed_from_u64(11);
    let pcs = Pcs::new(PcsConfig::default());
    let cols = columns(&mut rng, &[12, 3, 9, 9, 5]);
    let kept = stored(&pcs, &cols);
    let cl = claims(&mut rng, &cols);

    let mut t_fresh = Transcript::new(b"proof");
    let (fresh_com, fresh) = pcs.commit(&cols, &mut t_fresh).unwrap();
    let fresh_proof = pcs.open_owned(fresh, &cl, &mut t_fresh).unwrap();

    let mut t_kept = Transcript::new(b"proof");
    let restored = pcs.restore(&cols, &kept, &mut t_kept).unwrap();
    assert_eq!(restored.commitment(), &fresh_com);
    assert_eq!(kept.commitment(), &fresh_com);
    let kept_proof = pcs.open_owned(restored, &cl, &mut t_kept).unwrap();
    // The proof bytes may differ between two openings (p3's proof-of-work search runs in
    // parallel and may find another nonce), so both openings must verify against the fresh
    // commitment instead.
    for proof in [&kept_proof, &fresh_proof] {
        let mut tv = Transcript::new(b"proof");
        pcs.absorb_commitment(&fresh_com, &mut tv).unwrap();
        pcs.verify(&fresh_com, &cl, proof, &mut tv).unwrap();
    }
}

#[test]
fn data_of_other_columns_is_refused() {
    let mut rng = StdRng::seed_from_u64(12);
    let pcs = Pcs::new(PcsConfig::default());
    let cols = columns(&mut rng, &[10, 6]);
    let kept = stored(&pcs, &cols);

    let other_shape = columns(&mut rng, &[10, 7]);
    let err = pcs
        .restore(&other_shape, &kept, &mut Transcript::new(b"p"))
        .unwrap_err();
    assert!(matches!(err, PcsError::StoredData { .. }), "{err}");

    // Same shapes, other values: restored (the tree is not hashed again), but the verifier,
    // holding the stored commitment, rejects what the prover makes of it.
    let other_values = columns(&mut rng, &[10, 6]);
    let mut tp = Transcript::new(b"p");
    let data = pcs.restore(&other_values, &kept, &mut tp).unwrap();
    let cl = claims(&mut rng, &other_values);
    if let Ok(proof) = pcs.open_owned(data, &cl, &mut tp) {
        let mut tv = Transcript::new(b"p");
        pcs.absorb_commitment(kept.commitment(), &mut tv).unwrap();
        assert!(
            pcs.verify(kept.commitment(), &cl, &proof, &mut tv).is_err(),
            "an opening of other values against the stored commitment verified"
        );
    }

    // Other parameters: the codeword has another length.
    let rate2 = Pcs::new(PcsConfig {
        log_inv_rate: 1,
        ..PcsConfig::default()
    });
    let err = rate2
        .restore(&cols, &kept, &mut Transcript::new(b"p"))
        .unwrap_err();
    assert!(matches!(err, PcsError::StoredData { .. }), "{err}");
}
