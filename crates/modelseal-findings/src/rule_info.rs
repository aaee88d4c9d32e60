//! One descriptor for everything that produces findings: a detection rule, an
//! audit check, an IAM lint. SARIF rule descriptors, `rules explain`, the
//! generated docs and the human report all read it.

use serde::{Deserialize, Serialize};

use crate::{Clue, Kind, Severity};

/// How often a rule's findings are right, as code-scanning services rank
/// results.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// A provider's own format, a checksum, an exact construct.
    #[default]
    High,
    /// A catch-all (`password = ...` with enough entropy): right more often
    /// than not.
    Medium,
}

impl Precision {
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::High => "high",
            Precision::Medium => "medium",
        }
    }
}

/// What a rule or check is, for people and tools.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleInfo {
    /// Stable kebab-case id naming the hazard (`aws-secret-access-key`,
    /// `secret-echoed-in-workflow`).
    pub id: String,
    /// One line for people.
    pub title: String,
    pub kind: Kind,
    pub severity: Severity,
    /// For metadata: what the value tells about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clue: Option<Clue>,
    /// What it finds and why that matters.
    pub description: String,
    /// How to fix it.
    pub remediation: String,
    /// Where to read more; the first is the help link.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    #[serde(default)]
    pub precision: Precision,
}

impl RuleInfo {
    /// The page to read more, when there is one.
    pub fn help_uri(&self) -> Option<&str> {
        self.references.first().map(String::as_str)
    }
}
