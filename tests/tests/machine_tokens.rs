//! Machine tokens kept by the bureau while the host runs: issued with an expiry and one role,
//! shown once and stored hashed, listed with their last use, rotated with an overlap, revoked
//! at once; and everything a caller without the bureau's role, or with a bad request, gets.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Duration;
use lianban_e2e::TestHost;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A department-readable route to try a token on.
const VERSIONS: &str = "/api/v1/matters/birth-registration/versions";

async fn issue(host: &TestHost, body: Value) -> (StatusCode, Value) {
    admin_post(host, "/api/v1/tokens", &body).await
}

async fn admin_post(host: &TestHost, path: &str, body: &Value) -> (StatusCode, Value) {
    host.post(path, &host.tokens.admin, body).await
}

fn expect_error(status: StatusCode, body: &Value, expected: StatusCode, code: &str) {
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (expected, Some(code)),
        "{body}"
    );
}

async fn listed(host: &TestHost, id: &str) -> Value {
    let (s, list) = host.get("/api/v1/tokens", &host.tokens.admin).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    list.as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("{id} not listed in {list}"))
}

fn later(host: &TestHost, by: Duration) {
    use lianban::clock::Clock;
    host.clock.set(host.clock.now() + by);
}

/// Every file of the data directory, for a secret that must not be there.
fn data_contains(host: &TestHost, needle: &[u8]) -> bool {
    walk(&host.data).into_iter().any(|path| {
        std::fs::read(&path)
            .map(|bytes| bytes.windows(needle.len()).any(|w| w == needle))
            .unwrap_or(false)
    })
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_is_issued_used_rotated_and_revoked_while_the_host_runs() {
    let host = TestHost::start().await;

    let (s, issued) = issue(
        &host,
        json!({ "name": "公安局人口管理系统", "role": "department:public-security", "expires_in_days": 30 }),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{issued}");
    let secret = issued["secret"].as_str().unwrap().to_owned();
    let id = issued["token"]["id"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("lb_") && secret.len() == 67, "{issued}");
    assert_eq!(issued["token"]["state"], "active");
    assert_eq!(issued["token"]["created_by"], "管理员");
    let created: chrono::DateTime<chrono::Utc> = issued["token"]["created_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let expires: chrono::DateTime<chrono::Utc> = issued["token"]["expires_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(expires - created, Duration::days(30));

    // It works at once, and its use shows in the listing, which never carries a secret.
    let (s, b) = host.get(VERSIONS, &secret).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let row = listed(&host, &id).await;
    assert_eq!(row["role"], "department:public-security");
    assert!(row["last_used_at"].is_string(), "{row}");
    let (_, list) = host.get("/api/v1/tokens", &host.tokens.admin).await;
    assert!(!list.to_string().contains(&secret[3..]), "{list}");
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|t| t.get("secret").is_none())
    );
    // The store keeps its hash only.
    assert!(!data_contains(&host, secret.as_bytes()));

    // Rotation with an overlap: both work until the overlap ends, then only the successor.
    let (s, rotated) = admin_post(
        &host,
        &format!("/api/v1/tokens/{id}/rotate"),
        &json!({ "overlap_minutes": 10 }),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{rotated}");
    let successor = rotated["secret"].as_str().unwrap().to_owned();
    let successor_id = rotated["token"]["id"].as_str().unwrap().to_owned();
    assert_ne!(successor, secret);
    assert_eq!(rotated["token"]["role"], "department:public-security");
    assert_eq!(rotated["token"]["name"], "公安局人口管理系统");
    let row = listed(&host, &id).await;
    assert_eq!(row["state"], "replaced", "{row}");
    assert_eq!(row["replaced_by"], successor_id.as_str());
    for token in [&secret, &successor] {
        let (s, b) = host.get(VERSIONS, token).await;
        assert_eq!(s, StatusCode::OK, "{b}");
    }
    later(&host, Duration::minutes(11));
    let (s, b) = host.get(VERSIONS, &secret).await;
    expect_error(s, &b, StatusCode::UNAUTHORIZED, "token_expired");
    let (s, b) = host.get(VERSIONS, &successor).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    // A token rotated once is not rotated again.
    let (s, b) = admin_post(&host, &format!("/api/v1/tokens/{id}/rotate"), &json!({})).await;
    expect_error(s, &b, StatusCode::CONFLICT, "token_inactive");

    // Revocation holds from the very next request, with the RFC 6750 challenge.
    let (s, b) = admin_post(
        &host,
        &format!("/api/v1/tokens/{successor_id}/revoke"),
        &json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["state"], "revoked");
    assert_eq!(b["revoked_by"], "管理员");
    let response = host
        .client
        .get(host.url(VERSIONS))
        .bearer_auth(&successor)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let challenge = response.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
    let b: Value = response.json().await.unwrap();
    assert_eq!(b["error"]["code"], "token_revoked", "{b}");

    // Rotation without an overlap ends the old token at once.
    let (_, other) = issue(&host, json!({ "name": "窗口叫号机", "role": "clerk" })).await;
    let other_id = other["token"]["id"].as_str().unwrap();
    let (s, b) = admin_post(
        &host,
        &format!("/api/v1/tokens/{other_id}/rotate"),
        &json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (s, _) = host
        .get("/api/v1/one-things", other["secret"].as_str().unwrap())
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = host
        .get("/api/v1/one-things", b["secret"].as_str().unwrap())
        .await;
    assert_eq!(s, StatusCode::OK);
    drop(host.stop().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_expires_on_its_day_and_the_bureau_cannot_lock_itself_out() {
    let host = TestHost::start().await;
    let (s, short) = issue(
        &host,
        json!({ "name": "一日令牌", "role": "clerk", "expires_in_days": 1 }),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{short}");
    let secret = short["secret"].as_str().unwrap();
    let (s, _) = host.get("/api/v1/one-things", secret).await;
    assert_eq!(s, StatusCode::OK);
    later(&host, Duration::hours(23) + Duration::minutes(59));
    let (s, _) = host.get("/api/v1/one-things", secret).await;
    assert_eq!(s, StatusCode::OK);
    later(&host, Duration::minutes(1));
    let (s, b) = host.get("/api/v1/one-things", secret).await;
    expect_error(s, &b, StatusCode::UNAUTHORIZED, "token_expired");
    assert_eq!(
        listed(&host, short["token"]["id"].as_str().unwrap()).await["state"],
        "expired"
    );

    // The only administrator token in use cannot be revoked; once there is another, it can.
    let (_, list) = host.get("/api/v1/tokens", &host.tokens.admin).await;
    let admin_id = list
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["role"] == "admin")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (s, b) = admin_post(
        &host,
        &format!("/api/v1/tokens/{admin_id}/revoke"),
        &json!({}),
    )
    .await;
    expect_error(s, &b, StatusCode::CONFLICT, "last_admin_token");
    let (s, second) = issue(&host, json!({ "name": "第二管理员", "role": "admin" })).await;
    assert_eq!(s, StatusCode::CREATED, "{second}");
    let (s, b) = admin_post(
        &host,
        &format!("/api/v1/tokens/{admin_id}/revoke"),
        &json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, _) = host.get("/api/v1/tokens", &host.tokens.admin).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = host
        .get("/api/v1/tokens", second["secret"].as_str().unwrap())
        .await;
    assert_eq!(s, StatusCode::OK);

    // A revocation survives a restart.
    let (data, dir) = host.stop().await;
    let host = TestHost::start_in(data, None).await;
    let (s, b) = host
        .get("/api/v1/tokens", second["secret"].as_str().unwrap())
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let row = b
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == admin_id.as_str())
        .unwrap();
    assert_eq!(row["state"], "revoked", "{row}");
    drop(host.stop().await);
    drop(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_bureau_keeps_tokens_and_bad_requests_get_a_clear_4xx() {
    let host = TestHost::start().await;
    let body = json!({ "name": "x", "role": "admin" });
    // Anonymous, the window, a department, the online service.
    let (s, _) = host.post("/api/v1/tokens", "", &body).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let online = host.applicant_token();
    for token in [
        host.tokens.clerk.as_str(),
        host.tokens.department("public-security"),
        online.as_str(),
    ] {
        let (s, b) = host.post("/api/v1/tokens", token, &body).await;
        expect_error(s, &b, StatusCode::FORBIDDEN, "forbidden");
        let (s, _) = host.get("/api/v1/tokens", token).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }

    for (request, code) in [
        (json!({ "name": "x", "role": "root" }), "invalid_request"),
        (
            json!({ "name": "x", "role": "department:no-such-bureau" }),
            "unknown_department",
        ),
        (
            json!({ "name": "x", "role": "clerk", "expires_in_days": 0 }),
            "invalid_token_request",
        ),
        (
            json!({ "name": "x", "role": "clerk", "expires_in_days": 367 }),
            "invalid_token_request",
        ),
        (
            json!({ "name": " ", "role": "clerk" }),
            "invalid_token_request",
        ),
        (
            json!({ "name": "x\u{7}", "role": "clerk" }),
            "invalid_token_request",
        ),
        (
            json!({ "name": "x", "role": "clerk", "secret": "lb_mine" }),
            "invalid_request",
        ),
    ] {
        let (s, b) = issue(&host, request.clone()).await;
        assert_eq!(
            (s, b["error"]["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(code)),
            "{request}: {b}"
        );
    }
    let (s, b) = admin_post(
        &host,
        "/api/v1/tokens/tk_0000000000000000/rotate",
        &json!({}),
    )
    .await;
    expect_error(s, &b, StatusCode::NOT_FOUND, "unknown_token");
    let (s, b) = admin_post(
        &host,
        "/api/v1/tokens/tk_0000000000000000/revoke",
        &json!({}),
    )
    .await;
    expect_error(s, &b, StatusCode::NOT_FOUND, "unknown_token");
    let (_, clerk) = issue(&host, json!({ "name": "x", "role": "clerk" })).await;
    let (s, b) = admin_post(
        &host,
        &format!(
            "/api/v1/tokens/{}/rotate",
            clerk["token"]["id"].as_str().unwrap()
        ),
        &json!({ "overlap_minutes": 10081 }),
    )
    .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("invalid_token_request")
        ),
        "{b}"
    );
    drop(host.stop().await);
}
