//! The catalog and its guides (第四条–第九条): the shared dictionary, and guides generated from
//! the catalog and the active rules.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use lianban_e2e::{TestHost, component};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugin_using_a_field_outside_the_dictionary_is_refused_until_the_bureau_adds_it() {
    let host = TestHost::start().await;
    let hrss = host.tokens.department("hrss").to_owned();
    let bytes = component("lianban-guest-unknown-field");

    let (s, body) = host
        .upload("social-security-card", &hrss, bytes.clone())
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "plugin_manifest_invalid");
    let problems = body["error"]["details"]["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].as_str().unwrap().contains("card.pickup-point"),
        "{problems:?}"
    );
    let (_, versions) = host
        .get("/api/v1/matters/social-security-card/versions", &hrss)
        .await;
    assert_eq!(versions, json!([]));

    // A department cannot register dictionary entries; the bureau can, and anyone can read them.
    let entry = json!({ "label": "社保卡领取网点", "kind": "text" });
    let path = "/api/v1/dictionary/fields/card.pickup-point";
    let (s, _) = host.put(path, &hrss, &entry).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, body) = host.put(path, &host.tokens.admin, &entry).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (s, dict) = host.get("/api/v1/dictionary", "").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        dict["fields"]["card.pickup-point"]["label"],
        "社保卡领取网点"
    );
    assert_eq!(
        dict["materials"]["birth-medical-certificate"]["elicense"],
        "出生医学证明"
    );

    let (s, body) = host.upload("social-security-card", &hrss, bytes).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let sha = body["sha256"].as_str().unwrap().to_owned();
    let (s, _) = host.activate("social-security-card", &sha).await;
    assert_eq!(s, StatusCode::OK);

    // While active rules use the field as text, its kind cannot change under them.
    let (s, body) = host
        .put(
            path,
            &host.tokens.admin,
            &json!({ "label": "领取网点", "kind": "choice", "choices": ["红旗区社保中心"] }),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "dictionary_entry_in_use");
    // Rewording is fine.
    let (s, _) = host
        .put(
            path,
            &host.tokens.admin,
            &json!({ "label": "社会保障卡领取网点", "kind": "text" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    // Bad entries get their 4xx.
    let (s, body) = host
        .put(
            "/api/v1/dictionary/fields/Bad.Key",
            &host.tokens.admin,
            &entry,
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "dictionary_entry_invalid");
    let (s, _) = host
        .put(
            "/api/v1/dictionary/fields/card.kind",
            &host.tokens.admin,
            &json!({ "label": "卡类型", "kind": "choice" }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    drop(host.stop().await);
}
