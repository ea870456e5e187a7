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

fn find<'a>(list: &'a serde_json::Value, key: &str, value: &str) -> &'a serde_json::Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|x| x[key] == value)
        .unwrap_or_else(|| panic!("no {key} = {value} in {list}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guides_come_from_the_catalog_and_the_active_rules_and_follow_them() {
    let host = TestHost::start().await;
    host.install_demo_plugins().await;

    // Public: no token needed.
    let (s, g) = host.get("/api/v1/one-things/newborn/guide", "").await;
    assert_eq!(s, StatusCode::OK, "{g}");
    assert_eq!(g["lead_department"]["name"], "红旗区卫生健康委员会");
    assert_eq!(g["generated_from"].as_array().unwrap().len(), 5);
    assert_eq!(g["missing_rules"], json!([]));
    assert!(!g["conditions"].as_array().unwrap().is_empty());
    assert!(
        g["apply"]["window"]
            .as_str()
            .unwrap()
            .contains("一件事一次办")
    );

    // One set of materials: the mother's id card is asked for once, for every matter needing it.
    let materials = &g["materials"];
    let codes: Vec<&str> = materials
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["code"].as_str().unwrap())
        .collect();
    let mut unique = codes.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), codes.len(), "{codes:?}");
    let id_card = find(materials, "code", "mother-id-card");
    assert!(
        id_card["needed_by"].as_array().unwrap().len() >= 2,
        "{id_card}"
    );
    assert_eq!(
        find(materials, "code", "birth-medical-certificate")["elicense"],
        "出生医学证明"
    );

    // Times: 出生医学证明 (1) → 出生登记 (1) → 社保卡 (5) is the longest chain; each of the three
    // is accepted within a working day and the result goes back in one.
    let t = &g["time_limits"];
    assert_eq!(
        t["critical_path"],
        json!([
            "birth-medical-certificate",
            "birth-registration",
            "social-security-card"
        ])
    );
    assert_eq!(t["critical_path_promised_days"], 7);
    assert_eq!(t["whole_promised_days"], 11);
    assert_eq!(t["whole_legal_days"], 5 + 10 + 20 + 3 + 1);
    assert_eq!(
        find(&t["matters"], "matter", "birth-registration")["legal_days"],
        10
    );

    // Flow chart: intake, five matters, delivery; an arrow per prerequisite.
    let flow = &g["flow"];
    assert_eq!(flow["nodes"].as_array().unwrap().len(), 7);
    let arrows = flow["arrows"].as_array().unwrap();
    assert!(
        arrows.contains(&json!({"from": "birth-medical-certificate", "to": "birth-registration"}))
    );
    assert!(
        arrows.contains(&json!({"from": "birth-registration", "to": "resident-medical-insurance"}))
    );
    assert!(arrows.contains(&json!({"from": "intake", "to": "birth-medical-certificate"})));
    assert_eq!(arrows.len(), 8);
    let col = |id: &str| find(&flow["nodes"], "id", id)["column"].as_u64().unwrap();
    assert_eq!(col("vaccination-certificate"), col("birth-registration"));
    assert_eq!(
        col("social-security-card"),
        col("resident-medical-insurance")
    );

    // The renderings.
    let r = host
        .client
        .get(host.url("/api/v1/one-things/newborn/guide.html"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = r.text().await.unwrap();
    assert!(html.contains("新生儿出生一件事办事指南"));
    assert!(html.contains("不超过 11 个工作日"));
    assert!(html.contains("<svg"));
    let r = host
        .client
        .get(host.url("/api/v1/one-things/newborn/flow.svg"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "image/svg+xml; charset=utf-8");
    let svg = r.text().await.unwrap();
    assert_eq!(svg.matches("class=\"node\"").count(), 7);
    assert_eq!(svg.matches("class=\"arrow\"").count(), 8);

    // 企业开办: four matters in parallel after 设立登记.
    let (_, b) = host
        .get("/api/v1/one-things/business-startup/guide", "")
        .await;
    let nodes = &b["flow"]["nodes"];
    let col = |id: &str| find(nodes, "id", id)["column"].as_u64().unwrap();
    assert_eq!(col("seal-engraving-filing"), 2);
    assert_eq!(col("housing-fund-employer"), 2);
    assert_eq!(b["time_limits"]["critical_path_promised_days"], 2);
    assert_eq!(b["time_limits"]["whole_promised_days"], 5);

    // A new rules version changes the guide, which names the version it came from.
    let (s, v2) = host
        .upload(
            "birth-registration",
            host.tokens.department("public-security"),
            component("lianban-guest-registration-v2"),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = host
        .activate("birth-registration", v2["sha256"].as_str().unwrap())
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, g2) = host.get("/api/v1/one-things/newborn/guide", "").await;
    let from = find(&g2["generated_from"], "matter", "birth-registration");
    assert_eq!(from["version"], "2.0.0");
    assert_eq!(from["sha256"], v2["sha256"]);
    assert_eq!(g2["time_limits"]["critical_path_promised_days"], 6);
    assert!(
        find(&g2["review_points"], "matter", "birth-registration")["lines"]
            .to_string()
            .contains("第二版")
    );

    let (s, body) = host.get("/api/v1/one-things/no-such-thing/guide", "").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "unknown_one_thing");
    drop(host.stop().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_base_catalog_import_reports_the_one_things_it_affects() {
    let host = TestHost::start().await;
    let (s, base) = host.get("/api/v1/base-catalog", &host.tokens.clerk).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(base.as_array().unwrap().len(), 22);

    let demo = include_str!("../../host/data/base-catalog-demo.csv");
    // The province shortens 出生登记 to 7 working days, drops the housing fund entry and adds one.
    let next: String = demo
        .lines()
        .filter(|l| !l.starts_with("HQ-GJJ-001"))
        .map(|l| {
            if l.starts_with("HQ-GA-001") {
                l.replace(",10,", ",7,")
            } else {
                l.to_owned()
            }
        })
        .chain(["HQ-MZ-101,结婚登记,civil-affairs,county,1,《婚姻登记条例》第七条".to_owned()])
        .collect::<Vec<_>>()
        .join("\n");
    let send = |token: &str, content_type: &str, body: String| {
        host.client
            .put(host.url("/api/v1/base-catalog"))
            .bearer_auth(token)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let r = send(host.tokens.department("health"), "text/csv", next.clone())
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = send(&host.tokens.admin, "application/json", next.clone())
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let r = send(&host.tokens.admin, "text/csv", "code,name\nx,y\n".into())
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let bad = format!("{next}\nHQ-X-1,某事项,tax,星际级,3,x");
    let r = send(&host.tokens.admin, "text/csv", bad).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "base_catalog_invalid");
    assert!(
        body["error"]["details"]["problems"][0]
            .as_str()
            .unwrap()
            .contains("星际级")
    );

    let r = send(&host.tokens.admin, "text/csv", next).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let report: serde_json::Value = r.json().await.unwrap();
    assert_eq!(report["added"], json!(["HQ-MZ-101"]));
    assert_eq!(report["removed"], json!(["HQ-GJJ-001"]));
    assert_eq!(report["changed"][0]["code"], "HQ-GA-001");
    assert!(
        report["changed"][0]["changes"][0]
            .as_str()
            .unwrap()
            .contains("10 → 7")
    );
    let affected = report["affected"].as_array().unwrap();
    assert_eq!(affected.len(), 2, "{affected:?}");
    let registration = find(&report["affected"], "matter", "birth-registration");
    assert_eq!(registration["one_thing"], "newborn");
    let fund = find(&report["affected"], "matter", "housing-fund-employer");
    assert_eq!(fund["one_thing"], "business-startup");
    assert!(fund["what"].as_str().unwrap().contains("删除"));

    let (_, base) = host.get("/api/v1/base-catalog", &host.tokens.clerk).await;
    assert_eq!(base.as_array().unwrap().len(), 22);
    let (_, imports) = host
        .get("/api/v1/base-catalog/imports", &host.tokens.clerk)
        .await;
    assert_eq!(imports.as_array().unwrap().len(), 2);
    drop(host.stop().await);
}

/// The newborn one-thing as its lead department would redraft it: 社保卡 no longer waits for
/// 出生登记 but runs beside it, and the description says so.
fn newborn_draft(revision: u64, ssc_after: &str) -> serde_json::Value {
    json!({
        "revision": revision,
        "name": "新生儿出生一件事",
        "lead_department": "health",
        "description": "第二版：社会保障卡与出生登记并联办理。",
        "matters": [
            { "code": "birth-medical-certificate", "base": "HQ-WJ-001" },
            { "code": "vaccination-certificate", "base": "HQ-JK-001", "prerequisites": ["birth-medical-certificate"] },
            { "code": "birth-registration", "base": "HQ-GA-001", "prerequisites": ["birth-medical-certificate"] },
            { "code": "resident-medical-insurance", "base": "HQ-YB-001", "prerequisites": ["birth-registration"] },
            { "code": "social-security-card", "base": "HQ-RS-001", "prerequisites": [ssc_after] },
        ],
        "conditions": ["新生儿在本区出生或父母一方户籍在本区"],
        "fees": "不收费",
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_one_thing_goes_from_draft_through_filing_to_a_batch_and_takes_effect_on_its_date() {
    use chrono::TimeZone;
    let host = TestHost::start().await;
    host.install_demo_plugins().await;
    let health = host.tokens.department("health").to_owned();
    let admin = host.tokens.admin.clone();
    let path = "/api/v1/catalog/drafts/newborn";

    // The published list: two demo batches.
    let (s, batches) = host.get("/api/v1/catalog/batches", "").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(batches.as_array().unwrap().len(), 2);

    // Only the lead department may draft: not another department, not even the bureau.
    let (s, _) = host
        .put(
            path,
            host.tokens.department("hrss"),
            &newborn_draft(0, "birth-medical-certificate"),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = host
        .put(path, &admin, &newborn_draft(0, "birth-medical-certificate"))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let mut other_lead = newborn_draft(0, "birth-medical-certificate");
    other_lead["lead_department"] = json!("hrss");
    let (s, _) = host.put(path, &health, &other_lead).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // A cyclic prerequisite is refused, naming the cycle.
    let mut cyclic = newborn_draft(0, "birth-medical-certificate");
    cyclic["matters"][0]["prerequisites"] = json!(["social-security-card"]);
    let (s, body) = host.put(path, &health, &cyclic).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "one_thing_invalid");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("循环"), "{message}");
    assert!(
        message.contains("social-security-card → birth-medical-certificate"),
        "{message}"
    );
    // So is a matter outside the base catalog.
    let mut unknown = newborn_draft(0, "birth-medical-certificate");
    unknown["matters"][0]["base"] = json!("HQ-XX-999");
    let (s, body) = host.put(path, &health, &unknown).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("HQ-XX-999")
    );

    let (s, draft) = host
        .put(
            path,
            &health,
            &newborn_draft(0, "birth-medical-certificate"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{draft}");
    assert_eq!(draft["revision"], 1);
    assert_eq!(draft["state"], "editing");
    assert_eq!(draft["based_on"], 1);
    // Names, departments and levels come from the base catalog.
    assert_eq!(draft["one_thing"]["matters"][2]["name"], "出生登记");
    assert_eq!(
        draft["one_thing"]["matters"][2]["department"],
        "public-security"
    );
    // An edit made on an old revision is refused.
    let (s, body) = host
        .put(
            path,
            &health,
            &newborn_draft(0, "birth-medical-certificate"),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "draft_revision_stale");

    // Filing (备案); while the bureau looks at it, it cannot change.
    let (s, filing) = host
        .post(
            &format!("{path}/filing"),
            &health,
            &json!({ "revision": 1 }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{filing}");
    assert_eq!(filing["seq"], 1);
    let (s, body) = host
        .put(
            path,
            &health,
            &newborn_draft(1, "birth-medical-certificate"),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "draft_under_filing");
    // A department cannot answer a filing; a return needs a reason.
    let (s, _) = host
        .post(
            &format!("{path}/decision"),
            &health,
            &json!({ "approve": true }),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, body) = host
        .post(
            &format!("{path}/decision"),
            &admin,
            &json!({ "approve": false }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "reason_required");
    let reason = "社保卡申领需以出生登记后的公民身份号码为前提，请恢复串联关系";
    let (s, answered) = host
        .post(
            &format!("{path}/decision"),
            &admin,
            &json!({ "approve": false, "reason": reason }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{answered}");
    let (_, draft) = host.get(path, &health).await;
    assert_eq!(draft["state"], "returned");
    assert_eq!(draft["returned_because"], reason);
    // The other department cannot even read it.
    let (s, _) = host.get(path, host.tokens.department("hrss")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // Resubmitted with the serial relation restored, approved.
    let (s, draft) = host
        .put(path, &health, &newborn_draft(1, "birth-registration"))
        .await;
    assert_eq!(s, StatusCode::OK, "{draft}");
    assert_eq!(draft["revision"], 2);
    let (s, _) = host
        .post(
            &format!("{path}/filing"),
            &health,
            &json!({ "revision": 2 }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = host
        .post(
            &format!("{path}/decision"),
            &admin,
            &json!({ "approve": true }),
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    // Published in a batch that takes effect on 2026-12-01.
    let batch = |code: &str, members: serde_json::Value| json!({ "code": code, "name": "红旗区“一件事一次办”事项清单（第三批）", "effective_on": "2026-12-01", "one_things": members });
    let (s, body) = host
        .post(
            "/api/v1/catalog/batches",
            &health,
            &batch("2026-03", json!(["newborn"])),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
    let (s, body) = host
        .post(
            "/api/v1/catalog/batches",
            &admin,
            &batch("2026-03", json!(["newborn", "business-startup"])),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "batch_invalid");
    let (s, published) = host
        .post(
            "/api/v1/catalog/batches",
            &admin,
            &batch("2026-03", json!(["newborn"])),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{published}");
    assert_eq!(published["entries"][0]["version"], 2);
    assert_eq!(published["published_on"], "2026-11-27");
    let (s, _) = host
        .post(
            "/api/v1/catalog/batches",
            &admin,
            &batch("2026-03", json!(["newborn"])),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    // The draft is gone: it is a version now.
    let (s, _) = host.get(path, &health).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Until its date, version 1 is in effect; a case started now keeps it.
    let (_, history) = host
        .get(
            "/api/v1/catalog/one-things/newborn/history",
            &host.tokens.clerk,
        )
        .await;
    assert_eq!(history["versions"].as_array().unwrap().len(), 2);
    assert_eq!(history["filings"].as_array().unwrap().len(), 2);
    assert_eq!(history["filings"][0]["decision"]["reason"], reason);
    assert_eq!(history["versions"][1]["filing"], 2);
    assert_eq!(history["effective_version"], 1);
    let (_, guide) = host.get("/api/v1/one-things/newborn/guide", "").await;
    assert!(!guide["description"].as_str().unwrap().starts_with("第二版"));
    let clerk = host.tokens.clerk.clone();
    let old_case = lianban_e2e::received_case(&host, &clerk).await;

    host.clock
        .set(chrono::Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0).unwrap());
    let (_, history) = host
        .get(
            "/api/v1/catalog/one-things/newborn/history",
            &host.tokens.clerk,
        )
        .await;
    assert_eq!(history["effective_version"], 2);
    let (_, guide) = host.get("/api/v1/one-things/newborn/guide", "").await;
    assert!(guide["description"].as_str().unwrap().starts_with("第二版"));
    let new_case = lianban_e2e::received_case(&host, &clerk).await;
    let (_, old) = host.get(&format!("/api/v1/cases/{old_case}"), &clerk).await;
    let (_, new) = host.get(&format!("/api/v1/cases/{new_case}"), &clerk).await;
    assert_eq!(old["one_thing_version"], 1);
    assert_eq!(new["one_thing_version"], 2);
    drop(host.stop().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_consultation_with_supports_replies_ranking_and_private_contacts() {
    use lianban::store::ConsultationStore;
    let host = TestHost::start().await;
    let portal = host.applicant_token();
    let clerk = host.tokens.clerk.clone();
    let admin = host.tokens.admin.clone();
    let contact = "联系人张女士 13812345678";

    let h = &host;
    let propose = |body: serde_json::Value| async move {
        h.post("/api/v1/consultation/proposals", "", &body).await
    };
    let (s, enrol) = propose(json!({
        "kind": "new_one_thing",
        "title": "入学一件事",
        "need": "孩子上小学要分别去教育、公安、社区开证明，希望一次办好。",
        "contact": contact,
    }))
    .await;
    assert_eq!(s, StatusCode::CREATED, "{enrol}");
    assert!(!enrol.to_string().contains("13812345678"));
    assert_eq!(enrol["status"], "received");
    let (s, body) =
        propose(json!({ "kind": "comment", "one_thing": "no-such", "title": "意见", "need": "x" }))
            .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "proposal_invalid");
    let (s, _) = propose(json!({ "kind": "new_one_thing", "title": "", "need": "x" })).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, comment) = propose(json!({
        "kind": "comment",
        "one_thing": "newborn",
        "title": "出生一件事希望能邮寄社保卡",
        "need": "产后不便到大厅，社保卡能否邮寄。",
    }))
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, quiet) = propose(
        json!({ "kind": "new_one_thing", "title": "开办餐饮店一件事", "need": "证照太多" }),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);

    // Supports: only through the online service or the window, once per person.
    let id = |p: &serde_json::Value| p["id"].as_u64().unwrap();
    let support = |token: String, pid: u64, person: &'static str| async move {
        h.post(
            &format!("/api/v1/consultation/proposals/{pid}/supports"),
            &token,
            &json!({ "person": person }),
        )
        .await
    };
    let (s, _) = support(String::new(), id(&comment), "acct-1").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, p) = support(portal.clone(), id(&comment), "acct-1").await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(p["supports"], 1);
    let (s, body) = support(portal.clone(), id(&comment), "acct-1").await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "already_supported");
    let (s, p) = support(clerk.clone(), id(&comment), "410702199205050027").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(p["supports"], 2);
    let (s, _) = support(portal.clone(), id(&enrol), "acct-1").await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = support(portal.clone(), 999_999, "acct-1").await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The ranking, most supported first.
    let (s, ranking) = host.get("/api/v1/consultation/proposals", "").await;
    assert_eq!(s, StatusCode::OK);
    let order: Vec<u64> = ranking.as_array().unwrap().iter().map(id).collect();
    assert_eq!(order, [id(&comment), id(&enrol), id(&quiet)]);

    // The bureau answers; the public sees the answer, never the contact or the staff name.
    let replies = |pid: u64| format!("/api/v1/consultation/proposals/{pid}/replies");
    let (s, _) = host
        .post(
            &replies(id(&enrol)),
            &clerk,
            &json!({ "status": "adopted", "text": "x" }),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = host
        .post(
            &replies(id(&enrol)),
            &admin,
            &json!({ "status": "declined", "text": " " }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = host
        .post(
            &replies(id(&enrol)),
            &admin,
            &json!({ "status": "under_study", "text": "已转教育局研究" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, answered) = host
        .post(
            &replies(id(&enrol)),
            &admin,
            &json!({ "status": "adopted", "text": "拟纳入第三批清单" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(answered["contact"], contact, "the bureau sees the contact");
    let (_, public) = host
        .get(
            &format!("/api/v1/consultation/proposals/{}", id(&enrol)),
            "",
        )
        .await;
    assert_eq!(public["status"], "adopted");
    assert_eq!(public["replies"].as_array().unwrap().len(), 2);
    assert_eq!(public["replies"][1]["text"], "拟纳入第三批清单");
    let (_, adopted) = host
        .get("/api/v1/consultation/proposals?status=adopted", "")
        .await;
    assert_eq!(adopted.as_array().unwrap().len(), 1);
    for path in [
        "/api/v1/consultation/proposals",
        "/api/v1/consultation/proposals?status=adopted",
    ] {
        let (_, all) = host.get(path, "").await;
        let text = all.to_string();
        assert!(
            !text.contains("13812345678") && !text.contains("管理员"),
            "{text}"
        );
    }
    let (s, _) = host.get("/api/v1/consultation/inbox", &clerk).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, inbox) = host.get("/api/v1/consultation/inbox", &admin).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(find(&inbox, "title", "入学一件事")["contact"], contact);

    // Abuse limits: five proposals an hour per client address.
    for i in 0..2 {
        let (s, _) =
            propose(json!({ "kind": "new_one_thing", "title": format!("建议{i}"), "need": "x" }))
                .await;
        assert_eq!(s, StatusCode::CREATED);
    }
    let (s, body) =
        propose(json!({ "kind": "new_one_thing", "title": "又一条", "need": "x" })).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(
        body["error"]["details"]["retry_after_secs"]
            .as_u64()
            .unwrap()
            > 0
    );
    // And a daily number of supports per person, kept with the counts.
    let store = host.state.store.clone();
    let pid = id(&quiet);
    let outcome = tokio::task::spawn_blocking(move || {
        let first = store
            .add_support(pid, "hash-of-someone", "2026-11-27", 1)
            .unwrap();
        let second = store
            .add_support(id(&enrol), "hash-of-someone", "2026-11-27", 1)
            .unwrap();
        (
            matches!(first, lianban::consultation::SupportOutcome::Counted(_)),
            matches!(second, lianban::consultation::SupportOutcome::DailyLimit),
        )
    })
    .await
    .unwrap();
    assert_eq!(outcome, (true, true));
    drop(host.stop().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_demo_one_thing_is_published_with_a_guide_and_prechecks_ready() {
    use lianban_e2e::{BEREAVEMENT, BUSINESS, NEWBORN, RESTAURANT, RETIREMENT};
    let host = TestHost::start().await;
    host.install_plugins(
        NEWBORN
            .iter()
            .chain(BUSINESS)
            .chain(RESTAURANT)
            .chain(RETIREMENT)
            .chain(BEREAVEMENT),
    )
    .await;

    // Two batches: people's life events first, businesses second.
    let (_, batches) = host.get("/api/v1/catalog/batches", "").await;
    let members = |i: usize| -> Vec<String> {
        batches[i]["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["one_thing"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(members(0), ["newborn", "retirement", "bereavement"]);
    assert_eq!(members(1), ["business-startup", "restaurant"]);

    // (one-thing, matters, arrows, critical path, whole promised days, a material several
    // matters share)
    let cases = [
        (
            "restaurant",
            4,
            7,
            vec!["company-registration", "food-business-license"],
            1 + 5 + 2 + 1,
            "premises-proof",
        ),
        (
            "retirement",
            3,
            5,
            vec!["pension-benefit-approval", "employee-medical-retirement"],
            10 + 5 + 2 + 1,
            "retiree-id-card",
        ),
        (
            "bereavement",
            6,
            10,
            vec![
                "death-medical-certificate",
                "household-cancellation",
                "survivor-benefits",
            ],
            5 + 3 + 1,
            "kinship-proof",
        ),
    ];
    for (code, matters, arrows, path, whole, shared) in cases {
        let (s, g) = host
            .get(&format!("/api/v1/one-things/{code}/guide"), "")
            .await;
        assert_eq!(s, StatusCode::OK, "{code}: {g}");
        assert_eq!(g["missing_rules"], json!([]), "{code}");
        assert_eq!(
            g["generated_from"].as_array().unwrap().len(),
            matters,
            "{code}"
        );
        assert_eq!(
            g["flow"]["nodes"].as_array().unwrap().len(),
            matters + 2,
            "{code}"
        );
        assert_eq!(
            g["flow"]["arrows"].as_array().unwrap().len(),
            arrows,
            "{code}"
        );
        assert_eq!(g["time_limits"]["critical_path"], json!(path), "{code}");
        assert_eq!(g["time_limits"]["whole_promised_days"], whole, "{code}");
        let material = find(&g["materials"], "code", shared);
        assert!(
            material["needed_by"].as_array().unwrap().len() >= 2,
            "{code}: {material}"
        );
        let codes: Vec<&str> = g["materials"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["code"].as_str().unwrap())
            .collect();
        assert_eq!(codes.iter().filter(|c| **c == shared).count(), 1, "{code}");
        assert!(!g["basis"].as_array().unwrap().is_empty());
        assert!(!g["review_points"].as_array().unwrap().is_empty());

        // The complete application of the fixture passes the pre-check of every matter.
        let (s, report) = host
            .precheck(&lianban_e2e::fixture(&format!("{code}-window-complete")))
            .await;
        assert_eq!(s, StatusCode::OK, "{code}: {report}");
        assert_eq!(report["ready"], true, "{code}: {report:#}");
    }
    // 开办餐饮店 reuses the 企业设立登记 rules: one matter, two one-things.
    let (_, restaurant) = host.get("/api/v1/one-things/restaurant/guide", "").await;
    let (_, business) = host
        .get("/api/v1/one-things/business-startup/guide", "")
        .await;
    assert_eq!(
        find(
            &restaurant["generated_from"],
            "matter",
            "company-registration"
        )["sha256"],
        find(
            &business["generated_from"],
            "matter",
            "company-registration"
        )["sha256"]
    );
    drop(host.stop().await);
}
