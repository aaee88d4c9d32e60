//! The few HTTP calls network sources make: JSON listings with `Link`
//! pagination, and ranged reads of files. Retries 429 and 5xx with backoff
//! (honouring `Retry-After`), counts every byte received, and turns what a
//! server gets wrong (HTML where JSON belongs, a redirect loop, a body cut
//! short) into errors that say so.

use std::io::{self, Read, Seek, SeekFrom};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use serde::de::DeserializeOwned;
use thiserror::Error;
use ureq::Agent;
use ureq::http::Response;

/// Attempts per request before a retryable failure is given up.
const ATTEMPTS: u32 = 5;
/// The longest single wait between attempts, whatever the server asks.
const MAX_WAIT: Duration = Duration::from_mins(1);
/// The largest JSON document read from a listing.
const MAX_JSON: u64 = 64 * 1024 * 1024;

#[derive(Debug, Error)]
pub enum HttpError {
    #[error("{url}: the server answered {status}{hint}")]
    Status {
        url: String,
        status: u16,
        hint: String,
    },
    #[error("{url}: the server answered with a web page, not JSON (is the endpoint right?)")]
    Html { url: String },
    #[error("{url}: the answer is not the JSON expected: {message}")]
    Json { url: String, message: String },
    #[error("{url}: too many redirects (a redirect loop?)")]
    Redirects { url: String },
    #[error("{url}: {message}")]
    Transport { url: String, message: String },
    #[error("interrupted")]
    Interrupted,
}

impl HttpError {
    pub fn status(&self) -> Option<u16> {
        match self {
            HttpError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// A blocking HTTP client shared by the threads of one scan.
#[derive(Clone)]
pub struct Http {
    agent: Agent,
    transferred: Arc<AtomicU64>,
    interrupted: Arc<AtomicBool>,
    /// The first wait when a server gives no `Retry-After`.
    base_wait: Duration,
}

impl std::fmt::Debug for Http {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Http")
            .field("transferred", &self.transferred())
            .finish_non_exhaustive()
    }
}

impl Default for Http {
    fn default() -> Self {
        Self::new()
    }
}

impl Http {
    pub fn new() -> Self {
        let agent: Agent = Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(10)
            .timeout_connect(Some(Duration::from_secs(15)))
            .timeout_per_read(Some(Duration::from_mins(1)))
            .user_agent(concat!("modelseal/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Http {
            agent,
            transferred: Arc::new(AtomicU64::new(0)),
            interrupted: Arc::new(AtomicBool::new(false)),
            base_wait: Duration::from_millis(500),
        }
    }

    /// Waits of this length (doubling) between retries when the server does
    /// not say how long: shorter in tests.
    #[must_use]
    pub fn with_base_wait(mut self, wait: Duration) -> Self {
        self.base_wait = wait;
        self
    }

    /// Bytes received in response bodies so far, by every clone.
    pub fn transferred(&self) -> u64 {
        self.transferred.load(Ordering::Relaxed)
    }

    /// A flag that, once set, stops new requests and waits.
    pub fn interrupt_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.interrupted)
    }

    pub fn is_interrupted(&self) -> bool {
        self.interrupted.load(Ordering::Relaxed)
    }

    /// A successful (2xx) response to a GET, after retries.
    pub fn get(
        &self,
        url: &str,
        headers: &[(&str, String)],
    ) -> Result<Response<ureq::Body>, HttpError> {
        let mut attempt = 0;
        loop {
            if self.is_interrupted() {
                return Err(HttpError::Interrupted);
            }
            attempt += 1;
            let mut request = self.agent.get(url);
            for (name, value) in headers {
                request = request.header(*name, value.as_str());
            }
            let wait = match request.call() {
                Ok(response) => {
                    let status = response.status().as_u16();
                    if (200..300).contains(&status) {
                        return Ok(response);
                    }
                    let limited = status == 403 && rate_limit_wait(&response).is_some();
                    let retryable = status == 429 || status >= 500 || limited;
                    if !retryable || attempt >= ATTEMPTS {
                        return Err(HttpError::Status {
                            url: url.to_owned(),
                            status,
                            hint: status_hint(status).to_owned(),
                        });
                    }
                    let asked = retry_after(&response).or_else(|| rate_limit_wait(&response));
                    match asked {
                        Some(wait) if wait > MAX_WAIT => {
                            return Err(HttpError::Status {
                                url: url.to_owned(),
                                status,
                                hint: format!(
                                    " (rate limited for another {} s; a token raises the limit)",
                                    wait.as_secs()
                                ),
                            });
                        }
                        Some(wait) => wait,
                        None => self.backoff(attempt),
                    }
                }
                Err(ureq::Error::TooManyRedirects) => {
                    return Err(HttpError::Redirects {
                        url: url.to_owned(),
                    });
                }
                Err(error) => {
                    if attempt >= ATTEMPTS || !transient(&error) {
                        return Err(HttpError::Transport {
                            url: url.to_owned(),
                            message: error.to_string(),
                        });
                    }
                    self.backoff(attempt)
                }
            };
            self.sleep(wait.min(MAX_WAIT))?;
        }
    }

    /// A JSON document, and the `next` link of its page when there is one.
    pub fn get_json<T: DeserializeOwned>(
        &self,
        url: &str,
        headers: &[(&str, String)],
    ) -> Result<(T, Option<String>), HttpError> {
        let mut response = self.get(url, headers)?;
        let next = next_link(&response);
        let is_html = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("html"));
        let text = response
            .body_mut()
            .with_config()
            .limit(MAX_JSON)
            .read_to_string()
            .map_err(|e| HttpError::Transport {
                url: url.to_owned(),
                message: format!("reading the answer: {e}"),
            })?;
        self.transferred
            .fetch_add(text.len() as u64, Ordering::Relaxed);
        let looks_html = text.trim_start().starts_with('<');
        if is_html || looks_html {
            return Err(HttpError::Html {
                url: url.to_owned(),
            });
        }
        let value = serde_json::from_str(&text).map_err(|e| HttpError::Json {
            url: url.to_owned(),
            message: e.to_string(),
        })?;
        Ok((value, next))
    }

    /// Every item of a paginated JSON list, following `Link: <…>; rel="next"`.
    pub fn get_all<T: DeserializeOwned>(
        &self,
        url: &str,
        headers: &[(&str, String)],
    ) -> Result<Vec<T>, HttpError> {
        let mut items = Vec::new();
        let mut next = Some(url.to_owned());
        let mut pages = 0;
        while let Some(page) = next {
            pages += 1;
            if pages > 10_000 {
                return Err(HttpError::Transport {
                    url: url.to_owned(),
                    message: "more than 10000 pages: the listing does not end".to_owned(),
                });
            }
            let (batch, link): (Vec<T>, _) = self.get_json(&page, headers)?;
            items.extend(batch);
            next = link;
        }
        Ok(items)
    }

    fn backoff(&self, attempt: u32) -> Duration {
        self.base_wait * 2u32.saturating_pow(attempt.saturating_sub(1))
    }

    /// Sleeps in short steps so an interrupt is noticed.
    fn sleep(&self, wait: Duration) -> Result<(), HttpError> {
        let step = Duration::from_millis(50);
        let mut left = wait;
        while !left.is_zero() {
            if self.is_interrupted() {
                return Err(HttpError::Interrupted);
            }
            let now = left.min(step);
            std::thread::sleep(now);
            left -= now;
        }
        Ok(())
    }

    /// Wraps a body so the bytes read from it are counted.
    pub fn counted<R: Read>(&self, inner: R) -> Counted<R> {
        Counted {
            inner,
            transferred: Arc::clone(&self.transferred),
        }
    }

    fn count(&self, bytes: usize) {
        self.transferred.fetch_add(bytes as u64, Ordering::Relaxed);
    }
}

/// A reader that counts the bytes through it into the client's total.
pub struct Counted<R> {
    inner: R,
    transferred: Arc<AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.transferred.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

fn status_hint(status: u16) -> &'static str {
    match status {
        401 => " (unauthorized: a private or gated repository needs a token)",
        403 => " (forbidden: the token lacks access, or a rate limit)",
        404 => " (not found: check the name and revision)",
        429 => " (rate limited, still after retries)",
        _ => "",
    }
}

fn transient(error: &ureq::Error) -> bool {
    matches!(
        error,
        ureq::Error::Io(_) | ureq::Error::Timeout(_) | ureq::Error::ConnectionFailed
    )
}

/// `Retry-After` in seconds (dates are not used by the services here).
fn retry_after(response: &Response<ureq::Body>) -> Option<Duration> {
    let value = response.headers().get("retry-after")?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// How long until a primary rate limit resets (`x-ratelimit-remaining: 0`
/// and `x-ratelimit-reset` in epoch seconds, as GitHub sends them).
fn rate_limit_wait(response: &Response<ureq::Body>) -> Option<Duration> {
    let header = |name: &str| response.headers().get(name)?.to_str().ok().map(str::trim);
    if header("x-ratelimit-remaining")? != "0" {
        return None;
    }
    let reset: u64 = header("x-ratelimit-reset")?.parse().ok()?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs();
    Some(Duration::from_secs(reset.saturating_sub(now) + 1))
}

/// The `rel="next"` target of a `Link` header.
fn next_link(response: &Response<ureq::Body>) -> Option<String> {
    response
        .headers()
        .get_all("link")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|part| {
            let (target, params) = part.split_once(';')?;
            let is_next = params
                .split(';')
                .any(|p| p.trim().replace(' ', "") == "rel=\"next\"" || p.trim() == "rel=next");
            let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
            is_next.then(|| target.to_owned())
        })
}

/// A remote file read with range requests: only the bytes a reader asks
/// for cross the network (a safetensors header, a zip's directory), in
/// pieces that grow while reading goes straight on.
pub struct RemoteFile {
    http: Http,
    url: String,
    headers: Vec<(&'static str, String)>,
    size: u64,
    pos: u64,
    buf: Vec<u8>,
    buf_start: u64,
    next_piece: usize,
}

const FIRST_PIECE: usize = 64 * 1024;
const LARGEST_PIECE: usize = 8 * 1024 * 1024;

impl RemoteFile {
    pub fn new(http: Http, url: String, headers: Vec<(&'static str, String)>, size: u64) -> Self {
        RemoteFile {
            http,
            url,
            headers,
            size,
            pos: 0,
            buf: Vec::new(),
            buf_start: 0,
            next_piece: FIRST_PIECE,
        }
    }

    fn fetch(&mut self) -> io::Result<()> {
        let sequential = self.pos == self.buf_start + self.buf.len() as u64 && !self.buf.is_empty();
        self.next_piece = if sequential {
            (self.next_piece * 2).min(LARGEST_PIECE)
        } else {
            FIRST_PIECE
        };
        let end = (self.pos + self.next_piece as u64).min(self.size);
        let mut headers = self.headers.clone();
        headers.push(("range", format!("bytes={}-{}", self.pos, end - 1)));
        let mut response = self
            .http
            .get(&self.url, &headers)
            .map_err(|e| io::Error::other(e.to_string()))?;
        let partial = response.status().as_u16() == 206;
        let mut reader = response.body_mut().as_reader();
        if !partial {
            // No range support: read from the start, dropping what is before.
            let skipped = io::copy(&mut (&mut reader).take(self.pos), &mut io::sink())?;
            self.http.count(skipped as usize);
            if skipped < self.pos {
                return Err(truncated(&self.url));
            }
        }
        let want = (end - self.pos) as usize;
        let mut piece = Vec::with_capacity(want);
        (&mut reader).take(want as u64).read_to_end(&mut piece)?;
        self.http.count(piece.len());
        if piece.len() < want {
            return Err(truncated(&self.url));
        }
        self.buf = piece;
        self.buf_start = self.pos;
        Ok(())
    }
}

fn truncated(url: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        format!("{url}: the download ended early (truncated)"),
    )
}

impl Read for RemoteFile {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.size || out.is_empty() {
            return Ok(0);
        }
        let buf_end = self.buf_start + self.buf.len() as u64;
        if self.pos < self.buf_start || self.pos >= buf_end {
            self.fetch()?;
        }
        let offset = (self.pos - self.buf_start) as usize;
        let n = out.len().min(self.buf.len() - offset);
        out[..n].copy_from_slice(&self.buf[offset..offset + n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for RemoteFile {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(delta) => self.size.checked_add_signed(delta),
            SeekFrom::Current(delta) => self.pos.checked_add_signed(delta),
        };
        let target = target.ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek before the start of the file",
            )
        })?;
        self.pos = target;
        Ok(target)
    }
}

#[cfg(test)]
mod tests;
