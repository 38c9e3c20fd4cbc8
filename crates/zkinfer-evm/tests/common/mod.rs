//! Shared by the tests that check real WHIR openings' Merkle proofs with `Merkle.sol`.

use p3_multilinear_util::point::Point;
use p3_multilinear_util::poly::Poly;
use rand::Rng;
use rand::rngs::StdRng;
use revm::primitives::U256;
use zkinfer_evm::Harness;
use zkinfer_evm::abi::{Token, decode_uint, decode_uint_array};
use zkinfer_evm::merkle::{
    MerkleOpening, RowShape, decode_opening, encode_opening, merkle_error_name, rust_verdict,
};
use zkinfer_evm::recording::{Ev, script};
use zkinfer_field::{BasedVectorSpace, EF, F, PrimeCharacteristicRing};
use zkinfer_pcs::Digest;
use zkinfer_pcs::hiding::SaltedKeccakMmcs;

/// `MerkleHarness.verify`.
pub const MERKLE_VERIFY: &str = "verify(bytes32,uint256,uint256,uint256,uint256,uint256[],bytes)";

/// One opening of a real proof: the tree (root, 2^bits rows of `shape`), the queried indices, the opening.
pub struct Opened {
    /// What it opens (for messages).
    pub name: String,
    /// The tree's root.
    pub root: Digest,
    /// log2 of the tree's height.
    pub bits: usize,
    /// The rows' shape.
    pub shape: RowShape,
    /// The queried indices, in query order.
    pub indices: Vec<usize>,
    /// The opening.
    pub opening: MerkleOpening,
}

/// `MerkleHarness.verify`'s arguments.
pub fn merkle_args(o: &Opened, root: Digest, indices: &[usize], bytes: &[u8]) -> Vec<Token> {
    vec![
        Token::Uint(zkinfer_evm::merkle::digest_word(&root)),
        Token::Uint(U256::from(o.bits)),
        Token::Uint(U256::from(o.shape.width)),
        Token::Uint(U256::from(o.shape.elem_bytes())),
        Token::Uint(U256::from(o.shape.salt_elems)),
        Token::UintArray(indices.iter().map(|&i| U256::from(i)).collect()),
        Token::Bytes(bytes.to_vec()),
    ]
}

/// Gas and size of one verified opening.
pub struct MerkleCost {
    /// Gas measured inside `Merkle.sol`.
    pub gas: u64,
    /// Of which reading and hashing the rows.
    pub read: U256,
    /// Calldata bytes of the opening.
    pub bytes: usize,
}

/// `o` accepted by p3 and by `Merkle.sol`; then `mutations` mutations of it (byte flips, a changed index,
/// `other_root`, `other_indices` in place of its own) rejected by both **with the same error** (p3 judges the
/// mutated bytes decoded back as the contract reads them). `salted`: the salted scheme for a salted tree.
///
/// # Panics
/// On any disagreement.
pub fn check_merkle(
    mh: &mut Harness,
    rng: &mut StdRng,
    o: &Opened,
    other_root: Digest,
    other_indices: &[usize],
    salted: Option<&SaltedKeccakMmcs>,
    mutations: usize,
) -> MerkleCost {
    let (bits, shape, name) = (o.bits, o.shape, &o.name);
    rust_verdict(o.root, bits, shape, &o.indices, &o.opening, salted)
        .unwrap_or_else(|e| panic!("{name}: p3 rejects the honest opening: {e:?}"));
    let bytes = encode_opening(&o.opening).expect("encodes");
    let out = mh
        .call(MERKLE_VERIFY, &merkle_args(o, o.root, &o.indices, &bytes))
        .expect("runs");
    assert!(out.success, "{name}: {:?}", mh.revert_error(&out));
    let gas = u64::try_from(decode_uint(&out.output, 1).expect("gas")).expect("fits");
    let read = decode_uint(&out.output, 2).expect("gas");
    for m in 0..mutations {
        let mut bad = bytes.clone();
        let mut idx = o.indices.clone();
        let mut bad_root = o.root;
        match m % 5 {
            0 | 1 => {
                let pos = rng.random_range(0..bad.len());
                bad[pos] ^= rng.random_range(1..=255u8);
            }
            2 => {
                let q = rng.random_range(0..idx.len());
                idx[q] = (idx[q] + rng.random_range(1..1usize << bits)) % (1 << bits);
            }
            3 => bad_root = other_root,
            _ => {
                // Another phase's indices swapped in (cut to this one's count).
                idx = other_indices.iter().map(|&i| i % (1 << bits)).collect();
                idx.resize(o.indices.len(), 0);
                if idx == o.indices {
                    idx[0] = (idx[0] + 1) % (1 << bits);
                }
            }
        }
        let rust = decode_opening(&bad, idx.len(), shape)
            .map_err(|e| e.solidity_name())
            .and_then(|op| {
                rust_verdict(bad_root, bits, shape, &idx, &op, salted)
                    .map_err(|e| merkle_error_name(&e))
            });
        let out = mh
            .call(MERKLE_VERIFY, &merkle_args(o, bad_root, &idx, &bad))
            .expect("runs");
        let want = rust.expect_err("p3 rejects every mutation");
        assert!(!out.success, "{name} mutation {m}: the contract accepts");
        assert_eq!(
            mh.revert_error(&out).map(|e| e.name),
            Some(want.to_owned()),
            "{name} mutation {m}"
        );
    }
    MerkleCost {
        gas,
        read,
        bytes: bytes.len(),
    }
}

/// Random columns of `2^shapes[j]` elements and one true claim at a random point on each column
/// listed in `claim_cols`.
pub fn random_columns_and_claims(
    shapes: &[usize],
    claim_cols: &[usize],
    rng: &mut StdRng,
) -> (Vec<Vec<F>>, Vec<zkinfer_pcs::ColumnClaim>) {
    let columns: Vec<Vec<F>> = shapes
        .iter()
        .map(|&v| {
            (0..1usize << v)
                .map(|_| F::from_u64(rng.random()))
                .collect()
        })
        .collect();
    let claims: Vec<zkinfer_pcs::ColumnClaim> = claim_cols
        .iter()
        .map(|&c| {
            let point: Vec<EF> = (0..shapes[c])
                .map(|_| EF::from_basis_coefficients_fn(|_| F::from_u64(rng.random())))
                .collect();
            let value = Poly::new(columns[c].iter().map(|&x| EF::from(x)).collect::<Vec<EF>>())
                .eval_ext::<F>(&Point::new(point.clone()));
            zkinfer_pcs::ColumnClaim {
                column: c,
                point,
                value,
            }
        })
        .collect();
    (columns, claims)
}

/// A verifier's whole trace replayed by `WhirHarness.runMeasured` on a transcript created with `context`:
/// asserts every output (challenge, index, PoW verdict) equals the trace's and returns the gas (script
/// decoding included: an upper bound on the transcript work).
///
/// # Panics
/// If the contract reverts or an output differs.
pub fn replay_trace(th: &mut Harness, context: &[u8], log: &[Ev]) -> u64 {
    let (data, want) = script(log);
    let out = th
        .call(
            "runMeasured(bytes,bytes)",
            &[Token::Bytes(context.to_vec()), Token::Bytes(data)],
        )
        .expect("runs");
    assert!(out.success, "{:?}", th.revert_error(&out));
    assert_eq!(decode_uint_array(&out.output, 0).expect("outs"), want);
    u64::try_from(decode_uint(&out.output, 1).expect("gas")).expect("fits")
}

/// `signature` (one `bytes` argument, returning its gas first) accepts `message`; returns the gas.
///
/// # Panics
/// If the contract reverts.
pub fn accepts(h: &mut Harness, signature: &str, message: Vec<u8>) -> u64 {
    let out = h.call(signature, &[Token::Bytes(message)]).expect("runs");
    assert!(out.success, "{signature}: {:?}", h.revert_error(&out));
    u64::try_from(decode_uint(&out.output, 0).expect("gas")).expect("fits")
}

/// `signature` (one `bytes` argument) rejects `message` with the custom error `want` (the Rust twin's).
///
/// # Panics
/// If the contract accepts or reverts with another error.
pub fn rejects_with(h: &mut Harness, signature: &str, message: Vec<u8>, want: &str, what: &str) {
    let out = h.call(signature, &[Token::Bytes(message)]).expect("runs");
    assert!(!out.success, "{what}: the contract accepts");
    assert_eq!(
        h.revert_error(&out).map(|e| e.name),
        Some(want.to_owned()),
        "{what}"
    );
}
