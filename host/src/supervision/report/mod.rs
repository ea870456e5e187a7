//! 通报: the bureau's monthly and quarterly report (第二十四条) — the period's figures in
//! total and by department, one-thing and window clerk, the volumes of each day, satisfaction
//! by department and one-thing from the ratings given in the period, and the quarter's scores
//! (第二十三条). It is built from the stored figures, so it costs a read of the period's rows,
//! not a scan of cases. A closed period's report is frozen the first time it is made (the
//! 通报 as issued) and answered from then on as stored; the figures themselves keep moving as
//! late decisions come in, and the dashboard shows them live.
//!
//! The same report is written as a spreadsheet (`xlsx.rs`) and drawn as charts for the
//! printable page (`charts.rs`).

pub mod charts;
mod issue;
pub mod xlsx;

pub use issue::{ReportError, Reports};

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use lianban_sdk::Date;
use serde::{Deserialize, Serialize};

use super::assessment::{Score, Weights, assess};
use super::summary::{FigureRow, Grouping, summarize};
use super::{FigureKey, Tally};
use crate::ratings::{Rating, Tally as RatingTally, aggregate_changes};

/// A report's period: a calendar month or quarter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Period {
    Month { year: u16, month: u8 },
    Quarter { year: u16, quarter: u8 },
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("a period is written 2026-10 (a month) or 2026-Q4 (a quarter)")]
pub struct BadPeriod;

impl FromStr for Period {
    type Err = BadPeriod;

    fn from_str(s: &str) -> Result<Period, BadPeriod> {
        let (year, rest) = s.split_once('-').ok_or(BadPeriod)?;
        if year.len() != 4 {
            return Err(BadPeriod);
        }
        let year: i32 = year.parse().map_err(|_| BadPeriod)?;
        match rest.strip_prefix('Q') {
            Some(q) => Period::quarter(year, q.parse().map_err(|_| BadPeriod)?),
            None if rest.len() == 2 => Period::month(year, rest.parse().map_err(|_| BadPeriod)?),
            None => Err(BadPeriod),
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Month { year, month } => write!(f, "{year}-{month:02}"),
            Period::Quarter { year, quarter } => write!(f, "{year}-Q{quarter}"),
        }
    }
}

impl Period {
    /// Quarter `quarter` (1–4) of `year` (2000–2100).
    pub fn quarter(year: i32, quarter: u32) -> Result<Period, BadPeriod> {
        match (Period::year(year)?, u8::try_from(quarter)) {
            (year, Ok(quarter @ 1..=4)) => Ok(Period::Quarter { year, quarter }),
            _ => Err(BadPeriod),
        }
    }

    /// Month `month` (1–12) of `year` (2000–2100).
    pub fn month(year: i32, month: u32) -> Result<Period, BadPeriod> {
        match (Period::year(year)?, u8::try_from(month)) {
            (year, Ok(month @ 1..=12)) => Ok(Period::Month { year, month }),
            _ => Err(BadPeriod),
        }
    }

    fn year(year: i32) -> Result<u16, BadPeriod> {
        u16::try_from(year)
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .ok_or(BadPeriod)
    }

    /// The period's first and last day.
    pub fn days(self) -> (Date, Date) {
        let (year, first_month, months) = match self {
            Period::Month { year, month } => (year, month, 1),
            Period::Quarter { year, quarter } => (year, (quarter - 1) * 3 + 1, 3),
        };
        let from = Date::ymd(year, first_month, 1);
        let next = match first_month + months {
            13 => Date::ymd(year + 1, 1, 1),
            m => Date::ymd(year, m, 1),
        };
        (from, next.add_days(-1).unwrap_or(next))
    }

    /// A period is closed once its last day is past.
    pub fn closed_on(self, today: Date) -> bool {
        self.days().1 < today
    }

    /// Its name in a 通报's title: 2026年10月, 2026年第四季度.
    pub fn zh(self) -> String {
        match self {
            Period::Month { year, month } => format!("{year}年{month}月"),
            Period::Quarter { year, quarter } => {
                let n = ["一", "二", "三", "四"][usize::from(quarter.clamp(1, 4) - 1)];
                format!("{year}年第{n}季度")
            }
        }
    }
}

/// The cases received on one day, by channel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DayVolume {
    pub day: Date,
    pub window: u64,
    pub online: u64,
}

/// Satisfaction of one department or one-thing with the ratings given in the period.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Satisfaction {
    /// `department` or `one_thing`.
    pub kind: String,
    pub code: String,
    /// Counts of 非常满意, 满意, 基本满意, 不满意, 非常不满意.
    pub levels: [u64; 5],
    pub ratings: u64,
    pub satisfaction: Option<f64>,
}

/// A 通报, as issued.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Report {
    pub period: Period,
    /// 2026年10月政务服务“一件事一次办”通报.
    pub title: String,
    pub from: Date,
    pub to: Date,
    /// When it was made; for a closed period, when it was frozen.
    pub generated_at: String,
    /// True for a closed period's report as issued; false while the period is still running.
    pub frozen: bool,
    /// Names of the departments and one-things the report mentions, by code.
    pub names: BTreeMap<String, String>,
    pub total: FigureRow,
    pub departments: Vec<FigureRow>,
    pub one_things: Vec<FigureRow>,
    pub clerks: Vec<FigureRow>,
    pub daily: Vec<DayVolume>,
    pub satisfaction: Vec<Satisfaction>,
    /// The period's scores (第二十三条, 第十一条), lowest first.
    pub department_scores: Vec<Score>,
    pub clerk_scores: Vec<Score>,
}

/// What a report is made from, besides the period's figure rows.
pub struct Sources<'a> {
    /// Every rating; those whose last change falls in the period count.
    pub ratings: &'a [Rating],
    pub names: BTreeMap<String, String>,
    pub weights: &'a Weights,
    pub generated_at: String,
}

/// The day a stamp (`2026-10-09T10:00:00+08:00`) falls on.
fn day_of(stamp: &str) -> Option<Date> {
    stamp.get(..10)?.parse().ok()
}

/// Builds the report of `period` from its figure rows.
pub fn build(period: Period, rows: &[(FigureKey, Tally)], sources: Sources<'_>) -> Report {
    let (from, to) = period.days();
    let grouped = |by| summarize((from, to), rows, by).groups;
    let mut daily: BTreeMap<Date, DayVolume> = BTreeMap::new();
    let mut day = Some(from);
    while let Some(d) = day.filter(|d| *d <= to) {
        daily.insert(
            d,
            DayVolume {
                day: d,
                window: 0,
                online: 0,
            },
        );
        day = d.add_days(1);
    }
    for (key, tally) in rows {
        if let Some(v) = daily.get_mut(&key.day) {
            match key.channel.as_str() {
                "online" => v.online += tally.received,
                _ => v.window += tally.received,
            }
        }
    }
    let mut levels: BTreeMap<String, RatingTally> = BTreeMap::new();
    for rating in sources.ratings {
        let last = rating.changed_at.as_deref().unwrap_or(&rating.rated_at);
        if day_of(last).is_none_or(|d| d < from || d > to) {
            continue;
        }
        for (group, level, by) in aggregate_changes(None, rating) {
            levels.entry(group).or_default().shift(level, by);
        }
    }
    let satisfaction = levels
        .into_iter()
        .filter_map(|(group, tally)| {
            let (kind, code) = group.split_once(':')?;
            Some(Satisfaction {
                kind: kind.to_owned(),
                code: code.to_owned(),
                levels: tally.levels,
                ratings: tally.total(),
                satisfaction: tally.satisfaction(),
            })
        })
        .collect();
    let (department_scores, clerk_scores) = assess((from, to), rows, sources.weights);
    Report {
        period,
        title: format!("{}政务服务“一件事一次办”通报", period.zh()),
        from,
        to,
        generated_at: sources.generated_at,
        frozen: false,
        names: sources.names,
        total: summarize((from, to), rows, Grouping::OneThing).total,
        departments: grouped(Grouping::Department),
        one_things: grouped(Grouping::OneThing),
        clerks: grouped(Grouping::Clerk),
        daily: daily.into_values().collect(),
        satisfaction,
        department_scores,
        clerk_scores,
    }
}

impl Report {
    /// A code's name, or the code when the catalog no longer knows it.
    pub fn name<'a>(&'a self, code: &'a str) -> &'a str {
        self.names.get(code).map_or(code, String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_parse_and_span_their_days() {
        let oct: Period = "2026-10".parse().unwrap();
        assert_eq!(
            oct.days(),
            (Date::ymd(2026, 10, 1), Date::ymd(2026, 10, 31))
        );
        let q4: Period = "2026-Q4".parse().unwrap();
        assert_eq!(q4.days(), (Date::ymd(2026, 10, 1), Date::ymd(2026, 12, 31)));
        assert_eq!(q4.zh(), "2026年第四季度");
        let feb: Period = "2028-02".parse().unwrap();
        assert_eq!(feb.days().1, Date::ymd(2028, 2, 29));
        for bad in [
            "2026", "2026-13", "2026-Q5", "2026-Q0", "26-10", "2026-1", "2026-00", "x-10",
        ] {
            assert_eq!(bad.parse::<Period>(), Err(BadPeriod), "{bad}");
        }
        assert_eq!(oct.to_string(), "2026-10");
        assert_eq!(q4.to_string(), "2026-Q4");
    }

    #[test]
    fn a_period_closes_after_its_last_day() {
        let nov: Period = "2026-11".parse().unwrap();
        assert!(!nov.closed_on(Date::ymd(2026, 11, 30)));
        assert!(nov.closed_on(Date::ymd(2026, 12, 1)));
    }
}
