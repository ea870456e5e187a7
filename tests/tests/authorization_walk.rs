//! The authorization walk: every operation of the served OpenAPI document, called by every
//! kind of caller (anonymous, refused tokens, each role by token, a clerk and two citizens
//! signed in with session cookies), answers as the document's `x-roles` say. The route table is the one place
//! the rule is written (`host/src/http/mod.rs`); this holds the running host to it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Duration;
use lianban::clock::Clock;
use lianban_e2e::identity::{Browser, host_with_provider};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A caller, and the role name `x-roles` uses for it (`None`: no valid token).
struct Kind {
    label: &'static str,
    token: Option<String>,
    /// Signed in through the identity provider instead: the browser and its CSRF token.
    session: Option<(Browser, String)>,
    role: Option<&'static str>,
    /// For refused tokens: the 401's code.
    refused_as: &'static str,
}

/// A value for a path parameter: well formed, naming nothing that exists.
fn placeholder(param: &Value) -> String {
    let name = param["name"].as_str().unwrap_or("");
    match param["schema"]["type"].as_str() {
        Some("integer") => "1".into(),
        _ if name.contains("sha256") => "0".repeat(64),
        _ => "walk-none".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_every_kind_of_caller_as_its_roles_say() {
    let people = json!({
        "staff": { "wang": { "name": "王敏" } },
        "citizens": {
            "li.fang": { "name": "李芳", "id_number": "410702199205050027" },
            "zhou.min": { "name": "周敏", "id_number": "410702198506120047" }
        }
    });
    let (host, _provider) =
        host_with_provider(&people, &[("wang", "王敏", &["clerk"])], |_, _| {}).await;
    let admin = host.tokens.admin.clone();
    let issue = |role: &str, days: u32| {
        let host = &host;
        let admin = admin.clone();
        let role = role.to_owned();
        async move {
            let (s, b) = host
                .post(
                    "/api/v1/tokens",
                    &admin,
                    &json!({ "name": "巡检", "role": role, "expires_in_days": days }),
                )
                .await;
            assert_eq!(s, StatusCode::CREATED, "{b}");
            b
        }
    };
    let expiring = issue("admin", 1).await;
    let revoked = issue("admin", 30).await;
    let (s, b) = host
        .post(
            &format!(
                "/api/v1/tokens/{}/revoke",
                revoked["token"]["id"].as_str().unwrap()
            ),
            &admin,
            &json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    host.clock.set(host.clock.now() + Duration::days(1));

    let kinds = [
        Kind {
            label: "anonymous",
            token: None,
            session: None,
            role: None,
            refused_as: "unauthenticated",
        },
        Kind {
            label: "expired token",
            token: Some(expiring["secret"].as_str().unwrap().into()),
            session: None,
            role: None,
            refused_as: "token_expired",
        },
        Kind {
            label: "revoked token",
            token: Some(revoked["secret"].as_str().unwrap().into()),
            session: None,
            role: None,
            refused_as: "token_revoked",
        },
        Kind {
            label: "administrator",
            token: Some(admin.clone()),
            session: None,
            role: Some("admin"),
            refused_as: "",
        },
        Kind {
            label: "clerk",
            token: Some(host.tokens.clerk.clone()),
            session: None,
            role: Some("clerk"),
            refused_as: "",
        },
        Kind {
            label: "department X",
            token: Some(host.tokens.department("public-security").into()),
            session: None,
            role: Some("department"),
            refused_as: "",
        },
        Kind {
            label: "department Y",
            token: Some(host.tokens.department("health").into()),
            session: None,
            role: Some("department"),
            refused_as: "",
        },
        Kind {
            label: "clerk signed in",
            token: None,
            session: Some(Browser::signed_in(&host, "staff", "wang").await),
            role: Some("clerk"),
            refused_as: "",
        },
        Kind {
            label: "applicant A signed in",
            token: None,
            session: Some(Browser::signed_in(&host, "citizens", "li.fang").await),
            role: Some("citizen"),
            refused_as: "",
        },
        Kind {
            label: "applicant B signed in",
            token: None,
            session: Some(Browser::signed_in(&host, "citizens", "zhou.min").await),
            role: Some("citizen"),
            refused_as: "",
        },
        Kind {
            label: "online service",
            token: Some(host.applicant_token()),
            session: None,
            role: Some("online-service"),
            refused_as: "",
        },
    ];

    let (s, document) = host.get("/api/v1/openapi.json", "").await;
    assert_eq!(s, StatusCode::OK);
    let mut walked = 0;
    let mut mismatches = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let Ok(method) = method.to_uppercase().parse::<reqwest::Method>() else {
                continue;
            };
            if !["GET", "POST", "PUT", "DELETE", "PATCH"].contains(&method.as_str()) {
                continue;
            }
            let roles: Vec<&str> = operation["x-roles"]
                .as_array()
                .unwrap_or_else(|| panic!("{method} {path} has no x-roles"))
                .iter()
                .map(|r| r.as_str().unwrap())
                .collect();
            let mut url = path.clone();
            for param in operation["parameters"].as_array().into_iter().flatten() {
                if param["in"] == "path" {
                    let name = param["name"].as_str().unwrap();
                    url = url.replace(&format!("{{{name}}}"), &placeholder(param));
                }
            }
            for kind in &kinds {
                // Signing out mid-walk would end the walk's session; `sign_in.rs` covers it.
                if kind.session.is_some() && url == "/api/v1/session/logout" {
                    continue;
                }
                let client = kind
                    .session
                    .as_ref()
                    .map_or(&host.client, |(b, _)| &b.client);
                let mut request = client.request(method.clone(), host.url(&url));
                if let Some(token) = &kind.token {
                    request = request.bearer_auth(token);
                }
                if let Some((_, csrf)) = &kind.session {
                    request = request.header("X-CSRF-Token", csrf);
                }
                if method != reqwest::Method::GET {
                    request = request.json(&json!({}));
                }
                let response = request.send().await.unwrap();
                let status = response.status();
                let body: Value = response.json().await.unwrap_or(Value::Null);
                walked += 1;
                let code = body["error"]["code"].as_str().unwrap_or("");
                let route_refused =
                    status == StatusCode::FORBIDDEN && body["error"]["details"]["roles"].is_array();
                let expected = if roles == ["session"] {
                    // A signed-in person's own routes: no token opens them.
                    (status == StatusCode::UNAUTHORIZED) == kind.session.is_none()
                } else if roles.is_empty() {
                    // Public: no one is turned away for who they are.
                    status != StatusCode::UNAUTHORIZED && !route_refused
                } else {
                    match kind.role {
                        None => status == StatusCode::UNAUTHORIZED && code == kind.refused_as,
                        Some(role) if roles.contains(&role) => {
                            status != StatusCode::UNAUTHORIZED && !route_refused
                        }
                        Some(_) => {
                            route_refused && body["error"]["details"]["roles"] == json!(roles)
                        }
                    }
                };
                if !expected || status.is_server_error() {
                    mismatches.push(format!(
                        "{method} {url} as {}: {status} {code} (x-roles {roles:?})",
                        kind.label
                    ));
                }
            }
        }
    }
    assert!(
        walked >= 8 * 60,
        "only {walked} calls: the document lost operations?"
    );
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    drop(host.stop().await);
}
