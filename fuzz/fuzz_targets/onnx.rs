//! The ONNX reader on any bytes (after a one-field `ModelProto` prefix that
//! makes the blob binary, so it is recognised as ONNX): no panic, no
//! allocation from a length read out of the file, a bounded number of
//! notices, never more bytes reported than given.
#![no_main]

use std::io::Read;

use libfuzzer_sys::fuzz_target;
use modelseal_formats::{Blob, Budget, Kind, Limits, Notice, SNIFF_LEN, Visitor, read, recognize};

#[derive(Default)]
struct Check {
    reported: usize,
    notices: usize,
    max_segment: u64,
}

impl Check {
    fn value(&mut self, path: &str, len: usize) {
        assert!(
            !path.is_empty() && path.len() < 1 << 16,
            "path of {} bytes",
            path.len()
        );
        assert!(len as u64 <= self.max_segment);
        self.reported += len;
    }
}

impl Visitor for Check {
    fn text(&mut self, field: Option<&str>, text: &mut dyn Read) {
        let mut value = Vec::new();
        text.read_to_end(&mut value).unwrap();
        self.value(
            field.expect("text from a model always names its field"),
            value.len(),
        );
    }

    fn field(&mut self, path: &str, value: &[u8]) {
        assert!(!value.is_empty());
        self.value(path, value.len());
    }

    fn member(&mut self, name: &str, _blob: Blob<'_>, _size: Option<u64>) {
        panic!("an ONNX model has no members, yet {name} was reported");
    }

    fn notice(&mut self, _notice: Notice) {
        self.notices += 1;
    }
}

fuzz_target!(|data: &[u8]| {
    // ir_version = 0: a valid first field with a NUL byte in it.
    let mut file = vec![0x08, 0x00];
    file.extend_from_slice(data);
    // A head that looks like another format (safetensors) goes elsewhere.
    if recognize("m.onnx", &file[..file.len().min(SNIFF_LEN)]) != Kind::Onnx {
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
    read("m.onnx", Blob::Stream(&mut &file[..]), &mut check, &budget);
    // A stop, skipped tensor data, too deep, too long, too many.
    assert!(check.notices <= 5);
    assert!(check.reported <= file.len());
});
