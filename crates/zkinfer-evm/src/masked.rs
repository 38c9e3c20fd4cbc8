//! The calldata of `MaskedVerifier.sol`: the on-chain verifier of `zkinfer_pcs::masked`, the masked-first-
//! round opening of docs/PROOF_SIZE.md §2.i — of one column, or of a batch of columns (the witness opening of
//! a zkinfer proof that opens its witness on its own, since proof format 25: [`batch_data`],
//! [`batch_claims_blob`]).
//!
//! [`verifying_data`] writes the contract's verifying data (the opening's shape, then `WhirVerifier.sol`'s
//! verifying data of the plain opening of `P₁`'s two columns, from [`crate::recording`]); [`encode_proof`]
//! writes a [`MaskedProof`] in the contract's order and [`decode_proof`] reads it back exactly as the contract
//! reads it (so a mutated calldata can be handed to the Rust verifier); [`claims_blob`] the harness's claims.
//! Since proof format 26 the joint opening too (a reusable weights commitment and a proof's witness, one
//! masked opening: [`joint_verifying_data`], [`decode_joint_proof`], [`joint_statement`]).

use p3_field::TwoAdicField;
use zkinfer_field::{EF, F, PrimeField64};
use zkinfer_pcs::masked::{MaskedError, MaskedPcs, MaskedProof, stack_vars};
use zkinfer_pcs::{ColumnClaim, StackClaim};
use zkinfer_pcs::{DIGEST_BYTES, Digest};

use crate::encoding::{DecodeError, Reader, put_ext, put_sumcheck_proof};
use crate::merkle::{MerkleOpening, RowShape, encode_opening, read_opening};
use crate::recording::verifying_data_for_columns_with;
use crate::whir::{VerifyingData, encode_proof as encode_plain, read_proof};

/// The contract's verifying data for a column of `2^data_vars` under `pcs`, and the plain opening's
/// [`VerifyingData`] (which [`encode_proof`] needs).
///
/// # Panics
/// If a parameter does not fit its byte (the prototype's own limits keep them far below).
#[must_use]
pub fn verifying_data(pcs: &MaskedPcs, data_vars: usize) -> (Vec<u8>, VerifyingData) {
    verifying_data_at(pcs, data_vars, stack_vars(data_vars, pcs.config().fold))
}

/// [`verifying_data`] for a stack of `2^stack_vars` (a batch's: [`batch_data`] gives it; `stack_vars =
/// data_vars` is the tail layout).
///
/// # Panics
/// As [`verifying_data`].
#[must_use]
pub fn verifying_data_at(
    pcs: &MaskedPcs,
    data_vars: usize,
    stack_vars: usize,
) -> (Vec<u8>, VerifyingData) {
    let c = pcs.config();
    let n = stack_vars;
    let m = n - c.fold;
    let row_vars = n - c.fold + c.log_inv_rate;
    let byte = |x: usize| u8::try_from(x).expect("fits a byte");
    let mut out = vec![byte(data_vars), byte(c.fold), byte(n), byte(row_vars)];
    out.extend_from_slice(&u16::try_from(c.queries).expect("queries").to_be_bytes());
    out.push(byte(c.pow_bits));
    out.push(byte(c.fold_pow_bits(n)));
    out.extend_from_slice(
        &F::two_adic_generator(row_vars)
            .as_canonical_u64()
            .to_be_bytes(),
    );
    let vd = verifying_data_for_columns_with(&c.plain, &[m, m], &[0, 1]);
    out.extend_from_slice(&vd.encode());
    (out, vd)
}

/// The contract's verifying data of a joint opening (`MaskedVerifier.readJointConfig`): the weights' stack
/// variables `weights_vars` and their commitment's budget `uses`, then [`verifying_data_at`]'s for the witness's
/// stack of `2^data_vars` at the joint stack `2^stack_vars`.
///
/// # Panics
/// As [`verifying_data`]; a budget over `u32::MAX`.
#[must_use]
pub fn joint_verifying_data(
    pcs: &MaskedPcs,
    weights_vars: usize,
    uses: usize,
    data_vars: usize,
    stack_vars: usize,
) -> (Vec<u8>, VerifyingData) {
    let (base, vd) = verifying_data_at(pcs, data_vars, stack_vars);
    let mut out = vec![u8::try_from(weights_vars).expect("fits a byte")];
    out.extend_from_slice(&u32::try_from(uses).expect("uses").to_be_bytes());
    out.extend_from_slice(&base);
    (out, vd)
}

/// `proof` as `MaskedVerifier.verify` (one column, a batch) or `verifyJointBatch` (a joint opening: the
/// weights' rows and paths after the witness's) reads it.
///
/// # Errors
/// [`DecodeError::TooLong`] for a part longer than its length prefix allows, or for weights rows without their
/// paths (or the reverse).
pub fn encode_proof(proof: &MaskedProof, vd: &VerifyingData) -> Result<Vec<u8>, DecodeError> {
    if proof.weights_rows.is_empty() != proof.weights_paths.is_none() {
        return Err(DecodeError::TooLong {
            what: "weights rows without their Merkle paths",
            got: proof.weights_rows.len(),
            max: 0,
        });
    }
    let mut out = Vec::new();
    proof.mask_values.iter().for_each(|&x| put_ext(&mut out, x));
    put_sumcheck_proof(&mut out, &proof.first)?;
    for w in &proof.fold_pow {
        out.extend_from_slice(&w.as_canonical_u64().to_be_bytes());
    }
    put_ext(&mut out, proof.mu);
    out.extend_from_slice(&proof.folded.root());
    out.extend_from_slice(&proof.pow.as_canonical_u64().to_be_bytes());
    // The witness's tree, then in a joint opening the weights' (plain trees: no salts).
    let trees = std::iter::once((&proof.rows, &proof.paths)).chain(
        proof
            .weights_paths
            .as_ref()
            .map(|paths| (&proof.weights_rows, paths)),
    );
    for (rows, paths) in trees {
        let (_, opening) = MerkleOpening::from_p3(
            rows,
            vec![Vec::new(); rows.len()],
            paths.sibling_hashes.clone(),
        );
        out.extend_from_slice(&encode_opening(&opening)?);
    }
    put_sumcheck_proof(&mut out, &proof.reduction)?;
    proof.split.iter().for_each(|&x| put_ext(&mut out, x));
    out.extend_from_slice(&encode_plain(proof.plain.p3_proof(), vd)?);
    Ok(out)
}

/// Reads [`encode_proof`]'s calldata back, in the contract's order and with its checks (lengths,
/// canonical elements, no trailing bytes), for a column of `2^data_vars` under `pcs`.
///
/// # Errors
/// [`DecodeError`].
pub fn decode_proof(
    data: &[u8],
    pcs: &MaskedPcs,
    data_vars: usize,
    vd: &VerifyingData,
) -> Result<MaskedProof, DecodeError> {
    decode_proof_at(data, pcs, stack_vars(data_vars, pcs.config().fold), vd)
}

/// [`decode_proof`] for a stack of `2^stack_vars`.
///
/// # Errors
/// [`DecodeError`].
pub fn decode_proof_at(
    data: &[u8],
    pcs: &MaskedPcs,
    stack_vars: usize,
    vd: &VerifyingData,
) -> Result<MaskedProof, DecodeError> {
    decode_parts(data, pcs, stack_vars, vd, false)
}

/// [`decode_proof_at`] for a joint opening (the weights' rows and paths after the witness's).
///
/// # Errors
/// [`DecodeError`].
pub fn decode_joint_proof(
    data: &[u8],
    pcs: &MaskedPcs,
    stack_vars: usize,
    vd: &VerifyingData,
) -> Result<MaskedProof, DecodeError> {
    decode_parts(data, pcs, stack_vars, vd, true)
}

fn decode_parts(
    data: &[u8],
    pcs: &MaskedPcs,
    stack_vars: usize,
    vd: &VerifyingData,
    joint: bool,
) -> Result<MaskedProof, DecodeError> {
    let c = pcs.config();
    let m = u32::try_from(stack_vars.saturating_sub(c.fold)).unwrap_or(u32::MAX);
    let mut r = Reader::new(data);
    let mask_values = [r.read_ext()?, r.read_ext()?];
    let first = r.read_sumcheck_proof()?;
    let fold_pow = (0..=c.fold + usize::from(joint))
        .map(|_| read_base(&mut r))
        .collect::<Result<Vec<F>, DecodeError>>()?;
    let mu = r.read_ext()?;
    let mut root = [0u8; DIGEST_BYTES];
    root.copy_from_slice(r.take_bytes(DIGEST_BYTES)?);
    let pow = read_base(&mut r)?;
    let shape = |width| RowShape {
        width,
        ext: false,
        salt_elems: 0,
    };
    let limbs = 1usize << c.fold;
    let opening = read_opening(&mut r, c.queries, shape(limbs + 4))?;
    let weights = if joint {
        Some(read_opening(&mut r, c.queries, shape(limbs + 2))?)
    } else {
        None
    };
    let reduction = r.read_sumcheck_proof()?;
    let split = [r.read_ext()?, r.read_ext()?];
    let plain = read_proof(&mut r, vd, 2)?;
    r.finish()?;
    let (weights_rows, weights_paths) = match weights.map(MerkleOpening::into_rows_and_paths) {
        Some((rows, paths)) => (rows, Some(paths)),
        None => (Vec::new(), None),
    };
    let (rows, paths) = opening.into_rows_and_paths();
    Ok(MaskedProof {
        mask_values,
        first,
        fold_pow,
        mu,
        folded: zkinfer_pcs::Commitment::from_parts(root, vec![m, m]),
        pow,
        paths,
        rows,
        weights_rows,
        weights_paths,
        reduction,
        split,
        plain: zkinfer_pcs::OpeningProof::from_p3(plain),
    })
}

/// An 8-byte big-endian base-field element, canonical (a proof-of-work witness).
fn read_base(r: &mut Reader<'_>) -> Result<F, DecodeError> {
    let at = r.position();
    let v = r.read_uint(8)?;
    if v >= zkinfer_field::MODULUS {
        return Err(DecodeError::NonCanonical { offset: at });
    }
    Ok(<F as zkinfer_field::PrimeCharacteristicRing>::from_u64(v))
}

/// The harness's claims: a 1-byte count, per claim a 1-byte point length, the point and the value.
///
/// # Panics
/// On more than 255 claims or coordinates.
#[must_use]
pub fn claims_blob(claims: &[(Vec<EF>, EF)]) -> Vec<u8> {
    let mut out = vec![u8::try_from(claims.len()).expect("claims")];
    for (p, v) in claims {
        out.push(u8::try_from(p.len()).expect("point"));
        p.iter().for_each(|&x| put_ext(&mut out, x));
        put_ext(&mut out, *v);
    }
    out
}

/// A batch's slots as `MaskedVerifier.readBatch` reads them (a 2-byte count; per column its variables, its
/// padded variables and its slot's 4-byte offset), with the columns' stack's variables `d` and the masked
/// stack's `n` (for [`verifying_data_at`]).
///
/// # Errors
/// Shapes a masked commitment does not take.
///
/// # Panics
/// On more than 65,535 columns (a masked commitment takes at most 2^16).
pub fn batch_data(
    pcs: &MaskedPcs,
    num_vars: &[usize],
) -> Result<(Vec<u8>, usize, usize), MaskedError> {
    let zkinfer_pcs::masked::BatchSlots {
        data_vars: d,
        stack_vars: n,
        slots,
    } = pcs.batch_slots(num_vars)?;
    let mut out = u16::try_from(slots.len())
        .expect("columns")
        .to_be_bytes()
        .to_vec();
    for (&v, (arity, offset)) in num_vars.iter().zip(slots) {
        let byte = |x: usize| u8::try_from(x).expect("fits a byte");
        out.push(byte(v));
        out.push(byte(arity));
        out.extend_from_slice(&u32::try_from(offset).expect("offset").to_be_bytes());
    }
    Ok((out, d, n))
}

/// The harness's batch claims: a 2-byte count, per column claim a 2-byte column, a 1-byte point length, the
/// point and the value; then the stack claims as [`claims_blob`] writes claims.
///
/// # Panics
/// On more than 65,535 column claims, 255 stack claims or 255 coordinates.
#[must_use]
pub fn batch_claims_blob(claims: &[ColumnClaim], stack: &[StackClaim]) -> Vec<u8> {
    let mut out = u16::try_from(claims.len())
        .expect("claims")
        .to_be_bytes()
        .to_vec();
    for c in claims {
        out.extend_from_slice(&u16::try_from(c.column).expect("column").to_be_bytes());
        out.push(u8::try_from(c.point.len()).expect("point"));
        c.point.iter().for_each(|&x| put_ext(&mut out, x));
        put_ext(&mut out, c.value);
    }
    let stack: Vec<(Vec<EF>, EF)> = stack.iter().map(|s| (s.point.clone(), s.value)).collect();
    out.extend_from_slice(&claims_blob(&stack));
    out
}

/// One side of a joint opening's statement: a batch's slots ([`batch_data`]), its root, its column and stack
/// claims.
#[derive(Clone, Debug)]
pub struct JointSide<'a> {
    /// [`batch_data`]'s slots.
    pub slots: &'a [u8],
    /// The commitment's root.
    pub root: Digest,
    /// Claims on the columns.
    pub claims: &'a [ColumnClaim],
    /// Claims on the columns' stack.
    pub stack: &'a [StackClaim],
}

/// `MaskedJointHarness.verifyMaskedJoint`'s statement: the weights' side, then the witness's (each: slots,
/// root, [`batch_claims_blob`]).
///
/// # Panics
/// As [`batch_claims_blob`].
#[must_use]
pub fn joint_statement(weights: &JointSide<'_>, witness: &JointSide<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    for side in [weights, witness] {
        out.extend_from_slice(side.slots);
        out.extend_from_slice(&side.root);
        out.extend_from_slice(&batch_claims_blob(side.claims, side.stack));
    }
    out
}
