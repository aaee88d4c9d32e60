//! Hub and GitHub sources against loopback servers that speak their APIs.

use std::sync::atomic::Ordering;

use modelseal_engine::RuleSet;
use modelseal_loopback::{Content, FakeGitHub, FakeHub, GitHubRepo, HubRepoSpec};
use modelseal_scan::filter::Filters;
use modelseal_scan::pipeline::Quiet;
use modelseal_scan::recon::{self, QuietRecon, Services, Target};
use modelseal_scan::source::github::GitHub;
use modelseal_scan::source::http::Http;
use modelseal_scan::source::hub::{self, Hub, HubRepo};
use modelseal_scan::{ScanSettings, Scanner};

fn token() -> String {
    concat!("hf_", "VxKqPzLmWnRtYbGcHdJf", "NsQaEuIoTkXlMv").to_owned()
}

fn scanner() -> Scanner {
    Scanner::new(
        RuleSet::builtin(),
        Filters::default(),
        ScanSettings::default(),
    )
}

fn http() -> Http {
    Http::new().with_base_wait(std::time::Duration::from_millis(5))
}

#[test]
fn a_hub_repository_is_scanned_without_downloading_its_weights() {
    let weights = 3 * 1024 * 1024 * 1024;
    let repo = HubRepoSpec::model("acme/sentiment")
        .file(
            "model.safetensors",
            Content::safetensors(weights, &serde_json::json!({"uploaded_with": token()})),
        )
        .text("train.log", &format!("step 1\nHF_TOKEN={}\n", token()))
        .text("nested/dir/config.json", "{\"hidden_size\": 768}\n");
    let fake = FakeHub::start(vec![repo], "secret-hub-token");
    fake.set_page_size(2);
    let hub = Hub::new(http(), fake.url(), None);
    let outcome = hub::scan_repo(
        &scanner(),
        &hub,
        &HubRepo::parse("hf://acme/sentiment").unwrap(),
        &Quiet,
    );
    assert!(outcome.problems.is_empty(), "{:?}", outcome.problems);
    let locations: Vec<String> = outcome
        .findings
        .iter()
        .map(|f| f.location.to_string())
        .collect();
    assert!(
        locations
            .iter()
            .any(|l| l.starts_with("hf://acme/sentiment@") && l.contains(":train.log:2:")),
        "{locations:?}"
    );
    assert!(
        locations
            .iter()
            .any(|l| l.contains(":model.safetensors#__metadata__.uploaded_with")),
        "{locations:?}"
    );
    assert_eq!(outcome.stats.files_scanned, 3);
    let served = fake.bytes_served();
    assert!(
        served < weights / 1000,
        "{served} bytes served for {weights} of weights"
    );
    let commit = outcome.findings[0]
        .provenance
        .as_ref()
        .unwrap()
        .revision
        .clone()
        .unwrap();
    assert_eq!(commit.len(), 40);
}

#[test]
fn private_repositories_need_the_token() {
    let repo = HubRepoSpec::model("acme/private")
        .private()
        .text("a.txt", &token());
    let fake = FakeHub::start(vec![repo], "hub-token-123");
    let name = HubRepo::parse("hf://acme/private").unwrap();
    let anonymous = Hub::new(http(), fake.url(), None);
    let outcome = hub::scan_repo(&scanner(), &anonymous, &name, &Quiet);
    assert_eq!(outcome.problems.len(), 1);
    assert!(
        outcome.problems[0].message.contains("401"),
        "{:?}",
        outcome.problems
    );
    let signed_in = Hub::new(http(), fake.url(), Some("hub-token-123".to_owned()));
    let outcome = hub::scan_repo(&scanner(), &signed_in, &name, &Quiet);
    assert_eq!(outcome.findings.len(), 1, "{:?}", outcome.problems);
    assert!(
        fake.requests()
            .iter()
            .filter(|r| r.url.contains("/resolve/"))
            .all(|r| r.authorization.as_deref() == Some("Bearer hub-token-123"))
    );
}

#[test]
fn datasets_spaces_and_revisions() {
    let dataset = HubRepoSpec::model("acme/reviews")
        .in_collection("datasets")
        .revision("v2")
        .text("README.md", &format!("token {}\n", token()));
    let space = HubRepoSpec::model("acme/demo")
        .in_collection("spaces")
        .text("app.py", "print('hello')\n");
    let fake = FakeHub::start(vec![dataset, space], "t");
    let hub = Hub::new(http(), fake.url(), None);
    let outcome = hub::scan_repo(
        &scanner(),
        &hub,
        &HubRepo::parse("hf://datasets/acme/reviews@v2").unwrap(),
        &Quiet,
    );
    assert_eq!(outcome.findings.len(), 1);
    assert!(
        outcome.findings[0]
            .location
            .path()
            .starts_with("hf://datasets/acme/reviews@")
    );
    let outcome = hub::scan_repo(
        &scanner(),
        &hub,
        &HubRepo::parse("hf://spaces/acme/demo").unwrap(),
        &Quiet,
    );
    assert!(outcome.findings.is_empty() && outcome.problems.is_empty());
    let missing = hub::scan_repo(
        &scanner(),
        &hub,
        &HubRepo::parse("hf://datasets/acme/reviews@nope").unwrap(),
        &Quiet,
    );
    assert!(
        missing.problems[0].message.contains("404"),
        "{:?}",
        missing.problems
    );
}

#[test]
fn a_broken_file_is_a_problem_and_the_rest_goes_on() {
    let repo = HubRepoSpec::model("acme/m")
        .text("bad.txt", &"x".repeat(200_000))
        .text("good.txt", &format!("{}\n", token()));
    let fake = FakeHub::start(vec![repo], "t");
    let commit = HubRepoSpec::model("acme/m")
        .commit("main")
        .unwrap()
        .to_owned();
    fake.quirks()
        .add_truncate(&format!("/acme/m/resolve/{commit}/bad.txt"));
    let hub = Hub::new(http(), fake.url(), None);
    let outcome = hub::scan_repo(
        &scanner(),
        &hub,
        &HubRepo::parse("hf://acme/m").unwrap(),
        &Quiet,
    );
    assert_eq!(outcome.findings.len(), 1);
    assert_eq!(outcome.problems.len(), 1, "{:?}", outcome.problems);
    assert!(
        outcome.problems[0].path.ends_with(":bad.txt"),
        "{:?}",
        outcome.problems
    );
}

#[test]
fn a_hub_answering_html_is_a_problem_not_a_crash() {
    let fake = FakeHub::start(vec![HubRepoSpec::model("acme/m").text("a", "b")], "t");
    fake.quirks().add_html("/api/models/acme/m/revision/main");
    let hub = Hub::new(http(), fake.url(), None);
    let outcome = hub::scan_repo(
        &scanner(),
        &hub,
        &HubRepo::parse("hf://acme/m").unwrap(),
        &Quiet,
    );
    assert!(
        outcome.problems[0].message.contains("web page"),
        "{:?}",
        outcome.problems
    );
}

#[test]
fn recon_of_a_hub_organization_covers_every_kind() {
    let repos = vec![
        HubRepoSpec::model("acme/one").text("log.txt", &format!("{}\n", token())),
        HubRepoSpec::model("acme/two").text("config.json", "{}"),
        HubRepoSpec::model("acme/data")
            .in_collection("datasets")
            .text("x.csv", "a,b\n"),
        HubRepoSpec::model("acme/app")
            .in_collection("spaces")
            .text("app.py", "import os\n"),
        HubRepoSpec::model("other/three").text("log.txt", &format!("{}\n", token())),
    ];
    let fake = FakeHub::start(repos, "t");
    fake.set_page_size(1);
    fake.quirks().rate_limited.store(1, Ordering::SeqCst);
    let recon = recon::run(
        &scanner(),
        &Target::Hub("acme".into()),
        &services(fake.url(), ""),
        &QuietRecon,
    );
    let names: Vec<&str> = recon.repos.iter().map(|r| r.repo.as_str()).collect();
    assert_eq!(
        names,
        [
            "hf://acme/one",
            "hf://acme/two",
            "hf://datasets/acme/data",
            "hf://spaces/acme/app"
        ]
    );
    assert_eq!(recon.repos[0].secrets, 1);
    assert_eq!(recon.outcome.findings.len(), 1);
    assert!(!recon.interrupted);
}

#[test]
fn recon_of_a_github_organization_reads_each_tarball() {
    let repos = vec![
        GitHubRepo::new("acme", "train")
            .text("scripts/push.sh", &format!("export HF_TOKEN={}\n", token())),
        GitHubRepo::new("acme", "docs").text("README.md", "# docs\n"),
        GitHubRepo::new("acme", "secret-sauce")
            .private()
            .text("x", &token()),
    ];
    let fake = FakeGitHub::start(repos, &[]);
    fake.set_page_size(1);
    fake.rate_limit_next(1);
    let github = GitHub::new(http(), fake.url(), None);
    let listed = github.public_repos("acme").unwrap();
    assert_eq!(listed.len(), 2);
    let outcome = github.scan_repo(&scanner(), &listed[0]);
    assert_eq!(outcome.findings.len(), 1, "{:?}", outcome.problems);
    assert_eq!(
        outcome.findings[0].location.to_string(),
        "gh://acme/train@main:scripts/push.sh:1:17"
    );
}

struct StopAfterFirst(std::sync::Arc<std::sync::atomic::AtomicBool>);
impl recon::ReconObserver for StopAfterFirst {
    fn repo_started(&self, _repo: &str, index: usize, _total: usize) {
        if index == 0 {
            // Ctrl-C arrives while the first repository is scanned.
            self.0.store(true, Ordering::SeqCst);
        }
    }
}

#[test]
fn an_interrupted_recon_keeps_what_it_found() {
    let repos = vec![
        GitHubRepo::new("acme", "a").text("x.txt", &format!("{}\n", token())),
        GitHubRepo::new("acme", "b").text("y.txt", "nothing\n"),
    ];
    let fake = FakeGitHub::start(repos, &[]);
    let services = services("", fake.url());
    let stop = StopAfterFirst(services.http.interrupt_flag());
    let recon = recon::run(&scanner(), &Target::GitHub("acme".into()), &services, &stop);
    assert!(recon.interrupted);
    assert_eq!(recon.listed, 2);
    assert!(recon.repos.len() < 2);
    assert!(
        recon
            .outcome
            .problems
            .iter()
            .any(|p| p.message.contains("interrupted"))
    );
}

fn services(hub: &str, github: &str) -> Services {
    let http = http();
    Services {
        hub: Hub::new(http.clone(), hub, None),
        github: GitHub::new(http.clone(), github, None),
        http,
    }
}

fn write_cache(root: &std::path::Path) -> (String, String) {
    let old = "1111111aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    let new = "2222222bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    let config = ("config.json", b"{\"hidden_size\": 768}\n".to_vec());
    let log = (
        "logs/train.log",
        format!("step 1\nlogin {}\n", token()).into_bytes(),
    );
    modelseal_loopback::write_hub_cache(
        root,
        "models",
        "acme/sentiment",
        &[(old, vec![config.clone(), log]), (new, vec![config])],
    )
    .unwrap();
    (old.to_owned(), new.to_owned())
}

#[test]
fn a_local_hub_cache_is_read_without_network_every_snapshot_once() {
    use modelseal_scan::source::hub_cache;
    let dir = tempfile::tempdir().unwrap();
    let (old, _) = write_cache(dir.path());
    let repos = hub_cache::cached_repos(dir.path()).unwrap();
    assert_eq!(repos.len(), 1);
    let outcome = hub_cache::scan_cached(&scanner(), &repos[0], &Quiet);
    assert!(outcome.problems.is_empty(), "{:?}", outcome.problems);
    assert_eq!(outcome.findings.len(), 1);
    assert_eq!(
        outcome.findings[0].location.to_string(),
        format!("hf://acme/sentiment@{}:logs/train.log:2:7", &old[..7])
    );
    // config.json is in both snapshots but is one blob.
    assert_eq!(outcome.stats.files_scanned, 2);
}
