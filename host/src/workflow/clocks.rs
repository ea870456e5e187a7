//! The working-day clocks of a case (第十四条至第十七条): which stage is running, when it is due,
//! and whether it is normal, close (it used its share of the promised days: the yellow card of
//! 电子监察) or overdue (the red card).

use std::sync::Arc;

use lianban_sdk::{Date, WorkingCalendar};
use serde::Serialize;

use super::model::{Case, CaseStatus, Due, ItemStatus};

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ClockState {
    Normal,
    /// It used its share of the promised working days (80% unless configured): a yellow card.
    Warning,
    Overdue,
    /// Stopped by a special procedure (特别程序).
    Suspended,
    /// The calendar of a year on the way is not loaded; the due date is not known yet.
    Provisional,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Online submission: the window confirms or sends the notice (第十四条).
    Intake,
    /// The department accepts or rejects (第十五条).
    Acceptance,
    /// The department decides (第十六条).
    Decision,
    /// The result goes back to the window (第十七条).
    ResultReturn,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RunningClock {
    pub stage: Stage,
    pub matter: Option<String>,
    pub department: Option<String>,
    pub due: Option<Date>,
    pub state: ClockState,
}

impl RunningClock {
    /// A stable name for the clock, used to raise each warning or overdue event once.
    pub fn key(&self) -> String {
        let stage = match self.stage {
            Stage::Intake => "intake",
            Stage::Acceptance => "acceptance",
            Stage::Decision => "decision",
            Stage::ResultReturn => "result_return",
        };
        format!("{stage}:{}", self.matter.as_deref().unwrap_or("case"))
    }
}

/// The share of a clock's promised working days after which it warns (the yellow card), unless
/// configured otherwise (`--yellow-share`).
pub const DEFAULT_YELLOW_SHARE: f64 = 0.8;

/// Where a clock with `due` stands on `today`.
pub fn state(due: &Due, today: Date, calendar: &WorkingCalendar, yellow_share: f64) -> ClockState {
    let Some(day) = due.due else {
        return ClockState::Provisional;
    };
    if today > day {
        return ClockState::Overdue;
    }
    // A clock of no working days (即办) is used up on its day.
    if due.working_days == 0 {
        return ClockState::Warning;
    }
    match calendar.working_days_between(due.from, today) {
        Ok(used) if f64::from(used) >= yellow_share * f64::from(due.working_days) => {
            ClockState::Warning
        }
        Ok(_) => ClockState::Normal,
        // Unknown days between the start and now: treat as close rather than calm.
        Err(_) => ClockState::Warning,
    }
}

/// The clocks running now; a clock that used `yellow_share` of its working days warns.
pub fn running(
    case: &Case,
    today: Date,
    calendar: &WorkingCalendar,
    yellow_share: f64,
) -> Vec<RunningClock> {
    let mut out = Vec::new();
    if case.status == CaseStatus::Submitted
        && let Some(due) = &case.intake_due
    {
        out.push(RunningClock {
            stage: Stage::Intake,
            matter: None,
            department: None,
            due: due.due,
            state: state(due, today, calendar, yellow_share),
        });
    }
    if case.status != CaseStatus::InProgress {
        return out;
    }
    for item in &case.items {
        let (stage, due) = match item.status {
            ItemStatus::Distributed => (Stage::Acceptance, item.accept_due.as_ref()),
            ItemStatus::Accepted | ItemStatus::Suspended => {
                (Stage::Decision, item.decision_due.as_ref())
            }
            ItemStatus::Decided if item.returned_at.is_none() => {
                (Stage::ResultReturn, item.return_due.as_ref())
            }
            _ => continue,
        };
        let Some(due) = due else { continue };
        let state = if item.status == ItemStatus::Suspended {
            ClockState::Suspended
        } else {
            state(due, today, calendar, yellow_share)
        };
        out.push(RunningClock {
            stage,
            matter: Some(item.matter.clone()),
            department: Some(item.department.clone()),
            due: due.due,
            state,
        });
    }
    out
}

/// Fills in due dates that were provisional once their years are loaded. Returns whether
/// anything changed.
pub fn settle_provisional(case: &mut Case, calendar: &WorkingCalendar) -> bool {
    let mut changed = false;
    let mut settle = |due: &mut Option<Due>| {
        if let Some(d) = due.as_mut().filter(|d| d.due.is_none())
            && let Ok(day) = calendar.add_working_days(d.from, d.working_days)
        {
            d.due = Some(day);
            changed = true;
        }
    };
    settle(&mut case.intake_due);
    for item in &mut case.items {
        let provisional = [&item.accept_due, &item.decision_due, &item.return_due]
            .into_iter()
            .any(|d| d.as_ref().is_some_and(Due::is_provisional));
        if !provisional {
            continue;
        }
        let item = Arc::make_mut(item);
        settle(&mut item.accept_due);
        settle(&mut item.decision_due);
        settle(&mut item.return_due);
    }
    changed
}
