//! 发票申领及税务信息确认 (国家税务总局新乡市红旗区税务局): confirming the new enterprise's
//! tax information and its first invoices. 《中华人民共和国发票管理办法》第十五条 gives the tax
//! office five working days to confirm the kind, amount and way of invoice use.

use lianban_sdk::dictionary::{self, field, material};
use lianban_sdk::prelude::*;

const JOINT_ONE_THING: &str = "business-startup";
const SMALL_SCALE: &str = "小规模纳税人";
const SPECIAL_VAT: &str = "数电增值税专用发票";

/// 《中华人民共和国劳动法》第十五条: employers may not hire people under sixteen.
const MIN_WORKING_AGE: i32 = 16;

#[derive(Default)]
pub struct TaxInvoiceSetup;

impl Rules for TaxInvoiceSetup {
    fn manifest(&self) -> Manifest {
        use Requirement::Always;
        let stand_alone = || dictionary::from_prerequisite("设立登记结果");
        Manifest {
            matter: "tax-invoice-setup".into(),
            name: "发票申领及税务信息确认".into(),
            department: "tax".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            legal_days: 5,
            promised_days: 1,
            fields: [
                dictionary::applicant_fields(),
                vec![
                    field("company.name", Always),
                    field("company.uscc", stand_alone()),
                    field("legal-rep.name", Always),
                    field("legal-rep.id-number", Always),
                    field("tax.taxpayer-type", Always),
                    field("tax.invoice-kind", Always),
                    field("tax.accounting-standard", Always),
                    field("tax.officer.name", Always),
                    field("tax.officer.id-number", Always),
                    field("tax.officer.mobile", Always),
                ],
            ]
            .concat(),
            materials: vec![
                material("business-license", stand_alone()),
                material("legal-rep-id-card", Always),
                material("tax-officer-id-card", Always),
            ]
            .into_iter()
            .chain(dictionary::agent_materials())
            .collect(),
            review_points: vec![
                "法定代表人、办税人员身份证件真实有效并完成实名采集".into(),
                "办税人员年满十六周岁".into(),
                "纳税人类型、会计制度与申领的发票种类相适应".into(),
            ],
            basis: vec![
                "《中华人民共和国发票管理办法》第十五条".into(),
                "《中华人民共和国税收征收管理法》第十五条".into(),
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
        findings.extend(dictionary::check_holder(
            app,
            "tax-officer-id-card",
            "办税人员居民身份证",
            "tax.officer.id-number",
        ));
        Ok(findings)
    }

    fn review_form(&self, app: &Application, _host: &dyn Host) -> Result<Vec<Finding>, RuleError> {
        let manifest = self.cached_manifest();
        let mut findings = standard::review_form(manifest, app);
        findings.extend(dictionary::require_unless_in(
            JOINT_ONE_THING,
            manifest,
            app,
            &[],
            &["company.uscc"],
        ));
        if let Some(officer) = app
            .field("tax.officer.id-number")
            .and_then(|v| validate::parse_id_number(v, app.today).ok())
        {
            let age = officer.age_on(app.today);
            if age < MIN_WORKING_AGE {
                findings.push(
                    Finding::blocking(
                        Subject::Field("tax.officer.id-number".into()),
                        "tax.officer-underage",
                        format!("办税人员现年 {age} 周岁，未满十六周岁"),
                    )
                    .remedy("请更换办税人员"),
                );
            }
        }
        if app.is("tax.taxpayer-type", SMALL_SCALE) && app.is("tax.invoice-kind", SPECIAL_VAT) {
            findings.push(Finding::advisory(
                Subject::Field("tax.invoice-kind".into()),
                "tax.small-scale-special-invoice",
                "小规模纳税人可以自行开具增值税专用发票，按征收率计税；如无需要，可只申领普通发票",
            ));
        }
        Ok(findings)
    }
}

lianban_world_v0_1::export_rules!(TaxInvoiceSetup);

#[cfg(test)]
mod tests {
    use lianban_sdk::testing::{finding_codes, fixture, official_calendar};

    use super::*;

    const COMPLETE: &str = include_str!("../../fixtures/business-window-complete.json");

    fn complete() -> Application {
        fixture(COMPLETE, "tax-invoice-setup", Date::ymd(2026, 11, 27))
    }

    fn codes(app: &Application) -> Vec<String> {
        finding_codes(&TaxInvoiceSetup, app)
    }

    #[test]
    fn the_complete_fixture_passes() {
        assert_eq!(codes(&complete()), Vec::<String>::new());
        assert!(dictionary::unknown_keys(&TaxInvoiceSetup.manifest()).is_empty());
    }

    #[test]
    fn officer_must_be_sixteen_and_match_the_card() {
        let young = "410702201203150016";
        let app = complete()
            .with_field("tax.officer.id-number", young)
            .with_material(
                Material::new("tax-officer-id-card", MaterialForm::Original)
                    .with_attribute("holder.id-number", young),
            );
        assert_eq!(codes(&app), ["tax.officer-underage"]);
        let app = complete().with_field("tax.officer.id-number", "410702199001010015");
        assert_eq!(codes(&app), ["material.mismatch"]);
    }

    #[test]
    fn small_scale_special_invoice_is_advice() {
        let app = complete().with_field("tax.invoice-kind", "数电增值税专用发票");
        assert_eq!(codes(&app), ["tax.small-scale-special-invoice"]);
    }

    #[test]
    fn missing_officer_card_and_bad_mobile() {
        let app = complete()
            .without_material("tax-officer-id-card")
            .with_field("tax.officer.mobile", "1551234567");
        assert_eq!(codes(&app), ["material.missing", "field.invalid"]);
    }

    #[test]
    fn five_working_days_is_the_legal_limit() {
        assert_eq!(TaxInvoiceSetup.manifest().legal_days, 5);
        let d = TaxInvoiceSetup
            .deadline(&complete(), Date::ymd(2026, 9, 30), &official_calendar())
            .unwrap();
        assert_eq!(d.due, Date::ymd(2026, 10, 8));
    }
}
