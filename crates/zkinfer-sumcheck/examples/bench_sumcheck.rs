//! Sumcheck prover benchmark: field throughput, the product-of-two prover on 2^20..2^24 base
//! elements (one thread and all cores), and its overhead over a loop that only computes the sum.
//!
//! `cargo run --release -p zkinfer-sumcheck --example bench_sumcheck`

use std::hint::black_box;
use std::time::{Duration, Instant};

use zkinfer_field::{
    BasedVectorSpace, EF, F, Field, PackedValue, PrimeCharacteristicRing, Transcript,
};
use zkinfer_sumcheck::{Column, Term, prove, reference};

type P = <F as Field>::Packing;

const LANES: usize = 8;

fn best<T>(reps: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    best_with(reps, || (), |()| f())
}

/// CPU time of the calling thread (`/proc/thread-self/schedstat`, ns), if the kernel has it.
/// On a shared machine this, not wall time, is what a single-threaded kernel costs.
fn thread_cpu() -> Option<Duration> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    Some(Duration::from_nanos(
        s.split_whitespace().next()?.parse().ok()?,
    ))
}

/// `CPU=1` measures thread CPU time instead of wall time (single-threaded runs only).
fn use_cpu_time() -> bool {
    std::env::var("CPU").is_ok_and(|v| v == "1")
}

/// Best time of `reps` runs of `f(setup())`, the setup untimed. With `CPU=1`: the mean thread
/// CPU time over as many runs as fill 300 ms (the kernel updates it at ticks).
fn best_with<S, T>(
    reps: usize,
    mut setup: impl FnMut() -> S,
    mut f: impl FnMut(S) -> T,
) -> (Duration, T) {
    if use_cpu_time() {
        let (mut total, mut runs) = (Duration::ZERO, 0u32);
        loop {
            let s = setup();
            let t = thread_cpu().unwrap_or_default();
            let v = f(s);
            total += thread_cpu().unwrap_or_default().saturating_sub(t);
            runs += 1;
            if total >= Duration::from_millis(300) || runs >= 1000 {
                return (total / runs, v);
            }
        }
    }
    let mut best = Duration::MAX;
    let mut out = None;
    for _ in 0..reps.max(1) {
        let s = setup();
        let t = START.elapsed();
        let v = f(s);
        best = best.min(START.elapsed().saturating_sub(t));
        out = Some(v);
    }
    (best, out.expect("at least one run"))
}

static START: std::sync::LazyLock<Instant> = std::sync::LazyLock::new(Instant::now);

/// Multiplications per second of `A` with `LANES` independent chains (throughput, not latency).
fn mul_rate<A: Copy + core::ops::MulAssign>(seed: [A; LANES], x: A, iters: usize) -> f64 {
    let (t, _) = best(3, || {
        let mut acc = seed;
        for _ in 0..iters {
            for a in &mut acc {
                *a *= x;
            }
            acc = black_box(acc);
        }
        acc
    });
    (iters * LANES) as f64 / t.as_secs_f64()
}

fn rng_stream(seed: u64) -> impl FnMut() -> u64 {
    let mut s = seed;
    move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    }
}

fn plain_sum_scalar(a: &[F], b: &[F]) -> F {
    a.iter().zip(b).map(|(&x, &y)| x * y).sum()
}

fn plain_sum_packed(a: &[F], b: &[F]) -> F {
    let (pa, sa) = P::pack_slice_with_suffix(a);
    let (pb, sb) = P::pack_slice_with_suffix(b);
    let mut s = P::ZERO;
    for (&x, &y) in pa.iter().zip(pb) {
        s += x * y;
    }
    s.as_slice().iter().copied().sum::<F>() + plain_sum_scalar(sa, sb)
}

/// Times the prover on copies of `a`, `b` (the copies are made outside the timed region).
fn time_prove(reps: usize, a: &[F], b: &[F], eq: Option<&[EF]>) -> (Duration, EF) {
    let setup = || vec![Column::Base(a.to_vec()), Column::Base(b.to_vec())];
    best_with(reps, setup, |cols| {
        let terms = [Term::new(EF::ONE, vec![0, 1])];
        prove(cols, &terms, eq, &mut Transcript::new(b"bench")).claimed_sum
    })
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let threads = rayon::current_num_threads();
    if use_cpu_time() {
        println!("CPU=1: times are thread CPU time; the 'all' columns are then meaningless");
    }
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("thread pool");
    let mut rng = rng_stream(0x9e37_79b9_7f4a_7c15);
    let f = |r: &mut dyn FnMut() -> u64| F::from_u64(r());
    let x = f(&mut rng);
    let ex = EF::from_basis_coefficients_fn(|_| f(&mut rng));
    println!(
        "packing width of F: {} (AVX2 = 4, AVX-512 = 8, none = 1)",
        P::WIDTH
    );
    let iters = 1 << 22;
    let fs = mul_rate(core::array::from_fn(|_| f(&mut rng)), x, iters);
    let ps = mul_rate(
        core::array::from_fn(|_| P::from_fn(|_| f(&mut rng))),
        P::from(x),
        iters / 4,
    );
    let es = mul_rate(
        core::array::from_fn(|_| EF::from_basis_coefficients_fn(|_| f(&mut rng))),
        ex,
        iters / 2,
    );
    println!("F  mul/s scalar : {:>8.0} M", fs / 1e6);
    println!(
        "F  mul/s packed : {:>8.0} M  (lanes counted: {:.0} M vector muls/s)",
        ps * P::WIDTH as f64 / 1e6,
        ps / 1e6
    );
    println!("EF mul/s scalar : {:>8.0} M", es / 1e6);
    println!();
    println!("product-of-two sumcheck Σ A·B, base-field inputs ({threads} cores):");
    println!(
        "{:>5} | {:>10} {:>10} | {:>10} {:>10} | {:>9} {:>9} | {:>8} {:>8}",
        "log n",
        "loop 1t",
        "loop pk 1t",
        "prove 1t",
        "prove all",
        "eq·AB 1t",
        "eq·AB all",
        "ratio",
        "ratio pk"
    );
    for log_n in [20usize, 22, 24] {
        let n = 1usize << log_n;
        let a: Vec<F> = (0..n).map(|_| f(&mut rng)).collect();
        let b: Vec<F> = (0..n).map(|_| f(&mut rng)).collect();
        let r: Vec<EF> = (0..log_n)
            .map(|_| EF::from_basis_coefficients_fn(|_| f(&mut rng)))
            .collect();
        let reps = if log_n >= 24 { 2 } else { 3 };
        let (t_loop, s1) = best(reps, || plain_sum_scalar(black_box(&a), black_box(&b)));
        let (t_loop_pk, s2) = best(reps, || plain_sum_packed(black_box(&a), black_box(&b)));
        assert_eq!(s1, s2);
        let (t_one, s3) = one.install(|| time_prove(reps, &a, &b, None));
        assert_eq!(EF::from(s1), s3);
        let (t_all, _) = time_prove(reps, &a, &b, None);
        let (t_eq_one, _) = one.install(|| time_prove(reps, &a, &b, Some(&r)));
        let (t_eq_all, _) = time_prove(reps, &a, &b, Some(&r));
        println!(
            "{log_n:>5} | {:>8.1}ms {:>8.1}ms | {:>8.1}ms {:>8.1}ms | {:>7.1}ms {:>7.1}ms | {:>8.1} {:>8.1}",
            ms(t_loop),
            ms(t_loop_pk),
            ms(t_one),
            ms(t_all),
            ms(t_eq_one),
            ms(t_eq_all),
            t_one.as_secs_f64() / t_loop.as_secs_f64(),
            t_one.as_secs_f64() / t_loop_pk.as_secs_f64(),
        );
    }
    println!(
        "ratio = prover (1 thread) / plain loop (1 thread); pk = packed loop. Input copies untimed."
    );
    // The naive reference prover, for scale.
    let log_n = 16;
    let a: Vec<F> = (0..1 << log_n).map(|_| f(&mut rng)).collect();
    let b: Vec<F> = (0..1 << log_n).map(|_| f(&mut rng)).collect();
    let cols = || vec![Column::Base(a.clone()), Column::Base(b.clone())];
    let terms = [Term::new(EF::ONE, vec![0, 1])];
    let (t_ref, _) = best_with(1, cols, |c| {
        reference::prove(c, &terms, None, &mut Transcript::new(b"b"))
    });
    let (t_fast, _) = one.install(|| {
        best_with(3, cols, |c| {
            prove(c, &terms, None, &mut Transcript::new(b"b"))
        })
    });
    println!(
        "\nreference (naive) prover 2^{log_n}: {:.1} ms; fast prover 1 thread: {:.2} ms ({:.0}x)",
        ms(t_ref),
        ms(t_fast),
        t_ref.as_secs_f64() / t_fast.as_secs_f64()
    );
}
