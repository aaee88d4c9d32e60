//! What is not reported: allowlisted paths, values and fingerprints, inline
//! `modelseal:ignore` comments, and baselined findings.

use std::collections::HashSet;
use std::path::Path;

use globset::{Glob, GlobSet, GlobSetBuilder};
use regex::bytes::RegexSet;
use thiserror::Error;

use crate::config::LoadedConfig;

/// The comment that silences a finding on its line.
pub const IGNORE_MARKER: &[u8] = b"modelseal:ignore";

/// An allowlist that does not compile.
#[derive(Debug, Error)]
pub enum FilterError {
    #[error("allowlist path `{pattern}`: {source}")]
    Glob {
        pattern: String,
        source: globset::Error,
    },
    #[error("allowlist paths: {0}")]
    Globs(globset::Error),
    #[error("allowlist values: {0}")]
    Values(regex::Error),
}

/// A path as a source knows it, for the path allowlist.
#[derive(Debug, Clone, Copy)]
pub enum FilterPath<'a> {
    /// A file on disk, as given or walked: judged relative to the
    /// configuration's folder.
    Disk(&'a Path),
    /// A path inside a git tree, a hub repository or an image, from that
    /// tree's root (`configs/.env`).
    Tree(&'a str),
}

/// Compiled allowlists.
#[derive(Debug, Clone)]
pub struct Filters {
    paths: GlobSet,
    root: std::path::PathBuf,
    values: RegexSet,
    fingerprints: HashSet<String>,
}

impl Default for Filters {
    fn default() -> Self {
        Filters {
            paths: GlobSet::empty(),
            root: ".".into(),
            values: RegexSet::empty(),
            fingerprints: HashSet::new(),
        }
    }
}

impl Filters {
    pub fn new(
        config: &LoadedConfig,
        baseline: impl IntoIterator<Item = String>,
    ) -> Result<Self, FilterError> {
        let allow = &config.config.allowlist;
        let mut globs = GlobSetBuilder::new();
        for pattern in &allow.paths {
            let glob = |text: &str| {
                Glob::new(text).map_err(|source| FilterError::Glob {
                    pattern: pattern.clone(),
                    source,
                })
            };
            globs.add(glob(pattern)?);
            // `dir/` and `dir` also mean everything below it.
            let trimmed = pattern.trim_end_matches('/');
            if pattern.ends_with('/') || !trimmed.contains('*') {
                globs.add(glob(&format!("{trimmed}/**"))?);
            }
        }
        let paths = globs.build().map_err(FilterError::Globs)?;
        let values = RegexSet::new(&allow.values).map_err(FilterError::Values)?;
        let mut fingerprints: HashSet<String> = allow.fingerprints.iter().cloned().collect();
        fingerprints.extend(baseline);
        let root =
            normalize(&std::path::absolute(&config.root).unwrap_or_else(|_| config.root.clone()));
        Ok(Filters {
            paths,
            root,
            values,
            fingerprints,
        })
    }

    /// Whether a file on disk is allowlisted: its path relative to the
    /// configuration's folder matches a glob. The current directory plays
    /// no part: `modelseal scan data` run from `sub/` and `modelseal scan
    /// sub/data` run from the root judge `sub/data/x.env` alike, and a file
    /// outside the configuration's folder is never allowlisted by a path.
    pub fn path_allowed(&self, path: &Path) -> bool {
        if self.paths.is_empty() {
            return false;
        }
        let absolute = normalize(&std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()));
        absolute
            .strip_prefix(&self.root)
            .is_ok_and(|rel| self.paths.is_match(rel))
    }

    /// Whether a path inside a repository, hub repository or image (as the
    /// source lists it, from its own root: `configs/.env`) is allowlisted.
    pub fn tree_path_allowed(&self, path: &str) -> bool {
        !self.paths.is_empty() && self.paths.is_match(path.trim_start_matches('/'))
    }

    /// Whether a path, wherever it is from, is allowlisted.
    pub fn allows(&self, path: FilterPath<'_>) -> bool {
        match path {
            FilterPath::Disk(path) => self.path_allowed(path),
            FilterPath::Tree(path) => self.tree_path_allowed(path),
        }
    }

    pub fn value_allowed(&self, value: &[u8]) -> bool {
        self.values.is_match(value)
    }

    pub fn fingerprint_allowed(&self, fingerprint: &str) -> bool {
        self.fingerprints.contains(fingerprint)
    }
}

/// `a/./b/../c` as `a/c`, without touching the file system: the glob sees
/// the path a person would write.
fn normalize(path: &Path) -> std::path::PathBuf {
    let mut out = std::path::PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Whether `line` carries `modelseal:ignore` (all rules) or
/// `modelseal:ignore[rule-a, rule-b]` naming `rule_id`.
pub fn inline_ignored(line: &[u8], rule_id: &str) -> bool {
    let mut rest = line;
    while let Some(at) = memchr::memmem::find(rest, IGNORE_MARKER) {
        let after = &rest[at + IGNORE_MARKER.len()..];
        match after.first() {
            Some(b'[') => {
                let Some(close) = memchr::memchr(b']', after) else {
                    return false;
                };
                let listed = &after[1..close];
                if listed
                    .split(|&b| b == b',')
                    .any(|id| id.trim_ascii() == rule_id.as_bytes())
                {
                    return true;
                }
                rest = &after[close..];
            }
            Some(b) if b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_' => rest = after,
            _ => return true,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_markers() {
        assert!(inline_ignored(b"key = 'abc'  # modelseal:ignore", "any"));
        assert!(inline_ignored(
            b"key = 'abc'  # modelseal:ignore[aws-access-key-id]",
            "aws-access-key-id"
        ));
        assert!(inline_ignored(b"x # modelseal:ignore[a, b]", "b"));
        assert!(!inline_ignored(b"x # modelseal:ignore[a, b]", "c"));
        assert!(!inline_ignored(b"x # modelseal:ignored", "c"));
        assert!(!inline_ignored(b"x = 1", "c"));
    }

    #[test]
    fn path_globs() {
        let mut config = LoadedConfig {
            root: ".".into(),
            ..LoadedConfig::default()
        };
        config.config.allowlist.paths = vec![
            "examples/".into(),
            "**/*.lock".into(),
            "crates/*/tests/".into(),
        ];
        let filters = Filters::new(&config, []).unwrap();
        assert!(filters.path_allowed(Path::new("examples/a/b.log")));
        assert!(filters.path_allowed(Path::new("./examples/a.txt")));
        assert!(filters.path_allowed(Path::new("x/Cargo.lock")));
        assert!(!filters.path_allowed(Path::new("src/examples.rs")));
        assert!(filters.path_allowed(Path::new("crates/a/tests/it/main.rs")));
        assert!(!filters.path_allowed(Path::new("crates/a/src/tests.rs")));
    }
}
