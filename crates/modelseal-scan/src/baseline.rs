//! Baselines: findings accepted once, by fingerprint, so that CI fails only
//! on new ones.

use std::collections::BTreeSet;
use std::path::Path;

use modelseal_findings::Finding;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Why a baseline could not be read or written.
#[derive(Debug, Error)]
pub enum BaselineError {
    #[error("{}: cannot read baseline: {source}", path.display())]
    Read {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("{}: not a modelseal baseline: {source}", path.display())]
    Invalid {
        path: std::path::PathBuf,
        source: serde_json::Error,
    },
    #[error("{}: cannot write baseline: {source}", path.display())]
    Write {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

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

    pub fn read(path: &Path) -> Result<Self, BaselineError> {
        let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Read {
            path: path.to_owned(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|source| BaselineError::Invalid {
            path: path.to_owned(),
            source,
        })
    }

    pub fn write(&self, path: &Path) -> Result<(), BaselineError> {
        let mut text = serde_json::to_string_pretty(self).expect("a baseline serializes");
        text.push('\n');
        std::fs::write(path, text).map_err(|source| BaselineError::Write {
            path: path.to_owned(),
            source,
        })
    }

    pub fn fingerprints(&self) -> impl Iterator<Item = &str> {
        self.findings.iter().map(|e| e.fingerprint.as_str())
    }
}
