//! 死亡户口注销 (新乡市公安局红旗分局): the household register records the death
//! (《中华人民共和国户口登记条例》第八条: in a city before the burial, in the countryside within
//! a month).

use lianban_sdk::dictionary::{self, field, material};
use lianban_sdk::prelude::*;

const JOINT_ONE_THING: &str = "bereavement";
/// Days after which a report counts as late (the countryside's month).
const LATE_AFTER_DAYS: i64 = 30;

#[derive(Default)]
pub struct HouseholdCancellation;

impl Rules for HouseholdCancellation {
    fn manifest(&self) -> Manifest {
        use Requirement::Always;
        Manifest {
            matter: "household-cancellation".into(),
            name: "死亡户口注销".into(),
            department: "public-security".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            legal_days: 1,
            promised_days: 0,
            fields: [
                dictionary::applicant_fields(),
                vec![
                    field("applicant.relation", Always),
                    field("deceased.name", Always),
                    field("deceased.id-number", Always),
                    field("deceased.death-date", Always),
                    field("deceased.death-kind", Always),
                ],
            ]
            .concat(),
            materials: vec![
                material(
                    "death-medical-certificate",
                    dictionary::from_prerequisite("死亡医学证明签发结果"),
                ),
                material(
                    "police-death-proof",
                    Requirement::Conditional("非正常死亡时".into()),
                ),
                material("deceased-household-register", Always),
                material("deceased-id-card", Always),
            ]
            .into_iter()
            .chain(dictionary::agent_materials())
            .collect(),
            review_points: vec![
                "凭死亡证明注销户口，收缴居民身份证".into(),
                "户口簿上的逝者信息与死亡证明一致".into(),
            ],
            basis: vec!["《中华人民共和国户口登记条例》第八条".into()],
        }
    }

    fn check_materials(
        &self,
        app: &Application,
        _host: &dyn Host,
    ) -> Result<Vec<Finding>, RuleError> {
        let manifest = self.cached_manifest();
        let mut findings = standard::check_materials(manifest, app);
        findings.extend(dictionary::check_death_proof(
            JOINT_ONE_THING,
            manifest,
            app,
        ));
        findings.extend(dictionary::check_agent(manifest, app));
        findings.extend(dictionary::check_holder(
            app,
            "deceased-id-card",
            "逝者居民身份证",
            "deceased.id-number",
        ));
        Ok(findings)
    }

    fn review_form(&self, app: &Application, _host: &dyn Host) -> Result<Vec<Finding>, RuleError> {
        let mut findings = standard::review_form(self.cached_manifest(), app);
        findings.extend(dictionary::check_death_date(app));
        let died: Option<Date> = app
            .field("deceased.death-date")
            .and_then(|d| d.parse().ok());
        if let Some(d) = died.filter(|d| d.days_until(app.today) > LATE_AFTER_DAYS) {
            findings.push(Finding::advisory(
                Subject::Field("deceased.death-date".into()),
                "household.late-report",
                format!(
                    "死亡已 {} 天，超过一个月申报，注销照常办理",
                    d.days_until(app.today)
                ),
            ));
        }
        Ok(findings)
    }
}

lianban_world_v0_1::export_rules!(HouseholdCancellation);

#[cfg(test)]
mod tests {
    use lianban_sdk::testing::{finding_codes, fixture};

    use super::*;

    const COMPLETE: &str = include_str!("../../fixtures/bereavement-window-complete.json");

    fn complete() -> Application {
        fixture(COMPLETE, "household-cancellation", Date::ymd(2026, 11, 27))
    }

    fn codes(app: &Application) -> Vec<String> {
        finding_codes(&HouseholdCancellation, app)
    }

    #[test]
    fn the_complete_fixture_passes() {
        assert_eq!(codes(&complete()), Vec::<String>::new());
        assert!(dictionary::unknown_keys(&HouseholdCancellation.manifest()).is_empty());
    }

    #[test]
    fn the_register_is_required_and_late_reports_noted() {
        let app = complete().without_material("deceased-household-register");
        assert_eq!(codes(&app), ["material.missing"]);
        let app = complete().with_field("deceased.death-date", "2026-09-01");
        assert_eq!(codes(&app), ["household.late-report"]);
    }
}
