//! The calldata layout of a Merkle multi-opening (`solidity/src/Merkle.sol`) and the Rust verdict on it.
//!
//! One opening of WHIR's STIR queries against one round's tree: for each query (in query order) the row's
//! leaf preimage exactly as `KeccakMmcs` hashes it (each F element's 8 little-endian bytes; an EF element as
//! c0 then c1; then, in the salted tree of the hiding commitment, the [`zkinfer_pcs::hiding::SALT_ELEMS`] salt
//! elements), then a 2-byte sibling count and the 25-byte siblings of p3's pruned multiproof
//! (`PrunedMerklePaths`). Rows are little-endian, unlike the rest of the encoding, so that the contract hashes a
//! leaf with one `KECCAK256` over calldata.
//!
//! [`decode_opening`] rejects exactly what the contract's readers reject, in the same order; [`rust_verdict`]
//! then runs p3's own `verify_multi_batch` on the decoded data, so the differential test compares the
//! contract with p3, not with a re-implementation.

use p3_commit::{ExtensionMmcs, Mmcs};
use p3_matrix::Dimensions;
use p3_merkle_tree::{MerkleCap, MerkleTreeError, PrunedMerklePaths, PrunedProofError};
use p3_symmetric::{CompressionFunctionFromHasher, SerializingHasher};
use zkinfer_field::{BasedVectorSpace, EF, F, MODULUS, PrimeCharacteristicRing, PrimeField64};
use zkinfer_pcs::{DIGEST_BYTES, Digest, KeccakMmcs, TruncatedKeccak};

use crate::encoding::{DecodeError, Reader};

/// The shape of the opened rows of one tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RowShape {
    /// Elements per row (WHIR: `2^folding_factor`).
    pub width: usize,
    /// Whether the elements are EF (every round after the first) or F (the initial commitment).
    pub ext: bool,
    /// Salt elements per leaf (0: plain tree; [`zkinfer_pcs::hiding::SALT_ELEMS`]: the hiding commitment's).
    pub salt_elems: usize,
}

impl RowShape {
    /// Bytes per element.
    #[must_use]
    pub fn elem_bytes(&self) -> usize {
        if self.ext { 16 } else { 8 }
    }

    /// Bytes of one row's leaf preimage.
    #[must_use]
    pub fn row_bytes(&self) -> usize {
        self.width * self.elem_bytes() + 8 * self.salt_elems
    }

    /// F elements of one row (EF counted as two).
    #[must_use]
    pub fn row_elems(&self) -> usize {
        self.width * if self.ext { 2 } else { 1 }
    }
}

/// A decoded opening: per query, the row's F elements (EF flattened as c0, c1) and its salt; the siblings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MerkleOpening {
    /// `rows[q]`: the opened row of query `q`, flattened to F.
    pub rows: Vec<Vec<F>>,
    /// `salts[q]`: its salt (empty for the plain tree).
    pub salts: Vec<Vec<F>>,
    /// The pruned multiproof's siblings.
    pub siblings: Vec<Digest>,
}

/// p3's multiproof of a salted tree (`SaltedKeccakMmcs`): per query, per matrix, the row's salt; the pruned
/// paths.
pub type SaltedProof = (Vec<Vec<Vec<F>>>, PrunedMerklePaths<u8, DIGEST_BYTES>);

/// A digest as the contracts hold it: a `bytes32` word whose first [`DIGEST_BYTES`] bytes are the
/// digest and whose last `32 − DIGEST_BYTES` are zero (`Merkle.sol` masks every `keccak256` so).
#[must_use]
pub fn digest_word(d: &Digest) -> revm::primitives::U256 {
    let mut w = [0u8; 32];
    w[..DIGEST_BYTES].copy_from_slice(d);
    revm::primitives::U256::from_be_bytes(w)
}

/// A salted multiproof's salts (one per row) and siblings.
///
/// # Panics
/// On a multiproof of more than one matrix.
#[must_use]
pub fn salted_parts(proof: &SaltedProof, _rows: usize) -> (Vec<Vec<F>>, Vec<Digest>) {
    let salts = proof
        .0
        .iter()
        .map(|per_matrix| {
            assert_eq!(per_matrix.len(), 1, "one matrix per tree");
            per_matrix[0].clone()
        })
        .collect();
    (salts, proof.1.sibling_hashes.clone())
}

impl MerkleOpening {
    /// A p3 opening in this crate's form: `rows` (F or EF elements, EF flattened as c0, c1), each row's salt
    /// (`salts[q]`, empty rows for the plain tree), the pruned multiproof's siblings; and the rows' shape.
    #[must_use]
    pub fn from_p3<T: BasedVectorSpace<F> + Clone>(
        rows: &[Vec<T>],
        salts: Vec<Vec<F>>,
        siblings: Vec<Digest>,
    ) -> (RowShape, Self) {
        let shape = RowShape {
            width: rows.first().map_or(0, Vec::len),
            ext: T::DIMENSION == 2,
            salt_elems: salts.first().map_or(0, Vec::len),
        };
        let rows = rows
            .iter()
            .map(|r| {
                r.iter()
                    .flat_map(|x| x.as_basis_coefficients_slice().to_vec())
                    .collect()
            })
            .collect();
        (
            shape,
            Self {
                rows,
                salts,
                siblings,
            },
        )
    }

    /// [`MerkleOpening::from_p3`] of an opening in the salted tree.
    ///
    /// # Panics
    /// As [`salted_parts`].
    #[must_use]
    pub fn from_salted<T: BasedVectorSpace<F> + Clone>(
        rows: &[Vec<T>],
        proof: &SaltedProof,
    ) -> (RowShape, Self) {
        let (salts, siblings) = salted_parts(proof, rows.len());
        Self::from_p3(rows, salts, siblings)
    }

    /// [`MerkleOpening::from_p3`] of WHIR's query openings (F rows of the initial oracle, EF rows of the
    /// folded ones); `split` gives a multiproof's salts (one per row) and siblings.
    pub fn from_queries<P>(
        o: &p3_whir::QueryOpenings<F, EF, P>,
        split: impl Fn(&P, usize) -> (Vec<Vec<F>>, Vec<Digest>),
    ) -> (RowShape, Self) {
        match o {
            p3_whir::QueryOpenings::Base(s) => {
                let (salts, siblings) = split(&s.proof, s.rows.len());
                Self::from_p3(&s.rows, salts, siblings)
            }
            p3_whir::QueryOpenings::Extension(s) => {
                let (salts, siblings) = split(&s.proof, s.rows.len());
                Self::from_p3(&s.rows, salts, siblings)
            }
        }
    }

    /// The rows as p3's elements (`T` = F, or EF rebuilt from c0, c1).
    #[must_use]
    pub fn p3_rows<T: BasedVectorSpace<F>>(&self) -> Vec<Vec<T>> {
        self.rows
            .iter()
            .map(|row| {
                row.chunks(T::DIMENSION)
                    .map(|c| T::from_basis_coefficients_fn(|i| c[i]))
                    .collect()
            })
            .collect()
    }

    /// The plain tree's multiproof.
    #[must_use]
    pub fn pruned(&self) -> PrunedMerklePaths<u8, DIGEST_BYTES> {
        PrunedMerklePaths {
            sibling_hashes: self.siblings.clone(),
        }
    }

    /// The opened rows and the pruned multiproof, taken apart without copying.
    #[must_use]
    pub fn into_rows_and_paths(self) -> (Vec<Vec<F>>, PrunedMerklePaths<u8, DIGEST_BYTES>) {
        (
            self.rows,
            PrunedMerklePaths {
                sibling_hashes: self.siblings,
            },
        )
    }

    /// The salted tree's multiproof.
    #[must_use]
    pub fn salted_proof(&self) -> SaltedProof {
        (
            self.salts.iter().map(|s| vec![s.clone()]).collect(),
            self.pruned(),
        )
    }

    /// WHIR's query openings of these rows (`ext`: EF rows), with the multiproof `proof` builds.
    #[must_use]
    pub fn to_queries<P>(
        &self,
        ext: bool,
        proof: impl FnOnce(&Self) -> P,
    ) -> p3_whir::QueryOpenings<F, EF, P> {
        let proof = proof(self);
        if ext {
            p3_whir::QueryOpenings::Extension(p3_whir::SharedProofOpening {
                rows: self.p3_rows(),
                proof,
            })
        } else {
            p3_whir::QueryOpenings::Base(p3_whir::SharedProofOpening {
                rows: self.p3_rows(),
                proof,
            })
        }
    }
}

fn put_le(out: &mut Vec<u8>, x: F) {
    out.extend_from_slice(&x.as_canonical_u64().to_le_bytes());
}

/// Encodes an opening in the contract's layout.
///
/// # Errors
/// [`DecodeError::TooLong`] if there are more than 65,535 siblings.
pub fn encode_opening(opening: &MerkleOpening) -> Result<Vec<u8>, DecodeError> {
    let mut out = Vec::new();
    for (row, salt) in opening.rows.iter().zip(&opening.salts) {
        for &x in row.iter().chain(salt) {
            put_le(&mut out, x);
        }
    }
    let n = opening.siblings.len();
    if n > 0xFFFF {
        return Err(DecodeError::TooLong {
            what: "Merkle siblings",
            got: n,
            max: 0xFFFF,
        });
    }
    out.extend_from_slice(&(n as u16).to_be_bytes());
    for s in &opening.siblings {
        out.extend_from_slice(s);
    }
    Ok(out)
}

/// Reads `n` rows of `shape` (all rows' bytes checked present first, then each element's canonicity), then the
/// sibling count and the siblings; mirrors `Merkle.readRows` + `Merkle.readSiblings`.
///
/// # Errors
/// [`DecodeError::Truncated`], [`DecodeError::NonCanonical`].
pub fn read_opening(
    r: &mut Reader<'_>,
    n: usize,
    shape: RowShape,
) -> Result<MerkleOpening, DecodeError> {
    let len = n * shape.row_bytes();
    let start = r.position();
    r.check_available(len)?;
    let mut rows = Vec::with_capacity(n);
    let mut salts = Vec::with_capacity(n);
    for _ in 0..n {
        let mut row = Vec::with_capacity(shape.row_elems());
        for _ in 0..shape.width {
            let at = r.position();
            let a = read_le(r)?;
            if shape.ext {
                let b = read_le(r)?;
                if a >= MODULUS || b >= MODULUS {
                    return Err(DecodeError::NonCanonical { offset: at });
                }
                row.extend([F::from_u64(a), F::from_u64(b)]);
            } else {
                if a >= MODULUS {
                    return Err(DecodeError::NonCanonical { offset: at });
                }
                row.push(F::from_u64(a));
            }
        }
        let mut salt = Vec::with_capacity(shape.salt_elems);
        for _ in 0..shape.salt_elems {
            let at = r.position();
            let a = read_le(r)?;
            if a >= MODULUS {
                return Err(DecodeError::NonCanonical { offset: at });
            }
            salt.push(F::from_u64(a));
        }
        rows.push(row);
        salts.push(salt);
    }
    debug_assert_eq!(r.position(), start + len);
    let count = r.read_uint(2)? as usize;
    r.check_available(count * DIGEST_BYTES)?;
    let mut siblings = Vec::with_capacity(count);
    for _ in 0..count {
        let b = r.take_bytes(DIGEST_BYTES)?;
        let mut s = [0u8; DIGEST_BYTES];
        s.copy_from_slice(b);
        siblings.push(s);
    }
    Ok(MerkleOpening {
        rows,
        salts,
        siblings,
    })
}

fn read_le(r: &mut Reader<'_>) -> Result<u64, DecodeError> {
    let b = r.take_bytes(8)?;
    let mut w = [0u8; 8];
    w.copy_from_slice(b);
    Ok(u64::from_le_bytes(w))
}

/// Decodes a whole opening (as the `MerkleHarness`): [`read_opening`], then no trailing bytes.
///
/// # Errors
/// As [`read_opening`], and [`DecodeError::TrailingBytes`].
pub fn decode_opening(
    data: &[u8],
    n: usize,
    shape: RowShape,
) -> Result<MerkleOpening, DecodeError> {
    let mut r = Reader::new(data);
    let o = read_opening(&mut r, n, shape)?;
    r.finish()?;
    Ok(o)
}

/// The contract's error name for a p3 Merkle error (`Merkle.sol` names them after p3's variants).
#[must_use]
pub fn merkle_error_name(e: &MerkleTreeError) -> &'static str {
    match e {
        MerkleTreeError::IndexOutOfBounds { .. } => "IndexOutOfBounds",
        MerkleTreeError::CapMismatch => "CapMismatch",
        MerkleTreeError::MalformedPrunedProof(PrunedProofError::SiblingCountMismatch {
            ..
        })
        | MerkleTreeError::WrongHeight { .. } => "SiblingCountMismatch",
        MerkleTreeError::MalformedPrunedProof(
            PrunedProofError::InconsistentDuplicateOpenings { .. },
        ) => "InconsistentDuplicateOpenings",
        _ => "Other",
    }
}

/// The salted tree (`SaltedKeccakMmcs`) with a fixed generator: verification never draws from it.
type SaltedMmcs = zkinfer_pcs::hiding::SaltedKeccakMmcs;

/// p3's verdict on `opening` at `indices` in a tree of `2^log_height` rows of `shape` with root `root`:
/// `verify_multi_batch` of `KeccakMmcs` (F rows), its `ExtensionMmcs` (EF rows), or the salted tree.
/// `salted` supplies the salted scheme (it needs a generator to be built; verification does not use it).
///
/// # Errors
/// p3's [`MerkleTreeError`].
pub fn rust_verdict(
    root: Digest,
    log_height: usize,
    shape: RowShape,
    indices: &[usize],
    opening: &MerkleOpening,
    salted: Option<&SaltedMmcs>,
) -> Result<(), MerkleTreeError> {
    let cap: MerkleCap<F, Digest> = MerkleCap::new(vec![root]);
    let dims = [Dimensions {
        width: shape.width,
        height: 1 << log_height,
    }];
    let pruned = PrunedMerklePaths {
        sibling_hashes: opening.siblings.clone(),
    };
    let plain = KeccakMmcs::new(
        SerializingHasher::new(TruncatedKeccak),
        CompressionFunctionFromHasher::new(TruncatedKeccak),
        0,
    );
    let to_ext = |row: &Vec<F>| -> Vec<EF> {
        row.chunks(2)
            .map(|c| EF::from_basis_coefficients_fn(|i| c.get(i).copied().unwrap_or(F::ZERO)))
            .collect()
    };
    match (salted, shape.ext) {
        (None, false) => {
            let values: Vec<Vec<Vec<F>>> = opening.rows.iter().map(|r| vec![r.clone()]).collect();
            plain.verify_multi_batch(&cap, &dims, indices, &values, &pruned)
        }
        (None, true) => {
            let values: Vec<Vec<Vec<EF>>> = opening.rows.iter().map(|r| vec![to_ext(r)]).collect();
            ExtensionMmcs::<F, EF, _>::new(plain)
                .verify_multi_batch(&cap, &dims, indices, &values, &pruned)
        }
        (Some(mmcs), ext) => {
            let salts: Vec<Vec<Vec<F>>> = opening.salts.iter().map(|s| vec![s.clone()]).collect();
            let proof = (salts, pruned);
            if ext {
                let values: Vec<Vec<Vec<EF>>> =
                    opening.rows.iter().map(|r| vec![to_ext(r)]).collect();
                ExtensionMmcs::<F, EF, _>::new(mmcs.clone())
                    .verify_multi_batch(&cap, &dims, indices, &values, &proof)
            } else {
                let values: Vec<Vec<Vec<F>>> =
                    opening.rows.iter().map(|r| vec![r.clone()]).collect();
                mmcs.verify_multi_batch(&cap, &dims, indices, &values, &proof)
            }
        }
    }
}
