//! 电子监察 figures (第二十四条) on a scripted set of cases with known answers: four newborn
//! cases taken in at the window on 2026-09-30, the day before the National Day holiday, one of
//! them after a one-time notice and its correction; the departments answer after the holiday
//! (2026-10-08 is one working day after 09-30), one refuses, one suspends its clock, one is
//! late; and one online case on 10-12, confirmed by the window the next working day. The
//! figures the commits kept equal the figures rebuilt from the audit events.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use lianban_e2e::journey::{act, window};
use lianban_e2e::{APPLICANT_ID, NEWBORN, TestHost, fixture, noon};
use reqwest::StatusCode;
use serde_json::{Value, json};

const BMC: &str = "birth-medical-certificate";

/// The newborn application, born and documented in September rather than November.
fn application(channel: &str, scan: &str, drop_vaccination: bool) -> Value {
    let text = fixture("newborn-window-complete")
        .to_string()
        .replace("2026-11-2", "2026-09-2");
    let app: Value = serde_json::from_str(&text).unwrap();
    let mut materials: Vec<Value> = app["materials"].as_array().unwrap().clone();
    if drop_vaccination {
        materials.retain(|m| m["code"] != "vaccination-record");
    }
    for m in &mut materials {
        m["files"] = json!([scan]);
        m["original_kept_at_window"] = json!(channel == "window" && m["form"] == "original");
        if channel == "online" {
            m["form"] = json!("scan");
        }
    }
    json!({
        "one_thing": "newborn", "channel": channel,
        "applicant": { "name": "李芳", "id_number": APPLICANT_ID, "mobile": "13812345678" },
        "fields": app["fields"], "materials": materials, "delivery": { "mode": "together" },
    })
}

async fn department(host: &TestHost, case: &str, body: Value) {
    let dept = lianban_e2e::department_of(BMC);
    let (s, b) = act(host, case, BMC, &dept, body.clone()).await;
    assert_eq!(s, StatusCode::OK, "{body}: {b}");
}

async fn figures(host: &TestHost, query: &str) -> Value {
    host.get_ok(
        &format!("/api/v1/supervision/figures?{query}"),
        &host.tokens.admin,
    )
    .await
}

fn group<'a>(summary: &'a Value, code: &str) -> &'a Value {
    summary["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group"] == code)
        .unwrap_or_else(|| panic!("no group {code}: {summary:#}"))
}

fn close(v: &Value, expected: f64) -> bool {
    v.as_f64().is_some_and(|x| (x - expected).abs() < 1e-9)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn figures_of_a_scripted_month_have_their_known_answers() {
    let host = TestHost::start().await;
    host.install_plugins(NEWBORN).await;
    let clerk = host.tokens.clerk.clone();
    host.clock.set(noon("2026-09-30"));
    let scan = host.scan(&clerk).await;
    let mut ids = Vec::new();
    for n in 0..4 {
        let (s, case) = host
            .post(
                "/api/v1/cases",
                &clerk,
                &application("window", &scan, n == 1),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{case}");
        ids.push(case["id"].as_str().unwrap().to_owned());
    }
    let [a, b, c, d] = [&ids[0], &ids[1], &ids[2], &ids[3]];
    // B came without the vaccination record: a notice, then the correction the same day.
    let full = application("window", &scan, false);
    let (s, corrected) = host
        .put(
            &format!("/api/v1/cases/{b}/application"),
            &clerk,
            &json!({ "fields": full["fields"], "materials": full["materials"] }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{corrected}");
    assert_eq!(corrected["status"], "in_progress");

    // After the holiday: one working day after 09-30.
    host.clock.set(noon("2026-10-08"));
    for case in [a, b, d] {
        department(&host, case, json!({ "action": "accept" })).await;
    }
    department(
        &host,
        c,
        json!({ "action": "reject", "reason": "出生医学证明首次签发须由助产机构办理" }),
    )
    .await;
    department(&host, a, json!({ "action": "decide", "outcome": "approve", "documents": [{ "name": "出生医学证明", "elicense_number": "E-1" }] })).await;
    department(
        &host,
        d,
        json!({ "action": "suspend", "kind": "expert_review", "reason": "出生信息需核实" }),
    )
    .await;
    // September is over: its 通报 is frozen as it stands today, with one decision made.
    let september = report(&host, "2026-09").await;
    assert_eq!(september["frozen"], true);
    assert_eq!(
        september["generated_at"].as_str().unwrap().get(..10),
        Some("2026-10-08")
    );
    // 10-10 is a Saturday worked in exchange for the holiday.
    host.clock.set(noon("2026-10-10"));
    department(&host, d, json!({ "action": "resume" })).await;
    host.clock.set(noon("2026-10-12"));
    department(&host, d, json!({ "action": "decide", "outcome": "approve", "documents": [{ "name": "出生医学证明", "elicense_number": "E-1" }] })).await;
    department(
        &host,
        b,
        json!({ "action": "decide", "outcome": "deny", "reason": "不符合签发条件" }),
    )
    .await;
    // An online case on 10-12, confirmed by the window on 10-13.
    let online = host.online_service(APPLICANT_ID);
    let (s, e) = online
        .post("/api/v1/cases", &application("online", &scan, false))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{e}");
    host.clock.set(noon("2026-10-13"));
    let (s, b2) = window(
        &host,
        e["id"].as_str().unwrap(),
        json!({ "action": "confirm" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b2}");

    // The four cases of 09-30, by department.
    let day = figures(&host, "from=2026-09-30&to=2026-09-30&by=department").await;
    let total = &day["total"];
    assert_eq!(total["received"], 4, "{total:#}");
    assert_eq!(total["distributed"], 4);
    assert!(close(&total["notices_per_case"], 0.25), "{total:#}");
    assert!(close(&total["correction_share"], 0.25));
    assert!(close(&total["intake_mean_days"], 0.0));
    assert!(close(&total["intake_in_time_rate"], 1.0));
    assert!(close(&total["elicense_share"], 0.0));
    let health = group(&day, &lianban_e2e::department_of(BMC));
    assert_eq!(health["accepted"], 3, "{health:#}");
    assert_eq!(health["rejected"], 1);
    assert!(close(&health["rejection_rate"], 0.25));
    assert_eq!(
        health["rejection_reasons"],
        json!([{ "reason": "出生医学证明首次签发须由助产机构办理", "count": 1 }])
    );
    // Distribution on 09-30, decisions on 10-08: one working day each, across the holiday.
    assert!(close(&health["acceptance_mean_days"], 1.0), "{health:#}");
    assert!(close(&health["acceptance_in_time_rate"], 1.0));
    // A: same day (0, early); D: 3 working days less 2 suspended (1, on time); B: 3 (late).
    assert_eq!(health["decided"], 3);
    assert!(
        close(&health["handling_mean_days"], 4.0 / 3.0),
        "{health:#}"
    );
    assert!(close(&health["completion_rate"], 1.0));
    assert!(close(&health["on_time_rate"], 2.0 / 3.0));
    assert!(close(&health["early_rate"], 1.0 / 3.0), "{health:#}");
    assert_eq!(health["late"], 1);
    assert_eq!(health["suspended"], 1);
    // The other departments' items wait for the birth certificate: nothing decided.
    assert_eq!(day["groups"].as_array().unwrap().len(), 1, "{day:#}");

    // The whole autumn by channel: the online case, confirmed the next working day.
    let autumn = figures(&host, "from=2026-09-01&to=2026-10-31&by=channel").await;
    assert_eq!(autumn["total"]["received"], 5);
    let online = group(&autumn, "online");
    assert_eq!(online["received"], 1);
    assert!(close(&online["intake_mean_days"], 1.0), "{online:#}");
    assert!(close(&online["intake_in_time_rate"], 1.0));
    // By clerk: the window's clerk took in all five.
    let clerks = figures(&host, "from=2026-09-01&to=2026-10-31&by=clerk").await;
    let took = clerks["groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["group"] != "")
        .map(|g| g["distributed"].as_u64().unwrap())
        .sum::<u64>();
    assert_eq!(took, 5, "{clerks:#}");

    // The third quarter's assessment (考核): the department's score from its rates with the
    // default weights, 0.4 on time + 0.3 acceptance in time + 0.2 completion + 0.1 accepted.
    let q3 = host
        .get_ok(
            "/api/v1/supervision/assessment?year=2026&quarter=3",
            &host.tokens.admin,
        )
        .await;
    assert_eq!(q3["from"], "2026-07-01");
    assert_eq!(q3["to"], "2026-09-30");
    let dept = &q3["departments"][0];
    assert_eq!(dept["group"], lianban_e2e::department_of(BMC));
    let expected = 100.0 * (0.4 * 2.0 / 3.0 + 0.3 + 0.2 + 0.1 * 0.75);
    assert!(close(&dept["score"], expected), "{q3:#}");
    // The clerk: every receipt in time, no case needing a second notice.
    assert!(close(&q3["clerks"][0]["score"], 100.0), "{q3:#}");
    let (s, _) = host
        .get(
            "/api/v1/supervision/assessment?year=2026&quarter=5",
            &host.tokens.admin,
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    reports_of_the_autumn(&host, &september).await;

    // Kept as the commands committed = rebuilt from the audit events.
    let check = host
        .get_ok(
            "/api/v1/supervision/figures/check?from=2026-09-01&to=2026-10-31",
            &host.tokens.admin,
        )
        .await;
    assert_eq!(check["agree"], true, "{check:#}");
    assert!(check["stored_rows"].as_u64().unwrap() >= 3, "{check:#}");

    // Only the bureau reads them; a period must run forwards and within a year.
    let (s, _) = host
        .get(
            "/api/v1/supervision/figures?from=2026-09-01&to=2026-10-31",
            &clerk,
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    for bad in [
        "from=2026-10-31&to=2026-09-01",
        "from=2025-01-01&to=2026-10-31",
    ] {
        let (s, b) = host
            .get(
                &format!("/api/v1/supervision/figures?{bad}"),
                &host.tokens.admin,
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert_eq!(b["error"]["code"], "invalid_period");
    }
    drop(host.stop().await);
}

async fn report(host: &TestHost, period: &str) -> Value {
    host.get_ok(
        &format!("/api/v1/supervision/reports/{period}"),
        &host.tokens.admin,
    )
    .await
}

/// The row of a sheet whose first cell is `first`.
fn sheet_row(book: &calamine::Range<calamine::Data>, first: &str) -> Vec<calamine::Data> {
    book.rows()
        .find(|r| r.first().map(|c| c.to_string()) == Some(first.to_owned()))
        .unwrap_or_else(|| panic!("no row {first}"))
        .to_vec()
}

/// 通报 (第二十四条): September's, frozen on 10-08, still says what it said then although the
/// department decided two more of its cases since; its workbook holds the same numbers, and
/// is the same bytes each time. October's is still running.
async fn reports_of_the_autumn(host: &TestHost, frozen: &Value) {
    use calamine::{Data, Reader, Xlsx};

    let dept = lianban_e2e::department_of(BMC);
    let september = report(host, "2026-09").await;
    assert_eq!(&september, frozen, "a closed period's report does not move");
    let live = figures(host, "from=2026-09-01&to=2026-09-30&by=department").await;
    assert_eq!(live["total"]["decided"], 3, "the live figures do");
    assert_eq!(september["total"]["received"], 4, "{september:#}");
    assert_eq!(september["title"], "2026年9月政务服务“一件事一次办”通报");
    let row = &september["departments"][0];
    assert_eq!(row["group"], dept.as_str());
    assert_eq!(row["accepted"], 3);
    assert_eq!(row["rejected"], 1);
    assert_eq!(row["decided"], 1, "only A was decided by 10-08");
    // A: decided the day it was accepted, against a promise of one working day.
    assert!(close(&row["handling_mean_days"], 0.0), "{row:#}");
    assert!(close(&row["promised_mean_days"], 1.0), "{row:#}");
    let sept30 = september["daily"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["day"] == "2026-09-30")
        .unwrap();
    assert_eq!(sept30["window"], 4);
    assert_eq!(september["daily"].as_array().unwrap().len(), 30);

    let path = "/api/v1/supervision/reports/2026-09/xlsx";
    let (s, kind, bytes) = host.get_bytes(path, &host.tokens.admin).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        kind,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let (_, _, again) = host.get_bytes(path, &host.tokens.admin).await;
    assert_eq!(bytes, again, "a frozen report's workbook is reproducible");
    let mut book = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let overview = book.worksheet_range("概况").unwrap();
    assert_eq!(sheet_row(&overview, "办件量")[1], Data::Float(4.0));
    assert_eq!(sheet_row(&overview, "窗口收件量")[1], Data::Float(4.0));
    assert_eq!(sheet_row(&overview, "不予受理率")[1], Data::Float(0.25));
    let departments = book.worksheet_range("按部门").unwrap();
    let heads = sheet_row(&departments, "部门代码");
    let cell = |name: &str| {
        let col = heads.iter().position(|h| *h == name).unwrap();
        sheet_row(&departments, &dept)[col].clone()
    };
    assert_eq!(cell("受理"), Data::Float(3.0));
    assert_eq!(cell("不予受理"), Data::Float(1.0));
    assert_eq!(cell("办结"), Data::Float(1.0));
    assert_eq!(cell("平均承诺时限（工作日）"), Data::Float(1.0));
    let daily = book.worksheet_range("每日办件量").unwrap();
    assert_eq!(
        sheet_row(&daily, "2026-09-30")[1..],
        [Data::Float(4.0), Data::Float(0.0), Data::Float(4.0)]
    );

    // October runs on: made afresh, not frozen; a period not begun, or not a period, is refused.
    let october = report(host, "2026-10").await;
    assert_eq!(october["frozen"], false);
    assert_eq!(october["total"]["received"], 1);
    for bad in ["2027-01", "2026-13", "2026-Q5", "last-month"] {
        let (s, b) = host
            .get(
                &format!("/api/v1/supervision/reports/{bad}"),
                &host.tokens.admin,
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {b}");
        assert_eq!(b["error"]["code"], "invalid_period");
    }
    let (s, _) = host
        .get("/api/v1/supervision/reports/2026-09", &host.tokens.clerk)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

/// A database whose commands were not counted (here: run with the figures off, as one written
/// before they existed) gets them built from the audit events when the host next starts, and
/// they then agree with the events and count what happened.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn figures_missing_at_start_are_built_from_the_events() {
    let host = TestHost::start_with(|c| c.figures = false).await;
    host.install_plugins(NEWBORN).await;
    let case = lianban_e2e::received_case(&host, &host.tokens.clerk).await;
    department(&host, &case, json!({ "action": "accept" })).await;
    let today = "from=2026-11-27&to=2026-11-27";
    assert_eq!(figures(&host, today).await["total"]["received"], 0);
    let (dir, tempdir) = host.stop().await;

    let mut config = lianban::app::Config::new(&dir);
    config.figures = true;
    let host = TestHost::start_in(dir, Some(config)).await;
    let total = figures(&host, today).await["total"].clone();
    assert_eq!(total["received"], 1, "{total:#}");
    assert_eq!(total["accepted"], 1, "{total:#}");
    let check = host
        .get_ok(
            &format!("/api/v1/supervision/figures/check?{today}"),
            &host.tokens.admin,
        )
        .await;
    assert_eq!(check["agree"], true, "{check:#}");
    drop(host.stop().await);
    drop(tempdir);
}
