//! Every value a rules component returns is checked here, before anything else in the host
//! sees it.
//!
//! The WIT types say little: a `date` is three numbers, `working-days` any `u32`, a message any
//! string. A component that answered `2026-13-45` or four billion working days had that stored
//! in the case at acceptance, and a stored case that no longer decodes stops the clocks' pass
//! for every case. So an answer is accepted only within these bounds, and anything else fails
//! the call as `rule_invalid_output`, naming the field — shown like any other rule failure and
//! never stored:
//!
//! - a deadline's `due` is a real day, not before the acceptance day and not after the day the
//!   matter's legal time limit ends (counted on the official calendar from the acceptance
//!   day); its `working-days` are within the legal days; its `basis` is bounded text;
//! - findings: at most [`MAX_FINDINGS`] per check, codes and subject keys well-formed
//!   (`keys::is_key`), messages non-empty, texts bounded by [`MAX_TEXT_CHARS`] and free of
//!   control characters; the same for a `rule-error` and for exemptions;
//! - a manifest: counts of fields, materials, choices, review points and basis, lengths of
//!   names, labels and help texts, time limits within a year of working days.
//!
//! Where the official calendar cannot count the legal time limit (a year not yet published),
//! the host cannot tell whether a deadline is within it. Such a deadline is reported as unknown
//! (`calendar.unavailable`), exactly as the SDK reports a deadline it could not count: the
//! platform does not guess working days (see the README's Data section).

use std::fmt;

use lianban_sdk::{
    Deadline, Exemption, Finding, Manifest, MaterialReview, Requirement, RuleError, Subject,
    WorkingCalendar,
};

use super::{Checks, Described};
use crate::keys::is_key;

/// Findings one check may return.
pub const MAX_FINDINGS: usize = 200;
/// Characters of a message, remedy, rule-error message, help text or review point.
pub const MAX_TEXT_CHARS: usize = 500;
/// Characters of a deadline's basis: it usually quotes a legal basis and then the time limits.
const MAX_BASIS_CHARS: usize = 1_000;
/// Characters of a name or label shown on the form.
const MAX_LABEL_CHARS: usize = 64;
/// Working days of a legal or promised time limit: a year.
const MAX_DAYS: u32 = 365;
const MAX_FIELDS: usize = 200;
const MAX_MATERIALS: usize = 100;
const MAX_CHOICES: usize = 100;
const MAX_LIST: usize = 100;
const MAX_EXEMPTIONS: usize = 100;

/// Why an answer was refused: the field, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InvalidOutput {
    pub field: String,
    pub problem: String,
}

impl fmt::Display for InvalidOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.problem)
    }
}

impl std::error::Error for InvalidOutput {}

fn invalid(field: impl Into<String>, problem: impl Into<String>) -> InvalidOutput {
    InvalidOutput {
        field: field.into(),
        problem: problem.into(),
    }
}

type Checked<T = ()> = Result<T, InvalidOutput>;

/// What a deadline is measured against.
pub(super) struct Bounds<'a> {
    legal_days: Option<u32>,
    accepted_on: lianban_sdk::Date,
    calendar: &'a WorkingCalendar,
}

impl<'a> Bounds<'a> {
    pub(super) fn new(
        legal_days: Option<u32>,
        accepted_on: lianban_sdk::Date,
        calendar: &'a WorkingCalendar,
    ) -> Bounds<'a> {
        Bounds {
            legal_days,
            accepted_on,
            calendar,
        }
    }
}

/// The `evaluate` answer, checked; a deadline the calendar cannot check becomes unknown.
pub(super) fn checks(checks: Checks, bounds: &Bounds<'_>) -> Checked<Checks> {
    if let Ok(review) = &checks.materials {
        material_review(review)?;
    }
    answer("materials", checks.materials.as_ref().map(|_| ()))?;
    if let Ok(found) = &checks.form {
        findings("form", found)?;
    }
    answer("form", checks.form.as_ref().map(|_| ()))?;
    Ok(Checks {
        deadline: deadline(checks.deadline, bounds)?,
        ..checks
    })
}

/// A rule-error, if that is what a check answered.
fn answer(check: &str, result: Result<(), &RuleError>) -> Checked {
    match result {
        Ok(()) => Ok(()),
        Err(e) => rule_error(&format!("{check}.error"), e),
    }
}

fn rule_error(at: &str, e: &RuleError) -> Checked {
    code(&format!("{at}.code"), &e.code)?;
    text(&format!("{at}.message"), &e.message, MAX_TEXT_CHARS, true)
}

fn material_review(review: &MaterialReview) -> Checked {
    findings("materials", &review.findings)?;
    if review.exempt.len() > MAX_EXEMPTIONS {
        return Err(invalid(
            "materials.exempt",
            format!(
                "{} exemptions, at most {MAX_EXEMPTIONS}",
                review.exempt.len()
            ),
        ));
    }
    for (i, e) in review.exempt.iter().enumerate() {
        exemption(&format!("materials.exempt[{i}]"), e)?;
    }
    Ok(())
}

fn exemption(at: &str, e: &Exemption) -> Checked {
    code(&format!("{at}.material"), &e.material)?;
    text(
        &format!("{at}.elicense"),
        &e.elicense,
        MAX_LABEL_CHARS,
        true,
    )?;
    text(&format!("{at}.number"), &e.number, MAX_LABEL_CHARS, true)
}

fn findings(check: &str, found: &[Finding]) -> Checked {
    if found.len() > MAX_FINDINGS {
        return Err(invalid(
            format!("{check}.findings"),
            format!("{} findings, at most {MAX_FINDINGS}", found.len()),
        ));
    }
    for (i, f) in found.iter().enumerate() {
        let at = format!("{check}.findings[{i}]");
        code(&format!("{at}.code"), &f.code)?;
        match &f.subject {
            Subject::Field(key) => code(&format!("{at}.subject.field"), key)?,
            Subject::Material(c) => code(&format!("{at}.subject.material"), c)?,
            Subject::Application => {}
        }
        text(&format!("{at}.message"), &f.message, MAX_TEXT_CHARS, true)?;
        if let Some(remedy) = &f.remedy {
            text(&format!("{at}.remedy"), remedy, MAX_TEXT_CHARS, false)?;
        }
    }
    Ok(())
}

/// The deadline answer, checked against the legal time limit; unknown when the calendar
/// cannot count it.
pub(super) fn deadline(
    answer: Result<Deadline, RuleError>,
    bounds: &Bounds<'_>,
) -> Checked<Result<Deadline, RuleError>> {
    let d = match answer {
        Ok(d) => d,
        Err(e) => {
            rule_error("deadline.error", &e)?;
            return Ok(Err(e));
        }
    };
    let due = lianban_sdk::Date::new(d.due.year, d.due.month, d.due.day).ok_or_else(|| {
        invalid(
            "deadline.due",
            format!(
                "{}-{:02}-{:02} is not a day of the calendar",
                d.due.year, d.due.month, d.due.day
            ),
        )
    })?;
    text("deadline.basis", &d.basis, MAX_BASIS_CHARS, false)?;
    if due < bounds.accepted_on {
        return Err(invalid(
            "deadline.due",
            format!("{due} is before the acceptance day {}", bounds.accepted_on),
        ));
    }
    let legal = bounds.legal_days.unwrap_or(MAX_DAYS).min(MAX_DAYS);
    if d.working_days > legal {
        return Err(invalid(
            "deadline.working-days",
            format!(
                "{} working days, beyond the legal time limit of {legal}",
                d.working_days
            ),
        ));
    }
    // No more calendar days than legal days is within the limit whatever the calendar says:
    // the common case (a promise well inside the legal limit) needs no walk over the calendar,
    // which cost more than every other check of a pre-check together. A year without data
    // still makes the deadline unknown.
    if bounds.accepted_on.days_until(due) <= i64::from(legal) && bounds.calendar.has_year(due.year)
    {
        return Ok(Ok(d));
    }
    match bounds.calendar.add_working_days(bounds.accepted_on, legal) {
        Ok(last) if due > last => Err(invalid(
            "deadline.due",
            format!(
                "{due} is after {last}, the end of the legal time limit of {legal} working days from {}",
                bounds.accepted_on
            ),
        )),
        Ok(_) => Ok(Ok(d)),
        // The whole limit cannot be counted, but the days up to `due` may be.
        Err(missing) => match bounds
            .calendar
            .working_days_between(bounds.accepted_on, due)
        {
            Ok(n) if n > legal => Err(invalid(
                "deadline.due",
                format!(
                    "{due} is {n} working days after {}, beyond the legal time limit of {legal}",
                    bounds.accepted_on
                ),
            )),
            Ok(_) => Ok(Ok(d)),
            Err(_) => Ok(Err(RuleError::new(
                "calendar.unavailable",
                format!("无法核对办结期限：{missing}"),
            ))),
        },
    }
}

/// A manifest and its capabilities, within the limits of a form a person can fill in.
pub(super) fn described(d: &Described) -> Checked {
    const CAPABILITIES: usize = 8;
    if d.capabilities.len() > CAPABILITIES {
        return Err(invalid(
            "manifest.capabilities",
            format!("{} entries, at most {CAPABILITIES}", d.capabilities.len()),
        ));
    }
    manifest(&d.manifest)
}

fn manifest(m: &Manifest) -> Checked {
    text("manifest.matter", &m.matter, MAX_LABEL_CHARS, true)?;
    text("manifest.department", &m.department, MAX_LABEL_CHARS, true)?;
    text("manifest.name", &m.name, MAX_LABEL_CHARS, true)?;
    text("manifest.version", &m.version, 32, true)?;
    for (field, days) in [
        ("manifest.legal-days", m.legal_days),
        ("manifest.promised-days", m.promised_days),
    ] {
        if days > MAX_DAYS {
            return Err(invalid(
                field,
                format!("{days} working days, at most {MAX_DAYS}"),
            ));
        }
    }
    count("manifest.fields", m.fields.len(), MAX_FIELDS)?;
    for (i, f) in m.fields.iter().enumerate() {
        let at = format!("manifest.fields[{i}]");
        text(&format!("{at}.key"), &f.key, MAX_LABEL_CHARS, true)?;
        text(&format!("{at}.label"), &f.label, MAX_LABEL_CHARS, false)?;
        requirement(&at, &f.requirement)?;
        count(&format!("{at}.choices"), f.choices.len(), MAX_CHOICES)?;
        for (j, c) in f.choices.iter().enumerate() {
            text(&format!("{at}.choices[{j}]"), c, MAX_LABEL_CHARS, false)?;
        }
        if let Some(help) = &f.help {
            text(&format!("{at}.help"), help, MAX_TEXT_CHARS, false)?;
        }
    }
    count("manifest.materials", m.materials.len(), MAX_MATERIALS)?;
    for (i, s) in m.materials.iter().enumerate() {
        let at = format!("manifest.materials[{i}]");
        text(&format!("{at}.code"), &s.code, MAX_LABEL_CHARS, true)?;
        text(&format!("{at}.name"), &s.name, MAX_LABEL_CHARS, false)?;
        requirement(&at, &s.requirement)?;
        if s.copies > 100 {
            return Err(invalid(
                format!("{at}.copies"),
                format!("{} copies, at most 100", s.copies),
            ));
        }
        if let Some(kind) = &s.elicense {
            text(&format!("{at}.elicense"), kind, MAX_LABEL_CHARS, true)?;
        }
        if let Some(help) = &s.help {
            text(&format!("{at}.help"), help, MAX_TEXT_CHARS, false)?;
        }
    }
    for (name, list) in [
        ("manifest.review-points", &m.review_points),
        ("manifest.basis", &m.basis),
    ] {
        count(name, list.len(), MAX_LIST)?;
        for (i, line) in list.iter().enumerate() {
            text(&format!("{name}[{i}]"), line, MAX_TEXT_CHARS, false)?;
        }
    }
    Ok(())
}

fn requirement(at: &str, r: &Requirement) -> Checked {
    match r {
        Requirement::Conditional(when) => {
            text(&format!("{at}.requirement"), when, MAX_TEXT_CHARS, true)
        }
        Requirement::Always | Requirement::Optional => Ok(()),
    }
}

fn count(at: &str, n: usize, max: usize) -> Checked {
    if n > max {
        Err(invalid(at, format!("{n} entries, at most {max}")))
    } else {
        Ok(())
    }
}

/// A code or key as the platform writes them (`keys::is_key`).
fn code(at: &str, value: &str) -> Checked {
    if is_key(value) {
        Ok(())
    } else {
        Err(invalid(
            at,
            format!(
                "{:?} is not a code (a-z, 0-9, '.', '-', starting with a letter, at most 64 bytes)",
                shorten(value)
            ),
        ))
    }
}

/// Text shown to people: bounded, without control characters (a line break is allowed), and
/// not blank where `required`.
///
/// Written over bytes: every finding of every pre-check passes here, and a string no longer in
/// bytes than the limit in characters needs no counting.
fn text(at: &str, value: &str, max_chars: usize, required: bool) -> Checked {
    if value.len() > max_chars {
        let chars = value.chars().count();
        if chars > max_chars {
            return Err(invalid(
                at,
                format!("{chars} characters, at most {max_chars}"),
            ));
        }
    }
    if required && value.trim().is_empty() {
        return Err(invalid(at, "empty"));
    }
    if let Some(c) = control_character(value) {
        return Err(invalid(
            at,
            format!("holds the control character U+{:04X}", u32::from(c)),
        ));
    }
    Ok(())
}

/// The first control character (Unicode category Cc) other than a line break: U+0000–U+001F
/// and U+007F are single bytes in UTF-8, U+0080–U+009F are `C2 80`–`C2 9F`.
fn control_character(value: &str) -> Option<char> {
    let bytes = value.as_bytes();
    let at = bytes.iter().enumerate().position(|(i, &b)| {
        (b < 0x20 && b != b'\n')
            || b == 0x7f
            || (b == 0xc2 && bytes.get(i + 1).is_some_and(|n| (0x80..=0x9f).contains(n)))
    })?;
    value[at..].chars().next()
}

/// A refused value, cut short enough to quote in a message.
fn shorten(value: &str) -> String {
    let mut out: String = value.chars().take(40).collect();
    if out.len() < value.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use lianban_sdk::Date;

    fn calendar() -> WorkingCalendar {
        lianban_sdk::testing::official_calendar()
    }

    fn due(day: Date, working_days: u32) -> Result<Deadline, RuleError> {
        Ok(Deadline {
            due: day,
            working_days,
            basis: "依据".into(),
        })
    }

    #[test]
    fn a_deadline_within_the_legal_limit_passes_and_beyond_it_names_the_field() {
        let cal = calendar();
        // Friday 27 November 2026; five working days later is Friday 4 December.
        let b = Bounds::new(Some(5), Date::ymd(2026, 11, 27), &cal);
        assert!(
            deadline(due(Date::ymd(2026, 12, 4), 5), &b)
                .unwrap()
                .is_ok()
        );
        assert!(
            deadline(due(Date::ymd(2026, 11, 27), 0), &b)
                .unwrap()
                .is_ok()
        );
        let late = deadline(due(Date::ymd(2026, 12, 7), 5), &b).unwrap_err();
        assert_eq!(late.field, "deadline.due");
        let early = deadline(due(Date::ymd(2026, 11, 26), 1), &b).unwrap_err();
        assert_eq!(early.field, "deadline.due");
        let days = deadline(due(Date::ymd(2026, 12, 1), 6), &b).unwrap_err();
        assert_eq!(days.field, "deadline.working-days");
        let impossible = Date {
            year: 2026,
            month: 13,
            day: 45,
        };
        assert_eq!(
            deadline(due(impossible, 0), &b).unwrap_err().field,
            "deadline.due"
        );
    }

    #[test]
    fn a_deadline_the_calendar_cannot_count_is_unknown_not_guessed() {
        let cal = calendar();
        // 2027 has no data: 20 working days from 28 December 2026 cannot be counted.
        let b = Bounds::new(Some(20), Date::ymd(2026, 12, 28), &cal);
        // A due day the calendar can still reach is checked and kept.
        assert!(
            deadline(due(Date::ymd(2026, 12, 29), 1), &b)
                .unwrap()
                .is_ok()
        );
        // One in 2027 is neither kept nor refused: it is unknown, also when it is close enough
        // that no calendar would be needed to see it within the limit.
        let unknown = deadline(due(Date::ymd(2027, 1, 20), 15), &b).unwrap();
        assert_eq!(unknown.unwrap_err().code, "calendar.unavailable");
        let close = deadline(due(Date::ymd(2027, 1, 4), 3), &b).unwrap();
        assert_eq!(close.unwrap_err().code, "calendar.unavailable");
    }

    #[test]
    fn control_characters_are_found_as_char_is_control_finds_them() {
        for c in (0u32..0x3000).filter_map(char::from_u32) {
            let text = format!("甲{c}乙");
            let expected = (c.is_control() && c != '\n').then_some(c);
            assert_eq!(control_character(&text), expected, "U+{:04X}", u32::from(c));
        }
    }

    #[test]
    fn findings_are_bounded_and_well_formed() {
        let ok = Finding::blocking(Subject::Field("child.name".into()), "field.missing", "缺");
        assert!(findings("form", std::slice::from_ref(&ok)).is_ok());
        let many = vec![ok.clone(); MAX_FINDINGS + 1];
        assert_eq!(findings("form", &many).unwrap_err().field, "form.findings");
        let mut bad = ok.clone();
        bad.code = "Not A Code".into();
        assert_eq!(
            findings("form", &[bad]).unwrap_err().field,
            "form.findings[0].code"
        );
        let mut long = ok.clone();
        long.message = "长".repeat(MAX_TEXT_CHARS + 1);
        assert_eq!(
            findings("materials", &[ok.clone(), long])
                .unwrap_err()
                .field,
            "materials.findings[1].message"
        );
        let mut control = ok.clone();
        control.remedy = Some("a\u{7}b".into());
        assert_eq!(
            findings("form", &[control]).unwrap_err().field,
            "form.findings[0].remedy"
        );
        let mut subject = ok;
        subject.subject = Subject::Material("../x".into());
        assert_eq!(
            findings("form", &[subject]).unwrap_err().field,
            "form.findings[0].subject.material"
        );
    }
}
