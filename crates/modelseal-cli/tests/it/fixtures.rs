//! The format fixtures, written by committed scripts with each format's own
//! library: every leaky one yields findings, a package of the clean controls
//! yields none.

use std::path::{Path, PathBuf};

use crate::{location_text, modelseal, repo_root};

fn fixtures(prefix: &str) -> Vec<PathBuf> {
    /// Files named `<prefix>*`, and every file in a folder named so (a
    /// TensorBoard event file must keep its own name).
    fn walk(dir: &Path, prefix: &str, inside: bool, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            let named = path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(prefix));
            if path.is_dir() {
                walk(&path, prefix, inside || named, out);
            } else if (inside || named) && path.extension().is_none_or(|e| e != "py") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(
        &repo_root().join("crates/modelseal-formats/tests/fixtures"),
        prefix,
        false,
        &mut out,
    );
    out.sort();
    out
}

/// The fixtures copied into one folder, each in a folder of its own so
/// that names (which formats are recognised by) stay as they are.
fn package_of(files: &[PathBuf]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (i, file) in files.iter().enumerate() {
        let slot = dir.path().join(format!("{i:02}"));
        std::fs::create_dir(&slot).unwrap();
        std::fs::copy(file, slot.join(file.file_name().unwrap())).unwrap();
    }
    dir
}

fn slot_of(i: usize, file: &Path) -> String {
    format!("/{i:02}/{}", file.file_name().unwrap().to_string_lossy())
}

#[test]
fn a_package_of_clean_controls_is_clean() {
    let clean = fixtures("clean");
    assert!(clean.len() >= 3, "{clean:?}");
    let package = package_of(&clean);
    let out = modelseal()
        .args(["scan", "--no-config", "--format", "jsonl"])
        .arg(package.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout, "", "clean controls produced findings");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn every_leaky_fixture_is_caught_inside_its_format() {
    let leaky = fixtures("leaky");
    assert!(leaky.len() >= 3, "{leaky:?}");
    let package = package_of(&leaky);
    let out = modelseal()
        .args(["scan", "--no-config", "--format", "jsonl"])
        .arg(package.path())
        .output()
        .unwrap();
    let findings: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for (i, file) in leaky.iter().enumerate() {
        let name = slot_of(i, file);
        let here: Vec<String> = findings
            .iter()
            .filter(|f| {
                f["location"]["path"]
                    .as_str()
                    .is_some_and(|p| p.ends_with(&name))
            })
            .map(|f| format!("{} {}", f["rule"], location_text(&f["location"])))
            .collect();
        assert!(!here.is_empty(), "nothing found in {}", file.display());
        // Found by reading the format, not as stray bytes: a field or a line.
        assert!(
            findings.iter().any(|f| f["location"]["path"]
                .as_str()
                .is_some_and(|p| p.ends_with(&name))
                && (f["location"]["field"].is_string() || f["location"]["line"].is_u64())),
            "{here:?}"
        );
    }
}
