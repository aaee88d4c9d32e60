//! Sources: what to read. Files and folders on disk ([`fs`]) with container
//! images among them ([`image`]), standard input, git repositories
//! ([`git`]), and over the network: model hubs ([`hub`], [`hub_cache`] for
//! the local cache) and GitHub organizations ([`github`]), through [`http`].
//! [`input`] decides which source handles an input.
//!
//! A source never imports the pipeline: it hands each blob, with its typed
//! [`Origin`], to a [`BlobScanner`] and gets back what was found, so that
//! it can add what only it knows (the commit that introduced a blob, the
//! layer that deleted a file).

pub mod fs;
pub mod git;

use modelseal_findings::{Origin, Provenance};
use modelseal_formats::{Blob, Limits};

use crate::filter::{FilterPath, Filters};
use crate::outcome::ScanOutcome;

pub mod github;
pub mod http;
pub mod hub;
pub mod hub_cache;
pub mod image;

pub use fs::{FileEntry, WalkOptions, walk};

/// One blob a source hands over to be scanned.
pub struct SourceBlob<'a> {
    /// Where it came from; findings inside add members, fields and lines.
    pub origin: Origin,
    /// The file name formats recognise it by (`train.log`).
    pub name: &'a str,
    /// The path the allowlist judges, when it has one.
    pub filter_path: Option<FilterPath<'a>>,
    /// Attached to every finding in it (a hub revision, a commit).
    pub provenance: Option<&'a Provenance>,
    pub data: Blob<'a>,
}

/// What sources scan through. The pipeline's [`crate::Scanner`] is one;
/// sources depend on this trait alone. Called from many threads.
pub trait BlobScanner: Sync {
    /// Scans a blob and everything inside it.
    fn scan_blob(&self, blob: SourceBlob<'_>) -> ScanOutcome;
    /// Scans structured values (an image configuration), each read as the
    /// line `path = "value"` and located at `origin#path`.
    fn scan_fields(&self, origin: Origin, fields: &[(String, String)]) -> ScanOutcome;
    /// The allowlists, for sources that skip a path before reading it.
    fn filters(&self) -> &Filters;
    /// Limits on archives and nested formats.
    fn limits(&self) -> &Limits;
}

/// Receives progress; the binary draws it. Called from worker threads.
pub trait Observer: Sync {
    /// The listing is done: this many files and bytes will be read.
    fn started(&self, _files: u64, _bytes: u64) {}
    /// One file is done.
    fn file_done(&self, _bytes: u64) {}
}

/// An observer that ignores everything.
pub struct Quiet;
impl Observer for Quiet {}

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
