//! A reusable hiding commitment stored after the commit (what a proving key keeps so that proofs
//! do not encode and hash the weights again) and opened in place: its serde form and its tree
//! survive the key file's encoding, its openings verify whether the tree is in memory, in a
//! byte buffer or in a file, and data that does not belong to the commitment — another
//! commitment's, a changed stack, a changed codeword or digest, another root, a cut file, a
//! tree never attached — is a clear error, never an opening the verifier has to catch.

use std::sync::{Arc, Mutex};
use zkinfer_pcs::DIGEST_BYTES;

use bincode::Options;
use rand::{Rng, SeedableRng, rngs::StdRng};
use zkinfer_field::{BasedVectorSpace, EF, F, PrimeCharacteristicRing, Transcript};
use zkinfer_pcs::{
    ColumnClaim, HidingOpeningProof, HidingPcs, PcsConfig, PcsError, ReusableCommitment,
    StoredHidingData, TreeShape, TreeSource,
};

const CTX: &[u8] = b"stored-hiding-test";
const SIZES: [usize; 3] = [10, 9, 6];
const USES: usize = 4;

fn rand_f(rng: &mut StdRng) -> F {
    F::from_u64(rng.random::<u64>() >> 1)
}

fn columns(rng: &mut StdRng) -> Vec<Vec<F>> {
    SIZES
        .iter()
        .map(|&n| (0..1usize << n).map(|_| rand_f(rng)).collect())
        .collect()
}

fn claims(rng: &mut StdRng, cols: &[Vec<F>]) -> Vec<ColumnClaim> {
    cols.iter()
        .enumerate()
        .map(|(column, col)| {
            let point: Vec<EF> = (0..col.len().trailing_zeros())
                .map(|_| EF::from_basis_coefficients_fn(|_| rand_f(rng)))
                .collect();
            let value = zkinfer_poly::evaluate(col, &point);
            ColumnClaim {
                column,
                point,
                value,
            }
        })
        .collect()
}

fn pcs() -> HidingPcs {
    HidingPcs::new(PcsConfig::hiding_default()).unwrap()
}

/// Encoded as a proving key file encodes its contents (bincode, fixed-width integers).
fn options() -> impl Options {
    bincode::DefaultOptions::new()
        .with_fixint_encoding()
        .reject_trailing_bytes()
}

fn stored(pcs: &HidingPcs, cols: &[Vec<F>]) -> (ReusableCommitment, StoredHidingData) {
    let mut t = Transcript::new(CTX);
    let (commitment, data) = pcs.commit_reusable(cols, USES, &mut t).unwrap();
    (commitment, data.into_stored())
}

/// The serde form and the tree's bytes.
fn encode(data: &StoredHidingData) -> (Vec<u8>, Vec<u8>) {
    let body = options().serialize(data).unwrap();
    let mut tree = Vec::new();
    data.write_tree(&mut tree).unwrap();
    assert_eq!(tree.len() as u64, data.tree_len());
    (body, tree)
}

/// Decoded from the serde form, the tree attached from `tree`'s bytes.
fn decode(body: &[u8], tree: Vec<u8>) -> Result<StoredHidingData, PcsError> {
    let mut data: StoredHidingData = options().deserialize(body).unwrap();
    data.attach_tree(TreeSource::Bytes(Arc::new(tree), 0))?;
    Ok(data)
}

fn open(
    pcs: &HidingPcs,
    data: &StoredHidingData,
    expected: &ReusableCommitment,
    claims: &[ColumnClaim],
) -> Result<HidingOpeningProof, PcsError> {
    let mut t = Transcript::new(CTX);
    pcs.absorb_reusable_commitment(expected, &mut t)?;
    pcs.open_stored(data, expected, claims, &[], &mut t)
}

fn verify(
    pcs: &HidingPcs,
    commitment: &ReusableCommitment,
    claims: &[ColumnClaim],
    proof: &HidingOpeningProof,
) -> Result<(), PcsError> {
    let mut t = Transcript::new(CTX);
    pcs.absorb_reusable_commitment(commitment, &mut t)?;
    pcs.verify_reusable(commitment, claims, &[], proof, &mut t)
}

#[test]
fn stored_data_from_memory_bytes_or_file_opens_and_verifies() {
    let mut rng = StdRng::seed_from_u64(11);
    let pcs = pcs();
    let cols = columns(&mut rng);
    let (commitment, data) = stored(&pcs, &cols);
    assert_eq!(data.commitment(), &commitment);
    let (body, tree) = encode(&data);
    // The tree is most of the data; the serde form holds the stack and randomness only.
    assert!(
        tree.len() > 4 * body.len(),
        "{} vs {}",
        tree.len(),
        body.len()
    );
    assert!(data.resident_bytes() > data.tree_len());

    let from_bytes = decode(&body, tree.clone()).unwrap();
    assert!(from_bytes.resident_bytes() < data.tree_len() / 4);
    // Re-encoding the attached data gives the same bytes (the tree copied from its source).
    assert_eq!(encode(&from_bytes), (body.clone(), tree.clone()));

    let path = std::env::temp_dir().join(format!("zkinfer-stored-{}.bin", std::process::id()));
    let mut file_bytes = body.clone();
    file_bytes.extend_from_slice(&tree);
    std::fs::write(&path, &file_bytes).unwrap();
    let mut from_file: StoredHidingData = options().deserialize(&body).unwrap();
    let file = std::fs::File::open(&path).unwrap();
    from_file
        .attach_tree(TreeSource::File(
            Arc::new(Mutex::new(file)),
            body.len() as u64,
        ))
        .unwrap();

    let mut proofs = Vec::new();
    for source in [&data, &from_bytes, &from_file] {
        for _ in 0..2 {
            let cl = claims(&mut rng, &cols);
            let proof = open(&pcs, source, &commitment, &cl).unwrap();
            verify(&pcs, &commitment, &cl, &proof).unwrap();
            // A wrong claimed value is rejected by the verifier.
            let mut wrong = cl.clone();
            wrong[1].value += EF::ONE;
            assert!(verify(&pcs, &commitment, &wrong, &proof).is_err());
            proofs.push(proof.to_wire());
        }
    }
    let _ = std::fs::remove_file(&path);
    // Fresh randomness per opening: no two openings are the same bytes.
    let n = proofs.len();
    proofs.sort();
    proofs.dedup();
    assert_eq!(proofs.len(), n);
}

#[test]
fn data_that_is_not_the_commitments_is_a_clear_error() {
    let mut rng = StdRng::seed_from_u64(12);
    let pcs = pcs();
    let cols = columns(&mut rng);
    let (commitment, data) = stored(&pcs, &cols);
    let cl = claims(&mut rng, &cols);
    let stored_error = |r: Result<HidingOpeningProof, PcsError>| {
        assert!(
            matches!(r, Err(PcsError::StoredData { .. })),
            "{:?}",
            r.err()
        );
    };

    // Another commitment's data (the same columns, committed again: another root).
    let (other, other_data) = stored(&pcs, &cols);
    assert_ne!(other.root(), commitment.root());
    stored_error(open(&pcs, &other_data, &commitment, &cl));
    // The same root under another budget.
    let relabelled =
        ReusableCommitment::from_parts(commitment.root(), commitment.num_vars().to_vec(), 8);
    assert!(open(&pcs, &data, &relabelled, &cl).is_err());

    let (body, tree) = encode(&data);
    // Decoded but never attached.
    let detached: StoredHidingData = options().deserialize(&body).unwrap();
    stored_error(open(&pcs, &detached, &commitment, &cl));
    // Another commitment's tree under this data: its root is not this commitment's.
    let (_, other_tree) = encode(&other_data);
    assert!(matches!(
        decode(&body, other_tree),
        Err(PcsError::StoredData { .. })
    ));
    // A cut tree.
    assert!(decode(&body, tree[..tree.len() - 1].to_vec()).is_err());

    // Layout of the tree's bytes: codeword, salts, digests (leaves' layer first).
    let TreeShape { width, height } = data.shape();
    let codeword_len = height * width * 8;
    let digests_at = codeword_len + height * 2 * 8;
    assert_eq!(digests_at + (2 * height - 1) * DIGEST_BYTES, tree.len());

    // Every codeword value changed (salts and digests kept): every opened path fails.
    let mut changed = tree.clone();
    for at in (0..codeword_len).step_by(8) {
        changed[at] ^= 1;
    }
    let changed = decode(&body, changed).unwrap();
    stored_error(open(&pcs, &changed, &commitment, &cl));
    // Every leaf digest changed (the root kept).
    let mut changed = tree.clone();
    for at in (digests_at..digests_at + height * DIGEST_BYTES).step_by(DIGEST_BYTES) {
        changed[at] ^= 1;
    }
    let changed = decode(&body, changed).unwrap();
    stored_error(open(&pcs, &changed, &commitment, &cl));
    // A value out of the field's range where the codeword is read.
    let mut changed = tree.clone();
    for at in (0..codeword_len).step_by(8) {
        changed[at..at + 8].copy_from_slice(&u64::MAX.to_le_bytes());
    }
    let changed = decode(&body, changed).unwrap();
    stored_error(open(&pcs, &changed, &commitment, &cl));

    // One stacked value changed: the opening's value is not the claim's. (The serde form: the
    // commitment — root `DIGEST_BYTES`, #num_vars 8 + 4 each, uses 4 — stacked_vars 4, then the stack as
    // byte chunks: a chunk count 8, the first chunk's length 8, its bytes.)
    let message_at = DIGEST_BYTES + 8 + 4 * SIZES.len() + 4 + 4 + 8 + 8;
    let mut body_changed = body.clone();
    body_changed[message_at] ^= 1;
    let changed = decode(&body_changed, tree.clone()).unwrap();
    assert!(!pcs.stored_holds(&changed, &cols).unwrap());
    assert!(pcs.stored_holds(&data, &cols).unwrap());
    assert!(pcs.stored_holds(&data, &cols[..1]).unwrap());
    // Opened anyway: refused by the prover (p3's sumcheck asserts its claim in debug builds, a
    // panic turned into `StoredData`; a release build finds the value is not the claim's).
    assert!(matches!(
        open(&pcs, &changed, &commitment, &cl),
        Err(PcsError::ValueMismatch { .. } | PcsError::StoredData { .. })
    ));
    // A non-canonical field element does not decode.
    let mut overflow = body.clone();
    overflow[message_at..message_at + 8].copy_from_slice(&u64::MAX.to_le_bytes());
    assert!(
        options()
            .deserialize::<StoredHidingData>(&overflow)
            .is_err()
    );
    // A chunk count out of all proportion (the stack's, just before its first chunk's length)
    // is an error when the bytes run out, not an allocation of that size.
    let mut huge = body.clone();
    huge[message_at - 16..message_at - 8].copy_from_slice(&(1u64 << 40).to_le_bytes());
    assert!(options().deserialize::<StoredHidingData>(&huge).is_err());
    // A cut serde form does not decode.
    for cut in [10, message_at + 3, body.len() - 1] {
        assert!(
            options()
                .deserialize::<StoredHidingData>(&body[..cut])
                .is_err()
        );
    }
}
