//! The commands `zkinfer serve` and `zkinfer log {verify-receipt, monitor, fsck}`: argument
//! structs the `zkinfer` binary embeds, and the functions it calls.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use crate::entry::utc;
use crate::error::Error;
use crate::monitor::{MonitorState, round};
use crate::note::{LogKey, LogVerifier};
use crate::receipt::Receipt;
use crate::server::DEFAULT_MAX_BODY;

/// `zkinfer serve`.
#[derive(clap::Args, Debug, Clone)]
pub struct ServeArgs {
    /// The SQLite database (created if missing).
    #[arg(long, default_value = "zkinfer.db")]
    pub db: PathBuf,
    /// Address to listen on (port 0 picks a free one; the address is printed).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// The log's signing key (signed-note format); created with --origin if missing, with the
    /// public key written beside it as .pub.
    #[arg(long, default_value = "log.key")]
    pub key: PathBuf,
    /// The log's name, used only when creating a key.
    #[arg(long, default_value = "zkinfer.local/log")]
    pub origin: String,
    /// Request body limit in bytes.
    #[arg(long, default_value_t = DEFAULT_MAX_BODY)]
    pub max_body: usize,
}

/// `zkinfer log …`.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum LogCmd {
    /// Check a receipt offline: the log's signature on its checkpoint and the entry's inclusion.
    ///
    /// Example: zkinfer log verify-receipt --receipt r.txt --log-key log.pub
    VerifyReceipt {
        /// The receipt (C2SP tlog-proof text, from GET /v1/receipts/{index}).
        #[arg(long)]
        receipt: PathBuf,
        /// The log's public key file.
        #[arg(long)]
        log_key: PathBuf,
    },
    /// Watch a log: verify each new checkpoint, its consistency with the last one and every new
    /// entry; exit 8 on a fork or rollback, 9 on any other failed check.
    ///
    /// Example: zkinfer log monitor --url http://127.0.0.1:8080 --log-key log.pub --state mon.json
    Monitor {
        /// The log's base URL.
        #[arg(long)]
        url: String,
        /// The log's public key file.
        #[arg(long)]
        log_key: PathBuf,
        /// Where the last verified checkpoint and tree edge are kept between runs.
        #[arg(long, default_value = "monitor.json")]
        state: PathBuf,
        /// Seconds between rounds.
        #[arg(long, default_value_t = 30)]
        interval: u64,
        /// Rounds to run (0: until stopped or an alarm).
        #[arg(long, default_value_t = 1)]
        rounds: u64,
    },
    /// Re-derive every hash of a log database from its entries and compare.
    ///
    /// Example: zkinfer log fsck --db zkinfer.db
    Fsck {
        /// The SQLite database.
        #[arg(long)]
        db: PathBuf,
    },
}

/// Runs `zkinfer serve`.
///
/// # Errors
/// What the server returns.
pub fn serve(a: &ServeArgs) -> Result<(), Error> {
    let (key, created) = LogKey::load_or_create(&a.key, &a.origin)?;
    if created {
        eprintln!(
            "created log key {} (public key in {})",
            a.key.display(),
            a.key.with_extension("pub").display()
        );
    }
    crate::server::serve(&a.db, a.listen, key, a.max_body)
}

/// Runs a `zkinfer log` command; prints its result (JSON with `json`).
///
/// # Errors
/// The check that failed.
pub fn log(cmd: &LogCmd, json: bool) -> Result<(), Error> {
    match cmd {
        LogCmd::VerifyReceipt { receipt, log_key } => {
            let log = LogVerifier::load(log_key)?;
            let text = std::fs::read(receipt).map_err(|source| Error::Io {
                path: receipt.display().to_string(),
                source,
            })?;
            let v = Receipt::parse(&text)?.verify(&log)?;
            let entry = v
                .entry
                .as_ref()
                .map(|e| serde_json::to_value(e).unwrap_or_default());
            if json {
                println!(
                    "{}",
                    serde_json::json!({"ok": true, "index": v.index, "leaf_hash": crate::merkle::hex(&v.leaf_hash.0),
                        "tree_size": v.checkpoint.size, "root": v.checkpoint.root.to_string(), "origin": v.checkpoint.origin, "entry": entry})
                );
            } else {
                println!(
                    "receipt OK: entry {} is in {} at size {} (root {})",
                    v.index, v.checkpoint.origin, v.checkpoint.size, v.checkpoint.root
                );
                if let Some(e) = &v.entry {
                    println!(
                        "entry: {} {} logged {}",
                        e.kind(),
                        e.model_id(),
                        utc(e.time())
                    );
                }
            }
            Ok(())
        }
        LogCmd::Monitor {
            url,
            log_key,
            state,
            interval,
            rounds,
        } => {
            let log = LogVerifier::load(log_key)?;
            let mut prev = MonitorState::load(state)?;
            let mut done = 0u64;
            loop {
                let (next, r) = round(url, &log, prev.as_ref())?;
                next.save(state)?;
                if json {
                    println!(
                        "{}",
                        serde_json::json!({"ok": true, "old_size": r.old_size, "size": r.new_size, "root": r.root})
                    );
                } else {
                    println!(
                        "checkpoint OK: size {} → {} (root {}); {} new entries re-hashed",
                        r.old_size,
                        r.new_size,
                        r.root,
                        r.new_size - r.old_size
                    );
                }
                prev = Some(next);
                done += 1;
                if *rounds != 0 && done >= *rounds {
                    return Ok(());
                }
                std::thread::sleep(Duration::from_secs(*interval));
            }
        }
        LogCmd::Fsck { db } => {
            let r = crate::fsck::fsck(db)?;
            if json {
                println!(
                    "{}",
                    serde_json::json!({"ok": true, "size": r.size, "root": r.root, "hashes": r.hashes, "models": r.models})
                );
            } else {
                println!(
                    "fsck OK: {} entries, {} stored hashes and {} models re-derived; root {}",
                    r.size, r.hashes, r.models, r.root
                );
            }
            Ok(())
        }
    }
}

/// Prints `r`'s error as one line (JSON with `json`) and turns it into the exit code.
#[must_use]
pub fn exit(r: Result<(), Error>, json: bool) -> ExitCode {
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if json {
                println!(
                    "{}",
                    serde_json::json!({"ok": false, "error": e.to_string(), "exit_code": e.exit_code()})
                );
            } else {
                eprintln!("error: {e}");
            }
            ExitCode::from(e.exit_code())
        }
    }
}
