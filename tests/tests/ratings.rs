//! 好差评 (第二十五条): after delivery the applicant rates the one-thing and, if they wish, each
//! matter; one rating per person and case, changeable for seven days, whether given online or
//! at the window's rating pad; the public reads satisfaction per one-thing and department and
//! never who rated.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use lianban::clock::Clock;
use lianban::workflow::model::CardLevel;
use lianban::workflow::outbox::Message;
use lianban_e2e::journey::{finish, window};
use lianban_e2e::{APPLICANT_ID, NEWBORN, TestHost, noon, received_case};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_rating_per_person_and_case_and_public_counts_without_people() {
    let host = TestHost::start().await;
    host.install_plugins(NEWBORN).await;
    let clerk = host.tokens.clerk.clone();
    let id = received_case(&host, &clerk).await;
    let online = host.online_service(APPLICANT_ID);
    let at = format!("/api/v1/cases/{id}/rating");
    let rating = json!({
        "overall": "satisfied",
        "matters": { "birth-registration": "dissatisfied" },
        "reasons": ["办理超时", "一次办成"],
        "comment": "落户等了两天。",
    });
    // Not before the results are handed over.
    let (s, b) = online.post(&at, &rating).await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
    assert_eq!(b["error"]["code"], "not_delivered");
    for m in NEWBORN {
        finish(&host, &id, m).await;
    }
    let (s, b) = window(&host, &id, json!({ "action": "deliver" })).await;
    assert_eq!(s, StatusCode::OK, "{b}");

    // What is not on the list, or not in the case, is refused with what was wrong.
    let (s, b) = online
        .post(
            &at,
            &json!({ "overall": "satisfied", "reasons": ["随便写的"] }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(b["error"]["code"], "rating_invalid");
    let (s, _) = online
        .post(
            &at,
            &json!({ "overall": "satisfied", "matters": { "no-such-matter": "satisfied" } }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    // Someone else cannot rate her case, nor learn it exists.
    let (s, _) = host
        .online_service("11010519491231002X")
        .post(&at, &rating)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let (s, given) = online.post(&at, &rating).await;
    assert_eq!(s, StatusCode::OK, "{given}");
    assert_eq!(given["channel"], "online");
    assert!(given.get("rater").is_none(), "{given}");
    // At the window's rating pad the same person changes her mind: still one rating.
    let (s, changed) = host
        .post(&at, &clerk, &json!({ "overall": "very_satisfied" }))
        .await;
    assert_eq!(s, StatusCode::OK, "{changed}");
    assert_eq!(changed["channel"], "window");
    assert!(changed["changed_at"].is_string());
    let (_, mine) = online.get(&at).await;
    assert_eq!(mine["overall"], "very_satisfied");

    // The public counts: one rating of the one-thing, none left of the first.
    let (s, summary) = host.get("/api/v1/ratings/summary", "").await;
    assert_eq!(s, StatusCode::OK);
    let newborn = summary
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == "one_thing" && a["code"] == "newborn")
        .unwrap();
    assert_eq!(newborn["ratings"], 1, "{summary:#}");
    assert_eq!(newborn["levels"], json!([1, 0, 0, 0, 0]));
    assert_eq!(newborn["satisfaction"], 1.0);
    // The matter's rating went with the change (the pad sent none).
    assert!(
        !summary
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["kind"] == "department" && a["ratings"] != 0 && a["levels"][3] != 0),
        "{summary:#}"
    );
    let text = summary.to_string();
    assert!(
        !text.contains(APPLICANT_ID) && !text.contains("李芳"),
        "{text}"
    );

    // Seven days on, the rating stands as it is.
    host.clock.set(host.clock.now() + chrono::Duration::days(8));
    let (s, b) = online.post(&at, &rating).await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
    assert_eq!(b["error"]["code"], "rating_closed");
    drop(host.stop().await);
}

/// A delivered newborn case, for the applicant to rate.
async fn delivered(host: &TestHost) -> String {
    let id = received_case(host, &host.tokens.clerk).await;
    for m in NEWBORN {
        finish(host, &id, m).await;
    }
    let (s, b) = window(host, &id, json!({ "action": "deliver" })).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    id
}

/// The 差评 loop on the working-day calendar: a 不满意 opens a record the bureau must verify
/// within 5 working days; upheld, the named department rectifies within 15, its clock warning
/// and then overdue like any other; the callback closes it. Another, not upheld, is appealed
/// once and verified again; a second appeal, or one by someone else, is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_rating_is_verified_rectified_and_called_back_on_working_days() {
    let host = TestHost::start().await;
    host.install_plugins(NEWBORN).await;
    let admin = host.tokens.admin.clone();
    let online = host.online_service(APPLICANT_ID);
    let id = delivered(&host).await;
    // Friday 11-27: a 差评 of 出生登记.
    let (s, b) = online
        .post(
            &format!("/api/v1/cases/{id}/rating"),
            &json!({ "overall": "fairly_satisfied",
                     "matters": { "birth-registration": "very_dissatisfied" },
                     "reasons": ["多次跑腿"], "comment": "落户窗口让我跑了三次。" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (_, records) = host.get("/api/v1/rectifications", &admin).await;
    assert_eq!(records.as_array().unwrap().len(), 1, "{records:#}");
    let record = &records[0];
    assert_eq!(record["stage"], "verifying");
    assert!(record.get("rater").is_none());
    assert!(record["complaint"].as_str().unwrap().contains("跑了三次"));
    // Five working days from Friday 11-27: Friday 12-04.
    assert_eq!(record["due"]["due"], "2026-12-04");
    let rid = record["id"].as_u64().unwrap();
    let at = |step: &str| format!("/api/v1/rectifications/{rid}/{step}");

    // Upheld, naming the department that must rectify.
    let (s, b) = host
        .post(
            &at("verification"),
            &admin,
            &json!({ "upheld": true, "reason": "属实" }),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a responsible unit is named: {b}"
    );
    let (s, upheld) = host
        .post(
            &at("verification"),
            &admin,
            &json!({ "upheld": true, "responsible_department": "public-security",
                     "responsible_person": "户籍窗口 张某", "reason": "经查，材料要求未一次告知，属实。" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{upheld}");
    assert_eq!(upheld["stage"], "rectifying");
    // Fifteen working days from 11-27: 12-18.
    assert_eq!(upheld["due"]["due"], "2026-12-18");
    assert_eq!(upheld["clock"], "normal");
    // The department sees it; another does not, and cannot report on it.
    let police = host.tokens.department("public-security").to_owned();
    let (_, theirs) = host.get("/api/v1/rectifications", &police).await;
    assert_eq!(theirs.as_array().unwrap().len(), 1);
    let (_, others) = host
        .get("/api/v1/rectifications", host.tokens.department("health"))
        .await;
    assert_eq!(others, json!([]));
    let (s, _) = host
        .post(
            &at("rectification"),
            host.tokens.department("health"),
            &json!({ "text": "已整改" }),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Twelve working days on (80% of 15), it warns; past 12-18, it is overdue. Each warning
    // is raised once and sent to the responsible department's system and duty phone.
    let (s, _) = host
        .put(
            "/api/v1/departments/public-security/duty-phone",
            &admin,
            &json!({ "mobile": "13900000001" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(host.state.ratings.warn().unwrap(), vec![]);
    host.clock.set(noon("2026-12-15"));
    let (_, now) = host.get("/api/v1/rectifications", &admin).await;
    assert_eq!(now[0]["clock"], "warning");
    let id = now[0]["id"].as_u64().unwrap();
    assert_eq!(
        host.state.ratings.warn().unwrap(),
        vec![(id, CardLevel::Yellow)]
    );
    assert_eq!(host.state.ratings.warn().unwrap(), vec![], "once");
    host.clock.set(noon("2026-12-21"));
    let (_, late) = host
        .get("/api/v1/rectifications?overdue=true", &admin)
        .await;
    assert_eq!(late.as_array().unwrap().len(), 1, "{late:#}");
    assert_eq!(
        host.state.ratings.warn().unwrap(),
        vec![(id, CardLevel::Red)]
    );
    assert_eq!(late[0]["warnings"][0]["level"], "yellow", "{late:#}");
    let told: Vec<(String, String)> = host
        .outbox()
        .into_iter()
        .filter_map(|m| match m {
            Message::Webhook {
                department, status, ..
            } if status.starts_with("rectification_") => Some((department, status)),
            Message::DutySms { department, text } if text.contains("差评整改") => {
                Some((department, text))
            }
            _ => None,
        })
        .collect();
    assert_eq!(told.len(), 4, "{told:?}");
    assert!(told.iter().all(|(d, _)| d == "public-security"), "{told:?}");
    assert_eq!(told[0].1, "rectification_warning");
    assert!(
        told[1].1.contains("预警") && told[1].1.contains("2026-12-18"),
        "{told:?}"
    );
    assert_eq!(told[2].1, "rectification_overdue");
    assert!(told[3].1.contains("超期"), "{told:?}");
    let (s, b) = host
        .post(
            &at("rectification"),
            &police,
            &json!({ "text": "已修订落户材料清单并在窗口公示，对当事人员批评教育。" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["stage"], "calling_back");
    assert!(b["clock"].is_null());
    let (s, closed) = host
        .post(
            &at("callback"),
            &admin,
            &json!({ "text": "电话回访，申请人表示满意。" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{closed}");
    assert_eq!(closed["stage"], "closed");
    let (s, b) = host
        .post(&at("callback"), &admin, &json!({ "text": "再次回访" }))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
    assert_eq!(b["error"]["code"], "wrong_stage");

    // A second case: not upheld, appealed once, verified again.
    host.clock.set(noon("2026-11-27"));
    let second = delivered(&host).await;
    let (s, _) = online
        .post(
            &format!("/api/v1/cases/{second}/rating"),
            &json!({ "overall": "dissatisfied" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, records) = host.get("/api/v1/rectifications", &admin).await;
    let rid = records[0]["id"].as_u64().unwrap();
    assert_eq!(records[0]["case_id"], second);
    let at = |step: &str| format!("/api/v1/rectifications/{rid}/{step}");
    let (s, b) = host
        .post(
            &at("verification"),
            &admin,
            &json!({ "upheld": false, "reason": "经调取录像，窗口已一次性告知。" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["stage"], "not_upheld");
    let (s, _) = host
        .online_service("11010519491231002X")
        .post(&at("appeal"), &json!({ "text": "我不服" }))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "only the rater appeals");
    let (s, b) = online
        .post(&at("appeal"), &json!({ "text": "录像只有半段，请复核。" }))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["stage"], "verifying");
    let (s, b) = host
        .post(
            &at("verification"),
            &admin,
            &json!({ "upheld": false, "reason": "复核仍不属实。" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = online
        .post(&at("appeal"), &json!({ "text": "再申诉" }))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "one appeal: {b}");
    drop(host.stop().await);
}

/// A complaint (投诉, 第二十五条) opens a record of the same loop at any stage of the case: the
/// applicant's own online, or one taken at the window for them — one at a time while it is
/// verified. Its maker follows it on the case and may appeal a finding of not upheld.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_complaint_opens_the_loop_and_its_maker_may_appeal() {
    let host = TestHost::start().await;
    host.install_plugins(NEWBORN).await;
    let clerk = host.tokens.clerk.clone();
    let admin = host.tokens.admin.clone();
    let id = received_case(&host, &clerk).await;
    let online = host.online_service(APPLICANT_ID);
    let at = format!("/api/v1/cases/{id}/complaint");

    let (s, b) = online.post(&at, &json!({ "text": "  " })).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    let (s, opened) = online
        .post(
            &at,
            &json!({ "text": "窗口要求提供已经共享的户口簿复印件。" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{opened}");
    assert_eq!(opened["source"], "complaint_online");
    assert_eq!(opened["stage"], "verifying");
    assert_eq!(opened["clock"], "normal");
    assert!(opened["complaint"].as_str().unwrap().starts_with("投诉："));
    assert!(opened.get("rater").is_none(), "{opened}");
    // While it is verified, another from the same person on the case waits — also one the
    // window takes down for them.
    let (s, b) = online.post(&at, &json!({ "text": "再投诉一次" })).await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
    assert_eq!(b["error"]["code"], "complaint_in_hand");
    let (s, _) = host
        .post(&at, &clerk, &json!({ "text": "申请人来电投诉" }))
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    // Nobody else complains about, or reads the records of, a case not theirs; a department
    // does not take complaints.
    let stranger = host.online_service("11010519491231002X");
    let (s, _) = stranger.post(&at, &json!({ "text": "路过" })).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let records = format!("/api/v1/cases/{id}/rectifications");
    let (s, _) = stranger.get(&records).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = host
        .post(
            &at,
            host.tokens.department("health"),
            &json!({ "text": "x" }),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, mine) = online.get(&records).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(mine.as_array().unwrap().len(), 1, "{mine:#}");

    // Not upheld; the applicant appeals once, and it is verified again.
    let record = opened["id"].as_u64().unwrap();
    let (s, b) = host
        .post(
            &format!("/api/v1/rectifications/{record}/verification"),
            &admin,
            &json!({ "upheld": false, "reason": "户口簿信息未共享至本事项，窗口要求合规。" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, appealed) = online
        .post(
            &format!("/api/v1/rectifications/{record}/appeal"),
            &json!({ "text": "已查到户口簿在共享目录中。" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{appealed}");
    assert_eq!(appealed["stage"], "verifying");
    assert_eq!(appealed["due"]["basis"], "申诉复核 5 个工作日");
    // Taken at the window, once the first is settled: its own record, the applicant's.
    let (s, b) = host
        .post(
            &format!("/api/v1/rectifications/{record}/verification"),
            &admin,
            &json!({ "upheld": false, "reason": "复核维持。" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, window) = host
        .post(
            &at,
            &clerk,
            &json!({ "text": "申请人在窗口投诉等候时间过长。" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{window}");
    assert_eq!(window["source"], "complaint_window");
    let (_, mine) = online.get(&records).await;
    assert_eq!(mine.as_array().unwrap().len(), 2, "{mine:#}");
    drop(host.stop().await);
}

/// 好差评 by SMS: delivery texts the applicant a signed link; through it they see the case
/// (nothing about them) and rate it without signing in — the same one rating as online. A
/// link that was altered, or has expired, rates nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_applicant_rates_through_the_link_texted_at_delivery() {
    let host =
        TestHost::start_with(|c| c.identity.public_url = "https://zwfw.example.gov.cn".into())
            .await;
    host.install_plugins(NEWBORN).await;
    let id = delivered(&host).await;
    let link = host
        .outbox()
        .into_iter()
        .find_map(|m| match m {
            Message::Sms { text, .. } if text.contains("好差评") => Some(text),
            _ => None,
        })
        .expect("an invitation to rate");
    let token = link
        .split("https://zwfw.example.gov.cn/console/rate/")
        .nth(1)
        .unwrap()
        .to_owned();
    assert!(token.starts_with(&id), "{token}");
    let anonymous = reqwest::Client::new();
    let at = |token: &str| host.url(&format!("/api/v1/rating-links/{token}"));

    let shown = anonymous.get(at(&token)).send().await.unwrap();
    assert_eq!(shown.status(), StatusCode::OK);
    let text = shown.text().await.unwrap();
    let case: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(case["case_id"], id);
    assert_eq!(case["matters"].as_array().unwrap().len(), NEWBORN.len());
    assert!(case["rating"].is_null());
    for private in [APPLICANT_ID, "李芳", "13812345678"] {
        assert!(!text.contains(private), "{private} in {text}");
    }
    let rating = json!({ "overall": "very_satisfied", "reasons": ["一次办成"] });
    let given = anonymous
        .post(at(&token))
        .json(&rating)
        .send()
        .await
        .unwrap();
    assert_eq!(given.status(), StatusCode::OK);
    let given: serde_json::Value = given.json().await.unwrap();
    assert_eq!(given["channel"], "sms");
    // The same person's one rating: online they see it, and changing it replaces it.
    let online = host.online_service(APPLICANT_ID);
    let (_, theirs) = online.get(&format!("/api/v1/cases/{id}/rating")).await;
    assert_eq!(theirs["overall"], "very_satisfied");
    assert_eq!(theirs["channel"], "sms");

    // The window can show the same kind of link as a QR code; a department cannot ask for it.
    let (s, shown) = host
        .get(
            &format!("/api/v1/cases/{id}/rating-link"),
            &host.tokens.clerk,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{shown}");
    let again = shown["link"].as_str().unwrap();
    let token_again = again.rsplit('/').next().unwrap();
    let r = anonymous.get(at(token_again)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let (s, _) = host
        .get(
            &format!("/api/v1/cases/{id}/rating-link"),
            host.tokens.department("health"),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let undelivered = received_case(&host, &host.tokens.clerk).await;
    let (s, b) = host
        .get(
            &format!("/api/v1/cases/{undelivered}/rating-link"),
            &host.tokens.clerk,
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");

    // Altered links name nothing; an expired one says so.
    let mut other_case = id.clone();
    let digit = other_case.pop().unwrap();
    other_case.push(if digit == '1' { '2' } else { '1' });
    let other = token.replacen(&id, &other_case, 1);
    let mut flipped = token.clone();
    let last = flipped.pop().unwrap();
    flipped.push(if last == 'a' { 'b' } else { 'a' });
    for bad in [other.as_str(), flipped.as_str(), "x"] {
        let r = anonymous.post(at(bad)).json(&rating).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{bad}");
        let b: serde_json::Value = r.json().await.unwrap();
        assert_eq!(b["error"]["code"], "unknown_link");
    }
    host.clock
        .set(host.clock.now() + chrono::Duration::days(16));
    let r = anonymous.get(at(&token)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::GONE);
    drop(host.stop().await);
}
