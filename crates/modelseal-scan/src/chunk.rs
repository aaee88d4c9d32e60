//! Streams a blob through the engine in chunks that overlap, so a match across
//! a chunk boundary is still found once and memory stays bounded.

use std::io::{self, Read};

use modelseal_engine::RuleSet;

/// Default bytes per chunk.
pub const DEFAULT_CHUNK: usize = 4 * 1024 * 1024;
/// How much of a long line around a match is kept for snippets and inline
/// ignore comments.
const LINE_CONTEXT: usize = 2048;

/// A confirmed match, detached from the chunk it was found in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Index of the rule in the rule set.
    pub rule: usize,
    pub secret: Vec<u8>,
    pub value: Vec<u8>,
    /// 1-based line and column (in characters) of the secret.
    pub line: u64,
    pub column: u64,
    /// The line holding the secret, cut to a bounded window around it.
    pub line_text: Vec<u8>,
    /// Where the secret starts in `line_text`.
    pub secret_in_line: usize,
}

/// Chunks of one stream scanned at once: a big file keeps every core busy
/// while memory stays bounded (this many chunks, and their hits). Many
/// small chunks per thread keep the cores even at the end of each batch.
fn chunks_in_flight() -> usize {
    8 * rayon::current_num_threads().max(1)
}

/// The chunk size of a stream scanned in parallel: small enough to stay in
/// a core's cache, large enough that the overlap is a small share.
const PARALLEL_CHUNK: usize = 1 << 20;

/// One chunk to scan: the bytes, which of them it reports, and the lines
/// before it.
struct Chunk {
    buf: Vec<u8>,
    /// Bytes at the start already reported by the chunk before.
    lead: usize,
    /// Matches starting at or after this are the next chunk's.
    accept_end: usize,
    /// Lines before `buf[0]`.
    lines_before: u64,
}

/// Cuts a stream into overlapping [`Chunk`]s: each holds the last two
/// overlaps of the one before (one as context, one not yet reported) and up
/// to `chunk_size` bytes in all.
struct Chunker<R> {
    reader: R,
    chunk_size: usize,
    overlap: usize,
    /// The start of the next chunk: what the last one leaves over.
    carry: Vec<u8>,
    lines_before: u64,
    lead: usize,
    /// Bytes handed out in chunks, less what the next one repeats.
    offset: u64,
    done: bool,
    /// Buffers of chunks already scanned, to fill again: a big file does
    /// not fault in fresh pages for every chunk.
    spare: Vec<Vec<u8>>,
}

impl<R: Read> Chunker<R> {
    /// The next chunk, `None` after the last.
    fn next_chunk(&mut self) -> io::Result<Option<Chunk>> {
        if self.done {
            return Ok(None);
        }
        let mut buf = self.spare.pop().unwrap_or_default();
        buf.clear();
        buf.extend_from_slice(&self.carry);
        buf.reserve(self.chunk_size.min(DEFAULT_CHUNK).saturating_sub(buf.len()));
        let eof = fill(&mut self.reader, &mut buf, self.chunk_size)?;
        let accept_end = if eof {
            buf.len()
        } else {
            buf.len() - self.overlap
        };
        let chunk = Chunk {
            lead: self.lead,
            accept_end,
            lines_before: self.lines_before,
            buf,
        };
        if eof {
            self.done = true;
            self.offset += chunk.buf.len() as u64;
        } else {
            // Keep the last two overlaps: one as context before the next
            // accepted region, one that was not accepted yet.
            let keep_from = chunk.buf.len() - 2 * self.overlap;
            self.lines_before += memchr::memchr_iter(b'\n', &chunk.buf[..keep_from]).count() as u64;
            self.offset += keep_from as u64;
            self.carry.clear();
            self.carry.extend_from_slice(&chunk.buf[keep_from..]);
            self.lead = self.overlap;
        }
        Ok(Some(chunk))
    }
}

/// Scans `reader` to its end; calls `on_hit` for every match in order.
/// Returns the number of bytes read.
///
/// A stream longer than one chunk is scanned many chunks at a time on the
/// rayon pool: a single 2 GiB log uses every core, not one. Hits still arrive in order, exactly as one pass would find
/// them. Waiting is done by the end of a `rayon::in_place_scope`, where this thread
/// helps with the work instead of blocking a worker.
pub fn scan_stream<R: Read>(
    rules: &RuleSet,
    reader: R,
    chunk_size: usize,
    mut on_hit: impl FnMut(Hit),
) -> io::Result<u64> {
    let overlap = rules.max_context().max(4096);
    let mut chunker = Chunker {
        reader,
        chunk_size: chunk_size.max(overlap * 4),
        overlap,
        carry: Vec::new(),
        lines_before: 0,
        lead: 0,
        offset: 0,
        done: false,
        spare: Vec::new(),
    };
    let Some(first) = chunker.next_chunk()? else {
        return Ok(0);
    };
    if chunker.done {
        // The common case: the whole stream fits one chunk.
        scan_chunk(rules, &first, &mut on_hit);
        return Ok(chunker.offset);
    }
    let batch = chunks_in_flight();
    chunker.chunk_size = chunker.chunk_size.min(PARALLEL_CHUNK.max(overlap * 4));
    // This thread reads a batch, then helps scan it until it is done, and
    // hands its hits on in order. (Reading the next batch while one is
    // scanned measured slower on two cores: the reads compete with the
    // scan for the same two cores and their caches.)
    let mut ready = vec![first];
    let mut error = None;
    read_batch(&mut chunker, &mut ready, batch - 1, &mut error);
    while !ready.is_empty() {
        let scanning = std::mem::take(&mut ready);
        // Each slot gets a chunk's hits and, once scanned, its buffer back.
        let mut found: Vec<(Vec<Hit>, Vec<u8>)> = std::iter::repeat_with(Default::default)
            .take(scanning.len())
            .collect();
        rayon::in_place_scope(|scope| {
            for (chunk, (hits, spare)) in scanning.into_iter().zip(&mut found) {
                scope.spawn(move |_| {
                    scan_chunk(rules, &chunk, &mut |hit| hits.push(hit));
                    *spare = chunk.buf;
                });
            }
        });
        for (hits, spare) in found {
            hits.into_iter().for_each(&mut on_hit);
            if spare.capacity() > 0 {
                chunker.spare.push(spare);
            }
        }
        if error.is_none() {
            read_batch(&mut chunker, &mut ready, batch, &mut error);
        }
    }
    match error {
        Some(e) => Err(e),
        None => Ok(chunker.offset),
    }
}

/// Reads up to `count` more chunks into `ready`; a read error is kept in
/// `error` (the chunks before it are still scanned).
fn read_batch<R: Read>(
    chunker: &mut Chunker<R>,
    ready: &mut Vec<Chunk>,
    count: usize,
    error: &mut Option<io::Error>,
) {
    for _ in 0..count {
        match chunker.next_chunk() {
            Ok(Some(chunk)) => ready.push(chunk),
            Ok(None) => break,
            Err(e) => {
                *error = Some(e);
                break;
            }
        }
    }
}

/// Scans a file of `size` bytes on disk the way [`scan_stream`] scans a
/// stream, with the same chunks, overlaps and hits, but each chunk task
/// reads its own range (`pread`): reading is spread over every core along
/// with the scanning, where a stream is read by one thread. For big plain
/// text files.
///
/// Each hit goes through `prepare` in the chunk's task, on any core, into
/// that chunk's accumulator `A`, with its line still counted from the
/// chunk's start; each chunk's accumulator then comes to `on_chunk` in
/// order, with the lines before the chunk. The caller does the costly
/// per-hit work (a fingerprint, dropping repeats) in `prepare`, so that
/// `on_chunk`, which runs on one thread, stays cheap.
#[cfg(unix)]
pub fn scan_file_at<A: Default + Send>(
    rules: &RuleSet,
    file: &std::fs::File,
    size: u64,
    prepare: impl Fn(Hit, &mut A) + Sync,
    on_chunk: impl FnMut(A, u64),
) -> io::Result<u64> {
    scan_file_in_chunks(rules, file, size, PARALLEL_CHUNK, prepare, on_chunk)
}

#[cfg(unix)]
fn scan_file_in_chunks<A: Default + Send>(
    rules: &RuleSet,
    file: &std::fs::File,
    size: u64,
    chunk_size: usize,
    prepare: impl Fn(Hit, &mut A) + Sync,
    mut on_chunk: impl FnMut(A, u64),
) -> io::Result<u64> {
    use rayon::prelude::*;
    use std::os::unix::fs::FileExt;

    let overlap = rules.max_context().max(4096);
    let chunk = chunk_size.max(overlap * 4) as u64;
    // Chunk k holds [k * step, k * step + chunk): the last two overlaps of
    // the one before (one as context, one it did not report) and new bytes.
    let step = chunk - 2 * overlap as u64;
    let chunks = if size <= chunk {
        1
    } else {
        (size - 2 * overlap as u64).div_ceil(step)
    };
    // A chunk's task keeps only what `prepare` keeps (for the scanner: each
    // value once), so many chunks can be in flight: the cores idle less at
    // the end of each batch.
    let batch = 8 * chunks_in_flight() as u64;
    let mut lines_before = 0u64;
    let mut first = 0u64;
    while first < chunks {
        let last = (first + batch).min(chunks);
        let scanned: Vec<io::Result<(A, u64)>> = (first..last)
            .into_par_iter()
            .map_init(Vec::new, |buf, k| {
                let start = k * step;
                let end = (start + chunk).min(size);
                buf.resize(usize::try_from(end - start).unwrap_or(usize::MAX), 0);
                file.read_exact_at(buf, start)?;
                let eof = end == size;
                let piece = Chunk {
                    buf: std::mem::take(buf),
                    lead: if k == 0 { 0 } else { overlap },
                    accept_end: if eof {
                        usize::try_from(end - start).unwrap_or(usize::MAX)
                    } else {
                        usize::try_from(end - start).unwrap_or(usize::MAX) - overlap
                    },
                    lines_before: 0,
                };
                let mut kept = A::default();
                scan_chunk(rules, &piece, &mut |hit| prepare(hit, &mut kept));
                // Lines up to where the next chunk starts.
                let own = usize::try_from(step)
                    .unwrap_or(usize::MAX)
                    .min(piece.buf.len());
                let lines = memchr::memchr_iter(b'\n', &piece.buf[..own]).count() as u64;
                *buf = piece.buf;
                Ok((kept, lines))
            })
            .collect();
        for result in scanned {
            let (kept, lines) = result?;
            on_chunk(kept, lines_before);
            lines_before += lines;
        }
        first = last;
    }
    Ok(size)
}

/// The hits of one chunk, in order.
fn scan_chunk(rules: &RuleSet, chunk: &Chunk, on_hit: &mut dyn FnMut(Hit)) {
    let buf = &chunk.buf;
    let mut cursor = LineCursor::new(chunk.lines_before);
    for m in rules.scan(buf) {
        if m.secret.start < chunk.lead || m.secret.start >= chunk.accept_end {
            continue;
        }
        let (line, line_start) = cursor.advance(buf, m.secret.start);
        let line_end =
            memchr::memchr(b'\n', &buf[m.secret.start..]).map_or(buf.len(), |i| m.secret.start + i);
        let from = line_start.max(m.secret.start.saturating_sub(LINE_CONTEXT / 2));
        let to = line_end
            .min(m.secret.end + LINE_CONTEXT / 2)
            .max(m.secret.end);
        on_hit(Hit {
            rule: m.rule,
            secret: buf[m.secret.clone()].to_vec(),
            value: buf[m.value.clone()].to_vec(),
            line,
            column: code_points(&buf[line_start..m.secret.start]) + 1,
            line_text: buf[from..to].to_vec(),
            secret_in_line: m.secret.start - from,
        });
    }
}

/// Characters in a UTF-8 slice (bytes that do not continue a character).
fn code_points(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count() as u64
}

/// Reads until `buf` holds `target` bytes or the reader ends. Returns whether
/// it ended.
fn fill<R: Read>(reader: &mut R, buf: &mut Vec<u8>, target: usize) -> io::Result<bool> {
    while buf.len() < target {
        let want = (target - buf.len()) as u64;
        let before = buf.len();
        match reader.by_ref().take(want).read_to_end(buf) {
            Ok(_) if buf.len() == before => return Ok(true),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(false)
}

/// Counts lines incrementally as matches come in position order.
struct LineCursor {
    line: u64,
    pos: usize,
    line_start: usize,
}

impl LineCursor {
    fn new(lines_before: u64) -> Self {
        LineCursor {
            line: lines_before + 1,
            pos: 0,
            line_start: 0,
        }
    }

    /// The 1-based line of `at` and where that line starts in `buf`.
    fn advance(&mut self, buf: &[u8], at: usize) -> (u64, usize) {
        if at < self.pos {
            // Matches come sorted; a repeat position needs no work.
            return (self.line, self.line_start);
        }
        for i in memchr::memchr_iter(b'\n', &buf[self.pos..at]) {
            self.line += 1;
            self.line_start = self.pos + i + 1;
        }
        self.pos = at;
        (self.line, self.line_start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use modelseal_engine::{Kind, Rule, Severity};
    use proptest::prelude::*;

    fn token_rules() -> RuleSet {
        RuleSet::new(vec![Rule {
            id: "t".into(),
            title: "t".into(),
            kind: Kind::Secret,
            severity: Severity::High,
            clue: None,
            keyword_followed_by: None,
            keywords: vec!["tok_".into()],
            pattern: r"\b(?P<secret>tok_[a-z0-9]{24})\b".into(),
            window: None,
            multiline: false,
            min_entropy: None,
            checksum: None,
            fallback: false,
            ignore_values: vec![],
            ignore_pattern: None,
            allow_placeholders: true,
            description: "d".into(),
            remediation: "r".into(),
            references: vec![],
            examples: vec![],
            counter_examples: vec![],
        }])
        .unwrap()
    }

    fn hits(text: &[u8], chunk: usize) -> Vec<(u64, u64, Vec<u8>)> {
        let mut out = Vec::new();
        scan_stream(&token_rules(), text, chunk, |h| {
            out.push((h.line, h.column, h.secret));
        })
        .unwrap();
        out
    }

    #[test]
    fn line_and_column() {
        let text = b"a\nbb\n  tok_q8v2m4x9z1q8v2m4x9z1abcd\n";
        assert_eq!(
            hits(text, 1 << 20),
            vec![(3, 3, b"tok_q8v2m4x9z1q8v2m4x9z1abcd".to_vec())]
        );
    }

    /// A reader that returns at most `n` bytes per call, like a pipe.
    struct Trickle<'a>(&'a [u8], usize);
    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = self.1.min(out.len()).min(self.0.len());
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Wherever the secrets fall relative to chunk boundaries, each is
        /// found exactly once, on the right line, whatever the chunk size and
        /// however the reader splits its reads.
        #[test]
        fn chunk_boundaries_lose_and_repeat_nothing(
            gaps in proptest::collection::vec(0usize..40_000, 1..12),
            chunk in 1usize..200_000,
            trickle in 1usize..70_000,
        ) {
            let mut text = Vec::new();
            let mut expected = Vec::new();
            for (i, gap) in gaps.iter().enumerate() {
                text.extend(std::iter::repeat_n(b'x', *gap % 97));
                text.push(b'\n');
                text.extend(std::iter::repeat_n(b'.', *gap));
                text.push(b' ');
                let secret = format!("tok_{i:024}");
                let line = memchr::memchr_iter(b'\n', &text).count() as u64 + 1;
                expected.push((line, secret.clone().into_bytes()));
                text.extend_from_slice(secret.as_bytes());
                text.push(b' ');
            }
            let mut found = Vec::new();
            scan_stream(&token_rules(), Trickle(&text, trickle), chunk, |h| found.push((h.line, h.secret))).unwrap();
            prop_assert_eq!(&found, &expected);

            // A file read by positioned chunks on every core: the same hits.
            #[cfg(unix)]
            {
                use std::io::Write as _;
                let mut file = tempfile::tempfile().unwrap();
                file.write_all(&text).unwrap();
                let mut from_file = Vec::new();
                let read = scan_file_in_chunks(
                    &token_rules(),
                    &file,
                    text.len() as u64,
                    chunk,
                    |h, kept: &mut Vec<Hit>| kept.push(h),
                    |hits, lines_before| {
                        from_file.extend(hits.into_iter().map(|h| (h.line + lines_before, h.secret)));
                    },
                )
                .unwrap();
                prop_assert_eq!(read, text.len() as u64);
                prop_assert_eq!(from_file, expected);
            }
        }
    }
}
