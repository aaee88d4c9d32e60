//! The file as the object reader sees it: the superblock, the sizes of
//! addresses and lengths, reads at an address (from a file that seeks, or a
//! stream held in memory as far as needed), a cursor over what was read,
//! and the global heap collections that variable-length strings live in.
//! It knows nothing of objects: the object reader builds on it.

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};

use crate::reading::Stop;
use crate::visitor::ReadSeek;

pub(super) const SIGNATURE: &[u8; 8] = b"\x89HDF\r\n\x1a\n";
/// Bytes of structure (headers, B-tree nodes, heaps) read from one file,
/// counting each read: structures that point at each other many times
/// over cannot make the reader do unbounded work.
pub(super) const MAX_STRUCTURE_BYTES: u64 = 256 << 20;

/// Where the bytes come from.
pub(super) enum Source<'a> {
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
                        return Err(Stop::limit(format!(
                            "{what} at byte {at} lies past the first {max} bytes held in memory (max_buffered): not read"
                        )));
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
    pub(super) source: Source<'a>,
    pub max_segment: u64,
    pub sizes: Sizes,
    /// Addresses in the file are relative to this one.
    pub(super) base: u64,
    pub(super) heaps: HashMap<u64, Vec<u8>>,
    pub(super) heap_bytes: u64,
    /// Bytes read so far, against `MAX_STRUCTURE_BYTES`.
    pub(super) structure_bytes: u64,
}

impl<'a> File<'a> {
    /// The file `source`, before its superblock is read.
    pub fn new(source: Source<'a>, max_segment: u64) -> Self {
        File {
            source,
            max_segment,
            sizes: Sizes {
                offset: 8,
                length: 8,
            },
            base: 0,
            heaps: HashMap::new(),
            heap_bytes: 0,
            structure_bytes: 0,
        }
    }

    /// `len` bytes at file address `address`, which must be within
    /// `max_segment`.
    pub fn read(&mut self, address: u64, len: u64, what: &str) -> Result<Vec<u8>, Stop> {
        if address == self.sizes.undefined() {
            return Err(Stop::corrupt(format!("{what}: its address is undefined")));
        }
        if len > self.max_segment {
            return Err(Stop::limit(format!(
                "{what} at address {address} declares {len} bytes, more than max_segment: not read"
            )));
        }
        self.structure_bytes = self.structure_bytes.saturating_add(len);
        if self.structure_bytes > MAX_STRUCTURE_BYTES {
            return Err(Stop::limit(format!(
                "more than {MAX_STRUCTURE_BYTES} bytes of headers and indexes read: the rest is not read"
            )));
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
        find_heap_object(collection, sizes, index).ok_or_else(|| {
            Stop::corrupt(format!(
                "global heap collection at address {address} has no object {index}"
            ))
        })
    }
}

/// The superblock: the sizes of addresses and lengths, the base address and
/// the root group's object header.
pub(super) fn superblock(file: &mut File<'_>) -> Result<Superblock, Stop> {
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
            return Err(Stop::unsupported(format!(
                "superblock version {other} is not one modelseal reads (0 to 3)"
            )));
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

pub(super) struct Superblock {
    /// The root group's object header.
    pub root: u64,
    /// Where the file ends, as the superblock says.
    pub end: Option<u64>,
}

/// A file that can seek and is shorter than its superblock says was cut.
pub(super) fn check_end(file: &File<'_>, end: Option<u64>) -> Result<(), Stop> {
    match (&file.source, end) {
        (Source::Seekable { len, .. }, Some(end)) if *len < end => Err(Stop::corrupt(format!(
            "truncated: the superblock says the file ends at byte {end} but it has {len} bytes"
        ))),
        _ => Ok(()),
    }
}

/// A bounded little-endian cursor over bytes read from the file.
pub(super) struct Bytes {
    data: Vec<u8>,
    at: usize,
    sizes: Sizes,
    what: &'static str,
}

impl Bytes {
    pub fn new(data: Vec<u8>, sizes: Sizes, what: &'static str) -> Self {
        Bytes {
            data,
            at: 0,
            sizes,
            what,
        }
    }

    /// Bytes not yet taken.
    pub fn left(&self) -> usize {
        self.data.len().saturating_sub(self.at)
    }

    /// Leaves out the last `n` bytes (a checksum after the fields).
    pub fn drop_last(&mut self, n: usize) {
        self.data.truncate(self.data.len().saturating_sub(n));
    }

    pub fn sizes(&self) -> Sizes {
        self.sizes
    }

    pub fn take(&mut self, n: usize) -> Result<&[u8], Stop> {
        let end = self.at.checked_add(n).filter(|end| *end <= self.data.len());
        match end.and_then(|end| self.data.get(self.at..end)) {
            Some(bytes) => {
                self.at += n;
                Ok(bytes)
            }
            None => Err(Stop::corrupt(format!(
                "{}: a field of {n} bytes at byte {} runs past its end ({} bytes)",
                self.what,
                self.at,
                self.data.len()
            ))),
        }
    }

    pub fn skip(&mut self, n: usize) -> Result<(), Stop> {
        self.take(n).map(|_| ())
    }

    pub fn uint(&mut self, n: u8) -> Result<u64, Stop> {
        let bytes = self.take(usize::from(n))?;
        Ok(bytes
            .iter()
            .rev()
            .fold(0u64, |value, b| (value << 8) | u64::from(*b)))
    }

    pub fn u8(&mut self) -> Result<u8, Stop> {
        self.uint(1).map(|v| v as u8)
    }

    pub fn u16(&mut self) -> Result<u16, Stop> {
        self.uint(2).map(|v| v as u16)
    }

    pub fn u32(&mut self) -> Result<u32, Stop> {
        self.uint(4).map(|v| v as u32)
    }

    pub fn offset(&mut self) -> Result<u64, Stop> {
        self.uint(self.sizes.offset)
    }

    pub fn length(&mut self) -> Result<u64, Stop> {
        self.uint(self.sizes.length)
    }

    pub fn rest(&mut self) -> &[u8] {
        let rest = self.data.get(self.at..).unwrap_or_default();
        self.at = self.data.len();
        rest
    }
}

/// Object `index` of a global heap collection (its bytes, header included).
fn find_heap_object(collection: &[u8], sizes: Sizes, index: u32) -> Option<Vec<u8>> {
    let l = usize::from(sizes.length);
    let mut at = 8 + l;
    loop {
        let header = collection.get(at..at.checked_add(8 + l)?)?;
        let id = u16::from_le_bytes([*header.first()?, *header.get(1)?]);
        let size = header
            .get(8..8 + l)?
            .iter()
            .rev()
            .fold(0u64, |value, b| (value << 8) | u64::from(*b));
        if id == 0 {
            // Free space: the objects have ended.
            return None;
        }
        let start = at + 8 + l;
        let end = start.checked_add(usize::try_from(size).ok()?)?;
        if u32::from(id) == index {
            return collection.get(start..end).map(<[u8]>::to_vec);
        }
        at = start.checked_add(usize::try_from(size.div_ceil(8) * 8).ok()?)?;
    }
}
