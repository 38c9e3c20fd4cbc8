//! The verifier. It recomputes every challenge, checks every sumcheck and lookup, evaluates the
//! public input and output itself, and checks the openings (the witness's and the weights', or
//! their joint opening: docs/ZK.md §15). It never panics and never accepts by
//! default: every path that does not reach the end returns an error.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

use zkinfer_field::{F, Transcript};
use zkinfer_pcs::Pcs;
use zkinfer_sumcheck::MaskPoolVerifier;

use crate::channel::Reader;
use crate::claims::{Claim, Claims};
use crate::commit::{self, WitnessCommitment, WitnessOpening};
use crate::error::VerifyError;
use crate::hashed;
use crate::keys::{VerifyingKey, hex};
use crate::lookups;
use crate::ops::{VerifierCtx, mle, to_field, verify_node};
use crate::plan::{Source, WeightsVisibility};
use crate::proof::{Lookups, Proof};
use crate::prover::{col_claims, labels};
use crate::weights::{self, WeightsCommitment, WeightsOpening};

/// Verifies `proof` against `vk`. `input` is the quantized public input the verifier expects
/// (required when the model's input is public, unless the proof's own is to be trusted as the
/// statement); `expected_output`, if given, must equal the proven output (logical layout).
/// Returns the proven output, logical layout.
///
/// # Errors
/// A [`VerifyError`] naming the first check that failed.
pub fn verify(
    vk: &VerifyingKey,
    proof: &Proof,
    input: Option<&[i64]>,
    expected_output: Option<&[i64]>,
) -> Result<Vec<i64>, VerifyError> {
    check_key_settings(vk)?;
    // Recomputing the key's digest hashes the whole plan (≈ 6% of a MobileNet-v2 verification,
    // all on one core): it runs on a thread of its own beside the proof's checks, which use the
    // stored digest and stay on the caller's thread, and a mismatch rejects whatever they found.
    let (digest, verdict) = std::thread::scope(|s| {
        let digest = std::thread::Builder::new()
            .name("zkinfer-vk-digest".into())
            .spawn_scoped(s, || vk.check_digest());
        let verdict = verify_with_checked_settings(vk, proof, input, expected_output);
        let digest = match digest {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|_| Err("the key's digest could not be computed".into())),
            // No thread to be had: compute it here.
            Err(_) => vk.check_digest(),
        };
        (digest, verdict)
    });
    digest.map_err(VerifyError::KeyDigest)?;
    verdict
}

/// [`verify`] after the key's settings are checked; its digest is checked beside it.
fn verify_with_checked_settings(
    vk: &VerifyingKey,
    proof: &Proof,
    input: Option<&[i64]>,
    expected_output: Option<&[i64]>,
) -> Result<Vec<i64>, VerifyError> {
    if proof.vk_digest != vk.digest {
        return Err(VerifyError::WrongModel {
            expected: hex(&vk.digest),
            got: hex(&proof.vk_digest),
        });
    }
    let plan = &vk.plan;
    let graph = &plan.graph;
    let in_layout = plan
        .layouts
        .get(graph.input)
        .ok_or_else(|| VerifyError::Malformed("vk has no input layout".into()))?;
    let out_layout = plan
        .layouts
        .get(graph.output)
        .ok_or_else(|| VerifyError::Malformed("vk has no output layout".into()))?;

    let mut t = Transcript::new(&vk.digest);
    let public_input = match (plan.sources.get(graph.input), &proof.public_input) {
        (Some(Source::PublicInput), Some(pi)) => {
            if pi.len() != in_layout.logical_len() {
                return Err(VerifyError::Malformed(format!(
                    "public input has {} values, expected {}",
                    pi.len(),
                    in_layout.logical_len()
                )));
            }
            check_input_range(pi, graph)?;
            if let Some(want) = input
                && want != pi.as_slice()
            {
                return Err(VerifyError::at(
                    "input",
                    "the proof is for a different input",
                ));
            }
            let stored = in_layout.scatter(pi);
            t.absorb_ints(labels::INPUT, &stored);
            Some(stored)
        }
        (Some(Source::Committed { .. }), None) => None,
        _ => {
            return Err(VerifyError::Malformed(
                "input visibility does not match the verifying key".into(),
            ));
        }
    };
    let public_output = plan.options.output.is_public();
    let stored_out = if public_output {
        if proof.output_claim.is_some() {
            return Err(VerifyError::Malformed(
                "the key's output is public: the proof must carry the output, not its claimed \
                 value"
                    .into(),
            ));
        }
        out_layout
            .join_padding(&proof.output, &proof.output_pad)
            .map_err(|e| VerifyError::Malformed(format!("public output: {e}")))?
    } else {
        if !proof.output.is_empty() || !proof.output_pad.is_empty() || proof.output_claim.is_none()
        {
            return Err(VerifyError::Malformed(
                "the key's output is not public: the proof must carry its claimed value, not \
                 the output"
                    .into(),
            ));
        }
        if expected_output.is_some() {
            return Err(VerifyError::at(
                "output",
                "this model's output is not public: there is no output to compare",
            ));
        }
        Vec::new()
    };
    let logical_out = proof.output.clone();
    if let Some(want) = expected_output {
        if want.len() != logical_out.len() {
            return Err(VerifyError::Malformed(
                "expected output of the wrong length".into(),
            ));
        }
        if let Some(index) = want.iter().zip(&logical_out).position(|(a, b)| a != b) {
            return Err(VerifyError::OutputMismatch { index });
        }
    }
    if public_output {
        t.absorb_ints(labels::OUTPUT, &stored_out);
    }

    let pcs = Pcs::new(vk.pcs);
    let public_weights = plan.options.weights == WeightsVisibility::Public;
    let hiding_weights = vk.weights_uses > 0;
    let masked_joint = vk.masked_joint().filter(|_| hiding_weights);
    match (&proof.weights, &proof.weights_opening, public_weights) {
        (Some(WeightsCommitment::Masked(w)), Some(WeightsOpening::WithWitness), false)
            if let Some(joint) = masked_joint =>
        {
            let uses = vk.weights_uses as usize;
            let expected = weights::expected_masked(
                &vk.weights_root,
                &weights::WeightShapes::of(plan),
                vk.pcs,
                uses,
                joint,
            )?;
            if *w != expected {
                return Err(VerifyError::at(
                    "weights commitment",
                    "the weights differ from those of the verifying key",
                ));
            }
            zkinfer_pcs::masked::MaskedPcs::new(joint.config(vk.pcs))
                .absorb_reusable_batch_commitment(w, uses, &mut t)
                .map_err(|e| VerifyError::at("weights commitment", e))?;
        }
        (Some(WeightsCommitment::Plain(w)), Some(WeightsOpening::Plain(_)), false)
            if !hiding_weights =>
        {
            pcs.absorb_commitment(w, &mut t)
                .map_err(|e| VerifyError::at("weights commitment", e))?;
            if w.root().as_slice() != vk.weights_root.as_slice() {
                return Err(VerifyError::at(
                    "weights commitment",
                    "the weights differ from those of the verifying key",
                ));
            }
            check_shapes(w.num_vars(), &plan.weight_columns, "weights")?;
        }
        (Some(WeightsCommitment::Hiding(ws)), Some(WeightsOpening::Hiding(_)), false)
            if hiding_weights && masked_joint.is_none() =>
        {
            let shapes = weights::WeightShapes::of(plan);
            if *ws != weights::expected(&vk.weights_root, &shapes, vk.pcs, vk.weights_uses)? {
                return Err(VerifyError::at(
                    "weights commitment",
                    "the weights differ from those of the verifying key",
                ));
            }
            let engines = weights::verifier_engines(vk.pcs, &shapes, vk.weights_uses as usize)?;
            for (engine, w) in engines.iter().zip(ws) {
                engine
                    .absorb_reusable_commitment(w, &mut t)
                    .map_err(|e| VerifyError::at("weights commitment", e))?;
            }
        }
        (Some(_), Some(_), false) => {
            return Err(VerifyError::Malformed(
                "the weights' commitment and opening are not of the kind the key's weights \
                 commitment is (a masked one, a reusable hiding one, or a plain one)"
                    .into(),
            ));
        }
        (None, None, true) => {}
        _ => {
            return Err(VerifyError::Malformed(
                "the weights' commitment and opening do not match the key's weights visibility \
                 (a proof carries both for private weights, neither for public ones)"
                    .into(),
            ));
        }
    }
    // With masked sumchecks the witness batch ends with the mask pool's column, and before it
    // (with blinded lookups, which need the pool) the lookups' blinding column's two
    // coordinate columns.
    let blinded = match (&proof.lookups, &proof.mask_pool) {
        (Lookups::Blinded(_), Some(_)) => true,
        (Lookups::Plain(_), _) => false,
        (Lookups::Blinded(_), None) => {
            return Err(VerifyError::Malformed(
                "blinded lookups in a proof without masked sumchecks".into(),
            ));
        }
    };
    let (witness_vars, pool) = match &proof.mask_pool {
        None => (proof.witness.num_vars(), None),
        Some(_) => {
            let (last, rest) = proof
                .witness
                .num_vars()
                .split_last()
                .ok_or_else(|| VerifyError::at("witness", "no mask pool column"))?;
            let size = 1usize
                .checked_shl(last.saturating_sub(1))
                .filter(|_| (1..=40).contains(last))
                .ok_or_else(|| VerifyError::at("witness", "mask pool column of a bad size"))?;
            let pool = MaskPoolVerifier::new(size).map_err(|e| VerifyError::at("mask pool", e))?;
            (rest, Some(pool))
        }
    };
    // With masked sumchecks, the opening mask column before the pool (docs/ZK.md §13).
    let witness_vars = match (&proof.mask_pool, witness_vars.split_last()) {
        (None, _) => witness_vars,
        (Some(_), Some((&m, rest))) if m as usize == commit::OPENING_MASK_VARS => rest,
        (Some(_), _) => {
            return Err(VerifyError::at(
                "witness",
                "no opening mask column of the expected size",
            ));
        }
    };
    let witness_vars = if blinded {
        let (b_vars, _) = lookups::zk::shape(plan).map_err(|e| VerifyError::at("lookups", e))?;
        let b = u32::try_from(b_vars).unwrap_or(u32::MAX);
        match witness_vars.split_last_chunk::<2>() {
            Some((rest, [b0, b1])) if *b0 == b && *b1 == b => rest,
            _ => {
                return Err(VerifyError::at(
                    "witness",
                    "no lookup blinding column of the plan's size",
                ));
            }
        }
    } else {
        witness_vars
    };
    let first_b = plan.witness_columns.len();
    let pool_column = proof.witness.num_vars().len().saturating_sub(1);
    check_shapes(witness_vars, &plan.witness_columns, "witness")?;
    // The prover's choice of one opening for the witness and the weights, made from the same
    // public data (docs/ZK.md §15).
    let joint = match (&proof.weights, &proof.witness) {
        (Some(WeightsCommitment::Masked(_)), _) => {
            // Checked against the key above: a masked commitment is accepted only under a key
            // with a joint stack.
            let joint = vk.masked_joint().ok_or_else(|| {
                VerifyError::at("weights commitment", "a masked commitment under this key")
            })?;
            Some(commit::Joint::Masked(joint))
        }
        (
            Some(WeightsCommitment::Hiding(ws)),
            x @ (WitnessCommitment::Hiding(_) | WitnessCommitment::Masked(_)),
        ) => weights::joint(
            vk.pcs,
            &weights::WeightShapes::of(plan),
            ws,
            vk.weights_uses as usize,
            x.num_vars(),
        ),
        _ => None,
    };
    commit::absorb(vk.pcs, &proof.witness, joint.as_ref(), &mut t)?;
    let hashed_specs = hashed::absorb(vk.pcs, plan, &proof.hashed, &mut t)?;

    let mut cx = VerifierCtx {
        plan,
        public_input: public_input.as_deref(),
        rd: match pool {
            Some(p) => Reader::with_pool(&mut t, &proof.msgs, p),
            None => Reader::new(&mut t, &proof.msgs),
        },
        claims: Claims::new(graph.tensors.len()),
    };
    let blinding_claims = match &proof.lookups {
        Lookups::Blinded(p) => lookups::zk::verify(&mut cx, p, first_b)?,
        Lookups::Plain(p) => {
            lookups::verify_all(&mut cx, p)?;
            Vec::new()
        }
    };

    let tau = cx
        .rd
        .t
        .challenges(labels::OUTPUT_POINT, out_layout.num_vars());
    let claim = match proof.output_claim {
        None => Claim::new(tau.clone(), mle(&stored_out, &tau)),
        Some(v) => {
            let c = cx.rd.masked_value(&tau, v, "output")?;
            cx.rd.t.absorb_ext(labels::OUTPUT_CLAIM, v);
            c
        }
    };
    cx.pass(graph.output, claim, "output")?;
    for (idx, node) in graph.nodes.iter().enumerate().rev() {
        if node.op.is_nonlinear() {
            verify_node(&mut cx, idx, None)?;
            continue;
        }
        let nv = plan
            .layouts
            .get(node.output)
            .map_or(0, crate::layout::Layout::num_vars);
        let claims = cx.claims.take(node.output);
        let aware = crate::ops::rule(&node.op).masked_claims(plan, node);
        let private = aware && cx.is_private(node.output);
        if let Some(c) = cx
            .rd
            .verify_reduce_claims(nv, claims, private, aware, &node.name)?
        {
            verify_node(&mut cx, idx, Some(&c))?;
        }
    }
    unmask_column_claims(&mut cx)?;
    let weights_stack = match &proof.weights {
        Some(WeightsCommitment::Hiding(ws)) => weights_on_stack(&mut cx, vk, ws)?,
        Some(WeightsCommitment::Masked(w)) => vec![masked_weights_on_stack(&mut cx, vk, w)?],
        _ => {
            let weights = std::mem::take(&mut cx.claims.weights);
            cx.claims.weights = unmask(&mut cx.rd, weights, &plan.weight_columns)?;
            Vec::new()
        }
    };
    // The prover's stack reduction: the claims on the hiding witness commitment (the walk's and
    // the blinding column's) reduced to one claim on its whole stack (docs/ZK.md §13).
    let mut blinding_claims = blinding_claims;
    let stack_claim = if proof.mask_pool.is_some() {
        let witness = std::mem::take(&mut cx.claims.witness);
        let mut vars = 0;
        let stack_claims = crate::claims::on_stack(
            witness,
            std::mem::take(&mut blinding_claims),
            |cols| {
                commit::lift(vk.pcs, &proof.witness, joint.as_ref(), cols).map(|(n, points)| {
                    vars = n;
                    points
                })
            },
            VerifyError::at("opening", "a stack lift of the wrong length"),
        )?;
        cx.rd
            .verify_reduce_claims_always(vars, stack_claims, false, "opening")?
            .map(|c| zkinfer_pcs::StackClaim {
                point: c.point,
                value: c.value,
            })
    } else {
        None
    };
    let VerifierCtx {
        mut rd, mut claims, ..
    } = cx;
    let pool = rd.take_pool();
    rd.finish()?;
    let mut pool_claims = Vec::new();
    if let (Some(pool), Some(proof_pool)) = (pool, &proof.mask_pool) {
        let cs = pool
            .finish(&mut t, proof_pool)
            .map_err(|e| VerifyError::at("mask pool", e))?;
        pool_claims.extend(cs.into_iter().map(|c| zkinfer_pcs::ColumnClaim {
            column: pool_column,
            point: c.point,
            value: c.value,
        }));
    }
    for c in hashed::verify(vk.pcs, plan, &hashed_specs, &proof.hashed, &mut t)? {
        claims.witness(c.column, c.point, c.value);
    }
    // Every claim on a derived tensor must have been moved on by its layer.
    if claims.derived.iter().any(|c| !c.is_empty()) {
        return Err(VerifyError::at("walk", "a claim was left undischarged"));
    }

    if let Some(stored) = public_input {
        let f: Vec<F> = to_field(&stored);
        for c in &claims.public_input {
            if c.point.len() != in_layout.num_vars()
                || zkinfer_poly::evaluate(&f, &c.point) != c.value
            {
                return Err(VerifyError::at(
                    "input",
                    "a claim on the public input is false",
                ));
            }
        }
    } else if !claims.public_input.is_empty() {
        return Err(VerifyError::at(
            "input",
            "claims on a public input in a committed-input proof",
        ));
    }
    for (cs, com) in [
        (&claims.weights, &plan.weight_columns),
        (&claims.witness, &plan.witness_columns),
    ] {
        for c in cs {
            if com
                .get(c.column)
                .is_none_or(|s| s.num_vars != c.claim.point.len())
            {
                return Err(VerifyError::at(
                    "opening",
                    "a claim does not fit its column",
                ));
            }
        }
    }
    // The witness's opening first, then the weights' (the prover's order: it re-derives the
    // weights' groups after dropping the witness's data).
    let mut witness_claims = col_claims(&claims.witness);
    witness_claims.extend(blinding_claims);
    witness_claims.extend(pool_claims);
    if let Some(commit::Joint::Masked(masked)) = &joint {
        let (
            WitnessCommitment::Masked(x),
            WitnessOpening::Masked(o),
            Some(WeightsCommitment::Masked(w)),
            [stack],
        ) = (
            &proof.witness,
            &proof.witness_opening,
            &proof.weights,
            &weights_stack[..],
        )
        else {
            return Err(VerifyError::at(
                "opening",
                "the opening is not of the commitment's kind: for this key the witness and the \
                 weights are opened together, in one masked opening",
            ));
        };
        return zkinfer_pcs::masked::MaskedPcs::new(masked.config(vk.pcs))
            .verify_joint_batch(
                w,
                &[],
                std::slice::from_ref(stack),
                x,
                &witness_claims,
                stack_claim.as_slice(),
                o,
                &mut t,
            )
            .map(|()| logical_out)
            .map_err(|e| VerifyError::at("joint opening", e));
    }
    if let Some(commit::Joint::Hiding(engine, shape)) = &joint {
        let (
            WitnessCommitment::Hiding(x),
            WitnessOpening::Joint(o),
            Some(WeightsCommitment::Hiding(ws)),
            Some(WeightsOpening::Hiding(os)),
        ) = (
            &proof.witness,
            &proof.witness_opening,
            &proof.weights,
            &proof.weights_opening,
        )
        else {
            return Err(VerifyError::at(
                "opening",
                "the opening is not of the commitment's kind: for this key and witness the \
                 witness and the weights are opened together, in one joint opening",
            ));
        };
        let ([w], [stack], true) = (&ws[..], &weights_stack[..], os.is_empty()) else {
            return Err(VerifyError::at(
                "opening",
                "a joint opening with weights openings or claims besides",
            ));
        };
        return engine
            .verify_joint(
                shape,
                w,
                std::slice::from_ref(stack),
                x,
                &witness_claims,
                stack_claim.as_slice(),
                o,
                &mut t,
            )
            .map(|()| logical_out)
            .map_err(|e| VerifyError::at("joint opening", e));
    }
    commit::verify(
        vk.pcs,
        &proof.witness,
        &witness_claims,
        stack_claim.as_ref(),
        &proof.witness_opening,
        &mut t,
    )?;
    match (&proof.weights, &proof.weights_opening) {
        (Some(WeightsCommitment::Plain(w)), Some(WeightsOpening::Plain(o))) => pcs
            .verify(w, &col_claims(&claims.weights), o, &mut t)
            .map_err(|e| VerifyError::at("weights opening", e))?,
        (Some(WeightsCommitment::Hiding(ws)), Some(WeightsOpening::Hiding(os))) => {
            if os.len() != ws.len() || weights_stack.len() != ws.len() {
                return Err(VerifyError::at(
                    "weights opening",
                    format!(
                        "{} openings and {} claims for {} weights groups",
                        os.len(),
                        weights_stack.len(),
                        ws.len()
                    ),
                ));
            }
            let shapes = weights::WeightShapes::of(plan);
            let engines = weights::verifier_engines(vk.pcs, &shapes, vk.weights_uses as usize)?;
            for (((engine, w), o), stack) in engines.iter().zip(ws).zip(os).zip(&weights_stack) {
                engine
                    .verify_reusable(w, &[], std::slice::from_ref(stack), o, &mut t)
                    .map_err(|e| VerifyError::at("weights opening", e))?;
            }
        }
        (None, None) => check_public_weights(vk, &claims.weights)?,
        _ => {
            return Err(VerifyError::Malformed(
                "the weights' commitment and opening are of different kinds".into(),
            ));
        }
    }
    Ok(logical_out)
}

/// The twin of the prover's `unmask_column_claims`: masked claims on the public input reduced
/// to one plain claim (the weights' are settled right after, the witness claims go to the stack
/// reduction).
fn unmask_column_claims(cx: &mut VerifierCtx<'_>) -> Result<(), VerifyError> {
    let plan = cx.plan;
    if cx.claims.public_input.iter().any(Claim::is_masked) {
        let claims = std::mem::take(&mut cx.claims.public_input);
        let nv = plan
            .layouts
            .get(plan.graph.input)
            .map_or(0, crate::layout::Layout::num_vars);
        if let Some(c) = cx
            .rd
            .verify_reduce_claims(nv, claims, false, false, "input")?
        {
            cx.claims.public_input.push(c);
        }
    }
    Ok(())
}

/// The twin of the prover's `weights_on_stack`: the claims on the weights lifted to their
/// groups' stacks and, per group in group order, reduced to one claim there.
fn weights_on_stack(
    cx: &mut VerifierCtx<'_>,
    vk: &VerifyingKey,
    ws: &[zkinfer_pcs::ReusableCommitment],
) -> Result<Vec<zkinfer_pcs::StackClaim>, VerifyError> {
    let shapes = weights::WeightShapes::of(&vk.plan);
    let uses = vk.weights_uses as usize;
    let groups = weights::groups(vk.pcs, &shapes, uses);
    let engines = weights::verifier_engines(vk.pcs, &shapes, uses)?;
    if engines.len() != ws.len() {
        return Err(VerifyError::at(
            "weights commitment",
            "the proof's weights commitments are not the key's groups",
        ));
    }
    let weights = std::mem::take(&mut cx.claims.weights);
    let per_group = weights::claims_by_group(weights, &vk.plan.weight_aliases, &groups, &shapes)
        .ok_or_else(|| {
            VerifyError::at(
                "weights opening",
                "a claim on a weight column in no group, or a tied claim's point",
            )
        })?;
    let mut stacks = Vec::with_capacity(per_group.len());
    for ((claims, engine), w) in per_group.into_iter().zip(&engines).zip(ws) {
        let mut n = 0;
        let (claims, weighted) = weights::lift_group_claims(
            claims,
            |cols| {
                engine
                    .lift_reusable(w, cols)
                    .map(|(vars, points)| {
                        n = vars;
                        points
                    })
                    .map_err(|e| VerifyError::at("weights opening", e))
            },
            VerifyError::at("weights opening", "a stack lift of the wrong length"),
        )?;
        let at = "weights opening";
        let c = cx
            .rd
            .verify_reduce_weighted_claims_always(n, claims, weighted, false, at)?
            .ok_or_else(|| VerifyError::at(at, "no claim on a weights group"))?;
        stacks.push(zkinfer_pcs::StackClaim {
            point: c.point,
            value: c.value,
        });
    }
    Ok(stacks)
}

/// [`weights_on_stack`] for a key whose weights are on one masked commitment `w`: the claims on
/// the weights lifted to its columns' stack and reduced to one claim there.
fn masked_weights_on_stack(
    cx: &mut VerifierCtx<'_>,
    vk: &VerifyingKey,
    w: &zkinfer_pcs::masked::MaskedBatchCommitment,
) -> Result<zkinfer_pcs::StackClaim, VerifyError> {
    let shapes = weights::WeightShapes::of(&vk.plan);
    let groups = weights::groups(vk.pcs, &shapes, vk.weights_uses as usize);
    let joint = vk.masked_joint().ok_or_else(|| {
        VerifyError::at(
            "weights opening",
            "a masked weights commitment under a key without one",
        )
    })?;
    let engine = zkinfer_pcs::masked::MaskedPcs::new(joint.config(vk.pcs));
    let weights = std::mem::take(&mut cx.claims.weights);
    let at = "weights opening";
    let Some([claims]) =
        weights::claims_by_group(weights, &vk.plan.weight_aliases, &groups, &shapes)
            .map(<[_; 1]>::try_from)
            .and_then(Result::ok)
    else {
        return Err(VerifyError::at(
            at,
            "a claim on a weight column in no group, a tied claim's point, or weights in \
             several groups",
        ));
    };
    let mut n = 0;
    let (claims, weighted) = weights::lift_group_claims(
        claims,
        |cols| {
            engine
                .lift_batch(w, cols)
                .map(|(vars, points)| {
                    n = vars;
                    points
                })
                .map_err(|e| VerifyError::at(at, e))
        },
        VerifyError::at(at, "a stack lift of the wrong length"),
    )?;
    let c = cx
        .rd
        .verify_reduce_weighted_claims_always(n, claims, weighted, false, at)?
        .ok_or_else(|| VerifyError::at(at, "no claim on the weights"))?;
    Ok(zkinfer_pcs::StackClaim {
        point: c.point,
        value: c.value,
    })
}

/// The claims on committed columns of shapes `specs`, the masked ones of each column reduced to
/// one plain claim (the prover's `unmask`).
fn unmask(
    rd: &mut Reader<'_>,
    claims: Vec<crate::claims::ColClaim>,
    specs: &[crate::plan::ColumnSpec],
) -> Result<Vec<crate::claims::ColClaim>, VerifyError> {
    let (mut out, masked) = crate::claims::split_masked(claims);
    for (column, cs) in masked {
        let nv = specs
            .get(column)
            .map(|s| s.num_vars)
            .ok_or_else(|| VerifyError::at("opening", "a claim on a missing column"))?;
        if let Some(claim) = rd.verify_reduce_claims(nv, cs, false, false, "opening")? {
            out.push(crate::claims::ColClaim { column, claim });
        }
    }
    Ok(out)
}

/// Public weights: the verifier evaluates every claim on a weight column from the key's own
/// weights (which its digest covers).
fn check_public_weights(
    vk: &VerifyingKey,
    claims: &[crate::claims::ColClaim],
) -> Result<(), VerifyError> {
    let cols = crate::witness::weight_columns(&vk.plan.graph, &vk.plan)
        .map_err(|e| VerifyError::at("public weights", e))?;
    for c in claims {
        let col = cols
            .get(c.column)
            .ok_or_else(|| VerifyError::at("public weights", "a claim on a missing column"))?;
        if col.len() != 1usize << c.claim.point.len()
            || zkinfer_poly::evaluate(&to_field(col), &c.claim.point) != c.claim.value
        {
            return Err(VerifyError::at(
                "public weights",
                "a claim on the key's weights is false",
            ));
        }
    }
    Ok(())
}

/// What the verifier requires of a key before it reads a proof (issue 13, 6d): its digest is
/// the digest of its contents (recomputed here, not only when a key file is decoded), its
/// commitment settings are at least [`zkinfer_pcs::MIN_SECURITY_BITS`] bits in a proven regime,
/// and its activation width is one the engine compiles.
///
/// # Errors
/// [`VerifyError::KeyDigest`] or [`VerifyError::WeakKey`].
pub fn check_key(vk: &VerifyingKey) -> Result<(), VerifyError> {
    vk.check_digest().map_err(VerifyError::KeyDigest)?;
    check_key_settings(vk)
}

/// [`check_key`] without the digest: the commitment settings and the activation width.
fn check_key_settings(vk: &VerifyingKey) -> Result<(), VerifyError> {
    vk.pcs
        .check_min_security()
        .map_err(|e| VerifyError::WeakKey(e.to_string()))?;
    let bits = vk.plan.graph.act_bits;
    if !zkinfer_model::BITS.contains(&bits) {
        return Err(VerifyError::WeakKey(format!(
            "activation width {bits} bits is outside {:?}",
            zkinfer_model::BITS
        )));
    }
    if let Some(j) = vk.masked_joint()
        && !commit::MASKED_JOINT_FOLDS.contains(&j.fold)
    {
        return Err(VerifyError::WeakKey(format!(
            "the masked weights commitment's first fold is {}, not one of {:?}",
            j.fold,
            commit::MASKED_JOINT_FOLDS
        )));
    }
    Ok(())
}

/// The public input's range. Token ids (an input that indexes an embedding) must lie in
/// `[0, vocab)`: the embedding's selector is built from them by the verifier, and an id outside
/// the table selects no row. Every other public input value, and token ids that also feed
/// arithmetic, must lie in the signed activation range (issue 13, 6a): the engine's identities
/// hold over the integers only for values the integer semantics produce, and a value near `p/2`
/// would wrap the field.
fn check_input_range(values: &[i64], graph: &crate::ir::ProofGraph) -> Result<(), VerifyError> {
    // Token ids at an offset of a packed input (several graph inputs): each window against its
    // own vocabulary.
    for (off, len, vocab) in graph.input_id_windows() {
        let vocab_i = i64::try_from(vocab).unwrap_or(i64::MAX);
        let window = values.get(off..off.saturating_add(len)).ok_or_else(|| {
            VerifyError::at("public input", "shorter than the token ids it holds")
        })?;
        if let Some(i) = window.iter().position(|v| !(0..vocab_i).contains(v)) {
            return Err(VerifyError::TokenIdOutOfRange {
                position: off + i,
                id: window.get(i).copied().unwrap_or_default(),
                vocab,
            });
        }
    }
    // The attention masks beside them: 0 or 1 (the bounds the compiler assumed).
    for (off, len) in graph.input_mask_windows() {
        let window = values
            .get(off..off.saturating_add(len))
            .ok_or_else(|| VerifyError::at("public input", "shorter than its mask"))?;
        if let Some(i) = window.iter().position(|v| !(0..=1).contains(v)) {
            return Err(VerifyError::InputOutOfRange {
                index: off + i,
                value: window.get(i).copied().unwrap_or_default(),
                min: 0,
                max: 1,
            });
        }
    }
    if graph.input_vocab().is_none() && graph.input_only_indexes() {
        return Ok(());
    }
    if let Some(vocab) = graph.input_vocab() {
        let vocab_i = i64::try_from(vocab).unwrap_or(i64::MAX);
        if let Some(position) = values.iter().position(|v| !(0..vocab_i).contains(v)) {
            return Err(VerifyError::TokenIdOutOfRange {
                position,
                id: values.get(position).copied().unwrap_or_default(),
                vocab,
            });
        }
        if graph.input_only_indexes() {
            return Ok(());
        }
    }
    let (min, max) = zkinfer_model::act_range(graph.act_bits);
    match values.iter().position(|v| !(min..=max).contains(v)) {
        None => Ok(()),
        Some(index) => Err(VerifyError::InputOutOfRange {
            index,
            value: values.get(index).copied().unwrap_or_default(),
            min,
            max,
        }),
    }
}

fn check_shapes(
    num_vars: &[u32],
    cols: &[crate::plan::ColumnSpec],
    what: &str,
) -> Result<(), VerifyError> {
    let want: Vec<u32> = cols
        .iter()
        .map(|s| u32::try_from(s.num_vars).unwrap_or(u32::MAX))
        .collect();
    if num_vars != want.as_slice() {
        return Err(VerifyError::at(
            what,
            "commitment has the wrong column shapes",
        ));
    }
    Ok(())
}
