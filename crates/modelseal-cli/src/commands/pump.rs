//! Moving a byte stream through a [`StreamRedactor`]: a reader thread, so a
//! quiet input can be noticed and its partial line shown, and batches, so a
//! fast input is redacted in large pieces on all cores.

use std::io::{self, Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TryRecvError, sync_channel};
use std::thread;
use std::time::Duration;

use modelseal_engine::{Redactor, StreamRedactor};

/// One read from the input.
const READ_SIZE: usize = 256 * 1024;
/// Reads taken together before redacting, when they are already waiting.
const BATCH_SIZE: usize = 8 * 1024 * 1024;
/// Reads in flight between the reader thread and the redactor.
const QUEUE: usize = 64;

/// What a pump did.
#[derive(Debug, Default, Clone, Copy)]
pub struct Pumped {
    pub bytes: u64,
    pub redacted: usize,
}

/// Why a pump stopped early.
#[derive(Debug)]
pub enum PumpError {
    /// Reading the input failed (what was read before went out).
    Read(io::Error),
    /// Writing the output failed, a closed pipe included.
    Write(io::Error),
}

pub struct Pump {
    pub redactor: Arc<Redactor>,
    pub max_line: usize,
    pub idle: Duration,
    /// Set when the input's writer has gone (a child that exited): a quiet
    /// input then counts as ended even if a grandchild holds it open.
    pub writer_gone: Option<Arc<AtomicBool>>,
}

impl Pump {
    /// Redacts `input` into `output` until the input ends, the output fails,
    /// or (with `writer_gone`) the writer has gone and the input is quiet.
    pub fn run(
        &self,
        input: impl Read + Send + 'static,
        output: &mut dyn Write,
    ) -> Result<Pumped, PumpError> {
        let (sender, receiver) = sync_channel(QUEUE);
        thread::Builder::new()
            .name("modelseal-read".to_owned())
            .spawn(move || read_into(input, &sender))
            .map_err(PumpError::Read)?;
        self.drain(&receiver, output)
    }

    /// Redacts a reader on this thread, with no idle handling: for files.
    pub fn run_here(
        &self,
        mut input: impl Read,
        output: &mut dyn Write,
    ) -> Result<Pumped, PumpError> {
        let mut stream =
            StreamRedactor::new(Arc::clone(&self.redactor)).with_max_line(self.max_line);
        let mut pumped = Pumped::default();
        let mut buf = vec![0; BATCH_SIZE];
        let mut out = Vec::new();
        loop {
            let n = match input.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(PumpError::Read(e)),
            };
            pumped.bytes += n as u64;
            stream.push(&buf[..n], &mut out);
            output.write_all(&out).map_err(PumpError::Write)?;
            out.clear();
        }
        stream.flush(&mut out);
        output.write_all(&out).map_err(PumpError::Write)?;
        output.flush().map_err(PumpError::Write)?;
        pumped.redacted = stream.redacted();
        Ok(pumped)
    }

    fn drain(
        &self,
        receiver: &Receiver<io::Result<Vec<u8>>>,
        output: &mut dyn Write,
    ) -> Result<Pumped, PumpError> {
        let mut stream =
            StreamRedactor::new(Arc::clone(&self.redactor)).with_max_line(self.max_line);
        let mut pumped = Pumped::default();
        let mut out = Vec::new();
        let mut failure = None;
        loop {
            let mut ended = false;
            match receiver.recv_timeout(self.idle) {
                Ok(Ok(first)) => {
                    // Whatever is already waiting is redacted together.
                    let mut batch = first.len();
                    stream.feed(&first);
                    while batch < BATCH_SIZE {
                        match receiver.try_recv() {
                            Ok(Ok(more)) => {
                                batch += more.len();
                                stream.feed(&more);
                            }
                            Ok(Err(e)) => {
                                failure = Some(e);
                                ended = true;
                                break;
                            }
                            Err(TryRecvError::Empty) => break,
                            Err(TryRecvError::Disconnected) => {
                                ended = true;
                                break;
                            }
                        }
                    }
                    pumped.bytes += batch as u64;
                    stream.write_ready(&mut out);
                }
                Ok(Err(e)) => {
                    failure = Some(e);
                    ended = true;
                }
                Err(RecvTimeoutError::Timeout) => {
                    let gone = self
                        .writer_gone
                        .as_ref()
                        .is_some_and(|gone| gone.load(Ordering::SeqCst));
                    if gone {
                        ended = true;
                    } else {
                        stream.flush_partial(&mut out);
                    }
                }
                Err(RecvTimeoutError::Disconnected) => ended = true,
            }
            if ended {
                stream.flush(&mut out);
            }
            if !out.is_empty() {
                output.write_all(&out).map_err(PumpError::Write)?;
                output.flush().map_err(PumpError::Write)?;
                out.clear();
            }
            if ended {
                break;
            }
        }
        pumped.redacted = stream.redacted();
        match failure {
            Some(e) => Err(PumpError::Read(e)),
            None => Ok(pumped),
        }
    }
}

fn read_into(mut input: impl Read, sender: &SyncSender<io::Result<Vec<u8>>>) {
    loop {
        let mut buf = vec![0; READ_SIZE];
        match input.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => {
                buf.truncate(n);
                if sender.send(Ok(buf)).is_err() {
                    // The redactor stopped (its output failed): dropping the
                    // input here closes a child's pipe, as `| head` would.
                    return;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                let _ = sender.send(Err(e));
                return;
            }
        }
    }
}
