//! 基本养老保险待遇核定 (红旗区人力资源和社会保障局): a worker reaching retirement draws a
//! monthly pension after at least fifteen years of contributions (《中华人民共和国社会保险法》
//! 第十六条). The statutory retirement age now rises gradually (渐进式延迟法定退休年龄); the
//! exact age for a birth month is the bureau's to confirm, the rule here only stops a date
//! before the lowest age the law allows.

use lianban_sdk::dictionary::{self, field, material};
use lianban_sdk::prelude::*;

/// Minimum years of contributions for a monthly pension in 2026 (the minimum starts rising in
/// 2030 under the 2024 decision).
const MIN_CONTRIBUTION_YEARS: u64 = 15;
/// No statutory retirement age is lower than fifty.
const LOWEST_RETIREMENT_AGE: i32 = 50;

#[derive(Default)]
pub struct PensionBenefitApproval;

impl Rules for PensionBenefitApproval {
    fn manifest(&self) -> Manifest {
        use Requirement::Always;
        Manifest {
            matter: "pension-benefit-approval".into(),
            name: "基本养老保险待遇核定".into(),
            department: "hrss".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            legal_days: 20,
            promised_days: 10,
            fields: [
                dictionary::applicant_fields(),
                vec![
                    field("retiree.name", Always),
                    field("retiree.id-number", Always),
                    field("retiree.employer", Always),
                    field("retiree.retirement-date", Always),
                    field("retiree.contribution-years", Always),
                    field("retiree.bank", Always),
                    field("retiree.bank-account", Always),
                ],
            ]
            .concat(),
            materials: vec![
                material("retirement-form", Always),
                material("personnel-file", Always),
                material("retiree-id-card", Always),
                material("retiree-bank-card", Always),
            ]
            .into_iter()
            .chain(dictionary::agent_materials())
            .collect(),
            review_points: vec![
                "达到法定退休年龄（按渐进式延迟法定退休年龄规定核定）".into(),
                "基本养老保险累计缴费满十五年；不足的，可以延长缴费至满十五年".into(),
                "人事档案记载的出生日期、参加工作时间与申报一致".into(),
            ],
            basis: vec![
                "《中华人民共和国社会保险法》第十六条".into(),
                "《全国人民代表大会常务委员会关于实施渐进式延迟法定退休年龄的决定》".into(),
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
        findings.extend(dictionary::check_agent(manifest, app));
        findings.extend(dictionary::check_holder(
            app,
            "retiree-id-card",
            "退休人员居民身份证",
            "retiree.id-number",
        ));
        Ok(findings)
    }

    fn review_form(&self, app: &Application, _host: &dyn Host) -> Result<Vec<Finding>, RuleError> {
        let mut findings = standard::review_form(self.cached_manifest(), app);
        let years = app
            .field("retiree.contribution-years")
            .and_then(|v| validate::parse_integer(v).ok());
        if let Some(y) = years.filter(|y| *y < MIN_CONTRIBUTION_YEARS) {
            findings.push(
                Finding::blocking(
                    Subject::Field("retiree.contribution-years".into()),
                    "pension.contribution-short",
                    format!("累计缴费 {y} 年，不足十五年，暂不能按月领取基本养老金"),
                )
                .remedy("可以缴费至满十五年后再申请，或按规定转入城乡居民基本养老保险"),
            );
        }
        let born = app
            .field("retiree.id-number")
            .and_then(|n| validate::parse_id_number(n, app.today).ok());
        let retires: Option<Date> = app
            .field("retiree.retirement-date")
            .and_then(|d| d.parse().ok());
        if let (Some(id), Some(day)) = (born, retires)
            && id.age_on(day) < LOWEST_RETIREMENT_AGE
        {
            findings.push(
                Finding::blocking(
                    Subject::Field("retiree.retirement-date".into()),
                    "pension.too-young",
                    format!("退休日期时年满 {} 周岁，未达到法定退休年龄", id.age_on(day)),
                )
                .remedy("按人事档案和法定退休年龄规定核实退休日期"),
            );
        }
        Ok(findings)
    }
}

lianban_world_v0_1::export_rules!(PensionBenefitApproval);

#[cfg(test)]
mod tests {
    use lianban_sdk::testing::{finding_codes, fixture};

    use super::*;

    const COMPLETE: &str = include_str!("../../fixtures/retirement-window-complete.json");

    fn complete() -> Application {
        fixture(
            COMPLETE,
            "pension-benefit-approval",
            Date::ymd(2026, 11, 27),
        )
    }

    fn codes(app: &Application) -> Vec<String> {
        finding_codes(&PensionBenefitApproval, app)
    }

    #[test]
    fn the_complete_fixture_passes() {
        assert_eq!(codes(&complete()), Vec::<String>::new());
        assert!(dictionary::unknown_keys(&PensionBenefitApproval.manifest()).is_empty());
    }

    #[test]
    fn fifteen_years_of_contributions_are_needed() {
        let app = complete().with_field("retiree.contribution-years", "14");
        assert_eq!(codes(&app), ["pension.contribution-short"]);
        let app = complete().with_field("retiree.contribution-years", "15");
        assert_eq!(codes(&app), Vec::<String>::new());
    }

    #[test]
    fn nobody_retires_before_fifty() {
        // Born 1966-03-15: 49 on 2016-03-14, 50 the day after.
        let app = complete().with_field("retiree.retirement-date", "2016-03-14");
        assert_eq!(codes(&app), ["pension.too-young"]);
    }

    #[test]
    fn the_id_card_must_be_the_retirees() {
        let card = Material::new("retiree-id-card", MaterialForm::Original)
            .with_attribute("holder.id-number", "41070219700512001X");
        let app = complete()
            .without_material("retiree-id-card")
            .with_material(card);
        assert_eq!(codes(&app), ["material.mismatch"]);
    }
}
