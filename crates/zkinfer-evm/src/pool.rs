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
use zkinfer_sumcheck::Term;
use zkinfer_sumcheck::zk::{
    ClaimMask, LinearClaim, MaskClaim, MaskPoolProof, MaskPoolVerifier, MaskedClaim,
    MaskedSumcheckProof, PoolClaim, ZkSumcheckProof, verify_zk_masked,
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
    replay(&mut pool, ops)?;
    let mut t = Transcript::new(context);
    let claims = pool.finish(&mut t, &proof)?;
    Ok(flatten_pool_claims(&claims))
}

/// Replays `ops` on `pool`.
fn replay(pool: &mut MaskPoolVerifier, ops: &[PoolOp]) -> Result<(), Rejection> {
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
    Ok(())
}

/// The reason code `MaskedSumcheck.MaskedClaims` carries for a Rust `SumcheckError::MaskedClaims` reason.
#[must_use]
pub fn masked_claims_reason(reason: &str) -> Option<u64> {
    match reason {
        "a private column in a sumcheck without variables" => Some(0),
        "a private column listed twice" => Some(1),
        "the incoming masks' evaluation is missing or unexpected" => Some(2),
        _ => None,
    }
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

/// The signature of `PoolHarness.runMasked`.
pub const POOL_RUN_MASKED: &str = "runMasked(bytes,bytes,bytes,bytes)";

/// A masked sumcheck as `PoolHarness.runMasked` takes it: the statement of `verify_zk_masked`, the proof and
/// the reported evaluations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MaskedInput {
    /// Variables.
    pub num_vars: usize,
    /// The summand's terms.
    pub terms: Vec<Term>,
    /// The eq factor's point, if any.
    pub eq_point: Option<Vec<EF>>,
    /// The columns reported masked.
    pub private: Vec<usize>,
    /// The incoming claim masks.
    pub incoming: Vec<ClaimMask>,
    /// The claimed sum.
    pub claimed_sum: EF,
    /// The proof.
    pub proof: MaskedSumcheckProof,
    /// The columns' reported values at the final point.
    pub evals: Vec<EF>,
}

/// Encodes a [`MaskedInput`] (layout: `PoolHarness._masked`).
///
/// # Errors
/// [`DecodeError::TooLong`] for a count beyond its field.
pub fn encode_masked(m: &MaskedInput) -> Result<Vec<u8>, DecodeError> {
    let mut out = Vec::new();
    put_uint(&mut out, "variables", m.num_vars, 1)?;
    put_uint(&mut out, "terms", m.terms.len(), 1)?;
    for t in &m.terms {
        put_ext(&mut out, t.coeff);
        put_uint(&mut out, "factors", t.factors.len(), 1)?;
        for &f in &t.factors {
            put_uint(&mut out, "factor", f, 1)?;
        }
    }
    match &m.eq_point {
        Some(e) => {
            out.push(1);
            encoding::put_exts8(&mut out, "eq point", e)?;
        }
        None => out.push(0),
    }
    put_uint(&mut out, "private columns", m.private.len(), 1)?;
    for &p in &m.private {
        put_uint(&mut out, "private column", p, 1)?;
    }
    put_uint(&mut out, "incoming masks", m.incoming.len(), 1)?;
    for c in &m.incoming {
        put_uint(&mut out, "slot", c.slot, 2)?;
        put_ext(&mut out, c.coeff);
    }
    put_ext(&mut out, m.claimed_sum);
    put_zk(&mut out, &m.proof.zk)?;
    match m.proof.incoming_eval {
        Some(v) => {
            out.push(1);
            put_ext(&mut out, v);
        }
        None => out.push(0),
    }
    encoding::put_exts8(&mut out, "evaluations", &m.evals)?;
    Ok(out)
}

/// Reads a [`MaskedInput`] as `PoolHarness._masked` does.
///
/// # Errors
/// The reader's [`DecodeError`], at the contract's offset.
pub fn decode_masked(data: &[u8]) -> Result<MaskedInput, DecodeError> {
    let mut r = Reader::new(data);
    let num_vars = r.read_uint(1)? as usize;
    let terms = (0..r.read_uint(1)?)
        .map(|_| {
            let coeff = r.read_ext()?;
            let factors = (0..r.read_uint(1)?)
                .map(|_| r.read_uint(1).map(|f| f as usize))
                .collect::<Result<_, _>>()?;
            Ok(Term { coeff, factors })
        })
        .collect::<Result<Vec<_>, DecodeError>>()?;
    let eq_point = if r.read_uint(1)? != 0 {
        Some(r.read_exts8()?)
    } else {
        None
    };
    let private = (0..r.read_uint(1)?)
        .map(|_| r.read_uint(1).map(|p| p as usize))
        .collect::<Result<_, _>>()?;
    let incoming = (0..r.read_uint(1)?)
        .map(|_| {
            Ok(ClaimMask {
                slot: r.read_uint(2)? as usize,
                coeff: r.read_ext()?,
            })
        })
        .collect::<Result<Vec<_>, DecodeError>>()?;
    let claimed_sum = r.read_ext()?;
    let zk = read_zk(&mut r)?;
    let incoming_eval = if r.read_uint(1)? != 0 {
        Some(r.read_ext()?)
    } else {
        None
    };
    let evals = r.read_exts8()?;
    r.finish()?;
    Ok(MaskedInput {
        num_vars,
        terms,
        eq_point,
        private,
        incoming,
        claimed_sum,
        proof: MaskedSumcheckProof { zk, incoming_eval },
        evals,
    })
}

/// A masked sumcheck's column claims as `PoolHarness.runMasked` returns them: per claim the point's length,
/// the point, the value, the mask count, each mask's slot and coefficient.
#[must_use]
pub fn flatten_column_claims(claims: &[MaskedClaim]) -> Vec<U256> {
    let mut out = Vec::new();
    for c in claims {
        out.push(U256::from(c.point.len()));
        out.extend(c.point.iter().map(|&x| ext_to_word(x)));
        out.push(ext_to_word(c.value));
        out.push(U256::from(c.masks.len()));
        for m in &c.masks {
            out.extend([U256::from(m.slot), ext_to_word(m.coeff)]);
        }
    }
    out
}

/// The Rust verdict on `runMasked`'s input: decode, replay `ops`, `verify_zk_masked` and
/// `MaskedSubClaim::check_products`, then the pool's discharge; the column claims then the pool's claims,
/// flattened.
///
/// # Errors
/// The first [`Rejection`], in the order the contract checks.
pub fn rust_run_masked(
    context: &[u8],
    size: usize,
    ops: &[PoolOp],
    masked: &[u8],
    proof: &[u8],
) -> Result<Vec<U256>, Rejection> {
    let pool_proof = decode_pool_proof(proof)?;
    let m = decode_masked(masked)?;
    let mut pool = MaskPoolVerifier::new(size)?;
    replay(&mut pool, ops)?;
    let mut t = Transcript::new(context);
    let sub = verify_zk_masked(
        m.num_vars,
        &m.terms,
        m.eq_point.as_deref(),
        &m.private,
        &m.incoming,
        m.claimed_sum,
        &m.proof,
        &mut pool,
        &mut t,
    )?;
    let claims = sub.check_products(&m.terms, m.eq_point.as_deref(), &m.evals)?;
    let pool_claims = pool.finish(&mut t, &pool_proof)?;
    let mut out = flatten_column_claims(&claims);
    out.extend(flatten_pool_claims(&pool_claims));
    Ok(out)
}
