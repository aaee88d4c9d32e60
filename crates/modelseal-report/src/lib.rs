//! modelseal's reports. Each format is a module that writes a
//! [`ScanReport`] to any `Write`; the binary chooses stdout or a file.
//!
//! Reports know the finding model (`modelseal-findings`) and nothing else:
//! a scan, an audit or an IAM lint, fresh or read back from a saved JSON
//! report, is written the same way.

mod human;
mod json;
pub mod rule_docs;
mod sarif;

use std::io::{self, Write};

pub use human::HumanOptions;
pub use modelseal_findings::ScanReport;

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Grouped by file, for people; coloured on a terminal.
    Human,
    /// One JSON document, [`ScanReport`] as it is: findings, clues, stats,
    /// problems and the rules found, with a `schema_version`.
    Json,
    /// One finding per line.
    Jsonl,
    /// SARIF 2.1.0, for code-scanning tools.
    Sarif,
}

/// Writes `report` in `format`.
pub fn write(
    report: &ScanReport,
    format: Format,
    human: HumanOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::write(report, human, out),
        Format::Json => json::write_document(report, out),
        Format::Jsonl => json::write_lines(report, out),
        Format::Sarif => sarif::write(report, out),
    }
}
