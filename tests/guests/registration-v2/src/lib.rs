//! Version 2.0.0 of 出生登记 as the tests ship it: the same fields as the dictionary gives, a
//! promised time cut to the same day, and one new rule whose finding shows which version
//! judged an application.

use lianban_sdk::dictionary::{self, field, material};
use lianban_sdk::prelude::*;

#[derive(Default)]
pub struct RegistrationV2;

impl Rules for RegistrationV2 {
    fn manifest(&self) -> Manifest {
        use Requirement::Always;
        Manifest {
            matter: "birth-registration".into(),
            name: "出生登记".into(),
            department: "public-security".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            legal_days: 10,
            promised_days: 0,
            fields: vec![
                field(dictionary::APPLICANT_MOBILE, Always),
                field("child.name", Always),
                field("household.address", Always),
            ],
            materials: vec![material("household-register", Always)],
            review_points: vec!["第二版：当场办结".into()],
            basis: vec!["《中华人民共和国户口登记条例》第七条".into()],
        }
    }

    fn review_form(&self, app: &Application, _host: &dyn Host) -> Result<Vec<Finding>, RuleError> {
        let mut findings = standard::review_form(self.cached_manifest(), app);
        findings.push(Finding::advisory(
            Subject::Application,
            "registration.same-day",
            "出生登记已实行当场办结",
        ));
        Ok(findings)
    }
}

lianban_world_v0_1::export_rules!(RegistrationV2);
