//! 城乡居民基本医疗保险参保登记 (红旗区医疗保障局) for a newborn.

use lianban_sdk::dictionary::{self, field, material};
use lianban_sdk::prelude::*;

const JOINT_ONE_THING: &str = "newborn";
const BANK_DEBIT: &str = "银行代扣";
/// Enrolled and paid within this many days of birth, cover starts on the day of birth.
const COVER_FROM_BIRTH_DAYS: i64 = 90;

#[derive(Default)]
pub struct ResidentMedicalInsurance;

impl Rules for ResidentMedicalInsurance {
    fn manifest(&self) -> Manifest {
        use Requirement::Always;
        let stand_alone = || dictionary::from_prerequisite("前置事项结果");
        Manifest {
            matter: "resident-medical-insurance".into(),
            name: "城乡居民基本医疗保险参保登记".into(),
            department: "medical-insurance".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            legal_days: 5,
            promised_days: 1,
            fields: [
                dictionary::applicant_fields(),
                vec![
                    field("child.name", Always),
                    field("child.sex", Always),
                    field("child.birth-date", Always),
                    field("household.address", Always),
                    field("insurance.payment", Always),
                    field(
                        "insurance.bank-account",
                        Requirement::Conditional("选择银行代扣缴费时".into()),
                    ),
                ],
            ]
            .concat(),
            materials: vec![
                material("birth-medical-certificate", stand_alone()),
                material("household-register", stand_alone()),
            ]
            .into_iter()
            .chain(dictionary::agent_materials())
            .collect(),
            review_points: vec![
                "新生儿已完成出生登记（在一件事中由出生登记结果确认）".into(),
                "出生 90 日内参保缴费的，自出生之日起享受医保待遇".into(),
                "选择银行代扣的，代扣账号有效".into(),
            ],
            basis: vec![
                "《中华人民共和国社会保险法》第二十五条".into(),
                "城乡居民基本医疗保险新生儿参保缴费政策".into(),
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
        if app.is("insurance.payment", BANK_DEBIT) {
            match app.field("insurance.bank-account") {
                None => findings.extend(standard::require_field(
                    manifest,
                    "insurance.bank-account",
                    app,
                )),
                Some(account) => {
                    let digits = account
                        .chars()
                        .filter(|c| !c.is_whitespace())
                        .collect::<String>();
                    if !(12..=30).contains(&digits.len())
                        || !digits.bytes().all(|b| b.is_ascii_digit())
                    {
                        findings.push(findings::invalid_field_by_key(
                            "insurance.bank-account",
                            "代扣银行账号",
                            "应为 12 至 30 位数字",
                        ));
                    }
                }
            }
        }
        if let Some(birth) = app
            .field("child.birth-date")
            .and_then(|d| d.parse::<Date>().ok())
        {
            let age_days = birth.days_until(app.today);
            if age_days < 0 {
                findings.push(findings::invalid_field_by_key(
                    "child.birth-date",
                    "新生儿出生日期",
                    "晚于今天",
                ));
            } else if age_days > COVER_FROM_BIRTH_DAYS {
                findings.push(
                    Finding::advisory(
                        Subject::Application,
                        "insurance.after-90-days",
                        format!("新生儿出生已 {age_days} 天，超过 90 天，医保待遇自缴费次日起享受，出生以来的医疗费用不能报销"),
                    )
                    .remedy("请尽快完成参保缴费"),
                );
            }
        }
        if let Some(address) = app.field("household.address")
            && !address.contains("新乡市")
        {
            findings.push(Finding::advisory(
                Subject::Field("household.address".into()),
                "insurance.not-local",
                "户籍不在新乡市的，可凭居住证在居住地参加城乡居民医保",
            ));
        }
        Ok(findings)
    }
}

lianban_world_v0_1::export_rules!(ResidentMedicalInsurance);

#[cfg(test)]
mod tests {
    use lianban_sdk::testing::{finding_codes, fixture};

    use super::*;

    const COMPLETE: &str = include_str!("../../fixtures/newborn-window-complete.json");

    fn complete() -> Application {
        fixture(
            COMPLETE,
            "resident-medical-insurance",
            Date::ymd(2026, 11, 27),
        )
    }

    fn codes(app: &Application) -> Vec<String> {
        finding_codes(&ResidentMedicalInsurance, app)
    }

    #[test]
    fn the_complete_fixture_passes() {
        assert_eq!(codes(&complete()), Vec::<String>::new());
        assert!(dictionary::unknown_keys(&ResidentMedicalInsurance.manifest()).is_empty());
    }

    #[test]
    fn bank_debit_needs_a_valid_account() {
        let app = complete().with_field("insurance.payment", "银行代扣");
        assert_eq!(codes(&app), ["field.missing"]);
        let app = app.with_field("insurance.bank-account", "6222 0212 345");
        assert_eq!(codes(&app), ["field.invalid"]);
        let app = app.with_field("insurance.bank-account", "6222 0212 3456 7890 123");
        assert_eq!(codes(&app), Vec::<String>::new());
    }

    #[test]
    fn after_ninety_days_cover_starts_later() {
        let app = complete().with_field("child.birth-date", "2026-08-29");
        assert_eq!(codes(&app), Vec::<String>::new());
        let app = complete().with_field("child.birth-date", "2026-08-28");
        assert_eq!(codes(&app), ["insurance.after-90-days"]);
    }

    #[test]
    fn stand_alone_needs_birth_certificate_and_register() {
        let mut app = complete().without_material("household-register");
        app.one_thing = "insurance-only".into();
        assert_eq!(codes(&app), ["material.missing", "material.missing"]);
    }
}
