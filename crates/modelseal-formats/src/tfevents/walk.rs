//! What the walk of an event shares, whichever part of it is walking: the
//! state ([`Events`]: where strings go, what was skipped, the graph's
//! budget), field helpers, and the `TensorProto` that both summaries and
//! graph attributes hold. The walkers of events, graphs and hparams import
//! it; it imports none of them.

use crate::protobuf::{Out, Value, Walker};
use crate::reading::{Result, Stop};
use crate::visitor::{Notice, NoticeKind};

/// Strings reported from one `GraphDef`: a graph of a big model has tens of
/// thousands of nodes whose names are module paths, not secrets.
pub(super) const MAX_GRAPH_STRINGS: u64 = 10_000;

/// Payloads that hold numbers or media, counted as they are skipped.
#[derive(Debug, Default)]
pub(super) struct Skipped {
    pub scalars: u64,
    pub histograms: u64,
    pub images: u64,
    pub audio: u64,
    pub tensors: u64,
    pub binary_strings: u64,
    pub run_metadata: u64,
}

pub(super) struct Events<'v> {
    pub out: Out<'v>,
    pub too_deep: u64,
    pub skipped: Skipped,
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
