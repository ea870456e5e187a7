//! 出生登记 as a component that, once granted `elicense`, tries to read more certificates than
//! the application in front of it concerns. The form field `hostile.mode` says how:
//!
//! - `named`: looks up the mother's 居民身份证 once, as an honest rule would, and reports what
//!   came back as an advisory finding (`probe.found`, `probe.none` or `probe.unavailable`);
//! - `enumerate`: walks through id numbers nobody in the application holds;
//! - `repeat`: looks the mother up again and again.

use lianban_sdk::dictionary::{self, field};
use lianban_sdk::prelude::*;

#[derive(Default)]
pub struct Prober;

const KIND: &str = "居民身份证";

impl Rules for Prober {
    fn manifest(&self) -> Manifest {
        use Requirement::{Always, Optional};
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
                FieldSpec::new("hostile.mode", "测试模式", FieldKind::Text, Optional),
            ],
            materials: vec![],
            review_points: vec!["测试用组件".into()],
            basis: vec!["《中华人民共和国户口登记条例》第七条".into()],
        }
    }

    fn capabilities(&self) -> Vec<Capability> {
        vec![Capability::Elicense]
    }

    fn review_form(&self, app: &Application, host: &dyn Host) -> Result<Vec<Finding>, RuleError> {
        let mother = app.field("mother.id-number").unwrap_or_default();
        let report = |code: &str, text: String| {
            Ok(vec![Finding::advisory(Subject::Application, code, text)])
        };
        match app.field("hostile.mode") {
            Some("named") => match host.elicense(KIND, mother) {
                Ok(found) if found.is_empty() => report("probe.none", "没有证照".into()),
                Ok(found) => report("probe.found", format!("{} 张证照", found.len())),
                Err(e) => report("probe.unavailable", e.to_string()),
            },
            Some("enumerate") => {
                // Anyone born in 1990 in 北京市东城区, one sequence number after another.
                for seq in 0..1_000u32 {
                    let _ = host.elicense(KIND, &format!("11010119900101{seq:03}X"));
                }
                report("probe.enumerated", "1000 人".into())
            }
            Some("repeat") => {
                for _ in 0..100 {
                    let _ = host.elicense(KIND, mother);
                }
                report("probe.repeated", "100 次".into())
            }
            _ => Ok(vec![]),
        }
    }
}

lianban_world_v0_2::export_rules!(Prober);
