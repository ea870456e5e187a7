//! 居民死亡医学证明（推断）书签发 (红旗区卫生健康委员会): the medical institution certifies a
//! death it attended (国卫规划发〔2013〕57号). A death that was not natural is certified by the
//! police, not here.

use lianban_sdk::dictionary::{self, field, material};
use lianban_sdk::prelude::*;

#[derive(Default)]
pub struct DeathMedicalCertificate;

impl Rules for DeathMedicalCertificate {
    fn manifest(&self) -> Manifest {
        use Requirement::Always;
        Manifest {
            matter: "death-medical-certificate".into(),
            name: "居民死亡医学证明（推断）书签发".into(),
            department: "health".into(),
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
                    field("deceased.death-place", Always),
                    field("deceased.death-kind", Always),
                ],
            ]
            .concat(),
            materials: vec![material("deceased-id-card", Always)]
                .into_iter()
                .chain(dictionary::agent_materials())
                .collect(),
            review_points: vec![
                "由救治或确认死亡的医疗卫生机构出具".into(),
                "非正常死亡或无法确定死因的，由公安机关出具死亡证明".into(),
            ],
            basis: vec![
                "《关于进一步规范人口死亡医学证明和信息登记管理工作的通知》（国卫规划发〔2013〕57号）"
                    .into(),
            ],
        }
    }

    fn check_materials(
        &self,
        app: &Application,
        _host: &dyn Host,
    ) -> Result<Vec<Finding>, RuleError> {
        let manifest = self.cached_manifest();
        let mut findings = standard::check_materials(manifest, app);
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
        if app.is("deceased.death-kind", dictionary::UNNATURAL) {
            findings.push(
                Finding::blocking(
                    Subject::Field("deceased.death-kind".into()),
                    "death.unnatural",
                    "非正常死亡的，死亡证明由公安机关出具，医疗机构不出具死亡医学证明",
                )
                .remedy("向公安机关申请出具死亡证明，凭公安机关的死亡证明办理后续事项"),
            );
        }
        Ok(findings)
    }
}

lianban_world_v0_1::export_rules!(DeathMedicalCertificate);

#[cfg(test)]
mod tests {
    use lianban_sdk::testing::{finding_codes, fixture};

    use super::*;

    const COMPLETE: &str = include_str!("../../fixtures/bereavement-window-complete.json");

    fn complete() -> Application {
        fixture(
            COMPLETE,
            "death-medical-certificate",
            Date::ymd(2026, 11, 27),
        )
    }

    fn codes(app: &Application) -> Vec<String> {
        finding_codes(&DeathMedicalCertificate, app)
    }

    #[test]
    fn the_complete_fixture_passes() {
        assert_eq!(codes(&complete()), Vec::<String>::new());
        assert!(dictionary::unknown_keys(&DeathMedicalCertificate.manifest()).is_empty());
    }

    #[test]
    fn death_dates_are_checked_against_today_and_birth() {
        let app = complete().with_field("deceased.death-date", "2026-11-28");
        assert_eq!(codes(&app), ["death.date-future"]);
        let app = complete().with_field("deceased.death-date", "1941-01-01");
        assert_eq!(codes(&app), ["death.before-birth"]);
    }

    #[test]
    fn an_unnatural_death_goes_to_the_police() {
        let app = complete().with_field("deceased.death-kind", dictionary::UNNATURAL);
        assert_eq!(codes(&app), ["death.unnatural"]);
    }
}
