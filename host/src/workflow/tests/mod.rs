//! The state machine against the procedure, article by article.
//! Helpers here; the journeys (`journeys.rs`) and delivery and the records every command leaves
//! (`records.rs`) in files of their own.

mod journeys;
mod records;

use lianban_sdk::{Channel, Date, WorkingCalendar};

use super::*;
use crate::catalog::demo::demo_one_things;

fn newborn() -> crate::catalog::OneThing {
    demo_one_things()
        .into_iter()
        .find(|o| o.code == "newborn")
        .unwrap()
}

fn ctx(cal: &WorkingCalendar, day: Date) -> Ctx<'_> {
    Ctx {
        at: format!("{day}T10:00:00+08:00"),
        today: day,
        calendar: cal,
    }
}

/// A new case of 新生儿出生一件事 with id `c1` (also used by the store's tests).
pub(crate) fn case(channel: Channel, delivery: Delivery, cal: &WorkingCalendar, day: Date) -> Case {
    new_case(
        &newborn(),
        NewCase {
            id: "c1".into(),
            channel,
            applicant: Applicant {
                name: "李芳".into(),
                id_number: "410702199205050027".into(),
                mobile: "13812345678".into(),
            },
            agent: None,
            fields: Default::default(),
            materials: vec![],
            delivery,
            judged_by: vec![],
        },
        &ctx(cal, day),
    )
}

fn run(case: &mut Case, cal: &WorkingCalendar, day: Date, command: Command) -> Vec<Effect> {
    apply(case, &command, &ctx(cal, day))
        .unwrap_or_else(|e| panic!("{}: {e}", command.name()))
        .1
}

fn status(case: &Case, matter: &str) -> ItemStatus {
    case.item(matter).unwrap().status
}

fn receive(c: &mut Case, cal: &WorkingCalendar, day: Date) -> Vec<Effect> {
    run(
        c,
        cal,
        day,
        Command::Receive {
            receipt_number: "HQ-20261127-000001".into(),
            promised_by: None,
        },
    )
}

fn accept(c: &mut Case, cal: &WorkingCalendar, day: Date, matter: &str, days: u32) {
    let due = ctx(cal, day).due(days, "测试");
    run(
        c,
        cal,
        day,
        Command::Accept {
            matter: matter.into(),
            decision_due: due,
        },
    );
}

fn decide(
    c: &mut Case,
    cal: &WorkingCalendar,
    day: Date,
    matter: &str,
    outcome: Outcome,
) -> Vec<Effect> {
    let reason = (outcome == Outcome::Deny).then(|| "不符合条件".to_owned());
    run(
        c,
        cal,
        day,
        Command::Decide {
            matter: matter.into(),
            outcome,
            reason,
            documents: vec![],
        },
    )
}

fn finish(c: &mut Case, cal: &WorkingCalendar, day: Date, matter: &str) {
    accept(c, cal, day, matter, 1);
    decide(c, cal, day, matter, Outcome::Approve);
    run(
        c,
        cal,
        day,
        Command::ReturnResult {
            matter: matter.into(),
        },
    );
    run(
        c,
        cal,
        day,
        Command::ReceiveResult {
            matter: matter.into(),
        },
    );
}

const FRIDAY: Date = Date {
    year: 2026,
    month: 11,
    day: 27,
};
