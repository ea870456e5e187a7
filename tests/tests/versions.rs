//! Stored versions are bounded (`host/src/registry/quota.rs`): a department holds at most a
//! quota of versions never put into service, and may delete those; a version that was in
//! service, or is scheduled to be, stays.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use lianban::Config;
use lianban::store::PluginStore;
use lianban_e2e::{TestHost, component, plugin};
use reqwest::StatusCode;
use serde_json::json;

const MATTER: &str = "vaccination-certificate";

async fn delete(host: &TestHost, sha: &str, token: &str) -> (StatusCode, serde_json::Value) {
    let r = host
        .client
        .delete(host.url(&format!("/api/v1/matters/{MATTER}/versions/{sha}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(serde_json::Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_department_holds_a_bounded_number_of_waiting_versions_and_may_delete_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path());
    config.max_pending_versions = 2;
    let host = TestHost::start_in(dir.path().to_path_buf(), Some(config)).await;
    let cdc = host.tokens.department("cdc").to_owned();
    let upload = |bytes: Vec<u8>| {
        let host = &host;
        let cdc = cdc.clone();
        async move { host.upload(MATTER, &cdc, bytes).await }
    };

    let (status, hostile) = upload(component("lianban-guest-hostile")).await;
    assert_eq!(status, StatusCode::CREATED, "{hostile}");
    let (status, plain) = upload(component("lianban-guest-plain-v0-1")).await;
    assert_eq!(status, StatusCode::CREATED, "{plain}");
    // A third waiting version is over the quota.
    let (status, refused) = upload(plugin(MATTER)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"]["code"], "version_quota_exceeded");
    assert_eq!(refused["error"]["details"]["max"], 2);

    // Deleting: not by another department, not anonymously, not what does not exist.
    let hostile_sha = hostile["sha256"].as_str().unwrap().to_owned();
    let police = host.tokens.department("public-security").to_owned();
    assert_eq!(
        delete(&host, &hostile_sha, &police).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        delete(&host, &hostile_sha, "").await.0,
        StatusCode::UNAUTHORIZED
    );
    let (status, body) = delete(&host, &"0".repeat(64), &cdc).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    // By its department: gone, with its component, and the quota has room again.
    let (status, body) = delete(&host, &hostile_sha, &cdc).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, _) = host
        .get(
            &format!("/api/v1/matters/{MATTER}/versions/{hostile_sha}"),
            &cdc,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(host.state.store.component(&hostile_sha).unwrap().is_none());
    let (status, real) = upload(plugin(MATTER)).await;
    assert_eq!(status, StatusCode::CREATED, "{real}");

    // A version in service stays, and keeps staying once it is replaced.
    let real_sha = real["sha256"].as_str().unwrap().to_owned();
    let (status, _) = host.activate(MATTER, &real_sha).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = delete(&host, &real_sha, &host.tokens.admin).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "version_was_active");

    // A scheduled version stays until it is unscheduled; then the bureau may delete it.
    let plain_sha = plain["sha256"].as_str().unwrap().to_owned();
    let (status, body) = host
        .post(
            &format!("/api/v1/matters/{MATTER}/schedules"),
            &host.tokens.admin,
            &json!({ "sha256": plain_sha, "on": "2027-06-01" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = delete(&host, &plain_sha, &cdc).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "version_scheduled");
    let r = host
        .client
        .delete(host.url(&format!("/api/v1/matters/{MATTER}/schedules/{plain_sha}")))
        .bearer_auth(&host.tokens.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let (status, _) = delete(&host, &plain_sha, &host.tokens.admin).await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    // The same bytes can be uploaded again later, as a new upload.
    let (status, again) = upload(component("lianban-guest-hostile")).await;
    assert_eq!(status, StatusCode::CREATED, "{again}");
    let (_, versions) = host
        .get(&format!("/api/v1/matters/{MATTER}/versions"), &cdc)
        .await;
    let listed: Vec<&str> = versions
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_str().unwrap())
        .collect();
    assert_eq!(listed.len(), 2, "{versions}");
    drop(host.stop().await);
}
