//! An ONNX model: a bounded protobuf walk to every string field; raw tensor data skipped.

use std::io::Read;

use crate::limits::Budget;
use crate::visitor::{Notice, NoticeKind, Visitor};

/// Reads `reader` as this format and reports what it holds to `visitor`.
pub fn read(name: &str, reader: &mut dyn Read, visitor: &mut dyn Visitor, budget: &Budget) {
    let _ = (name, reader, budget);
    visitor.notice(Notice::new(
        NoticeKind::Unsupported,
        None,
        "Onnx files are not read yet",
    ));
}
