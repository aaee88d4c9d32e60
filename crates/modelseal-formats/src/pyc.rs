//! Python bytecode: `co_filename` paths and string constants, by walking the marshal format.

use std::io::Read;

use crate::limits::Budget;
use crate::visitor::{Notice, NoticeKind, Visitor};

/// Reads `reader` as this format and reports what it holds to `visitor`.
pub fn read(name: &str, reader: &mut dyn Read, visitor: &mut dyn Visitor, budget: &Budget) {
    let _ = (name, reader, budget);
    visitor.notice(Notice::new(
        NoticeKind::Unsupported,
        None,
        "Pyc files are not read yet",
    ));
}
