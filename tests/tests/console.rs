//! The console in a real browser (Debian's chromium over WebDriver), signed in through the real
//! identity provider: a newborn case from the window's intake, with one round of correction,
//! through each department's acceptance and decision to delivery and archive, followed by the
//! applicant on a phone; and a department that tries the window's screens and another
//! department's item. Every main screen is checked with axe-core and photographed into
//! `target/console-screens/`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use lianban_e2e::browser::{Driver, Screen};
use lianban_e2e::identity::{IdentityProvider, host_with_provider};
use lianban_e2e::{APPLICANT_ID, NEWBORN, TestHost, department_of, fixture};
use reqwest::StatusCode;
use serde_json::{Map, Value, json};

const CLERK: &str = "wang.min";
const APPLICANT: &str = "li.fang";

/// The window's clerk, an administrator, one handler for each newborn department (`h.<code>`),
/// and the mother as a citizen.
async fn hall() -> (TestHost, IdentityProvider) {
    let mut staff: Vec<(String, String, Vec<String>)> = vec![
        (CLERK.into(), "王敏".into(), vec!["clerk".into()]),
        ("chen.jing".into(), "陈静".into(), vec!["admin".into()]),
    ];
    for m in NEWBORN {
        let d = department_of(m);
        staff.push((
            format!("h.{d}"),
            format!("{d}审批"),
            vec![format!("department:{d}")],
        ));
    }
    let mut people = json!({ "staff": {}, "citizens": {
        APPLICANT: { "name": "李芳", "id_number": APPLICANT_ID } } });
    for (login, name, _) in &staff {
        people["staff"][login] = json!({ "name": name });
    }
    let roles: Vec<Vec<&str>> = staff
        .iter()
        .map(|(_, _, r)| r.iter().map(String::as_str).collect())
        .collect();
    let directory: Vec<(&str, &str, &[&str])> = staff
        .iter()
        .zip(&roles)
        .map(|((l, n, _), r)| (l.as_str(), n.as_str(), r.as_slice()))
        .collect();
    let (host, provider) = host_with_provider(&people, &directory, |_, _| {}).await;
    host.install_plugins(NEWBORN).await;
    (host, provider)
}

/// The newborn fixture in the form's names: every field, and every material but the
/// vaccination record (which the pre-check then asks for).
fn newborn_form() -> Value {
    let app = fixture("newborn-window-complete");
    let mut values = Map::new();
    for (key, value) in app["fields"].as_object().unwrap() {
        values.insert(format!("f.{key}"), value.clone());
    }
    for m in app["materials"].as_array().unwrap() {
        let code = m["code"].as_str().unwrap();
        if code == "vaccination-record" {
            continue;
        }
        values.insert(format!("m.{code}.received"), json!("on"));
        values.insert(format!("m.{code}.form"), m["form"].clone());
        values.insert(format!("m.{code}.pages"), json!(m["pages"].to_string()));
        for part in ["issued_on", "valid_until"] {
            if let Some(v) = m[part].as_str() {
                values.insert(format!("m.{code}.{part}"), json!(v));
            }
        }
    }
    Value::Object(values)
}

async fn case_status(host: &TestHost, id: &str) -> Value {
    host.get_ok(&format!("/api/v1/cases/{id}"), &host.tokens.admin)
        .await
}

/// A department's handler accepts, decides and returns their item in the browser; each step
/// says the deadline it set.
async fn department_finishes(
    driver: &Driver,
    host: &TestHost,
    case: &str,
    matter: &str,
    first: bool,
) {
    let dept = department_of(matter);
    let page = driver.window(&host.base, Screen::Terminal).await;
    page.sign_in("工作人员登录", &format!("h.{dept}")).await;
    assert_eq!(page.path().await, "/console/inbox");
    if first {
        page.check_accessibility("department inbox").await;
        page.screenshot("department-inbox").await;
    }
    page.click_link(case).await;
    let at = format!("#act-{matter}");
    page.submit(&format!("{at} button[value=accept]")).await;
    let said = page.text_of("#done").await;
    assert!(
        said.contains("已受理") && said.contains("办结期限"),
        "{matter}: {said}"
    );
    if first {
        page.check_accessibility("department case").await;
        page.screenshot("department-case").await;
    }
    page.type_into("document_name", "办理结果").await;
    page.type_into("document_number", &format!("E-{matter}"))
        .await;
    if first {
        // The result document itself, uploaded with the decision.
        let pdf = std::env::temp_dir().join(format!("出生医学证明-{case}.pdf"));
        std::fs::write(&pdf, lianban_e2e::PDF).unwrap();
        page.find(fantoccini::Locator::Css(&format!("#file-{matter}")))
            .await
            .send_keys(pdf.to_str().unwrap())
            .await
            .unwrap();
    }
    page.submit(&format!("{at} button[value=decide]")).await;
    let said = page.text_of("#done").await;
    assert!(
        said.contains("已办结") && said.contains("回传综合窗口"),
        "{matter}: {said}"
    );
    page.submit(&format!("{at} button[value=return_result]"))
        .await;
    assert!(page.text_of("#done").await.contains("结果已回传"));
    if first {
        let case = case_status(host, case).await;
        let item = lianban_e2e::journey::item(&case, matter);
        let file = item["decision"]["documents"][0]["file"]
            .as_str()
            .unwrap_or_default();
        assert_eq!(file.len(), 64, "the document was stored: {item}");
    }
    page.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newborn_case_goes_through_the_console_from_intake_to_archive() {
    let (host, _provider) = hall().await;
    let driver = Driver::start().await;

    // The window: sign in, choose the one-thing.
    let clerk = driver.window(&host.base, Screen::Terminal).await;
    clerk.sign_in("工作人员登录", CLERK).await;
    assert_eq!(clerk.path().await, "/console/window");
    clerk.check_accessibility("window").await;
    clerk.screenshot("window").await;
    clerk.goto("/console/window/apply/newborn").await;
    assert!(clerk.text().await.contains("新生儿出生一件事"));

    // A mistyped identity number is caught as the clerk types, before any request.
    clerk
        .type_into("f.applicant.id-number", "410702199205050028")
        .await;
    clerk.type_into("f.applicant.name", "李芳").await;
    assert!(
        clerk.text().await.contains("公民身份号码校验位不正确"),
        "the check digit is checked in the page"
    );
    clerk.click("button[value=intake]").await;
    assert_eq!(
        clerk.path().await,
        "/console/window/apply/newborn",
        "the form stays"
    );
    let (_, mine) = host
        .get("/api/v1/supervision/clocks", &host.tokens.admin)
        .await;
    assert_eq!(mine, json!([]), "no case was taken in");

    // The pre-check gives the one-time notice; everything typed stays.
    clerk.fill(&newborn_form()).await;
    clerk.submit("button[value=precheck]").await;
    let text = clerk.text().await;
    assert!(text.contains("一次性告知书"), "{text}");
    assert!(
        text.contains("接种"),
        "the notice names the missing record: {text}"
    );
    let kept = clerk
        .client
        .find(fantoccini::Locator::Css("[name=\"f.child.name\"]"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(
        kept.as_deref(),
        Some("王小雨"),
        "input survives the round trip"
    );
    clerk.check_accessibility("window form with notice").await;
    clerk.screenshot("window-workbench").await;

    // Taken in as it is: the case waits for the correction.
    clerk.submit("button[value=intake]").await;
    let path = clerk.path().await;
    let id = path
        .strip_prefix("/console/cases/")
        .and_then(|p| p.split('?').next())
        .unwrap_or_else(|| panic!("{path}"))
        .to_owned();
    assert!(clerk.text_of("#done").await.contains("一次性告知书"));
    assert_eq!(case_status(&host, &id).await["status"], "incomplete");
    clerk.check_accessibility("incomplete case").await;
    clerk.screenshot("case-incomplete").await;

    // The correction: the record is brought, ticked, sent.
    clerk
        .fill(&json!({
            "m.vaccination-record.received": "on",
            "m.vaccination-record.form": "copy",
            "m.vaccination-record.issued_on": "2026-11-20",
        }))
        .await;
    clerk
        .submit("form[action$='/correction'] button[type=submit]")
        .await;
    assert!(clerk.text_of("#done").await.contains("已分送各部门"));
    assert_eq!(case_status(&host, &id).await["status"], "in_progress");
    clerk.goto(&format!("/console/cases/{id}/receipt")).await;
    assert!(clerk.text().await.contains("回执编号"));
    clerk.check_accessibility("receipt").await;
    clerk.screenshot("receipt").await;

    // The window finds it again by the mother's identity number.
    clerk.goto("/console/window").await;
    clerk.type_into("id_number", APPLICANT_ID).await;
    clerk.submit("form.search button[type=submit]").await;
    let found = clerk.text_of("#found").await;
    assert!(found.contains(&id) && found.contains("李*"), "{found}");
    clerk.check_accessibility("case search").await;

    // The applicant follows on her phone.
    let phone = driver.window(&host.base, Screen::Phone).await;
    phone.sign_in("群众登录", APPLICANT).await;
    assert_eq!(phone.path().await, "/console/mine");
    assert!(phone.text().await.contains(&id));
    phone.click_link("新生儿出生一件事").await;
    assert!(phone.text().await.contains("办理中"));
    assert!(phone.overflow().await <= 0, "the case page fits a phone");
    phone
        .check_accessibility("applicant's case on a phone")
        .await;
    phone.screenshot("applicant-phone").await;

    // Each department in the order of prerequisites; the window takes each result in.
    for (n, matter) in NEWBORN.iter().enumerate() {
        department_finishes(&driver, &host, &id, matter, n == 0).await;
        clerk.goto(&format!("/console/cases/{id}")).await;
        clerk.submit("button[value=receive_result]").await;
        assert!(clerk.text_of("#done").await.contains("已接收办理结果"));
    }

    // Delivery and archive, each confirmed before it is done.
    assert_eq!(case_status(&host, &id).await["status"], "completed");
    clerk.click_confirmed("button[value=deliver]").await;
    assert!(clerk.text_of("#done").await.contains("已送达"));
    clerk.click_confirmed("button[value=archive]").await;
    assert!(clerk.text_of("#done").await.contains("已归档"));
    assert_eq!(case_status(&host, &id).await["status"], "archived");
    clerk.screenshot("case-archived").await;

    phone.goto("/console/mine").await;
    assert!(phone.text().await.contains("已归档"));
    assert!(phone.overflow().await <= 0, "the list fits a phone");
    phone
        .check_accessibility("applicant's cases on a phone")
        .await;
    phone.screenshot("applicant-mine").await;
    clerk.close().await;
    phone.close().await;
}

/// A department's handler reaches neither the window's screens nor another department's item;
/// a write without the session's CSRF token changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_department_stays_in_its_own_lane() {
    let (host, _provider) = hall().await;
    let case = lianban_e2e::received_case(&host, &host.tokens.clerk).await;
    let driver = Driver::start().await;
    let health = driver.window(&host.base, Screen::Terminal).await;

    // Not signed in: the console's pages send the visitor to sign in.
    health.goto("/console/inbox").await;
    assert_eq!(health.path().await, "/console/");
    health.check_accessibility("sign-in page").await;
    health.screenshot("sign-in").await;

    health.sign_in("工作人员登录", "h.health").await;
    health.goto("/console/window").await;
    assert!(health.text().await.contains("此页面仅供综合窗口使用"));
    health.goto("/console/window/apply/newborn").await;
    assert!(health.text().await.contains("此页面仅供综合窗口使用"));

    // Its own item has its commands; another department's has none on the page.
    health.goto(&format!("/console/cases/{case}")).await;
    assert!(
        health
            .client
            .find(fantoccini::Locator::Css("#act-birth-medical-certificate"))
            .await
            .is_ok()
    );
    assert!(
        health
            .client
            .find(fantoccini::Locator::Css("#act-birth-registration"))
            .await
            .is_err()
    );

    // A forged form for another department's item, with the session's own token: the API
    // refuses it and the item does not move.
    health
        .client
        .execute(
            r#"const f = document.createElement("form");
            f.method = "post";
            f.action = location.pathname + "/items/birth-registration";
            const csrf = document.querySelector("input[name=csrf]").value;
            for (const [k, v] of [["csrf", csrf], ["action", "accept"]]) {
              const i = document.createElement("input"); i.type = "hidden"; i.name = k; i.value = v; f.appendChild(i);
            }
            document.body.appendChild(f); f.submit();"#,
            vec![],
        )
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let text = health.text().await;
    assert!(!text.contains("已受理。"), "{text}");
    let item = |case: &Value, m: &str| {
        case["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["matter"] == m)
            .unwrap()["status"]
            .clone()
    };
    let now = case_status(&host, &case).await;
    assert_ne!(item(&now, "birth-registration"), "accepted");

    // The same command on its own item, but with a token that is not the session's.
    let cookies = health.client.get_all_cookies().await.unwrap();
    let session = cookies
        .iter()
        .find(|c| c.name() == "lb_session")
        .unwrap()
        .value()
        .to_owned();
    let response = reqwest::Client::new()
        .post(host.url(&format!(
            "/console/cases/{case}/items/birth-medical-certificate"
        )))
        .header("cookie", format!("lb_session={session}"))
        .form(&[("csrf", "not-the-token"), ("action", "accept")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.text().await.unwrap().contains("X-CSRF-Token"));
    let now = case_status(&host, &case).await;
    assert_eq!(item(&now, "birth-medical-certificate"), "distributed");
    health.close().await;
}

/// A department uploads a new version of its rules; the bureau reads what changed, replays it
/// on recent pre-checks, marks the report read, activates it and rolls back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bureau_puts_a_new_rules_version_into_service_and_takes_it_back() {
    let (host, _provider) = hall().await;
    const MATTER: &str = "birth-registration";
    let before = host
        .get_ok(
            &format!("/api/v1/matters/{MATTER}/active"),
            &host.tokens.admin,
        )
        .await;
    for _ in 0..2 {
        let (s, report) = host.precheck(&fixture("newborn-window-complete")).await;
        assert_eq!(s, StatusCode::OK, "{report}");
    }
    let driver = Driver::start().await;

    // The department sees its own matters only, and uploads.
    let dept = driver.window(&host.base, Screen::Terminal).await;
    dept.sign_in("工作人员登录", "h.public-security").await;
    dept.goto("/console/rules").await;
    let text = dept.text().await;
    assert!(
        text.contains("出生登记") && !text.contains("出生医学证明签发"),
        "{text}"
    );
    dept.click_link("出生登记").await;
    let file = lianban_e2e::guests_dir().join("lianban_guest_registration_v2.wasm");
    dept.find(fantoccini::Locator::Css("#file"))
        .await
        .send_keys(file.to_str().unwrap())
        .await
        .unwrap();
    dept.submit("form[enctype='multipart/form-data'] button[type=submit]")
        .await;
    assert!(
        dept.text_of("#done").await.contains("已上传"),
        "{}",
        dept.text().await
    );
    dept.check_accessibility("rules, department").await;
    dept.close().await;

    // The bureau: what changed, the replay, its review, activation, rollback.
    let bureau = driver.window(&host.base, Screen::Terminal).await;
    bureau.sign_in("工作人员登录", "chen.jing").await;
    assert_eq!(bureau.path().await, "/console/rules");
    bureau.check_accessibility("rules list").await;
    bureau.goto(&format!("/console/rules/{MATTER}")).await;
    let v2 = "[id='v-2.0.0']";
    let changes = bureau.text_of(v2).await;
    assert!(changes.contains("承诺时限"), "{changes}");
    bureau.submit(&format!("{v2} button[value=replay]")).await;
    let report = bureau.text_of(&format!("{v2} .replay-totals")).await;
    assert!(report.contains("最近 2 份预审"), "{report}");
    bureau.submit(&format!("{v2} button[value=review]")).await;
    assert!(bureau.text_of("#done").await.contains("已记录阅读"));
    bureau.check_accessibility("rules of a matter").await;
    bureau.screenshot("rules-bureau").await;
    bureau
        .click_confirmed(&format!("{v2} button[value=activate]"))
        .await;
    assert!(bureau.text_of("#done").await.contains("已启用"));
    let now = host
        .get_ok(
            &format!("/api/v1/matters/{MATTER}/active"),
            &host.tokens.admin,
        )
        .await;
    assert_eq!(now["version"], "2.0.0");
    bureau.click_confirmed("button[value=rollback]").await;
    assert!(bureau.text_of("#done").await.contains("已回退"));
    let now = host
        .get_ok(
            &format!("/api/v1/matters/{MATTER}/active"),
            &host.tokens.admin,
        )
        .await;
    assert_eq!(now["sha256"], before["sha256"]);

    // The administration tabs, each checked; a new clerk goes into the directory.
    for tab in ["supervision", "catalog", "calendar", "staff", "outbox"] {
        bureau.goto(&format!("/console/bureau/{tab}")).await;
        bureau.check_accessibility(&format!("bureau: {tab}")).await;
        bureau.screenshot(&format!("bureau-{tab}")).await;
    }
    bureau.goto("/console/bureau/staff").await;
    for (id, text) in [
        ("#s-sub", "zhao.lei"),
        ("#s-name", "赵磊"),
        ("#s-roles", "clerk"),
    ] {
        let input = bureau.find(fantoccini::Locator::Css(id)).await;
        input.send_keys(text).await.unwrap();
    }
    bureau.submit("button[value=put_staff]").await;
    assert!(bureau.text_of("#done").await.contains("已完成"));
    let staff = host.get_ok("/api/v1/staff", &host.tokens.admin).await;
    assert!(
        staff
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["subject"] == "zhao.lei" && m["roles"] == json!(["clerk"])),
        "{staff}"
    );
    bureau.close().await;

    // The window's clerk is not the bureau.
    let clerk = driver.window(&host.base, Screen::Terminal).await;
    clerk.sign_in("工作人员登录", CLERK).await;
    clerk.goto("/console/bureau/staff").await;
    assert!(
        clerk
            .text()
            .await
            .contains("此页面仅供政务服务管理机构使用")
    );
    clerk.goto("/console/rules").await;
    assert!(
        clerk
            .text()
            .await
            .contains("此页面仅供政务服务管理机构和部门使用")
    );
    clerk.close().await;
}

/// An applicant on a phone: the published one-things, the online form with the self-check,
/// the submission, and the consultation (propose, support once).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_applicant_applies_online_from_a_phone() {
    let (host, _provider) = hall().await;
    let driver = Driver::start().await;
    let phone = driver.window(&host.base, Screen::Phone).await;

    // Before signing in: the services and the consultation are open to all.
    phone.goto("/console/services").await;
    assert!(phone.text().await.contains("新生儿出生一件事"));
    phone.check_accessibility("services").await;
    assert!(phone.overflow().await <= 0, "the services fit a phone");

    phone.sign_in("群众登录", APPLICANT).await;
    phone.goto("/console/window").await;
    assert!(phone.text().await.contains("此页面仅供综合窗口使用"));
    phone.goto("/console/apply/newborn").await;
    let mut form = newborn_form();
    for (name, value) in form.as_object_mut().unwrap() {
        if name.ends_with(".form") {
            *value = json!("scan");
        }
    }
    phone.fill(&form).await;
    phone.submit("button[value=precheck]").await;
    let text = phone.text().await;
    assert!(
        text.contains("一次性告知书") && text.contains("接种"),
        "{text}"
    );
    assert!(phone.overflow().await <= 0, "the form fits a phone");
    phone
        .check_accessibility("online form with the self-check")
        .await;
    phone.screenshot("applicant-apply").await;
    // She submits without the record; the window's check sends the one-time notice.
    phone.submit("button[value=intake]").await;
    let path = phone.path().await;
    let id = path
        .strip_prefix("/console/cases/")
        .and_then(|p| p.split('?').next())
        .unwrap_or_else(|| panic!("{path}"))
        .to_owned();
    let case = case_status(&host, &id).await;
    assert_eq!(case["channel"], "online");
    assert_eq!(case["status"], "submitted", "the window confirms it next");
    let (s, b) = lianban_e2e::journey::window(&host, &id, json!({ "action": "confirm" })).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["status"], "incomplete");

    // She corrects it on her case's page: what she wrote is there in full, the scan is added.
    phone.goto(&format!("/console/cases/{id}")).await;
    assert!(phone.text().await.contains("一次性告知书"));
    let kept = phone
        .find(fantoccini::Locator::Css("[name=\"f.mother.id-number\"]"))
        .await
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some(APPLICANT_ID));
    phone
        .fill(&json!({
            "m.vaccination-record.received": "on",
            "m.vaccination-record.form": "scan",
            "m.vaccination-record.issued_on": "2026-11-20",
        }))
        .await;
    phone.check_accessibility("applicant's correction").await;
    phone
        .submit("form[action$='/correction'] button[type=submit]")
        .await;
    assert!(phone.text_of("#done").await.contains("补正材料已提交"));
    assert_eq!(case_status(&host, &id).await["status"], "submitted");

    // And withdraws it, after confirming.
    phone.type_into("reason", "已改为到窗口办理").await;
    phone.click_confirmed("button[value=withdraw]").await;
    assert_eq!(case_status(&host, &id).await["status"], "withdrawn");

    // The consultation: a proposal, then one support however often she presses.
    phone.goto("/console/consultation").await;
    phone.type_into("title", "开办托育机构一件事").await;
    phone
        .type_into("need", "备案、消防、卫生评价分别跑了三个部门。")
        .await;
    phone
        .submit("form[action='/console/consultation'] button[type=submit]")
        .await;
    assert!(phone.text_of("#done").await.contains("建议已提交"));
    phone.submit(".proposal button[type=submit]").await;
    assert!(phone.text_of("#done").await.contains("已记录"));
    phone.submit(".proposal button[type=submit]").await;
    assert!(
        phone.text_of("#failure").await.contains("已"),
        "{}",
        phone.text().await
    );
    assert!(phone.text().await.contains("支持 1 人"));
    phone.check_accessibility("consultation").await;
    phone.screenshot("consultation").await;
    phone.close().await;
}
