//! The hiding commitment: round trips, soundness (every corruption rejected with a typed error,
//! never a panic), and hiding (fresh randomness per commitment; no byte of commitment + opening
//! a fixed function of the committed data).

use rand::{Rng, SeedableRng, rngs::StdRng};
use zkinfer_field::{BasedVectorSpace, EF, F, Field, PrimeCharacteristicRing, Transcript};
use zkinfer_pcs::{
    ColumnClaim, FoldPlan, HidingCommitment, HidingOpeningProof, HidingPcs, HidingShape,
    MIN_SECURITY_BITS, Pcs, PcsConfig, PcsError, Soundness,
};

const CTX: &[u8] = b"hiding-test";

fn rand_f(rng: &mut StdRng) -> F {
    F::from_u64(rng.random::<u64>() >> 1)
}

fn rand_ef(rng: &mut StdRng) -> EF {
    EF::from_basis_coefficients_fn(|_| rand_f(rng))
}

fn columns(rng: &mut StdRng, sizes: &[usize]) -> Vec<Vec<F>> {
    sizes
        .iter()
        .map(|&n| (0..1usize << n).map(|_| rand_f(rng)).collect())
        .collect()
}

fn claims(rng: &mut StdRng, cols: &[Vec<F>], per_col: usize) -> Vec<ColumnClaim> {
    let mut out = Vec::new();
    for (column, col) in cols.iter().enumerate() {
        for _ in 0..per_col {
            let point: Vec<EF> = (0..col.len().trailing_zeros())
                .map(|_| rand_ef(rng))
                .collect();
            let value = zkinfer_poly::evaluate(col, &point);
            out.push(ColumnClaim {
                column,
                point,
                value,
            });
        }
    }
    out
}

fn pcs() -> HidingPcs {
    HidingPcs::new(PcsConfig::hiding_default()).unwrap()
}

/// Commit and open on a fresh transcript.
fn prove(
    pcs: &HidingPcs,
    cols: &[Vec<F>],
    claims: &[ColumnClaim],
) -> (HidingCommitment, HidingOpeningProof) {
    let mut t = Transcript::new(CTX);
    let (commitment, data) = pcs.commit(cols, &mut t).unwrap();
    let proof = pcs.open(data, claims, &mut t).unwrap();
    (commitment, proof)
}

fn verify(
    pcs: &HidingPcs,
    commitment: &HidingCommitment,
    claims: &[ColumnClaim],
    proof: &HidingOpeningProof,
) -> Result<(), PcsError> {
    let mut t = Transcript::new(CTX);
    pcs.absorb_commitment(commitment, &mut t)?;
    pcs.verify(commitment, claims, proof, &mut t)
}

fn round_trip(sizes: &[usize], per_col: usize, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let pcs = pcs();
    let cols = columns(&mut rng, sizes);
    let cl = claims(&mut rng, &cols, per_col);
    let mut tp = Transcript::new(CTX);
    let (commitment, data) = pcs.commit(&cols, &mut tp).unwrap();
    // The engine draws challenges between commit and open; the transcripts must stay in step.
    let between = tp.challenge(b"between");
    let proof = pcs.open(data, &cl, &mut tp).unwrap();
    assert_eq!(proof.values().len(), cl.len());
    let mut tv = Transcript::new(CTX);
    pcs.absorb_commitment(&commitment, &mut tv).unwrap();
    assert_eq!(between, tv.challenge(b"between"));
    pcs.verify(&commitment, &cl, &proof, &mut tv).unwrap();
    assert_eq!(tp.challenge(b"after"), tv.challenge(b"after"));
}

#[test]
fn round_trips() {
    round_trip(&[10], 1, 1);
    round_trip(&[0], 1, 2);
    round_trip(&[0, 1, 2, 3], 2, 3);
    round_trip(&[12, 3, 9, 9, 0, 5, 12, 7], 2, 4);
    round_trip(&[16], 3, 5);
}

#[test]
fn round_trips_over_column_counts() {
    let mut rng = StdRng::seed_from_u64(7);
    for count in [1, 2, 5, 17, 64] {
        let sizes: Vec<usize> = (0..count).map(|_| rng.random_range(0..=11)).collect();
        round_trip(&sizes, 1, count as u64);
    }
}

#[test]
fn false_claim_is_refused_by_the_prover() {
    let mut rng = StdRng::seed_from_u64(8);
    let pcs = pcs();
    let cols = columns(&mut rng, &[8, 4]);
    let mut cl = claims(&mut rng, &cols, 1);
    cl[1].value += EF::ONE;
    let mut t = Transcript::new(CTX);
    let (_, data) = pcs.commit(&cols, &mut t).unwrap();
    assert!(matches!(
        pcs.open(data, &cl, &mut t),
        Err(PcsError::ValueMismatch { claim: 1, .. })
    ));
}

#[test]
fn weak_parameters_are_refused() {
    for bits in [10, MIN_SECURITY_BITS - 1] {
        let config = PcsConfig {
            security_bits: bits,
            ..PcsConfig::hiding_default()
        };
        assert_eq!(
            HidingPcs::new(config).unwrap_err(),
            PcsError::SecurityTooLow {
                min: MIN_SECURITY_BITS,
                got: bits
            }
        );
    }
}

/// List-decoding regimes are refused: p3-whir's accounting of the masked base case certifies
/// fewer than 100 bits there.
#[test]
fn list_decoding_regimes_are_refused() {
    for soundness in [Soundness::JohnsonBound, Soundness::CapacityBound] {
        let config = PcsConfig {
            soundness,
            ..PcsConfig::hiding_default()
        };
        assert_eq!(
            HidingPcs::new(config).unwrap_err(),
            PcsError::HidingRegime { got: soundness }
        );
    }
}

// ---- soundness ----

struct Fixture {
    pcs: HidingPcs,
    cols: Vec<Vec<F>>,
    commitment: HidingCommitment,
    claims: Vec<ColumnClaim>,
    proof: HidingOpeningProof,
}

const SIZES: [usize; 4] = [11, 9, 3, 0];

fn fixture(seed: u64) -> Fixture {
    let mut rng = StdRng::seed_from_u64(seed);
    let pcs = pcs();
    let cols = columns(&mut rng, &SIZES);
    let claims = claims(&mut rng, &cols, 1);
    let (commitment, proof) = prove(&pcs, &cols, &claims);
    verify(&pcs, &commitment, &claims, &proof).expect("honest proof verifies");
    Fixture {
        pcs,
        cols,
        commitment,
        claims,
        proof,
    }
}

#[test]
fn tampered_proof_bytes_are_rejected() {
    let f = fixture(11);
    let bytes = bincode::serialize(&f.proof).unwrap();
    let mut rng = StdRng::seed_from_u64(12);
    let mut positions: Vec<usize> = (0..48).map(|_| rng.random_range(0..bytes.len())).collect();
    positions.extend([0, 8, 9, 20, bytes.len() / 2, bytes.len() - 1]);
    let mut rejected_by_verifier = 0;
    for pos in positions {
        let mut b = bytes.clone();
        b[pos] ^= 1 << (pos % 8);
        let Ok(proof) = bincode::deserialize::<HidingOpeningProof>(&b) else {
            continue; // a malformed encoding is rejected by decoding
        };
        let err = verify(&f.pcs, &f.commitment, &f.claims, &proof);
        assert!(
            err.is_err(),
            "flipped byte {pos} of {} accepted",
            bytes.len()
        );
        rejected_by_verifier += 1;
    }
    assert!(rejected_by_verifier > 30, "{rejected_by_verifier}");
    // Truncated and random proofs.
    for len in [0, 1, 16, bytes.len() / 3, bytes.len() - 1] {
        if let Ok(proof) = bincode::deserialize::<HidingOpeningProof>(&bytes[..len]) {
            assert!(verify(&f.pcs, &f.commitment, &f.claims, &proof).is_err());
        }
    }
}

#[test]
fn wrong_value_is_rejected() {
    let f = fixture(13);
    for i in 0..f.claims.len() {
        let mut claims = f.claims.clone();
        claims[i].value += EF::ONE;
        let err = verify(&f.pcs, &f.commitment, &claims, &f.proof).unwrap_err();
        assert!(
            matches!(err, PcsError::ValueMismatch { claim, .. } if claim == i),
            "{err:?}"
        );
    }
}

#[test]
fn wrong_value_in_claim_and_proof_is_rejected() {
    // Changing the claim *and* the value the proof carries leaves only WHIR to catch it.
    let f = fixture(14);
    let mut bytes = bincode::serialize(&f.proof).unwrap();
    // The proof is a byte string (8-byte length) whose varint encoding starts with the opened
    // values: their count (1 byte), then 16 bytes per value.
    bytes[9] ^= 1;
    let proof: HidingOpeningProof = bincode::deserialize(&bytes).unwrap();
    let mut claims = f.claims.clone();
    claims[0].value = proof.values()[0];
    assert_ne!(claims[0].value, f.claims[0].value);
    let err = verify(&f.pcs, &f.commitment, &claims, &proof).unwrap_err();
    assert!(matches!(err, PcsError::Whir { .. }), "{err:?}");
}

#[test]
fn wrong_point_is_rejected() {
    let f = fixture(15);
    let mut rng = StdRng::seed_from_u64(16);
    for i in 0..f.claims.len() {
        if f.claims[i].point.is_empty() {
            continue;
        }
        let mut claims = f.claims.clone();
        claims[i].point[0] = rand_ef(&mut rng);
        let err = verify(&f.pcs, &f.commitment, &claims, &f.proof).unwrap_err();
        assert!(matches!(err, PcsError::Whir { .. }), "{err:?}");
        // A point of the wrong length and a claim on a missing column.
        let mut claims = f.claims.clone();
        claims[i].point.push(EF::ONE);
        assert!(matches!(
            verify(&f.pcs, &f.commitment, &claims, &f.proof),
            Err(PcsError::PointLength { .. })
        ));
    }
    let mut claims = f.claims.clone();
    claims[0].column = 99;
    assert!(matches!(
        verify(&f.pcs, &f.commitment, &claims, &f.proof),
        Err(PcsError::ColumnOutOfRange { got: 99, .. })
    ));
    // Claims on another column of the same size.
    let mut claims = f.claims.clone();
    claims[0].column = 1;
    assert!(verify(&f.pcs, &f.commitment, &claims, &f.proof).is_err());
    assert!(matches!(
        verify(&f.pcs, &f.commitment, &[], &f.proof),
        Err(PcsError::NoClaims)
    ));
}

#[test]
fn swapped_commitment_and_other_proof_are_rejected() {
    let f = fixture(17);
    // The same columns committed again: a different root, and the proofs do not transfer.
    let (commitment2, proof2) = prove(&f.pcs, &f.cols, &f.claims);
    verify(&f.pcs, &commitment2, &f.claims, &proof2).unwrap();
    assert!(matches!(
        verify(&f.pcs, &commitment2, &f.claims, &f.proof),
        Err(PcsError::Whir { .. })
    ));
    assert!(matches!(
        verify(&f.pcs, &f.commitment, &f.claims, &proof2),
        Err(PcsError::Whir { .. })
    ));
    // Other data of the same shapes, with its own proof for its own claims at our points.
    let g = fixture(18);
    assert!(verify(&f.pcs, &g.commitment, &f.claims, &f.proof).is_err());
    assert!(verify(&f.pcs, &f.commitment, &g.claims, &g.proof).is_err());
    // A tampered root, and tampered shapes.
    let mut c = f.commitment.clone();
    let mut bytes = bincode::serialize(&c).unwrap();
    bytes[5] ^= 0x10;
    c = bincode::deserialize(&bytes).unwrap();
    assert!(matches!(
        verify(&f.pcs, &c, &f.claims, &f.proof),
        Err(PcsError::Whir { .. })
    ));
    bytes[5] ^= 0x10;
    bytes[40] ^= 1; // the first column's number of variables
    c = bincode::deserialize(&bytes).unwrap();
    assert!(verify(&f.pcs, &c, &f.claims, &f.proof).is_err());
    assert_ne!(c.digest(), f.commitment.digest());
}

#[test]
fn another_transcript_or_configuration_is_rejected() {
    let f = fixture(19);
    let mut t = Transcript::new(b"another context");
    f.pcs.absorb_commitment(&f.commitment, &mut t).unwrap();
    assert!(
        f.pcs
            .verify(&f.commitment, &f.claims, &f.proof, &mut t)
            .is_err()
    );
    let other = HidingPcs::new(PcsConfig {
        pow_bits: 17,
        ..PcsConfig::hiding_default()
    })
    .unwrap();
    assert!(verify(&other, &f.commitment, &f.claims, &f.proof).is_err());
}

#[test]
fn a_plain_commitment_is_not_a_hiding_one() {
    let f = fixture(20);
    let plain = Pcs::new(PcsConfig::default());
    let mut t = Transcript::new(CTX);
    let (pc, _) = plain.commit(&f.cols, &mut t).unwrap();
    let c: HidingCommitment = bincode::deserialize(&bincode::serialize(&pc).unwrap()).unwrap();
    assert!(verify(&f.pcs, &c, &f.claims, &f.proof).is_err());
    assert_ne!(c.digest(), pc.digest());
}

// ---- hiding ----

#[test]
fn same_columns_twice_give_different_roots_and_openings() {
    let f = fixture(21);
    let (c2, p2) = prove(&f.pcs, &f.cols, &f.claims);
    assert_ne!(c2.root(), f.commitment.root());
    assert_ne!(c2.digest(), f.commitment.digest());
    let a = bincode::serialize(&f.proof).unwrap();
    let b = bincode::serialize(&p2).unwrap();
    assert_ne!(a, b);
    // The opened values are the claims'; beyond them the two openings share no 32-byte window.
    let skip = 8 + 16 * f.claims.len();
    let windows: std::collections::HashSet<&[u8]> = a[skip..].windows(32).collect();
    let shared = b[skip..]
        .windows(32)
        .filter(|w| windows.contains(w))
        .count();
    assert!(shared < 8, "{shared} shared 32-byte windows");
}

/// Commits to columns and opens claims; returns the bytes of commitment ‖ opening.
type CommitOpen<'a> = dyn Fn(&[Vec<F>], &[ColumnClaim]) -> Vec<u8> + 'a;

/// Columns, one per committed column.
type Columns = Vec<Vec<F>>;

/// Bytes of commitment ‖ opening for `runs` commitments of `cols` with the claims at `points`.
fn transcripts(
    commit_open: &CommitOpen<'_>,
    cols: &[Vec<F>],
    points: &[Vec<EF>],
    runs: usize,
) -> Vec<Vec<u8>> {
    let claims: Vec<ColumnClaim> = points
        .iter()
        .enumerate()
        .map(|(column, point)| ColumnClaim {
            column,
            point: point.clone(),
            value: zkinfer_poly::evaluate(&cols[column], point),
        })
        .collect();
    (0..runs).map(|_| commit_open(cols, &claims)).collect()
}

/// Byte positions (below the shortest run) that are constant within each data set but differ
/// between them: positions that are a fixed function of the data.
fn data_determined_positions(a: &[Vec<u8>], b: &[Vec<u8>]) -> Vec<usize> {
    let len = a.iter().chain(b).map(Vec::len).min().unwrap_or(0);
    (0..len)
        .filter(|&j| {
            let fixed_a = a.iter().all(|r| r[j] == a[0][j]);
            let fixed_b = b.iter().all(|r| r[j] == b[0][j]);
            fixed_a && fixed_b && a[0][j] != b[0][j]
        })
        .collect()
}

/// Two data sets with the same evaluation at base-field points (so the revealed values agree):
/// `B = A + Δ` where each `Δ̃_c(p_c) = 0`.
fn twin_data_sets(rng: &mut StdRng) -> (Columns, Columns, Vec<Vec<EF>>) {
    let a = columns(rng, &SIZES);
    let mut b = Vec::new();
    let mut points = Vec::new();
    for col in &a {
        let n = col.len().trailing_zeros() as usize;
        let p: Vec<F> = (0..n).map(|_| rand_f(rng)).collect();
        let eq = zkinfer_poly::eq_table_scaled(&p, F::ONE);
        let mut delta: Vec<F> = (0..col.len()).map(|_| rand_f(rng)).collect();
        let rest: F = delta.iter().zip(&eq).skip(1).map(|(&d, &e)| d * e).sum();
        delta[0] = -rest * eq[0].inverse();
        b.push(col.iter().zip(&delta).map(|(&x, &d)| x + d).collect());
        points.push(p.into_iter().map(EF::from).collect());
    }
    (a, b, points)
}

const RUNS: usize = 10;

#[test]
fn no_byte_of_commitment_and_opening_is_a_function_of_the_data() {
    let mut rng = StdRng::seed_from_u64(22);
    let (a, b, points) = twin_data_sets(&mut rng);
    assert_ne!(a, b);
    let pcs = pcs();
    let hiding = |cols: &[Vec<F>], claims: &[ColumnClaim]| {
        let (c, p) = prove(&pcs, cols, claims);
        let mut bytes = bincode::serialize(&c).unwrap();
        bytes.extend(bincode::serialize(&p).unwrap());
        bytes
    };
    let ta = transcripts(&hiding, &a, &points, RUNS);
    let tb = transcripts(&hiding, &b, &points, RUNS);
    let positions = data_determined_positions(&ta, &tb);
    assert!(
        positions.is_empty(),
        "positions fixed by the data: {positions:?}"
    );
}

/// The same test on the plain (binding, not hiding) commitment finds the data: it can fail.
#[test]
fn the_statistical_test_catches_the_plain_commitment() {
    let mut rng = StdRng::seed_from_u64(23);
    let (a, b, points) = twin_data_sets(&mut rng);
    let plain = Pcs::new(PcsConfig::default());
    let run = |cols: &[Vec<F>], claims: &[ColumnClaim]| {
        let mut t = Transcript::new(CTX);
        let (c, data) = plain.commit(cols, &mut t).unwrap();
        let p = plain.open_owned(data, claims, &mut t).unwrap();
        let mut bytes = bincode::serialize(&c).unwrap();
        bytes.extend(bincode::serialize(&p).unwrap());
        bytes
    };
    let ta = transcripts(&run, &a, &points, 3);
    let tb = transcripts(&run, &b, &points, 3);
    let positions = data_determined_positions(&ta, &tb);
    assert!(positions.len() > 32, "{}", positions.len());
}

// ---- shapes (fold plan, later-round rate), soundness level, encoding ----

/// The default shape reports at least 100 bits at every stack size from 2^10 to 2^24 in the
/// unique-decoding regime, in p3-whir's accounting (base-case report and every round's
/// query/grinding budget) and with every round at its randomized code's real rate; the first
/// version's shape in p3's accounting.
#[test]
fn hiding_default_reports_100_bits_in_unique_decoding() {
    let config = PcsConfig::hiding_default();
    assert_eq!(config.soundness, Soundness::UniqueDecoding);
    config.check_min_security().unwrap();
    for shape in [HidingShape::default(), HidingShape::first_version()] {
        let pcs = HidingPcs::with_shape(config, shape).unwrap();
        for n in 10..=24 {
            let (p3_bits, randomized) = pcs.proven_bits(&[n]).unwrap();
            println!("{shape:?} 2^{n}: {p3_bits:.2} / {randomized:.2}");
            assert!(p3_bits >= 100.0, "{shape:?} 2^{n}: {p3_bits}");
            if shape == HidingShape::default() {
                // The default also sizes every round at its randomized code's real rate.
                assert!(randomized >= 100.0, "{shape:?} 2^{n}: {randomized}");
            }
        }
    }
    // Without that accounting, p3's budget loses bits at the randomized rate on some small
    // stacks (which ones depends on the fold plan: 2^13 when p3 sent at 6 variables).
    let lax = HidingPcs::with_shape(
        config,
        HidingShape {
            account_randomness: false,
            ..HidingShape::default()
        },
    )
    .unwrap();
    let short: Vec<(usize, f64)> = (10..=24)
        .filter_map(|n| {
            let (p3_bits, randomized) = lax.proven_bits(&[n]).unwrap();
            assert!(p3_bits >= 100.0, "lax 2^{n}: {p3_bits}");
            (randomized < 100.0).then_some((n, randomized))
        })
        .collect();
    println!("without the randomized-rate accounting, under 100 bits: {short:?}");
    assert!(!short.is_empty(), "the accounting changes nothing");
}

/// Other shapes round-trip, and a proof made under one shape is refused by a verifier using
/// another (the shape is absorbed into the transcript and fixes the protocol).
#[test]
fn shapes_round_trip_and_are_bound() {
    let mut rng = StdRng::seed_from_u64(41);
    let cols = columns(&mut rng, &[13, 12, 4]);
    let cl = claims(&mut rng, &cols, 1);
    let shapes = [
        HidingShape::default(),
        HidingShape::first_version(),
        HidingShape {
            folds: FoldPlan::Rounds(1),
            ..HidingShape::default()
        },
    ];
    let mut proofs = Vec::new();
    for shape in shapes {
        let pcs = HidingPcs::with_shape(PcsConfig::hiding_default(), shape).unwrap();
        let (c, p) = prove(&pcs, &cols, &cl);
        verify(&pcs, &c, &cl, &p).unwrap();
        proofs.push((pcs, c, p));
    }
    for (i, (pcs, _, _)) in proofs.iter().enumerate() {
        for (j, (_, c, p)) in proofs.iter().enumerate() {
            if i != j {
                assert!(verify(pcs, c, &cl, p).is_err(), "shape {j} accepted as {i}");
            }
        }
    }
}

/// The opening proof's encoding is one byte string (varint lengths inside): it round-trips,
/// and trailing or missing bytes are refused by decoding.
#[test]
fn the_compact_encoding_round_trips_and_refuses_trailing_bytes() {
    let f = fixture(43);
    let wire = f.proof.to_wire();
    let back = HidingOpeningProof::from_wire(&wire).unwrap();
    verify(&f.pcs, &f.commitment, &f.claims, &back).unwrap();
    let bytes = bincode::serialize(&f.proof).unwrap();
    assert_eq!(bytes.len(), 8 + wire.len());
    let mut longer = wire.clone();
    longer.push(0);
    assert!(HidingOpeningProof::from_wire(&longer).is_err());
    assert!(HidingOpeningProof::from_wire(&wire[..wire.len() - 1]).is_err());
}

/// A claim on the stacked polynomial itself (at a point with random selector coordinates) opens
/// with the column claims; the lift agrees between prover and verifier and with the columns'
/// own evaluations; a wrong stack value, a stack point of the wrong length, or dropping the
/// stack claim are rejected.
#[test]
fn stack_claims_open_and_a_wrong_one_is_rejected() {
    use zkinfer_pcs::StackClaim;
    let mut rng = StdRng::seed_from_u64(91);
    let pcs = pcs();
    let cols = columns(&mut rng, &[9, 6, 4]);
    let cl = claims(&mut rng, &cols, 1);
    let mut tp = Transcript::new(CTX);
    let (commitment, data) = pcs.commit(&cols, &mut tp).unwrap();
    // The lift: each column claim is the stack's value at the lifted point.
    let lifted = data.lift(&cl).unwrap();
    let (vars, lifted_v) = pcs.lift(&commitment, &cl).unwrap();
    assert_eq!(lifted, lifted_v);
    assert_eq!(vars, data.stacked_vars());
    assert_eq!(data.stacked_values().len(), 1 << vars);
    for (c, p) in cl.iter().zip(&lifted) {
        assert_eq!(zkinfer_poly::evaluate(data.stacked_values(), p), c.value);
    }
    let point: Vec<EF> = (0..vars).map(|_| rand_ef(&mut rng)).collect();
    let value = zkinfer_poly::evaluate(data.stacked_values(), &point);
    let stack = [StackClaim { point, value }];
    let proof = pcs.open_with_stack(data, &cl, &stack, &mut tp).unwrap();
    let check = |claims: &[ColumnClaim], stack: &[StackClaim]| {
        let mut t = Transcript::new(CTX);
        pcs.absorb_commitment(&commitment, &mut t)?;
        pcs.verify_with_stack(&commitment, claims, stack, &proof, &mut t)
    };
    check(&cl, &stack).unwrap();
    let mut wrong = stack.clone();
    wrong[0].value += EF::ONE;
    assert!(matches!(
        check(&cl, &wrong),
        Err(PcsError::ValueMismatch { .. })
    ));
    let mut short = stack.clone();
    short[0].point.pop();
    assert!(matches!(
        check(&cl, &short),
        Err(PcsError::PointLength { .. })
    ));
    assert!(check(&cl, &[]).is_err());
    // The prover refuses a false stack claim.
    let mut t = Transcript::new(CTX);
    let (_, data) = pcs.commit(&cols, &mut t).unwrap();
    let mut false_claim = stack.clone();
    false_claim[0].point = (0..vars).map(|_| rand_ef(&mut rng)).collect();
    assert!(
        pcs.open_with_stack(data, &cl, &false_claim, &mut t)
            .is_err()
    );
}
