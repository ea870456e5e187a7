//! 火化证明 (红旗区民政局, by the funeral home): cremation on the strength of the death
//! certificate (《殡葬管理条例》).

use lianban_sdk::dictionary::{self, field, material};
use lianban_sdk::prelude::*;

const JOINT_ONE_THING: &str = "bereavement";

#[derive(Default)]
pub struct CremationCertificate;

impl Rules for CremationCertificate {
    fn manifest(&self) -> Manifest {
        use Requirement::Always;
        Manifest {
            matter: "cremation-certificate".into(),
            name: "火化证明".into(),
            department: "civil-affairs".into(),
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
                    field("cremation.funeral-home", Always),
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
            ]
            .into_iter()
            .chain(dictionary::agent_materials())
            .collect(),
            review_points: vec![
                "凭死亡医学证明或公安机关出具的死亡证明火化".into(),
                "火化后出具火化证明，供户口注销和待遇办理使用".into(),
            ],
            basis: vec!["《殡葬管理条例》".into()],
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
        Ok(findings)
    }

    fn review_form(&self, app: &Application, _host: &dyn Host) -> Result<Vec<Finding>, RuleError> {
        let mut findings = standard::review_form(self.cached_manifest(), app);
        findings.extend(dictionary::check_death_date(app));
        Ok(findings)
    }
}

lianban_world_v0_1::export_rules!(CremationCertificate);

#[cfg(test)]
mod tests {
    use lianban_sdk::testing::{finding_codes, fixture};

    use super::*;

    const COMPLETE: &str = include_str!("../../fixtures/bereavement-window-complete.json");

    fn complete() -> Application {
        fixture(COMPLETE, "cremation-certificate", Date::ymd(2026, 11, 27))
    }

    fn codes(app: &Application) -> Vec<String> {
        finding_codes(&CremationCertificate, app)
    }

    #[test]
    fn the_complete_fixture_passes() {
        assert_eq!(codes(&complete()), Vec::<String>::new());
        assert!(dictionary::unknown_keys(&CremationCertificate.manifest()).is_empty());
    }

    #[test]
    fn an_unnatural_death_needs_the_police_proof() {
        let app = complete().with_field("deceased.death-kind", dictionary::UNNATURAL);
        assert_eq!(codes(&app), ["material.missing"]);
        let app = app.with_material(Material::new("police-death-proof", MaterialForm::Original));
        assert_eq!(codes(&app), Vec::<String>::new());
    }
}
