//! The pickle walker on any opcodes: the bytes follow a protocol 4 header,
//! or stand alone as a protocol 0 pickle. No panic, no members, at most one
//! `Corrupt` notice (where the walk stopped), no value beyond max_segment and
//! no more reported in all than four times max_segment.
#![no_main]

use std::io::Read;

use libfuzzer_sys::fuzz_target;
use modelseal_formats::{Blob, Budget, Kind, Limits, Notice, NoticeKind, Visitor, read, recognize};

#[derive(Default)]
struct Check {
    /// Bytes of paths and values reported.
    reported: u64,
    corrupt: usize,
    max_segment: u64,
}

impl Visitor for Check {
    fn text(&mut self, field: Option<&str>, text: &mut dyn Read) {
        let mut buf = [0u8; 8192];
        self.reported += field.map_or(0, str::len) as u64;
        while let Ok(n @ 1..) = text.read(&mut buf) {
            self.reported += n as u64;
        }
    }

    fn field(&mut self, path: &str, value: &[u8]) {
        assert!(value.len() as u64 <= self.max_segment);
        assert!(path.starts_with("pickle"), "{path}");
        self.reported += (path.len() + value.len()) as u64;
    }

    fn member(&mut self, name: &str, _blob: Blob<'_>, _size: Option<u64>) {
        panic!("a pickle has no members, yet {name} was reported");
    }

    fn notice(&mut self, notice: Notice) {
        if notice.kind == NoticeKind::Corrupt {
            self.corrupt += 1;
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let mut file = Vec::with_capacity(data.len() + 2);
    if pick & 1 == 0 {
        file.extend_from_slice(&[0x80, 4]);
    }
    file.extend_from_slice(rest);
    if recognize("f.pkl", &file) != Kind::Pickle {
        return;
    }
    let limits = Limits {
        max_segment: 1 << 16,
        ..Limits::default()
    };
    let budget = Budget::new(limits);
    let mut check = Check {
        max_segment: limits.max_segment,
        ..Check::default()
    };
    read("f.pkl", Blob::Stream(&mut &file[..]), &mut check, &budget);
    assert!(check.corrupt <= 1, "{} corrupt notices", check.corrupt);
    assert!(check.reported <= 4 * limits.max_segment);
});
