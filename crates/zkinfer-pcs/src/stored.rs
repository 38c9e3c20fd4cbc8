//! Prover data that outlives a proof: columns committed once (the weights, at setup) and opened
//! in every proof, without encoding or hashing them again.
//!
//! [`StoredData`] is the Merkle tree of the Reed–Solomon codeword (the codeword and every digest
//! layer) with the commitment; it serializes, so a proving key can carry it. [`Pcs::restore`]
//! takes it back, with the committed columns (from which the cheap part, the stacked polynomial,
//! is laid out again), to [`CommittedData`] ready for [`Pcs::open`].
//!
//! # Trust
//! Stored data is the prover's own: nothing here is a soundness check. A tree that does not fit
//! the columns makes proofs the verifier rejects (the root is pinned by the verifying key);
//! `restore` checks the shape and the root so that a corrupted file is a clear error, and
//! [`Pcs::open`] turns a panic of p3 on a tree corrupted below the root into
//! [`PcsError::StoredData`].

use p3_commit::Mmcs;
use p3_matrix::Matrix;
use p3_matrix::dense::DenseMatrix;
use p3_sumcheck::layout::Layout;
use serde::{Deserialize, Serialize};
use zkinfer_field::{F, PrimeCharacteristicRing, Transcript};

use crate::types::Digest;
use crate::types::{CommittedData, KeccakMmcs, StackLayout, WhirData};
use crate::{Commitment, Pcs, PcsError};

/// The Merkle tree of a codeword (p3's prover data of the commitment).
type MerkleData = <KeccakMmcs as Mmcs<F>>::ProverData<DenseMatrix<F>>;

/// The codeword and Merkle tree of a commitment, storable (serde) and restorable with
/// [`Pcs::restore`]. Its size is about `(2^log_inv_rate + 2^(1 - folding_factor) · 4)` times the
/// stacked columns' 8 bytes per element.
#[derive(Clone, Serialize, Deserialize)]
pub struct StoredData {
    commitment: Commitment,
    merkle: MerkleData,
}

impl StoredData {
    /// The commitment this data opens.
    #[must_use]
    pub fn commitment(&self) -> &Commitment {
        &self.commitment
    }
}

impl std::fmt::Debug for StoredData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredData")
            .field("commitment", &self.commitment)
            .finish_non_exhaustive()
    }
}

impl CommittedData {
    /// The storable part of this data (the codeword's Merkle tree), consuming it.
    #[must_use]
    pub fn into_stored(self) -> StoredData {
        StoredData {
            commitment: self.commitment,
            merkle: self.whir.merkle_data,
        }
    }
}

impl Pcs {
    /// The prover data of `columns` from `stored` (made by [`CommittedData::into_stored`] from a
    /// commitment to the same columns with the same parameters), absorbing the commitment into
    /// `transcript` exactly as [`Pcs::commit`] does. Copies the stored tree; encodes and hashes
    /// nothing.
    ///
    /// # Errors
    /// As [`Pcs::commit`] for the columns; [`PcsError::StoredData`] if the stored commitment
    /// has other column shapes, or its tree another shape or root, than these columns and
    /// parameters give.
    pub fn restore(
        &self,
        columns: &[Vec<F>],
        stored: &StoredData,
        transcript: &mut Transcript,
    ) -> Result<CommittedData, PcsError> {
        let (plan, witness) = self.stack(columns)?;
        let num_vars: Vec<u32> = plan.num_vars.iter().map(|&n| n as u32).collect();
        let bad = |reason: String| PcsError::StoredData { reason };
        if num_vars != stored.commitment.num_vars {
            return Err(bad(format!(
                "column sizes 2^{:?}, the stored commitment has 2^{:?}",
                num_vars, stored.commitment.num_vars
            )));
        }
        let mats = self.mmcs.get_matrices::<DenseMatrix<F>>(&stored.merkle);
        let cells = plan.stacked_vars + self.config.log_inv_rate;
        let fits = matches!(mats.as_slice(), [m] if m.width().checked_mul(m.height()) == Some(1usize << cells));
        if !fits {
            return Err(bad(format!(
                "the stored codeword is not one matrix of 2^{cells} elements"
            )));
        }
        let root: Digest = stored.merkle.root().into();
        if root != stored.commitment.root {
            return Err(bad("the stored tree's root is not the commitment's".into()));
        }
        self.absorb_commitment(&stored.commitment, transcript)?;
        let mut whir = self.shell()?;
        whir.layout = StackLayout::from_witness(witness);
        whir.merkle_data = stored.merkle.clone();
        Ok(CommittedData {
            commitment: stored.commitment.clone(),
            plan,
            whir,
        })
    }

    /// A [`WhirData`] to overwrite: p3-whir 0.8 has no public constructor of its prover data (a
    /// private marker field), so [`Pcs::restore`] commits one smallest column (`2^fold`
    /// elements; microseconds) on a scratch transcript and replaces both public fields.
    fn shell(&self) -> Result<WhirData, PcsError> {
        let n = self.config.min_column_vars();
        let (plan, witness) = self.stack(&[vec![F::ZERO; 1 << n]])?;
        let whir = self.whir(plan.stacked_vars)?;
        let mut scratch = Transcript::new(b"zkinfer/pcs/restore-shell");
        let (_, data) =
            p3_commit::MultilinearPcs::commit(&whir, witness, &mut scratch).map_err(|e| {
                PcsError::Config {
                    num_vars: plan.stacked_vars,
                    reason: e.to_string(),
                }
            })?;
        Ok(data)
    }
}
