//! Plain vs hiding commitment, side by side: commit, open, proof size, verify.
//!
//! `nice cargo run --release -p zkinfer-pcs --bin bench_hiding [-- LOG_SIZE …]`
//!
//! Each (path, size) runs in a child process of this binary, so its peak memory (`VmHWM`, the
//! high-water mark of resident memory, input columns included) is its own. The data: 8 columns
//! of `2^(LOG_SIZE-3)` elements in one commitment, one claim per column, one opening. The proof
//! size is the opening proof's bincode encoding (the 32-byte root and the shapes come on top).
//! Verifier time is the median of 7 runs, each with a fresh transcript.

use std::process::Command;
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng, rngs::StdRng};
use zkinfer_field::{BasedVectorSpace, EF, F, PrimeCharacteristicRing, Transcript};
use zkinfer_pcs::{ColumnClaim, HidingPcs, Pcs, PcsConfig};

const COLUMNS: usize = 8;
const DEFAULT_SIZES: [usize; 4] = [16, 18, 20, 22];

struct Figures {
    commit: Duration,
    open: Duration,
    proof_bytes: usize,
    verify: Duration,
}

fn data(log_size: usize) -> (Vec<Vec<F>>, Vec<ColumnClaim>) {
    let mut rng = StdRng::seed_from_u64(1);
    let per = log_size - COLUMNS.trailing_zeros() as usize;
    let cols: Vec<Vec<F>> = (0..COLUMNS)
        .map(|_| {
            (0..1usize << per)
                .map(|_| F::from_u64(rng.random::<u64>() >> 1))
                .collect()
        })
        .collect();
    let claims = cols
        .iter()
        .enumerate()
        .map(|(column, col)| {
            let point: Vec<EF> = (0..per)
                .map(|_| EF::from_basis_coefficients_fn(|_| F::from_u64(rng.random::<u64>() >> 1)))
                .collect();
            ColumnClaim {
                column,
                value: zkinfer_poly::evaluate(col, &point),
                point,
            }
        })
        .collect();
    (cols, claims)
}

/// [`PcsConfig::hiding_default`], with the folding factor and `log2(1/rate)` overridable by
/// `ZKINFER_FOLD` and `ZKINFER_RATE` (for parameter sweeps).
fn hiding_config() -> PcsConfig {
    let var = |k: &str| std::env::var(k).ok().and_then(|v| v.parse().ok());
    let mut c = PcsConfig::hiding_default();
    if let Some(f) = var("ZKINFER_FOLD") {
        c.folding_factor = f;
    }
    if let Some(r) = var("ZKINFER_RATE") {
        c.log_inv_rate = r;
    }
    c
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Times `commit`, `open`, and 7 × (`absorb` + `verify`).
fn measure<C, D, P>(
    commit: impl Fn(&mut Transcript) -> (C, D),
    open: impl FnOnce(D, &mut Transcript) -> P,
    verify: impl Fn(&C, &P, &mut Transcript),
    size: impl Fn(&P) -> usize,
) -> Figures {
    let mut tp = Transcript::new(b"bench");
    let t = Instant::now();
    let (commitment, data) = commit(&mut tp);
    let commit = t.elapsed();
    let t = Instant::now();
    let proof = open(data, &mut tp);
    let open = t.elapsed();
    let verify = median(
        (0..7)
            .map(|_| {
                let mut tv = Transcript::new(b"bench");
                let t = Instant::now();
                verify(&commitment, &proof, &mut tv);
                t.elapsed()
            })
            .collect(),
    );
    Figures {
        commit,
        open,
        proof_bytes: size(&proof),
        verify,
    }
}

fn run(hiding: bool, log_size: usize) -> Figures {
    let (cols, claims) = data(log_size);
    if hiding {
        let pcs = HidingPcs::new(hiding_config()).expect("config");
        measure(
            |t| pcs.commit(&cols, t).expect("commit"),
            |d, t| pcs.open(d, &claims, t).expect("open"),
            |c, p, t| {
                pcs.absorb_commitment(c, t).expect("absorb");
                pcs.verify(c, &claims, p, t).expect("verify");
            },
            |p| bincode::serialize(p).expect("serialize").len(),
        )
    } else {
        let pcs = Pcs::new(PcsConfig::default());
        measure(
            |t| pcs.commit(&cols, t).expect("commit"),
            |d, t| pcs.open_owned(d, &claims, t).expect("open"),
            |c, p, t| {
                pcs.absorb_commitment(c, t).expect("absorb");
                pcs.verify(c, &claims, p, t).expect("verify");
            },
            |p| bincode::serialize(p).expect("serialize").len(),
        )
    }
}

fn vm_hwm_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--child") {
        let hiding = args.get(2).map(String::as_str) == Some("hiding");
        let log_size: usize = args.get(3).and_then(|s| s.parse().ok()).expect("size");
        let f = run(hiding, log_size);
        println!(
            "{} {} {} {} {}",
            f.commit.as_secs_f64(),
            f.open.as_secs_f64(),
            f.proof_bytes,
            f.verify.as_secs_f64(),
            vm_hwm_mib()
        );
        return;
    }
    let sizes: Vec<usize> = if args.len() > 1 {
        args[1..]
            .iter()
            .map(|s| s.parse().expect("LOG_SIZE"))
            .collect()
    } else {
        DEFAULT_SIZES.to_vec()
    };
    let exe = std::env::current_exe().expect("current exe");
    println!(
        "{COLUMNS} columns, one claim each; plain: {:?}; hiding: {:?}",
        PcsConfig::default(),
        hiding_config()
    );
    println!(
        "| elements | path   | commit s | open s | proof KiB | verify ms | peak MiB |\n|---|---|---|---|---|---|---|"
    );
    for log_size in sizes {
        let mut rows = Vec::new();
        for path in ["plain", "hiding"] {
            let out = Command::new(&exe)
                .args(["--child", path, &log_size.to_string()])
                .output()
                .expect("child");
            let line = String::from_utf8_lossy(&out.stdout).to_string();
            let v: Vec<f64> = line
                .split_whitespace()
                .filter_map(|x| x.parse().ok())
                .collect();
            if v.len() != 5 {
                eprintln!(
                    "{path} 2^{log_size} failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                continue;
            }
            println!(
                "| 2^{log_size} | {path:6} | {:.3} | {:.3} | {:.1} | {:.2} | {:.0} |",
                v[0],
                v[1],
                v[2] / 1024.0,
                v[3] * 1e3,
                v[4]
            );
            rows.push(v);
        }
        if let [p, h] = rows.as_slice() {
            println!(
                "| 2^{log_size} | ratio  | {:.2}× | {:.2}× | {:.2}× | {:.2}× | {:.2}× |",
                h[0] / p[0],
                h[1] / p[1],
                h[2] / p[2],
                h[3] / p[3],
                h[4] / p[4]
            );
        }
    }
}
