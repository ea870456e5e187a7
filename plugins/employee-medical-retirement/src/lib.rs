//! 职工基本医疗保险退休人员待遇核定 (红旗区医疗保障局): a retiree whose contributions reached
//! the required years keeps employee medical insurance without paying further
//! (《中华人民共和国社会保险法》第二十七条).

use lianban_sdk::dictionary::{self, field, material};
use lianban_sdk::prelude::*;

const JOINT_ONE_THING: &str = "retirement";
/// Nobody contributes before sixteen, the minimum working age.
const FIRST_WORKING_AGE: i32 = 16;

#[derive(Default)]
pub struct EmployeeMedicalRetirement;

impl Rules for EmployeeMedicalRetirement {
    fn manifest(&self) -> Manifest {
        use Requirement::Always;
        Manifest {
            matter: "employee-medical-retirement".into(),
            name: "职工医保退休人员待遇核定".into(),
            department: "medical-insurance".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            legal_days: 20,
            promised_days: 5,
            fields: [
                dictionary::applicant_fields(),
                vec![
                    field("retiree.name", Always),
                    field("retiree.id-number", Always),
                    field("retiree.retirement-date", Always),
                    field("retiree.medical-years", Always),
                ],
            ]
            .concat(),
            materials: vec![
                material(
                    "pension-decision",
                    dictionary::from_prerequisite("基本养老保险待遇核定结果"),
                ),
                material("retiree-id-card", Always),
            ]
            .into_iter()
            .chain(dictionary::agent_materials())
            .collect(),
            review_points: vec![
                "已办理基本养老保险待遇核定".into(),
                "职工医保累计缴费年限达到本市规定年限；不足的，按规定补缴后享受退休人员待遇".into(),
            ],
            basis: vec!["《中华人民共和国社会保险法》第二十七条".into()],
        }
    }

    fn check_materials(
        &self,
        app: &Application,
        _host: &dyn Host,
    ) -> Result<Vec<Finding>, RuleError> {
        let manifest = self.cached_manifest();
        Ok(dictionary::check_joint_materials(
            JOINT_ONE_THING,
            manifest,
            app,
            &["pension-decision"],
        ))
    }

    fn review_form(&self, app: &Application, _host: &dyn Host) -> Result<Vec<Finding>, RuleError> {
        let mut findings = standard::review_form(self.cached_manifest(), app);
        // More years than the retiree can have worked since sixteen is a typing error.
        let years = app
            .field("retiree.medical-years")
            .and_then(|v| validate::parse_integer(v).ok());
        let age = app
            .field("retiree.id-number")
            .and_then(|n| validate::parse_id_number(n, app.today).ok())
            .map(|id| id.age_on(app.today));
        if let (Some(y), Some(age)) = (years, age)
            && i64::try_from(y).unwrap_or(i64::MAX) > i64::from(age - FIRST_WORKING_AGE)
        {
            findings.push(
                Finding::blocking(
                    Subject::Field("retiree.medical-years".into()),
                    "medical.years-impossible",
                    format!("缴费年限 {y} 年超过了 {FIRST_WORKING_AGE} 周岁以来的年数"),
                )
                .remedy("按参保缴费记录填写累计缴费年限"),
            );
        }
        Ok(findings)
    }
}

lianban_world_v0_1::export_rules!(EmployeeMedicalRetirement);

#[cfg(test)]
mod tests {
    use lianban_sdk::testing::{finding_codes, fixture};

    use super::*;

    const COMPLETE: &str = include_str!("../../fixtures/retirement-window-complete.json");

    fn complete() -> Application {
        fixture(
            COMPLETE,
            "employee-medical-retirement",
            Date::ymd(2026, 11, 27),
        )
    }

    fn codes(app: &Application) -> Vec<String> {
        finding_codes(&EmployeeMedicalRetirement, app)
    }

    #[test]
    fn the_complete_fixture_passes() {
        assert_eq!(codes(&complete()), Vec::<String>::new());
        assert!(dictionary::unknown_keys(&EmployeeMedicalRetirement.manifest()).is_empty());
    }

    #[test]
    fn impossible_years_are_refused() {
        // Sixty years old: at most 44 years since sixteen.
        let app = complete().with_field("retiree.medical-years", "45");
        assert_eq!(codes(&app), ["medical.years-impossible"]);
        let app = complete().with_field("retiree.medical-years", "44");
        assert_eq!(codes(&app), Vec::<String>::new());
    }

    #[test]
    fn on_its_own_the_pension_decision_is_brought() {
        let mut app = complete();
        app.one_thing = "medical-only".into();
        assert_eq!(codes(&app), ["material.missing"]);
    }
}
