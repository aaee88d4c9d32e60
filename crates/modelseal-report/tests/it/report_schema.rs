//! The JSON report matches its committed schema (`docs/report.schema.json`)
//! and reads back as it was written; reports work for findings of any
//! kind, not only those the scanner makes.

use modelseal_engine::{Rule, RuleSet};
use modelseal_findings::{
    Finding, Kind, Location, Precision, Problem, ProblemKind, RuleInfo, ScanReport, Severity, Stats,
};
use modelseal_report::{Format, HumanOptions, write};
use modelseal_scan::filter::Filters;
use modelseal_scan::pipeline::Quiet;
use modelseal_scan::{ScanSettings, Scanner};

fn repo_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(repo_root().join("docs/report.schema.json")).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).expect("the report schema compiles")
}

fn errors(validator: &jsonschema::Validator, value: &serde_json::Value) -> Vec<String> {
    validator
        .iter_errors(value)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

fn render(report: &ScanReport, format: Format) -> String {
    let mut out = Vec::new();
    write(report, format, HumanOptions::default(), &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// The bundled example, scanned for real.
fn example_report() -> ScanReport {
    let scanner = Scanner::new(
        RuleSet::builtin(),
        Filters::default(),
        ScanSettings::default(),
    );
    let root = repo_root().join("examples/sentiment-model");
    let outcome = scanner.scan_paths(&[root], &Quiet);
    assert!(outcome.findings.len() > 10, "{:?}", outcome.findings);
    ScanReport::new(
        "0.0.0-test",
        outcome.findings,
        outcome.stats,
        outcome.problems,
        RuleSet::builtin().rules().map(Rule::info),
    )
}

/// An audit-like report: a misconfiguration, and a problem of each kind.
fn misconfiguration_report() -> ScanReport {
    let check = RuleInfo {
        id: "secret-echoed-in-workflow".to_owned(),
        title: "A secret is echoed in a CI step".to_owned(),
        kind: Kind::Misconfiguration,
        severity: Severity::High,
        clue: None,
        description: "A step prints a secret into the job log.".to_owned(),
        remediation: "Pass the secret through an environment variable.".to_owned(),
        references: vec![],
        precision: Precision::High,
    };
    let mut location = Location::file(".github/workflows/train.yml");
    location.line = Some(17);
    location.column = Some(9);
    let finding = Finding {
        rule: check.id.clone(),
        title: check.title.clone(),
        kind: Kind::Misconfiguration,
        severity: Severity::High,
        clue: None,
        location,
        secret: "${{ secrets.HF_TOKEN }}".to_owned(),
        masked: false,
        value: None,
        snippet: "run: echo ${{ secrets.HF_TOKEN }}".to_owned(),
        fingerprint: "a".repeat(32),
        occurrences: 1,
        provenance: None,
    };
    ScanReport::new(
        "0.0.0-test",
        vec![finding],
        Stats {
            files_scanned: 1,
            ..Stats::default()
        },
        vec![
            Problem::new(
                "broken.zip",
                "truncated: findings before that point are kept",
            ),
            Problem::skip("weights.bin", "a Git LFS pointer: not scanned"),
            Problem::note("repo", "a shallow clone"),
        ],
        [check],
    )
}

#[test]
fn the_json_report_matches_its_schema_and_reads_back() {
    let validator = validator();
    for report in [example_report(), misconfiguration_report()] {
        let text = render(&report, Format::Json);
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        let found = errors(&validator, &value);
        assert!(found.is_empty(), "{}", found.join("\n"));
        assert_eq!(value["schema_version"], 1);
        let back = ScanReport::read(text.as_bytes()).unwrap();
        assert_eq!(back, report);
        // Every finding's rule is described in the report.
        for finding in &back.findings {
            assert!(back.rule(&finding.rule).is_some(), "{}", finding.rule);
        }
    }
}

#[test]
fn the_schema_is_not_vacuous() {
    let validator = validator();
    let text = render(&misconfiguration_report(), Format::Json);
    let good: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut bad = good.clone();
    bad["findings"][0]["kind"] = "oops".into();
    assert!(!validator.is_valid(&bad));
    let mut bad = good.clone();
    bad["problems"][0].as_object_mut().unwrap().remove("kind");
    assert!(!validator.is_valid(&bad));
    let mut bad = good;
    bad["unexpected"] = true.into();
    assert!(!validator.is_valid(&bad));
}

#[test]
fn problems_keep_their_kind_in_json_and_sarif() {
    let report = misconfiguration_report();
    assert!(report.is_incomplete());
    let json: serde_json::Value = serde_json::from_str(&render(&report, Format::Json)).unwrap();
    let kinds: Vec<&str> = json["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["warning", "skip", "note"]);

    let sarif: serde_json::Value = serde_json::from_str(&render(&report, Format::Sarif)).unwrap();
    let notifications = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    let levels: Vec<(&str, &str)> = notifications
        .iter()
        .map(|n| {
            (
                n["level"].as_str().unwrap(),
                n["properties"]["kind"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        levels,
        [("warning", "warning"), ("note", "skip"), ("note", "note")]
    );
}

#[test]
fn a_misconfiguration_is_reported_like_any_finding() {
    let report = misconfiguration_report();
    let human = render(&report, Format::Human);
    assert!(human.contains(".github/workflows/train.yml"), "{human}");
    assert!(human.contains("17:9"), "{human}");
    assert!(human.contains("1 misconfiguration"), "{human}");
    assert!(human.contains("1 part could not be read"), "{human}");

    let sarif: serde_json::Value = serde_json::from_str(&render(&report, Format::Sarif)).unwrap();
    let run = &sarif["runs"][0];
    let rule = &run["tool"]["driver"]["rules"][0];
    assert_eq!(rule["id"], "secret-echoed-in-workflow");
    assert_eq!(rule["properties"]["tags"][1], "misconfiguration");
    let result = &run["results"][0];
    assert_eq!(result["ruleIndex"], 0);
    assert_eq!(result["properties"]["kind"], "misconfiguration");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["region"]["startLine"],
        17
    );

    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../data/sarif-schema-2.1.0.json")).unwrap();
    let sarif_validator = jsonschema::validator_for(&schema).unwrap();
    let found = errors(&sarif_validator, &sarif);
    assert!(found.is_empty(), "{}", found.join("\n"));

    let line = render(&report, Format::Jsonl);
    let value: serde_json::Value = serde_json::from_str(line.trim()).unwrap();
    assert_eq!(value["kind"], "misconfiguration");
}

#[test]
fn problem_kinds_order_warnings_first() {
    assert!(ProblemKind::Warning < ProblemKind::Skip);
    assert!(ProblemKind::Skip < ProblemKind::Note);
}
