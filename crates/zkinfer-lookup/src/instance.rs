//! Lookup instances, multiplicities and the claims a proof leaves to its caller.

use zkinfer_field::{EF, F, PrimeCharacteristicRing, to_signed};

use crate::{LookupError, MAX_WITNESS_VARS, Table};

/// Witnesses looked up into one table.
///
/// Each witness is a tuple of `table.num_columns()` columns of one power-of-two length;
/// different witnesses may have different lengths.
#[derive(Clone, Debug)]
pub struct LookupInstance<'a> {
    /// The table.
    pub table: &'a Table,
    /// `witnesses[w][c]` is column `c` of witness `w`.
    pub witnesses: Vec<Vec<&'a [F]>>,
}

impl LookupInstance<'_> {
    /// Each witness's number of variables: what the verifier is given as `witness_shapes`.
    ///
    /// # Errors
    /// [`LookupError::ColumnCount`], [`LookupError::WitnessLength`] or
    /// [`LookupError::TooManyVars`] for a malformed witness.
    pub fn shapes(&self) -> Result<Vec<usize>, LookupError> {
        witness_shapes(self.table, &self.witnesses)
    }
}

/// What a lookup proof leaves to its caller: evaluation claims on committed columns.
///
/// # Soundness
/// The caller must check every claim against its commitments (the witness columns and the
/// multiplicity column, as committed before `α, β` were drawn); the lookup proves nothing until
/// then.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use = "a lookup proves nothing until its claims are discharged"]
pub struct LookupClaims {
    /// Per witness, per column: `(point, value)`; the columns of one witness share the point.
    pub witness_claims: Vec<Vec<(Vec<EF>, EF)>>,
    /// The multiplicity column's MLE at a point (of the table's variables).
    pub multiplicity_claim: (Vec<EF>, EF),
}

/// The number of variables of each witness, after checking its shape against the table.
pub(crate) fn witness_shapes(
    table: &Table,
    witnesses: &[Vec<&[F]>],
) -> Result<Vec<usize>, LookupError> {
    witnesses
        .iter()
        .enumerate()
        .map(|(w, cols)| {
            if cols.len() != table.num_columns() {
                return Err(LookupError::ColumnCount {
                    witness: w,
                    expected: table.num_columns(),
                    got: cols.len(),
                });
            }
            let len = cols.first().map_or(0, |c| c.len());
            let expected = len.max(1).next_power_of_two();
            for (c, col) in cols.iter().enumerate() {
                if col.len() != expected {
                    return Err(LookupError::WitnessLength {
                        witness: w,
                        column: c,
                        expected,
                        got: col.len(),
                    });
                }
            }
            let vars = expected.trailing_zeros() as usize;
            if vars > MAX_WITNESS_VARS {
                return Err(LookupError::TooManyVars {
                    witness: w,
                    got: vars,
                    max: MAX_WITNESS_VARS,
                });
            }
            Ok(vars)
        })
        .collect()
}

/// How many times each table row is looked up, over all witnesses.
///
/// # Errors
/// [`LookupError::NotInTable`] naming the first witness row that is not in the table, or a
/// shape error (see [`LookupInstance::shapes`]) or an invalid table.
pub fn multiplicities(table: &Table, witnesses: &[Vec<&[F]>]) -> Result<Vec<F>, LookupError> {
    table.validate()?;
    witness_shapes(table, witnesses)?;
    let mut counts = vec![0u64; 1 << table.num_vars()];
    let mut tuple = Vec::with_capacity(table.num_columns());
    for (w, cols) in witnesses.iter().enumerate() {
        let len = cols.first().map_or(0, |c| c.len());
        for i in 0..len {
            tuple.clear();
            tuple.extend(cols.iter().map(|c| c[i]));
            let Some(row) = table.row_of(&tuple) else {
                return Err(LookupError::NotInTable {
                    witness: w,
                    row: i,
                    value: tuple.iter().map(|&x| to_signed(x)).collect(),
                    table: table.describe(),
                });
            };
            counts[row] += 1;
        }
    }
    Ok(counts.into_iter().map(F::from_u64).collect())
}

#[cfg(test)]
mod tests {
    use zkinfer_field::from_signed;

    use super::*;

    #[test]
    fn counts_and_errors() {
        let t = Table::SignedRange { bits: 3 };
        let a: Vec<F> = [-4, -1, 3, -1].map(from_signed).to_vec();
        let b: Vec<F> = [0, 0].map(from_signed).to_vec();
        let m = multiplicities(&t, &[vec![&a], vec![&b]]).unwrap();
        let want: Vec<F> = [1u64, 0, 0, 2, 2, 0, 0, 1].map(F::from_u64).to_vec();
        assert_eq!(m, want);

        let bad: Vec<F> = [0, 4].map(from_signed).to_vec();
        let err = multiplicities(&t, &[vec![&a], vec![&bad]]).unwrap_err();
        assert_eq!(
            err,
            LookupError::NotInTable {
                witness: 1,
                row: 1,
                value: vec![4],
                table: t.describe()
            }
        );
        assert!(err.to_string().contains("witness 1, row 1: value [4]"));

        let odd: Vec<F> = vec![F::ZERO; 3];
        assert!(matches!(
            multiplicities(&t, &[vec![&odd]]),
            Err(LookupError::WitnessLength {
                expected: 4,
                got: 3,
                ..
            })
        ));
        assert!(matches!(
            multiplicities(&t, &[vec![&a, &a]]),
            Err(LookupError::ColumnCount {
                expected: 1,
                got: 2,
                ..
            })
        ));
    }
}
