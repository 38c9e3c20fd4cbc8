//! Zero-knowledge LogUp-GKR (`zkinfer_lookup::zk`): completeness, multi-instance proofs, soundness (blinding cannot cancel a
//! bad lookup), and that blinding hides the roots and the layer-0 children.
//!
//! Commitments are in-test stand-ins: absorbed in the clear (soundness tests) or as a fixed
//! placeholder (the hiding test, so that `α, β` do not change between runs and any variation
//! comes from the blinding alone); claims are discharged against the data itself.

use rand::{Rng, SeedableRng, rngs::StdRng};
use zkinfer_field::{EF, F, PrimeCharacteristicRing, Transcript, from_signed};
use zkinfer_lookup::zk::{
    BlindedClaims, BlindedProof, Blinding, InnerMasks, InstanceClaims, ZkLookupError,
    disabled_multiplicities, ext_from_coords, hiding_columns, layer_mask_shapes,
    masked_layer_degrees, prove_blinded, prove_blinded_many, prove_blinded_many_deferred,
    random_layer_masks, verify_blinded, verify_blinded_many, verify_blinded_many_deferred,
};
use zkinfer_lookup::{LookupError, LookupInstance, Table};
use zkinfer_poly::evaluate;
use zkinfer_sumcheck::MaskPolynomial;
use zkinfer_sumcheck::zk::random_ext;

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

/// One instance's committed data.
#[derive(Clone, Copy)]
struct Part<'a> {
    table: &'a Table,
    ws: &'a Witnesses,
    m: &'a [F],
    blinding: &'a Blinding,
    inner: &'a InnerMasks,
}

impl Part<'_> {
    fn absorb(&self, t: &mut Transcript) {
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
    }

    fn instance(&self) -> LookupInstance<'_> {
        LookupInstance {
            table: self.table,
            witnesses: refs(self.ws),
        }
    }

    fn shapes(&self) -> Vec<usize> {
        self.ws
            .iter()
            .map(|w| w[0].len().trailing_zeros() as usize)
            .collect()
    }

    /// Discharges the instance's claims against its data.
    fn discharge(&self, claims: &InstanceClaims) -> Result<(), String> {
        for (w, cl) in self.ws.iter().zip(&claims.lookup.witness_claims) {
            for (col, (pt, v)) in w.iter().zip(cl) {
                if evaluate(col, pt) != *v {
                    return Err("witness opening".into());
                }
            }
        }
        let (pt, v) = &claims.lookup.multiplicity_claim;
        if evaluate(self.m, pt) != *v {
            return Err("multiplicity opening".into());
        }
        let line = |v: [EF; 2], z: EF| v[0] + z * (v[1] - v[0]);
        for ((z, [n, d]), (bn, bd)) in claims.blinding.iter().zip(
            self.blinding
                .numerators
                .iter()
                .zip(&self.blinding.denominators),
        ) {
            if line(*bn, *z) != *n || line(*bd, *z) != *d {
                return Err("blinding opening".into());
            }
        }
        let bil = |r: &[EF; 4], y0: EF, w: EF| r[0] + r[1] * y0 + (r[2] + r[3] * y0) * w;
        for ic in &claims.inner {
            let [rp, rq] = self.inner.trees[ic.tree][ic.height];
            let [y0, w] = ic.point;
            if bil(&rp, y0, w) != ic.values[0] || bil(&rq, y0, w) != ic.values[1] {
                return Err("inner mask opening".into());
            }
        }
        Ok(())
    }
}

fn check_masks(claims: &BlindedClaims, masks: &[MaskPolynomial]) -> Result<(), String> {
    if claims.masks.len() != masks.len() {
        return Err("mask count".into());
    }
    for (mc, mask) in claims.masks.iter().zip(masks) {
        if mask.evaluate(&mc.point).map_err(|e| e.to_string())? != mc.value {
            return Err("mask opening".into());
        }
    }
    Ok(())
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
    fn part(&self) -> Part<'_> {
        Part {
            table: self.table,
            ws: self.ws,
            m: self.m,
            blinding: self.blinding,
            inner: self.inner,
        }
    }

    fn transcript(&self) -> Transcript {
        let mut t = Transcript::new(b"zk-lookup-tests");
        if self.absorb_data {
            self.part().absorb(&mut t);
            for mask in self.masks {
                t.absorb_exts(b"test/mask", &mask.flat_coefficients());
            }
        } else {
            t.absorb_bytes(b"test/commitment", b"placeholder");
        }
        t
    }

    fn prove(&self) -> BlindedProof {
        let (proof, _) = prove_blinded(
            &self.part().instance(),
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
        let claims = verify_blinded(
            self.table,
            &self.part().shapes(),
            proof,
            &mut self.transcript(),
        )
        .map_err(|e| format!("verify: {e}"))?;
        self.part().discharge(&claims.instances[0])?;
        check_masks(&claims, self.masks)
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
    let tiny = Table::SignedRange { bits: 1 };
    // Tables taller than every witness (their bottom layer alone in the last layers), and a
    // 2-row table (no room for patched parents).
    let cases = [
        (&range, vec![1, 2, 3, 7]),
        (&relu, vec![6, 2]),
        (&range, vec![2, 3]),
        (&relu, vec![1]),
        (&tiny, vec![1, 3]),
    ];
    for (table, vars) in cases {
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
            let proof = c.prove();
            c.check(&proof).unwrap();
            // Each layer's rounds at their own degrees (proof format 28): the `w` round one
            // value, the middle `x` rounds three, the last five.
            for (k, layer) in proof.layers.iter().enumerate() {
                let sent: Vec<usize> = layer
                    .sumcheck
                    .sumcheck
                    .round_polys
                    .iter()
                    .map(Vec::len)
                    .collect();
                assert_eq!(sent, masked_layer_degrees(k), "layer {k}");
            }
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
    // A round sent at another degree than its own (the `w` round and a middle round padded to
    // degree 5, as proof format 27 sent them; the last round cut to 3).
    for (k, layer) in proof.layers.iter().enumerate() {
        let rounds = layer.sumcheck.sumcheck.round_polys.len();
        for (round, len) in [(0, 5), (1, 5), (rounds - 1, 3)] {
            if round < rounds && layer.sumcheck.sumcheck.round_polys[round].len() != len {
                let mut p = proof.clone();
                p.layers[k].sumcheck.sumcheck.round_polys[round].resize(len, EF::ONE);
                cases.push(("a round at another degree", p));
            }
        }
    }
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
        .map(|k| zero_mask(&masked_layer_degrees(k)))
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

// ---- Several instances in one proof (`prove_blinded_many` / `verify_blinded_many`). ----

/// Several instances with the many-instance API; the layer masks handed out by a closure.
struct Many<'a> {
    parts: Vec<Part<'a>>,
    masks: &'a [MaskPolynomial],
    absorb_data: bool,
}

impl Many<'_> {
    fn transcript(&self) -> Transcript {
        let mut t = Transcript::new(b"zk-lookup-tests");
        if self.absorb_data {
            for p in &self.parts {
                p.absorb(&mut t);
            }
            for mask in self.masks {
                t.absorb_exts(b"test/mask", &mask.flat_coefficients());
            }
        } else {
            t.absorb_bytes(b"test/commitment", b"placeholder");
        }
        t
    }

    fn statement(&self) -> Vec<(&Table, Vec<usize>)> {
        self.parts.iter().map(|p| (p.table, p.shapes())).collect()
    }

    fn secrets(&self) -> (Vec<Blinding>, Vec<InnerMasks>) {
        (
            self.parts.iter().map(|p| p.blinding.clone()).collect(),
            self.parts.iter().map(|p| p.inner.clone()).collect(),
        )
    }

    fn prove(&self) -> BlindedProof {
        let insts: Vec<LookupInstance<'_>> = self.parts.iter().map(Part::instance).collect();
        let ms: Vec<&[F]> = self.parts.iter().map(|p| p.m).collect();
        let (blinding, inner) = self.secrets();
        let mut next = self.masks.iter();
        let (proof, _) = prove_blinded_many(
            &insts,
            &ms,
            &blinding,
            &inner,
            |degrees| {
                let m = next.next().ok_or("out of masks")?;
                assert_eq!(m.degrees(), degrees, "mask shape asked for");
                Ok::<_, &str>(m.clone())
            },
            &mut self.transcript(),
        )
        .expect("well-shaped");
        proof
    }

    /// Verifies and discharges every claim, the blinding ones both directly and through the
    /// base-field hiding columns the engine commits.
    fn check(&self, proof: &BlindedProof) -> Result<(), String> {
        let claims = verify_blinded_many(&self.statement(), proof, &mut self.transcript())
            .map_err(|e| format!("verify: {e}"))?;
        if claims.instances.len() != self.parts.len() {
            return Err("instance count".into());
        }
        for (p, c) in self.parts.iter().zip(&claims.instances) {
            p.discharge(c)?;
        }
        check_masks(&claims, self.masks)?;
        let (blinding, inner) = self.secrets();
        let cols = hiding_columns(&blinding, &inner);
        let hiding = claims.hiding_claims();
        let direct: usize = claims
            .instances
            .iter()
            .map(|c| 2 * c.blinding.len() + 2 * c.inner.len())
            .sum();
        assert_eq!(
            hiding.len(),
            direct,
            "every blinding claim is a hiding claim"
        );
        for hc in hiding {
            let col = cols
                .iter()
                .find(|c| c.id == hc.id)
                .ok_or("hiding column missing")?;
            let v = ext_from_coords(col.coords.each_ref().map(|c| evaluate(c, &hc.point)));
            if v != hc.value {
                return Err("hiding column opening".into());
            }
        }
        Ok(())
    }
}

/// Three instances (two range tables, one function table), honest multiplicities.
fn many_fixture(rng: &mut StdRng) -> (Vec<Table>, Vec<Witnesses>, Vec<Vec<F>>) {
    let tables = vec![
        Table::SignedRange { bits: 4 },
        Table::function("relu", 4, |i| i.max(0)).unwrap(),
        Table::SignedRange { bits: 3 },
    ];
    // Every tree active at layer 1 has height ≥ 3 (its layer-1 children are `Z·R`-masked).
    let vars = [vec![3, 5], vec![4, 6], vec![1]];
    let ws: Vec<Witnesses> = tables
        .iter()
        .zip(&vars)
        .map(|(t, v)| v.iter().map(|&n| witness(t, n, rng)).collect())
        .collect();
    let ms = tables
        .iter()
        .zip(&ws)
        .map(|(t, w)| disabled_multiplicities(t, &refs(w)).unwrap())
        .collect();
    (tables, ws, ms)
}

/// The mask `g ≡ 0` of these per-variable degrees (a ZK sumcheck with it is a plain one).
fn zero_mask(degrees: &[usize]) -> MaskPolynomial {
    MaskPolynomial::from_coefficients_per_var(
        degrees.iter().map(|&d| vec![EF::ZERO; d + 1]).collect(),
    )
    .unwrap()
}

fn random_masks(statement: &[(&Table, Vec<usize>)], rng: &mut StdRng) -> Vec<MaskPolynomial> {
    layer_mask_shapes(statement)
        .into_iter()
        .map(|degrees| MaskPolynomial::random_per_var(&degrees, rng).unwrap())
        .collect()
}

fn secrets_for(
    tables: &[Table],
    ws: &[Witnesses],
    blinded: bool,
    masked: bool,
    rng: &mut StdRng,
) -> (Vec<Blinding>, Vec<InnerMasks>) {
    tables
        .iter()
        .zip(ws)
        .map(|(t, w)| {
            let b = if blinded {
                Blinding::random(w.len(), rng)
            } else {
                Blinding::none(w.len())
            };
            let h = heights(t, w);
            let i = if masked {
                InnerMasks::random(&h, rng)
            } else {
                InnerMasks::none(&h)
            };
            (b, i)
        })
        .unzip()
}

fn parts<'a>(
    tables: &'a [Table],
    ws: &'a [Witnesses],
    ms: &'a [Vec<F>],
    blinding: &'a [Blinding],
    inner: &'a [InnerMasks],
) -> Vec<Part<'a>> {
    (0..tables.len())
        .map(|i| Part {
            table: &tables[i],
            ws: &ws[i],
            m: &ms[i],
            blinding: &blinding[i],
            inner: &inner[i],
        })
        .collect()
}

fn statement_of<'a>(tables: &'a [Table], ws: &[Witnesses]) -> Vec<(&'a Table, Vec<usize>)> {
    tables
        .iter()
        .zip(ws)
        .map(|(t, w)| {
            let s = w
                .iter()
                .map(|c| c[0].len().trailing_zeros() as usize)
                .collect();
            (t, s)
        })
        .collect()
}

#[test]
fn several_instances_verify() {
    let mut rng = StdRng::seed_from_u64(11);
    let (tables, ws, ms) = many_fixture(&mut rng);
    let masks = random_masks(&statement_of(&tables, &ws), &mut rng);
    for (blinded, masked) in [(true, true), (false, false), (true, false)] {
        let (b, i) = secrets_for(&tables, &ws, blinded, masked, &mut rng);
        let c = Many {
            parts: parts(&tables, &ws, &ms, &b, &i),
            masks: &masks,
            absorb_data: true,
        };
        c.check(&c.prove()).unwrap();
    }
    // One instance through the many-instance API is the single-instance proof.
    let (b, i) = secrets_for(&tables[..1], &ws[..1], true, true, &mut rng);
    let masks1 = random_masks(&statement_of(&tables[..1], &ws[..1]), &mut rng);
    let many = Many {
        parts: parts(&tables[..1], &ws[..1], &ms[..1], &b, &i),
        masks: &masks1,
        absorb_data: true,
    };
    let one = Committed {
        table: &tables[0],
        ws: &ws[0],
        m: &ms[0],
        blinding: &b[0],
        masks: &masks1,
        inner: &i[0],
        absorb_data: true,
    };
    assert_eq!(many.prove(), one.prove());
    // A mask source that runs dry is an error naming the layer, not a panic.
    let insts: Vec<LookupInstance<'_>> = many.parts.iter().map(Part::instance).collect();
    let err = prove_blinded_many(
        &insts,
        &[ms[0].as_slice()],
        &b,
        &i,
        |_| Err::<MaskPolynomial, _>("pool empty"),
        &mut Transcript::new(b"x"),
    )
    .unwrap_err();
    assert!(err.to_string().contains("pool empty"), "{err}");
}

#[test]
fn a_bad_lookup_in_one_of_several_instances_is_rejected() {
    let mut rng = StdRng::seed_from_u64(12);
    let (mut tables, mut ws, mut ms) = many_fixture(&mut rng);
    let (bad_table, bad_ws, bad_m) = bad_instance(&mut rng);
    tables[1] = bad_table;
    ws[1] = bad_ws;
    ms[1] = bad_m;
    let masks = random_masks(&statement_of(&tables, &ws), &mut rng);
    let (mut b, i) = secrets_for(&tables, &ws, true, true, &mut rng);
    let c = Many {
        parts: parts(&tables, &ws, &ms, &b, &i),
        masks: &masks,
        absorb_data: true,
    };
    let err = c.check(&c.prove()).unwrap_err();
    assert!(err.contains("instance 1: witness side sums to"), "{err}");
    // The cancellation attempt of `blinding_cannot_cancel_a_bad_lookup`, in instance 1 only.
    ws[1][0][0][7] = from_signed(100);
    b[1] = Blinding::none(1);
    b[1].numerators[0][1] = -EF::ONE;
    b[1].denominators[0][1] = EF::ZERO;
    for table_pi in [EF::ZERO, EF::ONE, -EF::ONE] {
        b[1].numerators[1][0] = table_pi;
        let c = Many {
            parts: parts(&tables, &ws, &ms, &b, &i),
            masks: &masks,
            absorb_data: true,
        };
        let err = c.check(&c.prove()).unwrap_err();
        assert!(err.contains("instance 1: witness side sums to"), "{err}");
    }
}

#[test]
fn tampered_values_in_each_instance_are_rejected() {
    let mut rng = StdRng::seed_from_u64(13);
    let (tables, ws, ms) = many_fixture(&mut rng);
    let masks = random_masks(&statement_of(&tables, &ws), &mut rng);
    let (b, i) = secrets_for(&tables, &ws, true, true, &mut rng);
    let c = Many {
        parts: parts(&tables, &ws, &ms, &b, &i),
        masks: &masks,
        absorb_data: true,
    };
    let proof = c.prove();
    c.check(&proof).unwrap();
    let mut cases: Vec<(String, BlindedProof)> = Vec::new();
    let (mut tree, mut witness) = (0, 0);
    for (inst, w) in ws.iter().enumerate() {
        for _ in 0..=w.len() {
            for v in 0..2 {
                let mut p = proof.clone();
                p.roots[tree][v] += EF::ONE;
                cases.push((format!("instance {inst}: root"), p));
                let mut p = proof.clone();
                p.blinding_evals[tree][v] += EF::ONE;
                cases.push((format!("instance {inst}: blinding eval"), p));
            }
            for k in 0..proof.layers.len() {
                // Tree `tree`'s children in layer k, if active there.
                let active = proof.layers[k].children.len() / 4;
                let heights: Vec<usize> = statement_of(&tables, &ws)
                    .iter()
                    .flat_map(|(t, s)| s.iter().copied().chain([t.num_vars() + 1]))
                    .collect();
                if heights[tree] > k {
                    let pos = (0..tree).filter(|&j| heights[j] > k).count();
                    assert!(pos < active);
                    for v in 0..4 {
                        let mut p = proof.clone();
                        p.layers[k].children[4 * pos + v] += EF::ONE;
                        cases.push((format!("instance {inst}: layer {k} child"), p));
                    }
                }
            }
            tree += 1;
        }
        for _ in w {
            let mut p = proof.clone();
            p.witness_evals[witness][0] += EF::ONE;
            cases.push((format!("instance {inst}: witness eval"), p));
            witness += 1;
        }
        let mut p = proof.clone();
        p.multiplicity_evals[inst] += EF::ONE;
        cases.push((format!("instance {inst}: multiplicity eval"), p));
    }
    for k in 0..proof.layers.len() {
        for e in 0..proof.layers[k].mask_evals.len() {
            for v in 0..2 {
                let mut p = proof.clone();
                p.layers[k].mask_evals[e][v] += EF::ONE;
                cases.push((format!("layer {k}: inner mask eval"), p));
            }
        }
        let mut p = proof.clone();
        p.layers[k].sumcheck.mask_eval += EF::ONE;
        cases.push((format!("layer {k}: mask eval"), p));
    }
    let mut p = proof.clone();
    p.multiplicity_evals.pop();
    cases.push(("missing multiplicity eval".into(), p));
    assert!(
        cases
            .iter()
            .filter(|(w, _)| w.contains("inner mask"))
            .count()
            > 0
    );
    for (what, p) in &cases {
        assert!(c.check(p).is_err(), "tampered {what} accepted");
    }
    // Per instance: a proof with uncommitted blinding or inner masks for that instance (same
    // transcript), caught only by that instance's openings.
    let placeholder = Many {
        absorb_data: false,
        parts: c.parts.clone(),
        masks: &masks,
    };
    for inst in 0..tables.len() {
        let (ob, oi) = secrets_for(&tables, &ws, true, true, &mut rng);
        let mut forged_b = b.clone();
        forged_b[inst] = ob[inst].clone();
        let mut forged = Many {
            parts: parts(&tables, &ws, &ms, &forged_b, &i),
            masks: &masks,
            absorb_data: false,
        };
        assert_eq!(
            placeholder.check(&forged.prove()).unwrap_err(),
            "blinding opening"
        );
        let mut forged_i = i.clone();
        forged_i[inst] = oi[inst].clone();
        forged.parts = parts(&tables, &ws, &ms, &b, &forged_i);
        assert_eq!(
            placeholder.check(&forged.prove()).unwrap_err(),
            "inner mask opening"
        );
    }
}

/// Over `runs` proofs of fixed data with fixed `α, β`: every instance's roots and layer-0
/// children (`layer = 0`) or the layer-1 children (`layer = 1`, no blinding, zero layer masks).
fn many_revealed(layer: usize, random: bool, runs: usize) -> Vec<Vec<EF>> {
    let mut rng = StdRng::seed_from_u64(14);
    let (tables, ws, ms) = many_fixture(&mut rng);
    let statement = statement_of(&tables, &ws);
    (0..runs)
        .map(|_| {
            let masks = if layer == 0 {
                random_masks(&statement, &mut rng)
            } else {
                layer_mask_shapes(&statement)
                    .into_iter()
                    .map(|degrees| zero_mask(&degrees))
                    .collect()
            };
            let (b, i) = secrets_for(&tables, &ws, random && layer == 0, random, &mut rng);
            let c = Many {
                parts: parts(&tables, &ws, &ms, &b, &i),
                masks: &masks,
                absorb_data: false,
            };
            let p = c.prove();
            c.check(&p).unwrap();
            if layer == 0 {
                p.roots
                    .iter()
                    .flatten()
                    .chain(&p.layers[0].children)
                    .copied()
                    .collect()
            } else {
                p.layers[1].children.clone()
            }
        })
        .collect()
}

#[test]
fn several_instances_vary_run_to_run_with_blinding_and_are_fixed_without() {
    let runs = 20;
    let distinct_at = |s: &[Vec<EF>], i: usize| {
        let mut v: Vec<String> = s.iter().map(|x| format!("{:?}", x[i])).collect();
        v.sort();
        v.dedup();
        v.len()
    };
    for layer in [0, 1] {
        let fixed = many_revealed(layer, false, runs);
        let varied = many_revealed(layer, true, runs);
        assert!(!fixed[0].is_empty());
        for i in 0..fixed[0].len() {
            assert_eq!(
                distinct_at(&fixed, i),
                1,
                "layer {layer} value {i} varies unblinded"
            );
            assert_eq!(
                distinct_at(&varied, i),
                runs,
                "layer {layer} value {i} not hidden"
            );
        }
    }
}

/// Proves `tables`/`ws` with the deferred leaves and leaf masks `sums` (per instance, per
/// tree), verifies, and returns the verifier's claims (the prover's are asserted equal) and the
/// last layer's children.
fn deferred_run(
    tables: &[Table],
    ws: &[Witnesses],
    ms: &[Vec<F>],
    sums: &[Vec<[[EF; 2]; 2]>],
    tamper: impl Fn(&mut BlindedProof),
    rng: &mut StdRng,
) -> (Result<BlindedClaims, ZkLookupError>, Vec<Blinding>) {
    let st = statement_of(tables, ws);
    let masks = random_masks(&st, rng);
    let (blinding, mut inner) = secrets_for(tables, ws, true, true, rng);
    for (i, s) in inner.iter_mut().zip(sums) {
        for (j, &v) in s.iter().enumerate() {
            i.set_leaf(j, v).unwrap();
        }
    }
    let insts: Vec<LookupInstance<'_>> = tables
        .iter()
        .zip(ws)
        .map(|(t, w)| LookupInstance {
            table: t,
            witnesses: refs(w),
        })
        .collect();
    let mrefs: Vec<&[F]> = ms.iter().map(Vec::as_slice).collect();
    let mut next = masks.iter();
    let mut tp = Transcript::new(b"deferred");
    let (mut proof, pc) = prove_blinded_many_deferred(
        &insts,
        &mrefs,
        &blinding,
        &inner,
        |_| next.next().cloned().ok_or("no mask"),
        &mut tp,
    )
    .unwrap();
    assert!(proof.witness_evals.is_empty() && proof.multiplicity_evals.is_empty());
    tamper(&mut proof);
    let mut tv = Transcript::new(b"deferred");
    let vc = verify_blinded_many_deferred(&st, &proof, &mut tv);
    if let Ok(v) = &vc
        && proof.layers.iter().all(|l| !l.children.is_empty())
    {
        let untampered = {
            let mut p2 = proof.clone();
            tamper(&mut p2);
            p2 == proof
        };
        if untampered {
            assert_eq!(
                v.leaves, pc.leaves,
                "prover and verifier agree on the leaf claims"
            );
        }
    }
    (vc, blinding)
}

/// `p̃ − P(pt)` and `q̃ − Q(pt)` for every leaf claim, from the committed data.
fn leaf_offsets(
    tables: &[Table],
    ws: &[Witnesses],
    ms: &[Vec<F>],
    blinding: &[Blinding],
    claims: &BlindedClaims,
) -> Vec<[EF; 2]> {
    let leaves = claims.leaves.as_ref().expect("deferred claims");
    let line = |v: [EF; 2], z: EF| v[0] + z * (v[1] - v[0]);
    leaves
        .trees
        .iter()
        .map(|lc| {
            let (table, w) = (&tables[lc.instance], &ws[lc.instance]);
            let is_table = lc.tree == w.len();
            let f = lc.form(table, is_table, leaves.alpha, leaves.beta).unwrap();
            let b = &blinding[lc.instance];
            let (n, d) = (
                line(b.numerators[lc.tree], f.z),
                line(b.denominators[lc.tree], f.z),
            );
            let m = if is_table {
                evaluate(&ms[lc.instance], &lc.point[1..])
            } else {
                EF::ZERO
            };
            let x: EF = if is_table {
                EF::ZERO
            } else {
                w[lc.tree]
                    .iter()
                    .zip(&f.witness)
                    .map(|(c, &k)| k * evaluate(c, &lc.point))
                    .sum()
            };
            let p = f.p_const + f.multiplicity * m + f.s * n;
            let q = f.q_const + x + f.s * d;
            [lc.p - p, lc.q - q]
        })
        .collect()
}

#[test]
fn deferred_leaves_are_masked_and_bind_the_committed_columns() {
    let mut rng = StdRng::seed_from_u64(31);
    let tables = vec![
        Table::SignedRange { bits: 4 },
        Table::function("relu", 4, |i| i.max(0)).unwrap(),
    ];
    let vars = [vec![3, 2], vec![4]];
    let ws: Vec<Witnesses> = tables
        .iter()
        .zip(&vars)
        .map(|(t, v)| v.iter().map(|&n| witness(t, n, &mut rng)).collect())
        .collect();
    let ms: Vec<Vec<F>> = tables
        .iter()
        .zip(&ws)
        .map(|(t, w)| disabled_multiplicities(t, &refs(w)).unwrap())
        .collect();
    let random_sums: Vec<Vec<[[EF; 2]; 2]>> = ws
        .iter()
        .map(|w| {
            (0..=w.len())
                .map(|_| {
                    [
                        [0; 2].map(|_| random_ext(&mut rng)),
                        [0; 2].map(|_| random_ext(&mut rng)),
                    ]
                })
                .collect()
        })
        .collect();
    let zero_sums: Vec<Vec<[[EF; 2]; 2]>> = ws
        .iter()
        .map(|w| vec![[[EF::ZERO; 2]; 2]; w.len() + 1])
        .collect();

    // Without leaf masks the leaf claims are the leaf polynomials themselves.
    let (c, b) = deferred_run(&tables, &ws, &ms, &zero_sums, |_| {}, &mut rng);
    let c = c.unwrap();
    for off in leaf_offsets(&tables, &ws, &ms, &b, &c) {
        assert_eq!(off, [EF::ZERO; 2]);
    }
    // With them, each claim is off by exactly the leaf masks' term, which is non-zero.
    let (c, b) = deferred_run(&tables, &ws, &ms, &random_sums, |_| {}, &mut rng);
    let c = c.unwrap();
    let leaves = c.leaves.as_ref().unwrap();
    for (lc, off) in leaves
        .trees
        .iter()
        .zip(leaf_offsets(&tables, &ws, &ms, &b, &c))
    {
        let [k0, k1] = zkinfer_lookup::zk::leaf_mask_coefficients(&lc.point);
        let [sp, sq] = random_sums[lc.instance][lc.tree];
        assert_eq!(off, [k0 * sp[0] + k1 * sp[1], k0 * sq[0] + k1 * sq[1]]);
        assert_ne!(off, [EF::ZERO; 2], "the leaf claims are masked");
    }
    // A changed child of the last layer is rejected by the layer check or leaves a leaf claim
    // that the committed data does not make.
    for pos in 0..4 {
        let (c, b) = deferred_run(
            &tables,
            &ws,
            &ms,
            &zero_sums,
            |p| {
                if let Some(l) = p.layers.last_mut() {
                    l.children[pos] += EF::ONE;
                }
            },
            &mut rng,
        );
        if let Ok(c) = c {
            let offs = leaf_offsets(&tables, &ws, &ms, &b, &c);
            assert!(offs.iter().any(|o| *o != [EF::ZERO; 2]), "child {pos}");
        }
    }
    // Leaf values in a deferred proof are refused.
    let (c, _) = deferred_run(
        &tables,
        &ws,
        &ms,
        &zero_sums,
        |p| p.multiplicity_evals.push(EF::ONE),
        &mut rng,
    );
    assert!(c.is_err());
}
