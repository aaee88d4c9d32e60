//! Text or binary, from the first bytes of a blob.

/// How many leading bytes [`classify`] looks at.
pub const SNIFF_LEN: usize = 8 * 1024;

/// What a blob holds, as far as its first bytes tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Content {
    /// Text in an ASCII-compatible encoding (UTF-8, Latin-1, ...): scanned.
    Text,
    /// Binary data of no format modelseal reads yet: skipped.
    Binary,
}

/// Classifies a blob from its first bytes (at most [`SNIFF_LEN`] are used).
///
/// A NUL byte means binary, as git and ripgrep decide; so does a head where
/// more than one byte in ten is a control character other than whitespace
/// (compressed or encrypted data without a NUL in its first bytes). An empty
/// blob is text: there is nothing in it to skip.
pub fn classify(head: &[u8]) -> Content {
    let head = &head[..head.len().min(SNIFF_LEN)];
    if memchr::memchr(0, head).is_some() {
        return Content::Binary;
    }
    let control = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0c | 0x1b))
        .count();
    if control * 10 > head.len() {
        Content::Binary
    } else {
        Content::Text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_binary() {
        assert_eq!(classify(b""), Content::Text);
        assert_eq!(classify(b"loss=0.31 step=100\n"), Content::Text);
        assert_eq!(
            classify("h\u{e9}llo w\u{f6}rld\n".as_bytes()),
            Content::Text
        );
        assert_eq!(classify(b"\x1b[32mgreen\x1b[0m\n"), Content::Text);
        assert_eq!(classify(b"PK\x03\x04\x14\x00\x00\x00"), Content::Binary);
        assert_eq!(classify(&[0x01, 0x02, 0x03, 0x04, b'a']), Content::Binary);
    }

    #[test]
    fn looks_only_at_the_head() {
        let mut blob = vec![b'a'; SNIFF_LEN];
        blob.push(0);
        assert_eq!(classify(&blob), Content::Text);
    }
}
