//! The department developer kit behind `lianban plugin …`: start a plugin crate (`scaffold.rs`),
//! run a component in the very runtime the host uses against JSON fixtures, push it to a host,
//! and ask a host for a shadow replay.
//!
//! A fixture is one JSON file:
//!
//! ```json
//! { "today": "2026-11-27",
//!   "accepted_on": "2026-11-30",
//!   "application": { "one_thing": "newborn", "channel": "window", "fields": {…}, "materials": […] },
//!   "expect": { "findings": ["blocking/material:household-register/material.missing"],
//!               "deadline_due": "2026-12-01" } }
//! ```
//!
//! `application` is the merged application a pre-check receives; the component sees it as its
//! own matter would. `accepted_on` defaults to the next working day after `today`. Findings are
//! compared as `severity/subject/code`, the whole set, so wording can change freely; `failure`
//! (`rule_panic`, …) expects the call to fail.

mod scaffold;
mod vendor;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use scaffold::{Scaffold, SdkSource};
pub use vendor::FOLDER as VENDOR_FOLDER;

use lianban_sdk::{Date, Deadline, Finding, Manifest, MergedApplication, RuleError};
use serde::Deserialize;
use serde_json::Value;

use crate::elicense::{ElicenseSource, InMemory};
use crate::precheck::finding_key;
use crate::runtime::{
    Described, Imports, Limits, LoadError, LogLine, PluginIdent, RuleFailure, Runtime,
    RuntimeConfig, declared_api,
};

#[derive(Debug, thiserror::Error)]
pub enum DevkitError {
    #[error("{0}")]
    Load(#[from] LoadError),
    #[error("the component failed while giving its manifest: {0}")]
    Manifest(Box<RuleFailure>),
    #[error("{path}: {reason}")]
    Fixture { path: PathBuf, reason: String },
    #[error("cannot start the runtime: {0}")]
    Runtime(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("request to the host failed: {0}")]
    Http(String),
    #[error("the host answered {status}: {body}")]
    Refused { status: u16, body: String },
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    #[serde(default)]
    pub findings: Option<Vec<String>>,
    #[serde(default)]
    pub deadline_due: Option<Date>,
    #[serde(default)]
    pub failure: Option<String>,
    /// Material codes an electronic certificate should exempt (rules API 0.2.0).
    #[serde(default)]
    pub exempt: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FixtureFile {
    #[serde(default)]
    description: Option<String>,
    today: Date,
    #[serde(default)]
    accepted_on: Option<Date>,
    application: MergedApplication,
    /// Electronic certificates the platform holds for this fixture; a component that declares
    /// `elicense` is granted it and looks them up here.
    #[serde(default)]
    certificates: Vec<lianban_sdk::Certificate>,
    #[serde(default)]
    expect: Option<Expect>,
}

/// What one fixture gave, and where it differed from its expectation.
#[derive(Debug)]
pub struct FixtureRun {
    pub name: String,
    pub description: Option<String>,
    pub findings: Vec<Finding>,
    pub exempt: Vec<lianban_sdk::Exemption>,
    pub rule_errors: Vec<RuleError>,
    pub deadline: Option<Result<Deadline, RuleError>>,
    pub fuel_used: u64,
    pub peak_memory_bytes: usize,
    pub logs: Vec<LogLine>,
    pub failure: Option<Box<RuleFailure>>,
    pub mismatches: Vec<String>,
}

#[derive(Debug)]
pub struct TestRun {
    pub api: String,
    pub manifest: Manifest,
    pub capabilities: Vec<lianban_sdk::Capability>,
    pub fixtures: Vec<FixtureRun>,
}

impl TestRun {
    pub fn passed(&self) -> bool {
        self.fixtures.iter().all(|f| f.mismatches.is_empty())
    }

    /// The report printed for the developer.
    pub fn render(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let m = &self.manifest;
        let _ = writeln!(
            out,
            "{} {}（{}，部门 {}）· 规则接口 {}",
            m.name, m.version, m.matter, m.department, self.api
        );
        if !self.capabilities.is_empty() {
            let names: Vec<&str> = self.capabilities.iter().map(|c| c.as_str()).collect();
            let _ = writeln!(
                out,
                "声明的能力：{}（上线前须由管理员为事项授权）",
                names.join("、")
            );
        }
        for f in &self.fixtures {
            let verdict = if f.mismatches.is_empty() {
                "通过"
            } else {
                "不符"
            };
            let _ = writeln!(out, "\n[{verdict}] {}", f.name);
            if let Some(d) = &f.description {
                let _ = writeln!(out, "  {d}");
            }
            for finding in &f.findings {
                let _ = writeln!(out, "  {}：{}", finding_key(finding), finding.message);
            }
            for e in &f.exempt {
                let _ = writeln!(
                    out,
                    "  免提交 {}：以电子证照 {} {} 代替",
                    e.material, e.elicense, e.number
                );
            }
            for e in &f.rule_errors {
                let _ = writeln!(out, "  规则无法判断 {}：{}", e.code, e.message);
            }
            match &f.deadline {
                Some(Ok(d)) => {
                    let _ = writeln!(
                        out,
                        "  办结时限：{}（{} 个工作日；{}）",
                        d.due, d.working_days, d.basis
                    );
                }
                Some(Err(e)) => {
                    let _ = writeln!(out, "  办结时限无法计算 {}：{}", e.code, e.message);
                }
                None => {}
            }
            if let Some(failure) = &f.failure {
                let _ = writeln!(
                    out,
                    "  调用失败 {}：{}",
                    failure.kind.code(),
                    failure.detail
                );
                if !failure.stderr.is_empty() {
                    let _ = writeln!(out, "  stderr：{}", failure.stderr.trim_end());
                }
            }
            let _ = writeln!(
                out,
                "  燃料 {} · 内存峰值 {} KiB",
                f.fuel_used,
                f.peak_memory_bytes / 1024
            );
            for l in &f.logs {
                let _ = writeln!(out, "  日志 [{}] {}", l.level, l.message);
            }
            for mismatch in &f.mismatches {
                let _ = writeln!(out, "  ✗ {mismatch}");
            }
        }
        let failed = self
            .fixtures
            .iter()
            .filter(|f| !f.mismatches.is_empty())
            .count();
        let _ = writeln!(
            out,
            "\n{} 个样例，{} 个通过，{} 个不符",
            self.fixtures.len(),
            self.fixtures.len() - failed,
            failed
        );
        out
    }
}

/// The component's rules API and manifest, read in the host's runtime.
pub fn inspect(bytes: &[u8]) -> Result<(String, Manifest), DevkitError> {
    let runtime = Runtime::new(RuntimeConfig::default())
        .map_err(|e| DevkitError::Runtime(format!("{e:#}")))?;
    let (api, described, _) = load(&runtime, bytes)?;
    Ok((api, described.manifest))
}

fn load(
    runtime: &Runtime,
    bytes: &[u8],
) -> Result<(String, Described, crate::runtime::Plugin), DevkitError> {
    let declared = declared_api(bytes)?;
    let (component, _) = runtime.compile(bytes)?;
    let ident = PluginIdent {
        matter: String::new(),
        department: String::new(),
        version: String::new(),
        sha256: crate::registry::sha256_hex(bytes),
    };
    let mut plugin =
        runtime.prepare_detected(&component, declared.as_deref(), ident, Limits::default())?;
    let calendar = Arc::new(lianban_sdk::testing::official_calendar());
    let described = runtime
        .manifest(&plugin, &Imports::calendar(calendar))
        .map_err(DevkitError::Manifest)?;
    plugin.legal_days = Some(described.manifest.legal_days);
    Ok((plugin.api.clone(), described, plugin))
}

/// Runs `bytes` against every `*.json` fixture in `dir`, in name order, with the official
/// working-day calendar the host ships. Blocking: call it off an async executor.
pub fn test_component(bytes: &[u8], dir: &Path) -> Result<TestRun, DevkitError> {
    let runtime = Runtime::new(RuntimeConfig::default())
        .map_err(|e| DevkitError::Runtime(format!("{e:#}")))?;
    let (api, described, plugin) = load(&runtime, bytes)?;
    let Described {
        manifest,
        capabilities,
    } = described;
    let calendar = Arc::new(lianban_sdk::testing::official_calendar());
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    let mut fixtures = Vec::new();
    for path in paths {
        let fixture_error = |reason: String| DevkitError::Fixture {
            path: path.clone(),
            reason,
        };
        let text = std::fs::read_to_string(&path)?;
        let file: FixtureFile =
            serde_json::from_str(&text).map_err(|e| fixture_error(e.to_string()))?;
        let app = file.application.for_matter(&manifest.matter, file.today);
        let accepted_on = match file.accepted_on {
            Some(d) => d,
            None => calendar
                .add_working_days(file.today, 1)
                .map_err(|e| fixture_error(e.to_string()))?,
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut run = FixtureRun {
            name,
            description: file.description,
            findings: Vec::new(),
            exempt: Vec::new(),
            rule_errors: Vec::new(),
            deadline: None,
            fuel_used: 0,
            peak_memory_bytes: 0,
            logs: Vec::new(),
            failure: None,
            mismatches: Vec::new(),
        };
        // What the component declared is granted, as an administrator would before activating.
        let imports = Imports {
            calendar: calendar.clone(),
            elicense: capabilities
                .contains(&lianban_sdk::Capability::Elicense)
                .then(|| Arc::new(InMemory::new(file.certificates)) as Arc<dyn ElicenseSource>),
        };
        match runtime.evaluate(&plugin, &app, accepted_on, &imports) {
            Ok(eval) => {
                run.exempt = eval.exempt;
                for part in [eval.materials, eval.form] {
                    match part {
                        Ok(f) => run.findings.extend(f),
                        Err(e) => run.rule_errors.push(e),
                    }
                }
                run.deadline = Some(eval.deadline);
                run.fuel_used = eval.fuel_used;
                run.peak_memory_bytes = eval.peak_memory_bytes;
                run.logs = eval.logs;
            }
            Err(failure) => {
                run.logs = failure.logs.clone();
                run.failure = Some(failure);
            }
        }
        run.mismatches = compare(&run, &file.expect.unwrap_or_default());
        fixtures.push(run);
    }
    Ok(TestRun {
        api,
        manifest,
        capabilities,
        fixtures,
    })
}

fn compare(run: &FixtureRun, expect: &Expect) -> Vec<String> {
    let mut out = Vec::new();
    let failed = run.failure.as_ref().map(|f| f.kind.code().to_owned());
    if failed != expect.failure {
        out.push(format!(
            "调用结果应为 {}，实际为 {}",
            expect.failure.as_deref().unwrap_or("正常返回"),
            failed.as_deref().unwrap_or("正常返回")
        ));
    }
    if let Some(want) = &expect.findings {
        let mut want: Vec<&str> = want.iter().map(String::as_str).collect();
        want.sort_unstable();
        let mut got: Vec<String> = run.findings.iter().map(finding_key).collect();
        got.sort_unstable();
        for missing in want.iter().filter(|w| !got.iter().any(|g| g == *w)) {
            out.push(format!("缺少预期的结论 {missing}"));
        }
        for extra in got.iter().filter(|g| !want.contains(&g.as_str())) {
            out.push(format!("多出了结论 {extra}"));
        }
    }
    if let Some(want) = &expect.exempt {
        let mut got: Vec<&str> = run.exempt.iter().map(|e| e.material.as_str()).collect();
        got.sort_unstable();
        let mut want: Vec<&str> = want.iter().map(String::as_str).collect();
        want.sort_unstable();
        if got != want {
            out.push(format!(
                "免提交材料应为 [{}]，实际为 [{}]",
                want.join("、"),
                got.join("、")
            ));
        }
    }
    if let Some(due) = expect.deadline_due {
        match &run.deadline {
            Some(Ok(d)) if d.due == due => {}
            Some(Ok(d)) => out.push(format!("办结日期应为 {due}，实际为 {}", d.due)),
            _ => out.push(format!("办结日期应为 {due}，实际没有算出")),
        }
    }
    out
}

/// Uploads a component to `host` as a new version of the matter its manifest names.
pub async fn push(host: &str, token: &str, bytes: Vec<u8>) -> Result<Value, DevkitError> {
    let (_, manifest) = {
        let bytes = bytes.clone();
        tokio::task::spawn_blocking(move || inspect(&bytes))
            .await
            .map_err(|e| DevkitError::Runtime(e.to_string()))??
    };
    let url = format!(
        "{}/api/v1/matters/{}/versions",
        host.trim_end_matches('/'),
        manifest.matter
    );
    let request = reqwest::Client::new()
        .post(url)
        .bearer_auth(token)
        .header("content-type", "application/wasm")
        .body(bytes);
    answer(request).await
}

/// Asks `host` for a shadow replay of a version.
pub async fn replay(
    host: &str,
    token: &str,
    matter: &str,
    sha256: &str,
    limit: Option<usize>,
    live_elicense: bool,
) -> Result<Value, DevkitError> {
    let mut url = format!(
        "{}/api/v1/matters/{matter}/versions/{sha256}/replay?live_elicense={live_elicense}",
        host.trim_end_matches('/')
    );
    if let Some(n) = limit {
        url.push_str(&format!("&limit={n}"));
    }
    answer(reqwest::Client::new().post(url).bearer_auth(token)).await
}

async fn answer(request: reqwest::RequestBuilder) -> Result<Value, DevkitError> {
    let response = request
        .send()
        .await
        .map_err(|e| DevkitError::Http(e.to_string()))?;
    let status = response.status();
    let body = response
        .text()
        .await
        .map_err(|e| DevkitError::Http(e.to_string()))?;
    if !status.is_success() {
        return Err(DevkitError::Refused {
            status: status.as_u16(),
            body,
        });
    }
    serde_json::from_str(&body).map_err(|e| DevkitError::Http(e.to_string()))
}
