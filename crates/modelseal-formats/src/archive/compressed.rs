//! Single compressed streams: gzip, bzip2, xz, zstd.

use std::io::Read;

use crate::limits::{Budget, Metered};
use crate::recognize::{Kind, decompressed_name};
use crate::visitor::{Blob, Notice, NoticeKind, Visitor};

/// Decompresses `reader` as `kind` and hands the result on as one member.
pub fn read(
    kind: Kind,
    name: &str,
    reader: &mut dyn Read,
    visitor: &mut dyn Visitor,
    budget: &Budget,
) {
    let inner = decompressed_name(base_name(name));
    let room = budget.room();
    let decoder: Box<dyn Read + '_> = match kind {
        Kind::Gzip => Box::new(flate2::read::MultiGzDecoder::new(reader)),
        Kind::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(reader)),
        Kind::Xz => Box::new(lzma_rust2::XzReader::new(reader, true)),
        Kind::Zstd => match ruzstd::decoding::StreamingDecoder::new(reader) {
            Ok(decoder) => Box::new(decoder),
            Err(e) => {
                visitor.notice(Notice::new(
                    NoticeKind::Corrupt,
                    None,
                    format!("not a readable zstd stream: {e}"),
                ));
                return;
            }
        },
        _ => unreachable!("only compressed kinds come here"),
    };
    let mut metered = Metered::new(
        decoder,
        room,
        "total bytes expanded from this file (max_expanded)",
    );
    budget.count_member();
    visitor.member(&inner, Blob::Stream(&mut metered), None);
    budget.add_expanded(metered.bytes_read());
}

fn base_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}
