//! The JSON report: written by `--format json`, read back by the commands
//! that work from a saved scan (HTML reports, baselines, metrics).
//! `docs/report.schema.json` describes it, and a test checks real reports
//! against it.

use std::fmt;
use std::io::Read;

use serde::{Deserialize, Serialize};

use crate::{ClueGroup, Finding, Problem, RuleInfo, Stats, group_clues};

/// The version of the report's shape. It grows by one whenever a field is
/// removed or changes meaning; new optional fields keep it.
pub const SCHEMA_VERSION: u32 = 1;

/// The `tool` every report names.
pub const TOOL: &str = "modelseal";

/// Everything a report shows, for any stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanReport {
    pub schema_version: u32,
    pub tool: String,
    /// The version of modelseal that wrote it.
    pub version: String,
    /// Ordered by location.
    pub findings: Vec<Finding>,
    /// Metadata findings grouped by person, host and bucket.
    #[serde(default)]
    pub clues: Vec<ClueGroup>,
    #[serde(default)]
    pub stats: Stats,
    /// Parts not read (warnings), left out on purpose (skips), and notes.
    #[serde(default)]
    pub problems: Vec<Problem>,
    /// The rules and checks that have findings here, by id.
    #[serde(default)]
    pub rules: Vec<RuleInfo>,
}

impl ScanReport {
    /// A report of `findings`, with the clues grouped and only the rules
    /// that have findings kept.
    pub fn new(
        version: &str,
        findings: Vec<Finding>,
        stats: Stats,
        problems: Vec<Problem>,
        rules: impl IntoIterator<Item = RuleInfo>,
    ) -> Self {
        let mut rules: Vec<RuleInfo> = rules
            .into_iter()
            .filter(|r| findings.iter().any(|f| f.rule == r.id))
            .collect();
        rules.sort_by(|a, b| a.id.cmp(&b.id));
        rules.dedup_by(|a, b| a.id == b.id);
        ScanReport {
            schema_version: SCHEMA_VERSION,
            tool: TOOL.to_owned(),
            version: version.to_owned(),
            clues: group_clues(&findings),
            findings,
            stats,
            problems,
            rules,
        }
    }

    /// Reads a saved JSON report, checking that modelseal wrote it in a
    /// shape this version understands.
    pub fn read(reader: impl Read) -> Result<Self, ReportError> {
        let value: serde_json::Value =
            serde_json::from_reader(reader).map_err(ReportError::Json)?;
        let tool = value.get("tool").and_then(serde_json::Value::as_str);
        if tool != Some(TOOL) {
            return Err(ReportError::NotAReport);
        }
        let version = value
            .get("schema_version")
            .and_then(serde_json::Value::as_u64)
            .ok_or(ReportError::NotAReport)?;
        if version > u64::from(SCHEMA_VERSION) {
            return Err(ReportError::NewerSchema(version));
        }
        serde_json::from_value(value).map_err(ReportError::Json)
    }

    /// The descriptor of a finding's rule, when the report carries it.
    pub fn rule(&self, id: &str) -> Option<&RuleInfo> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// Whether part of the input could not be read.
    pub fn is_incomplete(&self) -> bool {
        self.problems.iter().any(Problem::is_warning)
    }
}

/// Why a saved report could not be read back.
#[derive(Debug)]
pub enum ReportError {
    /// Not JSON, or JSON of another shape.
    Json(serde_json::Error),
    /// JSON, but not a modelseal report (`--format json` writes one).
    NotAReport,
    /// Written by a newer modelseal.
    NewerSchema(u64),
}

impl fmt::Display for ReportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReportError::Json(e) => write!(f, "not a modelseal JSON report: {e}"),
            ReportError::NotAReport => f.write_str(
                "not a modelseal JSON report (no \"tool\": \"modelseal\" with a \"schema_version\"); write one with `modelseal scan --format json`",
            ),
            ReportError::NewerSchema(v) => write!(
                f,
                "the report has schema version {v}, newer than this modelseal reads ({SCHEMA_VERSION}): upgrade modelseal"
            ),
        }
    }
}

impl std::error::Error for ReportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReportError::Json(e) => Some(e),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Clue, Kind, Location, Precision, Severity};

    fn rule(id: &str, kind: Kind) -> RuleInfo {
        RuleInfo {
            id: id.to_owned(),
            title: format!("{id} title"),
            kind,
            severity: Severity::High,
            clue: None,
            description: "what and why".to_owned(),
            remediation: "how to fix".to_owned(),
            references: vec![],
            precision: Precision::High,
        }
    }

    fn finding(id: &str, kind: Kind, value: Option<&str>) -> Finding {
        Finding {
            rule: id.to_owned(),
            title: format!("{id} title"),
            kind,
            severity: Severity::High,
            clue: value.map(|_| Clue::Host),
            location: Location::file("a/b.log"),
            secret: "****".to_owned(),
            masked: true,
            value: value.map(str::to_owned),
            snippet: "x = ****".to_owned(),
            fingerprint: "f".repeat(32),
            occurrences: 1,
            provenance: None,
        }
    }

    #[test]
    fn keeps_only_rules_with_findings_and_round_trips() {
        let report = ScanReport::new(
            "1.2.3",
            vec![
                finding("b-rule", Kind::Misconfiguration, None),
                finding("host-rule", Kind::Metadata, Some("acme-builder")),
            ],
            Stats::default(),
            vec![Problem::note("repo", "shallow clone")],
            [
                rule("host-rule", Kind::Metadata),
                rule("unused", Kind::Secret),
                rule("b-rule", Kind::Misconfiguration),
            ],
        );
        let ids: Vec<&str> = report.rules.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["b-rule", "host-rule"]);
        assert_eq!(report.clues.len(), 1);
        assert!(!report.is_incomplete());
        let text = serde_json::to_string(&report).unwrap();
        let back = ScanReport::read(text.as_bytes()).unwrap();
        assert_eq!(back, report);
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        let newer = format!(
            r#"{{"tool": "modelseal", "schema_version": {}, "version": "9", "findings": []}}"#,
            SCHEMA_VERSION + 1
        );
        assert!(matches!(
            ScanReport::read(newer.as_bytes()),
            Err(ReportError::NewerSchema(_))
        ));
        assert!(matches!(
            ScanReport::read(&br#"{"runs": []}"#[..]),
            Err(ReportError::NotAReport)
        ));
        assert!(matches!(
            ScanReport::read(&b"not json"[..]),
            Err(ReportError::Json(_))
        ));
    }
}
