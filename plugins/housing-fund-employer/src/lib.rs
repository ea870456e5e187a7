//! 住房公积金单位缴存登记 (新乡市住房公积金管理中心红旗区管理部). 《住房公积金管理条例》
//! 第十四条: a new employer registers within thirty days of its founding; 第十八条 and
//! 建金〔2005〕5号 bound the contribution rate between 5% and 12%.

use lianban_sdk::dictionary::{self, field, material};
use lianban_sdk::prelude::*;

const JOINT_ONE_THING: &str = "business-startup";
const MIN_RATE: u64 = 5;
const MAX_RATE: u64 = 12;

#[derive(Default)]
pub struct HousingFundEmployer;

impl Rules for HousingFundEmployer {
    fn manifest(&self) -> Manifest {
        use Requirement::Always;
        let stand_alone = || dictionary::from_prerequisite("设立登记结果");
        Manifest {
            matter: "housing-fund-employer".into(),
            name: "住房公积金单位缴存登记".into(),
            department: "housing-fund".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            legal_days: 5,
            promised_days: 1,
            fields: [
                dictionary::applicant_fields(),
                vec![
                    field("company.name", Always),
                    field("company.uscc", stand_alone()),
                    field("company.employees", Always),
                    field("legal-rep.name", Always),
                    field("legal-rep.id-number", Always),
                    field("housing-fund.rate", Always),
                    field("housing-fund.contact.name", Always),
                    field("housing-fund.contact.mobile", Always),
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
                "单位自设立之日起三十日内办理缴存登记".into(),
                "单位缴存比例在 5% 至 12% 之间".into(),
                "登记之日起二十日内为职工办理个人账户设立".into(),
            ],
            basis: vec![
                "《住房公积金管理条例》第十四条、第十八条".into(),
                "《关于住房公积金管理若干具体问题的指导意见》（建金〔2005〕5号）".into(),
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
        if let Some(rate) = app
            .field("housing-fund.rate")
            .and_then(|v| validate::parse_integer(v).ok())
            && !(MIN_RATE..=MAX_RATE).contains(&rate)
        {
            findings.push(findings::invalid_field_by_key(
                    "housing-fund.rate",
                    "住房公积金单位缴存比例（%）",
                    &format!("{rate}% 不在 {MIN_RATE}% 至 {MAX_RATE}% 之间（《住房公积金管理条例》第十八条、建金〔2005〕5号）"),
                ));
        }
        if app
            .field("company.employees")
            .and_then(|v| validate::parse_integer(v).ok())
            == Some(0)
        {
            findings.push(Finding::advisory(
                Subject::Field("company.employees".into()),
                "housing-fund.no-employees",
                "单位暂无职工，登记后有职工时请在二十日内为职工设立个人账户",
            ));
        }
        Ok(findings)
    }
}

lianban_world_v0_1::export_rules!(HousingFundEmployer);

#[cfg(test)]
mod tests {
    use lianban_sdk::testing::{finding_codes, fixture};

    use super::*;

    const COMPLETE: &str = include_str!("../../fixtures/business-window-complete.json");

    fn complete() -> Application {
        fixture(COMPLETE, "housing-fund-employer", Date::ymd(2026, 11, 27))
    }

    fn codes(app: &Application) -> Vec<String> {
        finding_codes(&HousingFundEmployer, app)
    }

    #[test]
    fn the_complete_fixture_passes() {
        assert_eq!(codes(&complete()), Vec::<String>::new());
        assert!(dictionary::unknown_keys(&HousingFundEmployer.manifest()).is_empty());
    }

    #[test]
    fn rate_between_five_and_twelve_percent() {
        for (rate, ok) in [
            ("4", false),
            ("5", true),
            ("12", true),
            ("13", false),
            ("8.5", false),
        ] {
            let found = codes(&complete().with_field("housing-fund.rate", rate));
            assert_eq!(found.is_empty(), ok, "{rate}: {found:?}");
        }
    }

    #[test]
    fn no_employees_is_advice() {
        let app = complete().with_field("company.employees", "0");
        assert_eq!(codes(&app), ["housing-fund.no-employees"]);
    }

    #[test]
    fn agent_needs_authorisation() {
        let app = complete().with_field("applicant.role", "委托代办");
        assert_eq!(codes(&app), ["material.missing", "material.missing"]);
    }
}
