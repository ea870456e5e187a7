//! 住房公积金提取（职工死亡） (新乡市住房公积金管理中心红旗区管理部): the heirs withdraw the
//! balance (《住房公积金管理条例》第二十四条).

use lianban_sdk::dictionary::{self, field, material};
use lianban_sdk::prelude::*;

const JOINT_ONE_THING: &str = "bereavement";

#[derive(Default)]
pub struct HousingFundInheritance;

impl Rules for HousingFundInheritance {
    fn manifest(&self) -> Manifest {
        use Requirement::Always;
        Manifest {
            matter: "housing-fund-inheritance".into(),
            name: "住房公积金提取（职工死亡）".into(),
            department: "housing-fund".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            legal_days: 3,
            promised_days: 1,
            fields: [
                dictionary::applicant_fields(),
                vec![
                    field("applicant.relation", Always),
                    field("deceased.name", Always),
                    field("deceased.id-number", Always),
                    field("housing-fund.account", Always),
                    field("heir.bank-account", Always),
                ],
            ]
            .concat(),
            materials: vec![
                material(
                    "death-medical-certificate",
                    dictionary::from_prerequisite("户口注销结果"),
                ),
                material("kinship-proof", Always),
                material("heir-bank-card", Always),
            ]
            .into_iter()
            .chain(dictionary::agent_materials())
            .collect(),
            review_points: vec![
                "职工死亡的，继承人、受遗赠人可以提取账户全部余额并销户".into(),
                "第一顺序继承人以外的申请人，说明没有第一顺序继承人或其已放弃继承".into(),
            ],
            basis: vec![
                "《住房公积金管理条例》第二十四条".into(),
                "《中华人民共和国民法典》第一千一百二十七条".into(),
            ],
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
            &["death-medical-certificate"],
        ))
    }

    fn review_form(&self, app: &Application, _host: &dyn Host) -> Result<Vec<Finding>, RuleError> {
        let mut findings = standard::review_form(self.cached_manifest(), app);
        findings.extend(dictionary::check_heir_order(app));
        Ok(findings)
    }
}

lianban_world_v0_1::export_rules!(HousingFundInheritance);

#[cfg(test)]
mod tests {
    use lianban_sdk::testing::{finding_codes, fixture, official_calendar};

    use super::*;

    const COMPLETE: &str = include_str!("../../fixtures/bereavement-window-complete.json");

    fn complete() -> Application {
        fixture(
            COMPLETE,
            "housing-fund-inheritance",
            Date::ymd(2026, 11, 27),
        )
    }

    fn codes(app: &Application) -> Vec<String> {
        finding_codes(&HousingFundInheritance, app)
    }

    #[test]
    fn the_complete_fixture_passes() {
        assert_eq!(codes(&complete()), Vec::<String>::new());
        assert!(dictionary::unknown_keys(&HousingFundInheritance.manifest()).is_empty());
    }

    #[test]
    fn on_its_own_the_death_certificate_is_brought() {
        let mut app = complete();
        app.one_thing = "fund-only".into();
        assert_eq!(codes(&app), ["material.missing"]);
    }

    #[test]
    fn one_working_day_over_a_weekend() {
        // Accepted Friday 2026-11-27: due Monday 11-30.
        let d = HousingFundInheritance
            .deadline(&complete(), Date::ymd(2026, 11, 27), &official_calendar())
            .unwrap();
        assert_eq!(d.due, Date::ymd(2026, 11, 30));
    }
}
