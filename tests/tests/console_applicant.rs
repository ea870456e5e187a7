//! The applicants' pages of the console in a real browser, on a phone-sized window: applying
//! online with the self-check, correcting after the window's notice, withdrawing, and the
//! consultation.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use lianban::workflow::outbox::Message;
use lianban_e2e::APPLICANT_ID;
use lianban_e2e::browser::{Driver, Screen};
use lianban_e2e::hall::{APPLICANT, case_status, hall, newborn_form};
use lianban_e2e::journey::{decide_with_document, finish, self_print_case, window};
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
    // A "scan" that is no PDF or picture is refused next to its material; what she typed stays.
    phone
        .attach(
            "m.birth-record.scan",
            "出生信息登记表.pdf",
            b"just some text",
        )
        .await;
    phone.submit("button[value=precheck]").await;
    let error = phone.text_of("tr.invalid .error").await;
    assert!(error.contains("只接受 PDF"), "{error}");
    let kept = phone
        .find(fantoccini::Locator::Css("[name=\"f.child.name\"]"))
        .await
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("王小雨"));
    phone
        .attach(
            "m.birth-record.scan",
            "出生信息登记表.pdf",
            lianban_e2e::PDF,
        )
        .await;
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

/// Self-print (第十七条): once a result reaches the window, the applicant downloads it from her
/// case's page on her phone; the console passes on only what the API lets her have.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_applicant_downloads_her_self_print_result() {
    let (host, _provider) = hall().await;
    let (id, scan) = self_print_case(&host).await;
    let matter = "birth-medical-certificate";
    let certificate = b"%PDF-1.7\n% the birth medical certificate\n";
    decide_with_document(&host, &id, matter, certificate).await;
    window(
        &host,
        &id,
        json!({ "action": "receive_result", "matter": matter }),
    )
    .await;

    let driver = Driver::start().await;
    let phone = driver.window(&host.base, Screen::Phone).await;
    phone.sign_in("群众登录", APPLICANT).await;
    phone.goto(&format!("/console/cases/{id}")).await;
    let link = phone
        .find(fantoccini::Locator::Css("a.download"))
        .await
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    let (s, kind, disposition, bytes) = phone.fetch(&link).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(kind, "application/pdf");
    assert!(disposition.contains(&id), "{disposition}");
    assert_eq!(bytes, certificate);
    // Her material scan is no result: the same route does not hand it out.
    let (s, _, _, bytes) = phone
        .fetch(&format!("/console/cases/{id}/results/{scan}"))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(String::from_utf8_lossy(&bytes).contains("没有可下载的结果文件"));
    // Nor does the staff's file route.
    let (s, _, _, _) = phone.fetch(&format!("/console/files/{scan}")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(phone.overflow().await <= 0, "the case page fits a phone");
    phone
        .check_accessibility("applicant's self-print results")
        .await;
    phone.screenshot("applicant-self-print").await;
    phone.close().await;
}

/// 投诉 (第二十五条) from the case's page on a phone: the applicant complains, the bureau
/// finds it not upheld, and she appeals once from the same page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_applicant_complains_and_appeals_from_her_case() {
    let (host, _provider) = hall().await;
    let (id, _) = self_print_case(&host).await;
    let driver = Driver::start().await;
    let phone = driver.window(&host.base, Screen::Phone).await;
    phone.sign_in("群众登录", APPLICANT).await;
    phone.goto(&format!("/console/cases/{id}")).await;
    phone
        .type_into("text", "网上申请后又被要求到窗口补交已上传的材料。")
        .await;
    phone.submit("form.complaint button[type=submit]").await;
    assert!(phone.text_of("#done").await.contains("投诉已登记"));
    let record = phone.text_of(".complaints .rectification").await;
    assert!(
        record.contains("核实中") && record.contains("补交"),
        "{record}"
    );

    let records = host
        .get_ok(
            &format!("/api/v1/cases/{id}/rectifications"),
            &host.tokens.admin,
        )
        .await;
    let number = records[0]["id"].as_u64().unwrap();
    let (s, b) = host
        .post(
            &format!("/api/v1/rectifications/{number}/verification"),
            &host.tokens.admin,
            &json!({ "upheld": false, "reason": "原件须在窗口核验，非重复提交。" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");

    phone.goto(&format!("/console/cases/{id}")).await;
    let record = phone.text_of(".complaints .rectification").await;
    assert!(
        record.contains("不属实") && record.contains("原件须在窗口核验"),
        "{record}"
    );
    phone
        .type_at(
            &format!("#appeal-{number}"),
            "我选择的是电子材料，不涉及原件核验。",
        )
        .await;
    phone.submit("form.appeal button[type=submit]").await;
    assert!(phone.text_of("#done").await.contains("申诉已提交"));
    let record = phone.text_of(".complaints .rectification").await;
    assert!(
        record.contains("已申诉") && record.contains("核实中"),
        "{record}"
    );
    assert_eq!(phone.count("form.appeal").await, 0, "one appeal only");
    assert!(phone.overflow().await <= 0, "the case page fits a phone");
    phone.check_accessibility("applicant's complaint").await;
    phone.screenshot("applicant-complaint").await;
    phone.close().await;
}

/// 好差评 by SMS on a phone: the link texted at delivery opens the rating form without
/// signing in; the rating is kept, and shown when the link is opened again. An altered link
/// says it is not valid.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_applicant_rates_from_the_texted_link() {
    let (host, _provider) = hall().await;
    let id = lianban_e2e::received_case(&host, &host.tokens.clerk).await;
    for m in lianban_e2e::NEWBORN {
        finish(&host, &id, m).await;
    }
    let (s, b) = window(&host, &id, json!({ "action": "deliver" })).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let text = host
        .outbox()
        .into_iter()
        .find_map(|m| match m {
            Message::Sms { text, .. } if text.contains("/console/rate/") => Some(text),
            _ => None,
        })
        .expect("the invitation");
    let path = &text[text.find("/console/rate/").unwrap()..];

    let driver = Driver::start().await;
    let phone = driver.window(&host.base, Screen::Phone).await;
    phone.goto(path).await;
    assert!(phone.text_of("main").await.contains(&id));
    phone.click("label[for=ov-satisfied]").await;
    phone.click("label[for=rr-1]").await;
    phone.submit("form.rate button[type=submit]").await;
    assert!(phone.text_of("#done").await.contains("感谢您的评价"));
    assert!(phone.text_of("#rated").await.contains("满意"));
    assert!(phone.overflow().await <= 0, "the rating page fits a phone");
    phone
        .check_accessibility("rating from the texted link")
        .await;
    phone.screenshot("applicant-rate-link").await;
    let rating = host
        .online_service(APPLICANT_ID)
        .get(&format!("/api/v1/cases/{id}/rating"))
        .await
        .1;
    assert_eq!(rating["channel"], "sms", "{rating}");
    let altered = if path.ends_with('0') { "1" } else { "0" };
    phone
        .goto(&format!("{}{altered}", &path[..path.len() - 1]))
        .await;
    assert!(phone.text().await.contains("评价链接无效"));
    phone.close().await;
}

/// 适老化 and keyboard use: the first Tab reaches the skip link, visibly focused; Enter on it
/// moves to the page's content; 大字模式, switched on from the keyboard, enlarges the text,
/// stays on from page to page, and the page still fits a phone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_applicant_uses_large_text_and_the_keyboard() {
    use fantoccini::key::Key;
    let (host, _provider) = hall().await;
    let driver = Driver::start().await;
    let phone = driver.window(&host.base, Screen::Phone).await;
    phone.goto("/console/services").await;
    let size = |page: &lianban_e2e::browser::Page| {
        let client = page.client.clone();
        async move {
            client
                .execute(
                    "return parseFloat(getComputedStyle(document.documentElement).fontSize)",
                    vec![],
                )
                .await
                .unwrap()
                .as_f64()
                .unwrap()
        }
    };
    let focused = |page: &lianban_e2e::browser::Page| {
        let client = page.client.clone();
        async move {
            client
                .execute(
                    "const e = document.activeElement; const s = getComputedStyle(e);
                     return [e.id || e.className || e.tagName, s.outlineStyle, s.outlineWidth];",
                    vec![],
                )
                .await
                .unwrap()
        }
    };
    let normal = size(&phone).await;

    let body = phone.find(fantoccini::Locator::Css("body")).await;
    body.send_keys(&char::from(Key::Tab).to_string())
        .await
        .unwrap();
    let now = focused(&phone).await;
    assert_eq!(now[0], "skip", "{now}");
    assert_eq!(now[1], "solid", "the focus is visible: {now}");
    let skip = phone.client.active_element().await.unwrap();
    skip.send_keys(&char::from(Key::Enter).to_string())
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(focused(&phone).await[0], "main");

    // From the keyboard: focus the switch, press Enter.
    phone
        .client
        .execute("document.getElementById('large-text').focus()", vec![])
        .await
        .unwrap();
    let switch = phone.client.active_element().await.unwrap();
    switch
        .send_keys(&char::from(Key::Enter).to_string())
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let large = size(&phone).await;
    assert!(large >= normal * 1.25, "{normal} px → {large} px");
    assert_eq!(
        switch.attr("aria-pressed").await.unwrap().as_deref(),
        Some("true")
    );
    phone.goto("/console/consultation").await;
    assert_eq!(size(&phone).await, large, "大字模式 stays on");
    assert!(phone.overflow().await <= 0, "large text still fits a phone");
    phone.check_accessibility("consultation, large text").await;
    phone.screenshot("large-text").await;
    phone.close().await;
}
