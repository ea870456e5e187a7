//! Capabilities, deny by default: a rules version that declares host imports beyond the
//! calendar and the log (rules API 0.2.0: `elicense`) runs with them only when an
//! administrator has granted them for its matter.
//!
//! Two checks, one at each end. Activation (by hand, by schedule, by rollback) refuses a
//! version whose declared capabilities are not all granted. At call time the imports a store
//! gets carry a certificate source only when the matter holds the grant *and* the version
//! declared it, so a rule that calls an import it did not declare, or one whose grant was
//! withdrawn after activation, is stopped with `rule_capability_denied` on the spot.

use std::collections::BTreeSet;
use std::sync::Arc;

use lianban_sdk::{Capability, WorkingCalendar};
use serde::{Deserialize, Serialize};

use super::{PluginVersion, Registry, RegistryError};
use crate::runtime::Imports;

/// The capabilities granted to one matter, as last set by an administrator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Grant {
    pub matter: String,
    pub capabilities: BTreeSet<Capability>,
    pub granted_by: String,
    pub granted_at: String,
    pub reason: Option<String>,
}

impl Registry {
    /// Replaces what `matter` is granted. Withdrawing a capability takes effect on the next
    /// call, even for the active version.
    pub fn grant(
        &self,
        matter: &str,
        capabilities: BTreeSet<Capability>,
        by: &str,
        now: &str,
        reason: Option<String>,
    ) -> Result<Grant, RegistryError> {
        if self.catalog.matter(matter)?.is_none() {
            return Err(RegistryError::UnknownMatter(matter.to_owned()));
        }
        let grant = Grant {
            matter: matter.to_owned(),
            capabilities,
            granted_by: by.to_owned(),
            granted_at: now.to_owned(),
            reason,
        };
        self.store.put_grant(&grant)?;
        self.grants
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(matter.to_owned(), grant.clone());
        Ok(grant)
    }

    /// What `matter` is granted now; nothing when no administrator ever granted anything.
    pub fn granted(&self, matter: &str) -> BTreeSet<Capability> {
        self.grants
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(matter)
            .map(|g| g.capabilities.clone())
            .unwrap_or_default()
    }

    pub fn grant_record(&self, matter: &str) -> Option<Grant> {
        self.grants
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(matter)
            .cloned()
    }

    pub(super) fn load_grants(&self) -> Result<(), RegistryError> {
        let all = self.store.grants()?;
        let mut map = self
            .grants
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        map.clear();
        map.extend(all.into_iter().map(|g| (g.matter.clone(), g)));
        Ok(())
    }

    /// Refuses a version that declares a capability its matter is not granted.
    pub(super) fn check_granted(&self, version: &PluginVersion) -> Result<(), RegistryError> {
        let granted = self.granted(&version.matter);
        let missing: Vec<Capability> = version
            .capabilities
            .iter()
            .filter(|c| !granted.contains(c))
            .copied()
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(RegistryError::CapabilityNotGranted {
                matter: version.matter.clone(),
                version: version.version.clone(),
                missing,
            })
        }
    }

    /// The imports one call of `version` gets: the calendar, and the certificate source when the
    /// version declared `elicense` and its matter is granted it.
    pub fn imports(&self, version: &PluginVersion, calendar: Arc<WorkingCalendar>) -> Imports {
        let allowed = version.capabilities.contains(&Capability::Elicense)
            && self
                .granted(&version.matter)
                .contains(&Capability::Elicense);
        Imports {
            calendar,
            elicense: allowed.then(|| self.elicense.clone()),
        }
    }
}
