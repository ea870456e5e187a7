//! Rules API 0.2.0 beside 0.1.0, and capabilities denied by default: a 0.2.0 plugin that looks
//! up electronic certificates runs next to 0.1.0 plugins in one pre-check, is activated only
//! once its matter is granted `elicense`, exempts materials the platform holds certificates
//! for, and is stopped with `rule_capability_denied` whenever it reaches a certificate without
//! the grant.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use lianban_e2e::{NEWBORN, TestHost, component, drop_material, fixture, matter, plugin};
use reqwest::StatusCode;
use serde_json::{Value, json};

const MATTER: &str = "birth-registration";

async fn grant(host: &TestHost, capabilities: Value) -> (StatusCode, Value) {
    host.put(
        &format!("/api/v1/matters/{MATTER}/capabilities"),
        &host.tokens.admin,
        &json!({ "capabilities": capabilities, "reason": "电子证照共享试点" }),
    )
    .await
}

async fn upload_registration(host: &TestHost, bytes: Vec<u8>) -> Value {
    let (status, version) = host
        .upload(MATTER, host.tokens.department("public-security"), bytes)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{version}");
    version
}

/// The newborn fixture without the paper marriage certificate and mother's identity card.
fn without_paper() -> Value {
    let mut app = fixture("newborn-window-complete");
    drop_material(&mut app, "marriage-certificate");
    drop_material(&mut app, "mother-id-card");
    app
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_0_2_0_plugin_serves_beside_0_1_0_plugins_once_granted() {
    let host = TestHost::start().await;
    let version = upload_registration(&host, plugin(MATTER)).await;
    assert_eq!(version["api"], "0.2.0");
    assert_eq!(version["capabilities"], json!(["elicense"]));
    let sha = version["sha256"].as_str().unwrap().to_owned();

    // Deny by default: neither activation nor a schedule without the grant.
    let (status, body) = host.activate(MATTER, &sha).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "capability_not_granted");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("elicense"),
        "{body}"
    );
    let (status, body) = host
        .post(
            &format!("/api/v1/matters/{MATTER}/schedules"),
            &host.tokens.admin,
            &json!({ "sha256": sha, "at": "2026-12-01T00:00:00+08:00" }),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "capability_not_granted");

    // Only an administrator grants, only known capabilities, only for known matters.
    let (status, _) = host
        .put(
            &format!("/api/v1/matters/{MATTER}/capabilities"),
            host.tokens.department("public-security"),
            &json!({ "capabilities": ["elicense"] }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = grant(&host, json!(["network"])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "unknown_capability");
    let (status, body) = host
        .put(
            "/api/v1/matters/no-such-matter/capabilities",
            &host.tokens.admin,
            &json!({ "capabilities": ["elicense"] }),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    let (status, body) = grant(&host, json!(["elicense"])).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["capabilities"], json!(["elicense"]));
    assert_eq!(body["record"]["granted_by"], "管理员");
    let (status, body) = host.activate(MATTER, &sha).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // The rest of the one-thing stays on 0.1.0.
    host.install_plugins(NEWBORN).await;
    for m in NEWBORN.iter().filter(|m| **m != MATTER) {
        let (_, active) = host
            .get(&format!("/api/v1/matters/{m}/active"), &host.tokens.clerk)
            .await;
        let (_, v) = host
            .get(
                &format!(
                    "/api/v1/matters/{m}/versions/{}",
                    active["sha256"].as_str().unwrap()
                ),
                &host.tokens.admin,
            )
            .await;
        assert_eq!(v["api"], "0.1.0", "{m}");
    }

    // Without certificates on the platform, the paper is asked for, as before.
    let (status, report) = host.precheck(&without_paper()).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let reg = matter(&report, MATTER);
    assert_eq!(reg["status"], "checked", "{reg}");
    assert_eq!(reg["exempt"], json!([]));
    let missing: Vec<&str> = reg["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "material.missing")
        .map(|f| f["subject"]["key"].as_str().unwrap())
        .collect();
    assert_eq!(missing, ["mother-id-card", "marriage-certificate"], "{reg}");

    // With them, both papers are 免提交 for this matter, and every 0.1.0 matter still answers.
    host.put_demo_certificates().await;
    let (status, report) = host.precheck(&without_paper()).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let reg = matter(&report, MATTER);
    assert_eq!(reg["findings"], json!([]), "{reg}");
    let exempt: Vec<(&str, &str)> = reg["exempt"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["material"].as_str().unwrap(),
                e["number"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        exempt,
        [
            ("mother-id-card", "410702199205050027"),
            ("marriage-certificate", "J410702-2021-000318")
        ]
    );
    for m in NEWBORN {
        assert_eq!(matter(&report, m)["status"], "checked", "{m}");
    }

    // Lookups are counted per version, never per person.
    let metrics = host
        .client
        .get(host.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let line = metrics
        .lines()
        .find(|l| l.starts_with("lianban_elicense_lookups_total{") && l.contains(MATTER))
        .expect("a lookup counter");
    assert!(!line.contains("410702"), "{line}");
    let count: f64 = line.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(count >= 2.0, "{line}");

    // The grant survives a restart; the active 0.2.0 version loads and keeps its certificates.
    let (data, dir) = host.stop().await;
    let host = TestHost::start_in(data, None).await;
    let _dir = dir;
    let (_, report) = host.precheck(&without_paper()).await;
    assert_eq!(
        matter(&report, MATTER)["exempt"].as_array().unwrap().len(),
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reaching_a_certificate_without_the_grant_is_stopped() {
    let host = TestHost::start().await;
    host.put_demo_certificates().await;
    host.install_plugins(NEWBORN).await;

    // Withdrawing the grant takes effect on the next call, the active version included.
    let (status, _) = grant(&host, json!([])).await;
    assert_eq!(status, StatusCode::OK);
    let (_, report) = host.precheck(&without_paper()).await;
    let reg = matter(&report, MATTER);
    assert_eq!(reg["status"], "failed", "{reg}");
    assert_eq!(reg["failure"]["code"], "rule_capability_denied", "{reg}");
    assert_eq!(report["ready"], false);
    for m in NEWBORN.iter().filter(|m| **m != MATTER) {
        assert_eq!(matter(&report, m)["status"], "checked", "{m}");
    }
    // With every paper at hand the rules look nothing up, and answer.
    let (_, report) = host.precheck(&fixture("newborn-window-complete")).await;
    assert_eq!(matter(&report, MATTER)["status"], "checked");

    // A 0.2.0 version that looks certificates up without declaring it is stopped even where
    // the matter holds the grant: only what a version declared is ever reachable.
    let (status, _) = grant(&host, json!(["elicense"])).await;
    assert_eq!(status, StatusCode::OK);
    let undeclared =
        upload_registration(&host, component("lianban-guest-undeclared-elicense")).await;
    assert_eq!(undeclared["capabilities"], json!([]));
    let (status, body) = host
        .activate(MATTER, undeclared["sha256"].as_str().unwrap())
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, report) = host.precheck(&without_paper()).await;
    let reg = matter(&report, MATTER);
    assert_eq!(reg["version"], "3.0.0");
    assert_eq!(reg["failure"]["code"], "rule_capability_denied", "{reg}");

    // Certificates are the administrators' to manage; bad ones are refused.
    let (status, _) = host
        .get(
            "/api/v1/elicenses/结婚证/410702199205050027",
            host.tokens.department("public-security"),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, found) = host
        .get(
            "/api/v1/elicenses/结婚证/410702199205050027",
            &host.tokens.admin,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(found.as_array().unwrap().len(), 1);
    let (status, body) = host
        .put(
            "/api/v1/elicenses",
            &host.tokens.admin,
            &json!({
                "kind": "结婚证", "number": "X1", "holder": "4107", "issuer": "民政局",
                "issued_on": null, "valid_until": null, "attributes": []
            }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "invalid_certificate");
}

/// The 出生登记 component exactly as it was built before rules API 0.2.0 existed.
fn legacy_registration() -> Vec<u8> {
    std::fs::read(
        lianban_e2e::workspace_root().join("tests/data/birth-registration-api-0.1.0.wasm"),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_component_built_before_0_2_0_keeps_serving_and_hands_over_to_its_successor() {
    let host = TestHost::start().await;
    host.put_demo_certificates().await;
    for m in NEWBORN.iter().filter(|m| **m != MATTER) {
        host.install(m, plugin(m)).await;
    }
    // 1.0.0, a 0.1.0 component built by the SDK before this host served 0.2.0: it needs no
    // grant, and it judges as it always did — the paper it asks for is asked for.
    let old = upload_registration(&host, legacy_registration()).await;
    assert_eq!(
        (old["api"].as_str(), old["version"].as_str()),
        (Some("0.1.0"), Some("1.0.0"))
    );
    assert_eq!(old["capabilities"], json!([]));
    let (status, body) = host.activate(MATTER, old["sha256"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, report) = host.precheck(&without_paper()).await;
    let reg = matter(&report, MATTER);
    assert_eq!(reg["status"], "checked");
    assert_eq!(reg["exempt"], json!([]));
    assert_eq!(reg["findings"].as_array().unwrap().len(), 2, "{reg}");

    // 1.1.0 on 0.2.0 takes over once granted; the same application now needs neither paper.
    let new = upload_registration(&host, plugin(MATTER)).await;
    assert_eq!(
        (new["api"].as_str(), new["version"].as_str()),
        (Some("0.2.0"), Some("1.1.0"))
    );
    assert_eq!(grant(&host, json!(["elicense"])).await.0, StatusCode::OK);
    let (status, body) = host.activate(MATTER, new["sha256"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, report) = host.precheck(&without_paper()).await;
    let reg = matter(&report, MATTER);
    assert_eq!(reg["version"], "1.1.0");
    assert_eq!(reg["findings"], json!([]), "{reg}");
    assert_eq!(reg["exempt"].as_array().unwrap().len(), 2);

    // And back: a rollback to the 0.1.0 component is an ordinary hot swap.
    let (status, body) = host
        .post(
            &format!("/api/v1/matters/{MATTER}/rollback"),
            &host.tokens.admin,
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, report) = host.precheck(&without_paper()).await;
    assert_eq!(matter(&report, MATTER)["version"], "1.0.0");
}

/// The newborn fixture with the prober's switch set.
fn probing(mode: &str) -> Value {
    let mut app = fixture("newborn-window-complete");
    lianban_e2e::set_field(&mut app, "hostile.mode", mode);
    app
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_granted_component_reads_only_the_certificates_of_the_application_it_judges() {
    let host = TestHost::start().await;
    host.put_demo_certificates().await;
    host.install_plugins(NEWBORN.iter().filter(|m| **m != MATTER))
        .await;
    let (status, body) = grant(&host, json!(["elicense"])).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let prober = upload_registration(&host, component("lianban-guest-elicense-prober")).await;
    let (status, body) = host
        .activate(MATTER, prober["sha256"].as_str().unwrap())
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // The mother named in the form: looked up.
    let (_, report) = host.precheck(&probing("named")).await;
    let reg = matter(&report, MATTER);
    assert_eq!(reg["status"], "checked", "{reg}");
    assert_eq!(reg["findings"][0]["code"], "probe.found", "{reg}");

    // Anyone else, or the same person over and over: the call is stopped.
    for (mode, why) in [
        ("enumerate", "does not name"),
        ("repeat", "more than 8 certificate lookups"),
    ] {
        let (status, report) = host
            .post("/api/v1/prechecks", &host.tokens.admin, &probing(mode))
            .await;
        assert_eq!(status, StatusCode::OK, "{report}");
        let reg = matter(&report, MATTER);
        assert_eq!(reg["status"], "failed", "{mode}: {reg}");
        assert_eq!(reg["failure"]["code"], "rule_capability_denied", "{mode}");
        let detail = reg["failure"]["detail"].as_str().unwrap();
        assert!(detail.contains(why), "{mode}: {detail}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shadow_replay_reads_live_certificates_only_when_the_administrator_asks() {
    let host = TestHost::start().await;
    host.put_demo_certificates().await;
    let (status, body) = grant(&host, json!(["elicense"])).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    host.install_plugins(NEWBORN).await;
    // A real input is recorded: a pre-check in which the prober, once a candidate, will look
    // the mother up.
    let (status, _) = host.precheck(&probing("named")).await;
    assert_eq!(status, StatusCode::OK);
    let candidate = upload_registration(&host, component("lianban-guest-elicense-prober")).await;
    let sha = candidate["sha256"].as_str().unwrap();

    let replay = |live: bool| {
        let path = format!("/api/v1/matters/{MATTER}/versions/{sha}/replay?live_elicense={live}");
        let host = &host;
        async move { host.post(&path, &host.tokens.admin, &json!({})).await }
    };
    let (status, withheld) = replay(false).await;
    assert_eq!(status, StatusCode::OK, "{withheld}");
    assert_eq!(withheld["live_elicense"], false);
    let added = withheld["changes"][0]["findings_added"].to_string();
    assert!(
        added.contains("advisory/application/probe.unavailable"),
        "{withheld:#}"
    );

    let (status, live) = replay(true).await;
    assert_eq!(status, StatusCode::OK, "{live}");
    assert_eq!(live["live_elicense"], true);
    let added = live["changes"][0]["findings_added"].to_string();
    assert!(
        added.contains("advisory/application/probe.found"),
        "{live:#}"
    );
}
