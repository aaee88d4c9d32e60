//! Container images made by `tests/fixtures/images/make_images.sh` with
//! umoci and skopeo: a `docker save` archive, an OCI layout folder, an OCI
//! layout tarball with zstd layers, a clean control and a broken archive.

use std::path::{Path, PathBuf};

use modelseal_engine::RuleSet;
use modelseal_scan::Origin;
use modelseal_scan::filter::Filters;
use modelseal_scan::pipeline::Quiet;
use modelseal_scan::{ScanOutcome, ScanSettings, Scanner};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/images")
}

fn scan(path: &Path) -> ScanOutcome {
    let scanner = Scanner::new(
        RuleSet::builtin(),
        Filters::default(),
        ScanSettings::default(),
    );
    let mut outcome = scanner.scan_paths(&[path.to_path_buf()], &Quiet);
    let prefix = format!("{}/", fixtures().display());
    for finding in &mut outcome.findings {
        match &mut finding.location.origin {
            Origin::Layer { image, .. } | Origin::Image { image } => {
                *image = image.replace(&prefix, "");
            }
            Origin::File { path } => *path = path.replace(&prefix, ""),
            other => panic!("an image's finding from {other:?}"),
        }
    }
    for problem in &mut outcome.problems {
        problem.path = problem.path.replace(&prefix, "");
    }
    outcome
}

/// `rule location | provenance` for each finding.
fn described(outcome: &ScanOutcome) -> Vec<String> {
    outcome
        .findings
        .iter()
        .map(|f| {
            let provenance = f.provenance.as_ref().map(|p| {
                format!(
                    "layer {:?} deleted {:?} present {:?}",
                    p.layer, p.deleted_in_layer, p.still_present
                )
            });
            format!(
                "{} {} | {}",
                f.rule,
                f.location,
                provenance.unwrap_or_default()
            )
        })
        .collect()
}

/// What the leaky image holds, wherever it is stored.
fn expected(image: &str) -> Vec<String> {
    [
        "huggingface-user-access-token {}#config.Env[0] | layer None deleted None present None",
        "huggingface-user-access-token {}#config.Labels.org.example.hub-token | layer None deleted None present None",
        "huggingface-user-access-token {}#history[6].created_by | layer None deleted None present None",
        "huggingface-user-access-token {}@layer0:/app/settings.ini:2:9 | layer Some(0) deleted Some(3) present Some(false)",
        "huggingface-user-access-token {}@layer0:/opt/cache/download.log:1:20 | layer Some(0) deleted Some(4) present Some(false)",
        "aws-access-key-id {}@layer1:/app/.env:1:19 | layer Some(1) deleted Some(2) present Some(false)",
        "aws-secret-access-key {}@layer1:/app/.env:2:23 | layer Some(1) deleted Some(2) present Some(false)",
        "huggingface-user-access-token {}@layer1:/app/.env:3:10 | layer Some(1) deleted Some(2) present Some(false)",
    ]
    .iter()
    .map(|line| line.replace("{}", image))
    .collect()
}

#[test]
fn a_docker_save_archive_shows_deleted_and_overwritten_secrets() {
    let outcome = scan(&fixtures().join("leaky-docker.tar"));
    assert_eq!(outcome.problems, []);
    assert_eq!(described(&outcome), expected("leaky-docker.tar"));
    // The environment variable also sits in the ENV history entry.
    assert_eq!(outcome.findings[0].occurrences, 2);
    let env = &outcome.findings[5];
    assert_eq!(
        env.provenance.as_ref().unwrap().describe(),
        "revision docker.io/fixture/leaky:latest; in layer 1, deleted in layer 2, still in the image"
    );
}

#[test]
fn an_oci_layout_folder_and_a_zstd_oci_tarball_read_the_same() {
    let folder = scan(&fixtures().join("leaky-oci"));
    assert_eq!(folder.problems, []);
    assert_eq!(described(&folder), expected("leaky-oci"));
    let zstd = scan(&fixtures().join("leaky-oci-zstd.tar"));
    assert_eq!(zstd.problems, []);
    assert_eq!(described(&zstd), expected("leaky-oci-zstd.tar"));
}

#[test]
fn the_clean_control_is_clean() {
    let outcome = scan(&fixtures().join("clean-docker.tar"));
    assert_eq!(outcome.findings, []);
    assert_eq!(outcome.problems, []);
    // Two layer files and the configuration.
    assert_eq!(outcome.stats.files_scanned, 3);
}

#[test]
fn a_missing_layer_is_named_and_the_rest_is_read() {
    let outcome = scan(&fixtures().join("broken-missing-layer.tar"));
    assert_eq!(outcome.findings, []);
    assert_eq!(outcome.problems.len(), 1, "{:#?}", outcome.problems);
    let problem = &outcome.problems[0];
    assert_eq!(problem.path, "broken-missing-layer.tar@layer1");
    assert!(
        problem.message.starts_with("the manifest names ")
            && problem
                .message
                .ends_with(".tar, which is not in the image: this layer was not scanned"),
        "{}",
        problem.message
    );
    assert_eq!(outcome.stats.files_scanned, 2);
}

#[test]
fn images_inside_a_scanned_folder_are_read_as_images() {
    let outcome = scan(&fixtures());
    let mut images: Vec<String> = outcome
        .findings
        .iter()
        .map(|f| {
            let path = &f.location.path();
            path[..path.find(['@', '#']).unwrap_or(path.len())].to_owned()
        })
        .collect();
    images.sort();
    images.dedup();
    assert_eq!(
        images,
        ["leaky-docker.tar", "leaky-oci", "leaky-oci-zstd.tar"],
        "{:#?}",
        described(&outcome)
    );
    assert_eq!(outcome.findings.len(), 3 * 8);
    // The layout folder's blobs are not also read as loose files.
    assert!(
        outcome
            .findings
            .iter()
            .all(|f| !f.location.path().contains("blobs/"))
    );
}
