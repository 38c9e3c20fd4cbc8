//! The calldata of `MaskedVerifier.sol`: the on-chain verifier of `zkinfer_pcs::masked`, the masked-first-
//! round opening of docs/PROOF_SIZE.md §2.i — of one column, or of a batch of columns (the witness opening of
//! a zkinfer proof that opens its witness on its own, since proof format 25: [`batch_data`],
//! [`batch_claims_blob`]).
//!
//! [`verifying_data`] writes the contract's verifying data (the opening's shape, then `WhirVerifier.sol`'s
//! verifying data of the plain opening of `P₁`'s two columns, from [`crate::recording`]); [`encode_proof`]
//! writes a [`MaskedProof`] in the contract's order and [`decode_proof`] reads it back exactly as the contract
//! reads it (so a mutated calldata can be handed to the Rust verifier); [`claims_blob`] the harness's claims.

use p3_field::TwoAdicField;
use zkinfer_field::{EF, F, PrimeField64};
use zkinfer_pcs::masked::{MaskedError, MaskedPcs, MaskedProof, stack_vars};
use zkinfer_pcs::{ColumnClaim, StackClaim};

use crate::encoding::{DecodeError, Reader, put_ext, put_sumcheck_proof};
use crate::merkle::{MerkleOpening, RowShape, encode_opening, read_opening};
use crate::recording::verifying_data_for_columns;
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
    out.extend_from_slice(
        &F::two_adic_generator(row_vars)
            .as_canonical_u64()
            .to_be_bytes(),
    );
    let vd = verifying_data_for_columns(&[m, m], &[0, 1]);
    out.extend_from_slice(&vd.encode());
    (out, vd)
}

/// `proof` as `MaskedVerifier.verify` reads it.
///
/// # Errors
/// [`DecodeError::TooLong`] for a part longer than its length prefix allows, or for a joint opening's
/// weights rows (the contract verifies one column).
pub fn encode_proof(proof: &MaskedProof, vd: &VerifyingData) -> Result<Vec<u8>, DecodeError> {
    if !proof.weights_rows.is_empty() || proof.weights_paths.is_some() {
        return Err(DecodeError::TooLong {
            what: "weights rows (a joint opening; MaskedVerifier.sol verifies one column)",
            got: proof.weights_rows.len(),
            max: 0,
        });
    }
    let mut out = Vec::new();
    proof.mask_values.iter().for_each(|&x| put_ext(&mut out, x));
    put_sumcheck_proof(&mut out, &proof.first)?;
    put_ext(&mut out, proof.mu);
    out.extend_from_slice(&proof.folded.root());
    out.extend_from_slice(&proof.pow.as_canonical_u64().to_be_bytes());
    let (_, opening) = MerkleOpening::from_p3(
        &proof.rows,
        vec![Vec::new(); proof.rows.len()],
        proof.paths.sibling_hashes.clone(),
    );
    out.extend_from_slice(&encode_opening(&opening)?);
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
    let c = pcs.config();
    let m = u32::try_from(stack_vars.saturating_sub(c.fold)).unwrap_or(u32::MAX);
    let mut r = Reader::new(data);
    let mask_values = [r.read_ext()?, r.read_ext()?];
    let first = r.read_sumcheck_proof()?;
    let mu = r.read_ext()?;
    let mut root = [0u8; 32];
    root.copy_from_slice(r.take_bytes(32)?);
    let at = r.position();
    let pow = r.read_uint(8)?;
    if pow >= zkinfer_field::MODULUS {
        return Err(DecodeError::NonCanonical { offset: at });
    }
    let shape = RowShape {
        width: (1 << c.fold) + 4,
        ext: false,
        salt_elems: 0,
    };
    let opening = read_opening(&mut r, c.queries, shape)?;
    let reduction = r.read_sumcheck_proof()?;
    let split = [r.read_ext()?, r.read_ext()?];
    let plain = read_proof(&mut r, vd, 2)?;
    r.finish()?;
    Ok(MaskedProof {
        mask_values,
        first,
        mu,
        folded: zkinfer_pcs::Commitment::from_parts(root, vec![m, m]),
        pow: <F as zkinfer_field::PrimeCharacteristicRing>::from_u64(pow),
        paths: opening.pruned(),
        rows: opening.rows,
        weights_rows: Vec::new(),
        weights_paths: None,
        reduction,
        split,
        plain: zkinfer_pcs::OpeningProof::from_p3(plain),
    })
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
