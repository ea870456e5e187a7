//! The steps a case takes over HTTP, as the window and the departments take them, for tests
//! that drive a case through its life.

use lianban::store::OutboxStore;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::TestHost;

pub async fn act(
    host: &TestHost,
    case: &str,
    matter: &str,
    department: &str,
    body: Value,
) -> (StatusCode, Value) {
    host.post(
        &format!("/api/v1/cases/{case}/items/{matter}"),
        host.tokens.department(department),
        &body,
    )
    .await
}

pub async fn window(host: &TestHost, case: &str, body: Value) -> (StatusCode, Value) {
    host.post(
        &format!("/api/v1/cases/{case}/window"),
        &host.tokens.clerk,
        &body,
    )
    .await
}

pub fn item<'a>(case: &'a Value, matter: &str) -> &'a Value {
    case["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["matter"] == matter)
        .unwrap()
}

/// Accept, decide (approve), return and receive one item, as its department and the window.
pub async fn finish(host: &TestHost, case: &str, matter: &str) -> Value {
    let dept = crate::department_of(matter);
    for body in [
        json!({ "action": "accept" }),
        json!({ "action": "decide", "outcome": "approve", "documents": [{ "name": "办理结果", "elicense_number": "E-1" }] }),
        json!({ "action": "return_result" }),
    ] {
        let (s, b) = act(host, case, matter, &dept, body.clone()).await;
        assert_eq!(s, StatusCode::OK, "{matter} {body}: {b}");
    }
    let (s, b) = window(
        host,
        case,
        json!({ "action": "receive_result", "matter": matter }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    b
}

/// Every SMS the host has queued, whether the background outbox has delivered it yet or not:
/// the pending ones are read first, then the sent log, so a message delivered between the two
/// reads is still seen (in the second).
pub fn sms(host: &TestHost) -> Vec<String> {
    let pending = host.state.store.due_messages(i64::MAX, 1000).unwrap();
    let sent = host.state.store.sent_messages(1000).unwrap();
    pending
        .into_iter()
        .chain(sent)
        .filter_map(|m| match m.message {
            lianban::workflow::outbox::Message::Sms { text, .. } => Some(text),
            _ => None,
        })
        .collect()
}

pub async fn finish_after_accept(host: &TestHost, case: &str, matter: &str) {
    let dept = crate::department_of(matter);
    for body in [
        json!({ "action": "decide", "outcome": "approve", "documents": [{ "name": "办理结果", "elicense_number": "E-1" }] }),
        json!({ "action": "return_result" }),
    ] {
        let (s, b) = act(host, case, matter, &dept, body).await;
        assert_eq!(s, StatusCode::OK, "{b}");
    }
    let (s, b) = window(
        host,
        case,
        json!({ "action": "receive_result", "matter": matter }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
}

/// An online newborn application for `APPLICANT_ID` with results by self-print, confirmed by
/// the window: (the case number, the scan its materials carry).
pub async fn self_print_case(host: &TestHost) -> (String, String) {
    let online = host.online_service(crate::APPLICANT_ID);
    let scan = host.scan(&online.token).await;
    let (s, case) = online
        .post(
            "/api/v1/cases",
            &crate::intake("online", json!({ "mode": "self_print" }), &scan),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{case}");
    let id = case["id"].as_str().unwrap_or_default().to_owned();
    let (s, b) = window(host, &id, json!({ "action": "confirm" })).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    (id, scan)
}

/// `matter`'s department accepts it, decides with `document` uploaded as its result, and
/// returns the result to the window; the document's SHA-256.
pub async fn decide_with_document(
    host: &TestHost,
    case: &str,
    matter: &str,
    document: &[u8],
) -> String {
    let dept = crate::department_of(matter);
    let (s, stored) = crate::upload_file(host, host.tokens.department(&dept), document).await;
    assert_eq!(s, StatusCode::CREATED, "{stored}");
    let sha = stored["sha256"].as_str().unwrap_or_default().to_owned();
    for body in [
        json!({ "action": "accept" }),
        json!({ "action": "decide", "outcome": "approve",
                "documents": [{ "name": "办理结果", "file": sha }] }),
        json!({ "action": "return_result" }),
    ] {
        let (s, b) = act(host, case, matter, &dept, body).await;
        assert_eq!(s, StatusCode::OK, "{b}");
    }
    sha
}
