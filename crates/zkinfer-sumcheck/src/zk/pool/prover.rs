//! The prover's side of the mask pool: draw, commit (by the caller), hand out, discharge.

use rand::{CryptoRng, RngCore};
use zkinfer_field::{EF, F, PrimeCharacteristicRing, Transcript};

use super::{
    Book, CLAIM_MASK_LEN, Layout, LinearClaim, MaskPoolProof, MaskSlot, PoolClaim, SlotKind,
    labels, pool_claims, to_column,
};
use crate::zk::dense::DenseRounds;
use crate::zk::prover::{ZkMaskRounds, prove_zk_with};
use crate::zk::{MaskClaim, MaskPolynomial, prove_zk, random_ext};
use crate::{Column, SumcheckError, Term};

/// The prover's mask pool: `K` uniform `EF` entries committed as one column before any
/// sumcheck, handed out as Libra masks, and discharged by [`MaskPool::finish`] (see the module
/// doc of [`crate::zk::pool`]).
///
/// Use: `let pool = MaskPool::random_os(K)?;` commit `pool.columns()` in the hiding batch (the
/// caller absorbs the commitment); per ZK sumcheck `let (slot, g) = pool.next_mask(n, d)?;`,
/// `prove_zk(…, &g, …)`, `pool.record(slot.index, MaskClaim { point, value: mask_eval })?`;
/// at the end `let (proof, claims) = pool.finish(transcript)?;` and add `claims` to the one
/// hiding opening.
///
/// # Zero knowledge
/// One pool per proof, drawn fresh ([`MaskPool::random_os`]): two proofs from the same entries
/// (e.g. a clone) reveal twice as many functionals of them and are not hidden. `Debug` prints
/// the entries: never log a pool.
#[derive(Clone, Debug)]
pub struct MaskPool {
    entries: Vec<EF>,
    book: Book,
}

impl MaskPool {
    /// A pool of `size` uniform entries from a cryptographic RNG (tests inject a seeded one;
    /// production uses [`MaskPool::random_os`]). The dense mask's degree-3 coefficients are zero.
    ///
    /// # Errors
    /// [`SumcheckError::BadPoolSize`] if `size` is not a power of two or too small.
    pub fn random<R: CryptoRng + RngCore + ?Sized>(
        size: usize,
        rng: &mut R,
    ) -> Result<Self, SumcheckError> {
        Layout::new(size)?;
        Self::from_entries((0..size).map(|_| random_ext(rng)).collect())
    }

    /// [`MaskPool::random`] with a ChaCha12 generator seeded from the operating system.
    ///
    /// # Errors
    /// As [`MaskPool::random`].
    ///
    /// # Panics
    /// If the operating system cannot supply randomness.
    pub fn random_os(size: usize) -> Result<Self, SumcheckError> {
        use rand::SeedableRng;
        Self::random(size, &mut rand::rngs::StdRng::from_os_rng())
    }

    /// The pool with the given entries (tests: a chosen pool, or zeros to switch masking off).
    /// The dense mask's degree-3 coefficients are set to zero, as in [`MaskPool::random`].
    ///
    /// # Errors
    /// [`SumcheckError::BadPoolSize`] if the length is not a usable size.
    pub fn from_entries(mut entries: Vec<EF>) -> Result<Self, SumcheckError> {
        let book = Book::new(entries.len())?;
        for (idx, e) in entries.iter_mut().enumerate() {
            if book.layout.is_dense_cubic(idx) {
                *e = EF::ZERO;
            }
        }
        Ok(Self { entries, book })
    }

    /// The smallest pool size whose Libra region holds `mask_entries` entries (the sum of
    /// [`super::mask_entries`] over every mask the proof will take).
    ///
    /// # Errors
    /// [`SumcheckError::PoolExhausted`] if no pool size does.
    pub fn size_for(mask_entries: usize) -> Result<usize, SumcheckError> {
        Layout::size_for(mask_entries)
    }

    /// The pool's size `K`.
    #[must_use]
    pub fn size(&self) -> usize {
        self.entries.len()
    }

    /// The entries (what the column commits), for tests and in-memory openings.
    pub fn entries(&self) -> &[EF] {
        &self.entries
    }

    /// The columns to commit in the hiding batch before any sumcheck: one column of `2K` base
    /// elements, `column[2i + l]` = limb `l` of entry `i`.
    #[must_use]
    pub fn columns(&self) -> Vec<Vec<F>> {
        vec![to_column(&self.entries)]
    }

    /// The next mask of `num_vars` variables and degree `degree` (the next
    /// `num_vars·(degree + 1)` entries, variable-major as [`MaskPolynomial::flat_coefficients`]).
    ///
    /// # Errors
    /// [`SumcheckError::BadDegree`] for degree 0, [`SumcheckError::PoolExhausted`] when the
    /// Libra region has too few entries left.
    pub fn next_mask(
        &mut self,
        num_vars: usize,
        degree: usize,
    ) -> Result<(MaskSlot, MaskPolynomial), SumcheckError> {
        let at = self.book.take(num_vars, degree)?;
        Ok((at, self.mask_at(at)?))
    }

    /// Slot `index`'s place (e.g. to find a claim mask's entries).
    #[must_use]
    pub fn slot(&self, index: usize) -> Option<MaskSlot> {
        self.book.slot(index).ok().map(|(at, _)| at)
    }

    /// The next Libra mask with per-variable degrees `degrees` (the next
    /// `Σ_i (degrees[i] + 1)` entries, variable-major): for a sumcheck whose rounds have
    /// different degrees ([`crate::zk::prove_zk_masked`] takes its masks this way).
    ///
    /// # Errors
    /// As [`MaskPool::next_mask`].
    pub fn next_mask_per_var(
        &mut self,
        degrees: &[usize],
    ) -> Result<(MaskSlot, MaskPolynomial), SumcheckError> {
        let at = self.book.take_per_var(degrees)?;
        Ok((at, self.mask_at(at)?))
    }

    /// The next claim mask `R̂(w) = a + b·w` (two entries, [`super::CLAIM_MASK_LEN`]): the
    /// randomness that masks one revealed evaluation of a private tensor (docs/ZK-sumcheck.md
    /// §5). Its entries are revealed only through linear claims
    /// ([`MaskPool::record_linear`]).
    ///
    /// # Errors
    /// [`SumcheckError::PoolExhausted`].
    pub fn next_claim_mask(&mut self) -> Result<MaskSlot, SumcheckError> {
        self.book.take_claim_mask()
    }

    /// Masks a value the prover sends without a sumcheck (e.g. rescale's `q(ρ)`, a bias
    /// `b(r)`): takes the next claim mask `R̂` and returns the claim
    /// `T(point) + Σ_w R̂(w) = value + 2a + b` (coefficient 1) — send its `value`. The verifier's
    /// twin is [`super::MaskPoolVerifier::masked_value`].
    ///
    /// # Errors
    /// [`SumcheckError::PoolExhausted`].
    pub fn mask_value(
        &mut self,
        point: Vec<EF>,
        value: EF,
    ) -> Result<crate::zk::MaskedClaim, SumcheckError> {
        let slot = self.next_claim_mask()?.index;
        let [a, b] = self.claim_mask(slot)?;
        Ok(crate::zk::MaskedClaim {
            point,
            value: value + a.double() + b,
            masks: vec![crate::zk::ClaimMask {
                slot,
                coeff: EF::ONE,
            }],
        })
    }

    /// `[a, b]` of claim mask `slot`.
    ///
    /// # Errors
    /// [`SumcheckError::BadMaskSlot`] if `slot` is not a claim mask.
    pub fn claim_mask(&self, slot: usize) -> Result<[EF; CLAIM_MASK_LEN], SumcheckError> {
        let at = self.book.claim_mask(slot)?;
        self.entries
            .get(at.offset..at.offset + CLAIM_MASK_LEN)
            .and_then(|e| <[EF; CLAIM_MASK_LEN]>::try_from(e).ok())
            .ok_or(SumcheckError::BadMaskSlot {
                slot,
                reason: "outside the pool",
            })
    }

    /// Records the linear claim `⟨slots' entries, weights⟩ = value`, discharged by
    /// [`MaskPool::finish`] with the mask claims.
    ///
    /// # Errors
    /// [`SumcheckError::BadMaskSlot`] for an unknown slot, [`SumcheckError::WrongEvalCount`]
    /// for weights that do not fit their slot, [`SumcheckError::FinalEvalMismatch`] if `value`
    /// is not the functional's value (not recorded: the proof would be rejected).
    pub fn record_linear(&mut self, claim: LinearClaim) -> Result<(), SumcheckError> {
        self.book.check_linear(&claim)?;
        let mut expected = EF::ZERO;
        for (slot, w) in &claim.terms {
            let (at, _) = self.book.slot(*slot)?;
            let entries = self
                .entries
                .get(at.offset..at.offset + at.len)
                .unwrap_or_default();
            expected += entries.iter().zip(w).map(|(&e, &x)| e * x).sum::<EF>();
        }
        if expected != claim.value {
            // Not recorded: the proof would be rejected.
            return Err(SumcheckError::FinalEvalMismatch {
                expected,
                got: claim.value,
            });
        }
        self.book.record_linear(claim)
    }

    fn mask_at(&self, at: MaskSlot) -> Result<MaskPolynomial, SumcheckError> {
        let (_, kind) = self.book.slot(at.index)?;
        let SlotKind::Libra(degrees) = kind else {
            return Err(SumcheckError::BadMaskSlot {
                slot: at.index,
                reason: "a claim mask is not a Libra mask",
            });
        };
        let mut rest = self.entries.get(at.offset..at.offset + at.len).ok_or(
            SumcheckError::PoolExhausted {
                requested: at.len,
                remaining: 0,
            },
        )?;
        let mut coeffs = Vec::with_capacity(degrees.len());
        for &d in degrees {
            let (c, tail) = rest.split_at((d + 1).min(rest.len()));
            coeffs.push(c.to_vec());
            rest = tail;
        }
        if degrees.iter().all(|&d| d == at.degree) {
            MaskPolynomial::from_coefficients(at.degree, coeffs)
        } else {
            MaskPolynomial::from_coefficients_per_var(coeffs)
        }
    }

    /// Records the mask claim `g(point) = value` of slot `slot` (the [`crate::ZkSumcheckOutput`]'s
    /// `point` and `mask_eval`), in any order.
    ///
    /// # Errors
    /// [`SumcheckError::BadMaskSlot`] for an unknown or already recorded slot,
    /// [`SumcheckError::WrongPointLength`], and [`SumcheckError::FinalEvalMismatch`] if `value`
    /// is not the slot's mask at `point` (the proof would be rejected).
    pub fn record(&mut self, slot: usize, claim: MaskClaim) -> Result<(), SumcheckError> {
        let (point, value) = (claim.point.clone(), claim.value);
        let at = self.book.record(slot, claim)?;
        let expected = self.mask_at(at)?.evaluate(&point)?;
        if expected == value {
            Ok(())
        } else {
            Err(SumcheckError::FinalEvalMismatch {
                expected,
                got: value,
            })
        }
    }

    /// Discharges every recorded mask claim: returns the proof and the three claims on the
    /// pool's column for the caller's hiding opening.
    ///
    /// # Errors
    /// [`SumcheckError::BadMaskSlot`] if a slot's claim was never recorded,
    /// [`SumcheckError::DegenerateChallenge`] with probability `O(1/|EF|)`.
    pub fn finish(
        self,
        transcript: &mut Transcript,
    ) -> Result<(MaskPoolProof, Vec<PoolClaim>), SumcheckError> {
        let layout = self.book.layout;
        let (weights, _) = self.book.combine(transcript)?;
        let product = [Term::new(EF::ONE, vec![0, 1])];
        // Level 1: Σ c̃·W̃ with the Libra mask h from the h block.
        let h_len = 3 * layout.vars;
        let h_coeffs = self
            .entries
            .iter()
            .skip(layout.h_offset)
            .take(h_len)
            .copied()
            .collect::<Vec<_>>()
            .chunks(3)
            .map(<[EF]>::to_vec)
            .collect();
        let h = MaskPolynomial::from_coefficients(2, h_coeffs)?;
        let cols = vec![Column::Ext(self.entries.clone()), Column::Ext(weights)];
        let level1 = prove_zk(cols, &product, None, &h, transcript);
        let pool_eval = level1.evals.first().copied().unwrap_or_default();
        transcript.absorb_ext(labels::POOL_EVAL, pool_eval);
        // Level 2: Σ c̃_h·w̃_h = h(z) with the dense mask D from the D block.
        let block = |offset: usize, len: usize| -> Vec<EF> {
            self.entries
                .iter()
                .skip(offset)
                .take(len)
                .copied()
                .collect()
        };
        let m = layout.inner_vars;
        let mut dense = DenseRounds::new(block(layout.dense_offset, 1 << (2 * m)), m, 2);
        let cols = vec![
            Column::Ext(block(layout.h_offset, 1 << m)),
            Column::Ext(layout.inner_weights(&level1.point)),
        ];
        let dense_sum = dense.sum();
        let level2 = prove_zk_with(cols, &product, None, dense_sum, &mut dense, transcript);
        let inner_eval = level2.evals.first().copied().unwrap_or_default();
        transcript.absorb_ext(labels::INNER_EVAL, inner_eval);
        debug_assert_eq!(dense.value(), level2.mask_eval);
        let claims = pool_claims(
            &layout,
            &level1.point,
            pool_eval,
            &level2.point,
            inner_eval,
            level2.mask_eval,
        )?;
        let proof = MaskPoolProof {
            reduce: level1.proof,
            pool_eval,
            inner: level2.proof,
            inner_eval,
        };
        Ok((proof, claims))
    }
}
