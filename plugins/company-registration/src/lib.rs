//! 企业设立登记 (红旗区市场监督管理局): the first matter of 企业开办一件事; its result, the
//! business licence and the 统一社会信用代码, is what the other four matters build on.

use lianban_sdk::dictionary::{self, field, material};
use lianban_sdk::prelude::*;

const LLC: &str = "有限责任公司";
const JSC: &str = "股份有限公司";
const SOLE: &str = "个人独资企业";
const PARTNERSHIP: &str = "合伙企业";

/// Words a name may carry only with approval above the district (《企业名称登记管理规定》).
const RESTRICTED_WORDS: [&str; 5] = ["中国", "中华", "全国", "国家", "国际"];

/// Business-scope items that need a licence after registration, with the licence's name.
const LICENSED_SCOPES: [(&str, &str); 4] = [
    ("食品", "食品经营许可证"),
    ("餐饮", "食品经营许可证"),
    ("药品", "药品经营许可证"),
    ("危险化学品", "危险化学品经营许可证"),
];

#[derive(Default)]
pub struct CompanyRegistration;

impl Rules for CompanyRegistration {
    fn manifest(&self) -> Manifest {
        use Requirement::Always;
        Manifest {
            matter: "company-registration".into(),
            name: "企业设立登记".into(),
            department: "market-regulation".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            legal_days: 3,
            promised_days: 1,
            fields: [
                dictionary::applicant_fields(),
                vec![
                    field("company.name", Always),
                    field("company.type", Always),
                    field("company.registered-capital", Always),
                    field("company.address", Always),
                    field("company.business-scope", Always),
                    field("company.shareholders", Always),
                    field("legal-rep.name", Always),
                    field("legal-rep.id-number", Always),
                    field("legal-rep.mobile", Always),
                ],
            ]
            .concat(),
            materials: vec![
                material("registration-application", Always),
                material(
                    "articles-of-association",
                    Requirement::Conditional("设立公司时".into()),
                ),
                material(
                    "partnership-agreement",
                    Requirement::Conditional("设立合伙企业时".into()),
                ),
                material("premises-proof", Always),
                material("shareholder-ids", Always),
                material("legal-rep-id-card", Always),
            ]
            .into_iter()
            .chain(dictionary::agent_materials())
            .collect(),
            review_points: vec![
                "企业名称含组织形式且与企业类型一致，未使用须经批准的字词".into(),
                "住所在红旗区（登记管辖）".into(),
                "股东（发起人、出资人、合伙人）人数符合法定要求，公司注册资本大于零".into(),
                "法定代表人年满十八周岁，身份证件与申请表一致".into(),
                "经营范围涉及许可项目的，告知取得执照后办理相应许可".into(),
            ],
            basis: vec![
                "《中华人民共和国市场主体登记管理条例》第十九条".into(),
                "《中华人民共和国公司法》第四十二条、第九十二条".into(),
                "《中华人民共和国合伙企业法》第十四条".into(),
                "《中华人民共和国个人独资企业法》第二条".into(),
                "《企业名称登记管理规定》".into(),
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
        match app.field("company.type") {
            Some(LLC | JSC) => {
                findings.extend(standard::require_material(
                    manifest,
                    "articles-of-association",
                    app,
                ));
            }
            Some(PARTNERSHIP) => {
                findings.extend(standard::require_material(
                    manifest,
                    "partnership-agreement",
                    app,
                ));
            }
            _ => {}
        }
        findings.extend(dictionary::check_agent(manifest, app));
        findings.extend(dictionary::check_holder(
            app,
            "legal-rep-id-card",
            "法定代表人居民身份证",
            "legal-rep.id-number",
        ));
        Ok(findings)
    }

    fn review_form(&self, app: &Application, _host: &dyn Host) -> Result<Vec<Finding>, RuleError> {
        let mut findings = standard::review_form(self.cached_manifest(), app);
        let kind = app.field("company.type");
        if let (Some(name), Some(kind)) = (app.field("company.name"), kind) {
            findings.extend(name_problems(name, kind));
        }
        if let Some(capital) = app
            .field("company.registered-capital")
            .and_then(|v| validate::parse_money(v).ok())
            && capital == 0
            && matches!(kind, Some(LLC | JSC))
        {
            findings.push(findings::invalid_field_by_key(
                "company.registered-capital",
                "注册资本（万元）",
                "公司的注册资本应大于零",
            ));
        }
        if let (Some(n), Some(kind)) = (
            app.field("company.shareholders")
                .and_then(|v| validate::parse_integer(v).ok()),
            kind,
        ) {
            let limits = match kind {
                LLC => Some((
                    1..=50,
                    "有限责任公司由一个以上五十个以下股东出资设立（《公司法》第四十二条）",
                )),
                JSC => Some((
                    1..=200,
                    "股份有限公司应当有一人以上二百人以下为发起人（《公司法》第九十二条）",
                )),
                PARTNERSHIP => Some((
                    2..=u64::MAX,
                    "合伙企业应当有二个以上合伙人（《合伙企业法》第十四条）",
                )),
                SOLE => Some((
                    1..=1,
                    "个人独资企业由一个自然人投资（《个人独资企业法》第二条）",
                )),
                // An unknown type is reported by the choice check.
                _ => None,
            };
            if let Some((_, rule)) = limits.filter(|(allowed, _)| !allowed.contains(&n)) {
                findings.push(findings::invalid_field_by_key(
                    "company.shareholders",
                    "股东（发起人、出资人）人数",
                    &format!("填写为 {n} 人，{rule}"),
                ));
            }
        }
        if let Some(rep) = app
            .field("legal-rep.id-number")
            .and_then(|v| validate::parse_id_number(v, app.today).ok())
        {
            let age = rep.age_on(app.today);
            if age < 18 {
                findings.push(
                    Finding::blocking(
                        Subject::Field("legal-rep.id-number".into()),
                        "legal-rep.minor",
                        format!("法定代表人现年 {age} 周岁，须年满十八周岁"),
                    )
                    .remedy("请更换法定代表人"),
                );
            }
        }
        if let Some(address) = app.field("company.address")
            && !address.contains("红旗区")
        {
            findings.push(
                Finding::blocking(
                    Subject::Field("company.address".into()),
                    "company.outside-district",
                    "企业住所不在红旗区，应向住所所在地的登记机关申请",
                )
                .remedy("请核对住所，或向住所所在地市场监管部门申请"),
            );
        }
        if let Some(scope) = app.field("company.business-scope") {
            for (word, licence) in LICENSED_SCOPES {
                if scope.contains(word) {
                    findings.push(Finding::advisory(
                        Subject::Field("company.business-scope".into()),
                        "scope.needs-licence",
                        format!(
                            "经营范围含“{word}”，取得营业执照后须办理{licence}方可开展该项经营"
                        ),
                    ));
                }
            }
        }
        Ok(findings)
    }
}

/// The name ends in the organisational form of its type, is of reasonable length, and does
/// not use words that need approval above the district.
fn name_problems(name: &str, kind: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    let label = "企业名称";
    let len = name.chars().count();
    if !(4..=50).contains(&len) {
        out.push(findings::invalid_field_by_key(
            "company.name",
            label,
            "应为 4 至 50 个字",
        ));
    }
    let form_ok = match kind {
        LLC => name.ends_with("有限公司") || name.ends_with("有限责任公司"),
        JSC => name.ends_with("股份有限公司") || name.ends_with("股份公司"),
        PARTNERSHIP => ["（普通合伙）", "（有限合伙）", "（特殊普通合伙）"]
            .iter()
            .any(|s| name.ends_with(s)),
        _ => !name.contains("公司"),
    };
    if !form_ok {
        let expected = match kind {
            LLC => "应以“有限公司”或“有限责任公司”结尾",
            JSC => "应以“股份有限公司”或“股份公司”结尾",
            PARTNERSHIP => "应标明“（普通合伙）”“（有限合伙）”或“（特殊普通合伙）”",
            _ => "个人独资企业名称不得使用“公司”字样",
        };
        out.push(findings::invalid_field_by_key(
            "company.name",
            label,
            &format!("组织形式与企业类型“{kind}”不符，{expected}"),
        ));
    }
    if let Some(word) = RESTRICTED_WORDS.iter().find(|w| name.contains(*w)) {
        out.push(
            Finding::blocking(
                Subject::Field("company.name".into()),
                "company.name-restricted",
                format!("企业名称使用“{word}”字样，须经国家有关部门批准，本区不能直接登记"),
            )
            .remedy("请修改企业名称，或按规定取得批准后申请"),
        );
    }
    out
}

lianban_world_v0_1::export_rules!(CompanyRegistration);

#[cfg(test)]
mod tests {
    use lianban_sdk::testing::{finding_codes, fixture};

    use super::*;

    const COMPLETE: &str = include_str!("../../fixtures/business-window-complete.json");

    fn complete() -> Application {
        fixture(COMPLETE, "company-registration", Date::ymd(2026, 11, 27))
    }

    fn codes(app: &Application) -> Vec<String> {
        finding_codes(&CompanyRegistration, app)
    }

    #[test]
    fn the_complete_fixture_passes() {
        assert_eq!(codes(&complete()), Vec::<String>::new());
        assert!(dictionary::unknown_keys(&CompanyRegistration.manifest()).is_empty());
    }

    #[test]
    fn name_must_match_the_type() {
        let app = complete().with_field("company.type", "股份有限公司");
        assert_eq!(codes(&app), ["field.invalid"]);
        let app = complete().with_field("company.name", "中国禾丰农业科技有限公司");
        assert_eq!(codes(&app), ["company.name-restricted"]);
        let app = complete()
            .with_field("company.type", "个人独资企业")
            .with_field("company.shareholders", "1")
            .without_material("articles-of-association");
        assert_eq!(codes(&app), ["field.invalid"]);
    }

    #[test]
    fn capital_and_shareholders_follow_the_law() {
        let app = complete().with_field("company.registered-capital", "0");
        assert_eq!(codes(&app), ["field.invalid"]);
        let app = complete().with_field("company.registered-capital", "-5");
        assert_eq!(codes(&app), ["field.invalid"]);
        let app = complete().with_field("company.shareholders", "51");
        assert_eq!(codes(&app), ["field.invalid"]);
        let app = complete()
            .with_field("company.type", "合伙企业")
            .with_field("company.name", "新乡市红旗区禾丰农业科技中心（普通合伙）")
            .with_field("company.shareholders", "1")
            .with_material(Material::new(
                "partnership-agreement",
                MaterialForm::Original,
            ));
        assert_eq!(codes(&app), ["field.invalid"]);
    }

    #[test]
    fn partnership_needs_its_agreement() {
        let app = complete()
            .with_field("company.type", "合伙企业")
            .with_field("company.name", "新乡市红旗区禾丰农业科技中心（有限合伙）");
        assert_eq!(codes(&app), ["material.missing"]);
    }

    #[test]
    fn legal_representative_must_be_an_adult_matching_the_card() {
        let minor = "410702201003150011";
        let app = complete()
            .with_field("legal-rep.id-number", minor)
            .with_material(
                Material::new("legal-rep-id-card", MaterialForm::Original)
                    .with_attribute("holder.id-number", minor),
            );
        assert_eq!(codes(&app), ["legal-rep.minor"]);
        let app = complete().with_field("legal-rep.id-number", "410702199001010015");
        assert_eq!(codes(&app), ["material.mismatch"]);
    }

    #[test]
    fn outside_the_district_and_licensed_scope() {
        let app = complete()
            .with_field("company.address", "河南省新乡市卫滨区某路 1 号")
            .with_field("company.business-scope", "食品销售；餐饮服务");
        assert_eq!(
            codes(&app),
            [
                "company.outside-district",
                "scope.needs-licence",
                "scope.needs-licence"
            ]
        );
    }

    #[test]
    fn missing_articles_and_premises() {
        let app = complete()
            .without_material("articles-of-association")
            .without_material("premises-proof");
        assert_eq!(codes(&app), ["material.missing", "material.missing"]);
    }
}
