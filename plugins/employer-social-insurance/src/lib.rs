//! 单位社会保险登记 (红旗区人力资源和社会保障局). 《中华人民共和国社会保险法》第五十七条:
//! an employer registers within thirty days of its founding, and the agency decides within
//! fifteen days.

use lianban_sdk::dictionary::{self, field, material};
use lianban_sdk::prelude::*;

const JOINT_ONE_THING: &str = "business-startup";

#[derive(Default)]
pub struct EmployerSocialInsurance;

impl Rules for EmployerSocialInsurance {
    fn manifest(&self) -> Manifest {
        use Requirement::Always;
        let stand_alone = || dictionary::from_prerequisite("设立登记结果");
        Manifest {
            matter: "employer-social-insurance".into(),
            name: "单位社会保险登记".into(),
            department: "hrss".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            legal_days: 15,
            promised_days: 1,
            fields: [
                dictionary::applicant_fields(),
                vec![
                    field("company.name", Always),
                    field("company.uscc", stand_alone()),
                    field("company.address", Always),
                    field("company.employees", Always),
                    field("company.bank", Always),
                    field("company.bank-account", Always),
                    field("legal-rep.name", Always),
                    field("legal-rep.id-number", Always),
                ],
            ]
            .concat(),
            materials: vec![
                material("business-license", stand_alone()),
                material("legal-rep-id-card", Always),
            ]
            .into_iter()
            .chain(dictionary::agent_materials())
            .collect(),
            review_points: vec![
                "单位自成立之日起三十日内申请社会保险登记".into(),
                "基本存款账户信息完整，用于社会保险费缴纳".into(),
                "有职工的，提醒自用工之日起三十日内为职工办理社会保险登记".into(),
            ],
            basis: vec![
                "《中华人民共和国社会保险法》第五十七条".into(),
                "《中华人民共和国社会保险法》第五十八条".into(),
            ],
        }
    }

    fn check_materials(
        &self,
        app: &Application,
        _host: &dyn Host,
    ) -> Result<Vec<Finding>, RuleError> {
        let manifest = self.cached_manifest();
        let mut findings = dictionary::check_joint_materials(
            JOINT_ONE_THING,
            manifest,
            app,
            &["business-license"],
        );
        findings.extend(dictionary::check_holder(
            app,
            "legal-rep-id-card",
            "法定代表人居民身份证",
            "legal-rep.id-number",
        ));
        Ok(findings)
    }

    fn review_form(&self, app: &Application, _host: &dyn Host) -> Result<Vec<Finding>, RuleError> {
        let manifest = self.cached_manifest();
        let mut findings = standard::review_form(manifest, app);
        findings.extend(dictionary::require_unless_in(
            JOINT_ONE_THING,
            manifest,
            app,
            &[],
            &["company.uscc"],
        ));
        if let Some(account) = app.field("company.bank-account") {
            let digits: String = account
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '-')
                .collect();
            if !(8..=32).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
                findings.push(findings::invalid_field_by_key(
                    "company.bank-account",
                    "基本存款账户账号",
                    "应为 8 至 32 位数字",
                ));
            }
        }
        if let Some(n) = app
            .field("company.employees")
            .and_then(|v| validate::parse_integer(v).ok())
            && n > 0
        {
            findings.push(Finding::advisory(
                    Subject::Field("company.employees".into()),
                    "social-insurance.enrol-employees",
                    format!("单位现有职工 {n} 人，请自用工之日起三十日内为职工办理社会保险登记（《社会保险法》第五十八条）"),
                ));
        }
        Ok(findings)
    }
}

lianban_world_v0_1::export_rules!(EmployerSocialInsurance);

#[cfg(test)]
mod tests {
    use lianban_sdk::testing::{finding_codes, fixture};

    use super::*;

    const COMPLETE: &str = include_str!("../../fixtures/business-window-complete.json");

    fn complete() -> Application {
        fixture(
            COMPLETE,
            "employer-social-insurance",
            Date::ymd(2026, 11, 27),
        )
    }

    fn codes(app: &Application) -> Vec<String> {
        finding_codes(&EmployerSocialInsurance, app)
    }

    #[test]
    fn the_complete_fixture_only_gets_the_enrolment_reminder() {
        assert_eq!(codes(&complete()), ["social-insurance.enrol-employees"]);
        assert!(dictionary::unknown_keys(&EmployerSocialInsurance.manifest()).is_empty());
        let app = complete().with_field("company.employees", "0");
        assert_eq!(codes(&app), Vec::<String>::new());
    }

    #[test]
    fn bank_account_must_be_digits() {
        let app = complete()
            .with_field("company.employees", "0")
            .with_field("company.bank-account", "4105-ABC");
        assert_eq!(codes(&app), ["field.invalid"]);
    }

    #[test]
    fn stand_alone_needs_licence_and_credit_code() {
        let mut app = complete().with_field("company.employees", "0");
        app.one_thing = "social-insurance-only".into();
        assert_eq!(codes(&app), ["material.missing", "field.missing"]);
    }
}
