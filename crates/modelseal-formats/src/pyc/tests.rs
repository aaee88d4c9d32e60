use std::io::Read;

use proptest::prelude::*;

use super::*;
use crate::limits::Limits;
use crate::visitor::Blob;

/// Everything a reader reports, in order.
#[derive(Default)]
struct Record {
    fields: Vec<(String, String)>,
    notices: Vec<(NoticeKind, String)>,
}

impl Visitor for Record {
    fn text(&mut self, field: Option<&str>, _text: &mut dyn Read) {
        panic!("the pyc reader reports fields, not text ({field:?})");
    }
    fn field(&mut self, path: &str, value: &[u8]) {
        self.fields
            .push((path.to_owned(), String::from_utf8_lossy(value).into_owned()));
    }
    fn member(&mut self, name: &str, _blob: Blob<'_>, _size: Option<u64>) {
        panic!("the pyc reader has no members ({name})");
    }
    fn notice(&mut self, notice: Notice) {
        self.notices.push((notice.kind, notice.message));
    }
}

fn read_with(data: &[u8], limits: Limits) -> Record {
    let mut record = Record::default();
    read("x.pyc", &mut &data[..], &mut record, &Budget::new(limits));
    record
}

fn read_all(data: &[u8]) -> Record {
    read_with(data, Limits::default())
}

fn kinds(record: &Record) -> Vec<NoticeKind> {
    record.notices.iter().map(|n| n.0).collect()
}

// ---- byte builders --------------------------------------------------------

const MAGIC_37: u16 = 3394;
const MAGIC_310: u16 = 3439;
const MAGIC_311: u16 = 3495;

fn header(magic: u16) -> Vec<u8> {
    let mut out = magic.to_le_bytes().to_vec();
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&[0; 12]);
    out
}

fn pyc(magic: u16, code: &[u8]) -> Vec<u8> {
    let mut out = header(magic);
    out.extend_from_slice(code);
    out
}

fn int(n: i32) -> Vec<u8> {
    let mut out = vec![b'i'];
    out.extend_from_slice(&n.to_le_bytes());
    out
}

/// A string as `TYPE_UNICODE` (`u`), 4-byte length.
fn unicode(s: &[u8]) -> Vec<u8> {
    let mut out = vec![b'u'];
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s);
    out
}

/// A string as `TYPE_SHORT_ASCII` (`z`), 1-byte length.
fn short(s: &str) -> Vec<u8> {
    let mut out = vec![b'z', s.len() as u8];
    out.extend_from_slice(s.as_bytes());
    out
}

fn bytes(b: &[u8]) -> Vec<u8> {
    let mut out = vec![b's'];
    out.extend_from_slice(&(b.len() as u32).to_le_bytes());
    out.extend_from_slice(b);
    out
}

fn tuple(items: &[Vec<u8>]) -> Vec<u8> {
    let mut out = vec![b'('];
    out.extend_from_slice(&(items.len() as u32).to_le_bytes());
    for item in items {
        out.extend_from_slice(item);
    }
    out
}

fn small_tuple(items: &[Vec<u8>]) -> Vec<u8> {
    let mut out = vec![b')', items.len() as u8];
    for item in items {
        out.extend_from_slice(item);
    }
    out
}

fn reference(index: u32) -> Vec<u8> {
    let mut out = vec![b'r'];
    out.extend_from_slice(&index.to_le_bytes());
    out
}

/// Sets `FLAG_REF` on an object: it is stored for later references.
fn stored(mut object: Vec<u8>) -> Vec<u8> {
    object[0] |= 0x80;
    object
}

/// A 3.11-layout code object.
fn code311(consts: &[Vec<u8>], filename: &[u8], qualname: &str) -> Vec<u8> {
    let mut out = vec![b'c'];
    for n in [0i32, 0, 0, 1, 0] {
        out.extend_from_slice(&n.to_le_bytes());
    }
    out.extend(bytes(b"\x97\x00"));
    out.extend(tuple(consts));
    out.extend(small_tuple(&[]));
    out.extend(small_tuple(&[]));
    out.extend(bytes(b""));
    out.extend_from_slice(filename);
    out.extend(unicode(
        qualname.rsplit('.').next().unwrap_or(qualname).as_bytes(),
    ));
    out.extend(unicode(qualname.as_bytes()));
    out.extend_from_slice(&1i32.to_le_bytes());
    out.extend(bytes(b""));
    out.extend(bytes(b""));
    out
}

/// A 3.7-layout code object (no qualname; `flags` says function or not).
fn code37(consts: &[Vec<u8>], filename: &[u8], name: &str, flags: i32) -> Vec<u8> {
    let mut out = vec![b'c'];
    for n in [0i32, 0, 0, 1, flags] {
        out.extend_from_slice(&n.to_le_bytes());
    }
    out.extend(bytes(b"d\x00S\x00"));
    out.extend(tuple(consts));
    for _ in 0..4 {
        out.extend(small_tuple(&[]));
    }
    out.extend_from_slice(filename);
    out.extend(short(name));
    out.extend_from_slice(&1i32.to_le_bytes());
    out.extend(bytes(b""));
    out
}

fn field(path: &str, value: &str) -> (String, String) {
    (path.to_owned(), value.to_owned())
}

// ---- fixtures written by CPython ------------------------------------------

const FILENAME: &str = "/home/asmith/project/train.py";

/// Replaces the fixture's random password so the expected fields can be
/// written down (the value itself is checked here: 24 letters and digits).
fn mask_password(record: &Record) -> Vec<(String, String)> {
    record
        .fields
        .iter()
        .map(|(path, value)| {
            let masked = match value
                .strip_prefix("postgres://user:")
                .and_then(|rest| rest.strip_suffix("@db.internal:5432/x"))
            {
                Some(password) => {
                    assert_eq!(password.len(), 24, "{value}");
                    assert!(password.bytes().all(|b| b.is_ascii_alphanumeric()));
                    "postgres://user:{password}@db.internal:5432/x".to_owned()
                }
                None => value.clone(),
            };
            (path.clone(), masked)
        })
        .collect()
}

/// What 3.7 to 3.10 put in the constants: the names of functions and
/// classes next to their code.
fn expected_before_311() -> Vec<(String, String)> {
    vec![
        field("code/co_filename", FILENAME),
        field("code/<module>/consts[0]", "Fine-tune the sentiment model."),
        field(
            "code/<module>/consts[1]",
            "postgres://user:{password}@db.internal:5432/x",
        ),
        field("code/<module>/consts[5]", "train"),
        field("code/<module>/consts[7]", "Trainer"),
        field("code/train/consts[0]", "Run the training loop."),
        field("code/train/consts[2]", "train.<locals>.step"),
        field("code/train/consts[4]", "train.<locals>.<listcomp>"),
        field("code/train.<locals>.step/consts[1]", "-step"),
        field("code/Trainer/consts[0]", "Trainer"),
        field("code/Trainer/consts[2]", "Trainer.log"),
        field("code/Trainer.log/consts[1]", "trainer:"),
    ]
}

fn expected_since_311(trainer_index: usize) -> Vec<(String, String)> {
    vec![
        field("code/co_filename", FILENAME),
        field("code/<module>/consts[0]", "Fine-tune the sentiment model."),
        field(
            "code/<module>/consts[1]",
            "postgres://user:{password}@db.internal:5432/x",
        ),
        field(&format!("code/<module>/consts[{trainer_index}]"), "Trainer"),
        field("code/train/consts[0]", "Run the training loop."),
        field("code/train.<locals>.step/consts[1]", "-step"),
        field("code/Trainer/consts[0]", "Trainer"),
        field("code/Trainer.log/consts[1]", "trainer:"),
    ]
}

const PY311: &[u8] = include_bytes!("../../tests/fixtures/pyc/leaky.cpython-311.pyc");

#[test]
fn python_3_11_fixture() {
    let record = read_all(PY311);
    assert_eq!(record.notices, []);
    assert_eq!(mask_password(&record), expected_since_311(6));
}

#[test]
fn fixtures_of_every_layout() {
    type Fixture = (&'static str, &'static [u8], Vec<(String, String)>);
    let fixtures: [Fixture; 6] = [
        (
            "3.7",
            include_bytes!("../../tests/fixtures/pyc/leaky.cpython-37.pyc"),
            expected_before_311(),
        ),
        (
            "3.8",
            include_bytes!("../../tests/fixtures/pyc/leaky.cpython-38.pyc"),
            expected_before_311(),
        ),
        (
            "3.9",
            include_bytes!("../../tests/fixtures/pyc/leaky.cpython-39.pyc"),
            expected_before_311(),
        ),
        (
            "3.10",
            include_bytes!("../../tests/fixtures/pyc/leaky.cpython-310.pyc"),
            expected_before_311(),
        ),
        (
            "3.12",
            include_bytes!("../../tests/fixtures/pyc/leaky.cpython-312.pyc"),
            expected_since_311(5),
        ),
        (
            "3.13",
            include_bytes!("../../tests/fixtures/pyc/leaky.cpython-313.pyc"),
            expected_since_311(5),
        ),
    ];
    for (version, data, expected) in fixtures {
        let record = read_all(data);
        assert_eq!(record.notices, [], "Python {version}");
        assert_eq!(mask_password(&record), expected, "Python {version}");
    }
}

#[test]
fn every_prefix_is_corrupt_and_keeps_what_was_read() {
    let whole = read_all(PY311).fields;
    for len in 0..PY311.len() {
        let record = read_all(&PY311[..len]);
        assert_eq!(
            kinds(&record),
            [NoticeKind::Corrupt],
            "prefix of {len} bytes"
        );
        for found in &record.fields {
            // A code object cut before its name is `?`; its constants are
            // reported all the same.
            let known = whole.contains(found)
                || (found.0.contains('?') && whole.iter().any(|w| w.1 == found.1));
            assert!(known, "prefix of {len} bytes: {found:?}");
        }
    }
    // The module's constants come before its file name: a prefix that has
    // the file name of the module has its constants.
    let almost = read_all(&PY311[..PY311.len() - 1]);
    assert_eq!(almost.fields.len(), whole.len());
}

#[test]
fn truncation_messages_say_where() {
    let record = read_all(&PY311[..100]);
    let message = &record.notices[0].1;
    assert!(message.starts_with("bad marshal data:"), "{message}");
    assert!(message.contains("offset"), "{message}");
    let record = read_all(&PY311[..10]);
    assert_eq!(
        record.notices,
        [(
            NoticeKind::Corrupt,
            "a pyc header is 16 bytes; this file has only 10".to_owned()
        )]
    );
}

#[test]
fn larger_than_max_segment_is_cut_with_a_limit_notice() {
    let limits = Limits {
        max_segment: 200,
        ..Limits::default()
    };
    let record = read_with(PY311, limits);
    assert_eq!(kinds(&record), [NoticeKind::Limit]);
    assert!(record.notices[0].1.contains("max_segment"));
}

// ---- built inputs ---------------------------------------------------------

#[test]
fn string_kinds_refs_and_tuples() {
    let filename = stored(unicode(b"/srv/build/app.py"));
    let consts = [
        short("none"),
        stored(unicode("naïve café".as_bytes())),
        // Interned and ASCII forms.
        {
            let mut t = unicode(b"interned");
            t[0] = b't';
            t
        },
        {
            let mut a = unicode(b"ascii");
            a[0] = b'A';
            a
        },
        short("abc"),
        bytes(b"raw-bytes"),
        small_tuple(&[short("left"), tuple(&[short("deep"), int(7)])]),
        // References: the second string stored above (slot 1; the file
        // name is read later, the module's code object took slot 0).
        reference(1),
        b"N".to_vec(),
        b"\xd4".to_vec(), // FLAG_REF on True: not stored, no slot taken
    ];
    let code = stored(code311(&consts, &filename, "<module>"));
    let record = read_all(&pyc(MAGIC_311, &code));
    assert_eq!(record.notices, []);
    assert_eq!(
        record.fields,
        [
            field("code/co_filename", "/srv/build/app.py"),
            field("code/<module>/consts[0]", "none"),
            field("code/<module>/consts[1]", "naïve café"),
            field("code/<module>/consts[2]", "interned"),
            field("code/<module>/consts[3]", "ascii"),
            field("code/<module>/consts[5]", "raw-bytes"),
            field("code/<module>/consts[6][0]", "left"),
            field("code/<module>/consts[6][1][0]", "deep"),
            field("code/<module>/consts[7]", "naïve café"),
        ]
    );
}

#[test]
fn file_name_reported_once_per_distinct_value() {
    // The first code object to end stores its file name (slot 1; the
    // module took slot 0); the module refers to it, as CPython writes them.
    let inner = code311(
        &[short("inner const")],
        &stored(short("/home/asmith/a.py")),
        "f",
    );
    let other = code311(&[], &short("/other/file.py"), "g");
    let module = stored(code311(&[inner, other], &reference(1), "<module>"));
    let record = read_all(&pyc(MAGIC_311, &module));
    assert_eq!(record.notices, []);
    assert_eq!(
        record.fields,
        [
            field("code/co_filename", "/home/asmith/a.py"),
            field("code/f/consts[0]", "inner const"),
            field("code/co_filename", "/other/file.py"),
        ]
    );
}

#[test]
fn qualified_names_before_3_11_follow_cpython() {
    const FUNCTION: i32 = 0x3; // CO_OPTIMIZED | CO_NEWLOCALS
    let inner = code37(&[short("in a closure")], &short("/a.py"), "inner", FUNCTION);
    let outer = code37(&[inner], &short("/a.py"), "outer", FUNCTION);
    let method = code37(&[short("in a method")], &short("/a.py"), "run", FUNCTION);
    let class = code37(&[method], &short("/a.py"), "Job", 0);
    let module = code37(&[outer, class], &short("/a.py"), "<module>", 0);
    let record = read_all(&pyc(MAGIC_37, &module));
    assert_eq!(record.notices, []);
    assert_eq!(
        record.fields,
        [
            field("code/co_filename", "/a.py"),
            field("code/outer.<locals>.inner/consts[0]", "in a closure"),
            field("code/Job.run/consts[0]", "in a method"),
        ]
    );
}

#[test]
fn numbers_and_containers_are_stepped_over() {
    let mut long = vec![b'l'];
    long.extend_from_slice(&(-2i32).to_le_bytes());
    long.extend_from_slice(&[1, 0, 2, 0]);
    let mut float = vec![b'f', 3];
    float.extend_from_slice(b"1.5");
    let mut complex = vec![b'x', 1, b'1', 1, b'2'];
    complex.extend_from_slice(&[]);
    let mut binary_float = vec![b'g'];
    binary_float.extend_from_slice(&1.5f64.to_le_bytes());
    let mut binary_complex = vec![b'y'];
    binary_complex.extend_from_slice(&[0; 16]);
    let mut int64 = vec![b'I'];
    int64.extend_from_slice(&[0; 8]);
    let mut dict = vec![b'{'];
    dict.extend(short("key!"));
    dict.extend(int(1));
    dict.push(b'0');
    let mut frozenset = vec![b'>'];
    frozenset.extend_from_slice(&1u32.to_le_bytes());
    frozenset.extend(short("in a set"));
    let mut list = vec![b'['];
    list.extend_from_slice(&1u32.to_le_bytes());
    list.push(b'S');
    let mut slice = vec![b':'];
    slice.extend_from_slice(b"NNN");
    let consts = [
        long,
        float,
        complex,
        binary_float,
        binary_complex,
        int64,
        dict,
        frozenset,
        list,
        slice,
        b".".to_vec(),
        b"F".to_vec(),
        short("after them all"),
    ];
    let record = read_all(&pyc(
        MAGIC_311,
        &code311(&consts, &short("/a.py"), "<module>"),
    ));
    assert_eq!(record.notices, []);
    assert_eq!(
        record.fields,
        [
            field("code/co_filename", "/a.py"),
            field("code/<module>/consts[7][0]", "in a set"),
            field("code/<module>/consts[12]", "after them all"),
        ]
    );
}

#[test]
fn invalid_utf8_is_kept_as_far_as_it_reads() {
    let consts = [unicode(b"key=\xff\xfe-secret")];
    let record = read_all(&pyc(
        MAGIC_311,
        &code311(&consts, &short("/a.py"), "<module>"),
    ));
    assert_eq!(record.notices, []);
    assert_eq!(
        record.fields[1],
        field("code/<module>/consts[0]", "key=\u{fffd}\u{fffd}-secret")
    );
}

#[test]
fn hostile_lengths_are_corrupt_not_allocated() {
    let module = |consts: &[Vec<u8>]| pyc(MAGIC_311, &code311(consts, &short("/a.py"), "m"));
    let mut huge_string = vec![b'u'];
    huge_string.extend_from_slice(&0x7fff_ffffu32.to_le_bytes());
    let mut negative = vec![b's'];
    negative.extend_from_slice(&(-1i32).to_le_bytes());
    let mut billion_items = vec![b'('];
    billion_items.extend_from_slice(&1_000_000_000u32.to_le_bytes());
    let mut long_min = vec![b'l'];
    long_min.extend_from_slice(&i32::MIN.to_le_bytes());
    let mut bad_ref = vec![b'r'];
    bad_ref.extend_from_slice(&u32::MAX.to_le_bytes());
    for (what, object, says) in [
        ("string of 2^31 bytes", huge_string, "more than the"),
        ("negative length", negative, "is negative"),
        ("a billion items", billion_items, "1000000000"),
        ("int of 2^31 digits", long_min, "runs past the end"),
        ("reference to nothing", bad_ref, "points past"),
        (
            "unknown type",
            b"?".to_vec(),
            "unknown marshal type code 0x3f",
        ),
    ] {
        let data = module(&[short("kept before"), object]);
        let record = read_all(&data);
        assert_eq!(kinds(&record), [NoticeKind::Corrupt], "{what}");
        assert!(
            record.notices[0].1.contains(says),
            "{what}: {:?}",
            record.notices
        );
        assert!(record.notices[0].1.contains("offset"), "{what}");
    }
    // The header (16 bytes), `c` and five ints (21), the code bytes (7), the
    // tuple's type and count (5) and the first constant (6) come first.
    let record = read_all(&module(&[short("kept"), b"?".to_vec()]));
    assert!(
        record.notices[0].1.contains("at offset 55"),
        "{:?}",
        record.notices
    );
}

#[test]
fn a_tuple_that_refers_to_itself_ends() {
    // A stored tuple whose only item is a reference to itself (slot 1).
    let mut selfish = vec![b'(' | 0x80];
    selfish.extend_from_slice(&1u32.to_le_bytes());
    selfish.extend(reference(1));
    let record = read_all(&pyc(
        MAGIC_311,
        &stored(code311(&[selfish, short("next one")], &short("/a.py"), "m")),
    ));
    assert_eq!(record.notices, []);
    assert_eq!(record.fields[1], field("code/m/consts[1]", "next one"));
}

#[test]
fn deep_nesting_is_a_limit() {
    let depth = 100_000;
    let mut nested = Vec::new();
    for _ in 0..depth {
        nested.extend_from_slice(&[b')', 1]);
    }
    nested.push(b'N');
    let record = read_all(&pyc(MAGIC_311, &code311(&[nested], &short("/a.py"), "m")));
    assert_eq!(kinds(&record), [NoticeKind::Limit]);
    assert!(record.notices[0].1.contains("nested"));
}

#[test]
fn nested_code_objects_are_bounded_too() {
    let mut code = code311(&[short("innermost")], &short("/a.py"), "f");
    for _ in 0..200 {
        code = code311(&[code], &short("/a.py"), "f");
    }
    let record = read_all(&pyc(MAGIC_311, &code));
    assert_eq!(kinds(&record), [NoticeKind::Limit]);
}

#[test]
fn too_many_objects_is_a_limit() {
    let n = usize::try_from(marshal::MAX_OBJECTS).unwrap() + 10;
    let mut many = vec![b'('];
    many.extend_from_slice(&(n as u32).to_le_bytes());
    many.resize(many.len() + n, b'N');
    let record = read_all(&pyc(MAGIC_311, &code311(&[many], &short("/a.py"), "m")));
    assert_eq!(kinds(&record), [NoticeKind::Limit]);
    assert!(record.notices[0].1.contains("objects"));
}

#[test]
fn references_cannot_multiply_constants() {
    // t0 = ("abcd", "abcd"); t(k+1) = (t(k), t(k)) by reference: 2^40
    // strings if followed blindly.
    let mut consts = vec![stored(small_tuple(&[short("abcd"), short("abcd")]))];
    for k in 0..40u32 {
        // Slot 0 is the code object, slot 1 is t0, slot k+1 is t(k).
        consts.push(stored(small_tuple(&[reference(k + 1), reference(k + 1)])));
    }
    let record = read_all(&pyc(
        MAGIC_311,
        &stored(code311(&consts, &short("/a.py"), "m")),
    ));
    assert_eq!(kinds(&record), [NoticeKind::Limit]);
    assert!(record.fields.len() <= MAX_CONSTS + 1);
}

#[test]
fn a_long_string_referred_to_many_times_is_reported_within_bounds() {
    let long = "x".repeat(100_000);
    let mut consts = vec![stored(unicode(long.as_bytes()))];
    // Slot 0 is the code object, slot 1 the long string.
    consts.extend(std::iter::repeat_n(reference(1), 5_000));
    let data = pyc(MAGIC_311, &stored(code311(&consts, &short("/a.py"), "m")));
    let record = read_all(&data);
    assert_eq!(kinds(&record), [NoticeKind::Limit]);
    let reported: usize = record.fields.iter().map(|(p, v)| p.len() + v.len()).sum();
    assert!(reported as u64 <= 16 * data.len() as u64 + (1 << 20));
    assert!(record.fields.len() > 10);
}

#[test]
fn long_names_are_cut_in_paths() {
    let name = "n".repeat(100_000);
    let inner = code311(&[short("constant")], &short("/a.py"), &name);
    let record = read_all(&pyc(MAGIC_311, &code311(&[inner], &short("/a.py"), "m")));
    assert_eq!(record.notices, []);
    let (path, value) = &record.fields[1];
    assert_eq!(value, "constant");
    assert!(path.len() < MAX_QUALNAME + 32, "{}", path.len());
    assert!(path.ends_with("…/consts[0]"), "{path}");
}

#[test]
fn other_versions_are_unsupported_and_bad_headers_corrupt() {
    for (magic, says) in [
        (3379, "Python 3.6 or older"),
        (3627, "newer than 3.13"),
        (62211, "Python 2"),
        (7, "no known Python version"),
    ] {
        let record = read_all(&pyc(magic, &code311(&[], &short("/a.py"), "m")));
        assert_eq!(kinds(&record), [NoticeKind::Unsupported], "{magic}");
        assert!(record.notices[0].1.contains(says), "{magic}");
        assert!(record.notices[0].1.contains(&magic.to_string()), "{magic}");
        assert_eq!(record.fields, []);
    }
    let mut no_crlf = pyc(MAGIC_310, b"N");
    no_crlf[2] = b'x';
    let record = read_all(&no_crlf);
    assert_eq!(kinds(&record), [NoticeKind::Corrupt]);
}

/// What any input may make the reader report: a stop and a limit at most,
/// no more fields than bytes, each value made of the input's own bytes (a
/// lossy UTF-8 view: at most three bytes per input byte), short paths.
fn assert_bounded(record: &Record, input: &[u8]) -> Result<(), TestCaseError> {
    prop_assert!(record.notices.len() <= 2, "{:?}", record.notices);
    prop_assert!(record.fields.len() <= input.len());
    crate::protobuf::testing::values_within_bounds(
        record.fields.iter().map(|(p, v)| (p.as_str(), v.as_str())),
        input,
    )
}

proptest! {
    #[test]
    fn arbitrary_bytes_report_within_bounds(data in proptest::collection::vec(any::<u8>(), 0..512)) {
        assert_bounded(&read_all(&data), &data)?;
    }

    #[test]
    fn arbitrary_marshal_data_reports_within_bounds(
        magic in prop_oneof![Just(MAGIC_37), Just(MAGIC_310), Just(MAGIC_311)],
        body in proptest::collection::vec(any::<u8>(), 0..512),
    ) {
        let data = pyc(magic, &body);
        let record = read_all(&data);
        // At most a stop and the constants limit.
        assert_bounded(&record, &data)?;
    }

    #[test]
    fn a_mutated_fixture_reports_within_bounds(index in 16usize..PY311.len(), byte in any::<u8>()) {
        let mut data = PY311.to_vec();
        data[index] = byte;
        assert_bounded(&read_all(&data), &data)?;
    }
}
