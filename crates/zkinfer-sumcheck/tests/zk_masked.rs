//! Libra's `Z·R` masking of revealed evaluations (docs/ZK-sumcheck.md §5): masked sumchecks
//! whose private columns are reported masked, masked claims consumed over an extra variable
//! `w`, the masked claim reduction, and the pool's linear claims.
//!
//! The chain every round-trip and soundness test runs, over a tensor `T = A∘B` of `n`
//! variables (extension-field columns), all masks from one pool:
//! 1. `Σ_x eq(e, x)·(T·P + c·T)`, `T` private, `P` public → a masked claim on `T`, a plain one on `P`;
//! 2. `Σ_x T·Q`, `T` private → a second masked claim on `T`;
//! 3. the masked reduction of both and a plain claim on `T` → one masked claim `T(ρ)`;
//! 4. the op `T(ρ) = Σ_x eq(ρ, x)·A(x)·B(x)` started from that masked claim, `A`, `B` private;
//! 5. the reduction of the masked claim on `A` to a plain one (a claim for a PCS opening);
//!
//! then the pool's discharge. The hiding commitment is an in-test oracle (the pool column is
//! absorbed; claims are checked against it in memory). The masked claim on `B` left by step 4 is
//! checked with the prover's pool (what its consumer's masked sumcheck would check).

mod common;

use common::{distinct, distinguishes, solve};
use rand::{SeedableRng, rngs::StdRng};
use zkinfer_field::{EF, F, Field, PrimeCharacteristicRing, PrimeField64, Transcript};
use zkinfer_poly::{eq_eval, evaluate};
use zkinfer_sumcheck::zk::{masked_degrees, random_ext};
use zkinfer_sumcheck::{
    ClaimMask, Column, MaskPolynomial, MaskPool, MaskPoolProof, MaskPoolVerifier, MaskedClaim,
    MaskedReductionProof, MaskedSumcheckProof, PoolClaim, SumcheckError, Term, prove_zk_masked,
    reduce_masked_claims, verify_reduce_masked_claims, verify_zk_masked,
};

const POOL: usize = 1 << 13;

fn commit(column: &[F], t: &mut Transcript) {
    t.absorb_fields(b"test/pool-commitment", column);
}

fn ext(rng: &mut StdRng, n: usize) -> Vec<EF> {
    (0..1 << n).map(|_| random_ext(rng)).collect()
}

fn rand_point(rng: &mut StdRng, n: usize) -> Vec<EF> {
    (0..n).map(|_| random_ext(rng)).collect()
}

fn prod() -> Vec<Term> {
    vec![Term::new(EF::ONE, vec![0, 1])]
}

/// The chain's data: private `A`, `B` (`T = A∘B`), public `P`, `Q`, `e`, `c`, a plain claim point.
struct World {
    n: usize,
    a: Vec<EF>,
    b: Vec<EF>,
    t: Vec<EF>,
    p: Vec<EF>,
    q: Vec<EF>,
    e: Vec<EF>,
    c: EF,
    plain: Vec<EF>,
}

impl World {
    fn new(seed: u64, n: usize) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let (a, b) = (ext(&mut rng, n), ext(&mut rng, n));
        let t = a.iter().zip(&b).map(|(&x, &y)| x * y).collect();
        Self {
            n,
            a,
            b,
            t,
            p: ext(&mut rng, n),
            q: ext(&mut rng, n),
            e: rand_point(&mut rng, n),
            c: random_ext(&mut rng),
            plain: rand_point(&mut rng, n),
        }
    }

    fn terms1(&self) -> Vec<Term> {
        vec![Term::new(EF::ONE, vec![0, 1]), Term::new(self.c, vec![0])]
    }
}

/// Everything the prover sends (the masked evaluations of each sumcheck included).
#[derive(Clone)]
struct Sent {
    h1: EF,
    s1: MaskedSumcheckProof,
    e1: Vec<EF>,
    h2: EF,
    s2: MaskedSumcheckProof,
    e2: Vec<EF>,
    red: MaskedReductionProof,
    s4: MaskedSumcheckProof,
    e4: Vec<EF>,
    red_a: MaskedReductionProof,
    pool: MaskPoolProof,
}

/// Every field element of a masked sumcheck proof, mutably.
fn sumcheck_values(m: &mut MaskedSumcheckProof) -> Vec<&mut EF> {
    let mut v: Vec<&mut EF> = vec![&mut m.zk.mask_sum, &mut m.zk.mask_eval];
    v.extend(m.zk.sumcheck.round_polys.iter_mut().flatten());
    v.extend(m.incoming_eval.as_mut());
    v
}

/// Every field element of the sent proof, mutably (for tampering one at a time).
fn values_mut(s: &mut Sent) -> Vec<(&'static str, &mut EF)> {
    let mut out: Vec<(&'static str, &mut EF)> = vec![("h1", &mut s.h1), ("h2", &mut s.h2)];
    out.extend(sumcheck_values(&mut s.s1).into_iter().map(|v| ("s1", v)));
    out.extend(s.e1.iter_mut().map(|v| ("e1", v)));
    out.extend(sumcheck_values(&mut s.s2).into_iter().map(|v| ("s2", v)));
    out.extend(s.e2.iter_mut().map(|v| ("e2", v)));
    out.extend(
        sumcheck_values(&mut s.red.sumcheck)
            .into_iter()
            .map(|v| ("red", v)),
    );
    out.push(("red.eval", &mut s.red.eval));
    out.extend(sumcheck_values(&mut s.s4).into_iter().map(|v| ("s4", v)));
    out.extend(s.e4.iter_mut().map(|v| ("e4", v)));
    out.extend(
        sumcheck_values(&mut s.red_a.sumcheck)
            .into_iter()
            .map(|v| ("red_a", v)),
    );
    out.push(("red_a.eval", &mut s.red_a.eval));
    let p = &mut s.pool;
    for (name, zk) in [("pool.reduce", &mut p.reduce), ("pool.inner", &mut p.inner)] {
        out.push((name, &mut zk.mask_sum));
        out.push((name, &mut zk.mask_eval));
        out.extend(
            zk.sumcheck
                .round_polys
                .iter_mut()
                .flatten()
                .map(|v| (name, v)),
        );
    }
    out.push(("pool.eval", &mut p.pool_eval));
    out.push(("pool.inner_eval", &mut p.inner_eval));
    out
}

/// Runs the chain's prover; returns what it sends, a copy of the pool before the discharge (the
/// in-test oracle for the masked claim on `B`) and the pool's claims.
fn prove_chain(
    w: &World,
    mut pool: MaskPool,
    committed: &[F],
) -> Result<(Sent, MaskPool, Vec<PoolClaim>), SumcheckError> {
    let mut t = Transcript::new(b"masked");
    commit(committed, &mut t);
    let col = |v: &[EF]| Column::Ext(v.to_vec());
    let s1 = prove_zk_masked(
        vec![col(&w.t), col(&w.p)],
        &w.terms1(),
        Some(&w.e),
        &[0],
        &[],
        &mut pool,
        &mut t,
    )?;
    t.absorb_exts(b"test/evals", &s1.evals);
    let s2 = prove_zk_masked(
        vec![col(&w.t), col(&w.q)],
        &prod(),
        None,
        &[0],
        &[],
        &mut pool,
        &mut t,
    )?;
    t.absorb_exts(b"test/evals", &s2.evals);
    let plain = MaskedClaim::plain(w.plain.clone(), evaluate(&w.t, &w.plain));
    let claims = [s1.claims[0].clone(), s2.claims[0].clone(), plain];
    let (red, ct) = reduce_masked_claims(col(&w.t), &claims, true, &mut pool, &mut t)?;
    let s4 = prove_zk_masked(
        vec![col(&w.a), col(&w.b)],
        &prod(),
        Some(&ct.point),
        &[0, 1],
        &ct.masks,
        &mut pool,
        &mut t,
    )?;
    t.absorb_exts(b"test/evals", &s4.evals);
    let (red_a, _) = reduce_masked_claims(col(&w.a), &s4.claims[..1], false, &mut pool, &mut t)?;
    let oracle = pool.clone();
    let (pool_proof, pool_claims) = pool.finish(&mut t)?;
    let sent = Sent {
        h1: s1.claimed_sum,
        s1: s1.proof,
        e1: s1.evals,
        h2: s2.claimed_sum,
        s2: s2.proof,
        e2: s2.evals,
        red,
        s4: s4.proof,
        e4: s4.evals,
        red_a,
        pool: pool_proof,
    };
    Ok((sent, oracle, pool_claims))
}

/// The masked claim on `values` checked in memory: `T(point) + Σ coeff·(2a + b) = value`.
fn oracle_masked(values: &[EF], c: &MaskedClaim, pool: &MaskPool) -> Result<(), String> {
    let mut v = evaluate(values, &c.point);
    for m in &c.masks {
        let [a, b] = pool.claim_mask(m.slot).map_err(|e| e.to_string())?;
        v += m.coeff * (a.double() + b);
    }
    (v == c.value).then_some(()).ok_or("masked claim".into())
}

fn open(column: &[F], claims: &[PoolClaim]) -> Result<(), String> {
    for (i, c) in claims.iter().enumerate() {
        if c.column != 0 || evaluate(column, &c.point) != c.value {
            return Err(format!("pool opening {i}"));
        }
    }
    Ok(())
}

/// The chain's verifier. `Err` names the first check that failed.
fn verify_chain(w: &World, s: &Sent, column: &[F], oracle: &MaskPool) -> Result<(), String> {
    fn e(at: &'static str) -> impl Fn(SumcheckError) -> String {
        move |err| format!("{at}: {err}")
    }
    let n = w.n;
    let mut t = Transcript::new(b"masked");
    commit(column, &mut t);
    let mut pv = MaskPoolVerifier::new(POOL).map_err(|x| x.to_string())?;
    let terms1 = w.terms1();
    let sub1 = verify_zk_masked(
        n,
        &terms1,
        Some(&w.e),
        &[0],
        &[],
        s.h1,
        &s.s1,
        &mut pv,
        &mut t,
    )
    .map_err(e("s1"))?;
    t.absorb_exts(b"test/evals", &s.e1);
    let c1 = sub1
        .check_products(&terms1, Some(&w.e), &s.e1)
        .map_err(e("s1 final"))?;
    if c1[1].masks.is_empty() && evaluate(&w.p, &c1[1].point) != c1[1].value {
        return Err("P opening".into());
    }
    let sub2 = verify_zk_masked(n, &prod(), None, &[0], &[], s.h2, &s.s2, &mut pv, &mut t)
        .map_err(e("s2"))?;
    t.absorb_exts(b"test/evals", &s.e2);
    let c2 = sub2
        .check_products(&prod(), None, &s.e2)
        .map_err(e("s2 final"))?;
    if evaluate(&w.q, &c2[1].point) != c2[1].value {
        return Err("Q opening".into());
    }
    let plain = MaskedClaim::plain(w.plain.clone(), evaluate(&w.t, &w.plain));
    let claims = [c1[0].clone(), c2[0].clone(), plain];
    let ct = verify_reduce_masked_claims(n, &claims, true, &s.red, &mut pv, &mut t)
        .map_err(e("reduce"))?;
    let sub4 = verify_zk_masked(
        n,
        &prod(),
        Some(&ct.point),
        &[0, 1],
        &ct.masks,
        ct.value,
        &s.s4,
        &mut pv,
        &mut t,
    )
    .map_err(e("s4"))?;
    t.absorb_exts(b"test/evals", &s.e4);
    let c4 = sub4
        .check_products(&prod(), Some(&ct.point), &s.e4)
        .map_err(e("s4 final"))?;
    let ca = verify_reduce_masked_claims(n, &c4[..1], false, &s.red_a, &mut pv, &mut t)
        .map_err(e("reduce A"))?;
    if !ca.masks.is_empty() || evaluate(&w.a, &ca.point) != ca.value {
        return Err("A opening".into());
    }
    oracle_masked(&w.b, &c4[1], oracle)?;
    let pool_claims = pv.finish(&mut t, &s.pool).map_err(e("discharge"))?;
    open(column, &pool_claims)
}

#[test]
fn masked_chains_verify_and_every_revealed_value_is_masked() {
    let mut rng = StdRng::seed_from_u64(1);
    for n in [1, 2, 4] {
        let w = World::new(10 + n as u64, n);
        let pool = MaskPool::random(POOL, &mut rng).unwrap();
        let column = pool.columns().remove(0);
        let (sent, oracle, claims) = prove_chain(&w, pool, &column).unwrap();
        verify_chain(&w, &sent, &column, &oracle).unwrap();
        open(&column, &claims).unwrap();
        // The reported evaluations of the private columns are not the columns' values (and the
        // public ones are): the final check runs on the masked values.
        let r1 = sent.s1.zk.sumcheck.round_polys.len();
        assert_eq!(r1, n, "no w round without incoming masks");
        assert_eq!(sent.s1.incoming_eval, None);
        assert!(sent.red.sumcheck.incoming_eval.is_some());
        assert_eq!(sent.red.sumcheck.zk.sumcheck.round_polys.len(), n + 1);
        // Round sizes follow the per-round degrees: w 1, middle d, last d + (private factors).
        let deg: Vec<usize> = sent
            .s4
            .zk
            .sumcheck
            .round_polys
            .iter()
            .map(Vec::len)
            .collect();
        // A round of degree d sends d values (g(1) is derived).
        assert_eq!(deg, masked_degrees(n, &prod(), true, &[0, 1], true));
        assert_eq!(*deg.last().unwrap(), 5);
    }
    // An OS pool works the same way.
    let w = World::new(3, 3);
    let pool = MaskPool::random_os(POOL).unwrap();
    let column = pool.columns().remove(0);
    let (sent, oracle, _) = prove_chain(&w, pool, &column).unwrap();
    verify_chain(&w, &sent, &column, &oracle).unwrap();
}

#[test]
fn masked_evaluations_are_the_columns_plus_z_times_the_claim_mask() {
    let mut rng = StdRng::seed_from_u64(2);
    let w = World::new(20, 3);
    let mut pool = MaskPool::random(POOL, &mut rng).unwrap();
    let mut t = Transcript::new(b"x");
    let out = prove_zk_masked(
        vec![Column::Ext(w.a.clone()), Column::Ext(w.p.clone())],
        &prod(),
        Some(&w.e),
        &[0],
        &[],
        &mut pool,
        &mut t,
    )
    .unwrap();
    let r = &out.point;
    let z = r[2] * (EF::ONE - r[2]);
    let slot = out.claims[0].masks[0].slot;
    let [a, b] = pool.claim_mask(slot).unwrap();
    assert_eq!(out.evals[0], evaluate(&w.a, r) + z * (a.double() + b));
    assert_ne!(out.evals[0], evaluate(&w.a, r));
    assert_eq!(out.evals[1], evaluate(&w.p, r));
    assert!(out.claims[1].masks.is_empty());
    assert_eq!(out.claims[0].masks, vec![ClaimMask { slot, coeff: z }]);
    // The claimed sum is the plain one (Z vanishes on the cube).
    let plain: EF = (0..8)
        .map(|i| {
            let x: Vec<EF> = (0..3).map(|k| EF::from_usize((i >> (2 - k)) & 1)).collect();
            eq_eval(&w.e, &x) * w.a[i] * w.p[i]
        })
        .sum();
    assert_eq!(out.claimed_sum, plain);
}

#[test]
fn every_tampered_value_is_rejected() {
    let mut rng = StdRng::seed_from_u64(3);
    let w = World::new(30, 3);
    let pool = MaskPool::random(POOL, &mut rng).unwrap();
    let column = pool.columns().remove(0);
    let (sent, oracle, _) = prove_chain(&w, pool, &column).unwrap();
    verify_chain(&w, &sent, &column, &oracle).unwrap();
    let count = values_mut(&mut sent.clone()).len();
    assert!(count > 100, "{count} values");
    for i in 0..count {
        let mut bad = sent.clone();
        let (name, v) = values_mut(&mut bad).swap_remove(i);
        *v += EF::ONE;
        assert!(
            verify_chain(&w, &bad, &column, &oracle).is_err(),
            "value {i} ({name}) changed and accepted"
        );
    }
    // A missing or unexpected incoming evaluation, a dropped or extra round: errors.
    let mut bad = sent.clone();
    bad.red.sumcheck.incoming_eval = None;
    let err = verify_chain(&w, &bad, &column, &oracle).unwrap_err();
    assert!(err.contains("incoming"), "{err}");
    let mut bad = sent.clone();
    bad.s1.incoming_eval = Some(EF::ONE);
    assert!(verify_chain(&w, &bad, &column, &oracle).is_err());
    let mut bad = sent.clone();
    bad.s4.zk.sumcheck.round_polys.pop();
    assert!(verify_chain(&w, &bad, &column, &oracle).is_err());
    let mut bad = sent.clone();
    bad.s2.zk.sumcheck.round_polys[1].push(EF::ONE);
    assert!(verify_chain(&w, &bad, &column, &oracle).is_err());
    let mut bad = sent;
    bad.e4.pop();
    assert!(verify_chain(&w, &bad, &column, &oracle).is_err());
}

#[test]
fn a_wrong_incoming_claim_is_rejected() {
    // The op's sumcheck started from a masked claim whose value is off by one: the verifier's
    // statement differs from the proven one.
    let mut rng = StdRng::seed_from_u64(4);
    let w = World::new(40, 3);
    let mut pool = MaskPool::random(POOL, &mut rng).unwrap();
    let column = pool.columns().remove(0);
    let mut t = Transcript::new(b"x");
    commit(&column, &mut t);
    let u = rand_point(&mut rng, 3);
    let claim = pool.next_claim_mask().unwrap();
    let [a, b] = pool.claim_mask(claim.index).unwrap();
    let z = EF::from_u64(5);
    let masks = vec![ClaimMask {
        slot: claim.index,
        coeff: z,
    }];
    let value = evaluate(&w.t, &u) + z * (a.double() + b);
    let out = prove_zk_masked(
        vec![Column::Ext(w.a.clone()), Column::Ext(w.b.clone())],
        &prod(),
        Some(&u),
        &[0, 1],
        &masks,
        &mut pool,
        &mut t,
    )
    .unwrap();
    assert_eq!(out.claimed_sum, value);
    for (claimed, ok) in [(value, true), (value + EF::ONE, false)] {
        let mut t = Transcript::new(b"x");
        commit(&column, &mut t);
        let mut pv = MaskPoolVerifier::new(POOL).unwrap();
        let slot = pv.next_claim_mask().unwrap();
        assert_eq!(slot, claim);
        let r = verify_zk_masked(
            3,
            &prod(),
            Some(&u),
            &[0, 1],
            &masks,
            claimed,
            &out.proof,
            &mut pv,
            &mut t,
        )
        .and_then(|s| s.check_products(&prod(), Some(&u), &out.evals));
        assert_eq!(r.is_ok(), ok, "{r:?}");
        if !ok {
            // `g(1)` is derived from the claim, so the rounds go through and the end fails.
            assert!(matches!(r, Err(SumcheckError::FinalEvalMismatch { .. })));
        }
    }
}

#[test]
fn claim_masks_other_than_the_committed_ones_are_caught_by_the_opening() {
    // A cheater proves a *false* incoming claim (value + δ) by using, in its own pool, claim-mask
    // entries shifted to absorb δ, while the committed column holds the honest ones. Every
    // sumcheck, final check and the discharge pass; only the opening of the pool rejects. With
    // the shifted entries committed the same proof is an honest one.
    let mut rng = StdRng::seed_from_u64(5);
    let w = World::new(50, 3);
    let honest: Vec<EF> = (0..POOL).map(|_| random_ext(&mut rng)).collect();
    let u = rand_point(&mut rng, 3);
    let z = EF::from_u64(3);
    let delta = EF::from_u64(1234);
    let false_claim = evaluate(&w.t, &u) + z * (honest[0].double() + honest[1]) + delta;
    let mut shifted = honest.clone();
    shifted[0] += delta * (z.double()).inverse();
    let masks = vec![ClaimMask { slot: 0, coeff: z }];
    let run = |committed: &[EF]| -> Result<(), String> {
        let mut pool = MaskPool::from_entries(shifted.clone()).unwrap();
        let column = MaskPool::from_entries(committed.to_vec())
            .unwrap()
            .columns()
            .remove(0);
        let mut t = Transcript::new(b"x");
        commit(&column, &mut t);
        let _ = pool.next_claim_mask().unwrap();
        let out = prove_zk_masked(
            vec![Column::Ext(w.a.clone()), Column::Ext(w.b.clone())],
            &prod(),
            Some(&u),
            &[0, 1],
            &masks,
            &mut pool,
            &mut t,
        )
        .unwrap();
        assert_eq!(out.claimed_sum, false_claim);
        let (proof, _) = pool.finish(&mut t).unwrap();
        let mut t = Transcript::new(b"x");
        commit(&column, &mut t);
        let mut pv = MaskPoolVerifier::new(POOL).unwrap();
        let _ = pv.next_claim_mask().unwrap();
        let sub = verify_zk_masked(
            3,
            &prod(),
            Some(&u),
            &[0, 1],
            &masks,
            false_claim,
            &out.proof,
            &mut pv,
            &mut t,
        )
        .map_err(|e| format!("sumcheck: {e}"))?;
        sub.check_products(&prod(), Some(&u), &out.evals)
            .map_err(|e| format!("final: {e}"))?;
        let claims = pv
            .finish(&mut t, &proof)
            .map_err(|e| format!("discharge: {e}"))?;
        open(&column, &claims)
    };
    assert_eq!(run(&honest).unwrap_err(), "pool opening 0");
    run(&shifted).unwrap();
}

#[test]
fn a_lying_incoming_evaluation_is_caught_by_the_discharge() {
    // Shift M(c_w) by δ and the masked evaluation of A so that the final check passes: the
    // sumcheck and its final check accept; the linear claim on the pool is false, and the
    // discharge rejects it.
    let mut rng = StdRng::seed_from_u64(6);
    let w = World::new(60, 2);
    let mut pool = MaskPool::random(POOL, &mut rng).unwrap();
    let column = pool.columns().remove(0);
    let mut t = Transcript::new(b"x");
    commit(&column, &mut t);
    let u = rand_point(&mut rng, 2);
    let slot = pool.next_claim_mask().unwrap().index;
    let [a, b] = pool.claim_mask(slot).unwrap();
    let masks = vec![ClaimMask {
        slot,
        coeff: EF::ONE,
    }];
    let value = evaluate(&w.t, &u) + a.double() + b;
    let out = prove_zk_masked(
        vec![Column::Ext(w.a.clone()), Column::Ext(w.b.clone())],
        &prod(),
        Some(&u),
        &[0, 1],
        &masks,
        &mut pool,
        &mut t,
    )
    .unwrap();
    let (pool_proof, _) = pool.finish(&mut t).unwrap();
    let verify = |proof: &MaskedSumcheckProof, evals: &[EF]| -> Result<(), String> {
        let mut t = Transcript::new(b"x");
        commit(&column, &mut t);
        let mut pv = MaskPoolVerifier::new(POOL).unwrap();
        let _ = pv.next_claim_mask().unwrap();
        let sub = verify_zk_masked(
            2,
            &prod(),
            Some(&u),
            &[0, 1],
            &masks,
            value,
            proof,
            &mut pv,
            &mut t,
        )
        .map_err(|e| format!("sumcheck: {e}"))?;
        sub.check_products(&prod(), Some(&u), evals)
            .map_err(|e| format!("final: {e}"))?;
        pv.finish(&mut t, &pool_proof)
            .map(|_| ())
            .map_err(|e| format!("discharge: {e}"))
    };
    verify(&out.proof, &out.evals).unwrap();
    let delta = EF::from_u64(77);
    let mut forged = out.proof.clone();
    *forged.incoming_eval.as_mut().unwrap() += delta;
    // final = f'(r)/2 + M/4: the sub-claim drops by δ/2; lower A' to match.
    let r = &out.point;
    let target = eq_eval(&u, r) * out.evals[0] * out.evals[1] - delta.halve();
    let mut evals = out.evals.clone();
    evals[0] = target * (eq_eval(&u, r) * evals[1]).inverse();
    let err = verify(&forged, &evals).unwrap_err();
    assert!(err.starts_with("discharge"), "{err}");
}

#[test]
fn misuse_is_an_error_not_a_panic() {
    let mut rng = StdRng::seed_from_u64(7);
    let mut pool = MaskPool::random(POOL, &mut rng).unwrap();
    let mut t = Transcript::new(b"x");
    let cols = || vec![Column::Ext(vec![EF::ONE; 4]), Column::Ext(vec![EF::TWO; 4])];
    let err = |r: Result<_, SumcheckError>| r.map(|_| ()).unwrap_err();
    // A private column listed twice or out of range; one without variables.
    assert!(matches!(
        err(prove_zk_masked(
            cols(),
            &prod(),
            None,
            &[0, 0],
            &[],
            &mut pool,
            &mut t
        )),
        SumcheckError::MaskedClaims { .. }
    ));
    assert!(matches!(
        err(prove_zk_masked(
            cols(),
            &prod(),
            None,
            &[2],
            &[],
            &mut pool,
            &mut t
        )),
        SumcheckError::MaskedClaims { .. }
    ));
    let scalar = vec![Column::Ext(vec![EF::ONE])];
    let one = [Term::new(EF::ONE, vec![0])];
    assert!(matches!(
        err(prove_zk_masked(
            scalar,
            &one,
            None,
            &[0],
            &[],
            &mut pool,
            &mut t
        )),
        SumcheckError::MaskedClaims { .. }
    ));
    // An incoming slot that is not a claim mask (a Libra mask, or none at all).
    let (libra, _) = pool.next_mask(2, 2).unwrap();
    for slot in [libra.index, 999] {
        let masks = [ClaimMask {
            slot,
            coeff: EF::ONE,
        }];
        assert!(matches!(
            err(prove_zk_masked(
                cols(),
                &prod(),
                None,
                &[],
                &masks,
                &mut pool,
                &mut t
            )),
            SumcheckError::BadMaskSlot { .. }
        ));
        let mut pv = MaskPoolVerifier::new(POOL).unwrap();
        let _ = pv.next_mask_shape(2, 2).unwrap();
        let proof = MaskedSumcheckProof {
            incoming_eval: Some(EF::ONE),
            ..Default::default()
        };
        let r = verify_zk_masked(
            2,
            &prod(),
            None,
            &[],
            &masks,
            EF::ONE,
            &proof,
            &mut pv,
            &mut t,
        );
        assert!(matches!(r, Err(SumcheckError::BadMaskSlot { .. })), "{r:?}");
    }
    // The verifier: an eq point of the wrong length, private columns listed twice, an empty
    // proof, claims at different points, empty reductions.
    let mut pv = MaskPoolVerifier::new(POOL).unwrap();
    let empty = MaskedSumcheckProof::default();
    let r = verify_zk_masked(
        2,
        &prod(),
        Some(&[EF::ONE]),
        &[],
        &[],
        EF::ONE,
        &empty,
        &mut pv,
        &mut t,
    );
    assert!(
        matches!(r, Err(SumcheckError::WrongEvalCount { .. })),
        "{r:?}"
    );
    let r = verify_zk_masked(
        2,
        &prod(),
        None,
        &[1, 1],
        &[],
        EF::ONE,
        &empty,
        &mut pv,
        &mut t,
    );
    assert!(
        matches!(r, Err(SumcheckError::MaskedClaims { .. })),
        "{r:?}"
    );
    let r = verify_zk_masked(
        2,
        &prod(),
        None,
        &[0],
        &[],
        EF::ONE,
        &empty,
        &mut pv,
        &mut t,
    );
    assert!(
        matches!(r, Err(SumcheckError::WrongRoundCount { .. })),
        "{r:?}"
    );
    let c1 = MaskedClaim::plain(vec![EF::ONE], EF::ONE);
    let c2 = MaskedClaim::plain(vec![EF::TWO], EF::ONE);
    assert!(MaskedClaim::linear_combination(&[(EF::ONE, &c1), (EF::ONE, &c2)], EF::ZERO).is_err());
    assert!(MaskedClaim::linear_combination(&[], EF::ZERO).is_err());
    let r = verify_reduce_masked_claims(1, &[], true, &Default::default(), &mut pv, &mut t);
    assert_eq!(r, Err(SumcheckError::Empty));
    let r = verify_reduce_masked_claims(2, &[c1], true, &Default::default(), &mut pv, &mut t);
    assert!(
        matches!(r, Err(SumcheckError::WrongPointLength { .. })),
        "{r:?}"
    );
    // A sub-claim checked with too few evaluations for its private columns.
    let mut pool = MaskPool::random(POOL, &mut rng).unwrap();
    let mut t = Transcript::new(b"y");
    let out = prove_zk_masked(cols(), &prod(), None, &[1], &[], &mut pool, &mut t).unwrap();
    let mut pv = MaskPoolVerifier::new(POOL).unwrap();
    let mut t = Transcript::new(b"y");
    let sub = verify_zk_masked(
        2,
        &prod(),
        None,
        &[1],
        &[],
        out.claimed_sum,
        &out.proof,
        &mut pv,
        &mut t,
    )
    .unwrap();
    assert!(sub.check_products(&prod(), None, &out.evals[..1]).is_err());
    assert_eq!(
        sub.check_products(&prod(), None, &out.evals).unwrap(),
        out.claims
    );
}

#[test]
fn linear_maps_carry_the_masks() {
    // Rescale's x(ρ) = 2^k·q(ρ) + r(ρ) − 2^(k−1) with q, r sent masked (claim masks, coefficient
    // 1): the claim on x carries both masks, scaled; then x's consumer starts from it and the
    // pool discharges the combined value.
    let mut rng = StdRng::seed_from_u64(8);
    let n = 3;
    let (q, r) = (ext(&mut rng, n), ext(&mut rng, n));
    let k = EF::from_u64(1 << 8);
    let half = EF::from_u64(1 << 7);
    let x: Vec<EF> = q.iter().zip(&r).map(|(&a, &b)| k * a + b - half).collect();
    let rho = rand_point(&mut rng, n);
    let mut pool = MaskPool::random(POOL, &mut rng).unwrap();
    let column = pool.columns().remove(0);
    let mut t = Transcript::new(b"x");
    commit(&column, &mut t);
    let cq = pool.mask_value(rho.clone(), evaluate(&q, &rho)).unwrap();
    let cr = pool.mask_value(rho.clone(), evaluate(&r, &rho)).unwrap();
    oracle_masked(&q, &cq, &pool).unwrap();
    assert_ne!(cq.value, evaluate(&q, &rho));
    t.absorb_exts(b"test/evals", &[cq.value, cr.value]);
    let cx = MaskedClaim::linear_combination(&[(k, &cq), (EF::ONE, &cr)], -half).unwrap();
    assert_eq!(cx.masks.len(), 2);
    assert_eq!(cx.masks[0].coeff, k);
    // x's consumer: the claim reduced (one claim), masked again.
    let (red, cx2) = reduce_masked_claims(
        Column::Ext(x.clone()),
        std::slice::from_ref(&cx),
        true,
        &mut pool,
        &mut t,
    )
    .unwrap();
    let oracle = pool.clone();
    oracle_masked(&x, &cx2, &oracle).unwrap();
    let (pool_proof, _) = pool.finish(&mut t).unwrap();
    let mut t = Transcript::new(b"x");
    commit(&column, &mut t);
    let mut pv = MaskPoolVerifier::new(POOL).unwrap();
    assert_eq!(pv.masked_value(rho.clone(), cq.value).unwrap(), cq);
    assert_eq!(pv.masked_value(rho.clone(), cr.value).unwrap(), cr);
    t.absorb_exts(b"test/evals", &[cq.value, cr.value]);
    let back =
        verify_reduce_masked_claims(n, std::slice::from_ref(&cx), true, &red, &mut pv, &mut t)
            .unwrap();
    assert_eq!(back, cx2);
    let claims = pv.finish(&mut t, &pool_proof).unwrap();
    open(&column, &claims).unwrap();
    // A point permutation (transpose) keeps the masks.
    let moved = cx.clone().with_point(rho.iter().rev().copied().collect());
    assert_eq!(moved.masks, cx.masks);
}

/// One masked op proof for the hiding tests: the consumer of one incoming masked claim on
/// `T = A∘B` at `u` (value `c`), reporting `A`, `B` masked. Returns everything it reveals.
fn op_view(a: &[EF], b: &[EF], u: &[EF], pool: MaskPool) -> Vec<EF> {
    let mut pool = pool;
    let mut t = Transcript::new(b"hiding");
    // The hiding commitment is simulatable: a fixed stand-in, so that equal views give equal
    // challenges.
    t.absorb_fields(b"test/pool-commitment", &[F::ONE]);
    let slot = pool.next_claim_mask().unwrap().index;
    let [ra, rb] = pool.claim_mask(slot).unwrap();
    let z = u[u.len() - 1] * (EF::ONE - u[u.len() - 1]);
    let tv: Vec<EF> = a.iter().zip(b).map(|(&x, &y)| x * y).collect();
    let c = evaluate(&tv, u) + z * (ra.double() + rb);
    t.absorb_ext(b"test/claim", c);
    let masks = [ClaimMask { slot, coeff: z }];
    let out = prove_zk_masked(
        vec![Column::Ext(a.to_vec()), Column::Ext(b.to_vec())],
        &prod(),
        Some(u),
        &[0, 1],
        &masks,
        &mut pool,
        &mut t,
    )
    .unwrap();
    let mut v = vec![c, out.proof.zk.mask_sum];
    v.extend(out.proof.zk.sumcheck.round_polys.iter().flatten());
    v.push(out.proof.zk.mask_eval);
    v.extend(&out.evals);
    v.extend(out.proof.incoming_eval);
    v
}

/// The offsets of the entries `op_view` uses: the incoming claim mask, the Libra mask, the two
/// outgoing claim masks.
fn used_entries(n: usize) -> (Vec<usize>, Vec<usize>) {
    let degrees = masked_degrees(n, &prod(), true, &[0, 1], true);
    let libra: usize = degrees.iter().map(|d| d + 1).sum();
    let claim_masks: Vec<usize> = [0, 1, 2 + libra, 3 + libra, 4 + libra, 5 + libra].to_vec();
    let libra_entries = (2..2 + libra).collect();
    (claim_masks, libra_entries)
}

fn low_bits(v: &[EF]) -> Vec<u64> {
    use zkinfer_field::BasedVectorSpace;
    v.iter()
        .flat_map(|e| {
            e.as_basis_coefficients_slice()
                .iter()
                .map(|x: &F| x.as_canonical_u64())
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn masked_evaluations_do_not_reveal_the_witness() {
    // Two witnesses (A, B) with the same public statement shape; with fresh pools every
    // revealed value (the incoming claim, the rounds, the masked evaluations, M(c_w)) differs in
    // every run and a χ² test does not separate them. With the claim masks zero (Z·R off, Libra
    // masks still fresh) the masked evaluations are the columns' values at a point that depends
    // only on the transcript — the revealed claim is one fixed function of the witness, and the
    // same test separates them.
    let n = 3;
    let mut rng = StdRng::seed_from_u64(9);
    let u = rand_point(&mut rng, n);
    let wa = (ext(&mut rng, n), ext(&mut rng, n));
    let wb = (ext(&mut rng, n), ext(&mut rng, n));
    let (claim_masks, _) = used_entries(n);
    let runs = 150;
    let sample = |w: &(Vec<EF>, Vec<EF>), zr: bool, rng: &mut StdRng| -> Vec<Vec<u64>> {
        (0..runs)
            .map(|_| {
                let mut e: Vec<EF> = (0..POOL).map(|_| random_ext(rng)).collect();
                if !zr {
                    for &i in &claim_masks {
                        e[i] = EF::ZERO;
                    }
                }
                // Everything the proof reveals, as the low bits of both limbs.
                low_bits(&op_view(&w.0, &w.1, &u, MaskPool::from_entries(e).unwrap()))
            })
            .collect()
    };
    // The incoming claim value: the first revealed element (two limbs).
    let claim = |s: &[Vec<u64>]| -> Vec<Vec<u64>> { s.iter().map(|v| v[..2].to_vec()).collect() };
    let (sa, sb) = (sample(&wa, true, &mut rng), sample(&wb, true, &mut rng));
    assert_eq!(distinct(&claim(&sa)), runs);
    assert_eq!(distinct(&claim(&sb)), runs);
    assert!(
        !distinguishes(&sa, &sb),
        "masked views separate the witnesses"
    );
    let (za, zb) = (sample(&wa, false, &mut rng), sample(&wb, false, &mut rng));
    assert_eq!(
        distinct(&claim(&za)),
        1,
        "without Z·R the claim is a fixed function of the witness"
    );
    assert!(distinguishes(&za, &zb), "the test can fail");
    // The masked evaluations themselves, over the whole view: with Z·R every run differs.
    let full = |w: &(Vec<EF>, Vec<EF>), zr: bool, rng: &mut StdRng| -> Vec<Vec<u64>> {
        (0..40)
            .map(|_| {
                let mut e: Vec<EF> = (0..POOL).map(|_| random_ext(rng)).collect();
                if !zr {
                    for &i in &claim_masks {
                        e[i] = EF::ZERO;
                    }
                }
                let v = op_view(&w.0, &w.1, &u, MaskPool::from_entries(e).unwrap());
                let len = v.len();
                // The two masked evaluations and M(c_w), at the end of the view.
                low_bits(&v[len - 3..])
            })
            .collect()
    };
    assert_eq!(distinct(&full(&wa, true, &mut rng)), 40);
    // Without Z·R: the point changes with the Libra masks (Fiat–Shamir), the masked
    // evaluations are A(r), B(r) — checked directly.
    let mut e: Vec<EF> = (0..POOL).map(|_| random_ext(&mut rng)).collect();
    for &i in &claim_masks {
        e[i] = EF::ZERO;
    }
    let mut pool = MaskPool::from_entries(e).unwrap();
    let mut t = Transcript::new(b"plain");
    let slot = pool.next_claim_mask().unwrap().index;
    let out = prove_zk_masked(
        vec![Column::Ext(wa.0.clone()), Column::Ext(wa.1.clone())],
        &prod(),
        Some(&u),
        &[0, 1],
        &[ClaimMask {
            slot,
            coeff: EF::ONE,
        }],
        &mut pool,
        &mut t,
    )
    .unwrap();
    assert_eq!(out.evals[0], evaluate(&wa.0, &out.point));
    assert_eq!(out.evals[1], evaluate(&wa.1, &out.point));
}

/// Everything `op_view` reveals, for fixed challenges, by brute force over the cube: an affine
/// function of the used pool entries (`entries` the whole pool).
fn view_at(a: &[EF], b: &[EF], u: &[EF], entries: &[EF], (rho, cw, r): (EF, EF, &[EF])) -> Vec<EF> {
    let n = u.len();
    let (claim_masks, libra_entries) = used_entries(n);
    let cm = |k: usize| (entries[claim_masks[2 * k]], entries[claim_masks[2 * k + 1]]);
    let (ia, ib) = cm(0);
    let sa = {
        let (x, y) = cm(1);
        x.double() + y
    };
    let sb = {
        let (x, y) = cm(2);
        x.double() + y
    };
    let z = u[n - 1] * (EF::ONE - u[n - 1]);
    let tv: Vec<EF> = a.iter().zip(b).map(|(&x, &y)| x * y).collect();
    let c = evaluate(&tv, u) + z * (ia.double() + ib);
    let m = |w: EF| z * (ia + ib * w);
    let degrees = masked_degrees(n, &prod(), true, &[0, 1], true);
    let mut coeffs = Vec::new();
    let mut it = libra_entries.iter();
    for &d in &degrees {
        coeffs.push((0..=d).map(|_| entries[*it.next().unwrap()]).collect());
    }
    let g = MaskPolynomial::from_coefficients_per_var(coeffs).unwrap();
    // The summand over (w, x): eq(u, x)·A'(x)·B'(x)/2 + 2^(−n)·M(w).
    let inv = EF::TWO.exp_u64(n as u64).inverse();
    let summand = |p: &[EF]| -> EF {
        let (w, x) = (p[0], &p[1..]);
        let zx = x[n - 1] * (EF::ONE - x[n - 1]);
        let av = evaluate(a, x) + zx * sa;
        let bv = evaluate(b, x) + zx * sb;
        eq_eval(u, x) * av * bv * EF::TWO.inverse() + inv * m(w)
    };
    let mut full = vec![cw];
    full.extend_from_slice(r);
    let mut v = vec![c, g.sum()];
    for k in 0..degrees.len() {
        let rest = n - k; // variables after this one, of n + 1
        let gk = g.round_poly(&full[..k]).unwrap();
        // The round's message: every value but g(1) (`round_message`).
        for (t, &gt) in gk.iter().enumerate().filter(|&(t, _)| t != 1) {
            let f: EF = (0..1usize << rest)
                .map(|tail| {
                    let mut p = full[..k].to_vec();
                    p.push(EF::from_usize(t));
                    p.extend((0..rest).map(|j| EF::from_usize((tail >> (rest - 1 - j)) & 1)));
                    summand(&p)
                })
                .sum();
            v.push(f + rho * gt);
        }
    }
    v.push(g.evaluate(&full).unwrap());
    let zr = r[n - 1] * (EF::ONE - r[n - 1]);
    v.push(evaluate(a, r) + zr * sa);
    v.push(evaluate(b, r) + zr * sb);
    v.push(m(cw));
    v
}

#[test]
fn a_coupling_maps_one_witness_to_the_other_with_the_same_proof() {
    // The simulator argument of docs/ZK-sumcheck.md §5.4, made concrete: for witnesses (A₁, B₁)
    // and (A₂, B₂) — arbitrary, since the incoming claim is masked too — and any pool P for the
    // first, there is ε supported on this proof's Libra mask and claim masks such that the
    // second witness with P + ε gives the *identical* view (claim, rounds, g(r), masked
    // evaluations, M(c_w)). ε is a bijection of the randomness, so both views have the same
    // distribution. Control: without the claim masks among the unknowns there is no solution.
    let n = 3;
    let mut rng = StdRng::seed_from_u64(11);
    let u = rand_point(&mut rng, n);
    let (a1, b1) = (ext(&mut rng, n), ext(&mut rng, n));
    let (a2, b2) = (ext(&mut rng, n), ext(&mut rng, n));
    let pool_a: Vec<EF> = (0..POOL).map(|_| random_ext(&mut rng)).collect();
    let view_a = op_view(
        &a1,
        &b1,
        &u,
        MaskPool::from_entries(pool_a.clone()).unwrap(),
    );
    // Replay the challenges of the first proof: ρ (Libra), c_w, r.
    let z = u[n - 1] * (EF::ONE - u[n - 1]);
    let out = {
        let mut pool = MaskPool::from_entries(pool_a.clone()).unwrap();
        let mut t = Transcript::new(b"hiding");
        t.absorb_fields(b"test/pool-commitment", &[F::ONE]);
        let slot = pool.next_claim_mask().unwrap().index;
        t.absorb_ext(b"test/claim", view_a[0]);
        prove_zk_masked(
            vec![Column::Ext(a1.clone()), Column::Ext(b1.clone())],
            &prod(),
            Some(&u),
            &[0, 1],
            &[ClaimMask { slot, coeff: z }],
            &mut pool,
            &mut t,
        )
        .unwrap()
    };
    // ρ as the verifier draws it; c_w from M(c_w) = z·(a + b·c_w) (slot 0 is the claim mask).
    let rho = {
        use zkinfer_sumcheck::zk::labels as zl;
        let mut tv = Transcript::new(b"hiding");
        tv.absorb_fields(b"test/pool-commitment", &[F::ONE]);
        tv.absorb_ext(b"test/claim", view_a[0]);
        tv.absorb_ext(zl::ZK_CLAIM, out.claimed_sum);
        tv.absorb_ext(zl::MASK_SUM, out.proof.zk.mask_sum);
        tv.challenge(zl::MASK_COEFF)
    };
    let m = out.proof.incoming_eval.unwrap();
    let cw = (m * z.inverse() - pool_a[0]) * pool_a[1].inverse();
    let r = out.point.clone();
    let fixed = (rho, cw, r.as_slice());
    assert_eq!(
        view_at(&a1, &b1, &u, &pool_a, fixed),
        view_a,
        "the brute-force view is the real one"
    );
    let (claim_masks, libra_entries) = used_entries(n);
    // The view is affine in the Libra mask and the incoming claim mask, but the last round is
    // quadratic in the outgoing ones (S_A·S_B): fix those first, in closed form, so that the
    // masked evaluations agree — Z(r)·ΔS_A = A₁(r) − A₂(r), likewise for B — then solve the rest.
    let zr = r[n - 1] * (EF::ONE - r[n - 1]);
    let mut adapted = pool_a.clone();
    for (k, (x1, x2)) in [(&a1, &a2), (&b1, &b2)].into_iter().enumerate() {
        let shift = (evaluate(x1, &r) - evaluate(x2, &r)) * zr.inverse();
        adapted[claim_masks[2 + 2 * k]] += shift.halve();
    }
    // Solves view(second witness, base + ε) = view_a for ε on `unknowns`.
    let solve_on = |base_pool: &[EF], unknowns: &[usize]| -> Option<Vec<EF>> {
        let base = view_at(&a2, &b2, &u, base_pool, fixed);
        let zero = {
            let mut e = base_pool.to_vec();
            for &i in unknowns {
                e[i] = EF::ZERO;
            }
            e
        };
        let at_zero = view_at(&a2, &b2, &u, &zero, fixed);
        let cols: Vec<Vec<EF>> = unknowns
            .iter()
            .map(|&i| {
                let mut e = zero.clone();
                e[i] = EF::ONE;
                view_at(&a2, &b2, &u, &e, fixed)
                    .iter()
                    .zip(&at_zero)
                    .map(|(&x, &y)| x - y)
                    .collect()
            })
            .collect();
        let rows: Vec<Vec<EF>> = (0..base.len())
            .map(|row| cols.iter().map(|c| c[row]).collect())
            .collect();
        let rhs: Vec<EF> = view_a.iter().zip(&base).map(|(&x, &y)| x - y).collect();
        solve(rows, rhs)
    };
    let unknowns: Vec<usize> = claim_masks[..2]
        .iter()
        .chain(&libra_entries)
        .copied()
        .collect();
    let eps = solve_on(&adapted, &unknowns).expect("a coupling exists");
    let mut pool_b = adapted.clone();
    for (&i, &d) in unknowns.iter().zip(&eps) {
        pool_b[i] += d;
    }
    let view_b = op_view(&a2, &b2, &u, MaskPool::from_entries(pool_b).unwrap());
    assert_eq!(
        view_b, view_a,
        "the second witness gives the identical proof"
    );
    assert_ne!(
        op_view(
            &a2,
            &b2,
            &u,
            MaskPool::from_entries(pool_a.clone()).unwrap()
        ),
        view_a
    );
    // Controls: without adapting the outgoing claim masks, or without the incoming one among
    // the unknowns, there is no coupling — Z·R is what hides the evaluations and the claim.
    assert!(
        solve_on(&pool_a, &unknowns).is_none(),
        "outgoing Z·R is needed"
    );
    assert!(
        solve_on(&adapted, &libra_entries).is_none(),
        "incoming Z·R is needed"
    );
}

#[test]
fn edge_shapes_round_trip() {
    // An op without variables consuming a masked claim (only the w round); a reduction of plain
    // claims only (no w round) whose output is masked; one private column among three.
    let mut rng = StdRng::seed_from_u64(12);
    let mut pool = MaskPool::random(POOL, &mut rng).unwrap();
    let column = pool.columns().remove(0);
    let mut t = Transcript::new(b"edge");
    commit(&column, &mut t);
    let (x, y) = (random_ext(&mut rng), random_ext(&mut rng));
    let cin = pool.mask_value(vec![], x * y).unwrap();
    let s0 = prove_zk_masked(
        vec![Column::Ext(vec![x]), Column::Ext(vec![y])],
        &prod(),
        None,
        &[],
        &cin.masks,
        &mut pool,
        &mut t,
    )
    .unwrap();
    assert_eq!(s0.claimed_sum, cin.value);
    assert_eq!(s0.proof.zk.sumcheck.round_polys.len(), 1);
    let n = 3;
    let v = ext(&mut rng, n);
    let pts: Vec<Vec<EF>> = (0..3).map(|_| rand_point(&mut rng, n)).collect();
    let plain: Vec<MaskedClaim> = pts
        .iter()
        .map(|p| MaskedClaim::plain(p.clone(), evaluate(&v, p)))
        .collect();
    let (red, cv) =
        reduce_masked_claims(Column::Ext(v.clone()), &plain, true, &mut pool, &mut t).unwrap();
    assert_eq!(red.sumcheck.incoming_eval, None);
    let three = [
        Term::new(EF::ONE, vec![0, 1, 2]),
        Term::new(EF::TWO, vec![1]),
    ];
    let cols3: Vec<Vec<EF>> = (0..3).map(|_| ext(&mut rng, n)).collect();
    let s3 = prove_zk_masked(
        cols3.iter().cloned().map(Column::Ext).collect(),
        &three,
        None,
        &[1],
        &cv.masks,
        &mut pool,
        &mut t,
    )
    .unwrap();
    let oracle = pool.clone();
    let (pool_proof, _) = pool.finish(&mut t).unwrap();

    let mut t = Transcript::new(b"edge");
    commit(&column, &mut t);
    let mut pv = MaskPoolVerifier::new(POOL).unwrap();
    let cin_v = pv.masked_value(vec![], cin.value).unwrap();
    let sub = verify_zk_masked(
        0,
        &prod(),
        None,
        &[],
        &cin_v.masks,
        cin_v.value,
        &s0.proof,
        &mut pv,
        &mut t,
    )
    .unwrap();
    assert!(sub.sub.point.is_empty());
    sub.check_products(&prod(), None, &s0.evals).unwrap();
    let cv_v = verify_reduce_masked_claims(n, &plain, true, &red, &mut pv, &mut t).unwrap();
    assert_eq!(cv_v, cv);
    oracle_masked(&v, &cv_v, &oracle).unwrap();
    // The three-column op's statement is unrelated to v: the test proves its true sum, started
    // from cv's masks (the sum of the columns' product plus cv's mask term).
    let sub3 = verify_zk_masked(
        n,
        &three,
        None,
        &[1],
        &cv_v.masks,
        s3.claimed_sum,
        &s3.proof,
        &mut pv,
        &mut t,
    )
    .unwrap();
    let c3 = sub3.check_products(&three, None, &s3.evals).unwrap();
    assert_eq!(c3, s3.claims);
    assert!(c3[0].masks.is_empty() && c3[2].masks.is_empty() && c3[1].masks.len() == 1);
    for (col, c) in cols3.iter().zip(&c3) {
        oracle_masked(col, c, &oracle).unwrap();
    }
    let claims = pv.finish(&mut t, &pool_proof).unwrap();
    open(&column, &claims).unwrap();
}

#[test]
fn random_proofs_never_panic_the_verifier() {
    // Random shapes, round counts and lengths, incoming evaluations present or not, slots of any
    // kind: the verifiers return errors.
    use rand::Rng;
    let mut rng = StdRng::seed_from_u64(13);
    for _ in 0..300 {
        let n = rng.random_range(0..4usize);
        let mut pv = MaskPoolVerifier::new(POOL).unwrap();
        let _ = pv.next_claim_mask().unwrap();
        let _ = pv.next_mask_shape(2, 2).unwrap();
        let rounds = rng.random_range(0..6usize);
        let proof = MaskedSumcheckProof {
            zk: zkinfer_sumcheck::ZkSumcheckProof {
                mask_sum: random_ext(&mut rng),
                sumcheck: zkinfer_sumcheck::SumcheckProof {
                    round_polys: (0..rounds)
                        .map(|_| {
                            (0..rng.random_range(0..7usize))
                                .map(|_| random_ext(&mut rng))
                                .collect()
                        })
                        .collect(),
                },
                mask_eval: random_ext(&mut rng),
            },
            incoming_eval: rng.random_bool(0.5).then(|| random_ext(&mut rng)),
        };
        let incoming: Vec<ClaimMask> = (0..rng.random_range(0..3usize))
            .map(|_| ClaimMask {
                slot: rng.random_range(0..3usize),
                coeff: random_ext(&mut rng),
            })
            .collect();
        let private: Vec<usize> = (0..rng.random_range(0..3usize))
            .map(|_| rng.random_range(0..3usize))
            .collect();
        let eq: Option<Vec<EF>> = rng.random_bool(0.5).then(|| {
            let len = rng.random_range(0..4usize);
            rand_point(&mut rng, len)
        });
        let mut t = Transcript::new(b"garbage");
        if let Ok(sub) = verify_zk_masked(
            n,
            &prod(),
            eq.as_deref(),
            &private,
            &incoming,
            random_ext(&mut rng),
            &proof,
            &mut pv,
            &mut t,
        ) {
            let evals: Vec<EF> = (0..rng.random_range(0..4usize))
                .map(|_| random_ext(&mut rng))
                .collect();
            let _ = sub.check_products(&prod(), eq.as_deref(), &evals);
        }
        let red = MaskedReductionProof {
            sumcheck: proof,
            eval: random_ext(&mut rng),
        };
        let claims: Vec<MaskedClaim> = (0..rng.random_range(0..3usize))
            .map(|_| MaskedClaim {
                point: {
                    let len = rng.random_range(0..4usize);
                    rand_point(&mut rng, len)
                },
                value: random_ext(&mut rng),
                masks: incoming.clone(),
            })
            .collect();
        let _ =
            verify_reduce_masked_claims(n, &claims, rng.random_bool(0.5), &red, &mut pv, &mut t);
        let _ = pv.finish(&mut t, &MaskPoolProof::default());
    }
}

#[test]
fn linear_claims_on_the_pool_are_discharged_and_checked() {
    // Linear claims on a claim mask and on a Libra mask's entries, recorded with the Libra
    // mask's own claim: the discharge verifies and opens; a wrong value (on either side) is
    // refused by the prover and rejected by the discharge; misuse is an error.
    use zkinfer_sumcheck::LinearClaim;
    let mut rng = StdRng::seed_from_u64(14);
    let mut pool = MaskPool::random(POOL, &mut rng).unwrap();
    let column = pool.columns().remove(0);
    let cm = pool.next_claim_mask().unwrap();
    let (libra, g) = pool.next_mask_per_var(&[1, 3, 2]).unwrap();
    assert_eq!((libra.num_vars, libra.degree, libra.len), (3, 3, 9));
    let [a, b] = pool.claim_mask(cm.index).unwrap();
    let point = rand_point(&mut rng, 3);
    let w = rand_point(&mut rng, 9);
    let flat = g.flat_coefficients();
    let on_libra: EF = flat.iter().zip(&w).map(|(&x, &y)| x * y).sum();
    let k = random_ext(&mut rng);
    let claims = vec![
        LinearClaim {
            terms: vec![(cm.index, vec![k, EF::ONE])],
            value: k * a + b,
        },
        LinearClaim {
            terms: vec![
                (libra.index, w.clone()),
                (cm.index, vec![EF::TWO, EF::ZERO]),
            ],
            value: on_libra + a.double(),
        },
    ];
    let mask_claim = zkinfer_sumcheck::MaskClaim {
        point: point.clone(),
        value: g.evaluate(&point).unwrap(),
    };
    // The prover refuses a wrong value, weights that do not fit, unknown slots, and a Libra
    // claim on a claim mask.
    let mut wrong = claims[0].clone();
    wrong.value += EF::ONE;
    assert!(matches!(
        pool.clone().record_linear(wrong.clone()),
        Err(SumcheckError::FinalEvalMismatch { .. })
    ));
    let short = LinearClaim {
        terms: vec![(cm.index, vec![EF::ONE])],
        value: a,
    };
    assert!(matches!(
        pool.clone().record_linear(short),
        Err(SumcheckError::WrongEvalCount { .. })
    ));
    let unknown = LinearClaim {
        terms: vec![(7, vec![EF::ONE, EF::ONE])],
        value: a,
    };
    assert!(matches!(
        pool.clone().record_linear(unknown),
        Err(SumcheckError::BadMaskSlot { .. })
    ));
    assert!(matches!(
        pool.clone().record(cm.index, mask_claim.clone()),
        Err(SumcheckError::BadMaskSlot { .. })
    ));
    assert!(matches!(
        pool.claim_mask(libra.index),
        Err(SumcheckError::BadMaskSlot { .. })
    ));
    for c in &claims {
        pool.record_linear(c.clone()).unwrap();
    }
    pool.record(libra.index, mask_claim.clone()).unwrap();
    let mut t = Transcript::new(b"linear");
    commit(&column, &mut t);
    let (proof, _) = pool.finish(&mut t).unwrap();
    let verify = |lie: bool| -> Result<(), String> {
        let mut t = Transcript::new(b"linear");
        commit(&column, &mut t);
        let mut pv = MaskPoolVerifier::new(POOL).unwrap();
        assert_eq!(pv.next_claim_mask().unwrap(), cm);
        assert_eq!(pv.next_mask_shape_per_var(&[1, 3, 2]).unwrap(), libra);
        for (i, c) in claims.iter().enumerate() {
            let mut c = c.clone();
            if lie && i == 1 {
                c.value += EF::ONE;
            }
            pv.record_linear(c).map_err(|e| e.to_string())?;
        }
        pv.record(libra.index, mask_claim.clone())
            .map_err(|e| e.to_string())?;
        let claims = pv.finish(&mut t, &proof).map_err(|e| e.to_string())?;
        open(&column, &claims)
    };
    verify(false).unwrap();
    assert!(verify(true).is_err());
    let mut pv = MaskPoolVerifier::new(POOL).unwrap();
    let _ = pv.next_claim_mask().unwrap();
    assert!(
        pv.record_linear(wrong.clone()).is_ok(),
        "the verifier cannot check it alone"
    );
    assert!(matches!(
        pv.record(0, mask_claim),
        Err(SumcheckError::BadMaskSlot { .. })
    ));
    assert!(matches!(
        pv.check_claim_mask(5),
        Err(SumcheckError::BadMaskSlot { .. })
    ));
}

#[test]
fn matmul_glue_folded_columns_keep_the_masks() {
    // The engine glue of docs/ZK-sumcheck.md §5.6 for matmul, y = x·W + b with a private x and a
    // private bias: the claim on y arrives masked; the bias is sent masked (`mask_value`); the
    // op's sumcheck runs over the folded columns xr = Σ_m eq(r_M, m)·x[m, ·] and
    // wr = Σ_n eq(r_N, n)·W[·, n] with incoming = claim.masks ++ −b'.masks; xr's masked value is
    // a masked claim on x at (r_M, ρ) with the same mask; x's claim then goes to a (plain) PCS
    // opening through a reduction.
    let mut rng = StdRng::seed_from_u64(15);
    let (lm, lk, ln) = (2usize, 3usize, 2usize);
    let x = ext(&mut rng, lm + lk);
    let w = ext(&mut rng, lk + ln);
    let b = ext(&mut rng, ln);
    let (m, k, n) = (1 << lm, 1 << lk, 1 << ln);
    let y: Vec<EF> = (0..m * n)
        .map(|i| {
            let (row, col) = (i / n, i % n);
            (0..k).map(|s| x[row * k + s] * w[s * n + col]).sum::<EF>() + b[col]
        })
        .collect();
    let (r_m, r_n) = (rand_point(&mut rng, lm), rand_point(&mut rng, ln));
    let r_y: Vec<EF> = r_m.iter().chain(&r_n).copied().collect();
    let fold = |eq: &[EF], rows: usize, cols: usize, v: &[EF], by_row: bool| -> Vec<EF> {
        let e = zkinfer_poly::eq_table(eq);
        if by_row {
            (0..cols)
                .map(|c| (0..rows).map(|r| e[r] * v[r * cols + c]).sum())
                .collect()
        } else {
            (0..rows)
                .map(|r| (0..cols).map(|c| e[c] * v[r * cols + c]).sum())
                .collect()
        }
    };
    let mut pool = MaskPool::random(POOL, &mut rng).unwrap();
    let column = pool.columns().remove(0);
    let mut t = Transcript::new(b"matmul");
    commit(&column, &mut t);
    // The claim on y, as the op after it would leave it (masked), and the masked bias.
    let cy = pool.mask_value(r_y.clone(), evaluate(&y, &r_y)).unwrap();
    let cb = pool.mask_value(r_n.clone(), evaluate(&b, &r_n)).unwrap();
    t.absorb_ext(b"test/bias", cb.value);
    let incoming: Vec<ClaimMask> = cy
        .masks
        .iter()
        .copied()
        .chain(cb.scaled_masks(-EF::ONE))
        .collect();
    let xr = fold(&r_m, m, k, &x, true);
    let wr = fold(&r_n, k, n, &w, false);
    let out = prove_zk_masked(
        vec![Column::Ext(xr), Column::Ext(wr)],
        &prod(),
        None,
        &[0],
        &incoming,
        &mut pool,
        &mut t,
    )
    .unwrap();
    assert_eq!(out.claimed_sum, cy.value - cb.value);
    t.absorb_exts(b"test/evals", &out.evals);
    let cx = out.claims[0]
        .clone()
        .with_point(r_m.iter().chain(&out.point).copied().collect());
    let cw = out.claims[1]
        .clone()
        .with_point(out.point.iter().chain(&r_n).copied().collect());
    let (red, _) = reduce_masked_claims(
        Column::Ext(x.clone()),
        std::slice::from_ref(&cx),
        false,
        &mut pool,
        &mut t,
    )
    .unwrap();
    let oracle = pool.clone();
    oracle_masked(&x, &cx, &oracle).unwrap();
    assert_ne!(cx.value, evaluate(&x, &cx.point), "x's claim is masked");
    assert_eq!(cw.value, evaluate(&w, &cw.point), "W is public here: plain");
    let (pool_proof, _) = pool.finish(&mut t).unwrap();

    let mut t = Transcript::new(b"matmul");
    commit(&column, &mut t);
    let mut pv = MaskPoolVerifier::new(POOL).unwrap();
    let cy_v = pv.masked_value(r_y.clone(), cy.value).unwrap();
    let cb_v = pv.masked_value(r_n.clone(), cb.value).unwrap();
    t.absorb_ext(b"test/bias", cb_v.value);
    let incoming_v: Vec<ClaimMask> = cy_v
        .masks
        .iter()
        .copied()
        .chain(cb_v.scaled_masks(-EF::ONE))
        .collect();
    assert_eq!(incoming_v, incoming);
    let sub = verify_zk_masked(
        lk,
        &prod(),
        None,
        &[0],
        &incoming_v,
        cy_v.value - cb_v.value,
        &out.proof,
        &mut pv,
        &mut t,
    )
    .unwrap();
    t.absorb_exts(b"test/evals", &out.evals);
    let c = sub.check_products(&prod(), None, &out.evals).unwrap();
    let cx_v = c[0]
        .clone()
        .with_point(r_m.iter().chain(&sub.sub.point).copied().collect());
    assert_eq!(cx_v, cx);
    let plain_x =
        verify_reduce_masked_claims(lm + lk, &[cx_v], false, &red, &mut pv, &mut t).unwrap();
    assert!(plain_x.masks.is_empty());
    assert_eq!(
        plain_x.value,
        evaluate(&x, &plain_x.point),
        "the PCS opening of x"
    );
    let claims = pv.finish(&mut t, &pool_proof).unwrap();
    open(&column, &claims).unwrap();
    // The bias's masked claim is left for its column's reduction (checked here in memory).
    oracle_masked(&b, &cb_v, &oracle).unwrap();
}

#[test]
fn a_verifier_holding_candidate_witnesses_cannot_tell_them_apart() {
    // The attack masking must stop: two witnesses (A₁, B) and (A₂, B) with the *same* public
    // statement — even unmasked, T₁(u) = T₂(u) — and a verifier that, given a proof, checks the
    // revealed evaluations against each candidate at the proof's point. With Z·R no proof
    // matches either candidate; with the claim masks zero every proof matches its own witness
    // and never the other one, so the same check tells them apart (the test can fail).
    let n = 3;
    let mut rng = StdRng::seed_from_u64(16);
    let u = rand_point(&mut rng, n);
    let (a1, b) = (ext(&mut rng, n), ext(&mut rng, n));
    let eq_u = zkinfer_poly::eq_table(&u);
    let mut delta = ext(&mut rng, n);
    let rest: EF = (1..1 << n).map(|i| eq_u[i] * delta[i] * b[i]).sum();
    delta[0] = -rest * (eq_u[0] * b[0]).inverse();
    let a2: Vec<EF> = a1.iter().zip(&delta).map(|(&x, &d)| x + d).collect();
    let t_at = |a: &[EF]| -> EF { (0..1 << n).map(|i| eq_u[i] * a[i] * b[i]).sum() };
    assert_eq!(t_at(&a1), t_at(&a2), "equal public statement");
    assert_ne!(a1, a2);
    let (claim_masks, _) = used_entries(n);
    // Per run: (matches candidate 1, matches candidate 2).
    let runs = |a: &[EF], zr: bool, rng: &mut StdRng| -> Vec<(bool, bool)> {
        (0..20)
            .map(|_| {
                let mut e: Vec<EF> = (0..POOL).map(|_| random_ext(rng)).collect();
                if !zr {
                    for &i in &claim_masks {
                        e[i] = EF::ZERO;
                    }
                }
                let mut pool = MaskPool::from_entries(e).unwrap();
                let mut t = Transcript::new(b"candidates");
                let slot = pool.next_claim_mask().unwrap().index;
                let z = u[n - 1] * (EF::ONE - u[n - 1]);
                let out = prove_zk_masked(
                    vec![Column::Ext(a.to_vec()), Column::Ext(b.clone())],
                    &prod(),
                    Some(&u),
                    &[0, 1],
                    &[ClaimMask { slot, coeff: z }],
                    &mut pool,
                    &mut t,
                )
                .unwrap();
                let r = &out.point;
                let b_ok = out.evals[1] == evaluate(&b, r);
                (
                    b_ok && out.evals[0] == evaluate(&a1, r),
                    b_ok && out.evals[0] == evaluate(&a2, r),
                )
            })
            .collect()
    };
    for a in [&a1, &a2] {
        assert!(
            runs(a, true, &mut rng).iter().all(|&(m1, m2)| !m1 && !m2),
            "with Z·R no proof matches a candidate"
        );
    }
    assert!(runs(&a1, false, &mut rng).iter().all(|&(m1, m2)| m1 && !m2));
    assert!(runs(&a2, false, &mut rng).iter().all(|&(m1, m2)| !m1 && m2));
}

/// Many claims on blocks of one column (a Boolean prefix selecting the block, then a random
/// point in it: how the engine's blinded lookups claim their blinding column), enough of them
/// that the verifier evaluates `W(ρ)` through the prefix's shared eq table: honest claims
/// verify; one claim's value changed, one claim moved to another block, or the claims reordered
/// are rejected by the reduction or by the reduced claim's opening.
#[test]
fn many_block_claims_with_one_forged_claim_are_rejected() {
    let (n, prefix) = (10usize, 6usize);
    let mut rng = StdRng::seed_from_u64(35);
    let v = ext(&mut rng, n);
    let claims: Vec<MaskedClaim> = (0..1usize << prefix)
        .map(|block| {
            let mut p: Vec<EF> = (0..prefix)
                .rev()
                .map(|b| EF::from(F::from_bool((block >> b) & 1 == 1)))
                .collect();
            p.extend(rand_point(&mut rng, n - prefix));
            MaskedClaim::plain(p.clone(), evaluate(&v, &p))
        })
        .collect();

    let mut pool = MaskPool::random(POOL, &mut rng).unwrap();
    let column = pool.columns().remove(0);
    let mut t = Transcript::new(b"blocks");
    commit(&column, &mut t);
    let (red, cv) =
        reduce_masked_claims(Column::Ext(v.clone()), &claims, true, &mut pool, &mut t).unwrap();
    let oracle = pool.clone();

    // The verifier's side on `claims` as the verifier holds them; `Ok` only if the reduction
    // verifies and the reduced (masked) claim holds against the column.
    let verdict = |claims: &[MaskedClaim]| -> Result<(), String> {
        let mut t = Transcript::new(b"blocks");
        commit(&column, &mut t);
        let mut pv = MaskPoolVerifier::new(POOL).unwrap();
        let c = verify_reduce_masked_claims(n, claims, true, &red, &mut pv, &mut t)
            .map_err(|e| e.to_string())?;
        oracle_masked(&v, &c, &oracle)
    };
    verdict(&claims).expect("honest block claims");
    assert_eq!(
        {
            let mut t = Transcript::new(b"blocks");
            commit(&column, &mut t);
            let mut pv = MaskPoolVerifier::new(POOL).unwrap();
            verify_reduce_masked_claims(n, &claims, true, &red, &mut pv, &mut t).unwrap()
        },
        cv
    );

    let mut forged = claims.clone();
    forged[37].value += EF::ONE;
    assert!(verdict(&forged).is_err(), "a changed value");
    let mut moved = claims.clone();
    moved[37].point[2] = EF::ONE - moved[37].point[2];
    assert!(verdict(&moved).is_err(), "a claim moved to another block");
    let mut inner = claims.clone();
    inner[37].point[n - 1] += EF::ONE;
    assert!(
        verdict(&inner).is_err(),
        "a claim at another point of its block"
    );
    let mut swapped = claims.clone();
    swapped.swap(3, 40);
    assert!(verdict(&swapped).is_err(), "two claims swapped");
}
