//! `echo:…`: answers whatever the application dictates, so that a test can send any value of
//! the WIT types through the real component boundary.
//!
//! The mode is `echo:YEAR:MONTH:DAY:WORKING-DAYS:BASIS:CODE:MESSAGE:SUBJECT`, the numbers in
//! decimal (taken modulo their WIT type's range, so any date record can be asked for) and the
//! texts hex-encoded UTF-8 (so they may hold any character, the separator included). The
//! deadline answers with the date, working days and basis; the form review with one blocking
//! finding with the code, message and subject field. A part that does not parse is zero or
//! empty.
//!
//! `accept:echo:…` echoes only in the deadline asked at acceptance (the `deadline` export on
//! its own) and answers normally in a pre-check (`evaluate`, which reviews the form first), so
//! that a case can be taken in and then accepted with a deadline of the test's choosing.

use lianban_sdk::prelude::*;

pub const PREFIX: &str = "echo:";
pub const AT_ACCEPTANCE: &str = "accept:";

/// Set when this instance reviewed a form: it is then answering a pre-check, not an
/// acceptance.
static REVIEWED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

pub fn form_reviewed() {
    REVIEWED.store(true, std::sync::atomic::Ordering::Relaxed);
}

struct Echo {
    due: Date,
    working_days: u32,
    basis: String,
    code: String,
    message: String,
    subject: String,
}

fn parse(mode: &str) -> Option<Echo> {
    let parts: Vec<&str> = mode.strip_prefix(PREFIX)?.split(':').collect();
    let part = |i: usize| parts.get(i).copied().unwrap_or_default();
    let number = |i: usize| part(i).parse::<u64>().unwrap_or(0);
    let text = |i: usize| unhex(part(i));
    Some(Echo {
        due: Date {
            year: number(0) as u16,
            month: number(1) as u8,
            day: number(2) as u8,
        },
        working_days: number(3) as u32,
        basis: text(4),
        code: text(5),
        message: text(6),
        subject: text(7),
    })
}

fn unhex(hex: &str) -> String {
    let bytes: Vec<u8> = hex
        .as_bytes()
        .chunks(2)
        .filter_map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok())
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

pub fn deadline(mode: &str) -> Option<Deadline> {
    let mode = match mode.strip_prefix(AT_ACCEPTANCE) {
        Some(_) if REVIEWED.load(std::sync::atomic::Ordering::Relaxed) => return None,
        Some(echo) => echo,
        None => mode,
    };
    let echo = parse(mode)?;
    Some(Deadline {
        due: echo.due,
        working_days: echo.working_days,
        basis: echo.basis,
    })
}

pub fn finding(mode: &str) -> Option<Finding> {
    let echo = parse(mode)?;
    Some(Finding {
        severity: Severity::Blocking,
        subject: Subject::Field(echo.subject),
        code: echo.code,
        message: echo.message,
        remedy: None,
    })
}
