//! An ONNX model: a bounded protobuf walk of `ModelProto` to every string a
//! person or a tool wrote into it; tensor data is read past, never held.
//!
//! What is reported, at the paths a person would look it up by:
//! `producer_name`, `producer_version`, `domain`, `doc_string`,
//! `metadata_props/<key>`; `graph/name`, `graph/doc_string`,
//! `graph/metadata_props/<key>`; for each node `graph/node[i]/name`,
//! `.../doc_string`, `.../metadata_props/<key>` (the `PyTorch` exporter's
//! `pkg.torch.onnx.stack_trace` holds absolute source paths) and its string
//! attributes `.../attribute/<name>` (lists as `<name>[k]`, subgraphs walked
//! below `<name>`); doc strings and metadata of `graph/input[i]`,
//! `graph/output[i]` and `graph/value_info[i]`; tensors' `doc_string`,
//! `string_data[k]`, `metadata_props/<key>` and `external_data/<key>` (the
//! `location` of external weights is a file name, often a path); the same
//! inside `functions[i]` and `training_info[i]`.
//!
//! Tensor payloads (`raw_data`, `float_data`, `int64_data`, ...) are read
//! and discarded: one `Skipped` notice counts them. Operator types, value
//! names and shapes are not reported: they are schema, not free text.

use std::io::{BufReader, Read};

use crate::limits::Budget;
use crate::protobuf::{Out, Value, Walker};
use crate::reading::Result;
use crate::visitor::{Notice, NoticeKind, Visitor};

/// Sub-messages walked inside each other: graphs nest through `If`/`Loop`
/// attributes, rarely more than a few levels.
const MAX_DEPTH: usize = 64;
/// Strings reported from one model.
const MAX_VALUES: u64 = 100_000;

/// Reads `reader` as an ONNX model and reports what it holds to `visitor`.
pub fn read(name: &str, reader: &mut dyn Read, visitor: &mut dyn Visitor, budget: &Budget) {
    let _ = name;
    let mut input = BufReader::with_capacity(64 * 1024, reader);
    let mut walker = Walker::new(&mut input, MAX_DEPTH, budget.limits.max_segment);
    let mut model = Model {
        out: Out::new(visitor, MAX_VALUES, budget.limits.max_path_len),
        data_bytes: 0,
        data_fields: 0,
    };
    let stop = model_proto(&mut walker, &mut model).err();
    if model.data_fields > 0 {
        model.out.visitor.notice(Notice::new(
            NoticeKind::Skipped,
            None,
            format!(
                "tensor data not read: {} bytes in {} field(s) (raw_data, float_data, ...)",
                model.data_bytes, model.data_fields
            ),
        ));
    }
    model.out.finish(stop, walker.too_deep(), MAX_DEPTH);
}

struct Model<'v> {
    out: Out<'v>,
    data_bytes: u64,
    data_fields: u64,
}

impl Model<'_> {
    /// Skips a tensor payload, counting it.
    fn data(&mut self, w: &mut Walker<'_>, len: u64) -> Result<()> {
        w.skip(len)?;
        self.data_bytes = self.data_bytes.saturating_add(len);
        self.data_fields += 1;
        Ok(())
    }
}

/// The index of the next element of a repeated field.
fn next(counter: &mut usize) -> usize {
    let index = *counter;
    *counter += 1;
    index
}

fn model_proto(w: &mut Walker<'_>, m: &mut Model<'_>) -> Result<()> {
    let (mut metadata, mut training, mut functions) = (0, 0, 0);
    while let Some(field) = w.next_field()? {
        let Value::Len(len) = field.value else {
            continue;
        };
        match field.number {
            2 => m.out.string(w, "producer_name", len)?,
            3 => m.out.string(w, "producer_version", len)?,
            4 => m.out.string(w, "domain", len)?,
            6 => m.out.string(w, "doc_string", len)?,
            7 => {
                w.message(len, |w| graph(w, m, "graph"))?;
            }
            14 => m.out.entry(w, "metadata_props", next(&mut metadata), len)?,
            20 => {
                let path = format!("training_info[{}]", next(&mut training));
                w.message(len, |w| training_info(w, m, &path))?;
            }
            25 => {
                let path = format!("functions[{}]", next(&mut functions));
                w.message(len, |w| function(w, m, &path))?;
            }
            _ => {}
        }
    }
    Ok(())
}

fn graph(w: &mut Walker<'_>, m: &mut Model<'_>, path: &str) -> Result<()> {
    let (mut nodes, mut initializers, mut sparse, mut metadata) = (0, 0, 0, 0);
    // input (11), output (12), value_info (13)
    let mut values = [0usize; 3];
    while let Some(field) = w.next_field()? {
        let Value::Len(len) = field.value else {
            continue;
        };
        match field.number {
            1 => {
                let here = format!("{path}/node[{}]", next(&mut nodes));
                w.message(len, |w| node(w, m, &here))?;
            }
            2 => m.out.string(w, &format!("{path}/name"), len)?,
            5 => {
                let here = format!("{path}/initializer[{}]", next(&mut initializers));
                w.message(len, |w| tensor(w, m, &here))?;
            }
            10 => m.out.string(w, &format!("{path}/doc_string"), len)?,
            number @ 11..=13 => {
                let slot = (number - 11) as usize;
                let name = ["input", "output", "value_info"][slot];
                let here = format!("{path}/{name}[{}]", next(&mut values[slot]));
                w.message(len, |w| value_info(w, m, &here))?;
            }
            15 => {
                let here = format!("{path}/sparse_initializer[{}]", next(&mut sparse));
                w.message(len, |w| sparse_tensor(w, m, &here))?;
            }
            16 => m.out.entry(
                w,
                &format!("{path}/metadata_props"),
                next(&mut metadata),
                len,
            )?,
            _ => {}
        }
    }
    Ok(())
}

fn node(w: &mut Walker<'_>, m: &mut Model<'_>, path: &str) -> Result<()> {
    let (mut attributes, mut metadata) = (0, 0);
    while let Some(field) = w.next_field()? {
        let Value::Len(len) = field.value else {
            continue;
        };
        match field.number {
            3 => m.out.string(w, &format!("{path}/name"), len)?,
            5 => {
                let index = next(&mut attributes);
                w.message(len, |w| {
                    attribute(w, m, &format!("{path}/attribute"), index)
                })?;
            }
            6 => m.out.string(w, &format!("{path}/doc_string"), len)?,
            9 => m.out.entry(
                w,
                &format!("{path}/metadata_props"),
                next(&mut metadata),
                len,
            )?,
            _ => {}
        }
    }
    Ok(())
}

/// An `AttributeProto`, reported under `base/<name>` once its name (field 1,
/// written first) is known, else under `base[index]`.
fn attribute(w: &mut Walker<'_>, m: &mut Model<'_>, base: &str, index: usize) -> Result<()> {
    let mut name: Option<String> = None;
    let (mut strings, mut tensors, mut graphs, mut sparse) = (0, 0, 0, 0);
    while let Some(field) = w.next_field()? {
        let Value::Len(len) = field.value else {
            continue;
        };
        let here = match &name {
            Some(name) => format!("{base}/{name}"),
            None => format!("{base}[{index}]"),
        };
        match field.number {
            1 => {
                name = w
                    .bytes(len)?
                    .filter(|raw| !raw.is_empty())
                    .map(|raw| m.out.key(&raw));
            }
            4 => m.out.string(w, &here, len)?,
            9 => m
                .out
                .string(w, &format!("{here}[{}]", next(&mut strings)), len)?,
            13 => m.out.string(w, &format!("{here}/doc_string"), len)?,
            5 => {
                w.message(len, |w| tensor(w, m, &here))?;
            }
            6 => {
                w.message(len, |w| graph(w, m, &here))?;
            }
            10 => {
                let here = format!("{here}[{}]", next(&mut tensors));
                w.message(len, |w| tensor(w, m, &here))?;
            }
            11 => {
                let here = format!("{here}[{}]", next(&mut graphs));
                w.message(len, |w| graph(w, m, &here))?;
            }
            22 => {
                w.message(len, |w| sparse_tensor(w, m, &here))?;
            }
            23 => {
                let here = format!("{here}[{}]", next(&mut sparse));
                w.message(len, |w| sparse_tensor(w, m, &here))?;
            }
            _ => {}
        }
    }
    Ok(())
}

fn tensor(w: &mut Walker<'_>, m: &mut Model<'_>, path: &str) -> Result<()> {
    let (mut strings, mut external, mut metadata) = (0, 0, 0);
    while let Some(field) = w.next_field()? {
        let Value::Len(len) = field.value else {
            continue;
        };
        match field.number {
            // float_data, int32_data, int64_data, raw_data, double_data, uint64_data
            4 | 5 | 7 | 9 | 10 | 11 => m.data(w, len)?,
            6 => m.out.string(
                w,
                &format!("{path}/string_data[{}]", next(&mut strings)),
                len,
            )?,
            12 => m.out.string(w, &format!("{path}/doc_string"), len)?,
            13 => m.out.entry(
                w,
                &format!("{path}/external_data"),
                next(&mut external),
                len,
            )?,
            16 => m.out.entry(
                w,
                &format!("{path}/metadata_props"),
                next(&mut metadata),
                len,
            )?,
            _ => {}
        }
    }
    Ok(())
}

fn sparse_tensor(w: &mut Walker<'_>, m: &mut Model<'_>, path: &str) -> Result<()> {
    while let Some(field) = w.next_field()? {
        let Value::Len(len) = field.value else {
            continue;
        };
        let part = match field.number {
            1 => "values",
            2 => "indices",
            _ => continue,
        };
        w.message(len, |w| tensor(w, m, &format!("{path}/{part}")))?;
    }
    Ok(())
}

fn value_info(w: &mut Walker<'_>, m: &mut Model<'_>, path: &str) -> Result<()> {
    let mut metadata = 0;
    while let Some(field) = w.next_field()? {
        let Value::Len(len) = field.value else {
            continue;
        };
        match field.number {
            3 => m.out.string(w, &format!("{path}/doc_string"), len)?,
            4 => m.out.entry(
                w,
                &format!("{path}/metadata_props"),
                next(&mut metadata),
                len,
            )?,
            _ => {}
        }
    }
    Ok(())
}

fn function(w: &mut Walker<'_>, m: &mut Model<'_>, path: &str) -> Result<()> {
    let (mut nodes, mut attributes, mut value_infos, mut metadata) = (0, 0, 0, 0);
    while let Some(field) = w.next_field()? {
        let Value::Len(len) = field.value else {
            continue;
        };
        match field.number {
            1 => m.out.string(w, &format!("{path}/name"), len)?,
            7 => {
                let here = format!("{path}/node[{}]", next(&mut nodes));
                w.message(len, |w| node(w, m, &here))?;
            }
            8 => m.out.string(w, &format!("{path}/doc_string"), len)?,
            10 => m.out.string(w, &format!("{path}/domain"), len)?,
            11 => {
                let index = next(&mut attributes);
                let base = format!("{path}/attribute_proto");
                w.message(len, |w| attribute(w, m, &base, index))?;
            }
            12 => {
                let here = format!("{path}/value_info[{}]", next(&mut value_infos));
                w.message(len, |w| value_info(w, m, &here))?;
            }
            14 => m.out.entry(
                w,
                &format!("{path}/metadata_props"),
                next(&mut metadata),
                len,
            )?,
            _ => {}
        }
    }
    Ok(())
}

fn training_info(w: &mut Walker<'_>, m: &mut Model<'_>, path: &str) -> Result<()> {
    while let Some(field) = w.next_field()? {
        let Value::Len(len) = field.value else {
            continue;
        };
        let part = match field.number {
            1 => "initialization",
            2 => "algorithm",
            _ => continue,
        };
        w.message(len, |w| graph(w, m, &format!("{path}/{part}")))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
