//! `Idempotency-Key`: a retried write command gets its first answer again, not a second effect.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use lianban::auth::Role;
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
    let other = host
        .state
        .auth
        .issue("另一位管理员", Role::Admin, "test")
        .unwrap();
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
