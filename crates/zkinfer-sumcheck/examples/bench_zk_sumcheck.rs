//! ZK sumcheck vs plain: prover time, verifier time and proof size for `Σ A·B` and
//! `Σ eq·A·B` over `2^16..2^22` base-field elements.
//!
//! `nice cargo run --release -p zkinfer-sumcheck --bin bench_zk_sumcheck`
//!
//! One thread, thread CPU time (`/proc/thread-self/schedstat`): on a shared machine wall time
//! is noise.
//!
//! The ZK prover's time includes sampling its mask from the OS. Not included (they belong to
//! the engine's hiding PCS batch): committing the mask's `n·(d+1)` coefficients and opening
//! `g(r)`; here the verifier checks `g(r)` against the mask in memory (an inner product of
//! `n·(d+1)` terms). Sizes count field elements (16 bytes each) of the sumcheck proofs.

use std::time::Duration;

use zkinfer_field::{EF, F, PrimeCharacteristicRing, Transcript};
use zkinfer_sumcheck::zk::{mask_weights, random_base, random_ext};
use zkinfer_sumcheck::{
    Column, MaskPolynomial, SumcheckProof, Term, prove, prove_zk, verify, verify_zk, zk_degree,
};

/// CPU time of the calling thread (`/proc/thread-self/schedstat`, ns). On a shared, loaded
/// machine this, not wall time, is what a single-threaded run costs.
fn thread_cpu() -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .map_or(Duration::ZERO, Duration::from_nanos)
}

/// Thread CPU time of `f(setup())`, the setup untimed.
fn cpu<S, T>(setup: impl FnOnce() -> S, f: impl FnOnce(S) -> T) -> (Duration, T) {
    let s = setup();
    let t = thread_cpu();
    let v = f(s);
    (thread_cpu().saturating_sub(t), v)
}

/// Mean CPU times of `a` and `b` (each returns one run's time), run alternately until both
/// have accumulated 400 ms (the kernel updates the counter at scheduler ticks, so single short
/// runs read 0) and at least 3 runs each.
fn alternate(
    mut a: impl FnMut() -> Duration,
    mut b: impl FnMut() -> Duration,
) -> (Duration, Duration) {
    let (mut ta, mut tb, mut runs) = (Duration::ZERO, Duration::ZERO, 0u32);
    while runs < 3 || ta.min(tb) < Duration::from_millis(400) {
        ta += a();
        tb += b();
        runs += 1;
    }
    (ta / runs, tb / runs)
}

fn elements(p: &SumcheckProof) -> usize {
    p.round_polys.iter().map(Vec::len).sum()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("thread pool");
    one.install(run);
}

fn run() {
    let mut rng = rand::rng();
    println!(
        "ZK sumcheck vs plain: one thread, mean thread CPU time of alternating runs (>= 400 ms each)"
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

            let plain = prove(cols(), &terms, eq_point, &mut Transcript::new(b"bench"));
            let mask = MaskPolynomial::random_os(log_n, degree).expect("degree ≥ 1");
            let zk = prove_zk(
                cols(),
                &terms,
                eq_point,
                &mask,
                &mut Transcript::new(b"bench"),
            );
            assert_eq!(plain.claimed_sum, zk.claimed_sum);
            let (t_plain, t_zk) = alternate(
                || {
                    cpu(cols, |c| {
                        prove(c, &terms, eq_point, &mut Transcript::new(b"bench"))
                    })
                    .0
                },
                || {
                    cpu(cols, |c| {
                        let mask = MaskPolynomial::random_os(log_n, degree).expect("degree ≥ 1");
                        prove_zk(c, &terms, eq_point, &mask, &mut Transcript::new(b"bench"))
                    })
                    .0
                },
            );
            let (v_plain, v_zk) = alternate(
                || {
                    cpu(
                        || (),
                        |()| {
                            let mut tr = Transcript::new(b"bench");
                            let sub =
                                verify(log_n, degree, plain.claimed_sum, &plain.proof, &mut tr)
                                    .expect("plain proof verifies");
                            sub.check_products(&terms, eq_point, &plain.evals)
                                .expect("plain final check");
                        },
                    )
                    .0
                },
                || {
                    cpu(
                        || (),
                        |()| {
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
                        },
                    )
                    .0
                },
            );

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
