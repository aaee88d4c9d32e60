//! Images built in memory: each case is one `docker save` tar or OCI layout
//! written with the `tar` crate, scanned through [`scan`].

use std::io::Write;
use std::path::{Path, PathBuf};

use modelseal_engine::RuleSet;
use sha2::{Digest as _, Sha256};

use super::*;
use crate::filter::Filters;
use crate::pipeline::{ScanSettings, Scanner};

fn hf_token() -> String {
    concat!("hf_", "VxKqPzLmWnRtYbGcHdJf", "NsQaEuIoTkXlMv").to_owned()
}

fn scanner() -> Scanner {
    Scanner::new(
        RuleSet::builtin(),
        Filters::default(),
        ScanSettings::default(),
    )
}

fn sha(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// A layer tar: `(path, Some(data))` files, `(path, None)` folders.
fn layer(entries: &[(&str, Option<&[u8]>)]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, data) in entries {
        let mut header = tar::Header::new_ustar();
        header.set_mode(0o644);
        if let Some(data) = data {
            header.set_entry_type(tar::EntryType::Regular);
            header.set_size(data.len() as u64);
            builder.append_data(&mut header, name, *data).unwrap();
        } else {
            header.set_entry_type(tar::EntryType::Directory);
            header.set_size(0);
            builder.append_data(&mut header, name, &[][..]).unwrap();
        }
    }
    builder.into_inner().unwrap()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn tar_file(dir: &Path, name: &str, members: &[(String, Vec<u8>)]) -> PathBuf {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, data) in members {
        let mut header = tar::Header::new_ustar();
        header.set_mode(0o644);
        header.set_size(data.len() as u64);
        builder.append_data(&mut header, name, &data[..]).unwrap();
    }
    let path = dir.join(name);
    std::fs::write(&path, builder.into_inner().unwrap()).unwrap();
    path
}

fn config_json(env: &[&str], history: &[(&str, bool)]) -> Vec<u8> {
    serde_json::json!({
        "architecture": "amd64",
        "os": "linux",
        "config": { "Env": env },
        "rootfs": { "type": "layers", "diff_ids": [] },
        "history": history.iter().map(|(by, empty)| serde_json::json!({
            "created_by": by, "empty_layer": empty
        })).collect::<Vec<_>>(),
    })
    .to_string()
    .into_bytes()
}

/// A `docker save` archive (Docker 25+ layout: `blobs/sha256/<hex>` named
/// in `manifest.json`), layers as given.
fn docker_archive(dir: &Path, layers: &[Vec<u8>], config: &[u8]) -> PathBuf {
    let mut members = Vec::new();
    let mut names = Vec::new();
    for layer in layers {
        let name = format!("blobs/sha256/{}", sha(layer));
        names.push(name.clone());
        members.push((name, layer.clone()));
    }
    let config_name = format!("blobs/sha256/{}", sha(config));
    members.push((config_name.clone(), config.to_vec()));
    let manifest = serde_json::json!([{
        "Config": config_name, "RepoTags": ["fixture/app:latest"], "Layers": names
    }]);
    members.push(("manifest.json".into(), manifest.to_string().into_bytes()));
    tar_file(dir, "image.tar", &members)
}

fn scan_path(path: &Path) -> ScanOutcome {
    let image = open(path, &Limits::default()).expect("recognised as an image");
    let mut outcome = scan(&scanner(), "image.tar", &image);
    outcome.sort();
    outcome
}

fn located(outcome: &ScanOutcome) -> Vec<String> {
    outcome
        .findings
        .iter()
        .map(|f| format!("{} {}", f.rule, f.location))
        .collect()
}

#[test]
fn a_deleted_file_is_reported_with_the_layer_that_deleted_it() {
    let dir = tempfile::tempdir().unwrap();
    let env = format!("HF_TOKEN={}\n", hf_token());
    let layers = [
        layer(&[("app/", None), ("app/main.py", Some(b"print(1)\n"))]),
        gzip(&layer(&[("app/.env", Some(env.as_bytes()))])),
        layer(&[("app/.wh..env", Some(b""))]),
    ];
    let config = config_json(
        &["PATH=/bin"],
        &[
            ("COPY . /", false),
            ("COPY .env /app/.env", false),
            ("RUN rm /app/.env", false),
        ],
    );
    let path = docker_archive(dir.path(), &layers, &config);
    let outcome = scan_path(&path);
    assert_eq!(outcome.problems, []);
    assert_eq!(
        located(&outcome),
        ["huggingface-user-access-token image.tar@layer1:/app/.env:1:10"]
    );
    let provenance = outcome.findings[0].provenance.clone().unwrap();
    assert_eq!(provenance.layer, Some(1));
    assert_eq!(provenance.deleted_in_layer, Some(2));
    assert_eq!(provenance.still_present, Some(false));
    assert_eq!(provenance.revision.as_deref(), Some("fixture/app:latest"));
    assert_eq!(
        provenance.describe(),
        "revision fixture/app:latest; in layer 1, deleted in layer 2, still in the image"
    );
}

#[test]
fn the_configuration_is_scanned_as_fields() {
    let dir = tempfile::tempdir().unwrap();
    let env = format!("HF_TOKEN={}", hf_token());
    let other = concat!("hf_", "QmTrLxWpZkVbNcJdHgFs", "YaEuRiOtPlKmDn");
    let run = format!("|1 TOKEN={other} /bin/sh -c echo $TOKEN > /dev/null");
    let config = config_json(&[&env], &[("ENV X=1", true), (&run, false)]);
    let path = docker_archive(dir.path(), &[layer(&[("a.txt", Some(b"a"))])], &config);
    let outcome = scan_path(&path);
    assert_eq!(
        located(&outcome),
        [
            "huggingface-user-access-token image.tar#config.Env[0]",
            "huggingface-user-access-token image.tar#history[1].created_by",
        ]
    );
    // The RUN made layer 0.
    let history = outcome.findings[1].provenance.as_ref().unwrap();
    assert_eq!(history.layer, Some(0));
}

#[test]
fn the_same_content_is_scanned_once_and_reported_where_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let env = format!("HF_TOKEN={}\n", hf_token());
    let layers = [
        layer(&[("a/.env", Some(env.as_bytes()))]),
        layer(&[
            ("b/.env", Some(env.as_bytes())),
            ("a/.env", Some(env.as_bytes())),
        ]),
    ];
    let path = docker_archive(dir.path(), &layers, &config_json(&[], &[]));
    // One thread: layers read at the same time may both scan a content
    // neither has finished yet (harmless, but not what is counted here).
    let outcome = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| scan_path(&path));
    assert_eq!(
        located(&outcome),
        [
            "huggingface-user-access-token image.tar@layer0:/a/.env:1:10",
            "huggingface-user-access-token image.tar@layer1:/a/.env:1:10",
            "huggingface-user-access-token image.tar@layer1:/b/.env:1:10",
        ]
    );
    // Read once: the two copies reuse the first scan.
    assert_eq!(outcome.stats.files_scanned, 2, "{:?}", outcome.stats);
    // The same bytes again in layer 1: the file of layer 0 is still there.
    let first = outcome.findings[0].provenance.as_ref().unwrap();
    assert_eq!(first.still_present, Some(true));
    assert_eq!(first.deleted_in_layer, None);
}

#[test]
fn missing_layers_truncated_layers_and_bad_configurations_are_problems() {
    let dir = tempfile::tempdir().unwrap();
    let env = format!("HF_TOKEN={}\n", hf_token());
    let whole = layer(&[
        ("app/.env", Some(env.as_bytes())),
        ("app/big", Some(&[b'x'; 4096])),
    ]);
    // Cut inside `app/big`'s data.
    let truncated = whole[..2000].to_vec();
    let gone = layer(&[("gone", Some(b"x"))]);
    let mut members = vec![
        (format!("{}.tar", sha(&whole)), truncated),
        ("cfg.json".into(), b"{not json".to_vec()),
    ];
    let manifest = serde_json::json!([{
        "Config": "cfg.json",
        "Layers": [format!("{}.tar", sha(&whole)), format!("{}.tar", sha(&gone))]
    }]);
    members.push(("manifest.json".into(), manifest.to_string().into_bytes()));
    let path = tar_file(dir.path(), "image.tar", &members);
    let outcome = scan_path(&path);
    // What could be read is reported.
    assert_eq!(
        located(&outcome),
        ["huggingface-user-access-token image.tar@layer0:/app/.env:1:10"]
    );
    let problems: Vec<String> = outcome
        .problems
        .iter()
        .map(|p| format!("{}: {}", p.path, p.message))
        .collect();
    assert_eq!(problems.len(), 4, "{problems:#?}");
    assert!(
        problems[0]
            .starts_with("image.tar: the image configuration cfg.json is unreadable (not JSON"),
        "{problems:#?}"
    );
    assert!(
        problems[1].starts_with("image.tar@layer0: its content does not match its digest"),
        "{problems:#?}"
    );
    assert!(
        problems[2].starts_with("image.tar@layer0: this layer is damaged or cut short"),
        "{problems:#?}"
    );
    assert!(
        problems[3].starts_with("image.tar@layer1: the manifest names"),
        "{problems:#?}"
    );
}

#[test]
fn oci_layouts_verify_their_blobs_and_read_zstd_and_attestations() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("layout");
    std::fs::create_dir_all(root.join("blobs/sha256")).unwrap();
    let put = |bytes: &[u8]| {
        let hex = sha(bytes);
        std::fs::write(root.join("blobs/sha256").join(&hex), bytes).unwrap();
        hex
    };
    let env = format!("HF_TOKEN={}\n", hf_token());
    let plain = layer(&[("etc/app.conf", Some(env.as_bytes()))]);
    let zstd =
        ruzstd::encoding::compress_to_vec(&plain[..], ruzstd::encoding::CompressionLevel::Fastest);
    let zstd_hex = put(&zstd);
    let statement = format!(
        "{{\"predicate\":{{\"buildArgs\":{{\"TOKEN\":\"{}\"}}}}}}",
        hf_token()
    );
    let statement_hex = put(statement.as_bytes());
    let config = config_json(&[], &[]);
    let config_hex = put(&config);
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": format!("sha256:{config_hex}"), "size": config.len()},
        "layers": [
            {"mediaType": "application/vnd.oci.image.layer.v1.tar+zstd",
             "digest": format!("sha256:{zstd_hex}"), "size": zstd.len()},
            {"mediaType": "application/vnd.in-toto+json",
             "digest": format!("sha256:{statement_hex}"), "size": statement.len()},
        ]
    })
    .to_string();
    let manifest_hex = put(manifest.as_bytes());
    // The index lists the manifest twice (two tags): one image.
    let index = serde_json::json!({
        "schemaVersion": 2,
        "manifests": [
            {"mediaType": spec::OCI_MANIFEST, "digest": format!("sha256:{manifest_hex}"),
             "size": manifest.len(), "annotations": {"org.opencontainers.image.ref.name": "v1"}},
            {"mediaType": spec::OCI_MANIFEST, "digest": format!("sha256:{manifest_hex}"),
             "size": manifest.len()},
        ]
    });
    std::fs::write(root.join("index.json"), index.to_string()).unwrap();
    std::fs::write(root.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();

    let outcome = scan_path(&root);
    assert_eq!(outcome.problems, []);
    assert_eq!(
        located(&outcome),
        [
            "huggingface-user-access-token image.tar@layer0:/etc/app.conf:1:10",
            "huggingface-user-access-token image.tar@layer1:1:37",
        ]
    );
    assert_eq!(
        outcome.findings[0]
            .provenance
            .as_ref()
            .unwrap()
            .revision
            .as_deref(),
        Some("v1")
    );

    // A blob altered after the fact: reported, and still scanned.
    std::fs::write(root.join("blobs/sha256").join(&zstd_hex), gzip(&plain)).unwrap();
    let outcome = scan_path(&root);
    assert_eq!(outcome.findings.len(), 2);
    assert_eq!(outcome.problems.len(), 2, "{:#?}", outcome.problems);
    assert!(
        outcome
            .problems
            .iter()
            .all(|p| p.path == "image.tar@layer0")
    );
    assert!(
        outcome
            .problems
            .iter()
            .any(|p| p.message.contains("does not match its digest"))
    );
    assert!(
        outcome
            .problems
            .iter()
            .any(|p| p.message.contains("its descriptor says"))
    );
}

#[test]
fn a_layer_without_its_closing_padding_lost_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut unpadded = layer(&[("a.txt", Some(b"a")), ("b.txt", Some(b"last file"))]);
    // Cut after the last file's data, as some layer writers do.
    unpadded.truncate(512 + 512 + 512 + 9);
    let path = docker_archive(dir.path(), &[unpadded], &config_json(&[], &[]));
    let outcome = scan_path(&path);
    assert_eq!(outcome.problems, []);
    assert_eq!(outcome.stats.files_scanned, 3);
}

#[test]
fn plain_tars_and_other_files_are_not_images() {
    let dir = tempfile::tempdir().unwrap();
    let plain = tar_file(
        dir.path(),
        "plain.tar",
        &[("manifest.json".into(), br#"{"name":"extension"}"#.to_vec())],
    );
    assert!(open(&plain, &Limits::default()).is_none());
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "hello").unwrap();
    assert!(open(&text, &Limits::default()).is_none());
    assert!(open(dir.path(), &Limits::default()).is_none());
}

#[test]
fn several_images_in_one_archive_are_numbered_and_share_layers() {
    let dir = tempfile::tempdir().unwrap();
    let env = format!("HF_TOKEN={}\n", hf_token());
    let shared = layer(&[("app/.env", Some(env.as_bytes()))]);
    let later = layer(&[("app/.wh..env", Some(b""))]);
    let config = config_json(&[], &[]);
    let name = |b: &[u8]| format!("blobs/sha256/{}", sha(b));
    let members = vec![
        (name(&shared), shared.clone()),
        (name(&later), later.clone()),
        (name(&config), config.clone()),
        (
            "manifest.json".into(),
            serde_json::json!([
                {"Config": name(&config), "RepoTags": ["a:1"], "Layers": [name(&shared)]},
                {"Config": name(&config), "RepoTags": ["a:2"], "Layers": [name(&shared), name(&later)]},
            ])
            .to_string()
            .into_bytes(),
        ),
    ];
    let path = tar_file(dir.path(), "image.tar", &members);
    let outcome = scan_path(&path);
    assert_eq!(
        located(&outcome),
        [
            "huggingface-user-access-token image.tar[0]@layer0:/app/.env:1:10",
            "huggingface-user-access-token image.tar[1]@layer0:/app/.env:1:10",
        ]
    );
    let fates: Vec<Option<bool>> = outcome
        .findings
        .iter()
        .map(|f| f.provenance.as_ref().unwrap().still_present)
        .collect();
    assert_eq!(fates, [Some(true), Some(false)]);
    assert_eq!(
        outcome.stats.files_scanned, 3,
        "one layer file, two configurations"
    );
}
