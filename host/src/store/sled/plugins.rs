//! Rules versions, their activations and schedules, recorded inputs and replay reports, and
//! capability grants in sled.

use sled::transaction::{ConflictableTransactionError, Transactional};

use super::{SledStore, decode, encode, key, tx_error};
use crate::registry::{Activation, Grant, PluginVersion, RecordedInput, ReplayReport, Schedule};
use crate::store::{PluginStore, StoreError, StoreResult};

impl PluginStore for SledStore {
    fn put_version(&self, version: &PluginVersion, component: &[u8]) -> StoreResult<()> {
        let record = encode(version)?;
        let vkey = key(&[version.matter.as_bytes(), version.sha256.as_bytes()]);
        let nkey = key(&[version.matter.as_bytes(), version.version.as_bytes()]);
        (
            &self.plugin_versions,
            &self.plugin_names,
            &self.plugin_components,
        )
            .transaction(|(versions, names, components)| {
                if let Some(existing) = names.get(&nkey)? {
                    return Err(ConflictableTransactionError::Abort(StoreError::Conflict(
                        format!(
                            "version {} of {} already exists ({})",
                            version.version,
                            version.matter,
                            String::from_utf8_lossy(&existing)
                        ),
                    )));
                }
                names.insert(nkey.as_slice(), version.sha256.as_bytes())?;
                versions.insert(vkey.as_slice(), record.as_slice())?;
                components.insert(version.sha256.as_bytes(), component)?;
                Ok(())
            })
            .map_err(tx_error)?;
        self.durable()
    }

    fn version(&self, matter: &str, sha256: &str) -> StoreResult<Option<PluginVersion>> {
        self.get(
            &self.plugin_versions,
            &key(&[matter.as_bytes(), sha256.as_bytes()]),
        )
    }

    fn versions(&self, matter: &str) -> StoreResult<Vec<PluginVersion>> {
        let mut all: Vec<PluginVersion> =
            self.scan(&self.plugin_versions, &key(&[matter.as_bytes(), b""]))?;
        all.sort_by(|a, b| a.uploaded_at.cmp(&b.uploaded_at));
        Ok(all)
    }

    fn all_versions(&self) -> StoreResult<Vec<PluginVersion>> {
        self.scan(&self.plugin_versions, b"")
    }

    fn remove_version(&self, matter: &str, sha256: &str) -> StoreResult<bool> {
        let Some(version) = PluginStore::version(self, matter, sha256)? else {
            return Ok(false);
        };
        let vkey = key(&[matter.as_bytes(), sha256.as_bytes()]);
        let nkey = key(&[matter.as_bytes(), version.version.as_bytes()]);
        // Components are stored by content: another matter's record naming the same bytes
        // keeps them (an upload checks the manifest's matter, so this is a guard, not a case).
        let suffix = key(&[b"", sha256.as_bytes()]);
        let shared = self.plugin_versions.iter().keys().any(|k| {
            k.map(|k| k.ends_with(&suffix) && k.as_ref() != vkey.as_slice())
                .unwrap_or(true)
        });
        (
            &self.plugin_versions,
            &self.plugin_names,
            &self.plugin_components,
            &self.replay_reports,
        )
            .transaction(|(versions, names, components, reports)| {
                versions.remove(vkey.as_slice())?;
                if names.get(&nkey)?.as_deref() == Some(sha256.as_bytes()) {
                    names.remove(nkey.as_slice())?;
                }
                if !shared {
                    components.remove(sha256.as_bytes())?;
                }
                reports.remove(vkey.as_slice())?;
                Ok::<_, ConflictableTransactionError<StoreError>>(())
            })
            .map_err(tx_error)?;
        // Artifacts are a cache under every engine fingerprint that compiled the component.
        for item in self.plugin_artifacts.iter().keys() {
            let k = item?;
            if k.ends_with(&suffix) && !shared {
                self.plugin_artifacts.remove(k)?;
            }
        }
        self.durable()?;
        Ok(true)
    }

    fn component(&self, sha256: &str) -> StoreResult<Option<Vec<u8>>> {
        Ok(self
            .plugin_components
            .get(sha256.as_bytes())?
            .map(|v| v.to_vec()))
    }

    fn artifact(&self, fingerprint: &str, sha256: &str) -> StoreResult<Option<Vec<u8>>> {
        let k = key(&[fingerprint.as_bytes(), sha256.as_bytes()]);
        Ok(self.plugin_artifacts.get(k)?.map(|v| v.to_vec()))
    }

    fn put_artifact(&self, fingerprint: &str, sha256: &str, artifact: &[u8]) -> StoreResult<()> {
        let k = key(&[fingerprint.as_bytes(), sha256.as_bytes()]);
        self.plugin_artifacts.insert(k, artifact)?;
        self.durable()
    }

    fn activate(&self, activation: &Activation) -> StoreResult<()> {
        self.activate_removing(activation, None)
    }

    fn activate_scheduled(&self, activation: &Activation, schedule: &Schedule) -> StoreResult<()> {
        let skey = key(&[schedule.matter.as_bytes(), schedule.sha256.as_bytes()]);
        self.activate_removing(activation, Some(&skey))
    }

    fn put_schedule(&self, schedule: &Schedule) -> StoreResult<()> {
        let k = key(&[schedule.matter.as_bytes(), schedule.sha256.as_bytes()]);
        self.put(&self.plugin_schedules, &k, schedule)
    }

    fn schedules(&self) -> StoreResult<Vec<Schedule>> {
        self.scan(&self.plugin_schedules, b"")
    }

    fn put_replay_input(&self, matter: &str, slot: u64, input: &RecordedInput) -> StoreResult<()> {
        let k = key(&[matter.as_bytes(), &slot.to_be_bytes()]);
        self.replay_inputs.insert(k, self.encode_input(input)?)?;
        Ok(())
    }

    fn replay_inputs(&self, matter: &str) -> StoreResult<Vec<RecordedInput>> {
        self.replay_inputs
            .scan_prefix(key(&[matter.as_bytes(), b""]))
            .map(|item| self.decode_input(&item?.1))
            .collect()
    }

    fn purge_replay_inputs_before(&self, cutoff: &str) -> StoreResult<usize> {
        let mut stale = Vec::new();
        for item in self.replay_inputs.iter() {
            let (k, v) = item?;
            // The stamp is outside the sealed fields: no key is needed to judge its age.
            let input: RecordedInput = decode(&v)?;
            if input.recorded_at.as_str() < cutoff {
                stale.push(k);
            }
        }
        for k in &stale {
            self.replay_inputs.remove(k)?;
        }
        self.durable()?;
        Ok(stale.len())
    }

    fn trim_replay_inputs(&self, matter: &str, keep: u64) -> StoreResult<usize> {
        let prefix = key(&[matter.as_bytes(), b""]);
        let mut stale = Vec::new();
        for item in self.replay_inputs.scan_prefix(&prefix) {
            let (k, _) = item?;
            let slot = k
                .get(prefix.len()..)
                .and_then(|s| <[u8; 8]>::try_from(s).ok())
                .map(u64::from_be_bytes);
            if slot.is_none_or(|s| s >= keep) {
                stale.push(k);
            }
        }
        for k in &stale {
            self.replay_inputs.remove(k)?;
        }
        if !stale.is_empty() {
            self.durable()?;
        }
        Ok(stale.len())
    }

    fn put_grant(&self, grant: &Grant) -> StoreResult<()> {
        self.put(&self.capability_grants, grant.matter.as_bytes(), grant)
    }

    fn grants(&self) -> StoreResult<Vec<Grant>> {
        self.scan(&self.capability_grants, b"")
    }

    fn put_replay(&self, report: &ReplayReport) -> StoreResult<()> {
        let k = key(&[report.matter.as_bytes(), report.candidate.as_bytes()]);
        self.put(&self.replay_reports, &k, report)
    }

    fn replay(&self, matter: &str, sha256: &str) -> StoreResult<Option<ReplayReport>> {
        self.get(
            &self.replay_reports,
            &key(&[matter.as_bytes(), sha256.as_bytes()]),
        )
    }

    fn remove_schedule(&self, matter: &str, sha256: &str) -> StoreResult<bool> {
        let k = key(&[matter.as_bytes(), sha256.as_bytes()]);
        let removed = self.plugin_schedules.remove(k)?.is_some();
        self.durable()?;
        Ok(removed)
    }

    fn active(&self, matter: &str) -> StoreResult<Option<Activation>> {
        self.get(&self.plugin_active, matter.as_bytes())
    }

    fn all_active(&self) -> StoreResult<Vec<Activation>> {
        self.scan(&self.plugin_active, b"")
    }

    fn activations(&self, matter: &str) -> StoreResult<Vec<Activation>> {
        self.scan(&self.plugin_activations, &key(&[matter.as_bytes(), b""]))
    }
}

impl SledStore {
    /// The active version, its history record and, for a scheduled activation, the removal of
    /// the schedule, in one transaction.
    fn activate_removing(
        &self,
        activation: &Activation,
        schedule: Option<&[u8]>,
    ) -> StoreResult<()> {
        let record = encode(activation)?;
        let seq = self.db.generate_id()?;
        let hkey = key(&[activation.matter.as_bytes(), &seq.to_be_bytes()]);
        (
            &self.plugin_active,
            &self.plugin_activations,
            &self.plugin_schedules,
        )
            .transaction(|(active, history, schedules)| {
                active.insert(activation.matter.as_bytes(), record.as_slice())?;
                history.insert(hkey.as_slice(), record.as_slice())?;
                if let Some(k) = schedule {
                    schedules.remove(k)?;
                }
                Ok(())
            })
            .map_err(tx_error)?;
        self.durable()
    }
}
