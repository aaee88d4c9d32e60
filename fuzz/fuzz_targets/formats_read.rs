//! Any bytes, under any name, through format recognition and every reader,
//! recursing into members like the scanner does: no panic, no unbounded
//! allocation, depth and sizes within the limits.
#![no_main]

use std::io::{Cursor, Read};

use libfuzzer_sys::fuzz_target;
use modelseal_formats::{Blob, Budget, Limits, Notice, Visitor, read};

const NAMES: [&str; 12] = [
    "a.zip", "a.tar", "a.tar.gz", "x.pkl", "m.safetensors", "m.gguf", "m.onnx",
    "events.out.tfevents.1690000000.host.1.0", "n.ipynb", "m.pyc", "train.log", "archive/data.pkl",
];

struct Walk<'a> {
    budget: &'a Budget,
}

impl Visitor for Walk<'_> {
    fn text(&mut self, _field: Option<&str>, text: &mut dyn Read) {
        let mut sink = [0u8; 8192];
        while matches!(text.read(&mut sink), Ok(n) if n > 0) {}
    }

    fn field(&mut self, path: &str, value: &[u8]) {
        assert!(path.len() < 1 << 20);
        assert!(value.len() as u64 <= self.budget.limits.max_segment);
    }

    fn member(&mut self, name: &str, blob: Blob<'_>, _size: Option<u64>) {
        let depth = self.budget.depth.get();
        assert!(depth <= self.budget.limits.max_depth);
        if depth >= self.budget.limits.max_depth {
            return;
        }
        let budget = self.budget;
        budget.depth.set(depth + 1);
        read(name, blob, self, budget);
        budget.depth.set(depth);
    }

    fn notice(&mut self, _notice: Notice) {}
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else { return };
    let name = NAMES[usize::from(pick) % NAMES.len()];
    let limits = Limits { max_expanded: 64 << 20, max_buffered: 8 << 20, max_segment: 4 << 20, ..Limits::default() };
    let budget = Budget::new(limits);
    let mut walk = Walk { budget: &budget };
    if pick & 0x80 == 0 {
        read(name, Blob::Seekable(&mut Cursor::new(bytes)), &mut walk, &budget);
    } else {
        read(name, Blob::Stream(&mut &bytes[..]), &mut walk, &budget);
    }
});
