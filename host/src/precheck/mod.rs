//! Pre-check (形式审查 / 预审, 第十四条): every matter's active rules on one merged application,
//! one merged notice, and the deadlines.
//!
//! The same pre-check serves the clerk at the window and the applicant online: one standard
//! for both channels (第十二条).

pub mod merged;
mod notice;

use std::collections::BTreeMap;

use lianban_sdk::{Channel, Date, Deadline, Exemption, Finding, RuleError, Severity};
use serde::{Deserialize, Serialize};

pub use merged::{Merged, merge as merge_manifests};
pub use notice::NoticeItem;

use crate::calendar::Calendar;
use crate::catalog::OneThing;
use crate::keys::is_key;
use crate::registry::Registry;
use crate::runtime::{LogLine, RuleFailure, RulesInput};

/// Caps on one application, so that a request cannot make the host copy unbounded data into
/// every plugin.
pub const MAX_FIELDS: usize = 500;
pub const MAX_MATERIALS: usize = 200;
pub const MAX_ATTRIBUTES: usize = 50;
pub const MAX_VALUE_CHARS: usize = 4_000;

/// The body of a pre-check: the merged application.
pub type PrecheckRequest = lianban_sdk::MergedApplication;

/// A request that is well-formed JSON but not a usable application.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("too many {what}: {count} (at most {max})")]
    TooMany {
        what: &'static str,
        count: usize,
        max: usize,
    },
    #[error("invalid key {0}")]
    BadKey(String),
    #[error("value of {0} is too long")]
    TooLong(String),
    #[error("material {0} listed twice")]
    DuplicateMaterial(String),
}

/// Checks the caps and the key syntax of a request before any rule sees it.
pub fn validate(request: &PrecheckRequest) -> Result<(), InputError> {
    let too_many = |what, count, max| {
        if count > max {
            Err(InputError::TooMany { what, count, max })
        } else {
            Ok(())
        }
    };
    too_many("fields", request.fields.len(), MAX_FIELDS)?;
    too_many("materials", request.materials.len(), MAX_MATERIALS)?;
    let check_map = |m: &BTreeMap<String, String>| -> Result<(), InputError> {
        for (k, v) in m {
            if !is_key(k) {
                return Err(InputError::BadKey(k.clone()));
            }
            if v.chars().count() > MAX_VALUE_CHARS {
                return Err(InputError::TooLong(k.clone()));
            }
        }
        Ok(())
    };
    check_map(&request.fields)?;
    let mut seen = std::collections::BTreeSet::new();
    for m in &request.materials {
        if !is_key(&m.code) {
            return Err(InputError::BadKey(m.code.clone()));
        }
        if !seen.insert(m.code.as_str()) {
            return Err(InputError::DuplicateMaterial(m.code.clone()));
        }
        too_many("attributes", m.attributes.len(), MAX_ATTRIBUTES)?;
        check_map(&m.attributes)?;
    }
    Ok(())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MatterStatus {
    /// The rules answered; see the findings.
    Checked,
    /// The rules said they could not decide.
    RuleError,
    /// The rules component failed (trap, budget, timeout …).
    Failed,
    /// No version of the matter's rules is active.
    NoActiveRules,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct FailureSummary {
    pub code: &'static str,
    pub export: &'static str,
    /// Trap detail, guest stderr and logs: for administrators only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stderr: Option<String>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct MatterReport {
    pub matter: String,
    pub name: String,
    pub department: String,
    pub status: MatterStatus,
    pub version: Option<String>,
    pub sha256: Option<String>,
    pub findings: Vec<Finding>,
    /// Materials this matter's rules found an electronic certificate for (免提交): the
    /// applicant need not bring them for this matter. Only rules built for API 0.2.0 and
    /// granted `elicense` report any.
    pub exempt: Vec<Exemption>,
    pub rule_errors: Vec<RuleError>,
    pub deadline: Option<Deadline>,
    pub deadline_error: Option<RuleError>,
    pub failure: Option<FailureSummary>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub logs: Vec<LogLine>,
    pub fuel_used: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct JudgedBy {
    pub matter: String,
    pub version: String,
    pub sha256: String,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PrecheckReport {
    pub one_thing: String,
    pub one_thing_name: String,
    pub channel: Channel,
    pub today: Date,
    /// The latest day the departments accept the application if it is received today: one
    /// working day for distribution and acceptance at the window, one more online for the
    /// window's confirmation (第十四条、第十五条). Deadlines below count from it, so they are
    /// the latest dates the applicant can be promised.
    pub expected_acceptance: Option<Date>,
    pub ready: bool,
    /// The one-time notice: everything to add or correct, each thing once.
    pub notice: Vec<NoticeItem>,
    pub matters: Vec<MatterReport>,
    /// The exact rule versions that judged this pre-check.
    pub judged_by: Vec<JudgedBy>,
}

/// A finding as `severity/subject/code` (`blocking/material:household-register/material.missing`):
/// what shadow replays compare and plugin fixtures expect, leaving the wording free to change.
pub fn finding_key(f: &lianban_sdk::Finding) -> String {
    let subject = match &f.subject {
        lianban_sdk::Subject::Field(k) => format!("field:{k}"),
        lianban_sdk::Subject::Material(c) => format!("material:{c}"),
        lianban_sdk::Subject::Application => "application".to_owned(),
    };
    let severity = match f.severity {
        Severity::Blocking => "blocking",
        Severity::Advisory => "advisory",
    };
    format!("{severity}/{subject}/{}", f.code)
}

/// Runs the pre-check. Blocking: call it off the async executor. `for_admin` adds trap details,
/// guest stderr and rule logs to the report.
pub fn run(
    registry: &Registry,
    calendar: &Calendar,
    one_thing: &OneThing,
    request: &PrecheckRequest,
    today: Date,
    for_admin: bool,
) -> PrecheckReport {
    let cal = calendar.current();
    let acceptance_days = match request.channel {
        Channel::Window => 1,
        Channel::Online => 2,
    };
    let expected_acceptance = cal.add_working_days(today, acceptance_days).ok();
    // A year without calendar data still lets the rules judge the application; the deadline
    // they compute from `today` will say the calendar is missing.
    let accepted_on = expected_acceptance.unwrap_or(today);
    // When the inputs kept for shadow replays were recorded (the day is enough: the time of a
    // pre-check is not what a replay compares).
    let stamp = today.to_string();
    // The matter's code is the only part of the application that differs between matters.
    let mut input = RulesInput::new(request.for_matter("", today));

    let mut matters = Vec::new();
    for m in &one_thing.matters {
        let mut report = MatterReport {
            matter: m.code.clone(),
            name: m.name.clone(),
            department: m.department.clone(),
            status: MatterStatus::NoActiveRules,
            version: None,
            sha256: None,
            findings: Vec::new(),
            exempt: Vec::new(),
            rule_errors: Vec::new(),
            deadline: None,
            deadline_error: None,
            failure: None,
            logs: Vec::new(),
            fuel_used: 0,
        };
        let Some(active) = registry.active(&m.code) else {
            matters.push(report);
            continue;
        };
        report.version = Some(active.version.version.clone());
        report.sha256 = Some(active.version.sha256.clone());
        registry.record_input(&m.code, accepted_on, &stamp, || {
            request.for_matter(&m.code, today)
        });
        input.set_matter(&m.code);
        match registry.runtime().evaluate_input(
            &active.plugin,
            &input,
            accepted_on,
            &registry.imports(&active.version, cal.clone()),
        ) {
            Ok(eval) => {
                report.status = MatterStatus::Checked;
                report.exempt = eval.exempt;
                for part in [eval.materials, eval.form] {
                    match part {
                        Ok(f) => report.findings.extend(f),
                        Err(e) => {
                            report.status = MatterStatus::RuleError;
                            report.rule_errors.push(e);
                        }
                    }
                }
                match eval.deadline {
                    Ok(d) => report.deadline = Some(d),
                    Err(e) => report.deadline_error = Some(e),
                }
                report.fuel_used = eval.fuel_used;
                if for_admin {
                    report.logs = eval.logs;
                }
            }
            Err(failure) => {
                tracing::warn!(%failure, "rule failure during pre-check");
                report.status = MatterStatus::Failed;
                report.failure = Some(summary(&failure, for_admin));
            }
        }
        matters.push(report);
    }

    let notice = notice::merge(
        matters
            .iter()
            .map(|m| (m.matter.as_str(), m.findings.as_slice())),
    );
    let ready = matters.iter().all(|m| m.status == MatterStatus::Checked)
        && !notice.iter().any(|n| n.severity == Severity::Blocking);
    let judged_by = matters
        .iter()
        .filter_map(|m| {
            Some(JudgedBy {
                matter: m.matter.clone(),
                version: m.version.clone()?,
                sha256: m.sha256.clone()?,
            })
        })
        .collect();
    PrecheckReport {
        one_thing: one_thing.code.clone(),
        one_thing_name: one_thing.name.clone(),
        channel: request.channel,
        today,
        expected_acceptance,
        ready,
        notice,
        matters,
        judged_by,
    }
}

fn summary(failure: &RuleFailure, for_admin: bool) -> FailureSummary {
    FailureSummary {
        code: failure.kind.code(),
        export: failure.export,
        detail: for_admin.then(|| failure.detail.clone()),
        stderr: for_admin.then(|| failure.stderr.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> PrecheckRequest {
        serde_json::from_value(serde_json::json!({
            "one_thing": "newborn",
            "channel": "window",
            "fields": {"child.name": "王小明"},
            "materials": [{"code": "household-register", "form": "original",
                           "attributes": {"holder.id-number": "11010519491231002X"}}]
        }))
        .unwrap()
    }

    #[test]
    fn builds_the_application_each_matter_sees() {
        let app = request().for_matter("birth-registration", Date::ymd(2026, 11, 27));
        assert_eq!(app.matter, "birth-registration");
        assert_eq!(app.field("child.name"), Some("王小明"));
        assert_eq!(
            app.material("household-register")
                .unwrap()
                .attribute("holder.id-number"),
            Some("11010519491231002X")
        );
    }

    #[test]
    fn rejects_bad_keys_duplicates_and_oversize() {
        assert_eq!(validate(&request()), Ok(()));
        let mut r = request();
        r.fields.insert("../x".into(), "v".into());
        assert_eq!(validate(&r), Err(InputError::BadKey("../x".into())));
        let mut r = request();
        r.materials.push(r.materials[0].clone());
        assert!(matches!(
            validate(&r),
            Err(InputError::DuplicateMaterial(_))
        ));
        let mut r = request();
        r.fields
            .insert("child.name".into(), "长".repeat(MAX_VALUE_CHARS + 1));
        assert!(matches!(validate(&r), Err(InputError::TooLong(_))));
        let mut r = request();
        for i in 0..=MAX_FIELDS {
            r.fields.insert(format!("k.{i}"), "v".into());
        }
        assert!(matches!(validate(&r), Err(InputError::TooMany { .. })));
    }

    #[test]
    fn unknown_json_fields_are_refused() {
        let r: Result<PrecheckRequest, _> = serde_json::from_value(serde_json::json!({
            "one_thing": "newborn", "channel": "window", "feilds": {}
        }));
        assert!(r.is_err());
    }
}
