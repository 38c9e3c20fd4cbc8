//! The web page at `/`: the log's head, the registered models and the latest entries, each with
//! a link to its receipt.

use std::fmt::Write as _;
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::entry::{Entry, utc};
use crate::merkle::hex;
use crate::server::{AppState, lock};

/// Entries shown.
const RECENT: u64 = 25;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `GET /`.
pub async fn index(State(state): State<Arc<AppState>>) -> Response {
    let st = Arc::clone(&state);
    let r = tokio::task::spawn_blocking(move || {
        lock(&st.reader).snapshot(|s| Ok((s.size, s.root, s.models()?, s.recent(RECENT)?)))
    })
    .await;
    let Ok(Ok((size, root, models, recent))) = r else {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            "the store could not be read",
        )
            .into_response();
    };
    let mut h = String::new();
    let _ = write!(
        h,
        "<!doctype html><html><head><meta charset=utf-8><title>zkinfer log</title>\
         <style>body{{font-family:sans-serif;margin:2em}}td,th{{padding:2px 8px;text-align:left}}\
         code{{font-size:90%}}</style></head><body><h1>zkinfer verification log</h1>\
         <p>Origin <code>{}</code> · {size} entries · root <code>{}</code> · \
         <a href=\"/checkpoint\">checkpoint</a> · public key <code>{}</code></p>",
        esc(state.key.origin()),
        esc(&root.to_string()),
        esc(state.key.public())
    );
    let _ = write!(
        h,
        "<h2>Models ({})</h2><table><tr><th>model id</th><th>registered in entry</th></tr>",
        models.len()
    );
    for m in &models {
        let id = hex(&m.model_id);
        let _ = write!(
            h,
            "<tr><td><code><a href=\"/v1/models/{id}\">{id}</a></code></td><td><a href=\"/v1/receipts/{i}\">#{i}</a></td></tr>",
            i = m.index
        );
    }
    h.push_str("</table><h2>Latest entries</h2><table><tr><th>#</th><th>time (UTC)</th><th>kind</th><th>model</th><th>output</th><th>receipt</th></tr>");
    for (i, bytes) in &recent {
        let (time, kind, model, out) = match Entry::from_bytes(bytes) {
            Ok(e) => {
                let out = match &e {
                    Entry::Inference {
                        output_ints: Some(v),
                        output_scale,
                        ..
                    } if v.len() <= 16 => format!("{v:?} · 2^-{output_scale}"),
                    Entry::Inference { output_sha256, .. } => {
                        format!(
                            "sha256 {}…",
                            output_sha256.get(..16).unwrap_or(output_sha256)
                        )
                    }
                    Entry::Vk { vk_bytes, .. } => format!("key of {vk_bytes} bytes"),
                };
                (utc(e.time()), e.kind(), e.model_id().to_string(), out)
            }
            Err(_) => (String::new(), "?", String::new(), String::new()),
        };
        let short = model.get(..16).unwrap_or(&model);
        let _ = write!(
            h,
            "<tr><td>{i}</td><td>{time}</td><td>{kind}</td><td><code title=\"{m}\">{s}…</code></td><td>{o}</td><td><a href=\"/v1/receipts/{i}\">receipt</a></td></tr>",
            m = esc(&model),
            s = esc(short),
            o = esc(&out)
        );
    }
    h.push_str("</table><p>API: <code>POST /v1/models</code>, <code>POST /v1/verify</code>, <code>GET /v1/receipts/{index}</code>, \
                <code>GET /v1/proofs/consistency?old=&amp;new=</code>, <code>/checkpoint</code>, <code>/tile/…</code>, \
                <code>/healthz</code>, <code>/metrics</code>.</p></body></html>");
    Html(h).into_response()
}
