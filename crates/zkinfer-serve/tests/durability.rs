//! Durability under SIGKILL: a server process on 127.0.0.1 is killed at random points while
//! clients append, restarted, again and again. Afterwards every acknowledged index must still hold
//! its leaf (its receipt verifies and names the acknowledged leaf hash), every checkpoint served
//! must be consistent with the next one seen, and `fsck` must pass.
//!
//! CI runs a short version (`ZKINFER_DURABILITY_SECS`, default 15 s). The longer run for the figures:
//! `ZKINFER_DURABILITY_SECS=120 ZKINFER_DURABILITY_PROOFS=2000 cargo test --release -p zkinfer-serve
//! --test durability -- --nocapture`.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use zkinfer_serve::client::{get, post};
use zkinfer_serve::merkle::{Hash, check_consistency, hex};
use zkinfer_serve::note::{LogKey, LogVerifier};
use zkinfer_serve::receipt::Receipt;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn start(db: &std::path::Path, key: &std::path::Path, port: u16) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zkinfer-serve"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .arg("--db")
        .arg(db)
        .arg("--key")
        .arg(key)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("server starts");
    let mut line = String::new();
    let out = child.stdout.take().expect("stdout");
    BufReader::new(out).read_line(&mut line).expect("reads");
    assert!(line.starts_with("listening on"), "server said: {line}");
    child
}

struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

#[test]
fn sigkill_during_appends_loses_no_acknowledged_entry() {
    let secs = env("ZKINFER_DURABILITY_SECS", 15);
    let n_proofs = env("ZKINFER_DURABILITY_PROOFS", 40) as usize;
    let clients = env("ZKINFER_DURABILITY_CLIENTS", 4) as usize;
    let dir = common::tempdir("durability");
    let (db, key_path) = (dir.join("log.db"), dir.join("log.key"));
    LogKey::load_or_create(&key_path, "durability.test/log").expect("key");
    let log = LogVerifier::load(&dir.join("log.pub")).expect("pub");

    // Distinct proofs of a tiny model, made up front on two threads.
    let model = Arc::new(common::tiny_model(false));
    let t = Instant::now();
    let halves: Vec<_> = (0..2)
        .map(|h| {
            let m = Arc::clone(&model);
            std::thread::spawn(move || {
                (0..n_proofs)
                    .filter(|i| i % 2 == h)
                    .map(|i| m.proof(i as u64 + 1).1)
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let proofs: Arc<Vec<Vec<u8>>> =
        Arc::new(halves.into_iter().flat_map(|h| h.join().unwrap()).collect());
    eprintln!(
        "{} proofs made in {:.1} s",
        proofs.len(),
        t.elapsed().as_secs_f64()
    );

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let mut server = start(&db, &key_path, port);
    post(
        &url,
        "/v1/models",
        "application/octet-stream",
        &model.vk_bytes,
    )
    .unwrap()
    .ok("register")
    .unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let next = Arc::new(AtomicUsize::new(0));
    // (proof number, index, leaf hash hex) of every acknowledged append; latencies in µs.
    let acks: Arc<Mutex<Vec<(usize, u64, String)>>> = Arc::default();
    let lat: Arc<Mutex<Vec<u64>>> = Arc::default();
    let errors = Arc::new(AtomicUsize::new(0));
    let id = model.id();
    let workers: Vec<_> = (0..clients)
        .map(|_| {
            let (stop, next, acks, lat, errors, proofs, url, id) = (
                stop.clone(),
                next.clone(),
                acks.clone(),
                lat.clone(),
                errors.clone(),
                proofs.clone(),
                url.clone(),
                id.clone(),
            );
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let k = next.fetch_add(1, Ordering::Relaxed) % proofs.len();
                    let body = serde_json::json!({"model_id": id, "proof": B64.encode(&proofs[k])})
                        .to_string();
                    let t = Instant::now();
                    match post(&url, "/v1/verify", "application/json", body.as_bytes()) {
                        Ok(r) if r.status == 200 => {
                            let v: serde_json::Value =
                                serde_json::from_slice(&r.body).expect("json");
                            lat.lock().unwrap().push(t.elapsed().as_micros() as u64);
                            acks.lock().unwrap().push((
                                k,
                                v["index"].as_u64().expect("index"),
                                v["leaf_hash"].as_str().expect("leaf").to_string(),
                            ));
                        }
                        Ok(r) => panic!("unexpected answer {}: {}", r.status, r.text()),
                        Err(_) => {
                            errors.fetch_add(1, Ordering::Relaxed);
                            std::thread::sleep(Duration::from_millis(10));
                        }
                    }
                }
            })
        })
        .collect();
    // Checkpoints seen, in order.
    let seen: Arc<Mutex<Vec<(u64, Hash)>>> = Arc::default();
    let poller = {
        let (stop, seen, url, log) = (stop.clone(), seen.clone(), url.clone(), log.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                if let Ok(r) = get(&url, "/checkpoint")
                    && r.status == 200
                {
                    let cp = log
                        .verify_checkpoint(&r.body)
                        .expect("every served checkpoint is signed");
                    seen.lock().unwrap().push((cp.size, cp.root));
                }
                std::thread::sleep(Duration::from_millis(25));
            }
        })
    };

    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    eprintln!("kill schedule seed {seed}");
    let mut rng = Lcg(seed);
    let t0 = Instant::now();
    let mut kills = 0;
    while t0.elapsed() < Duration::from_secs(secs) {
        std::thread::sleep(Duration::from_millis(100 + rng.next(900)));
        server.kill().expect("SIGKILL");
        server.wait().expect("reaped");
        kills += 1;
        server = start(&db, &key_path, port);
    }
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join().expect("client");
    }
    poller.join().expect("poller");
    let elapsed = t0.elapsed().as_secs_f64() + 0.3;

    // Every acknowledged index holds its leaf; one proof always maps to one index.
    let acks = acks.lock().unwrap().clone();
    let mut by_proof = std::collections::HashMap::new();
    let mut lost = 0;
    for (k, index, leaf) in &acks {
        if let Some(prev) = by_proof.insert(*k, (*index, leaf.clone())) {
            assert_eq!(
                prev,
                (*index, leaf.clone()),
                "proof {k} acknowledged at two places"
            );
        }
    }
    for (index, leaf) in by_proof.values() {
        let text = get(&url, &format!("/v1/receipts/{index}"))
            .unwrap()
            .ok("receipt")
            .unwrap();
        match Receipt::parse(&text).and_then(|r| r.verify(&log)) {
            Ok(v) if hex(&v.leaf_hash.0) == *leaf => {}
            _ => lost += 1,
        }
    }
    // Every checkpoint seen is consistent with the next.
    let seen = seen.lock().unwrap().clone();
    for w in seen.windows(2) {
        let ((s1, r1), (s2, r2)) = (w[0], w[1]);
        assert!(s2 >= s1, "a checkpoint of size {s2} after one of size {s1}");
        let v: serde_json::Value = serde_json::from_slice(
            &get(&url, &format!("/v1/proofs/consistency?old={s1}&new={s2}"))
                .unwrap()
                .ok("proof")
                .unwrap(),
        )
        .unwrap();
        let proof: Vec<Hash> = v["proof"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| Hash::parse_hash(h.as_str().unwrap()).unwrap())
            .collect();
        check_consistency(&proof, s1, r1, s2, r2)
            .unwrap_or_else(|e| panic!("checkpoints {s1} -> {s2}: {e}"));
    }
    server.kill().expect("stop");
    server.wait().expect("reaped");
    zkinfer_serve::fsck::fsck(&db).expect("fsck after the kills");

    let mut lat = lat.lock().unwrap().clone();
    lat.sort_unstable();
    let pct = |p: f64| {
        lat.get(((lat.len() as f64 - 1.0) * p) as usize)
            .copied()
            .unwrap_or(0) as f64
            / 1e3
    };
    let size = seen.last().map_or(0, |s| s.0);
    println!(
        "durability: {secs} s, {kills} SIGKILLs survived, {} acknowledged verifies ({} distinct entries, {:.1} verifies/s), \
         p50 {:.1} ms, p99 {:.1} ms, {} failed connections retried, {} checkpoints checked pairwise, final size {size}, lost {lost}",
        acks.len(),
        by_proof.len(),
        acks.len() as f64 / elapsed,
        pct(0.5),
        pct(0.99),
        errors.load(Ordering::Relaxed),
        seen.len(),
    );
    assert!(kills >= 3, "at least three kills");
    assert!(!acks.is_empty(), "some appends were acknowledged");
    assert_eq!(lost, 0, "acknowledged entries lost");
}
