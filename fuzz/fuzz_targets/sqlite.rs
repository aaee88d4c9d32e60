//! The SQLite reader, twice per input: on the bytes after the SQLite magic
//! as they are, and on the bytes laid out as pages after a valid header (so
//! that SQLite gets past its first checks). No panic, every value within
//! max_segment, a bounded number of notices.
#![no_main]

use std::io::{Cursor, Read};

use libfuzzer_sys::fuzz_target;
use modelseal_formats::{Blob, Budget, Limits, Notice, Visitor, read};

#[derive(Default)]
struct Check {
    values: u64,
    notices: usize,
    max_segment: u64,
}

impl Visitor for Check {
    fn text(&mut self, field: Option<&str>, text: &mut dyn Read) {
        assert!(field.is_some());
        let mut value = Vec::new();
        text.read_to_end(&mut value).unwrap();
        assert!(value.len() as u64 <= self.max_segment);
        self.values += 1;
    }

    fn field(&mut self, path: &str, value: &[u8]) {
        assert!(path.contains('[') && path.contains("]."), "{path}");
        assert!(value.len() as u64 <= self.max_segment);
        self.values += 1;
    }

    fn member(&mut self, name: &str, _blob: Blob<'_>, _size: Option<u64>) {
        panic!("a database has no members, yet {name} was reported");
    }

    fn notice(&mut self, _notice: Notice) {
        self.notices += 1;
    }
}

/// The 100-byte header of an empty database of 512-byte pages, its page
/// count left for the caller to set.
fn header(pages: u32) -> Vec<u8> {
    let mut h = b"SQLite format 3\0".to_vec();
    h.extend_from_slice(&512u16.to_be_bytes());
    h.extend_from_slice(&[1, 1, 0, 64, 32, 32]);
    h.extend_from_slice(&1u32.to_be_bytes()); // change counter
    h.extend_from_slice(&pages.to_be_bytes());
    h.extend_from_slice(&[0; 8]); // freelist
    h.extend_from_slice(&1u32.to_be_bytes()); // schema cookie
    h.extend_from_slice(&4u32.to_be_bytes()); // schema format
    h.extend_from_slice(&[0; 4 * 5]);
    h.extend_from_slice(&1u32.to_be_bytes()); // text encoding: UTF-8
    h.extend_from_slice(&[0; 4 * 2 + 20]);
    h.extend_from_slice(&1u32.to_be_bytes()); // version-valid-for
    h.extend_from_slice(&3_045_000u32.to_be_bytes());
    h
}

fn check(file: &[u8]) {
    let limits = Limits {
        max_segment: 1 << 16,
        max_buffered: 1 << 20,
        ..Limits::default()
    };
    let budget = Budget::new(limits);
    let mut check = Check {
        max_segment: limits.max_segment,
        ..Check::default()
    };
    read(
        "mlflow.db",
        Blob::Seekable(&mut Cursor::new(file)),
        &mut check,
        &budget,
    );
    assert!(check.notices <= 2);
}

fuzz_target!(|data: &[u8]| {
    let mut raw = b"SQLite format 3\0".to_vec();
    raw.extend_from_slice(data);
    check(&raw);

    let pages = (100 + data.len()).div_ceil(512).max(1);
    let mut paged = header(pages as u32);
    paged.extend_from_slice(data);
    paged.resize(pages * 512, 0);
    check(&paged);
});
