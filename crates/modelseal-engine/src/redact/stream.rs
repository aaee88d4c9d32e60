//! Redacting a stream as it comes: whole lines go out as soon as they are
//! complete, a line longer than a limit goes out in pieces, and an open
//! private-key block is held until it closes so its body is never printed.
//! Memory stays bounded whatever the input.

use std::ops::Range;
use std::sync::Arc;

use memchr::memmem;
use rayon::prelude::*;

use super::{Redaction, Redactor};

/// The longest partial line held before it is written in pieces.
pub const DEFAULT_MAX_LINE: usize = 64 * 1024;
/// Bytes already written that stay as context for the next piece: rules
/// whose keyword is a line or two above the secret (`.netrc`, `.pypirc`)
/// still see it.
const CONTEXT: usize = 4 * 1024;
/// How much of an over-long line is held back, so that a secret cut by the
/// limit is seen whole in the next piece.
const LONG_LINE_HOLD: usize = 4 * 1024;
/// The largest private-key block held while waiting for its end line.
const MAX_BLOCK: usize = 64 * 1024;
/// Above this many ready bytes, the work is split across threads.
const PARALLEL_MIN: usize = 2 * 1024 * 1024;
/// The piece of a parallel region one thread takes.
const PARALLEL_BLOCK: usize = 1024 * 1024;

/// A stream redactor: [`push`](Self::push) bytes as they come, get back
/// redacted bytes that are safe to write; [`flush`](Self::flush) at the end
/// of the input writes what is held, [`flush_partial`](Self::flush_partial)
/// when it goes quiet.
#[derive(Debug)]
pub struct StreamRedactor {
    redactor: Arc<Redactor>,
    /// Context already written, then the pending bytes from `start`.
    buf: Vec<u8>,
    start: usize,
    max_line: usize,
    redacted: usize,
}

impl StreamRedactor {
    pub fn new(redactor: Arc<Redactor>) -> Self {
        StreamRedactor {
            redactor,
            buf: Vec::new(),
            start: 0,
            max_line: DEFAULT_MAX_LINE,
            redacted: 0,
        }
    }

    /// Sets the longest partial line held (at least 8 KiB).
    #[must_use]
    pub fn with_max_line(mut self, max_line: usize) -> Self {
        self.max_line = max_line.max(2 * LONG_LINE_HOLD);
        self
    }

    /// How many secrets were hidden so far.
    pub fn redacted(&self) -> usize {
        self.redacted
    }

    /// Bytes received and not yet written.
    pub fn pending(&self) -> usize {
        self.buf.len() - self.start
    }

    /// Takes more input; appends to `out` what is ready to be written.
    pub fn push(&mut self, data: &[u8], out: &mut Vec<u8>) {
        self.feed(data);
        self.write_ready(out);
    }

    /// Takes more input without writing anything yet: several pieces fed
    /// before one [`write_ready`](Self::write_ready) are redacted together
    /// (in parallel, when they are large).
    pub fn feed(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// Appends to `out` what is ready to be written.
    pub fn write_ready(&mut self, out: &mut Vec<u8>) {
        let ready = self.ready();
        if ready > 0 {
            self.emit(ready, false, out);
        }
    }

    /// Writes everything held, redacted: at the end of the input.
    pub fn flush(&mut self, out: &mut Vec<u8>) {
        let pending = self.pending();
        if pending > 0 {
            self.emit(pending, true, out);
        }
    }

    /// Writes the held partial line, redacted, when the input has gone quiet
    /// (a progress bar, a prompt), but keeps holding an open private-key
    /// block: its end line is surely on the way.
    pub fn flush_partial(&mut self, out: &mut Vec<u8>) {
        let pending = &self.buf[self.start..];
        let end = match open_key_block(pending) {
            Some(block) if pending.len() - block < MAX_BLOCK => block,
            _ => pending.len(),
        };
        if end > 0 {
            self.emit(end, true, out);
        }
    }

    /// How many pending bytes can go out now.
    fn ready(&self) -> usize {
        let pending = &self.buf[self.start..];
        let mut end = memchr::memrchr(b'\n', pending).map_or(0, |i| i + 1);
        if pending.len() - end > self.max_line {
            end = pending.len() - LONG_LINE_HOLD;
        }
        if let Some(block) = open_key_block(&pending[..end])
            && pending.len() - block < MAX_BLOCK
        {
            end = block;
        }
        end
    }

    fn emit(&mut self, len: usize, all: bool, out: &mut Vec<u8>) {
        let mut region = self.start..self.start + len;
        let redactor = &self.redactor;
        if region.len() >= PARALLEL_MIN {
            let tail_from = region
                .end
                .saturating_sub(redactor.context() + PARALLEL_BLOCK / 4);
            let tail = redactor.redactions(&self.buf[tail_from..]);
            if !all {
                hold_straddling(&mut region, &tail, tail_from);
            }
            self.redacted += redact_parallel(redactor, &self.buf, region.clone(), out);
        } else {
            let spans = redactor.redactions(&self.buf);
            if !all {
                hold_straddling(&mut region, &spans, 0);
            }
            self.redacted += redactor.write_region(&self.buf, region.clone(), &spans, out);
        }
        let keep_from = region.end.saturating_sub(CONTEXT);
        self.buf.drain(..keep_from);
        self.start = region.end - keep_from;
    }
}

/// Moves the end of `region` back to the start of a span that crosses it,
/// so the span goes out whole with the next piece.
fn hold_straddling(region: &mut Range<usize>, spans: &[Redaction], offset: usize) {
    for span in spans {
        let range = span.range.start + offset..span.range.end + offset;
        if range.start >= region.start && range.start < region.end && range.end > region.end {
            region.end = range.start;
            return;
        }
    }
}

/// Redacts a large region in blocks on all threads; the output is the same
/// as one pass over the region.
fn redact_parallel(
    redactor: &Redactor,
    buf: &[u8],
    region: Range<usize>,
    out: &mut Vec<u8>,
) -> usize {
    let context = redactor.context();
    let blocks: Vec<Range<usize>> = (region.start..region.end)
        .step_by(PARALLEL_BLOCK)
        .map(|start| start..(start + PARALLEL_BLOCK).min(region.end))
        .collect();
    let pieces: Vec<(Vec<u8>, usize)> = blocks
        .into_par_iter()
        .map(|block| {
            let from = block.start.saturating_sub(context);
            let to = (block.end + context).min(buf.len());
            let mut piece = Vec::with_capacity(block.len() + 64);
            let count = redactor.redact_region(
                &buf[from..to],
                block.start - from..block.end - from,
                &mut piece,
            );
            (piece, count)
        })
        .collect();
    let mut total = 0;
    for (piece, count) in pieces {
        out.extend_from_slice(&piece);
        total += count;
    }
    total
}

/// The start of the line that opens a PEM/PGP/OpenSSH block with no end
/// line yet, if there is one in the last [`MAX_BLOCK`] bytes (an older one
/// would not be held anyway).
fn open_key_block(text: &[u8]) -> Option<usize> {
    let from = text.len().saturating_sub(MAX_BLOCK);
    let begin = from + memmem::rfind(&text[from..], b"-----BEGIN ")?;
    if memmem::find(&text[begin..], b"-----END ").is_some() {
        return None;
    }
    Some(memchr::memrchr(b'\n', &text[..begin]).map_or(0, |i| i + 1))
}
