//! `modelseal scan` on container images: what a user sees for a secret that
//! a later layer deleted, and the exit codes CI relies on.

use std::path::PathBuf;

use crate::{location_text, modelseal, repo_root};

fn image(name: &str) -> PathBuf {
    repo_root()
        .join("crates/modelseal-scan/tests/fixtures/images")
        .join(name)
}

#[test]
fn json_shows_the_deleted_file_with_its_layers() {
    let out = modelseal()
        .args(["scan", "--no-config", "--no-progress", "--format", "json"])
        .arg(image("leaky-docker.tar"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    let deleted: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|f| location_text(&f["location"]).ends_with("leaky-docker.tar@layer1:/app/.env:1"))
        .collect();
    assert_eq!(deleted.len(), 1, "{findings:#?}");
    let finding = deleted[0];
    assert_eq!(finding["rule"], "aws-access-key-id");
    assert_eq!(
        finding["provenance"],
        serde_json::json!({
            "revision": "docker.io/fixture/leaky:latest",
            "layer": 1,
            "deleted_in_layer": 2,
            "still_present": false,
        })
    );
    // Masked, as everywhere.
    assert!(finding["secret"].as_str().unwrap().ends_with('*'));
    let config: Vec<String> = findings
        .iter()
        .map(|f| location_text(&f["location"]))
        .filter(|l| l.contains('#'))
        .map(|l| l[l.find('#').unwrap()..].to_owned())
        .collect();
    assert_eq!(
        config,
        [
            "#config.Env[0]",
            "#config.Labels.org.example.hub-token",
            "#history[6].created_by"
        ]
    );
}

#[test]
fn human_output_says_the_secret_is_still_in_the_image() {
    let out = modelseal()
        .args(["scan", "--no-config", "--no-progress", "--color", "never"])
        .arg(image("leaky-oci"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("leaky-oci@layer1:/app/.env"), "{stdout}");
    assert!(
        stdout.contains("revision latest; in layer 1, deleted in layer 2, still in the image"),
        "{stdout}"
    );
}

#[test]
fn clean_image_exits_0_and_a_missing_layer_exits_3() {
    modelseal()
        .args(["scan", "--no-config", "--no-progress"])
        .arg(image("clean-docker.tar"))
        .assert()
        .code(0);
    let out = modelseal()
        .args(["scan", "--no-config", "--no-progress"])
        .arg(image("broken-missing-layer.tar"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("broken-missing-layer.tar@layer1: the manifest names "),
        "{stderr}"
    );
    // --allow-incomplete keeps it a warning.
    modelseal()
        .args(["scan", "--no-config", "--no-progress", "--allow-incomplete"])
        .arg(image("broken-missing-layer.tar"))
        .assert()
        .code(0);
}

#[test]
fn the_self_scan_configuration_allowlists_the_fixture_images() {
    // The self-scan of this repository must stay clean: the images hold
    // their fakes under a folder its configuration allowlists.
    modelseal()
        .current_dir(repo_root())
        .args([
            "scan",
            "--no-progress",
            "--config",
            "modelseal-self-scan.toml",
        ])
        .arg("crates/modelseal-scan/tests/fixtures/images")
        .assert()
        .code(0);
}
