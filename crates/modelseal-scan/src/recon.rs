//! The attacker's view of an organization: everything it has published on a
//! hub or GitHub, listed and scanned, with a summary per repository.

use std::fmt;

use modelseal_engine::{Kind, Severity};
use serde::Serialize;

use crate::blob::{BlobScanner, Observer, Quiet};
use crate::outcome::{Problem, ScanOutcome};
use crate::source::InvalidName;
use crate::source::github::GitHub;
use crate::source::http::Http;
use crate::source::hub::{self, Hub, HubRepo, RepoKind};

/// Whose publications to look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `hf:ORG`: models, datasets and spaces of a hub user or organization.
    Hub(String),
    /// `gh:ORG`: public repositories of a GitHub organization or user.
    GitHub(String),
}

impl Target {
    pub fn parse(text: &str) -> Result<Self, InvalidName> {
        let (scheme, name) = text
            .split_once(':')
            .ok_or_else(|| InvalidName::new(text, "expected hf:ORG or gh:ORG"))?;
        let name = name.trim_start_matches("//").trim_end_matches('/');
        let valid = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
        if !valid {
            return Err(InvalidName::new(
                text,
                format!("`{name}` is not an organization or user name"),
            ));
        }
        match scheme {
            "hf" => Ok(Target::Hub(name.to_owned())),
            "gh" => Ok(Target::GitHub(name.to_owned())),
            _ => Err(InvalidName::new(text, "expected hf:ORG or gh:ORG")),
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Hub(name) => write!(f, "hf:{name}"),
            Target::GitHub(name) => write!(f, "gh:{name}"),
        }
    }
}

/// What one repository showed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RepoSummary {
    /// `hf://acme/sentiment`, `hf://datasets/acme/reviews`, `gh://acme/train`.
    pub repo: String,
    pub kind: String,
    pub files_scanned: u64,
    pub secrets: usize,
    pub metadata: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worst: Option<Severity>,
    /// Parts that could not be read.
    pub problems: usize,
}

/// A whole recon: the summaries, every finding, and whether it ran to the end.
#[derive(Debug, Default)]
pub struct Recon {
    pub repos: Vec<RepoSummary>,
    pub outcome: ScanOutcome,
    /// Repositories listed; fewer were scanned when interrupted.
    pub listed: usize,
    pub interrupted: bool,
}

/// Progress of a recon, for the binary to show.
pub trait ReconObserver: Sync {
    fn listed(&self, _repos: usize) {}
    fn repo_started(&self, _repo: &str, _index: usize, _total: usize) {}
}

pub struct QuietRecon;
impl ReconObserver for QuietRecon {}

/// The services a recon talks to, sharing one HTTP client (and so one
/// interrupt flag and one byte count).
#[derive(Debug, Clone)]
pub struct Services {
    pub http: Http,
    pub hub: Hub,
    pub github: GitHub,
}

impl Services {
    /// The services the environment names (`HF_ENDPOINT`, `HF_TOKEN`,
    /// `GITHUB_API_URL`, `GITHUB_TOKEN`, ...).
    pub fn from_env(http: Http) -> Self {
        Services {
            hub: Hub::from_env(http.clone()),
            github: GitHub::from_env(http.clone()),
            http,
        }
    }
}

/// Lists what `target` has published and scans it, one repository at a
/// time. When the HTTP client is interrupted, stops between repositories
/// and keeps what was found.
pub fn run(
    scanner: &dyn BlobScanner,
    target: &Target,
    services: &Services,
    observer: &dyn ReconObserver,
) -> Recon {
    let mut recon = Recon::default();
    let http = &services.http;
    match target {
        Target::Hub(author) => {
            let hub = &services.hub;
            let mut repos: Vec<HubRepo> = Vec::new();
            for kind in RepoKind::ALL {
                match hub.published(kind, author) {
                    Ok(found) => repos.extend(found),
                    Err(error) => recon.outcome.problems.push(Problem::new(
                        target.to_string(),
                        format!("cannot list {}: {error}", kind.collection()),
                    )),
                }
            }
            recon.listed = repos.len();
            observer.listed(repos.len());
            for (index, repo) in repos.iter().enumerate() {
                if http.is_interrupted() {
                    recon.interrupted = true;
                    break;
                }
                let name = repo.display();
                observer.repo_started(&name, index, repos.len());
                let outcome = hub::scan_repo(scanner, hub, repo, &Quiet as &dyn Observer);
                recon.add(name, repo.kind.singular(), outcome);
            }
        }
        Target::GitHub(owner) => {
            let github = &services.github;
            let repos = match github.public_repos(owner) {
                Ok(repos) => repos,
                Err(error) => {
                    recon.outcome.problems.push(Problem::new(
                        target.to_string(),
                        format!("cannot list repositories: {error}"),
                    ));
                    Vec::new()
                }
            };
            recon.listed = repos.len();
            observer.listed(repos.len());
            for (index, repo) in repos.iter().enumerate() {
                if http.is_interrupted() {
                    recon.interrupted = true;
                    break;
                }
                observer.repo_started(&repo.display(), index, repos.len());
                let outcome = github.scan_repo(scanner, repo);
                recon.add(repo.display(), "repository", outcome);
            }
        }
    }
    if http.is_interrupted() && recon.repos.len() < recon.listed {
        recon.interrupted = true;
    }
    if recon.interrupted {
        recon.outcome.problems.push(Problem::new(
            target.to_string(),
            format!(
                "interrupted: {} of {} repositories scanned; the report covers those",
                recon.repos.len(),
                recon.listed
            ),
        ));
    }
    recon.outcome.stats.bytes_transferred = http.transferred();
    recon.outcome.sort();
    recon
}

impl Recon {
    fn add(&mut self, repo: String, kind: &str, outcome: ScanOutcome) {
        let count = |k: Kind| outcome.findings.iter().filter(|f| f.kind == k).count();
        self.repos.push(RepoSummary {
            repo,
            kind: kind.to_owned(),
            files_scanned: outcome.stats.files_scanned,
            secrets: count(Kind::Secret),
            metadata: count(Kind::Metadata),
            worst: outcome.findings.iter().map(|f| f.severity).max(),
            problems: outcome.problems.len(),
        });
        let outcome = std::mem::take(&mut self.outcome).merge(outcome);
        self.outcome = outcome;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse() {
        assert_eq!(
            Target::parse("hf:acme").unwrap(),
            Target::Hub("acme".into())
        );
        assert_eq!(
            Target::parse("gh:acme-ml").unwrap(),
            Target::GitHub("acme-ml".into())
        );
        assert_eq!(
            Target::parse("hf://acme/").unwrap(),
            Target::Hub("acme".into())
        );
        for bad in ["acme", "s3:acme", "hf:", "gh:a/b", "hf:a b"] {
            assert!(Target::parse(bad).is_err(), "{bad}");
        }
    }
}
