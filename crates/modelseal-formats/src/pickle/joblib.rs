//! joblib's numpy arrays. `joblib.dump` pickles a `NumpyArrayWrapper` for
//! each array and writes the array's raw bytes right after the wrapper's
//! `BUILD`, outside any opcode (arrays of Python objects: a whole nested
//! pickle instead). Reading on past them needs the array's size, worked out
//! from the wrapper's shape and dtype.

use super::graph::{Graph, Node, Object, Value};

/// What follows the `BUILD` of a joblib array wrapper.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Array {
    /// Raw array bytes, after a padding-length byte and its padding when
    /// `padded` (joblib 1.2 and later).
    Raw { padded: bool, bytes: u64 },
    /// A nested pickle of the array (a dtype of Python objects).
    Pickled,
    /// A wrapper whose size cannot be worked out, and why.
    Unknown(&'static str),
}

/// What follows in the stream after `target` was built, when it is a
/// joblib array wrapper.
pub(super) fn array_after(graph: &Graph, target: Value) -> Option<Array> {
    let Some(Node::Object(object)) = graph.node(target) else {
        return None;
    };
    let (module, name) = graph.global(object.func)?;
    (name == "NumpyArrayWrapper" && module.ends_with("numpy_pickle")).then(|| layout(graph, object))
}

fn layout(graph: &Graph, wrapper: &Object) -> Array {
    let Some(state) = wrapper.state.last().and_then(|&s| graph.dict(s)) else {
        return Array::Unknown("its state is not a dict");
    };
    let field = |key: &str| {
        state
            .iter()
            .find(|(k, _)| graph.text(*k) == Some(key.as_bytes()))
            .map(|&(_, v)| v)
    };
    let Some(dtype) = field("dtype") else {
        return Array::Unknown("no dtype");
    };
    let itemsize = match itemsize(graph, dtype) {
        Ok(Some(size)) => size,
        Ok(None) => return Array::Pickled,
        Err(why) => return Array::Unknown(why),
    };
    let Some(shape) = field("shape").and_then(|s| graph.sequence(s)) else {
        return Array::Unknown("no shape");
    };
    let mut count = 1u64;
    for dim in shape {
        let Value::Int(dim) = *dim else {
            return Array::Unknown("a dimension is not a number");
        };
        let Some(next) = u64::try_from(dim).ok().and_then(|d| count.checked_mul(d)) else {
            return Array::Unknown("an impossible shape");
        };
        count = next;
    }
    let Some(bytes) = count.checked_mul(itemsize) else {
        return Array::Unknown("an impossible size");
    };
    let padded = matches!(field("numpy_array_alignment_bytes"), Some(Value::Int(_)));
    Array::Raw { padded, bytes }
}

/// Bytes per element of a pickled `numpy.dtype`, or `None` for a dtype of
/// Python objects. numpy pickles a dtype as a call with its type string
/// (`f8`, `U10`, `O8`) and a state tuple whose sixth item is the element
/// size of flexible types (-1 for the others).
fn itemsize(graph: &Graph, dtype: Value) -> Result<Option<u64>, &'static str> {
    let Some(Node::Object(dtype)) = graph.node(dtype) else {
        return Err("the dtype is not a numpy dtype");
    };
    let typestr = graph
        .sequence(dtype.args)
        .and_then(|args| args.first())
        .and_then(|&t| graph.text(t))
        .ok_or("the dtype has no type string")?;
    let typestr = match typestr.split_first() {
        Some((b'<' | b'>' | b'|' | b'=', rest)) => rest,
        _ => typestr,
    };
    if typestr.first() == Some(&b'O') {
        return Ok(None);
    }
    let elsize = dtype
        .state
        .first()
        .and_then(|&s| graph.sequence(s))
        .and_then(|state| state.get(5))
        .and_then(|v| match v {
            Value::Int(n) => u64::try_from(*n).ok().filter(|&n| n > 0),
            _ => None,
        });
    if let Some(elsize) = elsize {
        return Ok(Some(elsize));
    }
    let digits = typestr
        .iter()
        .skip_while(|b| b.is_ascii_alphabetic())
        .take_while(|b| b.is_ascii_digit())
        .map(|&b| char::from(b))
        .collect::<String>();
    match digits.parse::<u64>() {
        Ok(size) if size > 0 => Ok(Some(size)),
        _ => Err("a dtype of unknown size"),
    }
}
