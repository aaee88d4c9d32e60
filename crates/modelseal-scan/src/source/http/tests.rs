use std::io::{Read, Seek, SeekFrom};
use std::sync::atomic::Ordering;

use modelseal_loopback::{Content, FakeHub, HubRepoSpec};

use super::*;

fn quick() -> Http {
    Http::new().with_base_wait(Duration::from_millis(5))
}

fn hub_with(content: Content) -> (FakeHub, String) {
    let repo = HubRepoSpec::model("acme/m").file("blob.bin", content);
    let hub = FakeHub::start(vec![repo], "t");
    let url = format!("{}/acme/m/resolve/main/blob.bin", hub.url());
    (hub, url)
}

#[test]
fn a_remote_file_reads_only_what_is_asked_for() {
    let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    let (hub, url) = hub_with(Content::Bytes(data.clone()));
    let http = quick();
    let mut file = RemoteFile::new(http.clone(), url, Vec::new(), data.len() as u64);
    let mut head = [0u8; 8];
    file.read_exact(&mut head).unwrap();
    assert_eq!(head, data[..8]);
    file.seek(SeekFrom::End(-16)).unwrap();
    let mut tail = Vec::new();
    file.read_to_end(&mut tail).unwrap();
    assert_eq!(tail, data[data.len() - 16..]);
    assert!(
        http.transferred() < 200_000,
        "{} bytes crossed",
        http.transferred()
    );
    assert!(hub.requests().iter().all(|r| r.range.is_some()));
}

#[test]
fn a_remote_file_read_straight_through_is_whole() {
    let data: Vec<u8> = (0..1_500_000u32).map(|i| (i * 7 % 256) as u8).collect();
    let (_hub, url) = hub_with(Content::Bytes(data.clone()));
    let mut file = RemoteFile::new(quick(), url, Vec::new(), data.len() as u64);
    let mut all = Vec::new();
    file.read_to_end(&mut all).unwrap();
    assert!(all == data);
}

#[test]
fn a_server_without_ranges_still_gives_the_right_bytes() {
    let data: Vec<u8> = (0..300_000u32).map(|i| (i % 97) as u8).collect();
    let (hub, url) = hub_with(Content::Bytes(data.clone()));
    hub.quirks().no_ranges.store(true, Ordering::SeqCst);
    let mut file = RemoteFile::new(quick(), url, Vec::new(), data.len() as u64);
    file.seek(SeekFrom::Start(200_000)).unwrap();
    let mut piece = [0u8; 100];
    file.read_exact(&mut piece).unwrap();
    assert_eq!(piece, data[200_000..200_100]);
}

#[test]
fn a_cut_off_download_is_an_error_that_says_so() {
    let data = vec![7u8; 100_000];
    let (hub, url) = hub_with(Content::Bytes(data));
    hub.quirks().add_truncate("/acme/m/resolve/main/blob.bin");
    let mut file = RemoteFile::new(quick(), url, Vec::new(), 100_000);
    let error = file.read_to_end(&mut Vec::new()).unwrap_err();
    assert!(
        error.to_string().contains("truncated") || error.kind() == io::ErrorKind::UnexpectedEof,
        "{error}"
    );
}

#[test]
fn rate_limits_and_outages_are_retried() {
    let (hub, url) = hub_with(Content::Bytes(b"hello".to_vec()));
    hub.quirks().rate_limited.store(2, Ordering::SeqCst);
    hub.quirks().unavailable.store(1, Ordering::SeqCst);
    let mut response = quick().get(&url, &[]).unwrap();
    assert_eq!(response.body_mut().read_to_string().unwrap(), "hello");
    assert_eq!(hub.requests().len(), 4);
}

#[test]
fn giving_up_names_the_status() {
    let (hub, url) = hub_with(Content::Bytes(b"hello".to_vec()));
    hub.quirks().unavailable.store(100, Ordering::SeqCst);
    let error = quick().get(&url, &[]).unwrap_err();
    assert_eq!(error.status(), Some(503));
    assert_eq!(hub.requests().len(), ATTEMPTS as usize);
}

#[test]
fn html_where_json_belongs_is_named() {
    let (hub, _) = hub_with(Content::Bytes(Vec::new()));
    hub.quirks().add_html("/api/models/acme/m/revision/main");
    let url = format!("{}/api/models/acme/m/revision/main", hub.url());
    let error = quick()
        .get_json::<serde_json::Value>(&url, &[])
        .unwrap_err();
    assert!(matches!(error, HttpError::Html { .. }), "{error}");
    assert!(error.to_string().contains("web page"));
}

#[test]
fn a_redirect_loop_is_named() {
    let (hub, url) = hub_with(Content::Bytes(Vec::new()));
    hub.quirks()
        .add_redirect_loop("/acme/m/resolve/main/blob.bin");
    let error = quick().get(&url, &[]).unwrap_err();
    assert!(matches!(error, HttpError::Redirects { .. }), "{error}");
}

#[test]
fn an_interrupt_stops_new_requests() {
    let (_hub, url) = hub_with(Content::Bytes(b"x".to_vec()));
    let http = quick();
    http.interrupt_flag().store(true, Ordering::SeqCst);
    assert!(matches!(http.get(&url, &[]), Err(HttpError::Interrupted)));
}
