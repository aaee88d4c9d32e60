//! Python bytecode: `co_filename` paths and string constants, by walking the marshal format.
//!
//! A `.pyc` of Python 3.7 and later is a 16-byte header (a magic number that
//! names the Python version and ends in `\r\n`, flags, then a source mtime
//! and size or a source hash) followed by the module's code object in
//! `marshal` form. Build machines compile with their own paths, so
//! `co_filename` is where `/home/asmith/project/train.py` turns up; string
//! constants are where a hard-coded URL or key does.
//!
//! Reported fields:
//! - `code/co_filename`: once per distinct file name;
//! - `code/<qualname>/consts[i]`: string and bytes constants of at least
//!   [`MIN_CONST_LEN`] characters, with `[j]` appended for those inside a
//!   tuple or frozenset constant (`code/<module>/consts[3][1]`).
//!
//! Code objects, numbers and names (`co_names`, variable names) are not
//! reported.

mod marshal;

use std::collections::HashSet;
use std::fmt::Write as _;
use std::io::Read;
use std::rc::Rc;

use crate::limits::Budget;
use crate::reading::{self, Allowance, path_text, prefix};
use crate::visitor::{Notice, NoticeKind, Visitor};
use marshal::{CO_OPTIMIZED, Code, Layout, Stop, Value, Walker};

/// Bytes of the header of a Python 3.7+ pyc.
const HEADER_LEN: usize = 16;

/// Shorter string constants (`"r"`, `"utf-8"` is kept) hold no secret.
const MIN_CONST_LEN: usize = 4;

/// Constants reported from one file, counting those inside tuples. A
/// reference can put one tuple inside another many times over; this keeps
/// that from multiplying.
const MAX_CONSTS: usize = 100_000;

/// Tuples of constants nested in each other.
const MAX_CONST_DEPTH: usize = 16;

/// Bytes of a qualified name in a field path.
const MAX_QUALNAME: usize = 256;

/// Reads `reader` as this format and reports what it holds to `visitor`.
pub fn read(_name: &str, reader: &mut dyn Read, visitor: &mut dyn Visitor, budget: &Budget) {
    let limit = budget.limits.max_segment;
    let mut data = Vec::new();
    if let Err(e) = reader.take(limit.saturating_add(1)).read_to_end(&mut data) {
        visitor.notice(reading::Stop::unreadable(&e).notice());
        return;
    }
    let cut = data.len() as u64 > limit;
    if cut {
        data.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    }
    let Some(layout) = header(&data, visitor) else {
        return;
    };

    let mut walker = Walker::new(&data, HEADER_LEN, layout);
    let outcome = walker.walk();
    // References let one long string stand for itself many times over.
    let allowance = Allowance::of(data.len() as u64);
    report(&walker.into_codes(), allowance, visitor);

    if cut {
        visitor.notice(Notice::new(
            NoticeKind::Limit,
            None,
            format!(
                "bytecode larger than max_segment ({limit} bytes): only the code read from its first {limit} bytes is reported"
            ),
        ));
    }
    match outcome {
        Ok(()) => {}
        // Cut by the limit above: that notice says why.
        Err(Stop::Truncated { .. }) if cut => {}
        Err(Stop::Truncated { message, .. } | Stop::Corrupt { message, .. }) => {
            visitor.notice(Notice::new(
                NoticeKind::Corrupt,
                None,
                format!("bad marshal data: {message}"),
            ));
        }
        Err(Stop::Limit { message, .. }) => {
            visitor.notice(Notice::new(NoticeKind::Limit, None, message));
        }
    }
}

/// Checks the header; the code object layout its magic number stands for.
fn header(data: &[u8], visitor: &mut dyn Visitor) -> Option<Layout> {
    let Some(header) = data.first_chunk::<HEADER_LEN>() else {
        visitor.notice(Notice::new(
            NoticeKind::Corrupt,
            None,
            format!(
                "a pyc header is {HEADER_LEN} bytes; this file has only {}",
                data.len()
            ),
        ));
        return None;
    };
    let [lo, hi, cr, lf, ..] = *header;
    if [cr, lf] != *b"\r\n" {
        visitor.notice(Notice::new(
            NoticeKind::Corrupt,
            None,
            "not Python bytecode: bytes 2 and 3 are not \\r\\n",
        ));
        return None;
    }
    let magic = u16::from_le_bytes([lo, hi]);
    let layout = layout(magic);
    if layout.is_none() {
        visitor.notice(Notice::new(
            NoticeKind::Unsupported,
            None,
            format!(
                "bytecode magic number {magic} at offset 0 is {}: modelseal reads the bytecode of Python 3.7 to 3.13",
                version_guess(magic)
            ),
        ));
    }
    layout
}

/// The code object layout of a magic number (importlib's
/// `MAGIC_NUMBER` history: each version has a range, alphas included).
fn layout(magic: u16) -> Option<Layout> {
    match magic {
        // 3.7, and 3.8 alphas before positional-only parameters (3410).
        3390..=3409 => Some(Layout::Py37),
        // 3.8 to 3.10.
        3410..=3449 => Some(Layout::Py38),
        // 3.11 to 3.13.
        3450..=3599 => Some(Layout::Py311),
        _ => None,
    }
}

fn version_guess(magic: u16) -> &'static str {
    match magic {
        3000..=3389 => "Python 3.6 or older",
        3600..=3999 => "a Python newer than 3.13",
        20000..=62299 => "Python 2",
        _ => "no known Python version",
    }
}

/// Reports the file names and constants of every code object read.
fn report(codes: &[Code], allowance: Allowance, visitor: &mut dyn Visitor) {
    let mut qualnames: Vec<String> = Vec::with_capacity(codes.len());
    // Each code object usually refers to one stored file name: compare
    // those by address first, so a long name is hashed once.
    let mut filename_objects: HashSet<*const u8> = HashSet::new();
    let mut filenames: HashSet<Rc<str>> = HashSet::new();
    let mut steps = Steps {
        left: MAX_CONSTS,
        bytes: allowance,
        exhausted: false,
    };
    for code in codes {
        let qualname = qualname(code, codes, &qualnames);
        if let Some(filename) = &code.filename
            && filename_objects.insert(filename.as_ptr())
            && filenames.insert(filename.clone())
        {
            visitor.field("code/co_filename", filename.as_bytes());
        }
        if let Some(Value::Seq(consts)) = &code.consts {
            for (i, constant) in consts.iter().enumerate() {
                let mut path = format!("code/{qualname}/consts[{i}]");
                constants(visitor, &mut path, constant, 0, &mut steps);
            }
        }
        qualnames.push(qualname);
    }
    if steps.exhausted {
        visitor.notice(Notice::new(
            NoticeKind::Limit,
            None,
            format!(
                "more than {MAX_CONSTS} constants, or constants adding up to more than {} times the file's size (the same long string referred to many times?): the rest are not reported",
                Allowance::FACTOR
            ),
        ));
    }
}

/// `co_qualname` (3.11 and later), or the name `CPython` would give it:
/// `outer.<locals>.inner` inside a function, `Class.method` inside a class.
/// `qualnames` holds those of `codes` before this one (its parent among them).
fn qualname(code: &Code, codes: &[Code], qualnames: &[String]) -> String {
    let qualname = match (&code.qualname, &code.name) {
        (Some(qualname), _) => prefix(qualname, MAX_QUALNAME + 1).to_owned(),
        (None, name) => {
            let name = prefix(name.as_deref().unwrap_or("?"), MAX_QUALNAME + 1);
            let parent = code
                .parent
                .and_then(|id| codes.binary_search_by_key(&id, |c| c.id).ok())
                .and_then(|i| Some((codes.get(i)?, qualnames.get(i)?)));
            match parent {
                Some((parent, outer)) if parent.parent.is_some() => {
                    if parent.flags & CO_OPTIMIZED == 0 {
                        format!("{outer}.{name}")
                    } else {
                        format!("{outer}.<locals>.{name}")
                    }
                }
                // The module's own code, and what is defined at its top level.
                _ => name.to_owned(),
            }
        }
    };
    path_text(qualname.as_bytes(), MAX_QUALNAME)
}

/// Constants still to be looked at: each string, bytes object or tuple
/// visited takes one, reported or not.
struct Steps {
    left: usize,
    /// Bytes of paths and values that may still be reported.
    bytes: Allowance,
    exhausted: bool,
}

impl Steps {
    fn report(&mut self, visitor: &mut dyn Visitor, path: &str, value: &[u8]) {
        let bytes = (path.len() as u64).saturating_add(value.len() as u64);
        if self.bytes.spend(bytes) {
            visitor.field(path, value);
        } else {
            self.exhausted = true;
        }
    }
}

/// Reports a constant at `path`, and the strings inside a tuple constant.
fn constants(
    visitor: &mut dyn Visitor,
    path: &mut String,
    value: &Value,
    depth: usize,
    steps: &mut Steps,
) {
    if steps.exhausted {
        return;
    }
    if steps.left == 0 {
        steps.exhausted = true;
        return;
    }
    steps.left -= 1;
    match value {
        Value::Str(s) if s.chars().nth(MIN_CONST_LEN - 1).is_some() => {
            steps.report(visitor, path, s.as_bytes());
        }
        Value::Bytes(b) if b.len() >= MIN_CONST_LEN => steps.report(visitor, path, b),
        Value::Seq(items) if depth < MAX_CONST_DEPTH => {
            let len = path.len();
            for (j, item) in items.iter().enumerate() {
                let _ = write!(path, "[{j}]");
                constants(visitor, path, item, depth + 1, steps);
                path.truncate(len);
                if steps.exhausted {
                    return;
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests;
