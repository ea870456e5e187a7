//! An upload: validated in order of cost, then stored as a new version of its matter.

use std::sync::Arc;

use lianban_sdk::{Application, Channel, Date};

use super::{PluginVersion, Registry, RegistryError, Uploaded, manifest_check, sha256_hex};
use crate::elicense::InMemory;
use crate::runtime::{Imports, PluginIdent, declared_api};
use crate::store::StoreError;

impl Registry {
    /// Validates an upload and stores it as a new version of `matter`.
    ///
    /// `department` is the uploader's department; the matter must be theirs. Validation runs
    /// in order of cost: size, catalog and ownership, then parse, API version, compilation,
    /// type check against the world, the manifest, and one smoke evaluation within the
    /// plugin's budgets. Only then is anything stored.
    pub fn upload(
        &self,
        matter: &str,
        department: &str,
        bytes: &[u8],
        by: &str,
        now: &str,
        today: Date,
    ) -> Result<Uploaded, RegistryError> {
        if bytes.len() > self.max_upload_bytes {
            return Err(RegistryError::TooLarge {
                size: bytes.len(),
                max: self.max_upload_bytes,
            });
        }
        let (matter_ref, one_things) = self
            .catalog
            .matter(matter)?
            .ok_or_else(|| RegistryError::UnknownMatter(matter.to_owned()))?;
        if matter_ref.department != department {
            return Err(RegistryError::WrongDepartment {
                matter: matter.to_owned(),
                owner: matter_ref.department.clone(),
            });
        }
        let sha256 = sha256_hex(bytes);
        if let Some(existing) = self.store.version(matter, &sha256)? {
            return Ok(Uploaded {
                version: existing,
                created: false,
            });
        }

        self.check_quota(department)?;

        let declared = declared_api(bytes)?;
        let (component, artifact) = self.runtime.compile(bytes)?;
        let limits = self.runtime.config().default_limits;
        let ident = PluginIdent {
            matter: matter.to_owned(),
            department: department.to_owned(),
            version: "(uploading)".to_owned(),
            sha256: sha256.clone(),
        };
        let mut plugin =
            self.runtime
                .prepare_detected(&component, declared.as_deref(), ident, limits)?;
        let api = plugin.api.clone();
        let calendar = self.calendar.current();
        // The upload's calls get an empty certificate source: a rule may look certificates up
        // in its smoke call, but nobody has granted it anything yet, and it reads no real data.
        let imports = Imports {
            calendar,
            elicense: Some(Arc::new(InMemory::default())),
        };
        let described = self
            .runtime
            .manifest(&plugin, &Imports::calendar(imports.calendar.clone()))
            .map_err(RegistryError::SmokeFailed)?;
        let manifest = described.manifest;
        plugin.ident.version = manifest.version.clone();
        plugin.legal_days = Some(manifest.legal_days);
        if manifest.matter != matter {
            return Err(RegistryError::MatterMismatch {
                url: matter.to_owned(),
                manifest: manifest.matter,
            });
        }
        let mut problems = manifest_check::problems(&manifest, &matter_ref);
        problems.extend(self.catalog.dictionary()?.problems(&manifest));
        if !problems.is_empty() {
            return Err(RegistryError::ManifestInvalid(problems));
        }

        // One evaluation of an empty application: it must answer (findings are expected)
        // without trapping, within its budgets.
        let one_thing = one_things.first().cloned().unwrap_or_default();
        let smoke = Application::new(&one_thing, matter, Channel::Window, today);
        self.runtime
            .evaluate(&plugin, &smoke, today, &imports)
            .map_err(RegistryError::SmokeFailed)?;

        let version = PluginVersion {
            matter: matter.to_owned(),
            department: department.to_owned(),
            version: manifest.version.clone(),
            sha256: sha256.clone(),
            api,
            size: bytes.len(),
            uploaded_by: by.to_owned(),
            uploaded_at: now.to_owned(),
            limits,
            manifest,
            capabilities: described.capabilities,
        };
        match self.store.put_version(&version, bytes) {
            Ok(()) => {}
            // The same bytes, uploaded at the same moment by another request, went in first:
            // this is that version, not a conflict.
            Err(StoreError::Conflict(_)) if self.store.version(matter, &sha256)?.is_some() => {
                let existing = self.stored_version(matter, &sha256)?;
                return Ok(Uploaded {
                    version: existing,
                    created: false,
                });
            }
            Err(e) => return Err(e.into()),
        }
        self.store.put_artifact(
            &self.runtime.fingerprint(),
            &sha256,
            &self.runtime.seal_artifact(&sha256, &artifact),
        )?;
        Ok(Uploaded {
            version,
            created: true,
        })
    }
}
