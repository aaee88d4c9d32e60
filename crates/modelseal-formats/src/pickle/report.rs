//! Walks what a pickle built and reports each string with the path a person
//! would look it up by: dict keys and object attributes as `/key`, list and
//! tuple items as `[i]` (`pickle/hub_token`, `pickle/env/AWS_REGION`,
//! `pickle/report_to[0]`). Every container is entered once, so shared and
//! self-containing structures are walked in linear time.

use std::fmt::Write as _;

use super::graph::{Graph, Node, NodeId, Object, Value};
use crate::sniff::{Content, classify};
use crate::visitor::{Notice, NoticeKind, Visitor};

/// Containers nested deeper than this are not walked.
const MAX_DEPTH: usize = 100;
/// A dict key is shown in a path up to this many bytes.
const MAX_KEY: usize = 200;
/// Strings longer than this are reported at the first path they are found
/// at only, however often the pickle refers to them.
const LONG_STRING: usize = 4096;

/// Bytes (paths and values) that may still be reported from one file.
pub(super) struct Quota {
    pub left: u64,
    pub spent: bool,
}

pub(super) fn report(
    graph: &Graph,
    roots: &[Value],
    root: &str,
    visitor: &mut dyn Visitor,
    quota: &mut Quota,
) {
    let mut walk = Walk {
        graph,
        visitor,
        quota,
        seen: vec![false; graph.nodes.len()],
        path: root.to_owned(),
        deep_noted: false,
    };
    for &value in roots {
        walk.walk(value, 0);
    }
    let path = format!("{root}/globals");
    for (module, name) in graph.globals.iter() {
        walk.emit(&path, format!("{module}.{name}").as_bytes());
    }
}

struct Walk<'a, 'v> {
    graph: &'a Graph,
    visitor: &'v mut dyn Visitor,
    quota: &'v mut Quota,
    /// Containers entered, and long strings reported.
    seen: Vec<bool>,
    path: String,
    deep_noted: bool,
}

impl<'a> Walk<'a, '_> {
    fn walk(&mut self, value: Value, depth: usize) {
        let Value::Node(id) = value else { return };
        let graph = self.graph;
        match graph.nodes.get(id as usize) {
            Some(Node::Str(text)) => self.string(id, text),
            Some(Node::Bytes(bytes)) if is_text(bytes) => self.string(id, bytes),
            Some(Node::List(items) | Node::Tuple(items) | Node::Set(items))
                if self.enter(id, depth) =>
            {
                self.items(items, depth);
            }
            Some(Node::Dict(entries)) if self.enter(id, depth) => self.entries(entries, depth),
            Some(Node::Object(object)) if self.enter(id, depth) => self.object(object, depth),
            _ => {}
        }
    }

    /// Marks a container entered; false when it was already, or is too deep.
    fn enter(&mut self, id: NodeId, depth: usize) -> bool {
        if self.quota.spent {
            return false;
        }
        if depth >= MAX_DEPTH {
            if !self.deep_noted {
                self.deep_noted = true;
                self.visitor.notice(Notice::new(
                    NoticeKind::Limit,
                    None,
                    format!(
                        "values nested more than {MAX_DEPTH} deep (at {}): deeper ones are not reported",
                        self.path
                    ),
                ));
            }
            return false;
        }
        match self.seen.get_mut(id as usize) {
            Some(seen) if !*seen => {
                *seen = true;
                true
            }
            _ => false,
        }
    }

    fn items(&mut self, items: &[Value], depth: usize) {
        for (i, &item) in items.iter().enumerate() {
            let len = self.path.len();
            let _ = write!(self.path, "[{i}]");
            self.walk(item, depth + 1);
            self.path.truncate(len);
        }
    }

    fn entries(&mut self, entries: &[(Value, Value)], depth: usize) {
        for &(key, value) in entries {
            let len = self.path.len();
            self.path.push('/');
            let mut segment = String::new();
            self.key(key, &mut segment, 0);
            self.path.push_str(&segment);
            self.walk(value, depth + 1);
            self.path.truncate(len);
        }
    }

    /// A call's arguments, keyword arguments, and what was added to its
    /// result, all at the object's own path; a few well-known calls are
    /// shown the way they read in Python.
    fn object(&mut self, object: &'a Object, depth: usize) {
        let graph = self.graph;
        let func = graph.global(object.func);
        match func {
            // Type descriptions, nothing a person wrote.
            Some((module, "dtype")) if module.starts_with("numpy") => return,
            // joblib's array wrapper: only the array (of Python objects)
            // that a nested pickle may have attached after its state.
            Some((module, "NumpyArrayWrapper")) if module.ends_with("numpy_pickle") => {
                for &state in object.state.iter().skip(1) {
                    self.walk(state, depth + 1);
                }
                return;
            }
            // numpy's array: its data is the fifth item of its state.
            Some((module, "_reconstruct")) if module.ends_with("multiarray") => {
                for &state in &object.state {
                    match graph.sequence(state) {
                        Some(&[_, _, _, _, data]) => self.walk(data, depth + 1),
                        _ => self.walk(state, depth + 1),
                    }
                }
                return;
            }
            // numpy's array in protocol 5: `_frombuffer(buffer, dtype,
            // shape, order)`; only the buffer can hold text.
            Some((module, "_frombuffer")) if module.starts_with("numpy") => {
                if let Some(&buffer) = graph.sequence(object.args).and_then(<[Value]>::first) {
                    self.walk(buffer, depth + 1);
                }
                return;
            }
            // `getattr(obj, "name")`: the object, not the attribute's name.
            Some(("builtins" | "__builtin__", "getattr")) => {
                if let Some(&target) = graph.sequence(object.args).and_then(<[Value]>::first) {
                    self.walk(target, depth + 1);
                }
                return;
            }
            // `partial(f)` with the state `(f, args, kwargs, dict)`: how
            // protocols 2 and 3 spell a call with keyword arguments.
            Some(("functools", "partial")) => {
                self.arguments(object.args, func, depth);
                for &state in &object.state {
                    match graph.sequence(state) {
                        Some(&[f, args, kwargs, dict]) => {
                            self.walk(f, depth + 1);
                            self.arguments(args, None, depth);
                            self.walk(kwargs, depth + 1);
                            self.walk(dict, depth + 1);
                        }
                        _ => self.state(state, depth),
                    }
                }
                return;
            }
            _ => {}
        }
        // What is called may itself be built by a call (`partial(...)()`).
        if let Some(Node::Object(_)) = graph.node(object.func) {
            self.walk(object.func, depth + 1);
        }
        self.arguments(object.args, func, depth);
        self.walk(object.kwargs, depth + 1);
        self.entries(&object.entries, depth);
        self.items(&object.items, depth);
        for &state in &object.state {
            self.state(state, depth);
        }
    }

    /// A single argument stands for the object (`Enum("steps")`,
    /// `Counter({...})`, `set([...])`); several are numbered.
    fn arguments(&mut self, args: Value, func: Option<(&str, &str)>, depth: usize) {
        let graph = self.graph;
        let (Value::Node(id), Some(Node::Tuple(items))) = (args, graph.node(args)) else {
            self.walk(args, depth + 1);
            return;
        };
        if !self.enter(id, depth + 1) {
            return;
        }
        match func {
            Some((module, name)) if module.starts_with("pathlib") && name.ends_with("Path") => {
                if let Some(path) = joined_path(graph, items, name) {
                    let here = self.path.clone();
                    self.emit(&here, path.as_bytes());
                    return;
                }
            }
            Some(("_codecs", "encode") | ("builtins" | "__builtin__", "bytes" | "bytearray")) => {
                match bytes_argument(graph, items) {
                    Some(bytes) if is_text(&bytes) => {
                        let here = self.path.clone();
                        self.emit(&here, &bytes);
                    }
                    Some(_) => {}
                    // `bytearray(_codecs.encode(...))`: the inner call.
                    None => {
                        if let Some(&first) = items.first() {
                            self.walk(first, depth + 1);
                        }
                    }
                }
                return;
            }
            Some(("collections", "OrderedDict") | ("builtins" | "__builtin__", "dict")) => {
                if let &[Value::Node(list)] = items.as_slice()
                    && let Some(seq) = graph.sequence(Value::Node(list))
                {
                    if self.enter(list, depth + 2) {
                        match pairs_of(graph, seq) {
                            Some(pairs) => self.entries(&pairs, depth + 2),
                            None => self.items(seq, depth + 2),
                        }
                    }
                    return;
                }
            }
            _ => {}
        }
        match items.as_slice() {
            &[arg] => self.walk(arg, depth + 1),
            items => self.items(items, depth + 1),
        }
    }

    /// What `BUILD` set: a dict of attributes, or `(dict, slots)` from a
    /// class with `__slots__`, at the object's path.
    fn state(&mut self, state: Value, depth: usize) {
        let graph = self.graph;
        let dict_or_none = |v: Value| v == Value::None || graph.dict(v).is_some();
        if let (Value::Node(id), Some(Node::Tuple(pair))) = (state, graph.node(state))
            && let &[a, b] = pair.as_slice()
            && dict_or_none(a)
            && dict_or_none(b)
        {
            if self.enter(id, depth + 1) {
                self.walk(a, depth + 1);
                self.walk(b, depth + 1);
            }
            return;
        }
        self.walk(state, depth + 1);
    }

    fn string(&mut self, id: NodeId, value: &[u8]) {
        if value.len() > LONG_STRING {
            match self.seen.get_mut(id as usize) {
                Some(seen) if !*seen => *seen = true,
                _ => return,
            }
        }
        let path = std::mem::take(&mut self.path);
        self.emit(&path, value);
        self.path = path;
    }

    /// Reports `value` at `path`: as a field, or as text with lines when it
    /// holds several.
    fn emit(&mut self, path: &str, value: &[u8]) {
        if value.is_empty() || self.quota.spent {
            return;
        }
        let cost = (path.len() + value.len()) as u64;
        if cost > self.quota.left {
            self.quota.spent = true;
            self.visitor.notice(Notice::new(
                NoticeKind::Limit,
                None,
                "the values in this pickle add up to more than four times max_segment: \
                 the rest are not reported",
            ));
            return;
        }
        self.quota.left -= cost;
        let body = value.strip_suffix(b"\n").unwrap_or(value);
        if memchr::memchr(b'\n', body).is_some() {
            self.visitor.text(Some(path), &mut &*value);
        } else {
            self.visitor.field(path, value);
        }
    }

    /// A dict key as a path segment: strings as they are (control
    /// characters escaped, long ones cut), numbers and tuples as Python
    /// writes them.
    fn key(&self, key: Value, out: &mut String, nest: usize) {
        match key {
            Value::None => out.push_str("None"),
            Value::Bool(b) => out.push_str(if b { "True" } else { "False" }),
            Value::Int(n) => {
                let _ = write!(out, "{n}");
            }
            Value::BigInt => out.push_str("<int>"),
            Value::Float(f) => {
                let _ = write!(out, "{f:?}");
            }
            Value::Node(_) => match self.graph.node(key) {
                Some(Node::Str(s) | Node::Bytes(s)) => push_escaped(out, s),
                Some(Node::Global(_)) => {
                    if let Some((module, name)) = self.graph.global(key) {
                        let _ = write!(out, "{module}.{name}");
                    }
                }
                Some(Node::Tuple(items)) if nest < 2 => {
                    out.push('(');
                    for (i, &item) in items.iter().take(8).enumerate() {
                        if i > 0 {
                            out.push_str(", ");
                        }
                        self.key(item, out, nest + 1);
                    }
                    if items.len() > 8 {
                        out.push_str(", …");
                    }
                    out.push(')');
                }
                _ => out.push('?'),
            },
        }
    }
}

/// Bytes that read as text: reported like strings.
fn is_text(bytes: &[u8]) -> bool {
    !bytes.is_empty() && classify(bytes) == Content::Text
}

fn push_escaped(out: &mut String, key: &[u8]) {
    let start = out.len();
    let head = key.get(..MAX_KEY * 4).unwrap_or(key);
    for c in String::from_utf8_lossy(head).chars() {
        if out.len() - start >= MAX_KEY {
            out.push('…');
            return;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
}

/// `PosixPath("/", "home", "asmith")` as `/home/asmith`.
fn joined_path(graph: &Graph, parts: &[Value], name: &str) -> Option<String> {
    let sep = if name.contains("Windows") { '\\' } else { '/' };
    let mut path = String::new();
    for &part in parts {
        let part = String::from_utf8_lossy(graph.text(part)?);
        if !path.is_empty() && !path.ends_with(sep) {
            path.push(sep);
        }
        path.push_str(&part);
    }
    Some(path)
}

/// The bytes `_codecs.encode(s, "latin1")` or `bytearray(...)` would make.
fn bytes_argument(graph: &Graph, args: &[Value]) -> Option<Vec<u8>> {
    let first = *args.first()?;
    match graph.node(first)? {
        Node::Bytes(bytes) => Some(bytes.clone()),
        Node::Str(text) => {
            let latin1 = args.get(1).and_then(|&e| graph.text(e)).is_none_or(|e| {
                matches!(
                    e.to_ascii_lowercase().as_slice(),
                    b"latin1" | b"latin-1" | b"iso-8859-1" | b"iso8859-1"
                )
            });
            if latin1 {
                Some(
                    String::from_utf8_lossy(text)
                        .chars()
                        .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
                        .collect(),
                )
            } else {
                Some(text.clone())
            }
        }
        _ => None,
    }
}

/// `[[key, value], ...]`: the pairs `OrderedDict(...)` is called with.
fn pairs_of(graph: &Graph, list: &[Value]) -> Option<Vec<(Value, Value)>> {
    list.iter()
        .map(|&pair| match graph.sequence(pair)? {
            &[key, value] => Some((key, value)),
            _ => None,
        })
        .collect()
}
