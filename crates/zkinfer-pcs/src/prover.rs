//! Commit and open.

use p3_commit::MultilinearPcs;
use p3_matrix::dense::RowMajorMatrix;
use p3_sumcheck::PrescribedPointPcs;
use p3_sumcheck::layout::{Layout, Table, Witness};
use zkinfer_field::{EF, F, PrimeCharacteristicRing, Transcript};

use crate::layout::{Plan, Schedule};
use crate::types::{CommittedData, StackLayout, WhirData};
use crate::{ColumnClaim, Commitment, OpeningProof, Pcs, PcsError};

impl Pcs {
    /// Commits to `columns` (each of power-of-two length, 1 to 2^[`crate::Pcs::max_column_vars`]
    /// elements) in one commitment, and absorbs it into `transcript` exactly as
    /// [`Pcs::absorb_commitment`] does. Deterministic: the same columns give the same root.
    ///
    /// # Errors
    /// [`PcsError::NoColumns`], [`PcsError::TooManyColumns`], [`PcsError::ColumnNotPowerOfTwo`],
    /// [`PcsError::ColumnTooLarge`], or [`PcsError::Config`] if the parameters do not fit.
    pub fn commit(
        &self,
        columns: &[Vec<F>],
        transcript: &mut Transcript,
    ) -> Result<(Commitment, CommittedData), PcsError> {
        let (plan, witness) = self.stack(columns)?;
        let whir = self.whir(plan.stacked_vars)?;
        let num_vars_u32: Vec<u32> = plan.num_vars.iter().map(|&n| n as u32).collect();
        self.absorb_shapes(&num_vars_u32, transcript);
        let (cap, data): (_, WhirData) =
            whir.commit(witness, transcript)
                .map_err(|e| PcsError::Config {
                    num_vars: plan.stacked_vars,
                    reason: e.to_string(),
                })?;
        let got = cap.roots().len();
        let root = *cap
            .roots()
            .first()
            .filter(|_| got == 1)
            .ok_or(PcsError::CommitmentShape {
                what: "Merkle cap",
                expected: 1,
                got,
            })?;
        let commitment = Commitment {
            root,
            num_vars: num_vars_u32,
        };
        Ok((
            commitment.clone(),
            CommittedData {
                commitment,
                plan,
                whir: data,
            },
        ))
    }

    /// Plans the stack of `columns` and lays them out as p3's witness (no encoding, no hashing).
    pub(crate) fn stack(&self, columns: &[Vec<F>]) -> Result<(Plan, Witness<F>), PcsError> {
        let plan = Plan::new(&column_vars(columns)?, &self.config)?;
        let tables = plan
            .tables
            .iter()
            .map(|table| {
                let height = 1usize << table.arity;
                let mut values = vec![F::ZERO; height * table.columns.len()];
                for (dst, &c) in values.chunks_mut(height).zip(&table.columns) {
                    let src = &columns[c];
                    dst[..src.len()].copy_from_slice(src);
                }
                Table::new(RowMajorMatrix::new(values, height))
            })
            .collect();
        let witness = StackLayout::new_witness(tables, self.config.min_column_vars());
        debug_assert_eq!(witness.num_variables(), plan.stacked_vars);
        Ok((plan, witness))
    }

    /// Opens all `claims` with one proof. Clones the prover data (so one commitment can be opened
    /// in many proofs); [`Pcs::open_owned`] avoids the copy.
    ///
    /// # Errors
    /// A claim on a missing column, with a point of the wrong length, or whose value is not the
    /// committed polynomial's ([`PcsError::ValueMismatch`]); [`PcsError::Config`] on parameters.
    pub fn open(
        &self,
        data: &CommittedData,
        claims: &[ColumnClaim],
        transcript: &mut Transcript,
    ) -> Result<OpeningProof, PcsError> {
        let schedule = data.plan.schedule(claims)?;
        self.open_scheduled(
            data.plan.stacked_vars,
            data.whir.clone(),
            claims,
            &schedule,
            transcript,
        )
    }

    /// [`Pcs::open`], consuming the prover data.
    ///
    /// # Errors
    /// As [`Pcs::open`].
    pub fn open_owned(
        &self,
        data: CommittedData,
        claims: &[ColumnClaim],
        transcript: &mut Transcript,
    ) -> Result<OpeningProof, PcsError> {
        let schedule = data.plan.schedule(claims)?;
        self.open_scheduled(
            data.plan.stacked_vars,
            data.whir,
            claims,
            &schedule,
            transcript,
        )
    }

    fn open_scheduled(
        &self,
        stacked_vars: usize,
        whir_data: WhirData,
        claims: &[ColumnClaim],
        schedule: &Schedule,
        transcript: &mut Transcript,
    ) -> Result<OpeningProof, PcsError> {
        let whir = self.whir(stacked_vars)?;
        self.absorb_claims(claims, transcript);
        // Prover data restored from a file (`Pcs::restore`) is checked for shape and root only;
        // p3 panics on a tree corrupted below the root, which becomes an error here.
        let opened = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            whir.open_at(whir_data, &schedule.protocol, &schedule.points, transcript)
        }))
        .map_err(|_| PcsError::StoredData {
            reason: "opening the committed data panicked".into(),
        })?;
        let inner = opened.map_err(|e| PcsError::Config {
            num_vars: stacked_vars,
            reason: e.to_string(),
        })?;
        for (batch, &i) in inner.evals.iter().zip(&schedule.order) {
            let expected = batch.current().first().copied().unwrap_or(EF::ZERO);
            let got = claims[i].value;
            if expected != got {
                return Err(PcsError::ValueMismatch {
                    claim: i,
                    expected,
                    got,
                });
            }
        }
        Ok(OpeningProof { inner })
    }
}

/// Each column's number of variables (plain and hiding commitments alike).
pub(crate) fn column_vars(columns: &[Vec<F>]) -> Result<Vec<usize>, PcsError> {
    let mut num_vars = Vec::with_capacity(columns.len());
    for (column, values) in columns.iter().enumerate() {
        if !values.len().is_power_of_two() {
            return Err(PcsError::ColumnNotPowerOfTwo {
                column,
                len: values.len(),
            });
        }
        num_vars.push(values.len().trailing_zeros() as usize);
    }
    Ok(num_vars)
}
