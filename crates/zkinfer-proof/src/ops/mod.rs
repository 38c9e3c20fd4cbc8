//! Per-op provers and verifiers. Each op has one prover and one verifier function of the same
//! shape: (claim on the output, transcript) → claims on inputs, weights and columns.
//!
//! - [`linear`]: matmul, convolution, sum-pool, add/sub, constant multiply — by sumcheck, nothing
//!   committed — and the reduction of several claims on one tensor to one.
//! - [`nonlinear`]: the node-time parts of rescale and max-pool (their lookups live in
//!   [`crate::lookups`]).
//! - [`product`]: ops linear in each of two activation operands (matmul, element-wise mul) and
//!   broadcasting add/sub; the validity MLE of padded axes ([`valid_axis_mle`]).
//! - [`gadgets`]: reduce-max, arg-max, division and integer square root (transformer gadgets).

pub mod gadgets;
pub mod linear;
pub mod nonlinear;
pub mod product;

pub use product::valid_axis_mle;

use zkinfer_field::{EF, F, PrimeCharacteristicRing, from_signed};

use crate::channel::{Channel, Reader};
use crate::claims::Claims;
use crate::ir::ProofGraph;
use crate::plan::Plan;
use crate::witness::Witness;

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

/// What a layer verifier works with.
#[derive(Debug)]
pub struct VerifierCtx<'a> {
    /// The plan.
    pub plan: &'a Plan,
    /// The message reader.
    pub rd: Reader<'a>,
    /// Claims so far.
    pub claims: Claims,
}

/// The MLE of stored integers at `point`.
pub fn mle(values: &[i64], point: &[EF]) -> EF {
    let f: Vec<F> = values.iter().map(|&v| from_signed(v)).collect();
    zkinfer_poly::evaluate(&f, point)
}

/// Stored integers as base-field elements.
#[must_use]
pub fn to_field(values: &[i64]) -> Vec<F> {
    values.iter().map(|&v| from_signed(v)).collect()
}

/// The Boolean point of index `i` over `n` variables (big-endian).
#[must_use]
pub fn bits(i: usize, n: usize) -> Vec<EF> {
    (0..n)
        .map(|k| {
            if (i >> (n - 1 - k)) & 1 == 1 {
                EF::ONE
            } else {
                EF::ZERO
            }
        })
        .collect()
}

/// `a ‖ b`.
#[must_use]
pub fn cat(a: &[EF], b: &[EF]) -> Vec<EF> {
    let mut v = a.to_vec();
    v.extend_from_slice(b);
    v
}
