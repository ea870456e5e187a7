//! A rules component built the way a vendor without the lianban SDK would: stock `wit-bindgen`
//! over the published `wit/v0.1.0`, and nothing else. It carries no `lianban-rules-api`
//! section, so the host has to tell its rules API from the component itself.
//!
//! 预防接种证办理, reduced to one rule: the child's name is required.
#![cfg(target_arch = "wasm32")]
// The bindings wit-bindgen generates export functions with `#[unsafe(export_name)]`.
#![allow(unsafe_code)]

wit_bindgen::generate!({ path: "../../../wit/v0.1.0", world: "rules" });

// The world `use`s its records, so wit-bindgen names those at the top; the rest live in the
// `types` interface.
use lianban::rules::calendar;
use lianban::rules::types::{FieldKind, FieldSpec, Requirement, Severity, Subject};

struct Plain;

fn review(app: &Application) -> Vec<Finding> {
    let named = app
        .fields
        .iter()
        .any(|f| f.key == "child.name" && !f.value.trim().is_empty());
    if named {
        return Vec::new();
    }
    vec![Finding {
        severity: Severity::Blocking,
        subject: Subject::Field("child.name".into()),
        code: "field.missing".into(),
        message: "请填写新生儿姓名".into(),
        remedy: None,
    }]
}

fn due(accepted_on: Date) -> Result<Deadline, RuleError> {
    calendar::add_working_days(accepted_on, 1)
        .map(|due| Deadline {
            due,
            working_days: 1,
            basis: "承诺时限 1 个工作日".into(),
        })
        .map_err(|message| RuleError {
            code: "calendar.unavailable".into(),
            message,
        })
}

impl Guest for Plain {
    fn manifest() -> Manifest {
        Manifest {
            matter: "vaccination-certificate".into(),
            name: "预防接种证办理".into(),
            department: "cdc".into(),
            version: "7.1.0".into(),
            legal_days: 5,
            promised_days: 1,
            fields: vec![FieldSpec {
                key: "child.name".into(),
                label: "新生儿姓名".into(),
                kind: FieldKind::Text,
                requirement: Requirement::Always,
                choices: Vec::new(),
                help: None,
            }],
            materials: Vec::new(),
            review_points: vec!["新生儿姓名已填写".into()],
            basis: vec!["《预防接种工作规范》".into()],
        }
    }

    fn check_materials(_app: Application) -> Result<Vec<Finding>, RuleError> {
        Ok(Vec::new())
    }

    fn review_form(app: Application) -> Result<Vec<Finding>, RuleError> {
        Ok(review(&app))
    }

    fn deadline(_app: Application, accepted_on: Date) -> Result<Deadline, RuleError> {
        due(accepted_on)
    }

    fn evaluate(app: Application, accepted_on: Date) -> Evaluation {
        Evaluation {
            materials: Ok(Vec::new()),
            form: Ok(review(&app)),
            deadline: due(accepted_on),
        }
    }
}

export!(Plain);
