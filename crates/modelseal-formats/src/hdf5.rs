//! An HDF5 file (Keras `.h5`): the string attributes of its groups and
//! datasets (`model_config`, `training_config`, `keras_version`, ...), never
//! the data of its datasets.
//!
//! The superblock (versions 0 to 3) gives the root group's object header.
//! From there the reader walks every object reachable through hard links:
//! groups stored as symbol tables (a version 1 B-tree of symbol table nodes
//! naming their members in a local heap, as HDF5 writes by default) and
//! groups stored as link messages (the newer format). In each object header
//! (version 1 or 2, with its continuation blocks) it reads the attribute
//! messages and reports each string attribute, fixed-length or
//! variable-length (held in a global heap collection), as
//! `<object path>@<attribute>` (`/@model_config`,
//! `/model_weights/dense@weight_names[1]`). Attributes that are not strings
//! (numbers, references) are passed over.
//!
//! Not read, with a notice: groups and attributes in "dense" storage (a
//! fractal heap indexed by a version 2 B-tree, which HDF5 uses for groups of
//! many links and objects of many attributes when a file is written with
//! the newest format), and shared (committed) datatypes of attributes.
//! Checksums of version 2 structures are not checked: every length and
//! address is checked against the file and the limits instead.
//!
//! HDF5 addresses point anywhere in the file. A file that can seek is read
//! where they point; a stream is held in memory as far as the furthest
//! address needed, up to `max_buffered`.

use std::collections::{HashSet, VecDeque};
use std::io::SeekFrom;

use crate::limits::Budget;
use crate::reading::{Stop, Values, path_text};
use crate::visitor::{Blob, Notice, NoticeKind, Visitor};

mod file;
mod object;

use file::{File, Source, Superblock, check_end, superblock};
use object::{Attribute, Object};

/// Objects (groups, datasets) visited in one file.
const MAX_OBJECTS: usize = 100_000;
/// Groups inside each other.
const MAX_DEPTH: usize = 64;
/// Strings reported from one file.
const MAX_VALUES: u64 = 100_000;
/// Bytes of an object or attribute name kept in a path.
const MAX_NAME: usize = 256;

/// Reads `blob` as an HDF5 file and reports its string attributes.
pub fn read(blob: Blob<'_>, visitor: &mut dyn Visitor, budget: &Budget) {
    let source = match blob {
        Blob::Seekable(reader) => match reader.seek(SeekFrom::End(0)) {
            Ok(len) => Source::Seekable { reader, len },
            Err(e) => {
                return visitor.notice(Notice::new(
                    NoticeKind::Corrupt,
                    None,
                    format!("cannot read the file: {e}"),
                ));
            }
        },
        Blob::Stream(reader) => Source::Stream {
            reader,
            buffer: Vec::new(),
            ended: false,
            max: budget.limits.max_buffered,
        },
    };
    let mut file = File::new(source, budget.limits.max_segment);
    let mut report = Report {
        visitor,
        values: Values::new(MAX_VALUES),
        max_path_len: budget.limits.max_path_len,
    };
    let stop = walk(&mut file, &mut report).err();
    report.finish(stop);
}

/// Reads the superblock, then every object reachable from the root.
fn walk(file: &mut File<'_>, report: &mut Report<'_>) -> Result<(), Stop> {
    let Superblock { root, end } = superblock(file)?;
    walk_from(file, report, root)?;
    check_end(file, end)
}

/// Visits every object reachable from `root`, breadth first.
fn walk_from(file: &mut File<'_>, report: &mut Report<'_>, root: u64) -> Result<(), Stop> {
    let mut queue = VecDeque::from([(root, "/".to_owned(), 0usize)]);
    let mut seen = HashSet::from([root]);
    let mut visited = 0usize;
    while let Some((address, path, depth)) = queue.pop_front() {
        visited += 1;
        if visited > MAX_OBJECTS {
            return Err(Stop::limit(format!(
                "more than {MAX_OBJECTS} objects: the rest are not read"
            )));
        }
        let (object, read) = Object::read(file, address);
        for attribute in &object.attributes {
            report.attribute(file, &path, attribute)?;
        }
        read.map_err(|stop| stop.within(&path))?;
        for note in &object.passed_over {
            report.visitor.notice(Notice::new(
                NoticeKind::Unsupported,
                Some(&path),
                note.clone(),
            ));
        }
        let links = object.links(file).map_err(|stop| stop.within(&path))?;
        if depth >= MAX_DEPTH && !links.is_empty() {
            report.visitor.notice(Notice::new(
                NoticeKind::Limit,
                Some(&path),
                format!("groups nested more than {MAX_DEPTH} deep: its members are not read"),
            ));
            continue;
        }
        for (name, child) in links {
            if seen.len() > MAX_OBJECTS {
                break;
            }
            if seen.insert(child) {
                let name = path_text(&name, MAX_NAME);
                let child_path = if path == "/" {
                    format!("/{name}")
                } else {
                    format!("{path}/{name}")
                };
                queue.push_back((child, child_path, depth + 1));
            }
        }
    }
    Ok(())
}

struct Report<'v> {
    visitor: &'v mut dyn Visitor,
    values: Values,
    max_path_len: usize,
}

impl Report<'_> {
    /// Reports a string attribute of the object at `path`.
    fn attribute(
        &mut self,
        file: &mut File<'_>,
        path: &str,
        attribute: &Attribute,
    ) -> Result<(), Stop> {
        let name = path_text(&attribute.name, MAX_NAME);
        let mut at = format!("{path}@{name}");
        if at.len() > self.max_path_len {
            at = path_text(at.as_bytes(), self.max_path_len);
        }
        let values = attribute.strings(file).map_err(|stop| stop.within(&at))?;
        let single = values.len() == 1;
        for (index, value) in values.iter().enumerate() {
            if single {
                self.value(&at, value);
            } else {
                self.value(&format!("{at}[{index}]"), value);
            }
        }
        if attribute.more_elements > 0 {
            self.visitor.notice(Notice::new(
                NoticeKind::Limit,
                Some(&at),
                format!(
                    "{} more strings in this attribute were not read",
                    attribute.more_elements
                ),
            ));
        }
        Ok(())
    }

    fn value(&mut self, path: &str, value: &[u8]) {
        self.values.report(self.visitor, path, value);
    }

    fn finish(self, stop: Option<Stop>) {
        if let Some(stop) = stop {
            self.visitor.notice(stop.notice());
        }
        if let Some(dropped) = self.values.dropped("strings") {
            self.visitor.notice(dropped);
        }
    }
}

#[cfg(test)]
mod tests;
