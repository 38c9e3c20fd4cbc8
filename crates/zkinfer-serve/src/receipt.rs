//! Offline receipts in the C2SP tlog-proof form:
//!
//! ```text
//! c2sp.org/tlog-proof@v1
//! extra <base64 of the entry's bytes>
//! index <N>
//! <base64 hash>            (the inclusion proof, leaf to root)
//! …
//!
//! <signed checkpoint>
//! ```
//!
//! The `extra` line carries the logged entry itself, so a receipt alone shows *what* was logged:
//! its leaf hash is `SHA-256(0x00 ‖ extra)`, the proof leads from it to the checkpoint's root, and
//! the checkpoint is signed by the log key.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

use crate::entry::Entry;
use crate::error::Error;
use crate::merkle::{Hash, MAX_PROOF_HASHES, check_inclusion, record_hash};
use crate::note::{LogVerifier, VerifiedCheckpoint};

/// The first line of a receipt.
pub const HEADER: &str = "c2sp.org/tlog-proof@v1";
/// Receipts larger than this are refused unread.
pub const MAX_RECEIPT_BYTES: usize = 1 << 20;

/// A parsed receipt (not yet verified).
#[derive(Clone, Debug, PartialEq)]
pub struct Receipt {
    /// The logged entry.
    pub entry: Vec<u8>,
    /// Its index.
    pub index: u64,
    /// The inclusion proof.
    pub proof: Vec<Hash>,
    /// The signed checkpoint.
    pub checkpoint: Vec<u8>,
}

/// What a verified receipt proves.
#[derive(Clone, Debug)]
pub struct VerifiedReceipt {
    /// The entry's index.
    pub index: u64,
    /// The entry's leaf hash.
    pub leaf_hash: Hash,
    /// The entry, parsed (`None` if the bytes are not a zkinfer entry; the inclusion still holds).
    pub entry: Option<Entry>,
    /// The checkpoint it is included in.
    pub checkpoint: VerifiedCheckpoint,
}

impl Receipt {
    /// The receipt's text.
    #[must_use]
    pub fn to_text(&self) -> String {
        let mut s = format!(
            "{HEADER}\nextra {}\nindex {}\n",
            B64.encode(&self.entry),
            self.index
        );
        for h in &self.proof {
            s.push_str(&h.to_string());
            s.push('\n');
        }
        s.push('\n');
        s.push_str(&String::from_utf8_lossy(&self.checkpoint));
        s
    }

    /// Parses a receipt's text.
    ///
    /// # Errors
    /// [`Error::Receipt`] naming the line at fault.
    pub fn parse(text: &[u8]) -> Result<Self, Error> {
        let bad = |r: String| Error::Receipt(r);
        if text.len() > MAX_RECEIPT_BYTES {
            return Err(bad(format!("{} bytes, over the 1 MiB limit", text.len())));
        }
        let text = std::str::from_utf8(text).map_err(|_| bad("not UTF-8 text".into()))?;
        let (head, checkpoint) = text
            .split_once("\n\n")
            .ok_or_else(|| bad("no blank line before the checkpoint".into()))?;
        let mut lines = head.split('\n');
        if lines.next() != Some(HEADER) {
            return Err(bad(format!("the first line must be `{HEADER}`")));
        }
        let mut line = lines.next().unwrap_or_default();
        let entry = match line.strip_prefix("extra ") {
            Some(b64) => {
                let e = B64
                    .decode(b64)
                    .map_err(|e| bad(format!("`extra` is not base64: {e}")))?;
                line = lines.next().unwrap_or_default();
                e
            }
            None => {
                return Err(bad(
                    "no `extra` line: zkinfer receipts carry the logged entry there".into(),
                ));
            }
        };
        let index = line
            .strip_prefix("index ")
            .and_then(|n| n.parse::<u64>().ok().filter(|v| v.to_string() == n))
            .ok_or_else(|| bad(format!("expected `index <N>`, got `{line}`")))?;
        let proof = lines
            .map(|l| Hash::parse_hash(l).map_err(|_| bad(format!("`{l}` is not a base64 hash"))))
            .collect::<Result<Vec<_>, _>>()?;
        if proof.len() > MAX_PROOF_HASHES {
            return Err(bad(format!("{} proof hashes is too many", proof.len())));
        }
        Ok(Self {
            entry,
            index,
            proof,
            checkpoint: checkpoint.as_bytes().to_vec(),
        })
    }

    /// Verifies offline: the checkpoint's signature by `log`, and the inclusion of the entry at
    /// its index in the checkpoint's tree.
    ///
    /// # Errors
    /// [`Error::Checkpoint`] or [`Error::Inclusion`].
    pub fn verify(&self, log: &LogVerifier) -> Result<VerifiedReceipt, Error> {
        let checkpoint = log.verify_checkpoint(&self.checkpoint)?;
        let leaf_hash = record_hash(&self.entry);
        check_inclusion(
            &self.proof,
            checkpoint.size,
            checkpoint.root,
            self.index,
            leaf_hash,
        )?;
        Ok(VerifiedReceipt {
            index: self.index,
            leaf_hash,
            entry: Entry::from_bytes(&self.entry).ok(),
            checkpoint,
        })
    }
}
