//! Zero-knowledge LogUp-GKR vs plain: prover time, verifier time and proof size for witnesses of
//! `2^14 … 2^18` lookups into the signed 16-bit range (`2^16` rows), one witness each, and one
//! proof of three instances (16-bit range with two witnesses, 8-bit range, 8-bit ReLU).
//!
//! `nice -n 5 cargo run --release -p zkinfer-lookup --example bench_zk_lookup [max_log]`
//!
//! One thread (a one-thread rayon pool), mean thread CPU time (`/proc/thread-self/schedstat`) of
//! alternating plain/ZK runs until each has ≥ 400 ms (≥ 3 runs): on a shared machine wall time is
//! noise. Plain prove is `prove_many_unchecked` (no membership re-check; the ZK prover has none).
//! ZK prove includes drawing the blinding, the `Z·R` masks and the layer masks (a CSPRNG).
//! Neither verifier discharges its claims (the PCS openings are the engine's); the ZK verifier's
//! extra claims (blinding, inner and layer masks) are small. Sizes: bincode bytes of the proofs.

use std::time::Duration;

use zkinfer_field::{F, Transcript, from_signed};
use zkinfer_lookup::zk::{
    Blinding, InnerMasks, disabled_multiplicities, prove_blinded_many, verify_blinded_many,
};
use zkinfer_lookup::{LookupInstance, Table, multiplicities, prove_many_unchecked, verify_many};
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

/// `len` values drawn from the signed `bits`-bit range, the last two rows zero (the ZK slots).
fn column(len: usize, bits: u32, seed: u64) -> Vec<i64> {
    let mut s = 0x9E37_79B9_7F4A_7C15_u64 ^ seed;
    let half = 1i64 << (bits - 1);
    (0..len)
        .map(|i| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            if i + 2 >= len {
                0
            } else {
                (s % (2 * half as u64)) as i64 - half
            }
        })
        .collect()
}

/// One table row of the comparison: plain `prove_many_unchecked`/`verify_many` against
/// `prove_blinded_many`/`verify_blinded_many` on the same instances.
fn compare(label: &str, instances: &[LookupInstance<'_>]) {
    let mut rng = rand::rng();
    let m_plain: Vec<Vec<F>> = instances
        .iter()
        .map(|i| multiplicities(i.table, &i.witnesses).expect("in table"))
        .collect();
    let m_zk: Vec<Vec<F>> = instances
        .iter()
        .map(|i| disabled_multiplicities(i.table, &i.witnesses).expect("in table"))
        .collect();
    let mp: Vec<&[F]> = m_plain.iter().map(Vec::as_slice).collect();
    let mz: Vec<&[F]> = m_zk.iter().map(Vec::as_slice).collect();
    let shapes: Vec<Vec<usize>> = instances.iter().map(|i| i.shapes().unwrap()).collect();
    let plain = || prove_many_unchecked(instances, &mp, &mut Transcript::new(b"bench")).unwrap();
    let mut zk = || {
        let (blinding, inner): (Vec<_>, Vec<_>) = instances
            .iter()
            .zip(&shapes)
            .map(|(inst, s)| {
                let heights: Vec<usize> = s
                    .iter()
                    .copied()
                    .chain([inst.table.num_vars() + 1])
                    .collect();
                (
                    Blinding::random(s.len(), &mut rng),
                    InnerMasks::random(&heights, &mut rng),
                )
            })
            .unzip();
        prove_blinded_many(
            instances,
            &mz,
            &blinding,
            &inner,
            |degrees: &[usize]| {
                use rand::SeedableRng;
                MaskPolynomial::random_per_var(degrees, &mut rand::rngs::StdRng::from_os_rng())
            },
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
    let plain_statement: Vec<(&Table, &[usize])> = instances
        .iter()
        .zip(&shapes)
        .map(|(i, s)| (i.table, s.as_slice()))
        .collect();
    let zk_statement: Vec<(&Table, Vec<usize>)> = instances
        .iter()
        .zip(&shapes)
        .map(|(i, s)| (i.table, s.clone()))
        .collect();
    let (v_plain, v_zk) = alternate(
        || {
            let c = verify_many(&plain_statement, &pp, &mut Transcript::new(b"bench")).unwrap();
            let _ = std::hint::black_box(c);
        },
        || {
            let c =
                verify_blinded_many(&zk_statement, &zp, &mut Transcript::new(b"bench")).unwrap();
            let _ = std::hint::black_box(c);
        },
    );
    let s_plain = bincode::serialize(&pp).unwrap().len();
    let s_zk = bincode::serialize(&zp).unwrap().len();
    println!(
        "| {label} | {} | {} | {:.2} | {} | {} | {:.2} | {} B | {} B | {:.2} |",
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

fn to_field(v: &[i64]) -> Vec<F> {
    v.iter().map(|&x| from_signed(x)).collect()
}

fn run(max_log: usize) {
    let range16 = Table::SignedRange { bits: 16 };
    for log_w in 14..=max_log {
        let col = to_field(&column(1 << log_w, 16, log_w as u64));
        let instance = LookupInstance {
            table: &range16,
            witnesses: vec![vec![col.as_slice()]],
        };
        compare(&format!("2^{log_w}"), &[instance]);
    }
    // Several instances in one proof: the 16-bit range (two witnesses), an 8-bit range and an
    // 8-bit ReLU table (two columns).
    let range8 = Table::SignedRange { bits: 8 };
    let relu = Table::function("relu", 8, |i| i.max(0)).expect("valid table");
    let a = to_field(&column(1 << 16, 16, 1));
    let b = to_field(&column(1 << 14, 16, 2));
    let c = to_field(&column(1 << 15, 8, 3));
    let x = column(1 << 14, 8, 4);
    let y: Vec<i64> = x.iter().map(|&v| v.max(0)).collect();
    let (x, y) = (to_field(&x), to_field(&y));
    let instances = [
        LookupInstance {
            table: &range16,
            witnesses: vec![vec![a.as_slice()], vec![b.as_slice()]],
        },
        LookupInstance {
            table: &range8,
            witnesses: vec![vec![c.as_slice()]],
        },
        LookupInstance {
            table: &relu,
            witnesses: vec![vec![x.as_slice(), y.as_slice()]],
        },
    ];
    compare("3 instances", &instances);
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
    one.install(|| run(max_log));
}
