//! A GGUF model (v2/v3): key/value metadata; tensor data is never read.
//!
//! Layout (little-endian): `GGUF`, a u32 version, a u64 tensor count, a u64
//! key count, then the keys: each a string (u64 length and bytes), a u32
//! value type and a value. Scalars are 1 to 8 bytes, a string is a u64
//! length and bytes, an array is a u32 item type, a u64 count and the items
//! (arrays of arrays allowed). Tensor descriptions and data follow the keys
//! and are not read.
//!
//! Every string value is reported under its key (`general.name`,
//! `general.source.url`, a custom `acme.upload.token`); strings in arrays as
//! `key[i]` (`key[i][j]` when nested). Arrays of strings under `tokenizer.`
//! hold a whole vocabulary (100k strings and more): only the first
//! [`PROJECTED`] strings of each are reported, joined by spaces, as one field
//! named after the key. Nothing is allocated from a count read out of the
//! file: items are read one at a time, lengths are checked first.

use std::fmt::Write as _;
use std::io::{self, Read};

use crate::limits::Budget;
use crate::reading;
use crate::visitor::{Notice, NoticeKind, Visitor};

const MAGIC: &[u8; 4] = b"GGUF";

/// The format's bound on a key's length.
const MAX_KEY: u64 = 65_535;

/// Above this, a length or size read out of the file is nonsense (no file
/// is a terabyte of metadata), not a limit to report.
const PLAUSIBLE: u64 = 1 << 40;

/// Arrays of arrays followed at most (real files nest at most once).
const MAX_NESTING: u32 = 16;

/// Strings of a tokenizer array reported, and the bytes of their projection.
const PROJECTED: u64 = 256;
const MAX_PROJECTION: u64 = 64 * 1024;

/// The keys whose string arrays are projected rather than reported whole.
const TOKENIZER: &str = "tokenizer.";

/// Tokenizer arrays cut short that are named in the notice; more are counted.
const CUTS_NAMED: usize = 8;

const STRING: u32 = 8;
const ARRAY: u32 = 9;

/// The size of a scalar value type, `None` for strings, arrays and unknown types.
fn scalar_size(value_type: u32) -> Option<u64> {
    match value_type {
        0 | 1 | 7 => Some(1), // u8, i8, bool
        2 | 3 => Some(2),     // u16, i16
        4..=6 => Some(4),     // u32, i32, f32
        10..=12 => Some(8),   // u64, i64, f64
        _ => None,
    }
}

/// Reads `reader` as this format and reports what it holds to `visitor`.
pub fn read(name: &str, reader: &mut dyn Read, visitor: &mut dyn Visitor, budget: &Budget) {
    let _ = name;
    let mut gguf = Gguf {
        input: Input {
            inner: reader,
            offset: 0,
            limit: budget.limits.max_segment,
        },
        visitor,
        cuts: Vec::new(),
        more_cuts: 0,
    };
    let (tensors, keys) = match gguf.header() {
        Ok(counts) => counts,
        Err(Stop::End) => {
            let message = format!(
                "the file ends at offset {}, inside the GGUF header",
                gguf.input.offset
            );
            return gguf.stopped(Stop::corrupt(message));
        }
        Err(stop) => return gguf.stopped(stop),
    };
    let read = gguf.keys(keys);
    gguf.report_cuts();
    if let Err(stop) = read {
        return gguf.stopped(stop);
    }
    let plural = if tensors == 1 { "" } else { "s" };
    gguf.visitor.notice(Notice::new(
        NoticeKind::Skipped,
        None,
        format!("{tensors} tensor{plural} (descriptions and data) not read"),
    ));
}

/// Why reading stopped: the file ends (what that means depends on where:
/// the callers say), or the notice to leave.
enum Stop {
    End,
    Notice(reading::Stop),
}

impl Stop {
    fn corrupt(message: String) -> Stop {
        Stop::Notice(reading::Stop::corrupt(message))
    }
}

/// The bytes of the file, counted, and no further than `limit`.
struct Input<'r> {
    inner: &'r mut dyn Read,
    offset: u64,
    limit: u64,
}

impl Input<'_> {
    /// Whether `bytes` more may be read.
    fn room(&self, bytes: u64) -> Result<(), Stop> {
        if self.offset.saturating_add(bytes) > self.limit {
            return Err(Stop::Notice(reading::Stop::limit(format!(
                "the metadata is larger than max_segment ({} bytes); stopped at offset {}",
                self.limit, self.offset
            ))));
        }
        Ok(())
    }

    /// An I/O error met here.
    fn unreadable(&self, error: &io::Error) -> Stop {
        let offset = self.offset;
        Stop::Notice(reading::Stop::from_io(error, || {
            format!("cannot read at offset {offset}: {error}")
        }))
    }

    fn fill(&mut self, buf: &mut [u8]) -> Result<(), Stop> {
        self.room(buf.len() as u64)?;
        let mut done = 0;
        while done < buf.len() {
            let rest = &mut buf[done..];
            match self.inner.read(rest) {
                Ok(0) => return Err(Stop::End),
                Ok(n) => {
                    let n = n.min(rest.len());
                    done += n;
                    self.offset += n as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.unreadable(&e)),
            }
        }
        Ok(())
    }

    fn u32(&mut self) -> Result<u32, Stop> {
        let mut bytes = [0u8; 4];
        self.fill(&mut bytes)?;
        Ok(u32::from_le_bytes(bytes))
    }

    fn u64(&mut self) -> Result<u64, Stop> {
        let mut bytes = [0u8; 8];
        self.fill(&mut bytes)?;
        Ok(u64::from_le_bytes(bytes))
    }

    /// Reads a string's length and checks it before anything is allocated.
    fn string_len(&mut self, path: &str) -> Result<u64, Stop> {
        let at = self.offset;
        let len = self.u64()?;
        if len > PLAUSIBLE {
            return Err(Stop::corrupt(format!(
                "`{path}`: a string of {len} bytes declared at offset {at}; stopped"
            )));
        }
        self.room(len)?;
        Ok(len)
    }

    /// Reads `len` bytes.
    fn bytes(&mut self, len: u64) -> Result<Vec<u8>, Stop> {
        self.room(len)?;
        let mut buf = Vec::with_capacity(len.min(64 * 1024) as usize);
        let got = (&mut self.inner)
            .take(len)
            .read_to_end(&mut buf)
            .map_err(|e| self.unreadable(&e))?;
        self.offset += got as u64;
        if (got as u64) < len {
            return Err(Stop::End);
        }
        Ok(buf)
    }

    /// Reads past `len` bytes without keeping them.
    fn skip(&mut self, len: u64) -> Result<(), Stop> {
        self.room(len)?;
        let got = io::copy(&mut (&mut self.inner).take(len), &mut io::sink())
            .map_err(|e| self.unreadable(&e))?;
        self.offset += got;
        if got < len {
            return Err(Stop::End);
        }
        Ok(())
    }
}

struct Gguf<'r, 'v> {
    input: Input<'r>,
    visitor: &'v mut dyn Visitor,
    /// Tokenizer arrays reported only in part: `key (N strings)`.
    cuts: Vec<String>,
    more_cuts: u64,
}

impl Gguf<'_, '_> {
    /// Reads the header: returns the tensor and key counts.
    fn header(&mut self) -> Result<(u64, u64), Stop> {
        let mut magic = [0u8; 4];
        self.input.fill(&mut magic)?;
        if &magic != MAGIC {
            return Err(Stop::corrupt(
                "not a GGUF file: it does not start with `GGUF`".to_owned(),
            ));
        }
        let version = self.input.u32()?;
        match version {
            2 | 3 => {}
            1 => {
                return Err(Stop::Notice(reading::Stop::unsupported(
                    "GGUF version 1 (the 2023 draft with 32-bit lengths) is not read",
                )));
            }
            v if v.trailing_zeros() >= 16 && (1..=3).contains(&v.swap_bytes()) => {
                return Err(Stop::Notice(reading::Stop::unsupported(format!(
                    "a big-endian GGUF file (version {} byte-swapped): only little-endian files are read",
                    v.swap_bytes()
                ))));
            }
            v => {
                return Err(Stop::Notice(reading::Stop::unsupported(format!(
                    "GGUF version {v} is not read (versions 2 and 3 are)"
                ))));
            }
        }
        let tensors = self.input.u64()?;
        let keys = self.input.u64()?;
        Ok((tensors, keys))
    }

    /// Reads `keys` key/value pairs, reporting as it goes.
    fn keys(&mut self, keys: u64) -> Result<(), Stop> {
        for index in 0..keys {
            self.key_value(index).map_err(|stop| match stop {
                Stop::End => Stop::corrupt(format!(
                    "declares {keys} keys; stopped at offset {}, in key {index}: the file ends there",
                    self.input.offset
                )),
                notice @ Stop::Notice(_) => notice,
            })?;
        }
        Ok(())
    }

    fn key_value(&mut self, index: u64) -> Result<(), Stop> {
        let at = self.input.offset;
        let len = self.input.u64()?;
        if len > MAX_KEY {
            return Err(Stop::corrupt(format!(
                "key {index} at offset {at} declares {len} bytes (keys are at most {MAX_KEY}); stopped"
            )));
        }
        let key = self.input.bytes(len)?;
        let mut path = String::from_utf8_lossy(&key).into_owned();
        let value_type = self.input.u32()?;
        let projected = path.starts_with(TOKENIZER);
        self.value(&mut path, value_type, projected, 0)
    }

    fn value(
        &mut self,
        path: &mut String,
        value_type: u32,
        projected: bool,
        depth: u32,
    ) -> Result<(), Stop> {
        match value_type {
            STRING => {
                let len = self.input.string_len(path)?;
                let value = self.input.bytes(len)?;
                self.visitor.field(path, &value);
                Ok(())
            }
            ARRAY => self.array(path, projected, depth),
            other => match scalar_size(other) {
                Some(size) => self.input.skip(size),
                None => Err(Stop::corrupt(format!(
                    "`{path}`: unknown value type {other} before offset {}; stopped",
                    self.input.offset
                ))),
            },
        }
    }

    fn array(&mut self, path: &mut String, projected: bool, depth: u32) -> Result<(), Stop> {
        if depth >= MAX_NESTING {
            return Err(Stop::Notice(reading::Stop::limit(format!(
                "`{path}`: arrays nested more than {MAX_NESTING} deep at offset {}; stopped",
                self.input.offset
            ))));
        }
        let at = self.input.offset;
        let item_type = self.input.u32()?;
        let count = self.input.u64()?;
        // The fewest bytes an item of this type takes.
        let least = match item_type {
            STRING => 8,
            ARRAY => 12,
            other => match scalar_size(other) {
                Some(size) => size,
                None if count == 0 => return Ok(()),
                None => {
                    return Err(Stop::corrupt(format!(
                        "`{path}`: array of unknown item type {other} at offset {at}; stopped"
                    )));
                }
            },
        };
        if count
            .checked_mul(least)
            .is_none_or(|bytes| bytes > PLAUSIBLE)
        {
            return Err(Stop::corrupt(format!(
                "`{path}`: an array of {count} items declared at offset {at}; stopped"
            )));
        }
        match item_type {
            STRING if projected => self.projection(path, count),
            STRING | ARRAY => {
                for index in 0..count {
                    let len = path.len();
                    let _ = write!(path, "[{index}]");
                    self.value(path, item_type, projected, depth + 1)?;
                    path.truncate(len);
                }
                Ok(())
            }
            // Numbers: nothing to scan.
            _ => self.input.skip(count * least),
        }
    }

    /// Reports the first strings of a tokenizer array as one field; reads
    /// past the rest.
    fn projection(&mut self, path: &str, count: u64) -> Result<(), Stop> {
        let mut joined = Vec::new();
        let mut read = Ok(());
        let mut cut = false;
        for index in 0..count {
            let len = match self.input.string_len(path) {
                Ok(len) => len,
                Err(stop) => {
                    read = Err(stop);
                    break;
                }
            };
            let fits = joined.len() as u64 + len < MAX_PROJECTION;
            let step = if index < PROJECTED && fits {
                self.input.bytes(len).map(|string| {
                    if !joined.is_empty() {
                        joined.push(b' ');
                    }
                    joined.extend_from_slice(&string);
                })
            } else {
                cut = true;
                self.input.skip(len)
            };
            if let Err(stop) = step {
                read = Err(stop);
                break;
            }
        }
        if count > 0 {
            self.visitor.field(path, &joined);
        }
        if cut {
            if self.cuts.len() < CUTS_NAMED {
                self.cuts.push(format!("{path} ({count} strings)"));
            } else {
                self.more_cuts += 1;
            }
        }
        read
    }

    fn report_cuts(&mut self) {
        if self.cuts.is_empty() {
            return;
        }
        let mut message = format!(
            "tokenizer arrays reported only in part (their first {PROJECTED} strings): {}",
            self.cuts.join(", ")
        );
        if self.more_cuts > 0 {
            let _ = write!(message, " and {} more", self.more_cuts);
        }
        self.visitor
            .notice(Notice::new(NoticeKind::Skipped, None, message));
    }

    fn stopped(&mut self, stop: Stop) {
        let stop = match stop {
            Stop::End => {
                reading::Stop::corrupt(format!("the file ends at offset {}", self.input.offset))
            }
            Stop::Notice(stop) => stop,
        };
        self.visitor.notice(stop.notice());
    }
}

#[cfg(test)]
mod tests;
