//! Where each column lives in the stacked polynomial, shared by prover and verifier.
//!
//! Columns are padded (zeros appended) to at least [`PcsConfig::min_column_vars`] variables and
//! grouped into p3 tables by padded size, largest first. p3's stacking planner then places every
//! column in a power-of-two-aligned slot, largest first, so a claim on column `c` at `p` is a claim
//! on the stacked polynomial at `(selector bits of c ‖ 0…0 ‖ p)` in the big-endian order of
//! `zkinfer-poly`; the zeros are the padding variables (padding appends, so its variables are the
//! most significant of the column).
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
use p3_sumcheck::{OpeningBatch, OpeningProtocol, TableShape, TableSpec};
use zkinfer_field::{EF, PrimeCharacteristicRing};

use crate::{ColumnClaim, MAX_CLAIMS, MAX_COLUMNS, PcsConfig, PcsError};

/// p3's opening schedule for a list of claims.
pub(crate) struct Schedule {
    /// The tables and their opening batches.
    pub(crate) protocol: OpeningProtocol,
    /// The lifted point of each batch, in protocol order.
    pub(crate) points: Vec<Point<EF>>,
    /// `order[k]` = the claim opened by the `k`-th batch.
    pub(crate) order: Vec<usize>,
}

/// One p3 table: columns of one padded size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TablePlan {
    /// Padded number of variables of every column of the table.
    pub(crate) arity: usize,
    /// The committed columns in this table, in input order.
    pub(crate) columns: Vec<usize>,
}

/// The placement of all columns; a pure function of the column sizes and the configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Plan {
    /// Number of variables of each committed column (before padding).
    pub(crate) num_vars: Vec<usize>,
    /// Tables, by decreasing arity.
    pub(crate) tables: Vec<TablePlan>,
    /// `(table, index in table)` of each column.
    pub(crate) position: Vec<(usize, usize)>,
    /// Number of variables of the stacked polynomial.
    pub(crate) stacked_vars: usize,
}

impl Plan {
    /// Plans the stack of columns with `num_vars[c]` variables each.
    pub(crate) fn new(num_vars: &[usize], config: &PcsConfig) -> Result<Self, PcsError> {
        if num_vars.is_empty() {
            return Err(PcsError::NoColumns);
        }
        if num_vars.len() > MAX_COLUMNS {
            return Err(PcsError::TooManyColumns {
                max: MAX_COLUMNS,
                got: num_vars.len(),
            });
        }
        let max = config.max_stacked_vars();
        let min = config.min_column_vars();
        let mut arities: Vec<usize> = Vec::new();
        let mut total: u128 = 0;
        for (column, &n) in num_vars.iter().enumerate() {
            if n > max {
                return Err(PcsError::ColumnTooLarge {
                    column,
                    max,
                    got: n,
                });
            }
            let a = n.max(min);
            total += 1u128 << a;
            if !arities.contains(&a) {
                arities.push(a);
            }
        }
        arities.sort_unstable_by(|a, b| b.cmp(a));
        let stacked_vars = (u128::BITS - (total - 1).leading_zeros()) as usize;
        if stacked_vars > max {
            return Err(PcsError::ColumnTooLarge {
                column: usize::MAX,
                max,
                got: stacked_vars,
            });
        }
        let mut tables: Vec<TablePlan> = arities
            .iter()
            .map(|&arity| TablePlan {
                arity,
                columns: Vec::new(),
            })
            .collect();
        let mut position = Vec::with_capacity(num_vars.len());
        for (column, &n) in num_vars.iter().enumerate() {
            let a = n.max(min);
            let t = arities
                .iter()
                .position(|&x| x == a)
                .ok_or(PcsError::NoColumns)?;
            let table = tables.get_mut(t).ok_or(PcsError::NoColumns)?;
            position.push((t, table.columns.len()));
            table.columns.push(column);
        }
        Ok(Self {
            num_vars: num_vars.to_vec(),
            tables,
            position,
            stacked_vars,
        })
    }

    /// Checks the claims against the plan and builds p3's opening schedule: one batch per
    /// claim, grouped by table. Returns the protocol, the lifted points in protocol order, and
    /// `order[k]` = the claim opened by the `k`-th batch.
    pub(crate) fn schedule(&self, claims: &[ColumnClaim]) -> Result<Schedule, PcsError> {
        if claims.is_empty() {
            return Err(PcsError::NoClaims);
        }
        if claims.len() > MAX_CLAIMS {
            return Err(PcsError::TooManyClaims {
                max: MAX_CLAIMS,
                got: claims.len(),
            });
        }
        let mut per_table: Vec<Vec<usize>> = vec![Vec::new(); self.tables.len()];
        for (i, claim) in claims.iter().enumerate() {
            let columns = self.num_vars.len();
            let (&n, &(t, _)) = self
                .num_vars
                .get(claim.column)
                .zip(self.position.get(claim.column))
                .ok_or(PcsError::ColumnOutOfRange {
                    claim: i,
                    columns,
                    got: claim.column,
                })?;
            if claim.point.len() != n {
                return Err(PcsError::PointLength {
                    claim: i,
                    expected: n,
                    got: claim.point.len(),
                });
            }
            per_table.get_mut(t).ok_or(PcsError::NoColumns)?.push(i);
        }
        let mut specs = Vec::with_capacity(self.tables.len());
        let mut points = Vec::with_capacity(claims.len());
        let mut order = Vec::with_capacity(claims.len());
        for (table, claim_ids) in self.tables.iter().zip(&per_table) {
            let mut schedule = Vec::with_capacity(claim_ids.len());
            for &i in claim_ids {
                let claim = claims.get(i).ok_or(PcsError::NoClaims)?;
                let &(_, slot) = self.position.get(claim.column).ok_or(PcsError::NoColumns)?;
                schedule.push(OpeningBatch::new(vec![slot], Vec::new()));
                let pad = table.arity - claim.point.len();
                let mut lifted = vec![EF::ZERO; pad];
                lifted.extend_from_slice(&claim.point);
                points.push(Point::new(lifted));
                order.push(i);
            }
            specs.push(TableSpec::new(
                TableShape::new(table.arity, table.columns.len()),
                schedule,
            ));
        }
        Ok(Schedule {
            protocol: OpeningProtocol::new(specs),
            points,
            order,
        })
    }
}
