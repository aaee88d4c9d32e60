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
    let decoder = match decoder(kind, reader) {
        Ok(decoder) => decoder,
        Err(e) => {
            visitor.notice(Notice::new(NoticeKind::Corrupt, None, e.to_string()));
            return;
        }
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

/// Why [`decoder`] gave no decoder.
#[derive(Debug, thiserror::Error)]
pub enum DecoderError {
    /// The stream does not start as a zstd frame must.
    #[error("not a readable zstd stream: {0}")]
    Zstd(Box<dyn std::error::Error + Send + Sync>),
    /// A kind that is not a compressed stream.
    #[error("{0:?} is not a compressed stream")]
    NotCompressed(Kind),
}

/// The decompressed bytes of `reader`, a stream compressed as `kind` (gzip,
/// bzip2, xz, zstd; several gzip or bzip2 members read as one). Decoders do
/// no metering of their own: wrap them in [`Metered`].
pub fn decoder<'r>(kind: Kind, reader: impl Read + 'r) -> Result<Box<dyn Read + 'r>, DecoderError> {
    Ok(match kind {
        Kind::Gzip => Box::new(flate2::read::MultiGzDecoder::new(reader)),
        Kind::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(reader)),
        Kind::Xz => Box::new(lzma_rust2::XzReader::new(reader, true)),
        Kind::Zstd => Box::new(
            ruzstd::decoding::StreamingDecoder::new(reader)
                .map_err(|e| DecoderError::Zstd(Box::new(e)))?,
        ),
        other => return Err(DecoderError::NotCompressed(other)),
    })
}

fn base_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}
