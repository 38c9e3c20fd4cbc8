//! One HVZK-WHIR opening for two hiding commitments: a reusable one `W` (the private weights,
//! committed at setup) and a one-time one `X` (a proof's witness), each with its own claims
//! (docs/ZK.md §15, docs/PROOF_SIZE.md §2.a).
//!
//! Both commitments are opened as one polynomial of one more variable,
//!
//! ```text
//!     Q(s, x) = (1 − s)·W(x) + s·X(x),        Q = W ‖ X  (s the first coordinate),
//! ```
//!
//! a claim `W(p) = v` becoming `Q(0, p) = v` and `X(p) = v` becoming `Q(1, p) = v`. `X` is
//! committed with `W`'s configuration (its stack padded to `W`'s `n` variables, the same first
//! fold `k`, rate and encoding randomness per limb), so the codeword of `Q` under a first fold of
//! `k + 1` is the two codewords side by side: its row `i` is `W`'s row `i` then `X`'s. The first
//! oracle of `Q` is therefore the two trees as they are ([`SaltedData::Pair`], committed as the
//! cap of the two roots), and everything after the first fold — later oracles, every mask, the
//! base case — is one run instead of two. Each limb of `Q` is a limb of `W` or of `X` and keeps
//! its randomness, so each tree's opened rows stay covered by its own budget (`W`'s for its
//! `uses` openings, `X`'s for this one).
//!
//! A joint opening exists only where the configuration of `Q` (`n + 1` variables, first fold
//! `k + 1`, `W`'s later folds, level, grinding and rates) gives `W`'s first-round queries and
//! randomness and reaches the security level ([`HidingPcs::joint_shape`]); the caller otherwise
//! opens the two commitments apart.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

use std::panic::{AssertUnwindSafe, catch_unwind};

use p3_commit::{Mmcs, MultilinearPcs};
use p3_dft::TwoAdicSubgroupDft;
use p3_matrix::Matrix;
use p3_matrix::dense::RowMajorMatrix;
use p3_multilinear_util::point::Point;
use p3_multilinear_util::poly::Poly;
use p3_whir::pcs::proof::QueryOpenings;
use p3_whir::{HidingWhirProverData, ZkWhirProof};
use zkinfer_field::{EF, F, PrimeCharacteristicRing, Transcript};

use super::merkle::{SaltedData, SaltedKeccakMmcs};
use super::stack::Stack;
use super::types::HidingConfig;
use super::{
    HidingCommitment, HidingCommittedData, HidingOpeningProof, HidingPcs, ReusableCommitment,
    StackClaim, StoredHidingData, check_level, check_opened, check_report, check_security,
    check_values, randomized_round_bits,
};
use crate::types::{DIGEST_BYTES, Digest};
use crate::verifier::run_p3_verifier;
use crate::{ColumnClaim, PcsError};

/// Transcript label of a witness commitment made for a joint opening: `W`'s stack variables,
/// first fold and openings.
pub const LABEL_JOINT: zkinfer_field::TranscriptLabel = b"pcs/hiding/joint";

/// The shape of a joint opening of a reusable commitment `W` and a witness commitment `X`
/// ([`HidingPcs::joint_shape`]). Both sides derive it from public data: `W`'s commitment and
/// `X`'s column shapes.
#[derive(Clone, Debug)]
pub struct JointShape {
    /// `W`'s stack variables `n`, which `X`'s stack takes too.
    vars: usize,
    /// `W`'s configuration, which `X` is committed with.
    w_config: HidingConfig,
    /// `W`'s stack layout.
    w_stack: Stack,
    /// `X`'s stack layout (no spread: its randomness is its encoding's).
    x_stack: Stack,
    /// How many of the `2^k` limbs of `X`'s stack hold witness entries (the others are zero
    /// and not committed).
    x_width: usize,
    /// The configuration of `Q`.
    q_config: HidingConfig,
}

impl JointShape {
    /// The number of variables of both stacks.
    #[must_use]
    pub fn stacked_vars(&self) -> usize {
        self.vars
    }

    /// How many of the witness stack's `2^k` limbs hold its entries: the others are zero, not
    /// committed and not sent in the opened rows.
    #[must_use]
    pub fn x_width(&self) -> usize {
        self.x_width
    }
}

fn joint_error(reason: impl Into<String>) -> PcsError {
    PcsError::Joint {
        reason: reason.into(),
    }
}

impl HidingPcs {
    /// The joint opening's shape for the reusable commitment `w` (committed with this engine)
    /// and a witness of columns of `x_num_vars` variables, or why there is none.
    ///
    /// # Errors
    /// [`PcsError::Joint`] when the witness's stack needs more variables than `w`'s, or when no
    /// configuration of `Q` keeps `w`'s first round and reaches the level; the errors of the
    /// shapes and parameters otherwise.
    pub fn joint_shape(
        &self,
        w: &ReusableCommitment,
        x_num_vars: &[usize],
    ) -> Result<JointShape, PcsError> {
        check_security(&self.config)?;
        let (vars, w_config, w_stack) = self.place(self.stack_of(w.hiding())?, Some(w.uses()))?;
        let x_stack = Stack::new(x_num_vars, &self.config)?.with_spread(None);
        if x_stack.min_stacked_vars > vars {
            return Err(joint_error(format!(
                "the witness needs a stack of 2^{} where the weights' is 2^{vars}",
                x_stack.min_stacked_vars
            )));
        }
        let rate = w_config.starting_log_inv_rate;
        // `W`'s p3 parameters: the search that placed it, at its own candidate.
        let (found, again, params) =
            self.hiding_parameters_among(std::iter::once((vars, rate)), w_config.uses(), vars)?;
        if found != vars || again.oracle_randomness() != w_config.oracle_randomness() {
            return Err(joint_error("the weights' parameters are not reproducible"));
        }
        let schedule = params
            .protocol
            .folding_factor
            .compute_folding_schedule(vars)
            .map_err(|e| joint_error(e.to_string()))?;
        let mut q_schedule = schedule.clone();
        let first = q_schedule
            .first_mut()
            .ok_or_else(|| joint_error("the weights' schedule has no fold"))?;
        *first += 1;
        let pcs = crate::PcsConfig {
            log_inv_rate: rate,
            ..self.config
        };
        let mut q_params = pcs.protocol_parameters_with(vars + 1, Some(q_schedule))?;
        q_params.security_level = params.protocol.security_level;
        q_params.pow_bits = params.protocol.pow_bits;
        q_params
            .round_log_inv_rates
            .clone_from(&params.protocol.round_log_inv_rates);
        let q_config =
            HidingConfig::new_reusable(vars + 1, q_params, params.zk.clone(), w_config.uses())
                .map_err(|e| joint_error(e.to_string()))?;
        let same_first_round = q_config.oracle_randomness().first()
            == w_config.oracle_randomness().first()
            && q_config.round_folding_factor(0) == w_config.round_folding_factor(0) + 1
            && q_config.starting_log_inv_rate == rate
            && q_config.n_rounds() == w_config.n_rounds();
        if !same_first_round {
            return Err(joint_error(
                "the joint configuration does not keep the weights' first round",
            ));
        }
        let target = self.config.security_bits;
        if self.shape.account_randomness
            && randomized_round_bits(&q_config, vars + 1, rate) < target as f64
        {
            return Err(joint_error(format!(
                "the joint opening's randomized-rate query bound is under {target} bits"
            )));
        }
        check_report(&q_config, vars + 1, target)?;
        let limb = 1usize << (vars - w_config.round_folding_factor(0));
        let x_width = x_stack.used.div_ceil(limb).max(1);
        Ok(JointShape {
            vars,
            w_config,
            w_stack,
            x_stack,
            x_width,
            q_config,
        })
    }

    /// Commits the witness `columns` for a joint opening of `shape` (with `W`'s configuration,
    /// its stack of `W`'s variables) and absorbs the commitment as
    /// [`HidingPcs::absorb_joint_commitment`] does.
    ///
    /// # Errors
    /// Columns of other shapes than `shape`'s; as [`HidingPcs::commit`].
    pub fn commit_joint(
        &self,
        shape: &JointShape,
        columns: &[Vec<F>],
        transcript: &mut Transcript,
    ) -> Result<(HidingCommitment, HidingCommittedData), PcsError> {
        let num_vars = crate::prover::column_vars(columns)?;
        if num_vars != shape.x_stack.num_vars {
            return Err(joint_error("the columns are not the joint shape's"));
        }
        let values = shape.x_stack.fill(columns, shape.vars);
        let num_vars_u32: Vec<u32> = num_vars.iter().map(|&n| n as u32).collect();
        self.absorb_joint_shape(shape, &num_vars_u32, transcript);
        let (randomness, tree, root) = self.encode_witness(shape, &values)?;
        self.instance(shape.w_config.clone())?
            .observe_commitment(&single_cap(root), transcript);
        let commitment = HidingCommitment {
            root,
            num_vars: num_vars_u32,
        };
        Ok((
            commitment.clone(),
            HidingCommittedData {
                commitment,
                stack: shape.x_stack.clone(),
                stacked_vars: shape.vars,
                claim_vars: shape.x_stack.min_stacked_vars,
                config: shape.w_config.clone(),
                whir: HidingWhirProverData::from_parts(Poly::new(values), randomness, tree),
            },
        ))
    }

    /// The witness's first oracle: its stack `values` (`2^n`) cut into `W`'s `2^k` limbs, of
    /// which only the first `shape.x_width` hold witness entries; each of those gets `W`'s
    /// number of random encoding coefficients and is encoded as p3's committer encodes a limb
    /// (message coefficients, then the randomness, at `W`'s rate). The other limbs are zero
    /// and public, so they get no randomness and their codeword columns are zero: they are
    /// neither encoded nor committed (the joint opening's rows carry them as zeros, which the
    /// verifier checks). Returns the limb-major randomness (zeros for the zero limbs), the tree
    /// and its root.
    fn encode_witness(&self, shape: &JointShape, values: &[F]) -> Result<EncodedWitness, PcsError> {
        use rand_zk::RngExt;
        let k = shape.w_config.round_folding_factor(0);
        let limb = 1usize << (shape.vars - k);
        let per_limb = shape
            .w_config
            .oracle_randomness()
            .first()
            .copied()
            .unwrap_or(0);
        let height = limb << shape.w_config.starting_log_inv_rate;
        let width = shape.x_width;
        if limb + per_limb > height || values.len() != limb << k {
            return Err(joint_error(
                "the witness does not fit the weights' codeword",
            ));
        }
        let mut rng = self.fresh_rng()?;
        let mut randomness = vec![F::ZERO; per_limb << k];
        for r in randomness.iter_mut().take(per_limb * width) {
            *r = rng.random();
        }
        let mut matrix = vec![F::ZERO; height * width];
        for b in 0..width {
            let (message, random) = (
                values.get(b * limb..(b + 1) * limb).unwrap_or_default(),
                randomness
                    .get(b * per_limb..(b + 1) * per_limb)
                    .unwrap_or_default(),
            );
            for (row, &v) in message.iter().chain(random).enumerate() {
                if let Some(m) = matrix.get_mut(row * width + b) {
                    *m = v;
                }
            }
        }
        let encoded = self
            .dft
            .dft_batch(RowMajorMatrix::new(matrix, width))
            .to_row_major_matrix();
        let (cap, tree) = self.salted_mmcs()?.commit_matrix(encoded);
        let [root] = cap.roots() else {
            return Err(PcsError::CommitmentShape {
                what: "Merkle cap",
                expected: 1,
                got: cap.roots().len(),
            });
        };
        Ok((randomness, tree, *root))
    }

    fn absorb_joint_shape(
        &self,
        shape: &JointShape,
        num_vars: &[u32],
        transcript: &mut Transcript,
    ) {
        self.absorb_shapes(num_vars, shape.vars, transcript);
        let fields = [
            shape.vars,
            shape.w_config.round_folding_factor(0),
            shape.w_config.uses(),
        ]
        .map(|x| F::from_u64(x as u64));
        transcript.absorb_fields(LABEL_JOINT, &fields);
    }

    /// The verifier's side of [`HidingPcs::commit_joint`].
    ///
    /// # Errors
    /// A commitment whose columns are not `shape`'s.
    pub fn absorb_joint_commitment(
        &self,
        shape: &JointShape,
        x: &HidingCommitment,
        transcript: &mut Transcript,
    ) -> Result<(), PcsError> {
        if !x
            .num_vars
            .iter()
            .map(|&n| n as usize)
            .eq(shape.x_stack.num_vars.iter().copied())
        {
            return Err(joint_error(
                "the witness commitment's columns are not the joint shape's",
            ));
        }
        self.absorb_joint_shape(shape, &x.num_vars, transcript);
        self.instance(shape.w_config.clone())?
            .observe_commitment(&x.cap(), transcript);
        Ok(())
    }

    /// The number of variables of the witness's columns' stack (the committed stack's first
    /// `2^m` entries, the rest zero) and each column claim's point lifted to it: the verifier's
    /// side of [`HidingCommittedData::lift`] for a joint commitment. A [`StackClaim`] on the
    /// witness is on this stack.
    ///
    /// # Errors
    /// A claim on a missing column or with a point of the wrong length.
    pub fn lift_joint(
        &self,
        shape: &JointShape,
        claims: &[ColumnClaim],
    ) -> Result<(usize, Vec<Vec<EF>>), PcsError> {
        let m = shape.x_stack.min_stacked_vars;
        Ok((m, shape.x_stack.lift_points(claims, m)?))
    }

    /// The points of `Q` of `W`'s stack claims, then of `X`'s claims and stack claims (the
    /// order of [`joint_values`]).
    fn joint_points(
        shape: &JointShape,
        w_stack: &[StackClaim],
        x_claims: &[ColumnClaim],
        x_stack: &[StackClaim],
    ) -> Result<Vec<Point<EF>>, PcsError> {
        let w = shape.w_stack.lift(&[], w_stack, shape.vars)?;
        // A claim on the columns' stack of `m` variables is a claim on the committed stack at
        // the point with `n − m` leading zeros.
        let m = shape.x_stack.min_stacked_vars;
        let x_stack = x_stack
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if c.point.len() != m {
                    return Err(PcsError::PointLength {
                        claim: x_claims.len() + i,
                        expected: m,
                        got: c.point.len(),
                    });
                }
                let mut point = vec![EF::ZERO; shape.vars - m];
                point.extend_from_slice(&c.point);
                Ok(StackClaim {
                    point,
                    value: c.value,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let x = shape.x_stack.lift(x_claims, &x_stack, shape.vars)?;
        let with = |s: EF, p: Point<EF>| {
            let mut coords = Vec::with_capacity(shape.vars + 1);
            coords.push(s);
            coords.extend_from_slice(p.as_slice());
            Point::new(coords)
        };
        Ok(w.into_iter()
            .map(|p| with(EF::ZERO, p))
            .chain(x.into_iter().map(|p| with(EF::ONE, p)))
            .collect())
    }

    fn absorb_joint_claims(
        &self,
        w_stack: &[StackClaim],
        x_claims: &[ColumnClaim],
        x_stack: &[StackClaim],
        transcript: &mut Transcript,
    ) {
        self.absorb_claims(&[], w_stack, transcript);
        self.absorb_claims(x_claims, x_stack, transcript);
    }

    /// Opens `W` (its stored data `stored`, the key's commitment `w`) at its stack claims and
    /// `X` (`x`, committed by [`HidingPcs::commit_joint`] with `shape`, consumed) at its column
    /// and stack claims, in one proof. Does not count `W`'s opening (the caller counts, as for
    /// [`HidingPcs::open_stored`]).
    ///
    /// # Errors
    /// As [`HidingPcs::open_stored`] and [`HidingPcs::open_with_stack`].
    #[allow(
        clippy::needless_pass_by_value,
        reason = "consuming the witness data is the contract: it opens once"
    )]
    #[allow(
        clippy::too_many_arguments,
        reason = "two commitments' data, each with its claims"
    )]
    pub fn open_joint(
        &self,
        shape: &JointShape,
        stored: &StoredHidingData,
        w: &ReusableCommitment,
        w_stack: &[StackClaim],
        x: HidingCommittedData,
        x_claims: &[ColumnClaim],
        x_stack: &[StackClaim],
        transcript: &mut Transcript,
    ) -> Result<HidingOpeningProof, PcsError> {
        let bad = |reason: String| PcsError::StoredData { reason };
        self.check_stored(stored, w)?;
        let wd = stored.ready().ok_or_else(|| {
            bad("the stored tree was not attached (a key decoded without its tree)".into())
        })?;
        if x.stacked_vars != shape.vars || x.stack.num_vars != shape.x_stack.num_vars {
            return Err(joint_error(
                "the witness data was not committed for this joint shape",
            ));
        }
        let points = Self::joint_points(shape, w_stack, x_claims, x_stack)?;
        let HidingWhirProverData {
            message: x_message,
            randomness: x_randomness,
            merkle: x_merkle,
            ..
        } = x.whir;
        let mut message = Vec::with_capacity(2 << shape.vars);
        message.extend_from_slice(wd.message.as_slice());
        message.extend_from_slice(x_message.as_slice());
        // The witness's stack is in `message` now: freed before the run allocates its tables.
        drop(x_message);
        let mut randomness = wd.randomness.clone();
        randomness.extend_from_slice(&x_randomness);
        let data = HidingWhirProverData::from_parts(
            Poly::new(message),
            randomness,
            SaltedData::Pair(Box::new(wd.merkle.clone()), Box::new(x_merkle)),
        );
        let whir = self.instance(shape.q_config.clone())?;
        self.absorb_joint_claims(w_stack, x_claims, x_stack, transcript);
        whir.observe_commitment(
            &joint_cap(w.root(), x.commitment.root, shape.x_width),
            transcript,
        );
        let inner = catch_unwind(AssertUnwindSafe(|| {
            whir.open_borrowed(&data, points, transcript)
        }))
        .map_err(|_| bad("the joint opening panicked".into()))?
        .map_err(|e| PcsError::Config {
            num_vars: shape.vars + 1,
            reason: e.to_string(),
        })?;
        if let SaltedData::Pair(stored_tree, _) = &data.merkle
            && let SaltedData::Stored(lazy) = stored_tree.as_ref()
            && let Some(reason) = lazy.take_failure()
        {
            return Err(bad(reason));
        }
        check_values(&inner.evals, joint_values(w_stack, x_claims, x_stack))?;
        let mut inner = inner;
        let (sent, full) = pair_row_widths(shape);
        let rows = first_oracle_rows(&mut inner)
            .ok_or_else(|| joint_error("the first oracle's openings are not base-field rows"))?;
        for row in rows.iter_mut() {
            if row.len() != full || row.iter().skip(sent).any(|v| *v != F::ZERO) {
                return Err(joint_error(
                    "an opened row of the first oracle is not the two trees' rows",
                ));
            }
            row.truncate(sent);
        }
        Ok(HidingOpeningProof { inner })
    }

    /// The verifier's side of [`HidingPcs::open_joint`]. Never panics.
    ///
    /// # Errors
    /// As [`HidingPcs::verify_with_stack`].
    #[allow(
        clippy::too_many_arguments,
        reason = "two commitments, each with its claims"
    )]
    pub fn verify_joint(
        &self,
        shape: &JointShape,
        w: &ReusableCommitment,
        w_stack: &[StackClaim],
        x: &HidingCommitment,
        x_claims: &[ColumnClaim],
        x_stack: &[StackClaim],
        proof: &HidingOpeningProof,
        transcript: &mut Transcript,
    ) -> Result<(), PcsError> {
        check_security(&self.config)?;
        check_level(&shape.q_config)?;
        let points = Self::joint_points(shape, w_stack, x_claims, x_stack)?;
        check_opened(
            points.len(),
            &proof.inner.evals,
            joint_values(w_stack, x_claims, x_stack),
        )?;
        let whir = self.instance(shape.q_config.clone())?;
        let mut inner = proof.inner.clone();
        let (sent, full) = pair_row_widths(shape);
        let rows = first_oracle_rows(&mut inner)
            .ok_or_else(|| joint_error("the first oracle's openings are not base-field rows"))?;
        for row in rows.iter_mut() {
            if row.len() != sent {
                return Err(joint_error(
                    "an opened row of the first oracle does not have the weights' and the \
                     witness's committed widths",
                ));
            }
            row.resize(full, F::ZERO);
        }
        self.absorb_joint_claims(w_stack, x_claims, x_stack, transcript);
        let cap = joint_cap(w.root(), x.root, shape.x_width);
        run_p3_verifier(|| whir.verify(&cap, &inner, transcript, points))
    }
}

/// The claimed values of a joint opening in [`HidingPcs::joint_points`]' order: `W`'s stack
/// claims, then `X`'s claims and stack claims.
fn joint_values<'a>(
    w_stack: &'a [StackClaim],
    x_claims: &'a [ColumnClaim],
    x_stack: &'a [StackClaim],
) -> impl Iterator<Item = EF> + 'a {
    w_stack
        .iter()
        .map(|c| c.value)
        .chain(x_claims.iter().map(|c| c.value))
        .chain(x_stack.iter().map(|c| c.value))
}

/// The widths of an opened row of a joint opening's first oracle: as sent (`W`'s `2^k` values
/// and `X`'s first `x_width`) and as folded (`2^(k+1)`: `X`'s other limbs are zero, public and
/// not sent; the verifier puts them back).
fn pair_row_widths(shape: &JointShape) -> (usize, usize) {
    let w_width = 1usize << shape.w_config.round_folding_factor(0);
    (w_width + shape.x_width, 2 * w_width)
}

/// The opened rows of a proof's first oracle (the first round's STIR openings, or the base
/// case's source openings for a run without code-switching rounds); `None` if they are not
/// base-field rows.
fn first_oracle_rows(proof: &mut ZkWhirProof<F, EF, SaltedKeccakMmcs>) -> Option<&mut Vec<Vec<F>>> {
    let openings = match proof.rounds.first_mut() {
        Some(round) => &mut round.openings,
        None => &mut proof.base_case.source_openings,
    };
    match openings {
        QueryOpenings::Base(opening) => Some(&mut opening.rows),
        QueryOpenings::Extension(_) => None,
    }
}

/// A witness's first oracle for a joint opening: its limb-major encoding randomness, its tree
/// and root.
type EncodedWitness = (Vec<F>, SaltedData<RowMajorMatrix<F>>, Digest);

/// The first oracle's commitment of a joint opening, which [`SaltedData::Pair`]'s openings are
/// checked against: `W`'s and `X`'s roots, `X`'s committed width
/// ([`super::merkle::pair_width_word`]) and a zero word (a cap holds a power of two of words).
fn joint_cap(w: Digest, x: Digest, x_width: usize) -> p3_merkle_tree::MerkleCap<F, Digest> {
    p3_merkle_tree::MerkleCap::new(vec![
        w,
        x,
        super::merkle::pair_width_word(x_width),
        [0; DIGEST_BYTES],
    ])
}

fn single_cap(root: Digest) -> p3_merkle_tree::MerkleCap<F, Digest> {
    p3_merkle_tree::MerkleCap::new(vec![root])
}
