//! Snapshots of what a user sees on the bundled example.

use crate::{modelseal, repo_root};

fn scan_example(args: &[&str]) -> (String, i32) {
    let output = modelseal()
        .current_dir(repo_root())
        .args([
            "scan",
            "examples/sentiment-model",
            "--no-config",
            "--color",
            "never",
        ])
        .args(args)
        .output()
        .unwrap();
    (
        String::from_utf8(output.stdout).unwrap(),
        output.status.code().unwrap(),
    )
}

#[test]
fn human_report_on_the_example() {
    let (stdout, code) = scan_example(&[]);
    assert_eq!(code, 1);
    insta::assert_snapshot!(stdout);
}

#[test]
fn json_report_on_the_example() {
    let (stdout, _) = scan_example(&["--format", "json"]);
    let value: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    insta::with_settings!({filters => vec![(r#""version": "[^"]+""#, r#""version": "[version]""#)]}, {
        insta::assert_snapshot!(serde_json::to_string_pretty(&value).unwrap());
    });
}

#[test]
fn sarif_report_on_the_example() {
    let (stdout, _) = scan_example(&["--format", "sarif"]);
    insta::with_settings!({filters => vec![(r#""(semanticV|v)ersion": "[0-9][^"]*""#, r#""$1ersion": "[version]""#)]}, {
        insta::assert_snapshot!(stdout);
    });
}

#[test]
fn the_example_reproduces_the_classic_leak() {
    let (stdout, _) = scan_example(&["--format", "jsonl"]);
    let rules: Vec<String> = stdout
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["rule"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    for expected in [
        "aws-access-key-id",
        "aws-secret-access-key",
        "huggingface-user-access-token",
        "internal-url",
        "username-in-home-path",
        "cloud-storage-uri",
        "email-address",
    ] {
        assert!(
            rules.iter().any(|r| r == expected),
            "{expected} not in {rules:?}"
        );
    }
}

#[test]
fn secrets_are_masked_unless_asked() {
    let log = std::fs::read_to_string(repo_root().join("examples/sentiment-model/logs/train.log"))
        .unwrap();
    let secret_line = log
        .lines()
        .find(|l| l.starts_with("AWS_SECRET_ACCESS_KEY="))
        .unwrap();
    let secret = secret_line.trim_start_matches("AWS_SECRET_ACCESS_KEY=");
    for format in ["human", "json", "jsonl", "sarif"] {
        let (stdout, _) = scan_example(&["--format", format]);
        assert!(!stdout.contains(secret), "{format} prints the secret");
    }
    let (stdout, _) = scan_example(&["--format", "jsonl", "--show-secrets"]);
    assert!(stdout.contains(secret));
}

#[test]
fn the_repository_itself_is_clean() {
    modelseal()
        .current_dir(repo_root())
        .args(["scan", "--respect-gitignore", "."])
        .assert()
        .code(0);
}
