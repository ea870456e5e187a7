//! Plugin versions per matter: upload with validation (`upload.rs`), precompilation,
//! activation by hand, on schedule or by rollback (`activation.rs`, `schedule.rs`), capability
//! grants, shadow replays, and the quota of versions never put into service (`quota.rs`).
//!
//! Hot swap: the active plugins are a map of `Arc`s behind a lock that is only held to clone
//! or replace an `Arc`. A request takes its `Arc` once and finishes on that version even if a
//! newer one is activated meanwhile; requests that start after the swap see the new one.

mod activation;
mod grants;
mod manifest_check;
mod quota;
mod replay;
mod schedule;
mod upload;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use lianban_sdk::{Capability, Manifest};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use activation::Activation;
use activation::Gate;
pub use grants::Grant;
pub use replay::{InputChange, RecordedInput, ReplayReport, ReplayTotals};
pub use schedule::Schedule;

use crate::calendar::Calendar;
use crate::catalog::Catalog;
use crate::elicense::{ElicenseSource, InMemory};
use crate::runtime::{Limits, LoadError, Plugin, PluginIdent, RuleFailure, Runtime};
use crate::store::{PluginStore, StoreError};

/// One uploaded version of a matter's rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PluginVersion {
    pub matter: String,
    pub department: String,
    pub version: String,
    /// SHA-256 of the component bytes, hex: the identity cases record.
    pub sha256: String,
    /// The rules API (WIT version) it was built against.
    pub api: String,
    pub size: usize,
    pub uploaded_by: String,
    pub uploaded_at: String,
    pub limits: Limits,
    pub manifest: Manifest,
    /// Host imports the version declared beyond the calendar and the log (0.2.0 on).
    #[serde(default)]
    pub capabilities: Vec<Capability>,
}

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("upload of {size} bytes exceeds the limit of {max}")]
    TooLarge { size: usize, max: usize },
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("smoke call failed: {0}")]
    SmokeFailed(Box<RuleFailure>),
    #[error("matter {0} is not in the catalog")]
    UnknownMatter(String),
    #[error("matter {matter} belongs to {owner}")]
    WrongDepartment { matter: String, owner: String },
    #[error("the component is for matter {manifest}, uploaded to {url}")]
    MatterMismatch { url: String, manifest: String },
    #[error("invalid manifest: {}", .0.join("; "))]
    ManifestInvalid(Vec<String>),
    #[error("{0}")]
    VersionExists(String),
    #[error("matter {matter} has no version {sha256}")]
    UnknownVersion { matter: String, sha256: String },
    #[error("matter {0} has no earlier version to roll back to")]
    NothingToRollBack(String),
    #[error("the moment {0} has already passed")]
    ScheduleInPast(String),
    #[error("matter {matter} has no scheduled activation of {sha256}")]
    UnknownSchedule { matter: String, sha256: String },
    #[error("version {sha256} of {matter} has not been replayed")]
    NoReplay { matter: String, sha256: String },
    #[error("version {version} of {matter} needs capabilities not granted: {missing:?}")]
    CapabilityNotGranted {
        matter: String,
        version: String,
        missing: Vec<Capability>,
    },
    #[error(
        "department {department} holds {held} versions never put into service, the most it may"
    )]
    QuotaExceeded {
        department: String,
        held: usize,
        max: usize,
    },
    #[error("version {version} of {matter} was in service once and is kept")]
    VersionWasActive { matter: String, version: String },
    #[error("version {version} of {matter} is scheduled to go into service; unschedule it first")]
    VersionScheduled { matter: String, version: String },
    #[error("version {sha256} of {matter} has not been replayed against the version in service")]
    ReplayNotReviewed { matter: String, sha256: String },
    #[error(
        "the replay of {sha256} compared with {against:?}; the version in service is now {in_service:?}"
    )]
    ReplayOutdated {
        matter: String,
        sha256: String,
        against: Option<String>,
        in_service: Option<String>,
    },
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for RegistryError {
    fn from(e: StoreError) -> RegistryError {
        match e {
            StoreError::Conflict(msg) => RegistryError::VersionExists(msg),
            other => RegistryError::Store(other),
        }
    }
}

/// An active version, ready to run.
pub struct ActivePlugin {
    pub plugin: Plugin,
    pub version: PluginVersion,
}

/// What an upload produced.
pub struct Uploaded {
    pub version: PluginVersion,
    /// False when exactly these bytes were already uploaded for the matter (a retried upload).
    pub created: bool,
}

pub struct Registry {
    runtime: Arc<Runtime>,
    store: Arc<dyn PluginStore>,
    catalog: Arc<Catalog>,
    calendar: Arc<Calendar>,
    active: RwLock<HashMap<String, Arc<ActivePlugin>>>,
    /// Versions that are no longer active but still judge the cases that started on them.
    retired: Mutex<HashMap<String, Plugin>>,
    /// Version records by sha256, as read from the store. A record never changes once
    /// uploaded, and every acceptance asks for the ones that judged its case.
    records: Mutex<HashMap<String, Arc<PluginVersion>>>,
    /// Serialises activations so each records the version it replaced.
    activation_lock: Mutex<()>,
    pub max_upload_bytes: usize,
    /// Versions never put into service that one department may hold.
    pub max_pending_versions: usize,
    /// Activation (by hand or scheduled) needs a reviewed replay against the version in
    /// service (`--require-replay-review`).
    pub require_replay_review: bool,
    /// Recorded inputs kept per matter for shadow replays; zero records none.
    pub replay_keep: usize,
    recorder: replay::Recorder,
    /// Capabilities granted per matter, as stored.
    grants: RwLock<HashMap<String, Grant>>,
    /// Where rules granted `elicense` look certificates up.
    elicense: Arc<dyn ElicenseSource>,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl Registry {
    pub fn new(
        runtime: Arc<Runtime>,
        store: Arc<dyn PluginStore>,
        catalog: Arc<Catalog>,
        calendar: Arc<Calendar>,
        max_upload_bytes: usize,
    ) -> Registry {
        Registry {
            recorder: replay::Recorder::new(store.clone()),
            runtime,
            store,
            catalog,
            calendar,
            active: RwLock::new(HashMap::new()),
            retired: Mutex::new(HashMap::new()),
            records: Mutex::new(HashMap::new()),
            activation_lock: Mutex::new(()),
            max_upload_bytes,
            max_pending_versions: 20,
            require_replay_review: false,
            replay_keep: 200,
            grants: RwLock::new(HashMap::new()),
            elicense: Arc::new(InMemory::default()),
        }
    }

    /// Serves certificates from `source` to the rules granted `elicense` (by default there are
    /// none).
    pub fn with_elicense_source(mut self, source: Arc<dyn ElicenseSource>) -> Registry {
        self.elicense = source;
        self
    }

    pub fn runtime(&self) -> &Arc<Runtime> {
        &self.runtime
    }

    pub fn versions(&self, matter: &str) -> Result<Vec<PluginVersion>, RegistryError> {
        Ok(self.store.versions(matter)?)
    }

    pub fn version(
        &self,
        matter: &str,
        sha256: &str,
    ) -> Result<Option<Arc<PluginVersion>>, RegistryError> {
        let cached = self
            .records
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(sha256)
            .cloned();
        if let Some(record) = cached {
            return Ok((record.matter == matter).then_some(record));
        }
        let Some(record) = self.store.version(matter, sha256)? else {
            return Ok(None);
        };
        let record = Arc::new(record);
        self.records
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(sha256.to_owned(), record.clone());
        Ok(Some(record))
    }

    /// A stored version, or `UnknownVersion`.
    fn stored_version(&self, matter: &str, sha256: &str) -> Result<PluginVersion, RegistryError> {
        self.version(matter, sha256)?
            .map(|v| PluginVersion::clone(&v))
            .ok_or_else(|| RegistryError::UnknownVersion {
                matter: matter.to_owned(),
                sha256: sha256.to_owned(),
            })
    }

    /// A version ready to run, from its precompiled artifact when this host sealed one for it
    /// with this engine, else compiled again from the stored original (and the new artifact
    /// kept in place of the old).
    fn prepare(&self, version: &PluginVersion) -> Result<Plugin, RegistryError> {
        let fingerprint = self.runtime.fingerprint();
        let cached = self
            .store
            .artifact(&fingerprint, &version.sha256)?
            .and_then(|sealed| {
                self.runtime
                    .load_artifact(&version.sha256, &sealed)
                    .inspect_err(|e| {
                        tracing::warn!(matter = %version.matter, sha256 = %version.sha256, error = %e, "stored artifact refused; compiling the component again");
                    })
                    .ok()
            });
        let component = match cached {
            Some(c) => c,
            None => {
                let bytes = self.store.component(&version.sha256)?.ok_or_else(|| {
                    RegistryError::Store(StoreError::Corrupt(format!(
                        "component {} is missing",
                        version.sha256
                    )))
                })?;
                let (component, artifact) = self.runtime.compile(&bytes)?;
                let sealed = self.runtime.seal_artifact(&version.sha256, &artifact);
                self.store
                    .put_artifact(&fingerprint, &version.sha256, &sealed)?;
                component
            }
        };
        let ident = PluginIdent {
            matter: version.matter.clone(),
            department: version.department.clone(),
            version: version.version.clone(),
            sha256: version.sha256.clone(),
        };
        let mut plugin = self
            .runtime
            .prepare(&component, &version.api, ident, version.limits)?;
        plugin.legal_days = Some(version.manifest.legal_days);
        Ok(plugin)
    }

    /// Loads every active version at startup. A version that cannot be loaded is reported and
    /// left inactive in memory; the others serve.
    pub fn load_active(&self) -> Result<Vec<(String, RegistryError)>, RegistryError> {
        self.load_grants()?;
        let mut failures = Vec::new();
        for activation in self.store.all_active()? {
            let loaded = self
                .version(&activation.matter, &activation.sha256)?
                .map(|v| PluginVersion::clone(&v))
                .ok_or_else(|| RegistryError::UnknownVersion {
                    matter: activation.matter.clone(),
                    sha256: activation.sha256.clone(),
                })
                .and_then(|v| {
                    Ok(ActivePlugin {
                        plugin: self.prepare(&v)?,
                        version: v,
                    })
                });
            match loaded {
                Ok(p) => self.swap(&activation.matter, p),
                Err(e) => failures.push((activation.matter.clone(), e)),
            }
        }
        Ok(failures)
    }

    /// Every active version, by matter.
    pub fn all_active(&self) -> Vec<Arc<ActivePlugin>> {
        self.active
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .values()
            .cloned()
            .collect()
    }

    pub fn active(&self, matter: &str) -> Option<Arc<ActivePlugin>> {
        self.active
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(matter)
            .cloned()
    }

    /// A specific version, ready to run: a case keeps the versions that judged it at intake
    /// for its whole life, even after a newer one is activated.
    pub fn version_plugin(&self, matter: &str, sha256: &str) -> Result<Plugin, RegistryError> {
        if let Some(active) = self.active(matter).filter(|a| a.version.sha256 == sha256) {
            return Ok(active.plugin.clone());
        }
        let mut retired = self
            .retired
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(p) = retired.get(sha256) {
            return Ok(p.clone());
        }
        let version = self.stored_version(matter, sha256)?;
        let plugin = self.prepare(&version)?;
        retired.insert(sha256.to_owned(), plugin.clone());
        Ok(plugin)
    }

    pub fn active_count(&self) -> usize {
        self.active
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .len()
    }
}
