//! 好差评 (第二十五条): after delivery the applicant rates the one-thing and, if they wish, each
//! matter; one rating per person and case, changeable for seven days, whether given online or
//! at the window's rating pad; the public reads satisfaction per one-thing and department and
//! never who rated.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use lianban::clock::Clock;
use lianban_e2e::journey::{finish, window};
use lianban_e2e::{APPLICANT_ID, NEWBORN, TestHost, received_case};
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
