//! Verifies one proof several times in one process and prints each time: the first run pays
//! first-touch page faults, the later ones show the verifier's own cost (docs/BENCHMARKS.md).
//!
//! `cargo run --release -p zkinfer-cli --example verify_repeat -- model.vk proof.zkp [N]`
use std::path::Path;
use std::time::Instant;

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(vk), Some(proof)) = (args.get(1), args.get(2)) else {
        return Err("usage: verify_repeat MODEL.vk PROOF.zkp [N]".into());
    };
    let vk: zkinfer_proof::VerifyingKey = zkinfer::read_file(Path::new(vk))?;
    let proof: zkinfer_proof::Proof = zkinfer::read_file(Path::new(proof))?;
    let n: usize = args.get(3).map_or(Ok(5), |s| s.parse())?;
    for run in 1..=n {
        let t = Instant::now();
        zkinfer_proof::verify(&vk, &proof, None, None)?;
        println!(
            "run {run}: verified in {:.1} ms",
            t.elapsed().as_secs_f64() * 1e3
        );
    }
    Ok(())
}
