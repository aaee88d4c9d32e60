//! The seam between sources and the pipeline: a [`SourceBlob`] (bytes with
//! a typed origin) and the [`BlobScanner`] it is handed to. Sources depend on
//! this module, the pipeline implements it, and neither imports the other.

use modelseal_findings::{Origin, Provenance};
use modelseal_formats::{Blob, Limits};

use crate::filter::{FilterPath, Filters};
use crate::outcome::ScanOutcome;

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
    /// Scans a big plain-text file on disk (already recognised as text) by
    /// positioned reads on every core, as [`BlobScanner::scan_blob`] would.
    #[cfg(unix)]
    fn scan_text_file(&self, origin: Origin, file: &std::fs::File, size: u64) -> ScanOutcome;
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
