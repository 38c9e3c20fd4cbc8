//! The zkinfer verification service and its transparency log.
//!
//! `zkinfer serve` verifies proofs with the `zkinfer` library and appends every valid one to an
//! append-only Merkle log that follows the C2SP specs, so anyone can check later that a model
//! produced a decision and that no one rewrote the record:
//!
//! - **Hashing and proofs**: RFC 6962 (leaf `SHA-256(0x00‖e)`, node `SHA-256(0x01‖l‖r)`),
//!   inclusion and consistency proofs, through the `tlog_tiles` crate.
//! - **Read path**: C2SP tlog-tiles (`/checkpoint`, `/tile/L/N[.p/W]`, `/tile/entries/N`),
//!   checkpoints are C2SP signed notes (Ed25519, the `signed_note` crate).
//! - **Receipts**: C2SP tlog-proof, verifiable offline with the log's public key.
//! - **Store**: SQLite (WAL, `synchronous=FULL`), one transaction per append, acknowledged after
//!   commit.
//!
//! Modules: [`merkle`] (hashes, proofs, tile paths, entry bundles), [`entry`] (what is logged),
//! [`store`] (SQLite), [`note`] (keys, checkpoints), [`receipt`] (tlog-proof), [`server`] and
//! [`api`] (HTTP), [`page`] (the web page), [`client`] (a small HTTP client), [`monitor`],
//! [`fsck`], [`cli`] (the commands), [`error`].

pub mod api;
pub mod cli;
pub mod client;
pub mod entry;
pub mod error;
pub mod fsck;
pub mod merkle;
pub mod monitor;
pub mod note;
pub mod page;
pub mod receipt;
pub mod server;
pub mod store;

pub use error::Error;
