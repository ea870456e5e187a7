//! 出生医学证明签发 (红旗区卫生健康委员会): the first matter of 新生儿出生一件事. Its result
//! is the certificate the later matters (出生登记, 医保参保, 社保卡) rely on.

use lianban_sdk::dictionary::{self, field, material};
use lianban_sdk::prelude::*;

const JOINT: &str = "新生儿出生一件事";

#[derive(Default)]
pub struct BirthMedicalCertificate;

fn father_condition() -> Requirement {
    Requirement::Conditional("出生医学证明上登记父亲信息时".into())
}

impl Rules for BirthMedicalCertificate {
    fn manifest(&self) -> Manifest {
        use Requirement::Always;
        Manifest {
            matter: "birth-medical-certificate".into(),
            name: "出生医学证明签发".into(),
            department: "health".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            legal_days: 5,
            promised_days: 1,
            fields: [
                dictionary::applicant_fields(),
                vec![
                    field("child.name", Always),
                    field("child.sex", Always),
                    field("child.birth-date", Always),
                    field("child.birth-place", Always),
                    field("child.weight-grams", Always),
                    field("child.gestational-weeks", Always),
                    field("mother.name", Always),
                    field("mother.id-number", Always),
                    field("father.name", father_condition()),
                    field("father.id-number", father_condition()),
                ],
            ]
            .concat(),
            materials: vec![
                material("birth-record", Always),
                material("mother-id-card", Always),
                material("father-id-card", father_condition()),
            ]
            .into_iter()
            .chain(dictionary::agent_materials())
            .collect(),
            review_points: vec![
                "新生儿在本区助产机构出生，出生信息登记表由助产机构出具且与申请信息一致".into(),
                "母亲身份证件真实有效，与申请表一致；登记父亲信息的，父亲身份证件同样核验".into(),
                "新生儿出生日期、体重、孕周等医学信息合理".into(),
                format!("“{JOINT}”面向出生一年以内的新生儿"),
            ],
            basis: vec![
                "《中华人民共和国母婴保健法》第二十三条".into(),
                "国家卫生健康委《出生医学证明》管理有关规定".into(),
            ],
        }
    }

    fn review_form(&self, app: &Application, _host: &dyn Host) -> Result<Vec<Finding>, RuleError> {
        let manifest = self.cached_manifest();
        let mut findings = standard::review_form(manifest, app);
        let today = app.today;

        if let Some(name) = app.field("child.name")
            && let Err(reason) = validate::check_person_name(name)
        {
            findings.push(findings::invalid_field_by_key(
                "child.name",
                "新生儿姓名",
                &reason,
            ));
        }
        let birth = app
            .field("child.birth-date")
            .and_then(|d| d.parse::<Date>().ok());
        if let Some(birth) = birth {
            if birth > today {
                findings.push(findings::invalid_field_by_key(
                    "child.birth-date",
                    "新生儿出生日期",
                    "晚于今天",
                ));
            } else if birth.full_years_on(today) >= 1 {
                findings.push(
                    Finding::blocking(
                        Subject::Application,
                        "child.not-newborn",
                        format!("新生儿已满一周岁，不属于“{JOINT}”的办理范围"),
                    )
                    .remedy("请到出生的助产机构单独申请出生医学证明"),
                );
            }
        }
        if let Some(w) = app
            .field("child.weight-grams")
            .and_then(|v| validate::parse_integer(v).ok())
            && !(300..=8_000).contains(&w)
        {
            findings.push(findings::invalid_field_by_key(
                "child.weight-grams",
                "出生体重（克）",
                &format!("{w} 克超出合理范围（300 至 8000 克），请核对单位是否为克"),
            ));
        }
        if let Some(weeks) = app
            .field("child.gestational-weeks")
            .and_then(|v| validate::parse_integer(v).ok())
            && !(20..=45).contains(&weeks)
        {
            findings.push(findings::invalid_field_by_key(
                "child.gestational-weeks",
                "出生孕周",
                &format!("{weeks} 周超出合理范围（20 至 45 周）"),
            ));
        }
        findings.extend(parent_checks(app, birth));

        // Father's information comes as a pair: a name without a number cannot be printed.
        if app.field("father.name").is_some() || app.field("father.id-number").is_some() {
            findings.extend(standard::require_field(manifest, "father.name", app));
            findings.extend(standard::require_field(manifest, "father.id-number", app));
        }
        findings.extend(dictionary::check_holder(
            app,
            "mother-id-card",
            "母亲居民身份证",
            "mother.id-number",
        ));
        findings.extend(dictionary::check_holder(
            app,
            "father-id-card",
            "父亲居民身份证",
            "father.id-number",
        ));
        Ok(findings)
    }

    fn check_materials(
        &self,
        app: &Application,
        _host: &dyn Host,
    ) -> Result<Vec<Finding>, RuleError> {
        let manifest = self.cached_manifest();
        let mut findings = standard::check_materials(manifest, app);
        if app.field("father.id-number").is_some() {
            findings.extend(standard::require_material(manifest, "father-id-card", app));
        }
        findings.extend(dictionary::check_agent(manifest, app));

        // The delivery record must describe this child and this mother.
        if let Some(record) = app.material("birth-record") {
            let name = "新生儿出生信息登记表";
            if let (Some(on_record), Some(on_form)) = (
                record.attribute("child.birth-date"),
                app.field("child.birth-date"),
            ) && on_record != on_form
            {
                findings.push(findings::material_mismatch(
                    "birth-record",
                    name,
                    &format!("登记表上的出生日期为 {on_record}，申请表填写为 {on_form}"),
                ));
            }
            if let (Some(on_record), Some(on_form)) = (
                record.attribute("mother.id-number"),
                app.field("mother.id-number"),
            ) && !on_record.eq_ignore_ascii_case(on_form)
            {
                findings.push(findings::material_mismatch(
                    "birth-record",
                    name,
                    "登记表上的母亲公民身份号码与申请表不一致",
                ));
            }
        }
        Ok(findings)
    }
}

/// The mother must be a woman old enough to have given birth on that day; the father a man.
fn parent_checks(app: &Application, birth: Option<Date>) -> Vec<Finding> {
    let mut findings = Vec::new();
    let parse = |key| {
        app.field(key)
            .and_then(|v| validate::parse_id_number(v, app.today).ok())
    };
    if let Some(mother) = parse("mother.id-number") {
        if mother.sex != validate::Sex::Female {
            findings.push(findings::invalid_field_by_key(
                "mother.id-number",
                "母亲公民身份号码",
                "号码显示为男性，请核对是否填反了父母信息",
            ));
        }
        if let Some(birth) = birth
            && mother.birth_date.full_years_on(birth) < 12
        {
            findings.push(findings::invalid_field_by_key(
                "mother.id-number",
                "母亲公民身份号码",
                "号码中的出生日期与新生儿出生日期不符合常理，请核对",
            ));
        }
    }
    if let Some(father) = parse("father.id-number")
        && father.sex != validate::Sex::Male
    {
        findings.push(findings::invalid_field_by_key(
            "father.id-number",
            "父亲公民身份号码",
            "号码显示为女性，请核对是否填反了父母信息",
        ));
    }
    findings
}

lianban_world_v0_1::export_rules!(BirthMedicalCertificate);

#[cfg(test)]
mod tests {
    use lianban_sdk::testing::{fixture, official_calendar};

    use super::*;

    const COMPLETE: &str = include_str!("../../fixtures/newborn-window-complete.json");

    fn today() -> Date {
        Date::ymd(2026, 11, 27)
    }

    fn complete() -> Application {
        fixture(COMPLETE, "birth-medical-certificate", today())
    }

    fn codes(app: &Application) -> Vec<(String, Subject)> {
        lianban_sdk::precheck(&BirthMedicalCertificate, app, &official_calendar())
            .unwrap()
            .into_iter()
            .map(|f| (f.code, f.subject))
            .collect()
    }

    #[test]
    fn the_complete_fixture_passes() {
        assert_eq!(codes(&complete()), vec![]);
    }

    #[test]
    fn every_key_is_in_the_dictionary() {
        assert_eq!(
            dictionary::unknown_keys(&BirthMedicalCertificate.manifest()),
            Vec::<String>::new()
        );
    }

    #[test]
    fn missing_delivery_record_and_mother_card() {
        let app = complete()
            .without_material("birth-record")
            .without_material("mother-id-card");
        assert_eq!(
            codes(&app),
            vec![
                (
                    "material.missing".into(),
                    Subject::Material("birth-record".into())
                ),
                (
                    "material.missing".into(),
                    Subject::Material("mother-id-card".into())
                ),
            ]
        );
    }

    #[test]
    fn a_child_over_one_year_is_not_a_newborn() {
        let app = complete()
            .with_field("child.birth-date", "2025-11-26")
            .with_material(
                Material::new("birth-record", MaterialForm::Original)
                    .with_attribute("child.birth-date", "2025-11-26")
                    .with_attribute("mother.id-number", "410702199205050027"),
            );
        assert_eq!(
            codes(&app),
            vec![("child.not-newborn".into(), Subject::Application)]
        );
        // One day younger is still within the first year.
        let app = app
            .with_field("child.birth-date", "2025-11-28")
            .with_material(
                Material::new("birth-record", MaterialForm::Original)
                    .with_attribute("child.birth-date", "2025-11-28")
                    .with_attribute("mother.id-number", "410702199205050027"),
            );
        assert_eq!(codes(&app), vec![]);
    }

    #[test]
    fn parents_swapped_are_caught() {
        let app = complete()
            .with_field("mother.id-number", "410702199001010015")
            .with_field("father.id-number", "410702199205050027");
        let found = codes(&app);
        assert!(found.contains(&(
            "field.invalid".into(),
            Subject::Field("mother.id-number".into())
        )));
        assert!(found.contains(&(
            "field.invalid".into(),
            Subject::Field("father.id-number".into())
        )));
        // The identity cards no longer match the numbers either.
        assert!(found.contains(&(
            "material.mismatch".into(),
            Subject::Material("mother-id-card".into())
        )));
    }

    #[test]
    fn delivery_record_must_match_the_form() {
        let app = complete().with_material(
            Material::new("birth-record", MaterialForm::Original)
                .with_attribute("child.birth-date", "2026-11-19")
                .with_attribute("mother.id-number", "410702199205050027"),
        );
        assert_eq!(
            codes(&app),
            vec![(
                "material.mismatch".into(),
                Subject::Material("birth-record".into())
            )]
        );
    }

    #[test]
    fn implausible_weight_and_weeks() {
        let app = complete()
            .with_field("child.weight-grams", "3.2")
            .with_field("child.gestational-weeks", "60");
        let found = codes(&app);
        assert!(found.contains(&(
            "field.invalid".into(),
            Subject::Field("child.weight-grams".into())
        )));
        assert!(found.contains(&(
            "field.invalid".into(),
            Subject::Field("child.gestational-weeks".into())
        )));
    }

    #[test]
    fn father_name_without_number_needs_both_and_the_card() {
        let app = complete().without_field("father.id-number");
        let found = codes(&app);
        assert!(found.contains(&(
            "field.missing".into(),
            Subject::Field("father.id-number".into())
        )));
        // Without a father at all, nothing about him is asked.
        let app = complete()
            .without_field("father.id-number")
            .without_field("father.name")
            .without_material("father-id-card");
        assert_eq!(codes(&app), vec![]);
    }

    #[test]
    fn an_agent_needs_authorisation() {
        let app = complete().with_field("applicant.role", "委托代办");
        let found = codes(&app);
        assert!(found.contains(&(
            "material.missing".into(),
            Subject::Material("power-of-attorney".into())
        )));
        assert!(found.contains(&(
            "material.missing".into(),
            Subject::Material("agent-id-card".into())
        )));
    }

    #[test]
    fn decision_due_next_working_day() {
        let d = BirthMedicalCertificate
            .deadline(&complete(), Date::ymd(2026, 9, 30), &official_calendar())
            .unwrap();
        assert_eq!(d.due, Date::ymd(2026, 10, 8));
    }
}
