//! The GGUF reader on any bytes after the `GGUF` magic: no panic, no
//! allocation from a count or length read out of the file, at most two
//! notices, never more bytes reported than given.
#![no_main]

use std::io::Read;

use libfuzzer_sys::fuzz_target;
use modelseal_formats::{Blob, Budget, Limits, Notice, Visitor, read};

#[derive(Default)]
struct Check {
    reported: usize,
    notices: usize,
    max_segment: u64,
}

impl Visitor for Check {
    fn text(&mut self, field: Option<&str>, _text: &mut dyn Read) {
        panic!("a GGUF reader reports fields, yet text came at {field:?}");
    }

    fn field(&mut self, _path: &str, value: &[u8]) {
        assert!(value.len() as u64 <= self.max_segment);
        self.reported += value.len();
    }

    fn member(&mut self, name: &str, _blob: Blob<'_>, _size: Option<u64>) {
        panic!("a GGUF file has no members, yet {name} was reported");
    }

    fn notice(&mut self, _notice: Notice) {
        self.notices += 1;
    }
}

fuzz_target!(|data: &[u8]| {
    let mut file = b"GGUF".to_vec();
    file.extend_from_slice(data);
    let limits = Limits {
        max_segment: 1 << 20,
        ..Limits::default()
    };
    let budget = Budget::new(limits);
    let mut check = Check {
        max_segment: limits.max_segment,
        ..Check::default()
    };
    read("m.gguf", Blob::Stream(&mut &file[..]), &mut check, &budget);
    // Why it stopped or what it skipped, and maybe the tokenizer arrays cut short.
    assert!((1..=2).contains(&check.notices));
    assert!(check.reported <= file.len());
});
