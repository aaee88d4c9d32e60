use proptest::prelude::*;

use super::*;
use crate::limits::Limits;
use crate::protobuf::testing::{Msg, Recorder};

const LEAKY: &[u8] = include_bytes!("../../tests/fixtures/wandb/leaky.wandb");

/// Lays `records` out as W&B does: the header, then 32 KiB blocks of
/// framed fragments, a block's tail too short for a frame padded with zeros.
fn log(records: &[Vec<u8>]) -> Vec<u8> {
    let mut out = HEADER.to_vec();
    for record in records {
        let mut rest = &record[..];
        let mut first = true;
        loop {
            let left = (BLOCK - out.len() as u64 % BLOCK) as usize;
            if left < FRAME as usize {
                out.resize(out.len() + left, 0);
                continue;
            }
            let take = rest.len().min(left - FRAME as usize);
            let last = take == rest.len();
            let kind = match (first, last) {
                (true, true) => FULL,
                (true, false) => FIRST,
                (false, true) => LAST,
                (false, false) => MIDDLE,
            };
            out.extend_from_slice(&frame(kind, &rest[..take]));
            rest = &rest[take..];
            first = false;
            if last {
                break;
            }
        }
    }
    out
}

fn frame(kind: u8, data: &[u8]) -> Vec<u8> {
    let mut out = crc32(crc32(0, &[kind]), data).to_le_bytes().to_vec();
    out.extend_from_slice(&(data.len() as u16).to_le_bytes());
    out.push(kind);
    out.extend_from_slice(data);
    out
}

fn run_with(data: &[u8], limits: Limits, max_records: u64) -> Recorder {
    let mut recorder = Recorder::default();
    read_records(
        &mut &data[..],
        &mut recorder,
        &Budget::new(limits),
        max_records,
    );
    recorder
}

fn run(data: &[u8]) -> Recorder {
    run_with(data, Limits::default(), MAX_RECORDS)
}

/// A `ConfigItem` / `SummaryItem`: key 1, value_json 16.
fn item(key: &str, json: &str) -> Msg {
    Msg::new().str(1, key).str(16, json)
}

fn config(items: &[Msg]) -> Msg {
    items.iter().fold(Msg::new(), |m, i| m.msg(1, i))
}

fn sample() -> Vec<Vec<u8>> {
    let info = Msg::new().str(1, "stream-id-1234");
    vec![
        // A header record: the writer's version, not reported.
        Msg::new()
            .uint(1, 1)
            .msg(21, &Msg::new().msg(1, &Msg::new().str(1, "0.31.0")))
            .msg(200, &info)
            .0,
        // The run, with its config.
        Msg::new()
            .msg(
                17,
                &Msg::new()
                    .str(1, "abc123")
                    .str(3, "sentiment")
                    .msg(
                        4,
                        &config(&[
                            item("hub_token", "\"hf_token_value\""),
                            item("lr", "0.001"),
                            item("flag", "true"),
                            item("none", "null"),
                            item("layers", "[64, 32]"),
                            Msg::new()
                                .str(2, "optimizer")
                                .str(2, "name")
                                .str(16, "\"adam\""),
                        ]),
                    )
                    .str(9, "trained on s3://acme-training-data/raw/")
                    .msg(
                        21,
                        &Msg::new().str(1, "https://github.com/acme/private.git"),
                    )
                    .msg(200, &info),
            )
            .0,
        // Console output.
        Msg::new()
            .msg(
                4,
                &Msg::new().uint(1, 0).str(3, "AWS_SECRET_ACCESS_KEY=abc\n"),
            )
            .0,
        Msg::new().msg(13, &Msg::new().str(3, "second line\r\n")).0,
        // A summary, and history.
        Msg::new()
            .msg(
                3,
                &config(&[item("endpoint", "\"http://model-builder.internal.corp\"")]),
            )
            .0,
        Msg::new()
            .msg(
                2,
                &Msg::new()
                    .msg(1, &item("_step", "3"))
                    .msg(1, &Msg::new().str(1, "note").str(7, "plain text")),
            )
            .0,
        // The environment, files, an artifact.
        Msg::new()
            .msg(
                26,
                &Msg::new()
                    .str(13, "asmith")
                    .str(10, "asmith@acme-corp.com")
                    .str(12, "gpu-node-7")
                    .msg(9, &Msg::new().str(1, "git@github.com:acme/x.git")),
            )
            .0,
        Msg::new()
            .msg(
                6,
                &Msg::new().msg(1, &Msg::new().str(1, "wandb-metadata.json").uint(2, 1)),
            )
            .0,
        Msg::new()
            .msg(
                8,
                &Msg::new().str(5, "dataset").msg(
                    12,
                    &Msg::new().msg(
                        4,
                        &Msg::new().str(1, "a.csv").str(3, "s3://acme-data/a.csv"),
                    ),
                ),
            )
            .0,
        // A request no schema names: walked by numbers.
        Msg::new()
            .msg(
                100,
                &Msg::new().msg(
                    11,
                    &Msg::new().msg(1, &Msg::new().str(9, "hidden note").str(2, "ab")),
                ),
            )
            .0,
    ]
}

fn fields(got: &Recorder) -> Vec<(&str, &str)> {
    got.fields
        .iter()
        .map(|(p, v)| (p.as_str(), v.as_str()))
        .collect()
}

#[test]
fn reads_known_records_by_name_and_others_by_number() {
    let got = run(&log(&sample()));
    assert!(got.notices.is_empty(), "{:?}", got.notices);
    assert_eq!(
        fields(&got),
        [
            ("run/run_id", "abc123"),
            ("run/project", "sentiment"),
            ("config/hub_token", "hf_token_value"),
            ("config/layers", "[64, 32]"),
            ("config/optimizer/name", "adam"),
            ("run/notes", "trained on s3://acme-training-data/raw/"),
            ("run/git/remote_url", "https://github.com/acme/private.git"),
            ("output[0]", "AWS_SECRET_ACCESS_KEY=abc"),
            ("output[1]", "second line"),
            ("summary/endpoint", "http://model-builder.internal.corp"),
            ("history/note", "plain text"),
            ("environment/username", "asmith"),
            ("environment/email", "asmith@acme-corp.com"),
            ("environment/host", "gpu-node-7"),
            ("environment/git/remote_url", "git@github.com:acme/x.git"),
            ("files/path", "wandb-metadata.json"),
            ("artifact/name", "dataset"),
            ("artifact/manifest/contents/path", "a.csv"),
            ("artifact/manifest/contents/ref", "s3://acme-data/a.csv"),
            ("record[9]/100/11/1/9", "hidden note"),
        ]
    );
}

#[test]
fn reads_a_real_offline_run() {
    let got = run(LEAKY);
    assert!(got.notices.is_empty(), "{:?}", got.notices);
    let token = got.field("config/hub_token").unwrap();
    assert!(token.starts_with("hf_") && token.len() == 37, "{token}");
    assert_eq!(
        got.field("config/data_dir"),
        Some("/home/asmith/project/data")
    );
    assert_eq!(got.field("config/lr"), None);
    assert_eq!(got.field("run/project"), Some("sentiment"));
    assert_eq!(got.field("run/display_name"), Some("debug-run"));
    assert_eq!(got.field("run/host"), Some("gpu-node-7.corp"));
    assert_eq!(
        got.field("run/notes"),
        Some("trained on s3://acme-training-data/raw-images/")
    );
    assert_eq!(
        got.field("summary/endpoint"),
        Some("http://model-builder.internal.corp:8080/v1/upload")
    );
    assert_eq!(got.field("history/sample"), Some("first epoch done"));
    let output = got
        .fields
        .iter()
        .find(|(p, _)| p.starts_with("output["))
        .map(|(_, v)| v.as_str())
        .unwrap();
    assert!(output.starts_with("AWS_ACCESS_KEY_ID=AKIA"), "{output}");
    assert!(output.contains(" AWS_SECRET_ACCESS_KEY="), "{output}");
    // The 40 KB note was cut across two blocks and put back together.
    let note = got.text("summary/long_note").unwrap();
    assert_eq!(note.len(), 15 * 2700);
}

#[test]
fn a_record_cut_across_many_blocks_is_put_back_together() {
    let long = "x".repeat(100_000);
    let records = vec![
        Msg::new().str(1 << 10, "before").0,
        Msg::new()
            .msg(3, &config(&[item("big", &format!("\"{long}\""))]))
            .0,
        Msg::new().msg(3, &config(&[item("after", "\"yes\"")])).0,
    ];
    let data = log(&records);
    assert!(data.len() > 3 * BLOCK as usize);
    let got = run(&data);
    assert!(got.notices.is_empty(), "{:?}", got.notices);
    assert_eq!(got.field("summary/big").map(str::len), Some(100_000));
    assert_eq!(got.field("summary/after"), Some("yes"));
}

#[test]
fn a_record_larger_than_max_segment_is_skipped_and_the_rest_read() {
    let records = vec![
        Msg::new()
            .msg(
                3,
                &config(&[item("big", &format!("\"{}\"", "y".repeat(50_000)))]),
            )
            .0,
        Msg::new().msg(3, &config(&[item("after", "\"yes\"")])).0,
    ];
    let limits = Limits {
        max_segment: 1000,
        ..Limits::default()
    };
    let got = run_with(&log(&records), limits, MAX_RECORDS);
    assert_eq!(fields(&got), [("summary/after", "yes")]);
    assert_eq!(got.count(NoticeKind::Limit), 1, "{:?}", got.notices);
    assert!(
        got.notices[0].message.contains("record 0"),
        "{:?}",
        got.notices
    );
}

#[test]
fn records_past_the_limit_are_not_read() {
    let got = run_with(&log(&sample()), Limits::default(), 2);
    assert_eq!(got.count(NoticeKind::Limit), 1, "{:?}", got.notices);
    assert!(
        got.fields
            .iter()
            .all(|(p, _)| p.starts_with("run/") || p.starts_with("config/"))
    );
}

#[test]
fn zero_padding_ends_a_block() {
    // A writer that preallocated: zeros from a frame to the end of block 0.
    let mut data = log(&sample()[..2]);
    data.resize(BLOCK as usize, 0);
    data.extend_from_slice(&frame(
        FULL,
        &Msg::new().msg(3, &config(&[item("k", "\"next block\"")])).0,
    ));
    let got = run(&data);
    assert!(got.notices.is_empty(), "{:?}", got.notices);
    assert_eq!(got.field("summary/k"), Some("next block"));
}

#[test]
fn every_truncation_is_a_notice_after_what_was_found() {
    let records = sample();
    let data = log(&records);
    // A log cut where a record ends is a whole log.
    let ends: Vec<usize> = (1..=records.len())
        .map(|n| log(&records[..n]).len())
        .collect();
    let full = run(&data).fields.len();
    for len in 0..data.len() {
        let got = run(&data[..len]);
        assert!(got.fields.len() <= full);
        if len > HEADER.len() && !ends.contains(&len) {
            assert_eq!(
                got.count(NoticeKind::Corrupt),
                1,
                "prefix {len}: {:?}",
                got.notices
            );
        }
    }
    assert_eq!(run(&data[..HEADER.len()]).notices.len(), 0);
    for len in (0..LEAKY.len()).step_by(331) {
        let got = run(&LEAKY[..len]);
        assert_eq!(
            got.count(NoticeKind::Corrupt),
            1,
            "prefix {len}: {:?}",
            got.notices
        );
    }
}

#[test]
fn damaged_frames_are_corrupt() {
    let data = log(&sample());
    // A flipped bit anywhere after the header breaks a checksum or a frame.
    for at in HEADER.len()..data.len() {
        let mut damaged = data.clone();
        damaged[at] ^= 0x10;
        let got = run(&damaged);
        assert_eq!(
            got.count(NoticeKind::Corrupt),
            1,
            "byte {at}: {:?}",
            got.notices
        );
    }
}

#[test]
fn bad_headers_and_frames() {
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"not a run file at all".to_vec(), "does not start with"),
        (b":W&B\xe1".to_vec(), "does not start with"),
        (
            b":W&B\xe1\xbe".to_vec(),
            "truncated inside the 7-byte file header",
        ),
        (
            {
                let mut d = HEADER.to_vec();
                d.extend_from_slice(&frame(MIDDLE, b"xx"));
                d
            },
            "start is missing",
        ),
        (
            {
                let mut d = HEADER.to_vec();
                d.extend_from_slice(&frame(FIRST, b"xx"));
                d.extend_from_slice(&frame(FULL, b"xx"));
                d
            },
            "before the one cut across blocks",
        ),
        (
            {
                let mut d = HEADER.to_vec();
                d.extend_from_slice(&frame(FIRST, &Msg::new().str(1, "x").0));
                d
            },
            "file ends before its last part",
        ),
        (
            {
                let mut d = HEADER.to_vec();
                d.extend_from_slice(&frame(9, b"xx"));
                d
            },
            "type 9",
        ),
        (
            {
                // A fragment declaring 65535 bytes: more than its block holds.
                let mut d = HEADER.to_vec();
                d.extend_from_slice(&[0, 0, 0, 0, 0xff, 0xff, FULL]);
                d
            },
            "declares 65535 bytes",
        ),
        (
            {
                // Bytes that are not a protobuf message, framed with a valid checksum.
                let mut d = HEADER.to_vec();
                d.extend_from_slice(&frame(FULL, &[0x0f, 0xff]));
                d
            },
            "record 0 at byte 7",
        ),
    ];
    for (data, message) in cases {
        let got = run(&data);
        assert_eq!(got.notices.len(), 1, "{data:?}: {:?}", got.notices);
        assert_eq!(got.notices[0].kind, NoticeKind::Corrupt, "{data:?}");
        assert!(
            got.notices[0].message.contains(message),
            "{:?}",
            got.notices
        );
    }
    let mut other_version = HEADER.to_vec();
    other_version[6] = 1;
    let got = run(&other_version);
    assert_eq!(got.count(NoticeKind::Unsupported), 1, "{:?}", got.notices);
}

#[test]
fn hostile_nesting_and_lengths_in_records() {
    // Unknown fields nested 200 deep: walked a few levels, no deeper.
    let mut deep = Msg::new().str(1, "deepest string");
    for _ in 0..200 {
        deep = Msg::new().msg(1, &deep);
    }
    let got = run(&log(&[Msg::new().msg(100, &deep).0]));
    assert!(got.fields.is_empty(), "{:?}", got.fields);
    // A known field declaring 2^63 bytes.
    let hostile = Msg::new().hostile_len(17, 1 << 63).0;
    let got = run(&log(&[hostile]));
    assert_eq!(got.count(NoticeKind::Corrupt), 1, "{:?}", got.notices);
    // Invalid UTF-8 in a key and a value.
    let odd = Msg::new()
        .msg(
            5,
            &Msg::new().msg(1, &Msg::new().bytes(1, b"k\xffey").bytes(16, b"\"\xff\"")),
        )
        .0;
    let got = run(&log(&[odd]));
    assert_eq!(got.fields.len(), 1, "{got:?}");
    assert_eq!(got.fields[0].0, "config/k\u{fffd}ey");
}

#[test]
fn json_values() {
    assert!(matches!(json_text_of("\"a\\nb\""), Some(s) if s == "a\nb"));
    assert!(json_text_of("12.5").is_none());
    assert!(json_text_of(" false").is_none());
    assert!(json_text_of("null").is_none());
    assert_eq!(json_text_of("{\"a\": 1}").as_deref(), Some("{\"a\": 1}"));
    assert_eq!(json_text_of("NaN").as_deref(), Some("NaN"));
    assert_eq!(
        json_text_of("\"unterminated").as_deref(),
        Some("\"unterminated")
    );
}

fn json_text_of(raw: &str) -> Option<String> {
    let records = vec![Msg::new().msg(3, &config(&[item("k", raw)])).0];
    let got = run(&log(&records));
    got.field("summary/k")
        .or_else(|| got.text("summary/k"))
        .map(str::to_owned)
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..1024)) {
        let mut data = HEADER.to_vec();
        data.extend_from_slice(&body);
        let got = run(&data);
        prop_assert!(got.notices.len() <= 4);
    }

    #[test]
    fn arbitrary_framed_records_never_panic(
        records in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 0..8),
    ) {
        let got = run(&log(&records));
        let reported: usize = got.fields.iter().map(|(_, v)| v.len()).sum();
        prop_assert!(reported <= records.iter().map(Vec::len).sum::<usize>() * 3);
    }
}
