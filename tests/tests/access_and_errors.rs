//! Who may do what, and what bad input gets: a 4xx in the one error shape, never a 500.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use lianban::Config;
use lianban_e2e::{TestHost, component, fixture, plugin};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn assert_error(status: StatusCode, body: &Value, expected_status: StatusCode, code: &str) {
    assert_eq!(status, expected_status, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(!message.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_are_enforced() {
    let host = TestHost::start().await;
    let clerk = host.tokens.clerk.clone();
    let admin = host.tokens.admin.clone();
    let health = host.tokens.department("health").to_owned();
    let police = host.tokens.department("public-security").to_owned();

    // No token, a malformed token, an unknown token.
    let (s, b) = host.get("/api/v1/one-things", "").await;
    assert_error(s, &b, StatusCode::UNAUTHORIZED, "unauthenticated");
    let (s, b) = host.get("/api/v1/one-things", "nonsense").await;
    assert_error(s, &b, StatusCode::UNAUTHORIZED, "unauthenticated");
    let (s, b) = host
        .get("/api/v1/one-things", &format!("lb_{}", "0".repeat(64)))
        .await;
    assert_error(s, &b, StatusCode::UNAUTHORIZED, "unauthenticated");

    // A department uploads only for its own matters.
    let (s, b) = host
        .upload("birth-registration", &health, plugin("birth-registration"))
        .await;
    assert_error(s, &b, StatusCode::FORBIDDEN, "forbidden");
    // Clerks and administrators do not upload rules.
    for token in [&clerk, &admin] {
        let (s, b) = host
            .upload("birth-registration", token, plugin("birth-registration"))
            .await;
        assert_error(s, &b, StatusCode::FORBIDDEN, "forbidden");
    }
    let (s, b) = host
        .upload("birth-registration", &police, plugin("birth-registration"))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let sha = b["sha256"].as_str().unwrap().to_owned();

    // Only administrators activate and roll back.
    for token in [&police, &clerk, &health] {
        let (s, b) = host
            .put(
                "/api/v1/matters/birth-registration/active",
                token,
                &json!({ "sha256": sha }),
            )
            .await;
        assert_error(s, &b, StatusCode::FORBIDDEN, "forbidden");
        let (s, b) = host
            .post(
                "/api/v1/matters/birth-registration/rollback",
                token,
                &json!({}),
            )
            .await;
        assert_error(s, &b, StatusCode::FORBIDDEN, "forbidden");
    }
    // 出生登记 looks up electronic certificates: only an administrator may grant that.
    let grant = json!({ "capabilities": ["elicense"] });
    let path = "/api/v1/matters/birth-registration/capabilities";
    for token in [&clerk, &health, host.tokens.department("public-security")] {
        let (s, b) = host.put(path, token, &grant).await;
        assert_error(s, &b, StatusCode::FORBIDDEN, "forbidden");
    }
    let (s, b) = host.put(path, &host.tokens.admin, &grant).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, _) = host.activate("birth-registration", &sha).await;
    assert_eq!(s, StatusCode::OK);

    // Another department cannot read a matter's versions; the owner and the bureau can.
    let (s, b) = host
        .get("/api/v1/matters/birth-registration/versions", &health)
        .await;
    assert_error(s, &b, StatusCode::FORBIDDEN, "forbidden");
    let (s, b) = host
        .get("/api/v1/matters/birth-registration/versions", &clerk)
        .await;
    assert_error(s, &b, StatusCode::FORBIDDEN, "forbidden");
    for token in [&police, &admin] {
        let (s, _) = host
            .get("/api/v1/matters/birth-registration/versions", token)
            .await;
        assert_eq!(s, StatusCode::OK);
    }
    let (s, b) = host
        .get(
            &format!("/api/v1/matters/birth-registration/versions/{sha}"),
            &health,
        )
        .await;
    assert_error(s, &b, StatusCode::FORBIDDEN, "forbidden");
    // A version is found under its own matter only, the second reading (from the registry's
    // memory) as the first.
    for _ in 0..2 {
        let (s, b) = host
            .get(
                &format!("/api/v1/matters/birth-registration/versions/{sha}"),
                &police,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert_eq!(b["sha256"], sha.as_str());
        assert_eq!(b["matter"], "birth-registration");
    }
    let (s, b) = host
        .get(
            &format!("/api/v1/matters/seal-engraving-filing/versions/{sha}"),
            &police,
        )
        .await;
    assert_error(s, &b, StatusCode::NOT_FOUND, "unknown_version");

    // Pre-checks are for the window; departments do not run them.
    let (s, b) = host
        .post(
            "/api/v1/prechecks",
            &police,
            &fixture("newborn-window-complete"),
        )
        .await;
    assert_error(s, &b, StatusCode::FORBIDDEN, "forbidden");
    // Everyone on staff reads the catalog and the calendar.
    for token in [&clerk, &admin, &police] {
        let (s, _) = host.get("/api/v1/one-things/newborn", token).await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = host.get("/api/v1/calendar", token).await;
        assert_eq!(s, StatusCode::OK);
    }
    // Only administrators load calendar years.
    let year = json!({ "year": 2027, "days": [{ "name": "元旦", "date": "2027-01-01", "isOffDay": true }] });
    let (s, b) = host.put("/api/v1/calendar/2027", &clerk, &year).await;
    assert_error(s, &b, StatusCode::FORBIDDEN, "forbidden");
    drop(host.stop().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_a_clear_4xx() {
    let host = TestHost::start().await;
    let clerk = host.tokens.clerk.clone();
    let police = host.tokens.department("public-security").to_owned();
    let c = &host.client;

    // Malformed JSON.
    let r = c
        .post(host.url("/api/v1/prechecks"))
        .bearer_auth(&clerk)
        .header("content-type", "application/json")
        .body("{\"one_thing\": \"newborn\", ")
        .send()
        .await
        .unwrap();
    let s = r.status();
    assert_error(
        s,
        &r.json().await.unwrap(),
        StatusCode::BAD_REQUEST,
        "malformed_json",
    );

    // Not JSON at all.
    let r = c
        .post(host.url("/api/v1/prechecks"))
        .bearer_auth(&clerk)
        .body("one_thing=newborn")
        .send()
        .await
        .unwrap();
    let s = r.status();
    assert_error(
        s,
        &r.json().await.unwrap(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );

    // Wrong types and unknown fields.
    let (s, b) = host
        .post(
            "/api/v1/prechecks",
            &clerk,
            &json!({ "one_thing": "newborn", "channel": 5 }),
        )
        .await;
    assert_error(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_request");
    let (s, b) = host
        .post(
            "/api/v1/prechecks",
            &clerk,
            &json!({ "one_thing": "newborn", "channel": "window", "feilds": {} }),
        )
        .await;
    assert_error(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_request");
    let (s, b) = host
        .post(
            "/api/v1/prechecks",
            &clerk,
            &json!({ "one_thing": "newborn", "channel": "window", "materials": [{ "code": "x", "form": "original", "valid_until": "2026-02-30" }] }),
        )
        .await;
    assert_error(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_request");

    // Unknown codes.
    let (s, b) = host
        .post(
            "/api/v1/prechecks",
            &clerk,
            &json!({ "one_thing": "nope", "channel": "window" }),
        )
        .await;
    assert_error(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "unknown_one_thing");
    let (s, b) = host.get("/api/v1/one-things/nope", &clerk).await;
    assert_error(s, &b, StatusCode::NOT_FOUND, "unknown_one_thing");
    let (s, b) = host
        .upload("nope", &police, plugin("birth-registration"))
        .await;
    assert_error(s, &b, StatusCode::NOT_FOUND, "unknown_matter");
    let (s, b) = host.activate("birth-registration", &"0".repeat(64)).await;
    assert_error(s, &b, StatusCode::NOT_FOUND, "unknown_version");
    let (s, b) = host
        .post(
            "/api/v1/matters/birth-registration/rollback",
            &host.tokens.admin,
            &json!({}),
        )
        .await;
    assert_error(s, &b, StatusCode::CONFLICT, "nothing_to_roll_back");
    let (s, b) = host
        .get("/api/v1/matters/birth-registration/active", &clerk)
        .await;
    assert_error(s, &b, StatusCode::NOT_FOUND, "no_active_version");

    // Keys outside the dictionary's syntax, duplicated materials.
    let mut app = fixture("newborn-window-complete");
    app["fields"]["../../etc/passwd"] = json!("x");
    let (s, b) = host.precheck(&app).await;
    assert_error(
        s,
        &b,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_application",
    );
    let mut app = fixture("newborn-window-complete");
    let first = app["materials"][0].clone();
    app["materials"].as_array_mut().unwrap().push(first);
    let (s, b) = host.precheck(&app).await;
    assert_error(
        s,
        &b,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_application",
    );

    // A body just over the JSON limit (1 MiB). Only a little over: the server answers 413 and
    // closes without reading the rest, and a client still writing a large remainder at that
    // moment sees a reset instead of the answer.
    let mut app = fixture("newborn-window-complete");
    app["fields"]["child.name"] = json!("王".repeat(360_000));
    let (s, b) = host.precheck(&app).await;
    assert_error(s, &b, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");

    // Garbage uploads.
    let (s, b) = host
        .upload(
            "birth-registration",
            &police,
            b"definitely not wasm".to_vec(),
        )
        .await;
    assert_error(
        s,
        &b,
        StatusCode::UNPROCESSABLE_ENTITY,
        "plugin_not_a_component",
    );
    let (s, b) = host
        .upload("birth-registration", &police, b"\0asm\x01\0\0\0".to_vec())
        .await;
    assert_error(
        s,
        &b,
        StatusCode::UNPROCESSABLE_ENTITY,
        "plugin_not_a_component",
    );
    let (s, b) = host
        .upload("birth-registration", &police, b"\0asm\x0d\0\x01\0".to_vec())
        .await;
    assert_error(
        s,
        &b,
        StatusCode::UNPROCESSABLE_ENTITY,
        "plugin_wrong_world",
    );
    let (s, b) = host
        .upload(
            "birth-registration",
            &police,
            component("lianban-guest-wrong-world"),
        )
        .await;
    assert_error(
        s,
        &b,
        StatusCode::UNPROCESSABLE_ENTITY,
        "plugin_wrong_world",
    );
    let (s, b) = host.upload("birth-registration", &police, Vec::new()).await;
    assert_error(
        s,
        &b,
        StatusCode::UNPROCESSABLE_ENTITY,
        "plugin_not_a_component",
    );
    // A component for another matter, uploaded under this one.
    let cdc = host.tokens.department("cdc").to_owned();
    let (s, b) = host
        .upload(
            "vaccination-certificate",
            &cdc,
            plugin("birth-medical-certificate"),
        )
        .await;
    assert_error(
        s,
        &b,
        StatusCode::UNPROCESSABLE_ENTITY,
        "plugin_matter_mismatch",
    );
    // Wrong content type.
    let r = c
        .post(host.url("/api/v1/matters/birth-registration/versions"))
        .bearer_auth(&police)
        .header("content-type", "text/plain")
        .body(plugin("birth-registration"))
        .send()
        .await
        .unwrap();
    let s = r.status();
    assert_error(
        s,
        &r.json().await.unwrap(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );

    // The same bytes again are the same version (a retried upload); other bytes under a used
    // version number are a conflict.
    let (s, first) = host
        .upload(
            "vaccination-certificate",
            &cdc,
            component("lianban-guest-hostile"),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    let (s, again) = host
        .upload(
            "vaccination-certificate",
            &cdc,
            component("lianban-guest-hostile"),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(again["sha256"], first["sha256"]);
    let mut altered = component("lianban-guest-hostile");
    // Appending a custom section changes the bytes but not the behaviour or the version.
    altered.extend_from_slice(&[0x00, 0x06, 0x05, b'n', b'o', b't', b'e', b's']);
    let (s, b) = host.upload("vaccination-certificate", &cdc, altered).await;
    assert_error(s, &b, StatusCode::CONFLICT, "plugin_version_exists");

    // Bad path parameters, unknown routes, wrong methods: the same shape.
    let (s, b) = host.get("/api/v1/calendar/twenty", &clerk).await;
    assert_error(s, &b, StatusCode::BAD_REQUEST, "invalid_path");
    let (s, b) = host
        .get(
            "/api/v1/calendar/working-days?from=2026-09-30&days=x",
            &clerk,
        )
        .await;
    assert_error(s, &b, StatusCode::BAD_REQUEST, "invalid_query");
    let (s, b) = host.get("/api/v1/nothing-here", &clerk).await;
    assert_error(s, &b, StatusCode::NOT_FOUND, "not_found");
    let r = c
        .delete(host.url("/api/v1/prechecks"))
        .bearer_auth(&clerk)
        .send()
        .await
        .unwrap();
    let s = r.status();
    assert_error(
        s,
        &r.json().await.unwrap(),
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    );

    // English on request.
    let r = c
        .get(host.url("/api/v1/one-things/nope"))
        .bearer_auth(&clerk)
        .header("accept-language", "en-US,en;q=0.9")
        .send()
        .await
        .unwrap();
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["error"]["message"], "no one-thing nope in the catalog");
    let (_, b) = host.get("/api/v1/one-things/nope", &clerk).await;
    assert_eq!(b["error"]["message"], "事项清单中没有一件事“nope”");
    drop(host.stop().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_are_size_capped_and_smoke_tested_within_budget() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path());
    config.max_upload_bytes = 256 << 10;
    // So little fuel that even the smoke call of a real plugin runs out.
    config.runtime.default_limits.fuel = 2_000;
    let host = TestHost::start_in(dir.path().to_path_buf(), Some(config)).await;
    let police = host.tokens.department("public-security").to_owned();
    let (s, b) = host
        .upload("birth-registration", &police, vec![0u8; 300 << 10])
        .await;
    assert_error(s, &b, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    let bytes = plugin("birth-registration");
    assert!(
        bytes.len() < 256 << 10,
        "plugin grew past the test's cap: {}",
        bytes.len()
    );
    let (s, b) = host.upload("birth-registration", &police, bytes).await;
    assert_error(
        s,
        &b,
        StatusCode::UNPROCESSABLE_ENTITY,
        "plugin_smoke_failed",
    );
    assert_eq!(b["error"]["details"]["failure"], "rule_budget_exceeded");
    // Nothing was stored.
    let (_, versions) = host
        .get("/api/v1/matters/birth-registration/versions", &police)
        .await;
    assert_eq!(versions, json!([]));
    drop(host.stop().await);
}
