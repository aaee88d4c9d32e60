//! modelseal's reports. Each format is a module that writes a [`Report`] to
//! any `Write`; the binary chooses stdout or a file.

mod clues;
mod human;
mod json;
mod sarif;

use std::io::{self, Write};

use modelseal_engine::Rule;
use modelseal_scan::{Finding, Problem, Stats};

pub use clues::{ClueGroup, group_clues};
pub use human::HumanOptions;

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Grouped by file, for people; coloured on a terminal.
    Human,
    /// One JSON document: findings, clues, stats and problems.
    Json,
    /// One finding per line.
    Jsonl,
    /// SARIF 2.1.0, for code-scanning tools.
    Sarif,
}

/// Everything a report shows.
pub struct Report<'a> {
    pub findings: &'a [Finding],
    pub stats: &'a Stats,
    pub problems: &'a [Problem],
    /// Rules, for descriptions in SARIF; only those with findings are used.
    pub rules: Vec<&'a Rule>,
    /// The version string of the tool.
    pub tool_version: &'a str,
}

/// Writes `report` in `format`.
pub fn write(
    report: &Report<'_>,
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
