//! Material files: identical uploads at the same moment are all stored whole, and each caller
//! has a daily quota.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use lianban::Config;
use lianban::auth::Role;
use lianban::clock::Clock;
use lianban_e2e::{TestHost, upload_file};
use reqwest::StatusCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_scan_uploaded_at_once_is_stored_whole() {
    let host = TestHost::start().await;
    let mut pdf = b"%PDF-1.7\n".to_vec();
    pdf.extend((0..(3 << 20)).map(|i: u32| (i % 251) as u8));
    let uploads: Vec<_> = (0..8)
        .map(|_| {
            let (client, url, token, body) = (
                host.client.clone(),
                host.url("/api/v1/files"),
                host.tokens.clerk.clone(),
                pdf.clone(),
            );
            tokio::spawn(async move {
                let r = client
                    .post(url)
                    .bearer_auth(token)
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                let status = r.status();
                (status, r.json::<serde_json::Value>().await.unwrap())
            })
        })
        .collect();
    let mut names = std::collections::BTreeSet::new();
    for u in uploads {
        let (status, body) = u.await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{body}");
        names.insert(body["sha256"].as_str().unwrap().to_owned());
    }
    assert_eq!(names.len(), 1);
    let name = names.first().unwrap();
    let r = host
        .client
        .get(host.url(&format!("/api/v1/files/{name}")))
        .bearer_auth(&host.tokens.clerk)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.bytes().await.unwrap().to_vec(), pdf);
    drop(host.stop().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_caller_has_a_daily_quota() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path());
    config.file_quota_bytes_per_day = 1_000;
    let host = TestHost::start_in(dir.path().to_path_buf(), Some(config)).await;
    let scan = |n: u8| {
        let mut pdf = b"%PDF-1.7\n".to_vec();
        pdf.extend(std::iter::repeat_n(n, 590));
        pdf
    };
    let clerk = host.tokens.clerk.clone();
    let (s, b) = upload_file(&host, &clerk, &scan(1)).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (s, b) = upload_file(&host, &clerk, &scan(2)).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{b}");
    assert_eq!(b["error"]["code"], "file_quota_exceeded");
    // Another caller has a quota of its own.
    let other = lianban_e2e::issue_token(&host.state, "另一窗口", Role::Clerk);
    let (s, _) = upload_file(&host, &other, &scan(3)).await;
    assert_eq!(s, StatusCode::CREATED);
    // And the next day the first caller may upload again.
    let tomorrow = host.clock.now() + chrono::Duration::days(1);
    host.clock.set(tomorrow);
    let (s, b) = upload_file(&host, &clerk, &scan(2)).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    drop(host.stop().await);
}
