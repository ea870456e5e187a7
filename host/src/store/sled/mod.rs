//! The embedded store: sled 0.34.
//!
//! Trees and their keys (values are JSON unless noted):
//!
//! | tree                 | key                              | value                        |
//! |----------------------|----------------------------------|------------------------------|
//! | `plugin_versions`    | matter `\0` sha256               | `PluginVersion`              |
//! | `plugin_names`       | matter `\0` version              | sha256 (text)                |
//! | `plugin_components`  | sha256                           | component bytes (raw)        |
//! | `plugin_artifacts`   | engine fingerprint `\0` sha256   | precompiled artifact (raw)   |
//! | `plugin_active`      | matter                           | `Activation`                 |
//! | `plugin_activations` | matter `\0` u64 BE sequence      | `Activation` (history)       |
//! | `plugin_schedules`   | matter `\0` sha256               | `Schedule` (pending)         |
//! | `replay_inputs`      | matter `\0` u64 BE ring slot     | `RecordedInput` (fields sealed) |
//! | `replay_reports`     | matter `\0` sha256               | `ReplayReport` (latest)      |
//! | `capability_grants`  | matter                           | `Grant`                      |
//! | `elicenses`          | kind `\0` blind holder `\0` blind number | `Certificate` (holder, number, facts sealed) |
//! | `catalog_departments`| department code                  | `Department`                 |
//! | `catalog_versions`   | one-thing code `\0` u32 BE version | `PublishedVersion`         |
//! | `catalog_drafts`     | one-thing code                   | `Draft`                      |
//! | `catalog_filings`    | one-thing code `\0` u64 BE seq   | `Filing` (备案 history)       |
//! | `catalog_batches`    | batch code                       | `Batch`                      |
//! | `dictionary_fields`  | field key                        | `FieldEntry`                 |
//! | `dictionary_materials` | material code                  | `MaterialEntry`              |
//! | `base_catalog`       | base catalog code                | `BaseEntry`                  |
//! | `base_imports`       | u64 BE sequence                  | `ImportReport`               |
//! | `proposals`          | u64 BE proposal id               | `Proposal` (contact inside)  |
//! | `proposal_supports`  | u64 BE id, hash of the supporter | empty (one per person)       |
//! | `support_days`       | hash of the supporter `\0` day   | u32 BE supports that day     |
//! | `meta`               | name                             | host secrets (raw)           |
//! | `calendar_years`     | year, u16 BE                     | `StoredYear`                 |
//! | `machine_tokens`     | sha256 of the token (hex)        | `MachineToken`               |
//! | `token_last_used`    | sha256 of the token (hex)        | `DateTime<Utc>` (advisory)   |
//! | `tokens`             | sha256 of the token (hex)        | before ids and expiry; migrated on open |
//! | `sessions`           | sha256 of the session cookie     | `Session` (name, id number sealed) |
//! | `session_last_seen`  | sha256 of the session cookie     | `DateTime<Utc>` (advisory)   |
//! | `staff`              | the staff provider's subject     | `StaffMember`                |
//! | `sign_ins`           | u64 BE sequence                  | `SignInEvent`                |
//! | `idempotency`        | sha256 of caller, method, path, key | `Remembered`              |
//! | `cases`              | case id                          | `Case` (personal values sealed) |
//! | `case_heads`         | case id                          | `Head` (last event seq, hash)|
//! | `case_events`        | case id `\0` u64 BE seq          | `Event` (audit hash chain)   |
//! | `case_reads`         | `e\0` case id `\0` u64 BE seq; `h\0` case id | `Event` (reads chain); `Head` |
//! | `open_cases`         | case id                          | empty (cases not archived)   |
//! | `person_cases`       | blind index of an id number `\0` case id | empty (cases by person) |
//! | `department_items`   | department `\0` case id `\0` matter | empty (index)             |
//! | `outbox`             | u64 BE message id                | `OutboxMessage` (pending; SMS sealed) |
//! | `outbox_done`        | u64 BE message id                | `OutboxMessage` (delivered)  |
//! | `outbox_dead`        | u64 BE message id                | `OutboxMessage` (given up)   |
//! | `file_usage`         | caller hash `\0` day             | u64 BE bytes uploaded        |
//! | `webhooks`           | department code                  | `Webhook`                    |
//!
//! One process owns the database (sled takes a lock on open).

use std::path::Path;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;
use sled::transaction::TransactionError;

use super::{
    Batcher, CalendarStore, FileUsageStore, GroupFlush, IdempotencyStore, Remembered, StoreError,
    StoreResult, StoredYear, Webhook, WebhookStore,
};
use case_cache::CaseCache;
use unflushed::Unflushed;

use crate::privacy::{Algorithm, Keyring};

pub struct SledStore {
    db: sled::Db,
    /// Seals personal data field by field, and keys the blind index (`personal.rs`).
    keys: Arc<Keyring>,
    flush: GroupFlush,
    plugin_versions: sled::Tree,
    plugin_names: sled::Tree,
    plugin_components: sled::Tree,
    plugin_artifacts: sled::Tree,
    plugin_active: sled::Tree,
    plugin_activations: sled::Tree,
    plugin_schedules: sled::Tree,
    replay_inputs: sled::Tree,
    replay_reports: sled::Tree,
    capability_grants: sled::Tree,
    elicenses: sled::Tree,
    departments: sled::Tree,
    versions: sled::Tree,
    drafts: sled::Tree,
    filings: sled::Tree,
    batches: sled::Tree,
    dictionary_fields: sled::Tree,
    dictionary_materials: sled::Tree,
    base_catalog: sled::Tree,
    base_imports: sled::Tree,
    proposals: sled::Tree,
    proposal_supports: sled::Tree,
    support_days: sled::Tree,
    meta: sled::Tree,
    calendar_years: sled::Tree,
    tokens: sled::Tree,
    machine_tokens: sled::Tree,
    token_last_used: sled::Tree,
    sessions: sled::Tree,
    session_last_seen: sled::Tree,
    staff: sled::Tree,
    sign_ins: sled::Tree,
    idempotency: sled::Tree,
    cases: sled::Tree,
    case_heads: sled::Tree,
    case_events: sled::Tree,
    open_cases: sled::Tree,
    person_cases: sled::Tree,
    case_cache: CaseCache,
    unflushed: Unflushed,
    case_reads: sled::Tree,
    /// One append to a chain of reads at a time (`reads.rs`).
    read_appends: std::sync::Mutex<()>,
    /// Runs after a commit's transaction and before its flush: a test's view of the window.
    #[cfg(test)]
    before_flush: std::sync::Mutex<Option<Box<dyn Fn() + Send>>>,
    /// Concurrent commands share transactions (see `store/batch.rs`).
    commits: Batcher<cases::Prepared, StoreResult<()>>,
    department_items: sled::Tree,
    outbox: sled::Tree,
    outbox_done: sled::Tree,
    outbox_dead: sled::Tree,
    file_usage: sled::Tree,
    webhooks: sled::Tree,
    /// Supervision figures by received day (`figures.rs`).
    figures: sled::Tree,
    /// 好差评 ratings and their public counts (`ratings.rs`).
    ratings: sled::Tree,
    rating_tallies: sled::Tree,
    rectifications: sled::Tree,
    /// 通报 of closed periods, as frozen (`reports.rs`).
    reports: sled::Tree,
}

mod case_cache;
mod cases;
mod catalog;
mod consultation;
mod elicenses;
mod figures;
mod identity;
mod outbox;
mod personal;
mod persons;
mod plugins;
mod ratings;
mod reads;
mod reports;
mod tokens;
mod unflushed;

fn key(parts: &[&[u8]]) -> Vec<u8> {
    parts.join(&0u8)
}

fn encode<T: Serialize>(value: &T) -> StoreResult<Vec<u8>> {
    serde_json::to_vec(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn decode<T: DeserializeOwned>(bytes: &[u8]) -> StoreResult<T> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// How long an open waits for the file lock of a database that was just closed.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

/// Opens the database, waiting a little if its lock is still held. sled 0.34 lets go of the
/// lock only when its background flusher notices the database was dropped, a moment after
/// the last handle is gone (spacejam/sled#1234), so reopening at once in the same process —
/// a restart of the server inside one process, or a test — can find it taken. A database
/// really held by another process still fails, after `LOCK_WAIT`. Public for tests that open
/// the database behind a stopped host to tamper with it.
pub fn open_waiting_for_lock(dir: &Path) -> sled::Result<sled::Db> {
    let deadline = std::time::Instant::now() + LOCK_WAIT;
    loop {
        match sled::Config::new().path(dir).open() {
            Err(sled::Error::Io(e))
                if e.to_string().contains("could not acquire lock")
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

impl SledStore {
    /// Opens the database in `dir` with the data keys in `dir/keys/data.keys` (created with
    /// an AES-256-GCM key on first use). The host names its key file itself
    /// ([`SledStore::open_with_keys`]); this is for tools and tests.
    pub fn open(dir: &Path) -> StoreResult<SledStore> {
        let keys = Keyring::load_or_create(&dir.join("keys/data.keys"), Algorithm::Aes256Gcm)
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        SledStore::open_with_keys(dir, Arc::new(keys))
    }

    /// Opens the database in `dir`, sealing personal data with `keys` (`personal.rs`).
    pub fn open_with_keys(dir: &Path, keys: Arc<Keyring>) -> StoreResult<SledStore> {
        let db = open_waiting_for_lock(dir)?;
        let store = SledStore {
            keys,
            plugin_versions: db.open_tree("plugin_versions")?,
            plugin_names: db.open_tree("plugin_names")?,
            plugin_components: db.open_tree("plugin_components")?,
            plugin_artifacts: db.open_tree("plugin_artifacts")?,
            plugin_active: db.open_tree("plugin_active")?,
            plugin_activations: db.open_tree("plugin_activations")?,
            plugin_schedules: db.open_tree("plugin_schedules")?,
            replay_inputs: db.open_tree("replay_inputs")?,
            replay_reports: db.open_tree("replay_reports")?,
            capability_grants: db.open_tree("capability_grants")?,
            elicenses: db.open_tree("elicenses")?,
            departments: db.open_tree("catalog_departments")?,
            versions: db.open_tree("catalog_versions")?,
            drafts: db.open_tree("catalog_drafts")?,
            filings: db.open_tree("catalog_filings")?,
            batches: db.open_tree("catalog_batches")?,
            dictionary_fields: db.open_tree("dictionary_fields")?,
            dictionary_materials: db.open_tree("dictionary_materials")?,
            base_catalog: db.open_tree("base_catalog")?,
            base_imports: db.open_tree("base_imports")?,
            proposals: db.open_tree("proposals")?,
            proposal_supports: db.open_tree("proposal_supports")?,
            support_days: db.open_tree("support_days")?,
            meta: db.open_tree("meta")?,
            calendar_years: db.open_tree("calendar_years")?,
            tokens: db.open_tree("tokens")?,
            machine_tokens: db.open_tree("machine_tokens")?,
            token_last_used: db.open_tree("token_last_used")?,
            sessions: db.open_tree("sessions")?,
            session_last_seen: db.open_tree("session_last_seen")?,
            staff: db.open_tree("staff")?,
            sign_ins: db.open_tree("sign_ins")?,
            idempotency: db.open_tree("idempotency")?,
            cases: db.open_tree("cases")?,
            case_heads: db.open_tree("case_heads")?,
            case_events: db.open_tree("case_events")?,
            open_cases: db.open_tree("open_cases")?,
            person_cases: db.open_tree("person_cases")?,
            case_cache: CaseCache::default(),
            unflushed: Unflushed::default(),
            case_reads: db.open_tree("case_reads")?,
            read_appends: std::sync::Mutex::new(()),
            #[cfg(test)]
            before_flush: std::sync::Mutex::new(None),
            commits: Batcher::default(),
            department_items: db.open_tree("department_items")?,
            outbox: db.open_tree("outbox")?,
            outbox_done: db.open_tree("outbox_done")?,
            outbox_dead: db.open_tree("outbox_dead")?,
            file_usage: db.open_tree("file_usage")?,
            webhooks: db.open_tree("webhooks")?,
            figures: db.open_tree("figures")?,
            ratings: db.open_tree("ratings")?,
            rating_tallies: db.open_tree("rating_tallies")?,
            rectifications: db.open_tree("rectifications")?,
            reports: db.open_tree("reports")?,
            flush: GroupFlush::default(),
            db,
        };
        store.index_open_cases()?;
        store.migrate_legacy_tokens(chrono::Utc::now())?;
        store.seal_legacy_personal_data()?;
        Ok(store)
    }

    /// A random 32-byte key kept in `meta` under `name`, made (and flushed) on first use:
    /// the keys people's identities are hashed with, which must outlive restarts.
    fn meta_key(&self, name: &[u8]) -> StoreResult<Vec<u8>> {
        use rand::RngCore;
        if let Some(k) = self.meta.get(name)? {
            return Ok(k.to_vec());
        }
        let mut fresh = vec![0u8; 32];
        rand::rng().fill_bytes(&mut fresh);
        // Two first starts cannot race (one process owns the database), but keep whichever
        // key landed first all the same.
        let _ = self
            .meta
            .compare_and_swap(name, None as Option<&[u8]>, Some(fresh.as_slice()))?;
        self.durable()?;
        Ok(self.meta.get(name)?.map_or(fresh, |k| k.to_vec()))
    }

    /// Returns once everything written so far is on disk.
    fn durable(&self) -> StoreResult<()> {
        self.flush
            .commit(|| self.db.flush().map(|_| ()))
            .map_err(StoreError::Backend)
    }

    fn scan<T: DeserializeOwned>(&self, tree: &sled::Tree, prefix: &[u8]) -> StoreResult<Vec<T>> {
        // Iteration errors are returned, not skipped: a half-read list would look like data loss.
        tree.scan_prefix(prefix)
            .map(|item| {
                let (_, v) = item?;
                decode(&v)
            })
            .collect()
    }

    fn get<T: DeserializeOwned>(&self, tree: &sled::Tree, key: &[u8]) -> StoreResult<Option<T>> {
        tree.get(key)?.map(|v| decode(&v)).transpose()
    }

    fn put<T: Serialize>(&self, tree: &sled::Tree, key: &[u8], value: &T) -> StoreResult<()> {
        tree.insert(key, encode(value)?)?;
        self.durable()
    }

    /// Size of the database on disk, bytes.
    pub fn size_on_disk(&self) -> StoreResult<u64> {
        Ok(self.db.size_on_disk()?)
    }
}

fn tx_error(e: TransactionError<StoreError>) -> StoreError {
    match e {
        TransactionError::Abort(e) => e,
        TransactionError::Storage(e) => e.into(),
    }
}

impl CalendarStore for SledStore {
    fn put_year(&self, year: &StoredYear) -> StoreResult<()> {
        self.put(&self.calendar_years, &year.year.to_be_bytes(), year)
    }

    fn years(&self) -> StoreResult<Vec<StoredYear>> {
        self.scan(&self.calendar_years, b"")
    }
}

impl IdempotencyStore for SledStore {
    fn remembered(&self, scope: &str) -> StoreResult<Option<Remembered>> {
        self.get(&self.idempotency, scope.as_bytes())
    }

    fn remember(&self, scope: &str, response: &Remembered) -> StoreResult<()> {
        self.put(&self.idempotency, scope.as_bytes(), response)
    }

    fn forget_before(&self, before: i64) -> StoreResult<usize> {
        let mut stale = Vec::new();
        for item in self.idempotency.iter() {
            let (k, v) = item?;
            let r: Remembered = decode(&v)?;
            if r.at < before {
                stale.push(k);
            }
        }
        for k in &stale {
            self.idempotency.remove(k)?;
        }
        self.durable()?;
        Ok(stale.len())
    }

    fn remembered_count(&self) -> StoreResult<usize> {
        Ok(self.idempotency.len())
    }
}

impl FileUsageStore for SledStore {
    fn add_file_usage(&self, caller: &str, day: &str, bytes: u64, limit: u64) -> StoreResult<bool> {
        let k = key(&[caller.as_bytes(), day.as_bytes()]);
        let mut added = false;
        self.file_usage.fetch_and_update(&k, |old| {
            let used = old
                .and_then(|v| <[u8; 8]>::try_from(v).ok())
                .map_or(0, u64::from_be_bytes);
            match used.checked_add(bytes).filter(|total| *total <= limit) {
                Some(total) => {
                    added = true;
                    Some(total.to_be_bytes().to_vec())
                }
                None => {
                    added = false;
                    old.map(<[u8]>::to_vec)
                }
            }
        })?;
        if added {
            self.durable()?;
        }
        Ok(added)
    }
}

impl WebhookStore for SledStore {
    fn put_webhook(&self, department: &str, hook: &Webhook) -> StoreResult<()> {
        self.put(&self.webhooks, department.as_bytes(), hook)
    }

    fn webhook(&self, department: &str) -> StoreResult<Option<Webhook>> {
        self.get(&self.webhooks, department.as_bytes())
    }

    // Beside the webhooks, under `duty` and the code: department codes have no zero byte.
    fn put_duty_phone(&self, department: &str, mobile: &str) -> StoreResult<()> {
        self.put(
            &self.webhooks,
            &key(&[b"duty", department.as_bytes()]),
            &mobile,
        )
    }

    fn duty_phone(&self, department: &str) -> StoreResult<Option<String>> {
        self.get(&self.webhooks, &key(&[b"duty", department.as_bytes()]))
    }
}

#[cfg(test)]
mod tests;
