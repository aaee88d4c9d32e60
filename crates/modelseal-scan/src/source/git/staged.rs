//! What is staged for the next commit: index entries that differ from HEAD.
//!
//! A text file changed from HEAD is handed over with its unchanged lines
//! blanked (each replaced by an empty line), so the engine sees only what
//! the commit adds and line numbers still match the staged file. A line
//! counts as unchanged when HEAD's version holds the same line (as many
//! times): moving a line is not adding it. New files, and files that are
//! not plain text (archives, models, notebooks), are scanned whole.

use super::GitError;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use gix::ObjectId;
use gix::bstr::{BString, ByteSlice};
use gix::objs::TreeRefIter;
use modelseal_formats::{Kind, SNIFF_LEN, recognize};

use crate::outcome::Problem;

/// A staged file to scan.
#[derive(Debug, Clone)]
pub struct StagedFile {
    /// The path inside the repository.
    pub path: BString,
    /// The staged content, unchanged lines blanked for text files.
    pub data: Vec<u8>,
    /// Whether only the added lines are kept.
    pub only_added_lines: bool,
}

/// The staged changes of the repository holding `start`.
#[derive(Debug, Default)]
pub struct Staged {
    pub workdir: PathBuf,
    pub files: Vec<StagedFile>,
    pub problems: Vec<Problem>,
}

/// Reads what is staged in the repository holding `start`.
pub fn read(start: &Path) -> Result<Staged, GitError> {
    let repo = gix::discover(start).map_err(|e| GitError::NotARepository {
        path: start.to_owned(),
        message: e.to_string(),
    })?;
    let workdir = repo
        .workdir()
        .ok_or_else(|| GitError::Bare {
            path: start.to_owned(),
        })?
        .to_path_buf();
    let index = repo.index_or_empty().map_err(|e| GitError::Index {
        path: workdir.clone(),
        message: e.to_string(),
    })?;
    let head = head_entries(&repo);
    let mut staged = Staged {
        workdir,
        ..Staged::default()
    };
    for entry in index.entries() {
        let is_blob = entry
            .mode
            .to_tree_entry_mode()
            .is_some_and(|mode| mode.is_blob_or_symlink());
        if entry.stage_raw() != 0 || !is_blob {
            continue;
        }
        let path = entry.path(&index);
        let before = head.get(path).copied();
        if before == Some(entry.id) {
            continue;
        }
        let data = match repo.find_object(entry.id) {
            Ok(object) => object.detach().data,
            Err(e) => {
                staged.problems.push(Problem::new(
                    path.to_string(),
                    format!("cannot read the staged blob: {e}"),
                ));
                continue;
            }
        };
        let name = path.rsplit_str("/").next().unwrap_or(path.as_bytes());
        let kind = recognize(&name.to_str_lossy(), &data[..data.len().min(SNIFF_LEN)]);
        let old = match before {
            Some(id) if kind == Kind::Text => repo.find_object(id).ok().map(|o| o.detach().data),
            _ => None,
        };
        let (data, only_added_lines) = match old {
            Some(old) => (added_lines(&old, &data), true),
            None => (data, false),
        };
        staged.files.push(StagedFile {
            path: path.to_owned(),
            data,
            only_added_lines,
        });
    }
    Ok(staged)
}

/// Every blob path in HEAD's tree, with its id.
fn head_entries(repo: &gix::Repository) -> HashMap<BString, ObjectId> {
    let mut entries = HashMap::new();
    let Ok(tree) = repo.head_tree_id() else {
        return entries;
    };
    let hash = repo.object_hash();
    let mut stack = vec![(tree.detach(), BString::default())];
    while let Some((tree, path)) = stack.pop() {
        let Ok(object) = repo.find_object(tree) else {
            continue;
        };
        for entry in TreeRefIter::from_bytes(&object.data, hash).flatten() {
            let mut child = path.clone();
            if !child.is_empty() {
                child.push(b'/');
            }
            child.extend_from_slice(entry.filename);
            if entry.mode.is_tree() {
                stack.push((entry.oid.to_owned(), child));
            } else {
                entries.insert(child, entry.oid.to_owned());
            }
        }
    }
    entries
}

/// `new` with every line that `old` also holds replaced by an empty line.
pub fn added_lines(old: &[u8], new: &[u8]) -> Vec<u8> {
    let mut before: HashMap<&[u8], u32> = HashMap::new();
    for line in old.split(|&b| b == b'\n') {
        *before.entry(line).or_default() += 1;
    }
    let mut out = Vec::with_capacity(new.len());
    let mut lines = new.split(|&b| b == b'\n').peekable();
    while let Some(line) = lines.next() {
        let last = lines.peek().is_none();
        match before.get_mut(line) {
            Some(count) if *count > 0 => *count -= 1,
            _ => out.extend_from_slice(line),
        }
        if !last {
            out.push(b'\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::added_lines;

    #[test]
    fn only_new_lines_stay_and_line_numbers_hold() {
        assert_eq!(added_lines(b"a\nb\nc\n", b"a\nb\nNEW\nc\n"), b"\n\nNEW\n\n");
        assert_eq!(added_lines(b"a\n", b"a\na\n"), b"\na\n");
        assert_eq!(added_lines(b"b\na", b"a\nb"), b"\n");
        assert_eq!(added_lines(b"", b"x"), b"x");
    }
}
