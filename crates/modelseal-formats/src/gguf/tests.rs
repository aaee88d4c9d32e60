use std::io::Read;

use proptest::prelude::*;

use super::read;
use crate::limits::{Budget, Limits, Metered};
use crate::visitor::{Blob, Notice, NoticeKind, Visitor};

/// Records everything a reader reports.
#[derive(Default)]
struct Record {
    fields: Vec<(String, Vec<u8>)>,
    notices: Vec<Notice>,
}

impl Visitor for Record {
    fn text(&mut self, field: Option<&str>, _: &mut dyn Read) {
        panic!("a GGUF reader reports fields, yet text came at {field:?}");
    }

    fn field(&mut self, path: &str, value: &[u8]) {
        self.fields.push((path.to_owned(), value.to_vec()));
    }

    fn member(&mut self, name: &str, _: Blob<'_>, _: Option<u64>) {
        panic!("a GGUF file has no members, yet {name} was reported");
    }

    fn notice(&mut self, notice: Notice) {
        self.notices.push(notice);
    }
}

impl Record {
    fn of(bytes: &[u8]) -> Record {
        Record::with(&mut &bytes[..], Limits::default())
    }

    fn with(reader: &mut dyn Read, limits: Limits) -> Record {
        let mut record = Record::default();
        read("model.gguf", reader, &mut record, &Budget::new(limits));
        record
    }

    fn fields(&self) -> Vec<(&str, String)> {
        self.fields
            .iter()
            .map(|(p, v)| (p.as_str(), String::from_utf8_lossy(v).into_owned()))
            .collect()
    }

    fn paths(&self) -> Vec<&str> {
        self.fields.iter().map(|(p, _)| p.as_str()).collect()
    }

    fn kinds(&self) -> Vec<NoticeKind> {
        self.notices.iter().map(|n| n.kind).collect()
    }

    fn message(&self, kind: NoticeKind) -> &str {
        self.notices.iter().find(|n| n.kind == kind).map_or_else(
            || panic!("no {kind:?} notice in {:?}", self.notices),
            |n| n.message.as_str(),
        )
    }
}

/// Writes a GGUF file by hand, little-endian.
#[derive(Clone)]
struct Builder(Vec<u8>);

impl Builder {
    fn new(version: u32, tensors: u64, keys: u64) -> Builder {
        Builder(b"GGUF".to_vec())
            .u32(version)
            .u64(tensors)
            .u64(keys)
    }

    fn u32(mut self, value: u32) -> Builder {
        self.0.extend_from_slice(&value.to_le_bytes());
        self
    }

    fn u64(mut self, value: u64) -> Builder {
        self.0.extend_from_slice(&value.to_le_bytes());
        self
    }

    fn raw(mut self, bytes: &[u8]) -> Builder {
        self.0.extend_from_slice(bytes);
        self
    }

    fn string(self, value: &[u8]) -> Builder {
        self.u64(value.len() as u64).raw(value)
    }

    fn key(self, key: &str, value_type: u32) -> Builder {
        self.string(key.as_bytes()).u32(value_type)
    }

    fn text(self, key: &str, value: &str) -> Builder {
        self.key(key, 8).string(value.as_bytes())
    }

    fn strings(self, key: &str, items: &[&str]) -> Builder {
        let mut b = self.key(key, 9).u32(8).u64(items.len() as u64);
        for item in items {
            b = b.string(item.as_bytes());
        }
        b
    }
}

/// Every kind of value, in 12 keys.
#[rustfmt::skip]
fn sample(version: u32) -> Vec<u8> {
    Builder::new(version, 2, 12)
        .text("general.architecture", "llama")
        .text("general.name", "sentiment-7b")
        .key("llama.context_length", 4).u32(4096)
        .key("llama.rope.freq_base", 6).raw(&10_000f32.to_le_bytes())
        .key("general.quantized", 7).raw(&[1])
        .key("general.file_type", 10).u64(15)
        .text("general.source.url", "http://model-builder.internal.corp:8080/run/3")
        .strings("general.tags", &["sentiment", "by asmith@acme-corp.com"])
        // An array of arrays of strings.
        .key("acme.matrix", 9).u32(9).u64(2)
            .u32(8).u64(1).string(b"a")
            .u32(8).u64(2).string(b"b").string(b"s3://acme-training-data/raw/")
        .strings("tokenizer.ggml.tokens", &["<unk>", "<s>", "</s>", "hello"])
        .key("tokenizer.ggml.scores", 9).u32(6).u64(4).raw(&[0; 16])
        .text("tokenizer.chat_template", "{% for m in messages %}{{ m }}{% endfor %}")
        .0
}

fn sample_fields() -> Vec<(&'static str, String)> {
    [
        ("general.architecture", "llama"),
        ("general.name", "sentiment-7b"),
        (
            "general.source.url",
            "http://model-builder.internal.corp:8080/run/3",
        ),
        ("general.tags[0]", "sentiment"),
        ("general.tags[1]", "by asmith@acme-corp.com"),
        ("acme.matrix[0][0]", "a"),
        ("acme.matrix[1][0]", "b"),
        ("acme.matrix[1][1]", "s3://acme-training-data/raw/"),
        ("tokenizer.ggml.tokens", "<unk> <s> </s> hello"),
        (
            "tokenizer.chat_template",
            "{% for m in messages %}{{ m }}{% endfor %}",
        ),
    ]
    .into_iter()
    .map(|(p, v)| (p, v.to_owned()))
    .collect()
}

#[test]
fn reports_every_string_and_skips_the_tensors() {
    for version in [2, 3] {
        // Tensor descriptions and data follow the keys: an endless stream
        // here, so reading them would never end.
        let mut stream = &sample(version)[..];
        let mut endless = (&mut stream).chain(std::io::repeat(0xee));
        let record = Record::with(&mut endless, Limits::default());
        assert_eq!(record.fields(), sample_fields());
        assert_eq!(record.kinds(), [NoticeKind::Skipped]);
        assert_eq!(
            record.message(NoticeKind::Skipped),
            "2 tensors (descriptions and data) not read"
        );
    }
}

#[test]
fn versions_not_read() {
    let v1 = Record::of(&Builder::new(1, 0, 0).0);
    assert_eq!(v1.kinds(), [NoticeKind::Unsupported]);

    let mut big_endian = b"GGUF".to_vec();
    big_endian.extend_from_slice(&3u32.to_be_bytes());
    big_endian.extend_from_slice(&[0; 16]);
    let record = Record::of(&big_endian);
    assert_eq!(
        record.message(NoticeKind::Unsupported),
        "a big-endian GGUF file (version 3 byte-swapped): only little-endian files are read"
    );

    let future = Record::of(&Builder::new(9, 0, 0).0);
    assert_eq!(
        future.message(NoticeKind::Unsupported),
        "GGUF version 9 is not read (versions 2 and 3 are)"
    );

    let not_gguf = Record::of(b"GGML\x03\x00\x00\x00");
    assert_eq!(not_gguf.kinds(), [NoticeKind::Corrupt]);
}

#[test]
fn truncated_at_every_length() {
    let whole = sample(3);
    let starts = key_starts(&whole);
    let all = sample_fields().len();
    for cut in 0..whole.len() {
        let record = Record::of(&whole[..cut]);
        assert_eq!(
            record.kinds(),
            [NoticeKind::Corrupt],
            "cut at {cut}: {:?}",
            record.notices
        );
        assert!(record.fields.len() <= all);
        let expected = if cut < 24 {
            format!("the file ends at offset {cut}, inside the GGUF header")
        } else {
            let key = starts.iter().filter(|&&start| start <= cut).count() - 1;
            format!("declares 12 keys; stopped at offset {cut}, in key {key}: the file ends there")
        };
        assert_eq!(record.message(NoticeKind::Corrupt), expected);
    }
    assert_eq!(Record::of(&whole).fields.len(), all);
}

/// Where each key of `sample` starts, found by walking it with known sizes.
fn key_starts(whole: &[u8]) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut at = 24;
    for _ in 0..12 {
        starts.push(at);
        at = skip_key(whole, at);
    }
    starts
}

fn u64_at(bytes: &[u8], at: usize) -> usize {
    u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap()) as usize
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap())
}

fn skip_key(bytes: &[u8], at: usize) -> usize {
    let at = at + 8 + u64_at(bytes, at);
    let value_type = u32_at(bytes, at);
    skip_value(bytes, at + 4, value_type)
}

fn skip_value(bytes: &[u8], at: usize, value_type: u32) -> usize {
    match value_type {
        8 => at + 8 + u64_at(bytes, at),
        9 => {
            let item_type = u32_at(bytes, at);
            let count = u64_at(bytes, at + 4);
            (0..count).fold(at + 12, |at, _| skip_value(bytes, at, item_type))
        }
        other => at + super::scalar_size(other).unwrap() as usize,
    }
}

#[test]
fn a_billion_keys_is_not_an_allocation() {
    let file = Builder::new(3, 1, 1_000_000_000)
        .text("general.name", "tiny")
        .0;
    let record = Record::of(&file);
    assert_eq!(record.fields(), [("general.name", "tiny".to_owned())]);
    assert_eq!(
        record.message(NoticeKind::Corrupt),
        format!(
            "declares 1000000000 keys; stopped at offset {}, in key 1: the file ends there",
            file.len()
        )
    );
}

#[test]
fn hostile_lengths_and_counts() {
    let head = || Builder::new(3, 0, 3).text("general.name", "kept");
    let at = head().0.len();
    let cases = [
        (
            head().key("general.author", 8).u64(1 << 60),
            format!(
                "`general.author`: a string of 1152921504606846976 bytes declared at offset {}; stopped",
                at + 8 + 14 + 4
            ),
        ),
        (
            head().u64(1 << 63),
            format!(
                "key 1 at offset {at} declares 9223372036854775808 bytes (keys are at most 65535); stopped"
            ),
        ),
        (
            head().key("acme.scores", 9).u32(4).u64(1 << 62),
            format!(
                "`acme.scores`: an array of 4611686018427387904 items declared at offset {}; stopped",
                at + 8 + 11 + 4
            ),
        ),
        (
            head().key("acme.names", 9).u32(8).u64(u64::MAX),
            format!(
                "`acme.names`: an array of 18446744073709551615 items declared at offset {}; stopped",
                at + 8 + 10 + 4
            ),
        ),
        (
            head().key("tokenizer.ggml.tokens", 9).u32(8).u64(1 << 50),
            format!(
                "`tokenizer.ggml.tokens`: an array of 1125899906842624 items declared at offset {}; stopped",
                at + 8 + 21 + 4
            ),
        ),
        (
            head().key("acme.odd", 42).u64(0),
            format!(
                "`acme.odd`: unknown value type 42 before offset {}; stopped",
                at + 8 + 8 + 4
            ),
        ),
        (
            head().key("acme.odd", 9).u32(42).u64(3),
            format!(
                "`acme.odd`: array of unknown item type 42 at offset {}; stopped",
                at + 8 + 8 + 4
            ),
        ),
    ];
    for (file, message) in cases {
        let record = Record::of(&file.0);
        assert_eq!(record.fields(), [("general.name", "kept".to_owned())]);
        assert_eq!(record.kinds(), [NoticeKind::Corrupt]);
        assert_eq!(record.message(NoticeKind::Corrupt), message);
    }
    // An empty array of an unknown type holds nothing to misread.
    let record = Record::of(&Builder::new(3, 0, 1).key("acme.none", 9).u32(42).u64(0).0);
    assert_eq!(record.kinds(), [NoticeKind::Skipped]);
}

#[test]
fn deep_nesting_stops() {
    for depth in [17, 100_000] {
        let mut b = Builder::new(3, 0, 1).key("acme.deep", 9);
        for _ in 0..depth {
            b = b.u32(9).u64(1);
        }
        let record = Record::of(&b.u32(8).u64(1).string(b"x").0);
        assert_eq!(record.kinds(), [NoticeKind::Limit]);
        assert!(
            record
                .message(NoticeKind::Limit)
                .starts_with("`acme.deep[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]`: arrays nested more than 16 deep"),
            "{:?}",
            record.notices
        );
    }
    // Sixteen levels are read.
    let mut b = Builder::new(3, 0, 1).key("acme.deep", 9);
    for _ in 0..15 {
        b = b.u32(9).u64(1);
    }
    let record = Record::of(&b.u32(8).u64(1).string(b"x").0);
    assert_eq!(record.paths(), [format!("acme.deep{}", "[0]".repeat(16))]);
}

#[test]
fn invalid_utf8_is_kept_in_values_and_made_readable_in_keys() {
    let file = Builder::new(3, 0, 1)
        .key("acme.\u{0}x", 8)
        .string(b"\xff\xfepassword=hunter2")
        .0;
    let mut bad_key = file.clone();
    let at = bad_key.windows(2).position(|w| w == b"\0x").unwrap();
    bad_key[at] = 0xff;
    let record = Record::of(&bad_key);
    assert_eq!(record.fields.len(), 1);
    assert_eq!(record.fields[0].0, "acme.\u{fffd}x");
    assert_eq!(record.fields[0].1, b"\xff\xfepassword=hunter2");
}

#[test]
fn tokenizer_arrays_are_projected() {
    let tokens: Vec<String> = (0..300).map(|i| format!("t{i}")).collect();
    let tokens: Vec<&str> = tokens.iter().map(String::as_str).collect();
    let big = "x".repeat(70 * 1024);
    let file = Builder::new(3, 0, 4)
        .strings("tokenizer.ggml.tokens", &tokens)
        .strings("tokenizer.ggml.merges", &["a b", &big, "c d"])
        .strings("general.languages", &tokens[..3])
        .text("tokenizer.ggml.pre", "qwen2")
        .0;
    let record = Record::of(&file);
    let first: Vec<&str> = tokens[..256].to_vec();
    assert_eq!(
        record.fields(),
        [
            ("tokenizer.ggml.tokens", first.join(" ")),
            // A string too long for the projection is passed over.
            ("tokenizer.ggml.merges", "a b c d".to_owned()),
            ("general.languages[0]", "t0".to_owned()),
            ("general.languages[1]", "t1".to_owned()),
            ("general.languages[2]", "t2".to_owned()),
            ("tokenizer.ggml.pre", "qwen2".to_owned()),
        ]
    );
    assert_eq!(record.kinds(), [NoticeKind::Skipped, NoticeKind::Skipped]);
    assert_eq!(
        record.notices[0].message,
        "tokenizer arrays reported only in part (their first 256 strings): \
         tokenizer.ggml.tokens (300 strings), tokenizer.ggml.merges (3 strings)"
    );
    assert_eq!(
        record.notices[1].message,
        "0 tensors (descriptions and data) not read"
    );
}

#[test]
fn a_truncated_tokenizer_array_keeps_what_was_read() {
    let file = Builder::new(3, 0, 1)
        .strings("tokenizer.ggml.tokens", &["a", "b", "c"])
        .0;
    let record = Record::of(&file[..file.len() - 3]);
    assert_eq!(
        record.fields(),
        [("tokenizer.ggml.tokens", "a b".to_owned())]
    );
    assert_eq!(record.kinds(), [NoticeKind::Corrupt]);
}

#[test]
fn limits_stop_the_read() {
    let limits = Limits {
        max_segment: 64,
        ..Limits::default()
    };
    let file = Builder::new(3, 0, 2)
        .text("general.name", "kept")
        .text("general.description", &"long ".repeat(20))
        .0;
    let record = Record::with(&mut &file[..], limits);
    assert_eq!(record.fields(), [("general.name", "kept".to_owned())]);
    assert_eq!(
        record.message(NoticeKind::Limit),
        "the metadata is larger than max_segment (64 bytes); stopped at offset 60"
    );

    // A limit of an archive around the file stops it too.
    let mut metered = Metered::new(&file[..], 60, "total expanded size");
    let record = Record::with(&mut metered, Limits::default());
    assert_eq!(record.fields(), [("general.name", "kept".to_owned())]);
    assert_eq!(record.kinds(), [NoticeKind::Limit]);
    assert!(
        record
            .message(NoticeKind::Limit)
            .contains("total expanded size")
    );
}

#[test]
fn leaky_fixture() {
    let record = Record::of(include_bytes!("../../tests/fixtures/models/leaky.gguf"));
    let fields = record.fields();
    assert_eq!(
        record.paths(),
        [
            "general.architecture",
            "general.name",
            "tokenizer.ggml.model",
            "tokenizer.ggml.tokens",
            "general.author",
            "general.source.url",
            "acme.upload.aws_access_key_id",
            "acme.datasets[0]",
            "acme.datasets[1]",
        ]
    );
    let value = |path: &str| fields.iter().find(|(p, _)| *p == path).unwrap().1.clone();
    assert_eq!(value("general.architecture"), "llama");
    assert_eq!(value("general.name"), "tiny-sentiment");
    assert_eq!(value("tokenizer.ggml.model"), "llama");
    assert_eq!(value("tokenizer.ggml.tokens"), "<unk> <s> </s> hello world");
    assert_eq!(
        value("general.author"),
        "Alice Smith <asmith@acme-corp.com>"
    );
    assert_eq!(
        value("general.source.url"),
        "http://model-builder.internal.corp:8080/runs/17"
    );
    // Drawn at random when the fixture was written: check its shape.
    let key_id = value("acme.upload.aws_access_key_id");
    let rest = key_id.strip_prefix("AKIA").unwrap();
    assert_eq!(rest.len(), 16);
    assert!(
        rest.bytes()
            .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
    );
    assert_eq!(
        value("acme.datasets[0]"),
        "s3://acme-training-data/raw-images/"
    );
    assert_eq!(value("acme.datasets[1]"), "s3://acme-training-data/labels/");
    assert_eq!(record.kinds(), [NoticeKind::Skipped]);
    assert_eq!(
        record.message(NoticeKind::Skipped),
        "2 tensors (descriptions and data) not read"
    );
}

#[test]
fn clean_fixture() {
    let record = Record::of(include_bytes!("../../tests/fixtures/models/clean.gguf"));
    assert_eq!(
        record.fields(),
        [
            ("general.architecture", "llama".to_owned()),
            ("general.name", "tiny-sentiment".to_owned()),
            ("tokenizer.ggml.model", "llama".to_owned()),
            (
                "tokenizer.ggml.tokens",
                "<unk> <s> </s> hello world".to_owned()
            ),
        ]
    );
    assert_eq!(
        record.message(NoticeKind::Skipped),
        "2 tensors (descriptions and data) not read"
    );
}

/// Nothing absurd: one or two notices, and no more bytes reported than read.
fn sane(bytes: &[u8], record: &Record) -> Result<(), TestCaseError> {
    prop_assert!(!record.notices.is_empty() && record.notices.len() <= 2);
    let reported: usize = record.fields.iter().map(|(_, v)| v.len()).sum();
    prop_assert!(reported <= bytes.len());
    Ok(())
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        sane(&bytes, &Record::of(&bytes))?;
    }

    #[test]
    fn arbitrary_keys_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..512)) {
        let bytes = Builder::new(3, 1, 4).raw(&tail).0;
        sane(&bytes, &Record::of(&bytes))?;
    }

    #[test]
    fn mutated_files_never_panic(index in 24..sample(3).len(), byte in any::<u8>()) {
        let mut bytes = sample(3);
        bytes[index] = byte;
        sane(&bytes, &Record::of(&bytes))?;
    }
}
