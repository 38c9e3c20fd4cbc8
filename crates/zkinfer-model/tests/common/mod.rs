#![allow(dead_code)]
//! Shared test helpers.

use std::path::PathBuf;

use serde::Deserialize;

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

#[derive(Deserialize)]
pub struct Expected {
    pub output_data: Vec<Vec<f32>>,
    pub shape: Vec<usize>,
}

pub fn expected(model: &str) -> Expected {
    let text = std::fs::read_to_string(fixture(&format!("{model}.expected.json"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[derive(Deserialize)]
pub struct Digits {
    pub inputs: Vec<Vec<f32>>,
    pub labels: Vec<usize>,
}

pub fn digits() -> Digits {
    serde_json::from_str(&std::fs::read_to_string(fixture("digits_test.json")).unwrap()).unwrap()
}

pub fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// Deterministic perturbations of a sample (for calibration sets): x · (1 + δ) + ε with small δ, ε.
pub fn perturb(x: &[f32], seed: u64, amount: f32) -> Vec<f32> {
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    x.iter()
        .map(|&v| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let u = ((s >> 33) as f32 / (1u64 << 31) as f32) - 0.5;
            v + amount * u * (1.0 + v.abs())
        })
        .collect()
}
