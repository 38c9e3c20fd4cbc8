//! Dense multilinear polynomials for zkinfer.
//!
//! # Variable order (the one convention every crate follows)
//! A multilinear polynomial in `n` variables is stored as its `2^n` evaluations on the Boolean
//! hypercube. A point `r = (r_0, …, r_{n-1})` is **big-endian**: `r_0` is the variable of the
//! *most significant* bit of the evaluation index, `r_{n-1}` that of the least significant bit.
//! So `evals[i]` is the value at `x_k = bit (n-1-k) of i`.
//!
//! Consequences used everywhere:
//! - a row-major tensor whose axes are powers of two, `[a, b]`, has the point
//!   `(r_rows ‖ r_cols)`: the point of a tensor is the concatenation of its axes' points in axis
//!   order, and the last axis holds the lowest variables;
//! - fixing the first variable folds the two halves: `new[i] = lo[i] + r·(hi[i] − lo[i])`
//!   ([`Mle::fix_first_var`]), the order in which sumcheck binds variables.
//!
//! Modules: [`mle`] (the dense polynomial), [`eq`] (eq tables and eq evaluation).

pub mod eq;
pub mod mle;

pub use eq::{eq_at_index, eq_eval, eq_table, eq_table_scaled};
pub use mle::{Mle, evaluate, evaluate_mapped, fix_first_var_in_place, fold_first_var};

/// Below this many evaluations, loops stay serial: thread hand-off costs more than it saves.
pub const PARALLEL_THRESHOLD: usize = 1 << 14;

/// `⌈log2 n⌉`, with `log2_ceil(0) = log2_ceil(1) = 0`.
#[must_use]
pub const fn log2_ceil(n: usize) -> usize {
    if n <= 1 {
        0
    } else {
        (usize::BITS - (n - 1).leading_zeros()) as usize
    }
}
