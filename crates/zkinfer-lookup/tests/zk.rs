//! Zero-knowledge LogUp-GKR (`zkinfer_lookup::zk`): completeness, multi-instance proofs, soundness (blinding cannot cancel a
//! bad lookup), and that blinding hides the roots and the layer-0 children.
//!
//! Commitments are in-test stand-ins: absorbed in the clear (soundness tests) or as a fixed
//! placeholder (the hiding test, so that `α, β` do not change between runs and any variation
//! comes from the blinding alone); claims are discharged against the data itself.

use rand::{Rng, SeedableRng, rngs::StdRng};
use zkinfer_field::{EF, F, PrimeCharacteristicRing, Transcript, from_signed};
use zkinfer_lookup::zk::{
    BlindedProof, Blinding, InnerMasks, MASKED_LAYER_DEGREE, ZkLookupError,
    disabled_multiplicities, prove_blinded, random_layer_masks, verify_blinded,
};
use zkinfer_lookup::{LookupError, LookupInstance, Table};
use zkinfer_poly::evaluate;
use zkinfer_sumcheck::MaskPolynomial;

type Witnesses = Vec<Vec<Vec<F>>>;

/// A witness of `2^vars` rows drawn from the table, its last two rows (the disabled slots) zero.
fn witness(table: &Table, vars: usize, rng: &mut StdRng) -> Vec<Vec<F>> {
    let cols = table.columns();
    let len = 1usize << vars;
    let picks: Vec<usize> = (0..len)
        .map(|_| rng.random_range(0..cols[0].len()))
        .collect();
    cols.iter()
        .map(|c| {
            (0..len)
                .map(|i| if i + 2 >= len { F::ZERO } else { c[picks[i]] })
                .collect()
        })
        .collect()
}

fn refs(ws: &Witnesses) -> Vec<Vec<&[F]>> {
    ws.iter()
        .map(|w| w.iter().map(Vec::as_slice).collect())
        .collect()
}

/// Everything the prover commits, for the transcript stand-in and the claim oracles.
struct Committed<'a> {
    table: &'a Table,
    ws: &'a Witnesses,
    m: &'a [F],
    blinding: &'a Blinding,
    masks: &'a [MaskPolynomial],
    inner: &'a InnerMasks,
    /// Absorb the data in the clear (binding) or a fixed placeholder.
    absorb_data: bool,
}

impl Committed<'_> {
    fn transcript(&self) -> Transcript {
        let mut t = Transcript::new(b"zk-lookup-tests");
        if self.absorb_data {
            for c in self.ws.iter().flatten() {
                t.absorb_fields(b"test/witness", c);
            }
            t.absorb_fields(b"test/m", self.m);
            let b: Vec<EF> = self
                .blinding
                .numerators
                .iter()
                .chain(&self.blinding.denominators)
                .flatten()
                .copied()
                .collect();
            t.absorb_exts(b"test/blinding", &b);
            for mask in self.masks {
                t.absorb_exts(b"test/mask", &mask.flat_coefficients());
            }
            let r: Vec<EF> = self
                .inner
                .trees
                .iter()
                .flatten()
                .flatten()
                .flatten()
                .copied()
                .collect();
            t.absorb_exts(b"test/inner", &r);
        } else {
            t.absorb_bytes(b"test/commitment", b"placeholder");
        }
        t
    }

    fn prove(&self) -> BlindedProof {
        let inst = LookupInstance {
            table: self.table,
            witnesses: refs(self.ws),
        };
        let (proof, _) = prove_blinded(
            &inst,
            self.m,
            self.blinding,
            self.masks,
            self.inner,
            &mut self.transcript(),
        )
        .expect("well-shaped");
        proof
    }

    /// Verifies and discharges every claim against the committed data.
    fn check(&self, proof: &BlindedProof) -> Result<(), String> {
        let shapes: Vec<usize> = self
            .ws
            .iter()
            .map(|w| w[0].len().trailing_zeros() as usize)
            .collect();
        let claims = verify_blinded(self.table, &shapes, proof, &mut self.transcript())
            .map_err(|e| format!("verify: {e}"))?;
        for (w, cl) in self.ws.iter().zip(&claims.instances[0].lookup.witness_claims) {
            for (col, (pt, v)) in w.iter().zip(cl) {
                if evaluate(col, pt) != *v {
                    return Err("witness opening".into());
                }
            }
        }
        let (pt, v) = &claims.instances[0].lookup.multiplicity_claim;
        if evaluate(self.m, pt) != *v {
            return Err("multiplicity opening".into());
        }
        let line = |v: [EF; 2], z: EF| v[0] + z * (v[1] - v[0]);
        for ((z, [n, d]), (bn, bd)) in claims.instances[0].blinding.iter().zip(
            self.blinding
                .numerators
                .iter()
                .zip(&self.blinding.denominators),
        ) {
            if line(*bn, *z) != *n || line(*bd, *z) != *d {
                return Err("blinding opening".into());
            }
        }
        for (mc, mask) in claims.masks.iter().zip(self.masks) {
            if mask.evaluate(&mc.point).map_err(|e| e.to_string())? != mc.value {
                return Err("mask opening".into());
            }
        }
        let bil = |r: &[EF; 4], y0: EF, w: EF| r[0] + r[1] * y0 + (r[2] + r[3] * y0) * w;
        for ic in &claims.instances[0].inner {
            let [rp, rq] = self.inner.trees[ic.tree][ic.height];
            let [y0, w] = ic.point;
            if bil(&rp, y0, w) != ic.values[0] || bil(&rq, y0, w) != ic.values[1] {
                return Err("inner mask opening".into());
            }
        }
        Ok(())
    }
}

fn heights(table: &Table, ws: &Witnesses) -> Vec<usize> {
    ws.iter()
        .map(|w| w[0].len().trailing_zeros() as usize)
        .chain([table.num_vars() + 1])
        .collect()
}

fn max_height(table: &Table, ws: &Witnesses) -> usize {
    heights(table, ws).into_iter().max().unwrap_or(0)
}

#[test]
fn honest_blinded_proofs_verify() {
    let mut rng = StdRng::seed_from_u64(1);
    let range = Table::SignedRange { bits: 4 };
    let relu = Table::function("relu", 4, |i| i.max(0)).unwrap();
    for (table, vars) in [(&range, vec![1, 2, 3, 7]), (&relu, vec![6, 2])] {
        let ws: Witnesses = vars.iter().map(|&v| witness(table, v, &mut rng)).collect();
        let m = disabled_multiplicities(table, &refs(&ws)).unwrap();
        for blinded in [true, false] {
            let blinding = if blinded {
                Blinding::random(ws.len(), &mut rng)
            } else {
                Blinding::none(ws.len())
            };
            let masks = random_layer_masks(max_height(table, &ws), &mut rng);
            let inner = InnerMasks::random(&heights(table, &ws), &mut rng);
            let c = Committed {
                table,
                ws: &ws,
                m: &m,
                blinding: &blinding,
                masks: &masks,
                inner: &inner,
                absorb_data: true,
            };
            c.check(&c.prove()).unwrap();
        }
    }
}

/// A range-table instance with one value outside the range at row 0.
fn bad_instance(rng: &mut StdRng) -> (Table, Witnesses, Vec<F>) {
    let table = Table::SignedRange { bits: 4 };
    let mut ws: Witnesses = vec![witness(&table, 3, rng)];
    ws[0][0][0] = from_signed(100);
    // Counts of every other looked-up row: what a cheater would commit.
    let mut m = vec![F::ZERO; 16];
    for &v in &ws[0][0][1..6] {
        let row = table.row_of(&[v]).unwrap();
        m[row] += F::ONE;
    }
    (table, ws, m)
}

#[test]
fn blinding_cannot_cancel_a_bad_lookup() {
    let mut rng = StdRng::seed_from_u64(2);
    let (table, mut ws, m) = bad_instance(&mut rng);
    let masks = random_layer_masks(max_height(&table, &ws), &mut rng);
    let inner = InnerMasks::random(&heights(&table, &ws), &mut rng);
    // Honest blinding: the bad row unbalances the roots.
    let blinding = Blinding::random(1, &mut rng);
    let c = Committed {
        table: &table,
        ws: &ws,
        m: &m,
        blinding: &blinding,
        masks: &masks,
        inner: &inner,
        absorb_data: true,
    };
    let err = c.check(&c.prove()).unwrap_err();
    assert!(err.contains("witness side sums to"), "{err}");
    // The cancellation attempt: the bad value again in a disabled slot with numerator −1, and
    // δ = 0. With an α-dependent slot denominator this would cancel 1/(α − 100); here the slot
    // holds the constant −1/(0 − 100), and the roots stay unbalanced.
    ws[0][0][7] = from_signed(100);
    let mut cheat = Blinding::none(1);
    cheat.numerators[0][1] = -EF::ONE;
    cheat.denominators[0][1] = EF::ZERO;
    for table_pi in [EF::ZERO, EF::ONE, -EF::ONE] {
        cheat.numerators[1][0] = table_pi;
        let c = Committed {
            table: &table,
            ws: &ws,
            m: &m,
            blinding: &cheat,
            masks: &masks,
            inner: &inner,
            absorb_data: true,
        };
        let err = c.check(&c.prove()).unwrap_err();
        assert!(err.contains("witness side sums to"), "{err}");
    }
}

#[test]
fn tampered_blinded_proofs_are_rejected() {
    let mut rng = StdRng::seed_from_u64(3);
    let table = Table::SignedRange { bits: 3 };
    let ws: Witnesses = vec![witness(&table, 4, &mut rng), witness(&table, 2, &mut rng)];
    let m = disabled_multiplicities(&table, &refs(&ws)).unwrap();
    let blinding = Blinding::random(2, &mut rng);
    let masks = random_layer_masks(max_height(&table, &ws), &mut rng);
    let inner = InnerMasks::random(&heights(&table, &ws), &mut rng);
    let c = Committed {
        table: &table,
        ws: &ws,
        m: &m,
        blinding: &blinding,
        masks: &masks,
        inner: &inner,
        absorb_data: true,
    };
    let proof = c.prove();
    c.check(&proof).unwrap();
    let mut cases: Vec<(&str, BlindedProof)> = Vec::new();
    for t in 0..proof.roots.len() {
        for i in 0..2 {
            let mut p = proof.clone();
            p.roots[t][i] += EF::ONE;
            cases.push(("root", p));
        }
    }
    for k in 0..proof.layers.len() {
        for i in 0..proof.layers[k].children.len() {
            let mut p = proof.clone();
            p.layers[k].children[i] += EF::ONE;
            cases.push(("child", p));
        }
        let mut p = proof.clone();
        p.layers[k].sumcheck.mask_eval += EF::ONE;
        cases.push(("mask eval", p));
        let mut p = proof.clone();
        p.layers[k].sumcheck.mask_sum += EF::ONE;
        cases.push(("mask sum", p));
        for i in 0..proof.layers[k].mask_evals.len() {
            for c in 0..2 {
                let mut p = proof.clone();
                p.layers[k].mask_evals[i][c] += EF::ONE;
                cases.push(("inner mask eval", p));
            }
        }
    }
    for t in 0..proof.blinding_evals.len() {
        for i in 0..2 {
            let mut p = proof.clone();
            p.blinding_evals[t][i] += EF::ONE;
            cases.push(("blinding eval", p));
        }
    }
    let mut p = proof.clone();
    p.multiplicity_evals[0] += EF::ONE;
    cases.push(("multiplicity eval", p));
    let mut p = proof.clone();
    p.witness_evals[1][0] += EF::ONE;
    cases.push(("witness eval", p));
    let mut p = proof.clone();
    p.layers.pop();
    cases.push(("missing layer", p));
    let mut p = proof.clone();
    p.roots[0][1] = EF::ZERO;
    cases.push(("zero denominator", p));
    for (what, p) in &cases {
        assert!(c.check(p).is_err(), "tampered {what} accepted");
    }
    // A proof made with other blinding values than the committed ones (same transcript, so
    // only the blinding opening can tell).
    let other = Blinding::random(2, &mut rng);
    let placeholder = Committed {
        absorb_data: false,
        ..c
    };
    let forged = Committed {
        blinding: &other,
        ..placeholder
    }
    .prove();
    assert_eq!(placeholder.check(&forged).unwrap_err(), "blinding opening");
    // Shape errors are errors, not panics.
    let tiny: Witnesses = vec![vec![vec![F::ZERO]]];
    let inst = LookupInstance {
        table: &table,
        witnesses: refs(&tiny),
    };
    assert!(matches!(
        prove_blinded(
            &inst,
            &m,
            &Blinding::none(1),
            &masks,
            &InnerMasks::none(&[2, 4]),
            &mut Transcript::new(b"x")
        ),
        Err(ZkLookupError::WitnessTooSmall { .. })
    ));
    assert!(matches!(
        verify_blinded(&table, &[0], &proof, &mut Transcript::new(b"x")),
        Err(ZkLookupError::WitnessTooSmall { .. })
    ));
    assert!(matches!(
        disabled_multiplicities(&table, &refs(&tiny)),
        Err(ZkLookupError::WitnessTooSmall { .. })
    ));
    let _ = LookupError::ZeroDenominator { tree: 0 };
}

/// The roots and layer-0 children of `runs` proofs of one witness with fixed `α, β`.
fn revealed(table: &Table, ws: &Witnesses, blinded: bool, runs: usize, seed: u64) -> Vec<Vec<EF>> {
    let mut rng = StdRng::seed_from_u64(seed);
    let m = disabled_multiplicities(table, &refs(ws)).unwrap();
    (0..runs)
        .map(|_| {
            let blinding = if blinded {
                Blinding::random(ws.len(), &mut rng)
            } else {
                Blinding::none(ws.len())
            };
            let masks = random_layer_masks(max_height(table, ws), &mut rng);
            let inner = InnerMasks::random(&heights(table, ws), &mut rng);
            let c = Committed {
                table,
                ws,
                m: &m,
                blinding: &blinding,
                masks: &masks,
                inner: &inner,
                absorb_data: false,
            };
            let p = c.prove();
            c.check(&p).unwrap();
            p.roots
                .iter()
                .flatten()
                .chain(&p.layers[0].children)
                .copied()
                .collect()
        })
        .collect()
}

#[test]
fn blinding_hides_roots_and_layer0_children() {
    let mut rng = StdRng::seed_from_u64(4);
    let table = Table::SignedRange { bits: 3 };
    let w1: Witnesses = vec![witness(&table, 4, &mut rng)];
    let mut w2 = w1.clone();
    // Another multiset: change one looked-up value.
    w2[0][0][0] = if w2[0][0][0] == F::ONE {
        F::ZERO
    } else {
        F::ONE
    };
    let runs = 40;
    let distinct_per_position = |s: &[Vec<EF>]| -> usize {
        (0..s[0].len())
            .map(|i| {
                let mut v: Vec<EF> = s.iter().map(|x| x[i]).collect();
                v.sort_by_key(|e| format!("{e:?}"));
                v.dedup();
                v.len()
            })
            .min()
            .unwrap_or(0)
    };
    // Blinded: every revealed value changes from run to run (and the two witnesses' samples
    // share no value).
    let b1 = revealed(&table, &w1, true, runs, 1);
    let b2 = revealed(&table, &w2, true, runs, 2);
    assert_eq!(distinct_per_position(&b1), runs);
    assert!(
        b1.iter()
            .all(|x| b2.iter().all(|y| x.iter().zip(y).all(|(a, b)| a != b)))
    );
    // Unblinded (Blinding::none): the revealed values are a fixed function of the witness, and
    // tell the two witnesses apart — the test above would fail without blinding.
    let u1 = revealed(&table, &w1, false, runs, 1);
    let u2 = revealed(&table, &w2, false, runs, 2);
    assert_eq!(distinct_per_position(&u1), 1);
    assert_ne!(u1[0], u2[0]);
}

/// Layer 1's children over `runs` proofs with everything else fixed (no blinding, zero ZK
/// masks, fixed `α, β`): only the `Z·R` masks can change them.
fn layer1_children(table: &Table, ws: &Witnesses, masked: bool, runs: usize) -> Vec<Vec<EF>> {
    let mut rng = StdRng::seed_from_u64(9);
    let m = disabled_multiplicities(table, &refs(ws)).unwrap();
    let blinding = Blinding::none(ws.len());
    let masks: Vec<MaskPolynomial> = (0..max_height(table, ws))
        .map(|k| MaskPolynomial::zero(k + 1, MASKED_LAYER_DEGREE).unwrap())
        .collect();
    (0..runs)
        .map(|_| {
            let h = heights(table, ws);
            let inner = if masked {
                InnerMasks::random(&h, &mut rng)
            } else {
                InnerMasks::none(&h)
            };
            let c = Committed {
                table,
                ws,
                m: &m,
                blinding: &blinding,
                masks: &masks,
                inner: &inner,
                absorb_data: false,
            };
            let p = c.prove();
            c.check(&p).unwrap();
            p.layers[1].children.clone()
        })
        .collect()
}

#[test]
fn zr_masks_hide_the_children_of_layer_1() {
    let mut rng = StdRng::seed_from_u64(5);
    let table = Table::SignedRange { bits: 3 };
    let ws: Witnesses = vec![witness(&table, 4, &mut rng)];
    let distinct = |s: &[Vec<EF>]| {
        let mut v: Vec<String> = s.iter().map(|x| format!("{x:?}")).collect();
        v.sort();
        v.dedup();
        v.len()
    };
    // Without Z·R masks the layer-1 children are a fixed function of the witness (the leak the
    // blinding slots do not cover); with them every run differs.
    assert_eq!(distinct(&layer1_children(&table, &ws, false, 20)), 1);
    let masked = layer1_children(&table, &ws, true, 20);
    assert_eq!(distinct(&masked), 20);
    // Every one of the children values varies, not just one of them.
    for (i, (a, b)) in masked[0].iter().zip(&masked[1]).enumerate() {
        assert_ne!(a, b, "child {i} is not masked");
    }
}
