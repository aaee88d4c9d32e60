//! Archives: members found with their chain, limits that stop bombs.

use std::io::{Cursor, Write};

use modelseal_engine::RuleSet;
use modelseal_scan::filter::Filters;
use modelseal_scan::pipeline::Quiet;
use modelseal_scan::{ScanOutcome, ScanSettings, Scanner};

fn aws_line() -> String {
    format!(
        "AWS_ACCESS_KEY_ID={}\n",
        concat!("AKIA", "UJZDEGXDNCF32EPF")
    )
}

fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in members {
        writer.start_file(*name, options).unwrap();
        writer.write_all(data).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

fn tar_gz_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut builder = tar::Builder::new(gz);
    for (name, data) in members {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder.append_data(&mut header, name, *data).unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap()
}

fn scan_dir(files: &[(&str, Vec<u8>)]) -> ScanOutcome {
    let dir = tempfile::tempdir().unwrap();
    for (name, data) in files {
        std::fs::write(dir.path().join(name), data).unwrap();
    }
    let scanner = Scanner::new(
        RuleSet::builtin(),
        Filters::default(),
        ScanSettings::default(),
    );
    let mut outcome = scanner.scan_paths(&[dir.path().to_path_buf()], &Quiet);
    let prefix = format!("{}/", dir.path().display());
    for finding in &mut outcome.findings {
        let path = finding
            .location
            .path()
            .trim_start_matches(&prefix)
            .to_owned();
        finding.location.origin = modelseal_scan::Origin::file(path);
    }
    for problem in &mut outcome.problems {
        problem.path = problem.path.trim_start_matches(&prefix).to_owned();
    }
    outcome
}

fn locations(outcome: &ScanOutcome, rule: &str) -> Vec<String> {
    outcome
        .findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| f.location.to_string())
        .collect()
}

#[test]
fn a_log_inside_a_zip() {
    let log = format!("step 1\n{}", aws_line());
    let outcome = scan_dir(&[("logs.zip", zip_of(&[("run1/train.log", log.as_bytes())]))]);
    assert_eq!(
        locations(&outcome, "aws-access-key-id"),
        vec!["logs.zip!/run1/train.log:2:19"]
    );
    assert_eq!(outcome.stats.members_scanned, 1);
}

#[test]
fn a_zip_inside_a_tarball_and_a_gzipped_log() {
    let inner = zip_of(&[("debug.log", format!("a\nb\n{}", aws_line()).as_bytes())]);
    let bundle = tar_gz_of(&[("inner.zip", &inner)]);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(aws_line().as_bytes()).unwrap();
    let outcome = scan_dir(&[
        ("bundle.tar.gz", bundle),
        ("train.log.gz", gz.finish().unwrap()),
    ]);
    assert_eq!(
        locations(&outcome, "aws-access-key-id"),
        vec![
            "bundle.tar.gz!/inner.zip!/debug.log:3:19",
            "train.log.gz:1:19"
        ]
    );
    assert!(outcome.problems.is_empty(), "{:?}", outcome.problems);
}

#[test]
fn a_bomb_stops_at_the_ratio_and_keeps_what_came_before() {
    let mut data = aws_line().into_bytes();
    data.extend(std::iter::repeat_n(b'a', 60 << 20));
    let outcome = scan_dir(&[("bomb.zip", zip_of(&[("huge.txt", &data)]))]);
    assert_eq!(
        locations(&outcome, "aws-access-key-id"),
        vec!["bomb.zip!/huge.txt:1:19"]
    );
    assert!(
        outcome
            .problems
            .iter()
            .any(|p| p.path == "bomb.zip!/huge.txt" && p.message.contains("ratio")),
        "{:?}",
        outcome.problems
    );
}

#[test]
fn nesting_stops_at_the_depth_limit() {
    let mut blob = zip_of(&[("secret.env", aws_line().as_bytes())]);
    for level in 0..10 {
        blob = zip_of(&[(&format!("level{level}.zip"), &blob)]);
    }
    let outcome = scan_dir(&[("deep.zip", blob)]);
    assert!(outcome.findings.is_empty());
    assert!(
        outcome
            .problems
            .iter()
            .any(|p| p.message.contains("max_depth")),
        "{:?}",
        outcome.problems
    );
}

#[test]
fn a_broken_archive_is_a_problem_and_the_rest_goes_on() {
    let mut truncated = zip_of(&[("a.log", aws_line().as_bytes())]);
    truncated.truncate(truncated.len() / 2);
    let outcome = scan_dir(&[
        ("broken.zip", truncated),
        ("ok.env", aws_line().into_bytes()),
    ]);
    assert_eq!(
        locations(&outcome, "aws-access-key-id"),
        vec!["ok.env:1:19"]
    );
    assert!(
        outcome.problems.iter().any(|p| p.path == "broken.zip"),
        "{:?}",
        outcome.problems
    );
}

#[test]
fn pytorch_tensor_storages_are_not_read() {
    let storage: Vec<u8> = (0..4096u32)
        .flat_map(|i| (i as f32).to_le_bytes())
        .collect();
    let checkpoint = zip_of(&[
        ("archive/data.pkl", b"\x80\x02}q\x00."),
        ("archive/data/0", &storage),
        ("archive/data/1", &storage),
        ("archive/version", b"3\n"),
    ]);
    let outcome = scan_dir(&[("pytorch_model.bin", checkpoint)]);
    assert_eq!(outcome.stats.parts_skipped, 1);
    assert!(outcome.findings.is_empty());
}

#[test]
fn a_git_lfs_pointer_is_named_as_skipped_not_scanned() {
    let pointer = "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n";
    let outcome = scan_dir(&[("model.safetensors", pointer.as_bytes().to_vec())]);
    assert_eq!(outcome.stats.parts_skipped, 1);
    assert!(outcome.findings.is_empty());
    assert_eq!(outcome.problems.len(), 1, "{:?}", outcome.problems);
    let skip = &outcome.problems[0];
    assert_eq!(skip.kind, modelseal_scan::ProblemKind::Skip);
    assert!(skip.path.ends_with("model.safetensors"), "{skip:?}");
    assert!(skip.message.contains("Git LFS pointer"), "{skip:?}");
    assert!(!outcome.is_incomplete());
}

/// Offsets of a one-member zip's central directory entry and end record.
fn directory(zip: &[u8]) -> (usize, usize) {
    let eocd = zip.windows(4).rposition(|w| w == b"PK\x05\x06").unwrap();
    let cd = zip.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
    (cd, eocd)
}

#[test]
fn overlapping_entries_are_not_read() {
    // Two directory entries pointing at the same data: the trick behind
    // non-recursive zip bombs.
    let zip = zip_of(&[("a.log", aws_line().as_bytes())]);
    let (cd, eocd) = directory(&zip);
    let mut entry = zip[cd..eocd].to_vec();
    let name_at = 46;
    entry[name_at] = b'b';
    let mut bomb = zip[..eocd].to_vec();
    bomb.extend_from_slice(&entry);
    let mut end = zip[eocd..].to_vec();
    for at in [8, 10] {
        let n = u16::from_le_bytes([end[at], end[at + 1]]) + 1;
        end[at..at + 2].copy_from_slice(&n.to_le_bytes());
    }
    let size = u32::from_le_bytes(end[12..16].try_into().unwrap()) + entry.len() as u32;
    end[12..16].copy_from_slice(&size.to_le_bytes());
    bomb.extend_from_slice(&end);
    let outcome = scan_dir(&[("overlap.zip", bomb), ("ok.env", aws_line().into_bytes())]);
    assert!(
        outcome
            .problems
            .iter()
            .any(|p| p.path.starts_with("overlap.zip") && p.message.contains("overlaps")),
        "{:?}",
        outcome.problems
    );
    assert_eq!(
        locations(&outcome, "aws-access-key-id"),
        vec!["ok.env:1:19"]
    );
}

#[test]
fn a_directory_that_lies_about_sizes_is_a_problem_not_a_crash() {
    let mut body = aws_line();
    body.push_str(&"loss 0.31\n".repeat(2000));
    let mut zip = zip_of(&[("train.log", body.as_bytes())]);
    let (cd, _) = directory(&zip);
    // Claim 8 uncompressed bytes, in the local header and the directory.
    zip[22..26].copy_from_slice(&8u32.to_le_bytes());
    zip[cd + 24..cd + 28].copy_from_slice(&8u32.to_le_bytes());
    let outcome = scan_dir(&[("liar.zip", zip), ("ok.env", aws_line().into_bytes())]);
    assert!(locations(&outcome, "aws-access-key-id").contains(&"ok.env:1:19".to_string()));
    assert!(
        outcome
            .problems
            .iter()
            .any(|p| p.path.starts_with("liar.zip")),
        "{:?}",
        outcome.problems
    );
}
