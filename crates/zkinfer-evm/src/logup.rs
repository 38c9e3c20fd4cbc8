//! The calldata of `LogUpGkr.sol` (`BlindedLogUp.verifyDeferred`, the blinded LogUp-GKR verifier with deferred
//! leaves that every zkinfer proof's lookups run) and the Rust verdict on it.
//!
//! - The **statement** (`encode_statement`; a whole-proof verifier reads it from its verifying data): a 1-byte
//!   instance count; per instance the table's 32-byte id (`Table::id`), its width in bits (1 byte), a 2-byte
//!   witness count and one byte per witness (its number of variables).
//! - The **proof** (`encode_deferred_proof` / `decode_deferred_proof`): a 2-byte root count and the roots
//!   (`p`, `q` per tree, EF as [`encoding::put_ext`]); a 1-byte layer count; per layer the ZK sumcheck's mask
//!   sum, its rounds ([`encoding::put_sumcheck_proof`]) and the mask's value, a 2-byte children count and the
//!   children, a 1-byte count of inner-mask pairs and the pairs (`R_p`, `R_q`). A deferred proof carries no
//!   leaf values; the encoder refuses a proof that does.
//! - The **outcome** ([`flatten_claims`]): the claims the verifier leaves to its caller, flattened in the order
//!   `LogUpHarness.sol` returns them, so that the two verifiers can be compared word for word.
//!
//! [`rust_verify_deferred`] decodes the calldata exactly as the contract reads it (same errors, same offsets)
//! and runs `zkinfer_lookup::zk::verify_blinded_many_deferred`; [`LogUpRejection::solidity_name`] names the
//! contract's error for each Rust rejection.

use revm::primitives::U256;
use zkinfer_field::{EF, Transcript};
use zkinfer_lookup::zk::{
    BlindedClaims, BlindedProof, MaskedLayerProof, ZkLookupError, verify_blinded_many_deferred,
};
use zkinfer_lookup::{LookupError, Table};

use crate::abi::Token;
use crate::encoding::{self, DecodeError, EXT_BYTES, Reader, ext_to_word, put_ext, put_uint};
use crate::harness::Rejection;

/// The signature of `LogUpHarness.tableColumns`.
pub const TABLE_COLUMNS: &str = "tableColumns(uint256,uint256,bytes)";
/// The signature of `LogUpHarness.leafForm`.
pub const LEAF_FORM: &str = "leafForm(bytes,bool,uint256,uint256,uint256,uint256)";

/// The kind code `LookupTables.sol` evaluates a table by: 0 a range table, 1 a signed range, 2 the ReLU
/// function table (its outputs `max(i, 0)` over the signed range, whatever its name). `None` for a function
/// table with no closed form (it would need a committed table on chain, issue 14 item 4).
#[must_use]
pub fn table_kind(table: &Table) -> Option<u64> {
    match table {
        Table::Range { .. } => Some(0),
        Table::SignedRange { .. } => Some(1),
        Table::Function {
            in_bits, outputs, ..
        } => {
            let half = 1i64 << in_bits.saturating_sub(1);
            let relu = outputs.len() as u64 == 1u64 << in_bits
                && outputs.iter().zip(-half..half).all(|(&o, i)| o == i.max(0));
            relu.then_some(2)
        }
    }
}

/// The signature of `LogUpHarness.verifyDeferred`.
pub const LOGUP_VERIFY: &str = "verifyDeferred(bytes,bytes,bytes)";

/// The statement's calldata.
///
/// # Errors
/// [`DecodeError::TooLong`] for more than 255 instances, more than 65,535 witnesses in an instance, or a
/// witness or table of more than 255 variables.
pub fn encode_statement(statement: &[(&Table, Vec<usize>)]) -> Result<Vec<u8>, DecodeError> {
    let mut out = Vec::new();
    put_uint(&mut out, "lookup instances", statement.len(), 1)?;
    for (table, shapes) in statement {
        out.extend_from_slice(&table.id());
        put_uint(&mut out, "table width", table.num_vars(), 1)?;
        put_uint(&mut out, "witnesses of an instance", shapes.len(), 2)?;
        for &vars in shapes {
            put_uint(&mut out, "witness variables", vars, 1)?;
        }
    }
    Ok(out)
}

/// A deferred blinded proof's calldata.
///
/// # Errors
/// [`DecodeError::TooLong`] for a proof with leaf values (not a deferred proof) or a count beyond its field.
pub fn encode_deferred_proof(proof: &BlindedProof) -> Result<Vec<u8>, DecodeError> {
    let leaf_values =
        proof.witness_evals.len() + proof.blinding_evals.len() + proof.multiplicity_evals.len();
    if leaf_values != 0 {
        return Err(DecodeError::TooLong {
            what: "leaf values (a deferred proof carries none)",
            got: leaf_values,
            max: 0,
        });
    }
    let mut out = Vec::new();
    put_uint(&mut out, "lookup roots", proof.roots.len(), 2)?;
    for &[p, q] in &proof.roots {
        put_ext(&mut out, p);
        put_ext(&mut out, q);
    }
    put_uint(&mut out, "lookup layers", proof.layers.len(), 1)?;
    for layer in &proof.layers {
        encoding::put_zk_sumcheck_proof(&mut out, &layer.sumcheck)?;
        put_uint(&mut out, "layer children", layer.children.len(), 2)?;
        layer.children.iter().for_each(|&x| put_ext(&mut out, x));
        put_uint(&mut out, "inner mask pairs", layer.mask_evals.len(), 1)?;
        for &[rp, rq] in &layer.mask_evals {
            put_ext(&mut out, rp);
            put_ext(&mut out, rq);
        }
    }
    Ok(out)
}

/// Reads a deferred proof's calldata as `BlindedLogUp.readProof` does.
///
/// # Errors
/// The reader's [`DecodeError`], at the contract's offset.
pub fn decode_deferred_proof(data: &[u8]) -> Result<BlindedProof, DecodeError> {
    let mut r = Reader::new(data);
    let n = r.read_uint(2)? as usize;
    r.check_available(2 * EXT_BYTES * n)?;
    let roots = (0..n)
        .map(|_| Ok([r.read_ext()?, r.read_ext()?]))
        .collect::<Result<Vec<_>, DecodeError>>()?;
    let layers = (0..r.read_uint(1)?)
        .map(|_| {
            let sumcheck = r.read_zk_sumcheck_proof()?;
            let m = r.read_uint(2)? as usize;
            r.check_available(EXT_BYTES * m)?;
            let children = (0..m).map(|_| r.read_ext()).collect::<Result<_, _>>()?;
            let mask_evals = (0..r.read_uint(1)?)
                .map(|_| Ok([r.read_ext()?, r.read_ext()?]))
                .collect::<Result<_, DecodeError>>()?;
            Ok(MaskedLayerProof {
                sumcheck,
                children,
                mask_evals,
            })
        })
        .collect::<Result<Vec<_>, DecodeError>>()?;
    r.finish()?;
    Ok(BlindedProof {
        roots,
        layers,
        ..BlindedProof::default()
    })
}

/// Why the Rust side rejected a deferred lookup proof's calldata.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LogUpRejection {
    /// The bytes did not decode.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The blinded LogUp-GKR verifier rejected the proof.
    #[error(transparent)]
    Lookup(#[from] ZkLookupError),
}

impl LogUpRejection {
    /// The custom error `LogUpGkr.sol` (or a library it calls) reverts with for this rejection.
    #[must_use]
    pub fn solidity_name(&self) -> &'static str {
        match self {
            Self::Decode(e) => e.solidity_name(),
            Self::Lookup(ZkLookupError::Lookup(e)) => match e {
                LookupError::TableBits { .. } => "TableBits",
                LookupError::TooManyVars { .. } => "TooManyVars",
                LookupError::ZeroDenominator { .. } => "ZeroDenominator",
                LookupError::Unbalanced { .. } => "Unbalanced",
                _ => "Lookup",
            },
            Self::Lookup(ZkLookupError::WitnessTooSmall { .. }) => "WitnessTooSmall",
            Self::Lookup(ZkLookupError::Count { .. }) => "Count",
            Self::Lookup(ZkLookupError::LayerSumcheck { source, .. }) => {
                Rejection::Sumcheck(source.clone()).solidity_name()
            }
            Self::Lookup(_) => "Lookup",
        }
    }

    /// For a [`ZkLookupError::Count`], the code `BlindedLogUp.Count` carries first (`COUNT_*`).
    #[must_use]
    pub fn count_code(&self) -> Option<u64> {
        match self {
            Self::Lookup(ZkLookupError::Count { what, .. }) => match *what {
                "roots" => Some(0),
                "layers" => Some(1),
                "children" => Some(2),
                "inner mask values" => Some(3),
                _ => None,
            },
            _ => None,
        }
    }
}

/// The claims a deferred verification leaves to its caller, flattened as `LogUpHarness.verifyDeferred`
/// returns them: α, β; the tree count, then per tree its instance, tree, `p`, `q`, the point's length and the
/// point; the inner-claim count, then per claim (grouped by instance) its instance, tree, height, `z_0`, `c`,
/// `R_p`, `R_q`; the layer count, then per layer mask claim the point's length, the point and the value.
/// `None` if the claims are not deferred ones.
#[must_use]
pub fn flatten_claims(claims: &BlindedClaims) -> Option<Vec<U256>> {
    let leaves = claims.leaves.as_ref()?;
    let w = ext_to_word;
    let n = |x: usize| U256::from(x);
    let mut out = vec![w(leaves.alpha), w(leaves.beta), n(leaves.trees.len())];
    let points = |out: &mut Vec<U256>, point: &[EF]| {
        out.push(n(point.len()));
        out.extend(point.iter().map(|&x| w(x)));
    };
    for leaf in &leaves.trees {
        out.extend([n(leaf.instance), n(leaf.tree), w(leaf.p), w(leaf.q)]);
        points(&mut out, &leaf.point);
    }
    let inner: Vec<_> = claims
        .instances
        .iter()
        .enumerate()
        .flat_map(|(i, inst)| inst.inner.iter().map(move |c| (i, c)))
        .collect();
    out.push(n(inner.len()));
    for (i, c) in inner {
        out.extend([n(i), n(c.tree), n(c.height)]);
        out.extend(c.point.iter().chain(&c.values).map(|&x| w(x)));
    }
    out.push(n(claims.masks.len()));
    for m in &claims.masks {
        points(&mut out, &m.point);
        out.push(w(m.value));
    }
    Some(out)
}

/// The Rust verdict on a deferred lookup proof's calldata: decode it, verify it with
/// `verify_blinded_many_deferred` on a transcript started from `context`, flatten the claims.
///
/// # Errors
/// The first [`LogUpRejection`], in the order the contract checks.
pub fn rust_verify_deferred(
    context: &[u8],
    statement: &[(&Table, Vec<usize>)],
    proof: &[u8],
) -> Result<Vec<U256>, LogUpRejection> {
    let proof = decode_deferred_proof(proof)?;
    let mut t = Transcript::new(context);
    let claims = verify_blinded_many_deferred(statement, &proof, &mut t)?;
    Ok(flatten_claims(&claims).unwrap_or_default())
}

/// The arguments of `LogUpHarness.verifyDeferred`.
#[must_use]
pub fn logup_call_args(context: &[u8], statement: &[u8], proof: &[u8]) -> Vec<Token> {
    vec![
        Token::Bytes(context.to_vec()),
        Token::Bytes(statement.to_vec()),
        Token::Bytes(proof.to_vec()),
    ]
}
