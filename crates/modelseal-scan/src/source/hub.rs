//! Model hubs: `hf://org/name[@revision]`, `hf://datasets/org/name`,
//! `hf://spaces/org/name`, read through the hub's HTTP API without keeping
//! anything on disk. Files are read with range requests, so a weights file
//! costs only its header. The hub's own conventions hold: `HF_ENDPOINT` for
//! the server, `HF_TOKEN` (or the token file the hub's CLI writes) for
//! private repositories.

use std::path::PathBuf;

use modelseal_formats::Blob;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use rayon::prelude::*;
use serde::Deserialize;

use super::http::{Http, HttpError, RemoteFile};
use crate::blob::{BlobScanner, Observer, SourceBlob};
use crate::filter::FilterPath;
use crate::outcome::{Problem, ScanOutcome};
use crate::source::InvalidName;
use modelseal_findings::{Origin, Provenance};

/// The hub used when `HF_ENDPOINT` is not set.
pub const DEFAULT_ENDPOINT: &str = "https://huggingface.co";
/// Files read at once: the work waits on the network, not the CPU.
const PARALLEL_FILES: usize = 8;

/// Characters kept as they are in a path segment of a URL.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// What a hub repository holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RepoKind {
    Model,
    Dataset,
    Space,
}

impl RepoKind {
    pub const ALL: [RepoKind; 3] = [RepoKind::Model, RepoKind::Dataset, RepoKind::Space];

    /// The API's collection name: `models`, `datasets`, `spaces`.
    pub fn collection(self) -> &'static str {
        match self {
            RepoKind::Model => "models",
            RepoKind::Dataset => "datasets",
            RepoKind::Space => "spaces",
        }
    }

    /// What goes before the repo id in `hf://` and download URLs.
    fn prefix(self) -> &'static str {
        match self {
            RepoKind::Model => "",
            RepoKind::Dataset => "datasets/",
            RepoKind::Space => "spaces/",
        }
    }

    pub fn singular(self) -> &'static str {
        match self {
            RepoKind::Model => "model",
            RepoKind::Dataset => "dataset",
            RepoKind::Space => "space",
        }
    }
}

/// A repository on a hub, as the user named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubRepo {
    pub kind: RepoKind,
    /// `org/name` (or `name` for the oldest models).
    pub id: String,
    /// A branch, tag or commit; the default branch when `None`.
    pub revision: Option<String>,
}

impl HubRepo {
    /// Whether `text` names a hub repository (`hf://…`).
    pub fn is_hub(text: &str) -> bool {
        text.starts_with("hf://")
    }

    /// Parses `hf://org/name[@revision]`, `hf://datasets/org/name`,
    /// `hf://spaces/org/name`.
    pub fn parse(text: &str) -> Result<Self, InvalidName> {
        let rest = text
            .strip_prefix("hf://")
            .ok_or_else(|| InvalidName::new(text, "a hub repository starts with hf://"))?;
        let (kind, rest) = if let Some(r) = rest.strip_prefix("datasets/") {
            (RepoKind::Dataset, r)
        } else if let Some(r) = rest.strip_prefix("spaces/") {
            (RepoKind::Space, r)
        } else if let Some(r) = rest.strip_prefix("models/") {
            (RepoKind::Model, r)
        } else {
            (RepoKind::Model, rest)
        };
        let (id, revision) = match rest.split_once('@') {
            Some((id, rev)) if !rev.is_empty() => (id, Some(rev.to_owned())),
            Some(_) => {
                return Err(InvalidName::new(
                    text,
                    "nothing after @ (a branch, tag or commit)",
                ));
            }
            None => (rest, None),
        };
        let id = id.trim_end_matches('/');
        let parts: Vec<&str> = id.split('/').collect();
        let valid = !id.is_empty()
            && parts.len() <= 2
            && parts.iter().all(|p| {
                !p.is_empty()
                    && *p != "."
                    && *p != ".."
                    && p.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            });
        if !valid {
            return Err(InvalidName::new(
                text,
                "expected hf://ORG/NAME[@REVISION] (or hf://datasets/… , hf://spaces/…)",
            ));
        }
        Ok(HubRepo {
            kind,
            id: id.to_owned(),
            revision,
        })
    }

    /// `hf://datasets/org/name`, without the revision.
    pub fn display(&self) -> String {
        format!("hf://{}{}", self.kind.prefix(), self.id)
    }
}

/// One file of a repository at a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubFile {
    pub path: String,
    pub size: u64,
    /// Stored with Git LFS (weights, large data).
    pub lfs: bool,
}

#[derive(Deserialize)]
struct RevisionInfo {
    sha: Option<String>,
}

#[derive(Deserialize)]
struct TreeEntry {
    #[serde(rename = "type")]
    kind: String,
    path: String,
    #[serde(default)]
    size: u64,
    #[serde(default)]
    lfs: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct Listed {
    id: Option<String>,
    #[serde(rename = "modelId")]
    model_id: Option<String>,
}

/// A hub client: endpoint, token, HTTP.
#[derive(Debug, Clone)]
pub struct Hub {
    http: Http,
    endpoint: String,
    token: Option<String>,
}

impl Hub {
    pub fn new(http: Http, endpoint: &str, token: Option<String>) -> Self {
        Hub {
            http,
            endpoint: endpoint.trim_end_matches('/').to_owned(),
            token: token
                .filter(|t| !t.trim().is_empty())
                .map(|t| t.trim().to_owned()),
        }
    }

    /// The hub the environment names: `HF_ENDPOINT`, and a token from
    /// `HF_TOKEN`, else the file `HF_TOKEN_PATH`, else `$HF_HOME/token`
    /// (`~/.cache/huggingface/token`), where `huggingface-cli login` keeps it.
    pub fn from_env(http: Http) -> Self {
        let endpoint = std::env::var("HF_ENDPOINT").unwrap_or_else(|_| DEFAULT_ENDPOINT.to_owned());
        let token = std::env::var("HF_TOKEN")
            .ok()
            .or_else(|| std::env::var("HUGGING_FACE_HUB_TOKEN").ok())
            .or_else(|| token_file().and_then(|p| std::fs::read_to_string(p).ok()));
        Hub::new(http, &endpoint, token)
    }

    pub fn http(&self) -> &Http {
        &self.http
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    fn auth(&self) -> Vec<(&'static str, String)> {
        self.token
            .iter()
            .map(|t| ("authorization", format!("Bearer {t}")))
            .collect()
    }

    fn api(&self, repo: &HubRepo) -> String {
        format!(
            "{}/api/{}/{}",
            self.endpoint,
            repo.kind.collection(),
            repo.id
        )
    }

    /// The commit a revision (default: the main branch) points at.
    pub fn commit(&self, repo: &HubRepo) -> Result<String, HttpError> {
        let revision = repo.revision.as_deref().unwrap_or("main");
        let url = format!("{}/revision/{}", self.api(repo), encode(revision));
        let (info, _): (RevisionInfo, _) = self.http.get_json(&url, &self.auth())?;
        info.sha.ok_or(HttpError::Json {
            url,
            message: "no `sha` in the revision info".to_owned(),
        })
    }

    /// Every file of the repository at `commit`.
    pub fn files(&self, repo: &HubRepo, commit: &str) -> Result<Vec<HubFile>, HttpError> {
        let url = format!(
            "{}/tree/{}?recursive=true&expand=false",
            self.api(repo),
            encode(commit)
        );
        let entries: Vec<TreeEntry> = self.http.get_all(&url, &self.auth())?;
        Ok(entries
            .into_iter()
            .filter(|e| e.kind == "file")
            .map(|e| HubFile {
                path: e.path,
                size: e.size,
                lfs: e.lfs.is_some(),
            })
            .collect())
    }

    /// The download URL of a file at a commit.
    pub fn file_url(&self, repo: &HubRepo, commit: &str, path: &str) -> String {
        let path: Vec<String> = path.split('/').map(encode).collect();
        format!(
            "{}/{}{}/resolve/{}/{}",
            self.endpoint,
            repo.kind.prefix(),
            repo.id,
            encode(commit),
            path.join("/")
        )
    }

    /// Every repository of one kind an author (user or organization) has
    /// published, as `hf://` names.
    pub fn published(&self, kind: RepoKind, author: &str) -> Result<Vec<HubRepo>, HttpError> {
        let url = format!(
            "{}/api/{}?author={}&limit=1000",
            self.endpoint,
            kind.collection(),
            encode(author)
        );
        let listed: Vec<Listed> = self.http.get_all(&url, &self.auth())?;
        Ok(listed
            .into_iter()
            .filter_map(|l| l.id.or(l.model_id))
            .map(|id| HubRepo {
                kind,
                id,
                revision: None,
            })
            .collect())
    }
}

fn encode(text: &str) -> String {
    utf8_percent_encode(text, SEGMENT).to_string()
}

/// Where the hub's CLI keeps its token.
fn token_file() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("HF_TOKEN_PATH") {
        return Some(PathBuf::from(path));
    }
    hf_home().map(|home| home.join("token"))
}

/// `HF_HOME`, else `$XDG_CACHE_HOME/huggingface`, else `~/.cache/huggingface`.
pub fn hf_home() -> Option<PathBuf> {
    if let Some(home) = std::env::var_os("HF_HOME") {
        return Some(PathBuf::from(home));
    }
    if let Some(cache) = std::env::var_os("XDG_CACHE_HOME") {
        return Some(PathBuf::from(cache).join("huggingface"));
    }
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache/huggingface"))
}

/// Scans one hub repository at its revision. What cannot be listed or read
/// becomes a problem; the rest goes on.
pub fn scan_repo(
    scanner: &dyn BlobScanner,
    hub: &Hub,
    repo: &HubRepo,
    observer: &dyn Observer,
) -> ScanOutcome {
    let mut outcome = ScanOutcome::default();
    let shown = match &repo.revision {
        Some(rev) => format!("{}@{rev}", repo.display()),
        None => repo.display(),
    };
    let listed = hub
        .commit(repo)
        .and_then(|commit| hub.files(repo, &commit).map(|files| (commit, files)));
    let (commit, files) = match listed {
        Ok(listed) => listed,
        Err(error) => {
            outcome.problems.push(Problem::new(
                shown,
                format!("cannot list the repository: {error}"),
            ));
            return outcome;
        }
    };
    let total: u64 = files.iter().map(|f| f.size).sum();
    observer.started(files.len() as u64, total);
    let provenance = Provenance {
        revision: Some(commit.clone()),
        ..Provenance::default()
    };
    let scan_one = |file: &HubFile| {
        let url = hub.file_url(repo, &commit, &file.path);
        let mut remote = RemoteFile::new(hub.http.clone(), url, hub.auth(), file.size);
        let name = file.path.rsplit('/').next().unwrap_or(&file.path);
        let result = scanner.scan_blob(SourceBlob {
            origin: Origin::Revision {
                repository: repo.display(),
                revision: commit.clone(),
                path: file.path.clone(),
            },
            name,
            filter_path: Some(FilterPath::Tree(&file.path)),
            provenance: Some(&provenance),
            data: Blob::Seekable(&mut remote),
        });
        observer.file_done(file.size);
        result
    };
    let scanned = match rayon::ThreadPoolBuilder::new()
        .num_threads(PARALLEL_FILES)
        .build()
    {
        Ok(pool) => pool.install(|| {
            files
                .par_iter()
                .map(scan_one)
                .reduce(ScanOutcome::default, ScanOutcome::merge)
        }),
        Err(_) => files
            .iter()
            .map(scan_one)
            .fold(ScanOutcome::default(), ScanOutcome::merge),
    };
    outcome = outcome.merge(scanned);
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_the_way_the_hub_spells_them() {
        let repo = HubRepo::parse("hf://acme/sentiment@v1.2").unwrap();
        assert_eq!(repo.kind, RepoKind::Model);
        assert_eq!(repo.id, "acme/sentiment");
        assert_eq!(repo.revision.as_deref(), Some("v1.2"));
        let data = HubRepo::parse("hf://datasets/acme/reviews").unwrap();
        assert_eq!(data.kind, RepoKind::Dataset);
        assert_eq!(data.display(), "hf://datasets/acme/reviews");
        assert_eq!(
            HubRepo::parse("hf://spaces/acme/demo").unwrap().kind,
            RepoKind::Space
        );
        assert_eq!(HubRepo::parse("hf://gpt2").unwrap().id, "gpt2");
        for bad in [
            "hf://",
            "hf://a/b/c",
            "hf://a/../b",
            "hf://acme/x@",
            "s3://a/b",
            "hf://a b/c",
        ] {
            assert!(HubRepo::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn download_urls_encode_revisions_and_paths() {
        let hub = Hub::new(Http::new(), "http://127.0.0.1:9/", None);
        let repo = HubRepo::parse("hf://datasets/acme/reviews").unwrap();
        assert_eq!(
            hub.file_url(&repo, "refs/pr/1", "data/train split.csv"),
            "http://127.0.0.1:9/datasets/acme/reviews/resolve/refs%2Fpr%2F1/data/train%20split.csv"
        );
    }
}
