//! 出生登记 (新乡市公安局红旗分局): registering the newborn in a parent's household
//! (《中华人民共和国户口登记条例》第七条).
//!
//! Built for rules API 0.2.0: the parents' identity cards, their 结婚证 and (outside the
//! one-thing) the 出生医学证明 are looked up as electronic certificates, and the applicant need
//! not bring the paper when they are found (免提交).

use lianban_sdk::dictionary::{self, field, material};
use lianban_sdk::prelude::*;

const JOINT_ONE_THING: &str = "newborn";
const WITH_FATHER: &str = "随父落户";

/// Attribute of a household register: the id numbers of everyone on it, comma-separated.
const MEMBERS: &str = "member.id-numbers";

#[derive(Default)]
pub struct BirthRegistration;

impl Rules for BirthRegistration {
    fn manifest(&self) -> Manifest {
        use Requirement::Always;
        let father = || Requirement::Conditional("随父落户，或父母以夫妻名义共同申请时".into());
        Manifest {
            matter: "birth-registration".into(),
            name: "出生登记".into(),
            department: "public-security".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            legal_days: 10,
            promised_days: 1,
            fields: [
                dictionary::applicant_fields(),
                vec![
                    field("child.name", Always),
                    field("child.sex", Always),
                    field("child.birth-date", Always),
                    field("child.birth-place", Always),
                    field("child.ethnicity", Always),
                    field("mother.name", Always),
                    field("mother.id-number", Always),
                    field("father.name", father()),
                    field("father.id-number", father()),
                    field("parents.married", Always),
                    field("registration.with", Always),
                    field("household.address", Always),
                    field("household.head-name", Always),
                ],
            ]
            .concat(),
            materials: vec![
                material(
                    "birth-medical-certificate",
                    dictionary::from_prerequisite("出生医学证明签发结果"),
                ),
                material("household-register", Always),
                material("mother-id-card", Always),
                material("father-id-card", father()),
                material(
                    "marriage-certificate",
                    Requirement::Conditional("父母以夫妻名义共同申请时".into()),
                ),
                material(
                    "paternity-test",
                    Requirement::Conditional("非婚生育且随父落户时".into()),
                ),
            ]
            .into_iter()
            .chain(dictionary::agent_materials())
            .collect(),
            review_points: vec![
                "婴儿出生后一个月内申报出生登记；逾期的照常登记".into(),
                "落户的父亲或母亲在所交户口簿上，落户地址在本辖区".into(),
                "父母以夫妻名义申请的，结婚证上的双方与父母身份信息一致".into(),
                "非婚生育随父落户的，提交亲子鉴定意见书".into(),
                "新生儿随父姓或者母姓；选取其他姓氏须符合《民法典》第一千零一十五条规定的情形"
                    .into(),
            ],
            basis: vec![
                "《中华人民共和国户口登记条例》第七条".into(),
                "《中华人民共和国民法典》第一千零一十五条".into(),
            ],
        }
    }

    fn capabilities(&self) -> Vec<Capability> {
        vec![Capability::Elicense]
    }

    fn exemptions(&self, app: &Application, host: &dyn Host) -> Result<Vec<Exemption>, RuleError> {
        // An identity card stands in for the paper when it is the same person by name too.
        let id_card = |material, id_field, name_field| {
            exempt_by_holder(host, app, material, "居民身份证", id_field, |c| {
                c.attribute("holder.name") == app.field(name_field)
            })
        };
        let mut exempt: Vec<Exemption> = [
            id_card("mother-id-card", "mother.id-number", "mother.name"),
            id_card("father-id-card", "father.id-number", "father.name"),
        ]
        .into_iter()
        .flatten()
        .collect();
        if app.flag("parents.married") == Some(true) {
            // Each spouse holds a 结婚证 naming the other: the mother's must name the father.
            exempt.extend(exempt_by_holder(
                host,
                app,
                "marriage-certificate",
                "结婚证",
                "mother.id-number",
                |c| {
                    let father = app.field("father.id-number").map(str::to_ascii_uppercase);
                    c.attribute("spouse.id-number").map(str::to_ascii_uppercase) == father
                },
            ));
        }
        if app.one_thing != JOINT_ONE_THING {
            // In the one-thing the certificate is the prerequisite's own result; alone, it is
            // found under the mother, for a child of this name and birth date.
            exempt.extend(exempt_by_holder(
                host,
                app,
                "birth-medical-certificate",
                "出生医学证明",
                "mother.id-number",
                |c| {
                    c.attribute("child.name") == app.field("child.name")
                        && c.attribute("child.birth-date") == app.field("child.birth-date")
                },
            ));
        }
        Ok(exempt)
    }

    fn check_materials(
        &self,
        app: &Application,
        _host: &dyn Host,
    ) -> Result<Vec<Finding>, RuleError> {
        let manifest = self.cached_manifest();
        let mut findings = standard::check_materials(manifest, app);
        let with_father = app.is("registration.with", WITH_FATHER);
        let married = app.flag("parents.married") == Some(true);
        findings.extend(dictionary::require_unless_in(
            JOINT_ONE_THING,
            manifest,
            app,
            &["birth-medical-certificate"],
            &[],
        ));
        if with_father || married {
            findings.extend(standard::require_material(manifest, "father-id-card", app));
        }
        if married {
            findings.extend(standard::require_material(
                manifest,
                "marriage-certificate",
                app,
            ));
        } else if with_father {
            findings.extend(standard::require_material(manifest, "paternity-test", app));
        }
        findings.extend(dictionary::check_agent(manifest, app));
        findings.extend(marriage_matches_parents(app));
        findings.extend(parent_on_register(app, with_father));
        Ok(findings)
    }

    fn review_form(&self, app: &Application, _host: &dyn Host) -> Result<Vec<Finding>, RuleError> {
        let manifest = self.cached_manifest();
        let mut findings = standard::review_form(manifest, app);
        if app.is("registration.with", WITH_FATHER) || app.flag("parents.married") == Some(true) {
            findings.extend(standard::require_field(manifest, "father.name", app));
            findings.extend(standard::require_field(manifest, "father.id-number", app));
        }
        if let Some(name) = app.field("child.name") {
            if let Err(reason) = validate::check_person_name(name) {
                findings.push(findings::invalid_field_by_key(
                    "child.name",
                    "新生儿姓名",
                    &reason,
                ));
            } else {
                findings.extend(surname_check(app, name));
            }
        }
        if let Some(birth) = app
            .field("child.birth-date")
            .and_then(|d| d.parse::<Date>().ok())
        {
            if birth > app.today {
                findings.push(findings::invalid_field_by_key(
                    "child.birth-date",
                    "新生儿出生日期",
                    "晚于今天",
                ));
            } else if birth.full_years_on(app.today) >= 1 {
                findings.push(
                    Finding::blocking(
                        Subject::Application,
                        "child.not-newborn",
                        "新生儿已满一周岁，不属于“新生儿出生一件事”的办理范围",
                    )
                    .remedy("请到户籍所在地派出所按补录户口办理"),
                );
            } else if birth.full_months_on(app.today) >= 1 {
                findings.push(Finding::advisory(
                    Subject::Application,
                    "registration.late",
                    "婴儿出生已超过一个月，属于逾期申报出生登记（《户口登记条例》第七条），可以照常办理",
                ));
            }
        }
        if let Some(address) = app.field("household.address")
            && !address.contains("红旗区")
        {
            findings.push(
                Finding::blocking(
                    Subject::Field("household.address".into()),
                    "household.outside-district",
                    "落户地址不在红旗区，出生登记由落户地户口登记机关办理",
                )
                .remedy("请向落户地所在区县的派出所申请，或核对落户地址"),
            );
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
}

/// 《民法典》第一千零一十五条: a child takes the father's or the mother's surname; other
/// surnames are possible in listed situations, so this is advice, not refusal. Compound
/// surnames are compared by their first character, which is enough to catch a slip.
fn surname_check(app: &Application, child: &str) -> Option<Finding> {
    let first = |s: &str| s.chars().next();
    let parents: Vec<char> = ["father.name", "mother.name"]
        .iter()
        .filter_map(|k| app.field(k).and_then(first))
        .collect();
    let own = first(child)?;
    (!parents.is_empty() && !parents.contains(&own)).then(|| {
        Finding::advisory(
            Subject::Field("child.name".into()),
            "child.surname",
            "新生儿姓氏与父母姓氏均不相同",
        )
        .remedy("子女原则上随父姓或者母姓；选取其他直系长辈血亲的姓氏等情形，请提交相应证明")
    })
}

/// The two people on the marriage certificate are the parents on the form.
fn marriage_matches_parents(app: &Application) -> Option<Finding> {
    if app.flag("parents.married") != Some(true) {
        return None;
    }
    let cert = app.material("marriage-certificate")?;
    let mut on_cert: Vec<String> = ["holder.id-number", "spouse.id-number"]
        .iter()
        .filter_map(|k| cert.attribute(k).map(str::to_ascii_uppercase))
        .collect();
    let mut on_form: Vec<String> = ["father.id-number", "mother.id-number"]
        .iter()
        .filter_map(|k| app.field(k).map(str::to_ascii_uppercase))
        .collect();
    if on_cert.len() < 2 || on_form.len() < 2 {
        return None;
    }
    on_cert.sort();
    on_form.sort();
    (on_cert != on_form).then(|| {
        findings::material_mismatch(
            "marriage-certificate",
            "结婚证",
            "结婚证上双方的公民身份号码与申请表中父母的不一致",
        )
    })
}

/// The parent the child registers with must be on the household register handed in.
fn parent_on_register(app: &Application, with_father: bool) -> Option<Finding> {
    let members = app.material("household-register")?.attribute(MEMBERS)?;
    let (key, who) = if with_father {
        ("father.id-number", "父亲")
    } else {
        ("mother.id-number", "母亲")
    };
    let parent = app.field(key)?.to_ascii_uppercase();
    let listed = members
        .split([',', '，', ' '])
        .any(|m| m.trim().eq_ignore_ascii_case(&parent));
    (!listed).then(|| {
        findings::material_mismatch(
            "household-register",
            "居民户口簿",
            &format!("选择随{who}落户，但所交户口簿上没有{who}"),
        )
    })
}

lianban_world_v0_2::export_rules!(BirthRegistration);

#[cfg(test)]
mod tests {
    use lianban_sdk::testing::{WithCertificates, fixture, official_calendar};

    use super::*;

    const COMPLETE: &str = include_str!("../../fixtures/newborn-window-complete.json");

    fn complete() -> Application {
        fixture(COMPLETE, "birth-registration", Date::ymd(2026, 11, 27))
    }

    fn codes(app: &Application) -> Vec<(String, Subject)> {
        lianban_sdk::precheck(&BirthRegistration, app, &official_calendar())
            .unwrap()
            .into_iter()
            .map(|f| (f.code, f.subject))
            .collect()
    }

    fn material(code: &str) -> Subject {
        Subject::Material(code.into())
    }

    #[test]
    fn the_complete_fixture_passes() {
        assert_eq!(codes(&complete()), vec![]);
        assert!(dictionary::unknown_keys(&BirthRegistration.manifest()).is_empty());
    }

    #[test]
    fn married_parents_need_the_marriage_certificate() {
        let app = complete().without_material("marriage-certificate");
        assert_eq!(
            codes(&app),
            vec![("material.missing".into(), material("marriage-certificate"))]
        );
    }

    #[test]
    fn marriage_certificate_must_name_both_parents() {
        let app = complete().with_material(
            Material::new("marriage-certificate", MaterialForm::Original)
                .with_attribute("holder.id-number", "410702199001010015")
                .with_attribute("spouse.id-number", "410702199512120021"),
        );
        assert_eq!(
            codes(&app),
            vec![("material.mismatch".into(), material("marriage-certificate"))]
        );
    }

    #[test]
    fn unmarried_with_father_needs_a_paternity_test_and_not_the_marriage_certificate() {
        let app = complete()
            .with_field("parents.married", "false")
            .without_material("marriage-certificate");
        assert_eq!(
            codes(&app),
            vec![("material.missing".into(), material("paternity-test"))]
        );
        let app = app.with_field("registration.with", "随母落户");
        assert_eq!(codes(&app), vec![]);
    }

    #[test]
    fn registering_with_mother_requires_her_on_the_register() {
        let app = complete()
            .with_field("registration.with", "随母落户")
            .with_material(
                Material::new("household-register", MaterialForm::Original)
                    .with_attribute("member.id-numbers", "410702199001010015"),
            );
        assert_eq!(
            codes(&app),
            vec![("material.mismatch".into(), material("household-register"))]
        );
        let app = app.with_material(
            Material::new("household-register", MaterialForm::Original).with_attribute(
                "member.id-numbers",
                "410702199001010015，410702199205050027",
            ),
        );
        assert_eq!(codes(&app), vec![]);
    }

    #[test]
    fn surname_outside_both_parents_is_advice() {
        let app = complete().with_field("child.name", "张小雨");
        let found = lianban_sdk::precheck(&BirthRegistration, &app, &official_calendar()).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].code, "child.surname");
        assert_eq!(found[0].severity, Severity::Advisory);
    }

    #[test]
    fn outside_the_district_is_refused_and_late_is_advised() {
        let app = complete().with_field("household.address", "河南省新乡市牧野区某路 1 号");
        assert_eq!(
            codes(&app),
            vec![(
                "household.outside-district".into(),
                Subject::Field("household.address".into())
            )]
        );
        let app = complete().with_field("child.birth-date", "2026-09-01");
        assert_eq!(
            codes(&app),
            vec![("registration.late".into(), Subject::Application)]
        );
    }

    #[test]
    fn stand_alone_needs_the_birth_certificate() {
        let mut app = complete();
        app.one_thing = "birth-registration-only".into();
        assert_eq!(
            codes(&app),
            vec![(
                "material.missing".into(),
                material("birth-medical-certificate")
            )]
        );
    }

    #[test]
    fn invalid_child_name_is_refused() {
        let app = complete().with_field("child.name", "王2");
        assert_eq!(
            codes(&app),
            vec![("field.invalid".into(), Subject::Field("child.name".into()))]
        );
    }

    fn certificate(kind: &str, holder: &str, attributes: &[(&str, &str)]) -> Certificate {
        Certificate {
            kind: kind.into(),
            number: format!("{kind}-{holder}"),
            holder: holder.into(),
            issuer: "新乡市红旗区".into(),
            issued_on: Some(Date::ymd(2018, 5, 20)),
            valid_until: None,
            attributes: attributes
                .iter()
                .map(|(k, v)| Field {
                    key: (*k).into(),
                    value: (*v).into(),
                })
                .collect(),
        }
    }

    const MOTHER: &str = "410702199205050027";
    const FATHER: &str = "410702199001010015";

    fn exempt(app: &Application, host: &WithCertificates) -> (Vec<String>, Vec<String>) {
        let review = lianban_sdk::review_materials(&BirthRegistration, app, host).unwrap();
        (
            review.findings.into_iter().map(|f| f.code).collect(),
            review.exempt.into_iter().map(|e| e.material).collect(),
        )
    }

    #[test]
    fn an_electronic_marriage_certificate_naming_the_father_spares_the_paper() {
        let app = complete().without_material("marriage-certificate");
        let right = WithCertificates::new(vec![certificate(
            "结婚证",
            MOTHER,
            &[("spouse.id-number", FATHER)],
        )]);
        assert_eq!(
            exempt(&app, &right),
            (vec![], vec!["marriage-certificate".to_owned()])
        );
        let wrong = WithCertificates::new(vec![certificate(
            "结婚证",
            MOTHER,
            &[("spouse.id-number", "410702199512120021")],
        )]);
        assert_eq!(
            exempt(&app, &wrong),
            (vec!["material.missing".to_owned()], vec![])
        );
        // The service being down means the paper after all, never a failed pre-check.
        let mut down = right.clone();
        down.unavailable = true;
        assert_eq!(
            exempt(&app, &down),
            (vec!["material.missing".to_owned()], vec![])
        );
    }

    #[test]
    fn identity_cards_are_exempted_by_name_and_number() {
        let app = complete()
            .without_material("mother-id-card")
            .without_material("father-id-card");
        let host = WithCertificates::new(vec![
            certificate("居民身份证", MOTHER, &[("holder.name", "李芳")]),
            certificate("居民身份证", FATHER, &[("holder.name", "张强")]),
        ]);
        // The father's card carries another name: only the mother's is exempted.
        assert_eq!(
            exempt(&app, &host),
            (
                vec!["material.missing".to_owned()],
                vec!["mother-id-card".to_owned()]
            )
        );
    }

    #[test]
    fn alone_the_birth_certificate_is_found_under_the_mother() {
        let mut app = complete();
        app.one_thing = "birth-registration-only".into();
        let host = WithCertificates::new(vec![certificate(
            "出生医学证明",
            MOTHER,
            &[("child.name", "王小雨"), ("child.birth-date", "2026-11-20")],
        )]);
        assert_eq!(
            exempt(&app, &host),
            (vec![], vec!["birth-medical-certificate".to_owned()])
        );
    }
}
