//! The forms an exact secret value takes when a program prints it: as is,
//! base64 (alone or inside a longer encoded string, as in HTTP basic auth),
//! percent-encoded (in a URL or form body) and JSON-escaped.

use std::fmt::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};

/// The shortest base64 fragment worth matching: shorter ones would hide
/// unrelated text.
const MIN_BASE64_FRAGMENT: usize = 8;

/// Every distinct form of `value` to look for, the raw value first.
pub fn literal_forms(value: &[u8]) -> Vec<Vec<u8>> {
    let mut forms = vec![value.to_vec()];
    let mut add = |form: Vec<u8>| {
        if !form.is_empty() && !forms.contains(&form) {
            forms.push(form);
        }
    };
    for fragment in base64_fragments(value) {
        add(fragment);
    }
    add(percent_encoded(value, b""));
    add(percent_encoded(value, b"/"));
    add(percent_encoded(value, b" ")
        .iter()
        .map(|&b| if b == b' ' { b'+' } else { b })
        .collect());
    if let Ok(text) = std::str::from_utf8(value) {
        add(json_escaped(text, false));
        add(json_escaped(text, true));
    }
    forms
}

/// The base64 characters that depend only on `value`, for each of the three
/// positions it can start at inside a longer encoded string (`user:` before a
/// password shifts it), in both alphabets.
fn base64_fragments(value: &[u8]) -> Vec<Vec<u8>> {
    let mut fragments = Vec::new();
    for shift in 0..3usize {
        let mut input = vec![0u8; shift];
        input.extend_from_slice(value);
        // Character i covers bits [6i, 6i + 6); the value covers bits
        // [8 * shift, 8 * input.len()).
        let first = (8 * shift).div_ceil(6);
        let last = 8 * input.len() / 6;
        if last <= first || last - first < MIN_BASE64_FRAGMENT {
            continue;
        }
        for engine in [&STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
            let encoded = engine.encode(&input);
            fragments.push(encoded.as_bytes()[first..last].to_vec());
        }
    }
    fragments
}

/// Percent-encoding of every byte outside the unreserved set of RFC 3986,
/// except those in `keep`.
fn percent_encoded(value: &[u8], keep: &[u8]) -> Vec<u8> {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = Vec::with_capacity(value.len());
    for &byte in value {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) || keep.contains(&byte) {
            out.push(byte);
        } else {
            out.extend_from_slice(&[
                b'%',
                HEX[usize::from(byte >> 4)],
                HEX[usize::from(byte & 15)],
            ]);
        }
    }
    out
}

/// The inside of a JSON string holding `text`; with `ascii_only`, every
/// non-ASCII character as `\uXXXX` (Python's `json.dumps` default).
fn json_escaped(text: &str, ascii_only: bool) -> Vec<u8> {
    let quoted = serde_json::to_string(text).unwrap_or_default();
    let inner = quoted
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or_default();
    if !ascii_only {
        return inner.as_bytes().to_vec();
    }
    let mut out = String::with_capacity(inner.len());
    for c in inner.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{unit:04x}");
            }
        }
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;

    use super::*;

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn the_raw_value_comes_first() {
        assert_eq!(literal_forms(b"hunter2-internal")[0], b"hunter2-internal");
    }

    #[test]
    fn basic_auth_header_holds_a_base64_fragment_of_the_password() {
        let password = b"Tr0ub4dor&3-corp";
        let forms = literal_forms(password);
        for user in ["a", "ab", "abc", "svc-train"] {
            let header = STANDARD.encode([user.as_bytes(), b":", password].concat());
            assert!(
                forms.iter().skip(1).any(|f| contains(header.as_bytes(), f)),
                "no fragment in {header} for user {user}"
            );
        }
    }

    #[test]
    fn url_and_json_forms() {
        let forms = literal_forms("p@ss word/é\"x".as_bytes());
        assert!(forms.contains(&b"p%40ss%20word%2F%C3%A9%22x".to_vec()));
        assert!(forms.contains(&b"p%40ss+word%2F%C3%A9%22x".to_vec()));
        assert!(forms.contains(&b"p%40ss%20word/%C3%A9%22x".to_vec()));
        assert!(forms.contains(&"p@ss word/é\\\"x".as_bytes().to_vec()));
        assert!(forms.contains(&b"p@ss word/\\u00e9\\\"x".to_vec()));
    }

    #[test]
    fn short_values_have_no_base64_fragment() {
        assert_eq!(base64_fragments(b"abc"), Vec::<Vec<u8>>::new());
    }
}
