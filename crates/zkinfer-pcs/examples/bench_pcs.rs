//! Commit + open + verify figures for zkinfer-pcs, and the same for bare p3-whir.
//!
//! `cargo run --release -p zkinfer-pcs --example bench_pcs [-- case …]`
//!
//! Each case runs in a child process of this binary, so its peak memory (`VmHWM` from
//! `/proc/self/status`, the high-water mark of resident memory) is that case's alone; it includes
//! the input columns. Verifier time is the median of 7 runs.

use std::process::Command;
use std::time::{Duration, Instant};

use p3_commit::MultilinearPcs;
use p3_matrix::dense::RowMajorMatrix;
use p3_multilinear_util::point::Point;
use p3_sumcheck::layout::{Layout, PrefixProver, Table, observe_commitment};
use p3_sumcheck::{OpeningBatch, OpeningProtocol, PrescribedPointPcs, TableShape, TableSpec};
use p3_whir::{WhirConfig, WhirProver};
use rand::{Rng, SeedableRng, rngs::StdRng};
use zkinfer_field::{BasedVectorSpace, EF, F, PrimeCharacteristicRing, Transcript};
use zkinfer_pcs::TruncatedKeccak;
use zkinfer_pcs::types::{KeccakMmcs, LeafHash, NodeCompress};
use zkinfer_pcs::{ColumnClaim, Pcs, PcsConfig};

#[derive(Clone, Copy)]
struct Case {
    name: &'static str,
    log_size: usize,
    columns: usize,
    config: PcsConfig,
    bare: bool,
}

fn cases() -> Vec<Case> {
    let d = PcsConfig::default();
    let mut v: Vec<Case> = [16, 18, 20, 22, 24]
        .into_iter()
        .map(|log_size| Case {
            name: "default",
            log_size,
            columns: 1,
            config: d,
            bare: false,
        })
        .collect();
    v.push(Case {
        name: "default, 16 columns",
        log_size: 22,
        columns: 16,
        config: d,
        bare: false,
    });
    v.push(Case {
        name: "bare p3-whir",
        log_size: 22,
        columns: 1,
        config: d,
        bare: true,
    });
    v.push(Case {
        name: "rate 1/4",
        log_size: 22,
        columns: 1,
        config: PcsConfig {
            log_inv_rate: 2,
            ..d
        },
        bare: false,
    });
    v.push(Case {
        name: "fold 5",
        log_size: 22,
        columns: 1,
        config: PcsConfig {
            folding_factor: 5,
            ..d
        },
        bare: false,
    });
    v.push(Case {
        name: "fold 3",
        log_size: 22,
        columns: 1,
        config: PcsConfig {
            folding_factor: 3,
            ..d
        },
        bare: false,
    });
    for pow_bits in [17, 18, 20, 22] {
        let config = PcsConfig { pow_bits, ..d };
        v.push(Case {
            name: "pow budget (bits)",
            log_size: 22,
            columns: 1,
            config,
            bare: false,
        });
    }
    v.push(Case {
        name: "pow 18, rate 1/4",
        log_size: 22,
        columns: 1,
        config: PcsConfig {
            pow_bits: 18,
            log_inv_rate: 2,
            ..d
        },
        bare: false,
    });
    v.push(Case {
        name: "default, open_owned",
        log_size: 22,
        columns: 1,
        config: d,
        bare: false,
    });
    v
}

fn rand_ef(rng: &mut StdRng) -> EF {
    EF::from_basis_coefficients_fn(|_| F::from_u64(rng.random::<u64>() >> 1))
}

fn vm_hwm_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

struct Figures {
    commit: Duration,
    open: Duration,
    proof_bytes: usize,
    verify: Duration,
}

fn run_wrapper(case: &Case) -> Figures {
    let mut rng = StdRng::seed_from_u64(1);
    let per = case.log_size - case.columns.trailing_zeros() as usize;
    let cols: Vec<Vec<F>> = (0..case.columns)
        .map(|_| {
            (0..1usize << per)
                .map(|_| F::from_u64(rng.random::<u64>() >> 1))
                .collect()
        })
        .collect();
    let claims: Vec<ColumnClaim> = cols
        .iter()
        .enumerate()
        .map(|(column, col)| {
            let point: Vec<EF> = (0..per).map(|_| rand_ef(&mut rng)).collect();
            ColumnClaim {
                column,
                value: zkinfer_poly::evaluate(col, &point),
                point,
            }
        })
        .collect();
    let pcs = Pcs::new(case.config);
    let mut tp = Transcript::new(b"bench");
    let t = Instant::now();
    let (commitment, data) = pcs.commit(&cols, &mut tp).expect("commit");
    let commit = t.elapsed();
    let t = Instant::now();
    let proof = if case.name.ends_with("open_owned") {
        pcs.open_owned(data, &claims, &mut tp)
    } else {
        pcs.open(&data, &claims, &mut tp)
    }
    .expect("open");
    let open = t.elapsed();
    let proof_bytes = bincode::serialize(&proof).expect("serialize").len();
    let verify = median(
        (0..7)
            .map(|_| {
                let mut tv = Transcript::new(b"bench");
                let t = Instant::now();
                pcs.absorb_commitment(&commitment, &mut tv).expect("absorb");
                pcs.verify(&commitment, &claims, &proof, &mut tv)
                    .expect("verify");
                t.elapsed()
            })
            .collect(),
    );
    Figures {
        commit,
        open,
        proof_bytes,
        verify,
    }
}

type Bare =
    WhirProver<EF, F, p3_dft::Radix2DFTSmallBatch<F>, KeccakMmcs, Transcript, PrefixProver<F, EF>>;

/// p3-whir driven directly: one table of one column, one prescribed point, same hash and
/// transcript, same parameters.
fn run_bare(case: &Case) -> Figures {
    let n = case.log_size;
    let mut rng = StdRng::seed_from_u64(1);
    let col: Vec<F> = (0..1usize << n)
        .map(|_| F::from_u64(rng.random::<u64>() >> 1))
        .collect();
    let point: Vec<EF> = (0..n).map(|_| rand_ef(&mut rng)).collect();
    let params = case.config.protocol_parameters_for_bench(n);
    let mmcs = KeccakMmcs::new(
        LeafHash::new(TruncatedKeccak),
        NodeCompress::new(TruncatedKeccak),
        0,
    );
    let whir = Bare::new(
        WhirConfig::new(n, params).expect("config"),
        Default::default(),
        mmcs,
    );
    let protocol = OpeningProtocol::new(vec![TableSpec::new(
        TableShape::new(n, 1),
        vec![OpeningBatch::new(vec![0], Vec::new())],
    )]);
    let points = vec![Point::new(point)];
    let mut tp = Transcript::new(b"bench");
    let t = Instant::now();
    let witness = PrefixProver::<F, EF>::new_witness(
        vec![Table::new(RowMajorMatrix::new(col, 1 << n))],
        case.config.folding_factor,
    );
    let (commitment, data) = whir.commit(witness, &mut tp).expect("commit");
    let commit = t.elapsed();
    let t = Instant::now();
    let proof = whir
        .open_at(data, &protocol, &points, &mut tp)
        .expect("open");
    let open = t.elapsed();
    let proof_bytes = bincode::serialize(&proof).expect("serialize").len();
    let verify = median(
        (0..7)
            .map(|_| {
                let mut tv = Transcript::new(b"bench");
                let t = Instant::now();
                observe_commitment::<F, _, _>(&mut tv, commitment.clone());
                whir.verify_at(&commitment, &proof, &protocol, &points, &mut tv)
                    .expect("verify");
                t.elapsed()
            })
            .collect(),
    );
    Figures {
        commit,
        open,
        proof_bytes,
        verify,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let all = cases();
    if let Some(i) = args
        .get(2)
        .filter(|_| args.get(1).is_some_and(|a| a == "--child"))
    {
        let case = all[i.parse::<usize>().expect("case index")];
        let f = if case.bare {
            run_bare(&case)
        } else {
            run_wrapper(&case)
        };
        let name = if case.name.starts_with("pow budget") {
            format!("pow budget {}", case.config.pow_bits)
        } else {
            case.name.to_owned()
        };
        println!(
            "{:<22} 2^{:<3} {:>4} {:>9.3} {:>9.3} {:>9.3} {:>10.1} {:>9.2} {:>9.0}",
            name,
            case.log_size,
            case.columns,
            f.commit.as_secs_f64(),
            f.open.as_secs_f64(),
            (f.commit + f.open).as_secs_f64(),
            f.proof_bytes as f64 / 1024.0,
            f.verify.as_secs_f64() * 1e3,
            vm_hwm_mib(),
        );
        return;
    }
    let wanted: Vec<usize> = args[1..].iter().filter_map(|a| a.parse().ok()).collect();
    let exe = std::env::current_exe().expect("own path");
    println!(
        "zkinfer-pcs: WHIR over Keccak-256 Merkle trees, Goldilocks / ext2 (one claim per column)"
    );
    println!(
        "{:<22} {:<5} {:>4} {:>9} {:>9} {:>9} {:>10} {:>9} {:>9}",
        "case",
        "size",
        "cols",
        "commit s",
        "open s",
        "total s",
        "proof KiB",
        "verify ms",
        "peak MiB"
    );
    for i in 0..all.len() {
        if !wanted.is_empty() && !wanted.contains(&i) {
            continue;
        }
        let out = Command::new(&exe)
            .args(["--child", &i.to_string()])
            .output()
            .expect("run case");
        print!("{}", String::from_utf8_lossy(&out.stdout));
        if !out.status.success() {
            eprintln!("case {i} failed: {}", String::from_utf8_lossy(&out.stderr));
        }
    }
}
