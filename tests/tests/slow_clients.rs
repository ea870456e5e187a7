//! What a slow or silent client costs the server (`host/src/http/server.rs`): headers and
//! bodies sent a byte at a time are cut off at their timeouts, idle connections are closed,
//! the connection cap makes newcomers wait instead of starving everyone, and a stop ends
//! within its grace whatever the clients do — while ordinary clients are served throughout.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use lianban::Config;
use lianban_e2e::TestHost;
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A host whose timeouts are short enough to watch.
async fn host_with(limits: impl FnOnce(&mut lianban::http::HttpLimits)) -> TestHost {
    TestHost::start_with(|config: &mut Config| {
        config.http.header_read = Duration::from_secs(1);
        config.http.body_read = Duration::from_secs(1);
        limits(&mut config.http);
    })
    .await
}

async fn connect(host: &TestHost) -> TcpStream {
    TcpStream::connect(host.base.trim_start_matches("http://"))
        .await
        .unwrap()
}

/// Writes `bytes` one at a time, `every` apart, until the server closes the connection; the
/// time that took, or `None` if the server let all of it through.
async fn trickle(stream: &mut TcpStream, bytes: &[u8], every: Duration) -> Option<Duration> {
    let started = Instant::now();
    for b in bytes {
        if stream.write_all(&[*b]).await.is_err() {
            return Some(started.elapsed());
        }
        let mut probe = [0u8; 1024];
        // A read that returns shows the server answered or closed.
        if let Ok(read) = tokio::time::timeout(every, stream.read(&mut probe)).await {
            return match read {
                Ok(0) | Err(_) => Some(started.elapsed()),
                Ok(n) => panic!(
                    "the server answered a request it should not have finished reading: {}",
                    String::from_utf8_lossy(&probe[..n])
                ),
            };
        }
    }
    None
}

async fn healthy(host: &TestHost) {
    let resp = host.client.get(host.url("/healthz")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headers_sent_a_byte_a_second_are_cut_off_while_others_are_served() {
    let host = host_with(|_| {}).await;
    let authority = host.base.trim_start_matches("http://").to_owned();
    let request = format!(
        "GET /healthz HTTP/1.1\r\nHost: {authority}\r\nX-Padding: {}\r\n\r\n",
        "a".repeat(100)
    );
    let mut slow = connect(&host).await;
    let trickling = tokio::spawn(async move {
        trickle(&mut slow, request.as_bytes(), Duration::from_millis(250)).await
    });
    // Others are served while it trickles.
    for _ in 0..3 {
        healthy(&host).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let cut = trickling
        .await
        .unwrap()
        .expect("the slow client was never cut off");
    // The header-read timeout is one second; the 120 bytes would have taken 30.
    assert!(cut < Duration::from_secs(5), "cut off only after {cut:?}");
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_sent_a_byte_at_a_time_gets_408_and_the_connection_is_closed() {
    let host = host_with(|_| {}).await;
    let authority = host.base.trim_start_matches("http://").to_owned();
    let body = format!(r#"{{"name":"{}"}}"#, "a".repeat(200));
    let mut stream = connect(&host).await;
    stream
        .write_all(
            format!(
                "POST /api/v1/prechecks HTTP/1.1\r\nHost: {authority}\r\nAuthorization: Bearer {}\r\n\
                 Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                host.tokens.clerk,
                body.len()
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let started = Instant::now();
    let mut answer = Vec::new();
    for b in body.as_bytes() {
        if stream.write_all(&[*b]).await.is_err() {
            break;
        }
        let mut chunk = [0u8; 4096];
        if let Ok(Ok(n)) =
            tokio::time::timeout(Duration::from_millis(100), stream.read(&mut chunk)).await
        {
            answer.extend_from_slice(&chunk[..n]);
            let _ =
                tokio::time::timeout(Duration::from_secs(2), stream.read_to_end(&mut answer)).await;
            break;
        }
    }
    let elapsed = started.elapsed();
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.starts_with("HTTP/1.1 408"),
        "after {elapsed:?}: {answer}"
    );
    assert!(answer.contains("request_timeout"), "{answer}");
    assert!(
        elapsed < Duration::from_secs(5),
        "answered only after {elapsed:?}"
    );
    // The rest of the body was not read: the server closed the connection after answering.
    let mut more = [0u8; 16];
    let after = tokio::time::timeout(Duration::from_secs(2), stream.read(&mut more)).await;
    assert!(matches!(after, Ok(Ok(0) | Err(_))), "{after:?}");
    healthy(&host).await;
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_kept_alive_connection_is_closed() {
    let host = host_with(|_| {}).await;
    let authority = host.base.trim_start_matches("http://").to_owned();
    let mut stream = connect(&host).await;
    stream
        .write_all(format!("GET /healthz HTTP/1.1\r\nHost: {authority}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut buf = vec![0u8; 4096];
    let n = stream.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    // Kept alive, then silent: closed after the one-second header-read timeout.
    let started = Instant::now();
    let closed = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf)).await;
    assert!(
        matches!(closed, Ok(Ok(0) | Err(_))),
        "the idle connection was not closed: {closed:?}"
    );
    assert!(started.elapsed() >= Duration::from_millis(500));
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_connection_cap_a_client_waits_for_a_slot_instead_of_failing() {
    let host = host_with(|l| l.max_connections = 2).await;
    // Two connections that never send a byte take both slots.
    let silent = [connect(&host).await, connect(&host).await];
    tokio::time::sleep(Duration::from_millis(100)).await;
    let url = host.url("/healthz");
    let waiting = tokio::spawn({
        let client = reqwest::Client::new();
        async move {
            let started = Instant::now();
            let status = client.get(url).send().await.unwrap().status();
            (status, started.elapsed())
        }
    });
    // Not served while both slots are held …
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!waiting.is_finished(), "served past the connection cap");
    // … and served once the header-read timeout has cut the silent ones off.
    let (status, waited) = tokio::time::timeout(Duration::from_secs(10), waiting)
        .await
        .expect("never served")
        .unwrap();
    assert_eq!(status, StatusCode::OK);
    assert!(waited >= Duration::from_millis(300), "{waited:?}");
    drop(silent);
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_ends_within_its_grace_whatever_the_clients_do() {
    let host = host_with(|l| {
        // Long enough that only the grace can end these connections.
        l.header_read = Duration::from_secs(120);
        l.body_read = Duration::from_secs(120);
        l.shutdown_grace = Duration::from_secs(1);
    })
    .await;
    let authority = host.base.trim_start_matches("http://").to_owned();
    // One client mid-headers, one mid-body.
    let mut headers = connect(&host).await;
    headers
        .write_all(format!("GET /healthz HTTP/1.1\r\nHost: {authority}\r\n").as_bytes())
        .await
        .unwrap();
    let mut body = connect(&host).await;
    body.write_all(
        format!(
            "POST /api/v1/prechecks HTTP/1.1\r\nHost: {authority}\r\nAuthorization: Bearer {}\r\n\
             Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{",
            host.tokens.clerk
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    host.stop().await;
    let took = started.elapsed();
    assert!(took < Duration::from_secs(5), "the stop took {took:?}");
    drop((headers, body));
}
