//! The host's official working-day calendar.
//!
//! Built in: the State Council holiday notices as collected by holiday-cn (MIT, see
//! `data/holiday-cn/LICENSE`). Administrators load or replace a year through the API when a new
//! notice is published; stored years override built-in ones. A year without data stays missing
//! and every count that touches it is an error the caller sees (see `WorkingCalendar`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, RwLock};

use lianban_sdk::{Date, WorkingCalendar};
use serde::{Deserialize, Serialize};

use crate::store::{CalendarStore, StoreError, StoredYear};

/// One day of a holiday notice, in the holiday-cn file format.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OfficialDay {
    pub name: String,
    #[schema(value_type = String, format = Date)]
    pub date: Date,
    /// `true`: a holiday on what would be a working day; `false`: a make-up working day (调休)
    /// on what would be a weekend.
    pub is_off_day: bool,
}

/// A year's notice as holiday-cn publishes it (`{year}.json`), which is also the body an
/// administrator uploads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct YearFile {
    #[serde(rename = "$schema", default, skip_serializing)]
    #[schema(ignore)]
    pub schema: Option<String>,
    #[serde(rename = "$id", default, skip_serializing)]
    #[schema(ignore)]
    pub id: Option<String>,
    pub year: u16,
    #[serde(default)]
    pub papers: Vec<String>,
    pub days: Vec<OfficialDay>,
}

macro_rules! builtin_years {
    ($($year:literal),*) => {
        &[$(($year, include_str!(concat!("../data/holiday-cn/", $year, ".json")))),*]
    };
}

/// The data compiled into the host. 2027 is in the list although its notice is not published
/// yet (the file is empty): it is skipped on load and stays missing until loaded.
const BUILTIN: &[(u16, &str)] = builtin_years!(
    2007, 2008, 2009, 2010, 2011, 2012, 2013, 2014, 2015, 2016, 2017, 2018, 2019, 2020, 2021, 2022,
    2023, 2024, 2025, 2026, 2027
);

const BUILT_IN: &str = "built_in";
const LOADED: &str = "loaded";

#[derive(Debug, thiserror::Error)]
pub enum CalendarError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Where a year's data came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct YearSummary {
    pub year: u16,
    /// `builtin` or who loaded it.
    #[schema(value_type = String)]
    pub source: &'static str,
    pub holidays: usize,
    pub make_up_days: usize,
}

pub struct Calendar {
    current: RwLock<Arc<WorkingCalendar>>,
    /// Each year's notice as loaded (holiday names included), and where it came from.
    notices: RwLock<BTreeMap<u16, (&'static str, YearFile)>>,
    store: Arc<dyn CalendarStore>,
}

impl Calendar {
    /// Built-in years, then the years administrators loaded.
    pub fn load(store: Arc<dyn CalendarStore>) -> Result<Calendar, CalendarError> {
        let mut cal = WorkingCalendar::new();
        let mut notices = BTreeMap::new();
        for (year, text) in BUILTIN {
            let file: YearFile = serde_json::from_str(text)
                .map_err(|e| CalendarError::Invalid(format!("built-in {year}: {e}")))?;
            if file.days.is_empty() {
                continue;
            }
            cal.set_year(*year, &pairs(&file.days))
                .map_err(CalendarError::Invalid)?;
            notices.insert(*year, (BUILT_IN, file));
        }
        for stored in store.years()? {
            cal.set_year(stored.year, &pairs(&stored.days))
                .map_err(CalendarError::Invalid)?;
            let file = YearFile {
                schema: None,
                id: None,
                year: stored.year,
                papers: stored.papers,
                days: stored.days,
            };
            notices.insert(stored.year, (LOADED, file));
        }
        Ok(Calendar {
            current: RwLock::new(Arc::new(cal)),
            notices: RwLock::new(notices),
            store,
        })
    }

    /// The calendar as of now. Callers keep the `Arc` for the whole of one evaluation, so a
    /// year replaced meanwhile does not change a count halfway.
    pub fn current(&self) -> Arc<WorkingCalendar> {
        match self.current.read() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Validates and stores a year's notice (flushed), then makes it current.
    pub fn load_year(&self, file: YearFile, by: &str, at: String) -> Result<(), CalendarError> {
        let days = validate(&file)?;
        self.store.put_year(&StoredYear {
            year: file.year,
            papers: file.papers.clone(),
            days: file.days.clone(),
            loaded_by: by.to_owned(),
            loaded_at: at,
        })?;
        let mut next = (*self.current()).clone();
        next.set_year(file.year, &days)
            .map_err(CalendarError::Invalid)?;
        match self.current.write() {
            Ok(mut c) => *c = Arc::new(next),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(next),
        }
        self.notices
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(file.year, (LOADED, file));
        Ok(())
    }

    pub fn summary(&self) -> Vec<YearSummary> {
        self.notices
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(year, (source, file))| YearSummary {
                year: *year,
                source,
                holidays: file.days.iter().filter(|d| d.is_off_day).count(),
                make_up_days: file.days.iter().filter(|d| !d.is_off_day).count(),
            })
            .collect()
    }

    /// A year's notice as loaded, with the holiday names.
    pub fn notice(&self, year: u16) -> Option<YearFile> {
        self.notices
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&year)
            .map(|(_, file)| file.clone())
    }
}

fn pairs(days: &[OfficialDay]) -> Vec<(Date, bool)> {
    days.iter().map(|d| (d.date, d.is_off_day)).collect()
}

/// A notice must be for a plausible year, non-empty, list each day once, and only list days of
/// that year or the turn of the neighbouring one.
fn validate(file: &YearFile) -> Result<Vec<(Date, bool)>, CalendarError> {
    if !(1949..=2200).contains(&file.year) {
        return Err(CalendarError::Invalid(format!(
            "年份 {} 超出范围",
            file.year
        )));
    }
    if file.days.is_empty() {
        return Err(CalendarError::Invalid(format!(
            "{} 年的节假日安排为空；国务院通知发布前不能导入该年",
            file.year
        )));
    }
    let mut seen = BTreeSet::new();
    for d in &file.days {
        if !seen.insert(d.date) {
            return Err(CalendarError::Invalid(format!("{} 重复出现", d.date)));
        }
        if d.date.year.abs_diff(file.year) > 1 {
            return Err(CalendarError::Invalid(format!(
                "{} 不属于 {} 年",
                d.date, file.year
            )));
        }
    }
    Ok(pairs(&file.days))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_files_parse_and_2027_is_missing() {
        for (year, text) in BUILTIN {
            let file: YearFile = serde_json::from_str(text).unwrap();
            assert_eq!(file.year, *year);
            assert_eq!(file.days.is_empty(), *year == 2027, "{year}");
        }
    }

    #[test]
    fn sdk_test_table_agrees_with_builtin_data() {
        // Plugin unit tests count with the SDK's copy of 2025–2026; it must not drift.
        for (year, days) in lianban_sdk::testing::OFFICIAL_DAYS {
            let text = BUILTIN.iter().find(|(y, _)| y == year).unwrap().1;
            let file: YearFile = serde_json::from_str(text).unwrap();
            let ours: Vec<(String, bool)> = file
                .days
                .iter()
                .map(|d| (d.date.to_string(), d.is_off_day))
                .collect();
            let theirs: Vec<(String, bool)> = days
                .iter()
                .map(|(d, off)| ((*d).to_owned(), *off))
                .collect();
            assert_eq!(ours, theirs, "{year}");
        }
    }
}
