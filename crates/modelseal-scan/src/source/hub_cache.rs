//! A local hub cache (`~/.cache/huggingface/hub`), read without network:
//! `models--org--name/snapshots/<commit>/<path>` links into `blobs/`. Every
//! snapshot is read (an old one may hold what a newer commit removed), each
//! blob once, and findings are named as on the hub:
//! `hf://org/name@3f2a9c1:config.json`.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use modelseal_formats::Blob;
use rayon::prelude::*;

use super::hub::{HubRepo, RepoKind, hf_home};
use crate::blob::{BlobScanner, Observer, SourceBlob};
use crate::filter::FilterPath;
use crate::outcome::{Problem, ScanOutcome};
use modelseal_findings::{Origin, Provenance};

/// One repository in the cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedRepo {
    pub repo: HubRepo,
    pub dir: PathBuf,
}

/// The cache folder: `HF_HUB_CACHE`, else `$HF_HOME/hub`.
pub fn cache_dir() -> Option<PathBuf> {
    std::env::var_os("HF_HUB_CACHE")
        .map(PathBuf::from)
        .or_else(|| hf_home().map(|home| home.join("hub")))
}

/// The repositories under `path` when it is a hub cache (or one
/// repository's folder in it); `None` when it is an ordinary folder.
pub fn cached_repos(path: &Path) -> Option<Vec<CachedRepo>> {
    if let Some(repo) = cached_repo(path) {
        return Some(vec![repo]);
    }
    let entries = std::fs::read_dir(path).ok()?;
    let mut repos: Vec<CachedRepo> = entries
        .filter_map(Result::ok)
        .filter_map(|e| cached_repo(&e.path()))
        .collect();
    if repos.is_empty() {
        return None;
    }
    repos.sort_by(|a, b| a.dir.cmp(&b.dir));
    Some(repos)
}

/// A repository named in the cache's way: `models--org--name`.
fn cached_repo(dir: &Path) -> Option<CachedRepo> {
    let name = dir.file_name()?.to_str()?;
    let (kind, rest) = if let Some(rest) = name.strip_prefix("models--") {
        (RepoKind::Model, rest)
    } else if let Some(rest) = name.strip_prefix("datasets--") {
        (RepoKind::Dataset, rest)
    } else if let Some(rest) = name.strip_prefix("spaces--") {
        (RepoKind::Space, rest)
    } else {
        return None;
    };
    if !dir.join("snapshots").is_dir() || rest.is_empty() {
        return None;
    }
    Some(CachedRepo {
        repo: HubRepo {
            kind,
            id: rest.replace("--", "/"),
            revision: None,
        },
        dir: dir.to_path_buf(),
    })
}

/// The cached repository a `hf://` name refers to, if the cache holds it.
pub fn find_cached(repo: &HubRepo) -> Option<CachedRepo> {
    let kind = match repo.kind {
        RepoKind::Model => "models",
        RepoKind::Dataset => "datasets",
        RepoKind::Space => "spaces",
    };
    let dir = cache_dir()?.join(format!("{kind}--{}", repo.id.replace('/', "--")));
    cached_repo(&dir).map(|mut cached| {
        cached.repo.revision.clone_from(&repo.revision);
        cached
    })
}

/// Scans the snapshots of a cached repository (only the one a revision
/// names, when `cached.repo.revision` is set).
pub fn scan_cached(
    scanner: &dyn BlobScanner,
    cached: &CachedRepo,
    observer: &dyn Observer,
) -> ScanOutcome {
    let mut outcome = ScanOutcome::default();
    let shown = cached.repo.display();
    let wanted = cached.repo.revision.as_ref().map(|rev| {
        std::fs::read_to_string(cached.dir.join("refs").join(rev))
            .map_or_else(|_| rev.clone(), |c| c.trim().to_owned())
    });
    let snapshots = match std::fs::read_dir(cached.dir.join("snapshots")) {
        Ok(entries) => {
            let mut commits: Vec<String> = entries
                .filter_map(Result::ok)
                .filter(|e| e.path().is_dir())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|c| wanted.as_ref().is_none_or(|w| c.starts_with(w.as_str())))
                .collect();
            commits.sort();
            commits
        }
        Err(e) => {
            outcome.problems.push(Problem::new(
                cached.dir.display().to_string(),
                e.to_string(),
            ));
            return outcome;
        }
    };
    if snapshots.is_empty() {
        outcome.problems.push(Problem::new(
            shown,
            match &wanted {
                Some(rev) => format!("revision {rev} is not in the local cache"),
                None => "the local cache holds no snapshot".to_owned(),
            },
        ));
        return outcome;
    }
    // (commit, path in repo, file on disk), each blob once.
    let mut seen = HashSet::new();
    let mut files: Vec<(String, String, PathBuf, u64)> = Vec::new();
    for commit in &snapshots {
        let root = cached.dir.join("snapshots").join(commit);
        for entry in walkdir(&root) {
            let Ok(target) = std::fs::canonicalize(&entry) else {
                outcome.problems.push(Problem::new(
                    entry.display().to_string(),
                    "a broken link in the cache",
                ));
                continue;
            };
            if !seen.insert(target.clone()) {
                continue;
            }
            let size = std::fs::metadata(&target).map_or(0, |m| m.len());
            let inner = entry
                .strip_prefix(&root)
                .unwrap_or(&entry)
                .to_string_lossy()
                .replace('\\', "/");
            files.push((commit.clone(), inner, target, size));
        }
    }
    observer.started(files.len() as u64, files.iter().map(|f| f.3).sum());
    let scanned = files
        .par_iter()
        .map(|(commit, inner, target, size)| {
            let origin = Origin::Revision {
                repository: shown.clone(),
                revision: commit.clone(),
                path: inner.clone(),
            };
            let provenance = Provenance {
                revision: Some(commit.clone()),
                ..Provenance::default()
            };
            let name = inner.rsplit('/').next().unwrap_or(inner);
            let result = match std::fs::File::open(target) {
                Ok(mut file) => scanner.scan_blob(SourceBlob {
                    origin,
                    name,
                    filter_path: Some(FilterPath::Tree(inner)),
                    provenance: Some(&provenance),
                    data: Blob::Seekable(&mut file),
                }),
                Err(e) => {
                    let mut failed = ScanOutcome::default();
                    failed
                        .problems
                        .push(Problem::new(origin.to_string(), e.to_string()));
                    failed
                }
            };
            observer.file_done(*size);
            result
        })
        .reduce(ScanOutcome::default, ScanOutcome::merge);
    outcome.merge(scanned)
}

/// Every file under `root`, following the snapshot's links into `blobs/`
/// but never out of the repository's folder.
fn walkdir(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_folders_are_named_the_hubs_way() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("models--acme--sentiment/snapshots")).unwrap();
        std::fs::create_dir_all(dir.path().join("datasets--acme--reviews/snapshots")).unwrap();
        std::fs::create_dir_all(dir.path().join(".locks")).unwrap();
        let repos = cached_repos(dir.path()).unwrap();
        let names: Vec<String> = repos.iter().map(|r| r.repo.display()).collect();
        assert_eq!(names, ["hf://datasets/acme/reviews", "hf://acme/sentiment"]);
        assert!(cached_repos(&dir.path().join(".locks")).is_none());
    }
}
