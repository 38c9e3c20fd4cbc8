//! The log's Ed25519 key (C2SP signed-note key strings) and its checkpoints (C2SP tlog-checkpoint
//! bodies in signed notes), through the `signed_note` and `tlog_tiles` crates.
//!
//! The key file holds `PRIVATE+KEY+<name>+<id>+<base64>`, the public file `<name>+<id>+<base64>`;
//! the key name is the log's origin, the first line of every checkpoint.

use std::path::Path;

use signed_note::{Note, Signer, StandardSigner, StandardVerifier, VerifierList};
use tlog_tiles::Checkpoint;

use crate::error::Error;
use crate::merkle::Hash;

/// The log's signing key.
#[derive(Clone)]
pub struct LogKey {
    signer: StandardSigner,
    public: String,
}

impl std::fmt::Debug for LogKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogKey")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

fn read(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path)
        .map(|s| s.trim().to_string())
        .map_err(|source| Error::Io {
            path: path.display().to_string(),
            source,
        })
}

fn write(path: &Path, text: &str) -> Result<(), Error> {
    std::fs::write(path, format!("{text}\n")).map_err(|source| Error::Io {
        path: path.display().to_string(),
        source,
    })
}

impl LogKey {
    /// A new random key for the log named `origin` (e.g. `example.com/zkinfer-log`).
    ///
    /// # Errors
    /// [`Error::Key`] if `origin` is not a valid key name (empty, spaces or `+`).
    pub fn generate(origin: &str) -> Result<(Self, String), Error> {
        if !signed_note::is_key_name_valid(origin) {
            return Err(Error::Key {
                path: "--origin".into(),
                reason: format!("`{origin}` is not a valid log name: no spaces or `+`, not empty"),
            });
        }
        let (skey, _vkey) = signed_note::generate_key(&mut rand_core::OsRng, origin);
        Ok((Self::from_strings(&skey, "generated key")?, skey))
    }

    fn from_strings(skey: &str, path: &str) -> Result<Self, Error> {
        let signer = StandardSigner::new(skey).map_err(|e| Error::Key {
            path: path.into(),
            reason: format!(
                "not a signed-note private key ({e}); expected PRIVATE+KEY+<name>+<id>+<base64>"
            ),
        })?;
        let public = public_from_private(skey).ok_or_else(|| Error::Key {
            path: path.into(),
            reason: "cannot derive the public key".into(),
        })?;
        Ok(Self { signer, public })
    }

    /// Loads `path`; if it does not exist, makes a new key for `origin`, writes it there and the
    /// public key beside it (`log.key` → `log.pub`). Returns the key and whether it was created.
    ///
    /// # Errors
    /// [`Error::Io`] or [`Error::Key`].
    pub fn load_or_create(path: &Path, origin: &str) -> Result<(Self, bool), Error> {
        if path.exists() {
            let skey = read(path)?;
            return Ok((
                Self::from_strings(&skey, &path.display().to_string())?,
                false,
            ));
        }
        let (key, skey) = Self::generate(origin)?;
        write(path, &skey)?;
        write(&path.with_extension("pub"), &key.public)?;
        Ok((key, true))
    }

    /// The public key string (`<name>+<id>+<base64>`), what clients pass as `--log-key`.
    #[must_use]
    pub fn public(&self) -> &str {
        &self.public
    }

    /// The log's origin (the key's name).
    #[must_use]
    pub fn origin(&self) -> &str {
        self.signer.name()
    }

    /// The signed checkpoint of the tree (`size`, `root`).
    ///
    /// # Errors
    /// [`Error::Checkpoint`] if signing fails.
    pub fn sign_checkpoint(&self, size: u64, root: Hash) -> Result<Vec<u8>, Error> {
        let cp = Checkpoint::new(self.origin(), size, root, "")
            .map_err(|e| Error::Checkpoint(e.to_string()))?;
        let mut note =
            Note::new(&cp.to_bytes(), &[]).map_err(|e| Error::Checkpoint(e.to_string()))?;
        note.add_sigs(&[&self.signer])
            .map_err(|e| Error::Checkpoint(e.to_string()))?;
        Ok(note.to_bytes())
    }
}

/// The `<name>+<id>+<base64>` public key of a `PRIVATE+KEY+…` string.
fn public_from_private(skey: &str) -> Option<String> {
    use base64::Engine;
    // PRIVATE+KEY+<name>+<id>+<base64>: the base64 may itself contain `+`.
    let mut parts = skey.splitn(5, '+');
    let name = parts.nth(2)?;
    let b64 = parts.nth(1)?;
    let raw = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
    let seed: [u8; 32] = raw.get(1..)?.try_into().ok()?;
    let sk = ed25519_dalek::SigningKey::from_bytes(&seed);
    Some(signed_note::new_ed25519_verifier_key(
        name,
        &sk.verifying_key(),
    ))
}

/// A log's public key, to check its checkpoints.
#[derive(Clone)]
pub struct LogVerifier {
    verifier: StandardVerifier,
    text: String,
}

impl std::fmt::Debug for LogVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogVerifier")
            .field("key", &self.text)
            .finish()
    }
}

/// A checkpoint whose signature verified.
#[derive(Clone, Debug, PartialEq)]
pub struct VerifiedCheckpoint {
    /// The log's origin.
    pub origin: String,
    /// Tree size.
    pub size: u64,
    /// Root hash.
    pub root: Hash,
    /// The signed note as served.
    pub note: Vec<u8>,
}

impl LogVerifier {
    /// Parses a public key string.
    ///
    /// # Errors
    /// [`Error::Key`].
    pub fn new(vkey: &str, source: &str) -> Result<Self, Error> {
        let verifier = StandardVerifier::new(vkey.trim()).map_err(|e| Error::Key {
            path: source.into(),
            reason: format!(
                "not a signed-note public key ({e}); expected <name>+<id>+<base64>, e.g. the log.pub the server wrote"
            ),
        })?;
        Ok(Self {
            verifier,
            text: vkey.trim().to_string(),
        })
    }

    /// Reads a public key file.
    ///
    /// # Errors
    /// [`Error::Io`] or [`Error::Key`].
    pub fn load(path: &Path) -> Result<Self, Error> {
        Self::new(&read(path)?, &path.display().to_string())
    }

    /// Verifies a signed checkpoint: the signature by this key, and the origin is the key's name.
    ///
    /// # Errors
    /// [`Error::Checkpoint`] naming what is wrong.
    pub fn verify_checkpoint(&self, note: &[u8]) -> Result<VerifiedCheckpoint, Error> {
        let bad = |r: String| Error::Checkpoint(r);
        let parsed = Note::from_bytes(note).map_err(|e| bad(format!("not a signed note: {e}")))?;
        let list = VerifierList::new(vec![Box::new(self.verifier.clone())]);
        parsed.verify(&list).map_err(|e| {
            bad(format!(
                "no valid signature by the log key `{}`: {e}",
                self.text
            ))
        })?;
        let cp = Checkpoint::from_bytes(parsed.text())
            .map_err(|e| bad(format!("signed text is not a checkpoint: {e}")))?;
        use signed_note::Verifier;
        if cp.origin() != self.verifier.name() {
            return Err(bad(format!(
                "origin `{}` is not the key's name `{}`",
                cp.origin(),
                self.verifier.name()
            )));
        }
        Ok(VerifiedCheckpoint {
            origin: cp.origin().to_string(),
            size: cp.size(),
            root: *cp.hash(),
            note: note.to_vec(),
        })
    }
}
