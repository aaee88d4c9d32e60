//! GitHub: an organization's or user's public repositories, each read from
//! its default branch's tarball as it streams in (nothing is written to
//! disk). `GITHUB_API_URL` points elsewhere (GitHub Enterprise, a test
//! server); `GITHUB_TOKEN` or `GH_TOKEN` raise the rate limit.

use std::io::Read;

use flate2::read::GzDecoder;
use modelseal_formats::Blob;
use serde::Deserialize;

use super::http::{Http, HttpError};
use crate::blob::{BlobScanner, SourceBlob};
use crate::filter::FilterPath;
use crate::outcome::{Problem, ScanOutcome};
use modelseal_findings::{Origin, Provenance};

/// The API used when `GITHUB_API_URL` is not set.
pub const DEFAULT_API: &str = "https://api.github.com";

/// A repository as the API lists it.
#[derive(Debug, Clone, Deserialize)]
pub struct GitHubRepo {
    pub full_name: String,
    #[serde(default)]
    pub default_branch: Option<String>,
    #[serde(default)]
    pub archived: bool,
    #[serde(default)]
    pub fork: bool,
}

impl GitHubRepo {
    pub fn display(&self) -> String {
        format!("gh://{}", self.full_name)
    }
}

#[derive(Debug, Clone)]
pub struct GitHub {
    http: Http,
    api: String,
    token: Option<String>,
}

impl GitHub {
    pub fn new(http: Http, api: &str, token: Option<String>) -> Self {
        GitHub {
            http,
            api: api.trim_end_matches('/').to_owned(),
            token: token.filter(|t| !t.trim().is_empty()),
        }
    }

    pub fn from_env(http: Http) -> Self {
        let api = std::env::var("GITHUB_API_URL").unwrap_or_else(|_| DEFAULT_API.to_owned());
        let token = std::env::var("GITHUB_TOKEN")
            .ok()
            .or_else(|| std::env::var("GH_TOKEN").ok());
        GitHub::new(http, &api, token)
    }

    fn headers(&self) -> Vec<(&'static str, String)> {
        let mut headers = vec![
            ("accept", "application/vnd.github+json".to_owned()),
            ("x-github-api-version", "2022-11-28".to_owned()),
        ];
        if let Some(token) = &self.token {
            headers.push(("authorization", format!("Bearer {token}")));
        }
        headers
    }

    /// An organization's public repositories, or a user's when no
    /// organization has that name.
    pub fn public_repos(&self, owner: &str) -> Result<Vec<GitHubRepo>, HttpError> {
        let org = format!("{}/orgs/{owner}/repos?type=public&per_page=100", self.api);
        match self.http.get_all(&org, &self.headers()) {
            Err(error) if error.status() == Some(404) => {
                let user = format!("{}/users/{owner}/repos?type=owner&per_page=100", self.api);
                self.http.get_all(&user, &self.headers())
            }
            other => other,
        }
    }

    /// Scans a repository's default branch from its tarball.
    pub fn scan_repo(&self, scanner: &dyn BlobScanner, repo: &GitHubRepo) -> ScanOutcome {
        let mut outcome = ScanOutcome::default();
        let branch = repo
            .default_branch
            .clone()
            .unwrap_or_else(|| "HEAD".to_owned());
        let url = format!("{}/repos/{}/tarball/{branch}", self.api, repo.full_name);
        let shown = repo.display();
        let mut response = match self.http.get(&url, &self.headers()) {
            Ok(response) => response,
            Err(error) => {
                outcome
                    .problems
                    .push(Problem::new(shown, format!("cannot download: {error}")));
                return outcome;
            }
        };
        let body = self.http.counted(response.body_mut().as_reader());
        let mut archive = tar::Archive::new(GzDecoder::new(body));
        let provenance = Provenance {
            revision: Some(branch.clone()),
            ..Provenance::default()
        };
        let entries = match archive.entries() {
            Ok(entries) => entries,
            Err(error) => {
                outcome
                    .problems
                    .push(Problem::new(shown, format!("not a tarball: {error}")));
                return outcome;
            }
        };
        for entry in entries {
            let mut entry = match entry {
                Ok(entry) => entry,
                Err(error) => {
                    outcome.problems.push(Problem::new(
                        shown.clone(),
                        format!("the tarball stopped part-way ({error}); files before that point are kept"),
                    ));
                    break;
                }
            };
            if !entry.header().entry_type().is_file() {
                continue;
            }
            let Ok(path) = entry.path().map(|p| p.to_string_lossy().into_owned()) else {
                continue;
            };
            // GitHub puts everything under one `owner-name-commit/` folder.
            let inner = path
                .split_once('/')
                .map_or(path.as_str(), |(_, rest)| rest)
                .to_owned();
            let name = inner.rsplit('/').next().unwrap_or(&inner).to_owned();
            let scanned = scanner.scan_blob(SourceBlob {
                origin: Origin::Revision {
                    repository: shown.clone(),
                    revision: branch.clone(),
                    path: inner.clone(),
                },
                name: &name,
                filter_path: Some(FilterPath::Tree(&inner)),
                provenance: Some(&provenance),
                data: Blob::Stream(&mut entry as &mut dyn Read),
            });
            outcome = outcome.merge(scanned);
        }
        outcome
    }
}
