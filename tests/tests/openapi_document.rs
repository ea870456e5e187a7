//! The served OpenAPI document (`host/src/http/contract.rs`, `openapi.rs`): every route is in
//! it and everything in it is routed, and what it says of roles and answers is what the routes
//! do. The contract test (`contract.rs`) then holds every answer to it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use lianban_e2e::TestHost;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_route_exists_and_every_route_is_documented() {
    let host = TestHost::start().await;
    let (s, doc) = host.get("/api/v1/openapi.json", "").await;
    assert_eq!(s, StatusCode::OK);
    let paths = doc["paths"].as_object().unwrap();
    for (path, ops) in paths {
        let concrete = path
            .replace("{code}", "birth-registration")
            .replace("{sha256}", &"0".repeat(64))
            .replace("{year}", "2026")
            .replace("{id}", "YJS-20261127-000001")
            .replace("{matter}", "birth-registration");
        for (method, op) in ops.as_object().unwrap() {
            assert!(
                op["x-roles"].is_array(),
                "{method} {path} declares no roles"
            );
            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let r = host
                .client
                .request(m, host.url(&concrete))
                .bearer_auth(&host.tokens.admin)
                .send()
                .await
                .unwrap();
            let status = r.status();
            let body: Value = r.json().await.unwrap_or(Value::Null);
            assert_ne!(
                body["error"]["code"], "not_found",
                "{method} {path} is documented but not routed"
            );
            assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        }
    }
    // Every path in the route table must be documented.
    let source =
        std::fs::read_to_string(lianban_e2e::workspace_root().join("host/src/http/mod.rs"))
            .unwrap();
    for part in source.split(".route(").skip(1) {
        let path = part.split('"').nth(1).unwrap();
        let full = if path == "/healthz" || path == "/metrics" {
            path.to_owned()
        } else {
            format!("/api/v1{path}")
        };
        assert!(
            paths.contains_key(&full),
            "{full} is routed but not documented"
        );
    }
    drop(host.stop().await);
}

/// Each operation's roles are the ones its route enforces, with the answers a guarded,
/// body-taking or writing route gives, and every schema it names is in the document.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_operations_state_the_roles_their_routes_enforce() {
    let host = TestHost::start().await;
    let (_, doc) = host.get("/api/v1/openapi.json", "").await;
    let op = |path: &str, method: &str| doc["paths"][path][method].clone();

    let load = op("/api/v1/calendar/{year}", "put");
    assert_eq!(load["x-roles"], json!(["admin"]), "{load:#}");
    for status in ["200", "400", "401", "403", "408", "413", "415", "422"] {
        assert!(
            load["responses"][status].is_object(),
            "PUT /calendar/{{year}} does not document {status}: {load:#}"
        );
    }
    assert!(load["requestBody"]["content"]["application/json"]["schema"].is_object());
    let show = op("/api/v1/dictionary", "get");
    assert_eq!(show["x-roles"], json!([]), "{show:#}");
    assert!(show.get("security").is_none(), "{show:#}");
    assert!(show["responses"].get("401").is_none(), "{show:#}");
    assert_eq!(
        op("/api/v1/calendar", "get")["x-roles"],
        json!(["admin", "clerk", "department"])
    );
    let support = op("/api/v1/consultation/proposals/{id}/supports", "post");
    assert_eq!(
        support["x-roles"],
        json!(["admin", "clerk", "online-service", "citizen"])
    );
    for status in ["404", "409", "429"] {
        assert!(support["responses"][status].is_object(), "{support:#}");
    }

    // As documented, so enforced.
    let year = serde_json::from_str::<Value>(include_str!("../../host/data/holiday-cn/2026.json"))
        .unwrap();
    let (s, b) = host
        .put("/api/v1/calendar/2026", &host.tokens.clerk, &year)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    let (s, b) = host.put("/api/v1/calendar/2026", "", &year).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{b}");
    let (s, b) = host
        .put("/api/v1/calendar/2026", &host.tokens.admin, &year)
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, _) = host.get("/api/v1/dictionary", "").await;
    assert_eq!(s, StatusCode::OK);
    let (s, b) = host.get("/api/v1/calendar", &host.applicant_token()).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    let (s, b) = host
        .post(
            "/api/v1/consultation/proposals/1/supports",
            host.tokens.department("health"),
            &json!({ "person": "someone" }),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");

    // Roles the handlers refine further are still named from the route table: the online
    // service may upload files and read its cases; staff only read files.
    assert_eq!(
        op("/api/v1/files", "post")["x-roles"],
        json!(["admin", "clerk", "department", "online-service", "citizen"])
    );
    assert_eq!(
        op("/api/v1/files/{sha256}", "get")["x-roles"],
        json!(["admin", "clerk", "department"])
    );
    let (s, b) = host
        .get(
            &format!("/api/v1/files/{}", "0".repeat(64)),
            &host.applicant_token(),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");

    // A write command takes an Idempotency-Key and says what a key can answer.
    let window = op("/api/v1/cases/{id}/window", "post");
    let takes_key = window["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["name"] == "Idempotency-Key" && p["in"] == "header");
    assert!(takes_key, "{window:#}");
    for (status, says) in [
        ("409", "idempotency_in_progress"),
        ("422", "idempotency_key_reused"),
    ] {
        let description = window["responses"][status]["description"].as_str().unwrap();
        assert!(description.contains(says), "{status}: {description}");
    }

    // Every operation of the API describes what it answers: no success answer is a bare
    // object (this document itself aside), and the document has no hand-written part left.
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            assert!(op["x-roles"].is_array(), "{method} {path}");
            for (status, answer) in op["responses"].as_object().unwrap() {
                let Some(content) = answer["content"].as_object() else {
                    continue;
                };
                for (media, body) in content {
                    let schema = &body["schema"];
                    let bare = schema["type"] == "object"
                        && schema.get("properties").is_none()
                        && schema.get("additionalProperties").is_none();
                    assert!(
                        !bare || path == "/api/v1/openapi.json",
                        "{method} {path} {status} {media} is a bare object"
                    );
                }
            }
        }
    }

    // Every schema an operation names is defined.
    let text = doc.to_string();
    for name in text.split("#/components/schemas/").skip(1) {
        let name = name.split('"').next().unwrap();
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "{name} is referenced but not defined"
        );
    }
    drop(host.stop().await);
}
