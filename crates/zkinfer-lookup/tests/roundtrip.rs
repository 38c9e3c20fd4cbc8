//! Honest instances verify, and their claims hold on the real columns.

mod common;

use common::*;
use zkinfer_field::{F, PrimeCharacteristicRing, Transcript};
use zkinfer_lookup::{LookupProof, Table};

fn check(table: &Table, ws: &Witnesses) {
    let (m, proof, claims) = prove_honest(table, ws);
    let got = verify(table, &shapes(ws), &proof).expect("honest proof verifies");
    assert_eq!(got, claims);
    assert!(
        claims_hold(&claims, ws, &m),
        "claims must hold on the real columns"
    );
    let bytes = bincode::serialize(&proof).unwrap();
    let back: LookupProof = bincode::deserialize(&bytes).unwrap();
    assert_eq!(back, proof);
}

#[test]
fn range_8_and_16_bits() {
    let mut r = rng(1);
    for bits in [8, 16] {
        let t = Table::Range { bits };
        check(&t, &vec![random_witness(&t, 10, &mut r)]);
    }
}

#[test]
fn signed_range_16_bits_with_extremes() {
    let mut r = rng(2);
    let t = Table::SignedRange { bits: 16 };
    let mut w = random_witness(&t, 9, &mut r);
    w[0][0] = F::from_u64(0) - F::from_u64(32768);
    w[0][1] = F::from_u64(32767);
    check(&t, &vec![w]);
}

#[test]
fn function_tables_two_columns() {
    let mut r = rng(3);
    for (name, f) in [("relu", relu as fn(i64) -> i64), ("sigmoid", sigmoid)] {
        let t = Table::function(name, 10, f).unwrap();
        check(
            &t,
            &vec![
                random_witness(&t, 11, &mut r),
                random_witness(&t, 6, &mut r),
            ],
        );
    }
    let t = Table::function("relu", 16, relu).unwrap();
    check(&t, &vec![random_witness(&t, 12, &mut r)]);
}

#[test]
fn several_witnesses_of_different_sizes() {
    let mut r = rng(4);
    let t = Table::SignedRange { bits: 6 };
    // Taller and shorter than the table, equal sizes, and a single row (height 0).
    let ws: Witnesses = [9, 3, 6, 3, 0, 1, 12]
        .iter()
        .map(|&v| random_witness(&t, v, &mut r))
        .collect();
    check(&t, &ws);
    let (_, proof, claims) = prove_honest(&t, &ws);
    assert_eq!(proof.layers.len(), 12);
    // Witnesses of one size share a point.
    assert_eq!(claims.witness_claims[1][0].0, claims.witness_claims[3][0].0);
    assert_eq!(claims.witness_claims[4][0].0, Vec::new());
}

#[test]
fn no_witness_and_unused_table() {
    let t = Table::Range { bits: 4 };
    check(&t, &Vec::new());
}

#[test]
fn transcripts_agree_after_the_proof() {
    let mut r = rng(5);
    let t = Table::Range { bits: 8 };
    let ws = vec![random_witness(&t, 7, &mut r)];
    let rs = refs(&ws);
    let m = zkinfer_lookup::multiplicities(&t, &rs).unwrap();
    let mut tp = Transcript::new(CTX);
    let inst = zkinfer_lookup::LookupInstance {
        table: &t,
        witnesses: rs,
    };
    let (proof, _) = zkinfer_lookup::prove(&inst, &m, &mut tp).unwrap();
    let mut tv = Transcript::new(CTX);
    let _ = zkinfer_lookup::verify(&t, &shapes(&ws), &proof, &mut tv).unwrap();
    assert_eq!(tp.challenge(b"next"), tv.challenge(b"next"));
}

#[test]
fn random_shapes_and_tables() {
    let mut r = rng(6);
    for case in 0..12 {
        let t = match case % 3 {
            0 => Table::Range {
                bits: rand::Rng::random_range(&mut r, 1..=9),
            },
            1 => Table::SignedRange {
                bits: rand::Rng::random_range(&mut r, 1..=9),
            },
            _ => {
                Table::function("sigmoid", rand::Rng::random_range(&mut r, 1..=9), sigmoid).unwrap()
            }
        };
        let count = rand::Rng::random_range(&mut r, 0..5);
        let ws: Witnesses = (0..count)
            .map(|_| {
                let vars = rand::Rng::random_range(&mut r, 0..11);
                random_witness(&t, vars, &mut r)
            })
            .collect();
        check(&t, &ws);
    }
}

#[test]
fn several_tables_in_one_proof() {
    let mut r = rng(7);
    let tables = [
        Table::Range { bits: 8 },
        Table::SignedRange { bits: 16 },
        Table::function("sigmoid", 9, sigmoid).unwrap(),
    ];
    let ws: Vec<Witnesses> = vec![
        vec![
            random_witness(&tables[0], 12, &mut r),
            random_witness(&tables[0], 3, &mut r),
        ],
        vec![random_witness(&tables[1], 5, &mut r)],
        vec![
            random_witness(&tables[2], 10, &mut r),
            random_witness(&tables[2], 12, &mut r),
        ],
    ];
    let rs: Vec<Vec<Vec<&[F]>>> = ws.iter().map(refs).collect();
    let ms: Vec<Vec<F>> = tables
        .iter()
        .zip(&rs)
        .map(|(t, w)| zkinfer_lookup::multiplicities(t, w).unwrap())
        .collect();
    let insts: Vec<_> = tables
        .iter()
        .zip(rs)
        .map(|(table, witnesses)| zkinfer_lookup::LookupInstance { table, witnesses })
        .collect();
    let m_refs: Vec<&[F]> = ms.iter().map(Vec::as_slice).collect();
    let (proof, claims) =
        zkinfer_lookup::prove_many(&insts, &m_refs, &mut Transcript::new(CTX)).unwrap();
    let all_shapes: Vec<Vec<usize>> = ws.iter().map(shapes).collect();
    let statements: Vec<(&Table, &[usize])> = tables
        .iter()
        .zip(&all_shapes)
        .map(|(t, s)| (t, s.as_slice()))
        .collect();
    let got = zkinfer_lookup::verify_many(&statements, &proof, &mut Transcript::new(CTX)).unwrap();
    assert_eq!(got, claims);
    for ((c, w), m) in claims.iter().zip(&ws).zip(&ms) {
        assert!(claims_hold(c, w, m));
    }
    // One layer list for all: the tallest tree (2^12 witnesses, 2^16 table rows) sets it.
    assert_eq!(proof.layers.len(), 16);
    // The statement binds the order and the tables.
    let swapped = [statements[1], statements[0], statements[2]];
    assert!(zkinfer_lookup::verify_many(&swapped, &proof, &mut Transcript::new(CTX)).is_err());
    assert!(
        zkinfer_lookup::verify_many(&statements[..2], &proof, &mut Transcript::new(CTX)).is_err()
    );
    let mut bad = proof.clone();
    bad.witness_evals[4][1] += zkinfer_field::EF::ONE;
    assert!(zkinfer_lookup::verify_many(&statements, &bad, &mut Transcript::new(CTX)).is_err());
}
