//! Empty: the crate's `[build-dependencies]` are there only so that its host build enables the
//! features the rest of the workspace enables (see `Cargo.toml`).

fn main() {}
