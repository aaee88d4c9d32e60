//! A safetensors file: the JSON header and `__metadata__` only; tensor data is never read.
//!
//! Layout: an 8-byte little-endian header length `N`, `N` bytes of JSON (an
//! object mapping tensor names to `{dtype, shape, data_offsets}`, plus an
//! optional `__metadata__` object of string values), then the tensor data.
//!
//! Every string under `__metadata__` is reported as `__metadata__.<key>`.
//! Tensor entries are only counted; a string a tensor entry should not hold
//! (anything but its dtype) and any string elsewhere in the header is
//! reported under its key path (`embed.weight.note`, `extra[0]`). The JSON
//! is walked as it is parsed, so duplicate keys are all seen and what came
//! before a syntax error is still reported.

use std::fmt::{self, Write as _};
use std::io::Read;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess};

use crate::limits::Budget;
use crate::reading::Stop;
use crate::visitor::{Notice, NoticeKind, Visitor};

/// The largest header the format allows (the reference implementation
/// refuses longer ones): a longer declared length is not a safetensors file.
const MAX_HEADER: u64 = 100_000_000;

/// JSON nesting followed at most (a real header nests three levels).
const MAX_DEPTH: usize = 64;

/// Reads `reader` as this format and reports what it holds to `visitor`.
pub fn read(name: &str, reader: &mut dyn Read, visitor: &mut dyn Visitor, budget: &Budget) {
    let _ = name;
    let mut length = Vec::with_capacity(8);
    if let Err(e) = reader.take(8).read_to_end(&mut length) {
        return cannot_read(visitor, &e);
    }
    let Ok(length) = <[u8; 8]>::try_from(length.as_slice()) else {
        return visitor.notice(Notice::new(
            NoticeKind::Corrupt,
            None,
            format!(
                "the file ends after {} bytes, inside the 8-byte header length",
                length.len()
            ),
        ));
    };
    let declared = u64::from_le_bytes(length);
    if declared == 0 {
        return visitor.notice(Notice::new(
            NoticeKind::Corrupt,
            None,
            "header length is 0: there is no header",
        ));
    }
    if declared > MAX_HEADER {
        return visitor.notice(Notice::new(
            NoticeKind::Corrupt,
            None,
            format!(
                "header length {declared} is larger than a safetensors header can be \
                 (at most {MAX_HEADER} bytes): not a safetensors file, or a damaged one"
            ),
        ));
    }
    if declared > budget.limits.max_segment {
        return visitor.notice(Notice::new(
            NoticeKind::Limit,
            None,
            format!(
                "header of {declared} bytes is larger than max_segment ({} bytes): not read",
                budget.limits.max_segment
            ),
        ));
    }
    // `declared` is checked above; the buffer still grows only as bytes arrive.
    let mut header = Vec::with_capacity(declared.min(64 * 1024) as usize);
    if let Err(e) = reader.take(declared).read_to_end(&mut header) {
        return cannot_read(visitor, &e);
    }
    let mut walk = Header {
        visitor,
        tensors: 0,
        data_end: 0,
        is_object: false,
    };
    let parsed = parse(&header, &mut walk);
    let Header {
        visitor,
        tensors,
        data_end,
        is_object,
    } = walk;
    if (header.len() as u64) < declared {
        return visitor.notice(Notice::new(
            NoticeKind::Corrupt,
            None,
            format!(
                "header declares {declared} bytes but the file ends after {} of them",
                header.len()
            ),
        ));
    }
    if let Err(e) = parsed {
        let rest = header.get(error_offset(&header, &e)..).unwrap_or_default();
        let mut message = format!("header is not valid JSON ({e})");
        if !rest.is_empty() {
            message.push_str(": the rest of the header is scanned as text");
        }
        visitor.notice(Notice::new(NoticeKind::Corrupt, None, message));
        if !rest.is_empty() {
            visitor.text(Some("header"), &mut &rest[..]);
        }
        return;
    }
    if !is_object {
        return visitor.notice(Notice::new(
            NoticeKind::Corrupt,
            None,
            "header is JSON but not an object: not a safetensors header",
        ));
    }
    let plural = if tensors == 1 { "" } else { "s" };
    visitor.notice(Notice::new(
        NoticeKind::Skipped,
        None,
        format!("{tensors} tensor{plural} ({data_end} bytes of tensor data) not read"),
    ));
}

fn cannot_read(visitor: &mut dyn Visitor, error: &std::io::Error) {
    visitor.notice(Stop::unreadable(error).notice());
}

/// Parses the header, reporting as it goes.
fn parse(header: &[u8], walk: &mut Header<'_>) -> serde_json::Result<()> {
    let mut de = serde_json::Deserializer::from_slice(header);
    let mut path = String::new();
    Walk {
        header: walk,
        path: &mut path,
        role: Role::Root,
        depth: 0,
    }
    .deserialize(&mut de)?;
    de.end()
}

/// Where in the header a parse error sits, as a byte offset (`serde_json`
/// counts lines from 1 and columns in bytes from 1).
fn error_offset(header: &[u8], error: &serde_json::Error) -> usize {
    let line_start: usize = header
        .split(|&b| b == b'\n')
        .take(error.line().saturating_sub(1))
        .map(|line| line.len() + 1)
        .sum();
    line_start
        .saturating_add(error.column().saturating_sub(1))
        .min(header.len())
}

/// What the walk has found so far, and where it reports.
struct Header<'v> {
    visitor: &'v mut dyn Visitor,
    tensors: u64,
    data_end: u64,
    is_object: bool,
}

/// Where a JSON value sits in a safetensors header.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Root,
    /// Inside `__metadata__`.
    Metadata,
    /// A top-level value other than `__metadata__`: a tensor entry, normally.
    Entry,
    /// An entry's `dtype`.
    Dtype,
    /// An entry's `data_offsets`.
    Offsets,
    /// The end offset in an entry's `data_offsets`.
    OffsetsEnd,
    /// Anything else.
    Other,
}

/// A tensor's dtype as the format spells them (`F32`, `BF16`, `F8_E4M3`):
/// such a string is expected and not reported.
fn is_dtype(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 16
        && value
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// Walks one JSON value at `path`, reporting strings to the header.
struct Walk<'a, 'v> {
    header: &'a mut Header<'v>,
    path: &'a mut String,
    role: Role,
    depth: usize,
}

impl<'v> Walk<'_, 'v> {
    fn child(&mut self, role: Role) -> Walk<'_, 'v> {
        Walk {
            header: &mut *self.header,
            path: &mut *self.path,
            role,
            depth: self.depth + 1,
        }
    }

    fn deeper<E: de::Error>(&self) -> Result<(), E> {
        if self.depth >= MAX_DEPTH {
            return Err(E::custom(format_args!(
                "nested deeper than {MAX_DEPTH} levels"
            )));
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for Walk<'_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> de::Visitor<'de> for Walk<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<(), E> {
        if self.role == Role::Dtype && is_dtype(value) {
            self.header.tensors += 1;
        } else {
            self.header.visitor.field(self.path, value.as_bytes());
        }
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<(), E> {
        if self.role == Role::OffsetsEnd {
            self.header.data_end = self.header.data_end.max(value);
        }
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        self.deeper()?;
        if self.role == Role::Root {
            self.header.is_object = true;
        }
        while let Some(key) = map.next_key::<String>()? {
            let role = match (self.role, key.as_str()) {
                (Role::Root, "__metadata__") | (Role::Metadata, _) => Role::Metadata,
                (Role::Root, _) => Role::Entry,
                (Role::Entry, "dtype") => Role::Dtype,
                (Role::Entry, "data_offsets") => Role::Offsets,
                _ => Role::Other,
            };
            let len = self.path.len();
            if len > 0 {
                self.path.push('.');
            }
            self.path.push_str(&key);
            map.next_value_seed(self.child(role))?;
            self.path.truncate(len);
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        self.deeper()?;
        let mut index = 0usize;
        loop {
            let role = match (self.role, index) {
                (Role::Metadata, _) => Role::Metadata,
                (Role::Offsets, 1) => Role::OffsetsEnd,
                _ => Role::Other,
            };
            let len = self.path.len();
            let _ = write!(self.path, "[{index}]");
            let more = seq.next_element_seed(self.child(role))?;
            self.path.truncate(len);
            if more.is_none() {
                return Ok(());
            }
            index += 1;
        }
    }
}

#[cfg(test)]
mod tests;
