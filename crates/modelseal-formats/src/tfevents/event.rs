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
//!   [`MAX_GRAPH_STRINGS`](super::walk::MAX_GRAPH_STRINGS) per graph; `meta_graph_def/meta_info_def`
//!   versions and tags, and asset file names.
//!
//! Scalars, histograms, images, audio, numeric tensors and run metadata are
//! skipped and counted.

use super::walk::{Events, each_len, next, tensor};
use super::{graph, hparams};
use crate::protobuf::{Value, Walker};
use crate::reading::Result;

/// Shortest run of printable bytes reported from plugin data of an unknown
/// schema.
const MIN_PRINTABLE_RUN: usize = 6;

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
