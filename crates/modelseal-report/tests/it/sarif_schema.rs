//! The SARIF report validates against the official OASIS 2.1.0 schema.

use modelseal_engine::{Rule, RuleSet};
use modelseal_report::{Format, HumanOptions, ScanReport, write};
use modelseal_scan::filter::Filters;
use modelseal_scan::{Problem, ScanSettings, Scanner};

fn leaky_text() -> String {
    [
        format!("AWS_ACCESS_KEY_ID={}", concat!("AKIA", "UJZDEGXDNCF32EPF")),
        format!(
            "AWS_SECRET_ACCESS_KEY={}",
            concat!("Sc7Tvo+hBKqFYY+kv5ZJ", "r3J1TWDtkwtDDb/xHKas")
        ),
        "output_dir = \"/home/asmith/runs/7\"".to_string(),
        "tracker: http://mlflow.ml.internal:5000/".to_string(),
    ]
    .join("\n")
}

fn render(format: Format) -> String {
    let rules = RuleSet::builtin();
    let scanner = Scanner::new(
        RuleSet::builtin(),
        Filters::default(),
        ScanSettings::default(),
    );
    let outcome = scanner.scan_reader("logs/train run.log", leaky_text().as_bytes());
    assert!(outcome.findings.len() >= 4, "{:?}", outcome.findings);
    let problems = vec![Problem::new("broken.log", "permission denied")];
    let report = ScanReport::new(
        "0.0.0-test",
        outcome.findings,
        outcome.stats,
        problems,
        rules.rules().map(Rule::info),
    );
    let mut out = Vec::new();
    write(&report, format, HumanOptions::default(), &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../data/sarif-schema-2.1.0.json"))
            .expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let sarif: serde_json::Value = serde_json::from_str(&render(Format::Sarif)).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));

    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for result in run["results"].as_array().unwrap() {
        let index = usize::try_from(result["ruleIndex"].as_u64().unwrap()).unwrap();
        assert_eq!(rules[index]["id"], result["ruleId"]);
        assert!(result["partialFingerprints"]["modelseal/v1"].is_string());
    }
    assert!(rules.iter().all(|r| {
        r["help"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("How to fix"))
    }));
    assert_eq!(
        run["invocations"][0]["toolExecutionNotifications"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn sarif_detects_a_broken_document() {
    // The validator is not vacuous: a result without a message is refused.
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../data/sarif-schema-2.1.0.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let mut sarif: serde_json::Value = serde_json::from_str(&render(Format::Sarif)).unwrap();
    sarif["runs"][0]["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("message");
    assert!(!validator.is_valid(&sarif));
}

#[test]
fn no_format_prints_a_secret_whole() {
    let secret_id = concat!("AKIA", "UJZDEGXDNCF32EPF");
    let secret_key = concat!("Sc7Tvo+hBKqFYY+kv5ZJ", "r3J1TWDtkwtDDb/xHKas");
    for format in [Format::Human, Format::Json, Format::Jsonl, Format::Sarif] {
        let text = render(format);
        assert!(!text.contains(secret_id), "{format:?}");
        assert!(!text.contains(secret_key), "{format:?}");
    }
}

#[test]
fn human_report_groups_and_summarises() {
    let text = render(Format::Human);
    insta::assert_snapshot!(text);
}

#[test]
fn json_lines_are_one_finding_each() {
    let text = render(Format::Jsonl);
    for line in text.lines() {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(value["rule"].is_string());
        assert!(value["location"]["line"].is_u64());
    }
}
