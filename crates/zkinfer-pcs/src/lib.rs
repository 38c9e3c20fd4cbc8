//! TODO crate doc
pub mod config;
pub mod error;
mod layout;
mod prover;
pub mod types;
mod verifier;

pub use config::{PcsConfig, Soundness};
pub use error::PcsError;
pub use types::{ColumnClaim, Commitment, CommittedData, KeccakMmcs, OpeningProof};

use p3_keccak::Keccak256Hash;
use zkinfer_field::{Transcript, TranscriptLabel};

use crate::types::{Dft, LeafHash, NodeCompress, Whir};

/// The most columns one commitment may hold (bounds the verifier's work on a hostile commitment).
pub const MAX_COLUMNS: usize = 1 << 16;
/// The most claims one opening may settle.
pub const MAX_CLAIMS: usize = 1 << 16;

const LABEL_SHAPES: TranscriptLabel = b"pcs/column-vars";
const LABEL_CONFIG: TranscriptLabel = b"pcs/config";
const LABEL_CLAIM_COLUMN: TranscriptLabel = b"pcs/claim-column";
const LABEL_CLAIM_POINT: TranscriptLabel = b"pcs/claim-point";
const LABEL_CLAIM_VALUE: TranscriptLabel = b"pcs/claim-value";

/// The multilinear polynomial commitment: WHIR over a Keccak-256 Merkle tree.
#[derive(Clone, Debug)]
pub struct Pcs {
    config: PcsConfig,
    dft: Dft,
    mmcs: KeccakMmcs,
}

impl Pcs {
    /// A commitment scheme with these parameters.
    #[must_use]
    pub fn new(config: PcsConfig) -> Self {
        let mmcs = KeccakMmcs::new(
            LeafHash::new(Keccak256Hash),
            NodeCompress::new(Keccak256Hash),
            0,
        );
        Self {
            config,
            dft: Dft::default(),
            mmcs,
        }
    }

    /// The parameters.
    #[must_use]
    pub fn config(&self) -> &PcsConfig {
        &self.config
    }

    /// The largest number of variables of one column (also bounds the stack of all columns).
    #[must_use]
    pub fn max_column_vars(&self) -> usize {
        self.config.max_stacked_vars()
    }

    pub(crate) fn whir(&self, stacked_vars: usize) -> Result<Whir, PcsError> {
        let params = self.config.protocol_parameters(stacked_vars)?;
        let config =
            p3_whir::WhirConfig::new(stacked_vars, params).map_err(|e| PcsError::Config {
                num_vars: stacked_vars,
                reason: e.to_string(),
            })?;
        Ok(Whir::new(config, self.dft.clone(), self.mmcs.clone()))
    }

    fn absorb_shapes(&self, num_vars: &[u32], transcript: &mut Transcript) {
        let c = &self.config;
        let cfg = [
            c.security_bits,
            c.log_inv_rate,
            c.folding_factor,
            c.pow_bits,
            c.soundness as usize,
        ];
        let cfg: Vec<zkinfer_field::F> = cfg
            .iter()
            .map(|&x| {
                <zkinfer_field::F as zkinfer_field::PrimeCharacteristicRing>::from_u64(x as u64)
            })
            .collect();
        transcript.absorb_fields(LABEL_CONFIG, &cfg);
        let shapes: Vec<zkinfer_field::F> = num_vars
            .iter()
            .map(|&n| <zkinfer_field::F as zkinfer_field::PrimeCharacteristicRing>::from_u32(n))
            .collect();
        transcript.absorb_fields(LABEL_SHAPES, &shapes);
    }

    fn absorb_claims(&self, claims: &[ColumnClaim], transcript: &mut Transcript) {
        for claim in claims {
            transcript.absorb_u64(LABEL_CLAIM_COLUMN, claim.column as u64);
            transcript.absorb_exts(LABEL_CLAIM_POINT, &claim.point);
            transcript.absorb_ext(LABEL_CLAIM_VALUE, claim.value);
        }
    }
}
