//! A department reads a case only once one of its items was sent to it (第十四条): ending the
//! case before that — a withdrawal, a cancellation — does not open it to the departments it
//! never reached.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use lianban_e2e::{NEWBORN, TestHost, department_of, received_case};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_withdrawn_case_stays_closed_to_departments_it_never_reached() {
    let host = TestHost::start().await;
    host.install_plugins(NEWBORN).await;
    let clerk = host.tokens.clerk.clone();
    let id = received_case(&host, &clerk).await;
    // Only 出生医学证明 has no prerequisite: it alone was sent out.
    let sent = department_of("birth-medical-certificate");
    let (s, case) = host
        .post(
            &format!("/api/v1/cases/{id}/window"),
            &clerk,
            &json!({ "action": "withdraw", "reason": "申请人撤回" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{case}");
    assert_eq!(case["status"], "withdrawn");

    let path = format!("/api/v1/cases/{id}");
    let (s, _) = host.get(&path, host.tokens.department(&sent)).await;
    assert_eq!(s, StatusCode::OK, "the department it was sent to reads it");
    for matter in NEWBORN
        .iter()
        .filter(|m| **m != "birth-medical-certificate")
    {
        let department = department_of(matter);
        if department == sent {
            continue;
        }
        let (s, body) = host.get(&path, host.tokens.department(&department)).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{department} read it: {body}");
    }
    drop(host.stop().await);
}
