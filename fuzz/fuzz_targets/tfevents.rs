//! The TensorBoard event reader, twice per input: on the bytes as they are
//! (the framing and its checksums), and on the bytes cut into events that
//! are framed with valid checksums (so the fuzzer reaches the `Event`
//! walker). No panic, the hostname reported once, a bounded number of
//! notices, never more bytes reported than given.
#![no_main]

use std::io::Read;

use libfuzzer_sys::fuzz_target;
use modelseal_formats::{Blob, Budget, Kind, Limits, Notice, SNIFF_LEN, Visitor, read, recognize};

const NAME: &str = "logs/events.out.tfevents.1690000000.fuzz-host.1.0";

#[derive(Default)]
struct Check {
    hostnames: usize,
    reported: usize,
    notices: usize,
    max_segment: u64,
}

impl Check {
    fn value(&mut self, path: &str, len: usize) {
        assert!(path.len() < 1 << 16, "path of {} bytes", path.len());
        assert!(len as u64 <= self.max_segment);
        if path == "filename/hostname" {
            self.hostnames += 1;
        } else {
            assert!(path.starts_with("event["), "{path}");
            self.reported += len;
        }
    }
}

impl Visitor for Check {
    fn text(&mut self, field: Option<&str>, text: &mut dyn Read) {
        let mut value = Vec::new();
        text.read_to_end(&mut value).unwrap();
        self.value(
            field.expect("text from an event always names its field"),
            value.len(),
        );
    }

    fn field(&mut self, path: &str, value: &[u8]) {
        self.value(path, value.len());
    }

    fn member(&mut self, name: &str, _blob: Blob<'_>, _size: Option<u64>) {
        panic!("an event file has no members, yet {name} was reported");
    }

    fn notice(&mut self, _notice: Notice) {
        self.notices += 1;
    }
}

/// CRC-32C, bit by bit, masked as `TFRecord` stores it.
fn masked_crc(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0x82F6_3B78
            } else {
                crc >> 1
            };
        }
    }
    (!crc).rotate_right(15).wrapping_add(0xa282_ead8)
}

/// Cuts `data` into events (a length byte, then that many bytes) and frames
/// each as a record.
fn framed(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some((&len, rest)) = data.split_first() {
        let (event, after) = rest.split_at(usize::from(len).min(rest.len()));
        let len = (event.len() as u64).to_le_bytes();
        out.extend_from_slice(&len);
        out.extend_from_slice(&masked_crc(&len).to_le_bytes());
        out.extend_from_slice(event);
        out.extend_from_slice(&masked_crc(event).to_le_bytes());
        data = after;
    }
    out
}

fn check(file: &[u8]) {
    // Text, or another format's magic, goes to another reader.
    if recognize(NAME, &file[..file.len().min(SNIFF_LEN)]) != Kind::TfEvents {
        return;
    }
    let limits = Limits {
        max_segment: 1 << 20,
        ..Limits::default()
    };
    let budget = Budget::new(limits);
    let mut check = Check {
        max_segment: limits.max_segment,
        ..Check::default()
    };
    read(NAME, Blob::Stream(&mut &file[..]), &mut check, &budget);
    assert!(check.reported <= file.len());
    assert!(check.hostnames <= 1);
    assert!(check.notices <= 8);
}

fuzz_target!(|data: &[u8]| {
    check(data);
    check(&framed(data));
});
