//! Exit codes CI can act on.

use std::process::ExitCode;

/// What the process exit code means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// Nothing at or above `--fail-on`.
    Clean,
    /// Findings at or above `--fail-on`.
    Findings,
    /// A usage error, or nothing could be scanned.
    Usage,
    /// No findings, but part of the input could not be read: not clean.
    Incomplete,
    /// A code passed on from a command `modelseal run` ran.
    Passed(u8),
}

impl From<Code> for ExitCode {
    fn from(code: Code) -> Self {
        ExitCode::from(match code {
            Code::Clean => 0,
            Code::Findings => 1,
            Code::Usage => 2,
            Code::Incomplete => 3,
            Code::Passed(code) => code,
        })
    }
}

/// Whether an error is only the reader of our output going away (`| head`).
pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
