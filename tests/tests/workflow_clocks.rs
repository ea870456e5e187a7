//! The workflow's clocks (第十五条、第十六条、第二十四条): warnings and overdue alerts on the
//! audit trail, and deadlines counted once the year's calendar is loaded.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::TimeZone;
use lianban::workflow::outbox::Message;
use lianban_e2e::journey::{act, item};
use lianban_e2e::{NEWBORN, TestHost, intake, plugin, received_case};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// 电子监察's cards on an injected clock: a yellow card when a clock has used 80% of its promised
/// working days, a red card when it is overdue, each once, on the audit trail and to the
/// department's system and duty phone; the red card's written explanation is kept with the
/// case; a suspended clock (特别程序) raises nothing however long it stands.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clocks_raise_yellow_and_red_cards() {
    let host = TestHost::start().await;
    for m in NEWBORN {
        host.install(m, plugin(m)).await;
    }
    let admin = host.tokens.admin.clone();
    let (s, b) = host
        .put(
            "/api/v1/departments/health/duty-phone",
            &admin,
            &json!({ "mobile": "13900001111" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, _) = host
        .put(
            "/api/v1/departments/health/duty-phone",
            &admin,
            &json!({ "mobile": "010-1234" }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let clerk = host.tokens.clerk.clone();
    host.clock
        .set(chrono::Utc.with_ymd_and_hms(2026, 11, 23, 4, 0, 0).unwrap());
    // Received Monday 11-23: acceptance due Tuesday 11-24, one working day.
    let id = received_case(&host, &clerk).await;
    // A second case whose birth certificate is accepted and then suspended (特别程序).
    let still = received_case(&host, &clerk).await;
    for body in [
        json!({ "action": "accept" }),
        json!({ "action": "suspend", "kind": "testing", "reason": "需做亲子鉴定" }),
    ] {
        let (s, b) = act(&host, &still, BMC, "health", body).await;
        assert_eq!(s, StatusCode::OK, "{b}");
    }
    // Monday: nothing used of the one working day yet.
    assert!(host.state.workflow.tick().unwrap().is_empty());
    // Tuesday: the day is the whole of it (at least 80%): yellow.
    host.clock
        .set(chrono::Utc.with_ymd_and_hms(2026, 11, 24, 4, 0, 0).unwrap());
    let yellow = format!("acceptance:{BMC}:warning");
    assert_eq!(
        host.state.workflow.tick().unwrap(),
        vec![(id.clone(), yellow.clone())]
    );
    // Raised once: the next pass on the same day raises nothing.
    assert!(host.state.workflow.tick().unwrap().is_empty());
    // Wednesday: overdue, red. The suspended clock of the other case, two days on, is quiet.
    host.clock
        .set(chrono::Utc.with_ymd_and_hms(2026, 11, 25, 4, 0, 0).unwrap());
    let red = format!("acceptance:{BMC}:overdue");
    assert_eq!(
        host.state.workflow.tick().unwrap(),
        vec![(id.clone(), red.clone())]
    );
    host.clock
        .set(chrono::Utc.with_ymd_and_hms(2026, 12, 25, 4, 0, 0).unwrap());
    assert!(host.state.workflow.tick().unwrap().is_empty());
    let (_, quiet) = host.get(&format!("/api/v1/cases/{still}"), &admin).await;
    assert!(quiet["cards"].is_null(), "{quiet:#}");

    // The department's system and its duty phone heard of both cards.
    let hooks: Vec<String> = host
        .outbox()
        .into_iter()
        .filter_map(|m| match m {
            Message::Webhook { status, .. } => Some(status),
            _ => None,
        })
        .collect();
    assert!(
        hooks.contains(&"yellow_card".to_owned()) && hooks.contains(&"red_card".to_owned()),
        "{hooks:?}"
    );
    let texts: Vec<String> = host
        .outbox()
        .into_iter()
        .filter_map(|m| match m {
            Message::DutySms { department, text } if department == "health" => Some(text),
            _ => None,
        })
        .collect();
    assert_eq!(texts.len(), 2, "{texts:?}");
    assert!(texts[0].contains("黄牌") && texts[1].contains("红牌") && texts[1].contains(&id));

    // The bureau's list, and what still needs a written explanation.
    let (_, waiting) = host
        .get("/api/v1/supervision/cards?unexplained=true", &admin)
        .await;
    assert_eq!(waiting.as_array().unwrap().len(), 1, "{waiting:#}");
    assert_eq!(waiting[0]["case_id"], id);
    assert_eq!(waiting[0]["card"]["level"], "red");

    // Only the department whose clock it is explains it, once, in writing.
    let clock = format!("acceptance:{BMC}");
    let at = format!("/api/v1/cases/{id}/cards/{clock}/explanation");
    let explanation = json!({ "text": "当日助产机构系统故障，出生信息无法调取。" });
    let (s, _) = host
        .post(&at, host.tokens.department("public-security"), &explanation)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = host
        .post(
            &at,
            host.tokens.department("health"),
            &json!({ "text": " " }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, case) = host
        .post(&at, host.tokens.department("health"), &explanation)
        .await;
    assert_eq!(s, StatusCode::OK, "{case}");
    let card = case["cards"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["level"] == "red")
        .unwrap()
        .clone();
    assert_eq!(card["explanation"]["text"], explanation["text"]);
    let (s, _) = host
        .post(&at, host.tokens.department("health"), &explanation)
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "explained once");
    let (_, waiting) = host
        .get("/api/v1/supervision/cards?unexplained=true", &admin)
        .await;
    assert_eq!(waiting, json!([]));

    // All of it on the audit trail.
    let (_, audit) = host
        .get(&format!("/api/v1/cases/{id}/events"), &admin)
        .await;
    let commands: Vec<(&str, &str)> = audit["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["command"] == "raise_alert" || e["command"] == "explain_card")
        .map(|e| {
            (
                e["command"].as_str().unwrap(),
                e["actor"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(commands.len(), 3, "{commands:?}");
    assert_eq!(commands[0], ("raise_alert", "电子监察"));
    assert_eq!(commands[2].0, "explain_card");
    let (s, overdue) = host
        .get("/api/v1/supervision/clocks?state=overdue", &admin)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(overdue.as_array().unwrap().len(), 1);
    assert_eq!(overdue[0]["case_id"], id);
    drop(host.stop().await);
}

/// Every message the host has queued or sent.
const BMC: &str = "birth-medical-certificate";

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
