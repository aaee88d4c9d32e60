//! Single compressed streams: gzip, bzip2, xz, zstd.

use std::io::Read;

use crate::limits::{Budget, Metered};
use crate::recognize::{Kind, decompressed_name};
use crate::visitor::{Blob, Notice, NoticeKind, Visitor};

/// Decompresses `reader` as `kind` and reads what it holds in its place.
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
    // Decompression is transparent in locations (`train.log.gz:12`), but
    // each layer counts towards the depth limit: gzip of gzip of gzip...
    let depth = budget.depth.get();
    if depth >= budget.limits.max_depth {
        visitor.notice(Notice::new(
            NoticeKind::Limit,
            None,
            format!(
                "compressed more than {} layers deep (max_depth): not opened",
                budget.limits.max_depth
            ),
        ));
        return;
    }
    budget.depth.set(depth + 1);
    crate::read(&inner, Blob::Stream(&mut metered), visitor, budget);
    budget.depth.set(depth);
    budget.add_expanded(metered.bytes_read());
}

fn base_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}
