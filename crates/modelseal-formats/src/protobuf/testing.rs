//! Helpers shared by the tests of the protobuf-based readers: a message
//! builder and a visitor that records what it is told.

use std::io::Read;

use crate::visitor::{Blob, Notice, NoticeKind, Visitor};

/// Builds a protobuf message field by field.
#[derive(Debug, Clone, Default)]
pub struct Msg(pub Vec<u8>);

pub fn varint(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

impl Msg {
    pub fn new() -> Self {
        Msg(Vec::new())
    }

    fn key(mut self, number: u32, wire: u8) -> Self {
        varint(&mut self.0, u64::from(number) << 3 | u64::from(wire));
        self
    }

    pub fn uint(self, number: u32, value: u64) -> Self {
        let mut m = self.key(number, 0);
        varint(&mut m.0, value);
        m
    }

    pub fn fixed32(self, number: u32, value: u32) -> Self {
        let mut m = self.key(number, 5);
        m.0.extend_from_slice(&value.to_le_bytes());
        m
    }

    pub fn fixed64(self, number: u32, value: u64) -> Self {
        let mut m = self.key(number, 1);
        m.0.extend_from_slice(&value.to_le_bytes());
        m
    }

    pub fn bytes(self, number: u32, value: &[u8]) -> Self {
        let mut m = self.key(number, 2);
        varint(&mut m.0, value.len() as u64);
        m.0.extend_from_slice(value);
        m
    }

    pub fn str(self, number: u32, value: &str) -> Self {
        self.bytes(number, value.as_bytes())
    }

    pub fn msg(self, number: u32, value: &Msg) -> Self {
        self.bytes(number, &value.0)
    }

    /// A length-delimited field that declares `len` bytes and holds none.
    pub fn hostile_len(self, number: u32, len: u64) -> Self {
        let mut m = self.key(number, 2);
        varint(&mut m.0, len);
        m
    }

    pub fn raw(mut self, bytes: &[u8]) -> Self {
        self.0.extend_from_slice(bytes);
        self
    }
}

/// A `StringStringEntryProto` / map entry: key 1, value 2.
pub fn entry(key: &str, value: &str) -> Msg {
    Msg::new().str(1, key).str(2, value)
}

/// Records everything a reader reports.
#[derive(Debug, Default)]
pub struct Recorder {
    pub fields: Vec<(String, String)>,
    pub texts: Vec<(String, String)>,
    pub notices: Vec<Notice>,
}

impl Recorder {
    pub fn field(&self, path: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self, path: &str) -> Option<&str> {
        self.texts
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, v)| v.as_str())
    }

    pub fn paths(&self) -> Vec<&str> {
        self.fields.iter().map(|(p, _)| p.as_str()).collect()
    }

    pub fn count(&self, kind: NoticeKind) -> usize {
        self.notices.iter().filter(|n| n.kind == kind).count()
    }

    pub fn notice(&self, kind: NoticeKind) -> Option<&str> {
        self.notices
            .iter()
            .find(|n| n.kind == kind)
            .map(|n| n.message.as_str())
    }
}

impl Visitor for Recorder {
    fn text(&mut self, field: Option<&str>, text: &mut dyn Read) {
        let mut bytes = Vec::new();
        text.read_to_end(&mut bytes).unwrap();
        self.texts.push((
            field.unwrap_or_default().to_owned(),
            String::from_utf8_lossy(&bytes).into_owned(),
        ));
    }

    fn field(&mut self, path: &str, value: &[u8]) {
        self.fields
            .push((path.to_owned(), String::from_utf8_lossy(value).into_owned()));
    }

    fn member(&mut self, name: &str, _blob: Blob<'_>, _size: Option<u64>) {
        panic!("protobuf readers report no members, got {name}");
    }

    fn notice(&mut self, notice: Notice) {
        self.notices.push(notice);
    }
}

/// The bounds any input must keep a reader within, checked on what it
/// reported as `(path, value)` pairs: short paths, values made of the
/// input's own bytes (a lossy UTF-8 view: at most three bytes per input
/// byte), and no more in all than the reporting allowance (16 times the
/// input and 1 MiB).
pub fn values_within_bounds<'a>(
    values: impl IntoIterator<Item = (&'a str, &'a str)>,
    input: &[u8],
) -> Result<(), proptest::test_runner::TestCaseError> {
    let mut total = 0u64;
    for (path, value) in values {
        proptest::prop_assert!(path.len() <= 4096, "{path}");
        proptest::prop_assert!(
            value.len() <= 3 * input.len(),
            "{path}: {} bytes",
            value.len()
        );
        total += value.len() as u64;
    }
    proptest::prop_assert!(
        total <= 16 * input.len() as u64 + (1 << 20),
        "{total} bytes reported"
    );
    Ok(())
}
