//! The `wandb_internal.Record` proto, walked by what its fields mean.
//!
//! Each record holds one of: history, summary, config (items of a key and a
//! JSON value), console output, files, an artifact, an alert, the run, its
//! environment, ... The fields that carry text are named ([`RECORD`] and the
//! schemas below it, from W&B's `wandb_internal.proto`):
//!
//! - `config/<key>`, `summary/<key>`, `history/<key>`, `settings/<key>`: the
//!   value of an item, decoded when it is a JSON string (`"hf_..."` is
//!   reported as `hf_...`), kept as JSON when it is an object or array,
//!   and not reported when it is a number, a boolean or null;
//! - `output[<n>]`: the n-th line of console output;
//! - `run/<field>`, `environment/<field>`, `artifact/<field>`,
//!   `artifact/manifest/contents/<field>`, `files/path`, `alert/<field>`, ...
//!
//! A field the schemas do not know is walked generically: a printable
//! string of four bytes or more is reported at the numbers of the fields
//! that lead to it (`record[7]/100/11/3`), and bytes that parse as a
//! protobuf message are walked in turn, a few levels deep.

use crate::protobuf::{Out, Value, Walker};
use crate::reading::{Result, Stop};
use crate::visitor::{Notice, NoticeKind};

/// What a field holds.
#[derive(Debug, Clone, Copy)]
enum Shape {
    /// A string, reported at `<prefix>/<name>`.
    Str(&'static str),
    /// A message, walked with its schema under `<prefix>/<name>` (the
    /// prefix itself when the name is empty).
    Msg(&'static str, Schema),
    /// A key/value item (`ConfigItem`, `SummaryItem`, ...), reported at
    /// `<root>/<key>` wherever it sits.
    Item(&'static str),
    /// A line of console output, reported at `output[<n>]`.
    Output,
    /// Known to hold no text worth reporting (ids, timestamps, numbers).
    Skip,
}

type Schema = &'static [(u32, Shape)];

const RECORD: Schema = &[
    (
        2,
        Shape::Msg("history", &[(1, Shape::Item("history")), (2, Shape::Skip)]),
    ),
    (3, Shape::Msg("summary", SUMMARY)),
    (4, Shape::Msg("output", OUTPUT)),
    (5, Shape::Msg("config", CONFIG)),
    (
        6,
        Shape::Msg("files", &[(1, Shape::Msg("", &[(1, Shape::Str("path"))]))]),
    ),
    (7, Shape::Skip), // system metrics: numbers
    (8, Shape::Msg("artifact", ARTIFACT)),
    (
        9,
        Shape::Msg(
            "tbrecord",
            &[
                (1, Shape::Str("log_dir")),
                (3, Shape::Str("root_dir")),
                (4, Shape::Str("namespace")),
                (5, Shape::Str("save_path")),
            ],
        ),
    ),
    (
        10,
        Shape::Msg(
            "alert",
            &[
                (1, Shape::Str("title")),
                (2, Shape::Str("text")),
                (3, Shape::Str("level")),
            ],
        ),
    ),
    (11, Shape::Msg("telemetry", TELEMETRY)),
    (12, Shape::Skip), // metric definitions
    (13, Shape::Msg("output", OUTPUT)),
    (16, Shape::Skip), // control flags
    (17, Shape::Msg("run", RUN)),
    (18, Shape::Skip), // exit code
    (19, Shape::Skip), // record uuid
    (20, Shape::Skip), // final
    (21, Shape::Skip), // header: the writer's version
    (22, Shape::Skip), // footer
    (23, Shape::Skip), // preempting
    (24, Shape::Skip), // noop
    (
        25,
        Shape::Msg(
            "use_artifact",
            &[
                (1, Shape::Str("id")),
                (2, Shape::Str("type")),
                (3, Shape::Str("name")),
            ],
        ),
    ),
    (26, Shape::Msg("environment", ENVIRONMENT)),
    (27, Shape::Msg("output", &[(1, Shape::Output)])),
];

const CONFIG: Schema = &[(1, Shape::Item("config")), (2, Shape::Skip)];
const SUMMARY: Schema = &[(1, Shape::Item("summary")), (2, Shape::Skip)];
const OUTPUT: Schema = &[(1, Shape::Skip), (2, Shape::Skip), (3, Shape::Output)];
const GIT: Schema = &[(1, Shape::Str("remote_url")), (2, Shape::Str("commit"))];

const TELEMETRY: Schema = &[
    (1, Shape::Skip), // imports: flags
    (2, Shape::Skip),
    (3, Shape::Skip), // features: flags
    (4, Shape::Str("python_version")),
    (5, Shape::Str("cli_version")),
    (6, Shape::Str("huggingface_version")),
    (8, Shape::Skip), // environment: flags
    (10, Shape::Skip),
    (12, Shape::Str("core_version")),
    (13, Shape::Str("platform")),
];

const RUN: Schema = &[
    (1, Shape::Str("run_id")),
    (2, Shape::Str("entity")),
    (3, Shape::Str("project")),
    (4, Shape::Msg("", CONFIG)),
    (5, Shape::Msg("", SUMMARY)),
    (6, Shape::Str("run_group")),
    (7, Shape::Str("job_type")),
    (8, Shape::Str("display_name")),
    (9, Shape::Str("notes")),
    (10, Shape::Str("tags")),
    (11, Shape::Msg("", &[(1, Shape::Item("settings"))])),
    (12, Shape::Str("sweep_id")),
    (13, Shape::Str("host")),
    (16, Shape::Str("storage_id")),
    (17, Shape::Skip), // start time
    (19, Shape::Msg("telemetry", TELEMETRY)),
    (21, Shape::Msg("git", GIT)),
    (23, Shape::Skip), // branch point: ids and numbers
];

const ENVIRONMENT: Schema = &[
    (1, Shape::Str("os")),
    (2, Shape::Str("python")),
    (3, Shape::Skip), // start time
    (4, Shape::Str("docker")),
    (5, Shape::Str("args")),
    (6, Shape::Str("program")),
    (7, Shape::Str("code_path")),
    (8, Shape::Str("code_path_local")),
    (9, Shape::Msg("git", GIT)),
    (10, Shape::Str("email")),
    (11, Shape::Str("root")),
    (12, Shape::Str("host")),
    (13, Shape::Str("username")),
    (14, Shape::Str("executable")),
    (15, Shape::Str("colab")),
    (18, Shape::Str("gpu_type")),
    (25, Shape::Str("cuda_version")),
    (199, Shape::Str("writer_id")),
];

const ARTIFACT: Schema = &[
    (1, Shape::Str("run_id")),
    (2, Shape::Str("project")),
    (3, Shape::Str("entity")),
    (4, Shape::Str("type")),
    (5, Shape::Str("name")),
    (6, Shape::Str("digest")),
    (7, Shape::Str("description")),
    (8, Shape::Str("metadata")),
    (11, Shape::Str("aliases")),
    (
        12,
        Shape::Msg(
            "manifest",
            &[
                (2, Shape::Str("storage_policy")),
                (
                    4,
                    Shape::Msg(
                        "contents",
                        &[
                            (1, Shape::Str("path")),
                            (2, Shape::Str("digest")),
                            (3, Shape::Str("ref")),
                            (5, Shape::Str("mimetype")),
                            (6, Shape::Str("local_path")),
                            (7, Shape::Str("birth_artifact_id")),
                        ],
                    ),
                ),
                (5, Shape::Str("manifest_file_path")),
            ],
        ),
    ),
    (13, Shape::Str("distributed_id")),
    (15, Shape::Str("client_id")),
    (16, Shape::Str("sequence_client_id")),
    (17, Shape::Str("base_id")),
    (19, Shape::Str("tags")),
    (20, Shape::Str("digest_algorithm")),
];

/// Every message's `_info` (field 200) holds stream ids: never text.
const INFO: u32 = 200;
/// Levels of unknown bytes tried as messages inside each other.
const GENERIC_DEPTH: usize = 6;
/// Shortest unknown string reported: shorter ones are enum-like noise.
const MIN_GENERIC: usize = 4;

/// The records of one file, as they are walked, and what was passed over.
pub(super) struct Records<'v> {
    pub out: Out<'v>,
    pub too_deep: u64,
    /// Lines of console output so far.
    outputs: u64,
    /// Strings longer than `max_segment`, not read.
    too_long: u64,
}

impl<'v> Records<'v> {
    pub fn new(out: Out<'v>) -> Self {
        Records {
            out,
            too_deep: 0,
            outputs: 0,
            too_long: 0,
        }
    }

    /// Walks one record (record number `index` in the file).
    pub fn record(&mut self, w: &mut Walker<'_>, index: u64) -> Result<()> {
        self.message(w, RECORD, &format!("record[{index}]"), true)
    }

    /// Reports a stop, then what was passed over: call once, at the end.
    pub fn finish(self, stop: Option<Stop>, max_depth: usize) {
        if self.too_long > 0 {
            self.out.visitor.notice(Notice::new(
                NoticeKind::Limit,
                None,
                format!(
                    "{} string(s) longer than max_segment were not read",
                    self.too_long
                ),
            ));
        }
        self.out.finish(stop, self.too_deep, max_depth);
    }

    /// Walks a message with `schema`. At the top of a record, known fields
    /// are named from the root (`run/...`), unknown ones under `prefix`.
    fn message(
        &mut self,
        w: &mut Walker<'_>,
        schema: Schema,
        prefix: &str,
        top: bool,
    ) -> Result<()> {
        while let Some(field) = w.next_field()? {
            let Value::Len(len) = field.value else {
                continue;
            };
            let shape = schema
                .iter()
                .find(|(number, _)| *number == field.number)
                .map(|(_, shape)| *shape);
            let named = |name: &str| {
                if top || prefix.is_empty() {
                    name.to_owned()
                } else if name.is_empty() {
                    prefix.to_owned()
                } else {
                    format!("{prefix}/{name}")
                }
            };
            match shape {
                Some(Shape::Skip) => w.skip(len)?,
                None if field.number == INFO => w.skip(len)?,
                Some(Shape::Str(name)) => match w.bytes(len)? {
                    Some(value) => self.out.value(&named(name), &value),
                    None => self.too_long += 1,
                },
                Some(Shape::Msg(name, inner)) => {
                    let path = named(name);
                    w.message(len, |w| self.message(w, inner, &path, false))?;
                }
                Some(Shape::Item(root)) => {
                    w.message(len, |w| self.item(w, root))?;
                }
                Some(Shape::Output) => match w.bytes(len)? {
                    Some(line) => {
                        let path = format!("output[{}]", self.outputs);
                        self.outputs += 1;
                        self.out.value(&path, trim_line(&line));
                    }
                    None => self.too_long += 1,
                },
                None => {
                    let path = format!("{prefix}/{}", field.number);
                    match w.bytes(len)? {
                        Some(bytes) => self.generic(&bytes, &path, 0),
                        None => self.too_long += 1,
                    }
                }
            }
        }
        Ok(())
    }

    /// A key/value item: key 1 (or the parts of a nested key, 2), the value
    /// as JSON (16; a history item's `json`, 8), or as text (7).
    fn item(&mut self, w: &mut Walker<'_>, root: &str) -> Result<()> {
        let mut key = String::new();
        let mut nested: Vec<String> = Vec::new();
        let mut value: Option<(Vec<u8>, bool)> = None;
        while let Some(field) = w.next_field()? {
            let Value::Len(len) = field.value else {
                continue;
            };
            match field.number {
                1 | 2 => {
                    let Some(raw) = w.bytes(len)? else {
                        self.too_long += 1;
                        continue;
                    };
                    let part = self.out.key(&raw);
                    if field.number == 1 {
                        key = part;
                    } else if nested.len() < 64 {
                        nested.push(part);
                    }
                }
                16 | 8 | 7 => match w.bytes(len)? {
                    Some(raw) => value = Some((raw, field.number != 7)),
                    None => self.too_long += 1,
                },
                _ => w.skip(len)?,
            }
        }
        let Some((raw, json)) = value else {
            return Ok(());
        };
        if key.is_empty() {
            key = nested.join("/");
        }
        let path = format!("{root}/{key}");
        if !json {
            self.out.value(&path, &raw);
            return Ok(());
        }
        match json_text(&raw) {
            JsonText::String(text) => self.out.value(&path, text.as_bytes()),
            JsonText::Raw => self.out.value(&path, &raw),
            JsonText::Scalar => {}
        }
        Ok(())
    }

    /// Bytes of a field no schema names: a string, a message, or neither.
    fn generic(&mut self, bytes: &[u8], path: &str, depth: usize) {
        if is_text(bytes) {
            if bytes.len() >= MIN_GENERIC {
                self.out.value(path, bytes);
            }
            return;
        }
        if depth >= GENERIC_DEPTH {
            return;
        }
        // Only bytes that parse as a whole message are walked as one.
        let Some(fields) = fields(bytes) else {
            return;
        };
        for (number, inner) in fields {
            self.generic(inner, &format!("{path}/{number}"), depth + 1);
        }
    }
}

/// The length-delimited fields of `bytes` if they parse as one message.
fn fields(bytes: &[u8]) -> Option<Vec<(u32, &[u8])>> {
    let mut out = Vec::new();
    let mut at = 0usize;
    while at < bytes.len() {
        let (key, next) = varint(bytes, at)?;
        at = next;
        let number = u32::try_from(key >> 3).ok().filter(|n| *n > 0)?;
        match key & 7 {
            0 => at = varint(bytes, at)?.1,
            1 => at = at.checked_add(8)?,
            2 => {
                let (len, next) = varint(bytes, at)?;
                let end = next.checked_add(usize::try_from(len).ok()?)?;
                out.push((number, bytes.get(next..end)?));
                at = end;
            }
            5 => at = at.checked_add(4)?,
            _ => return None,
        }
        if at > bytes.len() {
            return None;
        }
    }
    Some(out)
}

/// A varint at `at`, and where the bytes after it start.
fn varint(bytes: &[u8], mut at: usize) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *bytes.get(at)?;
        at += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some((value, at));
        }
    }
    None
}

/// Printable UTF-8: no control characters but tabs and line breaks.
fn is_text(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok_and(|s| {
        s.chars()
            .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
    })
}

/// A console line without the line break W&B keeps at its end.
fn trim_line(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

enum JsonText {
    /// A JSON string, decoded.
    String(String),
    /// A number, a boolean or null: nothing to report.
    Scalar,
    /// An object, an array, or not JSON: reported as it is.
    Raw,
}

fn json_text(raw: &[u8]) -> JsonText {
    match raw.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'"') => serde_json::from_slice::<String>(raw).map_or(JsonText::Raw, JsonText::String),
        Some(b'{' | b'[') | None => JsonText::Raw,
        Some(_) => match serde_json::from_slice::<serde_json::Value>(raw) {
            Ok(
                serde_json::Value::Number(_) | serde_json::Value::Bool(_) | serde_json::Value::Null,
            ) => JsonText::Scalar,
            _ => JsonText::Raw,
        },
    }
}
