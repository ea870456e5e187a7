//! Cases bound to their person (第二条 一次登录、一网通办; 个人信息保护法 最小必要): a citizen
//! signed in through the citizens' provider submits, reads, corrects and withdraws their own
//! cases only; an agent (代办) applies for someone else with the 委托书 and may follow that case;
//! the online service acts only for the person it names, and the trail says so. Anyone else's
//! case answers 404, as if it did not exist.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use lianban_e2e::identity::{Browser, host_with_provider};
use lianban_e2e::{APPLICANT_ID, NEWBORN, TestHost, intake, plugin};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// 周敏, who is not 李芳.
const OTHER_ID: &str = "410702198506120047";

fn people() -> Value {
    json!({
        "staff": {},
        "citizens": {
            "li.fang": { "name": "李芳", "id_number": APPLICANT_ID },
            "zhou.min": { "name": "周敏", "id_number": OTHER_ID }
        }
    })
}

/// A signed-in citizen's requests: the session cookie, and the CSRF token on writes.
struct Citizen {
    browser: Browser,
    csrf: String,
}

impl Citizen {
    async fn sign_in(host: &TestHost, login: &str) -> Citizen {
        let (browser, csrf) = Browser::signed_in(host, "citizens", login).await;
        Citizen { browser, csrf }
    }

    async fn send(
        &self,
        host: &TestHost,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .browser
            .client
            .request(method, host.url(path))
            .header("X-CSRF-Token", &self.csrf);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn scan(&self, host: &TestHost) -> String {
        let response = self
            .browser
            .client
            .post(host.url("/api/v1/files"))
            .header("X-CSRF-Token", &self.csrf)
            .header("content-type", "application/pdf")
            .body(lianban_e2e::PDF.to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let body: Value = response.json().await.unwrap();
        body["sha256"].as_str().unwrap().to_owned()
    }
}

fn code(answer: &(StatusCode, Value)) -> (StatusCode, &str) {
    (answer.0, answer.1["error"]["code"].as_str().unwrap_or(""))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citizen_sees_and_acts_on_their_own_cases_only() {
    let (host, _provider) = host_with_provider(&people(), &[], |_, _| {}).await;
    for m in NEWBORN {
        host.install(m, plugin(m)).await;
    }
    let a = Citizen::sign_in(&host, "li.fang").await;
    let b = Citizen::sign_in(&host, "zhou.min").await;
    let (s, session) = a.send(&host, Method::GET, "/api/v1/session", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        (session["role"].as_str(), session["issuer"].as_str()),
        (Some("citizen"), Some("citizens"))
    );

    // A applies online for herself; B cannot apply in A's name, nor at the window.
    let scan = a.scan(&host).await;
    let application = intake("online", json!({ "mode": "self_print" }), &scan);
    let refused = b
        .send(&host, Method::POST, "/api/v1/cases", Some(&application))
        .await;
    assert_eq!(
        code(&refused),
        (StatusCode::FORBIDDEN, "not_your_application")
    );
    let at_window = intake("window", json!({ "mode": "self_print" }), &scan);
    let refused = a
        .send(&host, Method::POST, "/api/v1/cases", Some(&at_window))
        .await;
    assert_eq!(code(&refused), (StatusCode::FORBIDDEN, "forbidden"));
    let (s, case) = a
        .send(&host, Method::POST, "/api/v1/cases", Some(&application))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{case}");
    let id = case["id"].as_str().unwrap().to_owned();

    // B can neither read, correct nor withdraw it, and is not told it exists.
    let path = format!("/api/v1/cases/{id}");
    let correction = json!({ "fields": {}, "materials": [] });
    let withdraw = json!({ "action": "withdraw", "reason": "不办了" });
    for (method, path, body) in [
        (Method::GET, path.clone(), None),
        (
            Method::PUT,
            format!("{path}/application"),
            Some(&correction),
        ),
        (Method::POST, format!("{path}/window"), Some(&withdraw)),
        (Method::GET, format!("{path}/notice"), None),
        (Method::GET, format!("{path}/results"), None),
    ] {
        let answer = b.send(&host, method.clone(), &path, body).await;
        assert_eq!(
            code(&answer),
            (StatusCode::NOT_FOUND, "unknown_case"),
            "{method} {path}: {}",
            answer.1
        );
    }
    // Nor may she do the window's work on it.
    let confirm = json!({ "action": "confirm" });
    let refused = a
        .send(
            &host,
            Method::POST,
            &format!("{path}/window"),
            Some(&confirm),
        )
        .await;
    assert_eq!(code(&refused), (StatusCode::FORBIDDEN, "forbidden"));

    // A reads and withdraws her own.
    let (s, mine) = a.send(&host, Method::GET, &path, None).await;
    assert_eq!(s, StatusCode::OK, "{mine}");
    // Her own numbers come masked, as on every receipt (issue 19, item 6).
    assert_eq!(mine["applicant"]["id_number"], "410702********0027");
    let (s, withdrawn) = a
        .send(
            &host,
            Method::POST,
            &format!("{path}/window"),
            Some(&withdraw),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{withdrawn}");
    assert_eq!(withdrawn["status"], "withdrawn");
    drop(host.stop().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_applies_with_the_power_of_attorney_and_the_online_service_names_its_person() {
    let (host, _provider) = host_with_provider(&people(), &[], |_, _| {}).await;
    for m in NEWBORN {
        host.install(m, plugin(m)).await;
    }
    // 周敏 applies for 李芳 as her agent; without the 委托书 on file, not at all.
    let b = Citizen::sign_in(&host, "zhou.min").await;
    let scan = b.scan(&host).await;
    let mut application = intake("online", json!({ "mode": "self_print" }), &scan);
    application["agent"] = json!({
        "name": "周敏", "id_number": OTHER_ID, "mobile": "13912345678",
        "authorization": "0".repeat(64)
    });
    let refused = b
        .send(&host, Method::POST, "/api/v1/cases", Some(&application))
        .await;
    assert_eq!(refused.0, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.1);
    application["agent"]["authorization"] = json!(scan);
    let (s, case) = b
        .send(&host, Method::POST, "/api/v1/cases", Some(&application))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{case}");
    assert_eq!(case["agent"]["id_number"], "410702********0047");
    assert_eq!(case["agent"]["name"], "周敏");
    let id = case["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/cases/{id}");
    // The agent follows the case, and so does the person it is for.
    assert_eq!(
        b.send(&host, Method::GET, &path, None).await.0,
        StatusCode::OK
    );
    let a = Citizen::sign_in(&host, "li.fang").await;
    assert_eq!(
        a.send(&host, Method::GET, &path, None).await.0,
        StatusCode::OK
    );

    // The online service must name its person, and then sees that person's cases only.
    let (s, b_answer) = host.get(&path, &host.applicant_token()).await;
    assert_eq!(
        (s, b_answer["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("on_behalf_required"))
    );
    let response = host
        .client
        .get(host.url(&path))
        .bearer_auth(host.applicant_token())
        .header("X-On-Behalf-Of", "not-an-id")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let (s, _) = host.online_service(APPLICANT_ID).get(&path).await;
    assert_eq!(s, StatusCode::OK);
    let stranger = host.online_service("410702198001010010");
    let (s, b_answer) = stranger.get(&path).await;
    assert_eq!(
        (s, b_answer["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("unknown_case")),
        "{b_answer}"
    );

    // Every read is on the case's chain of reads, the online service's with its person.
    let (s, trail) = host
        .get(&format!("{path}/events"), &host.tokens.clerk)
        .await;
    assert_eq!(s, StatusCode::OK, "{trail}");
    let readers: Vec<&str> = trail["reads"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["actor"].as_str())
        .collect();
    assert!(
        readers.contains(&"周敏") && readers.contains(&"李芳"),
        "{readers:?}"
    );
    assert!(
        readers
            .iter()
            .any(|r| r.contains(&format!("代 {APPLICANT_ID}"))),
        "{readers:?}"
    );
    drop(host.stop().await);
}

/// A retried submission is answered, not repeated, for a citizen signed in with the cookie as
/// for a token; and the online service's keys belong to the person it names, so one person's
/// answer is never replayed to another who happens to get the same key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotency_keys_hold_for_sessions_and_per_person_for_the_online_service() {
    let (host, _provider) = host_with_provider(&people(), &[], |_, _| {}).await;
    host.install_plugins(NEWBORN).await;
    let a = Citizen::sign_in(&host, "li.fang").await;
    let scan = a.scan(&host).await;
    let application = intake("online", json!({ "mode": "self_print" }), &scan);
    let submit = || {
        a.browser
            .client
            .post(host.url("/api/v1/cases"))
            .header("X-CSRF-Token", &a.csrf)
            .header("Idempotency-Key", "submit-1")
            .json(&application)
            .send()
    };
    let first = submit().await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let again = submit().await.unwrap();
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(
        again
            .headers()
            .get("idempotent-replayed")
            .map(|v| v.as_bytes()),
        Some(&b"true"[..])
    );
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["id"], first["id"]);

    // The online service, one token, the same key for two people: each gets their own case.
    let token = host.applicant_token();
    let mut ids = Vec::new();
    for person in [APPLICANT_ID, OTHER_ID] {
        let mut body = intake("online", json!({ "mode": "self_print" }), &scan);
        body["applicant"]["id_number"] = json!(person);
        let response = host
            .client
            .post(host.url("/api/v1/cases"))
            .bearer_auth(&token)
            .header("X-On-Behalf-Of", person)
            .header("Idempotency-Key", "shared-key")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        assert!(response.headers().get("idempotent-replayed").is_none());
        let case: Value = response.json().await.unwrap();
        ids.push(case["id"].as_str().unwrap().to_owned());
    }
    assert_ne!(ids[0], ids[1]);
    drop(host.stop().await);
}
