//! What the log records: one JSON object per entry, its bytes the Merkle leaf.
//!
//! Two kinds: `vk` (a registered verifying key; `model_id` is its digest) and `inference` (a proof
//! that verified: model, proof digest, public input and output, verifier version, time). The
//! bytes are written once by the server and only ever hashed as they are, so a reader needs no
//! canonical form. Duplicates are found by the entry's *statement* — its fields without the time —
//! hashed (`statement_hash`): the same proof submitted twice is logged once and answered with the
//! first entry's index and leaf hash.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::merkle::hex;

/// Outputs up to this many values are logged in full; larger ones by digest only.
pub const MAX_LOGGED_OUTPUTS: usize = 256;

/// The verifier that checked the proofs this build logs.
#[must_use]
pub fn verifier_version() -> String {
    format!(
        "zkinfer {} (proof format {})",
        env!("CARGO_PKG_VERSION"),
        zkinfer_proof::proof::FORMAT_VERSION
    )
}

/// One log entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Entry {
    /// A verifying key was registered.
    Vk {
        /// The key's digest (hex): the model id proofs are bound to.
        model_id: String,
        /// SHA-256 of the key file (hex).
        vk_sha256: String,
        /// The key file's size in bytes.
        vk_bytes: u64,
        /// Who registered it.
        verifier: String,
        /// Unix seconds when it was logged.
        time: u64,
    },
    /// A proof verified.
    Inference {
        /// The model (verifying key digest, hex).
        model_id: String,
        /// SHA-256 of the proof file (hex).
        proof_sha256: String,
        /// SHA-256 of the public quantized input (little-endian `i64`s), or `null` when the input
        /// is committed, not public.
        input_sha256: Option<String>,
        /// The proven output integers, when there are at most [`MAX_LOGGED_OUTPUTS`].
        output_ints: Option<Vec<i64>>,
        /// SHA-256 of the proven output integers (little-endian `i64`s).
        output_sha256: String,
        /// Fractional bits of the output (`value = int · 2^-scale`).
        output_scale: i32,
        /// The verifier's version.
        verifier: String,
        /// Unix seconds when it was verified and logged.
        time: u64,
    },
}

/// SHA-256 of `i64`s as little-endian bytes.
#[must_use]
pub fn ints_sha256(v: &[i64]) -> String {
    let mut h = Sha256::new();
    for x in v {
        h.update(x.to_le_bytes());
    }
    hex(&h.finalize())
}

/// SHA-256 (hex).
#[must_use]
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

impl Entry {
    /// The bytes logged (compact JSON).
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Parses logged bytes.
    ///
    /// # Errors
    /// The JSON error, when the bytes are not an entry.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(bytes)
    }

    /// The model this entry is about.
    #[must_use]
    pub fn model_id(&self) -> &str {
        match self {
            Self::Vk { model_id, .. } | Self::Inference { model_id, .. } => model_id,
        }
    }

    /// The kind, as in the JSON.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Vk { .. } => "vk",
            Self::Inference { .. } => "inference",
        }
    }

    /// The time field.
    #[must_use]
    pub fn time(&self) -> u64 {
        match self {
            Self::Vk { time, .. } | Self::Inference { time, .. } => *time,
        }
    }

    /// SHA-256 of the entry with its time set to zero: equal for two submissions of the same key or
    /// the same proof.
    #[must_use]
    pub fn statement_hash(&self) -> [u8; 32] {
        let mut e = self.clone();
        match &mut e {
            Self::Vk { time, .. } | Self::Inference { time, .. } => *time = 0,
        }
        Sha256::digest(e.to_bytes()).into()
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` of unix seconds (proleptic Gregorian, UTC).
#[must_use]
pub fn utc(secs: u64) -> String {
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// Now, in unix seconds.
#[must_use]
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_formats_known_instants() {
        assert_eq!(utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(utc(1_798_761_599), "2026-12-31T23:59:59Z");
    }

    #[test]
    fn statement_ignores_time_only() {
        let e = |time, proof: &str| Entry::Inference {
            model_id: "m".into(),
            proof_sha256: proof.into(),
            input_sha256: None,
            output_ints: Some(vec![1, -2]),
            output_sha256: ints_sha256(&[1, -2]),
            output_scale: 8,
            verifier: verifier_version(),
            time,
        };
        assert_eq!(e(1, "p").statement_hash(), e(2, "p").statement_hash());
        assert_ne!(e(1, "p").statement_hash(), e(1, "q").statement_hash());
        assert_ne!(e(1, "p").to_bytes(), e(2, "p").to_bytes());
        assert_eq!(Entry::from_bytes(&e(1, "p").to_bytes()).unwrap(), e(1, "p"));
    }
}
