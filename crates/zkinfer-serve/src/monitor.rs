//! The monitor: keeps the last checkpoint it verified and the right edge of the tree; for each
//! new checkpoint it checks the signature, that the tree only grew (a smaller size is a rollback,
//! the same size with another root a fork), the log's consistency proof, and — re-hashing every
//! new entry from the entry tiles — that the entries served are the ones the root commits to.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};

use crate::client;
use crate::error::Error;
use crate::merkle::{
    EMPTY_HASH, Frontier, Hash, TILE_WIDTH, TileKind, TileRef, check_consistency, decode_bundle,
    record_hash,
};
use crate::note::{LogVerifier, VerifiedCheckpoint};

/// What a monitor remembers between runs (saved as JSON).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct MonitorState {
    /// The last verified checkpoint, as signed.
    pub checkpoint: String,
    /// Its size.
    pub size: u64,
    /// Its root (base64).
    pub root: String,
    /// The tree's right edge at that size (base64 hashes, left to right).
    pub frontier: Vec<String>,
}

/// What one round saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Round {
    /// Size before.
    pub old_size: u64,
    /// Size now.
    pub new_size: u64,
    /// Root now (base64).
    pub root: String,
}

/// Two verified checkpoints of one log: a fork if they have one size and two roots.
///
/// # Errors
/// [`Error::Fork`].
pub fn check_same_size(a: &VerifiedCheckpoint, b: &VerifiedCheckpoint) -> Result<(), Error> {
    if a.size == b.size && a.root != b.root {
        return Err(Error::Fork {
            size: a.size,
            first: a.root.to_string(),
            second: b.root.to_string(),
        });
    }
    Ok(())
}

fn parse_hash(s: &str) -> Result<Hash, Error> {
    Hash::parse_hash(s)
        .map_err(|_| Error::Inconsistent(format!("monitor state: `{s}` is not a hash")))
}

impl MonitorState {
    fn frontier(&self) -> Result<Frontier, Error> {
        let hashes = self
            .frontier
            .iter()
            .map(|h| parse_hash(h))
            .collect::<Result<Vec<_>, _>>()?;
        let f = Frontier::from_parts(self.size, hashes)?;
        if f.root().to_string() != self.root {
            return Err(Error::Inconsistent(
                "monitor state: the saved frontier does not hash to the saved root".into(),
            ));
        }
        Ok(f)
    }

    /// Loads a state file; `None` if it does not exist.
    ///
    /// # Errors
    /// [`Error::Io`] or [`Error::Inconsistent`] if it is not a state file.
    pub fn load(path: &Path) -> Result<Option<Self>, Error> {
        if !path.exists() {
            return Ok(None);
        }
        let text = std::fs::read(path).map_err(|source| Error::Io {
            path: path.display().to_string(),
            source,
        })?;
        serde_json::from_slice(&text).map(Some).map_err(|e| {
            Error::Inconsistent(format!("{}: not a monitor state: {e}", path.display()))
        })
    }

    /// Saves (write to a temporary file, then rename).
    ///
    /// # Errors
    /// [`Error::Io`].
    pub fn save(&self, path: &Path) -> Result<(), Error> {
        let tmp = path.with_extension("tmp");
        let io = |source| Error::Io {
            path: path.display().to_string(),
            source,
        };
        std::fs::write(&tmp, serde_json::to_vec_pretty(self).unwrap_or_default()).map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)
    }
}

/// Fetches the leaf hashes of entries `[start, end)` from the entry tiles.
fn fetch_leaves(url: &str, start: u64, end: u64) -> Result<Vec<Hash>, Error> {
    let mut out = Vec::new();
    let mut n = start / TILE_WIDTH;
    while n * TILE_WIDTH < end {
        let width = (end - n * TILE_WIDTH).min(TILE_WIDTH);
        let tile = TileRef {
            kind: TileKind::Entries,
            index: n,
            width,
        };
        let body = client::get(url, &format!("/{}", tile.path()))?.ok(&tile.path())?;
        let entries = decode_bundle(&body)?;
        if entries.len() as u64 != width {
            return Err(Error::Entries(format!(
                "{} holds {} entries, not {width}",
                tile.path(),
                entries.len()
            )));
        }
        let skip = start.saturating_sub(n * TILE_WIDTH) as usize;
        out.extend(entries.iter().skip(skip).map(|e| record_hash(e)));
        n += 1;
    }
    Ok(out)
}

/// One round against the log at `url`: returns the new state and what changed.
///
/// # Errors
/// [`Error::Fork`], [`Error::Rollback`], [`Error::Consistency`], [`Error::Entries`] are alarms;
/// [`Error::Checkpoint`] a bad signature; [`Error::Http`] an unreachable log.
pub fn round(
    url: &str,
    log: &LogVerifier,
    prev: Option<&MonitorState>,
) -> Result<(MonitorState, Round), Error> {
    let note = client::get(url, "/checkpoint")?.ok("/checkpoint")?;
    let cp = log.verify_checkpoint(&note)?;
    let (mut frontier, old_root) = match prev {
        Some(p) => (p.frontier()?, parse_hash(&p.root)?),
        None => (Frontier::new(), EMPTY_HASH),
    };
    let old = frontier.size();
    if cp.size < old {
        return Err(Error::Rollback { old, new: cp.size });
    }
    if cp.size == old && cp.root != old_root {
        return Err(Error::Fork {
            size: old,
            first: old_root.to_string(),
            second: cp.root.to_string(),
        });
    }
    if cp.size > old && old > 0 {
        let body = client::get(
            url,
            &format!("/v1/proofs/consistency?old={old}&new={}", cp.size),
        )?
        .ok("consistency proof")?;
        let v: serde_json::Value = serde_json::from_slice(&body)
            .map_err(|e| Error::Http(format!("consistency proof is not JSON: {e}")))?;
        let proof = v["proof"]
            .as_array()
            .ok_or_else(|| Error::Http("consistency proof has no `proof` list".into()))?
            .iter()
            .map(|h| parse_hash(h.as_str().unwrap_or("")))
            .collect::<Result<Vec<_>, _>>()?;
        check_consistency(&proof, old, old_root, cp.size, cp.root)?;
    }
    for leaf in fetch_leaves(url, old, cp.size)? {
        frontier.push(leaf);
    }
    if frontier.root() != cp.root {
        return Err(Error::Entries(format!(
            "entries 0..{} hash to {}, the checkpoint says {}",
            cp.size,
            frontier.root(),
            cp.root
        )));
    }
    let state = MonitorState {
        checkpoint: String::from_utf8_lossy(&cp.note).into_owned(),
        size: cp.size,
        root: cp.root.to_string(),
        frontier: frontier.hashes().iter().map(ToString::to_string).collect(),
    };
    Ok((
        state,
        Round {
            old_size: old,
            new_size: cp.size,
            root: cp.root.to_string(),
        },
    ))
}

/// Base64 of bytes (for messages).
#[must_use]
pub fn b64(bytes: &[u8]) -> String {
    B64.encode(bytes)
}
