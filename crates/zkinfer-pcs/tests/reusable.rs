//! The reusable hiding commitment (private weights committed at setup, opened by every proof):
//! `uses` openings of one commitment at different points all verify; every corruption is
//! rejected; opening number `uses + 1` is refused; no byte of commitment + openings is a fixed
//! function of the committed data (and the same test catches the plain commitment); a budget
//! that does not fit is a clear error.

use rand::{Rng, SeedableRng, rngs::StdRng};
use zkinfer_field::{BasedVectorSpace, EF, F, Field, PrimeCharacteristicRing, Transcript};
use zkinfer_pcs::{
    ColumnClaim, HidingOpeningProof, HidingPcs, HidingShape, Pcs, PcsConfig, PcsError,
    ReusableCommitment, ReusableCommittedData, StackClaim,
};

const CTX: &[u8] = b"reusable-test";
const SIZES: [usize; 3] = [10, 9, 6];
/// Columns that leave almost half of their stack (2^15) unused: enough for `USES` openings'
/// randomness in every limb's free tail (proof format 20).
const TAIL_SIZES: [usize; 2] = [14, 6];
const USES: usize = 4;

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

fn claims(rng: &mut StdRng, cols: &[Vec<F>]) -> Vec<ColumnClaim> {
    cols.iter()
        .enumerate()
        .map(|(column, col)| {
            let point: Vec<EF> = (0..col.len().trailing_zeros())
                .map(|_| rand_ef(rng))
                .collect();
            let value = zkinfer_poly::evaluate(col, &point);
            ColumnClaim {
                column,
                point,
                value,
            }
        })
        .collect()
}

fn pcs() -> HidingPcs {
    HidingPcs::new(PcsConfig::hiding_default()).unwrap()
}

fn in_encoding() -> HidingPcs {
    HidingPcs::with_shape(
        PcsConfig::hiding_default(),
        HidingShape {
            reuse_in_message: false,
            ..HidingShape::default()
        },
    )
    .unwrap()
}

/// The three places a reusable commitment keeps its openings' randomness, as (engine, column
/// sizes): in extra variables of its message (the default at `SIZES`, docs/ZK.md §6.1), in the
/// first oracle's encoding randomness (a shape that turns the message off), and in the free
/// tail of its stack (the default at `TAIL_SIZES`).
fn engines() -> [(HidingPcs, &'static [usize]); 3] {
    [
        (pcs(), &SIZES),
        (in_encoding(), &SIZES),
        (pcs(), &TAIL_SIZES),
    ]
}

/// The engines place the randomness in three ways at the test shapes, so the tests below run
/// all three.
#[test]
fn the_three_placements_differ_at_the_test_shapes() {
    let pcs = pcs();
    assert!(pcs.reusable_in_message(&SIZES, USES).unwrap());
    assert!(pcs.reusable_extra_stack(&SIZES, USES).unwrap().is_some());
    assert!(!in_encoding().reusable_in_message(&SIZES, USES).unwrap());
    assert!(!pcs.reusable_in_message(&SIZES, 1).unwrap());
    // The free tail: in the message, no extra variables, the smallest stack at the base rate.
    assert!(pcs.reusable_in_message(&TAIL_SIZES, USES).unwrap());
    assert_eq!(pcs.reusable_extra_stack(&TAIL_SIZES, USES).unwrap(), None);
    assert_eq!(
        pcs.reusable_shape(&TAIL_SIZES, USES).unwrap(),
        (15, PcsConfig::hiding_default().log_inv_rate)
    );
    // Many more openings than the tail holds: extra variables (or the encoding) again.
    assert!(
        pcs.reusable_extra_stack(&TAIL_SIZES, 256)
            .unwrap()
            .is_some_and(|vars| vars > 15)
            || !pcs.reusable_in_message(&TAIL_SIZES, 256).unwrap()
    );
}

/// A commitment made on its own transcript (as setup does), and its prover data.
fn commit(
    pcs: &HidingPcs,
    cols: &[Vec<F>],
    uses: usize,
) -> (ReusableCommitment, ReusableCommittedData) {
    let mut t = Transcript::new(CTX);
    pcs.commit_reusable(cols, uses, &mut t).unwrap()
}

/// One opening on a fresh per-proof transcript that absorbs the commitment first.
fn open(
    pcs: &HidingPcs,
    data: &mut ReusableCommittedData,
    claims: &[ColumnClaim],
) -> Result<HidingOpeningProof, PcsError> {
    let mut t = Transcript::new(CTX);
    pcs.absorb_reusable_commitment(data.commitment(), &mut t)?;
    pcs.open_reusable(data, claims, &[], &mut t)
}

fn verify(
    pcs: &HidingPcs,
    commitment: &ReusableCommitment,
    claims: &[ColumnClaim],
    proof: &HidingOpeningProof,
) -> Result<(), PcsError> {
    let mut t = Transcript::new(CTX);
    pcs.absorb_reusable_commitment(commitment, &mut t)?;
    pcs.verify_reusable(commitment, claims, &[], proof, &mut t)
}

#[test]
fn every_covered_opening_verifies_and_the_next_is_refused() {
    for (pcs, sizes) in engines() {
        every_covered_opening_verifies_and_the_next_is_refused_with(&pcs, sizes);
    }
}

fn every_covered_opening_verifies_and_the_next_is_refused_with(pcs: &HidingPcs, sizes: &[usize]) {
    let mut rng = StdRng::seed_from_u64(1);
    let cols = columns(&mut rng, sizes);
    let (commitment, mut data) = commit(pcs, &cols, USES);
    assert_eq!(commitment.uses(), USES);
    for use_index in 0..USES {
        let cl = claims(&mut rng, &cols);
        let proof = open(pcs, &mut data, &cl).unwrap();
        verify(pcs, &commitment, &cl, &proof).unwrap();
        assert_eq!(data.opened(), use_index + 1);
    }
    let cl = claims(&mut rng, &cols);
    assert_eq!(
        open(pcs, &mut data, &cl).unwrap_err(),
        PcsError::UsesExhausted { uses: USES }
    );
    // A counter kept outside the data (e.g. beside a proving key) is honoured too.
    let (_, mut again) = commit(pcs, &cols, USES);
    again.set_opened(USES).unwrap();
    assert!(matches!(
        open(pcs, &mut again, &cl),
        Err(PcsError::UsesExhausted { .. })
    ));
    assert!(again.set_opened(USES + 1).is_err());
}

#[test]
fn stack_claims_open_on_a_reusable_commitment() {
    for (pcs, sizes) in engines() {
        stack_claims_open_on_a_reusable_commitment_with(&pcs, sizes);
    }
}

fn stack_claims_open_on_a_reusable_commitment_with(pcs: &HidingPcs, sizes: &[usize]) {
    let mut rng = StdRng::seed_from_u64(2);
    let cols = columns(&mut rng, sizes);
    let (commitment, mut data) = commit(pcs, &cols, USES);
    let point: Vec<EF> = (0..data.stacked_vars())
        .map(|_| rand_ef(&mut rng))
        .collect();
    let value = zkinfer_poly::evaluate(&data.stacked_values(), &point);
    let stack = [StackClaim { point, value }];
    let mut t = Transcript::new(CTX);
    pcs.absorb_reusable_commitment(&commitment, &mut t).unwrap();
    let proof = pcs.open_reusable(&mut data, &[], &stack, &mut t).unwrap();
    let mut t = Transcript::new(CTX);
    pcs.absorb_reusable_commitment(&commitment, &mut t).unwrap();
    pcs.verify_reusable(&commitment, &[], &stack, &proof, &mut t)
        .unwrap();
    let wrong = [StackClaim {
        value: value + EF::ONE,
        ..stack[0].clone()
    }];
    let mut t = Transcript::new(CTX);
    pcs.absorb_reusable_commitment(&commitment, &mut t).unwrap();
    assert!(
        pcs.verify_reusable(&commitment, &[], &wrong, &proof, &mut t)
            .is_err()
    );
}

#[test]
fn corrupted_openings_are_rejected() {
    for (pcs, sizes) in engines() {
        corrupted_openings_are_rejected_with(&pcs, sizes);
    }
}

fn corrupted_openings_are_rejected_with(pcs: &HidingPcs, sizes: &[usize]) {
    let mut rng = StdRng::seed_from_u64(3);
    let cols = columns(&mut rng, sizes);
    let (commitment, mut data) = commit(pcs, &cols, USES);
    let cl = claims(&mut rng, &cols);
    let proof = open(pcs, &mut data, &cl).unwrap();
    verify(pcs, &commitment, &cl, &proof).unwrap();

    // Flipped bytes: every decodable corruption is rejected, never a panic.
    let wire = proof.to_wire();
    for _ in 0..40 {
        let mut bytes = wire.clone();
        let at = rng.random_range(0..bytes.len());
        bytes[at] ^= 1 << rng.random_range(0..8);
        if let Ok(bad) = HidingOpeningProof::from_wire(&bytes) {
            assert!(verify(pcs, &commitment, &cl, &bad).is_err(), "byte {at}");
        }
    }
    // A wrong value.
    let mut wrong = cl.clone();
    wrong[0].value += EF::ONE;
    assert!(verify(pcs, &commitment, &wrong, &proof).is_err());
    // A wrong point.
    let mut moved = cl.clone();
    moved[1].point[0] += EF::ONE;
    assert!(verify(pcs, &commitment, &moved, &proof).is_err());
    // Another commitment of the same columns (other randomness), and another budget.
    let (other, _) = commit(pcs, &cols, USES);
    assert!(verify(pcs, &other, &cl, &proof).is_err());
    let relabelled = ReusableCommitment::from_parts(
        commitment.root(),
        commitment.num_vars().to_vec(),
        (USES + 1) as u32,
    );
    assert!(verify(pcs, &relabelled, &cl, &proof).is_err());
    // The opening of another commitment.
    let (_, mut other_data) = commit(pcs, &cols, USES);
    let other_proof = open(pcs, &mut other_data, &cl).unwrap();
    assert!(verify(pcs, &commitment, &cl, &other_proof).is_err());
    // A tampered root.
    let mut root = commitment.root();
    root[0] ^= 1;
    let tampered =
        ReusableCommitment::from_parts(root, commitment.num_vars().to_vec(), USES as u32);
    assert!(verify(pcs, &tampered, &cl, &proof).is_err());
}

/// The first oracle's budget covers `uses` openings; its slack grows with them, so the stack or
/// its rate grows; a budget no size fits is an error naming the fix.
#[test]
fn the_budget_is_sized_for_the_uses_and_a_budget_too_large_is_an_error() {
    let pcs = pcs();
    let (one_vars, one_rate) = pcs.reusable_shape(&SIZES, 1).unwrap();
    let (many_vars, many_rate) = pcs.reusable_shape(&SIZES, 64).unwrap();
    assert!(many_vars + many_rate > one_vars + one_rate);
    let err = pcs.reusable_shape(&[4], 1 << 20).unwrap_err();
    assert!(matches!(err, PcsError::ReuseBudget { .. }), "{err}");
    assert!(err.to_string().contains("--max-proofs"), "{err}");
    let err = pcs.reusable_shape(&[4], 0).unwrap_err();
    assert!(matches!(err, PcsError::ReuseBudget { .. }), "{err}");
}

// ---- statistical hiding across openings ----

type Columns = Vec<Vec<F>>;

/// Two data sets with the same evaluation at base-field points (so the revealed values agree):
/// `B = A + Δ` where each `Δ̃_c(p_c) = 0`.
fn twin_data_sets(
    rng: &mut StdRng,
    sizes: &[usize],
) -> (Columns, Columns, Vec<ColumnClaim>, Vec<ColumnClaim>) {
    let a = columns(rng, sizes);
    let mut b = Vec::new();
    let mut claims_a = Vec::new();
    let mut claims_b = Vec::new();
    for (column, col) in a.iter().enumerate() {
        let n = col.len().trailing_zeros() as usize;
        let p: Vec<F> = (0..n).map(|_| rand_f(rng)).collect();
        let eq = zkinfer_poly::eq_table_scaled(&p, F::ONE);
        let mut delta: Vec<F> = (0..col.len()).map(|_| rand_f(rng)).collect();
        let rest: F = delta.iter().zip(&eq).skip(1).map(|(&d, &e)| d * e).sum();
        delta[0] = -rest * eq[0].inverse();
        let bc: Vec<F> = col.iter().zip(&delta).map(|(&x, &d)| x + d).collect();
        let point: Vec<EF> = p.into_iter().map(EF::from).collect();
        let va = zkinfer_poly::evaluate(col, &point);
        let vb = zkinfer_poly::evaluate(&bc, &point);
        assert_eq!(va, vb);
        claims_a.push(ColumnClaim {
            column,
            point: point.clone(),
            value: va,
        });
        claims_b.push(ColumnClaim {
            column,
            point,
            value: vb,
        });
        b.push(bc);
    }
    (a, b, claims_a, claims_b)
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

const COMMITS: usize = 3;
const OPENINGS: usize = 4;

/// Bytes of commitment ‖ opening for `OPENINGS` openings of each of `COMMITS` commitments.
fn reusable_runs(pcs: &HidingPcs, cols: &[Vec<F>], cl: &[ColumnClaim]) -> Vec<Vec<u8>> {
    let mut runs = Vec::new();
    for _ in 0..COMMITS {
        let (commitment, mut data) = commit(pcs, cols, OPENINGS);
        for _ in 0..OPENINGS {
            let proof = open(pcs, &mut data, cl).unwrap();
            let mut bytes = bincode::serialize(&commitment).unwrap();
            bytes.extend(bincode::serialize(&proof).unwrap());
            runs.push(bytes);
        }
    }
    runs
}

#[test]
fn no_byte_of_many_openings_is_a_function_of_the_data() {
    let mut rng = StdRng::seed_from_u64(22);
    for (pcs, sizes) in engines() {
        let (a, b, ca, cb) = twin_data_sets(&mut rng, sizes);
        assert_ne!(a, b);
        let ta = reusable_runs(&pcs, &a, &ca);
        let tb = reusable_runs(&pcs, &b, &cb);
        let positions = data_determined_positions(&ta, &tb);
        assert!(
            positions.is_empty(),
            "positions fixed by the data: {positions:?}"
        );
    }
}

/// The same test on the plain commitment (committed once, opened several times) finds the data:
/// the test can fail.
#[test]
fn the_statistical_test_catches_the_plain_commitment_opened_many_times() {
    let mut rng = StdRng::seed_from_u64(23);
    let (a, b, ca, cb) = twin_data_sets(&mut rng, &SIZES);
    let plain = Pcs::new(PcsConfig::default());
    let runs = |cols: &[Vec<F>], cl: &[ColumnClaim]| {
        let mut out = Vec::new();
        let mut ts = Transcript::new(CTX);
        let (c, data) = plain.commit(cols, &mut ts).unwrap();
        for _ in 0..OPENINGS {
            let mut t = Transcript::new(CTX);
            plain.absorb_commitment(&c, &mut t).unwrap();
            let p = plain.open(&data, cl, &mut t).unwrap();
            let mut bytes = bincode::serialize(&c).unwrap();
            bytes.extend(bincode::serialize(&p).unwrap());
            out.push(bytes);
        }
        out
    };
    let ta = runs(&a, &ca);
    let tb = runs(&b, &cb);
    let positions = data_determined_positions(&ta, &tb);
    assert!(positions.len() > 32, "{}", positions.len());
}

/// Stack size, first-oracle rate, setup and per-opening cost of a reusable commitment per
/// budget (docs/ZK.md §6.1): `cargo test --release -p zkinfer-pcs --test reusable
/// print_reusable_cost -- --ignored --nocapture`.
#[test]
#[ignore = "cost report"]
fn print_reusable_cost() {
    let pcs = pcs();
    let sizes: Vec<usize> = std::env::var("REUSE_SIZES")
        .map(|s| s.split(',').map(|x| x.parse().unwrap()).collect())
        .unwrap_or_else(|_| vec![16]);
    let uses: Vec<usize> = std::env::var("REUSE_USES")
        .map(|s| s.split(',').map(|x| x.parse().unwrap()).collect())
        .unwrap_or_else(|_| vec![1, 16, 64, 256, 1024]);
    let mut rng = StdRng::seed_from_u64(9);
    for &n in &sizes {
        let cols = columns(&mut rng, &[n]);
        let cl = claims(&mut rng, &cols);
        for &u in &uses {
            let start = std::time::Instant::now();
            let shape = pcs.reusable_shape(&[n], u);
            let search = start.elapsed();
            let Ok((vars, rate)) = shape else {
                println!("2^{n} uses {u}: {}", shape.unwrap_err());
                continue;
            };
            let start = std::time::Instant::now();
            let (commitment, mut data) = commit(&pcs, &cols, u);
            let commit_s = start.elapsed();
            let start = std::time::Instant::now();
            let proof = open(&pcs, &mut data, &cl).unwrap();
            let open_s = start.elapsed();
            let start = std::time::Instant::now();
            verify(&pcs, &commitment, &cl, &proof).unwrap();
            let verify_s = start.elapsed();
            println!(
                "2^{n} uses {u}: stack 2^{vars} rate 2^-{rate} config search {:.3}s commit {:.3}s open {:.3}s verify {:.3}s proof {:.1} KiB",
                search.as_secs_f64(),
                commit_s.as_secs_f64(),
                open_s.as_secs_f64(),
                verify_s.as_secs_f64(),
                proof.to_wire().len() as f64 / 1024.0
            );
        }
    }
}
