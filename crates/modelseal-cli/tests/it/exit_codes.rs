//! Exit codes CI relies on.

use crate::{aws_pair, modelseal};

#[test]
fn clean_folder_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.md"), "nothing to see\n").unwrap();
    modelseal()
        .args(["scan", "--no-config"])
        .arg(dir.path())
        .assert()
        .code(0);
}

#[test]
fn findings_exit_1_and_fail_on_raises_the_bar() {
    let dir = tempfile::tempdir().unwrap();
    let (id, _) = aws_pair();
    std::fs::write(
        dir.path().join("train.log"),
        format!("AWS_ACCESS_KEY_ID={id}\n"),
    )
    .unwrap();
    modelseal()
        .args(["scan", "--no-config"])
        .arg(dir.path())
        .assert()
        .code(1);
    // The key id alone is `high`.
    modelseal()
        .args(["scan", "--no-config", "--fail-on", "critical"])
        .arg(dir.path())
        .assert()
        .code(0);
    modelseal()
        .args(["scan", "--no-config", "--fail-on", "high"])
        .arg(dir.path())
        .assert()
        .code(1);
}

#[test]
fn info_findings_do_not_fail_by_default() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("requirements.txt"), "torch==1.9.0\n").unwrap();
    let out = modelseal()
        .args(["scan", "--no-config", "--format", "jsonl"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("library-version"));
    let out = modelseal()
        .args([
            "scan",
            "--no-config",
            "--format",
            "jsonl",
            "--min-severity",
            "low",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.stdout.is_empty());
}

#[test]
fn nothing_readable_exits_2() {
    modelseal()
        .args(["scan", "--no-config", "/definitely/not/here"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("/definitely/not/here"));
}

#[test]
fn usage_errors_exit_2() {
    modelseal()
        .args(["scan", "--format", "xml", "."])
        .assert()
        .code(2);
    modelseal().args(["scan"]).assert().code(2);
}

#[cfg(unix)]
#[test]
fn unreadable_part_without_findings_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ok.txt"), "fine\n").unwrap();
    std::os::unix::fs::symlink(dir.path().join("gone"), dir.path().join("dangling")).unwrap();
    modelseal()
        .args(["scan", "--no-config"])
        .arg(dir.path())
        .assert()
        .code(3)
        .stderr(predicates::str::contains("dangling"));
    modelseal()
        .args(["scan", "--no-config", "--allow-incomplete"])
        .arg(dir.path())
        .assert()
        .code(0)
        .stderr(predicates::str::contains("dangling"));
}

#[test]
fn a_limit_stopping_a_member_makes_the_scan_incomplete() {
    let dir = tempfile::tempdir().unwrap();
    // A gzip stream claiming to be a log but cut short: what was read is
    // scanned, the rest is reported.
    let mut gz = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];
    gz.extend_from_slice(&[0x4b, 0x4c, 0x4a, 0x06]);
    std::fs::write(dir.path().join("train.log.gz"), gz).unwrap();
    modelseal()
        .args(["scan", "--no-config"])
        .arg(dir.path())
        .assert()
        .code(3)
        .stderr(predicates::str::contains("train.log.gz"));
}

#[test]
fn stdin_is_scanned() {
    let (id, secret) = aws_pair();
    let out = modelseal()
        .args(["scan", "--no-config", "--format", "jsonl", "-"])
        .write_stdin(format!(
            "AWS_ACCESS_KEY_ID={id}\nAWS_SECRET_ACCESS_KEY={secret}\n"
        ))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(!text.contains(&secret));
    assert!(text.contains("\"path\":\"-\""));
}

#[test]
fn output_file_counts_repeats_once() {
    let dir = tempfile::tempdir().unwrap();
    let (id, _) = aws_pair();
    std::fs::write(
        dir.path().join("a.env"),
        format!("AWS_ACCESS_KEY_ID={id}\n").repeat(2000),
    )
    .unwrap();
    let report = dir.path().join("out.sarif");
    modelseal()
        .args(["scan", "--no-config", "--format", "sarif", "-o"])
        .arg(&report)
        .arg(dir.path().join("a.env"))
        .assert()
        .code(1)
        .stdout("");
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["properties"]["occurrences"], 2000);
}

#[test]
fn a_reader_that_goes_away_is_not_an_error() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let text: Vec<String> = (0..5000)
        .map(|i| format!("owner: person{i}@acme-robotics.io"))
        .collect();
    let text = text.join("\n");
    std::fs::write(dir.path().join("authors.txt"), text).unwrap();
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("modelseal"))
        .args(["scan", "--no-config", "--format", "jsonl"])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 64];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // Dropping our end closes the pipe, like `| head -1`.
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
}
