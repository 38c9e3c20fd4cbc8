//! A reusable hiding commitment stored after the commit (what a proving key keeps so that proofs
//! do not encode and hash the weights again) and opened in place: it survives the key file's
//! encoding, its openings verify, and data that does not belong to the commitment — another
//! commitment's, a changed stack, a corrupted codeword, a cut file — never yields an opening the
//! verifier accepts.

use bincode::Options;
use rand::{Rng, SeedableRng, rngs::StdRng};
use zkinfer_field::{BasedVectorSpace, EF, F, PrimeCharacteristicRing, PrimeField64, Transcript};
use zkinfer_pcs::{
    ColumnClaim, HidingOpeningProof, HidingPcs, PcsConfig, PcsError, ReusableCommitment,
    StoredHidingData,
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

/// The byte ranges of one vector encoded as byte chunks starting at `at` (a chunk count, then
/// each chunk's length and bytes), and the offset after it.
fn chunks(bytes: &[u8], mut at: usize) -> (Vec<std::ops::Range<usize>>, usize) {
    let u64_at = |o: usize| u64::from_le_bytes(bytes[o..o + 8].try_into().unwrap()) as usize;
    let count = u64_at(at);
    at += 8;
    let mut ranges = Vec::new();
    for _ in 0..count {
        let len = u64_at(at);
        ranges.push(at + 8..at + 8 + len);
        at += 8 + len;
    }
    (ranges, at)
}

/// Byte ranges in the encoded data: the stack's values and the codeword's (checked against the
/// expected sizes).
fn offsets(
    bytes: &[u8],
    data: &StoredHidingData,
) -> (Vec<std::ops::Range<usize>>, Vec<std::ops::Range<usize>>) {
    let u64_at = |o: usize| u64::from_le_bytes(bytes[o..o + 8].try_into().unwrap()) as usize;
    // commitment: root (32), #num_vars (8) + 4 each, uses (4); then stacked_vars (4).
    let columns = u64_at(32);
    let (message, at) = chunks(bytes, 32 + 8 + 4 * columns + 4 + 4);
    let message_bytes: usize = message.iter().map(ExactSizeIterator::len).sum();
    assert_eq!(message_bytes, 8 * data.stacked_values().len());
    let (_randomness, at) = chunks(bytes, at);
    // codeword width, then the codeword.
    let (codeword, _) = chunks(bytes, at + 8);
    let codeword_bytes: usize = codeword.iter().map(ExactSizeIterator::len).sum();
    assert!(
        codeword_bytes > message_bytes,
        "a codeword longer than the stack"
    );
    (message, codeword)
}

#[test]
fn stored_data_survives_encoding_and_every_opening_verifies() {
    let mut rng = StdRng::seed_from_u64(11);
    let pcs = pcs();
    let cols = columns(&mut rng);
    let (commitment, data) = stored(&pcs, &cols);
    assert_eq!(data.commitment(), &commitment);
    let bytes = options().serialize(&data).unwrap();
    assert!(data.size_bytes() <= bytes.len() + bytes.len() / 4);
    let back: StoredHidingData = options().deserialize(&bytes).unwrap();
    assert_eq!(options().serialize(&back).unwrap(), bytes);
    let mut proofs = Vec::new();
    for _ in 0..USES {
        let cl = claims(&mut rng, &cols);
        let proof = open(&pcs, &back, &commitment, &cl).unwrap();
        verify(&pcs, &commitment, &cl, &proof).unwrap();
        // A wrong claimed value is rejected by the verifier.
        let mut wrong = cl.clone();
        wrong[1].value += EF::ONE;
        assert!(verify(&pcs, &commitment, &wrong, &proof).is_err());
        proofs.push(proof.to_wire());
    }
    // Fresh randomness per opening: no two openings are the same bytes.
    proofs.sort();
    proofs.dedup();
    assert_eq!(proofs.len(), USES);
}

#[test]
fn data_that_is_not_the_commitments_is_refused_or_rejected() {
    let mut rng = StdRng::seed_from_u64(12);
    let pcs = pcs();
    let cols = columns(&mut rng);
    let (commitment, data) = stored(&pcs, &cols);
    let cl = claims(&mut rng, &cols);

    // Another commitment's data (the same columns, committed again: another root).
    let (other, other_data) = stored(&pcs, &cols);
    assert_ne!(other.root(), commitment.root());
    assert!(matches!(
        open(&pcs, &other_data, &commitment, &cl),
        Err(PcsError::StoredData { .. })
    ));
    // The same root under another budget.
    let relabelled =
        ReusableCommitment::from_parts(commitment.root(), commitment.num_vars().to_vec(), 8);
    assert!(open(&pcs, &data, &relabelled, &cl).is_err());

    let bytes = options().serialize(&data).unwrap();
    let (message, codeword) = offsets(&bytes, &data);
    let message_at = message[0].start;

    // One stacked value changed: the opening's value is not the claim's.
    let mut changed = bytes.clone();
    changed[message_at] ^= 1;
    let changed: StoredHidingData = options().deserialize(&changed).unwrap();
    assert!(matches!(
        open(&pcs, &changed, &commitment, &cl),
        Err(PcsError::ValueMismatch { .. })
    ));

    // Every codeword value changed (root and digests kept): no opening the verifier accepts.
    let mut corrupted = bytes.clone();
    for at in codeword.iter().flat_map(|r| r.clone().step_by(8)) {
        let v = u64::from_le_bytes(corrupted[at..at + 8].try_into().unwrap());
        let w = F::from_u64(v).as_canonical_u64() ^ 1;
        corrupted[at..at + 8].copy_from_slice(&(w % F::ORDER_U64).to_le_bytes());
    }
    let corrupted: StoredHidingData = options().deserialize(&corrupted).unwrap();
    match open(&pcs, &corrupted, &commitment, &cl) {
        Err(_) => {}
        Ok(proof) => assert!(verify(&pcs, &commitment, &cl, &proof).is_err()),
    }

    // A non-canonical field element does not decode.
    let mut overflow = bytes.clone();
    overflow[message_at..message_at + 8].copy_from_slice(&u64::MAX.to_le_bytes());
    assert!(
        options()
            .deserialize::<StoredHidingData>(&overflow)
            .is_err()
    );

    // A tree that is not binary over the codeword's rows does not decode (the encoding ends
    // with the arity of each step).
    let mut arity = bytes.clone();
    let last = arity.len() - 8;
    assert_eq!(u64::from_le_bytes(arity[last..].try_into().unwrap()), 2);
    arity[last..].copy_from_slice(&4u64.to_le_bytes());
    assert!(options().deserialize::<StoredHidingData>(&arity).is_err());

    // A cut file does not decode.
    for cut in [10, message_at + 3, codeword[0].start + 5, bytes.len() - 1] {
        assert!(
            options()
                .deserialize::<StoredHidingData>(&bytes[..cut])
                .is_err()
        );
    }
}
