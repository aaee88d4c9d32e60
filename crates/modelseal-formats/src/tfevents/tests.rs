use proptest::prelude::*;

use super::walk::MAX_GRAPH_STRINGS;
use super::*;
use crate::limits::Limits;
use crate::protobuf::testing::{Msg, Recorder};

const NAME: &str = "runs/exp1/events.out.tfevents.1690000000.gpu-node-7.corp.1234.0";

/// One `TFRecord`: length, masked CRC of the length, data, masked CRC of the data.
fn record(data: &[u8]) -> Vec<u8> {
    let len = (data.len() as u64).to_le_bytes();
    let mut out = len.to_vec();
    out.extend_from_slice(&masked_crc(crc32c(0, &len)).to_le_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(&masked_crc(crc32c(0, data)).to_le_bytes());
    out
}

fn file(events: &[Msg]) -> Vec<u8> {
    events.iter().flat_map(|e| record(&e.0)).collect()
}

fn run(data: &[u8]) -> Recorder {
    run_with(NAME, data, Limits::default(), MAX_RECORDS)
}

fn run_with(name: &str, data: &[u8], limits: Limits, max_records: u64) -> Recorder {
    let mut recorder = Recorder::default();
    let mut input = data;
    read_records(
        name,
        &mut input,
        &mut recorder,
        &Budget::new(limits),
        max_records,
    );
    recorder
}

fn fields(got: &Recorder) -> Vec<(&str, &str)> {
    got.fields
        .iter()
        .map(|(p, v)| (p.as_str(), v.as_str()))
        .collect()
}

/// A `google.protobuf.Value` holding a string.
fn string_value(s: &str) -> Msg {
    Msg::new().str(3, s)
}

fn summary(values: &[Msg]) -> Msg {
    values.iter().fold(Msg::new(), |m, v| m.msg(1, v))
}

fn event(step: u64) -> Msg {
    Msg::new()
        .fixed64(1, 1_690_000_000f64.to_bits())
        .uint(2, step)
}

fn plugin(name: &str, content: &Msg) -> Msg {
    Msg::new().msg(1, &Msg::new().str(1, name).msg(2, content))
}

fn sample() -> Vec<Msg> {
    let text = Msg::new()
        .str(1, "notes/text_summary")
        .msg(
            8,
            &Msg::new()
                .uint(1, 7)
                .msg(2, &Msg::new().msg(2, &Msg::new().uint(1, 2)))
                .str(8, "first line")
                .str(8, "two\nlines"),
        )
        .msg(
            9,
            &plugin("text", &Msg::new().uint(1, 0))
                .str(2, "Notes")
                .str(3, "what we ran"),
        );
    let scalar = Msg::new().str(1, "loss").fixed32(2, 0.5f32.to_bits());
    let histogram = Msg::new().str(1, "w").msg(5, &Msg::new().fixed64(1, 0));
    let image = Msg::new()
        .str(1, "img")
        .msg(4, &Msg::new().uint(1, 2).bytes(4, b"\x89PNG..."));
    let audio = Msg::new()
        .str(1, "clip")
        .msg(6, &Msg::new().bytes(4, b"RIFF"));
    let numeric = Msg::new()
        .str(1, "scalar_v2")
        .msg(8, &Msg::new().uint(1, 1).fixed32(5, 1));
    let png_string = Msg::new().str(1, "image_v2").msg(
        8,
        &Msg::new().uint(1, 7).str(8, "64").bytes(8, b"\x89PNG\xff"),
    );
    let nested = Msg::new().msg(
        5,
        &Msg::new().msg(
            1,
            &Msg::new()
                .str(1, "endpoint")
                .msg(2, &string_value("https://x.internal")),
        ),
    );
    let list = Msg::new().msg(
        6,
        &Msg::new()
            .msg(1, &string_value("s3://bucket/a"))
            .msg(1, &Msg::new().fixed64(2, 1)),
    );
    let session_start = Msg::new().uint(1, 0).msg(
        3,
        &Msg::new()
            .msg(
                1,
                &Msg::new().str(1, "lr").msg(2, &Msg::new().fixed64(2, 1)),
            )
            .msg(
                1,
                &Msg::new()
                    .str(1, "hub_token")
                    .msg(2, &string_value("hf_value")),
            )
            .msg(1, &Msg::new().str(1, "cfg").msg(2, &nested))
            .msg(1, &Msg::new().str(1, "paths").msg(2, &list))
            .msg(1, &Msg::new().msg(2, &string_value("keyless")))
            .str(2, "file:///home/asmith/model")
            .str(3, "http://monitor.corp")
            .str(4, "group-a"),
    );
    let experiment = Msg::new().uint(1, 0).msg(
        2,
        &Msg::new()
            .str(1, "exp description")
            .str(2, "asmith")
            .msg(
                4,
                &Msg::new()
                    .str(1, "optimizer")
                    .str(2, "Optimizer")
                    .str(3, "which optimizer")
                    .msg(5, &Msg::new().msg(1, &string_value("adamw"))),
            )
            .msg(
                5,
                &Msg::new()
                    .msg(1, &Msg::new().str(2, "accuracy"))
                    .str(3, "Accuracy")
                    .str(4, "top-1"),
            )
            .str(6, "exp name"),
    );
    let hparams =
        |tag: &str, content: &Msg| Msg::new().str(1, tag).msg(9, &plugin("hparams", content));
    let unknown = Msg::new().str(1, "custom").msg(
        9,
        &plugin(
            "acme_plugin",
            &Msg::new().uint(1, 3).str(2, "token=abcdef123").uint(3, 1),
        ),
    );
    let graph = Msg::new()
        .msg(
            1,
            &Msg::new()
                .str(1, "model/linear")
                .str(2, "aten::linear")
                .str(3, "input")
                .str(4, "/job:worker/replica:0/task:0/device:GPU:0")
                .msg(
                    5,
                    &Msg::new()
                        .str(1, "attr")
                        .msg(2, &Msg::new().str(2, "{ value : 1 }")),
                )
                .msg(
                    5,
                    &Msg::new()
                        .str(1, "_output_shapes")
                        .msg(2, &Msg::new().msg(1, &Msg::new().str(2, "a").str(2, "b"))),
                ),
        )
        .msg(4, &Msg::new().uint(1, 27));
    let meta_graph = Msg::new()
        .msg(
            1,
            &Msg::new()
                .str(4, "serve")
                .str(5, "2.15.0")
                .str(6, "v2.15.0-rc1-8-g6887368d6d4"),
        )
        .msg(2, &Msg::new().msg(1, &Msg::new().str(1, "meta_node")))
        .msg(
            6,
            &Msg::new()
                .msg(1, &Msg::new())
                .str(2, "/home/asmith/vocab.txt"),
        );
    vec![
        event(0).str(3, "brain.Event:2"),
        event(1).msg(5, &summary(&[scalar, histogram, image, audio])),
        event(2).msg(5, &summary(&[text, numeric, png_string])),
        event(3).msg(
            5,
            &summary(&[
                hparams("_hparams_/session_start_info", &session_start),
                hparams("_hparams_/experiment", &experiment),
                unknown,
            ]),
        ),
        event(4).msg(6, &Msg::new().uint(1, 30).str(2, "disk almost full")),
        event(5).msg(
            7,
            &Msg::new()
                .uint(1, 3)
                .str(2, "/home/asmith/ckpt/model.ckpt-5")
                .str(3, "saved"),
        ),
        event(6).msg(8, &Msg::new().str(1, "step_6").bytes(2, &[0; 40])),
        event(7).msg(10, &Msg::new().str(1, "tensorboardX")),
        event(8).msg(4, &graph),
        event(9).msg(9, &meta_graph),
    ]
}

#[test]
fn crc32c_matches_the_standard_check_value() {
    // CRC-32C of "123456789" is 0xE3069283 (the catalogued check value).
    assert_eq!(crc32c(0, b"123456789"), 0xE306_9283);
    assert_eq!(crc32c(crc32c(0, b"1234"), b"56789"), 0xE306_9283);
    assert_eq!(crc32c(0, b""), 0);
    assert_eq!(masked_crc(0), 0xa282_ead8);
}

#[test]
fn hostname_comes_from_the_last_part_of_the_name() {
    for (name, host) in [
        (NAME, Some("gpu-node-7.corp")),
        ("events.out.tfevents.1690000000.box.1.2", Some("box")),
        ("events.out.tfevents.1690000000.box.1.2.v2", Some("box")),
        // tensorboardX leaves out the pid and counter.
        (
            "events.out.tfevents.1690000000.gpu-node-7.corp",
            Some("gpu-node-7.corp"),
        ),
        (
            "a\\b\\events.out.tfevents.1690000000.win-host.77.0",
            Some("win-host"),
        ),
        ("events.out.tfevents.1690000000.host", Some("host")),
        ("events.out.tfevents.1690000000.", None),
        ("events.out.tfevents.notatime.host.1.0", None),
        ("events.out.tfevents.1690000000", None),
        ("model.tfevents", None),
    ] {
        assert_eq!(hostname(name), host, "{name}");
    }
}

#[test]
fn reports_every_string_at_its_path() {
    let got = run(&file(&sample()));
    let expected = [
        ("filename/hostname", "gpu-node-7.corp"),
        ("event[0]/file_version", "brain.Event:2"),
        ("event[1]/summary/value[0]/tag", "loss"),
        ("event[1]/summary/value[1]/tag", "w"),
        ("event[1]/summary/value[2]/tag", "img"),
        ("event[1]/summary/value[3]/tag", "clip"),
        ("event[2]/summary/value[0]/tag", "notes/text_summary"),
        ("event[2]/summary/value[0]/text", "first line"),
        ("event[2]/summary/value[0]/metadata/display_name", "Notes"),
        (
            "event[2]/summary/value[0]/metadata/summary_description",
            "what we ran",
        ),
        ("event[2]/summary/value[1]/tag", "scalar_v2"),
        ("event[2]/summary/value[2]/tag", "image_v2"),
        ("event[2]/summary/value[2]/text", "64"),
        (
            "event[3]/summary/value[0]/tag",
            "_hparams_/session_start_info",
        ),
        ("event[3]/summary/value[0]/hparams/hub_token", "hf_value"),
        (
            "event[3]/summary/value[0]/hparams/cfg/endpoint",
            "https://x.internal",
        ),
        (
            "event[3]/summary/value[0]/hparams/paths[0]",
            "s3://bucket/a",
        ),
        ("event[3]/summary/value[0]/hparams[4]", "keyless"),
        (
            "event[3]/summary/value[0]/hparams/model_uri",
            "file:///home/asmith/model",
        ),
        (
            "event[3]/summary/value[0]/hparams/monitor_url",
            "http://monitor.corp",
        ),
        ("event[3]/summary/value[0]/hparams/group_name", "group-a"),
        ("event[3]/summary/value[1]/tag", "_hparams_/experiment"),
        (
            "event[3]/summary/value[1]/hparams/experiment/description",
            "exp description",
        ),
        (
            "event[3]/summary/value[1]/hparams/experiment/user",
            "asmith",
        ),
        (
            "event[3]/summary/value[1]/hparams/experiment/hparam_infos[0]/display_name",
            "Optimizer",
        ),
        (
            "event[3]/summary/value[1]/hparams/experiment/hparam_infos[0]/description",
            "which optimizer",
        ),
        (
            "event[3]/summary/value[1]/hparams/experiment/hparam_infos[0]/domain_discrete[0]",
            "adamw",
        ),
        (
            "event[3]/summary/value[1]/hparams/experiment/metric_infos[0]/display_name",
            "Accuracy",
        ),
        (
            "event[3]/summary/value[1]/hparams/experiment/metric_infos[0]/description",
            "top-1",
        ),
        (
            "event[3]/summary/value[1]/hparams/experiment/name",
            "exp name",
        ),
        ("event[3]/summary/value[2]/tag", "custom"),
        (
            "event[3]/summary/value[2]/metadata/plugin_data/content",
            "token=abcdef123",
        ),
        ("event[4]/log_message/message", "disk almost full"),
        (
            "event[5]/session_log/checkpoint_path",
            "/home/asmith/ckpt/model.ckpt-5",
        ),
        ("event[5]/session_log/msg", "saved"),
        ("event[6]/tagged_run_metadata/tag", "step_6"),
        ("event[7]/source_metadata/writer", "tensorboardX"),
        ("event[8]/graph_def/node[0]/name", "model/linear"),
        (
            "event[8]/graph_def/node[0]/device",
            "/job:worker/replica:0/task:0/device:GPU:0",
        ),
        ("event[8]/graph_def/node[0]/attr/attr", "{ value : 1 }"),
        ("event[8]/graph_def/node[0]/attr/_output_shapes[0]", "a"),
        ("event[8]/graph_def/node[0]/attr/_output_shapes[1]", "b"),
        ("event[9]/meta_graph_def/meta_info_def/tags[0]", "serve"),
        (
            "event[9]/meta_graph_def/meta_info_def/tensorflow_version",
            "2.15.0",
        ),
        (
            "event[9]/meta_graph_def/meta_info_def/tensorflow_git_version",
            "v2.15.0-rc1-8-g6887368d6d4",
        ),
        (
            "event[9]/meta_graph_def/graph_def/node[0]/name",
            "meta_node",
        ),
        (
            "event[9]/meta_graph_def/asset_file_def[0]/filename",
            "/home/asmith/vocab.txt",
        ),
    ];
    assert_eq!(fields(&got), expected);
    assert_eq!(
        got.texts,
        vec![(
            "event[2]/summary/value[0]/text[1]".to_owned(),
            "two\nlines".to_owned()
        )]
    );
    assert_eq!(
        got.notices,
        vec![Notice::new(
            NoticeKind::Skipped,
            None,
            "not read (numbers and media): 1 scalar(s), 1 histogram(s), 1 image(s), \
             1 audio clip(s), 1 numeric tensor(s), 1 binary string value(s), \
             1 run metadata record(s)"
        )]
    );
}

#[test]
fn every_truncation_is_corrupt_and_keeps_what_came_before() {
    let events = sample();
    let data = file(&events);
    let mut boundaries = vec![0];
    for e in &events {
        boundaries.push(boundaries.last().unwrap() + e.0.len() + 16);
    }
    for cut in 1..data.len() {
        let got = run(&data[..cut]);
        let corrupt = got.count(NoticeKind::Corrupt);
        assert_eq!(
            corrupt,
            usize::from(!boundaries.contains(&cut)),
            "cut {cut}: {:?}",
            got.notices
        );
        if corrupt == 1 {
            let message = got.notice(NoticeKind::Corrupt).unwrap();
            assert!(
                message.contains("truncated") || message.contains("ends after"),
                "{message}"
            );
        }
        assert_eq!(got.field("filename/hostname"), Some("gpu-node-7.corp"));
        if cut >= boundaries[1] {
            assert_eq!(got.field("event[0]/file_version"), Some("brain.Event:2"));
        }
    }
}

#[test]
fn a_bad_checksum_stops_with_the_record_index() {
    let events = sample();
    let mut data = file(&events[..3]);
    // Flip a byte inside the data of record 1.
    let at = events[0].0.len() + 16 + 12 + 3;
    data[at] ^= 0x20;
    let got = run(&data);
    assert_eq!(got.field("event[0]/file_version"), Some("brain.Event:2"));
    assert!(got.field("event[1]/summary/value[0]/tag").is_none());
    assert!(got.field("event[2]/summary/value[0]/tag").is_none());
    let message = got.notice(NoticeKind::Corrupt).unwrap();
    assert!(
        message.starts_with(&format!("record 1 at byte {}:", events[0].0.len() + 16))
            && message.contains("checksum of its data"),
        "{message}"
    );

    // A damaged length checksum: not a TFRecord file.
    let got = run(b"not an event file at all, just text");
    let message = got.notice(NoticeKind::Corrupt).unwrap();
    assert!(
        message.contains("record 0 at byte 0: the checksum of its length"),
        "{message}"
    );
}

/// A record header declaring `len` bytes with a valid length checksum.
fn header(len: u64) -> Vec<u8> {
    let bytes = len.to_le_bytes();
    let mut out = bytes.to_vec();
    out.extend_from_slice(&masked_crc(crc32c(0, &bytes)).to_le_bytes());
    out
}

#[test]
fn hostile_lengths_are_bounded() {
    // 2^63 bytes: larger than max_segment, skipped by reading, then truncated.
    let mut data = file(&sample()[..1]);
    data.extend_from_slice(&header(1 << 63));
    data.extend_from_slice(b"a little data");
    let got = run(&data);
    assert_eq!(got.field("event[0]/file_version"), Some("brain.Event:2"));
    assert!(
        got.notice(NoticeKind::Limit)
            .unwrap()
            .contains("9223372036854775808 bytes, larger than max_segment")
    );
    let message = got.notice(NoticeKind::Corrupt).unwrap();
    assert!(message.contains("file ends after 13"), "{message}");

    // Within max_segment, but the file is short.
    let mut data = header(1_000_000);
    data.extend_from_slice(&[0; 10]);
    let got = run(&data);
    let message = got.notice(NoticeKind::Corrupt).unwrap();
    assert!(
        message.contains("declares 1000000 bytes of data at byte 12 but the file ends after 10"),
        "{message}"
    );

    // A well-framed event whose summary declares a billion bytes.
    let event = Msg::new().hostile_len(5, 1_000_000_000).raw(&[0; 8]);
    let got = run(&record(&event.0));
    let message = got.notice(NoticeKind::Corrupt).unwrap();
    assert!(
        message.starts_with(
            "record 0 at byte 0: byte 0: field 5 declares 1000000000 bytes but its message has only 8 left"
        ),
        "{message}"
    );
}

#[test]
fn a_record_larger_than_max_segment_is_skipped_and_checked() {
    let big = event(0).str(3, &"x".repeat(300));
    let small = event(1).msg(6, &Msg::new().str(2, "after the big one"));
    let data = file(&[big, small]);
    let limits = Limits {
        max_segment: 200,
        ..Limits::default()
    };
    let got = run_with(NAME, &data, limits, MAX_RECORDS);
    assert_eq!(
        got.field("event[1]/log_message/message"),
        Some("after the big one")
    );
    assert!(got.field("event[0]/file_version").is_none());
    assert!(
        got.notice(NoticeKind::Limit)
            .unwrap()
            .starts_with("record 0 at byte 0: 314 bytes, larger than max_segment")
    );
    assert_eq!(got.count(NoticeKind::Corrupt), 0);

    // Its checksum is still checked while it is skipped.
    let mut data = data;
    data[100] ^= 1;
    let got = run_with(NAME, &data, limits, MAX_RECORDS);
    assert!(
        got.notice(NoticeKind::Corrupt)
            .unwrap()
            .contains("record 0 at byte 0: the checksum of its data")
    );
}

#[test]
fn the_number_of_records_is_bounded() {
    let data = file(&sample());
    let got = run_with(NAME, &data, Limits::default(), 2);
    assert!(got.field("event[1]/summary/value[0]/tag").is_some());
    assert!(got.field("event[2]/summary/value[0]/tag").is_none());
    assert_eq!(
        got.notice(NoticeKind::Limit),
        Some("more than 2 records: the rest are not read")
    );
}

#[test]
fn deep_nesting_is_bounded() {
    // hparams: a struct inside a struct inside ... far past MAX_DEPTH.
    let mut value = string_value("deepest");
    for _ in 0..100 {
        let fields = Msg::new().msg(1, &Msg::new().str(1, "k").msg(2, &value));
        value = Msg::new().msg(5, &fields);
    }
    let content = Msg::new().msg(
        3,
        &Msg::new().msg(1, &Msg::new().str(1, "cfg").msg(2, &value)),
    );
    let hparams = Msg::new()
        .str(1, "_hparams_/session_start_info")
        .msg(9, &plugin("hparams", &content));
    let events = [
        event(0).msg(5, &summary(&[hparams])),
        event(1).str(3, "after"),
    ];
    let got = run(&file(&events));
    assert_eq!(got.field("event[1]/file_version"), Some("after"));
    assert!(!got.fields.iter().any(|(_, v)| v == "deepest"));
    assert_eq!(
        got.notice(NoticeKind::Limit),
        Some("1 message(s) nested more than 32 deep were not read")
    );
}

#[test]
fn invalid_utf8() {
    let value = Msg::new()
        .bytes(1, b"ta\xffg")
        .msg(8, &Msg::new().uint(1, 7).bytes(8, b"\xff\xfe binary"))
        .msg(
            9,
            &plugin(
                "hparams",
                &Msg::new().msg(
                    3,
                    &Msg::new().msg(
                        1,
                        &Msg::new()
                            .bytes(1, b"k\xff")
                            .msg(2, &Msg::new().bytes(3, b"v\xff")),
                    ),
                ),
            ),
        );
    let got = run(&file(&[event(0).msg(5, &summary(&[value]))]));
    assert_eq!(
        fields(&got)[1..],
        [
            ("event[0]/summary/value[0]/tag", "ta\u{fffd}g"),
            ("event[0]/summary/value[0]/hparams/k\u{fffd}", "v\u{fffd}"),
        ]
    );
    assert_eq!(
        got.notice(NoticeKind::Skipped),
        Some("not read (numbers and media): 1 binary string value(s)")
    );
}

#[test]
fn a_huge_graph_is_cut_at_its_string_budget() {
    let node = Msg::new().msg(1, &Msg::new().str(1, "n"));
    let count = MAX_GRAPH_STRINGS as usize + 10;
    let graph: Vec<u8> = node
        .0
        .iter()
        .copied()
        .cycle()
        .take(node.0.len() * count)
        .collect();
    // One node whose attribute lists more strings than the budget.
    let strings = (0..count).fold(Msg::new(), |m, _| m.str(2, "s"));
    let attr = Msg::new()
        .str(1, "list")
        .msg(2, &Msg::new().msg(1, &strings));
    let one_node = Msg::new().msg(1, &Msg::new().msg(5, &attr));
    let events = [
        event(0).bytes(4, &graph),
        event(1).str(3, "after the graph"),
        event(2).msg(4, &one_node),
    ];
    let got = run(&file(&events));
    assert_eq!(got.fields.len(), 1 + 2 * MAX_GRAPH_STRINGS as usize + 1);
    assert_eq!(got.field("event[1]/file_version"), Some("after the graph"));
    assert!(
        got.field(&format!(
            "event[2]/graph_def/node[0]/attr/list[{}]",
            MAX_GRAPH_STRINGS - 1
        ))
        .is_some()
    );
    assert_eq!(
        got.notice(NoticeKind::Limit),
        Some("2 graph(s) held more than 10000 strings: the rest were not read")
    );
}

#[test]
fn empty_and_nameless_files() {
    let got = run_with("events.bin", b"", Limits::default(), MAX_RECORDS);
    assert!(got.fields.is_empty() && got.notices.is_empty());
}

fn is_aws_key_id(value: &str) -> bool {
    value.len() == 20
        && value.starts_with("AKIA")
        && value[4..]
            .bytes()
            .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
}

fn is_hf_token(value: &str) -> bool {
    value.len() == 37
        && value.starts_with("hf_")
        && value[3..].bytes().all(|b| b.is_ascii_alphabetic())
}

#[test]
fn leaky_fixture_reports_its_leaks() {
    let name = "tb/leaky/events.out.tfevents.1690000000.gpu-node-7.corp.1234.0";
    let data = include_bytes!(
        "../../tests/fixtures/models/tb/leaky/events.out.tfevents.1690000000.gpu-node-7.corp.1234.0"
    );
    let got = run_with(name, data, Limits::default(), MAX_RECORDS);
    let mut paths = got.paths();
    // Python writes map entries in no fixed order.
    paths.sort_unstable();
    assert_eq!(
        paths,
        vec![
            "event[0]/file_version",
            "event[1]/summary/value[0]/tag",
            "event[2]/summary/value[0]/tag",
            "event[3]/summary/value[0]/tag",
            "event[4]/summary/value[0]/tag",
            "event[5]/summary/value[0]/tag",
            "event[6]/summary/value[0]/tag",
            "event[7]/summary/value[0]/hparams/hub_token",
            "event[7]/summary/value[0]/tag",
            "event[8]/summary/value[0]/tag",
            "filename/hostname",
        ]
    );
    assert_eq!(got.field("filename/hostname"), Some("gpu-node-7.corp"));
    assert_eq!(got.field("event[0]/file_version"), Some("brain.Event:2"));
    assert_eq!(
        got.field("event[5]/summary/value[0]/tag"),
        Some("notes/text_summary")
    );
    assert_eq!(
        got.field("event[7]/summary/value[0]/tag"),
        Some("_hparams_/session_start_info")
    );
    assert!(is_hf_token(
        got.field("event[7]/summary/value[0]/hparams/hub_token")
            .unwrap()
    ));
    let text = got.text("event[5]/summary/value[0]/text").unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0], "## environment");
    assert!(is_aws_key_id(
        lines[1].strip_prefix("AWS_ACCESS_KEY_ID=").unwrap()
    ));
    assert_eq!(lines[2], "AWS_DEFAULT_REGION=us-east-1");
    assert_eq!(
        got.notices,
        vec![Notice::new(
            NoticeKind::Skipped,
            None,
            "not read (numbers and media): 3 scalar(s), 1 histogram(s)"
        )]
    );
}

#[test]
fn clean_fixture_reports_nothing_secret() {
    let data = include_bytes!(
        "../../tests/fixtures/models/tb/clean/events.out.tfevents.1690000000.localhost.1.0"
    );
    let got = run_with(
        "events.out.tfevents.1690000000.localhost.1.0",
        data,
        Limits::default(),
        MAX_RECORDS,
    );
    let mut values: Vec<(&str, &str)> = fields(&got)
        .into_iter()
        .filter(|(p, _)| !p.ends_with("/tag"))
        .collect();
    values.sort_unstable();
    assert_eq!(
        values,
        vec![
            ("event[0]/file_version", "brain.Event:2"),
            ("event[5]/summary/value[0]/text", "training finished"),
            ("event[7]/summary/value[0]/hparams/optimizer", "adamw"),
            ("filename/hostname", "localhost"),
        ]
    );
    assert!(got.texts.is_empty());
    assert_eq!(got.count(NoticeKind::Skipped), 1);
    assert_eq!(got.notices.len(), 1);
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let got = run(&data);
        prop_assert!(got.count(NoticeKind::Corrupt) <= 1);
    }

    /// Arbitrary event bytes in valid framing reach the event walker.
    #[test]
    fn arbitrary_events_never_panic(
        events in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..512), 0..6)
    ) {
        let data: Vec<u8> = events.iter().flat_map(|e| record(e)).collect();
        let got = run(&data);
        prop_assert!(got.count(NoticeKind::Corrupt) <= 1);
    }

    #[test]
    fn mutated_events_never_panic(
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)
    ) {
        let mut events = sample();
        for (index, byte) in flips {
            let event = index.get_mut(&mut events);
            if !event.0.is_empty() {
                let at = index.index(event.0.len());
                event.0[at] = byte;
            }
        }
        let got = run(&file(&events));
        prop_assert!(got.count(NoticeKind::Corrupt) <= 1);
    }
}
