//! The lookups of a proof: one LogUp instance per distinct table, across the whole model.
//!
//! Each [`LookupUse`] names the columns it reads; after the LogUp proof the claims on those
//! columns are routed. This file knows no op: a committed input's claim goes to the input, a
//! lookup that reads a committed column directly ([`LookupWitness::Column`]) leaves its claim on
//! that column, and a lookup into an op's own values (rescale, element-wise tables, max-pool) is
//! that op's ([`crate::ops::OpProof::lookup_columns`], `lookup_claims_p`, `lookup_claims_v`: e.g.
//! the input of an element-wise op gets its claim on its tensor, which may be a derived tensor
//! whose claim flows back through linear layers, and a max-pool's differences `y − Wκ` split
//! into claims on `y` and the windows).

use rayon::prelude::*;
use zkinfer_field::{F, PrimeField64};
use zkinfer_lookup::{LookupClaims, LookupProof, Outputs, Table};

use crate::claims::Claim;
use crate::error::{ProveError, VerifyError};
use crate::ir::ProofGraph;
use crate::ops::{ProverCtx, VerifierCtx, rule, to_field};
use crate::plan::{LookupUse, LookupWitness, Plan, TableSpec};
use crate::witness::Witness;

/// The lookup table of a spec. A function table whose outputs were left out of a verifying key
/// is generated here (once per process: later calls take it from a cache keyed by its digest);
/// either way its outputs are checked against the digest the key records (hashed once: the
/// table's id reuses it).
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
            let outputs = if outputs.is_empty() {
                match generated::get(digest) {
                    Some(o) => o,
                    None => Outputs::new(
                        generator
                            .generate(*bits)
                            .ok_or_else(|| format!("table `{name}` has no outputs"))?,
                    ),
                }
            } else {
                Outputs::new(outputs.clone())
            };
            if outputs.digest() != digest {
                return Err(format!(
                    "table `{name}` computed on this machine differs from the one in the key; verify on a machine with IEEE-754 libm results identical to the prover's, or use a key that embeds the table"
                ));
            }
            generated::keep(&outputs);
            Table::Function {
                name: name.clone(),
                in_bits: *bits,
                outputs,
            }
        }
    })
}

/// Forgets the function tables generated so far in this process (see [`table`]), so that the
/// next prove or verify generates and hashes them again: for measuring a first verify.
pub fn forget_generated_tables() {
    generated::clear();
}

/// Function tables generated in this process, by digest: a process that verifies many proofs
/// (the service, the bench, a Python session) generates and hashes each table once.
///
/// Sound because an entry is only ever outputs whose digest was computed from them (by
/// [`Outputs::new`]) and matched a key's: a key naming that digest gets the values a fresh
/// generation would have to produce to pass its check. At most [`generated::MAX`] entries
/// (2^16 values each at the default bits); past that the cache starts over.
mod generated {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};

    use zkinfer_lookup::Outputs;

    /// Most tables kept (each ≤ 2^`MAX_TABLE_BITS` values).
    pub(super) const MAX: usize = 64;

    fn cache() -> &'static Mutex<HashMap<[u8; 32], Outputs>> {
        static CACHE: OnceLock<Mutex<HashMap<[u8; 32], Outputs>>> = OnceLock::new();
        CACHE.get_or_init(|| Mutex::new(HashMap::new()))
    }

    /// The outputs whose digest is `digest`, if generated before.
    pub(super) fn get(digest: &[u8; 32]) -> Option<Outputs> {
        cache().lock().ok()?.get(digest).cloned()
    }

    /// Empties the cache.
    pub(super) fn clear() {
        if let Ok(mut c) = cache().lock() {
            c.clear();
        }
    }

    /// Keeps `outputs` (whose digest a key's matched).
    pub(super) fn keep(outputs: &Outputs) {
        if let Ok(mut c) = cache().lock()
            && !c.contains_key(outputs.digest())
        {
            if c.len() >= MAX {
                c.clear();
            }
            c.insert(*outputs.digest(), outputs.clone());
        }
    }
}

/// Every table of a plan, generated in parallel.
///
/// # Errors
/// As [`table`], for the first table that fails.
pub fn tables(plan: &Plan) -> Result<Vec<Table>, String> {
    plan.tables.par_iter().map(table).collect()
}

/// The stored integers of tensor `t` in the witness.
fn tensor_of<'w>(wit: &'w Witness, t: usize, what: &str) -> Result<&'w [i64], ProveError> {
    wit.tensors
        .get(t)
        .map(Vec::as_slice)
        .ok_or_else(|| ProveError::key_mismatch("lookups", format!("{what}: no tensor {t}")))
}

/// The stored integers of witness column `c`.
fn column_of<'w>(wit: &'w Witness, c: usize, what: &str) -> Result<&'w [i64], ProveError> {
    wit.columns
        .get(c)
        .map(Vec::as_slice)
        .ok_or_else(|| ProveError::key_mismatch("lookups", format!("{what}: no column {c}")))
}

/// The columns one lookup reads (one per table column).
///
/// # Errors
/// [`ProveError::KeyMismatch`] if the lookup names a node, tensor or column the plan and
/// witness do not have.
pub fn columns(
    graph: &ProofGraph,
    plan: &Plan,
    wit: &Witness,
    lu: &LookupUse,
) -> Result<Vec<Vec<F>>, ProveError> {
    Ok(match lu.witness {
        LookupWitness::Input => vec![to_field(tensor_of(wit, graph.input, "input")?)],
        LookupWitness::Column { column, .. } => {
            vec![to_field(column_of(wit, column, "lookup column")?)]
        }
        w => {
            let node = node_of(lu);
            let op = &graph
                .nodes
                .get(node)
                .ok_or_else(|| ProveError::key_mismatch("lookups", "no such node"))?
                .op;
            rule(op).lookup_columns(graph, plan, wit, node, w)?
        }
    })
}

/// Multiplicity columns of every table (as stored integers), checking every row is in its table.
///
/// # Errors
/// [`ProveError::NotInTable`] naming the layer whose value is not in its table;
/// [`ProveError::KeyMismatch`] if the plan's lookups do not fit the witness.
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
            .map(|lu| Ok((node_of(lu), columns(graph, plan, wit, lu)?)))
            .collect::<Result<_, ProveError>>()?;
        if !strict {
            let mut m = vec![0i64; 1 << t.num_vars()];
            for (_, c) in &cols {
                for row in 0..c.first().map_or(0, Vec::len) {
                    let tuple: Option<Vec<F>> = c.iter().map(|col| col.get(row).copied()).collect();
                    if let Some(slot) = tuple
                        .and_then(|tuple| t.row_of(&tuple))
                        .and_then(|r| m.get_mut(r))
                    {
                        *slot += 1;
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
        let m = zkinfer_lookup::multiplicities(t, &refs).map_err(|e| match e {
            zkinfer_lookup::LookupError::NotInTable { witness, .. } => ProveError::NotInTable {
                layer: cols
                    .get(witness)
                    .and_then(|(n, _)| graph.nodes.get(*n))
                    .map_or("?", |n| n.name.as_str())
                    .to_string(),
                source: e,
            },
            e => ProveError::Lookup(e),
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
        .collect::<Result<_, ProveError>>()?;
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
    let (proof, claims) = proved?;
    for (ti, (us, cl)) in uses.iter().zip(&claims).enumerate() {
        discharge_prove(cx, ti, us, cl)?;
    }
    Ok(proof)
}

fn discharge_prove(
    cx: &mut ProverCtx<'_>,
    ti: usize,
    uses: &[LookupUse],
    claims: &LookupClaims,
) -> Result<(), ProveError> {
    let bad = |what: &str| ProveError::key_mismatch(format!("lookups into table {ti}"), what);
    let (mp, mv) = claims.multiplicity_claim.clone();
    let mcol = *cx
        .plan
        .multiplicity_columns
        .get(ti)
        .ok_or_else(|| bad("no multiplicity column"))?;
    cx.claims.witness(mcol, mp, mv);
    for (lu, wc) in uses.iter().zip(&claims.witness_claims) {
        let first = wc
            .first()
            .ok_or_else(|| bad("a lookup without claims"))?
            .clone();
        match lu.witness {
            LookupWitness::Input => {
                let claim = Claim {
                    point: first.0,
                    value: first.1,
                };
                cx.claims.route(cx.plan, cx.graph.input, claim)?;
            }
            LookupWitness::Column { column, .. } => {
                cx.claims.witness(column, first.0, first.1);
            }
            w => {
                let node = node_of(lu);
                let op = &cx
                    .graph
                    .nodes
                    .get(node)
                    .ok_or_else(|| bad("no such node"))?
                    .op;
                rule(op).lookup_claims_p(cx, node, w, wc)?;
            }
        }
    }
    Ok(())
}

/// Verifies the batched lookup proof and routes its claims.
///
/// # Errors
/// [`VerifyError::Lookup`] if the lookup proof is rejected; [`VerifyError::PlanMismatch`] or
/// [`VerifyError::UnknownTensor`] if its claims do not fit the plan; a table that cannot be
/// generated as the key recorded it is [`VerifyError::Rejected`] at `lookups`.
#[cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]
pub fn verify_all(cx: &mut VerifierCtx<'_>, proof: &LookupProof) -> Result<(), VerifyError> {
    let tables = tables(cx.plan).map_err(|e| VerifyError::at("lookups", e))?;
    let uses = cx.plan.lookups_by_table();
    if uses.len() != tables.len() {
        return Err(VerifyError::plan_mismatch(
            "lookups",
            format!("{} tables, lookups into {}", tables.len(), uses.len()),
        ));
    }
    let shapes: Vec<Vec<usize>> = uses
        .iter()
        .map(|us| us.iter().map(|lu| lu.num_vars).collect())
        .collect();
    let statements: Vec<(&Table, &[usize])> = tables
        .iter()
        .zip(&shapes)
        .map(|(t, s)| (t, s.as_slice()))
        .collect();
    let claims = zkinfer_lookup::verify_many(&statements, proof, cx.rd.t)?;
    if claims.len() != tables.len() {
        return Err(VerifyError::Malformed(format!(
            "the lookup argument returned claims for {} tables, the plan has {}",
            claims.len(),
            tables.len()
        )));
    }
    for (ti, (us, cl)) in uses.iter().zip(&claims).enumerate() {
        discharge_verify(cx, ti, us, cl, &format!("lookups into table {ti}"))?;
    }
    Ok(())
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
fn discharge_verify(
    cx: &mut VerifierCtx<'_>,
    ti: usize,
    uses: &[LookupUse],
    claims: &LookupClaims,
    at: &str,
) -> Result<(), VerifyError> {
    let bad = |what: &str| VerifyError::plan_mismatch(at, what);
    let (mp, mv) = claims.multiplicity_claim.clone();
    let mcol = *cx
        .plan
        .multiplicity_columns
        .get(ti)
        .ok_or_else(|| bad("no multiplicity column"))?;
    cx.claims.witness(mcol, mp, mv);
    if claims.witness_claims.len() != uses.len() {
        return Err(VerifyError::Malformed(format!(
            "{at}: claims for {} lookups, the plan has {}",
            claims.witness_claims.len(),
            uses.len()
        )));
    }
    for (lu, wc) in uses.iter().zip(&claims.witness_claims) {
        let first = wc
            .first()
            .ok_or_else(|| bad("a lookup without claims"))?
            .clone();
        match lu.witness {
            LookupWitness::Input => {
                if !matches!(
                    cx.plan.sources.get(cx.plan.graph.input),
                    Some(crate::plan::Source::Committed { .. })
                ) {
                    return Err(bad("a lookup into the input, which is not committed"));
                }
                let claim = Claim {
                    point: first.0,
                    value: first.1,
                };
                cx.claims
                    .route(cx.plan, cx.plan.graph.input, claim)
                    .map_err(|e| e.at(at))?;
            }
            LookupWitness::Column { column, .. } => {
                if column >= cx.plan.witness_columns.len() {
                    return Err(bad("a lookup into a column the plan does not have"));
                }
                cx.claims.witness(column, first.0, first.1);
            }
            w => {
                let node = node_of(lu);
                let op = &cx
                    .plan
                    .graph
                    .nodes
                    .get(node)
                    .ok_or_else(|| bad("no such node"))?
                    .op;
                rule(op).lookup_claims_v(cx, node, w, wc, at)?;
            }
        }
    }
    Ok(())
}
