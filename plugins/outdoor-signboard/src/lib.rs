//! 户外招牌设置 (红旗区城市管理局): the shop sign over a new restaurant's door
//! (《城市市容和环境卫生管理条例》第十一条).

use lianban_sdk::dictionary::{self, field, material};
use lianban_sdk::prelude::*;

const JOINT_ONE_THING: &str = "restaurant";
/// Signs larger than this (in cm², 10 m²) need a structural safety statement: the district's
/// own review rule for signs that could fall on the pavement.
const LARGE_SIGN_CM2: u64 = 100_000;

#[derive(Default)]
pub struct OutdoorSignboard;

fn cm(app: &Application, key: &str) -> Option<u64> {
    app.field(key).and_then(|v| validate::parse_integer(v).ok())
}

impl Rules for OutdoorSignboard {
    fn manifest(&self) -> Manifest {
        use Requirement::Always;
        Manifest {
            matter: "outdoor-signboard".into(),
            name: "户外招牌设置".into(),
            department: "urban-management".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            legal_days: 20,
            promised_days: 3,
            fields: [
                dictionary::applicant_fields(),
                vec![
                    field("company.name", Always),
                    field("company.address", Always),
                    field("sign.text", Always),
                    field("sign.width-cm", Always),
                    field("sign.height-cm", Always),
                    field("sign.lit", Always),
                ],
            ]
            .concat(),
            materials: vec![
                material(
                    "business-license",
                    dictionary::from_prerequisite("营业执照"),
                ),
                material("sign-application", Always),
                material("sign-design", Always),
                material("premises-proof", Always),
                material(
                    "sign-structure-report",
                    Requirement::Conditional("招牌面积超过 10 平方米时".into()),
                ),
            ]
            .into_iter()
            .chain(dictionary::agent_materials())
            .collect(),
            review_points: vec![
                "一店一招，设置在经营场所门头，不遮挡门窗和消防通道".into(),
                "招牌文字与登记的名称或字号一致，规范使用汉字".into(),
                "面积超过 10 平方米的，提交结构安全说明".into(),
            ],
            basis: vec!["《城市市容和环境卫生管理条例》第十一条".into()],
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
            &["business-license"],
            &[],
        ));
        if let (Some(w), Some(h)) = (cm(app, "sign.width-cm"), cm(app, "sign.height-cm"))
            && w.saturating_mul(h) > LARGE_SIGN_CM2
        {
            findings.extend(standard::require_material(
                manifest,
                "sign-structure-report",
                app,
            ));
        }
        findings.extend(dictionary::check_agent(manifest, app));
        Ok(findings)
    }

    fn review_form(&self, app: &Application, _host: &dyn Host) -> Result<Vec<Finding>, RuleError> {
        let mut findings = standard::review_form(self.cached_manifest(), app);
        for key in ["sign.width-cm", "sign.height-cm"] {
            if cm(app, key) == Some(0) {
                findings.push(Finding::blocking(
                    Subject::Field(key.into()),
                    "sign.zero-size",
                    "招牌尺寸不能为 0",
                ));
            }
        }
        // The sign names the shop: its text should be part of the registered name.
        if let (Some(text), Some(name)) = (app.field("sign.text"), app.field("company.name"))
            && !name.contains(text.trim())
        {
            findings.push(
                Finding::advisory(
                    Subject::Field("sign.text".into()),
                    "sign.text-differs",
                    "招牌文字与登记名称不一致，审查时将核对是否为字号或规范简称",
                )
                .remedy("使用登记名称中的字号作为招牌文字"),
            );
        }
        Ok(findings)
    }
}

lianban_world_v0_1::export_rules!(OutdoorSignboard);

#[cfg(test)]
mod tests {
    use lianban_sdk::testing::{finding_codes, fixture};

    use super::*;

    const COMPLETE: &str = include_str!("../../fixtures/restaurant-window-complete.json");

    fn complete() -> Application {
        fixture(COMPLETE, "outdoor-signboard", Date::ymd(2026, 11, 27))
    }

    fn codes(app: &Application) -> Vec<String> {
        finding_codes(&OutdoorSignboard, app)
    }

    #[test]
    fn the_complete_fixture_passes() {
        assert_eq!(codes(&complete()), Vec::<String>::new());
        assert!(dictionary::unknown_keys(&OutdoorSignboard.manifest()).is_empty());
    }

    #[test]
    fn a_large_sign_needs_a_structural_statement() {
        // 600 cm × 200 cm = 12 m².
        let app = complete().with_field("sign.height-cm", "200");
        assert_eq!(codes(&app), ["material.missing"]);
        let app = app.with_material(Material::new(
            "sign-structure-report",
            MaterialForm::Original,
        ));
        assert_eq!(codes(&app), Vec::<String>::new());
    }

    #[test]
    fn a_sign_text_outside_the_name_is_flagged() {
        let app = complete().with_field("sign.text", "老王烧烤");
        assert_eq!(codes(&app), ["sign.text-differs"]);
    }
}
