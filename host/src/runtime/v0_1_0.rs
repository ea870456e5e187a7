//! Bindings for components built against `lianban:rules@0.1.0` (`wit/v0.1.0`).
//!
//! Published WIT versions are frozen; a later version gets a module of its own beside this one
//! and the host keeps serving both.

use lianban_sdk as sdk;
use wasmtime::component::{HasSelf, Linker};

use super::state::CallState;

pub(super) mod bindings {
    wasmtime::component::bindgen!({
        path: "../wit/v0.1.0",
        world: "lianban:rules/rules",
    });
    crate::runtime::instantiate::instantiate_prechecked!();
}

use bindings::lianban::rules::{calendar, log, types as wit};
pub(crate) use bindings::{Rules, RulesPre};

pub const API_VERSION: &str = "0.1.0";

pub(crate) fn add_to_linker(linker: &mut Linker<CallState>) -> wasmtime::Result<()> {
    Rules::add_to_linker::<CallState, HasSelf<CallState>>(linker, |state| state)
}

impl wit::Host for CallState {}

/// A date a guest passed in, if it is a real day.
fn real_day(d: wit::Date) -> Result<sdk::Date, String> {
    sdk::Date::new(d.year, d.month, d.day)
        .ok_or_else(|| format!("{}-{:02}-{:02} 不是有效日期", d.year, d.month, d.day))
}

impl calendar::Host for CallState {
    fn is_working_day(&mut self, day: wit::Date) -> Result<bool, String> {
        self.calendar
            .is_working_day(real_day(day)?)
            .map_err(|e| e.to_string())
    }

    fn add_working_days(&mut self, start: wit::Date, days: u32) -> Result<wit::Date, String> {
        self.calendar
            .add_working_days(real_day(start)?, days)
            .map(Into::into)
            .map_err(|e| e.to_string())
    }
}

impl log::Host for CallState {
    fn log(&mut self, level: log::Level, message: String) {
        let level = match level {
            log::Level::Debug => "debug",
            log::Level::Info => "info",
            log::Level::Warn => "warn",
            log::Level::Error => "error",
        };
        self.push_log(level, message);
    }
}

/// A 0.1.0 manifest declares no capabilities: the world has none to ask for.
pub(crate) fn manifest(
    rules: &Rules,
    store: &mut wasmtime::Store<CallState>,
) -> wasmtime::Result<super::Described> {
    Ok(super::Described {
        manifest: rules.call_manifest(store)?.into(),
        capabilities: Vec::new(),
    })
}

pub(super) fn findings(r: Result<Vec<wit::Finding>, wit::RuleError>) -> super::Found {
    r.map(|f| f.into_iter().map(Into::into).collect())
        .map_err(Into::into)
}

/// The three checks in one call (the `evaluate` export): materials, form, deadline. A 0.1.0
/// component exempts no material.
pub(crate) fn evaluate(
    rules: &Rules,
    store: &mut wasmtime::Store<CallState>,
    app: &wit::Application,
    accepted_on: sdk::Date,
) -> wasmtime::Result<super::Checks> {
    let e = rules.call_evaluate(store, app, accepted_on.into())?;
    Ok(super::Checks {
        materials: findings(e.materials).map(|findings| sdk::MaterialReview {
            findings,
            exempt: Vec::new(),
        }),
        form: findings(e.form),
        deadline: e.deadline.map(Into::into).map_err(Into::into),
    })
}

pub(crate) use wit::Application as WitApplication;

// Conversions between the SDK's plain types (the host's domain model) and the generated ones.

/// As the numbers are: a date a guest returned may not be a real day, and is checked where the
/// host takes it (`output.rs`, and `real_day` for the calendar's arguments).
impl From<wit::Date> for sdk::Date {
    fn from(d: wit::Date) -> sdk::Date {
        sdk::Date {
            year: d.year,
            month: d.month,
            day: d.day,
        }
    }
}

impl From<sdk::Date> for wit::Date {
    fn from(d: sdk::Date) -> wit::Date {
        wit::Date {
            year: d.year,
            month: d.month,
            day: d.day,
        }
    }
}

/// By value: the strings move into the generated record rather than being copied a second time.
impl From<sdk::Application> for wit::Application {
    fn from(a: sdk::Application) -> wit::Application {
        let field = |f: sdk::Field| wit::Field {
            key: f.key,
            value: f.value,
        };
        wit::Application {
            one_thing: a.one_thing,
            matter: a.matter,
            channel: match a.channel {
                sdk::Channel::Window => wit::Channel::Window,
                sdk::Channel::Online => wit::Channel::Online,
            },
            today: a.today.into(),
            fields: a.fields.into_iter().map(field).collect(),
            materials: a
                .materials
                .into_iter()
                .map(|m| wit::Material {
                    code: m.code,
                    form: match m.form {
                        sdk::MaterialForm::Original => wit::MaterialForm::Original,
                        sdk::MaterialForm::Copy => wit::MaterialForm::Copy,
                        sdk::MaterialForm::Scan => wit::MaterialForm::Scan,
                        sdk::MaterialForm::Elicense => wit::MaterialForm::Elicense,
                    },
                    pages: m.pages,
                    issued_on: m.issued_on.map(Into::into),
                    valid_until: m.valid_until.map(Into::into),
                    attributes: m.attributes.into_iter().map(field).collect(),
                })
                .collect(),
        }
    }
}

impl From<wit::Finding> for sdk::Finding {
    fn from(f: wit::Finding) -> sdk::Finding {
        sdk::Finding {
            severity: match f.severity {
                wit::Severity::Blocking => sdk::Severity::Blocking,
                wit::Severity::Advisory => sdk::Severity::Advisory,
            },
            subject: match f.subject {
                wit::Subject::Field(k) => sdk::Subject::Field(k),
                wit::Subject::Material(c) => sdk::Subject::Material(c),
                wit::Subject::Application => sdk::Subject::Application,
            },
            code: f.code,
            message: f.message,
            remedy: f.remedy,
        }
    }
}

impl From<wit::RuleError> for sdk::RuleError {
    fn from(e: wit::RuleError) -> sdk::RuleError {
        sdk::RuleError {
            code: e.code,
            message: e.message,
        }
    }
}

impl From<wit::Deadline> for sdk::Deadline {
    fn from(d: wit::Deadline) -> sdk::Deadline {
        sdk::Deadline {
            due: d.due.into(),
            working_days: d.working_days,
            basis: d.basis,
        }
    }
}

impl From<wit::Requirement> for sdk::Requirement {
    fn from(r: wit::Requirement) -> sdk::Requirement {
        match r {
            wit::Requirement::Always => sdk::Requirement::Always,
            wit::Requirement::Conditional(c) => sdk::Requirement::Conditional(c),
            wit::Requirement::Optional => sdk::Requirement::Optional,
        }
    }
}

impl From<wit::FieldSpec> for sdk::FieldSpec {
    fn from(s: wit::FieldSpec) -> sdk::FieldSpec {
        sdk::FieldSpec {
            key: s.key,
            label: s.label,
            kind: match s.kind {
                wit::FieldKind::Text => sdk::FieldKind::Text,
                wit::FieldKind::Date => sdk::FieldKind::Date,
                wit::FieldKind::IdNumber => sdk::FieldKind::IdNumber,
                wit::FieldKind::Uscc => sdk::FieldKind::Uscc,
                wit::FieldKind::Mobile => sdk::FieldKind::Mobile,
                wit::FieldKind::Integer => sdk::FieldKind::Integer,
                wit::FieldKind::Money => sdk::FieldKind::Money,
                wit::FieldKind::Choice => sdk::FieldKind::Choice,
                wit::FieldKind::Boolean => sdk::FieldKind::Boolean,
                wit::FieldKind::Address => sdk::FieldKind::Address,
            },
            requirement: s.requirement.into(),
            choices: s.choices,
            help: s.help,
        }
    }
}

impl From<wit::MaterialSpec> for sdk::MaterialSpec {
    fn from(s: wit::MaterialSpec) -> sdk::MaterialSpec {
        sdk::MaterialSpec {
            code: s.code,
            name: s.name,
            requirement: s.requirement.into(),
            paper: match s.paper {
                wit::PaperForm::Original => sdk::PaperForm::Original,
                wit::PaperForm::Copy => sdk::PaperForm::Copy,
                wit::PaperForm::OriginalAndCopy => sdk::PaperForm::OriginalAndCopy,
            },
            copies: s.copies,
            elicense: s.elicense,
            help: s.help,
        }
    }
}

impl From<wit::Manifest> for sdk::Manifest {
    fn from(m: wit::Manifest) -> sdk::Manifest {
        sdk::Manifest {
            matter: m.matter,
            name: m.name,
            department: m.department,
            version: m.version,
            legal_days: m.legal_days,
            promised_days: m.promised_days,
            fields: m.fields.into_iter().map(Into::into).collect(),
            materials: m.materials.into_iter().map(Into::into).collect(),
            review_points: m.review_points,
            basis: m.basis,
        }
    }
}
