//! The W&B run file reader, twice per input: on the bytes after the file
//! header as they are (the framing and its checksums), and on the bytes cut
//! into records framed with valid checksums (so the fuzzer reaches the
//! `Record` walker). No panic, never more bytes reported than given (JSON
//! strings only shrink when decoded), a bounded number of notices.
#![no_main]

use std::io::Read;

use libfuzzer_sys::fuzz_target;
use modelseal_formats::{Blob, Budget, Limits, Notice, Visitor, read};

const HEADER: [u8; 7] = [b':', b'W', b'&', b'B', 0xe1, 0xbe, 0];
const BLOCK: usize = 32 * 1024;

#[derive(Default)]
struct Check {
    reported: usize,
    notices: usize,
    max_segment: u64,
}

impl Check {
    fn value(&mut self, path: &str, len: usize) {
        assert!(path.len() < 1 << 16, "path of {} bytes", path.len());
        assert!(len as u64 <= self.max_segment);
        self.reported += len;
    }
}

impl Visitor for Check {
    fn text(&mut self, field: Option<&str>, text: &mut dyn Read) {
        let mut value = Vec::new();
        text.read_to_end(&mut value).unwrap();
        self.value(
            field.expect("text from a record always names its field"),
            value.len(),
        );
    }

    fn field(&mut self, path: &str, value: &[u8]) {
        self.value(path, value.len());
    }

    fn member(&mut self, name: &str, _blob: Blob<'_>, _size: Option<u64>) {
        panic!("a W&B run file has no members, yet {name} was reported");
    }

    fn notice(&mut self, _notice: Notice) {
        self.notices += 1;
    }
}

/// CRC-32 (IEEE), bit by bit.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Cuts `data` into records (a length byte, then that many bytes) and lays
/// them out in blocks, cut across blocks where they do not fit.
fn framed(mut data: &[u8]) -> Vec<u8> {
    let mut out = HEADER.to_vec();
    while let Some((&len, rest)) = data.split_first() {
        let (record, after) = rest.split_at(usize::from(len).min(rest.len()));
        data = after;
        let mut left_of_record = record;
        let mut first = true;
        loop {
            let left = BLOCK - out.len() % BLOCK;
            if left < 7 {
                out.resize(out.len() + left, 0);
                continue;
            }
            let take = left_of_record.len().min(left - 7);
            let last = take == left_of_record.len();
            let kind = match (first, last) {
                (true, true) => 1,
                (true, false) => 2,
                (false, true) => 4,
                (false, false) => 3,
            };
            let (part, rest) = left_of_record.split_at(take);
            let mut checked = vec![kind];
            checked.extend_from_slice(part);
            out.extend_from_slice(&crc32(&checked).to_le_bytes());
            out.extend_from_slice(&(take as u16).to_le_bytes());
            out.push(kind);
            out.extend_from_slice(part);
            left_of_record = rest;
            first = false;
            if last {
                break;
            }
        }
    }
    out
}

fn check(file: &[u8]) {
    let limits = Limits {
        max_segment: 1 << 20,
        ..Limits::default()
    };
    let budget = Budget::new(limits);
    let mut check = Check {
        max_segment: limits.max_segment,
        ..Check::default()
    };
    read(
        "run-x.wandb",
        Blob::Stream(&mut &file[..]),
        &mut check,
        &budget,
    );
    assert!(check.reported <= file.len());
    assert!(check.notices <= 8);
}

fuzz_target!(|data: &[u8]| {
    let mut raw = HEADER.to_vec();
    raw.extend_from_slice(data);
    check(&raw);
    check(&framed(data));
});
