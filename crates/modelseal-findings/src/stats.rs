//! Counts of what was read, for the summary and the report.

use serde::{Deserialize, Serialize};

/// Counts for the summary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Stats {
    /// Files (or streams) read through the engine.
    pub files_scanned: u64,
    pub bytes_scanned: u64,
    /// Binary files (or members) of no known format, not read past their
    /// first bytes.
    pub binary_skipped: u64,
    /// Archive members and nested blobs read.
    pub members_scanned: u64,
    /// Parts deliberately not read: tensor data, Git LFS pointers.
    pub parts_skipped: u64,
    /// Files skipped because an allowlisted path matched.
    pub paths_allowlisted: u64,
    /// Matches not reported: allowlists, inline ignores, baseline.
    pub suppressed: u64,
    /// Bytes received over the network (hub and GitHub sources).
    #[serde(default)]
    pub bytes_transferred: u64,
    /// Commits walked by a git history scan.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub commits_scanned: u64,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde passes a reference
fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Stats {
    /// Adds another outcome's counts.
    pub fn add(&mut self, other: &Stats) {
        self.files_scanned += other.files_scanned;
        self.bytes_scanned += other.bytes_scanned;
        self.binary_skipped += other.binary_skipped;
        self.members_scanned += other.members_scanned;
        self.parts_skipped += other.parts_skipped;
        self.paths_allowlisted += other.paths_allowlisted;
        self.suppressed += other.suppressed;
        self.bytes_transferred += other.bytes_transferred;
        self.commits_scanned += other.commits_scanned;
    }
}
