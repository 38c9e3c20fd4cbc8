//! Keccak-256 as the transcript and the Merkle trees use it, one run: single messages through
//! p3-keccak's `Keccak256Hash` (tiny-keccak's one-state Keccak-f\[1600\], built at opt-level "s":
//! the workspace `Cargo.toml` says why) against the same messages eight at a time through its
//! vectorized `hash_many`, per message.
//!
//! `cargo run --release -p zkinfer-field --example bench_keccak`
use std::hint::black_box;
use std::time::Instant;

use p3_keccak::Keccak256Hash;
use p3_symmetric::CryptographicHasher;

fn main() {
    println!("| message bytes | one message ns | per message in hash_many ns | one / many |");
    println!("|---|---|---|---|");
    // 377 bytes: the mean of GPT-2 124M's verifier transcript hashes (docs/BENCHMARKS.md).
    for len in [64usize, 136, 377, 1024, 8192] {
        let lanes = 64;
        let messages: Vec<u8> = (0..len * lanes).map(|i| (i * 31 + 7) as u8).collect();
        let reps = (2_000_000 / len).max(200);
        let mut acc = 0u8;
        let mut one = f64::INFINITY;
        let mut many = f64::INFINITY;
        // Best of three rounds, both measured in each.
        for _ in 0..3 {
            let t = Instant::now();
            for r in 0..reps {
                let m = &messages[(r % lanes) * len..][..len];
                acc ^= Keccak256Hash.hash_slice(black_box(m))[0];
            }
            one = one.min(t.elapsed().as_secs_f64() * 1e9 / reps as f64);
            let mut out = vec![[0u8; 32]; lanes];
            let t = Instant::now();
            for _ in 0..reps.div_ceil(lanes) {
                Keccak256Hash.hash_many(black_box(&messages), &mut out);
                acc ^= out[0][0];
            }
            many =
                many.min(t.elapsed().as_secs_f64() * 1e9 / (reps.div_ceil(lanes) * lanes) as f64);
        }
        black_box(acc);
        println!("| {len} | {one:.0} | {many:.0} | {:.2} |", one / many);
    }
}
