//! The visitor that turns what format readers report into findings: text and
//! fields go through the engine, members are read in turn with a longer
//! location, notices become warnings or counts.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{Cursor, Read};

use modelseal_formats::{Blob, Budget, Notice, NoticeKind, Visitor, limit_message};

use crate::chunk::{Hit, scan_stream};
use crate::finding::Judge;
use crate::outcome::describe_io;
use crate::outcome::{Problem, ScanOutcome};
use modelseal_findings::Location;

/// Fields are buffered and scanned together once this many bytes wait.
const FIELD_BATCH: usize = 1 << 20;

pub(super) struct BlobScan<'a> {
    judge: Judge<'a>,
    /// Bytes per chunk when streaming text.
    chunk_size: usize,
    budget: &'a Budget,
    /// Where this blob is: the file and the members leading to it.
    location: Location,
    outcome: &'a mut ScanOutcome,
    /// First finding of each fingerprint in this blob: repeats are counted.
    first_seen: HashMap<String, usize>,
    fields: Vec<(String, Vec<u8>)>,
    field_bytes: usize,
    /// Whether the blob itself turned out to be binary of no known format.
    pub(super) binary: bool,
}

impl<'a> BlobScan<'a> {
    pub(super) fn new(
        judge: Judge<'a>,
        chunk_size: usize,
        budget: &'a Budget,
        location: Location,
        outcome: &'a mut ScanOutcome,
    ) -> Self {
        BlobScan {
            judge,
            chunk_size,
            budget,
            location,
            outcome,
            first_seen: HashMap::new(),
            fields: Vec::new(),
            field_bytes: 0,
            binary: false,
        }
    }

    /// Scans fields still waiting.
    pub(super) fn finish(&mut self) {
        self.flush_fields();
    }

    /// A hit becomes a finding, or one more occurrence of a finding: the
    /// location is built only for a new one.
    fn record(&mut self, location: impl FnOnce(&Location) -> Location, hit: &Hit) {
        let Some(print) = self.judge.accept(hit) else {
            self.outcome.stats.suppressed += 1;
            return;
        };
        // Repeats only count: no snippet, no finding built for them.
        if let Some(&index) = self.first_seen.get(&print) {
            self.outcome.findings[index].occurrences += 1;
            return;
        }
        self.first_seen
            .insert(print.clone(), self.outcome.findings.len());
        let finding = self.judge.finding(location(&self.location), hit, print);
        self.outcome.findings.push(finding);
    }

    fn problem(&mut self, member: Option<&str>, message: String) {
        let mut where_ = self.location.blob();
        if let Some(member) = member {
            let _ = write!(where_, "!/{}", member.trim_start_matches('/'));
        }
        self.outcome.problems.push(Problem::new(where_, message));
    }

    /// Scans buffered fields as `path = "value"` lines; a hit's line tells
    /// which field it is in.
    fn flush_fields(&mut self) {
        if self.fields.is_empty() {
            return;
        }
        let fields = std::mem::take(&mut self.fields);
        self.field_bytes = 0;
        let mut projection = Vec::new();
        for (path, value) in &fields {
            projection.extend_from_slice(path.as_bytes());
            projection.extend_from_slice(b" = \"");
            escape_into(value, &mut projection);
            projection.extend_from_slice(b"\"\n");
        }
        let mut hits = Vec::new();
        let read = scan_stream(
            self.judge.rules,
            Cursor::new(&projection),
            self.chunk_size,
            |hit| {
                hits.push(hit);
            },
        );
        self.outcome.stats.bytes_scanned += read.unwrap_or(0);
        for hit in hits {
            let Some((path, _)) = usize::try_from(hit.line - 1)
                .ok()
                .and_then(|i| fields.get(i))
            else {
                continue;
            };
            self.record(
                |blob| {
                    let mut location = blob.clone();
                    location.field = Some(path.clone());
                    location
                },
                &hit,
            );
        }
    }
}

impl BlobScan<'_> {
    /// A big plain-text file on disk, its chunks read and scanned on every
    /// core ([`crate::chunk::scan_file_at`]).
    ///
    /// Fingerprints are taken, filters applied and repeats within a chunk
    /// dropped in the chunk's task; only new values come back whole.
    #[cfg(unix)]
    pub(super) fn text_file(&mut self, file: &std::fs::File, size: u64) {
        let judge = self.judge;
        let prepare = |hit: Hit, chunk: &mut JudgedChunk| {
            let Some(print) = judge.accept(&hit) else {
                chunk.suppressed += 1;
                return;
            };
            if let Some(&i) = chunk.seen.get(&print) {
                chunk.values[i].1 += 1;
            } else {
                chunk.seen.insert(print.clone(), chunk.values.len());
                chunk.values.push((print, 1, hit));
            }
        };
        let result =
            crate::chunk::scan_file_at(judge.rules, file, size, prepare, |chunk, lines_before| {
                self.outcome.stats.suppressed += chunk.suppressed;
                for (print, count, mut hit) in chunk.values {
                    if let Some(&index) = self.first_seen.get(&print) {
                        self.outcome.findings[index].occurrences += count;
                        continue;
                    }
                    hit.line += lines_before;
                    self.first_seen
                        .insert(print.clone(), self.outcome.findings.len());
                    let mut at = self.location.clone();
                    at.line = Some(hit.line);
                    at.column = Some(hit.column);
                    let mut finding = self.judge.finding(at, &hit, print);
                    finding.occurrences = count;
                    self.outcome.findings.push(finding);
                }
            });
        self.text_done(None, result);
    }

    /// Each hit is recorded as it comes: a log with a million repeats of
    /// one clue holds one finding and a count, never the million hits.
    fn hit(&mut self, field: Option<&str>, hit: &Hit) {
        self.record(
            |blob| {
                let mut at = blob.clone();
                at.field = field.map(str::to_owned);
                at.line = Some(hit.line);
                at.column = Some(hit.column);
                at
            },
            hit,
        );
    }

    /// Counts what a text read, or names where and why it stopped.
    fn text_done(&mut self, field: Option<&str>, result: std::io::Result<u64>) {
        match result {
            Ok(bytes) => self.outcome.stats.bytes_scanned += bytes,
            Err(e) => {
                let message = limit_message(&e).map_or_else(
                    || {
                        format!(
                            "read stopped part-way ({}); findings before that point are kept",
                            describe_io(&e)
                        )
                    },
                    |limit| format!("{limit}; findings before that point are kept"),
                );
                let member = field.map(|f| format!("#{f}"));
                self.problem(
                    None,
                    member.map_or(message.clone(), |m| format!("{m}: {message}")),
                );
            }
        }
    }
}

/// A chunk's hits, judged in its task: how many a filter accepted, and each
/// value once (fingerprint, occurrences, its first hit), in order.
#[cfg(unix)]
#[derive(Default)]
struct JudgedChunk {
    suppressed: u64,
    values: Vec<(String, u64, Hit)>,
    seen: HashMap<String, usize>,
}

/// A value on one line: quotes, backslashes and control characters escaped
/// the way JSON escapes them, so `\n` inside a PEM key stays on the line.
fn escape_into(value: &[u8], out: &mut Vec<u8>) {
    for &byte in value {
        match byte {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0..=0x1f | 0x7f => {
                let _ = write!(Utf8Sink(out), "\\u{byte:04x}");
            }
            _ => out.push(byte),
        }
    }
}

struct Utf8Sink<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for Utf8Sink<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

impl Visitor for BlobScan<'_> {
    fn text(&mut self, field: Option<&str>, text: &mut dyn Read) {
        let (rules, chunk_size) = (self.judge.rules, self.chunk_size);
        let result = scan_stream(rules, text, chunk_size, |hit| self.hit(field, &hit));
        self.text_done(field, result);
    }

    fn field(&mut self, path: &str, value: &[u8]) {
        let limit = usize::try_from(self.budget.limits.max_segment).unwrap_or(usize::MAX);
        let value = if value.len() > limit {
            self.problem(
                None,
                format!(
                    "#{path}: value of {} bytes cut to {limit} (max_segment)",
                    value.len()
                ),
            );
            &value[..limit]
        } else {
            value
        };
        self.field_bytes += path.len() + value.len();
        self.fields.push((path.to_owned(), value.to_vec()));
        if self.field_bytes >= FIELD_BATCH {
            self.flush_fields();
        }
    }

    fn member(&mut self, name: &str, blob: Blob<'_>, _size: Option<u64>) {
        let depth = self.budget.depth.get();
        if depth >= self.budget.limits.max_depth {
            self.problem(
                Some(name),
                format!(
                    "nested more than {} archives deep (max_depth): not opened",
                    self.budget.limits.max_depth
                ),
            );
            return;
        }
        let mut location = self.location.clone();
        location.members.push(name.to_owned());
        location.field = None;
        self.budget.depth.set(depth + 1);
        let base = name.rsplit('/').next().unwrap_or(name);
        {
            let mut child = BlobScan::new(
                self.judge,
                self.chunk_size,
                self.budget,
                location,
                self.outcome,
            );
            modelseal_formats::read(base, blob, &mut child, self.budget);
            child.finish();
        }
        self.budget.depth.set(depth);
        self.outcome.stats.members_scanned += 1;
    }

    fn notice(&mut self, notice: Notice) {
        match notice.kind {
            NoticeKind::Binary => {
                self.outcome.stats.binary_skipped += 1;
                self.binary = true;
            }
            NoticeKind::Skipped => self.outcome.stats.parts_skipped += 1,
            NoticeKind::Elsewhere => {
                self.outcome.stats.parts_skipped += 1;
                let mut at = self.location.blob();
                if let Some(member) = &notice.member {
                    let _ = write!(at, "!/{}", member.trim_start_matches('/'));
                }
                self.outcome
                    .problems
                    .push(Problem::skip(at, notice.message));
            }
            NoticeKind::Limit | NoticeKind::Corrupt | NoticeKind::Unsupported => {
                self.problem(notice.member.as_deref(), notice.message);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_keeps_a_value_on_one_line() {
        let mut out = Vec::new();
        escape_into(b"a\"b\\c\nd\x01", &mut out);
        assert_eq!(out, b"a\\\"b\\\\c\\nd\\u0001");
    }
}
