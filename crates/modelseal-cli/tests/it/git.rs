//! `scan --git`, `protect --staged` and `install-hook` on repositories made
//! with the real `git` command.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{aws_pair, modelseal, repo_root};

/// The repositories of `make_repos.sh`, built once per script version.
fn fixtures() -> PathBuf {
    let script = repo_root().join("crates/modelseal-scan/tests/fixtures/git/make_repos.sh");
    let text = std::fs::read(&script).unwrap();
    let version = text.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let root =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cli-git-fixtures-{version:016x}"));
    if root.join("history").is_dir() {
        return root;
    }
    let building = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let status = Command::new("bash")
        .arg(&script)
        .arg(building.path())
        .status()
        .expect("bash runs");
    assert!(status.success(), "make_repos.sh failed");
    if std::fs::rename(building.path(), &root).is_ok() {
        std::mem::forget(building);
    }
    root
}

/// A PATH that holds `git` (the one this test run finds, wherever it is
/// installed) and nothing else, so that a hook's `command -v modelseal`
/// finds no other modelseal than the binary under test, which the hook
/// names itself.
fn git_only_path() -> &'static Path {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let found = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
            .map(|dir| dir.join("git"))
            .find(|git| git.is_file())
            .expect("git on PATH");
        let dir =
            Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("git-only-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let link = dir.join("git");
        if !link.exists() {
            std::os::unix::fs::symlink(&found, &link).unwrap();
        }
        dir
    })
}

fn git(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new("git")
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("PATH", git_only_path())
        .args(["-c", "user.name=Test", "-c", "user.email=t@example.org"])
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .expect("git runs")
}

fn git_ok(dir: &Path, args: &[&str]) -> String {
    let out = git(dir, args);
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn new_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git_ok(dir.path(), &["init", "-q"]);
    std::fs::write(dir.path().join("README.md"), "# model\n").unwrap();
    git_ok(dir.path(), &["add", "README.md"]);
    git_ok(dir.path(), &["commit", "-q", "-m", "first"]);
    dir
}

#[test]
fn scan_git_tells_where_a_secret_came_from() {
    let out = modelseal()
        .current_dir(fixtures())
        .args([
            "scan",
            "--no-config",
            "--git",
            "--color",
            "never",
            "history",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let introduced = git_ok(
        &fixtures().join("history"),
        &["rev-parse", "--short=7", "v1.0^{commit}"],
    );
    assert!(
        stdout.contains(&format!("history@{introduced}:configs/.env")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "introduced in {introduced} by Ada Lovelace <ada@example.org> on 2024-01-03; gone from HEAD, still in history"
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains("from 1"),
        "commits in the summary: {stdout}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("skipped: history@"), "{stderr}");
    assert!(stderr.contains("vendor/sub"), "{stderr}");
    // No whole secret anywhere.
    let (id, secret) = aws_pair();
    assert!(!stdout.contains(&id) && !stdout.contains(&secret));
}

#[test]
fn json_findings_carry_their_provenance() {
    let out = modelseal()
        .current_dir(fixtures())
        .args([
            "scan",
            "--no-config",
            "--git",
            "--format",
            "jsonl",
            "history",
        ])
        .output()
        .unwrap();
    let findings: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let slack = findings
        .iter()
        .find(|f| f["rule"] == "slack-bot-token")
        .expect("slack token");
    let provenance = &slack["provenance"];
    assert_eq!(provenance["author"], "Ada Lovelace <ada@example.org>");
    assert_eq!(provenance["date"], "2024-01-06T12:00:00+00:00");
    assert_eq!(provenance["still_present"], true);
    assert_eq!(provenance["commit"].as_str().unwrap().len(), 40);
}

#[test]
fn a_bare_repository_is_scanned_as_history_without_the_flag() {
    let out = modelseal()
        .current_dir(fixtures())
        .args(["scan", "--no-config", "--format", "jsonl", "bare.git"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("bare.git@"));
}

#[test]
fn since_narrows_the_history() {
    let out = modelseal()
        .current_dir(fixtures())
        .args([
            "scan",
            "--no-config",
            "--git",
            "--since",
            "v1.0",
            "--format",
            "jsonl",
            "history",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("configs/.env"), "{stdout}");
    assert!(stdout.contains("src/notify.py"), "{stdout}");
    modelseal()
        .current_dir(fixtures())
        .args([
            "scan",
            "--no-config",
            "--git",
            "--since",
            "nowhen",
            "history",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--since nowhen"));
    // --since and --all-objects need --git.
    modelseal()
        .args(["scan", "--since", "v1.0", "."])
        .assert()
        .code(2);
}

#[test]
fn unreadable_parts_of_a_repository_make_the_scan_incomplete() {
    // The corrupt part of the pack held the only critical finding.
    modelseal()
        .current_dir(fixtures())
        .args([
            "scan",
            "--no-config",
            "--git",
            "--fail-on",
            "critical",
            "corrupt-pack",
        ])
        .assert()
        .code(3)
        .stderr(predicates::str::contains("warning: corrupt-pack@"));
    modelseal()
        .current_dir(fixtures())
        .args([
            "scan",
            "--no-config",
            "--git",
            "--fail-on",
            "critical",
            "ghost-ref",
        ])
        .assert()
        .code(1)
        .stderr(predicates::str::contains("refs/heads/ghost"));
    // Not a repository: named, and nothing else to scan.
    let plain = tempfile::tempdir().unwrap();
    modelseal()
        .args(["scan", "--no-config", "--git"])
        .arg(plain.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("not a git repository"));
    // Beside a clean repository, the scan is incomplete.
    let clean = new_repo();
    modelseal()
        .args(["scan", "--no-config", "--git"])
        .arg(plain.path())
        .arg(clean.path())
        .assert()
        .code(3);
}

#[test]
fn protect_staged_reports_what_the_commit_adds() {
    let out = modelseal()
        .current_dir(fixtures().join("staged"))
        .args(["protect", "--staged", "--no-config", "--format", "jsonl"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let finding: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).lines().next().unwrap()).unwrap();
    assert_eq!(finding["location"]["path"], "settings.py");
    assert_eq!(finding["location"]["line"], 3);

    // Nothing staged: clean. A baseline accepts what was found.
    let repo = new_repo();
    modelseal()
        .current_dir(repo.path())
        .args(["protect", "--staged", "--no-config"])
        .assert()
        .code(0);
    let (id, _) = aws_pair();
    std::fs::write(
        repo.path().join("train.log"),
        format!("AWS_ACCESS_KEY_ID={id}\n"),
    )
    .unwrap();
    git_ok(repo.path(), &["add", "train.log"]);
    let out = modelseal()
        .current_dir(repo.path())
        .args(["protect", "--staged", "--no-config", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let print = report["findings"][0]["fingerprint"].as_str().unwrap();
    let baseline = repo.path().join("baseline.json");
    std::fs::write(
        &baseline,
        format!(
            "{{\"version\": 1, \"findings\": [{{\"fingerprint\": \"{print}\", \"rule\": \"aws-access-key-id\", \"location\": \"train.log:1\"}}]}}"
        ),
    )
    .unwrap();
    modelseal()
        .current_dir(repo.path())
        .args(["protect", "--staged", "--no-config", "--baseline"])
        .arg(&baseline)
        .assert()
        .code(0);
    // Outside a repository: a usage error.
    let plain = tempfile::tempdir().unwrap();
    modelseal()
        .current_dir(plain.path())
        .args(["protect", "--staged", "--no-config"])
        .assert()
        .code(2);
}

#[test]
fn the_installed_hook_stops_a_commit_that_adds_a_secret() {
    let repo = new_repo();
    modelseal()
        .current_dir(repo.path())
        .args(["install-hook"])
        .assert()
        .code(0)
        .stderr(predicates::str::contains("installed"));
    let hook = repo.path().join(".git/hooks/pre-commit");
    assert!(
        std::fs::read_to_string(&hook)
            .unwrap()
            .contains("protect --staged")
    );
    // Installing again updates our own hook.
    modelseal()
        .current_dir(repo.path())
        .args(["install-hook"])
        .assert()
        .code(0)
        .stderr(predicates::str::contains("updated"));

    let (id, _) = aws_pair();
    std::fs::write(
        repo.path().join("train.log"),
        format!("AWS_ACCESS_KEY_ID={id}\n"),
    )
    .unwrap();
    git_ok(repo.path(), &["add", "train.log"]);
    let commit = git(repo.path(), &["commit", "-q", "-m", "logs"]);
    assert!(!commit.status.success(), "the hook let the secret through");
    // git passes a hook's output on to its standard error.
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&commit.stdout),
        String::from_utf8_lossy(&commit.stderr)
    );
    assert!(said.contains("aws-access-key-id"), "{said}");
    std::fs::write(repo.path().join("train.log"), "loss 0.1\n").unwrap();
    git_ok(repo.path(), &["add", "train.log"]);
    git_ok(repo.path(), &["commit", "-q", "-m", "logs"]);
}

#[test]
fn install_hook_leaves_foreign_hooks_alone_and_follows_hooks_path_and_worktrees() {
    let repo = new_repo();
    let hooks = repo.path().join(".git/hooks");
    std::fs::create_dir_all(&hooks).unwrap();
    std::fs::write(hooks.join("pre-commit"), "#!/bin/sh\necho mine\n").unwrap();
    modelseal()
        .current_dir(repo.path())
        .args(["install-hook"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--force"));
    modelseal()
        .current_dir(repo.path())
        .args(["install-hook", "--force"])
        .assert()
        .code(0);
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-commit.bak")).unwrap(),
        "#!/bin/sh\necho mine\n"
    );

    // core.hooksPath, relative to the work tree.
    let other = new_repo();
    git_ok(other.path(), &["config", "core.hooksPath", "githooks"]);
    modelseal()
        .args(["install-hook", "--repo"])
        .arg(other.path())
        .assert()
        .code(0);
    assert!(other.path().join("githooks/pre-commit").is_file());

    // A linked worktree shares the main repository's hooks.
    let linked = tempfile::tempdir().unwrap();
    let linked_path = linked.path().join("wt");
    let main = new_repo();
    git_ok(
        main.path(),
        &["worktree", "add", "-q", linked_path.to_str().unwrap()],
    );
    modelseal()
        .current_dir(&linked_path)
        .args(["install-hook"])
        .assert()
        .code(0);
    assert!(main.path().join(".git/hooks/pre-commit").is_file());
}
