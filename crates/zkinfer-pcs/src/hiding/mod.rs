//! The hiding commitment: p3-whir's honest-verifier zero-knowledge WHIR (HVZK-WHIR,
//! Chiesa–Fenzi–Weissenberg, eprint 2026/391) over a *salted* Keccak-256 Merkle tree, with the
//! same batch API as [`crate::Pcs`]: many columns in one commitment, one opening for all claims.
//!
//! # What is hidden
//! An opening reveals exactly the claimed evaluations `c̃_j(p) = v` and nothing else about the
//! columns (honest-verifier ZK in the random-oracle model), given that
//! - the codeword is a *randomized* Reed–Solomon encoding: each limb carries as many random
//!   coefficients as positions will ever be opened, so the opened positions are uniformly
//!   random (p3's budget rule, checked by [`p3_whir::ZkWhirConfig::new`]);
//! - WHIR's sumcheck round messages are masked, its out-of-domain answers padded, its final
//!   message one-time-padded (all inside p3-whir);
//! - every Merkle leaf is salted ([`SALT_ELEMS`] random elements), so the sibling hashes in an
//!   authentication path reveal nothing about unopened rows. Without salts a verifier holding
//!   two candidate witnesses could recompute the unopened sibling row of each opened position
//!   (the randomness is pinned by the opened positions) and compare hashes;
//! - all of that randomness comes from the operating system ([`rand_zk::rngs::SysRng`] seeding
//!   a fresh ChaCha12 `StdRng` for each commit and each open), never from the transcript.
//!
//! The shapes (number of variables of each column) are public: they are in the commitment.
//! Claims are on Boolean lifts of the stack (selector and padding coordinates are 0/1), so the
//! revealed values are the column evaluations the caller asked for, no mixture of columns.
//!
//! # Soundness
//! [`HidingPcs::new`] refuses parameters below [`MIN_SECURITY_BITS`] or outside the
//! unique-decoding regime ([`PcsConfig::hiding_default`] says why), and the verifier checks it
//! again; both sides also check p3-whir's report on the masked base case for every stack size
//! (the shared-challenge round proven at the security level, the query round with grinding). p3-whir's per-round query/grinding budget is chosen for `security_bits` under the
//! configured regime (Johnson bound by default); the hiding run draws no commitment-phase
//! out-of-domain samples (see docs/ZK.md, "Out-of-domain samples" for the accounting).
//!
//! # Modules
//! - `stack` — column placement and claim lifting; `prover` — [`HidingPcs::commit`],
//!   [`HidingPcs::open`]; `verifier` — [`HidingPcs::absorb_commitment`], [`HidingPcs::verify`];
//!   `types` — [`HidingCommitment`], [`HidingCommittedData`], [`HidingOpeningProof`].

mod joint;
mod lazy;
mod merkle;
mod prover;
mod reusable;
pub(crate) mod stack;
pub(crate) mod stored;
mod types;
mod verifier;

pub use joint::{JointShape, LABEL_JOINT};
pub use lazy::{TreeShape, TreeSource};
pub use merkle::SaltedData;
pub use reusable::{ReusableCommitment, ReusableCommittedData, ReusePlacement};
pub use stored::StoredHidingData;
pub use types::{
    HidingCommitment, HidingCommittedData, HidingOpeningProof, P3SaltedKeccakMmcs, SALT_ELEMS,
    SaltedKeccakMmcs, StackClaim,
};

use p3_whir::{HidingBaseCaseSecurityReport, ZkParameters};
use rand_zk::SeedableRng;
use rand_zk::rngs::{StdRng, SysRng};
use zkinfer_field::{F, PrimeCharacteristicRing, Transcript};

use self::stack::{Spread, Stack};
use self::types::{HidingConfig, HidingWhir};
use crate::types::{Dft, LeafHash, NodeCompress};
use crate::{MAX_POW_BITS, PcsConfig, PcsError, Soundness};

pub use crate::config::MIN_SECURITY_BITS;

/// Coefficients of each masking polynomial of WHIR's sumcheck rounds (p3's `ell_zk`): the
/// rounds are of degree 2, so 3 coefficients are the minimum that masks them, and p3's
/// benchmark uses 3.
pub const MASK_LENGTH: usize = 3;
/// `log2(1/rate)` of the mask codes (p3's `mask_log_inv_rate`; 3 as in p3's benchmark). Rates
/// 1/2, 1/4, 1/16 gave larger proofs (docs/ZK.md §5): p3 spot-checks each mask code
/// `⌈(λ + log₂ #groups)/(−log₂((1 + ρ)/2))⌉` times (125 at 1/8), and the codeword domain is
/// `next_pow2(message + spot checks)/ρ`.
pub const MASK_LOG_INV_RATE: usize = 3;
/// Variables left when p3-whir sends the polynomial's coefficients in the clear after an
/// explicit schedule (the vendored p3-whir's `PER_ROUND_MAX_NUM_VARIABLES_TO_SEND_COEFFS`, 8
/// since zkinfer proof format 11; upstream 6, which p3's constant schedules and the plain `Pcs`
/// keep): the fold plans fold every variable above it.
pub const DIRECT_SEND_VARS: usize = 8;
/// Stacks of at least `2^LARGE_STACK_VARS` elements fold the most they may in the first step
/// under [`FoldPlan::MaxFold`] (memory; smaller stacks fold in near-equal steps, fewer bytes).
pub const LARGE_STACK_VARS: usize = 24;
/// [`FoldPlan::MaxFold`] of the default shape.
pub const DEFAULT_MAX_FOLD: usize = 6;
/// [`HidingShape::round_log_inv_rate`] of the default shape.
pub const DEFAULT_ROUND_LOG_INV_RATE: usize = 5;

/// The hiding commitment's transcript labels (the EVM crate replays its absorbs). Not part of the
/// stable API.
#[doc(hidden)]
pub mod labels {
    use zkinfer_field::TranscriptLabel;

    pub const LABEL_CONFIG: TranscriptLabel = b"pcs/hiding/config";
    pub const LABEL_SHAPES: TranscriptLabel = b"pcs/hiding/column-vars";
    pub const LABEL_CLAIM_COLUMN: TranscriptLabel = b"pcs/hiding/claim-column";
    pub const LABEL_CLAIM_POINT: TranscriptLabel = b"pcs/hiding/claim-point";
    pub const LABEL_CLAIM_VALUE: TranscriptLabel = b"pcs/hiding/claim-value";
    pub const LABEL_STACK_CLAIM_POINT: TranscriptLabel = b"pcs/hiding/stack-claim-point";
    pub const LABEL_USES: TranscriptLabel = b"pcs/hiding/reusable-uses";
}

use self::labels::{
    LABEL_CLAIM_COLUMN, LABEL_CLAIM_POINT, LABEL_CLAIM_VALUE, LABEL_CONFIG, LABEL_SHAPES,
    LABEL_STACK_CLAIM_POINT, LABEL_USES,
};

/// The inputs of p3-whir's `ZkWhirConfig::new_reusable` for one commitment
/// ([`HidingPcs::p3_parameters`]). Not part of the stable API.
#[doc(hidden)]
#[derive(Clone, Debug)]
pub struct HidingParameters {
    /// Variables of the stacked polynomial.
    pub stacked_vars: usize,
    /// p3-whir's protocol parameters.
    pub protocol: p3_whir::ProtocolParameters,
    /// p3-whir's zero-knowledge parameters.
    pub zk: ZkParameters,
    /// Openings the initial oracle's randomness is sized for.
    pub uses: usize,
}

/// The most hiding configurations [`HidingPcs`] keeps per process (a verification service sees a
/// few per model; the cache is emptied when full).
const CONFIG_CACHE_ENTRIES: usize = 256;

/// The most openings a reusable commitment may cover ([`HidingPcs::commit_reusable`]).
pub const MAX_USES: usize = 1 << 16;
/// How many steps below [`PcsConfig::log_inv_rate`] a reusable commitment's first oracle may
/// go to make room for its randomness.
pub const MAX_REUSE_EXTRA_RATE: usize = 4;
/// The codeword size (log₂, elements) up to which a reusable commitment keeps its openings'
/// randomness in its message even when that doubles the codeword ([`HidingPcs::placement_for`]):
/// 2^24 base-field elements are 128 MiB, a few seconds of setup.
pub const SPREAD_FREE_CODEWORD_VARS: usize = 24;

/// Where the hiding randomness comes from.
enum Entropy {
    /// The operating system (`getrandom`), the only source outside this crate's unit tests.
    Os,
    /// A seed: [`HidingPcs::from_seed`] (a commitment its data holder can recompute) and
    /// reproducible unit tests.
    Seeded(Box<std::sync::Mutex<StdRng>>),
}

/// How the hiding commitment folds: the number of WHIR code-switching rounds.
///
/// Every code-switching round of HVZK-WHIR costs two mask groups (a code-switch mask and the
/// next fold's sumcheck masks), each opened in the base case at p3's fixed mask spot-check
/// count (≈ 125 positions in unique decoding, no grinding credit) under two Merkle trees
/// (carried mask and its fresh blind); see docs/ZK.md §5. Fewer rounds mean fewer mask groups,
/// at the price of wider opened rows (more variables folded per round).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FoldPlan {
    /// p3's constant schedule: [`PcsConfig::folding_factor`] variables per round until at most
    /// 6 are left (p3's threshold for constant schedules, not [`DIRECT_SEND_VARS`]; the first
    /// version's plan).
    Constant,
    /// Exactly this many code-switching rounds (fewer if the stack is small): the variables
    /// above the [`DIRECT_SEND_VARS`] sent in the clear are folded in `rounds + 1` near-equal steps, the
    /// larger ones first.
    Rounds(usize),
    /// The fewest rounds that fold at most this many variables per round: the variables above
    /// the [`DIRECT_SEND_VARS`] sent in the clear are folded in `ceil(·/max)` near-equal steps,
    /// the larger ones first (the first round's rows are base-field elements, half the bytes of
    /// later ones); on stacks of [`LARGE_STACK_VARS`] or more the first step folds `max`.
    MaxFold(usize),
}

/// The hiding commitment's settings beyond [`PcsConfig`]: its fold plan and mask code rate.
/// Part of the protocol: prover and verifier must use the same (it is absorbed into the
/// transcript).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HidingShape {
    /// The round schedule.
    pub folds: FoldPlan,
    /// `log2(1/rate)` of the mask codes (p3's `mask_log_inv_rate`).
    pub mask_log_inv_rate: usize,
    /// `log2(1/rate)` of every oracle after the first, or `None` for WHIR's usual growth
    /// (`folding − 1` per round, the domain halving). A lower rate keeps the later oracles'
    /// domains (and Merkle paths) small at the price of a few more queries.
    pub round_log_inv_rate: Option<usize>,
    /// Size every code-switching round's queries for the rate its *randomized* code really has
    /// (`(M + t)/H`: `M` message rows, `t` random rows, `H` positions) instead of p3's `M/H`:
    /// the security level handed to p3 is raised one bit at a time until every round reaches
    /// the target at the real rate ([`HidingPcs::randomized_round_bits`]). p3 does this for the
    /// terminal oracle only (docs/ZK.md §4.1).
    pub account_randomness: bool,
    /// Let a commitment opened several times keep its openings' randomness in its message
    /// (a larger stack, no `uses · t`-long code-switch mask per opening; docs/ZK.md §6.1) where
    /// [`HidingPcs::placement_for`] finds that it pays; `false` always keeps it in the first
    /// oracle's encoding randomness (proof formats 9–18).
    pub reuse_in_message: bool,
}

impl Default for HidingShape {
    /// The settings [`HidingPcs::new`] uses (proof format 5), chosen by measurement
    /// (docs/ZK.md §5): at most 6 variables folded per round, every oracle after the first at
    /// rate 2^-5, mask codes at rate 1/8, every round's queries sized at its randomized code's
    /// real rate.
    fn default() -> Self {
        Self {
            folds: FoldPlan::MaxFold(DEFAULT_MAX_FOLD),
            mask_log_inv_rate: MASK_LOG_INV_RATE,
            round_log_inv_rate: Some(DEFAULT_ROUND_LOG_INV_RATE),
            account_randomness: true,
            reuse_in_message: true,
        }
    }
}

impl HidingShape {
    /// The first version's settings (proof format 3): p3's constant schedule at
    /// [`PcsConfig::folding_factor`], WHIR's usual rate growth, mask codes at rate 1/8. For
    /// comparisons.
    #[must_use]
    pub fn first_version() -> Self {
        Self {
            folds: FoldPlan::Constant,
            mask_log_inv_rate: MASK_LOG_INV_RATE,
            round_log_inv_rate: None,
            account_randomness: false,
            reuse_in_message: false,
        }
    }
}

impl HidingShape {
    /// The folding schedule (variables folded per WHIR phase) for a stack of `num_vars`
    /// variables, or `None` for p3's constant schedule.
    fn schedule(&self, num_vars: usize, min_fold: usize) -> Option<Vec<usize>> {
        // p3 sends the coefficients in the clear once at most `DIRECT_SEND_VARS` are left.
        let to_fold = num_vars
            .saturating_sub(DIRECT_SEND_VARS)
            .max(min_fold.min(num_vars));
        let (steps, first) = match self.folds {
            FoldPlan::Constant => return None,
            FoldPlan::Rounds(rounds) => (rounds + 1, None),
            FoldPlan::MaxFold(max) => {
                let max = max.max(1);
                // On large stacks the first step folds the most it may: the second oracle
                // (`2^(n − k₀)` at the later rounds' rate) is the prover's largest buffer after
                // the first codeword, and near-equal steps towards 8 variables would double it
                // (GPT-2 124M's 2^27 groups: 1 GiB more at the peak).
                let first = (num_vars >= LARGE_STACK_VARS).then_some(max.min(to_fold));
                (to_fold.div_ceil(max), first)
            }
        };
        let steps = steps.clamp(1, to_fold.max(1));
        let mut schedule = Vec::with_capacity(steps);
        let mut rest = to_fold;
        if let (Some(first), true) = (first, steps > 1) {
            schedule.push(first);
            rest -= first;
        }
        let parts = steps - schedule.len();
        let (base, extra) = (rest / parts, rest % parts);
        schedule.extend((0..parts).map(|i| base + usize::from(i < extra)));
        Some(schedule)
    }
}

/// The hiding multilinear polynomial commitment (HVZK-WHIR over a salted Keccak Merkle tree).
pub struct HidingPcs {
    config: PcsConfig,
    shape: HidingShape,
    dft: Dft,
    entropy: Entropy,
}

impl std::fmt::Debug for HidingPcs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HidingPcs")
            .field("config", &self.config)
            .field("shape", &self.shape)
            .finish_non_exhaustive()
    }
}

impl HidingPcs {
    /// A hiding commitment scheme with these parameters, its randomness from the OS.
    ///
    /// # Errors
    /// [`PcsError::SecurityTooLow`] if `config.security_bits < MIN_SECURITY_BITS`.
    pub fn new(config: PcsConfig) -> Result<Self, PcsError> {
        Self::with_shape(config, HidingShape::default())
    }

    /// A hiding commitment scheme with these parameters and this fold plan and mask rate (for
    /// benchmarks and tests; [`HidingPcs::new`] uses [`HidingShape::default`]). Prover and
    /// verifier must use the same shape.
    ///
    /// # Errors
    /// As [`HidingPcs::new`]; [`PcsError::Config`] for a mask rate of 1 or above 2^-16.
    pub fn with_shape(config: PcsConfig, shape: HidingShape) -> Result<Self, PcsError> {
        check_security(&config)?;
        if !(1..=16).contains(&shape.mask_log_inv_rate) {
            return Err(PcsError::Config {
                num_vars: 0,
                reason: format!(
                    "mask log inverse rate {} outside 1..=16",
                    shape.mask_log_inv_rate
                ),
            });
        }
        Ok(Self {
            config,
            shape,
            dft: Dft::default(),
            entropy: Entropy::Os,
        })
    }

    /// The fold plan and mask rate.
    #[must_use]
    pub fn shape(&self) -> &HidingShape {
        &self.shape
    }

    /// A scheme whose randomness is a fixed seed: reproducible, and **not hiding** against
    /// anyone who knows the seed. Unit tests only.
    #[cfg(test)]
    pub(crate) fn seeded_for_tests(config: PcsConfig, seed: u64) -> Result<Self, PcsError> {
        check_security(&config)?;
        Ok(Self {
            config,
            shape: HidingShape::default(),
            dft: Dft::default(),
            entropy: Entropy::Seeded(Box::new(std::sync::Mutex::new(StdRng::seed_from_u64(seed)))),
        })
    }

    /// A scheme whose commitment randomness (encoding coefficients and Merkle salts) is a
    /// function of `seed`. Whoever holds the seed and the committed columns can recompute the
    /// commitment ([`HidingPcs::commit`] with the same seed gives the same root) and so check
    /// that a commitment holds *their* data; to anyone without the seed it hides as an OS-seeded
    /// commitment does, provided the seed is drawn from the OS ([`HidingPcs::random_seed`]) and
    /// given only to the data holder. Commit with it, **open with [`HidingPcs::new`]** (the
    /// opening's own masks must not be known to the seed holder... nor need they be).
    ///
    /// # Errors
    /// As [`HidingPcs::new`].
    pub fn from_seed(config: PcsConfig, seed: [u8; 32]) -> Result<Self, PcsError> {
        check_security(&config)?;
        Ok(Self {
            config,
            shape: HidingShape::default(),
            dft: Dft::default(),
            entropy: Entropy::Seeded(Box::new(std::sync::Mutex::new(StdRng::from_seed(seed)))),
        })
    }

    /// 32 bytes from the operating system, for [`HidingPcs::from_seed`].
    ///
    /// # Errors
    /// [`PcsError::Entropy`] if the OS gives no randomness.
    pub fn random_seed() -> Result<[u8; 32], PcsError> {
        use rand_zk::TryRng;
        let mut seed = [0u8; 32];
        SysRng
            .try_fill_bytes(&mut seed)
            .map_err(|e| PcsError::Entropy {
                reason: e.to_string(),
            })?;
        Ok(seed)
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

    /// p3-whir's (diagnostic, non-enforcing) soundness report of the masked base case for a
    /// commitment of columns with these numbers of variables; see docs/ZK.md.
    ///
    /// # Errors
    /// As [`HidingPcs::commit`] on these shapes.
    pub fn security_report(
        &self,
        num_vars: &[usize],
    ) -> Result<HidingBaseCaseSecurityReport, PcsError> {
        let stack = Stack::new(num_vars, &self.config)?;
        let (_, config) = self.hiding_config(stack.min_stacked_vars)?;
        Ok(config.hiding_base_case_security_report())
    }

    /// The p3-whir instance a commitment of columns with these numbers of variables gets, in one
    /// line: stack size, folding schedule, query counts per oracle, mask spot checks, mask
    /// groups, grinding, and the base-case report's two terms (for benchmarks).
    ///
    /// # Errors
    /// As [`HidingPcs::commit`] on these shapes.
    #[doc(hidden)]
    pub fn describe(&self, num_vars: &[usize]) -> Result<String, PcsError> {
        let stack = Stack::new(num_vars, &self.config)?;
        let (vars, config) = self.hiding_config(stack.min_stacked_vars)?;
        let report = config.hiding_base_case_security_report();
        let queries: Vec<usize> = config
            .round_parameters()
            .iter()
            .map(|r| r.num_queries)
            .chain(std::iter::once(config.randomized_terminal().num_queries))
            .collect();
        Ok(format!(
            "vars {vars} folds {:?} queries {queries:?} mask_queries {} groups {} pow {} level {} | gamma {:.1} query {:.1} rounds at randomized rate {:.1}",
            config.folding_schedule(),
            config.mask_queries(),
            config.mask_groups().len(),
            config.pow_bits,
            config.security_level,
            report.gamma_round.combined.proven_bits().unwrap_or(0.0),
            report.query_round.with_pow.bits.unwrap_or(0.0),
            randomized_round_bits(&config, vars, self.config.log_inv_rate),
        ))
    }

    /// The soundness of a commitment of columns with these numbers of variables, in bits, as
    /// p3-whir accounts it in unique decoding: the least of its base-case report's terms (the
    /// shared-challenge round's proven bits, the terminal query round's bits with grinding) and
    /// every code-switching round's query bound with grinding at the round's code rate — and,
    /// second, the same with each round's bound at the rate of the *randomized* code the round
    /// really tests (`(M + t)/H`; p3 re-derives this for the terminal oracle only; docs/ZK.md
    /// §4.1).
    ///
    /// # Errors
    /// As [`HidingPcs::commit`] on these shapes.
    pub fn proven_bits(&self, num_vars: &[usize]) -> Result<(f64, f64), PcsError> {
        let stack = Stack::new(num_vars, &self.config)?;
        let (vars, config) = self.hiding_config(stack.min_stacked_vars)?;
        let report = config.hiding_base_case_security_report();
        let base = report
            .gamma_round
            .combined
            .proven_bits()
            .unwrap_or(0.0)
            .min(report.query_round.with_pow.bits.unwrap_or(0.0));
        let rate = self.config.log_inv_rate;
        Ok((
            base.min(round_bits(&config, vars, rate, false)),
            base.min(round_bits(&config, vars, rate, true)),
        ))
    }

    /// A fresh CSPRNG seeded from the OS (or, in unit tests, from the fixed seed).
    fn fresh_rng(&self) -> Result<StdRng, PcsError> {
        match &self.entropy {
            Entropy::Os => StdRng::try_from_rng(&mut SysRng).map_err(|e| PcsError::Entropy {
                reason: e.to_string(),
            }),
            Entropy::Seeded(rng) => {
                let mut rng = rng.lock().map_err(|_| PcsError::Entropy {
                    reason: "poisoned seeded RNG".to_owned(),
                })?;
                Ok(StdRng::from_rng(&mut *rng))
            }
        }
    }

    /// The HVZK-WHIR configuration for a stack of at least `min_vars` variables: the fewest
    /// variables, then the least grinding (from [`PcsConfig::pow_bits`] up to
    /// [`MAX_POW_BITS`]), that p3-whir accepts — with [`HidingShape::account_randomness`], the
    /// first that also reaches the security level in every round at the randomized code's rate.
    /// The folding schedule is the shape's. Small stacks are enlarged because the encoding
    /// randomness (one coefficient per query) must fit in the codeword's slack. Deterministic in
    /// `min_vars`, so prover and verifier agree.
    fn hiding_config(&self, min_vars: usize) -> Result<(usize, HidingConfig), PcsError> {
        self.hiding_parameters(min_vars)
            .map(|(vars, config, _)| (vars, config))
    }

    /// [`HidingPcs::hiding_config`], with the p3 parameters the configuration was built from.
    fn hiding_parameters(
        &self,
        min_vars: usize,
    ) -> Result<(usize, HidingConfig, HidingParameters), PcsError> {
        let max_vars = self.config.max_stacked_vars();
        let candidates = (min_vars.max(self.config.folding_factor)..=max_vars)
            .map(|vars| (vars, self.config.log_inv_rate));
        self.hiding_parameters_among(candidates, 1, min_vars)
    }

    /// [`HidingPcs::hiding_config`] for a commitment opened up to `uses` times: the first
    /// candidate `(stack variables, log₂(1/rate) of the first oracle)`, then the least
    /// grinding, that p3-whir accepts with the first oracle's randomness sized for `uses`
    /// openings (`ZkWhirConfig::new_reusable`) and that reaches the security level.
    fn hiding_parameters_among(
        &self,
        candidates: impl Iterator<Item = (usize, usize)>,
        uses: usize,
        min_vars: usize,
    ) -> Result<(usize, HidingConfig, HidingParameters), PcsError> {
        check_security(&self.config)?;
        let zk = ZkParameters {
            ell_zk: MASK_LENGTH,
            mask_log_inv_rate: self.shape.mask_log_inv_rate,
            // The base case grinds before drawing the source's and every mask group's spot
            // positions, so the mask spot checks get the same grinding credit as the source's
            // (docs/ZK.md §4.1; vendored p3-whir, ZKINFER-PATCH.md item 7). `check_report`
            // still requires the query round with grinding at the security level.
            mask_grinding_credit: true,
        };
        let mut last = String::from("no stack size fits");
        for (vars, rate) in candidates {
            let pcs = PcsConfig {
                log_inv_rate: rate,
                ..self.config
            };
            if vars > pcs.max_stacked_vars() {
                continue;
            }
            let schedule = self.shape.schedule(vars, pcs.folding_factor);
            let mut params = pcs.protocol_parameters_with(vars, schedule)?;
            if let Some(r) = self.shape.round_log_inv_rate {
                params.round_log_inv_rates.fill(r);
            }
            let target = self.config.security_bits;
            // (extra level bits, extra grinding bits) in order of preference. With the
            // randomized-rate accounting: one more grinding bit at the same level (p3 rounds
            // queries and grinding up, and another split can leave the slack needed), one more
            // level bit ground, two more grinding bits at the same level, then more level bits
            // bought with queries (a higher level also raises p3's mask spot checks, which can
            // double a mask code's domain).
            let steps: Vec<(usize, usize)> = if self.shape.account_randomness {
                [(0, 0), (0, 1), (1, 1), (0, EXTRA_POW_BITS)]
                    .into_iter()
                    .chain((2..=MAX_EXTRA_BITS).map(|e| (e, 1)))
                    .collect()
            } else {
                vec![(0, 0)]
            };
            for pow in self.config.pow_bits..=MAX_POW_BITS.max(self.config.pow_bits) {
                for &(extra, extra_pow) in &steps {
                    params.security_level = target + extra;
                    params.pow_bits = (pow + extra_pow).min(MAX_POW_BITS.max(pow));
                    match HidingConfig::new_reusable(vars, params.clone(), zk.clone(), uses) {
                        Ok(config) => {
                            if self.shape.account_randomness
                                && randomized_round_bits(&config, vars, rate) < target as f64
                            {
                                last = format!(
                                    "randomized-rate query bound under {target} bits after {extra} extra bits"
                                );
                                continue;
                            }
                            check_report(&config, vars, target)?;
                            let parameters = HidingParameters {
                                stacked_vars: vars,
                                protocol: params.clone(),
                                zk: zk.clone(),
                                uses,
                            };
                            return Ok((vars, config, parameters));
                        }
                        Err(e) => last = e.to_string(),
                    }
                }
            }
        }
        Err(PcsError::Config {
            num_vars: min_vars,
            reason: last,
        })
    }

    /// The p3-whir parameters of the one-time commitment `commitment` (what [`HidingPcs::verify`]
    /// builds its `ZkWhirConfig` from), so that a caller can build the same configuration over
    /// another challenger (the EVM crate's recording challenger). Not part of the stable API.
    ///
    /// # Errors
    /// As [`HidingPcs::absorb_commitment`].
    #[doc(hidden)]
    pub fn p3_parameters(
        &self,
        commitment: &HidingCommitment,
    ) -> Result<HidingParameters, PcsError> {
        let stack = self.stack_of(commitment)?;
        self.hiding_parameters(stack.min_stacked_vars)
            .map(|(_, _, parameters)| parameters)
    }

    /// The configuration of a commitment for one opening (`uses = None`, [`HidingPcs::commit`])
    /// or for `uses` openings ([`HidingPcs::commit_reusable`]), with where a reusable
    /// commitment keeps its openings' randomness: in the message ([`Spread`]) or in the first oracle's encoding randomness
    /// (`None`; always for one opening). `used` is where the columns' slots end. First choice
    /// (proof format 20): the free tail of the smallest stack, when every limb's share of it
    /// holds the randomness ([`Spread::tail`]) — one opening's codeword, nothing is smaller.
    /// Else the spread of extra variables is chosen when its codeword is no larger
    /// than the other's, or at most 2^[`SPREAD_FREE_CODEWORD_VARS`] elements: its stack is
    /// larger (the columns' stack with `extra_vars` more variables), but each opening sends no
    /// `uses · t`-long code-switch mask, which at 256 uses is most of the opening (docs/ZK.md
    /// §6.1; measured: 2^16 columns at 16 / 128 / 256 uses 270 / 444 / 626 → 233 / 345 / 369
    /// KiB, 2^20 columns 390 / 589 / 865 → 370 / 367 / 366 KiB). Above that size the larger
    /// codeword (setup time, key size, the first sumcheck's memory) decides.
    ///
    /// The search builds and checks up to dozens of p3 configurations (a few ms), and one opening
    /// asks for its configuration three times on each side (absorbing the commitment, lifting the
    /// claims, proving or verifying), so the found ones are kept for the process
    /// ([`CONFIG_CACHE_ENTRIES`] at most; the search is deterministic in its key). Errors are
    /// not kept.
    pub(super) fn placement_for(
        &self,
        min_vars: usize,
        used: usize,
        uses: Option<usize>,
    ) -> Result<(usize, HidingConfig, Option<Spread>), PcsError> {
        type Key = (PcsConfig, HidingShape, usize, usize, Option<usize>);
        type Found = (usize, HidingConfig, Option<Spread>);
        static CACHE: std::sync::OnceLock<std::sync::Mutex<std::collections::HashMap<Key, Found>>> =
            std::sync::OnceLock::new();
        let cache = CACHE.get_or_init(Default::default);
        let key = (self.config, self.shape, min_vars, used, uses);
        if let Some(found) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
            return Ok(found);
        }
        let found = self.search_placement(min_vars, used, uses)?;
        if let Ok(mut c) = cache.lock() {
            if c.len() >= CONFIG_CACHE_ENTRIES {
                c.clear();
            }
            c.insert(key, found.clone());
        }
        Ok(found)
    }

    /// The placement of `stack`'s columns for one opening (`uses = None`) or `uses` openings:
    /// the committed stack's number of variables, the p3 configuration, and `stack` with its
    /// [`Spread`] set (or none), so that no caller lays out, lifts or reads a stack without it.
    pub(super) fn place(
        &self,
        stack: Stack,
        uses: Option<usize>,
    ) -> Result<(usize, HidingConfig, Stack), PcsError> {
        let (vars, config, spread) =
            self.placement_for(stack.min_stacked_vars, stack.used, uses)?;
        Ok((vars, config, stack.with_spread(spread)))
    }

    /// [`HidingPcs::placement_for`] without the cache.
    pub(super) fn search_placement(
        &self,
        min_vars: usize,
        used: usize,
        uses: Option<usize>,
    ) -> Result<(usize, HidingConfig, Option<Spread>), PcsError> {
        match uses {
            None => self
                .hiding_config(min_vars)
                .map(|(vars, config)| (vars, config, None)),
            Some(uses) => {
                // The free tail needs no larger codeword than one opening's: nothing beats it.
                if let Some((vars, config, spread)) = self.tail_config(min_vars, used, uses) {
                    return Ok((vars, config, Some(spread)));
                }
                let codeword =
                    |vars: usize, config: &HidingConfig| vars + config.starting_log_inv_rate;
                match (
                    self.reusable_config(min_vars, uses),
                    self.spread_config(min_vars, uses),
                ) {
                    (Ok((vars, config)), Some((s_vars, s_config, _)))
                        if codeword(s_vars, &s_config)
                            > codeword(vars, &config).max(SPREAD_FREE_CODEWORD_VARS) =>
                    {
                        Ok((vars, config, None))
                    }
                    (_, Some((vars, config, spread))) => Ok((vars, config, Some(spread))),
                    (Ok((vars, config)), None) => Ok((vars, config, None)),
                    (Err(e), None) => Err(e),
                }
            }
        }
    }

    /// The configuration of a commitment opened up to `uses` times: the first oracle's
    /// randomness, `uses ×` one opening's queries per limb, must fit its slack and leave the
    /// randomized code's rate low enough for the security level, so the stack is enlarged or
    /// the first oracle's rate lowered (up to [`MAX_REUSE_EXTRA_RATE`] steps), the smallest
    /// codeword first (`2^(vars + log₂(1/rate))`), then the fewest variables.
    fn reusable_config(
        &self,
        min_vars: usize,
        uses: usize,
    ) -> Result<(usize, HidingConfig), PcsError> {
        self.reusable_parameters(min_vars, uses)
            .map(|(vars, config, _)| (vars, config))
    }

    /// [`HidingPcs::reusable_config`], with the p3 parameters the configuration was built from.
    fn reusable_parameters(
        &self,
        min_vars: usize,
        uses: usize,
    ) -> Result<(usize, HidingConfig, HidingParameters), PcsError> {
        if uses == 0 || uses > MAX_USES {
            return Err(PcsError::ReuseBudget {
                uses,
                reason: format!("the number of openings must be 1 to {MAX_USES}"),
            });
        }
        let base = self.config.log_inv_rate;
        let first = min_vars.max(self.config.folding_factor);
        let last = self.config.max_stacked_vars();
        let mut candidates: Vec<(usize, usize)> = (first..=last)
            .flat_map(|vars| (base..=base + MAX_REUSE_EXTRA_RATE).map(move |rate| (vars, rate)))
            .collect();
        candidates.sort_by_key(|&(vars, rate)| (vars + rate, vars));
        self.hiding_parameters_among(candidates.into_iter(), uses, min_vars)
            .map_err(|e| match e {
                PcsError::Config { reason, .. } => PcsError::ReuseBudget { uses, reason },
                other => other,
            })
    }

    /// The configuration of a commitment opened up to `uses` times that keeps the openings'
    /// randomness in its message ([`Spread`]): a one-opening configuration of a stack with
    /// `extra_vars` more variables than the columns need, whose limbs each carry at least `uses`
    /// times the first round's queries of random message coefficients — the smallest codeword
    /// first, then the fewest variables. `None` if no stack up to the largest fits.
    fn spread_config(&self, min_vars: usize, uses: usize) -> Option<(usize, HidingConfig, Spread)> {
        // One opening: the encoding randomness is one opening's queries, nothing to move.
        if !self.shape.reuse_in_message || !(2..=MAX_USES).contains(&uses) {
            return None;
        }
        let base = self.config.log_inv_rate;
        let first = min_vars.max(self.config.folding_factor) + 1;
        let last = self.config.max_stacked_vars();
        let mut candidates: Vec<(usize, usize)> = (first..=last)
            .flat_map(|vars| (base..=base + MAX_REUSE_EXTRA_RATE).map(move |rate| (vars, rate)))
            .collect();
        candidates.sort_by_key(|&(vars, rate)| (vars + rate, vars));
        candidates.into_iter().find_map(|candidate| {
            let (vars, config, _) = self
                .hiding_parameters_among(std::iter::once(candidate), 1, min_vars)
                .ok()?;
            if config.n_rounds() == 0 {
                return None;
            }
            let limb_vars = config.round_folding_factor(0);
            let columns_vars = min_vars.max(limb_vars);
            let spread = Spread::extra(
                limb_vars,
                vars.checked_sub(columns_vars).filter(|&e| e > 0)?,
            );
            let queries = config.oracle_randomness().first().copied()?;
            (spread.randomness_per_limb(vars, 0) >= uses.checked_mul(queries)?)
                .then_some((vars, config, spread))
        })
    }

    /// The configuration of a commitment opened up to `uses` times that keeps the openings'
    /// randomness in the columns' stack's free tail ([`Spread::tail`], proof format 20): the
    /// one-opening configuration of the smallest stack that holds the columns (ending at
    /// `used`), at the base rate, if every limb's share of the unused part has at least `uses`
    /// times the first round's queries. `None` otherwise.
    fn tail_config(
        &self,
        min_vars: usize,
        used: usize,
        uses: usize,
    ) -> Option<(usize, HidingConfig, Spread)> {
        if !self.shape.reuse_in_message || !(2..=MAX_USES).contains(&uses) {
            return None;
        }
        let vars = min_vars.max(self.config.folding_factor);
        let (config, spread, queries) = self.tail_shape(vars)?;
        (spread.randomness_per_limb(vars, used) >= uses.checked_mul(queries)?)
            .then_some((vars, config, spread))
    }

    /// The one-opening configuration of a stack of exactly `vars` variables at the base rate,
    /// its free-tail [`Spread`] and its first round's queries, if such a stack can keep a
    /// reusable commitment's randomness in its tail (a code-switching round, more variables
    /// than the first fold). Shared by [`HidingPcs::tail_config`] and
    /// [`HidingPcs::tail_room`].
    pub(super) fn tail_shape(&self, vars: usize) -> Option<(HidingConfig, Spread, usize)> {
        let candidate = (vars, self.config.log_inv_rate);
        let (found, config, _) = self
            .hiding_parameters_among(std::iter::once(candidate), 1, vars)
            .ok()?;
        if found != vars || config.n_rounds() == 0 {
            return None;
        }
        let spread = Spread::tail(config.round_folding_factor(0));
        let queries = config.oracle_randomness().first().copied()?;
        (vars > spread.limb_vars).then_some((config, spread, queries))
    }

    /// The p3-whir instance for `config`, its salts and masks drawn from fresh OS randomness.
    fn instance(&self, config: HidingConfig) -> Result<HidingWhir, PcsError> {
        Ok(HidingWhir::new(
            config,
            self.dft.clone(),
            self.salted_mmcs()?,
            self.fresh_rng()?,
        ))
    }

    /// The salted Keccak tree every hiding oracle is committed with, its salts drawn from fresh
    /// OS randomness.
    fn salted_mmcs(&self) -> Result<SaltedKeccakMmcs, PcsError> {
        Ok(SaltedKeccakMmcs::new(
            LeafHash::new(crate::TruncatedKeccak),
            NodeCompress::new(crate::TruncatedKeccak),
            0,
            self.fresh_rng()?,
        ))
    }

    fn absorb_shapes(&self, num_vars: &[u32], stacked_vars: usize, transcript: &mut Transcript) {
        transcript.absorb_fields(LABEL_CONFIG, &self.absorbed_config(stacked_vars));
        let shapes: Vec<F> = num_vars.iter().map(|&n| F::from_u32(n)).collect();
        transcript.absorb_fields(LABEL_SHAPES, &shapes);
    }

    /// The configuration as [`HidingPcs::absorb_commitment`] absorbs it under [`LABEL_CONFIG`]
    /// for a stack of `stacked_vars` variables. Not part of the stable API.
    #[doc(hidden)]
    #[must_use]
    pub fn absorbed_config(&self, stacked_vars: usize) -> Vec<F> {
        let c = &self.config;
        [
            c.security_bits,
            c.log_inv_rate,
            c.folding_factor,
            c.pow_bits,
            c.soundness as usize,
            MASK_LENGTH,
            self.shape.mask_log_inv_rate,
            SALT_ELEMS,
            stacked_vars,
            match self.shape.folds {
                FoldPlan::Constant => 0,
                FoldPlan::Rounds(r) => r + 1,
                FoldPlan::MaxFold(m) => 1000 + m,
            },
            self.shape.round_log_inv_rate.map_or(0, |r| r + 1),
            usize::from(self.shape.account_randomness),
        ]
        .iter()
        .map(|&x| F::from_u64(x as u64))
        .collect()
    }

    /// A reusable commitment absorbs its budget and first-oracle rate (both also in p3's own
    /// transcript description); a one-use commitment absorbs nothing more (its transcript is
    /// the one of proof formats 5–7).
    ///
    /// Since proof format 19 it also absorbs where the openings' randomness is: the spread's
    /// limb and extra variables, `(0, 0)` for the first oracle's encoding randomness; since
    /// format 20 also whether the spread is in the stack's free tail (1) or not (0).
    fn absorb_uses(
        &self,
        uses: Option<usize>,
        config: &HidingConfig,
        spread: Option<Spread>,
        transcript: &mut Transcript,
    ) {
        if let Some(uses) = uses {
            let budget = config.oracle_randomness().first().copied().unwrap_or(0);
            let (limb, extra, interleaved) = spread.map_or((0, 0, false), |s| {
                (s.limb_vars, s.extra_vars, s.interleaved)
            });
            let fields = [
                uses,
                config.starting_log_inv_rate,
                budget,
                limb,
                extra,
                usize::from(interleaved),
            ]
            .map(|x| F::from_u64(x as u64));
            transcript.absorb_fields(LABEL_USES, &fields);
        }
    }

    fn absorb_claims(
        &self,
        claims: &[crate::ColumnClaim],
        stack: &[StackClaim],
        transcript: &mut Transcript,
    ) {
        for claim in claims {
            transcript.absorb_u64(LABEL_CLAIM_COLUMN, claim.column as u64);
            transcript.absorb_exts(LABEL_CLAIM_POINT, &claim.point);
            transcript.absorb_ext(LABEL_CLAIM_VALUE, claim.value);
        }
        for claim in stack {
            transcript.absorb_exts(LABEL_STACK_CLAIM_POINT, &claim.point);
            transcript.absorb_ext(LABEL_CLAIM_VALUE, claim.value);
        }
    }
}

impl PcsConfig {
    /// The hiding commitment's parameters: [`PcsConfig::default`] in the unique-decoding
    /// regime, one rate step lower (1/8) and two more grinding bits (18) — what
    /// [`PcsConfig::hiding_for`] derives from the default plain settings.
    ///
    /// Why unique decoding: under the Johnson bound, p3-whir's own (diagnostic) accounting of
    /// the masked base case's shared-challenge round keeps at most 79 bits at any mask rate,
    /// rate and schedule tried (the candidate lists of all mask codes multiply against a
    /// 128-bit field); in unique decoding the lists have one element and the round keeps
    /// ≥ 109 bits at every size. See docs/ZK.md §4.1.
    ///
    /// Why rate 1/8 and 18 bits: in unique decoding every oracle is queried ~85–125 times
    /// whatever its size, so the first oracle's queries (rate 1/4: 124 at 16 bits; 1/8: 99
    /// at 18 bits) are worth buying down: 2–4% smaller proofs at 2^17–2^22 for a prover still
    /// faster than the first version's (docs/ZK.md §5), and the first round's bound at the
    /// randomized code's real rate moves from 97.9 to 99.4 bits or more.
    #[must_use]
    pub fn hiding_default() -> Self {
        Self::default().hiding_for()
    }

    /// The hiding commitment's parameters for a key whose plain commitment uses `self`: the
    /// same security level and folding factor, in the unique-decoding regime, with the rate one
    /// step lower and two more grinding bits (see [`PcsConfig::hiding_default`]).
    #[must_use]
    pub fn hiding_for(self) -> Self {
        Self {
            soundness: Soundness::UniqueDecoding,
            log_inv_rate: self.log_inv_rate + 1,
            pow_bits: self.pow_bits + 2,
            ..self
        }
    }
}

/// The most bits [`HidingShape::account_randomness`] adds to the level handed to p3.
const MAX_EXTRA_BITS: usize = 8;
/// The most grinding bits [`HidingShape::account_randomness`] adds at an unchanged level.
const EXTRA_POW_BITS: usize = 2;

/// The least, over the code-switching rounds, of the query bound with grinding at the rate
/// of the randomized code the round tests: `q·(−log₂(1 − δ)) + pow` with the unique-decoding
/// radius `δ = (1 − ρ')/2` and `ρ' = (M + t)/H` (`M` message rows of the oracle, `t` its
/// random rows, `H` its positions — p3's own slack check uses the same `M`, `t`, `H`).
/// `+∞` without rounds (p3 sizes the terminal oracle at its randomized rate itself).
fn randomized_round_bits(config: &HidingConfig, vars: usize, start_log_inv_rate: usize) -> f64 {
    round_bits(config, vars, start_log_inv_rate, true)
}

/// As [`randomized_round_bits`]; with `randomized = false`, at the plain rate `M/H` p3 budgets
/// the rounds with (its own accounting, `p3_whir::WhirConfig::new`: queries for
/// `security_level − pow_bits`, then grinding for the rest).
fn round_bits(
    config: &HidingConfig,
    vars: usize,
    start_log_inv_rate: usize,
    randomized: bool,
) -> f64 {
    let rounds = config.round_parameters();
    let mut bits = f64::INFINITY;
    for (i, round) in rounds.iter().enumerate() {
        let (rows, height) = if i == 0 {
            let rows = 1usize << vars.saturating_sub(config.round_folding_factor(0));
            (rows, rows << start_log_inv_rate)
        } else {
            let Some(prev) = rounds.get(i - 1) else {
                return 0.0;
            };
            let rows = 1usize
                << prev
                    .num_variables
                    .saturating_sub(config.round_folding_factor(i));
            (rows, rows << prev.log_inv_rate)
        };
        let t = if randomized {
            config
                .oracle_randomness()
                .get(i)
                .copied()
                .unwrap_or(usize::MAX)
        } else {
            0
        };
        let rho = (rows.saturating_add(t)) as f64 / height as f64;
        if rho >= 1.0 {
            return 0.0;
        }
        let per_query = -(1.0 - (1.0 - rho) / 2.0).log2();
        bits = bits.min(round.num_queries as f64 * per_query + round.pow_bits as f64);
    }
    bits
}

/// Parameters below [`MIN_SECURITY_BITS`], or in a list-decoding regime, are refused, by the
/// prover and the verifier alike.
fn check_security(config: &PcsConfig) -> Result<(), PcsError> {
    config.check_digest_bound()?;
    if config.security_bits < MIN_SECURITY_BITS {
        return Err(PcsError::SecurityTooLow {
            min: MIN_SECURITY_BITS,
            got: config.security_bits,
        });
    }
    if config.soundness != Soundness::UniqueDecoding {
        return Err(PcsError::HidingRegime {
            got: config.soundness,
        });
    }
    Ok(())
}

/// A verifier's check of the level p3's configuration was built for: at least
/// [`MIN_SECURITY_BITS`].
fn check_level(config: &HidingConfig) -> Result<(), PcsError> {
    if config.security_level < MIN_SECURITY_BITS {
        return Err(PcsError::SecurityTooLow {
            min: MIN_SECURITY_BITS,
            got: config.security_level,
        });
    }
    Ok(())
}

/// A verifier's check of the values a proof opens: one per claim point (`points` of them), each
/// the claimed one ([`check_values`]).
fn check_opened(
    points: usize,
    evals: &[zkinfer_field::EF],
    claimed: impl Iterator<Item = zkinfer_field::EF>,
) -> Result<(), PcsError> {
    if evals.len() != points {
        return Err(PcsError::ProofShape {
            what: "opened values",
            expected: points,
            got: evals.len(),
        });
    }
    check_values(evals, claimed)
}

/// The values an opening proves (`evals`, p3's) against the claimed ones, in claim order: the
/// first that differs is a [`PcsError::ValueMismatch`].
fn check_values(
    evals: &[zkinfer_field::EF],
    claimed: impl Iterator<Item = zkinfer_field::EF>,
) -> Result<(), PcsError> {
    for (i, (&expected, got)) in evals.iter().zip(claimed).enumerate() {
        if expected != got {
            return Err(PcsError::ValueMismatch {
                claim: i,
                expected,
                got,
            });
        }
    }
    Ok(())
}

/// p3-whir's report on the masked base case must show the security level in both of its
/// rounds: the shared-challenge round as a proven bound, the query round after grinding (the
/// same grinding credit every WHIR round takes).
fn check_report(
    config: &HidingConfig,
    stacked_vars: usize,
    required: usize,
) -> Result<(), PcsError> {
    // p3's report asserts on its geometry; a configuration it cannot describe is refused.
    let report = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        config.hiding_base_case_security_report()
    }))
    .map_err(|_| PcsError::HidingSoundness {
        stacked_vars,
        term: "p3-whir's base-case report (could not be computed)",
        got: 0,
        required,
    })?;
    let terms = [
        (
            "the base case's shared-challenge round",
            report.gamma_round.combined.proven_bits(),
        ),
        (
            "the base case's query round (with grinding)",
            report.query_round.with_pow.bits,
        ),
    ];
    for (term, bits) in terms {
        let bits = bits.unwrap_or(0.0);
        if bits < required as f64 {
            return Err(PcsError::HidingSoundness {
                stacked_vars,
                term,
                got: bits as usize,
                required,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
