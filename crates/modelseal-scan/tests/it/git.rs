//! History and staged scans over repositories built by
//! `tests/fixtures/git/make_repos.sh` with the real `git` command.

use std::path::{Path, PathBuf};
use std::process::Command;

use modelseal_engine::RuleSet;
use modelseal_scan::filter::Filters;
use modelseal_scan::source::git::GitOptions;
use modelseal_scan::{Finding, LoadedConfig, ProblemKind, ScanOutcome, ScanSettings, Scanner};

/// The fixture repositories, built once per script version into the
/// target's temporary folder (tests in other processes reuse them).
pub fn fixtures() -> PathBuf {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/git/make_repos.sh");
    let text = std::fs::read(&script).unwrap();
    let version = text.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("git-fixtures-{version:016x}"));
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
    // Another test process may have won the race: theirs is as good.
    if std::fs::rename(building.path(), &root).is_ok() {
        std::mem::forget(building);
    }
    root
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .args(["-c", "user.name=Test", "-c", "user.email=t@example.org"])
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn scanner() -> Scanner {
    Scanner::new(
        RuleSet::builtin(),
        Filters::default(),
        ScanSettings::default(),
    )
}

fn history(repo: &str, options: &GitOptions) -> ScanOutcome {
    scanner().scan_git(&fixtures().join(repo), options).unwrap()
}

fn at<'a>(outcome: &'a ScanOutcome, path_end: &str, rule: &str) -> Vec<&'a Finding> {
    outcome
        .findings
        .iter()
        .filter(|f| f.rule == rule && f.location.path().ends_with(path_end))
        .collect()
}

fn hf_token() -> String {
    concat!("hf_", "VxKqPzLmWnRtYbGcHdJf", "NsQaEuIoTkXlMv").to_owned()
}

#[test]
fn a_removed_secret_names_the_commit_that_introduced_it() {
    let outcome = history("history", &GitOptions::default());
    let introduced = git(&fixtures().join("history"), &["rev-parse", "v1.0^{commit}"]);
    let found = at(&outcome, ":configs/.env", "aws-secret-access-key");
    assert_eq!(found.len(), 1, "{:#?}", outcome.findings);
    let finding = found[0];
    assert!(
        finding
            .location
            .path()
            .ends_with(&format!("/history@{}:configs/.env", &introduced[..7])),
        "{}",
        finding.location.path()
    );
    assert_eq!(finding.location.line, Some(3));
    let provenance = finding.provenance.as_ref().unwrap();
    assert_eq!(provenance.commit.as_deref(), Some(introduced.as_str()));
    assert_eq!(
        provenance.author.as_deref(),
        Some("Ada Lovelace <ada@example.org>")
    );
    assert_eq!(
        provenance.date.as_deref(),
        Some("2024-01-03T12:00:00+00:00")
    );
    assert_eq!(provenance.still_present, Some(false));
    assert!(
        provenance
            .describe()
            .ends_with("gone from HEAD, still in history"),
        "{}",
        provenance.describe()
    );
}

#[test]
fn each_blob_is_read_once_and_each_value_reported_once_per_path() {
    let outcome = history("history", &GitOptions::default());
    // backup/.env is the same blob as configs/.env: read once, at its first path.
    assert!(
        outcome
            .findings
            .iter()
            .all(|f| !f.location.path().contains("backup/.env"))
    );
    // src/notify.py holds the token in two versions: the first introduced it.
    let slack = at(&outcome, ":src/notify.py", "slack-bot-token");
    assert_eq!(slack.len(), 1);
    let first = git(
        &fixtures().join("history"),
        &["log", "--format=%H", "--reverse", "--", "src/notify.py"],
    );
    let first = first.lines().next().unwrap();
    assert_eq!(
        slack[0].provenance.as_ref().unwrap().commit.as_deref(),
        Some(first)
    );
    assert_eq!(slack[0].location.line, Some(1));
    assert_eq!(
        slack[0].provenance.as_ref().unwrap().still_present,
        Some(true)
    );
    let blobs = git(
        &fixtures().join("history"),
        &["rev-list", "--objects", "--all", "--reflog"],
    );
    let distinct_blobs = blobs
        .lines()
        .filter_map(|line| line.split_once(' '))
        .filter(|(id, _)| git(&fixtures().join("history"), &["cat-file", "-t", id]) == "blob")
        .count() as u64;
    assert_eq!(
        outcome.stats.files_scanned + outcome.stats.binary_skipped,
        distinct_blobs
    );
}

#[test]
fn branches_stashes_archives_and_pointers() {
    let outcome = history("history", &GitOptions::default());
    // A branch that never reached main; the value is still in logs.tar.gz at HEAD.
    let hub = at(
        &outcome,
        ":configs/hub.yaml",
        "huggingface-user-access-token",
    );
    assert_eq!(hub.len(), 1);
    assert_eq!(
        hub[0].provenance.as_ref().unwrap().still_present,
        Some(true)
    );
    // Inside a committed archive, read by the formats readers.
    let logs = outcome
        .findings
        .iter()
        .find(|f| f.location.members == ["run1/train.log"])
        .expect("the token inside logs.tar.gz");
    assert!(logs.location.path().ends_with(":logs.tar.gz"));
    // Both stashes: refs/stash and the older one in its reflog.
    let stashed: Vec<_> = at(&outcome, ":README.md", "aws-access-key-id");
    assert_eq!(stashed.len(), 2, "{stashed:#?}");
    // The Git LFS pointer and the submodule are named as skipped, not
    // scanned; neither makes the scan incomplete.
    assert!(outcome.stats.parts_skipped >= 1);
    let skipped = |path_end: &str, words: &str| {
        outcome.problems.iter().any(|n| {
            n.kind == ProblemKind::Skip && n.path.ends_with(path_end) && n.message.contains(words)
        })
    };
    assert!(
        skipped(":vendor/sub", "submodule"),
        "{:?}",
        outcome.problems
    );
    assert!(
        skipped(".safetensors", "Git LFS pointer"),
        "{:?}",
        outcome.problems
    );
    assert!(!outcome.is_incomplete(), "{:?}", outcome.problems);
    assert!(outcome.stats.commits_scanned >= 12);
}

#[test]
fn a_bare_repository_reads_the_same_history() {
    let outcome = history("bare.git", &GitOptions::default());
    assert_eq!(
        at(&outcome, ":configs/.env", "aws-secret-access-key").len(),
        1
    );
    assert!(outcome.findings[0].location.path().contains("/bare.git@"));
}

#[test]
fn since_a_revision_or_a_date_reads_only_newer_commits() {
    let since_tag = history(
        "history",
        &GitOptions {
            since: Some("v1.0".into()),
            ..GitOptions::default()
        },
    );
    assert!(at(&since_tag, ":configs/.env", "aws-secret-access-key").is_empty());
    assert_eq!(at(&since_tag, ":src/notify.py", "slack-bot-token").len(), 1);
    // logs.tar.gz was not read again, so HEAD is not fully known.
    let hub = at(
        &since_tag,
        ":configs/hub.yaml",
        "huggingface-user-access-token",
    );
    assert_eq!(hub.len(), 1);
    let since_date = history(
        "history",
        &GitOptions {
            since: Some("2024-01-09".into()),
            ..GitOptions::default()
        },
    );
    assert!(at(&since_date, ":src/notify.py", "slack-bot-token").is_empty());
    assert!(since_date.stats.commits_scanned < since_tag.stats.commits_scanned);
    assert_eq!(at(&since_date, ":README.md", "aws-access-key-id").len(), 2);
    let err = scanner()
        .scan_git(
            &fixtures().join("history"),
            &GitOptions {
                since: Some("not a thing".into()),
                ..GitOptions::default()
            },
        )
        .unwrap_err();
    assert!(
        matches!(&err, modelseal_scan::source::git::GitError::Since { spec, .. } if spec == "not a thing"),
        "{err}"
    );
    assert!(
        err.to_string()
            .starts_with("--since not a thing: neither a revision"),
        "{err}"
    );
}

#[test]
fn a_shallow_clone_is_scanned_as_far_as_it_goes() {
    let outcome = history("shallow", &GitOptions::default());
    assert!(
        outcome
            .problems
            .iter()
            .any(|n| n.kind == ProblemKind::Note && n.message.contains("shallow")),
        "{:?}",
        outcome.problems
    );
    assert!(!outcome.is_incomplete(), "{:?}", outcome.problems);
    assert_eq!(at(&outcome, ":src/notify.py", "slack-bot-token").len(), 1);
    assert!(at(&outcome, ":configs/.env", "aws-secret-access-key").is_empty());
}

#[test]
fn broken_repositories_are_problems_with_locations_and_the_rest_is_read() {
    let ghost = history("ghost-ref", &GitOptions::default());
    assert!(
        ghost
            .problems
            .iter()
            .any(|p| p.path.ends_with("refs/heads/ghost")),
        "{:?}",
        ghost.problems
    );
    assert_eq!(
        at(&ghost, ":configs/.env", "aws-secret-access-key").len(),
        1
    );

    let missing = history("missing-blob", &GitOptions::default());
    assert!(
        missing
            .problems
            .iter()
            .any(|p| p.path.ends_with(":src/notify.py") && p.message.contains("cannot read blob")),
        "{:?}",
        missing.problems
    );
    assert_eq!(at(&missing, ":src/notify.py", "slack-bot-token").len(), 1);

    let corrupt = history("corrupt-pack", &GitOptions::default());
    assert!(!corrupt.problems.is_empty());
    assert!(
        corrupt
            .problems
            .iter()
            .all(|p| p.path.contains("/corrupt-pack@")),
        "{:?}",
        corrupt.problems
    );
    // Loose objects written after the pack are still read.
    assert_eq!(at(&corrupt, ":README.md", "aws-access-key-id").len(), 2);

    let dir = tempfile::tempdir().unwrap();
    let none = scanner()
        .scan_git(dir.path(), &GitOptions::default())
        .unwrap();
    assert_eq!(none.problems.len(), 1);
    assert!(none.problems[0].message.contains("not a git repository"));
}

#[test]
fn path_allowlists_apply_to_paths_inside_the_repository() {
    let mut config = LoadedConfig::default();
    config.config.allowlist.paths = vec!["configs/".into()];
    let filters = Filters::new(&config, []).unwrap();
    let scanner = Scanner::new(RuleSet::builtin(), filters, ScanSettings::default());
    let outcome = scanner
        .scan_git(&fixtures().join("history"), &GitOptions::default())
        .unwrap();
    assert!(
        outcome
            .findings
            .iter()
            .all(|f| !f.location.path().contains(":configs/")),
        "{:#?}",
        outcome.findings
    );
    assert!(outcome.stats.paths_allowlisted >= 2);
}

#[test]
fn all_objects_reads_dangling_blobs_and_commits() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    git(repo, &["init", "-q"]);
    std::fs::write(repo.join("a.txt"), "nothing\n").unwrap();
    git(repo, &["add", "a.txt"]);
    git(repo, &["commit", "-q", "-m", "a"]);
    // A blob no commit holds, and a commit no ref reaches.
    std::fs::write(repo.join("loose.txt"), format!("HF_TOKEN={}\n", hf_token())).unwrap();
    git(repo, &["hash-object", "-w", "loose.txt"]);
    std::fs::write(
        repo.join("b.txt"),
        format!("token = \"{}\"\n", concat!("AKIA", "W7RZQ3MXNB5KTYLP")),
    )
    .unwrap();
    git(repo, &["add", "b.txt"]);
    git(repo, &["commit", "-q", "-m", "b"]);
    git(repo, &["reset", "-q", "--hard", "HEAD~1"]);
    git(repo, &["reflog", "expire", "--expire=now", "--all"]);
    std::fs::remove_file(repo.join("loose.txt")).unwrap();

    let reachable = scanner().scan_git(repo, &GitOptions::default()).unwrap();
    assert!(reachable.findings.is_empty(), "{:#?}", reachable.findings);
    let all = scanner()
        .scan_git(
            repo,
            &GitOptions {
                all_objects: true,
                ..GitOptions::default()
            },
        )
        .unwrap();
    let dangling_commit = all
        .findings
        .iter()
        .find(|f| f.rule == "aws-access-key-id")
        .expect("the key in the dangling commit");
    assert!(dangling_commit.location.path().ends_with(":b.txt"));
    assert_eq!(
        dangling_commit.provenance.as_ref().unwrap().still_present,
        Some(false)
    );
    let dangling_blob = all
        .findings
        .iter()
        .find(|f| f.rule == "huggingface-user-access-token")
        .expect("the token in the dangling blob");
    assert!(
        dangling_blob.location.path().contains("@unreachable:"),
        "{}",
        dangling_blob.location.path()
    );
}

#[test]
fn staged_changes_are_scanned_by_their_added_lines() {
    let outcome = scanner().scan_staged(&fixtures().join("staged")).unwrap();
    assert_eq!(outcome.findings.len(), 1, "{:#?}", outcome.findings);
    assert_eq!(outcome.findings[0].location.path(), "settings.py");
    assert_eq!(outcome.findings[0].location.line, Some(3));

    // A secret already committed is not reported again when the file changes.
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    git(repo, &["init", "-q"]);
    std::fs::create_dir(repo.join("conf")).unwrap();
    std::fs::write(
        repo.join("conf/old.env"),
        format!("HF={}\nA=1\n", hf_token()),
    )
    .unwrap();
    git(repo, &["add", "."]);
    git(repo, &["commit", "-q", "-m", "old"]);
    let key = concat!("AKIA", "W7RZQ3MXNB5KTYLP");
    std::fs::write(
        repo.join("conf/old.env"),
        format!("HF={}\nA=1\nAWS_ACCESS_KEY_ID={key}\n", hf_token()),
    )
    .unwrap();
    std::fs::write(repo.join("new.txt"), format!("first\nHF={}\n", hf_token())).unwrap();
    std::fs::write(repo.join("unstaged.txt"), format!("AWS={key}\n")).unwrap();
    git(repo, &["add", "conf/old.env", "new.txt"]);
    let outcome = scanner().scan_staged(&repo.join("conf")).unwrap();
    let found: Vec<(String, &str, Option<u64>)> = outcome
        .findings
        .iter()
        .map(|f| (f.location.path().clone(), f.rule.as_str(), f.location.line))
        .collect();
    assert_eq!(
        found,
        vec![
            ("conf/old.env".to_owned(), "aws-access-key-id", Some(3)),
            (
                "new.txt".to_owned(),
                "huggingface-user-access-token",
                Some(2)
            ),
        ]
    );

    let not_a_repo = tempfile::tempdir().unwrap();
    assert!(scanner().scan_staged(not_a_repo.path()).is_err());
}
