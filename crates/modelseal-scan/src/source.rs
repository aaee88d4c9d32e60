//! Sources: what to read. Files and folders on disk (standard input is read
//! by the pipeline directly), container images among them ([`image`]), git
//! repositories ([`git`]), and over the network: model hubs ([`hub`],
//! [`hub_cache`] for the local cache) and GitHub organizations ([`github`]),
//! through [`http`].

pub mod git;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::outcome::{Problem, describe_io};

pub mod github;
pub mod http;
pub mod hub;
pub mod hub_cache;
pub mod image;

/// An input that names nothing modelseal can read (`hf://a/b/c`, `xx:org`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input}: {reason}")]
pub struct InvalidName {
    pub input: String,
    pub reason: String,
}

impl InvalidName {
    pub fn new(input: &str, reason: impl Into<String>) -> Self {
        InvalidName {
            input: input.to_owned(),
            reason: reason.into(),
        }
    }
}

/// A file to scan.
#[derive(Debug, Clone)]
pub struct FileEntry {
    pub path: PathBuf,
    pub size: u64,
}

/// Options for walking folders.
#[derive(Debug, Clone, Copy, Default)]
pub struct WalkOptions {
    /// Skip what `.gitignore`, `.ignore` and git's excludes name. Off by
    /// default: a published package contains what it contains.
    pub respect_gitignore: bool,
}

/// Every file under `roots` (a root may be a file), hidden ones included,
/// OCI image layout folders as single entries (see [`image`]),
/// symlinks followed (loops are reported, not followed), each file once even
/// when several links reach it.
pub fn walk(
    roots: &[PathBuf],
    options: WalkOptions,
    problems: &mut Vec<Problem>,
) -> Vec<FileEntry> {
    let mut files = Vec::new();
    let mut seen = HashSet::new();
    for root in roots {
        if let Err(e) = std::fs::metadata(root) {
            problems.push(Problem::new(root.display().to_string(), describe_io(&e)));
            continue;
        }
        // An OCI image layout is read as one image, not as loose blobs.
        if image::is_layout_folder(root) {
            files.push(FileEntry {
                path: clean(root),
                size: 0,
            });
            continue;
        }
        let layouts = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let found = std::sync::Arc::clone(&layouts);
        let respect = options.respect_gitignore;
        let walker = ignore::WalkBuilder::new(root)
            .hidden(false)
            .parents(respect)
            .ignore(respect)
            .git_ignore(respect)
            .git_global(respect)
            .git_exclude(respect)
            .require_git(false)
            .follow_links(true)
            .filter_entry(move |entry| {
                let layout = entry.depth() > 0
                    && entry.file_type().is_some_and(|t| t.is_dir())
                    && image::is_layout_folder(entry.path());
                if layout {
                    found.lock().expect("layout list").push(clean(entry.path()));
                }
                !layout
            })
            .build();
        for entry in walker {
            match entry {
                Ok(entry) => {
                    if !entry.file_type().is_some_and(|t| t.is_file()) {
                        continue;
                    }
                    let metadata = match entry.metadata() {
                        Ok(m) => m,
                        Err(e) => {
                            problems.push(Problem::new(
                                entry.path().display().to_string(),
                                walk_message(&e),
                            ));
                            continue;
                        }
                    };
                    if !seen.insert(identity(entry.path(), &metadata)) {
                        continue;
                    }
                    files.push(FileEntry {
                        path: clean(entry.path()),
                        size: metadata.len(),
                    });
                }
                Err(e) => problems.push(Problem::new(
                    walk_path(&e).unwrap_or_default(),
                    walk_message(&e),
                )),
            }
        }
        let layouts = std::mem::take(&mut *layouts.lock().expect("layout list"));
        files.extend(layouts.into_iter().map(|path| FileEntry { path, size: 0 }));
    }
    files
}

/// `./a/b` reads better as `a/b`.
fn clean(path: &Path) -> PathBuf {
    path.strip_prefix("./")
        .map_or_else(|_| path.to_path_buf(), Path::to_path_buf)
}

#[cfg(unix)]
fn identity(path: &Path, metadata: &std::fs::Metadata) -> (u64, u64, PathBuf) {
    use std::os::unix::fs::MetadataExt;
    let _ = path;
    (metadata.dev(), metadata.ino(), PathBuf::new())
}

#[cfg(not(unix))]
fn identity(path: &Path, _metadata: &std::fs::Metadata) -> (u64, u64, PathBuf) {
    (
        0,
        0,
        std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()),
    )
}

fn walk_path(error: &ignore::Error) -> Option<String> {
    match error {
        ignore::Error::WithPath { path, .. } => Some(path.display().to_string()),
        ignore::Error::Loop { child, .. } => Some(child.display().to_string()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            walk_path(err)
        }
        ignore::Error::Partial(errors) => errors.first().and_then(walk_path),
        _ => None,
    }
}

fn walk_message(error: &ignore::Error) -> String {
    match error {
        ignore::Error::WithPath { err, .. } | ignore::Error::WithDepth { err, .. } => {
            walk_message(err)
        }
        ignore::Error::WithLineNumber { err, .. } => walk_message(err),
        ignore::Error::Loop { ancestor, .. } => {
            format!(
                "symbolic link loop back to {}: not followed",
                ancestor.display()
            )
        }
        ignore::Error::Io(e) => describe_io(e),
        other => other.to_string(),
    }
}
