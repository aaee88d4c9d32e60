//! What a scan says about its input besides findings: a part it could not
//! read, a part it left out on purpose, something worth knowing.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Three different things, told apart by what they mean for the result.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum ProblemKind {
    /// Part of the input could not be read (a broken archive, a member a
    /// limit stopped, a file that failed to download): the result is
    /// incomplete, and a scan without findings exits 3, not 0.
    #[default]
    Warning,
    /// Part of the input was left out on purpose and is named so that
    /// nobody takes it as read: a Git LFS pointer whose file lives
    /// elsewhere, a submodule that was not followed.
    Skip,
    /// Worth knowing, changes nothing: a shallow clone whose history ends
    /// early.
    Note,
}

impl ProblemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemKind::Warning => "warning",
            ProblemKind::Skip => "skip",
            ProblemKind::Note => "note",
        }
    }
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A part of the input and what happened to it. The scan goes on without it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Problem {
    #[serde(default)]
    pub kind: ProblemKind,
    /// Where, as a finding's location reads (`logs.zip!/run1/train.log`).
    pub path: String,
    pub message: String,
}

impl Problem {
    /// A part that could not be read.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Problem::of(ProblemKind::Warning, path, message)
    }

    /// A part left out on purpose.
    pub fn skip(path: impl Into<String>, message: impl Into<String>) -> Self {
        Problem::of(ProblemKind::Skip, path, message)
    }

    /// Something worth knowing.
    pub fn note(path: impl Into<String>, message: impl Into<String>) -> Self {
        Problem::of(ProblemKind::Note, path, message)
    }

    pub fn of(kind: ProblemKind, path: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            kind,
            path: path.into(),
            message: message.into(),
        }
    }

    /// Whether this makes the result incomplete.
    pub fn is_warning(&self) -> bool {
        self.kind == ProblemKind::Warning
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.kind, self.path, self.message)
    }
}

/// An I/O error in words a user acts on.
pub fn describe_io(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file or folder (or a broken symbolic link)".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_warnings_make_a_result_incomplete() {
        assert!(Problem::new("a.zip", "truncated").is_warning());
        assert!(!Problem::skip("w.bin", "a Git LFS pointer").is_warning());
        assert!(!Problem::note("repo", "shallow clone").is_warning());
        assert_eq!(
            Problem::skip("w.bin", "a Git LFS pointer").to_string(),
            "skip: w.bin: a Git LFS pointer"
        );
    }

    #[test]
    fn a_problem_without_a_kind_reads_as_a_warning() {
        let problem: Problem =
            serde_json::from_str(r#"{"path": "a.zip", "message": "truncated"}"#).unwrap();
        assert_eq!(problem, Problem::new("a.zip", "truncated"));
    }
}
