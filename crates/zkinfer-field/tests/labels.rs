//! Every transcript label declared in the workspace's sources absorbs as a distinct element.
//!
//! Labels are absorbed as one element each (`label_element`, injective only up to 7 bytes), so
//! this scans `crates/*/src` for label constants (`const NAME: TranscriptLabel | &[u8] = b"…"`)
//! and checks that no two distinct labels share an element.
use std::collections::HashMap;
use std::path::Path;

use zkinfer_field::label_element;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The byte-string literals of label constants in `source`.
fn label_literals(source: &str) -> Vec<String> {
    source
        .lines()
        .filter(|l| {
            l.contains("const ")
                && (l.contains(": TranscriptLabel = b\"") || l.contains(": &[u8] = b\""))
        })
        .filter_map(|l| {
            let start = l.find("b\"")? + 2;
            let len = l[start..].find('"')?;
            Some(l[start..start + len].to_string())
        })
        .collect()
}

#[test]
fn labels_in_use_have_distinct_elements() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    rust_files(&crates, &mut files);
    let mut labels: Vec<String> = files
        .iter()
        .filter(|f| f.components().any(|c| c.as_os_str() == "src"))
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .flat_map(|s| label_literals(&s))
        .collect();
    // The two labels `Transcript::new` absorbs inline.
    labels.extend(["protocol".to_string(), "context".to_string()]);
    labels.sort();
    labels.dedup();
    assert!(labels.len() >= 60, "found only {} labels", labels.len());
    let mut seen: HashMap<u64, &str> = HashMap::new();
    for label in &labels {
        let e = zkinfer_field::PrimeField64::as_canonical_u64(&label_element(label.as_bytes()));
        if let Some(other) = seen.insert(e, label) {
            panic!("labels {other:?} and {label:?} absorb as the same element");
        }
    }
}
