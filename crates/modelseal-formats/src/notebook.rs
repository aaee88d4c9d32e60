//! A Jupyter notebook: cell sources, outputs and metadata.
//!
//! The notebook (nbformat 4, or 3 with its worksheets) is parsed as JSON and
//! reported part by part, each under the path a person would look it up by:
//!
//! - text, with its own line numbers: `cells[3].source` (`input` in
//!   nbformat 3), stream outputs `cells[3].outputs[0].text`, rich outputs
//!   `cells[3].outputs[0].data.text/plain` (`.data.text/html`,
//!   `.data.application/json` as indented JSON, ...), error tracebacks
//!   `cells[3].outputs[0].traceback` (lines joined). Outputs have their ANSI
//!   colour codes removed, so a value split by them is whole again;
//! - fields, for each string in metadata: the notebook's
//!   (`metadata.kernelspec.name`, `metadata.widgets...`, custom keys), a
//!   cell's (`cells[3].metadata.hub_token`) and an output's, and an error's
//!   `cells[3].outputs[0].evalue`.
//!
//! Images (cell attachments, `image/png` and other binary outputs) are
//! skipped and counted in one notice. A notebook that is not valid JSON, or
//! larger than 8 MiB (or `max_segment`), is scanned as plain text instead, with a notice.

mod ansi;

use std::io::{Cursor, Read};

use serde_json::{Map, Value};

use crate::limits::Budget;
use crate::reading::{Allowance, Stop, path_text};
use crate::visitor::{Notice, NoticeKind, Visitor};

/// Bytes of a field path; longer ones are cut (with `…`) before their
/// children are added, so deep or long keys cannot make paths quadratic.
const MAX_PATH: usize = 512;

/// JSON nesting followed. `serde_json` already refuses more than 128
/// levels; this keeps the bound visible here.
const MAX_DEPTH: usize = 128;

/// Cell keys reported as cell parts, or holding nothing to scan.
const CELL_KEYS: &[&str] = &[
    "source",
    "input",
    "outputs",
    "metadata",
    "attachments",
    "cell_type",
    "id",
    "execution_count",
    "prompt_number",
    "language",
    "level",
    "collapsed",
];

/// Largest notebook parsed as JSON. A parsed tree takes many times the
/// file's size in memory; a larger notebook is scanned as plain text, which
/// loses nothing but the cell paths.
const MAX_PARSED: u64 = 8 << 20;

/// Reads `reader` as this format and reports what it holds to `visitor`.
pub fn read(_name: &str, reader: &mut dyn Read, visitor: &mut dyn Visitor, budget: &Budget) {
    let limit = budget.limits.max_segment.min(MAX_PARSED);
    let mut data = Vec::new();
    if let Err(e) = reader.take(limit.saturating_add(1)).read_to_end(&mut data) {
        visitor.notice(Stop::unreadable(&e).notice());
        return;
    }
    if data.len() as u64 > limit {
        visitor.notice(Notice::new(
            NoticeKind::Limit,
            None,
            format!(
                "notebook larger than {limit} bytes: not parsed, not even its first part; scanned as plain text instead"
            ),
        ));
        visitor.text(None, &mut Cursor::new(data).chain(reader));
        return;
    }
    let notebook: Value = match serde_json::from_slice(&data) {
        Ok(notebook) => notebook,
        Err(e) => {
            visitor.notice(Notice::new(
                NoticeKind::Corrupt,
                None,
                format!(
                    "not valid JSON ({e}): not parsed as a notebook; scanned as plain text instead"
                ),
            ));
            visitor.text(None, &mut data.as_slice());
            return;
        }
    };
    let Some(notebook) = notebook.as_object() else {
        visitor.notice(Notice::new(
            NoticeKind::Corrupt,
            None,
            "not a notebook (the JSON is not an object): scanned as plain text instead",
        ));
        visitor.text(None, &mut data.as_slice());
        return;
    };
    let mut walk = Walk {
        visitor,
        binaries: 0,
        allowance: Allowance::of(data.len() as u64),
    };
    walk.notebook(notebook);
    if walk.binaries > 0 {
        let n = walk.binaries;
        walk.visitor.notice(Notice::new(
            NoticeKind::Skipped,
            None,
            format!(
                "{n} image(s) or other binary output(s) and attachment(s) not read: they hold base64 data, not text"
            ),
        ));
    }
}

struct Walk<'v> {
    visitor: &'v mut dyn Visitor,
    /// Binary outputs and attachments skipped.
    binaries: u64,
    /// Bytes of paths, values and text that may still be reported: deep
    /// paths over many short strings, or indented JSON of deeply nested
    /// arrays, cannot turn a notebook into gigabytes.
    allowance: Allowance,
}

impl Walk<'_> {
    fn notebook(&mut self, notebook: &Map<String, Value>) {
        match notebook.get("nbformat").and_then(Value::as_u64) {
            Some(3 | 4) | None => {}
            Some(version) => self.visitor.notice(Notice::new(
                NoticeKind::Unsupported,
                None,
                format!("nbformat {version}: read as far as it looks like nbformat 4"),
            )),
        }
        if let Some(cells) = notebook.get("cells") {
            self.cells("cells", cells);
        }
        // nbformat 3: cells inside worksheets.
        if let Some(worksheets) = notebook.get("worksheets") {
            match worksheets.as_array() {
                Some(worksheets) => {
                    for (w, worksheet) in worksheets.iter().enumerate() {
                        let path = format!("worksheets[{w}]");
                        match worksheet.as_object() {
                            Some(worksheet) => {
                                for (key, value) in worksheet {
                                    let path = child(&path, key);
                                    if key == "cells" {
                                        self.cells(&path, value);
                                    } else {
                                        self.fields(&path, value, 0);
                                    }
                                }
                            }
                            None => self.fields(&path, worksheet, 0),
                        }
                    }
                }
                None => self.fields("worksheets", worksheets, 0),
            }
        }
        if let Some(metadata) = notebook.get("metadata") {
            self.fields("metadata", metadata, 0);
        }
        for (key, value) in notebook {
            if !matches!(
                key.as_str(),
                "cells" | "worksheets" | "metadata" | "nbformat" | "nbformat_minor"
            ) {
                self.fields(&cut(key), value, 0);
            }
        }
    }

    fn cells(&mut self, path: &str, cells: &Value) {
        let Some(cells) = cells.as_array() else {
            self.fields(path, cells, 0);
            return;
        };
        for (i, cell) in cells.iter().enumerate() {
            let path = cut(&format!("{path}[{i}]"));
            match cell.as_object() {
                Some(cell) => self.cell(&path, cell),
                None => self.fields(&path, cell, 0),
            }
        }
    }

    fn cell(&mut self, path: &str, cell: &Map<String, Value>) {
        for key in ["source", "input"] {
            if let Some(source) = cell.get(key) {
                self.text(&child(path, key), source, "", false);
            }
        }
        if let Some(outputs) = cell.get("outputs") {
            let outputs_path = child(path, "outputs");
            match outputs.as_array() {
                Some(outputs) => {
                    for (j, output) in outputs.iter().enumerate() {
                        self.output(&cut(&format!("{outputs_path}[{j}]")), output);
                    }
                }
                None => self.fields(&outputs_path, outputs, 0),
            }
        }
        if let Some(metadata) = cell.get("metadata") {
            self.fields(&child(path, "metadata"), metadata, 0);
        }
        if let Some(attachments) = cell.get("attachments") {
            let path = child(path, "attachments");
            match attachments.as_object() {
                Some(attachments) => {
                    for (file, bundle) in attachments {
                        self.mime_bundle(&child(&path, file), bundle);
                    }
                }
                None => self.fields(&path, attachments, 0),
            }
        }
        for (key, value) in cell {
            if !CELL_KEYS.contains(&key.as_str()) {
                self.fields(&child(path, key), value, 0);
            }
        }
    }

    fn output(&mut self, path: &str, output: &Value) {
        let Some(output) = output.as_object() else {
            self.fields(path, output, 0);
            return;
        };
        for (key, value) in output {
            let path = child(path, key);
            match key.as_str() {
                "output_type" | "execution_count" | "prompt_number" | "name" | "stream"
                | "ename" => {}
                "traceback" => self.text(&path, value, "\n", true),
                "text" => self.text(&path, value, "", true),
                "evalue" => {
                    if let Some(evalue) = value.as_str() {
                        self.field(&path, &ansi::strip(evalue));
                    }
                }
                "data" => self.mime_bundle(&path, value),
                "metadata" => self.fields(&path, value, 0),
                // nbformat 3 keeps the representations beside the other
                // keys, under short names (`png`, `html`, `latex`, ...).
                short => self.representation(&path, short, value),
            }
        }
    }

    /// `{mime type: data}`, as in an output's `data` or an attachment.
    fn mime_bundle(&mut self, path: &str, bundle: &Value) {
        match bundle.as_object() {
            Some(bundle) => {
                for (mime, value) in bundle {
                    self.representation(&child(path, mime), mime, value);
                }
            }
            None => self.fields(path, bundle, 0),
        }
    }

    /// One representation of an output: text, JSON, or binary (skipped).
    fn representation(&mut self, path: &str, kind: &str, value: &Value) {
        if is_binary(kind) {
            self.binaries += 1;
            return;
        }
        match value {
            Value::String(_) | Value::Array(_)
                if value
                    .as_array()
                    .is_none_or(|lines| lines.iter().all(Value::is_string)) =>
            {
                self.text(path, value, "", true);
            }
            Value::Object(_) | Value::Array(_) => {
                let mut json = Capped {
                    bytes: Vec::new(),
                    room: usize::try_from(self.allowance.left()).unwrap_or(usize::MAX),
                };
                if serde_json::to_writer_pretty(&mut json, value).is_err() {
                    self.spend(u64::MAX);
                } else if self.spend(path.len() + json.bytes.len()) {
                    self.visitor.text(Some(path), &mut json.bytes.as_slice());
                }
            }
            _ => {}
        }
    }

    /// Reports a string, or a list of strings joined by `separator`, as text.
    fn text(&mut self, path: &str, value: &Value, separator: &str, output: bool) {
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Array(lines) => lines
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(separator),
            _ => return,
        };
        let text = if output {
            ansi::strip(&text).into_owned()
        } else {
            text
        };
        if !text.is_empty() && self.spend(path.len() + text.len()) {
            self.visitor.text(Some(path), &mut text.as_bytes());
        }
    }

    fn field(&mut self, path: &str, value: &str) {
        if !value.is_empty() && self.spend(path.len() + value.len()) {
            self.visitor.field(path, value.as_bytes());
        }
    }

    /// Takes `bytes` from what may still be reported; false (and a notice,
    /// the first time) once that has run out.
    fn spend(&mut self, bytes: impl TryInto<u64>) -> bool {
        if self.allowance.exhausted() {
            return false;
        }
        if self.allowance.spend(bytes.try_into().unwrap_or(u64::MAX)) {
            return true;
        }
        self.visitor.notice(Notice::new(
            NoticeKind::Limit,
            None,
            format!(
                "what the notebook holds adds up to more than {} times its size (deeply nested keys or JSON?): the rest is not reported",
                Allowance::FACTOR
            ),
        ));
        false
    }

    /// Every string inside `value`, each as a field under its path.
    fn fields(&mut self, path: &str, value: &Value, depth: usize) {
        if depth > MAX_DEPTH || self.allowance.exhausted() {
            return;
        }
        match value {
            Value::String(s) => self.field(path, s),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    if is_container_or_string(item) {
                        self.fields(&cut(&format!("{path}[{i}]")), item, depth + 1);
                    }
                }
            }
            Value::Object(map) => {
                for (key, item) in map {
                    if is_container_or_string(item) {
                        self.fields(&child(path, key), item, depth + 1);
                    }
                }
            }
            _ => {}
        }
    }
}

/// A buffer that refuses to grow past `room` bytes.
struct Capped {
    bytes: Vec<u8>,
    room: usize,
}

impl std::io::Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if buf.len() > self.room.saturating_sub(self.bytes.len()) {
            return Err(std::io::Error::other("too large"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn is_container_or_string(value: &Value) -> bool {
    matches!(value, Value::String(_) | Value::Array(_) | Value::Object(_))
}

/// A mime type (or nbformat 3 short name) whose data is base64 binary.
fn is_binary(kind: &str) -> bool {
    let kind = kind.to_ascii_lowercase();
    (kind.starts_with("image/") && !kind.starts_with("image/svg"))
        || kind.starts_with("video/")
        || kind.starts_with("audio/")
        || matches!(
            kind.as_str(),
            "application/pdf" | "application/octet-stream" | "png" | "jpeg" | "gif" | "pdf"
        )
}

/// `path.key`, cut to [`MAX_PATH`] bytes.
fn child(path: &str, key: &str) -> String {
    cut(&format!("{path}.{key}"))
}

fn cut(path: &str) -> String {
    path_text(path.as_bytes(), MAX_PATH)
}

#[cfg(test)]
mod tests;
