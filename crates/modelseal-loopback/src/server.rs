//! The server under both fakes: one thread accepting, one per request,
//! a log of what was asked, and the quirks that make it misbehave.

use std::collections::HashSet;
use std::io::{Cursor, Read};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use tiny_http::{Header, Request, Response, Server, StatusCode};

/// One request as the server saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logged {
    pub method: String,
    pub url: String,
    pub range: Option<String>,
    pub authorization: Option<String>,
}

/// Ways to misbehave, set before or during a test.
#[derive(Debug, Default)]
pub struct Quirks {
    /// Answer this many requests with 429 (`Retry-After: 0`) first.
    pub rate_limited: AtomicUsize,
    /// Answer this many requests with 503 first.
    pub unavailable: AtomicUsize,
    /// URL paths answered with an HTML page (status 200).
    pub html: Mutex<HashSet<String>>,
    /// URL paths that redirect to themselves forever.
    pub redirect_loop: Mutex<HashSet<String>>,
    /// URL paths whose body is cut off half-way (the declared length stays).
    pub truncate: Mutex<HashSet<String>>,
    /// Ignore `Range` headers (answer 200 with the whole body).
    pub no_ranges: AtomicBool,
}

impl Quirks {
    pub fn add_html(&self, path: &str) {
        self.html.lock().unwrap().insert(path.to_owned());
    }

    pub fn add_redirect_loop(&self, path: &str) {
        self.redirect_loop.lock().unwrap().insert(path.to_owned());
    }

    pub fn add_truncate(&self, path: &str) {
        self.truncate.lock().unwrap().insert(path.to_owned());
    }

    /// Takes one from a counter if it is above zero.
    pub(crate) fn take(counter: &AtomicUsize) -> bool {
        counter
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }
}

/// What a handler answers: status, headers, and a body of known length.
pub(crate) struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Box<dyn Read + Send>,
    pub length: u64,
}

impl Reply {
    pub fn bytes(status: u16, body: Vec<u8>) -> Self {
        let length = body.len() as u64;
        Reply {
            status,
            headers: Vec::new(),
            body: Box::new(Cursor::new(body)),
            length,
        }
    }

    pub fn json(status: u16, value: &serde_json::Value) -> Self {
        Reply::bytes(status, value.to_string().into_bytes())
            .header("content-type", "application/json")
    }

    pub fn text(status: u16, text: &str) -> Self {
        Reply::bytes(status, text.as_bytes().to_vec()).header("content-type", "text/plain")
    }

    pub fn redirect(location: &str) -> Self {
        Reply::bytes(302, Vec::new()).header("location", location)
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

pub(crate) type Handler = dyn Fn(&Incoming) -> Reply + Send + Sync;

/// A request, reduced to what handlers look at.
pub(crate) struct Incoming {
    pub path: String,
    pub query: Vec<(String, String)>,
    pub range: Option<String>,
    pub authorization: Option<String>,
    pub base: String,
}

impl Incoming {
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A running server; stops when dropped.
pub(crate) struct Running {
    pub url: String,
    pub log: Arc<Mutex<Vec<Logged>>>,
    pub served: Arc<AtomicU64>,
    pub quirks: Arc<Quirks>,
    server: Arc<Server>,
    thread: Option<JoinHandle<()>>,
}

impl Running {
    pub fn start(handler: Arc<Handler>) -> Self {
        let server = Arc::new(Server::http("127.0.0.1:0").expect("bind a loopback port"));
        let port = server.server_addr().to_ip().expect("an IP address").port();
        let url = format!("http://127.0.0.1:{port}");
        let log = Arc::new(Mutex::new(Vec::new()));
        let served = Arc::new(AtomicU64::new(0));
        let quirks = Arc::new(Quirks::default());
        let thread = {
            let server = Arc::clone(&server);
            let (log, served, quirks, url) = (
                Arc::clone(&log),
                Arc::clone(&served),
                Arc::clone(&quirks),
                url.clone(),
            );
            std::thread::spawn(move || {
                for request in server.incoming_requests() {
                    let (log, served, quirks, handler, url) = (
                        Arc::clone(&log),
                        Arc::clone(&served),
                        Arc::clone(&quirks),
                        Arc::clone(&handler),
                        url.clone(),
                    );
                    std::thread::spawn(move || {
                        answer(request, handler.as_ref(), &log, &served, &quirks, &url);
                    });
                }
            })
        };
        Running {
            url,
            log,
            served,
            quirks,
            server,
            thread: Some(thread),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn header(request: &Request, name: &str) -> Option<String> {
    request
        .headers()
        .iter()
        .find(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str().to_owned())
}

fn answer(
    request: Request,
    handler: &Handler,
    log: &Mutex<Vec<Logged>>,
    served: &AtomicU64,
    quirks: &Quirks,
    base: &str,
) {
    let url = request.url().to_owned();
    let range = header(&request, "range");
    let authorization = header(&request, "authorization");
    log.lock().unwrap().push(Logged {
        method: request.method().as_str().to_owned(),
        url: url.clone(),
        range: range.clone(),
        authorization: authorization.clone(),
    });
    let (path, query) = url.split_once('?').unwrap_or((&url, ""));
    let path = percent_decode(path);
    let query = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect();
    let incoming = Incoming {
        path: path.clone(),
        query,
        range: if quirks.no_ranges.load(Ordering::SeqCst) {
            None
        } else {
            range
        },
        authorization,
        base: base.to_owned(),
    };
    let reply = if Quirks::take(&quirks.rate_limited) {
        Reply::text(429, "Too Many Requests").header("retry-after", "0")
    } else if Quirks::take(&quirks.unavailable) {
        Reply::text(503, "Service Unavailable")
    } else if quirks.redirect_loop.lock().unwrap().contains(&path) {
        Reply::redirect(&url)
    } else if quirks.html.lock().unwrap().contains(&path) {
        Reply::bytes(
            200,
            b"<!doctype html><html><body>Sign in</body></html>".to_vec(),
        )
        .header("content-type", "text/html; charset=utf-8")
    } else {
        handler(&incoming)
    };
    let truncate = quirks.truncate.lock().unwrap().contains(&path);
    let declared = reply.length;
    let sent = if truncate { declared / 2 } else { declared };
    served.fetch_add(sent, Ordering::SeqCst);
    let mut headers: Vec<Header> = reply
        .headers
        .iter()
        .filter_map(|(k, v)| Header::from_bytes(k.as_bytes(), v.as_bytes()).ok())
        .collect();
    headers.retain(|h| {
        !h.field
            .as_str()
            .as_str()
            .eq_ignore_ascii_case("content-length")
    });
    let body: Box<dyn Read + Send> = Box::new(reply.body.take(sent));
    let response = Response::new(
        StatusCode(reply.status),
        headers,
        body,
        usize::try_from(declared).ok(),
        None,
    );
    let _ = request.respond(response);
}

/// Decodes `%XX` escapes (and `+` in queries is left as is: the clients
/// here encode spaces as `%20`).
pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(v) = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Serves `content` (of `size` bytes) honouring a `Range: bytes=a-b` header.
pub(crate) fn ranged(
    range: Option<&str>,
    size: u64,
    open: impl FnOnce(u64, u64) -> Box<dyn Read + Send>,
) -> Reply {
    let parsed = range.and_then(|r| {
        let spec = r.strip_prefix("bytes=")?;
        let (a, b) = spec.split_once('-')?;
        let start: u64 = a.trim().parse().ok()?;
        let end: u64 = if b.trim().is_empty() {
            size.checked_sub(1)?
        } else {
            b.trim().parse().ok()?
        };
        Some((start, end.min(size.saturating_sub(1))))
    });
    match parsed {
        Some((start, end)) if start < size && start <= end => {
            let length = end - start + 1;
            Reply {
                status: 206,
                headers: vec![
                    (
                        "content-range".to_owned(),
                        format!("bytes {start}-{end}/{size}"),
                    ),
                    ("accept-ranges".to_owned(), "bytes".to_owned()),
                ],
                body: open(start, length),
                length,
            }
        }
        Some(_) => {
            Reply::bytes(416, Vec::new()).header("content-range", &format!("bytes */{size}"))
        }
        None => Reply {
            status: 200,
            headers: vec![("accept-ranges".to_owned(), "bytes".to_owned())],
            body: open(0, size),
            length: size,
        },
    }
}
