//! 职工医保个人账户余额继承 (红旗区医疗保障局): the balance of the deceased's personal account
//! is part of the estate (《中华人民共和国民法典》第一千一百二十二条) and is paid to an heir.

use lianban_sdk::dictionary::{self, field, material};
use lianban_sdk::prelude::*;

const JOINT_ONE_THING: &str = "bereavement";

#[derive(Default)]
pub struct MedicalAccountInheritance;

impl Rules for MedicalAccountInheritance {
    fn manifest(&self) -> Manifest {
        use Requirement::Always;
        Manifest {
            matter: "medical-account-inheritance".into(),
            name: "职工医保个人账户余额继承".into(),
            department: "medical-insurance".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            legal_days: 20,
            promised_days: 5,
            fields: [
                dictionary::applicant_fields(),
                vec![
                    field("applicant.relation", Always),
                    field("deceased.name", Always),
                    field("deceased.id-number", Always),
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
                "个人账户余额按继承顺序支付给继承人".into(),
                "第一顺序继承人以外的申请人，说明没有第一顺序继承人或其已放弃继承".into(),
            ],
            basis: vec!["《中华人民共和国民法典》第一千一百二十二条、第一千一百二十七条".into()],
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

lianban_world_v0_1::export_rules!(MedicalAccountInheritance);

#[cfg(test)]
mod tests {
    use lianban_sdk::testing::{finding_codes, fixture};

    use super::*;

    const COMPLETE: &str = include_str!("../../fixtures/bereavement-window-complete.json");

    fn complete() -> Application {
        fixture(
            COMPLETE,
            "medical-account-inheritance",
            Date::ymd(2026, 11, 27),
        )
    }

    fn codes(app: &Application) -> Vec<String> {
        finding_codes(&MedicalAccountInheritance, app)
    }

    #[test]
    fn the_complete_fixture_passes() {
        assert_eq!(codes(&complete()), Vec::<String>::new());
        assert!(dictionary::unknown_keys(&MedicalAccountInheritance.manifest()).is_empty());
    }

    #[test]
    fn a_second_order_heir_is_asked_to_explain() {
        let app = complete().with_field("applicant.relation", "其他近亲属");
        assert_eq!(codes(&app), ["heir.second-order"]);
    }
}
