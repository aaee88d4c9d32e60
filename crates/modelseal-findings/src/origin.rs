//! Where a blob came from, typed: a file, a stream, a git blob, a file of a
//! hosted repository at a revision, a file in an image layer. Each has one
//! [`Display`](fmt::Display), so a location reads the same wherever it is
//! written, and a source never builds location text by hand.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The origin of a blob, before any archive member or field inside it.
/// Findings sort by it: variants in the order written here (an image's
/// configuration before its layers), then field by field.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Origin {
    /// A file on disk, as given or walked (`logs/train.log`).
    File { path: String },
    /// Standard input (`-`) or another unnamed stream.
    Stream { name: String },
    /// A blob of a git repository (`repo@3f2a9c1:configs/.env`): at the
    /// commit that introduced it at `path`, or, with `blob` set and no
    /// commit, an object no commit holds (`repo@unreachable:9c1e2f4`).
    Git {
        repository: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        commit: Option<String>,
        path: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        blob: Option<String>,
    },
    /// A file of a hosted repository at a revision: a hub repository
    /// (`hf://org/name@3f2a9c1:logs/train.log`), a GitHub repository's
    /// branch (`gh:org/name@main:config.yml`).
    Revision {
        repository: String,
        revision: String,
        path: String,
    },
    /// A container image's own configuration (`image.tar`, with fields
    /// such as `config.Env[0]`).
    Image { image: String },
    /// A file in a layer of a container image (`image.tar@layer1:/app/.env`;
    /// layers count from 0, base first). An empty `path` is the layer itself,
    /// when it holds no file system.
    Layer {
        image: String,
        layer: u32,
        path: String,
    },
}

impl Origin {
    pub fn file(path: impl Into<String>) -> Self {
        Origin::File { path: path.into() }
    }

    /// The path a person looks for inside the source (`configs/.env`), or
    /// the file itself.
    pub fn path(&self) -> &str {
        match self {
            Origin::File { path }
            | Origin::Git { path, .. }
            | Origin::Revision { path, .. }
            | Origin::Layer { path, .. } => path,
            Origin::Stream { name } => name,
            Origin::Image { image } => image,
        }
    }
}

/// A commit or object id as people quote it: seven hex digits. A name that
/// is not an id (a branch, a tag) is kept whole.
pub fn short_id(id: &str) -> &str {
    let hex = matches!(id.len(), 40 | 64) && id.bytes().all(|b| b.is_ascii_hexdigit());
    if hex { &id[..7] } else { id }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File { path } => f.write_str(path),
            Origin::Stream { name } => f.write_str(name),
            Origin::Git {
                repository,
                commit,
                path,
                blob,
            } => {
                f.write_str(repository)?;
                match (commit, blob) {
                    (Some(commit), _) => write!(f, "@{}", short_id(commit))?,
                    (None, Some(blob)) => write!(f, "@unreachable:{}", short_id(blob))?,
                    (None, None) => {}
                }
                if !path.is_empty() {
                    write!(f, ":{path}")?;
                }
                Ok(())
            }
            Origin::Revision {
                repository,
                revision,
                path,
            } => {
                write!(f, "{repository}@{}", short_id(revision))?;
                if !path.is_empty() {
                    write!(f, ":{path}")?;
                }
                Ok(())
            }
            Origin::Layer { image, layer, path } => {
                write!(f, "{image}@layer{layer}")?;
                if !path.is_empty() {
                    write!(f, ":{path}")?;
                }
                Ok(())
            }
            Origin::Image { image } => f.write_str(image),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_origin_reads_as_a_person_looks_it_up() {
        let commit = "3f2a9c1d0e4b5a6978877665544332211f0e9d8c".to_owned();
        let cases = [
            (Origin::file("logs/train.log"), "logs/train.log"),
            (
                Origin::Stream {
                    name: "-".to_owned(),
                },
                "-",
            ),
            (
                Origin::Git {
                    repository: "repo".to_owned(),
                    commit: Some(commit.clone()),
                    path: "configs/.env".to_owned(),
                    blob: None,
                },
                "repo@3f2a9c1:configs/.env",
            ),
            (
                Origin::Git {
                    repository: "repo".to_owned(),
                    commit: None,
                    path: String::new(),
                    blob: Some(commit.clone()),
                },
                "repo@unreachable:3f2a9c1",
            ),
            (
                Origin::Revision {
                    repository: "hf://acme/sentiment".to_owned(),
                    revision: commit.clone(),
                    path: "logs/train.log".to_owned(),
                },
                "hf://acme/sentiment@3f2a9c1:logs/train.log",
            ),
            (
                Origin::Revision {
                    repository: "gh:acme/trainer".to_owned(),
                    revision: "main".to_owned(),
                    path: "config.yml".to_owned(),
                },
                "gh:acme/trainer@main:config.yml",
            ),
            (
                Origin::Layer {
                    image: "image.tar".to_owned(),
                    layer: 1,
                    path: "/app/.env".to_owned(),
                },
                "image.tar@layer1:/app/.env",
            ),
            (
                Origin::Layer {
                    image: "image.tar".to_owned(),
                    layer: 3,
                    path: String::new(),
                },
                "image.tar@layer3",
            ),
            (
                Origin::Image {
                    image: "images.tar[1]".to_owned(),
                },
                "images.tar[1]",
            ),
        ];
        for (origin, text) in cases {
            assert_eq!(origin.to_string(), text);
            let json = serde_json::to_string(&origin).unwrap();
            assert_eq!(serde_json::from_str::<Origin>(&json).unwrap(), origin);
        }
    }

    #[test]
    fn only_ids_are_shortened() {
        assert_eq!(short_id(&"a".repeat(40)), "aaaaaaa");
        assert_eq!(short_id(&"b".repeat(64)), "bbbbbbb");
        assert_eq!(short_id("main"), "main");
        assert_eq!(short_id(&"z".repeat(40)), "z".repeat(40));
    }
}
