//! A body larger than its route allows gets a 413 the client can read
//! (`host/src/http/body_limit.rs`), whether its length is declared, streamed in chunks, or
//! announced with `Expect: 100-continue` — not a connection reset.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use lianban_e2e::TestHost;
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const EIGHTY_MIB: usize = 80 << 20;

/// The status line and body of the server's answer on a raw connection.
async fn answer(stream: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

fn head(host: &TestHost, path: &str, token: &str, extra: &str) -> String {
    let authority = host.base.trim_start_matches("http://");
    format!(
        "POST {path} HTTP/1.1\r\nHost: {authority}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/wasm\r\nConnection: close\r\n{extra}\r\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_bodies_get_a_413_the_client_reads() {
    let host = TestHost::start().await;
    let cdc = host.tokens.department("cdc").to_owned();
    let upload_path = "/api/v1/matters/vaccination-certificate/versions";

    // An ordinary client sending 80 MiB with its length declared reads the 413.
    let (status, body) = host
        .upload("vaccination-certificate", &cdc, vec![0u8; EIGHTY_MIB])
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(body["error"]["code"], "payload_too_large");
    assert_eq!(
        body["error"]["details"]["max_bytes"],
        host.state.config.max_upload_bytes
    );

    // The same without a length: chunks, until the client is done.
    let mut stream = TcpStream::connect(host.base.trim_start_matches("http://"))
        .await
        .unwrap();
    stream
        .write_all(head(&host, upload_path, &cdc, "Transfer-Encoding: chunked\r\n").as_bytes())
        .await
        .unwrap();
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..80 {
        stream
            .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
            .await
            .unwrap();
        stream.write_all(&chunk).await.unwrap();
        stream.write_all(b"\r\n").await.unwrap();
    }
    stream.write_all(b"0\r\n\r\n").await.unwrap();
    let said = answer(&mut stream).await;
    assert!(said.starts_with("HTTP/1.1 413"), "{said}");
    assert!(said.contains("payload_too_large"), "{said}");

    // A client that waits for the go-ahead is answered at once and never sends the body.
    let mut stream = TcpStream::connect(host.base.trim_start_matches("http://"))
        .await
        .unwrap();
    let started = Instant::now();
    stream
        .write_all(
            head(
                &host,
                upload_path,
                &cdc,
                &format!("Content-Length: {EIGHTY_MIB}\r\nExpect: 100-continue\r\n"),
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let said = answer(&mut stream).await;
    assert!(said.starts_with("HTTP/1.1 413"), "{said}");
    assert!(started.elapsed() < Duration::from_secs(10));

    // Other routes have their own limits, and the same behaviour.
    let r = host
        .client
        .post(host.url("/api/v1/files"))
        .bearer_auth(&host.tokens.clerk)
        .body(vec![b'%'; host.state.config.max_file_bytes + 1])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let r = host
        .client
        .post(host.url("/api/v1/prechecks"))
        .bearer_auth(&host.tokens.clerk)
        .header("content-type", "application/json")
        .body(vec![b' '; 8 << 20])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // A body within the limit is handed on whole: the upload is judged on its content.
    let (status, body) = host
        .upload("vaccination-certificate", &cdc, b"\0asm garbage".to_vec())
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "plugin_not_a_component");
    drop(host.stop().await);
}
