//! 出生登记 3.0.0 as a careless department might ship it: built for rules API 0.2.0, looking
//! up the mother's identity card, but not declaring the `elicense` capability. The host must
//! stop the lookup however the matter's grants are set.

use lianban_sdk::dictionary::{self, field, material};
use lianban_sdk::prelude::*;

#[derive(Default)]
pub struct Undeclared;

impl Rules for Undeclared {
    fn manifest(&self) -> Manifest {
        use Requirement::Always;
        Manifest {
            matter: "birth-registration".into(),
            name: "出生登记".into(),
            department: "public-security".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            legal_days: 10,
            promised_days: 1,
            fields: vec![
                field(dictionary::APPLICANT_MOBILE, Always),
                field("mother.id-number", Always),
            ],
            materials: vec![material("mother-id-card", Always)],
            review_points: vec!["第三版：母亲身份证以电子证照核验".into()],
            basis: vec!["《中华人民共和国户口登记条例》第七条".into()],
        }
    }

    // `capabilities` keeps its default: nothing declared.

    fn exemptions(&self, app: &Application, host: &dyn Host) -> Result<Vec<Exemption>, RuleError> {
        Ok(exempt_by_holder(
            host,
            app,
            "mother-id-card",
            "居民身份证",
            "mother.id-number",
            |_| true,
        )
        .into_iter()
        .collect())
    }
}

lianban_world_v0_2::export_rules!(Undeclared);
