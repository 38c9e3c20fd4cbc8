//! The service end to end, in process on 127.0.0.1: register, verify, duplicates, receipts
//! checked offline (and a changed byte fails), every kind of bad request (4xx with a one-line
//! reason, nothing logged), the read path, the monitor, fsck, a tampered database and a fork.

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use common::{Model, TestServer, tempdir, tiny_model};
use serde_json::{Value, json};
use zkinfer_proof::ZkFile;
use zkinfer_serve::client::{Response, get, post};
use zkinfer_serve::error::Error;
use zkinfer_serve::monitor::{check_same_size, round};
use zkinfer_serve::note::{LogKey, LogVerifier};
use zkinfer_serve::receipt::Receipt;

fn json_of(r: &Response) -> Value {
    serde_json::from_slice(&r.body).unwrap_or_else(|_| panic!("not JSON: {}", r.text()))
}

/// A 4xx whose JSON error is one line containing `needle`.
fn assert_client_error(r: &Response, status: u16, needle: &str) {
    assert_eq!(r.status, status, "{}", r.text());
    let e = json_of(r)["error"].as_str().unwrap_or_default().to_string();
    assert!(!e.contains('\n') && !e.is_empty(), "one line: {e}");
    assert!(e.contains(needle), "expected `{needle}` in `{e}`");
}

fn verify_body(model: &str, proof: &[u8], input: Option<&[f32]>) -> Vec<u8> {
    let mut v = json!({ "model_id": model, "proof": B64.encode(proof) });
    if let Some(x) = input {
        v["input"] = json!(x);
    }
    v.to_string().into_bytes()
}

fn size(url: &str) -> u64 {
    get(url, "/healthz")
        .unwrap()
        .text()
        .trim()
        .trim_start_matches("ok ")
        .parse()
        .unwrap()
}

fn register(url: &str, m: &Model) -> Response {
    post(url, "/v1/models", "application/octet-stream", &m.vk_bytes).unwrap()
}

fn cli(args: &[&str], dir: &std::path::Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_zkinfer-serve"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("runs")
}

fn assert_one_line_failure(o: &std::process::Output, code: i32) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(code), "{err}");
    assert!(
        err.starts_with("error: ") && err.trim_end().lines().count() == 1,
        "{err}"
    );
}

#[test]
fn service_end_to_end() {
    let dir = tempdir("api");
    let (key, _) = LogKey::load_or_create(&dir.join("log.key"), "test.example/log").unwrap();
    let log = LogVerifier::load(&dir.join("log.pub")).expect("public key written beside the key");
    let db = dir.join("log.db");
    let a = tiny_model(false);
    let b = tiny_model(true);
    assert_ne!(a.vk.digest, b.vk.digest);
    // 4 MiB: a proof with private weights on the reusable hiding commitment (proof format 9) is
    // about 0.9 MB, twice that in the JSON body.
    let srv = TestServer::start(&db, key.clone(), Some(4 << 20));
    let url = srv.url.clone();

    // Register: 201, then 200 duplicate with the same index.
    let r = register(&url, &a);
    assert_eq!(r.status, 201, "{}", r.text());
    let reg = json_of(&r);
    assert_eq!(reg["model_id"], a.id());
    assert_eq!(reg["index"], 0);
    let r = register(&url, &a);
    assert_eq!(
        (r.status, json_of(&r)["duplicate"].as_bool()),
        (200, Some(true))
    );
    assert_eq!(json_of(&r)["index"], 0);
    assert_eq!(
        get(&url, &format!("/v1/models/{}", a.id())).unwrap().body,
        a.vk_bytes
    );

    // Verify: logged with index 1; the same proof again is a duplicate with the same leaf.
    let (x, proof) = a.proof(1);
    let r = post(
        &url,
        "/v1/verify",
        "application/json",
        &verify_body(&a.id(), &proof, Some(&x)),
    )
    .unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    let v = json_of(&r);
    assert_eq!(
        (
            v["verified"].as_bool(),
            v["index"].as_u64(),
            v["duplicate"].as_bool()
        ),
        (Some(true), Some(1), Some(false))
    );
    let leaf = v["leaf_hash"].as_str().unwrap().to_string();
    let r = post(
        &url,
        "/v1/verify",
        "application/json",
        &verify_body(&a.id(), &proof, None),
    )
    .unwrap();
    let d = json_of(&r);
    assert_eq!(
        (d["index"].as_u64(), d["duplicate"].as_bool()),
        (Some(1), Some(true))
    );
    assert_eq!(d["leaf_hash"].as_str(), Some(leaf.as_str()));
    assert_eq!(size(&url), 2);

    // Bad requests: 4xx, one line, nothing logged.
    let vb = |m: &str, p: &[u8]| verify_body(m, p, None);
    assert_client_error(
        &post(&url, "/v1/verify", "application/json", b"{\"model_id\": ").unwrap(),
        400,
        "malformed JSON",
    );
    assert_client_error(
        &post(&url, "/v1/verify", "application/json", b"[1,2]").unwrap(),
        400,
        "malformed JSON",
    );
    assert_client_error(
        &post(&url, "/v1/verify", "text/plain", &vb(&a.id(), &proof)).unwrap(),
        415,
        "Content-Type must be application/json",
    );
    assert_client_error(
        &post(&url, "/v1/verify", "application/json", &vb(&b.id(), &proof)).unwrap(),
        404,
        "unknown model",
    );
    assert_client_error(
        &post(&url, "/v1/verify", "application/json", &vb("abc", &proof)).unwrap(),
        400,
        "64 hex digits",
    );
    assert_client_error(
        &post(
            &url,
            "/v1/verify",
            "application/json",
            &vb(&a.id(), b"not a proof"),
        )
        .unwrap(),
        400,
        "proof",
    );
    let big = vec![b' '; (4 << 20) + 10];
    assert_client_error(
        &post(&url, "/v1/verify", "application/json", &big).unwrap(),
        413,
        "limit",
    );
    assert_client_error(
        &post(&url, "/v1/models", "application/json", &a.vk_bytes).unwrap(),
        415,
        "application/octet-stream",
    );
    assert_client_error(
        &post(&url, "/v1/models", "application/octet-stream", b"junk").unwrap(),
        400,
        "verifying key",
    );
    // Another model's proof, registered: rejected by the digest binding.
    assert_eq!(register(&url, &b).status, 201);
    assert_client_error(
        &post(&url, "/v1/verify", "application/json", &vb(&b.id(), &proof)).unwrap(),
        422,
        "another model",
    );
    // An invalid proof: a changed output.
    let mut forged = common::decode_proof(&proof);
    forged.output[0] += 1;
    assert_client_error(
        &post(
            &url,
            "/v1/verify",
            "application/json",
            &vb(&a.id(), &forged.to_bytes()),
        )
        .unwrap(),
        422,
        "proof rejected",
    );
    // A wrong public input.
    let wrong: Vec<f32> = x.iter().map(|v| v + 0.5).collect();
    let r = post(
        &url,
        "/v1/verify",
        "application/json",
        &verify_body(&a.id(), &proof, Some(&wrong)),
    )
    .unwrap();
    assert_eq!(r.status, 422, "{}", r.text());
    assert_client_error(&get(&url, "/v1/receipts/99").unwrap(), 404, "no entry 99");
    assert_client_error(&get(&url, "/v1/receipts/-1").unwrap(), 400, "non-negative");
    assert_client_error(
        &get(&url, "/tile/0/001.p/0").unwrap(),
        404,
        "malformed tile path",
    );
    assert_client_error(&get(&url, "/tile/0/000").unwrap(), 404, "beyond the tree");
    assert_client_error(
        &get(&url, "/v1/proofs/consistency?old=2").unwrap(),
        400,
        "missing query parameter `new`",
    );
    assert_client_error(
        &get(&url, "/v1/proofs/consistency?old=3&new=2").unwrap(),
        400,
        "old <= new",
    );
    assert_client_error(&get(&url, "/nope").unwrap(), 404, "no such endpoint");
    assert_eq!(
        size(&url),
        3,
        "only the second model's registration was logged"
    );

    // A second proof, then receipts: verify offline; a changed byte fails.
    let (_, proof2) = a.proof(2);
    let r = post(
        &url,
        "/v1/verify",
        "application/json",
        &vb(&a.id(), &proof2),
    )
    .unwrap();
    assert_eq!(json_of(&r)["index"], 3);
    let text = get(&url, "/v1/receipts/1").unwrap().ok("receipt").unwrap();
    let rec = Receipt::parse(&text).unwrap();
    let ok = rec.verify(&log).expect("receipt verifies offline");
    assert_eq!(zkinfer_serve::merkle::hex(&ok.leaf_hash.0), leaf);
    assert_eq!(ok.checkpoint.size, 4);
    assert_eq!(
        ok.entry.as_ref().map(zkinfer_serve::entry::Entry::kind),
        Some("inference")
    );
    std::fs::write(dir.join("r.txt"), &text).unwrap();
    let mut changed = 0;
    for i in 0..text.len() {
        let mut t = text.clone();
        t[i] ^= 1;
        if Receipt::parse(&t).and_then(|r| r.verify(&log)).is_ok() {
            panic!(
                "receipt with byte {i} changed ({:?}) verified",
                t[i] as char
            );
        }
        changed += 1;
    }
    assert_eq!(changed, text.len());
    // The command line: exit 0, then 9 with a one-line reason for a changed byte.
    let out = cli(
        &[
            "log",
            "verify-receipt",
            "--receipt",
            "r.txt",
            "--log-key",
            "log.pub",
        ],
        &dir,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("receipt OK: entry 1"));
    let mut t = text.clone();
    let at = t.iter().rposition(|&c| c == b'=').unwrap_or(0);
    t[at - 2] ^= 2;
    std::fs::write(dir.join("bad.txt"), &t).unwrap();
    let bad = cli(
        &[
            "log",
            "verify-receipt",
            "--receipt",
            "bad.txt",
            "--log-key",
            "log.pub",
        ],
        &dir,
    );
    assert_one_line_failure(&bad, 9);
    let other = LogVerifier::new(
        LogKey::generate("test.example/log").unwrap().0.public(),
        "other",
    )
    .unwrap();
    assert!(rec.verify(&other).is_err(), "another log key");

    // Read path: checkpoint, tiles, page, metrics.
    let cp = log
        .verify_checkpoint(&get(&url, "/checkpoint").unwrap().ok("cp").unwrap())
        .unwrap();
    assert_eq!(cp.size, 4);
    let tile = get(&url, "/tile/0/000.p/4").unwrap().ok("tile").unwrap();
    assert_eq!(&tile[32..64], &ok.leaf_hash.0);
    let entries = zkinfer_serve::merkle::decode_bundle(
        &get(&url, "/tile/entries/000.p/4").unwrap().ok("e").unwrap(),
    )
    .unwrap();
    assert_eq!(entries.len(), 4);
    let page = get(&url, "/").unwrap().text();
    assert!(
        page.contains(&a.id()) && page.contains("/v1/receipts/3"),
        "{page}"
    );
    let metrics = get(&url, "/metrics").unwrap().text();
    assert!(
        metrics.contains("zkinfer_verify_total{result=\"logged\"} 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("zkinfer_verify_total{result=\"rejected\"} 3"),
        "{metrics}"
    );

    // Monitor: two rounds; then two checkpoints of one size and different roots are a fork.
    let (st, r1) = round(&url, &log, None).expect("first round");
    assert_eq!((r1.old_size, r1.new_size), (0, 4));
    let (_, r2) = round(&url, &log, Some(&st)).expect("second round");
    assert_eq!(r2.new_size, 4);
    let (_, proof3) = a.proof(3);
    post(
        &url,
        "/v1/verify",
        "application/json",
        &vb(&a.id(), &proof3),
    )
    .unwrap()
    .ok("verify")
    .unwrap();
    let (st5, r3) = round(&url, &log, Some(&st)).expect("grows consistently");
    assert_eq!((r3.old_size, r3.new_size), (4, 5));
    drop(srv);

    let out = cli(&["log", "fsck", "--db", "log.db"], &dir);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("fsck OK: 5 entries"),
        "{out:?}"
    );
    // fsck passes; a forked log with the same key (another history of the same size) is caught.
    zkinfer_serve::fsck::fsck(&db).expect("fsck passes");
    let fork_db = dir.join("fork.db");
    let fork = TestServer::start(&fork_db, key.clone(), None);
    register(&fork.url, &b).ok("reg").unwrap();
    register(&fork.url, &a).ok("reg").unwrap();
    for s in [1, 2, 4] {
        let (_, p) = a.proof(s);
        post(
            &fork.url,
            "/v1/verify",
            "application/json",
            &vb(&a.id(), &p),
        )
        .unwrap()
        .ok("v")
        .unwrap();
    }
    let e = round(&fork.url, &log, Some(&st5)).expect_err("fork detected");
    assert!(matches!(e, Error::Fork { size: 5, .. }), "{e}");
    assert_eq!(e.exit_code(), 8);
    let fork_cp = log
        .verify_checkpoint(&get(&fork.url, "/checkpoint").unwrap().ok("cp").unwrap())
        .unwrap();
    let main_cp = log.verify_checkpoint(st5.checkpoint.as_bytes()).unwrap();
    assert!(matches!(
        check_same_size(&main_cp, &fork_cp),
        Err(Error::Fork { .. })
    ));
    let e = round(&fork.url, &log, Some(&st)).expect_err("history rewritten");
    assert!(
        matches!(e, Error::Consistency { .. } | Error::Entries(_)),
        "{e}"
    );
    drop(fork);

    // A tampered database byte: one character of entry 1's stored bytes, changed in the file.
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
    }
    let needle = format!(
        "\"proof_sha256\":\"{}",
        zkinfer_serve::entry::sha256_hex(&proof)
    );
    let mut file = std::fs::read(&db).unwrap();
    let at = file
        .windows(needle.len())
        .position(|w| w == needle.as_bytes())
        .expect("entry bytes in the file");
    let pos = at + needle.len() - 1;
    file[pos] = if file[pos] == b'0' { b'1' } else { b'0' };
    std::fs::write(&db, &file).unwrap();
    let e = zkinfer_serve::fsck::fsck(&db).expect_err("fsck catches the tampered byte");
    assert!(e.to_string().contains("entry 1"), "{e}");
    assert_one_line_failure(&cli(&["log", "fsck", "--db", "log.db"], &dir), 9);
    // The server still starts (the hashes agree with the stored root) but a monitor that
    // re-hashes the entries catches it.
    let srv = TestServer::start(&db, key, None);
    let e = round(&srv.url, &log, None).expect_err("monitor catches the tampered byte");
    assert!(matches!(e, Error::Entries(_)), "{e}");
    // A receipt for the tampered entry no longer verifies.
    let text = get(&srv.url, "/v1/receipts/1")
        .unwrap()
        .ok("receipt")
        .unwrap();
    assert!(Receipt::parse(&text).unwrap().verify(&log).is_err());
}
