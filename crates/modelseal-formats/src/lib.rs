//! modelseal's format readers. Pure and bounded: no file is opened, nothing
//! is written, nothing read is ever executed.
//!
//! [`read`] recognises a blob by magic bytes first and name second
//! ([`recognize`]) and hands it to the reader for its format, which reports
//! to a [`Visitor`]: text to scan, structured fields, members to read in turn
//! (recursively, within [`Limits`]), and notices about what it passed over.

pub mod archive;
mod gguf;
mod hdf5;
mod limits;
mod notebook;
mod onnx;
mod pickle;
mod protobuf;
mod pyc;
mod reading;
mod recognize;
mod safetensors;
mod sniff;
mod sqlite;
mod tfevents;
mod visitor;
mod wandb;

use std::io::{Cursor, Read, SeekFrom};

pub use limits::{Budget, LimitExceeded, Limits, Metered, limit_message};
pub use recognize::{Kind, decompressed_name, recognize};
pub use sniff::{Content, SNIFF_LEN, classify};
pub use visitor::{Blob, Notice, NoticeKind, ReadSeek, Visitor};

/// Recognises `blob` (named `name`, the last part of its path) and reads it
/// with the reader for its format.
pub fn read(name: &str, blob: Blob<'_>, visitor: &mut dyn Visitor, budget: &Budget) {
    match blob {
        Blob::Seekable(reader) => {
            let head = match head_of(reader) {
                Ok(head) => head,
                Err(e) => return cannot_read(visitor, &e),
            };
            if let Err(e) = reader.seek(SeekFrom::Start(0)) {
                return cannot_read(visitor, &e);
            }
            dispatch(
                recognize(name, &head),
                name,
                Blob::Seekable(reader),
                visitor,
                budget,
            );
        }
        Blob::Stream(reader) => {
            let head = match head_of(reader) {
                Ok(head) => head,
                Err(e) => return cannot_read(visitor, &e),
            };
            let kind = recognize(name, &head);
            let mut whole = Cursor::new(head).chain(reader);
            dispatch(kind, name, Blob::Stream(&mut whole), visitor, budget);
        }
    }
}

fn head_of(reader: &mut dyn Read) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(SNIFF_LEN);
    reader.take(SNIFF_LEN as u64).read_to_end(&mut head)?;
    Ok(head)
}

fn cannot_read(visitor: &mut dyn Visitor, error: &std::io::Error) {
    let message = limit_message(error).unwrap_or_else(|| format!("cannot read: {error}"));
    visitor.notice(Notice::new(NoticeKind::Corrupt, None, message));
}

fn dispatch(
    kind: Kind,
    name: &str,
    mut blob: Blob<'_>,
    visitor: &mut dyn Visitor,
    budget: &Budget,
) {
    match kind {
        Kind::Zip => match blob {
            Blob::Seekable(reader) => archive::zip::read(reader, visitor, budget),
            Blob::Stream(reader) => archive::zip::read_stream(reader, visitor, budget),
        },
        Kind::Tar => archive::tar::read(blob.reader(), visitor, budget),
        Kind::Gzip | Kind::Bzip2 | Kind::Xz | Kind::Zstd => {
            archive::compressed::read(kind, name, blob.reader(), visitor, budget);
        }
        Kind::Pickle => pickle::read(name, blob.reader(), visitor, budget),
        Kind::Safetensors => safetensors::read(name, blob.reader(), visitor, budget),
        Kind::Gguf => gguf::read(name, blob.reader(), visitor, budget),
        Kind::Onnx => onnx::read(name, blob.reader(), visitor, budget),
        Kind::TfEvents => tfevents::read(name, blob.reader(), visitor, budget),
        Kind::Notebook => notebook::read(name, blob.reader(), visitor, budget),
        Kind::Pyc => pyc::read(name, blob.reader(), visitor, budget),
        Kind::SevenZip => match blob {
            Blob::Seekable(reader) => archive::sevenzip::read(reader, visitor, budget),
            Blob::Stream(reader) => archive::sevenzip::read_stream(reader, visitor, budget),
        },
        Kind::Sqlite => sqlite::read(blob, visitor, budget),
        Kind::Wandb => wandb::read(name, blob.reader(), visitor, budget),
        Kind::Hdf5 => hdf5::read(blob, visitor, budget),
        Kind::LfsPointer => visitor.notice(Notice::new(
            NoticeKind::Elsewhere,
            None,
            "a Git LFS pointer: the file itself is stored elsewhere and was not scanned",
        )),
        Kind::Text => visitor.text(None, blob.reader()),
        Kind::Binary => visitor.notice(Notice::new(
            NoticeKind::Binary,
            None,
            "binary data of no format modelseal reads",
        )),
    }
}
