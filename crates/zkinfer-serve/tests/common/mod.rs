//! Shared test helpers: tiny models with real keys and proofs, temporary directories, an
//! in-process server.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use zkinfer::{ProverKey, compile_graph, prove, setup};
use zkinfer_model::builder::OnnxBuilder;
use zkinfer_model::{ImportOptions, QuantConfig, import_onnx};
use zkinfer_proof::{InputVisibility, Proof, VerifyingKey, ZkFile};
use zkinfer_serve::note::LogKey;
use zkinfer_serve::server::{AppState, DEFAULT_MAX_BODY, run};

/// A model ready to prove: its keys and input length.
pub struct Model {
    pub pk: ProverKey,
    pub vk: VerifyingKey,
    pub vk_bytes: Vec<u8>,
    pub inputs: usize,
}

/// `n` values in [-1, 1) from a seeded LCG.
pub fn sample(seed: u64, n: usize) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

/// A tiny model (one Gemm `8 → 4`, with a ReLU when `relu`): proofs take milliseconds.
pub fn tiny_model(relu: bool) -> Model {
    let mut b = OnnxBuilder::new(&[1, 8]);
    let mut y = b.gemm("input", 8, 4);
    if relu {
        y = b.node("Relu", &[&y], vec![]);
    }
    let onnx = b.build(&y);
    let graph = import_onnx(&onnx, &ImportOptions::default()).expect("imports");
    let samples: Vec<Vec<f32>> = (1..=4).map(|s| sample(s, 8)).collect();
    let cal = zkinfer_model::calibrate(&graph, &samples, &QuantConfig::default()).expect("cal");
    let model = compile_graph(&graph, &cal, InputVisibility::Public).expect("compiles");
    let (pk, vk) = setup(&model).expect("setup");
    let vk_bytes = vk.to_bytes();
    Model {
        pk,
        vk,
        vk_bytes,
        inputs: 8,
    }
}

impl Model {
    /// A proof on the input of `seed`, as file bytes.
    pub fn proof(&self, seed: u64) -> (Vec<f32>, Vec<u8>) {
        let x = sample(seed, self.inputs);
        let (proof, _) = prove(&self.pk, &x).expect("proves");
        (x, proof.to_bytes())
    }

    /// The model id (hex).
    pub fn id(&self) -> String {
        zkinfer_serve::merkle::hex(&self.vk.digest)
    }
}

/// Decodes a proof file.
pub fn decode_proof(bytes: &[u8]) -> Proof {
    Proof::from_bytes(bytes).expect("decodes")
}

/// A fresh temporary directory.
pub fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("zkinfer-serve-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("mkdir");
    d
}

/// A server running in this process on a free port; stops when dropped.
pub struct TestServer {
    pub url: String,
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TestServer {
    /// Serves the log at `db` with `key`.
    pub fn start(db: &Path, key: LogKey, max_body: Option<usize>) -> Self {
        let state: Arc<AppState> =
            AppState::open(db, key, max_body.unwrap_or(DEFAULT_MAX_BODY)).expect("opens");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let l = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("binds");
                tx.send(l.local_addr().expect("addr")).expect("sends");
                run(l, state, async {
                    let _ = stopped.await;
                })
                .await
                .expect("serves");
            });
        });
        let addr = rx.recv().expect("address");
        Self {
            url: format!("http://{addr}"),
            addr,
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
