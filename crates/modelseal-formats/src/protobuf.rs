//! A streaming, bounded walker over the protobuf wire format, shared by the
//! readers of formats built on it (ONNX models, `TensorBoard` events).
//!
//! The wire format does not say whether a length-delimited field holds a
//! string, raw bytes or a sub-message: the reader that knows the schema walks
//! each field as what it is ([`Walker::message`], [`Walker::bytes`]) and
//! anything it leaves alone is skipped by reading and discarding, so a
//! gigabyte of tensor data costs a read, never an allocation. Lengths are
//! checked against the enclosing message and `max_segment` before anything
//! is held in memory; sub-messages deeper than `max_depth` are skipped and
//! counted, never walked.

use std::io::{self, BufRead};

use crate::reading::{Result, Stop, Values, path_text};
use crate::visitor::{Notice, NoticeKind, Visitor};

/// The value of one field as the wire carries it. A `Len` field's payload is
/// still unread: the caller walks, reads or skips it, or leaves it to be
/// skipped by the next call to [`Walker::next_field`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Value {
    Varint(u64),
    Fixed64(u64),
    Len(u64),
    Fixed32(u32),
}

/// One field: its number and value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Field {
    pub number: u32,
    pub value: Value,
}

/// Field numbers are at most 2^29 - 1.
const MAX_FIELD_NUMBER: u64 = (1 << 29) - 1;

pub(crate) struct Walker<'r> {
    reader: &'r mut dyn BufRead,
    /// Bytes consumed so far.
    offset: u64,
    /// Where each message being walked ends; empty at the top level.
    ends: Vec<u64>,
    /// Where the top level ends, when known; else where the data does.
    top_end: Option<u64>,
    /// Payload of the last `Len` field not yet consumed by the caller.
    pending: u64,
    max_depth: usize,
    max_segment: u64,
    /// Sub-messages skipped because they were nested too deep.
    too_deep: u64,
}

impl<'r> Walker<'r> {
    /// Walks `reader` as one message that ends where the data ends.
    /// `max_segment` bounds what [`Walker::bytes`] holds in memory;
    /// `max_depth` the sub-messages walked inside each other.
    pub fn new(reader: &'r mut dyn BufRead, max_depth: usize, max_segment: u64) -> Self {
        Walker {
            reader,
            offset: 0,
            ends: Vec::new(),
            top_end: None,
            pending: 0,
            max_depth,
            max_segment,
            too_deep: 0,
        }
    }

    /// Walks exactly `len` bytes (a buffer of known size): a length that
    /// runs past them is caught as soon as it is read.
    pub fn with_len(mut self, len: u64) -> Self {
        self.top_end = Some(len);
        self
    }

    /// Sub-messages that were skipped because they sat deeper than
    /// `max_depth`.
    pub fn too_deep(&self) -> u64 {
        self.too_deep
    }

    /// Bytes left in the message being walked (`None` at a top level of
    /// unknown length).
    fn remaining(&self) -> Option<u64> {
        self.ends
            .last()
            .copied()
            .or(self.top_end)
            .map(|end| end.saturating_sub(self.offset))
    }

    /// The next field of the message being walked, or `None` at its end.
    pub fn next_field(&mut self) -> Result<Option<Field>> {
        if self.pending > 0 {
            let pending = std::mem::take(&mut self.pending);
            self.discard(pending)?;
        }
        match self.remaining() {
            Some(0) => return Ok(None),
            None if self.at_eof()? => return Ok(None),
            _ => {}
        }
        let at = self.offset;
        let key = self.varint("a field key")?;
        let number = key >> 3;
        if number == 0 || number > MAX_FIELD_NUMBER {
            return Err(Stop::corrupt(format!(
                "byte {at}: field number {number} is not a valid protobuf field number"
            )));
        }
        let number = number as u32;
        let value = match key & 7 {
            0 => Value::Varint(self.varint("a varint field")?),
            1 => Value::Fixed64(u64::from_le_bytes(self.fixed::<8>()?)),
            2 => {
                let len = self.varint("a field length")?;
                if let Some(left) = self.remaining()
                    && len > left
                {
                    return Err(Stop::corrupt(format!(
                        "byte {at}: field {number} declares {len} bytes but its message has only {left} left"
                    )));
                }
                self.pending = len;
                Value::Len(len)
            }
            5 => Value::Fixed32(u32::from_le_bytes(self.fixed::<4>()?)),
            3 | 4 => {
                return Err(Stop::corrupt(format!(
                    "byte {at}: field {number} is a protobuf group (wire type 3 or 4), which these formats never use"
                )));
            }
            wire => {
                return Err(Stop::corrupt(format!(
                    "byte {at}: field {number} has wire type {wire}, which protobuf does not define"
                )));
            }
        };
        Ok(Some(Field { number, value }))
    }

    /// Walks the payload of the `Len` field just returned (of `len` bytes)
    /// as a sub-message. Returns `None` without walking when it sits deeper
    /// than `max_depth` (it is skipped and counted). Whatever `walk` leaves
    /// unread is skipped.
    pub fn message<T>(
        &mut self,
        len: u64,
        walk: impl FnOnce(&mut Self) -> Result<T>,
    ) -> Result<Option<T>> {
        self.take_pending(len)?;
        if self.ends.len() >= self.max_depth {
            self.too_deep += 1;
            self.discard(len)?;
            return Ok(None);
        }
        let end = self.offset.saturating_add(len);
        self.ends.push(end);
        let walked = walk(self);
        self.ends.pop();
        let value = walked?;
        // Whatever the walk left unread, a pending payload included.
        self.pending = 0;
        let left = end.saturating_sub(self.offset);
        self.discard(left)?;
        Ok(Some(value))
    }

    /// Reads the payload of the `Len` field just returned (of `len` bytes)
    /// into memory, or skips it and returns `None` when it is larger than
    /// `max_segment`.
    pub fn bytes(&mut self, len: u64) -> Result<Option<Vec<u8>>> {
        self.take_pending(len)?;
        if len > self.max_segment {
            self.discard(len)?;
            return Ok(None);
        }
        let at = self.offset;
        // Grows with what actually arrives, never to a declared size.
        let mut buffer = Vec::with_capacity(len.min(64 * 1024) as usize);
        let got = io::Read::read_to_end(&mut io::Read::take(&mut *self.reader, len), &mut buffer)
            .map_err(|e| Stop::io(&e, at))?;
        self.offset += got as u64;
        if (got as u64) < len {
            return Err(truncated(at, len, got as u64));
        }
        Ok(Some(buffer))
    }

    /// Skips the payload of the `Len` field just returned (of `len` bytes)
    /// by reading and discarding it.
    pub fn skip(&mut self, len: u64) -> Result<()> {
        self.take_pending(len)?;
        self.discard(len)
    }

    /// The caller consumes a `Len` payload itself: it must be the one
    /// `next_field` just announced.
    fn take_pending(&mut self, len: u64) -> Result<()> {
        if self.pending != len {
            return Err(Stop::corrupt(format!(
                "byte {}: internal error: a field of {len} bytes was consumed where {} were pending",
                self.offset, self.pending
            )));
        }
        self.pending = 0;
        Ok(())
    }

    /// Reads past `len` bytes straight out of the reader's buffer.
    fn discard(&mut self, len: u64) -> Result<()> {
        let at = self.offset;
        let mut left = len;
        while left > 0 {
            let available = match self.reader.fill_buf() {
                Ok(buf) => buf.len(),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Stop::io(&e, at)),
            };
            if available == 0 {
                return Err(truncated(at, len, len - left));
            }
            let step = available.min(usize::try_from(left).unwrap_or(usize::MAX));
            self.reader.consume(step);
            self.offset += step as u64;
            left -= step as u64;
        }
        Ok(())
    }

    fn at_eof(&mut self) -> Result<bool> {
        let at = self.offset;
        loop {
            match self.reader.fill_buf() {
                Ok(buf) => return Ok(buf.is_empty()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Stop::io(&e, at)),
            }
        }
    }

    fn byte(&mut self, what: &str) -> Result<u8> {
        let at = self.offset;
        if self.remaining() == Some(0) {
            return Err(Stop::corrupt(format!(
                "byte {at}: {what} runs past the end of its message"
            )));
        }
        loop {
            match self.reader.fill_buf() {
                Ok([]) => {
                    return Err(Stop::corrupt(format!(
                        "truncated at byte {at}: the data ends inside {what}"
                    )));
                }
                Ok([first, ..]) => {
                    let first = *first;
                    self.reader.consume(1);
                    self.offset += 1;
                    return Ok(first);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Stop::io(&e, at)),
            }
        }
    }

    fn varint(&mut self, what: &str) -> Result<u64> {
        let at = self.offset;
        let mut value = 0u64;
        for i in 0..10 {
            let byte = self.byte(what)?;
            let bits = u64::from(byte & 0x7f);
            if i == 9 && bits > 1 {
                break;
            }
            value |= bits << (7 * i);
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(Stop::corrupt(format!(
            "byte {at}: {what} is a varint longer than 64 bits"
        )))
    }

    fn fixed<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        for slot in &mut out {
            *slot = self.byte("a fixed-width field")?;
        }
        Ok(out)
    }
}

fn truncated(at: u64, declared: u64, got: u64) -> Stop {
    Stop::corrupt(format!(
        "truncated at byte {}: a field of {declared} bytes starts at byte {at} but the data ends after {got} of them",
        at.saturating_add(got)
    ))
}

/// Where a walk reports the strings it finds: one line (`path = "value"`)
/// per single-line value, numbered lines for text that has several. Holds
/// the count of values reported and of those it passed over.
pub(crate) struct Out<'v> {
    pub visitor: &'v mut dyn Visitor,
    values: Values,
    max_path_len: usize,
    /// Strings longer than `max_segment`, skipped.
    too_long: u64,
}

impl<'v> Out<'v> {
    pub fn new(visitor: &'v mut dyn Visitor, max_values: u64, max_path_len: usize) -> Self {
        Out {
            visitor,
            values: Values::new(max_values),
            max_path_len,
            too_long: 0,
        }
    }

    /// Reads the `Len` payload just announced (`len` bytes) as a string and
    /// reports it at `path`.
    pub fn string(&mut self, w: &mut Walker<'_>, path: &str, len: u64) -> Result<()> {
        match w.bytes(len)? {
            Some(value) => self.value(path, &value),
            None => self.too_long += 1,
        }
        Ok(())
    }

    /// Reports one value (empty ones are not worth a line).
    pub fn value(&mut self, path: &str, value: &[u8]) {
        self.values.report(self.visitor, path, value);
    }

    /// Reads the `Len` payload just announced as a key/value entry
    /// (`StringStringEntryProto`, a `map<string, string>` entry: key 1,
    /// value 2) and reports the value at `base/key` (`base[index]` when
    /// the key is missing).
    pub fn entry(&mut self, w: &mut Walker<'_>, base: &str, index: usize, len: u64) -> Result<()> {
        let Some(raw) = w.bytes(len)? else {
            self.too_long += 1;
            return Ok(());
        };
        let mut input = &raw[..];
        let mut inner = Walker::new(&mut input, 1, u64::MAX).with_len(len);
        let (mut key, mut value) = (Vec::new(), Vec::new());
        while let Some(field) = inner.next_field()? {
            match (field.number, field.value) {
                (1, Value::Len(len)) => key = inner.bytes(len)?.unwrap_or_default(),
                (2, Value::Len(len)) => value = inner.bytes(len)?.unwrap_or_default(),
                _ => {}
            }
        }
        let path = if key.is_empty() {
            format!("{base}[{index}]")
        } else {
            format!("{base}/{}", self.key(&key))
        };
        self.value(&path, &value);
        Ok(())
    }

    /// A key from the data (a metadata key, an attribute name) made fit for
    /// a path.
    pub fn key(&self, raw: &[u8]) -> String {
        path_text(raw, self.max_path_len.min(256))
    }

    /// Reports a stop, then what was passed over: call once, at the end.
    pub fn finish(self, stop: Option<Stop>, too_deep: u64, max_depth: usize) {
        if let Some(stop) = stop {
            self.visitor.notice(stop.notice());
        }
        if too_deep > 0 {
            self.visitor.notice(Notice::new(
                NoticeKind::Limit,
                None,
                format!("{too_deep} message(s) nested more than {max_depth} deep were not read"),
            ));
        }
        if self.too_long > 0 {
            self.visitor.notice(Notice::new(
                NoticeKind::Limit,
                None,
                format!(
                    "{} string(s) longer than max_segment were not read",
                    self.too_long
                ),
            ));
        }
        if let Some(dropped) = self.values.dropped("strings") {
            self.visitor.notice(dropped);
        }
    }
}

#[cfg(test)]
pub(crate) mod testing;

#[cfg(test)]
mod tests;
