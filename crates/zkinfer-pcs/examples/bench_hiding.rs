//! Plain vs hiding commitment, and hiding parameter sets side by side: commit, open, proof
//! size, verify, soundness bits.
//!
//! `nice cargo run --release -p zkinfer-pcs --example bench_hiding [-- LOG_SIZE …]`
//!
//! `ZKINFER_CONFIGS="plain;v1;default;default,pow=20;…"` picks the rows (default `plain;default`):
//! `plain` is the plain commitment; any other entry is a hiding parameter set, `key=value` pairs
//! on top of [`PcsConfig::hiding_default`] and [`HidingShape::default`] (keys `rate`, `fold`,
//! `pow`, `mask`, `rounds` — a number or `c`, `maxfold`, `rrate` — a number or `none`, `acct` —
//! 0 or 1; `v1` first resets to the first version's settings). Ratios are against the first
//! hiding row. `ZKINFER_BREAKDOWN=1` also prints p3's schedule, query counts and a byte breakdown.
//!
//! Each (row, size) runs in a child process of this binary, so its peak memory (`VmHWM`, the
//! high-water mark of resident memory, input columns included) is its own. The data: 8 columns
//! of `2^(LOG_SIZE-3)` elements in one commitment, one claim per column, one opening. The proof
//! size is the opening proof's bincode encoding as in a proof file (the 32-byte root and the
//! shapes come on top). Verifier time is the median of 7 runs, each with a fresh transcript.
//! Bits: [`HidingPcs::proven_bits`] (p3's accounting / with rounds at the randomized rate).

use std::process::Command;
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng, rngs::StdRng};
use zkinfer_field::{BasedVectorSpace, EF, F, PrimeCharacteristicRing, Transcript};
use zkinfer_pcs::{ColumnClaim, FoldPlan, HidingPcs, HidingShape, Pcs, PcsConfig};

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

/// A hiding configuration from a spec `key=value,…` (keys: `rate`, `fold`, `pow`, `mask`,
/// `rounds` — a number or `c` for p3's constant schedule); unset keys keep
/// [`PcsConfig::hiding_default`] and [`HidingShape::default`].
fn hiding_pcs(spec: &str) -> HidingPcs {
    let mut c = PcsConfig::hiding_default();
    let mut shape = HidingShape::default();
    for kv in spec
        .split(',')
        .filter(|kv| !kv.is_empty() && *kv != "default")
    {
        if kv == "v1" {
            // The first version: the plain default's rate and grinding, p3's constant schedule.
            c = PcsConfig {
                soundness: zkinfer_pcs::Soundness::UniqueDecoding,
                ..PcsConfig::default()
            };
            shape = HidingShape::first_version();
            continue;
        }
        let (k, v) = kv.split_once('=').expect("key=value");
        let n = || v.parse::<usize>().expect("number");
        match k {
            "rate" => c.log_inv_rate = n(),
            "fold" => c.folding_factor = n(),
            "pow" => c.pow_bits = n(),
            "mask" => shape.mask_log_inv_rate = n(),
            "acct" => shape.account_randomness = n() == 1,
            "rrate" => shape.round_log_inv_rate = (v != "none").then(n),
            "maxfold" => shape.folds = FoldPlan::MaxFold(n()),
            "rounds" => {
                shape.folds = if v == "c" {
                    FoldPlan::Constant
                } else {
                    FoldPlan::Rounds(n())
                }
            }
            _ => panic!("unknown key {k}"),
        }
    }
    HidingPcs::with_shape(c, shape).expect("config")
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

/// Bytes of each part of a hiding proof (bincode, as in a proof file).
fn breakdown(p: &zkinfer_pcs::HidingOpeningProof) -> String {
    use p3_whir::QueryOpenings;
    let len = |x: &dyn erased::Ser| x.len();
    mod erased {
        pub trait Ser {
            fn len(&self) -> usize;
        }
        impl<T: serde::Serialize> Ser for T {
            fn len(&self) -> usize {
                bincode::serialize(self).expect("serialize").len()
            }
        }
    }
    fn split<T: serde::Serialize, P: serde::Serialize>(
        o: &p3_whir::SharedProofOpening<T, P>,
    ) -> (usize, usize) {
        (
            bincode::serialize(&o.rows).expect("rows").len(),
            bincode::serialize(&o.proof).expect("proof").len(),
        )
    }
    let q = |o: &QueryOpenings<_, _, _>| match o {
        QueryOpenings::Base(o) => split(o),
        QueryOpenings::Extension(o) => split(o),
    };
    let p = p.p3_proof();
    let b = &p.base_case;
    let rounds: Vec<String> = p
        .rounds
        .iter()
        .map(|r| {
            let (rows, paths) = q(&r.openings);
            format!("{rows}+{paths}/{}", len(r))
        })
        .collect();
    let masks: Vec<String> = b
        .carried_openings
        .iter()
        .map(|m| {
            let (cr, cp) = split(m);
            format!("carried {cr}+{cp}")
        })
        .chain(b.fresh_openings.iter().map(|m| {
            let (fr, fp) = split(m);
            format!("fresh {fr}+{fp}")
        }))
        .collect();
    let (sr, sp) = q(&b.source_openings);
    let (gr, gp) = split(&b.fresh_main_openings);
    format!(
        "sumchecks {} | rounds (rows+paths/all) {} | base: source {sr}+{sp} fresh {gr}+{gp} masks (rows+paths) {} blinded msg {} rand {} masks {}",
        len(&p.sumchecks),
        rounds.join(" "),
        masks.join(" "),
        len(&b.blinded_message),
        len(&b.blinded_randomness),
        len(&b.blinded_masks),
    )
}

fn run(spec: &str, log_size: usize) -> Figures {
    let (cols, claims) = data(log_size);
    if spec != "plain" {
        let pcs = hiding_pcs(spec);
        let shapes: Vec<usize> = cols
            .iter()
            .map(|c| c.len().trailing_zeros() as usize)
            .collect();
        eprintln!("{}", pcs.describe(&shapes).expect("describe"));
        measure(
            |t| pcs.commit(&cols, t).expect("commit"),
            |d, t| pcs.open(d, &claims, t).expect("open"),
            |c, p, t| {
                pcs.absorb_commitment(c, t).expect("absorb");
                pcs.verify(c, &claims, p, t).expect("verify");
            },
            |p| {
                eprintln!("{}", breakdown(p));
                bincode::serialize(p).expect("serialize").len()
            },
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
        let spec = args.get(2).expect("spec");
        let log_size: usize = args.get(3).and_then(|s| s.parse().ok()).expect("size");
        let f = run(spec, log_size);
        let bits = if spec == "plain" {
            (f64::NAN, f64::NAN)
        } else {
            let shapes = vec![log_size - COLUMNS.trailing_zeros() as usize; COLUMNS];
            hiding_pcs(spec).proven_bits(&shapes).expect("bits")
        };
        println!(
            "{} {} {} {} {} {} {}",
            f.commit.as_secs_f64(),
            f.open.as_secs_f64(),
            f.proof_bytes,
            f.verify.as_secs_f64(),
            vm_hwm_mib(),
            bits.0,
            bits.1
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
    let configs = std::env::var("ZKINFER_CONFIGS").unwrap_or_else(|_| "plain;default".into());
    let configs: Vec<&str> = configs.split(';').filter(|c| !c.is_empty()).collect();
    let verbose = std::env::var_os("ZKINFER_BREAKDOWN").is_some();
    let exe = std::env::current_exe().expect("current exe");
    println!(
        "{COLUMNS} columns, one claim each; plain: {:?}; hiding base: {:?} {:?}",
        PcsConfig::default(),
        PcsConfig::hiding_default(),
        HidingShape::default()
    );
    println!(
        "| elements | config | commit s | open s | proof KiB | verify ms | bits (p3 / randomized rate) | peak MiB |\n|---|---|---|---|---|---|---|---|"
    );
    for log_size in sizes {
        let mut base: Option<Vec<f64>> = None;
        for spec in &configs {
            let out = Command::new(&exe)
                .args(["--child", spec, &log_size.to_string()])
                .output()
                .expect("child");
            let line = String::from_utf8_lossy(&out.stdout).to_string();
            let v: Vec<f64> = line
                .split_whitespace()
                .filter_map(|x| x.parse().ok())
                .collect();
            if v.len() != 7 {
                eprintln!(
                    "{spec} 2^{log_size} failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                continue;
            }
            let ratio = base.as_ref().map_or(String::new(), |b| {
                format!(
                    " ({:.2}×/{:.2}×/{:.2}×)",
                    (v[0] + v[1]) / (b[0] + b[1]),
                    v[2] / b[2],
                    v[3] / b[3]
                )
            });
            println!(
                "| 2^{log_size} | {spec} | {:.3} | {:.3} | {:.1} | {:.2} | {:.1} / {:.1} | {:.0} |{ratio}",
                v[0],
                v[1],
                v[2] / 1024.0,
                v[3] * 1e3,
                v[5],
                v[6],
                v[4]
            );
            if verbose {
                for l in String::from_utf8_lossy(&out.stderr).lines() {
                    println!("    {l}");
                }
            }
            if base.is_none() && *spec != "plain" {
                base = Some(v);
            }
        }
    }
}
