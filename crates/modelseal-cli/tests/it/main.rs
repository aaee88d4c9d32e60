//! The `modelseal` binary as a user runs it.

mod baseline;
mod config;
mod example;
mod exit_codes;
mod fixtures;
mod git;
mod hub;
mod images;
mod readme;
mod redact;
mod rules;
mod run;

use std::path::PathBuf;

use assert_cmd::Command;

pub fn modelseal() -> Command {
    let mut cmd = Command::cargo_bin("modelseal").expect("binary built");
    cmd.env_remove("NO_COLOR");
    cmd
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// A well-formed, fake AWS key pair, assembled at run time so this source
/// file holds nothing a scanner would flag.
pub fn aws_pair() -> (String, String) {
    (
        concat!("AKIA", "QX7MZB2KDPL4NWRT").to_string(),
        concat!("tK9vQ2mR7xLp4Wz", "N8bJ3cY6hF1dS5gA0eU+/oXy3").to_string(),
    )
}

/// A JSON location as the human report writes it: `path!/member#field:line`.
pub fn location_text(location: &serde_json::Value) -> String {
    let mut text = location["path"].as_str().unwrap_or_default().to_owned();
    for member in location["members"].as_array().into_iter().flatten() {
        text.push_str("!/");
        text.push_str(member.as_str().unwrap_or_default());
    }
    if let Some(field) = location["field"].as_str() {
        text.push('#');
        text.push_str(field);
    }
    if let Some(line) = location["line"].as_u64() {
        text.push(':');
        text.push_str(&line.to_string());
    }
    text
}

/// Each finding of a JSON Lines report as `(rule, location text)`.
pub fn rules_at(jsonl: &str) -> Vec<(String, String)> {
    jsonl
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                location_text(&f["location"]),
            )
        })
        .collect()
}

/// Asserts that each `(rule, location)` is among `found`, exactly.
pub fn assert_found(found: &[(String, String)], expected: &[(&str, &str)]) {
    for (rule, location) in expected {
        assert!(
            found.iter().any(|(r, l)| r == rule && l == location),
            "{rule} at {location} not in {found:#?}"
        );
    }
}
