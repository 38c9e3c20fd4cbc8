//! What per-op code works with: the witness, and the prover's and the verifier's contexts. These
//! types know no op; the op modules ([`crate::ops`]) and the drivers share them.

use zkinfer_field::{EF, F, from_signed};

use crate::channel::{Channel, Reader};
use crate::claims::{Claim, Claims};
use crate::error::{ProveError, VerifyError};
use crate::ir::{ProofGraph, TensorId};
use crate::ops::util::{get, key_mismatch};
use crate::plan::Plan;

/// All tensors (stored layout) and all witness columns.
#[derive(Clone, Debug)]
pub struct Witness {
    /// Per tensor, its stored values.
    pub tensors: Vec<Vec<i64>>,
    /// Witness columns (multiplicity columns are filled by the prover later).
    pub columns: Vec<Vec<i64>>,
}

impl Witness {
    /// The stored values of tensor `t`.
    ///
    /// # Errors
    /// If there is no such tensor (a key that does not fit its graph).
    pub fn tensor(&self, t: usize, node: &str) -> Result<&[i64], ProveError> {
        get(&self.tensors, t, node, "tensor").map(Vec::as_slice)
    }

    /// Witness column `c`.
    ///
    /// # Errors
    /// If there is no such column.
    pub fn column(&self, c: usize, node: &str) -> Result<&[i64], ProveError> {
        get(&self.columns, c, node, "witness column").map(Vec::as_slice)
    }

    /// Checks the logical positions of every tensor against the interpreter's trace.
    ///
    /// # Errors
    /// [`ProveError::TraceMismatch`] at the first difference.
    pub fn check_trace(
        &self,
        graph: &ProofGraph,
        plan: &Plan,
        trace: &[Vec<i64>],
    ) -> Result<(), ProveError> {
        for (t, (stored, want)) in self.tensors.iter().zip(trace).enumerate() {
            let l = get(&plan.layouts, t, "trace", "tensor layout")?;
            if stored.len() != l.size() {
                return Err(key_mismatch("trace", "stored tensor size"));
            }
            let got = l.gather(stored);
            if let Some(index) = got.iter().zip(want).position(|(a, b)| a != b) {
                return Err(ProveError::TraceMismatch {
                    tensor: graph.tensors.get(t).map_or("?", |x| &x.name).to_string(),
                    index,
                });
            }
        }
        Ok(())
    }

    /// A column as field elements.
    #[must_use]
    pub fn field(values: &[i64]) -> Vec<F> {
        values.iter().map(|&v| from_signed(v)).collect()
    }
}

/// What a layer prover works with.
#[derive(Debug)]
pub struct ProverCtx<'a> {
    /// The plan.
    pub plan: &'a Plan,
    /// The graph, with weights.
    pub graph: &'a ProofGraph,
    /// The witness.
    pub wit: &'a Witness,
    /// The stored weight columns.
    pub weights: &'a [Vec<i64>],
    /// The message stream.
    pub ch: Channel<'a>,
    /// Claims so far.
    pub claims: Claims,
}

impl<'a> ProverCtx<'a> {
    /// Weight column `c`.
    ///
    /// # Errors
    /// If there is no such column.
    pub fn weight(&self, c: usize, node: &str) -> Result<&'a [i64], ProveError> {
        get(self.weights, c, node, "weight column").map(Vec::as_slice)
    }

    /// Hands the claim "tensor `t` at `point` is `value`" on to where `t`'s values live
    /// ([`Claims::route`]).
    ///
    /// # Errors
    /// [`ProveError::KeyMismatch`] at `at` if the plan has no such tensor.
    pub fn pass_claim(
        &mut self,
        t: TensorId,
        point: Vec<EF>,
        value: EF,
        at: &str,
    ) -> Result<(), ProveError> {
        self.claims
            .route(self.plan, t, Claim::new(point, value))
            .map_err(|e| ProveError::key_mismatch(at, e))
    }

    /// [`ProverCtx::pass_claim`] for a claim that may be masked.
    ///
    /// # Errors
    /// As [`ProverCtx::pass_claim`].
    pub fn pass(&mut self, t: TensorId, claim: Claim, at: &str) -> Result<(), ProveError> {
        self.claims
            .route(self.plan, t, claim)
            .map_err(|e| ProveError::key_mismatch(at, e))
    }

    /// Sends `value`, a tensor's evaluation at `point` made without a sumcheck, and returns
    /// its claim: masked with the pool's next claim mask when `private`
    /// ([`crate::channel::Channel::send_masked`]), in the clear otherwise. The verifier's twin
    /// is [`VerifierCtx::recv_value`].
    pub fn send_value(&mut self, point: &[EF], value: EF, private: bool) -> Claim {
        if private {
            if let Some(c) = self.ch.send_masked(point, &[value]).into_iter().next() {
                return c;
            }
        } else {
            self.ch.send(vec![value]);
        }
        Claim::new(point.to_vec(), value)
    }

    /// Whether tensor `t` is private (its values are hidden: anything but the public input
    /// and the public output), so a sumcheck over it reports its evaluation masked.
    #[must_use]
    pub fn is_private(&self, t: TensorId) -> bool {
        crate::plan::is_private(self.plan, t)
    }
}

/// What a layer verifier works with.
#[derive(Debug)]
pub struct VerifierCtx<'a> {
    /// The plan.
    pub plan: &'a Plan,
    /// The public input the proof is about (stored layout), `None` for a committed input: the
    /// ops whose proof depends on the input's values themselves (an embedding lookup's token
    /// ids) read it here; claims on its MLE go to [`Claims::public_input`].
    pub public_input: Option<&'a [i64]>,
    /// The message reader.
    pub rd: Reader<'a>,
    /// Claims so far.
    pub claims: Claims,
}

impl VerifierCtx<'_> {
    /// Hands the claim "tensor `t` at `point` is `value`" on to where `t`'s values live
    /// ([`Claims::route`]).
    ///
    /// # Errors
    /// [`VerifyError::UnknownTensor`] at `at` if the plan has no such tensor.
    pub fn pass_claim(
        &mut self,
        t: TensorId,
        point: Vec<EF>,
        value: EF,
        at: &str,
    ) -> Result<(), VerifyError> {
        self.claims
            .route(self.plan, t, Claim::new(point, value))
            .map_err(|e| e.at(at))
    }

    /// [`VerifierCtx::pass_claim`] for a claim that may be masked.
    ///
    /// # Errors
    /// As [`VerifierCtx::pass_claim`].
    pub fn pass(&mut self, t: TensorId, claim: Claim, at: &str) -> Result<(), VerifyError> {
        self.claims.route(self.plan, t, claim).map_err(|e| e.at(at))
    }

    /// Reads the value [`ProverCtx::send_value`] sent at `point` and returns its claim.
    ///
    /// # Errors
    /// As [`Reader::recv_masked`] / [`Reader::recv1`].
    pub fn recv_value(
        &mut self,
        point: &[EF],
        private: bool,
        at: &str,
    ) -> Result<Claim, VerifyError> {
        if private {
            self.rd
                .recv_masked(1, point, at)?
                .into_iter()
                .next()
                .ok_or_else(|| VerifyError::at(at, "no value"))
        } else {
            Ok(Claim::new(point.to_vec(), self.rd.recv1(at)?))
        }
    }

    /// The verifier's [`ProverCtx::is_private`].
    #[must_use]
    pub fn is_private(&self, t: TensorId) -> bool {
        crate::plan::is_private(self.plan, t)
    }
}

/// What a layer's witness rule works with: the tensors computed so far (stored layouts) and the
/// columns it fills.
#[derive(Debug)]
pub struct WitnessCtx<'a> {
    /// The graph, with weights.
    pub graph: &'a ProofGraph,
    /// The plan.
    pub plan: &'a Plan,
    /// The stored weight columns.
    pub weights: &'a [Vec<i64>],
    /// The quantized input (logical layout).
    pub input: &'a [i64],
    /// The interpreter's trace: every tensor's logical values, indexed like the graph's tensors.
    pub trace: &'a [Vec<i64>],
    /// Tensors so far, stored layout.
    pub tensors: Vec<Vec<i64>>,
    /// Witness columns so far.
    pub columns: Vec<Vec<i64>>,
}

impl<'a> WitnessCtx<'a> {
    /// Tensor `t` with its layout.
    ///
    /// # Errors
    /// If there is no such tensor or it is not computed yet.
    pub fn tensor(
        &self,
        t: usize,
        node: &str,
    ) -> Result<(&[i64], &crate::layout::Layout), ProveError> {
        let v = get(&self.tensors, t, node, "tensor")?;
        let l = get(&self.plan.layouts, t, node, "tensor layout")?;
        if v.len() != l.size() {
            return Err(key_mismatch(node, "input not computed"));
        }
        Ok((v.as_slice(), l))
    }

    /// The interpreter's values of tensor `t` (logical, row-major).
    ///
    /// # Errors
    /// If there is no such tensor, or the trace has the wrong number of values for it.
    pub fn logical(&self, t: usize, node: &str) -> Result<&'a [i64], ProveError> {
        let v = get(self.trace, t, node, "trace tensor")?;
        let l = get(&self.plan.layouts, t, node, "tensor layout")?;
        if v.len() != l.logical_len() {
            let name = self.graph.tensors.get(t).map_or("?", |x| &x.name);
            return Err(ProveError::Backend(format!(
                "node `{node}`: the trace of tensor `{name}` has {} values, its shape {} \
                 (pass the trace of the model this key was made from)",
                v.len(),
                l.logical_len()
            )));
        }
        Ok(v)
    }

    /// Tensor `t` in its stored layout: the interpreter's values at the logical positions and
    /// `pad(z)` at each padded stored position `z` (the padding rule of the op that makes `t`).
    ///
    /// # Errors
    /// As [`WitnessCtx::logical`], or the first error of `pad`.
    pub fn stored(
        &self,
        t: usize,
        node: &str,
        mut pad: impl FnMut(usize) -> Result<i64, ProveError>,
    ) -> Result<Vec<i64>, ProveError> {
        let v = self.logical(t, node)?;
        let l = get(&self.plan.layouts, t, node, "tensor layout")?;
        let mut y = vec![0i64; l.size()];
        let mut real = vec![false; l.size()];
        for (&s, &x) in l.logical_to_stored().iter().zip(v) {
            if let (Some(ys), Some(rs)) = (y.get_mut(s), real.get_mut(s)) {
                *ys = x;
                *rs = true;
            }
        }
        for (z, (yz, &r)) in y.iter_mut().zip(&real).enumerate() {
            if !r {
                *yz = pad(z)?;
            }
        }
        Ok(y)
    }

    /// The error for a trace value of tensor `t` that contradicts the op's relation at stored
    /// position `index` (a trace that is not the interpreter's).
    #[must_use]
    pub fn mismatch(&self, t: usize, index: usize) -> ProveError {
        ProveError::TraceMismatch {
            tensor: self
                .graph
                .tensors
                .get(t)
                .map_or("?", |x| &x.name)
                .to_string(),
            index,
        }
    }

    /// Sets witness column `c`.
    ///
    /// # Errors
    /// If there is no such column.
    pub fn set_column(&mut self, c: usize, values: Vec<i64>, node: &str) -> Result<(), ProveError> {
        *self
            .columns
            .get_mut(c)
            .ok_or_else(|| key_mismatch(node, "witness column"))? = values;
        Ok(())
    }
}
