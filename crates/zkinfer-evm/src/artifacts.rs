//! The compiled contracts, carried in the repository (`artifacts/*.json`, written by `solidity/build.js`).
//!
//! Why committed artifacts: the verifier contracts are generic (per-model data is data, not code), so they
//! are compiled once by the project, and a user of this crate or of the CLI needs no node or solc. CI
//! installs the pinned solc-js (`solidity/package-lock.json`) and fails if a fresh compile differs from the
//! committed files (`ci.sh`).

use revm::primitives::hex;
use serde_json::Value;

/// The contracts whose artifacts the crate carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Contract {
    /// `solidity/src/test/GoldilocksHarness.sol`: the field library's functions and gas loops.
    GoldilocksHarness,
    /// `solidity/src/test/TranscriptHarness.sol`: replays transcript scripts.
    TranscriptHarness,
    /// `solidity/src/test/SumcheckHarness.sol`: decodes and verifies a sumcheck.
    SumcheckHarness,
    /// `solidity/src/test/MerkleHarness.sol`: decodes and verifies a Merkle multi-opening.
    MerkleHarness,
    /// `solidity/src/test/WhirHarness.sol`: p3's raw challenger operations and `Whir.sol`'s pieces.
    WhirHarness,
    /// `solidity/src/test/HidingHarness.sol`: `HidingBaseCase.sol`'s pieces of the hiding base case.
    HidingHarness,
    /// `solidity/src/test/MaskedHarness.sol`: `MaskedVerifier.sol`, the masked-first-round prototype's
    /// verifier (one column, a batch).
    MaskedHarness,
    /// `solidity/src/test/MaskedJointHarness.sol`: `MaskedVerifier.verifyJointBatch`, the joint opening of a
    /// reusable weights commitment and a proof's witness.
    MaskedJointHarness,
    /// `solidity/src/test/LogUpHarness.sol`: `BlindedLogUp.verifyDeferred` (`LogUpGkr.sol`), the blinded
    /// LogUp-GKR verifier with deferred leaves.
    LogUpHarness,
    /// `solidity/src/test/PoolHarness.sol`: `MaskPool.sol`, the mask pool's verifier, on a script of pool
    /// operations.
    PoolHarness,
    /// `solidity/src/test/ReductionHarness.sol`: `MaskedReduction.sol`, the masked claim reduction, with the
    /// pool's script and discharge.
    ReductionHarness,
    /// `solidity/src/PlainOpening.sol`: the plain WHIR opening of two columns as a deployed library (the
    /// masked verifiers call it; linked by address at deployment, [`Artifact::links`]).
    PlainOpening,
}

impl Contract {
    /// Every contract, in a fixed order.
    pub const ALL: [Self; 12] = [
        Self::GoldilocksHarness,
        Self::TranscriptHarness,
        Self::SumcheckHarness,
        Self::MerkleHarness,
        Self::WhirHarness,
        Self::HidingHarness,
        Self::MaskedHarness,
        Self::MaskedJointHarness,
        Self::LogUpHarness,
        Self::PoolHarness,
        Self::ReductionHarness,
        Self::PlainOpening,
    ];

    /// The contract of a deployed library, by its Solidity name.
    #[must_use]
    pub fn library(name: &str) -> Option<Self> {
        match name {
            "PlainOpening" => Some(Self::PlainOpening),
            _ => None,
        }
    }

    fn json(self) -> &'static str {
        match self {
            Self::GoldilocksHarness => include_str!("../artifacts/GoldilocksHarness.json"),
            Self::TranscriptHarness => include_str!("../artifacts/TranscriptHarness.json"),
            Self::SumcheckHarness => include_str!("../artifacts/SumcheckHarness.json"),
            Self::MerkleHarness => include_str!("../artifacts/MerkleHarness.json"),
            Self::WhirHarness => include_str!("../artifacts/WhirHarness.json"),
            Self::HidingHarness => include_str!("../artifacts/HidingHarness.json"),
            Self::MaskedHarness => include_str!("../artifacts/MaskedHarness.json"),
            Self::MaskedJointHarness => include_str!("../artifacts/MaskedJointHarness.json"),
            Self::LogUpHarness => include_str!("../artifacts/LogUpHarness.json"),
            Self::PoolHarness => include_str!("../artifacts/PoolHarness.json"),
            Self::ReductionHarness => include_str!("../artifacts/ReductionHarness.json"),
            Self::PlainOpening => include_str!("../artifacts/PlainOpening.json"),
        }
    }
}

/// Why an artifact could not be loaded (a corrupted checkout: rebuild with `npm run build`).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ArtifactError {
    /// The JSON does not parse or lacks a field.
    #[error(
        "artifact {contract:?} is malformed ({what}): rebuild with `npm run build` in crates/zkinfer-evm/solidity"
    )]
    Malformed {
        /// Which contract.
        contract: Contract,
        /// What is wrong.
        what: String,
    },
}

/// A compiled contract.
#[derive(Clone, Debug)]
pub struct Artifact {
    /// The contract.
    pub contract: Contract,
    /// Its ABI (JSON).
    pub abi: Value,
    /// Creation bytecode.
    pub bytecode: Vec<u8>,
    /// Runtime bytecode (what EIP-170 limits).
    pub deployed_bytecode: Vec<u8>,
    /// The deployed libraries it calls, each with the byte offsets in `bytecode` where its 20-byte address
    /// goes (solc's link references).
    pub links: Vec<(Contract, Vec<usize>)>,
}

impl Artifact {
    /// Loads the committed artifact of `contract`.
    ///
    /// # Errors
    /// [`ArtifactError::Malformed`] if the file is not what `build.js` writes.
    pub fn load(contract: Contract) -> Result<Self, ArtifactError> {
        let bad = |what: String| ArtifactError::Malformed { contract, what };
        let v: Value = serde_json::from_str(contract.json()).map_err(|e| bad(e.to_string()))?;
        let code = |field: &str| -> Result<Vec<u8>, ArtifactError> {
            let s = v[field]
                .as_str()
                .ok_or_else(|| bad(format!("no {field}")))?;
            hex::decode(s).map_err(|e| bad(format!("{field}: {e}")))
        };
        let mut links = Vec::new();
        for link in v["links"].as_array().map(Vec::as_slice).unwrap_or_default() {
            let name = link["library"].as_str().unwrap_or_default();
            let library =
                Contract::library(name).ok_or_else(|| bad(format!("links to {name:?}")))?;
            let offsets = link["offsets"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .map(|o| o.as_u64().and_then(|o| usize::try_from(o).ok()))
                .collect::<Option<Vec<usize>>>()
                .ok_or_else(|| bad(format!("{name}'s link offsets")))?;
            links.push((library, offsets));
        }
        let bytecode = code("bytecode")?;
        for (library, offsets) in &links {
            if offsets
                .iter()
                .any(|&o| o.saturating_add(20) > bytecode.len())
            {
                return Err(bad(format!(
                    "a link to {library:?} past the bytecode's end"
                )));
            }
        }
        Ok(Self {
            contract,
            links,
            bytecode,
            deployed_bytecode: code("deployedBytecode")?,
            abi: v["abi"].clone(),
        })
    }
}
