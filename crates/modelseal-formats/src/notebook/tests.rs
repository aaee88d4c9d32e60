use std::io::Read;

use proptest::prelude::*;

use super::*;
use crate::limits::Limits;
use crate::visitor::Blob;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Event {
    Text(String, String),
    Field(String, String),
    Notice(NoticeKind, String),
}
use Event::{Field, Notice as Note, Text};

#[derive(Default)]
struct Record(Vec<Event>);

impl Visitor for Record {
    fn text(&mut self, field: Option<&str>, text: &mut dyn Read) {
        let mut content = Vec::new();
        text.read_to_end(&mut content).unwrap();
        self.0.push(Text(
            field.unwrap_or("<whole>").to_owned(),
            String::from_utf8_lossy(&content).into_owned(),
        ));
    }
    fn field(&mut self, path: &str, value: &[u8]) {
        self.0.push(Field(
            path.to_owned(),
            String::from_utf8_lossy(value).into_owned(),
        ));
    }
    fn member(&mut self, name: &str, _blob: Blob<'_>, _size: Option<u64>) {
        panic!("a notebook has no members ({name})");
    }
    fn notice(&mut self, notice: Notice) {
        self.0.push(Note(notice.kind, notice.message));
    }
}

impl Record {
    fn notices(&self) -> Vec<NoticeKind> {
        self.0
            .iter()
            .filter_map(|e| match e {
                Note(kind, _) => Some(*kind),
                _ => None,
            })
            .collect()
    }
}

fn read_with(data: &[u8], limits: Limits) -> Record {
    let mut record = Record::default();
    read("x.ipynb", &mut &data[..], &mut record, &Budget::new(limits));
    record
}

fn read_all(data: &[u8]) -> Record {
    read_with(data, Limits::default())
}

fn text(path: &str, content: &str) -> Event {
    Text(path.to_owned(), content.to_owned())
}

fn field(path: &str, value: &str) -> Event {
    Field(path.to_owned(), value.to_owned())
}

const LEAKY: &[u8] = include_bytes!("../../tests/fixtures/notebooks/leaky.ipynb");
const CLEAN: &[u8] = include_bytes!("../../tests/fixtures/notebooks/clean.ipynb");

/// Replaces the fixture's random secrets with `{aws}` and `{hub}` after
/// checking their shape, so the expected events can be written down.
fn mask(events: &[Event]) -> Vec<Event> {
    const KEY: &str = "AWS_SECRET_ACCESS_KEY=";
    events
        .iter()
        .map(|event| match event {
            Field(path, value) if path.ends_with(".hub_token") => {
                let body = value.strip_prefix("hf_").expect("an hf_ token");
                assert_eq!(body.len(), 34);
                assert!(body.bytes().all(|b| b.is_ascii_alphabetic()));
                field(path, "{hub}")
            }
            Text(path, content) if content.contains(KEY) => {
                let start = content.find(KEY).unwrap() + KEY.len();
                let secret = &content[start..start + 40];
                assert!(
                    secret
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/'),
                    "the secret is whole once colour codes are gone: {secret:?}"
                );
                text(path, &content.replace(secret, "{aws}"))
            }
            other => other.clone(),
        })
        .collect()
}

#[test]
fn leaky_fixture() {
    let record = read_all(LEAKY);
    let widget = "metadata.widgets.application/vnd.jupyter.widget-state+json.state.a1b2";
    let expected = [
        text(
            "cells[0].source",
            "# Training run\n\n![loss](attachment:loss.png)",
        ),
        text(
            "cells[1].source",
            "import os\n\nfor key in (\"HOME\", \"PWD\", \"USER\"):\n    print(key, os.environ[key])",
        ),
        text(
            "cells[1].outputs[0].text",
            "HOME /home/asmith\nPWD /home/asmith/project\nUSER asmith\n",
        ),
        field("cells[1].metadata.hub_token", "{hub}"),
        field("cells[1].metadata.tags[0]", "setup"),
        text(
            "cells[2].source",
            "from project import check_credentials\n\ncheck_credentials(os.environ)",
        ),
        field(
            "cells[2].outputs[0].evalue",
            "rejected credentials for profile training",
        ),
        text(
            "cells[2].outputs[0].traceback",
            &[
                "-".repeat(75).as_str(),
                "PermissionError                           Traceback (most recent call last)",
                "Cell In[2], line 3",
                "      1 from project import check_credentials",
                "----> 3 check_credentials(os.environ)",
                "",
                "PermissionError: rejected AWS_SECRET_ACCESS_KEY={aws} for profile training",
            ]
            .join("\n"),
        ),
        text("cells[3].source", "summary"),
        text(
            "cells[3].outputs[0].data.application/json",
            "{\n  \"dataset\": \"s3://acme-training-data/raw-images/\",\n  \"rows\": 1200\n}",
        ),
        text(
            "cells[3].outputs[0].data.text/plain",
            "{'dataset': 's3://acme-training-data/raw-images/', 'rows': 1200}",
        ),
        text(
            "cells[3].outputs[1].data.text/plain",
            "<Figure size 640x480 with 1 Axes>",
        ),
        field("metadata.kernelspec.display_name", "Python 3 (ipykernel)"),
        field("metadata.kernelspec.language", "python"),
        field("metadata.kernelspec.name", "python3"),
        field("metadata.language_info.name", "python"),
        field("metadata.language_info.version", "3.11.7"),
        field(
            &format!("{widget}.model_module"),
            "@jupyter-widgets/controls",
        ),
        field(&format!("{widget}.model_module_version"), "2.0.0"),
        field(&format!("{widget}.model_name"), "TextModel"),
        field(
            &format!("{widget}.state.value"),
            "s3://acme-training-data/raw-images/",
        ),
        Note(
            NoticeKind::Skipped,
            "2 image(s) or other binary output(s) and attachment(s) not read: they hold base64 data, not text".to_owned(),
        ),
    ];
    assert_eq!(mask(&record.0), expected);
}

#[test]
fn clean_fixture() {
    let record = read_all(CLEAN);
    assert_eq!(
        record.0,
        [
            text("cells[0].source", "# Arithmetic"),
            text("cells[1].source", "print(1 + 1)"),
            text("cells[1].outputs[0].text", "2\n"),
            field("metadata.kernelspec.display_name", "Python 3 (ipykernel)"),
            field("metadata.kernelspec.language", "python"),
            field("metadata.kernelspec.name", "python3"),
        ]
    );
}

#[test]
fn nbformat_3_worksheets() {
    let notebook = br#"{
      "metadata": {"name": "old", "signature": "sha256:abc"},
      "nbformat": 3, "nbformat_minor": 0,
      "worksheets": [{
        "metadata": {},
        "cells": [
          {"cell_type": "heading", "level": 1, "metadata": {}, "source": ["Old notebook"]},
          {"cell_type": "code", "collapsed": false, "language": "python", "prompt_number": 1,
           "metadata": {}, "input": ["x = 1\n", "x"],
           "outputs": [
             {"output_type": "pyout", "prompt_number": 1, "metadata": {},
              "text": ["1"], "html": ["<b>1</b>"], "png": "iVBORw0KGgo="},
             {"output_type": "stream", "stream": "stdout", "text": ["\u001b[31mred\u001b[0m\n"]},
             {"output_type": "pyerr", "ename": "ValueError", "evalue": "bad \u001b[1mvalue\u001b[0m",
              "traceback": ["line one", "line two"]}
           ]}
        ]
      }]
    }"#;
    let record = read_all(notebook);
    assert_eq!(
        record.0,
        [
            text("worksheets[0].cells[0].source", "Old notebook"),
            text("worksheets[0].cells[1].input", "x = 1\nx"),
            text("worksheets[0].cells[1].outputs[0].html", "<b>1</b>"),
            text("worksheets[0].cells[1].outputs[0].text", "1"),
            text("worksheets[0].cells[1].outputs[1].text", "red\n"),
            field("worksheets[0].cells[1].outputs[2].evalue", "bad value"),
            text(
                "worksheets[0].cells[1].outputs[2].traceback",
                "line one\nline two"
            ),
            field("metadata.name", "old"),
            field("metadata.signature", "sha256:abc"),
            Note(
                NoticeKind::Skipped,
                "1 image(s) or other binary output(s) and attachment(s) not read: they hold base64 data, not text".to_owned()
            ),
        ]
    );
}

#[test]
fn source_as_string_or_list_and_odd_shapes() {
    let notebook = br#"{
      "nbformat": 4, "nbformat_minor": 5, "metadata": {},
      "cells": [
        {"cell_type": "code", "metadata": {}, "outputs": [], "source": "a = 1\nb = 2"},
        {"cell_type": "raw", "metadata": {}, "source": ["one\n", 7, "two"]},
        {"cell_type": "code", "metadata": {"custom": {"deep": [{"url": "http://model-builder.internal.corp:8080"}]}},
         "outputs": "not a list", "source": ""},
        "not a cell",
        {"cell_type": "code", "metadata": {}, "source": [], "outputs": [
          {"output_type": "display_data", "metadata": {"filenames": {"image/svg+xml": "/home/asmith/plot.svg"}},
           "data": {"image/svg+xml": ["<svg>", "</svg>"], "application/vnd.custom+json": {"token": "value"},
                    "text/markdown": "**bold**", "image/jpeg": "AAAA", "application/pdf": "JVBE"}},
          "not an output"
        ], "attachments": {"notes.txt": {"text/plain": "attached note"}}, "extra": "custom value"}
      ],
      "custom_top": {"owner": "asmith@example.com"}
    }"#;
    let record = read_all(notebook);
    assert_eq!(
        record.0,
        [
            text("cells[0].source", "a = 1\nb = 2"),
            text("cells[1].source", "one\ntwo"),
            field("cells[2].outputs", "not a list"),
            field(
                "cells[2].metadata.custom.deep[0].url",
                "http://model-builder.internal.corp:8080"
            ),
            field("cells[3]", "not a cell"),
            text(
                "cells[4].outputs[0].data.application/vnd.custom+json",
                "{\n  \"token\": \"value\"\n}"
            ),
            text("cells[4].outputs[0].data.image/svg+xml", "<svg></svg>"),
            text("cells[4].outputs[0].data.text/markdown", "**bold**"),
            field(
                "cells[4].outputs[0].metadata.filenames.image/svg+xml",
                "/home/asmith/plot.svg"
            ),
            field("cells[4].outputs[1]", "not an output"),
            text("cells[4].attachments.notes.txt.text/plain", "attached note"),
            field("cells[4].extra", "custom value"),
            field("custom_top.owner", "asmith@example.com"),
            Note(
                NoticeKind::Skipped,
                "2 image(s) or other binary output(s) and attachment(s) not read: they hold base64 data, not text".to_owned()
            ),
        ]
    );
}

#[test]
fn unknown_nbformat_is_read_with_a_notice() {
    let record = read_all(br#"{"nbformat": 5, "cells": [{"source": "x"}]}"#);
    assert_eq!(record.notices(), [NoticeKind::Unsupported]);
    assert!(record.0.contains(&text("cells[0].source", "x")));
}

#[test]
fn invalid_json_is_corrupt_with_line_and_column_then_plain_text() {
    let data = b"{\n \"cells\": [\n<<<<<<< HEAD\n  password = hunter2\n";
    let record = read_all(data);
    let Note(NoticeKind::Corrupt, message) = &record.0[0] else {
        panic!("{:?}", record.0);
    };
    assert!(message.contains("line 3 column 1"), "{message}");
    assert_eq!(
        record.0[1],
        text("<whole>", std::str::from_utf8(data).unwrap())
    );
    assert_eq!(record.0.len(), 2);
}

#[test]
fn every_prefix_is_corrupt_and_scanned_as_text() {
    let end = LEAKY.iter().rposition(|&b| b == b'}').unwrap() + 1;
    for len in 0..LEAKY.len() {
        let record = read_all(&LEAKY[..len]);
        if len < end {
            assert_eq!(
                record.notices(),
                [NoticeKind::Corrupt],
                "prefix of {len} bytes"
            );
            assert_eq!(record.0.len(), 2, "prefix of {len} bytes");
        } else {
            assert_eq!(
                record.notices(),
                [NoticeKind::Skipped],
                "prefix of {len} bytes"
            );
        }
    }
}

#[test]
fn larger_than_max_segment_is_not_parsed_but_scanned_whole() {
    let limits = Limits {
        max_segment: 100,
        ..Limits::default()
    };
    let record = read_with(LEAKY, limits);
    let Note(NoticeKind::Limit, message) = &record.0[0] else {
        panic!("{:?}", record.0);
    };
    assert!(message.contains("not even its first part"), "{message}");
    assert_eq!(
        record.0[1],
        text("<whole>", std::str::from_utf8(LEAKY).unwrap())
    );
    assert_eq!(record.0.len(), 2);
}

#[test]
fn not_an_object_is_corrupt() {
    let record = read_all(b"[1, 2, 3]");
    assert_eq!(record.notices(), [NoticeKind::Corrupt]);
}

#[test]
fn invalid_utf8_is_corrupt() {
    let record = read_all(b"{\"cells\": [{\"source\": \"key=\xff\"}]}");
    assert_eq!(record.notices(), [NoticeKind::Corrupt]);
    assert_eq!(record.0.len(), 2);
}

#[test]
fn deep_nesting_does_not_overflow() {
    let mut deep = b"{\"metadata\": ".to_vec();
    deep.extend(std::iter::repeat_n(b'[', 100_000));
    let record = read_all(&deep);
    assert_eq!(record.notices(), [NoticeKind::Corrupt]);

    // As deep as serde_json goes: every string still found.
    let mut nested = String::from("{\"metadata\": ");
    for _ in 0..120 {
        nested.push_str("{\"k\": ");
    }
    nested.push_str("\"deep value\"");
    nested.push_str(&"}".repeat(121));
    let record = read_all(nested.as_bytes());
    assert_eq!(record.notices(), []);
    let [Field(path, value)] = &record.0[..] else {
        panic!("{:?}", record.0);
    };
    assert_eq!(value, "deep value");
    assert!(path.starts_with("metadata.k.k.k"));
}

#[test]
fn long_keys_cannot_make_long_paths() {
    let key = "k".repeat(10_000);
    let notebook =
        format!("{{\"metadata\": {{\"{key}\": {{\"{key}\": {{\"inner\": \"value\"}}}}}}}}");
    let record = read_all(notebook.as_bytes());
    let [Field(path, value)] = &record.0[..] else {
        panic!("{:?}", record.0);
    };
    assert_eq!(value, "value");
    assert!(
        path.len() <= MAX_PATH + "….inner".len() + 4,
        "{}",
        path.len()
    );
}

#[test]
fn deeply_nested_json_output_cannot_blow_up_when_indented() {
    // 120 levels of arrays, many times over: indented, each bracket would
    // take a line of up to 240 spaces.
    let group = format!("{}{}", "[".repeat(120), "]".repeat(120));
    let groups = vec![group; 2_000].join(",");
    let notebook = format!(
        "{{\"cells\": [{{\"outputs\": [{{\"data\": {{\"application/json\": [{groups}]}}}}]}}]}}"
    );
    let record = read_all(notebook.as_bytes());
    assert_eq!(record.notices(), [NoticeKind::Limit]);
}

#[test]
fn long_paths_over_many_short_strings_are_bounded() {
    let deep_key = "k".repeat(400);
    let strings = vec!["\"ab\""; 200_000].join(",");
    let notebook = format!("{{\"metadata\": {{\"{deep_key}\": [{strings}]}}}}");
    let record = read_all(notebook.as_bytes());
    assert_eq!(record.notices(), [NoticeKind::Limit]);
    let reported: usize = record
        .0
        .iter()
        .map(|e| match e {
            Field(p, v) | Text(p, v) => p.len() + v.len(),
            Note(..) => 0,
        })
        .sum();
    assert!(reported as u64 <= 16 * notebook.len() as u64 + (1 << 20));
}

/// What any input may make the reader report: a few notices, text and
/// values made of the notebook's own bytes (unescaped and cleaned, so never
/// longer than a lossy UTF-8 view of the input: three bytes per input byte),
/// short paths, and no more in all than the reporting allowance.
fn assert_bounded(record: &Record, input: &[u8]) -> Result<(), TestCaseError> {
    prop_assert!(record.notices().len() <= 2, "{:?}", record.notices());
    crate::protobuf::testing::values_within_bounds(
        record.0.iter().filter_map(|event| match event {
            Field(path, value) | Text(path, value) => Some((path.as_str(), value.as_str())),
            Note(..) => None,
        }),
        input,
    )
}

proptest! {
    #[test]
    fn arbitrary_bytes_report_within_bounds(data in proptest::collection::vec(any::<u8>(), 0..512)) {
        assert_bounded(&read_all(&data), &data)?;
    }

    #[test]
    fn arbitrary_json_is_read_within_bounds(json in arbitrary_json()) {
        let notebook = format!("{{\"nbformat\": 4, \"cells\": [{json}], \"metadata\": {json}}}");
        let record = read_all(notebook.as_bytes());
        prop_assert!(!record.notices().contains(&NoticeKind::Corrupt));
        assert_bounded(&record, notebook.as_bytes())?;
    }

    #[test]
    fn a_mutated_fixture_reports_within_bounds(index in 0usize..LEAKY.len(), byte in any::<u8>()) {
        let mut data = LEAKY.to_vec();
        data[index] = byte;
        assert_bounded(&read_all(&data), &data)?;
    }
}

/// Random JSON shaped a little like a cell.
fn arbitrary_json() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_owned()),
        any::<i32>().prop_map(|n| n.to_string()),
        "\\PC{0,12}".prop_map(|s| serde_json::to_string(&s).unwrap()),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6)
                .prop_map(|v| format!("[{}]", v.join(","))),
            proptest::collection::vec(
                (
                    prop_oneof![
                        Just("source".to_owned()),
                        Just("outputs".to_owned()),
                        Just("data".to_owned()),
                        Just("text".to_owned()),
                        Just("traceback".to_owned()),
                        Just("metadata".to_owned()),
                        Just("attachments".to_owned()),
                        Just("image/png".to_owned()),
                        "[a-z/]{1,8}",
                    ],
                    inner
                ),
                0..6
            )
            .prop_map(|v| {
                let pairs: Vec<String> = v
                    .into_iter()
                    .map(|(k, v)| format!("{}:{v}", serde_json::to_string(&k).unwrap()))
                    .collect();
                format!("{{{}}}", pairs.join(","))
            }),
        ]
    })
}
