//! `modelseal scan hf://…` and `modelseal recon` against loopback servers
//! that speak the hub's and GitHub's APIs.

use modelseal_loopback::{Content, FakeGitHub, FakeHub, GitHubRepo, HubRepoSpec};

use crate::modelseal;

fn token() -> String {
    concat!("hf_", "VxKqPzLmWnRtYbGcHdJf", "NsQaEuIoTkXlMv").to_owned()
}

/// The command with no token or server from the environment of the test run.
fn hermetic(endpoint: &str) -> assert_cmd::Command {
    let mut cmd = modelseal();
    for name in [
        "HF_TOKEN",
        "HUGGING_FACE_HUB_TOKEN",
        "HF_TOKEN_PATH",
        "GITHUB_TOKEN",
        "GH_TOKEN",
    ] {
        cmd.env_remove(name);
    }
    cmd.env("HF_HOME", "/nonexistent/modelseal-test-hf-home");
    cmd.env("HF_ENDPOINT", endpoint);
    cmd
}

#[test]
fn scanning_a_hub_repository_reads_headers_not_weights() {
    let size = 2 * 1024 * 1024 * 1024;
    let repo = HubRepoSpec::model("acme/sentiment")
        .file(
            "model.safetensors",
            Content::safetensors(size, &serde_json::json!({"pushed_by": "/home/jdoe/train"})),
        )
        .text("logs/train.log", &format!("epoch 1\nlogin {}\n", token()));
    let hub = FakeHub::start(vec![repo], "t");
    let output = hermetic(hub.url())
        .args([
            "scan",
            "--no-config",
            "--format",
            "json",
            "hf://acme/sentiment",
        ])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let locations: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| crate::location_text(&f["location"]))
        .collect();
    assert!(
        locations.iter().any(|l| l.contains(":logs/train.log:2")),
        "{locations:?}"
    );
    assert!(
        locations
            .iter()
            .any(|l| l.contains(":model.safetensors#__metadata__.pushed_by")),
        "{locations:?}"
    );
    let transferred = report["stats"]["bytes_transferred"].as_u64().unwrap();
    assert!(
        transferred > 0 && transferred < size / 1000,
        "{transferred}"
    );
    assert!(
        !String::from_utf8_lossy(&output.stdout).contains(&token()),
        "the token is masked"
    );
}

#[test]
fn a_private_repository_uses_the_token_the_hub_cli_saved() {
    let repo = HubRepoSpec::model("acme/private")
        .private()
        .text("notes.txt", &format!("{}\n", token()));
    let hub = FakeHub::start(vec![repo], "saved-login-token");
    let output = hermetic(hub.url())
        .args(["scan", "--no-config", "hf://acme/private"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("401") && stderr.contains("token"),
        "{stderr}"
    );

    let home = tempfile::tempdir().unwrap();
    std::fs::write(home.path().join("token"), "saved-login-token\n").unwrap();
    let output = hermetic(hub.url())
        .env("HF_HOME", home.path())
        .args(["scan", "--no-config", "hf://acme/private"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn a_file_the_hub_cuts_off_makes_the_scan_incomplete() {
    let repo = HubRepoSpec::model("acme/m")
        .text("big.txt", &"x".repeat(300_000))
        .text("ok.txt", "fine\n");
    let commit = repo.commit("main").unwrap().to_owned();
    let hub = FakeHub::start(vec![repo], "t");
    hub.quirks()
        .add_truncate(&format!("/acme/m/resolve/{commit}/big.txt"));
    let output = hermetic(hub.url())
        .args(["scan", "--no-config", "hf://acme/m"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("big.txt") && stderr.contains("truncated"),
        "{stderr}"
    );
}

#[test]
fn recon_of_a_hub_organization_summarises_each_repository() {
    let repos = vec![
        HubRepoSpec::model("acme/leaky").text("train.log", &format!("{}\n", token())),
        HubRepoSpec::model("acme/clean").text("config.json", "{}\n"),
        HubRepoSpec::model("acme/reviews")
            .in_collection("datasets")
            .text("data.csv", "a,b\n"),
    ];
    let hub = FakeHub::start(repos, "t");
    hub.set_page_size(1);
    let output = hermetic(hub.url())
        .args(["recon", "--no-config", "hf:acme"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.starts_with("hf:acme: 3 of 3 repositories scanned"),
        "{stdout}"
    );
    let first_row = stdout.lines().nth(1).unwrap();
    assert!(
        first_row.contains("hf://acme/leaky") && first_row.contains("  1 secrets"),
        "{stdout}"
    );
    assert!(stdout.contains("hf://datasets/acme/reviews"), "{stdout}");

    let output = hermetic(hub.url())
        .args(["recon", "--no-config", "--format", "json", "hf:acme"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["repos"].as_array().unwrap().len(), 3);
    assert_eq!(report["interrupted"], false);
}

#[test]
fn recon_of_a_github_organization() {
    let repos = vec![
        GitHubRepo::new("acme", "train").text("push.sh", &format!("export HF_TOKEN={}\n", token())),
        GitHubRepo::new("acme", "site").text("index.md", "# hi\n"),
    ];
    let github = FakeGitHub::start(repos, &[]);
    let output = hermetic("http://127.0.0.1:9")
        .env("GITHUB_API_URL", github.url())
        .args(["recon", "--no-config", "--format", "json", "gh:acme"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        crate::location_text(&report["findings"][0]["location"]),
        "gh://acme/train@main:push.sh:1"
    );
}

#[test]
fn recon_of_nobody_is_a_usage_error() {
    let hub = FakeHub::start(Vec::new(), "t");
    hub.quirks().add_html("/api/models");
    let output = hermetic(hub.url())
        .args(["recon", "--no-config", "hf:acme"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("web page"));
}

#[test]
fn a_local_hub_cache_is_scanned_by_path_or_offline_by_name() {
    let cache = tempfile::tempdir().unwrap();
    let old = "1111111aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    let new = "2222222bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    modelseal_loopback::write_hub_cache(
        cache.path(),
        "models",
        "acme/sentiment",
        &[
            (
                old,
                vec![("train.log", format!("x\n{}\n", token()).into_bytes())],
            ),
            (new, vec![("README.md", b"# sentiment\n".to_vec())]),
        ],
    )
    .unwrap();
    let output = hermetic("http://127.0.0.1:9")
        .args(["scan", "--no-config", "--format", "json"])
        .arg(cache.path())
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        crate::location_text(&report["findings"][0]["location"]),
        "hf://acme/sentiment@1111111:train.log:2"
    );

    // Offline, a hub name is read from the cache; the dead endpoint is never asked.
    let output = hermetic("http://127.0.0.1:9")
        .env("HF_HUB_OFFLINE", "1")
        .env("HF_HUB_CACHE", cache.path())
        .args(["scan", "--no-config", "hf://acme/sentiment"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let output = hermetic("http://127.0.0.1:9")
        .env("HF_HUB_OFFLINE", "1")
        .env("HF_HUB_CACHE", cache.path())
        .args(["scan", "--no-config", "hf://acme/other"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("local hub cache"));
}
