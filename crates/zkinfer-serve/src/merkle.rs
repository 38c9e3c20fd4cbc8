//! RFC 6962 hashing and proofs (through `tlog_tiles`, a port of Go's `sumdb/tlog`), the C2SP
//! tlog-tiles coordinates and entry bundles, and a compact range for auditors.
//!
//! Leaf hash `SHA-256(0x00 ‖ entry)`, node hash `SHA-256(0x01 ‖ left ‖ right)`; the tree of `n`
//! leaves splits at the largest power of two below `n`. Hashes are stored at Crosby–Wallach
//! "stored hash indexes" (`tlog_tiles::stored_hash_index`), so a tile is a contiguous read of
//! one level and every proof is a handful of stored hashes.
//!
//! Tile paths are written here rather than with `tlog_tiles::Tile::path`: that one is the Go
//! checksum-database form `tile/H/L/…` (with the height), C2SP tlog-tiles drops the height
//! (`tile/L/N[.p/W]`, `tile/entries/N[.p/W]`), and its parser panics on `.p/0`.

pub use tlog_tiles::{EMPTY_HASH, Hash, node_hash, record_hash};
use tlog_tiles::{HashReader, check_record, check_tree};

use crate::error::Error;

/// Tile height: a tile holds up to `2^8 = 256` hashes (or entries).
pub const TILE_HEIGHT: u8 = 8;
/// Hashes (or entries) in a full tile.
pub const TILE_WIDTH: u64 = 1 << TILE_HEIGHT;
/// Longest proof accepted from outside: a tree of `2^64` leaves needs at most 64 hashes per proof
/// (inclusion) and 2·64 (consistency).
pub const MAX_PROOF_HASHES: usize = 128;

/// Checks that `proof` shows the leaf `leaf` at `index` in the tree of `size` leaves with `root`.
///
/// # Errors
/// [`Error::Inclusion`] if it does not (or the index is outside the tree, or the proof is too long).
pub fn check_inclusion(
    proof: &[Hash],
    size: u64,
    root: Hash,
    index: u64,
    leaf: Hash,
) -> Result<(), Error> {
    let bad = Error::Inclusion { index, size };
    if proof.len() > MAX_PROOF_HASHES {
        return Err(bad);
    }
    check_record(&proof.to_vec(), size, root, index, leaf).map_err(|_| bad)
}

/// Checks that `proof` shows the tree (`old`, `old_root`) is a prefix of (`new`, `new_root`).
/// From the empty tree only an empty proof is accepted, and `old_root` must be the empty root.
///
/// # Errors
/// [`Error::Consistency`] naming the reason.
pub fn check_consistency(
    proof: &[Hash],
    old: u64,
    old_root: Hash,
    new: u64,
    new_root: Hash,
) -> Result<(), Error> {
    let fail = |reason: &str| Error::Consistency {
        old,
        new,
        reason: reason.to_string(),
    };
    if old > new {
        return Err(fail("the old tree is larger than the new one"));
    }
    if proof.len() > MAX_PROOF_HASHES {
        return Err(fail("the proof is too long"));
    }
    if old == 0 {
        return if old_root != EMPTY_HASH {
            Err(fail("the empty tree's root is not SHA-256 of nothing"))
        } else if !proof.is_empty() {
            Err(fail("a proof from the empty tree must be empty"))
        } else {
            Ok(())
        };
    }
    check_tree(&proof.to_vec(), new, new_root, old, old_root)
        .map_err(|_| fail("the proof does not link the two roots"))
}

/// The right edge of a tree: the roots of its perfect subtrees, left to right. Appending a leaf
/// merges equal-height subtrees; the root folds them from the right. An auditor keeps this instead
/// of every leaf (at most 64 hashes).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Frontier {
    size: u64,
    stack: Vec<Hash>,
}

impl Frontier {
    /// The empty tree.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Rebuilds a frontier from its parts (as saved by a monitor).
    ///
    /// # Errors
    /// [`Error::Inconsistent`] if the number of hashes is not the number of one bits of `size`.
    pub fn from_parts(size: u64, stack: Vec<Hash>) -> Result<Self, Error> {
        if stack.len() != size.count_ones() as usize {
            return Err(Error::Inconsistent(format!(
                "a frontier of size {size} has {} hashes, not {}",
                stack.len(),
                size.count_ones()
            )));
        }
        Ok(Self { size, stack })
    }

    /// The number of leaves.
    #[must_use]
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The subtree roots, left to right.
    #[must_use]
    pub fn hashes(&self) -> &[Hash] {
        &self.stack
    }

    /// Appends a leaf hash.
    pub fn push(&mut self, leaf: Hash) {
        let mut h = leaf;
        let mut n = self.size;
        while n & 1 == 1 {
            if let Some(left) = self.stack.pop() {
                h = node_hash(left, h);
            }
            n >>= 1;
        }
        self.stack.push(h);
        self.size += 1;
    }

    /// The RFC 6962 root of the leaves pushed so far.
    #[must_use]
    pub fn root(&self) -> Hash {
        let mut it = self.stack.iter().rev();
        let Some(&last) = it.next() else {
            return EMPTY_HASH;
        };
        it.fold(last, |acc, &left| node_hash(left, acc))
    }
}

/// What a tile holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TileKind {
    /// Hashes of tree level `8·level`.
    Hashes {
        /// The tile level (0 holds leaf hashes).
        level: u8,
    },
    /// Entry bundles.
    Entries,
}

/// A tile's coordinates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TileRef {
    /// Hashes or entries.
    pub kind: TileKind,
    /// Index within its level.
    pub index: u64,
    /// Width, `1..=256` (256 is a full tile).
    pub width: u64,
}

impl TileRef {
    /// The C2SP path (`tile/0/x001/234.p/5`, `tile/entries/000`).
    #[must_use]
    pub fn path(&self) -> String {
        let level = match self.kind {
            TileKind::Hashes { level } => level.to_string(),
            TileKind::Entries => "entries".to_string(),
        };
        let mut n = self.index;
        let mut digits = format!("{:03}", n % 1000);
        while n >= 1000 {
            n /= 1000;
            digits = format!("x{:03}/{digits}", n % 1000);
        }
        let partial = if self.width == TILE_WIDTH {
            String::new()
        } else {
            format!(".p/{}", self.width)
        };
        format!("tile/{level}/{digits}{partial}")
    }

    /// Parses a C2SP tile path (with or without the leading `tile/`); only the canonical spelling
    /// is accepted.
    ///
    /// # Errors
    /// [`Error::BadRequest`] naming the path.
    pub fn parse(path: &str) -> Result<Self, Error> {
        let bad = || {
            Error::BadRequest(format!(
                "malformed tile path `{path}`; expected tile/<L>/<N>[.p/<W>] or tile/entries/<N>[.p/<W>] (C2SP tlog-tiles)"
            ))
        };
        let full = if path.starts_with("tile/") {
            path.to_string()
        } else {
            format!("tile/{path}")
        };
        if full.len() > 64 {
            return Err(bad());
        }
        let parts: Vec<&str> = full.split('/').collect();
        let (level, rest) = match parts.as_slice() {
            [_, level, rest @ ..] if !rest.is_empty() => (*level, rest),
            _ => return Err(bad()),
        };
        let kind = if level == "entries" {
            TileKind::Entries
        } else {
            let l: u8 = level.parse().map_err(|_| bad())?;
            if l > 7 {
                return Err(bad());
            }
            TileKind::Hashes { level: l }
        };
        let (mut groups, width) = match rest {
            [head @ .., last, w] if last.ends_with(".p") => {
                let w: u64 = w.parse().map_err(|_| bad())?;
                let mut g: Vec<&str> = head.to_vec();
                g.push(last.trim_end_matches(".p"));
                (g, w)
            }
            _ => (rest.to_vec(), TILE_WIDTH),
        };
        if !(1..=TILE_WIDTH).contains(&width) || groups.is_empty() || groups.len() > 7 {
            return Err(bad());
        }
        let last = groups.pop().ok_or_else(bad)?;
        let mut index: u64 = 0;
        for g in groups
            .iter()
            .map(|g| g.strip_prefix('x'))
            .chain([Some(last)])
        {
            let g = g.ok_or_else(bad)?;
            if g.len() != 3 || !g.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            let d: u64 = g.parse().map_err(|_| bad())?;
            index = index
                .checked_mul(1000)
                .and_then(|i| i.checked_add(d))
                .ok_or_else(bad)?;
        }
        let tile = Self { kind, index, width };
        if tile.path() != full {
            return Err(bad());
        }
        Ok(tile)
    }
}

/// Encodes entries as a C2SP entry bundle: each a big-endian `u16` length and the bytes.
///
/// # Errors
/// [`Error::BadRequest`] if an entry is longer than 65535 bytes.
pub fn encode_bundle(entries: &[Vec<u8>]) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    for e in entries {
        let len = u16::try_from(e.len()).map_err(|_| {
            Error::BadRequest(format!("an entry of {} bytes is over 65535", e.len()))
        })?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(e);
    }
    Ok(out)
}

/// Decodes an entry bundle.
///
/// # Errors
/// [`Error::Entries`] if it is truncated.
pub fn decode_bundle(mut bytes: &[u8]) -> Result<Vec<Vec<u8>>, Error> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let [a, b, rest @ ..] = bytes else {
            return Err(Error::Entries("entry bundle ends inside a length".into()));
        };
        let len = usize::from(u16::from_be_bytes([*a, *b]));
        if rest.len() < len {
            return Err(Error::Entries("entry bundle ends inside an entry".into()));
        }
        out.push(rest[..len].to_vec());
        bytes = &rest[len..];
    }
    Ok(out)
}

/// Reads stored hashes from a map (tests, fsck).
#[derive(Debug, Default)]
pub struct MemoryHashes(pub Vec<Hash>);

impl HashReader for MemoryHashes {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog_tiles::Error> {
        indexes
            .iter()
            .map(|&i| {
                usize::try_from(i)
                    .ok()
                    .and_then(|i| self.0.get(i).copied())
                    .ok_or(tlog_tiles::Error::IndexesNotInTree)
            })
            .collect()
    }
}

/// Lower-case hex.
#[must_use]
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Parses 64 hex digits into 32 bytes.
///
/// # Errors
/// [`Error::BadRequest`] naming `what`.
pub fn parse_hex32(s: &str, what: &str) -> Result<[u8; 32], Error> {
    let bad = || Error::BadRequest(format!("{what} must be 64 hex digits, got `{s}`"));
    if s.len() != 64 {
        return Err(bad());
    }
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(s.get(2 * i..2 * i + 2).ok_or_else(bad)?, 16).map_err(|_| bad())?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_paths_round_trip_and_reject_non_canonical() {
        let t = TileRef {
            kind: TileKind::Hashes { level: 0 },
            index: 1_234_067,
            width: 5,
        };
        assert_eq!(t.path(), "tile/0/x001/x234/067.p/5");
        assert_eq!(TileRef::parse(&t.path()).unwrap(), t);
        assert_eq!(
            TileRef::parse("entries/000").unwrap().kind,
            TileKind::Entries
        );
        for bad in [
            "tile/0/1",
            "tile/0/001.p/0",
            "tile/0/001.p/256",
            "tile/0/x000/001",
            "tile/8/000",
            "tile/0/001/",
            "tile/-1/000",
            "tile/0/0001",
            "tile/0/x18446744073709551616/000",
        ] {
            assert!(TileRef::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bundles_round_trip_and_truncation_fails() {
        let e = vec![b"a".to_vec(), vec![], vec![7; 300]];
        let b = encode_bundle(&e).unwrap();
        assert_eq!(decode_bundle(&b).unwrap(), e);
        assert!(decode_bundle(&b[..b.len() - 1]).is_err());
        assert!(encode_bundle(&[vec![0; 70_000]]).is_err());
    }
}
