//! The figures of a period, grouped as the bureau asks (by one-thing, matter, department,
//! window clerk or channel), with the rates computed from the summed counters. Definitions:
//! `docs/supervision-figures.md`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::figures::{FigureKey, Tally};

/// What the figures are grouped by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Grouping {
    OneThing,
    Matter,
    Department,
    Clerk,
    Channel,
}

impl Grouping {
    /// The group a row belongs to; `None` when the row says nothing about such groups (a
    /// department's row has no clerk, a clerk's row no department).
    fn of(self, key: &FigureKey) -> Option<&str> {
        match self {
            Grouping::OneThing => Some(&key.one_thing),
            Grouping::Channel => Some(&key.channel),
            Grouping::Matter if key.is_item() => Some(&key.matter),
            Grouping::Department if key.is_item() => Some(&key.department),
            Grouping::Clerk if !key.is_item() => Some(&key.clerk),
            _ => None,
        }
    }
}

/// A ratio, or none when nothing was counted under it.
fn rate(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// One group's figures (or the period's, for the total).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FigureRow {
    /// The group's code: a one-thing, matter, department, clerk or channel; empty for the total
    /// (and, grouped by clerk, for what applicants did online).
    pub group: String,
    /// 办件量.
    pub received: u64,
    pub distributed: u64,
    pub withdrawn: u64,
    /// 不予受理量 and its rate among acceptance decisions.
    pub rejected: u64,
    pub accepted: u64,
    pub rejection_rate: Option<f64>,
    /// The most frequent 不予受理 reasons, most frequent first (at most ten).
    pub rejection_reasons: Vec<ReasonCount>,
    /// 收件时限: submission to receipt, mean working days and the share within one.
    pub intake_mean_days: Option<f64>,
    pub intake_in_time_rate: Option<f64>,
    /// Distribution to the acceptance decision (第十五条: one working day).
    pub acceptance_mean_days: Option<f64>,
    pub acceptance_in_time_rate: Option<f64>,
    /// 办理时限: acceptance to decision, suspensions excluded.
    pub decided: u64,
    pub handling_mean_days: Option<f64>,
    /// The promised working days of the same decisions, on average.
    #[serde(default)]
    pub promised_mean_days: Option<f64>,
    /// 办结率: decided among accepted.
    pub completion_rate: Option<f64>,
    /// 按时办结率 and 提前办结率 among decisions (promised days); within the legal days.
    pub on_time_rate: Option<f64>,
    pub early_rate: Option<f64>,
    pub late: u64,
    pub within_legal_rate: Option<f64>,
    pub suspended: u64,
    /// One-time notices per case received complete, and the share of them that needed one.
    pub notices_per_case: Option<f64>,
    pub correction_share: Option<f64>,
    /// Share of materials an 电子证照 replaced.
    pub elicense_share: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReasonCount {
    pub reason: String,
    pub count: u64,
}

impl FigureRow {
    pub fn of(group: &str, t: &Tally) -> FigureRow {
        let intake_timed = t.distributed.saturating_sub(t.intake_untimed);
        let acceptance = t.accepted + t.rejected;
        let acceptance_timed = acceptance.saturating_sub(t.acceptance_untimed);
        let decided_timed = t.decided().saturating_sub(t.decision_untimed);
        let mut reasons: Vec<ReasonCount> = t
            .reasons
            .iter()
            .map(|(reason, count)| ReasonCount {
                reason: reason.clone(),
                count: *count,
            })
            .collect();
        reasons.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.reason.cmp(&b.reason)));
        reasons.truncate(10);
        FigureRow {
            group: group.to_owned(),
            received: t.received,
            distributed: t.distributed,
            withdrawn: t.withdrawn,
            rejected: t.rejected,
            accepted: t.accepted,
            rejection_rate: rate(t.rejected, acceptance),
            rejection_reasons: reasons,
            intake_mean_days: rate(t.intake_days, intake_timed),
            intake_in_time_rate: rate(t.intake_in_time, intake_timed),
            acceptance_mean_days: rate(t.acceptance_days, acceptance_timed),
            acceptance_in_time_rate: rate(t.acceptance_in_time, acceptance_timed),
            decided: t.decided(),
            handling_mean_days: rate(t.handling_days, decided_timed),
            promised_mean_days: rate(t.promised_days, decided_timed),
            completion_rate: rate(t.decided(), t.accepted),
            on_time_rate: rate(t.on_time, decided_timed),
            early_rate: rate(t.early, decided_timed),
            late: t.late,
            within_legal_rate: rate(t.within_legal, decided_timed),
            suspended: t.suspended,
            notices_per_case: rate(t.notices, t.distributed),
            correction_share: rate(t.distributed_after_notice, t.distributed),
            elicense_share: rate(t.materials_elicense, t.materials),
        }
    }
}

/// A period's figures: the total and one row per group, groups in code order.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Summary {
    /// The period's first and last received day.
    #[schema(value_type = String, format = Date)]
    pub from: lianban_sdk::Date,
    #[schema(value_type = String, format = Date)]
    pub to: lianban_sdk::Date,
    pub by: Grouping,
    pub total: FigureRow,
    pub groups: Vec<FigureRow>,
}

/// Sums `rows` into the total and into groups by `grouping`.
pub fn summarize<'a>(
    (from, to): (lianban_sdk::Date, lianban_sdk::Date),
    rows: impl IntoIterator<Item = &'a (FigureKey, Tally)>,
    grouping: Grouping,
) -> Summary {
    let mut total = Tally::default();
    let mut groups: BTreeMap<&str, Tally> = BTreeMap::new();
    for (key, tally) in rows {
        total.add(tally);
        if let Some(group) = grouping.of(key) {
            groups.entry(group).or_default().add(tally);
        }
    }
    Summary {
        from,
        to,
        by: grouping,
        total: FigureRow::of("", &total),
        groups: groups
            .iter()
            .map(|(group, t)| FigureRow::of(group, t))
            .collect(),
    }
}
