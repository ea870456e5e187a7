//! 食品经营许可 (红旗区市场监督管理局) for a new restaurant (《中华人民共和国食品安全法》
//! 第三十五条): the premises, the people and the rules that keep food safe.

use lianban_sdk::dictionary::{self, field, material};
use lianban_sdk::prelude::*;

const JOINT_ONE_THING: &str = "restaurant";
const RAW_FOOD: &str = "生食类食品制售";

#[derive(Default)]
pub struct FoodBusinessLicense;

fn count(app: &Application, key: &str) -> Option<u64> {
    app.field(key).and_then(|v| validate::parse_integer(v).ok())
}

impl Rules for FoodBusinessLicense {
    fn manifest(&self) -> Manifest {
        use Requirement::Always;
        Manifest {
            matter: "food-business-license".into(),
            name: "食品经营许可".into(),
            department: "market-regulation".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            legal_days: 10,
            promised_days: 5,
            fields: [
                dictionary::applicant_fields(),
                vec![
                    field("company.name", Always),
                    field("company.address", Always),
                    field("legal-rep.name", Always),
                    field("legal-rep.id-number", Always),
                    field("food.category", Always),
                    field("food.premises-area", Always),
                    field("food.staff", Always),
                    field("food.staff-certified", Always),
                    field("food.safety-manager", Always),
                ],
            ]
            .concat(),
            materials: vec![
                material(
                    "business-license",
                    dictionary::from_prerequisite("营业执照"),
                ),
                material("food-license-application", Always),
                material("food-premises-layout", Always),
                material("food-safety-rules", Always),
                material("health-certificates", Always),
                material("legal-rep-id-card", Always),
            ]
            .into_iter()
            .chain(dictionary::agent_materials())
            .collect(),
            review_points: vec![
                "经营场所、设备布局和操作流程与所报经营项目相适应".into(),
                "接触直接入口食品的从业人员均持有效健康证明".into(),
                "配备食品安全管理人员，建立食品安全管理制度".into(),
                "经营生食类食品的，设专间".into(),
            ],
            basis: vec![
                "《中华人民共和国食品安全法》第三十五条、第四十五条".into(),
                "《食品经营许可和备案管理办法》".into(),
            ],
        }
    }

    fn check_materials(
        &self,
        app: &Application,
        _host: &dyn Host,
    ) -> Result<Vec<Finding>, RuleError> {
        let manifest = self.cached_manifest();
        let mut findings = dictionary::check_joint_materials(
            JOINT_ONE_THING,
            manifest,
            app,
            &["business-license"],
        );
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
        // 《食品安全法》第四十五条: everyone handling food ready to eat holds a health certificate.
        if let (Some(staff), Some(certified)) =
            (count(app, "food.staff"), count(app, "food.staff-certified"))
            && certified < staff
        {
            findings.push(
                Finding::blocking(
                    Subject::Field("food.staff-certified".into()),
                    "food.staff-uncertified",
                    format!(
                        "从业人员 {staff} 人，持有效健康证明的只有 {certified} 人；取得健康证明后方可上岗"
                    ),
                )
                .remedy("安排未持证人员到体检机构进行健康检查，取得健康证明后一并提交"),
            );
        }
        if count(app, "food.premises-area") == Some(0) {
            findings.push(Finding::blocking(
                Subject::Field("food.premises-area".into()),
                "food.no-premises",
                "经营场所使用面积不能为 0",
            ));
        }
        if app.is("food.category", RAW_FOOD) {
            findings.push(Finding::advisory(
                Subject::Field("food.category".into()),
                "food.raw-needs-room",
                "经营生食类食品的，应设置专间，现场核查时一并检查",
            ));
        }
        Ok(findings)
    }
}

lianban_world_v0_1::export_rules!(FoodBusinessLicense);

#[cfg(test)]
mod tests {
    use lianban_sdk::testing::{finding_codes, fixture};

    use super::*;

    const COMPLETE: &str = include_str!("../../fixtures/restaurant-window-complete.json");

    fn complete() -> Application {
        fixture(COMPLETE, "food-business-license", Date::ymd(2026, 11, 27))
    }

    fn codes(app: &Application) -> Vec<String> {
        finding_codes(&FoodBusinessLicense, app)
    }

    #[test]
    fn the_complete_fixture_passes() {
        assert_eq!(codes(&complete()), Vec::<String>::new());
        assert!(dictionary::unknown_keys(&FoodBusinessLicense.manifest()).is_empty());
    }

    #[test]
    fn every_food_handler_needs_a_health_certificate() {
        let app = complete().with_field("food.staff-certified", "3");
        assert_eq!(codes(&app), ["food.staff-uncertified"]);
    }

    #[test]
    fn raw_food_is_flagged_for_the_site_visit() {
        let app = complete().with_field("food.category", RAW_FOOD);
        assert_eq!(codes(&app), ["food.raw-needs-room"]);
    }

    #[test]
    fn on_its_own_the_licence_needs_the_business_licence() {
        let mut app = complete();
        app.one_thing = "food-only".into();
        assert_eq!(codes(&app), ["material.missing"]);
    }
}
