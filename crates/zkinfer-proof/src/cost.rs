//! Cost prediction: totals of the per-node costs and the time and memory models.
//!
//! The time constants are fitted (smallest worst-case relative error) to the bench's measurements
//! (`cargo run --release -p zkinfer-cli --example bench -- --cost` three times, the median per
//! model, then `-- --cost resnet18-cifar mobilenet_v2`) and GPT-2 124M's on the 2-core / 24 GiB
//! machine of docs/BENCHMARKS.md ("The cost model", refit of stop 27), where every model's
//! prediction is set beside its measurement; time and memory refitted in stop 33 (one `--cost`
//! run of every bench model at the stop's code and GPT-2 124M's `zkinfer prove`; section "The
//! cost model, refit after the stored openings"; the two per-private-weight constants again in stop
//! 36, "Prover memory"). Prove time is the prover's wall time on 2 threads with the
//! proving key loaded; peak memory is the resident peak of loading the key and proving, which on
//! every bench model exceeds setup's. The private weights' cost is that of their codeword
//! ([`crate::weights::codeword_len`] at the default budget of proofs) and of their committed
//! elements: a proof re-derives and opens the codeword, or, when setup keeps the commitment's
//! data in the key (the default up to [`crate::weights::STORED_DATA_AUTO_LIMIT`]), opens it from
//! the key — [`STORED_CODEWORD_NS`], set from the same-run seed-only / stored pairs of
//! docs/BENCHMARKS.md ("Weights committed once, hiding"), not a refit. The public-weights
//! constants come from one measurement (GPT-2 124M, docs/BENCHMARKS.md), not a fit.

use zkinfer_pcs::PcsConfig;

use crate::plan::{ColumnSpec, Cost, NodeCost};
use crate::weights::{DEFAULT_MAX_PROOFS, WeightShapes};

/// Time per element committed per proof (encoding, hashing, the hiding opening, and the
/// sumchecks and lookups over the same tensors, which scale with it).
const COMMITTED_NS: f64 = 325.0;
/// Time per element of the private weights' codeword (re-derived from the key's seed, hashed
/// and opened by every proof), including the weights' share of the sumchecks.
const CODEWORD_NS: f64 = 30.0;
/// [`CODEWORD_NS`] for a key that stores the commitment's data: the encoding and hashing are
/// gone; what remains is reading the opened rows and paths from the key and the round-0 work
/// that still spans the codeword's domain.
const STORED_CODEWORD_NS: f64 = 8.0;
/// Time per private weight element committed (a padded column's, or its pieces' when it is
/// committed as pieces): the walk's sumchecks over the weights and the groups' claim reductions
/// over their stacks. Small models' codewords are enlarged to 2^23 or
/// 2^24 elements whatever their weights, so [`CODEWORD_NS`] cannot carry what grows with the
/// weights themselves; GPT-2 124M and ResNet-18 set it. 165 ns until stop 36, whose prover keeps
/// one copy of the weights and reduces the groups' stacks without full-length tables (GPT-2 124M
/// 29.7–31.4 → 20.6–25.1 s, ResNet-18 4.8–5.6 → 3.9–4.6 s; docs/BENCHMARKS.md, "Prover memory").
const PRIVATE_WEIGHT_NS: f64 = 110.0;
/// Seconds per proof of the private weights' opening that do not grow with the codeword: the
/// reusable commitment's round-0 mask of `T·t` revealed elements (its encoding, tree and spot
/// checks; docs/PROOF_SIZE.md §2.b), ≈ 0.2 s at the default `T = 256` on every small model. Since
/// proof format 19 the small models keep that randomness in their committed stack instead, and
/// the one-opening run over the larger stack takes about as long (docs/BENCHMARKS.md, "Private
/// weights' openings' randomness in the committed stack"), so the constant stays.
const REUSABLE_OPENING_S: f64 = 0.19;
/// Time per multiply-add of the model: the integer interpreter's run and the witness's
/// generation, which the prover does before committing anything (ResNet-18's 556M MACs:
/// 0.43–0.74 s of interpreter in two `bench --profile` runs; GPT-2 124M's ≈ 2G: 0.95 s). Not in
/// the fits before stop 43, which left ResNet-18 1.3–1.8× over its prediction.
const MAC_NS: f64 = 0.8;
/// Time per public weight element (the sumchecks only; nothing is opened).
const PUBLIC_WEIGHT_NS: f64 = 25.0;
/// Time per looked-up row (LogUp-GKR), beyond its committed multiplicities. 500 ns until proof
/// format 17, when each lookup had its own tree twice its column's height; with the lookups of
/// one size merged into one tree (proof format 17; one tree per table since 18), GPT-2 124M's
/// lookups phase is 3.4–4.0 s for 13.4M rows (252–300 ns).
const LOOKUP_NS: f64 = 250.0;
/// Peak bytes of a prover process whatever the model (the binary, the thread pool, the key's
/// small parts, the allocator's arenas).
const BASE_BYTES: u64 = 74 << 20;
/// Peak bytes per element committed per proof (the witness, its codeword and Merkle tree, the
/// sumcheck tables).
const COMMITTED_BYTES: u64 = 245;
/// Peak bytes per private weight element committed (a padded column's, or its pieces'): the
/// key's stacked weights and their randomness, the walk's weight tables and the groups' claim
/// reductions over their stacks (extension-field tables while they fold). 87 until stop 36
/// (GPT-2 124M's peak 12.7–13.0 → 9.4–9.9 GB, ResNet-18's 1,454 → 1,224–1,258 MiB).
const PRIVATE_WEIGHT_BYTES: u64 = 52;
/// Peak bytes per element of the largest group's codeword when a proof re-derives it from the
/// key's seed (the codeword and its salted Merkle tree). A key that stores the commitment's data
/// ([`crate::weights::STORED_DATA_AUTO_LIMIT`]) holds none of it: an opening reads its rows and
/// paths from the key file.
const CODEWORD_BYTES: u64 = 9;
/// Peak bytes per public weight element (the values and their field elements).
const PUBLIC_WEIGHT_BYTES: u64 = 25;
/// Peak bytes per element of the largest weights group's committed stack when it keeps its
/// openings' randomness in the stack (proof format 19, docs/ZK.md §6.1): the opening's first
/// sumcheck holds the whole stack as extension-field values and weights, then the next oracle's
/// codeword. Set from the bench's small models (their 2^21 stacks: 34–59 bytes per element over
/// the format-18 prediction, one `--cost` run), not a fit.
const SPREAD_STACK_BYTES: u64 = 48;
/// Peak bytes per element of the private weights' stack when a proof opens the witness with the
/// weights in one run (docs/ZK.md §15, [`crate::weights::joint_stack_len`]): the joint run's first
/// sumcheck holds the joint polynomial and its claims' weight table as extension-field tables,
/// written over the weights' half. Measured as the peak's rise when the joint opening was taken
/// (docs/BENCHMARKS.md, "GPT-2 124M under 1 MB"): ResNet-18 ≈ 32 (2^24 stack, stop 41), MiniLM
/// 32 (2^25), GPT-2 124M 21 (2^27, whose weights opening apart held tables of its own); not a fit.
const JOINT_STACK_BYTES: u64 = 28;

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
    let witness_vars: Vec<usize> = witness.iter().map(|c| c.num_vars).collect();
    let (weights_codeword, largest_codeword, spread_stack, joint_stack) =
        if public_weights || weight.vars().is_empty() {
            (0, 0, 0, 0)
        } else {
            // Shapes the commitment refuses (setup will say why) are costed as a rate-1/8 stack.
            let fallback = weights.next_power_of_two().saturating_mul(8);
            let pcs = PcsConfig::default();
            (
                crate::weights::codeword_len(pcs, weight, DEFAULT_MAX_PROOFS).unwrap_or(fallback),
                crate::weights::largest_group_codeword(pcs, weight, DEFAULT_MAX_PROOFS)
                    .unwrap_or(fallback),
                crate::weights::largest_spread_stack(pcs, weight, DEFAULT_MAX_PROOFS),
                crate::weights::joint_stack_len(pcs, weight, DEFAULT_MAX_PROOFS, &witness_vars),
            )
        };
    // Setup's default keeps the commitment's data when the trees fit the limit (a tree is about
    // 9 bytes per codeword element: values, salts, digests).
    let stored = weights_codeword.saturating_mul(9) <= crate::weights::STORED_DATA_AUTO_LIMIT;
    let sumcheck: usize = nodes.iter().map(|c| c.sumcheck).sum();
    let lookups: usize = nodes.iter().map(|c| c.lookups).sum();
    let macs = nodes.iter().map(|c| c.macs).sum();
    // The private weights' reductions and openings work on the committed elements (a padded
    // tensor committed as pieces is smaller than its table); public weights are held whole.
    let charged_weights = if public_weights {
        weights
    } else {
        weight.committed_len()
    };
    Cost {
        committed,
        weights,
        weights_codeword,
        sumcheck,
        lookups,
        macs,
        predicted_prove_s: predict_seconds(
            committed,
            charged_weights,
            weights_codeword,
            lookups,
            stored,
        ) + macs as f64 * MAC_NS * 1e-9,
        predicted_memory_bytes: predict_memory(
            committed,
            charged_weights,
            largest_codeword,
            stored,
        )
        .saturating_add((spread_stack as u64).saturating_mul(SPREAD_STACK_BYTES))
        .saturating_add((joint_stack as u64).saturating_mul(JOINT_STACK_BYTES)),
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

/// Memory model: a fixed part, per element committed, per weight element (private: committed;
/// public: in the key), and per element of the private weights' largest codeword unless the key
/// stores the commitment's data (`stored`).
#[must_use]
pub fn predict_memory(
    committed: usize,
    weights: usize,
    weights_codeword: usize,
    stored: bool,
) -> u64 {
    let per_weight = if weights_codeword == 0 {
        PUBLIC_WEIGHT_BYTES
    } else {
        PRIVATE_WEIGHT_BYTES
    };
    let codeword_bytes = if stored { 0 } else { CODEWORD_BYTES };
    BASE_BYTES
        .saturating_add((committed as u64).saturating_mul(COMMITTED_BYTES))
        .saturating_add((weights as u64).saturating_mul(per_weight))
        .saturating_add((weights_codeword as u64).saturating_mul(codeword_bytes))
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
            assert!(
                predict_memory(c, w << 1, w << 2, stored) > predict_memory(c, w, w << 2, stored)
            );
            assert!(
                predict_memory(c << 1, w, w << 2, stored) > predict_memory(c, w, w << 2, stored)
            );
            // Saturates instead of overflowing on absurd sizes.
            assert_eq!(predict_memory(usize::MAX, 0, usize::MAX, stored), u64::MAX);
        }
        // A key that stores the commitment's data skips encoding and hashing it.
        assert!(predict_seconds(c, w, w << 3, l, true) < predict_seconds(c, w, w << 3, l, false));
        assert!(predict_memory(c, w, w << 3, true) < predict_memory(c, w, w << 3, false));
        // Re-derived, a larger codeword is held in memory; stored, it stays in the key file.
        assert!(predict_memory(c, w, w << 3, false) > predict_memory(c, w, w << 2, false));
        assert_eq!(
            predict_memory(c, w, w << 3, true),
            predict_memory(c, w, w << 2, true)
        );
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
