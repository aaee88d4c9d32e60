//! Any bytes as a Jupyter notebook: no panic, and what is reported stays
//! within the reader's bounds (paths cut, reported bytes a bounded multiple
//! of the input).
#![no_main]

use std::io::Read;

use libfuzzer_sys::fuzz_target;
use modelseal_formats::{Blob, Budget, Limits, Notice, NoticeKind, Visitor, read};

#[derive(Default)]
struct Check {
    reported: u64,
    notices: Vec<Notice>,
}

impl Visitor for Check {
    fn text(&mut self, field: Option<&str>, text: &mut dyn Read) {
        let mut sink = [0u8; 8192];
        while let Ok(n) = text.read(&mut sink) {
            if n == 0 {
                break;
            }
            self.reported += n as u64;
        }
        self.reported += field.map_or(0, str::len) as u64;
    }

    fn field(&mut self, path: &str, value: &[u8]) {
        // 512 bytes, and `…` where a path was cut.
        assert!(path.len() <= 512 + 3, "path of {} bytes", path.len());
        assert!(!value.is_empty());
        self.reported += (path.len() + value.len()) as u64;
    }

    fn member(&mut self, name: &str, _blob: Blob<'_>, _size: Option<u64>) {
        panic!("a notebook has no members ({name})");
    }

    fn notice(&mut self, notice: Notice) {
        self.notices.push(notice);
    }
}

fuzz_target!(|data: &[u8]| {
    // The notebook reader only gets what starts with `{` (after spaces);
    // nine spaces first keep it from looking like a safetensors header
    // (a length, then `{` at byte 8).
    let mut input = Vec::with_capacity(data.len() + 10);
    input.extend_from_slice(b"         ");
    if data.first() != Some(&b'{') {
        input.push(b'{');
    }
    input.extend_from_slice(data);
    let limits = Limits { max_segment: 1 << 20, ..Limits::default() };
    let budget = Budget::new(limits);
    let mut check = Check::default();
    read("fuzz.ipynb", Blob::Stream(&mut input.as_slice()), &mut check, &budget);
    assert!(check.reported <= 16 * input.len() as u64 + (1 << 20) + input.len() as u64);
    let stops = check
        .notices
        .iter()
        .filter(|n| matches!(n.kind, NoticeKind::Corrupt | NoticeKind::Limit))
        .count();
    assert!(stops <= 1, "{:?}", check.notices);
});
