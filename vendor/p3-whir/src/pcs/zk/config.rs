//! Derived configuration for the HVZK-WHIR pipeline.

use alloc::vec::Vec;
use core::iter::once;
use core::ops::Deref;

use p3_challenger::{FieldChallenger, GrindingChallenger};
use p3_field::{ExtensionField, Field, TwoAdicField};
use p3_util::log2_ceil_usize;
use thiserror::Error;

use super::base_case::BaseCaseZkConfig;
use super::committer::FoldedRsCode;
use super::mask::{MaskCodeShape, MaskGroupShape};
use crate::parameters::{
    ProtocolParameters, SecurityAssumption, TerminalBudget, WhirConfig, WhirConfigError,
};

/// Reasons ZK parameters cannot extend a WHIR configuration.
#[derive(Debug, Error)]
pub enum ZkConfigError {
    /// The underlying WHIR configuration is invalid.
    #[error(transparent)]
    Whir(#[from] WhirConfigError),

    /// A reusable commitment must be usable at least once (zkinfer patch).
    #[error("a commitment must allow at least one opening")]
    ZeroUses,

    /// A reusable commitment needs a code-switching round (zkinfer patch):
    /// without one the initial oracle is the base case's source.
    #[error("a commitment opened more than once needs at least one code-switching round")]
    ReusableNeedsRound,

    /// The mask code message length is below the HVZK sumcheck minimum.
    #[error("sumcheck mask length {ell_zk} is below the minimum of 3")]
    MaskLengthTooSmall { ell_zk: usize },

    /// The mask code has no rate expansion, so its distance is too small
    /// for the spot checks to bind.
    #[error("mask_log_inv_rate must be at least 1")]
    MaskRateTooHigh,

    /// An oracle's randomness rows do not fit inside its codeword slack.
    #[error("round {round}: {randomness} randomness rows exceed the {slack} spare codeword rows")]
    RandomnessExceedsSlack {
        round: usize,
        randomness: usize,
        slack: usize,
    },

    /// A mask code domain exceeds the extension field two-adicity.
    ///
    /// - Mask codewords are evaluated over an extension-field two-adic subgroup.
    /// - A domain past the two-adicity has no generator.
    /// - Rejecting here surfaces the failure before any encoding runs.
    #[error("mask domain 2^{log_domain_size} exceeds extension-field two-adicity 2^{two_adicity}")]
    MaskDomainExceedsTwoAdicity {
        log_domain_size: usize,
        two_adicity: usize,
    },
}

/// User-facing ZK extension of [`ProtocolParameters`].
///
/// - The mask spot-check count `t_zk` is not a knob.
/// - [`ZkWhirConfig::new`] derives it from `security_level` and
///   `mask_log_inv_rate`.
/// - This budgets the mask query-miss branch only. It does not certify the
///   randomized source geometry or the shared-challenge MCA/list terms; inspect
///   [`ZkWhirConfig::hiding_base_case_security_report`] for those diagnostics.
#[derive(Debug, Clone)]
pub struct ZkParameters {
    /// Mask code message length `ell_zk` for the HVZK sumcheck (at least 3).
    pub ell_zk: usize,
    /// Log inverse rate of the mask codewords; sets the mask code distance.
    pub mask_log_inv_rate: usize,
    /// zkinfer patch: credit the base case's shared grind to the mask spot
    /// checks (`t_zk` sized for `security_level - pow + union` instead of
    /// `security_level + union`). The grind is checked before any source or
    /// mask spot position is drawn, which is why p3-security's
    /// `query_round.with_pow` already credits it to every mask group; `false`
    /// is upstream's choice (masks at the full level).
    pub mask_grinding_credit: bool,
}

/// Fully derived HVZK-WHIR configuration.
///
/// Wraps the plain [`WhirConfig`] round structure and adds the ZK budgets:
/// per-oracle encoding randomness, mask code shapes, and spot-check counts.
///
/// Fields are written only by the constructor in this module; the budgets
/// are read through accessors.
///
/// ```
/// use p3_field::{ExtensionField, Field};
/// use p3_whir::ZkWhirConfig;
///
/// fn first_budget<EF: ExtensionField<F>, F: Field, C>(config: &ZkWhirConfig<EF, F, C>) -> usize {
///     config.oracle_randomness()[0]
/// }
/// ```
///
/// ```compile_fail
/// use p3_field::{ExtensionField, Field};
/// use p3_whir::ZkWhirConfig;
///
/// fn weaken<EF: ExtensionField<F>, F: Field, C>(config: &mut ZkWhirConfig<EF, F, C>) {
///     config.oracle_randomness[0] = 0;
/// }
/// ```
#[derive(Debug, Clone)]
pub struct ZkWhirConfig<EF, F, Challenger>
where
    F: Field,
    EF: ExtensionField<F>,
{
    /// Plain WHIR round structure reused by the hiding pipeline.
    ///
    /// Folding factors, outer domains, query counts, and the active PoW
    /// phases carry over. Commitment OOD samples are omitted by HVZK-WHIR,
    /// while the plain final folding sumcheck is replaced by the masked base
    /// case. Consequently, `commitment_ood_samples` and
    /// `final_folding_pow_bits` are not transcript steps here;
    /// `final_sumcheck_rounds` still determines the terminal message length.
    /// `inner.terminal` sizes the plain message code. The base case runs
    /// against a randomized code instead, sized by `randomized_terminal`.
    pub(crate) inner: WhirConfig<EF, F, Challenger>,
    /// ZK extension parameters.
    pub(crate) zk: ZkParameters,
    /// Budget of the masked base case against the randomized terminal source code.
    ///
    /// The base case tests proximity to a code of dimension
    /// `message_len + randomized_terminal.num_queries`, not the plain message code
    /// `inner.terminal` was sized against. The query count is also the terminal
    /// oracle's randomness budget, i.e. `oracle_randomness[n_rounds]`.
    pub(crate) randomized_terminal: TerminalBudget,
    /// ZK randomness coefficients per limb of each committed oracle
    /// `u_0, ..., u_{n_rounds}`.
    ///
    /// Budget rule: at least the spot checks ever opened against the oracle.
    /// Every opening is then simulatable.
    ///
    /// For an oracle with `M` message rows and outer height `H`, a randomized
    /// limb occupies `M + t_i` coefficient slots. The inherited
    /// `log_inv_rate` fixes the outer geometry `H / M`, not that coefficient
    /// occupancy. [`ZkWhirConfig::new`] therefore enforces `M + t_i <= H` for
    /// every oracle.
    pub(crate) oracle_randomness: Vec<usize>,
    /// Mask code for the HVZK sumcheck rounds.
    pub(crate) sumcheck_mask: MaskCodeShape,
    /// Mask code per code-switching round.
    /// It commits the previous oracle's folded randomness plus the OOD pad.
    pub(crate) switch_masks: Vec<MaskCodeShape>,
    /// Base-case spot checks per mask group, derived from `security_level`.
    pub(crate) mask_queries: usize,
}

impl<EF, F, Challenger> Deref for ZkWhirConfig<EF, F, Challenger>
where
    F: Field,
    EF: ExtensionField<F>,
{
    type Target = WhirConfig<EF, F, Challenger>;

    fn deref(&self) -> &Self::Target {
        &self.inner
    }
}

impl<EF, F, Challenger> ZkWhirConfig<EF, F, Challenger>
where
    F: Field,
    EF: ExtensionField<F>,
{
    /// Plain WHIR schedule the hiding pipeline reuses.
    #[must_use]
    pub const fn inner(&self) -> &WhirConfig<EF, F, Challenger> {
        &self.inner
    }

    /// ZK extension parameters the configuration was derived from.
    #[must_use]
    pub const fn zk(&self) -> &ZkParameters {
        &self.zk
    }

    /// Budget of the masked base case against the randomized terminal source code.
    ///
    /// `terminal()`, reached through `Deref`, is the plain budget `inner` was sized with.
    #[must_use]
    pub const fn randomized_terminal(&self) -> TerminalBudget {
        self.randomized_terminal
    }

    /// ZK randomness coefficients per limb of each committed oracle.
    #[must_use]
    pub fn oracle_randomness(&self) -> &[usize] {
        &self.oracle_randomness
    }

    /// How many openings the initial oracle's randomness covers (zkinfer patch):
    /// `oracle_randomness[0] / round_parameters[0].num_queries`, 1 without rounds.
    #[must_use]
    pub fn uses(&self) -> usize {
        match (self.oracle_randomness.first(), self.inner.round_parameters.first()) {
            (Some(&budget), Some(round)) if self.oracle_randomness.len() > 1 && round.num_queries > 0 => {
                budget / round.num_queries
            }
            _ => 1,
        }
    }

    /// Mask code for the HVZK sumcheck rounds.
    #[must_use]
    pub const fn sumcheck_mask(&self) -> MaskCodeShape {
        self.sumcheck_mask
    }

    /// Mask code per code-switching round.
    #[must_use]
    pub fn switch_masks(&self) -> &[MaskCodeShape] {
        &self.switch_masks
    }

    /// Base-case spot checks per mask group.
    #[must_use]
    pub const fn mask_queries(&self) -> usize {
        self.mask_queries
    }
}

impl<EF, F, Challenger> ZkWhirConfig<EF, F, Challenger>
where
    F: TwoAdicField,
    EF: ExtensionField<F> + TwoAdicField,
    Challenger: FieldChallenger<F> + GrindingChallenger<Witness = F>,
{
    /// Derives a full HVZK configuration.
    ///
    /// # Errors
    ///
    /// - The plain WHIR configuration is invalid.
    /// - The sumcheck mask is shorter than 3 coefficients.
    /// - An oracle's randomness rows do not fit in its codeword slack.
    pub fn new(
        num_variables: usize,
        params: ProtocolParameters,
        zk: ZkParameters,
    ) -> Result<Self, ZkConfigError> {
        Self::new_reusable(num_variables, params, zk, 1)
    }

    /// [`ZkWhirConfig::new`] for a commitment opened up to `uses` times
    /// (zkinfer patch, see `ZKINFER-PATCH.md`).
    ///
    /// - The initial oracle `u_0` is the only oracle shared between openings:
    ///   every later oracle, mask code, pad and base-case blind is drawn
    ///   fresh by each opening.
    /// - Each opening spot-checks `u_0` at `round_parameters[0].num_queries`
    ///   positions, so `uses` openings open at most `uses` times as many.
    /// - Its randomness budget is therefore `uses * num_queries` per limb,
    ///   and the code-switch mask of round 0 (which commits the folded
    ///   randomness plus the OOD pad) grows with it.
    /// - `uses = 1` is exactly [`ZkWhirConfig::new`].
    ///
    /// # Errors
    ///
    /// As [`ZkWhirConfig::new`]; [`ZkConfigError::ReusableNeedsRound`] if
    /// `uses > 1` and the schedule has no code-switching round (the initial
    /// oracle would be the base case's source, whose budget is its query
    /// count); [`ZkConfigError::RandomnessExceedsSlack`] if the grown budget
    /// does not fit the initial oracle's slack.
    pub fn new_reusable(
        num_variables: usize,
        params: ProtocolParameters,
        zk: ZkParameters,
        uses: usize,
    ) -> Result<Self, ZkConfigError> {
        if uses == 0 {
            return Err(ZkConfigError::ZeroUses);
        }
        if zk.ell_zk < 3 {
            return Err(ZkConfigError::MaskLengthTooSmall { ell_zk: zk.ell_zk });
        }
        // A rate-one mask code has minimal distance, so its spot checks
        // barely bind; require at least a 2x domain expansion.
        if zk.mask_log_inv_rate == 0 {
            return Err(ZkConfigError::MaskRateTooHigh);
        }

        let security_level = params.security_level;
        let soundness_type = params.soundness_type;

        let inner = WhirConfig::<EF, F, Challenger>::new(num_variables, params)?;
        let n_rounds = inner.n_rounds();

        // Re-derive the terminal query/PoW pair against the base case's
        // actual code, not the plain message code `inner` was sized for.
        //
        // The base case tests proximity to a code of dimension
        // `message_len + t`, where `t` is both the query count and the
        // randomness length (the budget rule below). Growing `t` can push
        // that dimension past a power-of-two boundary and lower the
        // analysed rate, which then demands a larger `t`;
        // `terminal_source_budget` iterates to that fixed point.
        let final_config = inner.final_round_config();
        let final_message_len = 1 << final_config.num_variables;
        let final_domain_size = final_config.domain_size >> final_config.folding_factor;
        let protocol_security_level = security_level.saturating_sub(inner.pow_bits);
        let (num_queries, pow_bits) = terminal_source_budget(
            soundness_type,
            security_level,
            protocol_security_level,
            final_message_len,
            final_domain_size,
            inner.terminal.num_queries,
        );
        let randomized_terminal = TerminalBudget {
            num_queries,
            pow_bits,
        };

        // Derive the mask spot-check count t_zk.
        //
        //     each mask spot-check branch is (1 - delta_zk)^{t_zk}
        //     union over the 2*n_rounds + 2 mask oracles -> + log2 of that
        //     upstream: no PoW credit on mask spot checks -> the full level
        //     zkinfer patch (opt-in): the base case grinds `pow_bits` before
        //       the source and every mask position are drawn -> credit it
        //     t_zk is also the mask randomness length -> t_zk-query private
        let union = log2_ceil_usize(2 * n_rounds + 2);
        let credit = if zk.mask_grinding_credit {
            randomized_terminal.pow_bits
        } else {
            0
        };
        let mask_queries = soundness_type.queries(
            (security_level + union).saturating_sub(credit),
            zk.mask_log_inv_rate,
        );

        // Per-oracle ZK budget.
        //
        //     oracle u_i, i < n_rounds  ->  opened by code-switch round i
        //     oracle u_{n_rounds}       ->  opened by the base case
        //
        // Each budget equals the spot checks of the round that consumes it.
        if uses > 1 && n_rounds == 0 {
            return Err(ZkConfigError::ReusableNeedsRound);
        }
        let oracle_randomness: Vec<usize> = (0..=n_rounds)
            .map(|i| {
                if i == 0 && i < n_rounds {
                    // zkinfer patch: the initial oracle is opened by every use.
                    inner.round_parameters[i].num_queries.saturating_mul(uses)
                } else if i < n_rounds {
                    inner.round_parameters[i].num_queries
                } else {
                    randomized_terminal.num_queries
                }
            })
            .collect();

        // Randomness rows must fit inside each oracle's coefficient slack:
        //
        //     H - M = (2^log_inv_rate - 1) * M >= t_i
        //     equivalently, M + t_i <= H
        //
        // The inherited log-inverse rate fixes the outer geometry H / M.
        // Randomized encoding instead occupies M + t_i coefficient slots.
        //
        // This is load-bearing for zero knowledge, not just a layout fit.
        // The base case opens at most `randomness` distinct positions per
        // oracle (the query budget equals the randomness budget), so the
        // bound keeps the opened set strictly inside the codeword: it never
        // saturates the domain, which would reveal a limb polynomial outright.
        for (round, &randomness) in oracle_randomness.iter().enumerate() {
            let (message_rows, height) = if round == 0 {
                let rows = 1 << (num_variables - inner.round_folding_factor(0));
                (rows, rows << inner.starting_log_inv_rate)
            } else {
                let prev = &inner.round_parameters[round - 1];
                let rows = 1 << (prev.num_variables - inner.round_folding_factor(round));
                (rows, rows * inner.inv_rate(round - 1))
            };
            let slack = height - message_rows;
            if randomness > slack {
                return Err(ZkConfigError::RandomnessExceedsSlack {
                    round,
                    randomness,
                    slack,
                });
            }
        }

        // Message length of each mask code: the sumcheck mask, then one
        // code-switch mask per round committing (Fold(r_j, gamma) || pad).
        //
        //     Fold(r_j, gamma)  ->  the previous oracle's per-limb randomness
        //     pad               ->  one coordinate per out-of-domain answer
        //
        // The pad covers every private OOD answer by construction.
        let mask_message_lens = once(zk.ell_zk).chain(
            (0..n_rounds).map(|j| oracle_randomness[j] + inner.round_parameters[j].ood_samples),
        );

        // Reject mask domains the extension field cannot host.
        //
        // The check is in log space, before the shift in `MaskCodeShape::new`,
        // so an oversized rate yields the typed error instead of overflowing.
        for message_len in mask_message_lens {
            let log_domain_size =
                log2_ceil_usize(message_len + mask_queries) + zk.mask_log_inv_rate;
            if log_domain_size > EF::TWO_ADICITY {
                return Err(ZkConfigError::MaskDomainExceedsTwoAdicity {
                    log_domain_size,
                    two_adicity: EF::TWO_ADICITY,
                });
            }
        }

        let sumcheck_mask = MaskCodeShape::new(zk.ell_zk, mask_queries, zk.mask_log_inv_rate);
        let switch_masks: Vec<MaskCodeShape> = (0..n_rounds)
            .map(|j| {
                MaskCodeShape::new(
                    oracle_randomness[j] + inner.round_parameters[j].ood_samples,
                    mask_queries,
                    zk.mask_log_inv_rate,
                )
            })
            .collect();

        Ok(Self {
            inner,
            zk,
            randomized_terminal,
            oracle_randomness,
            sumcheck_mask,
            switch_masks,
            mask_queries,
        })
    }

    /// zkinfer patch (item 17): the carried mask trees, each the groups it holds.
    ///
    /// Every fold batch's sumcheck masks are drawn and committed together, before the first
    /// batch, as one tree (the batches' groups side by side in batch order); each round's
    /// code-switch mask is a tree of its own. In order of first appearance:
    ///
    /// ```text
    ///     groups : sumcheck 0, switch 0, sumcheck 1, switch 1, sumcheck 2
    ///     trees  : [0, 2, 4], [1], [3]
    /// ```
    #[must_use]
    pub fn carried_trees(&self) -> Vec<Vec<usize>> {
        let mut trees = Vec::with_capacity(self.n_rounds() + 1);
        trees.push((0..=self.n_rounds()).map(|batch| 2 * batch).collect());
        trees.extend((0..self.n_rounds()).map(|round| alloc::vec![2 * round + 1]));
        trees
    }

    /// Mask oracle groups in chronological commit order.
    ///
    /// One `k`-wide group per fold batch, one width-one group per round.
    #[must_use]
    pub fn mask_groups(&self) -> Vec<MaskGroupShape> {
        let mut groups = Vec::with_capacity(2 * self.n_rounds() + 1);
        groups.push(MaskGroupShape {
            shape: self.sumcheck_mask,
            width: self.round_folding_factor(0),
        });
        for round in 0..self.n_rounds() {
            groups.push(MaskGroupShape {
                shape: self.switch_masks[round],
                width: 1,
            });
            groups.push(MaskGroupShape {
                shape: self.sumcheck_mask,
                width: self.round_folding_factor(round + 1),
            });
        }
        groups
    }

    /// Shape of the masked base case that closes a hiding run.
    ///
    /// Three readers need the closing phase's numbers.
    ///
    /// ```text
    ///     prover       ->  runs the phase
    ///     verifier     ->  replays it
    ///     description  ->  fixes its transcript
    /// ```
    ///
    /// All three read them here.
    ///
    /// None of the three can then drift from the others.
    ///
    /// The returned type is re-exported from the crate root, so an outside caller
    /// can name it and hand it to `ZkBaseCaseShape::new`.
    #[must_use]
    pub fn base_case_config(&self) -> BaseCaseZkConfig<F> {
        // The base case runs against the folded terminal oracle.
        //
        // It does not run against the plain message code.
        let final_config = self.final_round_config();
        BaseCaseZkConfig {
            code: FoldedRsCode::<F>::new(
                1 << final_config.num_variables,
                self.oracle_randomness[self.n_rounds()],
                final_config.domain_size >> final_config.folding_factor,
            ),
            mask_groups: self.mask_groups(),
            carried_trees: self.carried_trees(),
            num_queries: self.randomized_terminal.num_queries,
            mask_queries: self.mask_queries,
            pow_bits: self.randomized_terminal.pow_bits,
        }
    }
}

/// Occupancy-aware query count and PoW bits for the HVZK base case's
/// randomized terminal source code.
///
/// The base case tests proximity to a code of dimension
/// `message_len + t`, not the plain `message_len`-dimension message code
/// `t` was initially seeded from. Growing `t` can push that dimension past
/// a power-of-two boundary and lower the analysed rate, which then demands
/// a larger `t`. This iterates to the least fixed point at or above
/// `queries`; it terminates because the analysed rate only takes as many
/// distinct values as `domain_size` has bits.
fn terminal_source_budget(
    soundness_type: SecurityAssumption,
    security_level: usize,
    protocol_security_level: usize,
    message_len: usize,
    domain_size: usize,
    mut queries: usize,
) -> (usize, usize) {
    loop {
        let dyadic_dimension = (message_len + queries).next_power_of_two();
        if dyadic_dimension >= domain_size {
            // No positive-rate code remains for any finite query count;
            // report a count past the domain so the caller's slack check
            // rejects the configuration with a typed error.
            return (domain_size, 0);
        }
        let log_inv_rate = domain_size.ilog2() as usize - dyadic_dimension.ilog2() as usize;
        let next_queries = soundness_type.queries(protocol_security_level, log_inv_rate);
        if next_queries <= queries {
            let pow_bits = 0_f64
                .max(security_level as f64 - soundness_type.queries_error(log_inv_rate, queries));
            return (queries, libm::ceil(pow_bits) as usize);
        }
        queries = next_queries;
    }
}

#[cfg(test)]
mod tests {
    use alloc::vec;

    use p3_baby_bear::{BabyBear, Poseidon2BabyBear};
    use p3_challenger::DuplexChallenger;
    use p3_field::extension::BinomialExtensionField;

    use super::*;
    use crate::parameters::{FoldingFactor, SecurityAssumption};

    type F = BabyBear;
    type EF = BinomialExtensionField<F, 4>;
    type Perm = Poseidon2BabyBear<16>;
    type MyChallenger = DuplexChallenger<F, Perm, 16, 8>;

    /// Small ZK parameters: short masks, few spot checks.
    fn zk_params() -> ZkParameters {
        ZkParameters {
            ell_zk: 4,
            mask_log_inv_rate: 1,
            mask_grinding_credit: false,
        }
    }

    fn params() -> ProtocolParameters {
        ProtocolParameters {
            security_level: 32,
            pow_bits: 0,
            round_log_inv_rates: vec![],
            folding_factor: FoldingFactor::Constant(4),
            soundness_type: SecurityAssumption::CapacityBound,
            starting_log_inv_rate: 1,
        }
    }

    #[test]
    fn config_derives_budgets_and_mask_shapes() {
        let config = ZkWhirConfig::<EF, F, MyChallenger>::new(16, params(), zk_params()).unwrap();

        // One budget per committed oracle.
        assert_eq!(config.oracle_randomness.len(), config.n_rounds() + 1);
        // The last oracle absorbs the final spot checks.
        assert_eq!(
            config.oracle_randomness[config.n_rounds()],
            config.randomized_terminal.num_queries
        );
        // One code-switch mask per intermediate round.
        assert_eq!(config.switch_masks.len(), config.n_rounds());
        for (j, mask) in config.switch_masks.iter().enumerate() {
            assert_eq!(
                mask.message_len,
                config.oracle_randomness[j] + config.round_parameters[j].ood_samples
            );
        }
        // Mask oracle count: sumcheck masks plus code-switch masks.
        // Expected flat mask count: one per sumcheck round, one per
        // code-switching round.
        let expected_sumcheck_masks: usize = (0..=config.n_rounds())
            .map(|i| config.round_folding_factor(i))
            .sum();
        // Groups tile the flat mask list exactly.
        let group_total: usize = config.mask_groups().iter().map(|g| g.width).sum();
        assert_eq!(group_total, expected_sumcheck_masks + config.n_rounds());
    }

    #[test]
    fn config_rejects_short_sumcheck_mask() {
        let zk = ZkParameters {
            ell_zk: 2,
            ..zk_params()
        };
        let err = ZkWhirConfig::<EF, F, MyChallenger>::new(16, params(), zk).unwrap_err();
        assert!(matches!(
            err,
            ZkConfigError::MaskLengthTooSmall { ell_zk: 2 }
        ));
    }

    #[test]
    fn config_rejects_rate_one_mask_code() {
        // A rate-one mask code lacks the distance its spot checks rely on,
        // so the configuration is rejected.
        let zk = ZkParameters {
            mask_log_inv_rate: 0,
            ..zk_params()
        };
        let err = ZkWhirConfig::<EF, F, MyChallenger>::new(16, params(), zk).unwrap_err();
        assert!(matches!(err, ZkConfigError::MaskRateTooHigh));
    }

    #[test]
    fn config_rejects_randomness_that_exceeds_oracle_slack() {
        // n = 8, k = 3, and log inverse rate 1 give the sole oracle
        // (this schedule folds straight into the base case):
        //
        //     M = 2^(8 - 3) = 32 message rows
        //     H = 2 * M       = 64 outer rows
        //
        // Growing the query count to cover M's occupancy keeps pushing the
        // randomized dimension's power-of-two envelope up until it reaches
        // H, at which point no positive-rate code is left for any finite
        // query count. The budget search reports that as a count past the
        // domain, so the slack check rejects it deterministically.
        let protocol = ProtocolParameters {
            folding_factor: FoldingFactor::Constant(3),
            ..params()
        };
        let err = ZkWhirConfig::<EF, F, MyChallenger>::new(8, protocol, zk_params()).unwrap_err();
        let ZkConfigError::RandomnessExceedsSlack {
            round,
            randomness,
            slack,
        } = err
        else {
            panic!("expected RandomnessExceedsSlack, got {err:?}");
        };
        assert_eq!((round, randomness, slack), (0, 64, 32));
    }

    #[test]
    fn config_rejects_mask_domain_past_two_adicity() {
        // BabyBear's quartic extension has two-adicity 29 (27 + 2).
        //
        // A large mask_log_inv_rate pushes the mask code domain past that
        // subgroup, so the configuration is rejected.
        let zk = ZkParameters {
            mask_log_inv_rate: 26,
            ..zk_params()
        };
        let err = ZkWhirConfig::<EF, F, MyChallenger>::new(16, params(), zk).unwrap_err();
        let ZkConfigError::MaskDomainExceedsTwoAdicity {
            log_domain_size,
            two_adicity,
        } = err
        else {
            panic!("expected MaskDomainExceedsTwoAdicity, got {err:?}");
        };
        assert_eq!((log_domain_size, two_adicity), (32, 29));
    }

    #[test]
    fn mask_code_shape_rounds_domain_to_power_of_two() {
        let shape = MaskCodeShape::new(5, 3, 1);
        // (5 + 3).next_power_of_two() << 1 = 16.
        assert_eq!(shape.domain_size, 16);
    }

    #[test]
    fn base_case_spends_the_randomized_terminal_budget() {
        let config = ZkWhirConfig::<EF, F, MyChallenger>::new(16, params(), zk_params()).unwrap();
        let base = config.base_case_config();

        assert_eq!(base.num_queries, config.randomized_terminal.num_queries);
        assert_eq!(base.pow_bits, config.randomized_terminal.pow_bits);
        assert_eq!(
            base.code.randomness_len,
            config.randomized_terminal.num_queries
        );

        assert_ne!(
            config.randomized_terminal.num_queries,
            config.inner.terminal.num_queries
        );
        assert_eq!(
            (
                config.inner.terminal.num_queries,
                config.inner.terminal.pow_bits
            ),
            (5, 0)
        );
        assert_eq!(
            (
                config.randomized_terminal.num_queries,
                config.randomized_terminal.pow_bits
            ),
            (6, 0)
        );
    }
}
