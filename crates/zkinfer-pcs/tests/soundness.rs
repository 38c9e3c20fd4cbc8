//! Every corruption of a commitment, a claim or an opening proof is rejected with a typed error,
//! never a panic.

use rand::{Rng, SeedableRng, rngs::StdRng};
use zkinfer_field::{BasedVectorSpace, EF, F, PrimeCharacteristicRing, Transcript};
use zkinfer_pcs::{ColumnClaim, Commitment, OpeningProof, Pcs, PcsConfig, PcsError};

const CTX: &[u8] = b"soundness";

fn rand_ef(rng: &mut StdRng) -> EF {
    EF::from_basis_coefficients_fn(|_| F::from_u64(rng.random::<u64>() >> 1))
}

struct Fixture {
    pcs: Pcs,
    commitment: Commitment,
    claims: Vec<ColumnClaim>,
    proof: OpeningProof,
}

fn fixture(sizes: &[usize]) -> Fixture {
    let mut rng = StdRng::seed_from_u64(42);
    let pcs = Pcs::new(PcsConfig::default());
    let cols: Vec<Vec<F>> = sizes
        .iter()
        .map(|&n| {
            (0..1usize << n)
                .map(|_| F::from_u64(rng.random::<u64>() >> 1))
                .collect()
        })
        .collect();
    let mut t = Transcript::new(CTX);
    let (commitment, data) = pcs.commit(&cols, &mut t).unwrap();
    let claims: Vec<ColumnClaim> = cols
        .iter()
        .enumerate()
        .map(|(column, col)| {
            let point: Vec<EF> = (0..col.len().trailing_zeros())
                .map(|_| rand_ef(&mut rng))
                .collect();
            let value = zkinfer_poly::evaluate(col, &point);
            ColumnClaim {
                column,
                point,
                value,
            }
        })
        .collect();
    let proof = pcs.open(&data, &claims, &mut t).unwrap();
    let f = Fixture {
        pcs,
        commitment,
        claims,
        proof,
    };
    f.verify(&f.commitment, &f.claims, &f.proof)
        .expect("honest proof verifies");
    f
}

impl Fixture {
    fn verify(
        &self,
        commitment: &Commitment,
        claims: &[ColumnClaim],
        proof: &OpeningProof,
    ) -> Result<(), PcsError> {
        let mut t = Transcript::new(CTX);
        self.pcs.absorb_commitment(commitment, &mut t)?;
        self.pcs.verify(commitment, claims, proof, &mut t)
    }
}

const SIZES: [usize; 5] = [12, 9, 9, 3, 0];

#[test]
fn tampered_commitment_root_is_rejected() {
    let f = fixture(&SIZES);
    for byte in [0, 7, zkinfer_pcs::DIGEST_BYTES - 1] {
        let mut c = f.commitment.clone();
        let mut bytes = bincode::serialize(&c).unwrap();
        bytes[byte] ^= 1;
        c = bincode::deserialize(&bytes).unwrap();
        assert_ne!(c.root(), f.commitment.root());
        let err = f.verify(&c, &f.claims, &f.proof).unwrap_err();
        assert!(matches!(err, PcsError::Whir { .. }), "{err:?}");
    }
}

#[test]
fn tampered_commitment_shapes_are_rejected() {
    let f = fixture(&SIZES);
    let bytes = bincode::serialize(&f.commitment).unwrap();
    // Root (`DIGEST_BYTES`) + vec length (8) + num_vars (4 each): change each column's size.
    for col in 0..SIZES.len() {
        let mut b = bytes.clone();
        b[zkinfer_pcs::DIGEST_BYTES + 8 + 4 * col] ^= 1;
        let c: Commitment = bincode::deserialize(&b).unwrap();
        let err = f.verify(&c, &f.claims, &f.proof).unwrap_err();
        assert!(
            matches!(
                err,
                PcsError::PointLength { .. }
                    | PcsError::Whir { .. }
                    | PcsError::ColumnTooLarge { .. }
            ),
            "{err:?}"
        );
        assert_ne!(c.digest(), f.commitment.digest());
    }
    // A huge column size, and no columns at all.
    let mut b = bytes.clone();
    b[zkinfer_pcs::DIGEST_BYTES + 11] = 0x7f;
    let c: Commitment = bincode::deserialize(&b).unwrap();
    assert!(matches!(
        f.verify(&c, &f.claims, &f.proof),
        Err(PcsError::ColumnTooLarge { column: 0, .. })
    ));
    let d = zkinfer_pcs::DIGEST_BYTES;
    let mut b = bytes[..d + 8].to_vec();
    b[d..d + 8].copy_from_slice(&0u64.to_le_bytes());
    let c: Commitment = bincode::deserialize(&b).unwrap();
    assert_eq!(f.verify(&c, &f.claims, &f.proof), Err(PcsError::NoColumns));
}

#[test]
fn wrong_value_is_rejected() {
    let f = fixture(&SIZES);
    for i in 0..f.claims.len() {
        let mut claims = f.claims.clone();
        claims[i].value += EF::ONE;
        let err = f.verify(&f.commitment, &claims, &f.proof).unwrap_err();
        assert!(
            matches!(err, PcsError::ValueMismatch { claim, .. } if claim == i),
            "{err:?}"
        );
    }
}

#[test]
fn wrong_point_is_rejected() {
    let f = fixture(&SIZES);
    for i in 0..f.claims.len() - 1 {
        for k in [0, f.claims[i].point.len() - 1] {
            let mut claims = f.claims.clone();
            claims[i].point[k] += EF::ONE;
            let err = f.verify(&f.commitment, &claims, &f.proof).unwrap_err();
            assert!(matches!(err, PcsError::Whir { .. }), "{err:?}");
        }
    }
}

#[test]
fn wrong_column_is_rejected() {
    let f = fixture(&SIZES);
    // Columns 1 and 2 have the same size: swap the claims' columns.
    let mut claims = f.claims.clone();
    claims[1].column = 2;
    claims[2].column = 1;
    assert!(matches!(
        f.verify(&f.commitment, &claims, &f.proof),
        Err(PcsError::Whir { .. })
    ));
    let mut claims = f.claims.clone();
    claims[0].column = 99;
    assert_eq!(
        f.verify(&f.commitment, &claims, &f.proof),
        Err(PcsError::ColumnOutOfRange {
            claim: 0,
            columns: SIZES.len(),
            got: 99
        })
    );
    let mut claims = f.claims.clone();
    claims[0].point.pop();
    assert_eq!(
        f.verify(&f.commitment, &claims, &f.proof),
        Err(PcsError::PointLength {
            claim: 0,
            expected: 12,
            got: 11
        })
    );
}

#[test]
fn missing_or_extra_claims_are_rejected() {
    let f = fixture(&SIZES);
    let fewer = &f.claims[..f.claims.len() - 1];
    assert!(matches!(
        f.verify(&f.commitment, fewer, &f.proof),
        Err(PcsError::ProofShape { .. })
    ));
    let mut more = f.claims.clone();
    more.push(f.claims[0].clone());
    assert!(matches!(
        f.verify(&f.commitment, &more, &f.proof),
        Err(PcsError::ProofShape { .. })
    ));
    assert_eq!(
        f.verify(&f.commitment, &[], &f.proof),
        Err(PcsError::NoClaims)
    );
}

#[test]
fn replay_in_another_transcript_is_rejected() {
    let f = fixture(&SIZES);
    let mut t = Transcript::new(b"another proof");
    f.pcs.absorb_commitment(&f.commitment, &mut t).unwrap();
    assert!(matches!(
        f.pcs.verify(&f.commitment, &f.claims, &f.proof, &mut t),
        Err(PcsError::Whir { .. })
    ));
}

#[test]
fn proof_for_other_columns_is_rejected() {
    let f = fixture(&SIZES);
    let g = {
        // Same shapes, other data.
        let mut rng = StdRng::seed_from_u64(7);
        let cols: Vec<Vec<F>> = SIZES
            .iter()
            .map(|&n| {
                (0..1usize << n)
                    .map(|_| F::from_u64(rng.random::<u64>() >> 1))
                    .collect()
            })
            .collect();
        let mut t = Transcript::new(CTX);
        let (c, d) = f.pcs.commit(&cols, &mut t).unwrap();
        let claims: Vec<ColumnClaim> = f
            .claims
            .iter()
            .map(|cl| ColumnClaim {
                value: zkinfer_poly::evaluate(&cols[cl.column], &cl.point),
                ..cl.clone()
            })
            .collect();
        (c, f.pcs.open(&d, &claims, &mut t).unwrap(), claims)
    };
    // The other commitment's proof against ours, with its (true for it) values.
    assert!(f.verify(&f.commitment, &g.2, &g.1).is_err());
    // Our proof against the other root.
    assert!(f.verify(&g.0, &f.claims, &f.proof).is_err());
}

/// Flips one bit at many positions of the serialized proof: every variant that still decodes is
/// rejected, by a typed error, without a panic (not even one caught inside the verifier).
#[test]
fn flipped_proof_bytes_are_rejected() {
    let f = fixture(&SIZES);
    let bytes = bincode::serialize(&f.proof).unwrap();
    let mut rng = StdRng::seed_from_u64(3);
    let mut positions: Vec<usize> = (0..bytes.len()).step_by(97).collect();
    positions.extend((0..300).map(|_| rng.random_range(0..bytes.len())));
    positions.extend(0..64); // The head: lengths and the opened values.
    let (mut decoded, mut panicked) = (0, Vec::new());
    for &pos in &positions {
        for bit in [0u8, 5] {
            let mut b = bytes.clone();
            b[pos] ^= 1 << bit;
            let Ok(proof) = bincode::deserialize::<OpeningProof>(&b) else {
                continue;
            };
            decoded += 1;
            match f.verify(&f.commitment, &f.claims, &proof) {
                Ok(()) => panic!("flip at byte {pos} bit {bit} accepted"),
                Err(PcsError::VerifierPanicked { reason }) => panicked.push((pos, reason)),
                Err(_) => {}
            }
        }
    }
    assert!(
        decoded > positions.len(),
        "most flips should still decode ({decoded})"
    );
    assert!(
        panicked.is_empty(),
        "p3-whir panicked (caught) on: {panicked:?}"
    );
}

#[test]
fn truncated_proofs_do_not_decode_or_are_rejected() {
    let f = fixture(&SIZES);
    let bytes = bincode::serialize(&f.proof).unwrap();
    for cut in [0, 1, 8, bytes.len() / 3, bytes.len() - 1] {
        if let Ok(proof) = bincode::deserialize::<OpeningProof>(&bytes[..cut]) {
            assert!(f.verify(&f.commitment, &f.claims, &proof).is_err());
        }
    }
}
