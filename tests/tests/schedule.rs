//! Effective dates: a rules version scheduled to become active at a moment switches on its own
//! at that moment — across a restart in between — and the switch is in the activation history.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use lianban_e2e::{TestHost, component};
use reqwest::StatusCode;
use serde_json::{Value, json};

const MATTER: &str = "birth-registration";

async fn active_sha(host: &TestHost) -> String {
    let (status, active) = host
        .get(
            &format!("/api/v1/matters/{MATTER}/active"),
            &host.tokens.clerk,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{active}");
    active["sha256"].as_str().unwrap().to_owned()
}

async fn schedule(host: &TestHost, token: &str, body: Value) -> (StatusCode, Value) {
    host.post(&format!("/api/v1/matters/{MATTER}/schedules"), token, &body)
        .await
}

async fn delete(host: &TestHost, path: &str) -> StatusCode {
    host.client
        .delete(host.url(path))
        .bearer_auth(&host.tokens.admin)
        .send()
        .await
        .unwrap()
        .status()
}

fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339).unwrap().into()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scheduled_version_becomes_active_at_its_moment_even_across_a_restart() {
    let host = TestHost::start().await;
    host.install_demo_plugins().await;
    let v1 = active_sha(&host).await;
    let (status, v2) = host
        .upload(
            MATTER,
            host.tokens.department("public-security"),
            component("lianban-guest-registration-v2"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v2}");
    let v2 = v2["sha256"].as_str().unwrap().to_owned();

    // Bad requests: a moment without an offset, one already past, both forms at once, a version
    // that does not exist, and a department trying to schedule.
    let admin = host.tokens.admin.clone();
    for (body, code) in [
        (
            json!({"sha256": v2, "at": "2026-12-01T00:00:00"}),
            "invalid_schedule",
        ),
        (
            json!({"sha256": v2, "on": "2026-12-32"}),
            "invalid_schedule",
        ),
        (
            json!({"sha256": v2, "at": "2026-11-27T00:00:00+08:00"}),
            "schedule_in_past",
        ),
        (
            json!({"sha256": v2, "on": "2026-12-01", "at": "2026-12-01T00:00:00+08:00"}),
            "invalid_schedule",
        ),
        (
            json!({"sha256": "0".repeat(64), "on": "2026-12-01"}),
            "unknown_version",
        ),
    ] {
        let (status, err) = schedule(&host, &admin, body.clone()).await;
        assert!(status.is_client_error(), "{body}: {status} {err}");
        assert_eq!(err["error"]["code"], code, "{body}: {err}");
    }
    let (status, _) = schedule(
        &host,
        host.tokens.department("public-security"),
        json!({"sha256": v2, "on": "2026-12-01"}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // 2.0.0 takes effect on 1 December 2026, from 00:00 China time.
    let (status, set) = schedule(
        &host,
        &admin,
        json!({"sha256": v2, "on": "2026-12-01", "reason": "新办法自 12 月 1 日起施行"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{set}");
    assert_eq!(set["at"], "2026-12-01T00:00:00+08:00");
    assert_eq!(set["version"], "2.0.0");

    // Background passes run every half second; before the moment nothing changes.
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    assert_eq!(active_sha(&host).await, v1);

    // The host goes down and comes back before the moment: the schedule is still there.
    let (data, dir) = host.stop().await;
    let host = TestHost::start_in(data, None).await;
    let (_, pending) = host
        .get(
            &format!("/api/v1/matters/{MATTER}/schedules"),
            &host.tokens.admin,
        )
        .await;
    assert_eq!(pending.as_array().unwrap().len(), 1, "{pending}");
    assert_eq!(pending[0]["sha256"], v2);
    assert_eq!(active_sha(&host).await, v1);

    // One second before: still 1.1.0. At the moment: 2.0.0, without anyone asking.
    host.clock.set(at("2026-11-30T23:59:59+08:00"));
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    assert_eq!(active_sha(&host).await, v1);
    host.clock.set(at("2026-12-01T00:00:00+08:00"));
    let deadline = Instant::now() + Duration::from_secs(10);
    while active_sha(&host).await != v2 {
        assert!(
            Instant::now() < deadline,
            "the scheduled switch did not happen"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The switch is in the history, naming the schedule and its reason; nothing is pending.
    let (_, history) = host
        .get(
            &format!("/api/v1/matters/{MATTER}/activations"),
            &host.tokens.admin,
        )
        .await;
    let last = history.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["sha256"], v2);
    assert_eq!(last["previous"], v1);
    assert_eq!(last["activated_by"], "schedule:管理员");
    assert!(
        last["reason"]
            .as_str()
            .unwrap()
            .contains("新办法自 12 月 1 日起施行"),
        "{last}"
    );
    let (_, pending) = host
        .get(
            &format!("/api/v1/matters/{MATTER}/schedules"),
            &host.tokens.admin,
        )
        .await;
    assert_eq!(pending, json!([]));

    // A schedule can be cancelled, once.
    let (status, _) = schedule(
        &host,
        &host.tokens.admin,
        json!({"sha256": v1, "at": "2027-01-01T08:00:00+08:00"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let path = format!("/api/v1/matters/{MATTER}/schedules/{v1}");
    assert_eq!(delete(&host, &path).await, StatusCode::NO_CONTENT);
    assert_eq!(delete(&host, &path).await, StatusCode::NOT_FOUND);
    drop(host.stop().await);
    drop(dir);
}

/// Replays `sha` against the version in service and marks the report reviewed.
async fn replay_and_review(host: &TestHost, sha: &str) {
    let path = format!("/api/v1/matters/{MATTER}/versions/{sha}/replay");
    let (status, report) = host.post(&path, &host.tokens.admin, &json!(null)).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let (status, body) = host
        .post(&format!("{path}/review"), &host.tokens.admin, &json!(null))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// With review required, a scheduled activation is held to the same gate as a manual one, at
/// the moment it falls due: its replay must have been run against the version in service
/// then, not the one in service when it was scheduled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scheduled_version_passes_the_replay_review_gate_at_its_moment() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = lianban::Config::new(dir.path());
    config.require_replay_review = true;
    let host = TestHost::start_in(dir.path().to_path_buf(), Some(config)).await;
    let police = host.tokens.department("public-security").to_owned();
    let (status, grant) = host
        .put(
            &format!("/api/v1/matters/{MATTER}/capabilities"),
            &host.tokens.admin,
            &json!({ "capabilities": ["elicense"] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{grant}");
    let mut shas = Vec::new();
    for bytes in [
        lianban_e2e::plugin(MATTER),
        component("lianban-guest-registration-v2"),
        component("lianban-guest-elicense-prober"),
    ] {
        let (status, v) = host.upload(MATTER, &police, bytes).await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
        shas.push(v["sha256"].as_str().unwrap().to_owned());
    }
    let (v1, v2, other) = (&shas[0], &shas[1], &shas[2]);
    replay_and_review(&host, v1).await;
    assert_eq!(host.activate(MATTER, v1).await.0, StatusCode::OK);

    // v2 is reviewed against v1 and scheduled.
    replay_and_review(&host, v2).await;
    let (status, set) = schedule(
        &host,
        &host.tokens.admin,
        json!({"sha256": v2, "on": "2026-12-01"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{set}");

    // Before the moment, another reviewed version goes into service.
    replay_and_review(&host, other).await;
    assert_eq!(host.activate(MATTER, other).await.0, StatusCode::OK);

    // At the moment, v2's review is out of date: it does not go into service, and waits.
    host.clock.set(at("2026-12-01T00:00:00+08:00"));
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(&active_sha(&host).await, other);
    let (_, pending) = host
        .get(
            &format!("/api/v1/matters/{MATTER}/schedules"),
            &host.tokens.admin,
        )
        .await;
    assert_eq!(pending.as_array().unwrap().len(), 1, "{pending}");
    // A manual activation is refused for the same reason.
    let (status, refused) = host.activate(MATTER, v2).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(refused["error"]["code"], "replay_outdated");

    // Reviewed again, against what is in service now: the next pass carries the schedule out.
    replay_and_review(&host, v2).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while &active_sha(&host).await != v2 {
        assert!(
            Instant::now() < deadline,
            "the reviewed schedule did not run"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (_, history) = host
        .get(
            &format!("/api/v1/matters/{MATTER}/activations"),
            &host.tokens.admin,
        )
        .await;
    let last = history.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["activated_by"], "schedule:管理员", "{last}");
    drop(host.stop().await);
}
