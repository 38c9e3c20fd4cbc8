//! Differential test of `LogUpGkr.sol` (`BlindedLogUp.verifyDeferred`, with `ZkSumcheck.sol`,
//! `ProofReader.sol` and `Transcript.sol`) against `zkinfer_lookup::zk::verify_blinded_many_deferred`,
//! the blinded LogUp-GKR verifier with deferred leaves that every zkinfer proof's lookups run.
//!
//! The proofs are real: `prove_blinded_many_deferred` on random lookups (range, signed-range and
//! function tables, one to three instances of one to three witnesses), with random blinding, inner
//! masks, leaf masks and layer masks, on a transcript started from a random context (standing for the
//! commitments a proof absorbs first). Both verifiers must agree on every input: the same error, or
//! the same claims word for word (α, β, every leaf claim, every inner-mask claim, every layer-mask
//! claim). A proof counts as accepted when the verifier returns the honest proof's claims — the ones
//! the committed data satisfies; a mutation is rejected when both verifiers fail with the same error,
//! or both return claims that differ from the honest ones (the caller's openings then fail).

mod mutations;

use mutations::{bump, ext};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use revm::primitives::U256;
use zkinfer_evm::abi::{decode_uint, decode_uint_array};
use zkinfer_evm::logup::{
    LOGUP_VERIFY, decode_deferred_proof, encode_deferred_proof, encode_statement, logup_call_args,
    rust_verify_deferred,
};
use zkinfer_evm::{Contract, Harness};
use zkinfer_field::{EF, F, PrimeCharacteristicRing, Transcript};
use zkinfer_lookup::zk::{
    BlindedProof, Blinding, InnerMasks, disabled_multiplicities, heights, layer_mask_shapes,
    prove_blinded_many_deferred,
};
use zkinfer_lookup::{LookupInstance, Table};
use zkinfer_sumcheck::MaskPolynomial;

/// A witness of `2^vars` rows drawn from the table, its last two rows (the blinding slots) zero.
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

fn random_table(rng: &mut StdRng) -> Table {
    let bits = rng.random_range(1..=5u32);
    match rng.random_range(0..3) {
        0 => Table::Range { bits },
        1 => Table::SignedRange { bits },
        _ => Table::function("relu", bits, |i| i.max(0)).expect("a valid function table"),
    }
}

/// One lookup statement and an honest deferred proof of it.
#[derive(Clone, Debug)]
struct Case {
    context: Vec<u8>,
    tables: Vec<Table>,
    shapes: Vec<Vec<usize>>,
    proof: BlindedProof,
    /// The verifiers' claims on the honest proof.
    claims: Vec<U256>,
}

impl Case {
    fn statement(&self) -> Vec<(&Table, Vec<usize>)> {
        self.tables.iter().zip(self.shapes.clone()).collect()
    }

    fn proof_bytes(&self) -> Vec<u8> {
        encode_deferred_proof(&self.proof).expect("encodes")
    }
}

fn make_case(rng: &mut StdRng, instances: usize, max_vars: usize) -> Case {
    let tables: Vec<Table> = (0..instances).map(|_| random_table(rng)).collect();
    let shapes: Vec<Vec<usize>> = tables
        .iter()
        .map(|_| {
            (0..rng.random_range(1..=3))
                .map(|_| rng.random_range(1..=max_vars))
                .collect()
        })
        .collect();
    make_case_of(rng, tables, shapes)
}

fn make_case_of(rng: &mut StdRng, tables: Vec<Table>, shapes: Vec<Vec<usize>>) -> Case {
    let context: Vec<u8> = (0..rng.random_range(0..40)).map(|_| rng.random()).collect();
    let ws: Vec<Vec<Vec<Vec<F>>>> = tables
        .iter()
        .zip(&shapes)
        .map(|(t, s)| s.iter().map(|&v| witness(t, v, rng)).collect())
        .collect();
    let insts: Vec<LookupInstance<'_>> = tables
        .iter()
        .zip(&ws)
        .map(|(t, w)| LookupInstance {
            table: t,
            witnesses: w
                .iter()
                .map(|cols| cols.iter().map(Vec::as_slice).collect())
                .collect(),
        })
        .collect();
    let ms: Vec<Vec<F>> = insts
        .iter()
        .map(|i| disabled_multiplicities(i.table, &i.witnesses).expect("in the table"))
        .collect();
    let blinding: Vec<Blinding> = shapes
        .iter()
        .map(|s| Blinding::random(s.len(), rng))
        .collect();
    let inner: Vec<InnerMasks> = tables
        .iter()
        .zip(&shapes)
        .map(|(t, s)| {
            let h = heights(t, s);
            let mut masks = InnerMasks::random(&h, rng);
            for (j, &height) in h.iter().enumerate() {
                if height >= 2 {
                    let sums = [[ext(rng), ext(rng)], [ext(rng), ext(rng)]];
                    masks.set_leaf(j, sums).expect("a tree of height ≥ 2");
                }
            }
            masks
        })
        .collect();
    let statement: Vec<(&Table, Vec<usize>)> = tables.iter().zip(shapes.clone()).collect();
    let layer_masks: Vec<MaskPolynomial> = layer_mask_shapes(&statement)
        .iter()
        .map(|d| MaskPolynomial::random_per_var(d, rng).expect("degrees ≥ 1"))
        .collect();
    let mut next = layer_masks.iter();
    let mrefs: Vec<&[F]> = ms.iter().map(Vec::as_slice).collect();
    let mut t = Transcript::new(&context);
    let (proof, _) = prove_blinded_many_deferred(
        &insts,
        &mrefs,
        &blinding,
        &inner,
        |_| next.next().cloned().ok_or("no layer mask"),
        &mut t,
    )
    .expect("an honest proof");
    let bytes = encode_deferred_proof(&proof).expect("encodes");
    assert_eq!(decode_deferred_proof(&bytes).as_ref(), Ok(&proof));
    let claims = rust_verify_deferred(&context, &statement, &bytes).expect("honest proof verifies");
    drop(statement);
    Case {
        context,
        tables,
        shapes,
        proof,
        claims,
    }
}

/// Both verifiers on (`context`, `statement`, `proof`); asserts they agree and returns whether the
/// input is accepted (the verifier returns `case`'s honest claims).
fn differential(
    h: &mut Harness,
    case: &Case,
    context: &[u8],
    statement: &[(&Table, Vec<usize>)],
    proof: &[u8],
) -> bool {
    let rust = rust_verify_deferred(context, statement, proof);
    let st = encode_statement(statement).expect("encodes");
    let out = h
        .call(LOGUP_VERIFY, &logup_call_args(context, &st, proof))
        .expect("transaction runs");
    match &rust {
        Ok(claims) => {
            assert!(
                out.success,
                "Rust returns, the contract reverts: {:?}",
                h.revert_error(&out)
            );
            let got = decode_uint_array(&out.output, 0).expect("claims");
            assert_eq!(&got, claims, "the verifiers' claims differ");
            *claims == case.claims
        }
        Err(e) => {
            let err = mutations::assert_reverts_with(h, &out, e.solidity_name(), e);
            if let Some(code) = e.count_code() {
                assert_eq!(
                    err.args.first(),
                    Some(&U256::from(code)),
                    "{e}: another count"
                );
            }
            false
        }
    }
}

type Input = (Vec<u8>, Vec<(Table, Vec<usize>)>, Vec<u8>);

/// One mutation of `case`: its kind and the mutated (context, statement, proof bytes).
fn mutate(rng: &mut StdRng, case: &Case, other: &Case) -> (&'static str, Input) {
    let mut p = case.proof.clone();
    let mut st: Vec<(Table, Vec<usize>)> = case
        .tables
        .iter()
        .cloned()
        .zip(case.shapes.clone())
        .collect();
    let mut ctx = case.context.clone();
    let layers = p.layers.len();
    let k = rng.random_range(0..layers);
    let what = match rng.random_range(0..20) {
        0..=3 => {
            let (what, m) = mutations::mutate_bytes(rng, &case.proof_bytes());
            return (what, (ctx, st, m));
        }
        4 => {
            let j = rng.random_range(0..p.roots.len());
            let c = rng.random_range(0..2);
            p.roots[j][c] = bump(p.roots[j][c]);
            "root changed"
        }
        5 => {
            let j = rng.random_range(0..p.roots.len());
            p.roots[j][1] = EF::ZERO;
            "root denominator zeroed"
        }
        6 => {
            let rounds = &mut p.layers[k].sumcheck.sumcheck.round_polys;
            let r = rng.random_range(0..rounds.len());
            let i = rng.random_range(0..rounds[r].len());
            rounds[r][i] = bump(rounds[r][i]);
            "round value changed"
        }
        7 => {
            let rounds = &mut p.layers[k].sumcheck.sumcheck.round_polys;
            if rounds.len() >= 2 {
                let a = rng.random_range(0..rounds.len());
                let b = (a + rng.random_range(1..rounds.len())) % rounds.len();
                rounds.swap(a, b);
                "rounds swapped"
            } else {
                rounds.push(rounds[0].clone());
                "round repeated"
            }
        }
        8 if layers >= 2 => {
            let b = (k + rng.random_range(1..layers)) % layers;
            p.layers.swap(k, b);
            "layers swapped"
        }
        9 => {
            let ch = &mut p.layers[k].children;
            let i = rng.random_range(0..ch.len());
            ch[i] = bump(ch[i]);
            "child changed"
        }
        10 => {
            let ch = &mut p.layers[k].children;
            if ch.len() >= 8 {
                let (a, b) = ch.split_at_mut(4);
                a.swap_with_slice(&mut b[..4]);
                "two trees' children swapped"
            } else {
                ch.swap(0, 1);
                "left and right children swapped"
            }
        }
        11 => {
            p.layers[k].children.pop();
            "a child dropped"
        }
        12 => {
            let l = &mut p.layers[k];
            if l.mask_evals.is_empty() {
                l.mask_evals.push([ext(rng), ext(rng)]);
                "an inner mask pair added"
            } else {
                let i = rng.random_range(0..l.mask_evals.len());
                l.mask_evals[i][rng.random_range(0..2)] += EF::ONE;
                "inner mask value changed"
            }
        }
        13 => {
            let s = &mut p.layers[k].sumcheck;
            if rng.random() {
                s.mask_sum = bump(s.mask_sum);
                "layer mask sum changed"
            } else {
                s.mask_eval = bump(s.mask_eval);
                "layer mask value changed"
            }
        }
        14 => {
            p.layers.pop();
            "last layer dropped"
        }
        15 => {
            ctx.push(rng.random());
            "another context"
        }
        16 => {
            let i = rng.random_range(0..st.len());
            let w = rng.random_range(0..st[i].1.len());
            let v = st[i].1[w];
            st[i].1[w] = if v > 1 && rng.random() { v - 1 } else { v + 1 };
            "a witness shape changed"
        }
        17 => {
            let i = rng.random_range(0..st.len());
            st[i].0 = match &st[i].0 {
                Table::Range { bits } => Table::SignedRange { bits: *bits },
                Table::SignedRange { bits } => Table::Range { bits: *bits },
                Table::Function { in_bits, .. } => Table::SignedRange { bits: *in_bits },
            };
            "another table"
        }
        18 => {
            let i = rng.random_range(0..st.len());
            st[i].0 = Table::Range {
                bits: [0, 17][rng.random_range(0..2)],
            };
            "table width out of range"
        }
        _ => {
            return ("another case's proof", (ctx, st, other.proof_bytes()));
        }
    };
    (what, (ctx, st, encode_deferred_proof(&p).expect("encodes")))
}

#[test]
fn deferred_lookups_agree_with_rust() {
    let mut h = Harness::deploy(Contract::LogUpHarness).expect("deploys");
    let mut rng = StdRng::seed_from_u64(14);
    let cases: Vec<Case> = (0..12).map(|i| make_case(&mut rng, 1 + i % 3, 6)).collect();
    for case in &cases {
        let st = case.statement();
        assert!(
            differential(&mut h, case, &case.context, &st, &case.proof_bytes()),
            "honest proof rejected: {:?}",
            case.shapes
        );
    }
    let (rejected, kinds) = mutations::reject_all(
        &cases,
        45,
        |case, other| mutate(&mut rng, case, other),
        |case, (ctx, st, m)| {
            let st: Vec<(&Table, Vec<usize>)> = st.iter().map(|(t, s)| (t, s.clone())).collect();
            differential(&mut h, case, ctx, &st, m)
        },
    );
    println!(
        "{} honest deferred lookup proofs (1 to 3 instances, witnesses of 1 to 6 variables) accepted by both with the same claims; {rejected} mutated inputs rejected by both, the same error or the same wrong claims: {kinds:?}",
        cases.len()
    );
    assert!(rejected >= 500);
}

/// Gas of the deferred lookup verifier on statements shaped like small models' lookups.
#[test]
fn gas_of_deferred_lookups() {
    let mut h = Harness::deploy(Contract::LogUpHarness).expect("deploys");
    let mut rng = StdRng::seed_from_u64(15);
    // The last: the bundled digits CNN's lookups (`proof_census`: three 16-bit tables, one witness
    // tree each; 6 trees, 17 layers).
    let digits = || {
        (
            vec![
                Table::SignedRange { bits: 16 },
                Table::Range { bits: 16 },
                Table::SignedRange { bits: 16 },
            ],
            vec![vec![10], vec![11], vec![10]],
        )
    };
    let cases = [(1, 4), (2, 8), (3, 12), (0, 0)];
    for (instances, max_vars) in cases {
        let case = if instances == 0 {
            let (tables, shapes) = digits();
            make_case_of(&mut rng, tables, shapes)
        } else {
            make_case(&mut rng, instances, max_vars)
        };
        let instances = case.tables.len();
        let st = encode_statement(&case.statement()).expect("encodes");
        let proof = case.proof_bytes();
        let out = h
            .call(LOGUP_VERIFY, &logup_call_args(&case.context, &st, &proof))
            .expect("runs");
        assert!(
            out.success,
            "{:?} {:?} {:02x?}",
            h.revert_error(&out),
            out.halt,
            out.output
        );
        let whole = decode_uint(&out.output, 1).expect("gas").to::<u64>();
        let verify = decode_uint(&out.output, 2).expect("gas").to::<u64>();
        let trees: usize = case.shapes.iter().map(|s| s.len() + 1).sum();
        println!(
            "{instances} instance(s), {trees} trees, shapes {:?}, {} layers: proof {} bytes; verify {verify} gas, with decoding {whole}; transaction {}",
            case.shapes,
            case.proof.layers.len(),
            proof.len(),
            out.tx_gas_used
        );
    }
}

/// `LookupTables.sol` against `Table::evaluate_columns` and `LeafClaim::form`: range, signed-range
/// and ReLU tables of 1 to 16 bits at random points, both tree kinds; a function table without a
/// closed form is refused by the contract.
#[test]
fn table_columns_and_leaf_forms_agree_with_rust() {
    use zkinfer_evm::abi::Token;
    use zkinfer_evm::encoding::put_exts8;
    use zkinfer_evm::logup::{LEAF_FORM, TABLE_COLUMNS, table_kind};
    use zkinfer_lookup::zk::LeafClaim;
    let mut h = Harness::deploy(Contract::LogUpHarness).expect("deploys");
    let mut rng = StdRng::seed_from_u64(16);
    let w = zkinfer_evm::encoding::ext_to_word;
    let (mut evaluated, mut checked) = (0, 0);
    for bits in 1..=16u32 {
        let tables = [
            Table::Range { bits },
            Table::SignedRange { bits },
            Table::function("relu", bits, |i| i.max(0)).expect("a table"),
            Table::function("named otherwise", bits, |i| i.max(0)).expect("a table"),
        ];
        for table in &tables {
            let kind = table_kind(table).expect("a closed form");
            for _ in 0..3 {
                let point: Vec<EF> = (0..bits).map(|_| ext(&mut rng)).collect();
                let mut enc = Vec::new();
                put_exts8(&mut enc, "point", &point).expect("encodes");
                let args = [
                    Token::Uint(U256::from(kind)),
                    Token::Uint(U256::from(bits)),
                    Token::Bytes(enc),
                ];
                let out = h.call(TABLE_COLUMNS, &args).expect("runs");
                assert!(out.success, "{:?}", h.revert_error(&out));
                let want: Vec<U256> = table.evaluate_columns(&point).into_iter().map(w).collect();
                assert_eq!(decode_uint_array(&out.output, 0).expect("columns"), want);
                evaluated += 1;
                // Leaf forms: the table tree's point has one more coordinate.
                let (alpha, beta) = (ext(&mut rng), ext(&mut rng));
                for is_table in [true, false] {
                    let n = if is_table {
                        bits as usize + 1
                    } else {
                        rng.random_range(1..=12)
                    };
                    let lp: Vec<EF> = (0..n).map(|_| ext(&mut rng)).collect();
                    let claim = LeafClaim {
                        instance: 0,
                        tree: 0,
                        point: lp.clone(),
                        p: EF::ZERO,
                        q: EF::ZERO,
                    };
                    let f = claim.form(table, is_table, alpha, beta).expect("a point");
                    let mut want = vec![
                        w(f.s),
                        w(f.z),
                        w(f.p_const),
                        w(f.multiplicity),
                        w(f.q_const),
                        U256::from(f.witness.len()),
                    ];
                    want.extend(f.witness.iter().map(|&x| w(x)));
                    want.extend(f.masks.iter().map(|&x| w(x)));
                    let mut enc = Vec::new();
                    put_exts8(&mut enc, "point", &lp).expect("encodes");
                    let args = [
                        Token::Bytes(enc),
                        Token::Uint(U256::from(u8::from(is_table))),
                        Token::Uint(U256::from(kind)),
                        Token::Uint(U256::from(bits)),
                        Token::Uint(w(alpha)),
                        Token::Uint(w(beta)),
                    ];
                    let out = h.call(LEAF_FORM, &args).expect("runs");
                    assert!(out.success, "{:?}", h.revert_error(&out));
                    assert_eq!(decode_uint_array(&out.output, 0).expect("form"), want);
                    checked += 1;
                }
            }
        }
    }
    // A function table with no closed form has no kind; the contract refuses the codes it does not know.
    let square = Table::function("square", 4, |i| i * i).expect("a table");
    assert_eq!(table_kind(&square), None);
    let args = [
        Token::Uint(U256::from(3)),
        Token::Uint(U256::from(4)),
        Token::Bytes(vec![0]),
    ];
    let out = h.call(TABLE_COLUMNS, &args).expect("runs");
    assert_eq!(
        h.revert_error(&out).map(|e| e.name),
        Some("UnsupportedTable".to_string())
    );
    println!("{evaluated} table evaluations and {checked} leaf forms agree with Rust");
}
