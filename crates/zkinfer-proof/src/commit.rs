//! The per-proof witness commitment: hiding (the default, and the only kind `zkinfer prove`
//! makes) or plain (a benchmark-only comparison point, [`Hiding::Off`]).
//!
//! The witness columns — a committed input, committed activations, helper columns, lookup
//! multiplicities — are committed with [`zkinfer_pcs::HidingPcs`] (p3-whir's HVZK-WHIR over a
//! salted Keccak Merkle tree, randomness from the OS) in the unique-decoding version of the
//! key's commitment settings ([`hiding_config`]), and opened once at the end of the proof. The
//! weights stay on the plain path: they are committed at setup, their root is in the verifying
//! key, and a hiding commitment can be opened only once (docs/ZK.md §6.1).
//!
//! The verifier accepts both kinds: soundness does not depend on which one the prover chose
//! (each is a binding commitment checked at its own security level), and what a proof hides is
//! the prover's business — a prover can always publish its own data. A proof whose commitment
//! and opening are of different kinds is refused.
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
}

/// A joint opening's engine (the weights group's) and shape ([`crate::weights::joint`]).
pub(crate) type Joint = (HidingPcs, JointShape);

/// The prover's side of a witness commitment, until it is opened.
pub(crate) enum WitnessData {
    Hiding(HidingPcs, Box<HidingCommittedData>),
    Plain(Pcs, Box<CommittedData>),
    /// Committed for a joint opening with the weights (opened by the weights' groups).
    Joint(Box<HidingCommittedData>),
}

impl WitnessCommitment {
    /// The number of variables of each committed column.
    #[must_use]
    pub fn num_vars(&self) -> &[u32] {
        match self {
            Self::Hiding(c) => c.num_vars(),
            Self::Plain(c) => c.num_vars(),
        }
    }

    /// Whether it is hiding.
    #[must_use]
    pub fn is_hiding(&self) -> bool {
        matches!(self, Self::Hiding(_))
    }
}

#[allow(
    clippy::needless_pass_by_value,
    reason = "the shape `map_err` passes the error in"
)]
fn backend(e: PcsError) -> ProveError {
    ProveError::Backend(e.to_string())
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
        (Hiding::On, Some((engine, shape))) => {
            let (c, data) = engine.commit_joint(shape, columns, t).map_err(backend)?;
            Ok((
                WitnessCommitment::Hiding(c),
                WitnessData::Joint(Box::new(data)),
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
    /// The hiding commitment's data (`None` for a plain one).
    pub(crate) fn hiding(&self) -> Option<&HidingCommittedData> {
        match self {
            Self::Hiding(_, data) | Self::Joint(data) => Some(data),
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
    let at = |e| VerifyError::at("witness opening", e);
    if let (WitnessCommitment::Hiding(_), Some((engine, shape))) = (c, joint) {
        return engine.lift_joint(shape, claims).map_err(at);
    }
    match c {
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
    let at = |e| VerifyError::at("witness commitment", e);
    if let (WitnessCommitment::Hiding(c), Some((engine, shape))) = (c, joint) {
        return engine.absorb_joint_commitment(shape, c, t).map_err(at);
    }
    match c {
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
    let at = |e| VerifyError::at("witness opening", e);
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
