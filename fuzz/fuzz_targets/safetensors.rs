//! The safetensors reader on any header: the bytes follow an 8-byte length
//! (the input's own length, or one taken from the input) and a `{`, so they
//! are read as a safetensors header. No panic, one notice, never more bytes
//! reported than given, nothing beyond the limits.
#![no_main]

use std::io::Read;

use libfuzzer_sys::fuzz_target;
use modelseal_formats::{Blob, Budget, Kind, Limits, Notice, Visitor, read, recognize};

#[derive(Default)]
struct Check {
    reported: usize,
    notices: usize,
    max_segment: u64,
}

impl Visitor for Check {
    fn text(&mut self, _field: Option<&str>, text: &mut dyn Read) {
        let mut buf = [0u8; 8192];
        while let Ok(n @ 1..) = text.read(&mut buf) {
            self.reported += n;
        }
    }

    fn field(&mut self, _path: &str, value: &[u8]) {
        assert!(value.len() as u64 <= self.max_segment);
        self.reported += value.len();
    }

    fn member(&mut self, name: &str, _blob: Blob<'_>, _size: Option<u64>) {
        panic!("a safetensors file has no members, yet {name} was reported");
    }

    fn notice(&mut self, _notice: Notice) {
        self.notices += 1;
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let mut file = Vec::with_capacity(data.len() + 9);
    let header = if pick & 1 == 0 || rest.len() < 8 {
        file.extend_from_slice(&(rest.len() as u64 + 1).to_le_bytes());
        rest
    } else {
        file.extend_from_slice(&rest[..8]);
        &rest[8..]
    };
    file.push(b'{');
    file.extend_from_slice(header);
    if recognize("m.safetensors", &file) != Kind::Safetensors {
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
    read(
        "m.safetensors",
        Blob::Stream(&mut &file[..]),
        &mut check,
        &budget,
    );
    assert_eq!(
        check.notices, 1,
        "one notice: what was skipped, or why it stopped"
    );
    assert!(check.reported <= file.len());
});
