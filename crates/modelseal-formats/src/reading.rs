//! The plumbing format readers share: why a read stopped ([`Stop`]),
//! filling a buffer from a stream ([`read_full`]), names from the data made
//! fit for a path ([`path_text`]), and the two caps on what one file may
//! report: a count of values ([`Values`]) and a byte allowance
//! ([`Allowance`]).
//!
//! Every reader needs these and none of them is about a format: kept here
//! once, a reader holds only what its own format needs, and a stop, a cut
//! name or a dropped value reads the same whatever the format.

use std::fmt::Display;
use std::io::{self, Read};

use crate::limits::limit_message;
use crate::visitor::{Notice, NoticeKind, Visitor};

/// Why a reader stopped: the notice it leaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stop {
    pub kind: NoticeKind,
    pub message: String,
}

pub(crate) type Result<T> = std::result::Result<T, Stop>;

impl Stop {
    pub fn corrupt(message: impl Into<String>) -> Self {
        Stop {
            kind: NoticeKind::Corrupt,
            message: message.into(),
        }
    }

    pub fn limit(message: impl Into<String>) -> Self {
        Stop {
            kind: NoticeKind::Limit,
            message: message.into(),
        }
    }

    pub fn unsupported(message: impl Into<String>) -> Self {
        Stop {
            kind: NoticeKind::Unsupported,
            message: message.into(),
        }
    }

    /// An I/O error: a limit stopping a metered read (said as the limit
    /// says it), or else data that cannot be read, said by `unreadable`.
    pub fn from_io(error: &io::Error, unreadable: impl FnOnce() -> String) -> Self {
        match limit_message(error) {
            Some(message) => Stop::limit(message),
            None => Stop::corrupt(unreadable()),
        }
    }

    /// An I/O error met at byte `at`.
    pub fn io(error: &io::Error, at: u64) -> Self {
        Stop::from_io(error, || format!("cannot read past byte {at}: {error}"))
    }

    /// An I/O error met reading a file whole.
    pub fn unreadable(error: &io::Error) -> Self {
        Stop::from_io(error, || format!("cannot read: {error}"))
    }

    /// The same stop, said of `context` (`record 3 at byte 120: ...`).
    pub fn within(self, context: impl Display) -> Self {
        Stop {
            kind: self.kind,
            message: format!("{context}: {}", self.message),
        }
    }

    /// The notice about the whole file.
    pub fn notice(self) -> Notice {
        Notice::new(self.kind, None, self.message)
    }
}

/// Fills `buf` unless the data ends first; returns how much was read. `at`
/// is where `buf` starts in the data, for the error.
pub(crate) fn read_full(
    input: &mut (impl Read + ?Sized),
    buf: &mut [u8],
    at: u64,
) -> Result<usize> {
    let mut filled = 0;
    while let Some(rest) = buf.get_mut(filled..) {
        if rest.is_empty() {
            break;
        }
        match input.read(rest) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Stop::io(&e, at)),
        }
    }
    Ok(filled)
}

/// `raw` as text for a path: lossy UTF-8, at most `max` bytes (cut on a
/// character boundary, marked with `…`).
pub(crate) fn path_text(raw: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(raw);
    if text.len() <= max {
        return text.into_owned();
    }
    format!("{}…", prefix(&text, max))
}

/// The first `max` bytes of `text`, or a little fewer to end on a character.
pub(crate) fn prefix(text: &str, max: usize) -> &str {
    let mut end = max.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or_default()
}

/// Values reported from one file, up to a count; past it they are counted
/// and dropped. A value is reported as text (its lines numbered) when it
/// holds a line break, as a field otherwise, and not at all when empty.
pub(crate) struct Values {
    max: u64,
    reported: u64,
    dropped: u64,
}

impl Values {
    pub fn new(max: u64) -> Self {
        Values {
            max,
            reported: 0,
            dropped: 0,
        }
    }

    pub fn report(&mut self, visitor: &mut dyn Visitor, path: &str, value: &[u8]) {
        if value.is_empty() {
            return;
        }
        if self.reported >= self.max {
            self.dropped += 1;
            return;
        }
        self.reported += 1;
        if value.contains(&b'\n') {
            visitor.text(Some(path), &mut &value[..]);
        } else {
            visitor.field(path, value);
        }
    }

    /// The notice about the values dropped, if any were; `noun` says what
    /// they are (`strings`).
    pub fn dropped(&self, noun: &str) -> Option<Notice> {
        (self.dropped > 0).then(|| {
            Notice::new(
                NoticeKind::Limit,
                None,
                format!(
                    "more than {} {noun}: {} more were not reported",
                    self.max, self.dropped
                ),
            )
        })
    }
}

/// Bytes of paths and values one file may report: [`Allowance::FACTOR`]
/// times its size, plus a MiB. Where one stored string can be reported many
/// times over (a reference in bytecode, a deep path over short JSON strings),
/// this keeps a small file from turning into gigabytes.
pub(crate) struct Allowance {
    left: u64,
    exhausted: bool,
}

impl Allowance {
    pub const FACTOR: u64 = 16;
    const BASE: u64 = 1 << 20;

    /// The allowance of a file of `len` bytes.
    pub fn of(len: u64) -> Self {
        Allowance {
            left: len.saturating_mul(Self::FACTOR).saturating_add(Self::BASE),
            exhausted: false,
        }
    }

    /// Takes `bytes`: false, then and from then on, once they do not fit.
    pub fn spend(&mut self, bytes: u64) -> bool {
        if self.exhausted || bytes > self.left {
            self.left = 0;
            self.exhausted = true;
            return false;
        }
        self.left -= bytes;
        true
    }

    /// Bytes that may still be reported.
    pub fn left(&self) -> u64 {
        self.left
    }

    /// Whether a value did not fit.
    pub fn exhausted(&self) -> bool {
        self.exhausted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_text_is_bounded_and_lossy() {
        assert_eq!(path_text(b"key", 10), "key");
        assert_eq!(path_text(b"a\xffb", 10), "a\u{fffd}b");
        assert_eq!(path_text("ééé".as_bytes(), 3), "é…");
    }

    #[test]
    fn allowance_stops_for_good() {
        let mut allowance = Allowance::of(0);
        assert!(allowance.spend(Allowance::BASE - 1));
        assert!(!allowance.spend(2));
        assert!(allowance.exhausted());
        assert!(!allowance.spend(0));
    }
}
