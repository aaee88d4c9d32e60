//! Validators: cheap checks that turn a regex match into a finding.

use crate::rule::Checksum;

/// Shannon entropy of `s` in bits per byte.
pub fn shannon_entropy(s: &[u8]) -> f64 {
    if s.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in s {
        counts[usize::from(b)] += 1;
    }
    let len = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / len;
            -p * p.log2()
        })
        .sum()
}

/// Words that mark a value as a placeholder or documented example rather
/// than a credential. Compared against the lower-cased value.
const PLACEHOLDER_WORDS: &[&str] = &[
    "example",
    "changeme",
    "change_me",
    "change-me",
    "placeholder",
    "redacted",
    "your_",
    "your-",
    "yourkey",
    "yourtoken",
    "yoursecret",
    "yourpassword",
    "dummy",
    "sample",
    "replace_me",
    "replaceme",
    "insert_",
    "notreal",
    "not_real",
    "not-a-real",
    "xxxxx",
    "*****",
    "....",
    "${",
    "{{",
    "<",
    ">",
    "%(",
    "os.environ",
    "os.getenv",
    "getenv(",
    "process.env",
    "env.",
    "secrets.",
    "1234567890",
    "abcdefghij",
    "0123456789abcdef",
];

/// Values that are placeholders in their entirety.
const PLACEHOLDER_VALUES: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "token",
    "changeme",
    "none",
    "null",
    "true",
    "false",
    "test",
    "admin",
    "root",
    "guest",
    "pass",
    "default",
    "string",
    "value",
    "empty",
    "undefined",
];

/// Whether a matched value is a placeholder, a template reference or a
/// documented example (`AKIAIOSFODNN7EXAMPLE`, `hf_xxxxxxxx`, `<your-key>`,
/// `${{ secrets.X }}`, `changeme`), which are not reported.
pub fn looks_like_placeholder(value: &[u8]) -> bool {
    let lower = String::from_utf8_lossy(value).to_ascii_lowercase();
    if PLACEHOLDER_VALUES.contains(&lower.as_str()) {
        return true;
    }
    if PLACEHOLDER_WORDS.iter().any(|w| lower.contains(w)) {
        return true;
    }
    // One character repeated over most of the value: `aaaaaaaaaaaa`, `000000`.
    longest_run(value) >= 8 && longest_run(value) * 2 >= value.len()
}

fn longest_run(value: &[u8]) -> usize {
    let mut best = 0;
    let mut run = 0;
    let mut prev = None;
    for &b in value {
        if Some(b) == prev {
            run += 1;
        } else {
            run = 1;
            prev = Some(b);
        }
        best = best.max(run);
    }
    best
}

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Encodes `n` in base62, left-padded with `0` to `width` characters.
pub(crate) fn base62(mut n: u32, width: usize) -> String {
    let mut digits = Vec::with_capacity(width);
    while n > 0 {
        digits.push(BASE62[(n % 62) as usize]);
        n /= 62;
    }
    while digits.len() < width {
        digits.push(b'0');
    }
    digits.reverse();
    String::from_utf8(digits).expect("base62 digits are ASCII")
}

/// Whether `secret` carries a valid checksum of the given kind.
pub fn checksum_ok(kind: Checksum, secret: &[u8]) -> bool {
    match kind {
        Checksum::Crc32Base62 => {
            // `<prefix>_<random><6 checksum chars>`; the prefix ends at the last `_`.
            let body = match memchr::memrchr(b'_', secret) {
                Some(i) => &secret[i + 1..],
                None => secret,
            };
            if body.len() <= 6 {
                return false;
            }
            let (random, check) = body.split_at(body.len() - 6);
            base62(crc32fast::hash(random), 6).as_bytes() == check
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_of_uniform_and_constant() {
        assert!(shannon_entropy(b"aaaa").abs() < f64::EPSILON);
        assert!((shannon_entropy(b"abcd") - 2.0).abs() < 1e-9);
        assert!(shannon_entropy(b"") < f64::EPSILON);
    }

    #[test]
    fn placeholders() {
        for p in [
            "AKIAIOSFODNN7EXAMPLE",
            "hf_xxxxxxxxxxxxxxxxxxxxxxxx",
            "<your-key>",
            "${{ secrets.HF_TOKEN }}",
            "os.environ[\"AWS_SECRET\"]",
            "changeme",
            "aaaaaaaaaaaaaaaaaaaa",
        ] {
            assert!(looks_like_placeholder(p.as_bytes()), "{p}");
        }
        for real in ["Zq8vR2mLx9TbW4kP", "hf_QmTzKxVbNrPwLsYdJcFgHaEuWoXi"] {
            assert!(!looks_like_placeholder(real.as_bytes()), "{real}");
        }
    }

    #[test]
    fn base62_pads_and_encodes() {
        assert_eq!(base62(0, 6), "000000");
        assert_eq!(base62(61, 6), "00000z");
        assert_eq!(base62(62, 6), "000010");
        assert_eq!(base62(u32::MAX, 6), "4gfFC3");
    }

    #[test]
    fn crc32_checksum() {
        let random = "Zq8vR2mLx9TbW4kPa7NcYe3HuJd5Gs";
        let token = format!(
            "ghp_{random}{}",
            base62(crc32fast::hash(random.as_bytes()), 6)
        );
        assert!(checksum_ok(Checksum::Crc32Base62, token.as_bytes()));
        let mut broken = token.into_bytes();
        let last = broken.len() - 1;
        broken[last] = if broken[last] == b'A' { b'B' } else { b'A' };
        assert!(!checksum_ok(Checksum::Crc32Base62, &broken));
    }
}
