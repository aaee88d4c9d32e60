//! `modelseal redact`: the log filter and in-place rewriting.

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::process::{Command as StdCommand, Stdio};

use crate::{aws_pair, modelseal};

fn hf_token() -> String {
    concat!("hf_", "VxKqPzLmWnRtYbGcHdJf", "NsQaEuIoTkXlMv").to_owned()
}

fn bin() -> std::path::PathBuf {
    assert_cmd::cargo::cargo_bin("modelseal")
}

fn redact(args: &[&str], input: impl Into<Vec<u8>>) -> (Vec<u8>, String, i32) {
    let output = modelseal()
        .arg("redact")
        .arg("--no-config")
        .args(args)
        .write_stdin(input.into())
        .output()
        .unwrap();
    (
        output.stdout,
        String::from_utf8_lossy(&output.stderr).into_owned(),
        output.status.code().unwrap_or(-1),
    )
}

#[test]
fn secrets_become_labels_and_every_other_byte_stays() {
    let (id, secret) = aws_pair();
    let mut input = format!("step 1 id={id}\nAWS_SECRET_ACCESS_KEY={secret}\n").into_bytes();
    input.extend_from_slice(b"\xff\xfe junk \x00\x01 not utf-8\n");
    input.extend_from_slice(format!("hub {} done", hf_token()).as_bytes());
    let (out, _, code) = redact(&[], input);
    assert_eq!(code, 0);
    let mut expected = b"step 1 id=[REDACTED:aws-access-key-id]\n\
AWS_SECRET_ACCESS_KEY=[REDACTED:aws-secret-access-key]\n"
        .to_vec();
    expected.extend_from_slice(b"\xff\xfe junk \x00\x01 not utf-8\n");
    expected.extend_from_slice(b"hub [REDACTED:huggingface-user-access-token] done");
    assert_eq!(
        String::from_utf8_lossy(&out),
        String::from_utf8_lossy(&expected)
    );
    assert_eq!(out, expected);
}

#[test]
fn metadata_is_hidden_only_when_asked() {
    let line = "saving checkpoint to /home/jdoe/runs/7\n";
    let (out, _, _) = redact(&[], line);
    assert_eq!(out, line.as_bytes());
    let (out, _, _) = redact(&["--metadata"], line);
    let out = String::from_utf8(out).unwrap();
    assert!(!out.contains("jdoe") && out.contains("[REDACTED:"), "{out}");
}

#[test]
fn label_and_kept_prefix_are_configurable() {
    let (id, _) = aws_pair();
    let (out, _, _) = redact(&["--keep", "4", "--label", "<{rule}>"], format!("{id}\n"));
    assert_eq!(String::from_utf8(out).unwrap(), "AKIA<aws-access-key-id>\n");
}

#[test]
fn exit_code_says_whether_anything_was_redacted() {
    assert_eq!(redact(&["--exit-code"], "nothing here\n").2, 0);
    assert_eq!(redact(&["--exit-code"], format!("{}\n", hf_token())).2, 1);
}

#[test]
fn secret_environment_values_are_hidden_in_their_encodings() {
    let output = modelseal()
        .args(["redact", "--no-config", "--env", "INTERNAL_DB"])
        .env("TRAINING_DB_PASSWORD", "corp-Winter-2026")
        .env("INTERNAL_DB", "plain-but-private-9")
        .write_stdin(
            "pw corp-Winter-2026\nauth Basic dXNlcjpjb3JwLVdpbnRlci0yMDI2\n\
             url postgres://u:corp-Winter-2026%21@db\nother plain-but-private-9\n",
        )
        .output()
        .unwrap();
    let out = String::from_utf8(output.stdout).unwrap();
    assert!(
        !out.contains("Winter") && !out.contains("plain-but"),
        "{out}"
    );
    assert!(!out.contains("dXNlcjpjb3JwLVdpbnRlci0yMDI2"), "{out}");
    assert!(out.contains("[REDACTED:env:TRAINING_DB_PASSWORD]"), "{out}");
    assert!(out.contains("[REDACTED:env:INTERNAL_DB]"), "{out}");

    let output = modelseal()
        .args(["redact", "--no-config", "--no-env"])
        .env("TRAINING_DB_PASSWORD", "corp-Winter-2026")
        .write_stdin("pw corp-Winter-2026\n")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        "pw corp-Winter-2026\n"
    );
}

#[test]
fn configuration_names_more_variables_and_the_label() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("modelseal.toml"),
        "[redact]\nenv = [\"SERVICE_PASS\"]\nlabel = \"***{rule}***\"\n",
    )
    .unwrap();
    let output = modelseal()
        .current_dir(dir.path())
        .arg("redact")
        .env("SERVICE_PASS", "opensesame-42")
        .write_stdin("login opensesame-42\n")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        "login ***env:SERVICE_PASS***\n"
    );
}

#[test]
fn a_large_stream_is_redacted_whole() {
    let token = hf_token();
    let mut input = String::new();
    let mut planted = 0;
    let mut n = 0;
    while input.len() < 24 * 1024 * 1024 {
        n += 1;
        if n % 97 == 0 {
            planted += 1;
            writeln!(input, "step {n} pushing with {token}").unwrap();
        } else {
            writeln!(input, "step {n} loss 0.{n} lr 3e-4 grad_norm 1.{n}").unwrap();
        }
    }
    let (out, _, code) = redact(&[], input.clone());
    assert_eq!(code, 0);
    let out = String::from_utf8(out).unwrap();
    assert!(!out.contains(&token[3..]));
    assert_eq!(
        out.matches("[REDACTED:huggingface-user-access-token]")
            .count(),
        planted
    );
    let restored = out.replace("[REDACTED:huggingface-user-access-token]", &token);
    assert!(restored == input, "bytes other than the secrets changed");
}

#[test]
fn a_partial_line_is_shown_when_the_input_goes_quiet() {
    let mut child = StdCommand::new(bin())
        .args(["redact", "--no-config", "--idle-ms", "50"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"Epoch 1:  40%|####  |").unwrap();
    stdin.flush().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut got = vec![0; 64];
    // Blocks until the partial line comes out while the input stays open.
    let n = stdout.read(&mut got).unwrap();
    assert_eq!(&got[..n], b"Epoch 1:  40%|####  |");
    drop(stdin);
    assert!(child.wait().unwrap().success());
}

#[test]
fn a_reader_that_goes_away_ends_the_filter_quietly() {
    let mut child = StdCommand::new(bin())
        .args(["redact", "--no-config"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let writer = std::thread::spawn(move || {
        let line = b"a line of log output that goes on for a while\n".repeat(1000);
        for _ in 0..2000 {
            if stdin.write_all(&line).is_err() {
                return;
            }
        }
    });
    let mut first = vec![0; 100];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let status = child.wait().unwrap();
    writer.join().unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(status.code().is_some(), "ended by a signal: {status}");
}

#[test]
fn in_place_rewrites_atomically_and_keeps_a_backup_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let leaky = dir.path().join("train.log");
    let clean = dir.path().join("eval.log");
    let original = format!("start\ntoken={}\nend\n", hf_token());
    std::fs::write(&leaky, &original).unwrap();
    std::fs::write(&clean, "accuracy 0.91\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&leaky, std::fs::Permissions::from_mode(0o640)).unwrap();
    }
    let clean_mtime = std::fs::metadata(&clean).unwrap().modified().unwrap();
    let missing = dir.path().join("missing.log");
    let output = modelseal()
        .args(["redact", "--no-config", "--in-place", "--backup"])
        .arg(&missing)
        .arg(&leaky)
        .arg(&clean)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(2),
        "a missing file fails the run: {stderr}"
    );
    assert!(stderr.contains("missing.log"), "{stderr}");
    assert!(
        stderr.contains("train.log: 1 secret(s) redacted"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(&leaky).unwrap(),
        "start\ntoken=[REDACTED:huggingface-user-access-token]\nend\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("train.log.orig")).unwrap(),
        original
    );
    assert_eq!(
        std::fs::metadata(&clean).unwrap().modified().unwrap(),
        clean_mtime
    );
    assert!(!dir.path().join("eval.log.orig").exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&leaky).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(".modelseal"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn in_place_without_backup_keeps_no_copy_and_refuses_links() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("run.log");
    std::fs::write(&log, format!("{}\n", hf_token())).unwrap();
    let link = dir.path().join("link.log");
    std::os::unix::fs::symlink(&log, &link).unwrap();
    let output = modelseal()
        .args(["redact", "--no-config", "-i"])
        .arg(&link)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("symbolic link"));
    modelseal()
        .args(["redact", "--no-config", "-i"])
        .arg(&log)
        .assert()
        .success();
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        "[REDACTED:huggingface-user-access-token]\n"
    );
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn in_place_needs_files() {
    let (_, stderr, code) = redact(&["--in-place"], "x");
    assert_eq!(code, 2);
    assert!(stderr.contains("--in-place needs files"), "{stderr}");
}

#[test]
fn files_are_printed_redacted_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.log");
    let b = dir.path().join("b.log");
    std::fs::write(&a, "first\n").unwrap();
    std::fs::write(&b, format!("second {}\n", hf_token())).unwrap();
    let output = modelseal()
        .args(["redact", "--no-config"])
        .arg(&a)
        .arg(&b)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        "first\nsecond [REDACTED:huggingface-user-access-token]\n"
    );
}
