//! How results reach the applicant (第十七条): by mail with the archive record, self-print as
//! each result reaches the window, and separate delivery with a denial that cancels only the
//! items depending on it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use lianban_e2e::journey::{act, decide_with_document, finish, item, self_print_case, sms, window};
use lianban_e2e::{APPLICANT_ID, NEWBORN, TestHost, fixture, intake, plugin};
use reqwest::StatusCode;
use serde_json::json;

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
    let online = host.online_service(APPLICANT_ID);
    let (id, _) = self_print_case(&host).await;
    let (s, results) = online.get(&format!("/api/v1/cases/{id}/results")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(results, json!([]));
    finish(&host, &id, "birth-medical-certificate").await;
    let (_, results) = online.get(&format!("/api/v1/cases/{id}/results")).await;
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

/// Self-print (第十七条) means the applicant downloads the result documents themselves: their
/// own case's results once they reached the window, and nothing else — not a material scan,
/// not a result still with the department, not someone else's case.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_applicant_downloads_only_their_own_results_that_reached_the_window() {
    let host = TestHost::start().await;
    for m in NEWBORN {
        host.install(m, plugin(m)).await;
    }
    let online = host.online_service(APPLICANT_ID);
    let (id, scan) = self_print_case(&host).await;
    let matter = "birth-medical-certificate";
    let certificate = b"%PDF-1.7\n% birth medical certificate\n";
    let sha = decide_with_document(&host, &id, matter, certificate).await;
    let at = format!("/api/v1/cases/{id}/results/{sha}");
    // Returned by the department, not yet received at the window: not the applicant's yet.
    let (s, _, _) = online.get_bytes(&at).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    window(
        &host,
        &id,
        json!({ "action": "receive_result", "matter": matter }),
    )
    .await;
    let (s, kind, bytes) = online.get_bytes(&at).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(kind, "application/pdf");
    assert_eq!(bytes, certificate);
    // The download is in the case's access record, as a full read for self-print.
    let (_, reads) = online.get(&format!("/api/v1/cases/{id}/reads")).await;
    assert!(
        reads
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["purpose"] == "self_print" && r["matter"] == matter && r["full"] == true),
        "{reads}"
    );
    // A material scan is not a result, even of the applicant's own case.
    let (s, _, _) = online
        .get_bytes(&format!("/api/v1/cases/{id}/results/{scan}"))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Someone else asking for this case and file learns nothing.
    let stranger = host.online_service("11010519491231002X");
    let (s, _, _) = stranger.get_bytes(&at).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Nor does the file route serve applicants at all.
    let (s, _, _) = online.get_bytes(&format!("/api/v1/files/{sha}")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
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
