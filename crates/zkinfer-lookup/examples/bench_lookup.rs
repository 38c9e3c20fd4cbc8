//! LogUp-GKR benchmark: 2^16 … 2^22 lookups into a 2^16-row table (the signed 16-bit range, and
//! a 2-column function table), one witness each.
//!
//! `cargo run --release -p zkinfer-lookup --example bench_lookup [max_log_lookups]`
//!
//! Columns: multiplicity counting time, prover wall time and CPU time of all threads (best of 2;
//! `prove` re-checks membership and the counts), proof size (bincode), verifier time (best of 5), and the prover's peak resident
//! memory: `VmHWM` from `/proc/self/status`, after resetting it with `echo 5 >
//! /proc/self/clear_refs` just before `prove` (so it includes the witness, already resident).

use std::time::Instant;

use zkinfer_field::{F, Transcript, from_signed};
use zkinfer_lookup::{LookupInstance, Table, multiplicities, prove, verify};

/// A stand-in activation for the function table (the engine supplies the model's own).
fn relu_half(i: i64) -> i64 {
    i.max(0) / 2
}

fn xorshift(seed: u64) -> impl FnMut() -> u64 {
    let mut s = seed;
    move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    }
}

/// This process's user + system CPU time in milliseconds (`/proc/self/stat`, 100 Hz ticks): all
/// threads together, so it is robust to other load on the machine where wall time is not.
fn cpu_ms() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i)?.parse::<f64>().ok();
    Some((ticks(11)? + ticks(12)?) * 10.0)
}

/// Resets the peak-RSS counter (Linux ≥ 4.0); returns whether it worked.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// `VmHWM` in MiB, if readable.
fn peak_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn bench(table: &Table, log_n: usize) {
    let mut rnd = xorshift(0x9E37_79B9_7F4A_7C15 ^ log_n as u64);
    let inputs: Vec<i64> = (0..1usize << log_n)
        .map(|_| (rnd() % 65536) as i64 - 32768)
        .collect();
    let mut cols: Vec<Vec<F>> = vec![inputs.iter().map(|&v| from_signed(v)).collect()];
    if let Table::Function { outputs, .. } = table {
        cols.push(
            inputs
                .iter()
                .map(|&v| from_signed(outputs[(v + 32768) as usize]))
                .collect(),
        );
    }
    let witness: Vec<&[F]> = cols.iter().map(Vec::as_slice).collect();
    let witnesses = vec![witness];

    let t0 = Instant::now();
    let m = multiplicities(table, &witnesses).expect("witness in table");
    let t_mult = t0.elapsed();

    let instance = LookupInstance { table, witnesses };
    // Best of two runs for time; the peak of the first run (after a reset).
    let peak_ok = reset_peak();
    let mut t_prove = f64::MAX;
    let mut cpu_prove = f64::MAX;
    let mut peak = None;
    let mut proof = None;
    for rep in 0..2 {
        let (t0, c0) = (Instant::now(), cpu_ms());
        let mut tp = Transcript::new(b"bench");
        let (p, _claims) = prove(&instance, &m, &mut tp).expect("honest proof");
        t_prove = t_prove.min(t0.elapsed().as_secs_f64() * 1e3);
        if let (Some(a), Some(b)) = (c0, cpu_ms()) {
            cpu_prove = cpu_prove.min(b - a);
        }
        if rep == 0 {
            peak = peak_mib().filter(|_| peak_ok);
        }
        proof = Some(p);
    }
    let proof = proof.expect("two runs");

    let bytes = bincode::serialize(&proof).expect("serialize").len();
    let shapes = [log_n];
    let mut best = f64::MAX;
    for _ in 0..5 {
        let t0 = Instant::now();
        let mut tv = Transcript::new(b"bench");
        let _claims = verify(table, &shapes, &proof, &mut tv).expect("verifies");
        best = best.min(t0.elapsed().as_secs_f64() * 1e3);
    }
    println!(
        "| {:<22} | 2^{log_n:<2} | {:>7.1} | {:>8.1} | {:>12.0} | {:>9.1} | {:>9.2} | {:>8} |",
        table.describe(),
        t_mult.as_secs_f64() * 1e3,
        t_prove,
        cpu_prove,
        bytes as f64 / 1024.0,
        best,
        peak.map_or("n/a".to_string(), |p| format!("{p:.0}")),
    );
}

fn tables() -> [Table; 2] {
    [
        Table::SignedRange { bits: 16 },
        Table::function("relu_half", 16, relu_half).expect("16-bit table"),
    ]
}

/// Each configuration runs in a fresh process (`--one <table> <log_n>`), so the peak memory of
/// one is not inflated by what an earlier one left in the allocator.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let [_, flag, table, log_n] = args.as_slice()
        && flag == "--one"
    {
        let table: usize = table.parse().expect("table index");
        let log_n: usize = log_n.parse().expect("log_n");
        bench(&tables()[table], log_n);
        return;
    }
    let max_log: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(22);
    let exe = std::env::current_exe().expect("own path");
    println!(
        "threads: {}",
        std::thread::available_parallelism().map_or(1, usize::from)
    );
    println!(
        "| table                  | N    | mult ms | prove ms | prove CPU ms | proof KiB | verify ms | peak MiB |"
    );
    println!(
        "|------------------------|------|---------|----------|--------------|-----------|-----------|----------|"
    );
    for table in 0..tables().len() {
        for log_n in (16..=max_log).step_by(2) {
            let out = std::process::Command::new(&exe)
                .args(["--one", &table.to_string(), &log_n.to_string()])
                .output()
                .expect("run one configuration");
            print!("{}", String::from_utf8_lossy(&out.stdout));
        }
    }
}
