//! Shadow replay: recent pre-check inputs are kept per matter (bounded), a candidate version is
//! run beside the one in service on them, and the report says what would change — and, where
//! the host requires it, a version goes into service only after its replay was reviewed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use lianban::Config;
use lianban_e2e::{TestHost, component, drop_material, fixture, plugin, set_field};
use reqwest::StatusCode;
use serde_json::{Value, json};

const MATTER: &str = "birth-registration";

async fn replay(host: &TestHost, sha: &str, token: &str) -> (StatusCode, Value) {
    host.post(
        &format!("/api/v1/matters/{MATTER}/versions/{sha}/replay"),
        token,
        &json!(null),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replay_shows_what_a_candidate_would_change_and_activation_can_wait_for_its_review() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path());
    // Three inputs per matter are kept: the fourth pre-check overwrites the oldest.
    config.replay_inputs = 3;
    config.require_replay_review = true;
    let host = TestHost::start_in(dir.path().to_path_buf(), Some(config)).await;
    // With review required, even the first versions need a replay (against nothing in service).
    for m in lianban_e2e::NEWBORN {
        let token = host
            .tokens
            .department(&lianban_e2e::department_of(m))
            .to_owned();
        let (status, v) = host.upload(m, &token, plugin(m)).await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
        let sha = v["sha256"].as_str().unwrap().to_owned();
        host.grant_declared(m, &v).await;
        let (status, refused) = host.activate(m, &sha).await;
        assert_eq!(status, StatusCode::CONFLICT, "{refused}");
        assert_eq!(refused["error"]["code"], "replay_not_reviewed");
        let path = format!("/api/v1/matters/{m}/versions/{sha}/replay");
        let (status, report) = host.post(&path, &host.tokens.admin, &json!(null)).await;
        assert_eq!(status, StatusCode::OK, "{report}");
        assert_eq!(report["against"], Value::Null);
        let (status, _) = host
            .post(&format!("{path}/review"), &host.tokens.admin, &json!(null))
            .await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = host.activate(m, &sha).await;
        assert_eq!(status, StatusCode::OK);
    }
    let (_, active) = host
        .get(
            &format!("/api/v1/matters/{MATTER}/active"),
            &host.tokens.clerk,
        )
        .await;
    let v1 = active["sha256"].as_str().unwrap().to_owned();

    // Four pre-checks at the window: two complete, one without the household register, one
    // with a child born in the future.
    let complete = fixture("newborn-window-complete");
    let mut no_register = complete.clone();
    drop_material(&mut no_register, "household-register");
    let mut future_birth = complete.clone();
    set_field(&mut future_birth, "child.birth-date", "2027-01-01");
    for app in [&complete, &no_register, &complete, &future_birth] {
        let (status, report) = host.precheck(app).await;
        assert_eq!(status, StatusCode::OK, "{report}");
    }

    // 2.0.0 arrives. A department may not replay; the bureau may.
    let (status, v2) = host
        .upload(
            MATTER,
            host.tokens.department("public-security"),
            component("lianban-guest-registration-v2"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v2}");
    let v2 = v2["sha256"].as_str().unwrap().to_owned();
    let (status, _) = replay(&host, &v2, host.tokens.department("public-security")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, report) = replay(&host, &v2, &host.tokens.admin).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let totals = &report["totals"];
    // The ring kept the last three inputs.
    assert_eq!(totals["inputs"], 3, "{report:#}");
    // 2.0.0 promises the same day instead of one working day: every deadline moves.
    assert_eq!(totals["deadlines_changed"], 3, "{report:#}");
    assert_eq!(totals["inputs_changed"], 3);
    let change = &report["changes"][0];
    assert_ne!(change["deadline_before"], change["deadline_after"]);
    assert_eq!(report["against"], v1);
    assert_eq!(report["candidate_version"], "2.0.0");
    // The report names inputs by number and date, never the applicant.
    let text = report.to_string();
    for personal in ["王小雨", "410702199205050027", "13812345678"] {
        assert!(!text.contains(personal), "{personal} leaked into {text}");
    }

    // The version in service replayed against itself changes nothing.
    let (status, same) = replay(&host, &v1, &host.tokens.admin).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        same["totals"],
        json!({"inputs": 3, "inputs_changed": 0, "outcomes_changed": 0, "findings_added": 0,
               "findings_removed": 0, "deadlines_changed": 0, "failures": 0})
    );
    assert_eq!(same["changes"], json!([]));
    let review_v1 = format!("/api/v1/matters/{MATTER}/versions/{v1}/replay/review");
    let (status, _) = host
        .post(&review_v1, &host.tokens.admin, &json!(null))
        .await;
    assert_eq!(status, StatusCode::OK);

    // Not reviewed yet: neither activation nor a schedule is accepted.
    let (status, refused) = host.activate(MATTER, &v2).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(refused["error"]["code"], "replay_not_reviewed");
    let (status, refused) = host
        .post(
            &format!("/api/v1/matters/{MATTER}/schedules"),
            &host.tokens.admin,
            &json!({"sha256": v2, "on": "2026-12-01"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");

    let review = format!("/api/v1/matters/{MATTER}/versions/{v2}/replay/review");
    let (status, reviewed) = host.post(&review, &host.tokens.admin, &json!(null)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(reviewed["reviewed_by"], "管理员");
    let (_, latest) = host
        .get(
            &format!("/api/v1/matters/{MATTER}/versions/{v2}/replay"),
            &host.tokens.admin,
        )
        .await;
    assert_eq!(latest, reviewed);
    let (status, activation) = host.activate(MATTER, &v2).await;
    assert_eq!(status, StatusCode::OK, "{activation}");

    // Going back to 1.1.0 now needs a replay against 2.0.0: the reviewed one compared 1.1.0
    // with itself.
    let (status, refused) = host.activate(MATTER, &v1).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(refused["error"]["code"], "replay_outdated");
    drop(host.stop().await);
    drop(dir);
}

/// Recorded inputs are applicants' data: made smaller, the ring gives up what lies beyond it at
/// the first pre-check after the restart, not whenever those slots happen to be overwritten.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_smaller_ring_forgets_what_lies_beyond_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path());
    config.replay_inputs = 5;
    let host = TestHost::start_in(dir.path().to_path_buf(), Some(config)).await;
    host.install_demo_plugins().await;
    for _ in 0..5 {
        let (status, _) = host.precheck(&fixture("newborn-window-complete")).await;
        assert_eq!(status, StatusCode::OK);
    }
    // The recorder writes on its own thread: wait (bounded) until the store holds `n`.
    async fn recorded(host: &TestHost, n: usize) -> usize {
        let mut seen = 0;
        for _ in 0..300 {
            seen = lianban::store::PluginStore::replay_inputs(host.state.store.as_ref(), MATTER)
                .unwrap()
                .len();
            if seen == n {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        seen
    }
    assert_eq!(recorded(&host, 5).await, 5);

    let (data, _dir_kept) = host.stop().await;
    let mut config = Config::new(&data);
    config.replay_inputs = 2;
    let host = TestHost::start_in(data, Some(config)).await;
    let (status, _) = host.precheck(&fixture("newborn-window-complete")).await;
    assert_eq!(status, StatusCode::OK);
    // Trimmed before the pre-check answered; its own input then takes one of the two slots.
    assert_eq!(recorded(&host, 2).await, 2);
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(recorded(&host, 2).await, 2);
    drop(dir);
}
