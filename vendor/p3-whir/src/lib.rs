#![doc = include_str!("../README.md")]
#![no_std]

extern crate alloc;

// Only the transcript's unwind tests reach for `std`, and only where unwinding exists.
#[cfg(all(test, panic = "unwind"))]
extern crate std;

pub mod domain;
pub mod parameters;
pub mod pcs;
pub mod transcript;
pub(crate) mod utils;

pub use domain::{WhirDomain, WhirQueryPoint};
pub use parameters::{
    DEFAULT_MAX_POW, FoldingFactor, FoldingFactorError, ProtocolParameters, RoundConfig,
    SecurityAssumption, TerminalBudget, WhirConfig, WhirConfigError,
};
pub use pcs::WhirProverData;
pub use pcs::proof::{PcsProof, QueryOpenings, SharedProofOpening, WhirProof, WhirRoundProof};
pub use pcs::prover::WhirProver;
pub use pcs::verifier::WhirVerifier;
pub use pcs::verifier::errors::VerifierError;
pub use pcs::zk::{
    BaseCaseZkConfig, BaseCaseZkError, BaseCaseZkProof, BlindedMask, CodeSwitchError,
    HidingBaseCaseSecurityReport, HidingBoundClassification, HidingCodeRole,
    HidingCodeSecurityReport, HidingErrorBound, HidingGammaRoundReport, HidingListBound,
    HidingQueryRoundReport, HidingWhirPcs, HidingWhirProverData, MaskCodeShape, MaskGroupShape, blind_sites,
    ZkConfigError, ZkParameters, ZkRoundProof, ZkVerifierError, ZkWhirConfig,
    ZkWhirProof,
};
pub use transcript::WhirShape;
// zkinfer patch: exported for zkinfer-pcs' test of the packed re-encoding.
#[doc(hidden)]
pub use utils::padded_ood_t1_packed;
// zkinfer patch: exported for zkinfer-pcs' test of the packed power runs.
#[doc(hidden)]
pub use pcs::zk::add_power_runs_packed;
pub use transcript::zk::{ZkBaseCaseShape, ZkWhirShape};
