//! Scans over real folders on disk.

use std::path::PathBuf;

use modelseal_engine::RuleSet;
use modelseal_scan::filter::Filters;
use modelseal_scan::pipeline::Quiet;
use modelseal_scan::{LoadedConfig, ScanSettings, Scanner};

fn aws_key() -> String {
    concat!("AKIA", "UJZDEGXDNCF32EPF").to_string()
}

fn scanner() -> Scanner {
    Scanner::new(
        RuleSet::builtin(),
        Filters::default(),
        ScanSettings::default(),
    )
}

#[test]
fn finds_masks_and_locates() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("logs")).unwrap();
    std::fs::write(
        dir.path().join("logs/train.log"),
        format!("step 1\nAWS_ACCESS_KEY_ID={}\n", aws_key()),
    )
    .unwrap();
    let outcome = scanner().scan_paths(&[dir.path().to_path_buf()], &Quiet);
    let finding = outcome
        .findings
        .iter()
        .find(|f| f.rule == "aws-access-key-id")
        .expect("found");
    assert_eq!(finding.location.line, Some(2));
    assert_eq!(finding.location.column, Some(19));
    assert!(finding.location.path().ends_with("logs/train.log"));
    assert!(finding.masked);
    assert!(!finding.secret.contains(&aws_key()));
    assert!(!finding.snippet.contains(&aws_key()));
    assert_eq!(outcome.stats.files_scanned, 1);
}

#[test]
fn binary_files_are_skipped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let mut blob = vec![0u8, 1, 2, 3];
    blob.extend(aws_key().as_bytes());
    std::fs::write(dir.path().join("weights.bin"), blob).unwrap();
    std::fs::write(dir.path().join("empty.txt"), b"").unwrap();
    let outcome = scanner().scan_paths(&[dir.path().to_path_buf()], &Quiet);
    assert!(outcome.findings.is_empty());
    assert_eq!(outcome.stats.binary_skipped, 1);
    assert_eq!(outcome.stats.files_scanned, 1);
}

#[test]
fn missing_paths_and_broken_links_are_problems_not_failures() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.env"),
        format!("AWS_ACCESS_KEY_ID={}\n", aws_key()),
    )
    .unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.path().join("nowhere"), dir.path().join("broken")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.path(), dir.path().join("loop")).unwrap();
    let outcome = scanner().scan_paths(
        &[
            dir.path().to_path_buf(),
            PathBuf::from("/definitely/not/here"),
        ],
        &Quiet,
    );
    assert_eq!(outcome.findings.len(), 1, "{:?}", outcome.findings);
    assert!(
        outcome
            .problems
            .iter()
            .any(|p| p.path == "/definitely/not/here")
    );
    #[cfg(unix)]
    {
        assert!(
            outcome.problems.iter().any(|p| p.path.ends_with("broken")),
            "{:?}",
            outcome.problems
        );
        assert!(
            outcome.problems.iter().any(|p| p.message.contains("loop")),
            "{:?}",
            outcome.problems
        );
    }
}

#[test]
fn allowlists_and_inline_ignores() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("fixtures")).unwrap();
    std::fs::write(
        dir.path().join("fixtures/a.env"),
        format!("AWS_ACCESS_KEY_ID={}\n", aws_key()),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("b.env"),
        format!(
            "AWS_ACCESS_KEY_ID={}  # modelseal:ignore[aws-access-key-id]\n",
            aws_key()
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("modelseal.toml"),
        "[allowlist]\npaths = [\"fixtures/**\"]\n",
    )
    .unwrap();
    let config = LoadedConfig::discover(dir.path()).unwrap().unwrap();
    let filters = Filters::new(&config, []).unwrap();
    let scanner = Scanner::new(RuleSet::builtin(), filters, ScanSettings::default());
    let outcome = scanner.scan_paths(&[dir.path().to_path_buf()], &Quiet);
    assert!(outcome.findings.is_empty(), "{:?}", outcome.findings);
    assert_eq!(outcome.stats.paths_allowlisted, 1);
    assert_eq!(outcome.stats.suppressed, 1);
}

#[test]
fn stdin_like_streams() {
    let text = format!("export AWS_ACCESS_KEY_ID={}\n", aws_key());
    let outcome = scanner().scan_reader("-", text.as_bytes());
    assert_eq!(outcome.findings.len(), 1);
    assert_eq!(outcome.findings[0].location.path(), "-");
}

#[test]
fn show_secrets_reveals() {
    let settings = ScanSettings {
        show_secrets: true,
        ..ScanSettings::default()
    };
    let scanner = Scanner::new(RuleSet::builtin(), Filters::default(), settings);
    let outcome = scanner.scan_reader("-", format!("AWS_ACCESS_KEY_ID={}", aws_key()).as_bytes());
    assert_eq!(outcome.findings[0].secret, aws_key());
    assert!(!outcome.findings[0].masked);
}

#[cfg(unix)]
#[test]
fn non_utf8_names_and_content() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9-\xff.log");
    let mut content = b"r\xe9sum\xe9 \xff\xfe AWS_ACCESS_KEY_ID=".to_vec();
    content.extend_from_slice(aws_key().as_bytes());
    content.extend_from_slice(b"\n");
    std::fs::write(dir.path().join(name), content).unwrap();
    let outcome = scanner().scan_paths(&[dir.path().to_path_buf()], &Quiet);
    assert_eq!(outcome.findings.len(), 1, "{:?}", outcome.problems);
    assert!(
        outcome.findings[0]
            .location
            .path()
            .contains("caf\u{fffd}-\u{fffd}.log")
    );
    assert!(outcome.problems.is_empty());
}

#[test]
fn a_secret_across_a_chunk_boundary_in_a_large_file() {
    let dir = tempfile::tempdir().unwrap();
    let settings = ScanSettings {
        chunk_size: 64 * 1024,
        ..ScanSettings::default()
    };
    let scanner = Scanner::new(RuleSet::builtin(), Filters::default(), settings);
    let line = "2026-04-15 09:13:07,000 INFO trainer.py:1802 step 450 loss 0.3121\n";
    let mut text = String::new();
    let mut expected_lines = Vec::new();
    for i in 0..40 {
        while text.len() < (i + 1) * 65_500 {
            text.push_str(line);
        }
        expected_lines.push(text.lines().count() as u64 + 1);
        text.push_str("AWS_ACCESS_KEY_ID=");
        text.push_str(&aws_key());
        text.push('\n');
    }
    std::fs::write(dir.path().join("big.log"), &text).unwrap();
    let outcome = scanner.scan_paths(&[dir.path().to_path_buf()], &Quiet);
    assert_eq!(outcome.findings.len(), 1);
    assert_eq!(outcome.findings[0].occurrences, 40);
    assert_eq!(outcome.findings[0].location.line, Some(expected_lines[0]));
}

#[test]
fn a_clue_beside_a_secret_does_not_reveal_it() {
    let password = concat!("CxUFxEAThL", "K7aNwJRVGp");
    let line = format!(
        "could not connect to postgresql://reader:{password}@reviews-db.internal:5432/db\n"
    );
    let outcome = scanner().scan_reader("-", line.as_bytes());
    assert!(
        outcome.findings.iter().any(|f| f.rule == "internal-url"),
        "{:?}",
        outcome.findings
    );
    for finding in &outcome.findings {
        assert!(
            !finding.snippet.contains(password),
            "{}: {}",
            finding.rule,
            finding.snippet
        );
        assert!(!finding.secret.contains(password), "{}", finding.rule);
    }
}

/// A big text file read by positioned chunks on every core gives exactly the
/// findings, counts and suppressions of the same file read as one stream:
/// values repeated across chunk boundaries are one finding with their
/// count, at their first place, and inline ignores still hold.
#[cfg(unix)]
#[test]
fn a_big_text_file_read_in_parallel_finds_what_a_stream_finds() {
    use std::fmt::Write as _;
    use std::io::Write as _;

    use modelseal_scan::pipeline::{BlobScanner, SourceBlob};
    use modelseal_scan::{Origin, ScanOutcome};

    let mut text = String::new();
    let mut line = 0u64;
    while text.len() < 3 << 20 {
        line += 1;
        let _ = match line % 97 {
            0 => writeln!(text, "AWS_ACCESS_KEY_ID={}", aws_key()),
            13 => writeln!(text, "AWS_ACCESS_KEY_ID={} # modelseal:ignore", aws_key()),
            41 => writeln!(
                text,
                "loaded shard from s3://acme-shards-{}/part-{line:05}.parquet",
                line % 3
            ),
            _ => writeln!(text, "step {line} loss 0.{line:04} lr 3e-4 host=localhost"),
        };
    }
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(text.as_bytes()).unwrap();
    let path = file.path().to_string_lossy().into_owned();
    let scanner = scanner();

    let mut handle = std::fs::File::open(file.path()).unwrap();
    let streamed = scanner.scan_blob(SourceBlob {
        origin: Origin::file(path.clone()),
        name: "train.log",
        filter_path: None,
        provenance: None,
        data: modelseal_formats::Blob::Seekable(&mut handle),
    });
    let parallel = scanner.scan_text_file(Origin::file(path), &handle, text.len() as u64);

    let view = |outcome: &ScanOutcome| {
        let mut findings: Vec<_> = outcome
            .findings
            .iter()
            .map(|f| {
                (
                    f.location.to_string(),
                    f.rule.clone(),
                    f.occurrences,
                    f.fingerprint.clone(),
                    f.snippet.clone(),
                )
            })
            .collect();
        findings.sort();
        findings
    };
    assert_eq!(view(&parallel), view(&streamed));
    assert!(
        parallel
            .findings
            .iter()
            .any(|f| f.rule == "aws-access-key-id" && f.occurrences > 100),
        "{:?}",
        view(&parallel)
    );
    assert_eq!(parallel.stats.suppressed, streamed.stats.suppressed);
    assert!(parallel.stats.suppressed > 100);
    assert_eq!(parallel.stats.bytes_scanned, text.len() as u64);
    assert!(parallel.problems.is_empty(), "{:?}", parallel.problems);
}
