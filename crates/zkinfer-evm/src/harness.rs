//! Deployed test harnesses and the Rust side of each differential test: the transcript script format and
//! its Rust replay, and the sumcheck statement format and the Rust verdict on encoded proofs.

use revm::primitives::{Address, U256};
use zkinfer_field::{EF, F, Transcript};
use zkinfer_sumcheck::zk::{ZkSumcheckProof, verify_zk_per_round};
use zkinfer_sumcheck::{SumcheckError, SumcheckProof, Term, verify};

use crate::abi::{self, RevertError, Token};
use crate::artifacts::{Artifact, ArtifactError, Contract};
use crate::encoding::{self, DecodeError, Reader};
use crate::evm::{CallOutcome, Deployed, Evm, EvmError};

/// Why a harness could not be set up or called.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HarnessError {
    /// The artifact did not load.
    #[error(transparent)]
    Artifact(#[from] ArtifactError),
    /// The EVM refused a transaction.
    #[error(transparent)]
    Evm(#[from] EvmError),
    /// The return data did not decode.
    #[error(transparent)]
    Abi(#[from] abi::AbiError),
    /// An encoder refused its input.
    #[error(transparent)]
    Encode(#[from] DecodeError),
}

/// A contract deployed on its own in-memory chain.
#[derive(Debug)]
pub struct Harness {
    /// The chain.
    pub evm: Evm,
    /// The deployment.
    pub deployed: Deployed,
    /// The artifact (for its ABI).
    pub artifact: Artifact,
    /// The deployed libraries it calls (their ABIs name the errors they revert with).
    pub libraries: Vec<(Artifact, Deployed)>,
}

/// Deploys `contract` on `evm`, each library it links to first (once: `libraries` keeps what is deployed), its
/// address written at the link offsets of the creation code.
fn deploy_linked(
    evm: &mut Evm,
    contract: Contract,
    libraries: &mut Vec<(Artifact, Deployed)>,
) -> Result<(Deployed, Artifact), HarnessError> {
    let artifact = Artifact::load(contract)?;
    let mut code = artifact.bytecode.clone();
    for (library, offsets) in &artifact.links {
        let address = match libraries.iter().find(|(a, _)| a.contract == *library) {
            Some((_, d)) => d.address,
            None => {
                let (d, a) = deploy_linked(evm, *library, libraries)?;
                let address = d.address;
                libraries.push((a, d));
                address
            }
        };
        for &o in offsets {
            if let Some(slot) = code.get_mut(o..o + 20) {
                slot.copy_from_slice(address.as_slice());
            }
        }
    }
    let deployed = evm.deploy(&code)?;
    Ok((deployed, artifact))
}

impl Harness {
    /// Deploys `contract` on a fresh chain.
    ///
    /// # Errors
    /// [`HarnessError`] if the artifact does not load or the deployment fails.
    pub fn deploy(contract: Contract) -> Result<Self, HarnessError> {
        let mut evm = Evm::new();
        let mut libraries = Vec::new();
        let (deployed, artifact) = deploy_linked(&mut evm, contract, &mut libraries)?;
        Ok(Self {
            evm,
            deployed,
            artifact,
            libraries,
        })
    }

    /// The contract's address.
    #[must_use]
    pub fn address(&self) -> Address {
        self.deployed.address
    }

    /// Calls `signature` with `args`.
    ///
    /// # Errors
    /// [`HarnessError::Evm`] if revm refuses the transaction (a revert is a [`CallOutcome`]).
    pub fn call(&mut self, signature: &str, args: &[Token]) -> Result<CallOutcome, HarnessError> {
        let data = abi::encode_call(signature, args);
        Ok(self.evm.call(self.deployed.address, &data)?)
    }

    /// The custom error a failed call reverted with, if it is one of the contract's.
    #[must_use]
    pub fn revert_error(&self, outcome: &CallOutcome) -> Option<RevertError> {
        abi::decode_revert(&self.artifact.abi, &outcome.output).or_else(|| {
            self.libraries
                .iter()
                .find_map(|(a, _)| abi::decode_revert(&a.abi, &outcome.output))
        })
    }
}

/// One operation of a transcript script (`TranscriptHarness.run`), each with its label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TranscriptOp {
    /// `absorb_bytes`.
    Bytes(Vec<u8>, Vec<u8>),
    /// `absorb_u64`.
    U64(Vec<u8>, u64),
    /// `absorb_field`.
    Field(Vec<u8>, F),
    /// `absorb_fields`.
    Fields(Vec<u8>, Vec<F>),
    /// `absorb_ext`.
    Ext(Vec<u8>, EF),
    /// `absorb_exts`.
    Exts(Vec<u8>, Vec<EF>),
    /// `challenge`.
    Challenge(Vec<u8>),
    /// `challenges(n)`.
    Challenges(Vec<u8>, u8),
}

fn put_len(out: &mut Vec<u8>, n: usize, bytes: usize) -> Result<(), DecodeError> {
    encoding::put_uint(out, "script field", n, bytes)
}

/// Encodes a script: a 2-byte count of challenges it draws, then per operation a 1-byte code, a 1-byte label
/// length and the label, and the payload (lengths big-endian: 2 bytes for byte strings and vectors, 1 for a
/// challenge count; base elements 8 bytes; EF elements as [`encoding::put_ext`]).
///
/// # Errors
/// [`DecodeError::TooLong`] if a label, string or vector is longer than its length field allows.
pub fn encode_script(ops: &[TranscriptOp]) -> Result<Vec<u8>, DecodeError> {
    let outputs: usize = ops
        .iter()
        .map(|op| match op {
            TranscriptOp::Challenge(_) => 1,
            TranscriptOp::Challenges(_, n) => usize::from(*n),
            _ => 0,
        })
        .sum();
    let mut out = Vec::new();
    put_len(&mut out, outputs, 2)?;
    for op in ops {
        let (code, label) = match op {
            TranscriptOp::Bytes(l, _) => (0, l),
            TranscriptOp::U64(l, _) => (1, l),
            TranscriptOp::Field(l, _) => (2, l),
            TranscriptOp::Fields(l, _) => (3, l),
            TranscriptOp::Ext(l, _) => (4, l),
            TranscriptOp::Exts(l, _) => (5, l),
            TranscriptOp::Challenge(l) => (6, l),
            TranscriptOp::Challenges(l, _) => (7, l),
        };
        out.push(code);
        put_len(&mut out, label.len(), 1)?;
        out.extend_from_slice(label);
        match op {
            TranscriptOp::Bytes(_, b) => {
                put_len(&mut out, b.len(), 2)?;
                out.extend_from_slice(b);
            }
            TranscriptOp::U64(_, v) => out.extend_from_slice(&v.to_be_bytes()),
            TranscriptOp::Field(_, x) => out.extend_from_slice(&to_u64(*x).to_be_bytes()),
            TranscriptOp::Fields(_, xs) => {
                put_len(&mut out, xs.len(), 2)?;
                xs.iter()
                    .for_each(|&x| out.extend_from_slice(&to_u64(x).to_be_bytes()));
            }
            TranscriptOp::Ext(_, x) => encoding::put_ext(&mut out, *x),
            TranscriptOp::Exts(_, xs) => {
                put_len(&mut out, xs.len(), 2)?;
                xs.iter().for_each(|&x| encoding::put_ext(&mut out, x));
            }
            TranscriptOp::Challenge(_) => {}
            TranscriptOp::Challenges(_, n) => out.push(*n),
        }
    }
    Ok(out)
}

fn to_u64(x: F) -> u64 {
    zkinfer_field::PrimeField64::as_canonical_u64(&x)
}

/// Replays a script on the Rust [`Transcript`] and returns the challenges drawn, in order. Labels are leaked
/// to `'static` (the transcript takes `const` labels); this is test support, called a bounded number of times.
#[must_use]
pub fn replay_script(context: &[u8], ops: &[TranscriptOp]) -> Vec<EF> {
    let mut t = Transcript::new(context);
    let mut outs = Vec::new();
    let leak = |l: &Vec<u8>| -> &'static [u8] { Box::leak(l.clone().into_boxed_slice()) };
    for op in ops {
        match op {
            TranscriptOp::Bytes(l, b) => t.absorb_bytes(leak(l), b),
            TranscriptOp::U64(l, v) => t.absorb_u64(leak(l), *v),
            TranscriptOp::Field(l, x) => t.absorb_field(leak(l), *x),
            TranscriptOp::Fields(l, xs) => t.absorb_fields(leak(l), xs),
            TranscriptOp::Ext(l, x) => t.absorb_ext(leak(l), *x),
            TranscriptOp::Exts(l, xs) => t.absorb_exts(leak(l), xs),
            TranscriptOp::Challenge(l) => outs.push(t.challenge(leak(l))),
            TranscriptOp::Challenges(l, n) => outs.extend(t.challenges(leak(l), usize::from(*n))),
        }
    }
    outs
}

/// The statement of a sumcheck whose final sub-claim the harness discharges.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SumcheckStatement {
    /// The summand's terms.
    pub terms: Vec<Term>,
    /// The eq point, if the summand has an eq factor.
    pub eq_point: Option<Vec<EF>>,
}

impl SumcheckStatement {
    /// The encoding `SumcheckHarness` reads: a 1-byte term count; per term the coefficient, a 1-byte factor
    /// count and 1-byte indices; a 1-byte eq flag and, if set, the eq point (1-byte count, elements).
    ///
    /// # Errors
    /// [`DecodeError::TooLong`] if a count or index exceeds 255.
    pub fn encode(&self) -> Result<Vec<u8>, DecodeError> {
        let mut out = Vec::new();
        put_len(&mut out, self.terms.len(), 1)?;
        for term in &self.terms {
            encoding::put_ext(&mut out, term.coeff);
            put_len(&mut out, term.factors.len(), 1)?;
            for &f in &term.factors {
                put_len(&mut out, f, 1)?;
            }
        }
        match &self.eq_point {
            None => out.push(0),
            Some(r) => {
                out.push(1);
                encoding::put_exts8(&mut out, "eq point", r)?;
            }
        }
        Ok(out)
    }
}

/// Encodes what `SumcheckHarness.verify` takes as its proof: the round polynomials, then the columns' values
/// at the final point.
///
/// # Errors
/// [`DecodeError::TooLong`] if a length exceeds its field.
pub fn encode_sumcheck_message(
    proof: &SumcheckProof,
    evals: &[EF],
) -> Result<Vec<u8>, DecodeError> {
    let mut out = Vec::new();
    encoding::put_sumcheck_proof(&mut out, proof)?;
    encoding::put_exts8(&mut out, "evaluations", evals)?;
    Ok(out)
}

/// Why the Rust side rejected an encoded sumcheck message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Rejection {
    /// The bytes did not decode.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The sumcheck verifier rejected it.
    #[error(transparent)]
    Sumcheck(#[from] SumcheckError),
}

impl Rejection {
    /// The name of the Solidity error that corresponds (`Truncated`, `FinalEvalMismatch`, …).
    #[must_use]
    pub fn solidity_name(&self) -> &'static str {
        match self {
            Self::Decode(DecodeError::Truncated { .. }) => "Truncated",
            Self::Decode(DecodeError::NonCanonical { .. }) => "NonCanonical",
            Self::Decode(DecodeError::TrailingBytes { .. }) => "TrailingBytes",
            Self::Decode(_) => "Encode",
            Self::Sumcheck(SumcheckError::WrongRoundCount { .. }) => "WrongRoundCount",
            Self::Sumcheck(SumcheckError::WrongRoundDegree { .. }) => "WrongRoundDegree",
            Self::Sumcheck(SumcheckError::FinalEvalMismatch { .. }) => "FinalEvalMismatch",
            Self::Sumcheck(SumcheckError::BadDegree { .. }) => "BadDegree",
            Self::Sumcheck(SumcheckError::WrongEvalCount { .. }) => "WrongEvalCount",
            Self::Sumcheck(SumcheckError::BadPoolSize { .. }) => "BadPoolSize",
            Self::Sumcheck(SumcheckError::PoolExhausted { .. }) => "PoolExhausted",
            Self::Sumcheck(SumcheckError::BadMaskSlot { .. }) => "BadMaskSlot",
            Self::Sumcheck(SumcheckError::WrongPointLength { .. }) => "WrongPointLength",
            Self::Sumcheck(SumcheckError::DegenerateChallenge) => "DegenerateChallenge",
            Self::Sumcheck(SumcheckError::MaskedClaims { .. }) => "MaskedClaims",
            Self::Sumcheck(SumcheckError::Empty) => "Empty",
            Self::Sumcheck(_) => "Sumcheck",
        }
    }
}

/// The Rust verdict on an encoded sumcheck message: decode it, run `zkinfer_sumcheck::verify`, discharge the
/// sub-claim with `SubClaim::check_products`. Returns the final point and value.
///
/// # Errors
/// The first [`Rejection`], in the order the contract checks.
pub fn rust_verify_sumcheck(
    context: &[u8],
    num_vars: usize,
    degree: usize,
    claimed_sum: EF,
    statement: &SumcheckStatement,
    message: &[u8],
) -> Result<(Vec<EF>, EF), Rejection> {
    let mut reader = Reader::new(message);
    let proof = reader.read_sumcheck_proof()?;
    let evals = reader.read_exts8()?;
    reader.finish()?;
    let mut t = Transcript::new(context);
    let sub = verify(num_vars, degree, claimed_sum, &proof, &mut t)?;
    sub.check_products(&statement.terms, statement.eq_point.as_deref(), &evals)?;
    Ok((sub.point, sub.value))
}

/// Encodes the arguments of `SumcheckHarness.verify`.
#[must_use]
pub fn sumcheck_call_args(
    context: &[u8],
    num_vars: usize,
    degree: usize,
    claimed_sum: EF,
    statement: &[u8],
    message: &[u8],
) -> Vec<Token> {
    vec![
        Token::Bytes(context.to_vec()),
        Token::Uint(U256::from(num_vars)),
        Token::Uint(U256::from(degree)),
        Token::Uint(encoding::ext_to_word(claimed_sum)),
        Token::Bytes(statement.to_vec()),
        Token::Bytes(message.to_vec()),
    ]
}

/// The signature of `SumcheckHarness.verify`.
pub const SUMCHECK_VERIFY: &str = "verify(bytes,uint256,uint256,uint256,bytes,bytes)";

/// Encodes what `SumcheckHarness.verifyZk` takes as its proof: the mask's sum, the round
/// polynomials, the mask's value at the final point.
///
/// # Errors
/// [`DecodeError::TooLong`] if a length exceeds its field.
pub fn encode_zk_sumcheck_message(proof: &ZkSumcheckProof) -> Result<Vec<u8>, DecodeError> {
    let mut out = Vec::new();
    encoding::put_zk_sumcheck_proof(&mut out, proof)?;
    Ok(out)
}

/// The Rust verdict on an encoded ZK sumcheck message: decode it, run
/// `zkinfer_sumcheck::zk::verify_zk_per_round`. Returns the final point, the sub-claim's value on
/// `f` and the mask's claimed value.
///
/// # Errors
/// The first [`Rejection`], in the order the contract checks.
pub fn rust_verify_zk_sumcheck(
    context: &[u8],
    degrees: &[usize],
    claimed_sum: EF,
    message: &[u8],
) -> Result<(Vec<EF>, EF, EF), Rejection> {
    let mut reader = Reader::new(message);
    let proof = reader.read_zk_sumcheck_proof()?;
    reader.finish()?;
    let mut t = Transcript::new(context);
    let out = verify_zk_per_round(degrees, claimed_sum, &proof, &mut t)?;
    Ok((out.sub.point, out.sub.value, out.mask.value))
}

/// Encodes the arguments of `SumcheckHarness.verifyZk` (each degree one byte).
///
/// # Errors
/// [`DecodeError::TooLong`] if a degree exceeds 255.
pub fn zk_sumcheck_call_args(
    context: &[u8],
    degrees: &[usize],
    claimed_sum: EF,
    message: &[u8],
) -> Result<Vec<Token>, DecodeError> {
    let mut ds = Vec::with_capacity(degrees.len());
    for &d in degrees {
        put_len(&mut ds, d, 1)?;
    }
    Ok(vec![
        Token::Bytes(context.to_vec()),
        Token::Bytes(ds),
        Token::Uint(encoding::ext_to_word(claimed_sum)),
        Token::Bytes(message.to_vec()),
    ])
}

/// The signature of `SumcheckHarness.verifyZk`.
pub const ZK_SUMCHECK_VERIFY: &str = "verifyZk(bytes,bytes,uint256,bytes)";
