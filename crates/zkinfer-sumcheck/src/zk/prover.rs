//! The ZK sumcheck prover: the plain prover's rounds plus the mask's, in `O(n·d)` extra work.

use zkinfer_field::{EF, Transcript};

use super::{MaskPolynomial, ZkSumcheckProof, labels as zk_labels, zk_degree};
use crate::prover::state::Instance;
use crate::{Column, SumcheckProof, Term, labels};

/// What the ZK prover ends with.
#[derive(Clone, Debug)]
pub struct ZkSumcheckOutput {
    /// The proof to send.
    pub proof: ZkSumcheckProof,
    /// The final point `r`.
    pub point: Vec<EF>,
    /// Each column's value at `r` (the caller sends or derives these, as for [`crate::prove`]).
    pub evals: Vec<EF>,
    /// `H`, the proven sum of `f`.
    pub claimed_sum: EF,
    /// `g(r)`, which the caller opens from the mask's commitment.
    pub mask_eval: EF,
}

/// Proves `Σ_x [eq(eq_point, x)] · Σ_j c_j Π_i columns[f_{j,i}](x)` in zero knowledge with the
/// masking polynomial `mask` (see the module doc for the protocol).
///
/// # Soundness
/// The caller must have committed `mask`'s coefficients and absorbed the commitment into
/// `transcript` before this call, and must open `g(r)` from it for the verifier.
///
/// # Panics
/// As [`crate::prove`]; also if `mask` does not have the instance's number of variables or the
/// degree [`zk_degree`] (caller bugs).
#[must_use]
pub fn prove_zk(
    columns: Vec<Column>,
    terms: &[Term],
    eq_point: Option<&[EF]>,
    mask: &MaskPolynomial,
    transcript: &mut Transcript,
) -> ZkSumcheckOutput {
    prove_zk_with(
        columns,
        terms,
        eq_point,
        mask.sum(),
        &mut mask.rounds(),
        transcript,
    )
}

/// A mask's share of the round polynomials, advanced challenge by challenge: what
/// [`prove_zk_with`] needs of a mask (Libra's sum of univariates, or the pool's dense mask).
pub(crate) trait ZkMaskRounds {
    /// The mask's number of variables.
    fn num_vars(&self) -> usize;
    /// The degree of the round polynomials it adds to.
    fn degree(&self) -> usize;
    /// This round's `Σ_{x'} g(r_{<k}, X, x')` at `X = 0, …, degree`.
    fn round_poly(&self) -> Vec<EF>;
    /// Binds the current variable to `r`.
    fn bind(&mut self, r: EF);
    /// `g(r)` once every variable is bound.
    fn value(&self) -> EF;
}

/// [`prove_zk`] for any mask: `mask_sum` is `Σ_x g(x)` and `rounds` its round polynomials, of
/// the round degree [`zk_degree`] (the caller checks the shapes).
pub(crate) fn prove_zk_with(
    columns: Vec<Column>,
    terms: &[Term],
    eq_point: Option<&[EF]>,
    mask_sum: EF,
    rounds: &mut impl ZkMaskRounds,
    transcript: &mut Transcript,
) -> ZkSumcheckOutput {
    let degree = zk_degree(terms, eq_point.is_some());
    let mut inst = Instance::new(columns, terms, eq_point);
    let n = inst.num_vars();
    assert_eq!(
        rounds.num_vars(),
        n,
        "prove_zk: mask has the wrong variables"
    );
    assert_eq!(
        rounds.degree(),
        degree,
        "prove_zk: mask has the wrong degree"
    );
    let mut gf = if n == 0 {
        vec![inst.summand_at_point()]
    } else {
        inst.round_poly()
    };
    let claimed_sum = gf.iter().take(2).copied().sum();
    transcript.absorb_ext(zk_labels::ZK_CLAIM, claimed_sum);
    transcript.absorb_ext(zk_labels::MASK_SUM, mask_sum);
    let rho = transcript.challenge(zk_labels::MASK_COEFF);
    transcript.absorb_ext(labels::CLAIM, claimed_sum + rho * mask_sum);

    let mut round_polys = Vec::with_capacity(n);
    let mut point = Vec::with_capacity(n);
    for k in 0..n {
        gf.truncate(degree + 1);
        let g: Vec<EF> = gf
            .iter()
            .zip(rounds.round_poly())
            .map(|(&a, b)| a + rho * b)
            .collect();
        transcript.absorb_exts(labels::ROUND, &g);
        let r = transcript.challenge(labels::CHALLENGE);
        // The instance keeps its own running claim: bind it with f's polynomial, not g's.
        inst.bind(&gf, r);
        rounds.bind(r);
        point.push(r);
        round_polys.push(g);
        if k + 1 < n {
            gf = inst.round_poly();
        }
    }
    let mask_eval = rounds.value();
    transcript.absorb_ext(zk_labels::MASK_EVAL, mask_eval);
    ZkSumcheckOutput {
        proof: ZkSumcheckProof {
            mask_sum,
            sumcheck: SumcheckProof { round_polys },
            mask_eval,
        },
        point,
        evals: inst.evals(),
        claimed_sum,
        mask_eval,
    }
}
