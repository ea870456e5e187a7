//! 预防接种证办理 (红旗区疾病预防控制中心). 《中华人民共和国疫苗管理法》第四十七条: a child's
//! guardian obtains the vaccination certificate within one month of birth, from the
//! vaccination unit where the child lives or from the birth hospital.

use lianban_sdk::dictionary::{self, field, material};
use lianban_sdk::prelude::*;

/// In the joint one-thing the birth certificate reaches this matter as the result of its
/// prerequisite; only a stand-alone application must bring it.
const JOINT_ONE_THING: &str = "newborn";

#[derive(Default)]
pub struct VaccinationCertificate;

impl Rules for VaccinationCertificate {
    fn manifest(&self) -> Manifest {
        use Requirement::Always;
        Manifest {
            matter: "vaccination-certificate".into(),
            name: "预防接种证办理".into(),
            department: "cdc".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            legal_days: 5,
            promised_days: 1,
            fields: [
                dictionary::applicant_fields(),
                vec![
                    field("child.name", Always),
                    field("child.sex", Always),
                    field("child.birth-date", Always),
                    field("residence.address", Always),
                    field("vaccination.clinic", Always),
                ],
            ]
            .concat(),
            materials: vec![
                material("vaccination-record", Always),
                material(
                    "birth-medical-certificate",
                    dictionary::from_prerequisite("出生医学证明签发结果"),
                ),
            ]
            .into_iter()
            .chain(dictionary::agent_materials())
            .collect(),
            review_points: vec![
                "儿童居住在本区，选择的接种单位为居住地接种单位".into(),
                "出生时首针乙肝疫苗、卡介苗接种记录齐全".into(),
                "出生一个月内办理；逾期的提醒监护人尽快办理并补种".into(),
            ],
            basis: vec![
                "《中华人民共和国疫苗管理法》第四十七条".into(),
                "《预防接种工作规范》".into(),
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
            &["birth-medical-certificate"],
        ))
    }

    fn review_form(&self, app: &Application, host: &dyn Host) -> Result<Vec<Finding>, RuleError> {
        let mut findings = standard::review_form(self.cached_manifest(), app);
        if let Some(birth) = app
            .field("child.birth-date")
            .and_then(|d| d.parse::<Date>().ok())
        {
            let months = birth.full_months_on(app.today);
            host.log(LogLevel::Debug, &format!("child is {months} months old"));
            if birth > app.today {
                findings.push(findings::invalid_field_by_key(
                    "child.birth-date",
                    "新生儿出生日期",
                    "晚于今天",
                ));
            } else if months >= 72 {
                findings.push(
                    Finding::blocking(
                        Subject::Application,
                        "child.too-old",
                        "儿童已满六周岁，不再新办预防接种证",
                    )
                    .remedy("如需查验或补办接种记录，请到居住地接种单位办理"),
                );
            } else if months >= 1 {
                findings.push(
                    Finding::advisory(
                        Subject::Application,
                        "vaccination.late",
                        "儿童出生已超过一个月，超出《疫苗管理法》规定的办证时间",
                    )
                    .remedy("请尽快办理，并按接种单位通知补种应种疫苗"),
                );
            }
        }
        if let Some(address) = app.field("residence.address")
            && !address.contains("红旗区")
        {
            findings.push(
                Finding::advisory(
                    Subject::Field("residence.address".into()),
                    "residence.outside-district",
                    "现居住地不在红旗区，预防接种证应由居住地接种单位办理",
                )
                .remedy("居住在外区的，可到居住地接种单位办理；也可继续在此申请后转移接种档案"),
            );
        }
        Ok(findings)
    }
}

lianban_world_v0_1::export_rules!(VaccinationCertificate);

#[cfg(test)]
mod tests {
    use lianban_sdk::testing::{fixture, official_calendar};

    use super::*;

    const COMPLETE: &str = include_str!("../../fixtures/newborn-window-complete.json");

    fn complete() -> Application {
        fixture(COMPLETE, "vaccination-certificate", Date::ymd(2026, 11, 27))
    }

    fn codes(app: &Application) -> Vec<(String, Severity)> {
        lianban_sdk::precheck(&VaccinationCertificate, app, &official_calendar())
            .unwrap()
            .into_iter()
            .map(|f| (f.code, f.severity))
            .collect()
    }

    #[test]
    fn the_complete_fixture_passes() {
        assert_eq!(codes(&complete()), vec![]);
        assert!(dictionary::unknown_keys(&VaccinationCertificate.manifest()).is_empty());
    }

    #[test]
    fn after_one_month_is_late_but_not_refused() {
        let app = complete().with_field("child.birth-date", "2026-10-26");
        assert_eq!(
            codes(&app),
            vec![("vaccination.late".into(), Severity::Advisory)]
        );
        let app = complete().with_field("child.birth-date", "2026-10-28");
        assert_eq!(codes(&app), vec![]);
    }

    #[test]
    fn from_six_years_no_new_certificate() {
        let app = complete().with_field("child.birth-date", "2020-11-27");
        assert_eq!(
            codes(&app),
            vec![("child.too-old".into(), Severity::Blocking)]
        );
    }

    #[test]
    fn stand_alone_needs_the_birth_certificate() {
        let mut app = complete();
        app.one_thing = "vaccination-only".into();
        assert_eq!(
            codes(&app),
            vec![("material.missing".into(), Severity::Blocking)]
        );
        let app = app.with_material(Material::new(
            "birth-medical-certificate",
            MaterialForm::Elicense,
        ));
        assert_eq!(codes(&app), vec![]);
    }

    #[test]
    fn first_dose_record_is_required_and_outside_residents_are_told() {
        let app = complete()
            .without_material("vaccination-record")
            .with_field("residence.address", "河南省新乡市卫滨区某路 1 号");
        assert_eq!(
            codes(&app),
            vec![
                ("material.missing".into(), Severity::Blocking),
                ("residence.outside-district".into(), Severity::Advisory)
            ]
        );
    }
}
