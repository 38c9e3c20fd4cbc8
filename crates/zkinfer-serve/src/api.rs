//! The HTTP handlers. Every client error is a 4xx with a one-line JSON `{"error": …}` naming the
//! problem and the fix; nothing a client sends reaches an `unwrap`.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::Deserialize;
use serde_json::json;
use zkinfer_proof::{Proof, VerifyingKey, ZkFile};

use crate::entry::{Entry, MAX_LOGGED_OUTPUTS, ints_sha256, now, sha256_hex, verifier_version};
use crate::error::Error;
use crate::merkle::{TileRef, hex, parse_hex32};
use crate::receipt::Receipt;
use crate::server::{AppState, Metrics, lock};
use crate::store::Appended;

type S = State<Arc<AppState>>;

/// A one-line JSON error with `status`.
pub fn fail(status: StatusCode, msg: impl std::fmt::Display) -> Response {
    let line = msg.to_string().replace(['\n', '\r'], " ");
    (status, axum::Json(json!({ "error": line }))).into_response()
}

fn client_error(state: &AppState, status: StatusCode, msg: impl std::fmt::Display) -> Response {
    Metrics::inc(&state.metrics.bad_requests);
    fail(status, msg)
}

fn error_response(state: &AppState, e: &Error) -> Response {
    match e {
        Error::BadRequest(_) => client_error(state, StatusCode::NOT_FOUND, e),
        _ => fail(StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Http(format!("worker failed: {e}")))?
}

fn body(state: &AppState, b: Result<Bytes, BytesRejection>) -> Result<Bytes, Box<Response>> {
    b.map_err(|r| {
        Box::new(if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            client_error(
                state,
                r.status(),
                format!(
                    "request body is over the {}-byte limit (server option --max-body)",
                    state.max_body
                ),
            )
        } else {
            client_error(state, r.status(), r.body_text())
        })
    })
}

fn content_type(state: &AppState, headers: &HeaderMap, want: &str) -> Result<(), Box<Response>> {
    let got = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = got.split(';').next().unwrap_or("").trim();
    if essence.eq_ignore_ascii_case(want) {
        Ok(())
    } else {
        Err(Box::new(client_error(
            state,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("Content-Type must be {want}, got `{got}`"),
        )))
    }
}

async fn append(
    state: &Arc<AppState>,
    entry: Entry,
    model: Option<([u8; 32], Vec<u8>)>,
) -> Result<Appended, Error> {
    let st = Arc::clone(state);
    blocking(move || {
        let t = Instant::now();
        let bytes = entry.to_bytes();
        let a = lock(&st.writer).append(
            &bytes,
            &entry.statement_hash(),
            model.as_ref().map(|(id, vk)| (id, vk.as_slice())),
        )?;
        if !a.duplicate {
            Metrics::inc(&st.metrics.appends);
            st.metrics
                .append_micros
                .fetch_add(t.elapsed().as_micros() as u64, Ordering::Relaxed);
        }
        Ok(a)
    })
    .await
}

fn appended_json(a: &Appended, extra: serde_json::Value) -> serde_json::Value {
    let mut v = json!({
        "index": a.index,
        "leaf_hash": hex(&a.leaf_hash.0),
        "duplicate": a.duplicate,
        "receipt": format!("/v1/receipts/{}", a.index),
    });
    if let (Some(o), serde_json::Value::Object(e)) = (v.as_object_mut(), extra) {
        o.extend(e);
    }
    v
}

/// `POST /v1/models`: the body is a verifying key file (`application/octet-stream`).
pub async fn register_model(
    State(state): S,
    headers: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> Response {
    let bytes = match content_type(&state, &headers, "application/octet-stream")
        .and_then(|()| body(&state, b))
    {
        Ok(b) => b,
        Err(r) => return *r,
    };
    let vk = match VerifyingKey::from_bytes(&bytes) {
        Ok(vk) => vk,
        Err(e) => return client_error(&state, StatusCode::BAD_REQUEST, format!("body: {e}")),
    };
    let id = vk.digest;
    let entry = Entry::Vk {
        model_id: hex(&id),
        vk_sha256: sha256_hex(&bytes),
        vk_bytes: bytes.len() as u64,
        verifier: verifier_version(),
        time: now(),
    };
    match append(&state, entry, Some((id, bytes.to_vec()))).await {
        Ok(a) => {
            if !a.duplicate {
                Metrics::inc(&state.metrics.models);
            }
            lock(&state.vks).insert(id, Arc::new(vk));
            let status = if a.duplicate {
                StatusCode::OK
            } else {
                StatusCode::CREATED
            };
            (
                status,
                axum::Json(appended_json(&a, json!({ "model_id": hex(&id) }))),
            )
                .into_response()
        }
        Err(e) => error_response(&state, &e),
    }
}

/// `GET /v1/models/{id}`: the registered verifying key file.
pub async fn get_model(State(state): S, Path(id): Path<String>) -> Response {
    let id = match parse_hex32(&id, "model id") {
        Ok(id) => id,
        Err(e) => return client_error(&state, StatusCode::BAD_REQUEST, e),
    };
    match lookup_vk_bytes(&state, id).await {
        Ok(Some(vk)) => ([(header::CONTENT_TYPE, "application/octet-stream")], vk).into_response(),
        Ok(None) => client_error(&state, StatusCode::NOT_FOUND, unknown_model(&id)),
        Err(e) => error_response(&state, &e),
    }
}

fn unknown_model(id: &[u8; 32]) -> String {
    format!(
        "unknown model {}; register its verifying key first with POST /v1/models",
        hex(id)
    )
}

async fn lookup_vk_bytes(state: &Arc<AppState>, id: [u8; 32]) -> Result<Option<Vec<u8>>, Error> {
    let st = Arc::clone(state);
    blocking(move || lock(&st.reader).snapshot(|s| s.model_vk(&id))).await
}

async fn lookup_vk(
    state: &Arc<AppState>,
    id: [u8; 32],
) -> Result<Option<Arc<VerifyingKey>>, Error> {
    if let Some(vk) = lock(&state.vks).get(&id) {
        return Ok(Some(Arc::clone(vk)));
    }
    let Some(bytes) = lookup_vk_bytes(state, id).await? else {
        return Ok(None);
    };
    let vk = Arc::new(
        VerifyingKey::from_bytes(&bytes)
            .map_err(|e| Error::Inconsistent(format!("stored key {}: {e}", hex(&id))))?,
    );
    lock(&state.vks).insert(id, Arc::clone(&vk));
    Ok(Some(vk))
}

/// The body of `POST /v1/verify`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    /// The model id (hex vk digest).
    pub model_id: String,
    /// The proof file, base64.
    pub proof: String,
    /// The public input (floats) the proof must be about.
    pub input: Option<Vec<f32>>,
}

/// `POST /v1/verify`.
pub async fn verify(
    State(state): S,
    headers: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> Response {
    let bytes =
        match content_type(&state, &headers, "application/json").and_then(|()| body(&state, b)) {
            Ok(b) => b,
            Err(r) => return *r,
        };
    let req: VerifyRequest = match serde_json::from_slice(&bytes) {
        Ok(r) => r,
        Err(e) => {
            return client_error(
                &state,
                StatusCode::BAD_REQUEST,
                format!(
                    "malformed JSON: {e}; expected {{\"model_id\": hex, \"proof\": base64, \"input\"?: [numbers]}}"
                ),
            );
        }
    };
    let id = match parse_hex32(&req.model_id, "model_id") {
        Ok(id) => id,
        Err(e) => return client_error(&state, StatusCode::BAD_REQUEST, e),
    };
    let proof_bytes = match B64.decode(req.proof.as_bytes()) {
        Ok(p) => p,
        Err(e) => {
            return client_error(
                &state,
                StatusCode::BAD_REQUEST,
                format!("proof is not base64: {e}"),
            );
        }
    };
    let proof = match Proof::from_bytes(&proof_bytes) {
        Ok(p) => p,
        Err(e) => return client_error(&state, StatusCode::BAD_REQUEST, format!("proof: {e}")),
    };
    let vk = match lookup_vk(&state, id).await {
        Ok(Some(vk)) => vk,
        Ok(None) => return client_error(&state, StatusCode::NOT_FOUND, unknown_model(&id)),
        Err(e) => return error_response(&state, &e),
    };
    if proof.vk_digest != id {
        Metrics::inc(&state.metrics.rejected);
        return fail(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "proof rejected: it was made for another model (vk digest {}), not {}",
                hex(&proof.vk_digest),
                hex(&id)
            ),
        );
    }
    let Ok(permit) = state.verify_slots.acquire().await else {
        return fail(StatusCode::SERVICE_UNAVAILABLE, "server is shutting down");
    };
    let t = Instant::now();
    let input = req.input.clone();
    let proof = Arc::new(proof);
    let p = Arc::clone(&proof);
    let verified =
        tokio::task::spawn_blocking(move || zkinfer::verify(&vk, &p, input.as_deref())).await;
    state
        .metrics
        .verify_micros
        .fetch_add(t.elapsed().as_micros() as u64, Ordering::Relaxed);
    drop(permit);
    let output = match verified {
        Ok(Ok(out)) => out,
        Ok(Err(e @ zkinfer::Error::Input(_))) => {
            return client_error(
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("input: {e}"),
            );
        }
        Ok(Err(e)) => {
            Metrics::inc(&state.metrics.rejected);
            return fail(StatusCode::UNPROCESSABLE_ENTITY, e);
        }
        Err(e) => {
            return fail(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("verifier crashed: {e}"),
            );
        }
    };
    let ints = &output.output_ints;
    let entry = Entry::Inference {
        model_id: hex(&id),
        proof_sha256: sha256_hex(&proof_bytes),
        input_sha256: proof.public_input.as_deref().map(ints_sha256),
        output_ints: (ints.len() <= MAX_LOGGED_OUTPUTS).then(|| ints.clone()),
        output_sha256: ints_sha256(ints),
        output_scale: output.scale,
        verifier: verifier_version(),
        time: now(),
    };
    match append(&state, entry, None).await {
        Ok(a) => {
            Metrics::inc(if a.duplicate {
                &state.metrics.duplicates
            } else {
                &state.metrics.verified
            });
            axum::Json(appended_json(
                &a,
                json!({ "verified": true, "output": output.output_data, "output_ints": output.output_ints }),
            ))
            .into_response()
        }
        Err(e) => error_response(&state, &e),
    }
}

async fn signed_snapshot<T: Send + 'static>(
    state: &Arc<AppState>,
    f: impl FnOnce(&crate::store::Snapshot<'_>) -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    let st = Arc::clone(state);
    blocking(move || lock(&st.reader).snapshot(f)).await
}

fn text(body: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}

/// `GET /v1/receipts/{index}`: a C2SP tlog-proof against the current checkpoint.
pub async fn receipt(State(state): S, Path(index): Path<String>) -> Response {
    let Ok(index) = index.parse::<u64>() else {
        return client_error(
            &state,
            StatusCode::BAD_REQUEST,
            format!("receipt index must be a non-negative integer, got `{index}`"),
        );
    };
    let st = Arc::clone(&state);
    let r = signed_snapshot(&state, move |s| {
        let entry = s.entry(index)?;
        let proof = s.inclusion_proof(index)?;
        let checkpoint = st.checkpoint(s.size, s.root)?;
        Ok(Receipt {
            entry,
            index,
            proof,
            checkpoint,
        })
    })
    .await;
    match r {
        Ok(r) => text(r.to_text().into_bytes()),
        Err(e) => error_response(&state, &e),
    }
}

/// `GET /checkpoint`.
pub async fn checkpoint(State(state): S) -> Response {
    let st = Arc::clone(&state);
    match signed_snapshot(&state, move |s| st.checkpoint(s.size, s.root)).await {
        Ok(note) => ([(header::CACHE_CONTROL, "no-store")], text(note)).into_response(),
        Err(e) => error_response(&state, &e),
    }
}

/// `GET /tile/{L}/{N}[.p/{W}]` and `GET /tile/entries/{N}[.p/{W}]`.
pub async fn tile(State(state): S, Path(path): Path<String>) -> Response {
    let tile = match TileRef::parse(&path) {
        Ok(t) => t,
        Err(e) => return client_error(&state, StatusCode::NOT_FOUND, e),
    };
    match signed_snapshot(&state, move |s| s.tile(&tile)).await {
        Ok(bytes) => {
            let cache = if tile.width == crate::merkle::TILE_WIDTH {
                "public, max-age=31536000, immutable"
            } else {
                "no-cache"
            };
            (
                [
                    (header::CONTENT_TYPE, "application/octet-stream"),
                    (header::CACHE_CONTROL, cache),
                ],
                bytes,
            )
                .into_response()
        }
        Err(e) => error_response(&state, &e),
    }
}

fn query_u64(q: Option<&str>, name: &str) -> Result<u64, String> {
    let q = q.unwrap_or("");
    q.split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .ok_or_else(|| format!("missing query parameter `{name}`; use ?old=<size>&new=<size>"))
        .and_then(|(_, v)| {
            v.parse::<u64>()
                .map_err(|_| format!("`{name}` must be a non-negative integer, got `{v}`"))
        })
}

/// `GET /v1/proofs/consistency?old=N&new=M`: `{old, new, old_root, new_root, proof}` (base64).
pub async fn consistency(State(state): S, RawQuery(q): RawQuery) -> Response {
    let (old, new) = match (
        query_u64(q.as_deref(), "old"),
        query_u64(q.as_deref(), "new"),
    ) {
        (Ok(o), Ok(n)) => (o, n),
        (Err(e), _) | (_, Err(e)) => return client_error(&state, StatusCode::BAD_REQUEST, e),
    };
    match signed_snapshot(&state, move |s| s.consistency_proof(old, new)).await {
        Ok((proof, old_root, new_root)) => axum::Json(json!({
            "old": old,
            "new": new,
            "old_root": old_root.to_string(),
            "new_root": new_root.to_string(),
            "proof": proof.iter().map(ToString::to_string).collect::<Vec<_>>(),
        }))
        .into_response(),
        Err(Error::BadRequest(e)) => client_error(&state, StatusCode::BAD_REQUEST, e),
        Err(e) => error_response(&state, &e),
    }
}

/// `GET /healthz`.
pub async fn healthz(State(state): S) -> Response {
    match signed_snapshot(&state, |s| Ok(s.size)).await {
        Ok(size) => text(format!("ok {size}\n").into_bytes()),
        Err(e) => fail(StatusCode::SERVICE_UNAVAILABLE, e),
    }
}

/// `GET /metrics` (Prometheus text format).
pub async fn metrics(State(state): S) -> Response {
    let size = signed_snapshot(&state, |s| Ok(s.size)).await.unwrap_or(0);
    let m = &state.metrics;
    let g = |c: &std::sync::atomic::AtomicU64| c.load(Ordering::Relaxed);
    let body = format!(
        "# TYPE zkinfer_log_size gauge\nzkinfer_log_size {size}\n\
         # TYPE zkinfer_verify_total counter\n\
         zkinfer_verify_total{{result=\"logged\"}} {}\n\
         zkinfer_verify_total{{result=\"duplicate\"}} {}\n\
         zkinfer_verify_total{{result=\"rejected\"}} {}\n\
         # TYPE zkinfer_bad_requests_total counter\nzkinfer_bad_requests_total {}\n\
         # TYPE zkinfer_models_registered_total counter\nzkinfer_models_registered_total {}\n\
         # TYPE zkinfer_append_seconds summary\nzkinfer_append_seconds_count {}\nzkinfer_append_seconds_sum {:.6}\n\
         # TYPE zkinfer_verify_seconds_sum counter\nzkinfer_verify_seconds_sum {:.6}\n",
        g(&m.verified),
        g(&m.duplicates),
        g(&m.rejected),
        g(&m.bad_requests),
        g(&m.models),
        g(&m.appends),
        g(&m.append_micros) as f64 / 1e6,
        g(&m.verify_micros) as f64 / 1e6,
    );
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

/// Anything else.
pub async fn not_found(State(state): S, uri: axum::http::Uri) -> Response {
    client_error(
        &state,
        StatusCode::NOT_FOUND,
        format!("no such endpoint `{}`; see / for the API", uri.path()),
    )
}
