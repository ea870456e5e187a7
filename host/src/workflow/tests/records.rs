//! Delivery modes, provisional deadlines, and the revision and change each command records.

use lianban_sdk::testing::official_calendar;
use lianban_sdk::{Channel, Date};

use super::*;

#[test]
fn delivery_modes() {
    let cal = official_calendar();
    let mail = Delivery::Mail {
        address: "河南省新乡市红旗区向阳路 18 号".into(),
        recipient: "李芳".into(),
        mobile: "13812345678".into(),
        tracking_number: None,
    };
    for delivery in [
        Delivery::Together,
        Delivery::Separately,
        mail,
        Delivery::SelfPrint,
    ] {
        let mut c = case(Channel::Window, delivery.clone(), &cal, FRIDAY);
        receive(&mut c, &cal, FRIDAY);
        accept(&mut c, &cal, FRIDAY, "birth-medical-certificate", 1);
        decide(
            &mut c,
            &cal,
            FRIDAY,
            "birth-medical-certificate",
            Outcome::Approve,
        );
        run(
            &mut c,
            &cal,
            FRIDAY,
            Command::ReturnResult {
                matter: "birth-medical-certificate".into(),
            },
        );
        let effects = run(
            &mut c,
            &cal,
            FRIDAY,
            Command::ReceiveResult {
                matter: "birth-medical-certificate".into(),
            },
        );
        // Separately and self-print tell the applicant per result; together and mail wait.
        let per_item = matches!(delivery, Delivery::Separately | Delivery::SelfPrint);
        assert_eq!(
            effects
                .iter()
                .any(|e| matches!(e, Effect::Sms(Sms::ResultReady { matter: Some(_) }))),
            per_item,
            "{delivery:?}"
        );
        for m in [
            "birth-registration",
            "vaccination-certificate",
            "resident-medical-insurance",
            "social-security-card",
        ] {
            finish(&mut c, &cal, FRIDAY, m);
        }
        assert_eq!(c.status, CaseStatus::Completed);
        if let Delivery::Mail { .. } = delivery {
            // Mail waits for everything and needs the tracking number.
            let err = apply(
                &mut c,
                &Command::Deliver {
                    tracking_number: None,
                },
                &ctx(&cal, FRIDAY),
            );
            assert!(matches!(err, Err(WorkflowError::Invalid(_))));
            let effects = run(
                &mut c,
                &cal,
                FRIDAY,
                Command::Deliver {
                    tracking_number: Some("SF1234567890".into()),
                },
            );
            assert_eq!(
                effects,
                vec![
                    Effect::Sms(Sms::Mailed {
                        tracking_number: "SF1234567890".into()
                    }),
                    Effect::RatingInvitation
                ]
            );
        } else {
            run(
                &mut c,
                &cal,
                FRIDAY,
                Command::Deliver {
                    tracking_number: None,
                },
            );
        }
        assert_eq!(c.status, CaseStatus::Delivered);
    }
}

#[test]
fn deadlines_in_a_year_without_calendar_are_provisional() {
    let cal = official_calendar();
    let new_years_eve = Date::ymd(2026, 12, 31);
    let mut c = case(Channel::Window, Delivery::Together, &cal, new_years_eve);
    receive(&mut c, &cal, new_years_eve);
    let due = c
        .item("birth-medical-certificate")
        .unwrap()
        .accept_due
        .clone()
        .unwrap();
    assert!(due.is_provisional());
    assert_eq!(due.from, new_years_eve);
}

#[test]
fn every_command_counts_a_revision_and_records_the_change() {
    let cal = official_calendar();
    let mut c = case(Channel::Window, Delivery::Together, &cal, FRIDAY);
    let (change, _) = apply(
        &mut c,
        &Command::Receive {
            receipt_number: "HQ-1".into(),
            promised_by: None,
        },
        &ctx(&cal, FRIDAY),
    )
    .unwrap();
    assert_eq!(c.revision, 1);
    assert_eq!(change.before, "case:submitted");
    assert_eq!(change.after, "case:in_progress");
    let (change, _) = apply(
        &mut c,
        &Command::Reject {
            matter: "birth-medical-certificate".into(),
            reason: "材料不实".into(),
        },
        &ctx(&cal, FRIDAY),
    )
    .unwrap();
    assert_eq!(change.matter.as_deref(), Some("birth-medical-certificate"));
    assert_eq!(change.reason.as_deref(), Some("材料不实"));
    assert_eq!(change.before, "case:in_progress item:distributed");
    assert_eq!(change.after, "case:completed item:rejected");
}
