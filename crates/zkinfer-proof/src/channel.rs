//! The prover's message stream and the verifier's reader, over one transcript.
//!
//! Every message the prover sends is absorbed before the next challenge; the verifier reads the
//! same messages in the same order and absorbs them identically, so the two transcripts agree.
//!
//! A sumcheck is one call on each side: [`Channel::prove_sumcheck`] runs `zkinfer-sumcheck`'s
//! prover on the channel's transcript and records its proof as the next message;
//! [`Reader::verify_sumcheck`] reads that message and runs the sumcheck verifier on the same
//! transcript. The returned [`SumcheckOutput`] / [`SubClaim`] is the caller's to discharge.
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
use zkinfer_field::{EF, Transcript};
use zkinfer_sumcheck::{Column, SubClaim, SumcheckOutput, SumcheckProof, Term};

use crate::error::VerifyError;

/// Label of a message of evaluations.
pub const EVALS: &[u8] = b"zkinfer/evals";

/// One message of a proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Msg {
    /// Evaluations the prover claims.
    Evals(Vec<EF>),
    /// A sumcheck.
    Sumcheck(SumcheckProof),
}

impl Msg {
    /// What the message is, for errors (`"3 evaluations"`, `"a sumcheck"`).
    fn describe(msg: Option<&Self>) -> String {
        match msg {
            Some(Self::Evals(v)) => format!("{} evaluations", v.len()),
            Some(Self::Sumcheck(_)) => "a sumcheck".into(),
            None => "no more messages".into(),
        }
    }
}

/// The prover's side.
#[derive(Debug)]
pub struct Channel<'a> {
    /// The transcript.
    pub t: &'a mut Transcript,
    /// Messages sent so far.
    pub msgs: Vec<Msg>,
}

impl<'a> Channel<'a> {
    /// A channel over `t`.
    pub fn new(t: &'a mut Transcript) -> Self {
        Self {
            t,
            msgs: Vec::new(),
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
        let out = zkinfer_sumcheck::prove(columns, terms, eq_point, self.t);
        self.msgs.push(Msg::Sumcheck(out.proof.clone()));
        out
    }

    /// Records a sumcheck already run on this channel's transcript.
    ///
    /// Prefer [`Channel::prove_sumcheck`], which cannot run a sumcheck on one transcript and
    /// record it on another; this stays until every call site has moved to it.
    pub fn sumcheck(&mut self, out: &SumcheckOutput) {
        self.msgs.push(Msg::Sumcheck(out.proof.clone()));
    }
}

/// The verifier's side.
#[derive(Debug)]
pub struct Reader<'a> {
    /// The transcript.
    pub t: &'a mut Transcript,
    msgs: std::slice::Iter<'a, Msg>,
}

impl<'a> Reader<'a> {
    /// A reader of `msgs` over `t`.
    pub fn new(t: &'a mut Transcript, msgs: &'a [Msg]) -> Self {
        Self {
            t,
            msgs: msgs.iter(),
        }
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
        match self.msgs.next() {
            Some(Msg::Sumcheck(p)) => {
                zkinfer_sumcheck::verify(num_vars, degree, claimed, p, self.t)
                    .map_err(|e| VerifyError::sumcheck(at, e))
            }
            other => Err(VerifyError::UnexpectedMessage {
                at: at.to_string(),
                expected: "a sumcheck".into(),
                got: Msg::describe(other),
            }),
        }
    }

    /// The former name of [`Reader::verify_sumcheck`]; stays until every call site has moved.
    ///
    /// # Errors
    /// As [`Reader::verify_sumcheck`].
    pub fn sumcheck(
        &mut self,
        num_vars: usize,
        degree: usize,
        claimed: EF,
        at: &str,
    ) -> Result<SubClaim, VerifyError> {
        self.verify_sumcheck(num_vars, degree, claimed, at)
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
}
