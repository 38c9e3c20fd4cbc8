//! On-chain verification for zkinfer: Solidity libraries and an in-process EVM that runs them.
//!
//! The contracts (`solidity/src`, compiled with the pinned solc-js into the committed `artifacts/`):
//! - `Goldilocks.sol`: F (p = 2^64 − 2^32 + 1) and EF = F[X]/(X² − 7), an EF element packed in one word;
//! - `Transcript.sol`: the Keccak-256 transcript of `zkinfer-field`, byte for byte;
//! - `ProofReader.sol`: bounds-checked decoding of proof data from calldata ([`encoding`] is its Rust twin);
//! - `Sumcheck.sol`: the sumcheck verifier of `zkinfer-sumcheck` and the sub-claim check;
//! - `Merkle.sol`: p3's pruned Merkle multi-opening of the Keccak tree (plain and salted leaves);
//! - `Whir.sol`, `WhirAlgebra.sol`, `WhirVerifier.sol`: the plain WHIR opening verifier (p3-whir 0.8 as
//!   zkinfer-pcs' `Pcs` instantiates it): transcript replay, proofs of work, query indices, Merkle openings,
//!   the algebra;
//! - `test/*Harness.sol`: contracts that expose them to the differential tests and gas measurements.
//!
//! The Rust side: [`evm`] (revm under Osaka rules: deploy, call, gas), [`gas`] (EIP-7623 calldata pricing,
//! EIP-170 code size, EIP-7825 cap), [`abi`] (the little of the ABI the harness needs), [`artifacts`] (the
//! compiled contracts), [`encoding`] (the calldata encoding of proof data), [`harness`] (deployed harnesses,
//! the transcript script format, the Rust verdict on encoded sumcheck proofs), [`merkle`] (the Merkle
//! opening's layout and p3's verdict on it), [`whir`] (the WHIR verifier's verifying data, proof encoder and
//! decoder, the algebra's Rust twin), [`recording`] (p3-whir through a recording challenger: the trace and
//! the verifying data).
//!
//! - `MaskedVerifier.sol` (with [`masked`], its calldata): the verifier of `zkinfer_pcs::masked`, the
//!   masked-first-round opening of docs/PROOF_SIZE.md §2.i — a zero-knowledge opening verified in one call
//!   (a prototype of one column that no zkinfer proof uses yet).
//!
//! - `LogUpGkr.sol` (with [`logup`], its calldata and Rust verdict): the blinded LogUp-GKR verifier with
//!   deferred leaves; `MaskPool.sol`, `MaskedSumcheck.sol`, `MaskedReduction.sol` (with [`pool`]): the mask
//!   pool's verifier and discharge, the masked sumcheck of every op, the masked claim reduction.
//!
//! Not yet here (see README.md): the hiding WHIR variant as one contract, the lookups' leaf checks, the ops'
//! claim walk, the full verifier generated from a vk, and the CLI verbs of issue 14.

pub mod abi;
pub mod artifacts;
pub mod encoding;
pub mod evm;
pub mod gas;
pub mod harness;
pub mod hiding;
pub mod logup;
pub mod masked;
pub mod merkle;
pub mod pool;
pub mod recording;
pub mod whir;

pub use artifacts::{Artifact, Contract};
pub use evm::{CallOutcome, Deployed, Evm, EvmError};
pub use gas::{TxGas, call_tx_gas};
pub use harness::Harness;
