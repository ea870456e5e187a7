//! A rules component built the way a vendor without the lianban SDK would: stock `wit-bindgen`
//! over the published `wit/v0.2.0`, and nothing else. It carries no `lianban-rules-api`
//! section, so the host has to tell its rules API from the component itself.
//!
//! 社会保障卡申领, reduced to one rule: the child's name is required. It declares no
//! capability, so it can be activated without a grant.
#![cfg(target_arch = "wasm32")]
// The bindings wit-bindgen generates export functions with `#[unsafe(export_name)]`.
#![allow(unsafe_code)]

wit_bindgen::generate!({
    path: "../../../wit/v0.2.0",
    world: "lianban:rules/rules@0.2.0",
    // The 0.1.0 types, calendar and log this world uses (from `deps/`) are generated too.
    generate_all,
});

// The world `use`s its records, so wit-bindgen names those at the top; the rest live in the
// 0.1.0 `types` interface (two versions of one package: wit-bindgen tells them apart by
// version in the module names).
// The world `use`s its records, so wit-bindgen names those at the top; the rest live in the
// 0.1.0 `types` interface (two versions of one package: wit-bindgen tells them apart by
// version in the module names).
use lianban::rules0_1_0::calendar;
use lianban::rules0_1_0::types::{
    FieldKind, FieldSpec, Manifest as MatterManifest, Requirement, Severity, Subject,
};

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
    calendar::add_working_days(accepted_on, 2)
        .map(|due| Deadline {
            due,
            working_days: 2,
            basis: "承诺时限 2 个工作日".into(),
        })
        .map_err(|message| RuleError {
            code: "calendar.unavailable".into(),
            message,
        })
}

fn no_exemptions() -> MaterialReview {
    MaterialReview {
        findings: Vec::new(),
        exempt: Vec::new(),
    }
}

impl Guest for Plain {
    fn manifest() -> Manifest {
        Manifest {
            matter: MatterManifest {
                matter: "social-security-card".into(),
                name: "社会保障卡申领".into(),
                department: "hrss".into(),
                version: "7.2.0".into(),
                legal_days: 10,
                promised_days: 2,
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
                basis: vec!["《社会保障卡管理办法》".into()],
            },
            capabilities: Vec::new(),
        }
    }

    fn check_materials(_app: Application) -> Result<MaterialReview, RuleError> {
        Ok(no_exemptions())
    }

    fn review_form(app: Application) -> Result<Vec<Finding>, RuleError> {
        Ok(review(&app))
    }

    fn deadline(_app: Application, accepted_on: Date) -> Result<Deadline, RuleError> {
        due(accepted_on)
    }

    fn evaluate(app: Application, accepted_on: Date) -> Evaluation {
        Evaluation {
            materials: Ok(no_exemptions()),
            form: Ok(review(&app)),
            deadline: due(accepted_on),
        }
    }
}

export!(Plain);
