//! How many versions a department may keep waiting, and the removal of versions that never
//! went into service.
//!
//! Every upload is stored with its component (up to the upload size cap) and its compiled
//! artifact. Before this, nothing was ever removed, so any department token could fill the
//! disk. A version that was active at some time stays for good: cases it judged cite its
//! sha256, and a rollback may return to it. A version that never was can be removed by its
//! department or by the bureau, and a department may hold at most `max_pending_versions` of
//! them at once; an upload beyond that is refused until one is removed or activated.

use std::collections::{BTreeMap, BTreeSet};

use super::{Registry, RegistryError};

impl Registry {
    /// Versions of `department`'s matters that were never active, by matter.
    fn pending(&self, department: &str) -> Result<BTreeMap<String, usize>, RegistryError> {
        let mut by_matter: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for v in self.store.all_versions()? {
            if v.department == department {
                by_matter.entry(v.matter).or_default().push(v.sha256);
            }
        }
        let mut pending = BTreeMap::new();
        for (matter, shas) in by_matter {
            let ever_active = self.ever_active(&matter)?;
            let n = shas.iter().filter(|s| !ever_active.contains(*s)).count();
            if n > 0 {
                pending.insert(matter, n);
            }
        }
        Ok(pending)
    }

    fn ever_active(&self, matter: &str) -> Result<BTreeSet<String>, RegistryError> {
        Ok(self
            .store
            .activations(matter)?
            .into_iter()
            .map(|a| a.sha256)
            .collect())
    }

    /// Refuses an upload when the department already holds its quota of waiting versions.
    pub(super) fn check_quota(&self, department: &str) -> Result<(), RegistryError> {
        let held: usize = self.pending(department)?.values().sum();
        if held >= self.max_pending_versions {
            return Err(RegistryError::QuotaExceeded {
                department: department.to_owned(),
                held,
                max: self.max_pending_versions,
            });
        }
        Ok(())
    }

    /// Removes a version that was never active, with its component, artifacts and replay
    /// report. A version scheduled to become active must be unscheduled first.
    pub fn delete_version(&self, matter: &str, sha256: &str) -> Result<(), RegistryError> {
        // Serialised with activations, so a version cannot go into service while it is removed.
        let _serial = self
            .activation_lock
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let version = self.stored_version(matter, sha256)?;
        if self.ever_active(matter)?.contains(sha256) {
            return Err(RegistryError::VersionWasActive {
                matter: matter.to_owned(),
                version: version.version,
            });
        }
        if self
            .store
            .schedules()?
            .iter()
            .any(|s| s.matter == matter && s.sha256 == sha256)
        {
            return Err(RegistryError::VersionScheduled {
                matter: matter.to_owned(),
                version: version.version,
            });
        }
        self.store.remove_version(matter, sha256)?;
        self.records
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(sha256);
        self.retired
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(sha256);
        Ok(())
    }
}
