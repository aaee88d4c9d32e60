//! The scan: each blob a source hands over goes through the format readers
//! and the engine; hits are filtered and become findings. The [`Scanner`]
//! is the [`BlobScanner`] every source scans through.

use std::io::Read;
use std::path::PathBuf;

use modelseal_engine::RuleSet;
use modelseal_findings::{Location, Origin};
use modelseal_formats::{Blob, Budget, Limits, Visitor};

pub use crate::blob::{BlobScanner, Observer, Quiet, SourceBlob};
use crate::chunk::DEFAULT_CHUNK;
use crate::filter::Filters;
use crate::finding::Judge;
use crate::outcome::ScanOutcome;
use crate::source::{WalkOptions, fs};

/// How to scan, as the user asked.
#[derive(Debug, Clone)]
pub struct ScanSettings {
    /// Print secrets whole instead of masked.
    pub show_secrets: bool,
    pub walk: WalkOptions,
    /// Bytes per chunk when streaming a file.
    pub chunk_size: usize,
    /// Limits on archives and nested formats.
    pub limits: Limits,
}

impl Default for ScanSettings {
    fn default() -> Self {
        ScanSettings {
            show_secrets: false,
            walk: WalkOptions::default(),
            chunk_size: DEFAULT_CHUNK,
            limits: Limits::default(),
        }
    }
}

/// Compiled rules, filters and settings, ready to scan many inputs.
pub struct Scanner {
    rules: RuleSet,
    filters: Filters,
    settings: ScanSettings,
}

impl Scanner {
    pub fn new(rules: RuleSet, filters: Filters, settings: ScanSettings) -> Self {
        Scanner {
            rules,
            filters,
            settings,
        }
    }

    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    pub fn settings(&self) -> &ScanSettings {
        &self.settings
    }

    pub fn filters(&self) -> &Filters {
        &self.filters
    }

    /// Scans files and folders, in parallel over files, container images
    /// among them layer by layer ([`crate::source::fs`]).
    pub fn scan_paths(&self, roots: &[PathBuf], observer: &dyn Observer) -> ScanOutcome {
        fs::scan_paths(self, roots, self.settings.walk, observer)
    }

    /// Scans the full history of the repository at `path`
    /// ([`crate::source::git::scan`]).
    pub fn scan_git(
        &self,
        path: &std::path::Path,
        options: &crate::source::git::GitOptions,
    ) -> Result<ScanOutcome, crate::source::git::GitError> {
        crate::source::git::scan::scan_history(self, path, options)
    }

    /// Scans what is staged in the repository holding `start`.
    pub fn scan_staged(
        &self,
        start: &std::path::Path,
    ) -> Result<ScanOutcome, crate::source::git::GitError> {
        crate::source::git::scan::scan_staged(self, start)
    }

    /// Scans one stream, such as standard input, named `name` in findings.
    pub fn scan_reader(&self, name: &str, mut reader: impl Read) -> ScanOutcome {
        let mut outcome = self.scan_blob(SourceBlob {
            origin: Origin::Stream {
                name: name.to_owned(),
            },
            name,
            filter_path: None,
            provenance: None,
            data: Blob::Stream(&mut reader),
        });
        outcome.sort();
        outcome
    }

    /// Runs `read` with a fresh visitor and budget for a blob from `origin`,
    /// and counts the blob as scanned unless it was binary of no format.
    fn visit(&self, origin: Origin, read: impl FnOnce(&mut BlobScan<'_>, &Budget)) -> ScanOutcome {
        let mut outcome = ScanOutcome::default();
        let budget = Budget::new(self.settings.limits);
        let mut visitor = BlobScan::new(
            self.judge(),
            self.settings.chunk_size,
            &budget,
            Location::at(origin),
            &mut outcome,
        );
        read(&mut visitor, &budget);
        visitor.finish();
        if !visitor.binary {
            outcome.stats.files_scanned += 1;
        }
        outcome
    }

    /// What decides which hits become findings, and how.
    fn judge(&self) -> Judge<'_> {
        Judge {
            rules: &self.rules,
            filters: &self.filters,
            show_secrets: self.settings.show_secrets,
        }
    }
}

mod blob_scan;
use blob_scan::BlobScan;

impl BlobScanner for Scanner {
    fn scan_blob(&self, blob: SourceBlob<'_>) -> ScanOutcome {
        if blob
            .filter_path
            .is_some_and(|path| self.filters.allows(path))
        {
            let mut skipped = ScanOutcome::default();
            skipped.stats.paths_allowlisted += 1;
            return skipped;
        }
        let (name, data) = (blob.name, blob.data);
        let mut outcome = self.visit(blob.origin, |visitor, budget| {
            modelseal_formats::read(name, data, visitor, budget);
        });
        if let Some(provenance) = blob.provenance {
            for finding in &mut outcome.findings {
                finding.provenance = Some(provenance.clone());
            }
        }
        outcome
    }

    #[cfg(unix)]
    fn scan_text_file(&self, origin: Origin, file: &std::fs::File, size: u64) -> ScanOutcome {
        self.visit(origin, |visitor, _| visitor.text_file(file, size))
    }

    fn scan_fields(&self, origin: Origin, fields: &[(String, String)]) -> ScanOutcome {
        self.visit(origin, |visitor, _| {
            for (path, value) in fields {
                visitor.field(path, value.as_bytes());
            }
        })
    }

    fn filters(&self) -> &Filters {
        &self.filters
    }

    fn limits(&self) -> &Limits {
        &self.settings.limits
    }
}
