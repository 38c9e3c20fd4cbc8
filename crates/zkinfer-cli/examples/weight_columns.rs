//! A compiled model's weight columns — name, variables, tensor axes, the pieces the private
//! weights' commitment cuts them into — and the elements committed: a diagnostic for the
//! weights' stack (which columns are padded, which constants are large).
//!
//! `cargo run --release -p zkinfer-cli --example weight_columns -- model.zkc`
use zkinfer::pipeline::{CompiledModel, read_file};
use zkinfer_proof::weights::{WeightShapes, pieces};

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: weight_columns MODEL.zkc");
        std::process::exit(2);
    };
    let m: CompiledModel = match read_file(std::path::Path::new(&path)) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let mut logical = 0usize;
    for c in &m.plan.weight_columns {
        let real: usize = if c.axes.is_empty() {
            1 << c.num_vars
        } else {
            c.axes.iter().map(|a| a.0).product()
        };
        logical += real;
        let ps = pieces(&c.axes);
        let held: usize = ps.as_ref().map_or(1 << c.num_vars, |p| {
            p.iter().map(|p| 1usize << p.vars()).sum()
        });
        println!(
            "{:<64} vars {:>2} axes {:?} logical {real} held {held} pieces {}",
            c.name,
            c.num_vars,
            c.axes,
            ps.map_or(0, |p| p.len())
        );
    }
    let shapes = WeightShapes::of(&m.plan);
    println!(
        "{} columns, {logical} logical entries, {} committed elements (aliases excluded)",
        m.plan.weight_columns.len(),
        shapes.committed_len()
    );
}
