//! The prover's message stream and the verifier's reader, over one transcript.
//!
//! Every message the prover sends is absorbed before the next challenge; the verifier reads the
//! same messages in the same order and absorbs them identically, so the two transcripts agree.
//!
//! A sumcheck is one call on each side: [`Channel::prove_sumcheck`] runs `zkinfer-sumcheck`'s
//! prover on the channel's transcript and records its proof as the next message;
//! [`Reader::verify_sumcheck`] reads that message and runs the sumcheck verifier on the same
//! transcript. The returned [`SumcheckOutput`] / [`SubClaim`] is the caller's to discharge.
//!
//! A claim reduction (many claims on one tensor → one) is one call too:
//! [`Channel::reduce_claims`] runs [`zkinfer_sumcheck::reduce_claims`] and records its
//! [`ReductionProof`]; [`Reader::verify_reduce_claims`] reads it and runs
//! [`zkinfer_sumcheck::verify_reduce_claims`].
//!
//! **Masking (issue 13).** A channel made with [`Channel::with_pool`] runs every sumcheck of
//! [`Channel::prove_sumcheck`] as a Libra-masked sumcheck ([`zkinfer_sumcheck::prove_zk`]) with
//! the next mask of a proof-level [`MaskPool`] (committed in the hiding witness batch before any
//! sumcheck), records it as [`Msg::ZkSumcheck`], and the mask claims are discharged at the end
//! ([`MaskPool::finish`]); a reader made with [`Reader::with_pool`] mirrors it. A counting channel
//! ([`Channel::counting`]) runs plain sumchecks and counts the pool entries a masked run needs.
//! Claim reductions in a masked channel are masked sumchecks too (`W = Σ α^i eq(p_i, ·)` times the
//! tensor, then its value at the final point), not `zkinfer-sumcheck`'s plain reduction.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

use serde::{Deserialize, Serialize};
use zkinfer_field::{EF, F, Field, PrimeCharacteristicRing, Transcript};
use zkinfer_sumcheck::{
    ClaimMask, Column, MaskClaim, MaskPool, MaskPoolVerifier, MaskedClaim, MaskedReductionProof,
    MaskedSubClaim, MaskedSumcheckProof, Reduced, ReductionProof, SubClaim, SumcheckError,
    SumcheckOutput, SumcheckProof, Term, WeightedPoint, ZkSumcheckProof,
};

use crate::claims::Claim;
use crate::error::{ProveError, VerifyError};

/// Label of a message of evaluations.
pub const EVALS: &[u8] = b"zkinfer/evals";

/// One message of a proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Msg {
    /// Evaluations the prover claims.
    Evals(Vec<EF>),
    /// A sumcheck.
    Sumcheck(SumcheckProof),
    /// A claim reduction (its sumcheck and the reduced claim's value).
    Reduction(ReductionProof),
    /// A masked (zero-knowledge) sumcheck.
    ZkSumcheck(ZkSumcheckProof),
    /// A masked sumcheck that also masks the evaluations it reports and consumes masked claims
    /// (Libra's `Z·R`, docs/ZK-sumcheck.md §5).
    MaskedSumcheck(MaskedSumcheckProof),
    /// A claim reduction of masked claims (docs/ZK-sumcheck.md §5.2).
    MaskedReduction(MaskedReductionProof),
}

impl Msg {
    /// What the message is, for errors (`"3 evaluations"`, `"a sumcheck"`).
    fn describe(msg: Option<&Self>) -> String {
        match msg {
            Some(Self::Evals(v)) => format!("{} evaluations", v.len()),
            Some(Self::Sumcheck(_)) => "a sumcheck".into(),
            Some(Self::Reduction(_)) => "a claim reduction".into(),
            Some(Self::ZkSumcheck(_)) => "a masked sumcheck".into(),
            Some(Self::MaskedSumcheck(_)) => "a sumcheck with masked evaluations".into(),
            Some(Self::MaskedReduction(_)) => "a masked claim reduction".into(),
            None => "no more messages".into(),
        }
    }
}

/// How a channel's sumchecks are masked.
#[derive(Debug, Default)]
pub enum Masking {
    /// Plain sumchecks.
    #[default]
    Off,
    /// Plain sumchecks, counting the pool entries masking them would take.
    Count(usize),
    /// Masked sumchecks, their masks from the pool.
    Pool(MaskPool),
}

/// The prover's side.
#[derive(Debug)]
pub struct Channel<'a> {
    /// The transcript.
    pub t: &'a mut Transcript,
    /// Messages sent so far.
    pub msgs: Vec<Msg>,
    /// How sumchecks are masked.
    pub masking: Masking,
    /// The first masking error (a pool too small, a mask claim refused); the prover returns it
    /// after the walk ([`Channel::check`]) instead of changing every op's signature.
    error: Option<SumcheckError>,
}

impl<'a> Channel<'a> {
    /// A channel over `t`, plain sumchecks.
    pub fn new(t: &'a mut Transcript) -> Self {
        Self::with_masking(t, Masking::Off)
    }

    /// A channel over `t` whose sumchecks are masked with `pool`'s masks.
    pub fn with_pool(t: &'a mut Transcript, pool: MaskPool) -> Self {
        Self::with_masking(t, Masking::Pool(pool))
    }

    /// A channel over `t` with plain sumchecks that counts the mask entries a masked run takes.
    pub fn counting(t: &'a mut Transcript) -> Self {
        Self::with_masking(t, Masking::Count(0))
    }

    fn with_masking(t: &'a mut Transcript, masking: Masking) -> Self {
        Self {
            t,
            msgs: Vec::new(),
            masking,
            error: None,
        }
    }

    /// The first masking error, if any.
    ///
    /// # Errors
    /// [`ProveError::Backend`] naming it.
    pub fn check(&self) -> Result<(), ProveError> {
        match &self.error {
            Some(e) => Err(ProveError::Backend(format!("sumcheck masking: {e}"))),
            None => Ok(()),
        }
    }

    /// Sends evaluations.
    pub fn send(&mut self, evals: Vec<EF>) {
        self.t.absorb_exts(EVALS, &evals);
        self.msgs.push(Msg::Evals(evals));
    }

    /// Runs a sumcheck of `Σ_x [eq(eq_point, x)] · Σ_j terms_j(columns)(x)` on the channel's
    /// transcript ([`zkinfer_sumcheck::prove`]) and records its proof as the next message. The
    /// verifier's twin is [`Reader::verify_sumcheck`].
    ///
    /// # Panics
    /// As [`zkinfer_sumcheck::prove`]: columns of different lengths, or an `eq_point` whose
    /// length is not the columns' number of variables (a prover bug, not a proof input).
    pub fn prove_sumcheck(
        &mut self,
        columns: Vec<Column>,
        terms: &[Term],
        eq_point: Option<&[EF]>,
    ) -> SumcheckOutput {
        let num_vars = columns
            .first()
            .map_or(0, |c| c.len().trailing_zeros() as usize);
        let degree = zkinfer_sumcheck::zk_degree(terms, eq_point.is_some());
        // The next mask (with a pool) or the count of its entries (counting); a masking error
        // is kept for `check` (completeness only: such a proof would not verify), and the
        // sumcheck is then plain.
        let taken = match &mut self.masking {
            Masking::Off => Ok(None),
            Masking::Count(n) => {
                zkinfer_sumcheck::zk::pool::mask_entries(num_vars, degree).map(|e| {
                    *n += e;
                    None
                })
            }
            Masking::Pool(pool) => pool.next_mask(num_vars, degree).map(Some),
        };
        let (slot, mask) = match taken {
            Ok(Some(m)) => m,
            other => {
                if let Err(e) = other {
                    self.error.get_or_insert(e);
                }
                let out = zkinfer_sumcheck::prove(columns, terms, eq_point, self.t);
                self.msgs.push(Msg::Sumcheck(out.proof.clone()));
                return out;
            }
        };
        let out = zkinfer_sumcheck::prove_zk(columns, terms, eq_point, &mask, self.t);
        let claim = MaskClaim {
            point: out.point.clone(),
            value: out.mask_eval,
        };
        if let Masking::Pool(pool) = &mut self.masking
            && let Err(e) = pool.record(slot.index, claim)
        {
            self.error.get_or_insert(e);
        }
        let proof = out.proof.sumcheck.clone();
        self.msgs.push(Msg::ZkSumcheck(out.proof));
        SumcheckOutput {
            proof,
            point: out.point,
            evals: out.evals,
            claimed_sum: out.claimed_sum,
        }
    }

    /// The mask pool of a masking channel, and the transcript: for a sub-protocol that takes
    /// its masks from the pool itself (the blinded lookups' layer sumchecks, [`crate::lookups`])
    /// and records their claims with [`MaskPool::record`]. `None` for a plain or counting channel.
    pub fn pool_and_transcript(&mut self) -> (Option<&mut MaskPool>, &mut Transcript) {
        let pool = match &mut self.masking {
            Masking::Pool(p) => Some(p),
            _ => None,
        };
        (pool, self.t)
    }

    /// On a counting channel, counts the pool entries of the masked reduction of up to
    /// `max_vars` variables that ends a proof (the witness claims reduced to one claim on the
    /// commitment's stack, docs/ZK.md §13), without running it: the stack's size depends on the
    /// pool's, so the count takes the largest; unused entries stay unused. No-op otherwise.
    pub fn count_reduction(&mut self, max_vars: usize) {
        if let Masking::Count(count) = &mut self.masking {
            let entries =
                |incoming| masked_entries(max_vars, &reduction_terms(), false, &[], incoming);
            match entries(true).and_then(|a| entries(false).map(|b| a.max(b))) {
                Ok(e) => *count += e,
                Err(e) => {
                    self.error.get_or_insert(e);
                }
            }
        }
    }

    /// The mask entries counted by a [`Channel::counting`] channel (0 otherwise).
    #[must_use]
    pub fn counted_mask_entries(&self) -> usize {
        match self.masking {
            Masking::Count(n) => n,
            _ => 0,
        }
    }

    /// Reduces the claims on one multilinear `poly` to one claim on it and records the proof as
    /// the next message; `None` without claims. A single claim is returned as it is (nothing
    /// sent) when it is plain or `keep_masked` (its consumer takes masked claims). The
    /// verifier's twin is [`Reader::verify_reduce_claims`].
    ///
    /// Plain channel: [`zkinfer_sumcheck::reduce_claims`] ([`Msg::Reduction`]). Masking channel:
    /// [`zkinfer_sumcheck::reduce_masked_claims`] ([`Msg::MaskedReduction`]): the claims may be
    /// masked, and the reduced claim is masked again when `private` (else `poly`'s value in the
    /// clear, for a claim that ends at a PCS opening or a consumer that takes plain claims).
    ///
    /// # Errors
    /// [`ProveError::KeyMismatch`] at `at` if `poly`'s length is not a power of two or a
    /// claim's point does not have its number of variables (a plan that does not fit its graph).
    pub fn reduce_claims(
        &mut self,
        poly: Column,
        claims: Vec<Claim>,
        private: bool,
        keep_masked: bool,
        at: &str,
    ) -> Result<Option<Claim>, ProveError> {
        if claims.len() <= 1 && claims.iter().all(|c| keep_masked || !c.is_masked()) {
            return Ok(claims.into_iter().next());
        }
        self.reduce_claims_always(poly, claims, private, at)
    }

    /// [`Channel::reduce_claims`] without its shortcut: even one plain claim is reduced (a
    /// sumcheck and a fresh point), e.g. so that what is revealed is the polynomial at a point
    /// no claim chose. The verifier's twin is [`Reader::verify_reduce_claims_always`].
    ///
    /// # Errors
    /// As [`Channel::reduce_claims`].
    pub fn reduce_claims_always<'p>(
        &mut self,
        poly: impl Into<Reduced<'p>>,
        claims: Vec<Claim>,
        private: bool,
        at: &str,
    ) -> Result<Option<Claim>, ProveError> {
        self.reduce_always(poly.into(), claims, None, private, at)
    }

    /// [`Channel::reduce_claims_always`] for claims on linear combinations of evaluations:
    /// claim `i` is on `Σ_t c_t·P(p_t)` for `weighted[i] = [(c_t, p_t)]` (its own point is not
    /// used), e.g. a claim on a weight column committed as pieces. The verifier's twin is
    /// [`Reader::verify_reduce_weighted_claims_always`].
    ///
    /// # Errors
    /// As [`Channel::reduce_claims`]; also if `weighted` does not have one non-empty entry per
    /// claim.
    pub fn reduce_weighted_claims_always<'p>(
        &mut self,
        poly: impl Into<Reduced<'p>>,
        claims: Vec<Claim>,
        weighted: &[WeightedPoint],
        private: bool,
        at: &str,
    ) -> Result<Option<Claim>, ProveError> {
        if weighted.len() != claims.len() || weighted.iter().any(Vec::is_empty) {
            return Err(ProveError::key_mismatch(at, "weighted claims"));
        }
        self.reduce_always(poly.into(), claims, Some(weighted), private, at)
    }

    fn reduce_always(
        &mut self,
        poly: Reduced<'_>,
        claims: Vec<Claim>,
        weighted: Option<&[WeightedPoint]>,
        private: bool,
        at: &str,
    ) -> Result<Option<Claim>, ProveError> {
        if claims.is_empty() {
            return Ok(None);
        }
        let n = poly.len();
        let vars = n.trailing_zeros() as usize;
        let wrong_point = match weighted {
            None => claims.iter().any(|c| c.point.len() != vars),
            Some(ws) => ws.iter().flatten().any(|(_, p)| p.len() != vars),
        };
        if !n.is_power_of_two() || wrong_point {
            return Err(ProveError::key_mismatch(at, "claim point"));
        }
        let plain = |poly: Reduced<'_>, claims: Vec<Claim>, t: &mut Transcript| match weighted {
            None => {
                let pairs: Vec<(Vec<EF>, EF)> =
                    claims.into_iter().map(|c| (c.point, c.value)).collect();
                zkinfer_sumcheck::reduce_claims(poly.into_column(), &pairs, t)
            }
            Some(ws) => {
                let pairs: Vec<(WeightedPoint, EF)> = ws
                    .iter()
                    .cloned()
                    .zip(claims.into_iter().map(|c| c.value))
                    .collect();
                zkinfer_sumcheck::reduce_claims_weighted(poly.into_column(), &pairs, t)
            }
        };
        match &mut self.masking {
            Masking::Off => {
                let (proof, point, value) = plain(poly, claims, self.t);
                self.msgs.push(Msg::Reduction(proof));
                Ok(Some(Claim::new(point, value)))
            }
            Masking::Count(count) => {
                let incoming = claims.iter().any(Claim::is_masked);
                let private_cols: &[usize] = if private && vars > 0 { &[0] } else { &[] };
                match masked_entries(vars, &reduction_terms(), false, private_cols, incoming) {
                    Ok(e) => *count += e,
                    Err(e) => {
                        self.error.get_or_insert(e);
                    }
                }
                let (proof, point, value) = plain(poly, claims, self.t);
                self.msgs.push(Msg::Reduction(proof));
                let mut out = Claim::new(point, value);
                out.masks = phantom(private_cols.len());
                Ok(Some(out))
            }
            Masking::Pool(pool) => {
                let masked: Vec<MaskedClaim> = claims.into_iter().map(MaskedClaim::from).collect();
                let private = private && vars > 0;
                let reduced = match &weighted {
                    None => {
                        zkinfer_sumcheck::reduce_masked_claims(poly, &masked, private, pool, self.t)
                    }
                    Some(ws) => zkinfer_sumcheck::reduce_masked_claims_weighted(
                        poly, &masked, ws, private, pool, self.t,
                    ),
                };
                match reduced {
                    Ok((proof, claim)) => {
                        self.msgs.push(Msg::MaskedReduction(proof));
                        Ok(Some(claim.into()))
                    }
                    Err(e) => {
                        self.error.get_or_insert(e);
                        Ok(Some(Claim::new(vec![EF::ZERO; vars], EF::ZERO)))
                    }
                }
            }
        }
    }

    /// Runs a sumcheck of `Σ_x [eq(eq_point, x)] · Σ_j terms_j(columns)(x) + Σ_i κ_i·mask_i`
    /// (the masks of the claims it consumes, `incoming`) whose columns listed in `private` are
    /// reported masked (Libra's `Z·R`, [`zkinfer_sumcheck::prove_zk_masked`],
    /// [`Msg::MaskedSumcheck`]); returns the point, the reported evaluations (send them) and one
    /// claim per column, masked for the private ones. A plain channel runs a plain sumcheck
    /// (`incoming` must be empty there: plain channels make no masked claims); a counting one
    /// counts the pool entries and returns placeholder masks where a masking one would mask.
    /// A sumcheck without variables masks nothing. The verifier's twin is
    /// [`Reader::verify_sumcheck_zr`].
    pub fn prove_sumcheck_zr(
        &mut self,
        columns: Vec<Column>,
        terms: &[Term],
        eq_point: Option<&[EF]>,
        private: &[usize],
        incoming: &[ClaimMask],
    ) -> ZrOutput {
        let n = columns
            .first()
            .map_or(0, |c| c.len().trailing_zeros() as usize);
        if n == 0 && !private.is_empty() && !matches!(self.masking, Masking::Off) {
            return self.prove_sumcheck_zr_padded(columns, terms, private, incoming);
        }
        let ncols = columns.len();
        let private = if n == 0 { &[][..] } else { private };
        let plain = |out: SumcheckOutput, masked: &[usize]| {
            let claims = out
                .evals
                .iter()
                .enumerate()
                .map(|(j, &v)| {
                    let mut c = Claim::new(out.point.clone(), v);
                    if masked.contains(&j) {
                        c.masks = phantom(1);
                    }
                    c
                })
                .collect();
            ZrOutput {
                point: out.point,
                evals: out.evals,
                claims,
            }
        };
        match &mut self.masking {
            Masking::Off => {
                let out = zkinfer_sumcheck::prove(columns, terms, eq_point, self.t);
                self.msgs.push(Msg::Sumcheck(out.proof.clone()));
                plain(out, &[])
            }
            Masking::Count(count) => {
                match masked_entries(n, terms, eq_point.is_some(), private, !incoming.is_empty()) {
                    Ok(e) => *count += e,
                    Err(e) => {
                        self.error.get_or_insert(e);
                    }
                }
                let out = zkinfer_sumcheck::prove(columns, terms, eq_point, self.t);
                self.msgs.push(Msg::Sumcheck(out.proof.clone()));
                plain(out, private)
            }
            Masking::Pool(pool) => {
                match zkinfer_sumcheck::prove_zk_masked(
                    columns, terms, eq_point, private, incoming, pool, self.t,
                ) {
                    Ok(out) => {
                        self.msgs.push(Msg::MaskedSumcheck(out.proof));
                        ZrOutput {
                            point: out.point,
                            evals: out.evals,
                            claims: out.claims.into_iter().map(Claim::from).collect(),
                        }
                    }
                    Err(e) => {
                        // Completeness only: the proof is refused by `check`.
                        self.error.get_or_insert(e);
                        ZrOutput {
                            point: vec![EF::ZERO; n],
                            evals: vec![EF::ZERO; ncols],
                            claims: vec![Claim::new(vec![EF::ZERO; n], EF::ZERO); ncols],
                        }
                    }
                }
            }
        }
    }

    /// A masked sumcheck without variables (one point, so nothing to sum) would report its
    /// private columns' values as they are: it is run over one padding variable instead. Each
    /// column `c` becomes `[c, 0]` and the statement `Σ_x eq(0, x)·f(x) = f(c)`; the padded
    /// columns' masked evaluations at the challenge `r` are reported (`P(r) = (1 − r)·c`, plus
    /// the mask), and the claims on the original columns are `P(r)/(1 − r)` with their masks
    /// over `1 − r`. The verifier's twin is the `Padded` case of [`Reader::verify_sumcheck_zr`].
    fn prove_sumcheck_zr_padded(
        &mut self,
        columns: Vec<Column>,
        terms: &[Term],
        private: &[usize],
        incoming: &[ClaimMask],
    ) -> ZrOutput {
        let padded: Vec<Column> = columns
            .into_iter()
            .map(|c| match c {
                Column::Base(mut v) => {
                    v.push(F::ZERO);
                    Column::Base(v)
                }
                Column::Ext(mut v) => {
                    v.push(EF::ZERO);
                    Column::Ext(v)
                }
            })
            .collect();
        let out = self.prove_sumcheck_zr(padded, terms, Some(&[EF::ZERO]), private, incoming);
        let r = out.point.first().copied().unwrap_or_default();
        // `r = 1` (probability 1/|EF|) leaves wrong claims: the proof is rejected, never wrong.
        let inv = (EF::ONE - r).try_inverse().unwrap_or_default();
        ZrOutput {
            point: Vec::new(),
            evals: out.evals,
            claims: out.claims.iter().map(|c| unpad(c, inv)).collect(),
        }
    }

    /// Sends `values` (evaluations of private tensors at `point`, made without a sumcheck:
    /// a bias, rescale's parts) masked, each with the next claim mask of the pool
    /// ([`MaskPool::mask_value`]), and returns their claims. Plain channels send them as they
    /// are; counting ones count the masks. The verifier's twin is [`Reader::recv_masked`].
    pub fn send_masked(&mut self, point: &[EF], values: &[EF]) -> Vec<Claim> {
        self.send_masked_at(&vec![point; values.len()], values)
    }

    /// [`Self::send_masked`] with a point per value (`values[i]` at `points[i]`). The verifier's
    /// twin is [`Reader::recv_masked_at`].
    pub fn send_masked_at(&mut self, points: &[&[EF]], values: &[EF]) -> Vec<Claim> {
        let claims: Vec<Claim> = points
            .iter()
            .zip(values)
            .map(|(point, &v)| self.mask_value(point, v))
            .collect();
        self.send(claims.iter().map(|c| c.value).collect());
        claims
    }

    /// The claim "the tensor at `point` is `value`" masked with the pool's next claim mask
    /// ([`MaskPool::mask_value`]); nothing is sent (the caller sends or absorbs its value). Plain
    /// in a plain channel; a counting channel counts the mask. The verifier's twin is
    /// [`Reader::masked_value`].
    pub fn mask_value(&mut self, point: &[EF], value: EF) -> Claim {
        match &mut self.masking {
            Masking::Pool(pool) => match pool.mask_value(point.to_vec(), value) {
                Ok(c) => c.into(),
                Err(e) => {
                    self.error.get_or_insert(e);
                    Claim::new(point.to_vec(), value)
                }
            },
            Masking::Count(count) => {
                *count += CLAIM_MASK_LEN;
                let mut c = Claim::new(point.to_vec(), value);
                c.masks = phantom(1);
                c
            }
            Masking::Off => Claim::new(point.to_vec(), value),
        }
    }
}

/// What [`Channel::prove_sumcheck_zr`] returns.
#[derive(Debug)]
pub struct ZrOutput {
    /// The final point.
    pub point: Vec<EF>,
    /// The columns' reported evaluations (masked for the private ones).
    pub evals: Vec<EF>,
    /// One claim per column at `point` (masked for the private ones).
    pub claims: Vec<Claim>,
}

/// A claim on a column padded with one zero row (`[c, 0]`) at `(r)`, as the claim on `c` (no
/// variables): the value and masks times `inv = 1/(1 − r)`.
fn unpad(c: &Claim, inv: EF) -> Claim {
    Claim {
        point: Vec::new(),
        value: c.value * inv,
        masks: crate::claims::scaled_masks(&c.masks, inv),
    }
}

/// What [`Reader::verify_sumcheck_zr`] leaves to check.
#[derive(Debug)]
#[must_use = "a sumcheck proves nothing until its evaluations are checked"]
pub enum ZrSubClaim {
    /// A plain proof's sumcheck.
    Plain(SubClaim),
    /// A masked proof's sumcheck.
    Masked(MaskedSubClaim),
    /// A masked proof's sumcheck without variables, run over one padding variable
    /// ([`Channel::prove_sumcheck_zr`]): its point is empty, its claims are on the unpadded
    /// columns.
    Padded(MaskedSubClaim),
}

impl ZrSubClaim {
    /// The final point.
    pub fn point(&self) -> &[EF] {
        match self {
            Self::Plain(s) => &s.point,
            Self::Masked(s) => &s.sub.point,
            Self::Padded(_) => &[],
        }
    }

    /// Checks the reported evaluations (`evals[j]` for column `j`) against the final claim and
    /// returns one claim per column, masked for the private ones in a masked proof.
    ///
    /// # Errors
    /// [`VerifyError::Rejected`] at `at` if the check fails.
    pub fn check(
        &self,
        terms: &[Term],
        eq_point: Option<&[EF]>,
        evals: &[EF],
        at: &str,
    ) -> Result<Vec<Claim>, VerifyError> {
        match self {
            Self::Plain(s) => {
                s.check_products(terms, eq_point, evals)
                    .map_err(|e| VerifyError::at(at, e))?;
                Ok(evals
                    .iter()
                    .map(|&v| Claim::new(s.point.clone(), v))
                    .collect())
            }
            Self::Masked(s) => s
                .check_products(terms, eq_point, evals)
                .map(|cs| cs.into_iter().map(Claim::from).collect())
                .map_err(|e| VerifyError::at(at, e)),
            Self::Padded(s) => {
                let r = s.sub.point.first().copied().unwrap_or_default();
                let inv = (EF::ONE - r)
                    .try_inverse()
                    .ok_or_else(|| VerifyError::at(at, "a degenerate padding challenge (r = 1)"))?;
                s.check_products(terms, Some(&[EF::ZERO]), evals)
                    .map(|cs| cs.into_iter().map(|c| unpad(&c.into(), inv)).collect())
                    .map_err(|e| VerifyError::at(at, e))
            }
        }
    }
}

/// The entries of a claim mask.
const CLAIM_MASK_LEN: usize = zkinfer_sumcheck::zk::CLAIM_MASK_LEN;

/// Placeholder masks of a counting channel: they mark a claim a masking channel would mask, so
/// the count follows the same shapes (which claims come in masked).
fn phantom(n: usize) -> Vec<ClaimMask> {
    vec![
        ClaimMask {
            slot: usize::MAX,
            coeff: EF::ZERO,
        };
        n
    ]
}

/// The pool entries a masked sumcheck takes ([`zkinfer_sumcheck::prove_zk_masked`]): its Libra
/// mask with per-variable degrees, and one claim mask per private column.
fn masked_entries(
    num_vars: usize,
    terms: &[Term],
    has_eq: bool,
    private: &[usize],
    incoming: bool,
) -> Result<usize, SumcheckError> {
    let degrees = zkinfer_sumcheck::zk::masked_degrees(num_vars, terms, has_eq, private, incoming);
    zkinfer_sumcheck::zk::mask_entries_per_var(&degrees).map(|e| e + CLAIM_MASK_LEN * private.len())
}

/// The pool entries of a masked claim reduction over `vars` variables with a plain output
/// (`incoming`: whether masked claims come in).
///
/// # Errors
/// If the mask shape is invalid.
pub(crate) fn reduction_entries(vars: usize, incoming: bool) -> Result<usize, SumcheckError> {
    masked_entries(vars, &reduction_terms(), false, &[], incoming)
}

/// The entries of a claim mask, for callers that take claim masks themselves.
pub(crate) const CLAIM_MASK_ENTRIES: usize = CLAIM_MASK_LEN;

/// The summand of a claim reduction: `P·W`.
fn reduction_terms() -> [Term; 1] {
    [Term::new(EF::ONE, vec![0, 1])]
}

/// The verifier's side.
#[derive(Debug)]
pub struct Reader<'a> {
    /// The transcript.
    pub t: &'a mut Transcript,
    msgs: std::slice::Iter<'a, Msg>,
    pool: Option<MaskPoolVerifier>,
}

impl<'a> Reader<'a> {
    /// A reader of `msgs` over `t`.
    pub fn new(t: &'a mut Transcript, msgs: &'a [Msg]) -> Self {
        Self {
            t,
            msgs: msgs.iter(),
            pool: None,
        }
    }

    /// A reader whose sumchecks are masked ones, their masks' claims recorded in `pool`.
    pub fn with_pool(t: &'a mut Transcript, msgs: &'a [Msg], pool: MaskPoolVerifier) -> Self {
        Self {
            t,
            msgs: msgs.iter(),
            pool: Some(pool),
        }
    }

    /// Takes the mask pool's verifier out (to discharge its claims after the walk).
    pub fn take_pool(&mut self) -> Option<MaskPoolVerifier> {
        self.pool.take()
    }

    /// The mask pool's verifier of a masking reader (the twin of
    /// [`Channel::pool_and_transcript`]); `None` for a plain reader.
    pub fn pool_mut(&mut self) -> Option<&mut MaskPoolVerifier> {
        self.pool.as_mut()
    }

    /// Reads exactly `n` evaluations.
    ///
    /// # Errors
    /// [`VerifyError::UnexpectedMessage`] if the next message is not `n` evaluations.
    pub fn recv(&mut self, n: usize, at: &str) -> Result<Vec<EF>, VerifyError> {
        match self.msgs.next() {
            Some(Msg::Evals(v)) if v.len() == n => {
                self.t.absorb_exts(EVALS, v);
                Ok(v.clone())
            }
            other => Err(VerifyError::UnexpectedMessage {
                at: at.to_string(),
                expected: format!("{n} evaluations"),
                got: Msg::describe(other),
            }),
        }
    }

    /// Reads exactly `N` evaluations into an array (no indexing at the call site).
    ///
    /// # Errors
    /// [`VerifyError::UnexpectedMessage`] if the next message is not `N` evaluations.
    pub fn recv_array<const N: usize>(&mut self, at: &str) -> Result<[EF; N], VerifyError> {
        let v = self.recv(N, at)?;
        <[EF; N]>::try_from(v).map_err(|v| VerifyError::UnexpectedMessage {
            at: at.to_string(),
            expected: format!("{N} evaluations"),
            got: format!("{} evaluations", v.len()),
        })
    }

    /// Reads one evaluation.
    ///
    /// # Errors
    /// [`VerifyError::UnexpectedMessage`] if the next message is not one evaluation.
    pub fn recv1(&mut self, at: &str) -> Result<EF, VerifyError> {
        let [v] = self.recv_array::<1>(at)?;
        Ok(v)
    }

    /// Reads the next message as a sumcheck of `num_vars` rounds of degree `degree` claiming
    /// `claimed`, and verifies it on the reader's transcript ([`zkinfer_sumcheck::verify`]): the
    /// twin of [`Channel::prove_sumcheck`].
    ///
    /// # Errors
    /// [`VerifyError::UnexpectedMessage`] if the next message is not a sumcheck,
    /// [`VerifyError::Sumcheck`] if it does not verify.
    ///
    /// # Soundness
    /// The returned [`SubClaim`] must be discharged by the caller.
    pub fn verify_sumcheck(
        &mut self,
        num_vars: usize,
        degree: usize,
        claimed: EF,
        at: &str,
    ) -> Result<SubClaim, VerifyError> {
        match (self.msgs.next(), &mut self.pool) {
            (Some(Msg::Sumcheck(p)), None) => {
                zkinfer_sumcheck::verify(num_vars, degree, claimed, p, self.t)
                    .map_err(|e| VerifyError::sumcheck(at, e))
            }
            (Some(Msg::ZkSumcheck(p)), Some(pool)) => {
                let err = |e| VerifyError::sumcheck(at, e);
                let slot = pool.next_mask_shape(num_vars, degree.max(1)).map_err(err)?;
                let z = zkinfer_sumcheck::verify_zk(num_vars, degree, claimed, p, self.t)
                    .map_err(err)?;
                pool.record(slot.index, z.mask).map_err(err)?;
                Ok(z.sub)
            }
            (other, pool) => Err(VerifyError::UnexpectedMessage {
                at: at.to_string(),
                expected: if pool.is_some() {
                    "a masked sumcheck".into()
                } else {
                    "a sumcheck".into()
                },
                got: Msg::describe(other),
            }),
        }
    }

    /// Reads the next message as the reduction of `claims` on one multilinear of `num_vars`
    /// variables and verifies it on the reader's transcript: the twin of
    /// [`Channel::reduce_claims`] (same `private` and `keep_masked`). `None` without claims; a
    /// single claim that is plain or `keep_masked` is returned as it is (no message read).
    ///
    /// # Errors
    /// [`VerifyError::PointLength`] if a claim's point does not have `num_vars` variables,
    /// [`VerifyError::UnexpectedMessage`] if the next message is not a claim reduction of the
    /// reader's kind, [`VerifyError::Sumcheck`] if it does not verify; a masked claim in a plain
    /// proof is [`VerifyError::Rejected`].
    ///
    /// # Soundness
    /// The returned claim must be discharged by the caller.
    pub fn verify_reduce_claims(
        &mut self,
        num_vars: usize,
        claims: Vec<Claim>,
        private: bool,
        keep_masked: bool,
        at: &str,
    ) -> Result<Option<Claim>, VerifyError> {
        for c in &claims {
            VerifyError::check_point(at, "claim point", &c.point, num_vars)?;
        }
        if claims.len() <= 1 && claims.iter().all(|c| keep_masked || !c.is_masked()) {
            return Ok(claims.into_iter().next());
        }
        self.verify_reduce_claims_always(num_vars, claims, private, at)
    }

    /// The twin of [`Channel::reduce_claims_always`]: [`Reader::verify_reduce_claims`] that
    /// reads a reduction even for one plain claim.
    ///
    /// # Errors
    /// As [`Reader::verify_reduce_claims`].
    pub fn verify_reduce_claims_always(
        &mut self,
        num_vars: usize,
        claims: Vec<Claim>,
        private: bool,
        at: &str,
    ) -> Result<Option<Claim>, VerifyError> {
        for c in &claims {
            VerifyError::check_point(at, "claim point", &c.point, num_vars)?;
        }
        self.verify_reduce_always(num_vars, claims, None, private, at)
    }

    /// The twin of [`Channel::reduce_weighted_claims_always`].
    ///
    /// # Errors
    /// As [`Reader::verify_reduce_claims_always`]; also if `weighted` does not have one
    /// non-empty entry per claim.
    pub fn verify_reduce_weighted_claims_always(
        &mut self,
        num_vars: usize,
        claims: Vec<Claim>,
        weighted: Vec<WeightedPoint>,
        private: bool,
        at: &str,
    ) -> Result<Option<Claim>, VerifyError> {
        if weighted.len() != claims.len() || weighted.iter().any(Vec::is_empty) {
            return Err(VerifyError::at(at, "a weighted claim without terms"));
        }
        for (_, p) in weighted.iter().flatten() {
            VerifyError::check_point(at, "claim point", p, num_vars)?;
        }
        self.verify_reduce_always(num_vars, claims, Some(weighted), private, at)
    }

    fn verify_reduce_always(
        &mut self,
        num_vars: usize,
        claims: Vec<Claim>,
        weighted: Option<Vec<WeightedPoint>>,
        private: bool,
        at: &str,
    ) -> Result<Option<Claim>, VerifyError> {
        if claims.is_empty() {
            return Ok(None);
        }
        match (self.msgs.next(), &mut self.pool) {
            (Some(Msg::Reduction(p)), None) => {
                if claims.iter().any(Claim::is_masked) {
                    return Err(VerifyError::at(at, "a masked claim in a plain proof"));
                }
                let (point, value) = match weighted {
                    None => {
                        let pairs: Vec<(Vec<EF>, EF)> =
                            claims.into_iter().map(|c| (c.point, c.value)).collect();
                        zkinfer_sumcheck::verify_reduce_claims(num_vars, &pairs, p, self.t)
                    }
                    Some(ws) => {
                        let pairs: Vec<(WeightedPoint, EF)> = ws
                            .into_iter()
                            .zip(claims.into_iter().map(|c| c.value))
                            .collect();
                        zkinfer_sumcheck::verify_reduce_claims_weighted(num_vars, &pairs, p, self.t)
                    }
                }
                .map_err(|e| VerifyError::sumcheck(at, e))?;
                Ok(Some(Claim::new(point, value)))
            }
            (Some(Msg::MaskedReduction(p)), Some(pool)) => {
                let masked: Vec<MaskedClaim> = claims.into_iter().map(MaskedClaim::from).collect();
                let private = private && num_vars > 0;
                match &weighted {
                    None => zkinfer_sumcheck::verify_reduce_masked_claims(
                        num_vars, &masked, private, p, pool, self.t,
                    ),
                    Some(ws) => zkinfer_sumcheck::verify_reduce_masked_claims_weighted(
                        num_vars, &masked, ws, private, p, pool, self.t,
                    ),
                }
                .map(|c| Some(c.into()))
                .map_err(|e| VerifyError::sumcheck(at, e))
            }
            (other, pool) => Err(VerifyError::UnexpectedMessage {
                at: at.to_string(),
                expected: if pool.is_some() {
                    "a masked claim reduction".into()
                } else {
                    "a claim reduction".into()
                },
                got: Msg::describe(other),
            }),
        }
    }

    /// Reads the next message as the sumcheck of [`Channel::prove_sumcheck_zr`] (same
    /// `terms`, `eq_point`, `private`, `incoming`) claiming `claimed` and verifies it; the
    /// caller then checks the reported evaluations with [`ZrSubClaim::check`], which returns
    /// the claims to pass on.
    ///
    /// # Errors
    /// [`VerifyError::UnexpectedMessage`] for a message of the wrong kind,
    /// [`VerifyError::Sumcheck`] if it does not verify; masked claims in a plain proof are
    /// [`VerifyError::Rejected`].
    #[allow(clippy::too_many_arguments)]
    pub fn verify_sumcheck_zr(
        &mut self,
        num_vars: usize,
        terms: &[Term],
        eq_point: Option<&[EF]>,
        private: &[usize],
        incoming: &[ClaimMask],
        claimed: EF,
        at: &str,
    ) -> Result<ZrSubClaim, VerifyError> {
        if num_vars == 0 && !private.is_empty() && self.pool.is_some() {
            let zero = [EF::ZERO];
            return match self.verify_sumcheck_zr(
                1,
                terms,
                Some(&zero),
                private,
                incoming,
                claimed,
                at,
            )? {
                ZrSubClaim::Masked(s) => Ok(ZrSubClaim::Padded(s)),
                _ => Err(VerifyError::at(
                    at,
                    "an unpadded sumcheck without variables",
                )),
            };
        }
        let private = if num_vars == 0 { &[][..] } else { private };
        let err = |e| VerifyError::sumcheck(at, e);
        match (self.msgs.next(), &mut self.pool) {
            (Some(Msg::Sumcheck(p)), None) => {
                if !incoming.is_empty() {
                    return Err(VerifyError::at(at, "a masked claim in a plain proof"));
                }
                let degree = zkinfer_sumcheck::zk_degree(terms, eq_point.is_some());
                zkinfer_sumcheck::verify(num_vars, degree, claimed, p, self.t)
                    .map(ZrSubClaim::Plain)
                    .map_err(err)
            }
            (Some(Msg::MaskedSumcheck(p)), Some(pool)) => zkinfer_sumcheck::verify_zk_masked(
                num_vars, terms, eq_point, private, incoming, claimed, p, pool, self.t,
            )
            .map(ZrSubClaim::Masked)
            .map_err(err),
            (other, pool) => Err(VerifyError::UnexpectedMessage {
                at: at.to_string(),
                expected: if pool.is_some() {
                    "a sumcheck with masked evaluations".into()
                } else {
                    "a sumcheck".into()
                },
                got: Msg::describe(other),
            }),
        }
    }

    /// Reads `n` values sent by [`Channel::send_masked`] at `point` and returns their claims
    /// (masked with the pool's next claim masks in a masked proof).
    ///
    /// # Errors
    /// As [`Reader::recv`]; [`VerifyError::Sumcheck`] if the pool has no claim mask left.
    pub fn recv_masked(
        &mut self,
        n: usize,
        point: &[EF],
        at: &str,
    ) -> Result<Vec<Claim>, VerifyError> {
        self.recv_masked_at(&vec![point; n], at)
    }

    /// Reads one value per point sent by [`Channel::send_masked_at`] and returns their claims.
    ///
    /// # Errors
    /// As [`Reader::recv_masked`].
    pub fn recv_masked_at(
        &mut self,
        points: &[&[EF]],
        at: &str,
    ) -> Result<Vec<Claim>, VerifyError> {
        self.recv(points.len(), at)?
            .into_iter()
            .zip(points)
            .map(|(v, point)| self.masked_value(point, v, at))
            .collect()
    }

    /// The claim of a value masked by [`Channel::mask_value`] (the pool's next claim mask in a
    /// masked proof, plain otherwise).
    ///
    /// # Errors
    /// [`VerifyError::Sumcheck`] if the pool has no claim mask left.
    pub fn masked_value(&mut self, point: &[EF], sent: EF, at: &str) -> Result<Claim, VerifyError> {
        match &mut self.pool {
            None => Ok(Claim::new(point.to_vec(), sent)),
            Some(pool) => pool
                .masked_value(point.to_vec(), sent)
                .map(Claim::from)
                .map_err(|e| VerifyError::sumcheck(at, e)),
        }
    }

    /// Checks that every message was read.
    ///
    /// # Errors
    /// [`VerifyError::ExtraMessages`] if messages are left over.
    pub fn finish(self) -> Result<(), VerifyError> {
        let extra = self.msgs.len();
        if extra > 0 {
            return Err(VerifyError::ExtraMessages { extra });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use zkinfer_field::{F, PrimeCharacteristicRing};
    use zkinfer_sumcheck::Term;

    use super::*;

    fn prod2() -> Vec<Term> {
        vec![Term {
            coeff: EF::ONE,
            factors: vec![0, 1],
        }]
    }

    fn columns() -> Vec<Column> {
        let a: Vec<F> = (0..8u64).map(F::from_u64).collect();
        let b: Vec<F> = (0..8u64).map(|i| F::from_u64(3 * i + 1)).collect();
        vec![Column::Base(a), Column::Base(b)]
    }

    #[test]
    fn prove_and_verify_sumcheck_are_twins() {
        let mut tp = Transcript::new(b"test");
        let mut ch = Channel::new(&mut tp);
        let out = ch.prove_sumcheck(columns(), &prod2(), None);
        ch.send(out.evals.clone());
        let msgs = ch.msgs;
        let after_prover = tp.challenge(b"end");

        let mut tv = Transcript::new(b"test");
        let mut rd = Reader::new(&mut tv, &msgs);
        let sub = rd.verify_sumcheck(3, 2, out.claimed_sum, "t").unwrap();
        let evals = rd.recv(2, "t").unwrap();
        sub.check_products(&prod2(), None, &evals).unwrap();
        rd.finish().unwrap();
        assert_eq!(after_prover, tv.challenge(b"end"));
    }

    #[test]
    fn reader_rejects_the_wrong_message_and_leftovers() {
        let mut tp = Transcript::new(b"test");
        let mut ch = Channel::new(&mut tp);
        let out = ch.prove_sumcheck(columns(), &prod2(), None);
        ch.send(vec![EF::ONE]);
        let msgs = ch.msgs;

        let mut tv = Transcript::new(b"test");
        let mut rd = Reader::new(&mut tv, &msgs);
        let e = rd.recv(1, "n").unwrap_err();
        assert!(matches!(e, VerifyError::UnexpectedMessage { .. }), "{e}");

        let mut tv = Transcript::new(b"test");
        let mut rd = Reader::new(&mut tv, &msgs);
        let wrong = out.claimed_sum + EF::ONE;
        // `g(1)` is derived from the claim: the rounds go through and the sub-claim fails.
        let e = rd
            .verify_sumcheck(3, 2, wrong, "n")
            .unwrap()
            .check_products(&prod2(), None, &out.evals)
            .unwrap_err();
        assert!(
            matches!(e, zkinfer_sumcheck::SumcheckError::FinalEvalMismatch { .. }),
            "{e}"
        );

        let mut tv = Transcript::new(b"test");
        let mut rd = Reader::new(&mut tv, &msgs);
        let _ = rd.verify_sumcheck(3, 2, out.claimed_sum, "n").unwrap();
        let e = rd.finish().unwrap_err();
        assert!(matches!(e, VerifyError::ExtraMessages { extra: 1 }), "{e}");
        let mut rd = Reader::new(&mut tv, &msgs[..1]);
        assert!(matches!(
            rd.recv(1, "n"),
            Err(VerifyError::UnexpectedMessage { .. })
        ));
    }

    fn claims_on(values: &[F], points: &[Vec<EF>]) -> Vec<Claim> {
        points
            .iter()
            .map(|p| Claim::new(p.clone(), zkinfer_poly::evaluate(values, p)))
            .collect()
    }

    #[test]
    fn reduce_and_verify_reduce_claims_are_twins() {
        let a: Vec<F> = (0..8u64).map(|i| F::from_u64(i * i + 5)).collect();
        let pt = |k: u64| -> Vec<EF> { (0..3).map(|i| EF::from_u64(k * 7 + i)).collect() };
        let claims = claims_on(&a, &[pt(1), pt(2), pt(3)]);

        let mut tp = Transcript::new(b"test");
        let mut ch = Channel::new(&mut tp);
        let one = ch
            .reduce_claims(
                Column::Base(a.clone()),
                claims[..1].to_vec(),
                false,
                false,
                "r",
            )
            .unwrap();
        assert_eq!(one.as_ref(), claims.first());
        assert!(ch.msgs.is_empty(), "a single claim is passed on unsent");
        let got = ch
            .reduce_claims(Column::Base(a.clone()), claims.clone(), false, false, "r")
            .unwrap()
            .unwrap();
        assert_eq!(got.value, zkinfer_poly::evaluate(&a, &got.point));
        assert!(matches!(ch.msgs.as_slice(), [Msg::Reduction(_)]));
        let msgs = ch.msgs;
        let after_prover = tp.challenge(b"end");

        let mut tv = Transcript::new(b"test");
        let mut rd = Reader::new(&mut tv, &msgs);
        let one = rd
            .verify_reduce_claims(3, claims[..1].to_vec(), false, false, "r")
            .unwrap();
        assert_eq!(one.as_ref(), claims.first());
        let back = rd
            .verify_reduce_claims(3, claims.clone(), false, false, "r")
            .unwrap();
        assert_eq!(back, Some(got));
        rd.finish().unwrap();
        assert_eq!(after_prover, tv.challenge(b"end"));

        // A false claim, a changed reduced value, a point of the wrong length, the wrong message.
        let mut wrong = claims.clone();
        wrong[1].value += EF::ONE;
        let mut tv = Transcript::new(b"test");
        let e = Reader::new(&mut tv, &msgs)
            .verify_reduce_claims(3, wrong, false, false, "r")
            .unwrap_err();
        assert!(matches!(e, VerifyError::Sumcheck { .. }), "{e}");
        let mut forged = msgs.clone();
        if let [Msg::Reduction(r)] = forged.as_mut_slice() {
            r.eval += EF::ONE;
        }
        let mut tv = Transcript::new(b"test");
        let e = Reader::new(&mut tv, &forged)
            .verify_reduce_claims(3, claims.clone(), false, false, "r")
            .unwrap_err();
        assert!(matches!(e, VerifyError::Sumcheck { .. }), "{e}");
        let mut tv = Transcript::new(b"test");
        let e = Reader::new(&mut tv, &msgs)
            .verify_reduce_claims(4, claims.clone(), false, false, "r")
            .unwrap_err();
        assert!(
            matches!(
                e,
                VerifyError::PointLength {
                    expected: 4,
                    got: 3,
                    ..
                }
            ),
            "{e}"
        );
        let mut tv = Transcript::new(b"test");
        let e = Reader::new(&mut tv, &[Msg::Evals(vec![EF::ONE])])
            .verify_reduce_claims(3, claims.clone(), false, false, "r")
            .unwrap_err();
        assert!(matches!(e, VerifyError::UnexpectedMessage { .. }), "{e}");

        // The prover refuses a point that does not fit the tensor instead of panicking.
        let mut tp = Transcript::new(b"test");
        let mut short = claims;
        short[2].point.pop();
        let e = Channel::new(&mut tp)
            .reduce_claims(Column::Base(a), short, false, false, "r")
            .unwrap_err();
        assert!(matches!(e, ProveError::KeyMismatch { .. }), "{e}");
    }

    /// A masking channel and its reader are twins on masked sumchecks and masked reductions: a
    /// private column is reported masked (not its value), the reduction of the masked claim to
    /// a plain one gives the true value, and the pool's discharge matches its column; a changed
    /// masked evaluation is rejected.
    #[test]
    fn masked_claims_round_trip_through_channel_and_reader() {
        use rand::SeedableRng;
        let size = MaskPool::size_for(64).unwrap();
        let pool = MaskPool::random(size, &mut rand::rngs::StdRng::seed_from_u64(7)).unwrap();
        let pool_column = pool.columns().remove(0);
        let [Column::Base(a), Column::Base(b)] = <[Column; 2]>::try_from(columns()).unwrap() else {
            unreachable!()
        };
        let sum: EF = a.iter().zip(&b).map(|(&x, &y)| EF::from(x * y)).sum();

        let mut tp = Transcript::new(b"test");
        let mut ch = Channel::with_pool(&mut tp, pool);
        let out = ch.prove_sumcheck_zr(columns(), &prod2(), None, &[0], &[]);
        ch.send(out.evals.clone());
        let masked = out.claims[0].clone();
        assert!(masked.is_masked() && !out.claims[1].is_masked());
        assert_ne!(masked.value, zkinfer_poly::evaluate(&a, &masked.point));
        assert_eq!(out.claims[1].value, zkinfer_poly::evaluate(&b, &out.point));
        let plain = ch
            .reduce_claims(Column::Base(a.clone()), vec![masked], false, false, "r")
            .unwrap()
            .unwrap();
        assert!(!plain.is_masked());
        assert_eq!(plain.value, zkinfer_poly::evaluate(&a, &plain.point));
        ch.check().unwrap();
        let msgs = ch.msgs;
        let Masking::Pool(pool) = ch.masking else {
            unreachable!()
        };
        let (pool_proof, pool_claims) = pool.finish(&mut tp).unwrap();
        for c in &pool_claims {
            assert_eq!(zkinfer_poly::evaluate(&pool_column, &c.point), c.value);
        }

        let verify = |msgs: &[Msg]| -> Result<Claim, VerifyError> {
            let mut tv = Transcript::new(b"test");
            let mut rd = Reader::with_pool(&mut tv, msgs, MaskPoolVerifier::new(size).unwrap());
            let sub = rd.verify_sumcheck_zr(3, &prod2(), None, &[0], &[], sum, "s")?;
            let ev = rd.recv(2, "s")?;
            let claims = sub.check(&prod2(), None, &ev, "s")?;
            let c = rd
                .verify_reduce_claims(3, vec![claims[0].clone()], false, false, "r")?
                .ok_or_else(|| VerifyError::at("r", "no claim"))?;
            let pool = rd.take_pool().unwrap();
            rd.finish()?;
            let cs = pool
                .finish(&mut tv, &pool_proof)
                .map_err(|e| VerifyError::sumcheck("pool", e))?;
            if cs != pool_claims {
                return Err(VerifyError::at("pool", "other claims"));
            }
            Ok(c)
        };
        assert_eq!(verify(&msgs).unwrap(), plain);
        let mut bad = msgs.clone();
        if let Msg::Evals(v) = &mut bad[1] {
            v[0] += EF::ONE;
        }
        assert!(verify(&bad).is_err(), "a changed masked evaluation");
    }

    /// A masked sumcheck without variables is run over one padding variable: its reported
    /// value of a private column is not the column's value, its claims are on the unpadded
    /// columns (the private one masked, equal to the value plus its masks), the verifier derives
    /// the same claims, and a changed reported value or claimed sum is rejected.
    #[test]
    fn a_masked_sumcheck_without_variables_hides_its_values() {
        use rand::SeedableRng;
        let size = MaskPool::size_for(64).unwrap();
        let pool = MaskPool::random(size, &mut rand::rngs::StdRng::seed_from_u64(9)).unwrap();
        let (a, b) = (F::from_u64(5), F::from_u64(7));
        let cols = || vec![Column::Base(vec![a]), Column::Base(vec![b])];
        let sum = EF::from(a * b);

        let mut tp = Transcript::new(b"test");
        let mut ch = Channel::with_pool(&mut tp, pool);
        let out = ch.prove_sumcheck_zr(cols(), &prod2(), None, &[0], &[]);
        ch.send(out.evals.clone());
        ch.check().unwrap();
        assert!(out.point.is_empty());
        let masked = &out.claims[0];
        assert!(masked.is_masked() && masked.point.is_empty());
        assert_ne!(out.evals[0], EF::from(a), "the reported value is masked");
        assert_ne!(masked.value, EF::from(a));
        let Masking::Pool(pool) = &ch.masking else {
            unreachable!()
        };
        let mask_term: EF = masked
            .masks
            .iter()
            .map(|m| {
                let [x, y] = pool.claim_mask(m.slot).unwrap();
                m.coeff * (x.double() + y)
            })
            .sum();
        assert_eq!(masked.value, EF::from(a) + mask_term);
        assert!(!out.claims[1].is_masked());
        assert_eq!(out.claims[1].value, EF::from(b));
        let msgs = ch.msgs.clone();

        let verify = |msgs: &[Msg], claimed: EF| -> Result<Vec<Claim>, VerifyError> {
            let mut tv = Transcript::new(b"test");
            let mut rd = Reader::with_pool(&mut tv, msgs, MaskPoolVerifier::new(size).unwrap());
            let sub = rd.verify_sumcheck_zr(0, &prod2(), None, &[0], &[], claimed, "s")?;
            assert!(sub.point().is_empty());
            let ev = rd.recv(2, "s")?;
            sub.check(&prod2(), None, &ev, "s")
        };
        assert_eq!(verify(&msgs, sum).unwrap(), out.claims);
        assert!(verify(&msgs, sum + EF::ONE).is_err(), "a wrong claimed sum");
        for j in 0..2 {
            let mut bad = msgs.clone();
            if let Some(Msg::Evals(v)) = bad.last_mut() {
                v[j] += EF::ONE;
            }
            assert!(verify(&bad, sum).is_err(), "a changed value {j}");
        }
    }
}
