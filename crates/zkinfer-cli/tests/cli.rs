//! The `zkinfer` binary: the pipeline on the bundled digits model, and every kind of bad input —
//! a one-line message and a distinct non-zero exit code, no panic.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn zk(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zkinfer"))
        .current_dir(dir)
        .arg("--quiet")
        .args(args)
        .output()
        .expect("runs")
}

/// Runs `zkinfer` and asserts it succeeds; its standard output.
fn zk_ok(dir: &Path, args: &[&str]) -> String {
    let o = zk(dir, args);
    assert!(o.status.success(), "{}", stderr(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn assert_fails(o: &Output, code: i32, needle: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(code), "stderr: {err}");
    assert!(err.starts_with("error: "), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(err.contains(needle), "expected `{needle}` in: {err}");
    assert!(!err.contains("panicked"), "{err}");
}

fn workdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("zkinfer-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("model.onnx"), zkinfer::DIGITS_ONNX).unwrap();
    let test = zkinfer::digits_test().unwrap();
    let rows = |n: usize| serde_json::json!({ "input_data": test.inputs.iter().take(n).collect::<Vec<_>>() });
    std::fs::write(d.join("samples.json"), rows(16).to_string()).unwrap();
    std::fs::write(d.join("input.json"), rows(1).to_string()).unwrap();
    d
}

/// `calibrate` on the samples, then `compile` into `model.zkc`, in `d` (a [`workdir`]).
fn calibrate_and_compile(d: &Path) {
    zk_ok(
        d,
        &[
            "calibrate",
            "model.onnx",
            "--data",
            "samples.json",
            "-o",
            "settings.json",
        ],
    );
    zk_ok(
        d,
        &[
            "compile",
            "model.onnx",
            "--settings",
            "settings.json",
            "-o",
            "model.zkc",
        ],
    );
}

/// calibrate → compile → setup → prove → verify, then tampering and bad inputs on the results.
#[test]
fn pipeline_and_bad_inputs() {
    let d = workdir("pipeline");
    let ok = |o: Output| {
        assert!(o.status.success(), "{}", stderr(&o));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    calibrate_and_compile(&d);
    // The cost model's memory check: refused before setup under a 1 MiB limit (exit 5, naming
    // the override), no key written; a limit of 0 skips the check.
    assert_fails(
        &zk(
            &d,
            &[
                "setup",
                "model.zkc",
                "--pk",
                "small.pk",
                "--vk",
                "small.vk",
                "--memory-limit-mib",
                "1",
            ],
        ),
        5,
        "--memory-limit-mib",
    );
    assert!(!d.join("small.pk").exists());
    ok(zk(
        &d,
        &[
            "setup",
            "model.zkc",
            "--pk",
            "model.pk",
            "--vk",
            "model.vk",
            "--memory-limit-mib",
            "0",
        ],
    ));
    ok(zk(
        &d,
        &["setup", "model.zkc", "--pk", "model.pk", "--vk", "model.vk"],
    ));
    let proved = ok(zk(
        &d,
        &[
            "prove",
            "--pk",
            "model.pk",
            "--input",
            "input.json",
            "-o",
            "proof.zkp",
            "--output-json",
            "out.json",
        ],
    ));
    // The terminal shows the shape and the first values, not the whole tensor.
    assert!(proved.contains("output shape [1, 10]"), "{proved}");
    assert!(proved.contains("… 2 more]"), "{proved}");
    let out: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("out.json")).unwrap()).unwrap();
    assert_eq!(out["output_data"][0].as_array().unwrap().len(), 10);
    assert_eq!(out["output_ints"].as_array().unwrap().len(), 10);
    let v = ok(zk(
        &d,
        &[
            "verify",
            "--vk",
            "model.vk",
            "--proof",
            "proof.zkp",
            "--input",
            "input.json",
        ],
    ));
    assert!(v.starts_with("verified"), "{v}");
    let j = ok(zk(
        &d,
        &[
            "--json",
            "verify",
            "--vk",
            "model.vk",
            "--proof",
            "proof.zkp",
        ],
    ));
    let j: serde_json::Value = serde_json::from_str(j.trim()).unwrap();
    assert_eq!(j["ok"], true);
    // Verified without the input file, the output still names the input that was proved.
    let digest = j["output"]["input_digest"].as_str().unwrap();
    assert_eq!(digest.len(), 64);
    assert_eq!(out["input_digest"].as_str(), Some(digest));

    // A tampered proof: flip bytes in the middle and near the end.
    let proof = std::fs::read(d.join("proof.zkp")).unwrap();
    for pos in [proof.len() / 2, proof.len() - 40] {
        let mut p = proof.clone();
        p[pos] ^= 0x10;
        std::fs::write(d.join("bad.zkp"), &p).unwrap();
        let o = zk(&d, &["verify", "--vk", "model.vk", "--proof", "bad.zkp"]);
        assert!(
            o.status.code() == Some(7) || o.status.code() == Some(3),
            "tampered proof: {:?} {}",
            o.status,
            stderr(&o)
        );
        assert!(!stderr(&o).contains("panicked"));
    }
    // The proof for another input.
    let test = zkinfer::digits_test().unwrap();
    std::fs::write(
        d.join("other.json"),
        serde_json::json!({"input_data": [test.inputs[1]]}).to_string(),
    )
    .unwrap();
    assert_fails(
        &zk(
            &d,
            &[
                "verify",
                "--vk",
                "model.vk",
                "--proof",
                "proof.zkp",
                "--input",
                "other.json",
            ],
        ),
        7,
        "different input",
    );
    // A proof for another model: the same architecture calibrated differently.
    ok(zk(
        &d,
        &[
            "compile",
            "model.onnx",
            "--data",
            "input.json",
            "-o",
            "other.zkc",
        ],
    ));
    ok(zk(
        &d,
        &["setup", "other.zkc", "--pk", "other.pk", "--vk", "other.vk"],
    ));
    assert_fails(
        &zk(&d, &["verify", "--vk", "other.vk", "--proof", "proof.zkp"]),
        7,
        "another model",
    );

    // Missing file, wrong kind, wrong version, truncated.
    assert_fails(
        &zk(&d, &["verify", "--vk", "nope.vk", "--proof", "proof.zkp"]),
        2,
        "nope.vk",
    );
    assert_fails(
        &zk(&d, &["verify", "--vk", "model.vk", "--proof", "model.vk"]),
        3,
        "not a zkinfer proof file",
    );
    let mut vk = std::fs::read(d.join("model.vk")).unwrap();
    vk[8] = 42;
    std::fs::write(d.join("v42.vk"), &vk).unwrap();
    assert_fails(
        &zk(&d, &["verify", "--vk", "v42.vk", "--proof", "proof.zkp"]),
        3,
        "format version 42",
    );
    std::fs::write(d.join("short.zkp"), &proof[..proof.len() / 3]).unwrap();
    assert_fails(
        &zk(&d, &["verify", "--vk", "model.vk", "--proof", "short.zkp"]),
        3,
        "corrupted or truncated",
    );

    // Malformed JSON, wrong length, a value far out of range.
    std::fs::write(d.join("bad.json"), "{\"input_data\": [[1, 2,").unwrap();
    assert_fails(
        &zk(&d, &["prove", "--pk", "model.pk", "--input", "bad.json"]),
        4,
        "bad.json",
    );
    std::fs::write(d.join("short.json"), "{\"input_data\": [[0.5, 0.25]]}").unwrap();
    assert_fails(
        &zk(&d, &["prove", "--pk", "model.pk", "--input", "short.json"]),
        4,
        "64",
    );
    let big: Vec<f32> = vec![1e30; 64];
    std::fs::write(
        d.join("big.json"),
        serde_json::json!({"input_data": [big]}).to_string(),
    )
    .unwrap();
    assert_fails(
        &zk(&d, &["prove", "--pk", "model.pk", "--input", "big.json"]),
        4,
        "range",
    );
    std::fs::write(d.join("nan.json"), "{\"input_data\": [[null]]}").unwrap();
    let o = zk(&d, &["prove", "--pk", "model.pk", "--input", "nan.json"]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    // compile without settings or data.
    assert_fails(&zk(&d, &["compile", "model.onnx"]), 4, "--settings");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn unsupported_ops_are_named() {
    let d = workdir("unsupported");
    // An op the importer does not know.
    let mut b = zkinfer_model::builder::OnnxBuilder::new(&[1, 8]);
    let y = b.gemm("input", 8, 4);
    let y = b.node("Cos", &[&y], vec![]);
    std::fs::write(d.join("cos.onnx"), b.build(&y)).unwrap();
    std::fs::write(
        d.join("x.json"),
        "{\"input_data\": [[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]]}",
    )
    .unwrap();
    assert_fails(
        &zk(&d, &["compile", "cos.onnx", "--data", "x.json"]),
        5,
        "Cos",
    );
    assert_fails(&zk(&d, &["inspect", "cos.onnx"]), 5, "Cos");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn demo_runs_and_reports_accuracy() {
    let o = Command::new(env!("CARGO_BIN_EXE_zkinfer"))
        .args(["--json", "demo"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let j: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&o.stdout).trim()).unwrap();
    let acc = j["accuracy_quantized"].as_f64().unwrap();
    let facc = j["accuracy_float"].as_f64().unwrap();
    assert!(facc > 0.95, "float accuracy {facc}");
    assert!(
        (acc - facc).abs() <= 0.02,
        "quantized {acc} vs float {facc}"
    );
    // The proven digit is one the model classifies correctly, and the float model agrees.
    assert_eq!(j["predicted"], j["label"]);
    assert_eq!(j["predicted"], j["float_predicted"]);
    assert!(j["proof_bytes"].as_u64().unwrap() > 0);
}

/// With a committed input, `verify --input` is refused (the verifier never sees the input, so the file
/// cannot be checked) instead of printing "verified" whatever the file holds.
#[test]
fn verify_refuses_an_input_file_for_a_committed_input() {
    let d = workdir("committed");
    let run = |args: &[&str]| zk_ok(&d, args);
    run(&["calibrate", "model.onnx", "--data", "samples.json"]);
    run(&[
        "compile",
        "model.onnx",
        "--settings",
        "settings.json",
        "--input-visibility",
        "committed",
    ]);
    run(&["setup", "model.zkc"]);
    let proved = run(&["prove", "--pk", "model.pk", "--input", "input.json"]);
    assert!(!proved.contains("public input"), "{proved}");
    let verified = run(&["verify", "--vk", "model.vk", "--proof", "proof.zkp"]);
    assert!(verified.starts_with("verified"), "{verified}");
    assert!(!verified.contains("public input"), "{verified}");
    assert_fails(
        &zk(
            &d,
            &[
                "verify",
                "--vk",
                "model.vk",
                "--proof",
                "proof.zkp",
                "--input",
                "input.json",
            ],
        ),
        4,
        "not public",
    );
}

/// A hashed input and output: the proof carries neither; the holders check the commitments with
/// the openings `prove --opening-out` wrote; a changed input is refused. Then public weights.
#[test]
fn hashed_input_and_output_are_checked_with_the_opening() {
    let d = workdir("hashed");
    let run = |args: &[&str]| zk_ok(&d, args);
    run(&["calibrate", "model.onnx", "--data", "samples.json"]);
    run(&[
        "compile",
        "model.onnx",
        "--settings",
        "settings.json",
        "--input-visibility",
        "hashed",
        "--output-visibility",
        "hashed",
        "--weights-visibility",
        "private",
    ]);
    run(&["setup", "model.zkc"]);
    run(&[
        "prove",
        "--pk",
        "model.pk",
        "--input",
        "input.json",
        "--output-json",
        "out.json",
        "--opening-out",
        "opening.json",
    ]);
    let verified = run(&["verify", "--vk", "model.vk", "--proof", "proof.zkp"]);
    assert!(verified.contains("hashed input commitment"), "{verified}");
    assert!(verified.contains("private"), "{verified}");
    let check = |extra: &[&str]| {
        let mut a = vec![
            "check-commitment",
            "--vk",
            "model.vk",
            "--proof",
            "proof.zkp",
            "--opening",
            "opening.json",
        ];
        a.extend_from_slice(extra);
        zk(&d, &a)
    };
    let ok = check(&["--input", "input.json"]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("holds this input"));
    let ok = check(&["--output", "out.json"]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    // Another input: refused.
    let test = zkinfer::digits_test().unwrap();
    let other = serde_json::json!({ "input_data": [test.inputs[1].clone()] });
    std::fs::write(d.join("other.json"), other.to_string()).unwrap();
    let bad = check(&["--input", "other.json"]);
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("differs"), "{}", stderr(&bad));

    // Public weights: the verifying key carries them; the pipeline runs as usual.
    run(&[
        "compile",
        "model.onnx",
        "--settings",
        "settings.json",
        "--weights-visibility",
        "public",
        "-o",
        "public.zkc",
    ]);
    run(&[
        "setup",
        "public.zkc",
        "--pk",
        "public.pk",
        "--vk",
        "public.vk",
    ]);
    run(&[
        "prove",
        "--pk",
        "public.pk",
        "--input",
        "input.json",
        "-o",
        "public.zkp",
    ]);
    let v = run(&[
        "verify",
        "--vk",
        "public.vk",
        "--proof",
        "public.zkp",
        "--input",
        "input.json",
    ]);
    assert!(v.starts_with("verified"), "{v}");
    let private_vk = std::fs::metadata(d.join("model.vk")).unwrap().len();
    let public_vk = std::fs::metadata(d.join("public.vk")).unwrap().len();
    assert!(
        public_vk > private_vk,
        "the public-weights key carries the weights"
    );
}

/// A language model fed token ids (`scripts/make_gpt2_ids.py`'s 2-layer GPT-2): the whole CLI
/// flow with `{"input_data": [[ids…]]}`, the proven next token equal to onnxruntime's; an id
/// outside the vocabulary, a fractional id and private ids refused with one line each.
#[test]
fn token_id_input_flow() {
    let fx = Path::new(env!("CARGO_MANIFEST_DIR")).join("../zkinfer-model/tests/fixtures");
    let d = std::env::temp_dir().join(format!("zkinfer-cli-ids-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    for f in ["onnx", "input.json", "calib.json", "expected.json"] {
        std::fs::copy(
            fx.join(format!("gpt2_ids.{f}")),
            d.join(format!("gpt2_ids.{f}")),
        )
        .unwrap();
    }
    let calib = [
        "calibrate",
        "gpt2_ids.onnx",
        "--data",
        "gpt2_ids.calib.json",
    ];
    zk_ok(&d, &[&calib[..], &["-o", "settings.json"]].concat());
    let compile = [
        "compile",
        "gpt2_ids.onnx",
        "--settings",
        "settings.json",
        "-o",
    ];
    zk_ok(&d, &[&compile[..], &["gpt2.zkc"]].concat());
    zk_ok(
        &d,
        &["setup", "gpt2.zkc", "--pk", "gpt2.pk", "--vk", "gpt2.vk"],
    );
    let prove = |input: &str| {
        zk(
            &d,
            &[
                "prove",
                "--pk",
                "gpt2.pk",
                "--input",
                input,
                "-o",
                "proof.zkp",
                "--output-json",
                "out.json",
            ],
        )
    };
    let o = prove("gpt2_ids.input.json");
    assert!(o.status.success(), "{}", stderr(&o));
    let out: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("out.json")).unwrap()).unwrap();
    let logits: Vec<f32> = out["output_data"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap() as f32)
        .collect();
    assert_eq!(logits.len(), 16 * 512);
    let exp: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("gpt2_ids.expected.json")).unwrap())
            .unwrap();
    let next = zkinfer_model::argmax(&logits[15 * 512..]);
    assert_eq!(next as u64, exp["next_token"].as_u64().unwrap());
    let v = zk_ok(
        &d,
        &[
            "verify",
            "--vk",
            "gpt2.vk",
            "--proof",
            "proof.zkp",
            "--input",
            "gpt2_ids.input.json",
        ],
    );
    assert!(v.starts_with("verified"), "{v}");
    // Bad ids: one line, exit code 4, naming the id and its position.
    let ids: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("gpt2_ids.input.json")).unwrap())
            .unwrap();
    let with = |pos: usize, v: serde_json::Value, file: &str| {
        let mut x = ids.clone();
        x["input_data"][0][pos] = v;
        std::fs::write(d.join(file), x.to_string()).unwrap();
    };
    with(9, serde_json::json!(512), "oov.json");
    with(2, serde_json::json!(7.5), "frac.json");
    assert_fails(&prove("oov.json"), 4, "token id 512 at position 9");
    assert_fails(&prove("frac.json"), 4, "position 2 holds 7.5");
    let o = zk(
        &d,
        &[
            "verify",
            "--vk",
            "gpt2.vk",
            "--proof",
            "proof.zkp",
            "--input",
            "oov.json",
        ],
    );
    assert_fails(&o, 4, "outside the vocabulary");
    // Private ids: refused at compile, exit code 5.
    let o = zk(
        &d,
        &[&compile[..], &["p.zkc", "--input-visibility", "private"]].concat(),
    );
    assert_fails(&o, 5, "not supported yet");
}

/// `zkinfer setup --max-proofs N`: the private weights' commitment covers N proofs; `prove`
/// counts them beside the key (`model.pk.uses`) and refuses the one after the last, naming the
/// fix; a new setup resets the count.
#[test]
fn the_proof_after_the_last_covered_one_is_refused() {
    let d = workdir("uses");
    calibrate_and_compile(&d);
    let setup = ["setup", "model.zkc", "--max-proofs", "2"];
    zk_ok(&d, &setup);
    let prove = [
        "prove",
        "--pk",
        "model.pk",
        "--input",
        "input.json",
        "-o",
        "proof.zkp",
    ];
    for n in 1..=2 {
        zk_ok(&d, &prove);
        let count = std::fs::read_to_string(d.join("model.pk.uses")).unwrap();
        assert!(count.trim_end().ends_with(&format!(" {n}")), "{count}");
        zk_ok(
            &d,
            &[
                "verify",
                "--vk",
                "model.vk",
                "--proof",
                "proof.zkp",
                "--input",
                "input.json",
            ],
        );
    }
    assert_fails(&zk(&d, &prove), 4, "covers 2 proofs and all are spent");
    assert_fails(&zk(&d, &prove), 4, "--max-proofs");
    // A held lock is an error, not a second count.
    std::fs::write(d.join("model.pk.uses.lock"), b"").unwrap();
    assert_fails(&zk(&d, &prove), 4, "another `zkinfer prove`");
    std::fs::remove_file(d.join("model.pk.uses.lock")).unwrap();
    // A new key starts a new count.
    zk_ok(&d, &setup);
    assert!(!d.join("model.pk.uses").exists());
    zk_ok(&d, &prove);

    // The key keeps the weights commitment's tree by default; `--weights-data seed` keeps only
    // the seed (a small key whose proofs re-derive the commitment). Both prove and verify.
    zk_ok(
        &d,
        &[
            "setup",
            "model.zkc",
            "--pk",
            "seed.pk",
            "--vk",
            "seed.vk",
            "--weights-data",
            "seed",
        ],
    );
    let stored = std::fs::metadata(d.join("model.pk")).unwrap().len();
    let seed = std::fs::metadata(d.join("seed.pk")).unwrap().len();
    assert!(
        seed * 4 < stored,
        "seed-only key {seed} B, stored {stored} B"
    );
    zk_ok(
        &d,
        &[
            "prove",
            "--pk",
            "seed.pk",
            "--input",
            "input.json",
            "-o",
            "seed.zkp",
        ],
    );
    let verify_seed = [
        "verify",
        "--vk",
        "seed.vk",
        "--proof",
        "seed.zkp",
        "--input",
        "input.json",
    ];
    zk_ok(&d, &verify_seed);
    // The other key's proof is rejected (exit 7).
    let cross = [
        "verify",
        "--vk",
        "model.vk",
        "--proof",
        "seed.zkp",
        "--input",
        "input.json",
    ];
    assert_eq!(zk(&d, &cross).status.code(), Some(7));
    assert_eq!(
        zk(&d, &["setup", "model.zkc", "--weights-data", "all"])
            .status
            .code(),
        Some(2)
    );
}

/// `prove` with several inputs: one proof per input, each written where its `-o` says, each
/// verifying against its own input only, each counted against the key's budget; mismatched
/// counts of `-o` / `--output-json` and a repeated `-o` are refused before anything is proved.
#[test]
fn several_inputs_are_proved_in_one_process() {
    let d = workdir("batch");
    calibrate_and_compile(&d);
    zk_ok(&d, &["setup", "model.zkc", "--max-proofs", "8"]);
    // Three different digits, one file each.
    let test = zkinfer::digits_test().unwrap();
    for (i, x) in test.inputs.iter().skip(1).take(3).enumerate() {
        let row = serde_json::json!({ "input_data": [x] });
        std::fs::write(d.join(format!("x{i}.json")), row.to_string()).unwrap();
    }
    let mut args = vec!["prove", "--pk", "model.pk"];
    let names: Vec<[String; 3]> = (0..3)
        .map(|i| {
            [
                format!("x{i}.json"),
                format!("p{i}.zkp"),
                format!("o{i}.json"),
            ]
        })
        .collect();
    for [x, p, o] in &names {
        args.extend(["--input", x, "-o", p, "--output-json", o]);
    }
    let mut json_args = vec!["--json"];
    json_args.extend(&args);
    let printed = zk_ok(&d, &json_args);
    let lines: Vec<serde_json::Value> = printed
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3, "{printed}");
    for (line, [x, p, _]) in lines.iter().zip(&names) {
        assert_eq!(line["ok"], true);
        assert_eq!(line["input"], x.as_str());
        assert_eq!(line["proof"], p.as_str());
    }
    let count = std::fs::read_to_string(d.join("model.pk.uses")).unwrap();
    assert!(count.trim_end().ends_with(" 3"), "{count}");
    // Each proof verifies with its own input, and its output is the one written beside it.
    let outputs: Vec<String> = (0..3)
        .map(|i| std::fs::read_to_string(d.join(format!("o{i}.json"))).unwrap())
        .collect();
    assert!(
        outputs[0] != outputs[1] || outputs[1] != outputs[2],
        "three equal outputs"
    );
    for (i, [x, p, _]) in names.iter().enumerate() {
        zk_ok(
            &d,
            &["verify", "--vk", "model.vk", "--proof", p, "--input", x],
        );
        let other = &names[(i + 1) % 3][0];
        let o = zk(
            &d,
            &["verify", "--vk", "model.vk", "--proof", p, "--input", other],
        );
        assert!(!o.status.success(), "p{i} verified with another input");
    }
    // Refused before proving: nothing more is counted.
    let two_in_one_out = [
        "prove", "--pk", "model.pk", "--input", "x0.json", "--input", "x1.json", "-o", "a.zkp",
    ];
    assert_fails(&zk(&d, &two_in_one_out), 4, "once per input");
    let two_json = [
        "prove",
        "--pk",
        "model.pk",
        "--input",
        "x0.json",
        "-o",
        "a.zkp",
        "--input",
        "x1.json",
        "-o",
        "b.zkp",
        "--output-json",
        "a.json",
    ];
    assert_fails(&zk(&d, &two_json), 4, "--output-json");
    let same_out = [
        "prove", "--pk", "model.pk", "--input", "x0.json", "-o", "a.zkp", "--input", "x1.json",
        "-o", "a.zkp",
    ];
    assert_fails(&zk(&d, &same_out), 4, "given twice");
    assert!(!d.join("a.zkp").exists());
    let count = std::fs::read_to_string(d.join("model.pk.uses")).unwrap();
    assert!(count.trim_end().ends_with(" 3"), "{count}");
    let _ = std::fs::remove_dir_all(&d);
}
