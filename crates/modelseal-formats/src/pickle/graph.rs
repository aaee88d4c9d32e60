//! What a pickle builds, as a graph: values inline or as nodes, nodes in
//! one vector, referring to each other by index (so a list can contain
//! itself, and a memo reference is just another index).

use super::globals::Globals;

pub(super) type NodeId = u32;

/// A value on the stack, in the memo, or inside a container. Numbers are
/// kept inline; everything else is a node of the graph.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Value {
    None,
    Bool(bool),
    Int(i64),
    /// An integer too big for 64 bits: its digits are not kept.
    BigInt,
    Float(f64),
    Node(NodeId),
}

#[derive(Debug)]
pub(super) enum Node {
    /// A `str` (UTF-8 as pickled, lone surrogates and all).
    Str(Vec<u8>),
    Bytes(Vec<u8>),
    /// Something not modelled: a skipped payload, an extension code, an
    /// out-of-band buffer.
    Opaque,
    /// A persistent id (in torch checkpoints, a tensor storage). Its content
    /// is not kept.
    PersistentId,
    /// An imported name, by its index in [`Globals`].
    Global(u32),
    List(Vec<Value>),
    Tuple(Vec<Value>),
    /// A set or a frozenset.
    Set(Vec<Value>),
    Dict(Vec<(Value, Value)>),
    Object(Box<Object>),
}

/// A call that loading would make, with what is later added to its result.
#[derive(Debug)]
pub(super) struct Object {
    /// What would be called: usually a global.
    pub func: Value,
    pub args: Value,
    /// Keyword arguments (`NEWOBJ_EX`), or None.
    pub kwargs: Value,
    /// What `BUILD` would set.
    pub state: Vec<Value>,
    /// What `APPEND`/`APPENDS`/`ADDITEMS` add to it.
    pub items: Vec<Value>,
    /// What `SETITEM`/`SETITEMS` set on it.
    pub entries: Vec<(Value, Value)>,
}

/// What a pickle builds: the nodes and the names it imports.
#[derive(Debug, Default)]
pub(super) struct Graph {
    pub nodes: Vec<Node>,
    pub globals: Globals,
}

impl Graph {
    pub(super) fn node(&self, value: Value) -> Option<&Node> {
        match value {
            Value::Node(id) => self.nodes.get(id as usize),
            _ => None,
        }
    }

    /// Module and name, when `value` is an imported name.
    pub(super) fn global(&self, value: Value) -> Option<(&str, &str)> {
        match self.node(value)? {
            Node::Global(i) => self.globals.get(*i),
            _ => None,
        }
    }

    pub(super) fn text(&self, value: Value) -> Option<&[u8]> {
        match self.node(value)? {
            Node::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Items of a tuple or list.
    pub(super) fn sequence(&self, value: Value) -> Option<&[Value]> {
        match self.node(value)? {
            Node::Tuple(items) | Node::List(items) => Some(items),
            _ => None,
        }
    }

    pub(super) fn dict(&self, value: Value) -> Option<&[(Value, Value)]> {
        match self.node(value)? {
            Node::Dict(entries) => Some(entries),
            _ => None,
        }
    }

    /// A short name for what `value` is, for messages.
    pub(super) fn kind(&self, value: Value) -> &'static str {
        match value {
            Value::None => "None",
            Value::Bool(_) => "a bool",
            Value::Int(_) | Value::BigInt => "an int",
            Value::Float(_) => "a float",
            Value::Node(_) => match self.node(value) {
                Some(Node::Str(_)) => "a str",
                Some(Node::Bytes(_)) => "a bytes value",
                Some(Node::Global(_)) => "an imported name",
                Some(Node::Tuple(_)) => "a tuple",
                Some(Node::List(_)) => "a list",
                Some(Node::Set(_)) => "a set",
                Some(Node::Dict(_)) => "a dict",
                Some(Node::Object(_)) => "an object",
                Some(Node::Opaque | Node::PersistentId) | None => "an unknown value",
            },
        }
    }
}
