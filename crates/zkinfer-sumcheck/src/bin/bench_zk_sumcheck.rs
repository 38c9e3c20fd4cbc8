//! ZK sumcheck vs plain: prover time, verifier time and proof size for `Σ A·B` and
//! `Σ eq·A·B` over `2^16..2^22` base-field elements.
//!
//! `nice cargo run --release -p zkinfer-sumcheck --bin bench_zk_sumcheck`
//!
//! The ZK prover's time includes sampling its mask from the OS. Not included (they belong to
//! the engine's hiding PCS batch): committing the mask's `n·(d+1)` coefficients and opening
//! `g(r)`; here the verifier checks `g(r)` against the mask in memory (an inner product of
//! `n·(d+1)` terms). Sizes count field elements (16 bytes each) of the sumcheck proofs.

use std::time::{Duration, Instant};

use zkinfer_field::{EF, F, PrimeCharacteristicRing, Transcript};
use zkinfer_sumcheck::zk::{mask_weights, random_base, random_ext};
use zkinfer_sumcheck::{
    Column, MaskPolynomial, SumcheckProof, Term, prove, prove_zk, verify, verify_zk, zk_degree,
};

/// Best wall time of `reps` runs of `f(setup())`, the setup untimed.
fn best<S, T>(
    reps: usize,
    mut setup: impl FnMut() -> S,
    mut f: impl FnMut(S) -> T,
) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut out = None;
    for _ in 0..reps.max(1) {
        let s = setup();
        let t = Instant::now();
        let v = f(s);
        best = best.min(t.elapsed());
        out = Some(v);
    }
    (best, out.expect("at least one run"))
}

fn elements(p: &SumcheckProof) -> usize {
    p.round_polys.iter().map(Vec::len).sum()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let mut rng = rand::rng();
    println!(
        "ZK sumcheck vs plain ({} threads; best of 3 wall times; verify: mean of 200)",
        rayon::current_num_threads()
    );
    println!(
        "{:>9} {:>5} | {:>9} {:>9} {:>6} | {:>9} {:>9} {:>6} | {:>6} {:>6} {:>6}",
        "summand",
        "log n",
        "prove",
        "prove zk",
        "ratio",
        "verify",
        "verify zk",
        "ratio",
        "size B",
        "zk B",
        "ratio"
    );
    for eq in [false, true] {
        for log_n in 16..=22usize {
            let n = 1usize << log_n;
            let a: Vec<F> = (0..n).map(|_| random_base(&mut rng)).collect();
            let b: Vec<F> = (0..n).map(|_| random_base(&mut rng)).collect();
            let r: Vec<EF> = (0..log_n).map(|_| random_ext(&mut rng)).collect();
            let eq_point = eq.then_some(r.as_slice());
            let terms = [Term::new(EF::ONE, vec![0, 1])];
            let degree = zk_degree(&terms, eq);
            let cols = || vec![Column::Base(a.clone()), Column::Base(b.clone())];

            let (t_plain, plain) = best(3, cols, |c| {
                prove(c, &terms, eq_point, &mut Transcript::new(b"bench"))
            });
            let (t_zk, (zk, mask)) = best(3, cols, |c| {
                let mask = MaskPolynomial::random_os(log_n, degree).expect("degree ≥ 1");
                let out = prove_zk(c, &terms, eq_point, &mask, &mut Transcript::new(b"bench"));
                (out, mask)
            });
            assert_eq!(plain.claimed_sum, zk.claimed_sum);

            let reps = 200u32;
            let t = Instant::now();
            for _ in 0..reps {
                let mut tr = Transcript::new(b"bench");
                let sub = verify(log_n, degree, plain.claimed_sum, &plain.proof, &mut tr)
                    .expect("plain proof verifies");
                sub.check_products(&terms, eq_point, &plain.evals)
                    .expect("plain final check");
            }
            let v_plain = t.elapsed() / reps;
            let t = Instant::now();
            for _ in 0..reps {
                let mut tr = Transcript::new(b"bench");
                let sub = verify_zk(log_n, degree, zk.claimed_sum, &zk.proof, &mut tr)
                    .expect("zk proof verifies");
                sub.sub
                    .check_products(&terms, eq_point, &zk.evals)
                    .expect("zk final check");
                let w = mask_weights(degree, &sub.mask.point);
                let opened: EF = mask
                    .flat_coefficients()
                    .iter()
                    .zip(&w)
                    .map(|(&c, &x)| c * x)
                    .sum();
                assert_eq!(opened, sub.mask.value, "mask opening");
            }
            let v_zk = t.elapsed() / reps;

            let size_plain = 16 * elements(&plain.proof);
            let size_zk = 16 * (elements(&zk.proof.sumcheck) + 2);
            println!(
                "{:>9} {:>5} | {:>7.1}ms {:>7.1}ms {:>6.3} | {:>7.1}us {:>7.1}us {:>6.2} | {:>6} {:>6} {:>6.3}",
                if eq { "eq·A·B" } else { "A·B" },
                log_n,
                ms(t_plain),
                ms(t_zk),
                t_zk.as_secs_f64() / t_plain.as_secs_f64(),
                v_plain.as_secs_f64() * 1e6,
                v_zk.as_secs_f64() * 1e6,
                v_zk.as_secs_f64() / v_plain.as_secs_f64(),
                size_plain,
                size_zk,
                size_zk as f64 / size_plain as f64,
            );
        }
    }
}
