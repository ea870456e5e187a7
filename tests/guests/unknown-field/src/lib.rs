//! 社会保障卡申领 as a department might first write it: it asks where the card will be
//! collected under a key of its own, `card.pickup-point`, which the shared dictionary does not
//! have. The host refuses the upload naming the key until the bureau registers it (第九条: one
//! form, fields described once).

use lianban_sdk::dictionary::{self, field, material};
use lianban_sdk::prelude::*;

#[derive(Default)]
pub struct UnknownField;

impl Rules for UnknownField {
    fn manifest(&self) -> Manifest {
        use Requirement::Always;
        let mut pickup = field("card.pickup-point", Requirement::Optional);
        pickup.label = "社保卡领取网点".into();
        pickup.kind = FieldKind::Text;
        Manifest {
            matter: "social-security-card".into(),
            name: "社会保障卡申领".into(),
            department: "hrss".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            legal_days: 20,
            promised_days: 10,
            fields: vec![
                field(dictionary::APPLICANT_MOBILE, Always),
                field("child.name", Always),
                pickup,
            ],
            materials: vec![material("photo", Always)],
            review_points: vec!["领取网点须为本区社保卡服务网点".into()],
            basis: vec!["《社会保障卡管理办法》".into()],
        }
    }
}

lianban_world_v0_1::export_rules!(UnknownField);
