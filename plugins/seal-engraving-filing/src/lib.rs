//! 公章刻制备案 (新乡市公安局红旗分局). Seal engraving changed from approval to filing by
//! 国发〔2019〕6号; the filing is done the same day.
//!
//! Built for rules API 0.2.0: filed on its own, the enterprise's 营业执照 is looked up as an
//! electronic certificate by its 统一社会信用代码, and the legal representative's identity card
//! by id number, so neither paper is needed when found (免提交).

use lianban_sdk::dictionary::{self, field, material};
use lianban_sdk::prelude::*;

const JOINT_ONE_THING: &str = "business-startup";

#[derive(Default)]
pub struct SealEngravingFiling;

impl Rules for SealEngravingFiling {
    fn manifest(&self) -> Manifest {
        use Requirement::{Always, Optional};
        let stand_alone = || dictionary::from_prerequisite("设立登记结果");
        Manifest {
            matter: "seal-engraving-filing".into(),
            name: "公章刻制备案".into(),
            department: "public-security".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            legal_days: 1,
            promised_days: 0,
            fields: [
                dictionary::applicant_fields(),
                vec![
                    field("company.name", Always),
                    field("company.uscc", stand_alone()),
                    field("legal-rep.name", Always),
                    field("legal-rep.id-number", Always),
                    field("seal.official", Always),
                    field("seal.finance", Optional),
                    field("seal.invoice", Optional),
                    field("seal.contract", Optional),
                    field("seal.legal-rep", Optional),
                    field("seal.maker", Always),
                ],
            ]
            .concat(),
            materials: vec![
                material("business-license", stand_alone()),
                material("legal-rep-id-card", Always),
            ]
            .into_iter()
            .chain(dictionary::agent_materials())
            .collect(),
            review_points: vec![
                "刻制企业公章；其他印章按需刻制".into(),
                "印章刻制企业已在公安机关备案".into(),
                "法定代表人身份证件与申请表一致".into(),
            ],
            basis: vec![
                "《国务院关于取消和下放一批行政许可事项的决定》（国发〔2019〕6号）".into(),
                "《印铸刻字业暨印章管理暂行办法》".into(),
            ],
        }
    }

    fn capabilities(&self) -> Vec<Capability> {
        vec![Capability::Elicense]
    }

    fn exemptions(&self, app: &Application, host: &dyn Host) -> Result<Vec<Exemption>, RuleError> {
        let mut exempt = Vec::new();
        if app.one_thing != JOINT_ONE_THING {
            // In the one-thing the licence is the company registration's own result.
            exempt.extend(exempt_by_holder(
                host,
                app,
                "business-license",
                "营业执照",
                "company.uscc",
                |c| c.attribute("company.name") == app.field("company.name"),
            ));
        }
        exempt.extend(exempt_by_holder(
            host,
            app,
            "legal-rep-id-card",
            "居民身份证",
            "legal-rep.id-number",
            |c| c.attribute("holder.name") == app.field("legal-rep.name"),
        ));
        Ok(exempt)
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
        let manifest = self.cached_manifest();
        let mut findings = standard::review_form(manifest, app);
        findings.extend(dictionary::require_unless_in(
            JOINT_ONE_THING,
            manifest,
            app,
            &[],
            &["company.uscc"],
        ));
        if app.flag("seal.official") == Some(false) {
            findings.push(
                Finding::blocking(
                    Subject::Field("seal.official".into()),
                    "seal.official-required",
                    "企业公章为必须刻制的印章",
                )
                .remedy("请勾选刻制企业公章"),
            );
        }
        // Invoices are stamped with the invoice seal; when the same application also asks the
        // tax office for invoices, remind the applicant to have one made now.
        if app.field("tax.invoice-kind").is_some() && app.flag("seal.invoice") != Some(true) {
            findings.push(
                Finding::advisory(
                    Subject::Field("seal.invoice".into()),
                    "seal.invoice-advised",
                    "本次同时申领发票，开具发票需加盖发票专用章",
                )
                .remedy("建议一并刻制发票专用章"),
            );
        }
        Ok(findings)
    }
}

lianban_world_v0_2::export_rules!(SealEngravingFiling);

#[cfg(test)]
mod tests {
    use lianban_sdk::testing::{WithCertificates, finding_codes, fixture, official_calendar};

    use super::*;

    const COMPLETE: &str = include_str!("../../fixtures/business-window-complete.json");

    fn complete() -> Application {
        fixture(COMPLETE, "seal-engraving-filing", Date::ymd(2026, 11, 27))
    }

    fn codes(app: &Application) -> Vec<String> {
        finding_codes(&SealEngravingFiling, app)
    }

    #[test]
    fn the_complete_fixture_passes() {
        assert_eq!(codes(&complete()), Vec::<String>::new());
        assert!(dictionary::unknown_keys(&SealEngravingFiling.manifest()).is_empty());
    }

    #[test]
    fn the_official_seal_is_compulsory() {
        let app = complete().with_field("seal.official", "false");
        assert_eq!(codes(&app), ["seal.official-required"]);
    }

    #[test]
    fn invoice_seal_is_advised_when_invoices_are_requested() {
        let app = complete().with_field("seal.invoice", "false");
        assert_eq!(codes(&app), ["seal.invoice-advised"]);
        let app = app.without_field("tax.invoice-kind");
        assert_eq!(codes(&app), Vec::<String>::new());
    }

    #[test]
    fn stand_alone_needs_licence_and_credit_code() {
        let mut app = complete();
        app.one_thing = "seal-only".into();
        assert_eq!(codes(&app), ["material.missing", "field.missing"]);
        let app = app
            .with_material(Material::new("business-license", MaterialForm::Elicense))
            .with_field("company.uscc", "91410702MA47Q8R2XY");
        assert_eq!(codes(&app), Vec::<String>::new());
    }

    #[test]
    fn filed_the_same_working_day() {
        let cal = official_calendar();
        let d = SealEngravingFiling
            .deadline(&complete(), Date::ymd(2026, 10, 9), &cal)
            .unwrap();
        assert_eq!(d.due, Date::ymd(2026, 10, 9));
        // Accepted on a holiday (an online application), it is filed on the next working day.
        let d = SealEngravingFiling
            .deadline(&complete(), Date::ymd(2026, 10, 3), &cal)
            .unwrap();
        assert_eq!(d.due, Date::ymd(2026, 10, 8));
    }

    fn licence(uscc: &str, name: &str) -> Certificate {
        Certificate {
            kind: "营业执照".into(),
            number: "4107022026000123".into(),
            holder: uscc.into(),
            issuer: "新乡市红旗区市场监督管理局".into(),
            issued_on: Some(Date::ymd(2026, 11, 2)),
            valid_until: None,
            attributes: vec![Field {
                key: "company.name".into(),
                value: name.into(),
            }],
        }
    }

    #[test]
    fn an_electronic_licence_spares_the_paper_when_filed_alone() {
        let mut app = complete().with_field("company.uscc", "91410702MA47Q8R2XY");
        app.one_thing = "seal-only".into();
        let name = app.field("company.name").unwrap().to_owned();
        let host = WithCertificates::new(vec![licence("91410702MA47Q8R2XY", &name)]);
        let review = lianban_sdk::review_materials(&SealEngravingFiling, &app, &host).unwrap();
        assert_eq!(review.findings, vec![]);
        assert_eq!(
            review
                .exempt
                .iter()
                .map(|e| e.material.as_str())
                .collect::<Vec<_>>(),
            ["business-license"]
        );
        // A licence of another company name is not this enterprise's: the paper is needed.
        let host = WithCertificates::new(vec![licence("91410702MA47Q8R2XY", "别的公司")]);
        let review = lianban_sdk::review_materials(&SealEngravingFiling, &app, &host).unwrap();
        assert_eq!(review.exempt, vec![]);
        assert_eq!(review.findings.len(), 1);
        assert_eq!(review.findings[0].code, "material.missing");
    }

    #[test]
    fn the_legal_representatives_electronic_id_card_spares_the_paper() {
        let app = complete().without_material("legal-rep-id-card");
        assert_eq!(codes(&app), ["material.missing"]);
        let host = WithCertificates::new(vec![Certificate {
            kind: "居民身份证".into(),
            number: "410721198808081230".into(),
            holder: "410721198808081230".into(),
            issuer: "新乡市公安局".into(),
            issued_on: Some(Date::ymd(2020, 3, 1)),
            valid_until: Some(Date::ymd(2040, 3, 1)),
            attributes: vec![Field {
                key: "holder.name".into(),
                value: "赵敏".into(),
            }],
        }]);
        let found = lianban_sdk::precheck(&SealEngravingFiling, &app, &host).unwrap();
        assert_eq!(found, vec![]);
    }
}
