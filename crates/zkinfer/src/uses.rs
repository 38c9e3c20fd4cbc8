//! Counting the proofs of a proving key whose private weights sit on a reusable hiding
//! commitment (docs/ZK.md §6.1): the commitment's randomness covers
//! [`VerifyingKey::weights_uses`](zkinfer_proof::VerifyingKey::weights_uses) proofs, and one
//! more would reveal codeword positions it no longer hides.
//!
//! The count lives in a file beside the key, `<key>.uses`, holding the weights root (hex) and
//! the number of proofs started with it. [`spend_proof`] takes a lock file (`<key>.uses.lock`,
//! created exclusively), refuses when every proof is spent, and writes the incremented count
//! (to a temporary file, then renamed) **before** the proof is made: a crash after it loses a
//! proof, never reveals one too many. A count file of another key (another root) starts at 0.
//! [`reset_proofs`] (run by `zkinfer setup`) removes the count of the key it overwrites.
//!
//! This is bookkeeping on the prover's own machine, not a cryptographic guarantee: whoever
//! copies the key and the count file, or deletes the count, can prove more often, exactly as
//! they could publish the weights. It protects an honest prover from spending more proofs than
//! the key covers by accident.

use std::path::{Path, PathBuf};

use crate::{Error, ProverKey};

fn io(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        path: path.display().to_string(),
        source,
    }
}

/// The count file of the key at `pk_path`.
#[must_use]
pub fn uses_path(pk_path: &Path) -> PathBuf {
    let mut name = pk_path.as_os_str().to_owned();
    name.push(".uses");
    PathBuf::from(name)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Records one more proof of the key at `pk_path` and returns `(spent, budget)` after it; keys
/// without a reusable hiding weights commitment (public weights) are not counted (`(0, 0)`).
///
/// # Errors
/// [`Error::Input`] when every covered proof is spent (naming the fix: `zkinfer setup` again,
/// `--max-proofs`), when another process holds the lock, or when the count file is not one this
/// function wrote; [`Error::Io`] if the count cannot be written.
pub fn spend_proof(pk_path: &Path, key: &ProverKey) -> Result<(u64, u64), Error> {
    let budget = u64::from(key.pk.vk.weights_uses);
    if budget == 0 {
        return Ok((0, 0));
    }
    let path = uses_path(pk_path);
    let mut lock_name = path.as_os_str().to_owned();
    lock_name.push(".lock");
    let lock = PathBuf::from(lock_name);
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&lock)
        .map_err(|e| {
            Error::Input(format!(
                "{}: another `zkinfer prove` is counting this key's proofs ({e}); remove the \
                 file if no other prover runs",
                lock.display()
            ))
        })?;
    let result = spend_locked(&path, key, budget);
    let _ = std::fs::remove_file(&lock);
    result
}

fn spend_locked(path: &Path, key: &ProverKey, budget: u64) -> Result<(u64, u64), Error> {
    let root = hex(&key.pk.vk.weights_root);
    let spent = match std::fs::read_to_string(path) {
        Ok(text) => {
            let mut parts = text.split_whitespace();
            match (parts.next(), parts.next().map(str::parse::<u64>)) {
                (Some(r), Some(Ok(n))) if r == root => n,
                (Some(_), Some(Ok(_))) => 0,
                _ => {
                    return Err(Error::Input(format!(
                        "{}: not a proof count written by zkinfer; remove it only if this key \
                         has not been used",
                        path.display()
                    )));
                }
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
        Err(e) => return Err(io(path, e)),
    };
    if spent >= budget {
        return Err(Error::Input(format!(
            "this proving key's private weights commitment covers {budget} proofs and all are \
             spent (counted in {}); one more would no longer hide the weights — run `zkinfer \
             setup` again for a new key (with `--max-proofs N` for a larger budget)",
            path.display()
        )));
    }
    let spent = spent + 1;
    let mut tmp_name = path.as_os_str().to_owned();
    tmp_name.push(".tmp");
    let tmp = PathBuf::from(tmp_name);
    std::fs::write(&tmp, format!("{root} {spent}\n")).map_err(|e| io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| io(path, e))?;
    Ok((spent, budget))
}

/// Removes the proof count of the key at `pk_path` (a new key is written there).
///
/// # Errors
/// [`Error::Io`] if an existing count cannot be removed.
pub fn reset_proofs(pk_path: &Path) -> Result<(), Error> {
    let path = uses_path(pk_path);
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io(&path, e)),
    }
}
