//! The masked-first-round prototype (`zkinfer_pcs::masked`, docs/PROOF_SIZE.md §2.i) against
//! today's hiding opening (`HidingPcs`, as the engine configures it) on the same column, in one
//! run: commit, open, verify, proof size (the masked proof by part).
//!
//! `cargo run --release -p zkinfer-pcs --example bench_masked [-- LOG_SIZE …]` (default 16 18 20)
//!
//! Then the joint opening (`open_joint`): a weights column committed once for `T = 256` uses
//! (`commit_reusable`) and a witness column committed at its stack size, opened together — the
//! shape of the engine's joint opening (docs/ZK.md §15) — for a 2,410-parameter MLP's weights
//! (2^12, witness 2^14) and LeNet-5's (≈ 62k weights: 2^16, witness 2^18). `ZKINFER_JOINT=0` skips
//! it.
//!
//! The data: one column of `2^LOG_SIZE` uniform elements, two claims at random points, one
//! opening. Sizes are bincode with variable-length integers (the hiding proof's own wire
//! encoding). Verify is the median of 5 runs, each with a fresh transcript.

use std::time::{Duration, Instant};

use bincode::Options;
use rand::{Rng, SeedableRng, rngs::StdRng};
use zkinfer_field::PrimeCharacteristicRing;
use zkinfer_field::{BasedVectorSpace, EF, F, Transcript};
use zkinfer_pcs::masked::{MaskedConfig, MaskedPcs, MaskedProof};
use zkinfer_pcs::{ColumnClaim, HidingPcs, PcsConfig, StackClaim};

fn wire<T: serde::Serialize>(value: &T) -> usize {
    bincode::DefaultOptions::new()
        .with_varint_encoding()
        .serialize(value)
        .map_or(0, |b| b.len())
}

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs.get(runs.len() / 2).copied().unwrap_or_default()
}

fn kib(bytes: usize) -> f64 {
    bytes as f64 / 1024.0
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![16, 18, 20]
    } else {
        sizes
    };
    let config = MaskedConfig::default();
    println!(
        "masked: k = {}, rate 1/{}, {} rows, {} bits of grinding; plain opening of P₁: {:?}",
        config.fold,
        1 << config.log_inv_rate,
        config.queries,
        config.pow_bits,
        config.plain
    );
    println!(
        "| column | scheme | commit s | open s | verify ms | proof KiB | rows | paths | plain opening | rest |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for d in sizes {
        let mut rng = StdRng::seed_from_u64(d as u64);
        let column: Vec<F> = (0..1usize << d)
            .map(|_| F::from_u64(rng.random::<u64>() >> 1))
            .collect();
        let claims: Vec<(Vec<EF>, EF)> = (0..2)
            .map(|_| {
                let p: Vec<EF> = (0..d)
                    .map(|_| {
                        EF::from_basis_coefficients_fn(|_| F::from_u64(rng.random::<u64>() >> 1))
                    })
                    .collect();
                let v = zkinfer_poly::evaluate::<F, EF>(&column, &p);
                (p, v)
            })
            .collect();

        // The prototype.
        let masked = MaskedPcs::new(config.clone());
        let mut zk_rng = <rand_zk::rngs::StdRng as rand_zk::SeedableRng>::seed_from_u64(7);
        let mut t = Transcript::new(b"bench-masked");
        let start = Instant::now();
        let (c, data) = masked.commit(&column, &mut zk_rng, &mut t).expect("commit");
        let commit = start.elapsed();
        let start = Instant::now();
        let proof: MaskedProof = masked.open(&data, &claims, &mut t).expect("open");
        let open = start.elapsed();
        drop(data);
        let verify = median(
            (0..5)
                .map(|_| {
                    let mut t = Transcript::new(b"bench-masked");
                    let start = Instant::now();
                    masked.absorb_commitment(&c, &mut t).expect("absorb");
                    masked.verify(&c, &claims, &proof, &mut t).expect("verify");
                    start.elapsed()
                })
                .collect(),
        );
        let total = wire(&proof);
        let rows: usize = proof.rows.iter().map(wire).sum();
        let paths = wire(&proof.paths);
        let plain = wire(&proof.plain) + wire(&proof.folded);
        println!(
            "| 2^{d} | masked (prototype) | {:.3} | {:.3} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} |",
            secs(commit),
            secs(open),
            secs(verify) * 1e3,
            kib(total),
            kib(rows),
            kib(paths),
            kib(plain),
            kib(total.saturating_sub(rows + paths + plain)),
        );

        // Today's hiding opening of the same column.
        let hiding = HidingPcs::new(PcsConfig::default().hiding_for()).expect("config");
        let column_claims: Vec<ColumnClaim> = claims
            .iter()
            .map(|(p, v)| ColumnClaim {
                column: 0,
                point: p.clone(),
                value: *v,
            })
            .collect();
        let columns = vec![column];
        let mut t = Transcript::new(b"bench-hiding");
        let start = Instant::now();
        let (hc, hdata) = hiding.commit(&columns, &mut t).expect("commit");
        let commit = start.elapsed();
        let start = Instant::now();
        let hproof = hiding.open(hdata, &column_claims, &mut t).expect("open");
        let open = start.elapsed();
        let verify = median(
            (0..5)
                .map(|_| {
                    let mut t = Transcript::new(b"bench-hiding");
                    let start = Instant::now();
                    hiding.absorb_commitment(&hc, &mut t).expect("absorb");
                    hiding
                        .verify(&hc, &column_claims, &hproof, &mut t)
                        .expect("verify");
                    start.elapsed()
                })
                .collect(),
        );
        let hsize = hproof.to_wire().len();
        println!(
            "| 2^{d} | hiding (HidingPcs, today) | {:.3} | {:.3} | {:.1} | {:.1} | | | | |",
            secs(commit),
            secs(open),
            secs(verify) * 1e3,
            kib(hsize),
        );
        println!(
            "| 2^{d} | ratio masked / hiding | | | | {:.2} | | | | |",
            total as f64 / hsize as f64
        );
    }
    if std::env::var("ZKINFER_JOINT").as_deref() == Ok("0") {
        return;
    }
    println!();
    println!(
        "| weights | witness | T | stack | commit weights s | commit witness s | open s | verify ms | proof KiB | witness rows + paths | weights rows + paths | plain opening | rest |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (dw, dx) in [(12usize, 14usize), (16, 18)] {
        let uses = 256;
        let mut rng = StdRng::seed_from_u64((dw * 100 + dx) as u64);
        let mut col = |d: usize| -> Vec<F> {
            (0..1usize << d)
                .map(|_| F::from_u64(rng.random::<u64>() >> 1))
                .collect()
        };
        let weights = col(dw);
        let witness = col(dx);
        let mut claims_on = |column: &[F], d: usize| -> Vec<(Vec<EF>, EF)> {
            (0..2)
                .map(|_| {
                    let p: Vec<EF> = (0..d)
                        .map(|_| {
                            EF::from_basis_coefficients_fn(|_| {
                                F::from_u64(rng.random::<u64>() >> 1)
                            })
                        })
                        .collect();
                    let v = zkinfer_poly::evaluate::<F, EF>(column, &p);
                    (p, v)
                })
                .collect()
        };
        let w_claims = claims_on(&weights, dw);
        let x_claims = claims_on(&witness, dx);
        let masked = MaskedPcs::new(config.clone());
        let mut zk_rng = <rand_zk::rngs::StdRng as rand_zk::SeedableRng>::seed_from_u64(9);
        let mut t = Transcript::new(b"bench-joint");
        let start = Instant::now();
        let (wc, wd) = masked
            .commit_reusable(&weights, uses, &mut zk_rng, &mut t)
            .expect("commit weights");
        let commit_w = start.elapsed();
        let start = Instant::now();
        let (xc, xd) = masked
            .commit_at(&witness, wc.stack_vars, &mut zk_rng, &mut t)
            .expect("commit witness");
        let commit_x = start.elapsed();
        let start = Instant::now();
        let proof = masked
            .open_joint(&wd, &w_claims, &xd, &x_claims, &mut t)
            .expect("open");
        let open = start.elapsed();
        let verify = median(
            (0..5)
                .map(|_| {
                    let mut t = Transcript::new(b"bench-joint");
                    let start = Instant::now();
                    masked.absorb_commitment(&wc, &mut t).expect("absorb");
                    masked.absorb_commitment(&xc, &mut t).expect("absorb");
                    masked
                        .verify_joint(&wc, &w_claims, &xc, &x_claims, &proof, &mut t)
                        .expect("verify");
                    start.elapsed()
                })
                .collect(),
        );
        let total = wire(&proof);
        let x_part: usize = proof.rows.iter().map(wire).sum::<usize>() + wire(&proof.paths);
        let w_part: usize =
            proof.weights_rows.iter().map(wire).sum::<usize>() + wire(&proof.weights_paths);
        let plain = wire(&proof.plain) + wire(&proof.folded);
        let masked_total = total;
        println!(
            "| 2^{dw} | 2^{dx} | {uses} | 2^{} | {:.3} | {:.3} | {:.3} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} |",
            wc.stack_vars,
            secs(commit_w),
            secs(commit_x),
            secs(open),
            secs(verify) * 1e3,
            kib(total),
            kib(x_part),
            kib(w_part),
            kib(plain),
            kib(total.saturating_sub(x_part + w_part + plain)),
        );

        // Today's engine path on the same shapes: `HidingPcs`'s reusable commitment and joint
        // opening (one claim on the weights' stack, as the engine's weights opening makes).
        let hiding = HidingPcs::new(PcsConfig::hiding_default()).expect("config");
        let mut t = Transcript::new(b"bench-hiding-joint");
        let start = Instant::now();
        let (hw, hwd) = hiding
            .commit_reusable(std::slice::from_ref(&weights), uses, &mut t)
            .expect("commit weights");
        let h_commit_w = start.elapsed();
        let stored = hwd.into_stored();
        let stack = hiding
            .stored_stacked_values(&stored)
            .expect("stack")
            .into_owned();
        let p: Vec<EF> = (0..stack.len().trailing_zeros())
            .map(|_| EF::from_basis_coefficients_fn(|_| F::from_u64(rng.random::<u64>() >> 1)))
            .collect();
        let w_stack = vec![StackClaim {
            value: zkinfer_poly::evaluate::<F, EF>(&stack, &p),
            point: p,
        }];
        let Ok(shape) = hiding.joint_shape(&hw, &[dx]) else {
            println!(
                "| 2^{dw} | 2^{dx} | {uses} | hiding: no joint shape (opened apart) | | | | | | | | | |"
            );
            continue;
        };
        let x_col: Vec<ColumnClaim> = x_claims
            .iter()
            .map(|(p, v)| ColumnClaim {
                column: 0,
                point: p.clone(),
                value: *v,
            })
            .collect();
        let mut t = Transcript::new(b"bench-hiding-joint");
        hiding
            .absorb_reusable_commitment(&hw, &mut t)
            .expect("absorb");
        let start = Instant::now();
        let (hx, hxd) = hiding
            .commit_joint(&shape, std::slice::from_ref(&witness), &mut t)
            .expect("commit witness");
        let h_commit_x = start.elapsed();
        let start = Instant::now();
        let hproof = hiding
            .open_joint(&shape, &stored, &hw, &w_stack, hxd, &x_col, &[], &mut t)
            .expect("open");
        let h_open = start.elapsed();
        let h_verify = median(
            (0..5)
                .map(|_| {
                    let mut t = Transcript::new(b"bench-hiding-joint");
                    let start = Instant::now();
                    hiding
                        .absorb_reusable_commitment(&hw, &mut t)
                        .expect("absorb");
                    hiding
                        .absorb_joint_commitment(&shape, &hx, &mut t)
                        .expect("absorb");
                    hiding
                        .verify_joint(&shape, &hw, &w_stack, &hx, &x_col, &[], &hproof, &mut t)
                        .expect("verify");
                    start.elapsed()
                })
                .collect(),
        );
        let h_total = hproof.to_wire().len();
        println!(
            "| 2^{dw} | 2^{dx} | {uses} | hiding (today), 2^{} | {:.3} | {:.3} | {:.3} | {:.1} | {:.1} | | | | |",
            shape.stacked_vars(),
            secs(h_commit_w),
            secs(h_commit_x),
            secs(h_open),
            secs(h_verify) * 1e3,
            kib(h_total),
        );
        println!(
            "| 2^{dw} | 2^{dx} | ratio masked / hiding | | | | | | {:.2} | | | | |",
            masked_total as f64 / h_total as f64
        );
    }
}
