//! Every false statement or tampered proof is rejected — by the verifier, or by the caller's
//! check of the returned claims against its commitments.

mod common;

use common::*;
use zkinfer_field::{EF, F, Field, PrimeCharacteristicRing, Transcript, from_signed};
use zkinfer_lookup::{
    LookupError, LookupInstance, LookupProof, Table, multiplicities, prove_unchecked,
};

/// A 2-column function table and three witnesses of different heights, the last one bad in
/// row 5 when `bad` (input in range, wrong output).
fn fixture(bad: bool) -> (Table, Witnesses) {
    let t = Table::function("relu", 6, relu).unwrap();
    let mut r = rng(11);
    let mut ws: Witnesses = [7, 2, 4]
        .iter()
        .map(|&v| random_witness(&t, v, &mut r))
        .collect();
    if bad {
        ws[2][0][5] = from_signed(-7);
        ws[2][1][5] = from_signed(-7); // relu(-7) = 0, so (-7, -7) is not a row.
    }
    (t, ws)
}

/// The counts of the in-table rows only (what a cheating prover would commit).
fn counts_ignoring_bad(t: &Table, ws: &Witnesses) -> Vec<F> {
    let mut m = vec![F::ZERO; 1 << t.num_vars()];
    for w in ws {
        for i in 0..w[0].len() {
            let tuple: Vec<F> = w.iter().map(|c| c[i]).collect();
            if let Some(j) = t.row_of(&tuple) {
                m[j] += F::ONE;
            }
        }
    }
    m
}

fn forge(t: &Table, ws: &Witnesses, m: &[F]) -> LookupProof {
    let inst = LookupInstance {
        table: t,
        witnesses: refs(ws),
    };
    prove_unchecked(&inst, m, &mut Transcript::new(CTX))
        .unwrap()
        .0
}

fn rejected(t: &Table, ws: &Witnesses, proof: &LookupProof) -> LookupError {
    verify(t, &shapes(ws), proof).expect_err("a forged proof must be rejected")
}

#[test]
fn value_outside_the_table_fails_early() {
    let (t, ws) = fixture(true);
    let err = multiplicities(&t, &refs(&ws)).unwrap_err();
    assert_eq!(
        err,
        LookupError::NotInTable {
            witness: 2,
            row: 5,
            value: vec![-7, -7],
            table: t.describe()
        }
    );
    let m = counts_ignoring_bad(&t, &ws);
    let inst = LookupInstance {
        table: &t,
        witnesses: refs(&ws),
    };
    let err = zkinfer_lookup::prove(&inst, &m, &mut Transcript::new(CTX)).unwrap_err();
    assert!(matches!(
        err,
        LookupError::NotInTable {
            witness: 2,
            row: 5,
            ..
        }
    ));
    // A signed range: one past the top.
    let s = Table::SignedRange { bits: 16 };
    let w = signed(&[0, 32767, 32768, -32768]);
    let err = multiplicities(&s, &[vec![&w]]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "witness 0, row 2: value [32768] is not in the table signed-range(16)"
    );
}

#[test]
fn honest_gkr_over_a_bad_witness_is_unbalanced() {
    let (t, ws) = fixture(true);
    let m = counts_ignoring_bad(&t, &ws);
    assert!(matches!(
        rejected(&t, &ws, &forge(&t, &ws, &m)),
        LookupError::Unbalanced { .. }
    ));
    // Whatever row the bad value's count is charged to.
    for row in [0usize, 25, 63] {
        let mut m2 = m.clone();
        m2[row] += F::ONE;
        assert!(matches!(
            rejected(&t, &ws, &forge(&t, &ws, &m2)),
            LookupError::Unbalanced { .. }
        ));
    }
}

#[test]
fn bad_witness_with_roots_forced_to_balance_is_rejected() {
    let (t, ws) = fixture(true);
    let m = counts_ignoring_bad(&t, &ws);
    let honest = forge(&t, &ws, &m);
    let [pt, qt] = *honest.roots.last().unwrap();
    let witness_sum = |roots: &[[EF; 2]]| -> EF {
        roots[..roots.len() - 1]
            .iter()
            .map(|&[p, q]| p * q.inverse())
            .sum()
    };
    // Move the table root onto the witness sum.
    let mut p = honest.clone();
    let n = p.roots.len();
    p.roots[n - 1] = [witness_sum(&honest.roots) * qt, qt];
    assert!(matches!(
        rejected(&t, &ws, &p),
        LookupError::LayerSumcheck { layer: 0, .. }
    ));
    // Or move the bad witness's root onto what the table side needs.
    let mut p = honest.clone();
    let others: EF = honest.roots[..2]
        .iter()
        .map(|&[a, b]| a * b.inverse())
        .sum();
    let [_, q2] = honest.roots[2];
    p.roots[2] = [(pt * qt.inverse() - others) * q2, q2];
    assert_eq!(witness_sum(&p.roots), pt * qt.inverse());
    assert!(matches!(
        rejected(&t, &ws, &p),
        LookupError::LayerSumcheck { layer: 0, .. }
    ));
}

#[test]
fn gkr_over_a_substitute_witness_fails_the_callers_check() {
    // The prover commits the bad witness but runs the lookup on an in-table substitute: the
    // verifier accepts the lookup, and the returned claims refute the commitment.
    let (t, bad) = fixture(true);
    let (_, good) = fixture(false);
    let (m, proof, _) = prove_honest(&t, &good);
    let claims = verify(&t, &shapes(&bad), &proof).unwrap();
    assert!(claims_hold(&claims, &good, &m));
    assert!(!claims_hold(&claims, &bad, &m));
}

#[test]
fn tampered_multiplicities_are_rejected() {
    let (t, ws) = fixture(false);
    let (m, proof, _) = prove_honest(&t, &ws);
    let mut tampered = m.clone();
    let used = tampered.iter().position(|&c| c != F::ZERO).unwrap();
    tampered[used] -= F::ONE;
    let next = (used + 1) % tampered.len();
    tampered[next] += F::ONE;
    // prove refuses them.
    let inst = LookupInstance {
        table: &t,
        witnesses: refs(&ws),
    };
    let err = zkinfer_lookup::prove(&inst, &tampered, &mut Transcript::new(CTX)).unwrap_err();
    assert!(matches!(err, LookupError::MultiplicityMismatch { .. }));
    // A GKR run over them is unbalanced.
    assert!(matches!(
        rejected(&t, &ws, &forge(&t, &ws, &tampered)),
        LookupError::Unbalanced { .. }
    ));
    // An honest GKR while the caller committed the tampered column: the claim refutes it.
    let claims = verify(&t, &shapes(&ws), &proof).unwrap();
    assert!(claims_hold(&claims, &ws, &m));
    let (pt, v) = &claims.multiplicity_claim;
    assert_ne!(zkinfer_poly::evaluate(&tampered, pt), *v);
    assert!(!claims_hold(&claims, &ws, &tampered));
}

/// Applies `tamper` to a copy of an honest proof and expects a rejection.
fn expect_rejected(
    t: &Table,
    ws: &Witnesses,
    proof: &LookupProof,
    what: &str,
    tamper: impl Fn(&mut LookupProof),
) {
    let mut p = proof.clone();
    tamper(&mut p);
    assert_ne!(&p, proof, "{what}: the tampering changed nothing");
    assert!(verify(t, &shapes(ws), &p).is_err(), "{what}: accepted");
}

#[test]
fn every_tampered_value_is_rejected() {
    let (t, ws) = fixture(false);
    let (_, proof, _) = prove_honest(&t, &ws);
    let one = EF::ONE;
    for i in 0..proof.roots.len() {
        for c in 0..2 {
            expect_rejected(&t, &ws, &proof, &format!("root {i}.{c}"), |p| {
                p.roots[i][c] += one;
            });
        }
    }
    for (k, layer) in proof.layers.iter().enumerate() {
        for j in 0..layer.children.len() {
            expect_rejected(&t, &ws, &proof, &format!("layer {k} child {j}"), |p| {
                p.layers[k].children[j] += one;
            });
        }
        for (r, g) in layer.sumcheck.round_polys.iter().enumerate() {
            for e in 0..g.len() {
                expect_rejected(
                    &t,
                    &ws,
                    &proof,
                    &format!("layer {k} round {r} value {e}"),
                    |p| {
                        p.layers[k].sumcheck.round_polys[r][e] += one;
                    },
                );
            }
        }
    }
    for (w, vals) in proof.witness_evals.iter().enumerate() {
        for c in 0..vals.len() {
            expect_rejected(&t, &ws, &proof, &format!("witness {w} column {c}"), |p| {
                p.witness_evals[w][c] += one;
            });
        }
    }
}

type Tamper = Box<dyn Fn(&mut LookupProof)>;

#[test]
fn malformed_proofs_are_rejected_without_panics() {
    let (t, ws) = fixture(false);
    let (_, proof, _) = prove_honest(&t, &ws);
    let cases: Vec<(&str, Tamper)> = vec![
        ("no roots", Box::new(|p| p.roots.clear())),
        ("extra root", Box::new(|p| p.roots.push([EF::ONE, EF::ONE]))),
        ("zero denominator", Box::new(|p| p.roots[0][1] = EF::ZERO)),
        (
            "layer dropped",
            Box::new(|p| {
                p.layers.pop();
            }),
        ),
        ("layers swapped", Box::new(|p| p.layers.swap(3, 4))),
        (
            "round dropped",
            Box::new(|p| {
                p.layers[5].sumcheck.round_polys.pop();
            }),
        ),
        (
            "round value dropped",
            Box::new(|p| {
                p.layers[5].sumcheck.round_polys[2].pop();
            }),
        ),
        (
            "child added",
            Box::new(|p| p.layers[2].children.push(EF::ONE)),
        ),
        (
            "child dropped",
            Box::new(|p| {
                p.layers[6].children.pop();
            }),
        ),
        (
            "witness evals dropped",
            Box::new(|p| {
                p.witness_evals.pop();
            }),
        ),
        (
            "witness column dropped",
            Box::new(|p| {
                p.witness_evals[0].pop();
            }),
        ),
        (
            "witness evals swapped",
            Box::new(|p| p.witness_evals.swap(0, 1)),
        ),
    ];
    for (what, tamper) in cases {
        expect_rejected(&t, &ws, &proof, what, tamper);
    }
    // The wrong statement: other shapes, another table, another context.
    let s = shapes(&ws);
    assert!(verify(&t, &[s[1], s[0], s[2]], &proof).is_err());
    assert!(verify(&t, &s[..2], &proof).is_err());
    assert!(verify(&t, &[s[0], s[1], s[2], 3], &proof).is_err());
    assert!(verify(&t, &[s[0], s[1], usize::MAX], &proof).is_err());
    let other = Table::function("relu", 6, |i| i.max(1)).unwrap();
    assert!(verify(&other, &s, &proof).is_err());
    assert!(zkinfer_lookup::verify(&t, &s, &proof, &mut Transcript::new(b"other")).is_err());
    assert!(verify(&t, &s, &LookupProof::default()).is_err());
}

#[test]
fn random_byte_flips_never_panic_and_never_pass() {
    let (t, ws) = fixture(false);
    let (_, proof, _) = prove_honest(&t, &ws);
    let bytes = bincode::serialize(&proof).unwrap();
    let mut r = rng(99);
    for _ in 0..300 {
        let mut b = bytes.clone();
        let i = rand::Rng::random_range(&mut r, 0..b.len());
        b[i] ^= 1 << rand::Rng::random_range(&mut r, 0..8);
        if let Ok(p) = bincode::deserialize::<LookupProof>(&b)
            && p != proof
        {
            assert!(
                verify(&t, &shapes(&ws), &p).is_err(),
                "byte {i} flipped and accepted"
            );
        }
    }
}
