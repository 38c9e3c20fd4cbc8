//! `fsck`: re-derives every hash of a store from its entries — leaf hashes, every stored interior
//! hash, the root — and checks the statements and the registered keys against their entries.

use std::path::Path;

use tlog_tiles::{stored_hash_count, stored_hashes_for_record_hash, tree_hash};
use zkinfer_proof::{VerifyingKey, ZkFile};

use crate::entry::{Entry, sha256_hex};
use crate::error::Error;
use crate::merkle::{Frontier, Hash, MemoryHashes, hex, record_hash};
use crate::store::Store;

/// What `fsck` checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FsckReport {
    /// Entries.
    pub size: u64,
    /// Root (base64).
    pub root: String,
    /// Stored hashes checked.
    pub hashes: u64,
    /// Registered models checked.
    pub models: usize,
}

fn bad(msg: String) -> Error {
    Error::Inconsistent(msg)
}

/// Checks the store at `db` (read-only; safe while the server runs: one read snapshot).
///
/// # Errors
/// [`Error::Inconsistent`] naming the first entry or hash that does not match.
pub fn fsck(db: &Path) -> Result<FsckReport, Error> {
    let mut store = Store::open_read_only(db)?;
    store.snapshot(|s| {
        let conn = store_conn(s);
        let mut mem = MemoryHashes::default();
        let mut frontier = Frontier::new();
        let mut stmt =
            conn.prepare("SELECT idx, leaf_hash, statement, data FROM entries ORDER BY idx")?;
        let mut rows = stmt.query([])?;
        let mut n: u64 = 0;
        while let Some(r) = rows.next()? {
            let idx: i64 = r.get(0)?;
            let leaf: Vec<u8> = r.get(1)?;
            let statement: Vec<u8> = r.get(2)?;
            let data: Vec<u8> = r.get(3)?;
            if u64::try_from(idx).ok() != Some(n) {
                return Err(bad(format!(
                    "entry {n} is missing (next row has index {idx})"
                )));
            }
            let h = record_hash(&data);
            if leaf != h.0 {
                return Err(bad(format!(
                    "entry {n}: its bytes hash to {}, the stored leaf hash is {}",
                    hex(&h.0),
                    hex(&leaf)
                )));
            }
            if let Ok(e) = Entry::from_bytes(&data)
                && statement != e.statement_hash()
            {
                return Err(bad(format!(
                    "entry {n}: the stored statement hash is not that of its bytes"
                )));
            }
            let new = stored_hashes_for_record_hash(n, h, &mem)?;
            mem.0.extend(new);
            frontier.push(h);
            n += 1;
        }
        if n != s.size {
            return Err(bad(format!(
                "the tree size is {} but there are {n} entries",
                s.size
            )));
        }
        let expected = stored_hash_count(n);
        if mem.0.len() as u64 != expected {
            return Err(bad(format!(
                "rebuilt {} stored hashes, expected {expected}",
                mem.0.len()
            )));
        }
        let mut stmt = conn.prepare("SELECT idx, hash FROM hashes ORDER BY idx")?;
        let mut rows = stmt.query([])?;
        let mut i: u64 = 0;
        while let Some(r) = rows.next()? {
            let idx: i64 = r.get(0)?;
            let stored: Vec<u8> = r.get(1)?;
            let want = usize::try_from(i).ok().and_then(|i| mem.0.get(i)).copied();
            if u64::try_from(idx).ok() != Some(i)
                || want.map(|h| h.0.to_vec()) != Some(stored.clone())
            {
                return Err(bad(format!(
                    "stored hash {idx} does not match the hash re-derived from the entries"
                )));
            }
            i += 1;
        }
        if i != expected {
            return Err(bad(format!("{i} stored hashes, expected {expected}")));
        }
        let root: Hash = tree_hash(n, &mem)?;
        if root != s.root || frontier.root() != root {
            return Err(bad(format!(
                "the stored root {} is not the root {} of the entries",
                s.root, root
            )));
        }
        let models = check_models(s)?;
        Ok(FsckReport {
            size: n,
            root: root.to_string(),
            hashes: i,
            models,
        })
    })
}

fn store_conn<'a>(s: &'a crate::store::Snapshot<'_>) -> &'a rusqlite::Connection {
    s.connection()
}

fn check_models(s: &crate::store::Snapshot<'_>) -> Result<usize, Error> {
    let models = s.models()?;
    for m in &models {
        let vk_bytes = s
            .model_vk(&m.model_id)?
            .ok_or_else(|| bad(format!("model {} has no key", hex(&m.model_id))))?;
        let vk = VerifyingKey::from_bytes(&vk_bytes)
            .map_err(|e| bad(format!("model {}: stored key: {e}", hex(&m.model_id))))?;
        let entry = Entry::from_bytes(&s.entry(m.index)?).map_err(|e| {
            bad(format!(
                "entry {} (model registration) is not an entry: {e}",
                m.index
            ))
        })?;
        let ok = match &entry {
            Entry::Vk {
                model_id,
                vk_sha256,
                ..
            } => {
                *model_id == hex(&m.model_id)
                    && *vk_sha256 == sha256_hex(&vk_bytes)
                    && vk.digest == m.model_id
            }
            Entry::Inference { .. } => false,
        };
        if !ok {
            return Err(bad(format!(
                "model {}: the stored key does not match its registration entry {}",
                hex(&m.model_id),
                m.index
            )));
        }
    }
    Ok(models.len())
}
