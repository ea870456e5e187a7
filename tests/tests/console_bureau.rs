//! The bureau's pages of the console in a real browser: a rules version from a department's
//! upload to activation and rollback, and the administration tabs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use lianban_e2e::browser::{Driver, Screen};
use lianban_e2e::fixture;
use lianban_e2e::hall::{CLERK, hall};
use reqwest::StatusCode;
use serde_json::json;

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
