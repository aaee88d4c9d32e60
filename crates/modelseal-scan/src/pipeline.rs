//! The scan: walk, classify, stream through the engine, filter, collect.

use std::io::Read;
use std::path::PathBuf;

use modelseal_engine::{Kind, RuleSet, fingerprint, mask};
use modelseal_formats::{Blob, Budget, Limits, Visitor};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::chunk::{DEFAULT_CHUNK, Hit};
use crate::filter::{FilterPath, Filters, inline_ignored};
use crate::finding::{Finding, Location, Provenance};
use crate::source::{FileEntry, WalkOptions, describe_io, image, walk};

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

/// A part of the input that could not be read. The scan goes on without it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

impl Problem {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// Counts for the summary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Files (or streams) read through the engine.
    pub files_scanned: u64,
    pub bytes_scanned: u64,
    /// Binary files (or members) of no known format, not read past their
    /// first bytes.
    pub binary_skipped: u64,
    /// Archive members and nested blobs read.
    pub members_scanned: u64,
    /// Parts deliberately not read: tensor data, Git LFS pointers.
    pub parts_skipped: u64,
    /// Files skipped because an allowlisted path matched.
    pub paths_allowlisted: u64,
    /// Matches not reported: allowlists, inline ignores, baseline.
    pub suppressed: u64,
    /// Bytes received over the network (hub and GitHub sources).
    #[serde(default)]
    pub bytes_transferred: u64,
    /// Commits walked by a git history scan.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub commits_scanned: u64,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde passes a reference
fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Stats {
    /// Adds another outcome's counts.
    pub fn add(&mut self, other: &Stats) {
        self.files_scanned += other.files_scanned;
        self.bytes_scanned += other.bytes_scanned;
        self.binary_skipped += other.binary_skipped;
        self.members_scanned += other.members_scanned;
        self.parts_skipped += other.parts_skipped;
        self.paths_allowlisted += other.paths_allowlisted;
        self.suppressed += other.suppressed;
        self.bytes_transferred += other.bytes_transferred;
        self.commits_scanned += other.commits_scanned;
    }
}

/// What a scan produced.
#[derive(Debug, Clone, Default)]
pub struct ScanOutcome {
    pub findings: Vec<Finding>,
    pub stats: Stats,
    pub problems: Vec<Problem>,
    /// Worth telling, not a failure: a submodule not followed, a shallow
    /// history.
    pub notes: Vec<Problem>,
}

impl ScanOutcome {
    /// Both outcomes together.
    #[must_use]
    pub fn merge(mut self, other: ScanOutcome) -> Self {
        self.findings.extend(other.findings);
        self.problems.extend(other.problems);
        self.notes.extend(other.notes);
        self.stats.add(&other.stats);
        self
    }

    /// Findings ordered by location, problems by path.
    pub fn sort(&mut self) {
        self.findings
            .sort_by(|a, b| (&a.location, &a.rule).cmp(&(&b.location, &b.rule)));
        self.problems.sort();
        self.notes.sort();
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
        let rule = self.rules.rule(hit.rule);
        let raw = String::from_utf8_lossy(&hit.secret).into_owned();
        let reveal = self.settings.show_secrets || rule.kind == Kind::Metadata;
        let snippet = self.snippet(
            hit,
            rule.kind == Kind::Secret && !self.settings.show_secrets,
        );
        Finding {
            rule: rule.id.clone(),
            title: rule.title.clone(),
            kind: rule.kind,
            severity: rule.severity,
            clue: rule.clue,
            location,
            secret: if reveal { sanitize(&raw) } else { mask(&raw) },
            masked: !reveal,
            value: (rule.kind == Kind::Metadata)
                .then(|| sanitize(&String::from_utf8_lossy(&hit.value))),
            snippet,
            fingerprint: print,
            occurrences: 1,
            provenance: None,
        }
    }
}

/// Bytes of context kept each side of the secret in a snippet.
const SNIPPET_CONTEXT: usize = 60;

impl Scanner {
    /// The line around a hit, with every secret on it masked (the hit's own
    /// and any other rule's), unless the user asked to see secrets. A
    /// metadata finding's snippet must not leak a password beside it.
    fn snippet(&self, hit: &Hit, own_is_secret: bool) -> String {
        let line = &hit.line_text;
        let own = hit.secret_in_line..hit.secret_in_line + hit.secret.len();
        let mut hidden: Vec<std::ops::Range<usize>> = Vec::new();
        if !self.settings.show_secrets {
            hidden = self
                .rules
                .scan(line)
                .into_iter()
                .filter(|m| self.rules.rule(m.rule).kind == Kind::Secret)
                .map(|m| m.secret)
                .collect();
            if own_is_secret {
                hidden.push(own.clone());
            }
            hidden.sort_by_key(|r| (r.start, std::cmp::Reverse(r.end)));
        }
        // Rebuild the line with hidden ranges masked, noting where the hit's
        // own value lands.
        let mut masked = String::new();
        let mut own_at = None;
        let mut cursor = 0;
        for range in hidden {
            if range.start < cursor || range.end > line.len() {
                continue;
            }
            masked.push_str(&String::from_utf8_lossy(&line[cursor..range.start]));
            if range == own {
                own_at = Some(masked.len());
            }
            masked.push_str(&mask(&String::from_utf8_lossy(&line[range.clone()])));
            cursor = range.end;
        }
        if own_at.is_none() && cursor <= own.start {
            let before = String::from_utf8_lossy(&line[cursor..own.start]).len();
            own_at = Some(masked.len() + before);
        }
        masked.push_str(&String::from_utf8_lossy(&line[cursor.min(line.len())..]));
        let center = own_at.unwrap_or(0).min(masked.len());
        let mut from = center.saturating_sub(SNIPPET_CONTEXT);
        while !masked.is_char_boundary(from) {
            from -= 1;
        }
        let mut to = (center + hit.secret.len() + SNIPPET_CONTEXT).min(masked.len());
        while !masked.is_char_boundary(to) {
            to += 1;
        }
        let mut out = String::new();
        if from > 0 {
            out.push('…');
        }
        out.push_str(sanitize(masked[from..to].trim_end_matches(['\r', '\n'])).trim());
        if to < masked.len() {
            out.push('…');
        }
        out
    }
}

/// Control characters from a hostile file must not reach a terminal.
fn sanitize(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t' => ' ',
            c if c.is_control() => '\u{fffd}',
            c => c,
        })
        .collect()
}

mod blob_scan;
mod git_scan;
use blob_scan::BlobScan;
