//! The graph an event file may carry (`GraphDef`, `MetaGraphDef`): node
//! names, devices and string attributes, bounded per graph.

use super::walk::{Events, MAX_GRAPH_STRINGS, each_len, map_entry, next, tensor};
use crate::protobuf::{Value, Walker};
use crate::reading::Result;

/// A `GraphDef`, bounded to [`MAX_GRAPH_STRINGS`] strings.
pub(super) fn graph_def(w: &mut Walker<'_>, e: &mut Events<'_>, path: &str) -> Result<()> {
    e.graph_left = MAX_GRAPH_STRINGS;
    e.graph_cut = false;
    let mut nodes = 0;
    while let Some(field) = w.next_field()? {
        if let (1, Value::Len(len)) = (field.number, field.value) {
            if e.graph_left == 0 {
                // The rest of the graph is skipped by the walker.
                e.graph_cut = true;
                break;
            }
            let here = format!("{path}/node[{}]", next(&mut nodes));
            w.message(len, |w| node_def(w, e, &here))?;
        }
    }
    if e.graph_cut {
        e.graphs_cut += 1;
    }
    Ok(())
}

fn node_def(w: &mut Walker<'_>, e: &mut Events<'_>, path: &str) -> Result<()> {
    let mut attrs = 0;
    each_len(w, |w, number, len| match number {
        1 => e.graph_string(w, &format!("{path}/name"), len),
        4 => e.graph_string(w, &format!("{path}/device"), len),
        5 => {
            let index = next(&mut attrs);
            let base = format!("{path}/attr");
            w.message(len, |w| map_entry(w, e, &base, index, attr_value))
                .map(drop)
        }
        _ => Ok(()),
    })
}

/// An `AttrValue`: its string (`s`, 2), its list of strings (`list.s`) and
/// the strings of its tensor.
fn attr_value(w: &mut Walker<'_>, e: &mut Events<'_>, path: &str) -> Result<()> {
    each_len(w, |w, number, len| match number {
        2 => e.graph_string(w, path, len),
        1 => w
            .message(len, |w| {
                let mut strings = 0;
                each_len(w, |w, number, len| match number {
                    2 => e.graph_string(w, &format!("{path}[{}]", next(&mut strings)), len),
                    _ => Ok(()),
                })
            })
            .map(drop),
        8 => w.message(len, |w| tensor(w, e, path)).map(drop),
        _ => Ok(()),
    })
}

/// A `MetaGraphDef`: versions, tags, its graph and its asset file names.
pub(super) fn meta_graph_def(w: &mut Walker<'_>, e: &mut Events<'_>, path: &str) -> Result<()> {
    let mut assets = 0;
    each_len(w, |w, number, len| match number {
        1 => w
            .message(len, |w| {
                let mut tags = 0;
                let info = format!("{path}/meta_info_def");
                each_len(w, |w, number, len| match number {
                    1 => e.out.string(w, &format!("{info}/meta_graph_version"), len),
                    4 => e
                        .out
                        .string(w, &format!("{info}/tags[{}]", next(&mut tags)), len),
                    5 => e.out.string(w, &format!("{info}/tensorflow_version"), len),
                    6 => e
                        .out
                        .string(w, &format!("{info}/tensorflow_git_version"), len),
                    _ => Ok(()),
                })
            })
            .map(drop),
        2 => {
            let here = format!("{path}/graph_def");
            w.message(len, |w| graph_def(w, e, &here)).map(drop)
        }
        6 => {
            let here = format!("{path}/asset_file_def[{}]", next(&mut assets));
            w.message(len, |w| {
                each_len(w, |w, number, len| match number {
                    2 => e.out.string(w, &format!("{here}/filename"), len),
                    _ => Ok(()),
                })
            })
            .map(drop)
        }
        _ => Ok(()),
    })
}
