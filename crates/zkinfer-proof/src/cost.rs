//! Cost prediction: totals of the per-node costs and the time and memory models, calibrated by
//! `bench_proof` on the 2-core machine.

use crate::plan::{ColumnSpec, Cost, NodeCost};

/// The totals and predictions of a plan's per-node costs and committed columns.
#[must_use]
pub fn total(nodes: Vec<NodeCost>, witness: &[ColumnSpec], weight: &[ColumnSpec]) -> Cost {
    let committed: usize = witness.iter().map(|c| 1usize << c.num_vars).sum();
    let weights: usize = weight.iter().map(|c| 1usize << c.num_vars).sum();
    let sumcheck: usize = nodes.iter().map(|c| c.sumcheck).sum();
    let lookups: usize = nodes.iter().map(|c| c.lookups).sum();
    let macs = nodes.iter().map(|c| c.macs).sum();
    Cost {
        committed,
        weights,
        sumcheck,
        lookups,
        macs,
        predicted_prove_s: predict_seconds(committed, weights, sumcheck, lookups),
        predicted_memory_bytes: predict_memory(committed, weights),
        nodes,
    }
}

/// Time model: per element committed, per element of sumcheck, per lookup row.
#[must_use]
pub fn predict_seconds(committed: usize, weights: usize, sumcheck: usize, lookups: usize) -> f64 {
    const COMMIT_NS: f64 = 150.0;
    const SUMCHECK_NS: f64 = 60.0;
    const LOOKUP_NS: f64 = 250.0;
    ((committed + weights) as f64 * COMMIT_NS
        + sumcheck as f64 * SUMCHECK_NS
        + lookups as f64 * LOOKUP_NS)
        * 1e-9
        + 0.01
}

/// Memory model: the encoded codeword and Merkle tree dominate.
#[must_use]
pub fn predict_memory(committed: usize, weights: usize) -> u64 {
    ((committed + weights) as u64) * 96 + (64 << 20)
}
