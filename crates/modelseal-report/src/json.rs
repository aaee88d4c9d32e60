//! JSON and JSON Lines.

use std::io::{self, Write};

use serde::Serialize;

use crate::Report;
use crate::clues::{ClueGroup, group_clues};
use modelseal_scan::{Finding, Problem, Stats};

#[derive(Serialize)]
struct Document<'a> {
    tool: &'static str,
    version: &'a str,
    findings: &'a [Finding],
    clues: Vec<ClueGroup>,
    stats: &'a Stats,
    problems: &'a [Problem],
}

pub fn write_document(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let document = Document {
        tool: "modelseal",
        version: report.tool_version,
        findings: report.findings,
        clues: group_clues(report.findings),
        stats: report.stats,
        problems: report.problems,
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}

pub fn write_lines(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    for finding in report.findings {
        serde_json::to_writer(&mut *out, finding)?;
        writeln!(out)?;
    }
    Ok(())
}
