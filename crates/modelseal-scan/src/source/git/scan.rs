//! The git source: a repository's history and its staged changes.
//!
//! History: each blob is read once, however many commits hold it, in
//! parallel, through the same format readers as files on disk. A finding
//! names the commit that introduced the blob at its path; the same secret
//! found again in later versions of the same file is not reported again,
//! since those versions did not introduce it.
//!
//! "Still present" means: the same value (same fingerprint: rule and secret)
//! is found in some file of HEAD's tree, at any path. A secret moved to
//! another file is still present; a secret removed everywhere is "gone from
//! HEAD, still in history". Under `--since`, when HEAD holds files that
//! were not read again, a secret not seen at HEAD is "unknown", not "gone".

use std::collections::{HashMap, HashSet};
use std::io::Cursor;
use std::path::Path;

use gix::bstr::ByteSlice;
use modelseal_formats::Blob;
use rayon::prelude::*;

use modelseal_findings::{Finding, Origin, Provenance};

use super::history::{self, GitBlob, History};
use super::{GitError, GitOptions, short, staged};
use crate::blob::{BlobScanner, SourceBlob};
use crate::filter::FilterPath;
use crate::outcome::{Problem, ScanOutcome};

/// Findings per blob, kept apart until the history is put in order.
#[derive(Default)]
struct Collected {
    by_blob: Vec<(usize, Vec<Finding>)>,
    rest: ScanOutcome,
}

impl Collected {
    fn merge(mut self, other: Collected) -> Self {
        self.by_blob.extend(other.by_blob);
        self.rest = self.rest.merge(other.rest);
        self
    }
}

/// Scans the full history of the repository at `path` (a work tree or a
/// bare repository). A path that is no repository, and every object that
/// cannot be read, become problems; only a `--since` that names neither
/// a revision nor a date is an error.
pub fn scan_history(
    scanner: &dyn BlobScanner,
    path: &Path,
    options: &GitOptions,
) -> Result<ScanOutcome, GitError> {
    let display = super::display_name(path);
    let mut outcome = ScanOutcome::default();
    let repo = match super::open(path) {
        Ok(repo) => repo,
        Err(error) => {
            let message = match error {
                GitError::NotARepository { message, .. } => {
                    format!("not a git repository ({message})")
                }
                other => other.to_string(),
            };
            outcome.problems.push(Problem::new(display, message));
            return Ok(outcome);
        }
    };
    // The walk (one thread: it follows commits and trees in order) and the
    // scan of the blobs it finds (every core) run at once.
    let shared = repo.into_sync();
    let (found, blobs) = std::sync::mpsc::channel();
    let (history, collected) = std::thread::scope(|threads| {
        let walk = threads.spawn(|| {
            let repo = shared.to_thread_local();
            history::read(&repo, &display, options, Some(found))
        });
        let collected = blobs
            .into_iter()
            .par_bridge()
            .map_init(
                || shared.to_thread_local(),
                |repo, (i, blob, commit)| scan_git_blob(scanner, repo, &display, commit, i, &blob),
            )
            .reduce(Collected::default, Collected::merge);
        (
            walk.join().expect("the history walk does not panic"),
            collected,
        )
    });
    let history = history?;
    let repo = shared.to_thread_local();
    outcome = outcome.merge(in_history_order(&repo, &history, collected));
    outcome.stats.commits_scanned = history.commits_walked;
    outcome.problems.extend(history.problems);
    outcome.sort();
    Ok(outcome)
}

fn scan_git_blob(
    scanner: &dyn BlobScanner,
    repo: &gix::Repository,
    display: &str,
    commit: Option<gix::ObjectId>,
    i: usize,
    blob: &GitBlob,
) -> Collected {
    let path = blob.path.to_str_lossy();
    let origin = Origin::Git {
        repository: display.to_owned(),
        commit: commit.map(|id| id.to_string()),
        path: path.clone().into_owned(),
        blob: (blob.commit.is_none() && path.is_empty()).then(|| blob.id.to_string()),
    };
    let mut collected = Collected::default();
    let data = match repo.find_object(blob.id) {
        Ok(object) => object.detach().data,
        Err(e) => {
            collected.rest.problems.push(Problem::new(
                origin.to_string(),
                format!("cannot read blob {}: {e}", short(&blob.id)),
            ));
            return collected;
        }
    };
    let name = path.rsplit('/').next().unwrap_or_default();
    let for_filters = (!path.is_empty()).then(|| FilterPath::Tree(path.as_ref()));
    let mut cursor = Cursor::new(data.as_slice());
    let mut outcome = scanner.scan_blob(SourceBlob {
        origin,
        name,
        filter_path: for_filters,
        provenance: None,
        data: Blob::Seekable(&mut cursor),
    });
    if !outcome.findings.is_empty() {
        collected
            .by_blob
            .push((i, std::mem::take(&mut outcome.findings)));
    }
    collected.rest = outcome;
    collected
}

/// One finding per value per path, at the version that introduced it,
/// with its commit, author, date and whether HEAD still holds it.
fn in_history_order(
    repo: &gix::Repository,
    history: &History,
    mut collected: Collected,
) -> ScanOutcome {
    let mut outcome = collected.rest;
    let at_head: HashSet<&str> = match &history.head_blobs {
        Some(head) => collected
            .by_blob
            .iter()
            .filter(|(i, _)| head.contains(&history.blobs[*i].id))
            .flat_map(|(_, findings)| findings.iter().map(|f| f.fingerprint.as_str()))
            .collect(),
        None => HashSet::new(),
    };
    let head_complete = history
        .head_blobs
        .as_ref()
        .is_some_and(|head| head.is_disjoint(&history.skipped_blobs));
    let at_head: HashSet<String> = at_head.into_iter().map(str::to_owned).collect();
    collected.by_blob.sort_by_key(|(i, _)| *i);
    let mut reported = HashSet::new();
    let mut commits: HashMap<u32, Option<(String, String)>> = HashMap::new();
    for (i, findings) in collected.by_blob {
        let blob = &history.blobs[i];
        for mut finding in findings {
            let key = (
                finding.fingerprint.clone(),
                blob.path.clone(),
                finding.location.members.clone(),
                finding.location.field.clone(),
            );
            if !reported.insert(key) {
                continue;
            }
            if let Some(c) = blob.commit {
                let id = history.commits[c as usize].id;
                let (author, date) = commits
                    .entry(c)
                    .or_insert_with(|| author_and_date(repo, id))
                    .clone()
                    .unzip();
                let still_present = if at_head.contains(&finding.fingerprint) {
                    Some(true)
                } else {
                    head_complete.then_some(false)
                };
                finding.provenance = Some(Provenance {
                    commit: Some(id.to_string()),
                    author,
                    date,
                    still_present,
                    ..Provenance::default()
                });
            }
            outcome.findings.push(finding);
        }
    }
    outcome
}

/// Scans what is staged in the repository holding `start`: new files
/// whole, changed text files by their added lines only (line numbers
/// are the staged file's). Locations are paths inside the repository.
pub fn scan_staged(scanner: &dyn BlobScanner, start: &Path) -> Result<ScanOutcome, GitError> {
    let staged = staged::read(start)?;
    let mut outcome = staged
        .files
        .par_iter()
        .map(|file| {
            let path = file.path.to_str_lossy();
            let name = path.rsplit('/').next().unwrap_or_default();
            let mut cursor = Cursor::new(file.data.as_slice());
            scanner.scan_blob(SourceBlob {
                origin: Origin::file(path.as_ref()),
                name,
                filter_path: Some(FilterPath::Disk(&staged.workdir.join(path.as_ref()))),
                provenance: None,
                data: Blob::Seekable(&mut cursor),
            })
        })
        .reduce(ScanOutcome::default, ScanOutcome::merge);
    outcome.problems.extend(staged.problems);
    outcome.sort();
    Ok(outcome)
}

/// A commit's author as `Name <email>` and its author date in RFC 3339.
fn author_and_date(repo: &gix::Repository, id: gix::ObjectId) -> Option<(String, String)> {
    let commit = repo.find_commit(id).ok()?;
    let decoded = commit.decode().ok()?;
    let author = decoded.author().ok()?.trim();
    let date = author
        .time()
        .ok()?
        .format(gix::date::time::format::ISO8601_STRICT)
        .ok()?;
    Some((format!("{} <{}>", author.name, author.email), date))
}
