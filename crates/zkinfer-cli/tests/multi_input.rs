//! A model with two graph inputs (`bert_mask`: input_ids and attention_mask) through the
//! `zkinfer` binary with EZKL's JSON (one flat list per graph input; calibration lists of k
//! samples each), and each wrong input file: a one-line error naming the input, exit code 4.

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

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn zk_ok(dir: &Path, args: &[&str]) -> String {
    let o = zk(dir, args);
    assert!(o.status.success(), "{}", stderr(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn assert_fails(o: &Output, code: i32, needle: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(code), "stderr: {err}");
    assert!(err.starts_with("error: "), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(err.contains(needle), "expected `{needle}` in: {err}");
    assert!(!err.contains("panicked"), "{err}");
}

fn workdir() -> PathBuf {
    let fx = Path::new(env!("CARGO_MANIFEST_DIR")).join("../zkinfer-model/tests/fixtures");
    let d = std::env::temp_dir().join(format!("zkinfer-cli-multi-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    for f in ["onnx", "input.json", "calib.json"] {
        std::fs::copy(fx.join(format!("bert_mask.{f}")), d.join(format!("m.{f}"))).unwrap();
    }
    d
}

fn write_input(d: &Path, name: &str, lists: &serde_json::Value) {
    std::fs::write(
        d.join(name),
        serde_json::json!({ "input_data": lists }).to_string(),
    )
    .unwrap();
}

#[test]
fn ids_and_mask_through_the_cli() {
    let d = workdir();
    // `inspect` names each graph input, its kind and its place in the packed input.
    let shown = zk_ok(&d, &["inspect", "m.onnx"]);
    let ids = shown
        .lines()
        .find(|l| l.contains("input `input_ids`"))
        .unwrap_or_else(|| panic!("{shown}"));
    assert!(ids.contains("token ids in [0, "), "{ids}");
    let mask = shown
        .lines()
        .find(|l| l.contains("input `attention_mask`"))
        .unwrap_or_else(|| panic!("{shown}"));
    assert!(mask.contains("attention mask (0 or 1)"), "{mask}");
    zk_ok(
        &d,
        &[
            "calibrate",
            "m.onnx",
            "--data",
            "m.calib.json",
            "-o",
            "s.json",
        ],
    );
    zk_ok(
        &d,
        &["compile", "m.onnx", "--settings", "s.json", "-o", "m.zkc"],
    );
    zk_ok(&d, &["setup", "m.zkc", "--pk", "m.pk", "--vk", "m.vk"]);
    let prove = |input: &str| {
        zk(
            &d,
            &["prove", "--pk", "m.pk", "--input", input, "-o", "p.zkp"],
        )
    };
    let o = prove("m.input.json");
    assert!(o.status.success(), "{}", stderr(&o));
    let v = zk_ok(
        &d,
        &[
            "verify",
            "--vk",
            "m.vk",
            "--proof",
            "p.zkp",
            "--input",
            "m.input.json",
        ],
    );
    assert!(v.starts_with("verified"), "{v}");

    let good: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("m.input.json")).unwrap()).unwrap();
    let lists = good["input_data"].clone();
    let cases: Vec<(serde_json::Value, &str)> = vec![
        (serde_json::json!([lists[0]]), "the model has 2 inputs"),
        (
            serde_json::json!([lists[0], [1, 1, 1]]),
            "input 1 `attention_mask` (shape [1, 8]) takes 8 values, but its list holds 3",
        ),
        (
            {
                let mut l = lists.clone();
                l[1][2] = serde_json::json!(2);
                l
            },
            "`attention_mask` is an attention mask, but position 2 holds 2",
        ),
        (
            {
                let mut l = lists.clone();
                l[0][1] = serde_json::json!(7.5);
                l
            },
            "input `input_ids` takes integer token ids, but position 1 holds 7.5",
        ),
        (
            {
                let mut l = lists.clone();
                l[0][4] = serde_json::json!(128);
                l
            },
            "token id 128 at position 4 of input `input_ids`",
        ),
    ];
    for (i, (l, needle)) in cases.iter().enumerate() {
        let name = format!("bad{i}.json");
        write_input(&d, &name, l);
        assert_fails(&prove(&name), 4, needle);
    }
    // Calibration lists of different sample counts.
    let calib: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("m.calib.json")).unwrap()).unwrap();
    let mut c = calib["input_data"].clone();
    c[1].as_array_mut().unwrap().truncate(8);
    write_input(&d, "badcalib.json", &c);
    assert_fails(
        &zk(
            &d,
            &[
                "calibrate",
                "m.onnx",
                "--data",
                "badcalib.json",
                "-o",
                "s2.json",
            ],
        ),
        4,
        "give every input the same number of samples",
    );
    let _ = std::fs::remove_dir_all(&d);
}
