//! `Idempotency-Key`: a retried write command gets its first answer again, not a second effect.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use lianban::auth::Role;
use lianban::clock::Clock;
use lianban_e2e::{TestHost, component, plugin};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn rollback(
    host: &TestHost,
    token: &str,
    key: &str,
    body: &Value,
) -> (StatusCode, Value, bool) {
    let r = host
        .client
        .post(host.url("/api/v1/matters/birth-registration/rollback"))
        .bearer_auth(token)
        .header("idempotency-key", key)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let replayed = r.headers().get("idempotent-replayed").is_some();
    (status, r.json().await.unwrap(), replayed)
}

async fn active_version(host: &TestHost) -> String {
    let (_, v) = host
        .get(
            "/api/v1/matters/birth-registration/active",
            &host.tokens.clerk,
        )
        .await;
    v["version"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_rollback_rolls_back_once() {
    let host = TestHost::start().await;
    host.install("birth-registration", plugin("birth-registration"))
        .await;
    host.install(
        "birth-registration",
        component("lianban-guest-registration-v2"),
    )
    .await;
    assert_eq!(active_version(&host).await, "2.0.0");

    let admin = host.tokens.admin.clone();
    let (s, first, replayed) = rollback(&host, &admin, "rollback-2026-11-27-1", &json!({})).await;
    assert_eq!(s, StatusCode::OK, "{first}");
    assert!(!replayed);
    assert_eq!(active_version(&host).await, "1.1.0");

    // The reply was "lost" and the administrator retries: same answer, no second rollback.
    let (s, again, replayed) = rollback(&host, &admin, "rollback-2026-11-27-1", &json!({})).await;
    assert_eq!(s, StatusCode::OK);
    assert!(replayed);
    assert_eq!(again, first);
    assert_eq!(active_version(&host).await, "1.1.0");

    // The same key with a different request is refused.
    let (s, body, _) = rollback(
        &host,
        &admin,
        "rollback-2026-11-27-1",
        &json!({ "reason": "x" }),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "idempotency_key_reused");

    // Keys belong to their caller: another administrator's key is a new command.
    let other = lianban_e2e::issue_token(&host.state, "另一位管理员", Role::Admin);
    let (s, _, replayed) = rollback(&host, &other, "rollback-2026-11-27-1", &json!({})).await;
    assert_eq!(s, StatusCode::OK);
    assert!(!replayed);
    assert_eq!(active_version(&host).await, "2.0.0");

    // Malformed keys.
    for key in ["", &"k".repeat(129)] {
        let (s, body, _) = rollback(&host, &admin, key, &json!({})).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{key:?}");
        assert_eq!(body["error"]["code"], "invalid_idempotency_key");
    }
    drop(host.stop().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_upload_replays_its_created_answer() {
    let host = TestHost::start().await;
    let police = host.tokens.department("public-security").to_owned();
    let upload = || {
        host.client
            .post(host.url("/api/v1/matters/birth-registration/versions"))
            .bearer_auth(&police)
            .header("content-type", "application/wasm")
            .header("idempotency-key", "upload-1")
            .body(plugin("birth-registration"))
            .send()
    };
    let first = upload().await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let again = upload().await.unwrap();
    assert_eq!(
        again.status(),
        StatusCode::CREATED,
        "the first answer, replayed"
    );
    assert!(again.headers().get("idempotent-replayed").is_some());
    assert_eq!(again.json::<Value>().await.unwrap(), first);
    drop(host.stop().await);
}

/// Posts a pre-check with `key`, as `token` (none when empty).
async fn keyed_precheck(host: &TestHost, token: &str, key: &str) -> StatusCode {
    let mut request = host
        .client
        .post(host.url("/api/v1/prechecks"))
        .header("idempotency-key", key)
        .json(&lianban_e2e::fixture("newborn-window-complete"));
    if !token.is_empty() {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap().status()
}

fn stored(host: &TestHost) -> usize {
    use lianban::store::IdempotencyStore;
    host.state.store.remembered_count().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_of_callers_without_a_valid_token_are_not_kept() {
    let host = TestHost::start().await;
    let before = stored(&host);
    for i in 0..200 {
        let token = if i % 2 == 0 { "" } else { "lb_not-a-token" };
        let status = keyed_precheck(&host, token, &format!("flood-{i}")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(stored(&host), before, "anonymous keys grew the store");
    // An authenticated caller's key is kept.
    let status = keyed_precheck(&host, &host.tokens.clerk, "clerk-1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(stored(&host), before + 1);
    drop(host.stop().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_dropped_by_its_client_gives_its_key_back() {
    let host = TestHost::start().await;
    let cdc = host.tokens.department("cdc").to_owned();
    let upload = |timeout: std::time::Duration| {
        let host = &host;
        let cdc = cdc.clone();
        async move {
            host.client
                .post(host.url("/api/v1/matters/vaccination-certificate/versions"))
                .bearer_auth(cdc)
                .header("idempotency-key", "upload-dropped")
                .header("content-type", "application/wasm")
                .body(plugin("vaccination-certificate"))
                .timeout(timeout)
                .send()
                .await
        }
    };
    // The client gives up while the component is still compiling.
    assert!(upload(std::time::Duration::from_millis(20)).await.is_err());
    // Its retry is answered — by the upload itself or by its stored answer — and is not told
    // forever that the first request is still running.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let r = upload(std::time::Duration::from_secs(60)).await.unwrap();
        match r.status() {
            StatusCode::CONFLICT => {
                let body: Value = r.json().await.unwrap();
                assert_eq!(body["error"]["code"], "idempotency_in_progress");
                assert!(
                    std::time::Instant::now() < deadline,
                    "the key stayed taken after its request was dropped"
                );
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            status => {
                assert!(status.is_success(), "{status}");
                break;
            }
        }
    }
    assert!(host.state.in_flight.is_empty());
    drop(host.stop().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_past_their_retention_are_swept_while_the_host_runs() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = lianban::Config::new(dir.path());
    config.sweep_every = std::time::Duration::from_millis(100);
    let host = TestHost::start_in(dir.path().to_path_buf(), Some(config)).await;
    let status = keyed_precheck(&host, &host.tokens.clerk, "kept-a-day").await;
    assert_eq!(status, StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(stored(&host), 1, "swept before its retention ran out");

    let later = host.clock.now() + chrono::Duration::hours(25);
    host.clock.set(later);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while stored(&host) > 0 {
        assert!(std::time::Instant::now() < deadline, "never swept");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    drop(host.stop().await);
}
