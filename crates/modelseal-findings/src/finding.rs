//! A finding: what a person reads and what tools consume.

use serde::{Deserialize, Serialize};

use crate::{Clue, Kind, Location, Provenance, Severity};

/// One confirmed, filtered finding, from any stage: a secret or clue found
/// by the scanner, a misconfiguration found by an audit check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The id of the rule or check, e.g. `aws-secret-access-key`; its
    /// [`crate::RuleInfo`] says more.
    pub rule: String,
    pub title: String,
    pub kind: Kind,
    pub severity: Severity,
    /// For metadata: what the value is (username, host, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clue: Option<Clue>,
    pub location: Location,
    /// The matched secret: masked unless the user asked to see secrets.
    /// Metadata clues are not secrets and are shown as found; for a
    /// misconfiguration, the offending text (`${{ secrets.TOKEN }}`).
    pub secret: String,
    /// Whether `secret` and `snippet` are masked.
    pub masked: bool,
    /// For metadata: the clue itself (the username, the host, the bucket).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The line around the match, with the secret masked likewise.
    pub snippet: String,
    /// Hash of rule id and value: stable across files and runs, so
    /// baselines and allowlists work for every kind of finding.
    pub fingerprint: String,
    /// How many times the same value was found in the same blob; the
    /// location is the first of them.
    #[serde(default = "one")]
    pub occurrences: u64,
    /// Where the blob came from, when it is more than a file on disk: the
    /// commit that introduced it, the image layer that holds it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Provenance>,
}

fn one() -> u64 {
    1
}
