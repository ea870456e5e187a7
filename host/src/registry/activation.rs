//! Putting a version into service: by hand, on schedule (`schedule.rs`) or by rollback. The
//! new version is stored (flushed) first, then swapped in memory; requests already running
//! finish on the version they started with.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{ActivePlugin, Registry, RegistryError, Schedule};

/// A version becoming the active one of its matter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Activation {
    pub matter: String,
    pub sha256: String,
    pub version: String,
    pub activated_by: String,
    pub activated_at: String,
    /// The version active before this one, which a rollback returns to.
    pub previous: Option<String>,
    pub reason: Option<String>,
}

/// What an activation must pass besides the grants.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Gate {
    /// The replay review, where the host requires it.
    ReplayReview,
    /// Nothing more: a rollback.
    None,
}

impl Registry {
    pub fn activations(&self, matter: &str) -> Result<Vec<Activation>, RegistryError> {
        Ok(self.store.activations(matter)?)
    }

    /// Makes a version the active one: stored (flushed) first, then swapped in memory.
    /// Activating the version that is already active changes nothing and returns its record.
    pub fn activate(
        &self,
        matter: &str,
        sha256: &str,
        by: &str,
        now: &str,
        reason: Option<String>,
    ) -> Result<Activation, RegistryError> {
        self.activate_inner(matter, sha256, by, now, reason, Gate::ReplayReview, None)
    }

    /// Activation, by hand or by `schedule` (which is then removed in the same write), or a
    /// rollback, which is the emergency exit and skips the replay review.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn activate_inner(
        &self,
        matter: &str,
        sha256: &str,
        by: &str,
        now: &str,
        reason: Option<String>,
        gate: Gate,
        schedule: Option<&Schedule>,
    ) -> Result<Activation, RegistryError> {
        let _serial = self
            .activation_lock
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let version = self.stored_version(matter, sha256)?;
        let current = self.store.active(matter)?;
        if let Some(current) = &current
            && current.sha256 == sha256
        {
            if let Some(s) = schedule {
                self.store.remove_schedule(&s.matter, &s.sha256)?;
            }
            return Ok(current.clone());
        }
        if gate == Gate::ReplayReview {
            self.check_reviewed(matter, sha256)?;
        }
        self.check_granted(&version)?;
        let plugin = self.prepare(&version)?;
        let activation = Activation {
            matter: matter.to_owned(),
            sha256: sha256.to_owned(),
            version: version.version.clone(),
            activated_by: by.to_owned(),
            activated_at: now.to_owned(),
            previous: current.map(|c| c.sha256),
            reason,
        };
        match schedule {
            Some(s) => self.store.activate_scheduled(&activation, s)?,
            None => self.store.activate(&activation)?,
        }
        self.swap(matter, ActivePlugin { plugin, version });
        Ok(activation)
    }

    /// Where the host is configured so (`--require-replay-review`), a version goes into
    /// service — by hand or on schedule — only after its latest replay, run against the
    /// version in service now, was reviewed.
    pub(super) fn check_reviewed(&self, matter: &str, sha256: &str) -> Result<(), RegistryError> {
        if !self.require_replay_review {
            return Ok(());
        }
        let in_service = self.active(matter).map(|a| a.version.sha256.clone());
        if in_service.as_deref() == Some(sha256) {
            return Ok(());
        }
        match self.latest_replay(matter, sha256)? {
            Some(r) if r.reviewed_by.is_some() && r.against == in_service => Ok(()),
            Some(r) if r.reviewed_by.is_some() => Err(RegistryError::ReplayOutdated {
                matter: matter.to_owned(),
                sha256: sha256.to_owned(),
                against: r.against,
                in_service,
            }),
            _ => Err(RegistryError::ReplayNotReviewed {
                matter: matter.to_owned(),
                sha256: sha256.to_owned(),
            }),
        }
    }

    /// Re-activates the version that was active before the current one.
    pub fn rollback(&self, matter: &str, by: &str, now: &str) -> Result<Activation, RegistryError> {
        let previous = self
            .store
            .active(matter)?
            .and_then(|a| a.previous)
            .ok_or_else(|| RegistryError::NothingToRollBack(matter.to_owned()))?;
        self.activate_inner(
            matter,
            &previous,
            by,
            now,
            Some("rollback".to_owned()),
            Gate::None,
            None,
        )
    }

    pub(super) fn swap(&self, matter: &str, plugin: ActivePlugin) {
        let mut map = self
            .active
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        map.insert(matter.to_owned(), Arc::new(plugin));
    }
}
