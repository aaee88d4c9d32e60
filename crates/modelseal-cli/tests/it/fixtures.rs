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

/// The secret each leaky fixture's script plants, the rule that must find
/// it and where inside the file: found by reading the format, field by
/// field or line by line, not as stray bytes.
fn planted(file_name: &str) -> Option<(&'static str, &'static str)> {
    let pyc = file_name.starts_with("leaky.cpython-");
    Some(match file_name {
        "leaky.h5" | "leaky-latest.h5" => (
            "huggingface-user-access-token",
            "#/model_weights/dense/dense/kernel:0@hub_token",
        ),
        "leaky.gguf" => ("aws-access-key-id", "#acme.upload.aws_access_key_id"),
        "leaky.onnx" => ("wandb-api-key", "#metadata_props/wandb_key"),
        "leaky.safetensors" => ("huggingface-user-access-token", "#__metadata__.hub_token"),
        "events.out.tfevents.1690000000.gpu-node-7.corp.1234.0" => (
            "huggingface-user-access-token",
            "#event[7]/summary/value[0]/hparams/hub_token",
        ),
        "leaky.ipynb" => ("aws-secret-access-key", "#cells[2].outputs[0].traceback:7"),
        _ if pyc => ("postgres-url-password", "#code/<module>/consts[1]"),
        "leaky.7z" => ("aws-secret-access-key", "!/run1/train.log:5"),
        "leaky.wandb" => ("huggingface-user-access-token", "#config/hub_token"),
        _ => return None,
    })
}

#[test]
fn every_leaky_fixture_yields_its_planted_secret_where_it_sits() {
    let leaky = fixtures("leaky");
    assert!(leaky.len() >= 10, "{leaky:?}");
    let package = package_of(&leaky);
    let out = modelseal()
        .args(["scan", "--no-config", "--format", "jsonl"])
        .arg(package.path())
        .output()
        .unwrap();
    let prefix = format!("{}", package.path().display());
    let found: Vec<(String, String)> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .map(|f| {
            let at = location_text(&f["location"]);
            (
                f["rule"].as_str().unwrap().to_owned(),
                at.strip_prefix(&prefix).unwrap_or(&at).to_owned(),
            )
        })
        .collect();
    for (i, file) in leaky.iter().enumerate() {
        let name = file.file_name().unwrap().to_string_lossy();
        let (rule, inside) =
            planted(&name).unwrap_or_else(|| panic!("{name}: add its planted secret to `planted`"));
        let expected = format!("{}{inside}", slot_of(i, file));
        assert!(
            found.iter().any(|(r, at)| r == rule && *at == expected),
            "{rule} at {expected} not in {found:#?}"
        );
    }
}
