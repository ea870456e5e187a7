//! Retention and the person's export (issue 19, item 8): once its period after archive has
//! passed, an archived case's personal values are anonymised on its audit trail while the
//! archive record stays; recorded rules inputs and sent messages are purged after theirs; the
//! material files only such cases used are deleted. All on the host's clock, moved by the test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use lianban::clock::Clock;
use lianban::store::{OutboxStore, PluginStore};
use lianban::workflow::service::ANONYMISED;
use lianban_e2e::journey::{finish, window};
use lianban_e2e::{APPLICANT_ID, NEWBORN, TestHost, intake, upload_file};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn take_in(host: &TestHost, scans: &[&str]) -> String {
    let mut body = intake("window", json!({ "mode": "together" }), scans[0]);
    // The last material carries the other scans too.
    if let Some(last) = body["materials"].as_array_mut().unwrap().last_mut() {
        last["files"] = json!(scans);
    }
    let (s, case) = host.post("/api/v1/cases", &host.tokens.clerk, &body).await;
    assert_eq!(s, StatusCode::CREATED, "{case}");
    case["id"].as_str().unwrap().to_owned()
}

async fn export(host: &TestHost) -> Value {
    host.get_ok(
        &format!("/api/v1/people/{APPLICANT_ID}/export"),
        &host.tokens.admin,
    )
    .await
}

fn exported_ids(export: &Value) -> Vec<&str> {
    export["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["case"]["id"].as_str().unwrap())
        .collect()
}

async fn file_status(host: &TestHost, sha256: &str) -> StatusCode {
    host.get(&format!("/api/v1/files/{sha256}"), &host.tokens.clerk)
        .await
        .0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn archived_cases_are_anonymised_and_their_traces_purged_when_their_periods_pass() {
    let host = TestHost::start_with(|c| {
        c.retention.personal_days = 30;
        c.retention.replay_input_days = 7;
        c.retention.sent_message_days = 7;
        // The background pass runs at start only; the test runs the passes it looks at.
        c.retention.every = Duration::from_secs(24 * 3600);
    })
    .await;
    host.install_plugins(NEWBORN).await;
    let clerk = host.tokens.clerk.clone();
    let shared = host.scan(&clerk).await;
    let (s, own) = upload_file(&host, &clerk, b"%PDF-1.7\n% only the archived case\n").await;
    assert_eq!(s, StatusCode::CREATED, "{own}");
    let own = own["sha256"].as_str().unwrap().to_owned();

    // One case through to archive, one still open; both 李芳's, sharing one scan.
    let archived = take_in(&host, &[&own, &shared]).await;
    for m in NEWBORN {
        finish(&host, &archived, m).await;
    }
    for action in ["deliver", "archive"] {
        let (s, b) = window(&host, &archived, json!({ "action": action })).await;
        assert_eq!(s, StatusCode::OK, "{b}");
    }
    let open = take_in(&host, &[&shared]).await;

    // The export finds both by her number, in full, and records itself on each.
    let before = export(&host).await;
    assert_eq!(
        exported_ids(&before),
        vec![archived.as_str(), open.as_str()]
    );
    assert_eq!(
        before["cases"][0]["case"]["applicant"]["id_number"],
        APPLICANT_ID
    );
    assert!(
        before["cases"][0]["reads"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["full"] == true && r["purpose"] == "export"),
        "{before:#}"
    );
    let (s, b) = host
        .get(&format!("/api/v1/people/{APPLICANT_ID}/export"), &clerk)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    let (s, b) = host
        .get("/api/v1/people/4107021992/export", &host.tokens.admin)
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");

    // Inputs were recorded and SMS sent, for the purges to find.
    assert!(
        !host
            .state
            .store
            .replay_inputs("birth-registration")
            .unwrap()
            .is_empty()
    );
    for _ in 0..100 {
        if !host.state.store.sent_messages(10).unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        !host.state.store.sent_messages(10).unwrap().is_empty(),
        "no SMS sent"
    );

    // Day 29 after archive: within every period but the inputs' and the sent log's.
    let archived_at = host.clock.now();
    host.clock.set(archived_at + chrono::Duration::days(29));
    let report = lianban::retention::run(&host.state).unwrap();
    assert!(report.anonymised.is_empty(), "{report:?}");
    assert!(
        report.inputs_purged > 0 && report.messages_purged > 0,
        "{report:?}"
    );
    assert!(
        host.state
            .store
            .replay_inputs("birth-registration")
            .unwrap()
            .is_empty()
    );
    assert!(host.state.store.sent_messages(10).unwrap().is_empty());

    // Day 31: the archived case is anonymised; its own scan goes, the shared one stays.
    host.clock.set(archived_at + chrono::Duration::days(31));
    let report = lianban::retention::run(&host.state).unwrap();
    assert_eq!(report.anonymised, vec![archived.clone()], "{report:?}");
    assert_eq!(report.files_deleted, 1, "{report:?}");
    assert_eq!(file_status(&host, &own).await, StatusCode::NOT_FOUND);
    assert_eq!(file_status(&host, &shared).await, StatusCode::OK);
    let stored = host.state.workflow.case(&archived).unwrap();
    assert_eq!(stored.applicant.name, ANONYMISED);
    assert_eq!(stored.applicant.id_number, ANONYMISED);
    assert_eq!(stored.applicant.mobile, ANONYMISED);
    assert!(
        stored.fields.values().all(|v| v == ANONYMISED),
        "{:?}",
        stored.fields
    );
    assert!(stored.anonymised_at.is_some());
    // The archive record stays: receipt, matters, decisions, and a trail that verifies.
    let (s, record) = host
        .get(
            &format!("/api/v1/cases/{archived}/archive"),
            &host.tokens.admin,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{record}");
    assert_eq!(record["audit_verified"], true, "{record:#}");
    assert!(record["receipt"]["number"].is_string(), "{record:#}");
    assert_eq!(
        record["results"].as_array().map(Vec::len),
        Some(NEWBORN.len())
    );
    let (_, trail) = host
        .get(
            &format!("/api/v1/cases/{archived}/events"),
            &host.tokens.admin,
        )
        .await;
    assert_eq!(trail["verified"], true);
    assert!(
        trail["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["command"] == "anonymise" && e["actor"] == "保存期限"),
        "{trail:#}"
    );
    // The open case keeps everything; the export now finds only it.
    let kept = host.state.workflow.case(&open).unwrap();
    assert_eq!(kept.applicant.id_number, APPLICANT_ID);
    assert_eq!(exported_ids(&export(&host).await), vec![open.as_str()]);

    // A second pass has nothing left to do.
    let again = lianban::retention::run(&host.state).unwrap();
    assert_eq!(again, Default::default());
}
