//! Parameters of the commitment, and their translation into p3-whir's.

use p3_whir::{FoldingFactor, ProtocolParameters, SecurityAssumption};
use serde::{Deserialize, Serialize};

use crate::PcsError;

/// Which proximity-gap result the soundness analysis relies on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Soundness {
    /// Unique decoding radius: no conjecture, most queries.
    UniqueDecoding,
    /// Johnson bound: proven (mutual correlated agreement up to Johnson), fewer queries.
    JohnsonBound,
    /// Capacity bound: conjectured, fewest queries.
    CapacityBound,
}

impl From<Soundness> for SecurityAssumption {
    fn from(s: Soundness) -> Self {
        match s {
            Soundness::UniqueDecoding => Self::UniqueDecoding,
            Soundness::JohnsonBound => Self::JohnsonBound,
            Soundness::CapacityBound => Self::CapacityBound,
        }
    }
}

/// Parameters of the WHIR commitment.
///
/// The [`Default`] was chosen by measurement (`cargo run --release -p zkinfer-pcs --bin
/// bench_pcs`; figures in the crate doc):
/// - `security_bits = 100`: the project-wide target; EF (≈128 bits) leaves the algebraic terms
///   far above it, so the queries and the grinding carry the bound.
/// - `soundness = JohnsonBound`: proven, not conjectured. Capacity would rest on a conjecture
///   and, with EF ≈ 128 bits, cannot even batch 4 claims at 100 bits in p3-whir's accounting;
///   under Johnson, 2^16 claims keep 106.7 bits (hence [`crate::MAX_CLAIMS`]).
/// - `log_inv_rate = 2` (rate 1/4): at 2^22 rate 1/4 took 2.6× longer to commit+open than rate
///   1/2 and 1.7× the memory, for a 30% smaller proof and a faster verifier. The models zkinfer
///   proves today commit 2^17–2^19 elements per proof, where grinding, not encoding, dominates:
///   end to end (`cargo run --release -p zkinfer-cli --example bench`) LeNet-5 went from 0.42 s /
///   234 KiB at rate 1/2 to 0.48 s / 172 KiB at rate 1/4, so the smaller proof wins. Large
///   models should set `log_inv_rate = 1`.
/// - `folding_factor = 4`: fold 3 was ~4× slower to open; fold 5 opened somewhat faster but gave a
///   14% larger proof and a 2–3× slower verifier (the EVM verifier is what we pay for per proof).
/// - `pow_bits = 16`: the starting grinding budget per round, which p3-whir trades for queries;
///   [`crate::Pcs`] raises it one bit at a time (up to [`crate::MAX_POW_BITS`]) until the stack
///   size is feasible (a 2^23 stack needs 17 bits at 100-bit Johnson). At the 2^17–2^19 elements
///   our models commit, grinding dominated the prover at 20 bits: end to end, the GPT-2 block
///   (d 64) went from 1.60 s / 232 KiB at 20 bits to 0.47 s / 238 KiB at 16, LeNet-5 from
///   0.62 s / 172 KiB to 0.30 s / 177 KiB (same run); 14 bits saved ~10% more time but leaves no
///   headroom. At 2^22, 17/18/20 bits cost the same prover time within noise.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PcsConfig {
    /// Target soundness in bits (per error term, as p3-whir counts it).
    pub security_bits: usize,
    /// `log2(1/ρ)` of the first Reed–Solomon code; later rounds grow it by `folding_factor − 1`.
    pub log_inv_rate: usize,
    /// Variables folded per WHIR round.
    pub folding_factor: usize,
    /// Proof-of-work bits the prover may grind per round.
    pub pow_bits: usize,
    /// The soundness regime.
    pub soundness: Soundness,
}

impl Default for PcsConfig {
    fn default() -> Self {
        Self {
            security_bits: 100,
            log_inv_rate: 2,
            folding_factor: 4,
            pow_bits: 16,
            soundness: Soundness::JohnsonBound,
        }
    }
}

/// The least security level (bits) a commitment is made or verified with.
pub const MIN_SECURITY_BITS: usize = 100;

impl PcsConfig {
    /// Settings a verifier accepts: at least [`MIN_SECURITY_BITS`] bits (and no more than the
    /// digests carry), in a proven regime.
    ///
    /// # Errors
    /// [`PcsError::SecurityTooLow`], [`PcsError::SecurityAboveDigest`] or
    /// [`PcsError::ConjecturedRegime`].
    pub fn check_min_security(&self) -> Result<(), crate::PcsError> {
        self.check_digest_bound()?;
        if self.security_bits < MIN_SECURITY_BITS {
            return Err(crate::PcsError::SecurityTooLow {
                min: MIN_SECURITY_BITS,
                got: self.security_bits,
            });
        }
        if self.soundness == Soundness::CapacityBound {
            return Err(crate::PcsError::ConjecturedRegime {
                got: self.soundness,
            });
        }
        Ok(())
    }

    /// A level the Merkle digests can carry: at most [`crate::DIGEST_SECURITY_BITS`] (the
    /// collision resistance of a 25-byte digest).
    ///
    /// # Errors
    /// [`crate::PcsError::SecurityAboveDigest`].
    pub fn check_digest_bound(&self) -> Result<(), crate::PcsError> {
        if self.security_bits > crate::DIGEST_SECURITY_BITS {
            return Err(crate::PcsError::SecurityAboveDigest {
                max: crate::DIGEST_SECURITY_BITS,
                got: self.security_bits,
            });
        }
        Ok(())
    }

    /// The p3-whir parameters for a stacked polynomial of `num_vars` variables.
    pub(crate) fn protocol_parameters(
        &self,
        num_vars: usize,
    ) -> Result<ProtocolParameters, PcsError> {
        self.protocol_parameters_with(num_vars, None)
    }

    /// As [`PcsConfig::protocol_parameters`], with an explicit folding schedule (variables
    /// folded per WHIR phase) instead of the constant [`PcsConfig::folding_factor`].
    pub(crate) fn protocol_parameters_with(
        &self,
        num_vars: usize,
        schedule: Option<Vec<usize>>,
    ) -> Result<ProtocolParameters, PcsError> {
        self.check_digest_bound()?;
        let folding_factor = match schedule {
            Some(s) => FoldingFactor::PerRound(s),
            None => FoldingFactor::Constant(self.folding_factor),
        };
        let schedule = folding_factor
            .compute_folding_schedule(num_vars)
            .map_err(|e| PcsError::Config {
                num_vars,
                reason: e.to_string(),
            })?;
        let mut rate = self.log_inv_rate;
        let round_log_inv_rates = schedule
            .iter()
            .take(schedule.len().saturating_sub(1))
            .map(|&k| {
                rate += k.saturating_sub(1);
                rate
            })
            .collect();
        Ok(ProtocolParameters {
            security_level: self.security_bits,
            pow_bits: self.pow_bits,
            folding_factor,
            soundness_type: self.soundness.into(),
            starting_log_inv_rate: self.log_inv_rate,
            round_log_inv_rates,
        })
    }

    /// The p3-whir parameters for one polynomial of `num_vars` variables (for benchmarks that
    /// drive p3-whir directly with the same parameters).
    ///
    /// # Panics
    /// If the folding factor does not fit `num_vars`.
    #[doc(hidden)]
    #[must_use]
    pub fn protocol_parameters_for_bench(&self, num_vars: usize) -> ProtocolParameters {
        match self.protocol_parameters(num_vars) {
            Ok(p) => p,
            Err(e) => panic!("{e}"),
        }
    }

    /// The smallest number of variables a committed column is padded to (WHIR's first fold).
    pub(crate) fn min_column_vars(&self) -> usize {
        self.folding_factor
    }

    /// The largest stacked polynomial: its codeword must fit Goldilocks' 2^32 FFT domain.
    #[must_use]
    pub fn max_stacked_vars(&self) -> usize {
        <zkinfer_field::F as p3_field::TwoAdicField>::TWO_ADICITY.saturating_sub(self.log_inv_rate)
    }
}
