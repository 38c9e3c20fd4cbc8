//! Where each column sits in the hiding commitment's stacked polynomial, and how a claim on a
//! column becomes a claim on the stack. Shared by prover and verifier.
//!
//! The placement is [`crate::layout::Plan`]'s (columns padded to at least `folding_factor`
//! variables, largest first, each in a power-of-two-aligned slot); the stack is then extended
//! with zeros to the number of variables the hiding WHIR instance needs
//! ([`super::HidingPcs`] raises it for small stacks so the encoding randomness fits). A column
//! `c` of `n` variables padded to `a` at offset `o` gives, in the big-endian order of
//! `zkinfer-poly`, `c̃(p) = P(bits(o >> a) ‖ 0^{a-n} ‖ p)`: the selector bits and the padding
//! bits are Boolean, so the opening reveals the claimed value and nothing else about `P`.
//!
//! The verifier runs this on untrusted shapes and claims, so it is held to the verifier's lints.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

use p3_multilinear_util::point::Point;
use zkinfer_field::{EF, F, PrimeCharacteristicRing};

use super::StackClaim;
use crate::layout::Plan;
use crate::{ColumnClaim, MAX_CLAIMS, PcsConfig, PcsError};

/// The placement of every column; a pure function of the column sizes and the configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Stack {
    /// Number of variables of each column (before padding).
    pub(crate) num_vars: Vec<usize>,
    /// Padded number of variables of each column.
    arity: Vec<usize>,
    /// Offset of each column's slot in the stack (a multiple of `2^arity`).
    offset: Vec<usize>,
    /// The fewest variables that hold every slot.
    pub(crate) min_stacked_vars: usize,
}

impl Stack {
    /// Places columns of `num_vars[c]` variables.
    pub(crate) fn new(num_vars: &[usize], config: &PcsConfig) -> Result<Self, PcsError> {
        let plan = Plan::new(num_vars, config)?;
        let mut arity = vec![0; num_vars.len()];
        let mut offset = vec![0; num_vars.len()];
        let mut next = 0usize;
        for table in &plan.tables {
            for &c in &table.columns {
                let (a, o) = arity
                    .get_mut(c)
                    .zip(offset.get_mut(c))
                    .ok_or(PcsError::NoColumns)?;
                *a = table.arity;
                *o = next;
                next += 1usize << table.arity;
            }
        }
        Ok(Self {
            num_vars: num_vars.to_vec(),
            arity,
            offset,
            min_stacked_vars: plan.stacked_vars,
        })
    }

    /// The stacked polynomial's `2^stacked_vars` evaluations (prover only).
    pub(crate) fn fill(&self, columns: &[Vec<F>], stacked_vars: usize) -> Vec<F> {
        let mut values = F::zero_vec(1usize << stacked_vars);
        for ((column, &o), &n) in columns.iter().zip(&self.offset).zip(&self.num_vars) {
            debug_assert_eq!(column.len(), 1usize << n);
            if let Some(slot) = values.get_mut(o..o + column.len()) {
                slot.copy_from_slice(column);
            }
        }
        values
    }

    /// Whether `stacked` (a stack this layout filled) holds `columns` — the first of the
    /// layout's columns, as many as are given — in their slots. The columns are taken one at a
    /// time, so a caller can make each only when it is compared.
    pub(crate) fn holds<C: AsRef<[F]>>(
        &self,
        stacked: &[F],
        columns: impl IntoIterator<Item = C>,
    ) -> bool {
        let mut slots = self.offset.iter().zip(&self.num_vars);
        columns.into_iter().all(|column| {
            let column = column.as_ref();
            slots.next().is_some_and(|(&o, &n)| {
                column.len() == 1usize << n && stacked.get(o..o + column.len()) == Some(column)
            })
        })
    }

    /// Checks every claim against the shapes and lifts it to a point of the stack of
    /// `stacked_vars ≥ min_stacked_vars` variables; then the `stack` claims' points, which must
    /// have `stacked_vars` coordinates.
    pub(crate) fn lift(
        &self,
        claims: &[ColumnClaim],
        stack: &[StackClaim],
        stacked_vars: usize,
    ) -> Result<Vec<Point<EF>>, PcsError> {
        let total = claims.len() + stack.len();
        if total == 0 {
            return Err(PcsError::NoClaims);
        }
        if total > MAX_CLAIMS {
            return Err(PcsError::TooManyClaims {
                max: MAX_CLAIMS,
                got: total,
            });
        }
        let mut points: Vec<Point<EF>> = self
            .lift_points(claims, stacked_vars)?
            .into_iter()
            .map(Point::new)
            .collect();
        for (i, c) in stack.iter().enumerate() {
            if c.point.len() != stacked_vars {
                return Err(PcsError::PointLength {
                    claim: claims.len() + i,
                    expected: stacked_vars,
                    got: c.point.len(),
                });
            }
            points.push(Point::new(c.point.clone()));
        }
        Ok(points)
    }

    /// Each column claim's point on the stack of `stacked_vars` variables, after checking it
    /// against the shapes.
    pub(crate) fn lift_points(
        &self,
        claims: &[ColumnClaim],
        stacked_vars: usize,
    ) -> Result<Vec<Vec<EF>>, PcsError> {
        let columns = self.num_vars.len();
        claims
            .iter()
            .enumerate()
            .map(|(i, claim)| {
                let c = claim.column;
                let ((&n, &a), &o) = self
                    .num_vars
                    .get(c)
                    .zip(self.arity.get(c))
                    .zip(self.offset.get(c))
                    .ok_or(PcsError::ColumnOutOfRange {
                        claim: i,
                        columns,
                        got: c,
                    })?;
                if claim.point.len() != n {
                    return Err(PcsError::PointLength {
                        claim: i,
                        expected: n,
                        got: claim.point.len(),
                    });
                }
                let selector_bits =
                    stacked_vars
                        .checked_sub(a)
                        .ok_or(PcsError::ColumnTooLarge {
                            column: c,
                            max: stacked_vars,
                            got: a,
                        })?;
                let slot = o >> a;
                let mut coords = Vec::with_capacity(stacked_vars);
                for bit in (0..selector_bits).rev() {
                    coords.push(if (slot >> bit) & 1 == 1 {
                        EF::ONE
                    } else {
                        EF::ZERO
                    });
                }
                coords.resize(selector_bits + (a - n), EF::ZERO);
                coords.extend_from_slice(&claim.point);
                Ok(coords)
            })
            .collect()
    }
}
