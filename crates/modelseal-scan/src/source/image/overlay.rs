//! How layers stack (OCI image-spec `layer.md`): a later layer hides a file
//! of an earlier one with a whiteout (`.wh.<name>`), an opaque folder
//! (`.wh..wh..opq`: nothing below it from earlier layers shows), or an
//! entry of its own at the same path or at a folder above it. A hidden file
//! is gone from the final file system but its bytes are still in the image.

use std::collections::{HashMap, HashSet};

/// One tar entry of a layer, as it matters for stacking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A regular file, with its content's digest when it was hashed.
    File(Option<[u8; 32]>),
    Folder,
    /// A symbolic link, hard link, device, fifo.
    Other,
    /// `.wh.<name>`: the path (without the marker) is deleted.
    Whiteout,
    /// `.wh..wh..opq`: the folder's earlier contents are hidden.
    Opaque,
}

/// A layer's entry: a path such as `app/.env` (no leading `/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub path: String,
    pub change: Change,
}

/// A tar member name as a path in the image: `./app/.env`, `/app/.env` and
/// `app/.env/` are all `app/.env`.
pub fn normalize(name: &str) -> String {
    name.split('/')
        .filter(|part| !part.is_empty() && *part != ".")
        .collect::<Vec<_>>()
        .join("/")
}

/// Turns a member name and its tar type into what it changes.
pub fn entry_of(name: &str, is_file: bool, is_dir: bool) -> Entry {
    let path = normalize(name);
    let (folder, base) = match path.rsplit_once('/') {
        Some((folder, base)) => (folder, base),
        None => ("", path.as_str()),
    };
    if base == ".wh..wh..opq" {
        return Entry {
            path: folder.to_owned(),
            change: Change::Opaque,
        };
    }
    if let Some(hidden) = base.strip_prefix(".wh.")
        && !hidden.starts_with(".wh.")
        && !hidden.is_empty()
    {
        let path = if folder.is_empty() {
            hidden.to_owned()
        } else {
            format!("{folder}/{hidden}")
        };
        return Entry {
            path,
            change: Change::Whiteout,
        };
    }
    let change = if is_file {
        Change::File(None)
    } else if is_dir {
        Change::Folder
    } else {
        Change::Other
    };
    Entry { path, change }
}

/// Whether an entry is AUFS bookkeeping (`.wh..wh.plnk`, `.wh..wh.aufs`)
/// rather than content.
pub fn is_bookkeeping(name: &str) -> bool {
    name.split('/')
        .any(|part| part.starts_with(".wh..wh.") && part != ".wh..wh..opq")
}

/// What one layer does, indexed for the questions [`Stack::fate`] asks.
#[derive(Debug, Default)]
struct LayerChanges {
    /// Paths written (not whiteouts), with the file digest if a file.
    written: HashMap<String, Change>,
    deleted: HashSet<String>,
    opaque: HashSet<String>,
}

/// The layers of one image, base first.
#[derive(Debug, Default)]
pub struct Stack {
    layers: Vec<LayerChanges>,
}

/// What became of a file of some layer in the final file system.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fate {
    /// The first later layer that deletes or replaces it.
    pub deleted_in_layer: Option<u32>,
    pub still_present: bool,
}

impl Stack {
    /// Adds the next layer's entries (`None`: the layer could not be read,
    /// and changes nothing that is known).
    pub fn push(&mut self, entries: Option<&[Entry]>) {
        let mut changes = LayerChanges::default();
        for entry in entries.into_iter().flatten() {
            match entry.change {
                Change::Whiteout => {
                    changes.deleted.insert(entry.path.clone());
                }
                Change::Opaque => {
                    changes.opaque.insert(entry.path.clone());
                }
                _ => {
                    changes
                        .written
                        .insert(entry.path.clone(), entry.change.clone());
                }
            }
        }
        self.layers.push(changes);
    }

    /// The fate of the file at `path` that layer `layer` holds, with content
    /// `digest` when known. A later copy with the same content does not
    /// count as a replacement.
    pub fn fate(&self, layer: u32, path: &str, digest: Option<[u8; 32]>) -> Fate {
        let path = normalize(path);
        for (index, later) in self.layers.iter().enumerate().skip(layer as usize + 1) {
            if hides(later, &path, digest) {
                return Fate {
                    deleted_in_layer: Some(index as u32),
                    still_present: false,
                };
            }
        }
        Fate {
            deleted_in_layer: None,
            still_present: true,
        }
    }
}

fn hides(later: &LayerChanges, path: &str, digest: Option<[u8; 32]>) -> bool {
    match later.written.get(path) {
        Some(Change::File(Some(other))) if Some(*other) == digest => {}
        Some(_) => return true,
        None => {}
    }
    if later.deleted.contains(path) {
        return true;
    }
    // Folders above the file: deleted, made opaque, or replaced by
    // something that is not a folder.
    let mut rest = path;
    while let Some((folder, _)) = rest.rsplit_once('/') {
        if later.deleted.contains(folder) || later.opaque.contains(folder) {
            return true;
        }
        if matches!(later.written.get(folder), Some(change) if *change != Change::Folder) {
            return true;
        }
        rest = folder;
    }
    // An opaque marker at the root hides everything below it.
    later.opaque.contains("")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(entries: &[(&str, bool, bool)]) -> Vec<Entry> {
        entries
            .iter()
            .map(|(name, file, dir)| entry_of(name, *file, *dir))
            .collect()
    }

    #[test]
    fn names_are_read_as_changes() {
        assert_eq!(
            entry_of("./app/.wh..env", true, false),
            Entry {
                path: "app/.env".into(),
                change: Change::Whiteout
            }
        );
        assert_eq!(
            entry_of("opt/cache/.wh..wh..opq", true, false),
            Entry {
                path: "opt/cache".into(),
                change: Change::Opaque
            }
        );
        assert_eq!(entry_of("/app/", false, true).change, Change::Folder);
        assert_eq!(entry_of(".wh.secret", true, false).path, "secret");
        assert!(is_bookkeeping(".wh..wh.plnk/123.456"));
        assert!(is_bookkeeping("a/.wh..wh.aufs"));
        assert!(!is_bookkeeping("a/.wh..wh..opq"));
    }

    #[test]
    fn a_whiteout_deletes_a_file_of_an_earlier_layer() {
        let mut stack = Stack::default();
        stack.push(Some(&layer(&[
            ("app/", false, true),
            ("app/main.py", true, false),
        ])));
        stack.push(Some(&layer(&[("app/.env", true, false)])));
        stack.push(Some(&layer(&[("app/.wh..env", true, false)])));
        stack.push(Some(&layer(&[("app/.env.example", true, false)])));
        let fate = stack.fate(1, "app/.env", None);
        assert_eq!(fate.deleted_in_layer, Some(2));
        assert!(!fate.still_present);
        assert!(stack.fate(0, "app/main.py", None).still_present);
    }

    #[test]
    fn opaque_folders_and_replaced_parents_hide_what_was_below() {
        let mut stack = Stack::default();
        stack.push(Some(&layer(&[
            ("opt/cache/a.log", true, false),
            ("srv/data/b.log", true, false),
            ("etc/c.conf", true, false),
        ])));
        stack.push(Some(&layer(&[
            ("opt/cache/.wh..wh..opq", true, false),
            ("srv/data", false, false),
            ("etc/", false, true),
        ])));
        assert_eq!(
            stack.fate(0, "opt/cache/a.log", None).deleted_in_layer,
            Some(1)
        );
        assert_eq!(
            stack.fate(0, "srv/data/b.log", None).deleted_in_layer,
            Some(1)
        );
        assert!(stack.fate(0, "etc/c.conf", None).still_present);
    }

    #[test]
    fn an_overwrite_deletes_unless_the_content_is_the_same() {
        let mut stack = Stack::default();
        let mut same = layer(&[("app/settings.ini", true, false)]);
        stack.push(Some(&same));
        same[0].change = Change::File(Some([7; 32]));
        stack.push(Some(&same));
        stack.push(Some(&layer(&[("app/settings.ini", true, false)])));
        assert_eq!(
            stack
                .fate(0, "app/settings.ini", Some([7; 32]))
                .deleted_in_layer,
            Some(2)
        );
        assert_eq!(
            stack
                .fate(0, "app/settings.ini", Some([8; 32]))
                .deleted_in_layer,
            Some(1)
        );
    }

    #[test]
    fn an_unreadable_layer_changes_nothing_known() {
        let mut stack = Stack::default();
        stack.push(Some(&layer(&[("a", true, false)])));
        stack.push(None);
        assert!(stack.fate(0, "a", None).still_present);
    }
}
