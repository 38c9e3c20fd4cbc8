//! The joint opening of a reusable commitment (private weights) and a one-time one (a witness):
//! what the separate openings accept it accepts, in fewer bytes, and it rejects what they
//! reject.

use p3_whir::pcs::proof::QueryOpenings;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use zkinfer_field::{BasedVectorSpace, EF, F, PrimeCharacteristicRing, Transcript};
use zkinfer_pcs::{
    ColumnClaim, HidingCommitment, HidingOpeningProof, HidingPcs, JointShape, PcsConfig, PcsError,
    ReusableCommitment, StackClaim, StoredHidingData,
};

fn columns(rng: &mut SmallRng, num_vars: &[usize]) -> Vec<Vec<F>> {
    num_vars
        .iter()
        .map(|&n| {
            (0..1usize << n)
                .map(|_| F::from_u64(rng.random::<u64>() >> 20))
                .collect()
        })
        .collect()
}

fn point(rng: &mut SmallRng, n: usize) -> Vec<EF> {
    (0..n)
        .map(|_| EF::from_basis_coefficients_fn(|_| F::from_u64(rng.random())))
        .collect()
}

fn claims_on(rng: &mut SmallRng, cols: &[Vec<F>]) -> Vec<ColumnClaim> {
    cols.iter()
        .enumerate()
        .map(|(c, col)| {
            let point = point(rng, col.len().trailing_zeros() as usize);
            ColumnClaim {
                column: c,
                value: zkinfer_poly::evaluate(col, &point),
                point,
            }
        })
        .collect()
}

struct Setup {
    pcs: HidingPcs,
    w: ReusableCommitment,
    stored: StoredHidingData,
    w_stack: Vec<StackClaim>,
}

/// Weights of `num_vars` committed for `uses` openings, with one claim on their columns' stack.
fn weights(rng: &mut SmallRng, num_vars: &[usize], uses: usize) -> Setup {
    let pcs = HidingPcs::new(PcsConfig::hiding_default()).unwrap();
    let cols = columns(rng, num_vars);
    let (w, data) = pcs
        .commit_reusable(&cols, uses, &mut Transcript::new(b"setup"))
        .unwrap();
    let stored = data.into_stored();
    let stack = pcs.stored_stacked_values(&stored).unwrap().into_owned();
    let p = point(rng, stack.len().trailing_zeros() as usize);
    let w_stack = vec![StackClaim {
        value: zkinfer_poly::evaluate(&stack, &p),
        point: p,
    }];
    Setup {
        pcs,
        w,
        stored,
        w_stack,
    }
}

struct Joint {
    shape: JointShape,
    x: HidingCommitment,
    x_claims: Vec<ColumnClaim>,
    proof: HidingOpeningProof,
}

fn prove_joint(s: &Setup, rng: &mut SmallRng, x_vars: &[usize]) -> Joint {
    let shape = s.pcs.joint_shape(&s.w, x_vars).unwrap();
    let xcols = columns(rng, x_vars);
    let mut t = Transcript::new(b"proof");
    s.pcs.absorb_reusable_commitment(&s.w, &mut t).unwrap();
    let (x, data) = s.pcs.commit_joint(&shape, &xcols, &mut t).unwrap();
    let x_claims = claims_on(rng, &xcols);
    let proof = s
        .pcs
        .open_joint(
            &shape,
            &s.stored,
            &s.w,
            &s.w_stack,
            data,
            &x_claims,
            &[],
            &mut t,
        )
        .unwrap();
    Joint {
        shape,
        x,
        x_claims,
        proof,
    }
}

fn verify(
    s: &Setup,
    w: &ReusableCommitment,
    w_stack: &[StackClaim],
    j: &Joint,
    x: &HidingCommitment,
    x_claims: &[ColumnClaim],
    proof: &HidingOpeningProof,
) -> Result<(), PcsError> {
    let mut t = Transcript::new(b"proof");
    s.pcs.absorb_reusable_commitment(w, &mut t)?;
    s.pcs.absorb_joint_commitment(&j.shape, x, &mut t)?;
    s.pcs
        .verify_joint(&j.shape, w, w_stack, x, x_claims, &[], proof, &mut t)
}

/// The two commitments opened apart, as proofs did before: the weights' stored opening and the
/// witness's own one-time commitment and opening. Returns the two proofs' bytes.
fn separate_bytes(s: &Setup, rng: &mut SmallRng, x_vars: &[usize]) -> (usize, usize) {
    let xcols = columns(rng, x_vars);
    let mut t = Transcript::new(b"apart");
    let (_, data) = s.pcs.commit(&xcols, &mut t).unwrap();
    let x_claims = claims_on(rng, &xcols);
    let xp = s.pcs.open(data, &x_claims, &mut t).unwrap();
    let wp = s
        .pcs
        .open_stored(&s.stored, &s.w, &[], &s.w_stack, &mut t)
        .unwrap();
    (wp.to_wire().len(), xp.to_wire().len())
}

#[test]
fn a_joint_opening_verifies_in_fewer_bytes_and_rejects_tampering() {
    let mut rng = SmallRng::seed_from_u64(11);
    // LeNet-5-like: ~62k weights in four columns, opened up to 256 times.
    let s = weights(&mut rng, &[15, 14, 12, 9], 256);
    let n = s.stored.commitment().num_vars().len();
    assert_eq!(n, 4, "four weight columns");
    let vars = s.pcs.joint_shape(&s.w, &[1]).unwrap().stacked_vars();
    // A witness as large as the weights' stack allows.
    let x_vars = [vars - 1, vars - 2, vars - 4, 3];
    let j = prove_joint(&s, &mut rng, &x_vars);
    verify(&s, &s.w, &s.w_stack, &j, &j.x, &j.x_claims, &j.proof).unwrap();

    let joint = j.proof.to_wire().len();
    let (w_bytes, x_bytes) = separate_bytes(&s, &mut rng, &x_vars);
    println!(
        "stack 2^{vars}: joint opening {joint} B; apart {w_bytes} + {x_bytes} = {} B ({:.2}×)",
        w_bytes + x_bytes,
        (w_bytes + x_bytes) as f64 / joint as f64
    );
    assert!(joint < w_bytes + x_bytes);

    // A wrong claimed value, on either side.
    let mut x_claims = j.x_claims.clone();
    x_claims[1].value += EF::ONE;
    assert!(verify(&s, &s.w, &s.w_stack, &j, &j.x, &x_claims, &j.proof).is_err());
    let mut w_stack = s.w_stack.clone();
    w_stack[0].value += EF::ONE;
    assert!(verify(&s, &s.w, &w_stack, &j, &j.x, &j.x_claims, &j.proof).is_err());
    // The claims in another order, or a claim's point changed.
    let mut swapped = j.x_claims.clone();
    swapped.swap(0, 1);
    assert!(verify(&s, &s.w, &s.w_stack, &j, &j.x, &swapped, &j.proof).is_err());
    let mut moved = j.x_claims.clone();
    moved[2].point[0] += EF::ONE;
    assert!(verify(&s, &s.w, &s.w_stack, &j, &j.x, &moved, &j.proof).is_err());
    // Another witness's commitment, and another model's weights (same shapes, other values).
    let j2 = prove_joint(&s, &mut rng, &x_vars);
    verify(&s, &s.w, &s.w_stack, &j2, &j2.x, &j2.x_claims, &j2.proof).unwrap();
    assert!(verify(&s, &s.w, &s.w_stack, &j, &j2.x, &j.x_claims, &j.proof).is_err());
    assert!(verify(&s, &s.w, &s.w_stack, &j, &j.x, &j.x_claims, &j2.proof).is_err());
    let other = weights(&mut rng, &[15, 14, 12, 9], 256);
    assert!(verify(&s, &other.w, &s.w_stack, &j, &j.x, &j.x_claims, &j.proof).is_err());
    // The joint proof is no opening of the weights alone.
    let mut t = Transcript::new(b"proof");
    s.pcs.absorb_reusable_commitment(&s.w, &mut t).unwrap();
    assert!(
        s.pcs
            .verify_reusable(&s.w, &[], &s.w_stack, &j.proof, &mut t)
            .is_err()
    );
    // Byte flips anywhere in the proof: refused by the decoder or rejected by the verifier.
    let wire = j.proof.to_wire();
    for _ in 0..60 {
        let mut bytes = wire.clone();
        let at = rng.random_range(0..bytes.len());
        bytes[at] ^= 1 << rng.random_range(0..8);
        if let Ok(p) = HidingOpeningProof::from_wire(&bytes) {
            assert!(
                verify(&s, &s.w, &s.w_stack, &j, &j.x, &j.x_claims, &p).is_err(),
                "a flip at byte {at} of {} was accepted",
                bytes.len()
            );
        }
    }
}

#[test]
fn a_witness_larger_than_the_weights_stack_has_no_joint_opening() {
    let mut rng = SmallRng::seed_from_u64(12);
    let s = weights(&mut rng, &[12, 10], 16);
    let vars = s.pcs.joint_shape(&s.w, &[1]).unwrap().stacked_vars();
    assert!(matches!(
        s.pcs.joint_shape(&s.w, &[vars + 1]),
        Err(PcsError::Joint { .. })
    ));
    assert!(matches!(
        s.pcs.joint_shape(&s.w, &[vars, 1]),
        Err(PcsError::Joint { .. })
    ));
    // Columns not of the shape's are refused by the commit.
    let shape = s.pcs.joint_shape(&s.w, &[vars - 1]).unwrap();
    let cols = columns(&mut rng, &[vars - 2]);
    assert!(
        s.pcs
            .commit_joint(&shape, &cols, &mut Transcript::new(b"x"))
            .is_err()
    );
}

/// A witness much smaller than the weights' stack fills one of its limbs: only that limb is
/// encoded and committed, the opened rows carry the others as zeros, and the opening verifies
/// and rejects a wrong value or flipped bytes as before.
#[test]
fn a_small_witness_commits_only_the_limbs_it_fills() {
    let mut rng = SmallRng::seed_from_u64(13);
    let s = weights(&mut rng, &[15, 14, 12, 9], 256);
    let x_vars = [12, 9, 4];
    let j = prove_joint(&s, &mut rng, &x_vars);
    verify(&s, &s.w, &s.w_stack, &j, &j.x, &j.x_claims, &j.proof).unwrap();
    let joint = j.proof.to_wire().len();
    let (w_bytes, x_bytes) = separate_bytes(&s, &mut rng, &x_vars);
    println!(
        "a 2^13 witness: joint opening {joint} B; apart {w_bytes} + {x_bytes} = {} B",
        w_bytes + x_bytes
    );
    assert!(joint < w_bytes + x_bytes);
    let mut x_claims = j.x_claims.clone();
    x_claims[0].value += EF::ONE;
    assert!(verify(&s, &s.w, &s.w_stack, &j, &j.x, &x_claims, &j.proof).is_err());

    // The first oracle's opened rows are sent as the weights' `2^k` values and the witness's
    // filled limbs only (proof format 22); the verifier puts the witness's zero limbs back.
    let inner = j.proof.p3_proof();
    let QueryOpenings::Base(first) = &inner.rounds[0].openings else {
        panic!("the first oracle's rows are base-field rows")
    };
    let sent = first.rows[0].len();
    assert!(first.rows.iter().all(|r| r.len() == sent));
    let w_width = sent - j.shape.x_width();
    assert!(
        w_width.is_power_of_two() && j.shape.x_width() < w_width,
        "{sent}"
    );
    // Rows with the zero limbs (as format 21 sent them), a value short or one more: rejected.
    for len in [2 * w_width, sent - 1, sent + 1] {
        let mut p = inner.clone();
        let QueryOpenings::Base(first) = &mut p.rounds[0].openings else {
            unreachable!()
        };
        for row in &mut first.rows {
            row.resize(len, F::ZERO);
        }
        let p = HidingOpeningProof::from_p3_proof(p);
        assert!(
            verify(&s, &s.w, &s.w_stack, &j, &j.x, &j.x_claims, &p).is_err(),
            "rows of {len} values were accepted"
        );
    }
    // A changed witness value in an opened row: rejected by the witness's tree.
    let mut p = inner.clone();
    let QueryOpenings::Base(first) = &mut p.rounds[0].openings else {
        unreachable!()
    };
    first.rows[0][w_width] += F::ONE;
    let p = HidingOpeningProof::from_p3_proof(p);
    assert!(verify(&s, &s.w, &s.w_stack, &j, &j.x, &j.x_claims, &p).is_err());

    let wire = j.proof.to_wire();
    for _ in 0..30 {
        let mut bytes = wire.clone();
        let at = rng.random_range(0..bytes.len());
        bytes[at] ^= 1 << rng.random_range(0..8);
        if let Ok(p) = HidingOpeningProof::from_wire(&bytes) {
            assert!(verify(&s, &s.w, &s.w_stack, &j, &j.x, &j.x_claims, &p).is_err());
        }
    }
}
