//! A hub that answers like the Hugging Face Hub, for the paths and shapes
//! its official client uses.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{Cursor, Read};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use serde_json::json;

use crate::server::{Incoming, Logged, Quirks, Reply, Running, ranged};

/// A file's bytes: given whole, or a header followed by zeros up to `size`
/// (a weights file of many gigabytes that costs no memory).
#[derive(Debug, Clone)]
pub enum Content {
    Bytes(Vec<u8>),
    Synthetic { header: Vec<u8>, size: u64 },
}

impl Content {
    /// A safetensors file of `size` bytes: a real header (holding
    /// `metadata` and one `U8` tensor filling the rest), then zeros.
    pub fn safetensors(size: u64, metadata: &serde_json::Value) -> Content {
        let mut json = String::new();
        let mut data = size;
        // The header's length changes the data length, which is in the
        // header: a few rounds settle it.
        for _ in 0..3 {
            json = json!({
                "__metadata__": metadata,
                "weight": {"dtype": "U8", "shape": [data], "data_offsets": [0, data]},
            })
            .to_string();
            data = size - 8 - json.len() as u64;
        }
        let mut header = (json.len() as u64).to_le_bytes().to_vec();
        header.extend_from_slice(json.as_bytes());
        Content::Synthetic { header, size }
    }

    pub fn size(&self) -> u64 {
        match self {
            Content::Bytes(b) => b.len() as u64,
            Content::Synthetic { size, .. } => *size,
        }
    }

    fn open(&self, start: u64, length: u64) -> Box<dyn Read + Send> {
        match self {
            Content::Bytes(bytes) => {
                let start = usize::try_from(start)
                    .unwrap_or(usize::MAX)
                    .min(bytes.len());
                let end = start
                    .saturating_add(usize::try_from(length).unwrap_or(usize::MAX))
                    .min(bytes.len());
                Box::new(Cursor::new(bytes[start..end].to_vec()))
            }
            Content::Synthetic { header, .. } => {
                let head_len = header.len() as u64;
                let head: Vec<u8> = if start < head_len {
                    let from = usize::try_from(start).unwrap_or(0);
                    let to = usize::try_from((start + length).min(head_len)).unwrap_or(0);
                    header[from..to].to_vec()
                } else {
                    Vec::new()
                };
                let zeros = length - head.len() as u64;
                Box::new(Cursor::new(head).chain(std::io::repeat(0).take(zeros)))
            }
        }
    }
}

/// A repository the fake hub holds.
#[derive(Debug, Clone)]
pub struct HubRepoSpec {
    /// `models`, `datasets` or `spaces`.
    pub collection: String,
    /// `org/name`.
    pub id: String,
    /// Readable only with the hub's token.
    pub private: bool,
    /// Branches and tags, each to a commit id (40 hex digits).
    pub revisions: BTreeMap<String, String>,
    /// Files at every revision (one tree is enough for tests).
    pub files: Vec<(String, Content)>,
    /// Files at least this large are served like Git LFS files: `resolve`
    /// redirects to a content host.
    pub lfs_from: u64,
}

impl HubRepoSpec {
    pub fn model(id: &str) -> Self {
        HubRepoSpec {
            collection: "models".to_owned(),
            id: id.to_owned(),
            private: false,
            revisions: BTreeMap::from([("main".to_owned(), commit_id(id, "main"))]),
            files: Vec::new(),
            lfs_from: 10 * 1024 * 1024,
        }
    }

    #[must_use]
    pub fn in_collection(mut self, collection: &str) -> Self {
        collection.clone_into(&mut self.collection);
        self
    }

    #[must_use]
    pub fn private(mut self) -> Self {
        self.private = true;
        self
    }

    #[must_use]
    pub fn file(mut self, path: &str, content: Content) -> Self {
        self.files.push((path.to_owned(), content));
        self
    }

    #[must_use]
    pub fn text(self, path: &str, text: &str) -> Self {
        self.file(path, Content::Bytes(text.as_bytes().to_vec()))
    }

    #[must_use]
    pub fn revision(mut self, name: &str) -> Self {
        let id = commit_id(&self.id, name);
        self.revisions.insert(name.to_owned(), id);
        self
    }

    pub fn commit(&self, revision: &str) -> Option<&str> {
        if revision.len() == 40 && self.revisions.values().any(|c| c == revision) {
            return Some(self.revisions.values().find(|c| *c == revision)?.as_str());
        }
        self.revisions.get(revision).map(String::as_str)
    }
}

/// A made-up but stable commit id.
fn commit_id(id: &str, revision: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{id}@{revision}").as_bytes());
    digest.iter().take(20).fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// The fake hub; stops when dropped.
pub struct FakeHub {
    running: Running,
    state: Arc<Mutex<HubState>>,
}

struct HubState {
    repos: Vec<HubRepoSpec>,
    token: String,
    page_size: usize,
}

impl FakeHub {
    /// Starts a hub holding `repos`; private ones need `token`.
    pub fn start(repos: Vec<HubRepoSpec>, token: &str) -> Self {
        let state = Arc::new(Mutex::new(HubState {
            repos,
            token: token.to_owned(),
            page_size: 50,
        }));
        let handler_state = Arc::clone(&state);
        let running = Running::start(Arc::new(move |incoming: &Incoming| {
            let state = handler_state.lock().unwrap();
            route(&state, incoming)
        }));
        FakeHub { running, state }
    }

    /// The value for `HF_ENDPOINT`.
    pub fn url(&self) -> &str {
        &self.running.url
    }

    /// Listings return at most this many entries per page.
    pub fn set_page_size(&self, size: usize) {
        self.state.lock().unwrap().page_size = size.max(1);
    }

    pub fn quirks(&self) -> &Quirks {
        &self.running.quirks
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Logged> {
        self.running.log.lock().unwrap().clone()
    }

    /// Body bytes sent so far.
    pub fn bytes_served(&self) -> u64 {
        self.running.served.load(Ordering::SeqCst)
    }
}

impl HubState {
    fn repo(&self, collection: &str, id: &str) -> Option<&HubRepoSpec> {
        self.repos
            .iter()
            .find(|r| r.collection == collection && r.id == id)
    }

    fn authorized(&self, incoming: &Incoming) -> bool {
        incoming.authorization.as_deref() == Some(&format!("Bearer {}", self.token))
    }
}

fn not_found() -> Reply {
    Reply::json(404, &json!({"error": "Repository Not Found"}))
        .header("x-error-code", "RepoNotFound")
}

fn route(state: &HubState, incoming: &Incoming) -> Reply {
    let path = incoming.path.trim_start_matches('/');
    let segments: Vec<&str> = path.split('/').collect();
    if segments.first() == Some(&"api") {
        return api(state, incoming, &segments[1..]);
    }
    if segments.first() == Some(&"lfs-content") {
        // lfs-content/<collection>/<org>/<name>/<path...>
        if segments.len() >= 5
            && let Some(repo) = state.repo(segments[1], &format!("{}/{}", segments[2], segments[3]))
        {
            let file = segments[4..].join("/");
            if let Some((_, content)) = repo.files.iter().find(|(p, _)| *p == file) {
                return ranged(incoming.range.as_deref(), content.size(), |s, l| {
                    content.open(s, l)
                });
            }
        }
        return not_found();
    }
    // [datasets/|spaces/]org/name/resolve/<revision>/<path...>
    let (collection, rest) = match segments.first() {
        Some(&"datasets") => ("datasets", &segments[1..]),
        Some(&"spaces") => ("spaces", &segments[1..]),
        _ => ("models", &segments[..]),
    };
    let Some(resolve) = rest.iter().position(|s| *s == "resolve") else {
        return not_found();
    };
    let id = rest[..resolve].join("/");
    let Some(repo) = state.repo(collection, &id) else {
        return not_found();
    };
    if repo.private && !state.authorized(incoming) {
        return Reply::json(401, &json!({"error": "Invalid credentials"}));
    }
    let Some(revision) = rest.get(resolve + 1) else {
        return not_found();
    };
    let Some(commit) = repo.commit(revision) else {
        return Reply::json(404, &json!({"error": "Revision Not Found"}));
    };
    let file = rest[resolve + 2..].join("/");
    let Some((_, content)) = repo.files.iter().find(|(p, _)| *p == file) else {
        return Reply::json(404, &json!({"error": "Entry Not Found"}));
    };
    if content.size() >= repo.lfs_from {
        let target = format!(
            "{}/lfs-content/{}/{}/{}",
            incoming.base, collection, id, file
        );
        return Reply::redirect(&target)
            .header("x-repo-commit", commit)
            .header("x-linked-size", &content.size().to_string());
    }
    ranged(incoming.range.as_deref(), content.size(), |s, l| {
        content.open(s, l)
    })
    .header("x-repo-commit", commit)
}

fn api(state: &HubState, incoming: &Incoming, segments: &[&str]) -> Reply {
    let Some(&collection) = segments.first() else {
        return not_found();
    };
    if !["models", "datasets", "spaces"].contains(&collection) {
        return not_found();
    }
    if segments.len() == 1 {
        let author = incoming.query("author").unwrap_or_default();
        let ids: Vec<serde_json::Value> = state
            .repos
            .iter()
            .filter(|r| r.collection == collection && r.id.split('/').next() == Some(author))
            .filter(|r| !r.private || state.authorized(incoming))
            .map(|r| json!({"id": r.id, "private": r.private}))
            .collect();
        return page(state, incoming, &ids);
    }
    // /api/<collection>/<org>/<name>/(revision|tree)/<rev>
    if segments.len() < 5 {
        return not_found();
    }
    let id = format!("{}/{}", segments[1], segments[2]);
    let Some(repo) = state.repo(collection, &id) else {
        return not_found();
    };
    if repo.private && !state.authorized(incoming) {
        return Reply::json(
            401,
            &json!({"error": "Invalid credentials in Authorization header"}),
        );
    }
    let Some(commit) = repo.commit(segments[4]) else {
        return Reply::json(
            404,
            &json!({"error": format!("Invalid rev id: {}", segments[4])}),
        )
        .header("x-error-code", "RevisionNotFound");
    };
    match segments[3] {
        "revision" => {
            let siblings: Vec<serde_json::Value> = repo
                .files
                .iter()
                .map(|(p, _)| json!({"rfilename": p}))
                .collect();
            Reply::json(
                200,
                &json!({"id": repo.id, "sha": commit, "private": repo.private, "siblings": siblings}),
            )
        }
        "tree" => {
            let entries: Vec<serde_json::Value> = repo
                .files
                .iter()
                .map(|(p, c)| {
                    let mut entry = json!({"type": "file", "oid": commit_id(p, commit), "size": c.size(), "path": p});
                    if c.size() >= repo.lfs_from {
                        entry["lfs"] = json!({"oid": commit_id(p, "lfs"), "size": c.size(), "pointerSize": 134});
                    }
                    entry
                })
                .collect();
            page(state, incoming, &entries)
        }
        _ => not_found(),
    }
}

/// One page of a listing, with a `Link` to the next as the hub sends it.
fn page(state: &HubState, incoming: &Incoming, items: &[serde_json::Value]) -> Reply {
    let start: usize = incoming
        .query("cursor")
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let end = (start + state.page_size).min(items.len());
    let body = json!(items.get(start..end).unwrap_or_default());
    let mut reply = Reply::json(200, &body);
    if end < items.len() {
        let mut query: Vec<String> = incoming
            .query
            .iter()
            .filter(|(k, _)| k != "cursor")
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        query.push(format!("cursor={end}"));
        let next = format!("{}{}?{}", incoming.base, incoming.path, query.join("&"));
        reply = reply.header("link", &format!("<{next}>; rel=\"next\""));
    }
    reply
}
