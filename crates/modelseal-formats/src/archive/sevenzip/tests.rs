use std::io::{Cursor, Read};

use proptest::prelude::*;

use super::*;
use crate::limits::Limits;

const LEAKY: &[u8] = include_bytes!("../../../tests/fixtures/sevenzip/leaky.7z");
const COPY: &[u8] = include_bytes!("../../../tests/fixtures/sevenzip/copy.7z");
const BZIP2: &[u8] = include_bytes!("../../../tests/fixtures/sevenzip/bzip2.7z");
const DEFLATE: &[u8] = include_bytes!("../../../tests/fixtures/sevenzip/deflate.7z");
const PPMD: &[u8] = include_bytes!("../../../tests/fixtures/sevenzip/ppmd.7z");
const ZSTD: &[u8] = include_bytes!("../../../tests/fixtures/sevenzip/zstd.7z");
const ENCRYPTED: &[u8] = include_bytes!("../../../tests/fixtures/sevenzip/encrypted.7z");
const ENCRYPTED_NAMES: &[u8] =
    include_bytes!("../../../tests/fixtures/sevenzip/encrypted-names.7z");

/// Records the members it is handed (read to the end, as the scanner does)
/// and the notices.
#[derive(Debug, Default)]
struct Recorder {
    members: Vec<(String, Vec<u8>, Option<u64>)>,
    /// Errors met reading a member, as the scanner would report them.
    member_errors: Vec<(String, String)>,
    notices: Vec<Notice>,
}

impl Recorder {
    fn member(&self, name: &str) -> Option<&[u8]> {
        self.members
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, data, _)| data.as_slice())
    }

    fn names(&self) -> Vec<&str> {
        self.members.iter().map(|(n, _, _)| n.as_str()).collect()
    }

    fn count(&self, kind: NoticeKind) -> usize {
        self.notices.iter().filter(|n| n.kind == kind).count()
    }
}

impl Visitor for Recorder {
    fn text(&mut self, _field: Option<&str>, _text: &mut dyn Read) {
        panic!("a 7z archive reports members, not text");
    }

    fn field(&mut self, path: &str, _value: &[u8]) {
        panic!("a 7z archive reports members, not fields ({path})");
    }

    fn member(&mut self, name: &str, mut blob: Blob<'_>, size: Option<u64>) {
        let mut data = Vec::new();
        if let Err(e) = blob.reader().read_to_end(&mut data) {
            self.member_errors.push((name.to_owned(), e.to_string()));
        }
        self.members.push((name.to_owned(), data, size));
    }

    fn notice(&mut self, notice: Notice) {
        self.notices.push(notice);
    }
}

fn run_with(data: &[u8], limits: Limits) -> Recorder {
    let mut recorder = Recorder::default();
    read(&mut Cursor::new(data), &mut recorder, &Budget::new(limits));
    recorder
}

fn run(data: &[u8]) -> Recorder {
    run_with(data, Limits::default())
}

fn text(data: &[u8]) -> &str {
    std::str::from_utf8(data).unwrap()
}

fn assert_leaky_members(got: &Recorder) {
    assert_eq!(
        got.names(),
        ["run1/train.log", "configs/.env", "README.md"],
        "{got:?}"
    );
    let log = text(got.member("run1/train.log").unwrap());
    assert!(log.contains("AWS_ACCESS_KEY_ID=AKIA"), "{log}");
    assert!(log.contains("AWS_SECRET_ACCESS_KEY="), "{log}");
    assert!(log.contains("/home/asmith/project"), "{log}");
    assert!(log.ends_with("step 199 loss 0.0050\n"), "{log}");
    assert!(text(got.member("configs/.env").unwrap()).starts_with("HF_TOKEN=hf_"));
    for (name, data, size) in &got.members {
        assert_eq!(*size, Some(data.len() as u64), "{name}");
    }
    assert!(got.member_errors.is_empty(), "{got:?}");
    assert!(got.notices.is_empty(), "{got:?}");
}

#[test]
fn reads_every_member_of_a_solid_lzma2_archive() {
    let got = run(LEAKY);
    assert_leaky_members(&got);
}

#[test]
fn reads_stored_bzip2_deflate_and_ppmd_members() {
    for data in [COPY, BZIP2, DEFLATE, PPMD] {
        assert_leaky_members(&run(data));
    }
}

#[test]
fn a_method_not_decoded_is_unsupported() {
    let got = run(ZSTD);
    assert!(got.members.is_empty(), "{got:?}");
    assert_eq!(got.notices.len(), 1, "{got:?}");
    assert_eq!(got.notices[0].kind, NoticeKind::Unsupported);
    assert_eq!(got.notices[0].member.as_deref(), Some("run1/train.log"));
    assert!(got.notices[0].message.contains("ZSTD"), "{got:?}");
}

#[test]
fn reads_a_stream_by_holding_it_in_memory() {
    let mut recorder = Recorder::default();
    let budget = Budget::new(Limits::default());
    read_stream(&mut &LEAKY[..], &mut recorder, &budget);
    assert_leaky_members(&recorder);
    assert_eq!(budget.members.get(), 3);
}

#[test]
fn a_stream_larger_than_max_buffered_is_not_opened() {
    let mut recorder = Recorder::default();
    let limits = Limits {
        max_buffered: 100,
        ..Limits::default()
    };
    read_stream(&mut &LEAKY[..], &mut recorder, &Budget::new(limits));
    assert!(recorder.members.is_empty());
    assert_eq!(recorder.count(NoticeKind::Limit), 1, "{recorder:?}");
    assert!(recorder.notices[0].message.contains("max_buffered"));
}

#[test]
fn encrypted_members_are_named_and_not_read() {
    let got = run(ENCRYPTED);
    assert!(got.members.is_empty(), "{got:?}");
    let names: Vec<_> = got
        .notices
        .iter()
        .map(|n| (n.kind, n.member.as_deref().unwrap_or_default()))
        .collect();
    assert_eq!(
        names,
        [
            (NoticeKind::Unsupported, "run1/train.log"),
            (NoticeKind::Unsupported, "configs/.env"),
            (NoticeKind::Unsupported, "README.md"),
        ]
    );
    assert!(got.notices[0].message.contains("encrypted"));
}

#[test]
fn an_encrypted_directory_is_unsupported() {
    let got = run(ENCRYPTED_NAMES);
    assert!(got.members.is_empty());
    assert_eq!(got.notices.len(), 1, "{got:?}");
    assert_eq!(got.notices[0].kind, NoticeKind::Unsupported);
    assert!(got.notices[0].message.contains("encrypted"), "{got:?}");
}

#[test]
fn the_expanded_size_limit_stops_a_solid_block() {
    // The log expands past the room left: it is cut, and the members after
    // it in the same block are not decoded.
    let got = run_with(
        LEAKY,
        Limits {
            max_expanded: 1000,
            ..Limits::default()
        },
    );
    assert_eq!(got.names(), ["run1/train.log"]);
    assert_eq!(got.members[0].1.len(), 1000);
    assert_eq!(got.member_errors.len(), 1, "{got:?}");
    assert_eq!(got.count(NoticeKind::Limit), 1, "{got:?}");
    assert!(
        got.notices[0]
            .message
            .contains("expansion ratio or total expanded size")
    );
}

#[test]
fn the_ratio_limit_holds_each_block_to_its_compressed_size() {
    // 64 KiB floor times a ratio of 0 leaves no room at all.
    let got = run_with(
        COPY,
        Limits {
            max_ratio: 0,
            ..Limits::default()
        },
    );
    assert_eq!(got.names(), ["run1/train.log"]);
    assert!(got.members[0].1.is_empty());
    assert_eq!(got.count(NoticeKind::Limit), 1, "{got:?}");
}

#[test]
fn the_member_count_limit_stops_the_walk() {
    let got = run_with(
        LEAKY,
        Limits {
            max_members: 1,
            ..Limits::default()
        },
    );
    assert_eq!(got.names(), ["run1/train.log"]);
    assert_eq!(got.count(NoticeKind::Limit), 1, "{got:?}");
    assert!(got.notices[0].message.contains("max_members"));
    assert_eq!(got.notices[0].member.as_deref(), Some("configs/.env"));
}

#[test]
fn a_member_that_reads_partly_is_drained_to_reach_the_next() {
    struct FirstByte(Vec<String>);
    impl Visitor for FirstByte {
        fn text(&mut self, _: Option<&str>, _: &mut dyn Read) {}
        fn field(&mut self, _: &str, _: &[u8]) {}
        fn member(&mut self, name: &str, mut blob: Blob<'_>, _: Option<u64>) {
            let mut one = [0u8; 1];
            blob.reader().read_exact(&mut one).unwrap();
            self.0.push(name.to_owned());
        }
        fn notice(&mut self, notice: Notice) {
            panic!("{notice:?}");
        }
    }
    let mut visitor = FirstByte(Vec::new());
    let budget = Budget::new(Limits::default());
    read(&mut Cursor::new(LEAKY), &mut visitor, &budget);
    assert_eq!(visitor.0, ["run1/train.log", "configs/.env", "README.md"]);
    // The drained bytes count as expanded.
    assert!(budget.expanded.get() > 4000, "{}", budget.expanded.get());
}

#[test]
fn every_truncation_is_a_notice() {
    for len in 0..LEAKY.len() {
        let got = run(&LEAKY[..len]);
        assert!(got.members.is_empty(), "prefix {len}: {got:?}");
        assert_eq!(got.notices.len(), 1, "prefix {len}: {got:?}");
        assert_eq!(
            got.notices[0].kind,
            NoticeKind::Corrupt,
            "prefix {len}: {got:?}"
        );
    }
}

#[test]
fn damaged_bytes_never_panic() {
    for data in [LEAKY, COPY, BZIP2, ENCRYPTED, ENCRYPTED_NAMES] {
        for at in 0..data.len() {
            for flip in [0x01, 0x80, 0xff] {
                let mut damaged = data.to_vec();
                damaged[at] ^= flip;
                let got = run(&damaged);
                assert!(got.members.len() <= 3);
            }
        }
    }
}

/// CRC-32 (IEEE), bit by bit, for rebuilding a start header.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// `LEAKY` with its start header pointing at `offset` and `size`.
fn with_next_header(offset: u64, size: u64) -> Vec<u8> {
    let mut data = LEAKY.to_vec();
    data[12..20].copy_from_slice(&offset.to_le_bytes());
    data[20..28].copy_from_slice(&size.to_le_bytes());
    let crc = crc32(&data[12..32]);
    data[8..12].copy_from_slice(&crc.to_le_bytes());
    data
}

#[test]
fn hostile_header_sizes_are_corrupt() {
    for (offset, size) in [
        (0, 1 << 63),
        (1 << 63, 100),
        (u64::MAX, u64::MAX),
        (0, 1_000_000_000),
    ] {
        let got = run(&with_next_header(offset, size));
        assert!(got.members.is_empty());
        assert_eq!(got.notices.len(), 1, "{offset} {size}: {got:?}");
        assert_eq!(got.notices[0].kind, NoticeKind::Corrupt, "{got:?}");
    }
}

#[test]
fn not_a_7z_archive_is_corrupt() {
    let got = run(b"7z\xbc\xaf\x27\x1c\x00\x04 and then nothing of the sort");
    assert_eq!(got.count(NoticeKind::Corrupt), 1, "{got:?}");
}

/// What any input may make the reader hand over: a few notices, short
/// member names, and members no larger in all than the expansion limit
/// allows for an input this size.
fn assert_bounded(got: &Recorder, input: &[u8]) -> Result<(), TestCaseError> {
    let limits = Limits::default();
    prop_assert!(got.notices.len() <= 8, "{:?}", got.notices);
    prop_assert!(
        got.members.len() <= input.len().max(16),
        "{} members",
        got.members.len()
    );
    let mut expanded = 0u64;
    for (name, data, _) in &got.members {
        prop_assert!(name.len() <= 4096, "{name}");
        expanded += data.len() as u64;
    }
    let allowed = (input.len() as u64).max(64 * 1024) * limits.max_ratio;
    prop_assert!(
        expanded <= allowed,
        "{expanded} bytes from {} bytes",
        input.len()
    );
    Ok(())
}

proptest! {
    #[test]
    fn arbitrary_bytes_are_handed_over_within_bounds(tail in proptest::collection::vec(any::<u8>(), 0..512)) {
        let mut data = b"7z\xbc\xaf\x27\x1c\x00\x04".to_vec();
        data.extend_from_slice(&tail);
        assert_bounded(&run(&data), &data)?;
    }

    #[test]
    fn arbitrary_tails_after_a_valid_start_are_handed_over_within_bounds(
        at in 32usize..900,
        tail in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let mut data = LEAKY[..at.min(LEAKY.len())].to_vec();
        data.extend_from_slice(&tail);
        assert_bounded(&run(&data), &data)?;
    }
}
