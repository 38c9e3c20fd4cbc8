//! The masked first round of docs/PROOF_SIZE.md §2.i and §2.i.1 (stop 45) — a zero-knowledge
//! opening of one committed column made of one WHIR-style first round whose folded polynomial is
//! masked, `P₁ = Q(α, ·) + ρ·M'`, followed by a *plain* (non-hiding) opening of `P₁` with [`Pcs`].
//!
//! **Used by proofs since proof format 25 for a witness opened on its own**: [`MaskedPcs::commit_batch`]
//! / [`MaskedPcs::open_batch`] ([`batch`]) stack the witness batch's columns as [`crate::HidingPcs`]
//! does and commit the stack as the one column. **Since proof format 26 also for small private
//! weights** (docs/ZK.md §18): the joint opening — the weights committed once for `T` uses
//! ([`MaskedPcs::commit_reusable_batch`]: every limb's tail uniform, `T·queries` entries at least,
//! no mask regions and no `M'`) opened together with a proof's witness
//! ([`MaskedPcs::commit_batch_at`] at the same stack size, [`MaskedPcs::open_joint_stored`]:
//! `Q = W ‖ X`, the selector the first fold variable, both trees' rows at the same positions; the
//! witness brings the mask regions and `M'`). Every form has an on-chain verifier (zkinfer-evm's
//! `MaskedVerifier.sol`: `verify`, `verifyBatch`, `verifyJointBatch`). Since proof format 27 the rows are
//! counted at the Johnson bound and each fold's challenge is ground (docs/ZK.md §19). The zero-knowledge
//! and soundness arguments are sketches (§2.i.1, docs/ZK.md §19), not reviewed; the tests check that an honest opening verifies and that every
//! tampered part of one is rejected, and zkinfer-proof's `zk_whole` test checks whole proofs
//! empirically. `cargo run --release -p zkinfer-pcs --example bench_masked` measures it against
//! [`crate::HidingPcs`] in one run. The caller's generator supplies the randomness
//! ([`MaskedPcs::os_rng`] for proofs; the tests and the bench seed it).
//!
//! # Layout
//! The committed stack `Q` has `n = max(d + 1, k + m + 2)` variables for a column `D` of `d`
//! (`m` = [`MASK_VARS`]). Its big-endian index is `(c, h, i)`: `c` the `k` limb bits (the first
//! fold's variables), `h` one half bit, `i` the rest. Half `h = 0` of limb `c` starts with `D`'s
//! limb `c` (`D[c·2^(d−k) + i]`; a claim `D(z) = v` is the claim `Q(z_{<k}, 0, …, 0, z_{≥k}) =
//! v`), half `h = 1` starts with the two uniform mask regions `R₁`, `R₂` (`2^m` entries per limb
//! each, index `(c, 1, 0…0, j, i_m)` for region `j`); everything else in a limb after the column
//! is uniform too.
//!
//! The *tail layout* (`n = d`, a batch whose columns leave every limb room: [`tail_fits`]) does
//! without the half bit, so the stack is no larger than the column: limb `c` holds `D`'s entries
//! `i·2^k + c` (`Q(c, i) = D(i ‖ c)`, so a claim `D(z) = v` is the claim `Q(z_{≥d−k}, z_{<d−k}) =
//! v`), every limb's rows from the first that holds no data on are uniform — they are part of
//! `D`, whose claims include them — and the mask regions are each limb's last `2^(m+1)` rows
//! (index `(c, 1…1, j, i_m)`). A joint opening takes the half layout only.
//!
//! Either way, row `r` of the tree holds the `2^k` limbs' Reed–Solomon codewords at `ω^r`, the
//! codeword of the fresh mask `M'` (`2^(n−k)` EF coefficients, as 2 F) at the same point, and 2 F
//! of salt.
//!
//! # Protocol (both sides play the same transcript)
//! 0. the commitment: `d`, `n`, the root (the weights' first in a joint opening, then their
//!    claims);
//! 1. absorb the claims; draw `r₁, r₂ ∈ EF^(k+m)`; the prover sends `t_j = R_j(r_j)`;
//! 2. draw `β`; a `k`-round (joint: `k + 1`) sumcheck of `Σ_b Q(b)·W(b)`, `W = Σ_i β^i eq(p_i, ·)`
//!    over the claims' points (the data claims, then the two mask claims), from `Σ_i β^i v_i` to
//!    `c` at `α` — the mask regions make every round message uniform (§2.i.1 (1)); a proof of work
//!    of [`MaskedConfig::fold_pow_bits`] between each round's message and its challenge;
//! 3. the prover sends `μ = Σ_b M'(b)·W(α, b)`; a proof of work; draw `ρ`;
//! 4. the prover commits `P₁ = Q(α, ·) + ρ·M'` as two F columns (`P₁ = C₀ + X·C₁`) with [`Pcs`];
//! 5. proof of work, then `queries` row positions; the prover opens those rows (one pruned
//!    multi-proof per tree); each row gives `P₁`'s codeword at `ω^r`: `Σ_c eq(α, c)·row[c] +
//!    ρ·M'(ω^r)` (joint: the weights' row's limbs first);
//! 6. draw `γ`; a sumcheck of `Σ_b P₁(b)·V(b)` with `V = Σ_i γ^i pow(ω^{r_i}) + γ^q·W(α, ·)`
//!    (`pow(x)[b] = x^b`: a codeword value is the message's univariate evaluation), from `Σ_i
//!    γ^i y_i + γ^q·(c + ρμ)` to `P₁(ρ*)·V(ρ*)`;
//! 7. the prover sends `C₀(ρ*)`, `C₁(ρ*)`; the plain opening shows both.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

use p3_challenger::{CanSampleBits, GrindingChallenger};
use p3_commit::{Encoder, Mmcs};
use p3_field::TwoAdicField;
use p3_matrix::Dimensions;
use p3_matrix::dense::RowMajorMatrix;
use rand_zk::RngExt;
use rand_zk::rngs::StdRng;
use serde::{Deserialize, Serialize};
use zkinfer_field::{BasedVectorSpace, EF, F, PrimeCharacteristicRing, Transcript};
use zkinfer_poly::{eq_eval, eq_table, eq_table_scaled, evaluate};
use zkinfer_sumcheck::{Column, SumcheckError, SumcheckProof, Term, powers, round_message};

use crate::types::Digest;
use crate::types::{Dft, KeccakMmcs, MerkleCap};
use crate::{ColumnClaim, Commitment, CommittedData, OpeningProof, Pcs, PcsConfig, PcsError};

mod batch;
pub use batch::{BatchSlots, MaskedBatchCommitment, MaskedBatchData, StoredMaskedBatch};

/// Each mask region holds `2^MASK_VARS ≥ 2·queries` entries per limb at the default parameters
/// (§2.i.1 (1)).
pub const MASK_VARS: usize = 8;

/// The largest column, in variables.
pub const MAX_DATA_VARS: usize = 26;

/// The smallest column the tail layout takes (`n = d`): a limb of at least
/// `2^(MASK_VARS + 2)` entries, the mask regions in its top half.
#[must_use]
pub const fn tail_min_vars(k: usize) -> usize {
    k + MASK_VARS + 2
}

/// Whether a column of `2^d` whose first `used` entries are data takes the tail layout (`n = d`,
/// no stack twice the column): every limb keeps its last `2^(MASK_VARS + 1)` rows for the masks.
#[must_use]
pub fn tail_fits(d: usize, used: usize, k: usize) -> bool {
    d >= tail_min_vars(k)
        && d <= MAX_DATA_VARS
        && used.div_ceil(1 << k) + (2usize << MASK_VARS) <= 1usize << (d - k)
}

/// The stack's number of variables for a column of `d` and a first fold of `k`.
#[must_use]
pub fn stack_vars(d: usize, k: usize) -> usize {
    (d + 1).max(k + MASK_VARS + 2)
}

const LABEL_ROOT: &[u8] = b"mk/root";
const LABEL_CLAIMS: &[u8] = b"mk/claims";
const LABEL_MASK_POINTS: &[u8] = b"mk/r";
const LABEL_MASK_VALUES: &[u8] = b"mk/t";
const LABEL_BATCH: &[u8] = b"mk/beta";
const LABEL_MU: &[u8] = b"mk/mu";
const LABEL_RHO: &[u8] = b"mk/rho";
const LABEL_GAMMA: &[u8] = b"mk/gamma";
const LABEL_SPLIT: &[u8] = b"mk/split";

/// A claim on a column: the point (big-endian, the column's variables) and the value.
pub type Claim = (Vec<EF>, EF);

/// The prototype's parameters.
#[derive(Clone, Debug)]
pub struct MaskedConfig {
    /// The security level the rows' count and the folds' grinding are set for, in bits.
    pub security_bits: usize,
    /// `k`: the first fold's variables (limbs `2^k`).
    pub fold: usize,
    /// The first oracle's rate is `2^−log_inv_rate`.
    pub log_inv_rate: usize,
    /// Rows opened.
    pub queries: usize,
    /// Proof-of-work bits before the rows are drawn.
    pub pow_bits: usize,
    /// The plain opening of `P₁`.
    pub plain: PcsConfig,
}

/// The field size the folds' proximity-gap error is counted against: `|EF| = p² > 2^127`.
const EF_BITS: usize = 127;

impl MaskedConfig {
    /// `security_bits` from the rows and from grinding, with the default plain opening: `queries =
    /// ⌈(security − pow) / −log₂(1 − δ)⌉` at the Johnson bound, `1 − δ = √ρ + η` with `η = √ρ/20` (p3's
    /// `SecurityAssumption::JohnsonBound`, the regime of every plain WHIR round of zkinfer). Until proof format
    /// 26 the rows were counted in unique decoding (`δ = (1 − ρ)/2`: 98 rows at rate 1/8 where the Johnson
    /// bound needs 57); docs/ZK.md §19 has the argument for the change and its costs (a list factor on the
    /// engine's algebraic terms, grinding before each fold's challenge: [`MaskedConfig::fold_pow_bits`]).
    #[must_use]
    pub fn new(security_bits: usize, fold: usize, log_inv_rate: usize, pow_bits: usize) -> Self {
        let per_query = -p3_security::SecurityAssumption::JohnsonBound.log_1_delta(log_inv_rate);
        let bits = security_bits.saturating_sub(pow_bits) as f64;
        Self {
            security_bits,
            fold,
            log_inv_rate,
            queries: (bits / per_query).ceil() as usize,
            pow_bits,
            plain: PcsConfig::default(),
        }
    }

    /// The grinding before each challenge that folds the committed word (the first sumcheck's `k` rounds, one
    /// more in a joint opening, and `ρ`) for a stack of `2^stack_vars`: each fold is a random point on a line
    /// through two words of the code (dimension `2^(n − k)`, rate `2^−log_inv_rate`), and at the Johnson bound
    /// such a line is exceptional with probability `ε` (p3's `prox_gaps_error`, DKT26 Theorem 5.12, the plain
    /// PCS's own analysis). The grinding lifts `k + 2` such terms to `security_bits` together: `⌈security +
    /// log₂(k + 2) − log₂(1/ε)⌉` bits, at least 1.
    #[must_use]
    pub fn fold_pow_bits(&self, stack_vars: usize) -> usize {
        let error = p3_security::SecurityAssumption::JohnsonBound.prox_gaps_error(
            stack_vars.saturating_sub(self.fold),
            self.log_inv_rate,
            EF_BITS,
            2,
        );
        let need = self.security_bits as f64 + ((self.fold + 2) as f64).log2() - error;
        if need.is_finite() {
            (need.ceil().max(1.0)) as usize
        } else {
            self.security_bits
        }
    }
}

impl Default for MaskedConfig {
    /// 100 bits, `k = 5`, rate 1/8, 19 bits of grinding.
    fn default() -> Self {
        Self::new(100, 5, 3, 19)
    }
}

/// Why a masked opening was refused (or could not be made).
#[derive(Debug, thiserror::Error)]
pub enum MaskedError {
    /// A shape the prototype does not take, or a proof of the wrong shape.
    #[error("masked opening: {0}")]
    Shape(String),
    /// The first (masked) sumcheck does not verify.
    #[error("masked opening: the first sumcheck: {0}")]
    FirstSumcheck(SumcheckError),
    /// The reduction of `P₁`'s claims does not verify.
    #[error("masked opening: the reduction of P₁'s claims: {0}")]
    Reduction(SumcheckError),
    /// The opened rows are not the committed ones.
    #[error("masked opening: the rows' Merkle proof does not verify")]
    Merkle,
    /// The proof of work before the row queries is wrong.
    #[error("masked opening: proof of work rejected")]
    ProofOfWork,
    /// The proof of work before a fold's challenge (a first-sumcheck round's, or `ρ`'s: `round = k`, `k + 1`
    /// in a joint opening) is wrong.
    #[error("masked opening: the proof of work before fold {round} rejected")]
    FoldProofOfWork {
        /// Which fold.
        round: usize,
    },
    /// `P₁(ρ*)·V(ρ*)` differs from the reduction's last claim.
    #[error("masked opening: P₁(ρ*) does not close the reduction")]
    Final,
    /// The plain opening of `P₁` does not verify.
    #[error("masked opening: the plain opening of P₁: {0}")]
    Plain(#[from] PcsError),
    /// Columns or claims of a batch ([`MaskedPcs::commit_batch`]) that do not fit its layout.
    #[error("masked opening: the columns or claims: {0}")]
    Layout(PcsError),
    /// The OS gave no randomness.
    #[error("masked opening: no randomness from the OS: {0}")]
    Entropy(String),
}

/// The commitment: the tree's root, the column's number of variables and the stack's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaskedCommitment {
    /// Merkle root of the rows ([`crate::TruncatedKeccak`]).
    pub root: Digest,
    /// The column's variables `d`.
    pub data_vars: usize,
    /// The stack's variables `n`.
    pub stack_vars: usize,
}

/// The prover's data: the stack, the mask `M'` (empty in a reusable weights commitment) and the
/// tree.
#[derive(Clone, Serialize, Deserialize)]
pub struct MaskedData {
    stack: Vec<F>,
    mask: Vec<EF>,
    tree: <KeccakMmcs as Mmcs<F>>::ProverData<RowMajorMatrix<F>>,
    data_vars: usize,
    stack_vars: usize,
}

/// The opening proof (its parts are public for the size census of `examples/bench_masked.rs`).
#[derive(Clone, Serialize, Deserialize)]
pub struct MaskedProof {
    /// `R₁(r₁)`, `R₂(r₂)`.
    pub mask_values: [EF; 2],
    /// The first sumcheck's `k` rounds.
    pub first: SumcheckProof,
    /// The proof-of-work witnesses before each fold's challenge: the first sumcheck's rounds', then `ρ`'s.
    pub fold_pow: Vec<F>,
    /// `Σ_b M'(b)·W(α, b)`.
    pub mu: EF,
    /// The plain commitment of `P₁`'s two columns.
    pub folded: Commitment,
    /// The proof-of-work witness.
    pub pow: F,
    /// The opened rows.
    pub rows: Vec<Vec<F>>,
    /// Their Merkle multi-proof.
    pub paths: <KeccakMmcs as Mmcs<F>>::MultiProof,
    /// A joint opening's rows of the weights' tree (at the same positions; empty otherwise).
    pub weights_rows: Vec<Vec<F>>,
    /// Their Merkle multi-proof (a joint opening's only).
    pub weights_paths: Option<<KeccakMmcs as Mmcs<F>>::MultiProof>,
    /// The reduction of `P₁`'s claims to one point.
    pub reduction: SumcheckProof,
    /// `C₀(ρ*)`, `C₁(ρ*)`.
    pub split: [EF; 2],
    /// The plain opening of `C₀`, `C₁` at `ρ*`.
    pub plain: OpeningProof,
}

impl MaskedData {
    /// The committed column `D` for a first fold of `k`: each limb's first `2^(d − k)` entries.
    fn column(&self, k: usize) -> Vec<F> {
        let limb = 1usize << self.stack_vars.saturating_sub(k);
        let part = 1usize << self.data_vars.saturating_sub(k);
        if self.stack_vars == self.data_vars {
            let mask = (1usize << k) - 1;
            return (0..self.stack.len())
                .map(|y| {
                    let at = ((y & mask) << (self.stack_vars - k)) | (y >> k);
                    self.stack.get(at).copied().unwrap_or(F::ZERO)
                })
                .collect();
        }
        self.stack
            .chunks(limb)
            .flat_map(|l| l.get(..part).unwrap_or_default())
            .copied()
            .collect()
    }
}

impl std::fmt::Debug for MaskedData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MaskedData")
            .field("data_vars", &self.data_vars)
            .finish_non_exhaustive()
    }
}

impl MaskedProof {
    /// The proof's size by part, in bytes of its varint bincode encoding (the proof file's).
    #[must_use]
    pub fn size_by_part(&self) -> Vec<(&'static str, usize)> {
        fn size<T: Serialize + ?Sized>(value: &T) -> usize {
            use bincode::Options;
            bincode::DefaultOptions::new()
                .with_varint_encoding()
                .serialized_size(value)
                .map_or(0, |n| usize::try_from(n).unwrap_or(usize::MAX))
        }
        vec![
            (
                "first round: mask values, sumcheck, folds' proofs of work, mu",
                size(&self.mask_values) + size(&self.first) + size(&self.fold_pow) + size(&self.mu),
            ),
            ("folded polynomial's commitment", size(&self.folded)),
            ("proof of work", size(&self.pow)),
            ("rows", size(&self.rows)),
            ("rows' Merkle paths", size(&self.paths)),
            (
                "weights' rows and paths",
                size(&self.weights_rows) + size(&self.weights_paths),
            ),
            (
                "reduction sumcheck, split",
                size(&self.reduction) + size(&self.split),
            ),
            ("plain opening of the folded polynomial", size(&self.plain)),
        ]
    }
}

impl std::fmt::Debug for MaskedProof {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MaskedProof")
            .field("rows", &self.rows.len())
            .field("first_rounds", &self.first.round_polys.len())
            .finish_non_exhaustive()
    }
}

/// The prototype's prover and verifier.
#[derive(Clone, Debug)]
pub struct MaskedPcs {
    config: MaskedConfig,
    dft: Dft,
    mmcs: KeccakMmcs,
    plain: Pcs,
}

impl MaskedPcs {
    /// With these parameters.
    #[must_use]
    pub fn new(config: MaskedConfig) -> Self {
        let plain = Pcs::new(config.plain);
        Self {
            mmcs: plain.mmcs.clone(),
            dft: Dft::default(),
            plain,
            config,
        }
    }

    /// The parameters.
    #[must_use]
    pub fn config(&self) -> &MaskedConfig {
        &self.config
    }

    /// A generator seeded from the OS, for a commitment's randomness.
    ///
    /// # Errors
    /// [`MaskedError::Entropy`] if the OS gives no randomness.
    pub fn os_rng() -> Result<StdRng, MaskedError> {
        use rand_zk::SeedableRng;
        StdRng::try_from_rng(&mut rand_zk::rngs::SysRng)
            .map_err(|e| MaskedError::Entropy(e.to_string()))
    }

    /// A generator seeded from `seed`: a commitment that must be re-derived identically (a
    /// proving key's reusable weights commitment, from the key's secret seed).
    #[must_use]
    pub fn seeded_rng(seed: [u8; 32]) -> StdRng {
        use rand_zk::SeedableRng;
        StdRng::from_seed(seed)
    }

    fn check_vars(&self, data_vars: usize) -> Result<(), MaskedError> {
        if self.config.fold == 0 {
            return Err(MaskedError::Shape("a first fold of 0 variables".into()));
        }
        let min = self.config.fold + 1;
        if data_vars < min || data_vars > MAX_DATA_VARS {
            return Err(MaskedError::Shape(format!(
                "a column of 2^{data_vars} entries: the prototype takes 2^{min} to \
                 2^{MAX_DATA_VARS}"
            )));
        }
        Ok(())
    }

    /// A column of `2^data_vars` in a stack of `2^stack_vars`: at least [`stack_vars`]'s.
    fn check_shape(&self, data_vars: usize, stack_vars_: usize) -> Result<(), MaskedError> {
        self.check_vars(data_vars)?;
        if stack_vars_ == data_vars && data_vars >= tail_min_vars(self.config.fold) {
            return Ok(());
        }
        let min = stack_vars(data_vars, self.config.fold);
        if stack_vars_ < min || stack_vars_ > MAX_DATA_VARS + 4 {
            return Err(MaskedError::Shape(format!(
                "a stack of 2^{stack_vars_} for a column of 2^{data_vars}: at least 2^{min}, at \
                 most 2^{}",
                MAX_DATA_VARS + 4
            )));
        }
        Ok(())
    }

    /// The tree's rows for a column of `2^data_vars` in its smallest stack, in bits:
    /// `n − k + log_inv_rate`.
    #[must_use]
    pub fn row_vars(&self, data_vars: usize) -> usize {
        self.rows_bits(stack_vars(data_vars, self.config.fold))
    }

    /// A reusable commitment's limb length for a column of `2^d` and `uses` openings: the
    /// column's part plus `uses · queries` uniform entries.
    fn reusable_need(&self, d: usize, uses: usize) -> usize {
        (1usize << d.saturating_sub(self.config.fold))
            .saturating_add(uses.saturating_mul(self.config.queries))
    }

    /// Whether a reusable commitment's stack of `2^n` holds `uses` openings' randomness for a
    /// column of `2^d` (the half layout, no larger than the largest stack).
    #[must_use]
    pub fn reusable_fits(&self, d: usize, n: usize, uses: usize) -> bool {
        n > d
            && n >= stack_vars(d, self.config.fold)
            && n <= MAX_DATA_VARS + 4
            && (1usize << (n - self.config.fold)) >= self.reusable_need(d, uses)
    }

    fn rows_bits(&self, stack_vars: usize) -> usize {
        stack_vars - self.config.fold + self.config.log_inv_rate
    }

    /// Commits `column` (a power of two long, `2^(k + 1)` to `2^26`) in its smallest stack,
    /// drawing the randomness from `rng`, and absorbs the commitment as
    /// [`MaskedPcs::absorb_commitment`] does.
    ///
    /// # Errors
    /// [`MaskedError::Shape`] for a column the prototype does not take.
    pub fn commit(
        &self,
        column: &[F],
        rng: &mut StdRng,
        transcript: &mut Transcript,
    ) -> Result<(MaskedCommitment, MaskedData), MaskedError> {
        let d = column_vars(column)?;
        self.commit_at(column, stack_vars(d, self.config.fold), rng, transcript)
    }

    /// [`MaskedPcs::commit`] in a stack of `2^stack_vars` (to open it jointly with a weights
    /// commitment of that size).
    ///
    /// # Errors
    /// [`MaskedError::Shape`] for a column or stack size the prototype does not take.
    pub fn commit_at(
        &self,
        column: &[F],
        stack_vars: usize,
        rng: &mut StdRng,
        transcript: &mut Transcript,
    ) -> Result<(MaskedCommitment, MaskedData), MaskedError> {
        let (commitment, data) = self.commit_tree(column, stack_vars, true, column.len(), rng)?;
        self.absorb_commitment(&commitment, transcript)?;
        Ok((commitment, data))
    }

    /// A weights commitment for `uses` joint openings ([`MaskedPcs::open_joint`]): no mask regions
    /// and no `M'` (each proof's witness commitment brings them), every limb's part after the
    /// column uniform, at least `uses·queries` entries of it (what `uses` proofs' rows reveal of a
    /// limb). Absorbed as [`MaskedPcs::absorb_commitment`] does.
    ///
    /// # Errors
    /// [`MaskedError::Shape`] for a column, or a budget, the prototype does not take.
    pub fn commit_reusable(
        &self,
        column: &[F],
        uses: usize,
        rng: &mut StdRng,
        transcript: &mut Transcript,
    ) -> Result<(MaskedCommitment, MaskedData), MaskedError> {
        self.commit_reusable_at(column, uses, 0, rng, transcript)
    }

    /// [`MaskedPcs::commit_reusable`] in a stack of at least `2^min_stack_vars` (one that holds
    /// the witness of the joint openings to come).
    ///
    /// # Errors
    /// As [`MaskedPcs::commit_reusable`].
    pub fn commit_reusable_at(
        &self,
        column: &[F],
        uses: usize,
        min_stack_vars: usize,
        rng: &mut StdRng,
        transcript: &mut Transcript,
    ) -> Result<(MaskedCommitment, MaskedData), MaskedError> {
        let d = column_vars(column)?;
        let k = self.config.fold;
        let need = self.reusable_need(d, uses);
        let n = (stack_vars(d, k).max(min_stack_vars)..=MAX_DATA_VARS + 4)
            .find(|&n| (1usize << (n - k)) >= need)
            .ok_or_else(|| {
                MaskedError::Shape(format!(
                    "{uses} uses do not fit a stack of 2^{}",
                    MAX_DATA_VARS + 4
                ))
            })?;
        let (commitment, data) = self.commit_tree(column, n, false, column.len(), rng)?;
        self.absorb_commitment(&commitment, transcript)?;
        Ok((commitment, data))
    }

    /// Commits `column` in a stack of `2^n`: the half layout (`n > d`) or, when `n = d`, the
    /// tail layout, where only the column's first `used` entries are data (see the module doc).
    fn commit_tree(
        &self,
        column: &[F],
        n: usize,
        with_mask: bool,
        used: usize,
        rng: &mut StdRng,
    ) -> Result<(MaskedCommitment, MaskedData), MaskedError> {
        let d = column_vars(column)?;
        self.check_shape(d, n)?;
        let k = self.config.fold;
        let limb = 1usize << (n - k);
        let part = 1usize << (d - k);
        let mut stack = vec![F::ZERO; 1 << n];
        if n == d {
            // Limb `c` holds the column's entries `i·2^k + c`; each limb's rows from the first
            // that holds no data on are uniform (the mask regions among them).
            let rows = used.div_ceil(1 << k);
            if rows + (2usize << MASK_VARS) > limb {
                return Err(MaskedError::Shape(format!(
                    "{used} entries of data leave a column of 2^{d} no room for the masks' tail"
                )));
            }
            for (c, dst) in stack.chunks_mut(limb).enumerate() {
                let (data, masks) = dst.split_at_mut(rows);
                for (i, v) in data.iter_mut().enumerate() {
                    *v = column.get((i << k) | c).copied().unwrap_or(F::ZERO);
                }
                for v in masks {
                    *v = rng.random();
                }
            }
        } else {
            for (dst, src) in stack.chunks_mut(limb).zip(column.chunks(part)) {
                let (data, masks) = dst.split_at_mut(part);
                data.copy_from_slice(src);
                for v in masks {
                    *v = rng.random();
                }
            }
        }
        let mask: Vec<EF> = if with_mask {
            (0..limb)
                .map(|_| EF::from_basis_coefficients_fn(|_| rng.random::<F>()))
                .collect()
        } else {
            Vec::new()
        };
        // The message matrices, already padded to the codeword's height (the encoder skips the
        // zero rows): the limbs' (row `i`, column `c` = limb `c`'s coefficient `i`) and `M'`'s
        // two coordinates.
        let width = 1usize << k;
        let rate = self.config.log_inv_rate;
        let mut message = F::zero_vec((limb << rate) * width);
        for (c, l) in stack.chunks(limb).enumerate() {
            for (row, &v) in message.chunks_mut(width).zip(l) {
                if let Some(slot) = row.get_mut(c) {
                    *slot = v;
                }
            }
        }
        let limbs = self
            .dft
            .encode_batch_padded(RowMajorMatrix::new(message, width), rate);
        let mask_words = if with_mask {
            let mut coords = F::zero_vec((limb << rate) * 2);
            for (dst, m) in coords.chunks_mut(2).zip(&mask) {
                dst.copy_from_slice(m.as_basis_coefficients_slice());
            }
            self.dft
                .encode_batch_padded(RowMajorMatrix::new(coords, 2), rate)
                .values
        } else {
            Vec::new()
        };
        // The tree's leaf `r` hashes the limbs' row `r`, then `M'`'s and the salt's (p3 hashes
        // the rows of same-height matrices as one concatenated row), so the rows are committed
        // as they are, without a copy into one matrix.
        let height = limbs.values.len() / width;
        let salt: Vec<F> = (0..2 * height).map(|_| rng.random()).collect();
        let mut matrices = vec![limbs];
        if with_mask {
            matrices.push(RowMajorMatrix::new(mask_words, 2));
        }
        matrices.push(RowMajorMatrix::new(salt, 2));
        let (cap, tree) = self.mmcs.commit(matrices);
        let root = *cap
            .roots()
            .first()
            .ok_or_else(|| MaskedError::Shape("an empty Merkle cap".into()))?;
        Ok((
            MaskedCommitment {
                root,
                data_vars: d,
                stack_vars: n,
            },
            MaskedData {
                stack,
                mask,
                tree,
                data_vars: d,
                stack_vars: n,
            },
        ))
    }

    /// Checks the commitment's shape and absorbs it.
    ///
    /// # Errors
    /// [`MaskedError::Shape`] for a column size the prototype does not take.
    pub fn absorb_commitment(
        &self,
        commitment: &MaskedCommitment,
        transcript: &mut Transcript,
    ) -> Result<(), MaskedError> {
        self.check_shape(commitment.data_vars, commitment.stack_vars)?;
        transcript.absorb_u64(LABEL_ROOT, commitment.data_vars as u64);
        transcript.absorb_u64(LABEL_ROOT, commitment.stack_vars as u64);
        transcript.absorb_bytes(LABEL_ROOT, &commitment.root);
        Ok(())
    }

    /// Opens `claims` (`(point, value)` on the column, `d` coordinates each).
    ///
    /// # Errors
    /// [`MaskedError::Shape`] for a claim of the wrong length or no claims; the plain
    /// commitment's and opening's errors.
    pub fn open(
        &self,
        data: &MaskedData,
        claims: &[(Vec<EF>, EF)],
        transcript: &mut Transcript,
    ) -> Result<MaskedProof, MaskedError> {
        self.open_parts(None, data, claims, transcript)
    }

    /// Opens the weights' reusable commitment (`weights`, from [`MaskedPcs::commit_reusable`])
    /// and a proof's witness commitment (`witness`, from [`MaskedPcs::commit_at`] at the same
    /// number of stack variables) together: one masked first round over `Q = W ‖ X` (the
    /// selector the first fold variable), one `P₁`, one plain opening. `weights_claims` and
    /// `claims` as in [`MaskedPcs::open`], on each column.
    ///
    /// # Errors
    /// As [`MaskedPcs::open`]; [`MaskedError::Shape`] if the two stacks differ in size or the
    /// weights' commitment carries a mask.
    pub fn open_joint(
        &self,
        weights: &MaskedData,
        weights_claims: &[(Vec<EF>, EF)],
        witness: &MaskedData,
        claims: &[(Vec<EF>, EF)],
        transcript: &mut Transcript,
    ) -> Result<MaskedProof, MaskedError> {
        if weights.stack_vars != witness.stack_vars
            || !weights.mask.is_empty()
            || witness.stack_vars == witness.data_vars
        {
            return Err(MaskedError::Shape(
                "a joint opening takes a reusable weights commitment and a witness commitment \
                 of the same stack size, in the half layout"
                    .into(),
            ));
        }
        check_claims(weights_claims, weights.data_vars)?;
        absorb_claims(weights_claims, transcript);
        self.open_parts(Some((weights, weights_claims)), witness, claims, transcript)
    }

    fn open_parts(
        &self,
        weights: Option<(&MaskedData, &[Claim])>,
        data: &MaskedData,
        claims: &[(Vec<EF>, EF)],
        transcript: &mut Transcript,
    ) -> Result<MaskedProof, MaskedError> {
        let d = data.data_vars;
        let k = self.config.fold;
        let n = data.stack_vars;
        if data.mask.is_empty() {
            return Err(MaskedError::Shape(
                "the witness commitment carries no mask (a reusable commitment?)".into(),
            ));
        }
        check_claims(claims, d)?;
        absorb_claims(claims, transcript);
        // 1. The mask regions' claims.
        let joint = weights.is_some();
        let mask_points = mask_points(transcript, k, n, d == n).map(|p| select(joint, 1, p));
        let stack: std::borrow::Cow<'_, [F]> = match weights {
            Some((w, _)) => w.stack.iter().chain(&data.stack).copied().collect(),
            None => std::borrow::Cow::Borrowed(&data.stack),
        };
        let mask_values = mask_points.each_ref().map(|p| eq_dot(&stack, p, EF::ONE));
        transcript.absorb_exts(LABEL_MASK_VALUES, &mask_values);
        // 2. The first sumcheck, `k` (+ 1 for the selector) rounds of `Σ Q·W`.
        let (points, values) = joint_claims(
            weights.map(|(_, c)| c),
            claims,
            k,
            n,
            &mask_points,
            mask_values,
        );
        let fold = k + usize::from(joint);
        let beta = transcript.challenge(LABEL_BATCH);
        let mut weight = vec![EF::ZERO; stack.len()];
        let mut scale = EF::ONE;
        let mut sum = EF::ZERO;
        for (p, &v) in points.iter().zip(&values) {
            add_eq_scaled(&mut weight, p, scale);
            sum += scale * v;
            scale *= beta;
        }
        transcript.absorb_ext(zkinfer_sumcheck::labels::CLAIM, sum);
        // The rounds bind `Q` and `W` in place, so they end as `Q(α, ·)` and `W(α, ·)`, the
        // tables the rest of the opening needs.
        let mut first = SumcheckProof::default();
        let fold_bits = self.config.fold_pow_bits(n);
        let mut fold_pow = Vec::with_capacity(fold + 1);
        let mut alpha = Vec::with_capacity(fold);
        let mut folded: Vec<EF> = Vec::new();
        let mut weight_at_alpha = weight;
        for round in 0..fold {
            let g = if round == 0 {
                product_round(&stack, &weight_at_alpha)
            } else {
                product_round(&folded, &weight_at_alpha)
            };
            let message = round_message(&g);
            transcript.absorb_exts(zkinfer_sumcheck::labels::ROUND, &message);
            fold_pow.push(transcript.grind(fold_bits));
            let a = transcript.challenge(zkinfer_sumcheck::labels::CHALLENGE);
            if round == 0 {
                folded = zkinfer_poly::fold_first_var(&stack, a);
            } else {
                zkinfer_poly::fix_first_var_in_place(&mut folded, a);
            }
            zkinfer_poly::fix_first_var_in_place(&mut weight_at_alpha, a);
            alpha.push(a);
            first.round_polys.push(message);
        }
        drop(stack);
        // 3. `μ`, `ρ`.
        let mu: EF = data
            .mask
            .iter()
            .zip(&weight_at_alpha)
            .map(|(&m, &w)| m * w)
            .sum();
        transcript.absorb_ext(LABEL_MU, mu);
        fold_pow.push(transcript.grind(fold_bits));
        let rho = transcript.challenge(LABEL_RHO);
        // 4. `P₁` and its plain commitment.
        let p1: Vec<EF> = folded
            .iter()
            .zip(&data.mask)
            .map(|(&f, &m)| f + rho * m)
            .collect();
        let coords = split_coordinates(&p1);
        let (folded_commitment, folded_data): (Commitment, CommittedData) =
            self.plain.commit(&coords, transcript)?;
        // 5. Proof of work, rows (of both trees, at the same positions).
        let pow = transcript.grind(self.config.pow_bits);
        let row_vars = self.rows_bits(n);
        let indices: Vec<usize> = (0..self.config.queries)
            .map(|_| transcript.sample_bits(row_vars))
            .collect();
        let open_rows = |tree| {
            let (opened, paths) = self.mmcs.open_multi_batch(&indices, tree);
            let rows: Vec<Vec<F>> = opened
                .into_iter()
                .map(|m: Vec<Vec<F>>| m.concat())
                .collect();
            (rows, paths)
        };
        let (rows, paths) = open_rows(&data.tree);
        let (weights_rows, weights_paths) = match weights {
            Some((w, _)) => {
                let (r, p) = open_rows(&w.tree);
                (r, Some(p))
            }
            None => (Vec::new(), None),
        };
        // 6. The reduction of `P₁`'s claims.
        let gamma = transcript.challenge(LABEL_GAMMA);
        let m = n - k;
        let omega = F::two_adic_generator(row_vars);
        let mut v = vec![EF::ZERO; 1 << m];
        let mut scale = EF::ONE;
        for &i in &indices {
            let x = omega.exp_u64(i as u64);
            let mut power = scale;
            for e in &mut v {
                *e += power;
                power *= x;
            }
            scale *= gamma;
        }
        for (e, &w) in v.iter_mut().zip(&weight_at_alpha) {
            *e += scale * w;
        }
        let out = zkinfer_sumcheck::prove(
            vec![Column::Ext(p1), Column::Ext(v)],
            &[Term::new(EF::ONE, vec![0, 1])],
            None,
            transcript,
        );
        // 7. The split and the plain opening.
        let split = [
            evaluate::<F, EF>(&coords[0], &out.point),
            evaluate::<F, EF>(&coords[1], &out.point),
        ];
        transcript.absorb_exts(LABEL_SPLIT, &split);
        let plain = self.plain.open_owned(
            folded_data,
            &[
                ColumnClaim {
                    column: 0,
                    point: out.point.clone(),
                    value: split[0],
                },
                ColumnClaim {
                    column: 1,
                    point: out.point,
                    value: split[1],
                },
            ],
            transcript,
        )?;
        Ok(MaskedProof {
            mask_values,
            first,
            fold_pow,
            mu,
            folded: folded_commitment,
            pow,
            rows,
            paths,
            weights_rows,
            weights_paths,
            reduction: out.proof,
            split,
            plain,
        })
    }

    /// Checks `proof` against `claims` on the column behind `commitment` (absorbed before with
    /// [`MaskedPcs::absorb_commitment`]). Never panics.
    ///
    /// # Errors
    /// The first check that fails, as a [`MaskedError`].
    pub fn verify(
        &self,
        commitment: &MaskedCommitment,
        claims: &[(Vec<EF>, EF)],
        proof: &MaskedProof,
        transcript: &mut Transcript,
    ) -> Result<(), MaskedError> {
        self.verify_parts(None, commitment, claims, proof, transcript)
    }

    /// Checks a [`MaskedPcs::open_joint`] proof (both commitments absorbed before, the weights'
    /// first). Never panics.
    ///
    /// # Errors
    /// As [`MaskedPcs::verify`]; [`MaskedError::Shape`] if the two stacks differ in size.
    pub fn verify_joint(
        &self,
        weights: &MaskedCommitment,
        weights_claims: &[(Vec<EF>, EF)],
        witness: &MaskedCommitment,
        claims: &[(Vec<EF>, EF)],
        proof: &MaskedProof,
        transcript: &mut Transcript,
    ) -> Result<(), MaskedError> {
        self.check_shape(weights.data_vars, weights.stack_vars)?;
        if weights.stack_vars != witness.stack_vars
            || weights.stack_vars == weights.data_vars
            || witness.stack_vars == witness.data_vars
        {
            return Err(MaskedError::Shape(format!(
                "the weights' stack has {} variables and the witness's {} (a joint opening \
                 takes two stacks of one size in the half layout)",
                weights.stack_vars, witness.stack_vars
            )));
        }
        check_claims(weights_claims, weights.data_vars)?;
        absorb_claims(weights_claims, transcript);
        self.verify_parts(
            Some((weights, weights_claims)),
            witness,
            claims,
            proof,
            transcript,
        )
    }

    fn verify_parts(
        &self,
        weights: Option<(&MaskedCommitment, &[Claim])>,
        commitment: &MaskedCommitment,
        claims: &[(Vec<EF>, EF)],
        proof: &MaskedProof,
        transcript: &mut Transcript,
    ) -> Result<(), MaskedError> {
        let d = commitment.data_vars;
        let n = commitment.stack_vars;
        self.check_shape(d, n)?;
        let k = self.config.fold;
        let m = n - k;
        let joint = weights.is_some();
        check_claims(claims, d)?;
        absorb_claims(claims, transcript);
        let mask_points = mask_points(transcript, k, n, d == n).map(|p| select(joint, 1, p));
        transcript.absorb_exts(LABEL_MASK_VALUES, &proof.mask_values);
        let (points, values) = joint_claims(
            weights.map(|(_, c)| c),
            claims,
            k,
            n,
            &mask_points,
            proof.mask_values,
        );
        let fold = k + usize::from(joint);
        let beta = transcript.challenge(LABEL_BATCH);
        let betas = powers(beta, points.len());
        let sum: EF = betas.iter().zip(&values).map(|(&b, &v)| b * v).sum();
        let fold_bits = self.config.fold_pow_bits(n);
        let (alpha, c) = first_sumcheck(fold, fold_bits, sum, proof, transcript)?;
        transcript.absorb_ext(LABEL_MU, proof.mu);
        let rho_pow = proof.fold_pow.get(fold).copied().unwrap_or(F::ZERO);
        if !transcript.check_witness(fold_bits, rho_pow) {
            return Err(MaskedError::FoldProofOfWork { round: fold });
        }
        let rho = transcript.challenge(LABEL_RHO);
        if proof.folded.num_vars() != [m as u32, m as u32] {
            return Err(MaskedError::Shape(format!(
                "P₁'s commitment has columns of {:?} variables, expected two of {m}",
                proof.folded.num_vars()
            )));
        }
        self.plain.absorb_commitment(&proof.folded, transcript)?;
        if !transcript.check_witness(self.config.pow_bits, proof.pow) {
            return Err(MaskedError::ProofOfWork);
        }
        let row_vars = self.rows_bits(n);
        let indices: Vec<usize> = (0..self.config.queries)
            .map(|_| transcript.sample_bits(row_vars))
            .collect();
        let limbs = 1usize << k;
        self.check_rows(
            commitment.root,
            &indices,
            row_vars,
            limbs + 4,
            &proof.rows,
            Some(&proof.paths),
        )?;
        match weights {
            Some((w, _)) => self.check_rows(
                w.root,
                &indices,
                row_vars,
                limbs + 2,
                &proof.weights_rows,
                proof.weights_paths.as_ref(),
            )?,
            None if proof.weights_rows.is_empty() && proof.weights_paths.is_none() => {}
            None => {
                return Err(MaskedError::Shape(
                    "a one-column proof carries weights rows".into(),
                ));
            }
        }
        let answers = row_answers(&proof.rows, &proof.weights_rows, &alpha, rho, k);
        let gamma = transcript.challenge(LABEL_GAMMA);
        let gammas = powers(gamma, indices.len() + 1);
        let last = gammas.last().copied().unwrap_or(EF::ONE);
        let target = c + rho * proof.mu;
        let reduction_sum: EF = gammas
            .iter()
            .zip(&answers)
            .map(|(&g, &y)| g * y)
            .sum::<EF>()
            + last * target;
        let sub = zkinfer_sumcheck::verify(m, 2, reduction_sum, &proof.reduction, transcript)
            .map_err(MaskedError::Reduction)?;
        let at = sub.point;
        let omega = F::two_adic_generator(row_vars);
        let mut v_at: EF = gammas
            .iter()
            .zip(&indices)
            .map(|(&g, &i)| g * power_mle(omega.exp_u64(i as u64), &at))
            .sum();
        let full: Vec<EF> = alpha.iter().chain(&at).copied().collect();
        let w_at: EF = betas
            .iter()
            .zip(&points)
            .map(|(&b, p)| b * eq_eval(p, &full))
            .sum();
        v_at += last * w_at;
        let p1_at = proof.split[0] + x_generator() * proof.split[1];
        if p1_at * v_at != sub.value {
            return Err(MaskedError::Final);
        }
        transcript.absorb_exts(LABEL_SPLIT, &proof.split);
        self.plain.verify(
            &proof.folded,
            &[
                ColumnClaim {
                    column: 0,
                    point: at.clone(),
                    value: proof.split[0],
                },
                ColumnClaim {
                    column: 1,
                    point: at,
                    value: proof.split[1],
                },
            ],
            &proof.plain,
            transcript,
        )?;
        Ok(())
    }

    /// The opened rows of one tree: their count and width, then their Merkle multi-proof.
    fn check_rows(
        &self,
        root: Digest,
        indices: &[usize],
        row_vars: usize,
        width: usize,
        rows: &[Vec<F>],
        paths: Option<&<KeccakMmcs as Mmcs<F>>::MultiProof>,
    ) -> Result<(), MaskedError> {
        if rows.len() != indices.len() || rows.iter().any(|row| row.len() != width) {
            return Err(MaskedError::Shape(format!(
                "{} opened rows, expected {} of {width} elements",
                rows.len(),
                indices.len()
            )));
        }
        let paths = paths.ok_or_else(|| MaskedError::Shape("rows without their paths".into()))?;
        let cap = MerkleCap::new(vec![root]);
        let opened: Vec<Vec<&[F]>> = rows.iter().map(|r| vec![r.as_slice()]).collect();
        self.mmcs
            .verify_multi_batch(
                &cap,
                &[Dimensions {
                    width,
                    height: 1 << row_vars,
                }],
                indices,
                &opened,
                paths,
            )
            .map_err(|_| MaskedError::Merkle)
    }
}

/// The first sumcheck's `fold` rounds of degree 2 from `sum` with a proof of work of `bits` between each
/// round's message and its challenge (the fold's grinding: [`MaskedConfig::fold_pow_bits`];
/// `zkinfer_sumcheck::verify_ground`, a rejected witness reported as [`MaskedError::FoldProofOfWork`]);
/// returns `α` and the last claim. `proof.fold_pow` holds `fold + 1` witnesses (the last one `ρ`'s, checked
/// by the caller).
fn first_sumcheck(
    fold: usize,
    bits: usize,
    sum: EF,
    proof: &MaskedProof,
    transcript: &mut Transcript,
) -> Result<(Vec<EF>, EF), MaskedError> {
    let rounds = &proof.first.round_polys;
    if rounds.len() != fold {
        return Err(MaskedError::FirstSumcheck(SumcheckError::WrongRoundCount {
            expected: fold,
            got: rounds.len(),
        }));
    }
    if proof.fold_pow.len() != fold + 1 {
        return Err(MaskedError::Shape(format!(
            "{} fold proofs of work, expected {}",
            proof.fold_pow.len(),
            fold + 1
        )));
    }
    let pows = proof.fold_pow.get(..fold).unwrap_or_default();
    let sub = zkinfer_sumcheck::verify_ground(fold, 2, sum, &proof.first, bits, pows, transcript)
        .map_err(|e| match e {
        SumcheckError::ProofOfWork { round } => MaskedError::FoldProofOfWork { round },
        e => MaskedError::FirstSumcheck(e),
    })?;
    Ok((sub.point, sub.value))
}

/// One round of the sumcheck of `Σ_b q(b)·w(b)` over the most significant variable: the round
/// polynomial's values at `0, 1, 2` (degree 2).
/// `acc[b] += scale · eq(p, b)` over `acc`'s `2^|p|` entries, big-endian. A Boolean coordinate
/// selects one half (a lifted claim's selector and padding coordinates, the mask regions' fixed
/// coordinates), so the work is the size of the point's support, not of `acc`.
fn add_eq_scaled(acc: &mut [EF], p: &[EF], scale: EF) {
    let Some((&first, rest)) = p.split_first() else {
        if let Some(a) = acc.first_mut() {
            *a += scale;
        }
        return;
    };
    let (lo, hi) = acc.split_at_mut(acc.len() / 2);
    if first == EF::ZERO {
        add_eq_scaled(lo, rest, scale);
    } else if first == EF::ONE {
        add_eq_scaled(hi, rest, scale);
    } else if rest.iter().any(|&x| x == EF::ZERO || x == EF::ONE) {
        add_eq_scaled(lo, rest, scale * (EF::ONE - first));
        add_eq_scaled(hi, rest, scale * first);
    } else {
        for (x, e) in acc.iter_mut().zip(eq_table_scaled(p, scale)) {
            *x += e;
        }
    }
}

/// `scale · Σ_b eq(p, b)·values[b]` (`values`' MLE at `p`), visiting only the point's support as
/// [`add_eq_scaled`] does.
fn eq_dot(values: &[F], p: &[EF], scale: EF) -> EF {
    let Some((&first, rest)) = p.split_first() else {
        return values.first().map_or(EF::ZERO, |&v| scale * v);
    };
    let (lo, hi) = values.split_at(values.len() / 2);
    if first == EF::ZERO {
        eq_dot(lo, rest, scale)
    } else if first == EF::ONE {
        eq_dot(hi, rest, scale)
    } else if rest.iter().any(|&x| x == EF::ZERO || x == EF::ONE) {
        eq_dot(lo, rest, scale * (EF::ONE - first)) + eq_dot(hi, rest, scale * first)
    } else {
        eq_table_scaled(p, scale)
            .into_iter()
            .zip(values)
            .map(|(e, &v)| e * v)
            .sum()
    }
}

fn product_round<A: Copy + Into<EF>>(q: &[A], w: &[EF]) -> [EF; 3] {
    let (q0, q1) = q.split_at(q.len() / 2);
    let (w0, w1) = w.split_at(w.len() / 2);
    let mut g = [EF::ZERO; 3];
    for ((&a0, &a1), (&b0, &b1)) in q0.iter().zip(q1).zip(w0.iter().zip(w1)) {
        let (a0, a1): (EF, EF) = (a0.into(), a1.into());
        g[0] += a0 * b0;
        g[1] += a1 * b1;
        g[2] += (a1 + a1 - a0) * (b1 + b1 - b0);
    }
    g
}

/// `EF`'s generator `X` (`EF = F[X]/(X² − 7)`).
fn x_generator() -> EF {
    EF::from_basis_coefficients_fn(|i| if i == 1 { F::ONE } else { F::ZERO })
}

fn check_claims(claims: &[(Vec<EF>, EF)], d: usize) -> Result<(), MaskedError> {
    if claims.is_empty() {
        return Err(MaskedError::Shape("no claims".into()));
    }
    if let Some((i, (p, _))) = claims.iter().enumerate().find(|(_, (p, _))| p.len() != d) {
        return Err(MaskedError::Shape(format!(
            "claim {i} has a point of {} coordinates, expected {d}",
            p.len()
        )));
    }
    Ok(())
}

fn absorb_claims(claims: &[(Vec<EF>, EF)], transcript: &mut Transcript) {
    transcript.absorb_u64(LABEL_CLAIMS, claims.len() as u64);
    for (p, v) in claims {
        transcript.absorb_exts(LABEL_CLAIMS, p);
        transcript.absorb_ext(LABEL_CLAIMS, *v);
    }
}

/// A column point `z` (`d` coordinates) as a point of the `n`-variable stack: the limb bits,
/// zeros, the rest.
fn lift(z: &[EF], k: usize, n: usize) -> Vec<EF> {
    if z.len() == n {
        // The tail layout: `Q(c, i) = D(i ‖ c)`.
        let (rest, limb) = z.split_at(n.saturating_sub(k));
        return limb.iter().chain(rest).copied().collect();
    }
    let (limb, rest) = z.split_at(k.min(z.len()));
    let zeros = n.saturating_sub(z.len());
    limb.iter()
        .copied()
        .chain(std::iter::repeat_n(EF::ZERO, zeros))
        .chain(rest.iter().copied())
        .collect()
}

/// The two mask regions' claim points, drawn: region `j` at `(r_{<k}, 1, 0…0, j, r_{≥k})` with
/// `r` of `k + MASK_VARS` coordinates; in the tail layout (`tail`) at `(r_{<k}, 1…1, j, r_{≥k})`,
/// each limb's last `2^(MASK_VARS + 1)` entries.
fn mask_points(transcript: &mut Transcript, k: usize, n: usize, tail: bool) -> [Vec<EF>; 2] {
    let zeros = n.saturating_sub(k + MASK_VARS + 2);
    let fixed = if tail { EF::ONE } else { EF::ZERO };
    [0u8, 1].map(|j| {
        let r = transcript.challenges(LABEL_MASK_POINTS, k + MASK_VARS);
        let (limb, rest) = r.split_at(k.min(r.len()));
        limb.iter()
            .copied()
            .chain(std::iter::once(EF::ONE))
            .chain(std::iter::repeat_n(fixed, zeros))
            .chain(std::iter::once(EF::from_u8(j)))
            .chain(rest.iter().copied())
            .collect()
    })
}

/// `p` with the selector bit `bit` in front when `joint` (a point of `W ‖ X`), else `p`.
fn select(joint: bool, bit: u8, p: Vec<EF>) -> Vec<EF> {
    if joint {
        std::iter::once(EF::from_u8(bit)).chain(p).collect()
    } else {
        p
    }
}

/// The stack's claims: the weights' (a joint opening's), the column's, then the two mask regions'.
fn joint_claims(
    weights: Option<&[(Vec<EF>, EF)]>,
    claims: &[(Vec<EF>, EF)],
    k: usize,
    n: usize,
    mask_points: &[Vec<EF>; 2],
    mask_values: [EF; 2],
) -> (Vec<Vec<EF>>, Vec<EF>) {
    let joint = weights.is_some();
    let mut points = Vec::new();
    let mut values = Vec::new();
    if let Some(wc) = weights {
        for (p, v) in wc {
            points.push(select(true, 0, lift(p, k, n)));
            values.push(*v);
        }
    }
    for (p, v) in claims {
        points.push(select(joint, 1, lift(p, k, n)));
        values.push(*v);
    }
    points.extend(mask_points.iter().cloned());
    values.extend(mask_values);
    (points, values)
}

/// `P₁`'s codeword at each opened row: the limbs (the weights' first in a joint opening) folded
/// at `α` plus `ρ·M'`.
fn row_answers(
    rows: &[Vec<F>],
    weights_rows: &[Vec<F>],
    alpha: &[EF],
    rho: EF,
    k: usize,
) -> Vec<EF> {
    let eq = eq_table(alpha);
    let limbs = 1usize << k;
    rows.iter()
        .enumerate()
        .map(|(i, row)| {
            let (x_limbs, rest) = row.split_at(limbs.min(row.len()));
            let w_limbs = weights_rows
                .get(i)
                .into_iter()
                .flat_map(|w| w.iter().take(limbs));
            let fold: EF = w_limbs.chain(x_limbs).zip(&eq).map(|(&v, &e)| e * v).sum();
            let mask = match rest {
                [c0, c1, ..] => EF::from(*c0) + x_generator() * *c1,
                _ => EF::ZERO,
            };
            fold + rho * mask
        })
        .collect()
}

/// A column's number of variables (a power of two long).
fn column_vars(column: &[F]) -> Result<usize, MaskedError> {
    if !column.len().is_power_of_two() {
        return Err(MaskedError::Shape(format!(
            "a column of {} entries: not a power of two",
            column.len()
        )));
    }
    Ok(column.len().trailing_zeros() as usize)
}

/// `P₁` as its two base-field coordinate columns.
fn split_coordinates(p: &[EF]) -> [Vec<F>; 2] {
    let mut c = [Vec::with_capacity(p.len()), Vec::with_capacity(p.len())];
    for v in p {
        let s = v.as_basis_coefficients_slice();
        c[0].push(s.first().copied().unwrap_or(F::ZERO));
        c[1].push(s.get(1).copied().unwrap_or(F::ZERO));
    }
    c
}

/// The multilinear extension of `b ↦ x^b` (big-endian `b`) at `point`:
/// `Π_j (1 − ρ_j + ρ_j·x^(2^(m−1−j)))`.
fn power_mle(x: F, point: &[EF]) -> EF {
    let mut square = x;
    let mut acc = EF::ONE;
    for &r in point.iter().rev() {
        acc *= EF::ONE - r + r * square;
        square = square.square();
    }
    acc
}

#[cfg(test)]
mod tests {
    use rand_zk::SeedableRng;

    use super::*;

    fn setup(d: usize, seed: u64) -> (MaskedPcs, Vec<F>, StdRng) {
        let mut rng = StdRng::seed_from_u64(seed);
        let column: Vec<F> = (0..1usize << d).map(|_| rng.random()).collect();
        (MaskedPcs::new(MaskedConfig::default()), column, rng)
    }

    fn claims_on(column: &[F], d: usize, rng: &mut StdRng, count: usize) -> Vec<(Vec<EF>, EF)> {
        (0..count)
            .map(|_| {
                let p: Vec<EF> = (0..d)
                    .map(|_| EF::from_basis_coefficients_fn(|_| rng.random::<F>()))
                    .collect();
                let v = evaluate::<F, EF>(column, &p);
                (p, v)
            })
            .collect()
    }

    /// Commit and open; returns the scheme, the commitment, the claims and the proof.
    fn honest(
        d: usize,
        seed: u64,
    ) -> (MaskedPcs, MaskedCommitment, Vec<(Vec<EF>, EF)>, MaskedProof) {
        let (pcs, column, mut rng) = setup(d, seed);
        let claims = claims_on(&column, d, &mut rng, 3);
        let mut t = Transcript::new(b"masked-test");
        let (c, data) = pcs.commit(&column, &mut rng, &mut t).unwrap();
        let proof = pcs.open(&data, &claims, &mut t).unwrap();
        (pcs, c, claims, proof)
    }

    fn check(
        pcs: &MaskedPcs,
        c: &MaskedCommitment,
        claims: &[(Vec<EF>, EF)],
        proof: &MaskedProof,
    ) -> Result<(), MaskedError> {
        let mut t = Transcript::new(b"masked-test");
        pcs.absorb_commitment(c, &mut t)?;
        pcs.verify(c, claims, proof, &mut t)
    }

    #[test]
    fn the_sparse_eq_table_is_the_eq_table() {
        let mut rng = StdRng::seed_from_u64(41);
        for pattern in ["rr0r1rr", "0000", "r1r0", "rrrr", "1", "r"] {
            let p: Vec<EF> = pattern
                .chars()
                .map(|c| match c {
                    '0' => EF::ZERO,
                    '1' => EF::ONE,
                    _ => EF::from_basis_coefficients_fn(|_| rng.random::<F>()),
                })
                .collect();
            let scale = EF::from_basis_coefficients_fn(|_| rng.random::<F>());
            let mut acc = vec![EF::ONE; 1 << p.len()];
            add_eq_scaled(&mut acc, &p, scale);
            let want: Vec<EF> = eq_table(&p)
                .into_iter()
                .map(|e| EF::ONE + scale * e)
                .collect();
            assert_eq!(acc, want, "{pattern}");
            let values: Vec<F> = (0..1usize << p.len()).map(|_| rng.random()).collect();
            assert_eq!(
                eq_dot(&values, &p, scale),
                scale * evaluate::<F, EF>(&values, &p),
                "{pattern}"
            );
        }
    }

    #[test]
    fn codeword_rows_are_natural_powers_of_the_generator() {
        // The verifier's domain point of row `r` is `ω^r`: the codeword of `x ↦ x` is `ω^r`.
        let dft = Dft::default();
        let mut msg = vec![F::ZERO; 16];
        msg[1] = F::ONE;
        let word = dft.encode_batch(RowMajorMatrix::new(msg, 1), 3);
        let omega = F::two_adic_generator(7);
        for (r, &v) in word.values.iter().enumerate() {
            assert_eq!(v, omega.exp_u64(r as u64), "row {r}");
        }
    }

    #[test]
    fn power_mle_matches_the_table() {
        let mut rng = StdRng::seed_from_u64(3);
        let x: F = rng.random();
        let point: Vec<EF> = (0..5)
            .map(|_| EF::from_basis_coefficients_fn(|_| rng.random::<F>()))
            .collect();
        let table: Vec<EF> = (0..32u64).map(|b| EF::from(x.exp_u64(b))).collect();
        assert_eq!(evaluate::<EF, EF>(&table, &point), power_mle(x, &point));
    }

    #[test]
    fn an_honest_opening_verifies() {
        // 2^13: the stack is sized by the mask regions (15 variables); 2^16: by the column (17).
        for d in [13, 16] {
            let (pcs, c, claims, proof) = honest(d, 1);
            check(&pcs, &c, &claims, &proof).unwrap();
            assert_eq!(proof.rows.len(), pcs.config().queries);
            assert_eq!(proof.first.round_polys.len(), pcs.config().fold);
            let m = stack_vars(d, pcs.config().fold) - pcs.config().fold;
            assert_eq!(proof.folded.num_vars(), [m as u32, m as u32]);
        }
    }

    #[test]
    fn a_wrong_claimed_value_is_rejected() {
        let (pcs, c, mut claims, proof) = honest(13, 2);
        claims[1].1 += EF::ONE;
        // The claims are absorbed first, so every later challenge moves: the proof of work is
        // the first check to fail.
        let err = check(&pcs, &c, &claims, &proof).unwrap_err();
        assert!(!matches!(err, MaskedError::Shape(_)), "{err}");
    }

    #[test]
    fn a_prover_with_a_wrong_value_is_caught_by_the_final_check() {
        // The prover plays the protocol on a false claim (same transcript as the verifier), so
        // no Fiat–Shamir divergence hides the algebra: the reduction ends off `P₁(ρ*)·V(ρ*)`.
        let (pcs, column, mut rng) = setup(13, 11);
        let mut claims = claims_on(&column, 13, &mut rng, 2);
        claims[0].1 += EF::ONE;
        let mut t = Transcript::new(b"masked-test");
        let (c, data) = pcs.commit(&column, &mut rng, &mut t).unwrap();
        let proof = pcs.open(&data, &claims, &mut t).unwrap();
        assert!(matches!(
            check(&pcs, &c, &claims, &proof),
            Err(MaskedError::Final)
        ));
    }

    #[test]
    fn a_proof_for_another_column_is_rejected() {
        let (pcs, c, claims, _) = honest(13, 4);
        let (_, _, _, other) = honest(13, 5);
        assert!(check(&pcs, &c, &claims, &other).is_err());
        // Nor does the right proof verify against another commitment.
        let (_, c2, _, _) = honest(13, 6);
        let (_, _, claims, proof) = honest(13, 4);
        assert!(check(&pcs, &c2, &claims, &proof).is_err());
    }

    #[test]
    fn every_tampered_part_is_rejected() {
        let (pcs, c, claims, proof) = honest(13, 7);
        let one = EF::ONE;
        let mut cases: Vec<(&str, MaskedProof)> = Vec::new();
        let mut p = proof.clone();
        p.mask_values[0] += one;
        cases.push(("a mask region's value", p));
        let mut p = proof.clone();
        p.first.round_polys[2][0] += one;
        cases.push(("a first-sumcheck message", p));
        let mut p = proof.clone();
        p.first.round_polys.swap(0, 1);
        cases.push(("two first-sumcheck rounds swapped", p));
        let mut p = proof.clone();
        p.mu += one;
        cases.push(("μ", p));
        let mut p = proof.clone();
        p.pow += F::ONE;
        cases.push(("the proof of work", p));
        let mut p = proof.clone();
        p.rows[5][3] += F::ONE;
        cases.push(("a limb value in a row", p));
        let mut p = proof.clone();
        let w = p.rows[0].len();
        p.rows[0][w - 3] += F::ONE;
        cases.push(("a mask value in a row", p));
        let mut p = proof.clone();
        p.rows.pop();
        cases.push(("a row fewer", p));
        let mut p = proof.clone();
        p.reduction.round_polys[4][1] += one;
        cases.push(("a reduction message", p));
        let mut p = proof.clone();
        p.split[1] += one;
        cases.push(("the split of P₁(ρ*)", p));
        let mut p = proof.clone();
        p.split = [p.split[0] + x_generator(), p.split[1] - one];
        cases.push(("a split that keeps P₁(ρ*)", p));
        let mut p = proof.clone();
        p.fold_pow.pop();
        cases.push(("a fold's proof of work dropped", p));
        let (_, _, _, other) = honest(13, 8);
        let mut p = proof.clone();
        p.plain = other.plain.clone();
        cases.push(("another proof's plain opening", p));
        let mut p = proof.clone();
        p.folded = other.folded.clone();
        cases.push(("another proof's P₁ commitment", p));
        for (what, p) in &cases {
            assert!(check(&pcs, &c, &claims, p).is_err(), "{what} was accepted");
        }
        // Each fold's grinding is checked before its challenge: a bumped witness is refused there.
        let k = pcs.config().fold;
        for round in [0, 2, k] {
            let mut p = proof.clone();
            p.fold_pow[round] += F::ONE;
            assert!(
                matches!(check(&pcs, &c, &claims, &p), Err(MaskedError::FoldProofOfWork { round: r }) if r == round),
                "fold {round}'s proof of work"
            );
        }
    }

    /// The rows are counted at the Johnson bound (57 at rate 1/8 with 19 bits of grinding, 98 in unique
    /// decoding), and each fold grinds what the line-MCA error leaves short of the security level: more for a
    /// larger stack (the error grows with the code's length).
    #[test]
    fn rows_and_fold_grinding_follow_the_johnson_bound() {
        let c = MaskedConfig::default();
        assert_eq!(c.queries, 57);
        let bits: Vec<usize> = [14, 17, 20, 22, 26, 30]
            .map(|n| c.fold_pow_bits(n))
            .to_vec();
        eprintln!("fold grinding bits at stacks 2^14, 2^17, 2^20, 2^22, 2^26, 2^30: {bits:?}");
        assert!(bits.windows(2).all(|w| w[0] <= w[1]), "{bits:?}");
        assert!(bits.iter().all(|&b| (1..=24).contains(&b)), "{bits:?}");
        // Each fold's error after grinding, with the k + 2 folds together, is at least the security level.
        for (n, &b) in [14, 17, 20, 22, 26, 30].iter().zip(&bits) {
            let error = p3_security::SecurityAssumption::JohnsonBound.prox_gaps_error(
                n - c.fold,
                3,
                127,
                2,
            );
            assert!(
                error + b as f64 - ((c.fold + 2) as f64).log2() >= 100.0,
                "2^{n}: {error} + {b}"
            );
            assert!(
                error + (b - 1) as f64 - ((c.fold + 2) as f64).log2() < 100.0 || b == 1,
                "2^{n}: one bit fewer"
            );
        }
    }

    /// A weights column of 2^12 committed for 64 uses, and witness columns of 2^14 committed at
    /// its stack size.
    fn joint_setup(seed: u64) -> (MaskedPcs, Vec<F>, MaskedCommitment, MaskedData, StdRng) {
        let (pcs, weights, mut rng) = setup(12, seed);
        let mut t = Transcript::new(b"masked-test");
        let (wc, wd) = pcs.commit_reusable(&weights, 64, &mut rng, &mut t).unwrap();
        (pcs, weights, wc, wd, rng)
    }

    struct Joint {
        wc: MaskedCommitment,
        w_claims: Vec<(Vec<EF>, EF)>,
        xc: MaskedCommitment,
        x_claims: Vec<(Vec<EF>, EF)>,
        proof: MaskedProof,
    }

    /// One proof of a witness column against the weights' commitment; `wrong` makes the prover
    /// claim a false value on the weights.
    fn joint_proof(
        pcs: &MaskedPcs,
        weights: &[F],
        wc: &MaskedCommitment,
        wd: &MaskedData,
        rng: &mut StdRng,
        wrong: bool,
    ) -> Joint {
        let x: Vec<F> = (0..1usize << 14).map(|_| rng.random()).collect();
        let mut w_claims = claims_on(weights, 12, rng, 2);
        if wrong {
            w_claims[1].1 += EF::ONE;
        }
        let x_claims = claims_on(&x, 14, rng, 2);
        let mut t = Transcript::new(b"masked-test");
        pcs.absorb_commitment(wc, &mut t).unwrap();
        let (xc, xd) = pcs.commit_at(&x, wc.stack_vars, rng, &mut t).unwrap();
        let proof = pcs
            .open_joint(wd, &w_claims, &xd, &x_claims, &mut t)
            .unwrap();
        Joint {
            wc: wc.clone(),
            w_claims,
            xc,
            x_claims,
            proof,
        }
    }

    fn check_joint(pcs: &MaskedPcs, j: &Joint) -> Result<(), MaskedError> {
        let mut t = Transcript::new(b"masked-test");
        pcs.absorb_commitment(&j.wc, &mut t)?;
        pcs.absorb_commitment(&j.xc, &mut t)?;
        pcs.verify_joint(&j.wc, &j.w_claims, &j.xc, &j.x_claims, &j.proof, &mut t)
    }

    #[test]
    fn joint_openings_reuse_the_weights_commitment() {
        let (pcs, weights, wc, wd, mut rng) = joint_setup(20);
        // The stack holds 64 uses' rows of randomness per limb (57 rows a use): 2^7 + 64·57 = 3,776 entries
        // per limb, so 2^17 for 2^12 weights.
        assert_eq!(pcs.config().queries, 57);
        assert_eq!(wc.stack_vars, 17);
        for _ in 0..2 {
            let j = joint_proof(&pcs, &weights, &wc, &wd, &mut rng, false);
            check_joint(&pcs, &j).unwrap();
            assert_eq!(j.proof.first.round_polys.len(), pcs.config().fold + 1);
            assert_eq!(j.proof.weights_rows.len(), pcs.config().queries);
        }
    }

    #[test]
    fn joint_openings_are_bound_to_both_commitments_and_claims() {
        let (pcs, weights, wc, wd, mut rng) = joint_setup(21);
        // A prover that claims a false weights value is caught by the final check.
        let j = joint_proof(&pcs, &weights, &wc, &wd, &mut rng, true);
        assert!(matches!(check_joint(&pcs, &j), Err(MaskedError::Final)));
        let j = joint_proof(&pcs, &weights, &wc, &wd, &mut rng, false);
        check_joint(&pcs, &j).unwrap();
        let mut cases: Vec<(&str, Joint)> = Vec::new();
        let (_, _, other_wc, _, _) = joint_setup(22);
        let mut bad = joint_proof(&pcs, &weights, &wc, &wd, &mut rng, false);
        bad.wc = other_wc;
        cases.push(("another weights commitment", bad));
        let mut bad = joint_proof(&pcs, &weights, &wc, &wd, &mut rng, false);
        bad.w_claims[0].1 += EF::ONE;
        cases.push(("another weights value", bad));
        let mut bad = joint_proof(&pcs, &weights, &wc, &wd, &mut rng, false);
        bad.proof.weights_rows[3][1] += F::ONE;
        cases.push(("a weights row changed", bad));
        let mut bad = joint_proof(&pcs, &weights, &wc, &wd, &mut rng, false);
        bad.proof.weights_rows.clear();
        bad.proof.weights_paths = None;
        cases.push(("the weights rows left out", bad));
        let mut bad = joint_proof(&pcs, &weights, &wc, &wd, &mut rng, false);
        let other = joint_proof(&pcs, &weights, &wc, &wd, &mut rng, false);
        bad.proof.weights_rows = other.proof.weights_rows.clone();
        bad.proof.weights_paths = other.proof.weights_paths.clone();
        cases.push(("another proof's weights rows", bad));
        for (what, j) in &cases {
            assert!(check_joint(&pcs, j).is_err(), "{what} was accepted");
        }
        // A joint proof is not a one-column proof.
        let mut t = Transcript::new(b"masked-test");
        pcs.absorb_commitment(&j.xc, &mut t).unwrap();
        assert!(pcs.verify(&j.xc, &j.x_claims, &j.proof, &mut t).is_err());
    }

    #[test]
    fn shapes_the_prototype_does_not_take_are_refused() {
        let (pcs, column, mut rng) = setup(5, 9);
        let mut t = Transcript::new(b"masked-test");
        assert!(matches!(
            pcs.commit(&column, &mut rng, &mut t),
            Err(MaskedError::Shape(_))
        ));
        let (pcs, c, claims, proof) = honest(13, 10);
        let short: Vec<(Vec<EF>, EF)> = claims.iter().map(|(p, v)| (p[1..].to_vec(), *v)).collect();
        assert!(matches!(
            check(&pcs, &c, &short, &proof),
            Err(MaskedError::Shape(_))
        ));
        assert!(matches!(
            check(&pcs, &c, &[], &proof),
            Err(MaskedError::Shape(_))
        ));
    }
}

#[cfg(test)]
mod round_tests {
    use rand_zk::{RngExt, SeedableRng};
    use zkinfer_sumcheck::RoundProver;

    use super::*;

    #[test]
    fn product_rounds_agree_with_the_sumcheck_crate() {
        let mut rng = StdRng::seed_from_u64(5);
        let q: Vec<F> = (0..64).map(|_| rng.random()).collect();
        let w: Vec<EF> = (0..64)
            .map(|_| EF::from_basis_coefficients_fn(|_| rng.random::<F>()))
            .collect();
        let mut rp = RoundProver::new(
            vec![Column::Base(q.clone()), Column::Ext(w.clone())],
            &[Term::new(EF::ONE, vec![0, 1])],
            None,
        );
        let mut folded: Vec<EF> = Vec::new();
        let mut wf = w;
        for round in 0..3 {
            let g = if round == 0 {
                product_round(&q, &wf)
            } else {
                product_round(&folded, &wf)
            };
            let want = rp.round_poly();
            assert_eq!(want, g.to_vec(), "round {round}");
            let a = EF::from_basis_coefficients_fn(|_| rng.random::<F>());
            rp.bind(&want, a);
            if round == 0 {
                folded = zkinfer_poly::fold_first_var(&q, a);
            } else {
                zkinfer_poly::fix_first_var_in_place(&mut folded, a);
            }
            zkinfer_poly::fix_first_var_in_place(&mut wf, a);
        }
    }
}
