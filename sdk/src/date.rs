//! Calendar days as the rules interface carries them.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};

/// A calendar day in China Standard Time.
///
/// Kept as three small numbers, exactly as the WIT `date` record, so that converting to and from
/// the component boundary costs nothing. Every `Date` built through this crate is a real day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

/// Why a text is not a date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DateError(pub String);

impl fmt::Display for DateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DateError {}

impl Date {
    /// The day with these numbers, if it exists.
    pub fn new(year: u16, month: u8, day: u8) -> Option<Date> {
        NaiveDate::from_ymd_opt(i32::from(year), u32::from(month), u32::from(day))?;
        Some(Date { year, month, day })
    }

    /// Like [`Date::new`] for literals in code and tests; panics on an impossible day.
    #[allow(clippy::expect_used)]
    pub fn ymd(year: u16, month: u8, day: u8) -> Date {
        Date::new(year, month, day).expect("a real calendar day")
    }

    pub fn to_naive(self) -> NaiveDate {
        // Dates are only built from valid days, see `new`; fall back to the epoch rather than
        // panic if a caller assembled the struct by hand.
        NaiveDate::from_ymd_opt(
            i32::from(self.year),
            u32::from(self.month),
            u32::from(self.day),
        )
        .unwrap_or_default()
    }

    pub fn from_naive(d: NaiveDate) -> Option<Date> {
        Some(Date {
            year: u16::try_from(d.year()).ok()?,
            month: u8::try_from(d.month()).ok()?,
            day: u8::try_from(d.day()).ok()?,
        })
    }

    /// The day `n` calendar days later (or earlier for negative `n`).
    pub fn add_days(self, n: i64) -> Option<Date> {
        let d = self
            .to_naive()
            .checked_add_signed(chrono::TimeDelta::try_days(n)?)?;
        Date::from_naive(d)
    }

    /// Monday = 1 … Sunday = 7.
    pub fn weekday(self) -> u8 {
        // number_from_monday is 1..=7, so the cast cannot truncate.
        self.to_naive().weekday().number_from_monday() as u8
    }

    pub fn is_weekend(self) -> bool {
        self.weekday() >= 6
    }

    /// Calendar days from `self` to `later` (negative when `later` is earlier).
    pub fn days_until(self, later: Date) -> i64 {
        (later.to_naive() - self.to_naive()).num_days()
    }

    /// Completed years of age on `on` for someone born on `self` (周岁).
    ///
    /// Someone born on 29 February turns a year older on 1 March in common years, which is
    /// how Chinese civil practice counts it.
    pub fn full_years_on(self, on: Date) -> i32 {
        let mut years = i32::from(on.year) - i32::from(self.year);
        if (on.month, on.day) < (self.month, self.day) {
            years -= 1;
        }
        years
    }

    /// Completed months from `self` to `on`.
    pub fn full_months_on(self, on: Date) -> i32 {
        let mut months = (i32::from(on.year) - i32::from(self.year)) * 12 + i32::from(on.month)
            - i32::from(self.month);
        if on.day < self.day {
            months -= 1;
        }
        months
    }
}

impl FromStr for Date {
    type Err = DateError;

    /// Parses `YYYY-MM-DD`, the only date format of the form dictionary.
    fn from_str(s: &str) -> Result<Date, DateError> {
        let bytes = s.as_bytes();
        let well_formed = bytes.len() == 10
            && bytes[4] == b'-'
            && bytes[7] == b'-'
            && bytes
                .iter()
                .enumerate()
                .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
        if !well_formed {
            return Err(DateError(format!("“{s}”不是 YYYY-MM-DD 格式的日期")));
        }
        let num = |r: std::ops::Range<usize>| s[r].parse::<u16>().unwrap_or(0);
        let (y, m, d) = (num(0..4), num(5..7), num(8..10));
        let month = u8::try_from(m).unwrap_or(0);
        let day = u8::try_from(d).unwrap_or(0);
        Date::new(y, month, day).ok_or_else(|| DateError(format!("日历上没有“{s}”这一天")))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A day is written `YYYY-MM-DD`, the way the API carries it.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Date {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
            .examples(["2026-12-03"])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Date {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_real_days_only() {
        assert_eq!("2026-02-28".parse(), Ok(Date::ymd(2026, 2, 28)));
        assert_eq!("2024-02-29".parse(), Ok(Date::ymd(2024, 2, 29)));
        assert!("2026-02-29".parse::<Date>().is_err());
        assert!("2026-13-01".parse::<Date>().is_err());
        assert!("2026-1-01".parse::<Date>().is_err());
        assert!("20260101".parse::<Date>().is_err());
        assert!("２０２６-01-01".parse::<Date>().is_err());
        assert!("".parse::<Date>().is_err());
    }

    #[test]
    fn displays_as_iso() {
        assert_eq!(Date::ymd(2026, 3, 7).to_string(), "2026-03-07");
    }

    #[test]
    fn counts_full_years_and_months() {
        let born = Date::ymd(2000, 6, 15);
        assert_eq!(born.full_years_on(Date::ymd(2018, 6, 14)), 17);
        assert_eq!(born.full_years_on(Date::ymd(2018, 6, 15)), 18);
        let leap = Date::ymd(2004, 2, 29);
        assert_eq!(leap.full_years_on(Date::ymd(2022, 2, 28)), 17);
        assert_eq!(leap.full_years_on(Date::ymd(2022, 3, 1)), 18);
        assert_eq!(
            Date::ymd(2026, 1, 31).full_months_on(Date::ymd(2026, 2, 28)),
            0
        );
        assert_eq!(
            Date::ymd(2025, 11, 27).full_months_on(Date::ymd(2026, 11, 27)),
            12
        );
    }

    #[test]
    fn knows_weekends_and_day_arithmetic() {
        assert_eq!(Date::ymd(2026, 10, 10).weekday(), 6);
        assert!(Date::ymd(2026, 10, 10).is_weekend());
        assert!(!Date::ymd(2026, 10, 9).is_weekend());
        assert_eq!(
            Date::ymd(2026, 12, 31).add_days(1),
            Some(Date::ymd(2027, 1, 1))
        );
        assert_eq!(
            Date::ymd(2026, 1, 1).days_until(Date::ymd(2026, 12, 31)),
            364
        );
    }
}
