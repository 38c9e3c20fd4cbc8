//! The per-proof witness commitment: hiding (the default, and the only kind `zkinfer prove`
//! makes) or plain (a benchmark-only comparison point, [`Hiding::Off`]).
//!
//! The witness columns — a committed input, committed activations, helper columns, lookup
//! multiplicities — are committed in one hiding commitment and opened once at the end of the
//! proof, in one of three ways:
//! - jointly with the private weights' one group (docs/ZK.md §15): [`zkinfer_pcs::HidingPcs`]
//!   (p3-whir's HVZK-WHIR over a salted Keccak Merkle tree) at the weights' stack size;
//! - on its own, stacked in at most 2^[`MASKED_MAX_VARS`] (proof format 25, docs/ZK.md §17):
//!   the masked opening, [`zkinfer_pcs::masked`], with [`masked_config`];
//! - on its own, larger: [`zkinfer_pcs::HidingPcs`] in the unique-decoding version of the key's
//!   commitment settings ([`hiding_config`]).
//!
//! The randomness comes from the OS. The weights are committed at setup, their root is in the
//! verifying key (docs/ZK.md §6.1).
//!
//! The verifier accepts a plain or a hiding witness commitment wherever it is opened on its own:
//! soundness does not depend on which one the prover chose (each is a binding commitment checked
//! at its own security level), and what a proof hides is the prover's business — a prover can
//! always publish its own data. It refuses a masked commitment where the key and the witness's
//! shapes call for a joint opening or the stack is over 2^[`MASKED_MAX_VARS`], and a proof whose
//! commitment and opening are of different kinds.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

use serde::{Deserialize, Serialize};
use zkinfer_field::{F, Transcript};
use zkinfer_pcs::masked::{
    MaskedBatchCommitment, MaskedBatchData, MaskedConfig, MaskedError, MaskedPcs, MaskedProof,
};
use zkinfer_pcs::{
    ColumnClaim, Commitment, CommittedData, HidingCommitment, HidingCommittedData,
    HidingOpeningProof, HidingPcs, JointShape, OpeningProof, Pcs, PcsConfig, PcsError, StackClaim,
};

use crate::error::{ProveError, VerifyError};

/// Whether the prover hides its witness commitment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Hiding {
    /// Hiding commitment (the default and the only kind the CLI, the library and the bindings
    /// make).
    #[default]
    On,
    /// Plain commitment: a benchmark-only comparison point ([`crate::prover::prove_non_zk_for_bench`]).
    Off,
}

/// The commitment settings of the hiding witness commitment for a key whose commitment
/// settings are `pcs`: [`PcsConfig::hiding_for`] — the same security level and folding, in the
/// unique-decoding regime that [`HidingPcs`] requires (docs/ZK.md §4.1), one rate step lower
/// and two more grinding bits (docs/ZK.md §5; proof format 5).
#[must_use]
pub fn hiding_config(pcs: PcsConfig) -> PcsConfig {
    pcs.hiding_for()
}

/// The largest columns' stack a witness opened on its own is committed with the masked opening
/// ([`masked_config`]), in variables; a larger one keeps [`HidingPcs`]. 2^22 is the largest size
/// the masked opening's prover has been measured at (docs/BENCHMARKS.md); its prover
/// materialises the masked stack (twice the columns' in the half layout) and an `EF` weight table
/// of that size.
pub const MASKED_MAX_VARS: usize = 22;

/// The rate of the masked opening's plain opening of its folded polynomial `P₁` is at most
/// `2^−MASKED_PLAIN_LOG_INV_RATE` (proof format 26). `P₁` has a thirty-second of the stack's
/// entries, so its codeword at rate 1/32 is a quarter of the first round's (at 1/8); each halving
/// of the rate saves 3–5 KiB of queries (measured 1/4 → 1/32: LeNet-5's proof 211.8 → 195.6
/// KiB, docs/BENCHMARKS.md).
pub const MASKED_PLAIN_LOG_INV_RATE: usize = 5;

/// The folding factor of the masked opening's plain opening of its folded polynomial `P₁`
/// (proof format 29; before, the key's, 4). At rate 1/32 a fold of 5 takes one WHIR round fewer
/// than 4 for `P₁` of 2^13–2^16: 1.5–5 KiB smaller proofs at the same prover time and memory; 6
/// gave 10–15 KiB larger ones (its rows of 64 values outweigh the round it saves; measured in
/// docs/BENCHMARKS.md, "Blinded LogUp layers at their own degrees").
pub const MASKED_PLAIN_FOLD: usize = 5;

/// The first fold of a witness opened on its own with the masked opening.
pub const MASKED_FOLD: usize = 5;

/// The first folds setup chooses from for a key's masked weights commitment, which the
/// witness's commitment then shares (key format 14, [`crate::weights::masked_joint_vars`]).
pub const MASKED_JOINT_FOLDS: [usize; 2] = [4, MASKED_FOLD];

/// The masked opening's settings for a witness opened on its own under a key whose commitment
/// settings are `pcs`: [`masked_config_with_fold`] at [`MASKED_FOLD`].
#[must_use]
pub fn masked_config(pcs: PcsConfig) -> MaskedConfig {
    masked_config_with_fold(pcs, MASKED_FOLD)
}

/// The masked opening's settings for a key whose commitment settings are `pcs` and a first fold
/// of `fold` variables (docs/PROOF_SIZE.md §2.i, proof formats 25–27): rate 1/8 with 19 bits of
/// grinding at the key's security level, its rows counted at the Johnson bound and each fold
/// ground (proof format 27, docs/ZK.md §19: 57 rows at 100 bits), then a plain opening of the
/// folded polynomial with the key's security settings at a rate of at most
/// [`MASKED_PLAIN_LOG_INV_RATE`] and a fold of [`MASKED_PLAIN_FOLD`].
#[must_use]
pub fn masked_config_with_fold(pcs: PcsConfig, fold: usize) -> MaskedConfig {
    let mut config = MaskedConfig::new(pcs.security_bits, fold, 3, 19);
    config.plain = PcsConfig {
        log_inv_rate: pcs.log_inv_rate.max(MASKED_PLAIN_LOG_INV_RATE),
        folding_factor: MASKED_PLAIN_FOLD,
        ..pcs
    };
    config
}

/// Variables of the opening mask: a column of `2^OPENING_MASK_VARS` random base-field
/// elements in the hiding witness batch (after the lookups' blinding column, before the mask
/// pool) that no claim is ever made on. The witness claims are reduced to one claim on the
/// whole stack at a random point (docs/ZK.md §13); its value mixes in this column's
/// multilinear extension at that point, which makes it uniform.
pub const OPENING_MASK_VARS: usize = 4;

/// The largest stack a hiding witness commitment may have, in variables: the mask pool
/// budgets the final stack reduction for this many ([`crate::channel::Channel::count_reduction`]).
pub const MAX_STACK_VARS: usize = 40;

/// A fresh opening mask from the OS.
pub(crate) fn opening_mask() -> Vec<F> {
    use rand::{Rng, SeedableRng};
    use zkinfer_field::{PrimeCharacteristicRing, PrimeField64};
    let mut rng = rand::rngs::StdRng::from_os_rng();
    (0..1usize << OPENING_MASK_VARS)
        .map(|_| {
            loop {
                let v: u64 = rng.random();
                if v < F::ORDER_U64 {
                    break F::from_u64(v);
                }
            }
        })
        .collect()
}

/// The witness commitment in a proof.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum WitnessCommitment {
    /// Hiding (HVZK-WHIR, salted leaves).
    Hiding(HidingCommitment),
    /// Plain (benchmark-only proofs).
    Plain(Commitment),
    /// Masked (proof format 25): a witness opened on its own, stacked in at most
    /// 2^[`MASKED_MAX_VARS`] (docs/PROOF_SIZE.md §2.i).
    Masked(MaskedBatchCommitment),
}

/// The opening of the witness claims in a proof.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum WitnessOpening {
    /// Of a [`WitnessCommitment::Hiding`].
    Hiding(HidingOpeningProof),
    /// Of a [`WitnessCommitment::Plain`].
    Plain(OpeningProof),
    /// Of a [`WitnessCommitment::Hiding`] made for a joint opening, together with the private
    /// weights' one group (proof format 21, docs/ZK.md §15): the claims on both in one
    /// HVZK-WHIR run; the proof's weights opening is then empty.
    Joint(HidingOpeningProof),
    /// Of a [`WitnessCommitment::Masked`]: a masked first round, then a plain opening of the
    /// folded polynomial.
    Masked(Box<MaskedProof>),
}

/// How a witness is opened jointly with the private weights ([`crate::weights::joint`]).
#[allow(
    clippy::large_enum_variant,
    reason = "one value per proof, built once and borrowed"
)]
pub(crate) enum Joint {
    /// With the weights' one HidingPcs group: its engine and the joint shape (docs/ZK.md §15).
    Hiding(HidingPcs, JointShape),
    /// With the weights' masked commitment (docs/ZK.md §18): the witness committed in a masked
    /// stack of the weights' size and first fold.
    Masked(crate::weights::MaskedJoint),
}

/// The prover's side of a witness commitment, until it is opened.
pub(crate) enum WitnessData {
    Hiding(HidingPcs, Box<HidingCommittedData>),
    Plain(Pcs, Box<CommittedData>),
    /// Committed for a joint opening with the weights (opened by the weights' groups).
    Joint(Box<HidingCommittedData>),
    Masked(MaskedPcs, Box<MaskedBatchData>),
}

/// The witness's stack, for reducing column claims to one claim on it (docs/ZK.md §13).
pub(crate) enum StackView<'a> {
    Hiding(&'a HidingCommittedData),
    Masked(&'a MaskedBatchData),
}

impl StackView<'_> {
    /// Each claim's point on the stack.
    pub(crate) fn lift(
        &self,
        claims: &[ColumnClaim],
    ) -> Result<Vec<Vec<zkinfer_field::EF>>, PcsError> {
        match self {
            Self::Hiding(d) => d.lift(claims),
            Self::Masked(d) => d.lift(claims),
        }
    }

    /// The stack's values.
    pub(crate) fn stacked_values(&self) -> std::borrow::Cow<'_, [F]> {
        match self {
            Self::Hiding(d) => std::borrow::Cow::Borrowed(d.stacked_values()),
            Self::Masked(d) => d.stacked_values(),
        }
    }
}

impl WitnessCommitment {
    /// The number of variables of each committed column.
    #[must_use]
    pub fn num_vars(&self) -> &[u32] {
        match self {
            Self::Hiding(c) => c.num_vars(),
            Self::Plain(c) => c.num_vars(),
            Self::Masked(c) => &c.num_vars,
        }
    }

    /// Whether it is hiding.
    #[must_use]
    pub fn is_hiding(&self) -> bool {
        matches!(self, Self::Hiding(_) | Self::Masked(_))
    }
}

#[allow(
    clippy::needless_pass_by_value,
    reason = "the shape `map_err` passes the error in"
)]
fn backend(e: PcsError) -> ProveError {
    ProveError::Backend(e.to_string())
}

#[allow(
    clippy::needless_pass_by_value,
    reason = "the shape `map_err` passes the error in"
)]
fn masked_backend(e: MaskedError) -> ProveError {
    ProveError::Backend(e.to_string())
}

/// Whether a witness of columns of `num_vars` opened on its own takes the masked opening.
fn takes_masked(pcs: PcsConfig, num_vars: &[usize]) -> bool {
    MaskedPcs::new(masked_config(pcs))
        .batch_stacked_vars(num_vars)
        .is_some_and(|d| d <= MASKED_MAX_VARS)
}

/// Commits the witness `columns` and absorbs the commitment into `t`: for a joint opening with
/// the weights when `joint` is given (hiding only).
pub(crate) fn commit(
    pcs: PcsConfig,
    hiding: Hiding,
    columns: &[Vec<F>],
    joint: Option<&Joint>,
    t: &mut Transcript,
) -> Result<(WitnessCommitment, WitnessData), ProveError> {
    match (hiding, joint) {
        // A masked weights commitment is opened only with a masked witness (docs/ZK.md §18),
        // also in a benchmark proof without masked sumchecks.
        (_, Some(Joint::Masked(joint))) => {
            let engine = MaskedPcs::new(joint.config(pcs));
            let mut rng = MaskedPcs::os_rng().map_err(masked_backend)?;
            let (c, data) = engine
                .commit_batch_at(columns, joint.stack_vars, &mut rng, t)
                .map_err(|e| {
                    ProveError::Backend(format!(
                        "the witness does not fit the key's joint stack of 2^{} ({e}); run \
                         `zkinfer setup` again",
                        joint.stack_vars
                    ))
                })?;
            Ok((
                WitnessCommitment::Masked(c),
                WitnessData::Masked(engine, Box::new(data)),
            ))
        }
        (Hiding::On, Some(Joint::Hiding(engine, shape))) => {
            let (c, data) = engine.commit_joint(shape, columns, t).map_err(backend)?;
            Ok((
                WitnessCommitment::Hiding(c),
                WitnessData::Joint(Box::new(data)),
            ))
        }
        (Hiding::On, None)
            if columns
                .iter()
                .map(|c| {
                    c.len()
                        .is_power_of_two()
                        .then(|| c.len().trailing_zeros() as usize)
                })
                .collect::<Option<Vec<usize>>>()
                .is_some_and(|vars| takes_masked(pcs, &vars)) =>
        {
            let engine = MaskedPcs::new(masked_config(pcs));
            let mut rng = MaskedPcs::os_rng().map_err(masked_backend)?;
            let (c, data) = engine
                .commit_batch(columns, &mut rng, t)
                .map_err(masked_backend)?;
            Ok((
                WitnessCommitment::Masked(c),
                WitnessData::Masked(engine, Box::new(data)),
            ))
        }
        (Hiding::On, None) => {
            let engine = HidingPcs::new(hiding_config(pcs)).map_err(backend)?;
            let (c, data) = engine.commit(columns, t).map_err(backend)?;
            Ok((
                WitnessCommitment::Hiding(c),
                WitnessData::Hiding(engine, Box::new(data)),
            ))
        }
        (Hiding::Off, _) => {
            let engine = Pcs::new(pcs);
            let (c, data) = engine.commit(columns, t).map_err(backend)?;
            Ok((
                WitnessCommitment::Plain(c),
                WitnessData::Plain(engine, Box::new(data)),
            ))
        }
    }
}

impl WitnessData {
    /// The hiding or masked commitment's stack (`None` for a plain one).
    pub(crate) fn stack(&self) -> Option<StackView<'_>> {
        match self {
            Self::Hiding(_, data) | Self::Joint(data) => Some(StackView::Hiding(data)),
            Self::Masked(_, data) => Some(StackView::Masked(data)),
            Self::Plain(..) => None,
        }
    }
}

/// Opens every claim on the witness with one proof (consuming the prover data): the column
/// claims and, on a hiding commitment, the claim on the whole stack.
pub(crate) fn open(
    data: WitnessData,
    claims: &[ColumnClaim],
    stack: Option<&StackClaim>,
    t: &mut Transcript,
) -> Result<WitnessOpening, ProveError> {
    match data {
        WitnessData::Hiding(engine, data) => engine
            .open_with_stack(*data, claims, stack.map_or(&[], std::slice::from_ref), t)
            .map(WitnessOpening::Hiding)
            .map_err(backend),
        WitnessData::Plain(..) if stack.is_some() => Err(ProveError::Backend(
            "a stack claim on a plain witness commitment".into(),
        )),
        WitnessData::Plain(engine, data) => engine
            .open_owned(*data, claims, t)
            .map(WitnessOpening::Plain)
            .map_err(backend),
        WitnessData::Masked(engine, data) => engine
            .open_batch(*data, claims, stack.map_or(&[], std::slice::from_ref), t)
            .map(|o| WitnessOpening::Masked(Box::new(o)))
            .map_err(masked_backend),
        WitnessData::Joint(_) => Err(ProveError::Backend(
            "a witness committed for a joint opening is opened with the weights".into(),
        )),
    }
}

/// The verifier's side of the stack's lift: each column claim's point on the hiding
/// commitment's stacked polynomial, and the stack's number of variables.
pub(crate) fn lift(
    pcs: PcsConfig,
    c: &WitnessCommitment,
    joint: Option<&Joint>,
    claims: &[ColumnClaim],
) -> Result<(usize, Vec<Vec<zkinfer_field::EF>>), VerifyError> {
    fn at(e: impl std::fmt::Display) -> VerifyError {
        VerifyError::at("witness opening", e)
    }
    if let (WitnessCommitment::Hiding(_), Some(Joint::Hiding(engine, shape))) = (c, joint) {
        return engine.lift_joint(shape, claims).map_err(at);
    }
    match c {
        WitnessCommitment::Masked(c) => MaskedPcs::new(match joint {
            Some(Joint::Masked(j)) => j.config(pcs),
            _ => masked_config(pcs),
        })
        .lift_batch(c, claims)
        .map_err(at),
        WitnessCommitment::Hiding(c) => HidingPcs::new(hiding_config(pcs))
            .and_then(|engine| engine.lift(c, claims))
            .map_err(at),
        WitnessCommitment::Plain(_) => Err(VerifyError::at(
            "witness commitment",
            "masked sumchecks with a plain witness commitment",
        )),
    }
}

/// The verifier's side of [`commit`].
pub(crate) fn absorb(
    pcs: PcsConfig,
    c: &WitnessCommitment,
    joint: Option<&Joint>,
    t: &mut Transcript,
) -> Result<(), VerifyError> {
    fn at(e: impl std::fmt::Display) -> VerifyError {
        VerifyError::at("witness commitment", e)
    }
    match (c, joint) {
        (WitnessCommitment::Hiding(c), Some(Joint::Hiding(engine, shape))) => {
            return engine.absorb_joint_commitment(shape, c, t).map_err(at);
        }
        (WitnessCommitment::Masked(c), Some(Joint::Masked(j))) => {
            return MaskedPcs::new(j.config(pcs))
                .absorb_batch_commitment_at(c, j.stack_vars, t)
                .map_err(at);
        }
        (_, Some(Joint::Masked(_))) => {
            return Err(at(
                "a witness commitment that is not masked where the witness and the masked \
                 weights are opened together",
            ));
        }
        (WitnessCommitment::Masked(_), Some(Joint::Hiding(..))) => {
            return Err(at(
                "a masked witness commitment where the witness and the weights are opened \
                 together (a joint hiding commitment is expected)",
            ));
        }
        _ => {}
    }
    match c {
        WitnessCommitment::Masked(c) => {
            let engine = MaskedPcs::new(masked_config(pcs));
            let vars: Vec<usize> = c.num_vars.iter().map(|&n| n as usize).collect();
            if !takes_masked(pcs, &vars) {
                return Err(at(format!(
                    "a masked witness commitment of columns stacked over 2^{MASKED_MAX_VARS} \
                     (a hiding commitment is expected)"
                )));
            }
            engine.absorb_batch_commitment(c, t).map_err(at)
        }
        WitnessCommitment::Hiding(c) => HidingPcs::new(hiding_config(pcs))
            .and_then(|engine| engine.absorb_commitment(c, t))
            .map_err(at),
        WitnessCommitment::Plain(c) => Pcs::new(pcs).absorb_commitment(c, t).map_err(at),
    }
}

/// The verifier's side of [`open`].
pub(crate) fn verify(
    pcs: PcsConfig,
    c: &WitnessCommitment,
    claims: &[ColumnClaim],
    stack: Option<&StackClaim>,
    opening: &WitnessOpening,
    t: &mut Transcript,
) -> Result<(), VerifyError> {
    fn at(e: impl std::fmt::Display) -> VerifyError {
        VerifyError::at("witness opening", e)
    }
    match (c, opening) {
        (WitnessCommitment::Hiding(c), WitnessOpening::Hiding(o)) => {
            HidingPcs::new(hiding_config(pcs))
                .and_then(|engine| {
                    engine.verify_with_stack(
                        c,
                        claims,
                        stack.map_or(&[], std::slice::from_ref),
                        o,
                        t,
                    )
                })
                .map_err(at)
        }
        (WitnessCommitment::Masked(c), WitnessOpening::Masked(o)) => {
            MaskedPcs::new(masked_config(pcs))
                .verify_batch(c, claims, stack.map_or(&[], std::slice::from_ref), o, t)
                .map_err(at)
        }
        (WitnessCommitment::Plain(_), _) if stack.is_some() => Err(VerifyError::at(
            "witness opening",
            "a stack claim on a plain witness commitment",
        )),
        (WitnessCommitment::Plain(c), WitnessOpening::Plain(o)) => {
            Pcs::new(pcs).verify(c, claims, o, t).map_err(at)
        }
        _ => Err(VerifyError::at(
            "witness opening",
            "the opening is not of the commitment's kind (hiding or plain)",
        )),
    }
}
