//! Object headers (versions 1 and 2) and the messages the reader needs from
//! them: attributes, links, symbol tables, continuation blocks; and the
//! structures groups keep their members in (version 1 B-trees, symbol table
//! nodes, local heaps) and variable-length strings their bytes in (global
//! heap collections). Layouts are those of the HDF5 file format
//! specification, version 3.

use std::collections::HashSet;

use super::file::{Bytes, File, Sizes};
use crate::reading::Stop;

/// Continuation blocks followed for one object header.
const MAX_CHUNKS: usize = 1024;
/// Messages read from one object header.
const MAX_MESSAGES: usize = 65_536;
/// Strings read from one attribute.
const MAX_ELEMENTS: u64 = 10_000;
/// B-tree and symbol table nodes read for one group.
const MAX_NODES: usize = 100_000;

const NIL_SIGNATURE_V1: u8 = 1;
const LINK_INFO: u16 = 0x0002;
const LINK: u16 = 0x0006;
const ATTRIBUTE: u16 = 0x000C;
const CONTINUATION: u16 = 0x0010;
const SYMBOL_TABLE: u16 = 0x0011;
const ATTRIBUTE_INFO: u16 = 0x0015;

/// How an attribute stores its strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Strings {
    /// `size` bytes each, padded with NULs or spaces.
    Fixed { size: usize },
    /// A length and a global heap id each.
    Variable,
}

/// A string attribute: its name, and its elements still to be decoded.
#[derive(Debug)]
pub(super) struct Attribute {
    pub name: Vec<u8>,
    strings: Strings,
    /// The elements read (at most `MAX_ELEMENTS`).
    data: Vec<u8>,
    count: u64,
    /// Elements past `MAX_ELEMENTS`, not read.
    pub more_elements: u64,
}

impl Attribute {
    /// The attribute's strings, without their padding.
    pub fn strings(&self, file: &mut File<'_>) -> Result<Vec<Vec<u8>>, Stop> {
        let mut out = Vec::new();
        match self.strings {
            Strings::Fixed { size } => {
                for element in self.data.chunks(size.max(1)) {
                    let end = element
                        .iter()
                        .position(|b| *b == 0)
                        .unwrap_or(element.len());
                    let text = element.get(..end).unwrap_or_default();
                    out.push(text.trim_ascii_end().to_vec());
                }
            }
            Strings::Variable => {
                let sizes = file.sizes;
                let mut elements = Bytes::new(self.data.clone(), sizes, "an attribute's strings");
                let mut total = 0u64;
                for _ in 0..self.count {
                    let len = u64::from(elements.u32()?);
                    let heap = elements.offset()?;
                    let index = elements.u32()?;
                    if len == 0 || heap == 0 || heap == sizes.undefined() {
                        out.push(Vec::new());
                        continue;
                    }
                    total = total.saturating_add(len);
                    if total > file.max_segment {
                        return Err(Stop::limit(
                            "its strings add up to more than max_segment: not read",
                        ));
                    }
                    let mut value = file.global_heap_object(heap, index)?;
                    value.truncate(usize::try_from(len).unwrap_or(usize::MAX));
                    while value.last() == Some(&0) {
                        value.pop();
                    }
                    out.push(value);
                }
            }
        }
        Ok(out)
    }
}

/// What one object header says.
#[derive(Debug, Default)]
pub(super) struct Object {
    pub attributes: Vec<Attribute>,
    /// Hard links held as link messages: name, object header address.
    links: Vec<(Vec<u8>, u64)>,
    /// A group stored as a symbol table: B-tree and local heap addresses.
    symbol_table: Option<(u64, u64)>,
    /// What was not read, and why.
    pub passed_over: Vec<String>,
}

/// A block of messages still to read: where, how long, which header version.
struct Chunk {
    address: u64,
    len: u64,
    version: u8,
    /// For version 2 chunks: messages carry a creation order.
    creation_order: bool,
    /// A continuation block (which, in version 2, has a signature and a
    /// checksum of its own).
    continued: bool,
}

impl Object {
    /// Reads the object header at `address` and the messages in all its
    /// blocks: what was read before a block turned out damaged, and the
    /// damage.
    pub fn read(file: &mut File<'_>, address: u64) -> (Object, Result<(), Stop>) {
        let mut object = Object::default();
        let result = object.read_blocks(file, address);
        (object, result)
    }

    fn read_blocks(&mut self, file: &mut File<'_>, address: u64) -> Result<(), Stop> {
        let first = Self::first_chunk(file, address)?;
        let mut chunks = vec![first];
        let mut seen = HashSet::new();
        let mut messages = 0usize;
        while let Some(chunk) = chunks.pop() {
            if !seen.insert(chunk.address) {
                continue;
            }
            if seen.len() > MAX_CHUNKS {
                return Err(Stop::corrupt(format!(
                    "more than {MAX_CHUNKS} continuation blocks in one object header"
                )));
            }
            let data = file.read(chunk.address, chunk.len, "an object header")?;
            let mut block = Bytes::new(data, file.sizes, "an object header message block");
            if chunk.version == 2 && chunk.continued {
                if block.take(4)? != b"OCHK" {
                    return Err(Stop::corrupt(format!(
                        "address {}: no continuation block (OCHK) where an object header continues",
                        chunk.address
                    )));
                }
                // The checksum at the end is not a message.
                block.drop_last(4);
            }
            let header_len = match (chunk.version, chunk.creation_order) {
                (1, _) => 8,
                (_, false) => 4,
                (_, true) => 6,
            };
            while block.left() >= header_len {
                messages += 1;
                if messages > MAX_MESSAGES {
                    return Err(Stop::corrupt(format!(
                        "more than {MAX_MESSAGES} messages in one object header"
                    )));
                }
                let (kind, size, flags) = if chunk.version == 1 {
                    let kind = block.u16()?;
                    let size = block.u16()?;
                    let flags = block.u8()?;
                    block.skip(3)?;
                    (kind, size, flags)
                } else {
                    let kind = u16::from(block.u8()?);
                    let size = block.u16()?;
                    let flags = block.u8()?;
                    if chunk.creation_order {
                        block.skip(2)?;
                    }
                    (kind, size, flags)
                };
                let body = block.take(usize::from(size))?.to_vec();
                let body = Bytes::new(body, file.sizes, "an object header message");
                if let Some(next) = self.message(kind, flags, body, &chunk, file.sizes)? {
                    chunks.push(next);
                }
            }
        }
        Ok(())
    }

    /// The prefix of the object header at `address`: its first block.
    fn first_chunk(file: &mut File<'_>, address: u64) -> Result<Chunk, Stop> {
        let head = file.read(address, 6, "an object header")?;
        if head.get(..4) == Some(b"OHDR") {
            let flags = head.get(5).copied().unwrap_or_default();
            if head.get(4) != Some(&2) {
                return Err(Stop::corrupt(format!(
                    "address {address}: object header version {} is not 2",
                    head.get(4).copied().unwrap_or_default()
                )));
            }
            let times = if flags & 0x20 != 0 { 16 } else { 0 };
            let phase = if flags & 0x10 != 0 { 4 } else { 0 };
            let width = 1u8 << (flags & 0x03);
            let prefix = 6 + times + phase;
            let size_at = address.saturating_add(prefix);
            let size_bytes = file.read(size_at, u64::from(width), "an object header")?;
            let mut size = Bytes::new(size_bytes, file.sizes, "an object header");
            let len = size.uint(width)?;
            return Ok(Chunk {
                address: size_at.saturating_add(u64::from(width)),
                len,
                version: 2,
                creation_order: flags & 0x04 != 0,
                continued: false,
            });
        }
        if head.first() != Some(&NIL_SIGNATURE_V1) {
            return Err(Stop::corrupt(format!(
                "address {address}: no object header (neither version 1 nor an OHDR signature)"
            )));
        }
        let head = file.read(address, 16, "an object header")?;
        let mut prefix = Bytes::new(head, file.sizes, "an object header");
        prefix.skip(8)?;
        let len = u64::from(prefix.u32()?);
        Ok(Chunk {
            address: address.saturating_add(16),
            len,
            version: 1,
            creation_order: false,
            continued: false,
        })
    }

    /// Takes in one message; returns a continuation block to read, if it is
    /// one.
    fn message(
        &mut self,
        kind: u16,
        flags: u8,
        mut body: Bytes,
        chunk: &Chunk,
        sizes: Sizes,
    ) -> Result<Option<Chunk>, Stop> {
        match kind {
            CONTINUATION => {
                let address = body.offset()?;
                let len = body.length()?;
                return Ok(Some(Chunk {
                    address,
                    len,
                    version: chunk.version,
                    creation_order: chunk.creation_order,
                    continued: true,
                }));
            }
            ATTRIBUTE if flags & 0x02 != 0 => self
                .passed_over
                .push("an attribute stored as a shared message was not read".to_owned()),
            ATTRIBUTE => {
                if let Some(attribute) = attribute(&mut body, &mut self.passed_over)? {
                    self.attributes.push(attribute);
                }
            }
            LINK => {
                if let Some(link) = link(&mut body)? {
                    self.links.push(link);
                }
            }
            SYMBOL_TABLE => {
                let btree = body.offset()?;
                let heap = body.offset()?;
                self.symbol_table = Some((btree, heap));
            }
            LINK_INFO => {
                body.skip(1)?;
                let flags = body.u8()?;
                if flags & 0x01 != 0 {
                    body.skip(8)?;
                }
                if body.offset()? != sizes.undefined() {
                    self.passed_over.push(
                        "its links are in dense storage (a fractal heap), which modelseal does not read: its members are not read"
                            .to_owned(),
                    );
                }
            }
            ATTRIBUTE_INFO => {
                body.skip(1)?;
                let flags = body.u8()?;
                if flags & 0x01 != 0 {
                    body.skip(2)?;
                }
                if body.offset()? != sizes.undefined() {
                    self.passed_over.push(
                        "its attributes are in dense storage (a fractal heap), which modelseal does not read"
                            .to_owned(),
                    );
                }
            }
            _ => {}
        }
        Ok(None)
    }

    /// The object's members: name and object header address of each hard
    /// link, from link messages or from its symbol table.
    pub fn links(&self, file: &mut File<'_>) -> Result<Vec<(Vec<u8>, u64)>, Stop> {
        let mut links = self.links.clone();
        if let Some((btree, heap)) = self.symbol_table {
            symbol_table(file, btree, heap, &mut links)?;
        }
        Ok(links)
    }
}

/// An attribute message: `None` when it holds no strings.
fn attribute(body: &mut Bytes, passed_over: &mut Vec<String>) -> Result<Option<Attribute>, Stop> {
    let version = body.u8()?;
    let flags = body.u8()?;
    let name_len = usize::from(body.u16()?);
    let type_len = usize::from(body.u16()?);
    let space_len = usize::from(body.u16()?);
    let padded = |n: usize| if version == 1 { n.div_ceil(8) * 8 } else { n };
    match version {
        1 | 2 => {}
        3 => body.skip(1)?,
        other => {
            passed_over.push(format!(
                "an attribute message of version {other} was not read"
            ));
            return Ok(None);
        }
    }
    let mut name = body
        .take(padded(name_len))?
        .get(..name_len)
        .unwrap_or_default()
        .to_vec();
    while name.last() == Some(&0) {
        name.pop();
    }
    let datatype = body
        .take(padded(type_len))?
        .get(..type_len)
        .unwrap_or_default()
        .to_vec();
    let dataspace = body
        .take(padded(space_len))?
        .get(..space_len)
        .unwrap_or_default()
        .to_vec();
    if flags & 0x03 != 0 {
        passed_over.push(format!(
            "attribute {}: its datatype or dataspace is shared, which modelseal does not read",
            String::from_utf8_lossy(&name)
        ));
        return Ok(None);
    }
    let sizes = body.sizes();
    let Some((strings, element)) = string_type(&datatype, sizes) else {
        return Ok(None);
    };
    let count = elements(&dataspace, sizes)?;
    let data = body.rest();
    let read = count.min(MAX_ELEMENTS);
    let need = read.saturating_mul(element as u64);
    let Some(data) = usize::try_from(need).ok().and_then(|need| data.get(..need)) else {
        return Err(Stop::corrupt(format!(
            "attribute {}: {count} elements of {element} bytes do not fit in its {} bytes of data",
            String::from_utf8_lossy(&name),
            data.len()
        )));
    };
    Ok(Some(Attribute {
        name,
        strings,
        data: data.to_vec(),
        count: read,
        more_elements: count - read,
    }))
}

/// A datatype message, if it describes strings: how, and the bytes of one
/// element.
fn string_type(datatype: &[u8], sizes: Sizes) -> Option<(Strings, usize)> {
    let class = datatype.first()? & 0x0f;
    let bits = datatype.get(1)?;
    let size = u32::from_le_bytes(datatype.get(4..8)?.try_into().ok()?) as usize;
    match class {
        3 if size > 0 => Some((Strings::Fixed { size }, size)),
        // A variable-length sequence of characters: a string.
        9 if bits & 0x0f == 1 => Some((Strings::Variable, 8 + usize::from(sizes.offset))),
        _ => None,
    }
}

/// Elements in a dataspace message.
fn elements(dataspace: &[u8], sizes: Sizes) -> Result<u64, Stop> {
    let mut space = Bytes::new(dataspace.to_vec(), sizes, "a dataspace");
    let version = space.u8()?;
    let rank = space.u8()?;
    let _flags = space.u8()?;
    match version {
        1 => space.skip(5)?,
        2 => match space.u8()? {
            0 => return Ok(1),
            2 => return Ok(0),
            _ => {}
        },
        other => {
            return Err(Stop::corrupt(format!(
                "dataspace message version {other} is not 1 or 2"
            )));
        }
    }
    let mut count = 1u64;
    for _ in 0..rank {
        let dimension = space.length()?;
        count = count
            .checked_mul(dimension)
            .ok_or_else(|| Stop::corrupt("a dataspace whose dimensions multiply past 2^64"))?;
    }
    Ok(count)
}

/// A link message: the name and target of a hard link (`None` for soft and
/// external links, which name a path rather than an object).
fn link(body: &mut Bytes) -> Result<Option<(Vec<u8>, u64)>, Stop> {
    let version = body.u8()?;
    if version != 1 {
        return Err(Stop::corrupt(format!(
            "link message version {version} is not 1"
        )));
    }
    let flags = body.u8()?;
    let kind = if flags & 0x08 != 0 { body.u8()? } else { 0 };
    if flags & 0x04 != 0 {
        body.skip(8)?;
    }
    if flags & 0x10 != 0 {
        body.skip(1)?;
    }
    let width = 1u8 << (flags & 0x03);
    let len = usize::try_from(body.uint(width)?).unwrap_or(usize::MAX);
    let name = body.take(len)?.to_vec();
    if kind != 0 {
        return Ok(None);
    }
    Ok(Some((name, body.offset()?)))
}

/// The members of a group stored as a symbol table: walks its version 1
/// B-tree down to the symbol table nodes, naming each entry from the local
/// heap.
fn symbol_table(
    file: &mut File<'_>,
    btree: u64,
    heap: u64,
    links: &mut Vec<(Vec<u8>, u64)>,
) -> Result<(), Stop> {
    let sizes = file.sizes;
    let (o, l) = (u64::from(sizes.offset), u64::from(sizes.length));
    let mut header = Bytes::new(
        file.read(heap, 8 + 2 * l + o, "a local heap")?,
        sizes,
        "a local heap",
    );
    if header.take(4)? != b"HEAP" {
        return Err(Stop::corrupt(format!(
            "address {heap}: no local heap (HEAP) where a group's names should be"
        )));
    }
    header.skip(4)?;
    let heap_len = header.length()?;
    header.length()?;
    let names = file.read(header.offset()?, heap_len, "a local heap's names")?;
    let mut stack = vec![(btree, None::<u8>)];
    let mut seen = HashSet::new();
    while let Some((address, level)) = stack.pop() {
        if !seen.insert(address) {
            continue;
        }
        if seen.len() > MAX_NODES {
            return Err(Stop::corrupt(format!(
                "more than {MAX_NODES} B-tree nodes in one group"
            )));
        }
        let mut node = Bytes::new(
            file.read(address, 8 + 2 * o, "a B-tree node")?,
            sizes,
            "a B-tree node",
        );
        if node.take(4)? != b"TREE" {
            return Err(Stop::corrupt(format!(
                "address {address}: no B-tree node (TREE) where a group's members should be"
            )));
        }
        let node_type = node.u8()?;
        let node_level = node.u8()?;
        let entries = u64::from(node.u16()?);
        if node_type != 0 {
            return Err(Stop::corrupt(format!(
                "address {address}: a B-tree of type {node_type} where a group's (0) should be"
            )));
        }
        if level.is_some_and(|expected| expected != node_level) {
            return Err(Stop::corrupt(format!(
                "address {address}: a B-tree node of level {node_level} below one of level {}",
                level.unwrap_or_default().saturating_add(1)
            )));
        }
        // Keys (heap offsets) and children alternate, a key first and last.
        let body_len = (entries + 1) * l + entries * o;
        let mut body = Bytes::new(
            file.read(address.saturating_add(8 + 2 * o), body_len, "a B-tree node")?,
            sizes,
            "a B-tree node",
        );
        for _ in 0..entries {
            body.length()?;
            let child = body.offset()?;
            if node_level > 0 {
                stack.push((child, Some(node_level - 1)));
            } else if seen.insert(child) {
                symbol_node(file, child, &names, links)?;
            }
        }
    }
    Ok(())
}

/// A symbol table node: its entries' names and object header addresses.
fn symbol_node(
    file: &mut File<'_>,
    address: u64,
    names: &[u8],
    links: &mut Vec<(Vec<u8>, u64)>,
) -> Result<(), Stop> {
    let sizes = file.sizes;
    let o = u64::from(sizes.offset);
    let mut head = Bytes::new(
        file.read(address, 8, "a symbol table node")?,
        sizes,
        "a symbol table node",
    );
    if head.take(4)? != b"SNOD" {
        return Err(Stop::corrupt(format!(
            "address {address}: no symbol table node (SNOD) where a group's members should be"
        )));
    }
    head.skip(2)?;
    let count = u64::from(head.u16()?);
    let entry = 2 * o + 24;
    let mut entries = Bytes::new(
        file.read(
            address.saturating_add(8),
            count * entry,
            "a symbol table node",
        )?,
        sizes,
        "a symbol table node",
    );
    for _ in 0..count {
        let name_at = entries.offset()?;
        let header = entries.offset()?;
        entries.skip(24)?;
        let name = usize::try_from(name_at)
            .ok()
            .and_then(|at| names.get(at..))
            .ok_or_else(|| {
                Stop::corrupt(format!(
                    "address {address}: a member's name at {name_at} lies past its local heap ({} bytes)",
                    names.len()
                ))
            })?;
        let end = name.iter().position(|b| *b == 0).unwrap_or(name.len());
        if links.len() >= MAX_NODES {
            return Ok(());
        }
        links.push((name.get(..end).unwrap_or_default().to_vec(), header));
    }
    Ok(())
}
