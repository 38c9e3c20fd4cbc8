//! The proof-level mask pool: many ZK sumchecks draw their masks from one committed pool, and
//! the pool's discharge turns every mask claim into three multilinear claims on its column.
//!
//! The hiding commitment is an in-test "honest oracle": the column is absorbed into the
//! transcript as a commitment would be, and the returned claims are checked against the
//! column's MLE in memory, as the one hiding opening would.

mod common;

use common::{Fixture, distinct, distinguishes, fixture, forge, solve};
use rand::{SeedableRng, rngs::StdRng};
use zkinfer_field::{BasedVectorSpace, EF, F, PrimeCharacteristicRing, PrimeField64, Transcript};
use zkinfer_poly::evaluate;
use zkinfer_sumcheck::zk::{mask_entries, random_ext};
use zkinfer_sumcheck::{
    MaskClaim, MaskPolynomial, MaskPool, MaskPoolProof, MaskPoolVerifier, PoolClaim, SumcheckError,
    ZkSumcheckProof, prove_zk, verify_zk,
};

/// The pool commitment stand-in, absorbed before any sumcheck.
fn commit(column: &[F], t: &mut Transcript) {
    t.absorb_fields(b"test/pool-commitment", column);
}

/// Mixed shapes: (n, factors, eq) with degrees 1 to 4 and 0 to 7 variables.
fn statements() -> Vec<Fixture> {
    let shapes = [
        (3, 2, true),
        (0, 1, false),
        (5, 1, false),
        (7, 3, true),
        (1, 2, false),
        (4, 3, false),
        (6, 2, true),
        (2, 1, true),
        (5, 3, true),
        (3, 2, false),
        (7, 1, true),
        (6, 3, false),
    ];
    shapes
        .iter()
        .enumerate()
        .map(|(i, &(n, f, eq))| fixture(100 + i as u64, n, f, eq))
        .collect()
}

/// What the prover sends: each sumcheck's claimed sum, proof and column values; the discharge.
struct Sent {
    sumchecks: Vec<(EF, ZkSumcheckProof, Vec<EF>)>,
    pool: MaskPoolProof,
    claims: Vec<PoolClaim>,
}

/// Commits the pool, proves every statement with the pool's next mask, discharges.
fn prove_all(pool: MaskPool, fxs: &[Fixture]) -> Result<Sent, SumcheckError> {
    let column = pool.columns().remove(0);
    prove_committed(pool, fxs, &column)
}

/// [`prove_all`] where the absorbed commitment is `committed`'s (a cheater's, if it is not the
/// pool's column).
fn prove_committed(
    mut pool: MaskPool,
    fxs: &[Fixture],
    committed: &[F],
) -> Result<Sent, SumcheckError> {
    let mut t = Transcript::new(b"pool");
    commit(committed, &mut t);
    let mut sumchecks = Vec::new();
    for fx in fxs {
        let (slot, g) = pool.next_mask(fx.num_vars(), fx.degree())?;
        let out = prove_zk(fx.columns(), &fx.terms, fx.r.as_deref(), &g, &mut t);
        pool.record(
            slot.index,
            MaskClaim {
                point: out.point.clone(),
                value: out.mask_eval,
            },
        )?;
        sumchecks.push((out.claimed_sum, out.proof, out.evals));
    }
    let (proof, claims) = pool.finish(&mut t)?;
    Ok(Sent {
        sumchecks,
        pool: proof,
        claims,
    })
}

/// The verifier with both oracles: the statements' columns and the committed pool column.
/// `lie` adds to one slot's recorded mask value (a verifier fed a wrong `v_j`).
fn verify_all(
    size: usize,
    column: &[F],
    fxs: &[Fixture],
    sent: &Sent,
    lie: Option<(usize, EF)>,
) -> Result<Vec<PoolClaim>, String> {
    let mut t = Transcript::new(b"pool");
    commit(column, &mut t);
    let mut pv = MaskPoolVerifier::new(size).map_err(|e| e.to_string())?;
    if column.len() != pv.column_len() {
        return Err("pool column length".into());
    }
    for (j, (fx, (claimed, proof, evals))) in fxs.iter().zip(&sent.sumchecks).enumerate() {
        let slot = pv
            .next_mask_shape(fx.num_vars(), fx.degree())
            .map_err(|e| e.to_string())?;
        let sub = verify_zk(fx.num_vars(), fx.degree(), *claimed, proof, &mut t)
            .map_err(|e| format!("sumcheck {j}: {e}"))?;
        for (c, &v) in fx.cols.iter().zip(evals) {
            if evaluate(c, &sub.sub.point) != v {
                return Err("column opening".into());
            }
        }
        sub.sub
            .check_products(&fx.terms, fx.r.as_deref(), evals)
            .map_err(|e| format!("final {j}: {e}"))?;
        let mut mask = sub.mask;
        if let Some((k, delta)) = lie
            && k == j
        {
            mask.value += delta;
        }
        pv.record(slot.index, mask).map_err(|e| e.to_string())?;
    }
    let claims = pv
        .finish(&mut t, &sent.pool)
        .map_err(|e| format!("discharge: {e}"))?;
    open(column, &claims)?;
    Ok(claims)
}

/// The hiding opening stand-in: every claim against the column's MLE.
fn open(column: &[F], claims: &[PoolClaim]) -> Result<(), String> {
    for (i, c) in claims.iter().enumerate() {
        if c.column != 0 || evaluate(column, &c.point) != c.value {
            return Err(format!("pool opening {i}"));
        }
    }
    Ok(())
}

fn total_entries(fxs: &[Fixture]) -> usize {
    fxs.iter()
        .map(|fx| mask_entries(fx.num_vars(), fx.degree()).unwrap())
        .sum()
}

#[test]
fn many_sumchecks_share_one_pool_and_discharge_to_multilinear_claims() {
    let fxs = statements();
    let size = MaskPool::size_for(total_entries(&fxs)).unwrap();
    assert_eq!(size, 1 << 13);
    let pool = MaskPool::random(size, &mut StdRng::seed_from_u64(1)).unwrap();
    let column = pool.columns().remove(0);
    assert_eq!(column.len(), 2 * size);
    let sent = prove_all(pool.clone(), &fxs).unwrap();
    let claims = verify_all(size, &column, &fxs, &sent, None).unwrap();
    // The verifier's claims are the prover's, on the one column, with log₂ K + 1 coordinates.
    assert_eq!(claims, sent.claims);
    assert_eq!(claims.len(), 3);
    assert!(claims.iter().all(|c| c.point.len() == 14));
    // The limb trick: the claim at (z, ℓ*) is c̃(z)/(1 + u), checked against the EF entries.
    let u = EF::from_basis_coefficients_fn(|i| if i == 1 { F::ONE } else { F::ZERO });
    let z = &claims[0].point[..13];
    assert_eq!(evaluate(pool.entries(), z), claims[0].value * (EF::ONE + u));
    // The proof serializes.
    let bytes = bincode::serialize(&sent.pool).unwrap();
    let back: MaskPoolProof = bincode::deserialize(&bytes).unwrap();
    assert_eq!(back, sent.pool);

    // A larger pool from the OS, with most of it unused.
    let pool = MaskPool::random_os(1 << 14).unwrap();
    let column = pool.columns().remove(0);
    let sent = prove_all(pool, &fxs).unwrap();
    verify_all(1 << 14, &column, &fxs, &sent, None).unwrap();
}

#[test]
fn soundness_of_the_discharge() {
    let fxs = statements();
    let size = 1 << 13;
    let pool = MaskPool::random(size, &mut StdRng::seed_from_u64(2)).unwrap();
    let column = pool.columns().remove(0);
    let sent = prove_all(pool.clone(), &fxs).unwrap();
    let ok = |s: &Sent| verify_all(size, &column, &fxs, s, None);
    ok(&sent).unwrap();

    // A wrong v_j, for every slot with variables (an empty mask's claim is 0 = ⟨∅, ∅⟩ too).
    for j in 0..fxs.len() {
        let err = verify_all(size, &column, &fxs, &sent, Some((j, EF::ONE))).unwrap_err();
        assert!(err.contains("discharge"), "slot {j}: {err}");
    }
    // Every value of every round of both levels, the mask sums and values, the two evaluations.
    let tamper = |f: &dyn Fn(&mut MaskPoolProof)| {
        let mut s = Sent {
            sumchecks: sent.sumchecks.clone(),
            pool: sent.pool.clone(),
            claims: vec![],
        };
        f(&mut s.pool);
        ok(&s)
    };
    for level in 0..2 {
        let rounds = if level == 0 { 13 } else { 6 };
        for k in 0..rounds {
            for v in 0..2 {
                let err = tamper(&|p| {
                    let z = if level == 0 {
                        &mut p.reduce
                    } else {
                        &mut p.inner
                    };
                    z.sumcheck.round_polys[k][v] += EF::ONE;
                })
                .unwrap_err();
                assert!(err.contains("discharge"), "{level} {k} {v}: {err}");
            }
        }
    }
    let fields: [&dyn Fn(&mut MaskPoolProof); 8] = [
        &|p| p.reduce.mask_sum += EF::ONE,
        &|p| p.reduce.mask_eval += EF::ONE,
        &|p| p.pool_eval += EF::ONE,
        &|p| p.inner.mask_sum += EF::ONE,
        &|p| p.inner.mask_eval += EF::ONE,
        &|p| p.inner_eval += EF::ONE,
        &|p| {
            p.reduce.sumcheck.round_polys.pop();
        },
        &|p| {
            p.inner.sumcheck.round_polys[0].pop();
        },
    ];
    for (i, f) in fields.iter().enumerate() {
        assert!(tamper(f).is_err(), "field {i}");
    }

    // The committed column is not the pool the prover used: one entry changed in a used mask,
    // in the fresh tail, in h's block (a coefficient, a free entry), in D's block (a degree-2
    // and a degree-3 slot). Every sumcheck and the discharge verify (they are the prover's,
    // made after absorbing that commitment); the opening of the claims rejects.
    let h = size - 4096 - 64;
    for idx in [
        5,
        h - 1,
        h + 2,
        h + 63,
        size - 4096 + 5,
        size - 4096 + 7,
        size - 1,
    ] {
        let mut other = column.clone();
        other[2 * idx + 1] += F::ONE;
        let sent = prove_committed(pool.clone(), &fxs, &other).unwrap();
        let err = verify_all(size, &other, &fxs, &sent, None).unwrap_err();
        assert!(err.starts_with("pool opening"), "entry {idx}: {err}");
    }
    // A returned claim with a wrong value is rejected by the opening.
    let mut claims = sent.claims.clone();
    claims[2].value += EF::ONE;
    assert_eq!(open(&column, &claims).unwrap_err(), "pool opening 2");
}

#[test]
fn masks_at_wrong_offsets_and_misused_slots_are_caught() {
    let fxs = statements();
    let size = 1 << 13;
    let pool = MaskPool::random(size, &mut StdRng::seed_from_u64(3)).unwrap();
    let column = pool.columns().remove(0);

    // A prover that proves sumcheck 3 with the slice one entry further on.
    let mut cheat = pool.clone();
    let mut t = Transcript::new(b"pool");
    commit(&column, &mut t);
    let mut sumchecks = Vec::new();
    let mut points = Vec::new();
    for (j, fx) in fxs.iter().enumerate() {
        let (slot, mut g) = cheat.next_mask(fx.num_vars(), fx.degree()).unwrap();
        if j == 3 {
            let d = fx.degree() + 1;
            let coeffs = pool.entries()[slot.offset + 1..][..fx.num_vars() * d]
                .chunks(d)
                .map(<[EF]>::to_vec)
                .collect();
            g = MaskPolynomial::from_coefficients(fx.degree(), coeffs).unwrap();
        }
        let out = prove_zk(fx.columns(), &fx.terms, fx.r.as_deref(), &g, &mut t);
        let claim = MaskClaim {
            point: out.point.clone(),
            value: out.mask_eval,
        };
        points.push(out.point.clone());
        if j == 3 {
            // The pool refuses to record a value that is not its mask's.
            assert!(matches!(
                cheat.clone().record(slot.index, claim.clone()),
                Err(SumcheckError::FinalEvalMismatch { .. })
            ));
            let honest = pool_mask(&pool, j, &fxs).evaluate(&out.point).unwrap();
            cheat
                .record(
                    slot.index,
                    MaskClaim {
                        point: claim.point,
                        value: honest,
                    },
                )
                .unwrap();
        } else {
            cheat.record(slot.index, claim).unwrap();
        }
        sumchecks.push((out.claimed_sum, out.proof, out.evals));
    }
    let (proof, claims) = cheat.finish(&mut t).unwrap();
    let sent = Sent {
        sumchecks,
        pool: proof,
        claims,
    };
    // Every Libra sumcheck verifies; the discharge does not.
    let err = verify_all(size, &column, &fxs, &sent, None).unwrap_err();
    assert!(err.contains("discharge"), "{err}");

    // Misused slots: unknown, recorded twice, never recorded, wrong point length.
    let mut pv = MaskPoolVerifier::new(size).unwrap();
    let s = pv.next_mask_shape(2, 1).unwrap();
    let claim = MaskClaim {
        point: vec![EF::ONE; 2],
        value: EF::ZERO,
    };
    assert!(matches!(
        pv.record(1, claim.clone()),
        Err(SumcheckError::BadMaskSlot { slot: 1, .. })
    ));
    assert!(matches!(
        pv.record(
            s.index,
            MaskClaim {
                point: vec![EF::ONE; 3],
                value: EF::ZERO
            }
        ),
        Err(SumcheckError::WrongPointLength { .. })
    ));
    pv.record(s.index, claim.clone()).unwrap();
    assert!(matches!(
        pv.record(s.index, claim),
        Err(SumcheckError::BadMaskSlot { slot: 0, .. })
    ));
    let _ = pv.next_mask_shape(1, 1).unwrap();
    let err = pv
        .finish(&mut Transcript::new(b"x"), &MaskPoolProof::default())
        .unwrap_err();
    assert!(
        matches!(err, SumcheckError::BadMaskSlot { slot: 1, .. }),
        "{err}"
    );
    let mut p = MaskPool::random(size, &mut StdRng::seed_from_u64(4)).unwrap();
    let _ = p.next_mask(3, 2).unwrap();
    assert!(matches!(
        p.finish(&mut Transcript::new(b"x")),
        Err(SumcheckError::BadMaskSlot { slot: 0, .. })
    ));
    // A default (empty) proof is rejected, not a panic.
    let mut pv = MaskPoolVerifier::new(size).unwrap();
    let _ = pv.next_mask_shape(0, 1).unwrap();
    pv.record(
        0,
        MaskClaim {
            point: vec![],
            value: EF::ZERO,
        },
    )
    .unwrap();
    assert!(matches!(
        pv.finish(&mut Transcript::new(b"x"), &MaskPoolProof::default()),
        Err(SumcheckError::WrongRoundCount { .. })
    ));
}

/// Slot `j`'s honest mask, recomputed from the pool's entries and the shapes before it.
fn pool_mask(pool: &MaskPool, j: usize, fxs: &[Fixture]) -> MaskPolynomial {
    let mut p = MaskPool::from_entries(pool.entries().to_vec()).unwrap();
    let mut mask = None;
    for fx in &fxs[..=j] {
        mask = Some(p.next_mask(fx.num_vars(), fx.degree()).unwrap().1);
    }
    mask.unwrap()
}

#[test]
fn pool_sizes_and_exhaustion_are_errors_not_panics() {
    for bad in [0, 1, 1000, 1 << 12, 3 << 13] {
        assert!(matches!(
            MaskPool::random(bad, &mut StdRng::seed_from_u64(0)),
            Err(SumcheckError::BadPoolSize { minimum: 8192, .. })
        ));
        assert!(MaskPoolVerifier::new(bad).is_err());
    }
    let size = 1 << 13;
    let capacity = size - 4096 - 64 - 1;
    let mut p = MaskPool::random(size, &mut StdRng::seed_from_u64(5)).unwrap();
    let mut v = MaskPoolVerifier::new(size).unwrap();
    assert!(matches!(
        p.next_mask(3, 0),
        Err(SumcheckError::BadDegree { degree: 0 })
    ));
    assert!(v.next_mask_shape(usize::MAX, 3).is_err());
    // Fill the Libra region exactly with degree-1 masks of 2 entries per variable.
    let (_, first) = p.next_mask(capacity / 2 - 1, 1).unwrap();
    assert_eq!(first.num_vars(), capacity / 2 - 1);
    v.next_mask_shape(capacity / 2 - 1, 1).unwrap();
    let left = capacity - 2 * (capacity / 2 - 1);
    assert!(matches!(
        p.next_mask(2, 1),
        Err(SumcheckError::PoolExhausted { requested: 4, remaining }) if remaining == left
    ));
    assert!(matches!(
        v.next_mask_shape(2, 1),
        Err(SumcheckError::PoolExhausted { .. })
    ));
    assert_eq!(MaskPool::size_for(capacity + 1).unwrap(), 1 << 14);
}

#[test]
fn a_forged_mask_value_is_caught_by_the_discharge() {
    // tests/zk.rs's forgery: a false claim, every round shifted to pass, a lying g(r) so that the
    // final check passes. verify_zk and the final check accept; the pool's discharge rejects.
    let fxs = vec![fixture(7, 5, 3, true), fixture(8, 4, 2, false)];
    let size = 1 << 13;
    let mut pool = MaskPool::random(size, &mut StdRng::seed_from_u64(6)).unwrap();
    let column = pool.columns().remove(0);
    let mut t = Transcript::new(b"pool");
    commit(&column, &mut t);
    let (s0, g0) = pool.next_mask(5, fxs[0].degree()).unwrap();
    let honest = prove_zk(
        fxs[0].columns(),
        &fxs[0].terms,
        fxs[0].r.as_deref(),
        &g0,
        &mut t.clone(),
    );
    let false_claim = honest.claimed_sum + EF::ONE;
    let forged = forge(&fxs[0], &g0, false_claim, t.clone());
    // Replay the forged proof into the prover's transcript as the verifier will see it.
    let sub = verify_zk(5, fxs[0].degree(), false_claim, &forged, &mut t).unwrap();
    let evals: Vec<EF> = fxs[0]
        .cols
        .iter()
        .map(|c| evaluate(c, &sub.sub.point))
        .collect();
    sub.sub
        .check_products(&fxs[0].terms, fxs[0].r.as_deref(), &evals)
        .unwrap();
    assert_ne!(sub.mask.value, g0.evaluate(&sub.mask.point).unwrap());
    // The cheater cannot record its lie in the pool; it records the true value (all it can
    // prove) and discharges honestly from there.
    assert!(pool.clone().record(s0.index, sub.mask.clone()).is_err());
    let truth = g0.evaluate(&sub.mask.point).unwrap();
    pool.record(
        s0.index,
        MaskClaim {
            point: sub.mask.point.clone(),
            value: truth,
        },
    )
    .unwrap();
    let (s1, g1) = pool.next_mask(4, fxs[1].degree()).unwrap();
    let out1 = prove_zk(fxs[1].columns(), &fxs[1].terms, None, &g1, &mut t);
    pool.record(
        s1.index,
        MaskClaim {
            point: out1.point.clone(),
            value: out1.mask_eval,
        },
    )
    .unwrap();
    let (proof, claims) = pool.finish(&mut t).unwrap();
    let sent = Sent {
        sumchecks: vec![
            (false_claim, forged, evals),
            (out1.claimed_sum, out1.proof, out1.evals),
        ],
        pool: proof,
        claims,
    };
    let err = verify_all(size, &column, &fxs, &sent, None).unwrap_err();
    assert!(err.contains("discharge"), "{err}");
}

/// Libra views fixed, the rest of the pool fresh (or zero when `masked` is false): what the
/// discharge reveals over `runs` runs — every round value, mask sum and mask value of both
/// levels, the two evaluations and the three claim values — as canonical `u64` limbs.
fn discharge_views(
    used: &[EF],
    shapes: &[(usize, usize)],
    claims: &[MaskClaim],
    masked: bool,
    runs: usize,
    seed: u64,
) -> Vec<Vec<u64>> {
    let size = 1 << 13;
    let mut rng = StdRng::seed_from_u64(seed);
    (0..runs)
        .map(|_| {
            let entries: Vec<EF> = (0..size)
                .map(|i| match used.get(i) {
                    Some(&e) => e,
                    None if masked => random_ext(&mut rng),
                    None => EF::ZERO,
                })
                .collect();
            let mut pool = MaskPool::from_entries(entries).unwrap();
            for (&(n, d), c) in shapes.iter().zip(claims) {
                let (slot, _) = pool.next_mask(n, d).unwrap();
                pool.record(slot.index, c.clone()).unwrap();
            }
            let column = pool.columns().remove(0);
            let (proof, out) = pool.finish(&mut Transcript::new(b"view")).unwrap();
            // The discharge verifies and its claims open.
            let mut pv = MaskPoolVerifier::new(size).unwrap();
            for (&(n, d), c) in shapes.iter().zip(claims) {
                let slot = pv.next_mask_shape(n, d).unwrap();
                pv.record(slot.index, c.clone()).unwrap();
            }
            let checked = pv.finish(&mut Transcript::new(b"view"), &proof).unwrap();
            assert_eq!(checked, out);
            open(&column, &out).unwrap();
            let mut vals = Vec::new();
            for z in [&proof.reduce, &proof.inner] {
                vals.push(z.mask_sum);
                vals.extend(z.sumcheck.round_polys.iter().flatten());
                vals.push(z.mask_eval);
            }
            vals.extend([proof.pool_eval, proof.inner_eval]);
            vals.extend(out.iter().map(|c| c.value));
            vals.iter()
                .flat_map(|v| BasedVectorSpace::<F>::as_basis_coefficients_slice(v).to_vec())
                .map(|c: F| c.as_canonical_u64())
                .collect()
        })
        .collect()
}

#[test]
fn the_discharge_does_not_reveal_the_masks_beyond_the_libra_views() {
    // Two pools whose used masks differ but give identical Libra views: B = A + δ with δ adding
    // a to g_0's constant term and −a to g_1's, in every slot. Every round contribution, the sum
    // G and g(r) are unchanged (they depend on the constants only through their sum), so every
    // Libra proof is the same for A and B — checked below.
    let fxs: Vec<Fixture> = vec![
        fixture(20, 4, 2, true),
        fixture(21, 3, 3, false),
        fixture(22, 5, 1, true),
    ];
    let mut rng = StdRng::seed_from_u64(9);
    let shapes: Vec<(usize, usize)> = fxs.iter().map(|f| (f.num_vars(), f.degree())).collect();
    let used_len = total_entries(&fxs);
    let used_a: Vec<EF> = (0..used_len).map(|_| random_ext(&mut rng)).collect();
    let mut used_b = used_a.clone();
    let mut offset = 0;
    for &(n, d) in &shapes {
        let a = random_ext(&mut rng);
        used_b[offset] += a;
        used_b[offset + d + 1] -= a;
        offset += n * (d + 1);
    }
    let libra = |used: &[EF]| -> (Vec<ZkSumcheckProof>, Vec<MaskClaim>) {
        let mut entries = used.to_vec();
        entries.resize(1 << 13, EF::ZERO);
        let mut pool = MaskPool::from_entries(entries).unwrap();
        let mut t = Transcript::new(b"libra");
        let (mut proofs, mut claims) = (Vec::new(), Vec::new());
        for fx in &fxs {
            let (_, g) = pool.next_mask(fx.num_vars(), fx.degree()).unwrap();
            let out = prove_zk(fx.columns(), &fx.terms, fx.r.as_deref(), &g, &mut t);
            claims.push(MaskClaim {
                point: out.point,
                value: out.mask_eval,
            });
            proofs.push(out.proof);
        }
        (proofs, claims)
    };
    let (proofs_a, claims) = libra(&used_a);
    let (proofs_b, claims_b) = libra(&used_b);
    assert_eq!(proofs_a, proofs_b, "the Libra views must agree");
    assert_eq!(claims, claims_b);
    assert_ne!(used_a, used_b);

    let runs = 300;
    let a = discharge_views(&used_a, &shapes, &claims, true, runs, 1);
    let b = discharge_views(&used_b, &shapes, &claims, true, runs, 2);
    assert_eq!(distinct(&a), runs, "masked discharge views repeat");
    assert!(
        !distinguishes(&a, &b),
        "the discharge tells the pools apart"
    );
    // Control: h, D and the free entries zero (masking off). Each pool's discharge is then a
    // fixed function of its used masks, and the same test separates A from B.
    let a0 = discharge_views(&used_a, &shapes, &claims, false, 20, 1);
    let b0 = discharge_views(&used_b, &shapes, &claims, false, 20, 2);
    assert_eq!((distinct(&a0), distinct(&b0)), (1, 1));
    assert!(
        distinguishes(&a0, &b0),
        "the test cannot fail: it misses an unmasked discharge"
    );
}

/// The discharge of a pool with the given entries, slot shapes and claims (transcript `view`).
fn discharge(
    entries: Vec<EF>,
    shapes: &[(usize, usize)],
    claims: &[MaskClaim],
) -> (MaskPoolProof, Vec<PoolClaim>) {
    let mut pool = MaskPool::from_entries(entries).unwrap();
    for (&(n, d), c) in shapes.iter().zip(claims) {
        let (slot, _) = pool.next_mask(n, d).unwrap();
        pool.record(slot.index, c.clone()).unwrap();
    }
    pool.finish(&mut Transcript::new(b"view")).unwrap()
}

/// The challenges of a discharge, replayed from its proof: `(W, ρ₁, ρ₂)` (`z`, `s` are in the
/// claims' points).
fn replay(
    shapes: &[(usize, usize)],
    claims: &[MaskClaim],
    proof: &MaskPoolProof,
) -> (Vec<EF>, EF, EF) {
    use zkinfer_sumcheck::zk::{labels as zl, mask_weights, pool::labels as pl};
    let mut t = Transcript::new(b"view");
    // The shape: size, claims, slots, each slot (Libra: 0, variables, degree, no per-variable
    // degrees), no linear claims.
    let mut shape = vec![1 << 13, shapes.len() as i64, shapes.len() as i64];
    for &(n, d) in shapes {
        shape.extend([0, n as i64, d as i64, 0]);
    }
    shape.push(0);
    t.absorb_ints(pl::POOL_SHAPE, &shape);
    let values: Vec<EF> = claims.iter().map(|c| c.value).collect();
    t.absorb_exts(pl::POOL_VALUES, &values);
    let lambda = t.challenge(pl::POOL_LAMBDA);
    let (mut w, mut sum, mut offset) = (vec![EF::ZERO; 1 << 13], EF::ZERO, 0);
    for ((&(n, d), c), scale) in shapes.iter().zip(claims).zip(lambda.powers()) {
        sum += scale * c.value;
        for (i, x) in mask_weights(d, &c.point).into_iter().enumerate() {
            w[offset + i] = scale * x;
        }
        offset += n * (d + 1);
    }
    let rho = |t: &Transcript, claimed: EF, mask_sum: EF| {
        let mut t = t.clone();
        t.absorb_ext(zl::ZK_CLAIM, claimed);
        t.absorb_ext(zl::MASK_SUM, mask_sum);
        t.challenge(zl::MASK_COEFF)
    };
    let rho1 = rho(&t, sum, proof.reduce.mask_sum);
    let _ = verify_zk(13, 2, sum, &proof.reduce, &mut t).unwrap();
    t.absorb_ext(pl::POOL_EVAL, proof.pool_eval);
    let rho2 = rho(&t, proof.reduce.mask_eval, proof.inner.mask_sum);
    (w, rho1, rho2)
}

/// Everything a discharge reveals, as an `EF`-linear function of the pool for fixed challenges
/// (layout of a `2^13` pool: `h` at 4032, `D` at 4096, `m = 6`). The dense mask is read through
/// its univariate entries only (the constant and the digits `t ∈ {1, 2}` of one variable), which
/// is all the coupling below changes.
fn revealed(x: &[EF], w: &[EF], z: &[EF], s: &[EF], rho1: EF, rho2: EF) -> Vec<EF> {
    use zkinfer_poly::fix_first_var_in_place;
    let (k, m, h_off, d_off) = (13, 6, 4032, 4096);
    let mut out = Vec::new();
    let mut sumcheck = |a: &[EF], b: &[EF], g: &MaskPolynomial, pt: &[EF], rho: EF| {
        let (mut a, mut b) = (a.to_vec(), b.to_vec());
        out.push(g.sum());
        for (i, &r) in pt.iter().enumerate() {
            let half = a.len() / 2;
            let mask = g.round_poly(&pt[..i]).unwrap();
            // The round's message: every value but g(1) (`round_message`).
            for (t, &mt) in mask.iter().enumerate().filter(|&(t, _)| t != 1) {
                let t = EF::from_usize(t);
                let f: EF = (0..half)
                    .map(|j| {
                        let at = a[j] + t * (a[half + j] - a[j]);
                        at * (b[j] + t * (b[half + j] - b[j]))
                    })
                    .sum();
                out.push(f + rho * mt);
            }
            fix_first_var_in_place(&mut a, r);
            fix_first_var_in_place(&mut b, r);
        }
        out.push(g.evaluate(pt).unwrap());
        out.push(a[0]);
    };
    let coeffs = |c: &[EF]| c.chunks(3).map(<[EF]>::to_vec).collect::<Vec<_>>();
    let h = MaskPolynomial::from_coefficients(2, coeffs(&x[h_off..h_off + 3 * k])).unwrap();
    sumcheck(x, w, &h, z, rho1);
    // D's univariate part as a Libra mask: var i's t-th coefficient at index t·4^(m−1−i).
    let mut d = vec![EF::ZERO; 3 * m];
    d[0] = x[d_off];
    for i in 0..m {
        for t in 1..3 {
            d[3 * i + t] = x[d_off + t * (1 << (2 * (m - 1 - i)))];
        }
    }
    let d = MaskPolynomial::from_coefficients(2, coeffs(&d)).unwrap();
    let mut wh = zkinfer_sumcheck::zk::mask_weights(2, z);
    wh.resize(1 << m, EF::ZERO);
    sumcheck(&x[h_off..h_off + (1 << m)], &wh, &d, s, rho2);
    out
}

#[test]
fn a_coupling_maps_one_pool_to_the_other_with_the_same_discharge() {
    // The simulator argument of docs/ZK-sumcheck.md §4.3, made concrete: for pools A and B with
    // identical Libra views (as in the test above) and any fresh randomness R for A, there is
    // R' = R + ε for B — ε on h, i*, the free entries of H and D's univariate entries only —
    // such that B's discharge (proof and claims) is *identical* to A's. So the discharge's
    // distribution is the same for A and B (ε is a bijection of the randomness).
    let fxs: Vec<Fixture> = vec![fixture(30, 4, 2, true), fixture(31, 3, 3, false)];
    let shapes: Vec<(usize, usize)> = fxs.iter().map(|f| (f.num_vars(), f.degree())).collect();
    let mut rng = StdRng::seed_from_u64(12);
    let mut a_pool: Vec<EF> = (0..1 << 13).map(|_| random_ext(&mut rng)).collect();
    // Zero D's degree-3 entries as the pool does.
    a_pool = MaskPool::from_entries(a_pool).unwrap().entries().to_vec();
    let mut b_pool = a_pool.clone();
    let mut offset = 0;
    for &(n, d) in &shapes {
        let a = random_ext(&mut rng);
        b_pool[offset] += a;
        b_pool[offset + d + 1] -= a;
        offset += n * (d + 1);
    }
    // The Libra claims (the same for A and B: the test above checks the views agree).
    let mut pool = MaskPool::from_entries(a_pool.clone()).unwrap();
    let mut t = Transcript::new(b"libra");
    let claims: Vec<MaskClaim> = fxs
        .iter()
        .map(|fx| {
            let (_, g) = pool.next_mask(fx.num_vars(), fx.degree()).unwrap();
            let out = prove_zk(fx.columns(), &fx.terms, fx.r.as_deref(), &g, &mut t);
            MaskClaim {
                point: out.point,
                value: out.mask_eval,
            }
        })
        .collect();
    let (proof_a, claims_a) = discharge(a_pool.clone(), &shapes, &claims);
    let (proof_b0, _) = discharge(b_pool.clone(), &shapes, &claims);
    assert_ne!(
        proof_a, proof_b0,
        "without the coupling the discharges differ"
    );

    let (w, rho1, rho2) = replay(&shapes, &claims, &proof_a);
    let z = claims_a[0].point[..13].to_vec();
    let s = claims_a[1].point[7..13].to_vec();
    let view = |x: &[EF]| revealed(x, &w, &z, &s, rho1, rho2);
    // The model against the real proof: level 1 (G_h, 13 rounds of 2 sent values, h(z), c̃(z))
    // and c̃_H(s)
    // (level 2's mask values need D's whole table, which the model reads only in part).
    let model = view(&a_pool);
    let mut real = vec![proof_a.reduce.mask_sum];
    real.extend(proof_a.reduce.sumcheck.round_polys.iter().flatten());
    real.extend([proof_a.reduce.mask_eval, proof_a.pool_eval]);
    assert_eq!(model[..29], real[..], "the linear model of level 1");
    assert_eq!(model[43], proof_a.inner_eval);

    // Unknowns: h (4032..4071), i* (4031), H's free entries (4071..4096), D's univariate entries.
    let mut unknowns: Vec<usize> = (4031..4096).collect();
    unknowns.push(4096);
    for i in 0..6 {
        for t in 1..3 {
            unknowns.push(4096 + t * (1 << (2 * (5 - i))));
        }
    }
    let delta: Vec<EF> = b_pool.iter().zip(&a_pool).map(|(b, a)| *b - *a).collect();
    let target: Vec<EF> = view(&delta).iter().map(|&v| -v).collect();
    let mut rows = vec![vec![EF::ZERO; unknowns.len()]; target.len()];
    for (c, &idx) in unknowns.iter().enumerate() {
        let mut e = vec![EF::ZERO; 1 << 13];
        e[idx] = EF::ONE;
        for (r, v) in view(&e).into_iter().enumerate() {
            rows[r][c] = v;
        }
    }
    // Control: with i* alone as the unknown there is no coupling (the system is not trivial).
    let col = unknowns.iter().position(|&i| i == 4031).unwrap();
    let only: Vec<Vec<EF>> = rows.iter().map(|r| vec![r[col]]).collect();
    assert!(
        solve(only, target.clone()).is_none(),
        "the control finds a coupling"
    );
    let eps = solve(rows, target).expect("the coupling exists");
    let mut b_coupled = b_pool.clone();
    for (&idx, &e) in unknowns.iter().zip(&eps) {
        b_coupled[idx] += e;
    }
    let (proof_b, claims_b) = discharge(b_coupled, &shapes, &claims);
    assert_eq!(proof_b, proof_a, "coupled discharges differ");
    assert_eq!(claims_b, claims_a);
}
