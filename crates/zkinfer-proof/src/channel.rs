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
use zkinfer_field::{EF, PrimeCharacteristicRing, Transcript};
use zkinfer_sumcheck::{
    Column, MaskClaim, MaskPool, MaskPoolVerifier, ReductionProof, SubClaim, SumcheckError,
    SumcheckOutput, SumcheckProof, Term, ZkSumcheckProof,
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
}

impl Msg {
    /// What the message is, for errors (`"3 evaluations"`, `"a sumcheck"`).
    fn describe(msg: Option<&Self>) -> String {
        match msg {
            Some(Self::Evals(v)) => format!("{} evaluations", v.len()),
            Some(Self::Sumcheck(_)) => "a sumcheck".into(),
            Some(Self::Reduction(_)) => "a claim reduction".into(),
            Some(Self::ZkSumcheck(_)) => "a masked sumcheck".into(),
            None => "no more messages".into(),
        }
    }
}

/// Labels of the masked claim reduction.
const REDUCE_COUNT: &[u8] = b"zkinfer/reduce/count";
const REDUCE_POINT: &[u8] = b"zkinfer/reduce/point";
const REDUCE_VALUE: &[u8] = b"zkinfer/reduce/value";
const REDUCE_ALPHA: &[u8] = b"zkinfer/reduce/alpha";

/// Absorbs the claims of a masked reduction and returns `α^0, α^1, …`.
fn absorb_reduction(t: &mut Transcript, claims: &[Claim]) -> Vec<EF> {
    t.absorb_u64(REDUCE_COUNT, claims.len() as u64);
    for c in claims {
        t.absorb_exts(REDUCE_POINT, &c.point);
        t.absorb_ext(REDUCE_VALUE, c.value);
    }
    let alpha = t.challenge(REDUCE_ALPHA);
    let mut out = Vec::with_capacity(claims.len());
    let mut a = EF::ONE;
    for _ in claims {
        out.push(a);
        a *= alpha;
    }
    out
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

    /// The mask entries counted by a [`Channel::counting`] channel (0 otherwise).
    #[must_use]
    pub fn counted_mask_entries(&self) -> usize {
        match self.masking {
            Masking::Count(n) => n,
            _ => 0,
        }
    }

    /// Reduces the claims on one multilinear `poly` to one claim on it
    /// ([`zkinfer_sumcheck::reduce_claims`] on the channel's transcript) and records the
    /// [`ReductionProof`] as the next message; `None` without claims, and a single claim is
    /// returned as it is (nothing sent). The verifier's twin is [`Reader::verify_reduce_claims`].
    ///
    /// # Errors
    /// [`ProveError::KeyMismatch`] at `at` if `poly`'s length is not a power of two or a
    /// claim's point does not have its number of variables (a plan that does not fit its graph).
    pub fn reduce_claims(
        &mut self,
        poly: Column,
        claims: Vec<Claim>,
        at: &str,
    ) -> Result<Option<Claim>, ProveError> {
        if claims.len() <= 1 {
            return Ok(claims.into_iter().next());
        }
        let n = poly.len();
        if !n.is_power_of_two()
            || claims
                .iter()
                .any(|c| c.point.len() != n.trailing_zeros() as usize)
        {
            return Err(ProveError::key_mismatch(at, "claim point"));
        }
        if !matches!(self.masking, Masking::Off) {
            return Ok(Some(self.reduce_claims_masked(poly, &claims)));
        }
        let pairs: Vec<(Vec<EF>, EF)> = claims.into_iter().map(|c| (c.point, c.value)).collect();
        let (proof, point, value) = zkinfer_sumcheck::reduce_claims(poly, &pairs, self.t);
        self.msgs.push(Msg::Reduction(proof));
        Ok(Some(Claim { point, value }))
    }

    /// The claim reduction as a masked sumcheck: absorb the claims, draw `α`, prove
    /// `Σ_x P(x)·W(x) = Σ_i α^i v_i` with `W = Σ_i α^i eq(p_i, ·)` by [`Channel::prove_sumcheck`]
    /// (masked), and send `P(ρ)`. The verifier's twin is `Reader::verify_reduce_masked`.
    fn reduce_claims_masked(&mut self, poly: Column, claims: &[Claim]) -> Claim {
        let alphas = absorb_reduction(self.t, claims);
        let mut w = vec![EF::ZERO; poly.len()];
        for (c, &a) in claims.iter().zip(&alphas) {
            for (x, e) in w.iter_mut().zip(zkinfer_poly::eq_table_scaled(&c.point, a)) {
                *x += e;
            }
        }
        let out = self.prove_sumcheck(
            vec![poly, Column::Ext(w)],
            &[Term::new(EF::ONE, vec![0, 1])],
            None,
        );
        let value = out.evals.first().copied().unwrap_or_default();
        self.send(vec![value]);
        Claim {
            point: out.point,
            value,
        }
    }
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
    /// variables and verifies it on the reader's transcript
    /// ([`zkinfer_sumcheck::verify_reduce_claims`]): the twin of [`Channel::reduce_claims`].
    /// `None` without claims; a single claim is returned as it is (no message read).
    ///
    /// # Errors
    /// [`VerifyError::PointLength`] if a claim's point does not have `num_vars` variables,
    /// [`VerifyError::UnexpectedMessage`] if the next message is not a claim reduction,
    /// [`VerifyError::Sumcheck`] if it does not verify.
    ///
    /// # Soundness
    /// The returned claim must be discharged by the caller.
    pub fn verify_reduce_claims(
        &mut self,
        num_vars: usize,
        claims: Vec<Claim>,
        at: &str,
    ) -> Result<Option<Claim>, VerifyError> {
        for c in &claims {
            VerifyError::check_point(at, "claim point", &c.point, num_vars)?;
        }
        if claims.len() <= 1 {
            return Ok(claims.into_iter().next());
        }
        if self.pool.is_some() {
            return self.verify_reduce_masked(num_vars, &claims, at).map(Some);
        }
        match self.msgs.next() {
            Some(Msg::Reduction(p)) => {
                let pairs: Vec<(Vec<EF>, EF)> =
                    claims.into_iter().map(|c| (c.point, c.value)).collect();
                let (point, value) =
                    zkinfer_sumcheck::verify_reduce_claims(num_vars, &pairs, p, self.t)
                        .map_err(|e| VerifyError::sumcheck(at, e))?;
                Ok(Some(Claim { point, value }))
            }
            other => Err(VerifyError::UnexpectedMessage {
                at: at.to_string(),
                expected: "a claim reduction".into(),
                got: Msg::describe(other),
            }),
        }
    }

    /// The twin of `Channel::reduce_claims_masked`.
    fn verify_reduce_masked(
        &mut self,
        num_vars: usize,
        claims: &[Claim],
        at: &str,
    ) -> Result<Claim, VerifyError> {
        let alphas = absorb_reduction(self.t, claims);
        let sum: EF = claims.iter().zip(&alphas).map(|(c, &a)| a * c.value).sum();
        let sub = self.verify_sumcheck(num_vars, 2, sum, at)?;
        let value = self.recv1(at)?;
        let w: EF = claims
            .iter()
            .zip(&alphas)
            .map(|(c, &a)| a * zkinfer_poly::eq_eval(&c.point, &sub.point))
            .sum();
        if value * w != sub.value {
            return Err(VerifyError::sumcheck(
                at,
                SumcheckError::FinalEvalMismatch {
                    expected: sub.value,
                    got: value * w,
                },
            ));
        }
        Ok(Claim {
            point: sub.point,
            value,
        })
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
        let e = rd.verify_sumcheck(3, 2, wrong, "n").unwrap_err();
        assert!(matches!(e, VerifyError::Sumcheck { .. }), "{e}");

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
            .map(|p| Claim {
                point: p.clone(),
                value: zkinfer_poly::evaluate(values, p),
            })
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
            .reduce_claims(Column::Base(a.clone()), claims[..1].to_vec(), "r")
            .unwrap();
        assert_eq!(one.as_ref(), claims.first());
        assert!(ch.msgs.is_empty(), "a single claim is passed on unsent");
        let got = ch
            .reduce_claims(Column::Base(a.clone()), claims.clone(), "r")
            .unwrap()
            .unwrap();
        assert_eq!(got.value, zkinfer_poly::evaluate(&a, &got.point));
        assert!(matches!(ch.msgs.as_slice(), [Msg::Reduction(_)]));
        let msgs = ch.msgs;
        let after_prover = tp.challenge(b"end");

        let mut tv = Transcript::new(b"test");
        let mut rd = Reader::new(&mut tv, &msgs);
        let one = rd
            .verify_reduce_claims(3, claims[..1].to_vec(), "r")
            .unwrap();
        assert_eq!(one.as_ref(), claims.first());
        let back = rd.verify_reduce_claims(3, claims.clone(), "r").unwrap();
        assert_eq!(back, Some(got));
        rd.finish().unwrap();
        assert_eq!(after_prover, tv.challenge(b"end"));

        // A false claim, a changed reduced value, a point of the wrong length, the wrong message.
        let mut wrong = claims.clone();
        wrong[1].value += EF::ONE;
        let mut tv = Transcript::new(b"test");
        let e = Reader::new(&mut tv, &msgs)
            .verify_reduce_claims(3, wrong, "r")
            .unwrap_err();
        assert!(matches!(e, VerifyError::Sumcheck { .. }), "{e}");
        let mut forged = msgs.clone();
        if let [Msg::Reduction(r)] = forged.as_mut_slice() {
            r.eval += EF::ONE;
        }
        let mut tv = Transcript::new(b"test");
        let e = Reader::new(&mut tv, &forged)
            .verify_reduce_claims(3, claims.clone(), "r")
            .unwrap_err();
        assert!(matches!(e, VerifyError::Sumcheck { .. }), "{e}");
        let mut tv = Transcript::new(b"test");
        let e = Reader::new(&mut tv, &msgs)
            .verify_reduce_claims(4, claims.clone(), "r")
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
            .verify_reduce_claims(3, claims.clone(), "r")
            .unwrap_err();
        assert!(matches!(e, VerifyError::UnexpectedMessage { .. }), "{e}");

        // The prover refuses a point that does not fit the tensor instead of panicking.
        let mut tp = Transcript::new(b"test");
        let mut short = claims;
        short[2].point.pop();
        let e = Channel::new(&mut tp)
            .reduce_claims(Column::Base(a), short, "r")
            .unwrap_err();
        assert!(matches!(e, ProveError::KeyMismatch { .. }), "{e}");
    }
}
