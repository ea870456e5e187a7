//! The workflow as the API drives it: intake with the pre-check, the commands of windows and
//! departments, and the reads. Each command reads the case, applies the state machine, and
//! commits the new case, its audit event and its outbox messages in one flushed transaction;
//! if another command got there first, it reads again and re-applies, so of two conflicting
//! commands one wins and the other meets the new state.

use std::collections::BTreeMap;
use std::sync::Arc;

use bytes::Bytes;
use lianban_sdk::{Channel, Date, MaterialInput, MergedApplication, validate};
use serde::Deserialize;

use super::audit::{Broken, Event, reseal, verify};
use super::machine::{Change, Command, Ctx, Effect, WorkflowError, advance, apply, state_of};
use super::model::{
    Applicant, Case, CaseMaterial, CaseStatus, Delivery, Due, ItemStatus, Outcome, ResultDocument,
    SuspensionKind,
};
use super::outbox::Message;
use super::{NewCase, new_case};
use crate::calendar::Calendar;
use crate::catalog::{Catalog, OneThing};
use crate::clock::Clock;
use crate::files::MaterialFiles;
use crate::precheck::{self, InputError, PrecheckReport};
use crate::registry::{Registry, RegistryError};
use crate::secret::SecretKey;
use crate::store::{CaseStore, Commit, Head, Remembered, StoreError};

/// Who issues a command, as the audit trail names them.
#[derive(Clone, Debug)]
pub struct Actor {
    pub name: String,
    pub role: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Workflow(#[from] WorkflowError),
    #[error("no case {0}")]
    NotFound(String),
    #[error("no one-thing {0}")]
    UnknownOneThing(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Input(#[from] InputError),
    #[error("rules unavailable for: {}", .0.join(", "))]
    RulesUnavailable(Vec<String>),
    #[error("the case keeps changing; retry")]
    Contended,
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> ServiceError {
        ServiceError::Store(e)
    }
}

type Result<T> = std::result::Result<T, ServiceError>;

/// A command's committed state with the JSON it was stored as. The reply is built from the
/// same bytes, so a command encodes its case once rather than once for the store and again
/// for the client.
#[derive(Clone, Debug)]
pub struct Committed {
    pub case: Arc<Case>,
    pub json: Bytes,
    /// The answer committed with the command, when the request carried an `Idempotency-Key`.
    pub answer: Option<Remembered>,
}

/// An `Idempotency-Key` whose answer is committed together with the command it answers, so a
/// retry after a crash is answered instead of applied a second time.
pub struct Remember<'a> {
    pub scope: &'a str,
    /// Builds the answer from the state about to be committed.
    pub answer: &'a dyn Fn(&Committed) -> Remembered,
}

/// The body of an intake (window) or a submission (online).
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntakeRequest {
    pub one_thing: String,
    pub channel: Channel,
    pub applicant: Applicant,
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    #[serde(default)]
    pub materials: Vec<CaseMaterial>,
    pub delivery: Delivery,
}

/// A corrected application.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationUpdate {
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    #[serde(default)]
    pub materials: Vec<CaseMaterial>,
}

/// What a department does with one of its items.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum DepartmentAction {
    ConfirmReceipt,
    Accept,
    Reject {
        reason: String,
    },
    Suspend {
        kind: SuspensionKind,
        reason: String,
    },
    Resume,
    Decide {
        outcome: Outcome,
        #[serde(default)]
        reason: Option<String>,
        #[serde(default)]
        documents: Vec<ResultDocument>,
    },
    ReturnResult,
}

/// What the window does with a case.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum WindowAction {
    /// Online submissions: run the pre-check and either receive or send the notice.
    Confirm,
    ReceiveResult {
        matter: String,
    },
    Deliver {
        #[serde(default)]
        tracking_number: Option<String>,
    },
    Archive,
    Withdraw {
        reason: String,
    },
}

pub struct Workflow {
    store: Arc<dyn CaseStore>,
    registry: Arc<Registry>,
    calendar: Arc<Calendar>,
    catalog: Arc<Catalog>,
    pub files: MaterialFiles,
    clock: Arc<dyn Clock>,
    /// Keys the audit chains' hashes (`audit.rs`); kept outside the database.
    audit_key: SecretKey,
}

/// A case's audit trail as an inspector reads it: the commands and the reads of its personal
/// data, each chain checked.
#[derive(Debug)]
pub struct AuditTrail {
    pub events: Vec<Event>,
    pub events_checked: std::result::Result<(), Broken>,
    pub reads: Vec<Event>,
    pub reads_checked: std::result::Result<(), Broken>,
}

impl AuditTrail {
    pub fn verified(&self) -> bool {
        self.events_checked.is_ok() && self.reads_checked.is_ok()
    }
}

impl Workflow {
    pub fn new(
        store: Arc<dyn CaseStore>,
        registry: Arc<Registry>,
        calendar: Arc<Calendar>,
        catalog: Arc<Catalog>,
        files: MaterialFiles,
        clock: Arc<dyn Clock>,
        audit_key: SecretKey,
    ) -> Workflow {
        Workflow {
            store,
            registry,
            calendar,
            catalog,
            files,
            clock,
            audit_key,
        }
    }

    fn one_thing(&self, code: &str) -> Result<OneThing> {
        self.catalog
            .one_thing(code)?
            .ok_or_else(|| ServiceError::UnknownOneThing(code.to_owned()))
    }

    /// The one-thing in the version the case started on.
    fn one_thing_of(&self, case: &Case) -> Result<OneThing> {
        self.catalog
            .one_thing_version(&case.one_thing, case.one_thing_version)?
            .ok_or_else(|| ServiceError::UnknownOneThing(case.one_thing.clone()))
    }

    pub fn case(&self, id: &str) -> Result<Arc<Case>> {
        self.store
            .case(id)?
            .ok_or_else(|| ServiceError::NotFound(id.to_owned()))
    }

    /// The case's audit trail, both chains verified against their heads.
    pub fn audit(&self, id: &str) -> Result<AuditTrail> {
        self.case(id)?;
        let events = self.store.events(id)?;
        let head = self.store.head(id)?;
        let (reads, reads_head) = self.store.reads(id)?;
        Ok(AuditTrail {
            events_checked: verify(&self.audit_key, &events, head.as_ref()),
            reads_checked: verify(&self.audit_key, &reads, reads_head.as_ref()),
            events,
            reads,
        })
    }

    /// Seals the audit chains a database kept before the audit key existed, once; how many.
    pub fn seal_unkeyed_chains(&self) -> Result<usize> {
        let key = self.audit_key.clone();
        Ok(self
            .store
            .reseal_chains(&|events, head| reseal(&key, events, head))?)
    }

    /// Cases in which `department` has an item, with that item's matter.
    pub fn department_items(&self, department: &str) -> Result<Vec<(Arc<Case>, String)>> {
        let mut out = Vec::new();
        for (id, matter) in self.store.department_items(department)? {
            if let Some(case) = self.store.case(&id)? {
                out.push((case, matter));
            }
        }
        Ok(out)
    }

    fn validate_application(
        &self,
        fields: &BTreeMap<String, String>,
        materials: &[CaseMaterial],
    ) -> Result<()> {
        precheck::validate(&merged("", Channel::Window, fields, materials))?;
        for m in materials {
            for f in &m.files {
                if !self.files.exists(f) {
                    return Err(ServiceError::Invalid(format!(
                        "材料“{}”引用的文件 {f} 不存在，请先上传",
                        m.code
                    )));
                }
            }
        }
        Ok(())
    }

    /// 收件 (第十四条): a window intake is received or given the notice at once; an online
    /// submission waits for the window.
    pub fn intake(
        &self,
        actor: &Actor,
        request: IntakeRequest,
        remember: Option<&Remember<'_>>,
    ) -> Result<Committed> {
        let today = self.clock.today();
        let one_thing = self.one_thing(&request.one_thing)?;
        validate_applicant(&request.applicant, today)?;
        validate_delivery(&request.delivery)?;
        self.validate_application(&request.fields, &request.materials)?;
        let number = self.store.next_number()?;
        let calendar = self.calendar.current();
        let ctx = Ctx {
            at: self.clock.stamp(),
            today,
            calendar: &calendar,
        };
        let report = self.precheck(
            &one_thing,
            request.channel,
            &request.fields,
            &request.materials,
            today,
        );
        let mut case = new_case(
            &one_thing,
            NewCase {
                id: format!("YJS-{}-{number:06}", compact(today)),
                channel: request.channel,
                applicant: request.applicant,
                fields: request.fields,
                materials: request.materials,
                delivery: request.delivery,
                judged_by: report.judged_by.clone(),
            },
            &ctx,
        );
        let mut changes = vec![Change::new(
            "submit",
            None,
            None,
            String::new(),
            state_of(&case, None),
        )];
        let mut effects = Vec::new();
        if case.channel == Channel::Window {
            let command = self.intake_decision(&case, &one_thing, &report, number, &ctx)?;
            let (change, more) = apply(&mut case, &command, &ctx)?;
            changes.push(change);
            effects.extend(more);
        }
        self.commit(
            actor,
            Arc::new(case),
            None,
            None,
            &changes,
            &effects,
            remember,
        )
    }

    fn precheck(
        &self,
        one_thing: &OneThing,
        channel: Channel,
        fields: &BTreeMap<String, String>,
        materials: &[CaseMaterial],
        today: Date,
    ) -> PrecheckReport {
        let request = merged(&one_thing.code, channel, fields, materials);
        precheck::run(
            &self.registry,
            &self.calendar,
            one_thing,
            &request,
            today,
            false,
        )
    }

    /// Receipt or notice, from a pre-check of the case's application.
    fn intake_decision(
        &self,
        case: &Case,
        one_thing: &OneThing,
        report: &PrecheckReport,
        number: u64,
        ctx: &Ctx,
    ) -> Result<Command> {
        let unjudged: Vec<String> = report
            .matters
            .iter()
            .filter(|m| {
                m.status != precheck::MatterStatus::Checked
                    && m.status != precheck::MatterStatus::RuleError
            })
            .map(|m| m.matter.clone())
            .collect();
        if !unjudged.is_empty() {
            return Err(ServiceError::RulesUnavailable(unjudged));
        }
        let blocking: Vec<_> = report
            .notice
            .iter()
            .filter(|n| n.severity == lianban_sdk::Severity::Blocking)
            .cloned()
            .collect();
        if !blocking.is_empty() || !report.ready {
            // Everything to add or correct, at once (一次性告知); advice comes along.
            let mut items = report.notice.clone();
            if items.is_empty() {
                return Err(ServiceError::RulesUnavailable(
                    report
                        .matters
                        .iter()
                        .filter(|m| !m.rule_errors.is_empty())
                        .map(|m| m.matter.clone())
                        .collect(),
                ));
            }
            items.sort_by_key(|i| i.severity);
            return Ok(Command::IssueNotice { items });
        }
        Ok(Command::Receive {
            receipt_number: format!("HQSJ-{}-{number:06}", compact(ctx.today)),
            promised_by: self.promised_by(case, one_thing, ctx),
        })
    }

    /// The overall promised date (收件回执): along the longest chain of prerequisites, each
    /// matter takes one working day to accept plus its promised days, and the last result one
    /// more working day to reach the window.
    fn promised_by(&self, case: &Case, one_thing: &OneThing, ctx: &Ctx) -> Option<Date> {
        let promised: BTreeMap<&str, u32> = case
            .judged_by
            .iter()
            .filter_map(|j| {
                let v = self.registry.version(&j.matter, &j.sha256).ok()??;
                Some((
                    one_thing.matter(&j.matter)?.code.as_str(),
                    v.manifest.promised_days,
                ))
            })
            .collect();
        let mut finish: BTreeMap<&str, u32> = BTreeMap::new();
        for m in &one_thing.matters {
            let start = m
                .prerequisites
                .iter()
                .filter_map(|p| finish.get(p.as_str()))
                .max()
                .copied()
                .unwrap_or(0);
            finish.insert(&m.code, start + 1 + promised.get(m.code.as_str())?);
        }
        let total = finish.values().max().copied().unwrap_or(0) + 1;
        ctx.calendar.add_working_days(ctx.today, total).ok()
    }

    /// Applies `command` to the stored case and commits it, re-reading on a lost race.
    fn execute(
        &self,
        actor: &Actor,
        id: &str,
        remember: Option<&Remember<'_>>,
        mut make: impl FnMut(&Case, &Ctx) -> Result<Command>,
    ) -> Result<Committed> {
        for _ in 0..8 {
            let case = self.case(id)?;
            let head = self.store.head(id)?;
            let calendar = self.calendar.current();
            let ctx = Ctx {
                at: self.clock.stamp(),
                today: self.clock.today(),
                calendar: &calendar,
            };
            let base = case.revision;
            let command = make(&case, &ctx)?;
            let (next, change, effects) = advance(&case, &command, &ctx)?;
            let next = Arc::new(next);
            match self.commit(actor, next, Some(base), head, &[change], &effects, remember) {
                Ok(committed) => return Ok(committed),
                Err(ServiceError::Store(StoreError::Conflict(_))) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(ServiceError::Contended)
    }

    #[allow(clippy::too_many_arguments)]
    fn commit(
        &self,
        actor: &Actor,
        case: Arc<Case>,
        base_revision: Option<u64>,
        base_head: Option<Head>,
        changes: &[Change],
        effects: &[Effect],
        remember: Option<&Remember<'_>>,
    ) -> Result<Committed> {
        let at = self.clock.stamp();
        let mut events: Vec<Event> = Vec::new();
        for change in changes {
            let last = events
                .last()
                .map(|e| (e.seq, e.hash.clone()))
                .or_else(|| base_head.as_ref().map(|h| (h.seq, h.hash.clone())));
            events.push(Event::next(
                &self.audit_key,
                last.as_ref().map(|(s, h)| (*s, h.as_str())),
                &at,
                &actor.name,
                &actor.role,
                change.clone(),
            ));
        }
        let messages: Vec<Message> = effects
            .iter()
            .map(|e| match e {
                Effect::Sms(sms) => Message::Sms {
                    to: case.applicant.mobile.clone(),
                    text: sms.render(&case.one_thing_name),
                },
                Effect::Webhook {
                    department,
                    matter,
                    status,
                } => Message::Webhook {
                    department: department.clone(),
                    case_id: case.id.clone(),
                    matter: matter.clone(),
                    status: serde_json::to_value(status)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                },
            })
            .collect();
        let json = serde_json::to_vec(case.as_ref())
            .map(Bytes::from)
            .map_err(|e| StoreError::Corrupt(format!("case {} not encodable: {e}", case.id)))?;
        let mut committed = Committed {
            case,
            json,
            answer: None,
        };
        let answer = remember.map(|r| (r.answer)(&committed));
        self.store.commit_case(Commit {
            at: &at,
            case: &committed.case,
            json: &committed.json,
            base_revision,
            base_head,
            events: &events,
            messages: &messages,
            remember: remember.zip(answer.as_ref()).map(|(r, a)| (r.scope, a)),
        })?;
        committed.answer = answer;
        Ok(committed)
    }

    /// A corrected application. At the window the intake decision is taken again at once;
    /// online the case goes back to the window (第十四条).
    pub fn update_application(
        &self,
        actor: &Actor,
        id: &str,
        update: ApplicationUpdate,
        remember: Option<&Remember<'_>>,
    ) -> Result<Committed> {
        self.validate_application(&update.fields, &update.materials)?;
        // At the window the request is two commands; its answer is committed with the second.
        let at_window = self.case(id)?.channel == Channel::Window;
        let updated = self.execute(actor, id, remember.filter(|_| !at_window), |_, _| {
            Ok(Command::UpdateApplication {
                fields: update.fields.clone(),
                materials: update.materials.clone(),
            })
        })?;
        if at_window {
            return self.window(actor, id, WindowAction::Confirm, remember);
        }
        Ok(updated)
    }

    /// A department's command on its own item.
    pub fn department(
        &self,
        actor: &Actor,
        department: &str,
        id: &str,
        matter: &str,
        action: DepartmentAction,
        remember: Option<&Remember<'_>>,
    ) -> Result<Committed> {
        let matter = matter.to_owned();
        self.execute(actor, id, remember, |case, ctx| {
            // Checked on the state the command applies to, read once.
            let item = case
                .item(&matter)
                .ok_or_else(|| WorkflowError::UnknownItem(matter.clone()))?;
            if item.department != department {
                return Err(ServiceError::Forbidden(format!(
                    "事项“{}”由部门 {} 办理",
                    item.name, item.department
                )));
            }
            if item.status == ItemStatus::Waiting {
                return Err(WorkflowError::WrongState {
                    command: "department",
                    state: state_of(case, Some(&matter)),
                }
                .into());
            }
            Ok(match &action {
                DepartmentAction::ConfirmReceipt => Command::ConfirmDistribution {
                    matter: matter.clone(),
                },
                DepartmentAction::Accept => Command::Accept {
                    matter: matter.clone(),
                    decision_due: self.decision_due(case, &matter, ctx),
                },
                DepartmentAction::Reject { reason } => Command::Reject {
                    matter: matter.clone(),
                    reason: reason.clone(),
                },
                DepartmentAction::Suspend { kind, reason } => Command::Suspend {
                    matter: matter.clone(),
                    kind: *kind,
                    reason: reason.clone(),
                },
                DepartmentAction::Resume => Command::Resume {
                    matter: matter.clone(),
                },
                DepartmentAction::Decide {
                    outcome,
                    reason,
                    documents,
                } => {
                    for d in documents {
                        if let Some(f) = &d.file
                            && !self.files.exists(f)
                        {
                            return Err(ServiceError::Invalid(format!(
                                "结果文件 {f} 不存在，请先上传"
                            )));
                        }
                    }
                    Command::Decide {
                        matter: matter.clone(),
                        outcome: *outcome,
                        reason: reason.clone(),
                        documents: documents.clone(),
                    }
                }
                DepartmentAction::ReturnResult => Command::ReturnResult {
                    matter: matter.clone(),
                },
            })
        })
    }

    /// The decision clock from the rules that judged the case (第十六条), asked with the real
    /// acceptance day. If the rules cannot answer, the promised days of their manifest count.
    fn decision_due(&self, case: &Case, matter: &str, ctx: &Ctx) -> Due {
        let judged = case.judged_by.iter().find(|j| j.matter == matter);
        let version = judged.and_then(|j| self.registry.version(matter, &j.sha256).ok().flatten());
        let fallback = |basis: &str| {
            let days = version.as_ref().map_or(0, |v| v.manifest.promised_days);
            ctx.due(days, basis)
        };
        let (Some(judged), Some(version)) = (judged, version.as_ref()) else {
            return fallback("未找到受理时的规则版本，按承诺时限计算");
        };
        let Ok(plugin) = self.registry.version_plugin(matter, &judged.sha256) else {
            return fallback("规则组件无法加载，按承诺时限计算");
        };
        let app = merged(&case.one_thing, case.channel, &case.fields, &case.materials)
            .for_matter(matter, ctx.today);
        let imports = self
            .registry
            .imports(version, Arc::new(ctx.calendar.clone()));
        match self
            .registry
            .runtime()
            .deadline(&plugin, &app, ctx.today, &imports)
        {
            Ok(Ok(d)) => Due {
                from: ctx.today,
                working_days: d.working_days,
                due: Some(d.due),
                basis: d.basis,
            },
            // The calendar lacks a year: provisional, settled when the year is loaded.
            Ok(Err(_)) => Due {
                from: ctx.today,
                working_days: version.manifest.promised_days,
                due: None,
                basis: format!(
                    "承诺时限 {} 个工作日（节假日安排待公布）",
                    version.manifest.promised_days
                ),
            },
            Err(failure) => {
                tracing::warn!(%failure, "deadline rule failed at acceptance");
                fallback("规则组件出错，按承诺时限计算")
            }
        }
    }

    /// The window's commands.
    pub fn window(
        &self,
        actor: &Actor,
        id: &str,
        action: WindowAction,
        remember: Option<&Remember<'_>>,
    ) -> Result<Committed> {
        self.execute(actor, id, remember, |case, ctx| {
            Ok(match &action {
                WindowAction::Confirm => {
                    if !matches!(case.status, CaseStatus::Submitted | CaseStatus::Incomplete) {
                        return Err(WorkflowError::WrongState {
                            command: "confirm",
                            state: state_of(case, None),
                        }
                        .into());
                    }
                    let one_thing = self.one_thing_of(case)?;
                    let report = self.precheck(
                        &one_thing,
                        case.channel,
                        &case.fields,
                        &case.materials,
                        ctx.today,
                    );
                    let number = self.store.next_number()?;
                    self.intake_decision(case, &one_thing, &report, number, ctx)?
                }
                WindowAction::ReceiveResult { matter } => Command::ReceiveResult {
                    matter: matter.clone(),
                },
                WindowAction::Deliver { tracking_number } => Command::Deliver {
                    tracking_number: tracking_number.clone(),
                },
                WindowAction::Archive => Command::Archive,
                WindowAction::Withdraw { reason } => Command::Withdraw {
                    reason: reason.clone(),
                },
            })
        })
    }

    /// Records, durably, that `actor` read the case's personal data (个人信息保护法: who looked
    /// at what, and when), on the case's chain of reads. Every role's reads are recorded.
    pub fn record_read(&self, actor: &Actor, case: &Case) -> Result<()> {
        let at = self.clock.stamp();
        let state = state_of(case, None);
        self.store.append_read(&case.id, &|last| {
            Event::next(
                &self.audit_key,
                last,
                &at,
                &actor.name,
                &actor.role,
                Change::new(
                    "read_personal_data",
                    None,
                    None,
                    state.clone(),
                    state.clone(),
                ),
            )
        })?;
        Ok(())
    }

    /// The supervisor's pass over open cases (电子监察, 第二十四条): settle due dates whose
    /// year has since been loaded, and raise each warning (due within one working day) and
    /// each overdue once, on the case's audit trail. Returns the alerts raised.
    pub fn tick(&self) -> Result<Vec<(String, String)>> {
        let system = Actor {
            name: "电子监察".into(),
            role: "system".into(),
        };
        let today = self.clock.today();
        let mut raised = Vec::new();
        for case in self.store.open_cases()? {
            let calendar = self.calendar.current();
            let mut probe = Case::clone(&case);
            if super::clocks::settle_provisional(&mut probe, &calendar) {
                match self.execute(&system, &case.id, None, |_, _| Ok(Command::SettleDeadlines)) {
                    Ok(_) | Err(ServiceError::Workflow(_)) => {}
                    Err(e) => return Err(e),
                }
            }
            let Some(case) = self.store.case(&case.id)? else {
                continue;
            };
            for clock in super::clocks::running(&case, today, &calendar) {
                let level = match clock.state {
                    super::clocks::ClockState::Warning => "warning",
                    super::clocks::ClockState::Overdue => "overdue",
                    _ => continue,
                };
                let alert = format!("{}:{level}", clock.key());
                if case.alerts.contains(&alert) {
                    continue;
                }
                match self.execute(&system, &case.id, None, |_, _| {
                    Ok(Command::RaiseAlert {
                        alert: alert.clone(),
                    })
                }) {
                    Ok(_) => raised.push((case.id.clone(), alert)),
                    // Raised meanwhile, or the case moved on: nothing to do.
                    Err(ServiceError::Workflow(_)) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(raised)
    }

    pub fn store(&self) -> &Arc<dyn CaseStore> {
        &self.store
    }
}

fn compact(day: Date) -> String {
    format!("{:04}{:02}{:02}", day.year, day.month, day.day)
}

fn merged(
    one_thing: &str,
    channel: Channel,
    fields: &BTreeMap<String, String>,
    materials: &[CaseMaterial],
) -> MergedApplication {
    MergedApplication {
        one_thing: one_thing.to_owned(),
        channel,
        fields: fields.clone(),
        materials: materials
            .iter()
            .map(|m| MaterialInput {
                code: m.code.clone(),
                form: m.form,
                pages: m.pages,
                issued_on: m.issued_on,
                valid_until: m.valid_until,
                attributes: m.attributes.clone(),
            })
            .collect(),
    }
}

fn validate_applicant(a: &Applicant, today: Date) -> Result<()> {
    if a.name.trim().is_empty() || a.name.chars().count() > 50 {
        return Err(ServiceError::Invalid("申请人姓名应为 1 至 50 个字".into()));
    }
    validate::parse_id_number(&a.id_number, today)
        .map_err(|e| ServiceError::Invalid(format!("申请人公民身份号码有误：{e}")))?;
    validate::parse_mobile(&a.mobile)
        .map_err(|e| ServiceError::Invalid(format!("申请人手机号码有误：{e}")))?;
    Ok(())
}

fn validate_delivery(d: &Delivery) -> Result<()> {
    if let Delivery::Mail {
        address,
        recipient,
        mobile,
        ..
    } = d
    {
        if address.trim().chars().count() < 5 || recipient.trim().is_empty() {
            return Err(ServiceError::Invalid(
                "邮寄送达需填写完整的收件地址和收件人".into(),
            ));
        }
        validate::parse_mobile(mobile)
            .map_err(|e| ServiceError::Invalid(format!("收件人手机号码有误：{e}")))?;
    }
    Ok(())
}
