//! A finding: what a person reads and what tools consume.

use std::fmt;

use modelseal_engine::{Clue, Kind, Severity};
use serde::{Deserialize, Serialize};

/// Where a finding is, the way a person would look it up:
/// `logs.zip!/run1/train.log:812`, `model.safetensors#__metadata__.source`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Location {
    /// The file on disk (or `-` for standard input), as given or walked.
    pub path: String,
    /// Members inside archives, outermost first (`logs.zip!/run1/train.log`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<String>,
    /// A field inside structured data (`__metadata__.source`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// 1-based line, for text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// 1-based column in characters (Unicode code points), for text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u64>,
}

impl Location {
    pub fn file(path: impl Into<String>) -> Self {
        Location {
            path: path.into(),
            members: Vec::new(),
            field: None,
            line: None,
            column: None,
        }
    }

    /// The blob the finding is in, without line and column.
    pub fn blob(&self) -> String {
        let mut out = self.path.clone();
        for member in &self.members {
            out.push_str("!/");
            out.push_str(member.trim_start_matches('/'));
        }
        if let Some(field) = &self.field {
            out.push('#');
            out.push_str(field);
        }
        out
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.blob())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        Ok(())
    }
}

/// One confirmed, filtered finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The rule's id, e.g. `aws-secret-access-key`.
    pub rule: String,
    pub title: String,
    pub kind: Kind,
    pub severity: Severity,
    /// For metadata: what the value is (username, host, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clue: Option<Clue>,
    pub location: Location,
    /// The matched secret: masked unless the user asked to see secrets.
    /// Metadata clues are not secrets and are shown as found.
    pub secret: String,
    /// Whether `secret` and `snippet` are masked.
    pub masked: bool,
    /// For metadata: the clue itself (the username, the host, the bucket).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The line around the match, with the secret masked likewise.
    pub snippet: String,
    /// Hash of rule id and secret value: stable across files and runs.
    pub fingerprint: String,
    /// How many times the same value was found in the same blob; the
    /// location is the first of them.
    #[serde(default = "one")]
    pub occurrences: u64,
}

fn one() -> u64 {
    1
}
