//! Metadata clues grouped the way an attacker would: by person, host, bucket.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{Clue, Finding};

/// One clue value and where it was seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClueGroup {
    pub clue: Clue,
    pub value: String,
    /// How many findings carry it.
    pub count: usize,
    /// Distinct files it appears in, first few only.
    pub files: Vec<String>,
}

/// Most files listed per clue.
const FILES_PER_CLUE: usize = 5;

/// Groups metadata findings by clue kind and value, most frequent first.
pub fn group_clues(findings: &[Finding]) -> Vec<ClueGroup> {
    let mut groups: BTreeMap<(Clue, String), (usize, Vec<String>)> = BTreeMap::new();
    for finding in findings {
        let (Some(clue), Some(value)) = (finding.clue, &finding.value) else {
            continue;
        };
        let key = if clue == Clue::Email || clue == Clue::Host {
            value.to_ascii_lowercase()
        } else {
            value.clone()
        };
        let entry = groups.entry((clue, key)).or_default();
        entry.0 += finding.occurrences as usize;
        let file = finding.location.blob();
        if entry.1.len() < FILES_PER_CLUE && !entry.1.contains(&file) {
            entry.1.push(file);
        }
    }
    let mut out: Vec<ClueGroup> = groups
        .into_iter()
        .map(|((clue, value), (count, files))| ClueGroup {
            clue,
            value,
            count,
            files,
        })
        .collect();
    out.sort_by(|a, b| {
        a.clue
            .cmp(&b.clue)
            .then(b.count.cmp(&a.count))
            .then(a.value.cmp(&b.value))
    });
    out
}
