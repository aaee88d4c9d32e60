//! Where a finding is ([`Location`]) and where its blob came from
//! ([`Provenance`]).

use std::fmt::{self, Write as _};

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

/// The history of a blob from a git repository, a container image or a hub.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// The commit that introduced the blob at this path (full hex id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// That commit's author, `Name <email>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// That commit's author date, RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// A hub revision or git ref the blob was listed under.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    /// The image layer (0-based, in manifest order) that holds the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<u32>,
    /// The later layer whose whiteout deletes the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_in_layer: Option<u32>,
    /// Whether the secret is still there in the latest state (git: at
    /// HEAD; image: in the final filesystem). `false` is the "removed, but
    /// still in the history" case attackers look for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub still_present: Option<bool>,
}

impl Provenance {
    /// One line for people: `introduced in 3f2a9c1 by Jane <j@x> on
    /// 2026-01-02; gone from HEAD, still in history`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(commit) = &self.commit {
            let mut text = format!("introduced in {}", &commit[..commit.len().min(7)]);
            if let Some(author) = &self.author {
                let _ = write!(text, " by {author}");
            }
            if let Some(date) = &self.date {
                let _ = write!(text, " on {}", date.get(..10).unwrap_or(date));
            }
            parts.push(text);
        }
        if let Some(revision) = &self.revision {
            parts.push(format!("revision {revision}"));
        }
        match (self.layer, self.deleted_in_layer) {
            (Some(layer), Some(deleted)) => {
                parts.push(format!(
                    "in layer {layer}, deleted in layer {deleted}, still in the image"
                ));
            }
            (Some(layer), None) => parts.push(format!("in layer {layer}")),
            _ => {}
        }
        match (self.still_present, self.commit.is_some()) {
            (Some(false), true) => parts.push("gone from HEAD, still in history".to_owned()),
            (Some(true), true) => parts.push("still at HEAD".to_owned()),
            _ => {}
        }
        parts.join("; ")
    }
}
