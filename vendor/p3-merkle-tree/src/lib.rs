#![doc = include_str!("../README.md")]
#![no_std]

extern crate alloc;

mod hiding_mmcs;
mod merkle_tree;
mod mmcs;
mod pruning;

#[cfg(test)]
mod packed_row_tests;

pub use hiding_mmcs::*;
pub use merkle_tree::MerkleTree;
pub use mmcs::{MerkleTreeError, MerkleTreeMmcs, PrunedBatchOpening, PrunedProofError};
pub use p3_symmetric::MerkleCap;
pub use pruning::{MerkleAuthPath, PrunedMerklePaths};
