use proptest::prelude::*;

use super::*;
use crate::limits::Limits;
use crate::protobuf::testing::{Msg, Recorder, entry};

fn run(data: &[u8]) -> Recorder {
    run_with(data, Limits::default())
}

fn run_with(data: &[u8], limits: Limits) -> Recorder {
    let mut recorder = Recorder::default();
    let mut input = data;
    read(
        "model.onnx",
        &mut input,
        &mut recorder,
        &Budget::new(limits),
    );
    recorder
}

fn tensor_with_data(name: &str, bytes: usize) -> Msg {
    Msg::new()
        .uint(1, bytes as u64 / 4)
        .uint(2, 1)
        .str(8, name)
        .bytes(9, &vec![0x42; bytes])
}

/// A model with something in every place the reader looks.
fn sample() -> Msg {
    let stack = "File \"/home/asmith/train.py\", line 9\n    x = relu(x)";
    let subgraph = Msg::new()
        .msg(1, &Msg::new().str(3, "inner_node").str(4, "Identity"))
        .str(2, "then_graph");
    let node = Msg::new()
        .str(1, "x")
        .str(2, "y")
        .str(3, "/encoder/Relu")
        .str(4, "Relu")
        .msg(
            5,
            &Msg::new()
                .str(1, "mode")
                .bytes(4, b"reflect")
                .str(13, "attr doc"),
        )
        .msg(
            5,
            &Msg::new()
                .str(1, "labels")
                .str(9, "cat")
                .str(9, "dog")
                .uint(20, 8),
        )
        .msg(5, &Msg::new().str(1, "then_branch").msg(6, &subgraph))
        .msg(5, &Msg::new().bytes(4, b"nameless"))
        .str(6, "node doc")
        .msg(9, &entry("pkg.torch.onnx.stack_trace", stack))
        .msg(9, &entry("pkg.torch.onnx.name_scopes", "['', 'encoder']"));
    let external = Msg::new()
        .str(8, "embedding")
        .msg(13, &entry("location", "/home/asmith/weights.bin"))
        .msg(13, &entry("offset", "0"))
        .uint(14, 1);
    let graph = Msg::new()
        .msg(1, &node)
        .str(2, "main_graph")
        .msg(5, &tensor_with_data("bias", 4096))
        .msg(5, &external)
        .msg(
            5,
            &Msg::new()
                .uint(2, 8)
                .str(6, "label one")
                .str(6, "label two"),
        )
        .str(10, "graph doc")
        .msg(
            11,
            &Msg::new()
                .str(1, "x")
                .str(3, "input doc")
                .msg(4, &entry("source", "s3://bucket/x")),
        )
        .msg(12, &Msg::new().str(1, "y").str(3, "output doc"))
        .msg(
            15,
            &Msg::new()
                .msg(
                    1,
                    &Msg::new().str(12, "sparse values doc").bytes(4, &[0; 64]),
                )
                .msg(2, &Msg::new().bytes(7, &[0; 32])),
        )
        .msg(16, &entry("graph_key", "graph value"));
    let function = Msg::new()
        .str(1, "CustomGelu")
        .str(4, "x")
        .msg(7, &Msg::new().str(3, "gelu_inner").str(6, "inner doc"))
        .str(8, "function doc")
        .str(10, "com.acme")
        .msg(11, &Msg::new().str(1, "approximate").bytes(4, b"tanh"));
    Msg::new()
        .uint(1, 8)
        .str(2, "pytorch")
        .str(3, "2.3.0")
        .str(4, "ai.acme")
        .uint(5, 1)
        .str(6, "Exported by /home/asmith/export.py")
        .msg(7, &graph)
        .msg(8, &Msg::new().str(1, "").uint(2, 17))
        .msg(14, &entry("build_url", "http://builder.internal:8080/42"))
        .msg(14, &Msg::new().str(2, "keyless"))
        .msg(
            20,
            &Msg::new().msg(1, &Msg::new().str(2, "init_graph").str(10, "init doc")),
        )
        .msg(25, &function)
}

#[test]
fn reports_every_string_field_at_its_path() {
    let got = run(&sample().0);
    let expected = [
        ("producer_name", "pytorch"),
        ("producer_version", "2.3.0"),
        ("domain", "ai.acme"),
        ("doc_string", "Exported by /home/asmith/export.py"),
        ("graph/node[0]/name", "/encoder/Relu"),
        ("graph/node[0]/attribute/mode", "reflect"),
        ("graph/node[0]/attribute/mode/doc_string", "attr doc"),
        ("graph/node[0]/attribute/labels[0]", "cat"),
        ("graph/node[0]/attribute/labels[1]", "dog"),
        (
            "graph/node[0]/attribute/then_branch/node[0]/name",
            "inner_node",
        ),
        ("graph/node[0]/attribute/then_branch/name", "then_graph"),
        ("graph/node[0]/attribute[3]", "nameless"),
        ("graph/node[0]/doc_string", "node doc"),
        (
            "graph/node[0]/metadata_props/pkg.torch.onnx.name_scopes",
            "['', 'encoder']",
        ),
        ("graph/name", "main_graph"),
        (
            "graph/initializer[1]/external_data/location",
            "/home/asmith/weights.bin",
        ),
        ("graph/initializer[1]/external_data/offset", "0"),
        ("graph/initializer[2]/string_data[0]", "label one"),
        ("graph/initializer[2]/string_data[1]", "label two"),
        ("graph/doc_string", "graph doc"),
        ("graph/input[0]/doc_string", "input doc"),
        ("graph/input[0]/metadata_props/source", "s3://bucket/x"),
        ("graph/output[0]/doc_string", "output doc"),
        (
            "graph/sparse_initializer[0]/values/doc_string",
            "sparse values doc",
        ),
        ("graph/metadata_props/graph_key", "graph value"),
        (
            "metadata_props/build_url",
            "http://builder.internal:8080/42",
        ),
        ("metadata_props[1]", "keyless"),
        ("training_info[0]/initialization/name", "init_graph"),
        ("training_info[0]/initialization/doc_string", "init doc"),
        ("functions[0]/name", "CustomGelu"),
        ("functions[0]/node[0]/name", "gelu_inner"),
        ("functions[0]/node[0]/doc_string", "inner doc"),
        ("functions[0]/doc_string", "function doc"),
        ("functions[0]/domain", "com.acme"),
        ("functions[0]/attribute_proto/approximate", "tanh"),
    ];
    let fields: Vec<(&str, &str)> = got
        .fields
        .iter()
        .map(|(p, v)| (p.as_str(), v.as_str()))
        .collect();
    assert_eq!(fields, expected);
    // Text with several lines is reported as text, its lines numbered.
    assert_eq!(
        got.texts,
        vec![(
            "graph/node[0]/metadata_props/pkg.torch.onnx.stack_trace".to_owned(),
            "File \"/home/asmith/train.py\", line 9\n    x = relu(x)".to_owned()
        )]
    );
    assert_eq!(
        got.notices,
        vec![Notice::new(
            NoticeKind::Skipped,
            None,
            "tensor data not read: 4192 bytes in 3 field(s) (raw_data, float_data, ...)"
        )]
    );
}

#[test]
fn every_truncation_is_corrupt_and_keeps_what_came_before() {
    let data = sample().0;
    for cut in 1..data.len() {
        let got = run(&data[..cut]);
        // A cut that falls between top-level fields is a shorter valid model.
        let corrupt = got.count(NoticeKind::Corrupt);
        assert!(corrupt <= 1, "cut {cut}: {:?}", got.notices);
        if corrupt == 1 {
            let message = got.notice(NoticeKind::Corrupt).unwrap();
            assert!(
                message.contains("truncated") || message.contains("past the end"),
                "cut {cut}: {message}"
            );
        }
        if cut > 20 {
            assert_eq!(got.field("producer_name"), Some("pytorch"), "cut {cut}");
        }
    }
    // Cut inside the graph: what came before it is kept.
    let got = run(&data[..data.len() - 10]);
    assert_eq!(got.count(NoticeKind::Corrupt), 1);
    assert_eq!(got.field("graph/name"), Some("main_graph"));
}

#[test]
fn hostile_lengths_are_corrupt_without_allocating() {
    // A doc_string that declares 2^63 bytes.
    let data = Msg::new()
        .str(2, "pytorch")
        .hostile_len(6, 1 << 63)
        .raw(b"short")
        .0;
    let got = run(&data);
    assert_eq!(got.field("producer_name"), Some("pytorch"));
    let message = got.notice(NoticeKind::Corrupt).unwrap();
    assert!(
        message.contains("a field of 9223372036854775808 bytes"),
        "{message}"
    );
    assert_eq!(got.notices.len(), 1, "{:?}", got.notices);

    // A graph whose node declares a billion bytes inside a 20-byte graph.
    let graph = Msg::new().hostile_len(1, 1_000_000_000).raw(&[0; 18]);
    let got = run(&Msg::new().msg(7, &graph).0);
    let message = got.notice(NoticeKind::Corrupt).unwrap();
    assert!(
        message.contains("declares 1000000000 bytes but its message has only 18 left"),
        "{message}"
    );

    // Raw data of a gigabyte declared at the top of a short file.
    let tensor = Msg::new().hostile_len(9, 1 << 30);
    let graph = Msg::new().raw(&tensor.0);
    let got = run(&Msg::new()
        .str(2, "p")
        .hostile_len(7, 1 << 40)
        .raw(&graph.0)
        .0);
    assert_eq!(got.count(NoticeKind::Corrupt), 1, "{:?}", got.notices);
}

#[test]
fn strings_longer_than_max_segment_are_skipped_with_a_notice() {
    let long = "x".repeat(100);
    let data = Msg::new()
        .str(2, &long)
        .str(3, "1.0")
        .msg(14, &entry("k", &long))
        .0;
    let limits = Limits {
        max_segment: 50,
        ..Limits::default()
    };
    let got = run_with(&data, limits);
    assert_eq!(got.paths(), vec!["producer_version"]);
    assert_eq!(
        got.notice(NoticeKind::Limit),
        Some("2 string(s) longer than max_segment were not read")
    );
}

#[test]
fn deep_nesting_is_bounded() {
    // Graph -> node -> attribute -> graph -> ... far past MAX_DEPTH.
    let mut graph = Msg::new().str(2, "deepest");
    for level in 0..200 {
        let attribute = Msg::new().str(1, "body").msg(6, &graph);
        let node = Msg::new().str(3, &format!("n{level}")).msg(5, &attribute);
        graph = Msg::new().msg(1, &node);
    }
    let got = run(&Msg::new().msg(7, &graph).str(2, "after").0);
    assert_eq!(got.field("producer_name"), Some("after"));
    assert!(got.field("graph/node[0]/name").is_some());
    assert!(
        got.paths()
            .iter()
            .all(|p| !p.ends_with("/name") || p.len() < 2000)
    );
    assert_eq!(got.count(NoticeKind::Limit), 1, "{:?}", got.notices);
    assert!(
        got.notice(NoticeKind::Limit)
            .unwrap()
            .contains("nested more than 64 deep")
    );
}

#[test]
fn invalid_utf8_is_reported_as_bytes_and_keys_lossily() {
    let data = Msg::new()
        .bytes(2, b"py\xfftorch")
        .msg(14, &Msg::new().bytes(1, b"k\xfe").str(2, "v"))
        .0;
    let got = run(&data);
    assert_eq!(got.field("producer_name"), Some("py\u{fffd}torch"));
    assert_eq!(got.field("metadata_props/k\u{fffd}"), Some("v"));
    assert!(got.notices.is_empty());
}

#[test]
fn groups_and_garbage_are_corrupt() {
    let got = run(b"\x0b\x0c");
    assert!(got.notice(NoticeKind::Corrupt).unwrap().contains("group"));
    let got = run(b"this is not a model at all");
    assert_eq!(got.count(NoticeKind::Corrupt), 1);
    let got = run(b"");
    assert!(got.fields.is_empty() && got.notices.is_empty());
}

#[test]
fn a_billion_entries_are_bounded_by_the_value_cap() {
    // Many tiny metadata entries: reported up to MAX_VALUES, then counted.
    let one = Msg::new().msg(14, &entry("k", "v")).0;
    let count = MAX_VALUES as usize + 5;
    let data: Vec<u8> = one
        .iter()
        .copied()
        .cycle()
        .take(one.len() * count)
        .collect();
    let got = run(&data);
    assert_eq!(got.fields.len(), MAX_VALUES as usize);
    assert_eq!(
        got.notice(NoticeKind::Limit),
        Some("more than 100000 strings: 5 more were not reported")
    );
}

/// The fake secrets in the fixtures are drawn at random: only their shape is known.
fn is_hex40(value: &str) -> bool {
    value.len() == 40
        && value
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

#[test]
fn leaky_fixture_reports_its_leaks() {
    let got = run(include_bytes!("../../tests/fixtures/models/leaky.onnx"));
    let paths = got.paths();
    assert_eq!(
        paths,
        vec![
            "producer_name",
            "producer_version",
            "doc_string",
            "graph/node[0]/name",
            "graph/node[1]/name",
            "graph/node[1]/doc_string",
            "graph/node[2]/name",
            "graph/node[2]/attribute/mode",
            "graph/name",
            "graph/initializer[1]/external_data/location",
            "graph/initializer[1]/external_data/offset",
            "graph/initializer[1]/external_data/length",
            "graph/input[0]/doc_string",
            "metadata_props/build_url",
            "metadata_props/wandb_key",
        ]
    );
    assert_eq!(got.field("producer_name"), Some("pytorch"));
    assert_eq!(got.field("producer_version"), Some("2.3.0"));
    assert_eq!(
        got.field("doc_string"),
        Some("Exported by /home/asmith/project/export.py")
    );
    assert_eq!(got.field("graph/node[1]/name"), Some("/encoder/Relu"));
    assert_eq!(
        got.field("graph/node[1]/doc_string"),
        Some("relu from /home/asmith/project/model.py")
    );
    assert_eq!(got.field("graph/node[2]/attribute/mode"), Some("CRD"));
    assert_eq!(got.field("graph/name"), Some("sentiment"));
    assert_eq!(
        got.field("graph/initializer[1]/external_data/location"),
        Some("/home/asmith/exports/weights.bin")
    );
    assert_eq!(
        got.field("graph/input[0]/doc_string"),
        Some("images from s3://acme-training-data/raw-images/")
    );
    assert_eq!(
        got.field("metadata_props/build_url"),
        Some("http://model-builder.internal.corp:8080/job/sentiment/42/")
    );
    assert!(is_hex40(got.field("metadata_props/wandb_key").unwrap()));
    let trace = got
        .text("graph/node[1]/metadata_props/pkg.torch.onnx.stack_trace")
        .unwrap();
    assert!(trace.starts_with("File \"/home/asmith/project/train.py\", line 88"));
    assert_eq!(trace.lines().count(), 4);
    assert_eq!(
        got.notices,
        vec![Notice::new(
            NoticeKind::Skipped,
            None,
            "tensor data not read: 64 bytes in 1 field(s) (raw_data, float_data, ...)"
        )]
    );
}

#[test]
fn clean_fixture_reports_only_harmless_names() {
    let got = run(include_bytes!("../../tests/fixtures/models/clean.onnx"));
    let fields: Vec<(&str, &str)> = got
        .fields
        .iter()
        .map(|(p, v)| (p.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        fields,
        vec![
            ("producer_name", "pytorch"),
            ("producer_version", "2.3.0"),
            ("graph/node[0]/name", "/encoder/Add"),
            ("graph/node[1]/name", "/encoder/Relu"),
            ("graph/node[2]/name", "/head/DepthToSpace"),
            ("graph/node[2]/attribute/mode", "CRD"),
            ("graph/name", "sentiment"),
        ]
    );
    assert!(got.texts.is_empty());
    assert_eq!(got.count(NoticeKind::Skipped), 1);
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let got = run(&data);
        prop_assert!(got.count(NoticeKind::Corrupt) <= 1);
    }

    #[test]
    fn mutated_models_never_panic(
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)
    ) {
        let mut data = sample().0;
        for (index, byte) in flips {
            let at = index.index(data.len());
            data[at] = byte;
        }
        let got = run(&data);
        prop_assert!(got.count(NoticeKind::Corrupt) <= 1);
    }
}
