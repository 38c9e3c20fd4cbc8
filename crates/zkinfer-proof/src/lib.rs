//! The zkinfer proving engine: compile a quantized network into a proof plan, make keys, prove
//! one inference, verify it.
//!
//! The proof walks the graph backwards with evaluation claims (DESIGN §6). Linear layers move a
//! claim on their output to their inputs and weights by sumcheck, committing nothing; non-linear
//! layers (rescale, ReLU, tables, max-pool, and the transformer gadgets reduce-max, arg-max,
//! division, integer square root) commit their outputs and helper columns, whose
//! relations LogUp lookups and small sumchecks prove; at the end every claim is on a committed
//! column (weights: committed at setup, root in the vk; witness: committed per proof with a
//! hiding commitment, [`commit`]) or on the public input, and batched openings settle them: one
//! opening of the witness and the private weights together where the weights' stack holds the
//! witness (proof format 21, docs/ZK.md §15), else one each.
//!
//! Modules: [`ir`] (the graph), [`lower`] (from `zkinfer-model`'s quantized graph),
//! [`layout`] (padding), [`plan`] (the compiled model), [`compile()`](compile::compile) (the
//! driver) with [`planner`] and [`cost`], [`ops`] (one module per op: plan, witness layout,
//! prover and verifier, behind one dispatch), [`context`] (what op code works with),
//! [`witness`] (driver) with [`trace`] (the interpreter on a proof graph), [`select`] (window
//! selectors), [`keys`] (setup), [`lookups`],
//! [`channel`] (messages; sumchecks and claim reductions), [`claims`], [`prover`] and
//! [`verifier`] (drivers: the backward walk), [`profile`] (per-phase time and memory of a
//! prove), [`proof`] (files), `testing` (graphs built in
//! code; feature `testing`). The drivers know no op.

pub mod channel;
pub mod claims;
pub mod commit;
pub mod compile;
pub mod context;
pub mod cost;
pub mod error;
pub mod hashed;
pub mod ir;
pub mod keys;
pub mod layout;
pub mod lookups;
pub mod lower;
pub mod ops;
pub mod pieces;
pub mod plan;
pub mod planner;
pub mod profile;
pub mod proof;
pub mod prover;
pub mod select;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod trace;
pub mod verifier;
pub mod weights;
pub mod witness;

pub use compile::compile;
pub use error::{CompileError, ProveError, VerifyError};
pub use keys::{ProvingKey, VerifyingKey, setup, setup_with_max_proofs, setup_with_weights_data};
pub use plan::{CompileOptions, InputVisibility, OutputVisibility, Plan, WeightsVisibility};
pub use profile::Profile;
pub use proof::{FileError, Lookups, Proof, ZkFile};
pub use prover::{prove, prove_non_zk_for_bench, prove_profiled, prove_with_openings};
pub use verifier::verify;
pub use weights::WeightsData;
