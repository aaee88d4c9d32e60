//! Archives and compressed streams: each member becomes a blob of its own.

pub mod compressed;
pub mod tar;
pub mod zip;

/// A member name as people read it: lossy UTF-8, `\` as `/`, bounded length.
pub(crate) fn display_name(raw: &[u8], max_len: usize) -> String {
    let mut name = String::from_utf8_lossy(raw).replace('\\', "/");
    if name.len() > max_len {
        let mut cut = max_len;
        while !name.is_char_boundary(cut) {
            cut -= 1;
        }
        name.truncate(cut);
        name.push('…');
    }
    name
}
