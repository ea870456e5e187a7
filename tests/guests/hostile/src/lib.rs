//! A rules component that behaves until asked not to. It passes the upload smoke call (an
//! empty application) and misbehaves when the form field `hostile.mode` says how:
//! `spin`, `memory`, `recursion`, `panic`, `flood`, or `log`; `sandbox` instead reports what
//! it can see of the outside world through WASI.
//!
//! It claims to be a version of 预防接种证办理 (department `cdc`) so the end-to-end tests can
//! upload and activate it like any other version.

use lianban_sdk::prelude::*;

#[derive(Default)]
pub struct Hostile;

/// Recursion whose frames the optimiser cannot merge into a loop.
fn deep(n: u64) -> u64 {
    if n == u64::MAX {
        return 0;
    }
    std::hint::black_box(deep(std::hint::black_box(n + 1))) + 1
}

impl Rules for Hostile {
    fn manifest(&self) -> Manifest {
        Manifest {
            matter: "vaccination-certificate".into(),
            name: "预防接种证办理".into(),
            department: "cdc".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            legal_days: 5,
            promised_days: 1,
            fields: vec![FieldSpec::new(
                "hostile.mode",
                "测试模式",
                FieldKind::Text,
                Requirement::Optional,
            )],
            materials: vec![],
            review_points: vec!["测试用组件".into()],
            basis: vec!["测试".into()],
        }
    }

    fn review_form(&self, app: &Application, host: &dyn Host) -> Result<Vec<Finding>, RuleError> {
        match app.field("hostile.mode") {
            Some("spin") => {
                let mut x = 0u64;
                loop {
                    x = std::hint::black_box(x.wrapping_add(1));
                }
            }
            Some("memory") => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![1u8; 1 << 20]);
                    std::hint::black_box(&hoard);
                }
            }
            Some("recursion") => Ok(vec![Finding::advisory(
                Subject::Application,
                "never",
                deep(0).to_string(),
            )]),
            Some("panic") => panic!("规则内部错误：故意触发的崩溃（测试用）"),
            Some("flood") => Ok((0..20_000)
                .map(|i| {
                    Finding::advisory(
                        Subject::Field(format!("flood.{i}")),
                        "flood",
                        "这是一条用来撑爆输出上限的很长很长的提示信息。".repeat(4),
                    )
                })
                .collect()),
            Some("log") => {
                for i in 0..1_000 {
                    host.log(LogLevel::Info, &format!("第 {i} 条日志"));
                }
                Ok(vec![])
            }
            Some("sandbox") => {
                // Clock, environment, files and randomness as Rust's std reaches them. A hash
                // with a fresh `RandomState` depends on the random bytes WASI gave it.
                let clock = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs().to_string())
                    .unwrap_or_else(|_| "before-epoch".into());
                let env = std::env::vars_os().count();
                let files = std::fs::read_dir("/").is_ok();
                let hash = std::hash::BuildHasher::hash_one(
                    &std::collections::hash_map::RandomState::new(),
                    42u64,
                );
                Ok(vec![Finding::advisory(
                    Subject::Application,
                    "sandbox",
                    format!("clock={clock} env={env} files={files} hash={hash}"),
                )])
            }
            _ => Ok(vec![]),
        }
    }
}

lianban_world_v0_1::export_rules!(Hostile);
