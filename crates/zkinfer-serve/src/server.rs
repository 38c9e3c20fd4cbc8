//! The HTTP service: state, routes, startup. Handlers are in [`crate::api`], the page in
//! [`crate::page`].
//!
//! Blocking work runs off the async threads: proof verification on `spawn_blocking` behind a
//! semaphore (one slot per core), SQLite on two connections — one writer (the sequencer: appends
//! are serialized, one transaction each) and one reader (snapshots for proofs, tiles, receipts).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use tokio::sync::Semaphore;
use zkinfer_proof::VerifyingKey;

use crate::error::Error;
use crate::merkle::Hash;
use crate::note::LogKey;
use crate::store::Store;

/// Default request body limit (a verifying key or a proof, base64 in JSON).
pub const DEFAULT_MAX_BODY: usize = 32 << 20;

/// Counters for `/metrics`.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Proofs verified and appended.
    pub verified: AtomicU64,
    /// Proofs verified that were already logged.
    pub duplicates: AtomicU64,
    /// Proofs rejected by the verifier (422).
    pub rejected: AtomicU64,
    /// Other client errors (4xx).
    pub bad_requests: AtomicU64,
    /// Verifying keys registered.
    pub models: AtomicU64,
    /// Appends committed.
    pub appends: AtomicU64,
    /// Microseconds spent in append transactions (commit included).
    pub append_micros: AtomicU64,
    /// Microseconds spent verifying proofs.
    pub verify_micros: AtomicU64,
}

impl Metrics {
    /// Adds one to a counter.
    pub fn inc(c: &AtomicU64) {
        c.fetch_add(1, Ordering::Relaxed);
    }
}

/// Everything a handler needs.
#[derive(Debug)]
pub struct AppState {
    /// The writer connection (the sequencer).
    pub writer: Mutex<Store>,
    /// The reader connection.
    pub reader: Mutex<Store>,
    /// The log key.
    pub key: LogKey,
    /// Decoded verifying keys by model id.
    pub vks: Mutex<HashMap<[u8; 32], Arc<VerifyingKey>>>,
    /// One slot per concurrent verification.
    pub verify_slots: Semaphore,
    /// Counters.
    pub metrics: Metrics,
    /// The last checkpoint signed: (size, root, note).
    pub checkpoint: Mutex<Option<(u64, Hash, Vec<u8>)>>,
    /// Request body limit in bytes.
    pub max_body: usize,
}

/// Locks a mutex; a poisoned one (a panic while held) is still usable: SQLite transactions roll
/// back on their own, and the caches hold only derived data.
pub fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl AppState {
    /// Opens the store at `db` and checks that its root is the root of its stored hashes.
    ///
    /// # Errors
    /// [`Error::Store`] or [`Error::Inconsistent`].
    pub fn open(db: &Path, key: LogKey, max_body: usize) -> Result<Arc<Self>, Error> {
        let writer = Store::open(db)?;
        let reader = Store::open(db)?;
        let mut check = Store::open(db)?;
        check.snapshot(|s| {
            let (_, _, root) = s.consistency_proof(0, s.size)?;
            if root == s.root {
                Ok(())
            } else {
                Err(Error::Inconsistent(format!(
                    "the stored root of size {} is not the root of the stored hashes; run `zkinfer log fsck --db {}`",
                    s.size,
                    db.display()
                )))
            }
        })?;
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        Ok(Arc::new(Self {
            writer: Mutex::new(writer),
            reader: Mutex::new(reader),
            key,
            vks: Mutex::new(HashMap::new()),
            verify_slots: Semaphore::new(cores),
            metrics: Metrics::default(),
            checkpoint: Mutex::new(None),
            max_body,
        }))
    }

    /// The signed checkpoint of (`size`, `root`), signed once per size.
    ///
    /// # Errors
    /// [`Error::Checkpoint`].
    pub fn checkpoint(&self, size: u64, root: Hash) -> Result<Vec<u8>, Error> {
        let mut cache = lock(&self.checkpoint);
        if let Some((s, r, note)) = cache.as_ref()
            && *s == size
            && *r == root
        {
            return Ok(note.clone());
        }
        let note = self.key.sign_checkpoint(size, root)?;
        *cache = Some((size, root, note.clone()));
        Ok(note)
    }
}

/// The routes.
pub fn router(state: Arc<AppState>) -> Router {
    use crate::api;
    Router::new()
        .route("/", get(crate::page::index))
        .route("/v1/models", post(api::register_model))
        .route("/v1/models/{id}", get(api::get_model))
        .route("/v1/verify", post(api::verify))
        .route("/v1/receipts/{index}", get(api::receipt))
        .route("/v1/proofs/consistency", get(api::consistency))
        .route("/checkpoint", get(api::checkpoint))
        .route("/tile/{*path}", get(api::tile))
        .route("/healthz", get(api::healthz))
        .route("/metrics", get(api::metrics))
        .fallback(api::not_found)
        .layer(DefaultBodyLimit::max(state.max_body))
        .with_state(state)
}

/// Serves on `listener` until `shutdown` resolves.
///
/// # Errors
/// [`Error::Http`] if the server fails.
pub async fn run(
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|e| Error::Http(e.to_string()))
}

/// Opens the log and serves on `listen` until Ctrl-C; prints `listening on http://ADDR` first.
///
/// # Errors
/// [`Error::Io`] if the address cannot be bound, or what [`AppState::open`] returns.
pub fn serve(db: &Path, listen: SocketAddr, key: LogKey, max_body: usize) -> Result<(), Error> {
    let state = AppState::open(db, key, max_body)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|source| Error::Io {
            path: "tokio runtime".into(),
            source,
        })?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|source| Error::Io {
                path: listen.to_string(),
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| Error::Io {
            path: listen.to_string(),
            source,
        })?;
        let size = crate::server::lock(&state.reader).tree()?.0;
        println!(
            "listening on http://{addr} (log {}, {size} entries, public key {})",
            state.key.origin(),
            state.key.public()
        );
        use std::io::Write;
        let _ = std::io::stdout().flush();
        run(listener, state, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
    })
}
