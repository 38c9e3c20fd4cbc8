//! The ZK sumcheck prover: the plain prover's rounds plus the mask's, in `O(n·d)` extra work.

use zkinfer_field::{EF, PrimeCharacteristicRing, Transcript};

use super::{MaskPolynomial, ZkSumcheckProof, labels as zk_labels, zk_degree};
use crate::prover::state::Instance;
use crate::verifier::interpolate_uni;
use crate::{Column, SumcheckProof, Term, labels, round_message};

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
    /// The degree of the round polynomials it adds to (the largest, for per-variable degrees).
    fn degree(&self) -> usize;
    /// This round's `Σ_{x'} g(r_{<k}, X, x')` at `X = 0, …, d_k` (this variable's degree).
    fn round_poly(&self) -> Vec<EF>;
    /// Binds the current variable to `r`.
    fn bind(&mut self, r: EF);
    /// `g(r)` once every variable is bound.
    fn value(&self) -> EF;
}

/// The summand's side of a ZK sumcheck, round by round: what [`run_zk`] needs of `f` (the plain
/// instance, or [`prove_zk_masked`](super::prove_zk_masked)'s masked columns and extra `w`).
pub(crate) trait ZkSummandRounds {
    /// The number of rounds.
    fn num_vars(&self) -> usize;
    /// The current round's polynomial of `f` at `0, 1, …` (at least two values; the caller
    /// extends it to the round's degree).
    fn round_poly(&mut self) -> Vec<EF>;
    /// Binds the current variable to `r`; `g` is what [`ZkSummandRounds::round_poly`] returned.
    fn bind(&mut self, g: &[EF], r: EF);
}

/// The plain prover's instance as a [`ZkSummandRounds`].
struct PlainRounds {
    inst: Instance,
    degree: usize,
}

impl ZkSummandRounds for PlainRounds {
    fn num_vars(&self) -> usize {
        self.inst.num_vars()
    }

    fn round_poly(&mut self) -> Vec<EF> {
        let mut g = self.inst.round_poly();
        g.truncate(self.degree + 1);
        g
    }

    fn bind(&mut self, g: &[EF], r: EF) {
        self.inst.bind(g, r);
    }
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
    let inst = Instance::new(columns, terms, eq_point);
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
    let mut f = PlainRounds { inst, degree };
    let first = if n == 0 {
        vec![f.inst.summand_at_point()]
    } else {
        f.round_poly()
    };
    let claimed_sum = first.iter().take(2).copied().sum();
    let (proof, point) = run_zk(
        claimed_sum,
        first,
        &mut f,
        &vec![degree; n],
        mask_sum,
        rounds,
        transcript,
    );
    ZkSumcheckOutput {
        mask_eval: proof.mask_eval,
        proof,
        point,
        evals: f.inst.evals(),
        claimed_sum,
    }
}

/// The ZK sumcheck's transcript and rounds: absorbs `H` (`claimed_sum`) and `G`, draws `ρ`, sends
/// round `k`'s `f_k + ρ·g_k` at `0..=degrees[k]` (`first` is `f`'s first round polynomial, already
/// computed by the caller to learn `H`), and ends with `g(r)` absorbed. Returns the proof and `r`.
pub(crate) fn run_zk(
    claimed_sum: EF,
    first: Vec<EF>,
    f: &mut impl ZkSummandRounds,
    degrees: &[usize],
    mask_sum: EF,
    rounds: &mut impl ZkMaskRounds,
    transcript: &mut Transcript,
) -> (ZkSumcheckProof, Vec<EF>) {
    let n = f.num_vars();
    debug_assert_eq!(degrees.len(), n);
    transcript.absorb_ext(zk_labels::ZK_CLAIM, claimed_sum);
    transcript.absorb_ext(zk_labels::MASK_SUM, mask_sum);
    let rho = transcript.challenge(zk_labels::MASK_COEFF);
    transcript.absorb_ext(labels::CLAIM, claimed_sum + rho * mask_sum);

    let mut round_polys = Vec::with_capacity(n);
    let mut point = Vec::with_capacity(n);
    let mut gf = first;
    for (k, &degree) in degrees.iter().enumerate() {
        let mask = rounds.round_poly();
        assert_eq!(mask.len(), degree + 1, "prove_zk: mask of the wrong degree");
        let g: Vec<EF> = (0..=degree)
            .map(|t| {
                let ft = gf
                    .get(t)
                    .copied()
                    .unwrap_or_else(|| interpolate_uni(&gf, EF::from_usize(t)));
                ft + rho * mask[t]
            })
            .collect();
        let message = round_message(&g);
        transcript.absorb_exts(labels::ROUND, &message);
        let r = transcript.challenge(labels::CHALLENGE);
        // The summand keeps its own running claim: bind it with f's polynomial, not g's.
        f.bind(&gf, r);
        rounds.bind(r);
        point.push(r);
        round_polys.push(message);
        if k + 1 < n {
            gf = f.round_poly();
        }
    }
    let mask_eval = rounds.value();
    transcript.absorb_ext(zk_labels::MASK_EVAL, mask_eval);
    let proof = ZkSumcheckProof {
        mask_sum,
        sumcheck: SumcheckProof { round_polys },
        mask_eval,
    };
    (proof, point)
}
