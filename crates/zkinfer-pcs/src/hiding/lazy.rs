//! A salted Merkle tree kept outside memory — in a proving-key file after the key's body, or in
//! a byte buffer — and read where an opening needs it.
//!
//! An opening of the weights' reusable commitment reads the first oracle's tree at its STIR
//! queries only: about a hundred rows and their sibling digests, against a codeword of up to
//! gigabytes. [`LazyTree`] reads, for each opening, the opened rows, their salts and the
//! sibling digests of their paths from the source and hands them to p3 in the layout of p3's own
//! multi-opening (`StoredOpening`: rows and salts per index, siblings pruned as p3's
//! `prune_paths` prunes them), so the proof is what the tree in memory would give. (Until stop
//! 33 it filled a tree of lazily zeroed placeholders and let p3 open that; the allocator backs
//! large allocations with transparent huge pages, so every scattered row and digest written
//! made the kernel clear a 2 MiB page: ≈ 140 MiB of clearing for a LeNet-5 opening, 27% of a
//! `perf record` of its prove.) The opening is then
//! checked against the commitment's root (the batched walk of [`super::merkle`]): a source that
//! was changed or cut makes a clear error instead of a proof the verifier rejects.
//!
//! Layout of a tree in its source (all little-endian): the codeword's `height × width` values
//! (8 bytes each, row-major), the salts' `height × SALT_ELEMS` values, then the digest layers
//! from the leaves' (`height` digests of [`DIGEST_BYTES`] bytes) up to the root's (one).

use std::io::{Read, Seek, SeekFrom, Write};
use std::sync::{Arc, Mutex, PoisonError};

use zkinfer_field::{F, PrimeCharacteristicRing, PrimeField64};

use super::SALT_ELEMS;
use super::merkle::DenseTree;
use crate::types::{DIGEST_BYTES, Digest};

/// Where a stored tree's bytes are.
#[derive(Clone, Debug)]
pub enum TreeSource {
    /// A file (shared, read with seek + read under its lock) from a byte offset.
    File(Arc<Mutex<std::fs::File>>, u64),
    /// A byte buffer from an offset.
    Bytes(Arc<Vec<u8>>, usize),
}

impl TreeSource {
    /// The same source `by` bytes further on.
    #[must_use]
    pub fn advanced(&self, by: u64) -> Self {
        match self {
            Self::File(f, at) => Self::File(Arc::clone(f), at.saturating_add(by)),
            Self::Bytes(b, at) => Self::Bytes(
                Arc::clone(b),
                at.saturating_add(usize::try_from(by).unwrap_or(usize::MAX)),
            ),
        }
    }

    /// Reads `out.len()` bytes at `at` (relative to the source's offset).
    fn read(&self, at: u64, out: &mut [u8]) -> Result<(), String> {
        match self {
            Self::File(file, base) => {
                let mut f = file.lock().unwrap_or_else(PoisonError::into_inner);
                f.seek(SeekFrom::Start(base.saturating_add(at)))
                    .and_then(|_| f.read_exact(out))
                    .map_err(|e| format!("reading the stored tree: {e}"))
            }
            Self::Bytes(bytes, base) => {
                let start = usize::try_from(at)
                    .ok()
                    .and_then(|a| a.checked_add(*base))
                    .ok_or("a stored tree offset out of range")?;
                let src = start
                    .checked_add(out.len())
                    .and_then(|end| bytes.get(start..end))
                    .ok_or("the stored tree is cut short")?;
                out.copy_from_slice(src);
                Ok(())
            }
        }
    }

    /// Copies `len` bytes from the start of the source to `out`.
    pub(crate) fn copy_to(&self, len: u64, out: &mut dyn Write) -> std::io::Result<()> {
        let mut at = 0u64;
        let mut buf = vec![0u8; 1 << 20];
        while at < len {
            let n = usize::try_from((len - at).min(buf.len() as u64)).unwrap_or(buf.len());
            let chunk = buf.get_mut(..n).unwrap_or_default();
            self.read(at, chunk)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::UnexpectedEof, e))?;
            out.write_all(chunk)?;
            at += n as u64;
        }
        Ok(())
    }
}

/// The shape of a stored tree: one `height × width` codeword (height a power of two) under a
/// binary tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TreeShape {
    pub width: usize,
    pub height: usize,
}

impl TreeShape {
    /// The number of digest layers (leaves' to root's).
    fn layers(self) -> usize {
        self.height.trailing_zeros() as usize + 1
    }

    /// Bytes of the codeword, of the salts, and of all digests, in the source's layout.
    pub(crate) fn sections(self) -> (u64, u64, u64) {
        let h = self.height as u64;
        (
            h * self.width as u64 * 8,
            h * SALT_ELEMS as u64 * 8,
            (2 * h - 1) * DIGEST_BYTES as u64,
        )
    }

    /// The tree's size in bytes in its source.
    #[must_use]
    pub fn bytes(self) -> u64 {
        let (a, b, c) = self.sections();
        a + b + c
    }

    /// Writes `tree` (of this shape) in the source layout.
    pub(crate) fn write(self, tree: &DenseTree, out: &mut dyn Write) -> std::io::Result<()> {
        let (leaves, layers, _) = tree.parts();
        let bad =
            || std::io::Error::new(std::io::ErrorKind::InvalidData, "a tree of another shape");
        let [leaf] = leaves else { return Err(bad()) };
        if leaf.left.width != self.width || leaf.left.values.len() != self.width * self.height {
            return Err(bad());
        }
        let mut buf = Vec::with_capacity(1 << 20);
        for values in [&leaf.left.values, &leaf.right.values] {
            for chunk in values.chunks(1 << 17) {
                buf.clear();
                encode_le(chunk, &mut buf);
                out.write_all(&buf)?;
            }
        }
        for layer in layers {
            for chunk in layer.chunks(1 << 15) {
                out.write_all(chunk.as_flattened())?;
            }
        }
        Ok(())
    }
}

/// The rows, salts and sibling digests of an opening at some indices, as p3's salted tree lays
/// them out: per index in the order asked (repeats included) its row and its salt (one matrix),
/// then the sibling digests of the distinct indices pruned as p3's `prune_paths` emits them
/// (level by level from the leaves, ascending parent; for one index, its whole path).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StoredOpening {
    pub values: Vec<Vec<Vec<F>>>,
    pub salts: Vec<Vec<Vec<F>>>,
    pub siblings: Vec<Digest>,
}

/// A stored tree read where it is opened (module docs).
pub struct LazyTree {
    shape: TreeShape,
    root: Digest,
    source: TreeSource,
    failure: Mutex<Option<String>>,
}

impl std::fmt::Debug for LazyTree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LazyTree")
            .field("shape", &self.shape)
            .finish_non_exhaustive()
    }
}

impl LazyTree {
    /// The tree of `shape` in `source`, whose root must be `root`: the root digest is read and
    /// checked now, everything else when it is opened.
    ///
    /// # Errors
    /// The source cannot be read, or its root is not `root`.
    pub(crate) fn new(shape: TreeShape, root: Digest, source: TreeSource) -> Result<Self, String> {
        if !shape.height.is_power_of_two() || shape.width == 0 {
            return Err(format!("a {} × {} codeword", shape.height, shape.width));
        }
        let (codeword, salts, digests) = shape.sections();
        let mut stored_root = [0u8; DIGEST_BYTES];
        source.read(
            codeword + salts + digests - DIGEST_BYTES as u64,
            &mut stored_root,
        )?;
        if stored_root != root {
            return Err("the stored tree's root is not the commitment's".into());
        }
        Ok(Self {
            shape,
            root,
            source,
            failure: Mutex::new(None),
        })
    }

    /// The tree's shape.
    #[must_use]
    pub fn shape(&self) -> TreeShape {
        self.shape
    }

    /// The source the tree is read from.
    #[must_use]
    pub fn source(&self) -> &TreeSource {
        &self.source
    }

    /// An opening of zeros at `indices` with `siblings` sibling digests, shaped as
    /// [`LazyTree::read`] fills it.
    fn zeros(&self, indices: &[usize], siblings: usize) -> StoredOpening {
        StoredOpening {
            values: vec![vec![vec![F::ZERO; self.shape.width]]; indices.len()],
            salts: vec![vec![vec![F::ZERO; SALT_ELEMS]]; indices.len()],
            siblings: vec![[0u8; DIGEST_BYTES]; siblings],
        }
    }

    /// Reads into `out` (shaped by [`LazyTree::zeros`]) the rows at `indices`, their salts and
    /// the digests at `siblings` (`(level, node)`, [`boundary_siblings`] of the indices).
    fn read(
        &self,
        indices: &[usize],
        siblings: &[(usize, usize)],
        out: &mut StoredOpening,
    ) -> Result<(), String> {
        let TreeShape { width, height } = self.shape;
        let (codeword_len, salts_len, _) = self.shape.sections();
        let mut bytes = vec![0u8; width * 8];
        let mut salt = [0u8; SALT_ELEMS * 8];
        for ((&index, values), salts) in indices.iter().zip(&mut out.values).zip(&mut out.salts) {
            if index >= height {
                return Err(format!("row {index} of {height}"));
            }
            self.source.read((index * width * 8) as u64, &mut bytes)?;
            decode_le(&bytes, &mut values[0])?;
            self.source
                .read(codeword_len + (index * SALT_ELEMS * 8) as u64, &mut salt)?;
            decode_le(&salt, &mut salts[0])?;
        }
        // Offset of each digest layer (leaves' first) in the source.
        let mut layer_at = codeword_len + salts_len;
        let mut layer_start = Vec::with_capacity(self.shape.layers());
        for level in 0..self.shape.layers() {
            layer_start.push(layer_at);
            layer_at += DIGEST_BYTES as u64 * (height >> level) as u64;
        }
        for (slot, &(level, node)) in out.siblings.iter_mut().zip(siblings) {
            self.source.read(
                layer_start[level] + DIGEST_BYTES as u64 * node as u64,
                &mut slot[..],
            )?;
        }
        Ok(())
    }

    /// The opening at `indices` ([`StoredOpening`]), read from the source and checked against
    /// the commitment's root (the batched walk of [`super::merkle`]). A failure — an unreadable
    /// source, an index out of range, data that does not hash to the root — is recorded
    /// ([`LazyTree::take_failure`]) and an opening of zeros of the same shape returned, so the
    /// caller (p3's prover, which expects an opening) goes on and the record becomes an error.
    pub(crate) fn open(&self, indices: &[usize]) -> StoredOpening {
        let mut distinct = indices.to_vec();
        distinct.sort_unstable();
        distinct.dedup();
        let siblings = boundary_siblings(&distinct, self.shape.layers() - 1);
        let mut opening = self.zeros(indices, siblings.len());
        let failure = match self.read(indices, &siblings, &mut opening) {
            Err(e) => Some(e),
            Ok(())
                if !self.recomputes_root(
                    indices,
                    &opening.values,
                    &opening.salts,
                    &opening.siblings,
                ) =>
            {
                Some(
                    "the stored tree's rows or digests do not hash to its root (the proving key \
                     file was changed or corrupted)"
                        .into(),
                )
            }
            Ok(()) => None,
        };
        if let Some(reason) = failure {
            *self.failure.lock().unwrap_or_else(PoisonError::into_inner) = Some(reason);
            opening = self.zeros(indices, siblings.len());
        }
        opening
    }

    /// Whether an opening of this tree at `indices` (rows, salts and pruned siblings, as p3 lays
    /// them out) recomputes to its root, by the batched walk of [`super::merkle`].
    pub(super) fn recomputes_root(
        &self,
        indices: &[usize],
        opened_values: &[Vec<Vec<F>>],
        salts: &[Vec<Vec<F>>],
        siblings: &[Digest],
    ) -> bool {
        let dims = [p3_matrix::Dimensions {
            width: self.shape.width,
            height: self.shape.height,
        }];
        super::merkle::batched_root(&dims, indices, opened_values, salts, siblings)
            == Some(self.root)
    }

    /// The failure of the last opening, if any (and clears it).
    pub(crate) fn take_failure(&self) -> Option<String> {
        self.failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }
}

/// The siblings a pruned binary multi-opening of the sorted distinct leaves `distinct` carries,
/// as `(level, node)` in p3's order (`p3_merkle_tree`'s `prune_paths` for arity 2): level by
/// level from the leaves, ascending; at each level a node whose sibling is not itself on a path
/// contributes that sibling. `levels` is the tree's digest layers less the root's.
fn boundary_siblings(distinct: &[usize], levels: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut nodes = distinct.to_vec();
    for level in 0..levels {
        let mut parents = Vec::with_capacity(nodes.len());
        let mut i = 0;
        while i < nodes.len() {
            let node = nodes[i];
            if node.is_multiple_of(2) && nodes.get(i + 1) == Some(&(node + 1)) {
                i += 2;
            } else {
                out.push((level, node ^ 1));
                i += 1;
            }
            parents.push(node / 2);
        }
        nodes = parents;
    }
    out
}

/// Field elements as little-endian u64s, appended to `out` (the stored data's encoding).
pub(super) fn encode_le(values: &[F], out: &mut Vec<u8>) {
    out.extend(
        values
            .iter()
            .flat_map(|v| v.as_canonical_u64().to_le_bytes()),
    );
}

/// Little-endian u64s into canonical field elements ([`encode_le`]'s inverse): `out` takes one
/// value per 8 bytes, a value out of the field's range is an error.
pub(super) fn decode_le(bytes: &[u8], out: &mut [F]) -> Result<(), String> {
    for (cell, word) in out.iter_mut().zip(bytes.chunks_exact(8)) {
        let v = u64::from_le_bytes(word.try_into().map_err(|_| "a cut value")?);
        if v >= F::ORDER_U64 {
            return Err("a stored value out of the field's range".into());
        }
        *cell = F::from_u64(v);
    }
    Ok(())
}
