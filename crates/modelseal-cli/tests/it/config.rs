//! Configuration found by walking up, from both file styles.

use crate::{aws_pair, modelseal};

#[test]
fn modelseal_toml_allowlists_disables_and_adds_rules() {
    let dir = tempfile::tempdir().unwrap();
    let (id, _) = aws_pair();
    std::fs::create_dir_all(dir.path().join("model/fixtures")).unwrap();
    std::fs::write(
        dir.path().join("model/fixtures/a.env"),
        format!("AWS_ACCESS_KEY_ID={id}\n"),
    )
    .unwrap();
    std::fs::write(dir.path().join("model/requirements.txt"), "torch==1.9.0\n").unwrap();
    std::fs::write(
        dir.path().join("model/notes.txt"),
        "internal ticket ACME-SECRET-4821-ZQ\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("modelseal.toml"),
        r#"
disable_rules = ["library-version"]

[allowlist]
paths = ["model/fixtures/"]

[[rule]]
id = "acme-ticket-secret"
title = "ACME internal secret ticket"
kind = "secret"
severity = "high"
keywords = ["ACME-SECRET-"]
pattern = '(?P<secret>ACME-SECRET-[0-9]{4}-[A-Z]{2})'
description = "A ticket id that only our secret tracker issues."
remediation = "Remove it."
examples = ["ACME-SECRET-4821-ZQ"]
"#,
    )
    .unwrap();
    let out = modelseal()
        .args(["scan", "--format", "jsonl"])
        .arg(dir.path().join("model"))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{text}");
    let rules: Vec<String> = text
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["rule"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(rules, vec!["acme-ticket-secret"]);
}

#[test]
fn pyproject_tool_table_sets_fail_on() {
    let dir = tempfile::tempdir().unwrap();
    let (id, _) = aws_pair();
    std::fs::write(
        dir.path().join("a.env"),
        format!("AWS_ACCESS_KEY_ID={id}\n"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("pyproject.toml"),
        "[project]\nname = \"m\"\n\n[tool.modelseal]\nfail_on = \"critical\"\n",
    )
    .unwrap();
    modelseal().arg("scan").arg(dir.path()).assert().code(0);
    // The command line wins over the file.
    modelseal()
        .args(["scan", "--fail-on", "high"])
        .arg(dir.path())
        .assert()
        .code(1);
}

#[test]
fn a_broken_config_is_a_clear_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("modelseal.toml"),
        "fail_on = \"sometimes\"\n",
    )
    .unwrap();
    modelseal()
        .arg("scan")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("modelseal.toml"));
}

/// A root `modelseal.toml` allowlisting `data/`: the glob means the root's
/// `data/`, whatever the current directory, so `sub/data/x.env` is reported
/// from the root and from `sub/` alike, and the root's `data/x.env` is
/// allowlisted from both.
#[test]
fn allowlisted_paths_are_relative_to_the_config_not_the_current_directory() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let (id, _) = aws_pair();
    std::fs::create_dir_all(root.join("sub/data")).unwrap();
    std::fs::create_dir_all(root.join("data")).unwrap();
    std::fs::write(
        root.join("sub/data/x.env"),
        format!("AWS_ACCESS_KEY_ID={id}\n"),
    )
    .unwrap();
    std::fs::write(root.join("data/x.env"), format!("AWS_ACCESS_KEY_ID={id}\n")).unwrap();
    std::fs::write(
        root.join("modelseal.toml"),
        "[allowlist]\npaths = [\"data/\"]\n",
    )
    .unwrap();

    let located = |cwd: &std::path::Path, arg: &str| {
        let out = modelseal()
            .current_dir(cwd)
            .args(["scan", "--format", "jsonl", arg])
            .output()
            .unwrap();
        let paths: Vec<String> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["location"]["path"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        (out.status.code(), paths)
    };
    // The key under sub/data/ is not the root's data/: reported both ways.
    assert_eq!(
        located(root, "sub"),
        (Some(1), vec!["sub/data/x.env".to_owned()])
    );
    assert_eq!(
        located(&root.join("sub"), "data"),
        (Some(1), vec!["data/x.env".to_owned()])
    );
    // The root's data/ is allowlisted both ways.
    assert_eq!(located(root, "data"), (Some(0), vec![]));
    assert_eq!(located(&root.join("sub"), "../data"), (Some(0), vec![]));
    assert_eq!(located(root, "./sub/../data/x.env"), (Some(0), vec![]));
}
