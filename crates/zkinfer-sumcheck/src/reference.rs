//! The naive reference prover: every column lifted to `EF`, serial, the round polynomial
//! recomputed from scratch at every point and the eq factor kept as a folded table. Kept as the
//! specification the fast prover ([`crate::prove`]) is tested against, and as a bench baseline.

use zkinfer_field::{EF, F, PrimeCharacteristicRing, Transcript};
use zkinfer_poly::eq_table;

use crate::{Column, SumcheckOutput, SumcheckProof, Term, labels, round_message};

/// Same contract and output as [`crate::prove`], slowly: proves `Σ_x [eq(eq_point, x)] · Σ_j c_j Π_i columns[f_{j,i}](x)`.
///
/// # Panics
/// If the columns have different lengths, a length is not a power of two, `eq_point` has the
/// wrong length, or a factor index is out of range: caller bugs, not proof data.
#[must_use]
pub fn prove(
    columns: Vec<Column>,
    terms: &[Term],
    eq_point: Option<&[EF]>,
    transcript: &mut Transcript,
) -> SumcheckOutput {
    let len = columns.first().map_or(1, Column::len);
    assert!(
        len.is_power_of_two(),
        "sumcheck: column length {len} is not a power of two"
    );
    assert!(
        columns.iter().all(|c| c.len() == len),
        "sumcheck: columns of different lengths"
    );
    let num_vars = len.trailing_zeros() as usize;
    let mut eq = eq_point.map(|r| {
        assert_eq!(r.len(), num_vars, "sumcheck: eq point of the wrong length");
        eq_table(r)
    });
    let degree =
        terms.iter().map(|t| t.factors.len()).max().unwrap_or(0) + usize::from(eq.is_some());

    // Baseline: lift every column to EF once. (Base-field first round: see the optimised prover.)
    let mut cols: Vec<Vec<EF>> = columns.into_iter().map(lift).collect();
    let claimed_sum = full_sum(&cols, terms, eq.as_deref());
    transcript.absorb_ext(labels::CLAIM, claimed_sum);

    let mut round_polys = Vec::with_capacity(num_vars);
    let mut point = Vec::with_capacity(num_vars);
    for _ in 0..num_vars {
        let views: Vec<&[EF]> = cols.iter().map(Vec::as_slice).collect();
        let g = round_poly(&views, terms, eq.as_deref(), degree);
        let message = round_message(&g);
        transcript.absorb_exts(labels::ROUND, &message);
        let r = transcript.challenge(labels::CHALLENGE);
        round_polys.push(message);
        point.push(r);
        cols = cols.into_iter().map(|c| fold_ext(c, r)).collect();
        if let Some(e) = eq.take() {
            eq = Some(fold_ext(e, r));
        }
    }
    let evals = cols.iter().map(|c| c[0]).collect();
    SumcheckOutput {
        proof: SumcheckProof { round_polys },
        point,
        evals,
        claimed_sum,
    }
}

fn lift(c: Column) -> Vec<EF> {
    match c {
        Column::Ext(v) => v,
        Column::Base(v) => v.into_iter().map(EF::from).collect(),
    }
}

fn fold_ext(mut v: Vec<EF>, r: EF) -> Vec<EF> {
    let half = v.len() / 2;
    let (lo, hi) = v.split_at_mut(half);
    for (l, &h) in lo.iter_mut().zip(hi.iter()) {
        *l += r * (h - *l);
    }
    v.truncate(half);
    v
}

fn full_sum(v: &[Vec<EF>], terms: &[Term], eq: Option<&[EF]>) -> EF {
    let len = v.first().map_or(eq.map_or(1, <[EF]>::len), Vec::len);
    let mut s = EF::ZERO;
    for i in 0..len {
        let mut t = EF::ZERO;
        for term in terms {
            t += term
                .factors
                .iter()
                .fold(term.coeff, |acc, &f| acc * v[f][i]);
        }
        s += eq.map_or(t, |e| t * e[i]);
    }
    s
}

fn round_poly(cols: &[&[EF]], terms: &[Term], eq: Option<&[EF]>, degree: usize) -> Vec<EF> {
    let half = cols.first().map_or(eq.map_or(1, <[EF]>::len), |c| c.len()) / 2;
    let mut g = vec![EF::ZERO; degree + 1];
    for (t, gt) in g.iter_mut().enumerate() {
        let x = EF::from(F::from_usize(t));
        for i in 0..half {
            let at = |c: &[EF]| c[i] + x * (c[i + half] - c[i]);
            let mut s = EF::ZERO;
            for term in terms {
                s += term
                    .factors
                    .iter()
                    .fold(term.coeff, |acc, &f| acc * at(cols[f]));
            }
            *gt += eq.map_or(s, |e| s * at(e));
        }
    }
    g
}
