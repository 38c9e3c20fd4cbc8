//! The private weights' commitment: one reusable hiding commitment made at setup and opened by
//! every proof of the key, at most `max_proofs` times (docs/ZK.md §6.1).
//!
//! Setup draws a 32-byte seed from the OS and commits, with
//! [`HidingPcs::commit_reusable`] seeded by it ([`HidingPcs::from_seed`]), the weight columns
//! and one more column, the weights' *opening mask* (`2^mask_vars` random elements derived
//! from the seed, no claim ever made on it). The verifying key keeps the root and the budget
//! ([`crate::VerifyingKey::weights_uses`]), the proving key the seed (32 bytes instead of the
//! codeword), so each proof re-derives the same commitment and opens it with fresh OS
//! randomness ([`HidingPcs::new`]).
//!
//! After the walk, every claim on the weights (masked or not) is lifted to the commitment's
//! stacked polynomial and all are reduced to one claim `P(ρ) = v` by one masked claim
//! reduction (as the witness's, docs/ZK.md §13). `v` mixes in the opening mask's multilinear
//! extension at the proof's own `ρ`; over at most `uses` proofs those are `uses` evaluations of
//! a column of `≥ 4·uses` uniform base-field elements at independent points, jointly uniform
//! except with negligible probability, so no proof reveals an evaluation of the weights.
//!
//! **Groups.** Weights too large for one commitment (GPT-2 124M: 286M padded elements, a single
//! stack of 2^29 whose rate-1/8 codeword would be 2^32 elements) are committed as several
//! reusable commitments, *groups* ([`groups`]): columns placed largest first, first fit, into
//! stacks of at most 2^[`GROUP_STACK_VARS`] elements with room for each group's own opening
//! mask and for its openings' randomness in the stack's free tail (proof format 20; a column
//! larger than that gets a group of its own). Each group has its own seed
//! (derived from the key's, [`group_seed`]), root (the verifying key's `weights_root` holds the
//! roots one after the other, [`zkinfer_pcs::DIGEST_BYTES`] each), claim reduction and opening. A group whose
//! codeword at the hiding rate (1/8) would pass 2^[`MAX_CODEWORD_VARS`] elements is committed at
//! rate 1/4 or 1/2 instead, bounding what each proof re-derives and holds. The grouping and
//! the rates are functions of the plan's shapes and the budget, so prover and verifier agree on
//! them; a model whose weights fit one group gets exactly the single commitment of before.
//!
//! A plain weights commitment (the format before this one: every proof opens it, revealing
//! codeword rows and per-column evaluations) is still verified, for keys made by the
//! test-and-benchmark-only [`crate::keys::setup_plain_weights_for_tests`].
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use zkinfer_field::{EF, F, PrimeCharacteristicRing, Transcript};
use zkinfer_pcs::{
    Commitment, HidingOpeningProof, HidingPcs, OpeningProof, PcsConfig, ReusableCommitment,
    ReusableCommittedData, StoredHidingData,
};

use zkinfer_pcs::masked::{MaskedBatchCommitment, MaskedCommitment, MaskedPcs, StoredMaskedBatch};
use zkinfer_pcs::{DIGEST_BYTES, Digest};

use crate::commit::{OPENING_MASK_VARS, hiding_config};
use crate::error::{ProveError, VerifyError};
pub use crate::pieces::{Piece, pieces};
use crate::plan::WeightAlias;

/// How many proofs a key's private weights commitment covers unless `setup` is told otherwise
/// (`zkinfer setup --max-proofs`). Hiding the weights costs every proof a second HVZK-WHIR
/// opening (≈ 330 KiB), and each covered proof about 1.4–2 KiB more (the code-switch mask of the
/// first round carries `uses · t` extension-field elements, revealed one-time padded) plus
/// `uses · t` coefficients per limb of the first oracle (commit time and memory); docs/ZK.md
/// §6.1 and docs/BENCHMARKS.md have the measurements behind the default.
pub const DEFAULT_MAX_PROOFS: usize = 256;

/// Whether a proving key keeps its private weights' hiding commitment data (the stacked
/// weights, the encoding randomness and the salted Merkle tree of the codeword:
/// [`StoredHidingData`]) so that a proof opens the commitment without encoding and hashing the
/// weights again, or only the seed from which each proof re-derives it (docs/ZK.md §6.1). The
/// tree is several times the weights' size (about `2^log_inv_rate + 1` times the stack's 8 bytes
/// per element) and sits in the key file after the key's body; a key read from its file keeps
/// it there and reads only the rows and digests a proof opens (`zkinfer_pcs` `lazy`), so it
/// costs disk, and memory at setup, not memory when proving.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum WeightsData {
    /// Kept when all groups' trees together are at most [`STORED_DATA_AUTO_LIMIT`] bytes, else
    /// the seed only.
    #[default]
    Auto,
    /// Always kept.
    Stored,
    /// The seed only: every proof re-derives the commitment (a small key, slower proofs).
    Seed,
}

/// The largest stored weights trees [`WeightsData::Auto`] keeps in a proving key: 8 GiB (the
/// key file grows by it, and setup holds it in memory until the key is written). GPT-2 124M's
/// one group at rate 1/4 is ≈ 6.0 GB of data: setup's maximum resident set is 14.7 GB (one
/// run) and the key 8.65 GB instead of 2.61, but a proof reads the codeword and tree from the
/// key instead of re-deriving them: 30.3 s and a 12,600 MiB peak (the profile's high-water
/// mark) instead of 51.0 s and 23,625 MiB, too close to this 24 GiB machine's memory
/// (docs/BENCHMARKS.md, "GPT-2 124M under 1 MB").
pub const STORED_DATA_AUTO_LIMIT: usize = 8 << 30;

/// The weights commitment in a proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum WeightsCommitment {
    /// The reusable hiding commitments of the key, one per weights group (the default).
    Hiding(Vec<ReusableCommitment>),
    /// A plain commitment (keys made by [`crate::keys::setup_plain_weights_for_tests`]).
    Plain(Commitment),
    /// The one masked commitment of a key with [`crate::VerifyingKey::weights_joint_vars`]
    /// (proof format 26, docs/ZK.md §18).
    Masked(MaskedBatchCommitment),
}

/// The opening of the weights claims in a proof.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum WeightsOpening {
    /// Of a [`WeightsCommitment::Hiding`]: per group, one claim on its stack.
    Hiding(Vec<HidingOpeningProof>),
    /// Of a [`WeightsCommitment::Plain`]: one claim per column.
    Plain(Box<OpeningProof>),
    /// Of a [`WeightsCommitment::Masked`]: opened with the witness, in the proof's masked
    /// witness opening.
    WithWitness,
}

impl WeightsCommitment {
    /// The Merkle roots (a hiding commitment's groups', one after the other), as the
    /// verifying key's `weights_root` holds them.
    #[must_use]
    pub fn roots(&self) -> Vec<u8> {
        match self {
            Self::Hiding(cs) => cs.iter().flat_map(ReusableCommitment::root).collect(),
            Self::Plain(c) => c.root().to_vec(),
            Self::Masked(c) => c.stack.root.to_vec(),
        }
    }
}

/// Variables of the weights' opening mask for `uses` proofs: at least 4 base-field elements per
/// proof (each proof reveals one extension-field evaluation, two base-field coordinates).
#[must_use]
pub fn mask_vars(uses: usize) -> usize {
    let per_use = uses.saturating_mul(4).max(1);
    let bits = usize::BITS - (per_use - 1).leading_zeros();
    (bits as usize).max(OPENING_MASK_VARS)
}

/// The weights' opening mask, derived from the setup seed (domain-separated from the
/// commitment's own randomness, which the same seed drives).
fn opening_mask(seed: &[u8; 32], uses: usize) -> Vec<F> {
    use rand::{Rng, SeedableRng};
    use zkinfer_field::{PrimeCharacteristicRing, PrimeField64};
    let mut rng =
        rand::rngs::StdRng::from_seed(derive_seed(b"zkinfer/weights/opening-mask", &[], seed));
    (0..1usize << mask_vars(uses))
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

/// The largest stack of one weights group, in variables (weights and opening mask together;
/// a single column larger than that is a group of its own).
pub const GROUP_STACK_VARS: usize = 27;

thread_local! {
    static GROUP_STACK_VARS_FOR_TESTS: std::cell::Cell<Option<usize>> =
        const { std::cell::Cell::new(None) };
}

/// Runs `f` with weights groups of at most `2^vars` elements on this thread (setup, proving
/// and verifying in `f` must agree): for tests that make several groups from small models. Not
/// a setting — a key made inside `f` proves and verifies only inside such a call.
#[doc(hidden)]
pub fn with_group_stack_vars_for_tests<R>(vars: usize, f: impl FnOnce() -> R) -> R {
    let before = GROUP_STACK_VARS_FOR_TESTS.with(|c| c.replace(Some(vars)));
    let out = f();
    GROUP_STACK_VARS_FOR_TESTS.with(|c| c.set(before));
    out
}

fn group_stack_vars() -> usize {
    GROUP_STACK_VARS_FOR_TESTS
        .with(std::cell::Cell::get)
        .unwrap_or(GROUP_STACK_VARS)
}

/// The largest codeword, in variables, a group is committed to at the hiding rate (1/8); a
/// larger group is committed at rate 1/4 or 1/2 so its codeword stays at 2^29 elements (a 2^26
/// stack at 1/8, a 2^27 one at 1/4; only a lone column past 2^28 elements, at rate 1/2, passes
/// it). The rate is proof size: the first round's queries fall from 198 at rate 1/2 to 121 at
/// 1/4, and GPT-2 124M's private-logits proof from 1,075,962 to 955,008 B (key format 11,
/// docs/BENCHMARKS.md "GPT-2 124M under 1 MB"). The price is memory where the commitment is
/// re-derived: at 2^29 elements ≈ 10 GiB (≈ 19 B per codeword element), so GPT-2's proof needs
/// its commitment's data stored in the key ([`STORED_DATA_AUTO_LIMIT`]: a 12,600 MiB peak
/// stored, 23,625 MiB re-derived).
pub const MAX_CODEWORD_VARS: usize = 29;

/// The weight columns' shapes as the commitment sees them: every column's number of variables,
/// which columns are aliases of others (not committed, [`crate::plan::WeightAlias`]) and which
/// are committed as pieces ([`crate::pieces`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WeightShapes {
    vars: Vec<usize>,
    aliased: Vec<usize>,
    pieces: Vec<Option<Vec<Piece>>>,
}

impl WeightShapes {
    /// Shapes `vars`, the columns `aliased` not committed, every column committed whole.
    #[must_use]
    pub fn new(vars: Vec<usize>, aliased: Vec<usize>) -> Self {
        let pieces = vec![None; vars.len()];
        Self {
            vars,
            aliased,
            pieces,
        }
    }

    /// A plan's weight columns, aliases and pieces.
    #[must_use]
    pub fn of(plan: &crate::plan::Plan) -> Self {
        Self {
            vars: plan.weight_columns.iter().map(|c| c.num_vars).collect(),
            aliased: plan.weight_aliases.iter().map(|a| a.column).collect(),
            pieces: plan
                .weight_columns
                .iter()
                .map(|c| {
                    let ps = pieces(&c.axes)?;
                    // A layout that does not describe the column is committed whole.
                    let table: usize = c.axes.iter().map(|a| a.1.trailing_zeros() as usize).sum();
                    (table == c.num_vars).then_some(ps)
                })
                .collect(),
        }
    }

    /// Every column's number of variables (of its padded table).
    #[must_use]
    pub fn vars(&self) -> &[usize] {
        &self.vars
    }

    /// Elements committed for the weights: every committed column's pieces (or the column),
    /// aliases excluded — what the weights' stack reductions and openings work on, against
    /// the padded tables the ops prove on ([`WeightShapes::vars`]).
    #[must_use]
    pub fn committed_len(&self) -> usize {
        (0..self.vars.len())
            .filter(|&i| self.committed(i))
            .flat_map(|i| self.units(i))
            .map(|n| 1usize << n)
            .sum()
    }

    /// Whether column `i` is committed (not an alias).
    fn committed(&self, i: usize) -> bool {
        !self.aliased.contains(&i)
    }

    /// Column `i`'s pieces, if it is committed as pieces.
    fn pieces_of(&self, i: usize) -> Option<&[Piece]> {
        self.pieces.get(i).and_then(|p| p.as_deref())
    }

    /// How many committed columns column `i` becomes: its pieces, or itself.
    fn units_len(&self, i: usize) -> usize {
        self.pieces_of(i).map_or(1, <[Piece]>::len)
    }

    /// The numbers of variables of the committed columns column `i` becomes: its pieces', or
    /// its own.
    fn units(&self, i: usize) -> Vec<usize> {
        match self.pieces_of(i) {
            Some(ps) => ps.iter().map(Piece::vars).collect(),
            None => vec![self.vars.get(i).copied().unwrap_or(0)],
        }
    }

    /// Column `i`'s (padded) values as the committed columns it becomes: its pieces (after
    /// checking that it is zero outside them), or itself.
    fn units_of<T: Copy + PartialEq + Default>(
        &self,
        i: usize,
        column: Vec<T>,
    ) -> Result<Vec<Vec<T>>, ProveError> {
        let Some(ps) = self.pieces_of(i) else {
            return Ok(vec![column]);
        };
        let zero = T::default();
        let units: Vec<Vec<T>> = ps
            .iter()
            .map(|p| p.extract(&column))
            .collect::<Option<_>>()
            .ok_or_else(|| ProveError::key_mismatch("weights", "a weight column's layout"))?;
        let held: usize = units.iter().flatten().filter(|&&v| v != zero).count();
        if held != column.iter().filter(|&&v| v != zero).count() {
            return Err(ProveError::key_mismatch(
                "weights",
                "a weight column is not zero outside its tensor's box",
            ));
        }
        Ok(units)
    }
}

impl From<&[usize]> for WeightShapes {
    fn from(vars: &[usize]) -> Self {
        Self::new(vars.to_vec(), Vec::new())
    }
}

/// The tied weights of a compiled plan: each matrix-product weight `[k, n]` whose values are an
/// embedding table `[n, k]` transposed — checked on the constants, then on the laid-out columns
/// (padding included), so the alias is exact. Only embedding tables are candidates (the tied LM
/// head of GPT-2 and its kin); comparing every pair of weights would cost quadratic time.
pub(crate) fn tied(plan: &crate::plan::Plan, graph: &crate::ir::ProofGraph) -> Vec<WeightAlias> {
    use crate::ir::Op;
    use crate::plan::NodePlan;
    let column = |idx: usize| match plan.nodes.get(idx) {
        Some(NodePlan::Weighted { weight, .. }) => Some(*weight),
        _ => None,
    };
    let tables: Vec<(usize, usize, &crate::ir::Const)> = graph
        .nodes
        .iter()
        .enumerate()
        .filter_map(|(idx, n)| match &n.op {
            Op::Embedding { table } => Some((idx, column(idx)?, table)),
            _ => None,
        })
        .collect();
    let mut out: Vec<WeightAlias> = Vec::new();
    for (idx, node) in graph.nodes.iter().enumerate() {
        let Op::MatMulConst { weight, .. } = &node.op else {
            continue;
        };
        let (Some(wc), &[k, n]) = (column(idx), weight.shape.as_slice()) else {
            continue;
        };
        for &(tidx, tc, table) in &tables {
            if table.shape[..] != [n, k]
                || out.iter().any(|a| a.column == wc)
                || weight.values.len() != k * n
                || table.values.len() != k * n
                || !(0..k).all(|i| {
                    (0..n).all(|j| weight.values.get(i * n + j) == table.values.get(j * k + i))
                })
            {
                continue;
            }
            // The laid-out columns: `[K, N]` (padded) and `[N, K]`.
            let mut cols = vec![Vec::new(); plan.weight_columns.len()];
            let laid = [idx, tidx].iter().all(|&i| {
                graph.nodes.get(i).is_some_and(|nd| {
                    crate::ops::rule(&nd.op)
                        .weights(plan, graph, i, &mut cols)
                        .is_ok()
                })
            });
            let (Some(a), Some(b)) = (cols.get(wc), cols.get(tc)) else {
                continue;
            };
            let np = n.next_power_of_two();
            if !laid || a.len() != b.len() || np == 0 || a.len() % np != 0 {
                continue;
            }
            let kp = a.len() / np;
            if !kp.is_power_of_two()
                || !(0..kp).all(|i| (0..np).all(|j| a.get(i * np + j) == b.get(j * kp + i)))
            {
                continue;
            }
            out.push(WeightAlias {
                column: wc,
                target: tc,
                split: kp.trailing_zeros() as usize,
            });
            break;
        }
    }
    out
}

/// The columns of each weights group (indices into the weight columns, ascending within a
/// group), for weight columns of these shapes and a budget of `uses` proofs; aliases are in
/// none. Deterministic in its arguments; one group holding every column when they fit.
#[must_use]
pub fn groups(pcs: PcsConfig, shapes: &WeightShapes, uses: usize) -> Vec<Vec<usize>> {
    let fold = hiding_config(pcs).folding_factor;
    let size = |n: usize| 1u128 << n.max(fold).min(100);
    // Each column's room in a stack: its committed columns' (pieces').
    let room: Vec<u128> = (0..shapes.vars().len())
        .map(|i| shapes.units(i).into_iter().map(size).sum())
        .collect();
    let room_of = |i: usize| room.get(i).copied().unwrap_or(0);
    let mask = size(mask_vars(uses));
    let cap_vars = group_stack_vars();
    let mut cap = 1u128 << cap_vars;
    // Weights that make several groups: each group leaves the room its openings' randomness
    // needs in the stack's free tail (proof format 20), else a full group keeps it in the
    // first oracle's encoding and every proof reveals a `uses · t`-long mask (GPT-2 124M's two
    // full 2^27 groups: ≈ 1.2 MB of proof each). One group is as before.
    let total: u128 = (0..shapes.vars().len())
        .filter(|&i| shapes.committed(i))
        .map(room_of)
        .sum();
    if total + mask > cap
        && let Some(reserve) = HidingPcs::new(stack_config(pcs, cap_vars))
            .ok()
            .and_then(|engine| engine.tail_room(cap_vars, uses))
    {
        cap = cap.saturating_sub(reserve as u128);
    }
    let mut order: Vec<usize> = (0..shapes.vars().len())
        .filter(|&i| shapes.committed(i))
        .collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(room_of(i)), i));
    let mut groups: Vec<(Vec<usize>, u128)> = Vec::new();
    for i in order {
        let s = room_of(i);
        match groups.iter_mut().find(|(_, load)| load + s + mask <= cap) {
            Some((cols, load)) => {
                cols.push(i);
                *load += s;
            }
            None => groups.push((vec![i], s)),
        }
    }
    groups
        .into_iter()
        .map(|(mut cols, _)| {
            cols.sort_unstable();
            cols
        })
        .collect()
}

/// The numbers of variables of one group's committed columns: each weight column's pieces in
/// order, or the column itself.
fn group_vars(shapes: &WeightShapes, group: &[usize]) -> Vec<usize> {
    group.iter().flat_map(|&i| shapes.units(i)).collect()
}

/// The seed of group `g`: the key's own for the first group (so a single-group key is the
/// commitment of before), a domain-separated hash of it for the others.
#[must_use]
pub fn group_seed(seed: &[u8; 32], g: usize) -> [u8; 32] {
    if g == 0 {
        return *seed;
    }
    derive_seed(b"zkinfer/weights/group", &(g as u64).to_le_bytes(), seed)
}

/// A seed derived from the key's secret `seed` for one use: `Keccak-256(label ‖ tweak ‖ seed)`
/// (the opening mask's generator, a group's commitment, the masked commitment's generator).
fn derive_seed(label: &[u8], tweak: &[u8], seed: &[u8; 32]) -> [u8; 32] {
    use tiny_keccak::{Hasher, Keccak};
    let mut h = Keccak::v256();
    h.update(label);
    h.update(tweak);
    h.update(seed);
    let mut out = [0u8; 32];
    h.finalize(&mut out);
    out
}

/// The hiding commitment's settings for a group of weight columns of these numbers of
/// variables: the witness's hiding settings (rate 1/8), at rate 1/4 or 1/2 where the codeword
/// at 1/8 would pass 2^[`MAX_CODEWORD_VARS`].
fn group_config(pcs: PcsConfig, vars: &[usize], uses: usize) -> PcsConfig {
    let hiding = hiding_config(pcs);
    let fold = hiding.folding_factor;
    let total = vars
        .iter()
        .copied()
        .chain(std::iter::once(mask_vars(uses)))
        .map(|n| 1u128 << n.max(fold).min(100))
        .sum::<u128>();
    let stack_vars = (u128::BITS - total.saturating_sub(1).leading_zeros()) as usize;
    stack_config(pcs, stack_vars)
}

/// [`group_config`] for a group whose stack has `stack_vars` variables.
fn stack_config(pcs: PcsConfig, stack_vars: usize) -> PcsConfig {
    let hiding = hiding_config(pcs);
    // The rate goes up (1/8 → 1/4 → 1/2) until the codeword fits, never past 1/2.
    let log_inv_rate = MAX_CODEWORD_VARS
        .saturating_sub(stack_vars)
        .clamp(1, hiding.log_inv_rate);
    PcsConfig {
        log_inv_rate,
        ..hiding
    }
}

/// The engine of a group of weight columns of these numbers of variables.
fn engine(pcs: PcsConfig, vars: &[usize], uses: usize) -> Result<HidingPcs, zkinfer_pcs::PcsError> {
    HidingPcs::new(group_config(pcs, vars, uses))
}

/// The column shapes the reusable commitment of one group holds: its weight columns, then the
/// mask.
#[must_use]
pub fn committed_vars(weight_vars: &[usize], uses: usize) -> Vec<usize> {
    let mut vars = weight_vars.to_vec();
    vars.push(mask_vars(uses));
    vars
}

/// Each group's codeword length (`2^(stack variables + log₂(1/rate))`, the stack enlarged as
/// the budget needs); `None` if a group cannot be committed.
fn group_codewords(pcs: PcsConfig, shapes: &WeightShapes, uses: usize) -> Option<Vec<usize>> {
    groups(pcs, shapes, uses)
        .iter()
        .map(|group| {
            let vars = group_vars(shapes, group);
            let (stack, rate) = engine(pcs, &vars, uses)
                .ok()?
                .reusable_shape(&committed_vars(&vars, uses), uses)
                .ok()?;
            1usize.checked_shl(u32::try_from(stack + rate).ok()?)
        })
        .collect()
}

/// Elements of the largest group's committed stack among the groups that keep their openings'
/// randomness in extra variables of the stack (`zkinfer_pcs`, docs/ZK.md §6.1, proof format 19):
/// each proof's opening works over that whole, larger stack; 0 if no group does (or they cannot
/// be committed). A group that keeps it in its stack's free tail (format 20) commits a stack no
/// larger than the columns need, so it is not counted.
#[must_use]
pub fn largest_spread_stack(pcs: PcsConfig, shapes: &WeightShapes, uses: usize) -> usize {
    groups(pcs, shapes, uses)
        .iter()
        .filter_map(|group| {
            let vars = group_vars(shapes, group);
            let stack = engine(pcs, &vars, uses)
                .ok()?
                .reusable_extra_stack(&committed_vars(&vars, uses), uses)
                .ok()??;
            1usize.checked_shl(u32::try_from(stack).ok()?)
        })
        .max()
        .unwrap_or(0)
}

/// The number of elements of the private weights' stack when a proof of a witness of columns
/// of `witness_vars` variables opens the two jointly ([`joint`]), else 0: what the joint run's
/// first sumcheck holds tables over (the cost model's memory).
#[must_use]
pub fn joint_stack_len(
    pcs: PcsConfig,
    shapes: &WeightShapes,
    uses: usize,
    witness_vars: &[usize],
) -> usize {
    let groups = groups(pcs, shapes, uses);
    let ([group], Ok(uses_u32)) = (&groups[..], u32::try_from(uses)) else {
        return 0;
    };
    let x: Vec<u32> = witness_vars
        .iter()
        .map(|&n| u32::try_from(n).unwrap_or(u32::MAX))
        .collect();
    // The shape depends on the commitment's column shapes and budget, not on its root.
    let w = group_commitment(shapes, group, [0; DIGEST_BYTES], uses_u32);
    match joint_of_group(pcs, shapes, group, &w, uses, &x) {
        Some(crate::commit::Joint::Hiding(_, shape)) => u32::try_from(shape.stacked_vars())
            .ok()
            .and_then(|v| 1usize.checked_shl(v))
            .unwrap_or(0),
        _ => 0,
    }
}

/// The reusable commitment of weights group `group` with Merkle root `root` and budget `uses`:
/// the column shapes the commitment holds ([`committed_vars`]) as its `u32`s. The verifier's
/// reading of a key's roots and the cost model's joint shape share it.
fn group_commitment(
    shapes: &WeightShapes,
    group: &[usize],
    root: Digest,
    uses: u32,
) -> ReusableCommitment {
    let vars = committed_vars(&group_vars(shapes, group), uses as usize)
        .into_iter()
        .map(|n| u32::try_from(n).unwrap_or(u32::MAX))
        .collect();
    ReusableCommitment::from_parts(root, vars, uses)
}

/// Where each group's reusable commitment keeps its openings' randomness (docs/ZK.md §6.1), in
/// group order; `None` for a group that cannot be committed.
#[must_use]
pub fn randomness_placements(
    pcs: PcsConfig,
    shapes: &WeightShapes,
    uses: usize,
) -> Vec<Option<zkinfer_pcs::ReusePlacement>> {
    groups(pcs, shapes, uses)
        .iter()
        .map(|group| {
            let vars = group_vars(shapes, group);
            engine(pcs, &vars, uses)
                .ok()?
                .reusable_placement(&committed_vars(&vars, uses), uses)
                .ok()
        })
        .collect()
}

/// Elements of the reusable commitments' codewords for these weight columns at `uses`, summed
/// over the groups: what each proof re-derives; `None` if they cannot be committed.
#[must_use]
pub fn codeword_len(pcs: PcsConfig, shapes: &WeightShapes, uses: usize) -> Option<usize> {
    group_codewords(pcs, shapes, uses)?
        .into_iter()
        .try_fold(0usize, usize::checked_add)
}

/// The largest codeword, in elements, of one group (what a proof holds at once).
#[must_use]
pub fn largest_group_codeword(pcs: PcsConfig, shapes: &WeightShapes, uses: usize) -> Option<usize> {
    group_codewords(pcs, shapes, uses)?.into_iter().max()
}

/// Checks, from the shapes alone, that reusable commitments of these weight columns cover
/// `uses` proofs (before any weight is laid out).
///
/// # Errors
/// The commitment's reason ([`zkinfer_pcs::PcsError::ReuseBudget`] names the fix).
pub fn check_shapes(
    pcs: PcsConfig,
    shapes: &WeightShapes,
    uses: usize,
) -> Result<(), zkinfer_pcs::PcsError> {
    for group in groups(pcs, shapes, uses) {
        let vars = group_vars(shapes, &group);
        engine(pcs, &vars, uses)?.reusable_shape(&committed_vars(&vars, uses), uses)?;
    }
    Ok(())
}

/// Each group's committed columns (pieces where a column is committed as pieces), in group
/// order (the columns are moved out of `columns`).
fn split(
    columns: Vec<Vec<F>>,
    groups: &[Vec<usize>],
    shapes: &WeightShapes,
) -> Result<Vec<Vec<Vec<F>>>, ProveError> {
    let mut slots: Vec<Option<Vec<F>>> = columns.into_iter().map(Some).collect();
    groups
        .iter()
        .map(|g| {
            let mut units = Vec::new();
            for &i in g {
                let column = slots
                    .get_mut(i)
                    .and_then(Option::take)
                    .ok_or_else(|| ProveError::key_mismatch("weights", "weight column"))?;
                units.extend(shapes.units_of(i, column)?);
            }
            Ok(units)
        })
        .collect()
}

/// Commits group `g` (its columns `columns`, their shapes `vars`) and its opening mask derived
/// from the key's `seed`, for `uses` proofs, and absorbs the commitment into `t`.
/// Deterministic in (`columns`, `seed`, `g`, `uses`).
fn commit_group(
    pcs: PcsConfig,
    columns: Vec<Vec<F>>,
    vars: &[usize],
    seed: &[u8; 32],
    g: usize,
    uses: usize,
    t: &mut Transcript,
) -> Result<(ReusableCommitment, ReusableCommittedData), ProveError> {
    let (seeded, columns) = seeded_group(pcs, columns, vars, seed, g, uses)?;
    Ok(seeded.commit_reusable(&columns, uses, t)?)
}

/// Group `g`'s committed columns (its weight columns `columns`, then its opening mask) and the
/// engine seeded as its commitment is: what setup commits and what a proof re-derives.
fn seeded_group(
    pcs: PcsConfig,
    mut columns: Vec<Vec<F>>,
    vars: &[usize],
    seed: &[u8; 32],
    g: usize,
    uses: usize,
) -> Result<(HidingPcs, Vec<Vec<F>>), zkinfer_pcs::PcsError> {
    let seed = group_seed(seed, g);
    columns.push(opening_mask(&seed, uses));
    Ok((
        HidingPcs::from_seed(group_config(pcs, vars, uses), seed)?,
        columns,
    ))
}

/// Setup's commitment of every group: the groups' roots, one after the other, and each group's
/// data when `keep` says to keep it (all groups' or none).
pub(crate) fn commit_all(
    pcs: PcsConfig,
    columns: Vec<Vec<F>>,
    shapes: &WeightShapes,
    seed: &[u8; 32],
    uses: usize,
    keep: WeightsData,
    t: &mut Transcript,
) -> Result<(Vec<u8>, Vec<StoredHidingData>), ProveError> {
    let groups = groups(pcs, shapes, uses);
    let mut roots = Vec::with_capacity(32 * groups.len());
    let mut kept = Vec::new();
    let mut keeping = keep != WeightsData::Seed;
    let mut bytes = 0usize;
    for (g, (cols, group)) in split(columns, &groups, shapes)?
        .into_iter()
        .zip(&groups)
        .enumerate()
    {
        let vars = group_vars(shapes, group);
        let (commitment, data) = commit_group(pcs, cols, &vars, seed, g, uses, t)?;
        roots.extend_from_slice(&commitment.root());
        if keeping {
            let data = data.into_stored();
            bytes = bytes.saturating_add(usize::try_from(data.tree_len()).unwrap_or(usize::MAX));
            if keep == WeightsData::Auto && bytes > STORED_DATA_AUTO_LIMIT {
                keeping = false;
                kept.clear();
            } else {
                kept.push(data);
            }
        }
    }
    Ok((roots, kept))
}

/// A proof's side of the weights groups: what each group's claims and opening need, derived
/// lazily so that one group's stack or codeword is held at a time.
pub(crate) struct Groups<'a> {
    pcs: PcsConfig,
    uses: usize,
    seed: Option<[u8; 32]>,
    stored: &'a [StoredHidingData],
    shapes: WeightShapes,
    aliases: Vec<WeightAlias>,
    groups: Vec<Vec<usize>>,
    commitments: Vec<ReusableCommitment>,
    /// The one group's masked commitment (a key with [`crate::VerifyingKey::weights_joint_vars`]);
    /// `commitments` is then empty.
    masked: Option<MaskedGroup<'a>>,
}

/// A key's weights on one masked commitment (docs/ZK.md §18): its engine, commitment and data
/// (the key's, or re-derived from the seed when the proof starts).
struct MaskedGroup<'a> {
    engine: MaskedPcs,
    commitment: MaskedBatchCommitment,
    data: MaskedStored<'a>,
    /// Whether the data is the key's stored one (its weights are checked against the key's
    /// weight columns when the stack is read).
    from_key: bool,
}

enum MaskedStored<'a> {
    Key(&'a StoredMaskedBatch),
    Rederived(Box<StoredMaskedBatch>),
}

impl MaskedStored<'_> {
    fn get(&self) -> &StoredMaskedBatch {
        match self {
            Self::Key(s) => s,
            Self::Rederived(s) => s,
        }
    }
}

impl<'a> Groups<'a> {
    /// The groups of a key whose verifying key pins `root` (the groups' roots) and `uses`, for
    /// the weight columns `weights`, the key's `seed` and its stored commitment data (every
    /// group's, or none: then each group is re-derived from the seed when it is opened); absorbs
    /// every group's commitment into `t` as the verifier does (nothing is encoded here).
    #[allow(
        clippy::too_many_arguments,
        reason = "the proving key's weights parts, taken apart from the key by the prover"
    )]
    pub(crate) fn absorb(
        pcs: PcsConfig,
        plan: &crate::plan::Plan,
        root: &[u8],
        uses: usize,
        seed: Option<[u8; 32]>,
        stored: &'a [StoredHidingData],
        t: &mut Transcript,
    ) -> Result<Self, ProveError> {
        let shapes = WeightShapes::of(plan);
        let uses_u32 = u32::try_from(uses)
            .map_err(|_| ProveError::Backend(format!("{uses} proofs: too many for one key")))?;
        let commitments = expected(root, &shapes, pcs, uses_u32)
            .map_err(|e| ProveError::Backend(e.to_string()))?;
        let groups = groups(pcs, &shapes, uses);
        if !stored.is_empty() && stored.len() != groups.len() {
            return Err(ProveError::key_mismatch(
                "weights",
                "the proving key's stored weights data does not have one part per weights group",
            ));
        }
        if stored.is_empty() && seed.is_none() {
            return Err(ProveError::key_mismatch(
                "weights",
                "the proving key has neither the weights seed nor the stored data of its hiding weights commitment",
            ));
        }
        for (c, group) in commitments.iter().zip(&groups) {
            engine(pcs, &group_vars(&shapes, group), uses)?.absorb_reusable_commitment(c, t)?;
        }
        Ok(Self {
            pcs,
            uses,
            seed,
            stored,
            shapes,
            aliases: plan.weight_aliases.clone(),
            groups,
            commitments,
            masked: None,
        })
    }

    /// [`Groups::absorb`] for a key whose weights are one masked commitment at a joint stack of
    /// `2^joint_vars` ([`crate::VerifyingKey::weights_joint_vars`]): the key's `stored` data, or
    /// (none stored) the commitment re-derived from the `seed` and `weights` here, checked
    /// against the verifying key's.
    #[allow(
        clippy::too_many_arguments,
        reason = "the proving key's weights parts, taken apart from the key by the prover"
    )]
    pub(crate) fn absorb_masked(
        pcs: PcsConfig,
        plan: &crate::plan::Plan,
        root: &[u8],
        uses: usize,
        joint: MaskedJoint,
        seed: Option<[u8; 32]>,
        stored: Option<&'a StoredMaskedBatch>,
        weights: &[Vec<i64>],
        t: &mut Transcript,
    ) -> Result<Self, ProveError> {
        let shapes = WeightShapes::of(plan);
        let commitment = expected_masked(root, &shapes, pcs, uses, joint)
            .map_err(|e| ProveError::Backend(e.to_string()))?;
        let groups = groups(pcs, &shapes, uses);
        let engine = MaskedPcs::new(joint.config(pcs));
        let mut this = Self {
            pcs,
            uses,
            seed,
            stored: &[],
            shapes,
            aliases: plan.weight_aliases.clone(),
            groups,
            commitments: Vec::new(),
            masked: None,
        };
        let (data, from_key) = match stored {
            Some(s) => {
                if engine.stored_commitment(s).map_err(masked_err)? != commitment {
                    return Err(ProveError::Backend(
                        "the proving key's stored weights data does not fit its verifying key; \
                         run `zkinfer setup` again"
                            .into(),
                    ));
                }
                (MaskedStored::Key(s), true)
            }
            None => {
                let seed = seed.ok_or_else(|| {
                    ProveError::key_mismatch(
                        "weights",
                        "the proving key has neither the weights seed nor the stored data of \
                         its weights commitment",
                    )
                })?;
                let mut scratch = Transcript::new(b"zkinfer/weights/rederive");
                let (c, data) = commit_masked(
                    pcs,
                    this.columns(weights, 0)?,
                    &seed,
                    uses,
                    joint,
                    &mut scratch,
                )?;
                if c != commitment {
                    return Err(ProveError::Backend(
                        "the proving key's weights do not match its verifying key".into(),
                    ));
                }
                (MaskedStored::Rederived(Box::new(data)), false)
            }
        };
        engine
            .absorb_reusable_batch_commitment(&commitment, uses, t)
            .map_err(masked_err)?;
        this.masked = Some(MaskedGroup {
            engine,
            commitment,
            data,
            from_key,
        });
        Ok(this)
    }

    /// The masked commitment of a key whose weights are on one ([`Groups::absorb_masked`]).
    pub(crate) fn masked_commitment(&self) -> Option<&MaskedBatchCommitment> {
        self.masked.as_ref().map(|m| &m.commitment)
    }

    /// Opens the masked weights commitment at `stack` and the witness `x` (committed at the
    /// joint stack) at its claims in one masked opening ([`MaskedPcs::open_joint_stored`]).
    pub(crate) fn open_joint_masked(
        &self,
        stack: &zkinfer_pcs::StackClaim,
        x: zkinfer_pcs::masked::MaskedBatchData,
        x_claims: &[zkinfer_pcs::ColumnClaim],
        x_stack: Option<&zkinfer_pcs::StackClaim>,
        t: &mut Transcript,
    ) -> Result<zkinfer_pcs::masked::MaskedProof, ProveError> {
        let m = self
            .masked
            .as_ref()
            .ok_or_else(|| ProveError::key_mismatch("weights", "masked weights commitment"))?;
        m.engine
            .open_joint_stored(
                m.data.get(),
                &[],
                std::slice::from_ref(stack),
                x,
                x_claims,
                x_stack.map_or(&[][..], std::slice::from_ref),
                t,
            )
            .map_err(masked_err)
    }

    /// The number of groups.
    pub(crate) fn len(&self) -> usize {
        self.groups.len()
    }

    /// The claims on the weights sorted into the groups ([`claims_by_group`]).
    pub(crate) fn claims_by_group(
        &self,
        claims: Vec<crate::claims::ColClaim>,
    ) -> Option<Vec<Vec<GroupClaim>>> {
        claims_by_group(claims, &self.aliases, &self.groups, &self.shapes)
    }

    fn columns(&self, weights: &[Vec<i64>], g: usize) -> Result<Vec<Vec<F>>, ProveError> {
        let group = self
            .groups
            .get(g)
            .ok_or_else(|| ProveError::key_mismatch("weights", "weights group"))?;
        let mut units = Vec::new();
        for &i in group {
            units.extend(self.units(weights, i)?);
        }
        Ok(units)
    }

    /// Weight column `i` in the field, cut into the units it is committed as.
    fn units(&self, weights: &[Vec<i64>], i: usize) -> Result<Vec<Vec<F>>, ProveError> {
        let column = weights
            .get(i)
            .map(|c| crate::ops::util::to_field(c))
            .ok_or_else(|| ProveError::key_mismatch("weights", "weight column"))?;
        self.shapes.units_of(i, column)
    }

    fn vars(&self, g: usize) -> Vec<usize> {
        self.groups
            .get(g)
            .map(|group| group_vars(&self.shapes, group))
            .unwrap_or_default()
    }

    /// Group `g`'s commitment.
    pub(crate) fn commitment(&self, g: usize) -> Result<&ReusableCommitment, ProveError> {
        self.commitments
            .get(g)
            .ok_or_else(|| ProveError::key_mismatch("weights", "weights group"))
    }

    /// Each claim's point (on group `g`'s columns, by index in the group) lifted to its stack.
    pub(crate) fn lift(
        &self,
        g: usize,
        claims: &[zkinfer_pcs::ColumnClaim],
    ) -> Result<Vec<Vec<zkinfer_field::EF>>, ProveError> {
        if let Some(m) = &self.masked {
            let (_, points) = m
                .engine
                .lift_batch(&m.commitment, claims)
                .map_err(masked_err)?;
            return Ok(points);
        }
        let (_, points) = engine(self.pcs, &self.vars(g), self.uses)?
            .lift_reusable(self.commitment(g)?, claims)?;
        Ok(points)
    }

    /// Group `g`'s stacked polynomial (its weights and opening mask), not encoded.
    pub(crate) fn stacked_values(
        &self,
        weights: &[Vec<i64>],
        g: usize,
    ) -> Result<Cow<'_, [F]>, ProveError> {
        if let Some(m) = &self.masked {
            let values = m.engine.stored_stacked_values(m.data.get());
            if m.from_key {
                self.check_masked_holds(m, weights, &values)?;
            }
            return Ok(Cow::Owned(values));
        }
        if let Some(stored) = self.stored.get(g) {
            // The key's weights must be those its stored commitment holds (as a re-derived
            // commitment must have the verifying key's root).
            // Column by column, each dropped once compared: the group's columns all at once
            // would be a second copy of its stack (1 GiB per GPT-2 124M group).
            let group = self
                .groups
                .get(g)
                .ok_or_else(|| ProveError::key_mismatch("weights", "weights group"))?;
            let mut failed = None;
            let units = group.iter().flat_map(|&i| {
                self.units(weights, i).unwrap_or_else(|e| {
                    failed.get_or_insert(e);
                    Vec::new()
                })
            });
            let holds = engine(self.pcs, &self.vars(g), self.uses)?.stored_holds(stored, units)?;
            if let Some(e) = failed {
                return Err(e);
            }
            if !holds {
                return Err(ProveError::Backend(
                    "the proving key's weights do not match its stored weights commitment".into(),
                ));
            }
            return Ok(engine(self.pcs, &self.vars(g), self.uses)?.stored_stacked_values(stored)?);
        }
        let seed = self
            .seed
            .ok_or_else(|| ProveError::key_mismatch("weights", "weights seed"))?;
        // Seeded as `commit_group` seeds the commitment: a stack that keeps the openings'
        // randomness in its free tail is reduced on with that randomness.
        let (seeded, columns) = seeded_group(
            self.pcs,
            self.columns(weights, g)?,
            &self.vars(g),
            &seed,
            g,
            self.uses,
        )?;
        Ok(Cow::Owned(
            seeded.reusable_stacked_values(&columns, self.uses)?,
        ))
    }

    /// The key's stored masked weights stack `values` holds the key's weight columns (as a
    /// re-derived commitment must have the verifying key's root).
    fn check_masked_holds(
        &self,
        m: &MaskedGroup<'_>,
        weights: &[Vec<i64>],
        values: &[F],
    ) -> Result<(), ProveError> {
        let vars: Vec<usize> = m.commitment.num_vars.iter().map(|&n| n as usize).collect();
        let slots = m.engine.batch_slots(&vars).map_err(masked_err)?.slots;
        let columns = self.columns(weights, 0)?;
        let holds = columns.len() + 1 == slots.len()
            && columns.iter().zip(&slots).all(|(c, &(_, offset))| {
                values
                    .get(offset..offset.saturating_add(c.len()))
                    .is_some_and(|v| v == c.as_slice())
            });
        if holds {
            Ok(())
        } else {
            Err(ProveError::Backend(
                "the proving key's weights do not match its stored weights commitment".into(),
            ))
        }
    }

    /// [`joint`] for these groups and a witness of columns of `x_vars` variables: the masked
    /// joint stack for a key whose weights are on one masked commitment.
    pub(crate) fn joint(&self, x_vars: &[u32]) -> Option<crate::commit::Joint> {
        if let Some(m) = &self.masked {
            return Some(crate::commit::Joint::Masked(MaskedJoint {
                stack_vars: m.commitment.stack.stack_vars,
                fold: m.engine.config().fold,
            }));
        }
        joint(self.pcs, &self.shapes, &self.commitments, self.uses, x_vars)
    }

    /// Opens the one group's commitment at `stack` and the witness `x` (committed for `joint`)
    /// at its claims in one proof ([`HidingPcs::open_joint`]): from the key's stored data, or
    /// re-derived from the seed and `weights` as [`Groups::open`] does.
    #[allow(
        clippy::too_many_arguments,
        reason = "two commitments' data, each with its claims"
    )]
    pub(crate) fn open_joint(
        &self,
        weights: Option<&[Vec<i64>]>,
        stack: &zkinfer_pcs::StackClaim,
        joint: &crate::commit::Joint,
        x: zkinfer_pcs::HidingCommittedData,
        x_claims: &[zkinfer_pcs::ColumnClaim],
        x_stack: Option<&zkinfer_pcs::StackClaim>,
        t: &mut Transcript,
    ) -> Result<HidingOpeningProof, ProveError> {
        let crate::commit::Joint::Hiding(engine, shape) = joint else {
            return Err(ProveError::key_mismatch(
                "weights",
                "a masked joint opening where the weights are on a HidingPcs group",
            ));
        };
        let w = self.commitment(0)?;
        let x_stack = x_stack.map_or(&[][..], std::slice::from_ref);
        let rederived;
        let stored = match self.stored.first() {
            Some(stored) => stored,
            None => {
                let seed = self
                    .seed
                    .ok_or_else(|| ProveError::key_mismatch("weights", "weights seed"))?;
                let weights =
                    weights.ok_or_else(|| ProveError::key_mismatch("weights", "weight columns"))?;
                let mut scratch = Transcript::new(b"zkinfer/weights/rederive");
                let (commitment, data) = commit_group(
                    self.pcs,
                    self.columns(weights, 0)?,
                    &self.vars(0),
                    &seed,
                    0,
                    self.uses,
                    &mut scratch,
                )?;
                if &commitment != w {
                    return Err(ProveError::Backend(
                        "the proving key's weights do not match its verifying key".into(),
                    ));
                }
                rederived = data.into_stored();
                &rederived
            }
        };
        engine
            .open_joint(
                shape,
                stored,
                w,
                std::slice::from_ref(stack),
                x,
                x_claims,
                x_stack,
                t,
            )
            .map_err(|e| match e {
                zkinfer_pcs::PcsError::StoredData { reason } => ProveError::Backend(format!(
                    "the proving key's stored weights data does not fit its verifying key \
                     ({reason}); run `zkinfer setup` again"
                )),
                other => other.into(),
            })
    }

    /// Whether the key stores every group's commitment data: then opening reads only that data,
    /// and [`Groups::open`] needs no weight columns.
    pub(crate) fn all_stored(&self) -> bool {
        self.stored.len() == self.groups.len()
    }

    /// Opens `stack` on group `g`'s commitment with fresh OS randomness: in place when the key
    /// stores the group's data, else re-derived from the seed and the weight columns `weights`
    /// (checking it is the key's; `None`, dropped before the openings because every group is
    /// stored, is then an error) and dropped on return.
    pub(crate) fn open(
        &self,
        weights: Option<&[Vec<i64>]>,
        g: usize,
        stack: &zkinfer_pcs::StackClaim,
        t: &mut Transcript,
    ) -> Result<HidingOpeningProof, ProveError> {
        let vars = self.vars(g);
        if let Some(stored) = self.stored.get(g) {
            return engine(self.pcs, &vars, self.uses)?
                .open_stored(
                    stored,
                    self.commitment(g)?,
                    &[],
                    std::slice::from_ref(stack),
                    t,
                )
                .map_err(|e| match e {
                    zkinfer_pcs::PcsError::StoredData { reason } => ProveError::Backend(format!(
                        "the proving key's stored weights data does not fit its verifying key \
                         ({reason}); run `zkinfer setup` again"
                    )),
                    other => other.into(),
                });
        }
        let seed = self
            .seed
            .ok_or_else(|| ProveError::key_mismatch("weights", "weights seed"))?;
        let mut scratch = Transcript::new(b"zkinfer/weights/rederive");
        let weights =
            weights.ok_or_else(|| ProveError::key_mismatch("weights", "weight columns"))?;
        let (commitment, mut data) = commit_group(
            self.pcs,
            self.columns(weights, g)?,
            &vars,
            &seed,
            g,
            self.uses,
            &mut scratch,
        )?;
        if &commitment != self.commitment(g)? {
            return Err(ProveError::Backend(
                "the proving key's weights do not match its verifying key".into(),
            ));
        }
        Ok(engine(self.pcs, &vars, self.uses)?.open_reusable(
            &mut data,
            &[],
            std::slice::from_ref(stack),
            t,
        )?)
    }
}

/// The commitments a verifying key pins, one per group: the roots ([`DIGEST_BYTES`] each, in group
/// order), each group's weight columns' shapes and the opening mask's, the budget.
///
/// # Errors
/// Roots of the wrong total length.
pub fn expected(
    root: &[u8],
    shapes: &WeightShapes,
    pcs: PcsConfig,
    uses: u32,
) -> Result<Vec<ReusableCommitment>, VerifyError> {
    let groups = groups(pcs, shapes, uses as usize);
    if root.len() != DIGEST_BYTES * groups.len() {
        return Err(VerifyError::at(
            "weights commitment",
            format!(
                "the key's weights roots are {} bytes; its weights make {} groups of {DIGEST_BYTES} bytes",
                root.len(),
                groups.len()
            ),
        ));
    }
    groups
        .iter()
        .zip(root.chunks_exact(DIGEST_BYTES))
        .map(|(group, r)| {
            let r: Digest = r.try_into().map_err(|_| {
                VerifyError::at(
                    "weights commitment",
                    format!("a weights root is not {DIGEST_BYTES} bytes"),
                )
            })?;
            Ok(group_commitment(shapes, group, r, uses))
        })
        .collect()
}

/// The largest number of variables of the joint polynomial `Q = W ‖ X` (one more than the
/// weights' stack) at which the witness is opened jointly with the weights; above it the two are
/// opened apart. The bound is memory: the first sumcheck of the joint run holds `Q` and its
/// claims' weight table as extension-field tables of `2^vars` entries (16 bytes each), written
/// where they are not zero (the witness's half is mostly zero padding), beside what the proof
/// holds already. Measured (docs/BENCHMARKS.md, "GPT-2 124M under 1 MB"): ResNet-18 (a 2^24
/// weights stack) proof 945 → 606 KiB, peak +0.5 GiB; MiniLM (2^25) 1,085,682 → 794,927 B,
/// peak 2,157 → 3,168 MiB; GPT-2 124M (2^27) 3,061,366 → 2,750,633 B, peak 10,300 → 13,023 MiB
/// (the profile's high-water marks), prove time within noise. A 2^28 stack (a lone column past 2^27 elements) stays
/// apart: `Q` of 2^29 would hold 16 GiB of tables.
pub const JOINT_MAX_VARS: usize = 28;

/// The joint opening of a key's private weights and a proof's witness of columns of `x_vars`
/// variables (docs/ZK.md §15): the weights group's engine and the joint shape when the weights
/// make one group, the witness fits its stack and `Q` has at most [`JOINT_MAX_VARS`]
/// variables; `None` otherwise (the two are opened apart). Prover and verifier decide it alike,
/// from the verifying key and the witness commitment's shapes.
pub(crate) fn joint(
    pcs: PcsConfig,
    shapes: &WeightShapes,
    commitments: &[ReusableCommitment],
    uses: usize,
    x_vars: &[u32],
) -> Option<crate::commit::Joint> {
    let groups = groups(pcs, shapes, uses);
    let ([group], [w]) = (&groups[..], commitments) else {
        return None;
    };
    joint_of_group(pcs, shapes, group, w, uses, x_vars)
}

/// [`joint`] for the one weights group `group` (its columns' indices) and its commitment `w`.
fn joint_of_group(
    pcs: PcsConfig,
    shapes: &WeightShapes,
    group: &[usize],
    w: &ReusableCommitment,
    uses: usize,
    x_vars: &[u32],
) -> Option<crate::commit::Joint> {
    let engine = engine(pcs, &group_vars(shapes, group), uses).ok()?;
    let x: Vec<usize> = x_vars.iter().map(|&n| n as usize).collect();
    let shape = engine.joint_shape(w, &x).ok()?;
    joint_fits(shape.stacked_vars()).then_some(crate::commit::Joint::Hiding(engine, shape))
}

/// Whether a weights stack of `stacked_vars` variables is opened jointly with the witness: `Q`
/// has one variable more, at most [`JOINT_MAX_VARS`].
const fn joint_fits(stacked_vars: usize) -> bool {
    stacked_vars < JOINT_MAX_VARS
}

/// The largest joint stack, in variables, at which a key's weights are committed with the masked
/// opening ([`masked_joint_vars`]): the masked opening's measured range
/// ([`crate::commit::MASKED_MAX_VARS`]).
pub const MASKED_JOINT_MAX_VARS: usize = crate::commit::MASKED_MAX_VARS;

thread_local! {
    static MASKED_WEIGHTS_OFF_FOR_TESTS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` with setup committing private weights as before proof format 26 (HidingPcs groups,
/// the witness opened jointly with HVZK-WHIR or apart), whatever their size: for tests of that
/// path with small models. The choice is recorded in the verifying key
/// ([`crate::VerifyingKey::weights_joint_vars`] = 0), so a key made inside `f` proves and
/// verifies anywhere.
#[doc(hidden)]
pub fn without_masked_weights_for_tests<R>(f: impl FnOnce() -> R) -> R {
    let before = MASKED_WEIGHTS_OFF_FOR_TESTS.with(|c| c.replace(true));
    let out = f();
    MASKED_WEIGHTS_OFF_FOR_TESTS.with(|c| c.set(before));
    out
}

/// Where a key's private weights are committed with the masked opening (docs/ZK.md §18): the
/// joint stack's number of variables (the weights' stack and the witness's, each) and the first
/// fold of both (key format 14: chosen per key, [`crate::commit::MASKED_JOINT_FOLDS`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MaskedJoint {
    /// The stack's number of variables ([`crate::VerifyingKey::weights_joint_vars`]).
    pub stack_vars: usize,
    /// The first fold `k` ([`crate::VerifyingKey::weights_joint_fold`]).
    pub fold: usize,
}

impl MaskedJoint {
    /// The masked opening's settings at this fold.
    #[must_use]
    pub fn config(&self, pcs: PcsConfig) -> zkinfer_pcs::masked::MaskedConfig {
        crate::commit::masked_config_with_fold(pcs, self.fold)
    }
}

/// The joint stack and first fold at which setup commits private weights of these shapes with
/// the masked opening for `uses` proofs whose witness batch has columns of `x_vars` variables
/// (docs/ZK.md §18): per first fold of [`crate::commit::MASKED_JOINT_FOLDS`], the smallest stack
/// that holds the witness's columns' stack in its half layout and the weights' with
/// `uses·queries` uniform entries per limb; of those, the smallest stack, and at equal stacks the
/// larger fold. `None` when the weights do not make one group
/// or no stack of at most 2^[`MASKED_JOINT_MAX_VARS`] entries holds them (the weights keep the
/// HidingPcs groups).
///
/// Why the fold is chosen: the budget needs `uses·queries` uniform entries in each of the `2^k`
/// limbs, so a fold of 4 halves the smallest weights stack of 5 (LeNet-5 and the 784-128-128-10
/// MLP: 2^20 → 2^19, proofs 145 → 132 and 138 → 124 KiB, keys 93 → 57 MiB). Where the witness
/// sets the stack (the CIFAR CNN, the 64-32-10 MLP) both folds need the same one, and 5 stays:
/// a fold of 4 has twice the Merkle leaves and twice the folded polynomial `P₁`, which cost the
/// CIFAR CNN +29% peak memory and twice the prove time for 6% of proof (docs/BENCHMARKS.md, "The
/// first fold per key").
#[must_use]
pub fn masked_joint_vars(
    pcs: PcsConfig,
    shapes: &WeightShapes,
    uses: usize,
    x_vars: &[usize],
) -> Option<MaskedJoint> {
    if MASKED_WEIGHTS_OFF_FOR_TESTS.with(std::cell::Cell::get) {
        return None;
    }
    let groups = groups(pcs, shapes, uses);
    let [group] = &groups[..] else {
        return None;
    };
    let committed = committed_vars(&group_vars(shapes, group), uses);
    crate::commit::MASKED_JOINT_FOLDS
        .iter()
        .filter_map(|&fold| {
            let engine = MaskedPcs::new(crate::commit::masked_config_with_fold(pcs, fold));
            let d_w = engine.batch_stacked_vars(&committed)?;
            let d_x = engine.batch_stacked_vars(x_vars)?;
            (zkinfer_pcs::masked::stack_vars(d_x, fold)..=MASKED_JOINT_MAX_VARS)
                .find(|&n| engine.reusable_fits(d_w, n, uses))
                .map(|stack_vars| MaskedJoint { stack_vars, fold })
        })
        .min_by_key(|j| (j.stack_vars, std::cmp::Reverse(j.fold)))
}

/// The masked weights commitment a verifying key pins (docs/ZK.md §18): its one group's root,
/// the group's committed columns' shapes (weights, then the opening mask), the joint stack.
///
/// # Errors
/// A root that is not [`DIGEST_BYTES`] bytes, or weights that do not make one group a masked commitment takes.
pub fn expected_masked(
    root: &[u8],
    shapes: &WeightShapes,
    pcs: PcsConfig,
    uses: usize,
    joint: MaskedJoint,
) -> Result<MaskedBatchCommitment, VerifyError> {
    let at = |m: &str| VerifyError::at("weights commitment", m);
    let groups = groups(pcs, shapes, uses);
    let [group] = &groups[..] else {
        return Err(at(
            "a masked weights commitment of weights in several groups",
        ));
    };
    let root: Digest = root.try_into().map_err(|_| {
        at(&format!(
            "the key's masked weights root is not {DIGEST_BYTES} bytes"
        ))
    })?;
    let vars = committed_vars(&group_vars(shapes, group), uses);
    let data_vars = MaskedPcs::new(joint.config(pcs))
        .batch_stacked_vars(&vars)
        .ok_or_else(|| at("weights a masked commitment does not take"))?;
    Ok(MaskedBatchCommitment {
        stack: MaskedCommitment {
            root,
            data_vars,
            stack_vars: joint.stack_vars,
        },
        num_vars: vars
            .into_iter()
            .map(|n| u32::try_from(n).unwrap_or(u32::MAX))
            .collect(),
    })
}

/// The seed of the masked weights commitment's randomness, derived from the key's seed.
fn masked_rng_seed(seed: &[u8; 32]) -> [u8; 32] {
    derive_seed(b"zkinfer/weights/masked", &[], seed)
}

/// Commits the one group's weight `columns` and its opening mask (derived from `seed`) with the
/// masked opening's reusable commitment at the joint stack and fold `joint`, its randomness
/// derived from `seed` too (a proof re-derives the same commitment), and absorbs it into `t`.
fn commit_masked(
    pcs: PcsConfig,
    mut columns: Vec<Vec<F>>,
    seed: &[u8; 32],
    uses: usize,
    joint: MaskedJoint,
    t: &mut Transcript,
) -> Result<(MaskedBatchCommitment, StoredMaskedBatch), ProveError> {
    columns.push(opening_mask(&group_seed(seed, 0), uses));
    let engine = MaskedPcs::new(joint.config(pcs));
    let mut rng = MaskedPcs::seeded_rng(masked_rng_seed(seed));
    let (c, data) = engine
        .commit_reusable_batch(&columns, uses, joint.stack_vars, &mut rng, t)
        .map_err(masked_err)?;
    if c.stack.stack_vars != joint.stack_vars {
        return Err(ProveError::Backend(format!(
            "the weights' masked commitment took a stack of 2^{} instead of 2^{}",
            c.stack.stack_vars, joint.stack_vars
        )));
    }
    Ok((c, data.into_stored()))
}

/// Setup's masked commitment of the weights' one group ([`masked_joint_vars`]): the root, and
/// the data unless `keep` is [`WeightsData::Seed`].
#[allow(
    clippy::too_many_arguments,
    reason = "setup's weights parts and the masked commitment's size"
)]
pub(crate) fn commit_all_masked(
    pcs: PcsConfig,
    columns: Vec<Vec<F>>,
    shapes: &WeightShapes,
    seed: &[u8; 32],
    uses: usize,
    joint: MaskedJoint,
    keep: WeightsData,
    t: &mut Transcript,
) -> Result<(Vec<u8>, Option<StoredMaskedBatch>), ProveError> {
    let groups = groups(pcs, shapes, uses);
    let mut split = split(columns, &groups, shapes)?.into_iter();
    let (Some(cols), None) = (split.next(), split.next()) else {
        return Err(ProveError::Backend(
            "a masked weights commitment of weights in several groups".into(),
        ));
    };
    let (c, data) = commit_masked(pcs, cols, seed, uses, joint, t)?;
    Ok((
        c.stack.root.to_vec(),
        (keep != WeightsData::Seed).then_some(data),
    ))
}

#[allow(
    clippy::needless_pass_by_value,
    reason = "the shape `map_err` passes the error in"
)]
fn masked_err(e: zkinfer_pcs::masked::MaskedError) -> ProveError {
    ProveError::Backend(e.to_string())
}

/// The verifier's engines, one per group, for a key with settings `pcs`.
pub(crate) fn verifier_engines(
    pcs: PcsConfig,
    shapes: &WeightShapes,
    uses: usize,
) -> Result<Vec<HidingPcs>, VerifyError> {
    groups(pcs, shapes, uses)
        .iter()
        .map(|group| {
            engine(pcs, &group_vars(shapes, group), uses)
                .map_err(|e| VerifyError::at("weights commitment", e))
        })
        .collect()
}

/// A claim on the weights as one group's stack reduction takes it: the claim (its value and
/// masks; its point moved into the terms) and the evaluation it is on, `Σ_t c_t·unit_t(p_t)`
/// as `(c_t, unit_t, p_t)` with `unit_t` a committed column of the group (a piece of the
/// claimed column, or the column itself with `c = 1`).
#[derive(Clone, Debug)]
pub(crate) struct GroupClaim {
    pub(crate) claim: crate::claims::Claim,
    pub(crate) terms: Vec<(EF, usize, Vec<EF>)>,
}

/// The claims on the weight columns sorted into `groups`: each claim on its group's committed
/// columns (a column committed as pieces: one term per piece), an alias's claim moved to its
/// target at the swapped point. `None` for a claim on a column in no group or a point that
/// does not fit its column. The prover's and the verifier's `weights_on_stack` share it.
pub(crate) fn claims_by_group(
    claims: Vec<crate::claims::ColClaim>,
    aliases: &[WeightAlias],
    groups: &[Vec<usize>],
    shapes: &WeightShapes,
) -> Option<Vec<Vec<GroupClaim>>> {
    let mut per_group: Vec<Vec<GroupClaim>> = groups.iter().map(|_| Vec::new()).collect();
    for c in claims {
        let mut claim = c.claim;
        let column = match aliases.iter().find(|a| a.column == c.column) {
            Some(a) => {
                claim.point = a.target_point(&claim.point)?;
                a.target
            }
            None => c.column,
        };
        let (g, i) = groups
            .iter()
            .enumerate()
            .find_map(|(g, cols)| cols.iter().position(|&x| x == column).map(|i| (g, i)))?;
        // The column's first committed column in its group.
        let first: usize = groups
            .get(g)?
            .get(..i)?
            .iter()
            .map(|&x| shapes.units_len(x))
            .sum();
        let point = std::mem::take(&mut claim.point);
        let terms = match shapes.pieces_of(column) {
            Some(ps) => ps
                .iter()
                .enumerate()
                .map(|(k, p)| {
                    let (coeff, point) = p.split_point(&point)?;
                    Some((coeff, first + k, point))
                })
                .collect::<Option<Vec<_>>>()?,
            None => vec![(EF::ONE, first, point)],
        };
        per_group.get_mut(g)?.push(GroupClaim { claim, terms });
    }
    Some(per_group)
}

/// One group's claims lifted to its stack by `lift` (every term's point on its committed
/// column → a point of the stack), as the weighted stack reduction takes them: the claims
/// (values and masks) and their weighted points. A claim on a whole column is the one term
/// `(1, lifted point)`, which the masked reduction treats exactly as a claim at that point. The
/// prover's and the verifier's `weights_on_stack` share it.
///
/// # Errors
/// What `lift` returns; `wrong_length` for a lift of the wrong length.
pub(crate) fn lift_group_claims<E>(
    claims: Vec<GroupClaim>,
    lift: impl FnOnce(&[zkinfer_pcs::ColumnClaim]) -> Result<Vec<Vec<EF>>, E>,
    wrong_length: E,
) -> Result<
    (
        Vec<crate::claims::Claim>,
        Vec<zkinfer_sumcheck::WeightedPoint>,
    ),
    E,
> {
    let cols: Vec<zkinfer_pcs::ColumnClaim> = claims
        .iter()
        .flat_map(|c| {
            c.terms
                .iter()
                .map(|(_, unit, point)| zkinfer_pcs::ColumnClaim {
                    column: *unit,
                    point: point.clone(),
                    value: EF::ZERO,
                })
        })
        .collect();
    let points = lift(&cols)?;
    if points.len() != cols.len() {
        return Err(wrong_length);
    }
    let mut lifted = points.into_iter();
    let (out, weighted) = claims
        .into_iter()
        .map(|c| {
            let w: zkinfer_sumcheck::WeightedPoint = c
                .terms
                .iter()
                .map(|(coeff, _, _)| (*coeff, lifted.next().unwrap_or_default()))
                .collect();
            (c.claim, w)
        })
        .unzip();
    Ok((out, weighted))
}

#[cfg(test)]
mod tests {
    /// The masked weights commitment takes small weights with a witness that fits 2^22, at the
    /// smallest joint stack — the witness's half layout, or the budget's `T·queries` per limb —
    /// over the two first folds, the larger at equal stacks.
    #[test]
    fn masked_weights_take_small_models_at_the_smallest_joint_stack() {
        use super::{MaskedJoint, WeightShapes, masked_joint_vars};
        let pcs = zkinfer_pcs::PcsConfig::default();
        let at = |stack_vars, fold| Some(MaskedJoint { stack_vars, fold });
        // Weights stacked in 2^17 (with the opening mask of 256 uses).
        let small: WeightShapes = (&[16usize, 12, 10][..]).into();
        // A small witness: 256 uses need 256·57 = 14,592 uniform entries per limb, so 2^15 per
        // limb: 2^20 in 32 limbs, 2^19 in 16. The fold of 4 halves the stack.
        assert_eq!(masked_joint_vars(pcs, &small, 256, &[12]), at(19, 4));
        // A witness stacked in 2^18 (LeNet-5's since key format 14): its half layout fits 2^19
        // at a fold of 4, which holds 256 uses; at 5 the budget needs 2^20.
        assert_eq!(masked_joint_vars(pcs, &small, 256, &[17, 16]), at(19, 4));
        // A witness stacked in 2^19: its half layout needs 2^20 at either fold; at equal stacks
        // the fold of 5 (half the Merkle leaves and half `P₁`: less time and memory).
        assert_eq!(
            masked_joint_vars(pcs, &small, 256, &[18, 17, 14]),
            at(20, 5)
        );
        // 4 uses: a stack larger than the weights', 2^18, at either fold.
        assert_eq!(masked_joint_vars(pcs, &small, 4, &[12]), at(18, 5));
        // A witness stacked in 2^22 needs 2^23: over the bound, HidingPcs.
        assert_eq!(masked_joint_vars(pcs, &small, 256, &[22]), None);
        // ResNet-18-sized weights (2^24 stacked): HidingPcs.
        let large: WeightShapes = (&[23usize, 23][..]).into();
        assert_eq!(masked_joint_vars(pcs, &large, 256, &[18]), None);
        // Tests can keep a small model on the HidingPcs path.
        assert_eq!(
            super::without_masked_weights_for_tests(|| masked_joint_vars(pcs, &small, 256, &[12])),
            None
        );
    }

    /// The joint opening's memory bound at the models it was measured on: ResNet-18's 2^24,
    /// MiniLM's 2^25 and GPT-2 124M's 2^27 weights stacks open jointly; a 2^28 stack apart.
    #[test]
    fn the_joint_bound_takes_gpt2_and_leaves_the_largest_stack_apart() {
        assert!(joint_fits(21) && joint_fits(24) && joint_fits(25) && joint_fits(27));
        assert!(!joint_fits(28) && !joint_fits(29));
    }

    use super::*;

    /// The cost model's joint stack: the weights' stack when the proof opens jointly, else 0.
    #[test]
    fn the_joint_stack_is_the_weights_stack_or_nothing() {
        let pcs = PcsConfig::default();
        let one_group = WeightShapes::from(&[16usize, 14][..]);
        let len = joint_stack_len(pcs, &one_group, 256, &[12, 10]);
        assert!(len.is_power_of_two() && len >= 1 << 16, "{len}");
        // A witness that needs a larger stack than the weights' opens apart.
        assert_eq!(joint_stack_len(pcs, &one_group, 256, &[30]), 0);
        // Weights in several groups open apart.
        let two_groups = WeightShapes::from(&[28usize, 28][..]);
        assert!(groups(pcs, &two_groups, 256).len() > 1);
        assert_eq!(joint_stack_len(pcs, &two_groups, 256, &[12]), 0);
    }

    #[test]
    fn every_column_is_in_one_group_and_groups_respect_the_cap() {
        let pcs = PcsConfig::default();
        // GPT-2 124M's shapes in small: two 2^28 columns (lone groups), two 2^26 ones, 2^22
        // ones, small ones.
        let vars = [
            26, 22, 22, 20, 10, 22, 4, 26, 22, 22, 22, 22, 22, 22, 22, 22, 22, 22, 22, 22, 22, 28,
            28,
        ];
        let made = groups(pcs, &WeightShapes::from(&vars[..]), 256);
        let mut seen: Vec<usize> = made.iter().flatten().copied().collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..vars.len()).collect::<Vec<_>>());
        let mask = 1u128 << mask_vars(256);
        for g in &made {
            assert!(g.windows(2).all(|w| w[0] < w[1]), "ascending: {g:?}");
            let load: u128 = g.iter().map(|&i| 1u128 << vars[i].max(4)).sum();
            // Only a lone column may pass the cap (the 2^28 ones).
            assert!(
                load + mask <= 1 << GROUP_STACK_VARS || g.len() == 1,
                "{g:?}: {load}"
            );
        }
        // The 2^28 columns alone, largest first; each 2^26 column then fills a group with 2^22
        // ones (fifteen and the 2^20 column fit beside it with the mask and the room for the
        // openings' randomness in the stack's free tail — a 2^27 stack at rate 1/4 needs less
        // of it than at 1/2, where the 2^20 column did not fit; the sixteenth 2^22 column goes
        // to the next group).
        assert_eq!(made.len(), 4, "{made:?}");
        assert_eq!(made[0], vec![21]);
        assert_eq!(made[1], vec![22]);
        assert!(made[2].contains(&0) && made[3].contains(&7), "{made:?}");
        assert_eq!(made[2].len(), 19, "{made:?}");
        assert!(made[2].contains(&3), "{made:?}");
        assert_eq!(made[3], vec![7, 20], "{made:?}");
        let reserve = HidingPcs::new(stack_config(pcs, GROUP_STACK_VARS))
            .unwrap()
            .tail_room(GROUP_STACK_VARS, 256)
            .unwrap() as u128;
        for g in &made[2..] {
            let load: u128 = g.iter().map(|&i| 1u128 << vars[i].max(4)).sum();
            assert!(load + mask + reserve <= 1 << GROUP_STACK_VARS, "{g:?}");
        }
        assert_eq!(
            groups(pcs, &WeightShapes::from(&vars[..]), 256),
            made,
            "deterministic"
        );
        // An aliased column is in no group.
        let shapes = WeightShapes::new(vars.to_vec(), vec![21]);
        let without = groups(pcs, &shapes, 256);
        assert!(without.iter().flatten().all(|&i| i != 21), "{without:?}");
        assert_eq!(without.iter().flatten().count(), vars.len() - 1);
        // Small weights: one group, every column in order.
        assert_eq!(
            groups(pcs, &WeightShapes::from(&[10, 5, 12][..]), 256),
            vec![vec![0, 1, 2]]
        );
    }

    /// GPT-2 124M's weight tensors as `(logical, padded)` axes: per layer `c_attn`, attention
    /// `c_proj`, `c_fc`, MLP `c_proj` (Conv1D `[in, out]`), their biases and the two layer
    /// norms' scales and shifts; then `wte`, `wpe` and the final layer norm (the tied head is
    /// an alias of `wte`, not committed).
    fn gpt2_124m_axes() -> Vec<Vec<(usize, usize)>> {
        let axis = |n: usize| (n, n.next_power_of_two());
        let mut out = Vec::new();
        for _ in 0..12 {
            for (i, o) in [(768, 2304), (768, 768), (768, 3072), (3072, 768)] {
                out.push(vec![axis(i), axis(o)]);
                out.push(vec![axis(o)]);
            }
            out.extend(std::iter::repeat_n(vec![axis(768)], 4));
        }
        out.push(vec![axis(50257), axis(768)]);
        out.push(vec![axis(1024), axis(768)]);
        out.extend(std::iter::repeat_n(vec![axis(768)], 2));
        out
    }

    #[test]
    fn gpt2_124m_weights_fit_one_group() {
        type Cut<'a> = &'a dyn Fn(&[(usize, usize)]) -> Option<Vec<Piece>>;
        let shapes_with = |cut: Cut<'_>| {
            let axes = gpt2_124m_axes();
            WeightShapes {
                vars: axes
                    .iter()
                    .map(|a| a.iter().map(|x| x.1.trailing_zeros() as usize).sum())
                    .collect(),
                aliased: Vec::new(),
                pieces: axes.iter().map(|a| cut(a)).collect(),
            }
        };
        let pcs = PcsConfig::default();
        let shapes = shapes_with(&|a| pieces(a));
        // 124.4M parameters; `wte` in three row blocks holds 39.3M entries, not 50.3M.
        let committed = shapes.committed_len();
        assert!(committed < 126_000_000, "{committed}");
        let made = groups(pcs, &shapes, 256);
        assert_eq!(
            made.len(),
            1,
            "one reusable commitment, one opening per proof"
        );
        // Its stack keeps the openings' randomness in its free tail.
        let group_vars = group_vars(&shapes, &made[0]);
        assert_eq!(
            engine(pcs, &group_vars, 256)
                .expect("engine")
                .reusable_placement(&group_vars, 256)
                .expect("placement"),
            zkinfer_pcs::ReusePlacement::FreeTail
        );
        // With every axis cut in two blocks at most (key format 9), `wte` takes 50.3M entries
        // and the weights make two groups: two openings per proof.
        let two_blocks = shapes_with(&|a| crate::pieces::pieces_cut(a, 2));
        assert!(two_blocks.committed_len() > 135_000_000);
        assert_eq!(groups(pcs, &two_blocks, 256).len(), 2);
    }

    #[test]
    fn large_groups_take_the_lower_rate_and_seeds_differ_per_group() {
        let pcs = PcsConfig::default();
        let hiding = hiding_config(pcs);
        assert_eq!(
            group_config(pcs, &[20], 256).log_inv_rate,
            hiding.log_inv_rate
        );
        assert_eq!(
            group_config(pcs, &[25], 256).log_inv_rate,
            3,
            "2^26 stack: rate 1/8"
        );
        assert_eq!(
            group_config(pcs, &[26], 256).log_inv_rate,
            2,
            "2^27 stack: rate 1/4"
        );
        assert_eq!(
            group_config(pcs, &[28], 256).log_inv_rate,
            1,
            "never past 1/2"
        );
        let seed = [7u8; 32];
        assert_eq!(group_seed(&seed, 0), seed);
        assert_ne!(group_seed(&seed, 1), seed);
        assert_ne!(group_seed(&seed, 1), group_seed(&seed, 2));
    }
}
