use std::io::{Cursor, Read};

use proptest::prelude::*;
use rusqlite::Connection;

use super::*;
use crate::limits::Limits;

const MLFLOW: &[u8] = include_bytes!("../../tests/fixtures/sqlite/mlflow.db");
const CLEAN: &[u8] = include_bytes!("../../tests/fixtures/sqlite/clean.db");

#[derive(Debug, Default)]
struct Recorder {
    fields: Vec<(String, String)>,
    texts: Vec<(String, String)>,
    notices: Vec<Notice>,
}

impl Recorder {
    fn field(&self, path: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, v)| v.as_str())
    }

    fn count(&self, kind: NoticeKind) -> usize {
        self.notices.iter().filter(|n| n.kind == kind).count()
    }
}

impl Visitor for Recorder {
    fn text(&mut self, field: Option<&str>, text: &mut dyn Read) {
        let mut value = String::new();
        text.read_to_string(&mut value).unwrap();
        self.texts.push((field.unwrap().to_owned(), value));
    }

    fn field(&mut self, path: &str, value: &[u8]) {
        self.fields
            .push((path.to_owned(), String::from_utf8_lossy(value).into_owned()));
    }

    fn member(&mut self, name: &str, _blob: Blob<'_>, _size: Option<u64>) {
        panic!("a database reports no members, got {name}");
    }

    fn notice(&mut self, notice: Notice) {
        self.notices.push(notice);
    }
}

fn run_with(data: &[u8], limits: Limits) -> Recorder {
    let mut recorder = Recorder::default();
    read(
        Blob::Seekable(&mut Cursor::new(data)),
        &mut recorder,
        &Budget::new(limits),
    );
    recorder
}

fn run(data: &[u8]) -> Recorder {
    run_with(data, Limits::default())
}

fn run_stream(data: &[u8], limits: Limits) -> Recorder {
    let mut recorder = Recorder::default();
    read(
        Blob::Stream(&mut &data[..]),
        &mut recorder,
        &Budget::new(limits),
    );
    recorder
}

/// A database built by running `sql` in memory, as the bytes of its file.
fn database(sql: &str) -> Vec<u8> {
    let mut db = Connection::open_in_memory().unwrap();
    db.execute_batch(sql).unwrap();
    db.serialize(MAIN_DB).unwrap().to_vec()
}

#[test]
fn reads_an_mlflow_store() {
    let got = run(MLFLOW);
    assert!(got.notices.is_empty(), "{got:?}");
    assert_eq!(got.field("tags[1].key"), Some("mlflow.user"));
    assert_eq!(got.field("tags[1].mlflow.user"), Some("asmith"));
    assert_eq!(
        got.field("tags[2].mlflow.source.name"),
        Some("/home/asmith/project/train.py")
    );
    let token = got.field("params[3].hub_token").unwrap();
    assert!(token.starts_with("hf_") && token.len() == 37, "{token}");
    assert_eq!(
        got.field("runs[1].source_name"),
        Some("/home/asmith/project/train.py")
    );
    assert!(
        got.field("runs[1].artifact_uri")
            .unwrap()
            .starts_with("s3://acme-training-data/")
    );
    assert_eq!(
        got.field("experiments[0].artifact_location"),
        Some("s3://acme-training-data/mlflow/0")
    );
    // Numbers are not text; the run id is.
    assert!(got.fields.iter().all(|(p, _)| !p.starts_with("metrics[")
        || p.ends_with(".key")
        || p.ends_with(".run_uuid")));
    assert_eq!(
        got.field("alembic_version[1].version_num"),
        Some("4465047574b1")
    );
}

#[test]
fn a_clean_database_reports_its_labels_only() {
    let got = run(CLEAN);
    assert!(got.notices.is_empty(), "{got:?}");
    let paths: Vec<_> = got
        .fields
        .iter()
        .map(|(p, v)| (p.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        paths,
        [
            ("scores[1].label", "positive"),
            ("scores[2].label", "negative"),
            ("scores[3].label", "neutral"),
        ]
    );
}

#[test]
fn a_stream_is_held_in_memory_and_read_alike() {
    let from_stream = run_stream(MLFLOW, Limits::default());
    let from_file = run(MLFLOW);
    assert_eq!(from_stream.fields, from_file.fields);
    assert!(from_stream.notices.is_empty());
}

#[test]
fn a_database_larger_than_max_buffered_is_not_read() {
    let limits = Limits {
        max_buffered: 4096,
        ..Limits::default()
    };
    for got in [run_with(MLFLOW, limits), run_stream(MLFLOW, limits)] {
        assert!(got.fields.is_empty());
        assert_eq!(got.count(NoticeKind::Limit), 1, "{got:?}");
        assert!(got.notices[0].message.contains("max_buffered"), "{got:?}");
    }
}

#[test]
fn text_blobs_multiline_text_and_tables_without_rowid() {
    let data = database(
        "CREATE TABLE notes (body TEXT, raw BLOB, bin BLOB, n INTEGER, f REAL);
         INSERT INTO notes VALUES ('line one\nline two', CAST('token=abc' AS BLOB), x'ff00fe', 7, 1.5);
         CREATE TABLE \"odd \"\"name\" (k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID;
         INSERT INTO \"odd \"\"name\" VALUES ('b', 'second'), ('a', 'first');
         CREATE VIEW everything AS SELECT body FROM notes;
         CREATE TRIGGER never AFTER INSERT ON notes BEGIN SELECT 1; END;",
    );
    let got = run(&data);
    assert!(got.notices.is_empty(), "{got:?}");
    assert_eq!(
        got.texts,
        [("notes[1].body".to_owned(), "line one\nline two".to_owned())]
    );
    assert_eq!(got.field("notes[1].raw"), Some("token=abc"));
    assert_eq!(got.field("notes[1].bin"), None);
    assert_eq!(got.field("odd \"name[0].k"), Some("a"));
    assert_eq!(got.field("odd \"name[1].v"), Some("second"));
    assert!(got.fields.iter().all(|(p, _)| !p.starts_with("everything")));
}

/// `data` with every `from` replaced by `to` (of the same length).
fn patched(data: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = data.to_vec();
    let mut at = 0;
    while let Some(found) = out[at..].windows(from.len()).position(|w| w == from) {
        out[at + found..at + found + to.len()].copy_from_slice(to);
        at += found + from.len();
    }
    out
}

#[test]
fn names_that_are_not_utf8() {
    let data = database(
        "CREATE TABLE good (kXey TEXT, plain TEXT); INSERT INTO good VALUES ('v1', 'v2');
         CREATE TABLE tXb (t TEXT); INSERT INTO tXb VALUES ('hidden');",
    );
    let data = patched(&patched(&data, b"kXey", b"k\xffey"), b"tXb", b"t\xffb");
    let got = run(&data);
    assert_eq!(got.field("good[1].k\u{fffd}ey"), Some("v1"), "{got:?}");
    assert_eq!(got.field("good[1].plain"), Some("v2"));
    assert_eq!(got.count(NoticeKind::Unsupported), 1, "{got:?}");
    assert!(got.notices[0].message.contains("not UTF-8"));
}

#[test]
fn generated_columns_keep_their_names() {
    let data = database(
        "CREATE TABLE g (a TEXT, b TEXT GENERATED ALWAYS AS (a || '!') VIRTUAL, c TEXT);
         INSERT INTO g (a, c) VALUES ('x', 'z');",
    );
    let got = run(&data);
    assert_eq!(got.field("g[1].a"), Some("x"));
    assert_eq!(got.field("g[1].b"), Some("x!"));
    assert_eq!(got.field("g[1].c"), Some("z"));
}

#[test]
fn key_value_tables_name_values_by_their_key() {
    let data = database(
        "CREATE TABLE settings (Key TEXT, VALUE TEXT);
         INSERT INTO settings VALUES ('db_password', 'hunter2'), ('', 'no key'), (NULL, 'null key');",
    );
    let got = run(&data);
    assert_eq!(got.field("settings[1].db_password"), Some("hunter2"));
    assert_eq!(got.field("settings[2].VALUE"), Some("no key"));
    assert_eq!(got.field("settings[3].VALUE"), Some("null key"));
}

#[test]
fn rows_past_the_limit_are_not_read() {
    let data = database(&format!(
        "CREATE TABLE big (t TEXT);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {})
         INSERT INTO big SELECT 'row' || i FROM n;",
        MAX_ROWS + 5
    ));
    let got = run(&data);
    assert_eq!(got.fields.len() as u64, MAX_ROWS);
    assert_eq!(got.count(NoticeKind::Limit), 1, "{:?}", got.notices);
    assert!(got.notices[0].message.contains("rows"));
    assert_eq!(got.notices[0].member.as_deref(), Some("big"));
}

#[test]
fn text_past_max_segment_stops_the_table_and_goes_on_with_the_next() {
    let data = database(
        "CREATE TABLE a (t TEXT); INSERT INTO a VALUES ('0123456789'), ('0123456789'), ('0123456789');
         CREATE TABLE b (t TEXT); INSERT INTO b VALUES ('after');",
    );
    let limits = Limits {
        max_segment: 25,
        ..Limits::default()
    };
    let got = run_with(&data, limits);
    assert_eq!(got.fields.len(), 3, "{got:?}");
    assert_eq!(got.field("b[1].t"), Some("after"));
    assert_eq!(got.count(NoticeKind::Limit), 1, "{got:?}");
}

#[test]
fn a_cell_longer_than_max_segment_is_a_limit() {
    let data = database("CREATE TABLE a (t TEXT); INSERT INTO a VALUES (printf('%.100c', 'x'));");
    let limits = Limits {
        max_segment: 50,
        ..Limits::default()
    };
    let got = run_with(&data, limits);
    assert!(got.fields.is_empty());
    assert_eq!(got.count(NoticeKind::Limit), 1, "{got:?}");
}

#[test]
fn every_truncation_is_a_notice() {
    for len in 0..CLEAN.len() {
        let got = run(&CLEAN[..len]);
        assert!(got.fields.is_empty(), "prefix {len}: {got:?}");
        assert_eq!(got.count(NoticeKind::Corrupt), 1, "prefix {len}: {got:?}");
    }
    for len in (0..MLFLOW.len()).step_by(97) {
        let got = run(&MLFLOW[..len]);
        assert_eq!(got.count(NoticeKind::Corrupt), 1, "prefix {len}: {got:?}");
    }
}

#[test]
fn hostile_headers_are_corrupt() {
    // A page count of 2^32 - 1 and a bogus page size.
    let mut data = CLEAN.to_vec();
    data[28..32].copy_from_slice(&u32::MAX.to_be_bytes());
    let got = run(&data);
    assert_eq!(got.count(NoticeKind::Corrupt), 1, "{got:?}");
    assert!(
        got.notices[0].message.contains("declares 4294967295 pages"),
        "{got:?}"
    );

    let mut data = CLEAN.to_vec();
    data[16..18].copy_from_slice(&1000u16.to_be_bytes());
    let got = run(&data);
    assert_eq!(got.count(NoticeKind::Corrupt), 1, "{got:?}");
}

#[test]
fn damaged_pages_are_corrupt_or_read_without_panic() {
    // Every byte of the schema page and the first table page, flipped.
    for at in 100..CLEAN.len().min(8192) {
        let mut data = CLEAN.to_vec();
        data[at] ^= 0x5a;
        let got = run(&data);
        assert!(got.fields.len() <= 3, "byte {at}: {got:?}");
    }
}

#[test]
fn not_a_database_is_corrupt() {
    let mut data = b"SQLite format 3\0".to_vec();
    data.resize(4096, 0xee);
    let got = run(&data);
    assert_eq!(got.count(NoticeKind::Corrupt), 1, "{got:?}");
}

/// What any input may make the reader report: a few notices, values made
/// of the database's own bytes (a lossy UTF-8 view: at most three bytes per
/// input byte), short paths, nothing as text or member.
fn assert_bounded(got: &Recorder, input: &[u8]) -> Result<(), TestCaseError> {
    prop_assert!(got.notices.len() <= 4, "{:?}", got.notices);
    prop_assert!(got.texts.is_empty(), "{:?}", got.texts);
    crate::protobuf::testing::values_within_bounds(
        got.fields.iter().map(|(p, v)| (p.as_str(), v.as_str())),
        input,
    )
}

proptest! {
    #[test]
    fn arbitrary_pages_report_within_bounds(body in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let mut data = CLEAN[..100].to_vec();
        data.extend_from_slice(&body);
        data.resize(4096, 0);
        assert_bounded(&run(&data), &data)?;
    }

    #[test]
    fn arbitrary_bytes_report_within_bounds(data in proptest::collection::vec(any::<u8>(), 0..600)) {
        assert_bounded(&run(&data), &data)?;
        assert_bounded(&run_stream(&data, Limits::default()), &data)?;
    }
}
