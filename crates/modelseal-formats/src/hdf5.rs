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

use std::collections::{HashMap, HashSet, VecDeque};
use std::io::{Read, Seek, SeekFrom};

use crate::limits::Budget;
use crate::protobuf::{Stop, path_text};
use crate::visitor::{Blob, Notice, NoticeKind, ReadSeek, Visitor};

mod object;

use object::{Attribute, Bytes, Object};

const SIGNATURE: &[u8; 8] = b"\x89HDF\r\n\x1a\n";
/// Objects (groups, datasets) visited in one file.
const MAX_OBJECTS: usize = 100_000;
/// Groups inside each other.
const MAX_DEPTH: usize = 64;
/// Strings reported from one file.
const MAX_VALUES: u64 = 100_000;
/// Bytes of an object or attribute name kept in a path.
const MAX_NAME: usize = 256;
/// Bytes of structure (headers, B-tree nodes, heaps) read from one file,
/// counting each read: structures that point at each other many times
/// over cannot make the reader do unbounded work.
const MAX_STRUCTURE_BYTES: u64 = 256 << 20;

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
    let mut file = File {
        source,
        max_segment: budget.limits.max_segment,
        sizes: Sizes {
            offset: 8,
            length: 8,
        },
        base: 0,
        heaps: HashMap::new(),
        heap_bytes: 0,
        structure_bytes: 0,
    };
    let mut report = Report {
        visitor,
        reported: 0,
        dropped: 0,
        max_path_len: budget.limits.max_path_len,
    };
    let stop = walk(&mut file, &mut report).err();
    report.finish(stop);
}

/// Where the bytes come from.
enum Source<'a> {
    Seekable {
        reader: &'a mut dyn ReadSeek,
        len: u64,
    },
    /// A stream, held in memory as far as it has been needed.
    Stream {
        reader: &'a mut dyn Read,
        buffer: Vec<u8>,
        ended: bool,
        max: u64,
    },
}

impl Source<'_> {
    /// Exactly `len` bytes at `at` (`len` is bounded by the caller).
    fn read_at(&mut self, at: u64, len: u64, what: &str) -> Result<Vec<u8>, Stop> {
        let end = at.checked_add(len).ok_or_else(|| {
            Stop::corrupt(format!("{what} at byte {at} runs past any file's end"))
        })?;
        let past_end = |size: u64| {
            Stop::corrupt(format!(
                "{what}: {len} bytes at byte {at} run past the end of the file ({size} bytes: truncated?)"
            ))
        };
        match self {
            Source::Seekable { reader, len: size } => {
                if end > *size {
                    return Err(past_end(*size));
                }
                let mut out = Vec::with_capacity(len as usize);
                reader
                    .seek(SeekFrom::Start(at))
                    .and_then(|_| (&mut **reader).take(len).read_to_end(&mut out))
                    .map_err(|e| Stop::io(&e, at))?;
                if (out.len() as u64) < len {
                    return Err(past_end(at + out.len() as u64));
                }
                Ok(out)
            }
            Source::Stream {
                reader,
                buffer,
                ended,
                max,
            } => {
                let have = buffer.len() as u64;
                if end > have && !*ended {
                    if end > *max {
                        return Err(Stop {
                            kind: NoticeKind::Limit,
                            message: format!(
                                "{what} at byte {at} lies past the first {max} bytes held in memory (max_buffered): not read"
                            ),
                        });
                    }
                    reader
                        .take(end - have)
                        .read_to_end(buffer)
                        .map_err(|e| Stop::io(&e, have))?;
                    if (buffer.len() as u64) < end {
                        *ended = true;
                    }
                }
                let size = buffer.len() as u64;
                match buffer.get(at as usize..end as usize) {
                    Some(bytes) => Ok(bytes.to_vec()),
                    None => Err(past_end(size)),
                }
            }
        }
    }
}

/// Sizes of addresses ("offsets") and lengths in this file, in bytes.
#[derive(Debug, Clone, Copy)]
pub(super) struct Sizes {
    pub offset: u8,
    pub length: u8,
}

impl Sizes {
    /// The address meaning "none": all bits set.
    pub fn undefined(self) -> u64 {
        if self.offset >= 8 {
            u64::MAX
        } else {
            (1u64 << (8 * u32::from(self.offset))) - 1
        }
    }
}

/// The file being read: its bytes, and global heap collections already read.
pub(super) struct File<'a> {
    source: Source<'a>,
    pub max_segment: u64,
    pub sizes: Sizes,
    /// Addresses in the file are relative to this one.
    base: u64,
    heaps: HashMap<u64, Vec<u8>>,
    heap_bytes: u64,
    /// Bytes read so far, against `MAX_STRUCTURE_BYTES`.
    structure_bytes: u64,
}

impl File<'_> {
    /// `len` bytes at file address `address`, which must be within
    /// `max_segment`.
    pub fn read(&mut self, address: u64, len: u64, what: &str) -> Result<Vec<u8>, Stop> {
        if address == self.sizes.undefined() {
            return Err(Stop::corrupt(format!("{what}: its address is undefined")));
        }
        if len > self.max_segment {
            return Err(Stop {
                kind: NoticeKind::Limit,
                message: format!(
                    "{what} at address {address} declares {len} bytes, more than max_segment: not read"
                ),
            });
        }
        self.structure_bytes = self.structure_bytes.saturating_add(len);
        if self.structure_bytes > MAX_STRUCTURE_BYTES {
            return Err(Stop {
                kind: NoticeKind::Limit,
                message: format!(
                    "more than {MAX_STRUCTURE_BYTES} bytes of headers and indexes read: the rest is not read"
                ),
            });
        }
        let at = self.base.checked_add(address).ok_or_else(|| {
            Stop::corrupt(format!("{what}: address {address} is past any file's end"))
        })?;
        self.source.read_at(at, len, what)
    }

    /// The data of object `index` of the global heap collection at
    /// `address` (a variable-length string's bytes).
    pub fn global_heap_object(&mut self, address: u64, index: u32) -> Result<Vec<u8>, Stop> {
        if !self.heaps.contains_key(&address) {
            let mut header = Bytes::new(
                self.read(
                    address,
                    8 + u64::from(self.sizes.length),
                    "a global heap collection",
                )?,
                self.sizes,
                "a global heap collection",
            );
            if header.take(4)? != b"GCOL" {
                return Err(Stop::corrupt(format!(
                    "address {address}: no global heap collection (GCOL) where a variable-length string points"
                )));
            }
            header.skip(4)?;
            let size = header.length()?;
            let collection = self.read(address, size, "a global heap collection")?;
            // Collections are small (4 KiB by default); the cache is bounded
            // all the same.
            self.heap_bytes = self.heap_bytes.saturating_add(size);
            if self.heap_bytes > self.max_segment {
                self.heaps.clear();
                self.heap_bytes = size;
            }
            self.heaps.insert(address, collection);
        }
        let sizes = self.sizes;
        let collection = self
            .heaps
            .get(&address)
            .map(Vec::as_slice)
            .unwrap_or_default();
        object::find_heap_object(collection, sizes, index).ok_or_else(|| {
            Stop::corrupt(format!(
                "global heap collection at address {address} has no object {index}"
            ))
        })
    }
}

/// The superblock: the sizes of addresses and lengths, the base address and
/// the root group's object header.
fn superblock(file: &mut File<'_>) -> Result<Superblock, Stop> {
    let head = file.source.read_at(0, 9, "the superblock")?;
    if head.get(..8) != Some(&SIGNATURE[..]) {
        return Err(Stop::corrupt("no HDF5 signature at the start of the file"));
    }
    let version = head.get(8).copied().unwrap_or_default();
    let fixed = match version {
        0 => 24,
        1 => 28,
        2 | 3 => 12,
        other => {
            return Err(Stop {
                kind: NoticeKind::Unsupported,
                message: format!("superblock version {other} is not one modelseal reads (0 to 3)"),
            });
        }
    };
    let head = file.source.read_at(0, fixed, "the superblock")?;
    let (offset, length) = if version < 2 {
        (head.get(13), head.get(14))
    } else {
        (head.get(9), head.get(10))
    };
    let (Some(&offset), Some(&length)) = (offset, length) else {
        return Err(Stop::corrupt("truncated inside the superblock"));
    };
    for (what, size) in [("addresses", offset), ("lengths", length)] {
        if !matches!(size, 2 | 4 | 8) {
            return Err(Stop::corrupt(format!(
                "superblock: {what} of {size} bytes (HDF5 uses 2, 4 or 8)"
            )));
        }
    }
    file.sizes = Sizes { offset, length };
    let o = u64::from(offset);
    // The addresses that follow: base, then (v0/1) free space, end of
    // file, driver info and the root's symbol table entry (its link name
    // offset, then its object header address); or (v2/3) superblock
    // extension, end of file, root object header.
    let count = if version < 2 { 6 } else { 4 };
    let rest = file.source.read_at(fixed, count * o, "the superblock")?;
    let mut fields = Bytes::new(rest, file.sizes, "the superblock");
    let base = fields.offset()?;
    fields.skip(offset as usize)?;
    let end = fields.offset()?;
    let root = if version < 2 {
        fields.skip(2 * offset as usize)?;
        fields.offset()?
    } else {
        fields.offset()?
    };
    let undefined = file.sizes.undefined();
    if base != undefined {
        file.base = base;
    }
    if root == undefined {
        return Err(Stop::corrupt(
            "superblock: the root group's address is undefined",
        ));
    }
    let end = (end != undefined).then(|| file.base.saturating_add(end));
    Ok(Superblock { root, end })
}

struct Superblock {
    /// The root group's object header.
    root: u64,
    /// Where the file ends, as the superblock says.
    end: Option<u64>,
}

/// A file that can seek and is shorter than its superblock says was cut.
fn check_end(file: &File<'_>, end: Option<u64>) -> Result<(), Stop> {
    match (&file.source, end) {
        (Source::Seekable { len, .. }, Some(end)) if *len < end => Err(Stop::corrupt(format!(
            "truncated: the superblock says the file ends at byte {end} but it has {len} bytes"
        ))),
        _ => Ok(()),
    }
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
            return Err(Stop {
                kind: NoticeKind::Limit,
                message: format!("more than {MAX_OBJECTS} objects: the rest are not read"),
            });
        }
        let (object, read) = Object::read(file, address);
        for attribute in &object.attributes {
            report.attribute(file, &path, attribute)?;
        }
        read.map_err(|stop| Stop {
            kind: stop.kind,
            message: format!("{path}: {}", stop.message),
        })?;
        for note in &object.passed_over {
            report.visitor.notice(Notice::new(
                NoticeKind::Unsupported,
                Some(&path),
                note.clone(),
            ));
        }
        let links = object.links(file).map_err(|stop| Stop {
            kind: stop.kind,
            message: format!("{path}: {}", stop.message),
        })?;
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
    reported: u64,
    dropped: u64,
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
        let values = attribute.strings(file).map_err(|stop| Stop {
            kind: stop.kind,
            message: format!("{at}: {}", stop.message),
        })?;
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
        if value.is_empty() {
            return;
        }
        if self.reported >= MAX_VALUES {
            self.dropped += 1;
            return;
        }
        self.reported += 1;
        if value.contains(&b'\n') {
            self.visitor.text(Some(path), &mut &value[..]);
        } else {
            self.visitor.field(path, value);
        }
    }

    fn finish(self, stop: Option<Stop>) {
        if let Some(stop) = stop {
            self.visitor
                .notice(Notice::new(stop.kind, None, stop.message));
        }
        if self.dropped > 0 {
            self.visitor.notice(Notice::new(
                NoticeKind::Limit,
                None,
                format!(
                    "more than {MAX_VALUES} strings: {} more were not reported",
                    self.dropped
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests;
