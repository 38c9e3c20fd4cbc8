//! The error type of the lookup argument.

use zkinfer_field::EF;
use zkinfer_sumcheck::SumcheckError;

/// Why a lookup could not be proved, or why a proof was rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LookupError {
    /// A witness row is not a row of the table (the prover fails early).
    #[error("witness {witness}, row {row}: value {value:?} is not in the table {table}")]
    NotInTable {
        /// The witness.
        witness: usize,
        /// The row of the witness.
        row: usize,
        /// The tuple, as centered signed integers.
        value: Vec<i128>,
        /// The table's description.
        table: String,
    },
    /// The table's width is outside `1..=MAX_TABLE_BITS`.
    #[error("table of {bits} bits: widths 1..={max} are supported (split wider ranges into limbs)")]
    TableBits {
        /// The width asked for.
        bits: u32,
        /// [`crate::MAX_TABLE_BITS`].
        max: u32,
    },
    /// A function table's outputs do not cover its input range.
    #[error("function table {name}: {got} outputs, expected {expected}")]
    FunctionOutputs {
        /// The table's name.
        name: String,
        /// `2^in_bits`.
        expected: usize,
        /// The number given.
        got: usize,
    },
    /// A witness has the wrong number of columns for the table.
    #[error("witness {witness} has {got} columns, the table has {expected}")]
    ColumnCount {
        /// The witness.
        witness: usize,
        /// The table's columns.
        expected: usize,
        /// The witness's columns.
        got: usize,
    },
    /// A witness column's length is not a power of two, or differs from its first column's.
    #[error("witness {witness}, column {column}: length {got}, expected {expected}")]
    WitnessLength {
        /// The witness.
        witness: usize,
        /// The column.
        column: usize,
        /// The expected length (the first column's, rounded to a power of two).
        expected: usize,
        /// The length found.
        got: usize,
    },
    /// A witness has more than [`crate::MAX_WITNESS_VARS`] variables.
    #[error("witness {witness} has {got} variables, at most {max} are supported")]
    TooManyVars {
        /// The witness.
        witness: usize,
        /// Its variables.
        got: usize,
        /// The limit.
        max: usize,
    },
    /// The multiplicity column has the wrong length.
    #[error("multiplicity column of length {got}, the table has {expected} rows")]
    MultiplicityLength {
        /// Table rows.
        expected: usize,
        /// Column length.
        got: usize,
    },
    /// The multiplicities given to [`crate::prove`] are not the witnesses' counts.
    #[error("multiplicity of table row {row} is {got}, the witnesses use it {expected} times")]
    MultiplicityMismatch {
        /// The table row.
        row: usize,
        /// The true count.
        expected: u64,
        /// The given value (canonical representative).
        got: u64,
    },
    /// Batched instances and their multiplicity columns (or statements) differ in number.
    #[error("{expected} instances, but {got} multiplicity columns or statements")]
    InstanceCount {
        /// Instances.
        expected: usize,
        /// What came with them.
        got: usize,
    },
    /// The proof has the wrong number of trees.
    #[error("proof has {got} roots, expected {expected} (one per witness and one for the table)")]
    RootCount {
        /// Witnesses + 1.
        expected: usize,
        /// Roots in the proof.
        got: usize,
    },
    /// A root denominator is zero.
    #[error("tree {tree} has a zero root denominator")]
    ZeroDenominator {
        /// The tree (witnesses first, then the table).
        tree: usize,
    },
    /// The witness fractions do not sum to the table's.
    #[error("instance {instance}: witness side sums to {witnesses}, table side to {table}")]
    Unbalanced {
        /// The instance (0 for a single one).
        instance: usize,
        /// `Σ 1/(α − w)` as claimed by the roots.
        witnesses: EF,
        /// `Σ m/(α − t)` as claimed by the root.
        table: EF,
    },
    /// The proof has the wrong number of layers.
    #[error("proof has {got} layers, expected {expected} (the tallest tree's height)")]
    LayerCount {
        /// The tallest tree's height.
        expected: usize,
        /// Layers in the proof.
        got: usize,
    },
    /// A layer sends the wrong number of child values.
    #[error("layer {layer} sends {got} child values, expected {expected}")]
    ChildCount {
        /// The layer.
        layer: usize,
        /// Expected count.
        expected: usize,
        /// Count in the proof.
        got: usize,
    },
    /// A layer's sumcheck failed.
    #[error("layer {layer}: {source}")]
    LayerSumcheck {
        /// The layer.
        layer: usize,
        /// The sumcheck's reason.
        source: SumcheckError,
    },
    /// A witness's column values are missing or of the wrong count.
    #[error("witness {witness}: {got} column values, expected {expected}")]
    WitnessEvalCount {
        /// The witness, counted over all instances (`usize::MAX`: the number of witnesses).
        witness: usize,
        /// Expected count.
        expected: usize,
        /// Count in the proof.
        got: usize,
    },
    /// A height-0 witness tree's numerator is not 1 (witnesses counted over all instances).
    #[error("witness {witness}: leaf numerator {got}, expected 1")]
    WitnessNumerator {
        /// The witness.
        witness: usize,
        /// The claimed numerator.
        got: EF,
    },
    /// A witness's column values do not fold into its leaf denominator.
    #[error("witness {witness}: α − Σ β^c x_c = {got}, the tree claims {expected}")]
    WitnessFold {
        /// The witness.
        witness: usize,
        /// The tree's leaf claim.
        expected: EF,
        /// From the column values.
        got: EF,
    },
    /// The table's leaf denominator differs from the table's own MLE.
    #[error("instance {instance}: table leaf α − Σ β^c T_c = {got}, the tree claims {expected}")]
    TableLeaf {
        /// The instance.
        instance: usize,
        /// The tree's leaf claim.
        expected: EF,
        /// From the table's MLE.
        got: EF,
    },
}
