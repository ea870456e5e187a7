//! Cases through the procedure: receipt and distribution, the newborn case in dependency order,
//! rejections, denials, refused commands, suspensions, withdrawal, online correction.

use lianban_sdk::testing::official_calendar;
use lianban_sdk::{Channel, Date};

use super::*;

#[test]
fn receipt_distributes_only_matters_without_prerequisites() {
    // 第十四条: on receipt the window transmits at once to every department that can start.
    let cal = official_calendar();
    let mut c = case(Channel::Window, Delivery::Together, &cal, FRIDAY);
    let effects = receive(&mut c, &cal, FRIDAY);
    assert_eq!(c.status, CaseStatus::InProgress);
    assert_eq!(
        status(&c, "birth-medical-certificate"),
        ItemStatus::Distributed
    );
    for m in [
        "vaccination-certificate",
        "birth-registration",
        "resident-medical-insurance",
        "social-security-card",
    ] {
        assert_eq!(status(&c, m), ItemStatus::Waiting, "{m}");
    }
    // 第十五条: one working day to accept; Friday's distribution is due on Monday.
    let due = c
        .item("birth-medical-certificate")
        .unwrap()
        .accept_due
        .clone()
        .unwrap();
    assert_eq!(due.due, Some(Date::ymd(2026, 11, 30)));
    assert!(effects.contains(&Effect::Sms(Sms::Receipt {
        number: "HQ-20261127-000001".into(),
        promised_by: None
    })));
    assert!(effects.iter().any(|e| matches!(e, Effect::Webhook { matter, status: ItemStatus::Distributed, .. } if matter == "birth-medical-certificate")));
}

#[test]
fn the_whole_newborn_case_in_dependency_order() {
    let cal = official_calendar();
    let mut c = case(Channel::Window, Delivery::Together, &cal, FRIDAY);
    receive(&mut c, &cal, FRIDAY);
    // 出生登记 cannot be accepted before 出生医学证明 is approved.
    let early = apply(
        &mut c,
        &Command::Accept {
            matter: "birth-registration".into(),
            decision_due: ctx(&cal, FRIDAY).due(1, "x"),
        },
        &ctx(&cal, FRIDAY),
    );
    assert!(
        matches!(early, Err(WorkflowError::WrongState { .. })),
        "{early:?}"
    );

    finish(&mut c, &cal, FRIDAY, "birth-medical-certificate");
    assert_eq!(status(&c, "birth-registration"), ItemStatus::Distributed);
    assert_eq!(
        status(&c, "vaccination-certificate"),
        ItemStatus::Distributed
    );
    assert_eq!(
        status(&c, "resident-medical-insurance"),
        ItemStatus::Waiting
    );
    finish(&mut c, &cal, FRIDAY, "birth-registration");
    assert_eq!(
        status(&c, "resident-medical-insurance"),
        ItemStatus::Distributed
    );
    assert_eq!(status(&c, "social-security-card"), ItemStatus::Distributed);
    for m in ["vaccination-certificate", "resident-medical-insurance"] {
        finish(&mut c, &cal, FRIDAY, m);
        assert_eq!(c.status, CaseStatus::InProgress);
    }
    finish(&mut c, &cal, FRIDAY, "social-security-card");
    // Every item has ended: the case is complete and the applicant is told (第十七条).
    assert_eq!(c.status, CaseStatus::Completed);
    run(
        &mut c,
        &cal,
        FRIDAY,
        Command::Deliver {
            tracking_number: None,
        },
    );
    assert_eq!(c.status, CaseStatus::Delivered);
    run(&mut c, &cal, FRIDAY, Command::Archive);
    assert_eq!(c.status, CaseStatus::Archived);
    // Archived cases are read-only.
    let late = apply(&mut c, &Command::Archive, &ctx(&cal, FRIDAY));
    assert!(matches!(late, Err(WorkflowError::WrongState { .. })));
}

#[test]
fn a_rejected_prerequisite_cancels_everything_that_needs_it() {
    let cal = official_calendar();
    let mut c = case(Channel::Window, Delivery::Together, &cal, FRIDAY);
    receive(&mut c, &cal, FRIDAY);
    // 不予受理 needs a reason (第十五条).
    let no_reason = apply(
        &mut c,
        &Command::Reject {
            matter: "birth-medical-certificate".into(),
            reason: " ".into(),
        },
        &ctx(&cal, FRIDAY),
    );
    assert_eq!(
        no_reason.unwrap_err(),
        WorkflowError::ReasonRequired("不予受理")
    );
    let effects = run(
        &mut c,
        &cal,
        FRIDAY,
        Command::Reject {
            matter: "birth-medical-certificate".into(),
            reason: "非本区助产机构出生".into(),
        },
    );
    let sms = effects.iter().find_map(|e| match e {
        Effect::Sms(s @ Sms::Rejected { .. }) => Some(s.render("新生儿出生一件事")),
        _ => None,
    });
    assert_eq!(
        sms.unwrap(),
        "【红旗区政务服务】您申请的“新生儿出生一件事”中的“出生医学证明签发”不予受理，理由：非本区助产机构出生。"
    );
    for m in [
        "vaccination-certificate",
        "birth-registration",
        "resident-medical-insurance",
        "social-security-card",
    ] {
        assert_eq!(status(&c, m), ItemStatus::Cancelled, "{m}");
        assert!(
            c.item(m)
                .unwrap()
                .cancel_reason
                .as_deref()
                .unwrap()
                .contains("未获准予")
        );
    }
    assert_eq!(c.status, CaseStatus::Completed);
}

#[test]
fn a_denial_cancels_only_its_dependents() {
    let cal = official_calendar();
    let mut c = case(Channel::Window, Delivery::Together, &cal, FRIDAY);
    receive(&mut c, &cal, FRIDAY);
    finish(&mut c, &cal, FRIDAY, "birth-medical-certificate");
    accept(&mut c, &cal, FRIDAY, "birth-registration", 1);
    // A denial needs a reason.
    let bare = apply(
        &mut c,
        &Command::Decide {
            matter: "birth-registration".into(),
            outcome: Outcome::Deny,
            reason: None,
            documents: vec![],
        },
        &ctx(&cal, FRIDAY),
    );
    assert_eq!(
        bare.unwrap_err(),
        WorkflowError::ReasonRequired("不予许可决定")
    );
    decide(&mut c, &cal, FRIDAY, "birth-registration", Outcome::Deny);
    assert_eq!(
        status(&c, "resident-medical-insurance"),
        ItemStatus::Cancelled
    );
    assert_eq!(status(&c, "social-security-card"), ItemStatus::Cancelled);
    assert_eq!(
        status(&c, "vaccination-certificate"),
        ItemStatus::Distributed
    );
    // Denied but not yet back at the window: not finished.
    assert_eq!(c.status, CaseStatus::InProgress);
}

#[test]
fn wrong_state_commands_are_refused_and_change_nothing() {
    let cal = official_calendar();
    let mut c = case(Channel::Window, Delivery::Together, &cal, FRIDAY);
    let before = c.clone();
    for command in [
        Command::Accept {
            matter: "birth-medical-certificate".into(),
            decision_due: ctx(&cal, FRIDAY).due(1, "x"),
        },
        Command::Deliver {
            tracking_number: None,
        },
        Command::Archive,
        Command::ReturnResult {
            matter: "birth-medical-certificate".into(),
        },
    ] {
        let err = apply(&mut c, &command, &ctx(&cal, FRIDAY)).unwrap_err();
        assert!(
            matches!(err, WorkflowError::WrongState { .. }),
            "{}: {err}",
            command.name()
        );
    }
    assert_eq!(c, before);
    receive(&mut c, &cal, FRIDAY);
    let err = apply(
        &mut c,
        &Command::Resume {
            matter: "birth-medical-certificate".into(),
        },
        &ctx(&cal, FRIDAY),
    )
    .unwrap_err();
    assert_eq!(
        err,
        WorkflowError::WrongState {
            command: "resume",
            state: "case:in_progress item:distributed".into()
        }
    );
    let unknown = apply(
        &mut c,
        &Command::ConfirmDistribution {
            matter: "nope".into(),
        },
        &ctx(&cal, FRIDAY),
    );
    assert_eq!(
        unknown.unwrap_err(),
        WorkflowError::UnknownItem("nope".into())
    );
}

#[test]
fn a_suspension_stops_the_clock_across_national_day() {
    // Accepted Tuesday 2026-09-29 with 5 working days: due Monday 10-12 (10-01..07 off,
    // Saturday 10-10 a make-up working day).
    let cal = official_calendar();
    let accepted = Date::ymd(2026, 9, 29);
    let mut c = case(Channel::Window, Delivery::Together, &cal, accepted);
    receive(&mut c, &cal, accepted);
    accept(&mut c, &cal, accepted, "birth-medical-certificate", 5);
    let due = |c: &Case| {
        c.item("birth-medical-certificate")
            .unwrap()
            .decision_due
            .clone()
            .unwrap()
    };
    assert_eq!(due(&c).due, Some(Date::ymd(2026, 10, 12)));
    run(
        &mut c,
        &cal,
        Date::ymd(2026, 9, 30),
        Command::Suspend {
            matter: "birth-medical-certificate".into(),
            kind: SuspensionKind::ExpertReview,
            reason: "出生信息需专家核实".into(),
        },
    );
    assert_eq!(
        status(&c, "birth-medical-certificate"),
        ItemStatus::Suspended
    );
    // A suspended item cannot be decided.
    let err = apply(
        &mut c,
        &Command::Decide {
            matter: "birth-medical-certificate".into(),
            outcome: Outcome::Approve,
            reason: None,
            documents: vec![],
        },
        &ctx(&cal, Date::ymd(2026, 10, 8)),
    );
    assert!(err.is_err());
    // Resumed on Friday 10-09: 10-08 and 10-09 did not count, so two more working days.
    run(
        &mut c,
        &cal,
        Date::ymd(2026, 10, 9),
        Command::Resume {
            matter: "birth-medical-certificate".into(),
        },
    );
    assert_eq!(due(&c).working_days, 7);
    assert_eq!(due(&c).due, Some(Date::ymd(2026, 10, 14)));
    let s = &c.item("birth-medical-certificate").unwrap().suspensions[0];
    assert_eq!(s.until, Some(Date::ymd(2026, 10, 9)));
}

#[test]
fn withdrawal_only_before_the_first_decision() {
    let cal = official_calendar();
    let mut c = case(Channel::Window, Delivery::Together, &cal, FRIDAY);
    receive(&mut c, &cal, FRIDAY);
    let mut early = c.clone();
    let effects = run(
        &mut early,
        &cal,
        FRIDAY,
        Command::Withdraw {
            reason: "不再办理".into(),
        },
    );
    assert_eq!(early.status, CaseStatus::Withdrawn);
    assert!(
        early
            .items
            .iter()
            .all(|i| i.status == ItemStatus::Withdrawn)
    );
    // Only the department that had the item is told.
    assert_eq!(effects.len(), 1);
    run(&mut early, &cal, FRIDAY, Command::Archive);
    assert_eq!(early.status, CaseStatus::Archived);

    accept(&mut c, &cal, FRIDAY, "birth-medical-certificate", 1);
    decide(
        &mut c,
        &cal,
        FRIDAY,
        "birth-medical-certificate",
        Outcome::Approve,
    );
    let late = apply(
        &mut c,
        &Command::Withdraw { reason: "x".into() },
        &ctx(&cal, FRIDAY),
    );
    assert!(matches!(late, Err(WorkflowError::WrongState { .. })));
}

#[test]
fn online_submission_correction_and_confirmation() {
    // 第十四条: online, the window answers within one working day, by notice or receipt.
    let cal = official_calendar();
    let mut c = case(Channel::Online, Delivery::SelfPrint, &cal, FRIDAY);
    assert_eq!(c.status, CaseStatus::Submitted);
    assert_eq!(
        c.intake_due.as_ref().unwrap().due,
        Some(Date::ymd(2026, 11, 30))
    );
    let notice = vec![crate::precheck::NoticeItem {
        severity: lianban_sdk::Severity::Blocking,
        subject: lianban_sdk::Subject::Material("household-register".into()),
        code: "material.missing".into(),
        message: "缺少“居民户口簿”".into(),
        remedy: None,
        matters: vec!["birth-registration".into()],
    }];
    let effects = run(&mut c, &cal, FRIDAY, Command::IssueNotice { items: notice });
    assert_eq!(c.status, CaseStatus::Incomplete);
    assert_eq!(
        effects,
        vec![Effect::Sms(Sms::CorrectionNotice { items: 1 })]
    );
    let monday = Date::ymd(2026, 11, 30);
    run(
        &mut c,
        &cal,
        monday,
        Command::UpdateApplication {
            fields: Default::default(),
            materials: vec![],
        },
    );
    // The corrected application is back with the window, with a new working day.
    assert_eq!(c.status, CaseStatus::Submitted);
    assert_eq!(
        c.intake_due.as_ref().unwrap().due,
        Some(Date::ymd(2026, 12, 1))
    );
    receive(&mut c, &cal, monday);
    assert_eq!(c.status, CaseStatus::InProgress);
    assert!(c.intake_due.is_none());
}
