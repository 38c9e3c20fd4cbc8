//! The calldata of `MaskPool.sol` (the mask pool's verifier: slot book-keeping, mask and linear claims, the
//! two-level discharge) and the Rust verdict on it, `zkinfer_sumcheck::zk::MaskPoolVerifier`.
//!
//! A whole-proof verifier takes the pool's slots and records its claims while it walks the proof; the test
//! harness (`PoolHarness.sol`) takes them as a script of [`PoolOp`]s ([`encode_script`]) so that any sequence
//! can be replayed by both verifiers. The discharge proof ([`encode_pool_proof`]): level 1's ZK sumcheck (mask
//! sum, rounds, mask value), `c̃(z)`, level 2's ZK sumcheck, `c̃_h(s)`. The outcome ([`flatten_pool_claims`]):
//! the three claims on the pool's column, per claim the point's length, the point and the value.

use revm::primitives::U256;
use zkinfer_field::{EF, Transcript};
use zkinfer_sumcheck::zk::{
    LinearClaim, MaskClaim, MaskPoolProof, MaskPoolVerifier, PoolClaim, ZkSumcheckProof,
};

use crate::abi::Token;
use crate::encoding::{self, DecodeError, Reader, ext_to_word, put_ext, put_uint};
use crate::harness::Rejection;

/// The signature of `PoolHarness.run`.
pub const POOL_RUN: &str = "run(bytes,bytes,bytes)";

/// One operation of a verifier on its mask pool, in the order it walks a proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PoolOp {
    /// `next_mask_shape(num_vars, degree)`.
    TakeMask {
        /// Variables.
        num_vars: usize,
        /// Degree of every variable.
        degree: usize,
    },
    /// `next_mask_shape_per_var(degrees)`.
    TakeMaskPerVar(Vec<usize>),
    /// `next_claim_mask()`.
    TakeClaimMask,
    /// `record(slot, MaskClaim { point, value })`.
    Record {
        /// The slot.
        slot: usize,
        /// The mask's point.
        point: Vec<EF>,
        /// Its claimed value there.
        value: EF,
    },
    /// `record_linear(claim)`.
    RecordLinear(LinearClaim),
    /// `check_claim_mask(slot)`.
    CheckClaimMask(usize),
}

/// The script of `PoolHarness.run`: a 5-byte pool size, then each operation (see the harness).
///
/// # Errors
/// [`DecodeError::TooLong`] for a field beyond its width (a size of 2^40 or more, more than 255 variables,
/// 65,535 slots or weights, 255 linear terms).
pub fn encode_script(size: usize, ops: &[PoolOp]) -> Result<Vec<u8>, DecodeError> {
    let mut out = Vec::new();
    put_uint(&mut out, "pool size", size, 5)?;
    for op in ops {
        match op {
            PoolOp::TakeMask { num_vars, degree } => {
                out.push(0);
                put_uint(&mut out, "mask variables", *num_vars, 1)?;
                put_uint(&mut out, "mask degree", *degree, 1)?;
            }
            PoolOp::TakeMaskPerVar(degrees) => {
                out.push(1);
                put_uint(&mut out, "mask variables", degrees.len(), 1)?;
                for &d in degrees {
                    put_uint(&mut out, "mask degree", d, 1)?;
                }
            }
            PoolOp::TakeClaimMask => out.push(2),
            PoolOp::Record { slot, point, value } => {
                out.push(3);
                put_uint(&mut out, "slot", *slot, 2)?;
                encoding::put_exts8(&mut out, "mask point", point)?;
                put_ext(&mut out, *value);
            }
            PoolOp::RecordLinear(claim) => {
                out.push(4);
                put_uint(&mut out, "linear terms", claim.terms.len(), 1)?;
                for (slot, weights) in &claim.terms {
                    put_uint(&mut out, "slot", *slot, 2)?;
                    put_uint(&mut out, "linear weights", weights.len(), 2)?;
                    weights.iter().for_each(|&w| put_ext(&mut out, w));
                }
                put_ext(&mut out, claim.value);
            }
            PoolOp::CheckClaimMask(slot) => {
                out.push(5);
                put_uint(&mut out, "slot", *slot, 2)?;
            }
        }
    }
    Ok(out)
}

fn put_zk(out: &mut Vec<u8>, proof: &ZkSumcheckProof) -> Result<(), DecodeError> {
    put_ext(out, proof.mask_sum);
    encoding::put_sumcheck_proof(out, &proof.sumcheck)?;
    put_ext(out, proof.mask_eval);
    Ok(())
}

fn read_zk(r: &mut Reader<'_>) -> Result<ZkSumcheckProof, DecodeError> {
    Ok(ZkSumcheckProof {
        mask_sum: r.read_ext()?,
        sumcheck: r.read_sumcheck_proof()?,
        mask_eval: r.read_ext()?,
    })
}

/// The discharge proof's calldata.
///
/// # Errors
/// [`DecodeError::TooLong`] for a sumcheck beyond the encoding's limits.
pub fn encode_pool_proof(proof: &MaskPoolProof) -> Result<Vec<u8>, DecodeError> {
    let mut out = Vec::new();
    put_zk(&mut out, &proof.reduce)?;
    put_ext(&mut out, proof.pool_eval);
    put_zk(&mut out, &proof.inner)?;
    put_ext(&mut out, proof.inner_eval);
    Ok(out)
}

/// Reads the discharge proof's calldata as `PoolHarness` does.
///
/// # Errors
/// The reader's [`DecodeError`], at the contract's offset.
pub fn decode_pool_proof(data: &[u8]) -> Result<MaskPoolProof, DecodeError> {
    let mut r = Reader::new(data);
    let reduce = read_zk(&mut r)?;
    let pool_eval = r.read_ext()?;
    let inner = read_zk(&mut r)?;
    let inner_eval = r.read_ext()?;
    r.finish()?;
    Ok(MaskPoolProof {
        reduce,
        pool_eval,
        inner,
        inner_eval,
    })
}

/// The pool's claims as `PoolHarness.run` returns them: per claim the point's length, the point, the value.
#[must_use]
pub fn flatten_pool_claims(claims: &[PoolClaim]) -> Vec<U256> {
    claims
        .iter()
        .flat_map(|c| {
            std::iter::once(U256::from(c.point.len()))
                .chain(c.point.iter().map(|&x| ext_to_word(x)))
                .chain([ext_to_word(c.value)])
        })
        .collect()
}

/// The Rust verdict: decode the proof, replay `ops` on a `MaskPoolVerifier` of `size` entries, discharge on a
/// transcript started from `context`, flatten the claims.
///
/// # Errors
/// The first [`Rejection`], in the order the contract checks.
pub fn rust_run_pool(
    context: &[u8],
    size: usize,
    ops: &[PoolOp],
    proof: &[u8],
) -> Result<Vec<U256>, Rejection> {
    let proof = decode_pool_proof(proof)?;
    let mut pool = MaskPoolVerifier::new(size)?;
    for op in ops {
        match op {
            PoolOp::TakeMask { num_vars, degree } => {
                pool.next_mask_shape(*num_vars, *degree)?;
            }
            PoolOp::TakeMaskPerVar(degrees) => {
                pool.next_mask_shape_per_var(degrees)?;
            }
            PoolOp::TakeClaimMask => {
                pool.next_claim_mask()?;
            }
            PoolOp::Record { slot, point, value } => pool.record(
                *slot,
                MaskClaim {
                    point: point.clone(),
                    value: *value,
                },
            )?,
            PoolOp::RecordLinear(claim) => pool.record_linear(claim.clone())?,
            PoolOp::CheckClaimMask(slot) => pool.check_claim_mask(*slot)?,
        }
    }
    let mut t = Transcript::new(context);
    let claims = pool.finish(&mut t, &proof)?;
    Ok(flatten_pool_claims(&claims))
}

/// The reason code `MaskPool.BadMaskSlot` carries for a Rust `SumcheckError::BadMaskSlot` reason (`None` for a
/// reason only the prover reports).
#[must_use]
pub fn bad_mask_slot_reason(reason: &str) -> Option<u64> {
    match reason {
        "no mask was taken for this slot" => Some(0),
        "not a claim mask" => Some(1),
        "its claim was already recorded" => Some(2),
        "a claim mask has no Libra claim (use a linear claim)" => Some(3),
        "its mask claim was never recorded" => Some(4),
        _ => None,
    }
}

/// The arguments of `PoolHarness.run`.
#[must_use]
pub fn pool_call_args(context: &[u8], script: &[u8], proof: &[u8]) -> Vec<Token> {
    vec![
        Token::Bytes(context.to_vec()),
        Token::Bytes(script.to_vec()),
        Token::Bytes(proof.to_vec()),
    ]
}
