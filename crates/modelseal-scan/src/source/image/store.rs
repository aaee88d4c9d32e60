//! Where an image's files are: an OCI layout folder, or a tar (`docker
//! save` output, an OCI layout tarball) indexed once so that each blob can
//! be read from its offset without unpacking anything.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::spec::clean_member;

/// A regular file's data inside the tar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    offset: u64,
    size: u64,
}

#[derive(Debug)]
enum Place {
    Folder(PathBuf),
    Tar {
        path: PathBuf,
        files: HashMap<String, Span>,
        /// Symbolic and hard links, resolved when a blob is opened.
        links: HashMap<String, String>,
    },
}

/// The files of one image archive or layout.
#[derive(Debug)]
pub struct Store {
    place: Place,
}

/// Links followed one after another before giving up (a loop).
const MAX_LINK_HOPS: usize = 8;

impl Store {
    pub fn folder(path: &Path) -> Store {
        Store {
            place: Place::Folder(path.to_path_buf()),
        }
    }

    /// Reads the headers of a tar file (seeking over the data) and keeps
    /// where each file is. At most `max_members` entries are indexed.
    pub fn index_tar(path: &Path, max_members: u64) -> io::Result<Store> {
        let file = File::open(path)?;
        let mut archive = tar::Archive::new(file);
        let mut files = HashMap::new();
        let mut links = HashMap::new();
        let mut count = 0u64;
        for entry in archive.entries_with_seek()? {
            let entry = entry?;
            count += 1;
            if count > max_members {
                return Err(io::Error::other(format!(
                    "more than {max_members} entries (max_members)"
                )));
            }
            let name = clean_member(&String::from_utf8_lossy(&entry.path_bytes()));
            let kind = entry.header().entry_type();
            if kind.is_file() {
                files.insert(
                    name,
                    Span {
                        offset: entry.raw_file_position(),
                        size: entry.size(),
                    },
                );
            } else if (kind.is_symlink() || kind.is_hard_link())
                && let Some(target) = entry.link_name_bytes()
            {
                let target = String::from_utf8_lossy(&target).into_owned();
                // Symbolic links are relative to their folder; hard links
                // name an archive path.
                let resolved = if kind.is_symlink() && !target.starts_with('/') {
                    let folder = name.rsplit_once('/').map_or("", |(dir, _)| dir);
                    clean_member(&format!("{folder}/{target}"))
                } else {
                    clean_member(&target)
                };
                links.insert(name, resolved);
            }
        }
        Ok(Store {
            place: Place::Tar {
                path: path.to_path_buf(),
                files,
                links,
            },
        })
    }

    /// Whether the archive or folder holds `name` (a regular file, or a link
    /// to one).
    pub fn contains(&self, name: &str) -> bool {
        match &self.place {
            Place::Folder(root) => root.join(clean_member(name)).is_file(),
            Place::Tar { .. } => self.span(name).is_some(),
        }
    }

    fn span(&self, name: &str) -> Option<Span> {
        let Place::Tar { files, links, .. } = &self.place else {
            return None;
        };
        let mut name = clean_member(name);
        for _ in 0..=MAX_LINK_HOPS {
            if let Some(span) = files.get(&name) {
                return Some(*span);
            }
            name = links.get(&name)?.clone();
        }
        None
    }

    /// Opens a blob for reading, with its size.
    pub fn open(&self, name: &str) -> Result<(Box<dyn Read + Send>, u64), OpenError> {
        match &self.place {
            Place::Folder(root) => {
                let path = root.join(clean_member(name));
                let file = File::open(&path).map_err(|e| match e.kind() {
                    io::ErrorKind::NotFound => OpenError::Missing,
                    _ => OpenError::Io(e),
                })?;
                let size = file.metadata().map_err(OpenError::Io)?.len();
                if !file.metadata().map_err(OpenError::Io)?.is_file() {
                    return Err(OpenError::Missing);
                }
                Ok((Box::new(file), size))
            }
            Place::Tar { path, .. } => {
                let span = self.span(name).ok_or(OpenError::Missing)?;
                let mut file = File::open(path).map_err(OpenError::Io)?;
                file.seek(SeekFrom::Start(span.offset))
                    .map_err(OpenError::Io)?;
                Ok((Box::new(file.take(span.size)), span.size))
            }
        }
    }
}

/// Why a blob could not be opened.
#[derive(Debug)]
pub enum OpenError {
    /// The archive or folder does not hold it.
    Missing,
    Io(io::Error),
}

/// Reads a small document (a manifest, an index, a configuration) whole,
/// at most `max` bytes.
pub fn read_small(reader: &mut dyn Read, max: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader.take(max.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(io::Error::other(format!(
            "larger than {max} bytes (max_segment)"
        )));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file's data, or a symbolic link's target.
    enum Member<'a> {
        File(&'a [u8]),
        Link(&'a str),
    }
    use Member::{File as F, Link as L};

    fn tar_with(entries: &[(&str, Member<'_>)]) -> tempfile::NamedTempFile {
        let mut builder = tar::Builder::new(Vec::new());
        for (name, member) in entries {
            let mut header = tar::Header::new_ustar();
            header.set_mode(0o644);
            match member {
                F(data) => {
                    header.set_size(data.len() as u64);
                    header.set_entry_type(tar::EntryType::Regular);
                    builder.append_data(&mut header, name, *data).unwrap();
                }
                L(target) => {
                    header.set_size(0);
                    header.set_entry_type(tar::EntryType::Symlink);
                    builder.append_link(&mut header, name, target).unwrap();
                }
            }
        }
        let bytes = builder.into_inner().unwrap();
        let mut file = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut file, &bytes).unwrap();
        file
    }

    #[test]
    fn blobs_are_read_from_their_offset_and_links_are_followed() {
        let file = tar_with(&[
            ("./abc.tar", F(b"layer bytes")),
            ("v1/layer.tar", L("../abc.tar")),
            ("manifest.json", F(b"[]")),
        ]);
        let store = Store::index_tar(file.path(), 100).unwrap();
        assert!(store.contains("manifest.json"));
        assert!(store.contains("abc.tar"));
        let (mut reader, size) = store.open("v1/layer.tar").unwrap();
        let mut out = String::new();
        reader.read_to_string(&mut out).unwrap();
        assert_eq!((out.as_str(), size), ("layer bytes", 11));
        assert!(matches!(store.open("gone.tar"), Err(OpenError::Missing)));
    }

    #[test]
    fn link_loops_end() {
        let file = tar_with(&[("a", L("b")), ("b", L("a"))]);
        let store = Store::index_tar(file.path(), 100).unwrap();
        assert!(!store.contains("a"));
    }

    #[test]
    fn too_many_entries_is_an_error() {
        let file = tar_with(&[("a", F(b"1")), ("b", F(b"2"))]);
        assert!(Store::index_tar(file.path(), 1).is_err());
    }
}
