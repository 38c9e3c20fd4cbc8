//! Round-by-round access to the plain prover, for protocols that splice rounds of their own
//! around the kernels' rounds (zero-knowledge LogUp-GKR in `zkinfer-lookup` adds a leading
//! round, sparse corrections and a closed-form last round).

use zkinfer_field::EF;

use super::state::Instance;
use crate::{Column, Term};

/// One sumcheck instance driven by its caller: [`RoundProver::round_poly`] for the current
/// round, [`RoundProver::bind`] with the challenge. Same kernels as [`crate::prove`]; nothing is
/// absorbed into a transcript (the caller sends what it wants).
pub struct RoundProver(Instance);

impl core::fmt::Debug for RoundProver {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RoundProver")
            .field("num_vars", &self.0.num_vars())
            .field("degree", &self.0.degree())
            .finish_non_exhaustive()
    }
}

impl RoundProver {
    /// As [`crate::prove`]'s arguments.
    ///
    /// # Panics
    /// On inconsistent shapes (caller bugs), as [`crate::prove`].
    #[must_use]
    pub fn new(columns: Vec<Column>, terms: &[Term], eq_point: Option<&[EF]>) -> Self {
        Self(Instance::new(columns, terms, eq_point))
    }

    /// The number of variables.
    #[must_use]
    pub fn num_vars(&self) -> usize {
        self.0.num_vars()
    }

    /// The round polynomials' degree.
    #[must_use]
    pub fn degree(&self) -> usize {
        self.0.degree()
    }

    /// The current round's polynomial at `0, 1, …, degree` (at least two values).
    ///
    /// # Panics
    /// If every variable is bound (caller bug).
    pub fn round_poly(&mut self) -> Vec<EF> {
        let mut g = self.0.round_poly();
        g.truncate(self.0.degree().max(1) + 1);
        g
    }

    /// Binds the current variable to `r`; `g` is this round's polynomial from
    /// [`RoundProver::round_poly`] (it carries the running claim).
    pub fn bind(&mut self, g: &[EF], r: EF) {
        self.0.bind(g, r);
    }

    /// Column `col`'s entry `index` in the current (partially bound) state, `None` out of range.
    #[must_use]
    pub fn value(&self, col: usize, index: usize) -> Option<EF> {
        self.0.value(col, index)
    }

    /// Each column's value once every variable is bound.
    #[must_use]
    pub fn evals(&self) -> Vec<EF> {
        self.0.evals()
    }
}
