//! An API that answers like GitHub's REST API for what `recon gh:ORG`
//! asks: an organization's (or user's) public repositories, page by page,
//! and each repository's tarball behind a redirect.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use flate2::Compression;
use flate2::write::GzEncoder;
use serde_json::json;

use crate::server::{Incoming, Logged, Quirks, Reply, Running};

/// A repository on the fake GitHub.
#[derive(Debug, Clone)]
pub struct GitHubRepo {
    pub owner: String,
    pub name: String,
    pub private: bool,
    pub default_branch: String,
    pub files: Vec<(String, Vec<u8>)>,
}

impl GitHubRepo {
    pub fn new(owner: &str, name: &str) -> Self {
        GitHubRepo {
            owner: owner.to_owned(),
            name: name.to_owned(),
            private: false,
            default_branch: "main".to_owned(),
            files: Vec::new(),
        }
    }

    #[must_use]
    pub fn text(mut self, path: &str, text: &str) -> Self {
        self.files.push((path.to_owned(), text.as_bytes().to_vec()));
        self
    }

    #[must_use]
    pub fn private(mut self) -> Self {
        self.private = true;
        self
    }
}

/// The fake GitHub API; stops when dropped.
pub struct FakeGitHub {
    running: Running,
    /// Requests answered with a primary rate limit (403, remaining 0).
    pub rate_limited: Arc<AtomicUsize>,
    state: Arc<Mutex<GitHubState>>,
}

struct GitHubState {
    repos: Vec<GitHubRepo>,
    /// Names answered as users (`/users/NAME/repos`), not organizations.
    users: Vec<String>,
    page_size: usize,
}

impl FakeGitHub {
    pub fn start(repos: Vec<GitHubRepo>, users: &[&str]) -> Self {
        let state = Arc::new(Mutex::new(GitHubState {
            repos,
            users: users.iter().map(|u| (*u).to_owned()).collect(),
            page_size: 30,
        }));
        let rate_limited = Arc::new(AtomicUsize::new(0));
        let (handler_state, limited) = (Arc::clone(&state), Arc::clone(&rate_limited));
        let running = Running::start(Arc::new(move |incoming: &Incoming| {
            if Quirks::take(&limited) {
                let reset = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs() + 1);
                return Reply::json(403, &json!({"message": "API rate limit exceeded"}))
                    .header("x-ratelimit-remaining", "0")
                    .header("x-ratelimit-reset", &reset.to_string());
            }
            let state = handler_state.lock().unwrap();
            route(&state, incoming)
        }));
        FakeGitHub {
            running,
            rate_limited,
            state,
        }
    }

    /// The value for `GITHUB_API_URL`.
    pub fn url(&self) -> &str {
        &self.running.url
    }

    pub fn set_page_size(&self, size: usize) {
        self.state.lock().unwrap().page_size = size.max(1);
    }

    pub fn quirks(&self) -> &Quirks {
        &self.running.quirks
    }

    pub fn requests(&self) -> Vec<Logged> {
        self.running.log.lock().unwrap().clone()
    }

    pub fn rate_limit_next(&self, requests: usize) {
        self.rate_limited.store(requests, Ordering::SeqCst);
    }
}

fn not_found() -> Reply {
    Reply::json(404, &json!({"message": "Not Found"}))
}

fn route(state: &GitHubState, incoming: &Incoming) -> Reply {
    let segments: Vec<&str> = incoming.path.trim_start_matches('/').split('/').collect();
    match segments.as_slice() {
        ["orgs", org, "repos"] if !state.users.iter().any(|u| u == org) => {
            list(state, incoming, org)
        }
        ["users", user, "repos"] if state.users.iter().any(|u| u == user) => {
            list(state, incoming, user)
        }
        ["repos", owner, name, "tarball", ..] => match find(state, owner, name) {
            Some(_) => {
                Reply::redirect(&format!("{}/codeload/{owner}/{name}/tar.gz", incoming.base))
            }
            None => not_found(),
        },
        ["codeload", owner, name, "tar.gz"] => match find(state, owner, name) {
            Some(repo) => {
                Reply::bytes(200, tarball(repo)).header("content-type", "application/x-gzip")
            }
            None => not_found(),
        },
        _ => not_found(),
    }
}

fn find<'a>(state: &'a GitHubState, owner: &str, name: &str) -> Option<&'a GitHubRepo> {
    state
        .repos
        .iter()
        .find(|r| r.owner == owner && r.name == name && !r.private)
}

fn list(state: &GitHubState, incoming: &Incoming, owner: &str) -> Reply {
    let repos: Vec<serde_json::Value> = state
        .repos
        .iter()
        .filter(|r| r.owner == owner && !r.private)
        .map(|r| {
            json!({
                "name": r.name,
                "full_name": format!("{}/{}", r.owner, r.name),
                "private": r.private,
                "default_branch": r.default_branch,
                "size": r.files.iter().map(|(_, b)| b.len()).sum::<usize>() / 1024,
                "archived": false,
                "fork": false,
            })
        })
        .collect();
    let per_page: usize = incoming
        .query("per_page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(state.page_size)
        .min(state.page_size);
    let page: usize = incoming
        .query("page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1)
        .max(1);
    let start = (page - 1) * per_page;
    let end = (start + per_page).min(repos.len());
    let mut reply = Reply::json(200, &json!(repos.get(start..end).unwrap_or_default()));
    if end < repos.len() {
        let mut query: Vec<String> = incoming
            .query
            .iter()
            .filter(|(k, _)| k != "page")
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        query.push(format!("page={}", page + 1));
        let next = format!("{}{}?{}", incoming.base, incoming.path, query.join("&"));
        reply = reply.header("link", &format!("<{next}>; rel=\"next\""));
    }
    reply
}

/// The repository as GitHub's tarball endpoint gives it: a gzip'd tar with
/// one top folder named `owner-name-<commit>`.
fn tarball(repo: &GitHubRepo) -> Vec<u8> {
    let top = format!("{}-{}-0a1b2c3", repo.owner, repo.name);
    let mut builder = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::fast()));
    for (path, bytes) in &repo.files {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(1_700_000_000);
        header.set_cksum();
        builder
            .append_data(&mut header, format!("{top}/{path}"), bytes.as_slice())
            .expect("tar in memory");
    }
    builder
        .into_inner()
        .and_then(flate2::write::GzEncoder::finish)
        .expect("gzip in memory")
}
