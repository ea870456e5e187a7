//! The catalog (事项清单): departments, one-things and the matters inside them (第六条).
//!
//! This is the read side the rules host needs. Management of the list — drafts, filing with the
//! bureau, published batches — builds on the same model later.

pub mod base;
pub mod dag;
pub mod demo;
pub mod dictionary;

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

pub use demo::seed_demo;
pub use dictionary::{Dictionary, FieldEntry, MaterialEntry};

use crate::store::{CatalogStore, StoreResult};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Department {
    pub code: String,
    pub name: String,
}

/// 办理层级.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Province,
    City,
    County,
    Township,
}

/// A matter as it takes part in a one-thing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
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
}

/// Where an application is handed in: the 一件事一次办 window of the service hall (第十条)
/// and the online service.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
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

/// Read access to the catalog with the lookups the host needs.
pub struct Catalog {
    store: std::sync::Arc<dyn CatalogStore>,
}

impl Catalog {
    pub fn new(store: std::sync::Arc<dyn CatalogStore>) -> Catalog {
        Catalog { store }
    }

    pub fn one_things(&self) -> StoreResult<Vec<OneThing>> {
        self.store.one_things()
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
    /// one-things are affected.
    pub fn import_base(
        &self,
        entries: Vec<base::BaseEntry>,
        by: &str,
        at: &str,
    ) -> StoreResult<base::ImportReport> {
        let old = self.base()?;
        let published = self.store.one_things()?;
        let stages: Vec<(&str, &OneThing)> = published.iter().map(|o| ("published", o)).collect();
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

    pub fn one_thing(&self, code: &str) -> StoreResult<Option<OneThing>> {
        self.store.one_thing(code)
    }

    pub fn departments(&self) -> StoreResult<BTreeMap<String, Department>> {
        Ok(self
            .store
            .departments()?
            .into_iter()
            .map(|d| (d.code.clone(), d))
            .collect())
    }

    /// A matter wherever it appears, with the one-things that include it. A matter belongs to
    /// one department everywhere; the demo seed and later catalog management keep it so.
    pub fn matter(&self, code: &str) -> StoreResult<Option<(MatterRef, Vec<String>)>> {
        let mut found: Option<MatterRef> = None;
        let mut in_one_things = Vec::new();
        for ot in self.store.one_things()? {
            if let Some(m) = ot.matter(code) {
                found.get_or_insert_with(|| m.clone());
                in_one_things.push(ot.code.clone());
            }
        }
        Ok(found.map(|m| (m, in_one_things)))
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
