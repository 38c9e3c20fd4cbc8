//! The embedded store: SQLite in WAL mode with `synchronous=FULL`. One immediate transaction per
//! append writes the entry, the stored hashes it completes and the new tree size and root; the
//! caller acknowledges only after `commit` returned, so an acknowledged entry survives a crash or
//! a power cut (WAL + FULL syncs the log on every commit).
//!
//! Tables: `entries(idx, leaf_hash, statement, data)`, `hashes(idx, hash)` at stored hash indexes,
//! `tree(size, root)` (one row), `models(model_id, vk, entry_idx)`.

use std::path::Path;

use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};
use tlog_tiles::{
    HashReader, prove_record, prove_tree, stored_hash_index, stored_hashes, tree_hash,
};

use crate::error::Error;
use crate::merkle::{EMPTY_HASH, Hash, TILE_WIDTH, TileKind, TileRef, record_hash};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS entries(
    idx INTEGER PRIMARY KEY,
    leaf_hash BLOB NOT NULL,
    statement BLOB NOT NULL UNIQUE,
    data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS hashes(idx INTEGER PRIMARY KEY, hash BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS tree(
    id INTEGER PRIMARY KEY CHECK (id = 0),
    size INTEGER NOT NULL,
    root BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS models(
    model_id BLOB PRIMARY KEY,
    vk BLOB NOT NULL,
    entry_idx INTEGER NOT NULL);
INSERT OR IGNORE INTO tree(id, size, root) VALUES (0, 0, x'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
";

/// The result of an append.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Appended {
    /// The entry's index.
    pub index: u64,
    /// Its leaf hash.
    pub leaf_hash: Hash,
    /// True when the same statement was already logged (nothing was appended).
    pub duplicate: bool,
}

/// A model the log knows.
#[derive(Clone, Debug)]
pub struct ModelRow {
    /// Its id (vk digest).
    pub model_id: [u8; 32],
    /// The entry that registered it.
    pub index: u64,
}

/// A connection to the store.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
}

struct Reader<'a>(&'a Connection);

impl HashReader for Reader<'_> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog_tiles::Error> {
        let mut stmt = self
            .0
            .prepare_cached("SELECT hash FROM hashes WHERE idx = ?1")
            .map_err(|e| tlog_tiles::Error::InvalidInput(e.to_string()))?;
        indexes
            .iter()
            .map(|&i| {
                let h: Option<Vec<u8>> = stmt
                    .query_row([to_i64(i)], |r| r.get(0))
                    .optional()
                    .map_err(|e| tlog_tiles::Error::InvalidInput(e.to_string()))?;
                h.and_then(|h| <[u8; 32]>::try_from(h).ok())
                    .map(Hash)
                    .ok_or(tlog_tiles::Error::IndexesNotInTree)
            })
            .collect()
    }
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn to_u64(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

fn hash_of(v: &[u8], what: &str) -> Result<Hash, Error> {
    <[u8; 32]>::try_from(v)
        .map(Hash)
        .map_err(|_| Error::Inconsistent(format!("{what} is {} bytes, not 32", v.len())))
}

impl Store {
    /// Opens (creating if needed) the store at `path` for the server.
    ///
    /// # Errors
    /// [`Error::Store`] if SQLite cannot open or set up the file.
    pub fn open(path: &Path) -> Result<Self, Error> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Error::Inconsistent(format!(
                "{}: SQLite refused WAL mode (got `{mode}`); put the database on a local disk",
                path.display()
            )));
        }
        conn.execute_batch("PRAGMA synchronous=FULL;")?;
        conn.execute_batch(SCHEMA)?;
        Ok(Self { conn })
    }

    /// Opens an existing store read-only (for `fsck`).
    ///
    /// # Errors
    /// [`Error::Io`] if the file is missing, [`Error::Store`] otherwise.
    pub fn open_read_only(path: &Path) -> Result<Self, Error> {
        if !path.exists() {
            return Err(Error::Io {
                path: path.display().to_string(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such database"),
            });
        }
        let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        Ok(Self { conn })
    }

    /// The tree's size and root as committed.
    ///
    /// # Errors
    /// [`Error::Store`] or [`Error::Inconsistent`].
    pub fn tree(&self) -> Result<(u64, Hash), Error> {
        tree_of(&self.conn)
    }

    /// Appends `entry` (or finds it by `statement`) in one transaction; returns after the commit.
    /// `model` registers a verifying key with the entry.
    ///
    /// # Errors
    /// [`Error::Store`] if the transaction fails (then nothing was appended).
    pub fn append(
        &mut self,
        entry: &[u8],
        statement: &[u8; 32],
        model: Option<(&[u8; 32], &[u8])>,
    ) -> Result<Appended, Error> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let existing: Option<(i64, Vec<u8>)> = tx
            .query_row(
                "SELECT idx, leaf_hash FROM entries WHERE statement = ?1",
                [&statement[..]],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((idx, leaf)) = existing {
            return Ok(Appended {
                index: to_u64(idx),
                leaf_hash: hash_of(&leaf, "a stored leaf hash")?,
                duplicate: true,
            });
        }
        let (size, _) = tree_of(&tx)?;
        let leaf = record_hash(entry);
        let new_hashes = stored_hashes(size, entry, &Reader(&tx))?;
        tx.execute(
            "INSERT INTO entries(idx, leaf_hash, statement, data) VALUES (?1, ?2, ?3, ?4)",
            params![to_i64(size), &leaf.0[..], &statement[..], entry],
        )?;
        let first = stored_hash_index(0, size);
        {
            let mut ins = tx.prepare_cached("INSERT INTO hashes(idx, hash) VALUES (?1, ?2)")?;
            for (i, h) in new_hashes.iter().enumerate() {
                ins.execute(params![to_i64(first + i as u64), &h.0[..]])?;
            }
        }
        let root = tree_hash(size + 1, &Reader(&tx))?;
        tx.execute(
            "UPDATE tree SET size = ?1, root = ?2 WHERE id = 0",
            params![to_i64(size + 1), &root.0[..]],
        )?;
        if let Some((id, vk)) = model {
            tx.execute(
                "INSERT INTO models(model_id, vk, entry_idx) VALUES (?1, ?2, ?3)",
                params![&id[..], vk, to_i64(size)],
            )?;
        }
        tx.commit()?;
        Ok(Appended {
            index: size,
            leaf_hash: leaf,
            duplicate: false,
        })
    }

    /// Runs `f` inside one read transaction: every read in it sees the same tree.
    ///
    /// # Errors
    /// What `f` returns, or [`Error::Store`].
    pub fn snapshot<T>(
        &mut self,
        f: impl FnOnce(&Snapshot<'_>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let tx = self.conn.transaction()?;
        let (size, root) = tree_of(&tx)?;
        let out = f(&Snapshot {
            conn: &tx,
            size,
            root,
        })?;
        tx.commit()?;
        Ok(out)
    }

    /// The raw connection (fsck and tests).
    #[must_use]
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}

fn tree_of(conn: &Connection) -> Result<(u64, Hash), Error> {
    let (size, root): (i64, Vec<u8>) =
        conn.query_row("SELECT size, root FROM tree WHERE id = 0", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    Ok((to_u64(size), hash_of(&root, "the tree root")?))
}

/// A consistent view of the log at one tree size.
#[derive(Debug)]
pub struct Snapshot<'a> {
    conn: &'a Connection,
    /// Tree size.
    pub size: u64,
    /// Root hash.
    pub root: Hash,
}

impl Snapshot<'_> {
    /// The connection, inside this snapshot's transaction (fsck).
    #[must_use]
    pub fn connection(&self) -> &Connection {
        self.conn
    }

    /// Entry `index`'s bytes.
    ///
    /// # Errors
    /// [`Error::BadRequest`] if there is no such entry.
    pub fn entry(&self, index: u64) -> Result<Vec<u8>, Error> {
        if index >= self.size {
            return Err(Error::BadRequest(format!(
                "no entry {index}: the log has {} entries",
                self.size
            )));
        }
        self.conn
            .query_row(
                "SELECT data FROM entries WHERE idx = ?1",
                [to_i64(index)],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| Error::Inconsistent(format!("entry {index} is missing")))
    }

    /// Entries `[start, end)`.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub fn entries(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>, Error> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT data FROM entries WHERE idx >= ?1 AND idx < ?2 ORDER BY idx")?;
        let rows = stmt.query_map([to_i64(start), to_i64(end)], |r| r.get(0))?;
        let v = rows.collect::<Result<Vec<Vec<u8>>, _>>()?;
        if v.len() as u64 != end.saturating_sub(start) {
            return Err(Error::Inconsistent(format!(
                "entries {start}..{end} are incomplete"
            )));
        }
        Ok(v)
    }

    /// The inclusion proof of entry `index` in this tree.
    ///
    /// # Errors
    /// [`Error::BadRequest`] if the index is outside the tree.
    pub fn inclusion_proof(&self, index: u64) -> Result<Vec<Hash>, Error> {
        if index >= self.size {
            return Err(Error::BadRequest(format!(
                "no entry {index}: the log has {} entries",
                self.size
            )));
        }
        Ok(prove_record(self.size, index, &Reader(self.conn))?)
    }

    /// The consistency proof from the tree of size `old` to that of size `new` (both at most this
    /// tree's size), with their roots.
    ///
    /// # Errors
    /// [`Error::BadRequest`] for sizes outside `0 ≤ old ≤ new ≤ size`.
    pub fn consistency_proof(&self, old: u64, new: u64) -> Result<(Vec<Hash>, Hash, Hash), Error> {
        if old > new || new > self.size {
            return Err(Error::BadRequest(format!(
                "consistency needs 0 <= old <= new <= {} (the tree size); got old={old}, new={new}",
                self.size
            )));
        }
        let reader = Reader(self.conn);
        let new_root = tree_hash(new, &reader)?;
        if old == 0 {
            return Ok((vec![], EMPTY_HASH, new_root));
        }
        let old_root = tree_hash(old, &reader)?;
        Ok((prove_tree(new, old, &reader)?, old_root, new_root))
    }

    /// A tile's bytes, if the tree is large enough for it.
    ///
    /// # Errors
    /// [`Error::BadRequest`] if the tile lies (partly) beyond the tree.
    pub fn tile(&self, tile: &TileRef) -> Result<Vec<u8>, Error> {
        let available = match tile.kind {
            TileKind::Hashes { level } => self.size >> (8 * u32::from(level)),
            TileKind::Entries => self.size,
        };
        let start = tile.index.checked_mul(TILE_WIDTH);
        let end = start.and_then(|s| s.checked_add(tile.width));
        let (Some(start), Some(end)) = (start, end) else {
            return Err(Error::BadRequest("tile index out of range".into()));
        };
        if end > available {
            return Err(Error::BadRequest(format!(
                "{} is beyond the tree (size {})",
                tile.path(),
                self.size
            )));
        }
        match tile.kind {
            TileKind::Entries => crate::merkle::encode_bundle(&self.entries(start, end)?),
            TileKind::Hashes { level } => {
                let indexes: Vec<u64> = (start..end)
                    .map(|n| stored_hash_index(8 * level, n))
                    .collect();
                let hashes = Reader(self.conn).read_hashes(&indexes)?;
                Ok(hashes.iter().flat_map(|h| h.0).collect())
            }
        }
    }

    /// The registered verifying key `model_id`, as uploaded.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub fn model_vk(&self, model_id: &[u8; 32]) -> Result<Option<Vec<u8>>, Error> {
        Ok(self
            .conn
            .query_row(
                "SELECT vk FROM models WHERE model_id = ?1",
                [&model_id[..]],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// The registered models, oldest first.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub fn models(&self) -> Result<Vec<ModelRow>, Error> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT model_id, entry_idx FROM models ORDER BY entry_idx")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, i64>(1)?)))?;
        rows.map(|r| {
            let (id, idx) = r?;
            Ok(ModelRow {
                model_id: <[u8; 32]>::try_from(id)
                    .map_err(|_| Error::Inconsistent("a model id is not 32 bytes".into()))?,
                index: to_u64(idx),
            })
        })
        .collect()
    }

    /// The last `n` entries (index, bytes), newest first.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub fn recent(&self, n: u64) -> Result<Vec<(u64, Vec<u8>)>, Error> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT idx, data FROM entries ORDER BY idx DESC LIMIT ?1")?;
        let rows = stmt.query_map([to_i64(n)], |r| Ok((to_u64(r.get(0)?), r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
