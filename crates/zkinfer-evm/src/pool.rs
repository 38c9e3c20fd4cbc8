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
    ClaimMask, LinearClaim, MaskClaim, MaskPoolProof, MaskPoolVerifier, MaskedClaim,
    MaskedReductionProof, MaskedSumcheckProof, PoolClaim, verify_reduce_masked_claims,
    verify_reduce_masked_claims_weighted, verify_zk_masked,
};
use zkinfer_sumcheck::{Term, WeightedPoint};

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

/// The discharge proof's calldata.
///
/// # Errors
/// [`DecodeError::TooLong`] for a sumcheck beyond the encoding's limits.
pub fn encode_pool_proof(proof: &MaskPoolProof) -> Result<Vec<u8>, DecodeError> {
    let mut out = Vec::new();
    encoding::put_zk_sumcheck_proof(&mut out, &proof.reduce)?;
    put_ext(&mut out, proof.pool_eval);
    encoding::put_zk_sumcheck_proof(&mut out, &proof.inner)?;
    put_ext(&mut out, proof.inner_eval);
    Ok(out)
}

/// Reads the discharge proof's calldata as `PoolHarness` does.
///
/// # Errors
/// The reader's [`DecodeError`], at the contract's offset.
pub fn decode_pool_proof(data: &[u8]) -> Result<MaskPoolProof, DecodeError> {
    let mut r = Reader::new(data);
    let reduce = r.read_zk_sumcheck_proof()?;
    let pool_eval = r.read_ext()?;
    let inner = r.read_zk_sumcheck_proof()?;
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

/// The arguments of `PoolHarness.runMasked` and `ReductionHarness.run`: the context, the script of `ops` on a
/// pool of `size` entries, the input (`encode_masked` / `encode_reduction`), the discharge proof.
///
/// # Errors
/// As [`encode_script`].
pub fn script_call_args(
    context: &[u8],
    (size, ops): (usize, &[PoolOp]),
    input: &[u8],
    proof: &[u8],
) -> Result<Vec<Token>, DecodeError> {
    Ok(vec![
        Token::Bytes(context.to_vec()),
        Token::Bytes(encode_script(size, ops)?),
        Token::Bytes(input.to_vec()),
        Token::Bytes(proof.to_vec()),
    ])
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
    put_masked_proof(&mut out, &m.proof)?;
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
    let proof = read_masked_proof(&mut r)?;
    let evals = r.read_exts8()?;
    r.finish()?;
    Ok(MaskedInput {
        num_vars,
        terms,
        eq_point,
        private,
        incoming,
        claimed_sum,
        proof,
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

/// The signature of `ReductionHarness.run`.
pub const REDUCTION_RUN: &str = "run(bytes,bytes,bytes,bytes)";

/// A masked claim reduction as `ReductionHarness.run` takes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReductionInput {
    /// `P`'s variables.
    pub num_vars: usize,
    /// The claims on `P`.
    pub claims: Vec<MaskedClaim>,
    /// Per claim its evaluation functional `Σ_t c_t·P(p_t)`, for the weighted reduction.
    pub weighted: Option<Vec<WeightedPoint>>,
    /// Whether the reduced claim is masked again.
    pub private: bool,
    /// The proof.
    pub proof: MaskedReductionProof,
}

fn put_claim(out: &mut Vec<u8>, c: &MaskedClaim) -> Result<(), DecodeError> {
    encoding::put_exts8(out, "claim point", &c.point)?;
    put_ext(out, c.value);
    put_uint(out, "claim masks", c.masks.len(), 1)?;
    for m in &c.masks {
        put_uint(out, "slot", m.slot, 2)?;
        put_ext(out, m.coeff);
    }
    Ok(())
}

fn read_claim(r: &mut Reader<'_>) -> Result<MaskedClaim, DecodeError> {
    let point = r.read_exts8()?;
    let value = r.read_ext()?;
    let masks = (0..r.read_uint(1)?)
        .map(|_| {
            Ok(ClaimMask {
                slot: r.read_uint(2)? as usize,
                coeff: r.read_ext()?,
            })
        })
        .collect::<Result<_, DecodeError>>()?;
    Ok(MaskedClaim {
        point,
        value,
        masks,
    })
}

fn put_masked_proof(out: &mut Vec<u8>, p: &MaskedSumcheckProof) -> Result<(), DecodeError> {
    encoding::put_zk_sumcheck_proof(out, &p.zk)?;
    match p.incoming_eval {
        Some(v) => {
            out.push(1);
            put_ext(out, v);
        }
        None => out.push(0),
    }
    Ok(())
}

fn read_masked_proof(r: &mut Reader<'_>) -> Result<MaskedSumcheckProof, DecodeError> {
    let zk = r.read_zk_sumcheck_proof()?;
    let incoming_eval = if r.read_uint(1)? != 0 {
        Some(r.read_ext()?)
    } else {
        None
    };
    Ok(MaskedSumcheckProof { zk, incoming_eval })
}

/// Encodes a [`ReductionInput`]: 1-byte variables; a 2-byte claim count and the claims (point, value, 1-byte
/// mask count, per mask a 2-byte slot and its coefficient); a 1-byte weighted flag and (if set) per claim a
/// 1-byte term count and per term its coefficient and point; a 1-byte private flag; the masked sumcheck's proof;
/// `P'(ρ)`.
///
/// # Errors
/// [`DecodeError::TooLong`] for a count beyond its field.
pub fn encode_reduction(m: &ReductionInput) -> Result<Vec<u8>, DecodeError> {
    let mut out = Vec::new();
    put_uint(&mut out, "variables", m.num_vars, 1)?;
    put_uint(&mut out, "claims", m.claims.len(), 2)?;
    for c in &m.claims {
        put_claim(&mut out, c)?;
    }
    match &m.weighted {
        Some(ws) => {
            out.push(1);
            for w in ws {
                put_uint(&mut out, "weighted terms", w.len(), 1)?;
                for (c, p) in w {
                    put_ext(&mut out, *c);
                    encoding::put_exts8(&mut out, "weighted point", p)?;
                }
            }
        }
        None => out.push(0),
    }
    out.push(u8::from(m.private));
    put_masked_proof(&mut out, &m.proof.sumcheck)?;
    put_ext(&mut out, m.proof.eval);
    Ok(out)
}

/// Reads a [`ReductionInput`] as `ReductionHarness.run` does.
///
/// # Errors
/// The reader's [`DecodeError`], at the contract's offset.
pub fn decode_reduction(data: &[u8]) -> Result<ReductionInput, DecodeError> {
    let mut r = Reader::new(data);
    let num_vars = r.read_uint(1)? as usize;
    let n = r.read_uint(2)? as usize;
    r.check_available(n)?;
    let claims = (0..n)
        .map(|_| read_claim(&mut r))
        .collect::<Result<Vec<_>, _>>()?;
    let weighted = if r.read_uint(1)? != 0 {
        Some(
            (0..n)
                .map(|_| {
                    (0..r.read_uint(1)?)
                        .map(|_| Ok((r.read_ext()?, r.read_exts8()?)))
                        .collect::<Result<WeightedPoint, DecodeError>>()
                })
                .collect::<Result<Vec<_>, _>>()?,
        )
    } else {
        None
    };
    let private = r.read_uint(1)? != 0;
    let sumcheck = read_masked_proof(&mut r)?;
    let eval = r.read_ext()?;
    r.finish()?;
    Ok(ReductionInput {
        num_vars,
        claims,
        weighted,
        private,
        proof: MaskedReductionProof { sumcheck, eval },
    })
}

/// The Rust verdict on `ReductionHarness.run`'s input: decode, replay `ops`, `verify_reduce_masked_claims` (or
/// the weighted twin), the pool's discharge; the reduced claim then the pool's claims, flattened.
///
/// # Errors
/// The first [`Rejection`], in the order the contract checks.
pub fn rust_run_reduction(
    context: &[u8],
    size: usize,
    ops: &[PoolOp],
    reduction: &[u8],
    proof: &[u8],
) -> Result<Vec<U256>, Rejection> {
    let pool_proof = decode_pool_proof(proof)?;
    let m = decode_reduction(reduction)?;
    let mut pool = MaskPoolVerifier::new(size)?;
    replay(&mut pool, ops)?;
    let mut t = Transcript::new(context);
    let reduced = match &m.weighted {
        None => verify_reduce_masked_claims(
            m.num_vars, &m.claims, m.private, &m.proof, &mut pool, &mut t,
        )?,
        Some(ws) => verify_reduce_masked_claims_weighted(
            m.num_vars, &m.claims, ws, m.private, &m.proof, &mut pool, &mut t,
        )?,
    };
    let pool_claims = pool.finish(&mut t, &pool_proof)?;
    let mut out = flatten_column_claims(std::slice::from_ref(&reduced));
    out.extend(flatten_pool_claims(&pool_claims));
    Ok(out)
}
