//! Working days: weekends, statutory holidays (法定节假日) and make-up working days (调休).
//!
//! The host serves its official calendar to components through the `calendar` import; natively
//! (plugin unit tests, the benchmark baseline) the same [`WorkingCalendar`] implements
//! [`Host`](crate::Host) directly. Both sides count with this one piece of code.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::Date;

/// Working-day rules for the years that have official data.
///
/// A year is either loaded — every day in it is then known — or absent, and asking about an
/// absent year is an error: guessing "weekends only" would produce due dates that the next
/// holiday notice contradicts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorkingCalendar {
    /// Days that differ from the weekend rule, as published for each year: `true` for a day
    /// off on a weekday, `false` for a working weekend day.
    years: BTreeMap<u16, BTreeMap<Date, bool>>,
    /// All exceptions together, since a notice occasionally lists a day of the neighbouring
    /// year (a New Year holiday starting on 31 December).
    exceptions: BTreeMap<Date, bool>,
}

/// The official data for `year` is not loaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MissingYear(pub u16);

impl fmt::Display for MissingYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "尚未导入 {} 年的法定节假日安排，无法计算工作日", self.0)
    }
}

impl std::error::Error for MissingYear {}

/// Enough to cover any statutory time limit; a count that runs longer means a caller bug.
const MAX_DAYS: u32 = 3_650;

impl WorkingCalendar {
    pub fn new() -> WorkingCalendar {
        WorkingCalendar::default()
    }

    /// Loads or replaces `year` with its published days: `(day, is_off_day)`. An empty list
    /// is refused, since every year has statutory holidays; an empty list means the year's
    /// notice has not been published yet.
    pub fn set_year(&mut self, year: u16, days: &[(Date, bool)]) -> Result<(), String> {
        if days.is_empty() {
            return Err(format!("{year} 年的节假日安排为空，尚未发布的年份不能导入"));
        }
        for (day, _) in days {
            if day.year.abs_diff(year) > 1 {
                return Err(format!("{day} 不属于 {year} 年的节假日安排"));
            }
        }
        self.years.insert(year, days.iter().copied().collect());
        self.rebuild();
        Ok(())
    }

    pub fn remove_year(&mut self, year: u16) -> bool {
        let removed = self.years.remove(&year).is_some();
        self.rebuild();
        removed
    }

    fn rebuild(&mut self) {
        self.exceptions = self
            .years
            .values()
            .flat_map(|days| days.iter().map(|(d, off)| (*d, *off)))
            .collect();
    }

    pub fn years(&self) -> BTreeSet<u16> {
        self.years.keys().copied().collect()
    }

    pub fn has_year(&self, year: u16) -> bool {
        self.years.contains_key(&year)
    }

    /// The published days of `year`, in date order.
    pub fn year_days(&self, year: u16) -> Option<Vec<(Date, bool)>> {
        self.years
            .get(&year)
            .map(|days| days.iter().map(|(d, off)| (*d, *off)).collect())
    }

    pub fn is_working_day(&self, day: Date) -> Result<bool, MissingYear> {
        if !self.has_year(day.year) {
            return Err(MissingYear(day.year));
        }
        Ok(match self.exceptions.get(&day) {
            Some(off) => !off,
            None => !day.is_weekend(),
        })
    }

    /// The day `days` working days after `start`; with zero, `start` itself if it is a working
    /// day, else the next working day.
    pub fn add_working_days(&self, start: Date, days: u32) -> Result<Date, MissingYear> {
        let mut day = start;
        if days == 0 {
            while !self.is_working_day(day)? {
                day = next(day)?;
            }
            return Ok(day);
        }
        let mut left = days.min(MAX_DAYS);
        while left > 0 {
            day = next(day)?;
            if self.is_working_day(day)? {
                left -= 1;
            }
        }
        Ok(day)
    }

    /// Working days after `from` up to and including `to`; zero when `to` is not later.
    pub fn working_days_between(&self, from: Date, to: Date) -> Result<u32, MissingYear> {
        let mut count = 0;
        let mut day = from;
        while day < to {
            day = next(day)?;
            if self.is_working_day(day)? {
                count += 1;
            }
        }
        Ok(count)
    }
}

fn next(day: Date) -> Result<Date, MissingYear> {
    day.add_days(1)
        .ok_or(MissingYear(day.year.saturating_add(1)))
}

impl crate::Host for WorkingCalendar {
    fn is_working_day(&self, day: Date) -> Result<bool, String> {
        WorkingCalendar::is_working_day(self, day).map_err(|e| e.to_string())
    }

    fn add_working_days(&self, start: Date, days: u32) -> Result<Date, String> {
        WorkingCalendar::add_working_days(self, start, days).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::official_calendar;

    #[test]
    fn national_day_2026_and_its_make_up_saturday() {
        let cal = official_calendar();
        // 5 working days from Wednesday 30 September: 1–7 October are off, Thursday 8 and
        // Friday 9 count, Saturday 10 is a make-up working day, Sunday 11 is off.
        assert_eq!(
            cal.add_working_days(Date::ymd(2026, 9, 30), 5),
            Ok(Date::ymd(2026, 10, 13))
        );
        assert_eq!(cal.is_working_day(Date::ymd(2026, 10, 10)), Ok(true));
        assert_eq!(cal.is_working_day(Date::ymd(2026, 10, 7)), Ok(false));
        assert_eq!(cal.is_working_day(Date::ymd(2026, 10, 11)), Ok(false));
        assert_eq!(
            cal.add_working_days(Date::ymd(2026, 9, 30), 1),
            Ok(Date::ymd(2026, 10, 8))
        );
    }

    #[test]
    fn spring_festival_2025_and_make_up_sunday() {
        let cal = official_calendar();
        assert_eq!(cal.is_working_day(Date::ymd(2025, 1, 26)), Ok(true));
        assert_eq!(cal.is_working_day(Date::ymd(2025, 2, 4)), Ok(false));
        assert_eq!(cal.is_working_day(Date::ymd(2025, 2, 8)), Ok(true));
        // Friday 24 January + 2: Sunday 26 (make-up) and Monday 27.
        assert_eq!(
            cal.add_working_days(Date::ymd(2025, 1, 24), 2),
            Ok(Date::ymd(2025, 1, 27))
        );
        // Monday 27 + 1 skips the whole holiday to Wednesday 5 February.
        assert_eq!(
            cal.add_working_days(Date::ymd(2025, 1, 27), 1),
            Ok(Date::ymd(2025, 2, 5))
        );
    }

    #[test]
    fn zero_days_lands_on_the_next_working_day() {
        let cal = official_calendar();
        assert_eq!(
            cal.add_working_days(Date::ymd(2026, 10, 3), 0),
            Ok(Date::ymd(2026, 10, 8))
        );
        assert_eq!(
            cal.add_working_days(Date::ymd(2026, 10, 9), 0),
            Ok(Date::ymd(2026, 10, 9))
        );
    }

    #[test]
    fn a_year_without_data_is_an_error_not_weekends_only() {
        let cal = official_calendar();
        assert_eq!(
            cal.is_working_day(Date::ymd(2027, 3, 1)),
            Err(MissingYear(2027))
        );
        // Counting across the year boundary hits the missing year too.
        assert_eq!(
            cal.add_working_days(Date::ymd(2026, 12, 30), 5),
            Err(MissingYear(2027))
        );
        assert_eq!(
            cal.add_working_days(Date::ymd(2026, 12, 28), 2),
            Ok(Date::ymd(2026, 12, 30))
        );
    }

    #[test]
    fn years_can_be_replaced_and_empty_years_are_refused() {
        let mut cal = official_calendar();
        assert!(cal.set_year(2027, &[]).is_err());
        cal.set_year(2027, &[(Date::ymd(2027, 1, 1), true)])
            .unwrap();
        assert_eq!(cal.is_working_day(Date::ymd(2027, 1, 1)), Ok(false));
        assert_eq!(cal.is_working_day(Date::ymd(2027, 1, 4)), Ok(true));
        cal.set_year(2027, &[(Date::ymd(2027, 1, 4), true)])
            .unwrap();
        assert_eq!(cal.is_working_day(Date::ymd(2027, 1, 1)), Ok(true));
        assert!(cal.remove_year(2027));
        assert!(cal.is_working_day(Date::ymd(2027, 1, 1)).is_err());
    }

    #[test]
    fn counts_working_days_between() {
        let cal = official_calendar();
        assert_eq!(
            cal.working_days_between(Date::ymd(2026, 9, 30), Date::ymd(2026, 10, 13)),
            Ok(5)
        );
        assert_eq!(
            cal.working_days_between(Date::ymd(2026, 10, 13), Date::ymd(2026, 9, 30)),
            Ok(0)
        );
    }
}
