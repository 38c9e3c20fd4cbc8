//! Multilinear polynomial commitment for zkinfer: WHIR (`p3-whir` 0.8) over Keccak Merkle trees
//! (25-byte digests, [`DIGEST_BYTES`]), many columns in one commitment, all claims settled by one opening proof.
//!
//! # What it proves
//! [`Pcs::commit`] commits to columns `c_0, …, c_{k-1}` of base-field values (each of power-of-two
//! length `2^{n_j}`). [`Pcs::verify`] accepts an [`OpeningProof`] for claims
//! `(j, p, v)` ([`ColumnClaim`]) only if `c̃_j(p) = v` for every claim, where `c̃_j` is the
//! multilinear extension in the big-endian variable order of `zkinfer-poly`.
//!
//! # The maths
//! - *Stacking.* Columns are zero-padded to at least `folding_factor` variables and placed
//!   largest first in power-of-two-aligned slots of one polynomial `P` in `N = ⌈log2 Σ 2^{n_j}⌉`
//!   variables (p3-sumcheck's stacked layout, selector bits most significant). So
//!   `c̃_j(p) = P(s_j ‖ 0…0 ‖ p)` for the Boolean selector `s_j` of column `j`.
//! - *Commitment.* `P` is Reed–Solomon encoded at rate `2^-log_inv_rate` and the codeword is
//!   committed in a Merkle tree of standard padded Keccak-256 truncated to 25 bytes
//!   ([`TruncatedKeccak`]; leaves: the row's little-endian bytes; nodes: the two children's 50
//!   bytes), so the EVM's `KECCAK256` and a mask reproduce it. The root is
//!   deterministic (non-hiding).
//! - *Opening.* p3-whir's prescribed-point opening is used as is: it batches the claims with a
//!   random `γ` into one sumcheck `Σ_x P(x)·Σ_i γ^i eq(q_i, x) = Σ_i γ^i v_i` (each `eq` costs
//!   `O(2^{n_j})`, not `O(2^N)`, since selector coordinates are Boolean) and runs WHIR's rounds
//!   on it. We chose this native multi-point support over a sumcheck of our own: it is the same
//!   reduction, already optimised (SVO accumulators) and already inside WHIR's first round, so a
//!   separate sumcheck would only add rounds to the proof.
//! - *Fiat–Shamir.* Everything runs on the caller's [`zkinfer_field::Transcript`]: the
//!   parameters and column shapes, then the Merkle root are absorbed by `commit` /
//!   [`Pcs::absorb_commitment`]; the claims (column, point, value) are absorbed by `open` /
//!   `verify` before WHIR's first challenge.
//!
//! # Modules
//! - [`config`] — [`PcsConfig`] and why its defaults.
//! - [`types`] — [`Commitment`], [`CommittedData`], [`ColumnClaim`], [`OpeningProof`], the p3 types.
//! - `layout` — where each column sits in the stack (shared by prover and verifier).
//! - `prover` — [`Pcs::commit`], [`Pcs::open`]; `verifier` — [`Pcs::absorb_commitment`],
//!   [`Pcs::verify`] (denies `unwrap`/`expect`/indexing/`panic`).
//! - `stored` — [`StoredData`]: a commitment's codeword and tree kept across proofs
//!   ([`CommittedData::into_stored`], [`Pcs::restore`]).
//! - [`error`] — [`PcsError`].
//! - [`hiding`] — [`HidingPcs`]: the same batch API, hiding (p3-whir's HVZK-WHIR over salted
//!   Keccak leaves, OS randomness, unique decoding); see `docs/ZK.md`.
//! - [`masked`] — a **prototype, not used by proofs**: docs/PROOF_SIZE.md §2.i's masked first round
//!   followed by a plain [`Pcs`] opening, for one column (0.39–0.47× a hiding opening's size).
//!
//! # Parameters (see [`PcsConfig`])
//! 100-bit security under the Johnson bound, rate 1/4, fold 4, 16 bits of grinding (raised per stack size where needed), chosen by
//! `cargo run --release -p zkinfer-pcs --example bench_pcs` (2-core machine shared with other jobs,
//! so times are noisy): at 2^22 elements and rate 1/2, commit ≈ 0.5–0.6 s, open ≈ 1.6 s, proof ≈ 140 KiB,
//! verify ≈ 2.1 ms, peak RSS ≈ 406 MiB; bare p3-whir with the same hash, transcript and
//! parameters is within noise of it.
//!
//! # Limits
//! A column has at most `32 − log_inv_rate` variables (2^31 elements at rate 1/2: Goldilocks'
//! FFT domain is 2^32) and so does the stack of all columns; at most [`MAX_COLUMNS`] columns and
//! [`MAX_CLAIMS`] claims.

pub mod config;
pub mod error;
pub mod hiding;
mod layout;
pub mod masked;
mod prover;
mod stored;
pub mod types;
mod verifier;

pub use config::{PcsConfig, Soundness};
pub use error::PcsError;
pub use hiding::{
    FoldPlan, HidingCommitment, HidingCommittedData, HidingOpeningProof, HidingPcs, HidingShape,
    JointShape, MIN_SECURITY_BITS, ReusableCommitment, ReusableCommittedData, ReusePlacement,
    StackClaim, StoredHidingData, TreeShape, TreeSource,
};
pub use stored::StoredData;
pub use types::{
    ColumnClaim, Commitment, CommittedData, DIGEST_BYTES, DIGEST_SECURITY_BITS, Digest, KeccakMmcs,
    OpeningProof, TruncatedKeccak, truncate_digest,
};

use zkinfer_field::{Transcript, TranscriptLabel};

use crate::types::{Dft, LeafHash, NodeCompress, Whir};

/// The most columns one commitment may hold (bounds the verifier's work on a hostile commitment).
pub const MAX_COLUMNS: usize = 1 << 16;
/// The most claims one opening may settle.
pub const MAX_CLAIMS: usize = 1 << 16;

/// The most grinding per WHIR round the commitment raises its budget to (see [`Pcs`]).
pub const MAX_POW_BITS: usize = 22;

const LABEL_SHAPES: TranscriptLabel = b"pcs/column-vars";
const LABEL_CONFIG: TranscriptLabel = b"pcs/config";
const LABEL_CLAIM_COLUMN: TranscriptLabel = b"pcs/claim-column";
const LABEL_CLAIM_POINT: TranscriptLabel = b"pcs/claim-point";
const LABEL_CLAIM_VALUE: TranscriptLabel = b"pcs/claim-value";

/// The multilinear polynomial commitment: WHIR over a (truncated) Keccak Merkle tree.
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
            LeafHash::new(crate::TruncatedKeccak),
            NodeCompress::new(crate::TruncatedKeccak),
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

    /// Checks, without any data, that columns of `num_vars[c]` variables can be committed with
    /// these settings: the stack plans and its WHIR instance configures (what
    /// [`Pcs::commit`] finds out only after laying out and encoding the columns). Returns the
    /// stacked polynomial's number of variables. Cheap: no allocation of column size.
    ///
    /// # Errors
    /// What [`Pcs::commit`] would return for these shapes: [`PcsError::ColumnTooLarge`],
    /// [`PcsError::Config`] (e.g. the stack needs more grinding than [`MAX_POW_BITS`]), …
    pub fn check_shapes(&self, num_vars: &[usize]) -> Result<usize, PcsError> {
        let plan = layout::Plan::new(num_vars, &self.config)?;
        self.whir(plan.stacked_vars)?;
        Ok(plan.stacked_vars)
    }

    /// The largest stack (number of variables) these settings can commit: the grinding a stack
    /// needs grows with its size, up to [`MAX_POW_BITS`]. `None` if not even the smallest does.
    #[must_use]
    pub fn largest_stack(&self) -> Option<usize> {
        (self.config.min_column_vars()..=self.config.max_stacked_vars())
            .rev()
            .find(|&n| self.whir(n).is_ok())
    }

    /// The WHIR instance for a stack of `stacked_vars` variables. The grinding budget starts at
    /// [`PcsConfig::pow_bits`] and is raised one bit at a time, up to [`MAX_POW_BITS`], until
    /// p3-whir finds the parameters feasible (larger stacks need more grinding for the same
    /// security): small stacks grind little, large ones as much as they must. Deterministic in
    /// `stacked_vars`, so prover and verifier agree.
    pub(crate) fn whir(&self, stacked_vars: usize) -> Result<Whir, PcsError> {
        let mut params = self.config.protocol_parameters(stacked_vars)?;
        let mut last = String::new();
        for pow in self.config.pow_bits..=MAX_POW_BITS.max(self.config.pow_bits) {
            params.pow_bits = pow;
            match p3_whir::WhirConfig::new(stacked_vars, params.clone()) {
                Ok(config) => return Ok(Whir::new(config, self.dft.clone(), self.mmcs.clone())),
                Err(e) => last = e.to_string(),
            }
        }
        Err(PcsError::Config {
            num_vars: stacked_vars,
            reason: last,
        })
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

#[cfg(test)]
mod tests {
    use super::{MAX_POW_BITS, Pcs, PcsConfig};

    /// Every stack size the default can commit configures, with the grinding raised only where
    /// the size needs it (small stacks keep the starting budget).
    #[test]
    fn grinding_budget_rises_with_the_stack() {
        let pcs = Pcs::new(PcsConfig::default());
        for nv in 4..=26 {
            assert!(pcs.whir(nv).is_ok(), "{nv} variables do not configure");
        }
        let strict = Pcs::new(PcsConfig {
            pow_bits: MAX_POW_BITS + 1,
            ..PcsConfig::default()
        });
        assert!(strict.whir(20).is_ok());
        let weak = Pcs::new(PcsConfig {
            security_bits: 200,
            ..PcsConfig::default()
        });
        assert!(
            weak.whir(20).is_err(),
            "200-bit security cannot be configured in EF"
        );
    }

    /// The shapes alone tell whether columns can be committed: at the defaults a 2^26 stack
    /// configures and a 2^27 one needs more grinding than the budget (GPT-2 124M's weights
    /// stack to 2^29), whether it is one column or several that stack to that size.
    #[test]
    fn shapes_are_checked_without_data() {
        let pcs = Pcs::new(PcsConfig::default());
        assert_eq!(pcs.largest_stack(), Some(26));
        assert_eq!(pcs.check_shapes(&[26]).expect("2^26 commits"), 26);
        assert_eq!(pcs.check_shapes(&[25, 25]).expect("2 × 2^25 commits"), 26);
        assert_eq!(pcs.check_shapes(&[10, 3]).expect("small commits"), 11);
        for shapes in [&[27][..], &[26, 1], &[25, 25, 25]] {
            let e = pcs.check_shapes(shapes).expect_err("past the budget");
            assert!(
                matches!(e, crate::PcsError::Config { num_vars: 27, .. }),
                "{shapes:?}: {e}"
            );
        }
        assert!(pcs.check_shapes(&[]).is_err());
        let weak = Pcs::new(PcsConfig {
            security_bits: 200,
            ..PcsConfig::default()
        });
        assert_eq!(weak.largest_stack(), None);
    }
}
