//! A rules component that behaves until asked not to. It passes the upload smoke call (an
//! empty application) and misbehaves when the form field `hostile.mode` says how (see
//! [`Hostile`]'s methods for the modes of each check).
//!
//! Its `manifest` misbehaves too when the component's bytes say so: [`MANIFEST_MODE`] is a
//! marker in the data segment that a test overwrites in the built component (same length, so
//! the component stays valid) to get, from one build, a component whose manifest loops,
//! sleeps, waits or hoards memory. The manifest has no input, so this is the only way to ask.
//!
//! It claims to be a version of 预防接种证办理 (department `cdc`) so the end-to-end tests can
//! upload and activate it like any other version.

mod echo;
mod waits;

use lianban_sdk::prelude::*;

/// What `manifest` does: the marker, then the mode padded with spaces to 16 bytes (`none`,
/// `loop`, `sleep`, `poll`, `memory`).
pub static MANIFEST_MODE: [u8; 41] = *b"lianban-hostile-manifest:none            ";

/// The marker a test looks for in the component's bytes.
pub const MANIFEST_MARKER: &[u8] = b"lianban-hostile-manifest:";

fn manifest_mode() -> String {
    // Read through `black_box` so the optimiser cannot fold the constant it sees here: the
    // bytes that count are the ones in the (possibly patched) component.
    let raw: &[u8; 41] = std::hint::black_box(&MANIFEST_MODE);
    String::from_utf8_lossy(&raw[MANIFEST_MARKER.len()..])
        .trim_end()
        .to_owned()
}

#[derive(Default)]
pub struct Hostile;

/// Recursion whose frames the optimiser cannot merge into a loop.
fn deep(n: u64) -> u64 {
    if n == u64::MAX {
        return 0;
    }
    std::hint::black_box(deep(std::hint::black_box(n + 1))) + 1
}

/// Allocates until the host refuses.
fn hoard() -> ! {
    let mut hoard: Vec<Vec<u8>> = Vec::new();
    loop {
        hoard.push(vec![1u8; 1 << 20]);
        std::hint::black_box(&hoard);
    }
}

fn spin() -> ! {
    let mut x = 0u64;
    loop {
        x = std::hint::black_box(x.wrapping_add(1));
    }
}

/// Ten minutes: far beyond any budget.
fn sleep_long() {
    std::thread::sleep(std::time::Duration::from_secs(600));
}

impl Rules for Hostile {
    fn manifest(&self) -> Manifest {
        match manifest_mode().as_str() {
            "loop" => spin(),
            "sleep" => sleep_long(),
            "poll" => waits::poll_timer(),
            "memory" => hoard(),
            _ => {}
        }
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

    /// `sleep-materials` sleeps here.
    fn check_materials(
        &self,
        app: &Application,
        _host: &dyn Host,
    ) -> Result<Vec<Finding>, RuleError> {
        if app.field("hostile.mode") == Some("sleep-materials") {
            sleep_long();
        }
        Ok(standard::check_materials(self.cached_manifest(), app))
    }

    /// `spin`, `memory`, `recursion`, `panic`, `flood`, `log`; the waits `sleep`, `poll`
    /// (on a ten-minute timer), `block` (on a timer for the end of time) and `stdin` (a
    /// blocking read); answers out of bounds `long-message`, `many-findings`, `bad-code`;
    /// `echo:…` (see `echo.rs`); and
    /// `sandbox`, which reports what the component sees of the outside world through WASI.
    fn review_form(&self, app: &Application, host: &dyn Host) -> Result<Vec<Finding>, RuleError> {
        echo::form_reviewed();
        let finding = |text: String| {
            Ok(vec![Finding::advisory(
                Subject::Application,
                "hostile",
                text,
            )])
        };
        match app.field("hostile.mode") {
            Some(mode) if mode.starts_with(echo::PREFIX) => {
                Ok(echo::finding(mode).into_iter().collect())
            }
            Some("spin") => spin(),
            Some("memory") => hoard(),
            Some("recursion") => finding(deep(0).to_string()),
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
            Some("sleep") => {
                sleep_long();
                finding("woke".into())
            }
            Some("poll") => {
                waits::poll_timer();
                finding("polled".into())
            }
            Some("block") => {
                waits::block_forever();
                finding("unblocked".into())
            }
            Some("stdin") => finding(waits::read_stdin()),
            Some("long-message") => finding("很长的提示".repeat(20_000)),
            Some("many-findings") => Ok((0..5_000)
                .map(|i| Finding::advisory(Subject::Application, "many", format!("第 {i} 条")))
                .collect()),
            Some("bad-code") => Ok(vec![Finding::blocking(
                Subject::Field("../../etc/passwd".into()),
                "NOT A CODE!",
                "代码不合规",
            )]),
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
                finding(format!("clock={clock} env={env} files={files} hash={hash}"))
            }
            _ => Ok(vec![]),
        }
    }

    /// `sleep-deadline` sleeps here; `bad-date`, `early`, `late`, `absurd-days` and
    /// `huge-basis` answer out of bounds; `echo:…` answers what the application dictates (see
    /// `echo.rs`).
    fn deadline(
        &self,
        app: &Application,
        accepted_on: Date,
        host: &dyn Host,
    ) -> Result<Deadline, RuleError> {
        let standard = || standard::deadline(self.cached_manifest(), accepted_on, host);
        let mode = app.field("hostile.mode").unwrap_or_default();
        if let Some(answer) = echo::deadline(mode) {
            return Ok(answer);
        }
        match mode {
            "sleep-deadline" => {
                sleep_long();
                standard()
            }
            "bad-date" => Ok(Deadline {
                due: Date {
                    year: 2026,
                    month: 13,
                    day: 45,
                },
                working_days: 0,
                basis: "不存在的日期".into(),
            }),
            "early" => Ok(Deadline {
                due: Date {
                    year: 1999,
                    month: 1,
                    day: 1,
                },
                working_days: 1,
                basis: "早于受理日".into(),
            }),
            "late" => Ok(Deadline {
                due: Date {
                    year: 2030,
                    month: 6,
                    day: 3,
                },
                working_days: 5,
                basis: "远超法定时限".into(),
            }),
            "absurd-days" => standard().map(|d| Deadline {
                working_days: 4_000_000_000,
                ..d
            }),
            "huge-basis" => standard().map(|d| Deadline {
                basis: "依据".repeat(100_000),
                ..d
            }),
            _ => standard(),
        }
    }
}

lianban_world_v0_1::export_rules!(Hostile);
