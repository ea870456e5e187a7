//! One form and one set of materials for a one-thing (一表申请、一套材料), merged from the
//! manifests of its matters' active rules.

use std::collections::BTreeMap;

use lianban_sdk::{FieldKind, FieldSpec, Manifest, MaterialSpec, PaperForm, Requirement};
use serde::Serialize;

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct MergedField {
    pub key: String,
    pub label: String,
    pub kind: FieldKind,
    /// `always` if any matter always needs it; else the conditions under which some do.
    pub requirement: MergedRequirement,
    pub choices: Vec<String>,
    pub help: Option<String>,
    pub matters: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "kind", content = "conditions", rename_all = "snake_case")]
pub enum MergedRequirement {
    Always,
    Conditional(Vec<String>),
    Optional,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct MergedMaterial {
    pub code: String,
    pub name: String,
    pub requirement: MergedRequirement,
    /// The strictest paper form any matter asks for.
    pub paper: PaperForm,
    pub copies: u32,
    /// An electronic certificate replaces the paper only if every matter that needs the
    /// material accepts it.
    pub elicense: Option<String>,
    pub matters: Vec<String>,
}

/// Two matters describe the same dictionary key or material code differently. Reported, not
/// resolved: the departments must agree on the dictionary.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Conflict {
    /// `field` or `material`.
    pub kind: &'static str,
    pub key: String,
    pub differences: Vec<ConflictSide>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ConflictSide {
    pub matter: String,
    pub description: String,
}

#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct Merged {
    pub fields: Vec<MergedField>,
    pub materials: Vec<MergedMaterial>,
    pub conflicts: Vec<Conflict>,
}

fn requirement(current: Option<MergedRequirement>, next: &Requirement) -> MergedRequirement {
    use MergedRequirement as M;
    match (current, next) {
        (Some(M::Always), _) | (_, Requirement::Always) => M::Always,
        (Some(M::Conditional(mut c)), Requirement::Conditional(n)) => {
            if !c.contains(n) {
                c.push(n.clone());
            }
            M::Conditional(c)
        }
        (Some(M::Conditional(c)), Requirement::Optional) => M::Conditional(c),
        (None | Some(M::Optional), Requirement::Conditional(n)) => M::Conditional(vec![n.clone()]),
        (None | Some(M::Optional), Requirement::Optional) => M::Optional,
    }
}

fn strictness(p: PaperForm) -> u8 {
    match p {
        PaperForm::Copy => 0,
        PaperForm::Original => 1,
        PaperForm::OriginalAndCopy => 2,
    }
}

fn describe_field(f: &FieldSpec) -> String {
    let mut d = format!("{}（{:?}）", f.label, f.kind);
    if !f.choices.is_empty() {
        d.push_str(&format!("：{}", f.choices.join("/")));
    }
    d
}

/// Merges manifests given in catalog order.
pub fn merge<'a>(manifests: impl IntoIterator<Item = &'a Manifest>) -> Merged {
    let mut out = Merged::default();
    let mut field_index: BTreeMap<String, usize> = BTreeMap::new();
    let mut field_first: BTreeMap<String, FieldSpec> = BTreeMap::new();
    let mut material_index: BTreeMap<String, usize> = BTreeMap::new();
    let mut material_first: BTreeMap<String, (String, MaterialSpec)> = BTreeMap::new();
    let mut conflicts: BTreeMap<(&'static str, String), Vec<ConflictSide>> = BTreeMap::new();

    for m in manifests {
        for f in &m.fields {
            match field_index.get(&f.key) {
                None => {
                    field_index.insert(f.key.clone(), out.fields.len());
                    field_first.insert(f.key.clone(), f.clone());
                    out.fields.push(MergedField {
                        key: f.key.clone(),
                        label: f.label.clone(),
                        kind: f.kind,
                        requirement: requirement(None, &f.requirement),
                        choices: f.choices.clone(),
                        help: f.help.clone(),
                        matters: vec![m.matter.clone()],
                    });
                }
                Some(&i) => {
                    let first = &field_first[&f.key];
                    if first.kind != f.kind || first.label != f.label || first.choices != f.choices
                    {
                        let sides = conflicts.entry(("field", f.key.clone())).or_default();
                        if sides.is_empty() {
                            sides.push(ConflictSide {
                                matter: out.fields[i].matters[0].clone(),
                                description: describe_field(first),
                            });
                        }
                        sides.push(ConflictSide {
                            matter: m.matter.clone(),
                            description: describe_field(f),
                        });
                    }
                    let merged = &mut out.fields[i];
                    merged.requirement =
                        requirement(Some(merged.requirement.clone()), &f.requirement);
                    merged.matters.push(m.matter.clone());
                }
            }
        }
        for s in &m.materials {
            match material_index.get(&s.code) {
                None => {
                    material_index.insert(s.code.clone(), out.materials.len());
                    material_first.insert(s.code.clone(), (m.matter.clone(), s.clone()));
                    out.materials.push(MergedMaterial {
                        code: s.code.clone(),
                        name: s.name.clone(),
                        requirement: requirement(None, &s.requirement),
                        paper: s.paper,
                        copies: s.copies,
                        elicense: s.elicense.clone(),
                        matters: vec![m.matter.clone()],
                    });
                }
                Some(&i) => {
                    let (first_matter, first) = &material_first[&s.code];
                    if first.name != s.name {
                        let sides = conflicts.entry(("material", s.code.clone())).or_default();
                        if sides.is_empty() {
                            sides.push(ConflictSide {
                                matter: first_matter.clone(),
                                description: first.name.clone(),
                            });
                        }
                        sides.push(ConflictSide {
                            matter: m.matter.clone(),
                            description: s.name.clone(),
                        });
                    }
                    let merged = &mut out.materials[i];
                    merged.requirement =
                        requirement(Some(merged.requirement.clone()), &s.requirement);
                    if strictness(s.paper) > strictness(merged.paper) {
                        merged.paper = s.paper;
                    }
                    merged.copies = merged.copies.max(s.copies);
                    if merged.elicense != s.elicense {
                        merged.elicense = None;
                    }
                    merged.matters.push(m.matter.clone());
                }
            }
        }
    }
    out.conflicts = conflicts
        .into_iter()
        .map(|((kind, key), differences)| Conflict {
            kind,
            key,
            differences,
        })
        .collect();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(matter: &str, fields: Vec<FieldSpec>, materials: Vec<MaterialSpec>) -> Manifest {
        Manifest {
            matter: matter.into(),
            name: matter.into(),
            department: "d".into(),
            version: "1.0.0".into(),
            legal_days: 1,
            promised_days: 1,
            fields,
            materials,
            review_points: vec![],
            basis: vec![],
        }
    }

    #[test]
    fn unions_fields_and_reports_conflicts() {
        let a = manifest(
            "a",
            vec![
                FieldSpec::new(
                    "child.name",
                    "新生儿姓名",
                    FieldKind::Text,
                    Requirement::Optional,
                ),
                FieldSpec::new("child.sex", "性别", FieldKind::Choice, Requirement::Always)
                    .choices(&["男", "女"]),
            ],
            vec![],
        );
        let b = manifest(
            "b",
            vec![
                FieldSpec::new(
                    "child.name",
                    "新生儿姓名",
                    FieldKind::Text,
                    Requirement::Always,
                ),
                FieldSpec::new("child.sex", "性别", FieldKind::Text, Requirement::Always),
            ],
            vec![],
        );
        let merged = merge([&a, &b]);
        assert_eq!(merged.fields.len(), 2);
        assert_eq!(merged.fields[0].requirement, MergedRequirement::Always);
        assert_eq!(merged.fields[0].matters, ["a", "b"]);
        assert_eq!(merged.conflicts.len(), 1);
        assert_eq!(merged.conflicts[0].key, "child.sex");
        assert_eq!(merged.conflicts[0].differences.len(), 2);
    }

    #[test]
    fn materials_take_the_strictest_form_and_a_shared_elicense_only() {
        let a = manifest(
            "a",
            vec![],
            vec![
                MaterialSpec::new("hr", "户口簿", Requirement::Always, PaperForm::Copy)
                    .elicense("户口簿"),
            ],
        );
        let b = manifest(
            "b",
            vec![],
            vec![MaterialSpec::new(
                "hr",
                "户口簿",
                Requirement::Conditional("x".into()),
                PaperForm::Original,
            )],
        );
        let merged = merge([&a, &b]);
        assert_eq!(merged.materials.len(), 1);
        let m = &merged.materials[0];
        assert_eq!(m.paper, PaperForm::Original);
        assert_eq!(m.elicense, None);
        assert_eq!(m.requirement, MergedRequirement::Always);
        assert!(merged.conflicts.is_empty());
    }
}
