//! Any bytes as Python bytecode of each known layout: no panic, no
//! unbounded recursion or allocation, and what is reported stays a bounded
//! multiple of the input.
#![no_main]

use std::io::Read;

use libfuzzer_sys::fuzz_target;
use modelseal_formats::{Blob, Budget, Limits, Notice, NoticeKind, Visitor, read};

/// The last magic number of 3.7 to 3.13, and a 3.8 alpha and a 3.14 one.
const MAGICS: [u16; 9] = [3394, 3413, 3425, 3439, 3495, 3531, 3571, 3401, 3627];

#[derive(Default)]
struct Check {
    reported: u64,
    notices: Vec<Notice>,
}

impl Visitor for Check {
    fn text(&mut self, field: Option<&str>, _text: &mut dyn Read) {
        panic!("the pyc reader reports fields, not text ({field:?})");
    }

    fn field(&mut self, path: &str, value: &[u8]) {
        assert!(path == "code/co_filename" || path.starts_with("code/"));
        assert!(path.len() < 1024, "path of {} bytes", path.len());
        self.reported += (path.len() + value.len()) as u64;
    }

    fn member(&mut self, name: &str, _blob: Blob<'_>, _size: Option<u64>) {
        panic!("bytecode has no members ({name})");
    }

    fn notice(&mut self, notice: Notice) {
        self.notices.push(notice);
    }
}

fuzz_target!(|data: &[u8]| {
    // The first byte picks a version; the rest follows a 16-byte header.
    let Some((&pick, body)) = data.split_first() else { return };
    let magic = MAGICS[usize::from(pick) % MAGICS.len()];
    let mut input = magic.to_le_bytes().to_vec();
    input.extend_from_slice(b"\r\n");
    input.extend_from_slice(&[0; 12]);
    input.extend_from_slice(body);
    let budget = Budget::new(Limits::default());
    let mut check = Check::default();
    read("fuzz.cpython-311.pyc", Blob::Stream(&mut input.as_slice()), &mut check, &budget);
    assert!(check.reported <= 16 * input.len() as u64 + (1 << 20));
    let stops = check
        .notices
        .iter()
        .filter(|n| matches!(n.kind, NoticeKind::Corrupt | NoticeKind::Limit | NoticeKind::Unsupported))
        .count();
    assert!(stops <= 2, "{:?}", check.notices);
});
