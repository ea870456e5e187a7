//! Commands that race or are retried: of two conflicting commands one wins, a retried
//! command has one effect, and its answer is committed with it; a tampered trail is caught.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use lianban_e2e::{NEWBORN, TestHost, plugin, received_case};
use reqwest::StatusCode;
use serde_json::json;

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
