//! Protocol 0 spells its values as text lines: quoted string literals,
//! raw-unicode-escaped text, decimal numbers.

use super::graph::Value;

/// The argument of `STRING`: a quoted Python literal (`'abc\n'`), decoded
/// the way Python's `escape_decode` does. `None` when it is not quoted.
pub(super) fn quoted(line: &[u8]) -> Option<Vec<u8>> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let (&first, rest) = line.split_first()?;
    let inner = rest.strip_suffix(&[first])?;
    if !matches!(first, b'\'' | b'"') {
        return None;
    }
    let mut out = Vec::with_capacity(inner.len());
    let mut i = 0;
    while let Some(&b) = inner.get(i) {
        i += 1;
        if b != b'\\' {
            out.push(b);
            continue;
        }
        let Some(&e) = inner.get(i) else {
            out.push(b'\\');
            break;
        };
        i += 1;
        match e {
            b'\n' => {}
            b'\\' | b'\'' | b'"' => out.push(e),
            b'a' => out.push(0x07),
            b'b' => out.push(0x08),
            b'f' => out.push(0x0c),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(0x0b),
            b'x' => match (
                inner.get(i).and_then(|&d| hex(d)),
                inner.get(i + 1).and_then(|&d| hex(d)),
            ) {
                (Some(hi), Some(lo)) => {
                    out.push(hi << 4 | lo);
                    i += 2;
                }
                _ => out.extend_from_slice(b"\\x"),
            },
            b'0'..=b'7' => {
                let mut value = u32::from(e - b'0');
                for _ in 0..2 {
                    match inner.get(i) {
                        Some(&d @ b'0'..=b'7') => {
                            value = value * 8 + u32::from(d - b'0');
                            i += 1;
                        }
                        _ => break,
                    }
                }
                out.push((value & 0xff) as u8);
            }
            _ => out.extend_from_slice(&[b'\\', e]),
        }
    }
    Some(out)
}

fn hex(b: u8) -> Option<u8> {
    char::from(b).to_digit(16).map(|d| d as u8)
}

/// The argument of `UNICODE`: raw-unicode-escape (`\uXXXX` and
/// `\UXXXXXXXX` escapes, every other byte a Latin-1 character), as UTF-8.
/// Lone surrogates become U+FFFD.
pub(super) fn raw_unicode_escape(line: &[u8]) -> Vec<u8> {
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    while let Some(&b) = line.get(i) {
        if b == b'\\' {
            // Only a backslash that is not itself escaped starts an escape.
            let run = line[i..].iter().take_while(|&&c| c == b'\\').count();
            let after = i + run;
            let width = match line.get(after) {
                Some(b'u') if run % 2 == 1 => 4,
                Some(b'U') if run % 2 == 1 => 8,
                _ => 0,
            };
            let digits = line.get(after + 1..after + 1 + width);
            let code = digits
                .filter(|_| width > 0)
                .and_then(|d| std::str::from_utf8(d).ok())
                .and_then(|d| u32::from_str_radix(d, 16).ok());
            if let Some(code) = code {
                out.extend(std::iter::repeat_n('\\', run - 1));
                out.push(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER));
                i = after + 1 + width;
            } else {
                out.extend(std::iter::repeat_n('\\', run));
                i = after;
            }
            continue;
        }
        out.push(char::from(b));
        i += 1;
    }
    out.into_bytes()
}

/// The argument of `INT` or `LONG`: a decimal number (`I01`/`I00` are
/// protocol 0's True and False). Numbers too big, or not numbers, are kept
/// as an unnamed integer: they carry no text.
pub(super) fn integer(line: &[u8], bools: bool) -> Value {
    let text = String::from_utf8_lossy(line);
    let text = text.trim();
    if bools {
        match text {
            "01" => return Value::Bool(true),
            "00" => return Value::Bool(false),
            _ => {}
        }
    }
    let text = text.strip_suffix('L').unwrap_or(text);
    text.parse::<i64>().map_or(Value::BigInt, Value::Int)
}

/// The argument of `FLOAT`.
pub(super) fn float(line: &[u8]) -> Value {
    let text = String::from_utf8_lossy(line);
    Value::Float(text.trim().parse::<f64>().unwrap_or(f64::NAN))
}

/// The argument of `GET` or `PUT`: a memo key.
pub(super) fn memo_key(line: &[u8]) -> Option<u64> {
    String::from_utf8_lossy(line).trim().parse::<u64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_literals() {
        assert_eq!(quoted(b"'abc'").unwrap(), b"abc");
        assert_eq!(quoted(b"\"it's\"").unwrap(), b"it's");
        assert_eq!(
            quoted(br"'a\nb\\c\'d\x41\101\0z\q'").unwrap(),
            b"a\nb\\c'dAA\0z\\q"
        );
        assert_eq!(quoted(br"'\x4'").unwrap(), b"\\x4");
        assert_eq!(quoted(b"'trailing\\'").unwrap(), b"trailing\\");
        assert!(quoted(b"abc").is_none());
        assert!(quoted(b"'abc\"").is_none());
        assert!(quoted(b"'").is_none());
        assert!(quoted(b"").is_none());
    }

    #[test]
    fn raw_unicode_escapes() {
        assert_eq!(raw_unicode_escape(b"abc"), b"abc");
        assert_eq!(
            raw_unicode_escape(br"a\u000ab\u005cc\U0001f600"),
            "a\nb\\c\u{1f600}".as_bytes()
        );
        // Latin-1 bytes are characters of their own.
        assert_eq!(raw_unicode_escape(b"caf\xe9"), "caf\u{e9}".as_bytes());
        // An escaped backslash does not start an escape; a broken one is kept.
        assert_eq!(raw_unicode_escape(br"\\u0041"), br"\\u0041");
        assert_eq!(raw_unicode_escape(br"\\\u0041"), br"\\A");
        assert_eq!(raw_unicode_escape(br"\u12"), br"\u12");
        assert_eq!(raw_unicode_escape(br"\ud800"), "\u{fffd}".as_bytes());
        assert_eq!(raw_unicode_escape(br"\"), br"\");
    }

    #[test]
    fn numbers() {
        assert_eq!(integer(b"01", true), Value::Bool(true));
        assert_eq!(integer(b"01", false), Value::Int(1));
        assert_eq!(integer(b"-42", true), Value::Int(-42));
        assert_eq!(integer(b"123L", false), Value::Int(123));
        assert_eq!(integer(b"99999999999999999999999", false), Value::BigInt);
        assert_eq!(integer(b"x", false), Value::BigInt);
        assert!(matches!(float(b"0.5"), Value::Float(f) if (f - 0.5).abs() < 1e-12));
        assert_eq!(memo_key(b"12"), Some(12));
        assert_eq!(memo_key(b"-1"), None);
    }
}
