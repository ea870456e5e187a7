//! Helpers for testing rules natively.

use crate::{Date, WorkingCalendar};

/// The State Council's published holidays and make-up working days for 2025 and 2026 (from
/// the holiday-cn data set, MIT). The host carries every year in its own calendar; this copy
/// lets plugin unit tests count real working days without a host, and a host test checks
/// that the two agree.
pub const OFFICIAL_DAYS: &[(u16, &[(&str, bool)])] = &[
    (
        2025,
        &[
            ("2025-01-01", true),
            ("2025-01-26", false),
            ("2025-01-28", true),
            ("2025-01-29", true),
            ("2025-01-30", true),
            ("2025-01-31", true),
            ("2025-02-01", true),
            ("2025-02-02", true),
            ("2025-02-03", true),
            ("2025-02-04", true),
            ("2025-02-08", false),
            ("2025-04-04", true),
            ("2025-04-05", true),
            ("2025-04-06", true),
            ("2025-04-27", false),
            ("2025-05-01", true),
            ("2025-05-02", true),
            ("2025-05-03", true),
            ("2025-05-04", true),
            ("2025-05-05", true),
            ("2025-05-31", true),
            ("2025-06-01", true),
            ("2025-06-02", true),
            ("2025-09-28", false),
            ("2025-10-01", true),
            ("2025-10-02", true),
            ("2025-10-03", true),
            ("2025-10-04", true),
            ("2025-10-05", true),
            ("2025-10-06", true),
            ("2025-10-07", true),
            ("2025-10-08", true),
            ("2025-10-11", false),
        ],
    ),
    (
        2026,
        &[
            ("2026-01-01", true),
            ("2026-01-02", true),
            ("2026-01-03", true),
            ("2026-01-04", false),
            ("2026-02-14", false),
            ("2026-02-15", true),
            ("2026-02-16", true),
            ("2026-02-17", true),
            ("2026-02-18", true),
            ("2026-02-19", true),
            ("2026-02-20", true),
            ("2026-02-21", true),
            ("2026-02-22", true),
            ("2026-02-23", true),
            ("2026-02-28", false),
            ("2026-04-04", true),
            ("2026-04-05", true),
            ("2026-04-06", true),
            ("2026-05-01", true),
            ("2026-05-02", true),
            ("2026-05-03", true),
            ("2026-05-04", true),
            ("2026-05-05", true),
            ("2026-05-09", false),
            ("2026-06-19", true),
            ("2026-06-20", true),
            ("2026-06-21", true),
            ("2026-09-20", false),
            ("2026-09-25", true),
            ("2026-09-26", true),
            ("2026-09-27", true),
            ("2026-10-01", true),
            ("2026-10-02", true),
            ("2026-10-03", true),
            ("2026-10-04", true),
            ("2026-10-05", true),
            ("2026-10-06", true),
            ("2026-10-07", true),
            ("2026-10-10", false),
        ],
    ),
];

/// The codes of what `rules` finds in `app` (materials, then form), on the official calendar.
/// Panics when the rules return a rule error: in a test that is a failure.
#[allow(clippy::expect_used)]
pub fn finding_codes(rules: &dyn crate::Rules, app: &crate::Application) -> Vec<String> {
    crate::precheck(rules, app, &official_calendar())
        .expect("the rules decide")
        .into_iter()
        .map(|f| f.code)
        .collect()
}

/// Like [`finding_codes`], with each finding's subject.
#[allow(clippy::expect_used)]
pub fn finding_subjects(
    rules: &dyn crate::Rules,
    app: &crate::Application,
) -> Vec<(String, crate::Subject)> {
    crate::precheck(rules, app, &official_calendar())
        .expect("the rules decide")
        .into_iter()
        .map(|f| (f.code, f.subject))
        .collect()
}

/// A calendar with the official 2025 and 2026 data; any other year is missing.
pub fn official_calendar() -> WorkingCalendar {
    let mut cal = WorkingCalendar::new();
    for (year, days) in OFFICIAL_DAYS {
        let days: Vec<(Date, bool)> = days
            .iter()
            .filter_map(|(day, off)| Some((day.parse().ok()?, *off)))
            .collect();
        // The table above is well formed (checked by the calendar tests).
        let _ = cal.set_year(*year, &days);
    }
    cal
}

/// Reads a JSON fixture (a merged application, the pre-check API's body) as `matter` sees it
/// on `today`. Panics on a malformed fixture: it is test data.
#[cfg(feature = "serde")]
#[allow(clippy::expect_used)]
pub fn fixture(json: &str, matter: &str, today: Date) -> crate::Application {
    let merged: crate::MergedApplication = serde_json::from_str(json).expect("a valid fixture");
    merged.for_matter(matter, today)
}

/// A native host with the official calendar and a fixed set of electronic certificates, for
/// testing 0.2.0 rules that look certificates up. Lookups are answered like the host's store
/// answers them: by kind and holder, newest issue first.
#[derive(Clone, Debug, Default)]
pub struct WithCertificates {
    pub calendar: WorkingCalendar,
    pub certificates: Vec<crate::Certificate>,
    /// When set, every lookup fails as if the certificate service were down.
    pub unavailable: bool,
}

impl WithCertificates {
    pub fn new(certificates: Vec<crate::Certificate>) -> WithCertificates {
        WithCertificates {
            calendar: official_calendar(),
            certificates,
            unavailable: false,
        }
    }
}

impl crate::Host for WithCertificates {
    fn is_working_day(&self, day: Date) -> Result<bool, String> {
        crate::Host::is_working_day(&self.calendar, day)
    }

    fn add_working_days(&self, start: Date, days: u32) -> Result<Date, String> {
        crate::Host::add_working_days(&self.calendar, start, days)
    }

    fn elicense(
        &self,
        kind: &str,
        holder: &str,
    ) -> Result<Vec<crate::Certificate>, crate::ElicenseError> {
        if self.unavailable {
            return Err(crate::ElicenseError::Unavailable("测试：服务停用".into()));
        }
        let mut found: Vec<crate::Certificate> = self
            .certificates
            .iter()
            .filter(|c| c.kind == kind && c.holder == holder)
            .cloned()
            .collect();
        crate::Certificate::newest_first(&mut found);
        Ok(found)
    }
}
