//! Files and folders on disk, and standard input: walked (hidden files included, symbolic
//! links followed once, `.gitignore` only when asked), each file read through
//! the format readers, container images among them (an OCI layout folder, a
//! `docker save` tar, an OCI layout tar) read layer by layer by
//! [`super::image`].

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use modelseal_findings::Origin;
use modelseal_formats::Blob;
use rayon::prelude::*;

use super::image;
use crate::blob::{BlobScanner, Observer, SourceBlob};
use crate::filter::FilterPath;
use crate::outcome::{Problem, ScanOutcome, describe_io};

/// Scans files and folders, in parallel over files.
pub fn scan_paths(
    scanner: &dyn BlobScanner,
    roots: &[PathBuf],
    options: WalkOptions,
    observer: &dyn Observer,
) -> ScanOutcome {
    let mut problems = Vec::new();
    let files = walk(roots, options, &mut problems);
    let total_bytes = files.iter().map(|f| f.size).sum();
    observer.started(files.len() as u64, total_bytes);
    let mut outcome = files
        .par_iter()
        .map(|file| {
            let result = scan_file(scanner, file);
            observer.file_done(file.size);
            result
        })
        .reduce(ScanOutcome::default, ScanOutcome::merge);
    outcome.problems.extend(problems);
    outcome.sort();
    outcome
}

/// Plain text files at least this big are read by every core at once.
#[cfg(unix)]
const BIG_TEXT: u64 = 64 << 20;

/// Whether the file's first bytes and name make it plain text (no archive,
/// no model format, no compression), read from the start without moving
/// the file's position.
#[cfg(unix)]
fn is_plain_text(file: &std::fs::File, name: &str) -> bool {
    use std::os::unix::fs::FileExt;
    let mut head = vec![0; modelseal_formats::SNIFF_LEN];
    let Ok(n) = file.read_at(&mut head, 0) else {
        return false;
    };
    modelseal_formats::recognize(name, &head[..n]) == modelseal_formats::Kind::Text
}

/// Scans standard input as one stream, named `-` in findings.
pub fn scan_stdin(scanner: &dyn BlobScanner) -> ScanOutcome {
    let stdin = std::io::stdin();
    let mut reader = stdin.lock();
    let mut outcome = scanner.scan_blob(SourceBlob {
        origin: Origin::Stream {
            name: "-".to_owned(),
        },
        name: "-",
        filter_path: None,
        provenance: None,
        data: Blob::Stream(&mut reader),
    });
    outcome.sort();
    outcome
}

fn scan_file(scanner: &dyn BlobScanner, file: &FileEntry) -> ScanOutcome {
    let display = file.path.to_string_lossy().into_owned();
    if scanner.filters().allows(FilterPath::Disk(&file.path)) {
        let mut outcome = ScanOutcome::default();
        outcome.stats.paths_allowlisted += 1;
        return outcome;
    }
    // A container image is read layer by layer; a plain tar falls through.
    if file.path.is_dir()
        && let Some(image) = image::open_folder(&file.path)
    {
        return image::scan(scanner, &display, &image);
    }
    match std::fs::File::open(&file.path) {
        Ok(mut handle) => {
            if let Some(image) = image::open_file(&file.path, &mut handle, scanner.limits()) {
                return image::scan(scanner, &display, &image);
            }
            let name = file
                .path
                .file_name()
                .map_or_else(|| display.clone(), |n| n.to_string_lossy().into_owned());
            #[cfg(unix)]
            if file.size >= BIG_TEXT && is_plain_text(&handle, &name) {
                return scanner.scan_text_file(Origin::file(display), &handle, file.size);
            }
            scanner.scan_blob(SourceBlob {
                origin: Origin::file(display),
                name: &name,
                // Already judged above.
                filter_path: None,
                provenance: None,
                data: Blob::Seekable(&mut handle),
            })
        }
        Err(e) => {
            let mut outcome = ScanOutcome::default();
            outcome.problems.push(Problem::new(
                display,
                format!("cannot open: {}", describe_io(&e)),
            ));
            outcome
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
