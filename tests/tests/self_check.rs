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
