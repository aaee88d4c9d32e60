//! A `TensorBoard` event file: the host in its name and the strings in its
//! TFRecord-framed `Event` protos.
//!
//! The name `events.out.tfevents.<timestamp>.<hostname>.<pid>.<n>` (the
//! hostname may hold dots; tensorboardX leaves out `<pid>.<n>`, TF 2 adds
//! `.v2`) gives `filename/hostname`. Each record is a little-endian u64
//! length, the masked CRC32C of those 8 bytes, the data, and the masked
//! CRC32C of the data; both checksums are checked. The events are walked as
//! described in [`event`]: paths start with `event[<record index>]`.

use std::io::{self, BufRead, BufReader, Read};

use crate::limits::Budget;
use crate::protobuf::{Out, Walker};
use crate::reading::{Stop, read_full};
use crate::visitor::{Notice, NoticeKind, Visitor};

mod event;
mod graph;
mod hparams;
mod walk;

use walk::Events;

/// Records read from one file: a long run logs a few scalars per step, so
/// millions are possible, but text after that many is not looked for.
const MAX_RECORDS: u64 = 1 << 22;
/// Sub-messages walked inside each other.
const MAX_DEPTH: usize = 32;
/// Strings reported from one file.
const MAX_VALUES: u64 = 100_000;

/// Reads `reader` as a `TensorBoard` event file and reports what it holds to
/// `visitor`. `name` is the file's path or name: its last part is parsed.
pub fn read(name: &str, reader: &mut dyn Read, visitor: &mut dyn Visitor, budget: &Budget) {
    read_records(name, reader, visitor, budget, MAX_RECORDS);
}

fn read_records(
    name: &str,
    reader: &mut dyn Read,
    visitor: &mut dyn Visitor,
    budget: &Budget,
    max_records: u64,
) {
    if let Some(host) = hostname(name) {
        visitor.field("filename/hostname", host.as_bytes());
    }
    let mut input = BufReader::with_capacity(64 * 1024, reader);
    let mut events = Events::new(Out::new(visitor, MAX_VALUES, budget.limits.max_path_len));
    let stop = records(&mut input, &mut events, budget, max_records).err();
    events.finish(stop, MAX_DEPTH);
}

/// The hostname in `events.out.tfevents.<timestamp>.<hostname>[.<pid>.<n>][.v2]`.
fn hostname(name: &str) -> Option<&str> {
    let file = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let (_, rest) = file.split_once("tfevents.")?;
    let (timestamp, mut host) = rest.split_once('.')?;
    if timestamp.is_empty() || !timestamp.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    host = host.strip_suffix(".v2").unwrap_or(host);
    let numeric = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    let mut parts = host.rsplitn(3, '.');
    if let (Some(n), Some(pid), Some(before)) = (parts.next(), parts.next(), parts.next())
        && numeric(n)
        && numeric(pid)
    {
        host = before;
    }
    (!host.is_empty()).then_some(host)
}

fn records(
    input: &mut dyn BufRead,
    events: &mut Events<'_>,
    budget: &Budget,
    max_records: u64,
) -> Result<(), Stop> {
    let mut offset = 0u64;
    let mut index = 0u64;
    loop {
        let mut header = [0u8; 12];
        let got = read_full(input, &mut header, offset)?;
        if got == 0 {
            return Ok(());
        }
        if got < header.len() {
            return Err(Stop::corrupt(format!(
                "record {index} at byte {offset}: truncated inside its 12-byte header"
            )));
        }
        let (len_bytes, len_crc) = header.split_at(8);
        let len = u64::from_le_bytes(len_bytes.try_into().unwrap_or_default());
        if masked_crc(crc32c(0, len_bytes))
            != u32::from_le_bytes(len_crc.try_into().unwrap_or_default())
        {
            return Err(Stop::corrupt(format!(
                "record {index} at byte {offset}: the checksum of its length does not match (damaged, or not a TFRecord file)"
            )));
        }
        if index >= max_records {
            return Err(Stop::limit(format!(
                "more than {max_records} records: the rest are not read"
            )));
        }
        let data_at = offset + 12;
        let (data, crc) = if len > budget.limits.max_segment {
            events.out.visitor.notice(Notice::new(
                NoticeKind::Limit,
                None,
                format!(
                    "record {index} at byte {offset}: {len} bytes, larger than max_segment: not read"
                ),
            ));
            (None, skip_with_crc(input, len, data_at, index)?)
        } else {
            let data = read_data(input, len, data_at, index)?;
            let crc = crc32c(0, &data);
            (Some(data), crc)
        };
        let footer_at = data_at.saturating_add(len);
        let mut footer = [0u8; 4];
        if read_full(input, &mut footer, footer_at)? < footer.len() {
            return Err(Stop::corrupt(format!(
                "record {index} at byte {offset}: truncated inside the checksum of its data"
            )));
        }
        if masked_crc(crc) != u32::from_le_bytes(footer) {
            return Err(Stop::corrupt(format!(
                "record {index} at byte {offset}: the checksum of its data does not match"
            )));
        }
        if let Some(data) = data {
            let mut slice = &data[..];
            let mut walker =
                Walker::new(&mut slice, MAX_DEPTH, budget.limits.max_segment).with_len(len);
            let walked = event::event(&mut walker, events, &format!("event[{index}]"));
            events.too_deep += walker.too_deep();
            walked.map_err(|stop| stop.within(format!("record {index} at byte {offset}")))?;
        }
        offset = footer_at.saturating_add(4);
        index += 1;
    }
}

/// The `len` bytes of a record's data (`len` is within `max_segment`; the
/// buffer grows with what arrives).
fn read_data(input: &mut dyn BufRead, len: u64, at: u64, index: u64) -> Result<Vec<u8>, Stop> {
    let mut data = Vec::with_capacity(len.min(64 * 1024) as usize);
    let got = input
        .take(len)
        .read_to_end(&mut data)
        .map_err(|e| Stop::io(&e, at))?;
    if (got as u64) < len {
        return Err(Stop::corrupt(format!(
            "record {index}: declares {len} bytes of data at byte {at} but the file ends after {got}"
        )));
    }
    Ok(data)
}

/// Reads past `len` bytes of data, returning their CRC32C.
fn skip_with_crc(input: &mut dyn BufRead, len: u64, at: u64, index: u64) -> Result<u32, Stop> {
    let mut crc = 0;
    let mut left = len;
    while left > 0 {
        let chunk = match input.fill_buf() {
            Ok(chunk) => chunk,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Stop::io(&e, at)),
        };
        if chunk.is_empty() {
            return Err(Stop::corrupt(format!(
                "record {index}: declares {len} bytes of data at byte {at} but the file ends after {}",
                len - left
            )));
        }
        let take = chunk.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        crc = crc32c(crc, chunk.get(..take).unwrap_or_default());
        input.consume(take);
        left -= take as u64;
    }
    Ok(crc)
}

/// Continues the CRC-32C (Castagnoli) `crc` (0 to start) over `data`.
fn crc32c(crc: u32, data: &[u8]) -> u32 {
    ::crc32c::crc32c_append(crc, data)
}

/// `TFRecord` stores CRCs masked: rotated right by 15 bits, plus a constant.
fn masked_crc(crc: u32) -> u32 {
    crc.rotate_right(15).wrapping_add(0xa282_ead8)
}

#[cfg(test)]
mod tests;
