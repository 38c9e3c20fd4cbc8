//! The prover's message stream and the verifier's reader, over one transcript.
//!
//! Every message the prover sends is absorbed before the next challenge; the verifier reads the
//! same messages in the same order and absorbs them identically, so the two transcripts agree.

use serde::{Deserialize, Serialize};
use zkinfer_field::{EF, Transcript};
use zkinfer_sumcheck::{SubClaim, SumcheckError, SumcheckOutput, SumcheckProof};

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

    /// Records a sumcheck already run on the transcript.
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
    /// If the next message is not `n` evaluations.
    pub fn recv(&mut self, n: usize, at: &str) -> Result<Vec<EF>, VerifyError> {
        match self.msgs.next() {
            Some(Msg::Evals(v)) if v.len() == n => {
                self.t.absorb_exts(EVALS, v);
                Ok(v.clone())
            }
            Some(Msg::Evals(v)) => Err(VerifyError::at(
                at,
                format!("expected {n} evaluations, got {}", v.len()),
            )),
            Some(Msg::Sumcheck(_)) => {
                Err(VerifyError::at(at, "expected evaluations, got a sumcheck"))
            }
            None => Err(VerifyError::at(at, "proof ends early")),
        }
    }

    /// Reads one evaluation.
    ///
    /// # Errors
    /// If the next message is not one evaluation.
    pub fn recv1(&mut self, at: &str) -> Result<EF, VerifyError> {
        let v = self.recv(1, at)?;
        v.first()
            .copied()
            .ok_or_else(|| VerifyError::at(at, "empty message"))
    }

    /// Reads and verifies a sumcheck.
    ///
    /// # Errors
    /// If the next message is not a sumcheck, or it does not verify.
    pub fn sumcheck(
        &mut self,
        num_vars: usize,
        degree: usize,
        claimed: EF,
        at: &str,
    ) -> Result<SubClaim, VerifyError> {
        match self.msgs.next() {
            Some(Msg::Sumcheck(p)) => {
                zkinfer_sumcheck::verify(num_vars, degree, claimed, p, self.t)
                    .map_err(|e: SumcheckError| VerifyError::at(at, e))
            }
            Some(Msg::Evals(_)) => Err(VerifyError::at(at, "expected a sumcheck, got evaluations")),
            None => Err(VerifyError::at(at, "proof ends early")),
        }
    }

    /// Checks that every message was read.
    ///
    /// # Errors
    /// If messages are left over.
    pub fn finish(mut self) -> Result<(), VerifyError> {
        if self.msgs.next().is_some() {
            return Err(VerifyError::at("end", "the proof has extra messages"));
        }
        Ok(())
    }
}
