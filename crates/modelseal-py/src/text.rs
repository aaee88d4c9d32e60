//! Bytes that come out of a stream redactor in pieces, turned back into
//! text. A piece may end inside a character (a line longer than the
//! redactor's limit is cut by byte count): those bytes wait for the next
//! piece.

/// Decodes UTF-8 that arrives in pieces.
#[derive(Debug, Default)]
pub struct Utf8Pieces {
    /// The start of a character cut at the end of the last piece.
    carry: Vec<u8>,
}

impl Utf8Pieces {
    /// The text of `bytes` after what was held back; with `last`, nothing is
    /// held back. Invalid sequences become U+FFFD.
    pub fn decode(&mut self, bytes: &[u8], last: bool) -> String {
        if self.carry.is_empty()
            && let Ok(text) = std::str::from_utf8(bytes)
        {
            return text.to_owned();
        }
        let mut buf = std::mem::take(&mut self.carry);
        buf.extend_from_slice(bytes);
        let mut out = String::with_capacity(buf.len());
        let mut rest = buf.as_slice();
        loop {
            match std::str::from_utf8(rest) {
                Ok(text) => {
                    out.push_str(text);
                    break;
                }
                Err(error) => {
                    let (good, bad) = rest.split_at(error.valid_up_to());
                    out.push_str(std::str::from_utf8(good).unwrap_or_default());
                    match error.error_len() {
                        Some(len) => {
                            out.push(char::REPLACEMENT_CHARACTER);
                            rest = &bad[len..];
                        }
                        None if last => {
                            out.push(char::REPLACEMENT_CHARACTER);
                            break;
                        }
                        None => {
                            self.carry = bad.to_vec();
                            break;
                        }
                    }
                }
            }
        }
        out
    }

    /// Bytes held back, waiting for the rest of their character.
    pub fn held(&self) -> usize {
        self.carry.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_character_cut_between_pieces_is_joined() {
        let text = "héllo → wörld";
        let bytes = text.as_bytes();
        for cut in 0..=bytes.len() {
            let mut pieces = Utf8Pieces::default();
            let mut out = pieces.decode(&bytes[..cut], false);
            out.push_str(&pieces.decode(&bytes[cut..], false));
            assert_eq!(out, text, "cut at {cut}");
            assert_eq!(pieces.held(), 0);
        }
    }

    #[test]
    fn invalid_bytes_become_replacement_characters() {
        let mut pieces = Utf8Pieces::default();
        assert_eq!(pieces.decode(b"a\xffb", false), "a\u{fffd}b");
        assert_eq!(pieces.decode(b"c\xe2\x86", false), "c");
        assert_eq!(pieces.held(), 2);
        assert_eq!(pieces.decode(b"", true), "\u{fffd}");
        assert_eq!(pieces.held(), 0);
    }
}
