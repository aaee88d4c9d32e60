//! Archives and compressed streams: each member becomes a blob of its own.

pub mod compressed;
pub mod sevenzip;
pub mod tar;
pub mod zip;

use crate::reading::path_text;

/// A member name as people read it: lossy UTF-8, `\` as `/`, bounded length.
pub(crate) fn display_name(raw: &[u8], max_len: usize) -> String {
    // `\` and `/` are one byte each: swapping them after the cut moves no
    // character boundary.
    path_text(raw, max_len).replace('\\', "/")
}
