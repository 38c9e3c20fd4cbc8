//! Setup and keys.
//!
//! The verifying key holds the plan (with weight values removed), the PCS parameters and the
//! Merkle root of the weights commitment, and its digest; the proving key adds the weights and
//! the weights' commitment data (codeword and Merkle tree, [`StoredData`]), so that a proof opens
//! the weights without encoding or hashing them again. Each proof absorbs the weights commitment
//! in its own transcript and the verifier checks the root against the key's, so a proof made with
//! other weights is rejected.

use serde::{Deserialize, Serialize};
use zkinfer_field::Transcript;
use zkinfer_pcs::masked::StoredMaskedBatch;
use zkinfer_pcs::{Pcs, PcsConfig, StoredData, StoredHidingData};

use crate::error::ProveError;
use crate::ir::ProofGraph;
use crate::ops::to_field;
use crate::plan::{Plan, WeightsVisibility};
use crate::weights::{WeightShapes, WeightsData};
use crate::witness::weight_columns;

/// What a verifier needs. Small: no weights.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct VerifyingKey {
    /// The plan, weight values removed (kept when the weights are public).
    pub plan: Plan,
    /// Commitment parameters.
    pub pcs: PcsConfig,
    /// Merkle root of the weights commitment (empty when the weights are public).
    pub weights_root: Vec<u8>,
    /// How many proofs the private weights' reusable hiding commitment covers
    /// ([`crate::weights`]); 0 for a plain weights commitment (test and benchmark keys only)
    /// and for public weights.
    pub weights_uses: u32,
    /// The private weights' masked commitment's joint stack, in variables (docs/ZK.md §18, key
    /// format 12): setup commits weights that make one group with the masked opening when a
    /// stack of at most 2^[`crate::weights::MASKED_JOINT_MAX_VARS`] holds them, their openings'
    /// randomness and the model's witness ([`crate::weights::masked_joint_vars`]); every proof
    /// commits its witness at this size and opens both together. 0: the weights are on the
    /// reusable HidingPcs groups ([`crate::weights`]), or public, or plain.
    pub weights_joint_vars: u32,
    /// The first fold of that masked commitment and of every proof's witness commitment, one of
    /// [`crate::commit::MASKED_JOINT_FOLDS`] (key format 14, chosen by
    /// [`crate::weights::masked_joint_vars`]); 0 when `weights_joint_vars` is.
    pub weights_joint_fold: u32,
    /// Keccak-256 of everything above; binds every proof's transcript.
    pub digest: [u8; 32],
}

/// What a prover needs: the verifying key, the weights and their commitment data.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProvingKey {
    /// The verifying key.
    pub vk: VerifyingKey,
    /// The graph with its weights.
    pub graph: ProofGraph,
    /// A plain weights commitment's data made at setup (keys made by
    /// [`setup_plain_weights_for_tests`]; about `4.1 ×` the stacked weight columns' 8 bytes per
    /// element at the default rate 1/4). `None`: each proof commits the weights again.
    pub weights_data: Option<StoredData>,
    /// The seed of the private weights' reusable hiding commitment ([`crate::weights`]): a
    /// proof re-derives the commitment from it and the weights when the key does not store the
    /// commitment's data. Secret like the weights.
    pub weights_seed: Option<[u8; 32]>,
    /// The private weights' hiding commitment data, one part per weights group, made at setup
    /// ([`WeightsData`]): a proof opens it in place instead of re-deriving the commitment from
    /// the seed. Empty: each proof re-derives it. Secret like the weights (it holds them and
    /// the randomness that hides them).
    pub weights_stored: Vec<StoredHidingData>,
    /// The private weights' masked commitment data ([`VerifyingKey::weights_joint_vars`] > 0),
    /// kept unless setup was told [`WeightsData::Seed`]: a proof opens it in place instead of
    /// re-deriving the commitment from the seed. Held in the key's body (read whole with the
    /// key): masked commitments are of stacks of at most 2^22 entries.
    pub weights_masked: Option<StoredMaskedBatch>,
    /// The mask-pool entries a zero-knowledge proof takes (a function of the plan, counted at
    /// setup by a walk over a zero input): proving then skips its own counting pass. `None`:
    /// each proof counts (a key whose count fails at setup; the same proof). A count that is
    /// too small only makes proving fail ("mask pool exhausted"), never a proof unsound.
    pub mask_entries: Option<usize>,
}

/// Transcript context of the setup commitment.
const SETUP: &[u8] = b"zkinfer/setup";

/// Removes weight values (keeping shapes) so the plan can be published.
#[must_use]
pub fn strip_weights(graph: &ProofGraph) -> ProofGraph {
    ProofGraph {
        tensors: graph.tensors.clone(),
        nodes: graph
            .nodes
            .iter()
            .map(|n| crate::ir::Node {
                name: n.name.clone(),
                op: n.op.without_constants(),
                inputs: n.inputs.clone(),
                output: n.output,
            })
            .collect(),
        input: graph.input,
        output: graph.output,
        act_bits: graph.act_bits,
    }
}

/// Makes the keys of a compiled model.
///
/// # Errors
/// [`ProveError::NoWeights`] if the graph has no weights (nothing to commit; not supported yet),
/// [`ProveError::WeightsTooLarge`] if the weights' shapes cannot be committed with `pcs` (checked
/// before any weight is laid out), [`ProveError::Pcs`] if committing fails otherwise.
pub fn setup(graph: &ProofGraph, plan: &Plan, pcs: PcsConfig) -> Result<ProvingKey, ProveError> {
    setup_with_max_proofs(graph, plan, pcs, crate::weights::DEFAULT_MAX_PROOFS)
}

/// [`setup`] with private weights committed for at most `max_proofs` proofs (docs/ZK.md §6.1):
/// proof number `max_proofs + 1` of the key would no longer hide the weights. The library does
/// not count proofs (a key is a value; count beside it, as `zkinfer prove` does with its
/// `.uses` file) — see [`crate::prove`].
///
/// # Errors
/// As [`setup`]; [`ProveError::Pcs`] with [`zkinfer_pcs::PcsError::ReuseBudget`] if no
/// commitment of these weights covers `max_proofs` proofs.
pub fn setup_with_max_proofs(
    graph: &ProofGraph,
    plan: &Plan,
    pcs: PcsConfig,
    max_proofs: usize,
) -> Result<ProvingKey, ProveError> {
    setup_with_weights_data(graph, plan, pcs, max_proofs, WeightsData::Auto)
}

/// [`setup_with_max_proofs`], choosing whether the proving key stores the private weights'
/// commitment data (proofs skip encoding and hashing the weights; a key several times the
/// weights' size) or only its seed ([`WeightsData`]; the default is [`WeightsData::Auto`]).
///
/// # Errors
/// As [`setup_with_max_proofs`].
pub fn setup_with_weights_data(
    graph: &ProofGraph,
    plan: &Plan,
    pcs: PcsConfig,
    max_proofs: usize,
    keep: WeightsData,
) -> Result<ProvingKey, ProveError> {
    setup_inner(graph, plan, pcs, Some((max_proofs, keep)))
}

/// [`setup`] with the private weights on a **plain** commitment that every proof opens,
/// revealing codeword rows and evaluations of the weights (the format before proving-key
/// format 8). For tests that show what the hiding commitment hides, and benchmarks; no CLI,
/// library or Python path makes such a key.
///
/// # Errors
/// As [`setup`].
#[doc(hidden)]
pub fn setup_plain_weights_for_tests(
    graph: &ProofGraph,
    plan: &Plan,
    pcs: PcsConfig,
) -> Result<ProvingKey, ProveError> {
    setup_inner(graph, plan, pcs, None)
}

fn setup_inner(
    graph: &ProofGraph,
    plan: &Plan,
    pcs: PcsConfig,
    max_proofs: Option<(usize, WeightsData)>,
) -> Result<ProvingKey, ProveError> {
    if plan.weight_columns.is_empty() {
        return Err(ProveError::NoWeights);
    }
    if plan.options.weights == WeightsVisibility::Public {
        // The key carries the weights (its digest covers them); nothing to commit.
        let mut vk = VerifyingKey {
            plan: published(plan, graph),
            pcs,
            weights_root: Vec::new(),
            weights_uses: 0,
            weights_joint_vars: 0,
            weights_joint_fold: 0,
            digest: [0; 32],
        };
        vk.digest = vk_digest(&vk);
        let mut pk = ProvingKey {
            vk,
            graph: graph.clone(),
            weights_data: None,
            weights_seed: None,
            weights_stored: Vec::new(),
            weights_masked: None,
            mask_entries: None,
        };
        pk.check_plan()?;
        pk.mask_entries = crate::prover::count_mask_entries_at_setup(&pk).ok();
        return Ok(pk);
    }
    let engine = Pcs::new(pcs);
    // The shapes alone decide whether the weights can be committed: find out before laying out
    // and encoding them (GPT-2 124M's 2^29-element stack took 25 s and 13 GB to fail there).
    // Hidden weights are committed in groups (crate::weights::groups); a plain commitment is
    // one stack.
    let vars: Vec<usize> = plan.weight_columns.iter().map(|c| c.num_vars).collect();
    let shapes = match max_proofs {
        Some((uses, _)) => crate::weights::check_shapes(pcs, &WeightShapes::of(plan), uses),
        None => engine.check_shapes(&vars).map(|_| ()),
    };
    if let Err(reason) = shapes {
        let elements = vars
            .iter()
            .map(|&n| 1u128 << n.max(pcs.folding_factor).min(127))
            .sum::<u128>();
        return Err(ProveError::WeightsTooLarge {
            columns: vars.len(),
            elements,
            stacked_vars: (u128::BITS - elements.saturating_sub(1).leading_zeros()) as usize,
            largest: engine.largest_stack().unwrap_or(0),
            reason,
        });
    }
    let cols: Vec<Vec<_>> = weight_columns(graph, plan)?
        .iter()
        .map(|c| to_field(c))
        .collect();
    let mut t = Transcript::new(SETUP);
    let uses = max_proofs.map_or(Ok(0), |(uses, _)| {
        u32::try_from(uses)
            .map_err(|_| ProveError::Backend(format!("{uses} proofs: too many for one key")))
    })?;
    // The key without its weights commitment: the mask-pool count (a walk over a zero input)
    // does not depend on it, and the masked commitment's size depends on the count.
    let mut pk = ProvingKey {
        vk: VerifyingKey {
            plan: published(plan, graph),
            pcs,
            weights_root: Vec::new(),
            weights_uses: uses,
            weights_joint_vars: 0,
            weights_joint_fold: 0,
            digest: [0; 32],
        },
        graph: graph.clone(),
        weights_data: None,
        weights_seed: None,
        weights_stored: Vec::new(),
        weights_masked: None,
        mask_entries: None,
    };
    // Counted before the plan is checked against the graph (below, after the commitment, so
    // that a weights layout the commitment refuses is named as such); a count that fails leaves
    // the key without a masked commitment and without a recorded count.
    pk.mask_entries = crate::prover::count_mask_entries_at_setup(&pk).ok();
    match max_proofs {
        Some((uses, keep)) => {
            let seed = zkinfer_pcs::HidingPcs::random_seed()?;
            let shapes = WeightShapes::of(plan);
            let joint_vars = pk
                .mask_entries
                .and_then(|entries| crate::prover::zk_batch_vars(plan, entries).ok())
                .and_then(|x| crate::weights::masked_joint_vars(pcs, &shapes, uses, &x));
            if let Some(joint) = joint_vars {
                let (root, stored) = crate::weights::commit_all_masked(
                    pcs, cols, &shapes, &seed, uses, joint, keep, &mut t,
                )?;
                pk.vk.weights_root = root;
                pk.vk.weights_joint_vars = u32::try_from(joint.stack_vars).unwrap_or(u32::MAX);
                pk.vk.weights_joint_fold = u32::try_from(joint.fold).unwrap_or(u32::MAX);
                pk.weights_masked = stored;
            } else {
                let (roots, stored) =
                    crate::weights::commit_all(pcs, cols, &shapes, &seed, uses, keep, &mut t)?;
                pk.vk.weights_root = roots;
                pk.weights_stored = stored;
            }
            pk.weights_seed = Some(seed);
        }
        None => {
            let (commitment, data) = engine.commit(&cols, &mut t)?;
            pk.vk.weights_root = commitment.root().to_vec();
            pk.weights_data = Some(data.into_stored());
        }
    }
    pk.vk.digest = vk_digest(&pk.vk);
    pk.check_plan()?;
    Ok(pk)
}

/// The plan as a verifying key publishes it: with the weight-free graph (the graph with its
/// weights when they are public) and without the outputs of generated function tables (the
/// verifier regenerates them).
fn published(plan: &Plan, graph: &ProofGraph) -> Plan {
    // Field by field: the plan's own graph (a copy of `graph`, weights included) is replaced,
    // not copied.
    let mut plan = Plan {
        graph: if plan.options.weights == WeightsVisibility::Public {
            graph.clone()
        } else {
            strip_weights(graph)
        },
        options: plan.options,
        layouts: plan.layouts.clone(),
        sources: plan.sources.clone(),
        nodes: plan.nodes.clone(),
        witness_columns: plan.witness_columns.clone(),
        weight_columns: plan.weight_columns.clone(),
        weight_aliases: plan.weight_aliases.clone(),
        tables: plan.tables.clone(),
        multiplicity_columns: plan.multiplicity_columns.clone(),
        lookups: plan.lookups.clone(),
        cost: plan.cost.clone(),
    };
    for t in &mut plan.tables {
        if let crate::plan::TableSpec::Function {
            outputs, generator, ..
        } = t
            && *generator != crate::ir::TableGen::Explicit
        {
            outputs.clear();
        }
    }
    plan
}

#[cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]
impl VerifyingKey {
    /// The joint stack and first fold of the private weights' masked commitment, when the key
    /// has one (`weights_joint_vars > 0`).
    #[must_use]
    pub fn masked_joint(&self) -> Option<crate::weights::MaskedJoint> {
        (self.weights_joint_vars > 0).then_some(crate::weights::MaskedJoint {
            stack_vars: self.weights_joint_vars as usize,
            fold: self.weights_joint_fold as usize,
        })
    }

    /// Checks that [`VerifyingKey::digest`] is the digest of the key's contents. Decoding a key
    /// file runs it; call it on a key assembled or edited in code.
    ///
    /// # Errors
    /// Both digests, when they differ.
    pub fn check_digest(&self) -> Result<(), String> {
        let actual = vk_digest(self);
        if actual == self.digest {
            Ok(())
        } else {
            Err(format!(
                "the key's digest {} does not match its contents (digest {}): the plan, the \
                 commitment parameters or the weights root were changed; regenerate the keys \
                 with `zkinfer setup`",
                hex(&self.digest),
                hex(&actual)
            ))
        }
    }
}

/// The largest number of variables a column of a key may declare (a column of `2^40` elements
/// is far beyond what any machine proves; a larger count is a corrupted key).
pub const MAX_COLUMN_VARS: usize = 40;

#[cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]
impl VerifyingKey {
    /// Checks that the plan's per-tensor and per-node lists have the graph's lengths and that
    /// every tensor, column, table and node index it holds is in range, so that a decoded key
    /// cannot make the prover or verifier index out of bounds. Decoding a key file runs it.
    ///
    /// # Errors
    /// The first inconsistency, naming the list and both lengths.
    pub fn check_shape(&self) -> Result<(), String> {
        let fold_ok = if self.weights_joint_vars == 0 {
            self.weights_joint_fold == 0
        } else {
            crate::commit::MASKED_JOINT_FOLDS.contains(&(self.weights_joint_fold as usize))
        };
        if !fold_ok
            || self.weights_joint_vars != 0
                && (self.weights_uses == 0
                    || self.weights_joint_vars as usize > crate::weights::MASKED_JOINT_MAX_VARS
                    || self.weights_root.len() != zkinfer_pcs::DIGEST_BYTES)
        {
            return Err(format!(
                "a masked weights commitment at a joint stack of 2^{} and a first fold of {} \
                 with a budget of {} proofs and {} bytes of root (one {}-byte root, a budget, at \
                 most 2^{}, a fold of {:?}; none of them without a joint stack)",
                self.weights_joint_vars,
                self.weights_joint_fold,
                self.weights_uses,
                self.weights_root.len(),
                zkinfer_pcs::DIGEST_BYTES,
                crate::weights::MASKED_JOINT_MAX_VARS,
                crate::commit::MASKED_JOINT_FOLDS
            ));
        }
        let p = &self.plan;
        let g = &p.graph;
        let (tensors, nodes) = (g.tensors.len(), g.nodes.len());
        let same = |what: &str, got: usize, want: usize| {
            if got == want {
                Ok(())
            } else {
                Err(format!("the plan has {got} {what}, its graph {want}"))
            }
        };
        same("tensor layouts", p.layouts.len(), tensors)?;
        same("tensor sources", p.sources.len(), tensors)?;
        same("node plans", p.nodes.len(), nodes)?;
        same(
            "multiplicity columns",
            p.multiplicity_columns.len(),
            p.tables.len(),
        )?;
        let tensor = |what: &str, t: usize| {
            if t < tensors {
                Ok(())
            } else {
                Err(format!("{what} names tensor {t} of {tensors}"))
            }
        };
        tensor("the graph's input", g.input)?;
        tensor("the graph's output", g.output)?;
        for n in &g.nodes {
            tensor(&format!("node `{}`", n.name), n.output)?;
            for &i in &n.inputs {
                tensor(&format!("node `{}`", n.name), i)?;
            }
        }
        let witness = p.witness_columns.len();
        for s in &p.sources {
            match *s {
                crate::plan::Source::Committed { column } if column >= witness => {
                    return Err(format!(
                        "a tensor is stored in column {column} of {witness}"
                    ));
                }
                crate::plan::Source::Alias { of } => tensor("an alias", of)?,
                _ => {}
            }
        }
        for &c in &p.multiplicity_columns {
            if c >= witness {
                return Err(format!("a multiplicity column is column {c} of {witness}"));
            }
        }
        for lu in &p.lookups {
            match p.tables.get(lu.table) {
                None => {
                    return Err(format!(
                        "a lookup into table {} of {}",
                        lu.table,
                        p.tables.len()
                    ));
                }
                Some(crate::plan::TableSpec::Range { bits }) if lu.offset >> bits.min(&63) == 0 => {
                }
                Some(_) if lu.offset != 0 => {
                    return Err(format!(
                        "a lookup into table {} with offset {}: only a range table's lookups \
                         are shifted, by less than its size",
                        lu.table, lu.offset
                    ));
                }
                Some(_) => {}
            }
        }
        for c in p.witness_columns.iter().chain(&p.weight_columns) {
            if c.num_vars > MAX_COLUMN_VARS {
                return Err(format!(
                    "column `{}` declares {} variables, above {MAX_COLUMN_VARS}",
                    c.name, c.num_vars
                ));
            }
        }
        Ok(())
    }
}

impl ProvingKey {
    /// Checks that the verifying key's plan is the one the proving key's graph compiles to, so
    /// that every index the provers take from the plan fits the graph and the witness. Runs once
    /// per key: in [`setup`] and when a key file is decoded ([`crate::ZkFile::from_bytes`]);
    /// [`crate::prove`] does not repeat it (it recompiles the graph). Call it on a key edited in
    /// code.
    ///
    /// # Errors
    /// [`ProveError::KeyMismatch`] if the plans differ, [`ProveError::Backend`] if the graph does
    /// not compile; both say the key is corrupted and to run `zkinfer setup` again.
    pub fn check_plan(&self) -> Result<(), ProveError> {
        let plan = &self.vk.plan;
        let fresh = crate::compile::compile_without_graph(&self.graph, plan.options).map_err(|e| {
            ProveError::Backend(format!(
                "the proving key's graph does not compile ({e}); the key is corrupted — run `zkinfer setup` again"
            ))
        })?;
        // The cost prediction is not part of what is proved: a key compiled before a change of
        // the cost model still matches.
        let mut fresh = published(&fresh, &self.graph);
        fresh.cost = plan.cost.clone();
        if fresh != *plan {
            return Err(ProveError::key_mismatch(
                "key",
                "the verifying key's plan is not the one the graph compiles to",
            ));
        }
        Ok(())
    }

    /// Checks that the proving key's graph is the verifying key's with weights (the same
    /// structure; the weights themselves are bound by the weights root when proving).
    ///
    /// # Errors
    /// [`ProveError::KeyMismatch`] if the graphs differ.
    pub fn check_graph(&self) -> Result<(), ProveError> {
        let published = if self.vk.plan.options.weights == WeightsVisibility::Public {
            self.graph == self.vk.plan.graph
        } else {
            strip_weights(&self.graph) == self.vk.plan.graph
        };
        if published {
            Ok(())
        } else {
            Err(ProveError::key_mismatch(
                "graph",
                "the proving key's graph is not the one its verifying key was made from",
            ))
        }
    }
}

/// Lower-case hex of a digest, for messages.
pub(crate) fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Keccak-256 of the key's contents (all but the digest).
#[must_use]
#[cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]
pub fn vk_digest(vk: &VerifyingKey) -> [u8; 32] {
    use tiny_keccak::{Hasher, Keccak};
    let bytes = bincode::serialize(&(
        &vk.plan,
        &vk.pcs,
        &vk.weights_root,
        vk.weights_uses,
        vk.weights_joint_vars,
        vk.weights_joint_fold,
    ))
    .unwrap_or_default();
    let mut h = Keccak::v256();
    h.update(b"zkinfer/vk/v3");
    h.update(&bytes);
    let mut out = [0u8; 32];
    h.finalize(&mut out);
    out
}

#[cfg(test)]
mod strip_tests {
    use super::strip_weights;
    use crate::ir::{Op, TableGen};
    use crate::testing::{GraphBuilder, residual_cnn};

    /// The constant-free copy is exactly a full copy with its constants cleared, for every op
    /// that holds constants (a linear layer, a convolution, an offset, an embedding, an explicit
    /// table, and a generated one whose outputs go).
    #[test]
    fn strip_weights_equals_a_cleared_copy() {
        let mut b = GraphBuilder::new(&[1, 8], 16, 3);
        let e = b.embedding(0, 16, 8);
        let x = b.linear(e, 8);
        let x = b.offset(x, 5);
        let x = b.table(x, "t", |v| v / 2);
        let _ = b.relu(x);
        let mut graphs = vec![b.finish(), residual_cnn(4).0];
        // A generated table: its outputs are not published.
        let mut g = graphs[0].clone();
        for n in &mut g.nodes {
            if let Op::Table { generator, .. } = &mut n.op {
                *generator = TableGen::Relu;
            }
        }
        graphs.push(g);
        for g in graphs {
            let mut want = g.clone();
            for n in &mut want.nodes {
                n.op.clear_constants();
            }
            assert_eq!(strip_weights(&g), want);
            assert_ne!(strip_weights(&g), g, "the graph has constants to strip");
        }
    }
}
