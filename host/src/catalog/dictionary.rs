//! The shared data dictionary (第九条 一表申请): every form field and every material described
//! once, for all matters, and managed by the bureau rather than by each department.
//!
//! The SDK compiles the published dictionary into plugins (`lianban_sdk::dictionary`); the host
//! keeps the authoritative copy in its store, seeded from the SDK on first start, so the bureau
//! can add entries without a new host release. At upload a manifest may only use keys and codes
//! that the dictionary holds, with the same kind: a plugin cannot invent a field that the one
//! form would then show under two names.

use std::collections::BTreeMap;

use lianban_sdk::{FieldKind, Manifest, PaperForm};
use serde::{Deserialize, Serialize};

use crate::store::{CatalogStore, StoreResult};

/// A form field of the dictionary.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FieldEntry {
    pub key: String,
    /// zh-CN label shown on the one form.
    pub label: String,
    pub kind: FieldKind,
    #[serde(default)]
    pub choices: Vec<String>,
    #[serde(default)]
    pub help: Option<String>,
}

/// A material of the dictionary (材料目录).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MaterialEntry {
    pub code: String,
    pub name: String,
    /// The paper form usually asked for; a matter may ask for a stricter one.
    pub paper: PaperForm,
    /// The 电子证照 type that replaces the paper, if one exists.
    #[serde(default)]
    pub elicense: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Dictionary {
    pub fields: BTreeMap<String, FieldEntry>,
    pub materials: BTreeMap<String, MaterialEntry>,
}

impl Dictionary {
    /// The dictionary the SDK publishes.
    pub fn builtin() -> Dictionary {
        use lianban_sdk::dictionary::{fields, materials};
        let fields = fields()
            .map(|d| FieldEntry {
                key: d.key.to_owned(),
                label: d.label.to_owned(),
                kind: d.kind,
                choices: d.choices.iter().map(|c| (*c).to_owned()).collect(),
                help: d.help.map(str::to_owned),
            })
            .map(|f| (f.key.clone(), f))
            .collect();
        let materials = materials()
            .map(|d| MaterialEntry {
                code: d.code.to_owned(),
                name: d.name.to_owned(),
                paper: d.paper,
                elicense: d.elicense.map(str::to_owned),
            })
            .map(|m| (m.code.clone(), m))
            .collect();
        Dictionary { fields, materials }
    }

    pub fn load(store: &dyn CatalogStore) -> StoreResult<Dictionary> {
        Ok(Dictionary {
            fields: store
                .dictionary_fields()?
                .into_iter()
                .map(|f| (f.key.clone(), f))
                .collect(),
            materials: store
                .dictionary_materials()?
                .into_iter()
                .map(|m| (m.code.clone(), m))
                .collect(),
        })
    }

    /// What in `manifest` the dictionary does not allow, in zh-CN, one line each: unknown
    /// field keys and material codes, and fields declared with another kind or other choices
    /// than the dictionary gives them.
    ///
    /// A different label is not a problem: the one form and the guide always show the
    /// dictionary's label, so a plugin built against an older dictionary keeps working when
    /// the bureau rewords one.
    pub fn problems(&self, manifest: &Manifest) -> Vec<String> {
        let mut out = Vec::new();
        for f in &manifest.fields {
            match self.fields.get(&f.key) {
                None => out.push(format!(
                    "字段“{}”不在共享数据字典中，请先由主管部门登记该字段",
                    f.key
                )),
                Some(d) if d.kind != f.kind => out.push(format!(
                    "字段“{}”在数据字典中的类型是 {:?}，插件声明为 {:?}",
                    f.key, d.kind, f.kind
                )),
                Some(d) if d.kind == FieldKind::Choice && d.choices != f.choices => {
                    out.push(format!(
                        "选择型字段“{}”的可选值应与数据字典一致：{}",
                        f.key,
                        d.choices.join("、")
                    ))
                }
                Some(_) => {}
            }
        }
        for m in &manifest.materials {
            if !self.materials.contains_key(&m.code) {
                out.push(format!(
                    "材料“{}”不在材料目录中，请先由主管部门登记该材料",
                    m.code
                ));
            }
        }
        out
    }
}

/// Writes the SDK's dictionary into an empty store. Entries the bureau added or changed are
/// kept; entries the SDK gained since are added.
pub fn seed(store: &dyn CatalogStore) -> StoreResult<()> {
    let stored = Dictionary::load(store)?;
    let builtin = Dictionary::builtin();
    for (key, f) in &builtin.fields {
        if !stored.fields.contains_key(key) {
            store.put_dictionary_field(f)?;
        }
    }
    for (code, m) in &builtin.materials {
        if !stored.materials.contains_key(code) {
            store.put_dictionary_material(m)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use lianban_sdk::dictionary::field;
    use lianban_sdk::{FieldSpec, Requirement};

    fn manifest(fields: Vec<FieldSpec>) -> Manifest {
        Manifest {
            matter: "m".into(),
            name: "m".into(),
            department: "d".into(),
            version: "1.0.0".into(),
            legal_days: 1,
            promised_days: 1,
            fields,
            materials: Vec::new(),
            review_points: Vec::new(),
            basis: Vec::new(),
        }
    }

    #[test]
    fn builtin_dictionary_accepts_dictionary_fields() {
        let d = Dictionary::builtin();
        let m = manifest(vec![field("child.name", Requirement::Always)]);
        assert!(d.problems(&m).is_empty());
    }

    #[test]
    fn unknown_key_and_wrong_kind_are_named() {
        let d = Dictionary::builtin();
        let mut wrong_kind = field("child.birth-date", Requirement::Always);
        wrong_kind.kind = FieldKind::Text;
        let m = manifest(vec![
            FieldSpec::new(
                "child.favourite-toy",
                "玩具",
                FieldKind::Text,
                Requirement::Always,
            ),
            wrong_kind,
        ]);
        let problems = d.problems(&m);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("child.favourite-toy"));
        assert!(problems[1].contains("child.birth-date"));
    }
}
