//! The console in a real browser (Debian's chromium over WebDriver), signed in through the real
//! identity provider: a newborn case from the window's intake, with one round of correction,
//! through each department's acceptance and decision to delivery and archive, followed by the
//! applicant on a phone; and a department that tries the window's screens and another
//! department's item. Every main screen is checked with axe-core and photographed into
//! `target/console-screens/`. The bureau's pages and the applicants' are in
//! `console_bureau.rs` and `console_applicant.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use lianban_e2e::browser::{Driver, Screen};
use lianban_e2e::hall::{APPLICANT, CLERK, case_status, hall, newborn_form};
use lianban_e2e::{APPLICANT_ID, NEWBORN, TestHost, department_of};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A scanned page as the window's scanner saves it: a PDF, and a photo taken as a JPEG.
const SCAN: &[u8] = b"%PDF-1.7\n% birth record, scanned at the window\n";
const JPEG: &[u8] = b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00 vaccination record";

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
        // The materials' scans open from the case page (第十八条: departments work from the
        // electronic materials).
        let link = page
            .find(fantoccini::Locator::Css(".case-materials a"))
            .await
            .attr("href")
            .await
            .unwrap()
            .unwrap();
        let (s, kind, disposition, bytes) = page.fetch(&link).await;
        assert_eq!(s, StatusCode::OK, "{link}");
        assert_eq!(kind, "application/pdf");
        assert!(disposition.starts_with("attachment"), "{disposition}");
        assert_eq!(bytes, SCAN);
        // The result document itself, uploaded with the decision.
        page.attach(
            "document_file",
            &format!("出生医学证明-{case}.pdf"),
            lianban_e2e::PDF,
        )
        .await;
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

    // The pre-check gives the one-time notice; everything typed stays, the scan chosen for
    // the birth record included (stored, and listed under its material from then on).
    clerk.fill(&newborn_form()).await;
    clerk
        .attach("m.birth-record.scan", "出生信息登记表.pdf", SCAN)
        .await;
    clerk.submit("button[value=precheck]").await;
    let scans = clerk.text_of("p.scans").await;
    assert!(scans.contains("已上传扫描件 1 份"), "{scans}");
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

    let case = case_status(&host, &id).await;
    let scan_of = |case: &Value, code: &str| {
        case["materials"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["code"] == code)
            .map(|m| m["files"].clone())
    };
    assert_eq!(
        scan_of(&case, "birth-record")
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        1,
        "the scan chosen before the pre-check went in with the case: {case}"
    );

    // The correction: the record is brought, scanned, ticked, sent.
    clerk
        .fill(&json!({
            "m.vaccination-record.received": "on",
            "m.vaccination-record.form": "copy",
            "m.vaccination-record.issued_on": "2026-11-20",
        }))
        .await;
    clerk
        .attach("m.vaccination-record.scan", "接种证.jpg", JPEG)
        .await;
    clerk
        .submit("form[action$='/correction'] button[type=submit]")
        .await;
    assert!(clerk.text_of("#done").await.contains("已分送各部门"));
    let case = case_status(&host, &id).await;
    assert_eq!(case["status"], "in_progress");
    assert_eq!(
        scan_of(&case, "vaccination-record")
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        1,
        "{case}"
    );
    assert_eq!(
        scan_of(&case, "birth-record")
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        1,
        "the first scan stays through the correction"
    );
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
    // The window's rating pad is offered once the results are handed over (好差评).
    assert!(clerk.text_of("#rate-h").await.contains("请申请人评价"));
    // …and a QR code of the case's signed rating link, for the applicant's own phone.
    assert_eq!(clerk.count("#rating-qr svg").await, 1);
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

    // She rates the one-thing on her phone: satisfied, with a reason.
    phone.goto(&format!("/console/cases/{id}")).await;
    phone.click("#ov-satisfied").await;
    phone.click("#rr-1").await;
    phone.type_into("comment", "一次就办完了。").await;
    phone.submit(".rating button[type=submit]").await;
    assert!(phone.text_of("#done").await.contains("感谢您的评价"));
    assert!(phone.text_of("#rated").await.contains("满意"));
    assert!(phone.overflow().await <= 0, "the rating fits a phone");
    phone
        .check_accessibility("applicant's rating on a phone")
        .await;
    phone.screenshot("applicant-rating").await;
    let (_, summary) = host.get("/api/v1/ratings/summary", "").await;
    assert!(
        summary
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["code"] == "newborn" && a["ratings"] == 1),
        "{summary}"
    );
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

    // No other site may frame a console page or post its forms.
    let page = reqwest::get(host.url("/console/")).await.unwrap();
    assert_eq!(page.headers()["x-frame-options"], "DENY");
    let policy = page.headers()["content-security-policy"].to_str().unwrap();
    assert!(policy.contains("frame-ancestors 'none'") && policy.contains("form-action 'self'"));

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
