//! Personal information (issue 19, items 6 and 7): readers see identity numbers and mobiles
//! masked unless their work needs them now; every read is on the case's record, which the
//! bureau and the applicant can see; and the database holds no one's number in clear, before
//! and after the data keys are rotated.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use lianban::privacy::{Algorithm, Keyring};
use lianban::store::PluginStore;
use lianban_e2e::journey::{finish, window};
use lianban_e2e::{APPLICANT_ID, NEWBORN, TestHost, department_of, intake};
use reqwest::StatusCode;
use serde_json::{Value, json};

const FATHER_ID: &str = "410702199001010015";
const MOBILE: &str = "13812345678";
const MAIL_MOBILE: &str = "13912345678";
const OTHER_PERSON: &str = "410702198506120047";

/// A newborn case taken in at the window, with the results to go by post.
async fn mailed_case(host: &TestHost) -> (String, Value) {
    let clerk = host.tokens.clerk.clone();
    let scan = host.scan(&clerk).await;
    let delivery = json!({
        "mode": "mail", "address": "河南省新乡市红旗区新二街 66 号",
        "recipient": "赵敏", "mobile": MAIL_MOBILE,
    });
    let (s, case) = host
        .post("/api/v1/cases", &clerk, &intake("window", delivery, &scan))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{case}");
    (case["id"].as_str().unwrap().to_owned(), case)
}

fn assert_masked(case: &Value) {
    assert_eq!(
        case["applicant"]["id_number"], "410702********0027",
        "{case:#}"
    );
    assert_eq!(case["applicant"]["mobile"], "138****5678");
    assert_eq!(case["applicant"]["name"], "李芳");
    assert_eq!(case["delivery"]["mobile"], "139****5678");
    assert_eq!(case["fields"]["father.id-number"], "410702********0015");
    assert_eq!(case["fields"]["child.name"], "王小雨");
    let text = case.to_string();
    for number in [APPLICANT_ID, FATHER_ID, MOBILE, MAIL_MOBILE] {
        assert!(!text.contains(number), "{number} in a masked read: {text}");
    }
}

fn reads(record: &Value) -> Vec<&Value> {
    record.as_array().unwrap().iter().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numbers_are_masked_unless_the_work_needs_them_and_every_read_is_on_the_record() {
    let host = TestHost::start().await;
    host.install_plugins(NEWBORN).await;
    let (id, answer) = mailed_case(&host).await;
    // A command's answer is not a read of the full values.
    assert_masked(&answer);
    let path = format!("/api/v1/cases/{id}");
    let full = format!("{path}?full=true");

    // Every reader sees masked numbers by default, the bureau included.
    for token in [&host.tokens.clerk, &host.tokens.admin] {
        let (s, case) = host.get(&path, token).await;
        assert_eq!(s, StatusCode::OK, "{case}");
        assert_masked(&case);
    }
    let applicant = host.online_service(APPLICANT_ID);
    let (s, case) = applicant.get(&path).await;
    assert_eq!(s, StatusCode::OK, "{case}");
    assert_masked(&case);

    // Full values only for work that needs them now: not the bureau, not the window once the
    // case is with the departments, not the applicant's online service.
    for token in [&host.tokens.admin, &host.tokens.clerk] {
        let (s, b) = host.get(&full, token).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
        assert_eq!(b["error"]["code"], "full_read_not_needed");
    }
    let (s, b) = applicant.get(&full).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    assert_eq!(b["error"]["code"], "full_read_not_needed");

    // The health bureau, handling the birth certificate item, sees them in full.
    let matter = "birth-medical-certificate";
    let health = department_of(matter);
    let (s, case) = host.get(&full, host.tokens.department(&health)).await;
    assert_eq!(s, StatusCode::OK, "{case}");
    assert_eq!(case["applicant"]["id_number"], APPLICANT_ID);
    assert_eq!(case["applicant"]["mobile"], MOBILE);
    assert_eq!(case["fields"]["father.id-number"], FATHER_ID);
    // Once its item is done, its work no longer needs them.
    finish(&host, &id, matter).await;
    let (s, b) = host.get(&full, host.tokens.department(&health)).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");

    // The bureau sees every read, who made it, and for which work.
    let (s, record) = host.get(&format!("{path}/reads"), &host.tokens.admin).await;
    assert_eq!(s, StatusCode::OK, "{record}");
    let record_reads = reads(&record);
    let full_reads: Vec<_> = record_reads.iter().filter(|r| r["full"] == true).collect();
    assert_eq!(full_reads.len(), 1, "{record:#}");
    assert_eq!(full_reads[0]["purpose"], "review");
    assert_eq!(full_reads[0]["matter"], matter);
    assert_eq!(full_reads[0]["role"], format!("department:{health}"));
    assert!(full_reads[0]["reader"].is_string(), "{record:#}");
    // Refused full reads showed nothing and are not on the record; the masked ones are.
    assert_eq!(
        record_reads.iter().filter(|r| r["full"] == false).count(),
        3,
        "{record:#}"
    );

    // “Who has seen my case”: the applicant sees the same reads, by role, without names.
    let (s, mine) = applicant.get(&format!("{path}/reads")).await;
    assert_eq!(s, StatusCode::OK, "{mine}");
    assert_eq!(reads(&mine).len(), record_reads.len());
    assert!(
        reads(&mine).iter().all(|r| r.get("reader").is_none()),
        "{mine:#}"
    );
    assert!(
        reads(&mine)
            .iter()
            .any(|r| r["full"] == true && r["purpose"] == "review")
    );
    // Her list of cases finds it by her number; another person's list does not.
    let (s, list) = applicant.get("/api/v1/cases/mine").await;
    assert_eq!(s, StatusCode::OK, "{list}");
    assert_eq!(list[0]["id"], id.as_str(), "{list}");
    assert_eq!(list[0]["as_agent"], false);
    let (s, list) = host
        .online_service(OTHER_PERSON)
        .get("/api/v1/cases/mine")
        .await;
    assert_eq!(s, StatusCode::OK, "{list}");
    assert_eq!(list, json!([]));
    // Another person's online session, and the window, do not get the record.
    let (s, b) = host
        .online_service(OTHER_PERSON)
        .get(&format!("{path}/reads"))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{b}");
    let (s, b) = host.get(&format!("{path}/reads"), &host.tokens.clerk).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");

    // The bureau's view of the SMS sent shows the numbers masked.
    let (s, sent) = host.get("/api/v1/outbox/sent", &host.tokens.admin).await;
    assert_eq!(s, StatusCode::OK, "{sent}");
    assert!(!sent.to_string().contains(MOBILE), "{sent}");
}

/// Every file under `dir`, as bytes, with the names of those that contain `needle`.
fn files_containing(dir: &Path, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                    found.push(path.display().to_string());
                }
            }
        }
    }
    found
}

/// What no file of the database may hold in clear: identity numbers, mobiles, names, the
/// address.
const PERSONAL: &[&str] = &[
    APPLICANT_ID,
    FATHER_ID,
    MOBILE,
    MAIL_MOBILE,
    "李芳",
    "王强",
    "赵敏",
    "新二街",
    "向阳路",
];

fn assert_nothing_in_clear(dir: &Path, case_id: &str) {
    // The scan can see what is stored: the case number is not personal and is there in clear.
    assert!(
        !files_containing(dir, case_id).is_empty(),
        "the scan does not see the database's contents"
    );
    for needle in PERSONAL {
        let found = files_containing(dir, needle);
        assert!(found.is_empty(), "{needle} in clear in {found:?}");
    }
}

/// Certificates are found by their holder's blind index, and open to their clear values.
async fn father_s_marriage_certificate_is_found(host: &TestHost) {
    let found = host
        .get_ok(
            &format!("/api/v1/elicenses/结婚证/{FATHER_ID}"),
            &host.tokens.admin,
        )
        .await;
    assert_eq!(found.as_array().map(Vec::len), Some(1), "{found}");
    assert_eq!(found[0]["holder"], FATHER_ID);
    assert_eq!(found[0]["number"], "J410702-2021-000319");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_database_holds_no_one_in_clear_and_key_rotation_keeps_every_case_readable() {
    let host = TestHost::start().await;
    host.install_plugins(NEWBORN).await;
    host.put_demo_certificates().await;
    // A whole life: intake with mail delivery, every matter decided, mailed, archived.
    let (id, _) = mailed_case(&host).await;
    for m in NEWBORN {
        finish(&host, &id, m).await;
    }
    let (s, b) = window(
        &host,
        &id,
        json!({ "action": "deliver", "tracking_number": "EMS1234567890CN" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = window(&host, &id, json!({ "action": "archive" })).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    // A second case still open, so the open index and the outbox hold something too.
    let (open_id, _) = mailed_case(&host).await;
    // The sealed tables were really written: inputs recorded for replays, SMS queued or sent,
    // certificates found by holder.
    assert!(
        !host
            .state
            .store
            .replay_inputs("birth-registration")
            .unwrap()
            .is_empty(),
        "no recorded inputs"
    );
    father_s_marriage_certificate_is_found(&host).await;
    let (data, _dir) = host.stop().await;
    assert_nothing_in_clear(&data, &id);

    // Rotate to SM4-GCM: every value is sealed again and the old key leaves the file.
    let keyring = data.join("keys/data.keys");
    let (done, keys) =
        lianban::store::SledStore::rotate_data_keys(&data, &keyring, Algorithm::Sm4Gcm).unwrap();
    assert_eq!(done.cases, 2, "{done:?}");
    assert!(
        done.inputs > 0 && done.messages > 0 && done.certificates > 0,
        "{done:?}"
    );
    assert_eq!(keys.key_ids(), vec![2]);
    let reread = Keyring::load_or_create(&keyring, Algorithm::Aes256Gcm).unwrap();
    assert_eq!(reread.current_algorithm(), Algorithm::Sm4Gcm);
    assert_nothing_in_clear(&data, &id);

    // Reopened with the rotated keyring, every case reads as before.
    let host = TestHost::start_in(data.clone(), None).await;
    for case in [&id, &open_id] {
        let stored = host.state.workflow.case(case).unwrap();
        assert_eq!(stored.applicant.id_number, APPLICANT_ID);
        assert_eq!(stored.applicant.mobile, MOBILE);
        assert_eq!(stored.fields["father.id-number"], FATHER_ID);
    }
    let (s, case) = host
        .get(&format!("/api/v1/cases/{id}"), &host.tokens.admin)
        .await;
    assert_eq!(s, StatusCode::OK, "{case}");
    assert_eq!(case["status"], "archived");
    assert_masked(&case);
    father_s_marriage_certificate_is_found(&host).await;
    let (s, b) = host
        .get(&format!("/api/v1/cases/{id}/events"), &host.tokens.admin)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(b["verified"], true, "{b:#}");
}
