//! 社会保障卡申领 (红旗区人力资源和社会保障局) for a newborn, applied for by a guardian.

use lianban_sdk::dictionary::{self, field, material};
use lianban_sdk::prelude::*;

const JOINT_ONE_THING: &str = "newborn";
const BY_MAIL: &str = "邮寄到家";

#[derive(Default)]
pub struct SocialSecurityCard;

impl Rules for SocialSecurityCard {
    fn manifest(&self) -> Manifest {
        use Requirement::Always;
        let stand_alone = || dictionary::from_prerequisite("前置事项结果");
        Manifest {
            matter: "social-security-card".into(),
            name: "社会保障卡申领".into(),
            department: "hrss".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            legal_days: 20,
            promised_days: 5,
            fields: [
                dictionary::applicant_fields(),
                vec![
                    field("child.name", Always),
                    field("child.sex", Always),
                    field("child.birth-date", Always),
                    field("mother.id-number", Always),
                    field("father.id-number", Requirement::Optional),
                    field("card.bank", Always),
                    field("card.delivery", Always),
                    field(
                        "card.mailing-address",
                        Requirement::Conditional("选择邮寄到家时".into()),
                    ),
                ],
            ]
            .concat(),
            materials: vec![
                material("birth-medical-certificate", stand_alone()),
                material("household-register", stand_alone()),
                material("child-photo", Requirement::Optional),
            ]
            .into_iter()
            .chain(dictionary::agent_materials())
            .collect(),
            review_points: vec![
                "本人办理的，申请人为新生儿的父亲或母亲（监护人）".into(),
                "16 周岁以下可不采集照片".into(),
                "选择邮寄的，邮寄地址完整".into(),
            ],
            basis: vec!["《中华人民共和国社会保险法》第五十八条".into()],
        }
    }

    fn check_materials(
        &self,
        app: &Application,
        _host: &dyn Host,
    ) -> Result<Vec<Finding>, RuleError> {
        let manifest = self.cached_manifest();
        let mut findings = standard::check_materials(manifest, app);
        findings.extend(dictionary::require_unless_in(
            JOINT_ONE_THING,
            manifest,
            app,
            &["birth-medical-certificate", "household-register"],
            &[],
        ));
        findings.extend(dictionary::check_agent(manifest, app));
        Ok(findings)
    }

    fn review_form(&self, app: &Application, _host: &dyn Host) -> Result<Vec<Finding>, RuleError> {
        let manifest = self.cached_manifest();
        let mut findings = standard::review_form(manifest, app);
        if app.is("card.delivery", BY_MAIL) {
            findings.extend(standard::require_field(
                manifest,
                "card.mailing-address",
                app,
            ));
        }
        // A child's card is applied for by a guardian: in person that is a parent.
        if app.is(dictionary::APPLICANT_ROLE, dictionary::ROLE_SELF) {
            let same = |key: &str| {
                app.field(key)
                    .zip(app.field(dictionary::APPLICANT_ID_NUMBER))
                    .is_some_and(|(a, b)| a.eq_ignore_ascii_case(b))
            };
            if app.field(dictionary::APPLICANT_ID_NUMBER).is_some()
                && !same("mother.id-number")
                && !same("father.id-number")
            {
                findings.push(
                    Finding::blocking(
                        Subject::Field(dictionary::APPLICANT_ID_NUMBER.into()),
                        "applicant.not-guardian",
                        "本人办理时，申请人应为新生儿的父亲或母亲",
                    )
                    .remedy("由父母本人申请，或选择“委托代办”并提交授权委托书"),
                );
            }
        }
        Ok(findings)
    }
}

lianban_world_v0_1::export_rules!(SocialSecurityCard);

#[cfg(test)]
mod tests {
    use lianban_sdk::testing::{finding_codes, fixture, official_calendar};

    use super::*;

    const COMPLETE: &str = include_str!("../../fixtures/newborn-window-complete.json");

    fn complete() -> Application {
        fixture(COMPLETE, "social-security-card", Date::ymd(2026, 11, 27))
    }

    fn codes(app: &Application) -> Vec<String> {
        finding_codes(&SocialSecurityCard, app)
    }

    #[test]
    fn the_complete_fixture_passes() {
        assert_eq!(codes(&complete()), Vec::<String>::new());
        assert!(dictionary::unknown_keys(&SocialSecurityCard.manifest()).is_empty());
    }

    #[test]
    fn mail_needs_an_address() {
        let app = complete().with_field("card.delivery", "邮寄到家");
        assert_eq!(codes(&app), ["field.missing"]);
    }

    #[test]
    fn only_a_parent_applies_in_person() {
        let app = complete().with_field("applicant.id-number", "410702196010100019");
        assert_eq!(codes(&app), ["applicant.not-guardian"]);
        // The father applying is fine.
        let app = complete().with_field("applicant.id-number", "410702199001010015");
        assert_eq!(codes(&app), Vec::<String>::new());
    }

    #[test]
    fn five_working_days_across_national_day() {
        let d = SocialSecurityCard
            .deadline(&complete(), Date::ymd(2026, 9, 30), &official_calendar())
            .unwrap();
        assert_eq!(d.due, Date::ymd(2026, 10, 13));
        assert_eq!(d.working_days, 5);
    }
}
