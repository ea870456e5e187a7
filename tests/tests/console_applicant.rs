//! The applicants' pages of the console in a real browser, on a phone-sized window: applying
//! online with the self-check, correcting after the window's notice, withdrawing, and the
//! consultation.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use lianban_e2e::APPLICANT_ID;
use lianban_e2e::browser::{Driver, Screen};
use lianban_e2e::hall::{APPLICANT, case_status, hall, newborn_form};
use reqwest::StatusCode;
use serde_json::json;

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
