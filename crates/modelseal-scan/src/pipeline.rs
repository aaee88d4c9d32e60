//! The scan: walk, classify, stream through the engine, filter, collect.

use std::io::Read;
use std::path::PathBuf;

use modelseal_engine::{RuleSet, fingerprint};
use modelseal_formats::{Blob, Budget, Limits, Visitor};
use rayon::prelude::*;

use crate::chunk::{DEFAULT_CHUNK, Hit};
use crate::filter::{FilterPath, Filters, inline_ignored};
use crate::finding;
use crate::outcome::{Problem, ScanOutcome, describe_io};
use crate::source::{FileEntry, WalkOptions, image, walk};
use modelseal_findings::{Finding, Location, Provenance};

/// Receives progress; the binary draws it. Called from worker threads.
pub trait Observer: Sync {
    /// The walk is done: this many files and bytes will be read.
    fn started(&self, _files: u64, _bytes: u64) {}
    /// One file is done.
    fn file_done(&self, _bytes: u64) {}
}

/// An observer that ignores everything.
pub struct Quiet;
impl Observer for Quiet {}

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

    /// Scans files and folders, in parallel over files. Container images
    /// among them (a `docker save` tar, an OCI layout folder or tar, found by
    /// content) are read layer by layer by [`crate::source::image`].
    pub fn scan_paths(&self, roots: &[PathBuf], observer: &dyn Observer) -> ScanOutcome {
        let mut problems = Vec::new();
        let files = walk(roots, self.settings.walk, &mut problems);
        let total_bytes = files.iter().map(|f| f.size).sum();
        observer.started(files.len() as u64, total_bytes);
        let mut outcome = files
            .par_iter()
            .map(|file| {
                let result = self.scan_file(file);
                observer.file_done(file.size);
                result
            })
            .reduce(ScanOutcome::default, ScanOutcome::merge);
        outcome.problems.extend(problems);
        outcome.sort();
        outcome
    }

    /// Scans one stream, such as standard input, named `name` in findings.
    pub fn scan_reader(&self, name: &str, mut reader: impl Read) -> ScanOutcome {
        let mut outcome = ScanOutcome::default();
        self.scan_blob(name, name, Blob::Stream(&mut reader), &mut outcome);
        outcome.sort();
        outcome
    }

    /// Scans one blob from any source. `location` says where it is (for git:
    /// a path such as `repo@3f2a9c1:configs/.env`), `name` is the file name
    /// formats are recognised by, and `provenance`, when given, is attached
    /// to every finding. Path allowlists apply to `name_for_filters`.
    pub fn scan_blob_at(
        &self,
        location: &str,
        name: &str,
        name_for_filters: Option<FilterPath<'_>>,
        blob: Blob<'_>,
        provenance: Option<&Provenance>,
    ) -> ScanOutcome {
        let mut outcome = ScanOutcome::default();
        if name_for_filters.is_some_and(|path| self.filters.allows(path)) {
            outcome.stats.paths_allowlisted += 1;
            return outcome;
        }
        self.scan_blob(location, name, blob, &mut outcome);
        if let Some(provenance) = provenance {
            for finding in &mut outcome.findings {
                finding.provenance = Some(provenance.clone());
            }
        }
        outcome
    }

    /// Scans structured values from any source (an image configuration):
    /// each is read as the line `path = "value"` and located at
    /// `location#path`. Counts as one file scanned.
    pub fn scan_fields_at(&self, location: &str, fields: &[(String, String)]) -> ScanOutcome {
        let mut outcome = ScanOutcome::default();
        let budget = Budget::new(self.settings.limits);
        {
            let mut visitor = BlobScan::new(self, &budget, Location::file(location), &mut outcome);
            for (path, value) in fields {
                visitor.field(path, value.as_bytes());
            }
            visitor.finish();
        }
        outcome.stats.files_scanned += 1;
        outcome
    }

    fn scan_file(&self, file: &FileEntry) -> ScanOutcome {
        let mut outcome = ScanOutcome::default();
        let display = file.path.to_string_lossy().into_owned();
        if self.filters.path_allowed(&file.path) {
            outcome.stats.paths_allowlisted += 1;
            return outcome;
        }
        // A container image (an OCI layout folder, a `docker save` tar, an
        // OCI layout tar) is read layer by layer; a plain tar falls through.
        if file.path.is_dir()
            && let Some(image) = image::open_folder(&file.path)
        {
            return image::scan(self, &display, &image);
        }
        match std::fs::File::open(&file.path) {
            Ok(mut handle) => {
                if let Some(image) =
                    image::open_file(&file.path, &mut handle, &self.settings.limits)
                {
                    return image::scan(self, &display, &image);
                }
                let name = file
                    .path
                    .file_name()
                    .map_or_else(|| display.clone(), |n| n.to_string_lossy().into_owned());
                self.scan_blob(&display, &name, Blob::Seekable(&mut handle), &mut outcome);
            }
            Err(e) => outcome.problems.push(Problem::new(
                display,
                format!("cannot open: {}", describe_io(&e)),
            )),
        }
        outcome
    }

    /// Scans a top-level blob and everything inside it.
    fn scan_blob(&self, display: &str, name: &str, blob: Blob<'_>, outcome: &mut ScanOutcome) {
        let budget = Budget::new(self.settings.limits);
        let mut visitor = BlobScan::new(self, &budget, Location::file(display), outcome);
        modelseal_formats::read(name, blob, &mut visitor, &budget);
        visitor.finish();
        if !visitor.binary {
            outcome.stats.files_scanned += 1;
        }
    }

    /// Turns a hit into a finding, or `None` when a filter accepts it.
    /// The hit's fingerprint, or `None` when a filter accepts it.
    fn accept(&self, hit: &Hit) -> Option<String> {
        let rule = self.rules.rule(hit.rule);
        if inline_ignored(&hit.line_text, &rule.id)
            || self.filters.value_allowed(&hit.secret)
            || self.filters.value_allowed(&hit.value)
        {
            return None;
        }
        let print = fingerprint(&rule.id, &hit.secret);
        (!self.filters.fingerprint_allowed(&print)).then_some(print)
    }

    /// A finding for an accepted hit.
    fn finding(&self, location: Location, hit: &Hit, print: String) -> Finding {
        finding::build(
            &self.rules,
            location,
            hit,
            print,
            self.settings.show_secrets,
        )
    }
}

mod blob_scan;
mod git_scan;
use blob_scan::BlobScan;
