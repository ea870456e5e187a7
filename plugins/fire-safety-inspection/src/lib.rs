//! 公众聚集场所投入使用、营业前消防安全检查 (红旗区消防救援大队): a restaurant is a place
//! where the public gathers and is checked before it opens (《中华人民共和国消防法》第十五条),
//! here under the notification-and-commitment procedure (告知承诺).

use lianban_sdk::dictionary::{self, field, material};
use lianban_sdk::prelude::*;

const JOINT_ONE_THING: &str = "restaurant";

#[derive(Default)]
pub struct FireSafetyInspection;

impl Rules for FireSafetyInspection {
    fn manifest(&self) -> Manifest {
        use Requirement::Always;
        Manifest {
            matter: "fire-safety-inspection".into(),
            name: "公众聚集场所投入使用、营业前消防安全检查".into(),
            department: "fire-rescue".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            legal_days: 10,
            promised_days: 3,
            fields: [
                dictionary::applicant_fields(),
                vec![
                    field("company.name", Always),
                    field("company.address", Always),
                    field("food.premises-area", Always),
                    field("fire.seats", Always),
                    field("fire.uses-gas", Always),
                ],
            ]
            .concat(),
            materials: vec![
                material(
                    "business-license",
                    dictionary::from_prerequisite("营业执照"),
                ),
                material("fire-check-application", Always),
                material("fire-commitment", Always),
                material("fire-plans", Always),
                material("fire-floor-plan", Always),
            ]
            .into_iter()
            .chain(dictionary::agent_materials())
            .collect(),
            review_points: vec![
                "作出消防安全承诺的，当场作出许可决定，此后核查".into(),
                "疏散通道、安全出口畅通，应急照明和疏散指示标志完好".into(),
                "使用燃气的，检查燃气管道、阀门和可燃气体报警装置".into(),
            ],
            basis: vec!["《中华人民共和国消防法》第十五条".into()],
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
            &["business-license"],
        ))
    }

    fn review_form(&self, app: &Application, _host: &dyn Host) -> Result<Vec<Finding>, RuleError> {
        let mut findings = standard::review_form(self.cached_manifest(), app);
        let seats = app
            .field("fire.seats")
            .and_then(|v| validate::parse_integer(v).ok());
        if seats == Some(0) {
            findings.push(
                Finding::blocking(
                    Subject::Field("fire.seats".into()),
                    "fire.no-seats",
                    "餐位数为 0 的场所不属于营业前消防安全检查的范围",
                )
                .remedy("只提供外卖、不设堂食的，无需申请此项检查"),
            );
        }
        if app.flag("fire.uses-gas") == Some(true) {
            findings.push(Finding::advisory(
                Subject::Field("fire.uses-gas".into()),
                "fire.gas-check",
                "使用燃气的，现场检查时将核查燃气管道、阀门和可燃气体报警装置",
            ));
        }
        Ok(findings)
    }
}

lianban_world_v0_1::export_rules!(FireSafetyInspection);

#[cfg(test)]
mod tests {
    use lianban_sdk::testing::{finding_codes, fixture, official_calendar};

    use super::*;

    const COMPLETE: &str = include_str!("../../fixtures/restaurant-window-complete.json");

    fn complete() -> Application {
        fixture(COMPLETE, "fire-safety-inspection", Date::ymd(2026, 11, 27))
    }

    fn codes(app: &Application) -> Vec<String> {
        finding_codes(&FireSafetyInspection, app)
    }

    #[test]
    fn the_complete_fixture_only_hears_about_gas() {
        assert_eq!(codes(&complete()), ["fire.gas-check"]);
        let app = complete().with_field("fire.uses-gas", "false");
        assert_eq!(codes(&app), Vec::<String>::new());
        assert!(dictionary::unknown_keys(&FireSafetyInspection.manifest()).is_empty());
    }

    #[test]
    fn the_commitment_is_required() {
        let app = complete().without_material("fire-commitment");
        assert_eq!(codes(&app), ["material.missing", "fire.gas-check"]);
    }

    #[test]
    fn takeaway_only_needs_no_check() {
        let app = complete().with_field("fire.seats", "0");
        assert_eq!(codes(&app), ["fire.no-seats", "fire.gas-check"]);
    }

    #[test]
    fn three_working_days_and_no_guessing_into_2027() {
        let d = FireSafetyInspection
            .deadline(&complete(), Date::ymd(2026, 12, 25), &official_calendar())
            .unwrap();
        assert_eq!((d.due, d.working_days), (Date::ymd(2026, 12, 30), 3));
        // 2027's holidays are not published yet: the deadline is not guessed.
        let err = FireSafetyInspection
            .deadline(&complete(), Date::ymd(2026, 12, 31), &official_calendar())
            .unwrap_err();
        assert_eq!(err.code, "calendar.unavailable");
    }
}
