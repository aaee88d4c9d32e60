use std::collections::HashMap;
use std::io::Cursor;

use proptest::prelude::*;

use super::file::{MAX_STRUCTURE_BYTES, SIGNATURE, Sizes};
use super::*;
use crate::limits::Limits;
use crate::protobuf::testing::Recorder;

const LEAKY: &[u8] = include_bytes!("../../tests/fixtures/hdf5/leaky.h5");
const LATEST: &[u8] = include_bytes!("../../tests/fixtures/hdf5/leaky-latest.h5");
const CLEAN: &[u8] = include_bytes!("../../tests/fixtures/hdf5/clean.h5");
const DENSE: &[u8] = include_bytes!("../../tests/fixtures/hdf5/dense.h5");

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

fn fields(got: &Recorder) -> Vec<(&str, &str)> {
    got.fields
        .iter()
        .map(|(p, v)| (p.as_str(), v.as_str()))
        .collect()
}

fn assert_keras_model(got: &Recorder, leaky: bool) {
    assert!(got.notices.is_empty(), "{:?}", got.notices);
    let config = got.field("/@model_config").unwrap();
    assert!(
        config.starts_with("{\"class_name\": \"Sequential\""),
        "{config}"
    );
    assert_eq!(
        config.contains("/home/asmith/project/data/train.csv"),
        leaky
    );
    let training = got.field("/@training_config").unwrap();
    assert_eq!(
        training.contains("http://model-builder.internal.corp:8080"),
        leaky
    );
    assert_eq!(got.field("/@keras_version"), Some("2.15.0"));
    assert_eq!(got.field("/@backend"), Some("tensorflow"));
    assert_eq!(got.field("/model_weights@layer_names[0]"), Some("input_1"));
    assert_eq!(got.field("/model_weights@layer_names[1]"), Some("dense"));
    assert_eq!(got.field("/model_weights@backend"), Some("tensorflow"));
    assert_eq!(
        got.field("/model_weights/dense@weight_names[1]"),
        Some("dense/bias:0")
    );
    let token = got.field("/model_weights/dense/dense/kernel:0@hub_token");
    assert_eq!(token.is_some(), leaky);
    if let Some(token) = token {
        assert!(token.starts_with("hf_") && token.len() == 37, "{token}");
    }
    assert_eq!(
        got.fields.len(),
        if leaky { 10 } else { 9 },
        "{:?}",
        got.paths()
    );
}

#[test]
fn reads_a_keras_model_in_the_oldest_format() {
    assert_keras_model(&run(LEAKY), true);
}

#[test]
fn reads_a_keras_model_in_the_newest_format() {
    assert_keras_model(&run(LATEST), true);
}

#[test]
fn a_clean_model_has_nothing_to_find() {
    assert_keras_model(&run(CLEAN), false);
}

#[test]
fn a_stream_is_read_like_a_file() {
    for data in [LEAKY, LATEST] {
        let from_stream = run_stream(data, Limits::default());
        assert_eq!(from_stream.fields, run(data).fields);
        assert!(from_stream.notices.is_empty());
    }
}

#[test]
fn a_stream_is_held_only_up_to_max_buffered() {
    let limits = Limits {
        max_buffered: 1024,
        ..Limits::default()
    };
    let got = run_stream(LEAKY, limits);
    assert_eq!(got.count(NoticeKind::Limit), 1, "{:?}", got.notices);
    assert!(
        got.notices[0].message.contains("max_buffered"),
        "{:?}",
        got.notices
    );
}

#[test]
fn dense_storage_is_named_and_passed_over() {
    let got = run(DENSE);
    assert!(got.field("/@model_config").is_some(), "{:?}", got.paths());
    let unsupported: Vec<_> = got
        .notices
        .iter()
        .map(|n| {
            (
                n.kind,
                n.member.as_deref().unwrap_or_default(),
                n.message.as_str(),
            )
        })
        .collect();
    assert_eq!(unsupported.len(), 2, "{unsupported:?}");
    assert!(
        unsupported
            .iter()
            .all(|(kind, member, _)| *kind == NoticeKind::Unsupported && *member == "/many_layers")
    );
    assert!(
        unsupported
            .iter()
            .any(|(_, _, m)| m.contains("its links are in dense storage"))
    );
    assert!(
        unsupported
            .iter()
            .any(|(_, _, m)| m.contains("its attributes are in dense storage"))
    );
}

#[test]
fn every_truncation_is_read_as_far_as_it_goes_then_a_notice() {
    for data in [LEAKY, LATEST] {
        let full = run(data).fields.len();
        for len in 0..data.len() {
            let got = run(&data[..len]);
            assert!(got.fields.len() <= full);
            assert_eq!(got.notices.len(), 1, "prefix {len}: {:?}", got.notices);
            assert_eq!(got.notices[0].kind, NoticeKind::Corrupt, "prefix {len}");
        }
    }
    // A stream cannot tell where the file should end, but never panics.
    for len in (0..LEAKY.len()).step_by(7) {
        run_stream(&LEAKY[..len], Limits::default());
    }
}

#[test]
fn damaged_bytes_never_panic() {
    for data in [LEAKY, LATEST, DENSE] {
        for at in 0..data.len() {
            let mut damaged = data.to_vec();
            damaged[at] ^= 0xa5;
            let got = run(&damaged);
            assert!(got.notices.len() <= 64);
        }
    }
}

/// Builds an HDF5 file in the newest format from object headers laid out
/// one after another: superblock version 2, version 2 object headers
/// (checksums left zero: they are not checked), 8-byte addresses.
mod build {
    /// The messages of one object header: type and body.
    pub type Messages = Vec<(u8, Vec<u8>)>;

    pub const SUPERBLOCK_LEN: u64 = 48;

    pub fn superblock(root: u64, end: u64) -> Vec<u8> {
        let mut out = super::SIGNATURE.to_vec();
        out.extend_from_slice(&[2, 8, 8, 0]);
        out.extend_from_slice(&0u64.to_le_bytes());
        out.extend_from_slice(&u64::MAX.to_le_bytes());
        out.extend_from_slice(&end.to_le_bytes());
        out.extend_from_slice(&root.to_le_bytes());
        out.extend_from_slice(&[0; 4]);
        out
    }

    pub fn header(messages: &Messages) -> Vec<u8> {
        let body: Vec<u8> = messages
            .iter()
            .flat_map(|(kind, data)| {
                let mut m = vec![*kind];
                m.extend_from_slice(&(data.len() as u16).to_le_bytes());
                m.push(0);
                m.extend_from_slice(data);
                m
            })
            .collect();
        let mut out = b"OHDR".to_vec();
        out.extend_from_slice(&[2, 0x02]);
        out.extend_from_slice(&(body.len() as u32).to_le_bytes());
        out.extend_from_slice(&body);
        out.extend_from_slice(&[0; 4]);
        out
    }

    /// A file of objects; `objects(addresses)` builds them knowing where
    /// each one sits (the first is the root).
    pub fn file(objects: impl Fn(&[u64]) -> Vec<Messages>) -> Vec<u8> {
        let count = objects(&[]).len();
        let sizes: Vec<u64> = objects(&vec![0; count])
            .iter()
            .map(|m| header(m).len() as u64)
            .collect();
        let mut addresses = Vec::new();
        let mut at = SUPERBLOCK_LEN;
        for size in &sizes {
            addresses.push(at);
            at += size;
        }
        let mut out = superblock(addresses[0], at);
        for messages in objects(&addresses) {
            out.extend_from_slice(&header(&messages));
        }
        out
    }

    /// A version 3 attribute message.
    pub fn attribute(name: &str, datatype: &[u8], dataspace: &[u8], data: &[u8]) -> (u8, Vec<u8>) {
        let mut out = vec![3, 0];
        out.extend_from_slice(&(name.len() as u16 + 1).to_le_bytes());
        out.extend_from_slice(&(datatype.len() as u16).to_le_bytes());
        out.extend_from_slice(&(dataspace.len() as u16).to_le_bytes());
        out.push(0);
        out.extend_from_slice(name.as_bytes());
        out.push(0);
        out.extend_from_slice(datatype);
        out.extend_from_slice(dataspace);
        out.extend_from_slice(data);
        (0x0C, out)
    }

    /// A fixed-length string type of `size` bytes, padded as `pad` says
    /// (0 NUL-terminated, 1 NUL-padded, 2 space-padded).
    pub fn fixed_string(size: u32, pad: u8) -> Vec<u8> {
        let mut out = vec![0x13, pad, 0, 0];
        out.extend_from_slice(&size.to_le_bytes());
        out
    }

    /// A 4-byte little-endian integer type.
    pub fn int32() -> Vec<u8> {
        let mut out = vec![0x10, 0x08, 0, 0];
        out.extend_from_slice(&4u32.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(&32u16.to_le_bytes());
        out
    }

    pub fn scalar() -> Vec<u8> {
        vec![2, 0, 0, 0]
    }

    pub fn simple(dimensions: &[u64]) -> Vec<u8> {
        let mut out = vec![2, dimensions.len() as u8, 0, 1];
        for d in dimensions {
            out.extend_from_slice(&d.to_le_bytes());
        }
        out
    }

    /// A hard link message.
    pub fn link(name: &str, address: u64) -> (u8, Vec<u8>) {
        let mut out = vec![1, 0, name.len() as u8];
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(&address.to_le_bytes());
        (0x06, out)
    }

    /// A soft link message: a path, not an object.
    pub fn soft_link(name: &str, target: &str) -> (u8, Vec<u8>) {
        let mut out = vec![1, 0x08, 1, name.len() as u8];
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(&(target.len() as u16).to_le_bytes());
        out.extend_from_slice(target.as_bytes());
        (0x06, out)
    }

    pub fn continuation(address: u64, len: u64) -> (u8, Vec<u8>) {
        let mut out = address.to_le_bytes().to_vec();
        out.extend_from_slice(&len.to_le_bytes());
        (0x10, out)
    }
}

use build::{
    Messages, attribute, continuation, fixed_string, int32, link, scalar, simple, soft_link,
};

#[test]
fn strings_of_every_padding_arrays_and_non_strings() {
    let data = build::file(|_| {
        vec![vec![
            attribute("terminated", &fixed_string(8, 0), &scalar(), b"abc\0zzzz"),
            attribute("padded", &fixed_string(8, 1), &scalar(), b"abcd\0\0\0\0"),
            attribute("spaced", &fixed_string(8, 2), &scalar(), b"abcde   "),
            attribute(
                "names",
                &fixed_string(3, 1),
                &simple(&[2, 2]),
                b"ab\0cd\0ef\0gh\0",
            ),
            attribute("empty", &fixed_string(4, 1), &simple(&[0]), b""),
            attribute("count", &int32(), &scalar(), &7i32.to_le_bytes()),
            attribute("multi", &fixed_string(5, 1), &scalar(), b"a\nb\0\0"),
            attribute(
                "bad\u{7f}\u{e9}",
                &fixed_string(2, 1),
                &scalar(),
                b"\xff\xfe",
            ),
        ]]
    });
    let got = run(&data);
    assert!(got.notices.is_empty(), "{:?}", got.notices);
    assert_eq!(
        fields(&got),
        [
            ("/@terminated", "abc"),
            ("/@padded", "abcd"),
            ("/@spaced", "abcde"),
            ("/@names[0]", "ab"),
            ("/@names[1]", "cd"),
            ("/@names[2]", "ef"),
            ("/@names[3]", "gh"),
            ("/@bad\u{7f}\u{e9}", "\u{fffd}\u{fffd}"),
        ]
    );
    assert_eq!(got.text("/@multi"), Some("a\nb"));
}

#[test]
fn links_cycles_soft_links_and_continuations() {
    let data = build::file(|at: &[u64]| {
        let a = |i: usize| at.get(i).copied().unwrap_or(0);
        vec![
            vec![
                link("child", a(1)),
                link("again", a(1)),
                soft_link("elsewhere", "/child"),
                attribute("root", &fixed_string(4, 1), &scalar(), b"root"),
            ],
            vec![
                link("up", a(0)),
                attribute("here", &fixed_string(5, 1), &scalar(), b"child"),
                continuation(a(2), 14),
            ],
            // Not an object: the continuation block of the one before, which
            // is read as a block of messages, and a link to itself.
            vec![],
        ]
    });
    let got = run(&data);
    assert_eq!(
        fields(&got),
        [("/@root", "root"), ("/child@here", "child")],
        "{:?}",
        got.notices
    );
    // The continuation block has no OCHK signature.
    assert_eq!(got.count(NoticeKind::Corrupt), 1, "{:?}", got.notices);
    assert!(got.notices[0].message.contains("OCHK"), "{:?}", got.notices);
}

#[test]
fn deep_nesting_stops_at_the_depth_limit() {
    let depth = MAX_DEPTH + 10;
    let data = build::file(|at: &[u64]| {
        (0..=depth)
            .map(|i| {
                let mut messages: Messages = vec![attribute(
                    "level",
                    &fixed_string(4, 1),
                    &scalar(),
                    format!("{i:04}").as_bytes(),
                )];
                if i < depth {
                    messages.push(link("g", at.get(i + 1).copied().unwrap_or(0)));
                }
                messages
            })
            .collect()
    });
    let got = run(&data);
    assert_eq!(got.fields.len(), MAX_DEPTH + 1);
    assert_eq!(got.count(NoticeKind::Limit), 1, "{:?}", got.notices);
}

#[test]
fn hostile_lengths_and_addresses() {
    let cases: Vec<(Messages, &str)> = vec![
        // 2^31 x 2^31 elements, then 2^80.
        (
            vec![attribute(
                "a",
                &fixed_string(1, 1),
                &simple(&[1 << 31, 1 << 31]),
                b"x",
            )],
            "do not fit",
        ),
        (
            vec![attribute(
                "a",
                &fixed_string(1, 1),
                &simple(&[1 << 40, 1 << 40]),
                b"x",
            )],
            "multiply past 2^64",
        ),
        // A billion elements of a billion bytes.
        (
            vec![attribute(
                "a",
                &fixed_string(1_000_000_000, 1),
                &simple(&[1_000_000_000]),
                b"x",
            )],
            "do not fit",
        ),
        (vec![link("far", 1 << 63)], "past the end of the file"),
        (vec![link("undefined", u64::MAX)], "undefined"),
        (
            vec![continuation(1 << 62, 1 << 20)],
            "past the end of the file",
        ),
        (vec![continuation(0, 1 << 40)], "more than max_segment"),
        (vec![(0x0C, vec![3, 0, 0xff, 0xff])], "runs past its end"),
        (vec![(0x06, vec![2, 0])], "link message version 2"),
    ];
    for (messages, expected) in cases {
        let data = build::file(|_| vec![messages.clone()]);
        let got = run(&data);
        assert_eq!(got.notices.len(), 1, "{expected}: {:?}", got.notices);
        assert!(
            got.notices[0].message.contains(expected),
            "{expected}: {:?}",
            got.notices
        );
    }
}

#[test]
fn elements_past_the_limit_are_counted_not_read() {
    let count = 12_000u64;
    let data = build::file(|_| {
        vec![vec![attribute(
            "many",
            &fixed_string(1, 1),
            &simple(&[count]),
            &vec![b'x'; count as usize],
        )]]
    });
    let got = run(&data);
    assert_eq!(got.fields.len(), 10_000);
    assert_eq!(got.count(NoticeKind::Limit), 1, "{:?}", got.notices);
    assert!(
        got.notices[0].message.contains("2000 more"),
        "{:?}",
        got.notices
    );
}

#[test]
fn structure_read_over_and_over_is_bounded() {
    let mut cursor = Cursor::new(LATEST);
    let mut file = File {
        source: Source::Seekable {
            reader: &mut cursor,
            len: LATEST.len() as u64,
        },
        max_segment: 1 << 20,
        sizes: Sizes {
            offset: 8,
            length: 8,
        },
        base: 0,
        heaps: HashMap::new(),
        heap_bytes: 0,
        structure_bytes: MAX_STRUCTURE_BYTES - 100,
    };
    assert!(file.read(0, 100, "a test").is_ok());
    let stop = file.read(0, 1, "a test").unwrap_err();
    assert_eq!(stop.kind, NoticeKind::Limit);
}

#[test]
fn bad_superblocks() {
    let mut other_version = LATEST.to_vec();
    other_version[8] = 7;
    let got = run(&other_version);
    assert_eq!(got.count(NoticeKind::Unsupported), 1, "{:?}", got.notices);

    let mut odd_sizes = LATEST.to_vec();
    odd_sizes[9] = 3;
    let got = run(&odd_sizes);
    assert!(
        got.notices[0].message.contains("addresses of 3 bytes"),
        "{:?}",
        got.notices
    );

    let got = run(b"\x89HDF\r\n\x1a\n");
    assert_eq!(got.count(NoticeKind::Corrupt), 1, "{:?}", got.notices);
}

/// What any input may make the reader report: a bounded number of
/// notices, attribute values made of the file's own bytes (a lossy UTF-8
/// view: at most three bytes per input byte), short paths, no text.
fn assert_bounded(got: &Recorder, input: &[u8]) -> Result<(), TestCaseError> {
    prop_assert!(got.notices.len() <= 64, "{} notices", got.notices.len());
    prop_assert!(got.texts.is_empty(), "{:?}", got.texts);
    crate::protobuf::testing::values_within_bounds(
        got.fields.iter().map(|(p, v)| (p.as_str(), v.as_str())),
        input,
    )
}

proptest! {
    #[test]
    fn arbitrary_bytes_report_within_bounds(tail in proptest::collection::vec(any::<u8>(), 0..512), version in 0u8..4) {
        let mut data = SIGNATURE.to_vec();
        data.push(version);
        data.extend_from_slice(&tail);
        assert_bounded(&run(&data), &data)?;
        assert_bounded(&run_stream(&data, Limits::default()), &data)?;
    }

    #[test]
    fn arbitrary_messages_report_within_bounds(
        messages in proptest::collection::vec((any::<u8>(), proptest::collection::vec(any::<u8>(), 0..64)), 0..8),
    ) {
        let data = build::file(|_| vec![messages.clone()]);
        assert_bounded(&run(&data), &data)?;
    }
}
