//! The checks every matter gets from its manifest alone: required fields present and well
//! formed, required materials present, in an accepted form and not expired, and the decision
//! due the promised number of working days after acceptance.
//!
//! `Rules`' default methods call these; a plugin that overrides a method usually calls the
//! matching function here first and then adds its own findings.

use std::fmt::Write;

use crate::findings::{
    expired_material, invalid_field, missing_field, missing_material, wrong_form,
};
use crate::validate::check_value;
use crate::{
    Application, Channel, Date, Deadline, Finding, Host, Manifest, Material, MaterialForm,
    MaterialSpec, PaperForm, Requirement, RuleError,
};

/// Every field the manifest lists: present when always required, well formed when present.
/// Conditional fields are the plugin's to require, since only it knows the condition.
pub fn review_form(manifest: &Manifest, app: &Application) -> Vec<Finding> {
    let mut findings = Vec::new();
    for spec in &manifest.fields {
        match app.field(&spec.key) {
            None if spec.requirement == Requirement::Always => findings.push(missing_field(spec)),
            None => {}
            Some(value) => {
                if let Err(reason) = check_value(spec.kind, value, &spec.choices, app.today) {
                    findings.push(invalid_field(spec, &reason));
                }
            }
        }
    }
    findings
}

/// Every material the manifest lists: present when always required; in an accepted form and
/// not expired whenever present.
pub fn check_materials(manifest: &Manifest, app: &Application) -> Vec<Finding> {
    let mut findings = Vec::new();
    for spec in &manifest.materials {
        match app.material(&spec.code) {
            None if spec.requirement == Requirement::Always => {
                findings.push(missing_material(spec));
            }
            None => {}
            Some(material) => findings.extend(check_material(spec, material, app)),
        }
    }
    findings
}

/// Checks one material that is present: accepted form, then validity.
pub fn check_material(
    spec: &MaterialSpec,
    material: &Material,
    app: &Application,
) -> Option<Finding> {
    if !form_accepted(spec, material.form, app.channel) {
        return Some(wrong_form(spec, material.form));
    }
    match material.valid_until {
        Some(until) if until < app.today => Some(expired_material(spec, until)),
        _ => None,
    }
}

/// Requires a conditional material when its condition holds: missing → finding; present →
/// the usual form and validity checks.
pub fn require_material(manifest: &Manifest, code: &str, app: &Application) -> Option<Finding> {
    let spec = manifest.material(code)?;
    match app.material(code) {
        None => Some(missing_material(spec)),
        Some(material) => check_material(spec, material, app),
    }
}

/// Requires a conditional field when its condition holds.
pub fn require_field(manifest: &Manifest, key: &str, app: &Application) -> Option<Finding> {
    let spec = manifest.field(key)?;
    match app.field(key) {
        None => Some(missing_field(spec)),
        // Its format was already checked by `review_form`.
        Some(_) => None,
    }
}

/// Whether a material presented in `form` satisfies `spec`.
///
/// An electronic certificate counts only where the matter names one. Online, scans stand in
/// for paper (the window compares them with the originals when the result is collected). At
/// the window an original always does, since the window can copy it; a copy or a scan only
/// where a copy is all the matter keeps.
pub fn form_accepted(spec: &MaterialSpec, form: MaterialForm, channel: Channel) -> bool {
    match (form, channel) {
        (MaterialForm::Elicense, _) => spec.elicense.is_some(),
        (_, Channel::Online) => true,
        (MaterialForm::Original, Channel::Window) => true,
        (MaterialForm::Copy | MaterialForm::Scan, Channel::Window) => spec.paper == PaperForm::Copy,
    }
}

/// The decision falls due the promised number of working days after acceptance (第十六条).
pub fn deadline(
    manifest: &Manifest,
    accepted_on: Date,
    host: &dyn Host,
) -> Result<Deadline, RuleError> {
    let due = host
        .add_working_days(accepted_on, manifest.promised_days)
        .map_err(|e| RuleError::new("calendar.unavailable", e))?;
    let mut basis = manifest.basis.first().cloned().unwrap_or_default();
    if !basis.is_empty() {
        basis.push('；');
    }
    // Writing into `basis` directly: `format!` would build the sentence once more only to
    // copy it in.
    let _ = write!(
        basis,
        "法定时限 {} 个工作日，承诺时限 {} 个工作日",
        manifest.legal_days, manifest.promised_days
    );
    Ok(Deadline {
        due,
        working_days: manifest.promised_days,
        basis,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{FieldKind, FieldSpec};

    fn manifest() -> Manifest {
        Manifest {
            matter: "m".into(),
            name: "测试事项".into(),
            department: "d".into(),
            version: "1.0.0".into(),
            legal_days: 20,
            promised_days: 5,
            fields: vec![
                FieldSpec::new(
                    "a.id-number",
                    "身份证号",
                    FieldKind::IdNumber,
                    Requirement::Always,
                ),
                FieldSpec::new("a.mobile", "手机", FieldKind::Mobile, Requirement::Optional),
            ],
            materials: vec![
                MaterialSpec::new(
                    "id-card",
                    "居民身份证",
                    Requirement::Always,
                    PaperForm::OriginalAndCopy,
                )
                .elicense("居民身份证"),
                MaterialSpec::new("photo", "照片", Requirement::Always, PaperForm::Copy),
            ],
            review_points: vec![],
            basis: vec!["《测试条例》第一条".into()],
        }
    }

    fn app(channel: Channel) -> Application {
        Application::new("t", "m", channel, Date::ymd(2026, 11, 27))
    }

    #[test]
    fn reports_missing_and_invalid_fields() {
        let m = manifest();
        let f = review_form(&m, &app(Channel::Window));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].code, "field.missing");
        let f = review_form(
            &m,
            &app(Channel::Window)
                .with_field("a.id-number", "11010519491231002X")
                .with_field("a.mobile", "123"),
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].code, "field.invalid");
        assert_eq!(f[0].subject, crate::Subject::Field("a.mobile".into()));
    }

    #[test]
    fn checks_material_forms_per_channel() {
        let m = manifest();
        let copy_of_id = app(Channel::Window)
            .with_material(Material::new("id-card", MaterialForm::Copy))
            .with_material(Material::new("photo", MaterialForm::Copy));
        let f = check_materials(&m, &copy_of_id);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].code, "material.form");
        let online = app(Channel::Online)
            .with_material(Material::new("id-card", MaterialForm::Scan))
            .with_material(Material::new("photo", MaterialForm::Scan));
        assert!(check_materials(&m, &online).is_empty());
        let elicense_not_allowed = app(Channel::Online)
            .with_material(Material::new("id-card", MaterialForm::Elicense))
            .with_material(Material::new("photo", MaterialForm::Elicense));
        let f = check_materials(&m, &elicense_not_allowed);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].subject, crate::Subject::Material("photo".into()));
    }

    #[test]
    fn expired_material_is_blocking() {
        let m = manifest();
        let a = app(Channel::Window)
            .with_material(
                Material::new("id-card", MaterialForm::Original)
                    .valid_until(Date::ymd(2026, 11, 26)),
            )
            .with_material(Material::new("photo", MaterialForm::Copy));
        let f = check_materials(&m, &a);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].code, "material.expired");
        // Valid through today is still valid.
        let a = a.with_material(
            Material::new("id-card", MaterialForm::Original).valid_until(Date::ymd(2026, 11, 27)),
        );
        assert!(check_materials(&m, &a).is_empty());
    }

    #[test]
    fn deadline_counts_promised_working_days() {
        let cal = crate::testing::official_calendar();
        let d = deadline(&manifest(), Date::ymd(2026, 9, 30), &cal).unwrap();
        assert_eq!(d.due, Date::ymd(2026, 10, 13));
        assert_eq!(d.working_days, 5);
        assert!(d.basis.starts_with("《测试条例》第一条；"));
        let err = deadline(&manifest(), Date::ymd(2027, 3, 1), &cal).unwrap_err();
        assert_eq!(err.code, "calendar.unavailable");
    }
}
