//! The lookups of a proof: one LogUp instance per distinct table, across the whole model.
//!
//! Each [`LookupUse`] names the columns it reads; after the LogUp proof the claims on those
//! columns are routed: committed columns to the opening, the input of an element-wise op to its
//! tensor (which may be a derived tensor whose claim flows back through linear layers), and a
//! max-pool's differences `y − Wκ` split into claims on `y` and the windows; a lookup that reads
//! a committed column directly ([`LookupWitness::Column`]) leaves its claim on that column.

use rayon::prelude::*;
use zkinfer_field::{F, PrimeField64};
use zkinfer_lookup::{LookupClaims, LookupProof, Outputs, Table};

use crate::claims::Claim;
use crate::error::{ProveError, VerifyError};
use crate::ir::ProofGraph;
use crate::ops::{ProverCtx, VerifierCtx, mle, to_field};
use crate::plan::{LookupUse, LookupWitness, NodePlan, Plan, TableSpec};
use crate::witness::Witness;

/// The lookup table of a spec. A function table whose outputs were left out of a verifying key
/// is generated here; either way its outputs are checked against the digest the key records
/// (hashed once: the table's id reuses it).
///
/// # Errors
/// If the table differs from the one the key was made with (a different platform's
/// floating-point functions), or cannot be generated.
pub fn table(spec: &TableSpec) -> Result<Table, String> {
    Ok(match spec {
        TableSpec::Range { bits } => Table::Range { bits: *bits },
        TableSpec::SignedRange { bits } => Table::SignedRange { bits: *bits },
        TableSpec::Function {
            name,
            bits,
            outputs,
            generator,
            digest,
        } => {
            let outputs = Outputs::new(if outputs.is_empty() {
                generator
                    .generate(*bits)
                    .ok_or_else(|| format!("table `{name}` has no outputs"))?
            } else {
                outputs.clone()
            });
            if outputs.digest() != digest {
                return Err(format!(
                    "table `{name}` computed on this machine differs from the one in the key; verify on a machine with IEEE-754 libm results identical to the prover's, or use a key that embeds the table"
                ));
            }
            Table::Function {
                name: name.clone(),
                in_bits: *bits,
                outputs,
            }
        }
    })
}

/// Every table of a plan, generated in parallel.
///
/// # Errors
/// As [`table`], for the first table that fails.
pub fn tables(plan: &Plan) -> Result<Vec<Table>, String> {
    plan.tables.par_iter().map(table).collect()
}

/// The columns one lookup reads (one per table column).
#[must_use]
pub fn columns(graph: &ProofGraph, plan: &Plan, wit: &Witness, lu: &LookupUse) -> Vec<Vec<F>> {
    match lu.witness {
        LookupWitness::Input => vec![to_field(&wit.tensors[graph.input])],
        LookupWitness::RescaleOut { node } => match &plan.nodes[node] {
            NodePlan::Rescale { out, .. } => vec![to_field(&wit.columns[*out])],
            _ => Vec::new(),
        },
        LookupWitness::RescaleLimb { node, limb } => match &plan.nodes[node] {
            NodePlan::Rescale { limbs, .. } => vec![to_field(&wit.columns[limbs[limb]])],
            _ => Vec::new(),
        },
        LookupWitness::Elementwise { node } => match &plan.nodes[node] {
            NodePlan::Elementwise { out, .. } => vec![
                to_field(&wit.tensors[graph.nodes[node].inputs[0]]),
                to_field(&wit.columns[*out]),
            ],
            _ => Vec::new(),
        },
        LookupWitness::MaxDiff { node } => match &plan.nodes[node] {
            NodePlan::MaxPool { out, windows, .. } => {
                let y = &wit.columns[*out];
                let w = &wit.columns[*windows];
                let d: Vec<i64> = w
                    .iter()
                    .enumerate()
                    .map(|(i, &wv)| y[i % y.len()] - wv)
                    .collect();
                vec![to_field(&d)]
            }
            _ => Vec::new(),
        },
        LookupWitness::Column { column, .. } => vec![to_field(&wit.columns[column])],
    }
}

/// Multiplicity columns of every table (as stored integers), checking every row is in its table.
///
/// # Errors
/// [`ProveError::OutOfRange`]-like [`ProveError::Backend`] naming the layer whose value is not in
/// its table.
pub fn multiplicities(
    graph: &ProofGraph,
    plan: &Plan,
    wit: &Witness,
) -> Result<Vec<Vec<i64>>, ProveError> {
    multiplicities_inner(graph, plan, wit, true)
}

/// Multiplicities counting only the rows that are in their tables (for forged-proof tests).
#[must_use]
pub fn multiplicities_lenient(graph: &ProofGraph, plan: &Plan, wit: &Witness) -> Vec<Vec<i64>> {
    multiplicities_inner(graph, plan, wit, false).unwrap_or_default()
}

fn multiplicities_inner(
    graph: &ProofGraph,
    plan: &Plan,
    wit: &Witness,
    strict: bool,
) -> Result<Vec<Vec<i64>>, ProveError> {
    let tables = tables(plan).map_err(ProveError::Backend)?;
    let mut out = Vec::with_capacity(tables.len());
    for (t, uses) in tables.iter().zip(plan.lookups_by_table()) {
        let cols: Vec<(usize, Vec<Vec<F>>)> = uses
            .iter()
            .map(|lu| (node_of(lu), columns(graph, plan, wit, lu)))
            .collect();
        if !strict {
            let mut m = vec![0i64; 1 << t.num_vars()];
            for (_, c) in &cols {
                for row in 0..c.first().map_or(0, Vec::len) {
                    let tuple: Vec<F> = c.iter().map(|col| col[row]).collect();
                    if let Some(r) = t.row_of(&tuple) {
                        m[r] += 1;
                    }
                }
            }
            out.push(m);
            continue;
        }
        let refs: Vec<Vec<&[F]>> = cols
            .iter()
            .map(|(_, c)| c.iter().map(Vec::as_slice).collect())
            .collect();
        let m = zkinfer_lookup::multiplicities(t, &refs).map_err(|e| {
            let layer = match &e {
                zkinfer_lookup::LookupError::NotInTable { witness, .. } => cols
                    .get(*witness)
                    .and_then(|(n, _)| graph.nodes.get(*n))
                    .map_or("?", |n| n.name.as_str()),
                _ => "?",
            };
            ProveError::Backend(format!(
                "layer `{layer}`: {e}; recalibrate or widen the activation bits"
            ))
        })?;
        out.push(
            m.iter()
                .map(|x| i64::try_from(x.as_canonical_u64()).unwrap_or(i64::MAX))
                .collect(),
        );
    }
    Ok(out)
}

fn node_of(lu: &LookupUse) -> usize {
    match lu.witness {
        LookupWitness::Input => 0,
        LookupWitness::RescaleOut { node }
        | LookupWitness::RescaleLimb { node, .. }
        | LookupWitness::Elementwise { node }
        | LookupWitness::MaxDiff { node }
        | LookupWitness::Column { node, .. } => node,
    }
}

/// Proves every table's lookups in one batched LogUp-GKR proof.
///
/// # Errors
/// If a lookup cannot be proved (a value outside its table).
pub fn prove_all(
    cx: &mut ProverCtx<'_>,
    mults: &[Vec<i64>],
    strict: bool,
) -> Result<LookupProof, ProveError> {
    let tables = tables(cx.plan).map_err(ProveError::Backend)?;
    let uses = cx.plan.lookups_by_table();
    let cols: Vec<Vec<Vec<Vec<F>>>> = uses
        .iter()
        .map(|us| {
            us.iter()
                .map(|lu| columns(cx.graph, cx.plan, cx.wit, lu))
                .collect()
        })
        .collect();
    let instances: Vec<zkinfer_lookup::LookupInstance<'_>> = tables
        .iter()
        .zip(&cols)
        .map(|(t, c)| zkinfer_lookup::LookupInstance {
            table: t,
            witnesses: c
                .iter()
                .map(|w| w.iter().map(Vec::as_slice).collect())
                .collect(),
        })
        .collect();
    let mf: Vec<Vec<F>> = mults.iter().map(|m| to_field(m)).collect();
    let mrefs: Vec<&[F]> = mf.iter().map(Vec::as_slice).collect();
    let proved = if strict {
        zkinfer_lookup::prove_many(&instances, &mrefs, cx.ch.t)
    } else {
        zkinfer_lookup::prove_many_unchecked(&instances, &mrefs, cx.ch.t)
    };
    let (proof, claims) = proved.map_err(|e| ProveError::Backend(e.to_string()))?;
    for (ti, (us, cl)) in uses.iter().zip(&claims).enumerate() {
        discharge_prove(cx, ti, us, cl);
    }
    Ok(proof)
}

fn discharge_prove(cx: &mut ProverCtx<'_>, ti: usize, uses: &[LookupUse], claims: &LookupClaims) {
    let (mp, mv) = claims.multiplicity_claim.clone();
    cx.claims.witness(cx.plan.multiplicity_columns[ti], mp, mv);
    for (lu, wc) in uses.iter().zip(&claims.witness_claims) {
        match (lu.witness, &cx.plan.nodes[node_of(lu)]) {
            (LookupWitness::Input, _) => {
                let claim = Claim {
                    point: wc[0].0.clone(),
                    value: wc[0].1,
                };
                cx.claims.tensor(cx.plan, cx.graph.input, claim);
            }
            (LookupWitness::RescaleOut { .. }, NodePlan::Rescale { out, .. }) => {
                cx.claims.witness(*out, wc[0].0.clone(), wc[0].1);
            }
            (LookupWitness::RescaleLimb { limb, .. }, NodePlan::Rescale { limbs, .. }) => {
                cx.claims.witness(limbs[limb], wc[0].0.clone(), wc[0].1);
            }
            (LookupWitness::Elementwise { node }, NodePlan::Elementwise { out, .. }) => {
                let x = cx.graph.nodes[node].inputs[0];
                cx.claims.tensor(
                    cx.plan,
                    x,
                    Claim {
                        point: wc[0].0.clone(),
                        value: wc[0].1,
                    },
                );
                cx.claims.witness(*out, wc[1].0.clone(), wc[1].1);
            }
            (LookupWitness::MaxDiff { .. }, NodePlan::MaxPool { out, windows, .. }) => {
                let (p, _) = &wc[0];
                let no = cx.plan.witness_columns[*out].num_vars;
                let r_o = &p[p.len() - no..];
                let ye = mle(&cx.wit.columns[*out], r_o);
                let we = mle(&cx.wit.columns[*windows], p);
                cx.ch.send(vec![ye, we]);
                cx.claims.witness(*out, r_o.to_vec(), ye);
                cx.claims.witness(*windows, p.clone(), we);
            }
            (LookupWitness::Column { column, .. }, _) => {
                cx.claims.witness(column, wc[0].0.clone(), wc[0].1);
            }
            _ => {}
        }
    }
}

/// Verifies the batched lookup proof and routes its claims.
///
/// # Errors
/// If the lookup proof is malformed or rejected.
pub fn verify_all(cx: &mut VerifierCtx<'_>, proof: &LookupProof) -> Result<(), VerifyError> {
    let tables = tables(cx.plan).map_err(|e| VerifyError::at("lookups", e))?;
    let uses = cx.plan.lookups_by_table();
    let shapes: Vec<Vec<usize>> = uses
        .iter()
        .map(|us| us.iter().map(|lu| lu.num_vars).collect())
        .collect();
    let statements: Vec<(&Table, &[usize])> = tables
        .iter()
        .zip(&shapes)
        .map(|(t, s)| (t, s.as_slice()))
        .collect();
    let claims = zkinfer_lookup::verify_many(&statements, proof, cx.rd.t)
        .map_err(|e| VerifyError::at("lookups", e))?;
    if claims.len() != tables.len() {
        return Err(VerifyError::at(
            "lookups",
            "wrong number of lookup instances",
        ));
    }
    for (ti, (us, cl)) in uses.iter().zip(&claims).enumerate() {
        discharge_verify(cx, ti, us, cl, &format!("lookups into table {ti}"))?;
    }
    Ok(())
}

fn discharge_verify(
    cx: &mut VerifierCtx<'_>,
    ti: usize,
    uses: &[LookupUse],
    claims: &LookupClaims,
    at: &str,
) -> Result<(), VerifyError> {
    let bad = || VerifyError::at(at, "lookup claims do not match the plan");
    let (mp, mv) = claims.multiplicity_claim.clone();
    cx.claims.witness(
        *cx.plan.multiplicity_columns.get(ti).ok_or_else(bad)?,
        mp,
        mv,
    );
    if claims.witness_claims.len() != uses.len() {
        return Err(bad());
    }
    for (lu, wc) in uses.iter().zip(&claims.witness_claims) {
        let node = node_of(lu);
        let first = wc.first().ok_or_else(bad)?.clone();
        match (lu.witness, cx.plan.nodes.get(node).ok_or_else(bad)?.clone()) {
            (LookupWitness::Input, _) => {
                if !matches!(
                    cx.plan.sources.get(cx.plan.graph.input),
                    Some(crate::plan::Source::Committed { .. })
                ) {
                    return Err(bad());
                }
                cx.claims.tensor(
                    cx.plan,
                    cx.plan.graph.input,
                    Claim {
                        point: first.0,
                        value: first.1,
                    },
                );
            }
            (LookupWitness::RescaleOut { .. }, NodePlan::Rescale { out, .. }) => {
                cx.claims.witness(out, first.0, first.1);
            }
            (LookupWitness::RescaleLimb { limb, .. }, NodePlan::Rescale { limbs, .. }) => {
                cx.claims
                    .witness(*limbs.get(limb).ok_or_else(bad)?, first.0, first.1);
            }
            (LookupWitness::Elementwise { node }, NodePlan::Elementwise { out, .. }) => {
                let second = wc.get(1).ok_or_else(bad)?.clone();
                let x = *cx
                    .plan
                    .graph
                    .nodes
                    .get(node)
                    .and_then(|n| n.inputs.first())
                    .ok_or_else(bad)?;
                cx.claims.tensor(
                    cx.plan,
                    x,
                    Claim {
                        point: first.0,
                        value: first.1,
                    },
                );
                cx.claims.witness(out, second.0, second.1);
            }
            (LookupWitness::MaxDiff { .. }, NodePlan::MaxPool { out, windows, .. }) => {
                let (p, v) = first;
                let no = cx.plan.witness_columns.get(out).ok_or_else(bad)?.num_vars;
                let r_o = p
                    .get(p.len().saturating_sub(no)..)
                    .ok_or_else(bad)?
                    .to_vec();
                let m = cx.rd.recv(2, at)?;
                let (ye, we) = (m[0], m[1]);
                if ye - we != v {
                    return Err(VerifyError::at(
                        at,
                        "max-pool difference does not match y − window",
                    ));
                }
                cx.claims.witness(out, r_o, ye);
                cx.claims.witness(windows, p, we);
            }
            (LookupWitness::Column { column, .. }, _) => {
                if column >= cx.plan.witness_columns.len() {
                    return Err(bad());
                }
                cx.claims.witness(column, first.0, first.1);
            }
            _ => return Err(bad()),
        }
    }
    Ok(())
}
