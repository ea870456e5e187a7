//! 住房公积金封存与退休提取 (新乡市住房公积金管理中心红旗区管理部): on retirement the account
//! is closed and its balance paid out (《住房公积金管理条例》第二十四条).

use lianban_sdk::dictionary::{self, field, material};
use lianban_sdk::prelude::*;

const JOINT_ONE_THING: &str = "retirement";

#[derive(Default)]
pub struct HousingFundRetirement;

/// A mainland bank card or account number: 12 to 30 digits.
pub fn is_bank_account(s: &str) -> bool {
    let s = s.trim();
    (12..=30).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

impl Rules for HousingFundRetirement {
    fn manifest(&self) -> Manifest {
        use Requirement::Always;
        Manifest {
            matter: "housing-fund-retirement".into(),
            name: "住房公积金封存与退休提取".into(),
            department: "housing-fund".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            legal_days: 3,
            promised_days: 1,
            fields: [
                dictionary::applicant_fields(),
                vec![
                    field("retiree.name", Always),
                    field("retiree.id-number", Always),
                    field("housing-fund.account", Always),
                    field("housing-fund.payout-account", Always),
                ],
            ]
            .concat(),
            materials: vec![
                material(
                    "pension-decision",
                    dictionary::from_prerequisite("基本养老保险待遇核定结果"),
                ),
                material("retiree-id-card", Always),
                material("retiree-bank-card", Always),
            ]
            .into_iter()
            .chain(dictionary::agent_materials())
            .collect(),
            review_points: vec![
                "已办理退休（以养老保险待遇核定结果为准）".into(),
                "提取款项转入职工本人名下银行账户".into(),
            ],
            basis: vec!["《住房公积金管理条例》第二十四条".into()],
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
            &["pension-decision"],
        ))
    }

    fn review_form(&self, app: &Application, _host: &dyn Host) -> Result<Vec<Finding>, RuleError> {
        let manifest = self.cached_manifest();
        let mut findings = standard::review_form(manifest, app);
        if let Some(account) = app.field("housing-fund.payout-account")
            && !is_bank_account(account)
            && let Some(spec) = manifest.field("housing-fund.payout-account")
        {
            findings.push(findings::invalid_field(
                spec,
                "银行账号应为 12 至 30 位数字",
            ));
        }
        Ok(findings)
    }
}

lianban_world_v0_1::export_rules!(HousingFundRetirement);

#[cfg(test)]
mod tests {
    use lianban_sdk::testing::{finding_codes, fixture};

    use super::*;

    const COMPLETE: &str = include_str!("../../fixtures/retirement-window-complete.json");

    fn complete() -> Application {
        fixture(COMPLETE, "housing-fund-retirement", Date::ymd(2026, 11, 27))
    }

    fn codes(app: &Application) -> Vec<String> {
        finding_codes(&HousingFundRetirement, app)
    }

    #[test]
    fn the_complete_fixture_passes() {
        assert_eq!(codes(&complete()), Vec::<String>::new());
        assert!(dictionary::unknown_keys(&HousingFundRetirement.manifest()).is_empty());
    }

    #[test]
    fn the_payout_account_is_a_bank_account() {
        let app = complete().with_field("housing-fund.payout-account", "6228-4804");
        assert_eq!(codes(&app), ["field.invalid"]);
        assert!(is_bank_account("6228480469012345678"));
        assert!(!is_bank_account("12345"));
    }
}
