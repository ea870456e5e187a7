//! The workflow as the API drives it: intake with the pre-check, the commands of windows and
//! departments, and the reads. Each command reads the case, applies the state machine, and
//! commits the new case, its audit event and its outbox messages in one flushed transaction;
//! if another command got there first, it reads again and re-applies, so of two conflicting
//! commands one wins and the other meets the new state.

mod department;
mod figures;
mod intake;
mod retention;
pub mod search;
mod supervision;
mod window;

pub use department::DepartmentAction;
pub use intake::{ApplicationUpdate, IntakeRequest};
pub use retention::{ANONYMISED, Anonymised};
pub use window::WindowAction;

use std::collections::BTreeMap;
use std::sync::Arc;

use bytes::Bytes;
use lianban_sdk::{Channel, Date, MaterialInput, MergedApplication};

use super::audit::{Broken, Event, reseal, verify};
use super::machine::{Change, Command, Ctx, Effect, WorkflowError, advance, state_of};
use super::model::{CardLevel, Case, CaseMaterial};
use super::outbox::Message;
use crate::calendar::Calendar;
use crate::catalog::{Catalog, OneThing};
use crate::clock::Clock;
use crate::files::MaterialFiles;
use crate::precheck::InputError;
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

/// A command's committed state with the JSON its reply is built from: the case masked
/// (`personal.rs`), since a command's answer is not a read of the full values.
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

pub struct Workflow {
    store: Arc<dyn CaseStore>,
    registry: Arc<Registry>,
    calendar: Arc<Calendar>,
    catalog: Arc<Catalog>,
    pub files: MaterialFiles,
    clock: Arc<dyn Clock>,
    /// Keys the audit chains' hashes (`audit.rs`); kept outside the database.
    audit_key: SecretKey,
    /// Whether commands add to the supervision figures as they commit (`figures.rs`).
    figures: bool,
    /// The share of a clock's promised days after which it warns (the yellow card).
    yellow_share: f64,
    /// Signs the rating link texted at delivery (好差评 by SMS); none sends no invitation.
    rating_links: Option<Arc<crate::ratings::link::RatingLinks>>,
}

/// The work for which a reader sees a case's full identity numbers and mobiles (第六项 of
/// issue 19): `intake` and `delivery` at the window, `review` of one matter in a department.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FullRead {
    pub purpose: &'static str,
    pub matter: Option<String>,
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
            figures: true,
            yellow_share: crate::workflow::clocks::DEFAULT_YELLOW_SHARE,
            rating_links: None,
        }
    }

    /// Texts the applicant a rating link when their case is delivered.
    pub fn inviting_ratings(mut self, links: Arc<crate::ratings::link::RatingLinks>) -> Workflow {
        self.rating_links = Some(links);
        self
    }

    /// The share of a clock's promised working days after which it warns.
    pub fn warning_at(mut self, yellow_share: f64) -> Workflow {
        self.yellow_share = yellow_share;
        self
    }

    pub fn yellow_share(&self) -> f64 {
        self.yellow_share
    }

    /// Whether commands keep the supervision figures as they commit (on unless told).
    pub fn keeping_figures(mut self, on: bool) -> Workflow {
        self.figures = on;
        self
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

    /// Every case not yet archived.
    pub fn open_cases(&self) -> Result<Vec<Arc<Case>>> {
        Ok(self.store.open_cases()?)
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
            .flat_map(|e| match e {
                Effect::Sms(sms) => vec![Message::Sms {
                    to: case.applicant.mobile.clone(),
                    text: sms.render(&case.one_thing_name),
                }],
                Effect::RatingInvitation => self
                    .rating_links
                    .as_ref()
                    .and_then(|links| links.link(&case.id, self.clock.today()))
                    .map(|link| Message::Sms {
                        to: case.applicant.mobile.clone(),
                        text: crate::workflow::Sms::rating_invitation(&case.one_thing_name, &link),
                    })
                    .into_iter()
                    .collect(),
                Effect::Webhook {
                    department,
                    matter,
                    status,
                } => vec![Message::Webhook {
                    department: department.clone(),
                    case_id: case.id.clone(),
                    matter: matter.clone(),
                    status: serde_json::to_value(status)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                }],
                Effect::Card {
                    department,
                    matter,
                    level,
                    text,
                } => vec![
                    Message::Webhook {
                        department: department.clone(),
                        case_id: case.id.clone(),
                        matter: matter.clone().unwrap_or_default(),
                        status: match level {
                            CardLevel::Yellow => "yellow_card".into(),
                            CardLevel::Red => "red_card".into(),
                        },
                    },
                    Message::DutySms {
                        department: department.clone(),
                        text: text.clone(),
                    },
                ],
            })
            .collect();
        let json = serde_json::to_vec(&super::personal::masked(&case))
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
            base_revision,
            base_head,
            events: &events,
            messages: &messages,
            remember: remember.zip(answer.as_ref()).map(|(r, a)| (r.scope, a)),
            figures: &self.figures_of(&committed.case, &events),
        })?;
        committed.answer = answer;
        Ok(committed)
    }

    /// Records, durably, that `actor` read the case's personal data (个人信息保护法: who looked
    /// at what, and when), on the case's chain of reads. Every role's reads are recorded; a
    /// read of the full identity numbers and mobiles names the work that needed them.
    pub fn record_read(&self, actor: &Actor, case: &Case, full: Option<&FullRead>) -> Result<()> {
        let at = self.clock.stamp();
        let state = state_of(case, None);
        let (command, matter, purpose) = match full {
            Some(f) => (
                "read_full_personal_data",
                f.matter.as_deref(),
                Some(f.purpose),
            ),
            None => ("read_personal_data", None, None),
        };
        self.store.append_read(&case.id, &|last| {
            Event::next(
                &self.audit_key,
                last,
                &at,
                &actor.name,
                &actor.role,
                Change::new(command, matter, purpose, state.clone(), state.clone()),
            )
        })?;
        Ok(())
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
