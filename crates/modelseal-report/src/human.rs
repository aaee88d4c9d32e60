//! The report for people: findings grouped by file, clues grouped by person,
//! host and bucket, and a summary line.

use std::io::{self, Write};

use anstyle::{AnsiColor, Effects, Style};
use modelseal_findings::{Kind, ProblemKind, ScanReport, Severity};

/// Presentation choices for the human report.
#[derive(Debug, Clone, Copy, Default)]
pub struct HumanOptions {
    /// ANSI colours (only when writing to a terminal).
    pub color: bool,
}

struct Paint {
    color: bool,
}

impl Paint {
    fn paint(&self, style: Style, text: &str) -> String {
        if self.color {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_owned()
        }
    }

    fn severity(&self, severity: Severity) -> String {
        let style = match severity {
            Severity::Critical => AnsiColor::Red.on_default().effects(Effects::BOLD),
            Severity::High => AnsiColor::Red.on_default(),
            Severity::Medium => AnsiColor::Yellow.on_default(),
            Severity::Low => AnsiColor::Cyan.on_default(),
            Severity::Info => Style::new().effects(Effects::DIMMED),
        };
        self.paint(style, &format!("{:<8}", severity.as_str()))
    }
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

pub fn write(report: &ScanReport, options: HumanOptions, out: &mut dyn Write) -> io::Result<()> {
    let paint = Paint {
        color: options.color,
    };
    let bold = Style::new().effects(Effects::BOLD);
    let dim = Style::new().effects(Effects::DIMMED);

    let mut current_blob: Option<String> = None;
    for finding in &report.findings {
        let blob = finding.location.blob();
        if current_blob.as_deref() != Some(blob.as_str()) {
            if current_blob.is_some() {
                writeln!(out)?;
            }
            writeln!(out, "{}", paint.paint(bold, &blob))?;
            current_blob = Some(blob);
        }
        let position = match (finding.location.line, finding.location.column) {
            (Some(line), Some(column)) => format!("{line}:{column}"),
            (Some(line), None) => line.to_string(),
            _ => String::new(),
        };
        let repeats = if finding.occurrences > 1 {
            format!(" (found {} times in this file)", finding.occurrences)
        } else {
            String::new()
        };
        writeln!(
            out,
            "  {position:>9}  {}  {}  {}",
            paint.severity(finding.severity),
            finding.rule,
            paint.paint(dim, &format!("{}{repeats}", finding.title)),
        )?;
        writeln!(
            out,
            "  {:>9}  {} {}",
            "",
            paint.paint(dim, "│"),
            finding.snippet
        )?;
        if let Some(provenance) = &finding.provenance {
            let described = provenance.describe();
            if !described.is_empty() {
                writeln!(
                    out,
                    "  {:>9}  {} {}",
                    "",
                    paint.paint(dim, "│"),
                    paint.paint(dim, &described)
                )?;
            }
        }
    }

    let clues = &report.clues;
    if !clues.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "{}",
            paint.paint(bold, "Clues an attacker would piece together")
        )?;
        for group in clues {
            let files = group.files.join(", ");
            writeln!(
                out,
                "  {:<9} {}  {}",
                group.clue.as_str(),
                paint.paint(bold, &group.value),
                paint.paint(
                    dim,
                    &format!("{} in {files}", plural(group.count as u64, "time", "times"))
                ),
            )?;
        }
    }

    if !report.findings.is_empty() {
        writeln!(out)?;
    }
    writeln!(out, "{}", summary_line(report))?;
    writeln!(out, "{}", paint.paint(dim, &coverage_line(report)))?;
    Ok(())
}

fn summary_line(report: &ScanReport) -> String {
    let findings = &report.findings;
    if findings.is_empty() {
        return "No findings.".into();
    }
    let count = |kind: Kind| findings.iter().filter(|f| f.kind == kind).count() as u64;
    let mut kinds = vec![
        plural(count(Kind::Secret), "secret", "secrets"),
        plural(count(Kind::Metadata), "metadata clue", "metadata clues"),
    ];
    let misconfigurations = count(Kind::Misconfiguration);
    if misconfigurations > 0 {
        kinds.push(plural(
            misconfigurations,
            "misconfiguration",
            "misconfigurations",
        ));
    }
    let by_severity: Vec<String> = Severity::ALL
        .iter()
        .rev()
        .filter_map(|&s| {
            let n = findings.iter().filter(|f| f.severity == s).count();
            (n > 0).then(|| format!("{s} {n}"))
        })
        .collect();
    format!(
        "{}: {} ({}).",
        plural(findings.len() as u64, "finding", "findings"),
        kinds.join(", "),
        by_severity.join(", "),
    )
}

fn coverage_line(report: &ScanReport) -> String {
    let stats = &report.stats;
    let mut parts = vec![format!(
        "{} scanned ({})",
        plural(stats.files_scanned, "file", "files"),
        bytes(stats.bytes_scanned)
    )];
    if stats.commits_scanned > 0 {
        parts[0] = format!(
            "{} scanned ({}) from {}, each blob once",
            plural(stats.files_scanned, "blob", "blobs"),
            bytes(stats.bytes_scanned),
            plural(stats.commits_scanned, "commit", "commits")
        );
    }
    if stats.bytes_transferred > 0 {
        parts.push(format!("{} downloaded", bytes(stats.bytes_transferred)));
    }
    if stats.members_scanned > 0 {
        parts.push(format!(
            "{} inside archives and model files",
            plural(stats.members_scanned, "member", "members")
        ));
    }
    if stats.parts_skipped > 0 {
        parts.push(format!(
            "{} deliberately not read (tensor data, Git LFS pointers)",
            plural(stats.parts_skipped, "part", "parts")
        ));
    }
    if stats.binary_skipped > 0 {
        parts.push(format!(
            "{} skipped",
            plural(stats.binary_skipped, "binary file", "binary files")
        ));
    }
    if stats.paths_allowlisted > 0 {
        parts.push(format!(
            "{} allowlisted",
            plural(stats.paths_allowlisted, "file", "files")
        ));
    }
    if stats.suppressed > 0 {
        parts.push(format!(
            "{} suppressed by allowlist, inline ignore or baseline",
            plural(stats.suppressed, "match", "matches")
        ));
    }
    // Skips and notes are named on stderr too, but do not make the scan
    // incomplete.
    let unreadable = report
        .problems
        .iter()
        .filter(|p| p.kind == ProblemKind::Warning)
        .count() as u64;
    if unreadable > 0 {
        parts.push(format!(
            "{} could not be read (named on stderr)",
            plural(unreadable, "part", "parts")
        ));
    }
    parts.join(", ") + "."
}
