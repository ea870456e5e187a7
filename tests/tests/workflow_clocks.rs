//! The workflow's clocks (第十五条、第十六条、第二十四条): warnings and overdue alerts on the
//! audit trail, and deadlines counted once the year's calendar is loaded.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::TimeZone;
use lianban_e2e::journey::item;
use lianban_e2e::{NEWBORN, TestHost, intake, plugin, received_case};
use reqwest::StatusCode;
use serde_json::{Value, json};

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
