//! Time as the host sees it: China Standard Time, injectable for tests.

use std::sync::Mutex;

use chrono::{DateTime, FixedOffset, Utc};
use lianban_sdk::Date;

/// Eight hours east of UTC, in seconds.
const CHINA_OFFSET_SECS: i32 = 8 * 3600;

/// UTC+8. Mainland China has kept one offset without daylight saving since 1991, so a fixed
/// offset is exact and needs no time-zone database.
pub fn china() -> FixedOffset {
    // Within the ±24 h range `east_opt` accepts, so the fallback is never taken.
    FixedOffset::east_opt(CHINA_OFFSET_SECS).unwrap_or_else(|| Utc.fix())
}

use chrono::Offset;

/// `hour:minute` China time on `day`, as an instant; none for a time that is not one.
pub fn china_moment(day: Date, hour: u32, minute: u32) -> Option<DateTime<Utc>> {
    let naive = day.to_naive().and_hms_opt(hour, minute, 0)?;
    naive
        .and_local_timezone(china())
        .single()
        .map(|at| at.with_timezone(&Utc))
}

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;

    fn now_china(&self) -> DateTime<FixedOffset> {
        self.now().with_timezone(&china())
    }

    /// Today in China: the "today" rules receive.
    fn today(&self) -> Date {
        Date::from_naive(self.now_china().date_naive()).unwrap_or(Date {
            year: 1970,
            month: 1,
            day: 1,
        })
    }

    /// A timestamp for records, RFC 3339 in China time.
    fn stamp(&self) -> String {
        self.now_china()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, false)
    }
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// The system clock, set back or forward by an offset while the demo writes its history.
#[derive(Default)]
pub struct ShiftedClock {
    offset_ms: std::sync::atomic::AtomicI64,
}

impl ShiftedClock {
    /// Makes `now` read `at` (and run on from there); `None` puts the clock right again.
    pub fn set(&self, at: Option<DateTime<Utc>>) {
        let offset = at.map_or(0, |at| (at - Utc::now()).num_milliseconds());
        self.offset_ms
            .store(offset, std::sync::atomic::Ordering::Relaxed);
    }
}

impl Clock for ShiftedClock {
    fn now(&self) -> DateTime<Utc> {
        let offset = self.offset_ms.load(std::sync::atomic::Ordering::Relaxed);
        Utc::now() + chrono::Duration::milliseconds(offset)
    }
}

/// A clock that stands still until told otherwise.
pub struct FixedClock(Mutex<DateTime<Utc>>);

impl FixedClock {
    pub fn new(at: DateTime<Utc>) -> FixedClock {
        FixedClock(Mutex::new(at))
    }

    /// Noon China time on `day`.
    pub fn at_noon(day: Date) -> FixedClock {
        FixedClock::new(china_moment(day, 12, 0).unwrap_or_default())
    }

    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = at;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_is_the_china_date() {
        // 2026-11-26 17:30 UTC is already 27 November in China.
        let clock = FixedClock::new(DateTime::from_naive_utc_and_offset(
            Date::ymd(2026, 11, 26)
                .to_naive()
                .and_hms_opt(17, 30, 0)
                .unwrap(),
            Utc,
        ));
        assert_eq!(clock.today(), Date::ymd(2026, 11, 27));
        assert!(clock.stamp().starts_with("2026-11-27T01:30:00.000+08:00"));
        assert_eq!(
            FixedClock::at_noon(Date::ymd(2026, 10, 10)).today(),
            Date::ymd(2026, 10, 10)
        );
    }
}
