//! LogUp lookups proved by a GKR over fractions (logup-GKR, Papini–Haböck, eprint 2023/1284).
//!
//! # Statement
//! Witnesses `w` (tuples of columns `x_0, x_1, …`, each of length `2^n_w`) all lie in a table `T`
//! (tuples of columns `T_0, T_1, …`, `2^n_T` rows) with multiplicities `m`. After drawing `α, β`
//! (at the start of [`prove`]/[`verify`], *after* the caller absorbed its commitment to the witness
//! columns and `m`), tuples are folded, `w_i = Σ_c β^c x_{c,i}`, `t_j = Σ_c β^c T_{c,j}`, and
//!
//! `Σ_w Σ_i 1/(α − w_i) = Σ_j m_j/(α − t_j)`.
//!
//! # Proof
//! Each side is a binary tree of fractions: leaves `(1, α − w_i)` per witness and `(m_j, α − t_j)`
//! for the table; a parent of the children `L` (first half, leading variable 0) and `R` is
//! `(p_L q_R + p_R q_L, q_L q_R)`. The prover sends every root; the verifier checks the roots are
//! non-zero and that the witness roots sum to the table root (`P_W q_T = p_T Q_W`). Then, from the
//! root down, one sumcheck per layer `k` proves for every tree of height `> k` the claims
//! `p_k(r), q_k(r)` from its children:
//!
//! `Σ_x eq(r, x) · Σ_j λ^{2j} (p_L q_R + p_R q_L)(x) + λ^{2j+1} (q_L q_R)(x)` (degree 3),
//!
//! batched over the trees by powers of one `λ` (all active trees share `r`, as they all start at
//! the root). The prover sends the children's values at the sumcheck point `ρ`; a random `μ` picks
//! the line through them: `p_{k+1}(μ, ρ) = p_L(ρ) + μ (p_R(ρ) − p_L(ρ))`. A witness tree's leaf
//! layer has numerator 1, so only `q_L, q_R` are sent there.
//!
//! Witnesses of different sizes are **separate trees** (no padding), batched layer by layer; those
//! of one size end at one point. At a witness leaf point the prover sends each column's value and
//! the verifier checks `α − Σ_c β^c x_c = q`; at the table's leaf point the verifier evaluates the
//! table columns itself ([`Table::evaluate_columns`]). What remains, [`LookupClaims`] — the witness
//! columns and `m` at those points — the caller discharges (PCS opening).
//!
//! Several instances (e.g. one per table, as a model has several tables) go into one proof with
//! [`prove_many`]/[`verify_many`]: one `α, β`, all their trees in the same layer sumchecks, and a
//! root check per instance. [`prove`]/[`verify`] are the one-instance case (same transcript).
//!
//! Proof size is `O(n_max^2)` field elements (a `k`-round degree-3 sumcheck per layer `k`, plus
//! 2–4 child values per active tree); the verifier does `O(n_max^2 + trees · n_max)` work plus
//! the table MLE (`O(bits)` for ranges, `O(2^bits)` for a function's outputs). Measured
//! (`cargo run --release -p zkinfer-lookup --example bench_lookup`, 2 cores, loaded machine): 2^22
//! lookups into the signed 16-bit range prove in ≈1.1 s of CPU with a 19 KiB proof, verify in
//! 0.44 ms (2.2 ms for a 2^16-row function table), peak ≈300 MiB.
//!
//! # Example
//! ```
//! use zkinfer_field::{Transcript, from_signed};
//! use zkinfer_lookup::{LookupInstance, Table, multiplicities, prove, verify};
//!
//! let table = Table::function("relu", 8, |i| i.max(0))?;
//! let x: Vec<_> = [-3i64, 5, 0, -128].map(from_signed).to_vec();
//! let y: Vec<_> = [0i64, 5, 0, 0].map(from_signed).to_vec();
//! let witnesses = vec![vec![x.as_slice(), y.as_slice()]];
//! let m = multiplicities(&table, &witnesses)?; // the caller commits x, y, m, absorbs the root
//! let instance = LookupInstance { table: &table, witnesses };
//! let (proof, claims) = prove(&instance, &m, &mut Transcript::new(b"ctx"))?;
//! let shapes = instance.shapes()?;
//! let checked = verify(&table, &shapes, &proof, &mut Transcript::new(b"ctx"))?;
//! assert_eq!(checked, claims); // then: open x, y at their points and m at its point
//! # Ok::<(), zkinfer_lookup::LookupError>(())
//! ```
//!
//! Modules: [`table`] (tables, their MLEs and ids), [`instance`] (instances, multiplicities,
//! claims), [`proof`] (proof data, the shared layer algebra), [`gkr`] (the prover's fraction
//! trees), [`prover`], [`verifier`], [`error`]; [`zk`]: zero-knowledge LogUp-GKR (blinded roots,
//! `Z·R`-masked layers, ZK layer sumchecks, several instances per proof; not yet called by the
//! engine, see its doc).

pub mod error;
pub mod gkr;
pub mod instance;
pub mod proof;
pub mod prover;
pub mod table;
pub mod verifier;
pub mod zk;

pub use error::LookupError;
pub use instance::{LookupClaims, LookupInstance, multiplicities};
pub use proof::{LayerProof, LookupProof};
pub use prover::{prove, prove_many, prove_many_unchecked, prove_unchecked};
pub use table::{Outputs, Table, outputs_digest};
pub use verifier::{verify, verify_many};

/// The widest table: `2^MAX_TABLE_BITS` rows (wider ranges are split into limbs by the caller);
/// defined in `zkinfer-field` so the quantizer and the engine share it.
pub use zkinfer_field::MAX_TABLE_BITS;

/// The most variables a witness may have.
pub const MAX_WITNESS_VARS: usize = 40;

/// Below this many elements, loops stay serial.
pub const PARALLEL_THRESHOLD: usize = 1 << 12;

/// Transcript labels of the lookup argument.
pub mod labels {
    /// The table id, absorbed first.
    pub const TABLE: &[u8] = b"lookup/table";
    /// The witnesses' numbers of variables.
    pub const SHAPES: &[u8] = b"lookup/shapes";
    /// The challenge `α` (the pole).
    pub const ALPHA: &[u8] = b"lookup/alpha";
    /// The challenge `β` (tuple folding).
    pub const BETA: &[u8] = b"lookup/beta";
    /// The roots `(p, q)` of all trees.
    pub const ROOTS: &[u8] = b"lookup/roots";
    /// The batching challenge of a layer.
    pub const LAMBDA: &[u8] = b"lookup/lambda";
    /// The children's values at a layer's sumcheck point.
    pub const CHILDREN: &[u8] = b"lookup/children";
    /// The line challenge of a layer.
    pub const MU: &[u8] = b"lookup/mu";
    /// A witness's column values at its leaf point.
    pub const WITNESS_EVALS: &[u8] = b"lookup/witness-evals";
}

/// `(0..n).map(f).collect()`, in parallel above [`PARALLEL_THRESHOLD`] with the `parallel` feature.
pub(crate) fn par_map<T: Send>(n: usize, f: impl Fn(usize) -> T + Sync + Send) -> Vec<T> {
    #[cfg(feature = "parallel")]
    if n >= PARALLEL_THRESHOLD {
        use rayon::prelude::*;
        return (0..n).into_par_iter().map(f).collect();
    }
    (0..n).map(f).collect()
}
