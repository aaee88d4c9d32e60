//! The pickle stack machine, run symbolically: every opcode builds a node of
//! a value graph instead of a Python object. Imports are recorded, never
//! made; calls (`REDUCE`, `NEWOBJ`, `BUILD`, `INST`, `OBJ`) are recorded as
//! objects, never run. Stack, memo, nodes and held bytes are capped.

use std::collections::HashMap;
use std::io;

use super::globals::{Interned, MAX_GLOBALS, dangerous};
use super::graph::{Graph, Node, NodeId, Object, Value};
use super::input::{Input, ReadError};
use super::joblib::{self, Array};
use super::opcodes as op;
use super::text;
use crate::limits::Limits;
use crate::sniff::{Content, SNIFF_LEN, classify};
use crate::visitor::{Notice, NoticeKind};

/// Nodes (strings, containers, objects, globals) per pickle.
const MAX_NODES: usize = 1 << 21;
/// Values on the stack, MARKs included.
const MAX_STACK: usize = 1 << 20;
const MAX_MEMO: usize = 1 << 20;
/// Values held inside containers and objects, all together.
const MAX_ELEMENTS: u64 = 1 << 23;
/// Binary payloads larger than this are read past, never held.
const BYTES_KEPT: u64 = 4 << 20;
/// Lengths beyond this are not a file's (256 TiB).
const IMPLAUSIBLE: u64 = 1 << 48;
/// Longest module or class name read from a protocol 0 line.
const MAX_NAME: usize = 4096;
/// Longest module or class name kept from `STACK_GLOBAL`'s strings (which
/// may be memo references to long strings).
const MAX_STACK_NAME: usize = 256;
/// Longest number read from a protocol 0 line; longer ones carry no text.
const MAX_NUMBER: usize = 64;
/// Pickles nested inside a pickle (joblib arrays of Python objects).
const MAX_FRAMES: usize = 8;

/// Why the machine stopped before `STOP`.
#[derive(Debug)]
pub(super) enum Fault {
    /// The input ended inside an opcode, or before `STOP`.
    Eof,
    Io(io::Error),
    /// An opcode took a value the stack does not hold.
    Underflow,
    /// An opcode wanted a MARK there is none of.
    NoMark,
    Corrupt(String),
    Limit(String),
    Unsupported(String),
}

impl From<ReadError> for Fault {
    fn from(e: ReadError) -> Self {
        match e {
            ReadError::Eof => Fault::Eof,
            ReadError::Io(e) => Fault::Io(e),
        }
    }
}

/// A fault, with the opcode it happened in (none between opcodes) and the
/// opcode's offset.
#[derive(Debug)]
pub(super) struct Failure {
    pub fault: Fault,
    pub op: Option<u8>,
    pub at: u64,
}

/// The state of an outer pickle while a nested one is read.
struct Frame {
    stack: Vec<Value>,
    marks: Vec<usize>,
    memo: HashMap<u64, Value>,
    /// The object the nested pickle's value belongs to.
    owner: NodeId,
}

/// How a string or bytes payload is kept.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Payload {
    /// A `str`: kept up to `max_segment`.
    Text,
    /// `bytes` or `bytearray`: kept only when small.
    Bytes,
    /// A Python 2 `str` (`STRING`, `BINSTRING`): text or bytes, by content.
    Py2Str,
}

pub(super) struct Machine {
    pub graph: Graph,
    stack: Vec<Value>,
    marks: Vec<usize>,
    memo: HashMap<u64, Value>,
    frames: Vec<Frame>,
    elements: u64,
    /// String and bytes payload bytes held, against `max_held`.
    held: u64,
    max_segment: u64,
    max_held: u64,
    bytes_kept: u64,
    held_noted: bool,
    globals_noted: bool,
    /// Notices raised along the way (the fault that stops it aside).
    pub notices: Vec<Notice>,
    /// Binary payloads and joblib arrays read past, and their bytes.
    pub skipped: (u64, u64),
}

impl Machine {
    pub(super) fn new(limits: &Limits) -> Self {
        Machine {
            graph: Graph::default(),
            stack: Vec::new(),
            marks: Vec::new(),
            memo: HashMap::new(),
            frames: Vec::new(),
            elements: 0,
            held: 0,
            max_segment: limits.max_segment,
            max_held: limits.max_segment.saturating_mul(2),
            bytes_kept: BYTES_KEPT.min(limits.max_segment),
            held_noted: false,
            globals_noted: false,
            notices: Vec::new(),
            skipped: (0, 0),
        }
    }

    /// Runs opcodes up to `STOP` and returns the pickle's value.
    pub(super) fn run(&mut self, input: &mut Input) -> Result<Value, Failure> {
        loop {
            let at = input.offset();
            let op = match input.next_byte() {
                Ok(Some(op)) => op,
                Ok(None) => {
                    return Err(Failure {
                        fault: Fault::Eof,
                        op: None,
                        at,
                    });
                }
                Err(e) => {
                    return Err(Failure {
                        fault: Fault::Io(e),
                        op: None,
                        at,
                    });
                }
            };
            match self.step(op, at, input) {
                Ok(Some(value)) => return Ok(value),
                Ok(None) => {}
                Err(fault) => {
                    return Err(Failure {
                        fault,
                        op: Some(op),
                        at,
                    });
                }
            }
        }
    }

    /// What was built when the machine stopped early: pending MARKs are
    /// closed the way they were evidently meant (items after a dict become
    /// its entries, after a list its items), and the stacks are returned,
    /// outermost first.
    pub(super) fn unfinished(&mut self) -> Vec<Value> {
        while let Some(mark) = self.marks.pop() {
            let items = self.stack.split_off(mark.min(self.stack.len()));
            let target = mark.checked_sub(1).and_then(|i| self.stack.get(i)).copied();
            let rest = match target {
                Some(target) => self.absorb(target, items),
                None => Some(items),
            };
            if let Some(rest) = rest {
                self.stack.extend(rest);
            }
        }
        let mut roots = Vec::new();
        for frame in &self.frames {
            roots.extend_from_slice(&frame.stack);
        }
        roots.extend_from_slice(&self.stack);
        roots
    }

    /// Adds `items` to the container `target` if they fit it; gives them
    /// back otherwise.
    fn absorb(&mut self, target: Value, items: Vec<Value>) -> Option<Vec<Value>> {
        let Value::Node(id) = target else {
            return Some(items);
        };
        let even = items.len().is_multiple_of(2);
        let pairs = || items.chunks_exact(2).map(|p| (p[0], p[1]));
        match self.graph.nodes.get_mut(id as usize) {
            Some(Node::Dict(entries)) if even => entries.extend(pairs()),
            Some(Node::Object(object)) if even => object.entries.extend(pairs()),
            Some(Node::Object(object)) => object.items.extend_from_slice(&items),
            Some(Node::List(list) | Node::Set(list)) => list.extend_from_slice(&items),
            _ => return Some(items),
        }
        None
    }

    fn step(&mut self, op: u8, at: u64, input: &mut Input) -> Result<Option<Value>, Fault> {
        match op {
            op::PROTO => {
                let [version] = input.array()?;
                if version > 5 {
                    return Err(Fault::Unsupported(format!(
                        "pickle protocol {version} is newer than the ones modelseal reads (0 to 5)"
                    )));
                }
            }
            op::FRAME => {
                // Frames only group opcodes for buffering: their length is
                // a hint, and the opcodes inside are read as they come.
                input.array::<8>()?;
            }
            op::STOP => {
                let value = self.pop()?;
                let Some(frame) = self.frames.pop() else {
                    return Ok(Some(value));
                };
                self.stack = frame.stack;
                self.marks = frame.marks;
                self.memo = frame.memo;
                if let Some(Node::Object(object)) = self.graph.nodes.get_mut(frame.owner as usize) {
                    object.state.push(value);
                }
            }

            op::MARK => {
                if self.stack.len() + self.marks.len() >= MAX_STACK {
                    return Err(stack_full());
                }
                self.marks.push(self.stack.len());
            }
            op::POP => {
                if self.stack.len() > self.top_mark() {
                    self.stack.pop();
                } else if self.marks.pop().is_none() {
                    return Err(Fault::Underflow);
                }
            }
            op::POP_MARK => {
                self.pop_mark()?;
            }
            op::DUP => {
                let top = self.top()?;
                self.push(top)?;
            }

            op::NONE => self.push(Value::None)?,
            op::NEWTRUE => self.push(Value::Bool(true))?,
            op::NEWFALSE => self.push(Value::Bool(false))?,
            op::INT => {
                let value = number_line(input, |line| text::integer(line, true))?;
                self.push(value)?;
            }
            op::LONG => {
                let value = number_line(input, |line| text::integer(line, false))?;
                self.push(value)?;
            }
            op::BININT => {
                let value = i32::from_le_bytes(input.array()?);
                self.push(Value::Int(i64::from(value)))?;
            }
            op::BININT1 => {
                let [value] = input.array()?;
                self.push(Value::Int(i64::from(value)))?;
            }
            op::BININT2 => {
                let value = u16::from_le_bytes(input.array()?);
                self.push(Value::Int(i64::from(value)))?;
            }
            op::LONG1 => {
                let [len] = input.array()?;
                let value = long(input, u64::from(len))?;
                self.push(value)?;
            }
            op::LONG4 => {
                let len = i32::from_le_bytes(input.array()?);
                let len = u64::try_from(len)
                    .map_err(|_| Fault::Corrupt(format!("a negative length ({len})")))?;
                let value = long(input, len)?;
                self.push(value)?;
            }
            op::FLOAT => {
                let value = number_line(input, text::float)?;
                self.push(value)?;
            }
            op::BINFLOAT => {
                let value = f64::from_be_bytes(input.array()?);
                self.push(Value::Float(value))?;
            }

            op::STRING => {
                let value = self.text_line(input, op, at, false)?;
                self.push(value)?;
            }
            op::UNICODE => {
                let value = self.text_line(input, op, at, true)?;
                self.push(value)?;
            }
            op::BINSTRING => {
                let len = i32::from_le_bytes(input.array()?);
                let len = u64::try_from(len)
                    .map_err(|_| Fault::Corrupt(format!("a negative length ({len})")))?;
                let value = self.payload(input, len, Payload::Py2Str, op, at)?;
                self.push(value)?;
            }
            op::SHORT_BINSTRING => {
                let [len] = input.array()?;
                let value = self.payload(input, u64::from(len), Payload::Py2Str, op, at)?;
                self.push(value)?;
            }
            op::BINUNICODE => {
                let len = u32::from_le_bytes(input.array()?);
                let value = self.payload(input, u64::from(len), Payload::Text, op, at)?;
                self.push(value)?;
            }
            op::SHORT_BINUNICODE => {
                let [len] = input.array()?;
                let value = self.payload(input, u64::from(len), Payload::Text, op, at)?;
                self.push(value)?;
            }
            op::BINUNICODE8 => {
                let len = u64::from_le_bytes(input.array()?);
                let value = self.payload(input, len, Payload::Text, op, at)?;
                self.push(value)?;
            }
            op::BINBYTES => {
                let len = u32::from_le_bytes(input.array()?);
                let value = self.payload(input, u64::from(len), Payload::Bytes, op, at)?;
                self.push(value)?;
            }
            op::SHORT_BINBYTES => {
                let [len] = input.array()?;
                let value = self.payload(input, u64::from(len), Payload::Bytes, op, at)?;
                self.push(value)?;
            }
            op::BINBYTES8 | op::BYTEARRAY8 => {
                let len = u64::from_le_bytes(input.array()?);
                let value = self.payload(input, len, Payload::Bytes, op, at)?;
                self.push(value)?;
            }
            op::NEXT_BUFFER => self.push_node(Node::Opaque)?,
            op::READONLY_BUFFER => {
                self.top()?;
            }

            op::EMPTY_TUPLE => self.push_node(Node::Tuple(Vec::new()))?,
            op::TUPLE1 | op::TUPLE2 | op::TUPLE3 => {
                let n = usize::from(op - op::TUPLE1 + 1);
                if self.stack.len() < self.top_mark() + n {
                    return Err(Fault::Underflow);
                }
                let items = self.stack.split_off(self.stack.len() - n);
                self.push_container(Node::Tuple(items), n)?;
            }
            op::TUPLE => {
                let items = self.pop_mark()?;
                let n = items.len();
                self.push_container(Node::Tuple(items), n)?;
            }
            op::EMPTY_LIST => self.push_node(Node::List(Vec::new()))?,
            op::LIST => {
                let items = self.pop_mark()?;
                let n = items.len();
                self.push_container(Node::List(items), n)?;
            }
            op::EMPTY_DICT => self.push_node(Node::Dict(Vec::new()))?,
            op::DICT => {
                let items = self.pop_mark()?;
                let entries = pairs(&items)?;
                self.push_container(Node::Dict(entries), items.len())?;
            }
            op::EMPTY_SET => self.push_node(Node::Set(Vec::new()))?,
            op::FROZENSET => {
                let items = self.pop_mark()?;
                let n = items.len();
                self.push_container(Node::Set(items), n)?;
            }
            op::APPEND => {
                let item = self.pop()?;
                let target = self.top()?;
                self.add_items(target, vec![item])?;
            }
            op::APPENDS | op::ADDITEMS => {
                let items = self.pop_mark()?;
                let target = self.top()?;
                self.add_items(target, items)?;
            }
            op::SETITEM => {
                let value = self.pop()?;
                let key = self.pop()?;
                let target = self.top()?;
                self.add_entries(target, &[key, value])?;
            }
            op::SETITEMS => {
                let items = self.pop_mark()?;
                let target = self.top()?;
                self.add_entries(target, &items)?;
            }

            op::GLOBAL => {
                let module = name_line(input)?;
                let name = name_line(input)?;
                let value = self.global(module, name)?;
                self.push(value)?;
            }
            op::STACK_GLOBAL => {
                let name = self.pop()?;
                let module = self.pop()?;
                let (Some(module), Some(name)) = (self.graph.text(module), self.graph.text(name))
                else {
                    return Err(Fault::Corrupt(
                        "STACK_GLOBAL needs a module name and a class name (two str)".into(),
                    ));
                };
                let module = lossy(module.get(..MAX_STACK_NAME).unwrap_or(module));
                let name = lossy(name.get(..MAX_STACK_NAME).unwrap_or(name));
                let value = self.global(module, name)?;
                self.push(value)?;
            }
            op::INST => {
                let module = name_line(input)?;
                let name = name_line(input)?;
                let func = self.global(module, name)?;
                let args = self.pop_mark()?;
                let n = args.len();
                let args = self.alloc_container(Node::Tuple(args), n)?;
                self.push_object(func, args, Value::None)?;
            }
            op::OBJ => {
                let mut items = self.pop_mark()?;
                if items.is_empty() {
                    return Err(Fault::Underflow);
                }
                let func = items.remove(0);
                let n = items.len();
                let args = self.alloc_container(Node::Tuple(items), n)?;
                self.push_object(func, args, Value::None)?;
            }
            op::REDUCE | op::NEWOBJ => {
                let args = self.pop()?;
                let func = self.pop()?;
                if op == op::REDUCE {
                    self.drop_binary_latin1(func, args);
                }
                self.push_object(func, args, Value::None)?;
            }
            op::NEWOBJ_EX => {
                let kwargs = self.pop()?;
                let args = self.pop()?;
                let func = self.pop()?;
                self.push_object(func, args, kwargs)?;
            }
            op::BUILD => {
                let state = self.pop()?;
                let target = self.top()?;
                self.build(target, state, input)?;
            }
            op::PERSID => {
                input.line(0)?;
                self.push_node(Node::PersistentId)?;
            }
            op::BINPERSID => {
                self.pop()?;
                self.push_node(Node::PersistentId)?;
            }
            op::EXT1 => {
                input.array::<1>()?;
                self.push_node(Node::Opaque)?;
            }
            op::EXT2 => {
                input.array::<2>()?;
                self.push_node(Node::Opaque)?;
            }
            op::EXT4 => {
                input.array::<4>()?;
                self.push_node(Node::Opaque)?;
            }

            op::PUT => {
                let (line, _) = input.line(MAX_NUMBER)?;
                let key = text::memo_key(&line)
                    .ok_or_else(|| Fault::Corrupt("PUT needs a memo key (a number)".into()))?;
                self.memo_put(key)?;
            }
            op::BINPUT => {
                let [key] = input.array()?;
                self.memo_put(u64::from(key))?;
            }
            op::LONG_BINPUT => {
                let key = u32::from_le_bytes(input.array()?);
                self.memo_put(u64::from(key))?;
            }
            op::MEMOIZE => {
                let key = self.memo.len() as u64;
                self.memo_put(key)?;
            }
            op::GET => {
                let (line, _) = input.line(MAX_NUMBER)?;
                let key = text::memo_key(&line)
                    .ok_or_else(|| Fault::Corrupt("GET needs a memo key (a number)".into()))?;
                self.memo_get(key)?;
            }
            op::BINGET => {
                let [key] = input.array()?;
                self.memo_get(u64::from(key))?;
            }
            op::LONG_BINGET => {
                let key = u32::from_le_bytes(input.array()?);
                self.memo_get(u64::from(key))?;
            }
            _ => {
                return Err(Fault::Corrupt(
                    "not a pickle opcode: the data is not a pickle, or it is damaged".into(),
                ));
            }
        }
        Ok(None)
    }

    fn top_mark(&self) -> usize {
        self.marks.last().copied().unwrap_or(0)
    }

    fn push(&mut self, value: Value) -> Result<(), Fault> {
        if self.stack.len() + self.marks.len() >= MAX_STACK {
            return Err(stack_full());
        }
        self.stack.push(value);
        Ok(())
    }

    fn pop(&mut self) -> Result<Value, Fault> {
        if self.stack.len() <= self.top_mark() {
            return Err(Fault::Underflow);
        }
        self.stack.pop().ok_or(Fault::Underflow)
    }

    fn top(&self) -> Result<Value, Fault> {
        if self.stack.len() <= self.top_mark() {
            return Err(Fault::Underflow);
        }
        self.stack.last().copied().ok_or(Fault::Underflow)
    }

    fn pop_mark(&mut self) -> Result<Vec<Value>, Fault> {
        let mark = self.marks.pop().ok_or(Fault::NoMark)?;
        Ok(self.stack.split_off(mark.min(self.stack.len())))
    }

    fn alloc(&mut self, node: Node) -> Result<Value, Fault> {
        if self.graph.nodes.len() >= MAX_NODES {
            return Err(Fault::Limit(format!(
                "more than {MAX_NODES} values in one pickle"
            )));
        }
        let id = self.graph.nodes.len() as NodeId;
        self.graph.nodes.push(node);
        Ok(Value::Node(id))
    }

    fn push_node(&mut self, node: Node) -> Result<(), Fault> {
        let value = self.alloc(node)?;
        self.push(value)
    }

    /// Counts `n` more values held in containers.
    fn count(&mut self, n: usize) -> Result<(), Fault> {
        self.elements = self.elements.saturating_add(n as u64);
        if self.elements > MAX_ELEMENTS {
            return Err(Fault::Limit(format!(
                "more than {MAX_ELEMENTS} values inside containers in one pickle"
            )));
        }
        Ok(())
    }

    fn alloc_container(&mut self, node: Node, n: usize) -> Result<Value, Fault> {
        self.count(n)?;
        self.alloc(node)
    }

    fn push_container(&mut self, node: Node, n: usize) -> Result<(), Fault> {
        let value = self.alloc_container(node, n)?;
        self.push(value)
    }

    fn push_object(&mut self, func: Value, args: Value, kwargs: Value) -> Result<(), Fault> {
        self.count(3)?;
        self.push_node(Node::Object(Box::new(Object {
            func,
            args,
            kwargs,
            state: Vec::new(),
            items: Vec::new(),
            entries: Vec::new(),
        })))
    }

    fn add_items(&mut self, target: Value, items: Vec<Value>) -> Result<(), Fault> {
        self.count(items.len())?;
        let kind = self.graph.kind(target);
        match self.node_mut(target) {
            Some(Node::List(list) | Node::Set(list)) => list.extend(items),
            Some(Node::Object(object)) => object.items.extend(items),
            Some(Node::Opaque | Node::PersistentId) => {}
            _ => return Err(Fault::Corrupt(format!("adds items to {kind}"))),
        }
        Ok(())
    }

    fn add_entries(&mut self, target: Value, items: &[Value]) -> Result<(), Fault> {
        let entries = pairs(items)?;
        self.count(items.len())?;
        let kind = self.graph.kind(target);
        match self.node_mut(target) {
            Some(Node::Dict(dict)) => dict.extend(entries),
            Some(Node::Object(object)) => object.entries.extend(entries),
            Some(Node::Opaque | Node::PersistentId) => {}
            _ => return Err(Fault::Corrupt(format!("sets keys on {kind}"))),
        }
        Ok(())
    }

    fn build(&mut self, target: Value, state: Value, input: &mut Input) -> Result<(), Fault> {
        if state == Value::None {
            return Ok(());
        }
        self.count(1)?;
        let kind = self.graph.kind(target);
        match self.node_mut(target) {
            Some(Node::Object(object)) => object.state.push(state),
            Some(Node::Opaque | Node::PersistentId) => return Ok(()),
            _ => return Err(Fault::Corrupt(format!("sets the state of {kind}"))),
        }
        match joblib::array_after(&self.graph, target) {
            None => Ok(()),
            Some(Array::Raw { padded, bytes }) => {
                let cut = |e: ReadError| match e {
                    ReadError::Eof => Fault::Corrupt(
                        "the numpy array joblib stores after this object is cut short".into(),
                    ),
                    ReadError::Io(e) => Fault::Io(e),
                };
                if padded {
                    let [padding] = input.array().map_err(cut)?;
                    input.skip(u64::from(padding)).map_err(cut)?;
                }
                input.skip(bytes).map_err(cut)?;
                self.skipped.0 += 1;
                self.skipped.1 = self.skipped.1.saturating_add(bytes);
                Ok(())
            }
            Some(Array::Pickled) => {
                let (Value::Node(owner), true) = (target, self.frames.len() < MAX_FRAMES) else {
                    return Err(Fault::Limit(format!(
                        "joblib arrays of Python objects nested more than {MAX_FRAMES} deep"
                    )));
                };
                self.frames.push(Frame {
                    stack: std::mem::take(&mut self.stack),
                    marks: std::mem::take(&mut self.marks),
                    memo: std::mem::take(&mut self.memo),
                    owner,
                });
                Ok(())
            }
            Some(Array::Unknown(why)) => Err(Fault::Unsupported(format!(
                "a numpy array stored by joblib follows, of a size modelseal cannot work out \
                 ({why}); the rest of the file is not read"
            ))),
        }
    }

    fn node_mut(&mut self, value: Value) -> Option<&mut Node> {
        match value {
            Value::Node(id) => self.graph.nodes.get_mut(id as usize),
            _ => None,
        }
    }

    fn memo_put(&mut self, key: u64) -> Result<(), Fault> {
        let value = self.top()?;
        if self.memo.len() >= MAX_MEMO && !self.memo.contains_key(&key) {
            return Err(Fault::Limit(format!(
                "more than {MAX_MEMO} memo entries in one pickle"
            )));
        }
        self.memo.insert(key, value);
        Ok(())
    }

    fn memo_get(&mut self, key: u64) -> Result<(), Fault> {
        let value = self
            .memo
            .get(&key)
            .copied()
            .ok_or_else(|| Fault::Corrupt(format!("memo key {key} was never stored")))?;
        self.push(value)
    }

    fn global(&mut self, module: String, name: String) -> Result<Value, Fault> {
        match self.graph.globals.intern(module, name) {
            Interned::New(i) => {
                if let Some((module, name)) = self.graph.globals.get(i)
                    && dangerous(module, name)
                {
                    let message =
                        format!("this pickle would call {module}.{name} when loaded: not executed");
                    self.notices
                        .push(Notice::new(NoticeKind::Unsupported, None, message));
                }
                self.alloc(Node::Global(i))
            }
            Interned::Known(i) => self.alloc(Node::Global(i)),
            Interned::Full(module, name) => {
                if !self.globals_noted {
                    self.globals_noted = true;
                    self.notices.push(Notice::new(
                        NoticeKind::Limit,
                        None,
                        format!(
                            "this pickle imports more than {MAX_GLOBALS} names: \
                             {module}.{name} and later ones are not listed"
                        ),
                    ));
                }
                self.alloc(Node::Opaque)
            }
        }
    }

    /// Bytes still allowed to be held.
    fn held_room(&self) -> u64 {
        self.max_held.saturating_sub(self.held)
    }

    fn note_held_full(&mut self) {
        if !self.held_noted {
            self.held_noted = true;
            self.notices.push(Notice::new(
                NoticeKind::Limit,
                None,
                format!(
                    "the strings in this pickle add up to more than {} bytes \
                     (twice max_segment): later ones are not read",
                    self.max_held
                ),
            ));
        }
    }

    fn note_cut(&mut self, op: u8, at: u64, len: u64, kept: usize) {
        self.notices.push(Notice::new(
            NoticeKind::Limit,
            None,
            format!(
                "{} at offset {at}: a string of {len} bytes, only its first {kept} are read \
                 (max_segment)",
                op::name(op)
            ),
        ));
    }

    /// A length-prefixed string or bytes payload.
    fn payload(
        &mut self,
        input: &mut Input,
        len: u64,
        kind: Payload,
        op: u8,
        at: u64,
    ) -> Result<Value, Fault> {
        if len > IMPLAUSIBLE {
            return Err(Fault::Corrupt(format!(
                "a length of {len} bytes, more than any file holds"
            )));
        }
        let mut head = Vec::new();
        if kind != Payload::Text && len > self.bytes_kept {
            if kind == Payload::Py2Str {
                head = input.bytes(len.min(SNIFF_LEN as u64), SNIFF_LEN)?;
            }
            if kind == Payload::Bytes || classify(&head) == Content::Binary {
                input.skip(len - head.len() as u64)?;
                self.skipped.0 += 1;
                self.skipped.1 = self.skipped.1.saturating_add(len);
                return self.alloc(Node::Opaque);
            }
        }
        let keep = len.min(self.max_segment);
        if keep > self.held_room() {
            input.skip(len - head.len() as u64)?;
            self.note_held_full();
            return self.alloc(Node::Opaque);
        }
        let keep = usize::try_from(keep).unwrap_or(usize::MAX);
        head.truncate(keep);
        let rest = input.bytes(len - head.len() as u64, keep - head.len())?;
        let mut data = head;
        data.extend_from_slice(&rest);
        self.held += data.len() as u64;
        if len > data.len() as u64 {
            self.note_cut(op, at, len, data.len());
        }
        let text = match kind {
            Payload::Text => true,
            Payload::Bytes => false,
            Payload::Py2Str => classify(&data) == Content::Text,
        };
        let node = if text {
            Node::Str(data)
        } else {
            Node::Bytes(data)
        };
        self.alloc(node)
    }

    /// The argument of protocol 0's `STRING` (quoted) or `UNICODE`
    /// (raw-unicode-escape), up to its newline.
    fn text_line(
        &mut self,
        input: &mut Input,
        op: u8,
        at: u64,
        unicode: bool,
    ) -> Result<Value, Fault> {
        let room = self.held_room();
        let keep = self.max_segment.min(room);
        let (mut line, len) = input.line(usize::try_from(keep).unwrap_or(usize::MAX))?;
        if len > line.len() as u64 {
            if room < self.max_segment {
                self.note_held_full();
                return self.alloc(Node::Opaque);
            }
            self.note_cut(op, at, len, line.len());
            if !unicode {
                // Close the quote the cut took away.
                if let Some(&quote) = line.first() {
                    line.push(quote);
                }
            }
        }
        self.held += line.len() as u64;
        if unicode {
            return self.alloc(Node::Str(text::raw_unicode_escape(&line)));
        }
        let data = text::quoted(&line).ok_or_else(|| {
            Fault::Corrupt("the argument of STRING is not a quoted string".into())
        })?;
        match classify(&data) {
            Content::Text => self.alloc(Node::Str(data)),
            Content::Binary => self.alloc(Node::Bytes(data)),
        }
    }

    /// `_codecs.encode(s, "latin1")` is how protocols 0 to 2 spell bytes;
    /// numpy arrays arrive that way. A binary one is dropped at once, so it
    /// does not hold memory while the rest is read.
    fn drop_binary_latin1(&mut self, func: Value, args: Value) {
        if self.graph.global(func) != Some(("_codecs", "encode")) {
            return;
        }
        let Some(&Value::Node(first)) = self.graph.sequence(args).and_then(|a| a.first()) else {
            return;
        };
        let len = match self.graph.nodes.get(first as usize) {
            Some(Node::Str(data)) if classify(data) == Content::Binary => data.len() as u64,
            _ => return,
        };
        if let Some(node) = self.graph.nodes.get_mut(first as usize) {
            *node = Node::Opaque;
            self.held = self.held.saturating_sub(len);
            self.skipped.0 += 1;
            self.skipped.1 = self.skipped.1.saturating_add(len);
        }
    }
}

fn stack_full() -> Fault {
    Fault::Limit(format!("more than {MAX_STACK} values on the pickle stack"))
}

/// Keys and values, alternating.
fn pairs(items: &[Value]) -> Result<Vec<(Value, Value)>, Fault> {
    if !items.len().is_multiple_of(2) {
        return Err(Fault::Corrupt(format!(
            "{} values where keys and values should pair up",
            items.len()
        )));
    }
    Ok(items.chunks_exact(2).map(|p| (p[0], p[1])).collect())
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A module or class name on a protocol 0 line.
fn name_line(input: &mut Input) -> Result<String, Fault> {
    let (line, len) = input.line(MAX_NAME)?;
    if len > MAX_NAME as u64 {
        return Err(Fault::Corrupt(format!(
            "a module or class name of {len} bytes"
        )));
    }
    let line = line.strip_suffix(b"\r").unwrap_or(&line);
    Ok(lossy(line))
}

/// A number on a protocol 0 line; long ones are big integers.
fn number_line(input: &mut Input, parse: fn(&[u8]) -> Value) -> Result<Value, Fault> {
    let (line, len) = input.line(MAX_NUMBER)?;
    if len > MAX_NUMBER as u64 {
        return Ok(Value::BigInt);
    }
    Ok(parse(&line))
}

/// `LONG1`/`LONG4`: a little-endian two's complement integer.
fn long(input: &mut Input, len: u64) -> Result<Value, Fault> {
    if len > IMPLAUSIBLE {
        return Err(Fault::Corrupt(format!(
            "a length of {len} bytes, more than any file holds"
        )));
    }
    if len > 8 {
        input.skip(len)?;
        return Ok(Value::BigInt);
    }
    let bytes = input.bytes(len, 8)?;
    let fill = if bytes.last().is_some_and(|b| b & 0x80 != 0) {
        0xff
    } else {
        0
    };
    let mut buf = [fill; 8];
    buf[..bytes.len()].copy_from_slice(&bytes);
    Ok(Value::Int(i64::from_le_bytes(buf)))
}
