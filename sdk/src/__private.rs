//! Component glue behind `export_rules!`: the generated bindings and the conversions between
//! them and the SDK's plain types. Only compiled for `wasm32`.

pub use wit_bindgen;

#[allow(unsafe_code, clippy::all)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../wit/v0.1.0",
        world: "lianban:rules/rules",
        pub_export_macro: true,
        export_macro_name: "export",
        runtime_path: "::lianban_sdk::__private::wit_bindgen::rt",
    });
}

pub use bindings::lianban::rules::types as wit;

use bindings::lianban::rules::{calendar, log};

use crate::{
    Application, Channel, Date, Deadline, Field, FieldKind, FieldSpec, Finding, Host, LogLevel,
    Manifest, Material, MaterialForm, MaterialSpec, PaperForm, Requirement, RuleError, Rules,
    Severity, Subject,
};

/// The API version as a byte array for the custom section.
pub const fn api_version_bytes<const N: usize>() -> [u8; N] {
    let src = crate::API_VERSION.as_bytes();
    let mut out = [0u8; N];
    let mut i = 0;
    while i < N {
        out[i] = src[i];
        i += 1;
    }
    out
}

/// The host's imports, seen through the SDK's `Host` trait.
struct ComponentHost;

impl Host for ComponentHost {
    fn is_working_day(&self, day: Date) -> Result<bool, String> {
        calendar::is_working_day(day.into())
    }

    fn add_working_days(&self, start: Date, days: u32) -> Result<Date, String> {
        calendar::add_working_days(start.into(), days).map(Date::from)
    }

    fn log(&self, level: LogLevel, message: &str) {
        let level = match level {
            LogLevel::Debug => log::Level::Debug,
            LogLevel::Info => log::Level::Info,
            LogLevel::Warn => log::Level::Warn,
            LogLevel::Error => log::Level::Error,
        };
        log::log(level, message);
    }
}

pub fn manifest<R: Rules>(rules: &R) -> wit::Manifest {
    rules.manifest().into()
}

pub fn check_materials<R: Rules>(
    rules: &R,
    app: wit::Application,
) -> Result<Vec<wit::Finding>, wit::RuleError> {
    rules
        .check_materials(&app.into(), &ComponentHost)
        .map(|f| f.into_iter().map(Into::into).collect())
        .map_err(Into::into)
}

pub fn review_form<R: Rules>(
    rules: &R,
    app: wit::Application,
) -> Result<Vec<wit::Finding>, wit::RuleError> {
    rules
        .review_form(&app.into(), &ComponentHost)
        .map(|f| f.into_iter().map(Into::into).collect())
        .map_err(Into::into)
}

pub fn deadline<R: Rules>(
    rules: &R,
    app: wit::Application,
    accepted_on: wit::Date,
) -> Result<wit::Deadline, wit::RuleError> {
    rules
        .deadline(&app.into(), accepted_on.into(), &ComponentHost)
        .map(Into::into)
        .map_err(Into::into)
}

pub fn evaluate<R: Rules>(
    rules: &R,
    app: wit::Application,
    accepted_on: wit::Date,
) -> wit::Evaluation {
    let app: Application = app.into();
    let host = ComponentHost;
    let findings = |r: Result<Vec<Finding>, RuleError>| {
        r.map(|f| f.into_iter().map(Into::into).collect())
            .map_err(Into::into)
    };
    wit::Evaluation {
        materials: findings(rules.check_materials(&app, &host)),
        form: findings(rules.review_form(&app, &host)),
        deadline: rules
            .deadline(&app, accepted_on.into(), &host)
            .map(Into::into)
            .map_err(Into::into),
    }
}

impl From<wit::Date> for Date {
    fn from(d: wit::Date) -> Date {
        Date {
            year: d.year,
            month: d.month,
            day: d.day,
        }
    }
}

impl From<Date> for wit::Date {
    fn from(d: Date) -> wit::Date {
        wit::Date {
            year: d.year,
            month: d.month,
            day: d.day,
        }
    }
}

impl From<wit::Field> for Field {
    fn from(f: wit::Field) -> Field {
        Field {
            key: f.key,
            value: f.value,
        }
    }
}

impl From<wit::Material> for Material {
    fn from(m: wit::Material) -> Material {
        Material {
            code: m.code,
            form: match m.form {
                wit::MaterialForm::Original => MaterialForm::Original,
                wit::MaterialForm::Copy => MaterialForm::Copy,
                wit::MaterialForm::Scan => MaterialForm::Scan,
                wit::MaterialForm::Elicense => MaterialForm::Elicense,
            },
            pages: m.pages,
            issued_on: m.issued_on.map(Into::into),
            valid_until: m.valid_until.map(Into::into),
            attributes: m.attributes.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<wit::Application> for Application {
    fn from(a: wit::Application) -> Application {
        Application {
            one_thing: a.one_thing,
            matter: a.matter,
            channel: match a.channel {
                wit::Channel::Window => Channel::Window,
                wit::Channel::Online => Channel::Online,
            },
            today: a.today.into(),
            fields: a.fields.into_iter().map(Into::into).collect(),
            materials: a.materials.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<Finding> for wit::Finding {
    fn from(f: Finding) -> wit::Finding {
        wit::Finding {
            severity: match f.severity {
                Severity::Blocking => wit::Severity::Blocking,
                Severity::Advisory => wit::Severity::Advisory,
            },
            subject: match f.subject {
                Subject::Field(k) => wit::Subject::Field(k),
                Subject::Material(c) => wit::Subject::Material(c),
                Subject::Application => wit::Subject::Application,
            },
            code: f.code,
            message: f.message,
            remedy: f.remedy,
        }
    }
}

impl From<RuleError> for wit::RuleError {
    fn from(e: RuleError) -> wit::RuleError {
        wit::RuleError {
            code: e.code,
            message: e.message,
        }
    }
}

impl From<Deadline> for wit::Deadline {
    fn from(d: Deadline) -> wit::Deadline {
        wit::Deadline {
            due: d.due.into(),
            working_days: d.working_days,
            basis: d.basis,
        }
    }
}

impl From<Requirement> for wit::Requirement {
    fn from(r: Requirement) -> wit::Requirement {
        match r {
            Requirement::Always => wit::Requirement::Always,
            Requirement::Conditional(c) => wit::Requirement::Conditional(c),
            Requirement::Optional => wit::Requirement::Optional,
        }
    }
}

impl From<FieldSpec> for wit::FieldSpec {
    fn from(s: FieldSpec) -> wit::FieldSpec {
        wit::FieldSpec {
            key: s.key,
            label: s.label,
            kind: match s.kind {
                FieldKind::Text => wit::FieldKind::Text,
                FieldKind::Date => wit::FieldKind::Date,
                FieldKind::IdNumber => wit::FieldKind::IdNumber,
                FieldKind::Uscc => wit::FieldKind::Uscc,
                FieldKind::Mobile => wit::FieldKind::Mobile,
                FieldKind::Integer => wit::FieldKind::Integer,
                FieldKind::Money => wit::FieldKind::Money,
                FieldKind::Choice => wit::FieldKind::Choice,
                FieldKind::Boolean => wit::FieldKind::Boolean,
                FieldKind::Address => wit::FieldKind::Address,
            },
            requirement: s.requirement.into(),
            choices: s.choices,
            help: s.help,
        }
    }
}

impl From<MaterialSpec> for wit::MaterialSpec {
    fn from(s: MaterialSpec) -> wit::MaterialSpec {
        wit::MaterialSpec {
            code: s.code,
            name: s.name,
            requirement: s.requirement.into(),
            paper: match s.paper {
                PaperForm::Original => wit::PaperForm::Original,
                PaperForm::Copy => wit::PaperForm::Copy,
                PaperForm::OriginalAndCopy => wit::PaperForm::OriginalAndCopy,
            },
            copies: s.copies,
            elicense: s.elicense,
            help: s.help,
        }
    }
}

impl From<Manifest> for wit::Manifest {
    fn from(m: Manifest) -> wit::Manifest {
        wit::Manifest {
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
