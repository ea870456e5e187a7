//! The joint-handling workflow over HTTP (第十四条至第十八条), with a fixed clock: a window
//! intake through a correction round to archive, an online submission, and the files a case
//! may carry.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::TimeZone;
use lianban_e2e::journey::{act, finish, finish_after_accept, item, sms, window};
use lianban_e2e::{
    APPLICANT_ID, NEWBORN, PDF, TestHost, drop_material, intake, plugin, upload_file,
};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn window_intake_with_a_correction_round_through_to_archive() {
    let host = TestHost::start().await;
    for m in NEWBORN {
        host.install(m, plugin(m)).await;
    }
    // National Day week: intake on Wednesday 2026-09-30.
    host.clock
        .set(chrono::Utc.with_ymd_and_hms(2026, 9, 30, 2, 0, 0).unwrap());
    let clerk = host.tokens.clerk.clone();
    let scan = host.scan(&clerk).await;

    // Incomplete: the household register is missing. The window issues the notice at once.
    let mut body = intake("window", json!({ "mode": "together" }), &scan);
    body["materials"]
        .as_array_mut()
        .unwrap()
        .retain(|m| m["code"] != "household-register");
    // The fixture's child was born 2026-11-20; on 2026-09-30 that is the future. Move it.
    body["fields"]["child.birth-date"] = json!("2026-09-20");
    for m in body["materials"].as_array_mut().unwrap() {
        if m["code"] == "birth-record" {
            m["attributes"]["child.birth-date"] = json!("2026-09-20");
            m["issued_on"] = json!("2026-09-22");
        }
    }
    let (s, case) = host.post("/api/v1/cases", &clerk, &body).await;
    assert_eq!(s, StatusCode::CREATED, "{case}");
    let id = case["id"].as_str().unwrap().to_owned();
    assert_eq!(case["status"], "incomplete");
    let notice = &case["notices"][0]["items"];
    assert!(
        notice
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["subject"]["key"] == "household-register")
    );
    let html = host
        .client
        .get(host.url(&format!("/api/v1/cases/{id}/notice")))
        .bearer_auth(&clerk)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("一次性告知书") && html.contains("居民户口簿"),
        "{html}"
    );
    // Departments have nothing yet.
    let (s, _) = act(
        &host,
        &id,
        "birth-medical-certificate",
        "health",
        json!({ "action": "accept" }),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);

    // The applicant brings the register; the window updates the application and receives it.
    let full = intake("window", json!({ "mode": "together" }), &scan);
    let mut materials = full["materials"].clone();
    for m in materials.as_array_mut().unwrap() {
        if m["code"] == "birth-record" {
            m["attributes"]["child.birth-date"] = json!("2026-09-20");
        }
    }
    let (s, case) = host
        .put(
            &format!("/api/v1/cases/{id}/application"),
            &clerk,
            &json!({ "fields": body["fields"], "materials": materials }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{case}");
    assert_eq!(case["status"], "in_progress", "{case:#}");
    assert!(
        case["receipt"]["number"]
            .as_str()
            .unwrap()
            .starts_with("HQSJ-20260930-")
    );
    assert_eq!(
        item(&case, "birth-medical-certificate")["status"],
        "distributed"
    );
    assert_eq!(item(&case, "birth-registration")["status"], "waiting");
    // 第十五条: distributed Wednesday 09-30, accept by the next working day, Thursday 10-08.
    assert_eq!(
        item(&case, "birth-medical-certificate")["accept_due"]["due"],
        "2026-10-08"
    );
    assert!(
        sms(&host)
            .iter()
            .any(|t| t.contains("已收件") && t.contains("HQSJ-"))
    );

    // The health department sees it in its queue and confirms receipt (第二十条).
    let (s, queue) = host
        .get(
            "/api/v1/departments/health/items?status=distributed",
            host.tokens.department("health"),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(queue.as_array().unwrap().len(), 1);
    let (s, case) = act(
        &host,
        &id,
        "birth-medical-certificate",
        "health",
        json!({ "action": "confirm_receipt" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(item(&case, "birth-medical-certificate")["department_received_at"].is_string());
    // Another department may not act on it.
    let (s, b) = act(
        &host,
        &id,
        "birth-medical-certificate",
        "public-security",
        json!({ "action": "accept" }),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    // The department reads the scans it needs (第十八条).
    let r = host
        .client
        .get(host.url(&format!("/api/v1/files/{scan}")))
        .bearer_auth(host.tokens.department("health"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.bytes().await.unwrap().as_ref(), PDF);

    // Accepted on 09-30: the rules give 1 working day → 10-08.
    let (s, case) = act(
        &host,
        &id,
        "birth-medical-certificate",
        "health",
        json!({ "action": "accept" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{case}");
    assert_eq!(
        item(&case, "birth-medical-certificate")["decision_due"]["due"],
        "2026-10-08"
    );
    let (s, _) = act(
        &host,
        &id,
        "birth-medical-certificate",
        "health",
        json!({ "action": "accept" }),
    )
    .await;
    assert_eq!(
        s,
        StatusCode::CONFLICT,
        "accepting twice is a state conflict"
    );
    finish_after_accept(&host, &id, "birth-medical-certificate").await;

    // 出生登记 is now with public security; a suspension for expert review over the holiday.
    host.clock
        .set(chrono::Utc.with_ymd_and_hms(2026, 10, 9, 2, 0, 0).unwrap());
    let (s, case) = act(
        &host,
        &id,
        "birth-registration",
        "public-security",
        json!({ "action": "accept" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{case}");
    // Accepted Friday 10-09 with 1 working day: Saturday 10-10 is a make-up working day.
    assert_eq!(
        item(&case, "birth-registration")["decision_due"]["due"],
        "2026-10-10"
    );
    let (s, _) = act(
        &host,
        &id,
        "birth-registration",
        "public-security",
        json!({ "action": "suspend", "kind": "expert_review", "reason": "落户地址需核实" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    host.clock
        .set(chrono::Utc.with_ymd_and_hms(2026, 10, 12, 2, 0, 0).unwrap());
    let (s, case) = act(
        &host,
        &id,
        "birth-registration",
        "public-security",
        json!({ "action": "resume" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    // Stopped for 10-10 and 10-12: due two working days later than 10-10, on 10-13.
    assert_eq!(
        item(&case, "birth-registration")["decision_due"]["due"],
        "2026-10-13"
    );
    finish_after_accept(&host, &id, "birth-registration").await;

    for m in [
        "vaccination-certificate",
        "resident-medical-insurance",
        "social-security-card",
    ] {
        finish(&host, &id, m).await;
    }
    let (_, case) = host.get(&format!("/api/v1/cases/{id}"), &clerk).await;
    assert_eq!(case["status"], "completed", "{case:#}");
    assert!(sms(&host).iter().any(|t| t.contains("已全部办结")));

    let (s, case) = window(&host, &id, json!({ "action": "deliver" })).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(case["status"], "delivered");
    let (s, case) = window(&host, &id, json!({ "action": "archive" })).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(case["status"], "archived");
    // Archived cases are read-only.
    let (s, b) = window(&host, &id, json!({ "action": "deliver" })).await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
    assert_eq!(b["error"]["code"], "wrong_state");

    // Department staff read the case: the read of personal data goes on the record.
    let (s, _) = host
        .get(
            &format!("/api/v1/cases/{id}"),
            host.tokens.department("health"),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    // The audit trail holds every command and verifies.
    let (s, audit) = host
        .get(&format!("/api/v1/cases/{id}/events"), &host.tokens.admin)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(audit["verified"], true, "{audit:#}");
    let commands: Vec<&str> = audit["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["command"].as_str().unwrap())
        .collect();
    for c in [
        "submit",
        "issue_notice",
        "update_application",
        "receive",
        "confirm_distribution",
        "accept",
        "suspend",
        "resume",
        "decide",
        "return_result",
        "receive_result",
        "deliver",
        "archive",
    ] {
        assert!(commands.contains(&c), "{c} missing from {commands:?}");
    }
    // The decision carries what an inspector checks: its outcome and result documents.
    let decided = audit["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["command"] == "decide" && e["matter"] == "birth-registration")
        .unwrap();
    assert_eq!(decided["outcome"], "approve", "{decided:#}");
    assert_eq!(decided["documents"][0]["name"], "办理结果", "{decided:#}");
    // Reads of personal data have a chain of their own, and every role's reads are on it:
    // the clerk's above and the department's just now.
    assert!(!commands.contains(&"read_personal_data"), "{commands:?}");
    let readers: Vec<&str> = audit["reads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["role"].as_str().unwrap())
        .collect();
    assert_eq!(readers.last(), Some(&"department:health"), "{readers:?}");
    assert!(readers.contains(&"clerk"), "{readers:?}");
    assert!(
        audit["reads"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["command"] == "read_personal_data")
    );
    drop(host.stop().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn online_submission_rejection_and_withdrawal() {
    let host = TestHost::start().await;
    for m in NEWBORN {
        host.install(m, plugin(m)).await;
    }
    let online = host.online_service(APPLICANT_ID);
    let scan = host.scan(&online.token).await;

    // The window may not submit online, nor the online service at the window.
    let (s, _) = host
        .post(
            "/api/v1/cases",
            &host.tokens.clerk,
            &intake("online", json!({ "mode": "self_print" }), &scan),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, case) = online
        .post(
            "/api/v1/cases",
            &intake("online", json!({ "mode": "self_print" }), &scan),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{case}");
    assert_eq!(case["status"], "submitted");
    // The window has one working day (第十四条): Friday 11-27 → Monday 11-30.
    assert_eq!(case["intake_due"]["due"], "2026-11-30");
    assert_eq!(case["clocks"][0]["stage"], "intake");
    let id = case["id"].as_str().unwrap().to_owned();
    let (s, case) = window(&host, &id, json!({ "action": "confirm" })).await;
    assert_eq!(s, StatusCode::OK, "{case}");
    assert_eq!(case["status"], "in_progress");

    // 不予受理 with its reason, which reaches the applicant's SMS (第十五条).
    let (s, b) = act(
        &host,
        &id,
        "birth-medical-certificate",
        "health",
        json!({ "action": "reject", "reason": "" }),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(b["error"]["code"], "reason_required");
    let (s, case) = act(
        &host,
        &id,
        "birth-medical-certificate",
        "health",
        json!({ "action": "reject", "reason": "新生儿非在本区助产机构出生" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    // Its dependents cannot go on.
    for m in [
        "vaccination-certificate",
        "birth-registration",
        "resident-medical-insurance",
        "social-security-card",
    ] {
        assert_eq!(item(&case, m)["status"], "cancelled", "{m}");
    }
    assert_eq!(case["status"], "completed");
    assert!(
        sms(&host)
            .iter()
            .any(|t| t.contains("不予受理") && t.contains("新生儿非在本区助产机构出生")),
        "{:?}",
        sms(&host)
    );

    // A second case, withdrawn before any decision by the online service.
    let (_, case) = online
        .post(
            "/api/v1/cases",
            &intake("online", json!({ "mode": "self_print" }), &scan),
        )
        .await;
    let id2 = case["id"].as_str().unwrap().to_owned();
    let (s, case) = online
        .post(
            &format!("/api/v1/cases/{id2}/window"),
            &json!({ "action": "withdraw", "reason": "改为线下办理" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{case}");
    assert_eq!(case["status"], "withdrawn");
    // The online service may not do the window's other work.
    let (s, _) = online
        .post(
            &format!("/api/v1/cases/{id}/window"),
            &json!({ "action": "archive" }),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    drop(host.stop().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_too_large_or_of_a_forbidden_type_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = lianban::Config::new(dir.path());
    config.max_file_bytes = 1024;
    let host = TestHost::start_in(dir.path().to_path_buf(), Some(config)).await;
    let clerk = host.tokens.clerk.clone();
    let (s, b) = upload_file(&host, &clerk, &[b'%'; 2048]).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{b}");
    let (s, b) = upload_file(&host, &clerk, b"MZ\x90\x00 an executable").await;
    assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{b}");
    assert_eq!(b["error"]["code"], "file_type_not_allowed");
    let (s, _) = upload_file(&host, &clerk, b"").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    // Path-like names never reach the file system.
    for name in ["..%2F..%2Fetc%2Fpasswd", "....", &"0".repeat(64)] {
        let (s, _) = host.get(&format!("/api/v1/files/{name}"), &clerk).await;
        assert!(
            s == StatusCode::NOT_FOUND || s == StatusCode::BAD_REQUEST,
            "{name}: {s}"
        );
    }
    // A case cannot point at a file that was never uploaded.
    host.install(
        "birth-medical-certificate",
        plugin("birth-medical-certificate"),
    )
    .await;
    let mut body = intake("window", json!({ "mode": "together" }), &"ab".repeat(32));
    drop_material(&mut body, "vaccination-record");
    let (s, b) = host.post("/api/v1/cases", &clerk, &body).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    drop(host.stop().await);
}
