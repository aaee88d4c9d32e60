//! The pickle as a stream of bytes: buffered, counted, never seeked.
//! Lengths read out of the pickle decide how much is consumed, never how
//! much is allocated: kept bytes grow with what actually arrives.

use std::io::{self, ErrorKind, Read};

const BUFFER: usize = 64 * 1024;

/// Why a read did not deliver.
#[derive(Debug)]
pub(super) enum ReadError {
    /// The stream ended first.
    Eof,
    Io(io::Error),
}

impl From<io::Error> for ReadError {
    fn from(e: io::Error) -> Self {
        ReadError::Io(e)
    }
}

pub(super) struct Input<'a> {
    inner: &'a mut dyn Read,
    buf: Box<[u8]>,
    start: usize,
    end: usize,
    /// Bytes consumed so far: the offset of the next byte in the blob.
    offset: u64,
    eof: bool,
}

impl<'a> Input<'a> {
    pub(super) fn new(inner: &'a mut dyn Read) -> Self {
        Input {
            inner,
            buf: vec![0; BUFFER].into_boxed_slice(),
            start: 0,
            end: 0,
            offset: 0,
            eof: false,
        }
    }

    pub(super) fn offset(&self) -> u64 {
        self.offset
    }

    /// Reads more into the buffer after what it holds; false at the end.
    fn refill(&mut self) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        } else if self.end == self.buf.len() {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buf.len() {
            return Ok(true);
        }
        loop {
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(true);
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// The next byte, or `None` at the end of the stream.
    pub(super) fn next_byte(&mut self) -> io::Result<Option<u8>> {
        if self.start == self.end && !self.refill()? {
            return Ok(None);
        }
        let byte = self.buf[self.start];
        self.start += 1;
        self.offset += 1;
        Ok(Some(byte))
    }

    /// Exactly `N` bytes.
    pub(super) fn array<const N: usize>(&mut self) -> Result<[u8; N], ReadError> {
        let mut out = [0u8; N];
        for slot in &mut out {
            *slot = self.next_byte()?.ok_or(ReadError::Eof)?;
        }
        Ok(out)
    }

    /// Consumes `len` bytes and returns the first `keep` of them.
    pub(super) fn bytes(&mut self, len: u64, keep: usize) -> Result<Vec<u8>, ReadError> {
        let mut out = Vec::new();
        let mut left = len;
        while left > 0 {
            if self.start == self.end && !self.refill()? {
                return Err(ReadError::Eof);
            }
            let available = self.end - self.start;
            let n = usize::try_from(left).map_or(available, |left| left.min(available));
            let kept = n.min(keep.saturating_sub(out.len()));
            out.extend_from_slice(&self.buf[self.start..self.start + kept]);
            self.start += n;
            self.offset += n as u64;
            left -= n as u64;
        }
        Ok(out)
    }

    /// Consumes `len` bytes without keeping any.
    pub(super) fn skip(&mut self, len: u64) -> Result<(), ReadError> {
        self.bytes(len, 0).map(drop)
    }

    /// Consumes a line through its `\n`; returns its first `keep` bytes
    /// (without the `\n`) and its whole length.
    pub(super) fn line(&mut self, keep: usize) -> Result<(Vec<u8>, u64), ReadError> {
        let mut out = Vec::new();
        let mut len = 0u64;
        loop {
            if self.start == self.end && !self.refill()? {
                return Err(ReadError::Eof);
            }
            let chunk = &self.buf[self.start..self.end];
            let (body, consumed, done) = match memchr::memchr(b'\n', chunk) {
                Some(i) => (i, i + 1, true),
                None => (chunk.len(), chunk.len(), false),
            };
            let kept = body.min(keep.saturating_sub(out.len()));
            out.extend_from_slice(&chunk[..kept]);
            len += body as u64;
            self.start += consumed;
            self.offset += consumed as u64;
            if done {
                return Ok((out, len));
            }
        }
    }

    /// Up to `n` upcoming bytes (fewer at the end of the stream), without
    /// consuming them. `n` is at most a few bytes.
    pub(super) fn peek(&mut self, n: usize) -> io::Result<&[u8]> {
        let n = n.min(self.buf.len());
        while self.end - self.start < n {
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            if !self.refill()? {
                break;
            }
        }
        let end = self.end.min(self.start + n);
        Ok(&self.buf[self.start..end])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hands out one byte per read, to exercise every buffer boundary.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match (self.0.split_first(), buf.first_mut()) {
                (Some((&b, rest)), Some(slot)) => {
                    *slot = b;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    #[test]
    fn lines_bytes_and_peeks_across_reads() {
        let mut source = Trickle(b"GLOBAL os\nsystem\nabcdefXY");
        let mut input = Input::new(&mut source);
        assert_eq!(input.line(3).unwrap(), (b"GLO".to_vec(), 9));
        assert_eq!(input.line(100).unwrap(), (b"system".to_vec(), 6));
        assert_eq!(input.peek(2).unwrap(), b"ab");
        assert_eq!(input.bytes(4, 2).unwrap(), b"ab");
        assert_eq!(input.offset(), 21);
        assert_eq!(input.array::<2>().unwrap(), *b"ef");
        assert_eq!(input.peek(5).unwrap(), b"XY");
        assert!(matches!(input.skip(3), Err(ReadError::Eof)));
        assert_eq!(input.next_byte().unwrap(), None);
    }

    #[test]
    fn a_huge_length_reads_only_what_is_there() {
        let mut source: &[u8] = b"short";
        let mut input = Input::new(&mut source);
        assert!(matches!(
            input.bytes(u64::MAX, 1 << 20),
            Err(ReadError::Eof)
        ));
        assert_eq!(input.offset(), 5);
    }
}
