//! The online self-check (自助预审): an applicant pre-checks what they will submit online with
//! the same rules as the window, and cannot pass a window application off as theirs to check.

#![allow(clippy::unwrap_used)]

use lianban_e2e::{APPLICANT_ID, NEWBORN, TestHost, fixture};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_applicant_checks_an_online_application_only() {
    let host = TestHost::start().await;
    host.install_plugins(NEWBORN).await;
    let online = host.online_service(APPLICANT_ID);
    let mut app = fixture("newborn-window-complete");
    app["channel"] = json!("online");
    for m in app["materials"].as_array_mut().unwrap() {
        m["form"] = json!("scan");
    }
    let (s, report) = online.post("/api/v1/prechecks", &app).await;
    assert_eq!(s, StatusCode::OK, "{report}");
    assert_eq!(report["channel"], "online");
    assert_eq!(report["matters"].as_array().unwrap().len(), NEWBORN.len());

    let (s, refused) = online
        .post("/api/v1/prechecks", &fixture("newborn-window-complete"))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{refused}");
    assert_eq!(refused["error"]["code"], "forbidden");
}

/// After the window's one-time notice on an online application, the applicant reads their own
/// case in full to correct it (recorded as a correction), corrects it, and it goes back to the
/// window; another person's online service cannot read it at all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_applicant_corrects_their_own_online_application() {
    let host = TestHost::start().await;
    host.install_plugins(NEWBORN).await;
    let online = host.online_service(APPLICANT_ID);
    let scan = host.scan(&online.token).await;
    let mut body = lianban_e2e::intake("online", json!({ "mode": "self_print" }), &scan);
    let materials = body["materials"].as_array_mut().unwrap();
    let record = materials
        .iter()
        .position(|m| m["code"] == "vaccination-record")
        .unwrap();
    let left_out = materials.remove(record);
    let (s, case) = online.post("/api/v1/cases", &body).await;
    assert_eq!(s, StatusCode::CREATED, "{case}");
    let id = case["id"].as_str().unwrap().to_owned();
    let full = format!("/api/v1/cases/{id}?full=true");
    // Not while it waits for the window.
    let (s, b) = online.get(&full).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    let (s, b) = lianban_e2e::journey::window(&host, &id, json!({ "action": "confirm" })).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["status"], "incomplete");

    let (s, mine) = online.get(&full).await;
    assert_eq!(s, StatusCode::OK, "{mine}");
    assert_eq!(mine["applicant"]["id_number"], APPLICANT_ID);
    let (s, b) = host.online_service("410702198506120047").get(&full).await;
    assert!(
        s == StatusCode::FORBIDDEN || s == StatusCode::NOT_FOUND,
        "{s} {b}"
    );
    let reads = host
        .get_ok(&format!("/api/v1/cases/{id}/reads"), &host.tokens.admin)
        .await;
    assert!(reads.to_string().contains("correction"), "{reads}");

    let mut materials = mine["materials"].as_array().unwrap().clone();
    materials.push(left_out);
    let (s, b) = online
        .put(
            &format!("/api/v1/cases/{id}/application"),
            &json!({ "fields": mine["fields"], "materials": materials }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["status"], "submitted", "back to the window");
    let (s, b) = online.get(&full).await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "only while it waits for the correction: {b}"
    );
}
