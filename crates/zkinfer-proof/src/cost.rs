//! Cost prediction: totals of the per-node costs and the time and memory models.
//!
//! The constants are fitted (least relative error, non-negative) to the bench
//! (`cargo run --release -p zkinfer-cli --example bench -- --cost`, and `resnet18-cifar`,
//! `mobilenet_v2`) on the 2-core / 24 GiB machine of docs/BENCHMARKS.md ("The cost model"), where
//! every model's prediction is set beside its measurement. Prove time is the prover's wall time on
//! 2 threads with the proving key loaded; peak memory is the resident peak of loading the key and
//! proving, which on every bench model exceeds setup's. The public-weights constants come from
//! one measurement (GPT-2 124M, docs/BENCHMARKS.md).

use crate::plan::{ColumnSpec, Cost, NodeCost};

/// Time per element committed per proof (encoding, hashing, the hiding opening, and the
/// sumchecks and lookups over the same tensors, which scale with it).
const COMMITTED_NS: f64 = 710.0;
/// Time per private weight element (its share of the sumchecks, the opening of the stored
/// commitment).
const PRIVATE_WEIGHT_NS: f64 = 625.0;
/// Time per public weight element (the sumchecks only; nothing is opened).
const PUBLIC_WEIGHT_NS: f64 = 15.0;
/// Time per looked-up row (LogUp-GKR), beyond its committed multiplicities.
const LOOKUP_NS: f64 = 270.0;
/// Resident memory of the prover before any model-sized data.
const BASE_BYTES: u64 = 39 << 20;
/// Peak bytes per element committed per proof (the witness, its codeword and Merkle tree, the
/// sumcheck tables).
const COMMITTED_BYTES: u64 = 334;
/// Peak bytes per private weight element (the proving key's stored codeword and Merkle tree).
const PRIVATE_WEIGHT_BYTES: u64 = 252;
/// Peak bytes per public weight element (the values and their field elements).
const PUBLIC_WEIGHT_BYTES: u64 = 23;

/// The totals and predictions of a plan's per-node costs and committed columns;
/// `public_weights`: the weights are in the verifying key, not committed.
#[must_use]
pub fn total(
    nodes: Vec<NodeCost>,
    witness: &[ColumnSpec],
    weight: &[ColumnSpec],
    public_weights: bool,
) -> Cost {
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
        predicted_prove_s: predict_seconds(committed, weights, lookups, public_weights),
        predicted_memory_bytes: predict_memory(committed, weights, public_weights),
        nodes,
    }
}

/// Time model: per element committed, per weight element, per lookup row.
#[must_use]
pub fn predict_seconds(
    committed: usize,
    weights: usize,
    lookups: usize,
    public_weights: bool,
) -> f64 {
    let weight_ns = if public_weights {
        PUBLIC_WEIGHT_NS
    } else {
        PRIVATE_WEIGHT_NS
    };
    (committed as f64 * COMMITTED_NS + weights as f64 * weight_ns + lookups as f64 * LOOKUP_NS)
        * 1e-9
}

/// Memory model: a base, per element committed, per weight element.
#[must_use]
pub fn predict_memory(committed: usize, weights: usize, public_weights: bool) -> u64 {
    let weight_bytes = if public_weights {
        PUBLIC_WEIGHT_BYTES
    } else {
        PRIVATE_WEIGHT_BYTES
    };
    BASE_BYTES
        .saturating_add((committed as u64).saturating_mul(COMMITTED_BYTES))
        .saturating_add((weights as u64).saturating_mul(weight_bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_weights_cost_less_than_private() {
        let (c, w, l) = (1 << 20, 1 << 24, 1 << 18);
        assert!(predict_seconds(c, w, l, true) < predict_seconds(c, w, l, false));
        assert!(predict_memory(c, w, true) < predict_memory(c, w, false));
        // Saturates instead of overflowing on absurd sizes.
        assert_eq!(predict_memory(usize::MAX, usize::MAX, false), u64::MAX);
    }
}
