//! The joint-handling workflow over HTTP (第十四条至第十八条), with a fixed clock.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::TimeZone;
use lianban::store::OutboxStore;
use lianban_e2e::{
    NEWBORN, PDF, TestHost, drop_material, fixture, intake, plugin, received_case, upload_file,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn act(
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

async fn window(host: &TestHost, case: &str, body: Value) -> (StatusCode, Value) {
    host.post(
        &format!("/api/v1/cases/{case}/window"),
        &host.tokens.clerk,
        &body,
    )
    .await
}

fn item<'a>(case: &'a Value, matter: &str) -> &'a Value {
    case["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["matter"] == matter)
        .unwrap()
}

/// Accept, decide (approve), return and receive one item, as its department and the window.
async fn finish(host: &TestHost, case: &str, matter: &str) -> Value {
    let dept = lianban_e2e::department_of(matter);
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
fn sms(host: &TestHost) -> Vec<String> {
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

async fn finish_after_accept(host: &TestHost, case: &str, matter: &str) {
    let dept = lianban_e2e::department_of(matter);
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn online_submission_rejection_and_withdrawal() {
    let host = TestHost::start().await;
    for m in NEWBORN {
        host.install(m, plugin(m)).await;
    }
    let online = host.applicant_token();
    let scan = host.scan(&online).await;

    // The window may not submit online, nor the online service at the window.
    let (s, _) = host
        .post(
            "/api/v1/cases",
            &host.tokens.clerk,
            &intake("online", json!({ "mode": "self_print" }), &scan),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, case) = host
        .post(
            "/api/v1/cases",
            &online,
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
    let (_, case) = host
        .post(
            "/api/v1/cases",
            &online,
            &intake("online", json!({ "mode": "self_print" }), &scan),
        )
        .await;
    let id2 = case["id"].as_str().unwrap().to_owned();
    let (s, case) = host
        .post(
            &format!("/api/v1/cases/{id2}/window"),
            &online,
            &json!({ "action": "withdraw", "reason": "改为线下办理" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{case}");
    assert_eq!(case["status"], "withdrawn");
    // The online service may not do the window's other work.
    let (s, _) = host
        .post(
            &format!("/api/v1/cases/{id}/window"),
            &online,
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clocks_raise_alerts_to_the_audit_trail() {
    let host = TestHost::start().await;
    for m in NEWBORN {
        host.install(m, plugin(m)).await;
    }
    let clerk = host.tokens.clerk.clone();
    host.clock
        .set(chrono::Utc.with_ymd_and_hms(2026, 11, 23, 4, 0, 0).unwrap());
    // Received Monday 11-23: acceptance due Tuesday 11-24.
    let id = received_case(&host, &clerk).await;
    let raised = host.state.workflow.tick().unwrap();
    assert_eq!(
        raised,
        vec![(
            id.clone(),
            "acceptance:birth-medical-certificate:warning".to_owned()
        )]
    );
    // Raised once: the next pass on the same day raises nothing.
    assert!(host.state.workflow.tick().unwrap().is_empty());
    // Wednesday: overdue.
    host.clock
        .set(chrono::Utc.with_ymd_and_hms(2026, 11, 25, 4, 0, 0).unwrap());
    let raised = host.state.workflow.tick().unwrap();
    assert_eq!(
        raised,
        vec![(
            id.clone(),
            "acceptance:birth-medical-certificate:overdue".to_owned()
        )]
    );
    assert!(host.state.workflow.tick().unwrap().is_empty());
    let (s, overdue) = host
        .get(
            "/api/v1/supervision/clocks?state=overdue",
            &host.tokens.admin,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(overdue.as_array().unwrap().len(), 1);
    assert_eq!(overdue[0]["case_id"], id);
    assert_eq!(overdue[0]["stage"], "acceptance");
    assert_eq!(overdue[0]["department"], "health");
    let (_, audit) = host
        .get(&format!("/api/v1/cases/{id}/events"), &host.tokens.admin)
        .await;
    let alerts: Vec<&Value> = audit["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["command"] == "raise_alert")
        .collect();
    assert_eq!(alerts.len(), 2);
    assert_eq!(
        alerts[1]["reason"],
        "acceptance:birth-medical-certificate:overdue"
    );
    assert_eq!(alerts[1]["actor"], "电子监察");
    drop(host.stop().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deadlines_without_a_calendar_are_settled_when_the_year_is_loaded() {
    let host = TestHost::start().await;
    for m in NEWBORN {
        host.install(m, plugin(m)).await;
    }
    let clerk = host.tokens.clerk.clone();
    // New Year's Eve: accepting by the next working day needs 2027, which has no data yet.
    host.clock
        .set(chrono::Utc.with_ymd_and_hms(2026, 12, 31, 4, 0, 0).unwrap());
    let scan = host.scan(&clerk).await;
    let mut body = intake("window", json!({ "mode": "together" }), &scan);
    body["fields"]["child.birth-date"] = json!("2026-12-20");
    for m in body["materials"].as_array_mut().unwrap() {
        if m["code"] == "birth-record" {
            m["attributes"]["child.birth-date"] = json!("2026-12-20");
        }
    }
    let (s, case) = host.post("/api/v1/cases", &clerk, &body).await;
    assert_eq!(s, StatusCode::CREATED, "{case}");
    assert_eq!(case["status"], "in_progress", "{case:#}");
    let id = case["id"].as_str().unwrap().to_owned();
    assert_eq!(
        item(&case, "birth-medical-certificate")["accept_due"]["due"],
        Value::Null
    );
    assert_eq!(case["clocks"][0]["state"], "provisional");
    assert_eq!(case["receipt"]["promised_by"], Value::Null);

    let notice = json!({ "year": 2027, "papers": ["（测试用）"], "days": [
        { "name": "元旦", "date": "2027-01-01", "isOffDay": true }
    ]});
    let (s, _) = host
        .put("/api/v1/calendar/2027", &host.tokens.admin, &notice)
        .await;
    assert_eq!(s, StatusCode::OK);
    host.state.workflow.tick().unwrap();
    let (_, case) = host.get(&format!("/api/v1/cases/{id}"), &clerk).await;
    // Thursday 12-31 + 1 working day: 01-01 is off, so Monday 01-04.
    assert_eq!(
        item(&case, "birth-medical-certificate")["accept_due"]["due"],
        "2027-01-04"
    );
    let (_, audit) = host
        .get(&format!("/api/v1/cases/{id}/events"), &host.tokens.admin)
        .await;
    assert!(
        audit["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["command"] == "settle_deadlines")
    );
    drop(host.stop().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conflicting_commands_one_wins_and_retries_have_one_effect() {
    let host = std::sync::Arc::new(TestHost::start().await);
    for m in NEWBORN {
        host.install(m, plugin(m)).await;
    }
    let clerk = host.tokens.clerk.clone();
    let id = received_case(&host, &clerk).await;
    // Accept and reject at the same moment: exactly one wins, the other meets the new state.
    let url = format!("/api/v1/cases/{id}/items/birth-medical-certificate");
    let accept = json!({ "action": "accept" });
    let reject = json!({ "action": "reject", "reason": "材料不实" });
    let health = host.tokens.department("health");
    let (a, b) = tokio::join!(
        host.post(&url, health, &accept),
        host.post(&url, health, &reject)
    );
    let statuses = [a.0, b.0];
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        1,
        "{a:?} {b:?}"
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CONFLICT)
            .count(),
        1,
        "{a:?} {b:?}"
    );

    // A retried window command with the same key has one effect.
    let id2 = received_case(&host, &clerk).await;
    let withdraw = || {
        host.client
            .post(host.url(&format!("/api/v1/cases/{id2}/window")))
            .bearer_auth(&clerk)
            .header("idempotency-key", "withdraw-once")
            .json(&json!({ "action": "withdraw", "reason": "申请人撤回" }))
            .send()
    };
    let first = withdraw().await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let second = withdraw().await.unwrap();
    assert_eq!(
        second.status(),
        StatusCode::OK,
        "replayed, not refused as a wrong state"
    );
    assert!(second.headers().get("idempotent-replayed").is_some());
    assert!(first.headers().get("idempotent-replayed").is_none());
    // The answer committed with the command is the one the first request got.
    let (first, second) = (first.bytes().await.unwrap(), second.bytes().await.unwrap());
    assert_eq!(first, second);
    let (_, audit) = host
        .get(&format!("/api/v1/cases/{id2}/events"), &host.tokens.admin)
        .await;
    let withdrawals = audit["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["command"] == "withdraw")
        .count();
    assert_eq!(withdrawals, 1);
}

/// The answer to a command sent with an `Idempotency-Key` is committed by the workflow in the
/// command's own commit, not stored after it: no crash can leave the command applied and its
/// answer unknown (the SIGKILL test in `host/tests/durability.rs` retries intakes across one).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commands_answer_is_committed_with_it() {
    use lianban::store::{IdempotencyStore, Remembered};
    use lianban::workflow::service::{Actor, WindowAction};
    use lianban::workflow::{Committed, Remember};

    let host = TestHost::start().await;
    for m in NEWBORN {
        host.install(m, plugin(m)).await;
    }
    let id = received_case(&host, &host.tokens.clerk).await;
    let state = host.state.clone();
    let (committed, stored) = tokio::task::spawn_blocking(move || {
        let answer = |c: &Committed| Remembered {
            request: "withdraw".into(),
            status: 200,
            content_type: Some("application/json".into()),
            body: c.json.to_vec(),
            at: 0,
        };
        let committed = state
            .workflow
            .window(
                &Actor {
                    name: "窗口".into(),
                    role: "clerk".into(),
                },
                &id,
                WindowAction::Withdraw {
                    reason: "申请人撤回".into(),
                },
                Some(&Remember {
                    scope: "scope-of-the-key",
                    answer: &answer,
                }),
            )
            .unwrap();
        let stored = state.store.remembered("scope-of-the-key").unwrap();
        (committed, stored)
    })
    .await
    .unwrap();
    let stored = stored.expect("the answer was committed with the command");
    assert_eq!(stored.body, committed.json.to_vec());
    assert_eq!(
        committed.case.status,
        lianban::workflow::CaseStatus::Withdrawn
    );
    assert_eq!(committed.answer, Some(stored));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_audit_trail_is_detected() {
    let host = TestHost::start().await;
    for m in NEWBORN {
        host.install(m, plugin(m)).await;
    }
    let clerk = host.tokens.clerk.clone();
    let id = received_case(&host, &clerk).await;
    let (s, case) = host
        .post(
            &format!("/api/v1/cases/{id}/items/birth-medical-certificate"),
            host.tokens.department("health"),
            &json!({ "action": "reject", "reason": "材料不实" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{case}");
    let (_, audit) = host
        .get(&format!("/api/v1/cases/{id}/events"), &host.tokens.admin)
        .await;
    assert_eq!(audit["verified"], true);
    let (data, dir) = host.stop().await;

    // Someone with access to the database rewrites the rejection's reason.
    {
        // The stopped host's lock can outlive it for a moment (see `open_waiting_for_lock`).
        let db = lianban::store::open_waiting_for_lock(&data).unwrap();
        let events = db.open_tree("case_events").unwrap();
        let (k, v) = events
            .scan_prefix(format!("{id}\0").as_bytes())
            .map(|e| e.unwrap())
            .find(|(_, v)| String::from_utf8_lossy(v).contains("材料不实"))
            .unwrap();
        let altered = String::from_utf8_lossy(&v).replace("材料不实", "材料齐全");
        events.insert(k, altered.as_bytes()).unwrap();
        db.flush().unwrap();
    }
    let host = TestHost::start_in(data, None).await;
    let (_, audit) = host
        .get(&format!("/api/v1/cases/{id}/events"), &host.tokens.admin)
        .await;
    assert_eq!(audit["verified"], false, "{audit:#}");
    assert_eq!(audit["broken"]["problem"], "altered_event");
    drop(host.stop().await);
    drop(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn business_startup_by_mail_with_its_archive_record() {
    let host = TestHost::start().await;
    for m in lianban_e2e::BUSINESS {
        host.install(m, plugin(m)).await;
    }
    let clerk = host.tokens.clerk.clone();
    let scan = host.scan(&clerk).await;
    let mut app = fixture("business-window-complete");
    for m in app["materials"].as_array_mut().unwrap() {
        m["files"] = json!([scan]);
    }
    let body = json!({
        "one_thing": "business-startup",
        "channel": "window",
        "applicant": { "name": "赵敏", "id_number": "410721198808081230", "mobile": "13912345678" },
        "fields": app["fields"],
        "materials": app["materials"],
        "delivery": { "mode": "mail", "address": "河南省新乡市红旗区新二街 66 号", "recipient": "赵敏", "mobile": "13912345678" },
    });
    let (s, case) = host.post("/api/v1/cases", &clerk, &body).await;
    assert_eq!(s, StatusCode::CREATED, "{case}");
    assert_eq!(case["status"], "in_progress", "{case:#}");
    let id = case["id"].as_str().unwrap().to_owned();
    // Only 企业设立登记 starts; the other four need its licence.
    assert_eq!(item(&case, "company-registration")["status"], "distributed");
    assert_eq!(item(&case, "tax-invoice-setup")["status"], "waiting");
    // The receipt promises along the longest chain: registration (1 + 1 promised) then the
    // slowest follower (1 + 1), then one day back to the window: 5 working days, 12-04.
    assert_eq!(case["receipt"]["promised_by"], "2026-12-04");
    finish(&host, &id, "company-registration").await;
    let (_, case) = host.get(&format!("/api/v1/cases/{id}"), &clerk).await;
    for m in [
        "seal-engraving-filing",
        "tax-invoice-setup",
        "employer-social-insurance",
        "housing-fund-employer",
    ] {
        assert_eq!(item(&case, m)["status"], "distributed", "{m}");
        finish(&host, &id, m).await;
    }
    let (_, case) = host.get(&format!("/api/v1/cases/{id}"), &clerk).await;
    assert_eq!(case["status"], "completed");
    // Mail goes out once everything is done, with its tracking number (第十七条).
    let (s, b) = window(&host, &id, json!({ "action": "deliver" })).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    let (s, case) = window(
        &host,
        &id,
        json!({ "action": "deliver", "tracking_number": "EMS1234567890CN" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{case}");
    assert_eq!(case["delivery"]["tracking_number"], "EMS1234567890CN");
    assert!(
        sms(&host)
            .iter()
            .any(|t| t.contains("已邮寄") && t.contains("EMS1234567890CN"))
    );
    // Not archived yet: no record.
    let (s, _) = host
        .get(&format!("/api/v1/cases/{id}/archive"), &clerk)
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    window(&host, &id, json!({ "action": "archive" })).await;
    let (s, record) = host
        .get(&format!("/api/v1/cases/{id}/archive"), &clerk)
        .await;
    assert_eq!(s, StatusCode::OK, "{record}");
    assert_eq!(record["audit_verified"], true);
    assert_eq!(record["judged_by"].as_array().unwrap().len(), 5);
    assert_eq!(record["materials"].as_array().unwrap().len(), 6);
    assert_eq!(record["materials"][0]["files"][0], scan);
    assert!(
        record["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["decision"]["outcome"] == "approve")
    );
    assert!(record["events"].as_array().unwrap().len() >= 20);
    drop(host.stop().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn self_print_results_appear_as_they_reach_the_window() {
    let host = TestHost::start().await;
    for m in NEWBORN {
        host.install(m, plugin(m)).await;
    }
    let online = host.applicant_token();
    let scan = host.scan(&online).await;
    let (_, case) = host
        .post(
            "/api/v1/cases",
            &online,
            &intake("online", json!({ "mode": "self_print" }), &scan),
        )
        .await;
    let id = case["id"].as_str().unwrap().to_owned();
    window(&host, &id, json!({ "action": "confirm" })).await;
    let (s, results) = host
        .get(&format!("/api/v1/cases/{id}/results"), &online)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(results, json!([]));
    finish(&host, &id, "birth-medical-certificate").await;
    let (_, results) = host
        .get(&format!("/api/v1/cases/{id}/results"), &online)
        .await;
    assert_eq!(results.as_array().unwrap().len(), 1);
    assert_eq!(results[0]["matter"], "birth-medical-certificate");
    assert_eq!(
        results[0]["decision"]["documents"][0]["elicense_number"],
        "E-1"
    );
    // Self-print tells the applicant per result.
    assert!(
        sms(&host)
            .iter()
            .any(|t| t.contains("“出生医学证明签发”已办结"))
    );
    drop(host.stop().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn separate_delivery_and_a_denial_that_cancels_only_its_dependents() {
    let host = TestHost::start().await;
    host.install_demo_plugins().await;
    let clerk = host.tokens.clerk.clone();
    let scan = host.scan(&clerk).await;
    let (s, case) = host
        .post(
            "/api/v1/cases",
            &clerk,
            &intake("window", json!({ "mode": "separately" }), &scan),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{case}");
    let id = case["id"].as_str().unwrap().to_owned();

    // 分别领取 (第十七条): each result is announced when it reaches the window.
    finish(&host, &id, "birth-medical-certificate").await;
    assert!(
        sms(&host)
            .iter()
            .any(|t| t.contains("出生医学证明签发") && t.contains("领取")),
        "{:?}",
        sms(&host)
    );

    // 不予许可 needs its reason, and cancels what depends on it — and nothing else.
    let (s, b) = act(
        &host,
        &id,
        "birth-registration",
        "public-security",
        json!({ "action": "accept" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = act(
        &host,
        &id,
        "birth-registration",
        "public-security",
        json!({ "action": "decide", "outcome": "deny" }),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    let reason = "父母双方户籍均不在本辖区，应向户籍所在地公安机关申报";
    let (s, case) = act(
        &host,
        &id,
        "birth-registration",
        "public-security",
        json!({ "action": "decide", "outcome": "deny", "reason": reason }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{case}");
    for m in ["resident-medical-insurance", "social-security-card"] {
        assert_eq!(item(&case, m)["status"], "cancelled", "{m}");
    }
    assert_ne!(
        item(&case, "vaccination-certificate")["status"],
        "cancelled"
    );
    assert_eq!(case["status"], "in_progress");

    // The denial goes back to the window like any result; the other branch finishes.
    let (s, _) = act(
        &host,
        &id,
        "birth-registration",
        "public-security",
        json!({ "action": "return_result" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = window(
        &host,
        &id,
        json!({ "action": "receive_result", "matter": "birth-registration" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let case = finish(&host, &id, "vaccination-certificate").await;
    assert_eq!(case["status"], "completed", "{case:#}");
    assert_eq!(
        item(&case, "birth-registration")["decision"]["reason"],
        reason
    );
    let (s, case) = window(&host, &id, json!({ "action": "deliver" })).await;
    assert_eq!(s, StatusCode::OK, "{case}");
    assert_eq!(case["status"], "delivered");
    let (s, case) = window(&host, &id, json!({ "action": "archive" })).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(case["status"], "archived");
    drop(host.stop().await);
}
