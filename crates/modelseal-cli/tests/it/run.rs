//! `modelseal run -- CMD`: a job whose output is redacted.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use crate::modelseal;

fn hf_token() -> String {
    concat!("hf_", "VxKqPzLmWnRtYbGcHdJf", "NsQaEuIoTkXlMv").to_owned()
}

fn run_cmd() -> StdCommand {
    let mut cmd = StdCommand::new(assert_cmd::cargo::cargo_bin("modelseal"));
    cmd.args(["run", "--no-config", "--idle-ms", "50", "--"]);
    cmd
}

/// Waits for a child with a deadline far above anything a healthy run
/// needs: a hang fails the test instead of stalling the suite.
fn wait_or_kill(child: &mut std::process::Child, deadline: Duration) -> std::process::ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if started.elapsed() > deadline {
            let _ = child.kill();
            panic!("modelseal run did not end within {deadline:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn stdout_and_stderr_stay_separate_and_are_both_redacted() {
    let token = hf_token();
    let output = modelseal()
        .args(["run", "--no-config", "--", "sh", "-c"])
        .arg(format!(
            "echo out {token}; echo err {token} >&2; echo out-2"
        ))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(
        stdout,
        "out [REDACTED:huggingface-user-access-token]\nout-2\n"
    );
    assert!(
        stderr.starts_with("err [REDACTED:huggingface-user-access-token]\n"),
        "{stderr}"
    );
    assert!(stderr.contains("2 secret(s) redacted"), "{stderr}");
}

#[test]
fn the_jobs_secret_environment_is_hidden_in_any_encoding() {
    let output = modelseal()
        .args(["run", "--no-config", "--quiet", "--", "sh", "-c"])
        .arg(
            "echo \"pw=$WAREHOUSE_PASSWORD\"; printf 'svc:%s' \"$WAREHOUSE_PASSWORD\" | base64; \
             echo \"{\\\"pw\\\": \\\"$WAREHOUSE_PASSWORD\\\"}\"",
        )
        .env("WAREHOUSE_PASSWORD", "Summer-2026!")
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(!stdout.contains("Summer-2026"), "{stdout}");
    assert!(!stdout.contains("U3VtbWVyLTIwMjYh"), "{stdout}");
    assert_eq!(
        stdout.matches("[REDACTED:env:WAREHOUSE_PASSWORD]").count(),
        3,
        "{stdout}"
    );
    assert!(output.stderr.is_empty(), "--quiet says nothing");
}

#[test]
fn the_exit_code_is_the_jobs() {
    let status = modelseal()
        .args(["run", "--no-config", "--", "sh", "-c", "exit 7"])
        .output()
        .unwrap()
        .status;
    assert_eq!(status.code(), Some(7));
    let status = modelseal()
        .args(["run", "--no-config", "--", "sh", "-c", "kill -TERM $$"])
        .output()
        .unwrap()
        .status;
    assert_eq!(status.code(), Some(128 + 15), "a signal N gives 128+N");
}

#[test]
fn a_missing_command_is_127() {
    let output = modelseal()
        .args(["run", "--no-config", "--", "no-such-command-here"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(127));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no-such-command-here"));
}

#[test]
fn a_signal_sent_to_modelseal_reaches_the_job() {
    let mut child = run_cmd()
        .args([
            "sh",
            "-c",
            "trap 'echo got-term; exit 42' TERM; echo ready; while :; do sleep 0.05; done",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert_eq!(lines.next().unwrap().unwrap(), "ready");
    let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap());
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
    let status = wait_or_kill(&mut child, Duration::from_secs(30));
    assert_eq!(status.code(), Some(42));
    assert_eq!(lines.next().unwrap().unwrap(), "got-term");
}

#[test]
fn a_line_that_never_ends_is_shown_while_the_job_runs() {
    let mut child = run_cmd()
        .args(["sh", "-c", "printf 'Password for svc: '; sleep 5"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut got = vec![0; 64];
    let n = stdout.read(&mut got).unwrap();
    assert_eq!(&got[..n], b"Password for svc: ");
    assert!(
        child.try_wait().unwrap().is_none(),
        "shown while the job still runs"
    );
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn binary_output_and_a_closed_stdout_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let blob: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 256) as u8).collect();
    let path = dir.path().join("blob.bin");
    std::fs::write(&path, &blob).unwrap();
    let output = modelseal()
        .args(["run", "--no-config", "--", "sh", "-c"])
        .arg(format!(
            "cat '{}'; exec 1>&-; echo after-close >&2",
            path.display()
        ))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(output.stdout == blob, "binary output changed");
    assert_eq!(String::from_utf8_lossy(&output.stderr), "after-close\n");
}

#[test]
fn a_background_grandchild_holding_the_pipe_does_not_hold_modelseal() {
    let mut child = run_cmd()
        .args(["sh", "-c", "sleep 30 & echo started"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let status = wait_or_kill(&mut child, Duration::from_secs(20));
    assert_eq!(status.code(), Some(0));
    let mut out = String::new();
    child.stdout.take().unwrap().read_to_string(&mut out).ok();
    assert!(out.starts_with("started"), "{out}");
}

#[test]
fn a_reader_that_goes_away_stops_the_job_like_a_pipe_would() {
    let mut child = run_cmd()
        .args(["sh", "-c", "yes 'a line of output'"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = vec![0; 1000];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take());
    let status = wait_or_kill(&mut child, Duration::from_secs(30));
    // `yes` dies of SIGPIPE once its pipe is closed: 128 + 13.
    assert_eq!(status.code(), Some(141));
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
}
