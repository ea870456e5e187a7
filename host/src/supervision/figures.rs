//! A case's contribution to the figures, from its audit events: each event that means something
//! to supervision (a submission, a receipt, an acceptance, a decision …) adds to a row of
//! counters. The same function serves both ways the figures are kept: given one commit's
//! events it is the increment that commit adds; given all of a case's events it is everything
//! the case contributes, which is how the figures are rebuilt.
//!
//! Every row belongs to the day its case was received (its cohort, see the definitions in
//! `docs/supervision-figures.md`), so a command only ever adds to rows of its own case's day,
//! and what a period's figures say is what became of the cases received in it.
//!
//! Only values that no later command changes are read from the case: its one-thing, channel,
//! received day and items' departments; at a receipt its notices and materials (an application
//! no longer changes once it is received); at an acceptance the item's distribution time; at a
//! decision its acceptance day, promised days and suspensions. A rebuild from the final state
//! therefore counts exactly what the commits counted as they happened.

use std::collections::BTreeMap;

use lianban_sdk::{Date, MaterialForm, WorkingCalendar};
use serde::{Deserialize, Serialize};

use crate::workflow::Case;
use crate::workflow::audit::Event;

/// Where a count belongs.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct FigureKey {
    /// The day the case was received (China time).
    pub day: Date,
    pub one_thing: String,
    /// `window` or `online`.
    pub channel: String,
    /// On case rows, the member of staff who did the counted intake work (empty for what an
    /// applicant did online); empty on item rows.
    pub clerk: String,
    /// Empty on case rows.
    pub matter: String,
    /// The matter's department; empty on case rows.
    pub department: String,
}

impl FigureKey {
    pub fn is_item(&self) -> bool {
        !self.matter.is_empty()
    }
}

fn zero(n: &u64) -> bool {
    *n == 0
}

/// Counters of one row. Working days are summed so that a period's mean is their sum over
/// their count. Zero counters are left out of the stored form.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Tally {
    // Case rows: intake at the window (第十四条).
    /// 办件量: cases submitted or taken in.
    #[serde(skip_serializing_if = "zero")]
    pub received: u64,
    /// Cases received complete and sent to the departments.
    #[serde(skip_serializing_if = "zero")]
    pub distributed: u64,
    /// Of those, cases that needed at least one one-time notice first.
    #[serde(skip_serializing_if = "zero")]
    pub distributed_after_notice: u64,
    /// One-time notices those cases needed before they were complete.
    #[serde(skip_serializing_if = "zero")]
    pub notices: u64,
    /// Working days from submission to receipt, summed, and how many took at most one.
    #[serde(skip_serializing_if = "zero")]
    pub intake_days: u64,
    #[serde(skip_serializing_if = "zero")]
    pub intake_in_time: u64,
    /// Materials of received cases, and how many an electronic certificate replaced.
    #[serde(skip_serializing_if = "zero")]
    pub materials: u64,
    #[serde(skip_serializing_if = "zero")]
    pub materials_elicense: u64,
    #[serde(skip_serializing_if = "zero")]
    pub withdrawn: u64,

    // Item rows: the departments (第十五条, 第十六条).
    /// Acceptance decisions (受理 or 不予受理), with the working days from distribution summed
    /// and how many came within the one working day of 第十五条.
    #[serde(skip_serializing_if = "zero")]
    pub accepted: u64,
    #[serde(skip_serializing_if = "zero")]
    pub rejected: u64,
    #[serde(skip_serializing_if = "zero")]
    pub acceptance_days: u64,
    #[serde(skip_serializing_if = "zero")]
    pub acceptance_in_time: u64,
    /// Decisions, by outcome.
    #[serde(skip_serializing_if = "zero")]
    pub approved: u64,
    #[serde(skip_serializing_if = "zero")]
    pub denied: u64,
    /// Working days from acceptance to decision, suspensions excluded, summed.
    #[serde(skip_serializing_if = "zero")]
    pub handling_days: u64,
    /// The promised working days of the same decisions, summed (suspensions taken out), to
    /// set the handling time beside what was promised.
    #[serde(default, skip_serializing_if = "zero")]
    pub promised_days: u64,
    /// Decided within the promised days, before them, after them; within the legal days.
    #[serde(skip_serializing_if = "zero")]
    pub on_time: u64,
    #[serde(skip_serializing_if = "zero")]
    pub early: u64,
    #[serde(skip_serializing_if = "zero")]
    pub late: u64,
    #[serde(skip_serializing_if = "zero")]
    pub within_legal: u64,
    /// Decided items whose clock was suspended at least once (特别程序).
    #[serde(skip_serializing_if = "zero")]
    pub suspended: u64,
    /// Receipts, acceptance decisions and decisions whose duration could not be counted in
    /// working days: a day on the way was in a year the official calendar does not have yet.
    /// They count everywhere else, and are left out of the durations and their rates.
    #[serde(skip_serializing_if = "zero")]
    pub intake_untimed: u64,
    #[serde(skip_serializing_if = "zero")]
    pub acceptance_untimed: u64,
    #[serde(skip_serializing_if = "zero")]
    pub decision_untimed: u64,
    /// 不予受理 reasons, as the departments wrote them, by how often.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub reasons: BTreeMap<String, u64>,
}

impl Tally {
    pub fn add(&mut self, o: &Tally) {
        let pairs: [(&mut u64, u64); 25] = [
            (&mut self.received, o.received),
            (&mut self.distributed, o.distributed),
            (
                &mut self.distributed_after_notice,
                o.distributed_after_notice,
            ),
            (&mut self.notices, o.notices),
            (&mut self.intake_days, o.intake_days),
            (&mut self.intake_in_time, o.intake_in_time),
            (&mut self.materials, o.materials),
            (&mut self.materials_elicense, o.materials_elicense),
            (&mut self.withdrawn, o.withdrawn),
            (&mut self.accepted, o.accepted),
            (&mut self.rejected, o.rejected),
            (&mut self.acceptance_days, o.acceptance_days),
            (&mut self.acceptance_in_time, o.acceptance_in_time),
            (&mut self.approved, o.approved),
            (&mut self.denied, o.denied),
            (&mut self.handling_days, o.handling_days),
            (&mut self.promised_days, o.promised_days),
            (&mut self.on_time, o.on_time),
            (&mut self.early, o.early),
            (&mut self.late, o.late),
            (&mut self.within_legal, o.within_legal),
            (&mut self.suspended, o.suspended),
            (&mut self.intake_untimed, o.intake_untimed),
            (&mut self.acceptance_untimed, o.acceptance_untimed),
            (&mut self.decision_untimed, o.decision_untimed),
        ];
        for (mine, theirs) in pairs {
            *mine = mine.saturating_add(theirs);
        }
        for (reason, n) in &o.reasons {
            let mine = self.reasons.entry(reason.clone()).or_default();
            *mine = mine.saturating_add(*n);
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == Tally::default()
    }

    pub fn decided(&self) -> u64 {
        self.approved + self.denied
    }
}

/// What the figures need besides the case: the official calendar, and each matter's legal
/// days as the rules that judged the case declare them.
pub struct Limits<'a> {
    pub calendar: &'a WorkingCalendar,
    pub legal_days: &'a dyn Fn(&Case, &str) -> Option<u32>,
}

/// The day of a record timestamp (RFC 3339 in China time).
fn day_of(stamp: &str) -> Option<Date> {
    stamp.get(..10)?.parse().ok()
}

/// Longest reason text kept as a group: longer ones are cut, so one verbose reason cannot
/// grow a row without bound.
const REASON_CHARS: usize = 60;

/// The rows `events` of `case` add to, each with what it adds. `case` is the state after the
/// last of `events` (or any later state: see the module's notes).
pub fn tally(case: &Case, events: &[Event], limits: &Limits<'_>) -> Vec<(FigureKey, Tally)> {
    let Some(received_on) = day_of(&case.created_at) else {
        return Vec::new();
    };
    let channel = match case.channel {
        lianban_sdk::Channel::Window => "window",
        lianban_sdk::Channel::Online => "online",
    };
    let key = |clerk: &str, matter: &str, department: &str| FigureKey {
        day: received_on,
        one_thing: case.one_thing.clone(),
        channel: channel.to_owned(),
        clerk: clerk.to_owned(),
        matter: matter.to_owned(),
        department: department.to_owned(),
    };
    let days = |from: Date, to: Date| limits.calendar.working_days_between(from, to).ok();
    let mut rows: BTreeMap<FigureKey, Tally> = BTreeMap::new();
    for event in events {
        let change = &event.change;
        let clerk = if event.role == "clerk" {
            event.actor.as_str()
        } else {
            ""
        };
        let on = day_of(&event.at);
        let item = change
            .matter
            .as_deref()
            .and_then(|m| case.item(m).map(|i| (m, i)));
        match (change.command.as_str(), item) {
            ("submit", _) => rows.entry(key(clerk, "", "")).or_default().received += 1,
            ("withdraw", _) => rows.entry(key(clerk, "", "")).or_default().withdrawn += 1,
            ("receive", _) => {
                let t = rows.entry(key(clerk, "", "")).or_default();
                t.distributed += 1;
                let notices = case.notices.len() as u64;
                t.notices += notices;
                t.distributed_after_notice += u64::from(notices > 0);
                t.materials += case.materials.len() as u64;
                t.materials_elicense += case
                    .materials
                    .iter()
                    .filter(|m| m.form == MaterialForm::Elicense)
                    .count() as u64;
                match on.and_then(|on| days(received_on, on)) {
                    Some(d) => {
                        t.intake_days += u64::from(d);
                        t.intake_in_time += u64::from(d <= 1);
                    }
                    None => t.intake_untimed += 1,
                }
            }
            ("accept" | "reject", Some((matter, item))) => {
                let t = rows.entry(key("", matter, &item.department)).or_default();
                if change.command == "accept" {
                    t.accepted += 1;
                } else {
                    t.rejected += 1;
                    let reason: String = change
                        .reason
                        .as_deref()
                        .unwrap_or("")
                        .trim()
                        .chars()
                        .take(REASON_CHARS)
                        .collect();
                    *t.reasons.entry(reason).or_default() += 1;
                }
                let sent = item.distributed_at.as_deref().and_then(day_of);
                match sent.zip(on).and_then(|(sent, on)| days(sent, on)) {
                    Some(d) => {
                        t.acceptance_days += u64::from(d);
                        t.acceptance_in_time += u64::from(d <= 1);
                    }
                    None => t.acceptance_untimed += 1,
                }
            }
            ("decide", Some((matter, item))) => {
                let t = rows.entry(key("", matter, &item.department)).or_default();
                match change.outcome.as_deref() {
                    Some("deny") => t.denied += 1,
                    _ => t.approved += 1,
                }
                t.suspended += u64::from(!item.suspensions.is_empty());
                // The decision clock's days grew by each suspension (see Resume); the promise
                // is what they were before, to compare with the days the clock ran.
                let handled = handling_days(case, matter, on, &days);
                let promised = item.decision_due.as_ref().map(|d| d.working_days);
                match handled.zip(promised) {
                    Some(((d, stood), promised)) => {
                        let promised = promised.saturating_sub(stood);
                        t.handling_days += u64::from(d);
                        t.promised_days += u64::from(promised);
                        t.on_time += u64::from(d <= promised);
                        t.early += u64::from(d < promised);
                        t.late += u64::from(d > promised);
                        let legal = (limits.legal_days)(case, matter);
                        t.within_legal += u64::from(legal.is_none_or(|l| d <= l));
                    }
                    _ => t.decision_untimed += 1,
                }
            }
            _ => {}
        }
    }
    rows.into_iter().filter(|(_, t)| !t.is_empty()).collect()
}

/// Working days from acceptance to the decision on `decided` less the working days the clock
/// stood still (第十五条: 特别程序 are not counted), and those stood-still days.
fn handling_days(
    case: &Case,
    matter: &str,
    decided: Option<Date>,
    days: &dyn Fn(Date, Date) -> Option<u32>,
) -> Option<(u32, u32)> {
    let item = case.item(matter)?;
    let decided = decided?;
    let total = days(item.accepted_on?, decided)?;
    let mut stood = 0u32;
    for s in &item.suspensions {
        stood = stood.saturating_add(days(s.from, s.until.unwrap_or(decided))?);
    }
    Some((total.saturating_sub(stood), stood))
}
