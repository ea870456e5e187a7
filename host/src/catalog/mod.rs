//! The catalog (事项清单): departments, one-things and the matters inside them (第六条).
//!
//! This is the read side the rules host needs. Management of the list — drafts, filing with the
//! bureau, published batches — builds on the same model later.

pub mod base;
pub mod dag;
pub mod demo;
pub mod dictionary;
mod manage;
pub mod publication;

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

pub use demo::seed_demo;
pub use dictionary::{Dictionary, FieldEntry, MaterialEntry};
pub use manage::{BatchInput, CatalogError, DraftInput, MatterInput};

use std::sync::{Arc, Mutex};

use crate::clock::Clock;
use crate::store::{CatalogStore, StoreResult};
use publication::{Batch, PublishedVersion};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Department {
    pub code: String,
    pub name: String,
}

/// 办理层级.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Province,
    City,
    County,
    Township,
}

/// A matter as it takes part in a one-thing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MatterRef {
    pub code: String,
    /// Its entry in the provincial base catalog (see `base`).
    #[serde(default)]
    pub base: String,
    pub name: String,
    pub department: String,
    pub level: Level,
    /// Matters whose approval this one needs first (前置).
    pub prerequisites: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OneThing {
    pub code: String,
    pub name: String,
    pub lead_department: String,
    pub description: String,
    /// In an order where every prerequisite comes before the matters that need it.
    pub matters: Vec<MatterRef>,
    /// 申请条件 (第八条): who may apply, in what situation. The matters' own conditions come
    /// from their rules; these are the one-thing's.
    #[serde(default)]
    pub conditions: Vec<String>,
    /// 申请方式 (第八条): where and when to apply.
    #[serde(default)]
    pub apply: ApplyAt,
    /// 收费标准 (第二十一条).
    #[serde(default)]
    pub fees: String,
    /// The published version this definition is (0 for a draft).
    #[serde(default)]
    pub version: u32,
}

/// Where an application is handed in: the 一件事一次办 window of the service hall (第十条)
/// and the online service.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ApplyAt {
    pub window: String,
    pub address: String,
    pub hours: String,
    pub phone: String,
    /// The online service, if the one-thing can be applied for online.
    pub online: Option<String>,
}

impl OneThing {
    pub fn matter(&self, code: &str) -> Option<&MatterRef> {
        self.matters.iter().find(|m| m.code == code)
    }

    /// The same one-thing, valid, with its matters in prerequisite order (every prerequisite
    /// before the matters that need it), which the workflow and the guide rely on.
    pub fn normalized(&self) -> Result<OneThing, String> {
        self.validate()?;
        let order = dag::order(&self.matters).map_err(|cycle| cycle.join(" → "))?;
        let mut out = self.clone();
        out.matters = order.into_iter().map(|i| self.matters[i].clone()).collect();
        Ok(out)
    }

    /// Checks that matter codes are unique, prerequisites name other matters of this
    /// one-thing and form no cycle (理顺前后置、串并联关系, 第二十一条), and the lead department
    /// takes part.
    pub fn validate(&self) -> Result<(), String> {
        let mut seen = BTreeSet::new();
        for m in &self.matters {
            if !seen.insert(m.code.as_str()) {
                return Err(format!("事项 {} 重复", m.code));
            }
        }
        for m in &self.matters {
            for p in &m.prerequisites {
                if p == &m.code {
                    return Err(format!("事项 {} 不能以自身为前置事项", m.code));
                }
                if !seen.contains(p.as_str()) {
                    return Err(format!("事项 {} 的前置事项 {p} 不在本一件事中", m.code));
                }
            }
        }
        dag::order(&self.matters)
            .map_err(|cycle| format!("前置关系出现循环：{}", cycle.join(" → ")))?;
        if !self
            .matters
            .iter()
            .any(|m| m.department == self.lead_department)
        {
            return Err(format!(
                "牵头部门 {} 未承担任何联办事项",
                self.lead_department
            ));
        }
        Ok(())
    }
}

/// The catalog: what is in effect today, its history, and the lookups the host needs. The
/// management commands (drafts, filing, batches) are in `manage`.
pub struct Catalog {
    store: Arc<dyn CatalogStore>,
    clock: Arc<dyn Clock>,
    /// Management commands read, check and write under this lock; they are rare, and it keeps
    /// a revision check and the write that follows it one step.
    commands: Mutex<()>,
}

fn with_version(v: PublishedVersion) -> OneThing {
    let mut ot = v.definition;
    ot.version = v.version;
    ot
}

impl Catalog {
    pub fn new(store: Arc<dyn CatalogStore>, clock: Arc<dyn Clock>) -> Catalog {
        Catalog {
            store,
            clock,
            commands: Mutex::new(()),
        }
    }

    fn versions_by_code(&self) -> StoreResult<BTreeMap<String, Vec<PublishedVersion>>> {
        let mut by: BTreeMap<String, Vec<PublishedVersion>> = BTreeMap::new();
        for v in self.store.all_versions()? {
            by.entry(v.one_thing.clone()).or_default().push(v);
        }
        Ok(by)
    }

    /// The one-things in effect today, each in its current version.
    pub fn one_things(&self) -> StoreResult<Vec<OneThing>> {
        let today = self.clock.today();
        Ok(self
            .versions_by_code()?
            .into_values()
            .filter_map(|vs| publication::effective_on(&vs, today).cloned())
            .map(with_version)
            .collect())
    }

    /// A one-thing in the version in effect today; `None` before its first version takes
    /// effect.
    pub fn one_thing(&self, code: &str) -> StoreResult<Option<OneThing>> {
        let versions = self.store.versions(code)?;
        Ok(publication::effective_on(&versions, self.clock.today())
            .cloned()
            .map(with_version))
    }

    /// A one-thing in a given published version: cases keep the version they started on.
    pub fn one_thing_version(&self, code: &str, version: u32) -> StoreResult<Option<OneThing>> {
        Ok(self
            .store
            .versions(code)?
            .into_iter()
            .find(|v| v.version == version)
            .map(with_version))
    }

    /// Every published version of a one-thing, oldest first.
    pub fn versions(&self, code: &str) -> StoreResult<Vec<PublishedVersion>> {
        self.store.versions(code)
    }

    pub fn batches(&self) -> StoreResult<Vec<Batch>> {
        let mut batches = self.store.batches()?;
        batches.sort_by(|a, b| (a.published_on, &a.code).cmp(&(b.published_on, &b.code)));
        Ok(batches)
    }

    /// The newest published version of every one-thing, in effect yet or not.
    pub fn latest_published(&self) -> StoreResult<Vec<OneThing>> {
        Ok(self
            .versions_by_code()?
            .into_values()
            .filter_map(|vs| vs.into_iter().max_by_key(|v| v.version))
            .map(with_version)
            .collect())
    }

    pub fn departments(&self) -> StoreResult<BTreeMap<String, Department>> {
        Ok(self
            .store
            .departments()?
            .into_iter()
            .map(|d| (d.code.clone(), d))
            .collect())
    }

    /// A matter wherever it appears — in the newest published version of a one-thing or in a
    /// draft, so that departments can upload rules before the batch takes effect — with the
    /// one-things that include it. A matter belongs to one department everywhere: drafts are
    /// checked against the base catalog, which says whose it is.
    pub fn matter(&self, code: &str) -> StoreResult<Option<(MatterRef, Vec<String>)>> {
        let mut found: Option<MatterRef> = None;
        let mut in_one_things = Vec::new();
        let drafts = self.store.drafts()?.into_iter().map(|d| d.one_thing);
        for ot in self.latest_published()?.into_iter().chain(drafts) {
            if let Some(m) = ot.matter(code) {
                found.get_or_insert_with(|| m.clone());
                if !in_one_things.contains(&ot.code) {
                    in_one_things.push(ot.code.clone());
                }
            }
        }
        Ok(found.map(|m| (m, in_one_things)))
    }

    /// The provincial base catalog, by code.
    pub fn base(&self) -> StoreResult<BTreeMap<String, base::BaseEntry>> {
        Ok(self
            .store
            .base_catalog()?
            .into_iter()
            .map(|e| (e.code.clone(), e))
            .collect())
    }

    /// Replaces the base catalog with `entries` and reports what changed and which
    /// one-things — published or in draft — are affected.
    pub fn import_base(
        &self,
        entries: Vec<base::BaseEntry>,
        by: &str,
        at: &str,
    ) -> StoreResult<base::ImportReport> {
        let _guard = self.commands.lock().unwrap_or_else(|p| p.into_inner());
        let old = self.base()?;
        let published = self.latest_published()?;
        let drafts = self.store.drafts()?;
        let stages: Vec<(&str, &OneThing)> = published
            .iter()
            .map(|o| ("published", o))
            .chain(drafts.iter().map(|d| ("draft", &d.one_thing)))
            .collect();
        let (added, changed, removed, affected) = base::compare(&old, &entries, &stages);
        let report = base::ImportReport {
            imported_at: at.to_owned(),
            imported_by: by.to_owned(),
            entries: entries.len(),
            added,
            changed,
            removed,
            affected,
        };
        self.store.replace_base_catalog(&entries, &report)?;
        Ok(report)
    }

    pub fn base_imports(&self) -> StoreResult<Vec<base::ImportReport>> {
        self.store.base_imports()
    }

    /// The shared data dictionary as the bureau keeps it.
    pub fn dictionary(&self) -> StoreResult<Dictionary> {
        Dictionary::load(self.store.as_ref())
    }

    /// Adds the SDK's dictionary entries the store does not have yet (at every start).
    pub fn seed_dictionary(&self) -> StoreResult<()> {
        dictionary::seed(self.store.as_ref())
    }

    pub fn put_dictionary_field(&self, field: &FieldEntry) -> StoreResult<()> {
        self.store.put_dictionary_field(field)
    }

    pub fn put_dictionary_material(&self, material: &MaterialEntry) -> StoreResult<()> {
        self.store.put_dictionary_material(material)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matter(code: &str, prereq: &[&str]) -> MatterRef {
        MatterRef {
            code: code.into(),
            base: String::new(),
            name: code.into(),
            department: "d".into(),
            level: Level::County,
            prerequisites: prereq.iter().map(|p| (*p).to_owned()).collect(),
        }
    }

    #[test]
    fn prerequisites_must_come_first_and_exist() {
        let mut ot = OneThing {
            code: "x".into(),
            name: "x".into(),
            lead_department: "d".into(),
            description: String::new(),
            ..OneThing::default()
        };
        ot.matters = vec![
            matter("a", &[]),
            matter("b", &["a"]),
            matter("c", &["a", "b"]),
        ];
        assert_eq!(ot.validate(), Ok(()));
        // Any order is accepted and put in prerequisite order.
        ot.matters.swap(0, 2);
        assert_eq!(ot.validate(), Ok(()));
        let normal = ot.normalized().unwrap();
        let order: Vec<&str> = normal.matters.iter().map(|m| m.code.as_str()).collect();
        assert_eq!(order, ["a", "b", "c"]);
        // A cycle is named.
        ot.matters = vec![
            matter("a", &["c"]),
            matter("b", &["a"]),
            matter("c", &["b"]),
        ];
        let err = ot.validate().unwrap_err();
        assert!(err.contains("循环"), "{err}");
        assert!(
            err.contains("a → b → c → a")
                || err.contains("b → c → a → b")
                || err.contains("c → a → b → c"),
            "{err}"
        );
        ot.matters = vec![matter("a", &["a"])];
        assert!(ot.validate().is_err());
        ot.matters = vec![matter("a", &["zzz"])];
        assert!(ot.validate().is_err());
        ot.matters = vec![matter("a", &[]), matter("a", &[])];
        assert!(ot.validate().is_err());
    }
}
