//! `modelseal run -- CMD ARGS...`: a job whose output is redacted.
//!
//! The child keeps modelseal's standard input, process group and terminal,
//! so Ctrl-C reaches it directly; its standard output and error come through
//! two pipes, each redacted on its own thread and written to the matching
//! stream. Signals sent to modelseal itself are passed on.

use std::io::{self, Write};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use anyhow::{Context, Result};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
use signal_hook::iterator::SignalsInfo;
use signal_hook::iterator::exfiltrator::WithOrigin;
use signal_hook::low_level::siginfo::Cause;

use super::pump::{Pump, PumpError, Pumped};
use super::setup;
use crate::args::RunArgs;
use crate::exit::Code;

pub fn run(args: &RunArgs) -> Result<Code> {
    let redactor = Arc::new(setup::redactor(&args.options)?);
    let program = &args.command[0];
    let shown = program.to_string_lossy().into_owned();

    // Registered before the child starts, so no signal finds modelseal
    // without its handler.
    let mut signals = SignalsInfo::<WithOrigin>::new([SIGINT, SIGTERM, SIGHUP, SIGQUIT])
        .context("cannot watch for signals")?;

    let mut child = match Command::new(program)
        .args(&args.command[1..])
        .stdin(Stdio::inherit())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(error) => {
            let code = match error.kind() {
                io::ErrorKind::NotFound => 127,
                _ => 126,
            };
            eprintln!("modelseal run: {shown}: {error}");
            return Ok(Code::Passed(code));
        }
    };
    let pid = Pid::from_raw(i32::try_from(child.id()).context("child process id")?);

    let handle = signals.handle();
    let forwarder = thread::Builder::new()
        .name("modelseal-signals".to_owned())
        .spawn(move || {
            for origin in signals.forever() {
                // A signal the terminal sent (Ctrl-C, Ctrl-\) went to the
                // child too, as it shares our process group: passing it on
                // would deliver it twice. One sent to us alone is passed on.
                if matches!(origin.cause, Cause::Sent(_))
                    && let Ok(signal) = Signal::try_from(origin.signal)
                {
                    let _ = kill(pid, signal);
                }
            }
        })
        .context("cannot start the signal thread")?;

    let exited = Arc::new(AtomicBool::new(false));
    let pump = |writer_gone: Arc<AtomicBool>| Pump {
        redactor: Arc::clone(&redactor),
        max_line: args.options.max_line,
        idle: Duration::from_millis(args.options.idle_ms.max(1)),
        writer_gone: Some(writer_gone),
    };
    let stdout_pipe = child.stdout.take().context("child's standard output")?;
    let stderr_pipe = child.stderr.take().context("child's standard error")?;
    let out_pump = pump(Arc::clone(&exited));
    let err_pump = pump(Arc::clone(&exited));
    let out_thread = thread::Builder::new()
        .name("modelseal-stdout".to_owned())
        .spawn(move || out_pump.run(stdout_pipe, &mut io::stdout().lock()))
        .context("cannot start the output thread")?;
    let err_thread = thread::Builder::new()
        .name("modelseal-stderr".to_owned())
        .spawn(move || err_pump.run(stderr_pipe, &mut io::stderr().lock()))
        .context("cannot start the error thread")?;

    let status = child
        .wait()
        .with_context(|| format!("waiting for {shown}"))?;
    exited.store(true, Ordering::SeqCst);
    let out = join(out_thread, "standard output");
    let err = join(err_thread, "standard error");
    handle.close();
    let _ = forwarder.join();

    let redacted = out.redacted + err.redacted;
    if redacted > 0 && !args.quiet {
        eprintln!("modelseal run: {redacted} secret(s) redacted from the output of {shown}");
    }
    let code = match (status.code(), status.signal()) {
        (Some(code), _) => code,
        (None, Some(signal)) => 128 + signal,
        (None, None) => 1,
    };
    Ok(Code::Passed(u8::try_from(code).unwrap_or(1)))
}

fn join(thread: thread::JoinHandle<Result<Pumped, PumpError>>, stream: &str) -> Pumped {
    match thread.join() {
        Ok(Ok(pumped)) => pumped,
        Ok(Err(PumpError::Write(e))) if e.kind() == io::ErrorKind::BrokenPipe => Pumped::default(),
        Ok(Err(PumpError::Read(e) | PumpError::Write(e))) => {
            let _ = writeln!(io::stderr(), "modelseal run: {stream}: {e}");
            Pumped::default()
        }
        Err(_) => {
            let _ = writeln!(
                io::stderr(),
                "modelseal run: {stream}: the redactor stopped"
            );
            Pumped::default()
        }
    }
}
