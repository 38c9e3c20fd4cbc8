//! Helpers shared by the ZK sumcheck tests (`tests/zk.rs`, `tests/zk_pool.rs`).
#![allow(dead_code)]

use rand::{Rng, SeedableRng, rngs::StdRng};
use zkinfer_field::{EF, F, Field, PrimeCharacteristicRing, Transcript};
use zkinfer_poly::evaluate;
use zkinfer_sumcheck::zk::random_ext;
use zkinfer_sumcheck::{Column, MaskPolynomial, Term, ZkSumcheckProof, zk_degree};

/// A sumcheck statement: base columns, terms, optional eq point.
pub struct Fixture {
    pub cols: Vec<Vec<F>>,
    pub terms: Vec<Term>,
    pub r: Option<Vec<EF>>,
}

impl Fixture {
    pub fn num_vars(&self) -> usize {
        self.cols[0].len().trailing_zeros() as usize
    }

    pub fn degree(&self) -> usize {
        zk_degree(&self.terms, self.r.is_some())
    }

    pub fn columns(&self) -> Vec<Column> {
        self.cols.iter().cloned().map(Column::Base).collect()
    }
}

pub fn rand_cols(rng: &mut StdRng, count: usize, n: usize) -> Vec<Vec<F>> {
    (0..count)
        .map(|_| (0..1 << n).map(|_| F::from_u64(rng.random())).collect())
        .collect()
}

/// Products of up to `factors` columns, with or without an eq factor.
pub fn fixture(seed: u64, n: usize, factors: usize, eq: bool) -> Fixture {
    let mut rng = StdRng::seed_from_u64(seed);
    let cols = rand_cols(&mut rng, factors, n);
    let mut terms = vec![Term::new(EF::ONE, (0..factors).collect())];
    if factors > 1 {
        terms.push(Term::new(random_ext(&mut rng), vec![0]));
    }
    let r = eq.then(|| (0..n).map(|_| random_ext(&mut rng)).collect());
    Fixture { cols, terms, r }
}

/// `eq(r, x)·Σ_j c_j Π_i P_{j,i}(x)` at any point, from the columns' MLEs.
pub fn f_at(fx: &Fixture, x: &[EF]) -> EF {
    let evals: Vec<EF> = fx.cols.iter().map(|c| evaluate(c, x)).collect();
    zkinfer_sumcheck::summand_at(&fx.terms, fx.r.as_deref(), x, &evals).unwrap()
}

/// A proof of `false_claim` that passes every round and the final check, with a lying `g(r)`.
/// `t` is the transcript as the verifier has it before `verify_zk` (mask commitment absorbed).
pub fn forge(
    fx: &Fixture,
    mask: &MaskPolynomial,
    false_claim: EF,
    mut t: Transcript,
) -> ZkSumcheckProof {
    use zkinfer_sumcheck::{labels, verifier::interpolate_uni, zk::labels as zk_labels};
    let (n, d) = (fx.num_vars(), fx.degree());
    t.absorb_ext(zk_labels::ZK_CLAIM, false_claim);
    t.absorb_ext(zk_labels::MASK_SUM, mask.sum());
    let rho = t.challenge(zk_labels::MASK_COEFF);
    let mut claim = false_claim + rho * mask.sum();
    t.absorb_ext(labels::CLAIM, claim);
    let half = EF::TWO.inverse();
    let (mut prefix, mut round_polys) = (Vec::new(), Vec::new());
    for k in 0..n {
        // The honest round polynomial of f + ρ·g, by brute force over the remaining cube.
        let g: Vec<EF> = (0..=d)
            .map(|v| {
                (0..1usize << (n - k - 1))
                    .map(|tail| {
                        let mut x = prefix.clone();
                        x.push(EF::from_usize(v));
                        x.extend((0..n - k - 1).map(|b| EF::from_usize((tail >> b) & 1)));
                        f_at(fx, &x) + rho * mask.evaluate(&x).unwrap()
                    })
                    .sum()
            })
            .collect();
        let shift = (claim - g[0] - g[1]) * half;
        let g: Vec<EF> = g.iter().map(|&v| v + shift).collect();
        let message = zkinfer_sumcheck::round_message(&g);
        t.absorb_exts(labels::ROUND, &message);
        let r = t.challenge(labels::CHALLENGE);
        claim = interpolate_uni(&g, r);
        prefix.push(r);
        round_polys.push(message);
    }
    let mask_eval = (claim - f_at(fx, &prefix)) * rho.inverse();
    ZkSumcheckProof {
        mask_sum: mask.sum(),
        sumcheck: zkinfer_sumcheck::SumcheckProof { round_polys },
        mask_eval,
    }
}

/// Whether an observer of messages tells two samples apart: some message occurs repeatedly in
/// one sample and never in the other (a fixed function of the secret), or the low bits of the
/// coordinates are distributed differently (χ² two-sample test, 8 buckets per coordinate, far
/// above the 7-degree-of-freedom 10⁻⁶ quantile).
pub fn distinguishes(s1: &[Vec<u64>], s2: &[Vec<u64>]) -> bool {
    let count = |s: &[Vec<u64>], m: &Vec<u64>| s.iter().filter(|x| *x == m).count();
    let fixed = s1.iter().any(|m| count(s1, m) > 5 && count(s2, m) == 0)
        || s2.iter().any(|m| count(s2, m) > 5 && count(s1, m) == 0);
    let coords = s1[0].len();
    let chi2_max = (0..coords)
        .map(|c| {
            let (mut h1, mut h2) = ([0f64; 8], [0f64; 8]);
            s1.iter().for_each(|m| h1[(m[c] & 7) as usize] += 1.0);
            s2.iter().for_each(|m| h2[(m[c] & 7) as usize] += 1.0);
            h1.iter()
                .zip(&h2)
                .filter(|(a, b)| *a + *b > 0.0)
                .map(|(a, b)| (a - b).powi(2) / (a + b))
                .sum::<f64>()
        })
        .fold(0.0, f64::max);
    fixed || chi2_max > 40.0
}

/// The number of distinct messages.
pub fn distinct(s: &[Vec<u64>]) -> usize {
    let mut v = s.to_vec();
    v.sort();
    v.dedup();
    v.len()
}

/// Solves `A·x = b` over `EF` (any solution, free unknowns zero), or `None` if inconsistent.
pub fn solve(mut a: Vec<Vec<EF>>, mut b: Vec<EF>) -> Option<Vec<EF>> {
    use zkinfer_field::Field;
    let cols = a[0].len();
    let (mut row, mut pivots) = (0, Vec::new());
    for col in 0..cols {
        let Some(p) = (row..a.len()).find(|&r| a[r][col] != EF::ZERO) else {
            continue;
        };
        a.swap(row, p);
        b.swap(row, p);
        let inv = a[row][col].inverse();
        let (pivot_row, pivot_b) = (a[row].clone(), b[row]);
        for (r, (ar, br)) in a.iter_mut().zip(b.iter_mut()).enumerate() {
            if r != row && ar[col] != EF::ZERO {
                let f = ar[col] * inv;
                for (x, &p) in ar.iter_mut().zip(&pivot_row).skip(col) {
                    *x -= f * p;
                }
                *br -= f * pivot_b;
            }
        }
        pivots.push((row, col, inv));
        row += 1;
    }
    if b[row..].iter().any(|&v| v != EF::ZERO) {
        return None;
    }
    let mut x = vec![EF::ZERO; cols];
    for (r, c, inv) in pivots {
        x[c] = b[r] * inv;
    }
    Some(x)
}
