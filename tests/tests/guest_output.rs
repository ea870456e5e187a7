//! What a rules component returns is checked before the host uses it
//! (`host/src/runtime/output.rs`). Every answer out of bounds fails the call as
//! `rule_invalid_output` naming the field, and nothing of it is stored: a case accepted while
//! its rules answered garbage still decodes after a restart, and the clocks' pass runs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, OnceLock};

use lianban::runtime::{
    FailureKind, Imports, Limits, MAX_FINDINGS, MAX_TEXT_CHARS, Plugin, Runtime, RuntimeConfig,
};
use lianban_e2e::{NEWBORN, TODAY, TestHost, component};
use lianban_sdk::testing::official_calendar;
use lianban_sdk::{Application, Channel, Date, Deadline, Finding, Subject, WorkingCalendar};
use proptest::prelude::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The legal time limit the hostile guest's manifest declares, working days.
const LEGAL_DAYS: u32 = 5;

fn runtime() -> &'static Runtime {
    static RT: OnceLock<Runtime> = OnceLock::new();
    RT.get_or_init(|| Runtime::new(RuntimeConfig::default()).unwrap())
}

fn calendar() -> &'static Arc<WorkingCalendar> {
    static CAL: OnceLock<Arc<WorkingCalendar>> = OnceLock::new();
    CAL.get_or_init(|| Arc::new(official_calendar()))
}

/// The hostile guest as the registry prepares a version: with its manifest's legal days.
fn hostile() -> &'static Plugin {
    static PLUGIN: OnceLock<Plugin> = OnceLock::new();
    PLUGIN.get_or_init(|| {
        let bytes = component("lianban-guest-hostile");
        let mut plugin = lianban_e2e::load(
            runtime(),
            &bytes,
            "vaccination-certificate",
            Limits::default(),
        )
        .unwrap();
        plugin.legal_days = Some(LEGAL_DAYS);
        plugin
    })
}

fn app(mode: &str) -> Application {
    Application::new("newborn", "vaccination-certificate", Channel::Window, TODAY)
        .with_field("hostile.mode", mode)
}

fn imports() -> Imports {
    Imports::calendar(calendar().clone())
}

/// The hostile guest's `echo:` mode (see `tests/guests/hostile/src/echo.rs`).
#[derive(Clone, Debug)]
struct Echo {
    year: u16,
    month: u8,
    day: u8,
    working_days: u32,
    basis: String,
    code: String,
    message: String,
    subject: String,
}

impl Echo {
    fn mode(&self) -> String {
        let hex = |s: &str| s.bytes().map(|b| format!("{b:02x}")).collect::<String>();
        format!(
            "echo:{}:{}:{}:{}:{}:{}:{}:{}",
            self.year,
            self.month,
            self.day,
            self.working_days,
            hex(&self.basis),
            hex(&self.code),
            hex(&self.message),
            hex(&self.subject)
        )
    }

    /// A deadline and finding well within bounds.
    fn valid(due: Date, working_days: u32) -> Echo {
        Echo {
            year: due.year,
            month: due.month,
            day: due.day,
            working_days,
            basis: "《测试办法》第三条".into(),
            code: "field.invalid".into(),
            message: "请核对".into(),
            subject: "child.name".into(),
        }
    }
}

fn failure(mode: &str) -> Box<lianban::runtime::RuleFailure> {
    runtime()
        .evaluate(hostile(), &app(mode), TODAY, &imports())
        .expect_err(mode)
}

#[test]
fn every_answer_out_of_bounds_is_refused_naming_its_field() {
    for (mode, field) in [
        ("bad-date", "deadline.due"),
        ("early", "deadline.due"),
        ("late", "deadline.due"),
        ("absurd-days", "deadline.working-days"),
        ("huge-basis", "deadline.basis"),
        ("long-message", "form.findings[0].message"),
        ("many-findings", "form.findings"),
        ("bad-code", "form.findings[0].code"),
    ] {
        let err = failure(mode);
        assert_eq!(err.kind, FailureKind::InvalidOutput, "{mode}: {err}");
        assert_eq!(err.kind.code(), "rule_invalid_output");
        assert!(
            err.detail.starts_with(&format!("{field}: ")),
            "{mode}: {}",
            err.detail
        );
    }
    // The deadline asked alone at acceptance is checked the same way.
    let err = runtime()
        .deadline(hostile(), &app("bad-date"), TODAY, &imports())
        .unwrap_err();
    assert_eq!(
        (err.kind, err.export),
        (FailureKind::InvalidOutput, "deadline")
    );
    assert!(err.detail.starts_with("deadline.due: "), "{}", err.detail);

    // The largest answers within bounds pass.
    let last = calendar().add_working_days(TODAY, LEGAL_DAYS).unwrap();
    let mut edge = Echo::valid(last, LEGAL_DAYS);
    edge.message = "长".repeat(MAX_TEXT_CHARS);
    let eval = runtime()
        .evaluate(hostile(), &app(&edge.mode()), TODAY, &imports())
        .unwrap();
    assert_eq!(eval.deadline.unwrap().due, last);
    assert_eq!(
        eval.form.unwrap()[0].message.chars().count(),
        MAX_TEXT_CHARS
    );
    const {
        assert!(
            MAX_FINDINGS < 5_000,
            "the many-findings mode must exceed the cap"
        )
    };
}

/// What the host may accept of an echoed answer, written independently of the host's code.
fn acceptable(e: &Echo) -> bool {
    let text_ok = |s: &str, max: usize, required: bool| {
        s.chars().count() <= max
            && !(required && s.trim().is_empty())
            && !s.chars().any(|c| c.is_control() && c != '\n')
    };
    let key_ok = |s: &str| {
        let b = s.as_bytes();
        !b.is_empty()
            && b.len() <= 64
            && b[0].is_ascii_lowercase()
            && b.iter()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'.' || *c == b'-')
    };
    let Some(due) = Date::new(e.year, e.month, e.day) else {
        return false;
    };
    let last = calendar().add_working_days(TODAY, LEGAL_DAYS).unwrap();
    due >= TODAY
        && due <= last
        && e.working_days <= LEGAL_DAYS
        && text_ok(&e.basis, 1_000, false)
        && key_ok(&e.code)
        && key_ok(&e.subject)
        && text_ok(&e.message, MAX_TEXT_CHARS, true)
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[一-龥a-z ，。]{0,20}",
        "\\PC{0,40}",
        any::<String>(),
        proptest::collection::vec(any::<char>(), 0..700).prop_map(String::from_iter),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9.-]{0,70}",
        "[a-z]{1,8}\\.[a-z-]{1,12}",
        any::<String>()
    ]
}

fn echo() -> impl Strategy<Value = Echo> {
    (
        prop_oneof![Just(2026u16), 2025u16..=2028, any::<u16>()],
        prop_oneof![11u8..=12, 0u8..=13, any::<u8>()],
        prop_oneof![1u8..=31, any::<u8>()],
        prop_oneof![0u32..=6, any::<u32>()],
        text(),
        key(),
        text(),
        key(),
    )
        .prop_map(
            |(year, month, day, working_days, basis, code, message, subject)| Echo {
                year,
                month,
                day,
                working_days,
                basis,
                code,
                message,
                subject,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Arbitrary values of the WIT types, sent through the real component boundary: the host
    /// takes exactly the acceptable ones, and what it takes survives being stored.
    #[test]
    fn the_host_takes_exactly_the_answers_within_bounds(e in echo()) {
        let outcome = runtime().evaluate(hostile(), &app(&e.mode()), TODAY, &imports());
        match outcome {
            Ok(eval) => {
                prop_assert!(acceptable(&e), "accepted {e:?}");
                let deadline: Deadline = eval.deadline.unwrap();
                let stored: Deadline =
                    serde_json::from_value(serde_json::to_value(&deadline).unwrap()).unwrap();
                prop_assert_eq!(&stored, &deadline);
                let found: Vec<Finding> = eval.form.unwrap();
                prop_assert_eq!(found.len(), 1);
                prop_assert_eq!(&found[0].subject, &Subject::Field(e.subject.clone()));
                let stored: Vec<Finding> =
                    serde_json::from_value(serde_json::to_value(&found).unwrap()).unwrap();
                prop_assert_eq!(stored, found);
            }
            Err(f) => {
                prop_assert!(!acceptable(&e), "refused {e:?}: {f}");
                prop_assert_eq!(f.kind, FailureKind::InvalidOutput, "{}", f);
                prop_assert!(
                    f.detail.starts_with("deadline.") || f.detail.starts_with("form."),
                    "{}", f.detail
                );
            }
        }
    }
}

/// Takes a newborn case in with `mode` as the hostile guest's switch, approves 出生医学证明 so
/// that 预防接种证办理 is distributed, has `cdc` accept it, and returns the case.
async fn accepted(host: &TestHost, mode: &str) -> Value {
    let clerk = host.tokens.clerk.clone();
    let scan = host.scan(&clerk).await;
    let mut body = lianban_e2e::intake("window", json!({ "mode": "together" }), &scan);
    body["fields"]["hostile.mode"] = json!(mode);
    let (s, case) = host.post("/api/v1/cases", &clerk, &body).await;
    assert_eq!(s, StatusCode::CREATED, "{case}");
    assert_eq!(case["status"], "in_progress", "{mode}: {case:#}");
    let id = case["id"].as_str().unwrap().to_owned();
    let item = |matter: &str| format!("/api/v1/cases/{id}/items/{matter}");
    let bmc = host
        .tokens
        .department(&lianban_e2e::department_of("birth-medical-certificate"))
        .to_owned();
    for step in [
        json!({ "action": "accept" }),
        json!({ "action": "decide", "outcome": "approve", "documents": [{ "name": "出生医学证明", "elicense_number": "E-1" }] }),
    ] {
        let (s, b) = host
            .post(&item("birth-medical-certificate"), &bmc, &step)
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
    }
    let cdc = host.tokens.department("cdc").to_owned();
    let (s, case) = host
        .post(
            &item("vaccination-certificate"),
            &cdc,
            &json!({ "action": "accept" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{mode}: {case}");
    case
}

fn decision_due(case: &Value) -> &Value {
    &case["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["matter"] == "vaccination-certificate")
        .unwrap()["decision_due"]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_accepted_while_its_rules_answer_garbage_decodes_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let host = TestHost::start_in(dir.path().to_path_buf(), None).await;
    host.install_plugins(NEWBORN.iter().filter(|m| **m != "vaccination-certificate"))
        .await;
    host.install(
        "vaccination-certificate",
        component("lianban-guest-hostile"),
    )
    .await;

    let last = calendar().add_working_days(TODAY, LEGAL_DAYS).unwrap();
    let mut long_basis = Echo::valid(last, 1);
    long_basis.basis = "x".repeat(1_500);
    let mut control = Echo::valid(last, 1);
    control.basis = "依据\u{1b}[2J".into();
    let garbage = [
        Echo {
            year: 2026,
            month: 13,
            day: 45,
            ..Echo::valid(last, 0)
        },
        Echo::valid(Date::ymd(1999, 1, 1), 1),
        Echo::valid(last, 4_000_000_000),
        Echo::valid(Date::ymd(2030, 6, 3), 5),
        long_basis,
        control,
    ];
    let mut cases = Vec::new();
    for e in &garbage {
        let case = accepted(&host, &format!("accept:{}", e.mode())).await;
        // Refused, and the promised days of the manifest count instead (第十六条).
        let due = decision_due(&case);
        assert_eq!(due["working_days"], 1, "{e:?}: {due}");
        assert!(
            due["basis"].as_str().unwrap().contains("规则组件出错"),
            "{due}"
        );
        cases.push(case["id"].as_str().unwrap().to_owned());
    }
    // The largest deadline within bounds is taken as the rules gave it.
    let edge = Echo::valid(last, LEGAL_DAYS);
    let case = accepted(&host, &format!("accept:{}", edge.mode())).await;
    assert_eq!(decision_due(&case)["due"], json!(last.to_string()));
    assert_eq!(decision_due(&case)["working_days"], LEGAL_DAYS);
    cases.push(case["id"].as_str().unwrap().to_owned());

    // A restart: every case decodes, and the clocks' pass and its view answer.
    let (data, _) = host.stop().await;
    let host = TestHost::start_in(data, None).await;
    for id in &cases {
        let (s, case) = host
            .get(&format!("/api/v1/cases/{id}"), &host.tokens.admin)
            .await;
        assert_eq!(s, StatusCode::OK, "{id}: {case}");
    }
    let (s, clocks) = host
        .get("/api/v1/supervision/clocks", &host.tokens.admin)
        .await;
    assert_eq!(s, StatusCode::OK, "{clocks}");
    let workflow = host.state.workflow.clone();
    tokio::task::spawn_blocking(move || workflow.tick())
        .await
        .unwrap()
        .unwrap();
    drop(dir);
}
