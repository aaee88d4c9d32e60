//! What a format reader hands back: text to scan, structured fields, member
//! blobs to read in turn, and notices about what it skipped.

use std::io::{Read, Seek};

/// Anything that reads and seeks (a file, an in-memory buffer).
pub trait ReadSeek: Read + Seek {}
impl<T: Read + Seek> ReadSeek for T {}

/// A blob to read: a stream, or something that can seek (which lets an
/// archive read its directory and skip what it does not need).
pub enum Blob<'a> {
    Stream(&'a mut dyn Read),
    Seekable(&'a mut dyn ReadSeek),
}

impl Blob<'_> {
    pub fn reader(&mut self) -> &mut dyn Read {
        match self {
            Blob::Stream(r) => *r,
            Blob::Seekable(r) => *r,
        }
    }
}

/// Why a reader passed something over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoticeKind {
    /// A limit stopped it (depth, expanded size, ratio, member count, ...).
    Limit,
    /// It is damaged or not what its name says.
    Corrupt,
    /// Encrypted, or in an encoding modelseal does not read.
    Unsupported,
    /// Known and deliberately not read (tensor data).
    Skipped,
    /// Its content is stored elsewhere and was not read (a Git LFS
    /// pointer): worth naming, so nobody takes the file as scanned.
    Elsewhere,
    /// Binary data of no format modelseal reads.
    Binary,
}

impl NoticeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Limit => "limit",
            NoticeKind::Corrupt => "corrupt",
            NoticeKind::Unsupported => "unsupported",
            NoticeKind::Skipped => "skipped",
            NoticeKind::Elsewhere => "elsewhere",
            NoticeKind::Binary => "binary",
        }
    }
}

/// Something a reader passed over, and where (a member path or a field,
/// relative to the blob being read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub kind: NoticeKind,
    /// Member name inside the blob, if the notice is about one.
    pub member: Option<String>,
    pub message: String,
}

impl Notice {
    pub fn new(kind: NoticeKind, member: Option<&str>, message: impl Into<String>) -> Self {
        Notice {
            kind,
            member: member.map(str::to_owned),
            message: message.into(),
        }
    }
}

/// Receives what a format reader finds. The scanner implements it: text and
/// fields go through the engine, members are recognised and read in turn.
pub trait Visitor {
    /// Text scanned line by line. `field` says where it sits inside the blob
    /// (`cells[3].outputs[0]`), when it is not the whole blob.
    fn text(&mut self, field: Option<&str>, text: &mut dyn Read);

    /// One structured value (`__metadata__.source`, `pickle/hub_token`),
    /// scanned as the line `path = "value"` so rules that need a key name see it.
    fn field(&mut self, path: &str, value: &[u8]);

    /// A member (an archive entry, a decompressed stream) to recognise and
    /// read in turn. `size` is its declared size, when known.
    fn member(&mut self, name: &str, blob: Blob<'_>, size: Option<u64>);

    /// Something passed over.
    fn notice(&mut self, notice: Notice);
}
