//! The rules lifecycle over HTTP, as departments, administrators and clerks use it: upload,
//! activate, pre-check both one-things, ship a second version, roll back, restart.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use lianban::store::PluginStore;
use lianban_e2e::{
    BUSINESS, NEWBORN, TestHost, component, drop_material, fixture, matter, plugin, set_field,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn notice_line<'a>(report: &'a Value, subject: &str) -> &'a Value {
    report["notice"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["subject"]["key"] == subject)
        .unwrap_or_else(|| panic!("no notice line about {subject}: {report:#}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_activate_precheck_ship_v2_and_roll_back() {
    let host = TestHost::start().await;

    // Before any rules are active the pre-check says so instead of pretending.
    let (status, report) = host.precheck(&fixture("newborn-window-complete")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(report["ready"], false);
    assert_eq!(
        matter(&report, "birth-registration")["status"],
        "no_active_rules"
    );

    // Every department uploads its matter, the bureau activates it.
    let mut shas = std::collections::BTreeMap::new();
    for m in NEWBORN.iter().chain(BUSINESS) {
        shas.insert(*m, host.install(m, plugin(m)).await);
    }

    // The one-thing now has one merged form, one set of materials and no conflicts.
    let (status, one_thing) = host
        .get("/api/v1/one-things/newborn", &host.tokens.clerk)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one_thing["missing_rules"], json!([]));
    assert_eq!(
        one_thing["conflicts"],
        json!([]),
        "{:#}",
        one_thing["conflicts"]
    );
    let fields = one_thing["fields"].as_array().unwrap();
    let child_name: Vec<&Value> = fields.iter().filter(|f| f["key"] == "child.name").collect();
    assert_eq!(child_name.len(), 1, "each field once");
    assert_eq!(child_name[0]["matters"].as_array().unwrap().len(), 5);
    let materials = one_thing["materials"].as_array().unwrap();
    let mother_card = materials
        .iter()
        .find(|m| m["code"] == "mother-id-card")
        .unwrap();
    assert_eq!(
        mother_card["matters"],
        json!(["birth-medical-certificate", "birth-registration"])
    );
    assert_eq!(mother_card["elicense"], "居民身份证");

    // A complete application is ready; the report names the exact versions that judged it.
    let (status, report) = host.precheck(&fixture("newborn-window-complete")).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["ready"], true, "{report:#}");
    assert_eq!(report["notice"], json!([]));
    assert_eq!(report["today"], "2026-11-27");
    // Friday at the window: the departments accept by Monday 30 November.
    assert_eq!(report["expected_acceptance"], "2026-11-30");
    assert_eq!(
        matter(&report, "birth-medical-certificate")["deadline"]["due"],
        "2026-12-01"
    );
    assert_eq!(
        matter(&report, "social-security-card")["deadline"]["due"],
        "2026-12-07"
    );
    let judged = report["judged_by"].as_array().unwrap();
    assert_eq!(judged.len(), 5);
    for j in judged {
        assert_eq!(j["sha256"], shas[j["matter"].as_str().unwrap()]);
    }

    // Incomplete: the mother's identity card is needed by two matters and asked for once.
    let mut incomplete = fixture("newborn-window-complete");
    drop_material(&mut incomplete, "mother-id-card");
    drop_material(&mut incomplete, "household-register");
    set_field(&mut incomplete, "child.name", "王2雨");
    let (_, report) = host.precheck(&incomplete).await;
    assert_eq!(report["ready"], false);
    let card = notice_line(&report, "mother-id-card");
    assert_eq!(card["code"], "material.missing");
    assert_eq!(card["severity"], "blocking");
    assert_eq!(
        card["matters"],
        json!(["birth-medical-certificate", "birth-registration"])
    );
    assert!(card["remedy"].as_str().unwrap().contains("电子证照"));
    assert_eq!(
        notice_line(&report, "household-register")["matters"],
        json!(["birth-registration"])
    );
    let name = notice_line(&report, "child.name");
    assert_eq!(name["code"], "field.invalid");
    assert_eq!(
        name["matters"],
        json!(["birth-medical-certificate", "birth-registration"])
    );
    let count = |subject: &str| {
        report["notice"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["subject"]["key"] == subject)
            .count()
    };
    assert_eq!(count("mother-id-card"), 1);

    // 企业开办: complete is ready with one piece of advice; the legal representative's card
    // missing is one line for all five matters.
    let (_, report) = host.precheck(&fixture("business-window-complete")).await;
    assert_eq!(report["ready"], true, "{report:#}");
    let advice = report["notice"].as_array().unwrap();
    assert_eq!(advice.len(), 1);
    assert_eq!(advice[0]["severity"], "advisory");
    let mut incomplete = fixture("business-window-complete");
    drop_material(&mut incomplete, "legal-rep-id-card");
    set_field(&mut incomplete, "housing-fund.rate", "15");
    let (_, report) = host.precheck(&incomplete).await;
    assert_eq!(report["ready"], false);
    assert_eq!(
        notice_line(&report, "legal-rep-id-card")["matters"],
        json!(BUSINESS)
    );
    assert_eq!(
        notice_line(&report, "housing-fund.rate")["matters"],
        json!(["housing-fund-employer"])
    );

    // Online: one more working day for the window's confirmation.
    let mut online = fixture("newborn-window-complete");
    online["channel"] = json!("online");
    for m in online["materials"].as_array_mut().unwrap() {
        m["form"] = json!("scan");
    }
    let (_, report) = host.precheck(&online).await;
    assert_eq!(report["ready"], true, "{report:#}");
    assert_eq!(report["expected_acceptance"], "2026-12-01");

    // The department ships 2.0.0; after activation the pre-check is judged by it.
    let (status, v2) = host
        .upload(
            "birth-registration",
            host.tokens.department("public-security"),
            component("lianban-guest-registration-v2"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v2}");
    assert_eq!(v2["version"], "2.0.0");
    assert_eq!(v2["api"], "0.1.0");
    let v2_sha = v2["sha256"].as_str().unwrap().to_owned();
    // Uploading is not activating.
    let (_, report) = host.precheck(&fixture("newborn-window-complete")).await;
    assert_eq!(matter(&report, "birth-registration")["version"], "1.1.0");
    let (status, activation) = host.activate("birth-registration", &v2_sha).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(activation["previous"], shas["birth-registration"]);
    let (_, report) = host.precheck(&fixture("newborn-window-complete")).await;
    let reg = matter(&report, "birth-registration");
    assert_eq!(reg["version"], "2.0.0");
    assert_eq!(reg["sha256"], v2_sha);
    assert_eq!(
        notice_line_by_code(&report, "registration.same-day")["matters"],
        json!(["birth-registration"])
    );
    // Promised the same day it is accepted.
    assert_eq!(reg["deadline"]["due"], "2026-11-30");

    // Roll back to 1.1.0.
    let (status, rollback) = host
        .post(
            "/api/v1/matters/birth-registration/rollback",
            &host.tokens.admin,
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{rollback}");
    assert_eq!(rollback["sha256"], shas["birth-registration"]);
    let (_, report) = host.precheck(&fixture("newborn-window-complete")).await;
    assert_eq!(matter(&report, "birth-registration")["version"], "1.1.0");

    // The history keeps all three activations, and both versions stay listed.
    let (_, history) = host
        .get(
            "/api/v1/matters/birth-registration/activations",
            &host.tokens.admin,
        )
        .await;
    let versions: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["version"].as_str().unwrap())
        .collect();
    assert_eq!(versions, ["1.1.0", "2.0.0", "1.1.0"]);
    let (_, listed) = host
        .get(
            "/api/v1/matters/birth-registration/versions",
            host.tokens.department("public-security"),
        )
        .await;
    assert_eq!(listed.as_array().unwrap().len(), 2);

    // Re-activating the active version changes nothing.
    let (status, same) = host
        .activate("birth-registration", &shas["birth-registration"])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(same["version"], "1.1.0");
    let (_, history) = host
        .get(
            "/api/v1/matters/birth-registration/activations",
            &host.tokens.admin,
        )
        .await;
    assert_eq!(history.as_array().unwrap().len(), 3);

    // A restart keeps what is active, loaded from the precompiled artifacts. One artifact is
    // damaged first: that version is compiled again from its stored original.
    let fingerprint = host.state.registry.runtime().fingerprint();
    let damaged = shas["birth-medical-certificate"].clone();
    host.state
        .store
        .put_artifact(&fingerprint, &damaged, b"not an artifact")
        .unwrap();
    let (data, dir) = host.stop().await;
    let host = TestHost::start_in(data, None).await;
    assert_eq!(host.state.registry.active_count(), 10);
    let (_, report) = host.precheck(&fixture("newborn-window-complete")).await;
    assert_eq!(report["ready"], true);
    assert_eq!(
        matter(&report, "birth-registration")["sha256"],
        shas["birth-registration"]
    );
    let repaired = host
        .state
        .store
        .artifact(&fingerprint, &damaged)
        .unwrap()
        .unwrap();
    assert_ne!(repaired, b"not an artifact", "the artifact was rebuilt");
    let (_, health) = host.get("/healthz", "").await;
    assert_eq!(health["status"], "ok");
    assert_eq!(health["active_plugins"], 10);
    drop(host.stop().await);
    drop(dir);
}

fn notice_line_by_code<'a>(report: &'a Value, code: &str) -> &'a Value {
    report["notice"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["code"] == code)
        .unwrap_or_else(|| panic!("no notice line {code}: {report:#}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_misbehaving_rule_fails_alone_and_the_host_keeps_serving() {
    let host = TestHost::start().await;
    host.install_demo_plugins().await;
    // The hostile guest behaves on the empty smoke application, so it can be activated as a
    // version of 预防接种证办理 — as a buggy rule would be.
    host.install(
        "vaccination-certificate",
        component("lianban-guest-hostile"),
    )
    .await;

    for (mode, code) in [
        ("panic", "rule_panic"),
        ("memory", "rule_out_of_memory"),
        ("recursion", "rule_stack_overflow"),
        ("flood", "rule_output_too_large"),
    ] {
        let mut app = fixture("newborn-window-complete");
        set_field(&mut app, "hostile.mode", mode);
        let (status, report) = host.precheck(&app).await;
        assert_eq!(status, StatusCode::OK, "{mode}: {report}");
        assert_eq!(report["ready"], false, "{mode}");
        let vac = matter(&report, "vaccination-certificate");
        assert_eq!(vac["status"], "failed", "{mode}");
        assert_eq!(vac["failure"]["code"], code, "{mode}");
        // The clerk sees the code, not the guest's internals.
        assert!(vac["failure"].get("stderr").is_none());
        // The other four matters were judged normally.
        for m in [
            "birth-medical-certificate",
            "birth-registration",
            "resident-medical-insurance",
            "social-security-card",
        ] {
            assert_eq!(matter(&report, m)["status"], "checked", "{mode} {m}");
        }
    }

    // Administrators get the captured panic message.
    let mut app = fixture("newborn-window-complete");
    set_field(&mut app, "hostile.mode", "panic");
    let (_, report) = host
        .post("/api/v1/prechecks", &host.tokens.admin, &app)
        .await;
    let failure = &matter(&report, "vaccination-certificate")["failure"];
    assert!(
        failure["stderr"]
            .as_str()
            .unwrap()
            .contains("故意触发的崩溃"),
        "{failure}"
    );

    // And the next normal pre-check is answered in full.
    let (status, report) = host.precheck(&fixture("newborn-window-complete")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(report["ready"], true, "{report:#}");
    drop(host.stop().await);
}
