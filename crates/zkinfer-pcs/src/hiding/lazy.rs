//! A salted Merkle tree kept outside memory — in a proving-key file after the key's body, or in
//! a byte buffer — and read where an opening needs it.
//!
//! An opening of the weights' reusable commitment reads the first oracle's tree at its STIR
//! queries only: about a hundred rows and their sibling digests, against a codeword of up to
//! gigabytes. [`LazyTree`] holds a tree of zero placeholders (`F::zero_vec`, lazily zeroed: the
//! pages are not resident until written) and, before each opening, copies in from the source
//! the opened rows, their salts and every digest on their paths; p3's own multi-opening then
//! runs on it unchanged, so the proof is what the tree in memory would give. The opening is then
//! checked against the commitment's root (the batched walk of [`super::merkle`]): a source that
//! was changed or cut makes a clear error instead of a proof the verifier rejects.
//!
//! Layout of a tree in its source (all little-endian): the codeword's `height × width` values
//! (8 bytes each, row-major), the salts' `height × SALT_ELEMS` values, then the digest layers
//! from the leaves' (`height` digests of 32 bytes) up to the root's (one).

use std::io::{Read, Seek, SeekFrom, Write};
use std::sync::{Arc, Mutex, PoisonError};

use p3_matrix::dense::DenseMatrix;
use p3_matrix::stack::HorizontalPair;
use zkinfer_field::{F, PrimeCharacteristicRing, PrimeField64};

use super::SALT_ELEMS;
use super::merkle::DenseTree;

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
    fn sections(self) -> (u64, u64, u64) {
        let h = self.height as u64;
        (
            h * self.width as u64 * 8,
            h * SALT_ELEMS as u64 * 8,
            (2 * h - 1) * 32,
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

    /// A tree of this shape holding zeros. The codeword, the salts and the digest layers are
    /// zeroed allocations (`F::zero_vec`, `bytemuck::zeroed_vec`): not resident until written,
    /// so only the opened rows and their paths are. (`vec![[0u8; 32]; n]` would write every
    /// digest: std allocates zeroed only for arrays of at most 16 elements.)
    fn placeholder(self) -> DenseTree {
        let codeword = DenseMatrix::new(F::zero_vec(self.width * self.height), self.width);
        let salts = DenseMatrix::new(F::zero_vec(SALT_ELEMS * self.height), SALT_ELEMS);
        let layers = (0..self.layers())
            .map(|l| bytemuck::zeroed_vec::<[u8; 32]>(self.height >> l))
            .collect();
        let arity = vec![2; self.layers() - 1];
        DenseTree::from_parts(
            vec![HorizontalPair {
                left: codeword,
                right: salts,
            }],
            layers,
            arity,
        )
    }
}

/// A stored tree read where it is opened (module docs).
pub struct LazyTree {
    shape: TreeShape,
    root: [u8; 32],
    source: TreeSource,
    tree: Mutex<DenseTree>,
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
    pub(crate) fn new(
        shape: TreeShape,
        root: [u8; 32],
        source: TreeSource,
    ) -> Result<Self, String> {
        if !shape.height.is_power_of_two() || shape.width == 0 {
            return Err(format!("a {} × {} codeword", shape.height, shape.width));
        }
        let (codeword, salts, digests) = shape.sections();
        let mut stored_root = [0u8; 32];
        source.read(codeword + salts + digests - 32, &mut stored_root)?;
        if stored_root != root {
            return Err("the stored tree's root is not the commitment's".into());
        }
        Ok(Self {
            shape,
            root,
            source,
            tree: Mutex::new(shape.placeholder()),
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

    /// Copies in the rows at `indices`, their salts and the digests on their paths (each node
    /// and its sibling at every level).
    fn fill(&self, tree: &mut DenseTree, indices: &[usize]) -> Result<(), String> {
        let TreeShape { width, height } = self.shape;
        let (codeword_len, salts_len, _) = self.shape.sections();
        let (leaves, layers) = tree.parts_mut();
        let [leaf] = leaves else {
            return Err("a placeholder tree of another shape".into());
        };
        let mut row = vec![0u8; width * 8];
        let mut salt = [0u8; SALT_ELEMS * 8];
        let mut digest = [0u8; 32];
        for &index in indices {
            if index >= height {
                return Err(format!("row {index} of {height}"));
            }
            self.source.read((index * width * 8) as u64, &mut row)?;
            self.source
                .read(codeword_len + (index * SALT_ELEMS * 8) as u64, &mut salt)?;
            let cells = leaf
                .left
                .values
                .get_mut(index * width..(index + 1) * width)
                .ok_or("a placeholder row out of range")?;
            decode_le(&row, cells)?;
            let cells = leaf
                .right
                .values
                .get_mut(index * SALT_ELEMS..(index + 1) * SALT_ELEMS)
                .ok_or("a placeholder salt out of range")?;
            decode_le(&salt, cells)?;
            let mut layer_at = codeword_len + salts_len;
            for (level, layer) in layers.iter_mut().enumerate() {
                let node = index >> level;
                for n in [node, node ^ 1] {
                    if let Some(slot) = layer.get_mut(n) {
                        self.source.read(layer_at + 32 * n as u64, &mut digest)?;
                        *slot = digest;
                    }
                }
                layer_at += 32 * layer.len() as u64;
            }
        }
        Ok(())
    }

    /// Runs `open` on the tree after filling in `indices`, then `check`s the opening (with
    /// [`LazyTree::recomputes_root`]). A failure is recorded ([`LazyTree::take_failure`]) and
    /// the placeholder opening returned (the caller turns the record into an error).
    pub(crate) fn open<T>(
        &self,
        indices: &[usize],
        open: impl FnOnce(&DenseTree) -> T,
        check: impl FnOnce(&T) -> bool,
    ) -> T {
        let mut tree = self.tree.lock().unwrap_or_else(PoisonError::into_inner);
        let filled = self.fill(&mut tree, indices);
        let out = open(&tree);
        let failure = match filled {
            Err(e) => Some(e),
            Ok(()) if !check(&out) => Some(
                "the stored tree's rows or digests do not hash to its root (the proving key file \
                 was changed or corrupted)"
                    .into(),
            ),
            Ok(()) => None,
        };
        if let Some(reason) = failure {
            *self.failure.lock().unwrap_or_else(PoisonError::into_inner) = Some(reason);
        }
        out
    }

    /// Whether an opening of this tree at `indices` (rows, salts and pruned siblings, as p3 lays
    /// them out) recomputes to its root, by the batched walk of [`super::merkle`].
    pub(super) fn recomputes_root(
        &self,
        indices: &[usize],
        opened_values: &[Vec<Vec<F>>],
        salts: &[Vec<Vec<F>>],
        siblings: &[[u8; 32]],
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
