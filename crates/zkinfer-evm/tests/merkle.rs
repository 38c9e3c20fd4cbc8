//! Differential test of `Merkle.sol` against p3's `MerkleTreeMmcs` multi-opening (`KeccakMmcs`, its
//! `ExtensionMmcs` for EF rows, and the salted `SaltedKeccakMmcs` of the hiding commitment): trees built and
//! opened by p3, honest openings accepted by both with the same opened values, mutated openings rejected by
//! both with the same error; and the gas of openings shaped like WHIR's first-round queries.

use p3_commit::{ExtensionMmcs, Mmcs};
use p3_matrix::dense::RowMajorMatrix;
use p3_symmetric::{CompressionFunctionFromHasher, SerializingHasher};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use revm::primitives::U256;
use zkinfer_evm::abi::{Token, decode_uint, decode_uint_array};
use zkinfer_evm::merkle::{
    MerkleOpening, RowShape, decode_opening, encode_opening, merkle_error_name, rust_verdict,
};
use zkinfer_evm::{Contract, Harness, call_tx_gas};
use zkinfer_field::{BasedVectorSpace, EF, F, PrimeCharacteristicRing, PrimeField64};
use zkinfer_pcs::KeccakMmcs;
use zkinfer_pcs::hiding::{SALT_ELEMS, SaltedKeccakMmcs};
use zkinfer_pcs::{DIGEST_BYTES, Digest, TruncatedKeccak};

const VERIFY: &str = "verify(bytes32,uint256,uint256,uint256,uint256,uint256[],bytes)";

fn plain() -> KeccakMmcs {
    KeccakMmcs::new(
        SerializingHasher::new(TruncatedKeccak),
        CompressionFunctionFromHasher::new(TruncatedKeccak),
        0,
    )
}

fn salted(seed: u64) -> SaltedKeccakMmcs {
    SaltedKeccakMmcs::new(
        SerializingHasher::new(TruncatedKeccak),
        CompressionFunctionFromHasher::new(TruncatedKeccak),
        0,
        <rand_zk::rngs::StdRng as rand_zk::SeedableRng>::seed_from_u64(seed),
    )
}

/// A tree built by p3 and an honest opening of it.
#[derive(Clone, Debug)]
struct Case {
    root: Digest,
    log_height: usize,
    shape: RowShape,
    indices: Vec<usize>,
    opening: MerkleOpening,
    seed: u64,
}

fn flatten_ext(row: &[EF]) -> Vec<F> {
    row.iter()
        .flat_map(|x| x.as_basis_coefficients_slice().to_vec())
        .collect()
}

fn make_case(rng: &mut StdRng, log_height: usize, shape: RowShape, queries: usize) -> Case {
    let height = 1usize << log_height;
    let mut indices: Vec<usize> = (0..queries).map(|_| rng.random_range(0..height)).collect();
    // A few repeats, as independent STIR draws produce.
    if queries > 2 && rng.random_bool(0.5) {
        indices[queries - 1] = indices[0];
    }
    let base = |rng: &mut StdRng| F::from_u64(rng.random());
    let seed: u64 = rng.random();
    let (root, rows, salts, siblings) = if shape.ext {
        let vals: Vec<EF> = (0..height * shape.width)
            .map(|_| EF::from_basis_coefficients_fn(|_| base(rng)))
            .collect();
        let m = RowMajorMatrix::new(vals, shape.width);
        if shape.salt_elems == 0 {
            let mmcs = ExtensionMmcs::<F, EF, _>::new(plain());
            let (cap, data) = mmcs.commit_matrix(m);
            let (values, proof) = mmcs.open_multi_batch(&indices, &data);
            let rows: Vec<Vec<F>> = values.iter().map(|v| flatten_ext(&v[0])).collect();
            (cap[0], rows, vec![vec![]; queries], proof.sibling_hashes)
        } else {
            let mmcs = ExtensionMmcs::<F, EF, _>::new(salted(seed));
            let (cap, data) = mmcs.commit_matrix(m);
            let (values, (s, proof)) = mmcs.open_multi_batch(&indices, &data);
            let rows: Vec<Vec<F>> = values.iter().map(|v| flatten_ext(&v[0])).collect();
            let salts: Vec<Vec<F>> = s.into_iter().map(|mut v| v.swap_remove(0)).collect();
            (cap[0], rows, salts, proof.sibling_hashes)
        }
    } else {
        let vals: Vec<F> = (0..height * shape.width).map(|_| base(rng)).collect();
        let m = RowMajorMatrix::new(vals, shape.width);
        if shape.salt_elems == 0 {
            let mmcs = plain();
            let (cap, data) = mmcs.commit_matrix(m);
            let (values, proof) = mmcs.open_multi_batch(&indices, &data);
            let rows: Vec<Vec<F>> = values.into_iter().map(|mut v| v.swap_remove(0)).collect();
            (cap[0], rows, vec![vec![]; queries], proof.sibling_hashes)
        } else {
            let mmcs = salted(seed);
            let (cap, data) = mmcs.commit_matrix(m);
            let (values, (s, proof)) = mmcs.open_multi_batch(&indices, &data);
            let rows: Vec<Vec<F>> = values.into_iter().map(|mut v| v.swap_remove(0)).collect();
            let salts: Vec<Vec<F>> = s.into_iter().map(|mut v| v.swap_remove(0)).collect();
            (cap[0], rows, salts, proof.sibling_hashes)
        }
    };
    Case {
        root,
        log_height,
        shape,
        indices,
        opening: MerkleOpening {
            rows,
            salts,
            siblings,
        },
        seed,
    }
}

fn args(root: Digest, case: &Case, indices: &[usize], data: &[u8]) -> Vec<Token> {
    vec![
        Token::Uint(zkinfer_evm::merkle::digest_word(&root)),
        Token::Uint(U256::from(case.log_height)),
        Token::Uint(U256::from(case.shape.width)),
        Token::Uint(U256::from(case.shape.elem_bytes())),
        Token::Uint(U256::from(case.shape.salt_elems)),
        Token::UintArray(indices.iter().map(|&i| U256::from(i)).collect()),
        Token::Bytes(data.to_vec()),
    ]
}

/// Runs p3 and the contract on (`root`, `indices`, `data`) for `case`'s tree shape; asserts equal verdicts
/// (and equal values or equal error names). Returns (accepted, execution gas measured inside, the part of it
/// spent reading and hashing the rows).
fn differential(
    h: &mut Harness,
    case: &Case,
    root: Digest,
    indices: &[usize],
    data: &[u8],
) -> (bool, u64, u64) {
    let mmcs = salted(case.seed);
    let rust: Result<MerkleOpening, &'static str> = decode_opening(data, indices.len(), case.shape)
        .map_err(|e| e.solidity_name())
        .and_then(|o| {
            rust_verdict(
                root,
                case.log_height,
                case.shape,
                indices,
                &o,
                (case.shape.salt_elems > 0).then_some(&mmcs),
            )
            .map(|()| o)
            .map_err(|e| merkle_error_name(&e))
        });
    let out = h
        .call(VERIFY, &args(root, case, indices, data))
        .expect("transaction runs");
    match rust {
        Ok(o) => {
            assert!(
                out.success,
                "p3 accepts, the contract rejects: {:?} (halt {:?})",
                h.revert_error(&out),
                out.halt
            );
            let got = decode_uint_array(&out.output, 0).expect("values");
            let want: Vec<U256> = o
                .rows
                .iter()
                .flat_map(|r| {
                    if case.shape.ext {
                        r.chunks(2)
                            .map(|c| {
                                U256::from(c[0].as_canonical_u64())
                                    | (U256::from(c[1].as_canonical_u64()) << 64)
                            })
                            .collect::<Vec<_>>()
                    } else {
                        r.iter().map(|x| U256::from(x.as_canonical_u64())).collect()
                    }
                })
                .collect();
            assert_eq!(got, want, "opened values differ");
            let gas = decode_uint(&out.output, 1).expect("gas");
            let read = decode_uint(&out.output, 2).expect("gas");
            (
                true,
                u64::try_from(gas).expect("gas fits"),
                u64::try_from(read).expect("gas fits"),
            )
        }
        Err(name) => {
            assert!(!out.success, "p3 rejects ({name}), the contract accepts");
            let err = h.revert_error(&out);
            assert_eq!(
                err.as_ref().map(|e| e.name.as_str()),
                Some(name),
                "p3 rejects with {name}, the contract with {err:?} (halt: {:?})",
                out.halt
            );
            (false, 0, 0)
        }
    }
}

const SHAPES: [RowShape; 4] = [
    RowShape {
        width: 16,
        ext: false,
        salt_elems: 0,
    },
    RowShape {
        width: 16,
        ext: true,
        salt_elems: 0,
    },
    RowShape {
        width: 4,
        ext: false,
        salt_elems: SALT_ELEMS,
    },
    RowShape {
        width: 8,
        ext: true,
        salt_elems: SALT_ELEMS,
    },
];

/// One mutation: (what, root, indices, data).
fn mutate(
    rng: &mut StdRng,
    case: &Case,
    other: &Case,
) -> (&'static str, Digest, Vec<usize>, Vec<u8>) {
    let data = encode_opening(&case.opening).expect("encodes");
    let idx = case.indices.clone();
    let n = idx.len();
    let mut o = case.opening.clone();
    let enc = |o: &MerkleOpening| encode_opening(o).expect("encodes");
    match rng.random_range(0..10) {
        0 | 1 => {
            let mut d = data;
            let pos = rng.random_range(0..d.len());
            d[pos] ^= rng.random_range(1..=255u8);
            ("byte flip", case.root, idx, d)
        }
        2 => {
            let mut idx = idx;
            let q = rng.random_range(0..n);
            let height = 1usize << case.log_height;
            let new = if height == 1 || rng.random_bool(0.2) {
                height + rng.random_range(0..height)
            } else {
                (idx[q] + rng.random_range(1..height)) % height
            };
            idx[q] = new;
            ("index changed", case.root, idx, data)
        }
        3 if !o.siblings.is_empty() => {
            let k = rng.random_range(0..o.siblings.len());
            o.siblings[k][rng.random_range(0..DIGEST_BYTES)] ^= 1;
            ("sibling flipped", case.root, idx, enc(&o))
        }
        4 if !o.siblings.is_empty() => {
            o.siblings.remove(rng.random_range(0..o.siblings.len()));
            ("sibling dropped", case.root, idx, enc(&o))
        }
        5 => {
            let mut s = [0u8; DIGEST_BYTES];
            rng.fill(&mut s[..]);
            o.siblings.insert(rng.random_range(0..=o.siblings.len()), s);
            ("sibling added", case.root, idx, enc(&o))
        }
        6 => {
            let q = rng.random_range(0..n);
            let i = rng.random_range(0..o.rows[q].len());
            o.rows[q][i] += F::ONE;
            ("row value changed", case.root, idx, enc(&o))
        }
        7 if n >= 2 => {
            let (a, b) = (rng.random_range(0..n), rng.random_range(0..n));
            let b = if a == b { (a + 1) % n } else { b };
            o.rows.swap(a, b);
            o.salts.swap(a, b);
            if o.rows == case.opening.rows {
                o.rows[a][0] += F::ONE;
            }
            ("rows swapped", case.root, idx, enc(&o))
        }
        8 => {
            let mut d = data;
            if rng.random_bool(0.5) {
                d.truncate(rng.random_range(0..d.len()));
                ("truncated", case.root, idx, d)
            } else {
                d.push(rng.random());
                ("byte appended", case.root, idx, d)
            }
        }
        _ => {
            if other.shape == case.shape
                && other.log_height == case.log_height
                && rng.random_bool(0.5)
            {
                let d = encode_opening(&other.opening).expect("encodes");
                (
                    "another tree's opening",
                    case.root,
                    other.indices.clone(),
                    d,
                )
            } else {
                ("another root", other.root, idx, data)
            }
        }
    }
}

#[test]
fn merkle_openings_agree_with_p3() {
    let mut rng = StdRng::seed_from_u64(0x3e4c1e);
    let mut h = Harness::deploy(Contract::MerkleHarness).expect("deploys");
    let mut cases = Vec::new();
    for k in 0..24 {
        let shape = SHAPES[k % SHAPES.len()];
        let log_height = [0, 1, 2, 5, 8, 11][k % 6];
        let queries = rng.random_range(1..=24);
        cases.push(make_case(&mut rng, log_height, shape, queries));
    }
    for case in &cases {
        let data = encode_opening(&case.opening).expect("encodes");
        let (ok, _, _) = differential(&mut h, case, case.root, &case.indices, &data);
        assert!(ok, "honest opening rejected: {case:?}");
    }
    let mut rejected = 0;
    let mut kinds = std::collections::BTreeMap::new();
    for m in 0..600 {
        let case = &cases[m % cases.len()];
        let other = &cases[(m * 7 + 3) % cases.len()];
        let (what, root, idx, data) = mutate(&mut rng, case, other);
        let (ok, _, _) = differential(&mut h, case, root, &idx, &data);
        if !ok {
            rejected += 1;
        }
        *kinds.entry(what).or_insert(0) += usize::from(!ok);
    }
    eprintln!("merkle mutations rejected by both: {rejected}/600 {kinds:?}");
    assert!(rejected >= 590, "only {rejected} of 600 mutations rejected");
}

/// Gas of openings shaped like the initial-commitment queries of WHIR at the defaults (rate 1/4, fold 4: a
/// 2^n stack is a tree of 2^(n−2) rows of 16 F), plain and salted. Figures are printed (`--nocapture`).
#[test]
fn merkle_gas() {
    let mut rng = StdRng::seed_from_u64(7);
    let mut h = Harness::deploy(Contract::MerkleHarness).expect("deploys");
    for (stack, queries) in [(16usize, 40usize), (20, 40)] {
        for salt in [0, SALT_ELEMS] {
            let shape = RowShape {
                width: 16,
                ext: false,
                salt_elems: salt,
            };
            let case = make_case(&mut rng, stack - 2, shape, queries);
            let data = encode_opening(&case.opening).expect("encodes");
            let (ok, gas, read) = differential(&mut h, &case, case.root, &case.indices, &data);
            assert!(ok);
            let tx = call_tx_gas(&data, gas);
            eprintln!(
                "merkle gas: 2^{stack} stack (tree of 2^{} rows × 16 F, salt {salt}), {queries} queries: \
                 {} siblings, {} bytes, execution {gas} gas ({read} reading and hashing rows), calldata {} standard / {} floor",
                stack - 2,
                case.opening.siblings.len(),
                data.len(),
                tx.calldata_standard,
                tx.calldata_floor
            );
        }
    }
}
