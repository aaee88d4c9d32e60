//! `modelseal rules ...`.

use crate::{modelseal, repo_root};

#[test]
fn list_counts_and_explain_teaches() {
    let out = modelseal()
        .args(["rules", "list", "--json"])
        .output()
        .unwrap();
    let rules: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(rules.iter().filter(|r| r["kind"] == "secret").count() >= 120);

    let out = modelseal()
        .args(["rules", "explain", "aws-secret-access-key"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for heading in [
        "What it finds and why it matters",
        "How to fix it",
        "Example",
    ] {
        assert!(text.contains(heading), "{text}");
    }
    modelseal()
        .args(["rules", "explain", "aws-secret"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("did you mean"));
}

#[test]
fn check_reports_broken_examples() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.toml");
    std::fs::write(
        &good,
        r#"
[[rule]]
id = "acme-token"
title = "ACME token"
kind = "secret"
severity = "high"
keywords = ["acme_"]
pattern = '\b(?P<secret>acme_[a-z0-9]{12})\b'
description = "An ACME token."
remediation = "Revoke it."
examples = ["token = acme_q8v2m4x9z1rt"]
counter_examples = ["acme_short"]
"#,
    )
    .unwrap();
    modelseal()
        .args(["rules", "check"])
        .arg(&good)
        .assert()
        .code(0)
        .stdout(predicates::str::contains("all good"));
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        std::fs::read_to_string(&good)
            .unwrap()
            .replace("acme_short", "acme_q8v2m4x9z1rt"),
    )
    .unwrap();
    modelseal()
        .args(["rules", "check"])
        .arg(&bad)
        .assert()
        .code(1)
        .stdout(predicates::str::contains("counter-example matches"));
}

#[test]
fn docs_are_up_to_date() {
    let out = modelseal().args(["rules", "docs"]).output().unwrap();
    let generated = String::from_utf8(out.stdout).unwrap();
    let committed = std::fs::read_to_string(repo_root().join("docs/rules.md")).unwrap_or_default();
    assert!(
        generated == committed,
        "docs/rules.md is stale: run `cargo run -p modelseal-cli -- rules docs > docs/rules.md`"
    );
}
