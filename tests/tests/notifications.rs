//! The outbox: SMS reach the sent log, department webhooks are signed with HMAC-SHA256 and
//! retried until the receiver takes them; every message has an id the receiver dedups by.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use lianban::Config;
use lianban_e2e::{TestHost, fixture, plugin};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[derive(Default)]
struct Receiver {
    /// Every request, including the refused ones: (message id, body).
    seen: Vec<(u64, Value)>,
    /// Ids after dropping duplicates, as a careful receiver does.
    accepted: BTreeSet<u64>,
    failures_left: u32,
    bad_signatures: u32,
}

const SECRET: &str = "health-department-signing-key";

async fn receive(state: Arc<Mutex<Receiver>>, headers: HeaderMap, body: Bytes) -> AxumStatus {
    let id: u64 = headers["x-lianban-message-id"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let signature = headers["x-lianban-signature"].to_str().unwrap().to_owned();
    let mut r = state.lock().unwrap();
    if signature != lianban::notify::signature(SECRET, &body) {
        r.bad_signatures += 1;
        return AxumStatus::UNAUTHORIZED;
    }
    r.seen.push((id, serde_json::from_slice(&body).unwrap()));
    if r.failures_left > 0 {
        r.failures_left -= 1;
        return AxumStatus::INTERNAL_SERVER_ERROR;
    }
    r.accepted.insert(id);
    AxumStatus::OK
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_are_signed_retried_and_deduplicable_and_sms_are_logged() {
    // A department system that fails twice before it takes anything.
    let state = Arc::new(Mutex::new(Receiver {
        failures_left: 2,
        ..Receiver::default()
    }));
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post({
            let state = state.clone();
            move |headers: HeaderMap, body: Bytes| receive(state.clone(), headers, body)
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook_url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path());
    config.background_every = Duration::from_millis(20);
    config.retry_base_ms = 30;
    // The receiver runs on this machine, a private address the platform refuses by default.
    config.allow_private_webhooks = true;
    let host = TestHost::start_in(dir.path().to_path_buf(), Some(config)).await;
    let admin = host.tokens.admin.clone();
    let (s, b) = host
        .put(
            "/api/v1/departments/health/webhook",
            &admin,
            &json!({ "url": "ftp://x/hook", "secret": SECRET }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    let (s, b) = host
        .put(
            "/api/v1/departments/health/webhook",
            &admin,
            &json!({ "url": hook_url, "secret": SECRET }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, _) = host
        .put(
            "/api/v1/departments/health/webhook",
            &host.tokens.clerk,
            &json!({ "url": hook_url, "secret": SECRET }),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    host.install(
        "birth-medical-certificate",
        plugin("birth-medical-certificate"),
    )
    .await;
    let app_body = fixture("newborn-window-complete");
    let intake = json!({
        "one_thing": "newborn",
        "channel": "window",
        "applicant": { "name": "李芳", "id_number": "410702199205050027", "mobile": "13812345678" },
        "fields": app_body["fields"],
        "materials": app_body["materials"],
        "delivery": { "mode": "together" },
    });
    // Only 出生医学证明签发 has rules here; the others' missing rules make intake unavailable,
    // a state of the catalog (409) and not a fault of the server (5xx).
    let (s, b) = host
        .post("/api/v1/cases", &host.tokens.clerk, &intake)
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
    assert_eq!(b["error"]["code"], "rules_unavailable");
    assert_eq!(
        b["error"]["details"]["matters"][0], "vaccination-certificate",
        "{b}"
    );
    for m in lianban_e2e::NEWBORN.iter().skip(1) {
        host.install(m, plugin(m)).await;
    }
    let (s, case) = host
        .post("/api/v1/cases", &host.tokens.clerk, &intake)
        .await;
    assert_eq!(s, StatusCode::CREATED, "{case}");
    let id = case["id"].as_str().unwrap().to_owned();
    let (s, _) = host
        .post(
            &format!("/api/v1/cases/{id}/items/birth-medical-certificate"),
            host.tokens.department("health"),
            &json!({ "action": "accept" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    // Distribution and acceptance: two messages for health, the first refused twice.
    for _ in 0..200 {
        if state.lock().unwrap().accepted.len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    {
        let r = state.lock().unwrap();
        assert_eq!(r.bad_signatures, 0);
        assert_eq!(r.accepted.len(), 2, "{:?}", r.seen);
        assert_eq!(
            r.seen.len(),
            4,
            "two refused attempts, then one delivery of each message"
        );
        // Refused messages came again under the same id, so the receiver could drop repeats.
        let distinct: BTreeSet<u64> = r.seen.iter().map(|(i, _)| *i).collect();
        assert_eq!(distinct, r.accepted);
        let statuses: BTreeSet<&str> = r
            .seen
            .iter()
            .map(|(_, b)| b["status"].as_str().unwrap())
            .collect();
        assert_eq!(statuses, BTreeSet::from(["accepted", "distributed"]));
        assert!(
            r.seen
                .iter()
                .all(|(_, b)| b["case_id"] == id && b["matter"] == "birth-medical-certificate")
        );
    }

    // The SMS went to the sent log: receipt and acceptance.
    let mut texts = Vec::new();
    for _ in 0..100 {
        let (_, sent) = host.get("/api/v1/outbox/sent?limit=50", &admin).await;
        texts = sent
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["message"]["kind"] == "sms")
            .map(|m| m["message"]["text"].as_str().unwrap().to_owned())
            .collect();
        if texts.len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(texts.iter().any(|t| t.contains("已收件")), "{texts:?}");
    assert!(
        texts.iter().any(|t| t.contains("“出生医学证明签发”已受理")),
        "{texts:?}"
    );
    let (s, _) = host.get("/api/v1/outbox/sent", &host.tokens.clerk).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    drop(host.stop().await);
}
