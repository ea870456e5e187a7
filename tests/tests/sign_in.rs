//! Staff sign-in through a real OpenID provider (`tests/oidc`), the whole code flow over
//! HTTP: the host's redirect, the provider's login and consent forms, the callback, the
//! session cookie. Then what a session may do and how it ends: CSRF on writes, acting in one
//! of several roles, idle and absolute timeouts, sign-out, the provider's back-channel logout,
//! removal from the directory; and what a stranger, a replayed answer, an open-redirect
//! attempt or a flood of failures gets.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Duration;
use lianban::clock::Clock;
use lianban_e2e::TestHost;
use lianban_e2e::identity::{Browser, IdentityProvider, Landing, host_with_provider};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn people() -> Value {
    json!({
        "staff": {
            "wang": { "name": "王敏" },
            "nobody": { "name": "路人甲" }
        },
        "citizens": {
            "mother": { "name": "张丽", "id_number": "410702198506120047" }
        }
    })
}

/// A host whose staff sign in through the test provider, with 王敏 in its directory as a
/// clerk who also handles public security's items.
async fn host_with_staff() -> (TestHost, IdentityProvider) {
    let roles: &[&str] = &["clerk", "department:public-security"];
    host_with_provider(&people(), &[("wang", "王敏", roles)], |_, _| {}).await
}

async fn sign_in(host: &TestHost, browser: &Browser, login: &str) -> Landing {
    browser
        .walk(
            &host.url("/api/v1/auth/staff/login?return_to=/console/"),
            &host.base,
            login,
        )
        .await
}

async fn get(host: &TestHost, browser: &Browser, path: &str) -> (StatusCode, Value) {
    let response = browser.client.get(host.url(path)).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn send(
    host: &TestHost,
    browser: &Browser,
    method: reqwest::Method,
    path: &str,
    csrf: Option<&str>,
    body: &Value,
) -> (StatusCode, Value) {
    let mut request = browser.client.request(method, host.url(path)).json(body);
    if let Some(csrf) = csrf {
        request = request.header("X-CSRF-Token", csrf);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn code(answer: &(StatusCode, Value)) -> (StatusCode, &str) {
    (answer.0, answer.1["error"]["code"].as_str().unwrap_or(""))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_of_staff_signs_in_and_works_in_the_roles_the_directory_gives() {
    let (host, _provider) = host_with_staff().await;
    let browser = Browser::new();
    match sign_in(&host, &browser, "wang").await {
        Landing::Redirected(path) => assert_eq!(path, "/console/"),
        other => panic!("{other:?}"),
    }
    let (s, session) = get(&host, &browser, "/api/v1/session").await;
    assert_eq!(s, StatusCode::OK, "{session}");
    assert_eq!(session["name"], "王敏");
    assert_eq!(session["issuer"], "staff");
    assert_eq!(
        session["roles"],
        json!(["clerk", "department:public-security"])
    );
    assert_eq!(session["role"], "clerk");
    let csrf = session["csrf_token"].as_str().unwrap().to_owned();

    // Reads as the clerk; a write needs the CSRF token besides the cookie.
    let (s, b) = get(&host, &browser, "/api/v1/one-things").await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let post = reqwest::Method::POST;
    let without = send(
        &host,
        &browser,
        post.clone(),
        "/api/v1/prechecks",
        None,
        &json!({}),
    )
    .await;
    assert_eq!(
        code(&without),
        (StatusCode::FORBIDDEN, "csrf_failed"),
        "{}",
        without.1
    );
    let wrong = send(
        &host,
        &browser,
        post.clone(),
        "/api/v1/prechecks",
        Some("0"),
        &json!({}),
    )
    .await;
    assert_eq!(code(&wrong), (StatusCode::FORBIDDEN, "csrf_failed"));
    let with = send(
        &host,
        &browser,
        post.clone(),
        "/api/v1/prechecks",
        Some(&csrf),
        &json!({}),
    )
    .await;
    assert_eq!(
        with.0,
        StatusCode::UNPROCESSABLE_ENTITY,
        "past the guard: {}",
        with.1
    );

    // Acting as the department: its queue opens, the window's pre-check does not.
    let put = reqwest::Method::PUT;
    let role = json!({ "role": "department:public-security" });
    let (s, b) = send(
        &host,
        &browser,
        put.clone(),
        "/api/v1/session/role",
        Some(&csrf),
        &role,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["role"], "department:public-security");
    let (s, b) = get(&host, &browser, "/api/v1/departments/public-security/items").await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let clerk_only = send(
        &host,
        &browser,
        post.clone(),
        "/api/v1/prechecks",
        Some(&csrf),
        &json!({}),
    )
    .await;
    assert_eq!(code(&clerk_only), (StatusCode::FORBIDDEN, "forbidden"));
    let not_held = json!({ "role": "admin" });
    let refused = send(
        &host,
        &browser,
        put,
        "/api/v1/session/role",
        Some(&csrf),
        &not_held,
    )
    .await;
    assert_eq!(code(&refused), (StatusCode::FORBIDDEN, "role_not_held"));

    // The bureau sees the sign-in in its log.
    let (s, log) = host.get("/api/v1/sign-ins", &host.tokens.admin).await;
    assert_eq!(s, StatusCode::OK, "{log}");
    assert_eq!(log[0]["outcome"], "signed_in", "{log}");
    assert_eq!(log[0]["subject"], "wang");
    drop(host.stop().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_ends_when_idle_at_its_end_on_sign_out_and_off_the_directory() {
    let (host, _provider) = host_with_staff().await;
    let later = |by: Duration| host.clock.set(host.clock.now() + by);

    // Idle: used every 29 minutes it lives; 30 minutes untouched and it is gone.
    let browser = Browser::new();
    sign_in(&host, &browser, "wang").await;
    for _ in 0..3 {
        later(Duration::minutes(29));
        let (s, b) = get(&host, &browser, "/api/v1/session").await;
        assert_eq!(s, StatusCode::OK, "{b}");
    }
    later(Duration::minutes(30));
    let ended = get(&host, &browser, "/api/v1/session").await;
    assert_eq!(code(&ended), (StatusCode::UNAUTHORIZED, "session_ended"));
    let (s, _) = get(&host, &browser, "/api/v1/one-things").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // Absolute: however busy, twelve hours and no more.
    let browser = Browser::new();
    sign_in(&host, &browser, "wang").await;
    for _ in 0..(12 * 60 / 25) {
        later(Duration::minutes(25));
        let (s, _) = get(&host, &browser, "/api/v1/session").await;
        assert_eq!(s, StatusCode::OK);
    }
    later(Duration::minutes(25));
    assert_eq!(
        get(&host, &browser, "/api/v1/session").await.0,
        StatusCode::UNAUTHORIZED
    );

    // Sign-out, with the CSRF token (a page elsewhere cannot sign a person out).
    let browser = Browser::new();
    sign_in(&host, &browser, "wang").await;
    let (_, session) = get(&host, &browser, "/api/v1/session").await;
    let csrf = session["csrf_token"].as_str().unwrap();
    let post = reqwest::Method::POST;
    let forged = send(
        &host,
        &browser,
        post.clone(),
        "/api/v1/session/logout",
        None,
        &json!({}),
    )
    .await;
    assert_eq!(code(&forged), (StatusCode::FORBIDDEN, "csrf_failed"));
    let (s, _) = send(
        &host,
        &browser,
        post,
        "/api/v1/session/logout",
        Some(csrf),
        &json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(
        get(&host, &browser, "/api/v1/session").await.0,
        StatusCode::UNAUTHORIZED
    );

    // Off the directory: signed out everywhere from the next request.
    let browser = Browser::new();
    sign_in(&host, &browser, "wang").await;
    assert_eq!(
        get(&host, &browser, "/api/v1/session").await.0,
        StatusCode::OK
    );
    let response = host
        .client
        .delete(host.url("/api/v1/staff/wang"))
        .bearer_auth(&host.tokens.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        get(&host, &browser, "/api/v1/session").await.0,
        StatusCode::UNAUTHORIZED
    );
    drop(host.stop().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_out_at_the_provider_ends_the_session_here_by_back_channel() {
    let (host, provider) = host_with_staff().await;
    let browser = Browser::new();
    sign_in(&host, &browser, "wang").await;
    let bystander = Browser::new();
    sign_in(&host, &bystander, "wang").await;
    assert_eq!(
        get(&host, &browser, "/api/v1/session").await.0,
        StatusCode::OK
    );

    // Logout tokens the provider did not sign change nothing: unsigned, and signed with a key
    // it never published, each otherwise well-formed and naming this person.
    let (_, session) = get(&host, &browser, "/api/v1/session").await;
    assert_eq!(session["name"], "王敏");
    for forged in [
        unsigned_logout_token(&provider.staff),
        provider.forged_logout_token(&provider.staff).await,
    ] {
        let response = host
            .client
            .post(host.url("/api/v1/auth/staff/backchannel-logout"))
            .form(&[("logout_token", forged.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "invalid_logout_token", "{body}");
        assert_eq!(
            get(&host, &browser, "/api/v1/session").await.0,
            StatusCode::OK
        );
    }

    // The person signs out at the provider, in the same browser: the provider tells the host,
    // which ends that session; the other browser's session (another provider session) stays.
    let landing = browser
        .walk(
            &format!("{}/session/end?client_id=lianban", provider.staff),
            &host.base,
            "wang",
        )
        .await;
    assert!(
        matches!(landing, Landing::Answered(StatusCode::OK, _)),
        "{landing:?}"
    );
    let (_, debug) = host.get("/api/v1/sign-ins", &host.tokens.admin).await;
    eprintln!("DEBUG {debug} {landing:?}");
    let ended = get(&host, &browser, "/api/v1/session").await;
    assert_eq!(code(&ended), (StatusCode::UNAUTHORIZED, "session_ended"));
    assert_eq!(
        get(&host, &bystander, "/api/v1/session").await.0,
        StatusCode::OK
    );
    let (_, log) = host.get("/api/v1/sign-ins", &host.tokens.admin).await;
    assert!(
        log.as_array()
            .unwrap()
            .iter()
            .any(|e| e["outcome"] == "logged_out_by_provider"),
        "{log}"
    );
    drop(host.stop().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strangers_replays_open_redirects_and_floods_are_turned_away() {
    let (host, _provider) = host_with_staff().await;

    // Signed in at the provider, but not in the directory.
    let browser = Browser::new();
    match sign_in(&host, &browser, "nobody").await {
        Landing::Answered(status, body) => {
            assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
            assert!(body.contains("not_in_staff_directory"), "{body}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        get(&host, &browser, "/api/v1/session").await.0,
        StatusCode::UNAUTHORIZED
    );
    let (_, log) = host.get("/api/v1/sign-ins", &host.tokens.admin).await;
    assert_eq!(log[0]["outcome"], "not_in_directory", "{log}");
    assert_eq!(log[0]["subject"], "nobody");

    // The return address stays on this host.
    for to in [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
    ] {
        let url = host.url(&format!(
            "/api/v1/auth/staff/login?return_to={}",
            urlencode(to)
        ));
        let answer = get(
            &host,
            &Browser::new(),
            url.strip_prefix(&host.base).unwrap(),
        )
        .await;
        assert_eq!(
            code(&answer),
            (StatusCode::BAD_REQUEST, "bad_return_to"),
            "{to}"
        );
    }

    // An answer without the browser that started the sign-in, and a replayed one.
    let stranger = Browser::new();
    let answer = get(
        &host,
        &stranger,
        "/api/v1/auth/staff/callback?code=x&state=y",
    )
    .await;
    assert_eq!(code(&answer), (StatusCode::BAD_REQUEST, "sign_in_expired"));

    // Ten failures from one address in fifteen minutes, and it waits.
    for _ in 0..9 {
        get(
            &host,
            &stranger,
            "/api/v1/auth/staff/callback?code=x&state=y",
        )
        .await;
    }
    let limited = get(&host, &stranger, "/api/v1/auth/staff/login").await;
    assert_eq!(
        code(&limited),
        (StatusCode::TOO_MANY_REQUESTS, "sign_in_rate_limited")
    );
    host.clock.set(host.clock.now() + Duration::minutes(16));
    let response = stranger
        .client
        .get(host.url("/api/v1/auth/staff/login"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    drop(host.stop().await);
}

/// A logout token for every session of `wang`, complete but for a signature (`alg: none`).
fn unsigned_logout_token(issuer: &str) -> String {
    use base64::Engine;
    let part = |v: Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let now = chrono::Utc::now().timestamp();
    format!(
        "{}.{}.",
        part(json!({ "alg": "none", "typ": "logout+jwt" })),
        part(json!({
            "iss": issuer, "aud": "lianban", "sub": "wang", "iat": now, "exp": now + 600,
            "jti": "forged", "events": { "http://schemas.openid.net/event/backchannel-logout": {} }
        }))
    )
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// An attacker's provider: every kind of bad ID token is refused, and the good one from the
/// same provider is let in (so the refusals are the token's doing).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_expired_misaddressed_and_unsigned_id_tokens_are_refused() {
    let (host, provider) =
        host_with_provider(&people(), &[("wang", "王敏", &["clerk"])], |c, p| {
            if let Some(staff) = c.staff.as_mut() {
                staff.issuer = p.hostile.clone();
            }
        })
        .await;
    for mode in [
        "forged",
        "expired",
        "wrong_audience",
        "wrong_issuer",
        "alg_none",
        "hs256",
        "wrong_nonce",
    ] {
        provider.forge(mode, host.clock.now()).await;
        let browser = Browser::new();
        match sign_in(&host, &browser, "wang").await {
            Landing::Answered(status, body) => {
                assert_eq!(status, StatusCode::UNAUTHORIZED, "{mode}: {body}");
                assert!(body.contains("sign_in_refused"), "{mode}: {body}");
            }
            other => panic!("{mode}: {other:?}"),
        }
        assert_eq!(
            get(&host, &browser, "/api/v1/session").await.0,
            StatusCode::UNAUTHORIZED,
            "{mode}"
        );
        // Failed sign-ins count against the client; these are the test's own.
        host.clock.set(host.clock.now() + Duration::minutes(16));
    }
    provider.forge("good", host.clock.now()).await;
    let browser = Browser::new();
    assert!(matches!(
        sign_in(&host, &browser, "wang").await,
        Landing::Redirected(_)
    ));
    assert_eq!(
        get(&host, &browser, "/api/v1/session").await.0,
        StatusCode::OK
    );
    drop(host.stop().await);
}
