//! The 7z reader on any bytes after the 7z signature, read both as a
//! seekable file and as a stream (held in memory): no panic, every member
//! named and bounded by the limits, a bounded number of notices.
#![no_main]

use std::io::{Cursor, Read};

use libfuzzer_sys::fuzz_target;
use modelseal_formats::{Blob, Budget, Limits, Notice, Visitor, read};

struct Check {
    members: u64,
    expanded: u64,
    notices: usize,
    limits: Limits,
}

impl Visitor for Check {
    fn text(&mut self, field: Option<&str>, _text: &mut dyn Read) {
        panic!("a 7z archive reports members, yet text came at {field:?}");
    }

    fn field(&mut self, path: &str, _value: &[u8]) {
        panic!("a 7z archive reports members, yet a field came at {path}");
    }

    fn member(&mut self, name: &str, mut blob: Blob<'_>, _size: Option<u64>) {
        assert!(name.len() <= self.limits.max_path_len + 4, "{name}");
        self.members += 1;
        let mut data = Vec::new();
        // A limit or damaged data may end the read: that is the reader's to report.
        let _ = blob.reader().read_to_end(&mut data);
        self.expanded += data.len() as u64;
    }

    fn notice(&mut self, _notice: Notice) {
        self.notices += 1;
    }
}

fn check(file: &[u8], seekable: bool) {
    let limits = Limits {
        max_expanded: 1 << 24,
        max_members: 1000,
        max_buffered: 1 << 20,
        ..Limits::default()
    };
    let budget = Budget::new(limits);
    let mut check = Check {
        members: 0,
        expanded: 0,
        notices: 0,
        limits,
    };
    if seekable {
        read(
            "a.7z",
            Blob::Seekable(&mut Cursor::new(file)),
            &mut check,
            &budget,
        );
    } else {
        read("a.7z", Blob::Stream(&mut &file[..]), &mut check, &budget);
    }
    assert!(check.members <= limits.max_members);
    assert!(check.expanded <= limits.max_expanded);
    assert!(check.notices <= 200);
}

fuzz_target!(|data: &[u8]| {
    let mut file = b"7z\xbc\xaf\x27\x1c".to_vec();
    file.extend_from_slice(data);
    check(&file, true);
    check(&file, false);
});
