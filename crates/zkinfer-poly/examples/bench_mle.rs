//! A public tensor's MLE at a point, as the verifier evaluates a public output: the folding
//! `evaluate` over a base-field copy of the integers against `evaluate_mapped`, which reads the
//! integers in blocks, same values, one run (best of five each).
//!
//! `cargo run --release -p zkinfer-poly --example bench_mle`
use std::time::Instant;

use zkinfer_field::{BasedVectorSpace, EF, F, PrimeCharacteristicRing};

fn to_field(v: i64) -> F {
    if v < 0 {
        -F::from_u64(v.unsigned_abs())
    } else {
        F::from_u64(v.unsigned_abs())
    }
}

fn best_ms(mut run: impl FnMut() -> EF) -> (f64, EF) {
    let mut best = f64::INFINITY;
    let mut value = EF::ZERO;
    for _ in 0..5 {
        let t = Instant::now();
        value = run();
        best = best.min(t.elapsed().as_secs_f64() * 1e3);
    }
    (best, value)
}

fn main() {
    println!("| values | to_field + evaluate ms | evaluate_mapped ms | ratio |");
    println!("|---|---|---|---|");
    // 2^20: GPT-2 124M's padded logits (16 × 65,536).
    for n in [12usize, 16, 20] {
        let values: Vec<i64> = (0..1i64 << n)
            .map(|i| (i * 7919) % 20_000 - 10_000)
            .collect();
        let point: Vec<EF> = (0..n as u64)
            .map(|i| {
                EF::from_basis_coefficients_fn(|k| F::from_u64(1_234_567 * (i + 3) + k as u64))
            })
            .collect();
        let (folded, a) = best_ms(|| {
            let evals: Vec<F> = values.iter().map(|&v| to_field(v)).collect();
            zkinfer_poly::evaluate(&evals, &point)
        });
        let (mapped, b) = best_ms(|| zkinfer_poly::evaluate_mapped(&values, to_field, &point));
        assert_eq!(a, b, "the two evaluations differ at 2^{n}");
        println!(
            "| 2^{n} | {folded:.2} | {mapped:.2} | {:.2} |",
            mapped / folded
        );
    }
}
