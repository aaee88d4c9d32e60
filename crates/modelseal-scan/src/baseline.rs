//! Baselines: findings accepted once, by fingerprint, so that CI fails only
//! on new ones.

use std::collections::BTreeSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use modelseal_findings::Finding;

/// The baseline file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<BaselineEntry>,
}

/// One accepted finding. Only the fingerprint matters when applying; the
/// rest is there so a reviewer can read the file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BaselineEntry {
    pub fingerprint: String,
    pub rule: String,
    pub location: String,
}

impl Baseline {
    pub fn from_findings(findings: &[Finding]) -> Self {
        let entries: BTreeSet<BaselineEntry> = findings
            .iter()
            .map(|f| BaselineEntry {
                fingerprint: f.fingerprint.clone(),
                rule: f.rule.clone(),
                location: f.location.to_string(),
            })
            .collect();
        Baseline {
            version: 1,
            findings: entries.into_iter().collect(),
        }
    }

    pub fn read(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read baseline: {e}", path.display()))?;
        serde_json::from_str(&text)
            .map_err(|e| format!("{}: not a modelseal baseline: {e}", path.display()))
    }

    pub fn write(&self, path: &Path) -> Result<(), String> {
        let mut text = serde_json::to_string_pretty(self).expect("a baseline serializes");
        text.push('\n');
        std::fs::write(path, text)
            .map_err(|e| format!("{}: cannot write baseline: {e}", path.display()))
    }

    pub fn fingerprints(&self) -> impl Iterator<Item = &str> {
        self.findings.iter().map(|e| e.fingerprint.as_str())
    }
}
