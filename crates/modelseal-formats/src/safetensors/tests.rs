use std::collections::BTreeMap;
use std::io::Read;

use proptest::prelude::*;

use super::read;
use crate::limits::{Budget, Limits};
use crate::visitor::{Blob, Notice, NoticeKind, Visitor};

/// Records everything a reader reports.
#[derive(Default)]
struct Record {
    fields: Vec<(String, String)>,
    texts: Vec<(Option<String>, String)>,
    notices: Vec<Notice>,
}

impl Visitor for Record {
    fn text(&mut self, field: Option<&str>, text: &mut dyn Read) {
        let mut bytes = Vec::new();
        text.read_to_end(&mut bytes).unwrap();
        self.texts.push((
            field.map(str::to_owned),
            String::from_utf8_lossy(&bytes).into_owned(),
        ));
    }

    fn field(&mut self, path: &str, value: &[u8]) {
        self.fields
            .push((path.to_owned(), String::from_utf8_lossy(value).into_owned()));
    }

    fn member(&mut self, name: &str, _: Blob<'_>, _: Option<u64>) {
        panic!("a safetensors file has no members, yet {name} was reported");
    }

    fn notice(&mut self, notice: Notice) {
        self.notices.push(notice);
    }
}

impl Record {
    fn of(bytes: &[u8]) -> Record {
        Record::with(bytes, Limits::default())
    }

    fn with(bytes: &[u8], limits: Limits) -> Record {
        let mut record = Record::default();
        read(
            "model.safetensors",
            &mut &bytes[..],
            &mut record,
            &Budget::new(limits),
        );
        record
    }

    fn fields(&self) -> Vec<(&str, &str)> {
        self.fields
            .iter()
            .map(|(p, v)| (p.as_str(), v.as_str()))
            .collect()
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

/// A safetensors file: the length, the header, then `data` tensor bytes.
fn file(header: &[u8], data: usize) -> Vec<u8> {
    let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(header);
    bytes.resize(bytes.len() + data, 0x3f);
    bytes
}

const HEADER: &str = concat!(
    r#"{"__metadata__":{"format":"pt","source":"/home/asmith/project/train.py","#,
    r#""args":"{\"lr\": 0.1, \"out\": \"s3://acme-data/run\"}"},"#,
    r#""embed.weight":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"#,
    r#""head.bias":{"dtype":"BF16","shape":[2],"data_offsets":[16,20]}}"#,
);

#[test]
fn reports_metadata_and_counts_tensors() {
    let record = Record::of(&file(HEADER.as_bytes(), 20));
    assert_eq!(
        record.fields(),
        [
            ("__metadata__.format", "pt"),
            ("__metadata__.source", "/home/asmith/project/train.py"),
            // JSON text inside a value is reported whole.
            (
                "__metadata__.args",
                r#"{"lr": 0.1, "out": "s3://acme-data/run"}"#
            ),
        ]
    );
    assert_eq!(record.kinds(), [NoticeKind::Skipped]);
    assert_eq!(
        record.message(NoticeKind::Skipped),
        "2 tensors (20 bytes of tensor data) not read"
    );
    assert!(record.texts.is_empty());
}

#[test]
fn never_reads_tensor_data() {
    // The tensor data is an endless stream: reading it would never end.
    let head = file(HEADER.as_bytes(), 0);
    let mut stream = head.chain(std::io::repeat(0x41));
    let mut record = Record::default();
    read(
        "m.safetensors",
        &mut stream,
        &mut record,
        &Budget::new(Limits::default()),
    );
    assert_eq!(record.fields.len(), 3);
    assert_eq!(record.kinds(), [NoticeKind::Skipped]);
}

#[test]
fn reports_unexpected_strings_under_their_key_path() {
    let header = concat!(
        r#"{"w":{"dtype":"F16","shape":[1],"data_offsets":[0,2],"note":"by asmith","#,
        r#""extra":{"tags":["a",{"url":"http://x.internal"}]}},"#,
        r#""odd":{"dtype":"not a dtype: hf_something","data_offsets":[2,4]},"#,
        r#""build_url":"http://ci.internal.corp/job/7","n":[1,-2,3.5,true,null]}"#,
    );
    let record = Record::of(&file(header.as_bytes(), 4));
    assert_eq!(
        record.fields(),
        [
            ("w.note", "by asmith"),
            ("w.extra.tags[0]", "a"),
            ("w.extra.tags[1].url", "http://x.internal"),
            ("odd.dtype", "not a dtype: hf_something"),
            ("build_url", "http://ci.internal.corp/job/7"),
        ]
    );
    assert_eq!(
        record.message(NoticeKind::Skipped),
        "1 tensor (4 bytes of tensor data) not read"
    );
}

#[test]
fn duplicate_keys_are_all_reported() {
    let header = br#"{"__metadata__":{"token":"first"},"__metadata__":{"token":"second"}}"#;
    let record = Record::of(&file(header, 0));
    assert_eq!(
        record.fields(),
        [
            ("__metadata__.token", "first"),
            ("__metadata__.token", "second")
        ]
    );
    assert_eq!(
        record.message(NoticeKind::Skipped),
        "0 tensors (0 bytes of tensor data) not read"
    );
}

#[test]
fn header_padding_is_allowed() {
    let record = Record::of(&file(br#"{"__metadata__":{"a":"b"}}      "#, 0));
    assert_eq!(record.fields(), [("__metadata__.a", "b")]);
    assert_eq!(record.kinds(), [NoticeKind::Skipped]);
}

#[test]
fn truncated_at_every_length() {
    let whole = file(HEADER.as_bytes(), 20);
    let header_end = 8 + HEADER.len();
    for cut in 0..whole.len() {
        let record = Record::of(&whole[..cut]);
        if cut < header_end {
            assert_eq!(
                record.kinds(),
                [NoticeKind::Corrupt],
                "cut at {cut}: {:?}",
                record.notices
            );
            assert!(record.fields.len() <= 3);
        } else {
            // Only tensor data is missing, and it is never read.
            assert_eq!(record.fields.len(), 3);
            assert_eq!(record.kinds(), [NoticeKind::Skipped]);
        }
    }
    let short = Record::of(&whole[..5]);
    assert_eq!(
        short.message(NoticeKind::Corrupt),
        "the file ends after 5 bytes, inside the 8-byte header length"
    );
}

#[test]
fn a_truncated_header_keeps_what_came_before() {
    let whole = file(HEADER.as_bytes(), 0);
    let cut = whole.windows(9).position(|w| w == b"\"args\":\"{").unwrap();
    let record = Record::of(&whole[..cut]);
    assert_eq!(
        record.fields(),
        [
            ("__metadata__.format", "pt"),
            ("__metadata__.source", "/home/asmith/project/train.py"),
        ]
    );
    assert_eq!(
        record.message(NoticeKind::Corrupt),
        format!(
            "header declares {} bytes but the file ends after {} of them",
            HEADER.len(),
            cut - 8
        )
    );
}

#[test]
fn hostile_lengths() {
    let mut huge = (1u64 << 63).to_le_bytes().to_vec();
    huge.extend_from_slice(br#"{"a":"b"}"#);
    let record = Record::of(&huge);
    assert_eq!(record.kinds(), [NoticeKind::Corrupt]);
    assert!(record.message(NoticeKind::Corrupt).starts_with(
        "header length 9223372036854775808 is larger than a safetensors header can be"
    ));

    let mut zero = 0u64.to_le_bytes().to_vec();
    zero.extend_from_slice(b"{}");
    assert_eq!(
        Record::of(&zero).message(NoticeKind::Corrupt),
        "header length is 0: there is no header"
    );

    // Plausible, but more than this budget holds in memory.
    let limits = Limits {
        max_segment: 16,
        ..Limits::default()
    };
    let record = Record::with(&file(HEADER.as_bytes(), 0), limits);
    assert_eq!(record.kinds(), [NoticeKind::Limit]);
    assert!(record.fields.is_empty());

    // Declares more than the file holds.
    let mut long = 1000u64.to_le_bytes().to_vec();
    long.extend_from_slice(br#"{"__metadata__":{"a":"b"}}"#);
    let record = Record::of(&long);
    assert_eq!(record.fields(), [("__metadata__.a", "b")]);
    assert_eq!(
        record.message(NoticeKind::Corrupt),
        "header declares 1000 bytes but the file ends after 26 of them"
    );
}

#[test]
fn deep_nesting_stops_without_overflowing() {
    for depth in [100, 100_000] {
        let mut header = br#"{"__metadata__":{"a":"b"},"x":"#.to_vec();
        header.extend(std::iter::repeat_n(b'[', depth));
        header.extend(std::iter::repeat_n(b']', depth));
        header.push(b'}');
        let record = Record::of(&file(&header, 0));
        assert_eq!(record.fields()[0], ("__metadata__.a", "b"));
        assert_eq!(record.kinds(), [NoticeKind::Corrupt]);
        assert!(
            record
                .message(NoticeKind::Corrupt)
                .starts_with("header is not valid JSON"),
            "{:?}",
            record.notices
        );
    }
}

#[test]
fn invalid_json_reports_what_came_before_and_scans_the_rest_as_text() {
    let header = b"{\"__metadata__\":{\"a\":\"b\",\"c\":\"\xff\xfe\"},\"hub_token\":\"hf_x\"}";
    let record = Record::of(&file(header, 0));
    assert_eq!(record.fields(), [("__metadata__.a", "b")]);
    assert_eq!(record.kinds(), [NoticeKind::Corrupt]);
    assert_eq!(record.texts.len(), 1);
    let (field, text) = &record.texts[0];
    assert_eq!(field.as_deref(), Some("header"));
    assert!(text.ends_with(r#"},"hub_token":"hf_x"}"#), "{text}");

    let record = Record::of(&file(br#"{"a":"b"} trailing"#, 0));
    assert_eq!(record.fields(), [("a", "b")]);
    assert_eq!(record.kinds(), [NoticeKind::Corrupt]);
    assert_eq!(record.texts[0].1, "trailing");
}

#[test]
fn a_header_that_is_not_an_object() {
    let record = Record::of(&file(br#"["hf_a", "b"] "#, 0));
    assert_eq!(record.fields(), [("[0]", "hf_a"), ("[1]", "b")]);
    assert_eq!(
        record.message(NoticeKind::Corrupt),
        "header is JSON but not an object: not a safetensors header"
    );
}

fn field_map(record: &Record) -> BTreeMap<&str, &str> {
    record
        .fields
        .iter()
        .map(|(p, v)| (p.as_str(), v.as_str()))
        .collect()
}

#[test]
fn leaky_fixture() {
    let record = Record::of(include_bytes!(
        "../../tests/fixtures/models/leaky.safetensors"
    ));
    let fields = field_map(&record);
    assert_eq!(record.fields.len(), 4);
    assert_eq!(fields["__metadata__.format"], "pt");
    assert_eq!(
        fields["__metadata__.source"],
        "/home/asmith/project/checkpoints/run-17/model.pt"
    );
    assert_eq!(
        fields["__metadata__.endpoint"],
        "http://model-builder.internal.corp:8080/v1/upload"
    );
    // Drawn at random when the fixture was written: check its shape.
    let token = fields["__metadata__.hub_token"];
    let letters = token.strip_prefix("hf_").unwrap();
    assert_eq!(letters.len(), 34);
    assert!(letters.bytes().all(|b| b.is_ascii_alphabetic()));
    assert_eq!(record.kinds(), [NoticeKind::Skipped]);
    assert_eq!(
        record.message(NoticeKind::Skipped),
        "2 tensors (54 bytes of tensor data) not read"
    );
}

#[test]
fn clean_fixture() {
    let record = Record::of(include_bytes!(
        "../../tests/fixtures/models/clean.safetensors"
    ));
    assert_eq!(record.fields(), [("__metadata__.format", "pt")]);
    assert_eq!(
        record.message(NoticeKind::Skipped),
        "2 tensors (54 bytes of tensor data) not read"
    );
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let record = Record::of(&bytes);
        prop_assert!(record.notices.len() <= 2);
    }

    #[test]
    fn arbitrary_headers_never_panic(header in "[{}\\[\\]\":,a-z0-9_ .\\\\-]{0,200}") {
        let record = Record::of(&file(header.as_bytes(), 8));
        prop_assert!(!record.notices.is_empty());
        let reported: usize = record.fields.iter().map(|(_, v)| v.len()).sum();
        prop_assert!(reported <= header.len());
    }

    #[test]
    fn mutated_headers_never_panic(index in 0..HEADER.len(), byte in any::<u8>()) {
        let mut header = HEADER.as_bytes().to_vec();
        header[index] = byte;
        let record = Record::of(&file(&header, 20));
        prop_assert!(!record.notices.is_empty());
    }
}
