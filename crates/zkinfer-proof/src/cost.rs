//! Cost prediction: totals of the per-node costs and the time and memory models.
//!
//! The time constants are fitted (smallest worst-case relative error) to the bench's measurements
//! (`cargo run --release -p zkinfer-cli --example bench -- --cost` three times, the median per
//! model, then `-- --cost resnet18-cifar mobilenet_v2`) and GPT-2 124M's on the 2-core / 24 GiB
//! machine of docs/BENCHMARKS.md ("The cost model", refit of stop 27), where every model's
//! prediction is set beside its measurement; the memory constants come from the first fit. Prove time is the
//! prover's wall time on 2 threads with the proving key loaded; peak memory is the resident peak
//! of loading the key and proving, which on every bench model exceeds setup's. The private
//! weights' cost is that of their codeword ([`crate::weights::codeword_len`] at the default
//! budget of proofs): a proof re-derives and opens it, or, when setup keeps the commitment's data
//! in the key (the default up to [`crate::weights::STORED_DATA_AUTO_LIMIT`], proving-key format
//! 11), opens it from the key — [`STORED_CODEWORD_NS`] and [`STORED_CODEWORD_BYTES`], set from
//! the same-run seed-only / stored pairs of docs/BENCHMARKS.md ("Weights committed once, hiding"),
//! not a refit. The public-weights constants come from one measurement (GPT-2 124M,
//! docs/BENCHMARKS.md), not a fit.

use zkinfer_pcs::PcsConfig;

use crate::plan::{ColumnSpec, Cost, NodeCost};
use crate::weights::{DEFAULT_MAX_PROOFS, WeightShapes};

/// Time per element committed per proof (encoding, hashing, the hiding opening, and the
/// sumchecks and lookups over the same tensors, which scale with it).
const COMMITTED_NS: f64 = 150.0;
/// Time per element of the private weights' codeword (re-derived from the key's seed, hashed
/// and opened by every proof), including the weights' share of the sumchecks.
const CODEWORD_NS: f64 = 20.0;
/// [`CODEWORD_NS`] for a key that stores the commitment's data: the encoding and hashing are
/// gone (ResNet-18, LeNet-5, MLP: 13–22 ns per codeword element saved, same run).
const STORED_CODEWORD_NS: f64 = 4.0;
/// Time per private weight element committed (a padded column's, or its pieces' when it is
/// committed as pieces): the walk's sumchecks over the weights and the groups' claim reductions
/// over their stacks. Small models' codewords are enlarged to 2^23 or
/// 2^24 elements whatever their weights, so [`CODEWORD_NS`] cannot carry what grows with the
/// weights themselves; GPT-2 124M and ResNet-18 set it.
const PRIVATE_WEIGHT_NS: f64 = 138.0;
/// Seconds per proof of the private weights' opening that do not grow with the codeword: the
/// reusable commitment's round-0 mask of `T·t` revealed elements (its encoding, tree and spot
/// checks; docs/PROOF_SIZE.md §2.b), ≈ 0.2 s at the default `T = 256` on every small model.
const REUSABLE_OPENING_S: f64 = 0.23;
/// Time per public weight element (the sumchecks only; nothing is opened).
const PUBLIC_WEIGHT_NS: f64 = 25.0;
/// Time per looked-up row (LogUp-GKR), beyond its committed multiplicities.
const LOOKUP_NS: f64 = 450.0;
/// Peak bytes per element committed per proof (the witness, its codeword and Merkle tree, the
/// sumcheck tables).
const COMMITTED_BYTES: u64 = 300;
/// Peak bytes per element of the private weights' codeword (the codeword, its Merkle tree).
const CODEWORD_BYTES: u64 = 19;
/// [`CODEWORD_BYTES`] for a key that stores the commitment's data (no codeword in memory; its
/// tree's digest layers and the stack are): ResNet-18's 3,012–3,015 MiB peak in a fresh prover
/// process (bench, 2026-12-05), less the committed elements' share, over its 2^28 elements.
const STORED_CODEWORD_BYTES: u64 = 9;
/// Peak bytes per public weight element (the values and their field elements).
const PUBLIC_WEIGHT_BYTES: u64 = 25;

/// The totals and predictions of a plan's per-node costs and committed columns;
/// `public_weights`: the weights are in the verifying key, not committed.
#[must_use]
pub fn total(
    nodes: Vec<NodeCost>,
    witness: &[ColumnSpec],
    weight: &WeightShapes,
    public_weights: bool,
) -> Cost {
    let committed: usize = witness.iter().map(|c| 1usize << c.num_vars).sum();
    let weights: usize = weight.vars().iter().map(|&n| 1usize << n).sum();
    // Every group's codeword is re-derived (time); one group's is held at a time (memory).
    let (weights_codeword, largest_codeword) = if public_weights || weight.vars().is_empty() {
        (0, 0)
    } else {
        // Shapes the commitment refuses (setup will say why) are costed as a rate-1/8 stack.
        let fallback = weights.next_power_of_two().saturating_mul(8);
        let pcs = PcsConfig::default();
        (
            crate::weights::codeword_len(pcs, weight, DEFAULT_MAX_PROOFS).unwrap_or(fallback),
            crate::weights::largest_group_codeword(pcs, weight, DEFAULT_MAX_PROOFS)
                .unwrap_or(fallback),
        )
    };
    // Setup's default keeps the commitment's data when the trees fit the limit (a tree is about
    // 9 bytes per codeword element: values, salts, digests).
    let stored = weights_codeword.saturating_mul(9) <= crate::weights::STORED_DATA_AUTO_LIMIT;
    let sumcheck: usize = nodes.iter().map(|c| c.sumcheck).sum();
    let lookups: usize = nodes.iter().map(|c| c.lookups).sum();
    let macs = nodes.iter().map(|c| c.macs).sum();
    Cost {
        committed,
        weights,
        weights_codeword,
        sumcheck,
        lookups,
        macs,
        // The private weights' reductions and openings work on the committed elements (a padded
        // tensor committed as pieces is smaller than its table).
        predicted_prove_s: predict_seconds(
            committed,
            if public_weights {
                weights
            } else {
                weight.committed_len()
            },
            weights_codeword,
            lookups,
            stored,
        ),
        predicted_memory_bytes: predict_memory(committed, weights, largest_codeword, stored),
        nodes,
    }
}

/// Time model: per element committed per proof, per element of the private weights' codeword
/// (re-derived and opened by every proof, or opened from the key's stored data: `stored`), per
/// weight element (private or public), per lookup row, and a fixed part of the private weights'
/// opening.
#[must_use]
pub fn predict_seconds(
    committed: usize,
    weights: usize,
    weights_codeword: usize,
    lookups: usize,
    stored: bool,
) -> f64 {
    let codeword_ns = if stored {
        STORED_CODEWORD_NS
    } else {
        CODEWORD_NS
    };
    let (per_weight, fixed) = if weights_codeword == 0 {
        (PUBLIC_WEIGHT_NS, 0.0)
    } else {
        (PRIVATE_WEIGHT_NS, REUSABLE_OPENING_S)
    };
    fixed
        + (committed as f64 * COMMITTED_NS
            + weights_codeword as f64 * codeword_ns
            + weights as f64 * per_weight
            + lookups as f64 * LOOKUP_NS)
            * 1e-9
}

/// Memory model: per element committed, per element of the private weights' codeword (of the
/// largest group: a proof opens one group at a time; less when the key stores the data:
/// `stored`), per public weight element.
#[must_use]
pub fn predict_memory(
    committed: usize,
    weights: usize,
    weights_codeword: usize,
    stored: bool,
) -> u64 {
    let public = if weights_codeword == 0 { weights } else { 0 };
    let codeword_bytes = if stored {
        STORED_CODEWORD_BYTES
    } else {
        CODEWORD_BYTES
    };
    (committed as u64)
        .saturating_mul(COMMITTED_BYTES)
        .saturating_add((weights_codeword as u64).saturating_mul(codeword_bytes))
        .saturating_add((public as u64).saturating_mul(PUBLIC_WEIGHT_BYTES))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_larger_codeword_costs_more() {
        let (c, w, l) = (1 << 20, 1 << 22, 1 << 18);
        for stored in [false, true] {
            let s = |c, w, cw, l| predict_seconds(c, w, cw, l, stored);
            assert!(s(c, w, w << 2, l) > s(c, w, w << 1, l));
            // More private weights behind the same codeword cost more (their sumchecks).
            assert!(s(c, w << 1, w << 2, l) > s(c, w, w << 2, l));
            // Private weights pay the opening's fixed part; public weights open nothing.
            assert!(s(0, 1, 1, 0) >= REUSABLE_OPENING_S);
            assert!(s(0, 1, 0, 0) < 1e-6);
            assert!(predict_memory(c, w, w << 2, stored) > predict_memory(c, w, w << 1, stored));
            // Saturates instead of overflowing on absurd sizes.
            assert_eq!(predict_memory(usize::MAX, 0, usize::MAX, stored), u64::MAX);
        }
        // A key that stores the commitment's data skips encoding and hashing it.
        assert!(predict_seconds(c, w, w << 3, l, true) < predict_seconds(c, w, w << 3, l, false));
        assert!(predict_memory(c, w, w << 3, true) < predict_memory(c, w, w << 3, false));
    }

    /// The private weights' codeword is what the commitment makes: at least the padded weights
    /// at the base rate, and enlarged for a small stack (the budget of proofs must fit).
    #[test]
    fn the_codeword_follows_the_commitment() {
        let big = crate::weights::codeword_len(
            PcsConfig::default(),
            &[20][..].into(),
            DEFAULT_MAX_PROOFS,
        )
        .expect("a 2^20 stack commits");
        assert!(big >= 1 << 21, "{big}");
        let small =
            crate::weights::codeword_len(PcsConfig::default(), &[8][..].into(), DEFAULT_MAX_PROOFS)
                .expect("a 2^8 stack commits");
        assert!(small > 1 << 9, "enlarged: {small}");
    }
}
