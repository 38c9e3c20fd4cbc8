//! Masked (`Z·R`) ZK sumcheck vs the ZK sumcheck: prover time, verifier time and proof size of
//! the op `T(u) = Σ_x eq(u, x)·A(x)·B(x)` started from one masked claim, `A`, `B` reported masked
//! (`prove_zk_masked`), against the same sumcheck with `prove_zk` (evaluations in the clear).
//!
//! `nice cargo run [--release] -p zkinfer-sumcheck --example bench_zk_masked`
//!
//! One thread, thread CPU time. Both provers take their masks from a pool drawn beforehand
//! (untimed); neither verifier discharges the pool (that is one `finish` per proof, shared by
//! every sumcheck). Sizes: bincode bytes of the sumcheck proof plus the evaluations sent.

use std::time::Duration;

use zkinfer_field::{EF, F, PrimeCharacteristicRing, Transcript};
use zkinfer_sumcheck::zk::{random_base, random_ext};
use zkinfer_sumcheck::{
    ClaimMask, Column, MaskPool, MaskPoolVerifier, Term, prove_zk, prove_zk_masked, verify_zk,
    verify_zk_masked, zk_degree,
};

fn thread_cpu() -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .map_or(Duration::ZERO, Duration::from_nanos)
}

/// Mean CPU time of `f` over runs totalling at least 300 ms (at least 3 runs).
fn mean(mut f: impl FnMut() -> Duration) -> Duration {
    let (mut total, mut runs) = (Duration::ZERO, 0u32);
    while runs < 3 || total < Duration::from_millis(300) {
        total += f();
        runs += 1;
    }
    total / runs
}

fn timed<T>(f: impl FnOnce() -> T) -> (Duration, T) {
    let t = thread_cpu();
    let v = f();
    (thread_cpu().saturating_sub(t), v)
}

fn main() {
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("thread pool");
    one.install(run);
}

fn size<T: serde::Serialize>(v: &T) -> usize {
    bincode::serialize(v).map_or(0, |b| b.len())
}

fn run() {
    let mut rng = rand::rng();
    let prod = [Term::new(EF::ONE, vec![0, 1])];
    println!(
        "{:>5} | {:>9} {:>9} {:>6} | {:>9} {:>9} {:>6} | {:>6} {:>6} {:>6}",
        "log n", "prove", "masked", "ratio", "verify", "masked", "ratio", "size", "masked", "ratio"
    );
    for n in [12usize, 16, 18, 20] {
        let a: Vec<F> = (0..1 << n).map(|_| random_base(&mut rng)).collect();
        let b: Vec<F> = (0..1 << n).map(|_| random_base(&mut rng)).collect();
        let u: Vec<EF> = (0..n).map(|_| random_ext(&mut rng)).collect();
        let cols = || vec![Column::Base(a.clone()), Column::Base(b.clone())];
        let d = zk_degree(&prod, true);
        let pool = MaskPool::random_os(1 << 13).expect("pool");
        // The plain ZK sumcheck.
        let plain = || {
            let mut p = pool.clone();
            let (_, g) = p.next_mask(n, d).expect("mask");
            let mut t = Transcript::new(b"bench");
            let c = cols();
            timed(|| prove_zk(c, &prod, Some(&u), &g, &mut t))
        };
        let masked = || {
            let mut p = pool.clone();
            let slot = p.next_claim_mask().expect("claim mask").index;
            let masks = [ClaimMask {
                slot,
                coeff: EF::ONE,
            }];
            let mut t = Transcript::new(b"bench");
            let c = cols();
            timed(|| {
                prove_zk_masked(c, &prod, Some(&u), &[0, 1], &masks, &mut p, &mut t).expect("prove")
            })
        };
        let tp = mean(|| plain().0);
        let tm = mean(|| masked().0);
        let (_, po) = plain();
        let (_, mo) = masked();
        let vp = mean(|| {
            let mut t = Transcript::new(b"bench");
            timed(|| verify_zk(n, d, po.claimed_sum, &po.proof, &mut t).expect("verify")).0
        });
        let vm = mean(|| {
            let mut pv = MaskPoolVerifier::new(1 << 13).expect("pool");
            let slot = pv.next_claim_mask().expect("claim mask").index;
            let masks = [ClaimMask {
                slot,
                coeff: EF::ONE,
            }];
            let mut t = Transcript::new(b"bench");
            timed(|| {
                verify_zk_masked(
                    n,
                    &prod,
                    Some(&u),
                    &[0, 1],
                    &masks,
                    mo.claimed_sum,
                    &mo.proof,
                    &mut pv,
                    &mut t,
                )
                .expect("verify")
                .check_products(&prod, Some(&u), &mo.evals)
                .expect("final")
            })
            .0
        });
        let sp = size(&po.proof) + size(&po.evals);
        let sm = size(&mo.proof) + size(&mo.evals);
        let ms = |x: Duration| x.as_secs_f64() * 1e3;
        let us = |x: Duration| x.as_secs_f64() * 1e6;
        println!(
            "{n:>5} | {:>7.2}ms {:>7.2}ms {:>6.2} | {:>7.1}us {:>7.1}us {:>6.2} | {:>5}B {:>5}B {:>6.3}",
            ms(tp),
            ms(tm),
            tm.as_secs_f64() / tp.as_secs_f64(),
            us(vp),
            us(vm),
            vm.as_secs_f64() / vp.as_secs_f64().max(1e-12),
            sp,
            sm,
            sm as f64 / sp as f64,
        );
    }
}
