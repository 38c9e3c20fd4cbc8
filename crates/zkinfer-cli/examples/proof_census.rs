//! Where a proof's layer messages and lookup bytes go: a diagnostic for proof-size work.
//!
//! `cargo run --release -p zkinfer-cli --example proof_census -- PROOF [VK]`
//!
//! Prints the size of each part (as `bench --profile` does), the sumcheck rounds by length, the
//! values sent outside sumchecks, and for blinded lookups the trees, layers, round values,
//! children and inner-mask values. With the verifying key, also the plan's lookups per table by
//! their number of variables (the lookups of one size share a tree: `lookups::zk::groups`).

use std::collections::BTreeMap;
use std::process::ExitCode;

use zkinfer_proof::channel::Msg;
use zkinfer_proof::commit::WitnessOpening;
use zkinfer_proof::keys::VerifyingKey;
use zkinfer_proof::plan::TableSpec;
use zkinfer_proof::proof::{Lookups, Proof, ZkFile};

/// Extension-field elements are 16 bytes on the wire.
const EF_BYTES: usize = 16;

/// Counts round polynomials by their number of values.
fn count_rounds<T>(polys: &[Vec<T>], by_len: &mut BTreeMap<usize, usize>) {
    for g in polys {
        *by_len.entry(g.len()).or_default() += 1;
    }
}

/// `(rounds, values)` of a census.
fn totals(by_len: &BTreeMap<usize, usize>) -> (usize, usize) {
    (
        by_len.values().sum(),
        by_len.iter().map(|(l, c)| l * c).sum(),
    )
}

fn proof_census(proof: &Proof) {
    for (part, bytes) in proof.size_by_part() {
        println!("{part:<16} {bytes:>10} B");
    }
    let mut rounds = BTreeMap::new();
    let mut values = 0usize;
    let mut kinds = BTreeMap::<&str, usize>::new();
    for m in &proof.msgs {
        let kind = match m {
            Msg::Evals(_) => "values",
            Msg::Sumcheck(_) => "sumcheck",
            Msg::Reduction(_) => "reduction",
            Msg::ZkSumcheck(_) => "zk sumcheck",
            Msg::MaskedSumcheck(_) => "masked sumcheck",
            Msg::MaskedReduction(_) => "masked reduction",
        };
        *kinds.entry(kind).or_default() += 1;
        match m {
            Msg::Evals(v) => values += v.len(),
            Msg::Sumcheck(s) => count_rounds(&s.round_polys, &mut rounds),
            Msg::Reduction(r) => {
                count_rounds(&r.sumcheck.round_polys, &mut rounds);
                values += 1;
            }
            Msg::ZkSumcheck(z) => {
                count_rounds(&z.sumcheck.round_polys, &mut rounds);
                values += 2;
            }
            Msg::MaskedSumcheck(m) => {
                count_rounds(&m.zk.sumcheck.round_polys, &mut rounds);
                values += 2 + usize::from(m.incoming_eval.is_some());
            }
            Msg::MaskedReduction(m) => {
                count_rounds(&m.sumcheck.zk.sumcheck.round_polys, &mut rounds);
                values += 3 + usize::from(m.sumcheck.incoming_eval.is_some());
            }
        }
    }
    let (n, v) = totals(&rounds);
    println!(
        "layer messages: {} messages; {n} sumcheck rounds, {v} values ({} B), rounds by number \
         of values {rounds:?}; {values} other values ({} B)",
        proof.msgs.len(),
        v * EF_BYTES,
        values * EF_BYTES
    );
    println!("layer messages by kind: {kinds:?}");
    match &proof.lookups {
        Lookups::Blinded(b) => {
            let mut rounds = BTreeMap::new();
            let (mut children, mut masks) = (0, 0);
            for l in &b.layers {
                count_rounds(&l.sumcheck.sumcheck.round_polys, &mut rounds);
                children += l.children.len();
                masks += 2 * l.mask_evals.len();
            }
            let (n, v) = totals(&rounds);
            println!(
                "blinded lookups: {} trees, {} layers; {n} rounds, {v} values ({} B); {children} \
                 children ({} B); {masks} inner-mask values ({} B)",
                b.roots.len(),
                b.layers.len(),
                v * EF_BYTES,
                children * EF_BYTES,
                masks * EF_BYTES
            );
        }
        Lookups::Plain(p) => println!("plain lookups: {} layers", p.layers.len()),
    }
    match &proof.witness_opening {
        WitnessOpening::Hiding(o) | WitnessOpening::Joint(o) => {
            println!("witness (or joint) opening by part:");
            for (part, bytes) in o.size_by_part() {
                println!("  {part:<44} {bytes:>10} B");
            }
        }
        WitnessOpening::Masked(o) => {
            println!("witness opening (masked) by part:");
            for (part, bytes) in o.size_by_part() {
                println!("  {part:<44} {bytes:>10} B");
            }
        }
        WitnessOpening::Plain(_) => {}
    }
}

fn plan_census(vk: &VerifyingKey) {
    let by_table = vk.plan.lookups_by_table();
    for (t, uses) in by_table.iter().enumerate() {
        let mut by_vars = BTreeMap::<usize, usize>::new();
        for u in uses {
            *by_vars.entry(u.num_vars).or_default() += 1;
        }
        let kind = match vk.plan.tables.get(t) {
            Some(TableSpec::Range { bits }) => format!("range, {bits} bits"),
            Some(TableSpec::SignedRange { bits }) => format!("signed range, {bits} bits"),
            Some(TableSpec::Function { name, bits, .. }) => {
                format!("function `{name}`, {bits} bits")
            }
            None => "?".into(),
        };
        println!(
            "table {t} ({kind}): {} lookups, by number of variables {by_vars:?}",
            uses.len()
        );
    }
    let groups: usize = by_table
        .iter()
        .map(|us| zkinfer_proof::lookups::zk::groups(us).len())
        .sum();
    println!(
        "{} tables, {} lookups, {groups} groups (witness trees of a blinded proof); mask-pool \
         entries beyond one tree per lookup: {:?}",
        by_table.len(),
        by_table.iter().map(Vec::len).sum::<usize>(),
        zkinfer_proof::lookups::zk::entries_beyond_one_tree_per_lookup(&vk.plan)
    );
}

fn open(path: &str) -> Result<std::fs::File, String> {
    std::fs::File::open(path).map_err(|e| format!("cannot open {path}: {e}"))
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let Some(proof) = args.next() else {
        return Err("usage: proof_census PROOF [VK]".into());
    };
    if let Some(vk) = args.next() {
        let vk = VerifyingKey::read_from_file(open(&vk)?).map_err(|e| format!("{vk}: {e}"))?;
        plan_census(&vk);
    }
    let p = Proof::read_from_file(open(&proof)?).map_err(|e| format!("{proof}: {e}"))?;
    proof_census(&p);
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
