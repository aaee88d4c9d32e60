//! The README's quick start, run the way a newcomer runs it: from the
//! repository root, with configuration discovery on. The command is read out
//! of README.md, so the two cannot drift apart.

use crate::{assert_found, modelseal, repo_root, rules_at};

/// The README's two quick-start commands: the first `cargo run` line and the
/// test command that follows it, in the README's first fenced blocks.
fn quick_start() -> (String, String) {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let section = readme
        .split("## Quick start")
        .nth(1)
        .expect("README has a Quick start section");
    let section = section.split("\n## ").next().unwrap();
    let mut commands = Vec::new();
    let mut in_block = false;
    for line in section.lines() {
        if line.starts_with("```") {
            in_block = !in_block;
        } else if in_block && !line.trim().is_empty() {
            commands.push(line.trim().to_owned());
        }
    }
    assert_eq!(
        commands.len(),
        2,
        "the quick start has exactly two commands: {commands:?}"
    );
    (commands[0].clone(), commands[1].clone())
}

/// The arguments the first command passes to `modelseal`.
fn run_arguments() -> Vec<String> {
    let (run, _) = quick_start();
    let (cargo, args) = run
        .split_once(" -- ")
        .expect("the first command is `cargo run ... -- ARGS`");
    assert!(cargo.starts_with("cargo run"), "{run}");
    assert!(
        !args.contains(['"', '\'', '$', '|', '>', '<', '`']),
        "plain words only: {args}"
    );
    args.split_whitespace().map(str::to_owned).collect()
}

#[test]
fn the_quick_start_reports_the_leaks_with_discovery_on() {
    let args = run_arguments();
    let output = modelseal()
        .current_dir(repo_root())
        .args(&args)
        .args(["--color", "never"])
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    for expected in [
        "logs.zip!/run1/train.log",
        "aws-access-key-id",
        "aws-secret-access-key",
        "training_args.bin#pickle/hub_token",
    ] {
        assert!(stdout.contains(expected), "{expected} not in\n{stdout}");
    }

    // The same command, as JSON Lines: the key findings where they sit.
    let output = modelseal()
        .current_dir(repo_root())
        .args(&args)
        .args(["--format", "jsonl"])
        .output()
        .unwrap();
    assert_found(
        &rules_at(&String::from_utf8(output.stdout).unwrap()),
        &[
            (
                "aws-access-key-id",
                "examples/sentiment-model/logs.zip!/run1/train.log:11",
            ),
            (
                "aws-secret-access-key",
                "examples/sentiment-model/logs.zip!/run1/train.log:12",
            ),
            (
                "huggingface-user-access-token",
                "examples/sentiment-model/training_args.bin#pickle/hub_token",
            ),
        ],
    );
}

#[test]
fn the_test_command_is_what_ci_runs() {
    let (_, test) = quick_start();
    assert_eq!(test, "bash scripts/test");
    let ci = std::fs::read_to_string(repo_root().join(".ci/run")).unwrap();
    assert!(
        ci.lines()
            .any(|l| !l.trim_start().starts_with('#') && l.contains("bash scripts/test")),
        ".ci/run does not call the README's test command"
    );
}
