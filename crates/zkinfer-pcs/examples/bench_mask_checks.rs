//! The verifier's two largest loops on a reusable (weights) opening, timed alone at the shapes of
//! the bench's proofs: the mask spot checks' re-encoding (`padded_ood_t1_packed`: a reveal of
//! `T·t + mq` extension elements at eight points per call) and the code-switch covector's power
//! runs (`add_power_runs_packed`: one 4096-slot chunk, every STIR query point). One thread.
//!
//! `cargo run --release -p zkinfer-pcs --example bench_mask_checks`
use std::hint::black_box;
use std::time::Instant;

use p3_field::{BasedVectorSpace, PrimeCharacteristicRing};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use zkinfer_field::{EF, F};

fn random_base(rng: &mut SmallRng) -> F {
    F::from_u64(rng.random())
}

fn random_ext(rng: &mut SmallRng) -> EF {
    EF::from_basis_coefficients_fn(|_| random_base(rng))
}

/// Best of five, in nanoseconds per (point, coefficient) step.
fn best_ns_per_step(steps: usize, mut run: impl FnMut()) -> f64 {
    (0..5)
        .map(|_| {
            let t = Instant::now();
            run();
            t.elapsed().as_secs_f64() * 1e9 / steps as f64
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let mut rng = SmallRng::seed_from_u64(1);
    println!("| loop | shape | ns per step | ms per call |");
    println!("|---|---|---|---|");
    // LeNet-5 (T·t = 23,552) and one GPT-2 124M weights group (T·t = 51,968); mq ≈ 110.
    for (name, reveal) in [("LeNet-5", 23_552 + 110), ("GPT-2 group", 51_968 + 110)] {
        let msg: Vec<EF> = (0..reveal).map(|_| random_ext(&mut rng)).collect();
        let rand_part: Vec<EF> = (0..110).map(|_| random_ext(&mut rng)).collect();
        let points: Vec<F> = (0..8).map(|_| random_base(&mut rng)).collect();
        let steps = 8 * (reveal + 110);
        let ns = best_ns_per_step(steps, || {
            black_box(p3_whir::padded_ood_t1_packed(
                black_box(&points),
                &msg,
                &rand_part,
            ));
        });
        println!(
            "| re-encoding (`padded_ood_t1_packed`) | {name}: 8 points × {} | {ns:.2} | {:.3} |",
            reveal + 110,
            ns * steps as f64 * 1e-6
        );
    }
    for (name, queries) in [("LeNet-5", 92 + 1), ("GPT-2 group", 203 + 1)] {
        let runs: Vec<(EF, F)> = (0..queries)
            .map(|_| (random_ext(&mut rng), random_base(&mut rng)))
            .collect();
        let mut out = vec![EF::ZERO; 4096];
        let steps = queries * out.len();
        let ns = best_ns_per_step(steps, || {
            p3_whir::add_power_runs_packed(black_box(&mut out), &runs);
        });
        println!(
            "| covector (`add_power_runs_packed`) | {name}: {queries} points × 4096 slots | {ns:.2} | {:.3} |",
            ns * steps as f64 * 1e-6
        );
    }
}
