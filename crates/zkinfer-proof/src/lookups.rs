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
use zkinfer_field::{EF, F, PrimeCharacteristicRing, PrimeField64};
use zkinfer_lookup::{LookupClaims, LookupProof, Outputs, Table};

use crate::claims::Claim;
use crate::error::{ProveError, VerifyError};
use crate::ir::ProofGraph;
use crate::ops::{ProverCtx, VerifierCtx, rule, to_field};
use crate::plan::{LookupUse, LookupWitness, Plan, TableSpec};
use crate::witness::Witness;

/// The lookup argument's claims on one table's columns, as the walk routes them: per lookup one
/// (possibly masked) claim per column, and the claim on the table's multiplicity column.
#[derive(Clone, Debug)]
pub(crate) struct TableClaims {
    /// Per lookup, per column.
    pub witness: Vec<Vec<Claim>>,
    /// On the multiplicity column.
    pub multiplicity: Claim,
}

impl From<&LookupClaims> for TableClaims {
    fn from(c: &LookupClaims) -> Self {
        Self {
            witness: c
                .witness_claims
                .iter()
                .map(|w| w.iter().map(|(p, v)| Claim::new(p.clone(), *v)).collect())
                .collect(),
            multiplicity: Claim::new(c.multiplicity_claim.0.clone(), c.multiplicity_claim.1),
        }
    }
}

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

/// The columns one lookup reads (one per table column), as the argument sees them: the first
/// shifted by the lookup's [`LookupUse::offset`].
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
    let mut cols = unshifted_columns(graph, plan, wit, lu)?;
    if lu.offset != 0
        && let Some(first) = cols.first_mut()
    {
        let c = F::from_u64(lu.offset);
        first.par_iter_mut().for_each(|v| *v += c);
    }
    Ok(cols)
}

/// The claims on the columns a lookup reads, from the argument's claims on them as it sees them
/// ([`columns`]): the first less the lookup's offset (a constant's multilinear extension is
/// that constant at every point; the masks are unchanged).
fn unshift(lu: &LookupUse, claims: &[Claim]) -> Vec<Claim> {
    let mut out = claims.to_vec();
    if let Some(first) = out.first_mut() {
        first.value -= EF::from(F::from_u64(lu.offset));
    }
    out
}

/// [`columns`] before the offset: the committed values.
fn unshifted_columns(
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
    multiplicities_inner(graph, plan, wit, true, false)
}

/// Multiplicities counting only the rows that are in their tables (for forged-proof tests).
#[must_use]
pub fn multiplicities_lenient(graph: &ProofGraph, plan: &Plan, wit: &Witness) -> Vec<Vec<i64>> {
    multiplicities_inner(graph, plan, wit, false, false).unwrap_or_default()
}

/// The multiplicity columns, of the plain argument or (`blinded`) of the blinded one, which
/// counts every row of every extended column but its last two ([`zk`]); membership is checked
/// when `strict`, else rows outside their table are left out.
fn multiplicities_inner(
    graph: &ProofGraph,
    plan: &Plan,
    wit: &Witness,
    strict: bool,
    blinded: bool,
) -> Result<Vec<Vec<i64>>, ProveError> {
    let tables = tables(plan).map_err(ProveError::Backend)?;
    let skip = if blinded { 2 } else { 0 };
    let mut out = Vec::with_capacity(tables.len());
    for (t, uses) in tables.iter().zip(plan.lookups_by_table()) {
        let cols: Vec<Vec<Vec<F>>> = if blinded {
            zk::extended(graph, plan, wit, t, &uses)?
        } else {
            uses.iter()
                .map(|lu| columns(graph, plan, wit, lu))
                .collect::<Result<_, ProveError>>()?
        };
        if !strict {
            let mut m = vec![0i64; 1 << t.num_vars()];
            for c in &cols {
                for row in 0..c.first().map_or(0, Vec::len).saturating_sub(skip) {
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
            .map(|c| c.iter().map(Vec::as_slice).collect())
            .collect();
        // The blinded argument's witnesses are the merged groups.
        let grouped = if blinded {
            zk::groups(&uses)
        } else {
            Vec::new()
        };
        // (lookup, row) of a witness row.
        let use_of = |witness: usize, row: usize| -> (usize, usize) {
            match grouped.get(witness) {
                Some(g) => g.member_of(row).unwrap_or((usize::MAX, row)),
                None => (witness, row),
            }
        };
        let named = |e: zkinfer_lookup::LookupError| match e {
            zkinfer_lookup::LookupError::NotInTable {
                witness,
                row,
                value,
                table,
            } => {
                let (witness, row) = use_of(witness, row);
                let lu = uses.get(witness);
                // Report the committed value and the check as the plan states it.
                let (value, table) = match lu {
                    Some(lu) if lu.offset != 0 => (
                        value
                            .iter()
                            .enumerate()
                            .map(|(j, &v)| if j == 0 { v - i128::from(lu.offset) } else { v })
                            .collect(),
                        shifted_description(t, lu.offset),
                    ),
                    _ => (value, table),
                };
                ProveError::NotInTable {
                    layer: lu
                        .and_then(|lu| graph.nodes.get(node_of(lu)))
                        .map_or("?", |n| n.name.as_str())
                        .to_string(),
                    source: zkinfer_lookup::LookupError::NotInTable {
                        witness,
                        row,
                        value,
                        table,
                    },
                }
            }
            e => ProveError::Lookup(e),
        };
        let m = if blinded {
            zkinfer_lookup::zk::disabled_multiplicities(t, &refs).map_err(|e| match e {
                zkinfer_lookup::zk::ZkLookupError::Lookup(e) => named(e),
                e => ProveError::Backend(format!("lookups: {e}")),
            })?
        } else {
            zkinfer_lookup::multiplicities(t, &refs).map_err(named)?
        };
        out.push(
            m.iter()
                .map(|x| i64::try_from(x.as_canonical_u64()).unwrap_or(i64::MAX))
                .collect(),
        );
    }
    Ok(out)
}

/// The check a lookup with `offset` into `table` makes: a range table shifted by half its size
/// is the signed range of that width.
fn shifted_description(table: &Table, offset: u64) -> String {
    match table {
        Table::Range { bits } if *bits >= 1 && 1u64.checked_shl(bits - 1) == Some(offset) => {
            Table::SignedRange { bits: *bits }.describe()
        }
        t => format!("{} less {offset}", t.describe()),
    }
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
    let instances = instances(&tables, &cols);
    let mf: Vec<Vec<F>> = mults.iter().map(|m| to_field(m)).collect();
    let mrefs: Vec<&[F]> = mf.iter().map(Vec::as_slice).collect();
    let proved = if strict {
        zkinfer_lookup::prove_many(&instances, &mrefs, cx.ch.t)
    } else {
        zkinfer_lookup::prove_many_unchecked(&instances, &mrefs, cx.ch.t)
    };
    let (proof, claims) = proved?;
    for (ti, (us, cl)) in uses.iter().zip(&claims).enumerate() {
        discharge_prove(cx, ti, us, &cl.into())?;
    }
    Ok(proof)
}

/// The counting pass's stand-in for the lookups (which it does not run): routes a claim of the
/// right shape (zero point and value) on every looked-up column, as the lookups' claims would
/// be, so that the walk's claim counts, hence its reductions, are those of a real proof.
///
/// # Errors
/// As [`prove_all`]'s routing.
pub fn route_for_count(cx: &mut ProverCtx<'_>) -> Result<(), ProveError> {
    let tables = tables(cx.plan).map_err(ProveError::Backend)?;
    for (ti, (t, uses)) in tables.iter().zip(cx.plan.lookups_by_table()).enumerate() {
        // The blinded lookups send every leaf value masked: the stand-ins are masked claims
        // (the counting channel's placeholder masks), so their consumers count masked inputs.
        let mut masked = |n: usize| cx.ch.mask_value(&vec![EF::ZERO; n], EF::ZERO);
        let claims = TableClaims {
            witness: uses
                .iter()
                .map(|lu| (0..t.num_columns()).map(|_| masked(lu.num_vars)).collect())
                .collect(),
            multiplicity: masked(t.num_vars()),
        };
        discharge_prove(cx, ti, &uses, &claims)?;
    }
    Ok(())
}

/// One LogUp instance per table, its witnesses the lookups' columns `cols[table][lookup]`.
fn instances<'a>(
    tables: &'a [Table],
    cols: &'a [Vec<Vec<Vec<F>>>],
) -> Vec<zkinfer_lookup::LookupInstance<'a>> {
    tables
        .iter()
        .zip(cols)
        .map(|(t, c)| zkinfer_lookup::LookupInstance {
            table: t,
            witnesses: c
                .iter()
                .map(|w| w.iter().map(Vec::as_slice).collect())
                .collect(),
        })
        .collect()
}

fn discharge_prove(
    cx: &mut ProverCtx<'_>,
    ti: usize,
    uses: &[LookupUse],
    claims: &TableClaims,
) -> Result<(), ProveError> {
    let bad = |what: &str| ProveError::key_mismatch(format!("lookups into table {ti}"), what);
    let mcol = *cx
        .plan
        .multiplicity_columns
        .get(ti)
        .ok_or_else(|| bad("no multiplicity column"))?;
    cx.claims.witness_claim(mcol, claims.multiplicity.clone());
    for (lu, wc) in uses.iter().zip(&claims.witness) {
        let wc = &unshift(lu, wc);
        let first = wc
            .first()
            .ok_or_else(|| bad("a lookup without claims"))?
            .clone();
        match lu.witness {
            LookupWitness::Input => {
                cx.claims.route(cx.plan, cx.graph.input, first)?;
            }
            LookupWitness::Column { column, .. } => {
                cx.claims.witness_claim(column, first);
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
        discharge_verify(cx, ti, us, &cl.into(), &format!("lookups into table {ti}"))?;
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
    claims: &TableClaims,
    at: &str,
) -> Result<(), VerifyError> {
    let bad = |what: &str| VerifyError::plan_mismatch(at, what);
    let mcol = *cx
        .plan
        .multiplicity_columns
        .get(ti)
        .ok_or_else(|| bad("no multiplicity column"))?;
    cx.claims.witness_claim(mcol, claims.multiplicity.clone());
    if claims.witness.len() != uses.len() {
        return Err(VerifyError::Malformed(format!(
            "{at}: claims for {} lookups, the plan has {}",
            claims.witness.len(),
            uses.len()
        )));
    }
    for (lu, wc) in uses.iter().zip(&claims.witness) {
        let wc = &unshift(lu, wc);
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
                cx.claims
                    .route(cx.plan, cx.plan.graph.input, first)
                    .map_err(|e| e.at(at))?;
            }
            LookupWitness::Column { column, .. } => {
                if column >= cx.plan.witness_columns.len() {
                    return Err(bad("a lookup into a column the plan does not have"));
                }
                cx.claims.witness_claim(column, first);
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

/// Zero-knowledge lookups (issue 13): [`zkinfer_lookup::zk`]'s blinded LogUp-GKR wired into the
/// proof (docs/ZK-sumcheck.md §2, docs/ZK.md §11).
///
/// - **Disabled rows, merged trees.** The blinded argument reserves each witness tree's last
///   two leaves for blinding fractions. Rather than change every op's layout, all the lookups of
///   a table ([`zk::Group`]) are presented to it as one *merged* column per table column, of the
///   least `N` variables with `Σ_u 2^{n_u} + 2 ≤ 2^N`: member `u`'s column (`n_u` variables) in
///   its block of rows `offset_u .. offset_u + 2^{n_u}` (blocks back to back, largest first, so
///   each starts at a multiple of its size), the table's first row in every other row but the
///   last two, which are zero. `E`'s rows are all in the table. At the argument's leaf point `p`
///   the prover sends each member's columns at `p` without its first `N − n_u` coordinates
///   `top_u`, masked, and the verifier computes
///   `E(p) = Σ_u eq(top_u, offset_u / 2^{n_u})·X_u + f·(1 − Σ_u eq(top_u, ·) − s)` (`s` the last
///   two rows' indicator, `f` the fill value) — an identity of multilinear extensions — for the
///   leaf check, and routes each `X_u` as the claim on member `u`'s column. One witness tree per
///   table: GPT-2 124M's 835 lookups make 13 (plus 13 table trees), and every GKR layer sends
///   four children and two inner-mask values per active tree. (Proof format 16 gave each lookup
///   its own tree of `n + 1` variables; 17 merged the lookups of one size.)
/// - **Secrets.** Per table, [`Blinding`] and [`InnerMasks`] from the OS, committed in the
///   hiding witness batch before `α, β` as one extension-field *blinding column* `B` (each
///   blinding polynomial in a 4-entry block, then fresh random entries up to a power of two),
///   stored as its two base-field coordinate columns right after the plan's witness columns.
/// - **Masks.** The layer sumchecks' masks come from the proof's mask pool, their claims are
///   recorded in it.
/// - **Claims.** The many claims on `B` are reduced to one by the channel's (masked) claim
///   reduction; the prover sends `B₀(ρ), B₁(ρ)` (the coordinates' values), which the witness
///   opening settles. The fresh entries keep those two values uniform.
pub mod zk {
    use rayon::prelude::*;
    use rustc_hash::FxHashMap;

    use rand::SeedableRng;
    use zkinfer_field::{BasedVectorSpace, EF, F, Field, PrimeCharacteristicRing};
    use zkinfer_lookup::Table;
    use zkinfer_lookup::zk::{
        BlindedClaims, BlindedProof, Blinding, HidingColumnId, InnerMasks, LeafClaim, LeafForm,
        ZkLookupError, ext_from_coords, heights, hiding_columns, layer_mask_shapes,
    };
    use zkinfer_pcs::ColumnClaim;
    use zkinfer_sumcheck::zk::ClaimMask;
    use zkinfer_sumcheck::{Column, zk::pool::mask_entries_per_var};

    use super::{TableClaims, columns, discharge_prove, discharge_verify, tables};
    use crate::channel::{CLAIM_MASK_ENTRIES, reduction_entries};
    use crate::claims::{Claim, scaled_masks};
    use crate::error::{ProveError, VerifyError};
    use crate::ir::ProofGraph;
    use crate::ops::{ProverCtx, VerifierCtx};
    use crate::plan::{LookupUse, Plan};
    use crate::witness::Witness;

    /// Entries of one blinding polynomial's block in `B` (the largest, a `Z·R` mask, has 4).
    const BLOCK: usize = 4;
    /// Where the blinded lookups' messages are, for errors.
    const AT: &str = "lookups";
    /// Label of the reduction of the claims on `B`.
    const AT_BLINDING: &str = "lookup blinding";

    /// One lookup of a [`Group`]: which, its columns' number of variables, and where its block
    /// starts in the merged column.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Member {
        /// Index into the table's lookups.
        pub lookup: usize,
        /// Its columns' number of variables `n_u`.
        pub vars: usize,
        /// Its block's first row, a multiple of `2^{n_u}`.
        pub offset: usize,
    }

    impl Member {
        /// The block's leading coordinates in a merged column of `extended` variables (`N −
        /// n_u`) and the block's index among blocks of its size (`offset / 2^{n_u}`).
        fn block(&self, extended: usize) -> (usize, usize) {
            (extended.saturating_sub(self.vars), self.offset >> self.vars)
        }
    }

    /// The lookups of one table that share a witness tree: all of them, their blocks back to
    /// back, largest first (module docs, "Merged trees").
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct Group {
        /// The merged column's number of variables `N`: the least with `Σ_u 2^{n_u} + 2 ≤ 2^N`
        /// (room for the two disabled rows).
        pub extended: usize,
        /// The members, largest first (plan order among equal sizes).
        pub members: Vec<Member>,
    }

    impl Group {
        /// The lookup whose block holds `row`, and the row in its column.
        #[must_use]
        pub fn member_of(&self, row: usize) -> Option<(usize, usize)> {
            self.members
                .iter()
                .find(|m| row >= m.offset && (row - m.offset) >> m.vars == 0)
                .map(|m| (m.lookup, row - m.offset))
        }
    }

    /// A table's lookups (`uses`, in plan order) as the groups whose trees the blinded argument
    /// proves: one group of all of them (none without lookups). Blocks are placed largest
    /// first, so each starts at a multiple of its own size.
    #[must_use]
    pub fn groups(uses: &[LookupUse]) -> Vec<Group> {
        if uses.is_empty() {
            return Vec::new();
        }
        let mut order: Vec<(usize, usize)> =
            uses.iter().map(|lu| lu.num_vars).enumerate().collect();
        // Stable: plan order among equal sizes.
        order.sort_by_key(|&(_, vars)| std::cmp::Reverse(vars));
        let mut offset = 0usize;
        let members = order
            .into_iter()
            .map(|(lookup, vars)| {
                let m = Member {
                    lookup,
                    vars,
                    offset,
                };
                let size = u32::try_from(vars)
                    .ok()
                    .and_then(|v| 1usize.checked_shl(v))
                    .unwrap_or(usize::MAX);
                offset = offset.saturating_add(size);
                m
            })
            .collect();
        let extended = offset
            .saturating_add(2)
            .checked_next_power_of_two()
            .map_or(usize::BITS as usize, |r| r.trailing_zeros() as usize);
        vec![Group { extended, members }]
    }

    /// Per table, the blinded argument's statement: the table and its merged witnesses'
    /// variables (one tree per [`Group`]: one per table with lookups).
    fn statement<'t>(tables: &'t [Table], plan: &Plan) -> Vec<(&'t Table, Vec<usize>)> {
        tables
            .iter()
            .zip(plan.lookups_by_table())
            .map(|(t, us)| (t, groups(&us).iter().map(|g| g.extended).collect()))
            .collect()
    }

    /// The blinding polynomials of a statement in `B`'s block order.
    fn block_ids(statement: &[(&Table, Vec<usize>)]) -> Vec<HidingColumnId> {
        let blinding: Vec<Blinding> = statement
            .iter()
            .map(|(_, s)| Blinding::none(s.len()))
            .collect();
        let inner: Vec<InnerMasks> = statement
            .iter()
            .map(|(t, s)| InnerMasks::none(&heights(t, s)))
            .collect();
        hiding_columns(&blinding, &inner)
            .into_iter()
            .map(|c| c.id)
            .collect()
    }

    /// `B`'s number of variables for `blocks` blocks: room for one more block of fresh entries.
    fn column_vars(blocks: usize) -> usize {
        ((blocks + 1) * BLOCK).next_power_of_two().trailing_zeros() as usize
    }

    /// What the blinded lookups add to a proof's shapes, a function of the plan: the number of
    /// variables of `B` and the mask-pool entries its layer sumchecks and `B`'s reduction take.
    ///
    /// # Errors
    /// If a table cannot be generated, or a mask shape is invalid.
    pub fn shape(plan: &Plan) -> Result<(usize, usize), String> {
        let tables = tables(plan)?;
        shape_of(&statement(&tables, plan))
    }

    /// The mask-pool entries the merged trees take beyond one tree per lookup (proof formats up
    /// to 16), zero when they take fewer. A proving key made before format 17 recorded its
    /// budget ([`crate::ProvingKey::mask_entries`]) with one tree per lookup: a merged tree can
    /// be taller than every old one, and one more layer's mask can outweigh the leaf masks of
    /// the trees it saves, so the prover adds this to a recorded budget (a budget recorded
    /// since is exact, and the pool's power-of-two rounding absorbs the excess in most cases).
    ///
    /// # Errors
    /// As [`shape`].
    pub fn entries_beyond_one_tree_per_lookup(plan: &Plan) -> Result<usize, String> {
        let tables = tables(plan)?;
        let singletons: Vec<(&Table, Vec<usize>)> = tables
            .iter()
            .zip(plan.lookups_by_table())
            .map(|(t, us)| {
                let shapes = us
                    .iter()
                    .map(|lu| {
                        groups(std::slice::from_ref(lu))
                            .first()
                            .map_or(lu.num_vars + 1, |g| g.extended)
                    })
                    .collect();
                (t, shapes)
            })
            .collect();
        let (_, merged) = shape_of(&statement(&tables, plan))?;
        let (_, single) = shape_of(&singletons)?;
        Ok(merged.saturating_sub(single))
    }

    /// [`shape`] of a statement.
    fn shape_of(st: &[(&Table, Vec<usize>)]) -> Result<(usize, usize), String> {
        let vars = column_vars(block_ids(st).len());
        let mut entries = 0;
        for degrees in layer_mask_shapes(st) {
            entries += mask_entries_per_var(&degrees).map_err(|e| e.to_string())?;
        }
        // `B`'s reduction consumes the masked leaf claims on `N` and `D`.
        entries += reduction_entries(vars, true).map_err(|e| e.to_string())?;
        // Four leaf masks per tree (`S_p`, `S_q` at both children). The masked leaf values
        // (every looked-up column, every multiplicity column) are counted by the walk's
        // counting pass, which sends their stand-ins ([`super::route_for_count`]).
        entries += 4 * CLAIM_MASK_ENTRIES * tree_count(st);
        Ok((vars, entries))
    }

    /// The merged columns of every group of table `t`'s lookups (module docs): per group, per
    /// table column, the members' columns in their blocks, `fill` in the other rows but the
    /// last two, which are zero.
    pub(super) fn extended(
        graph: &ProofGraph,
        plan: &Plan,
        wit: &Witness,
        table: &Table,
        uses: &[LookupUse],
    ) -> Result<Vec<Vec<Vec<F>>>, ProveError> {
        let fill = table
            .row(0)
            .ok_or_else(|| ProveError::Backend(format!("table {} is empty", table.describe())))?;
        groups(uses)
            .par_iter()
            .map(|g| merged(graph, plan, wit, uses, g, &fill))
            .collect()
    }

    /// One group's merged columns ([`extended`]).
    fn merged(
        graph: &ProofGraph,
        plan: &Plan,
        wit: &Witness,
        uses: &[LookupUse],
        group: &Group,
        fill: &[F],
    ) -> Result<Vec<Vec<F>>, ProveError> {
        let members = group
            .members
            .iter()
            .map(|m| {
                let lu = uses
                    .get(m.lookup)
                    .ok_or_else(|| ProveError::key_mismatch("lookups", "no such lookup"))?;
                columns(graph, plan, wit, lu)
            })
            .collect::<Result<Vec<_>, _>>()?;
        merge(group, fill, &members).map_err(|what| ProveError::key_mismatch("lookups", what))
    }

    /// The merged columns of `group` from its members' columns (`members[u][j]`: member `u` in
    /// the group's order, table column `j`): member `u`'s column at rows `offset_u ..
    /// offset_u + 2^{n_u}`, `fill[j]` in the other rows but the last two, which are zero.
    fn merge(
        group: &Group,
        fill: &[F],
        members: &[Vec<Vec<F>>],
    ) -> Result<Vec<Vec<F>>, &'static str> {
        let rows = 1usize << group.extended;
        let mut out: Vec<Vec<F>> = fill.iter().map(|&f| vec![f; rows]).collect();
        if members.len() != group.members.len() {
            return Err("a group of another size than its lookups");
        }
        for (m, cols) in group.members.iter().zip(members) {
            if cols.len() != out.len() {
                return Err("a lookup with another number of columns than its table");
            }
            let block = 1usize << m.vars;
            if m.offset + block + 2 > rows {
                return Err("a group whose blocks do not fit its merged column");
            }
            for (dst, src) in out.iter_mut().zip(cols) {
                if src.len() != block {
                    return Err("a looked-up column of another size than its lookup's");
                }
                dst.get_mut(m.offset..m.offset + block)
                    .ok_or("a merged column too short")?
                    .copy_from_slice(src);
            }
        }
        for col in &mut out {
            if let Some(last) = col.get_mut(rows.saturating_sub(2)..) {
                last.fill(F::ZERO);
            }
        }
        Ok(out)
    }

    /// The multiplicities of the blinded argument (every row of every extended column but its
    /// last two), checking membership when `strict`.
    ///
    /// # Errors
    /// As [`super::multiplicities`].
    pub fn multiplicities(
        graph: &ProofGraph,
        plan: &Plan,
        wit: &Witness,
        strict: bool,
    ) -> Result<Vec<Vec<i64>>, ProveError> {
        super::multiplicities_inner(graph, plan, wit, strict, true)
    }

    /// The prover's secrets of the blinded lookups, drawn before the witness commitment.
    pub struct Secrets {
        blinding: Vec<Blinding>,
        inner: Vec<InnerMasks>,
        /// `B`'s entries.
        column: Vec<EF>,
    }

    impl std::fmt::Debug for Secrets {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("Secrets { .. }")
        }
    }

    impl Secrets {
        /// Fresh blinding and inner masks for `plan` from the operating system, and `B`.
        ///
        /// # Errors
        /// If a table cannot be generated.
        pub fn draw(plan: &Plan) -> Result<Self, ProveError> {
            let tables = tables(plan).map_err(ProveError::Backend)?;
            let st = statement(&tables, plan);
            let mut rng = rand::rngs::StdRng::from_os_rng();
            let blinding: Vec<Blinding> = st
                .iter()
                .map(|(_, s)| Blinding::random(s.len(), &mut rng))
                .collect();
            let inner: Vec<InnerMasks> = st
                .iter()
                .map(|(t, s)| InnerMasks::random(&heights(t, s), &mut rng))
                .collect();
            let polys = hiding_columns(&blinding, &inner);
            let size = 1usize << column_vars(polys.len());
            let mut column: Vec<EF> = (0..size)
                .map(|_| zkinfer_sumcheck::zk::random_ext(&mut rng))
                .collect();
            for (block, p) in column.chunks_mut(BLOCK).zip(&polys) {
                let [c0, c1] = &p.coords;
                for (slot, (&a, &b)) in block.iter_mut().zip(c0.iter().zip(c1)) {
                    *slot = ext_from_coords([EF::from(a), EF::from(b)]);
                }
                // Unused entries of a short block are zero: a claim on a 1-variable polynomial
                // is a claim on its block with the first inner coordinate 0.
                for slot in block.iter_mut().skip(c0.len()) {
                    *slot = EF::ZERO;
                }
            }
            Ok(Self {
                blinding,
                inner,
                column,
            })
        }

        /// `B`'s two base-field coordinate columns, to commit right after the plan's witness
        /// columns.
        #[must_use]
        pub fn columns(&self) -> [Vec<F>; 2] {
            split(&self.column)
        }
    }

    /// `B`'s point for a claim at `inner` on block `block` (`vars` variables): the block's
    /// bits, then `inner` (a 1-variable polynomial's claim with its block's first inner
    /// coordinate 0).
    fn block_point(vars: usize, block: usize, inner: &[EF]) -> Option<Vec<EF>> {
        let mut point: Vec<EF> = (0..vars.checked_sub(2)?)
            .rev()
            .map(|b| EF::from(F::from_bool((block >> b) & 1 == 1)))
            .collect();
        if inner.len() == 1 {
            point.push(EF::ZERO);
        }
        point.extend(inner);
        (point.len() == vars).then_some(point)
    }

    /// `B`'s layout: its number of variables and the block of every blinding polynomial.
    struct BLayout {
        vars: usize,
        index: FxHashMap<HidingColumnId, usize>,
    }

    /// The claims on `B` of the blinded argument's inner masks, as claims on its 4-entry
    /// blocks, and `B`'s layout.
    fn block_claims(
        statement: &[(&Table, Vec<usize>)],
        claims: &BlindedClaims,
    ) -> Option<(Vec<Claim>, BLayout)> {
        let ids = block_ids(statement);
        let vars = column_vars(ids.len());
        let index: FxHashMap<HidingColumnId, usize> =
            ids.into_iter().enumerate().map(|(i, id)| (id, i)).collect();
        let mut out = Vec::new();
        for c in claims.hiding_claims() {
            let block = *index.get(&c.id)?;
            out.push(Claim::new(block_point(vars, block, &c.point)?, c.value));
        }
        Some((out, BLayout { vars, index }))
    }

    /// The (masked) claims on a group's merged columns at the leaf point `p` from the members'
    /// claims (`members[u·c + j]`: member `u` in the group's order, table column `j`, `c`
    /// columns; member `u`'s at `p` without its first `N − n_u` coordinates `top_u`):
    /// `E_j(p) = Σ_u eq(top_u, offset_u / 2^{n_u})·X_uj + f_j·(1 − Σ_u eq(top_u, ·) − s)`, `s`
    /// the last two rows' indicator at `p`; the masks combine with the same coefficients.
    fn merged_claims(
        point: &[EF],
        group: &Group,
        s: EF,
        fill: &[F],
        members: &[Claim],
    ) -> Option<Vec<Claim>> {
        let c = fill.len();
        if c == 0 || members.len() != group.members.len() * c || point.len() != group.extended {
            return None;
        }
        let eqs: Vec<EF> = group
            .members
            .iter()
            .map(|m| {
                let (lead, index) = m.block(group.extended);
                Some(zkinfer_poly::eq_at_index(point.get(..lead)?, index))
            })
            .collect::<Option<_>>()?;
        let filled = EF::ONE - eqs.iter().copied().sum::<EF>() - s;
        Some(
            fill.iter()
                .enumerate()
                .map(|(j, &f)| {
                    let mut value = EF::from(f) * filled;
                    let mut masks = Vec::new();
                    for (x, &eq) in members.iter().skip(j).step_by(c).zip(&eqs) {
                        value += eq * x.value;
                        masks.extend(scaled_masks(&x.masks, eq));
                    }
                    Claim {
                        point: point.to_vec(),
                        value,
                        masks,
                    }
                })
                .collect(),
        )
    }

    /// The claims on `N(z)` and `D(z)` that make a tree's leaf claim hold, from the values
    /// sent masked at its leaf point (`sent`: the looked-up columns' values for a witness tree,
    /// the multiplicity's for the table tree) and its four leaf masks `[S_p0, S_p1, S_q0,
    /// S_q1]` (docs/ZK.md §14):
    /// - `N(z) + (Z_p − c_m·mask(m̂))/s = (p̃ − p_const − c_m·m̂)/s`,
    /// - `D(z) + (Z_q − Σ_j c_j·mask(x̂_j))/s = (q̃ − q_const − Σ_j c_j·x̂_j)/s`,
    ///
    /// with `Z_V = Z(ρ)((1 − μ)S_V0 + μ·S_V1)`. `None` for a zero `s` (a degenerate challenge)
    /// or the wrong number of sent values.
    fn blinding_claims(
        leaf: &LeafClaim,
        form: &LeafForm,
        slots: &[usize; 4],
        sent: &[Claim],
    ) -> Option<[(EF, Vec<ClaimMask>); 2]> {
        let inv = form.s.try_inverse()?;
        let leaf_masks = |a: usize| -> Vec<ClaimMask> {
            (0..2)
                .map(|b| ClaimMask {
                    slot: slots[a + b],
                    coeff: form.masks[b] * inv,
                })
                .collect()
        };
        let scaled = |c: &Claim, k: EF| scaled_masks(&c.masks, -k * inv);
        let (mut n_value, mut n_masks) = (leaf.p - form.p_const, leaf_masks(0));
        let (mut d_value, mut d_masks) = (leaf.q - form.q_const, leaf_masks(2));
        if form.witness.is_empty() {
            let [m] = sent else { return None };
            n_value -= form.multiplicity * m.value;
            n_masks.extend(scaled(m, form.multiplicity));
        } else {
            if sent.len() != form.witness.len() {
                return None;
            }
            for (&c, x) in form.witness.iter().zip(sent) {
                d_value -= c * x.value;
                d_masks.extend(scaled(x, c));
            }
        }
        Some([(n_value * inv, n_masks), (d_value * inv, d_masks)])
    }

    /// What the leaves leave: per table the claims to route, and the claims on `N`, `D`.
    struct LeafOutput {
        tables: Vec<TableClaims>,
        blinding: Vec<Claim>,
    }

    /// Turns each tree's leaf claim into claims on committed data, given the values sent
    /// masked (`sent(instance, tree, group, points)` sends them on the prover's side and reads
    /// them on the verifier's, one value at each of `points`: for a table tree (`group` `None`)
    /// the multiplicity column's value at the leaf point without its first coordinate, for a
    /// group's tree each member's columns at the leaf point without the member's block
    /// coordinates, member after member): the looked-up columns' claims, the multiplicity
    /// columns', and the blinding columns' `N(z)`, `D(z)` as claims on `B`.
    fn leaf_claims<E>(
        tables: &[Table],
        plan: &Plan,
        claims: &BlindedClaims,
        leaf_slots: &[[usize; 4]],
        b: &BLayout,
        mut sent: impl FnMut(usize, usize, Option<&Group>, &[&[EF]]) -> Result<Vec<Claim>, E>,
        bad: impl Fn(&str) -> E,
    ) -> Result<LeafOutput, E> {
        let leaves = claims
            .leaves
            .as_ref()
            .ok_or_else(|| bad("no leaf claims"))?;
        if leaves.trees.len() != leaf_slots.len() {
            return Err(bad("a leaf claim per tree"));
        }
        let uses = plan.lookups_by_table();
        let grouped: Vec<Vec<Group>> = uses.iter().map(|us| groups(us)).collect();
        let mut out: Vec<TableClaims> = tables
            .iter()
            .zip(&uses)
            .map(|(_, us)| TableClaims {
                witness: vec![Vec::new(); us.len()],
                multiplicity: Claim::new(Vec::new(), EF::ZERO),
            })
            .collect();
        let mut blinding = Vec::with_capacity(2 * leaf_slots.len());
        for (leaf, slots) in leaves.trees.iter().zip(leaf_slots) {
            let (i, tree) = (leaf.instance, leaf.tree);
            let (Some(table), Some(gs), Some(tc)) = (tables.get(i), grouped.get(i), out.get_mut(i))
            else {
                return Err(bad("a leaf claim of no table"));
            };
            let group = gs.get(tree);
            let is_table = tree == gs.len();
            if group.is_none() && !is_table {
                return Err(bad("a leaf claim of no tree"));
            }
            let form = leaf
                .form(table, is_table, leaves.alpha, leaves.beta)
                .ok_or_else(|| bad("a leaf point without coordinates"))?;
            let fill = table.row(0).ok_or_else(|| bad("an empty table"))?;
            let (values, at_leaf) = match group {
                None => {
                    let point = leaf
                        .point
                        .get(1..)
                        .ok_or_else(|| bad("a table leaf point"))?;
                    let values = sent(i, tree, None, &[point])?;
                    (values.clone(), values)
                }
                Some(g) => {
                    if leaf.point.len() != g.extended {
                        return Err(bad("a leaf point of another length than its tree"));
                    }
                    let mut points: Vec<&[EF]> = Vec::new();
                    for m in &g.members {
                        let (lead, _) = m.block(g.extended);
                        let point = leaf.point.get(lead..).ok_or_else(|| bad("a leaf point"))?;
                        points.extend(std::iter::repeat_n(point, table.num_columns()));
                    }
                    let values = sent(i, tree, Some(g), &points)?;
                    if values.len() != points.len() {
                        return Err(bad("another number of leaf values than the group's"));
                    }
                    let merged = merged_claims(&leaf.point, g, form.s, &fill, &values)
                        .ok_or_else(|| bad("a group's leaf values"))?;
                    (values, merged)
                }
            };
            let [(nv, nm), (dv, dm)] = blinding_claims(leaf, &form, slots, &at_leaf)
                .ok_or_else(|| bad("a degenerate lookup challenge; prove again"))?;
            for (id, value, masks) in [
                (HidingColumnId::Numerators { instance: i, tree }, nv, nm),
                (HidingColumnId::Denominators { instance: i, tree }, dv, dm),
            ] {
                let block = *b.index.get(&id).ok_or_else(|| bad("no blinding block"))?;
                let point =
                    block_point(b.vars, block, &[form.z]).ok_or_else(|| bad("a blinding point"))?;
                blinding.push(Claim {
                    point,
                    value,
                    masks,
                });
            }
            if is_table {
                tc.multiplicity = values
                    .into_iter()
                    .next()
                    .ok_or_else(|| bad("no multiplicity value"))?;
            } else if let Some(g) = group {
                let c = table.num_columns().max(1);
                for (m, member) in g.members.iter().zip(values.chunks(c)) {
                    let w = tc
                        .witness
                        .get_mut(m.lookup)
                        .ok_or_else(|| bad("no such lookup"))?;
                    *w = member.to_vec();
                }
            }
        }
        Ok(LeafOutput {
            tables: out,
            blinding,
        })
    }

    /// The number of trees of a statement (per table its lookups and the table).
    fn tree_count(statement: &[(&Table, Vec<usize>)]) -> usize {
        statement.iter().map(|(_, s)| s.len() + 1).sum()
    }

    /// Proves every table's lookups with the blinded argument, its leaves deferred to masked
    /// values (docs/ZK.md §14), routes the claims on the columns, and returns the proof and
    /// the claims on `B`'s coordinate columns (which are the witness batch's columns `first_b`
    /// and `first_b + 1`).
    ///
    /// # Errors
    /// [`ProveError::Backend`] without a mask pool or for an argument failure;
    /// [`ProveError::KeyMismatch`] if the plan's lookups do not fit the witness.
    pub fn prove(
        cx: &mut ProverCtx<'_>,
        mults: &[Vec<i64>],
        secrets: Secrets,
        first_b: usize,
    ) -> Result<(BlindedProof, Vec<ColumnClaim>), ProveError> {
        let tables = tables(cx.plan).map_err(ProveError::Backend)?;
        let st = statement(&tables, cx.plan);
        let uses = cx.plan.lookups_by_table();
        let cols: Vec<Vec<Vec<Vec<F>>>> = tables
            .iter()
            .zip(&uses)
            .map(|(t, us)| extended(cx.graph, cx.plan, cx.wit, t, us))
            .collect::<Result<_, _>>()?;
        let instances = super::instances(&tables, &cols);
        let mf: Vec<Vec<F>> = mults.iter().map(|m| crate::ops::to_field(m)).collect();
        let mrefs: Vec<&[F]> = mf.iter().map(Vec::as_slice).collect();
        let backend = |e: &dyn std::fmt::Display| ProveError::Backend(format!("lookups: {e}"));
        let Secrets {
            blinding,
            mut inner,
            column,
        } = secrets;
        let (pool, t) = cx.ch.pool_and_transcript();
        let pool = pool.ok_or_else(|| backend(&"blinded lookups need the mask pool"))?;
        // Four leaf masks per tree, from the pool, before the layer masks.
        let mut leaf_slots: Vec<[usize; 4]> = Vec::with_capacity(tree_count(&st));
        for (i, (_, shapes)) in st.iter().enumerate() {
            for tree in 0..=shapes.len() {
                let mut slots = [0usize; 4];
                let mut sums = [EF::ZERO; 4];
                for (slot, sum) in slots.iter_mut().zip(&mut sums) {
                    *slot = pool.next_claim_mask().map_err(|e| backend(&e))?.index;
                    let [a, b] = pool.claim_mask(*slot).map_err(|e| backend(&e))?;
                    *sum = a.double() + b;
                }
                inner
                    .get_mut(i)
                    .ok_or_else(|| backend(&"inner masks"))?
                    .set_leaf(tree, [[sums[0], sums[1]], [sums[2], sums[3]]])
                    .map_err(|e| backend(&e))?;
                leaf_slots.push(slots);
            }
        }
        let mut slots = Vec::new();
        let (proof, claims) = zkinfer_lookup::zk::prove_blinded_many_deferred(
            &instances,
            &mrefs,
            &blinding,
            &inner,
            |degrees| {
                pool.next_mask_per_var(degrees).map(|(slot, mask)| {
                    slots.push(slot.index);
                    mask
                })
            },
            t,
        )
        .map_err(|e| match e {
            ZkLookupError::Lookup(e) => ProveError::Lookup(e),
            e => backend(&e),
        })?;
        for (slot, claim) in slots.into_iter().zip(claims.masks.iter().cloned()) {
            pool.record(slot, claim).map_err(|e| backend(&e))?;
        }
        drop(instances);
        let (mut bclaims, layout) =
            block_claims(&st, &claims).ok_or_else(|| backend(&"blinding claims"))?;
        let vars = layout.vars;
        let ch = &mut cx.ch;
        let leaves = leaf_claims(
            &tables,
            cx.plan,
            &claims,
            &leaf_slots,
            &layout,
            |i, tree, group, points| {
                let values: Vec<EF> = match group {
                    None => {
                        let m = mf
                            .get(i)
                            .zip(points.first())
                            .map_or(EF::ZERO, |(m, pt)| zkinfer_poly::evaluate(m, pt));
                        vec![m]
                    }
                    Some(g) => {
                        // Member `u`'s column `j` is rows `offset_u ..` of merged column `j`.
                        let merged: &[Vec<F>] = cols
                            .get(i)
                            .and_then(|c| c.get(tree))
                            .map_or(&[], Vec::as_slice);
                        let c = merged.len().max(1);
                        (0..points.len())
                            .into_par_iter()
                            .map(|k| {
                                let (u, j) = (k / c, k % c);
                                g.members
                                    .get(u)
                                    .zip(merged.get(j))
                                    .and_then(|(m, col)| {
                                        col.get(m.offset..m.offset + (1 << m.vars))
                                    })
                                    .zip(points.get(k))
                                    .map_or(EF::ZERO, |(x, pt)| zkinfer_poly::evaluate(x, pt))
                            })
                            .collect()
                    }
                };
                Ok(ch.send_masked_at(points, &values))
            },
            |what| backend(&what),
        )?;
        drop(cols);
        for (ti, (us, cl)) in uses.iter().zip(&leaves.tables).enumerate() {
            discharge_prove(cx, ti, us, cl)?;
        }
        bclaims.extend(leaves.blinding);
        let [b0, b1] = split(&column);
        let reduced = cx
            .ch
            .reduce_claims(Column::Ext(column), bclaims, false, false, AT_BLINDING)?
            .ok_or_else(|| backend(&"no blinding claims"))?;
        debug_assert_eq!(reduced.point.len(), vars);
        let v0 = zkinfer_poly::evaluate(&b0, &reduced.point);
        let v1 = zkinfer_poly::evaluate(&b1, &reduced.point);
        cx.ch.send(vec![v0, v1]);
        Ok((proof, b_claims(first_b, &reduced.point, v0, v1)))
    }

    fn split(column: &[EF]) -> [Vec<F>; 2] {
        [0, 1].map(|c| {
            column
                .iter()
                .map(|v| {
                    v.as_basis_coefficients_slice()
                        .get(c)
                        .copied()
                        .unwrap_or_default()
                })
                .collect()
        })
    }

    fn b_claims(first_b: usize, point: &[EF], v0: EF, v1: EF) -> Vec<ColumnClaim> {
        [(first_b, v0), (first_b + 1, v1)]
            .into_iter()
            .map(|(column, value)| ColumnClaim {
                column,
                point: point.to_vec(),
                value,
            })
            .collect()
    }

    /// Verifies the blinded lookups, routes their claims, and returns the claims on `B`'s
    /// coordinate columns (`first_b`, `first_b + 1`); `b_vars` is `B`'s number of variables as
    /// committed, checked against the plan's.
    ///
    /// # Errors
    /// [`VerifyError::Lookup`] or [`VerifyError::Rejected`] if the argument is rejected; shape
    /// errors; a missing mask pool.
    pub fn verify(
        cx: &mut VerifierCtx<'_>,
        proof: &BlindedProof,
        first_b: usize,
    ) -> Result<Vec<ColumnClaim>, VerifyError> {
        let tables = tables(cx.plan).map_err(|e| VerifyError::at(AT, e))?;
        let st = statement(&tables, cx.plan);
        let claims = zkinfer_lookup::zk::verify_blinded_many_deferred(&st, proof, cx.rd.t)
            .map_err(|e| match e {
                ZkLookupError::Lookup(e) => VerifyError::Lookup(e),
                e => VerifyError::at(AT, e),
            })?;
        let pool = cx
            .rd
            .pool_mut()
            .ok_or_else(|| VerifyError::at(AT, "blinded lookups without a mask pool"))?;
        // The leaf masks: the prover took them before the layer masks.
        let mut leaf_slots: Vec<[usize; 4]> = Vec::with_capacity(tree_count(&st));
        for _ in 0..tree_count(&st) {
            let mut slots = [0usize; 4];
            for slot in &mut slots {
                *slot = pool
                    .next_claim_mask()
                    .map_err(|e| VerifyError::sumcheck(AT, e))?
                    .index;
            }
            leaf_slots.push(slots);
        }
        let shapes = layer_mask_shapes(&st);
        if shapes.len() != claims.masks.len() {
            return Err(VerifyError::at(AT, "a layer mask claim is missing"));
        }
        for (degrees, claim) in shapes.into_iter().zip(claims.masks.iter().cloned()) {
            let slot = pool
                .next_mask_shape_per_var(&degrees)
                .map_err(|e| VerifyError::sumcheck(AT, e))?;
            pool.record(slot.index, claim)
                .map_err(|e| VerifyError::sumcheck(AT, e))?;
        }
        let (mut bclaims, layout) = block_claims(&st, &claims)
            .ok_or_else(|| VerifyError::at(AT_BLINDING, "a claim on no blinding polynomial"))?;
        let vars = layout.vars;
        let rd = &mut cx.rd;
        let leaves = leaf_claims(
            &tables,
            cx.plan,
            &claims,
            &leaf_slots,
            &layout,
            |_, _, _, points| rd.recv_masked_at(points, AT),
            |what| VerifyError::at(AT, what),
        )?;
        let uses = cx.plan.lookups_by_table();
        if leaves.tables.len() != uses.len() {
            return Err(VerifyError::plan_mismatch(
                AT,
                "claims for another number of tables",
            ));
        }
        for (ti, (us, cl)) in uses.iter().zip(&leaves.tables).enumerate() {
            discharge_verify(cx, ti, us, cl, &format!("lookups into table {ti}"))?;
        }
        bclaims.extend(leaves.blinding);
        let reduced = cx
            .rd
            .verify_reduce_claims(vars, bclaims, false, false, AT_BLINDING)?
            .ok_or_else(|| VerifyError::at(AT_BLINDING, "no blinding claims"))?;
        let [v0, v1] = cx.rd.recv_array::<2>(AT_BLINDING)?;
        if ext_from_coords([v0, v1]) != reduced.value {
            return Err(VerifyError::at(
                AT_BLINDING,
                "the blinding column's coordinates do not make its claimed value",
            ));
        }
        Ok(b_claims(first_b, &reduced.point, v0, v1))
    }

    #[cfg(test)]
    mod tests {
        use rand::rngs::SmallRng;
        use rand::{Rng, SeedableRng};

        use super::*;
        use crate::plan::LookupWitness;

        fn uses(vars: &[usize]) -> Vec<LookupUse> {
            vars.iter()
                .map(|&num_vars| LookupUse {
                    table: 0,
                    witness: LookupWitness::Input,
                    num_vars,
                    offset: 0,
                })
                .collect()
        }

        #[test]
        fn a_group_holds_every_lookup_of_its_table_in_the_least_tree() {
            assert!(groups(&[]).is_empty());
            let gs = groups(&uses(&[4, 14, 4, 0, 14, 4, 1, 1]));
            assert_eq!(gs.len(), 1);
            let g = &gs[0];
            // Largest first, plan order among equal sizes, blocks back to back.
            let got: Vec<(usize, usize, usize)> = g
                .members
                .iter()
                .map(|m| (m.lookup, m.vars, m.offset))
                .collect();
            let big = 1 << 14;
            assert_eq!(
                got,
                vec![
                    (1, 14, 0),
                    (4, 14, big),
                    (0, 4, 2 * big),
                    (2, 4, 2 * big + 16),
                    (5, 4, 2 * big + 32),
                    (6, 1, 2 * big + 48),
                    (7, 1, 2 * big + 50),
                    (3, 0, 2 * big + 52),
                ]
            );
            assert_eq!(g.extended, 16); // 2·2^14 + 53 + 2 rows → 2^16
            assert_eq!(g.member_of(big + 5), Some((4, 5)));
            assert_eq!(g.member_of(2 * big + 49), Some((6, 1)));
            assert_eq!(g.member_of(2 * big + 52), Some((3, 0)));
            assert_eq!(g.member_of(2 * big + 53), None);
            // One lookup alone: the extension of proof formats up to 16 (one more variable, two
            // for a one-row column).
            for n in 0..20 {
                let g = &groups(&uses(&[n]))[0];
                assert_eq!(g.extended, if n == 0 { 2 } else { n + 1 });
            }
            // Random mixes: room for the two disabled rows, never a tree twice too tall, every
            // block aligned to its size, the blocks disjoint and in order.
            let mut rng = SmallRng::seed_from_u64(5);
            for _ in 0..200 {
                let k = rng.random_range(1..12);
                let vars: Vec<usize> = (0..k).map(|_| rng.random_range(0..9)).collect();
                let g = &groups(&uses(&vars))[0];
                let rows: usize = vars.iter().map(|&n| 1usize << n).sum::<usize>() + 2;
                assert!(
                    rows <= 1 << g.extended && rows > 1 << (g.extended - 1),
                    "{vars:?}"
                );
                let mut end = 0;
                for m in &g.members {
                    assert_eq!(m.vars, vars[m.lookup]);
                    assert_eq!(m.offset % (1 << m.vars), 0, "{vars:?}");
                    assert_eq!(m.offset, end);
                    end += 1 << m.vars;
                }
            }
        }

        fn random_f(rng: &mut SmallRng) -> F {
            F::from_u64(rng.random::<u64>() >> 1)
        }

        fn random_ef(rng: &mut SmallRng) -> EF {
            EF::from_basis_coefficients_fn(|_| random_f(rng))
        }

        /// `merged_claims` is the merged columns' multilinear extension: checked against the
        /// columns `merge` lays out, for members of one size and of several, with each member's
        /// claim masked by its own slot.
        #[test]
        fn merged_claims_evaluate_the_merged_columns() {
            let mut rng = SmallRng::seed_from_u64(7);
            let cases: [(&[usize], usize); 8] = [
                (&[3], 1),
                (&[2, 2, 2], 2),
                (&[0; 5], 1),
                (&[0; 6], 2),
                (&[1, 1], 3),
                (&[3, 1, 3, 0, 2], 1),
                (&[0, 4, 2, 2, 1], 2),
                (&[5, 0], 3),
            ];
            for (vars, c) in cases {
                let g = &groups(&uses(vars))[0];
                let fill: Vec<F> = (0..c).map(|_| random_f(&mut rng)).collect();
                // In the group's order.
                let members: Vec<Vec<Vec<F>>> = g
                    .members
                    .iter()
                    .map(|m| {
                        (0..c)
                            .map(|_| (0..1 << m.vars).map(|_| random_f(&mut rng)).collect())
                            .collect()
                    })
                    .collect();
                let cols = merge(g, &fill, &members).unwrap();
                let point: Vec<EF> = (0..g.extended).map(|_| random_ef(&mut rng)).collect();
                let s: EF = point[..point.len() - 1].iter().copied().product();
                let claims: Vec<Claim> = (0..g.members.len() * c)
                    .map(|i| {
                        let (lead, _) = g.members[i / c].block(g.extended);
                        let at = &point[lead..];
                        Claim {
                            point: at.to_vec(),
                            value: zkinfer_poly::evaluate(&members[i / c][i % c], at),
                            masks: vec![ClaimMask {
                                slot: i,
                                coeff: EF::ONE,
                            }],
                        }
                    })
                    .collect();
                let got = merged_claims(&point, g, s, &fill, &claims).unwrap();
                assert_eq!(got.len(), c);
                for (j, e) in got.iter().enumerate() {
                    assert_eq!(
                        e.value,
                        zkinfer_poly::evaluate(&cols[j], &point),
                        "{vars:?} {c}"
                    );
                    // Member `u`'s mask enters with `eq(top_u, offset_u / 2^{n_u})`.
                    let want: Vec<ClaimMask> = g
                        .members
                        .iter()
                        .enumerate()
                        .map(|(u, m)| {
                            let (lead, index) = m.block(g.extended);
                            ClaimMask {
                                slot: u * c + j,
                                coeff: zkinfer_poly::eq_at_index(&point[..lead], index),
                            }
                        })
                        .collect();
                    assert_eq!(e.masks, want);
                }
                // The last two rows are the disabled slots: zero whatever the fill.
                assert!(cols.iter().all(|col| col[col.len() - 2..] == [F::ZERO; 2]));
            }
            // A number of member values other than members × columns is refused, and so is a
            // member of the wrong size.
            let g = &groups(&uses(&[1, 1]))[0];
            let one = Claim::new(vec![EF::ONE; 1], EF::ONE);
            let three = vec![one.clone(), one.clone(), one];
            assert!(merged_claims(&[EF::ONE; 3], g, EF::ZERO, &[F::ONE; 2], &three).is_none());
            let short = vec![vec![vec![F::ONE; 2]], vec![vec![F::ONE; 3]]];
            assert!(merge(g, &[F::ZERO], &short).is_err());
        }
    }
}
