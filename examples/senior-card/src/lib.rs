//! 老年人优待证办理 — the smallest useful rules plugin, written to be copied.
//!
//! A plugin is three things:
//! 1. a `manifest`: the fields and materials the matter needs, its time limits and basis;
//! 2. the checks beyond what the manifest says (here: the applicant must be 60 or older);
//! 3. one `export_rules!` line that turns it into a component — from the crate of the rules API
//!    version it is built for, here `lianban-world-v0-2` (the newest: 0.2.0 adds electronic
//!    certificates, which this matter does not need; see 出生登记 for a rule that uses them).
//!
//! Build the component with `cargo build --release --target wasm32-wasip2 -p <crate>` and test
//! the rules natively with `cargo test -p <crate>`.

use lianban_sdk::dictionary::{self};
use lianban_sdk::prelude::*;

/// 《中华人民共和国老年人权益保障法》第二条: 老年人是指六十周岁以上的公民.
const MIN_AGE: i32 = 60;

/// The rules type holds no state: the host creates it fresh for every call.
#[derive(Default)]
pub struct SeniorCard;

impl Rules for SeniorCard {
    fn manifest(&self) -> Manifest {
        Manifest {
            matter: "senior-card".into(),
            name: "老年人优待证办理".into(),
            department: "civil-affairs".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            legal_days: 10,
            promised_days: 3,
            fields: vec![
                FieldSpec::new(
                    "applicant.name",
                    "申请人姓名",
                    FieldKind::Text,
                    Requirement::Always,
                ),
                FieldSpec::new(
                    "applicant.id-number",
                    "申请人公民身份号码",
                    FieldKind::IdNumber,
                    Requirement::Always,
                ),
                FieldSpec::new(
                    "applicant.mobile",
                    "联系电话",
                    FieldKind::Mobile,
                    Requirement::Always,
                ),
            ],
            materials: vec![
                MaterialSpec::new(
                    "applicant-id-card",
                    "申请人居民身份证",
                    Requirement::Always,
                    PaperForm::OriginalAndCopy,
                )
                .elicense("居民身份证"),
                MaterialSpec::new(
                    "photo",
                    "近期一寸免冠彩色照片",
                    Requirement::Always,
                    PaperForm::Copy,
                )
                .copies(2),
            ],
            review_points: vec!["申请人年满六十周岁，身份证件与申请表一致".into()],
            basis: vec!["《中华人民共和国老年人权益保障法》第二条".into()],
        }
    }

    // Materials: the manifest-driven default (present, accepted form, not expired) is enough,
    // so `check_materials` is not overridden.

    fn review_form(&self, app: &Application, host: &dyn Host) -> Result<Vec<Finding>, RuleError> {
        // Start from the standard checks: required fields present and well formed.
        let mut findings = standard::review_form(self.cached_manifest(), app);

        // Then the matter's own condition. An invalid id number was already reported above,
        // so only a valid one is judged here.
        if let Some(id) = app
            .field("applicant.id-number")
            .and_then(|v| validate::parse_id_number(v, app.today).ok())
        {
            let age = id.age_on(app.today);
            host.log(LogLevel::Debug, &format!("applicant age {age}"));
            if age < MIN_AGE {
                findings.push(
                    Finding::blocking(
                        Subject::Application,
                        "applicant.too-young",
                        format!("申请人现年 {age} 周岁，年满 {MIN_AGE} 周岁方可申领老年人优待证"),
                    )
                    .remedy(format!("请于年满 {MIN_AGE} 周岁后再申请")),
                );
            }
        }

        // And the consistency of the identity card with the form.
        findings.extend(dictionary::check_holder(
            app,
            "applicant-id-card",
            "申请人居民身份证",
            "applicant.id-number",
        ));
        Ok(findings)
    }

    // Deadline: the default counts `promised_days` working days from acceptance on the host
    // calendar, which is what this matter promises.
}

lianban_world_v0_2::export_rules!(SeniorCard);

#[cfg(test)]
mod tests {
    use lianban_sdk::testing::official_calendar;

    use super::*;

    fn complete() -> Application {
        Application::new(
            "senior-services",
            "senior-card",
            Channel::Window,
            Date::ymd(2026, 11, 27),
        )
        .with_field("applicant.name", "张秀兰")
        .with_field("applicant.id-number", "11010519491231002X")
        .with_field("applicant.mobile", "13812345678")
        .with_material(
            Material::new("applicant-id-card", MaterialForm::Original)
                .with_attribute("holder.id-number", "11010519491231002X"),
        )
        .with_material(Material::new("photo", MaterialForm::Copy))
    }

    #[test]
    fn a_complete_application_has_no_findings() {
        let cal = official_calendar();
        assert_eq!(
            lianban_sdk::precheck(&SeniorCard, &complete(), &cal),
            Ok(vec![])
        );
    }

    #[test]
    fn under_sixty_is_refused() {
        let cal = official_calendar();
        let app = complete()
            .with_field("applicant.id-number", "410702199001010015")
            .with_material(
                Material::new("applicant-id-card", MaterialForm::Original)
                    .with_attribute("holder.id-number", "410702199001010015"),
            );
        let findings = lianban_sdk::precheck(&SeniorCard, &app, &cal).unwrap();
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].code, "applicant.too-young");
        assert!(findings[0].message.contains("36 周岁"));
    }

    #[test]
    fn missing_photo_and_mismatched_card_are_both_reported() {
        let cal = official_calendar();
        let app = complete().without_material("photo").with_material(
            Material::new("applicant-id-card", MaterialForm::Original)
                .with_attribute("holder.id-number", "410702199001010015"),
        );
        let codes: Vec<_> = lianban_sdk::precheck(&SeniorCard, &app, &cal)
            .unwrap()
            .into_iter()
            .map(|f| f.code)
            .collect();
        assert_eq!(codes, ["material.missing", "material.mismatch"]);
    }

    #[test]
    fn every_key_is_in_the_dictionary() {
        assert!(dictionary::unknown_keys(&SeniorCard.manifest()).is_empty());
    }

    #[test]
    fn deadline_is_three_working_days_on_the_official_calendar() {
        let cal = official_calendar();
        let d = SeniorCard
            .deadline(&complete(), Date::ymd(2026, 9, 30), &cal)
            .unwrap();
        assert_eq!(d.due, Date::ymd(2026, 10, 10));
    }
}
