//! The prover: witness, commitments, lookups, the backward claim walk, the openings.

use zkinfer_field::{EF, F, Transcript};
use zkinfer_pcs::{ColumnClaim, Pcs, StackClaim};
use zkinfer_sumcheck::{Column, MaskPool};

use crate::channel::{Channel, Masking};
use crate::claims::{Claim, Claims, ColClaim};
use crate::commit::{self, Hiding, WitnessOpening};
use crate::error::ProveError;
use crate::hashed::{self, HashedOpening};
use crate::keys::ProvingKey;
use crate::lookups;
use crate::ops::util::key_mismatch;
use crate::ops::{ProverCtx, mle, prove_node, to_field};
use crate::plan::{Source, WeightsVisibility};
use crate::profile::Profile;
use crate::proof::{Lookups, Proof};
use crate::weights::{WeightsCommitment, WeightsOpening};
use crate::witness::{self, Witness, weight_columns};

/// Labels of the top-level transcript messages.
pub(crate) mod labels {
    pub const INPUT: &[u8] = b"zkinfer/public-input";
    pub const OUTPUT: &[u8] = b"zkinfer/output";
    pub const OUTPUT_POINT: &[u8] = b"zkinfer/output-point";
    pub const OUTPUT_CLAIM: &[u8] = b"zkinfer/output-claim";
}

/// Proves one inference on the quantized `input`. The witness's logical values are `trace` (the
/// integer interpreter's tensors, logical layout, indexed like the graph's tensors), or, without
/// it, the interpreter's trace of the key's graph ([`crate::trace::run`]).
///
/// The key is not re-checked here: [`crate::setup`] and decoding a key file
/// ([`crate::ZkFile::from_bytes`]) check once per key that its plan is the one its graph compiles
/// to ([`ProvingKey::check_plan`]); a key edited in memory afterwards should be checked again
/// with it. Either way a plan that does not fit its graph gives errors, not panics.
///
/// # Zero knowledge of private weights
/// Each proof opens the key's weights commitment once more; its randomness covers
/// [`crate::VerifyingKey::weights_uses`] proofs (set at setup, `zkinfer setup --max-proofs`).
/// The library does not count them (a key is a value that can be copied): a caller that makes
/// more proofs of one key than that reveals codeword positions its randomness no longer hides.
/// `zkinfer prove` keeps the count in a file beside the proving key and refuses the proof after
/// the last (docs/ZK.md §6.1).
///
/// # Errors
/// A [`ProveError`]: wrong input length, a value outside the compiled ranges, a witness that
/// disagrees with the interpreter.
pub fn prove(
    pk: &ProvingKey,
    input: &[i64],
    trace: Option<&[Vec<i64>]>,
) -> Result<Proof, ProveError> {
    prove_profiled(pk, input, trace, &mut Profile::default())
}

/// [`prove`], recording the time and peak memory of each phase in `profile` (made by
/// [`Profile::new`]; a default profile records nothing).
///
/// # Errors
/// As [`prove`].
pub fn prove_profiled(
    pk: &ProvingKey,
    input: &[i64],
    trace: Option<&[Vec<i64>]>,
    profile: &mut Profile,
) -> Result<Proof, ProveError> {
    prove_with_openings(pk, input, trace, profile).map(|(proof, _)| proof)
}

/// [`prove_profiled`], also returning the openings of the proof's `hashed` tensors (empty when
/// the key has none): what the prover hands each tensor's holder so they can check the proof's
/// commitment against their data ([`crate::hashed::check_opening`]). Keep them secret from
/// everyone else.
///
/// # Errors
/// As [`prove`].
pub fn prove_with_openings(
    pk: &ProvingKey,
    input: &[i64],
    trace: Option<&[Vec<i64>]>,
    profile: &mut Profile,
) -> Result<(Proof, Vec<HashedOpening>), ProveError> {
    prove_traced(pk, input, trace, Hiding::On, profile)
}

/// [`prove`] with a **plain** (non-hiding) witness commitment and plain sumchecks: the proof
/// reveals codeword positions of the witness and unmasked round messages. For benchmarks that
/// compare zero-knowledge with its absence in one run; nothing user-facing calls it. The
/// verifier accepts such proofs (soundness does not depend on hiding), so the choice is the
/// prover's alone.
///
/// # Errors
/// As [`prove`].
#[doc(hidden)]
pub fn prove_non_zk_for_bench(
    pk: &ProvingKey,
    input: &[i64],
    profile: &mut Profile,
) -> Result<Proof, ProveError> {
    prove_traced(pk, input, None, Hiding::Off, profile).map(|(proof, _)| proof)
}

/// The witness from `trace` (or the interpreter's run), checked against it, then the proof.
fn prove_traced(
    pk: &ProvingKey,
    input: &[i64],
    trace: Option<&[Vec<i64>]>,
    hiding: Hiding,
    profile: &mut Profile,
) -> Result<(Proof, Vec<HashedOpening>), ProveError> {
    let plan = &pk.vk.plan;
    let computed;
    let trace = match trace {
        Some(t) => t,
        None => {
            computed = crate::trace::run(&pk.graph, input)?;
            profile.mark("interpreter");
            &computed
        }
    };
    let weights = weight_columns(&pk.graph, plan)?;
    let wit = witness::generate_with(&pk.graph, plan, input, trace, &weights)?;
    wit.check_trace(&pk.graph, plan, trace)?;
    prove_inner(pk, input, wit, weights, true, hiding, profile)
}

/// Proves with a given witness, checking neither the model's semantics nor lookup membership
/// (rows outside their tables are left out of the multiplicities). An honest caller uses
/// [`prove`]; this entry point exists so tests can show that a proof built on a changed witness
/// value is rejected by the verifier.
///
/// # Errors
/// As [`prove`].
pub fn prove_with_witness(
    pk: &ProvingKey,
    input: &[i64],
    wit: Witness,
) -> Result<Proof, ProveError> {
    let weights = weight_columns(&pk.graph, &pk.vk.plan)?;
    prove_inner(
        pk,
        input,
        wit,
        weights,
        false,
        Hiding::On,
        &mut Profile::default(),
    )
    .map(|(proof, _)| proof)
}

fn prove_inner(
    pk: &ProvingKey,
    input: &[i64],
    mut wit: Witness,
    weights: Vec<Vec<i64>>,
    strict: bool,
    hiding: Hiding,
    profile: &mut Profile,
) -> Result<(Proof, Vec<HashedOpening>), ProveError> {
    let plan = &pk.vk.plan;
    let graph = &pk.graph;
    // With a hiding commitment the lookups are blinded (zero knowledge): their multiplicities
    // count the extended columns, and their secrets are committed with the witness.
    let mults = match hiding {
        Hiding::On => lookups::zk::multiplicities(graph, plan, &wit, strict)?,
        Hiding::Off if strict => lookups::multiplicities(graph, plan, &wit)?,
        Hiding::Off => lookups::multiplicities_lenient(graph, plan, &wit),
    };
    for (&c, m) in plan.multiplicity_columns.iter().zip(&mults) {
        wit.columns
            .get_mut(c)
            .ok_or_else(|| key_mismatch("lookups", "multiplicity column"))?
            .clone_from(m);
    }
    profile.mark("witness");

    let mut t = Transcript::new(&pk.vk.digest);
    let public_input = match plan.sources.get(graph.input) {
        Some(Source::PublicInput) => {
            t.absorb_ints(labels::INPUT, wit.tensor(graph.input, "input")?);
            Some(input.to_vec())
        }
        _ => None,
    };
    let output = wit.tensor(graph.output, "output")?.to_vec();
    let public_output = plan.options.output.is_public();
    let (public_logical, output_pad) = if public_output {
        t.absorb_ints(labels::OUTPUT, &output);
        crate::ops::util::layout(plan, graph.output, "output")?.split_padding(&output)
    } else {
        (Vec::new(), Vec::new())
    };

    let pcs = Pcs::new(pk.vk.pcs);
    let weights_committed = plan.options.weights == WeightsVisibility::Private;
    let wcommit = if !weights_committed {
        None
    } else if let Some(joint) = pk.vk.masked_joint() {
        // The weights' one masked commitment, opened with the witness (docs/ZK.md §18).
        let groups = crate::weights::Groups::absorb_masked(
            pk.vk.pcs,
            plan,
            &pk.vk.weights_root,
            pk.vk.weights_uses as usize,
            joint,
            pk.weights_seed,
            pk.weights_masked.as_ref(),
            &weights,
            &mut t,
        )?;
        Some(WeightsProver::Hiding(Box::new(groups)))
    } else if pk.vk.weights_uses > 0 {
        // The groups' commitments are the key's (absorbed as the verifier does); each group is
        // opened from the key's stored data, or re-derived from the seed only when it is opened,
        // one at a time.
        let groups = crate::weights::Groups::absorb(
            pk.vk.pcs,
            plan,
            &pk.vk.weights_root,
            pk.vk.weights_uses as usize,
            pk.weights_seed,
            &pk.weights_stored,
            &mut t,
        )?;
        Some(WeightsProver::Hiding(Box::new(groups)))
    } else {
        let wcols: Vec<Vec<F>> = weights.iter().map(|c| to_field(c)).collect();
        let (wcom, wdata) = match &pk.weights_data {
            Some(stored) => {
                let data = pcs.restore(&wcols, stored, &mut t).map_err(backend)?;
                (data.commitment().clone(), data)
            }
            None => pcs.commit(&wcols, &mut t).map_err(backend)?,
        };
        if wcom.root().as_slice() != pk.vk.weights_root.as_slice() {
            return Err(ProveError::Backend(
                "the proving key's weights do not match its verifying key".into(),
            ));
        }
        Some(WeightsProver::Plain(wcom, Box::new(wdata)))
    };
    // With a hiding commitment the walk's sumchecks are masked: a counting pass of the walk
    // (plain sumchecks on a scratch transcript; their shapes do not depend on the challenges)
    // sizes the mask pool, whose one column joins the witness batch.
    let (pool, secrets) = match hiding {
        Hiding::On => (
            Some(mask_pool(pk, &wit, &weights, &output, public_output)?),
            Some(lookups::zk::Secrets::draw(plan)?),
        ),
        Hiding::Off => (None, None),
    };
    profile.mark("mask pool");
    // The batch: the plan's witness columns, the lookups' blinding column (two coordinate
    // columns), the mask pool.
    let first_b = plan.witness_columns.len();
    let mut xcols: Vec<Vec<F>> = wit.columns.iter().map(|c| to_field(c)).collect();
    if let Some(s) = &secrets {
        xcols.extend(s.columns());
    }
    if let Some(p) = &pool {
        xcols.push(commit::opening_mask());
        xcols.extend(p.columns());
    }
    let pool_column = xcols.len().saturating_sub(1);
    // One opening for the witness and the weights where the weights are one hiding group whose
    // stack can hold the witness (docs/ZK.md §15); the verifier decides it alike.
    let joint = match (&wcommit, hiding) {
        (Some(WeightsProver::Hiding(groups)), _) if groups.masked_commitment().is_some() => {
            groups.joint(&[])
        }
        (Some(WeightsProver::Hiding(groups)), Hiding::On) => xcols
            .iter()
            .map(|c| c.len().is_power_of_two().then(|| c.len().trailing_zeros()))
            .collect::<Option<Vec<u32>>>()
            .and_then(|vars| groups.joint(&vars)),
        _ => None,
    };
    let (xcom, xdata) = commit::commit(pk.vk.pcs, hiding, &xcols, joint.as_ref(), &mut t)?;
    drop(xcols);
    let specs = hashed::specs(plan).map_err(ProveError::Backend)?;
    let pending = hashed::commit(pk.vk.pcs, &specs, &wit.columns, &mut t)?;
    profile.mark("commitments");

    let mut cx = ProverCtx {
        plan,
        graph,
        wit: &wit,
        weights: &weights,
        ch: match pool {
            Some(p) => Channel::with_pool(&mut t, p),
            None => Channel::new(&mut t),
        },
        claims: Claims::new(graph.tensors.len()),
    };
    let (lookup_proofs, blinding_claims) = match secrets {
        Some(s) => {
            let (proof, claims) = lookups::zk::prove(&mut cx, &mults, s, first_b)?;
            (Lookups::Blinded(proof), claims)
        }
        None => (
            Lookups::Plain(lookups::prove_all(&mut cx, &mults, strict)?),
            Vec::new(),
        ),
    };
    profile.mark("lookups");
    let output_claim = walk(&mut cx, &output, public_output)?;
    let weights_stack = match &wcommit {
        Some(WeightsProver::Hiding(groups)) => weights_on_stack(&mut cx, groups)?,
        _ => {
            unmask_weight_claims(&mut cx)?;
            Vec::new()
        }
    };
    // With masked sumchecks, every claim on the hiding witness commitment (the walk's and the
    // lookups' blinding column's) is reduced to one claim on its whole stack at a fresh point,
    // which the opening mask makes uniform (docs/ZK.md §13); the plain path opens them as they are.
    let mut blinding_claims = blinding_claims;
    let stack_claim = match (&cx.ch.masking, xdata.stack()) {
        (Masking::Pool(_), Some(data)) => {
            let witness = std::mem::take(&mut cx.claims.witness);
            let claims = crate::claims::on_stack(
                witness,
                std::mem::take(&mut blinding_claims),
                |cols| data.lift(cols).map_err(backend),
                key_mismatch("opening", "stack lift"),
            )?;
            cx.ch
                .reduce_claims_always(&*data.stacked_values(), claims, false, "opening")?
                .map(|c| StackClaim {
                    point: c.point,
                    value: c.value,
                })
        }
        _ => None,
    };
    cx.ch.check()?;
    profile.mark("sumchecks");
    let ProverCtx { ch, mut claims, .. } = cx;
    let msgs = ch.msgs;
    // The mask pool's claims: on the last column of the witness batch.
    let mut pool_claims = Vec::new();
    let mask_pool = match ch.masking {
        Masking::Pool(pool) => {
            let (proof, cs) = pool
                .finish(&mut t)
                .map_err(|e| ProveError::Backend(format!("mask pool: {e}")))?;
            pool_claims.extend(cs.into_iter().map(|c| ColumnClaim {
                column: pool_column,
                point: c.point,
                value: c.value,
            }));
            Some(proof)
        }
        _ => None,
    };
    // The openings need only the commitments' data: the witness's integer columns go before
    // them (GPT-2 124M's peak is its weights opening).
    drop(wit);
    // So do the weight columns when the key stores every weights group's data (GPT-2 124M:
    // 2.3 GB of integer columns); a group re-derived from the seed needs them.
    let weights = if matches!(&wcommit, Some(WeightsProver::Hiding(g)) if g.all_stored()) {
        drop(weights);
        None
    } else {
        Some(weights)
    };
    let (hashed, openings, extra) = hashed::open(pk.vk.pcs, pending, &mut t)?;
    for c in extra {
        claims.witness(c.column, c.point, c.value);
    }

    // The witness is opened first and its data dropped, so that re-deriving the weights'
    // groups (the largest codewords of a big model) does not hold both.
    let mut witness_claims = col_claims(&claims.witness);
    witness_claims.extend(blinding_claims);
    witness_claims.extend(pool_claims);
    let (witness_opening, wcommit) = match (xdata, joint, wcommit) {
        (
            commit::WitnessData::Masked(_, x),
            Some(commit::Joint::Masked(_)),
            Some(WeightsProver::Hiding(groups)),
        ) => {
            let ([stack], Some(c)) = (&weights_stack[..], groups.masked_commitment()) else {
                return Err(key_mismatch(
                    "weights opening",
                    "no claim on the masked weights commitment",
                ));
            };
            let c = c.clone();
            let opening = groups.open_joint_masked(
                stack,
                *x,
                &witness_claims,
                stack_claim.as_ref(),
                &mut t,
            )?;
            (
                WitnessOpening::Masked(Box::new(opening)),
                Some(WeightsProver::MaskedJoint(c)),
            )
        }
        (commit::WitnessData::Joint(x), Some(joint), Some(WeightsProver::Hiding(groups))) => {
            let [stack] = &weights_stack[..] else {
                return Err(key_mismatch(
                    "weights opening",
                    "no claim on the weights group",
                ));
            };
            let opening = groups.open_joint(
                weights.as_deref(),
                stack,
                &joint,
                *x,
                &witness_claims,
                stack_claim.as_ref(),
                &mut t,
            )?;
            let commitments = vec![groups.commitment(0)?.clone()];
            (
                WitnessOpening::Joint(opening),
                Some(WeightsProver::Joint(commitments)),
            )
        }
        (xdata, _, wcommit) => (
            commit::open(xdata, &witness_claims, stack_claim.as_ref(), &mut t)?,
            wcommit,
        ),
    };
    profile.mark("opening");
    let (weights_commitment, weights_opening) = match wcommit {
        Some(WeightsProver::MaskedJoint(c)) => (
            Some(WeightsCommitment::Masked(c)),
            Some(WeightsOpening::WithWitness),
        ),
        Some(WeightsProver::Joint(commitments)) => (
            Some(WeightsCommitment::Hiding(commitments)),
            Some(WeightsOpening::Hiding(Vec::new())),
        ),
        Some(WeightsProver::Plain(wcom, wdata)) => {
            let opening = pcs
                .open_owned(*wdata, &col_claims(&claims.weights), &mut t)
                .map_err(backend)?;
            (
                Some(WeightsCommitment::Plain(wcom)),
                Some(WeightsOpening::Plain(Box::new(opening))),
            )
        }
        Some(WeightsProver::Hiding(groups)) => {
            if weights_stack.len() != groups.len() {
                return Err(key_mismatch(
                    "weights opening",
                    "no claim on a weights group",
                ));
            }
            let mut openings = Vec::with_capacity(groups.len());
            let mut commitments = Vec::with_capacity(groups.len());
            for (g, stack) in weights_stack.iter().enumerate() {
                openings.push(groups.open(weights.as_deref(), g, stack, &mut t)?);
                commitments.push(groups.commitment(g)?.clone());
            }
            (
                Some(WeightsCommitment::Hiding(commitments)),
                Some(WeightsOpening::Hiding(openings)),
            )
        }
        None => (None, None),
    };
    profile.mark("weights opening");
    let proof = Proof {
        vk_digest: pk.vk.digest,
        public_input,
        output: public_logical,
        output_pad,
        output_claim,
        hashed,
        weights: weights_commitment,
        witness: xcom,
        lookups: lookup_proofs,
        msgs,
        mask_pool,
        weights_opening,
        witness_opening,
    };
    Ok((proof, openings))
}

/// A mask pool for the walk's masked sumchecks, sized by a counting pass of the walk on a
/// scratch transcript (plain sumchecks; the sequence of sumcheck shapes depends on the plan
/// only, not on the challenges or the data), and for the blinded lookups' masked sumchecks.
fn mask_pool(
    pk: &ProvingKey,
    wit: &Witness,
    weights: &[Vec<i64>],
    output: &[i64],
    public_output: bool,
) -> Result<MaskPool, ProveError> {
    let entries = match pk.mask_entries {
        Some(n) => recorded_pool_entries(&pk.vk.plan, n).map_err(ProveError::Backend)?,
        None => count_mask_entries(pk, wit, weights, output, public_output)?,
    };
    let err = |e: zkinfer_sumcheck::SumcheckError| ProveError::Backend(format!("mask pool: {e}"));
    MaskPool::random_os(MaskPool::size_for(entries).map_err(err)?).map_err(err)
}

/// The mask-pool entries a proof of `pk`'s model takes, counted at setup on the witness of a
/// zero input ([`ProvingKey::mask_entries`]).
///
/// # Errors
/// If the zero input cannot be traced or proved (the key then counts per proof).
pub(crate) fn count_mask_entries_at_setup(pk: &ProvingKey) -> Result<usize, ProveError> {
    let plan = &pk.vk.plan;
    let graph = &pk.graph;
    let len = crate::ops::util::layout(plan, graph.input, "input")?.logical_len();
    let input = vec![0i64; len];
    let trace = crate::trace::run(graph, &input)?;
    let weights = weight_columns(graph, plan)?;
    let wit = witness::generate_with(graph, plan, &input, &trace, &weights)?;
    let output = wit.tensor(graph.output, "output")?.to_vec();
    count_mask_entries(pk, &wit, &weights, &output, plan.options.output.is_public())
}

/// The pool entries a proof draws for a key that recorded `recorded`
/// ([`ProvingKey::mask_entries`]): a key made before proof format 17 counted one lookup tree per
/// lookup, so the merged trees' excess is added.
fn recorded_pool_entries(plan: &crate::plan::Plan, recorded: usize) -> Result<usize, String> {
    Ok(recorded.saturating_add(lookups::zk::entries_beyond_one_tree_per_lookup(plan)?))
}

/// The shapes of a zero-knowledge proof's witness batch for a plan whose proofs take `entries`
/// mask-pool entries, in the prover's order: the plan's witness columns, the lookups' blinding
/// column's two coordinate columns, the opening mask, the mask pool's column. Setup sizes the
/// weights' masked commitment by it ([`crate::weights::masked_joint_vars`]).
///
/// # Errors
/// A plan whose lookups or mask pool cannot be shaped.
pub(crate) fn zk_batch_vars(
    plan: &crate::plan::Plan,
    entries: usize,
) -> Result<Vec<usize>, String> {
    let (b_vars, _) = lookups::zk::shape(plan)?;
    let pool =
        MaskPool::size_for(recorded_pool_entries(plan, entries)?).map_err(|e| e.to_string())?;
    let mut vars: Vec<usize> = plan.witness_columns.iter().map(|c| c.num_vars).collect();
    vars.extend([b_vars, b_vars, commit::OPENING_MASK_VARS]);
    // The pool's extension-field entries as two base-field coordinates each.
    vars.push(pool.trailing_zeros() as usize + 1);
    Ok(vars)
}

/// The counting pass: the walk with plain sumchecks on a scratch transcript, counting the
/// entries masking them takes, plus the blinded lookups' (a function of the plan).
fn count_mask_entries(
    pk: &ProvingKey,
    wit: &Witness,
    weights: &[Vec<i64>],
    output: &[i64],
    public_output: bool,
) -> Result<usize, ProveError> {
    let mut scratch = Transcript::new(b"zkinfer/mask-count");
    let mut cx = ProverCtx {
        plan: &pk.vk.plan,
        graph: &pk.graph,
        wit,
        weights,
        ch: Channel::counting(&mut scratch),
        claims: Claims::new(pk.graph.tensors.len()),
    };
    lookups::route_for_count(&mut cx)?;
    walk(&mut cx, output, public_output)?;
    if pk.vk.weights_uses > 0 && pk.vk.plan.options.weights == WeightsVisibility::Private {
        // The weights' claims are reduced to one on each group's stack.
        cx.claims.weights.clear();
        let shapes = crate::weights::WeightShapes::of(&pk.vk.plan);
        let uses = pk.vk.weights_uses as usize;
        for _ in crate::weights::groups(pk.vk.pcs, &shapes, uses) {
            cx.ch.count_reduction(commit::MAX_STACK_VARS);
        }
    } else {
        unmask_weight_claims(&mut cx)?;
    }
    cx.ch.count_reduction(commit::MAX_STACK_VARS);
    cx.ch.check()?;
    let (_, lookup_entries) = lookups::zk::shape(&pk.vk.plan).map_err(ProveError::Backend)?;
    Ok(cx.ch.counted_mask_entries() + lookup_entries)
}

/// The backward claim walk: each node's rule moves the claims on its output to its inputs,
/// weights and columns (linear ops after their claims are reduced to one). Starts from the
/// output's value at a random point, which the verifier computes itself from a public output
/// and is sent (and returned) for a private one.
fn walk(
    cx: &mut ProverCtx<'_>,
    output: &[i64],
    public_output: bool,
) -> Result<Option<EF>, ProveError> {
    let graph = cx.graph;
    let plan = cx.plan;
    let nv = crate::ops::util::layout(plan, graph.output, "output")?.num_vars();
    let tau = cx.ch.t.challenges(labels::OUTPUT_POINT, nv);
    let v = mle(output, &tau);
    if public_output {
        cx.pass_claim(graph.output, tau, v, "output")?;
        return walk_nodes(cx).map(|()| None);
    }
    // A private output's value at `τ` is sent masked (with the pool's next claim mask).
    let claim = cx.ch.mask_value(&tau, v);
    cx.ch.t.absorb_ext(labels::OUTPUT_CLAIM, claim.value);
    let sent = claim.value;
    cx.pass(graph.output, claim, "output")?;
    walk_nodes(cx).map(|()| Some(sent))
}

/// The walk over the nodes, from the last (the output's claim is routed).
fn walk_nodes(cx: &mut ProverCtx<'_>) -> Result<(), ProveError> {
    let graph = cx.graph;
    let plan = cx.plan;
    for (idx, node) in graph.nodes.iter().enumerate().rev() {
        if node.op.is_nonlinear() {
            prove_node(cx, idx, None)?;
            continue;
        }
        let claims = cx.claims.take(node.output);
        let values = to_field(cx.wit.tensor(node.output, &node.name)?);
        // An op that takes masked claims gets one (masked again when its output is private);
        // any other op gets its claim in the clear.
        let aware = crate::ops::rule(&node.op).masked_claims(plan, node);
        let private = aware && cx.is_private(node.output);
        if let Some(c) =
            cx.ch
                .reduce_claims(Column::Base(values), claims, private, aware, &node.name)?
        {
            prove_node(cx, idx, Some(&c))?;
        }
    }
    unmask_column_claims(cx)
}

/// Claims on the public input (which the verifier evaluates) that arrived masked are reduced to
/// one plain claim. The witness claims are left for the reduction to one claim on the hiding
/// commitment's stack (`prove_inner`; docs/ZK.md §13), the weights' for [`weights_on_stack`]
/// or [`unmask_weight_claims`] right after the walk. The verifier's twin is
/// `verifier::unmask_column_claims`.
fn unmask_column_claims(cx: &mut ProverCtx<'_>) -> Result<(), ProveError> {
    // Claims on the public input (which the verifier evaluates) may arrive masked through a
    // linear map: one plain claim replaces them.
    if cx.claims.public_input.iter().any(Claim::is_masked) {
        let claims = std::mem::take(&mut cx.claims.public_input);
        let values = to_field(cx.wit.tensor(cx.graph.input, "input")?);
        if let Some(c) = cx
            .ch
            .reduce_claims(Column::Base(values), claims, false, false, "input")?
        {
            cx.claims.public_input.push(c);
        }
    }
    Ok(())
}

/// Public weights and a plain weights commitment: the masked claims on the weights are reduced
/// per column, in column order, to one plain claim (a masked reduction that consumes their
/// masks; docs/ZK-sumcheck.md §5.6), which the verifier evaluates itself (public weights) or
/// the plain opening reveals.
fn unmask_weight_claims(cx: &mut ProverCtx<'_>) -> Result<(), ProveError> {
    let weights = std::mem::take(&mut cx.claims.weights);
    cx.claims.weights = unmask(cx, weights, |cx, c| {
        cx.weights
            .get(c)
            .map(|v| to_field(v))
            .ok_or_else(|| key_mismatch("opening", "weight column"))
    })?;
    Ok(())
}

/// Private weights on the key's reusable hiding commitments: every claim on the weights (masked
/// or not) lifted to its group's stack and, per group in group order, all reduced to one claim
/// `P_g(ρ_g) = v_g` by one masked claim reduction, `v_g` made uniform by the group's opening
/// mask (docs/ZK.md §6.1).
/// The verifier's twin is `verifier::weights_on_stack`.
fn weights_on_stack(
    cx: &mut ProverCtx<'_>,
    groups: &crate::weights::Groups<'_>,
) -> Result<Vec<StackClaim>, ProveError> {
    let weights = std::mem::take(&mut cx.claims.weights);
    let per_group = groups.claims_by_group(weights).ok_or_else(|| {
        key_mismatch(
            "weights opening",
            "a claim on a weight column in no group, or a tied claim's point",
        )
    })?;
    let mut stacks = Vec::with_capacity(per_group.len());
    for (g, claims) in per_group.into_iter().enumerate() {
        let (claims, weighted) = crate::weights::lift_group_claims(
            claims,
            |cols| groups.lift(g, cols),
            key_mismatch("weights opening", "stack lift"),
        )?;
        // Borrowed from the key when it stores the group's data: the reduction reads it until
        // its first fold and makes no copy.
        let poly = groups.stacked_values(cx.weights, g)?;
        let at = "weights opening";
        let c = cx
            .ch
            .reduce_weighted_claims_always(poly, claims, &weighted, false, at)?
            .ok_or_else(|| key_mismatch(at, "no claim on a weights group"))?;
        stacks.push(StackClaim {
            point: c.point,
            value: c.value,
        });
    }
    Ok(stacks)
}

/// The prover's side of the weights commitment, until it is opened.
enum WeightsProver<'a> {
    Plain(zkinfer_pcs::Commitment, Box<zkinfer_pcs::CommittedData>),
    Hiding(Box<crate::weights::Groups<'a>>),
    /// Opened with the witness (its commitment, for the proof).
    Joint(Vec<zkinfer_pcs::ReusableCommitment>),
    /// The masked commitment, opened with the witness (docs/ZK.md §18).
    MaskedJoint(zkinfer_pcs::masked::MaskedBatchCommitment),
}

fn unmask(
    cx: &mut ProverCtx<'_>,
    claims: Vec<ColClaim>,
    values: impl Fn(&ProverCtx<'_>, usize) -> Result<Vec<F>, ProveError>,
) -> Result<Vec<ColClaim>, ProveError> {
    let (plain, masked) = crate::claims::split_masked(claims);
    let mut out = plain;
    for (column, cs) in masked {
        let poly = Column::Base(values(cx, column)?);
        if let Some(claim) = cx.ch.reduce_claims(poly, cs, false, false, "opening")? {
            out.push(ColClaim { column, claim });
        }
    }
    Ok(out)
}

pub(crate) fn col_claims(cs: &[ColClaim]) -> Vec<ColumnClaim> {
    cs.iter()
        .map(|c| ColumnClaim {
            column: c.column,
            point: c.claim.point.clone(),
            value: c.claim.value,
        })
        .collect()
}

fn backend(e: impl std::fmt::Display) -> ProveError {
    ProveError::Backend(e.to_string())
}
