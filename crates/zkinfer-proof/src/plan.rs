//! The compiled model, [`Plan`]: layouts, sources, committed columns, tables, lookups and costs
//! of a [`ProofGraph`]. Made by [`crate::compile()`]; the per-node data ([`NodePlan`]) is what each
//! op module ([`crate::ops`]) records for its prover and verifier.

use serde::{Deserialize, Serialize};

use crate::ir::{ProofGraph, TableGen, TensorId};
use crate::layout::Layout;

/// Who sees the input.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum InputVisibility {
    /// The verifier gets the input and evaluates it itself.
    #[default]
    Public,
    /// The input is a column of the proof's hiding witness commitment and is not sent. (What
    /// the proof still reveals about it until issue 13 is finished: docs/ZK.md.)
    Private,
    /// As [`InputVisibility::Private`], and the proof carries a second hiding commitment to
    /// the input, made from a seed the prover hands to the input's holder
    /// ([`crate::commit::HashedOpening`]), who can recompute it and so check that the proof is
    /// about their input; the proof shows that both commitments hold the same tensor.
    Hashed,
}

/// Who sees the output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum OutputVisibility {
    /// The proof carries the output; the verifier evaluates it itself.
    #[default]
    Public,
    /// The output is a column of the hiding witness commitment and is not sent.
    Private,
    /// As [`OutputVisibility::Private`], plus a seeded hiding commitment its holder can
    /// recompute (as for [`InputVisibility::Hashed`]).
    Hashed,
}

/// Who sees the weights.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum WeightsVisibility {
    /// The verifying key holds a commitment to the weights (made at setup), not the weights.
    #[default]
    Private,
    /// The verifying key carries the quantized weights (its digest covers them) and the
    /// verifier evaluates every claim on them itself: no weights commitment, no weights opening.
    /// For audits, and for models whose weights are public anyway.
    Public,
}

impl InputVisibility {
    /// Whether the verifier sees the tensor.
    #[must_use]
    pub fn is_public(self) -> bool {
        self == Self::Public
    }
}

impl OutputVisibility {
    /// Whether the verifier sees the tensor.
    #[must_use]
    pub fn is_public(self) -> bool {
        self == Self::Public
    }
}

/// Options of [`compile`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompileOptions {
    /// Input visibility.
    pub input: InputVisibility,
    /// Output visibility.
    pub output: OutputVisibility,
    /// Weights visibility.
    pub weights: WeightsVisibility,
}

impl From<InputVisibility> for CompileOptions {
    fn from(input: InputVisibility) -> Self {
        Self::with_input(input)
    }
}

impl CompileOptions {
    /// This input visibility, the output public.
    #[must_use]
    pub fn with_input(input: InputVisibility) -> Self {
        Self {
            input,
            ..Self::default()
        }
    }
}

/// Where the values of a tensor come from, for the verifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Source {
    /// The public input: the verifier evaluates it.
    PublicInput,
    /// A committed witness column.
    Committed {
        /// Index into [`Plan::witness_columns`].
        column: usize,
    },
    /// The output of a linear op: claims on it are reduced and moved to its inputs.
    Derived,
    /// Same storage as another tensor (a reshape).
    Alias {
        /// The tensor whose storage it shares.
        of: TensorId,
    },
}

/// A committed column (witness or weights).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnSpec {
    /// Name, for messages.
    pub name: String,
    /// Number of variables.
    pub num_vars: usize,
    /// A weight column laid out as a tensor: per axis, big-endian, its `(logical, padded)`
    /// size (padded a power of two; every entry outside the logical box is zero). Empty for
    /// witness columns and weights laid out otherwise. The private weights' commitment commits
    /// such a column as power-of-two pieces where that makes it smaller
    /// ([`crate::weights::pieces`]).
    pub axes: Vec<(usize, usize)>,
}

/// A lookup table, by content.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum TableSpec {
    /// `[0, 2^bits)`.
    Range {
        /// Width.
        bits: u32,
    },
    /// `[-2^(bits-1), 2^(bits-1))`.
    SignedRange {
        /// Width.
        bits: u32,
    },
    /// `(i, outputs[i + 2^(bits-1)])` over the signed range.
    Function {
        /// Name.
        name: String,
        /// Input width.
        bits: u32,
        /// Outputs (empty in a verifying key when `generator` makes them).
        outputs: Vec<i64>,
        /// How they are made.
        generator: TableGen,
        /// Keccak-256 of the outputs: the verifier checks that what it generates is the table the
        /// prover used.
        digest: [u8; 32],
    },
}

/// Which values one lookup reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LookupWitness {
    /// A committed input, into the signed activation range.
    Input,
    /// The output of a rescale, into the signed activation range.
    RescaleOut {
        /// The node.
        node: usize,
    },
    /// One 16-bit limb of a rescale's remainder.
    RescaleLimb {
        /// The node.
        node: usize,
        /// The limb.
        limb: usize,
    },
    /// `(x, f(x))` of a ReLU or table node.
    Elementwise {
        /// The node.
        node: usize,
    },
    /// `y − window` of a max-pool, into `[0, 2^A)`.
    MaxDiff {
        /// The node.
        node: usize,
    },
    /// A committed witness column read as it is (limbs, slacks, differences, outputs of the
    /// transformer gadgets); its claim goes to that column.
    Column {
        /// The node that owns it (for messages).
        node: usize,
        /// Index into [`Plan::witness_columns`].
        column: usize,
    },
}

/// A non-negative value `v ∈ [0, 2^bits)` committed as limbs of at most 16 bits, each
/// range-checked: `ṽ = Σ_l 2^(16l) · l̃imb_l`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limbs {
    /// Limb columns, least significant first.
    pub columns: Vec<usize>,
    /// Bits of each limb (16 but the last).
    pub bits: Vec<u32>,
}

/// One lookup: a witness into a table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LookupUse {
    /// Index into [`Plan::tables`].
    pub table: usize,
    /// What it reads.
    pub witness: LookupWitness,
    /// Variables of the witness columns.
    pub num_vars: usize,
    /// Added to the looked-up value before the membership check; non-zero only for a range
    /// table. A signed range `[−2^(b−1), 2^(b−1))` is checked as `v + 2^(b−1) ∈ [0, 2^b)`, so
    /// a model's signed and unsigned `b`-bit checks share one table and one multiplicity column
    /// (key format 14). The shift is a bijection of the field, so the two checks are the same.
    pub offset: u64,
}

/// Per-node data the prover and verifier need beyond the op.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NodePlan {
    /// Nothing beyond the op.
    Plain,
    /// A linear layer with committed weights.
    Weighted {
        /// Weight column (in the weights commitment).
        weight: usize,
        /// Bias column.
        bias: Option<usize>,
        /// For a matmul: the number of leading (row) axes of the input layout.
        split: usize,
    },
    /// A rescale: its output and remainder limbs.
    Rescale {
        /// Output column.
        out: usize,
        /// Remainder limb columns, 16 bits each but the last.
        limbs: Vec<usize>,
        /// Bits of each limb.
        limb_bits: Vec<u32>,
    },
    /// An element-wise lookup node.
    Elementwise {
        /// Output column.
        out: usize,
        /// Index of its table.
        table: usize,
    },
    /// A max-pool: output and window columns.
    MaxPool {
        /// Output column.
        out: usize,
        /// Windows column, layout `[KHp, KWp, C.., OHp, OWp]`.
        windows: usize,
        /// Padded kernel sizes.
        kpad: [usize; 2],
    },
    /// A max along the last axis: output and the differences `D = (y − x)·valid` (layout of x).
    ReduceMax {
        /// Output column (layout of x with the last axis of size 1).
        out: usize,
        /// Differences column, range-checked to `[0, 2^A)`.
        diff: usize,
    },
    /// An arg-max along the last axis.
    ArgMax {
        /// Output (index) column.
        out: usize,
        /// Row maximum column (layout of the output).
        max: usize,
        /// One-hot column (layout of x).
        onehot: usize,
        /// `D = (y − x − before)·valid` (layout of x), range-checked to `[0, 2^A)`.
        diff: usize,
    },
    /// A division `q = ⌊a·2^shift / b⌋`.
    Div {
        /// Quotient column (layout of a), range-checked to the signed activation range.
        out: usize,
        /// Remainder `r ∈ [0, 2^divisor_bits)`.
        rem: Limbs,
        /// Slack `c = (b − 1 − r)·valid ∈ [0, 2^divisor_bits)`.
        slack: Limbs,
    },
    /// An integer square root `y = ⌊√x⌋`.
    Isqrt {
        /// Output column.
        out: usize,
        /// Limbs of the output when it is wider than 16 bits (else the output column itself is
        /// range-checked).
        out_limbs: Option<Limbs>,
        /// `t1 = x − y²`.
        lo: Limbs,
        /// `t2 = y² + 2y − x`.
        hi: Limbs,
    },
}

/// Cost of one node.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeCost {
    /// Node name.
    pub name: String,
    /// Op kind.
    pub op: String,
    /// Elements committed per proof.
    pub committed: usize,
    /// Total size of the sumchecks run.
    pub sumcheck: usize,
    /// Rows looked up.
    pub lookups: usize,
    /// Multiply-adds of the op (what a circuit prover pays per gate).
    pub macs: usize,
}

/// Totals and predictions.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Cost {
    /// Per node.
    pub nodes: Vec<NodeCost>,
    /// Elements committed per proof (witness, multiplicities).
    pub committed: usize,
    /// Weight elements (committed at setup).
    pub weights: usize,
    /// Elements of the private weights' codeword, which every proof re-derives (with the
    /// default budget of proofs; 0 for public weights).
    #[serde(default)]
    pub weights_codeword: usize,
    /// Total sumcheck size.
    pub sumcheck: usize,
    /// Total rows looked up.
    pub lookups: usize,
    /// Total multiply-adds.
    pub macs: usize,
    /// Predicted prove time on a 2-core machine, seconds.
    pub predicted_prove_s: f64,
    /// Predicted peak memory, bytes.
    pub predicted_memory_bytes: u64,
}

/// A weight column whose values are another weight column's transposed (GPT-2's LM head: the
/// head's `[d, vocab]` weight is the embedding table `[vocab, d]` transposed; the exporter unties
/// it into a constant of its own). Private weights commit only `target`; a claim on `column` at
/// `(p_a ‖ p_b)` (`p_a` its first `split` variables) is a claim on `target` at `(p_b ‖ p_a)`.
/// The alias is part of the plan, so the verifying key states it (the model's weights are tied;
/// nothing about their values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeightAlias {
    /// The column not committed.
    pub column: usize,
    /// The column it is the transpose of.
    pub target: usize,
    /// Variables of `column`'s first axis.
    pub split: usize,
}

impl WeightAlias {
    /// The point on `target` of a claim on `column` at `point`; `None` for a point shorter than
    /// the split.
    #[must_use]
    pub fn target_point<T: Clone>(&self, point: &[T]) -> Option<Vec<T>> {
        let (a, b) = (point.get(..self.split)?, point.get(self.split..)?);
        Some(b.iter().chain(a).cloned().collect())
    }
}

/// The compiled model: everything but the weight values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// The graph (in a verifying key, with weight values removed).
    pub graph: ProofGraph,
    /// Options it was compiled with.
    pub options: CompileOptions,
    /// Layout of every tensor.
    pub layouts: Vec<Layout>,
    /// Source of every tensor.
    pub sources: Vec<Source>,
    /// Per node.
    pub nodes: Vec<NodePlan>,
    /// Witness columns, committed per proof (multiplicities last).
    pub witness_columns: Vec<ColumnSpec>,
    /// Weight columns, committed at setup.
    pub weight_columns: Vec<ColumnSpec>,
    /// Weight columns that are another's transpose (a tied LM head), committed once: found at
    /// compile from the values ([`crate::weights::tied`]).
    pub weight_aliases: Vec<WeightAlias>,
    /// Distinct tables.
    pub tables: Vec<TableSpec>,
    /// Multiplicity column of each table.
    pub multiplicity_columns: Vec<usize>,
    /// Lookups.
    pub lookups: Vec<LookupUse>,
    /// Costs.
    pub cost: Cost,
}

impl Plan {
    /// The witness column that holds tensor `t` (through a layout alias), if it is committed.
    #[must_use]
    pub fn committed_column(&self, t: TensorId) -> Option<usize> {
        let t = match self.sources.get(t) {
            Some(Source::Alias { of }) => *of,
            _ => t,
        };
        match self.sources.get(t) {
            Some(Source::Committed { column }) => Some(*column),
            _ => None,
        }
    }

    /// The lookups of each table, in table order.
    #[must_use]
    pub fn lookups_by_table(&self) -> Vec<Vec<LookupUse>> {
        let mut out = vec![Vec::new(); self.tables.len()];
        for lu in &self.lookups {
            if let Some(v) = out.get_mut(lu.table) {
                v.push(*lu);
            }
        }
        out
    }
}

/// Whether tensor `t` is private: its values are hidden by a zero-knowledge proof, so a masked
/// sumcheck reports its evaluations masked. The public input (and what aliases it) is not;
/// neither is a public output, whose values the verifier has.
#[must_use]
pub fn is_private(plan: &Plan, t: crate::ir::TensorId) -> bool {
    let t = match plan.sources.get(t) {
        Some(Source::Alias { of }) => *of,
        _ => t,
    };
    let public_input = matches!(plan.sources.get(t), Some(Source::PublicInput));
    let public_output = t == plan.graph.output && plan.options.output.is_public();
    !public_input && !public_output
}

/// Whether the weights are private (hidden): claims on them are reported masked.
#[must_use]
pub fn weights_private(plan: &Plan) -> bool {
    plan.options.weights == WeightsVisibility::Private
}

/// The largest column we commit (variables).
pub const MAX_COLUMN_VARS: usize = 24;

/// Keccak-256 of a table's outputs ([`zkinfer_lookup::outputs_digest`], the digest the lookup
/// proof's table id is made from).
#[must_use]
pub fn table_digest(outputs: &[i64]) -> [u8; 32] {
    zkinfer_lookup::outputs_digest(outputs)
}
