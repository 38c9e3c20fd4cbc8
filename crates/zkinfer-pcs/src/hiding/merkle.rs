//! The salted Keccak Merkle commitment of the hiding openings, with a batched verifier.
//!
//! [`SaltedKeccakMmcs`] is p3's `MerkleTreeHidingMmcs` (committing, opening, the proofs and their
//! encoding are p3's, unchanged) with one method replaced: `verify_multi_batch`, the check of a
//! pruned multi-opening, which p3 runs one Keccak-256 call at a time. A hiding opening verifies a
//! few thousand leaves and tens of thousands of inner nodes that way, each a Keccak-f call, and
//! that was the largest part of a small model's verification. Here the tree is walked level by
//! level and every level's node hashes (and all the leaves) are computed together by p3-keccak's
//! vectorized `hash_many` (eight AVX-512 lanes), the same truncated Keccak-256
//! ([`TruncatedKeccak`]).
//!
//! The batched check handles the shape every zkinfer tree has (one matrix of power-of-two height
//! per tree, a binary tree, one root); it accepts an opening only after recomputing the root from
//! every opened row and every supplied sibling, consuming the siblings exactly. Whenever it does
//! not accept — another shape, or an opening that fails — p3's own verifier decides, so a
//! rejection carries p3's error and an opening the batched check missed would still be judged by
//! p3 (the tests check the two agree on honest and corrupted openings).

use p3_commit::{BatchOpening, BatchOpeningRef, Mmcs};
use p3_matrix::{Dimensions, Matrix};
use p3_maybe_rayon::prelude::*;
use p3_merkle_tree::{MerkleCap, MerkleTreeError, MerkleTreeHidingMmcs, PrunedMerklePaths};
use p3_symmetric::CryptographicHasher;
use rand_zk::rngs::StdRng;
use zkinfer_field::{F, PrimeCharacteristicRing, PrimeField64};

use std::sync::Arc;

use p3_matrix::dense::DenseMatrix;

use super::lazy::LazyTree;
use super::types::SALT_ELEMS;
use crate::types::{DIGEST_BYTES, Digest, TruncatedKeccak};
use crate::types::{LeafHash, NodeCompress};

/// p3's salted Keccak tree, as [`SaltedKeccakMmcs`] wraps it.
pub type P3SaltedKeccakMmcs =
    MerkleTreeHidingMmcs<F, u8, LeafHash, NodeCompress, StdRng, 2, DIGEST_BYTES, SALT_ELEMS>;

type Inner = P3SaltedKeccakMmcs;

/// Leaves hashed per parallel task.
const LEAVES_PER_TASK: usize = 64;

/// The salted Keccak Merkle commitment: the plain path's tree ([`TruncatedKeccak`] over the row's
/// little-endian bytes, nodes over `left ‖ right`) with [`SALT_ELEMS`] random field
/// elements appended to every row before hashing. p3's `MerkleTreeHidingMmcs` with a batched
/// verifier (module docs).
#[derive(Clone, Debug)]
pub struct SaltedKeccakMmcs {
    inner: Inner,
}

impl SaltedKeccakMmcs {
    /// As p3's `MerkleTreeHidingMmcs::new`.
    #[must_use]
    pub fn new(hash: LeafHash, compress: NodeCompress, cap_height: usize, rng: StdRng) -> Self {
        Self {
            inner: Inner::new(hash, compress, cap_height, rng),
        }
    }

    /// The p3 commitment this wraps (its verifier is the reference the tests compare with).
    #[must_use]
    pub fn p3(&self) -> &P3SaltedKeccakMmcs {
        &self.inner
    }
}

/// p3's prover data of a salted tree over matrices `M`.
pub(crate) type InnerTree<M> = <Inner as Mmcs<F>>::ProverData<M>;
/// p3's prover data of a salted tree over one dense base-field matrix.
pub(crate) type DenseTree = InnerTree<DenseMatrix<F>>;

/// The prover data of a [`SaltedKeccakMmcs`] commitment: p3's tree as `commit` built it, or a
/// stored tree read where it is opened ([`LazyTree`]: the private weights' commitment in a
/// proving key).
pub enum SaltedData<M> {
    /// Built by `commit`, in memory.
    Built(InnerTree<M>),
    /// Stored; the rows and digests an opening needs are read from the source.
    Stored(Arc<LazyTree>),
    /// Two trees of one height, opened at the same indices as one matrix: row `i` is the first
    /// tree's row `i` followed by the second's, its salt the first salt followed by the second,
    /// the siblings the first tree's pruned siblings followed by the second's. Its commitment is
    /// the cap of the two roots. The joint opening's first oracle (`super::joint`): the private
    /// weights' stored tree and the witness's.
    Pair(Box<SaltedData<M>>, Box<SaltedData<M>>),
}

impl<M> std::fmt::Debug for SaltedData<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Built(_) => f.write_str("SaltedData::Built"),
            Self::Stored(lazy) => f.debug_tuple("SaltedData::Stored").field(lazy).finish(),
            Self::Pair(a, b) => f.debug_tuple("SaltedData::Pair").field(a).field(b).finish(),
        }
    }
}

impl<M: Clone> Clone for SaltedData<M> {
    fn clone(&self) -> Self {
        match self {
            Self::Built(t) => Self::Built(t.clone()),
            Self::Stored(t) => Self::Stored(Arc::clone(t)),
            Self::Pair(a, b) => Self::Pair(a.clone(), b.clone()),
        }
    }
}

impl Mmcs<F> for SaltedKeccakMmcs {
    type ProverData<M> = SaltedData<M>;
    type Commitment = <Inner as Mmcs<F>>::Commitment;
    type Proof = <Inner as Mmcs<F>>::Proof;
    type MultiProof = <Inner as Mmcs<F>>::MultiProof;
    type Error = MerkleTreeError;

    fn commit<M: Matrix<F>>(&self, inputs: Vec<M>) -> (Self::Commitment, Self::ProverData<M>) {
        let (commitment, tree) = self.inner.commit(inputs);
        (commitment, SaltedData::Built(tree))
    }

    fn open_batch<M: Matrix<F>>(
        &self,
        index: usize,
        prover_data: &Self::ProverData<M>,
    ) -> BatchOpening<F, Self> {
        let (values, proof) = match prover_data {
            SaltedData::Built(tree) => self.inner.open_batch(index, tree).unpack(),
            SaltedData::Stored(lazy) => {
                // One index: its pruned siblings are its whole path.
                let mut opening = lazy.open(&[index]);
                let values = opening.values.pop().unwrap_or_default();
                let salts = opening.salts.pop().unwrap_or_default();
                (values, (salts, opening.siblings))
            }
            SaltedData::Pair(a, b) => {
                let (a, b) = (self.open_batch(index, a), self.open_batch(index, b));
                let ((mut values, (mut salts, mut siblings)), (vb, (sb, pb))) =
                    (a.unpack(), b.unpack());
                pad_concat(&mut values, vb);
                concat_first(&mut salts, sb);
                siblings.extend(pb);
                (values, (salts, siblings))
            }
        };
        BatchOpening::new(values, proof)
    }

    /// The committed matrices of a built tree; none for a stored one (its codeword is in its
    /// source, read only where opened).
    fn get_matrices<'a, M: Matrix<F>>(&self, prover_data: &'a Self::ProverData<M>) -> Vec<&'a M> {
        match prover_data {
            SaltedData::Built(tree) => self.inner.get_matrices(tree),
            SaltedData::Stored(_) | SaltedData::Pair(..) => Vec::new(),
        }
    }

    fn verify_batch(
        &self,
        commit: &Self::Commitment,
        dimensions: &[Dimensions],
        index: usize,
        batch_opening: BatchOpeningRef<'_, F, Self>,
    ) -> Result<(), Self::Error> {
        self.inner.verify_batch(
            commit,
            dimensions,
            index,
            BatchOpeningRef::new(batch_opening.opened_values, batch_opening.opening_proof),
        )
    }

    fn open_multi_batch<M: Matrix<F>>(
        &self,
        indices: &[usize],
        prover_data: &Self::ProverData<M>,
    ) -> (Vec<Vec<Vec<F>>>, Self::MultiProof) {
        match prover_data {
            SaltedData::Built(tree) => self.inner.open_multi_batch(indices, tree),
            SaltedData::Stored(lazy) => {
                let opening = lazy.open(indices);
                (
                    opening.values,
                    (
                        opening.salts,
                        PrunedMerklePaths {
                            sibling_hashes: opening.siblings,
                        },
                    ),
                )
            }
            SaltedData::Pair(a, b) => {
                let (mut values, (mut salts, mut pruned)) = self.open_multi_batch(indices, a);
                let (vb, (sb, pb)) = self.open_multi_batch(indices, b);
                for (v, w) in values.iter_mut().zip(vb) {
                    pad_concat(v, w);
                }
                for (s, t) in salts.iter_mut().zip(sb) {
                    concat_first(s, t);
                }
                pruned.sibling_hashes.extend(pb.sibling_hashes);
                (values, (salts, pruned))
            }
        }
    }

    fn verify_multi_batch<R: AsRef<[F]> + PartialEq>(
        &self,
        commit: &Self::Commitment,
        dimensions: &[Dimensions],
        indices: &[usize],
        opened_values: &[Vec<R>],
        proof: &Self::MultiProof,
    ) -> Result<(), Self::Error> {
        // A pair's cap: the two roots, the second tree's width, a zero word (`super::joint`).
        if let [a, b, w, pad] = commit.roots()
            && *pad == [0u8; DIGEST_BYTES]
        {
            let width = pair_width(w).ok_or(MerkleTreeError::WrongWidth {
                matrix: 1,
                expected: 0,
                got: 0,
            })?;
            return self.verify_pair([*a, *b], width, dimensions, indices, opened_values, proof);
        }
        let (salts, pruned) = proof;
        let batched = batched_root(
            dimensions,
            indices,
            opened_values,
            salts,
            &pruned.sibling_hashes,
        );
        match (batched, commit.roots()) {
            (Some(root), [expected]) if root == *expected => Ok(()),
            // Not accepted by the batched walk: p3 decides, with its own error.
            _ => self
                .inner
                .verify_multi_batch(commit, dimensions, indices, opened_values, proof),
        }
    }
}

/// Appends `more`'s first element to `to`'s (one matrix per opening: a pair's salt).
fn concat_first<T>(to: &mut [Vec<T>], more: Vec<Vec<T>>) {
    if let (Some(to), Some(more)) = (to.first_mut(), more.into_iter().next()) {
        to.extend(more);
    }
}

/// A pair's row: the first tree's row, the second's, then zeros up to twice the first's width
/// (the second tree may commit only the first of its columns, the others being zero).
fn pad_concat(to: &mut [Vec<F>], more: Vec<Vec<F>>) {
    if let (Some(to), Some(more)) = (to.first_mut(), more.into_iter().next()) {
        let width = to.len();
        to.extend(more);
        to.resize(2 * width, F::ZERO);
    }
}

/// The third word of a pair's cap when the second tree commits only its first `width` columns
/// (its others are zero): `width` as a little-endian `u64`, then zeros. (A cap holds a power of
/// two of words: the fourth is zero.)
#[must_use]
pub(super) fn pair_width_word(width: usize) -> Digest {
    let mut word = [0u8; DIGEST_BYTES];
    word[..8].copy_from_slice(&(width as u64).to_le_bytes());
    word
}

/// The width a cap's third word gives ([`pair_width_word`]); `None` for any other word.
fn pair_width(word: &Digest) -> Option<usize> {
    let (low, high) = word.split_at(8);
    let width = u64::from_le_bytes(low.try_into().ok()?);
    (high.iter().all(|&b| b == 0) && width > 0)
        .then(|| usize::try_from(width).ok())
        .flatten()
}

impl SaltedKeccakMmcs {
    /// Checks a [`SaltedData::Pair`] opening against its two roots, the second tree holding
    /// `x_width` columns: each row is the first tree's row (half the row), the second's
    /// `x_width` values, then zeros, which are checked; each salt and the siblings split in
    /// halves; each tree's part checked against its root as a one-tree opening (the batched
    /// walk, else p3's verifier for its error). Both trees have one height and are opened at
    /// the same indices, so their pruned siblings are equally many.
    fn verify_pair<R: AsRef<[F]> + PartialEq>(
        &self,
        roots: [Digest; 2],
        x_width: usize,
        dimensions: &[Dimensions],
        indices: &[usize],
        opened_values: &[Vec<R>],
        proof: &<Self as Mmcs<F>>::MultiProof,
    ) -> Result<(), MerkleTreeError> {
        let (salts, pruned) = proof;
        let [dims] = dimensions else {
            return Err(MerkleTreeError::WrongBatchSize {
                expected: 1,
                got: dimensions.len(),
            });
        };
        let (width, half) = (dims.width, dims.width / 2);
        let siblings = &pruned.sibling_hashes;
        if width % 2 != 0 || x_width == 0 || x_width > half {
            return Err(MerkleTreeError::WrongWidth {
                matrix: 1,
                expected: half,
                got: x_width,
            });
        }
        if siblings.len() % 2 != 0 {
            return Err(MerkleTreeError::WrongHeight {
                expected_proof_len: siblings.len() + 1,
                num_siblings: siblings.len(),
            });
        }
        if opened_values.len() != indices.len() || salts.len() != indices.len() {
            return Err(MerkleTreeError::WrongBatchSize {
                expected: indices.len(),
                got: opened_values.len().min(salts.len()),
            });
        }
        // Per half: each query's rows (one matrix) and salts.
        type Half = (Vec<Vec<Vec<F>>>, Vec<Vec<Vec<F>>>);
        let mut halves: [Half; 2] = Default::default();
        for (row, salt) in opened_values.iter().zip(salts) {
            let ([row], [salt]) = (&row[..], &salt[..]) else {
                return Err(MerkleTreeError::WrongBatchSize {
                    expected: 1,
                    got: row.len(),
                });
            };
            let row = row.as_ref();
            if row.len() != width || salt.len() != 2 * SALT_ELEMS {
                return Err(MerkleTreeError::WrongWidth {
                    matrix: 0,
                    expected: width,
                    got: row.len(),
                });
            }
            let (first, second) = row.split_at(half);
            let (second, zeros) = second.split_at(x_width);
            if zeros.iter().any(|z| *z != F::ZERO) {
                return Err(MerkleTreeError::WrongWidth {
                    matrix: 1,
                    expected: x_width,
                    got: half,
                });
            }
            for (h, ((values, salts), part)) in halves.iter_mut().zip([first, second]).enumerate() {
                values.push(vec![part.to_vec()]);
                salts.push(vec![salt[h * SALT_ELEMS..(h + 1) * SALT_ELEMS].to_vec()]);
            }
        }
        let (sa, sb) = siblings.split_at(siblings.len() / 2);
        for ((((values, salts), siblings), root), part) in halves
            .into_iter()
            .zip([sa, sb])
            .zip(roots)
            .zip([half, x_width])
        {
            let half_dims = [Dimensions {
                width: part,
                height: dims.height,
            }];
            let cap = MerkleCap::new(vec![root]);
            let proof = (
                salts,
                PrunedMerklePaths {
                    sibling_hashes: siblings.to_vec(),
                },
            );
            self.verify_multi_batch(&cap, &half_dims, indices, &values, &proof)?;
        }
        Ok(())
    }
}

/// The root recomputed from a pruned multi-opening of a one-matrix binary tree, hashing each
/// level's nodes together; `None` for any other shape or any structural mismatch (width, salt,
/// index, duplicate, sibling count).
pub(super) fn batched_root<R: AsRef<[F]> + PartialEq>(
    dimensions: &[Dimensions],
    indices: &[usize],
    opened_values: &[Vec<R>],
    salts: &[Vec<Vec<F>>],
    siblings: &[Digest],
) -> Option<Digest> {
    let [dims] = dimensions else { return None };
    let (width, height) = (dims.width, dims.height);
    if !height.is_power_of_two()
        || indices.is_empty()
        || opened_values.len() != indices.len()
        || salts.len() != indices.len()
    {
        return None;
    }
    // One row of the matrix's width and one salt per query.
    let row_of = |q: usize| -> Option<(&[F], &[F])> {
        let ([row], [salt]) = (&opened_values[q][..], &salts[q][..]) else {
            return None;
        };
        let (row, salt) = (row.as_ref(), &salt[..]);
        (row.len() == width && salt.len() == SALT_ELEMS).then_some((row, salt))
    };
    // The unique leaves in ascending order, each with its first query; a repeated leaf must
    // repeat its row and salt.
    let mut order: Vec<usize> = (0..indices.len()).collect();
    order.sort_by_key(|&q| (indices[q], q));
    let mut leaves: Vec<(usize, usize)> = Vec::with_capacity(order.len());
    for &q in &order {
        let index = indices[q];
        if index >= height {
            return None;
        }
        let this = row_of(q)?;
        match leaves.last() {
            Some(&(last, first)) if last == index => {
                if row_of(first)? != this {
                    return None;
                }
            }
            _ => leaves.push((index, q)),
        }
    }
    // Leaf digests: the truncated Keccak-256 of (row ‖ salt) as little-endian u64s, all at once.
    let leaf_bytes = (width + SALT_ELEMS) * 8;
    let mut messages = vec![0u8; leaves.len() * leaf_bytes];
    for (message, &(_, q)) in messages.chunks_mut(leaf_bytes).zip(&leaves) {
        let (row, salt) = row_of(q)?;
        for (out, x) in message.chunks_mut(8).zip(row.iter().chain(salt)) {
            out.copy_from_slice(&x.as_canonical_u64().to_le_bytes());
        }
    }
    let mut digests = vec![[0u8; DIGEST_BYTES]; leaves.len()];
    hash_many(&messages, leaf_bytes, &mut digests);
    let mut nodes: Vec<usize> = leaves.iter().map(|&(index, _)| index).collect();
    // Walk up: at each level a node's sibling is either the next frontier node or the next
    // supplied digest (p3's wire order: ascending parent, level by level).
    let mut cursor = 0;
    let mut pairs: Vec<u8> = Vec::with_capacity(nodes.len() * 2 * DIGEST_BYTES);
    for _ in 0..height.trailing_zeros() {
        pairs.clear();
        let mut parents = Vec::with_capacity(nodes.len());
        let mut i = 0;
        while i < nodes.len() {
            let node = nodes[i];
            if node.is_multiple_of(2) && nodes.get(i + 1) == Some(&(node + 1)) {
                pairs.extend_from_slice(&digests[i]);
                pairs.extend_from_slice(&digests[i + 1]);
                i += 2;
            } else {
                let sibling = siblings.get(cursor)?;
                cursor += 1;
                if node.is_multiple_of(2) {
                    pairs.extend_from_slice(&digests[i]);
                    pairs.extend_from_slice(sibling);
                } else {
                    pairs.extend_from_slice(sibling);
                    pairs.extend_from_slice(&digests[i]);
                }
                i += 1;
            }
            parents.push(node / 2);
        }
        digests.truncate(parents.len());
        hash_many(&pairs, 2 * DIGEST_BYTES, &mut digests);
        nodes = parents;
    }
    (cursor == siblings.len() && nodes == [0]).then(|| digests[0])
}

/// The truncated Keccak-256 of each `len`-byte message of `messages`, vectorized, in parallel.
fn hash_many(messages: &[u8], len: usize, out: &mut [Digest]) {
    messages
        .par_chunks(len * LEAVES_PER_TASK)
        .zip(out.par_chunks_mut(LEAVES_PER_TASK))
        .for_each(|(messages, out)| TruncatedKeccak.hash_many(messages, out));
}

#[cfg(test)]
mod tests {
    use p3_matrix::dense::RowMajorMatrix;
    use rand::rngs::SmallRng;
    use rand::{Rng, SeedableRng};
    use rand_zk::SeedableRng as _;
    use zkinfer_field::PrimeCharacteristicRing;

    use super::*;

    /// Query indices, opened rows and a multiproof.
    type Corruption<P> = (Vec<usize>, Vec<Vec<Vec<F>>>, P);

    fn mmcs(seed: u64) -> SaltedKeccakMmcs {
        SaltedKeccakMmcs::new(
            LeafHash::new(TruncatedKeccak),
            NodeCompress::new(TruncatedKeccak),
            0,
            StdRng::seed_from_u64(seed),
        )
    }

    /// The batched verifier against p3's on trees of 1 to 2^11 leaves: honest openings (with
    /// repeated queries) accepted by both; corrupted rows, salts, siblings, indices, counts and
    /// another tree's root rejected by both. The batched walk itself must accept every honest
    /// opening (else it would silently fall back to p3 and gain nothing).
    #[test]
    fn batched_verification_agrees_with_p3() {
        let mut rng = SmallRng::seed_from_u64(7);
        let mut rejected = 0;
        for case in 0..40 {
            let log_height = case % 12;
            let (height, width) = (1usize << log_height, 1 + case % 9);
            let values: Vec<F> = (0..height * width)
                .map(|_| F::from_u64(rng.random()))
                .collect();
            let m = mmcs(case as u64);
            let (commit, data) = m.commit(vec![RowMajorMatrix::new(values, width)]);
            let queries = 1 + rng.random_range(0..24);
            let indices: Vec<usize> = (0..queries).map(|_| rng.random_range(0..height)).collect();
            let (opened, proof) = m.open_multi_batch(&indices, &data);
            let dims = [Dimensions { width, height }];
            let (salts, pruned) = &proof;
            let root = batched_root(&dims, &indices, &opened, salts, &pruned.sibling_hashes);
            assert_eq!(
                root.as_ref(),
                commit.roots().first(),
                "case {case}: batched walk"
            );
            assert!(
                m.verify_multi_batch(&commit, &dims, &indices, &opened, &proof)
                    .is_ok()
            );
            assert!(
                m.p3()
                    .verify_multi_batch(&commit, &dims, &indices, &opened, &proof)
                    .is_ok()
            );

            let mut corruptions: Vec<Corruption<_>> = Vec::new();
            let q = rng.random_range(0..queries);
            let mut rows = opened.clone();
            rows[q][0][rng.random_range(0..width)] += F::ONE;
            corruptions.push((indices.clone(), rows, proof.clone()));
            let mut salted = proof.clone();
            salted.0[q][0][1] += F::ONE;
            corruptions.push((indices.clone(), opened.clone(), salted));
            if !pruned.sibling_hashes.is_empty() {
                let mut flipped = proof.clone();
                let s = rng.random_range(0..flipped.1.sibling_hashes.len());
                flipped.1.sibling_hashes[s][rng.random_range(0..DIGEST_BYTES)] ^= 1;
                corruptions.push((indices.clone(), opened.clone(), flipped));
                let mut dropped = proof.clone();
                dropped.1.sibling_hashes.pop();
                corruptions.push((indices.clone(), opened.clone(), dropped));
            }
            let mut added = proof.clone();
            added.1.sibling_hashes.push([3; DIGEST_BYTES]);
            corruptions.push((indices.clone(), opened.clone(), added));
            let mut moved = indices.clone();
            moved[q] = (moved[q] + 1) % height;
            if height > 1 {
                corruptions.push((moved, opened.clone(), proof.clone()));
            }
            let mut outside = indices.clone();
            outside[q] = height;
            corruptions.push((outside, opened.clone(), proof.clone()));
            let mut wide = opened.clone();
            wide[q][0].push(F::ONE);
            corruptions.push((indices.clone(), wide, proof.clone()));
            for (indices, opened, proof) in corruptions {
                let ours = m.verify_multi_batch(&commit, &dims, &indices, &opened, &proof);
                let p3 = m
                    .p3()
                    .verify_multi_batch(&commit, &dims, &indices, &opened, &proof);
                assert!(ours.is_err() && p3.is_err(), "case {case}: accepted");
                assert_eq!(format!("{ours:?}"), format!("{p3:?}"), "case {case}");
                rejected += 1;
            }
            // Another tree's root.
            let (other, _) = m.commit(vec![RowMajorMatrix::new(
                vec![F::ONE; height * width],
                width,
            )]);
            assert!(
                m.verify_multi_batch(&other, &dims, &indices, &opened, &proof)
                    .is_err()
            );
        }
        assert!(rejected > 250, "{rejected}");
    }

    /// A stored tree opens exactly as p3 opens the tree in memory — the same rows, salts and
    /// pruned siblings, at one index and at many (repeats, any order) — and a stored tree whose
    /// digest on an opened path was changed records a failure instead of an opening.
    #[test]
    fn stored_openings_equal_p3s() {
        use super::super::lazy::{TreeShape, TreeSource};
        let mut rng = SmallRng::seed_from_u64(9);
        for case in 0..30 {
            let log_height = case % 12;
            let (height, width) = (1usize << log_height, 1 + case % 5);
            let values: Vec<F> = (0..height * width)
                .map(|_| F::from_u64(rng.random()))
                .collect();
            let m = mmcs(100 + case as u64);
            let (commit, data) = m.commit(vec![RowMajorMatrix::new(values, width)]);
            let SaltedData::Built(tree) = &data else {
                panic!("commit builds its tree")
            };
            let shape = TreeShape { width, height };
            let mut bytes = Vec::new();
            shape.write(tree, &mut bytes).unwrap();
            let root = commit.roots()[0];
            let lazy = Arc::new(
                LazyTree::new(shape, root, TreeSource::Bytes(Arc::new(bytes.clone()), 0)).unwrap(),
            );
            let stored: SaltedData<RowMajorMatrix<F>> = SaltedData::Stored(Arc::clone(&lazy));

            let queries = 1 + rng.random_range(0..30);
            let indices: Vec<usize> = (0..queries).map(|_| rng.random_range(0..height)).collect();
            let (p3_values, (p3_salts, p3_pruned)) = m.open_multi_batch(&indices, &data);
            let (values, (salts, pruned)) = m.open_multi_batch(&indices, &stored);
            assert_eq!((&values, &salts), (&p3_values, &p3_salts), "case {case}");
            assert_eq!(
                pruned.sibling_hashes, p3_pruned.sibling_hashes,
                "case {case}"
            );
            assert!(lazy.take_failure().is_none());

            let one = indices[0];
            let (p3_values, p3_proof) = m.open_batch(one, &data).unpack();
            let (values, proof) = m.open_batch(one, &stored).unpack();
            assert_eq!((values, proof), (p3_values, p3_proof), "case {case}");
            assert!(lazy.take_failure().is_none());

            // A changed sibling digest on the opened path (the leaves' layer when the tree has
            // more than one leaf), or a changed opened row.
            if height > 1 {
                let (codeword, salts_len, _) = shape.sections();
                let at = (codeword + salts_len) as usize + DIGEST_BYTES * (one ^ 1);
                let mut bad = bytes.clone();
                bad[at] ^= 1;
                let lazy = LazyTree::new(shape, root, TreeSource::Bytes(Arc::new(bad), 0)).unwrap();
                let opening = lazy.open(&[one]);
                assert!(lazy.take_failure().is_some(), "case {case}");
                assert!(opening.values[0][0].iter().all(|v| *v == F::ZERO));
            }
            let mut bad = bytes;
            bad[one * width * 8] ^= 1;
            let lazy = LazyTree::new(shape, root, TreeSource::Bytes(Arc::new(bad), 0)).unwrap();
            lazy.open(&indices);
            assert!(lazy.take_failure().is_some(), "case {case}");
        }
    }
}
