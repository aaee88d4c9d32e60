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
    let (revealed, _) = scan_example(&["--format", "jsonl", "--show-secrets"]);
    let secrets: Vec<String> = revealed
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|f| f["kind"] == "secret")
        .map(|f| f["secret"].as_str().unwrap().to_owned())
        .collect();
    assert!(secrets.len() >= 5, "{secrets:?}");
    for format in ["human", "json", "jsonl", "sarif"] {
        let (stdout, _) = scan_example(&["--format", format]);
        for secret in &secrets {
            assert!(
                !stdout.contains(secret.as_str()),
                "{format} prints a secret"
            );
        }
    }
}

#[test]
fn every_format_in_the_example_is_read() {
    let (stdout, _) = scan_example(&["--format", "jsonl"]);
    crate::assert_found(
        &crate::rules_at(&stdout),
        &[
            (
                "aws-secret-access-key",
                "examples/sentiment-model/logs.zip!/run1/train.log:12",
            ),
            (
                "huggingface-user-access-token",
                "examples/sentiment-model/training_args.bin#pickle/hub_token",
            ),
            (
                "username-in-home-path",
                "examples/sentiment-model/model.safetensors#__metadata__.source",
            ),
            (
                "postgres-url-password",
                "examples/sentiment-model/notebooks/debug.ipynb#cells[1].outputs[0].traceback:3",
            ),
            (
                "internal-hostname",
                "examples/sentiment-model/runs/events.out.tfevents.1776244321.gpu-node-7.research.corp.4242.0#filename/hostname",
            ),
        ],
    );
}

#[test]
fn the_repository_itself_is_clean() {
    modelseal()
        .current_dir(repo_root())
        .args([
            "scan",
            "--config",
            "modelseal-self-scan.toml",
            "--respect-gitignore",
            ".",
        ])
        .assert()
        .code(0);
}
