//! A W&B run file (`run-<id>.wandb`): the strings in its records.
//!
//! The file is W&B's record log, laid out as a LevelDB log: a 7-byte header
//! (`:W&B`, the magic number 0xBEE1 little-endian, version 0), then blocks of
//! 32 KiB, each holding records framed as a CRC-32 (of the record type and
//! data), a u16 length and a type (full, or the first, a middle or the last
//! fragment of a record cut across blocks). A block whose tail is too short
//! for a frame header is padded with zeros. Every checksum is checked. The
//! reassembled records are `wandb_internal.Record` protos, walked as
//! described in [`record`]: config, summary, history, console output, the run,
//! its environment, files and artifacts are reported under paths named after
//! them (`config/hub_token`, `summary/endpoint`, `output[3]`), any other
//! string by the numbers of its fields (`record[7]/100/3`).

use std::io::{self, BufRead, BufReader, Read};

use crate::limits::Budget;
use crate::protobuf::{Out, Walker};
use crate::reading::{Stop, read_full};
use crate::visitor::{Notice, NoticeKind, Visitor};

mod record;

/// `:W&B`, then the magic number 0xBEE1 (little-endian) and version 0.
const HEADER: [u8; 7] = [b':', b'W', b'&', b'B', 0xe1, 0xbe, 0];
const BLOCK: u64 = 32 * 1024;
/// A fragment's frame: CRC-32, length, type.
const FRAME: u64 = 7;
/// Records read from one file: a long run logs millions of history rows,
/// but text past that many records is not looked for.
const MAX_RECORDS: u64 = 1 << 22;
/// Sub-messages walked inside each other.
const MAX_DEPTH: usize = 16;
/// Strings reported from one file.
const MAX_VALUES: u64 = 100_000;

const FULL: u8 = 1;
const FIRST: u8 = 2;
const MIDDLE: u8 = 3;
const LAST: u8 = 4;

/// Reads `reader` as a W&B run file and reports what it holds to `visitor`.
pub fn read(name: &str, reader: &mut dyn Read, visitor: &mut dyn Visitor, budget: &Budget) {
    let _ = name;
    read_records(reader, visitor, budget, MAX_RECORDS);
}

fn read_records(reader: &mut dyn Read, visitor: &mut dyn Visitor, budget: &Budget, max: u64) {
    let mut input = BufReader::with_capacity(64 * 1024, reader);
    let mut records =
        record::Records::new(Out::new(visitor, MAX_VALUES, budget.limits.max_path_len));
    let stop = log(&mut input, &mut records, budget, max).err();
    records.finish(stop, MAX_DEPTH);
}

/// A record being put back together from its fragments.
struct Assembly {
    /// Where its first fragment starts.
    at: u64,
    data: Vec<u8>,
    /// Grew past `max_segment`: the rest is read past, not kept.
    too_long: bool,
}

fn log(
    input: &mut dyn BufRead,
    records: &mut record::Records<'_>,
    budget: &Budget,
    max_records: u64,
) -> Result<(), Stop> {
    let mut header = [0u8; HEADER.len()];
    let got = read_full(input, &mut header, 0)?;
    if header.get(..4) != Some(b":W&B") || got < 6 || header.get(4..6) != HEADER.get(4..6) {
        return Err(Stop::corrupt(
            "not a W&B run file: it does not start with the `:W&B` header",
        ));
    }
    if got < HEADER.len() {
        return Err(Stop::corrupt("truncated inside the 7-byte file header"));
    }
    if header[6] != HEADER[6] {
        return Err(Stop::unsupported(format!(
            "W&B record log version {} is not one modelseal reads (it reads version 0)",
            header[6]
        )));
    }
    let mut offset = HEADER.len() as u64;
    let mut index = 0u64;
    let mut pending: Option<Assembly> = None;
    loop {
        let left = BLOCK - offset % BLOCK;
        if left < FRAME {
            // The block's trailer: zeros, or the end of the file.
            let skipped = skip(input, left, offset)?;
            offset += skipped;
            if skipped < left {
                break;
            }
            continue;
        }
        let mut frame = [0u8; FRAME as usize];
        let got = read_full(input, &mut frame, offset)?;
        if got == 0 {
            break;
        }
        if got < frame.len() {
            return Err(Stop::corrupt(format!(
                "truncated at byte {offset}: the file ends inside a record's 7-byte frame"
            )));
        }
        let [c0, c1, c2, c3, l0, l1, kind] = frame;
        let crc = u32::from_le_bytes([c0, c1, c2, c3]);
        let len = u64::from(u16::from_le_bytes([l0, l1]));
        if crc == 0 && len == 0 && kind == 0 {
            // Zeros where a frame would be: space written ahead, never used.
            let rest = left - FRAME;
            offset += FRAME + skip(input, rest, offset)?;
            continue;
        }
        if len > left - FRAME {
            return Err(Stop::corrupt(format!(
                "byte {offset}: a record fragment declares {len} bytes but its 32 KiB block has only {} left",
                left - FRAME
            )));
        }
        // At most a block: no larger than 32 KiB whatever the file says.
        let mut data = vec![0u8; len as usize];
        if read_full(input, &mut data, offset + FRAME)? < data.len() {
            return Err(Stop::corrupt(format!(
                "truncated at byte {offset}: a record fragment declares {len} bytes but the file ends first"
            )));
        }
        if crc32(crc32(0, &[kind]), &data) != crc {
            return Err(Stop::corrupt(format!(
                "byte {offset}: the checksum of a record does not match (damaged, or not a W&B run file)"
            )));
        }
        let at = offset;
        offset += FRAME + len;
        let whole = match (kind, pending.take()) {
            (FULL, None) => Some(Assembly {
                at,
                data,
                too_long: len > budget.limits.max_segment,
            }),
            (FIRST, None) => {
                pending = Some(Assembly {
                    at,
                    data,
                    too_long: len > budget.limits.max_segment,
                });
                None
            }
            (MIDDLE | LAST, Some(mut record)) => {
                if !record.too_long {
                    let grown = (record.data.len() as u64).saturating_add(len);
                    if grown > budget.limits.max_segment {
                        record.too_long = true;
                        record.data = Vec::new();
                    } else {
                        record.data.extend_from_slice(&data);
                    }
                }
                if kind == LAST {
                    Some(record)
                } else {
                    pending = Some(record);
                    None
                }
            }
            (FULL | FIRST, Some(_)) => {
                return Err(Stop::corrupt(format!(
                    "byte {at}: a record starts before the one cut across blocks before it has ended"
                )));
            }
            (MIDDLE | LAST, None) => {
                return Err(Stop::corrupt(format!(
                    "byte {at}: the middle or end of a record whose start is missing"
                )));
            }
            (other, _) => {
                return Err(Stop::corrupt(format!(
                    "byte {at}: record fragment type {other} is not one of full, first, middle, last (1 to 4)"
                )));
            }
        };
        let Some(record) = whole else {
            continue;
        };
        if index >= max_records {
            return Err(Stop::limit(format!(
                "more than {max_records} records: the rest are not read"
            )));
        }
        if record.too_long {
            records.out.visitor.notice(Notice::new(
                NoticeKind::Limit,
                None,
                format!(
                    "record {index} at byte {}: larger than max_segment: not read",
                    record.at
                ),
            ));
        } else {
            let len = record.data.len() as u64;
            let mut slice = &record.data[..];
            let mut walker =
                Walker::new(&mut slice, MAX_DEPTH, budget.limits.max_segment).with_len(len);
            let walked = records.record(&mut walker, index);
            records.too_deep += walker.too_deep();
            walked.map_err(|stop| stop.within(format!("record {index} at byte {}", record.at)))?;
        }
        index += 1;
    }
    if let Some(record) = pending {
        return Err(Stop::corrupt(format!(
            "truncated: the record that starts at byte {} is cut across blocks and the file ends before its last part",
            record.at
        )));
    }
    Ok(())
}

/// Reads past up to `len` bytes; returns how many there were.
fn skip(input: &mut dyn BufRead, len: u64, at: u64) -> Result<u64, Stop> {
    io::copy(&mut input.take(len), &mut io::sink()).map_err(|e| Stop::io(&e, at))
}

/// Continues the CRC-32 (IEEE) `crc` (0 to start) over `data`.
fn crc32(crc: u32, data: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new_with_initial(crc);
    hasher.update(data);
    hasher.finalize()
}

#[cfg(test)]
mod tests;
