//! The HDF5 reader on any bytes after the HDF5 signature, read both as a
//! seekable file and as a stream (held in memory as far as needed): no
//! panic, every value within max_segment, a bounded number of notices.
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

impl Check {
    fn value(&mut self, path: &str, len: usize) {
        assert!(path.starts_with('/') && path.contains('@'), "{path}");
        assert!(len as u64 <= self.max_segment);
        self.values += 1;
    }
}

impl Visitor for Check {
    fn text(&mut self, field: Option<&str>, text: &mut dyn Read) {
        let mut value = Vec::new();
        text.read_to_end(&mut value).unwrap();
        self.value(
            field.expect("text from an attribute always names it"),
            value.len(),
        );
    }

    fn field(&mut self, path: &str, value: &[u8]) {
        self.value(path, value.len());
    }

    fn member(&mut self, name: &str, _blob: Blob<'_>, _size: Option<u64>) {
        panic!("an HDF5 file reports attributes, yet member {name} was reported");
    }

    fn notice(&mut self, _notice: Notice) {
        self.notices += 1;
    }
}

fn check(file: &[u8], seekable: bool) {
    let limits = Limits {
        max_segment: 1 << 20,
        max_buffered: 1 << 22,
        ..Limits::default()
    };
    let budget = Budget::new(limits);
    let mut check = Check {
        max_segment: limits.max_segment,
        ..Check::default()
    };
    if seekable {
        read(
            "model.h5",
            Blob::Seekable(&mut Cursor::new(file)),
            &mut check,
            &budget,
        );
    } else {
        read(
            "model.h5",
            Blob::Stream(&mut &file[..]),
            &mut check,
            &budget,
        );
    }
    assert!(check.values <= 100_000);
    assert!(check.notices <= 100_000);
}

fuzz_target!(|data: &[u8]| {
    let mut file = b"\x89HDF\r\n\x1a\n".to_vec();
    file.extend_from_slice(data);
    check(&file, true);
    check(&file, false);
});
