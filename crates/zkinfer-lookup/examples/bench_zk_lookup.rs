//! Zero-knowledge LogUp-GKR vs plain: prover time, verifier time and proof size for witnesses of
//! `2^14 … 2^18` lookups into the signed 16-bit range (`2^16` rows), one witness each.
//!
//! `nice -n 5 cargo run --release -p zkinfer-lookup --example bench_zk_lookup [max_log]`
//!
//! One thread (a one-thread rayon pool), mean thread CPU time (`/proc/thread-self/schedstat`) of
//! alternating plain/ZK runs until each has ≥ 400 ms (≥ 3 runs): on a shared machine wall time is
//! noise. Plain prove is `prove_unchecked` (no membership re-check; the ZK prover has none).
//! ZK prove includes drawing the blinding, the `Z·R` masks and the layer masks (a CSPRNG).
//! Neither verifier discharges its claims (the PCS openings are the engine's); the ZK verifier's
//! extra claims (blinding, inner and layer masks) are small. Sizes: bincode bytes of the proofs.

use std::time::Duration;

use zkinfer_field::{F, Transcript, from_signed};
use zkinfer_lookup::zk::{
    Blinding, InnerMasks, disabled_multiplicities, prove_blinded_many, verify_blinded_many,
};
use zkinfer_lookup::{LookupInstance, Table, multiplicities, prove_unchecked, verify};
use zkinfer_sumcheck::MaskPolynomial;

/// CPU time of the calling thread (`/proc/thread-self/schedstat`, ns).
fn thread_cpu() -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .map_or(Duration::ZERO, Duration::from_nanos)
}

/// Mean thread CPU times of `a` and `b`, run alternately until both have ≥ 400 ms and ≥ 3 runs.
fn alternate(mut a: impl FnMut(), mut b: impl FnMut()) -> (Duration, Duration) {
    let (mut ta, mut tb, mut runs) = (Duration::ZERO, Duration::ZERO, 0u32);
    while runs < 3 || ta.min(tb) < Duration::from_millis(400) {
        let t = thread_cpu();
        a();
        let u = thread_cpu();
        b();
        ta += u.saturating_sub(t);
        tb += thread_cpu().saturating_sub(u);
        runs += 1;
    }
    (ta / runs, tb / runs)
}

fn ms(d: Duration) -> String {
    let v = d.as_secs_f64() * 1e3;
    if v < 1.0 {
        format!("{:.1} µs", v * 1e3)
    } else {
        format!("{v:.1} ms")
    }
}

fn ratio(a: Duration, b: Duration) -> f64 {
    b.as_secs_f64() / a.as_secs_f64().max(1e-12)
}

fn bench(log_w: usize) {
    let table = Table::SignedRange { bits: 16 };
    let mut rng = rand::rng();
    let len = 1usize << log_w;
    let mut s = 0x9E37_79B9_7F4A_7C15_u64 ^ log_w as u64;
    // Values in range; the last two rows (the ZK disabled slots) zero, which is also in range.
    let col: Vec<F> = (0..len)
        .map(|i| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            if i + 2 >= len {
                F::default()
            } else {
                from_signed((s % 65536) as i64 - 32768)
            }
        })
        .collect();
    let witnesses = vec![vec![col.as_slice()]];
    let m_plain = multiplicities(&table, &witnesses).expect("in range");
    let m_zk = disabled_multiplicities(&table, &witnesses).expect("in range");
    let instance = LookupInstance {
        table: &table,
        witnesses,
    };
    let heights = [log_w, table.num_vars() + 1];

    let plain = || prove_unchecked(&instance, &m_plain, &mut Transcript::new(b"bench")).unwrap();
    let mut zk = || {
        let blinding = [Blinding::random(1, &mut rng)];
        let inner = [InnerMasks::random(&heights, &mut rng)];
        prove_blinded_many(
            std::slice::from_ref(&instance),
            &[m_zk.as_slice()],
            &blinding,
            &inner,
            MaskPolynomial::random_os,
            &mut Transcript::new(b"bench"),
        )
        .unwrap()
    };
    let (pp, _) = plain();
    let (zp, _) = zk();
    let (t_plain, t_zk) = alternate(
        || {
            let _ = std::hint::black_box(plain());
        },
        || {
            let _ = std::hint::black_box(zk());
        },
    );
    let shapes = instance.shapes().unwrap();
    let statement = [(&table, shapes.clone())];
    let (v_plain, v_zk) = alternate(
        || {
            let c = verify(&table, &shapes, &pp, &mut Transcript::new(b"bench")).unwrap();
            let _ = std::hint::black_box(c);
        },
        || {
            let c = verify_blinded_many(&statement, &zp, &mut Transcript::new(b"bench")).unwrap();
            let _ = std::hint::black_box(c);
        },
    );
    let s_plain = bincode::serialize(&pp).unwrap().len();
    let s_zk = bincode::serialize(&zp).unwrap().len();
    println!(
        "| 2^{log_w} | {} | {} | {:.2} | {} | {} | {:.2} | {} B | {} B | {:.2} |",
        ms(t_plain),
        ms(t_zk),
        ratio(t_plain, t_zk),
        ms(v_plain),
        ms(v_zk),
        ratio(v_plain, v_zk),
        s_plain,
        s_zk,
        s_zk as f64 / s_plain as f64,
    );
}

fn main() {
    let max_log: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(18);
    println!(
        "ZK LogUp-GKR vs plain, signed 16-bit range table, one witness; one thread, mean thread CPU time"
    );
    println!(
        "| lookups | prove | prove ZK | ratio | verify | verify ZK | ratio | size | size ZK | ratio |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("thread pool");
    one.install(|| (14..=max_log).for_each(bench));
}
