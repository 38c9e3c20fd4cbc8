//! The masked sumcheck's prover: the plain kernels for every round but the last, the `w` round
//! and the last round in closed form.

use zkinfer_field::{EF, Field, PrimeCharacteristicRing, Transcript};

use super::{
    ClaimMask, MaskedClaim, MaskedSumcheckProof, check_private, incoming_linear_claim, labels,
    masked_degrees, vanishing,
};
use crate::prover::state::{Instance, InstanceOf, eq1};
use crate::zk::prover::{ZkSummandRounds, run_zk};
use crate::zk::{MaskClaim, MaskPool};
use crate::{Column, SumcheckError, Term};

/// What [`prove_zk_masked`] ends with.
#[derive(Clone, Debug)]
pub struct MaskedSumcheckOutput {
    /// The proof to send.
    pub proof: MaskedSumcheckProof,
    /// The final point `r` of the `x` variables (without `c_w`).
    pub point: Vec<EF>,
    /// Each column's value at `r`, **masked** for the private columns (`T_j(r) + Z(r)·S_j`):
    /// what the caller sends, as it sends [`crate::ZkSumcheckOutput::evals`].
    pub evals: Vec<EF>,
    /// One claim per column at `r` (masked for the private ones), to pass on.
    pub claims: Vec<MaskedClaim>,
    /// The proven statement `H = Σ_x f(x) + Σ_i κ_i Σ_w R̂_i(w)`.
    pub claimed_sum: EF,
}

/// Proves `H = Σ_x [eq(eq_point, x)]·Σ_j c_j Π_i columns[f_{j,i}](x) + Σ_i κ_i Σ_w R̂_i(w)` (the
/// `κ_i`, `R̂_i` of `incoming`) in zero knowledge, reporting the columns listed in `private`
/// masked (docs/ZK-sumcheck.md §5). Takes from `pool`, in this order: the Libra mask (per-round
/// degrees [`masked_degrees`]), then one claim mask per private column; records the Libra mask's
/// claim and, with incoming masks, the linear claim `M(c_w)`.
///
/// # Errors
/// [`SumcheckError::MaskedClaims`] for a private column out of range or listed twice, or in a
/// sumcheck without variables; the pool's errors (exhausted, an incoming slot that is not a
/// claim mask).
///
/// # Soundness
/// The pool must have been committed and its commitment absorbed before this call.
///
/// # Panics
/// As [`crate::prove`] on inconsistent column shapes (caller bugs).
pub fn prove_zk_masked(
    columns: Vec<Column>,
    terms: &[Term],
    eq_point: Option<&[EF]>,
    private: &[usize],
    incoming: &[ClaimMask],
    pool: &mut MaskPool,
    transcript: &mut Transcript,
) -> Result<MaskedSumcheckOutput, SumcheckError> {
    let num_columns = columns.len();
    prove_instance(
        Instance::new(columns, terms, eq_point),
        num_columns,
        terms,
        eq_point,
        private,
        incoming,
        pool,
        transcript,
    )
}

/// [`prove_zk_masked`] on an instance already made (e.g. one whose weight column is given by
/// its eq terms, `Instance::product_with_eq_sum`) of `num_columns` columns.
#[allow(clippy::too_many_arguments)]
pub(crate) fn prove_instance(
    inst: InstanceOf<'_>,
    num_columns: usize,
    terms: &[Term],
    eq_point: Option<&[EF]>,
    private: &[usize],
    incoming: &[ClaimMask],
    pool: &mut MaskPool,
    transcript: &mut Transcript,
) -> Result<MaskedSumcheckOutput, SumcheckError> {
    let n = inst.num_vars();
    check_private(n, private)?;
    if private.iter().any(|&p| p >= num_columns) {
        return Err(SumcheckError::MaskedClaims {
            reason: "a private column that does not exist",
        });
    }
    let has_w = !incoming.is_empty();
    let degrees = masked_degrees(n, terms, eq_point.is_some(), private, has_w);
    let (slot, mask) = pool.next_mask_per_var(&degrees)?;
    let mut sums = vec![EF::ZERO; num_columns];
    let mut r_slots = Vec::with_capacity(private.len());
    for &p in private {
        let at = pool.next_claim_mask()?;
        let [a, b] = pool.claim_mask(at.index)?;
        if let Some(s) = sums.get_mut(p) {
            *s = a.double() + b;
        }
        r_slots.push((p, at.index));
    }
    let mut m = (EF::ZERO, EF::ZERO);
    for c in incoming {
        let [a, b] = pool.claim_mask(c.slot)?;
        m = (m.0 + c.coeff * a, m.1 + c.coeff * b);
    }
    let mut f = MaskedRounds {
        inst,
        terms,
        eq_point,
        sums,
        incoming: has_w.then_some(m),
        n,
        round: 0,
        m_cw: EF::ZERO,
        eq_prefix: EF::ONE,
        current: None,
        last: None,
        point: Vec::with_capacity(n),
        d: degrees.get(usize::from(has_w)).copied().unwrap_or(1),
        d_last: degrees.last().copied().unwrap_or(1),
    };
    let first = if n == 0 && !has_w {
        vec![f.inst.summand_at_point()]
    } else {
        f.round_poly()
    };
    let claimed_sum = first.iter().take(2).copied().sum();
    let mask_sum = mask.sum();
    let (zk, full_point) = run_zk(
        claimed_sum,
        first,
        &mut f,
        &degrees,
        mask_sum,
        &mut mask.rounds(),
        transcript,
    );
    pool.record(
        slot.index,
        MaskClaim {
            point: full_point.clone(),
            value: zk.mask_eval,
        },
    )?;
    let incoming_eval = match (has_w, full_point.first()) {
        (true, Some(&c_w)) => {
            let v = m.0 + m.1 * c_w;
            transcript.absorb_ext(labels::INCOMING_EVAL, v);
            pool.record_linear(incoming_linear_claim(incoming, c_w, v))?;
            Some(v)
        }
        _ => None,
    };
    let point = f.point.clone();
    let evals = f.evals();
    let z = vanishing(&point);
    let claims = evals
        .iter()
        .enumerate()
        .map(|(j, &v)| MaskedClaim {
            point: point.clone(),
            value: v,
            masks: r_slots
                .iter()
                .filter(|(p, _)| *p == j)
                .map(|&(_, slot)| ClaimMask { slot, coeff: z })
                .collect(),
        })
        .collect();
    Ok(MaskedSumcheckOutput {
        proof: MaskedSumcheckProof { zk, incoming_eval },
        point,
        evals,
        claims,
        claimed_sum,
    })
}

/// The summand of a masked sumcheck, round by round: `[w]`, then `x_0 … x_{n−1}`.
struct MaskedRounds<'a> {
    inst: InstanceOf<'a>,
    terms: &'a [Term],
    eq_point: Option<&'a [EF]>,
    /// `S_j = Σ_w R̂_j(w)` per column (0 for the public ones).
    sums: Vec<EF>,
    /// `(m_0, m_1)` with `M(w) = m_0 + m_1·w`, with incoming masks.
    incoming: Option<(EF, EF)>,
    n: usize,
    /// Rounds bound so far (`w` included).
    round: usize,
    /// `M(c_w)` once `w` is bound.
    m_cw: EF,
    /// `Π_{i<k} eq(eq_point_i, r_i)`.
    eq_prefix: EF,
    /// `f`'s polynomial of the current `x` round (unscaled), computed but not yet bound.
    current: Option<Vec<EF>>,
    /// The columns' two entries `[P(r, 0), P(r, 1)]` in the last round.
    last: Option<Vec<[EF; 2]>>,
    /// The `x` challenges.
    point: Vec<EF>,
    d: usize,
    d_last: usize,
}

impl MaskedRounds<'_> {
    /// The `x` round in progress (`round` minus the `w` round).
    fn x_round(&self) -> usize {
        self.round - usize::from(self.incoming.is_some())
    }

    /// `f`'s (masked) polynomial of `x` round `k`: the kernels' for `k < n − 1`, the closed form
    /// with `Z` for the last; `[f]` when there are no variables.
    fn f_poly(&mut self, k: usize) -> Vec<EF> {
        if self.n == 0 {
            return vec![self.inst.summand_at_point()];
        }
        if k + 1 < self.n {
            let mut g = self.inst.round_poly();
            g.truncate(self.d + 1);
            return g;
        }
        let lines: Vec<[EF; 2]> = (0..self.sums.len())
            .map(|c| {
                [0, 1].map(|i| {
                    // The last round never has a pending fold (see `Instance::bind`).
                    let v = self.inst.value(c, i);
                    debug_assert!(v.is_some(), "masked sumcheck: last tables not folded");
                    v.unwrap_or_default()
                })
            })
            .collect();
        let at = |x: EF| -> EF {
            let zx = x * (EF::ONE - x);
            let vals: Vec<EF> = lines
                .iter()
                .zip(&self.sums)
                .map(|(&[a, b], &s)| a + x * (b - a) + zx * s)
                .collect();
            let f: EF = self
                .terms
                .iter()
                .map(|t| {
                    t.factors.iter().fold(t.coeff, |acc, &i| {
                        acc * vals.get(i).copied().unwrap_or_default()
                    })
                })
                .sum();
            match self.eq_point.and_then(|e| e.get(k)) {
                Some(&e) => self.eq_prefix * eq1(e, x) * f,
                None => f,
            }
        };
        let out = (0..=self.d_last).map(|t| at(EF::from_usize(t))).collect();
        self.last = Some(lines);
        out
    }

    /// The columns' (masked) values at `r` once every variable is bound.
    fn evals(&self) -> Vec<EF> {
        match (&self.last, self.point.last()) {
            (Some(lines), Some(&r)) => {
                let z = r * (EF::ONE - r);
                lines
                    .iter()
                    .zip(&self.sums)
                    .map(|(&[a, b], &s)| a + r * (b - a) + z * s)
                    .collect()
            }
            _ => self.inst.evals(),
        }
    }
}

impl ZkSummandRounds for MaskedRounds<'_> {
    fn num_vars(&self) -> usize {
        self.n + usize::from(self.incoming.is_some())
    }

    fn round_poly(&mut self) -> Vec<EF> {
        if let (Some((m0, m1)), 0) = (self.incoming, self.round) {
            // Σ_x [f/2 + 2^(−n) M(W)] = H_f/2 + M(W).
            let f0 = self.f_poly(0);
            let h_f: EF = if self.n == 0 {
                f0.first().copied().unwrap_or_default()
            } else {
                f0.iter().take(2).copied().sum()
            };
            self.current = Some(f0);
            let half = h_f.halve();
            return vec![half + m0, half + m0 + m1];
        }
        let k = self.x_round();
        let f = match self.current.take() {
            Some(f) => f,
            None => self.f_poly(k),
        };
        let out = match self.incoming {
            // Σ over the n − k − 1 variables after this one of 2^(−n)·M(c_w).
            Some(_) => {
                let c = self.m_cw * EF::TWO.exp_u64(k as u64 + 1).inverse();
                f.iter().map(|&v| v.halve() + c).collect()
            }
            None => f.clone(),
        };
        self.current = Some(f);
        out
    }

    fn bind(&mut self, _g: &[EF], r: EF) {
        if let (Some((m0, m1)), 0) = (self.incoming, self.round) {
            self.m_cw = m0 + m1 * r;
            self.round += 1;
            // n = 0: the summand's single value was all `current` held.
            if self.n == 0 {
                self.current = None;
            }
            return;
        }
        let k = self.x_round();
        let f = self.current.take().unwrap_or_default();
        if k + 1 < self.n {
            // The instance keeps its own running claim: bind it with f's polynomial.
            self.inst.bind(&f, r);
            if let Some(&e) = self.eq_point.and_then(|e| e.get(k)) {
                self.eq_prefix *= eq1(e, r);
            }
        }
        self.point.push(r);
        self.round += 1;
    }
}
