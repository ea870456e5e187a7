//! Persistence behind domain-level traits, so that a server database can implement the same
//! traits when one machine is not enough. The embedded implementation is sled (`sled.rs`).
//!
//! Every write method returns only after its data is flushed to disk: a caller that gets `Ok`
//! may acknowledge the command. Concurrent writers share flushes (see `flush.rs`), and
//! concurrent workflow commands share transactions too (see `batch.rs`).

mod batch;
#[cfg(test)]
pub(crate) mod conformance;
mod flush;
mod sled;

pub use self::batch::Batcher;
pub use self::flush::GroupFlush;
pub use self::sled::{SledStore, open_waiting_for_lock};

use std::sync::Arc;

use chrono::{DateTime, Utc};

use serde::{Deserialize, Serialize};

use crate::auth::tokens::MachineToken;
use crate::catalog::base::{BaseEntry, ImportReport};
use crate::catalog::publication::{Batch, Draft, Filing, PublishedVersion};
use crate::catalog::{Department, FieldEntry, MaterialEntry};
use crate::consultation::{Proposal, Reply, SupportOutcome};
use crate::identity::model::{Session, SignInEvent, StaffMember};
use crate::ratings::{Level, Rating, Rectification, Tally as RatingTally};
use crate::registry::{Activation, Grant, PluginVersion, RecordedInput, ReplayReport, Schedule};
use crate::supervision::report::Report;
use crate::supervision::{FigureKey, Tally};
use crate::workflow::Case;
use crate::workflow::audit::Event;
use crate::workflow::outbox::{Message, OutboxMessage};
use lianban_sdk::Date;

#[derive(Clone, Debug, thiserror::Error)]
pub enum StoreError {
    #[error("storage failure: {0}")]
    Backend(String),
    #[error("stored record is unreadable: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Conflict(String),
}

impl From<::sled::Error> for StoreError {
    fn from(e: ::sled::Error) -> StoreError {
        StoreError::Backend(e.to_string())
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Uploaded plugin versions, their compiled artifacts, and which version of each matter is
/// active.
pub trait PluginStore: Send + Sync {
    /// Stores a new version with its component bytes. Fails with `Conflict` when the matter
    /// already has a version with the same version string.
    fn put_version(&self, version: &PluginVersion, component: &[u8]) -> StoreResult<()>;
    fn version(&self, matter: &str, sha256: &str) -> StoreResult<Option<PluginVersion>>;
    /// Versions of a matter, oldest upload first.
    fn versions(&self, matter: &str) -> StoreResult<Vec<PluginVersion>>;
    /// Versions of every matter, in no particular order.
    fn all_versions(&self) -> StoreResult<Vec<PluginVersion>>;
    /// Removes a version — its record, its name, its component and every artifact and replay
    /// report of it — and flushes. False when there was no such version. The caller decides
    /// whether a version may go (see `registry/quota.rs`).
    fn remove_version(&self, matter: &str, sha256: &str) -> StoreResult<bool>;
    fn component(&self, sha256: &str) -> StoreResult<Option<Vec<u8>>>;
    /// Precompiled artifacts are a cache keyed by the engine fingerprint; losing one only
    /// costs a recompilation.
    fn artifact(&self, fingerprint: &str, sha256: &str) -> StoreResult<Option<Vec<u8>>>;
    fn put_artifact(&self, fingerprint: &str, sha256: &str, artifact: &[u8]) -> StoreResult<()>;
    /// Makes `activation` the matter's active version and appends it to the history.
    fn activate(&self, activation: &Activation) -> StoreResult<()>;
    fn active(&self, matter: &str) -> StoreResult<Option<Activation>>;
    fn all_active(&self) -> StoreResult<Vec<Activation>>;
    /// Activation history of a matter, oldest first.
    fn activations(&self, matter: &str) -> StoreResult<Vec<Activation>>;
    /// Sets (or moves) a scheduled activation.
    fn put_schedule(&self, schedule: &Schedule) -> StoreResult<()>;
    fn schedules(&self) -> StoreResult<Vec<Schedule>>;
    /// False when there was no such schedule.
    fn remove_schedule(&self, matter: &str, sha256: &str) -> StoreResult<bool>;
    /// `activate` and the removal of the schedule that asked for it, atomically: after a crash
    /// either the version is active and the schedule gone, or neither.
    fn activate_scheduled(&self, activation: &Activation, schedule: &Schedule) -> StoreResult<()>;
    /// Writes one recorded input into ring slot `slot` of `matter`. Not flushed on its own:
    /// replay inputs are a sample, not an acknowledged write.
    fn put_replay_input(&self, matter: &str, slot: u64, input: &RecordedInput) -> StoreResult<()>;
    fn replay_inputs(&self, matter: &str) -> StoreResult<Vec<RecordedInput>>;
    /// Removes the inputs in ring slots `keep` and above: what is left over after the ring was
    /// made smaller. Returns how many were removed.
    fn trim_replay_inputs(&self, matter: &str, keep: u64) -> StoreResult<usize>;
    /// Removes every recorded input recorded before `cutoff` (a record timestamp), of every
    /// matter; how many.
    fn purge_replay_inputs_before(&self, cutoff: &str) -> StoreResult<usize>;
    /// The latest replay report of a version (replacing the previous one).
    fn put_replay(&self, report: &ReplayReport) -> StoreResult<()>;
    fn replay(&self, matter: &str, sha256: &str) -> StoreResult<Option<ReplayReport>>;
    /// Replaces the capabilities granted to a matter.
    fn put_grant(&self, grant: &Grant) -> StoreResult<()>;
    fn grants(&self) -> StoreResult<Vec<Grant>>;
}

/// The platform's electronic certificates (电子证照库).
pub trait ElicenseStore: Send + Sync {
    /// Adds or replaces a certificate (by kind, holder and number).
    fn put_certificate(&self, certificate: &lianban_sdk::Certificate) -> StoreResult<()>;
    fn certificates(&self, kind: &str, holder: &str) -> StoreResult<Vec<lianban_sdk::Certificate>>;
    /// False when there was no such certificate.
    fn remove_certificate(&self, kind: &str, holder: &str, number: &str) -> StoreResult<bool>;
}

pub trait CatalogStore: Send + Sync {
    fn put_department(&self, department: &Department) -> StoreResult<()>;
    fn departments(&self) -> StoreResult<Vec<Department>>;
    /// Every published version of one one-thing, oldest first.
    fn versions(&self, one_thing: &str) -> StoreResult<Vec<PublishedVersion>>;
    /// Every published version of every one-thing.
    fn all_versions(&self) -> StoreResult<Vec<PublishedVersion>>;
    fn draft(&self, one_thing: &str) -> StoreResult<Option<Draft>>;
    fn drafts(&self) -> StoreResult<Vec<Draft>>;
    fn put_draft(&self, draft: &Draft) -> StoreResult<()>;
    /// A draft together with the filing it was filed or answered in, atomically.
    fn put_draft_and_filing(&self, draft: &Draft, filing: &Filing) -> StoreResult<()>;
    /// Filings of one one-thing, oldest first.
    fn filings(&self, one_thing: &str) -> StoreResult<Vec<Filing>>;
    /// Writes a batch and the versions it publishes and removes their drafts, atomically.
    fn publish(&self, batch: &Batch, versions: &[PublishedVersion]) -> StoreResult<()>;
    fn batches(&self) -> StoreResult<Vec<Batch>>;
    fn put_dictionary_field(&self, field: &FieldEntry) -> StoreResult<()>;
    fn dictionary_fields(&self) -> StoreResult<Vec<FieldEntry>>;
    fn put_dictionary_material(&self, material: &MaterialEntry) -> StoreResult<()>;
    fn dictionary_materials(&self) -> StoreResult<Vec<MaterialEntry>>;
    fn base_catalog(&self) -> StoreResult<Vec<BaseEntry>>;
    /// Replaces the whole base catalog and records the import's report, atomically.
    fn replace_base_catalog(&self, entries: &[BaseEntry], report: &ImportReport)
    -> StoreResult<()>;
    fn base_imports(&self) -> StoreResult<Vec<ImportReport>>;
}

/// One year of official working-day data as an administrator loaded it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredYear {
    pub year: u16,
    pub papers: Vec<String>,
    pub days: Vec<crate::calendar::OfficialDay>,
    pub loaded_by: String,
    pub loaded_at: String,
}

pub trait ConsultationStore: Send + Sync {
    /// The key supporter identities are hashed with, made on first use.
    fn consultation_key(&self) -> StoreResult<Vec<u8>>;
    fn next_proposal_id(&self) -> StoreResult<u64>;
    fn put_proposal(&self, proposal: &Proposal) -> StoreResult<()>;
    fn proposal(&self, id: u64) -> StoreResult<Option<Proposal>>;
    /// Oldest first.
    fn proposals(&self) -> StoreResult<Vec<Proposal>>;
    /// Counts one support of `who` (a hash) on `day`, atomically with the proposal's count,
    /// unless `who` supports it already or gave `daily_limit` supports that day.
    fn add_support(
        &self,
        id: u64,
        who: &str,
        day: &str,
        daily_limit: u32,
    ) -> StoreResult<SupportOutcome>;
    /// Appends the bureau's reply and sets the status; `None` if there is no such proposal.
    fn answer_proposal(&self, id: u64, reply: &Reply) -> StoreResult<Option<Proposal>>;
}

pub trait CalendarStore: Send + Sync {
    fn put_year(&self, year: &StoredYear) -> StoreResult<()>;
    fn years(&self) -> StoreResult<Vec<StoredYear>>;
}

/// A first response to a write command sent with an `Idempotency-Key`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remembered {
    /// SHA-256 of the request body: the same key must come with the same request.
    pub request: String,
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    /// Unix seconds.
    pub at: i64,
}

pub trait IdempotencyStore: Send + Sync {
    fn remembered(&self, scope: &str) -> StoreResult<Option<Remembered>>;
    fn remember(&self, scope: &str, response: &Remembered) -> StoreResult<()>;
    /// Forgets responses stored before `before` (Unix seconds); returns how many.
    fn forget_before(&self, before: i64) -> StoreResult<usize>;
    /// How many responses are stored.
    fn remembered_count(&self) -> StoreResult<usize>;
}

/// The last event of a case's audit chain, and the revision of the case it left.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    pub seq: u64,
    pub hash: String,
    #[serde(default)]
    pub revision: u64,
}

/// One command's writes, committed together or not at all (and flushed before `Ok`).
pub struct Commit<'a> {
    pub at: &'a str,
    /// Shared, so that the store keeps the committed state for later reads without a copy.
    pub case: &'a Arc<Case>,
    /// The revision the command was applied to; `None` for a new case. If the stored case
    /// has moved on, the commit fails with `Conflict`: of two concurrent commands one wins.
    pub base_revision: Option<u64>,
    /// The chain head the events were built on.
    pub base_head: Option<Head>,
    pub events: &'a [Event],
    pub messages: &'a [Message],
    /// An idempotency record to store with the command, so a retry is answered from it.
    pub remember: Option<(&'a str, &'a Remembered)>,
    /// What the command adds to the supervision figures.
    pub figures: &'a [(FigureKey, Tally)],
}

/// How many records a re-encryption rewrote (`lianban keys rotate`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Resealed {
    pub cases: usize,
    pub inputs: usize,
    pub messages: usize,
    pub certificates: usize,
}

/// Makes the next event of a chain from its last one's number and hash.
pub type NextEvent<'a> = dyn Fn(Option<(u64, &str)>) -> Event + 'a;
/// A sealed copy of a chain (given with its head), if it should be replaced.
pub type Reseal<'a> = dyn Fn(&[Event], Option<&Head>) -> Option<Vec<Event>> + 'a;

/// 好差评 ratings (`ratings/`) and the public counts they add to.
pub trait RatingStore: Send + Sync {
    /// The key raters' identity numbers are hashed with, made on first use.
    fn rating_key(&self) -> StoreResult<Vec<u8>>;
    fn rating(&self, case_id: &str, rater: &str) -> StoreResult<Option<Rating>>;
    /// Writes `rating` in place of `previous` (none for a first rating) and applies `changes`
    /// to the public counts, atomically, and flushes. `Conflict` when the stored rating is no
    /// longer `previous` (two changes at once): nothing is written.
    /// With a 差评, the rectification record it opens is written in the same transaction.
    fn put_rating(
        &self,
        rating: &Rating,
        previous: Option<&Rating>,
        changes: &[(String, Level, i64)],
        opened: Option<&Rectification>,
    ) -> StoreResult<()>;
    /// Every public count, by group (`one_thing:<code>`, `department:<code>`).
    fn rating_tallies(&self) -> StoreResult<Vec<(String, RatingTally)>>;
    fn next_rectification_id(&self) -> StoreResult<u64>;
    /// Writes a rectification record (replacing it) and queues `messages` in the outbox, in one
    /// transaction, durably: a warning is kept on the record exactly when it is sent.
    fn put_rectification(&self, record: &Rectification, messages: &[Message]) -> StoreResult<()>;
    fn rectification(&self, id: u64) -> StoreResult<Option<Rectification>>;
    fn rectifications(&self) -> StoreResult<Vec<Rectification>>;
    /// Every rating, for the period's satisfaction in a 通报.
    fn ratings(&self) -> StoreResult<Vec<Rating>>;
}

/// The 通报 of closed periods, frozen as first issued (`supervision/report/`).
pub trait ReportStore: Send + Sync {
    /// The frozen report of `period` (`2026-10`, `2026-Q4`), if one was issued.
    fn frozen_report(&self, period: &str) -> StoreResult<Option<Report>>;
    /// Freezes `report` under its period unless one is frozen already, durably; answers the
    /// report that stands (the earlier one, when two were made at once).
    fn freeze_report(&self, report: &Report) -> StoreResult<Report>;
}

/// The supervision figures (`supervision/figures.rs`): rows of counters by received day. The
/// commits of cases add to them (`Commit::figures`), in the same transaction as the command.
pub trait FigureStore: Send + Sync {
    /// The rows of the days `from..=to`, in key order.
    fn figures(&self, from: Date, to: Date) -> StoreResult<Vec<(FigureKey, Tally)>>;
    /// Replaces every row with `rows`, then marks the figures complete. Not atomic with the
    /// commits: run it only while no command can commit (at start-up, or offline). A crash
    /// before the end leaves them marked incomplete, so the next start builds them again.
    fn replace_figures(&self, rows: &[(FigureKey, Tally)]) -> StoreResult<()>;
    /// Whether the rows count every committed command: false on a database written before
    /// the figures were kept, after a start with them off, or after a row was found
    /// unreadable.
    fn figures_complete(&self) -> StoreResult<bool>;
    fn set_figures_incomplete(&self) -> StoreResult<()>;
}

pub trait CaseStore: FigureStore + Send + Sync {
    fn commit_case(&self, commit: Commit<'_>) -> StoreResult<()>;
    /// The last committed state, shared with the store's cache of open cases.
    fn case(&self, id: &str) -> StoreResult<Option<Arc<Case>>>;
    fn head(&self, id: &str) -> StoreResult<Option<Head>>;
    fn events(&self, id: &str) -> StoreResult<Vec<Event>>;
    /// Appends to the case's chain of reads the event `next` makes from its last one (number
    /// and hash), durably. The command chain's head does not move.
    fn append_read(&self, id: &str, next: &NextEvent<'_>) -> StoreResult<()>;
    /// The case's chain of reads and its head.
    fn reads(&self, id: &str) -> StoreResult<(Vec<Event>, Option<Head>)>;
    /// Replaces each command chain `reseal` gives a sealed copy of (and its head); how many
    /// were replaced.
    fn reseal_chains(&self, reseal: &Reseal<'_>) -> StoreResult<usize>;
    /// (case id, matter) of every item ever distributed to `department`.
    fn department_items(&self, department: &str) -> StoreResult<Vec<(String, String)>>;
    /// Every case's id, in key order (by the day in the id, then its number).
    fn case_ids(&self) -> StoreResult<Vec<String>>;
    /// Every case not yet archived, for the clocks.
    fn open_cases(&self) -> StoreResult<Vec<Arc<Case>>>;
    /// Every archived case, for retention. Reads them all: retention runs a few times a day.
    fn archived_cases(&self) -> StoreResult<Vec<Arc<Case>>>;
    /// The ids of the cases a person is the applicant or agent of, found by the blind index
    /// of their identity number (written with a case's first commit, dropped when it is
    /// anonymised).
    fn cases_of_person(&self, id_number: &str) -> StoreResult<Vec<String>>;
    /// A fresh, increasing number (case ids, receipt numbers).
    fn next_number(&self) -> StoreResult<u64>;
}

/// The outbox: messages that commands committed with their cases, on their way out. Written
/// by `CaseStore::commit_case`, read and moved on by the outbox worker (`notify`).
pub trait OutboxStore: Send + Sync {
    /// Messages due for an attempt at `now_ms`, oldest first.
    fn due_messages(&self, now_ms: i64, limit: usize) -> StoreResult<Vec<OutboxMessage>>;
    /// Records one pass's attempts together, with one flush: each message delivered (moved to
    /// the sent log) or to be retried.
    fn messages_attempted(&self, messages: &[OutboxMessage]) -> StoreResult<()>;
    /// Delivered messages, newest first.
    fn sent_messages(&self, limit: usize) -> StoreResult<Vec<OutboxMessage>>;
    /// Messages given up on (`dead_at` set by `messages_attempted`), oldest first.
    fn dead_messages(&self, limit: usize) -> StoreResult<Vec<OutboxMessage>>;
    /// Puts a dead letter back in the outbox, due at once with its attempts counted afresh;
    /// `None` when there is no such dead letter.
    fn revive_message(&self, id: u64, now_ms: i64) -> StoreResult<Option<OutboxMessage>>;
    /// Removes sent messages delivered before `cutoff` (a record timestamp); how many.
    fn purge_sent_before(&self, cutoff: &str) -> StoreResult<usize>;
}

/// Where a department's system wants to hear about its items.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Webhook {
    pub url: String,
    /// Key of the HMAC-SHA256 signature over each body.
    pub secret: String,
}

/// Bytes each caller uploaded per day, for the material files quota.
pub trait FileUsageStore: Send + Sync {
    /// Adds `bytes` to what `caller` uploaded on `day` (`YYYY-MM-DD`) if the total stays within
    /// `limit`, atomically, and flushes; false (nothing added) when it would not.
    fn add_file_usage(&self, caller: &str, day: &str, bytes: u64, limit: u64) -> StoreResult<bool>;
}

/// How each department is told: its system's webhook, and its duty phone (值班电话) for the
/// cards of 电子监察.
pub trait WebhookStore: Send + Sync {
    fn put_webhook(&self, department: &str, hook: &Webhook) -> StoreResult<()>;
    fn webhook(&self, department: &str) -> StoreResult<Option<Webhook>>;
    fn put_duty_phone(&self, department: &str, mobile: &str) -> StoreResult<()>;
    fn duty_phone(&self, department: &str) -> StoreResult<Option<String>>;
}

/// A token's record with the hash it is kept under and when it was last used.
#[derive(Clone, Debug)]
pub struct TokenRow {
    pub hash: String,
    pub token: MachineToken,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// Machine tokens, kept by the SHA-256 of the secret, never the secret itself.
pub trait TokenStore: Send + Sync {
    /// Writes the records together and returns once they are on disk (a rotation writes the
    /// old token's end and its successor; neither may be kept without the other).
    fn put_tokens(&self, records: &[(&str, &MachineToken)]) -> StoreResult<()>;
    fn token(&self, hash: &str) -> StoreResult<Option<MachineToken>>;
    /// Every record; there are few (one per system), so by-id look-ups scan.
    fn tokens(&self) -> StoreResult<Vec<TokenRow>>;
    /// Notes a use. Advisory, so it does not wait for the disk.
    fn touch_token(&self, hash: &str, at: DateTime<Utc>) -> StoreResult<()>;
}

/// Sessions (by the SHA-256 of their cookie), the staff directory and the sign-in log.
pub trait IdentityStore: Send + Sync {
    /// Returns once the session is on disk.
    fn put_session(&self, hash: &str, session: &Session) -> StoreResult<()>;
    /// The session and when it was last used.
    fn session(&self, hash: &str) -> StoreResult<Option<(Session, Option<DateTime<Utc>>)>>;
    /// Notes a use. Advisory: a use lost in a crash only makes the session look idle sooner.
    fn touch_session(&self, hash: &str, at: DateTime<Utc>) -> StoreResult<()>;
    /// Every session with its hash (back-channel logout and the purge scan them).
    fn sessions(&self) -> StoreResult<Vec<(String, Session)>>;
    /// Removes the sessions and returns once that is on disk.
    fn remove_sessions(&self, hashes: &[String]) -> StoreResult<()>;

    fn put_staff(&self, member: &StaffMember) -> StoreResult<()>;
    fn staff(&self, subject: &str) -> StoreResult<Option<StaffMember>>;
    fn staff_members(&self) -> StoreResult<Vec<StaffMember>>;
    /// Whether there was such a member.
    fn remove_staff(&self, subject: &str) -> StoreResult<bool>;

    fn record_sign_in(&self, event: &SignInEvent) -> StoreResult<()>;
    /// Newest first.
    fn sign_in_events(&self, limit: usize) -> StoreResult<Vec<SignInEvent>>;
}
