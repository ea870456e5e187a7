//! 养老保险待遇停发与丧葬补助金、抚恤金 (红旗区人力资源和社会保障局): the pension stops with the
//! death, and the survivors of an insured person may claim the funeral grant and the survivor
//! pension (《中华人民共和国社会保险法》第十七条).

use lianban_sdk::dictionary::{self, field, material};
use lianban_sdk::prelude::*;

const JOINT_ONE_THING: &str = "bereavement";
const NOT_INSURED: &str = "未参加职工养老保险";

#[derive(Default)]
pub struct SurvivorBenefits;

impl Rules for SurvivorBenefits {
    fn manifest(&self) -> Manifest {
        use Requirement::Always;
        Manifest {
            matter: "survivor-benefits".into(),
            name: "养老保险待遇停发与丧葬补助金、抚恤金申领".into(),
            department: "hrss".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            legal_days: 20,
            promised_days: 5,
            fields: [
                dictionary::applicant_fields(),
                vec![
                    field("applicant.relation", Always),
                    field("deceased.name", Always),
                    field("deceased.id-number", Always),
                    field("deceased.death-date", Always),
                    field("deceased.pension-status", Always),
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
                "自死亡次月起停发基本养老金，多发的予以追回".into(),
                "逝者参加职工基本养老保险的，遗属可领取丧葬补助金和抚恤金".into(),
                "申请人与逝者的亲属关系有证明".into(),
            ],
            basis: vec!["《中华人民共和国社会保险法》第十七条".into()],
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
        findings.extend(dictionary::check_death_date(app));
        if app.is("deceased.pension-status", NOT_INSURED) {
            findings.push(
                Finding::blocking(
                    Subject::Field("deceased.pension-status".into()),
                    "survivor.not-insured",
                    "逝者未参加职工基本养老保险，不适用职工丧葬补助金和抚恤金",
                )
                .remedy("参加城乡居民基本养老保险的，按城乡居民养老保险规定另行办理"),
            );
        }
        Ok(findings)
    }
}

lianban_world_v0_1::export_rules!(SurvivorBenefits);

#[cfg(test)]
mod tests {
    use lianban_sdk::testing::{finding_codes, fixture};

    use super::*;

    const COMPLETE: &str = include_str!("../../fixtures/bereavement-window-complete.json");

    fn complete() -> Application {
        fixture(COMPLETE, "survivor-benefits", Date::ymd(2026, 11, 27))
    }

    fn codes(app: &Application) -> Vec<String> {
        finding_codes(&SurvivorBenefits, app)
    }

    #[test]
    fn the_complete_fixture_passes() {
        assert_eq!(codes(&complete()), Vec::<String>::new());
        assert!(dictionary::unknown_keys(&SurvivorBenefits.manifest()).is_empty());
    }

    #[test]
    fn only_the_insured_leave_a_funeral_grant() {
        let app = complete().with_field("deceased.pension-status", NOT_INSURED);
        assert_eq!(codes(&app), ["survivor.not-insured"]);
    }

    #[test]
    fn kinship_must_be_shown() {
        let app = complete().without_material("kinship-proof");
        assert_eq!(codes(&app), ["material.missing"]);
    }
}
