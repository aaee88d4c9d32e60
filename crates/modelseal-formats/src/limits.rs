//! Limits that keep a hostile input from exhausting memory, disk or time.

use std::cell::Cell;
use std::io::{self, Read};

/// Limits for one top-level file and everything inside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Archives inside archives, counting the top-level file as 0.
    pub max_depth: u32,
    /// Bytes decompressed from all members of one top-level file.
    pub max_expanded: u64,
    /// Decompressed bytes per compressed byte of one member (zip bombs).
    pub max_ratio: u64,
    /// Members read from one top-level file.
    pub max_members: u64,
    /// Length of a member's path.
    pub max_path_len: usize,
    /// Bytes of one structured value or metadata header read into memory.
    pub max_segment: u64,
    /// Bytes of a nested archive held in memory so it can be opened.
    pub max_buffered: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 8,
            max_expanded: 16 << 30,
            max_ratio: 200,
            max_members: 100_000,
            max_path_len: 4096,
            max_segment: 64 << 20,
            max_buffered: 64 << 20,
        }
    }
}

/// What one top-level file has used of its limits so far. Shared by the
/// readers and the visitor that recurses into members, hence the cells.
#[derive(Debug, Clone)]
pub struct Budget {
    pub limits: Limits,
    pub depth: Cell<u32>,
    pub expanded: Cell<u64>,
    pub members: Cell<u64>,
}

impl Budget {
    pub fn new(limits: Limits) -> Self {
        Budget {
            limits,
            depth: Cell::new(0),
            expanded: Cell::new(0),
            members: Cell::new(0),
        }
    }

    /// Bytes that may still be expanded.
    pub fn room(&self) -> u64 {
        self.limits.max_expanded.saturating_sub(self.expanded.get())
    }

    pub fn add_expanded(&self, bytes: u64) {
        self.expanded.set(self.expanded.get().saturating_add(bytes));
    }

    /// Counts one more member; false once past `max_members`.
    pub fn count_member(&self) -> bool {
        self.members.set(self.members.get() + 1);
        self.members.get() <= self.limits.max_members
    }
}

/// The error a metered reader returns when a limit stops it.
#[derive(Debug)]
pub struct LimitExceeded(pub String);

impl std::fmt::Display for LimitExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LimitExceeded {}

/// Whether an I/O error is a limit stopping a read.
pub fn limit_message(error: &io::Error) -> Option<String> {
    error
        .get_ref()
        .and_then(|e| e.downcast_ref::<LimitExceeded>())
        .map(|e| e.0.clone())
}

/// Counts what is read through it and stops at a byte limit.
pub struct Metered<R> {
    inner: R,
    read: u64,
    limit: u64,
    what: &'static str,
}

impl<R: Read> Metered<R> {
    /// `limit` bytes may be read; `what` names the limit in the error.
    pub fn new(inner: R, limit: u64, what: &'static str) -> Self {
        Metered {
            inner,
            read: 0,
            limit,
            what,
        }
    }

    pub fn bytes_read(&self) -> u64 {
        self.read
    }
}

impl<R: Read> Read for Metered<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.read >= self.limit {
            // Only an error if there is more to read.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(io::Error::other(LimitExceeded(format!(
                    "stopped after {} bytes: {}",
                    self.read, self.what
                )))),
            };
        }
        let room = usize::try_from(self.limit - self.read).unwrap_or(usize::MAX);
        let want = buf.len().min(room);
        let n = self.inner.read(&mut buf[..want])?;
        self.read += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metered_stops_only_when_there_is_more() {
        let mut exact = Metered::new(&b"abcd"[..], 4, "test limit");
        let mut out = Vec::new();
        exact.read_to_end(&mut out).unwrap();
        assert_eq!(out, b"abcd");

        let mut over = Metered::new(&b"abcde"[..], 4, "test limit");
        let err = over.read_to_end(&mut Vec::new()).unwrap_err();
        assert!(limit_message(&err).unwrap().contains("test limit"));
    }
}
