//! A bounded walker over `CPython`'s `marshal` format, as `.pyc` files hold it.
//!
//! It keeps only what the pyc reader reports (strings, bytes, the tuples and
//! sets that hold constants, and each code object's constants, file name and
//! names) and steps over everything else. Every length is checked against the
//! bytes that are left before anything is allocated; nesting and the number
//! of objects are bounded.

use std::rc::Rc;

/// Objects nested inside each other (a code object in a tuple of constants
/// in a code object counts three). `CPython` itself stops at 2000; real
/// modules stay well under 100.
pub const MAX_DEPTH: u32 = 200;

/// Objects read from one file. A pyc of a large module holds a few tens of
/// thousands.
pub const MAX_OBJECTS: u64 = 1_000_000;

/// `co_flags` bit of a function's code (a class body or module does not
/// have it): names nested in it are `outer.<locals>.inner`.
pub const CO_OPTIMIZED: u32 = 0x1;

/// How a code object is laid out, which changed with the Python version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// 3.7: no `co_posonlyargcount`.
    Py37,
    /// 3.8 to 3.10: `co_posonlyargcount` added.
    Py38,
    /// 3.11 to 3.13: `co_nlocals` gone, `co_localsplusnames`/`kinds`,
    /// `co_qualname` and `co_exceptiontable` added.
    Py311,
}

/// What the walker keeps of one marshalled object.
#[derive(Debug, Clone)]
pub enum Value {
    /// `TYPE_NULL`: ends a dict.
    Null,
    Str(Rc<str>),
    Bytes(Rc<[u8]>),
    /// A tuple, list, set or frozenset.
    Seq(Rc<[Value]>),
    /// A code object (reported on its own, see [`Code`]).
    Code,
    /// Anything else: numbers, singletons, dicts, slices.
    Other,
}

/// One code object: what was read of it (all of it, unless the walk stopped
/// inside it).
#[derive(Debug)]
pub struct Code {
    /// Code objects are numbered in the order they start, so a module comes
    /// before its functions, and a function before those nested in it.
    pub id: usize,
    pub parent: Option<usize>,
    pub flags: u32,
    pub consts: Option<Value>,
    pub filename: Option<Rc<str>>,
    pub name: Option<Rc<str>>,
    /// 3.11 and later only.
    pub qualname: Option<Rc<str>>,
}

/// Why a walk stopped early. Offsets count from the start of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// Something runs past the end of the data.
    Truncated { offset: usize, message: String },
    /// Bytes that are not valid marshal data.
    Corrupt { offset: usize, message: String },
    /// [`MAX_DEPTH`] or [`MAX_OBJECTS`].
    Limit { offset: usize, message: String },
}

pub struct Walker<'a> {
    data: &'a [u8],
    pos: usize,
    layout: Layout,
    /// Objects stored for `TYPE_REF` (`None` while still being read).
    refs: Vec<Option<Value>>,
    objects: u64,
    depth: u32,
    next_code: usize,
    /// Code objects being read, innermost last.
    open: Vec<Code>,
    done: Vec<Code>,
}

impl<'a> Walker<'a> {
    /// A walker over `data` whose marshal stream starts at `start`.
    pub fn new(data: &'a [u8], start: usize, layout: Layout) -> Self {
        Walker {
            data,
            pos: start,
            layout,
            refs: Vec::new(),
            objects: 0,
            depth: 0,
            next_code: 0,
            open: Vec::new(),
            done: Vec::new(),
        }
    }

    /// Reads one object (a pyc holds one: the module's code).
    pub fn walk(&mut self) -> Result<(), Stop> {
        self.object().map(|_| ())
    }

    /// Every code object read, finished or not, in the order they started.
    pub fn into_codes(self) -> Vec<Code> {
        let mut codes = self.done;
        codes.extend(self.open);
        codes.sort_by_key(|c| c.id);
        codes
    }

    fn left(&self) -> usize {
        self.data.len().saturating_sub(self.pos)
    }

    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], Stop> {
        let data = self.data;
        let bytes = self
            .pos
            .checked_add(n)
            .and_then(|end| data.get(self.pos..end))
            .ok_or_else(|| Stop::Truncated {
                offset: self.pos,
                message: format!(
                    "{what} of {n} bytes at offset {} runs past the end ({} bytes left)",
                    self.pos,
                    self.left()
                ),
            })?;
        self.pos += n;
        Ok(bytes)
    }

    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N], Stop> {
        let bytes = self.take(N, what)?;
        Ok(bytes.first_chunk::<N>().copied().unwrap_or([0; N]))
    }

    fn byte(&mut self, what: &str) -> Result<u8, Stop> {
        Ok(self.array::<1>(what)?[0])
    }

    fn int(&mut self, what: &str) -> Result<i32, Stop> {
        Ok(i32::from_le_bytes(self.array::<4>(what)?))
    }

    /// A 4-byte count of bytes or items, checked against what is left: each
    /// item takes at least one byte.
    fn count(&mut self, what: &str) -> Result<usize, Stop> {
        let offset = self.pos;
        let n = self.int(what)?;
        let n = usize::try_from(n).map_err(|_| Stop::Corrupt {
            offset,
            message: format!("{what} at offset {offset} is negative ({n})"),
        })?;
        if n > self.left() {
            return Err(Stop::Truncated {
                offset,
                message: format!(
                    "{what} at offset {offset} is {n}, more than the {} bytes left",
                    self.left()
                ),
            });
        }
        Ok(n)
    }

    fn text(&mut self, n: usize, what: &str) -> Result<Value, Stop> {
        let bytes = self.take(n, what)?;
        // Strings are UTF-8 (with lone surrogates allowed); keep what can be read.
        Ok(Value::Str(Rc::from(
            String::from_utf8_lossy(bytes).as_ref(),
        )))
    }

    fn object(&mut self) -> Result<Value, Stop> {
        let offset = self.pos;
        let code = self.byte("a type code")?;
        self.objects += 1;
        if self.objects > MAX_OBJECTS {
            return Err(Stop::Limit {
                offset,
                message: format!("more than {MAX_OBJECTS} objects: the rest is not read"),
            });
        }
        if self.depth >= MAX_DEPTH {
            return Err(Stop::Limit {
                offset,
                message: format!(
                    "objects nested more than {MAX_DEPTH} levels deep: the rest is not read"
                ),
            });
        }
        self.depth += 1;
        let value = self.object_body(offset, code);
        self.depth -= 1;
        value
    }

    fn object_body(&mut self, offset: usize, code: u8) -> Result<Value, Stop> {
        let kind = code & 0x7f;
        // FLAG_REF: the object is stored for later `TYPE_REF`s. Its slot is
        // taken before its contents are read, as `CPython` does, so that
        // indexes agree. Singletons and references are never stored.
        let stored =
            code & 0x80 != 0 && !matches!(kind, b'0' | b'N' | b'F' | b'T' | b'S' | b'.' | b'r');
        let slot = stored.then(|| {
            self.refs.push(None);
            self.refs.len() - 1
        });
        let value = match kind {
            b'0' => Value::Null,
            b'N' | b'F' | b'T' | b'S' | b'.' => Value::Other,
            b'i' => self.take(4, "an int").map(|_| Value::Other)?,
            b'I' | b'g' => self.take(8, "a 64-bit number").map(|_| Value::Other)?,
            b'y' => self.take(16, "a complex number").map(|_| Value::Other)?,
            b'f' => self.float_text().map(|()| Value::Other)?,
            b'x' => {
                self.float_text()?;
                self.float_text()?;
                Value::Other
            }
            b'l' => self.long(offset)?,
            b's' => {
                let n = self.count("a bytes length")?;
                Value::Bytes(Rc::from(self.take(n, "a bytes object")?))
            }
            b'u' | b't' | b'a' | b'A' => {
                let n = self.count("a string length")?;
                self.text(n, "a string")?
            }
            b'z' | b'Z' => {
                let n = usize::from(self.byte("a string length")?);
                self.text(n, "a string")?
            }
            b'r' => self.reference(offset)?,
            b'(' | b'[' | b'<' | b'>' => {
                let n = self.count("an item count")?;
                self.items(n)?
            }
            b')' => {
                let n = usize::from(self.byte("an item count")?);
                self.items(n)?
            }
            b'{' => self.dict()?,
            b'c' => self.code()?,
            // A slice (marshal version 5, Python 3.14): start, stop, step.
            b':' => {
                for _ in 0..3 {
                    self.object()?;
                }
                Value::Other
            }
            _ => {
                return Err(Stop::Corrupt {
                    offset,
                    message: format!("unknown marshal type code 0x{code:02x} at offset {offset}"),
                });
            }
        };
        if let Some(stored) = slot.and_then(|i| self.refs.get_mut(i)) {
            *stored = Some(value.clone());
        }
        Ok(value)
    }

    /// A float written as text: a one-byte length, then the digits.
    fn float_text(&mut self) -> Result<(), Stop> {
        let n = usize::from(self.byte("a float length")?);
        self.take(n, "a float").map(|_| ())
    }

    /// An int of any size: a signed count of 15-bit digits, two bytes each.
    fn long(&mut self, offset: usize) -> Result<Value, Stop> {
        let digits = self.int("a digit count")?.unsigned_abs() as usize;
        let n = digits.checked_mul(2).ok_or_else(|| Stop::Corrupt {
            offset,
            message: format!("an int at offset {offset} claims {digits} digits"),
        })?;
        self.take(n, "an int's digits").map(|_| Value::Other)
    }

    fn reference(&mut self, offset: usize) -> Result<Value, Stop> {
        let index = self.int("a reference")?;
        let stored = usize::try_from(index)
            .ok()
            .and_then(|i| self.refs.get(i))
            .ok_or_else(|| Stop::Corrupt {
                offset,
                message: format!(
                    "reference {index} at offset {offset} points past the {} objects stored so far",
                    self.refs.len()
                ),
            })?;
        // An object still being read (a tuple that holds itself) is opaque.
        Ok(stored.clone().unwrap_or(Value::Other))
    }

    fn items(&mut self, n: usize) -> Result<Value, Stop> {
        let mut items = Vec::with_capacity(n.min(self.left()).min(4096));
        for _ in 0..n {
            items.push(self.object()?);
        }
        Ok(Value::Seq(items.into()))
    }

    /// Keys and values until a `TYPE_NULL` key.
    fn dict(&mut self) -> Result<Value, Stop> {
        loop {
            if matches!(self.object()?, Value::Null) {
                return Ok(Value::Other);
            }
            self.object()?;
        }
    }

    fn top(&mut self) -> Option<&mut Code> {
        self.open.last_mut()
    }

    fn code(&mut self) -> Result<Value, Stop> {
        let id = self.next_code;
        self.next_code += 1;
        let parent = self.open.last().map(|c| c.id);
        self.open.push(Code {
            id,
            parent,
            flags: 0,
            consts: None,
            filename: None,
            name: None,
            qualname: None,
        });
        // The leading ints; co_flags is always the last of them.
        let ints = match self.layout {
            Layout::Py37 | Layout::Py311 => 5,
            Layout::Py38 => 6,
        };
        let mut flags = 0;
        for _ in 0..ints {
            flags = self.int("a code object's counts and flags")?;
        }
        let modern = self.layout == Layout::Py311;
        if let Some(top) = self.top() {
            top.flags = flags as u32;
        }
        self.object()?; // co_code
        let consts = self.object()?;
        if let Some(top) = self.top() {
            top.consts = Some(consts);
        }
        self.object()?; // co_names
        // co_localsplusnames and co_localspluskinds, or co_varnames,
        // co_freevars and co_cellvars.
        for _ in 0..if modern { 2 } else { 3 } {
            self.object()?;
        }
        let filename = as_str(self.object()?);
        if let Some(top) = self.top() {
            top.filename = filename;
        }
        let name = as_str(self.object()?);
        if let Some(top) = self.top() {
            top.name = name;
        }
        if modern {
            let qualname = as_str(self.object()?);
            if let Some(top) = self.top() {
                top.qualname = qualname;
            }
        }
        self.int("co_firstlineno")?;
        self.object()?; // co_lnotab or co_linetable
        if modern {
            self.object()?; // co_exceptiontable
        }
        if let Some(code) = self.open.pop() {
            self.done.push(code);
        }
        Ok(Value::Code)
    }
}

fn as_str(value: Value) -> Option<Rc<str>> {
    match value {
        Value::Str(s) => Some(s),
        _ => None,
    }
}
