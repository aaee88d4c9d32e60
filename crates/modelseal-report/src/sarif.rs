//! SARIF 2.1.0, as code-scanning services ingest it: rule descriptors with
//! help text, results with regions and partial fingerprints, problems as
//! tool notifications (unreadable parts as warnings, skipped parts and notes
//! as notes).

use std::io::{self, Write};

use modelseal_findings::{Finding, Kind, ProblemKind, RuleInfo, ScanReport, Severity};
use serde_json::{Value, json};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// The 0–10 score code-scanning services use to rank security results.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

fn pascal_case(id: &str) -> String {
    id.split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or_else(String::new, |c| {
                c.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

/// A path as a URI reference: relative paths stay relative (resolved against
/// `%SRCROOT%`), absolute ones become `file://` URIs.
fn uri(path: &str) -> (String, bool) {
    let encoded: String = path
        .replace('\\', "/")
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    if encoded.starts_with('/') {
        (format!("file://{encoded}"), true)
    } else {
        (encoded, false)
    }
}

fn descriptor(rule: &RuleInfo) -> Value {
    let mut help_text = format!(
        "{}\n\nHow to fix: {}",
        rule.description.trim(),
        rule.remediation.trim()
    );
    if let Some(reference) = rule.help_uri() {
        help_text = format!("{help_text}\n\nReference: {reference}");
    }
    let markdown = format!(
        "**{}**\n\n{}\n\n**How to fix.** {}",
        rule.title,
        rule.description.trim(),
        rule.remediation.trim()
    );
    let mut value = json!({
        "id": rule.id,
        "name": pascal_case(&rule.id),
        "shortDescription": { "text": rule.title },
        "fullDescription": { "text": rule.description.trim() },
        "help": { "text": help_text, "markdown": markdown },
        "defaultConfiguration": { "level": level(rule.severity) },
        "properties": {
            "tags": ["security", rule.kind.as_str()],
            "precision": rule.precision.as_str(),
            "security-severity": security_severity(rule.severity),
        },
    });
    if let Some(reference) = rule.help_uri() {
        value["helpUri"] = json!(reference);
    }
    value
}

fn result(finding: &Finding, rule_index: Option<usize>) -> Value {
    let (uri, absolute) = uri(&finding.location.path());
    let mut artifact = json!({ "uri": uri });
    if !absolute {
        artifact["uriBaseId"] = json!("%SRCROOT%");
    }
    let mut physical = json!({ "artifactLocation": artifact });
    if let Some(line) = finding.location.line {
        let mut region = json!({ "startLine": line, "snippet": { "text": finding.snippet } });
        if let Some(column) = finding.location.column {
            region["startColumn"] = json!(column);
        }
        physical["region"] = region;
    }
    let mut location = json!({ "physicalLocation": physical });
    if !finding.location.members.is_empty() || finding.location.field.is_some() {
        location["logicalLocations"] =
            json!([{ "fullyQualifiedName": finding.location.blob(), "kind": "member" }]);
    }
    let what = match finding.kind {
        Kind::Secret | Kind::Misconfiguration => format!(
            "{}: `{}` at {}",
            finding.title, finding.secret, finding.location
        ),
        Kind::Metadata => format!(
            "{}: `{}` at {}",
            finding.title,
            finding.value.as_deref().unwrap_or(&finding.secret),
            finding.location
        ),
    };
    let mut value = json!({
        "ruleId": finding.rule,
        "level": level(finding.severity),
        "message": { "text": what },
        "locations": [location],
        "partialFingerprints": { "modelseal/v1": finding.fingerprint },
        "properties": {
            "severity": finding.severity.as_str(),
            "kind": finding.kind.as_str(),
            "occurrences": finding.occurrences,
        },
    });
    if let Some(index) = rule_index {
        value["ruleIndex"] = json!(index);
    }
    if !finding.location.members.is_empty() {
        let mut chain = vec![finding.location.path()];
        chain.extend(finding.location.members.iter().cloned());
        value["properties"]["chain"] = json!(chain);
    }
    if let Some(field) = &finding.location.field {
        value["properties"]["field"] = json!(field);
    }
    value["properties"]["origin"] = json!(finding.location.origin);
    if let Some(provenance) = &finding.provenance {
        value["properties"]["provenance"] = json!(provenance);
    }
    if let Some(clue) = finding.clue {
        value["properties"]["clue"] = json!(clue.as_str());
        value["properties"]["value"] = json!(finding.value);
    }
    value
}

pub fn write(report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
    // The report carries the rules that have findings, sorted by id.
    let used = &report.rules;
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| result(f, used.iter().position(|r| r.id == f.rule)))
        .collect();
    let notifications: Vec<Value> = report
        .problems
        .iter()
        .map(|p| {
            let (uri, _) = uri(&p.path);
            let level = match p.kind {
                ProblemKind::Warning => "warning",
                ProblemKind::Skip | ProblemKind::Note => "note",
            };
            json!({
                "level": level,
                "message": { "text": format!("{}: {}", p.path, p.message) },
                "locations": [{ "physicalLocation": { "artifactLocation": { "uri": uri } } }],
                "properties": { "kind": p.kind.as_str() },
            })
        })
        .collect();
    let document = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "modelseal",
                "informationUri": "https://github.com/modelseal/modelseal",
                "version": report.version,
                "semanticVersion": report.version,
                "rules": used.iter().map(descriptor).collect::<Vec<_>>(),
            }},
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": notifications,
            }],
            "originalUriBaseIds": { "%SRCROOT%": { "description": { "text": "The folder the scan ran in." } } },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris() {
        assert_eq!(
            uri("logs/train run.log"),
            ("logs/train%20run.log".to_string(), false)
        );
        assert_eq!(uri("/tmp/a.txt"), ("file:///tmp/a.txt".to_string(), true));
        assert_eq!(uri("c:x"), ("c%3Ax".to_string(), false));
        assert_eq!(pascal_case("aws-access-key-id"), "AwsAccessKeyId");
    }
}
