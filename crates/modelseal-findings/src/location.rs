//! Where a finding is ([`Location`]) and where its blob came from
//! ([`Provenance`]).

use std::fmt::{self, Write as _};

use serde::{Deserialize, Serialize};

use crate::{Origin, short_id};

/// Where a finding is, the way a person would look it up:
/// `logs.zip!/run1/train.log:812`, `model.safetensors#__metadata__.source`,
/// `repo@3f2a9c1:configs/.env:3`. The [`Origin`] says where the blob came
/// from; members, field, line and column say where inside it.
///
/// In JSON it is written with its origin twice: as `path`, the text a person
/// reads (`repo@3f2a9c1:configs/.env`), and as `origin`, the same in
/// structured fields (`{"type": "git", "repository": "repo", "commit":
/// "3f2a9c1…", "path": "configs/.env"}`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "LocationRecord", from = "LocationRecord")]
pub struct Location {
    pub origin: Origin,
    /// Members inside archives, outermost first (`logs.zip!/run1/train.log`).
    pub members: Vec<String>,
    /// A field inside structured data (`__metadata__.source`).
    pub field: Option<String>,
    /// 1-based line, for text.
    pub line: Option<u64>,
    /// 1-based column in characters (Unicode code points), for text.
    pub column: Option<u64>,
}

/// How a [`Location`] is written and read.
#[derive(Serialize, Deserialize)]
struct LocationRecord {
    path: String,
    /// Absent in reports written before origins were recorded: the path is
    /// then taken as a file's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    origin: Option<Origin>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    members: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    field: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    line: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    column: Option<u64>,
}

impl From<Location> for LocationRecord {
    fn from(location: Location) -> Self {
        LocationRecord {
            path: location.origin.to_string(),
            origin: Some(location.origin),
            members: location.members,
            field: location.field,
            line: location.line,
            column: location.column,
        }
    }
}

impl From<LocationRecord> for Location {
    fn from(record: LocationRecord) -> Self {
        Location {
            origin: record.origin.unwrap_or(Origin::File { path: record.path }),
            members: record.members,
            field: record.field,
            line: record.line,
            column: record.column,
        }
    }
}

impl Location {
    /// The start of a blob from `origin`.
    pub fn at(origin: Origin) -> Self {
        Location {
            origin,
            members: Vec::new(),
            field: None,
            line: None,
            column: None,
        }
    }

    /// The start of a file on disk.
    pub fn file(path: impl Into<String>) -> Self {
        Location::at(Origin::file(path))
    }

    /// The text of the origin (`repo@3f2a9c1:configs/.env`), as JSON's
    /// `path` holds it.
    pub fn path(&self) -> String {
        self.origin.to_string()
    }

    /// The blob the finding is in, without line and column.
    pub fn blob(&self) -> String {
        let mut out = self.origin.to_string();
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
            let mut text = format!("introduced in {}", short_id(commit));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_carries_the_text_and_the_structured_origin() {
        let mut location = Location::at(Origin::Git {
            repository: "repo".to_owned(),
            commit: Some("3f2a9c1d0e4b5a6978877665544332211f0e9d8c".to_owned()),
            path: "logs.zip".to_owned(),
            blob: None,
        });
        location.members.push("run1/train.log".to_owned());
        location.line = Some(12);
        location.column = Some(5);
        assert_eq!(
            location.to_string(),
            "repo@3f2a9c1:logs.zip!/run1/train.log:12:5"
        );
        let value = serde_json::to_value(&location).unwrap();
        assert_eq!(value["path"], "repo@3f2a9c1:logs.zip");
        assert_eq!(value["origin"]["type"], "git");
        assert_eq!(value["origin"]["path"], "logs.zip");
        let back: Location = serde_json::from_value(value).unwrap();
        assert_eq!(back, location);
    }

    #[test]
    fn a_location_without_an_origin_reads_as_a_file() {
        let back: Location = serde_json::from_str(r#"{"path": "a/b.log", "line": 3}"#).unwrap();
        assert_eq!(back.origin, Origin::file("a/b.log"));
        assert_eq!(back.to_string(), "a/b.log:3");
    }
}
