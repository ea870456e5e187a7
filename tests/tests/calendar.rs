//! The official calendar through the API: holidays and make-up days, a year without data is an
//! explicit error, administrators load a new year, and it survives a restart.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::TimeZone;
use lianban_e2e::{TestHost, fixture, plugin};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn working_days_across_holidays_and_a_missing_year() {
    let host = TestHost::start().await;
    let clerk = host.tokens.clerk.clone();
    let due =
        |from: &str, days: u32| format!("/api/v1/calendar/working-days?from={from}&days={days}");

    // National Day 2026: 10-01..10-07 off, Saturday 10-10 a make-up working day.
    let (s, b) = host.get(&due("2026-09-30", 5), &clerk).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["due"], "2026-10-13");
    // Spring Festival 2025 with its make-up Sunday 01-26.
    let (_, b) = host.get(&due("2025-01-24", 2), &clerk).await;
    assert_eq!(b["due"], "2025-01-27");
    let (_, b) = host.get(&due("2025-01-27", 1), &clerk).await;
    assert_eq!(b["due"], "2025-02-05");
    let (_, b) = host.get("/api/v1/calendar/2026", &clerk).await;
    assert!(
        b["days"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["date"] == "2026-10-10" && d["isOffDay"] == false)
    );

    // 2027 has no official data yet: an error, never a silent weekends-only answer.
    let (s, b) = host.get(&due("2027-03-01", 1), &clerk).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(b["error"]["code"], "calendar_year_missing");
    let (s, _) = host.get(&due("2026-12-30", 5), &clerk).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "counting into 2027 needs 2027");
    let (s, _) = host.get("/api/v1/calendar/2027", &clerk).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Pre-checks on a day of 2027 still judge the application, and say the deadline is unknown.
    host.install(
        "birth-medical-certificate",
        plugin("birth-medical-certificate"),
    )
    .await;
    host.clock
        .set(chrono::Utc.with_ymd_and_hms(2027, 1, 4, 4, 0, 0).unwrap());
    let (s, report) = host.precheck(&fixture("newborn-window-complete")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(report["expected_acceptance"], serde_json::Value::Null);
    let bmc = &report["matters"][0];
    assert_eq!(bmc["status"], "checked");
    assert_eq!(bmc["deadline_error"]["code"], "calendar.unavailable");
    assert!(
        bmc["deadline_error"]["message"]
            .as_str()
            .unwrap()
            .contains("2027")
    );

    // Administrators load 2027; empty and inconsistent notices are refused.
    let admin = host.tokens.admin.clone();
    let (s, b) = host
        .put(
            "/api/v1/calendar/2027",
            &admin,
            &json!({ "year": 2027, "days": [] }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(b["error"]["code"], "calendar_invalid");
    let (s, _) = host
        .put("/api/v1/calendar/2028", &admin, &json!({ "year": 2027, "days": [{ "name": "元旦", "date": "2027-01-01", "isOffDay": true }] }))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let duplicate = json!({ "year": 2027, "days": [
        { "name": "元旦", "date": "2027-01-01", "isOffDay": true },
        { "name": "元旦", "date": "2027-01-01", "isOffDay": false }
    ]});
    let (s, _) = host.put("/api/v1/calendar/2027", &admin, &duplicate).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let notice = json!({
        "year": 2027,
        "papers": ["（测试用）"],
        "days": [
            { "name": "元旦", "date": "2027-01-01", "isOffDay": true },
            { "name": "春节", "date": "2027-02-06", "isOffDay": false },
            { "name": "春节", "date": "2027-02-08", "isOffDay": true }
        ]
    });
    let (s, b) = host.put("/api/v1/calendar/2027", &admin, &notice).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    // Friday 2027-02-05 + 1: Saturday 02-06 is a make-up working day.
    let (_, b) = host.get(&due("2027-02-05", 1), &clerk).await;
    assert_eq!(b["due"], "2027-02-06");
    // Saturday 02-06 + 1 skips Sunday and the holiday Monday 02-08.
    let (_, b) = host.get(&due("2027-02-06", 1), &clerk).await;
    assert_eq!(b["due"], "2027-02-09");
    let (_, report) = host.precheck(&fixture("newborn-window-complete")).await;
    assert_eq!(report["expected_acceptance"], "2027-01-05");

    // The loaded year survives a restart.
    let (data, dir) = host.stop().await;
    let host = TestHost::start_in(data, None).await;
    let (s, b) = host.get(&due("2027-02-05", 1), &host.tokens.clerk).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(b["due"], "2027-02-06");
    let (_, years) = host.get("/api/v1/calendar", &host.tokens.clerk).await;
    let y2027 = years
        .as_array()
        .unwrap()
        .iter()
        .find(|y| y["year"] == 2027)
        .unwrap();
    assert_eq!(y2027["source"], "loaded");
    drop(host.stop().await);
    drop(dir);
}
