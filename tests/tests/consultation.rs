//! The public consultation behind a reverse proxy: the per-client limit counts the client the
//! trusted proxy reports, not the proxy, and never what a client writes into the header
//! itself; the public ranking comes a page at a time.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use lianban::Config;
use lianban::consultation::PROPOSALS_PER_HOUR;
use lianban_e2e::TestHost;
use reqwest::StatusCode;
use serde_json::json;

async fn propose(host: &TestHost, forwarded_for: &str, n: usize) -> StatusCode {
    host.client
        .post(host.url("/api/v1/consultation/proposals"))
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({
            "kind": "new_one_thing",
            "title": format!("建议第 {n} 号"),
            "need": "希望把几个部门的证明合成一次办理。",
        }))
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_trusted_proxy_each_client_has_its_own_allowance() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path());
    // The test client connects from 127.0.0.1, standing in for the proxy.
    config.trusted_proxies = vec![[127, 0, 0, 1].into()];
    let host = TestHost::start_in(dir.path().to_path_buf(), Some(config)).await;
    for n in 0..PROPOSALS_PER_HOUR {
        assert_eq!(propose(&host, "203.0.113.1", n).await, StatusCode::CREATED);
    }
    assert_eq!(
        propose(&host, "203.0.113.1", 99).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Another client behind the same proxy is not held to the first one's count, and a client
    // cannot pose as another by writing the header itself (the proxy appends the real one).
    assert_eq!(
        propose(&host, "203.0.113.2", 100).await,
        StatusCode::CREATED
    );
    assert_eq!(
        propose(&host, "198.51.100.77, 203.0.113.1", 101).await,
        StatusCode::TOO_MANY_REQUESTS
    );

    // The ranking, a page at a time.
    let total = PROPOSALS_PER_HOUR + 1;
    let page = |q: String| {
        let host = &host;
        async move {
            let (s, b) = host
                .get(&format!("/api/v1/consultation/proposals{q}"), "")
                .await;
            assert_eq!(s, StatusCode::OK, "{b}");
            b.as_array().unwrap().len()
        }
    };
    assert_eq!(page(String::new()).await, total);
    assert_eq!(page("?limit=2".into()).await, 2);
    assert_eq!(page(format!("?offset={}", total - 1)).await, 1);
    assert_eq!(page("?limit=100000".into()).await, total);
    drop(host.stop().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_trusted_proxy_the_header_is_ignored() {
    let host = TestHost::start().await;
    for n in 0..PROPOSALS_PER_HOUR {
        let forged = format!("203.0.113.{n}");
        assert_eq!(propose(&host, &forged, n).await, StatusCode::CREATED);
    }
    assert_eq!(
        propose(&host, "203.0.113.250", 99).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    drop(host.stop().await);
}

/// Support counts once per person, and the person is the caller's own: the online service
/// acting for someone cannot multiply their support by naming someone new each time, while the
/// window still names the person it checked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_supports_once_whatever_the_body_says() {
    let host = TestHost::start().await;
    assert_eq!(propose(&host, "", 1).await, StatusCode::CREATED);
    let list = host.get_ok("/api/v1/consultation/proposals", "").await;
    let id = list[0]["id"].as_u64().unwrap();
    let path = format!("/api/v1/consultation/proposals/{id}/supports");
    let online = host.online_service(lianban_e2e::APPLICANT_ID);
    let (s, b) = online.post(&path, &json!({ "person": "someone-1" })).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["supports"], 1);
    let (s, b) = online.post(&path, &json!({ "person": "someone-2" })).await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
    assert_eq!(b["error"]["code"], "already_supported");
    let (s, b) = host
        .post(
            &path,
            &host.tokens.clerk,
            &json!({ "person": "410702198506120047" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["supports"], 2);
    let (s, b) = host.post(&path, &host.tokens.clerk, &json!({})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(b["error"]["code"], "person_required");
}
