//! One layer: a tar (plain, gzip or zstd, told as the format readers tell
//! them) streamed
//! entry by entry. Every regular file goes through the format readers; every
//! entry is kept (path and kind) so that later layers' whiteouts can be
//! matched against it. Nothing is unpacked to disk or held whole.

use std::cell::Cell;
use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Cursor, Read};
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use modelseal_formats::archive::compressed;
use modelseal_formats::{Blob, Kind, Metered, limit_message, recognize};
use sha2::{Digest as _, Sha256};

use super::overlay::{Change, Entry, entry_of, is_bookkeeping};
use crate::blob::{BlobScanner, SourceBlob};
use crate::outcome::describe_io;
use crate::outcome::{ScanOutcome, Stats};
use modelseal_findings::Origin;

/// Files up to this size are read into memory and hashed, so that a copy in
/// another layer (or at another path) is scanned once. Larger ones stream.
pub const HASHED_MAX: u64 = 1 << 20;

/// Compressed bytes assumed at least, so tiny layers are not held to a
/// ratio of their few bytes.
const RATIO_FLOOR: u64 = 64 * 1024;

/// A regular file of the layer that produced findings or problems.
#[derive(Debug, Clone)]
pub struct ScannedFile {
    /// `app/.env`, as in [`Entry::path`].
    pub path: String,
    pub digest: Option<[u8; 32]>,
    /// Findings and problems of the file `/app/.env`, placed in their
    /// image and layer by [`relocate`].
    pub outcome: ScanOutcome,
}

/// What reading one layer gave.
#[derive(Debug, Default)]
pub struct LayerScan {
    /// Every entry, in tar order; `None` when the layer could not be opened.
    pub entries: Option<Vec<Entry>>,
    pub files: Vec<ScannedFile>,
    /// About the layer itself (damaged, a limit, a digest mismatch).
    pub problems: Vec<String>,
    pub stats: Stats,
}

/// The outcome of a content scanned at `location` (`/app/.env`).
type Seen = Arc<(String, ScanOutcome)>;

/// Outcomes of contents already scanned, by sha256, shared by the layers of
/// an image read in parallel.
#[derive(Default)]
pub struct ContentCache {
    seen: Mutex<HashMap<[u8; 32], Seen>>,
}

/// How the bytes of a layer are to be checked as they are read.
#[derive(Debug, Clone, Default)]
pub struct Expect {
    /// The sha256 of the blob as stored (an OCI descriptor's digest, a
    /// `blobs/sha256/<hex>` name).
    pub stored: Option<[u8; 32]>,
    /// The sha256 the blob has if it is an uncompressed tar (a layer named
    /// by its diff id, as `docker-archive` writers do).
    pub if_uncompressed: Option<[u8; 32]>,
}

/// Reads `layer` (`size` bytes as stored) and scans its files.
pub fn scan_layer(
    scanner: &dyn BlobScanner,
    layer: &mut dyn Read,
    size: u64,
    expect: &Expect,
    cache: &ContentCache,
) -> LayerScan {
    let mut scan = LayerScan::default();
    let mut hashing = Hashing::new(layer);
    let mut buffered = BufReader::new(&mut hashing);
    let kind = match buffered.fill_buf() {
        Ok(head) => recognize("", head),
        Err(e) => {
            scan.problems
                .push(format!("cannot read this layer: {}", describe_io(&e)));
            return scan;
        }
    };
    let limits = *scanner.limits();
    // The layer media types: a tar, plain or compressed with gzip or zstd.
    // Anything else is read as a tar, and fails as one.
    let compressed = matches!(kind, Kind::Gzip | Kind::Zstd);
    let cap = if compressed {
        limits
            .max_expanded
            .min(size.max(RATIO_FLOOR).saturating_mul(limits.max_ratio))
    } else {
        limits.max_expanded
    };
    let entries = {
        let decoder: Box<dyn Read + '_> = if compressed {
            match compressed::decoder(kind, &mut buffered) {
                Ok(decoder) => decoder,
                Err(e) => {
                    scan.problems.push(format!("{e}; not scanned"));
                    return scan;
                }
            }
        } else {
            Box::new(&mut buffered)
        };
        let mut metered = Metered::new(
            decoder,
            cap,
            "expansion ratio or total expanded size of the layer (max_ratio, max_expanded)",
        );
        walk_tar(scanner, &mut metered, cache, &mut scan)
    };
    scan.entries = Some(entries);
    // Whatever the tar left unread (padding, a stop part-way) still counts
    // towards the digest.
    if expect.stored.is_some() || expect.if_uncompressed.is_some() {
        if let Err(e) = io::copy(&mut buffered, &mut io::sink()) {
            scan.problems.push(format!(
                "cannot read the end of this layer: {}",
                describe_io(&e)
            ));
            return scan;
        }
        drop(buffered);
        let actual = hashing.finish();
        let expected = expect.stored.or(if compressed {
            None
        } else {
            expect.if_uncompressed
        });
        if let Some(expected) = expected
            && expected != actual
        {
            scan.problems.push(format!(
                "its content does not match its digest (sha256:{} expected, sha256:{} read): \
                 the image was altered or damaged; its files were scanned all the same",
                hex(&expected),
                hex(&actual)
            ));
        }
    }
    scan
}

fn walk_tar(
    scanner: &dyn BlobScanner,
    reader: &mut dyn Read,
    cache: &ContentCache,
    scan: &mut LayerScan,
) -> Vec<Entry> {
    let limits = *scanner.limits();
    let mut entries = Vec::new();
    let read = Rc::new(Cell::new(0u64));
    let mut archive = tar::Archive::new(Counted {
        inner: reader,
        read: Rc::clone(&read),
    });
    // Where the last entry's data ends: a stream that stops there, without
    // the padding and end-of-archive blocks, lost nothing (some layer
    // writers leave them out).
    let mut data_end = 0u64;
    let iter = match archive.entries() {
        Ok(iter) => iter,
        Err(e) => {
            scan.problems.push(format!("not a readable tar layer: {e}"));
            return entries;
        }
    };
    for entry in iter {
        let mut entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                // The tar crate reports a stream that ends during the
                // padding as an `Other` error naming the EOF.
                let at_end =
                    e.kind() == io::ErrorKind::UnexpectedEof || e.to_string().contains("EOF");
                let complete = at_end && read.get() >= data_end;
                if !complete {
                    scan.problems.push(damaged(&e));
                }
                break;
            }
        };
        data_end = entry.raw_file_position().saturating_add(entry.size());
        if entries.len() as u64 >= limits.max_members {
            scan.problems.push(format!(
                "more than {} entries (max_members): the rest of this layer is not read",
                limits.max_members
            ));
            break;
        }
        let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        if raw.len() > limits.max_path_len || is_bookkeeping(&raw) {
            continue;
        }
        let kind = entry.header().entry_type();
        let mut item = entry_of(&raw, kind.is_file(), kind.is_dir());
        if item.change == Change::File(None) && !item.path.is_empty() {
            match scan_file(scanner, &item.path, &mut entry, cache, &mut scan.stats) {
                Ok(file) => {
                    item.change = Change::File(file.digest);
                    if !file.outcome.findings.is_empty() || !file.outcome.problems.is_empty() {
                        scan.files.push(file);
                    }
                }
                Err(e) => {
                    scan.problems.push(damaged(&e));
                    entries.push(item);
                    break;
                }
            }
        }
        entries.push(item);
    }
    entries
}

fn damaged(error: &io::Error) -> String {
    match limit_message(error) {
        Some(limit) => format!("{limit}: the rest of this layer is not read"),
        None => format!(
            "this layer is damaged or cut short ({}); the files after this point are not read",
            describe_io(error)
        ),
    }
}

/// Scans one regular file of the layer, or reuses the outcome of the same
/// content scanned before. An error is the layer's (the tar stream broke).
fn scan_file(
    scanner: &dyn BlobScanner,
    path: &str,
    entry: &mut dyn Read,
    cache: &ContentCache,
    stats: &mut Stats,
) -> io::Result<ScannedFile> {
    let location = format!("/{path}");
    let name = path.rsplit('/').next().unwrap_or(path);
    if scanner.filters().tree_path_allowed(path) {
        stats.paths_allowlisted += 1;
        io::copy(entry, &mut io::sink())?;
        return Ok(ScannedFile {
            path: path.to_owned(),
            digest: None,
            outcome: ScanOutcome::default(),
        });
    }
    let mut small = Vec::new();
    entry.take(HASHED_MAX + 1).read_to_end(&mut small)?;
    if small.len() as u64 > HASHED_MAX {
        // Large: scanned as it streams, the part already read first.
        let mut whole = Cursor::new(small).chain(entry);
        let mut outcome = scanner.scan_blob(SourceBlob {
            origin: Origin::file(location.clone()),
            name,
            filter_path: None,
            provenance: None,
            data: Blob::Stream(&mut whole),
        });
        stats.add(&std::mem::take(&mut outcome.stats));
        // A read error inside the file is the layer's: the tar is broken.
        io::copy(&mut whole, &mut io::sink())?;
        return Ok(ScannedFile {
            path: path.to_owned(),
            digest: None,
            outcome,
        });
    }
    let digest: [u8; 32] = Sha256::digest(&small).into();
    let known = cache.seen.lock().expect("cache lock").get(&digest).cloned();
    let outcome = if let Some(known) = known {
        relocate(
            &known.1,
            &Origin::file(known.0.clone()),
            &Origin::file(location.clone()),
        )
    } else {
        let mut outcome = scanner.scan_blob(SourceBlob {
            origin: Origin::file(location.clone()),
            name,
            filter_path: None,
            provenance: None,
            data: Blob::Seekable(&mut Cursor::new(&small)),
        });
        stats.add(&std::mem::take(&mut outcome.stats));
        cache
            .seen
            .lock()
            .expect("cache lock")
            .insert(digest, Arc::new((location.clone(), outcome.clone())));
        outcome
    };
    Ok(ScannedFile {
        path: path.to_owned(),
        digest: Some(digest),
        outcome,
    })
}

/// Findings and problems of one blob scanned at `from`, moved to `to`: a
/// copy of a file's content found at another path, a file placed in its
/// image and layer. Findings take the new origin whole; a problem's text
/// starts with its blob's origin, which is replaced.
pub fn relocate(outcome: &ScanOutcome, from: &Origin, to: &Origin) -> ScanOutcome {
    let mut moved = ScanOutcome {
        findings: outcome.findings.clone(),
        problems: outcome.problems.clone(),
        stats: Stats::default(),
    };
    for finding in &mut moved.findings {
        finding.location.origin = to.clone();
    }
    let (from, to) = (from.to_string(), to.to_string());
    for problem in &mut moved.problems {
        if let Some(rest) = problem.path.strip_prefix(&from) {
            problem.path = format!("{to}{rest}");
        }
    }
    moved
}

/// Counts the bytes read through it.
struct Counted<'a> {
    inner: &'a mut dyn Read,
    read: Rc<Cell<u64>>,
}

impl Read for Counted<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.set(self.read.get() + n as u64);
        Ok(n)
    }
}

/// Counts sha256 over what passes through.
struct Hashing<'a> {
    inner: &'a mut dyn Read,
    hasher: Sha256,
}

impl<'a> Hashing<'a> {
    fn new(inner: &'a mut dyn Read) -> Self {
        Hashing {
            inner,
            hasher: Sha256::new(),
        }
    }

    fn finish(self) -> [u8; 32] {
        self.hasher.finalize().into()
    }
}

impl Read for Hashing<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// `sha256` hex as bytes.
pub fn unhex(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}
