//! Baselines: accept what is known, fail on what is new.

use crate::{aws_pair, modelseal};

#[test]
fn write_then_apply_then_catch_a_new_secret() {
    let dir = tempfile::tempdir().unwrap();
    let (id, secret) = aws_pair();
    std::fs::write(
        dir.path().join("old.log"),
        format!("AWS_ACCESS_KEY_ID={id}\n"),
    )
    .unwrap();
    let baseline = dir.path().join(".modelseal-baseline.json");
    modelseal()
        .args(["scan", "--no-config", "--write-baseline"])
        .arg(&baseline)
        .arg(dir.path())
        .assert()
        .code(0);
    let text = std::fs::read_to_string(&baseline).unwrap();
    assert!(!text.contains(&id), "the baseline must not hold the secret");
    modelseal()
        .args(["scan", "--no-config", "--baseline"])
        .arg(&baseline)
        .arg(dir.path())
        .assert()
        .code(0);

    std::fs::write(
        dir.path().join("new.log"),
        format!("AWS_SECRET_ACCESS_KEY={secret}\n"),
    )
    .unwrap();
    let out = modelseal()
        .args(["scan", "--no-config", "--format", "jsonl", "--baseline"])
        .arg(&baseline)
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 1);
    assert!(text.contains("aws-secret-access-key"));
}

#[test]
fn a_missing_baseline_named_on_the_command_line_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    modelseal()
        .args(["scan", "--no-config", "--baseline"])
        .arg(dir.path().join("nope.json"))
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("nope.json"));
}
