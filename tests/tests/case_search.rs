//! Finding cases (GET /api/v1/cases): the window finds any case by its number, its receipt,
//! the applicant's identity number, one-thing, status and day; a department finds only cases
//! sent to it; applicants and malformed questions are refused.

#![allow(clippy::unwrap_used)]

use lianban_e2e::{APPLICANT_ID, NEWBORN, TestHost, received_case};
use reqwest::StatusCode;
use serde_json::Value;

fn ids(found: &Value) -> Vec<&str> {
    found
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_window_finds_cases_and_a_department_only_its_own() {
    let host = TestHost::start().await;
    host.install_plugins(NEWBORN).await;
    let clerk = host.tokens.clerk.clone();
    let first = received_case(&host, &clerk).await;
    let second = received_case(&host, &clerk).await;

    let all = host.get_ok("/api/v1/cases", &clerk).await;
    assert_eq!(
        ids(&all),
        vec![second.as_str(), first.as_str()],
        "newest first"
    );
    let summary = &all[0];
    assert_eq!(summary["applicant"], "李*");
    assert_eq!(summary["applicant_id_number"], "410702********0027");
    assert!(!all.to_string().contains(APPLICANT_ID), "{all}");

    let receipt = summary["receipt_number"].as_str().unwrap().to_owned();
    let by_receipt = host
        .get_ok(&format!("/api/v1/cases?number={receipt}"), &clerk)
        .await;
    assert_eq!(ids(&by_receipt), vec![second.as_str()]);
    let by_person = host
        .get_ok(
            &format!("/api/v1/cases?id_number={APPLICANT_ID}&limit=1"),
            &clerk,
        )
        .await;
    assert_eq!(ids(&by_person), vec![second.as_str()]);
    let nobody = host
        .get_ok("/api/v1/cases?id_number=410702198506120047", &clerk)
        .await;
    assert_eq!(nobody, serde_json::json!([]));
    let filtered = host
        .get_ok(
            "/api/v1/cases?one_thing=newborn&status=in_progress&from=2026-11-27&to=2026-11-27",
            &clerk,
        )
        .await;
    assert_eq!(ids(&filtered).len(), 2);
    for query in [
        "status=archived",
        "one_thing=retirement",
        "from=2026-11-28",
        "to=2026-11-26",
    ] {
        let none = host.get_ok(&format!("/api/v1/cases?{query}"), &clerk).await;
        assert_eq!(none, serde_json::json!([]), "{query}");
    }

    // The first matter went to health at once; public security waits for its prerequisite.
    let health = host
        .get_ok("/api/v1/cases", host.tokens.department("health"))
        .await;
    assert_eq!(ids(&health).len(), 2);
    let police = host
        .get_ok("/api/v1/cases", host.tokens.department("public-security"))
        .await;
    assert_eq!(police, serde_json::json!([]), "nothing was sent to it yet");

    // Refused: an applicant's caller, a malformed day, a limit out of range, an unknown status.
    let (s, _) = host.get("/api/v1/cases", &host.applicant_token()).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    for (query, code) in [
        ("from=2026-13-01", "invalid_query"),
        ("limit=0", "invalid_limit"),
        ("limit=1000", "invalid_limit"),
        ("status=lost", "invalid_query"),
    ] {
        let (s, b) = host.get(&format!("/api/v1/cases?{query}"), &clerk).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{query}: {b}");
        assert_eq!(b["error"]["code"], code, "{query}: {b}");
    }
}
