//! One `Event` proto (TensorFlow's `event.proto`, `summary.proto` and the
//! `TensorBoard` plugin protos), walked to its strings.
//!
//! Below `event[i]`:
//! - `file_version`, `log_message/message`, `session_log/msg`,
//!   `session_log/checkpoint_path`, `tagged_run_metadata/tag`,
//!   `source_metadata/writer`;
//! - `summary/value[j]/tag`, `.../metadata/display_name`,
//!   `.../metadata/summary_description`, and string tensors (text
//!   summaries) as `.../text` (`.../text[k]` for the k-th string after the
//!   first);
//! - hparams plugin data (`HParamsPluginData`) below `.../hparams`: each
//!   hyperparameter's string value as `.../hparams/<name>` (inside structs
//!   and lists `<name>/<key>`, `<name>[k]`), `model_uri`, `monitor_url`,
//!   `group_name`, and the experiment's `name`, `description`, `user` and its
//!   hparam and metric infos' display names, descriptions and discrete
//!   domains;
//! - plugin data of plugins whose schema is not known here: its printable
//!   runs, as `.../metadata/plugin_data/content`;
//! - `graph_def` (and the one in `meta_graph_def`): node names, devices and
//!   string attributes (`graph_def/node[k]/attr/<key>`), at most
//!   [`MAX_GRAPH_STRINGS`] per graph; `meta_graph_def/meta_info_def`
//!   versions and tags, and asset file names.
//!
//! Scalars, histograms, images, audio, numeric tensors and run metadata are
//! skipped and counted.

use super::graph::{self, MAX_GRAPH_STRINGS};
use super::hparams;
use crate::protobuf::{Out, Result, Stop, Value, Walker};
use crate::visitor::{Notice, NoticeKind};

/// Shortest run of printable bytes reported from plugin data of an unknown
/// schema.
const MIN_PRINTABLE_RUN: usize = 6;

/// Payloads that hold numbers or media, counted as they are skipped.
#[derive(Debug, Default)]
struct Skipped {
    scalars: u64,
    histograms: u64,
    images: u64,
    audio: u64,
    tensors: u64,
    binary_strings: u64,
    run_metadata: u64,
}

pub(super) struct Events<'v> {
    pub out: Out<'v>,
    pub too_deep: u64,
    skipped: Skipped,
    /// Strings the graph being walked may still report.
    pub graph_left: u64,
    /// Whether the graph being walked held more than that.
    pub graph_cut: bool,
    /// Graphs cut short by `MAX_GRAPH_STRINGS`.
    pub graphs_cut: u64,
}

impl<'v> Events<'v> {
    pub fn new(out: Out<'v>) -> Self {
        Events {
            out,
            too_deep: 0,
            skipped: Skipped::default(),
            graph_left: 0,
            graph_cut: false,
            graphs_cut: 0,
        }
    }

    /// Reports what was skipped and the stop, if any: call once, at the end.
    pub fn finish(self, stop: Option<Stop>, max_depth: usize) {
        let s = &self.skipped;
        let counts = [
            (s.scalars, "scalar(s)"),
            (s.histograms, "histogram(s)"),
            (s.images, "image(s)"),
            (s.audio, "audio clip(s)"),
            (s.tensors, "numeric tensor(s)"),
            (s.binary_strings, "binary string value(s)"),
            (s.run_metadata, "run metadata record(s)"),
        ];
        let parts: Vec<String> = counts
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, what)| format!("{n} {what}"))
            .collect();
        if !parts.is_empty() {
            self.out.visitor.notice(Notice::new(
                NoticeKind::Skipped,
                None,
                format!("not read (numbers and media): {}", parts.join(", ")),
            ));
        }
        if self.graphs_cut > 0 {
            self.out.visitor.notice(Notice::new(
                NoticeKind::Limit,
                None,
                format!(
                    "{} graph(s) held more than {MAX_GRAPH_STRINGS} strings: the rest were not read",
                    self.graphs_cut
                ),
            ));
        }
        self.out.finish(stop, self.too_deep, max_depth);
    }

    /// A string of a graph, within the graph's budget.
    pub fn graph_string(&mut self, w: &mut Walker<'_>, path: &str, len: u64) -> Result<()> {
        if self.graph_left == 0 {
            self.graph_cut = true;
            return Ok(());
        }
        self.graph_left -= 1;
        self.out.string(w, path, len)
    }
}

pub(super) fn next(counter: &mut usize) -> usize {
    let index = *counter;
    *counter += 1;
    index
}

/// Walks the fields of one message, handing each length-delimited one to
/// `each` (number, length); other wire types are passed over.
pub(super) fn each_len(
    w: &mut Walker<'_>,
    mut each: impl FnMut(&mut Walker<'_>, u32, u64) -> Result<()>,
) -> Result<()> {
    while let Some(field) = w.next_field()? {
        if let Value::Len(len) = field.value {
            each(w, field.number, len)?;
        }
    }
    Ok(())
}

/// A map entry (key 1, value 2) whose value is a message walked by `value`
/// at `base/<key>` (`base[index]` when the key has not come first).
pub(super) fn map_entry(
    w: &mut Walker<'_>,
    e: &mut Events<'_>,
    base: &str,
    index: usize,
    value: fn(&mut Walker<'_>, &mut Events<'_>, &str) -> Result<()>,
) -> Result<()> {
    let mut key: Option<String> = None;
    each_len(w, |w, number, len| match number {
        1 => {
            key = w
                .bytes(len)?
                .filter(|raw| !raw.is_empty())
                .map(|raw| e.out.key(&raw));
            Ok(())
        }
        2 => {
            let path = match &key {
                Some(key) => format!("{base}/{key}"),
                None => format!("{base}[{index}]"),
            };
            w.message(len, |w| value(w, e, &path)).map(drop)
        }
        _ => Ok(()),
    })
}

pub(super) fn event(w: &mut Walker<'_>, e: &mut Events<'_>, path: &str) -> Result<()> {
    each_len(w, |w, number, len| match number {
        3 => e.out.string(w, &format!("{path}/file_version"), len),
        4 => {
            let here = format!("{path}/graph_def");
            w.message(len, |w| graph::graph_def(w, e, &here)).map(drop)
        }
        5 => {
            let here = format!("{path}/summary");
            w.message(len, |w| summary(w, e, &here)).map(drop)
        }
        6 => w
            .message(len, |w| {
                each_len(w, |w, number, len| match number {
                    2 => e.out.string(w, &format!("{path}/log_message/message"), len),
                    _ => Ok(()),
                })
            })
            .map(drop),
        7 => w
            .message(len, |w| {
                each_len(w, |w, number, len| match number {
                    2 => e
                        .out
                        .string(w, &format!("{path}/session_log/checkpoint_path"), len),
                    3 => e.out.string(w, &format!("{path}/session_log/msg"), len),
                    _ => Ok(()),
                })
            })
            .map(drop),
        8 => w
            .message(len, |w| {
                each_len(w, |w, number, len| match number {
                    1 => e
                        .out
                        .string(w, &format!("{path}/tagged_run_metadata/tag"), len),
                    2 => {
                        e.skipped.run_metadata += 1;
                        w.skip(len)
                    }
                    _ => Ok(()),
                })
            })
            .map(drop),
        9 => {
            let here = format!("{path}/meta_graph_def");
            w.message(len, |w| graph::meta_graph_def(w, e, &here))
                .map(drop)
        }
        10 => w
            .message(len, |w| {
                each_len(w, |w, number, len| match number {
                    1 => e
                        .out
                        .string(w, &format!("{path}/source_metadata/writer"), len),
                    _ => Ok(()),
                })
            })
            .map(drop),
        _ => Ok(()),
    })
}

fn summary(w: &mut Walker<'_>, e: &mut Events<'_>, path: &str) -> Result<()> {
    let mut values = 0;
    each_len(w, |w, number, len| match number {
        1 => {
            let here = format!("{path}/value[{}]", next(&mut values));
            w.message(len, |w| summary_value(w, e, &here)).map(drop)
        }
        _ => Ok(()),
    })
}

fn summary_value(w: &mut Walker<'_>, e: &mut Events<'_>, path: &str) -> Result<()> {
    while let Some(field) = w.next_field()? {
        let len = match field.value {
            Value::Len(len) => len,
            // simple_value: a scalar.
            Value::Fixed32(_) if field.number == 2 => {
                e.skipped.scalars += 1;
                continue;
            }
            _ => continue,
        };
        match field.number {
            1 => e.out.string(w, &format!("{path}/tag"), len)?,
            3 | 5 => {
                e.skipped.histograms += 1;
                w.skip(len)?;
            }
            4 => {
                e.skipped.images += 1;
                w.skip(len)?;
            }
            6 => {
                e.skipped.audio += 1;
                w.skip(len)?;
            }
            8 => {
                w.message(len, |w| tensor(w, e, path))?;
            }
            9 => {
                w.message(len, |w| summary_metadata(w, e, path))?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// A TensorFlow `TensorProto`: its UTF-8 strings are reported as
/// `path/text`; numbers and binary strings are counted.
pub(super) fn tensor(w: &mut Walker<'_>, e: &mut Events<'_>, path: &str) -> Result<()> {
    let mut strings = 0;
    let mut numeric = false;
    while let Some(field) = w.next_field()? {
        match (field.number, field.value) {
            (8, Value::Len(len)) => {
                let Some(value) = w.bytes(len)? else {
                    e.skipped.binary_strings += 1;
                    continue;
                };
                if std::str::from_utf8(&value).is_err() {
                    // An encoded image or clip (TF 2 writes them as strings).
                    e.skipped.binary_strings += 1;
                    continue;
                }
                let here = match next(&mut strings) {
                    0 => format!("{path}/text"),
                    k => format!("{path}/text[{k}]"),
                };
                e.out.value(&here, &value);
            }
            // tensor_content and the typed value lists.
            (4..=7 | 9..=13, _) => numeric = true,
            _ => {}
        }
    }
    if numeric {
        e.skipped.tensors += 1;
    }
    Ok(())
}

/// `SummaryMetadata` of the value at `value_path`.
fn summary_metadata(w: &mut Walker<'_>, e: &mut Events<'_>, value_path: &str) -> Result<()> {
    each_len(w, |w, number, len| match number {
        1 => w.message(len, |w| plugin_data(w, e, value_path)).map(drop),
        2 => e
            .out
            .string(w, &format!("{value_path}/metadata/display_name"), len),
        3 => e.out.string(
            w,
            &format!("{value_path}/metadata/summary_description"),
            len,
        ),
        _ => Ok(()),
    })
}

/// Plugins whose data holds nothing but versions and numbers.
const PLAIN_PLUGINS: &[&[u8]] = &[
    b"text",
    b"scalars",
    b"histograms",
    b"distributions",
    b"images",
    b"audio",
    b"pr_curves",
];

fn plugin_data(w: &mut Walker<'_>, e: &mut Events<'_>, value_path: &str) -> Result<()> {
    let mut plugin: Option<Vec<u8>> = None;
    each_len(w, |w, number, len| match number {
        1 => {
            plugin = w.bytes(len)?;
            Ok(())
        }
        2 => match plugin.as_deref() {
            Some(b"hparams") => {
                let here = format!("{value_path}/hparams");
                w.message(len, |w| hparams::hparams_plugin_data(w, e, &here))
                    .map(drop)
            }
            Some(name) if PLAIN_PLUGINS.contains(&name) => Ok(()),
            _ => {
                let Some(content) = w.bytes(len)? else {
                    return Ok(());
                };
                let runs = printable_runs(&content);
                e.out.value(
                    &format!("{value_path}/metadata/plugin_data/content"),
                    runs.as_bytes(),
                );
                Ok(())
            }
        },
        _ => Ok(()),
    })
}

/// The runs of printable ASCII in `data` at least [`MIN_PRINTABLE_RUN`]
/// long, one per line.
fn printable_runs(data: &[u8]) -> String {
    data.split(|&b| !(b == b'\t' || (0x20..0x7f).contains(&b)))
        .filter(|run| run.len() >= MIN_PRINTABLE_RUN)
        .map(|run| String::from_utf8_lossy(run))
        .collect::<Vec<_>>()
        .join("\n")
}
